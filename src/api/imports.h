/* SPDX-License-Identifier: MIT */
/*
 * The queue of bulk imports (POST /api/v1/expected), shared by api.c and
 * imports.c.  The desk comes first: an import is parsed on a thread of its
 * own and written on the loop one expected return at a time, at the loop's
 * idle priority, so a desk request or a device never waits behind more
 * than one return's write.  The queue is bounded: a place is taken when an
 * import's headers arrive and given back when it is answered; an import
 * that finds no place is refused (503) before anything of it is kept.
 */
#ifndef RETOUR_API_IMPORTS_H
#define RETOUR_API_IMPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "retour/config.h"
#include "retour/station.h"

#include "api_internal.h"

/* How long a refused import is told to wait (Retry-After, seconds). */
#define API_IMPORT_RETRY_AFTER_S 1

struct api_imports;

/* What an import answered, handed to whoever queued it: the reply is the
 * callee's to send (and free). */
typedef void (*api_import_done_fn)(void *ctx, struct api_reply *rp);

/* The queue, its parsing thread and its idle-priority writer on @ev. */
int api_imports_new(sd_event *ev, struct station *st, const struct config *cfg,
		    unsigned places, struct api_imports **out);
/* Stop the thread; every import not yet answered is answered 503 (the
 * returns it stored so far stay stored). */
void api_imports_free(struct api_imports *q);

/* A request other than an import came: the desk is busy, imports wait
 * until it is quiet (but never stop). */
void api_imports_desk_spoke(struct api_imports *q);
/* Take a place for an import whose headers arrived: false when the queue
 * is full (answer 503 with Retry-After and keep nothing). */
bool api_imports_reserve(struct api_imports *q);
/* Give back a place taken for a request that never came to be queued. */
void api_imports_release(struct api_imports *q);
/* The refusal of an import that found no place: 503, counted. */
void api_imports_refuse(struct api_imports *q, struct api_reply *rp);

/* Queue the body of a request that holds a place (taken over: @body is
 * freed by the queue).  @done is called once with the answer, on the loop:
 * after every return is stored (200), on bad input (400) or a fault (500,
 * 503).  0, or -ENOMEM (the place is given back; answer 500). */
int api_imports_submit(struct api_imports *q, char *body, size_t len,
		       api_import_done_fn done, void *ctx);
/* A queued import whose requester went away: its answer is dropped (the
 * import itself goes on, as it would after the answer was sent). */
void api_imports_forget(struct api_imports *q, void *ctx);

/* The queue's gauges and counters, in Prometheus text. */
void api_imports_metrics(const struct api_imports *q, char *buf, size_t len);

#endif
