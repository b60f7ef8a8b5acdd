/* SPDX-License-Identifier: MIT */
/*
 * Complaints: the warranty period counted in calendar months from delivery
 * (judged on the day the defect appeared when that is known), the deadline
 * to answer the buyer (from the day the seller received the complaint) and
 * what follows when it passed, and one line's outcome when the clerk
 * confirms a defect or finds none.
 */
#include <stdio.h>

#include "retour/civil_time.h"
#include "retour/rules.h"
#include "rules_run.h"

void rules_complaint_item(struct rules_run *run, int i)
{
	const struct return_item *it = &run->er->items[i];
	const struct found_item *fi = &run->found->items[i];
	struct item_outcome *o = &run->out->items[i];
	char sku[RULES_SKU_LEN], money[RULES_MONEY_LEN];
	int32_t qty;

	rules_sku(it, i, sku);
	if (run->warranty_passed && !run->deemed_accepted) {
		rules_refuse(run, false);
		return;
	}
	if (fi->quantity > 0 && !fi->gtin_matched) {
		rules_note(run, REASON_WRONG_ITEM, i, "wrong_item",
			   "SKU %s: the item in the parcel is not the one "
			   "sold.",
			   sku);
		run->n_wrong++;
		rules_refuse(run, true);
		return;
	}
	if (fi->buyer_damage && !run->deemed_accepted) {
		rules_note(run, REASON_BUYER_DAMAGE, i, "buyer_damage_warranty",
			   "SKU %s was damaged by the buyer; not covered by "
			   "the warranty.",
			   sku);
		rules_refuse(run, true);
		return;
	}
	qty = rules_accept_units(run, i, sku);
	rules_note_extra_units(run, i, sku);
	if (qty == 0)
		return;
	if (!fi->defect && !run->deemed_accepted) {
		rules_note(run, REASON_NO_DEFECT_FOUND, i, "no_defect_found",
			   "SKU %s: no defect found; a person must answer "
			   "the complaint.",
			   sku);
		run->undecided = true;
		return;
	}
	o->accepted = true;
	o->quantity_accepted = qty;
	o->refund_minor = it->unit_price_minor * qty;
	o->disposition = rules_disposition(o->grade, fi->defect);
	run->out->remedy = REMEDY_REFUND;
	if (fi->defect)
		rules_note(run, REASON_DEFECT_CONFIRMED, i, "defect_confirmed",
			   "SKU %s: defect confirmed, %d unit(s) refunded, %s.",
			   sku, (int)qty,
			   rules_money(run, o->refund_minor, money));
}

int64_t rules_complaint_answer_due(int64_t received_at,
				   const struct rules_policy *policy)
{
	struct rules_policy defaults;
	int days;

	if (received_at <= 0 || received_at > CIVIL_TIME_MAX_US)
		return 0;
	if (!policy) {
		rules_policy_defaults(&defaults);
		policy = &defaults;
	}
	days = policy->complaint_answer_days;
	if (days < 0)
		days = 0;
	if (days > RULES_MAX_DAYS)
		days = RULES_MAX_DAYS;
	return civil_time_local_day_end(
	    civil_time_local_day(received_at, policy->utc_offset_min,
				 policy->eu_summer_time) +
		days,
	    policy->utc_offset_min, policy->eu_summer_time);
}

/* The answer is owed from when the complaint reached the seller; past the
 * deadline it counts as accepted (art. 7a of the Polish Consumer Rights
 * Act). */
static void rules_judge_deadline(struct rules_run *run)
{
	const struct expected_return *er = run->er;
	const struct rules_policy *p = &run->policy;
	int64_t received = er->complaint_received_at;
	char due[CIVIL_TIME_RFC3339_LEN], on[RULES_DATE_LEN];
	int64_t due_at;

	if (!received) {
		received = run->now;
		run->out->complaint_received_assumed = true;
		rules_note(run, REASON_COMPLAINT_DATE_ASSUMED, -1,
			   "complaint_date_assumed",
			   "The complaint's date was not imported; the "
			   "deadline runs from the parcel's receipt.");
	}
	run->out->complaint_received_at = received;
	due_at = rules_complaint_answer_due(received, p);
	run->out->answer_due_at = due_at;
	if (civil_time_format_rfc3339_offset(
		due_at,
		civil_time_local_offset_min(due_at, p->utc_offset_min,
					    p->eu_summer_time),
		due, sizeof(due)) < 0)
		snprintf(due, sizeof(due), "?");
	if (run->now <= due_at) {
		rules_note(run, REASON_COMPLAINT_DEADLINE, -1,
			   "complaint_deadline",
			   "The complaint must be answered by %s (%d days).",
			   due, p->complaint_answer_days);
		return;
	}
	run->deemed_accepted = true;
	run->out->complaint_deemed_accepted = true;
	rules_note(run, REASON_COMPLAINT_DEEMED_ACCEPTED, -1,
		   "complaint_deemed_accepted",
		   "Received %s, no answer within %d days: the complaint "
		   "counts as accepted (art. 7a Consumer Rights Act).",
		   rules_local_date(run, received, on),
		   p->complaint_answer_days);
}

void rules_judge_warranty(struct rules_run *run)
{
	const struct expected_return *er = run->er;
	const struct rules_policy *p = &run->policy;
	/* Liability is for a defect that appears within the period. */
	int64_t judged = er->defect_appeared_at	     ? er->defect_appeared_at
			 : er->requested_at	     ? er->requested_at
			 : er->complaint_received_at ? er->complaint_received_at
						     : run->now;
	const char *what =
	    er->defect_appeared_at ? "Defect appeared" : "Complaint made";
	int64_t delivered_day = civil_time_local_day(
	    er->delivered_at, p->utc_offset_min, p->eu_summer_time);
	struct civil_date last = civil_time_add_months(
	    civil_time_civil_from_days(delivered_day), p->warranty_months);
	char on[RULES_DATE_LEN], end[RULES_DATE_LEN];

	run->out->warranty_ends_at = civil_time_local_day_end(
	    civil_time_days_from_civil(last.year, last.month, last.day),
	    p->utc_offset_min, p->eu_summer_time);
	rules_judge_deadline(run);
	if (judged > run->out->warranty_ends_at) {
		run->warranty_passed = true;
		if (er->defect_appeared_at)
			rules_note(run, REASON_WARRANTY_PASSED, -1,
				   "warranty_passed_defect",
				   "%s on %s, after the %d-month warranty "
				   "ended on %s.",
				   what, rules_local_date(run, judged, on),
				   p->warranty_months,
				   rules_local_date(
				       run, run->out->warranty_ends_at, end));
		else
			rules_note(run, REASON_WARRANTY_PASSED, -1,
				   "warranty_passed",
				   "%s on %s, after the %d-month warranty "
				   "ended on %s.",
				   what, rules_local_date(run, judged, on),
				   p->warranty_months,
				   rules_local_date(
				       run, run->out->warranty_ends_at, end));
	}
}
