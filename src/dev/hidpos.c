/* SPDX-License-Identifier: MIT */
/*
 * HID POS scale parsers (include/retour/hidpos.h): the report descriptor
 * walk, the data report, the known ids.  No I/O.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retour/hidpos.h"

/* Item types and tags of the HID 1.11 specification, section 6.2.2. */
#define HID_TYPE_MAIN 0
#define HID_TYPE_GLOBAL 1
#define HID_TYPE_LOCAL 2
#define HID_MAIN_OUTPUT 0x9
#define HID_GLOBAL_USAGE_PAGE 0x0
#define HID_GLOBAL_REPORT_ID 0x8
#define HID_LOCAL_USAGE 0x0
#define HID_LONG_ITEM 0xFE

int hidpos_descriptor_scan(const uint8_t *d, size_t len,
			   struct hidpos_descriptor *out)
{
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < len) {
		uint8_t prefix = d[i];
		size_t size = prefix & 3;
		unsigned type = (prefix >> 2) & 3, tag = prefix >> 4;
		uint32_t value = 0;

		if (prefix == HID_LONG_ITEM) {
			if (len - i < 3 || len - i - 3 < d[i + 1])
				return -EINVAL;
			i += 3 + (size_t)d[i + 1];
			out->items++;
			continue;
		}
		if (size == 3)
			size = 4;
		if (len - i - 1 < size)
			return -EINVAL;
		for (size_t k = 0; k < size; k++)
			value |= (uint32_t)d[i + 1 + k] << (8 * k);
		i += 1 + size;
		out->items++;
		if (type == HID_TYPE_GLOBAL && tag == HID_GLOBAL_USAGE_PAGE &&
		    value == HIDPOS_USAGE_PAGE_SCALE)
			out->scale = true;
		else if (type == HID_TYPE_LOCAL && tag == HID_LOCAL_USAGE &&
			 size == 4 && value >> 16 == HIDPOS_USAGE_PAGE_SCALE)
			out->scale = true;
		else if (type == HID_TYPE_GLOBAL && tag == HID_GLOBAL_REPORT_ID)
			out->report_ids = true;
		else if (type == HID_TYPE_MAIN && tag == HID_MAIN_OUTPUT)
			out->output = true;
	}
	return 0;
}

static int hidpos_fail(struct scale_reading *out, const char *why)
{
	memset(out, 0, sizeof(*out));
	out->status = SCALE_ERROR;
	snprintf(out->detail, sizeof(out->detail), "scale report: %.80s", why);
	return -EINVAL;
}

/* The words the clerk and the log read for each status that has no
 * weight to show. */
static const char *hidpos_status_words(int st)
{
	switch (st) {
	case 1:
		return "scale reports a fault";
	case 6:
		return "scale overloaded (over its weight limit)";
	case 7:
		return "scale needs calibration";
	case 8:
		return "scale needs re-zeroing";
	default:
		return NULL;
	}
}

int hidpos_parse_report(const uint8_t *buf, size_t len, bool numbered,
			const struct scale_tael *tael,
			struct scale_reading *out)
{
	const uint8_t *p = buf;
	struct scale_unit u;
	char why[96];
	int st, r, exponent;
	int32_t raw, grams;

	if (!buf || len == 0)
		return hidpos_fail(out, "empty");
	if (numbered) {
		if (buf[0] != HIDPOS_REPORT_DATA) {
			memset(out, 0, sizeof(*out));
			out->status = SCALE_ERROR;
			snprintf(out->detail, sizeof(out->detail),
				 "scale report id %u is not the weight",
				 buf[0]);
			return -ENOMSG;
		}
		p++;
		len--;
	}
	/* some scales pad their reports to the endpoint's size */
	if (len < HIDPOS_REPORT_LEN - 1) {
		snprintf(why, sizeof(why), "%zu bytes, a data report has %d",
			 len, HIDPOS_REPORT_LEN - 1);
		return hidpos_fail(out, why);
	}
	st = p[0];
	exponent = (int8_t)p[2];
	raw = (int32_t)(p[3] | (uint32_t)p[4] << 8);
	if (st < 1 || st > 8) {
		snprintf(why, sizeof(why), "unknown status %d", st);
		return hidpos_fail(out, why);
	}
	memset(out, 0, sizeof(*out));
	out->raw = raw;
	out->exponent = (int8_t)exponent;
	if (hidpos_status_words(st)) {
		out->status = st == 1	? SCALE_ERROR
			      : st == 6 ? SCALE_OVERLOAD
			      : st == 7 ? SCALE_NEEDS_CALIBRATION
					: SCALE_NEEDS_ZERO;
		snprintf(out->detail, sizeof(out->detail), "%s",
			 hidpos_status_words(st));
		return 0;
	}
	r = scale_unit_by_code(p[1], tael, &u);
	if (r == -ENOTSUP)
		return hidpos_fail(out,
				   "weight in taels, and the site has not "
				   "said how many grams a tael is (tael_g)");
	if (r < 0) {
		snprintf(why, sizeof(why), "unknown unit %u", p[1]);
		return hidpos_fail(out, why);
	}
	if (st == 5)
		raw = -raw; /* under zero: the magnitude below it */
	if (scale_unit_to_grams(&u, raw, exponent, &grams) < 0) {
		snprintf(why, sizeof(why), "%ld x 10^%d %s is out of range",
			 (long)raw, exponent, u.name);
		return hidpos_fail(out, why);
	}
	out->raw = raw;
	out->grams = grams;
	snprintf(out->unit, sizeof(out->unit), "%s", u.name);
	out->status = st == 3	? SCALE_UNSTABLE
		      : st == 5 ? SCALE_UNDERLOAD
				: SCALE_STABLE;
	scale_unit_format(raw, exponent, u.name, why, sizeof(why));
	snprintf(out->detail, sizeof(out->detail), "%s%ld g (%.48s)",
		 st == 3   ? "in motion: "
		 : st == 5 ? "under zero: "
			   : "",
		 (long)grams, why);
	return 0;
}

/* Scales seen in the field that announce themselves by id. */
static const struct {
	uint16_t vendor, product;
	const char *name;
} hidpos_known[] = {
    {0x0922, 0x8003, "Dymo M10"},     {0x0922, 0x8004, "Dymo M25"},
    {0x0922, 0x8009, "Dymo S180"},    {0x0eb8, 0xf000, "Mettler Toledo PS60"},
    {0x1446, 0x6a73, "Stamps.com"},   {0x2474, 0x0550, "Stamps.com"},
    {0x2474, 0x3550, "Stamps.com"},   {0x0b67, 0x555e, "Fairbanks"},
    {0x0d8f, 0x0200, "Pitney Bowes"},
};

const char *hidpos_known_scale(uint16_t vendor, uint16_t product)
{
	for (size_t i = 0; i < sizeof(hidpos_known) / sizeof(hidpos_known[0]);
	     i++)
		if (hidpos_known[i].vendor == vendor &&
		    hidpos_known[i].product == product)
			return hidpos_known[i].name;
	return NULL;
}
