/* SPDX-License-Identifier: MIT */
/*
 * Directory camera: each capture returns the next image file of a
 * directory, in name order, round robin.  The simulation of the camera
 * above the desk.
 *
 * The directory is listed again on every capture, so images can be added
 * while the station runs.  The bytes are returned as they are on disk: no
 * decoding, no check that a .jpg really holds a JPEG.
 *
 * With `stream = always` the directory is also a frame source: its images,
 * round robin at @fps, go to the camera's thread as ENCODED frames (which
 * the simulated desk's decoder reads), and a photo is the next of them.
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
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "retour/camera.h"

struct camera_dir {
	char *dir;
	size_t max_bytes;
	char last[NAME_MAX + 1]; /* name returned last; "" at start */
	/* streaming */
	int interval_ms;
	int64_t last_ms;
	void *frame; /* handed over until release */
};

static bool camera_dir_is_image(const char *name)
{
	const char *dot = strrchr(name, '.');

	/* Hidden files are editors' and copy tools' temporaries. */
	if (name[0] == '.' || !dot)
		return false;
	return strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0 ||
	       strcasecmp(dot, ".png") == 0;
}

/*
 * The smallest image name greater than last (or the smallest at all, to
 * wrap around).  Picking by name rather than by index keeps the order
 * stable when files are added or removed between captures.
 */
static int camera_dir_next_name(struct camera_dir *c, char *next, char *err,
				size_t errlen)
{
	char first[NAME_MAX + 1] = "", after[NAME_MAX + 1] = "";
	struct dirent *de;
	DIR *d;
	int r;

	d = opendir(c->dir);
	if (!d) {
		r = -errno;
		snprintf(err, errlen, "camera directory %s: %s", c->dir,
			 strerror(-r));
		return r;
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (!camera_dir_is_image(de->d_name))
			continue;
		if (!first[0] || strcmp(de->d_name, first) < 0)
			snprintf(first, sizeof(first), "%s", de->d_name);
		if (strcmp(de->d_name, c->last) > 0 &&
		    (!after[0] || strcmp(de->d_name, after) < 0))
			snprintf(after, sizeof(after), "%s", de->d_name);
	}
	r = -errno;
	closedir(d);
	if (r < 0) {
		snprintf(err, errlen, "camera directory %s: %s", c->dir,
			 strerror(-r));
		return r;
	}
	if (!first[0]) {
		snprintf(err, errlen,
			 "camera directory %s: no images "
			 "(*.jpg, *.jpeg, *.png)",
			 c->dir);
		return -ENOENT;
	}
	snprintf(next, NAME_MAX + 1, "%s", after[0] ? after : first);
	return 0;
}

/* The directory itself is not there (any more). */
static bool camera_dir_gone(const char *dir)
{
	struct stat st;

	return stat(dir, &st) < 0 || !S_ISDIR(st.st_mode);
}

static int camera_dir_read(const struct camera_dir *c, const char *path,
			   void **data, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t done = 0;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "camera image %s: %s", path,
			 strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "camera image %s: not a regular file",
			 path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > c->max_bytes) {
		snprintf(err, errlen, "camera image %s: %lld bytes, %s", path,
			 (long long)st.st_size,
			 st.st_size == 0 ? "empty" : "over the size limit");
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		snprintf(err, errlen, "camera image %s: out of memory", path);
		close(fd);
		return -ENOMEM;
	}
	/* Read what fstat promised and no more: a file still growing is cut
	 * at that size rather than running past the limit. */
	while (done < (size_t)st.st_size) {
		n = read(fd, buf + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	if (done == 0) {
		free(buf);
		snprintf(err, errlen, "camera image %s: cannot read", path);
		return -EIO;
	}
	*data = buf;
	*len = done;
	return 0;
}

static int camera_dir_capture(void *state, void **data, size_t *len, char *err,
			      size_t errlen)
{
	struct camera_dir *c = state;
	char name[NAME_MAX + 1], path[PATH_MAX];
	int r;

	r = camera_dir_next_name(c, name, err, errlen);
	if (r < 0)
		return r;
	/* Advance even when this file is refused, so one bad file does not
	 * block the camera forever. */
	snprintf(c->last, sizeof(c->last), "%s", name);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", c->dir, name) >=
	    sizeof(path)) {
		snprintf(err, errlen, "camera directory %s: path too long",
			 c->dir);
		return -ENAMETOOLONG;
	}
	return camera_dir_read(c, path, data, len, err, errlen);
}

