/* SPDX-License-Identifier: MIT */
/*
 * The pure scale parsers: HID POS report descriptors and data reports,
 * Toledo 8217 replies, units to grams (one rounding rule), and the
 * stability rule, with bytes from the published descriptions and public
 * captures of real scales (each fixture says where it comes from).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "retour/hidpos.h"
#include "retour/scale.h"
#include "retour/scale_unit.h"
#include "retour/toledo8217.h"

/* ---- report descriptors ---- */

/*
 * A scale's report descriptor laid out as the HID Point of Sale Usage
 * Tables (Weighing Devices, usage page 0x8D, "Scale Data Report" and
 * "Scale Control Report") and the Dymo M10/M25 data sheets describe it:
 * the Scale Device collection, data report id 3 with Scale Status, Weight
 * Unit, Data Scaling and Data Weight, control report id 2 as Output.  No
 * byte capture of a Dymo descriptor was found in the public material
 * searched, so this one is assembled item by item from those tables.
 */
static const uint8_t desc_scale[] = {
    0x05, 0x8D,	      /* Usage Page (Scales) */
    0x09, 0x20,	      /* Usage (Scale Device) */
    0xA1, 0x01,	      /* Collection (Application) */
    0x85, 0x03,	      /*   Report ID (3) */
    0x09, 0x32,	      /*   Usage (Scale Data Report) */
    0xA1, 0x02,	      /*   Collection (Logical) */
    0x09, 0x70,	      /*     Usage (Scale Status) */
    0x15, 0x01,	      /*     Logical Minimum (1) */
    0x25, 0x08,	      /*     Logical Maximum (8) */
    0x75, 0x08,	      /*     Report Size (8) */
    0x95, 0x01,	      /*     Report Count (1) */
    0x81, 0x00,	      /*     Input (Data, Array) */
    0x09, 0x50,	      /*     Usage (Weight Unit) */
    0x25, 0x0C,	      /*     Logical Maximum (12) */
    0x81, 0x00,	      /*     Input (Data, Array) */
    0x09, 0x41,	      /*     Usage (Data Scaling) */
    0x15, 0x80,	      /*     Logical Minimum (-128) */
    0x25, 0x7F,	      /*     Logical Maximum (127) */
    0x81, 0x02,	      /*     Input (Data, Var) */
    0x09, 0x40,	      /*     Usage (Data Weight) */
    0x15, 0x00,	      /*     Logical Minimum (0) */
    0x27, 0xFF, 0xFF, /*     Logical Maximum (65535), 4 bytes: */
    0x00, 0x00,	      /*     ... */
    0x75, 0x10,	      /*     Report Size (16) */
    0x81, 0x02,	      /*     Input (Data, Var) */
    0xC0,	      /*   End Collection */
    0x85, 0x02,	      /*   Report ID (2) */
    0x09, 0x31,	      /*   Usage (Scale Control Report) */
    0xA1, 0x02,	      /*   Collection (Logical) */
    0x09, 0x81,	      /*     Usage (Enforced Zero Return): bit 0 */
    0x09, 0x80,	      /*     Usage (Zero Scale): bit 1 */
    0x75, 0x01,	      /*     Report Size (1) */
    0x95, 0x02,	      /*     Report Count (2) */
    0x25, 0x01,	      /*     Logical Maximum (1) */
    0x91, 0x02,	      /*     Output (Data, Var) */
    0x95, 0x06,	      /*     Report Count (6): padding */
    0x91, 0x03,	      /*     Output (Const) */
    0xC0,	      /*   End Collection */
    0xC0,	      /* End Collection */
};

/* The boot keyboard of the HID 1.11 specification, appendix E.6 (also in
 * countless firmware projects): no scale page. */
static const uint8_t desc_keyboard[] = {
    0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x07, 0x19, 0xE0, 0x29,
    0xE7, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08, 0x81, 0x02,
    0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0x95, 0x05, 0x75, 0x01, 0x05,
    0x08, 0x19, 0x01, 0x29, 0x05, 0x91, 0x02, 0x95, 0x01, 0x75, 0x03,
    0x91, 0x01, 0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x25, 0x65, 0x05,
    0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00, 0xC0,
};

static void test_descriptor_scale(void **state)
{
	struct hidpos_descriptor d;

	assert_int_equal(
	    hidpos_descriptor_scan(desc_scale, sizeof(desc_scale), &d), 0);
	assert_true(d.scale);
	assert_true(d.report_ids);
	assert_true(d.output);
	assert_int_equal(d.items, 38);
}

