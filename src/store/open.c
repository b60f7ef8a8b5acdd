/* SPDX-License-Identifier: MIT */
/*
 * Opening the station's database file and keeping an eye on its health:
 * the header is read before SQLite touches the file (a file that is not a
 * database is left byte for byte as it was), quick_check on an existing
 * file, WAL and the pragmas, then the schema migration (schema.c).  Also
 * closing, checkpointing, the health check and the size for /metrics,
 * and the lock that keeps a second daemon off a database in use.
 *
 * Not here: any record (one file per kind beside this one).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "schema.h"

static const char store_sqlite_magic[16] = "SQLite format 3";

/*
 * Read the header ourselves before SQLite opens the file as a database: a
 * file that is not a database must come out of this byte for byte as it
 * went in.  The read goes through SQLite's own file layer, not open() and
 * close(): POSIX locks belong to the process, so closing any descriptor of
 * the file would drop the locks another connection of this process holds
 * on it (the station's, when the outbox sender opens its own), and a
 * sqlite3 shell closing beside the daemon would then take the WAL away
 * from under it.  SQLite's unix layer keeps such a descriptor open until
 * its locks are gone.
 */
static int store_file_precheck(const char *path, bool *existed, char *err,
			       size_t errlen)
{
	sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
	char header[16];
	struct stat stbuf;
	sqlite3_file *f;
	sqlite3_int64 size = 0;
	int rc, flags = 0;

	*existed = false;
	if (lstat(path, &stbuf) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot open database %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	if (!S_ISREG(stbuf.st_mode)) {
		snprintf(err, errlen, "database %s is not a regular file",
			 path);
		return -EIO;
	}
	if (stbuf.st_size == 0)
		return 0;
	*existed = true;
	if (!vfs || !(f = calloc(1, (size_t)vfs->szOsFile))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = vfs->xOpen(vfs, path, f,
			SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READONLY, &flags);
	if (rc != SQLITE_OK) {
		free(f);
		snprintf(err, errlen, "cannot open database %s: %s", path,
			 sqlite3_errstr(rc));
		return -EIO;
	}
	rc = f->pMethods->xFileSize(f, &size);
	if (rc == SQLITE_OK && size >= (sqlite3_int64)sizeof(header))
		rc = f->pMethods->xRead(f, header, sizeof(header), 0);
	f->pMethods->xClose(f);
	free(f);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot read database %s: %s", path,
			 sqlite3_errstr(rc));
		return -EIO;
	}
	if (size < (sqlite3_int64)sizeof(header) ||
	    memcmp(header, store_sqlite_magic, sizeof(header)) != 0) {
		snprintf(err, errlen,
			 "%s: file is not a database; it was left untouched "
			 "(move it aside or point the station at another "
			 "file)",
			 path);
		return -EIO;
	}
	return 0;
}

static int store_quick_check(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t = sqlite3_column_text(st, 0);
		if (!t || strcmp((const char *)t, "ok") != 0) {
			snprintf(err, errlen,
				 "database %s failed quick_check: %s; it was "
				 "left untouched (restore a backup or move it "
				 "aside)",
				 s->path, t ? (const char *)t : "?");
			r = -EIO;
		}
	} else {
		r = store_fail(s, rc);
		if (r == -EBUSY)
			snprintf(err, errlen,
				 "database %s is locked by another process",
				 s->path);
		else {
			snprintf(err, errlen,
				 "database %s cannot be read: %s; it was left "
				 "untouched",
				 s->path, s->errmsg);
			r = -EIO;
		}
	}
	sqlite3_finalize(st);
	return r;
}

/* A PRAGMA that answers one row; @want (if set) is the expected answer. */
static int store_pragma(struct store *s, const char *sql, const char *want,
			char *err, size_t errlen)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
			t = rc == SQLITE_ROW ? sqlite3_column_text(st, 0)
					     : NULL;
			if (want && (!t || strcasecmp((const char *)t, want))) {
				snprintf(err, errlen,
					 "database %s: %s gave '%s', need "
					 "'%s'",
					 s->path, sql, t ? (const char *)t : "",
					 want);
				r = -EIO;
			}
			rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK) {
		r = store_fail(s, rc);
		if (r == -EBUSY)
			snprintf(err, errlen,
				 "database %s is locked by another process",
				 s->path);
		else
			snprintf(err, errlen, "database %s: %s: %s", s->path,
				 sql, s->errmsg);
	}
	sqlite3_finalize(st);
	return r;
}

