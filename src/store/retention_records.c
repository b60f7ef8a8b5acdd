/* SPDX-License-Identifier: MIT */
/*
 * Retention of whole records (store_retention.h): the receipts
 * and shipments, and the parts of them a site may keep for less time (a
 * decision's reasons, checklist answers, labels, delivered outbox rows'
 * bodies), found once finished and purged inside the purge's transaction
 * (retention.c).
 *
 * Whether a record is finished and when its period starts is the core's
 * (retention_record_since()); this file reads the facts it needs.  A
 * receipt purged whole stays as a tombstone: its row keeps its id, routine,
 * desk, expected return, state, verdict, refund amount and times, so a
 * rescan of its RMA is still "already decided" and no refund goes twice;
 * its scanned code, clerks, weight, reasons, answers, notes, labels, photos
 * (marked purged, as retention.c does) and outbox bodies go, and so do the
 * details of its audit entries (their hashes stay: store.c).  receipt_purge
 * says what went, and when.
 *
 * Not here: the photos' and the expected returns' own periods
 * (retention.c), deciding when to purge (the daemon).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/store_retention.h"

#include "db.h"
#include "retention_records.h"

static const char retention_records_sql[] =
    "SELECT r.id, r.routine, r.state, coalesce(r.verdict, ''),"
    " CASE r.state WHEN 'decided' THEN r.decided_at"
    "  WHEN 'cancelled' THEN r.cancelled_at"
    "  WHEN 'undone' THEN coalesce(r.undone_at, r.decided_at) END,"
    " (SELECT count(*) FROM outbox o WHERE o.receipt_id = r.id"
    "  AND o.action = 'refund.requested' AND o.state IN ('pending', 'dead')),"
    " (SELECT max(o.delivered_at) FROM outbox o WHERE o.receipt_id = r.id"
    "  AND o.action = 'refund.requested' AND o.state = 'done'),"
    " (SELECT count(*) FROM outbox o WHERE o.receipt_id = r.id"
    "  AND o.state IN ('pending', 'dead')),"
    " coalesce(r.complaint_due_at, 0),"
    " (SELECT group_concat(q.kind, ',') FROM receipt_purge q"
    "  WHERE q.receipt_id = r.id)"
    " FROM receipt r WHERE r.purged_at IS NULL";

static bool retention_wants_records(const struct retention_policy *p)
{
	for (int k = RETENTION_RECEIPTS; k < RETENTION_KIND_COUNT; k++)
		if (p->days[k] > 0)
			return true;
	return false;
}

/* Is part @name in @done ("answers,labels"), purged already? */
static bool retention_part_done(const char *done, const char *name)
{
	size_t n = strlen(name);

	for (const char *c = done; c && *c;) {
		const char *comma = strchr(c, ',');
		size_t len = comma ? (size_t)(comma - c) : strlen(c);

		if (len == n && !memcmp(c, name, n))
			return true;
		c = comma ? comma + 1 : NULL;
	}
	return false;
}

/* The record's items of each kind with a period, not purged yet. */
static int retention_record_items(const struct retention_policy *p,
				  sqlite3_stmt *st, int64_t now,
				  store_retention_fn fn, void *arg)
{
	struct retention_record rec = {0};
	const char *state = (const char *)sqlite3_column_text(st, 2);
	const char *verdict = (const char *)sqlite3_column_text(st, 3);
	const char *done = (const char *)sqlite3_column_text(st, 9);
	struct store_retention_item it = {0};
	const char *routine = (const char *)sqlite3_column_text(st, 1);
	enum retention_kind whole;
	int r = 0;

	rec.ship_qc = routine && !strcmp(routine, "ship_qc");
	rec.open = !state || !strcmp(state, "open");
	rec.on_hold = verdict && !strcmp(verdict, "hold") && state &&
		      !strcmp(state, "decided");
	rec.closed_us = sqlite3_column_int64(st, 4);
	rec.refunds_unconfirmed = sqlite3_column_int(st, 5);
	rec.refund_confirmed_us = sqlite3_column_int64(st, 6);
	rec.outbox_unfinished = sqlite3_column_int(st, 7);
	rec.complaint_due_us = sqlite3_column_int64(st, 8);
	if (retention_record_since(&rec, now, &it.since_us) !=
	    RETENTION_HOLD_NONE)
		return 0; /* not finished: kept whatever the periods say */
	it.id = it.receipt_id = sqlite3_column_int64(st, 0);
	whole = retention_record_kind(&rec);
	for (int k = RETENTION_RECEIPTS; r == 0 && k < RETENTION_KIND_COUNT;
	     k++) {
		if ((k == RETENTION_RECEIPTS || k == RETENTION_SHIPMENTS) &&
		    k != (int)whole)
			continue;
		if (retention_part_done(done, retention_kind_name(k)))
			continue;
		it.kind = k;
		it.expires_us = retention_expires_at(p, k, it.since_us);
		if (it.expires_us != RETENTION_NEVER)
			r = fn(arg, &it);
	}
	return r;
}

