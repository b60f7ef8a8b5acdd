/* SPDX-License-Identifier: MIT */
/*
 * What the desk's files share, and nothing outside src/core/desk*.c sees.
 *
 * The files stand in floors, each calling only those below it:
 *   desk.c            the entry: one event to its handler, then the light
 *   desk_navigation.c skip, back, cancel, timeouts
 *   desk_routine.c    the order of the steps, each event at each step
 *   desk_decide.c     proposal, confirm, decision, its outcome
 *   desk_scan.c, desk_measure.c, desk_items.c, desk_checklist.c  the steps
 *   desk_run.c        text, actions, light, problem, the parcel's state
 *   workflow.c        the enums' names, the actor
 * A step never enters the step after it: it says when it is done and
 * desk_routine.c moves on.
 */
#ifndef RETOUR_DESK_RUN_H
#define RETOUR_DESK_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "retour/workflow.h"

/* One desk_handle() call: what the desk's functions all need. */
struct desk_run {
	struct desk *d;
	const struct desk_config *cfg;
	const struct desk_event *ev;
	struct desk_actions *out;
	bool ignored;	 /* event refused: nothing but the problem */
	bool failed;	 /* light went red: do not restore it */
	bool keep_light; /* the handler chose the light itself */
	/* an outcome or a device report, not the clerk: the problem shown
	 * and the step's timeout stay as they are */
	bool keep_activity;
};

/* ---- desk_run.c: text ------------------------------------------------ */