static void test_descriptor_keyboard_is_no_scale(void **state)
{
	struct hidpos_descriptor d;

	assert_int_equal(
	    hidpos_descriptor_scan(desc_keyboard, sizeof(desc_keyboard), &d),
	    0);
	assert_false(d.scale);
	assert_false(d.report_ids);
	assert_true(d.output); /* its LEDs */
}

static void test_descriptor_edge_items(void **state)
{
	/* an extended (4-byte) usage naming page 0x8D, after a long item
	 * whose data holds a 0x05 0x8D that must not count */
	static const uint8_t extended[] = {
	    0xFE, 0x02, 0x10, 0x05, 0x8D, /* long item, 2 bytes */
	    0x0B, 0x20, 0x00, 0x8D, 0x00, /* Usage 0x008D0020 */
	    0xA1, 0x01, 0xC0,
	};
	static const uint8_t long_only[] = {0xFE, 0x02, 0x10, 0x05, 0x8D};
	/* a Usage Page of 0x8D written on two bytes */
	static const uint8_t page16[] = {0x06, 0x8D, 0x00, 0x09, 0x20};
	/* 0x8D as the data of a Usage, not a Usage Page: not a scale */
	static const uint8_t usage8d[] = {0x05, 0x01, 0x09, 0x8D};
	struct hidpos_descriptor d;

	assert_int_equal(hidpos_descriptor_scan(extended, sizeof(extended), &d),
			 0);
	assert_true(d.scale);
	assert_int_equal(d.items, 4);
	assert_int_equal(
	    hidpos_descriptor_scan(long_only, sizeof(long_only), &d), 0);
	assert_false(d.scale);
	assert_int_equal(hidpos_descriptor_scan(page16, sizeof(page16), &d), 0);
	assert_true(d.scale);
	assert_int_equal(hidpos_descriptor_scan(usage8d, sizeof(usage8d), &d),
			 0);
	assert_false(d.scale);
	assert_int_equal(hidpos_descriptor_scan(NULL, 0, &d), 0);
	assert_false(d.scale);
}

static void test_descriptor_cut_short(void **state)
{
	struct hidpos_descriptor d;
	/* every prefix of the scale's descriptor: never a read past the end
	 * (ASan would say), and a cut item is an error */
	for (size_t n = 0; n < sizeof(desc_scale); n++) {
		int r = hidpos_descriptor_scan(desc_scale, n, &d);

		assert_true(r == 0 || r == -EINVAL);
	}
	/* 4-byte item with 3 bytes; long item longer than what is left */
	assert_int_equal(hidpos_descriptor_scan(
			     (const uint8_t[]){0x27, 0xFF, 0xFF, 0x00}, 4, &d),
			 -EINVAL);
	assert_int_equal(hidpos_descriptor_scan(
			     (const uint8_t[]){0xFE, 0x05, 0x10, 0x00}, 4, &d),
			 -EINVAL);
	assert_int_equal(
	    hidpos_descriptor_scan((const uint8_t[]){0xFE, 0x00}, 2, &d),
	    -EINVAL);
}

/* ---- data reports ---- */

static struct scale_reading parse(const uint8_t *b, size_t n, int want_rc)
{
	struct scale_reading r;

	assert_int_equal(hidpos_parse_report(b, n, true, NULL, &r), want_rc);
	return r;
}

static void test_report_public_captures(void **state)
{
	struct scale_reading r;
	/* Dymo M25, empty, ounces: [3, 2, 11, 255, 0, 0] (rfg-scale's
	 * README and steventsnyder.com's Dymo M10 article) */
	r = parse((const uint8_t[]){3, 2, 11, 0xFF, 0, 0}, 6, 0);
	assert_int_equal(r.status, SCALE_STABLE);
	assert_int_equal(r.grams, 0);
	assert_string_equal(r.unit, "oz");
	assert_int_equal(r.exponent, -1);
	/* Dymo M10/M25, antradar.com's "Dymo USB Scale Interface Specs":
	 * "XX 02 00 14 00" is 20 g, "XX 0B FF 34 19" is 645.2 oz */
	r = parse((const uint8_t[]){3, 4, 2, 0x00, 0x14, 0x00}, 6, 0);
	assert_int_equal(r.status, SCALE_STABLE);
	assert_int_equal(r.grams, 20);
	r = parse((const uint8_t[]){3, 4, 11, 0xFF, 0x34, 0x19}, 6, 0);
	assert_int_equal(r.grams, 18291); /* 645.2 oz = 18291.11 g */
	assert_int_equal(r.raw, 6452);
	assert_string_equal(r.detail, "18291 g (645.2 oz)");
	/* WebHID, report id stripped (a scale without numbered reports):
	 * [2, 12, 255, 48, 0] is 4.8 lb (devhide.com, "How do I zero a USB
	 * scale using WebHID?") */
	assert_int_equal(
	    hidpos_parse_report((const uint8_t[]){2, 12, 0xFF, 48, 0}, 5, false,
				NULL, &r),
	    0);
	assert_int_equal(r.grams, 2177); /* 2177.24 g */
	assert_string_equal(r.unit, "lb");
}

