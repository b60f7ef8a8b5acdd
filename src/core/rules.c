/* SPDX-License-Identifier: MIT */
/*
 * The rules engine's vocabulary: the policy's defaults (EU/Polish consumer
 * law, every number a shop may change), the names of verdicts and reason
 * codes and remedies as the record and the events spell them, and the
 * weight check.
 * The bottom of the rules engine: the judging files call it.
 */
#include <errno.h>
#include <string.h>

#include "retour/rules.h"
#include "rules_run.h"

void rules_policy_defaults(struct rules_policy *p)
{
	if (!p)
		return;
	memset(p, 0, sizeof(*p));
	p->withdrawal_days = 14;
	p->complaint_answer_days = 14;
	p->warranty_months = 24;
	p->weight_tolerance_g = 50;
	p->weight_tolerance_pct = 10;
	p->deduction_bp[GRADE_NONE] = 0;
	p->deduction_bp[GRADE_A] = 0;
	p->deduction_bp[GRADE_B] = 1000;
	p->deduction_bp[GRADE_C] = 3000;
	p->deduction_bp[GRADE_SCRAP] = 10000;
	p->refund_basic_delivery = true;
	p->utc_offset_min = 60;
	p->eu_summer_time = true;
	p->complaint_warn_days = 3;
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_ACCEPT:
		return "accept";
	case VERDICT_PARTIAL:
		return "partial";
	case VERDICT_REJECT:
		return "reject";
	case VERDICT_HOLD:
		return "hold";
	}
	return "unknown";
}

const char *reason_code_name(enum reason_code c)
{
	static const char *const names[] = {
	    [REASON_WITHIN_WINDOW] = "within_window",
	    [REASON_WINDOW_PASSED] = "window_passed",
	    [REASON_EXCLUDED_PERSONALISED] = "excluded_personalised",
	    [REASON_EXCLUDED_MADE_TO_ORDER] = "excluded_made_to_order",
	    [REASON_EXCLUDED_PERISHABLE] = "excluded_perishable",
	    [REASON_EXCLUDED_HYGIENE_SEAL] = "excluded_hygiene_seal",
	    [REASON_WRONG_ITEM] = "wrong_item",
	    [REASON_BUYER_DAMAGE] = "buyer_damage",
	    [REASON_WARRANTY_PASSED] = "warranty_passed",
	    [REASON_NO_DEFECT_FOUND] = "no_defect_found",
	    [REASON_DEFECT_CONFIRMED] = "defect_confirmed",
	    [REASON_WEIGHT_MISMATCH] = "weight_mismatch",
	    [REASON_WEIGHT_SKIPPED] = "weight_skipped",
	    [REASON_MISSING_ITEM] = "missing_item",
	    [REASON_PARTIAL_QUANTITY] = "partial_quantity",
	    [REASON_DIMINISHED_VALUE] = "diminished_value",
	    [REASON_DELIVERY_REFUNDED] = "delivery_refunded",
	    [REASON_COMPLAINT_DEADLINE] = "complaint_deadline",
	    [REASON_NO_PHOTO] = "no_photo",
	    [REASON_UNEXPECTED_RETURN] = "unexpected_return",
	    [REASON_NOT_DELIVERED] = "not_delivered",
	    [REASON_CHECK_POSTING_DATE] = "check_posting_date",
	    [REASON_COMPLAINT_DEEMED_ACCEPTED] = "complaint_deemed_accepted",
	    [REASON_COMPLAINT_DATE_ASSUMED] = "complaint_date_assumed",
	    [REASON_DELIVERY_NOT_REFUNDED] = "delivery_not_refunded",
	    [REASON_ALREADY_REFUNDED] = "already_refunded",
	};

	if ((unsigned)c >= sizeof(names) / sizeof(names[0]) || !names[c])
		return "unknown";
	return names[c];
}

static const char *const remedy_names[] = {
    [REMEDY_NONE] = "none",	  [REMEDY_REPAIR] = "repair",
    [REMEDY_REPLACE] = "replace", [REMEDY_REDUCE] = "reduce",
    [REMEDY_REFUND] = "refund",
};

const char *remedy_name(enum remedy r)
{
	if ((unsigned)r >= sizeof(remedy_names) / sizeof(remedy_names[0]))
		return "unknown";
	return remedy_names[r];
}

int remedy_from_name(const char *name)
{
	for (size_t i = 0;
	     name && i < sizeof(remedy_names) / sizeof(*remedy_names); i++)
		if (!strcmp(name, remedy_names[i]))
			return (int)i;
	return -EINVAL;
}

bool remedy_moves_money(enum remedy r)
{
	return r == REMEDY_REFUND || r == REMEDY_REDUCE;
}

bool rules_weight_ok(int64_t expected_g, int32_t weight_g,
		     const struct rules_policy *policy)
{
	struct rules_policy defaults;

	if (!policy) {
		rules_policy_defaults(&defaults);
		policy = &defaults;
	}
	return weight_within_tolerance(expected_g, weight_g,
				       policy->weight_tolerance_g,
				       policy->weight_tolerance_pct);
}
