/* SPDX-License-Identifier: MIT */
/*
 * File-backed frame source ("frames"): raw camera frames from a file or a
 * directory, handed to the camera's thread exactly as the V4L2 backend
 * hands over a dequeued buffer, so that everything after DQBUF (checks,
 * subscriber, skip, photos, a camera that goes away) runs here without a
 * camera.
 *
 * A directory holds one frame per file (YUYV or MJPEG), taken in name
 * order; hidden files are skipped.  A file holds YUYV frames back to back,
 * width * 2 * height bytes each; a short piece at its end is delivered as
 * the truncated frame it is.  Frames come at @fps.
 *
 * At the end the source starts again (@loop), or it is gone, as an
 * unplugged camera: it comes back when its path changes (a new file in the
 * directory, the file rewritten), as a camera plugged in again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "retour/camera.h"

/* More files than this in a frames directory are not read. */
#define CAMERA_FRAMES_MAX_FILES 100000

struct camera_frames {
	char *path;
	enum camera_frame_format format;
	int width, height, interval_ms;
	bool loop;
	size_t max_bytes;

	bool is_dir;
	char **names; /* a directory's frame files, sorted */
	size_t n, at;
	int fd; /* a frame file */
	uint8_t *buf;
	size_t cap;
	int64_t last_ms; /* when the last frame was handed over */

	bool ended; /* gone at the end, until the path changes */
	struct stat ended_st;
};

static int64_t camera_frames_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void camera_frames_forget(struct camera_frames *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	c->names = NULL;
	c->n = c->at = 0;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int camera_frames_by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int camera_frames_list(struct camera_frames *c, char *err, size_t errlen)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *d = opendir(c->path);
	int r;

	if (!d) {
		r = -errno;
		snprintf(err, errlen, "camera %s: %s", c->path, strerror(-r));
		return r;
	}
	while ((de = readdir(d)) && c->n < CAMERA_FRAMES_MAX_FILES) {
		char **more;

		if (de->d_name[0] == '.')
			continue;
		if (c->n == cap) {
			cap = cap ? cap * 2 : 64;
			more = realloc(c->names, cap * sizeof(*more));
			if (!more)
				break;
			c->names = more;
		}
		c->names[c->n] = strdup(de->d_name);
		if (!c->names[c->n])
			break;
		c->n++;
	}
	closedir(d);
	qsort(c->names, c->n, sizeof(*c->names), camera_frames_by_name);
	return 0;
}

static int camera_frames_start(void *state, char *err, size_t errlen)
{
	struct camera_frames *c = state;
	struct stat st;
	int r;

	camera_frames_forget(c);
	if (stat(c->path, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "camera %s: %s", c->path, strerror(-r));
		return r;
	}
	if (c->ended && st.st_ino == c->ended_st.st_ino &&
	    st.st_mtim.tv_sec == c->ended_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == c->ended_st.st_mtim.tv_nsec) {
		snprintf(err, errlen, "camera %s is gone", c->path);
		return -ENODEV;
	}
	c->ended = false;
	c->is_dir = S_ISDIR(st.st_mode);
	if (c->is_dir)
		return camera_frames_list(c, err, errlen);
	c->fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "camera %s: %s", c->path, strerror(-r));
		return r;
	}
	return 0;
}

/* The end of the frames: again from the start, or gone. */
static int camera_frames_end(struct camera_frames *c, char *err, size_t errlen)
{
	if (c->loop && c->is_dir && c->n) {
		c->at = 0;
		return 1;
	}
	if (c->loop && !c->is_dir && lseek(c->fd, 0, SEEK_SET) == 0)
		return 1;
	c->ended = stat(c->path, &c->ended_st) == 0;
	snprintf(err, errlen, "camera %s is gone", c->path);
	return -ENODEV;
}

static int camera_frames_grow(struct camera_frames *c, size_t want)
{
	uint8_t *b;

	if (want <= c->cap)
		return 0;
	b = realloc(c->buf, want);
	if (!b)
		return -ENOMEM;
	c->buf = b;
	c->cap = want;
	return 0;
}

static ssize_t camera_frames_read_fd(int fd, uint8_t *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* One frame file of the directory into buf: its length, or -errno. */
static ssize_t camera_frames_read_file(struct camera_frames *c,
				       const char *name, char *err,
				       size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", c->path, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT && stat(c->path, &st) < 0) {
		/* the whole directory went away: as a camera unplugged */
		snprintf(err, errlen, "camera %s is gone", c->path);
		return -ENODEV;
	}
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > c->max_bytes) {
		snprintf(err, errlen, "frame file %s: %s", path,
			 fd < 0 ? strerror(errno)
				: "not a regular file within the size limit");
		if (fd >= 0)
			close(fd);
		return -EBADMSG;
	}
	if (camera_frames_grow(c, (size_t)st.st_size + 1) < 0) {
		close(fd);
		return -ENOMEM;
	}
	n = camera_frames_read_fd(fd, c->buf, (size_t)st.st_size);
	close(fd);
	return n;
}

