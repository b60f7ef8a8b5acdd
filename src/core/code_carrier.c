/* SPDX-License-Identifier: MIT */
/*
 * Carrier tracking numbers: UPS 1Z, UPU S10 (Poczta Polska and other
 * posts), InPost, DPD, DHL, GLS and FedEx, with the check digit of each
 * format that carries one.
 *
 * Digit-only formats collide (a 12-digit FedEx number is also a UPC-A);
 * the rules that settle a collision are in code_digits_classify().
 */
#include <string.h>

#include "code_result.h"
#include "retour/code.h"

/*
 * UPU S10 check digit of 8 serial digits (UPU standard S10): weights 8, 6,
 * 4, 2, 3, 5, 9, 7 from the left, C = 11 - (sum mod 11), with 10 written
 * as 0 and 11 as 5; the standard's example 47312482 gives 9.  -1 if not 8
 * digits.
 */
static int code_s10_check_digit(const char *s)
{
	static const unsigned int weights[8] = {8, 6, 4, 2, 3, 5, 9, 7};
	unsigned int sum = 0;
	int check;

	for (size_t i = 0; i < 8; i++) {
		if (!code_is_digit(s[i]))
			return -1;
		sum += weights[i] * (unsigned int)(s[i] - '0');
	}
	check = 11 - (int)(sum % 11);
	if (check == 10)
		check = 0;
	else if (check == 11)
		check = 5;
	return check;
}

bool code_s10_check_digit_ok(const char *nine_digits)
{
	int check;

	if (!nine_digits)
		return false;
	check = code_s10_check_digit(nine_digits);
	return check >= 0 && code_is_digit(nine_digits[8]) &&
	       check == nine_digits[8] - '0';
}

/*
 * UPS check digit over the 15 characters between "1Z" and the check digit:
 * letters count as (letter - 'A' + 2) % 10, every second character doubled,
 * the check digit takes the sum up to the next multiple of ten (paketda.de,
 * section 6; UPS's own example 1Z 999 AA1 01 2345 6784).  -1 when the
 * characters are not alphanumeric.
 */
static int code_ups_check_digit(const char *body15)
{
	unsigned int sum = 0;

	for (size_t i = 0; i < 15; i++) {
		char c = code_to_upper(body15[i]);
		unsigned int v;

		if (code_is_digit(c))
			v = (unsigned int)(c - '0');
		else if (c >= 'A' && c <= 'Z')
			v = (unsigned int)(c - 'A' + 2) % 10;
		else
			return -1;
		sum += (i % 2) ? 2 * v : v;
	}
	return (int)((10 - sum % 10) % 10);
}

bool code_ups_check_digit_ok(const char *tracking)
{
	int check;

	if (!tracking || tracking[0] != '1' ||
	    code_to_upper(tracking[1]) != 'Z')
		return false;
	/* stops at a NUL before reading past a short string */
	check = code_ups_check_digit(tracking + 2);
	return check >= 0 && code_is_digit(tracking[17]) &&
	       tracking[18] == '\0' && check == tracking[17] - '0';
}

/*
 * FedEx Express 12-digit number: weights 1,3,7 repeating from the digit next
 * to the check digit, sum mod 11, 10 counts as 0.  (1,7,3 as sometimes
 * quoted rejects the numbers FedEx itself publishes, e.g. 797806677146.)
 */
static int code_fedex_check_digit(const char *s)
{
	static const unsigned int weights[3] = {1, 3, 7};
	unsigned int sum = 0;

	for (size_t i = 0; i < 11; i++)
		sum += weights[i % 3] * (unsigned int)(s[10 - i] - '0');
	return (int)(sum % 11 % 10);
}

/* DHL Express 10-digit waybill: the first nine digits as a number mod 7
 * (paketda.de, "Prüfziffern-Berechnung für Paketnummern", section 4). */
static int code_dhl_check_digit(const char *s)
{
	unsigned long long v = 0;

	for (size_t i = 0; i < 9; i++)
		v = v * 10 + (unsigned long long)(s[i] - '0');
	return (int)(v % 7);
}

/*
 * GLS parcel number, 11 digits + check digit: the digits weighted 3, 1,
 * 3, ... from the left, plus 1; the check digit takes the sum up to the
 * next multiple of ten (GLS Uni-Box technical documentation 2D, section
 * 3.2.1; paketda.de, "Prüfziffern-Berechnung für Paketnummern", section
 * 5).  Over 11 digits those are GS1's weights, so the "+ 1" makes the GLS
 * check digit one less than the GS1 one: a 12-digit code passes at most
 * one of the two, and one that passes neither is a misread.
 */
