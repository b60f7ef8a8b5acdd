/* SPDX-License-Identifier: MIT */
/*
 * The rules engine: what the law and the shop's policy
 * allow for one return, as a proposal with its reasons.
 *
 * A pure function of its arguments: no I/O, no clock, no allocation, no
 * floating point.  Money is checked for overflow before any sum is formed,
 * dates come from the shop's local calendar (civil_time), never from TZ.
 * It proposes; it does not decide: a person confirms or overrides, and a
 * refusal or a deduction without a photo is never proposed as final.
 *
 * This file assembles the proposal: the weight check and the verdict over
 * all lines.  The policy's defaults and the names are in rules.c,
 * the input checks in
 * rules_input.c, the two kinds of return in rules_withdrawal.c and
 * rules_complaint.c, one line's refund in rules_refund.c, the delivery
 * refund in rules_delivery.c and the reasons' sentences in rules_reason.c.
 */
#include <errno.h>
#include <string.h>

#include "retour/rules.h"
#include "rules_run.h"

static void rules_hold_invalid(struct rules_run *run)
{
	struct proposal *out = run->out;

	out->verdict = VERDICT_HOLD;
	out->refund_minor = 0;
	out->delivery_refund_minor = 0;
	for (int i = 0; i < out->n_items; i++) {
		out->items[i].accepted = false;
		out->items[i].quantity_accepted = 0;
		out->items[i].refund_minor = 0;
		out->items[i].deduction_minor = 0;
		out->items[i].disposition = DISPOSITION_HOLD;
	}
}

/* Sum of what the clerk says is in the parcel, at catalogue weights. */
static bool rules_found_weight(const struct rules_run *run, int64_t *grams)
{
	int64_t total = 0;

	for (int i = 0; i < run->er->n_items; i++) {
		int64_t line;

		if (__builtin_mul_overflow(
			(int64_t)run->er->items[i].weight_g,
			(int64_t)run->found->items[i].quantity, &line) ||
		    __builtin_add_overflow(total, line, &total))
			return false;
	}
	*grams = total;
	return true;
}

static void rules_judge_weight(struct rules_run *run, bool verdict_settled)
{
	const struct inspection *found = run->found;
	const struct rules_policy *p = &run->policy;
	int64_t expected = 0, tolerance;

	if (!found->weighed) {
		rules_note(run, REASON_WEIGHT_SKIPPED, -1, "weight_skipped",
			   "The parcel was not weighed; the weight check was "
			   "skipped.");
		return;
	}
	if (rules_found_weight(run, &expected) &&
	    rules_weight_ok(expected, found->weight_g, p))
		return;
	tolerance = weight_tolerance_for(expected, p->weight_tolerance_g,
					 p->weight_tolerance_pct);
	if (tolerance < 0)
		rules_note(run, REASON_WEIGHT_MISMATCH, -1, "weight_mismatch",
			   "The parcel weighs %d g but its contents should "
			   "weigh %lld g.",
			   (int)found->weight_g, (long long)expected);
	else
		rules_note(run, REASON_WEIGHT_MISMATCH, -1,
			   "weight_mismatch_tolerance",
			   "The parcel weighs %d g but its contents should "
			   "weigh %lld g (+/- %lld g).",
			   (int)found->weight_g, (long long)expected,
			   (long long)tolerance);
	if (!verdict_settled)
		run->out->verdict = VERDICT_HOLD;
}

static void rules_judge(struct rules_run *run)
{
	const struct expected_return *er = run->er;
	struct proposal *out = run->out;
	bool complaint = er->kind == RETURN_COMPLAINT;
	bool full = true, any = false, open = false;
	bool settled;

	if (complaint)
		rules_judge_warranty(run);
	else
		rules_judge_window(run);

	for (int i = 0; i < er->n_items; i++) {
		out->items[i].grade =
		    rules_effective_grade(&run->found->items[i], complaint);
		out->items[i].disposition = DISPOSITION_HOLD;
		if (rules_units_open(run, i) > 0)
			open = true;
		if (complaint)
			rules_complaint_item(run, i);
		else
			rules_withdrawal_item(run, i);
		if (out->items[i].quantity_accepted > 0)
			any = true;
		if (out->items[i].quantity_accepted != rules_units_open(run, i))
			full = false;
		/* Validated: the sum of all lines plus delivery fits. */
		out->refund_minor += out->items[i].refund_minor;
	}
	if (!open) {
		rules_note(run, REASON_ALREADY_REFUNDED, -1, "already_refunded",
			   "Every item of this return was refunded on an "
			   "earlier receipt.");
		run->undecided = true;
	}

	if (run->undecided)
		out->verdict = VERDICT_HOLD;
	else if (full)
		out->verdict = VERDICT_ACCEPT;
	else if (any)
		out->verdict = VERDICT_PARTIAL;
	else
		out->verdict = VERDICT_REJECT;

	rules_judge_delivery(run);

	/*
	 * A rejection on dates, exclusions or wrong items stands whatever the
	 * scale says: a different item weighs differently, that is expected.
	 */
	settled = out->verdict == VERDICT_REJECT &&
		  (run->window_passed || run->warranty_passed ||
		   run->n_excluded + run->n_wrong == er->n_items);
	if (run->found->wrong_item && !rules_has_note(run, REASON_WRONG_ITEM)) {
		rules_note(run, REASON_WRONG_ITEM, -1, "wrong_item_not_sold",
			   "An item that was not sold was found in the parcel; "
			   "review it.");
		if (!settled)
			out->verdict = VERDICT_HOLD;
	}
	rules_judge_weight(run, settled);

	if (!run->found->photographed &&
	    (out->verdict == VERDICT_REJECT || run->refusal_needs_photo ||
	     run->deduction_taken)) {
		rules_note(run, REASON_NO_PHOTO, -1, "no_photo",
			   "A refusal or a deduction needs photo evidence; "
			   "take a photo before deciding.");
		out->verdict = VERDICT_HOLD;
	}
}

int rules_propose(const struct expected_return *er,
		  const struct inspection *found,
		  const struct rules_policy *policy, int64_t now,
		  struct proposal *out)
{
	/* Large (notes for every item); static-free so calls stay reentrant. */
	struct rules_run run;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->verdict = VERDICT_HOLD;
	memset(&run, 0, sizeof(run));
	run.out = out;
	if (!er || !found) {
		rules_note(&run, REASON_UNEXPECTED_RETURN, -1,
			   "nothing_to_judge",
			   "Nothing to judge: the expected return or the "
			   "inspection is missing.");
		rules_notes_publish(&run);
		return -EINVAL;
	}
	run.er = er;
	run.found = found;
	run.now = now;
	if (policy)
		run.policy = *policy;
	else
		rules_policy_defaults(&run.policy);

	out->n_items = er->n_items < 0			? 0
		       : er->n_items > RETURN_MAX_ITEMS ? RETURN_MAX_ITEMS
							: er->n_items;
	memcpy(out->currency, er->currency, 3);
	out->currency[3] = '\0';
	if (!rules_input_check(&run)) {
		rules_hold_invalid(&run);
		rules_notes_publish(&run);
		return -EINVAL;
	}
	rules_judge(&run);
	rules_notes_publish(&run);
	return 0;
}
