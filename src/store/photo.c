/* SPDX-License-Identifier: MIT */
/*
 * Content-addressed photo files (see include/retour/photo.h).
 *
 * The order of operations is what makes a photo durable: write a temporary
 * file in the final directory, fsync it, rename it into place, fsync the
 * directory (and the root when the directory is new).  A power cut leaves
 * either no file or the whole file, plus at worst a stray ".tmp-" file.
 *
 * Deliberately not here: deleting or rewriting photos, thumbnails, and any
 * knowledge of the database.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "retour/photo.h"

#define PHOTO_MIB (1024.0 * 1024.0)

int photo_sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	unsigned char md[SHA256_DIGEST_SIZE];

	if (!out || (!data && len))
		return -EINVAL;
	sha256_init(&ctx);
	if (len)
		sha256_update(&ctx, len, data);
	sha256_digest(&ctx, sizeof(md), md);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
	return 0;
}

static int photo_fsync_dir(const char *dir, char *err, size_t errlen)
{
	int fd, r = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot sync directory %s: %s", dir,
			 strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return r;
}

static int photo_write_all(int fd, const unsigned char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 0 if @dir exists (or was made, *made set), -errno otherwise. */
static int photo_mkdir(const char *dir, bool *made, char *err, size_t errlen)
{
	struct stat stbuf;

	*made = false;
	if (mkdir(dir, 0750) == 0) {
		*made = true;
		return 0;
	}
	if (errno == EEXIST && stat(dir, &stbuf) == 0 && S_ISDIR(stbuf.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	snprintf(err, errlen, "cannot create photo directory %s: %s", dir,
		 strerror(errno));
	return -errno;
}

int photo_store_save(const char *root, const void *data, size_t len,
		     int64_t min_free_bytes, char sha256_hex[65], char *path,
		     size_t pathlen, char *err, size_t errlen)
{
	char dir[4096], tmp[4096], final[4096], dummy[8];
	struct statvfs vfs;
	struct stat stbuf;
	bool made_root, made_dir;
	int64_t free_bytes;
	int fd, r, n;

	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (!root || !*root || (!data && len) || !sha256_hex || !path ||
	    !pathlen) {
		snprintf(err, errlen, "photo: bad arguments");
		return -EINVAL;
	}
	photo_sha256_hex(data, len, sha256_hex);
	n = snprintf(dir, sizeof(dir), "%s/%.2s", root, sha256_hex);
	if (n < 0 || (size_t)n >= sizeof(dir) ||
	    (size_t)snprintf(final, sizeof(final), "%s/%s.jpg", dir,
			     sha256_hex + 2) >= sizeof(final) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.tmp-%.16s-XXXXXX", dir,
			     sha256_hex + 2) >= sizeof(tmp) ||
	    strlen(final) >= pathlen) {
		snprintf(err, errlen, "photo path under %s is too long", root);
		return -ENAMETOOLONG;
	}

	/* Never rewrite evidence that is already on disk. */
	if (stat(final, &stbuf) == 0) {
		if (!S_ISREG(stbuf.st_mode) || (size_t)stbuf.st_size != len) {
			snprintf(err, errlen,
				 "photo %s exists but is not the expected "
				 "%zu bytes; left untouched",
				 final, len);
			return -EEXIST;
		}
		snprintf(path, pathlen, "%s", final);
		return 0;
	}

	r = photo_mkdir(root, &made_root, err, errlen);
	if (r < 0)
		return r;
	if (statvfs(root, &vfs) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot check free space on %s: %s", root,
			 strerror(errno));
		return r;
	}
	free_bytes = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
	if (min_free_bytes > 0 &&
	    (len > (size_t)INT64_MAX ||
	     free_bytes - (int64_t)len < min_free_bytes)) {
		snprintf(err, errlen,
			 "not enough free space on %s: %.1f MiB free, floor "
			 "is %.1f MiB",
			 root, free_bytes / PHOTO_MIB,
			 min_free_bytes / PHOTO_MIB);
		return -ENOSPC;
	}

	r = photo_mkdir(dir, &made_dir, err, errlen);
	if (r < 0)
		return r;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot create a photo file in %s: %s",
			 dir, strerror(errno));
		return r;
	}
	r = photo_write_all(fd, data, len);
	if (r == 0 && fchmod(fd, 0640) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, final) < 0)
		r = -errno;
	if (r < 0) {
		snprintf(err, errlen, "cannot write photo %s: %s", final,
			 strerror(-r));
		unlink(tmp);
		return r;
	}
	r = photo_fsync_dir(dir, err, errlen);
	if (r == 0 && made_dir)
		r = photo_fsync_dir(root, err, errlen);
	if (r < 0)
		return r;
	snprintf(path, pathlen, "%s", final);
	return 0;
}
