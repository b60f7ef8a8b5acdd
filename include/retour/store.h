/* SPDX-License-Identifier: MIT */
/*
 * The station's durable record: one SQLite file in WAL mode with
 * synchronous=FULL and foreign keys on, migrated by PRAGMA user_version,
 * prepared statements only.
 *
 * Every state-changing function appends to the audit log (a hash chain:
 * hash = SHA-256(prev_hash || canonical row text)) in the same transaction
 * as the change it records, so an edited or deleted row is detected by
 * store_audit_verify().  The decision, its label and its outbox rows are
 * written in one transaction by store_receipt_decide(): a power cut leaves
 * either all of them or none.  A decision's outbox rows hold no body: the
 * facts are in the receipt once, and the sender renders the event from them
 * when the row is delivered (store_outbox_next_due, event.h).
 *
 * Functions return 0 or a negative errno: -ENOENT nothing found, -EEXIST
 * duplicate, -EBUSY database locked, -EIO SQLite error, -EINVAL bad
 * argument.  store_errmsg() has the last SQLite message.  Several handles on
 * one file are fine (the outbox sender has its own); a handle is used by one
 * thread at a time.
 */
#ifndef RETOUR_STORE_H
#define RETOUR_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "retour/event_facts.h"
#include "retour/returns.h"

struct store;

#define STORE_ACTOR_LEN 64
#define STORE_KEY_LEN 128

/*
 * Open (creating and migrating when needed) the database at @path.  Refuses
 * with -EBUSY when another process holds a write lock beyond the busy
 * timeout, -EIO with a message when the file is not a database or fails
 * quick_check (the file is never overwritten or "repaired"), -EROFS when it
 * is from a newer schema.  @err gets a sentence for the operator.
 */
int store_open(const char *path, struct store **out, char *err, size_t errlen);
void store_close(struct store *s);
/* Fold the write-ahead log into the database file; for idle moments, so
 * that no commit at the desk waits for it.  -EBUSY: try again later. */
int store_checkpoint(struct store *s);
const char *store_errmsg(struct store *s);

/* PRAGMA integrity_check + foreign_key_check; @msg gets "ok" or the first
 * problem.  Returns 0 when healthy, -EIO otherwise. */
int store_check(struct store *s, char *msg, size_t msglen);

/*
 * Claim @db_path for this process: an exclusive lock on "@db_path.lock",
 * with our pid written in it, held until the process exits (keep *fd_out
 * open).  -EBUSY when another process holds it: @err names its pid and the
 * database.  Taken before anything is written; retourd -n does not take it.
 */
int store_lock_take(const char *db_path, int *fd_out, char *err, size_t errlen);

/* Bytes the file (plus WAL) occupies; for the benchmark and /metrics. */
int64_t store_size_bytes(struct store *s);

/* ---- expected returns (and ship-QC orders) ---- */

/*
 * Insert or replace by RMA (by order_ref for RETURN_SHIPMENT when rma is
 * empty).  Sets er->id.  Audited as "expected.put".  A return already at
 * the desk (a receipt open or decided against it) is the record its
 * decision and refund rest on: it is kept as it is, and the call answers
 * STORE_EXPECTED_KEPT instead of 0.
 */
#define STORE_EXPECTED_KEPT 1
int store_expected_put(struct store *s, struct expected_return *er,
		       const char *actor, int64_t now);
/* Match a scanned, normalised code against rma, order_ref and lookup codes. */
int store_expected_find(struct store *s, const char *code,
			struct expected_return *out);
int store_expected_get(struct store *s, int64_t id,
		       struct expected_return *out);
/* Array of expected-return objects (newest first, at most @limit). */
int store_expected_list(struct store *s, int limit, json_t **out);
/* One expected-return object as the list shows it; -ENOENT none. */
int store_expected_view(struct store *s, int64_t id, json_t **out);
/*
 * The shop called expected return @id off: it is kept (its view shows
 * "cancelled_at") and no longer matched at the desk, until imported again.
 * Audited as "expected.cancel".  0 (also when cancelled already: nothing
 * recorded again), -ENOENT no such return, -EPERM a receipt is open or
 * decided on it (store_errmsg() names it): nothing changed.
 */
int store_expected_cancel(struct store *s, int64_t id, const char *actor,
			  int64_t now);
