/* SPDX-License-Identifier: MIT */
/*
 * The desk's devices as the station sees them (devices.h), opened from a
 * board file on real OS interfaces: a pty scale answering MT-SICS, a
 * directory of camera images, a label directory, the scanner pty.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "retour/devices.h"
#include "retour/photo.h"
#include "retour/spool.h"

#define IMAGE "\xff\xd8\xff\xe0 a desk photo \xff\xd9"

struct seen {
	pthread_t loop;
	bool off_loop; /* a callback came from another thread */
	int states, photos, printed, weights, lines;
	char line[64];
	enum device_state state[DEVICE_KIND_COUNT];
	bool state_seen[DEVICE_KIND_COUNT];
	char reason[DEVICE_KIND_COUNT][160];
	uint64_t photo_tag;
	struct photo_taken photo;
	int64_t printed_receipt;
	int printed_r;
	struct scale_reading weight;
	/* the frame subscriber's view, from the camera's thread */
	int frames;
	size_t frame_len;
	bool frame_on_loop;
};

struct fixture {
	char dir[64];
	char board[2048];
	struct config cfg;
	sd_event *ev;
	int scale_fd;
	sd_event_source *scale_io;
	const char *scale_reply;
	struct seen seen;
};

static void on_loop(struct seen *s)
{
	if (!pthread_equal(pthread_self(), s->loop))
		s->off_loop = true;
}

static void cb_state(void *ud, enum device_kind k, enum device_state st,
		     const char *reason)
{
	struct seen *s = ud;

	on_loop(s);
	s->states++;
	s->state[k] = st;
	s->state_seen[k] = true;
	snprintf(s->reason[k], sizeof(s->reason[k]), "%s", reason);
}

static void cb_photo(void *ud, uint64_t tag, const struct photo_taken *p)
{
	struct seen *s = ud;

	on_loop(s);
	s->photos++;
	s->photo_tag = tag;
	s->photo = *p;
}

static void cb_printed(void *ud, int64_t receipt_id, int r, const char *err)
{
	struct seen *s = ud;

	(void)err;
	on_loop(s);
	s->printed++;
	s->printed_receipt = receipt_id;
	s->printed_r = r;
}

static void cb_weight(void *ud, const struct scale_reading *r)
{
	struct seen *s = ud;

	on_loop(s);
	s->weights++;
	s->weight = *r;
}

static void cb_scan_line(void *ud, const char *line, size_t len, bool overlong)
{
	struct seen *s = ud;

	(void)overlong;
	s->lines++;
	snprintf(s->line, sizeof(s->line), "%.*s", (int)len, line);
}

static const struct devices_events events = {
    .scan_line = cb_scan_line,
    .state = cb_state,
    .photo = cb_photo,
    .printed = cb_printed,
    .weight = cb_weight,
};

static void frame_counter(void *ud, const struct camera_frame *f)
{
	struct seen *s = ud;

	assert_int_equal(f->format, CAMERA_FRAME_ENCODED);
	assert_int_equal(f->seq, (uint64_t)s->frames + 1);
	s->frames++;
	s->frame_len = f->len;
	s->frame_on_loop = pthread_equal(pthread_self(), s->loop);
}

/* The scale: answers every "SI" with f->scale_reply ("": silent). */
static int scale_io(sd_event_source *src, int fd, uint32_t revents, void *ud)
{
	struct fixture *f = ud;
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	(void)src;
	(void)revents;
	if (n > 0 && memchr(buf, '\n', (size_t)n) && f->scale_reply[0])
		assert_true(write(fd, f->scale_reply, strlen(f->scale_reply)) >
			    0);
	return 0;
}

