/* SPDX-License-Identifier: MIT */
/*
 * Reading a decision's event facts for an outbox row (outbox_facts.c),
 * private to src/store: used by store_outbox_next_due() alone.
 */
#ifndef RETOUR_STORE_OUTBOX_FACTS_H
#define RETOUR_STORE_OUTBOX_FACTS_H

#include "db.h"

/*
 * Gather the facts @row's body is rendered from (its receipt and expected
 * return) into row->facts, owned by the row, or say in row->problem why
 * the record cannot make it.  Runs inside the caller's read transaction.
 * 0 (facts or problem set), or -errno for a store failure.
 */
int store_outbox_gather_facts(struct store *s, struct outbox_row *row);

#endif
