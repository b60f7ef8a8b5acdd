/* SPDX-License-Identifier: MIT */
/*
 * Decisions and labels: recording what the desk decided about a receipt,
 * its disposition label and its outbox rows in one durable write (a power
 * cut leaves all of them or none), undoing it within its grace period, and
 * what became of printing the label.
 *
 * The store never decides anything: it records the decision and refuses a
 * change that would make the record contradict itself (deciding twice, a
 * second refund of one return, undoing a refund on its way).  An undo's
 * only clock read is the time it waited for the write lock, on the
 * monotonic clock (store_receipt_undo).
 *
 * Not here: the outbox rows' own life (outbox.c), the receipt's steps
 * before the decision (receipt.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/clock.h"
#include "retour/rules.h"

#include "db.h"
#include "outbox_tx.h"
#include "receipt.h"

static bool store_verdict_valid(const char *v)
{
	static const char *const verdicts[] = {
	    "accept", "partial", "reject", "hold", "qc_passed", "qc_failed",
	};

	for (size_t i = 0; v && i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (!strcmp(v, verdicts[i]))
			return true;
	return false;
}

/*
 * Inside the decision's transaction: -EEXIST when another receipt of the
 * same expected return is decided and answered it (refused or held it as a
 * whole, or refunded every unit of it).  Each decision brings its own outbox
 * keys, so nothing further down would stop a second refund of one return.
 * A second parcel that brings units not refunded yet is decided on its own
 * receipt; the rules refund only those (expected_return.before).  Ship-QC
 * is exempt: a packer checks an order again after fixing it, and no money
 * moves.
 */
static int store_receipt_decided_elsewhere(struct store *s, int64_t receipt_id)
{
	char rma[RETURN_REF_LEN], order[RETURN_REF_LEN];
	sqlite3_stmt *st;
	int64_t other = 0, expected_id = 0;
	int rc, r = 0;

	st = store_stmt(s, STMT_RCP_DECIDED_ELSEWHERE,
			"SELECT o.id, e.rma, e.order_ref, e.id FROM receipt me "
			"JOIN expected e ON e.id = me.expected_id "
			"JOIN receipt o ON o.expected_id = me.expected_id "
			"WHERE me.id = ?1 AND me.routine = 'return' "
			"AND o.id <> ?1 AND o.state = 'decided' "
			"AND o.routine = 'return' ORDER BY o.id DESC LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		other = sqlite3_column_int64(st, 0);
		store_col_copy(st, 1, rma, sizeof(rma));
		store_col_copy(st, 2, order, sizeof(order));
		expected_id = sqlite3_column_int64(st, 3);
	} else if (rc != SQLITE_DONE) {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	if (r < 0 || !other)
		return r;
	r = store_expected_answered(s, expected_id);
	if (r <= 0)
		return r; /* units still open: this parcel brings them */
	if (rma[0])
		return store_failf(s, -EEXIST,
				   "RMA %s was already decided on receipt "
				   "%" PRId64,
				   rma, other);
	return store_failf(s, -EEXIST,
			   "order %s was already decided on receipt %" PRId64,
			   order, other);
}

struct decision_write {
	int64_t receipt_id;
	const struct decision_record *d;
	const struct outbox_new *out;
	int n_out;
	size_t curlen;
	/* from the proposal: a complaint's remedy, deadline and whether the
	 * deadline had passed */
	char remedy[16];
	int64_t complaint_due_at;
	bool deemed_accepted;
};

/*
 * The complaint's part of the record, read from the proposal the decision
 * carries (event_proposal_to_json: "remedy", "answer_due_at",
 * "complaint_deemed_accepted").  -EINVAL for an unknown remedy, or one that
 * moves no money (repair, replace) with a refund.
 */
static int store_decision_complaint(struct store *s, struct decision_write *w)
{
	json_t *prop, *v;
	const char *remedy = NULL;
	int r = 0;

	if (!w->d->proposal_json)
		return 0;
	prop = json_loads(w->d->proposal_json, 0, NULL);
	if (!json_is_object(prop)) {
		json_decref(prop);
		return 0; /* not the store's to judge; kept as text */
	}
	v = json_object_get(prop, "remedy");
	if (json_is_string(v))
		remedy = json_string_value(v);
	if (remedy && strcmp(remedy, "none")) {
		int k = remedy_from_name(remedy);

		if (k < 0)
			r = store_failf(s, -EINVAL, "unknown remedy '%.20s'",
					remedy);
		else if (!remedy_moves_money((enum remedy)k) &&
			 w->d->refund_minor > 0)
			r = store_failf(s, -EINVAL,
					"a %s refunds nothing, but the "
					"decision refunds %" PRId64,
					remedy, w->d->refund_minor);
		else
			snprintf(w->remedy, sizeof(w->remedy), "%s", remedy);
	}
	v = json_object_get(prop, "answer_due_at");
	if (r == 0 && json_is_string(v) &&
	    civil_time_parse_rfc3339(json_string_value(v),
				     &w->complaint_due_at) < 0)
		w->complaint_due_at = 0;
	w->deemed_accepted =
	    json_is_true(json_object_get(prop, "complaint_deemed_accepted"));
	json_decref(prop);
	return r;
}

static int store_decision_update(struct store *s, struct decision_write *w)
{
	const struct decision_record *d = w->d;
	sqlite3_stmt *st;

	st = store_stmt(s, STMT_RCP_DECIDE,
			"UPDATE receipt SET state = 'decided', verdict = ?, "
			"refund_minor = ?, currency = ?, decided_at = ?, "
			"decided_by = ?, overridden = ?, override_reason = ?, "
			"proposal_json = ?, shop = ?, "
			"decisions = decisions + 1, remedy = ?11, "
			"complaint_due_at = ?12, complaint_deemed_accepted = "
			"?13, override_by = ?14 WHERE id = ?10");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, d->verdict, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, d->refund_minor);
	if (w->curlen)
		sqlite3_bind_text(st, 3, d->currency, 3, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, d->decided_at);
	sqlite3_bind_text(st, 5, d->decided_by, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, d->overridden);
	if (d->overridden)
		sqlite3_bind_text(st, 7, d->override_reason, -1, SQLITE_STATIC);
	if (d->proposal_json)
		sqlite3_bind_text(st, 8, d->proposal_json, -1, SQLITE_STATIC);
	if (d->shop)
		sqlite3_bind_text(st, 9, d->shop, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, w->receipt_id);
	if (w->remedy[0])
		sqlite3_bind_text(st, 11, w->remedy, -1, SQLITE_STATIC);
	if (w->complaint_due_at)
		sqlite3_bind_int64(st, 12, w->complaint_due_at);
	sqlite3_bind_int(st, 13, w->deemed_accepted);
	if (d->overridden && d->override_by && *d->override_by)
		sqlite3_bind_text(st, 14, d->override_by, -1, SQLITE_STATIC);
	return store_step_done(s, st);
}

