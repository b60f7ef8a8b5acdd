/* SPDX-License-Identifier: MIT */
/*
 * Retention in the store (store_retention.h): finding the photos and the
 * expected returns' personal data whose period ran out, purging them (and
 * the records retention_records.c finds) in one audited transaction, and
 * removing the photo files no kept row names.
 *
 * The order matters for a power cut: rows are marked first (durable, with
 * the audit entry), files removed after; a file left behind by a crash is
 * removed by the next purge, which looks for every purged content still
 * on disk.  The periods' arithmetic is the core's (retention.c).
 *
 * Not here: when the purge runs (the daemon, daily) or printing a report
 * (retourctl retention).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "retour/store_retention.h"

#include "db.h"
#include "photo_upload_tx.h"
#include "retention_records.h"

/* Each receipt's start of retention: the refund the shop confirmed, or
 * the receipt when there is no refund; NULL while a refund is pending. */
#define RETENTION_SINCE                                                        \
	"CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.receipt_id = r.id"   \
	" AND o.action = 'refund.requested' AND o.state = 'pending') THEN "    \
	"NULL"                                                                 \
	" ELSE coalesce((SELECT max(o.delivered_at) FROM outbox o"             \
	" WHERE o.receipt_id = r.id AND o.action = 'refund.requested'"         \
	" AND o.state = 'done'), r.received_at) END"

static const char retention_photos_sql[] =
    "SELECT p.id, p.receipt_id, p.sha256, p.step, p.bytes, " RETENTION_SINCE
    " FROM photo p JOIN receipt r ON r.id = p.receipt_id"
    " WHERE p.purged_at IS NULL";

/* An expected return's personal data: from its newest receipt's start,
 * else (never received) from its last import or its cancellation. */
static const char retention_expected_sql[] =
    "SELECT e.id, (SELECT max(r.id) FROM receipt r WHERE r.expected_id ="
    " e.id), coalesce((SELECT " RETENTION_SINCE " FROM receipt r"
    " WHERE r.expected_id = e.id ORDER BY r.id DESC LIMIT 1),"
    " CASE WHEN EXISTS (SELECT 1 FROM receipt r WHERE r.expected_id ="
    " e.id) THEN NULL ELSE max(e.updated_at, coalesce(e.cancelled_at, 0))"
    " END)"
    " FROM expected e WHERE e.personal_purged_at IS NULL";

static int retention_walk_photos(struct store *s,
				 const struct retention_policy *p,
				 store_retention_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	/* not cached: a daily or by-hand statement */
	rc = sqlite3_prepare_v2(s->db, retention_photos_sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_retention_item it = {0};

		if (sqlite3_column_type(st, 5) == SQLITE_NULL)
			continue;
		it.id = sqlite3_column_int64(st, 0);
		it.receipt_id = sqlite3_column_int64(st, 1);
		store_col_copy(st, 2, it.sha256, sizeof(it.sha256));
		store_col_copy(st, 3, it.step, sizeof(it.step));
		it.bytes = sqlite3_column_int64(st, 4);
		it.since_us = sqlite3_column_int64(st, 5);
		it.kind = retention_photo_kind(it.step);
		it.expires_us = retention_expires_at(p, it.kind, it.since_us);
		if (it.expires_us != RETENTION_NEVER)
			r = fn(arg, &it);
	}
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = store_fail(s, rc);
	sqlite3_finalize(st);
	return r;
}

static int retention_walk_expected(struct store *s,
				   const struct retention_policy *p,
				   store_retention_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (p->days[RETENTION_PERSONAL] <= 0)
		return 0;
	rc = sqlite3_prepare_v2(s->db, retention_expected_sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_retention_item it = {.kind = RETENTION_PERSONAL};

		if (sqlite3_column_type(st, 2) == SQLITE_NULL)
			continue;
		it.id = sqlite3_column_int64(st, 0);
		it.receipt_id = sqlite3_column_int64(st, 1);
		it.since_us = sqlite3_column_int64(st, 2);
		it.expires_us = retention_expires_at(p, it.kind, it.since_us);
		if (it.expires_us != RETENTION_NEVER)
			r = fn(arg, &it);
	}
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = store_fail(s, rc);
	sqlite3_finalize(st);
	return r;
}

int store_retention_walk(struct store *s, const struct retention_policy *p,
			 int64_t now, store_retention_fn fn, void *arg)
{
	int r;

	if (!s || !p || !fn)
		return -EINVAL;
	r = store_tx_begin_read(s);
	if (r < 0)
		return r;
	r = retention_walk_photos(s, p, fn, arg);
	if (r == 0)
		r = retention_walk_expected(s, p, fn, arg);
	if (r == 0)
		r = store_retention_walk_records(s, p, now, fn, arg);
	store_tx_end_read(s);
	return r;
}

struct retention_due {
	enum retention_kind kind;
	int64_t id;
};

