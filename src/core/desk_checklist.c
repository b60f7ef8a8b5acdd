/* SPDX-License-Identifier: MIT */
/*
 * The checklist step: the template's steps for each item found (a return)
 * or for the whole box (ship-QC), one at a time, forward and back, and the
 * answers, which become the inspection's findings at the end.  Photo
 * steps are left out on a desk without a camera.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "desk_run.h"

static int desk_check_items(const struct desk *d)
{
	return d->routine == DESK_ROUTINE_SHIP_QC ? 1 : desk_n_items(d);
}

/* The template for checklist item @i, NULL when it gets none.  Ship-QC has
 * one checklist for the whole box; a return one per item found. */
const struct checklist *desk_checklist_of(const struct desk_run *r, int i)
{
	const struct desk *d = r->d;
	const struct checklist *cl;

	if (i < 0 || i >= desk_check_items(d))
		return NULL;
	if (d->routine == DESK_ROUTINE_SHIP_QC)
		cl = checklist_for(r->cfg->checklists, "ship_qc", "*");
	else if (d->found.items[i].quantity <= 0)
		return NULL;
	else
		cl = checklist_for(r->cfg->checklists, "return",
				   d->expected.items[i].category);
	if (!cl || cl->n_steps <= 0 || cl->n_steps > CHECKLIST_MAX_STEPS)
		return NULL;
	return cl;
}

/* Photo steps on a desk without a camera are skipped, not shown. */
static bool desk_step_shown(const struct desk_run *r,
			    const struct checklist *cl, int s)
{
	return cl->steps[s].kind != CHECKLIST_PHOTO || r->cfg->has_camera;
}

static bool desk_checklist_next(const struct desk_run *r, int *item, int *step)
{
	int s = *step + 1;

	for (int i = *item < 0 ? 0 : *item; i < desk_check_items(r->d);
	     i++, s = 0) {
		const struct checklist *cl = desk_checklist_of(r, i);

		if (!cl)
			continue;
		for (; s < cl->n_steps; s++)
			if (s >= 0 && desk_step_shown(r, cl, s)) {
				*item = i;
				*step = s;
				return true;
			}
	}
	return false;
}

/* @step CHECKLIST_MAX_STEPS with @item n-1 finds the very last step. */
static bool desk_checklist_prev(const struct desk_run *r, int *item, int *step)
{
	int n = desk_check_items(r->d);

	for (int i = *item >= n ? n - 1 : *item; i >= 0; i--) {
		const struct checklist *cl = desk_checklist_of(r, i);
		int s;

		if (!cl)
			continue;
		s = i == *item ? *step - 1 : cl->n_steps - 1;
		if (s > cl->n_steps - 1)
			s = cl->n_steps - 1;
		for (; s >= 0; s--)
			if (desk_step_shown(r, cl, s)) {
				*item = i;
				*step = s;
				return true;
			}
	}
	return false;
}

/* " (A / B / C / scrap)" for a choice, " (g)" for a measure. */
static void desk_step_hint(const struct checklist_step *st, char *buf,
			   size_t size)
{
	buf[0] = '\0';
	if (st->kind == CHECKLIST_CHOICE && st->n_choices > 0) {
		int nc = st->n_choices > CHECKLIST_MAX_CHOICES
			     ? CHECKLIST_MAX_CHOICES
			     : st->n_choices;
		size_t len = 0;

		for (int c = 0; c < nc && len < size; c++) {
			int w = snprintf(
			    buf + len, size - len, "%s%.*s", c ? " / " : " (",
			    (int)sizeof(st->choices[c]), st->choices[c]);

			if (w < 0)
				return;
			len += (size_t)w;
		}
		if (len + 2 <= size)
			memcpy(buf + len, ")", 2);
	} else if (st->kind == CHECKLIST_MEASURE && st->unit[0]) {
		desk_text(buf, size, " (%.*s)", (int)sizeof(st->unit),
			  st->unit);
	}
}

