/* SPDX-License-Identifier: MIT */
/*
 * retourctl backup DEST and retourctl restore SRC (issue 12).
 *
 * A backup is a directory DEST/retour-YYYYMMDDTHHMMSSZ holding a copy of
 * the database (backup_database(): SQLite's online backup, one snapshot,
 * in small steps) and MANIFEST.json (every file with its SHA-256), beside
 * DEST/photos, a content-addressed tree shared by the backups in DEST: a
 * photo already there is not copied again, so the second backup copies
 * only the new photos.  Everything is written under a ".partial-" name and
 * renamed last, so a backup that did not finish never looks like one; a
 * photo file is only ever renamed into place whole and checked.
 *
 * It runs here, against the live file, and not through retourd: WAL lets
 * a second connection read one snapshot while the daemon commits, the
 * copy's disk traffic stays out of the daemon's process and its event
 * loop, and a backup (or a restore, which must run with the daemon
 * stopped) works when the daemon does not.  It needs read access to the
 * database and the photos: run it as the retour user or root.
 *
 * A restore refuses a station that holds records (unless --force, and
 * then the old files are moved aside, not deleted), refuses while retourd
 * runs (its lock), checks every hash before it replaces anything, and
 * puts the database in place last.
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

#define BACKUP_FORMAT "retour-backup 1"
#define BACKUP_MIB (1024.0 * 1024.0)
/* The photos' dirty data between two syncs, and the pause after one. */
#define BACKUP_FLUSH_BYTES (INT64_C(256) << 10)
#define BACKUP_FLUSH_PAUSE_US 10000
/* Left free on the destination beyond what the backup needs. */
#define BACKUP_SPARE_BYTES (INT64_C(4) << 20)

struct backup_photo {
	char sha256[65];
	char *path;
	int64_t bytes;
	bool staged; /* copied under its temporary name, to be renamed */
};

struct backup_run {
	const char *dest;
	int lock_fd;
	char partial[4096];
	char final[4096];
	struct backup_photo *photos;
	size_t n, cap;
	int copied, missing, damaged;
	int64_t bytes_copied;
	json_t *missing_list;
	char err[1024];
};

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

	if (mkdir(dir, 0750) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &stbuf) == 0 && S_ISDIR(stbuf.st_mode))
		return 0;
	backup_text(err, errlen, "cannot create directory %s: %s", dir,
		    strerror(errno == EEXIST ? ENOTDIR : errno));
	return errno == EEXIST ? -ENOTDIR : -errno;
}

