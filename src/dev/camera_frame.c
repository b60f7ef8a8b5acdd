/* SPDX-License-Identifier: MIT */
/*
 * Camera frames judged and made photos (include/retour/camera_frame.h).
 * Pure apart from libjpeg-turbo, which jpeg.c wraps.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/camera_frame.h"
#include "retour/jpeg.h"

const char *camera_frame_format_name(enum camera_frame_format f)
{
	switch (f) {
	case CAMERA_FRAME_YUYV:
		return "YUYV";
	case CAMERA_FRAME_MJPEG:
		return "MJPEG";
	case CAMERA_FRAME_GRAY:
		return "GRAY";
	case CAMERA_FRAME_ENCODED:
		return "ENCODED";
	}
	return "unknown";
}

size_t camera_frame_bytes(enum camera_frame_format f, int width, int height,
			  int stride)
{
	size_t row;

	if (f != CAMERA_FRAME_YUYV && f != CAMERA_FRAME_GRAY)
		return 0;
	if (width <= 0 || height <= 0 || width > CAMERA_FRAME_MAX_SIDE ||
	    height > CAMERA_FRAME_MAX_SIDE || stride <= 0 ||
	    stride > 4 * CAMERA_FRAME_MAX_SIDE)
		return 0;
	row = (size_t)width * (f == CAMERA_FRAME_YUYV ? 2 : 1);
	if (f == CAMERA_FRAME_YUYV && width % 2)
		return 0;
	if ((size_t)stride < row)
		return 0;
	return (size_t)stride * (size_t)(height - 1) + row;
}

/* The frame ends with EOI, maybe followed by zero bytes. */
static int camera_frame_mjpeg_ends(const uint8_t *p, size_t len)
{
	while (len > 2 && p[len - 1] == 0x00)
		len--;
	return len >= 4 && p[len - 2] == 0xff && p[len - 1] == 0xd9;
}

int camera_frame_check(const struct camera_frame *f, char *err, size_t errlen)
{
	const uint8_t *p;
	size_t need;

	if (!f || (!f->data && f->len)) {
		snprintf(err, errlen, "camera frame: none");
		return -EBADMSG;
	}
	p = f->data;
	switch (f->format) {
	case CAMERA_FRAME_YUYV:
	case CAMERA_FRAME_GRAY:
		need = camera_frame_bytes(f->format, f->width, f->height,
					  f->stride);
		if (!need) {
			snprintf(err, errlen,
				 "%s frame %llu: %dx%d with %d bytes per row "
				 "is not a frame size",
				 camera_frame_format_name(f->format),
				 (unsigned long long)f->seq, f->width,
				 f->height, f->stride);
			return -EBADMSG;
		}
		if (f->len < need) {
			snprintf(err, errlen,
				 "%s frame %llu: %zu bytes, %dx%d needs %zu "
				 "(truncated)",
				 camera_frame_format_name(f->format),
				 (unsigned long long)f->seq, f->len, f->width,
				 f->height, need);
			return -EBADMSG;
		}
		return 0;
	case CAMERA_FRAME_MJPEG:
		if (f->len < 4 || p[0] != 0xff || p[1] != 0xd8) {
			snprintf(err, errlen,
				 "MJPEG frame %llu: %zu bytes, not a JPEG "
				 "(no start of image)",
				 (unsigned long long)f->seq, f->len);
			return -EBADMSG;
		}
		if (!camera_frame_mjpeg_ends(p, f->len)) {
			snprintf(err, errlen,
				 "MJPEG frame %llu: %zu bytes, no end of image "
				 "(truncated)",
				 (unsigned long long)f->seq, f->len);
			return -EBADMSG;
		}
		return 0;
	case CAMERA_FRAME_ENCODED:
		if (!f->len) {
			snprintf(err, errlen, "image frame %llu: empty",
				 (unsigned long long)f->seq);
			return -EBADMSG;
		}
		return 0;
	}
	snprintf(err, errlen, "camera frame %llu: unknown format",
		 (unsigned long long)f->seq);
	return -EBADMSG;
}

static int camera_frame_copy(const void *in, size_t len, void **out,
			     size_t *outlen, char *err, size_t errlen)
{
	void *copy = malloc(len ? len : 1);

	if (!copy) {
		snprintf(err, errlen, "camera photo: out of memory");
		return -ENOMEM;
	}
	memcpy(copy, in, len);
	*out = copy;
	*outlen = len;
	return 0;
}

static int camera_frame_mjpeg_photo(const struct camera_frame *f, void **out,
				    size_t *outlen, char *err, size_t errlen)
{
	char why[160];
	uint8_t *gray = NULL;
	void *whole = NULL;
	size_t wholelen = 0;
	int w, h, r;

	r = jpeg_mjpeg_complete(f->data, f->len, &whole, &wholelen, why,
				sizeof(why));
	if (r < 0) {
		snprintf(err, errlen, "MJPEG frame %llu: %s",
			 (unsigned long long)f->seq, why);
		return r == -ENOMEM ? r : -EBADMSG;
	}
	if (r == 0) {
		r = camera_frame_copy(f->data, f->len, &whole, &wholelen, err,
				      errlen);
		if (r < 0)
			return r;
	}
	/* A photo is evidence: keep only one that decodes. */
	r = jpeg_to_gray(whole, wholelen, &gray, &w, &h, why, sizeof(why));
	free(gray);
	if (r < 0) {
		free(whole);
		snprintf(err, errlen, "MJPEG frame %llu: %s",
			 (unsigned long long)f->seq, why);
		return r == -ENOMEM ? r : -EBADMSG;
	}
	*out = whole;
	*outlen = wholelen;
	return 0;
}

int camera_frame_to_photo(const struct camera_frame *f, int quality, void **out,
			  size_t *outlen, char *err, size_t errlen)
{
	char why[160];
	int r;

	if (!out || !outlen)
		return -EINVAL;
	*out = NULL;
	*outlen = 0;
	r = camera_frame_check(f, err, errlen);
	if (r < 0)
		return r;
	switch (f->format) {
	case CAMERA_FRAME_ENCODED:
		return camera_frame_copy(f->data, f->len, out, outlen, err,
					 errlen);
	case CAMERA_FRAME_MJPEG:
		return camera_frame_mjpeg_photo(f, out, outlen, err, errlen);
	case CAMERA_FRAME_YUYV:
		r = jpeg_from_yuyv(f->data, f->width, f->height, f->stride,
				   quality, out, outlen, why, sizeof(why));
		if (r < 0)
			snprintf(err, errlen, "YUYV frame %llu: %s",
				 (unsigned long long)f->seq, why);
		return r;
	case CAMERA_FRAME_GRAY:
		break;
	}
	snprintf(err, errlen, "%s frames are not stored as photos",
		 camera_frame_format_name(f->format));
	return -ENOTSUP;
}
