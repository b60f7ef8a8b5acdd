/* SPDX-License-Identifier: MIT */
/*
 * Scanned-code classifier (DESIGN section 5): turns the bytes a scanner
 * delivered into a kind (product, SSCC, GS1 element string, carrier tracking
 * number, shop RMA or order number), a normalised value and a verdict on the
 * check digit.  A misread with a wrong check digit is reported invalid, never
 * guessed into something else.
 *
 * It deliberately does not look anything up, talk to a carrier, allocate or
 * keep state: the caller decides what an invalid or unknown code means.
 *
 * Order of the decisions, documented because digit-only formats collide:
 *   1. shop patterns (RMA, then order number) -- a shop whose order numbers
 *      are 8 or 13 digits wants them read as orders, not as EAN codes;
 *   2. GS1 element strings (AIM ]C1/]d2/]Q3/]e0, a GS anywhere, or the
 *      human-readable "(01)..." form);
 *   3. GS1 product codes and SSCC, then carrier formats, where a collision
 *      between digit-only formats is resolved by check digits (see
 *      code_digits_classify()).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "retour/code.h"

#define CODE_GS 0x1d
#define CODE_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool code_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool code_is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool code_is_alnum(char c)
{
	return code_is_digit(c) || code_is_alpha(c);
}

static char code_to_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool code_all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!code_is_digit(s[i]))
			return false;
	return true;
}

__attribute__((format(printf, 2, 3))) static void
code_set_problem(struct code *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->problem, sizeof(out->problem), fmt, ap);
	va_end(ap);
}

static void code_set_value(struct code *out, const char *s, size_t n)
{
	if (n > CODE_VALUE_LEN - 1)
		n = CODE_VALUE_LEN - 1;
	memcpy(out->value, s, n);
	out->value[n] = '\0';
}

static void code_set_result(struct code *out, enum code_kind kind,
			    const char *s, size_t n, bool has_check_digit)
{
	out->kind = kind;
	out->valid = true;
	out->has_check_digit = has_check_digit;
	out->problem[0] = '\0';
	code_set_value(out, s, n);
}

/* ---- check digits ------------------------------------------------------ */

/* Expected GS1 mod-10 check digit of the @n data digits at @s. */
static int code_gs1_check_digit(const char *s, size_t n)
{
	unsigned int sum = 0;

	/* weights 3,1,3,... counted from the digit next to the check digit */
	for (size_t i = 0; i < n; i++) {
		unsigned int d = (unsigned int)(s[n - 1 - i] - '0');

		sum += (i % 2 == 0) ? 3 * d : d;
	}
	return (int)((10 - sum % 10) % 10);
}

bool code_gs1_check_digit_ok(const char *digits, size_t n)
{
	if (!digits || n < 2 || !code_all_digits(digits, n))
		return false;
	return code_gs1_check_digit(digits, n - 1) == digits[n - 1] - '0';
}

/* UPU S10 check digit of 8 serial digits; -1 if not 8 digits. */
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
 * letters count as (letter - 'A' + 2) % 10, every second character doubled.
 * -1 when the characters are not alphanumeric.
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

/* DHL Express 10-digit waybill: the first nine digits as a number mod 7. */
static int code_dhl_check_digit(const char *s)
{
	unsigned long long v = 0;

	for (size_t i = 0; i < 9; i++)
		v = v * 10 + (unsigned long long)(s[i] - '0');
	return (int)(v % 7);
}

/* ---- shop patterns ----------------------------------------------------- */

/*
 * Dynamic programming over value positions rather than backtracking: a
 * pattern such as "*-*-*-*" against a long scan would otherwise take
 * exponential time, and patterns come from configuration.
 */
