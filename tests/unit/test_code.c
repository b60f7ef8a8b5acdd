/* SPDX-License-Identifier: MIT */
/*
 * Tests for the scanned-code classifier: every kind with a good and a wrong
 * check digit, AIM identifiers, GS separators, the parenthesised GS1 form,
 * prefix/suffix stripping, refused input, the shop pattern language and a
 * brute loop of random bytes that must never crash.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retour/code.h"

#define GS "\x1d"

/* the case tables leave trailing "not checked" fields out on purpose */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct code_case {
	const char *raw;
	enum code_kind kind;
	bool valid;
	const char *value;     /* NULL: not checked */
	const char *symbology; /* NULL: must be "" */
	const char *problem;   /* expected substring; NULL: any if invalid */
};

static void code_case_run(const struct code_case *c, size_t n,
			  const struct code_patterns *p)
{
	for (size_t i = 0; i < n; i++) {
		struct code out;
		int r = code_classify(c[i].raw, strlen(c[i].raw), p, &out);

		if (r != 0 || out.kind != c[i].kind || out.valid != c[i].valid)
			print_message("case %zu: \"%s\" -> %s %s \"%s\" "
				      "[%s]\n",
				      i, c[i].raw, code_kind_name(out.kind),
				      out.valid ? "valid" : "invalid",
				      out.value, out.problem);
		assert_int_equal(r, 0);
		assert_string_equal(code_kind_name(out.kind),
				    code_kind_name(c[i].kind));
		assert_int_equal(out.valid, c[i].valid);
		if (c[i].value)
			assert_string_equal(out.value, c[i].value);
		assert_string_equal(out.symbology,
				    c[i].symbology ? c[i].symbology : "");
		if (c[i].problem)
			assert_non_null(strstr(out.problem, c[i].problem));
		else if (c[i].valid)
			assert_string_equal(out.problem, "");
		else
			assert_int_not_equal(out.problem[0], '\0');
	}
}

static void test_code_gtin(void **state)
{
	static const struct code_case cases[] = {
	    {"5901234123457", CODE_GTIN, true, "05901234123457"},
	    {"5901234123458", CODE_GTIN, false, "05901234123458", NULL,
	     "GS1 check digit is 8, expected 7"},
	    {"96385074", CODE_GTIN, true, "00000096385074"},
	    {"96385075", CODE_GTIN, false, NULL, NULL,
	     "GS1 check digit is 5, expected 4"},
	    {"036000291452", CODE_GTIN, true, "00036000291452"},
	    {"15901234123454", CODE_GTIN, true, "15901234123454"},
	    {"05901234123457", CODE_GTIN, true, "05901234123457"},
	};

	code_case_run(cases, sizeof(cases) / sizeof(cases[0]), NULL);
}

static void test_code_sscc(void **state)
{
	struct code out;
	static const struct code_case cases[] = {
	    {"106141411234567897", CODE_SSCC, true, "106141411234567897"},
	    {"106141411234567898", CODE_SSCC, false, NULL, NULL,
	     "GS1 check digit is 8, expected 7"},
	    /* GS1-128 SSCC label read without AIM identifier */
	    {"00106141411234567897", CODE_SSCC, true, "106141411234567897"},
	    {"]C100106141411234567897", CODE_SSCC, true, "106141411234567897",
	     "]C1"},
	    {"(00)106141411234567897", CODE_SSCC, true, "106141411234567897"},
	    {"]C100106141411234567898", CODE_SSCC, false, NULL, "]C1",
	     "GS1 check digit of (00) is 8, expected 7"},
	};

	code_case_run(cases, sizeof(cases) / sizeof(cases[0]), NULL);
	assert_int_equal(
	    code_classify("]C100106141411234567897", 23, NULL, &out), 0);
	assert_true(out.gs1.has_sscc);
	assert_true(out.has_check_digit);
	assert_string_equal(out.gs1.sscc, "106141411234567897");
}

