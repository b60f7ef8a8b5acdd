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

static json_t *store_clerk_row_json(sqlite3_stmt *st)
{
	return json_pack("{s:s, s:s}", "name",
			 (const char *)sqlite3_column_text(st, 0), "role",
			 (const char *)sqlite3_column_text(st, 1));
}

int store_clerk_list(struct store *s, json_t **out)
{
	sqlite3_stmt *st;
	json_t *arr;
	int r;

	if (!s || !out)
		return -EINVAL;
	/* the badge is what signs a clerk in: never listed */
	st = store_stmt(s, STMT_CLERK_LIST,
			"SELECT DISTINCT name, role FROM clerk "
			"ORDER BY name COLLATE NOCASE, role");
	if (!st)
		return -EIO;
	arr = json_array();
	if (!arr) {
		store_stmt_done(st);
		return -ENOMEM;
	}
	r = store_rows_json(s, st, store_clerk_row_json, arr);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

int store_clerk_named(struct store *s, const char *name, char *role,
		      size_t rolelen)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !name || !role || !rolelen)
		return -EINVAL;
	/* names need not be unique: a name shared by a supervisor and a
	 * clerk signs in with the lesser role (a badge proves the other) */
	st = store_stmt(s, STMT_CLERK_BY_NAME,
			"SELECT role FROM clerk WHERE name = ? "
			"ORDER BY role = 'supervisor', badge LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_col_copy(st, 0, role, rolelen);
	else if (rc == SQLITE_DONE)
		r = store_failf(s, -ENOENT, "unknown clerk");
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

int store_clerk_by_badge(struct store *s, const char *badge, char *name,
			 size_t namelen)
{
	return store_clerk_find(s, badge, name, namelen, NULL, 0);
}
