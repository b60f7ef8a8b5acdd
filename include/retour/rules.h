/* SPDX-License-Identifier: MIT */
/*
 * The rules engine (DESIGN section 4): a pure function
 *   (expected return, what was found, policy, now) -> proposal + reasons.
 *
 * EU / Polish consumer-law defaults, every number configurable per shop.
 * All money in minor units, no floating point; dates are computed in the
 * shop's local calendar (fixed UTC offset plus, optionally, the EU summer
 * time rule), never from the process's time zone.
 */
#ifndef RETOUR_RULES_H
#define RETOUR_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "retour/returns.h"

#define RULES_MAX_REASONS 24

struct rules_policy {
	int withdrawal_days;	   /* 14; shops may extend (30, 100, 365) */
	int complaint_answer_days; /* 14: answer or it counts as accepted */
	int warranty_months;	   /* 24 from delivery */
	int weight_tolerance_g;	   /* packaging tolerance, absolute */
	int weight_tolerance_pct;  /* and relative, whichever is larger */
	/* diminished-value deduction by grade, basis points of the price */
	int deduction_bp[GRADE_SCRAP + 1];
	bool refund_basic_delivery; /* on a full return (law: yes) */
	int utc_offset_min;	    /* shop's standard offset, 60 for PL */
	bool eu_summer_time;	    /* add an hour in EU summer time */
};

void rules_policy_defaults(struct rules_policy *p);

enum verdict {
	VERDICT_ACCEPT = 0,
	VERDICT_PARTIAL,
	VERDICT_REJECT,
	VERDICT_HOLD,
};

enum reason_code {
	REASON_WITHIN_WINDOW = 0, /* informational */
	REASON_WINDOW_PASSED,
	REASON_EXCLUDED_PERSONALISED,
	REASON_EXCLUDED_MADE_TO_ORDER,
	REASON_EXCLUDED_PERISHABLE,
	REASON_EXCLUDED_HYGIENE_SEAL,
	REASON_WRONG_ITEM,
	REASON_BUYER_DAMAGE,
	REASON_WARRANTY_PASSED,
	REASON_NO_DEFECT_FOUND,
	REASON_DEFECT_CONFIRMED,
	REASON_WEIGHT_MISMATCH,
	REASON_WEIGHT_SKIPPED,
	REASON_MISSING_ITEM,
	REASON_PARTIAL_QUANTITY,
	REASON_DIMINISHED_VALUE,
	REASON_DELIVERY_REFUNDED,
	REASON_COMPLAINT_DEADLINE,
	REASON_NO_PHOTO, /* a refusal needs evidence */
	REASON_UNEXPECTED_RETURN,
	REASON_NOT_DELIVERED, /* no delivery date on record */
};

struct reason {
	enum reason_code code;
	int item;	/* index into items, -1 for the whole return */
	char text[120]; /* human sentence, English */
};

struct item_outcome {
	bool accepted;
	int32_t quantity_accepted;
	int64_t refund_minor; /* price of accepted units - deduction */
	int64_t deduction_minor;
	enum grade grade;
	enum disposition disposition;
};

struct proposal {
	enum verdict verdict;
	int n_reasons;
	struct reason reasons[RULES_MAX_REASONS];
	int n_items;
	struct item_outcome items[RETURN_MAX_ITEMS];
	int64_t refund_minor; /* total, incl. delivery when due */
	int64_t delivery_refund_minor;
	char currency[4];
	int64_t window_ends_at;	  /* UTC us, withdrawal: end of last day */
	int64_t answer_due_at;	  /* UTC us, complaint: answer deadline */
	int64_t warranty_ends_at; /* UTC us */
};

/*
 * Propose a decision.  @now is the receipt time (UTC us).  A withdrawal is
 * judged on the date the buyer declared it (er->requested_at) when known,
 * otherwise on @now.  Returns 0, or -EINVAL for inconsistent input (then
 * out->verdict is VERDICT_HOLD with a reason saying what is wrong).
 */
int rules_propose(const struct expected_return *er,
		  const struct inspection *found,
		  const struct rules_policy *policy, int64_t now,
		  struct proposal *out);

/* Last instant (UTC us) of the withdrawal window for @delivered_at. */
int64_t rules_window_ends(int64_t delivered_at, int days,
			  const struct rules_policy *policy);

/* Weight check: true when @weight_g is within tolerance of @expected_g. */
bool rules_weight_ok(int64_t expected_g, int32_t weight_g,
		     const struct rules_policy *policy);

const char *verdict_name(enum verdict v);
const char *reason_code_name(enum reason_code c);

#endif
