/* SPDX-License-Identifier: MIT */
/*
 * The desk between parcels: a clerk signs in and out, picks the routine,
 * and scans the parcel's code.  A code that matches opens the parcel (the
 * shell reports whether its record opened); a return already decided on
 * another receipt is not opened again.  What step follows the scan is the
 * routine's business (desk_routine.c), not this file's.
 */
#include <stdint.h>
#include <string.h>

#include "desk_run.h"

void desk_enter_scan(struct desk_run *r)
{
	struct desk *d = r->d;

	d->step = DESK_STEP_SCAN;
	desk_text(d->prompt, sizeof(d->prompt), "%s",
		  d->routine == DESK_ROUTINE_SHIP_QC
		      ? "Scan the order or packing slip"
		      : "Scan the return label");
}

void desk_on_sign_in(struct desk_run *r)
{
	struct desk *d = r->d;
	char clerk[sizeof(d->clerk)];

	if (desk_parcel_open(d)) {
		desk_refuse(r, "Signing in during a parcel is");
		return;
	}
	desk_copy(clerk, sizeof(clerk), r->ev->clerk, SIZE_MAX);
	if (desk_blank(clerk)) {
		desk_problem(r, "Bad event: a badge without a clerk id");
		r->ignored = true;
		return;
	}
	memcpy(d->clerk, clerk, sizeof(clerk));
	desk_parcel_reset(d);
	desk_enter_scan(r);
}

void desk_on_sign_out(struct desk_run *r)
{
	struct desk *d = r->d;

	if (d->step != DESK_STEP_SCAN) {
		desk_refuse(r, "Signing out");
		return;
	}
	memset(d->clerk, 0, sizeof(d->clerk));
	d->step = DESK_STEP_SIGN_IN;
	desk_text(d->prompt, sizeof(d->prompt), "Scan your badge");
}

void desk_on_routine(struct desk_run *r)
{
	struct desk *d = r->d;
	enum desk_routine ro = r->ev->routine;

	if (desk_parcel_open(d)) {
		desk_refuse(r, "Changing the routine");
		return;
	}
	if (ro != DESK_ROUTINE_RETURN && ro != DESK_ROUTINE_SHIP_QC) {
		desk_problem(r, "Bad event: unknown routine %d", (int)ro);
		r->ignored = true;
		return;
	}
	d->routine = ro;
	if (d->step == DESK_STEP_SCAN)
		desk_enter_scan(r);
}

/* A bounded, terminated copy of the scanned code. */
void desk_code_copy(struct code *dst, const struct code *src)
{
	*dst = *src;
	dst->value[sizeof(dst->value) - 1] = '\0';
	dst->symbology[sizeof(dst->symbology) - 1] = '\0';
	dst->problem[sizeof(dst->problem) - 1] = '\0';
	dst->gs1.gtin[sizeof(dst->gs1.gtin) - 1] = '\0';
	dst->gs1.batch[sizeof(dst->gs1.batch) - 1] = '\0';
	dst->gs1.expiry[sizeof(dst->gs1.expiry) - 1] = '\0';
	dst->gs1.serial[sizeof(dst->gs1.serial) - 1] = '\0';
	dst->gs1.sscc[sizeof(dst->gs1.sscc) - 1] = '\0';
}

/* Copy an expected return from the shell: every string terminated, so
 * nothing below can read past a field whatever the lookup returned. */
static void desk_expected_copy(struct expected_return *dst,
			       const struct expected_return *src)
{
	*dst = *src;
	dst->rma[sizeof(dst->rma) - 1] = '\0';
	dst->order_ref[sizeof(dst->order_ref) - 1] = '\0';
	dst->shop[sizeof(dst->shop) - 1] = '\0';
	dst->currency[sizeof(dst->currency) - 1] = '\0';
	dst->shop_order_id[sizeof(dst->shop_order_id) - 1] = '\0';
	dst->shop_payment_id[sizeof(dst->shop_payment_id) - 1] = '\0';
	for (int i = 0; i < RETURN_MAX_LOOKUP_CODES; i++)
		dst->lookup_codes[i][RETURN_REF_LEN - 1] = '\0';
	for (int i = 0; i < RETURN_MAX_ITEMS; i++) {
		struct return_item *it = &dst->items[i];

		it->sku[sizeof(it->sku) - 1] = '\0';
		it->gtin[sizeof(it->gtin) - 1] = '\0';
		it->name[sizeof(it->name) - 1] = '\0';
		it->category[sizeof(it->category) - 1] = '\0';
		it->shop_line_id[sizeof(it->shop_line_id) - 1] = '\0';
	}
}

