/* SPDX-License-Identifier: MIT */
/*
 * Units of weight a scale may report, and their conversion to the
 * station's integer grams.
 *
 * The rounding rule, the only one in the station: the exact value (raw *
 * 10^exponent units, computed in integers, no floating point) is rounded
 * HALF AWAY FROM ZERO to a whole gram: 1.5 g -> 2 g, 2.5 g -> 3 g,
 * -0.5 g -> -1 g, 0.49 g -> 0 g.
 *
 * The codes are the HID POS Weight Unit usages (usage page 0x8D, usages
 * 0x51..0x5C) minus 0x50, as a HID scale's data report carries them:
 * 1 mg, 2 g, 3 kg, 4 carat, 5 tael, 6 grain, 7 pennyweight, 8 metric ton,
 * 9 avoirdupois ton (short ton, 2000 lb), 10 troy ounce, 11 ounce, 12 lb.
 * A tael is 37.5, 37.8 or 50 g depending on the region: it is refused
 * unless the site says which (scale_unit_tael_parse()).
 *
 * Pure: no I/O.
 */
#ifndef RETOUR_SCALE_UNIT_H
#define RETOUR_SCALE_UNIT_H

#include <stddef.h>
#include <stdint.h>

#define SCALE_UNIT_TAEL 5

/* Grams per unit as an exact fraction. */
struct scale_unit {
	int code;	  /* HID POS code, 1..12 */
	const char *name; /* "kg", "lb", ... */
	int64_t g_num, g_den;
};

/* A tael as configured: grams = num / den; den 0: not configured. */
struct scale_tael {
	int64_t num, den;
};

/* "37.5", "37.8" or "50" (NULL or "": none); 0 or -EINVAL. */
int scale_unit_tael_parse(const char *text, struct scale_tael *out);

/*
 * The unit of HID POS code @code: 0 with *@out, -EINVAL for an unknown
 * code, -ENOTSUP for a tael the site has not sized (@tael NULL or den 0).
 */
int scale_unit_by_code(int code, const struct scale_tael *tael,
		       struct scale_unit *out);
/* The unit named @name ("kg", "KG", "lb", "oz", "g", ...), case-insensitive;
 * 0 or -EINVAL.  Taels are not found by name. */
int scale_unit_by_name(const char *name, struct scale_unit *out);

/*
 * @raw * 10^@exponent units of @u, in grams rounded half away from zero.
 * 0, or -ERANGE when the exponent is outside -12..12, |raw| is beyond
 * 2^31 - 1, or the result does not fit an int32_t.
 */
int scale_unit_to_grams(const struct scale_unit *u, int64_t raw, int exponent,
			int32_t *grams);

/* "1.234 kg", "-0.5 oz", "1200 g" (exponent > 0: "12E2 g"). */
void scale_unit_format(int64_t raw, int exponent, const char *unit, char *buf,
		       size_t len);

#endif