static void desk_checklist_goto(struct desk_run *r, int item, int step)
{
	struct desk *d = r->d;
	const struct checklist *cl = desk_checklist_of(r, item);
	const struct checklist_step *st;
	char hint[8 + CHECKLIST_MAX_CHOICES * 20];

	if (!cl)
		return;
	d->step = DESK_STEP_CHECKLIST;
	d->check_item = item;
	d->check_step = step;
	d->checklist = cl;
	st = &cl->steps[step];
	desk_step_hint(st, hint, sizeof(hint));
	desk_prompt(d, "checklist_step", "%.*s%s", (int)sizeof(st->text),
		    st->text, hint);
	if (st->kind == CHECKLIST_PHOTO) {
		char id[sizeof(st->id) + 1];

		desk_copy(id, sizeof(id), st->id, sizeof(st->id));
		desk_emit_photo(r, id);
	}
}

bool desk_enter_checklist(struct desk_run *r)
{
	int item = 0, step = -1;

	if (!desk_checklist_next(r, &item, &step))
		return false;
	desk_checklist_goto(r, item, step);
	return true;
}

bool desk_checklist_advance(struct desk_run *r)
{
	int item = r->d->check_item, step = r->d->check_step;

	if (!desk_checklist_next(r, &item, &step))
		return false;
	desk_checklist_goto(r, item, step);
	return true;
}

bool desk_checklist_back(struct desk_run *r, int item, int step)
{
	if (!desk_checklist_prev(r, &item, &step))
		return false;
	desk_checklist_goto(r, item, step);
	return true;
}

/* Answers become the found flags at the end, from scratch, so that a step
 * answered again after BACK counts with its last answer only. */
void desk_checklist_apply_all(struct desk_run *r)
{
	struct desk *d = r->d;

	d->qc_blocked = 0;
	for (int i = 0; i < desk_check_items(d); i++) {
		const struct checklist *cl = desk_checklist_of(r, i);
		const char *answers[CHECKLIST_MAX_STEPS];
		struct found_item scratch, *target;
		int blocked;

		if (!cl)
			continue;
		for (int s = 0; s < CHECKLIST_MAX_STEPS; s++)
			answers[s] =
			    d->answers[i][s][0] ? d->answers[i][s] : NULL;
		memset(&scratch, 0, sizeof(scratch));
		if (d->routine == DESK_ROUTINE_SHIP_QC) {
			target = &scratch;
		} else {
			target = &d->found.items[i];
			target->seal_broken = false;
			target->buyer_damage = false;
			target->defect = false;
			target->handled_beyond_trial = false;
			target->grade = GRADE_NONE;
		}
		blocked = checklist_apply(cl, answers, target);
		if (blocked > 0)
			d->qc_blocked += blocked;
	}
}

/* The current step, or NULL if the desk's checklist pointer went stale. */
const struct checklist_step *desk_current_step(const struct desk *d)
{
	const struct checklist *cl = d->checklist;

	if (!cl || d->check_item < 0 || d->check_item >= RETURN_MAX_ITEMS ||
	    d->check_step < 0 || d->check_step >= cl->n_steps ||
	    d->check_step >= CHECKLIST_MAX_STEPS)
		return NULL;
	return &cl->steps[d->check_step];
}

bool desk_checklist_answer(struct desk_run *r, const char *answer)
{
	struct desk *d = r->d;
	const struct checklist *cl = d->checklist;
	const struct checklist_step *st = desk_current_step(d);
	char norm[CHECKLIST_ANSWER_LEN], err[128];
	struct desk_action *a;

	if (!st) {
		desk_refuse(r, "answer", "An answer");
		return false;
	}
	if (checklist_answer_normalise(st, answer, norm, sizeof(norm), err,
				       sizeof(err)) < 0) {
		desk_problem(r, "answer_refused", "%s",
			     err[0] ? err : "Answer refused");
		return false;
	}
	memcpy(d->answers[d->check_item][d->check_step], norm, sizeof(norm));
	if (st->kind == CHECKLIST_PHOTO)
		d->found.photographed = true;
	a = desk_emit(r, DESK_ACT_RECORD_ANSWER);
	if (a) {
		desk_copy(a->template_id, sizeof(a->template_id), cl->id,
			  sizeof(cl->id));
		a->template_version = cl->version;
		a->item = d->check_item;
		desk_copy(a->step, sizeof(a->step), st->id, sizeof(st->id));
		desk_copy(a->text, sizeof(a->text), norm, sizeof(norm));
	}
	return !desk_checklist_advance(r);
}
