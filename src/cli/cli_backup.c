/* SPDX-License-Identifier: MIT */
/*
 * retourctl backup DEST and retourctl restore SRC.
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
 * The files' part (copies, hashes, the photo tree, free space) is in
 * cli_backup_files.c.  A restore refuses a station that holds records (unless
 * --force, and then the old files are moved aside, not deleted), refuses while
 * retourd runs (its lock), checks every hash before it replaces anything, and
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
	/* the copy is in WAL mode until it is complete: SQLite's files of
	 * a copy cut short (a full destination) */
	backup_text(path, sizeof(path), "%s/retour.db-wal", b->partial);
	unlink(path);
	backup_text(path, sizeof(path), "%s/retour.db-shm", b->partial);
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
	if (r == -ENOSPC || r == -EDQUOT)
		return cli_fail("backup to %s failed: the destination is full "
				"(%s); no backup was made (the photos it had "
				"staged were removed)",
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