int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	char dummy[8];
	struct store *s;
	bool existed;
	int rc, r;

	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (!path || !*path || !out) {
		snprintf(err, errlen, "no database path given");
		return -EINVAL;
	}
	*out = NULL;
	r = store_file_precheck(path, &existed, err, errlen);
	if (r < 0)
		return r;

	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		int e = s->db ? sqlite3_system_errno(s->db) : 0;

		snprintf(err, errlen, "cannot open database %s: %s%s%s", path,
			 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc),
			 e ? ": " : "", e ? strerror(e) : "");
		r = e ? -e : -EIO;
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 2000);

	if (existed) {
		r = store_quick_check(s, err, errlen);
		if (r < 0)
			goto fail;
	}
	r = store_pragma(s, "PRAGMA journal_mode = WAL", "wal", err, errlen);
	if (r < 0)
		goto fail;
	r = store_pragma(s, "PRAGMA synchronous = FULL", NULL, err, errlen);
	if (r < 0)
		goto fail;
	/*
	 * The daemon checkpoints when the desk is idle (store_checkpoint);
	 * SQLite's own checkpoint, which stalls the commit that triggers it,
	 * is only the backstop for a desk that is never idle (32 MiB of WAL).
	 * A small page cache: lookups are by key, and memory is scarce on
	 * the board.
	 */
	r = store_pragma(s, "PRAGMA wal_autocheckpoint = 8192", NULL, err,
			 errlen);
	if (r < 0)
		goto fail;
	r = store_pragma(s, "PRAGMA cache_size = -1024", NULL, err, errlen);
	if (r < 0)
		goto fail;
	r = store_pragma(s, "PRAGMA foreign_keys = ON", NULL, err, errlen);
	if (r < 0)
		goto fail;
	r = store_schema_migrate(s, err, errlen);
	if (r < 0)
		goto fail;
	s->errmsg[0] = '\0';
	*out = s;
	return 0;
fail:
	store_close(s);
	return r;
}

int store_checkpoint(struct store *s)
{
	int rc;

	if (!s)
		return -EINVAL;
	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
				       NULL, NULL);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return -EBUSY; /* a reader or writer elsewhere: next time */
	return rc == SQLITE_OK ? 0 : store_fail(s, rc);
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(s->stmts[i]);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

const char *store_errmsg(struct store *s)
{
	return s ? s->errmsg : "no store";
}

/* First row of a check PRAGMA that answers "ok" when healthy. */
int store_check(struct store *s, char *msg, size_t msglen)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !msg || !msglen)
		return -EINVAL;
	st = store_stmt(s, STMT_INTEGRITY_CHECK, "PRAGMA integrity_check(1)");
	if (!st)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_col_copy(st, 0, msg, msglen);
		if (strcmp(msg, "ok") != 0)
			r = -EIO;
	} else {
		r = store_fail(s, rc);
		snprintf(msg, msglen, "integrity_check: %s", s->errmsg);
	}
	store_stmt_done(st);
	if (r < 0)
		return r;

	st = store_stmt(s, STMT_FK_CHECK, "PRAGMA foreign_key_check");
	if (!st)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(msg, msglen,
			 "foreign key broken: table %s row %lld refers to %s",
			 (const char *)sqlite3_column_text(st, 0) ?: "?",
			 (long long)sqlite3_column_int64(st, 1),
			 (const char *)sqlite3_column_text(st, 2) ?: "?");
		r = -EIO;
	} else if (rc != SQLITE_DONE) {
		r = store_fail(s, rc);
		snprintf(msg, msglen, "foreign_key_check: %s", s->errmsg);
	} else {
		snprintf(msg, msglen, "ok");
	}
	store_stmt_done(st);
	return r;
}

int64_t store_size_bytes(struct store *s)
{
	struct stat stbuf;
	char wal[4096];
	int64_t total = 0;

	if (!s)
		return -EINVAL;
	if (stat(s->path, &stbuf) == 0)
		total += stbuf.st_size;
	if (snprintf(wal, sizeof(wal), "%s-wal", s->path) < (int)sizeof(wal) &&
	    stat(wal, &stbuf) == 0)
		total += stbuf.st_size;
	return total;
}

/*
 * One daemon per database: two desks on one file would open the same RMA
 * twice.  SQLite's own locks only serialise single transactions, so the
 * claim is a lock file beside the database, held for the life of the
 * process.  flock() goes with the open file description: the kernel drops
 * it when the process dies, however it dies, so a stale file from a crash
 * never blocks a restart; the pid in it is only there to be reported.
 */
int store_lock_take(const char *db_path, int *fd_out, char *err, size_t errlen)
{
	char path[4096], pid[24], held[24];
	ssize_t n;
	int fd, r;

	*fd_out = -1;
	if (snprintf(path, sizeof(path), "%s.lock", db_path) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "database path %s is too long", db_path);
		return -ENAMETOOLONG;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open the lock file %s: %s", path,
			 strerror(-r));
		return r;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		if (r == -EWOULDBLOCK) {
			do
				n = pread(fd, held, sizeof(held) - 1, 0);
			while (n < 0 && errno == EINTR);
			held[n > 0 ? n : 0] = '\0';
			held[strcspn(held, "\n")] = '\0';
			snprintf(err, errlen,
				 "database %s is in use by another retourd "
				 "(pid %s, lock %s): stop it first, or give "
				 "this one another database",
				 db_path, held[0] ? held : "unknown", path);
			r = -EBUSY;
		} else {
			snprintf(err, errlen, "cannot lock %s: %s", path,
				 strerror(-r));
		}
		close(fd);
		return r;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	errno = EIO; /* a short write sets none */
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		r = -errno;
		snprintf(err, errlen, "cannot write the lock file %s: %s", path,
			 strerror(-r));
		close(fd);
		return r;
	}
	*fd_out = fd;
	return 0;
}