static int code_gls_check_digit(const char *s)
{
	unsigned int sum = 1;

	for (size_t i = 0; i < 11; i++)
		sum += (i % 2 ? 1u : 3u) * (unsigned int)(s[i] - '0');
	return (int)((10 - sum % 10) % 10);
}

bool code_gls_check_digit_ok(const char *twelve_digits)
{
	if (!twelve_digits || strnlen(twelve_digits, 13) != 12 ||
	    !code_all_digits(twelve_digits, 12))
		return false;
	return code_gls_check_digit(twelve_digits) == twelve_digits[11] - '0';
}

/*
 * DHL Paket identcode, 11 digits + check digit: the digits weighted 4, 9,
 * 4, ... from the left; the check digit takes the sum up to the next
 * multiple of ten (paketda.de, section 3; its example 201298452277).
 */
static int code_dhl_identcode_check_digit(const char *s)
{
	unsigned int sum = 0;

	for (size_t i = 0; i < 11; i++)
		sum += (i % 2 ? 9u : 4u) * (unsigned int)(s[i] - '0');
	return (int)((10 - sum % 10) % 10);
}

bool code_dhl_identcode_check_digit_ok(const char *twelve_digits)
{
	if (!twelve_digits || strnlen(twelve_digits, 13) != 12 ||
	    !code_all_digits(twelve_digits, 12))
		return false;
	return code_dhl_identcode_check_digit(twelve_digits) ==
	       twelve_digits[11] - '0';
}

static void code_check_failed(struct code *out, const char *what, char got,
			      int want)
{
	out->valid = false;
	code_set_problem(out, "%s check digit is %c, expected %d", what, got,
			 want);
}

/*
 * Twelve digits: a UPC-A, a DHL identcode, a GLS or a FedEx Express
 * number, each with a check digit of its own.  Every format whose check
 * digit holds is a reading, UPC-A first (a product code is what the item
 * step wants); the others follow in other[].  When none holds, the code
 * is a misread and refused: a GLS number carries a check digit too, so it
 * is no excuse for a UPC-A whose check digit fails.
 */
static void code_twelve_classify(const char *s, struct code *out)
{
	static const enum code_kind order[] = {CODE_DHL, CODE_GLS, CODE_FEDEX};
	bool holds[CODE_ARRAY_SIZE(order)];
	bool read = code_gs1_check_digit_ok(s, 12); /* a reading stands */

	holds[0] = code_dhl_identcode_check_digit(s) == s[11] - '0';
	holds[1] = code_gls_check_digit(s) == s[11] - '0';
	holds[2] = code_fedex_check_digit(s) == s[11] - '0';
	if (read)
		code_gtin_classify(s, 12, out);
	for (size_t i = 0; i < CODE_ARRAY_SIZE(order); i++) {
		if (!holds[i])
			continue;
		if (read)
			code_add_other(out, order[i], s, 12, true, true);
		else
			code_set_result(out, order[i], s, 12, true);
		read = true;
	}
	if (read)
		return;
	code_gtin_classify(s, 12, out);
	code_set_problem(out,
			 "UPC-A check digit is %c, expected %d, and no GLS, "
			 "DHL or FedEx check digit holds: misread?",
			 s[11], code_gs1_check_digit(s, 11));
}

/*
 * Fourteen digits: a GTIN-14 or a DPD parcel number.  DPD prints its check
 * character only in the human-readable line, so the bars carry none to
 * check: any 14 digits may be a DPD number.  The GTIN-14 reading comes
 * first, valid or not; the DPD reading is always the other one, and only
 * an expected return carrying it makes it the parcel's (desk_scan.c).
 */
static void code_fourteen_classify(const char *s, struct code *out)
{
	code_gtin_classify(s, 14, out);
	if (!out->valid)
		code_set_problem(out,
				 "GTIN-14 check digit is %c, expected %d "
				 "(misread?)",
				 s[13], code_gs1_check_digit(s, 13));
	code_add_other(out, CODE_DPD, s, 14, true, false);
}

/*
 * Twenty digits: DHL's 20-digit parcel number, GS1's weights 3, 1, ...
 * from the left over 19 digits (paketda.de, section 2, example
 * 00340433836442636597).  One that starts with 00 is an SSCC read with
 * its application identifier and no AIM identifier; its value for lookup
 * is the SSCC, and the 20 digits as DHL prints them are the other reading.
 */
static void code_twenty_classify(const char *s, struct code *out)
{
	bool sscc = s[0] == '0' && s[1] == '0';
	int want = code_gs1_check_digit(s, 19);

	if (sscc) {
		code_set_result(out, CODE_SSCC, s + 2, 18, true);
		out->gs1.has_sscc = true;
		memcpy(out->gs1.sscc, s + 2, 18);
		out->gs1.sscc[18] = '\0';
	} else {
		code_set_result(out, CODE_DHL, s, 20, true);
	}
	if (want != s[19] - '0') {
		code_check_failed(out, sscc ? "SSCC" : "DHL", s[19], want);
		return;
	}
	if (sscc)
		code_add_other(out, CODE_DHL, s, 20, true, true);
}

