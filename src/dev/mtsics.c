/* SPDX-License-Identifier: MIT */
/*
 * MT-SICS reply parser: turns one reply line from a Mettler Toledo scale
 * into a scale reading with integer grams.
 *
 * Pure and total: any bytes in, a reading out, no floating point.  It does
 * not know which command was sent; the driver (scale_mtsics.c) does.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "retour/mtsics.h"

/* Enough for any real scale's range at any resolution, small enough that
 * the scaled value times 1000 still fits an int64_t. */
#define MTSICS_INT_DIGITS_MAX 9
#define MTSICS_FRAC_DIGITS_MAX 6
#define MTSICS_TOKENS_MAX 4

struct mtsics_token {
	const char *s;
	size_t len;
};

static bool mtsics_token_is(const struct mtsics_token *t, const char *word)
{
	return t->len == strlen(word) && memcmp(t->s, word, t->len) == 0;
}

static int mtsics_fail(struct scale_reading *out, const char *why,
		       const char *line, size_t len)
{
	char shown[33];
	size_t i, n = len < sizeof(shown) - 1 ? len : sizeof(shown) - 1;

	/* The reply goes to a screen and a log: never echo control bytes. */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		shown[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	shown[n] = '\0';
	out->status = SCALE_ERROR;
	out->grams = 0;
	snprintf(out->detail, sizeof(out->detail), "%s: '%s%s'", why, shown,
		 len > n ? "..." : "");
	return -EINVAL;
}

static void mtsics_set(struct scale_reading *out, enum scale_status st,
		       int32_t grams, const char *detail)
{
	out->status = st;
	out->grams = grams;
	snprintf(out->detail, sizeof(out->detail), "%s", detail);
}

/* Unit exponent relative to grams: g -> 0, kg -> 3, mg -> -3. */
static int mtsics_unit_exponent(const struct mtsics_token *u, int *exp10)
{
	if (mtsics_token_is(u, "g"))
		*exp10 = 0;
	else if (mtsics_token_is(u, "kg"))
		*exp10 = 3;
	else if (mtsics_token_is(u, "mg"))
		*exp10 = -3;
	else
		return -EINVAL;
	return 0;
}

static int64_t mtsics_pow10(int n)
{
	int64_t p = 1;

	while (n-- > 0)
		p *= 10;
	return p;
}

/*
 * "[+-]digits[.digits]" scaled by 10^exp10 into grams, rounded half away
 * from zero.
 */
static int mtsics_weight_grams(const struct mtsics_token *w, int exp10,
			       int32_t *grams)
{
	size_t i = 0;
	bool negative = false, dot = false;
	int int_digits = 0, frac_digits = 0;
	int64_t scaled = 0, result;

	if (w->len > 0 && (w->s[0] == '-' || w->s[0] == '+')) {
		negative = w->s[0] == '-';
		i++;
	}
	for (; i < w->len; i++) {
		char c = w->s[i];

		if (c == '.' && !dot) {
			dot = true;
			continue;
		}
		if (c < '0' || c > '9')
			return -EINVAL;
		if (dot) {
			if (++frac_digits > MTSICS_FRAC_DIGITS_MAX)
				return -EINVAL;
		} else if (++int_digits > MTSICS_INT_DIGITS_MAX) {
			return -EINVAL;
		}
		scaled = scaled * 10 + (c - '0');
	}
	if (int_digits + frac_digits == 0)
		return -EINVAL;

	/* scaled is the weight in units of 10^-frac_digits of the unit. */
	if (exp10 >= frac_digits) {
		result = scaled * mtsics_pow10(exp10 - frac_digits);
	} else {
		int64_t d = mtsics_pow10(frac_digits - exp10);

		result = scaled / d;
		if ((scaled % d) * 2 >= d)
			result++;
	}
	if (negative)
		result = -result;
	if (result > INT32_MAX || result < -INT32_MAX)
		return -ERANGE;
	*grams = (int32_t)result;
	return 0;
}

int mtsics_parse_line(const char *line, size_t len, struct scale_reading *out)
{
	struct mtsics_token tok[MTSICS_TOKENS_MAX];
	size_t ntok = 0, i;
	int exp10, r;
	int32_t grams;

	if (!line)
		len = 0;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0)
		return mtsics_fail(out, "empty scale reply", "", 0);
	if (len > MTSICS_LINE_MAX)
		return mtsics_fail(out, "scale reply too long", line, len);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c >= 0x7f)
			return mtsics_fail(out, "binary byte in scale reply",
					   line, len);
	}

	for (i = 0; i < len;) {
		size_t start;

		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		if (ntok == MTSICS_TOKENS_MAX)
			return mtsics_fail(out, "unrecognised scale reply",
					   line, len);
		start = i;
		while (i < len && line[i] != ' ')
			i++;
		tok[ntok].s = line + start;
		tok[ntok].len = i - start;
		ntok++;
	}
	if (ntok == 0)
		return mtsics_fail(out, "empty scale reply", line, len);

	if (ntok == 1) {
		if (mtsics_token_is(&tok[0], "ES"))
			mtsics_set(out, SCALE_ERROR, 0,
				   "scale: command not understood (ES)");
		else if (mtsics_token_is(&tok[0], "ET"))
			mtsics_set(out, SCALE_ERROR, 0,
				   "scale: transmission error (ET)");
		else if (mtsics_token_is(&tok[0], "EL"))
			mtsics_set(out, SCALE_ERROR, 0,
				   "scale: logical error (EL)");
		else
			return mtsics_fail(out, "unrecognised scale reply",
					   line, len);
		return 0;
	}
	if (!mtsics_token_is(&tok[0], "S"))
		return mtsics_fail(out, "unrecognised scale reply", line, len);

	if (ntok == 2) {
		if (mtsics_token_is(&tok[1], "+"))
			mtsics_set(out, SCALE_OVERLOAD, 0,
				   "scale overloaded: remove weight (S +)");
		else if (mtsics_token_is(&tok[1], "-"))
			mtsics_set(out, SCALE_UNDERLOAD, 0,
				   "scale underloaded: check the pan (S -)");
		else if (mtsics_token_is(&tok[1], "I"))
			mtsics_set(out, SCALE_ERROR, 0,
				   "scale busy: command not executable (S I)");
		else
			return mtsics_fail(out, "unrecognised scale reply",
					   line, len);
		return 0;
	}

	if (ntok != 4 ||
	    (!mtsics_token_is(&tok[1], "S") && !mtsics_token_is(&tok[1], "D")))
		return mtsics_fail(out, "unrecognised scale reply", line, len);
	if (mtsics_unit_exponent(&tok[3], &exp10) < 0)
		return mtsics_fail(out, "unsupported unit in scale reply", line,
				   len);
	r = mtsics_weight_grams(&tok[2], exp10, &grams);
	if (r == -ERANGE)
		return mtsics_fail(out, "weight out of range in scale reply",
				   line, len);
	if (r < 0)
		return mtsics_fail(out, "bad weight in scale reply", line, len);

	out->status = tok[1].s[0] == 'S' ? SCALE_STABLE : SCALE_UNSTABLE;
	out->grams = grams;
	snprintf(out->detail, sizeof(out->detail), "%ld g %s", (long)grams,
		 out->status == SCALE_STABLE ? "stable" : "not yet stable");
	return 0;
}