bool code_pattern_match(const char *pattern, const char *value)
{
	bool reach[CODE_MAX_RAW + 1], next[CODE_MAX_RAW + 1];
	size_t n;

	if (!pattern || !*pattern || !value)
		return false;
	n = strnlen(value, CODE_MAX_RAW + 1);
	if (n > CODE_MAX_RAW)
		return false;

	memset(reach, 0, sizeof(reach));
	reach[0] = true;
	for (const char *pc = pattern; *pc; pc++) {
		bool any = false;

		memset(next, 0, sizeof(next));
		if (*pc == '*') {
			bool run = false;

			for (size_t j = 1; j <= n; j++) {
				run = (run || reach[j - 1]) &&
				      code_is_alnum(value[j - 1]);
				next[j] = run;
			}
		} else {
			for (size_t j = 0; j < n; j++) {
				char c = value[j];
				bool ok;

				if (!reach[j])
					continue;
				if (*pc == '#')
					ok = code_is_digit(c);
				else if (*pc == '@')
					ok = code_is_alpha(c);
				else
					ok = code_to_upper(c) ==
					     code_to_upper(*pc);
				next[j + 1] = ok;
			}
		}
		for (size_t j = 0; j <= n; j++)
			any |= next[j];
		if (!any)
			return false;
		memcpy(reach, next, sizeof(reach));
	}
	return reach[n];
}

static bool code_try_pattern(const char *pattern, enum code_kind kind,
			     const char *s, struct code *out)
{
	size_t n;

	if (!code_pattern_match(pattern, s))
		return false;
	n = strlen(s);
	out->kind = kind;
	out->has_check_digit = false;
	if (n > CODE_VALUE_LEN - 1) {
		/* a truncated value would match the wrong return */
		out->valid = false;
		code_set_value(out, s, n);
		code_set_problem(out, "%s longer than %d characters",
				 code_kind_name(kind), CODE_VALUE_LEN - 1);
		return true;
	}
	code_set_result(out, kind, s, n, false);
	for (size_t i = 0; i < n; i++)
		out->value[i] = code_to_upper(out->value[i]);
	return true;
}

static bool code_try_patterns(const struct code_patterns *p, const char *text,
			      const char *compact, struct code *out)
{
	if (!p)
		return false;
	/* as scanned first, so a pattern with a literal space can match */
	return code_try_pattern(p->rma, CODE_RMA, text, out) ||
	       code_try_pattern(p->rma, CODE_RMA, compact, out) ||
	       code_try_pattern(p->order, CODE_ORDER, text, out) ||
	       code_try_pattern(p->order, CODE_ORDER, compact, out);
}

/* ---- GS1 element strings ----------------------------------------------- */

struct code_ai {
	char ai[3];
	unsigned char len; /* exact length if fixed, else maximum */
	bool fixed, numeric, date, check;
};

static const struct code_ai code_ais[] = {
    {"00", 18, true, true, false, true},    /* SSCC */
    {"01", 14, true, true, false, true},    /* GTIN */
    {"02", 14, true, true, false, true},    /* GTIN of contents */
    {"10", 20, false, false, false, false}, /* batch/lot */
    {"11", 6, true, true, true, false},	    /* production date */
    {"13", 6, true, true, true, false},	    /* packaging date */
    {"15", 6, true, true, true, false},	    /* best before */
    {"17", 6, true, true, true, false},	    /* expiry */
    {"21", 20, false, false, false, false}, /* serial */
    {"37", 8, false, true, false, false},   /* count of trade items */
};

struct code_element {
	const struct code_ai *ai;
	char data[21];
	size_t len;
};

struct code_gs1_parse {
	struct code_element el[CODE_ARRAY_SIZE(code_ais)];
	size_t count;
	size_t stop; /* where parsing stopped, for the value of a bad string */
};

static const struct code_ai *code_ai_find(const char *ai, size_t n)
{
	for (size_t i = 0; i < CODE_ARRAY_SIZE(code_ais); i++)
		if (n == 2 && !memcmp(code_ais[i].ai, ai, 2))
			return &code_ais[i];
	return NULL;
}

/* Validate and store one element; -EINVAL with out->problem set. */
static int code_gs1_add(struct code_gs1_parse *ps, const struct code_ai *ai,
			const char *data, size_t n, struct code *out)
{
	for (size_t i = 0; i < ps->count; i++) {
		if (ps->el[i].ai == ai) {
			code_set_problem(out, "GS1 AI (%s) appears twice",
					 ai->ai);
			return -EINVAL;
		}
	}
	if (n == 0) {
		code_set_problem(out, "GS1 AI (%s) has no data", ai->ai);
		return -EINVAL;
	}
	if (ai->fixed && n != ai->len) {
		code_set_problem(out, "GS1 AI (%s) needs %u digits, got %zu",
				 ai->ai, ai->len, n);
		return -EINVAL;
	}
	if (n > ai->len) {
		code_set_problem(out,
				 "GS1 AI (%s) longer than %u characters "
				 "(missing GS separator?)",
				 ai->ai, ai->len);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)data[i];

		if (ai->numeric ? !code_is_digit((char)c)
				: (c < 0x21 || c > 0x7e)) {
			code_set_problem(out,
					 "GS1 AI (%s) has a bad character at "
					 "position %zu",
					 ai->ai, i + 1);
			return -EINVAL;
		}
	}
	memcpy(ps->el[ps->count].data, data, n);
	ps->el[ps->count].data[n] = '\0';
	ps->el[ps->count].len = n;
	ps->el[ps->count].ai = ai;
	ps->count++;
	return 0;
}

