/* SPDX-License-Identifier: MIT */
/*
 * How long the station keeps each kind of data (issue 12), as pure
 * arithmetic: the periods from [retention], which photos are photos of
 * labels, and when a thing expires.  A period counts from the refund (the
 * shop confirmed it), or from the receipt where there is no refund.
 *
 * Not here: finding what expired (src/store/retention.c) or deleting it
 * (src/daemon/station_retention.c, retourctl retention).
 */
#ifndef RETOUR_RETENTION_H
#define RETOUR_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#define RETENTION_DAY_US (INT64_C(86400) * 1000000)
/* No expiry: a period of 0 days means "keep". */
#define RETENTION_NEVER INT64_MAX

enum retention_kind {
	RETENTION_LABEL_PHOTOS, /* the parcel's and the sealed box's photos */
	RETENTION_OTHER_PHOTOS, /* the item, seal, serial and evidence photos */
	RETENTION_PERSONAL,	/* an expected return's buyer data */
	RETENTION_KIND_COUNT
};

struct retention_policy {
	/* days from the refund (or the receipt); 0 keeps for ever */
	int32_t days[RETENTION_KIND_COUNT];
};

/* The [retention] key of @k ("label_photos_days", ...). */
const char *retention_kind_key(enum retention_kind k);
/* "label_photos", "other_photos", "personal": the names reports use. */
const char *retention_kind_name(enum retention_kind k);

/* Is a photo taken at @step a photo of a shipping label?  The parcel as
 * it arrived ("parcel") and the sealed box going out ("sealed_box") show
 * the label with a name and an address. */
bool retention_step_is_label(const char *step);

/* The kind of a photo taken at @step. */
enum retention_kind retention_photo_kind(const char *step);

/* When something of kind @k counted from @from_us expires, in UTC us;
 * RETENTION_NEVER when its period is 0 (or @from_us is not a time). */
int64_t retention_expires_at(const struct retention_policy *p,
			     enum retention_kind k, int64_t from_us);

/* The newest @from_us that has expired at @now_us (things counted from
 * it or before are due); INT64_MIN when kind @k is kept for ever. */
int64_t retention_cutoff(const struct retention_policy *p,
			 enum retention_kind k, int64_t now_us);

#endif