static void test_report_every_status(void **state)
{
	struct scale_reading r;

	/* stable 1.234 kg */
	r = parse((const uint8_t[]){3, 4, 3, 0xFD, 0xD2, 0x04}, 6, 0);
	assert_int_equal(r.status, SCALE_STABLE);
	assert_int_equal(r.grams, 1234);
	assert_string_equal(r.detail, "1234 g (1.234 kg)");
	/* in motion, 250 g */
	r = parse((const uint8_t[]){3, 3, 2, 0, 0xFA, 0x00}, 6, 0);
	assert_int_equal(r.status, SCALE_UNSTABLE);
	assert_int_equal(r.grams, 250);
	/* under zero: 0.5 lb below */
	r = parse((const uint8_t[]){3, 5, 12, 0xFF, 5, 0}, 6, 0);
	assert_int_equal(r.status, SCALE_UNDERLOAD);
	assert_int_equal(r.grams, -227); /* -226.796 g */
	assert_string_equal(r.detail, "under zero: -227 g (-0.5 lb)");
	/* over the limit, fault, calibration, re-zero: words, no weight */
	r = parse((const uint8_t[]){3, 6, 12, 0, 0xFF, 0xFF}, 6, 0);
	assert_int_equal(r.status, SCALE_OVERLOAD);
	assert_string_equal(r.detail, "scale overloaded (over its weight "
				      "limit)");
	r = parse((const uint8_t[]){3, 1, 0, 0, 0, 0}, 6, 0);
	assert_int_equal(r.status, SCALE_ERROR);
	r = parse((const uint8_t[]){3, 7, 2, 0, 0, 0}, 6, 0);
	assert_int_equal(r.status, SCALE_NEEDS_CALIBRATION);
	assert_string_equal(r.detail, "scale needs calibration");
	r = parse((const uint8_t[]){3, 8, 2, 0, 0, 0}, 6, 0);
	assert_int_equal(r.status, SCALE_NEEDS_ZERO);
	/* padded to the endpoint's 8 bytes: still the reading */
	r = parse((const uint8_t[]){3, 4, 2, 0, 100, 0, 0, 0}, 8, 0);
	assert_int_equal(r.grams, 100);
}

static void test_report_tael(void **state)
{
	static const uint8_t two_taels[] = {3, 4, 5, 0, 2, 0};
	struct scale_tael t;
	struct scale_reading r;

	/* refused unless the site says how heavy a tael is */
	r = parse(two_taels, 6, -EINVAL);
	assert_int_equal(r.status, SCALE_ERROR);
	assert_non_null(strstr(r.detail, "tael_g"));
	assert_int_equal(scale_unit_tael_parse("37.5", &t), 0);
	assert_int_equal(hidpos_parse_report(two_taels, 6, true, &t, &r), 0);
	assert_int_equal(r.grams, 75);
	assert_int_equal(scale_unit_tael_parse("37.8", &t), 0);
	assert_int_equal(hidpos_parse_report(two_taels, 6, true, &t, &r), 0);
	assert_int_equal(r.grams, 76); /* 75.6 */
	assert_int_equal(scale_unit_tael_parse("50", &t), 0);
	assert_int_equal(hidpos_parse_report(two_taels, 6, true, &t, &r), 0);
	assert_int_equal(r.grams, 100);
	assert_int_equal(scale_unit_tael_parse("40", &t), -EINVAL);
	assert_int_equal(scale_unit_tael_parse("37.50", &t), -EINVAL);
}