static int64_t camera_dir_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int camera_dir_start(void *state, char *err, size_t errlen)
{
	struct camera_dir *c = state;
	DIR *d = opendir(c->dir);
	int r;

	if (!d) {
		r = -errno;
		snprintf(err, errlen, "camera directory %s: %s", c->dir,
			 strerror(-r));
		return r;
	}
	closedir(d);
	return 0;
}

static int camera_dir_next(void *state, int wake_fd, int timeout_ms,
			   struct camera_frame *f, char *err, size_t errlen)
{
	struct camera_dir *c = state;
	struct pollfd p = {.fd = wake_fd, .events = POLLIN};
	int64_t wait = c->last_ms + c->interval_ms - camera_dir_now_ms();
	size_t len = 0;
	int r;

	if (wait > 0) {
		if (poll(&p, 1, (int)(wait < timeout_ms ? wait : timeout_ms)) >
		    0)
			return -EINTR;
		if (c->last_ms + c->interval_ms > camera_dir_now_ms())
			return -EAGAIN;
	}
	c->last_ms = camera_dir_now_ms();
	free(c->frame);
	c->frame = NULL;
	r = camera_dir_capture(c, &c->frame, &len, err, errlen);
	if (r == -ENOENT && camera_dir_gone(c->dir))
		return -ENODEV; /* the directory is gone: "unplugged" */
	if (r == -ENOENT)
		return -EAGAIN; /* no images yet */
	if (r < 0)
		return r == -ENOMEM ? r : -EBADMSG;
	f->format = CAMERA_FRAME_ENCODED;
	f->width = f->height = f->stride = 0;
	f->data = c->frame;
	f->len = len;
	return 0;
}

static void camera_dir_release(void *state)
{
	struct camera_dir *c = state;

	free(c->frame);
	c->frame = NULL;
}

static const char *camera_dir_name_of(void *state)
{
	return ((struct camera_dir *)state)->dir;
}

static void camera_dir_close(void *state)
{
	struct camera_dir *c = state;

	if (!c)
		return;
	free(c->frame);
	free(c->dir);
	free(c);
}

static int camera_dir_open(const struct camera_config *cfg, void **state,
			   char *err, size_t errlen)
{
	struct camera_dir *c;
	DIR *d;
	int r;

	if (!cfg->dir || !*cfg->dir) {
		snprintf(err, errlen, "camera dir: no directory configured");
		return -EINVAL;
	}
	d = opendir(cfg->dir);
	if (!d) {
		r = -errno;
		snprintf(err, errlen, "camera directory %s: %s", cfg->dir,
			 strerror(-r));
		return r;
	}
	closedir(d);
	c = calloc(1, sizeof(*c));
	if (!c || !(c->dir = strdup(cfg->dir))) {
		free(c);
		snprintf(err, errlen, "camera: out of memory");
		return -ENOMEM;
	}
	c->max_bytes =
	    cfg->max_bytes ? cfg->max_bytes : CAMERA_MAX_BYTES_DEFAULT;
	c->interval_ms = 1000 / (cfg->fps ? cfg->fps : CAMERA_DIR_FPS_DEFAULT);
	*state = c;
	return 0;
}

const struct camera_backend camera_backend_dir = {
    .name = "dir",
    .open = camera_dir_open,
    .capture = camera_dir_capture,
    .close = camera_dir_close,
    .start = camera_dir_start,
    .next = camera_dir_next,
    .release = camera_dir_release,
    .stop = camera_dir_release,
    .name_of = camera_dir_name_of,
};