static void test_code_gs1(void **state)
{
	static const char *const same[] = {
	    "]C10105901234123457"
	    "10ABC" GS "17261231"
	    "21SN1",
	    GS "0105901234123457"
	       "10ABC" GS "17261231"
	       "21SN1" GS,
	    "(01)05901234123457(10)ABC(17)261231(21)SN1",
	    "]d2(01)05901234123457 (10)ABC (17)261231 (21)SN1\r\n",
	    /* a GS anywhere says GS1 even without AIM identifier */
	    "0105901234123457"
	    "10ABC" GS "17261231"
	    "21SN1",
	};

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		struct code out;

		assert_int_equal(
		    code_classify(same[i], strlen(same[i]), NULL, &out), 0);
		assert_int_equal(out.kind, CODE_GS1);
		assert_true(out.valid);
		assert_true(out.has_check_digit);
		assert_string_equal(out.problem, "");
		assert_string_equal(
		    out.value, "(01)05901234123457(10)ABC(17)261231(21)SN1");
		assert_true(out.gs1.has_gtin && out.gs1.has_batch &&
			    out.gs1.has_expiry && out.gs1.has_serial);
		assert_false(out.gs1.has_sscc);
		assert_string_equal(out.gs1.gtin, "05901234123457");
		assert_string_equal(out.gs1.batch, "ABC");
		assert_string_equal(out.gs1.expiry, "261231");
		assert_string_equal(out.gs1.serial, "SN1");
	}
}

static void test_code_gs1_bad(void **state)
{
	static const struct code_case cases[] = {
	    {"]d20105901234123458", CODE_GS1, false, NULL, "]d2",
	     "GS1 check digit of (01) is 8, expected 7"},
	    {"]Q3010590123412345717261331", CODE_GS1, false, NULL, "]Q3",
	     "(17) 261331 is not a date"},
	    {"]Q3010590123412345717260032", CODE_GS1, false, NULL, "]Q3",
	     "is not a date"},
	    /* day 00 means end of month in GS1 */
	    {"]Q3010590123412345717261200", CODE_GS1, true,
	     "(01)05901234123457(17)261200", "]Q3"},
	    {"]C124012345", CODE_GS1, false, NULL, "]C1",
	     "unsupported GS1 application identifier at \"2401\""},
	    {"(240)ABC", CODE_GS1, false, NULL, NULL,
	     "unsupported GS1 application identifier (240)"},
	    {"]C110ABCDEFGHIJKLMNOPQRSTU", CODE_GS1, false, NULL, "]C1",
	     "(10) longer than 20"},
	    {"]C110ABC" GS "10DEF", CODE_GS1, false, NULL, "]C1",
	     "(10) appears twice"},
	    {"]C101059012341234", CODE_GS1, false, NULL, "]C1",
	     "(01) needs 14 digits, got 12"},
	    {"]C10105901234123A57", CODE_GS1, false, NULL, "]C1",
	     "(01) has a bad character at position 12"},
	    {"]C1010590123412345710" GS "21X", CODE_GS1, false, NULL, "]C1",
	     "(10) has no data"},
	    {"(01)0590123412345", CODE_GS1, false, NULL, NULL,
	     "needs 14 digits"},
	    {"(01)05901234123457)", CODE_GS1, false, NULL, NULL,
	     "needs 14 digits"},
	    {"(0105901234123457", CODE_GS1, false, NULL, NULL,
	     "malformed GS1 AI"},
	    {GS GS, CODE_GS1, false, "", NULL, "without data"},
	    /* GS1 DataBar: lone (01) is still an element string */
	    {"]e00105901234123457", CODE_GS1, true, "(01)05901234123457",
	     "]e0"},
	    {"]C10105901234123457"
	     "3712345678",
	     CODE_GS1, true, "(01)05901234123457(37)12345678", "]C1"},
	    {"]C10105901234123457"
	     "37123456789",
	     CODE_GS1, false, NULL, "]C1", "(37) longer than 8"},
	};

	code_case_run(cases, sizeof(cases) / sizeof(cases[0]), NULL);
}

static void test_code_gs1_long_value(void **state)
{
	/* 76 characters in parenthesised form: whole elements are kept */
	const char *raw = "]C10105901234123457"
			  "10ABCDEFGHIJKLMNOPQRST" GS "17261231"
			  "21ABCDEFGHIJKLMNOPQRST";
	struct code out;

	assert_int_equal(code_classify(raw, strlen(raw), NULL, &out), 0);
	assert_int_equal(out.kind, CODE_GS1);
	assert_true(out.valid);
	assert_string_equal(out.value,
			    "(01)05901234123457(10)ABCDEFGHIJKLMNOPQRST"
			    "(17)261231");
	assert_string_equal(out.gs1.serial, "ABCDEFGHIJKLMNOPQRST");
}

