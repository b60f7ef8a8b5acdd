/* SPDX-License-Identifier: MIT */
/*
 * An expected return the shop called off (DELETE /api/v1/expected/{id}):
 * marked with when, in one audited write, and so no longer matched at the
 * desk (store_expected_find); importing it again clears the mark
 * (expected.c).  One that a receipt is open or decided on is refused: its
 * decision and refund rest on it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "db.h"

struct expected_cancel {
	int64_t id;
	int64_t now;
};

static int store_expected_cancel_apply(struct store *s, void *arg,
				       struct store_entry *e)
{
	struct expected_cancel *c = arg;
	sqlite3_stmt *st;
	int rc, r;

	st = store_stmt(s, STMT_EXP_AT_DESK,
			"SELECT (SELECT cancelled_at FROM expected "
			"WHERE id = ?1), (SELECT id FROM receipt "
			"WHERE expected_id = ?1 AND state IN ('open', "
			"'decided') ORDER BY id DESC LIMIT 1), "
			"EXISTS (SELECT 1 FROM expected WHERE id = ?1)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, c->id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		r = store_fail(s, rc);
		store_stmt_done(st);
		return r;
	}
	if (!sqlite3_column_int(st, 2))
		r = store_failf(s, -ENOENT, "no expected return %" PRId64,
				c->id);
	else if (sqlite3_column_type(st, 1) != SQLITE_NULL)
		r = store_failf(s, -EPERM,
				"expected return %" PRId64 " is at the desk: "
				"receipt %lld is open or decided on it",
				c->id, (long long)sqlite3_column_int64(st, 1));
	else if (sqlite3_column_type(st, 0) != SQLITE_NULL)
		r = 1; /* cancelled already: nothing to record */
	else
		r = 0;
	store_stmt_done(st);
	if (r)
		return r;
	st = store_stmt(s, STMT_EXP_CANCEL,
			"UPDATE expected SET cancelled_at = ?2, "
			"updated_at = ?2 WHERE id = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_int64(st, 2, c->now);
	r = store_step_done(s, st);
	if (r < 0)
		return r;
	store_entry_subject(e, "expected", c->id);
	return 0;
}

int store_expected_cancel(struct store *s, int64_t id, const char *actor,
			  int64_t now)
{
	struct expected_cancel c = {.id = id, .now = now};
	struct store_entry e = {
	    .actor = actor, .action = "expected.cancel", .at = now};
	int r;

	if (!s)
		return -EINVAL;
	r = store_write(s, STORE_DURABLE, store_expected_cancel_apply, &c, &e);
	return r == 1 ? 0 : r;
}
