/* SPDX-License-Identifier: MIT */
/*
 * Private to the scale backends (src/dev/scale_*.c): what they share.
 *
 * scale_serial.c is the request state machine of a scale asked over a
 * serial line (MT-SICS, Toledo 8217): open the line, send the request,
 * wait for the reply with a timeout, ask again while the weight moves,
 * apply the stability rule (scale_settle), and end every request in
 * exactly one reading, delivered from the event loop.  A backend keeps
 * only its protocol: the request bytes, the reply's framing (take) and
 * its parser (parse); mtsics.c and toledo8217.c stay the pure parsers.
 */
#ifndef RETOUR_DEV_SCALE_SERIAL_H
#define RETOUR_DEV_SCALE_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "retour/scale.h"

/* the longest reply line any serial protocol here keeps (MT-SICS) */
#define SCALE_SERIAL_LINE_MAX 64

struct scale_serial;

struct scale_serial_proto {
	const char *request; /* asks for one weight: "SI\r\n", "W" */
	size_t request_len;
	size_t line_max; /* a longer reply line is dropped as an error */
	/* One byte from the line: frame it with scale_serial_line_*(). */
	void (*take)(struct scale_serial *s, char c);
	/* A whole reply line (without its framing) to a reading. */
	void (*parse)(struct scale_serial *s, const char *line, size_t len,
		      struct scale_reading *out);
};

enum scale_serial_phase {
	SCALE_SERIAL_IDLE,
	SCALE_SERIAL_WAIT_REPLY,  /* request sent, reply timer armed */
	SCALE_SERIAL_WAIT_RETRY,  /* in motion or settling: ask again later */
	SCALE_SERIAL_WAIT_REPORT, /* result known, delivered from the loop */
};

/* Embedded in a backend's own state; the backend reaches its state from
 * the callbacks' struct scale_serial * with container_of-like casts. */
struct scale_serial {
	const struct scale_serial_proto *proto;
	sd_event *ev;
	char *path;
	int fd;
	sd_event_source *io;
	sd_event_source *timer;
	scale_reading_fn fn;
	void *userdata;
	uint64_t stable_timeout_usec;
	uint64_t reply_timeout_usec;
	int baud;
	/* line settings beyond raw 8N1: cleared, then set */
	tcflag_t cflag_clear;
	tcflag_t cflag_set;
	struct scale_settle settle;

	enum scale_serial_phase phase;
	unsigned request_seq;
	uint64_t stable_deadline;
	struct scale_reading last_unstable;
	bool have_unstable;
	struct scale_reading pending;

	char line[SCALE_SERIAL_LINE_MAX + 1];
	size_t line_len;
	bool overlong;
};

/* Opening is in two steps so that a backend checks its own settings in
 * between: init takes the common ones (path, timeouts, baud, stability),
 * start adds the timer and opens the line (a scale unplugged at start is
 * not an error).  After either fails, scale_serial_fini() undoes what
 * was done (s must have been zeroed before init). */
int scale_serial_init(struct scale_serial *s, sd_event *ev,
		      const struct scale_config *cfg,
		      const struct scale_serial_proto *proto,
		      scale_reading_fn fn, void *userdata, char *err,
		      size_t errlen);
int scale_serial_start(struct scale_serial *s, char *err, size_t errlen);
void scale_serial_fini(struct scale_serial *s);

int scale_serial_request(struct scale_serial *s);
bool scale_serial_busy(const struct scale_serial *s);
/* Write a command outside a request (zeroing): -EBUSY during one,
 * -ENODEV with the line closed, -EIO when the line takes less. */
int scale_serial_command(struct scale_serial *s, const char *cmd, size_t len);

/* Framing, for a backend's take(): start a line afresh, add a byte to it
 * (too many make it overlong), end it (parsed and acted on). */
void scale_serial_line_clear(struct scale_serial *s);
void scale_serial_line_add(struct scale_serial *s, char c);
void scale_serial_line_end(struct scale_serial *s);

#endif
