/* SPDX-License-Identifier: MIT */
/*
 * The files under retourctl's backup and restore (cli_backup.h): the
 * station's configuration, files copied and fsync'd under a temporary
 * name and renamed whole, SHA-256 hashes, the content-addressed photo
 * tree (ab/cdef...jpg), and the free space a destination has.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <nettle/sha2.h>

#include "cli.h"
#include "cli_backup.h"
#include "retour/backup.h"
#include "retour/clock.h"
#include "retour/config.h"
#include "retour/store.h"

int backup_text(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ---- the station's configuration ---- */

int cli_station_config(const struct cli_opts *o, struct config *cfg,
		       const char **file)
{
	static const char *const found[] = {"conf/sim.conf",
					    "/etc/retour/retourd.conf"};
	char err[512];

	config_defaults(cfg);
	*file = NULL;
	if (o->config && o->config[0])
		*file = o->config;
	for (size_t i = 0; !*file && i < sizeof(found) / sizeof(found[0]); i++)
		if (access(found[i], R_OK) == 0)
			*file = found[i];
	if (!*file)
		return cli_fail("no station configuration found: give one "
				"with -c FILE");
	if (config_load(cfg, *file, NULL, err, sizeof(err)) < 0)
		return cli_fail("%s (give another with -c FILE)", err);
	return CLI_OK;
}

/* ---- files ---- */

static void backup_hex(const uint8_t *md, char out[65])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
}

int backup_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0 || fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * Copy @from to @to (a new file, @mode), fsync'd, hashing the bytes into
 * @sha (65); -errno with @err naming the file that failed.  @to is
 * removed on failure.  @from NULL with @data: write @len bytes of @data.
 */
int backup_copy_file(const char *from, const char *to, mode_t mode, bool sync,
		     char sha[65], int64_t *bytes, char *err, size_t errlen)
{
	struct sha256_ctx ctx;
	uint8_t md[SHA256_DIGEST_SIZE];
	char buf[1 << 16];
	int in, out, r = 0;
	int64_t total = 0;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		r = -errno;
		backup_text(err, errlen, "cannot read %s: %s", from,
			    strerror(errno));
		return r;
	}
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0) {
		r = -errno;
		backup_text(err, errlen, "cannot create %s: %s", to,
			    strerror(errno));
		close(in);
		return r;
	}
	sha256_init(&ctx);
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf)), off = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			backup_text(err, errlen, "cannot read %s: %s", from,
				    strerror(errno));
			break;
		}
		if (n == 0)
			break;
		sha256_update(&ctx, (size_t)n, (const uint8_t *)buf);
		total += n;
		while (off < n && r == 0) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				r = -errno;
				backup_text(err, errlen, "cannot write %s: %s",
					    to, strerror(errno));
			} else {
				off += w;
			}
		}
		if (r < 0)
			break;
	}
	/* not synced now: its writeback at least starts now, so that the
	 * batch's sync (and the desk's next commit) finds little left */
	if (r == 0 && !sync)
		sync_file_range(out, 0, 0, SYNC_FILE_RANGE_WRITE);
	if (r == 0 && sync && fsync(out) < 0) {
		r = -errno;
		backup_text(err, errlen, "cannot write %s: %s", to,
			    strerror(errno));
	}
	if (close(out) < 0 && r == 0) {
		r = -errno;
		backup_text(err, errlen, "cannot write %s: %s", to,
			    strerror(errno));
	}
	close(in);
	if (r < 0) {
		unlink(to);
		return r;
	}
	sha256_digest(&ctx, sizeof(md), md);
	backup_hex(md, sha);
	if (bytes)
		*bytes = total;
	return 0;
}

int backup_hash_file(const char *path, char sha[65], int64_t *bytes, char *err,
		     size_t errlen)
{
	struct sha256_ctx ctx;
	uint8_t md[SHA256_DIGEST_SIZE];
	char buf[1 << 16];
	int64_t total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int r = -errno;

		backup_text(err, errlen, "cannot read %s: %s", path,
			    strerror(errno));
		return r;
	}
	sha256_init(&ctx);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			backup_text(err, errlen, "cannot read %s: %s", path,
				    strerror(errno));
			close(fd);
			return r;
		}
		if (n == 0)
			break;
		sha256_update(&ctx, (size_t)n, (const uint8_t *)buf);
		total += n;
	}
	close(fd);
	sha256_digest(&ctx, sizeof(md), md);
	backup_hex(md, sha);
	if (bytes)
		*bytes = total;
	return 0;
}

