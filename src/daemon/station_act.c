/* SPDX-License-Identifier: MIT */
/*
 * The station performs what the desk decides.  station_feed() hands one
 * event to the pure workflow and performs the actions it answers with, in
 * order: open the parcel's record, record a weight, an item, an answer, a
 * photo, write the decision with its outbox rows and label in one
 * transaction, print, set the light.  What became of an action that can
 * fail goes back to the desk as an event, queued and fed after the
 * current batch, so the desk never sees events out of order.
 *
 * What it deliberately does not do: decide.  Which rows, which keys, which
 * label, what the clerk is told: all of it comes from src/core.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "retour/clock.h"
#include "retour/event.h"
#include "retour/log.h"
#include "retour/outbox.h"
#include "retour/photo_upload.h"
#include "retour/scale_unit.h"

#include "station_internal.h"

/* A photo's row, on @receipt; with [photo upload], its upload queued in
 * the same write and the upload sender woken. */
int station_photo_record(struct station *st, int64_t receipt, const char *step,
			 const struct photo_taken *p)
{
	char key[PHOTO_UPLOAD_KEY_LEN];
	int r;

	if (!config_photo_upload_set(st->cfg))
		return store_photo_add(st->store, receipt, step, p->sha256,
				       p->path, (int64_t)p->bytes,
				       station_actor(st), clock_now_us());
	r = photo_upload_object_key(config_photo_upload_prefix(st->cfg),
				    p->sha256, key, sizeof(key));
	if (r < 0)
		return r;
	r = store_photo_add_upload(st->store, receipt, step, p->sha256, p->path,
				   (int64_t)p->bytes, key, station_actor(st),
				   clock_now_us());
	if (r == 0 && st->photo_sender)
		outbox_sender_kick(st->photo_sender);
	return r;
}

static void station_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/*
 * A weight the scale gave in another unit (oz, lb, kg with decimals): the
 * record keeps what it said beside the grams, as a note of the weigh step
 * ("scale read 645.2 oz"), so a dispute can see the reading itself.
 * Plain grams need none: the grams are the reading.
 */
static int station_note_scale_reading(struct station *st, int32_t grams,
				      int64_t now)
{
	const struct scale_reading *w = &st->weight_read;
	char said[48], note[96];

	if (!st->weight_read_stable || w->grams != grams || !w->unit[0] ||
	    (!strcmp(w->unit, "g") && w->exponent == 0))
		return 0;
	scale_unit_format(w->raw, w->exponent, w->unit, said, sizeof(said));
	snprintf(note, sizeof(note), "scale read %s", said);
	return store_receipt_note(st->store, st->receipt_id, "weigh", note,
				  station_actor(st), now);
}

void station_report(struct station *st, const struct desk_event *ev,
		    const char *text, const char *step, const char *sha)
{
	struct station_queued *q;

	if (st->queue_len == STATION_QUEUE_LEN) {
		/* cannot happen: an action batch reports at most a few */
		log_error("desk event %d dropped: queue full", ev->kind);
		return;
	}
	if (ev->result < 0 && !st->outcome.record_failed &&
	    (ev->kind == DESK_EV_RECEIPT_OPENED ||
	     ev->kind == DESK_EV_DECIDED || ev->kind == DESK_EV_RECORD_FAILED))
		st->outcome.record_failed = ev->result;
	if (ev->kind == DESK_EV_PHOTO && text && *text &&
	    !st->outcome.photo_failed) {
		st->outcome.photo_failed = true;
		station_copy(st->outcome.photo_error,
			     sizeof(st->outcome.photo_error), text);
	}
	q = &st->queue[(st->queue_head + st->queue_len++) % STATION_QUEUE_LEN];
	memset(q, 0, sizeof(*q));
	q->ev = *ev;
	station_copy(q->sha, sizeof(q->sha), sha);
	station_copy(q->step, sizeof(q->step), step);
	station_copy(q->text, sizeof(q->text), text);
	if (!st->feeding)
		station_feed(st, NULL); /* from outside a batch: feed it now */
}

static void station_perform(struct station *st,
			    const struct desk_actions *acts);