static void put_file(const char *dir, const char *name, const char *content)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(content, fp);
	fclose(fp);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char slave[64], sub[128];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/retour-desk-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(sub, sizeof(sub), "%s/camera", f->dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	put_file(sub, "a.jpg", IMAGE);
	f->scale_fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	assert_true(f->scale_fd >= 0);
	assert_int_equal(grantpt(f->scale_fd), 0);
	assert_int_equal(unlockpt(f->scale_fd), 0);
	assert_int_equal(ptsname_r(f->scale_fd, slave, sizeof(slave)), 0);
	f->scale_reply = "S S     1234 g\r\n";
	assert_int_equal(sd_event_new(&f->ev), 0);
	assert_int_equal(sd_event_add_io(f->ev, &f->scale_io, f->scale_fd,
					 EPOLLIN, scale_io, f),
			 0);
	f->seen.loop = pthread_self();
	snprintf(f->board, sizeof(f->board),
		 "[board]\nname = test\n"
		 "[scanner]\nbackend = pty\npath = %s/scanner\n"
		 "[scale]\nbackend = mtsics\npath = %s\n"
		 "reply_timeout_ms = 500\n"
		 "[printer]\nbackend = dir\ndir = %s/labels\n"
		 "[camera]\nbackend = dir\ndir = %s/camera\n"
		 "[gpio]\nbackend = sim\n",
		 f->dir, slave, f->dir, f->dir);
	config_defaults(&f->cfg);
	snprintf(f->cfg.photos, sizeof(f->cfg.photos), "%s/photos", f->dir);
	f->cfg.photo_min_free_bytes = 0;
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sd_event_source_disable_unref(f->scale_io);
	close(f->scale_fd);
	sd_event_unref(f->ev);
	nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static struct devices *open_board(struct fixture *f)
{
	struct devices *d = NULL;
	char err[256] = "";

	if (config_parse_text(&f->cfg, "board.conf", f->board, true, err,
			      sizeof(err)) < 0)
		fail_msg("board: %s", err);
	assert_int_equal(devices_open(f->ev, &f->cfg, &events, &f->seen, &d),
			 0);
	return d;
}

static void run_until(struct fixture *f, const int *count, int want)
{
	for (int i = 0; i < 300 && *count < want; i++)
		assert_true(sd_event_run(f->ev, 10000) >= 0);
	assert_int_equal(*count, want);
}

static void test_desk_devices_open_from_the_board(void **state)
{
	struct fixture *f = *state;
	struct devices *d = open_board(f);
	char feed[128];
	json_t *st;

	/* the states come on the loop, not from inside devices_open */
	assert_int_equal(f->seen.states, 0);
	run_until(f, &f->seen.states, DEVICE_KIND_COUNT);
	for (int k = 0; k < DEVICE_KIND_COUNT; k++) {
		assert_true(devices_has(d, k));
		assert_int_equal(f->seen.state[k], DEVICE_CONNECTED);
		assert_string_equal(f->seen.reason[k], "");
	}
	snprintf(feed, sizeof(feed), "%s/scanner", f->dir);
	assert_string_equal(devices_scanner_feed(d), feed);

	st = devices_status(d);
	assert_int_equal(json_object_size(st), 6);
	/* the sim gpio's tower: dark until the desk says a state */
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(st, "gpio"), "tower")),
			    "off");
	assert_true(json_is_false(json_object_get(
	    json_object_get(json_object_get(st, "gpio"), "lines"), "green")));
	assert_int_equal(json_array_size(json_object_get(st, "scanners")), 1);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(st, "scanner"), "feed")),
			    feed);
	assert_true(
	    json_is_true(json_object_get(json_object_get(st, "camera"), "ok")));
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(st, "printer"), "last_error")),
			    "");
	json_decref(st);

	/* a stable weight, on the loop */
	assert_int_equal(devices_request_weight(d), 0);
	run_until(f, &f->seen.weights, 1);
	assert_int_equal(f->seen.weight.status, SCALE_STABLE);
	assert_int_equal(f->seen.weight.grams, 1234);

	/* the scale answers with an error, then weighs again */
	f->scale_reply = "ES\r\n";
	assert_int_equal(devices_request_weight(d), 0);
	run_until(f, &f->seen.weights, 2);
	assert_int_equal(f->seen.state[DEVICE_SCALE], DEVICE_FAULT);
	assert_true(f->seen.reason[DEVICE_SCALE][0] != '\0');
	f->scale_reply = "S S     1234 g\r\n";
	assert_int_equal(devices_request_weight(d), 0);
	run_until(f, &f->seen.weights, 3);
	assert_int_equal(f->seen.state[DEVICE_SCALE], DEVICE_CONNECTED);
	assert_int_equal(f->seen.states, DEVICE_KIND_COUNT + 2);
	assert_false(f->seen.off_loop);
	devices_close(d);
}

