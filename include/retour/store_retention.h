/* SPDX-License-Identifier: MIT */
/*
 * What the store keeps and for how long: the photos and the
 * expected returns' personal data whose retention period (retention.h)
 * ran out, found, purged and audited; and the sizes the disk gauge needs.
 *
 * A purged photo keeps its row (receipt, hash, step, time, bytes) with
 * photo.purged_at set, so a dispute pack can say what was there and when
 * it went; its file is removed once no row that is kept names the same
 * content.  An expected return's personal data purged: its lookup codes
 * (tracking numbers) are deleted and expected.personal_purged_at is set.
 * A receipt or shipment purged whole (or a part of it: its decision's
 * reasons, answers, labels, outbox bodies) leaves a tombstone: the
 * receipt's row with purged_at and only the columns that keep a rescan
 * from refunding again, and a receipt_purge row per part saying when; the
 * details of its audit entries are dropped, their hashes kept (store.c).
 * Each purge is one durable transaction with one audit entry,
 * "retention.purged", listing what went by id (no personal data).
 */
#ifndef RETOUR_STORE_RETENTION_H
#define RETOUR_STORE_RETENTION_H

#include <stdint.h>

#include "retour/retention.h"
#include "retour/store.h"

/* One thing with a finite retention period, not purged yet. */
struct store_retention_item {
	enum retention_kind kind;
	int64_t id; /* photo id, expected return id, or receipt id (records) */
	int64_t receipt_id; /* 0 for an expected return never received */
	char sha256[65];    /* a photo's; "" for personal data */
	char step[32];	    /* a photo's step; "" for personal data */
	int64_t bytes;	    /* a photo's size */
	int64_t since_us;   /* the refund, else the receipt (else the import) */
	int64_t expires_us;
};

typedef int (*store_retention_fn)(void *arg,
				  const struct store_retention_item *it);

/*
 * Every unpurged photo, expected return and record (or record's part)
 * whose kind has a period, with when it expires, in no particular order;
 * @fn's non-zero answer stops the walk and is returned.  A receipt whose
 * refund is still pending is left out (its period has not started); so is
 * a record not finished as of @now (retention_record_since()).
 */
int store_retention_walk(struct store *s, const struct retention_policy *p,
			 int64_t now, store_retention_fn fn, void *arg);

struct store_retention_result {
	int n[RETENTION_KIND_COUNT]; /* purged, by kind */
	int audit_redacted;	     /* entries whose detail was dropped */
	int audit_kept_legacy;	     /* a purged record's entries from before
					schema 10: their details stay */
	int64_t photo_bytes;	     /* of the photos purged */
	int bucket_deletes; /* uploaded contents queued for deletion from the
			       bucket ([photo upload]) */
	int files_removed;  /* photo files unlinked */
	int files_gone;	    /* already missing */
	int files_failed;   /* could not be removed (logged by caller) */
};

/*
 * Purge what expired at @now (from @p), audited as "retention.purged" by
 * @actor, then remove the files no kept row names.  0 (also when nothing
 * was due: no entry then), or -errno.  @res counts what went.
 */
int store_retention_purge(struct store *s, const struct retention_policy *p,
			  int64_t now, const char *actor,
			  struct store_retention_result *res);

/* Was receipt @receipt_id purged whole?  1 (and when, into @purged_at),
 * 0 not, -ENOENT no such receipt. */
int store_receipt_purged(struct store *s, int64_t receipt_id,
			 int64_t *purged_at);

/* The sizes behind the disk gauge: bytes of the photos kept (each content
 * once), bytes of photos taken since @since_us, receipts since then and in
 * all. */
struct store_disk_usage {
	int64_t photo_bytes;
	int64_t photo_bytes_since;
	int64_t receipts_since;
	int64_t receipts_total;
};
int store_disk_usage(struct store *s, int64_t since_us,
		     struct store_disk_usage *out);

#endif
