/* SPDX-License-Identifier: MIT */
/*
 * Withdrawal from a distance contract: the window in the shop's local
 * calendar (14 days by default, ending at the last local midnight), the
 * statutory exclusions (personalised, made to order, perishable, an opened
 * hygiene seal) and one line's refund when the buyer changed their mind.
 */
#include "retour/civil_time.h"
#include "retour/rules.h"
#include "rules_run.h"

int64_t rules_window_ends(int64_t delivered_at, int days,
			  const struct rules_policy *policy)
{
	struct rules_policy defaults;
	int64_t day;

	if (!policy) {
		rules_policy_defaults(&defaults);
		policy = &defaults;
	}
	if (days < 0)
		days = 0;
	if (days > RULES_MAX_DAYS * 100)
		days = RULES_MAX_DAYS * 100;
	day = civil_time_local_day(delivered_at, policy->utc_offset_min,
				   policy->eu_summer_time);
	return civil_time_local_day_end(day + days, policy->utc_offset_min,
					policy->eu_summer_time);
}

void rules_withdrawal_item(struct rules_run *run, int i)
{
	const struct return_item *it = &run->er->items[i];
	const struct found_item *fi = &run->found->items[i];
	struct item_outcome *o = &run->out->items[i];
	char sku[RULES_SKU_LEN], money[RULES_MONEY_LEN];
	char gtin[sizeof(it->gtin) + 1];
	int32_t qty;
	int64_t gross;
	int bp;

	rules_sku(it, i, sku);
	if (run->window_passed) {
		rules_refuse(run, false);
		return;
	}
	if (fi->quantity > 0 && !fi->gtin_matched) {
		if (it->gtin[0])
			rules_note(run, REASON_WRONG_ITEM, i, "wrong_item_gtin",
				   "SKU %s: the item in the parcel is not the "
				   "one sold (GTIN %s).",
				   sku,
				   rules_clean(it->gtin, sizeof(it->gtin), gtin,
					       sizeof(gtin)));
		else
			rules_note(run, REASON_WRONG_ITEM, i, "wrong_item",
				   "SKU %s: the item in the parcel is not the "
				   "one sold.",
				   sku);
		run->n_wrong++;
		rules_refuse(run, true);
		return;
	}
	if (it->personalised) {
		rules_note(run, REASON_EXCLUDED_PERSONALISED, i,
			   "excluded_personalised",
			   "SKU %s is personalised and cannot be withdrawn.",
			   sku);
		run->n_excluded++;
		rules_refuse(run, false);
		return;
	}
	if (it->made_to_order) {
		rules_note(run, REASON_EXCLUDED_MADE_TO_ORDER, i,
			   "excluded_made_to_order",
			   "SKU %s was made to order and cannot be withdrawn.",
			   sku);
		run->n_excluded++;
		rules_refuse(run, false);
		return;
	}
	if (it->perishable) {
		rules_note(
		    run, REASON_EXCLUDED_PERISHABLE, i, "excluded_perishable",
		    "SKU %s is perishable and cannot be withdrawn.", sku);
		run->n_excluded++;
		rules_refuse(run, false);
		return;
	}
	if (it->sealed_hygiene && fi->seal_broken) {
		rules_note(run, REASON_EXCLUDED_HYGIENE_SEAL, i,
			   "excluded_hygiene_seal",
			   "SKU %s is a sealed hygiene item whose seal was "
			   "broken after delivery.",
			   sku);
		run->n_excluded++;
		rules_refuse(run, true);
		return;
	}
	if (fi->buyer_damage) {
		rules_note(run, REASON_BUYER_DAMAGE, i, "buyer_damage",
			   "SKU %s was damaged by the buyer.", sku);
		rules_refuse(run, true);
		return;
	}

	qty = rules_accept_units(run, i, sku);
	rules_note_extra_units(run, i, sku);
	if (qty == 0)
		return;
	/* Validated: price * expected quantity fits, and qty <= that. */
	gross = it->unit_price_minor * qty;
	o->accepted = true;
	o->quantity_accepted = qty;
	o->refund_minor = gross;
	/* A defect seen on a withdrawn item still keeps it out of stock. */
	o->disposition = rules_disposition(o->grade, fi->defect);
	if (!fi->handled_beyond_trial)
		return;
	bp = run->policy.deduction_bp[o->grade];
	o->deduction_minor = rules_line_deduction(gross, bp);
	o->refund_minor = gross - o->deduction_minor;
	if (o->deduction_minor > 0)
		run->deduction_taken = true;
	rules_note(run, REASON_DIMINISHED_VALUE, i, "diminished_value",
		   "SKU %s was handled beyond a trial (grade %s): %d.%02d%% "
		   "deducted, %s.",
		   sku, grade_name(o->grade), bp / 100, bp % 100,
		   rules_money(run, o->deduction_minor, money));
}

/*
 * The law counts the day the consumer's statement was sent, not the day the
 * parcel arrived.  With the statement's date on record it decides; without
 * it a parcel inside the window is in time anyway, and a late one is held
 * for a person to check the posting date, never refused.
 */
void rules_judge_window(struct rules_run *run)
{
	const struct expected_return *er = run->er;
	int64_t ends = rules_window_ends(
	    er->delivered_at, run->policy.withdrawal_days, &run->policy);
	char on[RULES_DATE_LEN], end[RULES_DATE_LEN];

	run->out->window_ends_at = ends;
	rules_local_date(run, ends, end);
	if (er->requested_at) {
		rules_local_date(run, er->requested_at, on);
		if (er->requested_at > ends) {
			run->window_passed = true;
			rules_note(run, REASON_WINDOW_PASSED, -1,
				   "window_passed",
				   "Withdrawal declared on %s, after the "
				   "%d-day window ended on %s.",
				   on, run->policy.withdrawal_days, end);
		} else {
			rules_note(run, REASON_WITHIN_WINDOW, -1,
				   "within_window",
				   "Withdrawal declared on %s, within the "
				   "%d-day window ending on %s.",
				   on, run->policy.withdrawal_days, end);
		}
		return;
	}
	rules_local_date(run, run->now, on);
	if (run->now > ends) {
		run->posting_date_unknown = true;
		run->undecided = true;
		rules_note(run, REASON_CHECK_POSTING_DATE, -1,
			   "check_posting_date",
			   "Received %s, after the %d-day window ended %s; "
			   "no statement date on record: check the posting "
			   "date.",
			   on, run->policy.withdrawal_days, end);
	} else {
		rules_note(run, REASON_WITHIN_WINDOW, -1,
			   "within_window_received",
			   "Withdrawal received on %s, within the %d-day "
			   "window ending on %s.",
			   on, run->policy.withdrawal_days, end);
	}
}
