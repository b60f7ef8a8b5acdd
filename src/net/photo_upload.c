/* SPDX-License-Identifier: MIT */
/*
 * The photo upload's own pieces (photo_upload.h): the object key a photo
 * is stored under, and reading the photo an outbox row names, checked
 * against its hash before a byte of it is sent.  The request itself is
 * the s3 connector's (connectors/s3.c), the queue the outbox's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "retour/photo.h"
#include "retour/photo_upload.h"

/* A photo larger than this is no camera's frame: refused, not read. */
#define PHOTO_UPLOAD_MAX_BYTES (64 * 1024 * 1024)

int photo_upload_object_key(const char *prefix, const char *sha256_hex,
			    char *out, size_t outlen)
{
	int n;

	if (!sha256_hex || strlen(sha256_hex) != PHOTO_SHA256_HEX_LEN ||
	    strspn(sha256_hex, "0123456789abcdef") != PHOTO_SHA256_HEX_LEN)
		return -EINVAL;
	n = snprintf(out, outlen, "%s%s.jpg", prefix ? prefix : "", sha256_hex);
	return n > 0 && (size_t)n < outlen ? 0 : -ENAMETOOLONG;
}

static int photo_upload_read_file(const char *path, unsigned char **data,
				  size_t *len, char *err, size_t errlen)
{
	struct stat sb;
	size_t got = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		r = -errno;
		snprintf(err, errlen, "photo file %s: %s", path, strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > PHOTO_UPLOAD_MAX_BYTES) {
		snprintf(err, errlen, "photo file %s: not a photo", path);
		close(fd);
		return -EFBIG;
	}
	*data = malloc(sb.st_size ? (size_t)sb.st_size : 1);
	if (!*data) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, *data + got, (size_t)sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EBADMSG;
			snprintf(err, errlen, "photo file %s: %s", path,
				 n < 0 ? strerror(errno)
				       : "shorter than it was");
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (r < 0) {
		free(*data);
		*data = NULL;
		return r;
	}
	*len = got;
	return 0;
}

int photo_upload_read(const char *body, unsigned char **data, size_t *len,
		      char *err, size_t errlen)
{
	json_t *root = body ? json_loads(body, 0, NULL) : NULL;
	const char *path = json_string_value(json_object_get(root, "path"));
	const char *sha = json_string_value(json_object_get(root, "sha256"));
	char have[65];
	int r;

	*data = NULL;
	*len = 0;
	if (!path || !path[0] || !sha || strlen(sha) != 64) {
		snprintf(err, errlen, "the row names no photo");
		json_decref(root);
		return -EINVAL;
	}
	r = photo_upload_read_file(path, data, len, err, errlen);
	if (r == 0 &&
	    (photo_sha256_hex(*data, *len, have) < 0 || strcmp(have, sha))) {
		snprintf(err, errlen,
			 "photo file %s no longer has the SHA-256 on record",
			 path);
		free(*data);
		*data = NULL;
		r = -EBADMSG;
	}
	json_decref(root);
	return r;
}
