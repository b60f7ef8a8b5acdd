/* SPDX-License-Identifier: MIT */
/*
 * The camera as a scanner through the desk's devices (src/daemon/devices.c
 * with [camera] decode = yes): a photo of a parcel with an EAN-13, taken by
 * the directory camera, reaches the station as a scanner line ("]E0" and
 * the digits) on the event loop; the same code photographed again within
 * decode_forget_ms is not a second scan; without decode = yes the camera
 * only takes photos.
 */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ean13_fixture.h"
#include "retour/config.h"
#include "retour/devices.h"

#define EAN "4006381333931"
#define W 480
#define H 240

struct seen {
	pthread_t loop;
	bool off_loop;
	int photos, lines;
	char line[64];
};

static void cb_photo(void *ud, uint64_t tag, const struct photo_taken *p)
{
	struct seen *s = ud;

	(void)tag;
	assert_int_equal(p->r, 0);
	s->photos++;
}

static void cb_scan_line(void *ud, const char *line, size_t len, bool overlong)
{
	struct seen *s = ud;

	assert_false(overlong);
	if (!pthread_equal(pthread_self(), s->loop))
		s->off_loop = true;
	s->lines++;
	snprintf(s->line, sizeof(s->line), "%.*s", (int)len, line);
}

static const struct devices_events events = {
    .photo = cb_photo,
    .scan_line = cb_scan_line,
};

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void run_until(sd_event *ev, const int *count, int want)
{
	for (int i = 0; i < 300 && *count < want; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_int_equal(*count, want);
}

static void desk(const char *decode, int photos, int want_lines)
{
	static uint8_t gray[W * H];
	char dir[64] = "/tmp/retour-camscan-XXXXXX", path[128];
	char board[1024], err[256] = "";
	struct config cfg;
	struct devices *d = NULL;
	struct seen s = {.loop = pthread_self()};
	sd_event *ev = NULL;
	size_t len;
	void *png;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/camera", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	ean13_draw(EAN, false, gray, W, H);
	png = ean13_png(gray, W, H, &len);
	assert_non_null(png);
	snprintf(path, sizeof(path), "%s/camera/parcel.png", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(png, 1, len, fp), len);
	fclose(fp);
	free(png);
	snprintf(board, sizeof(board),
		 "[board]\nname = test\n[scanner]\nbackend = none\n"
		 "[scale]\nbackend = none\n[printer]\nbackend = none\n"
		 "[camera]\nbackend = dir\ndir = %s/camera\n%s"
		 "[gpio]\nbackend = none\n",
		 dir, decode);
	config_defaults(&cfg);
	snprintf(cfg.photos, sizeof(cfg.photos), "%s/photos", dir);
	cfg.photo_min_free_bytes = 0;
	if (config_parse_text(&cfg, "board.conf", board, true, err,
			      sizeof(err)) < 0)
		fail_msg("board: %s", err);
	assert_int_equal(sd_event_new(&ev), 0);
	assert_int_equal(devices_open(ev, &cfg, &events, &s, &d), 0);
	for (int i = 1; i <= photos; i++) {
		assert_int_equal(devices_take_photo(d, (uint64_t)i), 0);
		run_until(ev, &s.photos, i);
		/* the decode may finish after the photo is stored */
		for (int k = 0; k < 30 && s.lines < want_lines; k++)
			assert_true(sd_event_run(ev, 10000) >= 0);
	}
	for (int k = 0; k < 10; k++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_int_equal(s.lines, want_lines);
	if (want_lines)
		assert_string_equal(s.line, "]E0" EAN);
	assert_false(s.off_loop);
	devices_close(d);
	sd_event_unref(ev);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void test_photo_of_a_code_is_a_scan(void **state)
{
	(void)state;
	desk("decode = yes\nsymbologies = ean13, code128\n"
	     "decode_confirm = 1\n",
	     1, 1);
}

static void test_same_code_again_is_not_a_second_scan(void **state)
{
	(void)state;
	desk("decode = yes\ndecode_confirm = 1\ndecode_forget_ms = 60000\n", 3,
	     1);
}

static void test_without_decode_the_camera_only_takes_photos(void **state)
{
	(void)state;
	desk("", 2, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_photo_of_a_code_is_a_scan),
	    cmocka_unit_test(test_same_code_again_is_not_a_second_scan),
	    cmocka_unit_test(test_without_decode_the_camera_only_takes_photos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
