/* SPDX-License-Identifier: MIT */
/*
 * The camera's frame stream (src/dev/camera_stream.c) through the
 * file-backed frame source, which hands frames over as V4L2 does after
 * DQBUF: a YUYV frame becomes a photo that decodes back to its brightness,
 * motion-JPEG frames without Huffman tables become photos that decode,
 * the skip count holds, the subscriber sees every good frame with its
 * format, size, stride and sequence number, a damaged frame is refused and
 * the stream goes on, and a camera that goes away mid-stream is reported
 * gone, fails a photo with a sentence and comes back.  The V4L2 backend's
 * open refuses what is not a capture device.  And the frame checks alone,
 * with bad bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "retour/camera.h"
#include "retour/camera_frame.h"
#include "retour/jpeg.h"

#define W 64
#define H 48
#define FRAME_BYTES (W * H * 2)
#define MAX_SEEN 64

struct seen {
	pthread_mutex_t lock;
	int n;
	struct camera_frame f[MAX_SEEN];
	int first_y[MAX_SEEN]; /* the frame's first luma byte */
	bool present;
	int state_calls;
	char why[200];
};

static struct seen seen = {.lock = PTHREAD_MUTEX_INITIALIZER};
static char dir[64];

static void on_frame(void *ud, const struct camera_frame *f)
{
	struct seen *s = ud;

	pthread_mutex_lock(&s->lock);
	if (s->n < MAX_SEEN) {
		s->f[s->n] = *f;
		s->f[s->n].data = NULL; /* not valid after the call */
		s->first_y[s->n] = f->len ? ((const uint8_t *)f->data)[0] : -1;
		s->n++;
	}
	pthread_mutex_unlock(&s->lock);
}

static void on_state(void *ud, bool present, const char *why)
{
	struct seen *s = ud;

	pthread_mutex_lock(&s->lock);
	s->present = present;
	s->state_calls++;
	snprintf(s->why, sizeof(s->why), "%s", why);
	pthread_mutex_unlock(&s->lock);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/retour-camera-XXXXXX");
	assert_non_null(mkdtemp(dir));
	pthread_mutex_lock(&seen.lock);
	seen.n = 0;
	seen.present = true;
	seen.state_calls = 0;
	seen.why[0] = '\0';
	pthread_mutex_unlock(&seen.lock);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* One YUYV frame, all of brightness @y, with a little texture. */
static void yuyv_frame(uint8_t *p, int y)
{
	for (int i = 0; i < W * H; i += 2) {
		p[2 * i] = (uint8_t)y;
		p[2 * i + 1] = 128;
		p[2 * i + 2] = (uint8_t)(y + (i % 7 == 0));
		p[2 * i + 3] = 128;
	}
}

static void put(const char *name, const void *data, size_t len)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void wait_until(bool (*cond)(void), int ms)
{
	struct timespec ts = {0, 5 * 1000000};

	for (int i = 0; i < ms / 5 && !cond(); i++)
		nanosleep(&ts, NULL);
	assert_true(cond());
}

static bool camera_is_gone(void)
{
	bool r;

	pthread_mutex_lock(&seen.lock);
	r = !seen.present;
	pthread_mutex_unlock(&seen.lock);
	return r;
}

static bool camera_is_back(void)
{
	return !camera_is_gone();
}

static int mean_gray(const void *jpg, size_t len)
{
	uint8_t *gray = NULL;
	int w = 0, h = 0;
	long sum = 0;
	char err[160];

	if (jpeg_to_gray(jpg, len, &gray, &w, &h, err, sizeof(err)) < 0)
		fail_msg("photo does not decode: %s", err);
	assert_int_equal(w, W);
	assert_int_equal(h, H);
	for (int i = 0; i < w * h; i++)
		sum += gray[i];
	free(gray);
	return (int)(sum / (w * h));
}

/* A file of frames back to back, brightness 20, 60, 100, 140, 180: with
 * skip = 2 the photo is the third frame, made a JPEG of its brightness. */
static void test_camera_yuyv_file_photo_honours_skip(void **state)
{
	static uint8_t frames[5][FRAME_BYTES];
	char path[160], err[200];
	struct camera_config cfg = {.backend = "frames",
				    .frames = path,
				    .width = W,
				    .height = H,
				    .fps = 200,
				    .skip = 2,
				    .quality = 90,
				    .loop = 1};
	struct camera *c = NULL;
	void *jpg = NULL;
	size_t len = 0;

	(void)state;
	for (int i = 0; i < 5; i++)
		yuyv_frame(frames[i], 20 + 40 * i);
	put("frames.yuyv", frames, sizeof(frames));
	snprintf(path, sizeof(path), "%s/frames.yuyv", dir);
	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), 0);
	camera_subscribe(c, on_frame, &seen);

	if (camera_capture(c, &jpg, &len, err, sizeof(err)) < 0)
		fail_msg("capture: %s", err);
	assert_true(abs(mean_gray(jpg, len) - 100) <= 3);
	free(jpg);
	/* the skipped frames went to the subscriber all the same */
	pthread_mutex_lock(&seen.lock);
	assert_int_equal(seen.n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(seen.f[i].seq, (uint64_t)i + 1);
		assert_int_equal(seen.f[i].format, CAMERA_FRAME_YUYV);
		assert_int_equal(seen.f[i].width, W);
		assert_int_equal(seen.f[i].height, H);
		assert_int_equal(seen.f[i].stride, W * 2);
		assert_int_equal(seen.f[i].len, FRAME_BYTES);
		assert_int_equal(seen.first_y[i], 20 + 40 * i);
	}
	pthread_mutex_unlock(&seen.lock);

	/* photo mode: the stream stopped after the photo and starts again
	 * (the file from its start) for the next, skipping two again; the
	 * sequence numbers go on */
	if (camera_capture(c, &jpg, &len, err, sizeof(err)) < 0)
		fail_msg("capture: %s", err);
	assert_true(abs(mean_gray(jpg, len) - 100) <= 3);
	free(jpg);
	camera_close(c);
	pthread_mutex_lock(&seen.lock);
	assert_int_equal(seen.n, 6);
	assert_int_equal(seen.f[3].seq, 4);
	assert_int_equal(seen.first_y[3], 20);
	assert_int_equal(seen.first_y[5], 100);
	pthread_mutex_unlock(&seen.lock);
}

