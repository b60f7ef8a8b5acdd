/* SPDX-License-Identifier: MIT */
/*
 * Retention periods as arithmetic (retention.h): which kind a photo is,
 * and when a period that starts at a refund or a receipt runs out.  No
 * clock and no store: the caller passes "now".
 */
#include <stddef.h>
#include <string.h>

#include "retour/retention.h"

static const char *const retention_keys[RETENTION_KIND_COUNT] = {
    "label_photos_days", "other_photos_days", "personal_days",
    "receipts_days",	 "shipments_days",    "decisions_days",
    "answers_days",	 "labels_days",	      "outbox_days",
};

static const char *const retention_names[RETENTION_KIND_COUNT] = {
    "label_photos", "other_photos", "personal", "receipts", "shipments",
    "decisions",    "answers",	    "labels",	"outbox",
};

static const char *const retention_holds[] = {
    [RETENTION_HOLD_NONE] = "",
    [RETENTION_HOLD_OPEN] = "open",
    [RETENTION_HOLD_ON_HOLD] = "on_hold",
    [RETENTION_HOLD_REFUND] = "refund_unconfirmed",
    [RETENTION_HOLD_OUTBOX] = "outbox_unfinished",
    [RETENTION_HOLD_COMPLAINT] = "complaint_deadline_ahead",
    [RETENTION_HOLD_UNKNOWN] = "closed_at_unknown",
};

const char *retention_kind_key(enum retention_kind k)
{
	return (unsigned)k < RETENTION_KIND_COUNT ? retention_keys[k] : "?";
}

const char *retention_kind_name(enum retention_kind k)
{
	return (unsigned)k < RETENTION_KIND_COUNT ? retention_names[k]
						  : "unknown";
}

bool retention_step_is_label(const char *step)
{
	return step && (!strcmp(step, "parcel") || !strcmp(step, "sealed_box"));
}

enum retention_kind retention_photo_kind(const char *step)
{
	return retention_step_is_label(step) ? RETENTION_LABEL_PHOTOS
					     : RETENTION_OTHER_PHOTOS;
}

int64_t retention_expires_at(const struct retention_policy *p,
			     enum retention_kind k, int64_t from_us)
{
	int64_t span;

	if (!p || (unsigned)k >= RETENTION_KIND_COUNT || p->days[k] <= 0 ||
	    from_us < 0)
		return RETENTION_NEVER;
	span = (int64_t)p->days[k] * RETENTION_DAY_US;
	if (from_us > RETENTION_NEVER - span)
		return RETENTION_NEVER;
	return from_us + span;
}

int64_t retention_cutoff(const struct retention_policy *p,
			 enum retention_kind k, int64_t now_us)
{
	int64_t span;

	if (!p || (unsigned)k >= RETENTION_KIND_COUNT || p->days[k] <= 0)
		return INT64_MIN;
	span = (int64_t)p->days[k] * RETENTION_DAY_US;
	if (now_us < INT64_MIN + span)
		return INT64_MIN;
	return now_us - span;
}

bool retention_kind_is_record(enum retention_kind k)
{
	return k >= RETENTION_RECEIPTS && k < RETENTION_KIND_COUNT;
}

const char *retention_hold_name(enum retention_hold h)
{
	return (unsigned)h < sizeof(retention_holds) / sizeof(*retention_holds)
		   ? retention_holds[h]
		   : "unknown";
}

enum retention_hold retention_record_since(const struct retention_record *r,
					   int64_t now_us, int64_t *since_us)
{
	int64_t since;

	*since_us = 0;
	/* the order says the first thing a clerk would have to finish */
	if (r->open)
		return RETENTION_HOLD_OPEN;
	if (r->on_hold)
		return RETENTION_HOLD_ON_HOLD;
	if (r->refunds_unconfirmed > 0)
		return RETENTION_HOLD_REFUND;
	if (r->outbox_unfinished > 0)
		return RETENTION_HOLD_OUTBOX;
	/* the buyer may still answer, or the shop must: the record is the
	 * station's proof until the deadline has passed */
	if (r->complaint_due_us > 0 && r->complaint_due_us > now_us)
		return RETENTION_HOLD_COMPLAINT;
	if (r->closed_us <= 0)
		return RETENTION_HOLD_UNKNOWN;
	since = r->closed_us;
	if (r->refund_confirmed_us > since)
		since = r->refund_confirmed_us;
	if (r->complaint_due_us > since)
		since = r->complaint_due_us;
	*since_us = since;
	return RETENTION_HOLD_NONE;
}

enum retention_kind retention_record_kind(const struct retention_record *r)
{
	return r->ship_qc ? RETENTION_SHIPMENTS : RETENTION_RECEIPTS;
}
