/* SPDX-License-Identifier: MIT */
/*
 * The append-only audit log: walking its hash chain, and the entries the
 * daemon adds of its own (sign-in and the like).  Every change of the
 * store appends its entry in its own transaction (store_write(), store.c,
 * which also holds how an entry is hashed).
 *
 * An entry whose detail a retention purge dropped (redacted_at set, the
 * detail's SHA-256 kept: schema step 10) verifies by that hash, and only
 * when a later "retention.purged" entry names it in "audit_redacted":
 * dropping a detail without a purge that says so is tampering as well.
 *
 * This detects tampering; it does not prevent someone who can rewrite the
 * whole file from recomputing the chain.  Anchoring the head elsewhere
 * (printed, sent upstream) is the way to close that, and is not done here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
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

/* The entries dropped but not yet named by a purge, as the walk goes. */
struct audit_redactions {
	int64_t *ids;
	size_t n, cap;
};

static int audit_redaction_add(struct audit_redactions *rd, int64_t id)
{
	if (rd->n == rd->cap) {
		size_t cap = rd->cap ? 2 * rd->cap : 64;
		int64_t *p = realloc(rd->ids, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		rd->ids = p;
		rd->cap = cap;
	}
	rd->ids[rd->n++] = id;
	return 0;
}

/* A purge's entry names the details it dropped: they are accounted for. */
static void audit_redactions_named(struct audit_redactions *rd,
				   const unsigned char *detail, size_t len)
{
	json_t *j = json_loadb((const char *)detail, len, 0, NULL);
	json_t *ids = json_object_get(j, "audit_redacted"), *v;
	size_t i;

	json_array_foreach(ids, i, v)
	{
		json_int_t id = json_integer_value(v);

		for (size_t k = 0; k < rd->n; k++)
			if (rd->ids[k] == id) {
				rd->ids[k] = rd->ids[--rd->n];
				break;
			}
	}
	json_decref(j);
}

/*
 * Entry @f's detail against its kept hash (columns @col: detail_sha256,
 * redacted_at): set f->detail_sha256 to hash by it.  false when the
 * detail does not match its hash, or a dropped one is still there.
 */
static bool audit_detail_form(sqlite3_stmt *st, int col,
			      struct store_audit_fields *f, char digest[65],
			      bool *redacted)
{
	const unsigned char *kept = sqlite3_column_text(st, col);

	*redacted = false;
	f->detail_sha256 = NULL;
	if (!kept) /* an entry from before schema step 10 */
		return sqlite3_column_type(st, col + 1) == SQLITE_NULL;
	if (sqlite3_column_bytes(st, col) != 64)
		return false;
	f->detail_sha256 = (const char *)kept;
	if (sqlite3_column_type(st, col + 1) != SQLITE_NULL) {
		*redacted = true;
		return sqlite3_column_type(st, 5) == SQLITE_NULL;
	}
	store_audit_detail_sha256(f->text[3], f->len[3], digest);
	return memcmp(digest, kept, 64) == 0;
}

int store_audit_verify(struct store *s, int64_t *checked, int64_t *bad_id)
{
	struct audit_redactions rd = {0};
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
			"hash, detail_sha256, redacted_at FROM audit "
			"ORDER BY id");
	if (!st) {
		r = -EIO;
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_audit_fields f;
		char digest[65];
		bool redacted;

		f.id = sqlite3_column_int64(st, 0);
		f.at = sqlite3_column_int64(st, 1);
		for (int i = 0; i < 4; i++)
			audit_field_from_col(st, 2 + i, &f, i);
		/* A gap means entries were removed (or inserted) here. */
		if (f.id != expect_id || !store_audit_col_hash(st, 6, stored) ||
		    !audit_detail_form(st, 7, &f, digest, &redacted)) {
			bad = f.id;
			break;
		}
		if (redacted && audit_redaction_add(&rd, f.id) < 0) {
			r = store_failf(s, -ENOMEM, "out of memory");
			store_stmt_done(st);
			goto out;
		}
		if (!redacted && f.len[3] &&
		    !strcmp((const char *)f.text[1], "retention.purged"))
			audit_redactions_named(&rd, f.text[3], f.len[3]);
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

	/* dropped, and no purge says so: the first of them */
	if (bad == 0)
		for (size_t k = 0; k < rd.n; k++)
			if (bad == 0 || rd.ids[k] < bad)
				bad = rd.ids[k];
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
	free(rd.ids);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return r;
}
