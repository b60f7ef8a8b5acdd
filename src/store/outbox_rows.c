/* SPDX-License-Identifier: MIT */
/*
 * The outbox table: refunds and events waiting to go upstream.
 *
 * Rows are only ever created inside the transaction that records the
 * decision they belong to (store_receipt_decide), so a decision without its
 * refund, or a refund without its decision, cannot exist.  The idempotency
 * key is UNIQUE: a second decision of the same receipt must bring new keys
 * (the caller appends the decision number), and the shop sees the same key
 * on every retry of one row, which is what keeps it from refunding twice.
 *
 * A decision's rows carry no body.  The sender renders it when the row is
 * due, from the facts store_outbox_next_due reads with the row in one read
 * transaction (outbox_facts.c): the receipt and its expected return; the
 * facts
 * cannot change under a row that is due, because an undo is refused once a
 * row's grace period is over or the sender has claimed it, and a new
 * decision needs an undo first.
 *
 * The sender claims a row (store_outbox_claim) in a write transaction
 * before it sends it: that is what counts an attempt, and what an undo
 * checks, so an undo and a delivery of the same row never both go through.
 * Marking the outcome (done, retry, dead) does not count again.  A
 * row is rendered only from the decision that made it (its created_at is
 * the decision's decided_at): anything else is reported, never sent.
 *
 * This file does no network I/O and no backoff arithmetic: the sender
 * (src/net/) decides when to retry and tells the store.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

#include "outbox_facts.h"
#include "outbox_tx.h"

#define OUTBOX_COLUMNS                                                         \
	"id, receipt_id, action, idempotency_key, state, attempts, "           \
	"not_before, next_attempt_at, created_at, last_error, shop_ref, "      \
	"delivered_at, payload"

/* The rows of this handle's lane (store_outbox_set_lane): all (0), all
 * but the bucket's (1), the bucket's alone (2: photo uploads and
 * deletes); ?N is the lane. */
#define OUTBOX_LANE_IS(n)                                                      \
	"AND (?" n " = 0 OR (?" n                                              \
	" = 2) = (action IN ('photo.upload', 'photo.delete'))) "

void store_outbox_set_lane(struct store *s, int lane)
{
	if (s)
		s->outbox_lane = lane;
}

/* The rows a decision makes, which an undo retracts.  The facts of the
 * parcel (return.received, return.inspected) and a refund's outcome
 * (refund.succeeded, refund.failed) are not the decision's: an undo
 * neither waits for them nor cancels them. */
#define OUTBOX_DECISION_ROWS                                                   \
	"action IN ('refund.requested', 'return.decided', "                    \
	"'shipment.qc_passed', 'shipment.qc_failed')"

static bool outbox_state_valid(const char *state)
{
	return !strcmp(state, "pending") || !strcmp(state, "done") ||
	       !strcmp(state, "dead") || !strcmp(state, "cancelled");
}

int store_outbox_insert_tx(struct store *s, int64_t receipt_id,
			   const struct outbox_new *o, int64_t now)
{
	sqlite3_stmt *st;
	size_t keylen;
	int r;

	keylen = strnlen(o->key, sizeof(o->key));
	if (!o->action || !*o->action || strlen(o->action) >= 32)
		return store_failf(s, -EINVAL,
				   "outbox action missing or "
				   "longer than 31 characters");
	if (keylen == 0 || keylen == sizeof(o->key))
		return store_failf(s, -EINVAL,
				   "outbox %s: idempotency key "
				   "missing or too long",
				   o->action);
	st = store_stmt(s, STMT_OBX_INSERT,
			"INSERT INTO outbox (receipt_id, action, "
			"idempotency_key, payload, state, attempts, "
			"not_before, next_attempt_at, created_at, updated_at) "
			"VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	if (receipt_id > 0)
		sqlite3_bind_int64(st, 1, receipt_id);
	else
		sqlite3_bind_null(st, 1); /* a device's event: no receipt's */
	sqlite3_bind_text(st, 2, o->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->key, (int)keylen, SQLITE_STATIC);
	if (o->payload)
		sqlite3_bind_text(st, 4, o->payload, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, o->not_before);
	sqlite3_bind_int64(st, 6, o->not_before);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, now);
	r = store_step_done(s, st);
	if (r == -EEXIST)
		return store_failf(s, -EEXIST,
				   "outbox idempotency key '%.*s' is already "
				   "used; a new decision needs new keys",
				   (int)keylen, o->key);
	return r;
}

