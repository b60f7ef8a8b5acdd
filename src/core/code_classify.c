/* SPDX-License-Identifier: MIT */
/*
 * Scanned-code classifier: turns the bytes a scanner
 * delivered into a kind (product, SSCC, GS1 element string, carrier tracking
 * number, shop RMA or order number), a normalised value and a verdict on the
 * check digit.  A misread with a wrong check digit is reported invalid, never
 * guessed into something else.
 *
 * This file holds the scanner framing (the bytes accepted, the AIM symbology
 * identifier, the configured prefix and suffix, FNC1 sent as GS) and the
 * order of the decisions; the formats themselves live in code_gs1.c,
 * code_carrier.c and code_pattern.c.  It deliberately does not look anything
 * up, talk to a carrier, allocate or keep state: the caller decides what an
 * invalid or unknown code means.
 *
 * Order of the decisions, documented because digit-only formats collide:
 *   0. a clerk's badge (the caller says which are: code_patterns.is_badge);
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

#include "code_result.h"
#include "retour/code.h"

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

	if (p && p->is_badge && p->is_badge(text, p->badge_ctx)) {
		code_set_result(out, CODE_BADGE, text, n, false);
		return 0;
	}
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