struct retention_purge {
	const struct retention_policy *p;
	int64_t now;
	struct store_retention_result *res;
	struct store *s;
	sqlite3_stmt *mark_photo, *clear_codes, *mark_expected;
	json_t *photos, *expected, *records;
	struct retention_record_purge rec;
	/* what is due, gathered before anything changes: no row is updated
	 * under a statement still walking its table */
	struct retention_due *due;
	size_t n_due, cap_due;
};

static int retention_gather(void *arg, const struct store_retention_item *it)
{
	struct retention_purge *pg = arg;
	json_t *o;

	if (it->expires_us > pg->now)
		return 0;
	if (pg->n_due == pg->cap_due) {
		size_t cap = pg->cap_due ? 2 * pg->cap_due : 256;
		struct retention_due *d =
		    realloc(pg->due, cap * sizeof(*pg->due));

		if (!d)
			return store_failf(pg->s, -ENOMEM, "out of memory");
		pg->due = d;
		pg->cap_due = cap;
	}
	pg->due[pg->n_due++] = (struct retention_due){it->kind, it->id};
	if (retention_kind_is_record(it->kind)) {
		return 0; /* counted when purged: a part may be gone whole */
	} else if (it->kind == RETENTION_PERSONAL) {
		o = json_integer(it->id);
		if (!o || json_array_append_new(pg->expected, o) < 0)
			return store_failf(pg->s, -ENOMEM, "out of memory");
	} else {
		o = json_pack("{s:I,s:I,s:s,s:s}", "id", (json_int_t)it->id,
			      "receipt", (json_int_t)it->receipt_id, "sha256",
			      it->sha256, "kind",
			      retention_kind_name(it->kind));
		if (!o || json_array_append_new(pg->photos, o) < 0)
			return store_failf(pg->s, -ENOMEM, "out of memory");
		pg->res->photo_bytes += it->bytes;
	}
	pg->res->n[it->kind]++;
	return 0;
}

/* Whole records before anything else, then as found. */
static int retention_due_order(const void *a, const void *b)
{
	const struct retention_due *x = a, *y = b;
	bool wx =
	    x->kind == RETENTION_RECEIPTS || x->kind == RETENTION_SHIPMENTS;
	bool wy =
	    y->kind == RETENTION_RECEIPTS || y->kind == RETENTION_SHIPMENTS;

	if (wx != wy)
		return wx ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int retention_purge_one(struct retention_purge *pg,
			       const struct retention_due *d)
{
	sqlite3_stmt *st = pg->mark_photo;
	int r;

	if (retention_kind_is_record(d->kind)) {
		json_t *o;

		r = store_retention_purge_record(pg->s, d->kind, d->id, pg->now,
						 &pg->rec);
		if (r <= 0)
			return r;
		pg->res->n[d->kind]++;
		o = json_pack("{s:I,s:s}", "receipt", (json_int_t)d->id, "kind",
			      retention_kind_name(d->kind));
		if (!o || json_array_append_new(pg->records, o) < 0)
			return store_failf(pg->s, -ENOMEM, "out of memory");
		return 0;
	}
	if (d->kind == RETENTION_PERSONAL) {
		sqlite3_bind_int64(pg->clear_codes, 1, d->id);
		r = store_step_done(pg->s, pg->clear_codes);
		if (r < 0)
			return r;
		st = pg->mark_expected;
	}
	sqlite3_bind_int64(st, 1, pg->now);
	sqlite3_bind_int64(st, 2, d->id);
	return store_step_done(pg->s, st);
}

static int retention_prepare(struct store *s, const char *sql,
			     sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);

	return rc == SQLITE_OK ? 0 : store_fail(s, rc);
}

static int retention_purge_apply(struct store *s, void *arg,
				 struct store_entry *e)
{
	struct retention_purge *pg = arg;
	int r, total = 0;

