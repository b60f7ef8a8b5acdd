/* SPDX-License-Identifier: MIT */
/*
 * Barcode scanner: delivers one callback per scanned code.
 *
 * A scanner is a byte stream cut into lines (CR, LF or CRLF by default,
 * scan_line.h).  Backends are picked by name: "pty" (the simulation creates
 * a pseudo-terminal and shows where to write), "tty" (a serial CDC-ACM
 * scanner or an existing pty slave), "fifo" (a named pipe), "evdev" (a
 * keyboard-wedge scanner's input event node, grabbed; wedge.h turns its
 * keys into bytes).  Others (camera + ZBar) are added as new files and one
 * entry in src/dev/device.c.
 *
 * This module does not interpret codes: prefixes, AIM identifiers and GS
 * bytes are passed through unchanged to the code classifier.
 */
#ifndef RETOUR_SCANNER_H
#define RETOUR_SCANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

struct scanner;

#define SCANNER_MAX_LINE_DEFAULT 256

/* The scanner went away (@present false, @why says so) or came back. */
typedef void (*scanner_state_fn)(void *userdata, bool present, const char *why);

struct scanner_config {
	/*
	 * "pty": create a pty, expose its slave path, and symlink it at
	 *        @path if set;
	 * "tty": open an existing tty/pty slave at @path (absent at open or
	 *        after a hangup: retried once a second, so an unplugged
	 *        scanner comes back);
	 * "fifo": create @path if missing, open it O_RDWR so it never sees EOF.
	 */
	const char *backend;
	const char *path;
	size_t max_line; /* 0: SCANNER_MAX_LINE_DEFAULT */
	/*
	 * "evdev": @path is the event node (/dev/input/event3, a udev
	 * symlink like /dev/retour/scanner, or a pipe of input_event records
	 * for tests), or @usb names the device ("0c2e:0b61[:serial]") and its
	 * event node is found through udev.  Absent at open or unplugged:
	 * waited for (udev announces it; without udevd, retried once a
	 * second).  A character device must take EVIOCGRAB (a non-evdev node
	 * or one another program grabbed is an error); a FIFO is read as it
	 * is, nothing to grab.
	 */
	const char *usb;
	const char *layout; /* evdev: us (NULL), pl, de, fr (keymap.h) */
	/* every backend: what ends a code (scan_line.h), NULL: CR or LF */
	const char *terminator;
	/* every backend: FNC1's substitute (scan_line.h), NULL: none */
	const char *fnc1;
	int gap_ms; /* evdev: a pause that ends a code, 0: the default */
	int baud;   /* tty: the line's rate, 0: as it is (CDC-ACM ignores it) */
	/* optional: told when the device goes away or comes back (tty) */
	scanner_state_fn state;
};

/*
 * @line: the raw bytes without the terminator (CR, LF or CRLF).  They may
 * contain NULs and any binary byte: always use @len.  line[len] is a NUL
 * for convenience.  Empty lines are not reported.
 * @overlong: the line exceeded max_line and was dropped (line=NULL, len=0);
 * reported once per line, the scanner then resyncs at the next terminator.
 * The callback must not call scanner_close() on its own scanner.
 */
typedef void (*scanner_line_fn)(void *userdata, const char *line, size_t len,
				bool overlong);

/* Unknown backend: -EINVAL, err "unknown scanner backend 'x' (known: ...)". */
int scanner_open(sd_event *ev, const struct scanner_config *cfg,
		 scanner_line_fn fn, void *userdata, struct scanner **out,
		 char *err, size_t errlen);
/* Where a user or a test writes codes: the pty slave (or its symlink), the
 * fifo, the tty path. */
const char *scanner_feed_path(const struct scanner *s);
const char *scanner_backend_name(const struct scanner *s);
/* NULL while the device is there, else why not ("scanner /dev/ttyACM0:
 * absent, waiting for it"): a tty scanner may be opened before it is
 * plugged in.  Changes after open go to scanner_config.state, on the
 * event loop, with the same userdata as the lines. */
const char *scanner_absence(const struct scanner *s);
/*
 * Which scanner this is, stable across unplugs and restarts, to tell
 * several apart: the device's USB "vendor:product:serial" (or
 * "vendor:product" when it has no serial), else its port path (udev's
 * ID_PATH), else the configured node; before the device was ever seen,
 * the board's usb id or path.  pty and fifo scanners: their feed path.
 */
const char *scanner_id(const struct scanner *s);
void scanner_close(struct scanner *s);

/*
 * Backend contract, for src/dev/scanner_*.c only.  @state is the backend's
 * own object; the dispatcher owns struct scanner.
 */
struct scanner_backend {
	const char *name;
	int (*open)(sd_event *ev, const struct scanner_config *cfg,
		    scanner_line_fn fn, void *userdata, void **state, char *err,
		    size_t errlen);
	const char *(*feed_path)(const void *state);
	const char *(*absence)(const void *state); /* NULL: always there */
	void (*close)(void *state);
	const char *(*id)(const void *state); /* NULL: the feed path */
};

extern const struct scanner_backend scanner_backend_pty;
extern const struct scanner_backend scanner_backend_tty;
extern const struct scanner_backend scanner_backend_fifo;
extern const struct scanner_backend scanner_backend_evdev;

#endif