static void desk_open_parcel(struct desk_run *r, const struct code *c,
			     const struct expected_return *er)
{
	struct desk *d = r->d;

	desk_parcel_reset(d);
	desk_copy(d->code, sizeof(d->code), c->value, sizeof(c->value));
	if (er) {
		desk_expected_copy(&d->expected, er);
		d->have_expected = true;
		d->found.n_items = d->expected.n_items;
	}
	d->found.received_at = r->ev->now;
	desk_emit(r, DESK_ACT_OPEN_RECEIPT);
}

/*
 * A return already decided on another receipt is not opened again: a
 * second decision would refund it twice.  The clerk is told which receipt
 * it was; a label that never came out (printer off, power cut) is printed
 * again, since a rescan is what a clerk does with an unlabelled parcel.
 * Ship-QC orders may be checked again after a fix.
 */
static void desk_already_decided(struct desk_run *r,
				 const struct expected_return *er)
{
	char code[RETURN_REF_LEN];
	struct desk_action *a;
	bool unprinted = !r->ev->prior_label_printed;
	bool reprint = unprinted && desk_has(r, DESK_DEVICE_PRINTER);

	desk_copy(code, sizeof(code), er->rma[0] ? er->rma : er->order_ref,
		  sizeof(er->rma));
	desk_problem(r, "%s was already decided on receipt %lld%s", code,
		     (long long)r->ev->prior_receipt,
		     reprint	 ? "; its label is printed again"
		     : unprinted ? "; its label could not be printed again"
				 : "");
	r->d->reprint_receipt = 0;
	if (reprint && (a = desk_emit(r, DESK_ACT_PRINT_LABEL))) {
		a->receipt_id = r->ev->prior_receipt;
		a->reprint = true;
		r->d->reprint_receipt = r->ev->prior_receipt;
	}
	if ((a = desk_emit(r, DESK_ACT_SET_LIGHT)))
		a->light = DESK_LIGHT_AMBER;
	r->d->light = DESK_LIGHT_AMBER;
	r->keep_light = true;
	r->keep_activity = true;
}

bool desk_scan_parcel(struct desk_run *r, const struct code *c)
{
	struct desk *d = r->d;
	const struct expected_return *er = r->ev->expected;

	if (!c->valid) {
		desk_code_rejected(r, c);
		return false;
	}
	if (er && er->kind != RETURN_SHIPMENT && r->ev->prior_receipt > 0) {
		desk_already_decided(r, er);
		return false;
	}
	if (d->routine == DESK_ROUTINE_SHIP_QC) {
		if (!er || er->kind != RETURN_SHIPMENT) {
			char value[CODE_VALUE_LEN];

			desk_copy(value, sizeof(value), c->value,
				  sizeof(c->value));
			desk_problem(r, "order not found: %s", value);
			desk_fail_light(r);
			return false;
		}
		desk_open_parcel(r, c, er);
		return true;
	}
	/* A shipment's code at the returns desk is no return we expect. */
	if (er && er->kind != RETURN_WITHDRAWAL && er->kind != RETURN_COMPLAINT)
		er = NULL;
	desk_open_parcel(r, c, er);
	return true;
}

/*
 * The parcel's record could not be opened: without it no step can be
 * recorded, so the desk goes back to scan and says so, rather than walk
 * the clerk through a routine that would leave nothing behind.
 */
void desk_on_receipt_opened(struct desk_run *r)
{
	struct desk *d = r->d;
	char why[96];

	r->keep_activity = true;
	if (!desk_parcel_open(d) || d->receipt_id) {
		desk_problem(r, "Bad event: a record nobody asked for");
		r->ignored = true;
		return;
	}
	if (r->ev->result >= 0 && r->ev->receipt > 0) {
		d->receipt_id = r->ev->receipt;
		r->keep_light = true;
		return;
	}
	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	desk_parcel_reset(d);
	desk_enter_scan(r);
	desk_problem(r, "Parcel NOT recorded (%s): scan it again",
		     why[0] ? why : "store error");
	desk_fail_light(r);
}

void desk_on_scan_refused(struct desk_run *r)
{
	char why[128];

	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	desk_problem(r, "Scan refused: %s", why[0] ? why : "unreadable");
	desk_fail_light(r);
	r->keep_activity = true;
}