/*
 * Digit-only scans.  Collisions and how they are resolved:
 *   8, 13  EAN-8/EAN-13 only; a bad check digit is refused as an invalid
 *          gtin (no carrier in our list uses bare 8 or 13 digits).
 *   12     code_twelve_classify(): every format whose check digit holds.
 *   14     code_fourteen_classify(): GTIN-14, and DPD as the other reading.
 *   18     SSCC, refused if the check digit is wrong.
 *   20     code_twenty_classify(): DHL, or "00" + SSCC.
 */
void code_digits_classify(const char *s, size_t n, struct code *out)
{
	int want;

	switch (n) {
	case 8:
	case 13:
		code_gtin_classify(s, n, out);
		return;
	case 10:
		code_set_result(out, CODE_DHL, s, n, true);
		want = code_dhl_check_digit(s);
		if (want != s[9] - '0')
			code_check_failed(out, "DHL waybill", s[9], want);
		return;
	case 11:
		/* a GLS number as written without its check digit */
		code_set_result(out, CODE_GLS, s, n, false);
		return;
	case 12:
		code_twelve_classify(s, out);
		return;
	case 14:
		code_fourteen_classify(s, out);
		return;
	case 15:
		code_set_result(out, CODE_FEDEX, s, n, false);
		return;
	case 18:
		code_set_result(out, CODE_SSCC, s, n, true);
		out->gs1.has_sscc = true;
		memcpy(out->gs1.sscc, s, 18);
		out->gs1.sscc[18] = '\0';
		want = code_gs1_check_digit(s, 17);
		if (want != s[17] - '0')
			code_check_failed(out, "GS1", s[17], want);
		return;
	case 20:
		code_twenty_classify(s, out);
		return;
	case 24:
		code_set_result(out, CODE_INPOST, s, n, false);
		return;
	case 34:
		/* FedEx Express barcode: tracking number in the last 12 */
		code_set_result(out, CODE_FEDEX, s + 22, 12, true);
		want = code_fedex_check_digit(s + 22);
		if (want != s[33] - '0')
			code_check_failed(out, "FedEx", s[33], want);
		return;
	default:
		break;
	}
	out->kind = CODE_UNKNOWN;
	code_set_value(out, s, n);
	code_set_problem(out, "not a known code format (%zu digits)", n);
}

static bool code_has_prefix_digits(const char *s, size_t n, const char *prefix,
				   size_t min, size_t max)
{
	size_t pl = strlen(prefix);

	return n >= pl + min && n <= pl + max && !memcmp(s, prefix, pl) &&
	       code_all_digits(s + pl, n - pl);
}

/* @s is upper-cased, without spaces, and not all digits. */
void code_alnum_classify(const char *s, size_t n, struct code *out)
{
	int want;

	if (n == 18 && s[0] == '1' && s[1] == 'Z') {
		want = code_ups_check_digit(s + 2);
		if (want >= 0 && code_is_digit(s[17])) {
			code_set_result(out, CODE_UPS, s, n, true);
			if (want != s[17] - '0')
				code_check_failed(out, "UPS", s[17], want);
			return;
		}
	}
	if (n == 13 && code_is_alpha(s[0]) && code_is_alpha(s[1]) &&
	    code_all_digits(s + 2, 9) && code_is_alpha(s[11]) &&
	    code_is_alpha(s[12])) {
		code_set_result(out, CODE_UPU_S10, s, n, true);
		want = code_s10_check_digit(s + 2);
		if (want != s[10] - '0')
			code_check_failed(out, "UPU S10", s[10], want);
		return;
	}
	if (code_has_prefix_digits(s, n, "JJD", 10, 30) ||
	    code_has_prefix_digits(s, n, "JVGL", 6, 30)) {
		code_set_result(out, CODE_DHL, s, n, false);
		return;
	}
	if (n == 14 && code_all_digits(s, 13) && code_is_alpha(s[13])) {
		code_set_result(out, CODE_DPD, s, n, false);
		return;
	}
	if (n == 28 && s[0] == '%' && code_all_digits(s + 8, 14)) {
		/* %, 7 postcode, 14 parcel number, 3 service, 3 country */
		bool ok = true;

		for (size_t i = 1; i < n; i++)
			ok = ok && code_is_alnum(s[i]);
		if (ok) {
			code_set_result(out, CODE_DPD, s + 8, 14, false);
			return;
		}
	}
	out->kind = CODE_UNKNOWN;
	code_set_problem(out, "not a known code format");
}
