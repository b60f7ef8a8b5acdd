/* SPDX-License-Identifier: MIT */
/*
 * Scanning the items in the parcel (a return) or the box (ship-QC) against
 * the lines expected: each unit counts once toward its line, a unit that
 * was not sold is recorded as such, and a line without a barcode counts on
 * the clerk's word.  A packer who finds a unit that should not be in the
 * box takes it out and scans it again to take it off the count (ship-QC),
 * so the verdict is judged on what the box holds in the end.  Says how the
 * scan went; the routine decides what follows.  An unexpected return has
 * no lines to match: what is scanned becomes its lines, for the checklist
 * and for whoever reviews the hold.
 */
#include <stdint.h>
#include <string.h>

#include "desk_run.h"

/* The item's GTIN as 14 digits; false when it has none that can be
 * scanned (empty, or not 8 to 14 digits). */
static bool desk_item_gtin14(const struct return_item *it, char gtin[15])
{
	size_t n = strnlen(it->gtin, sizeof(it->gtin));

	if (n < 8 || n > 14)
		return false;
	for (size_t i = 0; i < n; i++)
		if (it->gtin[i] < '0' || it->gtin[i] > '9')
			return false;
	memset(gtin, '0', 14 - n);
	memcpy(gtin + 14 - n, it->gtin, n);
	gtin[14] = '\0';
	return true;
}

