/* SPDX-License-Identifier: MIT */
/*
 * The desk's GPIO (devices_internal.h): its buttons, the tower light and
 * the buzzer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retour/gpio.h"
#include "retour/log.h"
#include "devices_internal.h"

/* The gpio debounce a board gets when it does not say (before the board's
 * settings became the backend's, this was the configuration's default). */
#define DEVICES_GPIO_DEBOUNCE_MS 20

static void devices_on_button(void *userdata, enum gpio_button b)
{
	struct devices *d = userdata;

	if (d->cb->button)
		d->cb->button(d->ud, b);
}

int devices_gpio_open(struct devices *d, const struct config_device *cd,
		      char *err, size_t errlen)
{
	struct gpio_config c;
	int r;

	memset(&c, 0, sizeof(c));
	c.backend = cd->backend;
	c.debounce_ms = DEVICES_GPIO_DEBOUNCE_MS;
	r = config_device_apply(cd, DEVICE_GPIO, &c, err, errlen);
	if (r < 0)
		return r;
	return gpio_open(d->ev, &c, devices_on_button, d, &d->gpio, err,
			 errlen);
}

int devices_press(struct devices *d, const char *button, char *err,
		  size_t errlen)
{
	int b = gpio_button_from_name(button);

	if (b < 0) {
		snprintf(err, errlen,
			 "unknown button '%s' (accept, reject, pedal, "
			 "parcel)",
			 button ? button : "");
		return -EINVAL;
	}
	if (!d || !d->gpio) {
		snprintf(err, errlen, "no buttons on this desk");
		return -ENODEV;
	}
	return gpio_press(d->gpio, (enum gpio_button)b);
}

void devices_set_tower(struct devices *d, enum tower_state s,
		       enum tower_state then)
{
	int r;

	if (!d || !d->gpio)
		return;
	/* logged, not reported: a report would reach the desk from
	 * inside the action it asked for */
	r = gpio_set_tower(d->gpio, s, then);
	if (r < 0)
		log_warning("gpio: the tower light's lines: %s", strerror(-r));
}

bool devices_buzzer(const struct devices *d)
{
	return d && d->gpio && gpio_lines(d->gpio).buzzer;
}