/* What a row carries, for the clerk: "refund", or the event's name. */
static const char *outbox_what(const char *action)
{
	return strcmp(action, "refund.requested") ? action : "refund";
}

int store_outbox_cancel_receipt_tx(struct store *s, int64_t receipt_id,
				   int64_t now, int *n_cancelled)
{
	char state[12], action[32], when[40];
	int64_t id, not_before;
	sqlite3_stmt *st;
	int rc, r, attempts;

	/* A row the sender claimed (attempts > 0), that is finished, or
	 * whose grace period is over may be on the wire right now (the
	 * sender runs on its own handle): the decision stands.  The sender
	 * claims a row in a write transaction before sending it, and this
	 * runs in one, so the two cannot both succeed. */
	st = store_stmt(s, STMT_OBX_BLOCKING,
			"SELECT id, state, attempts, action, not_before "
			"FROM outbox WHERE receipt_id = ?1 "
			"AND " OUTBOX_DECISION_ROWS " "
			"AND state <> 'cancelled' "
			"AND (state <> 'pending' OR attempts > 0 "
			"OR not_before <= ?2) "
			"ORDER BY (state = 'pending' AND attempts = 0), id "
			"LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		store_col_copy(st, 1, state, sizeof(state));
		attempts = sqlite3_column_int(st, 2);
		store_col_copy(st, 3, action, sizeof(action));
		not_before = sqlite3_column_int64(st, 4);
		store_stmt_done(st);
		if (!strcmp(state, "done"))
			return store_failf(s, -EALREADY,
					   "receipt %" PRId64 ": the shop "
					   "already has its %s (outbox row "
					   "%" PRId64 ")",
					   receipt_id, outbox_what(action), id);
		if (strcmp(state, "pending") || attempts > 0)
			return store_failf(s, -EALREADY,
					   "receipt %" PRId64 ": its %s is "
					   "already on its way to the shop "
					   "(outbox row %" PRId64 ")",
					   receipt_id, outbox_what(action), id);
		store_time_rfc3339(not_before, when, sizeof(when));
		return store_failf(s, -EALREADY,
				   "receipt %" PRId64 ": its grace period "
				   "ended at %s; its %s may already be on "
				   "its way to the shop",
				   receipt_id, when, outbox_what(action));
	}
	if (rc != SQLITE_DONE) {
		r = store_fail(s, rc);
		store_stmt_done(st);
		return r;
	}
	store_stmt_done(st);

	st = store_stmt(s, STMT_OBX_CANCEL_RECEIPT,
			"UPDATE outbox SET state = 'cancelled', updated_at = ? "
			"WHERE receipt_id = ? AND state = 'pending' "
			"AND " OUTBOX_DECISION_ROWS);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, receipt_id);
	r = store_step_done(s, st);
	if (r < 0)
		return r;
	if (n_cancelled)
		*n_cancelled = sqlite3_changes(s->db);
	return 0;
}

static json_t *outbox_row_json(sqlite3_stmt *st)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	if (sqlite3_column_type(st, 1) == SQLITE_NULL)
		json_object_set_new(o, "receipt_id", json_null());
	else
		json_object_set_new(o, "receipt_id",
				    json_integer(sqlite3_column_int64(st, 1)));
	json_object_set_new(o, "action", store_json_text(st, 2));
	json_object_set_new(o, "key", store_json_text(st, 3));
	json_object_set_new(o, "state", store_json_text(st, 4));
	json_object_set_new(o, "attempts",
			    json_integer(sqlite3_column_int64(st, 5)));
	store_json_set_time(o, "not_before", st, 6);
	store_json_set_time(o, "next_attempt_at", st, 7);
	store_json_set_time(o, "created_at", st, 8);
	json_object_set_new(o, "last_error", store_json_text(st, 9));
	json_object_set_new(o, "shop_ref", store_json_text(st, 10));
	store_json_set_time(o, "delivered_at", st, 11);
	return o;
}