static bool desk_digits14(const char *s, size_t max, char gtin[15])
{
	if (strnlen(s, max) != 14)
		return false;
	for (int i = 0; i < 14; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	memcpy(gtin, s, 14);
	gtin[14] = '\0';
	return true;
}

/* True when the clerk can still scan units: a line with a GTIN is short. */
static bool desk_items_complete(const struct desk *d)
{
	char gtin[15];

	for (int i = 0; i < desk_n_items(d); i++) {
		if (!desk_item_gtin14(&d->expected.items[i], gtin))
			return false; /* only the clerk can say it is there */
		if (d->found.items[i].quantity < desk_expected_qty(d, i))
			return false;
	}
	return true;
}

static void desk_items_prompt(struct desk_run *r)
{
	struct desk *d = r->d;
	int64_t total = 0, scanned = 0;
	int next = -1;
	char gtin[15];

	for (int i = 0; i < desk_n_items(d); i++) {
		int32_t want = desk_expected_qty(d, i);
		int32_t got = d->found.items[i].quantity;

		total += want;
		scanned += got < want ? got : want;
		if (next < 0 && got < want)
			next = i;
	}
	if (d->routine == DESK_ROUTINE_RETURN && !d->have_expected) {
		desk_prompt(d, "unexpected_scan_items",
			    "Unexpected return: scan each item in the parcel "
			    "(%lld so far), then press accept",
			    (long long)scanned);
	} else if (d->qc_removing) {
		desk_prompt(d, "take_item_out",
			    "Take the item out of the box and scan it");
	} else if (next < 0) {
		desk_prompt(d, "all_items_scanned",
			    "All %lld items scanned: press accept",
			    (long long)total);
	} else if (!desk_item_gtin14(&d->expected.items[next], gtin)) {
		desk_prompt(d, "check_item_no_barcode",
			    "Check item %lld of %lld: %s (no barcode), then "
			    "press accept",
			    (long long)scanned + 1, (long long)total,
			    desk_item_label(&d->expected.items[next]));
	} else {
		desk_prompt(d, "scan_item", "Scan item %lld of %lld: %s",
			    (long long)scanned + 1, (long long)total,
			    desk_item_label(&d->expected.items[next]));
	}
}

/* Entering the items step (forward or back) starts the count afresh. */
void desk_enter_items(struct desk_run *r)
{
	struct desk *d = r->d;

	d->step = DESK_STEP_ITEMS;
	if (d->routine == DESK_ROUTINE_RETURN && !d->have_expected) {
		/* an unexpected return's lines are what is scanned */
		memset(d->expected.items, 0, sizeof(d->expected.items));
		d->expected.n_items = 0;
	}
	memset(d->found.items, 0, sizeof(d->found.items));
	d->found.wrong_item = false;
	memset(d->answers, 0, sizeof(d->answers));
	d->qc_extra = 0;
	memset(d->qc_extra_gtin, 0, sizeof(d->qc_extra_gtin));
	d->qc_removing = false;
	d->qc_blocked = 0;
	d->checklist = NULL;
	desk_items_prompt(r);
}

/* Back to the items with what was counted kept (ship-QC, a unit to take
 * out after a later step): the steps after the items come again, since
 * the box changes. */
void desk_items_resume(struct desk_run *r)
{
	struct desk *d = r->d;

	d->step = DESK_STEP_ITEMS;
	d->checklist = NULL;
	desk_items_prompt(r);
}

void desk_items_removing(struct desk_run *r, bool on)
{
	r->d->qc_removing = on;
	desk_items_prompt(r);
}

/* A wrong unit is put on the first line nothing was found for yet, marked
 * as not matching, so the rules refuse that line with WRONG_ITEM.  When
 * every line already has units, only found.wrong_item says so and the
 * rules hold the parcel for review. */
static void desk_item_wrong(struct desk_run *r, const char *gtin,
			    const char *serial)
{
	struct desk *d = r->d;
	struct desk_action *a;

	d->found.wrong_item = true;
	for (int i = 0; i < desk_n_items(d); i++)
		if (d->found.items[i].quantity == 0) {
			d->found.items[i].quantity = 1;
			d->found.items[i].gtin_matched = false;
			break;
		}
	a = desk_emit(r, DESK_ACT_RECORD_ITEM_SCAN);
	if (a) {
		desk_copy(a->code, sizeof(a->code), gtin, 15);
		desk_copy(a->serial, sizeof(a->serial), serial, 21);
	}
	desk_problem(r, "item_not_sold", "Item %s was not sold in this order",
		     gtin);
}

/* The GTIN (and serial) an item's code carries; false, with the problem
 * said and the light red, when it carries none. */
static bool desk_item_code(struct desk_run *r, const struct code *c,
			   char gtin[15], char serial[21])
{
	serial[0] = '\0';
	if (!c->valid) {
		desk_code_rejected(r, c);
		return false;
	}
	if (c->kind == CODE_GTIN &&
	    desk_digits14(c->value, sizeof(c->value), gtin))
		return true; /* a plain product code */
	if (c->kind == CODE_GS1 && c->gs1.has_gtin &&
	    desk_digits14(c->gs1.gtin, sizeof(c->gs1.gtin), gtin)) {
		if (c->gs1.has_serial)
			desk_copy(serial, 21, c->gs1.serial,
				  sizeof(c->gs1.serial));
		return true;
	}
	{
		char value[CODE_VALUE_LEN];

		desk_copy(value, sizeof(value), c->value, sizeof(c->value));
		desk_problem(r, "not_a_product_code",
			     "Code %s is not a product code; scan the item's "
			     "barcode",
			     value);
		desk_fail_light(r);
	}
	return false;
}

/* An unexpected return: each product scanned is a line of what was
 * found (one more unit when scanned again), recorded as sold in no order
 * (item -1).  Only the clerk knows when the parcel is empty. */
static enum desk_item_scan
desk_unexpected_item(struct desk_run *r, const char *gtin, const char *serial)
{
	struct desk *d = r->d;
	int n = desk_n_items(d), i;
	struct return_item *it;
	struct desk_action *a;

	for (i = 0; i < n; i++)
		if (!strncmp(d->expected.items[i].gtin, gtin,
			     sizeof(d->expected.items[i].gtin)))
			break;
	if (i == n) {
		if (n >= RETURN_MAX_ITEMS) {
			desk_problem(r, "too_many_items",
				     "No more than %d different items in one "
				     "parcel: press accept",
				     RETURN_MAX_ITEMS);
			desk_fail_light(r);
			return DESK_ITEM_REFUSED;
		}
		it = &d->expected.items[i];
		memset(it, 0, sizeof(*it));
		desk_copy(it->gtin, sizeof(it->gtin), gtin, 15);
		d->expected.n_items = n + 1;
	}
	it = &d->expected.items[i];
	if (it->quantity < INT32_MAX &&
	    d->found.items[i].quantity < INT32_MAX) {
		it->quantity++;
		d->found.items[i].quantity++;
	}
	d->found.items[i].gtin_matched = true;
	a = desk_emit(r, DESK_ACT_RECORD_ITEM_SCAN);
	if (a) {
		a->item = -1;
		desk_copy(a->code, sizeof(a->code), gtin, 15);
		desk_copy(a->serial, sizeof(a->serial), serial, 21);
	}
	desk_items_prompt(r);
	return DESK_ITEM_COUNTED;
}

enum desk_item_scan desk_scan_item(struct desk_run *r, const struct code *c)
{
	struct desk *d = r->d;
	bool qc = d->routine == DESK_ROUTINE_SHIP_QC;
	char gtin[15], serial[21], line_gtin[15];
	int match = -1, full_match = -1;
	struct desk_action *a;

	if (!desk_item_code(r, c, gtin, serial))
		return DESK_ITEM_REFUSED;
	if (!qc && !d->have_expected)
		return desk_unexpected_item(r, gtin, serial);
	for (int i = 0; i < desk_n_items(d); i++) {
		if (!desk_item_gtin14(&d->expected.items[i], line_gtin) ||
		    strcmp(line_gtin, gtin) != 0)
			continue;
		if (d->found.items[i].quantity < desk_expected_qty(d, i)) {
			match = i;
			break;
		}
		if (full_match < 0)
			full_match = i;
	}
	if (!qc && match < 0 && full_match < 0) {
		desk_item_wrong(r, gtin, serial);
		return DESK_ITEM_NOT_SOLD;
	}
	if (qc && match < 0) {
		/* Extra or unknown: the QC fails unless it is taken out. */
		if (d->qc_extra < DESK_QC_EXTRA_MAX)
			memcpy(d->qc_extra_gtin[d->qc_extra], gtin, 15);
		d->qc_extra++;
		a = desk_emit(r, DESK_ACT_RECORD_ITEM_SCAN);
		if (a) {
			a->item = full_match;
			desk_copy(a->code, sizeof(a->code), gtin, 15);
			desk_copy(a->serial, sizeof(a->serial), serial, 21);
		}
		desk_problem(r, "extra_item",
			     "Extra item %s: take it out, press remove and "
			     "scan it",
			     gtin);
		desk_fail_light(r);
		return DESK_ITEM_REFUSED;
	}
	if (match < 0)
		match = full_match; /* an extra unit of a sold item */
	if (d->found.items[match].quantity < INT32_MAX)
		d->found.items[match].quantity++;
	d->found.items[match].gtin_matched = true;
	a = desk_emit(r, DESK_ACT_RECORD_ITEM_SCAN);
	if (a) {
		a->item = match;
		desk_copy(a->code, sizeof(a->code), gtin, 15);
		desk_copy(a->serial, sizeof(a->serial), serial, 21);
	}
	if (desk_items_complete(d))
		return DESK_ITEM_ALL_COUNTED;
	desk_items_prompt(r);
	return DESK_ITEM_COUNTED;
}

void desk_items_done(struct desk_run *r)
{
	struct desk *d = r->d;
	char gtin[15];

	/* A line without a barcode cannot be scanned: the clerk's word that
	 * the items are all checked stands for it. */
	for (int i = 0; i < desk_n_items(d); i++)
		if (!desk_item_gtin14(&d->expected.items[i], gtin) &&
		    d->found.items[i].quantity == 0) {
			d->found.items[i].quantity = desk_expected_qty(d, i);
			d->found.items[i].gtin_matched = true;
		}
}

/*
 * A unit taken out of the box (ship-QC): an extra one of that GTIN first,
 * else a unit counted on its line.  The record drops the scan that counted
 * it.  Refused when nothing of that GTIN was counted.
 */
enum desk_item_scan desk_remove_item(struct desk_run *r, const struct code *c)
{
	struct desk *d = r->d;
	char gtin[15], serial[21], line_gtin[15];
	int line = -1, extra = -1, listed;
	struct desk_action *a;

	if (!desk_item_code(r, c, gtin, serial))
		return DESK_ITEM_REFUSED;
	listed =
	    d->qc_extra < DESK_QC_EXTRA_MAX ? d->qc_extra : DESK_QC_EXTRA_MAX;
	for (int i = listed - 1; i >= 0 && extra < 0; i--)
		if (!strcmp(d->qc_extra_gtin[i], gtin))
			extra = i;
	for (int i = desk_n_items(d) - 1; extra < 0 && line < 0 && i >= 0; i--)
		if (desk_item_gtin14(&d->expected.items[i], line_gtin) &&
		    !strcmp(line_gtin, gtin) && d->found.items[i].quantity > 0)
			line = i;
	if (extra < 0 && line < 0) {
		desk_problem(r, "item_not_counted",
			     "Item %s was not counted in this box", gtin);
		desk_fail_light(r);
		return DESK_ITEM_REFUSED;
	}
	if (extra >= 0) {
		memmove(d->qc_extra_gtin[extra], d->qc_extra_gtin[extra + 1],
			(size_t)(listed - extra - 1) *
			    sizeof(d->qc_extra_gtin[0]));
		memset(d->qc_extra_gtin[listed - 1], 0,
		       sizeof(d->qc_extra_gtin[0]));
		d->qc_extra--;
	} else {
		d->found.items[line].quantity--;
	}
	d->qc_removing = false;
	a = desk_emit(r, DESK_ACT_REMOVE_ITEM_SCAN);
	if (a) {
		a->item = line;
		desk_copy(a->code, sizeof(a->code), gtin, 15);
	}
	if (d->qc_extra == 0 && desk_items_complete(d))
		return DESK_ITEM_ALL_COUNTED;
	desk_items_prompt(r);
	return DESK_ITEM_COUNTED;
}
