/* SPDX-License-Identifier: MIT */
/*
 * Directory camera: each capture returns the next image file of a
 * directory, in name order, round robin.  The simulation of the camera
 * above the desk.
 *
 * The directory is listed again on every capture, so images can be added
 * while the station runs.  The bytes are returned as they are on disk: no
 * decoding, no check that a .jpg really holds a JPEG.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retour/camera.h"

struct camera_dir {
	char *dir;
	size_t max_bytes;
	char last[NAME_MAX + 1]; /* name returned last; "" at start */
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

static void camera_dir_close(void *state)
{
	struct camera_dir *c = state;

	if (!c)
		return;
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
	*state = c;
	return 0;
}

const struct camera_backend camera_backend_dir = {
    .name = "dir",
    .open = camera_dir_open,
    .capture = camera_dir_capture,
    .close = camera_dir_close,
};
