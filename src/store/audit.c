/* SPDX-License-Identifier: MIT */
/*
 * The append-only audit log: walking its hash chain, and the entries the
 * daemon adds of its own (sign-in and the like).  Every change of the
 * store appends its entry in its own transaction (store_write(), store.c,
 * which also holds how an entry is hashed).
 *
 * This detects tampering; it does not prevent someone who can rewrite the
 * whole file from recomputing the chain.  Anchoring the head elsewhere
 * (printed, sent upstream) is the way to close that, and is not done here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "db.h"

/* An entry of the daemon's own: nothing else changes with it. */
static int audit_nothing_else(struct store *s, void *arg, struct store_entry *e)
{
	return 0;
}

int store_audit_append(struct store *s, const char *actor, const char *action,
		       const char *subject, const char *detail, int64_t now)
{
	struct store_entry e = {
	    .actor = actor,
	    .action = action,
	    .subject = subject,
	    .text = detail,
	    .at = now,
	};

	if (!s || !action || !subject)
		return -EINVAL;
	return store_write(s, STORE_DURABLE, audit_nothing_else, NULL, &e);
}

static void audit_field_from_col(sqlite3_stmt *st, int col,
				 struct store_audit_fields *f, int i)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	/* Length from SQLite, not strlen: an embedded NUL must not hide
	 * whatever was appended after it. */
	f->len[i] = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
	f->text[i] = t ? t : (const unsigned char *)"";
}

int store_audit_verify(struct store *s, int64_t *checked, int64_t *bad_id)
{
	uint8_t running[STORE_AUDIT_HASH_LEN] = {0}, hash[STORE_AUDIT_HASH_LEN];
	uint8_t stored[STORE_AUDIT_HASH_LEN], head_hash[STORE_AUDIT_HASH_LEN];
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
	r = store_audit_head(s, &head_id, head_hash);
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
		struct store_audit_fields f;

		f.id = sqlite3_column_int64(st, 0);
		f.at = sqlite3_column_int64(st, 1);
		for (int i = 0; i < 4; i++)
			audit_field_from_col(st, 2 + i, &f, i);
		/* A gap means entries were removed (or inserted) here. */
		if (f.id != expect_id || !store_audit_col_hash(st, 6, stored)) {
			bad = f.id;
			break;
		}
		store_audit_hash(running, &f, hash);
		if (memcmp(stored, hash, STORE_AUDIT_HASH_LEN) != 0) {
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
		     memcmp(head_hash, running, STORE_AUDIT_HASH_LEN) != 0)) {
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
