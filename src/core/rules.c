/* SPDX-License-Identifier: MIT */
/*
 * The rules engine (DESIGN section 4): what the law and the shop's policy
 * allow for one return, as a proposal with its reasons.
 *
 * A pure function of its arguments: no I/O, no clock, no allocation, no
 * floating point.  Money is checked for overflow before any sum is formed,
 * dates come from the shop's local calendar (civil_time), never from TZ.
 * It proposes; it does not decide: a person confirms or overrides, and a
 * refusal or a deduction without a photo is never proposed as final.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/rules.h"

/* Enough for every reason one return can produce before trimming. */
#define RULES_MAX_NOTES 96
#define RULES_MONEY_LEN 40
#define RULES_SKU_LEN RETURN_REF_LEN
#define RULES_DATE_LEN 16

/* Sane bounds for a shop's policy; outside them it is a typo. */
#define RULES_MAX_DAYS 3650
#define RULES_MAX_MONTHS 1200
#define RULES_MAX_TOLERANCE_G 1000000
#define RULES_MAX_TOLERANCE_PCT 1000
#define RULES_MAX_BP 10000
#define RULES_MAX_OFFSET_MIN (14 * 60)

/* Which reasons go first when there are more than RULES_MAX_REASONS. */
enum rules_weight_class {
	RULES_INFORMATIONAL = 0,
	RULES_EXPLANATORY,
	RULES_DECISIVE,
};

struct rules_note {
	struct reason reason;
	bool keep;
};

/* Everything one call works on; lives on the caller's stack. */
struct rules_run {
	const struct expected_return *er;
	const struct inspection *found;
	struct rules_policy policy;
	int64_t now;
	struct proposal *out;
	int n_notes;
	struct rules_note notes[RULES_MAX_NOTES];
	/* filled while judging */
	bool refusal_needs_photo; /* wrong item, damage, broken seal */
	bool undecided;		  /* a person must look */
	int n_excluded;
	int n_wrong; /* lines refused: not the item sold */
	bool window_passed;
	bool warranty_passed;
	bool deduction_taken;
};

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
	};

	if ((unsigned)c >= sizeof(names) / sizeof(names[0]) || !names[c])
		return "unknown";
	return names[c];
}

static enum rules_weight_class rules_reason_class(enum reason_code c)
{
	switch (c) {
	case REASON_WITHIN_WINDOW:
	case REASON_WEIGHT_SKIPPED:
		return RULES_INFORMATIONAL;
	case REASON_DELIVERY_REFUNDED:
	case REASON_DIMINISHED_VALUE:
	case REASON_DEFECT_CONFIRMED:
	case REASON_PARTIAL_QUANTITY:
	case REASON_MISSING_ITEM:
		return RULES_EXPLANATORY;
	default:
		return RULES_DECISIVE;
	}
}