int store_retention_walk_records(struct store *s,
				 const struct retention_policy *p, int64_t now,
				 store_retention_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!retention_wants_records(p))
		return 0;
	/* not cached: a daily or by-hand statement */
	rc = sqlite3_prepare_v2(s->db, retention_records_sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = retention_record_items(p, st, now, fn, arg);
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = store_fail(s, rc);
	sqlite3_finalize(st);
	return r;
}

/* Run @sql with ?1 = @id and ?2 = @now (when it names ?2): 0 or -errno. */
static int retention_exec_id(struct store *s, const char *sql, int64_t id,
			     int64_t now)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), r;

	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, now);
	r = store_step_done(s, st);
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

/*
 * A decision's proposal cut to what was paid: the verdict, the amounts
 * and each line's quantity.  store_expected_get() reads what a return's
 * earlier receipts took back from these (expected.c), so a purged
 * decision still keeps a rescan from refunding the same units again; the
 * reasons, grades and dispositions go.
 */
#define RETENTION_PROPOSAL_PAID                                                \
	"CASE WHEN json_valid(proposal_json) THEN json_object("                \
	"'verdict', json_extract(proposal_json, '$.verdict'),"                 \
	" 'currency', json_extract(proposal_json, '$.currency'),"              \
	" 'refund_minor', json_extract(proposal_json, '$.refund_minor'),"      \
	" 'delivery_refund_minor',"                                            \
	" json_extract(proposal_json, '$.delivery_refund_minor'),"             \
	" 'items', (SELECT json_group_array(json_object('quantity',"           \
	" json_extract(j.value, '$.quantity'), 'refund_minor',"                \
	" json_extract(j.value, '$.refund_minor'))) FROM (SELECT value"        \
	" FROM json_each(proposal_json, '$.items') ORDER BY key) j)) END"

/* What each part's purge runs, ?1 the receipt (a tombstone's row stays). */
static const char *const retention_part_sql[RETENTION_KIND_COUNT] = {
    [RETENTION_DECISIONS] =
	"UPDATE receipt SET proposal_json = " RETENTION_PROPOSAL_PAID
	", override_reason = NULL WHERE id = ?1",
    [RETENTION_ANSWERS] = "DELETE FROM checklist_answer WHERE receipt_id = ?1",
    [RETENTION_LABELS] = "DELETE FROM label WHERE receipt_id = ?1",
    [RETENTION_OUTBOX] = "UPDATE outbox SET payload = NULL, last_error = NULL"
			 " WHERE receipt_id = ?1 AND state IN ('done',"
			 " 'cancelled')",
};

/* A whole record: everything but the tombstone's columns. */
static const char *const retention_whole_sql[] = {
    "UPDATE photo SET purged_at = ?2 WHERE receipt_id = ?1"
    " AND purged_at IS NULL",
    "DELETE FROM receipt_item_scan WHERE receipt_id = ?1",
    "DELETE FROM checklist_answer WHERE receipt_id = ?1",
    "DELETE FROM receipt_note WHERE receipt_id = ?1",
    "DELETE FROM label WHERE receipt_id = ?1",
    "UPDATE outbox SET payload = NULL, last_error = NULL"
    " WHERE receipt_id = ?1",
    "UPDATE receipt SET code = '', clerk = '', decided_by = NULL,"
    " override_by = NULL, override_reason = NULL,"
    " proposal_json = " RETENTION_PROPOSAL_PAID ","
    " weighed = 0, weight_g = NULL, weight_mismatch = 0, boot_id = NULL,"
    " boot_us = NULL, purged_at = ?2 WHERE id = ?1",
};

