/* SPDX-License-Identifier: MIT */
/*
 * What the desk's screen shows of a receipt while it is on the desk and
 * just after: its photos (their ids, to fetch them), the items scanned
 * that are not in the order, and the state of its refund's outbox row;
 * and one photo by id, for GET /api/v1/photos/{id}.  Read only, a few
 * indexed rows each: the status asks on every change.
 *
 * Not here: the receipt's whole record (receipt_view.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"

/* Run @st, one JSON object per row from @fn, into a new array *@out. */
static int store_live_rows(struct store *s, sqlite3_stmt *st,
			   json_t *(*fn)(sqlite3_stmt *), json_t **out)
{
	json_t *arr = json_array();
	int r;

	if (!arr) {
		store_stmt_done(st);
		return -ENOMEM;
	}
	r = store_rows_json(s, st, fn, arr);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

static json_t *store_live_photo_json(sqlite3_stmt *st)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "step", store_json_text(st, 1));
	store_json_set_time(o, "taken_at", st, 2);
	json_object_del(o, "taken_at_us");
	json_object_set_new(o, "sha256", store_json_text(st, 3));
	json_object_set_new(o, "object_key", store_json_text(st, 4));
	json_object_set_new(o, "upload", store_json_text(st, 5));
	return o;
}

int store_receipt_photos_brief(struct store *s, int64_t receipt_id,
			       json_t **out)
{
	sqlite3_stmt *st;

	if (!s || !out)
		return -EINVAL;
	st = store_stmt(s, STMT_LIVE_PHOTOS,
			"SELECT id, step, taken_at, sha256, object_key, "
			"(SELECT state FROM outbox WHERE idempotency_key = "
			"'photo:' || photo.sha256) FROM photo "
			"WHERE receipt_id = ? ORDER BY id");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	return store_live_rows(s, st, store_live_photo_json, out);
}

static json_t *store_live_extra_json(sqlite3_stmt *st)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "code", store_json_text(st, 0));
	json_object_set_new(o, "scanned",
			    json_integer(sqlite3_column_int64(st, 1)));
	return o;
}

int store_receipt_extra_scans(struct store *s, int64_t receipt_id, json_t **out)
{
	sqlite3_stmt *st;

	if (!s || !out)
		return -EINVAL;
	/* a unit taken out of the box is a deleted scan: not counted */
	st = store_stmt(s, STMT_LIVE_EXTRA,
			"SELECT gtin, count(*) FROM receipt_item_scan "
			"WHERE receipt_id = ? AND item_index = -1 "
			"GROUP BY gtin ORDER BY min(id)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	return store_live_rows(s, st, store_live_extra_json, out);
}

int store_refund_state(struct store *s, int64_t receipt_id,
		       struct store_refund *out)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	/* the newest: an undo cancels the rows of the decision it undoes,
	 * and the decision after it queues its own */
	st = store_stmt(s, STMT_LIVE_REFUND,
			"SELECT id, state, attempts, shop_ref, last_error, "
			"next_attempt_at FROM outbox WHERE receipt_id = ? "
			"AND action = 'refund.requested' "
			"ORDER BY id DESC LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->outbox_id = sqlite3_column_int64(st, 0);
		store_col_copy(st, 1, out->state, sizeof(out->state));
		out->attempts = sqlite3_column_int(st, 2);
		out->has_shop_ref = sqlite3_column_type(st, 3) != SQLITE_NULL;
		store_col_copy(st, 3, out->shop_ref, sizeof(out->shop_ref));
		store_col_copy(st, 4, out->error, sizeof(out->error));
		out->next_attempt_at = sqlite3_column_int64(st, 5);
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	return r;
}

int store_photo_find(struct store *s, int64_t photo_id, struct store_photo *out)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	st = store_stmt(s, STMT_PHOTO_GET,
			"SELECT receipt_id, sha256, path, bytes FROM photo "
			"WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, photo_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->receipt_id = sqlite3_column_int64(st, 0);
		store_col_copy(st, 1, out->sha256, sizeof(out->sha256));
		if (sqlite3_column_bytes(st, 2) >= (int)sizeof(out->path))
			r = store_failf(s, -ENAMETOOLONG,
					"photo %" PRId64 ": its path is too "
					"long",
					photo_id);
		store_col_copy(st, 2, out->path, sizeof(out->path));
		out->bytes = sqlite3_column_int64(st, 3);
	} else if (rc == SQLITE_DONE) {
		r = store_failf(s, -ENOENT, "no photo %" PRId64, photo_id);
	} else {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	return r;
}
