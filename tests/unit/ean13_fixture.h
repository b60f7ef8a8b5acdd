/* SPDX-License-Identifier: MIT */
/* An EAN-13 drawn module by module, for the decoder's tests. */
#ifndef RETOUR_TEST_EAN13_FIXTURE_H
#define RETOUR_TEST_EAN13_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* @digits (13) as 3-px bars, 160 px high, at x = 100, y = 40, on a page of
 * @w x @h gray pixels (w >= 400, h >= 200); light bars on dark paper when
 * @inverted. */
void ean13_draw(const char *digits, bool inverted, uint8_t *gray, int w,
		int h);

/* The page as a PNG file, malloc'd. */
void *ean13_png(const uint8_t *gray, int w, int h, size_t *len);

#endif
