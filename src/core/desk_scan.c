/* SPDX-License-Identifier: MIT */
/*
 * The desk between parcels: a clerk signs in and out, picks the routine,
 * and scans the parcel's code.  A code that matches opens the parcel (the
 * shell reports whether its record opened); a return already decided on
 * another receipt is not opened again.  What step follows the scan is the
 * routine's business (desk_routine.c), not this file's.
 *
 * Which reading of a code counts is decided here, by the step: a code
 * that reads two ways (code.h) opens a parcel by its other reading only
 * when an expected return carries that reading as a lookup code; a
 * misread product code is never taken for a parcel number.
 *
 * An RMA-like code that matches nothing is "not found": the desk stays at
 * the scan step and offers two ways on, searching by the order or the
 * tracking number (the next scan), or an unexpected return with the code
 * (DESK_EV_UNEXPECTED or the accept button), held for review after the
 * usual steps.
 */
#include <stdint.h>
#include <string.h>

#include "desk_run.h"

void desk_enter_scan(struct desk_run *r)
{
	struct desk *d = r->d;

	d->step = DESK_STEP_SCAN;
	memset(d->not_found, 0, sizeof(d->not_found));
	if (d->routine == DESK_ROUTINE_SHIP_QC)
		desk_prompt(d, "scan_order", "Scan the order or packing slip");
	else
		desk_prompt(d, "scan_return_label", "Scan the return label");
}

void desk_on_sign_in(struct desk_run *r)
{
	struct desk *d = r->d;
	char clerk[sizeof(d->clerk)];

	if (desk_parcel_open(d)) {
		desk_refuse(r, "sign_in", "Signing in during a parcel is");
		return;
	}
	desk_copy(clerk, sizeof(clerk), r->ev->clerk, SIZE_MAX);
	if (desk_blank(clerk)) {
		desk_problem(r, "bad_event",
			     "Bad event: a badge without a clerk id");
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
		desk_refuse(r, "sign_out", "Signing out");
		return;
	}
	memset(d->clerk, 0, sizeof(d->clerk));
	memset(d->not_found, 0, sizeof(d->not_found));
	d->step = DESK_STEP_SIGN_IN;
	desk_prompt(d, "scan_badge", "Scan your badge");
}

