/* SPDX-License-Identifier: MIT */
/*
 * What became of an outbox row (store.h): done with the shop's reference,
 * retried at a later time, dead with the shop's words, or sent again by
 * hand.  Each change is one write with its audit entry, and a row that is
 * no longer the sender's claim (undone, or changed by another hand) is
 * left as it is.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

#include "outbox_facts.h"
#include "outbox_tx.h"

/* The state of row @id, or -ENOENT. */
static int outbox_state(struct store *s, int64_t id, char state[12])
{
	sqlite3_stmt *st;
	int rc, r = 0;

	st = store_stmt(s, STMT_OBX_STATE,
			"SELECT state FROM outbox WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_col_copy(st, 0, state, 12);
	else if (rc == SQLITE_DONE)
		r = store_failf(s, -ENOENT, "no outbox row %" PRId64, id);
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

struct outbox_change {
	int64_t id;
	sqlite3_stmt *st; /* bound but for the id */
	int id_param;
	const char *const *allowed;
	const struct outbox_new *then; /* a row queued with the change */
	int64_t now;
};

/* The receipt of row @id (0: none), read inside the caller's write. */
static int outbox_receipt_of(struct store *s, int64_t id, int64_t *receipt)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	st = store_stmt(s, STMT_OBX_RECEIPT_OF,
			"SELECT receipt_id FROM outbox WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	*receipt = 0;
	if (rc == SQLITE_ROW)
		*receipt = sqlite3_column_int64(st, 0);
	else
		r = store_fail(s, rc == SQLITE_DONE ? SQLITE_NOTFOUND : rc);
	store_stmt_done(st);
	return r;
}

static int outbox_change_apply(struct store *s, void *arg,
			       struct store_entry *e)
{
	struct outbox_change *c = arg;
	char state[12];
	bool ok = false;
	int64_t receipt;
	int r;

	r = outbox_state(s, c->id, state);
	if (r < 0)
		return r;
	for (int i = 0; c->allowed[i]; i++)
		ok |= !strcmp(state, c->allowed[i]);
	if (!ok)
		return store_failf(s, -EALREADY,
				   "outbox row %" PRId64
				   " is %s; %s does not apply",
				   c->id, state, e->action);
	sqlite3_bind_int64(c->st, c->id_param, c->id);
	r = store_step_done(s, c->st);
	if (r < 0 || !c->then)
		return r;
	/* The outcome's event, in the same write: recorded together or
	 * not at all, so it is neither lost nor queued twice. */
	r = outbox_receipt_of(s, c->id, &receipt);
	if (r < 0)
		return r;
	return store_outbox_insert_tx(s, receipt, c->then, c->now);
}

/*
 * Apply one state change to row @id in a write with its audit entry.
 * @st is bound by the caller except for parameter @id_param, the id.
 * @allowed lists the states the change applies to.  @detail is consumed.
 */
static int outbox_change(struct store *s, int64_t id, sqlite3_stmt *st,
			 int id_param, const char *const *allowed,
			 const char *actor, const char *action, json_t *detail,
			 int64_t now, const struct outbox_new *then)
{
	struct outbox_change c = {.id = id,
				  .st = st,
				  .id_param = id_param,
				  .allowed = allowed,
				  .then = then,
				  .now = now};
	struct store_entry e = {
	    .actor = actor, .action = action, .detail = detail, .at = now};
	int r;

	store_entry_subject(&e, "outbox", id);
	/* The sender's outcomes (done, retry, dead) need no fsync of their
	 * own: the claim before the request was durable, so an outcome lost
	 * to a power cut leaves the row claimed, due again after its backoff
	 * and sent again under the same key (looked up first where the shop
	 * has no idempotency key), as after a crash in the request; the next
	 * durable commit of either handle makes it durable.  An operator's
	 * retry is durable. */
	r = store_write(s, strcmp(actor, "outbox") ? STORE_DURABLE : STORE_STEP,
			outbox_change_apply, &c, &e);
	store_stmt_done(st);
	return r;
}

static const char *const outbox_only_pending[] = {"pending", NULL};

int store_outbox_mark_done(struct store *s, int64_t id, const char *shop_ref,
			   int64_t now)
{
	return store_outbox_mark_done_then(s, id, shop_ref, now, NULL);
}

int store_outbox_mark_done_then(struct store *s, int64_t id,
				const char *shop_ref, int64_t now,
				const struct outbox_new *then)
{
	/* dead rows too: a late answer from the shop is still the truth. */
	static const char *const allowed[] = {"pending", "dead", NULL};
	sqlite3_stmt *st;

	if (!s)
		return -EINVAL;
	st = store_stmt(s, STMT_OBX_DONE,
			"UPDATE outbox SET state = 'done', shop_ref = ?, "
			"delivered_at = ?, updated_at = ?, last_error = NULL "
			"WHERE id = ?");
	if (!st)
		return -EIO;
	if (shop_ref)
		sqlite3_bind_text(st, 1, shop_ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, now);
	return outbox_change(s, id, st, 4, allowed, "outbox", "outbox.done",
			     json_pack("{s:s?}", "shop_ref", shop_ref), now,
			     then);
}

int store_outbox_mark_retry(struct store *s, int64_t id, int64_t next_at,
			    const char *error, int64_t now)
{
	sqlite3_stmt *st;

	if (!s)
		return -EINVAL;
	st = store_stmt(s, STMT_OBX_RETRY,
			"UPDATE outbox SET next_attempt_at = ?, "
			"last_error = ?, updated_at = ? "
			"WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, next_at);
	if (error)
		sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	return outbox_change(s, id, st, 4, outbox_only_pending, "outbox",
			     "outbox.retry",
			     json_pack("{s:s?,s:I}", "error", error,
				       "next_attempt_at", (json_int_t)next_at),
			     now, NULL);
}

int store_outbox_mark_dead(struct store *s, int64_t id, const char *error,
			   int64_t now)
{
	return store_outbox_mark_dead_then(s, id, error, now, NULL);
}

int store_outbox_mark_dead_then(struct store *s, int64_t id, const char *error,
				int64_t now, const struct outbox_new *then)
{
	sqlite3_stmt *st;

	if (!s)
		return -EINVAL;
	st = store_stmt(s, STMT_OBX_DEAD,
			"UPDATE outbox SET state = 'dead', last_error = ?, "
			"updated_at = ? WHERE id = ?");
	if (!st)
		return -EIO;
	if (error)
		sqlite3_bind_text(st, 1, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	return outbox_change(s, id, st, 3, outbox_only_pending, "outbox",
			     "outbox.dead", json_pack("{s:s?}", "error", error),
			     now, then);
}

int store_outbox_retry(struct store *s, int64_t id, const char *actor,
		       int64_t now)
{
	static const char *const allowed[] = {"pending", "dead", NULL};
	sqlite3_stmt *st;

	if (!s)
		return -EINVAL;
	/* An operator asking for it now also ends a grace period; the
	 * attempt count is kept as history. */
	st = store_stmt(s, STMT_OBX_MANUAL_RETRY,
			"UPDATE outbox SET state = 'pending', "
			"next_attempt_at = ?1, "
			"not_before = min(not_before, ?1), updated_at = ?1 "
			"WHERE id = ?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now);
	return outbox_change(s, id, st, 2, allowed, actor,
			     "outbox.retry_manual", NULL, now, NULL);
}