/*
 * Whether expected return @expected_id is already answered by a decided
 * receipt (one not undone), so that a parcel for it is a duplicate: 1 with
 * @receipt_id (the newest such receipt) and @label_printed (false when its
 * newest label has not printed, so it can be printed again with
 * store_label_zpl(); true when it printed or the decision has no label),
 * 0 when none, or when units of it are still open (a second parcel for the
 * same RMA brings what the first did not: store_expected_answered()),
 * -errno on error.  Either out pointer may be NULL.
 */
int store_expected_decided(struct store *s, int64_t expected_id,
			   int64_t *receipt_id, bool *label_printed);
/*
 * 1 when nothing of expected return @expected_id is left to take back: a
 * decided receipt refused or held it as a whole, or decided receipts
 * refunded every unit of every item; 0 when units are still open (or no
 * receipt was decided); -errno.  store_expected_get() fills
 * expected_return.before, what earlier receipts of the return and of its
 * order took back, from the same record.
 */
int store_expected_answered(struct store *s, int64_t expected_id);

/*
 * Complaints whose answer is due within @within_us of @now or overdue, and
 * not answered yet (no decided receipt): a JSON array, soonest first, of
 * {expected_id, rma, order, received_at, received_from ("import" when the
 * shop gave complaint_received_at, "receipt" when the deadline runs from
 * the parcel's receipt), answer_due_at (+ _us), deemed_accepted (past the
 * deadline: the complaint counts as accepted), receipt (the open receipt,
 * or null)}.  A complaint with neither date is
 * not listed: its deadline is unknown.  The deadline is @policy's
 * (rules_complaint_answer_due).
 */
struct rules_policy;
int store_complaints_due(struct store *s, const struct rules_policy *policy,
			 int64_t now, int64_t within_us, json_t **out);

/* ---- clerks ---- */

int store_clerk_put(struct store *s, const char *badge, const char *name,
		    int64_t now);
/* A clerk with a role: "clerk", "packer" or "supervisor" (-EINVAL
 * otherwise; NULL: "clerk"). */
int store_clerk_put_role(struct store *s, const char *badge, const char *name,
			 const char *role, int64_t now);
/* @name gets the clerk's name for a badge code; -ENOENT if unknown. */
int store_clerk_by_badge(struct store *s, const char *badge, char *name,
			 size_t namelen);
/* The same with the clerk's role into @role (16 bytes are enough). */
int store_clerk_find(struct store *s, const char *badge, char *name,
		     size_t namelen, char *role, size_t rolelen);
/* The clerks as [{"name", "role"}], by name: for the sign-in screen, so
 * never a badge. */
int store_clerk_list(struct store *s, json_t **out);
/* The role of a clerk named @name (the config's clerks and those
 * registered since); -ENOENT if none is. */
int store_clerk_named(struct store *s, const char *name, char *role,
		      size_t rolelen);
/* Whether @role is one a clerk may have. */
bool store_clerk_role_valid(const char *role);

/* ---- receipts: a parcel handled at the desk ---- */

enum receipt_routine { ROUTINE_RETURN = 0, ROUTINE_SHIP_QC };

struct receipt_open {
	int64_t expected_id; /* 0: unexpected return, held for review */
	enum receipt_routine routine;
	char desk[32];
	char clerk[STORE_ACTOR_LEN];
	char code[64]; /* the code that was scanned */
	int64_t received_at;
	/* made before the clock was set: marked, with this boot's id and
	 * its CLOCK_BOOTTIME at @received_at (store_clock_correct()) */
	bool time_unsure;
	char boot_id[37];
	int64_t boot_us;
};

int store_receipt_open(struct store *s, const struct receipt_open *r,
		       int64_t *id_out);
int store_receipt_set_weight(struct store *s, int64_t receipt_id, bool weighed,
			     int32_t weight_g, bool mismatch, const char *actor,
			     int64_t now);
/* A weight the clerk typed in (the scale could not weigh): the audit entry
 * (receipt.weigh) keeps "manual" and the @reason with the weight. */
int store_receipt_set_manual_weight(struct store *s, int64_t receipt_id,
				    int32_t weight_g, bool mismatch,
				    const char *reason, const char *actor,
				    int64_t now);