int backup_mkdir(const char *dir, char *err, size_t errlen)
{
	struct stat stbuf;
	int e;

	if (mkdir(dir, 0750) == 0)
		return 0;
	e = errno; /* stat() and the message may change errno */
	if (e == EEXIST && stat(dir, &stbuf) == 0 && S_ISDIR(stbuf.st_mode))
		return 0;
	if (e == EEXIST)
		e = ENOTDIR;
	backup_text(err, errlen, "cannot create directory %s: %s", dir,
		    strerror(e));
	return -e;
}

/* Free bytes for an unprivileged writer on @dir's filesystem. */
int64_t backup_free_bytes(const char *dir)
{
	struct statvfs vfs;

	if (statvfs(dir, &vfs) < 0)
		return -1;
	return (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
}

int64_t backup_file_size(const char *path)
{
	struct stat stbuf;

	return stat(path, &stbuf) == 0 ? (int64_t)stbuf.st_size : 0;
}

void backup_photo_paths(const char *root, const char *sha, char *dir,
			char *final, char *tmp, size_t len)
{
	backup_text(dir, len, "%s/%.2s", root, sha);
	backup_text(final, len, "%s/%s.jpg", dir, sha + 2);
	/* one name per content: a run cut short leaves at most one, which
	 * the next copy of the same photo replaces */
	backup_text(tmp, len, "%s/.tmp-%s", dir, sha + 2);
}

/*
 * Put the photo @sha (@bytes) from @from into the content-addressed tree
 * @root as root/ab/cdef...jpg, unless a file of that size is there
 * already: written under a temporary name, checked against its name,
 * renamed.  @staged: leave it under its temporary name, not synced, for
 * backup_photos_commit() (many photos, one sync).  1 copied, 0 already
 * there, -EBADMSG when @from's content is not @sha (nothing written),
 * -errno otherwise; @err says.
 */
int backup_put_photo(const char *from, const char *root, const char *sha,
		     int64_t bytes, uid_t uid, gid_t gid, bool staged,
		     char *err, size_t errlen)
{
	char dir[4096], final[4096], tmp[4096], got[65];
	struct stat stbuf;
	int r;

	if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64) {
		backup_text(err, errlen, "photo hash '%s' is not a SHA-256",
			    sha);
		return -EBADMSG;
	}
	backup_photo_paths(root, sha, dir, final, tmp, sizeof(dir));
	if (stat(final, &stbuf) == 0 && S_ISREG(stbuf.st_mode) &&
	    stbuf.st_size == bytes)
		return 0;
	r = backup_mkdir(dir, err, errlen);
	if (r < 0)
		return r;
	unlink(tmp);
	r = backup_copy_file(from, tmp, 0640, !staged, got, NULL, err, errlen);
	if (r < 0)
		return r;
	if (strcmp(got, sha)) {
		unlink(tmp);
		backup_text(err, errlen,
			    "photo %s is damaged: its content hashes to %s",
			    from, got);
		return -EBADMSG;
	}
	if (uid != (uid_t)-1 && chown(tmp, uid, gid) < 0) {
		r = -errno;
		backup_text(err, errlen,
			    "cannot give %s to the station's user: %s", tmp,
			    strerror(errno));
		unlink(tmp);
		return r;
	}
	if (staged)
		return 1;
	if (rename(tmp, final) < 0) {
		r = -errno;
		backup_text(err, errlen, "cannot write %s: %s", final,
			    strerror(errno));
		unlink(tmp);
		return r;
	}
	r = backup_fsync_dir(dir);
	if (r < 0) {
		backup_text(err, errlen, "cannot sync %s: %s", dir,
			    strerror(-r));
		return r;
	}
	return 1;
}

/* syncfs() of the file system @dir is on. */
int backup_syncfs(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0 || syncfs(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
}
