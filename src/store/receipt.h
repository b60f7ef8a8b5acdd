/* SPDX-License-Identifier: MIT */
/*
 * What the receipt file (receipt.c) offers the store's files above it
 * (decision.c), private to src/store.
 */
#ifndef RETOUR_STORE_RECEIPT_H
#define RETOUR_STORE_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* The state of receipt @id ("open", "decided", ...) into @state; -ENOENT
 * with a message when there is no such receipt. */
int store_receipt_state(struct store *s, int64_t id, char *state,
			size_t statelen);

#endif