static void test_code_carriers(void **state)
{
	static const struct code_case cases[] = {
	    /* UPS: published examples with a valid check digit */
	    {"1Z999AA10123456784", CODE_UPS, true, "1Z999AA10123456784"},
	    {"1ZWX0692YP40636269", CODE_UPS, true, "1ZWX0692YP40636269"},
	    {"1z648616e192760718", CODE_UPS, true, "1Z648616E192760718"},
	    {"1Z 999 AA1 01 2345 678 4", CODE_UPS, true, "1Z999AA10123456784"},
	    {"1Z999AA10123456785", CODE_UPS, false, NULL, NULL,
	     "UPS check digit is 5, expected 4"},
	    /* from UPS documentation, known to carry a bad check digit */
	    {"1Z12345E0205271688", CODE_UPS, false, NULL, NULL, "expected 6"},
	    {"1Z999AA1012345678X", CODE_UNKNOWN, false, NULL, NULL,
	     "not a known code format"},

	    {"RR123456785PL", CODE_UPU_S10, true, "RR123456785PL"},
	    {"rr123456785pl", CODE_UPU_S10, true, "RR123456785PL"},
	    {"EA000000005PL", CODE_UPU_S10, true}, /* 11 -> 5 */
	    {"RR000000080PL", CODE_UPU_S10, true}, /* 10 -> 0 */
	    {"RR123456784PL", CODE_UPU_S10, false, NULL, NULL,
	     "UPU S10 check digit is 4, expected 5"},

	    {"602677139332060016092474", CODE_INPOST, true,
	     "602677139332060016092474"},

	    /* 14 digits with a bad GTIN-14 check digit: a misread GTIN
	     * first, DPD only as the other reading (test_code_dpd_gtin) */
	    {"12345678901234", CODE_GTIN, false, "12345678901234", NULL,
	     "GTIN-14 check digit is 4, expected 1"},
	    {"1234567890123a", CODE_DPD, true, "1234567890123A"},
	    {"%007110601782532948375101276", CODE_DPD, true, "01782532948375"},
	    {"%00711060178253294837510127", CODE_UNKNOWN, false, NULL, NULL,
	     "not a known code format"},

	    {"3318810025", CODE_DHL, true, "3318810025"},
	    {"3318810026", CODE_DHL, false, NULL, NULL,
	     "DHL waybill check digit is 6, expected 5"},
	    {"JJD00390000000000001", CODE_DHL, true, "JJD00390000000000001"},
	    {"jjd0039000000000", CODE_DHL, true, "JJD0039000000000"},
	    {"JJD123456789", CODE_UNKNOWN, false},
	    {"JVGL06000000000001", CODE_DHL, true},

	    {"12345678901", CODE_GLS, true, "12345678901"},
	    {"123456789011", CODE_GLS, true, "123456789011"},
	    /* fails UPC-A, GLS, DHL and FedEx alike */
	    {"123456789013", CODE_GTIN, false, NULL, NULL, "misread?"},

	    {"986578788855", CODE_FEDEX, true, "986578788855"},
	    {"477179081230", CODE_FEDEX, true, "477179081230"},
	    {"449044304137821", CODE_FEDEX, true},
	    {"1001901781990001000300617767839437", CODE_FEDEX, true,
	     "617767839437"},
	    {"1001901781990001000300617767839438", CODE_FEDEX, false,
	     "617767839438", NULL, "FedEx check digit is 8, expected 7"},
	};

	code_case_run(cases, sizeof(cases) / sizeof(cases[0]), NULL);
}

/* Digit-only formats that collide, resolved as documented in code_classify.c.
 */
static void test_code_collisions(void **state)
{
	static const struct code_case cases[] = {
	    /* valid as UPC-A and as FedEx: GTIN wins */
	    {"797806677146", CODE_GTIN, true, "00797806677146"},
	    /* FedEx misread whose GLS check digit happens to hold */
	    {"986578788856", CODE_GLS, true},
	    /* valid GTIN-14 wins over a DPD parcel number */
	    {"15901234123454", CODE_GTIN, true},
	    /* 13 digits: no carrier uses them, so a misread is refused */
	    {"5901234123450", CODE_GTIN, false, NULL, NULL, "expected 7"},
	    /* an 18-digit misread is not passed off as anything else */
	    {"106141411234567890", CODE_SSCC, false},
	    /* the symbology says EAN/UPC: no fallback to GLS */
	    {"]E0123456789013", CODE_GTIN, false, NULL, "]E0",
	     "GS1 check digit is 3, expected 2"},
	};

	code_case_run(cases, sizeof(cases) / sizeof(cases[0]), NULL);
}

