/* SPDX-License-Identifier: MIT */
/*
 * Leaving the routine's order: skipping a step whose device failed, going
 * one step back, cancelling the parcel, and parking it when nobody touched
 * the desk for the step's timeout.  Going back re-enters a step as if
 * coming forward, so what it counted is counted again.  Cancelling
 * between parcels abandons a receipt left open (desk_resume.c).
 */
#include <stdint.h>
#include <string.h>

#include "desk_run.h"

static void desk_emit_text(struct desk_run *r, enum desk_action_kind kind,
			   const char *text)
{
	struct desk_action *a = desk_emit(r, kind);

	if (a)
		desk_copy(a->text, sizeof(a->text), text, SIZE_MAX);
}

/*
 * The record's note of a skipped step: "photo skipped: " and the clerk's
 * reason, else the device's state ("camera at fault: camera directory
 * /x: ..."), else that the clerk skipped it.
 */
static void desk_note_skip(struct desk_run *r, const char *step,
			   const char *what, enum desk_device k)
{
	const struct desk *d = r->d;
	struct desk_action *a;
	char why[96];

	if (r->ev->text && !desk_blank(r->ev->text))
		desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	else if (d->devices[k] != DESK_DEVICE_CONNECTED)
		desk_text(why, sizeof(why), "%s %s%s%s",
			  k == DESK_DEVICE_SCALE ? "scale" : "camera",
			  d->devices[k] == DESK_DEVICE_MISSING ? "missing"
							       : "at fault",
			  d->device_reason[k][0] ? ": " : "",
			  d->device_reason[k]);
	else
		desk_text(why, sizeof(why), "skipped by the clerk");
	a = desk_emit(r, DESK_ACT_RECORD_NOTE);
	if (!a)
		return;
	desk_copy(a->step, sizeof(a->step), step, SIZE_MAX);
	desk_text(a->text, sizeof(a->text), "%s skipped: %s", what, why);
}

void desk_on_skip(struct desk_run *r)
{
	struct desk *d = r->d;
	const struct checklist_step *st;

	switch (d->step) {
	case DESK_STEP_WEIGH:
		d->found.weighed = false;
		desk_emit_weight(r, false, 0, false);
		desk_note_skip(r, "weigh", "weight", DESK_DEVICE_SCALE);
		desk_after_weigh(r);
		return;
	case DESK_STEP_PHOTO:
		desk_note_skip(r, "photo", "photo", DESK_DEVICE_CAMERA);
		desk_after_photo(r);
		return;
	case DESK_STEP_PHOTO_SEALED:
		desk_note_skip(r, "photo_sealed", "photo", DESK_DEVICE_CAMERA);
		desk_propose_qc(r);
		return;
	case DESK_STEP_CHECKLIST:
		st = desk_current_step(d);
		if (!st || st->kind != CHECKLIST_PHOTO)
			break;
		d->answers[d->check_item][d->check_step][0] = '\0';
		desk_note_skip(r, st->id, "photo", DESK_DEVICE_CAMERA);
		if (!desk_checklist_advance(r))
			desk_after_checklist(r);
		return;
	default:
		break;
	}
	desk_refuse(r, "skip", "Skipping");
}

static void desk_cancel(struct desk_run *r, const char *why)
{
	desk_emit_text(r, DESK_ACT_CANCEL_RECEIPT, why);
	desk_parcel_reset(r->d);
	desk_enter_scan(r);
}

/* Enter @s going back; false when that step has nothing to show here. */
static bool desk_back_into(struct desk_run *r, enum desk_step s)
{
	switch (s) {
	case DESK_STEP_SCAN:
		desk_cancel(r, "back to scan");
		return true;
	case DESK_STEP_WEIGH:
		if (!desk_has(r, DESK_DEVICE_SCALE))
			return false;
		desk_enter_weigh(r);
		return true;
	case DESK_STEP_PHOTO:
		if (!desk_has(r, DESK_DEVICE_CAMERA))
			return false;
		desk_enter_photo(r);
		return true;
	case DESK_STEP_PHOTO_SEALED:
		if (!desk_has(r, DESK_DEVICE_CAMERA))
			return false;
		desk_enter_photo_sealed(r);
		return true;
	case DESK_STEP_ITEMS:
		desk_enter_items(r);
		return true;
	case DESK_STEP_CHECKLIST:
		return desk_checklist_back(r, RETURN_MAX_ITEMS,
					   CHECKLIST_MAX_STEPS);
	default:
		return false;
	}
}

void desk_on_back(struct desk_run *r)
{
	struct desk *d = r->d;
	enum desk_step st[DESK_ROUTINE_STEPS_MAX];
	int n, at = -1;

	if (!desk_parcel_open(d)) {
		desk_refuse(r, "back", "Going back");
		return;
	}
	if (d->step == DESK_STEP_CHECKLIST) {
		if (desk_checklist_back(r, d->check_item, d->check_step))
			return;
	}
	n = desk_routine_steps(d, st);
	for (int i = 0; i < n; i++)
		if (st[i] == d->step)
			at = i;
	if (at < 0) {
		/* a step this parcel never passes: start over */
		desk_cancel(r, "back to scan");
		return;
	}
	for (int i = at - 1; i >= 0; i--)
		if (desk_back_into(r, st[i]))
			return;
}

void desk_on_cancel(struct desk_run *r)
{
	char why[128];

	if (!desk_parcel_open(r->d) && r->d->resume.receipt &&
	    r->d->step == DESK_STEP_SCAN) {
		desk_text(why, sizeof(why), "abandoned by %s", r->d->clerk);
		desk_abandon_resume(r, why);
		desk_enter_scan(r);
		return;
	}
	if (!desk_parcel_open(r->d)) {
		desk_refuse(r, "cancel", "Cancelling");
		return;
	}
	desk_text(why, sizeof(why), "cancelled by %s", r->d->clerk);
	desk_cancel(r, why);
}

void desk_on_tick(struct desk_run *r)
{
	struct desk *d = r->d;
	int64_t timeout = r->cfg->step_timeout_us;
	uint64_t idle;
	char why[128];

	r->keep_light = true;
	desk_weigh_again(r);
	/* a parcel held for the clock waits for the station, not the clerk */
	if (!desk_parcel_open(d) || timeout <= 0 || d->clock_hold ||
	    r->ev->now <= d->last_activity)
		return;
	idle = (uint64_t)r->ev->now - (uint64_t)d->last_activity;
	if (idle <= (uint64_t)timeout)
		return;
	desk_text(why, sizeof(why), "timed out in step %s",
		  desk_step_name(d->step));
	desk_cancel(r, why);
	desk_problem(r, "parcel_parked",
		     "Parcel parked after %llu minutes without activity",
		     (unsigned long long)(idle / (60 * USEC_PER_SEC)));
	desk_tower_set(r, TOWER_NEEDS_YOU);
}
