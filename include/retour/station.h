/* SPDX-License-Identifier: MIT */
/*
 * The station: the imperative shell around one desk.  It owns the store,
 * the devices and the outbox sender, turns device input and API calls into
 * workflow events, and performs the actions the workflow answers with.
 *
 * Single-threaded: every function here runs on the daemon's sd-event loop.
 * The outbox sender is the one other thread, and it talks to the station
 * only through the database and an eventfd.
 */
#ifndef RETOUR_STATION_H
#define RETOUR_STATION_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <systemd/sd-event.h>

#include "retour/config.h"

struct station;

/* Open the store, load checklists, open the devices named by the board and
 * start the outbox sender.  A device that fails to open is reported and
 * left out (the desk works without it); a store or checklist problem is
 * fatal: -errno with @err for the operator. */
int station_new(const struct config *cfg, sd_event *ev, struct station **out,
		char *err, size_t errlen);
void station_free(struct station *st);

/* One line as a scanner delivered it (or typed by hand via the API). */
void station_scan(struct station *st, const char *line, size_t len);
/* Sign in by badge code or by a registered clerk's name. */
int station_sign_in(struct station *st, const char *badge, const char *name,
		    char *err, size_t errlen);
/* The clerk's commands from the screen, the API and the CLI.  Each one is
 * a workflow event; a command that makes no sense at the current step is
 * refused by the desk, whose problem text (station_status) says why. */
void station_sign_out(struct station *st);
/* "return" or "ship_qc", between parcels; -EINVAL for anything else. */
int station_choose_routine(struct station *st, const char *routine, char *err,
			   size_t errlen);
/*
 * After a code was not found (status "not_found"), start an unexpected
 * return with it.  -EBUSY when the desk offers none (err: the desk's
 * problem), -EIO when its record could not be opened.
 */
int station_start_unexpected(struct station *st, char *err, size_t errlen);
/* Skip the weigh or photo step; @reason (NULL: the device's state says
 * why) is kept in the record's notes. */
void station_skip(struct station *st, const char *reason);
void station_items_done(struct station *st);
void station_back(struct station *st);
void station_cancel(struct station *st);
void station_answer(struct station *st, const char *answer);
/* @verdict: accept, partial, reject, hold (qc_passed and qc_failed for
 * ship-QC); -EINVAL for anything else.  @reason may be NULL.  Paying or
 * passing what the proposal refused needs a supervisor: @supervisor's
 * badge, or a supervisor signed in; else -EACCES and nothing recorded.
 * -EPERM when the desk refused it (@err: its problem), -EIO when the
 * decision could not be recorded. */
int station_confirm(struct station *st, const char *verdict, const char *reason,
		    const char *supervisor, char *err, size_t errlen);
/* Ship-QC: take a unit out of the box.  Without @code the next item
 * scanned is taken out; with it, that item now.  -EPERM when the desk
 * refused (@err: why), -EINVAL when @code is no code. */
int station_remove(struct station *st, const char *code, char *err,
		   size_t errlen);
/* station_confirm() of a complaint with its remedy (repair, replace,
 * reduce, refund; NULL: the proposal's) and, for reduce, the reduction in
 * minor units.  -EINVAL for an unknown remedy. */
int station_confirm_remedy(struct station *st, const char *verdict,
			   const char *reason, const char *supervisor,
			   const char *remedy, int64_t amount_minor, char *err,
			   size_t errlen);
/*
 * What became of the last of the clerk's commands above (and of a scan):
 * 0 taken; 1 taken, but the desk had nothing to do; -EPERM refused by the
 * desk; -ENODEV the photo it asked for failed; another -errno: a record
 * it needed was not written (-EEXIST: the return was decided on another
 * receipt meanwhile).  @why gets the desk's problem text.
 */
int station_command_outcome(const struct station *st, char *why, size_t len);
/* Ask the devices directly.  The scale again: at the weigh step only,
 * -EBUSY elsewhere (@err). */
int station_weigh(struct station *st, char *err, size_t errlen);
/* Zero the empty scale, between parcels, in the audit log.  -EBUSY at a
 * parcel's step (or while the scale answers a question),
 * -ENODEV without a scale, -EOPNOTSUPP for a scale that cannot be zeroed
 * from the station; @err says why and what to do. */
int station_zero_scale(struct station *st, char *err, size_t errlen);
/* Manual weight: the clerk types the weight in with a reason, at the weigh
 * step only.  -EINVAL for grams or a reason the desk does not take, -EBUSY
 * at another step; @err says why and nothing changed. */
int station_weigh_manual(struct station *st, int64_t grams, const char *reason,
			 char *err, size_t errlen);
void station_photo(struct station *st);
int station_press(struct station *st, const char *button, char *err,
		  size_t errlen);
int station_undo(struct station *st, int64_t receipt_id, char *err,
		 size_t errlen);
/* Print a decided receipt's stored label again, recorded in the audit log
 * ("label.reprint").  0 when queued for the printer; -ENOENT no such
 * receipt; -ENODATA not decided or no stored label; -ENODEV no printer,
 * -EBUSY the printer's queue is full; @err says which. */
int station_reprint(struct station *st, int64_t receipt_id, char *err,
		    size_t errlen);
int station_outbox_retry(struct station *st, int64_t id, char *err,
			 size_t errlen);
/* Poll the shop of [connector @name] (NULL: every one that pulls) for
 * expected returns now, not at its next time.  0, or -ENOENT (none such
 * pulls) with @err. */
int station_pull_now(struct station *st, const char *name, char *err,
		     size_t errlen);
/*
 * Import expected returns: an object, an array or {"returns": [...]}; all
 * or nothing.  Returns the count stored or -errno with @err naming the
 * field.  Returns already at the desk are left as they are and their codes
 * appended to @kept (a JSON array) instead.
 */