/* A step that went on without its device, as the record says it: @step
 * ("weigh", "photo", a checklist step), @note ("photo skipped: camera
 * gone"), 1-255 bytes; shown in the receipt's "notes". */
int store_receipt_note(struct store *s, int64_t receipt_id, const char *step,
		       const char *note, const char *actor, int64_t now);
/* One scanned item: expected index (-1 when not in the order), GTIN,
 * optional serial. */
int store_receipt_add_item_scan(struct store *s, int64_t receipt_id,
				int item_index, const char *gtin,
				const char *serial, const char *actor,
				int64_t now);
/* The photo file must already be written and fsync'd.  A photo asked for
 * while the parcel was open may arrive after its decision (the camera works
 * off the loop): it is evidence of the parcel all the same and is kept,
 * whatever the receipt's state; -ENOENT only for no such receipt. */
int store_photo_add(struct store *s, int64_t receipt_id, const char *step,
		    const char *sha256_hex, const char *path, int64_t bytes,
		    const char *actor, int64_t now);
/* The same, and with @object_key (not NULL: [photo upload] is set) the
 * photo's upload queued in the same write (photo_upload.h): one outbox
 * row per content, ever ("photo:<sha256>"); a photo whose content is
 * queued already adds none. */
int store_photo_add_upload(struct store *s, int64_t receipt_id,
			   const char *step, const char *sha256_hex,
			   const char *path, int64_t bytes,
			   const char *object_key, const char *actor,
			   int64_t now);
/* Photo uploads waiting (pending outbox rows): how many, and the
 * created_at of the oldest (0 when none). */
int store_photo_upload_backlog(struct store *s, int64_t *waiting,
			       int64_t *oldest_at);
/* The photos on record for receipt @receipt_id, into *@n. */
int store_receipt_photo_count(struct store *s, int64_t receipt_id, int *n);
int store_checklist_answer(struct store *s, int64_t receipt_id,
			   const char *template_id, int template_version,
			   const char *step, const char *answer,
			   const char *actor, int64_t now);

struct outbox_new {
	const char *action;	 /* "refund.requested", "return.decided", ... */
	char key[STORE_KEY_LEN]; /* idempotency key: unique per record+action */
	/* JSON text to send as it is; NULL (a decision's events): rendered
	 * from the decision when the row is delivered */
	const char *payload;
	int64_t not_before; /* grace period: not sent before this */
};

/*
 * A device came back or failed (devices.h): the audit entry @action
 * ("device.fault", "device.ok") on "device:@device" with the state, the
 * reason and the parcel open at the desk (@receipt_id, 0: none), and, when
 * a connector takes device events, its outbox row @outbox (its payload
 * given, of no receipt: undoing the parcel leaves it), in one durable
 * write.  0 or -errno.
 */
struct store_device_event {
	const char *action;
	const char *device; /* "scanner", "scale", ... */
	const char *state;  /* "connected", "missing", "fault" */
	const char *reason; /* "" when connected */
	int64_t receipt_id;
	const struct outbox_new *outbox; /* NULL: not sent anywhere */
};
int store_device_event(struct store *s, const struct store_device_event *ev,
		       const char *actor, int64_t now);

struct decision_record {
	const char
	    *verdict; /* accept, partial, reject, hold, qc_passed, qc_failed */
	const char *proposal_json; /* the proposal with every reason */
	bool overridden;	   /* the clerk decided against the proposal */
	const char *override_reason;
	/* the supervisor who authorised overriding a refusal, NULL: none */
	const char *override_by;
	int64_t refund_minor;
	char currency[4];
	const char *decided_by;
	int64_t decided_at;
	const char *shop;      /* [shop] name: the shop the events are for */
	const char *label_zpl; /* the disposition label, NULL if none */
};

/* Record the decision, its label and its outbox rows in one transaction.
 * The rows' created_at is the decision's decided_at: that is how a row is
 * known to belong to the decision it is rendered from.
 * -EEXIST if the receipt is already decided (and not undone), or if
 * another receipt of the same expected return is decided (one return, one
 * refund; store_errmsg() says "RMA ... was already decided on receipt N");
 * a receipt without an expected return (unexpected, held) is not checked. */
