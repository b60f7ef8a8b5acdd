/* SPDX-License-Identifier: MIT */
/*
 * The order of the steps, and what each event means at each step.
 *   return:  scan -> weigh -> photo -> items -> checklist -> confirm
 *   ship_qc: scan -> items -> weigh -> photo (open box) -> checklist
 *            -> photo (sealed box) -> confirm
 * The step files say when their step is done; this file alone says which
 * step comes next, so no step calls another one forward.
 */
#include <string.h>

#include "desk_run.h"

/* ---- the order: each step in turn; a step this desk cannot do (no
 * scale, no camera, no checklist) passes straight on to the next ---- */

static void desk_go_checklist(struct desk_run *r)
{
	if (!desk_enter_checklist(r))
		desk_after_checklist(r);
}

static void desk_go_weigh(struct desk_run *r)
{
	if (!desk_enter_weigh(r))
		desk_after_weigh(r);
}

void desk_after_weigh(struct desk_run *r)
{
	if (!desk_enter_photo(r))
		desk_after_photo(r);
}

void desk_after_photo(struct desk_run *r)
{
	if (r->d->routine == DESK_ROUTINE_SHIP_QC)
		desk_go_checklist(r);
	else
		desk_enter_items(r); /* an unexpected return's items too */
}

static void desk_after_items(struct desk_run *r)
{
	if (r->d->routine == DESK_ROUTINE_SHIP_QC)
		desk_go_weigh(r);
	else
		desk_go_checklist(r);
}

void desk_after_checklist(struct desk_run *r)
{
	desk_checklist_apply_all(r);
	if (r->d->routine != DESK_ROUTINE_SHIP_QC && !r->d->have_expected)
		desk_propose_unexpected(r);
	else if (r->d->routine != DESK_ROUTINE_SHIP_QC)
		desk_propose_return(r);
	else if (!desk_enter_photo_sealed(r))
		desk_propose_qc(r);
}

/* The steps of the current parcel in order, SCAN first. */
int desk_routine_steps(const struct desk *d, enum desk_step st[])
{
	int n = 0;

	st[n++] = DESK_STEP_SCAN;
	if (d->routine == DESK_ROUTINE_SHIP_QC) {
		st[n++] = DESK_STEP_ITEMS;
		st[n++] = DESK_STEP_WEIGH;
		st[n++] = DESK_STEP_PHOTO;
		st[n++] = DESK_STEP_CHECKLIST;
		st[n++] = DESK_STEP_PHOTO_SEALED;
	} else {
		st[n++] = DESK_STEP_WEIGH;
		st[n++] = DESK_STEP_PHOTO;
		st[n++] = DESK_STEP_ITEMS;
		if (!d->found.wrong_item)
			st[n++] = DESK_STEP_CHECKLIST;
	}
	st[n++] = DESK_STEP_CONFIRM;
	return n;
}

/* ---- each event at each step ---------------------------------------- */

/* An item's code at the items step: counted, or taken out. */
static void desk_item_scanned(struct desk_run *r, const struct code *c)
{
	enum desk_item_scan got =
	    r->d->qc_removing ? desk_remove_item(r, c) : desk_scan_item(r, c);

	switch (got) {
	case DESK_ITEM_ALL_COUNTED:
		desk_after_items(r);
		break;
	case DESK_ITEM_NOT_SOLD:
		desk_propose_return(r);
		break;
	case DESK_ITEM_REFUSED:
	case DESK_ITEM_COUNTED:
		break;
	}
}

void desk_on_scan(struct desk_run *r)
{
	struct code c;

	if (r->d->step != DESK_STEP_SCAN && r->d->step != DESK_STEP_ITEMS) {
		desk_refuse(r, "scan", "A scan");
		return;
	}
	if (!r->ev->code) {
		desk_problem(r, "bad_event",
			     "Bad event: a scan without a code");
		r->ignored = true;
		return;
	}
	desk_code_copy(&c, r->ev->code);
	if (r->d->step == DESK_STEP_SCAN) {
		if (!desk_scan_parcel(r, &c))
			return;
		desk_resume_or_abandon(r);
		if (r->d->routine == DESK_ROUTINE_SHIP_QC)
			desk_enter_items(r);
		else
			desk_go_weigh(r);
		return;
	}
	desk_item_scanned(r, &c);
}