static int outbox_collect(struct store *s, sqlite3_stmt *st, json_t *arr)
{
	return store_rows_json(s, st, outbox_row_json, arr);
}

int store_outbox_json_for_receipt(struct store *s, int64_t receipt_id,
				  json_t *arr)
{
	sqlite3_stmt *st;

	st = store_stmt(s, STMT_OBX_LIST_RECEIPT,
			"SELECT " OUTBOX_COLUMNS " FROM outbox "
			"WHERE receipt_id = ? ORDER BY id");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	return outbox_collect(s, st, arr);
}

int store_outbox_next_due(struct store *s, int64_t now, struct outbox_row *out)
{
	return store_outbox_due_row(s, now, 0, out);
}

int store_outbox_due_ids(struct store *s, int64_t now, int64_t *ids, int max)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (!s || !ids || max <= 0)
		return -EINVAL;
	/* One sort of the due rows for a whole batch, not one per row. */
	st = store_stmt(s, STMT_OBX_DUE_IDS,
			"SELECT id FROM outbox "
			"WHERE state = 'pending' AND not_before <= ?1 "
			"AND next_attempt_at <= ?1 " OUTBOX_LANE_IS(
			    "3") "ORDER BY id LIMIT ?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, max);
	sqlite3_bind_int(st, 3, s->outbox_lane);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	if (n < max && rc != SQLITE_DONE) {
		n = store_fail(s, rc);
	}
	store_stmt_done(st);
	return n;
}

int store_outbox_due_row(struct store *s, int64_t now, int64_t id,
			 struct outbox_row *out)
{
	const unsigned char *payload;
	sqlite3_stmt *st;
	int rc, r;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	/* One snapshot for the row and the facts its body is made of. */
	r = store_tx_begin_read(s);
	if (r < 0)
		return r;
	if (id > 0)
		st = store_stmt(
		    s, STMT_OBX_DUE_ROW,
		    "SELECT " OUTBOX_COLUMNS " FROM outbox "
		    "WHERE id = ?2 AND state = 'pending' "
		    "AND not_before <= ?1 AND next_attempt_at <= ?1");
	else
		st = store_stmt(s, STMT_OBX_NEXT_DUE,
				"SELECT " OUTBOX_COLUMNS " FROM outbox "
				"WHERE state = 'pending' AND not_before <= ?1 "
				"AND next_attempt_at <= ?1 " OUTBOX_LANE_IS(
				    "3") "ORDER BY id LIMIT 1");
	if (!st) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_int64(st, 1, now);
	if (id > 0)
		sqlite3_bind_int64(st, 2, id);
	else
		sqlite3_bind_int(st, 3, s->outbox_lane);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? -ENOENT : store_fail(s, rc);
		store_stmt_done(st);
		goto out;
	}
	out->id = sqlite3_column_int64(st, 0);
	out->receipt_id = sqlite3_column_int64(st, 1);
	store_col_copy(st, 2, out->action, sizeof(out->action));
	store_col_copy(st, 3, out->key, sizeof(out->key));
	store_col_copy(st, 4, out->state, sizeof(out->state));
	out->attempts = sqlite3_column_int(st, 5);
	out->not_before = sqlite3_column_int64(st, 6);
	out->next_attempt_at = sqlite3_column_int64(st, 7);
	out->created_at = sqlite3_column_int64(st, 8);
	/* A row that brought its own body is sent as it is. */
	payload = sqlite3_column_text(st, 12);
	if (payload && !(out->payload = strdup((const char *)payload)))
		r = store_failf(s, -ENOMEM, "out of memory");
	store_stmt_done(st);
	if (!payload)
		r = store_outbox_gather_facts(s, out);
out:
	store_tx_end_read(s);
	if (r < 0)
		store_outbox_row_release(out);
	return r;
}

int store_outbox_next_time(struct store *s, int64_t *when)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !when)
		return -EINVAL;
	st = store_stmt(
	    s, STMT_OBX_NEXT_TIME,
	    "SELECT min(max(not_before, next_attempt_at)) "
	    "FROM outbox WHERE state = 'pending' " OUTBOX_LANE_IS("1"));
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, s->outbox_lane);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*when = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_ROW)
		r = -ENOENT;
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

