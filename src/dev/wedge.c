/* SPDX-License-Identifier: MIT */
/*
 * Keyboard-wedge keystrokes to codes (include/retour/wedge.h).  The state
 * is the modifiers held, caps lock, a pending dead key and an Alt+keypad
 * number; everything else is the layout's table and the line rules.
 */
#include <errno.h>
#include <linux/input.h>
#include <stdlib.h>
#include <string.h>

#include "retour/wedge.h"

#define WEDGE_GS 0x1d

struct wedge {
	struct wedge_config cfg;
	struct scan_line *line;
	bool shift_l, shift_r, ctrl_l, ctrl_r, alt_l, alt_r, caps;
	char dead[5];	/* the accent of a dead key pressed, "" if none */
	int alt_number; /* Alt+keypad digits so far, -1: none */
	bool have_last;
	int64_t last_us; /* the last key press */
	/* events were lost (SYN_DROPPED) in the middle of a code: its rest
	 * is dropped too, up to its terminator or a gap, so that the tail of
	 * a code is never reported as a code of its own */
	bool discarding;
};

int wedge_new(const struct wedge_config *cfg, scanner_line_fn fn,
	      void *userdata, struct wedge **out)
{
	struct wedge *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->cfg = *cfg;
	w->alt_number = -1;
	if (scan_line_new(&cfg->rules, fn, userdata, &w->line) < 0) {
		free(w);
		return -ENOMEM;
	}
	*out = w;
	return 0;
}

void wedge_free(struct wedge *w)
{
	if (!w)
		return;
	scan_line_free(w->line);
	free(w);
}

void wedge_reset(struct wedge *w)
{
	scan_line_discard(w->line);
	w->shift_l = w->shift_r = w->ctrl_l = w->ctrl_r = false;
	w->alt_l = w->alt_r = false;
	w->dead[0] = '\0';
	w->alt_number = -1;
	w->have_last = false;
	w->caps = false; /* a keyboard plugged in starts with Caps off */
}

bool wedge_pending(const struct wedge *w)
{
	return scan_line_pending(w->line) || w->dead[0];
}

static void wedge_type(struct wedge *w, const char *s, size_t n)
{
	scan_line_feed(w->line, s, n);
}

/* A dead key waiting is typed as its accent before anything else. */
static void wedge_type_dead(struct wedge *w)
{
	if (w->dead[0]) {
		wedge_type(w, w->dead, strlen(w->dead));
		w->dead[0] = '\0';
	}
}

void wedge_gap(struct wedge *w)
{
	w->discarding = false;
	wedge_type_dead(w);
	scan_line_end(w->line);
}

static bool wedge_modifier(struct wedge *w, uint16_t code, bool down)
{
	switch (code) {
	case KEY_LEFTSHIFT:
		w->shift_l = down;
		return true;
	case KEY_RIGHTSHIFT:
		w->shift_r = down;
		return true;
	case KEY_LEFTCTRL:
		w->ctrl_l = down;
		return true;
	case KEY_RIGHTCTRL:
		w->ctrl_r = down;
		return true;
	case KEY_LEFTALT:
		w->alt_l = down;
		/* Alt let go after keypad digits: that byte (ASCII) */
		if (!down && w->alt_number > 0 && w->alt_number < 0x80) {
			char b = (char)w->alt_number;

			wedge_type_dead(w);
			wedge_type(w, &b, 1);
		}
		if (!down)
			w->alt_number = -1;
		return true;
	case KEY_RIGHTALT:
		w->alt_r = down;
		return true;
	case KEY_CAPSLOCK:
		if (down)
			w->caps = !w->caps;
		return true;
	default:
		return false;
	}
}

static int wedge_keypad_digit(uint16_t code)
{
	static const uint16_t digits[10] = {KEY_KP0, KEY_KP1, KEY_KP2, KEY_KP3,
					    KEY_KP4, KEY_KP5, KEY_KP6, KEY_KP7,
					    KEY_KP8, KEY_KP9};

	for (int d = 0; d < 10; d++)
		if (digits[d] == code)
			return d;
	return -1;
}

