/* SPDX-License-Identifier: MIT */
/*
 * A photo's upload in the store (photo_upload.h): one outbox row of
 * action "photo.upload" per content, keyed "photo:<sha256>", queued in
 * the write that records the photo, so a photo on record is never left
 * without its upload, nor uploaded twice; and the backlog the station
 * shows (how many wait, since when).
 *
 * The row belongs to no receipt (receipt_id NULL): an undo of the
 * decision does not take a photo back, and an upload in flight never
 * holds an undo up.  Its body names the photo; the sender reads the file.
 * A content retention purged goes from the bucket too: a "photo.delete"
 * row after its upload, on the same lane.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "retour/photo_upload.h"

#include "db.h"
#include "outbox_tx.h"
#include "photo_upload_tx.h"

int store_photo_upload_queue_tx(struct store *s, int64_t photo_id,
				int64_t receipt_id,
				const struct photo_upload_new *up, int64_t now)
{
	struct outbox_new o = {.action = PHOTO_UPLOAD_ACTION,
			       .not_before = now};
	sqlite3_stmt *st;
	json_t *body;
	int rc, r;

	snprintf(o.key, sizeof(o.key), "photo:%s", up->sha256);
	st = store_stmt(s, STMT_PHU_KNOWN,
			"SELECT 1 FROM outbox WHERE idempotency_key = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, o.key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (rc == SQLITE_ROW)
		return 0; /* the same content: queued or uploaded already */
	if (rc != SQLITE_DONE)
		return store_fail(s, rc);
	body =
	    json_pack("{s:I,s:I,s:s,s:s,s:I,s:s}", "photo",
		      (json_int_t)photo_id, "receipt", (json_int_t)receipt_id,
		      "sha256", up->sha256, "path", up->path, "bytes",
		      (json_int_t)up->bytes, "object_key", up->object_key);
	o.payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!o.payload)
		return store_failf(s, -ENOMEM, "out of memory");
	r = store_outbox_insert_tx(s, 0, &o, now);
	free((char *)o.payload);
	return r;
}

int store_photo_upload_forget_tx(struct store *s, int64_t now, int *n)
{
	/* "photo:" is 6 bytes: the content is the key's rest */
	static const char sql[] =
	    "SELECT substr(o.idempotency_key, 7), o.payload FROM outbox o"
	    " WHERE o.action = '" PHOTO_UPLOAD_ACTION "'"
	    " AND NOT EXISTS (SELECT 1 FROM photo p"
	    "  WHERE p.sha256 = substr(o.idempotency_key, 7)"
	    "  AND p.purged_at IS NULL)"
	    " AND NOT EXISTS (SELECT 1 FROM outbox d WHERE d.idempotency_key ="
	    "  'photo-delete:' || substr(o.idempotency_key, 7))"
	    " ORDER BY o.id";
	sqlite3_stmt *st;
	int rc, r = 0;

	*n = 0;
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sha = (const char *)sqlite3_column_text(st, 0);
		const char *up = (const char *)sqlite3_column_text(st, 1);
		json_t *was = up ? json_loads(up, 0, NULL) : NULL;
		json_t *key = json_object_get(was, "object_key");
		/* due at once: @now may be a purge's --at, days ahead */
		struct outbox_new o = {.action = PHOTO_DELETE_ACTION,
				       .not_before = 0};
		json_t *body;

		/* an upload row without its object key names nothing the
		 * bucket holds under a key we know: nothing to delete */
		if (!sha || !json_is_string(key)) {
			json_decref(was);
			continue;
		}
		snprintf(o.key, sizeof(o.key), "photo-delete:%s", sha);
		body = json_pack("{s:s,s:O}", "sha256", sha, "object_key", key);
		o.payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		json_decref(was);
		if (!o.payload)
			r = store_failf(s, -ENOMEM, "out of memory");
		else
			r = store_outbox_insert_tx(s, 0, &o, now);
		free((char *)o.payload);
		if (r == 0)
			(*n)++;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_fail(s, rc);
	sqlite3_finalize(st);
	return r;
}

int store_photo_upload_backlog(struct store *s, int64_t *waiting,
			       int64_t *oldest_at)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !waiting || !oldest_at)
		return -EINVAL;
	st = store_stmt(s, STMT_PHU_BACKLOG,
			"SELECT count(*), coalesce(min(created_at), 0) "
			"FROM outbox WHERE state = 'pending' "
			"AND action = '" PHOTO_UPLOAD_ACTION "'");
	if (!st)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*waiting = sqlite3_column_int64(st, 0);
		*oldest_at = sqlite3_column_int64(st, 1);
	} else {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	return r;
}
