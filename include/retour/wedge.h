/* SPDX-License-Identifier: MIT */
/*
 * A keyboard-wedge scanner's keystrokes turned into codes: evdev key
 * events (press, release, autorepeat) with the modifiers held, through the
 * layout's table (keymap.h), into bytes cut into lines (scan_line.h).
 * Pure: records in, one callback per code out, so that tests, the fuzzer
 * and the bench feed it event records without a device.
 *
 * What it understands, because scanners send it:
 *   - shift (either), caps lock (letters only), AltGr (right Alt, or
 *     Ctrl+left Alt, on pl, de and fr; us has none);
 *   - Enter and keypad Enter type CR, Tab types a tab: the board's
 *     terminator says which of them end a code (scan_line.h);
 *   - FNC1: Ctrl+] (the key right of P, whatever the layout prints on it)
 *     types GS (0x1D); Ctrl+letter types that control byte; Alt held with
 *     keypad digits types the byte of that decimal number (Alt+029 is GS),
 *     ASCII only;
 *   - dead keys (de ^ and accents, fr ^ and diaeresis): the accent, then
 *     the next key's character, or the accent alone before a space;
 *   - autorepeat (value 2) is dropped: a scanner never holds a key;
 *   - a gap between key presses longer than gap_us ends the code even
 *     without a terminator (by the events' own timestamps; the backend
 *     calls wedge_gap() when the gap passes with no key at all);
 *   - SYN_DROPPED (the kernel lost events) throws the code away: half a
 *     code must never be read as a whole one.
 * Anything else (other event types, codes out of range, keys that type
 * nothing) is ignored.
 */
#ifndef RETOUR_WEDGE_H
#define RETOUR_WEDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "retour/keymap.h"
#include "retour/scan_line.h"

/* The default gap that ends a code: well above a wedge scanner's
 * keystroke spacing, well below a person's (docs/DESIGN.md says why). */
#define WEDGE_GAP_MS_DEFAULT 50

struct wedge_config {
	enum keymap_layout layout;
	struct scan_line_rules rules;
	int64_t gap_us; /* 0: codes end on terminators only */
};

struct wedge;

/* 0, or -ENOMEM. */
int wedge_new(const struct wedge_config *cfg, scanner_line_fn fn,
	      void *userdata, struct wedge **out);
void wedge_free(struct wedge *w);

/* One evdev record: its type, code, value and timestamp. */
void wedge_event(struct wedge *w, uint16_t type, uint16_t code, int32_t value,
		 int64_t time_us);
/*
 * Whole `struct input_event` records (this machine's layout) from @buf;
 * any bytes are accepted.  Returns how many bytes were consumed (a
 * multiple of the record size): the caller keeps the rest for the next
 * read.
 */
size_t wedge_feed_records(struct wedge *w, const void *buf, size_t len);
/* No key for the gap: the code being typed is complete. */
void wedge_gap(struct wedge *w);
/* A code is being typed (a gap timer is worth arming). */
bool wedge_pending(const struct wedge *w);
/* The device went away or lost events: drop the code being typed and
 * forget the keys held. */
void wedge_reset(struct wedge *w);

#endif