/* FNC1-as-GS form: AI digits, data, GS after variable-length data. */
static int code_gs1_parse_gs(const char *s, size_t n, struct code_gs1_parse *ps,
			     struct code *out)
{
	size_t pos = 0;

	while (pos < n) {
		const struct code_ai *ai;
		size_t start, len;
		int r;

		ps->stop = pos;
		if (s[pos] == CODE_GS) {
			pos++;
			continue;
		}
		ai = (pos + 2 <= n) ? code_ai_find(s + pos, 2) : NULL;
		if (!ai) {
			size_t show = 0;

			while (show < 4 && pos + show < n &&
			       s[pos + show] != CODE_GS)
				show++;
			code_set_problem(out,
					 "unsupported GS1 application "
					 "identifier at \"%.*s\"",
					 (int)show, s + pos);
			return -EINVAL;
		}
		start = pos + 2;
		if (ai->fixed) {
			len = n - start < ai->len ? n - start : ai->len;
		} else {
			const char *gs = memchr(s + start, CODE_GS, n - start);

			len = gs ? (size_t)(gs - (s + start)) : n - start;
		}
		r = code_gs1_add(ps, ai, s + start, len, out);
		if (r < 0)
			return r;
		pos = start + len;
	}
	ps->stop = n;
	return 0;
}

/*
 * Human-readable "(01)...(10)..." form.  A '(' inside batch or serial data
 * is taken as the start of the next AI: the printed form is ambiguous there
 * and the barcode itself (FNC1 form) is not.
 */
static int code_gs1_parse_paren(const char *s, size_t n,
				struct code_gs1_parse *ps, struct code *out)
{
	size_t pos = 0;

	while (pos < n) {
		const struct code_ai *ai;
		const char *close, *open;
		size_t ai_len, start, len;
		int r;

		/* s[pos] is '(': data runs up to the next one */
		ps->stop = pos;
		close = memchr(s + pos, ')', n - pos);
		ai_len = close ? (size_t)(close - (s + pos + 1)) : 0;
		if (!close || ai_len < 2 || ai_len > 4 ||
		    !code_all_digits(s + pos + 1, ai_len)) {
			code_set_problem(out,
					 "malformed GS1 AI at position "
					 "%zu",
					 pos + 1);
			return -EINVAL;
		}
		ai = code_ai_find(s + pos + 1, ai_len);
		if (!ai) {
			code_set_problem(out,
					 "unsupported GS1 application "
					 "identifier (%.*s)",
					 (int)ai_len, s + pos + 1);
			return -EINVAL;
		}
		start = pos + ai_len + 2;
		open = memchr(s + start, '(', n - start);
		len = open ? (size_t)(open - (s + start)) : n - start;
		r = code_gs1_add(ps, ai, s + start, len, out);
		if (r < 0)
			return r;
		pos = start + len;
	}
	ps->stop = n;
	return 0;
}

/* Appends @s to out->value if it fits whole; false otherwise. */
static bool code_value_append(struct code *out, size_t *used, const char *s,
			      size_t n)
{
	if (*used + n > CODE_VALUE_LEN - 1)
		return false;
	memcpy(out->value + *used, s, n);
	*used += n;
	out->value[*used] = '\0';
	return true;
}

/*
 * Value in parenthesised form.  Elements that do not fit CODE_VALUE_LEN are
 * left out whole rather than cut (the gs1 fields still hold them).
 */
