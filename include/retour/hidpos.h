/* SPDX-License-Identifier: MIT */
/*
 * USB HID point-of-sale scales (HID usage page 0x8D, "Scales"): the report
 * descriptor scan that tells a scale from any other HID device, the data
 * report parse, and the table of scales known by USB id.
 *
 * Pure: bytes in, struct out, no I/O; every byte is untrusted.  The
 * libusb side is scale_hidpos.c.
 *
 * The data report (report id 3) is
 *   [3, status, unit, int8 exponent, weight LSB, weight MSB]
 * with the weight raw * 10^exponent in the unit (include/retour/
 * scale_unit.h), and the status 1 fault, 2 stable at zero, 3 in motion,
 * 4 stable, 5 under zero, 6 over the weight limit, 7 needs calibration,
 * 8 needs re-zeroing (HID Usage Tables, Scales page: usages 0x71..0x78).
 * A scale whose descriptor declares no report ids sends the same five
 * bytes without the leading 3.
 */
#ifndef RETOUR_HIDPOS_H
#define RETOUR_HIDPOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "retour/scale.h"
#include "retour/scale_unit.h"

#define HIDPOS_USAGE_PAGE_SCALE 0x8D
#define HIDPOS_REPORT_DATA 3
#define HIDPOS_REPORT_CONTROL 2
#define HIDPOS_REPORT_LEN 6
/* Scale Control Report, first byte: bit 0 Enforced Zero Return, bit 1
 * Zero Scale.  Scales in the field zero on EZR (captured from the
 * Stamps.com application); ZS alone is ignored by some. */
#define HIDPOS_CONTROL_ZERO 0x01

/* What the report descriptor says. */
struct hidpos_descriptor {
	bool scale;	 /* usage page 0x8D appears */
	bool report_ids; /* reports are numbered (a Report ID item) */
	bool output;	 /* an Output item: a report the host may send */
	unsigned items;
};

/*
 * Walk a HID report descriptor: short items (prefix byte, 0/1/2/4 data
 * bytes) and long items (0xFE, size, tag, data: skipped), never reading
 * past @len.  A Usage Page item of 0x8D, or a 4-byte Usage whose high 16
 * bits are 0x8D, makes it a scale.  0, or -EINVAL for an item cut short
 * (out still says what was seen before it).
 */
int hidpos_descriptor_scan(const uint8_t *d, size_t len,
			   struct hidpos_descriptor *out);

/*
 * Parse one input report (@numbered: it starts with its report id).  A
 * report other than the data report: -ENOMSG (not the scale's weight; the
 * caller ignores it).  A data report: 0 with *out (status as in scale.h,
 * grams rounded half away from zero, raw/exponent/unit kept, detail a
 * sentence), or -EINVAL for bytes that are not a reading (unknown status,
 * unit or length: out->status SCALE_ERROR, detail says why; a tael the
 * site has not sized is refused this way).
 */
int hidpos_parse_report(const uint8_t *buf, size_t len, bool numbered,
			const struct scale_tael *tael,
			struct scale_reading *out);

/* A scale known by its USB id (matched even before its descriptor is
 * read), or NULL. */
const char *hidpos_known_scale(uint16_t vendor, uint16_t product);

#endif