/* Cut a truncated text back to a whole UTF-8 character. */
static void rules_trim_utf8(char *text, size_t len)
{
	size_t end = len;
	size_t lead;
	unsigned char c;
	size_t need;

	if (end == 0)
		return;
	lead = end;
	while (lead > 0 && lead > end - 4 &&
	       ((unsigned char)text[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	c = (unsigned char)text[lead - 1];
	if (c < 0xc0)
		return;
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (end - (lead - 1) < need)
		text[lead - 1] = '\0';
}

__attribute__((format(printf, 4, 5))) static void
rules_note(struct rules_run *run, enum reason_code code, int item,
	   const char *fmt, ...)
{
	struct reason *r;
	va_list ap;
	int n;

	if (run->n_notes >= RULES_MAX_NOTES)
		return;
	r = &run->notes[run->n_notes++].reason;
	r->code = code;
	r->item = item;
	va_start(ap, fmt);
	n = vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	if (n < 0)
		r->text[0] = '\0';
	else if ((size_t)n >= sizeof(r->text))
		rules_trim_utf8(r->text, sizeof(r->text) - 1);
}

static bool rules_has_note(const struct rules_run *run, enum reason_code code)
{
	for (int i = 0; i < run->n_notes; i++)
		if (run->notes[i].reason.code == code)
			return true;
	return false;
}

/* Keep the most important reasons, in the order they were found. */
static void rules_notes_publish(struct rules_run *run)
{
	int budget = RULES_MAX_REASONS;
	struct proposal *out = run->out;

	for (int cls = RULES_DECISIVE; cls >= RULES_INFORMATIONAL; cls--) {
		for (int i = 0; i < run->n_notes && budget > 0; i++) {
			struct rules_note *n = &run->notes[i];

			if ((int)rules_reason_class(n->reason.code) != cls)
				continue;
			n->keep = true;
			budget--;
		}
	}
	out->n_reasons = 0;
	for (int i = 0; i < run->n_notes; i++)
		if (run->notes[i].keep)
			out->reasons[out->n_reasons++] = run->notes[i].reason;
}

/* Length of the valid UTF-8 character at @s (at most @n bytes), or 0. */
static size_t rules_utf8_char(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] >= 0x20 && s[0] < 0x7f)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0; /* control byte, stray continuation, overlong */
	/* No overlongs, no surrogates, nothing past U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Text from the shop fit to print in a reason: bounded even without a NUL,
 * valid UTF-8 (the reasons go out as JSON), control bytes as '?'.
 */
static const char *rules_clean(const char *src, size_t src_size, char *buf,
			       size_t size)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t len = strnlen(src, src_size);
	size_t in = 0, out = 0;

	while (in < len) {
		size_t n = rules_utf8_char(s + in, len - in);

		if (out + (n ? n : 1) >= size)
			break;
		if (n == 0) {
			buf[out++] = '?';
			in++;
			continue;
		}
		memcpy(buf + out, s + in, n);
		out += n;
		in += n;
	}
	buf[out] = '\0';
	return buf;
}

/* The item's SKU for a sentence, or its line number when it has none. */
static const char *rules_sku(const struct return_item *it, int index,
			     char buf[RULES_SKU_LEN])
{
	if (strnlen(it->sku, sizeof(it->sku)) == 0) {
		snprintf(buf, RULES_SKU_LEN, "#%d", index + 1);
		return buf;
	}
	return rules_clean(it->sku, sizeof(it->sku), buf, RULES_SKU_LEN);
}

/* Decimal places of a currency's minor unit (ISO 4217), 2 unless listed. */
static const char *rules_money(const struct rules_run *run, int64_t minor,
			       char buf[RULES_MONEY_LEN])
{
	if (money_format(minor, run->out->currency, buf, RULES_MONEY_LEN) < 0)
		snprintf(buf, RULES_MONEY_LEN, "%lld", (long long)minor);
	return buf;
}

static const char *rules_local_date(const struct rules_run *run, int64_t us,
				    char buf[RULES_DATE_LEN])
{
	int64_t day = civil_time_local_day(us, run->policy.utc_offset_min,
					   run->policy.eu_summer_time);

	if (civil_time_format_date(day, buf, RULES_DATE_LEN) < 0)
		snprintf(buf, RULES_DATE_LEN, "?");
	return buf;
}

int64_t rules_window_ends(int64_t delivered_at, int days,
			  const struct rules_policy *policy)
{
	struct rules_policy defaults;
	int64_t day;

	if (!policy) {
		rules_policy_defaults(&defaults);
		policy = &defaults;
	}
	if (days < 0)
		days = 0;
	if (days > RULES_MAX_DAYS * 100)
		days = RULES_MAX_DAYS * 100;
	day = civil_time_local_day(delivered_at, policy->utc_offset_min,
				   policy->eu_summer_time);
	return civil_time_local_day_end(day + days, policy->utc_offset_min,
					policy->eu_summer_time);
}

bool rules_weight_ok(int64_t expected_g, int32_t weight_g,
		     const struct rules_policy *policy)
{
	struct rules_policy defaults;
	int64_t tolerance, relative, diff;
	int64_t pct;

	if (!policy) {
		rules_policy_defaults(&defaults);
		policy = &defaults;
	}
	if (expected_g < 0 || weight_g < 0)
		return false;
	pct =
	    policy->weight_tolerance_pct > 0 ? policy->weight_tolerance_pct : 0;
	/* Split to keep expected * pct inside 64 bits for any expected. */
	if (__builtin_mul_overflow(expected_g / 100, pct, &relative))
		return false;
	relative += expected_g % 100 * pct / 100;
	tolerance =
	    policy->weight_tolerance_g > 0 ? policy->weight_tolerance_g : 0;
	if (relative > tolerance)
		tolerance = relative;
	diff = expected_g - weight_g;
	if (diff < 0)
		diff = -diff;
	return diff <= tolerance;
}

/* Round half up of amount * bp / 10000 without a 128-bit product. */
static int64_t rules_deduction(int64_t amount, int bp)
{
	return amount / 10000 * bp + (amount % 10000 * bp + 5000) / 10000;
}

static void rules_hold_invalid(struct rules_run *run)
{
	struct proposal *out = run->out;

	out->verdict = VERDICT_HOLD;
	out->refund_minor = 0;
	out->delivery_refund_minor = 0;
	for (int i = 0; i < out->n_items; i++) {
		out->items[i].accepted = false;
		out->items[i].quantity_accepted = 0;
		out->items[i].refund_minor = 0;
		out->items[i].deduction_minor = 0;
		out->items[i].disposition = DISPOSITION_HOLD;
	}
}

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
	rules_note(run, REASON_UNEXPECTED_RETURN, -1,
		   "The shop policy is invalid: %s is %lld; fix the "
		   "configuration.",
		   what, value);
	return false;
}

