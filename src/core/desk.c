/* SPDX-License-Identifier: MIT */
/*
 * The desk's routine as a pure state machine.
 *
 * desk_handle() applies one event to one desk and appends the actions the
 * shell must perform.  It keeps the parcel's state (what was expected, what
 * was found, the checklist answers, the proposal) and asks the rules engine
 * for a proposal; it never reads a clock, a device or the store, and it does
 * not know how a decision is recorded, labelled or refunded: DECIDE hands
 * that to the shell.  Events arrive from devices and people, so every
 * pointer and enum in them is checked and a wrong event only sets a problem
 * text.
 *
 * This file is the entry: it hands each event to the file of its step
 * (desk_scan.c, desk_measure.c, desk_items.c, desk_checklist.c,
 * desk_decide.c, desk_routine.c, desk_navigation.c) and sets the tower
 * light's state (tower.h).
 */
#include <string.h>

#include "desk_run.h"

/*
 * The tower state each step shows when nothing is wrong: the station's
 * turn (weigh, photos) is working, the clerk's turn (items, checklist, a
 * proposal, a code not found) needs you, a failed ship-QC needs a
 * supervisor.  Signed out is amber steady: nobody to call.
 */
static enum tower_state desk_step_tower(const struct desk *d)
{
	switch (d->step) {
	case DESK_STEP_SCAN:
		return d->not_found[0] ? TOWER_NEEDS_YOU : TOWER_READY;
	case DESK_STEP_ITEMS:
	case DESK_STEP_CHECKLIST:
		return TOWER_NEEDS_YOU;
	case DESK_STEP_CONFIRM:
		/* held for the clock: the station's turn, nothing to press */
		if (d->clock_hold)
			return TOWER_WORKING;
		if (d->routine == DESK_ROUTINE_SHIP_QC &&
		    d->proposal.verdict != VERDICT_ACCEPT)
			return TOWER_SUPERVISOR;
		return TOWER_NEEDS_YOU;
	case DESK_STEP_SIGN_IN:
	case DESK_STEP_WEIGH:
	case DESK_STEP_PHOTO:
	case DESK_STEP_PHOTO_SEALED:
	default:
		return TOWER_WORKING;
	}
}

/* A refusal shows for a second, then the state the desk is in now. */
static void desk_tower_then(struct desk *d, struct desk_actions *out)
{
	for (int i = 0; i < out->n && i < DESK_MAX_ACTIONS; i++)
		if (out->a[i].kind == DESK_ACT_SET_LIGHT &&
		    tower_is_transient(out->a[i].tower))
			out->a[i].tower_then = desk_step_tower(d);
}

static void desk_on_record_failed(struct desk_run *r)
{
	char why[96];

	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	desk_problem(r, "step_not_recorded",
		     "Could not record this step (%s): try again",
		     why[0] ? why : "store error");
	r->keep_activity = true;
	desk_tower_alarm(r, TOWER_ERROR);
}

static void desk_on_device(struct desk_run *r)
{
	struct desk *d = r->d;
	enum desk_device k = r->ev->device;
	enum desk_device_state s = r->ev->device_state;

	r->keep_activity = true;
	r->keep_light = true;
	if ((int)k < 0 || k >= DESK_DEVICE_COUNT ||
	    (s != DESK_DEVICE_CONNECTED && s != DESK_DEVICE_MISSING &&
	     s != DESK_DEVICE_FAULT)) {
		desk_problem(r, "bad_event",
			     "Bad event: unknown device %d or state %d", (int)k,
			     (int)s);
		r->ignored = true;
		return;
	}
	/* a device failing is an error the clerk hears, once per fault */
	if (s == DESK_DEVICE_FAULT && d->devices[k] != DESK_DEVICE_FAULT)
		desk_tower_alarm(r, TOWER_ERROR);
	d->devices[k] = s;
	desk_copy(d->device_reason[k], sizeof(d->device_reason[k]),
		  s == DESK_DEVICE_CONNECTED ? "" : r->ev->text, SIZE_MAX);
	if (s == DESK_DEVICE_CONNECTED || !desk_parcel_open(d))
		return;
	/* gone in the middle of its step: the clerk is told how to go on */
	if (k == DESK_DEVICE_SCALE && d->step == DESK_STEP_WEIGH)
		desk_problem(r, "scale_gone",
			     "Scale %s (%s): type the weight in with a reason, "
			     "or skip the step",
			     s == DESK_DEVICE_MISSING ? "unplugged" : "failing",
			     d->device_reason[k]);
	else if (k == DESK_DEVICE_CAMERA && (d->step == DESK_STEP_PHOTO ||
					     d->step == DESK_STEP_PHOTO_SEALED))
		desk_problem(r, "camera_gone",
			     "Camera %s (%s): skip the photo, the record "
			     "keeps why, or press the pedal to retry",
			     s == DESK_DEVICE_MISSING ? "unplugged" : "failing",
			     d->device_reason[k]);
}

