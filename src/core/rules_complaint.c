/* SPDX-License-Identifier: MIT */
/*
 * Complaints: the warranty period counted in calendar months from delivery,
 * the deadline to answer the buyer, and one line's outcome when the clerk
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
	if (run->warranty_passed) {
		rules_refuse(run, false);
		return;
	}
	if (fi->quantity > 0 && !fi->gtin_matched) {
		rules_note(run, REASON_WRONG_ITEM, i,
			   "SKU %s: the item in the parcel is not the one "
			   "sold.",
			   sku);
		run->n_wrong++;
		rules_refuse(run, true);
		return;
	}
	if (fi->buyer_damage) {
		rules_note(run, REASON_BUYER_DAMAGE, i,
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
	if (!fi->defect) {
		rules_note(run, REASON_NO_DEFECT_FOUND, i,
			   "SKU %s: no defect found; a person must answer "
			   "the complaint.",
			   sku);
		run->undecided = true;
		return;
	}
	o->accepted = true;
	o->quantity_accepted = qty;
	o->refund_minor = it->unit_price_minor * qty;
	o->disposition = rules_disposition(o->grade, true);
	rules_note(run, REASON_DEFECT_CONFIRMED, i,
		   "SKU %s: defect confirmed, %d unit(s) refunded, %s.", sku,
		   (int)qty, rules_money(run, o->refund_minor, money));
}

void rules_judge_warranty(struct rules_run *run)
{
	const struct expected_return *er = run->er;
	const struct rules_policy *p = &run->policy;
	int64_t judged = er->requested_at ? er->requested_at : run->now;
	/* The answer is owed from when the complaint reached the seller. */
	int64_t made = er->requested_at && er->requested_at < run->now
			   ? er->requested_at
			   : run->now;
	int64_t delivered_day = civil_time_local_day(
	    er->delivered_at, p->utc_offset_min, p->eu_summer_time);
	struct civil_date last = civil_time_add_months(
	    civil_time_civil_from_days(delivered_day), p->warranty_months);
	char on[RULES_DATE_LEN], end[RULES_DATE_LEN];
	char due[CIVIL_TIME_RFC3339_LEN];
	int64_t due_at;

	run->out->warranty_ends_at = civil_time_local_day_end(
	    civil_time_days_from_civil(last.year, last.month, last.day),
	    p->utc_offset_min, p->eu_summer_time);
	due_at = civil_time_local_day_end(
	    civil_time_local_day(made, p->utc_offset_min, p->eu_summer_time) +
		p->complaint_answer_days,
	    p->utc_offset_min, p->eu_summer_time);
	run->out->answer_due_at = due_at;
	if (civil_time_format_rfc3339_offset(
		due_at,
		civil_time_local_offset_min(due_at, p->utc_offset_min,
					    p->eu_summer_time),
		due, sizeof(due)) < 0)
		snprintf(due, sizeof(due), "?");
	rules_note(run, REASON_COMPLAINT_DEADLINE, -1,
		   "The complaint must be answered by %s (%d days).", due,
		   p->complaint_answer_days);
	if (judged > run->out->warranty_ends_at) {
		run->warranty_passed = true;
		rules_note(
		    run, REASON_WARRANTY_PASSED, -1,
		    "Complaint made on %s, after the %d-month warranty "
		    "ended on %s.",
		    rules_local_date(run, judged, on), p->warranty_months,
		    rules_local_date(run, run->out->warranty_ends_at, end));
	}
}