/* Each carrier's own check digit, from the public descriptions cited in
 * code_carrier.c: a good and a wrong one. */
static void test_code_carrier_check_digits(void **state)
{
	static const struct code_case cases[] = {
	    /* GLS: GS1's weights plus one */
	    {"036000291451", CODE_GLS, true, "036000291451"},
	    {"123456789011", CODE_GLS, true},
	    /* DHL identcode, weights 4 and 9 */
	    {"123456789016", CODE_DHL, true, "123456789016"},
	    {"201298452277", CODE_DHL, true, "201298452277"},
	    /* DHL 20 digits, GS1's weights over 19 */
	    {"12345678901234567890", CODE_DHL, true, "12345678901234567890"},
	    {"12345678901234567891", CODE_DHL, false, NULL, NULL,
	     "DHL check digit is 1, expected 0"},
	    /* ... or an SSCC with its AI, the 20 digits the other reading */
	    {"00340433836442636597", CODE_SSCC, true, "340433836442636597"},
	    {"00340433836442636598", CODE_SSCC, false, NULL, NULL,
	     "SSCC check digit is 8, expected 7"},
	    /* UPU S10: the standard's own example serial 47312482 -> 9 */
	    {"RR473124829PL", CODE_UPU_S10, true},
	    {"RR473124828PL", CODE_UPU_S10, false, NULL, NULL, "expected 9"},
	};

	code_case_run(cases, sizeof(cases) / sizeof(cases[0]), NULL);
	assert_true(code_gls_check_digit_ok("036000291451"));
	assert_false(code_gls_check_digit_ok("036000291452"));
	assert_false(code_gls_check_digit_ok("03600029145"));
	assert_false(code_gls_check_digit_ok(NULL));
	assert_true(code_dhl_identcode_check_digit_ok("201298452277"));
	assert_false(code_dhl_identcode_check_digit_ok("201298452276"));
	assert_false(code_dhl_identcode_check_digit_ok("20129845227a"));
	assert_true(code_ups_check_digit_ok("1Z999AA10123456784"));
	assert_true(code_s10_check_digit_ok("473124829"));
}

/* A 12-digit code whose UPC-A check digit fails is no GLS number unless
 * the GLS check digit holds: a misread UPC-A is refused. */
static void test_code_upc_a_wrong_digit_invalid(void **state)
{
	struct code c;

	/* 036000291452 is a valid UPC-A; ...453 holds for no format */
	assert_int_equal(code_classify("036000291453", 12, NULL, &c), 0);
	assert_int_equal(c.kind, CODE_GTIN);
	assert_false(c.valid);
	assert_int_equal(c.n_other, 0);
	assert_non_null(strstr(c.problem, "UPC-A check digit is 3, "
					  "expected 2"));
	assert_int_equal(code_classify("036000291452", 12, NULL, &c), 0);
	assert_int_equal(c.kind, CODE_GTIN);
	assert_true(c.valid);
	assert_string_equal(c.value, "00036000291452");
}

/* Where several 12-digit formats hold, each is a reading. */
static void test_code_twelve_digit_readings(void **state)
{
	struct code c;

	/* DHL's example holds for DHL, GLS and FedEx alike */
	assert_int_equal(code_classify("201298452277", 12, NULL, &c), 0);
	assert_int_equal(c.kind, CODE_DHL);
	assert_true(c.valid);
	assert_int_equal(c.n_other, 2);
	assert_int_equal(c.other[0].kind, CODE_GLS);
	assert_int_equal(c.other[1].kind, CODE_FEDEX);
	assert_string_equal(c.other[1].value, "201298452277");
	/* a UPC-A that is also a FedEx number: the product code first */
	assert_int_equal(code_classify("797806677146", 12, NULL, &c), 0);
	assert_int_equal(c.kind, CODE_GTIN);
	assert_int_equal(c.n_other, 1);
	assert_int_equal(c.other[0].kind, CODE_FEDEX);
	assert_true(c.other[0].valid);
	assert_true(c.other[0].has_check_digit);
	assert_string_equal(c.other[0].value, "797806677146");
}

/* 05901234123458: a GTIN-14 whose check digit fails, and a DPD number,
 * which carries none.  Both readings, the misread first. */