static void run_for(struct fixture *f, int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		assert_true(sd_event_run(f->ev, 10000) >= 0);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 +
		     (t.tv_nsec - t0.tv_nsec) / 1000000 <
		 ms);
}

/* The next parcel asks while the last one's question is still out to a
 * silent scale: that stale answer is not the new parcel's weight; the
 * scale is asked again, and a scale that answers again is no longer at
 * fault. */
/* Several scanners: each opened with its own id, codes from any reach the
 * desk, and the desk's scanner is missing while one of them is. */
static void test_desk_devices_several_scanners(void **state)
{
	struct fixture *f = *state;
	struct devices *d;
	char path[128];
	json_t *st, *list;
	size_t len;
	int fd;

	len = strlen(f->board);
	snprintf(f->board + len, sizeof(f->board) - len,
		 "[scanner handheld]\nbackend = fifo\npath = %s/handheld\n"
		 "[scanner serial]\nbackend = tty\npath = %s/ttyACM9\n",
		 f->dir, f->dir);
	d = open_board(f);
	run_until(f, &f->seen.states, DEVICE_KIND_COUNT);
	assert_int_equal(f->seen.state[DEVICE_SCANNER], DEVICE_MISSING);
	assert_non_null(strstr(f->seen.reason[DEVICE_SCANNER], "serial: "));
	assert_true(devices_has(d, DEVICE_SCANNER));

	st = devices_status(d);
	list = json_object_get(st, "scanners");
	assert_int_equal(json_array_size(list), 3);
	snprintf(path, sizeof(path), "handheld:%s/handheld", f->dir);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(list, 1), "id")),
	    path);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(list, 1), "name")),
	    "handheld");
	assert_true(
	    json_is_true(json_object_get(json_array_get(list, 1), "ok")));
	assert_true(
	    json_is_false(json_object_get(json_array_get(list, 2), "ok")));
	json_decref(st);

	/* a code from the second scanner reaches the desk */
	snprintf(path, sizeof(path), "%s/handheld", f->dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "RMA-2\n", 6), 6);
	close(fd);
	run_until(f, &f->seen.lines, 1);
	assert_string_equal(f->seen.line, "RMA-2");
	devices_close(d);
}

static void test_desk_devices_ask_again_while_busy(void **state)
{
	struct fixture *f = *state;
	struct devices *d = open_board(f);

	run_until(f, &f->seen.states, DEVICE_KIND_COUNT);
	f->scale_reply = "";
	assert_int_equal(devices_request_weight(d), 0);
	run_for(f, 100);
	assert_int_equal(f->seen.weights, 0);
	/* the scale is back; the next parcel asks before the timeout */
	f->scale_reply = "S S      870 g\r\n";
	assert_int_equal(devices_request_weight(d), 0);
	run_until(f, &f->seen.weights, 1);
	assert_int_equal(f->seen.weight.status, SCALE_STABLE);
	assert_int_equal(f->seen.weight.grams, 870);
	assert_int_equal(f->seen.state[DEVICE_SCALE], DEVICE_CONNECTED);
	run_for(f, 100);
	assert_int_equal(f->seen.weights, 1);

	/* a scale at fault that answers, even unsteadily, works again */
	f->scale_reply = "";
	assert_int_equal(devices_request_weight(d), 0);
	run_until(f, &f->seen.weights, 2);
	assert_int_equal(f->seen.weight.status, SCALE_OFFLINE);
	assert_int_equal(f->seen.state[DEVICE_SCALE], DEVICE_FAULT);
	f->scale_reply = "S +\r\n";
	assert_int_equal(devices_request_weight(d), 0);
	run_until(f, &f->seen.weights, 3);
	assert_int_equal(f->seen.weight.status, SCALE_OVERLOAD);
	assert_int_equal(f->seen.state[DEVICE_SCALE], DEVICE_CONNECTED);
	assert_false(f->seen.off_loop);
	devices_close(d);
}

