/* SPDX-License-Identifier: MIT */
/*
 * gpio_port.h on the libgpiod 2.x API (bookworm-backports): one line
 * request for every line, one event fd, and the kernel's debounce on the
 * inputs (the dispatcher's debounce still runs after it).
 */
#if RETOUR_GPIOD_MAJOR == 2

#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpio_port.h"

#define GPIO_CONSUMER "retourd"
#define GPIO_EVENTS 16

struct gpio_port {
	struct gpiod_chip *chip;
	char name[64], label[64];
	struct gpiod_line_request *req;
	struct gpiod_edge_event_buffer *events;
	int offsets[GPIO_LINE_COUNT];
};

int gpio_port_open(const char *path, struct gpio_port **out)
{
	struct gpio_port *p = calloc(1, sizeof(*p));
	struct gpiod_chip_info *info;

	if (!p)
		return -ENOMEM;
	p->chip = gpiod_chip_open(path);
	info = p->chip ? gpiod_chip_get_info(p->chip) : NULL;
	if (!info) {
		int r = errno ? -errno : -ENODEV;

		if (p->chip)
			gpiod_chip_close(p->chip);
		free(p);
		return r;
	}
	snprintf(p->name, sizeof(p->name), "%s",
		 gpiod_chip_info_get_name(info));
	snprintf(p->label, sizeof(p->label), "%s",
		 gpiod_chip_info_get_label(info));
	gpiod_chip_info_free(info);
	*out = p;
	return 0;
}

const char *gpio_port_chip_name(const struct gpio_port *p)
{
	return p->name;
}

const char *gpio_port_chip_label(const struct gpio_port *p)
{
	return p->label;
}

int gpio_port_line_names(struct gpio_port *p, char **names, unsigned max)
{
	struct gpiod_chip_info *info = gpiod_chip_get_info(p->chip);
	unsigned n;

	if (!info)
		return -errno;
	n = (unsigned)gpiod_chip_info_get_num_lines(info);
	gpiod_chip_info_free(info);
	for (unsigned i = 0; i < n && i < max; i++) {
		struct gpiod_line_info *li =
		    gpiod_chip_get_line_info(p->chip, i);
		const char *name = li ? gpiod_line_info_get_name(li) : NULL;

		names[i] = name ? strdup(name) : NULL;
		gpiod_line_info_free(li);
	}
	return (int)n;
}

/* One line's settings into @lc: an input with both edges and the
 * debounce, or an output starting inactive. */
static int gpio_port_add(struct gpiod_line_config *lc, unsigned offset,
			 bool input, bool active_low, unsigned debounce_us)
{
	struct gpiod_line_settings *s = gpiod_line_settings_new();
	int r = -1;

	if (!s)
		return -1;
	if (input) {
		if (!gpiod_line_settings_set_direction(
			s, GPIOD_LINE_DIRECTION_INPUT) &&
		    !gpiod_line_settings_set_edge_detection(
			s, GPIOD_LINE_EDGE_BOTH)) {
			gpiod_line_settings_set_debounce_period_us(s,
								   debounce_us);
			/* an active-low input is a contact to ground */
			r = active_low ? gpiod_line_settings_set_bias(
					     s, GPIOD_LINE_BIAS_PULL_UP)
				       : 0;
		}
	} else if (!gpiod_line_settings_set_direction(
		       s, GPIOD_LINE_DIRECTION_OUTPUT) &&
		   !gpiod_line_settings_set_output_value(
		       s, GPIOD_LINE_VALUE_INACTIVE)) {
		r = 0;
	}
	if (r == 0) {
		gpiod_line_settings_set_active_low(s, active_low);
		r = gpiod_line_config_add_line_settings(lc, &offset, 1, s);
	}
	gpiod_line_settings_free(s);
	return r;
}

int gpio_port_request(struct gpio_port *p, const struct gpio_port_request *rq,
		      char *err, size_t errlen)
{
	struct gpiod_line_config *lc = gpiod_line_config_new();
	struct gpiod_request_config *rc = gpiod_request_config_new();
	int r = 0, fd, lines = 0;

	if (!lc || !rc) {
		r = -ENOMEM;
		goto out;
	}
	gpiod_request_config_set_consumer(rc, GPIO_CONSUMER);
	gpiod_request_config_set_event_buffer_size(rc, GPIO_EVENTS);
	for (int l = 0; l < GPIO_LINE_COUNT; l++) {
		p->offsets[l] = rq->offsets[l];
		if (rq->offsets[l] < 0)
			continue;
		lines++;
		if (gpio_port_add(
			lc, (unsigned)rq->offsets[l], l < GPIO_LINE_INPUTS,
			rq->active_low & (1u << l), rq->debounce_us) < 0) {
			r = errno ? -errno : -EINVAL;
			snprintf(err, errlen,
				 "gpio chip '%s': line %d (%s): %s", p->name,
				 rq->offsets[l], gpio_line_name(l),
				 strerror(-r));
			goto out;
		}
	}
	if (!lines)
		goto out;
	p->req = gpiod_chip_request_lines(p->chip, rc, lc);
	p->events = gpiod_edge_event_buffer_new(GPIO_EVENTS);
	if (!p->req || !p->events) {
		r = errno ? -errno : -EIO;
		snprintf(err, errlen,
			 "gpio chip '%s': the board's lines cannot be taken: "
			 "%s",
			 p->name, strerror(-r));
		goto out;
	}
	fd = gpiod_line_request_get_fd(p->req);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
out:
	gpiod_line_config_free(lc);
	gpiod_request_config_free(rc);
	return r;
}

int gpio_port_fds(struct gpio_port *p, int *fds, int max)
{
	bool inputs = false;

	for (int l = 0; l < GPIO_LINE_INPUTS; l++)
		inputs = inputs || p->offsets[l] >= 0;
	if (!p->req || !inputs || max < 1)
		return 0;
	fds[0] = gpiod_line_request_get_fd(p->req);
	return 1;
}

int gpio_port_read(struct gpio_port *p, int fd, struct gpio_port_edge *e,
		   int max)
{
	int n;

	if (!p->req || fd != gpiod_line_request_get_fd(p->req))
		return -EBADF;
	if (max > GPIO_EVENTS)
		max = GPIO_EVENTS;
	n = gpiod_line_request_read_edge_events(p->req, p->events, (size_t)max);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct gpiod_edge_event *ev =
		    gpiod_edge_event_buffer_get_event(p->events, (unsigned)i);

		e[i].offset = gpiod_edge_event_get_line_offset(ev);
		e[i].rising = gpiod_edge_event_get_event_type(ev) ==
			      GPIOD_EDGE_EVENT_RISING_EDGE;
		e[i].usec = gpiod_edge_event_get_timestamp_ns(ev) / 1000u;
	}
	return n;
}

int gpio_port_set(struct gpio_port *p, enum gpio_line l, bool active)
{
	if ((unsigned)l >= GPIO_LINE_COUNT || !p->req || p->offsets[l] < 0)
		return -EINVAL;
	return gpiod_line_request_set_value(p->req, (unsigned)p->offsets[l],
					    active
						? GPIOD_LINE_VALUE_ACTIVE
						: GPIOD_LINE_VALUE_INACTIVE) < 0
		   ? -errno
		   : 0;
}

void gpio_port_close(struct gpio_port *p)
{
	if (!p)
		return;
	if (p->req)
		gpiod_line_request_release(p->req);
	gpiod_edge_event_buffer_free(p->events);
	gpiod_chip_close(p->chip);
	free(p);
}

#endif