int store_receipt_decide(struct store *s, int64_t receipt_id,
			 const struct decision_record *d,
			 const struct outbox_new *out, int n_out);
/*
 * Undo a decision within its grace period: cancels its outbox rows that were
 * never attempted.  -EALREADY (too late, store_errmsg() says why) when one
 * was claimed by the sender, attempted, finished, or its grace period is
 * over.  @now is when the clerk asked; the grace check uses @now plus the
 * time the call waited for the write lock (measured on CLOCK_MONOTONIC), so
 * a wait behind another writer cannot stretch the grace period.  That is
 * the store's only clock read; @now keeps the time base, so a test can
 * still pass any time it likes.
 */
int store_receipt_undo(struct store *s, int64_t receipt_id, const char *actor,
		       int64_t now);
/* The outcome of printing the receipt's latest label.  Its ZPL is kept,
 * printed or not, so that it can be printed again on request. */
int store_label_mark_printed(struct store *s, int64_t receipt_id, bool ok,
			     const char *detail, int64_t now);
/* The stored ZPL of the receipt's newest label, malloc'd into @zpl (free()
 * it), to print it again.  -ENOENT when the receipt has no label (or a
 * label printed before its ZPL was kept). */
int store_label_zpl(struct store *s, int64_t receipt_id, char **zpl);
/*
 * A decided receipt's label printed again on request: its newest label's
 * ZPL into @zpl (malloc'd, free() it), copied to a new label row (the
 * print's outcome is recorded on it), with the audit entry "label.reprint",
 * in one transaction.  -ENOENT no such receipt; -ENODATA (store_errmsg()
 * says why) when the receipt is not decided or has no stored label.
 */
int store_label_reprint(struct store *s, int64_t receipt_id, const char *actor,
			int64_t now, char **zpl);
/*
 * The VOID label of an undone decision: a new label row of the receipt
 * with @zpl, and the audit entry "label.void" naming the label it cancels,
 * in one durable transaction.  -ENOENT no such receipt; -ENODATA when the
 * receipt is not undone.
 */
int store_label_void(struct store *s, int64_t receipt_id, const char *zpl,
		     const char *actor, int64_t now);
/* Close a receipt that was abandoned (way back from the first step). */
int store_receipt_cancel(struct store *s, int64_t receipt_id, const char *actor,
			 int64_t now);
/* The same, with outbox row @tell (return.cancelled: the receiver heard
 * return.received) queued in the same write; @tell may be NULL. */
int store_receipt_cancel_telling(struct store *s, int64_t receipt_id,
				 const char *actor, int64_t now,
				 const struct outbox_new *tell);
/* Take back the newest scan of @gtin on an open receipt: the unit was
 * taken out of the box.  -ENOENT when none was scanned. */
int store_receipt_remove_item_scan(struct store *s, int64_t receipt_id,
				   const char *gtin, const char *actor,
				   int64_t now);

/* A receipt left open when the station stopped (a crash, a power cut). */
struct receipt_left {
	int64_t id;
	enum receipt_routine routine;
	char code[64];
	int64_t received_at;
};
/* The open receipts of @desk, newest first, at most @max; their count. */
int store_receipt_left_open(struct store *s, const char *desk,
			    struct receipt_left *out, int max);
/* Close a receipt left open (state cancelled, audit "receipt.abandoned"
 * with @why).  -EALREADY when it is no longer open. */
int store_receipt_abandon(struct store *s, int64_t receipt_id,
			  const char *actor, const char *why, int64_t now);
/* Take a receipt left open up again at its first step: its item scans,
 * checklist answers and weight are cleared (the audit log keeps them),
 * its photos kept; audit "receipt.resume".  -EALREADY when not open. */
int store_receipt_resume(struct store *s, int64_t receipt_id, const char *actor,
			 int64_t now);

/*
 * What the desk's screen shows of a receipt (receipt_live.c).  Its photos
 * as [{"id", "step", "taken_at"}], oldest first; the units scanned that
 * are not in its order as [{"code", "scanned"}] (a unit taken out again
 * is not counted).  0 or -errno.
 */
int store_receipt_photos_brief(struct store *s, int64_t receipt_id,
			       json_t **out);
int store_receipt_extra_scans(struct store *s, int64_t receipt_id,
			      json_t **out);
