/* SPDX-License-Identifier: MIT */
/*
 * decision.h: from a confirmed decision to what the shell must write and
 * print.  The rows, their keys and the label are decided here so that the
 * station only performs them, and so that they are tested without a store.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/code.h"
#include "retour/decision.h"

const char *disposition_bin(enum disposition d)
{
	switch (d) {
	case DISPOSITION_RESTOCK:
		return "RESTOCK-A";
	case DISPOSITION_RESTOCK_B:
		return "B-STOCK";
	case DISPOSITION_REFURBISH:
		return "REFURB";
	case DISPOSITION_VENDOR:
		return "RTV";
	case DISPOSITION_SCRAP:
		return "SCRAP";
	case DISPOSITION_HOLD:
		break;
	}
	return "HOLD";
}

const char *decision_verdict_name(bool ship_qc, enum verdict v)
{
	if (ship_qc)
		return v == VERDICT_ACCEPT ? "qc_passed" : "qc_failed";
	return verdict_name(v);
}

static const char *decision_text(const char *s)
{
	return s ? s : "";
}

static int decision_row_add(struct decision_plan *p,
			    const struct decision_facts *f, const char *action)
{
	struct decision_row *row = &p->rows[p->n_rows];
	int n;

	n = snprintf(row->key, sizeof(row->key), "%s:%s:%lld:%s:%lld",
		     decision_text(f->shop), decision_text(f->desk),
		     (long long)f->receipt_id,
		     !strcmp(action, EVENT_REFUND_REQUESTED) ? "refund"
							     : action,
		     (long long)f->now);
	if (n < 0 || (size_t)n >= sizeof(row->key))
		return -EINVAL;
	row->action = action;
	row->not_before = f->now + f->grace_us;
	p->n_rows++;
	return 0;
}

bool decision_sscc_of(const char *code, char out[19])
{
	struct code c;

	if (!code || !*code ||
	    code_classify(code, strnlen(code, CODE_MAX_RAW + 1), NULL, &c) <
		0 ||
	    c.kind != CODE_SSCC || !c.valid || !c.gs1.has_sscc)
		return false;
	memcpy(out, c.gs1.sscc, 18);
	out[18] = '\0';
	return true;
}

/*
 * The barcode's value: the receipt number (the default), the RMA (the
 * order when there is no RMA, the receipt when there is neither), or the
 * parcel's SSCC, the first of @codes that reads as one, printed as GS1
 * AI (00); without one, the receipt number.
 */
static void decision_barcode(struct label_fields *lf, enum label_barcode which,
			     int64_t receipt_id, const char *rma,
			     const char *order, const char *const *codes,
			     int n_codes)
{
	const char *ref = rma && *rma ? rma : order;
	char *out = lf->barcode;
	size_t size = sizeof(lf->barcode);
	char sscc[19];

	lf->barcode_sscc = false;
	for (int i = 0; which == LABEL_BARCODE_SSCC && codes && i < n_codes;
	     i++)
		if (decision_sscc_of(codes[i], sscc)) {
			snprintf(out, size, "%s", sscc);
			lf->barcode_sscc = true;
			return;
		}
	if (which == LABEL_BARCODE_RMA && ref && *ref)
		snprintf(out, size, "%s", ref);
	else if (receipt_id > 0)
		snprintf(out, size, "%lld", (long long)receipt_id);
	else
		snprintf(out, size, "%s", decision_text(ref));
}

static void decision_date(char *out, size_t size, int64_t now,
			  int utc_offset_min, bool eu_summer_time)
{
	int64_t day = civil_time_local_day(now, utc_offset_min, eu_summer_time);

	civil_time_format_date(day, out, size);
}

static void decision_items(const struct decision_facts *f,
			   struct label_fields *lf)
{
	for (int i = 0; f->items && i < f->n_items; i++) {
		const struct decision_item *it = &f->items[i];
		struct label_item *li;

		if (it->quantity <= 0)
			continue;
		if (lf->n_items < LABEL_MAX_ITEMS) {
			li = &lf->items[lf->n_items];
			snprintf(li->sku, sizeof(li->sku), "%s",
				 decision_text(it->sku));
			snprintf(li->name, sizeof(li->name), "%s",
				 decision_text(it->name));
			li->quantity = it->quantity;
		}
		lf->n_items++;
	}
}

static void decision_label(const struct decision_facts *f,
			   struct decision_plan *p)
{
	struct label_fields *lf = &p->label;

