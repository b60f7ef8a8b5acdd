/* SPDX-License-Identifier: MIT */
/*
 * Receipts: a parcel handled at the desk, opened when its code is scanned,
 * then its evidence step by step (weight, item scans, photos, checklist
 * answers), or cancelled when the clerk backs out.  A receipt takes
 * evidence only while open (or undone); each step is a STORE_STEP write.
 *
 * Not here: the decision and its label (decision.c), the views
 * (receipt_view.c), photo files (photo.c writes them before their row).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "outbox_tx.h"
#include "photo_upload_tx.h"
#include "receipt.h"

int store_receipt_state(struct store *s, int64_t id, char *state,
			size_t statelen)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	st = store_stmt(s, STMT_RCP_STATE,
			"SELECT state FROM receipt WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_col_copy(st, 0, state, statelen);
	else if (rc == SQLITE_DONE)
		r = store_failf(s, -ENOENT, "no receipt %" PRId64, id);
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

/* Inside a transaction: the receipt exists and still takes evidence. */
static int store_receipt_editable(struct store *s, int64_t id)
{
	char state[16];
	int r = store_receipt_state(s, id, state, sizeof(state));

	if (r < 0)
		return r;
	if (strcmp(state, "open") && strcmp(state, "undone"))
		return store_failf(s, -EINVAL,
				   "receipt %" PRId64 " is %s; "
				   "undo the decision first",
				   id, state);
	return 0;
}

struct receipt_change {
	int64_t receipt_id;
	sqlite3_stmt *st; /* fully bound */
	/* a photo: evidence of the parcel asked for while it was open,
	 * stored when the camera is done, even after the decision */
	bool evidence;
	/* a photo to upload ([photo upload]): queued in the same write */
	const struct photo_upload_new *upload;
};

static int store_receipt_change_apply(struct store *s, void *arg,
				      struct store_entry *e)
{
	struct receipt_change *c = arg;
	int r;

	if (c->evidence) {
		char state[16];

		r = store_receipt_state(s, c->receipt_id, state, sizeof(state));
	} else {
		r = store_receipt_editable(s, c->receipt_id);
	}
	if (r < 0)
		return r;
	r = store_step_done(s, c->st);
	if (r == 0 && c->upload)
		r = store_photo_upload_queue_tx(
		    s, sqlite3_last_insert_rowid(s->db), c->receipt_id,
		    c->upload, e->at);
	return r;
}

/*
 * The common shape of a step at the desk: the receipt still takes
 * evidence, @st (fully bound) runs, the entry is appended.  @detail is
 * consumed.
 */
static int store_receipt_record_upload(struct store *s, int64_t receipt_id,
				       sqlite3_stmt *st, bool evidence,
				       const struct photo_upload_new *upload,
				       const char *actor, const char *action,
				       json_t *detail, int64_t now)
{
	struct receipt_change c = {.receipt_id = receipt_id,
				   .st = st,
				   .evidence = evidence,
				   .upload = upload};
	struct store_entry e = {
	    .actor = actor, .action = action, .detail = detail, .at = now};
	int r;

	store_entry_subject(&e, "receipt", receipt_id);
	r = store_write(s, STORE_STEP, store_receipt_change_apply, &c, &e);
	store_stmt_done(st);
	return r;
}

static int store_receipt_record(struct store *s, int64_t receipt_id,
				sqlite3_stmt *st, bool evidence,
				const char *actor, const char *action,
				json_t *detail, int64_t now)
{
	return store_receipt_record_upload(s, receipt_id, st, evidence, NULL,
					   actor, action, detail, now);
}

static int store_receipt_change(struct store *s, int64_t receipt_id,
				sqlite3_stmt *st, const char *actor,
				const char *action, json_t *detail, int64_t now)
{
	return store_receipt_record(s, receipt_id, st, false, actor, action,
				    detail, now);
}

struct receipt_new {
	const struct receipt_open *ro;
	int64_t id;
};

static int store_receipt_open_apply(struct store *s, void *arg,
				    struct store_entry *e)
{
	struct receipt_new *n = arg;
	const struct receipt_open *ro = n->ro;
	sqlite3_stmt *st;
	int r;

