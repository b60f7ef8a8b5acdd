/* SPDX-License-Identifier: MIT */
/*
 * What one line of a return earns: the units accepted, the grade and the
 * disposition that follow from it, and the diminished-value deduction in
 * integer minor units, rounded half up without a 128-bit product.
 */
#include "retour/rules.h"
#include "rules_run.h"

/* Round half up of amount * bp / 10000 without a 128-bit product. */
int64_t rules_deduction(int64_t amount, int bp)
{
	return amount / 10000 * bp + (amount % 10000 * bp + 5000) / 10000;
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

/* Units found beyond those expected belong to nobody's RMA yet. */
void rules_note_extra_units(struct rules_run *run, int i, const char *sku)
{
	const struct return_item *it = &run->er->items[i];
	const struct found_item *fi = &run->found->items[i];

	if (fi->quantity <= it->quantity)
		return;
	rules_note(run, REASON_UNEXPECTED_RETURN, i,
		   "SKU %s: %d units found but %d expected; the extra units "
		   "need review.",
		   sku, (int)fi->quantity, (int)it->quantity);
	run->undecided = true;
}

/* Accept up to the expected quantity; say so when some are missing. */
int32_t rules_accept_units(struct rules_run *run, int i, const char *sku)
{
	const struct return_item *it = &run->er->items[i];
	const struct found_item *fi = &run->found->items[i];
	int32_t qty = fi->quantity < it->quantity ? fi->quantity : it->quantity;

	if (qty == 0)
		rules_note(run, REASON_MISSING_ITEM, i,
			   "SKU %s: none of the %d expected units is in the "
			   "parcel.",
			   sku, (int)it->quantity);
	else if (qty < it->quantity)
		rules_note(run, REASON_PARTIAL_QUANTITY, i,
			   "SKU %s: %d of %d units returned.", sku, (int)qty,
			   (int)it->quantity);
	return qty;
}