/*
 * Ship-QC: the packer takes a unit out of the box (an extra one, or one
 * counted twice).  At the items step the next item scanned is taken off
 * the count (pressed again: counted after all); from a later step the
 * desk goes back to the items with the count kept, and the steps after
 * come again, since the box changed.  With a code, that item at once.
 */
void desk_on_remove(struct desk_run *r)
{
	struct desk *d = r->d;
	struct code c;

	if (d->routine != DESK_ROUTINE_SHIP_QC || !desk_parcel_open(d)) {
		desk_refuse(r, "remove", "Taking an item out");
		return;
	}
	if (d->step == DESK_STEP_ITEMS && d->qc_removing && !r->ev->code) {
		desk_items_removing(r, false);
		return;
	}
	if (d->step != DESK_STEP_ITEMS)
		desk_items_resume(r);
	desk_items_removing(r, true);
	if (!r->ev->code)
		return;
	desk_code_copy(&c, r->ev->code);
	desk_item_scanned(r, &c);
}

void desk_on_weight(struct desk_run *r)
{
	if (desk_take_weight(r))
		desk_after_weigh(r);
}

void desk_on_photo(struct desk_run *r)
{
	struct desk *d = r->d;
	const char *sha = r->ev->photo_sha256;
	int64_t tag = r->ev->photo_tag;
	const struct checklist_step *st;

	/* Extra evidence is recorded by the shell and answers nothing; a
	 * photo the desk no longer waits for (back, skip, cancel, another
	 * item) is late.  Neither changes anything, not even the problem
	 * the clerk reads. */
	if (tag && (tag != d->photo_wait.tag || d->step != d->photo_wait.step ||
		    d->check_item != d->photo_wait.check_item ||
		    d->check_step != d->photo_wait.check_step)) {
		r->ignored = true;
		r->keep_activity = true;
		return;
	}
	d->photo_wait.tag = 0;
	d->problem[0] = '\0'; /* the photo the clerk waited for */
	switch (d->step) {
	case DESK_STEP_PHOTO:
	case DESK_STEP_PHOTO_SEALED:
		if (!sha || !sha[0]) {
			desk_photo_failed(r);
			return;
		}
		if (d->step == DESK_STEP_PHOTO) {
			d->found.photographed = true;
			desk_after_photo(r);
		} else {
			desk_propose_qc(r);
		}
		return;
	case DESK_STEP_CHECKLIST:
		st = desk_current_step(d);
		if (!st || st->kind != CHECKLIST_PHOTO)
			break;
		if (!sha || !sha[0]) {
			desk_photo_failed(r);
			return;
		}
		if (desk_checklist_answer(r, sha))
			desk_after_checklist(r);
		return;
	default:
		break;
	}
	desk_refuse(r, "photo", "A photo");
}

void desk_on_answer(struct desk_run *r)
{
	if (r->d->step != DESK_STEP_CHECKLIST) {
		desk_refuse(r, "answer", "An answer");
		return;
	}
	if (!r->ev->text) {
		desk_problem(r, "bad_event",
			     "Bad event: an answer without text");
		r->ignored = true;
		return;
	}
	if (desk_checklist_answer(r, r->ev->text))
		desk_after_checklist(r);
}

void desk_on_items_done(struct desk_run *r)
{
	desk_items_done(r);
	desk_after_items(r);
}