/* Free bytes for an unprivileged writer on @dir's filesystem. */
static int64_t backup_free_bytes(const char *dir)
{
	struct statvfs vfs;

	if (statvfs(dir, &vfs) < 0)
		return -1;
	return (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
}

static int64_t backup_file_size(const char *path)
{
	struct stat stbuf;

	return stat(path, &stbuf) == 0 ? (int64_t)stbuf.st_size : 0;
}

/* The photo @sha's place in the tree @root, and its temporary name. */
static void backup_photo_paths(const char *root, const char *sha, char *dir,
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
static int backup_syncfs(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0 || syncfs(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
}

/* ---- backup ---- */

static int backup_note_photo(void *arg, const char *sha256, const char *path,
			     int64_t bytes)
{
	struct backup_run *b = arg;

	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 1024;
		struct backup_photo *p = realloc(b->photos, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		b->photos = p;
		b->cap = cap;
	}
	backup_text(b->photos[b->n].sha256, sizeof(b->photos[b->n].sha256),
		    "%s", sha256);
	b->photos[b->n].path = strdup(path);
	b->photos[b->n].bytes = bytes;
	b->photos[b->n].staged = false;
	if (!b->photos[b->n].path)
		return -ENOMEM;
	b->n++;
	return 0;
}

static void backup_run_free(struct backup_run *b)
{
	if (b->lock_fd >= 0)
		close(b->lock_fd); /* the lock with it */
	for (size_t i = 0; i < b->n; i++)
		free(b->photos[i].path);
	free(b->photos);
	json_decref(b->missing_list);
}

/* Remove the partial directory's own files and itself. */
static void backup_discard_partial(struct backup_run *b)
{
	char path[4200];

	if (!b->partial[0])
		return;
	backup_text(path, sizeof(path), "%s/retour.db", b->partial);
	unlink(path);
	backup_text(path, sizeof(path), "%s/retour.db-journal", b->partial);
	unlink(path);
	backup_text(path, sizeof(path), "%s/MANIFEST.json", b->partial);
	unlink(path);
	rmdir(b->partial);
}

/* The destination: there, a directory, writable, with room for @need. */
static int backup_check_dest(const char *dest, int64_t need)
{
	struct stat stbuf;
	int64_t free_bytes;

	if (stat(dest, &stbuf) < 0) {
		if (errno == ENOENT)
			return cli_fail("backup: destination %s does not "
					"exist (is the drive mounted?); "
					"nothing was written",
					dest);
		return cli_fail("backup: destination %s: %s; nothing was "
				"written",
				dest, strerror(errno));
	}
	if (!S_ISDIR(stbuf.st_mode))
		return cli_fail("backup: destination %s is not a directory; "
				"nothing was written",
				dest);
	if (access(dest, W_OK | X_OK) < 0)
		return cli_fail("backup: destination %s is not writable (%s); "
				"nothing was written",
				dest, strerror(errno));
	free_bytes = backup_free_bytes(dest);
	if (free_bytes >= 0 && free_bytes < need + BACKUP_SPARE_BYTES)
		return cli_fail("backup: not enough space on %s: %.1f MiB "
				"free, the database needs %.1f MiB; nothing "
				"was written",
				dest, free_bytes / BACKUP_MIB,
				(need + BACKUP_SPARE_BYTES) / BACKUP_MIB);
	return CLI_OK;
}

/* The photos the copy names that DEST/photos lacks: their bytes. */
static int64_t backup_new_bytes(const struct backup_run *b, const char *root)
{
	char path[4200];
	struct stat stbuf;
	int64_t need = 0;

	for (size_t i = 0; i < b->n; i++) {
		backup_text(path, sizeof(path), "%s/%.2s/%s.jpg", root,
			    b->photos[i].sha256, b->photos[i].sha256 + 2);
		if (stat(path, &stbuf) < 0 ||
		    stbuf.st_size != b->photos[i].bytes)
			need += b->photos[i].bytes;
	}
	return need;
}

/* The staged photos' temporary files removed (a failed backup). */
static void backup_photos_unstage(struct backup_run *b, const char *root)
{
	char dir[4096], final[4096], tmp[4096];

	for (size_t i = 0; i < b->n; i++) {
		if (!b->photos[i].staged)
			continue;
		backup_photo_paths(root, b->photos[i].sha256, dir, final, tmp,
				   sizeof(dir));
		unlink(tmp);
		b->photos[i].staged = false;
	}
}

/*
 * The staged photos made durable with one syncfs(), then renamed into
 * place and synced again: thousands of photos cost two syncs, not two
 * each, and a name in the tree is only ever a whole file.
 */
static int backup_photos_commit(struct backup_run *b, const char *root)
{
	char dir[4096], final[4096], tmp[4096] = "";
	int r = backup_syncfs(root);

	for (size_t i = 0; r == 0 && i < b->n; i++) {
		if (!b->photos[i].staged)
			continue;
		backup_photo_paths(root, b->photos[i].sha256, dir, final, tmp,
				   sizeof(dir));
		if (rename(tmp, final) < 0)
			r = -errno;
		else
			b->photos[i].staged = false;
	}
	if (r == 0)
		r = backup_syncfs(root);
	if (r < 0) {
		backup_text(b->err, sizeof(b->err),
			    "cannot complete the photos in %s (%s): %s", root,
			    tmp, strerror(-r));
		backup_photos_unstage(b, root);
	}
	return r;
}

/* Copy the photos DEST/photos lacks; a photo the station lost or that
 * is damaged is listed, not fatal: the backup keeps everything else.
 * Every BACKUP_FLUSH_BYTES the file system is synced and the copy
 * pauses: the desk's commits (fsync, synchronous=FULL) then never wait
 * behind more than that much of the copy's dirty data. */
static int backup_copy_photos(struct backup_run *b, const char *root,
			      json_t *list)
{
	int64_t dirty = 0;

	for (size_t i = 0; i < b->n; i++) {
		struct backup_photo *p = &b->photos[i];
		char file[80];
		int r = backup_put_photo(p->path, root, p->sha256, p->bytes,
					 (uid_t)-1, (gid_t)-1, true, b->err,
					 sizeof(b->err));

		if (r == -ENOENT || r == -EBADMSG) {
			fprintf(stderr, "retourctl: backup: %s\n", b->err);
			json_array_append_new(b->missing_list,
					      json_string(p->sha256));
			if (r == -ENOENT)
				b->missing++;
			else
				b->damaged++;
			continue;
		}
		if (r < 0) {
			backup_photos_unstage(b, root);
			return r;
		}
		if (r > 0) {
			p->staged = true;
			b->copied++;
			b->bytes_copied += p->bytes;
			dirty += p->bytes;
		}
		if (dirty >= BACKUP_FLUSH_BYTES) {
			r = backup_syncfs(root);
			if (r < 0) {
				backup_text(b->err, sizeof(b->err),
					    "cannot sync %s: %s", root,
					    strerror(-r));
				backup_photos_unstage(b, root);
				return r;
			}
			dirty = 0;
			usleep(BACKUP_FLUSH_PAUSE_US);
		}
		backup_text(file, sizeof(file), "photos/%.2s/%s.jpg", p->sha256,
			    p->sha256 + 2);
		json_array_append_new(
		    list, json_pack("{s:s,s:s,s:I}", "file", file, "sha256",
				    p->sha256, "bytes", (json_int_t)p->bytes));
	}
	return backup_photos_commit(b, root);
}

static int backup_write_manifest(struct backup_run *b, json_t *manifest)
{
	char path[4200];
	int fd, r = 0;
	char *text = json_dumps(manifest, JSON_INDENT(1) | JSON_SORT_KEYS);
	size_t len, off = 0;

	if (!text)
		return -ENOMEM;
	len = strlen(text);
	backup_text(path, sizeof(path), "%s/MANIFEST.json", b->partial);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		r = -errno;
	while (r == 0 && off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno != EINTR)
			r = -errno;
		else if (w > 0)
			off += (size_t)w;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = -errno;
	free(text);
	if (r < 0)
		backup_text(b->err, sizeof(b->err), "cannot write %s: %s", path,
			    strerror(-r));
	return r;
}

/* The failure said as the operator reads it; nothing left that looks
 * like a backup. */
static int backup_failed(struct backup_run *b, int r)
{
	backup_discard_partial(b);
	if (r == -ENOSPC)
		return cli_fail("backup to %s failed: the destination is full "
				"(%s); no backup was made (photos copied so "
				"far stay, whole, for the next one)",
				b->dest, b->err);
	return cli_fail("backup to %s failed: %s; no backup was made", b->dest,
			b->err);
}

static int backup_run(const struct cli_opts *o, const struct config *cfg,
		      const char *dest)
{
	struct backup_run b = {.dest = dest, .lock_fd = -1};
	struct backup_stats stats;
	char stamp[32], db_copy[4200], root[4200], db_sha[65];
	int64_t start = clock_mono_us(), db_bytes, need;
	json_t *manifest, *photos;
	struct timespec ts;
	struct tm tm;
	int r;

	db_bytes = backup_file_size(cfg->database);
	{
		char wal[4200];

		backup_text(wal, sizeof(wal), "%s-wal", cfg->database);
		need = db_bytes + backup_file_size(wal);
	}
	if (access(cfg->database, R_OK) < 0)
		return cli_fail("backup: cannot read the database %s: %s",
				cfg->database, strerror(errno));
	r = backup_check_dest(dest, need);
	if (r)
		return r;
	/* one backup at a time into DEST (the timer's and one by hand) */
	backup_text(stamp, sizeof(stamp), "/.retour-backup.lock");
	{
		char lock[4200];

		backup_text(lock, sizeof(lock), "%s%s", dest, stamp);
		b.lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
		if (b.lock_fd < 0 || flock(b.lock_fd, LOCK_EX | LOCK_NB) < 0)
			return cli_fail("backup: another backup is writing to "
					"%s (%s); nothing was written",
					dest, strerror(errno));
	}
	/* names that sort by time, to the millisecond */
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	backup_text(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp),
		    ".%03ldZ", ts.tv_nsec / 1000000);
	backup_text(b.final, sizeof(b.final), "%s/retour-%s", dest, stamp);
	if (access(b.final, F_OK) == 0)
		return cli_fail("backup: %s exists already; nothing was "
				"written",
				b.final);
	backup_text(b.partial, sizeof(b.partial), "%s/.partial-retour-%s-%ld",
		    dest, stamp, (long)getpid());
	if (mkdir(b.partial, 0750) < 0) {
		r = -errno;
		b.partial[0] = '\0';
		backup_text(b.err, sizeof(b.err),
			    "cannot create a directory in %s: %s", dest,
			    strerror(-r));
		return backup_failed(&b, r);
	}
	b.missing_list = json_array();
	backup_text(db_copy, sizeof(db_copy), "%s/retour.db", b.partial);
	r = backup_database(cfg->database, db_copy, 64, backup_note_photo, &b,
			    &stats, b.err, sizeof(b.err));
	if (r < 0)
		goto fail;
	backup_text(root, sizeof(root), "%s/photos", dest);
	r = backup_mkdir(root, b.err, sizeof(b.err));
	if (r < 0)
		goto fail;
	need = backup_new_bytes(&b, root);
	if (backup_free_bytes(dest) >= 0 &&
	    backup_free_bytes(dest) < need + BACKUP_SPARE_BYTES) {
		backup_text(b.err, sizeof(b.err),
			    "%.1f MiB free on %s, the new photos need %.1f MiB",
			    backup_free_bytes(dest) / BACKUP_MIB, dest,
			    (need + BACKUP_SPARE_BYTES) / BACKUP_MIB);
		r = -ENOSPC;
		goto fail;
	}
	photos = json_array();
	r = backup_copy_photos(&b, root, photos);
	if (r < 0) {
		json_decref(photos);
		goto fail;
	}
	r = backup_hash_file(db_copy, db_sha, &db_bytes, b.err, sizeof(b.err));
	if (r < 0) {
		json_decref(photos);
		goto fail;
	}
	manifest = json_pack(
	    "{s:s,s:s,s:s,s:{s:s,s:s,s:I,s:i,s:I,s:I},s:s,s:o,s:O,s:i,s:I}",
	    "format", BACKUP_FORMAT, "created_at", stamp, "desk", cfg->desk,
	    "database", "file", "retour.db", "sha256", db_sha, "bytes",
	    (json_int_t)db_bytes, "schema_version", stats.schema_version,
	    "receipts", (json_int_t)stats.receipts, "audit_entries",
	    (json_int_t)stats.audit_entries, "photos_root", cfg->photos,
	    "photos", photos, "photos_missing", b.missing_list, "photos_copied",
	    b.copied, "photo_bytes_copied", (json_int_t)b.bytes_copied);
	if (!manifest) {
		backup_text(b.err, sizeof(b.err), "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	r = backup_write_manifest(&b, manifest);
	json_decref(manifest);
	if (r < 0)
		goto fail;
	if (backup_fsync_dir(b.partial) < 0 || rename(b.partial, b.final) < 0 ||
	    backup_fsync_dir(dest) < 0) {
		r = -errno;
		backup_text(b.err, sizeof(b.err), "cannot complete %s: %s",
			    b.final, strerror(errno));
		goto fail;
	}
	if (o->json) {
		json_t *j =
		    json_pack("{s:s,s:I,s:i,s:i,s:I,s:i,s:f}", "backup",
			      b.final, "database_bytes", (json_int_t)db_bytes,
			      "photos", (int)b.n, "photos_copied", b.copied,
			      "photo_bytes_copied", (json_int_t)b.bytes_copied,
			      "photos_missing", b.missing + b.damaged,
			      "seconds", (clock_mono_us() - start) / 1e6);

		cli_print_json(j);
		json_decref(j);
	} else {
		printf("backup %s: database %.1f MiB (%" PRId64
		       " receipts), %zu photos, %d new (%.1f MiB copied), "
		       "in %.2f s\n",
		       b.final, db_bytes / BACKUP_MIB, stats.receipts, b.n,
		       b.copied, b.bytes_copied / BACKUP_MIB,
		       (clock_mono_us() - start) / 1e6);
	}
	r = b.missing + b.damaged;
	if (r)
		fprintf(stderr,
			"retourctl: backup: %d photos the database names "
			"could not be copied (listed in the manifest's "
			"photos_missing)\n",
			r);
	backup_run_free(&b);
	return CLI_OK;
fail:
	r = backup_failed(&b, r);
	backup_run_free(&b);
	return r;
}

int cli_cmd_backup(const struct cli_opts *o)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	const char *file, *dest;
	int r;

	if (!cfg)
		return cli_fail("out of memory");
	if (o->n_pos > 2) {
		free(cfg);
		return cli_usage("backup takes one destination");
	}
	r = cli_station_config(o, cfg, &file);
	if (r) {
		free(cfg);
		return r;
	}
	dest = o->n_pos == 2 ? o->pos[1] : cfg->backup_destination;
	if (!dest[0]) {
		free(cfg);
		return cli_usage("backup needs a destination (or [backup] "
				 "destination in %s)",
				 file);
	}
	r = backup_run(o, cfg, dest);
	free(cfg);
	return r;
}