static bool rules_instant_ok(int64_t us)
{
	return us > 0 && us <= CIVIL_TIME_MAX_US;
}

/* Everything the judging below relies on; false leaves a reason. */
static bool rules_input_check(struct rules_run *run)
{
	const struct expected_return *er = run->er;
	const struct inspection *found = run->found;
	int64_t total;
	char sku[RULES_SKU_LEN], ref[RETURN_REF_LEN];

	if (!rules_policy_check(run))
		return false;
	if (er->kind == RETURN_SHIPMENT) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1,
			   "Order %s is a ship-QC order; the returns rules "
			   "do not judge it.",
			   rules_clean(er->order_ref, sizeof(er->order_ref),
				       ref, sizeof(ref)));
		return false;
	}
	if (er->kind != RETURN_WITHDRAWAL && er->kind != RETURN_COMPLAINT) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1,
			   "Unknown return kind %d; review by hand.",
			   (int)er->kind);
		return false;
	}
	if (er->n_items < 1 || er->n_items > RETURN_MAX_ITEMS) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1,
			   "The expected return lists %d items (1 to %d "
			   "allowed).",
			   er->n_items, RETURN_MAX_ITEMS);
		return false;
	}
	if (found->n_items != er->n_items) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1,
			   "The inspection lists %d items, the expected return "
			   "%d; inspect every expected item.",
			   found->n_items, er->n_items);
		return false;
	}
	for (int i = 0; i < 3; i++) {
		char c = er->currency[i];

		if (c < 'A' || c > 'Z') {
			rules_note(run, REASON_UNEXPECTED_RETURN, -1,
				   "The currency code is missing or not three "
				   "capital letters.");
			return false;
		}
	}
	if (er->currency[3] != '\0') {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1,
			   "The currency code is longer than three letters.");
		return false;
	}
	if (er->delivered_at <= 0) {
		rules_note(
		    run, REASON_NOT_DELIVERED, -1,
		    "No delivery date on record for RMA %s; the "
		    "deadlines cannot be computed.",
		    rules_clean(er->rma, sizeof(er->rma), ref, sizeof(ref)));
		return false;
	}
	if (!rules_instant_ok(er->delivered_at) ||
	    !rules_instant_ok(run->now) ||
	    (er->requested_at != 0 && !rules_instant_ok(er->requested_at))) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1,
			   "A date of the return (delivery, request or "
			   "receipt) is out of range.");
		return false;
	}
	if (er->delivery_basic_minor < 0) {
		rules_note(run, REASON_UNEXPECTED_RETURN, -1,
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
				   "SKU %s: quantity expected %d, found %d; "
				   "quantities cannot be negative.",
				   sku, (int)it->quantity, (int)fi->quantity);
			return false;
		}
		if (it->unit_price_minor < 0 || it->weight_g < 0) {
			rules_note(run, REASON_UNEXPECTED_RETURN, i,
				   "SKU %s: negative price (%lld) or weight "
				   "(%d g).",
				   sku, (long long)it->unit_price_minor,
				   (int)it->weight_g);
			return false;
		}
		if ((unsigned)fi->grade > GRADE_SCRAP) {
			rules_note(run, REASON_UNEXPECTED_RETURN, i,
				   "SKU %s: unknown grade %d.", sku,
				   (int)fi->grade);
			return false;
		}
		if (__builtin_mul_overflow(it->unit_price_minor,
					   (int64_t)it->quantity, &line) ||
		    __builtin_add_overflow(total, line, &total)) {
			rules_note(run, REASON_UNEXPECTED_RETURN, i,
				   "SKU %s: the amounts are too large to add "
				   "up; check the prices.",
				   sku);
			return false;
		}
	}
	return true;
}

