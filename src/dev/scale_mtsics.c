/* SPDX-License-Identifier: MIT */
/*
 * MT-SICS scale driver: a Mettler Toledo (or compatible) scale on a serial
 * line, asked with "SI" until it reports a stable weight that meets the
 * stability rule (scale.h: stable_readings, settle_ms).
 *
 * The line is raw 8N1 at the configured baud; on a pty (the simulation) the
 * baud is meaningless and ignored.  The request, its timeouts and retries
 * are scale_serial.c's; parsing is mtsics.c's.  This file frames the
 * replies (lines ending in CR and/or LF) and does not send any command but
 * SI (no tare, no zero: the clerk does that on the scale itself).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "retour/mtsics.h"
#include "retour/scale.h"
#include "scale_serial.h"

_Static_assert(MTSICS_LINE_MAX <= SCALE_SERIAL_LINE_MAX,
	       "an MT-SICS line fits the serial line buffer");

static void scale_mtsics_take(struct scale_serial *s, char c)
{
	if (c == '\r' || c == '\n') {
		if (s->line_len > 0 || s->overlong)
			scale_serial_line_end(s);
		scale_serial_line_clear(s);
		return;
	}
	scale_serial_line_add(s, c);
}

static void scale_mtsics_parse(struct scale_serial *s, const char *line,
			       size_t len, struct scale_reading *out)
{
	mtsics_parse_line(line, len, out);
}

static const struct scale_serial_proto scale_mtsics_proto = {
    .request = "SI\r\n",
    .request_len = 4,
    .line_max = MTSICS_LINE_MAX,
    .take = scale_mtsics_take,
    .parse = scale_mtsics_parse,
};

static int scale_mtsics_request_stable(void *state)
{
	return scale_serial_request(state);
}

static bool scale_mtsics_is_busy(const void *state)
{
	return scale_serial_busy(state);
}

static void scale_mtsics_close(void *state)
{
	struct scale_serial *s = state;

	if (!s)
		return;
	scale_serial_fini(s);
	free(s);
}

static int scale_mtsics_open(sd_event *ev, const struct scale_config *cfg,
			     scale_reading_fn fn, void *userdata, void **state,
			     char *err, size_t errlen)
{
	struct scale_serial *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "scale: out of memory");
		return -ENOMEM;
	}
	r = scale_serial_init(s, ev, cfg, &scale_mtsics_proto, fn, userdata,
			      err, errlen);
	if (r >= 0)
		r = scale_serial_start(s, err, errlen);
	if (r < 0) {
		scale_mtsics_close(s);
		return r;
	}
	*state = s;
	return 0;
}

const struct scale_backend scale_backend_mtsics = {
    .name = "mtsics",
    .open = scale_mtsics_open,
    .request_stable = scale_mtsics_request_stable,
    .is_busy = scale_mtsics_is_busy,
    .close = scale_mtsics_close,
};
