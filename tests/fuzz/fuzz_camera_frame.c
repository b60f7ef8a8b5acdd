/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: any bytes as a frame a camera handed over
 * (src/dev/camera_frame.c).  The first 6 bytes choose the format, the
 * size and the stride as a driver's answer might; the rest is the frame.
 * It is checked, and made a photo when it passes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "retour/camera_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct camera_frame f = {0};
	void *photo = NULL;
	size_t len = 0;
	char err[200];

	if (size < 6)
		return 0;
	f.format = (enum camera_frame_format)(data[0] % 5);
	/* small sizes keep YUYV encoding quick */
	f.width = (data[1] % 64) - 2;
	f.height = (data[2] % 64) - 2;
	f.stride = (int)(((unsigned)data[3] << 8 | data[4]) % 512) - 2;
	f.seq = data[5];
	f.data = data + 6;
	f.len = size - 6;
	if (camera_frame_check(&f, err, sizeof(err)) == 0 &&
	    camera_frame_to_photo(&f, 80, &photo, &len, err, sizeof(err)) == 0)
		free(photo);
	return 0;
}