static enum grade rules_effective_grade(const struct found_item *fi,
					bool complaint)
{
	if (fi->grade != GRADE_NONE)
		return fi->grade;
	if (fi->buyer_damage || (complaint && fi->defect))
		return GRADE_C;
	return GRADE_A;
}

static enum disposition rules_disposition(enum grade grade, bool defective)
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

static void rules_refuse(struct rules_run *run, bool needs_photo)
{
	if (needs_photo)
		run->refusal_needs_photo = true;
}

/* Units found beyond those expected belong to nobody's RMA yet. */
static void rules_note_extra_units(struct rules_run *run, int i,
				   const char *sku)
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
static int32_t rules_accept_units(struct rules_run *run, int i, const char *sku)
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

static void rules_withdrawal_item(struct rules_run *run, int i)
{
	const struct return_item *it = &run->er->items[i];
	const struct found_item *fi = &run->found->items[i];
	struct item_outcome *o = &run->out->items[i];
	char sku[RULES_SKU_LEN], money[RULES_MONEY_LEN];
	char gtin[sizeof(it->gtin) + 1];
	int32_t qty;
	int64_t gross;
	int bp;

	rules_sku(it, i, sku);
	if (run->window_passed) {
		rules_refuse(run, false);
		return;
	}
	if (fi->quantity > 0 && !fi->gtin_matched) {
		if (it->gtin[0])
			rules_note(run, REASON_WRONG_ITEM, i,
				   "SKU %s: the item in the parcel is not the "
				   "one sold (GTIN %s).",
				   sku,
				   rules_clean(it->gtin, sizeof(it->gtin), gtin,
					       sizeof(gtin)));
		else
			rules_note(run, REASON_WRONG_ITEM, i,
				   "SKU %s: the item in the parcel is not the "
				   "one sold.",
				   sku);
		run->n_wrong++;
		rules_refuse(run, true);
		return;
	}
	if (it->personalised) {
		rules_note(run, REASON_EXCLUDED_PERSONALISED, i,
			   "SKU %s is personalised and cannot be withdrawn.",
			   sku);
		run->n_excluded++;
		rules_refuse(run, false);
		return;
	}
	if (it->made_to_order) {
		rules_note(run, REASON_EXCLUDED_MADE_TO_ORDER, i,
			   "SKU %s was made to order and cannot be withdrawn.",
			   sku);
		run->n_excluded++;
		rules_refuse(run, false);
		return;
	}
	if (it->perishable) {
		rules_note(run, REASON_EXCLUDED_PERISHABLE, i,
			   "SKU %s is perishable and cannot be withdrawn.",
			   sku);
		run->n_excluded++;
		rules_refuse(run, false);
		return;
	}
	if (it->sealed_hygiene && fi->seal_broken) {
		rules_note(run, REASON_EXCLUDED_HYGIENE_SEAL, i,
			   "SKU %s is a sealed hygiene item whose seal was "
			   "broken after delivery.",
			   sku);
		run->n_excluded++;
		rules_refuse(run, true);
		return;
	}
	if (fi->buyer_damage) {
		rules_note(run, REASON_BUYER_DAMAGE, i,
			   "SKU %s was damaged by the buyer.", sku);
		rules_refuse(run, true);
		return;
	}

	qty = rules_accept_units(run, i, sku);
	rules_note_extra_units(run, i, sku);
	if (qty == 0)
		return;
	/* Validated: price * expected quantity fits, and qty <= that. */
	gross = it->unit_price_minor * qty;
	o->accepted = true;
	o->quantity_accepted = qty;
	o->refund_minor = gross;
	/* A defect seen on a withdrawn item still keeps it out of stock. */
	o->disposition = rules_disposition(o->grade, fi->defect);
	if (!fi->handled_beyond_trial)
		return;
	bp = run->policy.deduction_bp[o->grade];
	o->deduction_minor = rules_deduction(gross, bp);
	o->refund_minor = gross - o->deduction_minor;
	if (o->deduction_minor > 0)
		run->deduction_taken = true;
	rules_note(run, REASON_DIMINISHED_VALUE, i,
		   "SKU %s was handled beyond a trial (grade %s): %d.%02d%% "
		   "deducted, %s.",
		   sku, grade_name(o->grade), bp / 100, bp % 100,
		   rules_money(run, o->deduction_minor, money));
}