/* A row the shop never took (dead): nothing at the desk waits for it, but
 * someone must look, so it is an error the clerk hears. */
static void desk_on_outbox_dead(struct desk_run *r)
{
	struct desk *d = r->d;

	r->keep_activity = true;
	r->keep_light = true;
	if (r->ev->receipt < 0) {
		desk_problem(r, "bad_event", "Bad event: %lld dead outbox rows",
			     (long long)r->ev->receipt);
		r->ignored = true;
		return;
	}
	if (r->ev->receipt > d->outbox_dead) {
		desk_tower_alarm(r, TOWER_ERROR);
		if (!d->problem[0]) /* the clerk's own problem comes first */
			desk_problem(r, "outbox_dead",
				     "%lld outbox row(s) dead: the shop never "
				     "took them; a supervisor retries them",
				     (long long)r->ev->receipt);
	}
	d->outbox_dead = r->ev->receipt;
}

void desk_init(struct desk *d, const struct desk_config *cfg)
{
	if (!d)
		return;
	memset(d, 0, sizeof(*d));
	d->routine = DESK_ROUTINE_RETURN;
	d->step = DESK_STEP_SIGN_IN;
	d->light = DESK_LIGHT_AMBER;
	d->tower = TOWER_WORKING;
	desk_prompt(d, "scan_badge", "Scan your badge");
}

/* Reports (time, outcomes, devices) keep the problem the clerk sees: only
 * something the clerk did replaces it. */
static bool desk_event_is_report(enum desk_event_kind k)
{
	switch (k) {
	case DESK_EV_TICK:
	case DESK_EV_PHOTO: /* cleared only when it answers the step */
	case DESK_EV_RECEIPT_OPENED:
	case DESK_EV_DECIDED:
	case DESK_EV_RECORD_FAILED:
	case DESK_EV_LABEL_PRINTED:
	case DESK_EV_DEVICE:
	case DESK_EV_RESUME_OFFER:
	case DESK_EV_OUTBOX_DEAD:
	case DESK_EV_CLOCK:
		return true;
	default:
		return false;
	}
}

/* A scan the desk took leaves something in the record: a parcel opened
 * (or resumed), an item counted or taken out. */
static bool desk_scan_recorded(const struct desk_actions *out)
{
	for (int i = 0; i < out->n && i < DESK_MAX_ACTIONS; i++)
		switch (out->a[i].kind) {
		case DESK_ACT_OPEN_RECEIPT:
		case DESK_ACT_RESUME_RECEIPT:
		case DESK_ACT_RECORD_ITEM_SCAN:
		case DESK_ACT_REMOVE_ITEM_SCAN:
			return true;
		default:
			break;
		}
	return false;
}

/* Count the scans refused: a line that was no code at all, or a code the
 * desk refused (red light, or not expected now) with nothing recorded. */
static void desk_count_rejected_scan(const struct desk_run *r)
{
	if (r->ev->kind == DESK_EV_SCAN_REFUSED ||
	    (r->ev->kind == DESK_EV_SCAN && (r->ignored || r->failed) &&
	     !desk_scan_recorded(r->out)))
		r->d->scans_rejected++;
}

/* Between DECIDE and its outcome the parcel is the record's: what the
 * clerk does then (confirm again, back, cancel, the next scan) and the
 * step timeout wait for DESK_EV_DECIDED. */
static bool desk_waits_for_decision(enum desk_event_kind k)
{
	switch (k) {
	case DESK_EV_DECIDED:
	case DESK_EV_RECEIPT_OPENED:
	case DESK_EV_RECORD_FAILED:
	case DESK_EV_LABEL_PRINTED:
	case DESK_EV_DEVICE:
	case DESK_EV_PHOTO:
	case DESK_EV_OUTBOX_DEAD:
	case DESK_EV_CLOCK:
		return false;
	default:
		return true;
	}
}