	st = store_stmt(s, STMT_RCP_INSERT,
			"INSERT INTO receipt (routine, desk, clerk, code, "
			"expected_id, state, received_at, time_unsure, "
			"boot_id, boot_us) "
			"VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1,
			  ro->routine == ROUTINE_SHIP_QC ? "ship_qc" : "return",
			  -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ro->desk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ro->clerk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ro->code, -1, SQLITE_STATIC);
	if (ro->expected_id)
		sqlite3_bind_int64(st, 5, ro->expected_id);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int64(st, 6, ro->received_at);
	sqlite3_bind_int(st, 7, ro->time_unsure);
	if (ro->time_unsure && ro->boot_id[0]) {
		sqlite3_bind_text(st, 8, ro->boot_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, ro->boot_us);
	} else {
		sqlite3_bind_null(st, 8);
		sqlite3_bind_null(st, 9);
	}
	r = store_step_done(s, st);
	if (r == -ENOENT)
		r = store_failf(s, -ENOENT, "no expected return %" PRId64,
				ro->expected_id);
	if (r < 0)
		return r;
	n->id = sqlite3_last_insert_rowid(s->db);
	store_entry_subject(e, "receipt", n->id);
	e->detail =
	    json_pack("{s:s,s:s,s:I}", "code", ro->code, "desk", ro->desk,
		      "expected_id", (json_int_t)ro->expected_id);
	if (e->detail && ro->time_unsure)
		json_object_set_new(e->detail, "time_unsure", json_true());
	return 0;
}

int store_receipt_open(struct store *s, const struct receipt_open *ro,
		       int64_t *id_out)
{
	struct receipt_new n = {.ro = ro};
	struct store_entry e = {.action = "receipt.open"};
	int r;

	if (!s || !ro)
		return -EINVAL;
	if (!store_field_ok(ro->desk, sizeof(ro->desk)) ||
	    !store_field_ok(ro->clerk, sizeof(ro->clerk)) ||
	    !store_field_ok(ro->code, sizeof(ro->code)))
		return store_failf(s, -EINVAL,
				   "receipt: a text field is not "
				   "terminated");
	if (ro->routine != ROUTINE_RETURN && ro->routine != ROUTINE_SHIP_QC)
		return store_failf(s, -EINVAL, "receipt: unknown routine");
	if (ro->expected_id < 0)
		return store_failf(s, -EINVAL, "receipt: bad expected id");
	/* no boot id (unreadable): marked, never correctable */
	if (ro->time_unsure &&
	    (!store_field_ok(ro->boot_id, sizeof(ro->boot_id)) ||
	     (ro->boot_id[0] && strlen(ro->boot_id) != 36) || ro->boot_us < 0))
		return store_failf(s, -EINVAL,
				   "receipt: a time unsure needs its boot");
	e.actor = ro->clerk;
	e.at = ro->received_at;
	r = store_write(s, STORE_STEP, store_receipt_open_apply, &n, &e);
	if (r == 0 && id_out)
		*id_out = n.id;
	return r;
}

