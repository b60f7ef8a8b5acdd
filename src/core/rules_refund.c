/* SPDX-License-Identifier: MIT */
/*
 * What one line of a return earns: the units accepted, the grade and the
 * disposition that follow from it, and the diminished-value deduction in
 * integer minor units, rounded half up without a 128-bit product.
 */
#include "retour/rules.h"
#include "rules_run.h"

/*
 * Round half up of gross * bp / 10000 without a 128-bit product: the whole
 * ten-thousands times bp is exact, only the remainder's share is rounded,
 * and (r * bp + 5000) / 10000 <= r when bp <= 10000, so the deduction never
 * exceeds the line (rules.h).
 */
int64_t rules_line_deduction(int64_t gross, int bp)
{
	if (gross <= 0 || bp <= 0)
		return 0;
	if (bp >= 10000)
		return gross;
	return gross / 10000 * bp + (gross % 10000 * bp + 5000) / 10000;
}

enum grade rules_effective_grade(const struct found_item *fi, bool complaint)
{
	if (fi->grade != GRADE_NONE)
		return fi->grade;
	if (fi->buyer_damage || (complaint && fi->defect))
		return GRADE_C;
	return GRADE_A;
}

enum disposition rules_disposition(enum grade grade, bool defective)
{
	if (grade == GRADE_SCRAP)
		return DISPOSITION_SCRAP;
	/* A confirmed defect is the vendor's problem, never stock. */
	if (defective)
		return DISPOSITION_VENDOR;
	switch (grade) {
	case GRADE_B:
		return DISPOSITION_RESTOCK_B;
	case GRADE_C:
		return DISPOSITION_REFURBISH;
	default:
		return DISPOSITION_RESTOCK;
	}
}

void rules_refuse(struct rules_run *run, bool needs_photo)
{
	if (needs_photo)
		run->refusal_needs_photo = true;
}

int32_t rules_units_open(const struct rules_run *run, int i)
{
	int32_t done = run->er->before.item_refunded[i];
	int32_t want = run->er->items[i].quantity;

	if (done <= 0)
		return want;
	return done >= want ? 0 : want - done;
}

/* Units found beyond those still expected belong to nobody's RMA yet. */
void rules_note_extra_units(struct rules_run *run, int i, const char *sku)
{
	const struct found_item *fi = &run->found->items[i];
	int32_t open = rules_units_open(run, i);

	if (fi->quantity <= open)
		return;
	if (open < run->er->items[i].quantity)
		rules_note(run, REASON_ALREADY_REFUNDED, i,
			   "already_refunded_units",
			   "SKU %s: %d units found but only %d still expected; "
			   "%d were refunded on an earlier receipt.",
			   sku, (int)fi->quantity, (int)open,
			   (int)(run->er->items[i].quantity - open));
	else
		rules_note(run, REASON_UNEXPECTED_RETURN, i, "extra_units",
			   "SKU %s: %d units found but %d expected; the extra "
			   "units need review.",
			   sku, (int)fi->quantity, (int)open);
	run->undecided = true;
}

/* Accept up to the units still expected; say so when some are missing. */
int32_t rules_accept_units(struct rules_run *run, int i, const char *sku)
{
	const struct found_item *fi = &run->found->items[i];
	int32_t open = rules_units_open(run, i);
	int32_t qty = fi->quantity < open ? fi->quantity : open;

	if (open == 0)
		return 0; /* said by rules_note_extra_units when found */
	if (qty == 0)
		rules_note(run, REASON_MISSING_ITEM, i, "missing_item",
			   "SKU %s: none of the %d expected units is in the "
			   "parcel.",
			   sku, (int)open);
	else if (qty < open)
		rules_note(run, REASON_PARTIAL_QUANTITY, i, "partial_quantity",
			   "SKU %s: %d of %d units returned.", sku, (int)qty,
			   (int)open);
	return qty;
}
