/* SPDX-License-Identifier: MIT */
/* An EAN-13 drawn from the tables of ISO/IEC 15420 (ean13_fixture.h). */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "ean13_fixture.h"

static const char *const ean_l[10] = {
    "0001101", "0011001", "0010011", "0111101", "0100011",
    "0110001", "0101111", "0111011", "0110111", "0001011"};
static const char *const ean_g[10] = {
    "0100111", "0110011", "0011011", "0100001", "0011101",
    "0111001", "0000101", "0010001", "0001001", "0010111"};
static const char *const ean_r[10] = {
    "1110010", "1100110", "1101100", "1000010", "1011100",
    "1001110", "1010000", "1000100", "1001000", "1110100"};
static const char *const ean_parity[10] = {
    "LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
    "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"};

/* The 95 modules of @digits, '1' dark. */
static void ean13_modules(const char *digits, char out[96])
{
	int first = digits[0] - '0';

	strcpy(out, "101");
	for (int i = 1; i <= 6; i++) {
		int d = digits[i] - '0';

		strcat(out,
		       ean_parity[first][i - 1] == 'L' ? ean_l[d] : ean_g[d]);
	}
	strcat(out, "01010");
	for (int i = 7; i <= 12; i++)
		strcat(out, ean_r[digits[i] - '0']);
	strcat(out, "101");
}

void ean13_draw(const char *digits, bool inverted, uint8_t *gray, int w, int h)
{
	char m[96];
	uint8_t paper = inverted ? 20 : 235, ink = inverted ? 235 : 20;

	ean13_modules(digits, m);
	memset(gray, paper, (size_t)w * h);
	for (int y = 40; y < 200 && y < h; y++)
		for (int i = 0; i < 95; i++)
			if (m[i] == '1')
				memset(gray + (size_t)y * w + 100 + i * 3, ink,
				       3);
}

void *ean13_png(const uint8_t *gray, int w, int h, size_t *len)
{
	png_image img = {.version = PNG_IMAGE_VERSION,
			 .width = (png_uint_32)w,
			 .height = (png_uint_32)h,
			 .format = PNG_FORMAT_GRAY};
	png_alloc_size_t n = 0;
	void *png;

	if (!png_image_write_to_memory(&img, NULL, &n, 0, gray, 0, NULL))
		return NULL;
	png = malloc(n);
	if (png &&
	    !png_image_write_to_memory(&img, png, &n, 0, gray, 0, NULL)) {
		free(png);
		return NULL;
	}
	*len = n;
	return png;
}