int station_command_outcome(const struct station *st, char *why, size_t len)
{
	const char *problem = st->desk.problem;

	station_copy(why, len, problem);
	if (st->outcome.record_failed)
		return st->outcome.record_failed;
	if (problem[0] && !st->outcome.acted)
		return -EPERM; /* refused: the problem says why */
	if (st->outcome.photo_failed) {
		if (!problem[0])
			snprintf(why, len, "the photo was not taken: %s",
				 st->outcome.photo_error);
		return -ENODEV;
	}
	return st->outcome.acted ? 0 : 1;
}

static void station_handle(struct station *st, struct desk_event *ev)
{
	struct desk_actions acts;

	const struct desk *d = &st->desk;
	enum desk_step step = d->step;
	enum desk_light light = d->light;
	bool hold = d->clock_hold;
	int64_t last = d->last.receipt;
	char prompt[sizeof(d->prompt)], problem[sizeof(d->problem)];

	memcpy(prompt, d->prompt, sizeof(prompt));
	memcpy(problem, d->problem, sizeof(problem));
	ev->now = clock_now_us();
	memset(&acts, 0, sizeof(acts));
	desk_handle(&st->desk, &st->desk_cfg, ev, &acts);
	for (int i = 0; i < acts.n && i < DESK_MAX_ACTIONS; i++)
		if (acts.a[i].kind != DESK_ACT_SET_LIGHT &&
		    acts.a[i].kind != DESK_ACT_PRINT_LABEL)
			st->outcome.acted = true;
	station_perform(st, &acts);
	if (d->step != step)
		station_step_left(st, step);
	/* every event but the tick is news for the screen; the tick only
	 * when it timed something out */
	if (ev->kind != DESK_EV_TICK || acts.n || d->step != step ||
	    d->light != light || d->clock_hold != hold ||
	    d->last.receipt != last ||
	    memcmp(prompt, d->prompt, sizeof(prompt)) ||
	    memcmp(problem, d->problem, sizeof(problem)))
		station_changed(st);
}

void station_feed(struct station *st, struct desk_event *ev)
{
	if (st->feeding && ev) {
		/* A device that answers inside an action: after the batch,
		 * so the desk sees events in the order they happened.  Scans
		 * and sign-ins (borrowed pointers) never come from inside. */
		if (ev->code || ev->expected || ev->clerk)
			station_handle(st, ev);
		else
			station_report(st, ev, ev->text, NULL,
				       ev->photo_sha256);
		return;
	}
	if (st->feeding)
		return;
	st->feeding = true;
	if (ev) {
		memset(&st->outcome, 0, sizeof(st->outcome));
		station_handle(st, ev);
	}
	while (st->queue_len) {
		struct station_queued q = st->queue[st->queue_head];

		st->queue_head = (st->queue_head + 1) % STATION_QUEUE_LEN;
		st->queue_len--;
		q.ev.photo_sha256 = q.sha;
		q.ev.text = q.text[0] ? q.text : NULL;
		station_handle(st, &q.ev);
	}
	st->feeding = false;
}

/* ---- photos ---- */

static void station_photo_taken(struct station *st, int64_t tag,
				const char *sha, const char *error)
{
	struct desk_event ev = {.kind = DESK_EV_PHOTO, .photo_tag = tag};

	station_report(st, &ev, error, NULL, sha);
}

/* Ask the camera; the photo comes back through station_on_photo() and is
 * recorded against the parcel and step that asked, then given to the desk
 * with the action's tag, so that it knows a late one. */
static void station_take_photo(struct station *st, const struct desk_action *a)
{
	struct station_photo *slot = NULL;
	int r;

	for (int i = 0; i < DEVICES_MAX_PHOTOS && !slot; i++)
		if (!st->photos[i].tag)
			slot = &st->photos[i];
	if (!slot || a->photo_tag <= 0) {
		station_photo_taken(st, a->photo_tag, "",
				    "the camera is not keeping up");
		return;
	}
	slot->tag = (uint64_t)a->photo_tag;
	slot->receipt = st->receipt_id;
	station_copy(slot->step, sizeof(slot->step), a->step);
	r = devices_take_photo(st->devices, slot->tag);
	if (r < 0) {
		slot->tag = 0;
		station_photo_taken(st, a->photo_tag, "",
				    r == -ENODEV ? "no camera on this desk"
				    : r == -EBUSY
					? "the camera is not keeping up"
					: strerror(-r));
	}
}

