/* SPDX-License-Identifier: MIT */
/*
 * The database's online copy (backup.h): sqlite3_backup_step() in small
 * steps inside one read transaction of the source, so the copy is one
 * snapshot and the daemon's commits never wait for it (WAL: a reader and
 * the writer do not block each other; only a checkpoint stops short of
 * the snapshot until the copy ends).
 *
 * Not here: anything of the photo tree or the backup's layout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sqlite3.h>

#include "retour/backup.h"

/* Between two steps: room for the desk's commit on a small board. */
#define BACKUP_PAUSE_MS 2
#define BACKUP_BUSY_MS 5000

static int backup_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static int backup_fail(sqlite3 *db, int rc, const char *what, const char *path,
		       char *err, size_t errlen)
{
	snprintf(err, errlen, "%s %s: %s", what, path,
		 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	return backup_errno(rc);
}

/* Is the file system of @path's directory out of bytes or of files
 * (inodes)?  SQLite names a file it could not make, not why. */
static bool backup_dir_full(const char *path)
{
	char dir[4096];
	struct statvfs vfs;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (statvfs(dir, &vfs) < 0)
		return false;
	return vfs.f_bavail == 0 || (vfs.f_files > 0 && vfs.f_favail == 0);
}

static void backup_note_full(char *err, size_t errlen)
{
	size_t n = strlen(err);

	snprintf(err + n, errlen - n, " (%s)", strerror(ENOSPC));
}

/* A connection on an existing file; read-write so WAL's index can be
 * shared with the daemon, read-only when that is all we may do. */
static int backup_open_source(const char *path, sqlite3 **db, char *err,
			      size_t errlen)
{
	struct stat stbuf;
	int rc;

	if (stat(path, &stbuf) < 0) {
		int r = -errno;

		snprintf(err, errlen, "database %s: %s", path, strerror(errno));
		return r;
	}
	rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(*db);
		rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL);
	}
	if (rc != SQLITE_OK) {
		int r = backup_fail(*db, rc, "cannot open database", path, err,
				    errlen);

		sqlite3_close(*db);
		*db = NULL;
		return r;
	}
	sqlite3_busy_timeout(*db, BACKUP_BUSY_MS);
	return 0;
}

