/* SPDX-License-Identifier: MIT */
/*
 * The end of a parcel: the proposal (the rules engine's for a return, a
 * hold for an unexpected parcel, the box's own checks for ship-QC), the
 * clerk's confirmation or override, and the decision handed to the shell
 * with its plan (decision.h).  When the shell reports it recorded, the
 * label is printed and the desk waits for the next parcel.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "desk_run.h"

static const char *desk_verdict_upper(enum verdict v)
{
	switch (v) {
	case VERDICT_ACCEPT:
		return "ACCEPT";
	case VERDICT_PARTIAL:
		return "PARTIAL";
	case VERDICT_REJECT:
		return "REJECT";
	case VERDICT_HOLD:
		return "HOLD";
	}
	return "UNKNOWN";
}

static void desk_enter_confirm(struct desk_run *r)
{
	struct desk *d = r->d;
	const struct proposal *p = &d->proposal;

	d->step = DESK_STEP_CONFIRM;
	if (d->routine == DESK_ROUTINE_SHIP_QC) {
		if (p->verdict == VERDICT_ACCEPT)
			desk_prompt(d, "qc_passed_confirm",
				    "QC passed \u2014 press accept to confirm");
		else
			desk_prompt(d, "qc_failed_fix",
				    "QC failed: fix the box and press remove "
				    "to recount, or call a supervisor");
		return;
	}
	if (p->verdict == VERDICT_ACCEPT || p->verdict == VERDICT_PARTIAL) {
		char money[48];

		/* the rules propose no refund without a currency code */
		if (money_format(p->refund_minor, p->currency, money,
				 sizeof(money)) < 0)
			desk_text(money, sizeof(money), "%lld",
				  (long long)p->refund_minor);
		desk_prompt(d, "proposal_refund",
			    "Proposal: %s, refund %s \u2014 press accept to "
			    "confirm",
			    desk_verdict_upper(p->verdict), money);
	} else {
		desk_prompt(d, "proposal",
			    "Proposal: %s \u2014 press accept to confirm",
			    desk_verdict_upper(p->verdict));
	}
}

/* Why a held desk waits: its problem text, the screen's. */
#define DESK_CLOCK_WHY                                                         \
	"The clock is not set yet: waiting for network time; the decision "    \
	"waits"

/*
 * Every decision is dated: a return's by the law's windows (withdrawal,
 * complaint deadline, warranty), and every one by its record and the
 * keys and events the shop sees.  While the date is unknown the parcel
 * is done but the desk holds at the confirm step with no proposal; the
 * proposal comes when the date is known (desk_on_clock()).  True when it
 * holds.
 */
static bool desk_clock_holds(struct desk_run *r)
{
	struct desk *d = r->d;

	if (!d->date_unknown)
		return false;
	d->clock_hold = true;
	d->step = DESK_STEP_CONFIRM;
	memset(&d->proposal, 0, sizeof(d->proposal));
	desk_prompt(d, "checked_waits_for_clock",
		    "Parcel checked: the proposal comes when the clock is set");
	desk_problem(r, "waits_for_clock", DESK_CLOCK_WHY);
	return true;
}

void desk_clock_refuse(struct desk_run *r)
{
	desk_problem(r, "waits_for_clock", DESK_CLOCK_WHY);
	r->ignored = true;
}

void desk_clock_remind(struct desk *d)
{
	if (d->clock_hold && d->step == DESK_STEP_CONFIRM && !d->problem[0]) {
		desk_text(d->problem, sizeof(d->problem), DESK_CLOCK_WHY);
		said_set(&d->problem_said, "waits_for_clock");
	}
}

void desk_propose_return(struct desk_run *r)
{
	struct desk *d = r->d;

	if (desk_clock_holds(r))
		return;
	/* Judged at the parcel's receipt, not when the clerk got here. */
	rules_propose(&d->expected, &d->found, &r->cfg->policy,
		      d->found.received_at, &d->proposal);
	desk_enter_confirm(r);
}