static void code_gs1_value(const struct code_gs1_parse *ps, const char *rest,
			   size_t rest_len, struct code *out)
{
	size_t used = 0;

	out->value[0] = '\0';
	for (size_t i = 0; i < ps->count; i++) {
		char buf[4 + 21];
		int k = snprintf(buf, sizeof(buf), "(%s)%s", ps->el[i].ai->ai,
				 ps->el[i].data);

		if (k < 0 || !code_value_append(out, &used, buf, (size_t)k))
			return;
	}
	/* the unparsed tail of a bad string, without its GS bytes */
	for (size_t i = 0; i < rest_len && used < CODE_VALUE_LEN - 1; i++)
		if (rest[i] != CODE_GS)
			out->value[used++] = rest[i];
	out->value[used] = '\0';
}

static bool code_gs1_date_ok(const char *d)
{
	int month = (d[2] - '0') * 10 + (d[3] - '0');
	int day = (d[4] - '0') * 10 + (d[5] - '0');

	/* day 00 is GS1 for "end of the month" */
	return month >= 1 && month <= 12 && day <= 31;
}

static void code_gs1_classify(const char *s, size_t n, struct code *out)
{
	struct code_gs1_parse ps = {.count = 0};
	struct code_gs1 *g = &out->gs1;
	int r;

	if (n && s[0] == '(')
		r = code_gs1_parse_paren(s, n, &ps, out);
	else
		r = code_gs1_parse_gs(s, n, &ps, out);

	out->kind = CODE_GS1;
	out->valid = r == 0;
	if (r == 0 && ps.count == 0) {
		out->valid = false;
		code_set_problem(out, "GS1 element string without data");
	}
	code_gs1_value(&ps, s + ps.stop, n - ps.stop, out);

	for (size_t i = 0; i < ps.count; i++) {
		const struct code_element *e = &ps.el[i];
		const char *ai = e->ai->ai;

		if (e->ai->check) {
			int want = code_gs1_check_digit(e->data, e->len - 1);

			out->has_check_digit = true;
			if (out->valid && want != e->data[e->len - 1] - '0') {
				out->valid = false;
				code_set_problem(out,
						 "GS1 check digit of (%s) is "
						 "%c, expected %d",
						 ai, e->data[e->len - 1], want);
			}
		}
		if (e->ai->date && out->valid && !code_gs1_date_ok(e->data)) {
			out->valid = false;
			code_set_problem(out,
					 "GS1 AI (%s) %s is not a date "
					 "(YYMMDD)",
					 ai, e->data);
		}
		if (!strcmp(ai, "00")) {
			g->has_sscc = true;
			memcpy(g->sscc, e->data, e->len + 1);
		} else if (!strcmp(ai, "01")) {
			g->has_gtin = true;
			memcpy(g->gtin, e->data, e->len + 1);
		} else if (!strcmp(ai, "10")) {
			g->has_batch = true;
			memcpy(g->batch, e->data, e->len + 1);
		} else if (!strcmp(ai, "17")) {
			g->has_expiry = true;
			memcpy(g->expiry, e->data, e->len + 1);
		} else if (!strcmp(ai, "21")) {
			g->has_serial = true;
			memcpy(g->serial, e->data, e->len + 1);
		}
	}
	if (r == 0 && ps.count == 1 && g->has_sscc) {
		/* a GS1-128 SSCC label: the number, not the element string */
		out->kind = CODE_SSCC;
		code_set_value(out, g->sscc, 18);
	}
	if (out->valid)
		out->problem[0] = '\0';
}

static bool code_is_gs1_marked(const char *symbology, const char *s, size_t n)
{
	static const char *const gs1_ids[] = {"]C1", "]d2", "]Q3", "]e0"};

	for (size_t i = 0; i < CODE_ARRAY_SIZE(gs1_ids); i++)
		if (!strcmp(symbology, gs1_ids[i]))
			return true;
	if (memchr(s, CODE_GS, n))
		return true;
	return n >= 4 && s[0] == '(' && code_is_digit(s[1]) &&
	       code_is_digit(s[2]);
}

/* ---- bare numbers and carrier formats ---------------------------------- */