struct outbox_claim {
	const struct outbox_row *row;
	int64_t now;
	int64_t retry_at;
};

static int outbox_claim_apply(struct store *s, void *arg, struct store_entry *e)
{
	struct outbox_claim *c = arg;
	sqlite3_stmt *st;
	int r;

	/* Only the row next_due showed: still pending, still due, and not
	 * attempted since (its body was rendered from that). */
	st = store_stmt(s, STMT_OBX_CLAIM,
			"UPDATE outbox SET attempts = attempts + 1, "
			"next_attempt_at = ?1, updated_at = ?2 "
			"WHERE id = ?3 AND state = 'pending' "
			"AND attempts = ?4 AND not_before <= ?2 "
			"AND next_attempt_at <= ?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, c->retry_at);
	sqlite3_bind_int64(st, 2, c->now);
	sqlite3_bind_int64(st, 3, c->row->id);
	sqlite3_bind_int(st, 4, c->row->attempts);
	r = store_step_done(s, st);
	if (r < 0)
		return r;
	if (sqlite3_changes(s->db) != 1)
		return store_failf(s, -EALREADY,
				   "outbox row %" PRId64
				   " changed since it was "
				   "read (undone, retried or finished); not "
				   "sending it",
				   c->row->id);
	e->detail = json_pack("{s:i,s:I}", "attempt", c->row->attempts + 1,
			      "retry_at", (json_int_t)c->retry_at);
	return 0;
}

int store_outbox_claim(struct store *s, const struct outbox_row *row,
		       int64_t now, int64_t retry_at)
{
	struct outbox_claim c = {.row = row, .now = now, .retry_at = retry_at};
	struct store_entry e = {
	    .actor = "outbox", .action = "outbox.claim", .at = now};

	if (!s || !row)
		return -EINVAL;
	store_entry_subject(&e, "outbox", row->id);
	return store_write(s, STORE_DURABLE, outbox_claim_apply, &c, &e);
}

struct outbox_claim_many {
	struct outbox_row *const *rows;
	int n;
	int64_t now;
	const int64_t *retry_at;
	bool *claimed;
};

static int outbox_claim_many_apply(struct store *s, void *arg,
				   struct store_entry *unused)
{
	struct outbox_claim_many *c = arg;
	sqlite3_stmt *st;
	int i, r, got = 0;

	(void)unused;
	for (i = 0; i < c->n; i++) {
		const struct outbox_row *row = c->rows[i];
		struct store_entry e = {
		    .actor = "outbox", .action = "outbox.claim", .at = c->now};

		c->claimed[i] = false;
		/* The same conditions as one claim (outbox_claim_apply). */
		st = store_stmt(s, STMT_OBX_CLAIM,
				"UPDATE outbox SET attempts = attempts + 1, "
				"next_attempt_at = ?1, updated_at = ?2 "
				"WHERE id = ?3 AND state = 'pending' "
				"AND attempts = ?4 AND not_before <= ?2 "
				"AND next_attempt_at <= ?2");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, c->retry_at[i]);
		sqlite3_bind_int64(st, 2, c->now);
		sqlite3_bind_int64(st, 3, row->id);
		sqlite3_bind_int(st, 4, row->attempts);
		r = store_step_done(s, st);
		if (r < 0)
			return r;
		if (sqlite3_changes(s->db) != 1)
			continue;
		store_entry_subject(&e, "outbox", row->id);
		e.detail = json_pack("{s:i,s:I}", "attempt", row->attempts + 1,
				     "retry_at", (json_int_t)c->retry_at[i]);
		r = store_entry_append(s, &e);
		json_decref(e.detail);
		if (r < 0)
			return r;
		c->claimed[i] = true;
		got++;
	}
	/* nothing claimed: nothing to commit */
	return got ? 0 : 1;
}

int store_outbox_claim_many(struct store *s, struct outbox_row *const *rows,
			    int n, int64_t now, const int64_t *retry_at,
			    bool *claimed)
{
	struct outbox_claim_many c = {.rows = rows,
				      .n = n,
				      .now = now,
				      .retry_at = retry_at,
				      .claimed = claimed};
	struct store_entry e = {.actor = "outbox", .action = NULL, .at = now};
	int i, r;

	if (!s || !rows || !retry_at || !claimed || n < 0)
		return -EINVAL;
	r = store_write(s, STORE_DURABLE, outbox_claim_many_apply, &c, &e);
	if (r != 0)
		for (i = 0; i < n; i++)
			claimed[i] = false; /* rolled back, or none claimed */
	return r < 0 ? r : 0;
}