static int backup_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	*out = 0;
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int backup_photos(sqlite3 *db, int version, backup_photo_fn photo,
			 void *arg)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	/* before schema 8 nothing was ever purged */
	rc = sqlite3_prepare_v2(
	    db,
	    version >= 8 ? "SELECT sha256, min(path), max(bytes) FROM photo"
			   " WHERE purged_at IS NULL GROUP BY sha256"
			 : "SELECT sha256, min(path), max(bytes) FROM photo"
			   " GROUP BY sha256",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sha = (const char *)sqlite3_column_text(st, 0);
		const char *path = (const char *)sqlite3_column_text(st, 1);

		if (sha && path)
			r = photo(arg, sha, path, sqlite3_column_int64(st, 2));
	}
	sqlite3_finalize(st);
	if (r)
		return r;
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Copy page by page inside the source's open read transaction. */
static int backup_pages(sqlite3 *src, sqlite3 *dst, int pages_per_step,
			struct backup_stats *stats)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	int rc;

	if (!b)
		return sqlite3_errcode(dst);
	do {
		rc = sqlite3_backup_step(b, pages_per_step);
		stats->steps++;
		if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(BACKUP_PAUSE_MS);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	stats->pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int backup_database(const char *db_path, const char *dest_path,
		    int pages_per_step, backup_photo_fn photo, void *arg,
		    struct backup_stats *stats, char *err, size_t errlen)
{
	struct backup_stats dummy;
	sqlite3 *src = NULL, *dst = NULL;
	int64_t version = 0;
	bool began = false;
	int rc, fd, r = 0;

	if (!stats)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	if (!db_path || !dest_path || !err || !errlen)
		return -EINVAL;
	if (pages_per_step <= 0)
		pages_per_step = 64;
	if (access(dest_path, F_OK) == 0) {
		snprintf(err, errlen, "%s exists already; not overwritten",
			 dest_path);
		return -EEXIST;
	}
	r = backup_open_source(db_path, &src, err, errlen);
	if (r < 0)
		return r;
	/* The snapshot: a read transaction that has read something. */
	rc = sqlite3_exec(src, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		began = true;
		rc = backup_int(src, "PRAGMA user_version", &version);
	}
	if (rc != SQLITE_OK) {
		r = backup_fail(src, rc, "cannot read database", db_path, err,
				errlen);
		goto out;
	}
	stats->schema_version = (int)version;
	/* made here first: the system's reason when it cannot be (ENOSPC:
	 * the destination is full), where SQLite only says "unable to open
	 * database file" */
	fd = open(dest_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot create the copy %s: %s",
			 dest_path, strerror(-r));
		goto out;
	}
	close(fd);
	rc = sqlite3_open_v2(dest_path, &dst,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK)
		rc = backup_pages(src, dst, pages_per_step, stats);
	/* the pages carry the source's WAL mark: a copy that is one file
	 * alone, readable anywhere (retourd turns WAL on again) */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL,
				  NULL, NULL);
	if (rc != SQLITE_OK) {
		r = backup_fail(dst, rc, "cannot write the copy", dest_path,
				err, errlen);
		if (r != -ENOSPC && backup_dir_full(dest_path)) {
			/* SQLite could not make its -wal or -journal: why */
			backup_note_full(err, errlen);
			r = -ENOSPC;
		}
		goto out;
	}
	rc = sqlite3_close(dst);
	dst = NULL;
	if (rc != SQLITE_OK) {
		r = backup_fail(NULL, rc, "cannot close the copy", dest_path,
				err, errlen);
		goto out;
	}
	rc = backup_int(src, "SELECT count(*) FROM receipt", &stats->receipts);
	if (rc == SQLITE_OK)
		rc = backup_int(src, "SELECT count(*) FROM audit",
				&stats->audit_entries);
	if (rc == SQLITE_OK && photo)
		rc = backup_photos(src, (int)version, photo, arg);
	if (rc < 0) {
		r = rc; /* the photo callback's -errno, @err its own */
		goto out;
	}
	if (rc != SQLITE_OK)
		r = backup_fail(src, rc, "cannot list the photos of", db_path,
				err, errlen);
out:
	if (began)
		sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(src);
	if (dst)
		sqlite3_close(dst);
	if (r < 0)
		unlink(dest_path);
	return r;
}

int backup_station_records(const char *db_path, int64_t *receipts,
			   int64_t *expected, int64_t *audit_entries, char *err,
			   size_t errlen)
{
	struct stat stbuf;
	sqlite3 *db = NULL;
	int64_t tables = 0;
	int rc;

	*receipts = *expected = *audit_entries = 0;
	if (stat(db_path, &stbuf) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "database %s: %s", db_path,
			 strerror(errno));
		return -errno;
	}
	if (stbuf.st_size == 0)
		return 0;
	rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = backup_int(db,
				"SELECT count(*) FROM sqlite_master WHERE name"
				" IN ('receipt', 'expected', 'audit')",
				&tables);
	if (rc == SQLITE_OK && tables == 3) {
		rc = backup_int(db, "SELECT count(*) FROM receipt", receipts);
		if (rc == SQLITE_OK)
			rc = backup_int(db, "SELECT count(*) FROM expected",
					expected);
		if (rc == SQLITE_OK)
			rc = backup_int(db, "SELECT count(*) FROM audit",
					audit_entries);
	}
	if (rc != SQLITE_OK) {
		int r = backup_fail(db, rc, "cannot read database", db_path,
				    err, errlen);

		sqlite3_close(db);
		return r;
	}
	sqlite3_close(db);
	return 0;
}

int backup_check_file(const char *path, int *schema_version, char *err,
		      size_t errlen)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int64_t version = 0;
	int rc, r = 0;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = backup_int(db, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st,
					NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);

		if (!t || strcmp(t, "ok")) {
			snprintf(err, errlen, "%s failed quick_check: %s", path,
				 t ? t : "?");
			r = -EIO;
		}
	} else if (rc == SQLITE_OK) {
		rc = sqlite3_errcode(db);
	}
	if (rc != SQLITE_OK && !r)
		r = backup_fail(db, rc, "cannot check", path, err, errlen);
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (schema_version)
		*schema_version = (int)version;
	return r;
}