static void test_desk_devices_photo_off_the_loop(void **state)
{
	struct fixture *f = *state;
	struct devices *d = open_board(f);
	char sha[65], path[512];
	struct stat sb;

	run_until(f, &f->seen.states, DEVICE_KIND_COUNT);
	assert_int_equal(devices_subscribe_frames(d, frame_counter, &f->seen),
			 0);
	assert_int_equal(devices_take_photo(d, 42), 0);
	assert_int_equal(f->seen.photos, 0); /* never from inside the call */
	run_until(f, &f->seen.photos, 1);
	assert_false(f->seen.off_loop);
	assert_int_equal(f->seen.photo_tag, 42);
	assert_int_equal(f->seen.photo.r, 0);
	assert_string_equal(f->seen.photo.error, "");
	assert_int_equal(f->seen.photo.bytes, strlen(IMAGE));
	assert_int_equal(photo_sha256_hex(IMAGE, strlen(IMAGE), sha), 0);
	assert_string_equal(f->seen.photo.sha256, sha);
	snprintf(path, sizeof(path), "%s/photos/%.2s/%s.jpg", f->dir, sha,
		 sha + 2);
	assert_string_equal(f->seen.photo.path, path);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, (off_t)strlen(IMAGE));
	/* the decoder's subscriber saw the same frame, on the camera's
	 * thread */
	assert_int_equal(f->seen.frames, 1);
	assert_int_equal(f->seen.frame_len, strlen(IMAGE));
	assert_false(f->seen.frame_on_loop);

	/* unsubscribed: the next photo is not handed over */
	assert_int_equal(devices_subscribe_frames(d, NULL, NULL), 0);
	assert_int_equal(devices_take_photo(d, 43), 0);
	run_until(f, &f->seen.photos, 2);
	assert_int_equal(f->seen.photo_tag, 43);
	assert_int_equal(f->seen.frames, 1);

	/* the camera's images gone: a fault, then back */
	snprintf(path, sizeof(path), "%s/camera/a.jpg", f->dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(devices_take_photo(d, 44), 0);
	run_until(f, &f->seen.photos, 3);
	assert_true(f->seen.photo.r < 0);
	assert_string_equal(f->seen.photo.sha256, "");
	assert_int_equal(f->seen.state[DEVICE_CAMERA], DEVICE_FAULT);
	assert_non_null(strstr(f->seen.reason[DEVICE_CAMERA], "camera"));
	snprintf(path, sizeof(path), "%s/camera", f->dir);
	put_file(path, "b.jpg", IMAGE " again");
	assert_int_equal(devices_take_photo(d, 45), 0);
	run_until(f, &f->seen.photos, 4);
	assert_int_equal(f->seen.photo.r, 0);
	assert_int_equal(f->seen.state[DEVICE_CAMERA], DEVICE_CONNECTED);
	devices_close(d);
}

static void yuyv_counter(void *ud, const struct camera_frame *f)
{
	struct seen *s = ud;

	assert_int_equal(f->format, CAMERA_FRAME_YUYV);
	assert_int_equal(f->stride, 32 * 2);
	s->frames++;
	s->frame_len = f->len;
	s->frame_on_loop = pthread_equal(pthread_self(), s->loop);
}

static void put_frames(const char *dir)
{
	static uint8_t frame[32 * 16 * 2];
	char path[256];
	FILE *fp;

	assert_int_equal(mkdir(dir, 0755), 0);
	memset(frame, 120, sizeof(frame));
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%d.yuyv", dir, i);
		fp = fopen(path, "w");
		assert_non_null(fp);
		assert_int_equal(fwrite(frame, sizeof(frame), 1, fp), 1);
		fclose(fp);
	}
}

static void rm_frames(const char *dir)
{
	char path[256];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%d.yuyv", dir, i);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(rmdir(dir), 0);
}

/* A streaming camera (the file-backed frame source, as V4L2 after DQBUF):
 * frames reach the subscriber off the loop; unplugged, the camera is
 * reported missing on the loop and a photo fails with why; plugged in
 * again, it is connected and photos are stored as JPEG. */