static void test_code_dpd_gtin(void **state)
{
	char words[96];
	struct code c;

	assert_int_equal(code_classify("05901234123458", 14, NULL, &c), 0);
	assert_int_equal(c.kind, CODE_GTIN);
	assert_false(c.valid);
	assert_true(c.has_check_digit);
	assert_non_null(strstr(c.problem, "expected 7"));
	assert_int_equal(c.n_other, 1);
	assert_int_equal(c.other[0].kind, CODE_DPD);
	assert_true(c.other[0].valid);
	assert_false(c.other[0].has_check_digit);
	assert_string_equal(c.other[0].value, "05901234123458");
	code_reading_describe(c.kind, c.valid, c.has_check_digit, words,
			      sizeof(words));
	assert_string_equal(words, "GTIN product code with a wrong check digit "
				   "(misread?)");
	code_reading_describe(c.other[0].kind, c.other[0].valid,
			      c.other[0].has_check_digit, words, sizeof(words));
	assert_string_equal(words,
			    "DPD parcel number (no check digit to verify)");
	/* a good GTIN-14 still reads as DPD too */
	assert_int_equal(code_classify("05901234123457", 14, NULL, &c), 0);
	assert_true(c.valid);
	assert_int_equal(c.kind, CODE_GTIN);
	assert_int_equal(c.n_other, 1);
	assert_int_equal(c.other[0].kind, CODE_DPD);
	/* the EAN/UPC symbology leaves no room for a parcel number */
	assert_int_equal(code_classify("]E05901234123458", 16, NULL, &c), 0);
	assert_int_equal(c.n_other, 0);
}

static bool test_is_badge(const char *text, void *ctx)
{
	const char *const *badges = ctx;

	for (; *badges; badges++)
		if (!strcmp(*badges, text))
			return true;
	return false;
}

/* A badge the caller knows is a badge before anything else, even when it
 * looks like an order number or a product code. */
static void test_code_badge(void **state)
{
	static const char *const badges[] = {"CLERK-0001", "12345670", NULL};
	struct code_patterns p = {.rma = "RMA-*",
				  .order = "ORD-*",
				  .is_badge = test_is_badge,
				  .badge_ctx = (void *)badges};
	struct code c;

	assert_int_equal(code_classify("CLERK-0001\r\n", 12, &p, &c), 0);
	assert_int_equal(c.kind, CODE_BADGE);
	assert_true(c.valid);
	assert_string_equal(c.value, "CLERK-0001");
	assert_string_equal(code_kind_name(c.kind), "badge");
	assert_int_equal(code_classify("12345670", 8, &p, &c), 0);
	assert_int_equal(c.kind, CODE_BADGE);
	assert_int_equal(code_classify("CLERK-0002", 10, &p, &c), 0);
	assert_int_equal(c.kind, CODE_UNKNOWN);
	assert_int_equal(code_classify("ORD-2001", 8, &p, &c), 0);
	assert_int_equal(c.kind, CODE_ORDER);
}

static void test_code_aim_and_whitespace(void **state)
{
	static const struct code_case cases[] = {
	    {"]E05901234123457", CODE_GTIN, true, "05901234123457", "]E0"},
	    {"]E05901234123458", CODE_GTIN, false, NULL, "]E0", "expected 7"},
	    {"]E496385074", CODE_GTIN, true, "00000096385074", "]E4"},
	    {"]E0ABC", CODE_UNKNOWN, false, NULL, "]E0", "EAN/UPC"},
	    {"]E0ABCDEFGHIJKLM", CODE_GTIN, false, NULL, "]E0",
	     "EAN/UPC symbol with non-digits"},
	    {"]A0RR123456785PL", CODE_UPU_S10, true, "RR123456785PL", "]A0"},
	    {"]C03318810025", CODE_DHL, true, "3318810025", "]C0"},
	    {"]I115901234123454", CODE_GTIN, true, NULL, "]I1"},
	    {" \r\n5901234123457\r\n", CODE_GTIN, true},
	    {"\t5901234123457\t ", CODE_GTIN, true},
	    {"5901234123457\r\n96385074", CODE_UNKNOWN, false, "5901234123457",
	     NULL, "line break inside the scan"},
	    {"hello world", CODE_UNKNOWN, false, "helloworld", NULL,
	     "not a known code format"},
	    {"12345", CODE_UNKNOWN, false, "12345", NULL,
	     "not a known code format"},
	    {"]", CODE_UNKNOWN, false, "]", NULL, "not a known"},
	};

	code_case_run(cases, sizeof(cases) / sizeof(cases[0]), NULL);
}