static void rules_complaint_item(struct rules_run *run, int i)
{
	const struct return_item *it = &run->er->items[i];
	const struct found_item *fi = &run->found->items[i];
	struct item_outcome *o = &run->out->items[i];
	char sku[RULES_SKU_LEN], money[RULES_MONEY_LEN];
	int32_t qty;

	rules_sku(it, i, sku);
	if (run->warranty_passed) {
		rules_refuse(run, false);
		return;
	}
	if (fi->quantity > 0 && !fi->gtin_matched) {
		rules_note(run, REASON_WRONG_ITEM, i,
			   "SKU %s: the item in the parcel is not the one "
			   "sold.",
			   sku);
		run->n_wrong++;
		rules_refuse(run, true);
		return;
	}
	if (fi->buyer_damage) {
		rules_note(run, REASON_BUYER_DAMAGE, i,
			   "SKU %s was damaged by the buyer; not covered by "
			   "the warranty.",
			   sku);
		rules_refuse(run, true);
		return;
	}
	qty = rules_accept_units(run, i, sku);
	rules_note_extra_units(run, i, sku);
	if (qty == 0)
		return;
	if (!fi->defect) {
		rules_note(run, REASON_NO_DEFECT_FOUND, i,
			   "SKU %s: no defect found; a person must answer "
			   "the complaint.",
			   sku);
		run->undecided = true;
		return;
	}
	o->accepted = true;
	o->quantity_accepted = qty;
	o->refund_minor = it->unit_price_minor * qty;
	o->disposition = rules_disposition(o->grade, true);
	rules_note(run, REASON_DEFECT_CONFIRMED, i,
		   "SKU %s: defect confirmed, %d unit(s) refunded, %s.", sku,
		   (int)qty, rules_money(run, o->refund_minor, money));
}

static void rules_judge_window(struct rules_run *run)
{
	const struct expected_return *er = run->er;
	int64_t judged = er->requested_at ? er->requested_at : run->now;
	int64_t ends = rules_window_ends(
	    er->delivered_at, run->policy.withdrawal_days, &run->policy);
	char on[RULES_DATE_LEN], end[RULES_DATE_LEN];
	const char *how = er->requested_at ? "declared" : "received";

	run->out->window_ends_at = ends;
	rules_local_date(run, judged, on);
	rules_local_date(run, ends, end);
	if (judged > ends) {
		run->window_passed = true;
		rules_note(run, REASON_WINDOW_PASSED, -1,
			   "Withdrawal %s on %s, after the %d-day window "
			   "ended on %s.",
			   how, on, run->policy.withdrawal_days, end);
	} else {
		rules_note(run, REASON_WITHIN_WINDOW, -1,
			   "Withdrawal %s on %s, within the %d-day window "
			   "ending on %s.",
			   how, on, run->policy.withdrawal_days, end);
	}
}