static void test_desk_devices_streaming_camera_unplugged(void **state)
{
	struct fixture *f = *state;
	struct devices *d;
	char frames[128], want[200], cam[512];
	int states_before;

	snprintf(frames, sizeof(frames), "%s/frames", f->dir);
	put_frames(frames);
	snprintf(cam, sizeof(cam),
		 "[camera]\nbackend = frames\nframes = %s\nwidth = 32\n"
		 "height = 16\nfps = 100\nloop = 1\nstream = always\n"
		 "skip = 1\ntimeout_ms = 500\n",
		 frames);
	snprintf(strstr(f->board, "[camera]"),
		 sizeof(f->board) -
		     (size_t)(strstr(f->board, "[camera]") - f->board),
		 "%s[gpio]\nbackend = sim\n", cam);
	d = open_board(f);
	run_until(f, &f->seen.states, DEVICE_KIND_COUNT);
	assert_int_equal(f->seen.state[DEVICE_CAMERA], DEVICE_CONNECTED);
	assert_int_equal(devices_subscribe_frames(d, yuyv_counter, &f->seen),
			 0);
	assert_int_equal(devices_take_photo(d, 1), 0);
	run_until(f, &f->seen.photos, 1);
	assert_int_equal(f->seen.photo.r, 0);
	assert_non_null(strstr(f->seen.photo.path, ".jpg"));
	assert_true(f->seen.frames >= 1); /* the photo's, at least */
	assert_int_equal(f->seen.frame_len, 32 * 16 * 2);
	assert_false(f->seen.frame_on_loop);

	/* unplugged */
	rm_frames(frames);
	states_before = f->seen.states;
	run_until(f, &f->seen.states, states_before + 1);
	snprintf(want, sizeof(want), "camera %s is gone", frames);
	assert_int_equal(f->seen.state[DEVICE_CAMERA], DEVICE_MISSING);
	assert_string_equal(f->seen.reason[DEVICE_CAMERA], want);
	assert_int_equal(devices_take_photo(d, 2), 0);
	run_until(f, &f->seen.photos, 2);
	assert_int_equal(f->seen.photo.r, -ENODEV);
	assert_string_equal(f->seen.photo.error, want);
	assert_string_equal(f->seen.photo.sha256, "");

	/* plugged in again: the retry finds it */
	put_frames(frames);
	states_before = f->seen.states;
	run_until(f, &f->seen.states, states_before + 1);
	assert_int_equal(f->seen.state[DEVICE_CAMERA], DEVICE_CONNECTED);
	assert_int_equal(devices_take_photo(d, 3), 0);
	run_until(f, &f->seen.photos, 3);
	assert_int_equal(f->seen.photo.r, 0);
	assert_false(f->seen.off_loop);
	devices_close(d);
}

static void test_desk_devices_print_label(void **state)
{
	struct fixture *f = *state;
	struct devices *d = open_board(f);
	char path[256];
	json_t *st;

	run_until(f, &f->seen.states, DEVICE_KIND_COUNT);
	assert_int_equal(devices_print_label(d, 7, "^XA^XZ", 6), 0);
	run_until(f, &f->seen.printed, 1);
	assert_int_equal(f->seen.printed_receipt, 7);
	assert_int_equal(f->seen.printed_r, 0);
	snprintf(path, sizeof(path), "%s/labels/000001-receipt-7.zpl", f->dir);
	assert_int_equal(access(path, R_OK), 0);

	/* the label directory gone: the printer is at fault, and says so */
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/labels", f->dir);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(devices_print_label(d, 8, "^XA^XZ", 6), 0);
	run_until(f, &f->seen.printed, 2);
	assert_true(f->seen.printed_r < 0);
	assert_int_equal(f->seen.state[DEVICE_PRINTER], DEVICE_FAULT);
	st = devices_status(d);
	assert_true(json_is_false(
	    json_object_get(json_object_get(st, "printer"), "ok")));
	json_decref(st);
	devices_close(d);
}

/* A printer that takes the connection and never reads: the spool's thread
 * is held by the first label, the queue fills, the printer is at fault. */
