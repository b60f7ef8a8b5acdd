/* SPDX-License-Identifier: MIT */
/*
 * A parcel the station left open when it stopped (a crash, a power cut):
 * the shell offers its receipt at start, the desk shows it at the scan
 * step until its code is scanned again (the receipt is resumed) or another
 * parcel is scanned or the clerk cancels (it is abandoned, and the record
 * says why).
 */
#include <stdint.h>
#include <string.h>

#include "desk_run.h"

/* The receipt left open is closed: no parcel on the desk names it. */
void desk_abandon_resume(struct desk_run *r, const char *why)
{
	struct desk *d = r->d;
	struct desk_action *a = desk_emit(r, DESK_ACT_ABANDON_RECEIPT);

	if (a) {
		a->receipt_id = d->resume.receipt;
		a->expected_id = 0;
		desk_copy(a->code, sizeof(a->code), d->resume.code,
			  sizeof(d->resume.code));
		desk_copy(a->text, sizeof(a->text), why, SIZE_MAX);
	}
	memset(&d->resume, 0, sizeof(d->resume));
}

void desk_resume_prompt(struct desk *d)
{
	if (!d->resume.receipt || d->step != DESK_STEP_SCAN)
		return;
	if (d->resume.routine != d->routine) {
		desk_prompt(d, "left_open_other_routine",
			    "Receipt %lld (%s, %s) was open when the station "
			    "stopped: switch to %s and scan it to resume, or "
			    "cancel to abandon it",
			    (long long)d->resume.receipt, d->resume.code,
			    desk_routine_name(d->resume.routine),
			    desk_routine_name(d->resume.routine));
		return;
	}
	desk_prompt(d, "left_open",
		    "Receipt %lld (%s) was open when the station stopped: scan "
		    "it to resume, or cancel to abandon it",
		    (long long)d->resume.receipt, d->resume.code);
}

void desk_on_resume_offer(struct desk_run *r)
{
	struct desk *d = r->d;

	r->keep_activity = true;
	r->keep_light = true;
	if (r->ev->receipt <= 0 || desk_blank(r->ev->text) ||
	    (r->ev->routine != DESK_ROUTINE_RETURN &&
	     r->ev->routine != DESK_ROUTINE_SHIP_QC)) {
		desk_problem(r, "bad_event",
			     "Bad event: a receipt to resume without its "
			     "id, code or routine");
		r->ignored = true;
		return;
	}
	if (d->resume.receipt)
		desk_abandon_resume(r, "a newer receipt was left open too");
	d->resume.receipt = r->ev->receipt;
	d->resume.routine = r->ev->routine;
	desk_copy(d->resume.code, sizeof(d->resume.code), r->ev->text,
		  SIZE_MAX);
}

void desk_resume_or_abandon(struct desk_run *r)
{
	struct desk *d = r->d;
	struct desk_action *open = NULL;

	if (!d->resume.receipt)
		return;
	for (int i = 0; i < r->out->n && i < DESK_MAX_ACTIONS; i++)
		if (r->out->a[i].kind == DESK_ACT_OPEN_RECEIPT)
			open = &r->out->a[i];
	if (open && d->resume.routine == d->routine &&
	    !strcmp(d->resume.code, d->code)) {
		open->kind = DESK_ACT_RESUME_RECEIPT;
		open->receipt_id = d->resume.receipt;
		memset(&d->resume, 0, sizeof(d->resume));
		return;
	}
	desk_abandon_resume(r, "another parcel was scanned instead");
}
