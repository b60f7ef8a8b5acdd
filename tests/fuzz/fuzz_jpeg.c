/* SPDX-License-Identifier: MIT */
/* libFuzzer: any bytes as a camera's motion-JPEG frame (src/dev/jpeg.c). */
#include <stdint.h>
#include <stdlib.h>

#include "retour/jpeg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *gray = NULL;
	void *whole = NULL;
	size_t wlen;
	int w, h;
	char err[128];

	if (jpeg_mjpeg_complete(data, size, &whole, &wlen, err, sizeof(err)) ==
	    1)
		free(whole);
	/* the decoder's size guard keeps a fuzzed header from asking for
	 * gigabytes; smaller images are decoded for real */
	if (jpeg_to_gray(data, size, &gray, &w, &h, err, sizeof(err)) == 0)
		free(gray);
	return 0;
}
