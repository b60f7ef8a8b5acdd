/* SPDX-License-Identifier: MIT */
/*
 * The bottom of the store (src/store/db.h): statements prepared once and
 * kept in the handle, SQLite errors mapped to -errno with the message kept
 * for store_errmsg(), and store_write(), the one way anything is written:
 * one IMMEDIATE transaction holding the change and its audit entry.
 *
 * The audit chain's append lives here because every write makes one, in
 * the same transaction: each entry's hash is the SHA-256 (32 raw bytes) of
 *     hex(prev hash) "\n" id "|" at "|" actor "|" action "|" subject "|" detail
 * where the text fields have '\\', '|', newline and NUL escaped so no two
 * different rows share a canonical text.  From schema step 10 on an
 * entry keeps detail_sha256, the hex SHA-256 of its detail, and the chain
 * hashes "\nsha256:" hex in the detail's place (an unescaped newline: no
 * detail's text can look like it), so a retention purge can drop a detail
 * (redacted_at) and the chain still verifies.  The hash before the first entry
 * is 32 zero bytes; a one-row head table holds the newest id and hash, so
 * removing the newest entries is caught as well.  Walking the chain is
 * audit.c.
 *
 * Not here: any record's SQL beyond the audit's, opening the file
 * (open.c), the schema (schema.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "retour/civil_time.h"

#include "db.h"

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

static void store_tx_rollback(struct store *s)
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

static int store_tx_commit(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, STMT_COMMIT, "COMMIT");
	int r;

	r = st ? store_step_done(s, st) : -EIO;
	if (r < 0)
		store_tx_rollback(s);
	return r;
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
	if (civil_time_format_rfc3339(us, buf, buflen) < 0)
		snprintf(buf, buflen, "invalid");
}

void store_json_set_time(json_t *obj, const char *name, sqlite3_stmt *st,
			 int col)
{
	char key[64], text[CIVIL_TIME_RFC3339_LEN];
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

json_t *store_json_int_or_null(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(st, col));
}

bool store_field_ok(const char *field, size_t size)
{
	return strnlen(field, size) < size;
}

/* ---- the audit chain ---- */

static void audit_update_escaped(struct sha256_ctx *ctx,
				 const unsigned char *text, size_t len)
{
	size_t run = 0, i;

	for (i = 0; i < len; i++) {
		const char *esc;

		switch (text[i]) {
		case '\\':
			esc = "\\\\";
			break;
		case '|':
			esc = "\\|";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\0':
			esc = "\\0";
			break;
		default:
			continue;
		}
		sha256_update(ctx, i - run, text + run);
		sha256_update(ctx, 2, (const uint8_t *)esc);
		run = i + 1;
	}
	sha256_update(ctx, len - run, text + run);
}

void store_audit_hash(const uint8_t prev[STORE_AUDIT_HASH_LEN],
		      const struct store_audit_fields *f,
		      uint8_t out[STORE_AUDIT_HASH_LEN])
{
	static const char hex[] = "0123456789abcdef";
	char prev_hex[2 * STORE_AUDIT_HASH_LEN], num[48];
	struct sha256_ctx ctx;
	int i;

	for (i = 0; i < STORE_AUDIT_HASH_LEN; i++) {
		prev_hex[2 * i] = hex[prev[i] >> 4];
		prev_hex[2 * i + 1] = hex[prev[i] & 0xf];
	}
	sha256_init(&ctx);
	sha256_update(&ctx, sizeof(prev_hex), (const uint8_t *)prev_hex);
	snprintf(num, sizeof(num), "\n%" PRId64 "|%" PRId64, f->id, f->at);
	sha256_update(&ctx, strlen(num), (const uint8_t *)num);
	for (i = 0; i < 4; i++) {
		sha256_update(&ctx, 1, (const uint8_t *)"|");
		if (i == 3 && f->detail_sha256) {
			sha256_update(&ctx, 8, (const uint8_t *)"\nsha256:");
			sha256_update(&ctx, 64,
				      (const uint8_t *)f->detail_sha256);
			continue;
		}
		audit_update_escaped(&ctx, f->text[i], f->len[i]);
	}
	sha256_digest(&ctx, STORE_AUDIT_HASH_LEN, out);
}

void store_audit_detail_sha256(const unsigned char *detail, size_t len,
			       char out[65])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, detail);
	sha256_digest(&ctx, sizeof(d), d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[64] = '\0';
}

