/* SPDX-License-Identifier: MIT */
/*
 * Units of weight to integer grams (include/retour/scale_unit.h): exact
 * fractions, 64-bit integer arithmetic, one rounding rule (half away
 * from zero).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "retour/scale_unit.h"

/* Grams per unit: the international yard and pound agreement (1959) for
 * the avoirdupois units, the troy ounce and grain that follow from it,
 * the metric carat (200 mg). */
static const struct scale_unit scale_units[] = {
    {1, "mg", 1, 1000},
    {2, "g", 1, 1},
    {3, "kg", 1000, 1},
    {4, "ct", 1, 5},
    {6, "gr", 6479891, 100000000},  /* 64.79891 mg */
    {7, "dwt", 19439673, 12500000}, /* 24 grains, 1.55517384 g */
    {8, "t", 1000000, 1},	    /* metric ton */
    {9, "ton", 45359237, 50},	    /* 2000 lb, 907184.74 g */
    {10, "ozt", 19439673, 625000},  /* 480 grains, 31.1034768 g */
    {11, "oz", 45359237, 1600000},  /* lb / 16, 28.349523125 g */
    {12, "lb", 45359237, 100000},   /* 453.59237 g */
};

#define SCALE_UNITS_COUNT (sizeof(scale_units) / sizeof(scale_units[0]))

int scale_unit_tael_parse(const char *text, struct scale_tael *out)
{
	out->num = 0;
	out->den = 0;
	if (!text || !*text)
		return 0;
	if (!strcmp(text, "37.5")) {
		out->num = 75;
		out->den = 2;
	} else if (!strcmp(text, "37.8")) {
		out->num = 189;
		out->den = 5;
	} else if (!strcmp(text, "50")) {
		out->num = 50;
		out->den = 1;
	} else {
		return -EINVAL;
	}
	return 0;
}

int scale_unit_by_code(int code, const struct scale_tael *tael,
		       struct scale_unit *out)
{
	if (code == SCALE_UNIT_TAEL) {
		if (!tael || tael->den <= 0 || tael->num <= 0)
			return -ENOTSUP;
		out->code = code;
		out->name = "tael";
		out->g_num = tael->num;
		out->g_den = tael->den;
		return 0;
	}
	for (size_t i = 0; i < SCALE_UNITS_COUNT; i++)
		if (scale_units[i].code == code) {
			*out = scale_units[i];
			return 0;
		}
	return -EINVAL;
}

int scale_unit_by_name(const char *name, struct scale_unit *out)
{
	for (size_t i = 0; name && i < SCALE_UNITS_COUNT; i++)
		if (!strcasecmp(scale_units[i].name, name)) {
			*out = scale_units[i];
			return 0;
		}
	return -EINVAL;
}

int scale_unit_to_grams(const struct scale_unit *u, int64_t raw, int exponent,
			int32_t *grams)
{
	/* The fractions are reduced (numerators below 2^26), so that
	 * |raw| * num fits 2^57 and 64-bit integers do on every board,
	 * 32-bit ones included. */
	const uint64_t cap = UINT64_MAX / 4;
	uint64_t mag, num, den, q;
	bool negative = raw < 0;

	if (exponent < -12 || exponent > 12 || u->g_den <= 0 || u->g_num <= 0 ||
	    u->g_num >= (1LL << 26) || u->g_den >= (1LL << 40) ||
	    raw > INT32_MAX || raw < -INT32_MAX)
		return -ERANGE;
	mag = negative ? (uint64_t)-raw : (uint64_t)raw;
	num = mag * (uint64_t)u->g_num;
	den = (uint64_t)u->g_den;
	for (int i = 0; i < exponent; i++) {
		if (num > cap / 10)
			return -ERANGE; /* past 2^58 / 2^40: no int32 */
		num *= 10;
	}
	for (int i = 0; i > exponent; i--) {
		if (den > cap / 10) {
			*grams = 0; /* den > 2^58 > 2 num: below half a gram */
			return 0;
		}
		den *= 10;
	}
	/* half away from zero: floor((2|x| + 1) / 2) on the magnitude */
	q = (2 * num + den) / (2 * den);
	if (q > INT32_MAX)
		return -ERANGE;
	*grams = negative ? -(int32_t)q : (int32_t)q;
	return 0;
}

void scale_unit_format(int64_t raw, int exponent, const char *unit, char *buf,
		       size_t len)
{
	unsigned long long mag =
	    raw < 0 ? 0ULL - (unsigned long long)raw : (unsigned long long)raw;
	unsigned long long scale = 1;
	const char *sign = raw < 0 ? "-" : "";

	if (exponent >= 0 || exponent < -12) {
		if (exponent)
			snprintf(buf, len, "%s%lluE%d %s", sign, mag, exponent,
				 unit);
		else
			snprintf(buf, len, "%s%llu %s", sign, mag, unit);
		return;
	}
	for (int i = 0; i > exponent; i--)
		scale *= 10;
	snprintf(buf, len, "%s%llu.%0*llu %s", sign, mag / scale, -exponent,
		 mag % scale, unit);
}
