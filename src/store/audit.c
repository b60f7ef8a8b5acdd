/* SPDX-License-Identifier: MIT */
/*
 * The append-only audit log and its hash chain.
 *
 * Each entry's hash is the hex SHA-256 of
 *     prev_hash "\n" id "|" at "|" actor "|" action "|" subject "|" detail
 * where the text fields have '\\', '|', newline and NUL escaped so no two
 * different rows share a canonical text.  The first prev_hash is 64 zeros.
 * A one-row head table holds the newest id and hash, so removing the newest
 * entries is caught as well as editing or removing any other.
 *
 * This detects tampering; it does not prevent someone who can rewrite the
 * whole file from recomputing the chain.  Anchoring the head elsewhere
 * (printed, sent upstream) is the way to close that, and is not done here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "store_internal.h"

static const char audit_zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static void audit_update_escaped(EVP_MD_CTX *ctx, const unsigned char *text,
				 size_t len)
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
		EVP_DigestUpdate(ctx, text + run, i - run);
		EVP_DigestUpdate(ctx, esc, 2);
		run = i + 1;
	}
	EVP_DigestUpdate(ctx, text + run, len - run);
}

struct audit_fields {
	int64_t id;
	int64_t at;
	const unsigned char *text[4]; /* actor, action, subject, detail */
	size_t len[4];
};

static int audit_hash(const char *prev_hash, const struct audit_fields *f,
		      char out[STORE_HASH_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char num[48];
	EVP_MD_CTX *ctx;
	int i, ok;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	if (ok) {
		EVP_DigestUpdate(ctx, prev_hash, strlen(prev_hash));
		snprintf(num, sizeof(num), "\n%" PRId64 "|%" PRId64, f->id,
			 f->at);
		EVP_DigestUpdate(ctx, num, strlen(num));
		for (i = 0; i < 4; i++) {
			EVP_DigestUpdate(ctx, "|", 1);
			audit_update_escaped(ctx, f->text[i], f->len[i]);
		}
		ok = EVP_DigestFinal_ex(ctx, md, &mdlen);
	}
	EVP_MD_CTX_free(ctx);
	if (!ok || mdlen != 32)
		return -EIO;
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[STORE_HASH_HEX_LEN] = '\0';
	return 0;
}

static int audit_head(struct store *s, int64_t *last_id,
		      char last_hash[STORE_HASH_HEX_LEN + 1])
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
		store_col_copy(st, 1, last_hash, STORE_HASH_HEX_LEN + 1);
		if (strlen(last_hash) != STORE_HASH_HEX_LEN)
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
	char prev[STORE_HASH_HEX_LEN + 1], hash[STORE_HASH_HEX_LEN + 1];
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
	r = audit_hash(prev, &f, hash);
	if (r < 0)
		return store_failf(s, r, "cannot compute the audit hash");

	st = store_stmt(s, STMT_AUDIT_INSERT,
			"INSERT INTO audit (id, at, actor, action, subject, "
			"detail, prev_hash, hash) "
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
	sqlite3_bind_text(st, 7, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, hash, -1, SQLITE_STATIC);
	r = store_step_done(s, st);
	if (r < 0)
		return r;

	st = store_stmt(s, STMT_AUDIT_SET_HEAD,
			"UPDATE audit_head SET last_id = ?, last_hash = ? "
			"WHERE one = 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, f.id);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
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
	char running[STORE_HASH_HEX_LEN + 1], hash[STORE_HASH_HEX_LEN + 1];
	char head_hash[STORE_HASH_HEX_LEN + 1];
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
			"prev_hash, hash FROM audit ORDER BY id");
	if (!st) {
		r = -EIO;
		goto out;
	}
	memcpy(running, audit_zero_hash, sizeof(running));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_fields f;
		const unsigned char *prev, *stored;

		f.id = sqlite3_column_int64(st, 0);
		f.at = sqlite3_column_int64(st, 1);
		for (int i = 0; i < 4; i++)
			audit_field_from_col(st, 2 + i, &f, i);
		prev = sqlite3_column_text(st, 6);
		stored = sqlite3_column_text(st, 7);

		if (f.id != expect_id || !prev || !stored ||
		    strcmp((const char *)prev, running) != 0) {
			/* A gap or a broken link: entries were removed or
			 * inserted before this one. */
			bad = f.id;
			break;
		}
		r = audit_hash(running, &f, hash);
		if (r < 0) {
			store_stmt_done(st);
			goto out;
		}
		if (strcmp((const char *)stored, hash) != 0) {
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

	if (!bad &&
	    (head_id != expect_id - 1 || strcmp(head_hash, running) != 0)) {
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
