/* SPDX-License-Identifier: MIT */
/*
 * The delivery refund: the original delivery is paid
 * back when the whole order comes back, judged against the order's lines
 * across all its parcels, once, with the parcel that completes the order,
 * at the cheapest standard delivery the shop offered and never more than
 * the buyer paid.  Complaints do not refund delivery here.
 */
#include <string.h>

#include "retour/rules.h"
#include "rules_run.h"

/* The first order line not back yet, counting this parcel; -1 when none. */
static int rules_order_line_missing(const struct rules_run *run, int32_t *back)
{
	const struct expected_return *er = run->er;
	int32_t got[RETURN_MAX_ORDER_LINES];

	for (int l = 0; l < er->n_order_lines; l++)
		got[l] = er->before.order_returned[l] > 0
			     ? er->before.order_returned[l]
			     : 0;
	for (int i = 0; i < er->n_items; i++) {
		int l = expected_return_order_line(er, &er->items[i]);

		if (l >= 0)
			got[l] += run->out->items[i].quantity_accepted;
	}
	for (int l = 0; l < er->n_order_lines; l++) {
		if (got[l] < er->order_lines[l].quantity) {
			*back = got[l];
			return l;
		}
	}
	return -1;
}

void rules_judge_delivery(struct rules_run *run)
{
	const struct expected_return *er = run->er;
	struct proposal *out = run->out;
	char money[RULES_MONEY_LEN], sku[RULES_SKU_LEN];
	int64_t amount = er->delivery_basic_minor;
	bool any = false;
	int32_t back = 0;
	int l;

	if (er->kind == RETURN_COMPLAINT ||
	    !run->policy.refund_basic_delivery || amount <= 0)
		return;
	for (int i = 0; i < er->n_items; i++)
		if (out->items[i].quantity_accepted > 0)
			any = true;
	if (!any)
		return;
	if (er->n_order_lines == 0) {
		rules_note(run, REASON_DELIVERY_NOT_REFUNDED, -1,
			   "delivery_order_unknown",
			   "The order's lines are not on record: delivery is "
			   "refunded only for a whole order; check by hand.");
		return;
	}
	if (er->before.delivery_refunded_minor > 0) {
		rules_note(run, REASON_DELIVERY_NOT_REFUNDED, -1,
			   "delivery_refunded_before",
			   "Delivery was refunded with an earlier parcel of "
			   "this order (%s).",
			   rules_money(run, er->before.delivery_refunded_minor,
				       money));
		return;
	}
	l = rules_order_line_missing(run, &back);
	if (l >= 0) {
		const struct order_line *ol = &er->order_lines[l];
		struct return_item as_item = {.quantity = ol->quantity};

		memcpy(as_item.sku, ol->sku, sizeof(ol->sku));
		memcpy(as_item.gtin, ol->gtin, sizeof(ol->gtin));
		rules_note(run, REASON_DELIVERY_NOT_REFUNDED, -1,
			   "delivery_order_incomplete",
			   "Order not complete (SKU %s: %d of %d back): "
			   "delivery is refunded with its last parcel.",
			   rules_sku(&as_item, l, sku), (int)back,
			   (int)ol->quantity);
		return;
	}
	if (er->delivery_paid_known && er->delivery_paid_minor < amount)
		amount = er->delivery_paid_minor;
	if (amount <= 0)
		return;
	out->delivery_refund_minor = amount;
	out->refund_minor += amount;
	rules_note(run, REASON_DELIVERY_REFUNDED, -1, "delivery_refunded",
		   "The whole order came back: basic delivery %s refunded.",
		   rules_money(run, amount, money));
}
