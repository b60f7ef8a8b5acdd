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

static void decision_label(const struct decision_facts *f,
			   struct decision_plan *p)
{
	struct label_fields *lf = &p->label;
	int64_t day;

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
	day =
	    civil_time_local_day(f->now, f->utc_offset_min, f->eu_summer_time);
	civil_time_format_date(day, lf->date, sizeof(lf->date));
	snprintf(lf->station, sizeof(lf->station), "%s",
		 decision_text(f->desk));
	snprintf(lf->clerk, sizeof(lf->clerk), "%s", decision_text(f->clerk));
	if (f->refund_minor > 0 &&
	    money_format(f->refund_minor, decision_text(f->currency),
			 lf->refund, sizeof(lf->refund)) < 0)
		lf->refund[0] = '\0';
	snprintf(lf->barcode, sizeof(lf->barcode), "%s",
		 lf->rma[0] ? lf->rma : lf->order);

	for (int attempt = 0; attempt < 2; attempt++) {
		int n = f->ship_qc && f->verdict == VERDICT_ACCEPT
			    ? label_qc_passed_zpl(lf, p->zpl, sizeof(p->zpl))
			    : label_disposition_zpl(lf, p->zpl, sizeof(p->zpl));

		p->zpl_len = n > 0 ? n : 0;
		if (n != -EINVAL)
			break;
		lf->barcode[0] = '\0'; /* a code Code 128 cannot carry */
	}
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
