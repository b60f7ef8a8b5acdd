/* SPDX-License-Identifier: MIT */
/*
 * Simulated GPIO: buttons pressed from the UI or a test, the tower's
 * lines kept in memory by the dispatcher (gpio_lines(), the status).
 *
 * A press travels through the event loop like a real line's edge does
 * (queued, then delivered from an sd_event defer source), so callers see
 * the same ordering and debounce as on a desk.  It does not model how long
 * a button is held.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retour/clock.h"
#include "retour/gpio.h"

#define GPIO_SIM_QUEUE 16

struct gpio_sim_press {
	enum gpio_button button;
	uint64_t when_usec;
};

struct gpio_sim {
	struct gpio *gpio;
	sd_event_source *defer;
	struct gpio_sim_press queue[GPIO_SIM_QUEUE];
	unsigned head, count;
};

static int gpio_sim_dispatch(sd_event_source *src, void *userdata)
{
	struct gpio_sim *s = userdata;
	struct gpio_sim_press p;

	/* One press per dispatch: the callback may queue more. */
	if (s->count == 0) {
		sd_event_source_set_enabled(src, SD_EVENT_OFF);
		return 0;
	}
	p = s->queue[s->head];
	s->head = (s->head + 1) % GPIO_SIM_QUEUE;
	s->count--;
	if (s->count == 0)
		sd_event_source_set_enabled(src, SD_EVENT_OFF);
	gpio_report_press(s->gpio, p.button, p.when_usec);
	return 0;
}

static int gpio_sim_press(void *state, enum gpio_button b)
{
	struct gpio_sim *s = state;

	if (s->count == GPIO_SIM_QUEUE)
		return -EBUSY;
	/* Stamped now, like a kernel edge event, so debounce sees the time
	 * of the press and not of its delivery. */
	s->queue[(s->head + s->count) % GPIO_SIM_QUEUE] =
	    (struct gpio_sim_press){.button = b,
				    .when_usec = (uint64_t)clock_mono_us()};
	s->count++;
	return sd_event_source_set_enabled(s->defer, SD_EVENT_ON);
}

static int gpio_sim_set_lines(void *state, const struct tower_lines *l)
{
	return 0; /* the dispatcher remembers them (gpio_lines()) */
}

static void gpio_sim_close(void *state)
{
	struct gpio_sim *s = state;

	if (!s)
		return;
	sd_event_source_disable_unref(s->defer);
	free(s);
}

static int gpio_sim_open(sd_event *ev, const struct gpio_config *cfg,
			 struct gpio *g, void **state, char *err, size_t errlen)
{
	struct gpio_sim *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "gpio: out of memory");
		return -ENOMEM;
	}
	s->gpio = g;
	r = sd_event_add_defer(ev, &s->defer, gpio_sim_dispatch, s);
	if (r < 0) {
		snprintf(err, errlen, "gpio sim: event loop: %s", strerror(-r));
		free(s);
		return r;
	}
	sd_event_source_set_enabled(s->defer, SD_EVENT_OFF);
	*state = s;
	return 0;
}

const struct gpio_backend gpio_backend_sim = {
    .name = "sim",
    .open = gpio_sim_open,
    .set_lines = gpio_sim_set_lines,
    .press = gpio_sim_press,
    .close = gpio_sim_close,
};
