/* SPDX-License-Identifier: MIT */
/*
 * Image files as 8-bit gray pixels, for the barcode decoder: a JPEG (with
 * libjpeg-turbo, jpeg.h) or a PNG (with libpng), told apart by their first
 * bytes, whatever the file is called.  `retourctl decode` and the camera's
 * ENCODED frames (the dir backend) come this way.
 *
 * Every file is untrusted: a damaged, truncated or absurdly large one is
 * refused with a sentence before any pixel memory is asked for.
 *
 * Not here: decoding codes (barcode.h), photos (photo.h).
 */
#ifndef RETOUR_IMAGE_H
#define RETOUR_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Larger images are refused before they are decoded: 64 Mpixel, as JPEG. */
#define IMAGE_MAX_PIXELS (64L * 1024 * 1024)
/* Larger files are not read: 64 MiB. */
#define IMAGE_MAX_FILE_BYTES (64L * 1024 * 1024)

/*
 * A whole JPEG or PNG file (@data, @len) decoded to gray, one byte per
 * pixel, rows packed (stride = width); *@gray is malloc'd.  0; -EINVAL
 * with @err ("not a PNG or JPEG image", "PNG: ..."); -EFBIG over
 * IMAGE_MAX_PIXELS; -ENOMEM.
 */
int image_to_gray(const void *data, size_t len, uint8_t **gray, int *width,
		  int *height, char *err, size_t errlen);

/*
 * A file's bytes, malloc'd, at most IMAGE_MAX_FILE_BYTES.  0, or -errno
 * with @err naming @path ("x.png: No such file or directory", "x.png:
 * empty file", "x.png: larger than 64 MiB").
 */
int image_read_file(const char *path, void **data, size_t *len, char *err,
		    size_t errlen);

#endif
