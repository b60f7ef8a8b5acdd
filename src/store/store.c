/* SPDX-License-Identifier: MIT */
/*
 * The store handle, expected returns, clerks and receipts, and the JSON
 * views the API and the CLI show.
 *
 * Every change is one IMMEDIATE transaction that also appends its audit
 * entry (audit.c); the outbox rows of a decision are written by outbox.c
 * inside the decision's transaction.  The store never decides anything: it
 * records what the workflow decided and refuses changes that would make the
 * record contradict itself (deciding twice, undoing a sent refund).
 *
 * Not here: photo files (photo.c writes them before their row commits),
 * backoff policy (the sender), any wall-clock read (callers pass "now";
 * an undo only adds the time it waited for the write lock, on the
 * monotonic clock, see store_receipt_undo).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_internal.h"

/* ---- plumbing shared by the store's files ---- */

sqlite3_stmt *store_stmt(struct store *s, enum store_stmt_id id,
			 const char *sql)
{
	int rc;

	if (s->stmts[id])
		return s->stmts[id];
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				&s->stmts[id], NULL);
	if (rc != SQLITE_OK) {
		store_fail(s, rc);
		s->stmts[id] = NULL;
		return NULL;
	}
	return s->stmts[id];
}

void store_stmt_done(sqlite3_stmt *st)
{
	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int store_failf(struct store *s, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	return r;
}

int store_fail(struct store *s, int rc)
{
	snprintf(s->errmsg, sizeof(s->errmsg), "%s",
		 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CONSTRAINT:
		switch (rc) {
		case SQLITE_CONSTRAINT_UNIQUE:
		case SQLITE_CONSTRAINT_PRIMARYKEY:
			return -EEXIST;
		case SQLITE_CONSTRAINT_FOREIGNKEY:
			return -ENOENT;
		default:
			return -EINVAL;
		}
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	default:
		return -EIO;
	}
}

int store_step_done(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	int r = 0;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

static int store_tx_begin_sync(struct store *s, bool normal)
{
	sqlite3_stmt *st;
	int r;

	if (s->sync_normal != normal) {
		st = normal ? store_stmt(s, STMT_SYNC_NORMAL,
					 "PRAGMA synchronous = NORMAL")
			    : store_stmt(s, STMT_SYNC_FULL,
					 "PRAGMA synchronous = FULL");
		r = st ? store_step_done(s, st) : -EIO;
		if (r < 0)
			return r;
		s->sync_normal = normal;
	}
	st = store_stmt(s, STMT_BEGIN, "BEGIN IMMEDIATE");
	return st ? store_step_done(s, st) : -EIO;
}

int store_tx_begin(struct store *s)
{
	return store_tx_begin_sync(s, false);
}

int store_tx_begin_step(struct store *s)
{
	return store_tx_begin_sync(s, true);
}

int store_tx_commit(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, STMT_COMMIT, "COMMIT");
	int r;

	r = st ? store_step_done(s, st) : -EIO;
	if (r < 0)
		store_tx_rollback(s);
	return r;
}

void store_tx_rollback(struct store *s)
{
	sqlite3_stmt *st;

	if (sqlite3_get_autocommit(s->db))
		return;
	st = store_stmt(s, STMT_ROLLBACK, "ROLLBACK");
	if (st) {
		sqlite3_step(st);
		store_stmt_done(st);
	}
}

int store_tx_begin_read(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, STMT_BEGIN_READ, "BEGIN DEFERRED");

	return st ? store_step_done(s, st) : -EIO;
}

void store_tx_end_read(struct store *s)
{
	/* Nothing was written: ending it by rollback loses nothing. */
	store_tx_rollback(s);
}

void store_col_copy(sqlite3_stmt *st, int col, char *dst, size_t dstlen)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	if (dstlen)
		snprintf(dst, dstlen, "%s", t ? (const char *)t : "");
}

void store_time_rfc3339(int64_t us, char *buf, size_t buflen)
{
	int64_t secs = us / USEC_PER_SEC, frac = us % USEC_PER_SEC;
	struct tm tm;
	time_t t;

	if (frac < 0) {
		frac += USEC_PER_SEC;
		secs--;
	}
	t = (time_t)secs;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, buflen, "invalid");
		return;
	}
	snprintf(buf, buflen, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)frac);
}

void store_json_set_time(json_t *obj, const char *name, sqlite3_stmt *st,
			 int col)
{
	char key[64], text[48];
	int64_t us;

	snprintf(key, sizeof(key), "%s_us", name);
	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		json_object_set_new(obj, name, json_null());
		json_object_set_new(obj, key, json_null());
		return;
	}
	us = sqlite3_column_int64(st, col);
	store_time_rfc3339(us, text, sizeof(text));
	json_object_set_new(obj, name, json_string(text));
	json_object_set_new(obj, key, json_integer(us));
}

json_t *store_json_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	if (!t)
		return json_null();
	/* json_string() refuses invalid UTF-8; keep the field, show why. */
	return json_string((const char *)t) ?: json_string("(not UTF-8)");
}

static json_t *store_json_int_or_null(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(st, col));
}

/* A fixed-size field is usable only when it is NUL-terminated in place. */
static bool store_field_ok(const char *field, size_t size)
{
	return strnlen(field, size) < size;
}

/* ---- open, close, health ---- */

static const char store_sqlite_magic[16] = "SQLite format 3";

/* Read the header ourselves before SQLite touches the file: a file that is
 * not a database must come out of this byte for byte as it went in. */
