/* SPDX-License-Identifier: MIT */
/*
 * JPEG for the camera (include/retour/jpeg.h): motion-JPEG frames made
 * whole, JPEG to gray for the decoder, YUYV to JPEG for photos, through
 * libjpeg-turbo's TurboJPEG API.
 *
 * Motion JPEG (USB webcams, V4L2_PIX_FMT_MJPEG) usually leaves out the
 * Huffman tables and relies on the standard ones; a JPEG decoder and a
 * photo viewer need them in the file, so they are inserted before the
 * scan, byte for byte the tables of ITU T.81 Annex K.3.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "retour/jpeg.h"

/* ---- the standard Huffman tables as one DHT segment ---- */

static const uint8_t jpeg_dht[] = {
    0xFF, 0xC4, 0x01, 0xA2,
    /* DC, table 0 (luminance): counts per code length, then values */
    0x00, 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6,
    7, 8, 9, 10, 11,
    /* AC, table 0 (luminance) */
    0x10, 0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d, 0x01, 0x02, 0x03,
    0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61,
    0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1,
    0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34,
    0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
    0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64,
    0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78,
    0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93,
    0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6,
    0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9,
    0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3,
    0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5,
    0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
    0xf8, 0xf9, 0xfa,
    /* DC, table 1 (chrominance) */
    0x01, 0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6,
    7, 8, 9, 10, 11,
    /* AC, table 1 (chrominance) */
    0x11, 0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77, 0x00, 0x01, 0x02,
    0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61,
    0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1,
    0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24,
    0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29,
    0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47,
    0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63,
    0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77,
    0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a,
    0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4,
    0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
    0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
    0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4,
    0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
    0xf8, 0xf9, 0xfa};

_Static_assert(sizeof(jpeg_dht) == 2 + 0x1A2, "DHT length field");

/*
 * Walks the segments from SOI to the scan: *@sos is where the scan's
 * header starts, *@has_dht whether a Huffman table came before it.
 */
static int jpeg_find_scan(const uint8_t *p, size_t len, size_t *sos,
			  bool *has_dht, char *err, size_t errlen)
{
	size_t pos = 2;

	if (len < 4 || p[0] != 0xFF || p[1] != 0xD8) {
		snprintf(err, errlen, "not a JPEG image (no start marker)");
		return -EINVAL;
	}
	*has_dht = false;
	while (pos + 1 < len) {
		uint8_t m;
		size_t seglen;

		if (p[pos] != 0xFF) {
			snprintf(err, errlen,
				 "damaged JPEG image: no marker at byte %zu",
				 pos);
			return -EINVAL;
		}
		m = p[pos + 1];
		if (m == 0xFF) { /* fill byte */
			pos++;
			continue;
		}
		if (m == 0xDA) {
			*sos = pos;
			return 0;
		}
		if (m == 0xD9) {
			snprintf(err, errlen, "JPEG image has no picture data");
			return -EINVAL;
		}
		if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* no length */
			pos += 2;
			continue;
		}
		if (pos + 4 > len) {
			break;
		}
		seglen = ((size_t)p[pos + 2] << 8) | p[pos + 3];
		if (seglen < 2 || seglen > len - pos - 2) {
			snprintf(err, errlen,
				 "damaged JPEG image: a segment at byte %zu "
				 "runs past the end",
				 pos);
			return -EINVAL;
		}
		if (m == 0xC4)
			*has_dht = true;
		pos += 2 + seglen;
	}
	snprintf(err, errlen, "JPEG image ends before its picture data");
	return -EINVAL;
}

int jpeg_mjpeg_complete(const void *in, size_t len, void **out, size_t *outlen,
			char *err, size_t errlen)
{
	const uint8_t *p = in;
	size_t sos = 0;
	bool has_dht = false;
	uint8_t *o;
	int r;

	*out = NULL;
	*outlen = 0;
	if (!in) {
		snprintf(err, errlen, "not a JPEG image (empty)");
		return -EINVAL;
	}
	r = jpeg_find_scan(p, len, &sos, &has_dht, err, errlen);
	if (r < 0 || has_dht)
		return r;
	o = malloc(len + sizeof(jpeg_dht));
	if (!o)
		return -ENOMEM;
	memcpy(o, p, sos);
	memcpy(o + sos, jpeg_dht, sizeof(jpeg_dht));
	memcpy(o + sos + sizeof(jpeg_dht), p + sos, len - sos);
	*out = o;
	*outlen = len + sizeof(jpeg_dht);
	return 1;
}

