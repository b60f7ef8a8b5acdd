/* SPDX-License-Identifier: MIT */
/*
 * The facts a decision's event is made from: what the store reads for an
 * outbox row (store_outbox_next_due(), store.h) and event_render() (event.h)
 * turns into the body that is sent.  Types only, so the store, which
 * holds the facts, need not know how an event is written.
 */
#ifndef RETOUR_EVENT_FACTS_H
#define RETOUR_EVENT_FACTS_H

#include <stdbool.h>
#include <stdint.h>

struct expected_return; /* returns.h */

/* The facts one event is rendered from.  Text may be NULL (sent as ""). */
struct event_facts {
	const char *type;    /* the outbox row's action, EVENT_* */
	const char *id;	     /* the row's idempotency key */
	int64_t receipt;     /* receipt id */
	const char *shop;    /* [shop] name the decision was made for */
	const char *station; /* the receipt's desk */
	const char *code;    /* the parcel's code as scanned */
	/* the expected return (rma, order, the shop's order, payment and
	 * line ids, sku and gtin by item position); NULL for an unexpected
	 * return */
	const struct expected_return *expected;
	const char *verdict; /* accept ... qc_failed, as recorded */
	int64_t refund_minor;
	const char *currency;
	bool overridden;
	const char *override_reason; /* sent only when overridden */
	const char *decided_by;
	int64_t decided_at;	   /* UTC us */
	const char *proposal_json; /* the receipt's proposal_json */
	/* the supervisor who authorised overriding a refusal, NULL: none */
	const char *override_by;
};

#endif /* RETOUR_EVENT_FACTS_H */
