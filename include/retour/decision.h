/* SPDX-License-Identifier: MIT */
/*
 * What a decision at the desk leaves behind, chosen in one place: the
 * outbox rows it queues for the shop (which events, their idempotency keys,
 * when they may go), the disposition label (its fields, its template, the
 * bin the parcel goes to) and the verdict as recorded.
 *
 * Pure: the shell passes in who, where and when, writes the plan in one
 * transaction and prints the label; it chooses none of it.  The key of a
 * row is shop:desk:receipt:action:time, unique per record and action, so
 * the shop can refuse a second refund of the same decision.
 */
#ifndef RETOUR_DECISION_H
#define RETOUR_DECISION_H

#include <stdbool.h>
#include <stdint.h>

#include "retour/label.h"
#include "retour/returns.h"
#include "retour/rules.h"

/* The events a decision sends upstream. */
#define EVENT_REFUND_REQUESTED "refund.requested"
#define EVENT_RETURN_DECIDED "return.decided"
#define EVENT_QC_PASSED "shipment.qc_passed"
#define EVENT_QC_FAILED "shipment.qc_failed"

#define DECISION_MAX_ROWS 2
#define DECISION_KEY_LEN 128
/* label.h says how long a label can be. */
#define DECISION_LABEL_LEN LABEL_MAX_LEN

/* One line of the parcel for the label: what is in it, how many. */
struct decision_item {
	const char *sku;
	const char *name;
	int32_t quantity;
};

/* Everything the plan is made from. */
struct decision_facts {
	bool ship_qc;	      /* a packer's check, not a return */
	enum verdict verdict; /* ship-QC: ACCEPT passed, REJECT failed */
	int64_t refund_minor; /* 0 when nothing is paid */
	const char *currency; /* ISO 4217 */
	enum grade grade;     /* GRADE_NONE: none on the label */
	enum disposition disposition;
	const char *rma; /* "" for an unexpected return */
	const char *order;
	const char *shop; /* [shop] name */
	const char *desk; /* [station] desk name */
	const char *clerk;
	int64_t receipt_id;
	int64_t now;	    /* UTC us: the decision's time */
	int64_t grace_us;   /* the undo window before anything is sent */
	int utc_offset_min; /* the shop's calendar, for the label's date */
	bool eu_summer_time;
	const char *remedy; /* a complaint's remedy (repair, replace, reduce,
			       refund), NULL or "" for none */
	bool override;	    /* the clerk decided against the proposal */
	/* the parcel's lines, for the label; n_items 0: none listed */
	const struct decision_item *items;
	int n_items;
	struct label_settings label; /* [label]: layout, barcode value */
	/* the codes the parcel came with: the one scanned to open it, then
	 * the expected return's lookup codes; the first that reads as an
	 * SSCC is the barcode of [label] barcode = sscc */
	const char *const *codes;
	int n_codes;
};

struct decision_row {
	const char *action; /* EVENT_*, a string literal */
	char key[DECISION_KEY_LEN];
	int64_t not_before; /* UTC us */
};

struct decision_plan {
	char verdict[16]; /* accept partial reject hold qc_passed qc_failed */
	char currency[4];
	int64_t decided_at; /* UTC us: the rows' created_at, the keys' time */
	int n_rows;
	struct decision_row rows[DECISION_MAX_ROWS];
	struct label_fields label;
	/* the label in the printer's language (label.h) */
	char label_job[DECISION_LABEL_LEN];
	int label_len; /* 0: no label (it could not be laid out) */
};

/*
 * Make the plan of one decision.  The refund (only for a return that pays
 * something) and the event both wait for the grace period, so an undo
 * retracts them together.  A barcode value Code 128 cannot carry is left
 * off the label rather than losing the label.  0, or -EINVAL when a key
 * would not fit (names are limited at config load so this never happens).
 */
int decision_plan_make(const struct decision_facts *f,
		       struct decision_plan *out);

/* What the VOID label of an undone decision is made from. */
struct decision_void_facts {
	int64_t receipt_id;
	const char *verdict; /* as recorded: accept, hold, qc_passed ... */
	const char *bin;     /* the cancelled label's bin, "" if not known */
	const char *rma;
	const char *order;
	const char *desk;
	const char *clerk; /* who undid it */
	/* the cancelled label's SSCC (18 digits) when its barcode was one,
	 * NULL or "" otherwise: the VOID label carries the same barcode */
	const char *sscc;
	int64_t now; /* UTC us: the undo's time */
	int utc_offset_min;
	bool eu_summer_time;
	struct label_settings label;
};

/*
 * The VOID label for the label of an undone decision (label_void()), with
 * the same barcode as the label it cancels, into @buf.  The bytes written,
 * or -EINVAL / -ENOSPC as label_void().
 */
int decision_void_label(const struct decision_void_facts *f, char *buf,
			size_t len);

/* The SSCC @code carries (18 digits, bare or as AI 00, check digit good),
 * as code_classify() reads it, into @out (19 bytes); false if none. */
bool decision_sscc_of(const char *code, char out[19]);

/* The shelf a disposition goes to: fixed names a warehouse maps to its own
 * bins (RESTOCK-A, B-STOCK, REFURB, RTV, SCRAP, HOLD). */
const char *disposition_bin(enum disposition d);

/* The verdict as the record and the events spell it. */
const char *decision_verdict_name(bool ship_qc, enum verdict v);

#endif
