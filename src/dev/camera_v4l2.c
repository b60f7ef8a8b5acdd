/* SPDX-License-Identifier: MIT */
/*
 * V4L2 camera ("v4l2"): a capture device streamed through MMAP buffers,
 * YUYV or MJPEG.  Only the ioctls live here; what is done with a frame
 * after DQBUF (checks, subscriber, skip, photos, a camera that goes away)
 * is the camera's thread's (camera_stream.c), shared with the file-backed
 * source that tests run.
 *
 * Open: QUERYCAP (a capture device that streams, else refused), S_FMT and
 * read back what the driver granted: a camera may pick another size, whose
 * stride and frame size are then used as given.  Start: REQBUFS 4 MMAP,
 * QUERYBUF and mmap each, QBUF them all, STREAMON.  Next: poll() with the
 * timeout, DQBUF, the frame handed over until it is QBUF'd back.  ENODEV
 * or EIO on DQBUF means the camera was unplugged: the stream reports it
 * gone, closes the node and opens it again later.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retour/camera.h"
#include "retour/log.h"

#define CAMERA_V4L2_BUFFERS 4

struct camera_v4l2_buffer {
	void *start;
	size_t length;
};

struct camera_v4l2 {
	char *device;
	uint32_t pixelformat;
	int want_width, want_height, fps;

	int fd;
	int width, height; /* as granted */
	uint32_t bytesperline, sizeimage;
	struct camera_v4l2_buffer buf[CAMERA_V4L2_BUFFERS];
	unsigned nbuf;
	bool streaming;
	int dequeued; /* the index handed over, or -1 */
	bool told;    /* the granted format was logged */
};

static int camera_v4l2_ioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static bool camera_v4l2_is_gone(int r)
{
	return r == -ENODEV || r == -EIO || r == -ENXIO;
}

static int camera_v4l2_fail(const struct camera_v4l2 *c, int r,
			    const char *what, char *err, size_t errlen)
{
	if (camera_v4l2_is_gone(r)) {
		snprintf(err, errlen, "camera %s is gone", c->device);
		return -ENODEV;
	}
	snprintf(err, errlen, "camera %s: %s: %s", c->device, what,
		 strerror(-r));
	return r;
}

static void camera_v4l2_unmap(struct camera_v4l2 *c)
{
	for (unsigned i = 0; i < c->nbuf; i++)
		if (c->buf[i].start && c->buf[i].start != MAP_FAILED)
			munmap(c->buf[i].start, c->buf[i].length);
	memset(c->buf, 0, sizeof(c->buf));
	c->nbuf = 0;
}

/* Streaming off, buffers given back, the node closed. */
static void camera_v4l2_stop(void *state)
{
	struct camera_v4l2 *c = state;
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct v4l2_requestbuffers req = {
	    .count = 0,
	    .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
	    .memory = V4L2_MEMORY_MMAP,
	};

	if (c->fd < 0)
		return;
	if (c->streaming)
		(void)camera_v4l2_ioctl(c->fd, VIDIOC_STREAMOFF, &type);
	c->streaming = false;
	c->dequeued = -1;
	camera_v4l2_unmap(c);
	/* count 0 frees the driver's buffers, now that none is mapped */
	(void)camera_v4l2_ioctl(c->fd, VIDIOC_REQBUFS, &req);
	close(c->fd);
	c->fd = -1;
}

static int camera_v4l2_check_caps(struct camera_v4l2 *c, char *err,
				  size_t errlen)
{
	struct v4l2_capability cap;
	uint32_t caps;
	int r;

	memset(&cap, 0, sizeof(cap));
	r = camera_v4l2_ioctl(c->fd, VIDIOC_QUERYCAP, &cap);
	/* ENOSYS: an ioctl qemu-user does not know (the arm64 tests) */
	if (r == -ENOTTY || r == -EINVAL || r == -ENOSYS) {
		snprintf(err, errlen, "camera %s: not a V4L2 device",
			 c->device);
		return -ENOTTY;
	}
	if (r < 0)
		return camera_v4l2_fail(c, r, "VIDIOC_QUERYCAP", err, errlen);
	/* device_caps are this node's; capabilities the whole device's */
	caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps
							 : cap.capabilities;
	if (!(caps & V4L2_CAP_VIDEO_CAPTURE) &&
	    (caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE)) {
		snprintf(err, errlen,
			 "camera %s (%.32s): multi-planar capture only, which "
			 "this station does not read",
			 c->device, (const char *)cap.card);
		return -ENOTSUP;
	}
	if (!(caps & V4L2_CAP_VIDEO_CAPTURE)) {
		snprintf(err, errlen,
			 "camera %s (%.32s): not a video capture device",
			 c->device, (const char *)cap.card);
		return -ENOTTY;
	}
	if (!(caps & V4L2_CAP_STREAMING)) {
		snprintf(err, errlen,
			 "camera %s (%.32s): cannot stream (no MMAP "
			 "streaming I/O)",
			 c->device, (const char *)cap.card);
		return -ENOTTY;
	}
	return 0;
}

