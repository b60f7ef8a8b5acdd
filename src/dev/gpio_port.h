/* SPDX-License-Identifier: MIT */
/*
 * A GPIO chip through libgpiod, as the gpiod backend (gpio_gpiod.c) needs
 * it, whichever libgpiod the build has: gpio_gpiod1.c speaks the 1.6 API
 * (Debian 12), gpio_gpiod2.c the 2.x API (bookworm-backports); the
 * Makefile asks pkg-config for the version and passes RETOUR_GPIOD_MAJOR,
 * and only that file compiles to anything.  Private to src/dev.
 *
 * Both APIs apply active-low in the kernel, so an edge here is logical:
 * rising is inactive -> active, a press.  An active-low input is taken
 * with the pull-up bias: a button, pedal or sensor switching to ground.  Only the 2.x API has a kernel
 * debounce; the dispatcher's debounce (gpio.c) runs on either.
 */
#ifndef RETOUR_GPIO_PORT_H
#define RETOUR_GPIO_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "retour/gpio.h"

struct gpio_port;

struct gpio_port_edge {
	unsigned offset;
	bool rising;   /* inactive -> active */
	uint64_t usec; /* the kernel's time stamp of the edge */
};

/* The lines to take: offsets[l] (-1: not wired); inputs are the first
 * GPIO_LINE_INPUTS, outputs start inactive. */
struct gpio_port_request {
	int offsets[GPIO_LINE_COUNT];
	unsigned active_low; /* 1u << enum gpio_line */
	unsigned debounce_us;
};

/* Open the chip at @path: 0 or -errno. */
int gpio_port_open(const char *path, struct gpio_port **out);
const char *gpio_port_chip_name(const struct gpio_port *p);  /* gpiochip0 */
const char *gpio_port_chip_label(const struct gpio_port *p); /* its driver */
/* Every line's name, copied into @names (a NULL for an unnamed line, or
 * when there are more than @max lines): the count of lines, or -errno. */
int gpio_port_line_names(struct gpio_port *p, char **names, unsigned max);
/* 0, or -errno with @err naming what failed. */
int gpio_port_request(struct gpio_port *p, const struct gpio_port_request *rq,
		      char *err, size_t errlen);
/* The fds edge events come through (one per input on 1.6, one in all on
 * 2.x), non-blocking: how many, up to @max. */
int gpio_port_fds(struct gpio_port *p, int *fds, int max);
/* Edges waiting on @fd: how many were put in @e (0: none waiting), or
 * -errno. */
int gpio_port_read(struct gpio_port *p, int fd, struct gpio_port_edge *e,
		   int max);
/* Drive output @l (requested) active or not: 0 or -errno. */
int gpio_port_set(struct gpio_port *p, enum gpio_line l, bool active);
void gpio_port_close(struct gpio_port *p);

#endif
