/* SPDX-License-Identifier: MIT */
/*
 * The texts the desk's system reads from outside (station_system.h), each
 * parsed by a function that takes any bytes: the first boot's list of
 * what is missing, the kernel's command line (rauc.slot=), a line of
 * `rauc install`'s progress, and why RAUC refused a bundle.  Pure: the
 * daemon reads the files and the pipes.
 */
#ifndef RETOUR_SYSTEM_TEXT_H
#define RETOUR_SYSTEM_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* An item of the first boot's list: a word of 1 to 32 letters, digits,
 * '.', '_' or '-'. */
#define SYSTEM_ITEM_LEN 33

/*
 * The first boot's list, @len bytes of @buf (the head of the file; @more:
 * the file goes on).  Its whitespace-separated words into @items, at most
 * @max, each once; a word that is not an item (too long, other bytes, a
 * NUL anywhere, a word cut by the end of a head that goes on: not shown)
 * makes "unreadable" the last item when there is room.  How many.
 */
int system_text_missing(const char *buf, size_t len, bool more,
			char items[][SYSTEM_ITEM_LEN], int max);

/* rauc.slot=NAME among @cmdline's words: NAME (1 to @size - 1 of the
 * item characters) into @slot, true; else false and "" . */
bool system_text_slot(const char *cmdline, char *slot, size_t size);

/* "  40% Checking bundle": @percent (0..100; untouched when the line has
 * none) and the words into @msg, control characters made spaces.  False
 * when the line says nothing. */
bool system_text_progress(const char *line, int *percent, char *msg,
			  size_t size);

/* Why the installer refused, from all it said (@out, NUL-terminated): its
 * "LastError: " line's reason, else the last line naming an error, a
 * failure or a refusal, else the last line; one line, no control
 * characters, into @why. */
void system_text_reason(const char *out, char *why, size_t size);

#endif