/* The receipt's newest refund.requested row as it stands: -ENOENT when
 * its decision asked for no refund. */
struct store_refund {
	int64_t outbox_id;
	char state[12]; /* pending, done, dead, cancelled */
	int attempts;
	bool has_shop_ref;
	char shop_ref[128]; /* the shop's refund id, once done */
	char error[256];    /* the last attempt's error, "" none */
	int64_t next_attempt_at;
};
int store_refund_state(struct store *s, int64_t receipt_id,
		       struct store_refund *out);
/* Photo @photo_id's file, as recorded.  -ENOENT no such photo. */
struct store_photo {
	int64_t receipt_id;
	char sha256[65];
	char path[4096];
	int64_t bytes;
};
int store_photo_find(struct store *s, int64_t photo_id,
		     struct store_photo *out);

/* JSON views for the API and the CLI. */
int store_receipt_list(struct store *s, int limit, json_t **out);
/*
 * Which receipts store_receipt_find() lists; each field given ("" or 0
 * leaves it open) narrows the list.  Codes compare without case.
 */
struct receipt_filter {
	char order[48]; /* the expected return's order, or the code scanned */
	char rma[48];	/* the expected return's RMA, or the code scanned */
	char tracking[48]; /* a lookup code of the expected return, or the
			      code scanned */
	char state[12];	   /* open, decided, cancelled, undone */
	char verdict[12];  /* a decided receipt's verdict */
	bool has_from, has_to;
	int64_t from_us, to_us; /* received_at within [from, to], UTC us */
	/* the expected return's kind: withdrawal, complaint, shipment, or
	 * unexpected (none) */
	char kind[12];
	/* changed since: received, decided, undone or cancelled at or after
	 * @since_us (an integrator's sync) */
	bool has_since;
	int64_t since_us;
	int limit;	   /* 0: no limit */
	bool oldest_first; /* received_at ascending (an export) */
};
/* The receipts matching @f, newest first, as store_receipt_list() shows
 * them; 0 or -errno (-EINVAL for a NULL argument). */
int store_receipt_find(struct store *s, const struct receipt_filter *f,
		       json_t **out);
int store_receipt_get(struct store *s, int64_t receipt_id, json_t **out);
int store_count_receipts(struct store *s, int64_t *n);
/*
 * The supervisors' figures over the receipts received in [@from_us,
 * @to_us] (src/store/kpi.c says how each is counted), hours in the local
 * calendar of @std_offset_min and @eu_summer: {"returns_per_hour":
 * [{"hour": "YYYY-MM-DDTHH", "count"}], "reasons": [{"reason", "count"}],
 * "verdicts": {"accept", "partial", "reject", "hold"}, "rejection_reasons":
 * [{"reason", "count"}], "refund_latency_s": {"n", "median", "p90"},
 * "qc": {"passed", "failed"}, "qc_failures": [{"cause", "count"}]}.
 */
int store_kpi(struct store *s, int64_t from_us, int64_t to_us,
	      int std_offset_min, bool eu_summer, json_t **out);
/* What /metrics reads from the record: receipts by routine (return,
 * ship_qc) and outcome (decided, cancelled, undone), when the oldest
 * pending outbox row was made (0: none), and how many refunds the shop
 * confirmed within each of store_metrics_latency_le[] seconds of their
 * receipt (cumulative), with their count and sum. */
#define STORE_METRICS_OUTCOMES 3
#define STORE_METRICS_LATENCY_BUCKETS 9
extern const char *const store_metrics_outcome[STORE_METRICS_OUTCOMES];
extern const double store_metrics_latency_le[STORE_METRICS_LATENCY_BUCKETS];
struct store_metrics {
	int64_t routines[2][STORE_METRICS_OUTCOMES];
	int64_t oldest_pending_at;
	int64_t latency_le[STORE_METRICS_LATENCY_BUCKETS];
	int64_t latency_count;
	double latency_sum_s;
};
int store_metrics(struct store *s, struct store_metrics *m);

/* ---- outbox ---- */