/* The same file as JPEG-less MJPEG: strip the DHT segments of a JPEG. */
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

static bool has_dht(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (p[i] == 0xFF && p[i + 1] == 0xC4)
			return true;
	return false;
}

/* A directory of MJPEG frames as a webcam sends them (no Huffman tables),
 * the first of them garbage and the second cut short: both refused, the
 * stream goes on, and the photo is the third, stored with the standard
 * tables and decodable. */
static void test_camera_mjpeg_without_dht_makes_a_decodable_photo(void **state)
{
	static uint8_t raw[FRAME_BYTES];
	uint8_t *bare;
	char path[160], err[200];
	struct camera_config cfg = {.backend = "frames",
				    .frames = path,
				    .format = CAMERA_FORMAT_MJPEG,
				    .width = W,
				    .height = H,
				    .fps = 200,
				    .loop = 1};
	struct camera *c = NULL;
	void *jpg = NULL;
	size_t len = 0, bare_len;

	(void)state;
	yuyv_frame(raw, 150);
	assert_int_equal(
	    jpeg_from_yuyv(raw, W, H, W * 2, 90, &jpg, &len, err, sizeof(err)),
	    0);
	bare = malloc(len);
	bare_len = strip_dht(jpg, len, bare);
	free(jpg);
	assert_false(has_dht(bare, bare_len));
	snprintf(path, sizeof(path), "%s/mjpeg", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put("mjpeg/01.jpg", "this is no jpeg at all", 22);
	put("mjpeg/02.jpg", bare, bare_len / 2); /* cut short */
	put("mjpeg/03.jpg", bare, bare_len);
	put("mjpeg/04.jpg", bare, bare_len);

	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), 0);
	camera_subscribe(c, on_frame, &seen);
	if (camera_capture(c, &jpg, &len, err, sizeof(err)) < 0)
		fail_msg("capture: %s", err);
	assert_true(has_dht(jpg, len));
	assert_true(abs(mean_gray(jpg, len) - 150) <= 3);
	free(jpg);
	camera_close(c);
	/* the subscriber saw the good frame only, as it was sent (seq 3:
	 * the refused ones were frames too) */
	pthread_mutex_lock(&seen.lock);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.f[0].seq, 3);
	assert_int_equal(seen.f[0].format, CAMERA_FRAME_MJPEG);
	assert_int_equal(seen.f[0].len, bare_len);
	assert_int_equal(seen.f[0].width, W);
	pthread_mutex_unlock(&seen.lock);
	free(bare);
}

/* Streaming all the time: the subscriber sees every frame in order; one
 * truncated frame in the middle is refused and the stream goes on; at the
 * end of the frames the camera is gone as if unplugged, a photo gets a
 * clear error, and a new frame file brings the camera back. */
