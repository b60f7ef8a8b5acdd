/* SPDX-License-Identifier: MIT */
/*
 * Toledo 8217 (and the 8213 "demand" mode it extends) reply parser: what
 * a scale answers to "W" on its serial line.
 *
 *   <STX> weight <CR>      weight: digits with a decimal point, leading
 *                          spaces or zeros, optionally a unit ("01.234",
 *                          "  1.234KG", "002.50LB")
 *   <STX> ? status <CR>    the weight is not valid; status bits:
 *                          0 in motion, 1 over capacity, 2 under zero,
 *                          3 outside the zero capture range, 4 at the
 *                          centre of zero, 5 and 6 always 1 (7: parity)
 *
 * ("Z" and "T" are answered with a status reply.)  Pure: no I/O.
 */
#ifndef RETOUR_TOLEDO8217_H
#define RETOUR_TOLEDO8217_H

#include <stddef.h>

#include "retour/scale.h"
#include "retour/scale_unit.h"

#define TOLEDO8217_STX 0x02
#define TOLEDO8217_CR 0x0D
/* Longest reply accepted between STX and CR. */
#define TOLEDO8217_REPLY_MAX 24

#define TOLEDO8217_MOTION 0x01
#define TOLEDO8217_OVER_CAPACITY 0x02
#define TOLEDO8217_UNDER_ZERO 0x04
#define TOLEDO8217_OUTSIDE_ZERO 0x08
#define TOLEDO8217_CENTER_ZERO 0x10

/*
 * Parse one reply: the bytes between STX and CR (both excluded).  A
 * weight without a unit is in @default_unit.  A weight reply is STABLE
 * (the 8217 answers a weight only when it is valid); a status reply is
 * UNSTABLE (motion), OVERLOAD, UNDERLOAD, NEEDS_ZERO (outside the zero
 * capture range) or, at the centre of zero with nothing wrong, STABLE 0 g.
 * 0, or -EINVAL for anything else (out->status SCALE_ERROR, detail why).
 */
int toledo8217_parse(const char *body, size_t len,
		     const struct scale_unit *default_unit,
		     struct scale_reading *out);

#endif
