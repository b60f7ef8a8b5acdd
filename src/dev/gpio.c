/* SPDX-License-Identifier: MIT */
/*
 * GPIO dispatcher: picks the GPIO backend by name, debounces button presses
 * for every backend alike and remembers what the light shows.
 *
 * Adding a backend (libgpiod 1.6 or 2.x) is one file and one entry in
 * the registry (src/dev/device.c); it reports raw presses with
 * gpio_report_press().  Which light means what is the workflow's
 * business, not this file's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/device.h"
#include "retour/gpio.h"

struct gpio {
	const struct gpio_backend *backend;
	void *state;
	gpio_button_fn fn;
	void *userdata;
	uint64_t debounce_usec;
	uint64_t last_press[GPIO_BUTTON_COUNT];
	bool pressed_once[GPIO_BUTTON_COUNT];
	enum gpio_light light;
	bool buzzer;
};

static const char *const gpio_button_names[GPIO_BUTTON_COUNT] = {
    [GPIO_BUTTON_ACCEPT] = "accept",
    [GPIO_BUTTON_REJECT] = "reject",
    [GPIO_BUTTON_PEDAL] = "pedal",
};

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
	g->fn = fn;
	g->userdata = userdata;
	if (cfg->debounce_ms > 0)
		g->debounce_usec = (uint64_t)cfg->debounce_ms * 1000;
	else if (cfg->debounce_ms == 0)
		g->debounce_usec = GPIO_DEBOUNCE_MS_DEFAULT * 1000ULL;
	r = be->open(ev, cfg, g, &g->state, err, errlen);
	if (r < 0) {
		free(g);
		return r;
	}
	*out = g;
	return 0;
}

/*
 * A contact bounces for a few milliseconds and a clerk's foot rests on the
 * pedal: only the first edge within debounce_usec of the last accepted
 * press of the same button counts.
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
	g->fn(g->userdata, b);
}

int gpio_set_light(struct gpio *g, enum gpio_light light, bool buzzer)
{
	int r;

	if (!g || (unsigned)light > GPIO_LIGHT_RED)
		return -EINVAL;
	r = g->backend->set_light(g->state, light, buzzer);
	if (r < 0)
		return r;
	g->light = light;
	g->buzzer = buzzer;
	return 0;
}

enum gpio_light gpio_light(const struct gpio *g)
{
	return g ? g->light : GPIO_LIGHT_OFF;
}

bool gpio_buzzer(const struct gpio *g)
{
	return g && g->buzzer;
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
	g->backend->close(g->state);
	free(g);
}