	r = retention_prepare(s,
			      "UPDATE photo SET purged_at = ?1 WHERE id = ?2"
			      " AND purged_at IS NULL",
			      &pg->mark_photo);
	if (r == 0)
		r = retention_prepare(
		    s, "DELETE FROM expected_code WHERE expected_id = ?1",
		    &pg->clear_codes);
	if (r == 0)
		r = retention_prepare(s,
				      "UPDATE expected SET personal_purged_at ="
				      " ?1 WHERE id = ?2",
				      &pg->mark_expected);
	if (r == 0)
		r = retention_walk_photos(s, pg->p, retention_gather, pg);
	if (r == 0)
		r = retention_walk_expected(s, pg->p, retention_gather, pg);
	if (r == 0)
		r = store_retention_walk_records(s, pg->p, pg->now,
						 retention_gather, pg);
	/* whole records first: their parts then have nothing left to do
	 * (nothing due: no array, and qsort wants one even for none) */
	if (pg->n_due)
		qsort(pg->due, pg->n_due, sizeof(*pg->due),
		      retention_due_order);
	for (size_t i = 0; r == 0 && i < pg->n_due; i++)
		r = retention_purge_one(pg, &pg->due[i]);
	/* what the bucket holds of them goes too */
	if (r == 0)
		r = store_photo_upload_forget_tx(s, pg->now,
						 &pg->res->bucket_deletes);
	if (r < 0)
		return r;
	pg->res->audit_redacted = (int)json_array_size(pg->rec.audit_redacted);
	pg->res->audit_kept_legacy = pg->rec.audit_kept_legacy;
	for (int k = 0; k < RETENTION_KIND_COUNT; k++) {
		total += pg->res->n[k];
		json_object_set_new(e->detail, retention_kind_name(k),
				    json_integer(pg->res->n[k]));
	}
	if (total == 0)
		return 1; /* nothing due: no entry */
	json_object_set_new(e->detail, "photo_bytes",
			    json_integer(pg->res->photo_bytes));
	json_object_set_new(e->detail, "bucket_deletes",
			    json_integer(pg->res->bucket_deletes));
	json_object_set(e->detail, "photos", pg->photos);
	json_object_set(e->detail, "expected", pg->expected);
	json_object_set(e->detail, "records", pg->records);
	/* the entries whose detail went: audit verify wants them named */
	json_object_set(e->detail, "audit_redacted", pg->rec.audit_redacted);
	json_object_set_new(e->detail, "audit_kept_legacy",
			    json_integer(pg->rec.audit_kept_legacy));
	for (int k = 0; k < RETENTION_KIND_COUNT; k++)
		json_object_set_new(e->detail, retention_kind_key(k),
				    json_integer(pg->p->days[k]));
	return 0;
}

/* Remove the files of purged contents that no kept row names. */
static int retention_unlink_purged(struct store *s,
				   struct store_retention_result *res)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(
	    s->db,
	    "SELECT DISTINCT p.path FROM photo p WHERE p.purged_at IS NOT NULL"
	    " AND NOT EXISTS (SELECT 1 FROM photo q WHERE q.sha256 = p.sha256"
	    " AND q.purged_at IS NULL)",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);

		if (!path)
			continue;
		if (unlink(path) == 0)
			res->files_removed++;
		else if (errno == ENOENT)
			res->files_gone++;
		else
			res->files_failed++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

int store_retention_purge(struct store *s, const struct retention_policy *p,
			  int64_t now, const char *actor,
			  struct store_retention_result *res)
{
	struct store_retention_result dummy;
	struct retention_purge pg = {.p = p, .now = now, .s = s};
	struct store_entry e = {.actor = actor,
				.action = "retention.purged",
				.subject = "retention",
				.at = now};
	int r;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	if (!s || !p)
		return -EINVAL;
	pg.res = res;
	pg.photos = json_array();
	pg.expected = json_array();
	pg.records = json_array();
	pg.rec.audit_redacted = json_array();
	e.detail = json_object();
	if (!pg.photos || !pg.expected || !pg.records ||
	    !pg.rec.audit_redacted || !e.detail) {
		json_decref(pg.photos);
		json_decref(pg.expected);
		json_decref(pg.records);
		json_decref(pg.rec.audit_redacted);
		json_decref(e.detail);
		return -ENOMEM;
	}
	r = store_write(s, STORE_DURABLE, retention_purge_apply, &pg, &e);
	sqlite3_finalize(pg.mark_photo);
	sqlite3_finalize(pg.clear_codes);
	sqlite3_finalize(pg.mark_expected);
	json_decref(pg.photos);
	json_decref(pg.expected);
	json_decref(pg.records);
	json_decref(pg.rec.audit_redacted);
	free(pg.due);
	if (r < 0) {
		memset(res, 0, sizeof(*res));
		return r;
	}
	/* also when nothing was due now: a crash may have left files */
	return retention_unlink_purged(s, res);
}

int store_disk_usage(struct store *s, int64_t since_us,
		     struct store_disk_usage *out)
{
	sqlite3_stmt *st;
	int rc;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	rc = sqlite3_prepare_v2(
	    s->db,
	    "SELECT (SELECT coalesce(sum(b), 0) FROM (SELECT max(bytes) AS b"
	    " FROM photo WHERE purged_at IS NULL GROUP BY sha256)),"
	    " (SELECT coalesce(sum(bytes), 0) FROM photo WHERE taken_at >= ?1),"
	    " (SELECT count(*) FROM receipt WHERE received_at >= ?1),"
	    " (SELECT count(*) FROM receipt)",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	sqlite3_bind_int64(st, 1, since_us);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->photo_bytes = sqlite3_column_int64(st, 0);
		out->photo_bytes_since = sqlite3_column_int64(st, 1);
		out->receipts_since = sqlite3_column_int64(st, 2);
		out->receipts_total = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, rc);
}