void station_on_photo(void *userdata, uint64_t tag, const struct photo_taken *p)
{
	struct station *st = userdata;
	struct station_photo asked = {0};
	char err[STATION_ERROR_LEN];
	int r;

	for (int i = 0; i < DEVICES_MAX_PHOTOS; i++)
		if (tag && st->photos[i].tag == tag) {
			asked = st->photos[i];
			st->photos[i].tag = 0;
		}
	if (!asked.tag)
		return; /* not ours: nothing asked for it */
	if (p->r < 0) {
		log_warning("photo for %s not taken: %s", asked.step, p->error);
		station_photo_taken(st, (int64_t)tag, "", p->error);
		return;
	}
	/* The file is written and fsync'd: now the row that names it, on the
	 * receipt that asked, even if it was decided meanwhile. */
	r = asked.receipt
		? station_photo_record(st, asked.receipt, asked.step, p)
		: -ENOENT;
	if (r < 0) {
		snprintf(err, sizeof(err), "photo could not be recorded: %s",
			 r == -ENOENT ? "no open parcel"
				      : store_errmsg(st->store));
		log_error("%s", err);
		station_photo_taken(st, (int64_t)tag, "", err);
		return;
	}
	station_photo_taken(st, (int64_t)tag, p->sha256, NULL);
}

/* ---- labels ---- */

void station_on_printed(void *userdata, int64_t receipt_id, int r,
			const char *err)
{
	struct station *st = userdata;
	struct desk_event ev = {.kind = DESK_EV_LABEL_PRINTED,
				.receipt = receipt_id,
				.result = r < 0 ? r : 0};
	int w;

	w = store_label_mark_printed(st->store, receipt_id, r >= 0,
				     r < 0 ? err : "printed", clock_now_us());
	if (w < 0)
		log_error_errno(w,
				"label of receipt %lld: outcome not recorded",
				(long long)receipt_id);
	station_report(st, &ev, r < 0 ? err : NULL, NULL, NULL);
}

static void station_print_label(struct station *st, const struct desk_action *a)
{
	char *stored = NULL;
	const char *zpl = st->desk.plan.label_job;
	size_t len = (size_t)st->desk.plan.label_len;
	int r;

	if (a->reprint) {
		r = store_label_zpl(st->store, a->receipt_id, &stored);
		if (r < 0) {
			station_on_printed(st, a->receipt_id, r,
					   "its label is not stored");
			return;
		}
		zpl = stored;
		len = strlen(stored);
	}
	/* Off the loop: a printer that does not answer never holds the desk;
	 * station_on_printed records the outcome. */
	r = devices_print_label(st->devices, a->receipt_id, zpl, len);
	free(stored);
	if (r < 0)
		station_on_printed(st, a->receipt_id, r,
				   r == -EBUSY ? "too many labels waiting for "
						 "the printer"
				   : r == -ENODEV ? "no printer on this desk"
						  : strerror(-r));
}

/* ---- the parcel's events ---- */

static void station_decide(struct station *st)
{
	const struct desk_decision *dec = &st->desk.decision;
	struct desk_event ev = {.kind = DESK_EV_DECIDED};
	char why[STATION_ERROR_LEN] = "";
	int r = station_record_decision(st);

	st->decide_result = r < 0 ? r : 0;
	if (r < 0) {
		log_error_errno(
		    r, "decision for receipt %lld not recorded (%s)",
		    (long long)st->receipt_id, store_errmsg(st->store));
		station_copy(why, sizeof(why),
			     r == -EEXIST   ? store_errmsg(st->store)
			     : r == -ENOENT ? "this parcel has no record; "
					      "scan it again"
					    : strerror(-r));
		ev.result = r;
		station_report(st, &ev, why, NULL, NULL);
		return;
	}
	/* a packer's check is no return's decision: counted apart */
	if (dec->routine == DESK_ROUTINE_SHIP_QC)
		st->qc_checks[dec->verdict == VERDICT_ACCEPT ? 0 : 1]++;
	else if (dec->verdict >= 0 && dec->verdict <= VERDICT_HOLD)
		st->decisions[dec->verdict]++;
	if (st->receipt_started_mono) {
		st->latency_us[st->latency_n % STATION_LATENCY_SAMPLES] =
		    clock_mono_us() - st->receipt_started_mono;
		st->latency_n++;
	}
	if (st->sender)
		outbox_sender_kick(st->sender);
	station_outbox_refresh(st);
	st->receipt_id = 0; /* the parcel is done; its label names it */
	st->told.valid = false;
	st->receipt_started_mono = 0;
	station_report(st, &ev, NULL, NULL, NULL);
}

