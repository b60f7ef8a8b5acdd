/* SPDX-License-Identifier: MIT */
/*
 * The append-only audit log and its hash chain.
 *
 * Each entry's hash is the SHA-256 (stored as 32 raw bytes) of
 *     hex(prev hash) "\n" id "|" at "|" actor "|" action "|" subject "|" detail
 * where the text fields have '\\', '|', newline and NUL escaped so no two
 * different rows share a canonical text.  The hash before the first entry
 * is 32 zero bytes.  An entry does not repeat its predecessor's hash: the
 * walk recomputes it, so an edited, inserted or removed row breaks every
 * hash after it.  A one-row head table holds the newest id and hash, so
 * removing the newest entries is caught as well.
 *
 * This detects tampering; it does not prevent someone who can rewrite the
 * whole file from recomputing the chain.  Anchoring the head elsewhere
 * (printed, sent upstream) is the way to close that, and is not done here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "store_internal.h"

#define AUDIT_HASH_LEN SHA256_DIGEST_SIZE

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

struct audit_fields {
	int64_t id;
	int64_t at;
	const unsigned char *text[4]; /* actor, action, subject, detail */
	size_t len[4];
};

static void audit_hash(const uint8_t prev[AUDIT_HASH_LEN],
		       const struct audit_fields *f,
		       uint8_t out[AUDIT_HASH_LEN])
{
	static const char hex[] = "0123456789abcdef";
	char prev_hex[2 * AUDIT_HASH_LEN], num[48];
	struct sha256_ctx ctx;
	int i;

	for (i = 0; i < AUDIT_HASH_LEN; i++) {
		prev_hex[2 * i] = hex[prev[i] >> 4];
		prev_hex[2 * i + 1] = hex[prev[i] & 0xf];
	}
	sha256_init(&ctx);
	sha256_update(&ctx, sizeof(prev_hex), (const uint8_t *)prev_hex);
	snprintf(num, sizeof(num), "\n%" PRId64 "|%" PRId64, f->id, f->at);
	sha256_update(&ctx, strlen(num), (const uint8_t *)num);
	for (i = 0; i < 4; i++) {
		sha256_update(&ctx, 1, (const uint8_t *)"|");
		audit_update_escaped(&ctx, f->text[i], f->len[i]);
	}
	sha256_digest(&ctx, AUDIT_HASH_LEN, out);
}

/* A 32-byte blob column into @out; false when it is anything else. */
static bool audit_col_hash(sqlite3_stmt *st, int col,
			   uint8_t out[AUDIT_HASH_LEN])
{
	const void *b = sqlite3_column_blob(st, col);

	if (sqlite3_column_type(st, col) != SQLITE_BLOB || !b ||
	    sqlite3_column_bytes(st, col) != AUDIT_HASH_LEN)
		return false;
	memcpy(out, b, AUDIT_HASH_LEN);
	return true;
}

static int audit_head(struct store *s, int64_t *last_id,
		      uint8_t last_hash[AUDIT_HASH_LEN])
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
		if (!audit_col_hash(st, 1, last_hash))
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

