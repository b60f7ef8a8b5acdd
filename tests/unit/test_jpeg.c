/* SPDX-License-Identifier: MIT */
/*
 * JPEG for the camera (src/dev/jpeg.c): a YUYV frame encoded and decoded
 * back to its brightness; a motion-JPEG frame without Huffman tables made
 * whole, decoding to exactly the pixels of the frame with them (so the
 * inserted tables are the standard ones, byte for byte); damaged input
 * refused with a sentence.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "retour/jpeg.h"

#define W 64
#define H 48

static uint8_t yuyv[W * H * 2];

static void make_frame(void)
{
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x += 2) {
			uint8_t *p = yuyv + (size_t)y * W * 2 + (size_t)x * 2;

			p[0] = (uint8_t)(16 + (x * 3 + y * 2) % 200);
			p[1] = 128;
			p[2] = (uint8_t)(16 + ((x + 1) * 3 + y * 2) % 200);
			p[3] = 128;
		}
}

static void *encode(size_t *len)
{
	void *jpg = NULL;
	char err[128];

	make_frame();
	assert_int_equal(jpeg_from_yuyv(yuyv, W, H, W * 2, 95, &jpg, len, err,
					sizeof(err)),
			 0);
	return jpg;
}

static void test_jpeg_yuyv_round_trip(void **state)
{
	size_t len;
	void *jpg = encode(&len);
	uint8_t *gray = NULL;
	int w = 0, h = 0;
	char err[128];
	long diff = 0;

	assert_int_equal(jpeg_to_gray(jpg, len, &gray, &w, &h, err,
				      sizeof(err)),
			 0);
	assert_int_equal(w, W);
	assert_int_equal(h, H);
	for (int i = 0; i < W * H; i++)
		diff += labs((long)gray[i] - yuyv[2 * i]);
	/* JPEG is lossy: the brightness comes back within a few levels */
	assert_true(diff / (W * H) < 6);
	free(gray);
	free(jpg);
}

/* The same file without its DHT segments: what a webcam's MJPEG sends. */
static size_t strip_dht(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t pos = 2, o = 2;

	memcpy(out, in, 2);
	while (pos + 4 <= len && in[pos + 1] != 0xDA) {
		size_t seg = 2 + (((size_t)in[pos + 2] << 8) | in[pos + 3]);

		if (in[pos + 1] != 0xC4) {
			memcpy(out + o, in + pos, seg);
			o += seg;
		}
		pos += seg;
	}
	memcpy(out + o, in + pos, len - pos);
	return o + len - pos;
}

static void test_jpeg_mjpeg_gets_standard_tables(void **state)
{
	size_t len, slen, wlen;
	uint8_t *jpg = encode(&len);
	uint8_t *stripped = malloc(len), *g1 = NULL, *g2 = NULL;
	void *whole = NULL;
	int w, h;
	char err[128];

	/* a file with its tables is left as it is */
	assert_int_equal(jpeg_mjpeg_complete(jpg, len, &whole, &wlen, err,
					     sizeof(err)),
			 0);
	assert_null(whole);

	slen = strip_dht(jpg, len, stripped);
	assert_true(slen < len);
	assert_int_equal(jpeg_mjpeg_complete(stripped, slen, &whole, &wlen,
					     err, sizeof(err)),
			 1);
	assert_non_null(whole);
	assert_int_equal(jpeg_to_gray(jpg, len, &g1, &w, &h, err, sizeof(err)),
			 0);
	/* decoded straight from the frame without tables, and from the
	 * completed file: both give the original's pixels exactly */
	assert_int_equal(jpeg_to_gray(whole, wlen, &g2, &w, &h, err,
				      sizeof(err)),
			 0);
	assert_memory_equal(g1, g2, (size_t)W * H);
	free(g2);
	g2 = NULL;
	assert_int_equal(jpeg_to_gray(stripped, slen, &g2, &w, &h, err,
				      sizeof(err)),
			 0);
	assert_memory_equal(g1, g2, (size_t)W * H);
	free(g1);
	free(g2);
	free(whole);
	free(stripped);
	free(jpg);
}

static void test_jpeg_damaged_refused(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *says;
	} bad[] = {
	    {"", 0, "no start marker"},
	    {"GIF89a", 6, "no start marker"},
	    {"\xff\xd8", 2, "no start marker"},
	    {"\xff\xd8\xff\xe0\x00\x40JFIF", 10, "runs past the end"},
	    {"\xff\xd8\xff\xd9", 4, "no picture data"},
	    {"\xff\xd8\x00\x00\x00", 5, "no marker at byte 2"},
	    {"\xff\xd8\xff\xe0\x00\x02", 6, "ends before its picture data"},
	    {"\xff\xd8\xff\xda\x00\x02\x00", 7, "damaged JPEG image"},
	};
	uint8_t *gray;
	void *whole;
	size_t wlen;
	int w, h;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[128] = "";

		gray = NULL;
		assert_true(jpeg_to_gray(bad[i].bytes, bad[i].len, &gray, &w,
					 &h, err, sizeof(err)) < 0);
		assert_null(gray);
		if (!strstr(err, bad[i].says))
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
				 bad[i].says);
	}
	assert_int_equal(jpeg_mjpeg_complete(NULL, 0, &whole, &wlen, NULL, 0),
			 -EINVAL);
}

static void test_jpeg_yuyv_bad_geometry(void **state)
{
	void *out = (void *)1;
	size_t len = 1;
	char err[128];

	make_frame();
	assert_int_equal(jpeg_from_yuyv(yuyv, W - 1, H, W * 2, 90, &out, &len,
					err, sizeof(err)),
			 -EINVAL);
	assert_null(out);
	assert_int_equal(jpeg_from_yuyv(yuyv, W, H, W, 90, &out, &len, err,
					sizeof(err)),
			 -EINVAL);
	assert_int_equal(jpeg_from_yuyv(yuyv, W, H, W * 2, 0, &out, &len, err,
					sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "cannot encode"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jpeg_yuyv_round_trip),
	    cmocka_unit_test(test_jpeg_mjpeg_gets_standard_tables),
	    cmocka_unit_test(test_jpeg_damaged_refused),
	    cmocka_unit_test(test_jpeg_yuyv_bad_geometry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