static int camera_v4l2_set_format(struct camera_v4l2 *c, char *err,
				  size_t errlen)
{
	struct v4l2_format fmt;
	uint32_t got;
	int r;

	memset(&fmt, 0, sizeof(fmt));
	fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	fmt.fmt.pix.width = (uint32_t)c->want_width;
	fmt.fmt.pix.height = (uint32_t)c->want_height;
	fmt.fmt.pix.pixelformat = c->pixelformat;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	r = camera_v4l2_ioctl(c->fd, VIDIOC_S_FMT, &fmt);
	if (r < 0)
		return camera_v4l2_fail(c, r, "VIDIOC_S_FMT", err, errlen);
	got = fmt.fmt.pix.pixelformat;
	if (got != c->pixelformat) {
		snprintf(err, errlen,
			 "camera %s: asked for %.4s frames, it sends %.4s",
			 c->device, (const char *)&c->pixelformat,
			 (const char *)&got);
		return -EINVAL;
	}
	if (fmt.fmt.pix.width == 0 || fmt.fmt.pix.height == 0 ||
	    fmt.fmt.pix.width > 8192 || fmt.fmt.pix.height > 8192) {
		snprintf(err, errlen, "camera %s: grants a %ux%u frame",
			 c->device, fmt.fmt.pix.width, fmt.fmt.pix.height);
		return -EINVAL;
	}
	c->width = (int)fmt.fmt.pix.width;
	c->height = (int)fmt.fmt.pix.height;
	c->bytesperline = fmt.fmt.pix.bytesperline;
	c->sizeimage = fmt.fmt.pix.sizeimage;
	/* Packed YUYV has a stride; a driver that leaves it 0 packs rows. */
	if (c->pixelformat == V4L2_PIX_FMT_YUYV &&
	    c->bytesperline < (uint32_t)c->width * 2)
		c->bytesperline = (uint32_t)c->width * 2;
	if (!c->told) {
		c->told = true;
		if (c->width != c->want_width || c->height != c->want_height)
			log_notice("camera %s: asked for %dx%d, it gives "
				   "%dx%d: using that",
				   c->device, c->want_width, c->want_height,
				   c->width, c->height);
		log_info("camera %s: %dx%d %.4s, %u bytes per row, %u per "
			 "frame",
			 c->device, c->width, c->height,
			 (const char *)&c->pixelformat, c->bytesperline,
			 c->sizeimage);
	}
	return 0;
}

/* The frame rate, where the driver lets it be set; a wish, not a need. */
static void camera_v4l2_set_fps(struct camera_v4l2 *c)
{
	struct v4l2_streamparm parm;

	if (c->fps <= 0)
		return;
	memset(&parm, 0, sizeof(parm));
	parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	if (camera_v4l2_ioctl(c->fd, VIDIOC_G_PARM, &parm) < 0 ||
	    !(parm.parm.capture.capability & V4L2_CAP_TIMEPERFRAME)) {
		log_info("camera %s: its frame rate cannot be set", c->device);
		return;
	}
	parm.parm.capture.timeperframe.numerator = 1;
	parm.parm.capture.timeperframe.denominator = (uint32_t)c->fps;
	if (camera_v4l2_ioctl(c->fd, VIDIOC_S_PARM, &parm) < 0)
		log_info("camera %s: refuses %d frames/s", c->device, c->fps);
}

