/* SPDX-License-Identifier: MIT */
/*
 * The V4L2 camera's ioctl sequence against a fake driver: this program
 * defines ioctl(), so the backend's VIDIOC_* calls reach the fake below,
 * on /dev/zero as the node (a character device whose MMAP works).  The
 * fake keeps the rules of the V4L2 spec (REQBUFS before QUERYBUF, buffers
 * queued before STREAMON, a buffer dequeued only once until it is queued
 * again, REQBUFS 0 only when not streaming) and notes any breach.  It
 * grants another size than asked, with padded rows, so the frames must
 * carry the granted size and stride; it flags one frame as damaged; and it
 * says ENODEV after a number of frames, as an unplugged camera.
 *
 * This checks the sequence, not a kernel: a real driver (vivid) runs in
 * the hardware-in-the-loop tests.
 */
#include <errno.h>
#include <linux/videodev2.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "retour/camera.h"
#include "retour/jpeg.h"

#define GRANT_W 320
#define GRANT_H 240
#define GRANT_BPL (GRANT_W * 2 + 64)
#define NBUF 4

static struct fake {
	pthread_mutex_t lock;
	/* what the driver is like */
	uint32_t caps;
	uint32_t grant_format;
	int frames_left; /* DQBUF says ENODEV at 0; -1: forever */
	int error_frame; /* this frame number comes with the error flag */
	bool gated;	 /* no frame yet: DQBUF says EAGAIN */
	/* its state */
	unsigned nbuf;
	bool queued[NBUF];
	unsigned order[64], head, tail; /* the driver's incoming queue */
	bool streaming;
	uint32_t sequence;
	int fps;
	/* what the test reads */
	int querycaps, streamons, streamoffs, reqbufs0, qbufs, dqbufs;
	char breach[200];
} fake = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void breach(const char *what)
{
	if (!fake.breach[0])
		snprintf(fake.breach, sizeof(fake.breach), "%s", what);
}

static int fake_reqbufs(struct v4l2_requestbuffers *r)
{
	if (r->type != V4L2_BUF_TYPE_VIDEO_CAPTURE ||
	    r->memory != V4L2_MEMORY_MMAP)
		return -EINVAL;
	if (fake.streaming) {
		breach("REQBUFS while streaming");
		return -EBUSY;
	}
	if (r->count == 0) {
		fake.reqbufs0++;
		fake.nbuf = 0;
		memset(fake.queued, 0, sizeof(fake.queued));
		fake.head = fake.tail = 0;
		return 0;
	}
	if (r->count != NBUF)
		breach("REQBUFS asked for other than 4 buffers");
	fake.nbuf = r->count = NBUF;
	return 0;
}

static int fake_qbuf(struct v4l2_buffer *b)
{
	if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE ||
	    b->memory != V4L2_MEMORY_MMAP || b->index >= fake.nbuf) {
		breach("QBUF of a buffer that is not there");
		return -EINVAL;
	}
	if (fake.queued[b->index]) {
		breach("QBUF of a buffer queued already");
		return -EINVAL;
	}
	fake.queued[b->index] = true;
	fake.order[fake.tail++ % 64] = b->index;
	fake.qbufs++;
	return 0;
}

static int fake_dqbuf(struct v4l2_buffer *b)
{
	unsigned i;

	if (!fake.streaming)
		return -EINVAL;
	if (fake.frames_left == 0)
		return -ENODEV;
	if (fake.gated)
		return -EAGAIN;
	if (fake.head == fake.tail)
		return -EAGAIN; /* all buffers with the application */
	i = fake.order[fake.head++ % 64];
	fake.queued[i] = false;
	if (fake.frames_left > 0)
		fake.frames_left--;
	memset(b, 0, sizeof(*b));
	b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b->memory = V4L2_MEMORY_MMAP;
	b->index = i;
	b->bytesused = GRANT_BPL * GRANT_H;
	b->sequence = fake.sequence++;
	if ((int)b->sequence == fake.error_frame)
		b->flags |= V4L2_BUF_FLAG_ERROR;
	fake.dqbufs++;
	return 0;
}

