/* SPDX-License-Identifier: MIT */
/*
 * The rules engine: a pure function
 *   (expected return, what was found, policy, now) -> proposal + reasons.
 *
 * EU / Polish consumer-law defaults, every number configurable per shop.
 * All money in minor units, no floating point; dates are computed in the
 * shop's local calendar (fixed UTC offset plus, optionally, the EU summer
 * time rule), never from the process's time zone.
 *
 * Which day counts:
 *  - withdrawal: the day the consumer's statement was sent
 *    (expected_return.requested_at).  Unknown and the parcel arrived after
 *    the window: HOLD with "check the posting date", never REJECT.
 *  - complaint: the 14-day answer deadline runs from the day the seller
 *    received the complaint (complaint_received_at), else from the
 *    parcel's receipt (said in the reasons).  Judged after the deadline,
 *    the complaint counts as accepted (art. 7a of the Polish Consumer
 *    Rights Act): a line with no defect found is accepted all the same.
 *  - non-conformity: liability is judged on the day the defect appeared
 *    (defect_appeared_at) when known, else on the complaint's date:
 *    within warranty_months (24) of delivery.
 *
 * Delivery: refunded once, with the parcel that completes the order (the
 * order's lines, counting what earlier receipts of the order took back,
 * expected_return.before), at the cheapest standard delivery the shop
 * offered (delivery_basic_minor), never more than the buyer paid
 * (delivery_paid_minor, when known).  No order lines: not refunded.
 *
 * Diminished-value deduction, per line: the line's gross (unit price times
 * the units accepted) times the grade's basis points / 10000, rounded half
 * up to the minor unit (0.5 grosz and above rounds up, below rounds down),
 * computed without a 128-bit product and never more than the line's gross
 * (10000 bp deducts the whole line, exactly).  Lines are rounded one by
 * one, then summed; the total is never rounded again.
 */
#ifndef RETOUR_RULES_H
#define RETOUR_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "retour/returns.h"
#include "retour/said.h"

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
	int complaint_warn_days;    /* list complaints this close to their
				       answer deadline (3) */
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
	/* no statement date and a late parcel: a person checks the posting
	 * date */
	REASON_CHECK_POSTING_DATE,
	REASON_COMPLAINT_DEEMED_ACCEPTED, /* no answer within the deadline */
	REASON_COMPLAINT_DATE_ASSUMED,	  /* deadline from the receipt */
	REASON_DELIVERY_NOT_REFUNDED,	  /* order incomplete or unknown */
	REASON_ALREADY_REFUNDED,	  /* an earlier parcel took it back */
};

/* What a complaint's decision gives the buyer.  Only a refund and a price
 * reduction move money. */
enum remedy {
	REMEDY_NONE = 0, /* not a complaint, or nothing granted */
	REMEDY_REPAIR,
	REMEDY_REPLACE,
	REMEDY_REDUCE,
	REMEDY_REFUND,
};

struct reason {
	enum reason_code code;
	int item;	  /* index into items, -1 for the whole return */
	char text[120];	  /* human sentence, English */
	struct said said; /* the sentence's code and values, for a screen */
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
	/* complaints: the remedy proposed (the decision may choose another),
	 * when the complaint reached the seller (the receipt's time when
	 * complaint_received_assumed) and whether the deadline had passed */
	enum remedy remedy;
	int64_t complaint_received_at;
	bool complaint_received_assumed;
	bool complaint_deemed_accepted;
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

/* End (UTC us, last local instant) of the day @days after @received_at's
 * local day: the complaint's answer deadline.  0 for an unknown date. */
int64_t rules_complaint_answer_due(int64_t received_at,
				   const struct rules_policy *policy);

/*
 * The diminished-value deduction of one line: @gross * @bp / 10000 rounded
 * half up to the minor unit, clamped to 0..@gross (a negative @gross or
 * @bp deducts nothing, @bp above 10000 deducts the whole line).
 */
int64_t rules_line_deduction(int64_t gross, int bp);

const char *remedy_name(enum remedy r);
int remedy_from_name(const char *name); /* -EINVAL if unknown */
/* Refund and reduce move money; repair, replace and none do not. */
bool remedy_moves_money(enum remedy r);

const char *verdict_name(enum verdict v);
const char *reason_code_name(enum reason_code c);

#endif