/* Open the node and agree on the format. */
static int camera_v4l2_setup(struct camera_v4l2 *c, char *err, size_t errlen)
{
	struct stat st;
	int r;

	c->fd = open(c->device, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (c->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "camera %s: %s", c->device, strerror(-r));
		return r;
	}
	if (fstat(c->fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
		snprintf(err, errlen, "camera %s: not a V4L2 device",
			 c->device);
		r = -ENOTTY;
		goto fail;
	}
	r = camera_v4l2_check_caps(c, err, errlen);
	if (r < 0)
		goto fail;
	r = camera_v4l2_set_format(c, err, errlen);
	if (r < 0)
		goto fail;
	camera_v4l2_set_fps(c);
	return 0;
fail:
	close(c->fd);
	c->fd = -1;
	return r;
}

static int camera_v4l2_map(struct camera_v4l2 *c, char *err, size_t errlen)
{
	struct v4l2_requestbuffers req = {
	    .count = CAMERA_V4L2_BUFFERS,
	    .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
	    .memory = V4L2_MEMORY_MMAP,
	};
	int r;

	r = camera_v4l2_ioctl(c->fd, VIDIOC_REQBUFS, &req);
	if (r < 0)
		return camera_v4l2_fail(c, r, "VIDIOC_REQBUFS", err, errlen);
	if (req.count < 2) {
		snprintf(err, errlen, "camera %s: only %u buffer(s)", c->device,
			 req.count);
		return -ENOMEM;
	}
	/* The driver may grant more than asked: use what fits. */
	for (unsigned i = 0; i < req.count && i < CAMERA_V4L2_BUFFERS; i++) {
		struct v4l2_buffer b;

		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		r = camera_v4l2_ioctl(c->fd, VIDIOC_QUERYBUF, &b);
		if (r < 0)
			return camera_v4l2_fail(c, r, "VIDIOC_QUERYBUF", err,
						errlen);
		c->buf[i].length = b.length;
		c->buf[i].start = mmap(NULL, b.length, PROT_READ | PROT_WRITE,
				       MAP_SHARED, c->fd, (off_t)b.m.offset);
		if (c->buf[i].start == MAP_FAILED) {
			r = -errno;
			c->buf[i].start = NULL;
			return camera_v4l2_fail(c, r, "mmap", err, errlen);
		}
		c->nbuf = i + 1;
	}
	return 0;
}

static int camera_v4l2_queue(struct camera_v4l2 *c, unsigned index)
{
	struct v4l2_buffer b;

	memset(&b, 0, sizeof(b));
	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b.memory = V4L2_MEMORY_MMAP;
	b.index = index;
	return camera_v4l2_ioctl(c->fd, VIDIOC_QBUF, &b);
}

static int camera_v4l2_start(void *state, char *err, size_t errlen)
{
	struct camera_v4l2 *c = state;
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	int r;

	if (c->fd < 0) {
		r = camera_v4l2_setup(c, err, errlen);
		if (r < 0)
			return r;
	}
	r = camera_v4l2_map(c, err, errlen);
	for (unsigned i = 0; r == 0 && i < c->nbuf; i++) {
		r = camera_v4l2_queue(c, i);
		if (r < 0)
			r = camera_v4l2_fail(c, r, "VIDIOC_QBUF", err, errlen);
	}
	if (r == 0) {
		r = camera_v4l2_ioctl(c->fd, VIDIOC_STREAMON, &type);
		if (r < 0)
			r = camera_v4l2_fail(c, r, "VIDIOC_STREAMON", err,
					     errlen);
	}
	if (r < 0) {
		camera_v4l2_stop(c);
		return r;
	}
	c->streaming = true;
	c->dequeued = -1;
	return 0;
}

static int camera_v4l2_next(void *state, int wake_fd, int timeout_ms,
			    struct camera_frame *f, char *err, size_t errlen)
{
	struct camera_v4l2 *c = state;
	struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN},
			      {.fd = wake_fd, .events = POLLIN}};
	struct v4l2_buffer b;
	int r;

	r = poll(p, 2, timeout_ms);
	if (r < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	if (p[1].revents & POLLIN)
		return -EINTR;
	if (r == 0)
		return -EAGAIN;
	/* POLLERR/POLLHUP: DQBUF says why (ENODEV when unplugged). */
	memset(&b, 0, sizeof(b));
	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b.memory = V4L2_MEMORY_MMAP;
	r = camera_v4l2_ioctl(c->fd, VIDIOC_DQBUF, &b);
	if (r == -EAGAIN && (p[0].revents & (POLLERR | POLLHUP))) {
		/* an error poll keeps reporting: restart, never spin */
		snprintf(err, errlen, "camera %s: stream error, restarting",
			 c->device);
		return -EPIPE;
	}
	if (r == -EAGAIN)
		return -EAGAIN;
	if (r < 0)
		return camera_v4l2_fail(c, r, "VIDIOC_DQBUF", err, errlen);
	if (b.index >= c->nbuf) {
		snprintf(err, errlen, "camera %s: buffer %u of %u", c->device,
			 b.index, c->nbuf);
		return -EIO;
	}
	if ((b.flags & V4L2_BUF_FLAG_ERROR) ||
	    b.bytesused > c->buf[b.index].length) {
		snprintf(err, errlen,
			 "camera %s: frame %u damaged (%u bytes, flags %#x)",
			 c->device, b.sequence, b.bytesused, b.flags);
		r = camera_v4l2_queue(c, b.index);
		return r < 0
			   ? camera_v4l2_fail(c, r, "VIDIOC_QBUF", err, errlen)
			   : -EBADMSG;
	}
	c->dequeued = (int)b.index;
	f->format = c->pixelformat == V4L2_PIX_FMT_MJPEG ? CAMERA_FRAME_MJPEG
							 : CAMERA_FRAME_YUYV;
	f->width = c->width;
	f->height = c->height;
	f->stride = f->format == CAMERA_FRAME_YUYV ? (int)c->bytesperline : 0;
	f->data = c->buf[b.index].start;
	f->len = b.bytesused;
	return 0;
}