static int store_decision_label(struct store *s, struct decision_write *w)
{
	sqlite3_stmt *st;

	st = store_stmt(s, STMT_RCP_ADD_LABEL,
			"INSERT INTO label (receipt_id, zpl, "
			"created_at) VALUES (?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, w->receipt_id);
	sqlite3_bind_text(st, 2, w->d->label_zpl, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, w->d->decided_at);
	return store_step_done(s, st);
}

static int store_decide_apply(struct store *s, void *arg, struct store_entry *e)
{
	struct decision_write *w = arg;
	const struct decision_record *d = w->d;
	char state[16];
	int r;

	r = store_receipt_state(s, w->receipt_id, state, sizeof(state));
	if (r < 0)
		return r;
	if (!strcmp(state, "decided"))
		return store_failf(s, -EEXIST,
				   "receipt %" PRId64 " is already "
				   "decided",
				   w->receipt_id);
	if (strcmp(state, "open") && strcmp(state, "undone"))
		return store_failf(s, -EINVAL, "receipt %" PRId64 " is %s",
				   w->receipt_id, state);
	r = store_receipt_decided_elsewhere(s, w->receipt_id);
	if (r < 0)
		return r;
	r = store_decision_complaint(s, w);
	if (r < 0)
		return r;
	r = store_decision_update(s, w);
	if (r < 0)
		return r;
	if (d->label_zpl) {
		r = store_decision_label(s, w);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < w->n_out; i++) {
		r = store_outbox_insert_tx(s, w->receipt_id, &w->out[i],
					   d->decided_at);
		if (r < 0)
			return r;
	}
	e->detail = json_pack(
	    "{s:s,s:I,s:s,s:b,s:s?,s:s?,s:i,s:b}", "verdict", d->verdict,
	    "refund_minor", (json_int_t)d->refund_minor, "currency",
	    w->curlen ? d->currency : "", "overridden", d->overridden,
	    "override_reason", d->overridden ? d->override_reason : NULL,
	    "override_by",
	    d->overridden && d->override_by && *d->override_by ? d->override_by
							       : NULL,
	    "outbox", w->n_out, "label", d->label_zpl != NULL);
	if (e->detail && w->remedy[0])
		json_object_set_new(e->detail, "remedy",
				    json_string(w->remedy));
	if (e->detail && w->deemed_accepted)
		json_object_set_new(e->detail, "complaint_deemed_accepted",
				    json_true());
	return 0;
}

int store_receipt_decide(struct store *s, int64_t receipt_id,
			 const struct decision_record *d,
			 const struct outbox_new *out, int n_out)
{
	struct decision_write w = {
	    .receipt_id = receipt_id, .d = d, .out = out, .n_out = n_out};
	struct store_entry e = {.action = "receipt.decide"};

	if (!s || !d || n_out < 0 || (n_out && !out))
		return -EINVAL;
	if (!store_verdict_valid(d->verdict))
		return store_failf(s, -EINVAL, "unknown verdict '%s'",
				   d->verdict ? d->verdict : "");
	if (!d->decided_by || !*d->decided_by)
		return store_failf(s, -EINVAL, "a decision needs a clerk");
	w.curlen = strnlen(d->currency, sizeof(d->currency));
	if (w.curlen != 0 && w.curlen != 3)
		return store_failf(s, -EINVAL,
				   "currency must be an ISO 4217 "
				   "code");
	if (d->refund_minor < 0 || (d->refund_minor > 0 && w.curlen != 3))
		return store_failf(s, -EINVAL,
				   "a refund needs a currency and "
				   "a non-negative amount");
	if (d->overridden && (!d->override_reason || !*d->override_reason))
		return store_failf(s, -EINVAL, "an override needs a reason");
	e.actor = d->decided_by;
	e.at = d->decided_at;
	store_entry_subject(&e, "receipt", receipt_id);
	return store_write(s, STORE_DURABLE, store_decide_apply, &w, &e);
}

struct decision_undo {
	int64_t receipt_id;
	int64_t asked; /* CLOCK_MONOTONIC when the clerk asked */
};

static int store_undo_apply(struct store *s, void *arg, struct store_entry *e)
{
	struct decision_undo *u = arg;
	char state[16];
	sqlite3_stmt *st;
	int r, n = 0;

	/* BEGIN IMMEDIATE may have waited up to the busy timeout behind
	 * another writer (the sender's claim among them): the grace period
	 * is checked at the time the lock was held, not when it was asked
	 * for. */
	e->at += clock_mono_us() - u->asked;
	r = store_receipt_state(s, u->receipt_id, state, sizeof(state));
	if (r < 0)
		return r;
	if (strcmp(state, "decided"))
		return store_failf(s, -ENOENT,
				   "receipt %" PRId64 " is %s, "
				   "there is no decision to undo",
				   u->receipt_id, state);
	r = store_outbox_cancel_receipt_tx(s, u->receipt_id, e->at, &n);
	if (r < 0)
		return r;
	st = store_stmt(s, STMT_RCP_UNDO,
			"UPDATE receipt SET state = 'undone', undone_at = ? "
			"WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, e->at);
	sqlite3_bind_int64(st, 2, u->receipt_id);
	r = store_step_done(s, st);
	if (r < 0)
		return r;
	e->detail = json_pack("{s:i}", "outbox_cancelled", n);
	return 0;
}

int store_receipt_undo(struct store *s, int64_t receipt_id, const char *actor,
		       int64_t now)
{
	struct decision_undo u = {.receipt_id = receipt_id,
				  .asked = clock_mono_us()};
	struct store_entry e = {
	    .actor = actor, .action = "receipt.undo", .at = now};

	if (!s)
		return -EINVAL;
	store_entry_subject(&e, "receipt", receipt_id);
	return store_write(s, STORE_DURABLE, store_undo_apply, &u, &e);
}

struct label_printed {
	int64_t receipt_id;
	bool ok;
	const char *detail;
	int64_t now;
};

static int store_label_printed_apply(struct store *s, void *arg,
				     struct store_entry *e)
{
	struct label_printed *p = arg;
	sqlite3_stmt *st;
	int r;

	/* A printed label's ZPL stays: a label torn or lost on the parcel
	 * is printed again on request (store_label_reprint). */
	st = store_stmt(s, STMT_LABEL_PRINTED,
			"UPDATE label SET printed = ?1, print_detail = ?2, "
			"printed_at = ?3 "
			"WHERE id = (SELECT max(id) FROM label "
			"WHERE receipt_id = ?4)");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, p->ok);
	if (p->detail)
		sqlite3_bind_text(st, 2, p->detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, p->now);
	sqlite3_bind_int64(st, 4, p->receipt_id);
	r = store_step_done(s, st);
	if (r < 0)
		return r;
	if (sqlite3_changes(s->db) == 0)
		return store_failf(s, -ENOENT,
				   "receipt %" PRId64 " has no "
				   "label",
				   p->receipt_id);
	e->detail = json_pack("{s:b,s:s?}", "ok", p->ok, "detail", p->detail);
	return 0;
}

int store_label_mark_printed(struct store *s, int64_t receipt_id, bool ok,
			     const char *detail, int64_t now)
{
	struct label_printed p = {
	    .receipt_id = receipt_id, .ok = ok, .detail = detail, .now = now};
	struct store_entry e = {
	    .actor = "station", .action = "label.printed", .at = now};

	if (!s)
		return -EINVAL;
	store_entry_subject(&e, "receipt", receipt_id);
	return store_write(s, STORE_STEP, store_label_printed_apply, &p, &e);
}

int store_label_zpl(struct store *s, int64_t receipt_id, char **zpl)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !zpl)
		return -EINVAL;
	*zpl = NULL;
	st = store_stmt(s, STMT_LABEL_ZPL,
			"SELECT zpl FROM label WHERE receipt_id = ? "
			"ORDER BY id DESC LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*zpl = strdup((const char *)sqlite3_column_text(st, 0));
		if (!*zpl)
			r = store_failf(s, -ENOMEM, "out of memory");
	} else if (rc == SQLITE_ROW) {
		r = store_failf(s, -ENOENT,
				"the label of receipt %" PRId64 " printed; "
				"its ZPL is no longer kept",
				receipt_id);
	} else if (rc == SQLITE_DONE) {
		r = store_failf(s, -ENOENT, "receipt %" PRId64 " has no label",
				receipt_id);
	} else {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	return r;
}
