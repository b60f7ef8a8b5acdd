/* SPDX-License-Identifier: MIT */
/*
 * GPIO dispatcher: picks the GPIO backend by name, debounces button presses
 * for every backend alike, and runs the tower light's pattern (tower.h)
 * on the backend's output lines.
 *
 * The pattern runs on an sd_event timer armed only for the next change
 * of a state that blinks or beeps: a steady light costs no wakeup.  A
 * refusal is shown over the state the desk is in, which comes back when
 * the refusal is over, without starting its pattern again (no second
 * entry beep).  Which state means what is the workflow's business, not
 * this file's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/device.h"
#include "retour/gpio.h"
#include "retour/log.h"

struct gpio {
	const struct gpio_backend *backend;
	void *state;
	sd_event *ev;
	gpio_button_fn fn;
	void *userdata;
	uint64_t debounce_usec;
	uint64_t last_press[GPIO_BUTTON_COUNT];
	bool pressed_once[GPIO_BUTTON_COUNT];

	/* the tower: the desk's state, and a refusal shown over it */
	enum tower_state base, overlay;	    /* overlay TOWER_OFF: none */
	uint64_t base_since, overlay_since; /* CLOCK_MONOTONIC us */
	bool acknowledged;
	struct tower_lines lines;
	sd_event_source *timer;
};

static const char *const gpio_button_names[GPIO_BUTTON_COUNT] = {
    [GPIO_BUTTON_ACCEPT] = "accept",
    [GPIO_BUTTON_REJECT] = "reject",
    [GPIO_BUTTON_PEDAL] = "pedal",
    [GPIO_BUTTON_PARCEL] = "parcel",
};

static uint64_t gpio_now(const struct gpio *g)
{
	uint64_t now = 0;

	sd_event_now(g->ev, CLOCK_MONOTONIC, &now);
	return now;
}

/* Show what the tower shows at @now; arm the timer for the next change,
 * or disarm it when nothing will change. */
static int gpio_tower_run(struct gpio *g, uint64_t now)
{
	struct tower_lines l;
	bool over = false;
	int64_t next = -1;
	uint64_t since = 0;
	int r;

	if (g->overlay != TOWER_OFF) {
		since = g->overlay_since;
		next = tower_show(g->overlay, (int64_t)(now - since) / 1000,
				  false, &l, &over);
		if (over)
			g->overlay = TOWER_OFF;
	}
	if (g->overlay == TOWER_OFF) {
		since = g->base_since;
		next = tower_show(g->base, (int64_t)(now - since) / 1000,
				  g->acknowledged, &l, NULL);
	}
	g->lines = l;
	r = g->backend->set_lines(g->state, &l);
	if (next < 0) {
		sd_event_source_set_enabled(g->timer, SD_EVENT_OFF);
		return r;
	}
	sd_event_source_set_time(g->timer, since + (uint64_t)next * 1000);
	sd_event_source_set_enabled(g->timer, SD_EVENT_ONESHOT);
	return r;
}

static int gpio_on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct gpio *g = userdata;

	uint64_t now = gpio_now(g);
	int r = gpio_tower_run(g, usec > now ? usec : now);

	if (r < 0)
		log_warning("gpio: the tower light's lines: %s", strerror(-r));
	return 0;
}

int gpio_open(sd_event *ev, const struct gpio_config *cfg, gpio_button_fn fn,
	      void *userdata, struct gpio **out, char *err, size_t errlen)
{
	const struct device_backend *entry;
	const struct gpio_backend *be;
	struct gpio *g;
	int r;

	if (!ev || !cfg || !fn || !out)
		return -EINVAL;
	entry = device_backend_find(DEVICE_GPIO, cfg->backend, err, errlen);
	if (!entry)
		return -EINVAL;
	be = entry->ops;
	if (!be) {
		snprintf(err, errlen, "gpio backend '%s': no device to open",
			 entry->name);
		return -ENODEV;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "gpio: out of memory");
		return -ENOMEM;
	}
	g->backend = be;
	g->ev = ev;
	g->fn = fn;
	g->userdata = userdata;
	if (cfg->debounce_ms > 0)
		g->debounce_usec = (uint64_t)cfg->debounce_ms * 1000;
	else if (cfg->debounce_ms == 0)
		g->debounce_usec = GPIO_DEBOUNCE_MS_DEFAULT * 1000ULL;
	r = sd_event_add_time(ev, &g->timer, CLOCK_MONOTONIC, 0, 1000,
			      gpio_on_timer, g);
	if (r < 0) {
		snprintf(err, errlen, "gpio: event loop: %s", strerror(-r));
		free(g);
		return r;
	}
	sd_event_source_set_enabled(g->timer, SD_EVENT_OFF);
	r = be->open(ev, cfg, g, &g->state, err, errlen);
	if (r < 0) {
		sd_event_source_disable_unref(g->timer);
		free(g);
		return r;
	}
	*out = g;
	return 0;
}