static void test_camera_stream_every_frame_then_unplug(void **state)
{
	static uint8_t frame[FRAME_BYTES];
	char path[160], err[200], want[200];
	struct camera_config cfg = {.backend = "frames",
				    .frames = path,
				    .width = W,
				    .height = H,
				    .fps = 200,
				    .stream = CAMERA_STREAM_ALWAYS,
				    .timeout_ms = 500,
				    .state = on_state,
				    .state_ud = &seen};
	struct camera *c = NULL;
	void *jpg = NULL;
	size_t len = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/stream", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	for (int i = 0; i < 6; i++) {
		char name[64];

		yuyv_frame(frame, 10 + i);
		snprintf(name, sizeof(name), "stream/%02d.yuyv", i);
		put(name, frame, i == 3 ? FRAME_BYTES - 100 : FRAME_BYTES);
	}
	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), 0);
	camera_subscribe(c, on_frame, &seen);
	wait_until(camera_is_gone, 3000);

	pthread_mutex_lock(&seen.lock);
	snprintf(want, sizeof(want), "camera %s is gone", path);
	assert_string_equal(seen.why, want);
	/* subscribed just after open: the first frames may have gone by
	 * unseen (a slow machine), but none after, and never the truncated
	 * one */
	assert_true(seen.n >= 1 && seen.n <= 5);
	for (int i = 0; i < seen.n; i++) {
		uint64_t seq = seen.f[i].seq;

		assert_true(seq >= 1 && seq <= 6 && seq != 4);
		if (i)
			assert_int_equal(seq, seen.f[i - 1].seq +
						  (seq == 5 ? 2 : 1));
		assert_int_equal(seen.first_y[i], 10 + (int)seq - 1);
		assert_int_equal(seen.f[i].stride, W * 2);
	}
	assert_int_equal(seen.f[seen.n - 1].seq, 6);
	pthread_mutex_unlock(&seen.lock);

	/* a photo while it is gone: one more try to open it, then why */
	assert_int_equal(camera_capture(c, &jpg, &len, err, sizeof(err)),
			 -ENODEV);
	assert_null(jpg);
	assert_string_equal(err, want);

	/* plugged in again: a new frame appears, the camera comes back */
	yuyv_frame(frame, 200);
	put("stream/07.yuyv", frame, FRAME_BYTES);
	wait_until(camera_is_back, 3000);
	camera_close(c);
}

/* Frames that never make a photo: the photo gives up at timeout_ms with a
 * sentence, and the camera stays open. */
static void test_camera_photo_times_out_on_bad_frames(void **state)
{
	char path[160], err[200];
	struct camera_config cfg = {.backend = "frames",
				    .frames = path,
				    .format = CAMERA_FORMAT_MJPEG,
				    .width = W,
				    .height = H,
				    .fps = 100,
				    .loop = 1,
				    .timeout_ms = 300};
	struct camera *c = NULL;
	void *jpg = NULL;
	size_t len = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put("bad/1.jpg", "\xff\xd8 not really \xff\xd9", 16);
	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), 0);
	assert_int_equal(camera_capture(c, &jpg, &len, err, sizeof(err)),
			 -ETIMEDOUT);
	assert_null(jpg);
	assert_non_null(strstr(err, "no good frame in 300 ms"));
	camera_close(c);
}

/* The simulated desk's directory camera, streaming: its images are ENCODED
 * frames for the decoder, and a photo is the next image as it is. */
static void test_camera_dir_streams_encoded_frames(void **state)
{
	char err[200];
	struct camera_config cfg = {.backend = "dir",
				    .dir = dir,
				    .fps = 50,
				    .stream = CAMERA_STREAM_ALWAYS};
	struct camera *c = NULL;
	void *data = NULL;
	size_t len = 0;

	(void)state;
	put("a.jpg", "JPG-A", 5);
	put("b.png", "PNG-B", 5);
	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), 0);
	camera_subscribe(c, on_frame, &seen);
	if (camera_capture(c, &data, &len, err, sizeof(err)) < 0)
		fail_msg("capture: %s", err);
	assert_int_equal(len, 5);
	assert_true(!memcmp(data, "JPG-A", 5) || !memcmp(data, "PNG-B", 5));
	free(data);
	camera_close(c);
	pthread_mutex_lock(&seen.lock);
	assert_true(seen.n >= 1);
	assert_int_equal(seen.f[0].format, CAMERA_FRAME_ENCODED);
	assert_int_equal(seen.f[0].len, 5);
	pthread_mutex_unlock(&seen.lock);
}

