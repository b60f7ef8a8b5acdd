/* SPDX-License-Identifier: MIT */
/*
 * GS1 codes: the mod-10 check digit, product codes (EAN-8, UPC-A, EAN-13,
 * GTIN-14, normalised to 14 digits) and element strings with application
 * identifiers, in both the FNC1-as-GS form a scanner sends and the
 * human-readable "(01)...(10)..." form.
 *
 * Only the AIs a returns desk reads are known (SSCC, GTIN, batch, expiry,
 * serial); an element string with any other AI is refused, not guessed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "code_result.h"
#include "retour/code.h"

/* Expected GS1 mod-10 check digit of the @n data digits at @s. */
int code_gs1_check_digit(const char *s, size_t n)
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

void code_gs1_classify(const char *s, size_t n, struct code *out)
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

/* GTIN of 8, 12, 13 or 14 digits, refused (not reinterpreted) if bad. */
void code_gtin_classify(const char *s, size_t n, struct code *out)
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
