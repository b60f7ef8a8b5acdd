/* SPDX-License-Identifier: MIT */
/*
 * What the outbox file (outbox.c) offers the store's files above it: the
 * pieces of a decision's transaction (decision.c) and the receipt view's
 * rows (receipt_view.c).  Private to src/store.
 */
#ifndef RETOUR_STORE_OUTBOX_TX_H
#define RETOUR_STORE_OUTBOX_TX_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"

/* Insert outbox row @o of receipt @receipt_id (0: of no receipt, a
 * device's event) inside the caller's write. */
int store_outbox_insert_tx(struct store *s, int64_t receipt_id,
			   const struct outbox_new *o, int64_t now);
/* -EALREADY when some outbox row of the receipt was claimed by the sender,
 * is no longer pending, or is past its grace period at @now (read by the
 * caller after the write lock was taken); otherwise cancels all of its
 * pending rows, counted in @n_cancelled. */
int store_outbox_cancel_receipt_tx(struct store *s, int64_t receipt_id,
				   int64_t now, int *n_cancelled);
/* Append the receipt's outbox rows, as the API shows them, to @arr. */
int store_outbox_json_for_receipt(struct store *s, int64_t receipt_id,
				  json_t *arr);

#endif
