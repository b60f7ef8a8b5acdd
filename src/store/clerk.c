/* SPDX-License-Identifier: MIT */
/*
 * Clerks: the badge a clerk signs in with, the name the record shows, and
 * the clerk's role (clerk, packer, supervisor).
 *
 * Not here: what a role may do (the daemon), sessions.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "db.h"

struct clerk_put {
	const char *badge;
	const char *name;
	const char *role;
	int64_t now;
};

bool store_clerk_role_valid(const char *role)
{
	return role && (!strcmp(role, "clerk") || !strcmp(role, "packer") ||
			!strcmp(role, "supervisor"));
}

static int store_clerk_put_apply(struct store *s, void *arg,
				 struct store_entry *e)
{
	struct clerk_put *c = arg;
	sqlite3_stmt *st;

	(void)e;
	st = store_stmt(s, STMT_CLERK_PUT,
			"INSERT INTO clerk (badge, name, role, created_at, "
			"updated_at) VALUES (?1, ?2, ?3, ?4, ?4) "
			"ON CONFLICT (badge) DO UPDATE SET name = ?2, "
			"role = ?3, updated_at = ?4");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, c->badge, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, c->now);
	return store_step_done(s, st);
}

int store_clerk_put_role(struct store *s, const char *badge, const char *name,
			 const char *role, int64_t now)
{
	struct clerk_put c = {.badge = badge,
			      .name = name,
			      .role = role ? role : "clerk",
			      .now = now};
	struct store_entry e = {
	    .actor = "station", .action = "clerk.put", .at = now};

	if (!s || !badge || !*badge || !name)
		return -EINVAL;
	if (!store_clerk_role_valid(c.role))
		return store_failf(s, -EINVAL,
				   "role must be clerk, packer or supervisor");
	/* The badge is a credential of sorts: the log names the clerk. */
	snprintf(e.subject_buf, sizeof(e.subject_buf), "clerk:%s", name);
	e.detail = json_pack("{s:s}", "role", c.role);
	return store_write(s, STORE_DURABLE, store_clerk_put_apply, &c, &e);
}

int store_clerk_put(struct store *s, const char *badge, const char *name,
		    int64_t now)
{
	return store_clerk_put_role(s, badge, name, "clerk", now);
}

int store_clerk_find(struct store *s, const char *badge, char *name,
		     size_t namelen, char *role, size_t rolelen)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !badge || !name || !namelen)
		return -EINVAL;
	st = store_stmt(s, STMT_CLERK_GET,
			"SELECT name, role FROM clerk WHERE badge = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, badge, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_col_copy(st, 0, name, namelen);
		if (role && rolelen)
			store_col_copy(st, 1, role, rolelen);
	} else if (rc == SQLITE_DONE) {
		r = store_failf(s, -ENOENT, "unknown badge");
	} else {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	return r;
}

int store_clerk_by_badge(struct store *s, const char *badge, char *name,
			 size_t namelen)
{
	return store_clerk_find(s, badge, name, namelen, NULL, 0);
}
