/* SPDX-License-Identifier: MIT */
/*
 * What the rules engine checks before it judges anything: a policy inside
 * sane bounds, an expected return and an inspection that agree with each
 * other, money that cannot overflow when summed, instants inside the civil
 * calendar.  Anything wrong becomes a reason and a held proposal, never a
 * guess.
 */
#include "retour/civil_time.h"
#include "retour/rules.h"
#include "rules_run.h"

static bool rules_policy_check(struct rules_run *run)
{
	const struct rules_policy *p = &run->policy;
	const char *what = NULL;
	long long value = 0;

#define RULES_CHECK(field, lo, hi)                                             \
	do {                                                                   \
		if (!what && (p->field < (lo) || p->field > (hi))) {           \
			what = #field;                                         \
			value = p->field;                                      \
		}                                                              \
	} while (0)
	RULES_CHECK(withdrawal_days, 0, RULES_MAX_DAYS);
	RULES_CHECK(complaint_answer_days, 0, RULES_MAX_DAYS);
	RULES_CHECK(warranty_months, 0, RULES_MAX_MONTHS);
	RULES_CHECK(weight_tolerance_g, 0, RULES_MAX_TOLERANCE_G);
	RULES_CHECK(weight_tolerance_pct, 0, RULES_MAX_TOLERANCE_PCT);
	RULES_CHECK(utc_offset_min, -RULES_MAX_OFFSET_MIN,
		    RULES_MAX_OFFSET_MIN);
	for (int g = GRADE_NONE; g <= GRADE_SCRAP; g++)
		RULES_CHECK(deduction_bp[g], 0, RULES_MAX_BP);
#undef RULES_CHECK
	if (!what)
		return true;
	rules_note(run, REASON_UNEXPECTED_RETURN, -1, "bad_policy",
		   "The shop policy is invalid: %s is %lld; fix the "
		   "configuration.",
		   what, value);
	return false;
}

static bool rules_instant_ok(int64_t us)
{
	return us > 0 && us <= CIVIL_TIME_MAX_US;
}

/* The order's lines and what earlier receipts took back. */
static bool rules_order_check(struct rules_run *run)
{
	const struct expected_return *er = run->er;
	const struct return_before *b = &er->before;

	if (er->n_order_lines < 0 ||
	    er->n_order_lines > RETURN_MAX_ORDER_LINES) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1, "bad_order_lines",
			   "The order lists %d lines (0 to %d allowed).",
			   er->n_order_lines, RETURN_MAX_ORDER_LINES);
		return false;
	}
	for (int l = 0; l < er->n_order_lines; l++) {
		if (er->order_lines[l].quantity < 1 ||
		    b->order_returned[l] < 0) {
			rules_note(run, REASON_UNEXPECTED_RETURN, -1,
				   "bad_order_line",
				   "Order line %d: quantity %d, %d returned "
				   "before; check the order.",
				   l + 1, (int)er->order_lines[l].quantity,
				   (int)b->order_returned[l]);
			return false;
		}
	}
	for (int i = 0; i < er->n_items; i++) {
		if (b->item_refunded[i] < 0) {
			rules_note(run, REASON_UNEXPECTED_RETURN, i,
				   "bad_refunded_before",
				   "Item %d: %d units refunded before; cannot "
				   "be negative.",
				   i + 1, (int)b->item_refunded[i]);
			return false;
		}
	}
	if (b->delivery_refunded_minor < 0) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1,
			   "bad_delivery_refunded",
			   "The delivery refunded before is negative.");
		return false;
	}
	return true;
}