static void desk_reason_add(struct proposal *p, enum reason_code code, int item,
			    const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void desk_reason_add(struct proposal *p, enum reason_code code, int item,
			    const char *fmt, ...)
{
	struct reason *re;
	va_list ap;
	int n;

	if (p->n_reasons >= RULES_MAX_REASONS)
		return;
	re = &p->reasons[p->n_reasons++];
	re->code = code;
	re->item = item;
	va_start(ap, fmt);
	n = vsnprintf(re->text, sizeof(re->text), fmt, ap);
	va_end(ap);
	if (n < 0)
		re->text[0] = '\0';
	else if ((size_t)n >= sizeof(re->text))
		desk_trim_utf8(re->text);
}

void desk_propose_unexpected(struct desk_run *r)
{
	struct desk *d = r->d;

	if (desk_clock_holds(r))
		return;
	memset(&d->proposal, 0, sizeof(d->proposal));
	d->proposal.verdict = VERDICT_HOLD;
	desk_reason_add(&d->proposal, REASON_UNEXPECTED_RETURN, -1,
			"No expected return matches code %s; held for review "
			"by hand.",
			d->code);
	desk_enter_confirm(r);
}

void desk_propose_qc(struct desk_run *r)
{
	struct desk *d = r->d;
	struct proposal *p = &d->proposal;
	bool pass = true;

	if (desk_clock_holds(r))
		return;
	memset(p, 0, sizeof(*p));
	p->n_items = desk_n_items(d);
	desk_copy(p->currency, sizeof(p->currency), d->expected.currency, 3);
	for (int i = 0; i < desk_n_items(d); i++) {
		const struct return_item *it = &d->expected.items[i];
		int32_t want = desk_expected_qty(d, i);
		int32_t got = d->found.items[i].quantity;

		p->items[i].quantity_accepted = got < want ? got : want;
		p->items[i].accepted = got >= want;
		if (got >= want)
			continue;
		pass = false;
		desk_reason_add(p, REASON_MISSING_ITEM, i,
				"SKU %s: %d of %d units packed.",
				it->sku[0] ? it->sku : desk_item_label(it),
				(int)got, (int)want);
	}
	if (d->qc_extra > 0) {
		pass = false;
		desk_reason_add(p, REASON_WRONG_ITEM, -1,
				"%d extra item(s) scanned that are not in the "
				"order.",
				d->qc_extra);
	}
	if (d->found.weighed && !desk_qc_weight_ok(r, d->found.weight_g)) {
		pass = false;
		desk_reason_add(
		    p, REASON_WEIGHT_MISMATCH, -1,
		    "The box weighs %d g, expected %lld g +/- %lld g.",
		    (int)d->found.weight_g,
		    (long long)expected_return_weight_g(&d->expected),
		    (long long)desk_qc_tolerance(r->cfg));
	}
	if (d->qc_blocked > 0) {
		const struct checklist *cl = desk_checklist_of(r, 0);

		pass = false;
		/* No reason code of its own: a failed packing check is
		 * something missing from the box (filler, invoice, tape). */
		for (int s = 0; cl && s < cl->n_steps; s++)
			if (cl->steps[s].effect == CHECKLIST_EFFECT_BLOCK &&
			    strcmp(d->answers[0][s], "pass") != 0)
				desk_reason_add(p, REASON_MISSING_ITEM, -1,
						"Packing check failed: %.*s",
						(int)sizeof(cl->steps[s].text),
						cl->steps[s].text);
	}
	p->verdict = pass ? VERDICT_ACCEPT : VERDICT_REJECT;
	desk_enter_confirm(r);
}

/* The proposal of the parcel on the desk, as its routine makes it. */
static void desk_propose(struct desk_run *r)
{
	if (r->d->routine == DESK_ROUTINE_SHIP_QC)
		desk_propose_qc(r);
	else if (!r->d->have_expected)
		desk_propose_unexpected(r);
	else
		desk_propose_return(r);
}

/* Whether @t + @shift fits; then *@t moves. */
static void desk_time_shift(int64_t *t, int64_t shift)
{
	int64_t moved;

	if (*t && !__builtin_add_overflow(*t, shift, &moved))
		*t = moved;
}

void desk_on_clock(struct desk_run *r)
{
	struct desk *d = r->d;
	int64_t shift = r->ev->time_shift_us;

	r->keep_activity = true;
	r->keep_light = true;
	if (!r->ev->date_known) {
		d->date_unknown = true;
		return;
	}
	if (!d->date_unknown)
		return; /* known already: no time the desk took moves */
	d->date_unknown = false;
	/* the times taken on the unsure clock, as they really were: the
	 * parcel's receipt (the rules judge by it), the step's activity */
	desk_time_shift(&d->last_activity, shift);
	if (desk_parcel_open(d))
		desk_time_shift(&d->found.received_at, shift);
	if (d->last.receipt) {
		desk_time_shift(&d->last.decided_at, shift);
		desk_time_shift(&d->last.undo_until, shift);
	}
	if (!d->clock_hold)
		return;
	d->clock_hold = false;
	if (!strcmp(d->problem, DESK_CLOCK_WHY))
		d->problem[0] = '\0';
	r->keep_light = false;
	desk_propose(r);
}

/* Where a unit goes when the clerk accepts what the engine did not: by
 * its grade alone, and held when it has none. */
static enum disposition desk_disposition_of(enum grade g)
{
	switch (g) {
	case GRADE_A:
		return DISPOSITION_RESTOCK;
	case GRADE_B:
		return DISPOSITION_RESTOCK_B;
	case GRADE_C:
		return DISPOSITION_REFURBISH;
	case GRADE_SCRAP:
		return DISPOSITION_SCRAP;
	default:
		return DISPOSITION_HOLD;
	}
}

/*
 * An override that pays what the rules would not: the decided lines are
 * the units found (at most those sold) at their price, so the refund's
 * lines add up to its amount.  The rules' verdict and reasons stay in the
 * proposal, beside the override and its reason.  0 (and @p untouched)
 * when there is nothing to pay or the sum does not fit.
 */
static int64_t desk_pay_found(const struct desk *d, struct proposal *p)
{
	int64_t total = 0, line[RETURN_MAX_ITEMS] = {0};
	int32_t qty[RETURN_MAX_ITEMS] = {0};

	for (int i = 0; i < desk_n_items(d); i++) {
		int32_t got = d->found.items[i].quantity;
		int64_t price = d->expected.items[i].unit_price_minor;

		if (got > desk_expected_qty(d, i))
			got = desk_expected_qty(d, i);
		if (got <= 0 || price <= 0)
			continue;
		if (__builtin_mul_overflow(price, (int64_t)got, &line[i]) ||
		    __builtin_add_overflow(total, line[i], &total))
			return 0;
		qty[i] = got;
	}
	for (int i = 0; total > 0 && i < desk_n_items(d); i++) {
		struct item_outcome *o = &p->items[i];

		if (!qty[i])
			continue;
		o->accepted = true;
		o->quantity_accepted = qty[i];
		o->refund_minor = line[i];
		o->deduction_minor = 0;
		o->grade = d->found.items[i].grade;
		o->disposition = desk_disposition_of(o->grade);
	}
	if (total > 0)
		p->refund_minor = total;
	return total;
}

/*
 * A complaint's remedy (rules.h): the one the clerk chose with the
 * confirmation, else the proposal's.  Repair and replacement move no money:
 * the decided lines keep their units but refund nothing.  A price
 * reduction pays the amount given, taken from the lines in order so that
 * they still add up to it.
 */
static void desk_remedy_apply(struct desk_run *r, struct desk_decision *dec)
{
	const struct desk_event *ev = r->ev;
	struct proposal *p = &dec->proposal;
	int64_t left;
	int k;

	if (!r->d->have_expected || r->d->expected.kind != RETURN_COMPLAINT) {
		p->remedy = REMEDY_NONE;
		return;
	}
	if (ev->kind == DESK_EV_CONFIRM && ev->remedy && ev->remedy[0] &&
	    (k = remedy_from_name(ev->remedy)) > 0)
		p->remedy = (enum remedy)k;
	if (p->remedy == REMEDY_NONE)
		p->remedy = REMEDY_REFUND;
	if (remedy_moves_money(p->remedy) && p->remedy != REMEDY_REDUCE)
		return;
	left = p->remedy == REMEDY_REDUCE && ev->kind == DESK_EV_CONFIRM
		   ? ev->remedy_amount_minor
		   : 0;
	if (left > dec->refund_minor)
		left = dec->refund_minor;
	dec->refund_minor = left > 0 ? left : 0;
	p->refund_minor = dec->refund_minor;
	p->delivery_refund_minor = 0;
	for (int i = 0; i < p->n_items && i < RETURN_MAX_ITEMS; i++) {
		struct item_outcome *o = &p->items[i];
		int64_t take = o->refund_minor < left ? o->refund_minor : left;

		o->refund_minor = take > 0 ? take : 0;
		left -= o->refund_minor;
	}
}

/* What decision @dec of the parcel on @d leaves behind at @now: rows,
 * keys and label (decision.h). */
static int desk_plan_of(const struct desk *d, const struct desk_config *cfg,
			const struct desk_decision *dec, int64_t now,
			struct decision_plan *out)
{
	struct decision_item items[RETURN_MAX_ITEMS];
	const char *codes[1 + RETURN_MAX_LOOKUP_CODES];
	struct decision_facts f = {
	    .ship_qc = dec->routine == DESK_ROUTINE_SHIP_QC,
	    .verdict = dec->verdict,
	    .refund_minor = dec->refund_minor,
	    .currency = dec->proposal.currency[0] ? dec->proposal.currency
						  : d->expected.currency,
	    .grade = dec->grade,
	    .disposition = dec->disposition,
	    .rma = d->have_expected ? d->expected.rma : "",
	    .order = d->have_expected ? d->expected.order_ref : "",
	    .shop = cfg->shop,
	    .desk = cfg->desk_name,
	    .clerk = desk_actor(d),
	    .receipt_id = d->receipt_id,
	    .now = now,
	    .grace_us = cfg->grace_us,
	    .utc_offset_min = cfg->policy.utc_offset_min,
	    .eu_summer_time = cfg->policy.eu_summer_time,
	    .override = dec->overridden,
	    .items = items,
	    .label = cfg->label,
	    .codes = codes,
	    .remedy = dec->proposal.remedy != REMEDY_NONE
			  ? remedy_name(dec->proposal.remedy)
			  : "",
	};

	/* the label lists what is in the parcel */
	for (int i = 0; d->have_expected && i < desk_n_items(d); i++) {
		items[f.n_items].sku = d->expected.items[i].sku;
		items[f.n_items].name = d->expected.items[i].name;
		items[f.n_items].quantity = d->found.items[i].quantity;
		f.n_items++;
	}
	/* the codes it came with, for an SSCC on the label */
	codes[f.n_codes++] = d->code;
	for (int i = 0; d->have_expected && i < d->expected.n_lookup_codes &&
			i < RETURN_MAX_LOOKUP_CODES;
	     i++)
		codes[f.n_codes++] = d->expected.lookup_codes[i];
	return decision_plan_make(&f, out);
}

/* The money, grade and shelf of verdict @v of the parcel on @d, before a
 * complaint's remedy is applied. */
static void desk_decision_fill(const struct desk *d, enum verdict v,
			       struct desk_decision *dec)
{
	bool paid = v == VERDICT_ACCEPT || v == VERDICT_PARTIAL;

	dec->routine = d->routine;
	dec->verdict = v;
	dec->proposal = d->proposal;
	dec->disposition = DISPOSITION_HOLD;
	dec->grade = GRADE_NONE;
	if (d->routine != DESK_ROUTINE_RETURN || !paid || !d->have_expected) {
		dec->proposal.remedy = REMEDY_NONE;
		return;
	}
	dec->refund_minor = d->proposal.refund_minor > 0
				? d->proposal.refund_minor
				: desk_pay_found(d, &dec->proposal);
	for (int i = 0; i < desk_n_items(d); i++) {
		if (d->proposal.items[i].accepted) {
			dec->disposition = d->proposal.items[i].disposition;
			dec->grade = d->proposal.items[i].grade;
			break;
		}
		if (d->found.items[i].quantity > 0 &&
		    dec->grade == GRADE_NONE) {
			/* accepted against the proposal */
			dec->grade = d->found.items[i].grade;
			dec->disposition = desk_disposition_of(dec->grade);
		}
	}
}

bool desk_label_preview(const struct desk *d, const struct desk_config *cfg,
			int64_t now, struct label_fields *out)
{
	struct desk_decision dec;
	struct decision_plan plan; /* the label's bytes too: 8 KiB */

	if (d->deciding || d->step != DESK_STEP_CONFIRM) {
		/* being recorded: the decision's own label */
		if (!d->deciding)
			return false;
		*out = d->plan.label;
		return true;
	}
	if (d->clock_hold)
		return false; /* no proposal yet */
	memset(&dec, 0, sizeof(dec));
	desk_decision_fill(d, d->proposal.verdict, &dec);
	if (d->have_expected && d->expected.kind == RETURN_COMPLAINT &&
	    dec.proposal.remedy == REMEDY_NONE && dec.refund_minor > 0)
		dec.proposal.remedy = REMEDY_REFUND;
	if (desk_plan_of(d, cfg, &dec, now, &plan) < 0)
		return false;
	*out = plan.label;
	return true;
}

void desk_decide(struct desk_run *r, enum verdict v, bool overridden,
		 const char *reason, const char *by)
{
	struct desk *d = r->d;
	struct desk_decision *dec = &d->decision;
	struct desk_action *a;
	bool paid = v == VERDICT_ACCEPT || v == VERDICT_PARTIAL;

	memset(dec, 0, sizeof(*dec));
	desk_decision_fill(d, v, dec);
	dec->overridden = overridden;
	if (overridden) {
		desk_copy(dec->override_reason, sizeof(dec->override_reason),
			  reason, SIZE_MAX);
		desk_copy(dec->override_by, sizeof(dec->override_by), by,
			  SIZE_MAX);
	}
	if (d->routine == DESK_ROUTINE_RETURN && paid && d->have_expected)
		desk_remedy_apply(r, dec);
	if (desk_plan_of(d, r->cfg, dec, r->ev->now, &d->plan) < 0) {
		desk_problem(r, "decision_not_keyed",
			     "Decision NOT recorded: it cannot be keyed; "
			     "call a supervisor");
		desk_tower_alarm(r, TOWER_ERROR);
		return;
	}
	a = desk_emit(r, DESK_ACT_DECIDE);
	if (a)
		desk_copy(a->text, sizeof(a->text), dec->override_reason,
			  sizeof(dec->override_reason));
	/* The desk stays at confirm until the shell says the decision is
	 * recorded (DESK_EV_DECIDED): if it is not, the clerk confirms again
	 * with nothing lost. */
	d->deciding = true;
}

/* Paying or passing what the proposal refused (a reject or a hold turned
 * into an accept or a partial, a failed QC turned into a pass). */
bool desk_override_needs_supervisor(const struct desk *d, enum verdict v)
{
	if (!d || d->step != DESK_STEP_CONFIRM || d->clock_hold)
		return false;
	return (d->proposal.verdict == VERDICT_REJECT ||
		d->proposal.verdict == VERDICT_HOLD) &&
	       (v == VERDICT_ACCEPT || v == VERDICT_PARTIAL);
}

/* A remedy goes with a complaint that is accepted; a reduction with its
 * amount. */
static bool desk_remedy_ok(struct desk_run *r, enum verdict v)
{
	const struct desk *d = r->d;
	const char *name = r->ev->remedy;
	char shown[24];
	int k;

	if (!name || !name[0])
		return true;
	k = remedy_from_name(name);
	if (k <= 0) {
		desk_copy(shown, sizeof(shown), name, SIZE_MAX);
		desk_problem(r, "unknown_remedy",
			     "Unknown remedy '%s': repair, replace, reduce or "
			     "refund",
			     shown);
		return false;
	}
	if (!d->have_expected || d->expected.kind != RETURN_COMPLAINT) {
		desk_problem(r, "remedy_only_complaint",
			     "A remedy is chosen only for a complaint");
		return false;
	}
	if (v != VERDICT_ACCEPT && v != VERDICT_PARTIAL) {
		desk_problem(r, "remedy_needs_accept",
			     "A remedy goes with accept or partial");
		return false;
	}
	if (k == REMEDY_REDUCE) {
		/* at most what the decision would pay without the reduction:
		 * the proposal's refund, or the lines found when the clerk
		 * accepts against the proposal */
		struct proposal paid = d->proposal;
		int64_t most = d->proposal.refund_minor > 0
				   ? d->proposal.refund_minor
				   : desk_pay_found(d, &paid);

		if (r->ev->remedy_amount_minor <= 0 ||
		    r->ev->remedy_amount_minor > most) {
			desk_problem(r, "reduction_amount",
				     "A price reduction needs amount_minor, "
				     "more than 0 and at most %lld",
				     (long long)most);
			return false;
		}
	}
	return true;
}

void desk_confirm(struct desk_run *r, enum verdict v, const char *reason)
{
	struct desk *d = r->d;
	bool overridden = v != d->proposal.verdict;
	char text[128];

	if (d->clock_hold) {
		desk_clock_refuse(r);
		return;
	}
	if (v != VERDICT_ACCEPT && v != VERDICT_PARTIAL &&
	    v != VERDICT_REJECT && v != VERDICT_HOLD) {
		desk_problem(r, "bad_event", "Bad event: unknown verdict %d",
			     (int)v);
		r->ignored = true;
		return;
	}
	if (d->routine == DESK_ROUTINE_SHIP_QC && v != VERDICT_ACCEPT &&
	    v != VERDICT_REJECT) {
		desk_problem(r, "qc_accept_or_reject",
			     "Ship-QC passes (accept) or fails (reject)");
		return;
	}
	desk_copy(text, sizeof(text), reason, SIZE_MAX);
	if (overridden && desk_blank(text)) {
		desk_problem(r, "override_needs_reason",
			     "An override needs a reason");
		return;
	}
	if (desk_override_needs_supervisor(d, v) &&
	    desk_blank(r->ev->authorised_by)) {
		if (d->routine == DESK_ROUTINE_SHIP_QC)
			desk_problem(r, "qc_pass_needs_supervisor",
				     "Passing a failed QC needs a "
				     "supervisor's badge and a reason");
		else
			desk_problem(r, "override_needs_supervisor",
				     "Overriding a refusal needs a "
				     "supervisor's badge and a reason");
		desk_tower_alarm(r, TOWER_SUPERVISOR);
		return;
	}
	if (!desk_remedy_ok(r, v))
		return;
	desk_decide(r, v, overridden, text,
		    desk_override_needs_supervisor(d, v) ? r->ev->authorised_by
							 : NULL);
}

/* The decision is in the record: print its label, start the next parcel. */
static void desk_decided(struct desk_run *r)
{
	struct desk *d = r->d;
	struct desk_action *a;

	d->last.receipt = d->receipt_id;
	desk_copy(d->last.verdict, sizeof(d->last.verdict), d->plan.verdict,
		  sizeof(d->plan.verdict));
	d->last.decided_at = d->plan.decided_at;
	d->last.undo_until = d->plan.decided_at + r->cfg->grace_us;
	if (d->plan.label_len > 0 && desk_has(r, DESK_DEVICE_PRINTER) &&
	    (a = desk_emit(r, DESK_ACT_PRINT_LABEL)))
		a->receipt_id = d->receipt_id;
	desk_parcel_reset(d);
	desk_enter_scan(r);
}

void desk_on_decided(struct desk_run *r)
{
	struct desk *d = r->d;
	char why[96];

	r->keep_activity = true;
	if (!d->deciding) {
		desk_problem(r, "bad_event",
			     "Bad event: a decision outcome nobody asked for");
		r->ignored = true;
		return;
	}
	d->deciding = false;
	if (r->ev->result >= 0) {
		desk_decided(r);
		return;
	}
	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	desk_problem(r, "decision_not_recorded",
		     "Decision NOT recorded (%s): confirm again, or call a "
		     "supervisor",
		     why[0] ? why : "store error");
	desk_tower_alarm(r, TOWER_ERROR);
}

void desk_on_label_printed(struct desk_run *r)
{
	char why[96];

	r->keep_activity = true;
	r->keep_light = true;
	if (r->ev->result >= 0)
		return;
	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	if (r->ev->receipt == r->d->reprint_receipt && r->d->problem[0])
		desk_problem(r, "reprint_failed",
			     "This return was already decided on receipt "
			     "%lld; its label could not be printed again: %s",
			     (long long)r->ev->receipt,
			     why[0] ? why : "printer error");
	else
		desk_problem(r, "label_not_printed",
			     "Label for receipt %lld not printed: %s",
			     (long long)r->ev->receipt,
			     why[0] ? why : "printer error");
	r->d->reprint_receipt = 0;
}