	lf->layout = f->label.layout;
	snprintf(lf->rma, sizeof(lf->rma), "%s", decision_text(f->rma));
	snprintf(lf->order, sizeof(lf->order), "%s", decision_text(f->order));
	snprintf(lf->verdict, sizeof(lf->verdict), "%s", p->verdict);
	if (f->grade != GRADE_NONE)
		snprintf(lf->grade, sizeof(lf->grade), "%s",
			 grade_name(f->grade));
	snprintf(lf->disposition, sizeof(lf->disposition), "%s",
		 disposition_name(f->disposition));
	snprintf(lf->bin, sizeof(lf->bin), "%s",
		 disposition_bin(f->disposition));
	decision_date(lf->date, sizeof(lf->date), f->now, f->utc_offset_min,
		      f->eu_summer_time);
	snprintf(lf->station, sizeof(lf->station), "%s",
		 decision_text(f->desk));
	snprintf(lf->clerk, sizeof(lf->clerk), "%s", decision_text(f->clerk));
	if (f->refund_minor > 0 &&
	    money_format(f->refund_minor, decision_text(f->currency),
			 lf->refund, sizeof(lf->refund)) < 0)
		lf->refund[0] = '\0';
	if (f->receipt_id > 0)
		snprintf(lf->receipt, sizeof(lf->receipt), "%lld",
			 (long long)f->receipt_id);
	snprintf(lf->remedy, sizeof(lf->remedy), "%s",
		 decision_text(f->remedy));
	lf->override = f->override;
	decision_items(f, lf);
	decision_barcode(lf, f->label.barcode, f->receipt_id, f->rma, f->order,
			 f->codes, f->n_codes);

	for (int attempt = 0; attempt < 2; attempt++) {
		int n = f->ship_qc && f->verdict == VERDICT_ACCEPT
			    ? label_qc_passed(lf, p->label_job,
					      sizeof(p->label_job))
			    : label_disposition(lf, p->label_job,
						sizeof(p->label_job));

		p->label_len = n > 0 ? n : 0;
		if (n != -EINVAL)
			break;
		lf->barcode[0] = '\0'; /* a code a barcode cannot carry */
		lf->barcode_sscc = false;
	}
}

int decision_void_label(const struct decision_void_facts *f, char *buf,
			size_t len)
{
	struct label_fields lf;
	int n = -EINVAL;

	memset(&lf, 0, sizeof(lf));
	lf.layout = f->label.layout;
	if (f->receipt_id > 0)
		snprintf(lf.receipt, sizeof(lf.receipt), "%lld",
			 (long long)f->receipt_id);
	snprintf(lf.verdict, sizeof(lf.verdict), "%s",
		 decision_text(f->verdict));
	snprintf(lf.bin, sizeof(lf.bin), "%s", decision_text(f->bin));
	snprintf(lf.rma, sizeof(lf.rma), "%s", decision_text(f->rma));
	snprintf(lf.order, sizeof(lf.order), "%s", decision_text(f->order));
	snprintf(lf.station, sizeof(lf.station), "%s", decision_text(f->desk));
	snprintf(lf.clerk, sizeof(lf.clerk), "%s", decision_text(f->clerk));
	decision_date(lf.date, sizeof(lf.date), f->now, f->utc_offset_min,
		      f->eu_summer_time);
	decision_barcode(&lf, f->label.barcode, f->receipt_id, f->rma, f->order,
			 &f->sscc, f->sscc ? 1 : 0);
	for (int attempt = 0; attempt < 2; attempt++) {
		n = label_void(&lf, buf, len);
		if (n != -EINVAL || !lf.barcode[0])
			break;
		lf.barcode[0] = '\0'; /* a code a barcode cannot carry */
		lf.barcode_sscc = false;
	}
	return n;
}

int decision_plan_make(const struct decision_facts *f,
		       struct decision_plan *out)
{
	const char *event;
	int r = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->verdict, sizeof(out->verdict), "%s",
		 decision_verdict_name(f->ship_qc, f->verdict));
	snprintf(out->currency, sizeof(out->currency), "%s",
		 decision_text(f->currency));
	out->decided_at = f->now;
	decision_label(f, out);

	/* The rows hold no body: it is rendered from the recorded decision
	 * when they are sent, so the record keeps the facts once. */
	if (!f->ship_qc && f->refund_minor > 0)
		r = decision_row_add(out, f, EVENT_REFUND_REQUESTED);
	if (f->ship_qc)
		event = f->verdict == VERDICT_ACCEPT ? EVENT_QC_PASSED
						     : EVENT_QC_FAILED;
	else
		event = EVENT_RETURN_DECIDED;
	if (r == 0)
		r = decision_row_add(out, f, event);
	return r;
}