/* The weight's columns; the entry's @detail (consumed) says how. */
static int store_receipt_weigh(struct store *s, int64_t receipt_id,
			       bool weighed, int32_t weight_g, bool mismatch,
			       json_t *detail, const char *actor, int64_t now)
{
	sqlite3_stmt *st;

	if (!detail)
		return store_failf(s, -EINVAL,
				   "receipt: the weight's entry is not text");
	st = store_stmt(s, STMT_RCP_SET_WEIGHT,
			"UPDATE receipt SET weighed = ?, weight_g = ?, "
			"weight_mismatch = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, weighed);
	if (weighed)
		sqlite3_bind_int(st, 2, weight_g);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int(st, 3, weighed && mismatch);
	sqlite3_bind_int64(st, 4, receipt_id);
	return store_receipt_change(s, receipt_id, st, actor, "receipt.weigh",
				    detail, now);
}

int store_receipt_set_weight(struct store *s, int64_t receipt_id, bool weighed,
			     int32_t weight_g, bool mismatch, const char *actor,
			     int64_t now)
{
	if (!s || (weighed && weight_g < 0))
		return -EINVAL;
	return store_receipt_weigh(s, receipt_id, weighed, weight_g, mismatch,
				   weighed ? json_pack("{s:i,s:b}", "weight_g",
						       (int)weight_g,
						       "mismatch", mismatch)
					   : json_pack("{s:b}", "skipped", 1),
				   actor, now);
}

/* Manual weight: typed in by the clerk; the entry keeps that, and why. */
int store_receipt_set_manual_weight(struct store *s, int64_t receipt_id,
				    int32_t weight_g, bool mismatch,
				    const char *reason, const char *actor,
				    int64_t now)
{
	if (!s || weight_g <= 0 || !reason || !reason[0])
		return -EINVAL;
	return store_receipt_weigh(
	    s, receipt_id, true, weight_g, mismatch,
	    json_pack("{s:i,s:b,s:b,s:s}", "weight_g", (int)weight_g,
		      "mismatch", mismatch, "manual", 1, "reason", reason),
	    actor, now);
}

int store_receipt_note(struct store *s, int64_t receipt_id, const char *step,
		       const char *note, const char *actor, int64_t now)
{
	sqlite3_stmt *st;

	if (!s || !step || !*step || strlen(step) >= 32 || !note || !*note ||
	    strlen(note) >= 256)
		return -EINVAL;
	st = store_stmt(s, STMT_RCP_NOTE,
			"INSERT INTO receipt_note (receipt_id, step, note, "
			"noted_at, clerk) VALUES (?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	sqlite3_bind_text(st, 2, step, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if (actor && *actor)
		sqlite3_bind_text(st, 5, actor, -1, SQLITE_STATIC);
	return store_receipt_change(
	    s, receipt_id, st, actor, "receipt.note",
	    json_pack("{s:s,s:s}", "step", step, "note", note), now);
}

int store_receipt_add_item_scan(struct store *s, int64_t receipt_id,
				int item_index, const char *gtin,
				const char *serial, const char *actor,
				int64_t now)
{
	sqlite3_stmt *st;

	if (!s || !gtin || item_index < -1 || item_index >= RETURN_MAX_ITEMS)
		return -EINVAL;
	st = store_stmt(s, STMT_RCP_ADD_SCAN,
			"INSERT INTO receipt_item_scan (receipt_id, "
			"item_index, gtin, serial, scanned_at, clerk) "
			"VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	sqlite3_bind_int(st, 2, item_index);
	sqlite3_bind_text(st, 3, gtin, -1, SQLITE_STATIC);
	if (serial && *serial)
		sqlite3_bind_text(st, 4, serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_text(st, 6, actor ? actor : "", -1, SQLITE_STATIC);
	return store_receipt_change(
	    s, receipt_id, st, actor, "receipt.item_scan",
	    json_pack("{s:i,s:s,s:s?}", "item_index", item_index, "gtin", gtin,
		      "serial", serial && *serial ? serial : NULL),
	    now);
}

int store_photo_add(struct store *s, int64_t receipt_id, const char *step,
		    const char *sha256_hex, const char *path, int64_t bytes,
		    const char *actor, int64_t now)
{
	return store_photo_add_upload(s, receipt_id, step, sha256_hex, path,
				      bytes, NULL, actor, now);
}

int store_photo_add_upload(struct store *s, int64_t receipt_id,
			   const char *step, const char *sha256_hex,
			   const char *path, int64_t bytes,
			   const char *object_key, const char *actor,
			   int64_t now)
{
	struct photo_upload_new up = {.sha256 = sha256_hex,
				      .path = path,
				      .bytes = bytes,
				      .object_key = object_key};
	sqlite3_stmt *st;

	if (!s || !sha256_hex || !path || !*path || bytes < 0 ||
	    (object_key && !*object_key))
		return -EINVAL;
	if (strlen(sha256_hex) != 64 ||
	    strspn(sha256_hex, "0123456789abcdef") != 64)
		return store_failf(s, -EINVAL,
				   "photo: not a lower-case hex "
				   "SHA-256");
	st = store_stmt(s, STMT_RCP_ADD_PHOTO,
			"INSERT INTO photo (receipt_id, sha256, path, bytes, "
			"step, taken_at, clerk, object_key) "
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	sqlite3_bind_text(st, 2, sha256_hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, bytes);
	sqlite3_bind_text(st, 5, step ? step : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_text(st, 7, actor ? actor : "", -1, SQLITE_STATIC);
	if (object_key)
		sqlite3_bind_text(st, 8, object_key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 8);
	return store_receipt_record_upload(
	    s, receipt_id, st, true, object_key ? &up : NULL, actor,
	    "receipt.photo",
	    json_pack("{s:s,s:s}", "sha256", sha256_hex, "step",
		      step ? step : ""),
	    now);
}

int store_checklist_answer(struct store *s, int64_t receipt_id,
			   const char *template_id, int template_version,
			   const char *step, const char *answer,
			   const char *actor, int64_t now)
{
	sqlite3_stmt *st;

	if (!s || !template_id || !*template_id || template_version < 0 ||
	    !step || !*step || !answer)
		return -EINVAL;
	st = store_stmt(s, STMT_RCP_ADD_ANSWER,
			"INSERT INTO checklist_answer (receipt_id, "
			"template_id, template_version, step, answer, "
			"answered_at, clerk) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	sqlite3_bind_text(st, 2, template_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, template_version);
	sqlite3_bind_text(st, 4, step, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, answer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_text(st, 7, actor ? actor : "", -1, SQLITE_STATIC);
	return store_receipt_change(
	    s, receipt_id, st, actor, "receipt.checklist",
	    json_pack("{s:s,s:i,s:s,s:s}", "template", template_id, "version",
		      template_version, "step", step, "answer", answer),
	    now);
}

struct receipt_cancel {
	int64_t receipt_id;
	int64_t now;
	const struct outbox_new *tell;
};

static int store_receipt_cancel_apply(struct store *s, void *arg,
				      struct store_entry *e)
{
	struct receipt_cancel *c = arg;
	char state[16];
	sqlite3_stmt *st;
	int r;

	r = store_receipt_state(s, c->receipt_id, state, sizeof(state));
	if (r < 0)
		return r;
	if (!strcmp(state, "decided"))
		return store_failf(s, -EEXIST,
				   "receipt %" PRId64 " is decided;"
				   " undo it before cancelling",
				   c->receipt_id);
	if (!strcmp(state, "cancelled"))
		return store_failf(s, -EALREADY,
				   "receipt %" PRId64 " is "
				   "already cancelled",
				   c->receipt_id);
	st = store_stmt(s, STMT_RCP_CANCEL,
			"UPDATE receipt SET state = 'cancelled', "
			"cancelled_at = ? WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, c->now);
	sqlite3_bind_int64(st, 2, c->receipt_id);
	r = store_step_done(s, st);
	if (r == 0 && c->tell)
		r = store_outbox_insert_tx(s, c->receipt_id, c->tell, c->now);
	return r;
}

int store_receipt_cancel(struct store *s, int64_t receipt_id, const char *actor,
			 int64_t now)
{
	return store_receipt_cancel_telling(s, receipt_id, actor, now, NULL);
}

int store_receipt_cancel_telling(struct store *s, int64_t receipt_id,
				 const char *actor, int64_t now,
				 const struct outbox_new *tell)
{
	struct receipt_cancel c = {
	    .receipt_id = receipt_id, .now = now, .tell = tell};
	struct store_entry e = {
	    .actor = actor, .action = "receipt.cancel", .at = now};

	if (!s)
		return -EINVAL;
	store_entry_subject(&e, "receipt", receipt_id);
	return store_write(s, STORE_DURABLE, store_receipt_cancel_apply, &c,
			   &e);
}

/* ---- a unit taken out of the box ---- */

struct receipt_unscan {
	int64_t receipt_id;
	const char *gtin;
};

static int store_receipt_unscan_apply(struct store *s, void *arg,
				      struct store_entry *e)
{
	struct receipt_unscan *c = arg;
	sqlite3_stmt *st;
	int r;

	(void)e;
	r = store_receipt_editable(s, c->receipt_id);
	if (r < 0)
		return r;
	st = store_stmt(s, STMT_RCP_DEL_SCAN,
			"DELETE FROM receipt_item_scan WHERE id = (SELECT id "
			"FROM receipt_item_scan WHERE receipt_id = ?1 AND "
			"gtin = ?2 ORDER BY id DESC LIMIT 1)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, c->receipt_id);
	sqlite3_bind_text(st, 2, c->gtin, -1, SQLITE_STATIC);
	r = store_step_done(s, st);
	if (r == 0 && sqlite3_changes(s->db) == 0)
		return store_failf(s, -ENOENT,
				   "no scan of %s on receipt %" PRId64, c->gtin,
				   c->receipt_id);
	return r;
}

int store_receipt_remove_item_scan(struct store *s, int64_t receipt_id,
				   const char *gtin, const char *actor,
				   int64_t now)
{
	struct receipt_unscan c = {.receipt_id = receipt_id, .gtin = gtin};
	struct store_entry e = {
	    .actor = actor, .action = "receipt.item_removed", .at = now};

	if (!s || !gtin || !*gtin)
		return -EINVAL;
	store_entry_subject(&e, "receipt", receipt_id);
	e.detail = json_pack("{s:s}", "gtin", gtin);
	return store_write(s, STORE_STEP, store_receipt_unscan_apply, &c, &e);
}

/* ---- receipts left open when the station stopped ---- */

int store_receipt_left_open(struct store *s, const char *desk,
			    struct receipt_left *out, int max)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (!s || !desk || !out || max <= 0)
		return -EINVAL;
	st = store_stmt(s, STMT_RCP_LEFT_OPEN,
			"SELECT id, routine, code, received_at FROM receipt "
			"WHERE state = 'open' AND desk = ? "
			"ORDER BY id DESC LIMIT ?");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, desk, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
		struct receipt_left *l = &out[n++];
		const unsigned char *ro = sqlite3_column_text(st, 1);

		memset(l, 0, sizeof(*l));
		l->id = sqlite3_column_int64(st, 0);
		l->routine = ro && !strcmp((const char *)ro, "ship_qc")
				 ? ROUTINE_SHIP_QC
				 : ROUTINE_RETURN;
		store_col_copy(st, 2, l->code, sizeof(l->code));
		l->received_at = sqlite3_column_int64(st, 3);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		n = store_fail(s, rc);
	store_stmt_done(st);
	return n;
}

struct receipt_leave {
	int64_t receipt_id;
	int64_t now;
	bool resume; /* taken up again, else abandoned */
	int scans, answers;
};

static int store_receipt_leave_apply(struct store *s, void *arg,
				     struct store_entry *e)
{
	struct receipt_leave *c = arg;
	char state[16];
	sqlite3_stmt *st;
	int r;

	(void)e;
	r = store_receipt_state(s, c->receipt_id, state, sizeof(state));
	if (r < 0)
		return r;
	if (strcmp(state, "open"))
		return store_failf(s, -EALREADY,
				   "receipt %" PRId64 " is %s, not open",
				   c->receipt_id, state);
	if (!c->resume) {
		st = store_stmt(s, STMT_RCP_ABANDON,
				"UPDATE receipt SET state = 'cancelled', "
				"cancelled_at = ? WHERE id = ?");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, c->now);
		sqlite3_bind_int64(st, 2, c->receipt_id);
		return store_step_done(s, st);
	}
	st = store_stmt(s, STMT_RCP_RESUME_SCANS,
			"DELETE FROM receipt_item_scan WHERE receipt_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, c->receipt_id);
	r = store_step_done(s, st);
	if (r < 0)
		return r;
	c->scans = sqlite3_changes(s->db);
	st = store_stmt(s, STMT_RCP_RESUME_ANSWERS,
			"DELETE FROM checklist_answer WHERE receipt_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, c->receipt_id);
	r = store_step_done(s, st);
	if (r < 0)
		return r;
	c->answers = sqlite3_changes(s->db);
	st = store_stmt(s, STMT_RCP_RESUME_WEIGHT,
			"UPDATE receipt SET weighed = 0, weight_g = NULL, "
			"weight_mismatch = 0 WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, c->receipt_id);
	return store_step_done(s, st);
}

int store_receipt_abandon(struct store *s, int64_t receipt_id,
			  const char *actor, const char *why, int64_t now)
{
	struct receipt_leave c = {.receipt_id = receipt_id, .now = now};
	struct store_entry e = {
	    .actor = actor, .action = "receipt.abandoned", .at = now};

	if (!s)
		return -EINVAL;
	store_entry_subject(&e, "receipt", receipt_id);
	e.detail = json_pack("{s:s}", "why", why ? why : "");
	return store_write(s, STORE_DURABLE, store_receipt_leave_apply, &c, &e);
}

int store_receipt_resume(struct store *s, int64_t receipt_id, const char *actor,
			 int64_t now)
{
	struct receipt_leave c = {
	    .receipt_id = receipt_id, .now = now, .resume = true};
	struct store_entry e = {
	    .actor = actor, .action = "receipt.resume", .at = now};

	if (!s)
		return -EINVAL;
	store_entry_subject(&e, "receipt", receipt_id);
	/* the audit entry says the walk starts over; the entries before it
	 * keep every scan and answer the clearing drops */
	e.text = "{\"cleared\":\"item scans, checklist answers, weight\"}";
	return store_write(s, STORE_STEP, store_receipt_leave_apply, &c, &e);
}

int store_receipt_photo_count(struct store *s, int64_t receipt_id, int *n)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !n)
		return -EINVAL;
	st = store_stmt(s, STMT_RCP_PHOTO_COUNT,
			"SELECT count(*) FROM photo WHERE receipt_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int(st, 0);
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}