void desk_on_button(struct desk_run *r)
{
	struct desk *d = r->d;
	enum desk_button b = r->ev->button;
	bool yes = b == DESK_BUTTON_ACCEPT || b == DESK_BUTTON_PEDAL ||
		   b == DESK_BUTTON_PARCEL;
	const struct checklist_step *st;
	char reason[128];

	if (b != DESK_BUTTON_ACCEPT && b != DESK_BUTTON_REJECT &&
	    b != DESK_BUTTON_PEDAL && b != DESK_BUTTON_PARCEL) {
		desk_problem(r, "bad_event", "Bad event: unknown button %d",
			     (int)b);
		r->ignored = true;
		return;
	}
	switch (d->step) {
	case DESK_STEP_WEIGH:
		if (!yes)
			break;
		desk_emit(r, DESK_ACT_REQUEST_WEIGHT);
		return;
	case DESK_STEP_PHOTO:
	case DESK_STEP_PHOTO_SEALED:
		if (!yes)
			break;
		desk_emit_photo(
		    r, d->step == DESK_STEP_PHOTO_SEALED    ? "sealed_box"
		       : d->routine == DESK_ROUTINE_SHIP_QC ? "open_box"
							    : "parcel");
		return;
	case DESK_STEP_ITEMS:
		if (!yes && d->routine == DESK_ROUTINE_SHIP_QC) {
			desk_on_remove(r); /* the reject button: take out */
			return;
		}
		if (!yes)
			break;
		desk_on_items_done(r);
		return;
	case DESK_STEP_CHECKLIST:
		st = desk_current_step(d);
		if (!st)
			break;
		switch (st->kind) {
		case CHECKLIST_PASS_FAIL:
			if (desk_checklist_answer(r, yes ? "pass" : "fail"))
				desk_after_checklist(r);
			return;
		case CHECKLIST_INSTRUCTION:
			if (!yes)
				break;
			if (desk_checklist_answer(r, "done"))
				desk_after_checklist(r);
			return;
		case CHECKLIST_PHOTO:
			if (!yes)
				break;
			desk_emit_photo(r, st->id);
			return;
		default:
			desk_problem(r, "answer_on_screen",
				     "Answer this step on the screen");
			r->ignored = true;
			return;
		}
		break;
	case DESK_STEP_SCAN:
		/* after "not found": start an unexpected return */
		if (yes && d->not_found[0]) {
			desk_on_unexpected(r);
			return;
		}
		break;
	case DESK_STEP_CONFIRM:
		if (d->clock_hold) {
			desk_clock_refuse(r);
			return;
		}
		if (yes) {
			desk_decide(r, d->proposal.verdict, false, NULL, NULL);
			return;
		}
		desk_text(reason, sizeof(reason), "rejected at the desk by %s",
			  d->clerk);
		desk_decide(r, VERDICT_REJECT,
			    d->proposal.verdict != VERDICT_REJECT, reason,
			    NULL);
		return;
	default:
		break;
	}
	if (b == DESK_BUTTON_PEDAL)
		desk_refuse(r, "pedal", "The pedal");
	else if (b == DESK_BUTTON_ACCEPT)
		desk_refuse(r, "accept_button", "The accept button");
	else
		desk_refuse(r, "reject_button", "The reject button");
}

/* The clerk starts an unexpected return with the code not found. */
void desk_on_unexpected(struct desk_run *r)
{
	if (desk_start_unexpected(r))
		desk_go_weigh(r);
}

/* The clerk asks for a photo from the screen: at a photo step it is the
 * pedal; at any other step of an open parcel it is extra evidence. */
void desk_on_photo_request(struct desk_run *r)
{
	const struct desk *d = r->d;
	const struct checklist_step *st = desk_current_step(d);
	const struct desk_event *asked = r->ev;
	struct desk_event pedal = *asked;

	if (d->step == DESK_STEP_PHOTO || d->step == DESK_STEP_PHOTO_SEALED ||
	    (d->step == DESK_STEP_CHECKLIST && st &&
	     st->kind == CHECKLIST_PHOTO)) {
		pedal.kind = DESK_EV_BUTTON;
		pedal.button = DESK_BUTTON_PEDAL;
		r->ev = &pedal;
		desk_on_button(r);
		r->ev = asked; /* @pedal ends here */
		return;
	}
	if (desk_parcel_open(d))
		desk_emit_photo(r, "evidence");
	r->ignored = true; /* nothing about the desk changes */
}