static void test_report_garbage(void **state)
{
	struct scale_reading r;

	parse((const uint8_t[]){3, 0, 2, 0, 1, 0}, 6, -EINVAL);	 /* status 0 */
	parse((const uint8_t[]){3, 9, 2, 0, 1, 0}, 6, -EINVAL);	 /* status 9 */
	parse((const uint8_t[]){3, 4, 0, 0, 1, 0}, 6, -EINVAL);	 /* unit 0 */
	parse((const uint8_t[]){3, 4, 13, 0, 1, 0}, 6, -EINVAL); /* unit 13 */
	r = parse((const uint8_t[]){3, 4, 2, 0, 1}, 5, -EINVAL); /* short */
	assert_int_equal(r.status, SCALE_ERROR);
	assert_string_equal(r.detail,
			    "scale report: 4 bytes, a data report has 5");
	parse((const uint8_t[]){3}, 1, -EINVAL);
	parse(NULL, 0, -EINVAL);
	/* 10^127 pounds */
	parse((const uint8_t[]){3, 4, 12, 0x7F, 1, 0}, 6, -EINVAL);
	/* 65535 metric tons do not fit in int32 grams */
	parse((const uint8_t[]){3, 4, 8, 0, 0xFF, 0xFF}, 6, -EINVAL);
	/* another report of the device: not the weight, not an error */
	r = parse((const uint8_t[]){1, 4, 2, 0, 1, 0}, 6, -ENOMSG);
}

/* ---- units and the rounding rule ---- */

static int32_t grams_of(const char *unit, int64_t raw, int exp)
{
	struct scale_unit u;
	int32_t g = 0;

	assert_int_equal(scale_unit_by_name(unit, &u), 0);
	assert_int_equal(scale_unit_to_grams(&u, raw, exp, &g), 0);
	return g;
}

static void test_units_round_half_away_from_zero(void **state)
{
	assert_int_equal(grams_of("mg", 500, 0), 1);
	assert_int_equal(grams_of("mg", 1500, 0), 2);
	assert_int_equal(grams_of("mg", 2500, 0), 3); /* half-even: 2 */
	assert_int_equal(grams_of("mg", -500, 0), -1);
	assert_int_equal(grams_of("mg", -2500, 0), -3);
	assert_int_equal(grams_of("mg", 499, 0), 0);
	assert_int_equal(grams_of("mg", 1499, 0), 1);
	assert_int_equal(grams_of("g", 25, -1), 3);
	assert_int_equal(grams_of("kg", 1234, -3), 1234);
	assert_int_equal(grams_of("kg", 12345, -4), 1235); /* 1234.5 */
	assert_int_equal(grams_of("KG", 2, 0), 2000);
}

static void test_units_every_unit(void **state)
{
	static const struct {
		int code;
		int64_t raw;
		int exp;
		int32_t grams;
	} cases[] = {
	    {1, 123456, 0, 123},   /* mg */
	    {2, 1, 3, 1000},	   /* g, positive exponent */
	    {3, 5, -1, 500},	   /* kg */
	    {4, 1000, 0, 200},	   /* carat: 200 mg */
	    {6, 1000, 0, 65},	   /* grains: 64.79891 g */
	    {7, 100, 0, 156},	   /* pennyweight: 155.517 g */
	    {8, 15, -1, 1500000},  /* metric ton */
	    {9, 1, -3, 907},	   /* short ton: 907.18474 g */
	    {10, 10, 0, 311},	   /* troy ounce: 311.03 g */
	    {11, 16, 0, 454},	   /* ounce: 453.59 g */
	    {12, 1, 0, 454},	   /* pound: 453.59237 g */
	    {12, 1000, 0, 453592}, /* 1000 lb */
	};
	struct scale_unit u;
	int32_t g;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(scale_unit_by_code(cases[i].code, NULL, &u),
				 0);
		assert_int_equal(
		    scale_unit_to_grams(&u, cases[i].raw, cases[i].exp, &g), 0);
		assert_int_equal(g, cases[i].grams);
	}
	assert_int_equal(scale_unit_by_code(5, NULL, &u), -ENOTSUP);
	assert_int_equal(scale_unit_by_code(0, NULL, &u), -EINVAL);
	assert_int_equal(scale_unit_by_code(13, NULL, &u), -EINVAL);
	assert_int_equal(scale_unit_by_name("stone", &u), -EINVAL);
	assert_int_equal(scale_unit_by_name("tael", &u), -EINVAL);
	assert_int_equal(scale_unit_by_code(3, NULL, &u), 0);
	assert_int_equal(scale_unit_to_grams(&u, 3000000, 0, &g), -ERANGE);
	assert_int_equal(scale_unit_to_grams(&u, 1, 13, &g), -ERANGE);
	assert_int_equal(scale_unit_to_grams(&u, 1, -13, &g), -ERANGE);
	assert_int_equal(scale_unit_to_grams(&u, 2147483648LL, -9, &g),
			 -ERANGE);
	/* the extremes the arithmetic meets, exact on a 32-bit board too */
	assert_int_equal(scale_unit_by_code(12, NULL, &u), 0);
	assert_int_equal(scale_unit_to_grams(&u, INT32_MAX, -9, &g), 0);
	assert_int_equal(g, 974); /* 2.147483647 lb = 974.082 g */
	assert_int_equal(scale_unit_to_grams(&u, -INT32_MAX, -12, &g), 0);
	assert_int_equal(g, -1); /* -0.97 g */
	assert_int_equal(scale_unit_to_grams(&u, INT32_MAX, 12, &g), -ERANGE);
	assert_int_equal(scale_unit_by_code(6, NULL, &u), 0);
	assert_int_equal(scale_unit_to_grams(&u, 1, -12, &g), 0);
	assert_int_equal(g, 0);
	assert_int_equal(scale_unit_to_grams(&u, INT32_MAX, 0, &g), 0);
	assert_int_equal(g, 139154600); /* 139154599.57 g */
}