static void test_desk_devices_printer_stuck(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t salen = sizeof(sa);
	size_t big = 1 << 20;
	char *zpl = malloc(big);
	struct devices *d;
	int lfd, r = 0, n;

	assert_non_null(zpl);
	memset(zpl, 'A', big);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &salen), 0);
	snprintf(f->board, sizeof(f->board),
		 "[scanner]\nbackend = none\n[gpio]\nbackend = none\n"
		 "[printer]\nbackend = tcp\nhost = 127.0.0.1\nport = %d\n"
		 "timeout_ms = 50\n",
		 ntohs(sa.sin_port));
	d = open_board(f);
	run_until(f, &f->seen.states, 1);
	assert_int_equal(f->seen.state[DEVICE_PRINTER], DEVICE_CONNECTED);
	for (n = 0; n <= SPOOL_MAX_JOBS + 1 && r == 0; n++)
		r = devices_print_label(d, n + 1, zpl, big);
	assert_int_equal(r, -EBUSY);
	assert_true(n > SPOOL_MAX_JOBS);
	assert_int_equal(f->seen.state[DEVICE_PRINTER], DEVICE_FAULT);
	assert_string_equal(f->seen.reason[DEVICE_PRINTER],
			    "too many labels waiting for the printer");
	devices_close(d);
	close(lfd);
	free(zpl);
}

static void test_desk_devices_missing_camera(void **state)
{
	struct fixture *f = *state;
	struct devices *d;
	char dir[128], tty[128];
	json_t *st;

	snprintf(dir, sizeof(dir), "%s/camera", f->dir);
	snprintf(tty, sizeof(tty), "%s/ttyACM9", f->dir);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	snprintf(f->board, sizeof(f->board),
		 "[scanner]\nbackend = tty\npath = %s\n"
		 "[printer]\nbackend = dir\ndir = %s/labels\n"
		 "[camera]\nbackend = dir\ndir = %s\n[gpio]\nbackend = none\n",
		 tty, f->dir, dir);
	d = open_board(f);
	run_until(f, &f->seen.states, 3);
	assert_int_equal(f->seen.state[DEVICE_CAMERA], DEVICE_MISSING);
	assert_non_null(strstr(f->seen.reason[DEVICE_CAMERA], dir));
	assert_int_equal(f->seen.state[DEVICE_PRINTER], DEVICE_CONNECTED);
	assert_false(devices_has(d, DEVICE_CAMERA));
	assert_int_equal(devices_take_photo(d, 1), -ENODEV);
	/* a tty scanner not plugged in yet is opened, and missing */
	assert_true(devices_has(d, DEVICE_SCANNER));
	assert_int_equal(f->seen.state[DEVICE_SCANNER], DEVICE_MISSING);
	assert_non_null(strstr(f->seen.reason[DEVICE_SCANNER], tty));
	st = devices_status(d);
	assert_true(json_is_false(
	    json_object_get(json_object_get(st, "camera"), "present")));
	assert_non_null(
	    strstr(json_string_value(json_object_get(
		       json_object_get(st, "camera"), "last_error")),
		   dir));
	assert_true(json_is_false(
	    json_object_get(json_object_get(st, "scanner"), "ok")));
	json_decref(st);
	devices_close(d);
}

static void test_desk_devices_none_and_press(void **state)
{
	struct fixture *f = *state;
	struct devices *d;
	char err[128];

	snprintf(f->board, sizeof(f->board),
		 "[scanner]\nbackend = none\n[scale]\nbackend = none\n"
		 "[camera]\nbackend = none\n[gpio]\nbackend = none\n");
	d = open_board(f);
	for (int i = 0; i < 5; i++)
		assert_true(sd_event_run(f->ev, 1000) >= 0);
	assert_int_equal(f->seen.states, 0); /* nothing named, nothing said */
	assert_false(devices_has(d, DEVICE_SCANNER));
	assert_null(devices_scanner_feed(d));
	assert_int_equal(devices_request_weight(d), -ENODEV);
	assert_int_equal(devices_print_label(d, 1, "x", 1), -ENODEV);
	assert_int_equal(devices_press(d, "accept", err, sizeof(err)), -ENODEV);
	assert_string_equal(err, "no buttons on this desk");
	assert_int_equal(devices_press(d, "jump", err, sizeof(err)), -EINVAL);
	devices_set_tower(d, TOWER_ERROR, TOWER_ERROR); /* nothing to light */
	assert_false(devices_buzzer(d));
	devices_close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_desk_devices_open_from_the_board, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_desk_devices_ask_again_while_busy, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_desk_devices_photo_off_the_loop, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_desk_devices_streaming_camera_unplugged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_desk_devices_several_scanners,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_desk_devices_print_label,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_desk_devices_printer_stuck,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_desk_devices_missing_camera,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_desk_devices_none_and_press,
					    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