/* ---- the actions ---- */

static int station_open_receipt(struct station *st, const struct desk_action *a)
{
	struct receipt_open ro = {0};
	struct desk_event ev = {.kind = DESK_EV_RECEIPT_OPENED};
	int r;

	st->told.valid = false; /* until its return.received is queued */
	st->weight_manual = false;
	ro.expected_id = a->expected_id;
	ro.routine = st->desk.routine == DESK_ROUTINE_SHIP_QC ? ROUTINE_SHIP_QC
							      : ROUTINE_RETURN;
	station_copy(ro.desk, sizeof(ro.desk), st->cfg->desk);
	station_copy(ro.clerk, sizeof(ro.clerk), station_actor(st));
	station_copy(ro.code, sizeof(ro.code), a->code);
	ro.received_at = clock_now_us();
	/* before the clock is set: marked, to be corrected by boot time */
	if (!st->clock.known) {
		ro.time_unsure = true;
		station_copy(ro.boot_id, sizeof(ro.boot_id), st->clock.boot_id);
		ro.boot_us = clock_boot_us();
	}
	st->clock.received_deferred = false;
	st->receipt_id = 0;
	r = store_receipt_open(st->store, &ro, &st->receipt_id);
	if (r < 0) {
		log_error_errno(r, "parcel not recorded (%s)",
				store_errmsg(st->store));
		st->receipt_id = 0;
		ev.result = r;
		station_report(st, &ev, strerror(-r), NULL, NULL);
		return r;
	}
	st->receipts_total++;
	st->receipt_started_mono = clock_mono_us();
	station_queue_received_at(st, ro.received_at);
	ev.receipt = st->receipt_id;
	station_report(st, &ev, NULL, NULL, NULL);
	return 0;
}

/* The parcel scanned again is the receipt left open when the station
 * stopped: take it up again instead of opening another. */
static int station_resume_receipt(struct station *st,
				  const struct desk_action *a)
{
	struct desk_event ev = {.kind = DESK_EV_RECEIPT_OPENED};
	int r;

	st->receipt_id = 0;
	r = store_receipt_resume(st->store, a->receipt_id, station_actor(st),
				 clock_now_us());
	if (r < 0) {
		log_error_errno(r, "receipt %lld not resumed (%s)",
				(long long)a->receipt_id,
				store_errmsg(st->store));
		ev.result = r;
		station_report(st, &ev, store_errmsg(st->store), NULL, NULL);
		return r;
	}
	log_info("receipt %lld resumed", (long long)a->receipt_id);
	st->receipt_id = a->receipt_id;
	/* its return.received went when it was opened (not a packer's) */
	st->told.valid = false;
	if (st->desk.routine != DESK_ROUTINE_SHIP_QC)
		station_parcel_told(st);
	st->receipt_started_mono = clock_mono_us();
	ev.receipt = st->receipt_id;
	station_report(st, &ev, NULL, NULL, NULL);
	return 0;
}