/* The V4L2 backend refuses what is not a camera, at open; a camera not
 * plugged in yet is waited for. */
static void test_camera_v4l2_open_refuses_non_cameras(void **state)
{
	char err[200], path[160];
	struct camera_config cfg = {.backend = "v4l2",
				    .device = "/nonexistent/video9"};
	struct camera *c = NULL;

	void *data = NULL;
	size_t len = 0;

	(void)state;
	/* not plugged in yet: opened, gone, a photo says so; it is taken
	 * once udev announces it (camera_retry_now) or at the next try */
	cfg.timeout_ms = 300;
	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), 0);
	assert_non_null(c);
	camera_retry_now(c);
	assert_true(camera_capture(c, &data, &len, err, sizeof(err)) < 0);
	assert_null(data);
	assert_non_null(strstr(err, "/nonexistent/video9"));
	camera_close(c);
	c = NULL;
	cfg.timeout_ms = 0;

	cfg.device = "/dev/null";
	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), -ENOTTY);
	assert_string_equal(err, "camera /dev/null: not a V4L2 device");

	put("video0", "x", 1);
	snprintf(path, sizeof(path), "%s/video0", dir);
	cfg.device = path;
	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), -ENOTTY);
	assert_non_null(strstr(err, "not a V4L2 device"));

	cfg.device = NULL;
	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "camera v4l2: no device configured");
}

/* The checks alone, with bad bytes. */
static void test_camera_frame_check(void **state)
{
	static uint8_t buf[FRAME_BYTES];
	struct camera_frame f = {.format = CAMERA_FRAME_YUYV,
				 .width = W,
				 .height = H,
				 .stride = W * 2,
				 .data = buf,
				 .len = FRAME_BYTES,
				 .seq = 7};
	char err[200];

	(void)state;
	assert_int_equal(camera_frame_check(&f, err, sizeof(err)), 0);
	f.len = 1000;
	assert_int_equal(camera_frame_check(&f, err, sizeof(err)), -EBADMSG);
	assert_string_equal(err, "YUYV frame 7: 1000 bytes, 64x48 needs 6144 "
				 "(truncated)");
	/* a padded stride: the last row need not be padded */
	f.stride = W * 2 + 32;
	f.len = (size_t)(W * 2 + 32) * (H - 1) + W * 2;
	assert_int_equal(camera_frame_check(&f, err, sizeof(err)), 0);
	f.len--;
	assert_int_equal(camera_frame_check(&f, err, sizeof(err)), -EBADMSG);
	f.stride = W; /* less than a row */
	assert_int_equal(camera_frame_check(&f, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "is not a frame size"));
	f.stride = W * 2;
	f.width = W + 1; /* YUYV pairs pixels */
	assert_int_equal(camera_frame_check(&f, err, sizeof(err)), -EBADMSG);
	f.width = 0;
	assert_int_equal(camera_frame_check(&f, err, sizeof(err)), -EBADMSG);

	f.format = CAMERA_FRAME_MJPEG;
	f.data = "\xff\xd8\x01\x02\xff\xd9\0\0";
	f.len = 8; /* zero padding after EOI, as some webcams send */
	assert_int_equal(camera_frame_check(&f, err, sizeof(err)), 0);
	f.len = 4;
	assert_int_equal(camera_frame_check(&f, err, sizeof(err)), -EBADMSG);
	assert_string_equal(err, "MJPEG frame 7: 4 bytes, no end of image "
				 "(truncated)");
	f.data = "GIF89a";
	f.len = 6;
	assert_int_equal(camera_frame_check(&f, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "not a JPEG"));
	f.len = 0;
	assert_int_equal(camera_frame_check(&f, err, sizeof(err)), -EBADMSG);
	f.format = CAMERA_FRAME_ENCODED;
	assert_int_equal(camera_frame_check(&f, err, sizeof(err)), -EBADMSG);
	f.format = (enum camera_frame_format)42;
	f.len = 6;
	assert_int_equal(camera_frame_check(&f, err, sizeof(err)), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	    T(test_camera_yuyv_file_photo_honours_skip),
	    T(test_camera_mjpeg_without_dht_makes_a_decodable_photo),
	    T(test_camera_stream_every_frame_then_unplug),
	    T(test_camera_photo_times_out_on_bad_frames),
	    T(test_camera_dir_streams_encoded_frames),
	    T(test_camera_v4l2_open_refuses_non_cameras),
	    T(test_camera_frame_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
