/* SPDX-License-Identifier: MIT */
/*
 * The libgpiod backend: a chip from the board ("chip = gpiochip0", a path
 * like /dev/gpiochip0, or a chip label like pinctrl-bcm2711), its lines
 * found by the names the board gives (accept, reject, pedal, parcel in;
 * green, amber, red, buzzer out; any may be absent), active-low per line
 * from the board's active_low list.
 *
 * Edge events come through the request's fds, watched by sd_event: no
 * polling.  A rising (logical: inactive -> active) edge on an input is a
 * press, reported with the kernel's time stamp; the dispatcher debounces.
 * The libgpiod API (1.6 or 2.x) is behind gpio_port.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "gpio_port.h"
#include "retour/gpio.h"
#include "retour/log.h"

#define GPIO_GPIOD_MAX_LINES 1024 /* the names read from one chip */

struct gpio_gpiod {
	struct gpio *gpio;
	struct gpio_port *port;
	int offsets[GPIO_LINE_COUNT];
	sd_event_source *io[GPIO_LINE_INPUTS];
	int n_io;
};

/* "gpiochip0" -> "/dev/gpiochip0": a chip's name is its node's. */
static bool gpio_gpiod_is_chip_name(const char *s)
{
	if (strncmp(s, "gpiochip", 8) || !s[8])
		return false;
	for (s += 8; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * Is @path a GPIO chip's character device?  Asked before it is opened: a
 * board may name any path, and opening some devices read-write does
 * something (a watchdog starts counting).  The kernel says so in sysfs,
 * as libgpiod 2 asks: the device's subsystem is the gpio bus.  0 or
 * -errno (-ENOTTY: a device, but no GPIO chip).
 */
static int gpio_gpiod_is_chip(const char *path)
{
	char link[96], target[PATH_MAX];
	struct stat sb;
	ssize_t n;

	if (stat(path, &sb) < 0)
		return -errno;
	if (!S_ISCHR(sb.st_mode))
		return -ENOTTY;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/subsystem",
		 major(sb.st_rdev), minor(sb.st_rdev));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -ENOTTY;
	target[n] = '\0';
	n = (ssize_t)strlen(target);
	return n >= 9 && !strcmp(target + n - 9, "/bus/gpio") ? 0 : -ENOTTY;
}

/* Open the chip at @path, once it is known to be one. */
static int gpio_gpiod_open_chip(const char *path, struct gpio_port **out)
{
	int r = gpio_gpiod_is_chip(path);

	return r < 0 ? r : gpio_port_open(path, out);
}

/* Open the chip the board names: a path, a chip name, or a label looked
 * for among /dev/gpiochip*. */
static int gpio_gpiod_find_chip(const char *spec, struct gpio_port **out,
				char *err, size_t errlen)
{
	char path[288];
	struct dirent *de;
	DIR *dir;
	int r, seen = 0;

	if (!spec || !*spec) {
		snprintf(err, errlen,
			 "gpio backend 'gpiod' needs 'chip' (gpiochip0, a "
			 "path or a chip label)");
		return -EINVAL;
	}
	if (strchr(spec, '/') || gpio_gpiod_is_chip_name(spec)) {
		snprintf(path, sizeof(path), "%s%s",
			 strchr(spec, '/') ? "" : "/dev/", spec);
		r = gpio_gpiod_open_chip(path, out);
		if (r < 0)
			snprintf(err, errlen, "gpio chip '%s': %s: %s", spec,
				 path, strerror(-r));
		return r;
	}
	dir = opendir("/dev");
	while (dir && (de = readdir(dir))) {
		struct gpio_port *p;

		if (!gpio_gpiod_is_chip_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		if (gpio_gpiod_open_chip(path, &p) < 0)
			continue;
		seen++;
		if (!strcmp(gpio_port_chip_label(p), spec)) {
			closedir(dir);
			*out = p;
			return 0;
		}
		gpio_port_close(p);
	}
	if (dir)
		closedir(dir);
	snprintf(err, errlen,
		 "no GPIO chip '%s' (%d gpio chip%s under /dev, none with that "
		 "label)",
		 spec, seen, seen == 1 ? "" : "s");
	return -ENODEV;
}

int gpio_chip_present(const char *chip, char *problem, size_t problemlen)
{
	struct gpio_port *p = NULL;
	char why[320];
	int r;

	if (!chip || !*chip) {
		snprintf(problem, problemlen, "no GPIO chip named");
		return -EINVAL;
	}
	r = gpio_gpiod_find_chip(chip, &p, why, sizeof(why));
	if (r == -ENODEV) {
		snprintf(problem, problemlen, "%s", why);
		return r;
	}
	if (r < 0) {
		snprintf(problem, problemlen, "no GPIO chip '%.64s' (%s)", chip,
			 strerror(-r));
		return r;
	}
	gpio_port_close(p);
	return 0;
}

/* The board's line names to offsets on the chip. */
static int gpio_gpiod_lines(struct gpio_gpiod *s, const struct gpio_config *cfg,
			    const char *chip, char *err, size_t errlen)
{
	char **names = calloc(GPIO_GPIOD_MAX_LINES, sizeof(*names));
	int n, r;

	if (!names)
		return -ENOMEM;
	n = gpio_port_line_names(s->port, names, GPIO_GPIOD_MAX_LINES);
	if (n < 0) {
		snprintf(err, errlen, "gpio chip '%s': its lines: %s", chip,
			 strerror(-n));
		free(names);
		return n;
	}
	if (n > GPIO_GPIOD_MAX_LINES)
		n = GPIO_GPIOD_MAX_LINES;
	r = gpio_lines_resolve(cfg->line, chip, (const char *const *)names,
			       (unsigned)n, s->offsets, err, errlen);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int gpio_gpiod_on_edge(sd_event_source *src, int fd, uint32_t revents,
			      void *userdata)
{
	struct gpio_gpiod *s = userdata;
	struct gpio_port_edge e[16];
	int n = gpio_port_read(s->port, fd, e, 16);

	if (n < 0) {
		log_warning("gpio: reading edge events: %s", strerror(-n));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (!e[i].rising) /* a release: only presses count */
			continue;
		for (int l = 0; l < GPIO_LINE_INPUTS; l++)
			if (s->offsets[l] == (int)e[i].offset)
				gpio_report_press(s->gpio, (enum gpio_button)l,
						  e[i].usec);
	}
	return 0;
}

static int gpio_gpiod_set_lines(void *state, const struct tower_lines *t)
{
	struct gpio_gpiod *s = state;
	const bool want[GPIO_LINE_COUNT] = {
	    [GPIO_LINE_GREEN] = t->green,
	    [GPIO_LINE_AMBER] = t->amber,
	    [GPIO_LINE_RED] = t->red,
	    [GPIO_LINE_BUZZER] = t->buzzer,
	};
	int r = 0;

	for (int l = GPIO_LINE_INPUTS; l < GPIO_LINE_COUNT; l++)
		if (s->offsets[l] >= 0) {
			int q = gpio_port_set(s->port, l, want[l]);

			if (q < 0 && r == 0)
				r = q;
		}
	return r;
}

static void gpio_gpiod_close(void *state)
{
	struct gpio_gpiod *s = state;

	if (!s)
		return;
	for (int i = 0; i < s->n_io; i++)
		sd_event_source_disable_unref(s->io[i]);
	gpio_port_close(s->port);
	free(s);
}

static int gpio_gpiod_open(sd_event *ev, const struct gpio_config *cfg,
			   struct gpio *g, void **state, char *err,
			   size_t errlen)
{
	struct gpio_port_request rq = {0};
	struct gpio_gpiod *s;
	const char *chip;
	int fds[GPIO_LINE_INPUTS], n, r;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "gpio: out of memory");
		return -ENOMEM;
	}
	s->gpio = g;
	r = gpio_active_low_parse(cfg->active_low ? cfg->active_low : "",
				  &rq.active_low, err, errlen);
	if (r < 0)
		goto fail;
	r = gpio_gpiod_find_chip(cfg->chip, &s->port, err, errlen);
	if (r < 0)
		goto fail;
	chip = cfg->chip;
	r = gpio_gpiod_lines(s, cfg, chip, err, errlen);
	if (r < 0)
		goto fail;
	memcpy(rq.offsets, s->offsets, sizeof(rq.offsets));
	/* the kernel's debounce (2.x) as long as the dispatcher's */
	rq.debounce_us = cfg->debounce_ms > 0	 ? (unsigned)cfg->debounce_ms
			 : cfg->debounce_ms == 0 ? GPIO_DEBOUNCE_MS_DEFAULT
						 : 0;
	rq.debounce_us *= 1000u;
	r = gpio_port_request(s->port, &rq, err, errlen);
	if (r < 0)
		goto fail;
	n = gpio_port_fds(s->port, fds, GPIO_LINE_INPUTS);
	for (int i = 0; i < n; i++) {
		r = sd_event_add_io(ev, &s->io[i], fds[i], EPOLLIN,
				    gpio_gpiod_on_edge, s);
		if (r < 0) {
			snprintf(err, errlen, "gpio: event loop: %s",
				 strerror(-r));
			goto fail;
		}
		s->n_io++;
	}
	*state = s;
	return 0;
fail:
	gpio_gpiod_close(s);
	return r;
}

const struct gpio_backend gpio_backend_gpiod = {
    .name = "gpiod",
    .open = gpio_gpiod_open,
    .set_lines = gpio_gpiod_set_lines,
    .press = NULL,
    .close = gpio_gpiod_close,
};
