/* SPDX-License-Identifier: MIT */
/*
 * Clerks: the badge a clerk signs in with and the name the record shows.
 *
 * Not here: who may do what (the daemon), sessions.
 */
#include <errno.h>
#include <stdio.h>

#include "db.h"

struct clerk_put {
	const char *badge;
	const char *name;
	int64_t now;
};

static int store_clerk_put_apply(struct store *s, void *arg,
				 struct store_entry *e)
{
	struct clerk_put *c = arg;
	sqlite3_stmt *st;

	st = store_stmt(s, STMT_CLERK_PUT,
			"INSERT INTO clerk (badge, name, created_at, "
			"updated_at) VALUES (?1, ?2, ?3, ?3) "
			"ON CONFLICT (badge) DO UPDATE SET name = ?2, "
			"updated_at = ?3");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, c->badge, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->now);
	return store_step_done(s, st);
}

int store_clerk_put(struct store *s, const char *badge, const char *name,
		    int64_t now)
{
	struct clerk_put c = {.badge = badge, .name = name, .now = now};
	struct store_entry e = {
	    .actor = "station", .action = "clerk.put", .at = now};

	if (!s || !badge || !*badge || !name)
		return -EINVAL;
	/* The badge is a credential of sorts: the log names the clerk. */
	snprintf(e.subject_buf, sizeof(e.subject_buf), "clerk:%s", name);
	return store_write(s, STORE_DURABLE, store_clerk_put_apply, &c, &e);
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
