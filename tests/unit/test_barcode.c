/* SPDX-License-Identifier: MIT */
/*
 * The camera's decoder (src/dev/barcode.c, image.c) and the camera as a
 * scanner (camera_seen.c, camera_scanner.c): an EAN-13 drawn here, module
 * by module from the standard's tables, read back from a YUYV frame, a
 * padded GRAY frame, a JPEG and a PNG; a symbology the site did not enable
 * is not read; bad frames and files (zero size, truncated, 1x1, a PNG
 * header declaring 100000x100000 pixels) are refused or read as nothing;
 * the rule that reports a code once; and the worker threads delivering one
 * line on the event loop for a code held under the camera.
 */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "retour/barcode.h"
#include "retour/camera.h"
#include "retour/camera_scanner.h"
#include "retour/image.h"
#include "retour/jpeg.h"
#include "ean13_fixture.h"

#define W 640
#define H 240
#define EAN "5901234123457"

static uint8_t gray[W * H];
static uint8_t yuyv[W * H * 2];

/* @digits as dark bars (or light, @inverted) of 3 px on the page. */
static void draw_ean13(const char *digits, bool inverted)
{
	ean13_draw(digits, inverted, gray, W, H);
	for (int p = 0; p < W * H; p++) {
		yuyv[2 * p] = gray[p];
		yuyv[2 * p + 1] = 128;
	}
}

static struct barcode_decoder *decoder(const char *symbologies,
				       const char *inverted)
{
	struct barcode_config c = {.symbologies = symbologies,
				   .inverted = inverted};
	struct barcode_decoder *dec = NULL;
	char err[256];

	assert_int_equal(barcode_decoder_new(&c, &dec, err, sizeof(err)), 0);
	return dec;
}

static struct barcode_results res;

static void assert_read_ean(const struct barcode_results *r)
{
	assert_int_equal(r->n, 1);
	assert_int_equal(r->item[0].symbology, BARCODE_EAN13);
	assert_string_equal(r->item[0].aim, "]E0");
	assert_int_equal(r->item[0].len, 13);
	assert_memory_equal(r->item[0].data, EAN, 13);
}

static void test_yuyv_frame_is_read(void **state)
{
	struct barcode_decoder *dec = decoder(NULL, NULL);
	struct camera_frame f = {.format = CAMERA_FRAME_YUYV,
				 .width = W,
				 .height = H,
				 .stride = W * 2,
				 .data = yuyv,
				 .len = sizeof(yuyv)};
	char err[256];

	(void)state;
	draw_ean13(EAN, false);
	assert_int_equal(barcode_decode_frame(dec, &f, &res, err, sizeof(err)),
			 0);
	assert_read_ean(&res);
	barcode_decoder_free(dec);
}

static void test_padded_gray_frame_is_read(void **state)
{
	struct barcode_decoder *dec = decoder("ean13", NULL);
	int stride = W + 32;
	uint8_t *padded = calloc((size_t)stride, H);
	struct camera_frame f = {.format = CAMERA_FRAME_GRAY,
				 .width = W,
				 .height = H,
				 .stride = stride,
				 .data = padded,
				 .len = (size_t)stride * H};
	char err[256];

	(void)state;
	draw_ean13(EAN, false);
	for (int y = 0; y < H; y++)
		memcpy(padded + y * stride, gray + y * W, W);
	assert_int_equal(barcode_decode_frame(dec, &f, &res, err, sizeof(err)),
			 0);
	assert_read_ean(&res);
	free(padded);
	barcode_decoder_free(dec);
}