static int camera_frames_next(void *state, int wake_fd, int timeout_ms,
			      struct camera_frame *f, char *err, size_t errlen)
{
	struct camera_frames *c = state;
	struct pollfd p = {.fd = wake_fd, .events = POLLIN};
	size_t size = (size_t)c->width * 2 * (size_t)c->height;
	int64_t wait = c->last_ms + c->interval_ms - camera_frames_now_ms();
	ssize_t n;
	int r;

	/* The frame rate: as a camera, the next frame is not there yet. */
	if (wait > 0) {
		if (wait > timeout_ms)
			wait = timeout_ms;
		if (poll(&p, 1, (int)wait) > 0)
			return -EINTR;
		if (c->last_ms + c->interval_ms > camera_frames_now_ms())
			return -EAGAIN;
	}
	c->last_ms = camera_frames_now_ms();
	if (c->is_dir) {
		if (c->at >= c->n) {
			r = camera_frames_end(c, err, errlen);
			if (r < 0)
				return r;
		}
		n = camera_frames_read_file(c, c->names[c->at++], err, errlen);
	} else {
		if (camera_frames_grow(c, size) < 0)
			return -ENOMEM;
		n = camera_frames_read_fd(c->fd, c->buf, size);
		if (n == 0) {
			r = camera_frames_end(c, err, errlen);
			if (r < 0)
				return r;
			n = camera_frames_read_fd(c->fd, c->buf, size);
		}
	}
	if (n < 0)
		return (int)n;
	f->format = c->format;
	f->width = c->width;
	f->height = c->height;
	f->stride = c->format == CAMERA_FRAME_YUYV ? c->width * 2 : 0;
	f->data = c->buf;
	f->len = (size_t)n;
	return 0;
}

static void camera_frames_release(void *state)
{
	(void)state; /* the buffer is read over by the next frame */
}

static void camera_frames_stop(void *state)
{
	camera_frames_forget(state);
}

static const char *camera_frames_name_of(void *state)
{
	return ((struct camera_frames *)state)->path;
}

static void camera_frames_close(void *state)
{
	struct camera_frames *c = state;

	if (!c)
		return;
	camera_frames_forget(c);
	free(c->buf);
	free(c->path);
	free(c);
}

static int camera_frames_open(const struct camera_config *cfg, void **state,
			      char *err, size_t errlen)
{
	struct camera_frames *c;
	struct stat st;
	int fps, r;

	if (!cfg->frames || !*cfg->frames) {
		snprintf(err, errlen, "camera frames: no frames path");
		return -EINVAL;
	}
	if (stat(cfg->frames, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "camera %s: %s", cfg->frames,
			 strerror(-r));
		return r;
	}
	if (!S_ISDIR(st.st_mode) && cfg->format != CAMERA_FORMAT_YUYV) {
		snprintf(err, errlen,
			 "camera %s: MJPEG frames come one per file, in a "
			 "directory",
			 cfg->frames);
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(cfg->frames))) {
		free(c);
		snprintf(err, errlen, "camera: out of memory");
		return -ENOMEM;
	}
	c->fd = -1;
	c->format = cfg->format == CAMERA_FORMAT_MJPEG ? CAMERA_FRAME_MJPEG
						       : CAMERA_FRAME_YUYV;
	c->width = cfg->width ? cfg->width : CAMERA_WIDTH_DEFAULT;
	c->height = cfg->height ? cfg->height : CAMERA_HEIGHT_DEFAULT;
	fps = cfg->fps ? cfg->fps : CAMERA_FRAMES_FPS_DEFAULT;
	c->interval_ms = 1000 / fps;
	c->loop = cfg->loop;
	c->max_bytes =
	    cfg->max_bytes ? cfg->max_bytes : CAMERA_MAX_BYTES_DEFAULT;
	*state = c;
	return 0;
}

const struct camera_backend camera_backend_frames = {
    .name = "frames",
    .open = camera_frames_open,
    .close = camera_frames_close,
    .start = camera_frames_start,
    .next = camera_frames_next,
    .release = camera_frames_release,
    .stop = camera_frames_stop,
    .name_of = camera_frames_name_of,
};