static void test_code_prefix_suffix(void **state)
{
	static const struct code_patterns p = {
	    .strip_prefix = "STX",
	    .strip_suffix = "ETX",
	};
	static const struct code_case cases[] = {
	    {"STX5901234123457ETX\r\n", CODE_GTIN, true, "05901234123457"},
	    {"STX]E05901234123457ETX", CODE_GTIN, true, "05901234123457",
	     "]E0"},
	    {"]E0STX5901234123457ETX", CODE_GTIN, true, "05901234123457",
	     "]E0"},
	    {"5901234123457ETX", CODE_GTIN, true},
	    /* only exact, case-sensitive prefixes are dropped */
	    {"stx5901234123457", CODE_UNKNOWN, false},
	};
	struct code out;

	code_case_run(cases, sizeof(cases) / sizeof(cases[0]), &p);
	assert_int_equal(code_classify("STXETX", 6, &p, &out), -EINVAL);
	assert_int_equal(out.kind, CODE_UNKNOWN);
	assert_non_null(strstr(out.problem, "nothing left"));
}

static void test_code_refused(void **state)
{
	static const struct {
		const char *raw;
		size_t len;
		const char *problem;
	} cases[] = {
	    {"", 0, "empty scan"},
	    {"590\0001234123457", 14, "NUL byte at offset 3"},
	    {"5901234123457\xc3\xa9", 15, "non-ASCII byte 0xc3 at offset 13"},
	    {"59012\x7f", 6, "non-ASCII byte 0x7f"},
	    {"\x01"
	     "5901234123457",
	     14, "control byte 0x01 at offset 0"},
	    {"5901234123457\x1b", 14, "control byte 0x1b"},
	    {"\r\n", 2, "nothing left"},
	    {"  \t ", 4, "nothing left"},
	    {"]C1", 3, "nothing left after stripping the symbology"},
	};
	char big[CODE_MAX_RAW + 1];
	struct code out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&out, 0x55, sizeof(out));
		assert_int_equal(
		    code_classify(cases[i].raw, cases[i].len, NULL, &out),
		    -EINVAL);
		assert_int_equal(out.kind, CODE_UNKNOWN);
		assert_false(out.valid);
		assert_string_equal(out.value, "");
		assert_non_null(strstr(out.problem, cases[i].problem));
	}

	memset(big, 'A', sizeof(big));
	assert_int_equal(code_classify(big, CODE_MAX_RAW + 1, NULL, &out),
			 -EINVAL);
	assert_non_null(strstr(out.problem, "longer than 256"));
	/* the limit itself is accepted: it is unknown, not refused */
	assert_int_equal(code_classify(big, CODE_MAX_RAW, NULL, &out), 0);
	assert_int_equal(out.kind, CODE_UNKNOWN);
	assert_int_equal(strlen(out.value), CODE_VALUE_LEN - 1);

	assert_int_equal(code_classify(NULL, 5, NULL, &out), -EINVAL);
	assert_int_equal(code_classify("123", 3, NULL, NULL), -EINVAL);
}

static void test_code_pattern_match(void **state)
{
	static const struct {
		const char *pattern, *value;
		bool match;
	} cases[] = {
	    {"RMA-#####", "RMA-12345", true},
	    {"RMA-#####", "rma-12345", true},
	    {"rma-#####", "RMA-12345", true},
	    {"RMA-#####", "RMA-1234", false},
	    {"RMA-#####", "RMA-123456", false},
	    {"RMA-#####", "RMA-1234A", false},
	    {"RMA-#####", "RMX-12345", false},
	    {"ORD-*", "ORD-", false},
	    {"ORD-*", "ORD-A1b2", true},
	    {"ORD-*", "ORD-A1-2", false},
	    {"*-*", "AB-CD", true},
	    {"*-*", "AB--CD", false},
	    {"*-*", "-CD", false},
	    {"*-#", "A-B-1", false},
	    {"*#", "AB12", true},
	    {"#*#", "1A2", true},
	    {"#*#", "12", false},
	    {"**", "A", false},
	    {"**", "AB", true},
	    {"@@#", "ab1", true},
	    {"@@#", "a11", false},
	    {"@", "", false},
	    {"*", "", false},
	    {"", "", false},
	    {"", "X", false},
	    {NULL, "X", false},
	    {"X", NULL, false},
	};
	char longval[CODE_MAX_RAW + 2];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = code_pattern_match(cases[i].pattern, cases[i].value);

		if (got != cases[i].match)
			print_message(
			    "pattern \"%s\" value \"%s\"\n",
			    cases[i].pattern ? cases[i].pattern : "(null)",
			    cases[i].value ? cases[i].value : "(null)");
		assert_int_equal(got, cases[i].match);
	}

	/* many stars against a long near-miss must still answer (no
	 * exponential backtracking) */
	memset(longval, 'A', CODE_MAX_RAW - 1);
	longval[CODE_MAX_RAW - 1] = '!';
	longval[CODE_MAX_RAW] = '\0';
	assert_false(code_pattern_match("*-*-*-*-*-*-*-*-*-*-*-*", longval));
	assert_false(code_pattern_match("************!A", longval));
	assert_true(code_pattern_match("************!", longval));
	/* values beyond CODE_MAX_RAW never match */
	memset(longval, 'A', sizeof(longval) - 1);
	longval[sizeof(longval) - 1] = '\0';
	assert_false(code_pattern_match("*", longval));
}

