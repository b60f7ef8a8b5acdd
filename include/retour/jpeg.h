/* SPDX-License-Identifier: MIT */
/*
 * JPEG in and out of the camera's frames, with libjpeg-turbo: a motion-JPEG
 * frame made a whole JPEG file (webcams leave out the Huffman tables), any
 * JPEG decoded to 8-bit gray for the barcode decoder, and YUYV pixels
 * encoded as the JPEG a photo is stored as.
 *
 * Every input is untrusted (a camera, a file): a malformed one is refused
 * with a sentence, never read past its end.
 *
 * Not here: capturing frames (the camera backends), PNG (image.h).
 */
#ifndef RETOUR_JPEG_H
#define RETOUR_JPEG_H

#include <stddef.h>
#include <stdint.h>

/* Larger images are refused before they are decoded: 64 Mpixel. */
#define JPEG_MAX_PIXELS (64L * 1024 * 1024)

/*
 * A motion-JPEG frame (@in, @len) as a whole JPEG file.  1 with *@out a
 * malloc'd copy with the standard Huffman tables (ITU T.81 Annex K.3)
 * inserted before the scan, when the frame had none; 0 with *@out NULL
 * when it has its own tables (use @in as it is); -EINVAL with @err when it
 * is not a JPEG (no SOI, a segment running past the end, no scan);
 * -ENOMEM.
 */
int jpeg_mjpeg_complete(const void *in, size_t len, void **out, size_t *outlen,
			char *err, size_t errlen);

/*
 * Decode a JPEG or motion-JPEG frame to 8-bit gray, one byte per pixel,
 * rows packed (stride = width).  *@gray is malloc'd.  0, -EINVAL with @err
 * for a damaged or unsupported image, -EFBIG over JPEG_MAX_PIXELS,
 * -ENOMEM.
 */
int jpeg_to_gray(const void *in, size_t len, uint8_t **gray, int *width,
		 int *height, char *err, size_t errlen);

/*
 * Encode packed YUYV (4:2:2, @stride bytes per row, @width even) as a
 * JPEG of @quality (1-100).  *@out is malloc'd.  0, -EINVAL with @err,
 * -ENOMEM.
 */
int jpeg_from_yuyv(const void *yuyv, int width, int height, int stride,
		   int quality, void **out, size_t *outlen, char *err,
		   size_t errlen);

#endif
