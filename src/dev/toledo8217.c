/* SPDX-License-Identifier: MIT */
/*
 * Toledo 8217 reply parser (include/retour/toledo8217.h).  No I/O.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "retour/toledo8217.h"

static int toledo8217_fail(struct scale_reading *out, const char *why)
{
	memset(out, 0, sizeof(*out));
	out->status = SCALE_ERROR;
	snprintf(out->detail, sizeof(out->detail), "scale reply: %.80s", why);
	return -EINVAL;
}

static int toledo8217_status(unsigned char c, struct scale_reading *out)
{
	unsigned bits = c & 0x7F; /* bit 7 is parity on an 8-bit line */
	char why[64];

	if ((bits & 0x60) != 0x60) {
		snprintf(why, sizeof(why), "status byte 0x%02x lacks bits 5-6",
			 c);
		return toledo8217_fail(out, why);
	}
	memset(out, 0, sizeof(*out));
	if (bits & TOLEDO8217_OVER_CAPACITY) {
		out->status = SCALE_OVERLOAD;
		snprintf(out->detail, sizeof(out->detail),
			 "scale over capacity");
	} else if (bits & TOLEDO8217_UNDER_ZERO) {
		out->status = SCALE_UNDERLOAD;
		snprintf(out->detail, sizeof(out->detail),
			 "scale reads under zero");
	} else if (bits & TOLEDO8217_OUTSIDE_ZERO) {
		out->status = SCALE_NEEDS_ZERO;
		snprintf(out->detail, sizeof(out->detail),
			 "scale outside its zero capture range: needs "
			 "re-zeroing");
	} else if (bits & TOLEDO8217_MOTION) {
		out->status = SCALE_UNSTABLE;
		snprintf(out->detail, sizeof(out->detail), "scale in motion");
	} else if (bits & TOLEDO8217_CENTER_ZERO) {
		out->status = SCALE_STABLE;
		snprintf(out->unit, sizeof(out->unit), "?");
		snprintf(out->detail, sizeof(out->detail),
			 "0 g (at the centre of zero)");
	} else {
		return toledo8217_fail(out, "status without a reason");
	}
	return 0;
}

int toledo8217_parse(const char *body, size_t len,
		     const struct scale_unit *default_unit,
		     struct scale_reading *out)
{
	struct scale_unit u;
	char unit[8], text[48];
	size_t i = 0, nunit = 0;
	int64_t raw = 0;
	int digits = 0, decimals = 0;
	bool point = false, negative = false;
	int32_t grams;

	if (!body)
		return toledo8217_fail(out, "empty");
	if (len > TOLEDO8217_REPLY_MAX)
		return toledo8217_fail(out, "too long");
	if (len == 2 && body[0] == '?')
		return toledo8217_status((unsigned char)body[1], out);
	while (i < len && body[i] == ' ')
		i++;
	if (i < len && (body[i] == '-' || body[i] == '+'))
		negative = body[i++] == '-';
	for (; i < len; i++) {
		char c = body[i];

		if (c == '.' && !point) {
			point = true;
			continue;
		}
		if (!isdigit((unsigned char)c))
			break;
		if (++digits > 9)
			return toledo8217_fail(out, "too many digits");
		raw = raw * 10 + (c - '0');
		if (point)
			decimals++;
	}
	if (!digits)
		return toledo8217_fail(out, "no weight and no status");
	while (i < len && body[i] == ' ')
		i++;
	for (; i < len; i++) {
		if (!isalpha((unsigned char)body[i]) ||
		    nunit + 1 >= sizeof(unit))
			return toledo8217_fail(out, "not a weight");
		unit[nunit++] = body[i];
	}
	unit[nunit] = '\0';
	if (nunit) {
		if (scale_unit_by_name(unit, &u) < 0)
			return toledo8217_fail(out, "unknown unit");
	} else if (default_unit) {
		u = *default_unit;
	} else {
		return toledo8217_fail(out, "weight without a unit");
	}
	if (negative)
		raw = -raw;
	if (scale_unit_to_grams(&u, raw, -decimals, &grams) < 0)
		return toledo8217_fail(out, "weight out of range");
	memset(out, 0, sizeof(*out));
	out->status = negative && raw ? SCALE_UNDERLOAD : SCALE_STABLE;
	out->grams = grams;
	out->raw = (int32_t)raw;
	out->exponent = (int8_t)-decimals;
	snprintf(out->unit, sizeof(out->unit), "%s", u.name);
	scale_unit_format(raw, -decimals, u.name, text, sizeof(text));
	snprintf(out->detail, sizeof(out->detail), "%ld g (%.48s)", (long)grams,
		 text);
	return 0;
}
