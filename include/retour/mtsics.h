/* SPDX-License-Identifier: MIT */
/*
 * MT-SICS (Mettler Toledo Standard Interface Command Set) reply parser.
 *
 * Pure: one reply line in, one scale reading out.  It knows the level-0
 * replies to SI ("S S", "S D", "S +", "S -", "S I") and the error replies
 * ES, ET, EL.  It does no I/O and sends no command: see scale_mtsics.c.
 */
#ifndef RETOUR_MTSICS_H
#define RETOUR_MTSICS_H

#include <stddef.h>

#include "retour/scale.h"

/* Longest reply line accepted, terminator excluded. */
#define MTSICS_LINE_MAX 64

/*
 * Parse one reply; a trailing CR/LF is tolerated.  Weights in g, kg or mg
 * are converted to integer grams, rounding half away from zero; other units
 * (lb, oz, ...) are refused.
 * Returns 0 when the line is a well-formed reply (out filled; the status
 * may still be SCALE_ERROR for ES/ET/EL/"S I", SCALE_OVERLOAD, ...), or
 * -EINVAL for garbage (out->status = SCALE_ERROR, out->detail says why).
 */
int mtsics_parse_line(const char *line, size_t len, struct scale_reading *out);

#endif