/* ---- Toledo 8217 replies ---- */

static struct scale_reading t8217(const char *body, int want_rc)
{
	struct scale_reading r;
	struct scale_unit kg;

	assert_int_equal(scale_unit_by_name("kg", &kg), 0);
	assert_int_equal(toledo8217_parse(body, strlen(body), &kg, &r),
			 want_rc);
	return r;
}

static void test_8217_weights(void **state)
{
	struct scale_reading r;
	struct scale_unit lb;

	/* the published demand format: digits with the decimal point, no
	 * unit (Transcell's 8213 "XXX.XX", Brecknell's "W1W2<dp>W3W4W5") */
	r = t8217("01.234", 0);
	assert_int_equal(r.status, SCALE_STABLE);
	assert_int_equal(r.grams, 1234);
	assert_int_equal(r.raw, 1234);
	assert_int_equal(r.exponent, -3);
	assert_string_equal(r.unit, "kg");
	assert_string_equal(r.detail, "1234 g (1.234 kg)");
	/* with a unit (Brecknell's U1..U5), spaces before it */
	r = t8217("  1.234KG", 0);
	assert_int_equal(r.grams, 1234);
	r = t8217("002.50LB", 0);
	assert_int_equal(r.grams, 1134); /* 1133.98 */
	assert_string_equal(r.unit, "lb");
	r = t8217("0012.3 OZ", 0);
	assert_int_equal(r.grams, 349); /* 348.70 */
	r = t8217("500", 0);
	assert_int_equal(r.grams, 500000);
	r = t8217("-0.010", 0);
	assert_int_equal(r.status, SCALE_UNDERLOAD);
	assert_int_equal(r.grams, -10);
	/* the board's default unit for unit-less replies */
	assert_int_equal(scale_unit_by_name("lb", &lb), 0);
	assert_int_equal(toledo8217_parse("01.000", 6, &lb, &r), 0);
	assert_int_equal(r.grams, 454);
}

static void test_8217_status(void **state)
{
	struct scale_reading r;

	/* bits 5 and 6 always set; 0 motion, 1 over, 2 under zero, 3
	 * outside zero capture, 4 centre of zero */
	r = t8217("?a", 0); /* 0x61 */
	assert_int_equal(r.status, SCALE_UNSTABLE);
	r = t8217("?b", 0); /* 0x62 */
	assert_int_equal(r.status, SCALE_OVERLOAD);
	r = t8217("?c", 0); /* motion + over: over wins */
	assert_int_equal(r.status, SCALE_OVERLOAD);
	r = t8217("?d", 0); /* 0x64 */
	assert_int_equal(r.status, SCALE_UNDERLOAD);
	r = t8217("?h", 0); /* 0x68 */
	assert_int_equal(r.status, SCALE_NEEDS_ZERO);
	r = t8217("?p", 0); /* 0x70: at the centre of zero, valid */
	assert_int_equal(r.status, SCALE_STABLE);
	assert_int_equal(r.grams, 0);
	r = t8217("?q", 0); /* 0x71: centre of zero, in motion */
	assert_int_equal(r.status, SCALE_UNSTABLE);
	/* with the parity bit still on (8-bit line): 0xE1 is 'a' */
	r = t8217("?\xE1", 0);
	assert_int_equal(r.status, SCALE_UNSTABLE);
}