static void camera_v4l2_release(void *state)
{
	struct camera_v4l2 *c = state;

	/* A failure here shows at the next DQBUF (ENODEV when gone). */
	if (c->dequeued >= 0 && c->fd >= 0)
		(void)camera_v4l2_queue(c, (unsigned)c->dequeued);
	c->dequeued = -1;
}

static const char *camera_v4l2_name_of(void *state)
{
	return ((struct camera_v4l2 *)state)->device;
}

static void camera_v4l2_close(void *state)
{
	struct camera_v4l2 *c = state;

	if (!c)
		return;
	camera_v4l2_stop(c);
	free(c->device);
	free(c);
}

static int camera_v4l2_open(const struct camera_config *cfg, void **state,
			    char *err, size_t errlen)
{
	struct camera_v4l2 *c;
	int r;

	if (!cfg->device || !*cfg->device) {
		snprintf(err, errlen, "camera v4l2: no device configured");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->device = strdup(cfg->device))) {
		free(c);
		snprintf(err, errlen, "camera: out of memory");
		return -ENOMEM;
	}
	c->fd = -1;
	c->dequeued = -1;
	c->pixelformat = cfg->format == CAMERA_FORMAT_MJPEG ? V4L2_PIX_FMT_MJPEG
							    : V4L2_PIX_FMT_YUYV;
	c->want_width = cfg->width ? cfg->width : CAMERA_WIDTH_DEFAULT;
	c->want_height = cfg->height ? cfg->height : CAMERA_HEIGHT_DEFAULT;
	c->fps = cfg->fps;
	/* Refused here when it is not a camera; the node is kept open for
	 * the first start.  A camera not plugged in yet is no error: the
	 * stream reports it gone and takes it once it is there. */
	r = camera_v4l2_setup(c, err, errlen);
	if (r == -ENOENT || camera_v4l2_is_gone(r)) {
		*state = c;
		return 0;
	}
	if (r < 0) {
		free(c->device);
		free(c);
		return r;
	}
	*state = c;
	return 0;
}

const struct camera_backend camera_backend_v4l2 = {
    .name = "v4l2",
    .open = camera_v4l2_open,
    .close = camera_v4l2_close,
    .start = camera_v4l2_start,
    .next = camera_v4l2_next,
    .release = camera_v4l2_release,
    .stop = camera_v4l2_stop,
    .name_of = camera_v4l2_name_of,
};
