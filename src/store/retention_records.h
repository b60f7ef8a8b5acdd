/* SPDX-License-Identifier: MIT */
/*
 * Retention of whole records and their parts (retention_records.c),
 * private to src/store: the walk and the purge of one record that
 * store_retention_walk() and store_retention_purge() (retention.c) call,
 * and the tombstone the views answer by.
 */
#ifndef RETOUR_STORE_RETENTION_RECORDS_H
#define RETOUR_STORE_RETENTION_RECORDS_H

#include <stdint.h>

#include "retour/store_retention.h"

#include "db.h"

/* Each finished receipt's items of the record kinds with a period, as of
 * @now (a complaint's deadline counts); unfinished records are left out. */
int store_retention_walk_records(struct store *s,
				 const struct retention_policy *p, int64_t now,
				 store_retention_fn fn, void *arg);

/* What the purge's audit entry says of the details it dropped. */
struct retention_record_purge {
	json_t *audit_redacted; /* the entries' ids */
	int audit_kept_legacy;	/* entries from before schema 10 */
};

/* Purge kind @k of receipt @receipt_id, inside the purge's transaction:
 * 1 done, 0 nothing left to do (the record went whole already), -errno. */
int store_retention_purge_record(struct store *s, enum retention_kind k,
				 int64_t receipt_id, int64_t now,
				 struct retention_record_purge *out);

/* The store's error for a purged receipt: -EIDRM, with a sentence saying
 * when it was purged (store_errmsg()). */
int store_receipt_purged_fail(struct store *s, int64_t receipt_id,
			      int64_t purged_at);

#endif