int store_audit_append_tx(struct store *s, const char *actor,
			  const char *action, const char *subject,
			  const char *detail, int64_t now)
{
	uint8_t prev[AUDIT_HASH_LEN], hash[AUDIT_HASH_LEN];
	struct audit_fields f;
	sqlite3_stmt *st;
	int64_t last_id;
	int r;

	if (!actor || !*actor)
		actor = "station";
	if (!action || !*action || !subject)
		return store_failf(s, -EINVAL, "audit entry without action");
	r = audit_head(s, &last_id, prev);
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
	audit_hash(prev, &f, hash);

	st = store_stmt(s, STMT_AUDIT_INSERT,
			"INSERT INTO audit (id, at, actor, action, subject, "
			"detail, hash) VALUES (?, ?, ?, ?, ?, ?, ?)");
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
	sqlite3_bind_blob(st, 7, hash, AUDIT_HASH_LEN, SQLITE_STATIC);
	r = store_step_done(s, st);
	if (r < 0)
		return r;

	st = store_stmt(s, STMT_AUDIT_SET_HEAD,
			"UPDATE audit_head SET last_id = ?, last_hash = ? "
			"WHERE one = 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, f.id);
	sqlite3_bind_blob(st, 2, hash, AUDIT_HASH_LEN, SQLITE_STATIC);
	return store_step_done(s, st);
}

int store_audit_append_json(struct store *s, const char *actor,
			    const char *action, const char *subject,
			    json_t *detail, int64_t now)
{
	char *text = NULL;
	int r;

	if (detail) {
		text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(detail);
		if (!text)
			return store_failf(s, -ENOMEM, "out of memory");
	}
	r = store_audit_append_tx(s, actor, action, subject, text, now);
	free(text);
	return r;
}

int store_audit_append(struct store *s, const char *actor, const char *action,
		       const char *subject, const char *detail, int64_t now)
{
	int r;

	if (!s || !action || !subject)
		return -EINVAL;
	r = store_tx_begin(s);
	if (r < 0)
		return r;
	r = store_audit_append_tx(s, actor, action, subject, detail, now);
	if (r < 0) {
		store_tx_rollback(s);
		return r;
	}
	return store_tx_commit(s);
}

static void audit_field_from_col(sqlite3_stmt *st, int col,
				 struct audit_fields *f, int i)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	/* Length from SQLite, not strlen: an embedded NUL must not hide
	 * whatever was appended after it. */
	f->len[i] = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
	f->text[i] = t ? t : (const unsigned char *)"";
}

int store_audit_verify(struct store *s, int64_t *checked, int64_t *bad_id)
{
	uint8_t running[AUDIT_HASH_LEN] = {0}, hash[AUDIT_HASH_LEN];
	uint8_t stored[AUDIT_HASH_LEN], head_hash[AUDIT_HASH_LEN];
	int64_t expect_id = 1, head_id, n = 0, bad = 0;
	sqlite3_stmt *st;
	int rc, r;

	if (!s)
		return -EINVAL;
	if (checked)
		*checked = 0;
	if (bad_id)
		*bad_id = 0;

	/* One read transaction, so the head and the rows agree even while
	 * another handle appends. */
	rc = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	r = audit_head(s, &head_id, head_hash);
	if (r < 0)
		goto out;

	st = store_stmt(s, STMT_AUDIT_WALK,
			"SELECT id, at, actor, action, subject, detail, "
			"hash FROM audit ORDER BY id");
	if (!st) {
		r = -EIO;
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_fields f;

		f.id = sqlite3_column_int64(st, 0);
		f.at = sqlite3_column_int64(st, 1);
		for (int i = 0; i < 4; i++)
			audit_field_from_col(st, 2 + i, &f, i);
		/* A gap means entries were removed (or inserted) here. */
		if (f.id != expect_id || !audit_col_hash(st, 6, stored)) {
			bad = f.id;
			break;
		}
		audit_hash(running, &f, hash);
		if (memcmp(stored, hash, AUDIT_HASH_LEN) != 0) {
			bad = f.id;
			break;
		}
		memcpy(running, hash, sizeof(running));
		expect_id++;
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		r = store_fail(s, rc);
		store_stmt_done(st);
		goto out;
	}
	store_stmt_done(st);

	if (!bad && (head_id != expect_id - 1 ||
		     memcmp(head_hash, running, AUDIT_HASH_LEN) != 0)) {
		/* The newest entries are gone (or the head was edited). */
		bad = expect_id;
	}
	if (bad) {
		r = store_failf(s, -EBADMSG,
				"audit log broken at entry %" PRId64
				": edited, inserted or deleted",
				bad);
		if (bad_id)
			*bad_id = bad;
	} else {
		r = 0;
	}
	if (checked)
		*checked = n;
out:
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return r;
}
