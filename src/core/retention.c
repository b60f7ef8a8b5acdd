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
    "label_photos_days",
    "other_photos_days",
    "personal_days",
};

static const char *const retention_names[RETENTION_KIND_COUNT] = {
    "label_photos",
    "other_photos",
    "personal",
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