int jpeg_to_gray(const void *in, size_t len, uint8_t **gray, int *width,
		 int *height, char *err, size_t errlen)
{
	void *whole = NULL;
	size_t wlen = 0;
	const unsigned char *src = in;
	int w = 0, h = 0, subsamp = 0, colorspace = 0, r;
	tjhandle tj;
	uint8_t *g;

	*gray = NULL;
	r = jpeg_mjpeg_complete(in, len, &whole, &wlen, err, errlen);
	if (r < 0)
		return r;
	if (whole) {
		src = whole;
		len = wlen;
	}
	if (len > (size_t)0xFFFFFFFFu) {
		free(whole);
		snprintf(err, errlen, "JPEG image too large");
		return -EFBIG;
	}
	tj = tjInitDecompress();
	if (!tj) {
		free(whole);
		return -ENOMEM;
	}
	if (tjDecompressHeader3(tj, src, (unsigned long)len, &w, &h, &subsamp,
				&colorspace) < 0 ||
	    w <= 0 || h <= 0) {
		snprintf(err, errlen, "damaged JPEG image: %s",
			 tjGetErrorStr2(tj));
		r = -EINVAL;
		goto out;
	}
	if ((long)w * h > JPEG_MAX_PIXELS) {
		snprintf(err, errlen, "JPEG image of %dx%d is too large", w, h);
		r = -EFBIG;
		goto out;
	}
	g = malloc((size_t)w * (size_t)h);
	if (!g) {
		r = -ENOMEM;
		goto out;
	}
	/* A warning (a frame cut short) still gives the rows it has. */
	if (tjDecompress2(tj, src, (unsigned long)len, g, w, w, h, TJPF_GRAY,
			  TJFLAG_FASTDCT) < 0 &&
	    tjGetErrorCode(tj) != TJERR_WARNING) {
		snprintf(err, errlen, "damaged JPEG image: %s",
			 tjGetErrorStr2(tj));
		free(g);
		r = -EINVAL;
		goto out;
	}
	*gray = g;
	*width = w;
	*height = h;
	r = 0;
out:
	tjDestroy(tj);
	free(whole);
	return r;
}

int jpeg_from_yuyv(const void *yuyv, int width, int height, int stride,
		   int quality, void **out, size_t *outlen, char *err,
		   size_t errlen)
{
	const uint8_t *src = yuyv;
	unsigned char *planes[3], *buf, *jpg;
	unsigned long size, jlen;
	size_t npix;
	tjhandle tj;
	int r = 0;

	*out = NULL;
	*outlen = 0;
	if (!yuyv || width <= 0 || height <= 0 || width % 2 ||
	    stride < 2 * width || quality < 1 || quality > 100 ||
	    (long)width * height > JPEG_MAX_PIXELS) {
		snprintf(err, errlen,
			 "cannot encode a %dx%d YUYV frame (stride %d, "
			 "quality %d)",
			 width, height, stride, quality);
		return -EINVAL;
	}
	npix = (size_t)width * (size_t)height;
	buf = malloc(npix * 2);
	if (!buf)
		return -ENOMEM;
	/* packed Y0 U Y1 V -> the planes of 4:2:2 */
	planes[0] = buf;
	planes[1] = buf + npix;
	planes[2] = buf + npix + npix / 2;
	for (int y = 0; y < height; y++) {
		const uint8_t *row = src + (size_t)y * (size_t)stride;
		unsigned char *yp = planes[0] + (size_t)y * (size_t)width;
		unsigned char *up = planes[1] + (size_t)y * (size_t)width / 2;
		unsigned char *vp = planes[2] + (size_t)y * (size_t)width / 2;

		for (int x = 0; x < width / 2; x++) {
			yp[2 * x] = row[4 * x];
			up[x] = row[4 * x + 1];
			yp[2 * x + 1] = row[4 * x + 2];
			vp[x] = row[4 * x + 3];
		}
	}
	size = tjBufSize(width, height, TJSAMP_422);
	jpg = malloc(size);
	tj = jpg ? tjInitCompress() : NULL;
	if (!tj) {
		free(jpg);
		free(buf);
		return -ENOMEM;
	}
	jlen = size;
	if (tjCompressFromYUVPlanes(tj, (const unsigned char **)planes, width,
				    NULL, height, TJSAMP_422, &jpg, &jlen,
				    quality, TJFLAG_NOREALLOC) < 0) {
		snprintf(err, errlen, "JPEG encoding failed: %s",
			 tjGetErrorStr2(tj));
		free(jpg);
		r = -EINVAL;
	} else {
		*out = jpg;
		*outlen = jlen;
	}
	tjDestroy(tj);
	free(buf);
	return r;
}