int station_import_expected(struct station *st, json_t *doc, json_t *kept,
			    char *err, size_t errlen);
/*
 * The same import in two halves, so that a large one never holds the desk
 * up (station_import.c).  station_import_parse() reads and checks @doc,
 * all or nothing, and touches nothing but @cfg: any thread may run it.
 * 0 with *@out, or -errno with @err (-EINVAL: bad input).  Then, on the
 * loop, each station_import_store_next() stores one return in its own
 * durable transaction: 1 more are left, 0 all are stored, -errno with @err
 * (the returns before it stay stored).
 */
struct station_import;
int station_import_parse(const struct config *cfg, json_t *doc,
			 struct station_import **out, char *err, size_t errlen);
int station_import_store_next(struct station *st, struct station_import *im,
			      char *err, size_t errlen);
int station_import_count(const struct station_import *im); /* parsed */
int station_import_stored(const struct station_import *im);
/* The codes of the returns already at the desk, left as they were. */
json_t *station_import_kept(const struct station_import *im);
void station_import_free(struct station_import *im);
/* @role: clerk, packer or supervisor (NULL: clerk); -EINVAL otherwise.
 * A supervisor is registered only on a supervisor's word: @supervisor
 * (a supervisor's badge), or a supervisor signed in at the desk by badge;
 * -EACCES otherwise.  -EEXIST: the badge is registered already. */
int station_register_clerk(struct station *st, const char *badge,
			   const char *name, const char *role,
			   const char *supervisor, char *err, size_t errlen);

json_t *station_status(struct station *st);
/*
 * What the status shows changed: every change (a desk step, a device's
 * state, a scale reading, the outbox's counts, the clock) bumps the
 * status's "seq" and calls the one listener set here, on the loop, with
 * the new seq.  A listener that wants one update per loop turn coalesces
 * them itself.  @fn NULL: no listener.
 */
typedef void (*station_change_fn)(void *ctx, uint64_t seq);
void station_on_change(struct station *st, station_change_fn fn, void *ctx);
/* The status's "seq" now (0 before any change). */
uint64_t station_seq(const struct station *st);
const char *station_metrics(struct station *st); /* Prometheus text */

/*
 * The station's records, as JSON views for the API and the CLI.  0, or
 * -errno with station_errmsg() saying why (-ENOENT: no such record).
 */
int station_expected_list(struct station *st, int limit, json_t **out);
/* The station's clerks, name and role (never a badge), for the sign-in
 * screen's buttons (store_clerk_list). */
int station_clerks_list(struct station *st, json_t **out);
/* Complaints within [shop] complaint_warn_days of their answer deadline or
 * past it, not answered yet (store_complaints_due).  -EAGAIN while the
 * clock is not set: their deadlines are unknown. */
int station_complaints_due(struct station *st, json_t **out);
/* The receipts @f finds (retour/store.h), newest first. */
struct receipt_filter;
int station_returns_find(struct station *st, const struct receipt_filter *f,
			 json_t **out);
/* The first and last instant (UTC us) of local day @days (since
 * 1970-01-01) in the shop's calendar, as the station counts days. */
void station_local_day(const struct station *st, int64_t days,
		       int64_t *first_us, int64_t *last_us);
int station_return_get(struct station *st, int64_t receipt_id, json_t **out);
/* One expected return as the list shows it; -ENOENT none. */
int station_expected_get(struct station *st, int64_t id, json_t **out);
/* The shop called expected return @id off (store_expected_cancel):
 * -ENOENT none, -EPERM a receipt is open or decided on it; @err says
 * which. */
int station_expected_cancel(struct station *st, int64_t id, char *err,
			    size_t errlen);
/* Photo @id's bytes, read from the file the store names (malloc'd into
 * @out->data: free() it) with its SHA-256.  -ENOENT no such photo,
 * -ENODATA its file is gone or not in the photo directory; @err says. */
struct station_photo_file {
	char *data;
	size_t len;
	char sha256[65];
};
int station_photo_read(struct station *st, int64_t id,
		       struct station_photo_file *out, char *err,
		       size_t errlen);
/*
 * Receipt @receipt_id's dispute pack (src/daemon/evidence.c, evidence.h):
 * the PDF, the ZIP of its photos and manifest, or its record as JSON with
 * each photo's "on_station", into *@data (malloc'd, *@len bytes).
 * -ENOENT no such receipt; -errno with @err (start it empty) otherwise.
 */
enum station_evidence_kind {
	STATION_EVIDENCE_PDF,
	STATION_EVIDENCE_ZIP,
	STATION_EVIDENCE_JSON,
};
int station_evidence(struct station *st, int64_t receipt_id,
		     enum station_evidence_kind kind, char **data, size_t *len,
		     char *err, size_t errlen);
/* The supervisors' figures (store_kpi) over local days @from_day to
 * @to_day (days since 1970-01-01), both included. */
int station_kpi(struct station *st, int64_t from_day, int64_t to_day,
		json_t **out);
/* Today, in the shop's calendar (days since 1970-01-01). */
int64_t station_today(const struct station *st);
/* @state: NULL (all), pending, done, dead or cancelled. */
int station_outbox_list(struct station *st, const char *state, int limit,
			json_t **out);
/* The database's integrity: 0 and "ok" in @msg, or -EIO and the problem. */
int station_db_check(struct station *st, char *msg, size_t msglen);
/* The audit chain: 0 intact, -EBADMSG with @bad_id the first bad entry. */
int station_audit_verify(struct station *st, int64_t *checked, int64_t *bad_id);
const char *station_errmsg(struct station *st);

/* Periodic work (timeouts); the daemon calls it once a second. */
void station_tick(struct station *st);

#endif