void desk_trim_utf8(char *s);
void desk_text(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void desk_copy(char *dst, size_t size, const char *src, size_t srcmax);
bool desk_blank(const char *s);

/* ---- desk_run.c: actions, light, problems ----------------------------- */

struct desk_action *desk_emit(struct desk_run *r, enum desk_action_kind kind);
void desk_emit_weight(struct desk_run *r, bool weighed, int32_t grams,
		      bool mismatch);
void desk_emit_photo(struct desk_run *r, const char *step);
/* The desk is in tower state @s: SET_LIGHT when it changes. */
void desk_tower_set(struct desk_run *r, enum tower_state s);
/* SET_LIGHT @s every time, and the step's state is not restored by this
 * event, which is not a failure (desk_tower_alarm()). */
void desk_tower_show(struct desk_run *r, enum tower_state s);
/* Something the clerk must see (refused, supervisor, error): SET_LIGHT
 * every time, and the step's state is not restored by this event. */
void desk_tower_alarm(struct desk_run *r, enum tower_state s);
/* The problem the clerk reads: @code names the sentence for the screen
 * (retour/said.h), @fmt is its English. */
void desk_problem(struct desk_run *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The prompt: what to do now, the same way. */
void desk_prompt(struct desk *d, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A refusal: desk_tower_alarm(r, TOWER_REFUSED). */
void desk_fail_light(struct desk_run *r);
/* @what (English, "A scan") is not expected at this step; @what_code
 * ("scan") names it for the screen. */
void desk_refuse(struct desk_run *r, const char *what_code, const char *what);
void desk_code_rejected(struct desk_run *r, const struct code *c);

/* ---- desk_run.c: the parcel's state ----------------------------------- */

bool desk_has(const struct desk_run *r, enum desk_device k);
bool desk_parcel_open(const struct desk *d);
int desk_n_items(const struct desk *d);
int32_t desk_expected_qty(const struct desk *d, int i);
void desk_parcel_reset(struct desk *d);
const char *desk_item_label(const struct return_item *it);

/* ---- desk_scan.c ------------------------------------------------------ */

void desk_enter_scan(struct desk_run *r);
void desk_on_sign_in(struct desk_run *r);
void desk_on_sign_out(struct desk_run *r);
void desk_on_routine(struct desk_run *r);
void desk_code_copy(struct code *dst, const struct code *src);
/* True when the parcel opened: the routine's first step comes next. */
bool desk_scan_parcel(struct desk_run *r, const struct code *c);
/* The clerk starts an unexpected return with the code not found: true
 * when the parcel opened (as desk_scan_parcel()). */
bool desk_start_unexpected(struct desk_run *r);
void desk_on_receipt_opened(struct desk_run *r);
void desk_on_scan_refused(struct desk_run *r);

/* ---- desk_measure.c --------------------------------------------------- */

/* The enter functions return false when the desk has not the device: the
 * step is skipped (and recorded so) and the next step comes. */
bool desk_enter_weigh(struct desk_run *r);
/* At the weigh step after an empty scale: ask the scale again (a tick). */
void desk_weigh_again(struct desk_run *r);
/* The scale's reading: true when the weight is recorded and the next
 * step comes. */
bool desk_take_weight(struct desk_run *r);
int64_t desk_qc_tolerance(const struct desk_config *cfg);
bool desk_qc_weight_ok(const struct desk_run *r, int32_t grams);
bool desk_enter_photo(struct desk_run *r);
bool desk_enter_photo_sealed(struct desk_run *r);
void desk_photo_failed(struct desk_run *r);

/* ---- desk_items.c ----------------------------------------------------- */

enum desk_item_scan {
	DESK_ITEM_REFUSED =
	    0,		   /* refused, or extra in the box: the step stays */
	DESK_ITEM_COUNTED, /* counted, more to scan */
	DESK_ITEM_ALL_COUNTED, /* counted, every line is complete */
	DESK_ITEM_NOT_SOLD,    /* a return's unit not in the order */
};

void desk_enter_items(struct desk_run *r);
/* Back to the items keeping the count (ship-QC: a unit to take out). */
void desk_items_resume(struct desk_run *r);
/* The next item scanned is taken out (@on) or counted; the prompt says. */
void desk_items_removing(struct desk_run *r, bool on);
enum desk_item_scan desk_scan_item(struct desk_run *r, const struct code *c);
/* A unit taken out of the box: DESK_ITEM_REFUSED when none was counted,
 * DESK_ITEM_ALL_COUNTED when the box is now complete with nothing extra. */
enum desk_item_scan desk_remove_item(struct desk_run *r, const struct code *c);
void desk_items_done(struct desk_run *r);

/* ---- desk_checklist.c ------------------------------------------------- */

const struct checklist *desk_checklist_of(const struct desk_run *r, int i);
const struct checklist_step *desk_current_step(const struct desk *d);
/* These two return false when no step is left: the checklist is done. */
bool desk_enter_checklist(struct desk_run *r);
bool desk_checklist_advance(struct desk_run *r);
/* True when the answer was the last step's: the checklist is done. */
bool desk_checklist_answer(struct desk_run *r, const char *answer);
/* The step shown before @step of @item; false when there is none. */
bool desk_checklist_back(struct desk_run *r, int item, int step);
void desk_checklist_apply_all(struct desk_run *r);

/* ---- desk_decide.c ---------------------------------------------------- */

void desk_propose_return(struct desk_run *r);
void desk_propose_unexpected(struct desk_run *r);
void desk_propose_qc(struct desk_run *r);
/* @by: the supervisor who authorised an override (NULL: none). */
void desk_decide(struct desk_run *r, enum verdict v, bool overridden,
		 const char *reason, const char *by);
void desk_confirm(struct desk_run *r, enum verdict v, const char *reason);
void desk_on_decided(struct desk_run *r);
void desk_on_label_printed(struct desk_run *r);
/* The date became known or unknown (DESK_EV_CLOCK): a desk held at the
 * decision makes its proposal when it is known. */
void desk_on_clock(struct desk_run *r);
/* At a desk held for the date: the event is refused, the problem says
 * why. */
void desk_clock_refuse(struct desk_run *r);
/* A held desk shows why it waits when nothing else is shown. */
void desk_clock_remind(struct desk *d);

/* ---- desk_routine.c --------------------------------------------------- */

#define DESK_ROUTINE_STEPS_MAX 8
/* The steps of the current parcel in order, SCAN first; their count. */
int desk_routine_steps(const struct desk *d, enum desk_step st[]);
void desk_after_weigh(struct desk_run *r);
void desk_after_photo(struct desk_run *r);
void desk_after_checklist(struct desk_run *r);
void desk_on_scan(struct desk_run *r);
void desk_on_weight(struct desk_run *r);
void desk_on_photo(struct desk_run *r);
void desk_on_answer(struct desk_run *r);
void desk_on_items_done(struct desk_run *r);
void desk_on_button(struct desk_run *r);
void desk_on_photo_request(struct desk_run *r);
void desk_on_remove(struct desk_run *r);
void desk_on_unexpected(struct desk_run *r);

/* ---- desk_navigation.c ------------------------------------------------ */

void desk_on_skip(struct desk_run *r);
void desk_on_back(struct desk_run *r);
void desk_on_cancel(struct desk_run *r);
void desk_on_tick(struct desk_run *r);

/* ---- desk_resume.c ---------------------------------------------------- */

void desk_on_resume_offer(struct desk_run *r);
/* At the scan step, the prompt offers the receipt left open. */
void desk_resume_prompt(struct desk *d);
/* The parcel just scanned (desk->code, routine) is the receipt left open
 * when the station stopped: resume it instead of opening a new one; any
 * other parcel abandons that receipt.  Call right after the parcel opened
 * (its OPEN_RECEIPT among the actions). */
void desk_resume_or_abandon(struct desk_run *r);
/* The receipt left open is closed as abandoned, @why in the record. */
void desk_abandon_resume(struct desk_run *r, const char *why);

#endif