/* The audit entries of receipt @id and of its outbox rows, whose details
 * may name the parcel's code, serials, answers and reasons. */
#define RETENTION_AUDIT_OF                                                     \
	" FROM audit WHERE (subject = 'receipt:' || ?1 OR subject IN"          \
	" (SELECT 'outbox:' || o.id FROM outbox o WHERE o.receipt_id = ?1))"

/* Drop the details of receipt @id's entries, their ids into @redacted;
 * count those too old to drop (no detail_sha256) in @kept_legacy. */
static int retention_redact(struct store *s, int64_t id, int64_t now,
			    json_t *redacted, int *kept_legacy)
{
	sqlite3_stmt *st;
	int rc, r;

	rc = sqlite3_prepare_v2(
	    s->db,
	    "SELECT id, detail_sha256 IS NULL" RETENTION_AUDIT_OF
	    " AND redacted_at IS NULL AND detail IS NOT NULL",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 1))
			(*kept_legacy)++;
		else if (json_array_append_new(
			     redacted,
			     json_integer(sqlite3_column_int64(st, 0))) < 0)
			rc = SQLITE_NOMEM;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc);
	r = retention_exec_id(s,
			      "UPDATE audit SET detail = NULL, redacted_at = ?2"
			      " WHERE id IN (SELECT id" RETENTION_AUDIT_OF
			      " AND redacted_at IS NULL"
			      " AND detail_sha256 IS NOT NULL)",
			      id, now);
	return r;
}

int store_retention_purge_record(struct store *s, enum retention_kind k,
				 int64_t receipt_id, int64_t now,
				 struct retention_record_purge *out)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	/* a part of a record purged whole in this same purge: gone already */
	rc = sqlite3_prepare_v2(
	    s->db,
	    "INSERT INTO receipt_purge (receipt_id, kind, purged_at)"
	    " SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM receipt"
	    " WHERE id = ?1 AND purged_at IS NULL)",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	sqlite3_bind_int64(st, 1, receipt_id);
	sqlite3_bind_text(st, 2, retention_kind_name(k), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	r = store_step_done(s, st);
	sqlite3_finalize(st);
	if (r < 0)
		return r;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	if (k != RETENTION_RECEIPTS && k != RETENTION_SHIPMENTS) {
		if (!retention_part_sql[k])
			return store_failf(s, -EINVAL,
					   "retention: %s is no "
					   "part of a record",
					   retention_kind_name(k));
		r = retention_exec_id(s, retention_part_sql[k], receipt_id,
				      now);
		return r < 0 ? r : 1;
	}
	r = retention_redact(s, receipt_id, now, out->audit_redacted,
			     &out->audit_kept_legacy);
	for (size_t i = 0; r == 0 && i < sizeof(retention_whole_sql) /
					     sizeof(*retention_whole_sql);
	     i++)
		r = retention_exec_id(s, retention_whole_sql[i], receipt_id,
				      now);
	return r < 0 ? r : 1;
}

int store_receipt_purged(struct store *s, int64_t receipt_id,
			 int64_t *purged_at)
{
	sqlite3_stmt *st;
	int rc, r;

	if (!s)
		return -EINVAL;
	rc = sqlite3_prepare_v2(s->db,
				"SELECT purged_at FROM receipt WHERE id = ?1",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	sqlite3_bind_int64(st, 1, receipt_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r = sqlite3_column_type(st, 0) != SQLITE_NULL;
		if (r && purged_at)
			*purged_at = sqlite3_column_int64(st, 0);
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = store_fail(s, rc);
	}
	sqlite3_finalize(st);
	return r;
}

int store_receipt_purged_fail(struct store *s, int64_t receipt_id,
			      int64_t purged_at)
{
	char when[CIVIL_TIME_RFC3339_LEN];

	store_time_rfc3339(purged_at, when, sizeof(when));
	return store_failf(s, -EIDRM,
			   "receipt %" PRId64 " was purged by the station's "
			   "retention at %s; only its tombstone is kept",
			   receipt_id, when);
}
