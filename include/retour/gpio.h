/* SPDX-License-Identifier: MIT */
/*
 * Desk GPIO: accept/reject buttons, the foot pedal and the parcel-present
 * sensor in; the tower light (green, amber, red) and the buzzer out.
 *
 * Backends are picked by name: "sim" (in-process, driven by the UI and the
 * tests) and "gpiod" (libgpiod 1.6 or 2.x, lines found by name on a chip).
 * A backend reports raw press edges with gpio_report_press(); the
 * debounce, the same for every backend, lives in the dispatcher, and so
 * does the tower light's pattern: the desk says which state it is in
 * (tower.h), the dispatcher drives the lines, with an sd_event timer only
 * while something blinks or beeps.
 *
 * Acknowledging: the error state's long beep repeats until someone
 * answers it; any press of a button, the pedal (not the parcel sensor),
 * or gpio_acknowledge() (the API) does.  The press still counts for what
 * it does at the desk.
 *
 * This module does not decide what the light means: the workflow does.
 */
#ifndef RETOUR_GPIO_H
#define RETOUR_GPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "retour/tower.h"

struct gpio;

enum gpio_button {
	GPIO_BUTTON_ACCEPT,
	GPIO_BUTTON_REJECT,
	GPIO_BUTTON_PEDAL,
	GPIO_BUTTON_PARCEL, /* the parcel-present sensor: a parcel put down */
};
#define GPIO_BUTTON_COUNT 4

enum gpio_light {
	GPIO_LIGHT_OFF,
	GPIO_LIGHT_GREEN,
	GPIO_LIGHT_AMBER,
	GPIO_LIGHT_RED,
};

/*
 * The lines a board may name, inputs first.  Each is a board key in
 * [gpio] ("accept = BTN_ACCEPT"), giving the line's name on the chip;
 * any may be absent.
 */
enum gpio_line {
	GPIO_LINE_ACCEPT,
	GPIO_LINE_REJECT,
	GPIO_LINE_PEDAL,
	GPIO_LINE_PARCEL,
	GPIO_LINE_GREEN,
	GPIO_LINE_AMBER,
	GPIO_LINE_RED,
	GPIO_LINE_BUZZER,
};
#define GPIO_LINE_COUNT 8
#define GPIO_LINE_INPUTS 4 /* the first four, the buttons' order */

#define GPIO_DEBOUNCE_MS_DEFAULT 30

struct gpio_config {
	const char *backend; /* "sim", "gpiod" */
	const char *chip;    /* gpiod: a path, a chip name or a chip label */
	int debounce_ms;     /* 0: GPIO_DEBOUNCE_MS_DEFAULT; <0: none */
	/* gpiod: each line's name on the chip, NULL: not wired */
	const char *line[GPIO_LINE_COUNT];
	/* gpiod: the lines that are active low, "accept, reject" (checked
	 * by gpio_active_low_parse()); NULL: none */
	const char *active_low;
};

typedef void (*gpio_button_fn)(void *userdata, enum gpio_button b);

/* Unknown backend: -EINVAL, err "unknown gpio backend 'x' (known: sim,
 * gpiod, none)"; "none": -ENODEV, there is nothing to open.  A gpiod chip
 * or line that is not there: -ENODEV or -ENOENT, err naming it. */
int gpio_open(sd_event *ev, const struct gpio_config *cfg, gpio_button_fn fn,
	      void *userdata, struct gpio **out, char *err, size_t errlen);

/*
 * The desk is in tower state @s.  A transient state (refused) shows, then
 * the lines go back to @then (the state the desk is in after it); for any
 * other state @then is ignored.  Setting the state already shown changes
 * nothing (its pattern is not started again); a new one starts its
 * pattern from entry.  -EINVAL for an unknown state, or the backend's
 * error driving the lines (the state is still taken).
 */
int gpio_set_tower(struct gpio *g, enum tower_state s, enum tower_state then);
/* The state shown now (a refusal over is the state it went back to). */
enum tower_state gpio_tower(const struct gpio *g);
/* The output lines as driven now. */
struct tower_lines gpio_lines(const struct gpio *g);
/* A timer runs the pattern (something blinks or beeps). */
bool gpio_pattern_running(const struct gpio *g);
/* Answer the error: its beeps stop, its light stays. */
void gpio_acknowledge(struct gpio *g);

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
const char *gpio_line_name(enum gpio_line l);	  /* board key: "accept" */
void gpio_close(struct gpio *g);

/*
 * "accept, reject,pedal" -> a mask of 1u << enum gpio_line; "" and "none"
 * are 0.  -EINVAL with @problem ("'foo' in active_low is not a gpio line
 * (accept, reject, ...)") for an unknown or repeated name.  Pure: the
 * board check and the gpiod backend both use it.
 */
int gpio_active_low_parse(const char *list, unsigned *mask, char *problem,
			  size_t problemlen);

/*
 * Find each line the board names among a chip's line names (@chip_names,
 * @n of them, NULL for an unnamed line): offsets[l] is its offset, -1 when
 * the board names none.  -ENOENT with @err "gpio chip 'gpiochip0' has no
 * line named 'BTN_OK' (for accept)"; -EINVAL when two of the board's keys
 * name one line, or a name is on the chip twice (ambiguous).  Pure.
 */
int gpio_lines_resolve(const char *const names[GPIO_LINE_COUNT],
		       const char *chip, const char *const *chip_names,
		       unsigned n, int offsets[GPIO_LINE_COUNT], char *err,
		       size_t errlen);

/*
 * Is the gpiod chip @chip (a path, gpiochipN or a chip label, looked for
 * among /dev/gpiochip*) there now?  0, or -ENODEV (or another -errno) with
 * @problem "no GPIO chip 'pinctrl-rp1' (2 gpio chips under /dev, none
 * with that label)".  Opens the chip and lets it go: for `retourd -n`
 * (device_setting_present()).
 */
int gpio_chip_present(const char *chip, char *problem, size_t problemlen);

/* Backend contract, for src/dev/gpio_*.c only. */
struct gpio_backend {
	const char *name;
	int (*open)(sd_event *ev, const struct gpio_config *cfg, struct gpio *g,
		    void **state, char *err, size_t errlen);
	int (*set_lines)(void *state, const struct tower_lines *l);
	int (*press)(void *state, enum gpio_button b); /* NULL: not sim */
	void (*close)(void *state);
};

/* Called by backends for every press edge seen on a line, with the
 * CLOCK_MONOTONIC time of the edge; debounces, then calls the user. */
void gpio_report_press(struct gpio *g, enum gpio_button b, uint64_t when_usec);

extern const struct gpio_backend gpio_backend_sim;
extern const struct gpio_backend gpio_backend_gpiod;

#endif