struct outbox_row {
	int64_t id;
	int64_t receipt_id;
	char action[32];
	char key[STORE_KEY_LEN];
	char state[12]; /* pending, done, dead, cancelled */
	int attempts;	/* claimed delivery attempts so far */
	int64_t not_before;
	int64_t next_attempt_at;
	int64_t created_at;
	/* The body to send: the row's own payload (malloc'd JSON text), or
	 * NULL for a decision's event, whose body the caller renders from
	 * @facts (event_render()) and may put here. */
	char *payload;
	/* The facts of a decision's event, when @payload is NULL and the
	 * record can make its body; its text is owned by the row. */
	bool has_facts;
	struct event_facts facts;
	void *facts_mem;   /* what @facts points into */
	char problem[160]; /* why neither a payload nor facts */
	bool claimed;	   /* the sender's: claimed already for this attempt */
};

/*
 * The oldest pending row with not_before and next_attempt_at <= @now, read
 * in one snapshot with what its body is made of: the row's own payload, or
 * the facts of the decision it was made for (its receipt and expected
 * return), from which event_render() makes the same bytes on every call.
 * The store renders nothing.  A cancelled row is never due.  When the record
 * cannot make the body (the receipt is no longer in the decision the row
 * was made for), @out has neither payload nor facts and @out->problem says
 * why: the row can never be sent as it is.  Release the row with
 * store_outbox_row_release().  -ENOENT nothing due; -EIO, -EBUSY, -ENOMEM.
 */
int store_outbox_next_due(struct store *s, int64_t now, struct outbox_row *out);
/* Which rows this handle's due reads (due ids, next due, next time) and
 * resume see: an enum outbox_lane (outbox.h), 0 for all. */
void store_outbox_set_lane(struct store *s, int lane);
/* The ids of the @max oldest due rows, read with one sort (the sender
 * takes a batch with it): how many, or -errno. */
int store_outbox_due_ids(struct store *s, int64_t now, int64_t *ids, int max);
/* Row @id as store_outbox_next_due() reads one, if it is still due at
 * @now (-ENOENT if not); @id 0: the oldest due row. */
int store_outbox_due_row(struct store *s, int64_t now, int64_t id,
			 struct outbox_row *out);
/* Free what a row read by store_outbox_next_due() owns (the payload, the
 * facts' text); the row may be read into again. */
void store_outbox_row_release(struct outbox_row *row);
/*
 * Claim @row (as store_outbox_next_due() returned it) for one delivery
 * attempt, right before it is sent: in a durable transaction, count the
 * attempt (attempts + 1) and move next_attempt_at to @retry_at.  From then
 * on an undo of its receipt is refused, and if the outcome is never
 * recorded (a crash, a full disk) the row is not sent again before
 * @retry_at.  Only a row still pending, due at @now and with row->attempts
 * attempts is claimed: -EALREADY when it changed (cancelled by an undo,
 * finished, claimed already): do not send it.  -EBUSY, -EIO, -ENOSPC.
 */
int store_outbox_claim(struct store *s, const struct outbox_row *row,
		       int64_t now, int64_t retry_at);
/*
 * Claim @n rows at once, in one durable transaction (one fsync for all):
 * each as store_outbox_claim() would, to @retry_at[i], with its own audit
 * entry; @claimed[i] says which were (a row that changed is skipped, not
 * an error).  0 (perhaps with none claimed), or -EBUSY, -EIO, -ENOSPC with
 * none claimed.
 */
int store_outbox_claim_many(struct store *s, struct outbox_row *const *rows,
			    int n, int64_t now, const int64_t *retry_at,
			    bool *claimed);
/* The shop answers again: every pending row that was attempted and waits
 * for its backoff beyond @at is due at @at (a row in its grace period is
 * not; one due earlier stays).  The sender calls it when a row is done
 * after failures, @at now or the end of the latest wait a shop asked for;
 * @now is the audit entry's time.  0 or -errno. */
int store_outbox_resume(struct store *s, int64_t now, int64_t at);
/* Earliest time anything pending becomes due, -ENOENT if nothing. */
int store_outbox_next_time(struct store *s, int64_t *when);
/* The outcome of a claimed attempt.  They do not count attempts again (the
 * claim did); retry sets when the row is due next. */
int store_outbox_mark_done(struct store *s, int64_t id, const char *shop_ref,
			   int64_t now);
int store_outbox_mark_retry(struct store *s, int64_t id, int64_t next_at,
			    const char *error, int64_t now);
