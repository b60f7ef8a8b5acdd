/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: any bytes as an image file (src/dev/image.c: PNG through
 * libpng, JPEG through jpeg.c) and, when they make a picture, through the
 * camera's decoder (src/dev/barcode.c) as an ENCODED frame.
 */
#include <stdint.h>
#include <stdlib.h>

#include "retour/barcode.h"
#include "retour/camera.h"
#include "retour/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct barcode_decoder *dec;
	static struct barcode_results res;
	struct camera_frame f = {
	    .format = CAMERA_FRAME_ENCODED, .data = data, .len = size};
	uint8_t *gray = NULL;
	int w, h;
	char err[256];

	if (!dec && barcode_decoder_new(NULL, &dec, err, sizeof(err)) < 0)
		abort();
	if (image_to_gray(data, size, &gray, &w, &h, err, sizeof(err)) == 0) {
		free(gray);
		/* small pictures only: a fuzzer's time is for the parsers */
		if ((int64_t)w * h <= 256 * 256)
			barcode_decode_frame(dec, &f, &res, err, sizeof(err));
	}
	return 0;
}