static void test_8217_garbage(void **state)
{
	struct scale_reading r;

	r = t8217("", -EINVAL);
	assert_int_equal(r.status, SCALE_ERROR);
	t8217("?", -EINVAL);
	t8217("?A", -EINVAL); /* 0x41: bit 5 clear */
	t8217("?`", -EINVAL); /* 0x60: no reason */
	t8217("?aa", -EINVAL);
	t8217("1.2.3", -EINVAL);
	t8217("1.2 XY", -EINVAL);
	t8217("1.2 kg x", -EINVAL);
	t8217("KG", -EINVAL);
	t8217(".", -EINVAL);
	t8217("1234567890", -EINVAL);		     /* 10 digits */
	t8217("0000000000000000000000001", -EINVAL); /* too long */
	r = t8217("999999999", -EINVAL); /* 999999999 kg: out of range */
	assert_non_null(strstr(r.detail, "range"));
	assert_int_equal(toledo8217_parse("1.0", 3, NULL, &r), -EINVAL);
	assert_int_equal(toledo8217_parse(NULL, 0, NULL, &r), -EINVAL);
}

/* ---- the stability rule ---- */

static struct scale_reading stable(int32_t g)
{
	struct scale_reading r = {.status = SCALE_STABLE, .grams = g};

	return r;
}

static void test_settle_readings(void **state)
{
	struct scale_settle st;
	struct scale_reading motion = {.status = SCALE_UNSTABLE, .grams = 5};

	/* defaults: the first stable reading is the weight */
	scale_settle_init(&st, 0, 0);
	assert_true(scale_settle_feed(&st, &(struct scale_reading){0}, 1));
	assert_int_equal(st.last.grams, 0);

	scale_settle_init(&st, 3, 0);
	assert_false(scale_settle_feed(&st, &(struct scale_reading){0}, 1));
	assert_false(scale_settle_feed(&st, &motion, 2));
	assert_false(scale_settle_feed(&st, &(struct scale_reading){0}, 3));
	assert_false(scale_settle_feed(&st, &(struct scale_reading){0}, 4));
	assert_true(scale_settle_feed(&st, &(struct scale_reading){0}, 5));
	/* another weight starts again */
	assert_false(scale_settle_feed(
	    &st, &(struct scale_reading){.status = SCALE_STABLE, .grams = 7},
	    6));
	assert_int_equal(st.count, 1);
	assert_int_equal(scale_settle_due(&st), 0); /* needs readings */
}

static void test_settle_time(void **state)
{
	struct scale_settle st;
	struct scale_reading a = stable(1000), b = stable(1001);
	struct scale_reading over = {.status = SCALE_OVERLOAD};

	scale_settle_init(&st, 1, 300);
	assert_false(scale_settle_feed(&st, &a, 1000000));
	assert_int_equal(scale_settle_due(&st), 1300000);
	assert_false(scale_settle_ready(&st, 1299999));
	assert_true(scale_settle_ready(&st, 1300000));
	/* the same weight again keeps the run's start */
	assert_false(scale_settle_feed(&st, &a, 1200000));
	assert_int_equal(scale_settle_due(&st), 1300000);
	assert_true(scale_settle_feed(&st, &a, 1300001));
	/* a gram more starts a new run */
	assert_false(scale_settle_feed(&st, &b, 1400000));
	assert_int_equal(scale_settle_due(&st), 1700000);
	/* an overload ends it */
	assert_false(scale_settle_feed(&st, &over, 1500000));
	assert_false(scale_settle_ready(&st, 9000000));
	assert_int_equal(scale_settle_due(&st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_descriptor_scale),
	    cmocka_unit_test(test_descriptor_keyboard_is_no_scale),
	    cmocka_unit_test(test_descriptor_edge_items),
	    cmocka_unit_test(test_descriptor_cut_short),
	    cmocka_unit_test(test_report_public_captures),
	    cmocka_unit_test(test_report_every_status),
	    cmocka_unit_test(test_report_tael),
	    cmocka_unit_test(test_report_garbage),
	    cmocka_unit_test(test_units_round_half_away_from_zero),
	    cmocka_unit_test(test_units_every_unit),
	    cmocka_unit_test(test_8217_weights),
	    cmocka_unit_test(test_8217_status),
	    cmocka_unit_test(test_8217_garbage),
	    cmocka_unit_test(test_settle_readings),
	    cmocka_unit_test(test_settle_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