static int fake_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case VIDIOC_QUERYCAP: {
		struct v4l2_capability *c = arg;

		memset(c, 0, sizeof(*c));
		snprintf((char *)c->card, sizeof(c->card), "fake camera");
		c->capabilities = fake.caps | V4L2_CAP_DEVICE_CAPS;
		c->device_caps = fake.caps;
		fake.querycaps++;
		return 0;
	}
	case VIDIOC_S_FMT: {
		struct v4l2_format *f = arg;

		if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
			return -EINVAL;
		if (fake.nbuf)
			breach("S_FMT with buffers allocated");
		f->fmt.pix.width = GRANT_W;
		f->fmt.pix.height = GRANT_H;
		f->fmt.pix.pixelformat = fake.grant_format;
		f->fmt.pix.bytesperline = GRANT_BPL;
		f->fmt.pix.sizeimage = GRANT_BPL * GRANT_H;
		f->fmt.pix.field = V4L2_FIELD_NONE;
		return 0;
	}
	case VIDIOC_G_PARM: {
		struct v4l2_streamparm *p = arg;

		memset(&p->parm, 0, sizeof(p->parm));
		p->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
		return 0;
	}
	case VIDIOC_S_PARM: {
		struct v4l2_streamparm *p = arg;

		if (p->parm.capture.timeperframe.numerator)
			fake.fps =
			    (int)(p->parm.capture.timeperframe.denominator /
				  p->parm.capture.timeperframe.numerator);
		return 0;
	}
	case VIDIOC_REQBUFS:
		return fake_reqbufs(arg);
	case VIDIOC_QUERYBUF: {
		struct v4l2_buffer *b = arg;

		if (b->index >= fake.nbuf) {
			breach("QUERYBUF before REQBUFS or past the buffers");
			return -EINVAL;
		}
		b->length = GRANT_BPL * GRANT_H;
		/* /dev/zero maps fresh zeroed memory at offset 0 only; a
		 * driver gives each buffer its own offset */
		b->m.offset = 0;
		return 0;
	}
	case VIDIOC_QBUF:
		return fake_qbuf(arg);
	case VIDIOC_DQBUF:
		return fake_dqbuf(arg);
	case VIDIOC_STREAMON:
		if (*(int *)arg != V4L2_BUF_TYPE_VIDEO_CAPTURE)
			return -EINVAL;
		if (fake.head == fake.tail)
			breach("STREAMON with no buffer queued");
		fake.streaming = true;
		fake.streamons++;
		return 0;
	case VIDIOC_STREAMOFF:
		/* every buffer goes back to the application */
		fake.streaming = false;
		memset(fake.queued, 0, sizeof(fake.queued));
		fake.head = fake.tail = 0;
		fake.streamoffs++;
		return 0;
	}
	return -ENOTTY;
}

/* Every ioctl of this program: V4L2's to the fake, the rest to the
 * kernel. */
int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (_IOC_TYPE(req) != 'V')
		return (int)syscall(SYS_ioctl, fd, req, arg);
	pthread_mutex_lock(&fake.lock);
	r = fake_ioctl(req, arg);
	pthread_mutex_unlock(&fake.lock);
	if (r == -EAGAIN && req == VIDIOC_DQBUF)
		usleep(1000); /* /dev/zero polls readable: do not spin */
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

static void fake_reset(int frames_left)
{
	pthread_mutex_lock(&fake.lock);
	memset((char *)&fake + sizeof(fake.lock), 0,
	       sizeof(fake) - sizeof(fake.lock));
	fake.caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
	fake.grant_format = V4L2_PIX_FMT_YUYV;
	fake.frames_left = frames_left;
	fake.error_frame = -1;
	pthread_mutex_unlock(&fake.lock);
}

struct seen {
	pthread_mutex_t lock;
	int n;
	uint64_t last_seq;
	bool in_order, sizes_ok;
	bool present;
	char why[200];
};

