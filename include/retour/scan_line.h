/* SPDX-License-Identifier: MIT */
/*
 * Cutting a scanner's bytes into codes: the terminators a board chooses,
 * the length cap, and FNC1 sent as a substitute text turned back into the
 * GS byte (0x1D) the code classifier expects.  Pure: bytes in, one
 * callback per code out; the tty and evdev scanner backends share it, and
 * unit tests and fuzzers reach it without a device.
 *
 * Not here: what a code means (the classifier strips AIM identifiers such
 * as "]C1", which pass through untouched), timing (the evdev backend ends
 * a line on a gap between keys with scan_line_end()).
 */
#ifndef RETOUR_SCAN_LINE_H
#define RETOUR_SCAN_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "retour/scanner.h"

#define SCAN_LINE_FNC1_MAX 8

struct scan_line_rules {
	uint8_t ends[32]; /* bit c: byte c ends a line */
	bool crlf;	  /* CR LF together end a line (and nothing else) */
	/* FNC1 as typed by a scanner that cannot send GS: each occurrence
	 * becomes GS; "" when the scanner sends GS itself */
	char fnc1[SCAN_LINE_FNC1_MAX + 1];
	size_t max_line; /* 0: SCANNER_MAX_LINE_DEFAULT */
};

/* CR or LF end a line (CRLF gives one line), no substitute. */
void scan_line_rules_default(struct scan_line_rules *r);

/*
 * A board's terminator: a comma-separated list of cr (also "enter": the
 * wedge types Enter and keypad Enter as CR), lf, crlf (alone), tab, any
 * (CR or LF), a byte as 0xNN (not NUL), or one printable ASCII character.
 * 0 with @r's terminators replaced, or -EINVAL with @err.
 */
int scan_line_terminator_parse(const char *text, struct scan_line_rules *r,
			       char *err, size_t errlen);

/*
 * A board's fnc1: "ctrl" or "^]" (the scanner sends GS itself, or Ctrl+]
 * on a keyboard wedge: no substitute), "gs" (the same), or the substitute
 * text, 1 to 8 printable ASCII characters without spaces ("~", "<GS>").
 * 0, or -EINVAL with @err.
 */
int scan_line_fnc1_parse(const char *text, struct scan_line_rules *r, char *err,
			 size_t errlen);

/* The rules a scanner's board settings give (terminator, fnc1,
 * max_line): 0, or -EINVAL with @err naming the bad setting. */
int scan_line_rules_from_config(const struct scanner_config *cfg,
				struct scan_line_rules *r, char *err,
				size_t errlen);

struct scan_line;

/* 0, or -ENOMEM. */
int scan_line_new(const struct scan_line_rules *r, scanner_line_fn fn,
		  void *userdata, struct scan_line **out);
void scan_line_free(struct scan_line *sl);

/* Untrusted bytes: any byte, NULs too.  Lines go to the callback with the
 * scanner.h contract (no terminator, NUL after, overlong once). */
void scan_line_feed(struct scan_line *sl, const char *buf, size_t len);
/* End the line being read, as a terminator would (a gap between keys). */
void scan_line_end(struct scan_line *sl);
/* Throw away the line being read (the device went away mid-code). */
void scan_line_discard(struct scan_line *sl);
/* Bytes of an unfinished line are waiting. */
bool scan_line_pending(const struct scan_line *sl);

#endif