static void wedge_press(struct wedge *w, uint16_t code, int64_t time_us)
{
	bool has_altgr = w->cfg.layout != KEYMAP_US;
	bool ctrl = w->ctrl_l || w->ctrl_r;
	bool altgr = has_altgr && (w->alt_r || (ctrl && w->alt_l));
	unsigned mods = 0;
	char out[5], letter;
	int d;

	if (w->cfg.gap_us > 0 && w->have_last && time_us > w->last_us &&
	    (uint64_t)time_us - (uint64_t)w->last_us >
		(uint64_t)w->cfg.gap_us &&
	    (wedge_pending(w) || w->discarding))
		wedge_gap(w);
	w->have_last = true;
	w->last_us = time_us;
	if (w->discarding) {
		if (code == KEY_ENTER || code == KEY_KPENTER || code == KEY_TAB)
			w->discarding = false;
		return;
	}

	if (code == KEY_ENTER || code == KEY_KPENTER || code == KEY_TAB) {
		wedge_type_dead(w);
		wedge_type(w, code == KEY_TAB ? "\t" : "\r", 1);
		return;
	}
	if (w->alt_l && !ctrl) {
		/* Alt+keypad: a number; any other Alt key types nothing */
		d = wedge_keypad_digit(code);
		if (d < 0)
			return;
		if (w->alt_number < 0)
			w->alt_number = 0;
		/* past 999: out of range, typed as nothing */
		if (w->alt_number <= 999)
			w->alt_number = w->alt_number * 10 + d;
		return;
	}
	if (ctrl && !altgr) {
		if (code == KEY_RIGHTBRACE)
			out[0] = WEDGE_GS;
		else if (keymap_is_letter(w->cfg.layout, code, &letter))
			out[0] = (char)(letter - 'a' + 1);
		else
			return;
		wedge_type_dead(w);
		wedge_type(w, out, 1);
		return;
	}
	if (w->alt_r && !has_altgr)
		return; /* us: right Alt is Alt, a shortcut, no character */
	if (w->shift_l || w->shift_r)
		mods |= KEYMAP_SHIFT;
	if (altgr)
		mods |= KEYMAP_ALTGR;
	if (w->caps)
		mods |= KEYMAP_CAPS;
	switch (keymap_lookup(w->cfg.layout, code, mods, out)) {
	case KEYMAP_CHAR:
		if (w->dead[0] && !strcmp(out, " ")) {
			wedge_type_dead(w); /* the accent alone */
			return;
		}
		wedge_type_dead(w);
		wedge_type(w, out, strlen(out));
		return;
	case KEYMAP_DEAD:
		wedge_type_dead(w);
		memcpy(w->dead, out, sizeof(w->dead));
		return;
	case KEYMAP_NONE:
		return;
	}
}

void wedge_event(struct wedge *w, uint16_t type, uint16_t code, int32_t value,
		 int64_t time_us)
{
	if (type == EV_SYN && code == SYN_DROPPED) {
		wedge_reset(w);
		w->discarding = true;
		return;
	}
	if (type != EV_KEY || code > KEY_MAX)
		return;
	if (value != 0 && value != 1)
		return; /* autorepeat, or nonsense */
	if (wedge_modifier(w, code, value == 1))
		return;
	if (value == 1)
		wedge_press(w, code, time_us);
}

size_t wedge_feed_records(struct wedge *w, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t off = 0;

	while (len - off >= sizeof(struct input_event)) {
		struct input_event e;

		memcpy(&e, p + off, sizeof(e));
		off += sizeof(e);
		/* modular: a garbage timestamp is a wrong time, never UB */
		wedge_event(w, e.type, e.code, e.value,
			    (int64_t)((uint64_t)e.input_event_sec * 1000000u +
				      (uint64_t)e.input_event_usec));
	}
	return off;
}
