/* SPDX-License-Identifier: MIT */
/*
 * Keyboard layouts of a keyboard-wedge scanner: which character a key
 * gives, by the Linux key code (linux/input-event-codes.h), the layout the
 * scanner is set to and the modifiers held.  A pure table: no device, no
 * state, so it is unit-tested and fuzzed on its own.
 *
 * A wedge scanner types its data as a person would on a keyboard of its
 * configured layout, so the station must read the keys with the same
 * layout: us, pl (the Polish programmer's layout every Polish PC uses: US
 * keys, AltGr for the Polish letters), de (QWERTZ), fr (AZERTY, where the
 * digits need shift).  Barcode data is ASCII almost always; the Polish and
 * German letters are here so that a label's text reads right, not because
 * codes carry them.
 *
 * Not here: modifier state, dead keys' timing, Ctrl and Alt combinations
 * (include/retour/wedge.h), terminators (include/retour/scan_line.h).
 */
#ifndef RETOUR_KEYMAP_H
#define RETOUR_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

enum keymap_layout {
	KEYMAP_US,
	KEYMAP_PL,
	KEYMAP_DE,
	KEYMAP_FR,
};
#define KEYMAP_LAYOUT_COUNT 4
#define KEYMAP_LAYOUT_NAMES "us, pl, de, fr"

/* Modifiers, or-ed. */
#define KEYMAP_SHIFT 1u
#define KEYMAP_ALTGR 2u
#define KEYMAP_CAPS 4u /* caps lock on: shifts letters only */

/* The largest key code in the tables; any code above gives nothing. */
#define KEYMAP_MAX_CODE 127

/* "us" -> KEYMAP_US...; -EINVAL for any other name (or NULL). */
int keymap_layout_from_name(const char *name);
const char *keymap_layout_name(enum keymap_layout l);

/* What a key gives: nothing, a character, or a dead key (an accent that
 * waits for the next key: ^ and ` on de, ^ and " on fr). */
enum keymap_kind {
	KEYMAP_NONE,
	KEYMAP_CHAR,
	KEYMAP_DEAD,
};

/*
 * The character of @code on @l with @mods: the kind, and for a character
 * or a dead key its UTF-8 bytes in @out (NUL-terminated, at most 4 bytes
 * plus the NUL; a dead key's is the accent alone, as typed before a
 * space).  Any @code and @mods are accepted: out of range gives NONE.
 * Enter, Tab and keypad Enter are not characters here: the wedge decides
 * what they end.
 */
enum keymap_kind keymap_lookup(enum keymap_layout l, unsigned code,
			       unsigned mods, char out[5]);

/* Is @code a letter on @l (so that caps lock and Ctrl apply to it)?  The
 * plain ASCII letter in @letter when it is. */
bool keymap_is_letter(enum keymap_layout l, unsigned code, char *letter);

#endif