/* Everything the judging (rules_propose.c) relies on; false leaves a reason. */
bool rules_input_check(struct rules_run *run)
{
	const struct expected_return *er = run->er;
	const struct inspection *found = run->found;
	int64_t total;
	char sku[RULES_SKU_LEN], ref[RETURN_REF_LEN];

	if (!rules_policy_check(run))
		return false;
	if (er->kind == RETURN_SHIPMENT) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1, "ship_qc_order",
			   "Order %s is a ship-QC order; the returns rules "
			   "do not judge it.",
			   rules_clean(er->order_ref, sizeof(er->order_ref),
				       ref, sizeof(ref)));
		return false;
	}
	if (er->kind != RETURN_WITHDRAWAL && er->kind != RETURN_COMPLAINT) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1, "bad_kind",
			   "Unknown return kind %d; review by hand.",
			   (int)er->kind);
		return false;
	}
	if (er->n_items < 1 || er->n_items > RETURN_MAX_ITEMS) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1, "bad_item_count",
			   "The expected return lists %d items (1 to %d "
			   "allowed).",
			   er->n_items, RETURN_MAX_ITEMS);
		return false;
	}
	if (found->n_items != er->n_items) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1,
			   "inspection_incomplete",
			   "The inspection lists %d items, the expected return "
			   "%d; inspect every expected item.",
			   found->n_items, er->n_items);
		return false;
	}
	for (int i = 0; i < 3; i++) {
		char c = er->currency[i];

		if (c < 'A' || c > 'Z') {
			rules_note(run, REASON_UNEXPECTED_RETURN, -1,
				   "bad_currency",
				   "The currency code is missing or not three "
				   "capital letters.");
			return false;
		}
	}
	if (er->currency[3] != '\0') {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1,
			   "bad_currency_long",
			   "The currency code is longer than three letters.");
		return false;
	}
	if (er->delivered_at <= 0) {
		rules_note(
		    run, REASON_NOT_DELIVERED, -1, "not_delivered",
		    "No delivery date on record for RMA %s; the "
		    "deadlines cannot be computed.",
		    rules_clean(er->rma, sizeof(er->rma), ref, sizeof(ref)));
		return false;
	}
	if (!rules_instant_ok(er->delivered_at) ||
	    !rules_instant_ok(run->now) ||
	    (er->requested_at != 0 && !rules_instant_ok(er->requested_at)) ||
	    (er->complaint_received_at != 0 &&
	     !rules_instant_ok(er->complaint_received_at)) ||
	    (er->defect_appeared_at != 0 &&
	     !rules_instant_ok(er->defect_appeared_at))) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1, "bad_date",
			   "A date of the return (delivery, request, "
			   "complaint, defect or receipt) is out of range.");
		return false;
	}
	if (!rules_order_check(run))
		return false;
	if (er->delivery_basic_minor < 0 ||
	    (er->delivery_paid_known && er->delivery_paid_minor < 0)) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1,
			   "bad_delivery_cost",
			   "The delivery cost is negative (%lld).",
			   (long long)er->delivery_basic_minor);
		return false;
	}
	total = er->delivery_basic_minor;
	for (int i = 0; i < er->n_items; i++) {
		const struct return_item *it = &er->items[i];
		const struct found_item *fi = &found->items[i];
		int64_t line;

		rules_sku(it, i, sku);
		if (it->quantity < 1 || fi->quantity < 0) {
			rules_note(run, REASON_UNEXPECTED_RETURN, i,
				   "bad_quantity",
				   "SKU %s: quantity expected %d, found %d; "
				   "quantities cannot be negative.",
				   sku, (int)it->quantity, (int)fi->quantity);
			return false;
		}
		if (it->unit_price_minor < 0 || it->weight_g < 0) {
			rules_note(run, REASON_UNEXPECTED_RETURN, i,
				   "bad_price",
				   "SKU %s: negative price (%lld) or weight "
				   "(%d g).",
				   sku, (long long)it->unit_price_minor,
				   (int)it->weight_g);
			return false;
		}
		if ((unsigned)fi->grade > GRADE_SCRAP) {
			rules_note(run, REASON_UNEXPECTED_RETURN, i,
				   "bad_grade", "SKU %s: unknown grade %d.",
				   sku, (int)fi->grade);
			return false;
		}
		if (__builtin_mul_overflow(it->unit_price_minor,
					   (int64_t)it->quantity, &line) ||
		    __builtin_add_overflow(total, line, &total)) {
			rules_note(run, REASON_UNEXPECTED_RETURN, i,
				   "bad_amounts",
				   "SKU %s: the amounts are too large to add "
				   "up; check the prices.",
				   sku);
			return false;
		}
	}
	return true;
}
