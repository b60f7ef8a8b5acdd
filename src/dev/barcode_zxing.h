/* SPDX-License-Identifier: MIT */
/*
 * The second decoder, zxing-cpp, behind a C interface (barcode_zxing.cpp);
 * only in builds where pkg-config finds zxing (RETOUR_HAVE_ZXING).  Called
 * by barcode.c alone.
 */
#ifndef RETOUR_BARCODE_ZXING_H
#define RETOUR_BARCODE_ZXING_H

#include <stdint.h>

#include "retour/barcode.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Read the codes of the symbologies in @mask (1 << enum barcode_symbology)
 * from 8-bit gray pixels, appending to @res (up to BARCODE_MAX_FOUND).
 * @thorough: zxing's "try harder" (every row, more patterns), for a still
 * image; a stream frame has a successor soon.  Returns how many were
 * appended; never throws.
 */
int barcode_zxing_decode(const uint8_t *gray, int width, int height, int stride,
			 unsigned mask, int thorough,
			 struct barcode_results *res);

#ifdef __cplusplus
}
#endif

#endif
