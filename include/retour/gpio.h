/* SPDX-License-Identifier: MIT */
/*
 * Desk GPIO: accept/reject buttons and foot pedal in, tower light and
 * buzzer out.
 *
 * Backends are picked by name: "sim" (in-process, driven by the UI and the
 * tests).  A libgpiod backend is added as a new file and one entry in
 * src/dev/device.c; it reports raw presses with gpio_report_press() and gets
 * the same debounce as the simulation, which lives in the dispatcher.
 *
 * This module does not decide what the light means: the workflow does.
 */
#ifndef RETOUR_GPIO_H
#define RETOUR_GPIO_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

struct gpio;

enum gpio_button {
	GPIO_BUTTON_ACCEPT,
	GPIO_BUTTON_REJECT,
	GPIO_BUTTON_PEDAL,
};
#define GPIO_BUTTON_COUNT 3

enum gpio_light {
	GPIO_LIGHT_OFF,
	GPIO_LIGHT_GREEN,
	GPIO_LIGHT_AMBER,
	GPIO_LIGHT_RED,
};

#define GPIO_DEBOUNCE_MS_DEFAULT 30

struct gpio_config {
	const char *backend; /* "sim" */
	const char *chip;    /* real backends: gpiochip name or path */
	int debounce_ms;     /* 0: GPIO_DEBOUNCE_MS_DEFAULT; <0: none */
};

typedef void (*gpio_button_fn)(void *userdata, enum gpio_button b);

/* Unknown backend: -EINVAL, err "unknown gpio backend 'x' (known: sim, none)";
 * "none": -ENODEV, there is nothing to open. */
int gpio_open(sd_event *ev, const struct gpio_config *cfg, gpio_button_fn fn,
	      void *userdata, struct gpio **out, char *err, size_t errlen);
int gpio_set_light(struct gpio *g, enum gpio_light light, bool buzzer);
enum gpio_light gpio_light(const struct gpio *g);
bool gpio_buzzer(const struct gpio *g);
/*
 * Sim backend only (-EOPNOTSUPP on real ones): deliver a press as if from
 * the line, through the event loop (an sd_event defer source), with the
 * same debounce logic a real line gets.  -EBUSY when too many presses are
 * already queued.
 */
int gpio_press(struct gpio *g, enum gpio_button b);
const char *gpio_button_name(enum gpio_button b); /* "accept", ... */
int gpio_button_from_name(const char *name);	  /* enum or -EINVAL */
const char *gpio_light_name(enum gpio_light l);	  /* "off", "green", ... */
void gpio_close(struct gpio *g);

/* Backend contract, for src/dev/gpio_*.c only. */
struct gpio_backend {
	const char *name;
	int (*open)(sd_event *ev, const struct gpio_config *cfg, struct gpio *g,
		    void **state, char *err, size_t errlen);
	int (*set_light)(void *state, enum gpio_light light, bool buzzer);
	int (*press)(void *state, enum gpio_button b); /* NULL: not sim */
	void (*close)(void *state);
};

/* Called by backends for every press edge seen on a line, with the
 * CLOCK_MONOTONIC time of the edge; debounces, then calls the user. */
void gpio_report_press(struct gpio *g, enum gpio_button b, uint64_t when_usec);

extern const struct gpio_backend gpio_backend_sim;

#endif