static int outbox_resume_apply(struct store *s, void *arg,
			       struct store_entry *e)
{
	int64_t at = *(const int64_t *)arg;
	sqlite3_stmt *st;
	int r, n;

	st = store_stmt(s, STMT_OBX_RESUME,
			"UPDATE outbox SET next_attempt_at = ?1, "
			"updated_at = ?1 WHERE state = 'pending' "
			"AND attempts > 0 AND next_attempt_at > ?1 "
			"AND not_before <= ?1 " OUTBOX_LANE_IS("2"));
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_int(st, 2, s->outbox_lane);
	r = store_step_done(s, st);
	if (r < 0)
		return r;
	n = sqlite3_changes(s->db);
	if (n == 0)
		return 1; /* nothing waited: nothing to record */
	e->detail = json_pack("{s:i}", "rows", n);
	return 0;
}

int store_outbox_resume(struct store *s, int64_t now, int64_t at)
{
	struct store_entry e = {.actor = "outbox",
				.action = "outbox.resume",
				.subject = "outbox",
				.at = now};
	int r;

	if (!s)
		return -EINVAL;
	/* Only brings due times forward: losing it to a power cut loses
	 * nothing but time. */
	r = store_write(s, STORE_STEP, outbox_resume_apply, &at, &e);
	return r < 0 ? r : 0;
}

struct outbox_queue {
	int64_t receipt_id;
	const struct outbox_new *o;
	int64_t now;
};

static int outbox_queue_apply(struct store *s, void *arg, struct store_entry *e)
{
	struct outbox_queue *q = arg;

	(void)e;
	return store_outbox_insert_tx(s, q->receipt_id, q->o, q->now);
}

int store_outbox_queue(struct store *s, int64_t receipt_id,
		       const struct outbox_new *o, const char *actor,
		       int64_t now)
{
	struct outbox_queue q = {.receipt_id = receipt_id, .o = o, .now = now};
	struct store_entry e = {.actor = actor ? actor : "station",
				.action = "outbox.queue",
				.at = now};

	if (!s || !o || !o->payload)
		return -EINVAL;
	e.detail = json_pack("{s:s,s:s}", "action", o->action, "key", o->key);
	store_entry_subject(&e, "receipt", receipt_id);
	return store_write(s, STORE_DURABLE, outbox_queue_apply, &q, &e);
}

int store_outbox_list(struct store *s, const char *state, int limit,
		      json_t **out)
{
	sqlite3_stmt *st;
	json_t *arr;
	int r;

	if (!s || !out)
		return -EINVAL;
	*out = NULL;
	if (state && !outbox_state_valid(state))
		return store_failf(s, -EINVAL, "unknown outbox state '%s'",
				   state);
	if (state)
		st = store_stmt(s, STMT_OBX_LIST_STATE,
				"SELECT " OUTBOX_COLUMNS " FROM outbox "
				"WHERE state = ?2 ORDER BY id DESC LIMIT ?1");
	else
		st = store_stmt(s, STMT_OBX_LIST,
				"SELECT " OUTBOX_COLUMNS " FROM outbox "
				"ORDER BY id DESC LIMIT ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	if (state)
		sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	arr = json_array();
	if (!arr) {
		store_stmt_done(st);
		return -ENOMEM;
	}
	r = outbox_collect(s, st, arr);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

int store_outbox_count(struct store *s, const char *state, int64_t *n)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !n)
		return -EINVAL;
	if (state && !outbox_state_valid(state))
		return store_failf(s, -EINVAL, "unknown outbox state '%s'",
				   state);
	if (state)
		st = store_stmt(s, STMT_OBX_COUNT_STATE,
				"SELECT count(*) FROM outbox WHERE state = ?");
	else
		st = store_stmt(s, STMT_OBX_COUNT,
				"SELECT count(*) FROM outbox");
	if (!st)
		return -EIO;
	if (state)
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}