static int store_file_precheck(const char *path, bool *existed, char *err,
			       size_t errlen)
{
	char header[16];
	struct stat stbuf;
	ssize_t n;
	int fd, r;

	*existed = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		r = -errno;
		snprintf(err, errlen, "cannot open database %s: %s", path,
			 strerror(-r));
		return r;
	}
	if (fstat(fd, &stbuf) < 0 || !S_ISREG(stbuf.st_mode)) {
		close(fd);
		snprintf(err, errlen, "database %s is not a regular file",
			 path);
		return -EIO;
	}
	if (stbuf.st_size == 0) {
		close(fd);
		return 0;
	}
	*existed = true;
	do
		n = pread(fd, header, sizeof(header), 0);
	while (n < 0 && errno == EINTR);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0) {
		snprintf(err, errlen, "cannot read database %s: %s", path,
			 strerror(-r));
		return r;
	}
	if (n != (ssize_t)sizeof(header) ||
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

/* ---- expected returns ---- */

static const char *const store_kind_names[] = {
    [RETURN_WITHDRAWAL] = "withdrawal",
    [RETURN_COMPLAINT] = "complaint",
    [RETURN_SHIPMENT] = "shipment",
};

static int store_kind_from_text(const char *text)
{
	for (size_t i = 0;
	     i < sizeof(store_kind_names) / sizeof(store_kind_names[0]); i++)
		if (text && !strcmp(text, store_kind_names[i]))
			return (int)i;
	return -EINVAL;
}

/* Lookup keys are upper-case so "rma-12" finds "RMA-12"; 0 or -EINVAL. */
static int store_code_key(const char *code, char *key, size_t keylen)
{
	size_t i;

	for (i = 0; code[i]; i++) {
		if (i + 1 >= keylen)
			return -EINVAL;
		key[i] = (char)toupper((unsigned char)code[i]);
	}
	key[i] = '\0';
	return i ? 0 : -EINVAL;
}

static int store_expected_validate(struct store *s,
				   const struct expected_return *er)
{
	if (!store_field_ok(er->rma, sizeof(er->rma)) ||
	    !store_field_ok(er->order_ref, sizeof(er->order_ref)) ||
	    !store_field_ok(er->shop, sizeof(er->shop)) ||
	    !store_field_ok(er->currency, sizeof(er->currency)))
		return store_failf(s, -EINVAL,
				   "expected return: a text field "
				   "is not terminated");
	if (!er->rma[0] && !er->order_ref[0])
		return store_failf(s, -EINVAL,
				   "expected return needs an RMA "
				   "or an order number");
	if ((unsigned)er->kind >= 3)
		return store_failf(s, -EINVAL,
				   "expected return %s: unknown "
				   "kind %d",
				   er->rma, (int)er->kind);
	if (strlen(er->currency) != 3)
		return store_failf(s, -EINVAL,
				   "expected return %s: currency "
				   "must be an ISO 4217 code",
				   er->rma);
	if (er->n_items < 0 || er->n_items > RETURN_MAX_ITEMS ||
	    er->n_lookup_codes < 0 ||
	    er->n_lookup_codes > RETURN_MAX_LOOKUP_CODES)
		return store_failf(s, -EINVAL,
				   "expected return %s: bad item "
				   "or code count",
				   er->rma);
	if (er->delivery_basic_minor < 0)
		return store_failf(s, -EINVAL,
				   "expected return %s: negative "
				   "delivery cost",
				   er->rma);
	for (int i = 0; i < er->n_lookup_codes; i++)
		if (!store_field_ok(er->lookup_codes[i],
				    sizeof(er->lookup_codes[i])))
			return store_failf(s, -EINVAL,
					   "expected return %s: "
					   "lookup code not terminated",
					   er->rma);
	for (int i = 0; i < er->n_items; i++) {
		const struct return_item *it = &er->items[i];

		if (!store_field_ok(it->sku, sizeof(it->sku)) ||
		    !store_field_ok(it->gtin, sizeof(it->gtin)) ||
		    !store_field_ok(it->name, sizeof(it->name)) ||
		    !store_field_ok(it->category, sizeof(it->category)))
			return store_failf(s, -EINVAL,
					   "expected return %s "
					   "item %d: a text field is not "
					   "terminated",
					   er->rma, i);
		if (it->quantity < 0 || it->unit_price_minor < 0 ||
		    it->weight_g < 0)
			return store_failf(s, -EINVAL,
					   "expected return %s "
					   "item %d: negative quantity, price "
					   "or weight",
					   er->rma, i);
	}
	return 0;
}

static int store_expected_existing(struct store *s, const char *rma_key,
				   const char *order_key, int64_t *id)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (rma_key[0]) {
		st = store_stmt(s, STMT_EXP_FIND_BY_RMA,
				"SELECT id FROM expected WHERE rma_key = ?");
		if (!st)
			return -EIO;
		sqlite3_bind_text(st, 1, rma_key, -1, SQLITE_STATIC);
	} else {
		st = store_stmt(s, STMT_EXP_FIND_BY_ORDER,
				"SELECT id FROM expected "
				"WHERE rma_key = '' AND order_key = ?");
		if (!st)
			return -EIO;
		sqlite3_bind_text(st, 1, order_key, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		*id = 0;
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

static int store_expected_put_children(struct store *s,
				       const struct expected_return *er,
				       int64_t id)
{
	sqlite3_stmt *st;
	int r;

	for (int i = 0; i < er->n_items; i++) {
		const struct return_item *it = &er->items[i];

		st = store_stmt(s, STMT_EXP_INS_ITEM,
				"INSERT INTO expected_item (expected_id, idx, "
				"sku, gtin, name, category, quantity, "
				"unit_price_minor, weight_g, personalised, "
				"made_to_order, perishable, sealed_hygiene) "
				"VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, i);
		sqlite3_bind_text(st, 3, it->sku, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, it->gtin, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, it->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, it->category, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 7, it->quantity);
		sqlite3_bind_int64(st, 8, it->unit_price_minor);
		sqlite3_bind_int(st, 9, it->weight_g);
		sqlite3_bind_int(st, 10, it->personalised);
		sqlite3_bind_int(st, 11, it->made_to_order);
		sqlite3_bind_int(st, 12, it->perishable);
		sqlite3_bind_int(st, 13, it->sealed_hygiene);
		r = store_step_done(s, st);
		if (r < 0)
			return r;
	}
	for (int i = 0, pos = 0; i < er->n_lookup_codes; i++) {
		char key[RETURN_REF_LEN];

		if (store_code_key(er->lookup_codes[i], key, sizeof(key)) < 0)
			continue; /* empty */
		st = store_stmt(s, STMT_EXP_INS_CODE,
				"INSERT INTO expected_code (expected_id, pos, "
				"code, code_key) VALUES (?, ?, ?, ?)");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, pos++);
		sqlite3_bind_text(st, 3, er->lookup_codes[i], -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 4, key, -1, SQLITE_STATIC);
		r = store_step_done(s, st);
		if (r < 0)
			return r;
	}
	return 0;
}

static void store_expected_bind(sqlite3_stmt *st,
				const struct expected_return *er,
				const char *rma_key, const char *order_key,
				int64_t now)
{
	sqlite3_bind_text(st, 1, er->rma, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rma_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, er->order_ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, order_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, er->shop, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, store_kind_names[er->kind], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, er->currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, er->delivered_at);
	sqlite3_bind_int64(st, 9, er->requested_at);
	sqlite3_bind_int64(st, 10, er->delivery_basic_minor);
	sqlite3_bind_int64(st, 11, now);
}

/* STORE_EXPECTED_KEPT when a receipt open or decided rests on @id. */
static int store_expected_received(struct store *s, int64_t id)
{
	sqlite3_stmt *st;
	int rc, r;

	st = store_stmt(s, STMT_EXP_RECEIVED,
			"SELECT 1 FROM receipt WHERE expected_id = ? "
			"AND state IN ('open', 'decided') LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	r = rc == SQLITE_ROW	? STORE_EXPECTED_KEPT
	    : rc == SQLITE_DONE ? 0
				: store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

int store_expected_put(struct store *s, struct expected_return *er,
		       const char *actor, int64_t now)
{
	char rma_key[RETURN_REF_LEN] = "", order_key[RETURN_REF_LEN] = "";
	char subject[40];
	sqlite3_stmt *st;
	bool replaced;
	int64_t id = 0;
	int r;

	if (!s || !er)
		return -EINVAL;
	r = store_expected_validate(s, er);
	if (r < 0)
		return r;
	store_code_key(er->rma, rma_key, sizeof(rma_key));
	store_code_key(er->order_ref, order_key, sizeof(order_key));

	r = store_tx_begin(s);
	if (r < 0)
		return r;
	r = store_expected_existing(s, rma_key, order_key, &id);
	if (r < 0)
		goto fail;
	replaced = id != 0;
	if (replaced) {
		r = store_expected_received(s, id);
		if (r < 0)
			goto fail;
		if (r == STORE_EXPECTED_KEPT) {
			store_tx_rollback(s);
			er->id = id;
			return r;
		}
		/* Update in place: receipts already point at this id. */
		st = store_stmt(s, STMT_EXP_UPDATE,
				"UPDATE expected SET rma = ?1, rma_key = ?2, "
				"order_ref = ?3, order_key = ?4, shop = ?5, "
				"kind = ?6, currency = ?7, delivered_at = ?8, "
				"requested_at = ?9, delivery_basic_minor = ?10,"
				" updated_at = ?11 WHERE id = ?12");
		if (!st)
			goto fail_io;
		store_expected_bind(st, er, rma_key, order_key, now);
		sqlite3_bind_int64(st, 12, id);
		r = store_step_done(s, st);
		if (r < 0)
			goto fail;
		st = store_stmt(s, STMT_EXP_DEL_ITEMS,
				"DELETE FROM expected_item "
				"WHERE expected_id = ?");
		if (!st)
			goto fail_io;
		sqlite3_bind_int64(st, 1, id);
		r = store_step_done(s, st);
		if (r < 0)
			goto fail;
		st = store_stmt(s, STMT_EXP_DEL_CODES,
				"DELETE FROM expected_code "
				"WHERE expected_id = ?");
		if (!st)
			goto fail_io;
		sqlite3_bind_int64(st, 1, id);
		r = store_step_done(s, st);
		if (r < 0)
			goto fail;
	} else {
		st = store_stmt(s, STMT_EXP_INSERT,
				"INSERT INTO expected (rma, rma_key, order_ref,"
				" order_key, shop, kind, currency, "
				"delivered_at, requested_at, "
				"delivery_basic_minor, created_at, updated_at)"
				" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
				"?10, ?11, ?11)");
		if (!st)
			goto fail_io;
		store_expected_bind(st, er, rma_key, order_key, now);
		r = store_step_done(s, st);
		if (r < 0)
			goto fail;
		id = sqlite3_last_insert_rowid(s->db);
	}
	r = store_expected_put_children(s, er, id);
	if (r < 0)
		goto fail;
	snprintf(subject, sizeof(subject), "expected:%" PRId64, id);
	r = store_audit_append_json(s, actor, "expected.put", subject,
				    json_pack("{s:s,s:s,s:i,s:b}", "rma",
					      er->rma, "order", er->order_ref,
					      "items", er->n_items, "replaced",
					      replaced),
				    now);
	if (r < 0)
		goto fail;
	r = store_tx_commit(s);
	if (r < 0)
		return r;
	er->id = id;
	return 0;
fail_io:
	r = -EIO;
fail:
	store_tx_rollback(s);
	return r;
}

#define EXPECTED_COLUMNS                                                       \
	"id, rma, order_ref, shop, kind, currency, delivered_at, "             \
	"requested_at, delivery_basic_minor, created_at, updated_at"

int store_expected_get(struct store *s, int64_t id, struct expected_return *out)
{
	sqlite3_stmt *st;
	int rc, r = 0, kind;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	st = store_stmt(s, STMT_EXP_GET,
			"SELECT " EXPECTED_COLUMNS " FROM expected WHERE id=?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		store_stmt_done(st);
		return store_failf(s, -ENOENT, "no expected return %" PRId64,
				   id);
	}
	if (rc != SQLITE_ROW) {
		r = store_fail(s, rc);
		store_stmt_done(st);
		return r;
	}
	out->id = sqlite3_column_int64(st, 0);
	store_col_copy(st, 1, out->rma, sizeof(out->rma));
	store_col_copy(st, 2, out->order_ref, sizeof(out->order_ref));
	store_col_copy(st, 3, out->shop, sizeof(out->shop));
	kind = store_kind_from_text((const char *)sqlite3_column_text(st, 4));
	out->kind = kind < 0 ? RETURN_WITHDRAWAL : (enum return_kind)kind;
	store_col_copy(st, 5, out->currency, sizeof(out->currency));
	out->delivered_at = sqlite3_column_int64(st, 6);
	out->requested_at = sqlite3_column_int64(st, 7);
	out->delivery_basic_minor = sqlite3_column_int64(st, 8);
	store_stmt_done(st);

	st = store_stmt(s, STMT_EXP_GET_ITEMS,
			"SELECT sku, gtin, name, category, quantity, "
			"unit_price_minor, weight_g, personalised, "
			"made_to_order, perishable, sealed_hygiene "
			"FROM expected_item WHERE expected_id = ? "
			"ORDER BY idx LIMIT 16");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       out->n_items < RETURN_MAX_ITEMS) {
		struct return_item *it = &out->items[out->n_items++];

		store_col_copy(st, 0, it->sku, sizeof(it->sku));
		store_col_copy(st, 1, it->gtin, sizeof(it->gtin));
		store_col_copy(st, 2, it->name, sizeof(it->name));
		store_col_copy(st, 3, it->category, sizeof(it->category));
		it->quantity = sqlite3_column_int(st, 4);
		it->unit_price_minor = sqlite3_column_int64(st, 5);
		it->weight_g = sqlite3_column_int(st, 6);
		it->personalised = sqlite3_column_int(st, 7);
		it->made_to_order = sqlite3_column_int(st, 8);
		it->perishable = sqlite3_column_int(st, 9);
		it->sealed_hygiene = sqlite3_column_int(st, 10);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_fail(s, rc);
	store_stmt_done(st);
	if (r < 0)
		return r;

	st = store_stmt(s, STMT_EXP_GET_CODES,
			"SELECT code FROM expected_code WHERE expected_id = ? "
			"ORDER BY pos LIMIT 4");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       out->n_lookup_codes < RETURN_MAX_LOOKUP_CODES)
		store_col_copy(st, 0, out->lookup_codes[out->n_lookup_codes++],
			       RETURN_REF_LEN);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

int store_expected_find(struct store *s, const char *code,
			struct expected_return *out)
{
	char key[RETURN_REF_LEN];
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc, r = 0;

	if (!s || !code || !out)
		return -EINVAL;
	/* Longer than any stored key: it cannot match anything. */
	if (store_code_key(code, key, sizeof(key)) < 0)
		return store_failf(s, -ENOENT,
				   "no expected return for this "
				   "code");
	st = store_stmt(s, STMT_EXP_MATCH,
			"SELECT id FROM expected WHERE rma_key = ?1 "
			"OR order_key = ?1 OR id IN (SELECT expected_id "
			"FROM expected_code WHERE code_key = ?1) "
			"ORDER BY updated_at DESC, id DESC LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		r = store_failf(s, -ENOENT, "no expected return for %s", key);
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	if (r < 0)
		return r;
	return store_expected_get(s, id, out);
}

static json_t *store_expected_json(const struct expected_return *er,
				   sqlite3_stmt *st)
{
	json_t *o, *items, *codes;
	char text[48];

	o = json_object();
	items = json_array();
	codes = json_array();
	if (!o || !items || !codes) {
		json_decref(o);
		json_decref(items);
		json_decref(codes);
		return NULL;
	}
	json_object_set_new(o, "id", json_integer(er->id));
	json_object_set_new(o, "rma", json_string(er->rma));
	json_object_set_new(o, "order", json_string(er->order_ref));
	json_object_set_new(o, "shop", json_string(er->shop));
	json_object_set_new(o, "kind", json_string(store_kind_names[er->kind]));
	json_object_set_new(o, "currency", json_string(er->currency));
	store_time_rfc3339(er->delivered_at, text, sizeof(text));
	json_object_set_new(o, "delivered_at", json_string(text));
	json_object_set_new(o, "delivered_at_us",
			    json_integer(er->delivered_at));
	if (er->requested_at) {
		store_time_rfc3339(er->requested_at, text, sizeof(text));
		json_object_set_new(o, "requested_at", json_string(text));
		json_object_set_new(o, "requested_at_us",
				    json_integer(er->requested_at));
	} else {
		json_object_set_new(o, "requested_at", json_null());
		json_object_set_new(o, "requested_at_us", json_null());
	}
	json_object_set_new(o, "delivery_basic_minor",
			    json_integer(er->delivery_basic_minor));
	store_json_set_time(o, "created_at", st, 9);
	store_json_set_time(o, "updated_at", st, 10);
	for (int i = 0; i < er->n_lookup_codes; i++)
		json_array_append_new(codes, json_string(er->lookup_codes[i]));
	json_object_set_new(o, "lookup_codes", codes);
	for (int i = 0; i < er->n_items; i++) {
		const struct return_item *it = &er->items[i];

		json_array_append_new(
		    items,
		    json_pack("{s:s?,s:s?,s:s?,s:s?,s:i,s:I,s:i,s:b,s:b,"
			      "s:b,s:b}",
			      "sku", it->sku, "gtin", it->gtin, "name",
			      it->name, "category", it->category, "quantity",
			      (int)it->quantity, "unit_price_minor",
			      (json_int_t)it->unit_price_minor, "weight_g",
			      (int)it->weight_g, "personalised",
			      it->personalised, "made_to_order",
			      it->made_to_order, "perishable", it->perishable,
			      "sealed_hygiene", it->sealed_hygiene));
	}
	json_object_set_new(o, "items", items);
	return o;
}

int store_expected_list(struct store *s, int limit, json_t **out)
{
	struct expected_return *er;
	sqlite3_stmt *st;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	json_t *arr;
	int rc, r = 0;

	if (!s || !out)
		return -EINVAL;
	*out = NULL;
	/* Collect ids first: expected_get reuses statements. */
	st = store_stmt(s, STMT_EXP_LIST,
			"SELECT id FROM expected "
			"ORDER BY updated_at DESC, id DESC LIMIT ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			int64_t *more;

			cap = cap ? cap * 2 : 32;
			more = realloc(ids, cap * sizeof(*ids));
			if (!more) {
				r = store_failf(s, -ENOMEM, "out of memory");
				break;
			}
			ids = more;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (!r && rc != SQLITE_DONE)
		r = store_fail(s, rc);
	store_stmt_done(st);

	er = malloc(sizeof(*er));
	arr = json_array();
	if (!r && (!er || !arr))
		r = store_failf(s, -ENOMEM, "out of memory");
	for (size_t i = 0; !r && i < n; i++) {
		json_t *o;

		r = store_expected_get(s, ids[i], er);
		if (r < 0)
			break;
		/* The times the struct lacks come from a fresh read. */
		st = store_stmt(s, STMT_EXP_GET,
				"SELECT " EXPECTED_COLUMNS
				" FROM expected WHERE id=?");
		if (!st) {
			r = -EIO;
			break;
		}
		sqlite3_bind_int64(st, 1, ids[i]);
		if (sqlite3_step(st) != SQLITE_ROW) {
			store_stmt_done(st);
			continue;
		}
		o = store_expected_json(er, st);
		store_stmt_done(st);
		if (!o || json_array_append_new(arr, o) < 0)
			r = store_failf(s, -ENOMEM, "out of memory");
	}
	free(er);
	free(ids);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

int store_expected_decided(struct store *s, int64_t expected_id,
			   int64_t *receipt_id, bool *label_printed)
{
	sqlite3_stmt *st;
	int rc, r;

	if (!s)
		return -EINVAL;
	st = store_stmt(s, STMT_EXP_DECIDED,
			"SELECT r.id, (SELECT coalesce(l.printed, 0) "
			"FROM label l WHERE l.receipt_id = r.id "
			"ORDER BY l.id DESC LIMIT 1) FROM receipt r "
			"WHERE r.expected_id = ? AND r.state = 'decided' "
			"ORDER BY r.id DESC LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, expected_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (receipt_id)
			*receipt_id = sqlite3_column_int64(st, 0);
		/* No label at all: nothing waits to be printed. */
		if (label_printed)
			*label_printed =
			    sqlite3_column_type(st, 1) == SQLITE_NULL ||
			    sqlite3_column_int(st, 1) != 0;
		r = 1;
	} else if (rc == SQLITE_DONE) {
		r = 0;
	} else {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	return r;
}

/* ---- clerks ---- */

int store_clerk_put(struct store *s, const char *badge, const char *name,
		    int64_t now)
{
	char subject[96];
	sqlite3_stmt *st;
	int r;

	if (!s || !badge || !*badge || !name)
		return -EINVAL;
	r = store_tx_begin(s);
	if (r < 0)
		return r;
	st = store_stmt(s, STMT_CLERK_PUT,
			"INSERT INTO clerk (badge, name, created_at, "
			"updated_at) VALUES (?1, ?2, ?3, ?3) "
			"ON CONFLICT (badge) DO UPDATE SET name = ?2, "
			"updated_at = ?3");
	if (!st) {
		r = -EIO;
		goto fail;
	}
	sqlite3_bind_text(st, 1, badge, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	r = store_step_done(s, st);
	if (r < 0)
		goto fail;
	/* The badge is a credential of sorts: the log names the clerk. */
	snprintf(subject, sizeof(subject), "clerk:%s", name);
	r = store_audit_append_tx(s, "station", "clerk.put", subject, NULL,
				  now);
	if (r < 0)
		goto fail;
	return store_tx_commit(s);
fail:
	store_tx_rollback(s);
	return r;
}

int store_clerk_by_badge(struct store *s, const char *badge, char *name,
			 size_t namelen)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !badge || !name || !namelen)
		return -EINVAL;
	st = store_stmt(s, STMT_CLERK_GET,
			"SELECT name FROM clerk WHERE badge = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, badge, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_col_copy(st, 0, name, namelen);
	else if (rc == SQLITE_DONE)
		r = store_failf(s, -ENOENT, "unknown badge");
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

/* ---- receipts ---- */

static int store_receipt_state(struct store *s, int64_t id, char *state,
			       size_t statelen)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	st = store_stmt(s, STMT_RCP_STATE,
			"SELECT state FROM receipt WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_col_copy(st, 0, state, statelen);
	else if (rc == SQLITE_DONE)
		r = store_failf(s, -ENOENT, "no receipt %" PRId64, id);
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

/* Inside a transaction: the receipt exists and still takes evidence. */
static int store_receipt_editable(struct store *s, int64_t id)
{
	char state[16];
	int r = store_receipt_state(s, id, state, sizeof(state));

	if (r < 0)
		return r;
	if (strcmp(state, "open") && strcmp(state, "undone"))
		return store_failf(s, -EINVAL,
				   "receipt %" PRId64 " is %s; "
				   "undo the decision first",
				   id, state);
	return 0;
}

/*
 * The common shape of a receipt change: begin, check the receipt takes
 * changes, run @st (fully bound), audit, commit.
 */
static int store_receipt_change(struct store *s, int64_t receipt_id,
				sqlite3_stmt *st, const char *actor,
				const char *action, json_t *detail, int64_t now)
{
	char subject[40];
	int r;

	r = store_tx_begin_step(s);
	if (r < 0)
		goto out;
	r = store_receipt_editable(s, receipt_id);
	if (r < 0)
		goto fail;
	r = store_step_done(s, st);
	st = NULL;
	if (r < 0)
		goto fail;
	snprintf(subject, sizeof(subject), "receipt:%" PRId64, receipt_id);
	r = store_audit_append_json(s, actor, action, subject, detail, now);
	detail = NULL;
	if (r < 0)
		goto fail;
	return store_tx_commit(s);
fail:
	store_tx_rollback(s);
out:
	store_stmt_done(st);
	json_decref(detail);
	return r;
}

int store_receipt_open(struct store *s, const struct receipt_open *ro,
		       int64_t *id_out)
{
	char subject[40];
	sqlite3_stmt *st;
	int64_t id;
	int r;

	if (!s || !ro)
		return -EINVAL;
	if (!store_field_ok(ro->desk, sizeof(ro->desk)) ||
	    !store_field_ok(ro->clerk, sizeof(ro->clerk)) ||
	    !store_field_ok(ro->code, sizeof(ro->code)))
		return store_failf(s, -EINVAL,
				   "receipt: a text field is not "
				   "terminated");
	if (ro->routine != ROUTINE_RETURN && ro->routine != ROUTINE_SHIP_QC)
		return store_failf(s, -EINVAL, "receipt: unknown routine");
	if (ro->expected_id < 0)
		return store_failf(s, -EINVAL, "receipt: bad expected id");

	r = store_tx_begin_step(s);
	if (r < 0)
		return r;
	st = store_stmt(s, STMT_RCP_INSERT,
			"INSERT INTO receipt (routine, desk, clerk, code, "
			"expected_id, state, received_at) "
			"VALUES (?, ?, ?, ?, ?, 'open', ?)");
	if (!st) {
		r = -EIO;
		goto fail;
	}
	sqlite3_bind_text(st, 1,
			  ro->routine == ROUTINE_SHIP_QC ? "ship_qc" : "return",
			  -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ro->desk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ro->clerk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ro->code, -1, SQLITE_STATIC);
	if (ro->expected_id)
		sqlite3_bind_int64(st, 5, ro->expected_id);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int64(st, 6, ro->received_at);
	r = store_step_done(s, st);
	if (r == -ENOENT)
		r = store_failf(s, -ENOENT, "no expected return %" PRId64,
				ro->expected_id);
	if (r < 0)
		goto fail;
	id = sqlite3_last_insert_rowid(s->db);
	snprintf(subject, sizeof(subject), "receipt:%" PRId64, id);
	r = store_audit_append_json(s, ro->clerk, "receipt.open", subject,
				    json_pack("{s:s,s:s,s:I}", "code", ro->code,
					      "desk", ro->desk, "expected_id",
					      (json_int_t)ro->expected_id),
				    ro->received_at);
	if (r < 0)
		goto fail;
	r = store_tx_commit(s);
	if (r < 0)
		return r;
	if (id_out)
		*id_out = id;
	return 0;
fail:
	store_tx_rollback(s);
	return r;
}

int store_receipt_set_weight(struct store *s, int64_t receipt_id, bool weighed,
			     int32_t weight_g, bool mismatch, const char *actor,
			     int64_t now)
{
	sqlite3_stmt *st;

	if (!s || (weighed && weight_g < 0))
		return -EINVAL;
	st = store_stmt(s, STMT_RCP_SET_WEIGHT,
			"UPDATE receipt SET weighed = ?, weight_g = ?, "
			"weight_mismatch = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, weighed);
	if (weighed)
		sqlite3_bind_int(st, 2, weight_g);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int(st, 3, weighed && mismatch);
	sqlite3_bind_int64(st, 4, receipt_id);
	return store_receipt_change(s, receipt_id, st, actor, "receipt.weigh",
				    weighed ? json_pack("{s:i,s:b}", "weight_g",
							(int)weight_g,
							"mismatch", mismatch)
					    : json_pack("{s:b}", "skipped", 1),
				    now);
}

int store_receipt_add_item_scan(struct store *s, int64_t receipt_id,
				int item_index, const char *gtin,
				const char *serial, const char *actor,
				int64_t now)
{
	sqlite3_stmt *st;

	if (!s || !gtin || item_index < -1 || item_index >= RETURN_MAX_ITEMS)
		return -EINVAL;
	st = store_stmt(s, STMT_RCP_ADD_SCAN,
			"INSERT INTO receipt_item_scan (receipt_id, "
			"item_index, gtin, serial, scanned_at, clerk) "
			"VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	sqlite3_bind_int(st, 2, item_index);
	sqlite3_bind_text(st, 3, gtin, -1, SQLITE_STATIC);
	if (serial && *serial)
		sqlite3_bind_text(st, 4, serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_text(st, 6, actor ? actor : "", -1, SQLITE_STATIC);
	return store_receipt_change(
	    s, receipt_id, st, actor, "receipt.item_scan",
	    json_pack("{s:i,s:s,s:s?}", "item_index", item_index, "gtin", gtin,
		      "serial", serial && *serial ? serial : NULL),
	    now);
}

int store_photo_add(struct store *s, int64_t receipt_id, const char *step,
		    const char *sha256_hex, const char *path, int64_t bytes,
		    const char *actor, int64_t now)
{
	sqlite3_stmt *st;

	if (!s || !sha256_hex || !path || !*path || bytes < 0)
		return -EINVAL;
	if (strlen(sha256_hex) != 64 ||
	    strspn(sha256_hex, "0123456789abcdef") != 64)
		return store_failf(s, -EINVAL,
				   "photo: not a lower-case hex "
				   "SHA-256");
	st = store_stmt(s, STMT_RCP_ADD_PHOTO,
			"INSERT INTO photo (receipt_id, sha256, path, bytes, "
			"step, taken_at, clerk) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	sqlite3_bind_text(st, 2, sha256_hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, bytes);
	sqlite3_bind_text(st, 5, step ? step : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_text(st, 7, actor ? actor : "", -1, SQLITE_STATIC);
	return store_receipt_change(s, receipt_id, st, actor, "receipt.photo",
				    json_pack("{s:s,s:s}", "sha256", sha256_hex,
					      "step", step ? step : ""),
				    now);
}

int store_checklist_answer(struct store *s, int64_t receipt_id,
			   const char *template_id, int template_version,
			   const char *step, const char *answer,
			   const char *actor, int64_t now)
{
	sqlite3_stmt *st;

	if (!s || !template_id || !*template_id || template_version < 0 ||
	    !step || !*step || !answer)
		return -EINVAL;
	st = store_stmt(s, STMT_RCP_ADD_ANSWER,
			"INSERT INTO checklist_answer (receipt_id, "
			"template_id, template_version, step, answer, "
			"answered_at, clerk) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	sqlite3_bind_text(st, 2, template_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, template_version);
	sqlite3_bind_text(st, 4, step, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, answer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_text(st, 7, actor ? actor : "", -1, SQLITE_STATIC);
	return store_receipt_change(
	    s, receipt_id, st, actor, "receipt.checklist",
	    json_pack("{s:s,s:i,s:s,s:s}", "template", template_id, "version",
		      template_version, "step", step, "answer", answer),
	    now);
}

static bool store_verdict_valid(const char *v)
{
	static const char *const verdicts[] = {
	    "accept", "partial", "reject", "hold", "qc_passed", "qc_failed",
	};

	for (size_t i = 0; v && i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (!strcmp(v, verdicts[i]))
			return true;
	return false;
}

/*
 * Inside the decision's transaction: -EEXIST when another receipt of the
 * same expected return is decided.  Each decision brings its own outbox
 * keys, so nothing further down would stop a second refund of one return.
 * Ship-QC is exempt: a packer checks an order again after fixing it, and
 * no money moves.
 */
static int store_receipt_decided_elsewhere(struct store *s, int64_t receipt_id)
{
	char rma[RETURN_REF_LEN], order[RETURN_REF_LEN];
	sqlite3_stmt *st;
	int64_t other;
	int rc, r = 0;

	st = store_stmt(s, STMT_RCP_DECIDED_ELSEWHERE,
			"SELECT o.id, e.rma, e.order_ref FROM receipt me "
			"JOIN expected e ON e.id = me.expected_id "
			"JOIN receipt o ON o.expected_id = me.expected_id "
			"WHERE me.id = ?1 AND me.routine = 'return' "
			"AND o.id <> ?1 AND o.state = 'decided' "
			"AND o.routine = 'return' ORDER BY o.id DESC LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		other = sqlite3_column_int64(st, 0);
		store_col_copy(st, 1, rma, sizeof(rma));
		store_col_copy(st, 2, order, sizeof(order));
		if (rma[0])
			r = store_failf(s, -EEXIST,
					"RMA %s was already decided on "
					"receipt %" PRId64,
					rma, other);
		else
			r = store_failf(s, -EEXIST,
					"order %s was already decided on "
					"receipt %" PRId64,
					order, other);
	} else if (rc != SQLITE_DONE) {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	return r;
}

int store_receipt_decide(struct store *s, int64_t receipt_id,
			 const struct decision_record *d,
			 const struct outbox_new *out, int n_out)
{
	char state[16], subject[40];
	sqlite3_stmt *st;
	size_t curlen;
	int r;

	if (!s || !d || n_out < 0 || (n_out && !out))
		return -EINVAL;
	if (!store_verdict_valid(d->verdict))
		return store_failf(s, -EINVAL, "unknown verdict '%s'",
				   d->verdict ? d->verdict : "");
	if (!d->decided_by || !*d->decided_by)
		return store_failf(s, -EINVAL, "a decision needs a clerk");
	curlen = strnlen(d->currency, sizeof(d->currency));
	if (curlen != 0 && curlen != 3)
		return store_failf(s, -EINVAL,
				   "currency must be an ISO 4217 "
				   "code");
	if (d->refund_minor < 0 || (d->refund_minor > 0 && curlen != 3))
		return store_failf(s, -EINVAL,
				   "a refund needs a currency and "
				   "a non-negative amount");
	if (d->overridden && (!d->override_reason || !*d->override_reason))
		return store_failf(s, -EINVAL, "an override needs a reason");

	r = store_tx_begin(s);
	if (r < 0)
		return r;
	r = store_receipt_state(s, receipt_id, state, sizeof(state));
	if (r < 0)
		goto fail;
	if (!strcmp(state, "decided")) {
		r = store_failf(s, -EEXIST,
				"receipt %" PRId64 " is already "
				"decided",
				receipt_id);
		goto fail;
	}
	if (strcmp(state, "open") && strcmp(state, "undone")) {
		r = store_failf(s, -EINVAL, "receipt %" PRId64 " is %s",
				receipt_id, state);
		goto fail;
	}
	r = store_receipt_decided_elsewhere(s, receipt_id);
	if (r < 0)
		goto fail;

	st = store_stmt(s, STMT_RCP_DECIDE,
			"UPDATE receipt SET state = 'decided', verdict = ?, "
			"refund_minor = ?, currency = ?, decided_at = ?, "
			"decided_by = ?, overridden = ?, override_reason = ?, "
			"proposal_json = ?, shop = ?, "
			"decisions = decisions + 1 WHERE id = ?");
	if (!st) {
		r = -EIO;
		goto fail;
	}
	sqlite3_bind_text(st, 1, d->verdict, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, d->refund_minor);
	if (curlen)
		sqlite3_bind_text(st, 3, d->currency, 3, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, d->decided_at);
	sqlite3_bind_text(st, 5, d->decided_by, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, d->overridden);
	if (d->overridden)
		sqlite3_bind_text(st, 7, d->override_reason, -1, SQLITE_STATIC);
	if (d->proposal_json)
		sqlite3_bind_text(st, 8, d->proposal_json, -1, SQLITE_STATIC);
	if (d->shop)
		sqlite3_bind_text(st, 9, d->shop, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, receipt_id);
	r = store_step_done(s, st);
	if (r < 0)
		goto fail;

	if (d->label_zpl) {
		st = store_stmt(s, STMT_RCP_ADD_LABEL,
				"INSERT INTO label (receipt_id, zpl, "
				"created_at) VALUES (?, ?, ?)");
		if (!st) {
			r = -EIO;
			goto fail;
		}
		sqlite3_bind_int64(st, 1, receipt_id);
		sqlite3_bind_text(st, 2, d->label_zpl, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, d->decided_at);
		r = store_step_done(s, st);
		if (r < 0)
			goto fail;
	}
	for (int i = 0; i < n_out; i++) {
		r = store_outbox_insert_tx(s, receipt_id, &out[i],
					   d->decided_at);
		if (r < 0)
			goto fail;
	}
	snprintf(subject, sizeof(subject), "receipt:%" PRId64, receipt_id);
	r = store_audit_append_json(
	    s, d->decided_by, "receipt.decide", subject,
	    json_pack("{s:s,s:I,s:s,s:b,s:s?,s:i,s:b}", "verdict", d->verdict,
		      "refund_minor", (json_int_t)d->refund_minor, "currency",
		      curlen ? d->currency : "", "overridden", d->overridden,
		      "override_reason",
		      d->overridden ? d->override_reason : NULL, "outbox",
		      n_out, "label", d->label_zpl != NULL),
	    d->decided_at);
	if (r < 0)
		goto fail;
	return store_tx_commit(s);
fail:
	store_tx_rollback(s);
	return r;
}

static int64_t store_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

int store_receipt_undo(struct store *s, int64_t receipt_id, const char *actor,
		       int64_t now)
{
	char state[16], subject[40];
	int64_t asked = store_mono_us();
	sqlite3_stmt *st;
	int r, n = 0;

	if (!s)
		return -EINVAL;
	r = store_tx_begin(s);
	if (r < 0)
		return r;
	/* BEGIN IMMEDIATE may have waited up to the busy timeout behind
	 * another writer (the sender's claim among them): the grace period
	 * is checked at the time the lock was held, not when it was asked
	 * for. */
	now += store_mono_us() - asked;
	r = store_receipt_state(s, receipt_id, state, sizeof(state));
	if (r < 0)
		goto fail;
	if (strcmp(state, "decided")) {
		r = store_failf(s, -ENOENT,
				"receipt %" PRId64 " is %s, "
				"there is no decision to undo",
				receipt_id, state);
		goto fail;
	}
	r = store_outbox_cancel_receipt_tx(s, receipt_id, now, &n);
	if (r < 0)
		goto fail;
	st = store_stmt(s, STMT_RCP_UNDO,
			"UPDATE receipt SET state = 'undone', undone_at = ? "
			"WHERE id = ?");
	if (!st) {
		r = -EIO;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, receipt_id);
	r = store_step_done(s, st);
	if (r < 0)
		goto fail;
	snprintf(subject, sizeof(subject), "receipt:%" PRId64, receipt_id);
	r = store_audit_append_json(s, actor, "receipt.undo", subject,
				    json_pack("{s:i}", "outbox_cancelled", n),
				    now);
	if (r < 0)
		goto fail;
	return store_tx_commit(s);
fail:
	store_tx_rollback(s);
	return r;
}

int store_label_mark_printed(struct store *s, int64_t receipt_id, bool ok,
			     const char *detail, int64_t now)
{
	char subject[40];
	sqlite3_stmt *st;
	int r;

	if (!s)
		return -EINVAL;
	r = store_tx_begin_step(s);
	if (r < 0)
		return r;
	/* A printed label's ZPL goes: the row was just written, so the
	 * space it frees is where the next receipt's rows go. */
	st = store_stmt(s, STMT_LABEL_PRINTED,
			"UPDATE label SET printed = ?1, print_detail = ?2, "
			"printed_at = ?3, "
			"zpl = CASE WHEN ?1 THEN NULL ELSE zpl END "
			"WHERE id = (SELECT max(id) FROM label "
			"WHERE receipt_id = ?4)");
	if (!st) {
		r = -EIO;
		goto fail;
	}
	sqlite3_bind_int(st, 1, ok);
	if (detail)
		sqlite3_bind_text(st, 2, detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, receipt_id);
	r = store_step_done(s, st);
	if (r < 0)
		goto fail;
	if (sqlite3_changes(s->db) == 0) {
		r = store_failf(s, -ENOENT,
				"receipt %" PRId64 " has no "
				"label",
				receipt_id);
		goto fail;
	}
	snprintf(subject, sizeof(subject), "receipt:%" PRId64, receipt_id);
	r = store_audit_append_json(
	    s, "station", "label.printed", subject,
	    json_pack("{s:b,s:s?}", "ok", ok, "detail", detail), now);
	if (r < 0)
		goto fail;
	return store_tx_commit(s);
fail:
	store_tx_rollback(s);
	return r;
}

int store_label_zpl(struct store *s, int64_t receipt_id, char **zpl)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !zpl)
		return -EINVAL;
	*zpl = NULL;
	st = store_stmt(s, STMT_LABEL_ZPL,
			"SELECT zpl FROM label WHERE receipt_id = ? "
			"ORDER BY id DESC LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*zpl = strdup((const char *)sqlite3_column_text(st, 0));
		if (!*zpl)
			r = store_failf(s, -ENOMEM, "out of memory");
	} else if (rc == SQLITE_ROW) {
		r = store_failf(s, -ENOENT,
				"the label of receipt %" PRId64 " printed; "
				"its ZPL is no longer kept",
				receipt_id);
	} else if (rc == SQLITE_DONE) {
		r = store_failf(s, -ENOENT, "receipt %" PRId64 " has no label",
				receipt_id);
	} else {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	return r;
}

int store_receipt_cancel(struct store *s, int64_t receipt_id, const char *actor,
			 int64_t now)
{
	char state[16], subject[40];
	sqlite3_stmt *st;
	int r;

	if (!s)
		return -EINVAL;
	r = store_tx_begin(s);
	if (r < 0)
		return r;
	r = store_receipt_state(s, receipt_id, state, sizeof(state));
	if (r < 0)
		goto fail;
	if (!strcmp(state, "decided")) {
		r = store_failf(s, -EEXIST,
				"receipt %" PRId64 " is decided;"
				" undo it before cancelling",
				receipt_id);
		goto fail;
	}
	if (!strcmp(state, "cancelled")) {
		r = store_failf(s, -EALREADY,
				"receipt %" PRId64 " is "
				"already cancelled",
				receipt_id);
		goto fail;
	}
	st = store_stmt(s, STMT_RCP_CANCEL,
			"UPDATE receipt SET state = 'cancelled', "
			"cancelled_at = ? WHERE id = ?");
	if (!st) {
		r = -EIO;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, receipt_id);
	r = store_step_done(s, st);
	if (r < 0)
		goto fail;
	snprintf(subject, sizeof(subject), "receipt:%" PRId64, receipt_id);
	r = store_audit_append_tx(s, actor, "receipt.cancel", subject, NULL,
				  now);
	if (r < 0)
		goto fail;
	return store_tx_commit(s);
fail:
	store_tx_rollback(s);
	return r;
}

/* ---- receipt JSON views ---- */

#define RECEIPT_COLUMNS                                                        \
	"r.id, r.routine, r.desk, r.clerk, r.code, r.expected_id, r.state, "   \
	"r.received_at, r.weighed, r.weight_g, r.weight_mismatch, "            \
	"r.verdict, r.refund_minor, r.currency, r.decided_at, r.decided_by, "  \
	"r.overridden, r.override_reason, r.proposal_json, r.undone_at, "      \
	"r.cancelled_at, r.decisions, e.rma, e.order_ref, e.kind, e.shop "     \
	"FROM receipt r LEFT JOIN expected e ON e.id = r.expected_id "

static json_t *store_receipt_row_json(sqlite3_stmt *st)
{
	const unsigned char *proposal;
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "routine", store_json_text(st, 1));
	json_object_set_new(o, "desk", store_json_text(st, 2));
	json_object_set_new(o, "clerk", store_json_text(st, 3));
	json_object_set_new(o, "code", store_json_text(st, 4));
	json_object_set_new(o, "expected_id", store_json_int_or_null(st, 5));
	json_object_set_new(o, "state", store_json_text(st, 6));
	store_json_set_time(o, "received_at", st, 7);
	json_object_set_new(o, "weighed",
			    json_boolean(sqlite3_column_int(st, 8)));
	json_object_set_new(o, "weight_g", store_json_int_or_null(st, 9));
	json_object_set_new(o, "weight_mismatch",
			    json_boolean(sqlite3_column_int(st, 10)));
	json_object_set_new(o, "verdict", store_json_text(st, 11));
	json_object_set_new(o, "refund_minor",
			    json_integer(sqlite3_column_int64(st, 12)));
	json_object_set_new(o, "currency", store_json_text(st, 13));
	store_json_set_time(o, "decided_at", st, 14);
	json_object_set_new(o, "decided_by", store_json_text(st, 15));
	json_object_set_new(o, "overridden",
			    json_boolean(sqlite3_column_int(st, 16)));
	json_object_set_new(o, "override_reason", store_json_text(st, 17));
	proposal = sqlite3_column_text(st, 18);
	if (proposal) {
		json_t *p = json_loads((const char *)proposal, 0, NULL);

		/* Keep text that is not JSON rather than lose it. */
		json_object_set_new(o, "proposal",
				    p ? p : store_json_text(st, 18));
	} else {
		json_object_set_new(o, "proposal", json_null());
	}
	store_json_set_time(o, "undone_at", st, 19);
	store_json_set_time(o, "cancelled_at", st, 20);
	json_object_set_new(o, "decisions",
			    json_integer(sqlite3_column_int64(st, 21)));
	json_object_set_new(o, "rma", store_json_text(st, 22));
	json_object_set_new(o, "order", store_json_text(st, 23));
	json_object_set_new(o, "kind", store_json_text(st, 24));
	json_object_set_new(o, "shop", store_json_text(st, 25));
	return o;
}

int store_receipt_list(struct store *s, int limit, json_t **out)
{
	sqlite3_stmt *st;
	json_t *arr;
	int rc, r = 0;

	if (!s || !out)
		return -EINVAL;
	*out = NULL;
	st = store_stmt(s, STMT_RCP_LIST,
			"SELECT " RECEIPT_COLUMNS
			"ORDER BY r.received_at DESC, r.id DESC LIMIT ?");
	if (!st)
		return -EIO;
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = store_receipt_row_json(st);

		if (!o || json_array_append_new(arr, o) < 0) {
			r = store_failf(s, -ENOMEM, "out of memory");
			break;
		}
	}
	if (!r && rc != SQLITE_DONE)
		r = store_fail(s, rc);
	store_stmt_done(st);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

/* Run @st (bound to the receipt id) and append one object per row. */
typedef json_t *(*store_row_json_fn)(sqlite3_stmt *st);

static int store_collect(struct store *s, sqlite3_stmt *st, int64_t id,
			 store_row_json_fn fn, json_t *arr)
{
	int rc, r = 0;

	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = fn(st);

		if (!o || json_array_append_new(arr, o) < 0) {
			r = store_failf(s, -ENOMEM, "out of memory");
			break;
		}
	}
	if (!r && rc != SQLITE_DONE)
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

static json_t *store_scan_json(sqlite3_stmt *st)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "item_index",
			    json_integer(sqlite3_column_int(st, 0)));
	json_object_set_new(o, "gtin", store_json_text(st, 1));
	json_object_set_new(o, "serial", store_json_text(st, 2));
	store_json_set_time(o, "scanned_at", st, 3);
	json_object_set_new(o, "clerk", store_json_text(st, 4));
	return o;
}

static json_t *store_photo_json(sqlite3_stmt *st)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "sha256", store_json_text(st, 0));
	json_object_set_new(o, "path", store_json_text(st, 1));
	json_object_set_new(o, "bytes",
			    json_integer(sqlite3_column_int64(st, 2)));
	json_object_set_new(o, "step", store_json_text(st, 3));
	store_json_set_time(o, "taken_at", st, 4);
	return o;
}

static json_t *store_answer_json(sqlite3_stmt *st)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "template", store_json_text(st, 0));
	json_object_set_new(o, "version",
			    json_integer(sqlite3_column_int(st, 1)));
	json_object_set_new(o, "step", store_json_text(st, 2));
	json_object_set_new(o, "answer", store_json_text(st, 3));
	store_json_set_time(o, "answered_at", st, 4);
	json_object_set_new(o, "clerk", store_json_text(st, 5));
	return o;
}

static json_t *store_label_json(sqlite3_stmt *st)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "zpl", store_json_text(st, 1));
	store_json_set_time(o, "created_at", st, 2);
	if (sqlite3_column_type(st, 3) == SQLITE_NULL)
		json_object_set_new(o, "printed", json_null());
	else
		json_object_set_new(o, "printed",
				    json_boolean(sqlite3_column_int(st, 3)));
	json_object_set_new(o, "print_detail", store_json_text(st, 4));
	store_json_set_time(o, "printed_at", st, 5);
	return o;
}

static int store_receipt_children(struct store *s, int64_t id, json_t *o)
{
	static const struct {
		const char *field;
		enum store_stmt_id stmt;
		const char *sql;
		store_row_json_fn fn;
	} children[] = {
	    {"items", STMT_RCP_GET_SCANS,
	     "SELECT item_index, gtin, serial, scanned_at, clerk "
	     "FROM receipt_item_scan WHERE receipt_id = ? ORDER BY id",
	     store_scan_json},
	    {"photos", STMT_RCP_GET_PHOTOS,
	     "SELECT sha256, path, bytes, step, taken_at "
	     "FROM photo WHERE receipt_id = ? ORDER BY id",
	     store_photo_json},
	    {"checklist", STMT_RCP_GET_ANSWERS,
	     "SELECT template_id, template_version, step, answer, "
	     "answered_at, clerk FROM checklist_answer "
	     "WHERE receipt_id = ? ORDER BY id",
	     store_answer_json},
	    {"labels", STMT_RCP_GET_LABELS,
	     "SELECT id, zpl, created_at, printed, print_detail, "
	     "printed_at FROM label WHERE receipt_id = ? ORDER BY id",
	     store_label_json},
	};
	json_t *arr;
	int r;

	for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++) {
		sqlite3_stmt *st =
		    store_stmt(s, children[i].stmt, children[i].sql);

		if (!st)
			return -EIO;
		arr = json_array();
		if (!arr)
			return -ENOMEM;
		r = store_collect(s, st, id, children[i].fn, arr);
		if (r < 0) {
			json_decref(arr);
			return r;
		}
		json_object_set_new(o, children[i].field, arr);
	}
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	r = store_outbox_json_for_receipt(s, id, arr);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	json_object_set_new(o, "outbox", arr);
	return 0;
}

int store_receipt_get(struct store *s, int64_t receipt_id, json_t **out)
{
	sqlite3_stmt *st;
	json_t *o = NULL;
	int rc, r = 0;

	if (!s || !out)
		return -EINVAL;
	*out = NULL;
	st = store_stmt(s, STMT_RCP_GET,
			"SELECT " RECEIPT_COLUMNS "WHERE r.id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		o = store_receipt_row_json(st);
		if (!o)
			r = store_failf(s, -ENOMEM, "out of memory");
	} else if (rc == SQLITE_DONE) {
		r = store_failf(s, -ENOENT, "no receipt %" PRId64, receipt_id);
	} else {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	if (r < 0)
		return r;
	r = store_receipt_children(s, receipt_id, o);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*out = o;
	return 0;
}

int store_count_receipts(struct store *s, int64_t *n)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !n)
		return -EINVAL;
	st = store_stmt(s, STMT_RCP_COUNT, "SELECT count(*) FROM receipt");
	if (!st)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}
