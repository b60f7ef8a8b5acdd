/* SPDX-License-Identifier: MIT */
/*
 * Shared by the rules engine's files (rules_propose.c and the other rules_*.c)
 * and nothing else: the state of one rules_propose() call and the steps it is
 * made of. Every function here works on a struct rules_run on the caller's
 * stack.
 */
#ifndef RETOUR_RULES_RUN_H
#define RETOUR_RULES_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "retour/returns.h"
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
	bool posting_date_unknown; /* late parcel, no statement date */
	bool deemed_accepted;	   /* complaint not answered in time */
};

/* rules_reason.c: the sentences and which of them are kept */
/* @text_code names the sentence @fmt for the screen (retour/said.h). */
__attribute__((format(printf, 5, 6))) void
rules_note(struct rules_run *run, enum reason_code code, int item,
	   const char *text_code, const char *fmt, ...);
bool rules_has_note(const struct rules_run *run, enum reason_code code);
/* Keep the most important reasons, in the order they were found. */
void rules_notes_publish(struct rules_run *run);
/* The shop's text, safe to quote in a sentence. */
const char *rules_clean(const char *src, size_t src_size, char *buf,
			size_t size);
/* The item's SKU for a sentence, or its line number when it has none. */
const char *rules_sku(const struct return_item *it, int index,
		      char buf[RULES_SKU_LEN]);
const char *rules_money(const struct rules_run *run, int64_t minor,
			char buf[RULES_MONEY_LEN]);
const char *rules_local_date(const struct rules_run *run, int64_t us,
			     char buf[RULES_DATE_LEN]);

/* rules_input.c: everything the judging relies on; false leaves a reason */
bool rules_input_check(struct rules_run *run);

/* rules_refund.c: one line's outcome */
enum grade rules_effective_grade(const struct found_item *fi, bool complaint);
enum disposition rules_disposition(enum grade grade, bool defective);
void rules_refuse(struct rules_run *run, bool needs_photo);
void rules_note_extra_units(struct rules_run *run, int i, const char *sku);
int32_t rules_accept_units(struct rules_run *run, int i, const char *sku);

/* Units of line @i still to take back: expected minus already refunded. */
int32_t rules_units_open(const struct rules_run *run, int i);

/* rules_delivery.c: the delivery refund, once per order */
void rules_judge_delivery(struct rules_run *run);

/* rules_withdrawal.c */
void rules_withdrawal_item(struct rules_run *run, int i);
void rules_judge_window(struct rules_run *run);

/* rules_complaint.c */
void rules_complaint_item(struct rules_run *run, int i);
void rules_judge_warranty(struct rules_run *run);

#endif
