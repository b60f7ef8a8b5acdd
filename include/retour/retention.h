/* SPDX-License-Identifier: MIT */
/*
 * How long the station keeps each kind of data, as pure
 * arithmetic: the periods from [retention], which photos are photos of
 * labels, and when a thing expires.  A photo's period counts from the
 * refund (the shop confirmed it), or from the receipt where there is no
 * refund.  A whole record's (a receipt, a shipment, or a part of one: its
 * decision's reasons, checklist answers, labels, delivered outbox rows)
 * counts from when the record was closed, and never starts while anything
 * of it is unfinished (retention_record_since()).
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
	RETENTION_RECEIPTS,  /* a return's whole record (a tombstone stays) */
	RETENTION_SHIPMENTS, /* a ship-QC check's whole record */
	RETENTION_DECISIONS, /* a decision's reasons (proposal, override) */
	RETENTION_ANSWERS,   /* a record's checklist answers */
	RETENTION_LABELS,    /* a record's labels (their ZPL) */
	RETENTION_OUTBOX,    /* a record's delivered outbox rows' bodies */
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

/* Is @k a kind of whole records or of their parts (counted from the
 * record's close, retention_record_since())? */
bool retention_kind_is_record(enum retention_kind k);

/* Why a record's period has not started: it is not finished. */
enum retention_hold {
	RETENTION_HOLD_NONE,	  /* finished: the period runs */
	RETENTION_HOLD_OPEN,	  /* the receipt is still open */
	RETENTION_HOLD_ON_HOLD,	  /* decided "hold": waits for a decision */
	RETENTION_HOLD_REFUND,	  /* a refund the shop has not confirmed */
	RETENTION_HOLD_OUTBOX,	  /* a row pending, retrying or dead */
	RETENTION_HOLD_COMPLAINT, /* the complaint's answer deadline is ahead */
	RETENTION_HOLD_UNKNOWN,	  /* closed at no known time */
};

/* What a receipt's row and its outbox rows say about being finished. */
struct retention_record {
	bool ship_qc;		     /* a shipment's QC, not a return */
	bool open;		     /* state open: not decided yet */
	bool on_hold;		     /* verdict "hold" */
	int64_t closed_us;	     /* decided, cancelled or undone; 0 none */
	int refunds_unconfirmed;     /* refund rows pending or dead */
	int64_t refund_confirmed_us; /* the newest refund done; 0 none */
	int outbox_unfinished;	     /* any row pending or dead */
	int64_t complaint_due_us;    /* a complaint's answer deadline; 0 */
};

/* "open", "on_hold", ...: the names reports use ("" for NONE). */
const char *retention_hold_name(enum retention_hold h);

/*
 * When record @r's periods start, at @now_us: its close, or the refund
 * the shop confirmed when that came later.  RETENTION_HOLD_NONE and
 * *@since_us, or the reason it is kept whatever the periods say.
 */
enum retention_hold retention_record_since(const struct retention_record *r,
					   int64_t now_us, int64_t *since_us);

/* The kind of record @r's whole record: receipts or shipments. */
enum retention_kind retention_record_kind(const struct retention_record *r);

/* The newest @from_us that has expired at @now_us (things counted from
 * it or before are due); INT64_MIN when kind @k is kept for ever. */
int64_t retention_cutoff(const struct retention_policy *p,
			 enum retention_kind k, int64_t now_us);

#endif