static void rules_judge_warranty(struct rules_run *run)
{
	const struct expected_return *er = run->er;
	const struct rules_policy *p = &run->policy;
	int64_t judged = er->requested_at ? er->requested_at : run->now;
	/* The answer is owed from when the complaint reached the seller. */
	int64_t made = er->requested_at && er->requested_at < run->now
			   ? er->requested_at
			   : run->now;
	int64_t delivered_day = civil_time_local_day(
	    er->delivered_at, p->utc_offset_min, p->eu_summer_time);
	struct civil_date last = civil_time_add_months(
	    civil_time_civil_from_days(delivered_day), p->warranty_months);
	char on[RULES_DATE_LEN], end[RULES_DATE_LEN];
	char due[CIVIL_TIME_RFC3339_LEN];
	int64_t due_at;

	run->out->warranty_ends_at = civil_time_local_day_end(
	    civil_time_days_from_civil(last.year, last.month, last.day),
	    p->utc_offset_min, p->eu_summer_time);
	due_at = civil_time_local_day_end(
	    civil_time_local_day(made, p->utc_offset_min, p->eu_summer_time) +
		p->complaint_answer_days,
	    p->utc_offset_min, p->eu_summer_time);
	run->out->answer_due_at = due_at;
	if (civil_time_format_rfc3339_offset(
		due_at,
		civil_time_local_offset_min(due_at, p->utc_offset_min,
					    p->eu_summer_time),
		due, sizeof(due)) < 0)
		snprintf(due, sizeof(due), "?");
	rules_note(run, REASON_COMPLAINT_DEADLINE, -1,
		   "The complaint must be answered by %s (%d days).", due,
		   p->complaint_answer_days);
	if (judged > run->out->warranty_ends_at) {
		run->warranty_passed = true;
		rules_note(
		    run, REASON_WARRANTY_PASSED, -1,
		    "Complaint made on %s, after the %d-month warranty "
		    "ended on %s.",
		    rules_local_date(run, judged, on), p->warranty_months,
		    rules_local_date(run, run->out->warranty_ends_at, end));
	}
}

/* Sum of what the clerk says is in the parcel, at catalogue weights. */
static bool rules_found_weight(const struct rules_run *run, int64_t *grams)
{
	int64_t total = 0;

	for (int i = 0; i < run->er->n_items; i++) {
		int64_t line;

		if (__builtin_mul_overflow(
			(int64_t)run->er->items[i].weight_g,
			(int64_t)run->found->items[i].quantity, &line) ||
		    __builtin_add_overflow(total, line, &total))
			return false;
	}
	*grams = total;
	return true;
}

static void rules_judge_weight(struct rules_run *run, bool verdict_settled)
{
	const struct inspection *found = run->found;
	const struct rules_policy *p = &run->policy;
	int64_t expected = 0, relative;

	if (!found->weighed) {
		rules_note(run, REASON_WEIGHT_SKIPPED, -1,
			   "The parcel was not weighed; the weight check was "
			   "skipped.");
		return;
	}
	if (rules_found_weight(run, &expected) &&
	    rules_weight_ok(expected, found->weight_g, p))
		return;
	relative = expected / 100 * p->weight_tolerance_pct +
		   expected % 100 * p->weight_tolerance_pct / 100;
	rules_note(run, REASON_WEIGHT_MISMATCH, -1,
		   "The parcel weighs %d g but its contents should weigh "
		   "%lld g (+/- %lld g).",
		   (int)found->weight_g, (long long)expected,
		   (long long)(relative > p->weight_tolerance_g
				   ? relative
				   : p->weight_tolerance_g));
	if (!verdict_settled)
		run->out->verdict = VERDICT_HOLD;
}