void desk_handle(struct desk *d, const struct desk_config *cfg,
		 const struct desk_event *ev, struct desk_actions *out)
{
	struct desk_run r = {.d = d, .cfg = cfg, .ev = ev, .out = out};

	if (!out)
		return;
	out->n = 0;
	if (!d)
		return;
	if (!cfg || !ev) {
		desk_problem(&r, "bad_event", "Bad event: %s missing",
			     !cfg ? "configuration" : "event");
		return;
	}
	/* a parcel put down means something at the weigh step only */
	if (ev->kind == DESK_EV_BUTTON && ev->button == DESK_BUTTON_PARCEL &&
	    (d->step != DESK_STEP_WEIGH || d->deciding))
		return;
	if (d->deciding && desk_waits_for_decision(ev->kind)) {
		if (ev->kind != DESK_EV_TICK)
			desk_problem(&r, "decision_recording",
				     "The decision is being recorded: wait");
		r.ignored = true;
		desk_count_rejected_scan(&r);
		return;
	}
	if (!desk_event_is_report(ev->kind))
		d->problem[0] = '\0';
	switch (ev->kind) {
	case DESK_EV_SIGN_IN:
		desk_on_sign_in(&r);
		break;
	case DESK_EV_SIGN_OUT:
		desk_on_sign_out(&r);
		break;
	case DESK_EV_ROUTINE:
		desk_on_routine(&r);
		break;
	case DESK_EV_SCAN:
		desk_on_scan(&r);
		break;
	case DESK_EV_WEIGHT:
		desk_on_weight(&r);
		break;
	case DESK_EV_PHOTO:
		desk_on_photo(&r);
		break;
	case DESK_EV_ANSWER:
		desk_on_answer(&r);
		break;
	case DESK_EV_BUTTON:
		desk_on_button(&r);
		break;
	case DESK_EV_CONFIRM:
		if (d->step != DESK_STEP_CONFIRM)
			desk_refuse(&r, "confirm", "A confirmation");
		else
			desk_confirm(&r, ev->verdict, ev->text);
		break;
	case DESK_EV_ITEMS_DONE:
		if (d->step != DESK_STEP_ITEMS)
			desk_refuse(&r, "items_done", "Items done");
		else
			desk_on_items_done(&r);
		break;
	case DESK_EV_SKIP:
		desk_on_skip(&r);
		break;
	case DESK_EV_BACK:
		desk_on_back(&r);
		break;
	case DESK_EV_CANCEL:
		desk_on_cancel(&r);
		break;
	case DESK_EV_TICK:
		desk_on_tick(&r);
		break;
	case DESK_EV_PHOTO_REQUEST:
		desk_on_photo_request(&r);
		break;
	case DESK_EV_SCAN_REFUSED:
		desk_on_scan_refused(&r);
		break;
	case DESK_EV_RECEIPT_OPENED:
		desk_on_receipt_opened(&r);
		break;
	case DESK_EV_DECIDED:
		desk_on_decided(&r);
		break;
	case DESK_EV_RECORD_FAILED:
		desk_on_record_failed(&r);
		break;
	case DESK_EV_LABEL_PRINTED:
		desk_on_label_printed(&r);
		break;
	case DESK_EV_DEVICE:
		desk_on_device(&r);
		break;
	case DESK_EV_REMOVE:
		desk_on_remove(&r);
		break;
	case DESK_EV_RESUME_OFFER:
		desk_on_resume_offer(&r);
		break;
	case DESK_EV_UNEXPECTED:
		desk_on_unexpected(&r);
		break;
	case DESK_EV_OUTBOX_DEAD:
		desk_on_outbox_dead(&r);
		break;
	case DESK_EV_CLOCK:
		desk_on_clock(&r);
		break;
	default:
		desk_problem(&r, "bad_event", "Bad event: unknown kind %d",
			     (int)ev->kind);
		r.ignored = true;
		break;
	}
	desk_count_rejected_scan(&r);
	if (d->step != DESK_STEP_CONFIRM)
		d->clock_hold = false; /* gone back, or cancelled */
	if (r.ignored)
		return;
	desk_clock_remind(d);
	desk_resume_prompt(d);
	if (ev->kind != DESK_EV_TICK && !r.keep_activity)
		d->last_activity = ev->now;
	if (!r.failed && !r.keep_light)
		desk_tower_set(&r, desk_step_tower(d));
	desk_tower_then(d, out);
}