static void test_jpeg_and_png_files_are_read(void **state)
{
	struct barcode_decoder *dec = decoder(NULL, NULL);
	struct camera_frame f = {.format = CAMERA_FRAME_ENCODED};
	png_image img = {.version = PNG_IMAGE_VERSION,
			 .width = W,
			 .height = H,
			 .format = PNG_FORMAT_GRAY};
	png_alloc_size_t plen = 0;
	void *jpg, *png;
	size_t jlen;
	char err[256];

	(void)state;
	draw_ean13(EAN, false);
	assert_int_equal(jpeg_from_yuyv(yuyv, W, H, W * 2, 90, &jpg, &jlen, err,
					sizeof(err)),
			 0);
	f.data = jpg;
	f.len = jlen;
	assert_int_equal(barcode_decode_frame(dec, &f, &res, err, sizeof(err)),
			 0);
	assert_read_ean(&res);
	f.format = CAMERA_FRAME_MJPEG;
	assert_int_equal(barcode_decode_frame(dec, &f, &res, err, sizeof(err)),
			 0);
	assert_read_ean(&res);
	free(jpg);

	assert_true(
	    png_image_write_to_memory(&img, NULL, &plen, 0, gray, 0, NULL));
	png = malloc(plen);
	assert_true(
	    png_image_write_to_memory(&img, png, &plen, 0, gray, 0, NULL));
	f.format = CAMERA_FRAME_ENCODED;
	f.data = png;
	f.len = plen;
	assert_int_equal(barcode_decode_frame(dec, &f, &res, err, sizeof(err)),
			 0);
	assert_read_ean(&res);
	free(png);
	barcode_decoder_free(dec);
}

static void test_symbology_not_enabled_is_not_read(void **state)
{
	struct barcode_decoder *dec = decoder("qr, code128", NULL);

	(void)state;
	draw_ean13(EAN, false);
	assert_int_equal(barcode_decode_gray(dec, gray, W, H, W, &res), 0);
	assert_int_equal(res.n, 0);
	barcode_decoder_free(dec);
}

static void test_inverted_code_only_when_asked(void **state)
{
	struct barcode_decoder *plain = decoder("ean13", NULL);
	struct barcode_decoder *inv = decoder("ean13", "yes");

	(void)state;
	draw_ean13(EAN, true);
	assert_int_equal(barcode_decode_gray(plain, gray, W, H, W, &res), 0);
	assert_int_equal(res.n, 0);
	assert_int_equal(barcode_decode_gray(inv, gray, W, H, W, &res), 0);
	assert_read_ean(&res);
	barcode_decoder_free(plain);
	barcode_decoder_free(inv);
}

static void test_symbology_lists(void **state)
{
	unsigned mask = 0;
	char problem[256];

	(void)state;
	assert_int_equal(barcode_symbologies_parse("code128, QR,gs1-128", &mask,
						   problem, sizeof(problem)),
			 0);
	assert_int_equal(mask, 1u << BARCODE_CODE128 | 1u << BARCODE_QR |
				   1u << BARCODE_GS1_128);
	assert_int_equal(barcode_symbologies_parse("code128,pdf417", &mask,
						   problem, sizeof(problem)),
			 -EINVAL);
	assert_non_null(strstr(problem, "unknown symbology 'pdf417'"));
	assert_int_equal(
	    barcode_symbologies_parse(" , ", &mask, problem, sizeof(problem)),
	    -EINVAL);
	assert_non_null(strstr(problem, "empty list"));
	assert_int_equal(barcode_symbologies_parse("datamatrix", &mask, problem,
						   sizeof(problem)),
			 barcode_have_zxing() ? 0 : -EINVAL);
	if (!barcode_have_zxing())
		assert_non_null(strstr(problem, "no zxing-cpp"));
	assert_int_equal(barcode_yes_no("yes", 0), 1);
	assert_int_equal(barcode_yes_no("No", 1), 0);
	assert_int_equal(barcode_yes_no(NULL, 1), 1);
	assert_int_equal(barcode_yes_no("maybe", 0), -EINVAL);
}