static void test_code_shop_patterns(void **state)
{
	static const struct code_patterns p = {
	    .rma = "RMA-#####",
	    .order = "########",
	};
	static const struct code_patterns spaced = {
	    .rma = "R #####",
	    .order = "ORD#####",
	};
	static const struct code_patterns star = {.rma = "*"};
	static const struct code_case cases[] = {
	    {"rma-00042", CODE_RMA, true, "RMA-00042"},
	    {" RMA-00042\r\n", CODE_RMA, true, "RMA-00042"},
	    {"]C0RMA-00042", CODE_RMA, true, "RMA-00042", "]C0"},
	    /* a valid EAN-8, but the shop's order numbers come first */
	    {"96385074", CODE_ORDER, true, "96385074"},
	    {"96385075", CODE_ORDER, true, "96385075"},
	    {"5901234123457", CODE_GTIN, true},
	    {"RMA-0004", CODE_UNKNOWN, false},
	};
	static const struct code_case spaced_cases[] = {
	    {"R 12345", CODE_RMA, true, "R 12345"},
	    {"R12345", CODE_UNKNOWN, false},
	    {"ORD 12345", CODE_ORDER, true, "ORD12345"},
	};
	char longval[100];
	struct code out;

	code_case_run(cases, sizeof(cases) / sizeof(cases[0]), &p);
	code_case_run(spaced_cases,
		      sizeof(spaced_cases) / sizeof(spaced_cases[0]), &spaced);

	/* a value that would be truncated is refused, not cut */
	memset(longval, 'A', sizeof(longval));
	assert_int_equal(code_classify(longval, sizeof(longval), &star, &out),
			 0);
	assert_int_equal(out.kind, CODE_RMA);
	assert_false(out.valid);
	assert_non_null(strstr(out.problem, "longer than"));
}

static void test_code_check_digit_helpers(void **state)
{
	assert_true(code_gs1_check_digit_ok("5901234123457", 13));
	assert_false(code_gs1_check_digit_ok("5901234123458", 13));
	assert_true(code_gs1_check_digit_ok("106141411234567897", 18));
	assert_false(code_gs1_check_digit_ok("7", 1));
	assert_false(code_gs1_check_digit_ok("59012341234A7", 13));
	assert_false(code_gs1_check_digit_ok(NULL, 13));

	assert_true(code_s10_check_digit_ok("123456785"));
	assert_false(code_s10_check_digit_ok("123456784"));
	assert_true(code_s10_check_digit_ok("000000080"));
	assert_false(code_s10_check_digit_ok("12345678"));
	assert_false(code_s10_check_digit_ok("1234A6785"));
	assert_false(code_s10_check_digit_ok(NULL));

	assert_true(code_ups_check_digit_ok("1Z999AA10123456784"));
	assert_true(code_ups_check_digit_ok("1z2203480342495730"));
	assert_false(code_ups_check_digit_ok("1Z999AA10123456785"));
	assert_false(code_ups_check_digit_ok("1Z999AA1012345678"));
	assert_false(code_ups_check_digit_ok("1Z999AA101234567840"));
	assert_false(code_ups_check_digit_ok("2Z999AA10123456784"));
	assert_false(code_ups_check_digit_ok("1Z"));
	assert_false(code_ups_check_digit_ok(NULL));
}

