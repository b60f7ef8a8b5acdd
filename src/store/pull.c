/* SPDX-License-Identifier: MIT */
/*
 * Expected returns pulled from the shops: where each connector goes on
 * from (its cursor, the shop's own text) and how its polls went, one row
 * per connector (include/retour/store.h, store_pull_*).  The returns
 * themselves are stored by store_expected_put(), the push path's; the
 * cursor is written after them, so a crash in between pulls the same page
 * again and store_expected_put() absorbs it.
 *
 * These writes are bookkeeping, not the record: they take no audit entry
 * (each return stored takes its own "expected.put").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "db.h"

int store_pull_get(struct store *s, const char *connector,
		   struct store_pull_state *out)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	memset(out, 0, sizeof(*out));
	if (!s || !connector || !connector[0])
		return -EINVAL;
	st = store_stmt(s, STMT_PULL_GET,
			"SELECT cursor, last_poll_at, last_ok_at, last_error, "
			"imported FROM pull_cursor WHERE connector = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, connector, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_col_copy(st, 0, out->cursor, sizeof(out->cursor));
		out->last_poll_at = sqlite3_column_int64(st, 1);
		out->last_ok_at = sqlite3_column_int64(st, 2);
		store_col_copy(st, 3, out->last_error, sizeof(out->last_error));
		out->imported = sqlite3_column_int64(st, 4);
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	return r;
}

struct pull_write {
	const char *connector;
	const char *cursor; /* NULL: a failure */
	const char *error;
	int64_t imported;
	int64_t at;
};

static int store_pull_apply(struct store *s, void *arg, struct store_entry *e)
{
	const struct pull_write *w = arg;
	sqlite3_stmt *st;

	(void)e;
	if (w->cursor) {
		st = store_stmt(
		    s, STMT_PULL_SAVED,
		    "INSERT INTO pull_cursor (connector, cursor, last_poll_at,"
		    " last_ok_at, last_error, imported) VALUES (?1, ?2, ?3, "
		    "?3, '', ?4) ON CONFLICT (connector) DO UPDATE SET "
		    "cursor = ?2, last_poll_at = ?3, last_ok_at = ?3, "
		    "last_error = '', imported = imported + ?4");
		if (!st)
			return -EIO;
		sqlite3_bind_text(st, 2, w->cursor, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, w->imported);
	} else {
		st = store_stmt(
		    s, STMT_PULL_FAILED,
		    "INSERT INTO pull_cursor (connector, last_poll_at, "
		    "last_error) VALUES (?1, ?3, ?2) ON CONFLICT (connector) "
		    "DO UPDATE SET last_poll_at = ?3, last_error = ?2");
		if (!st)
			return -EIO;
		sqlite3_bind_text(st, 2, w->error, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 1, w->connector, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, w->at);
	return store_step_done(s, st);
}

int store_pull_saved(struct store *s, const char *connector, const char *cursor,
		     int64_t imported, int64_t polled_at)
{
	struct pull_write w = {.connector = connector,
			       .cursor = cursor,
			       .imported = imported,
			       .at = polled_at};
	struct store_entry e = {.at = polled_at};

	if (!s || !connector || !connector[0] || !cursor || imported < 0 ||
	    strlen(cursor) >= STORE_PULL_CURSOR_LEN)
		return -EINVAL;
	return store_write(s, STORE_DURABLE, store_pull_apply, &w, &e);
}

int store_pull_failed(struct store *s, const char *connector, const char *error,
		      int64_t at)
{
	char text[STORE_PULL_ERROR_LEN];
	struct pull_write w = {.connector = connector, .error = text, .at = at};
	struct store_entry e = {.at = at};

	if (!s || !connector || !connector[0])
		return -EINVAL;
	snprintf(text, sizeof(text), "%s", error && *error ? error : "failed");
	return store_write(s, STORE_DURABLE, store_pull_apply, &w, &e);
}