int store_outbox_mark_dead(struct store *s, int64_t id, const char *error,
			   int64_t now);
/* The same, queueing row @then (the outcome's event, its payload given,
 * of the same receipt; NULL: none) in the same durable write: the row is
 * marked and its event queued together or neither is. */
int store_outbox_mark_done_then(struct store *s, int64_t id,
				const char *shop_ref, int64_t now,
				const struct outbox_new *then);
int store_outbox_mark_dead_then(struct store *s, int64_t id, const char *error,
				int64_t now, const struct outbox_new *then);
/* Queue row @o (its payload given) of receipt @receipt_id in a durable
 * write of its own, with an audit entry by @actor: a parcel's event
 * (return.received).  0, -EEXIST (the key is used), -errno. */
int store_outbox_queue(struct store *s, int64_t receipt_id,
		       const struct outbox_new *o, const char *actor,
		       int64_t now);
/* Manual retry (UI, CLI): dead or pending -> pending, due now. */
int store_outbox_retry(struct store *s, int64_t id, const char *actor,
		       int64_t now);
int store_outbox_list(struct store *s, const char *state, int limit,
		      json_t **out);
int store_outbox_count(struct store *s, const char *state, int64_t *n);

/* ---- expected returns pulled from the shops ---- */

/*
 * What the station keeps of each connector that pulls expected returns,
 * by the connector's name: the cursor to go on from (the shop's own text,
 * "" before the first poll), the last poll, the last one that worked, the
 * last error ("" when the last poll worked) and how many returns were new.
 */
#define STORE_PULL_CURSOR_LEN 512
#define STORE_PULL_ERROR_LEN 256
struct store_pull_state {
	char cursor[STORE_PULL_CURSOR_LEN];
	int64_t last_poll_at;
	int64_t last_ok_at;
	char last_error[STORE_PULL_ERROR_LEN];
	int64_t imported;
};

/* 0, or -ENOENT (never polled: @out zeroed), -errno. */
int store_pull_get(struct store *s, const char *connector,
		   struct store_pull_state *out);
/*
 * A batch was imported: keep @cursor, count @imported more, the poll at
 * @polled_at worked (the last error cleared).  Call it only after every
 * return of the batch is stored: a crash before leaves the old cursor, and
 * the same page comes again.
 */
int store_pull_saved(struct store *s, const char *connector, const char *cursor,
		     int64_t imported, int64_t polled_at);
/* A poll failed at @at with @error (the cursor stays). */
int store_pull_failed(struct store *s, const char *connector, const char *error,
		      int64_t at);
/* 1 when an expected return with @er's key (its RMA, else its order for a
 * return without one: store_expected_put()'s) is stored already, 0 not. */
int store_expected_known(struct store *s, const struct expected_return *er);

/* ---- the clock ---- */

/*
 * The clock is set: every receipt marked time_unsure in boot @boot_id gets
 * its times corrected to boot_us + @offset_us (CLOCK_REALTIME -
 * CLOCK_BOOTTIME now), and the evidence recorded against it (item scans,
 * answers, photos, notes, labels, its outbox rows' times) moves by the
 * same amount; the mark goes, the shift stays (time_corrected_us).  The
 * audit log's rows are hashed and are not rewritten: the entry
 * "clock.corrected" records @shift_us (what to add to the entries made
 * while the clock was unsure), @offset_us and the receipts, in the same
 * durable transaction.  Receipts marked in another boot cannot be
 * corrected and stay marked.  *@corrected and *@left (either may be NULL)
 * get the counts.  0 or -errno.
 */
int store_clock_correct(struct store *s, const char *boot_id, int64_t offset_us,
			int64_t shift_us, const char *actor, int64_t now,
			int *corrected, int *left);

/* ---- audit ---- */

/* Append one entry (used by the functions above; public for the daemon's
 * own events such as sign-in).  @detail may be NULL. */
int store_audit_append(struct store *s, const char *actor, const char *action,
		       const char *subject, const char *detail, int64_t now);
/* Walk the chain.  0 when intact; -EBADMSG with @bad_id the first entry
 * whose hash does not match (edited, inserted or deleted before it). */
int store_audit_verify(struct store *s, int64_t *checked, int64_t *bad_id);

#endif