/* One action; < 0 ends the batch (the rest was for what failed). */
static int station_perform_one(struct station *st, const struct desk_action *a)
{
	int64_t now = clock_now_us();
	int r = 0;

	switch (a->kind) {
	case DESK_ACT_OPEN_RECEIPT:
		return station_open_receipt(st, a);
	case DESK_ACT_RESUME_RECEIPT:
		return station_resume_receipt(st, a);
	case DESK_ACT_ABANDON_RECEIPT:
		r = store_receipt_abandon(st->store, a->receipt_id,
					  station_actor(st), a->text, now);
		if (r == -EALREADY)
			r = 0; /* closed meanwhile: nothing left to do */
		break;
	case DESK_ACT_REMOVE_ITEM_SCAN:
		if (st->receipt_id)
			r = store_receipt_remove_item_scan(
			    st->store, st->receipt_id, a->code,
			    station_actor(st), now);
		break;
	case DESK_ACT_CANCEL_RECEIPT:
		if (st->receipt_id)
			r = station_cancel_receipt(st, now);
		st->receipt_id = 0;
		break;
	case DESK_ACT_REQUEST_WEIGHT:
		r = devices_request_weight(st->devices);
		if (r == -ENODEV)
			r = 0; /* the desk skips the step without a scale */
		break;
	case DESK_ACT_RECORD_WEIGHT:
		st->weight_manual = a->manual;
		if (st->receipt_id && a->manual)
			r = store_receipt_set_manual_weight(
			    st->store, st->receipt_id, a->grams, a->mismatch,
			    a->reason, station_actor(st), now);
		else if (st->receipt_id) {
			r = store_receipt_set_weight(
			    st->store, st->receipt_id, a->weighed, a->grams,
			    a->mismatch, station_actor(st), now);
			if (r == 0 && a->weighed)
				r = station_note_scale_reading(st, a->grams,
							       now);
		}
		break;
	case DESK_ACT_TAKE_PHOTO:
		station_take_photo(st, a);
		break;
	case DESK_ACT_RECORD_ITEM_SCAN:
		if (st->receipt_id)
			r = store_receipt_add_item_scan(
			    st->store, st->receipt_id, a->item, a->code,
			    a->serial, station_actor(st), now);
		break;
	case DESK_ACT_RECORD_ANSWER:
		if (st->receipt_id)
			r = store_checklist_answer(
			    st->store, st->receipt_id, a->template_id,
			    a->template_version, a->step, a->text,
			    station_actor(st), now);
		break;
	case DESK_ACT_DECIDE:
		station_decide(st);
		break;
	case DESK_ACT_PRINT_LABEL:
		station_print_label(st, a);
		break;
	case DESK_ACT_SET_LIGHT:
		station_set_tower(st, a->tower, a->tower_then);
		break;
	case DESK_ACT_RECORD_NOTE:
		log_info("receipt %lld: %s", (long long)st->receipt_id,
			 a->text);
		if (st->receipt_id)
			r = store_receipt_note(st->store, st->receipt_id,
					       a->step, a->text,
					       station_actor(st), now);
		break;
	}
	if (r < 0) {
		struct desk_event ev = {.kind = DESK_EV_RECORD_FAILED,
					.result = r};

		log_error_errno(r, "action %d failed (%s)", a->kind,
				store_errmsg(st->store));
		station_report(st, &ev, store_errmsg(st->store), NULL, NULL);
	}
	return 0;
}

static void station_perform(struct station *st, const struct desk_actions *acts)
{
	for (int i = 0; i < acts->n && i < DESK_MAX_ACTIONS; i++)
		if (station_perform_one(st, &acts->a[i]) < 0)
			return;
}

/* The outbox counts the status shows; one more dead row is news for the
 * desk (its tower goes to error).  Here, beside the other reports to the
 * desk, so that the views only read. */
void station_outbox_refresh(struct station *st)
{
	int64_t pending = 0, dead = 0;

	if (store_outbox_count(st->store, "pending", &pending) == 0)
		st->outbox_pending = pending;
	if (store_outbox_count(st->store, "dead", &dead) == 0)
		st->outbox_dead = dead;
	if (store_photo_upload_backlog(st->store, &pending, &dead) == 0) {
		st->photos_waiting = pending;
		st->photos_oldest_at = dead;
	}
	station_changed(st); /* the counts, or a refund's state */
	if (st->outbox_dead != st->desk.outbox_dead) {
		struct desk_event ev = {.kind = DESK_EV_OUTBOX_DEAD,
					.receipt = st->outbox_dead};

		station_report(st, &ev, NULL, NULL, NULL);
	}
}

/* An outbox sender (the shops' or the photo uploads') wrote its eventfd:
 * a row was sent, retried or died. */
int station_on_sender_notify(sd_event_source *s, int fd, uint32_t revents,
			     void *userdata)
{
	struct station *st = userdata;
	uint64_t v;

	(void)s;
	(void)revents;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return 0;
	station_outbox_refresh(st);
	return 0;
}
