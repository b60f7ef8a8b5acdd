/* SPDX-License-Identifier: MIT */
/*
 * Names of the domain's enums, small sums over an expected return, the one
 * money format and the one weight tolerance of the station.
 *
 * The names are the words used in the API, the CLI, the store and the shop
 * connectors, so they are spelled once here.  Parsing is case-insensitive;
 * an unknown name is an error, never a silent default.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "retour/returns.h"

static const char *const return_kind_names[] = {
    [RETURN_WITHDRAWAL] = "withdrawal",
    [RETURN_COMPLAINT] = "complaint",
    [RETURN_SHIPMENT] = "shipment",
};

static const char *const grade_names[] = {
    [GRADE_NONE] = "none", [GRADE_A] = "A",	    [GRADE_B] = "B",
    [GRADE_C] = "C",	   [GRADE_SCRAP] = "scrap",
};

static const char *const disposition_names[] = {
    [DISPOSITION_HOLD] = "hold",
    [DISPOSITION_RESTOCK] = "restock",
    [DISPOSITION_RESTOCK_B] = "restock_b",
    [DISPOSITION_REFURBISH] = "refurbish",
    [DISPOSITION_VENDOR] = "vendor",
    [DISPOSITION_SCRAP] = "scrap",
};

#define RETURNS_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *returns_name_of(const char *const *names, int n, int value)
{
	if (value < 0 || value >= n)
		return "unknown";
	return names[value];
}

static int returns_value_of(const char *const *names, int n, const char *name)
{
	if (!name)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (strcasecmp(names[i], name) == 0)
			return i;
	return -EINVAL;
}

const char *return_kind_name(enum return_kind kind)
{
	return returns_name_of(return_kind_names,
			       RETURNS_COUNT(return_kind_names), (int)kind);
}

int return_kind_from_name(const char *name)
{
	return returns_value_of(return_kind_names,
				RETURNS_COUNT(return_kind_names), name);
}

const char *grade_name(enum grade grade)
{
	return returns_name_of(grade_names, RETURNS_COUNT(grade_names),
			       (int)grade);
}

int grade_from_name(const char *name)
{
	return returns_value_of(grade_names, RETURNS_COUNT(grade_names), name);
}

const char *disposition_name(enum disposition d)
{
	return returns_name_of(disposition_names,
			       RETURNS_COUNT(disposition_names), (int)d);
}

int expected_return_order_line(const struct expected_return *er,
			       const struct return_item *it)
{
	int n;

	if (!er || !it)
		return -1;
	n = er->n_order_lines < 0 ? 0
	    : er->n_order_lines > RETURN_MAX_ORDER_LINES
		? RETURN_MAX_ORDER_LINES
		: er->n_order_lines;
	for (int l = 0; l < n; l++) {
		const struct order_line *ol = &er->order_lines[l];

		if (it->sku[0] && ol->sku[0]) {
			if (!strncmp(it->sku, ol->sku, sizeof(ol->sku)))
				return l;
		} else if (it->gtin[0] &&
			   !strncmp(it->gtin, ol->gtin, sizeof(ol->gtin))) {
			return l;
		}
	}
	return -1;
}

/*
 * -ERANGE when a quantity or weight is negative or the sum does not fit:
 * the caller must not compare a scale reading with a wrapped number.
 */
int64_t expected_return_weight_g(const struct expected_return *er)
{
	int64_t total = 0;

	if (!er || er->n_items < 0 || er->n_items > RETURN_MAX_ITEMS)
		return -ERANGE;
	for (int i = 0; i < er->n_items; i++) {
		const struct return_item *it = &er->items[i];
		int64_t line;

		if (it->quantity < 0 || it->weight_g < 0)
			return -ERANGE;
		if (__builtin_mul_overflow((int64_t)it->quantity,
					   (int64_t)it->weight_g, &line) ||
		    __builtin_add_overflow(total, line, &total))
			return -ERANGE;
	}
	return total;
}

int currency_exponent(const char *currency)
{
	/* ISO 4217 minor units that are not 2 */
	static const struct {
		char code[4];
		int exponent;
	} table[] = {
	    {"BIF", 0}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0}, {"ISK", 0},
	    {"JPY", 0}, {"KMF", 0}, {"KRW", 0}, {"PYG", 0}, {"RWF", 0},
	    {"UGX", 0}, {"UYI", 0}, {"VND", 0}, {"VUV", 0}, {"XAF", 0},
	    {"XOF", 0}, {"XPF", 0}, {"BHD", 3}, {"IQD", 3}, {"JOD", 3},
	    {"KWD", 3}, {"LYD", 3}, {"OMR", 3}, {"TND", 3}, {"CLF", 4},
	    {"UYW", 4},
	};
	char code[4];

	if (!currency)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		char c = currency[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return -EINVAL;
		code[i] = c;
	}
	if (currency[3] != '\0')
		return -EINVAL;
	code[3] = '\0';
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (memcmp(table[i].code, code, 4) == 0)
			return table[i].exponent;
	return 2;
}

int money_format(int64_t minor, const char *currency, char *buf, size_t buflen)
{
	static const uint64_t pow10[] = {1, 10, 100, 1000, 10000};
	int exponent = currency_exponent(currency);
	char code[4];
	uint64_t mag;
	const char *sign = minor < 0 ? "-" : "";
	int n;

	if (exponent < 0)
		return -EINVAL;
	if (!buf || buflen == 0)
		return -ENOSPC;
	for (int i = 0; i < 3; i++)
		code[i] = (char)(currency[i] >= 'a' ? currency[i] - 'a' + 'A'
						    : currency[i]);
	code[3] = '\0';
	/* -(INT64_MIN) does not fit an int64_t: negate in unsigned */
	mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	if (exponent == 0)
		n = snprintf(buf, buflen, "%s%llu %s", sign,
			     (unsigned long long)mag, code);
	else
		n = snprintf(buf, buflen, "%s%llu.%0*llu %s", sign,
			     (unsigned long long)(mag / pow10[exponent]),
			     exponent,
			     (unsigned long long)(mag % pow10[exponent]), code);
	if (n < 0 || (size_t)n >= buflen) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	return n;
}

int64_t weight_tolerance_for(int64_t expected_g, int32_t tolerance_g,
			     int32_t tolerance_pct)
{
	int64_t absolute = tolerance_g > 0 ? tolerance_g : 0;
	int64_t pct = tolerance_pct > 0 ? tolerance_pct : 0;
	int64_t relative;

	if (expected_g < 0)
		return -ERANGE;
	/* Split so that expected * pct never forms a 128-bit product. */
	if (__builtin_mul_overflow(expected_g / 100, pct, &relative) ||
	    __builtin_add_overflow(relative, expected_g % 100 * pct / 100,
				   &relative))
		return -ERANGE;
	return relative > absolute ? relative : absolute;
}

bool weight_within_tolerance(int64_t expected_g, int32_t found_g,
			     int32_t tolerance_g, int32_t tolerance_pct)
{
	int64_t tolerance, diff;

	if (expected_g < 0 || found_g < 0)
		return false;
	tolerance =
	    weight_tolerance_for(expected_g, tolerance_g, tolerance_pct);
	if (tolerance < 0)
		return false;
	/* Both are non-negative, so the difference cannot overflow. */
	diff = expected_g - found_g;
	if (diff < 0)
		diff = -diff;
	return diff <= tolerance;
}