/* GTIN of 8, 12, 13 or 14 digits, refused (not reinterpreted) if bad. */
static void code_gtin_classify(const char *s, size_t n, struct code *out)
{
	char gtin[15];
	int want;

	if (n != 8 && n != 12 && n != 13 && n != 14) {
		out->kind = CODE_UNKNOWN;
		code_set_value(out, s, n);
		code_set_problem(out, "EAN/UPC symbol with %zu characters", n);
		return;
	}
	memset(gtin, '0', 14 - n);
	memcpy(gtin + 14 - n, s, n);
	gtin[14] = '\0';
	code_set_result(out, CODE_GTIN, gtin, 14, true);
	if (!code_all_digits(s, n)) {
		out->valid = false;
		code_set_problem(out, "EAN/UPC symbol with non-digits");
		return;
	}
	want = code_gs1_check_digit(s, n - 1);
	if (want != s[n - 1] - '0') {
		out->valid = false;
		code_set_problem(out, "GS1 check digit is %c, expected %d",
				 s[n - 1], want);
	}
}

static void code_check_failed(struct code *out, const char *what, char got,
			      int want)
{
	out->valid = false;
	code_set_problem(out, "%s check digit is %c, expected %d", what, got,
			 want);
}

/*
 * Digit-only scans.  Collisions and how they are resolved:
 *   8, 13  EAN-8/EAN-13 only; a bad check digit is refused as an invalid
 *          gtin (no carrier in our list uses bare 8 or 13 digits).
 *   12     UPC-A vs FedEx Express vs GLS (11 digits + check digit whose
 *          algorithm we do not verify): UPC-A if its GS1 check digit holds,
 *          else FedEx if its mod-11 check digit holds, else GLS.  A misread
 *          UPC-A therefore becomes a GLS number, which simply finds no
 *          parcel; refusing it would refuse every genuine GLS number.
 *   14     GTIN-14 if its check digit holds, else DPD (no check digit in
 *          the bare parcel number) for the same reason.
 *   18     SSCC, refused if the check digit is wrong.
 *   20     "00" + SSCC: a GS1-128 SSCC label read without AIM identifier.
 */
static void code_digits_classify(const char *s, size_t n, struct code *out)
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
		code_set_result(out, CODE_GLS, s, n, false);
		return;
	case 12:
		if (code_gs1_check_digit_ok(s, n))
			code_gtin_classify(s, n, out);
		else if (code_fedex_check_digit(s) == s[11] - '0')
			code_set_result(out, CODE_FEDEX, s, n, true);
		else
			code_set_result(out, CODE_GLS, s, n, false);
		return;
	case 14:
		if (code_gs1_check_digit_ok(s, n))
			code_gtin_classify(s, n, out);
		else
			code_set_result(out, CODE_DPD, s, n, false);
		return;
	case 15:
		code_set_result(out, CODE_FEDEX, s, n, false);
		return;
	case 20:
		if (s[0] != '0' || s[1] != '0' ||
		    !code_gs1_check_digit_ok(s + 2, 18))
			break;
		s += 2;
		n = 18;
		__attribute__((fallthrough));
	case 18:
		code_set_result(out, CODE_SSCC, s, n, true);
		out->gs1.has_sscc = true;
		memcpy(out->gs1.sscc, s, 18);
		out->gs1.sscc[18] = '\0';
		want = code_gs1_check_digit(s, 17);
		if (want != s[17] - '0')
			code_check_failed(out, "GS1", s[17], want);
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
static void code_alnum_classify(const char *s, size_t n, struct code *out)
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

/* ---- input cleaning ---------------------------------------------------- */

static int code_scan_check_bytes(const char *raw, size_t len, struct code *out)
{
	if (len == 0) {
		code_set_problem(out, "empty scan");
		return -EINVAL;
	}
	if (len > CODE_MAX_RAW) {
		code_set_problem(out, "scan of %zu bytes, longer than %d", len,
				 CODE_MAX_RAW);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (c == 0) {
			code_set_problem(out, "NUL byte at offset %zu", i);
			return -EINVAL;
		}
		if (c >= 0x7f) {
			code_set_problem(out,
					 "non-ASCII byte 0x%02x at offset %zu "
					 "(scanner keyboard layout?)",
					 c, i);
			return -EINVAL;
		}
		if (c < 0x20 && c != CODE_GS && c != '\r' && c != '\n' &&
		    c != '\t') {
			code_set_problem(
			    out, "control byte 0x%02x at offset %zu", c, i);
			return -EINVAL;
		}
	}
	return 0;
}

static bool code_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void code_trim(const char **s, size_t *n)
{
	while (*n && code_is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && code_is_blank((*s)[*n - 1]))
		(*n)--;
}

