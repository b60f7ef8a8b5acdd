/* SPDX-License-Identifier: MIT */
/*
 * Toledo 8217 scale driver: a scale (or a scanner-scale) speaking the
 * Toledo 8217 protocol on a serial line, asked with "W" until it reports
 * a weight that meets the stability rule (scale.h).
 *
 * The line is 9600 7E1 unless the board says otherwise (baud, parity,
 * bits); on a pty (the simulation, the tests) line settings are ignored.
 * The request, its timeouts and retries are scale_serial.c's; parsing is
 * toledo8217.c's.  This file frames the replies (STX ... CR).  "Z" zeroes
 * (scale_zero()); "T" (tare) is not sent: a tare would make every weight
 * a net weight, and the record keeps gross weights.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>

#include "retour/scale.h"
#include "retour/toledo8217.h"
#include "scale_serial.h"

_Static_assert(TOLEDO8217_REPLY_MAX <= SCALE_SERIAL_LINE_MAX,
	       "an 8217 reply fits the serial line buffer");

struct scale_8217 {
	struct scale_serial serial; /* first: the backend's state is both */
	struct scale_unit unit;
	bool in_frame; /* STX seen, waiting for CR */
};

static struct scale_8217 *scale_8217_of(struct scale_serial *s)
{
	return (struct scale_8217 *)s;
}

static void scale_8217_take(struct scale_serial *s, char c)
{
	struct scale_8217 *t = scale_8217_of(s);

	if ((s->cflag_set & CSIZE) == CS7)
		c &= 0x7F; /* a parity bit the line did not strip */
	if (c == TOLEDO8217_STX) {
		t->in_frame = true;
		scale_serial_line_clear(s);
		return;
	}
	if (!t->in_frame)
		return; /* noise between replies */
	if (c == TOLEDO8217_CR) {
		t->in_frame = false;
		scale_serial_line_end(s);
		scale_serial_line_clear(s);
		return;
	}
	scale_serial_line_add(s, c);
}

static void scale_8217_parse(struct scale_serial *s, const char *line,
			     size_t len, struct scale_reading *out)
{
	toledo8217_parse(line, len, &scale_8217_of(s)->unit, out);
}

static const struct scale_serial_proto scale_8217_proto = {
    .request = "W",
    .request_len = 1,
    .line_max = TOLEDO8217_REPLY_MAX,
    .take = scale_8217_take,
    .parse = scale_8217_parse,
};

static int scale_8217_request_stable(void *state)
{
	struct scale_8217 *t = state;

	if (scale_serial_busy(&t->serial))
		return -EBUSY;
	t->in_frame = false;
	return scale_serial_request(&t->serial);
}

static bool scale_8217_is_busy(const void *state)
{
	const struct scale_8217 *t = state;

	return scale_serial_busy(&t->serial);
}

static void scale_8217_close(void *state)
{
	struct scale_8217 *t = state;

	if (!t)
		return;
	scale_serial_fini(&t->serial);
	free(t);
}

/* parity and bits: what the board says, 7E1 by default */
static int scale_8217_line(struct scale_8217 *t, const struct scale_config *cfg,
			   char *err, size_t errlen)
{
	tcflag_t parity;

	if (!cfg->parity || !strcmp(cfg->parity, "even")) {
		parity = PARENB;
	} else if (!strcmp(cfg->parity, "odd")) {
		parity = PARENB | PARODD;
	} else if (!strcmp(cfg->parity, "none")) {
		parity = 0;
	} else {
		snprintf(err, errlen,
			 "scale: parity '%.32s' is not even, odd or none",
			 cfg->parity);
		return -EINVAL;
	}
	t->serial.cflag_clear = CSIZE | PARENB | PARODD;
	t->serial.cflag_set = (cfg->bits == 8 ? CS8 : CS7) | parity;
	if (scale_unit_by_name(cfg->unit ? cfg->unit : "kg", &t->unit) < 0) {
		snprintf(err, errlen,
			 "scale: unit '%.32s' is not a unit of weight (kg, "
			 "g, lb, oz, ...)",
			 cfg->unit);
		return -EINVAL;
	}
	return 0;
}

static int scale_8217_open(sd_event *ev, const struct scale_config *cfg,
			   scale_reading_fn fn, void *userdata, void **state,
			   char *err, size_t errlen)
{
	struct scale_8217 *t;
	int r;

	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "scale: out of memory");
		return -ENOMEM;
	}
	r = scale_serial_init(&t->serial, ev, cfg, &scale_8217_proto, fn,
			      userdata, err, errlen);
	if (r >= 0)
		r = scale_8217_line(t, cfg, err, errlen);
	if (r >= 0)
		r = scale_serial_start(&t->serial, err, errlen);
	if (r < 0) {
		scale_8217_close(t);
		return r;
	}
	*state = t;
	return 0;
}

static int scale_8217_zero(void *state)
{
	struct scale_8217 *t = state;

	return scale_serial_command(&t->serial, "Z", 1);
}

const struct scale_backend scale_backend_toledo8217 = {
    .name = "toledo8217",
    .zero = scale_8217_zero,
    .open = scale_8217_open,
    .request_stable = scale_8217_request_stable,
    .is_busy = scale_8217_is_busy,
    .close = scale_8217_close,
};
