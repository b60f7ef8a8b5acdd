/* SPDX-License-Identifier: MIT */
/*
 * gpio_port.h on the libgpiod 1.6 API (Debian 12): one struct gpiod_line
 * per line, an event fd per input line, no kernel debounce (the 1.6 API
 * has none: the dispatcher's debounce does it all).
 */
#if RETOUR_GPIOD_MAJOR == 1

#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpio_port.h"

#define GPIO_CONSUMER "retourd"

struct gpio_port {
	struct gpiod_chip *chip;
	struct gpiod_line *line[GPIO_LINE_COUNT];
};

int gpio_port_open(const char *path, struct gpio_port **out)
{
	struct gpio_port *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->chip = gpiod_chip_open(path);
	if (!p->chip) {
		int r = errno ? -errno : -ENODEV;

		free(p);
		return r;
	}
	*out = p;
	return 0;
}

const char *gpio_port_chip_name(const struct gpio_port *p)
{
	return gpiod_chip_name(p->chip);
}

const char *gpio_port_chip_label(const struct gpio_port *p)
{
	return gpiod_chip_label(p->chip);
}

int gpio_port_line_names(struct gpio_port *p, char **names, unsigned max)
{
	unsigned n = gpiod_chip_num_lines(p->chip);

	for (unsigned i = 0; i < n && i < max; i++) {
		struct gpiod_line *line = gpiod_chip_get_line(p->chip, i);
		const char *name = line ? gpiod_line_name(line) : NULL;

		names[i] = name ? strdup(name) : NULL;
	}
	return (int)n;
}

int gpio_port_request(struct gpio_port *p, const struct gpio_port_request *rq,
		      char *err, size_t errlen)
{
	for (int l = 0; l < GPIO_LINE_COUNT; l++) {
		struct gpiod_line *line;
		/* an active-low input is a contact to ground: pulled up */
		int flags = !(rq->active_low & (1u << l)) ? 0
			    : l < GPIO_LINE_INPUTS
				? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW |
				      GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP
				: GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW;
		int r, fd;

		if (rq->offsets[l] < 0)
			continue;
		line = gpiod_chip_get_line(p->chip, (unsigned)rq->offsets[l]);
		if (!line)
			r = -1;
		else if (l < GPIO_LINE_INPUTS)
			r = gpiod_line_request_both_edges_events_flags(
			    line, GPIO_CONSUMER, flags);
		else
			r = gpiod_line_request_output_flags(line, GPIO_CONSUMER,
							    flags, 0);
		if (r < 0) {
			r = errno ? -errno : -EIO;
			snprintf(err, errlen,
				 "gpio chip '%s': line %d (%s) cannot be "
				 "taken: %s",
				 gpiod_chip_name(p->chip), rq->offsets[l],
				 gpio_line_name(l), strerror(-r));
			return r;
		}
		p->line[l] = line;
		if (l >= GPIO_LINE_INPUTS)
			continue;
		fd = gpiod_line_event_get_fd(line);
		if (fd >= 0)
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	}
	return 0;
}

int gpio_port_fds(struct gpio_port *p, int *fds, int max)
{
	int n = 0;

	for (int l = 0; l < GPIO_LINE_INPUTS && n < max; l++)
		if (p->line[l])
			fds[n++] = gpiod_line_event_get_fd(p->line[l]);
	return n;
}

int gpio_port_read(struct gpio_port *p, int fd, struct gpio_port_edge *e,
		   int max)
{
	struct gpiod_line_event ev[16];
	int line = -1, n;

	for (int l = 0; l < GPIO_LINE_INPUTS; l++)
		if (p->line[l] && gpiod_line_event_get_fd(p->line[l]) == fd)
			line = l;
	if (line < 0)
		return -EBADF;
	if (max > 16)
		max = 16;
	n = gpiod_line_event_read_fd_multiple(fd, ev, (unsigned)max);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		e[i].offset = gpiod_line_offset(p->line[line]);
		e[i].rising = ev[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
		e[i].usec = (uint64_t)ev[i].ts.tv_sec * 1000000u +
			    (uint64_t)ev[i].ts.tv_nsec / 1000u;
	}
	return n;
}

int gpio_port_set(struct gpio_port *p, enum gpio_line l, bool active)
{
	if ((unsigned)l >= GPIO_LINE_COUNT || !p->line[l])
		return -EINVAL;
	return gpiod_line_set_value(p->line[l], active) < 0 ? -errno : 0;
}

void gpio_port_close(struct gpio_port *p)
{
	if (!p)
		return;
	gpiod_chip_close(p->chip); /* releases its lines */
	free(p);
}

#endif