static void test_code_kind_name(void **state)
{
	assert_string_equal(code_kind_name(CODE_UNKNOWN), "unknown");
	assert_string_equal(code_kind_name(CODE_GTIN), "gtin");
	assert_string_equal(code_kind_name(CODE_SSCC), "sscc");
	assert_string_equal(code_kind_name(CODE_GS1), "gs1");
	assert_string_equal(code_kind_name(CODE_UPS), "ups");
	assert_string_equal(code_kind_name(CODE_UPU_S10), "upu_s10");
	assert_string_equal(code_kind_name(CODE_INPOST), "inpost");
	assert_string_equal(code_kind_name(CODE_DPD), "dpd");
	assert_string_equal(code_kind_name(CODE_DHL), "dhl");
	assert_string_equal(code_kind_name(CODE_GLS), "gls");
	assert_string_equal(code_kind_name(CODE_FEDEX), "fedex");
	assert_string_equal(code_kind_name(CODE_RMA), "rma");
	assert_string_equal(code_kind_name(CODE_ORDER), "order");
	assert_string_equal(code_kind_name((enum code_kind)99), "unknown");
	assert_string_equal(code_kind_name((enum code_kind) - 1), "unknown");
}

static uint32_t code_test_rand(uint32_t *s)
{
	/* xorshift32: fixed seed, same sequence on every run */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void code_check_invariants(int r, const struct code *out)
{
	size_t vl = strnlen(out->value, sizeof(out->value));

	assert_true(r == 0 || r == -EINVAL);
	assert_true(vl < sizeof(out->value));
	assert_true(strnlen(out->problem, sizeof(out->problem)) <
		    sizeof(out->problem));
	assert_true(strnlen(out->symbology, sizeof(out->symbology)) <
		    sizeof(out->symbology));
	assert_true((unsigned int)out->kind <= CODE_ORDER);
	/* a verdict always comes with its reason */
	assert_int_equal(out->valid, out->problem[0] == '\0');
	if (r < 0)
		assert_int_equal(out->kind, CODE_UNKNOWN);
	for (size_t i = 0; i < vl; i++)
		assert_true(out->value[i] >= 0x20 && out->value[i] < 0x7f);
	if (out->valid)
		assert_int_not_equal(out->kind, CODE_UNKNOWN);
}

static void test_code_random_bytes(void **state)
{
	/* biased towards the characters the parsers branch on */
	static const char alphabet[] = "0123456789()]%" GS "\r\n \tZzJDVGLQCde"
				       "ABCRMA-#*@!";
	static const struct code_patterns p = {
	    .rma = "RMA-*-#",
	    .order = "##@*",
	    .strip_prefix = "]",
	    .strip_suffix = "\r",
	};
	char buf[CODE_MAX_RAW + 8];
	uint32_t seed = 0x5eed1234;
	struct code out;

	for (int i = 0; i < 200000; i++) {
		size_t len = code_test_rand(&seed) % (sizeof(buf) + 1);
		bool wild = code_test_rand(&seed) % 4 == 0;
		int r;

		if (i % 3 == 0)
			len %= 40; /* most codes are short */
		for (size_t j = 0; j < len; j++) {
			uint32_t x = code_test_rand(&seed);

			buf[j] = wild ? (char)(x & 0xff)
				      : alphabet[x % (sizeof(alphabet) - 1)];
		}
		r = code_classify(buf, len, (i & 1) ? &p : NULL, &out);
		code_check_invariants(r, &out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_code_gtin),
	    cmocka_unit_test(test_code_sscc),
	    cmocka_unit_test(test_code_gs1),
	    cmocka_unit_test(test_code_gs1_bad),
	    cmocka_unit_test(test_code_gs1_long_value),
	    cmocka_unit_test(test_code_carriers),
	    cmocka_unit_test(test_code_collisions),
	    cmocka_unit_test(test_code_carrier_check_digits),
	    cmocka_unit_test(test_code_upc_a_wrong_digit_invalid),
	    cmocka_unit_test(test_code_twelve_digit_readings),
	    cmocka_unit_test(test_code_dpd_gtin),
	    cmocka_unit_test(test_code_badge),
	    cmocka_unit_test(test_code_aim_and_whitespace),
	    cmocka_unit_test(test_code_prefix_suffix),
	    cmocka_unit_test(test_code_refused),
	    cmocka_unit_test(test_code_pattern_match),
	    cmocka_unit_test(test_code_shop_patterns),
	    cmocka_unit_test(test_code_check_digit_helpers),
	    cmocka_unit_test(test_code_kind_name),
	    cmocka_unit_test(test_code_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