static struct seen seen = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void on_frame(void *ud, const struct camera_frame *f)
{
	struct seen *s = ud;

	pthread_mutex_lock(&s->lock);
	if (f->seq <= s->last_seq)
		s->in_order = false;
	s->last_seq = f->seq;
	if (f->format != CAMERA_FRAME_YUYV || f->width != GRANT_W ||
	    f->height != GRANT_H || f->stride != GRANT_BPL ||
	    f->len != (size_t)GRANT_BPL * GRANT_H)
		s->sizes_ok = false;
	s->n++;
	pthread_mutex_unlock(&s->lock);
}

static void on_state(void *ud, bool present, const char *why)
{
	struct seen *s = ud;

	pthread_mutex_lock(&s->lock);
	s->present = present;
	snprintf(s->why, sizeof(s->why), "%s", why);
	pthread_mutex_unlock(&s->lock);
}

static int seen_n(void)
{
	int n;

	pthread_mutex_lock(&seen.lock);
	n = seen.n;
	pthread_mutex_unlock(&seen.lock);
	return n;
}

static bool seen_present(void)
{
	bool p;

	pthread_mutex_lock(&seen.lock);
	p = seen.present;
	pthread_mutex_unlock(&seen.lock);
	return p;
}

static bool fake_streaming(void)
{
	bool r;

	pthread_mutex_lock(&fake.lock);
	r = fake.streaming;
	pthread_mutex_unlock(&fake.lock);
	return r;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static const struct camera_config v4l2_cfg = {
    .backend = "v4l2",
    .device = "/dev/zero",
    .width = 640,
    .height = 480,
    .fps = 15,
    .stream = CAMERA_STREAM_ALWAYS,
    .timeout_ms = 500,
    .state = on_state,
    .state_ud = &seen,
};

/* Streaming: frames of the granted size and stride, in order; a damaged
 * frame refused and its buffer queued again; unplugged: gone, stopped
 * cleanly, a photo fails with why; back: a photo of the granted size. */
static void test_v4l2_stream_unplug_and_back(void **state)
{
	struct camera *c = NULL;
	char err[200];
	void *jpg = NULL;
	uint8_t *gray = NULL;
	size_t len = 0;
	int w = 0, h = 0;

	(void)state;
	fake_reset(20);
	fake.error_frame = 3;
	fake.gated = true;
	seen.n = 0;
	seen.last_seq = 0;
	seen.in_order = seen.sizes_ok = seen.present = true;
	if (camera_open(&v4l2_cfg, &c, err, sizeof(err)) < 0)
		fail_msg("open: %s", err);
	camera_subscribe(c, on_frame, &seen);
	pthread_mutex_lock(&fake.lock);
	fake.gated = false;
	pthread_mutex_unlock(&fake.lock);
	for (int i = 0; i < 300 && seen_present(); i++)
		sleep_ms(10);
	assert_false(seen_present());
	assert_string_equal(seen.why, "camera /dev/zero is gone");

	pthread_mutex_lock(&fake.lock);
	assert_string_equal(fake.breach, "");
	assert_int_equal(fake.fps, 15);
	assert_int_equal(fake.dqbufs, 20);
	/* 4 at the start, then every dequeued frame back, the damaged one
	 * too (the last ones may still be out when the camera went) */
	assert_true(fake.qbufs >= 4 + 20 - 1);
	assert_int_equal(fake.streamons, 1);
	assert_int_equal(fake.streamoffs, 1);
	assert_true(fake.reqbufs0 >= 1);
	pthread_mutex_unlock(&fake.lock);
	pthread_mutex_lock(&seen.lock);
	assert_true(seen.in_order);
	assert_true(seen.sizes_ok);
	/* every frame but the damaged one */
	assert_int_equal(seen.n, 19);
	pthread_mutex_unlock(&seen.lock);

	/* a photo now: one more try to open it, then why */
	assert_int_equal(camera_capture(c, &jpg, &len, err, sizeof(err)),
			 -ENODEV);
	assert_string_equal(err, "camera /dev/zero is gone");

	/* plugged in again: the once-a-second try finds it */
	pthread_mutex_lock(&fake.lock);
	fake.frames_left = -1;
	pthread_mutex_unlock(&fake.lock);
	for (int i = 0; i < 300 && !seen_present(); i++)
		sleep_ms(10);
	assert_true(seen_present());
	if (camera_capture(c, &jpg, &len, err, sizeof(err)) < 0)
		fail_msg("capture: %s", err);
	assert_int_equal(
	    jpeg_to_gray(jpg, len, &gray, &w, &h, err, sizeof(err)), 0);
	assert_int_equal(w, GRANT_W);
	assert_int_equal(h, GRANT_H);
	free(gray);
	free(jpg);
	camera_close(c);
	pthread_mutex_lock(&fake.lock);
	assert_string_equal(fake.breach, "");
	assert_false(fake.streaming); /* STREAMOFF at close */
	pthread_mutex_unlock(&fake.lock);
	assert_true(seen_n() > 15);
}

/* Photo mode: the stream runs only for the photo, and skips frames. */
static void test_v4l2_photo_mode_streams_for_the_photo(void **state)
{
	struct camera_config cfg = v4l2_cfg;
	struct camera *c = NULL;
	char err[200];
	void *jpg = NULL;
	size_t len = 0;

	(void)state;
	fake_reset(-1);
	cfg.stream = CAMERA_STREAM_PHOTO;
	cfg.skip = 3;
	cfg.state = NULL;
	if (camera_open(&cfg, &c, err, sizeof(err)) < 0)
		fail_msg("open: %s", err);
	sleep_ms(50);
	assert_int_equal(fake.streamons, 0); /* idle: no stream */
	if (camera_capture(c, &jpg, &len, err, sizeof(err)) < 0)
		fail_msg("capture: %s", err);
	free(jpg);
	/* the photo is handed over, then the stream stops */
	for (int i = 0; i < 100 && fake_streaming(); i++)
		sleep_ms(10);
	pthread_mutex_lock(&fake.lock);
	assert_string_equal(fake.breach, "");
	assert_int_equal(fake.streamons, 1);
	assert_int_equal(fake.streamoffs, 1);
	assert_false(fake.streaming);
	assert_int_equal(fake.dqbufs, 4); /* 3 skipped, the 4th the photo */
	pthread_mutex_unlock(&fake.lock);
	camera_close(c);
}

/* What the driver says that the station cannot use, at open. */
static void test_v4l2_open_refuses(void **state)
{
	struct camera *c = NULL;
	char err[200];

	(void)state;
	fake_reset(-1);
	fake.caps = V4L2_CAP_VIDEO_OUTPUT | V4L2_CAP_STREAMING;
	assert_int_equal(camera_open(&v4l2_cfg, &c, err, sizeof(err)), -ENOTTY);
	assert_string_equal(
	    err, "camera /dev/zero (fake camera): not a video capture device");

	fake.caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_READWRITE;
	assert_int_equal(camera_open(&v4l2_cfg, &c, err, sizeof(err)), -ENOTTY);
	assert_non_null(strstr(err, "cannot stream"));

	fake.caps = V4L2_CAP_VIDEO_CAPTURE_MPLANE | V4L2_CAP_STREAMING;
	assert_int_equal(camera_open(&v4l2_cfg, &c, err, sizeof(err)),
			 -ENOTSUP);
	assert_non_null(strstr(err, "multi-planar"));

	fake.caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
	fake.grant_format = V4L2_PIX_FMT_MJPEG;
	assert_int_equal(camera_open(&v4l2_cfg, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(
	    err, "camera /dev/zero: asked for YUYV frames, it sends MJPG");
	assert_null(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v4l2_stream_unplug_and_back),
	    cmocka_unit_test(test_v4l2_photo_mode_streams_for_the_photo),
	    cmocka_unit_test(test_v4l2_open_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