static void rules_judge(struct rules_run *run)
{
	const struct expected_return *er = run->er;
	struct proposal *out = run->out;
	bool complaint = er->kind == RETURN_COMPLAINT;
	bool full = true, any = false, settled;
	char money[RULES_MONEY_LEN];

	if (complaint)
		rules_judge_warranty(run);
	else
		rules_judge_window(run);

	for (int i = 0; i < er->n_items; i++) {
		out->items[i].grade =
		    rules_effective_grade(&run->found->items[i], complaint);
		out->items[i].disposition = DISPOSITION_HOLD;
		if (complaint)
			rules_complaint_item(run, i);
		else
			rules_withdrawal_item(run, i);
		if (out->items[i].quantity_accepted > 0)
			any = true;
		if (out->items[i].quantity_accepted != er->items[i].quantity)
			full = false;
		/* Validated: the sum of all lines plus delivery fits. */
		out->refund_minor += out->items[i].refund_minor;
	}

	if (run->undecided)
		out->verdict = VERDICT_HOLD;
	else if (full)
		out->verdict = VERDICT_ACCEPT;
	else if (any)
		out->verdict = VERDICT_PARTIAL;
	else
		out->verdict = VERDICT_REJECT;

	if (!complaint && full && run->policy.refund_basic_delivery &&
	    er->delivery_basic_minor > 0) {
		out->delivery_refund_minor = er->delivery_basic_minor;
		out->refund_minor += er->delivery_basic_minor;
		rules_note(run, REASON_DELIVERY_REFUNDED, -1,
			   "The whole order came back: basic delivery %s "
			   "refunded.",
			   rules_money(run, er->delivery_basic_minor, money));
	}

	/*
	 * A rejection on dates, exclusions or wrong items stands whatever the
	 * scale says: a different item weighs differently, that is expected.
	 */
	settled = out->verdict == VERDICT_REJECT &&
		  (run->window_passed || run->warranty_passed ||
		   run->n_excluded + run->n_wrong == er->n_items);
	if (run->found->wrong_item && !rules_has_note(run, REASON_WRONG_ITEM)) {
		rules_note(run, REASON_WRONG_ITEM, -1,
			   "An item that was not sold was found in the parcel; "
			   "review it.");
		if (!settled)
			out->verdict = VERDICT_HOLD;
	}
	rules_judge_weight(run, settled);

	if (!run->found->photographed &&
	    (out->verdict == VERDICT_REJECT || run->refusal_needs_photo ||
	     run->deduction_taken)) {
		rules_note(run, REASON_NO_PHOTO, -1,
			   "A refusal or a deduction needs photo evidence; "
			   "take a photo before deciding.");
		out->verdict = VERDICT_HOLD;
	}
}

int rules_propose(const struct expected_return *er,
		  const struct inspection *found,
		  const struct rules_policy *policy, int64_t now,
		  struct proposal *out)
{
	/* Large (notes for every item); static-free so calls stay reentrant. */
	struct rules_run run;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->verdict = VERDICT_HOLD;
	memset(&run, 0, sizeof(run));
	run.out = out;
	if (!er || !found) {
		rules_note(&run, REASON_UNEXPECTED_RETURN, -1,
			   "Nothing to judge: the expected return or the "
			   "inspection is missing.");
		rules_notes_publish(&run);
		return -EINVAL;
	}
	run.er = er;
	run.found = found;
	run.now = now;
	if (policy)
		run.policy = *policy;
	else
		rules_policy_defaults(&run.policy);

	out->n_items = er->n_items < 0			? 0
		       : er->n_items > RETURN_MAX_ITEMS ? RETURN_MAX_ITEMS
							: er->n_items;
	memcpy(out->currency, er->currency, 3);
	out->currency[3] = '\0';
	if (!rules_input_check(&run)) {
		rules_hold_invalid(&run);
		rules_notes_publish(&run);
		return -EINVAL;
	}
	rules_judge(&run);
	rules_notes_publish(&run);
	return 0;
}