/*
 * A contact bounces for a few milliseconds and a clerk's foot rests on the
 * pedal: only the first edge within debounce_usec of the last accepted
 * press of the same button counts.  A press of a button or the pedal
 * answers the error's beeps.
 */
void gpio_report_press(struct gpio *g, enum gpio_button b, uint64_t when_usec)
{
	if (!g || (unsigned)b >= GPIO_BUTTON_COUNT)
		return;
	if (g->pressed_once[b] && when_usec >= g->last_press[b] &&
	    when_usec - g->last_press[b] < g->debounce_usec)
		return;
	g->pressed_once[b] = true;
	g->last_press[b] = when_usec;
	if (b != GPIO_BUTTON_PARCEL)
		gpio_acknowledge(g);
	g->fn(g->userdata, b);
}

int gpio_set_tower(struct gpio *g, enum tower_state s, enum tower_state then)
{
	uint64_t now;

	if (!g || (unsigned)s >= TOWER_STATE_COUNT)
		return -EINVAL;
	now = gpio_now(g);
	if (tower_is_transient(s)) {
		/* shown again from its start: a second refusal beeps again */
		g->overlay = s;
		g->overlay_since = now;
		s = (unsigned)then < TOWER_STATE_COUNT &&
			    !tower_is_transient(then)
			? then
			: g->base;
	} else {
		g->overlay = TOWER_OFF;
	}
	if (s != g->base) {
		g->base = s;
		g->base_since = now;
		g->acknowledged = false;
	}
	return gpio_tower_run(g, now);
}

enum tower_state gpio_tower(const struct gpio *g)
{
	if (!g)
		return TOWER_OFF;
	return g->overlay != TOWER_OFF ? g->overlay : g->base;
}

struct tower_lines gpio_lines(const struct gpio *g)
{
	struct tower_lines none = {0};

	return g ? g->lines : none;
}

bool gpio_pattern_running(const struct gpio *g)
{
	int on = SD_EVENT_OFF;

	if (!g || !g->timer)
		return false;
	sd_event_source_get_enabled(g->timer, &on);
	return on != SD_EVENT_OFF;
}

void gpio_acknowledge(struct gpio *g)
{
	if (!g || g->acknowledged)
		return;
	g->acknowledged = true;
	if (g->base == TOWER_ERROR)
		gpio_tower_run(g, gpio_now(g));
}

int gpio_press(struct gpio *g, enum gpio_button b)
{
	if (!g || (unsigned)b >= GPIO_BUTTON_COUNT)
		return -EINVAL;
	if (!g->backend->press)
		return -EOPNOTSUPP;
	return g->backend->press(g->state, b);
}

const char *gpio_button_name(enum gpio_button b)
{
	if ((unsigned)b >= GPIO_BUTTON_COUNT)
		return "unknown";
	return gpio_button_names[b];
}

int gpio_button_from_name(const char *name)
{
	int i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < GPIO_BUTTON_COUNT; i++)
		if (strcmp(name, gpio_button_names[i]) == 0)
			return i;
	return -EINVAL;
}

const char *gpio_light_name(enum gpio_light l)
{
	switch (l) {
	case GPIO_LIGHT_OFF:
		return "off";
	case GPIO_LIGHT_GREEN:
		return "green";
	case GPIO_LIGHT_AMBER:
		return "amber";
	case GPIO_LIGHT_RED:
		return "red";
	}
	return "unknown";
}

void gpio_close(struct gpio *g)
{
	if (!g)
		return;
	sd_event_source_disable_unref(g->timer);
	g->backend->close(g->state);
	free(g);
}