/* ---- bad input ---- */

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return c ^ 0xffffffffu;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void test_bad_input_is_refused(void **state)
{
	struct barcode_decoder *dec = decoder(NULL, NULL);
	struct camera_frame f = {.format = CAMERA_FRAME_YUYV,
				 .width = 1280,
				 .height = 720,
				 .stride = 2560,
				 .data = yuyv,
				 .len = 100};
	uint8_t one = 7, ihdr[8 + 25 + 12];
	uint8_t *g = NULL;
	void *jpg;
	size_t jlen;
	int w, h, r;
	char err[256];

	(void)state;
	/* a YUYV frame smaller than it says */
	assert_int_equal(barcode_decode_frame(dec, &f, &res, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "does not fit"));
	/* a size that overflows an int when doubled */
	f.width = 1 << 30;
	f.height = 1;
	f.stride = 0;
	assert_int_equal(barcode_decode_frame(dec, &f, &res, err, sizeof(err)),
			 -EINVAL);
	/* zero size */
	f.len = 0;
	assert_int_equal(barcode_decode_frame(dec, &f, &res, err, sizeof(err)),
			 -EINVAL);
	f.format = CAMERA_FRAME_ENCODED;
	f.len = 0;
	assert_int_equal(barcode_decode_frame(dec, &f, &res, err, sizeof(err)),
			 -EINVAL);
	/* not an image */
	f.data = "GIF89a....";
	f.len = 10;
	assert_int_equal(barcode_decode_frame(dec, &f, &res, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "not a PNG or JPEG image");
	/* 1x1: nothing to read, no trouble */
	f = (struct camera_frame){.format = CAMERA_FRAME_GRAY,
				  .width = 1,
				  .height = 1,
				  .stride = 1,
				  .data = &one,
				  .len = 1};
	assert_int_equal(barcode_decode_frame(dec, &f, &res, err, sizeof(err)),
			 0);
	assert_int_equal(res.n, 0);
	/* a truncated JPEG: refused, or read as what is there */
	draw_ean13(EAN, false);
	assert_int_equal(jpeg_from_yuyv(yuyv, W, H, W * 2, 90, &jpg, &jlen, err,
					sizeof(err)),
			 0);
	f = (struct camera_frame){
	    .format = CAMERA_FRAME_ENCODED, .data = jpg, .len = 20};
	assert_int_equal(barcode_decode_frame(dec, &f, &res, err, sizeof(err)),
			 -EINVAL);
	f.len = jlen / 2;
	r = barcode_decode_frame(dec, &f, &res, err, sizeof(err));
	assert_true(r == 0 || r == -EINVAL);
	free(jpg);
	/* a PNG declaring 100000 x 100000 pixels: refused before any pixel
	 * memory is asked for */
	memcpy(ihdr, "\x89PNG\r\n\x1a\n", 8);
	put32(ihdr + 8, 13);
	memcpy(ihdr + 12, "IHDR", 4);
	put32(ihdr + 16, 100000);
	put32(ihdr + 20, 100000);
	memcpy(ihdr + 24, "\x08\x00\x00\x00\x00", 5);
	put32(ihdr + 29, crc32_of(ihdr + 12, 17));
	put32(ihdr + 33, 0); /* an empty IDAT: the header is all there is */
	memcpy(ihdr + 37, "IDAT", 4);
	put32(ihdr + 41, crc32_of(ihdr + 37, 4));
	assert_int_equal(
	    image_to_gray(ihdr, sizeof(ihdr), &g, &w, &h, err, sizeof(err)),
	    -EFBIG);
	assert_null(g);
	/* the same header cut short */
	assert_int_equal(image_to_gray(ihdr, 20, &g, &w, &h, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(barcode_decode_gray(dec, gray, 0, H, W, &res),
			 -EINVAL);
	barcode_decoder_free(dec);
}

/* ---- the rule: a code held under the camera is one scan ---- */

static struct barcode_results with_code(const char *data)
{
	struct barcode_results r = {.n = 1};

	r.item[0].symbology = BARCODE_CODE128;
	r.item[0].len = strlen(data);
	memcpy(r.item[0].data, data, r.item[0].len);
	return r;
}

static void test_seen_rule(void **state)
{
	struct camera_seen s;
	struct barcode_results a = with_code("RMA-1"), none = {0};
	bool rep[BARCODE_MAX_FOUND];

	(void)state;
	camera_seen_init(&s, 2, 1000);
	/* one frame alone: a misread is never reported */
	assert_int_equal(camera_seen_frame(&s, 0, &a, rep), 0);
	assert_int_equal(camera_seen_frame(&s, 30, &none, rep), 0);
	assert_int_equal(camera_seen_frame(&s, 60, &a, rep), 0);
	/* two frames in a row: reported, once */
	assert_int_equal(camera_seen_frame(&s, 90, &a, rep), 1);
	assert_true(rep[0]);
	for (int t = 120; t < 3000; t += 30)
		assert_int_equal(camera_seen_frame(&s, t, &a, rep), 0);
	/* gone for less than forget_ms, back: the same parcel */
	assert_int_equal(camera_seen_frame(&s, 3500, &none, rep), 0);
	assert_int_equal(camera_seen_frame(&s, 3600, &a, rep), 0);
	assert_int_equal(camera_seen_frame(&s, 3630, &a, rep), 0);
	/* gone for longer: new again, after two frames in a row */
	assert_int_equal(camera_seen_frame(&s, 4700, &none, rep), 0);
	assert_int_equal(camera_seen_frame(&s, 4730, &a, rep), 0);
	assert_int_equal(camera_seen_frame(&s, 4760, &a, rep), 1);
}

static void test_seen_rule_two_codes_and_confirm_one(void **state)
{
	struct camera_seen s;
	struct barcode_results ab = with_code("A"), b = with_code("B");
	bool rep[BARCODE_MAX_FOUND];

	(void)state;
	ab.n = 2;
	ab.item[1] = b.item[0];
	camera_seen_init(&s, 1, 500);
	assert_int_equal(camera_seen_frame(&s, 0, &ab, rep), 2);
	assert_int_equal(camera_seen_frame(&s, 10, &b, rep), 0);
	assert_int_equal(camera_seen_frame(&s, 300, &b, rep), 0);
	assert_int_equal(camera_seen_frame(&s, 590, &b, rep), 0);
	/* A absent for 600 ms, B stayed: only A is new again */
	assert_int_equal(camera_seen_frame(&s, 600, &ab, rep), 1);
	assert_true(rep[0]);
	assert_false(rep[1]);
}

/* ---- the workers, frames in, one line out on the loop ---- */

static int lines_seen;
static char line_seen[64];

static void on_line(void *ud, const char *line, size_t len, bool overlong)
{
	(void)ud;
	assert_false(overlong);
	lines_seen++;
	snprintf(line_seen, sizeof(line_seen), "%.*s", (int)len, line);
}

static void test_camera_scanner_reports_once(void **state)
{
	struct barcode_config c = {.symbologies = "ean13", .confirm = 2};
	struct camera_scanner *cs = NULL;
	sd_event *ev = NULL;
	char err[256];
	uint64_t in, decoded, dropped;

	(void)state;
	draw_ean13(EAN, false);
	assert_int_equal(sd_event_new(&ev), 0);
	assert_int_equal(
	    camera_scanner_new(ev, &c, on_line, NULL, &cs, err, sizeof(err)),
	    0);
	lines_seen = 0;
	for (uint64_t seq = 1; seq <= 5; seq++) {
		struct camera_frame f = {.format = CAMERA_FRAME_YUYV,
					 .width = W,
					 .height = H,
					 .stride = W * 2,
					 .data = yuyv,
					 .len = sizeof(yuyv),
					 .seq = seq};

		camera_scanner_frame(cs, &f);
		/* one frame at a time, so that none is replaced */
		for (int i = 0; i < 200; i++) {
			camera_scanner_counts(cs, &in, &decoded, &dropped);
			if (decoded == seq)
				break;
			sd_event_run(ev, 10 * 1000);
		}
		assert_int_equal(decoded, seq);
	}
	for (int i = 0; i < 5; i++)
		sd_event_run(ev, 10 * 1000);
	assert_int_equal(lines_seen, 1);
	assert_string_equal(line_seen, "]E0" EAN);
	camera_scanner_free(cs);
	sd_event_unref(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_yuyv_frame_is_read),
	    cmocka_unit_test(test_padded_gray_frame_is_read),
	    cmocka_unit_test(test_jpeg_and_png_files_are_read),
	    cmocka_unit_test(test_symbology_not_enabled_is_not_read),
	    cmocka_unit_test(test_inverted_code_only_when_asked),
	    cmocka_unit_test(test_symbology_lists),
	    cmocka_unit_test(test_bad_input_is_refused),
	    cmocka_unit_test(test_seen_rule),
	    cmocka_unit_test(test_seen_rule_two_codes_and_confirm_one),
	    cmocka_unit_test(test_camera_scanner_reports_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
