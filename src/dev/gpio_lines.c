/* SPDX-License-Identifier: MIT */
/*
 * The board's GPIO lines, without a chip: the line keys' names, the
 * active_low list, and finding each line the board names among a chip's
 * line names.  Pure, so the board check (`retourd -n`), the gpiod backend
 * (either libgpiod API) and the unit tests share one answer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retour/gpio.h"

static const char *const gpio_line_names[GPIO_LINE_COUNT] = {
    [GPIO_LINE_ACCEPT] = "accept", [GPIO_LINE_REJECT] = "reject",
    [GPIO_LINE_PEDAL] = "pedal",   [GPIO_LINE_PARCEL] = "parcel",
    [GPIO_LINE_GREEN] = "green",   [GPIO_LINE_AMBER] = "amber",
    [GPIO_LINE_RED] = "red",	   [GPIO_LINE_BUZZER] = "buzzer",
};

#define GPIO_LINES_KNOWN                                                       \
	"accept, reject, pedal, parcel, green, amber, red, buzzer"

const char *gpio_line_name(enum gpio_line l)
{
	return (unsigned)l < GPIO_LINE_COUNT ? gpio_line_names[l] : "unknown";
}

static int gpio_line_from_name(const char *name, size_t len)
{
	for (int i = 0; i < GPIO_LINE_COUNT; i++)
		if (strlen(gpio_line_names[i]) == len &&
		    !strncmp(gpio_line_names[i], name, len))
			return i;
	return -EINVAL;
}

static int gpio_is_space(char c)
{
	return c == ' ' || c == '\t';
}

int gpio_active_low_parse(const char *list, unsigned *mask, char *problem,
			  size_t problemlen)
{
	const char *p = list;
	unsigned m = 0;

	if (!list || !mask)
		return -EINVAL;
	while (gpio_is_space(*p))
		p++;
	if (!*p || !strcmp(p, "none")) {
		*mask = 0;
		return 0;
	}
	for (;;) {
		const char *start, *end;
		size_t len;
		int l;

		while (gpio_is_space(*p))
			p++;
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (end > start && gpio_is_space(end[-1]))
			end--;
		len = (size_t)(end - start);
		l = gpio_line_from_name(start, len);
		if (l < 0 || (m & (1u << l))) {
			snprintf(problem, problemlen,
				 l < 0 ? "'%.*s' in active_low is not a gpio "
					 "line (" GPIO_LINES_KNOWN ")"
				       : "'%.*s' is twice in active_low",
				 len > 64 ? 64 : (int)len, start);
			return -EINVAL;
		}
		m |= 1u << l;
		if (!*p)
			break;
		p++; /* the comma: a name must follow */
	}
	*mask = m;
	return 0;
}

int gpio_lines_resolve(const char *const names[GPIO_LINE_COUNT],
		       const char *chip, const char *const *chip_names,
		       unsigned n, int offsets[GPIO_LINE_COUNT], char *err,
		       size_t errlen)
{
	if (!names || !offsets || (n && !chip_names))
		return -EINVAL;
	chip = chip ? chip : "";
	for (int l = 0; l < GPIO_LINE_COUNT; l++) {
		offsets[l] = -1;
		if (!names[l])
			continue;
		for (int k = 0; k < l; k++)
			if (names[k] && !strcmp(names[k], names[l])) {
				snprintf(err, errlen,
					 "gpio line '%s' is named for both %s "
					 "and %s",
					 names[l], gpio_line_names[k],
					 gpio_line_names[l]);
				return -EINVAL;
			}
		for (unsigned i = 0; i < n; i++) {
			if (!chip_names[i] || strcmp(chip_names[i], names[l]))
				continue;
			if (offsets[l] >= 0) {
				snprintf(err, errlen,
					 "gpio chip '%s' has two lines named "
					 "'%s' (%d and %u): name the line "
					 "for %s by a unique name",
					 chip, names[l], offsets[l], i,
					 gpio_line_names[l]);
				return -EINVAL;
			}
			offsets[l] = (int)i;
		}
		if (offsets[l] < 0) {
			snprintf(err, errlen,
				 "gpio chip '%s' has no line named '%s' (for "
				 "%s)",
				 chip, names[l], gpio_line_names[l]);
			return -ENOENT;
		}
	}
	return 0;
}
