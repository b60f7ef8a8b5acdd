/* SPDX-License-Identifier: MIT */
/*
 * A receipt's labels after its decision: printed again on request, and the
 * VOID label an undo prints for the label it cancels.  Each is a new label
 * row (so the print's outcome is recorded on it) with its audit entry, in
 * one transaction.
 *
 * Not here: the decision's own label (decision.c writes it with the
 * decision) and the print outcome (store_label_mark_printed).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "receipt.h"

/* The id and ZPL (malloc'd; NULL when not kept) of the newest label. */
static int store_label_newest(struct store *s, int64_t receipt_id, int64_t *id,
			      char **zpl)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	*id = 0;
	*zpl = NULL;
	st = store_stmt(s, STMT_LABEL_NEWEST,
			"SELECT id, zpl FROM label WHERE receipt_id = ? "
			"ORDER BY id DESC LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			*zpl = strdup((const char *)sqlite3_column_text(st, 1));
			if (!*zpl)
				r = store_failf(s, -ENOMEM, "out of memory");
		}
	} else if (rc != SQLITE_DONE) {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	return r;
}

static int store_label_insert(struct store *s, int64_t receipt_id,
			      const char *zpl, int64_t now, int64_t *id)
{
	sqlite3_stmt *st;
	int r;

	st = store_stmt(s, STMT_LABEL_ADD,
			"INSERT INTO label (receipt_id, zpl, created_at) "
			"VALUES (?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	sqlite3_bind_text(st, 2, zpl, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	r = store_step_done(s, st);
	if (r == 0)
		*id = sqlite3_last_insert_rowid(s->db);
	return r;
}

struct label_again {
	int64_t receipt_id;
	int64_t now;
	const char *zpl; /* the VOID label; NULL: a reprint */
	char *reprinted; /* the reprint's ZPL, the caller's */
};

static int store_reprint_apply(struct store *s, void *arg,
			       struct store_entry *e)
{
	struct label_again *a = arg;
	char state[16];
	int64_t old_id, new_id;
	int r;

	r = store_receipt_state(s, a->receipt_id, state, sizeof(state));
	if (r < 0)
		return r;
	if (strcmp(state, "decided"))
		return store_failf(s, -ENODATA,
				   "receipt %" PRId64 " is %s, not decided: "
				   "it has no label to print again",
				   a->receipt_id, state);
	r = store_label_newest(s, a->receipt_id, &old_id, &a->reprinted);
	if (r < 0)
		return r;
	if (!a->reprinted)
		return store_failf(s, -ENODATA,
				   "receipt %" PRId64 " has no stored label",
				   a->receipt_id);
	r = store_label_insert(s, a->receipt_id, a->reprinted, a->now, &new_id);
	if (r < 0)
		return r;
	e->detail = json_pack("{s:I,s:I}", "label", (json_int_t)new_id,
			      "copy_of", (json_int_t)old_id);
	return 0;
}

int store_label_reprint(struct store *s, int64_t receipt_id, const char *actor,
			int64_t now, char **zpl)
{
	struct label_again a = {.receipt_id = receipt_id, .now = now};
	struct store_entry e = {
	    .actor = actor, .action = "label.reprint", .at = now};
	int r;

	if (!s || !zpl)
		return -EINVAL;
	*zpl = NULL;
	store_entry_subject(&e, "receipt", receipt_id);
	r = store_write(s, STORE_STEP, store_reprint_apply, &a, &e);
	if (r < 0) {
		free(a.reprinted);
		return r;
	}
	*zpl = a.reprinted;
	return 0;
}

static int store_void_apply(struct store *s, void *arg, struct store_entry *e)
{
	struct label_again *a = arg;
	char state[16], *cancelled = NULL;
	int64_t old_id, new_id;
	int r;

	r = store_receipt_state(s, a->receipt_id, state, sizeof(state));
	if (r < 0)
		return r;
	if (strcmp(state, "undone"))
		return store_failf(s, -ENODATA,
				   "receipt %" PRId64 " is %s, not undone: "
				   "no label to void",
				   a->receipt_id, state);
	r = store_label_newest(s, a->receipt_id, &old_id, &cancelled);
	free(cancelled);
	if (r < 0)
		return r;
	r = store_label_insert(s, a->receipt_id, a->zpl, a->now, &new_id);
	if (r < 0)
		return r;
	e->detail =
	    json_pack("{s:I,s:o}", "label", (json_int_t)new_id, "cancels",
		      old_id ? json_integer(old_id) : json_null());
	return 0;
}

int store_label_void(struct store *s, int64_t receipt_id, const char *zpl,
		     const char *actor, int64_t now)
{
	struct label_again a = {
	    .receipt_id = receipt_id, .now = now, .zpl = zpl};
	struct store_entry e = {
	    .actor = actor, .action = "label.void", .at = now};

	if (!s || !zpl || !*zpl)
		return -EINVAL;
	store_entry_subject(&e, "receipt", receipt_id);
	return store_write(s, STORE_DURABLE, store_void_apply, &a, &e);
}