void desk_on_routine(struct desk_run *r)
{
	struct desk *d = r->d;
	enum desk_routine ro = r->ev->routine;

	if (desk_parcel_open(d)) {
		desk_refuse(r, "routine", "Changing the routine");
		return;
	}
	if (ro != DESK_ROUTINE_RETURN && ro != DESK_ROUTINE_SHIP_QC) {
		desk_problem(r, "bad_event", "Bad event: unknown routine %d",
			     (int)ro);
		r->ignored = true;
		return;
	}
	d->routine = ro;
	memset(d->not_found, 0, sizeof(d->not_found));
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
	if (dst->n_other < 0 || dst->n_other > CODE_MAX_OTHER)
		dst->n_other = 0;
	for (int i = 0; i < CODE_MAX_OTHER; i++)
		dst->other[i].value[sizeof(dst->other[i].value) - 1] = '\0';
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

static void desk_open_parcel(struct desk_run *r, const char *code,
			     const struct expected_return *er)
{
	struct desk *d = r->d;

	desk_parcel_reset(d);
	memset(d->not_found, 0, sizeof(d->not_found));
	desk_copy(d->code, sizeof(d->code), code, CODE_VALUE_LEN);
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
	if (reprint)
		desk_problem(r, "already_decided_reprinted",
			     "%s was already decided on receipt %lld; its "
			     "label is printed again",
			     code, (long long)r->ev->prior_receipt);
	else if (unprinted)
		desk_problem(r, "already_decided_unprinted",
			     "%s was already decided on receipt %lld; its "
			     "label could not be printed again",
			     code, (long long)r->ev->prior_receipt);
	else
		desk_problem(r, "already_decided",
			     "%s was already decided on receipt %lld", code,
			     (long long)r->ev->prior_receipt);
	r->d->reprint_receipt = 0;
	if (reprint && (a = desk_emit(r, DESK_ACT_PRINT_LABEL))) {
		a->receipt_id = r->ev->prior_receipt;
		a->reprint = true;
		r->d->reprint_receipt = r->ev->prior_receipt;
	}
	/* refused: red for a second, every time it is scanned */
	desk_tower_show(r, TOWER_REFUSED);
	r->keep_activity = true;
}

static char desk_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Codes compare as the store's keys do: letters in either case. */
static bool desk_same_code(const char *a, const char *b, size_t max)
{
	size_t i;

	for (i = 0; i < max && a[i] && b[i]; i++)
		if (desk_upper(a[i]) != desk_upper(b[i]))
			return false;
	return i == max || a[i] == b[i];
}

/* The value of @c's other reading that @er carries as a lookup code, the
 * only way such a reading opens a parcel; NULL when it carries none. */
static const char *desk_other_reading_carried(const struct code *c,
					      const struct expected_return *er)
{
	int n = er->n_lookup_codes;

	if (n > RETURN_MAX_LOOKUP_CODES)
		n = RETURN_MAX_LOOKUP_CODES;
	for (int k = 0; k < c->n_other && k < CODE_MAX_OTHER; k++) {
		const struct code_reading *o = &c->other[k];

		if (!o->valid)
			continue;
		for (int i = 0; i < n; i++)
			if (desk_same_code(o->value, er->lookup_codes[i],
					   RETURN_REF_LEN))
				return o->value;
	}
	return NULL;
}

/* Does @er name @value itself (its RMA, order number or a lookup code)? */
static bool desk_expected_names(const struct expected_return *er,
				const char *value)
{
	int n = er->n_lookup_codes;

	if (desk_same_code(value, er->rma, RETURN_REF_LEN) ||
	    desk_same_code(value, er->order_ref, RETURN_REF_LEN))
		return true;
	if (n > RETURN_MAX_LOOKUP_CODES)
		n = RETURN_MAX_LOOKUP_CODES;
	for (int i = 0; i < n; i++)
		if (desk_same_code(value, er->lookup_codes[i], RETURN_REF_LEN))
			return true;
	return false;
}

/*
 * Nothing matched an RMA-like code (or the order or tracking number
 * searched after one): say so, keep the RMA, and offer the two ways on.
 * The desk stays at the scan step; the light asks for the clerk.
 */
static void desk_not_found(struct desk_run *r, const struct code *c)
{
	struct desk *d = r->d;
	char value[CODE_VALUE_LEN];

	desk_copy(value, sizeof(value), c->value, sizeof(c->value));
	if (c->kind == CODE_RMA || !d->not_found[0])
		memcpy(d->not_found, value, sizeof(d->not_found));
	desk_problem(r, "code_not_found", "%s not found", value);
	desk_prompt(d, "not_found_search",
		    "%s not found: scan the order or tracking number, or start "
		    "an unexpected return (press accept)",
		    d->not_found);
	desk_tower_set(r, TOWER_NEEDS_YOU);
	r->keep_light = true;
}

bool desk_start_unexpected(struct desk_run *r)
{
	struct desk *d = r->d;
	char code[CODE_VALUE_LEN];

	if (d->step != DESK_STEP_SCAN || d->routine != DESK_ROUTINE_RETURN) {
		desk_refuse(r, "unexpected", "An unexpected return");
		return false;
	}
	if (!d->not_found[0]) {
		desk_problem(r, "unexpected_needs_not_found",
			     "An unexpected return starts from a code that "
			     "was not found: scan the parcel's code first");
		r->ignored = true;
		return false;
	}
	memcpy(code, d->not_found, sizeof(code));
	code[sizeof(code) - 1] = '\0';
	desk_open_parcel(r, code, NULL);
	return true;
}

bool desk_scan_parcel(struct desk_run *r, const struct code *c)
{
	struct desk *d = r->d;
	const struct expected_return *er = r->ev->expected;
	const char *value = c->value; /* the reading that opens the parcel */

	if (!c->valid) {
		/* a DPD number is also a GTIN-14 misread: a parcel only
		 * when an expected return carries it */
		value = er ? desk_other_reading_carried(c, er) : NULL;
		if (!value) {
			desk_code_rejected(r, c);
			return false;
		}
	} else if (er && !desk_expected_names(er, value)) {
		/* found by another reading: the parcel's code is that one,
		 * when the return carries it */
		const char *other = desk_other_reading_carried(c, er);

		if (other)
			value = other;
	}
	if (er && er->kind != RETURN_SHIPMENT && r->ev->prior_receipt > 0) {
		desk_already_decided(r, er);
		return false;
	}
	if (d->routine == DESK_ROUTINE_SHIP_QC) {
		if (!er || er->kind != RETURN_SHIPMENT) {
			char shown[CODE_VALUE_LEN];

			desk_copy(shown, sizeof(shown), c->value,
				  sizeof(c->value));
			desk_problem(r, "order_not_found",
				     "order not found: %s", shown);
			desk_fail_light(r);
			return false;
		}
		desk_open_parcel(r, value, er);
		return true;
	}
	/* A shipment's code at the returns desk is no return we expect. */
	if (er && er->kind != RETURN_WITHDRAWAL && er->kind != RETURN_COMPLAINT)
		er = NULL;
	if (!er && (c->kind == CODE_RMA || d->not_found[0])) {
		desk_not_found(r, c);
		return false;
	}
	desk_open_parcel(r, value, er);
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
		desk_problem(r, "bad_event",
			     "Bad event: a record nobody asked for");
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
	desk_problem(r, "parcel_not_recorded",
		     "Parcel NOT recorded (%s): scan it again",
		     why[0] ? why : "store error");
	desk_tower_alarm(r, TOWER_ERROR);
}

void desk_on_scan_refused(struct desk_run *r)
{
	char why[128];

	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	desk_problem(r, "scan_refused", "Scan refused: %s",
		     why[0] ? why : "unreadable");
	desk_fail_light(r);
	r->keep_activity = true;
}
