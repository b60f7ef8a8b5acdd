/* SPDX-License-Identifier: MIT */
/*
 * What the station tells the shop: the refund.requested, return.decided,
 * shipment.qc_passed and shipment.qc_failed events (docs/API.md), and the
 * proposal's JSON form that the decision events carry and the receipt keeps.
 *
 * The record holds the facts once: the receipt (the decision and the
 * proposal), its expected return and the outbox row.  An event body is a
 * rendering of those facts, made when the row is delivered, so the database
 * keeps no second copy of the decision.  Rendering is deterministic (compact
 * JSON, keys sorted): the same facts give the same bytes, so every retry of
 * a row sends, and signs, exactly what the first attempt did.
 *
 * Nothing here reads the database, the network or the clock: the store
 * gathers the facts (store_outbox_next_due) and the outbox sender renders.
 */
#ifndef RETOUR_EVENT_H
#define RETOUR_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The event names (EVENT_*) are chosen with the decision, in the core. */
#include "retour/decision.h"
#include "retour/returns.h"
#include "retour/rules.h"
#include "retour/event_facts.h"

/*
 * A device of the desk failed or went away (device.fault), or works again
 * (device.ok).  Not a decision's: the body is rendered once, when the row
 * is queued, from these facts (there is no record to render it from
 * later).  Sent only where a connector asks for device events ([outbox]
 * devices = NAME).
 */
#define EVENT_DEVICE_FAULT "device.fault"
#define EVENT_DEVICE_OK "device.ok"

struct event_device_facts {
	const char *type;    /* EVENT_DEVICE_* */
	const char *id;	     /* the row's idempotency key */
	const char *shop;    /* [shop] name */
	const char *station; /* the desk */
	const char *device;  /* "scanner", "scale", "printer", "camera", ... */
	const char *state;   /* "missing", "fault", "connected" */
	const char *reason;  /* what the device or its driver said, "" */
	int64_t at;	     /* UTC us */
	int64_t receipt;     /* the parcel open at the desk, 0: none */
	const char *step;    /* the desk's step then ("weigh"), NULL: none */
};

/* Render @f into @body (malloc'd compact JSON, sorted keys): 0, -EINVAL
 * with @err (unknown type, text that is not UTF-8), -ENOMEM. */
int event_device_render(const struct event_device_facts *f, char **body,
			char *err, size_t errlen);

/*
 * What happened to a parcel before its decision, and what became of a
 * refund: facts, not decisions, so they wait for no grace period and an
 * undo does not retract them.  Like device events, their bodies are
 * rendered once, when the row is queued, from these facts.
 *
 *   return.received   a parcel opened at the desk
 *   return.cancelled  that parcel abandoned at the desk before a decision
 *                     (after return.received: its receiver hears the end)
 *   return.inspected  its inspection finished, queued with its decision
 *   refund.succeeded  a refund row done: the shop's refund id
 *   refund.failed     a refund row dead: the shop's message
 */
#define EVENT_RETURN_RECEIVED "return.received"
#define EVENT_RETURN_CANCELLED "return.cancelled"
#define EVENT_RETURN_INSPECTED "return.inspected"
#define EVENT_REFUND_SUCCEEDED "refund.succeeded"
#define EVENT_REFUND_FAILED "refund.failed"

/* A photo as an event names it: where a shop system finds it. */
struct event_photo {
	int64_t id;
	const char *sha256;
	const char *object_key; /* NULL: not uploaded anywhere */
};

struct event_parcel_facts {
	const char *type;    /* EVENT_RETURN_RECEIVED, _CANCELLED or
				_INSPECTED */
	const char *id;	     /* the row's idempotency key */
	int64_t receipt;     /* receipt id */
	const char *shop;    /* the expected return's shop, else [shop] */
	const char *station; /* the desk */
	const char *code;    /* the parcel's code as scanned */
	const struct expected_return *expected; /* NULL: unexpected */
	const char *clerk;
	int64_t at; /* UTC us: opened, or inspection finished */
	/* return.inspected: what the desk found (NULL for received) */
	const struct inspection *found;
	int photos; /* photos on record */
	/* return.inspected: each photo on record (its id, SHA-256 and, with
	 * [photo upload], its object key in the bucket), in "photo_list" */
	const struct event_photo *photo_list;
	int n_photo_list;
};

int event_parcel_render(const struct event_parcel_facts *f, char **body,
			char *err, size_t errlen);

struct event_refund_outcome {
	const char *type;	/* EVENT_REFUND_SUCCEEDED or _FAILED */
	const char *id;		/* this row's idempotency key */
	const char *refund_id;	/* the refund.requested row's key */
	const char *refund_key; /* the refund's key in the shop's terms */
	const struct event_facts *refund; /* its facts, NULL: none left */
	int64_t receipt;
	const char *shop_refund_id; /* succeeded: the shop's id, "" none */
	const char *message;	    /* failed: why (the shop's message) */
	int attempts;
	int64_t at; /* UTC us: when the outcome was recorded */
};

int event_refund_outcome_render(const struct event_refund_outcome *o,
				char **body, char *err, size_t errlen);

/*
 * The proposal with every reason, as the desk screen shows it and as the
 * receipt records it (proposal_json is this, dumped compact with sorted
 * keys).  NULL when out of memory or a text is not UTF-8: never a proposal
 * with a part missing.
 */
json_t *event_proposal_to_json(const struct proposal *p);

/*
 * Render the body of event @f->type into @body (malloc'd, NUL-terminated
 * JSON text; free() it).  0; -EINVAL when the facts cannot make that event
 * (unknown type, a proposal that is not a JSON object), with @err saying
 * why; -ENOMEM.
 */
int event_render(const struct event_facts *f, char **body, char *err,
		 size_t errlen);

#endif