static bool code_strip_aim(const char **s, size_t *n, struct code *out)
{
	const char *t = *s;

	if (out->symbology[0] || *n < 3 || t[0] != ']' ||
	    !code_is_alpha(t[1]) || !code_is_alnum(t[2]))
		return false;
	memcpy(out->symbology, t, 3);
	out->symbology[3] = '\0';
	*s += 3;
	*n -= 3;
	return true;
}

/*
 * Scanners put the configured prefix before or after the AIM identifier
 * depending on make, so the identifier is looked for on both sides of it.
 */
static void code_strip(const char **s, size_t *n, const struct code_patterns *p,
		       struct code *out)
{
	code_trim(s, n);
	code_strip_aim(s, n, out);
	if (p && p->strip_prefix && *p->strip_prefix) {
		size_t pl = strlen(p->strip_prefix);

		if (pl <= *n && !memcmp(*s, p->strip_prefix, pl)) {
			*s += pl;
			*n -= pl;
		}
	}
	if (p && p->strip_suffix && *p->strip_suffix) {
		size_t sl = strlen(p->strip_suffix);

		if (sl <= *n && !memcmp(*s + *n - sl, p->strip_suffix, sl))
			*n -= sl;
	}
	code_trim(s, n);
	code_strip_aim(s, n, out);
	code_trim(s, n);
}

int code_classify(const char *raw, size_t len, const struct code_patterns *p,
		  struct code *out)
{
	char text[CODE_MAX_RAW + 1], compact[CODE_MAX_RAW + 1];
	char upper[CODE_MAX_RAW + 1];
	const char *s = raw;
	size_t n = len, cn = 0;
	int r;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!raw && len) {
		code_set_problem(out, "no scan buffer");
		return -EINVAL;
	}
	r = code_scan_check_bytes(raw, len, out);
	if (r < 0)
		return r;

	code_strip(&s, &n, p, out);
	if (n == 0) {
		code_set_problem(out, "nothing left after stripping %s",
				 out->symbology[0] ? "the symbology identifier"
						   : "prefix/suffix");
		return -EINVAL;
	}
	memcpy(text, s, n);
	text[n] = '\0';

	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\r' || text[i] == '\n') {
			size_t k = 0;

			for (size_t j = 0; j < cn && k < CODE_VALUE_LEN - 1;
			     j++)
				if (compact[j] != CODE_GS)
					out->value[k++] = compact[j];
			out->value[k] = '\0';
			code_set_problem(out, "line break inside the scan (two "
					      "codes read at once?)");
			return 0;
		}
		if (text[i] != ' ' && text[i] != '\t')
			compact[cn++] = text[i];
	}
	compact[cn] = '\0';

	if (code_try_patterns(p, text, compact, out))
		return 0;
	if (code_is_gs1_marked(out->symbology, compact, cn)) {
		code_gs1_classify(compact, cn, out);
		return 0;
	}

	for (size_t i = 0; i <= cn; i++)
		upper[i] = code_to_upper(compact[i]);
	code_set_value(out, compact, cn);
	if (!strcmp(out->symbology, "]E0") || !strcmp(out->symbology, "]E4"))
		/* the symbology says EAN/UPC: no carrier reading */
		code_gtin_classify(upper, cn, out);
	else if (code_all_digits(upper, cn))
		code_digits_classify(upper, cn, out);
	else
		code_alnum_classify(upper, cn, out);
	return 0;
}

const char *code_kind_name(enum code_kind kind)
{
	static const char *const names[] = {
	    [CODE_UNKNOWN] = "unknown", [CODE_GTIN] = "gtin",
	    [CODE_SSCC] = "sscc",	[CODE_GS1] = "gs1",
	    [CODE_UPS] = "ups",		[CODE_UPU_S10] = "upu_s10",
	    [CODE_INPOST] = "inpost",	[CODE_DPD] = "dpd",
	    [CODE_DHL] = "dhl",		[CODE_GLS] = "gls",
	    [CODE_FEDEX] = "fedex",	[CODE_RMA] = "rma",
	    [CODE_ORDER] = "order",
	};

	if ((unsigned int)kind >= CODE_ARRAY_SIZE(names) || !names[kind])
		return "unknown";
	return names[kind];
}