bool store_audit_col_hash(sqlite3_stmt *st, int col,
			  uint8_t out[STORE_AUDIT_HASH_LEN])
{
	const void *b = sqlite3_column_blob(st, col);

	if (sqlite3_column_type(st, col) != SQLITE_BLOB || !b ||
	    sqlite3_column_bytes(st, col) != STORE_AUDIT_HASH_LEN)
		return false;
	memcpy(out, b, STORE_AUDIT_HASH_LEN);
	return true;
}

int store_audit_head(struct store *s, int64_t *last_id,
		     uint8_t last_hash[STORE_AUDIT_HASH_LEN])
{
	sqlite3_stmt *st;
	int rc, r = 0;

	st = store_stmt(s, STMT_AUDIT_HEAD,
			"SELECT last_id, last_hash FROM audit_head "
			"WHERE one = 1");
	if (!st)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*last_id = sqlite3_column_int64(st, 0);
		if (!store_audit_col_hash(st, 1, last_hash))
			r = store_failf(s, -EBADMSG,
					"the audit head is damaged");
	} else if (rc == SQLITE_DONE) {
		r = store_failf(s, -EBADMSG, "the audit head is missing");
	} else {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	return r;
}

static int store_audit_append_tx(struct store *s, const char *actor,
				 const char *action, const char *subject,
				 const char *detail, int64_t now)
{
	uint8_t prev[STORE_AUDIT_HASH_LEN], hash[STORE_AUDIT_HASH_LEN];
	struct store_audit_fields f = {0};
	char digest[65];
	sqlite3_stmt *st;
	int64_t last_id;
	int r;

	if (!actor || !*actor)
		actor = "station";
	if (!action || !*action || !subject)
		return store_failf(s, -EINVAL, "audit entry without action");
	r = store_audit_head(s, &last_id, prev);
	if (r < 0)
		return r;

	f.id = last_id + 1;
	f.at = now;
	f.text[0] = (const unsigned char *)actor;
	f.text[1] = (const unsigned char *)action;
	f.text[2] = (const unsigned char *)subject;
	f.text[3] = (const unsigned char *)(detail ? detail : "");
	for (int i = 0; i < 4; i++)
		f.len[i] = strlen((const char *)f.text[i]);
	store_audit_detail_sha256(f.text[3], f.len[3], digest);
	f.detail_sha256 = digest;
	store_audit_hash(prev, &f, hash);

	st = store_stmt(s, STMT_AUDIT_INSERT,
			"INSERT INTO audit (id, at, actor, action, subject, "
			"detail, hash, detail_sha256) "
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, f.id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, subject, -1, SQLITE_STATIC);
	if (detail)
		sqlite3_bind_text(st, 6, detail, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_blob(st, 7, hash, STORE_AUDIT_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, digest, 64, SQLITE_STATIC);
	r = store_step_done(s, st);
	if (r < 0)
		return r;

	st = store_stmt(s, STMT_AUDIT_SET_HEAD,
			"UPDATE audit_head SET last_id = ?, last_hash = ? "
			"WHERE one = 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, f.id);
	sqlite3_bind_blob(st, 2, hash, STORE_AUDIT_HASH_LEN, SQLITE_STATIC);
	return store_step_done(s, st);
}

/* ---- the one write path ---- */

void store_entry_subject(struct store_entry *e, const char *kind, int64_t id)
{
	snprintf(e->subject_buf, sizeof(e->subject_buf), "%s:%" PRId64, kind,
		 id);
	e->subject = e->subject_buf;
}

/* The entry's detail as text: the JSON dumped, or the text given. */
int store_entry_append(struct store *s, struct store_entry *e)
{
	char *text = NULL;
	int r;

	if (e->detail) {
		text = json_dumps(e->detail, JSON_COMPACT | JSON_SORT_KEYS);
		if (!text)
			return store_failf(s, -ENOMEM, "out of memory");
	}
	r = store_audit_append_tx(s, e->actor, e->action,
				  e->subject ? e->subject : e->subject_buf,
				  text ? text : e->text, e->at);
	free(text);
	return r;
}

int store_write(struct store *s, enum store_sync sync, store_change_fn change,
		void *arg, struct store_entry *e)
{
	int r;

	r = store_tx_begin_sync(s, sync == STORE_STEP);
	if (r < 0)
		goto out;
	r = change(s, arg, e);
	if (r != 0) {
		store_tx_rollback(s);
		goto out;
	}
	if (e->action) {
		r = store_entry_append(s, e);
		if (r < 0) {
			store_tx_rollback(s);
			goto out;
		}
	}
	r = store_tx_commit(s);
out:
	json_decref(e->detail);
	e->detail = NULL;
	return r;
}

int store_rows_json(struct store *s, sqlite3_stmt *st, store_row_json_fn fn,
		    json_t *arr)
{
	int rc, r = 0;

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
