/* SPDX-License-Identifier: MIT */
/*
 * What the outbox sender's two files share: the sender itself, its thread's
 * waits (outbox_sender.c) and one row's delivery (outbox_deliver.c).
 * Private to src/net.
 */
#ifndef RETOUR_NET_OUTBOX_INTERNAL_H
#define RETOUR_NET_OUTBOX_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "retour/http.h"
#include "retour/outbox.h"
#include "retour/returns.h"
#include "retour/store.h"

#include "outbox_routes.h"

/* Rows the clerk's handle adds without a kick are still seen this soon. */
#define OUTBOX_IDLE_POLL_US USEC_PER_SEC
#define OUTBOX_ERR_LEN 256

struct outbox_sender {
	/* Set once in start, read-only in the thread (the connectors'
	 * states are the thread's alone). */
	char *db_path;
	struct outbox_routes routes;
	int64_t (*now)(void);
	int timeout_ms;
	int backoff_base_ms;
	int backoff_max_ms;
	int64_t dead_after_us;
	bool refund_outcomes;
	struct secret_book *secrets; /* the station's, may be NULL */
	struct store *store;
	struct http_client *http;
	int notify_fd;
	pthread_t thread;

	pthread_mutex_t lock;
	pthread_cond_t cond;	  /* CLOCK_MONOTONIC: kicks and stop */
	pthread_cond_t idle_cond; /* CLOCK_MONOTONIC: the thread went idle */
	uint64_t kicks;		  /* kicks so far */
	bool kicked;
	bool stopping;
	bool idle;
	uint64_t idle_kicks; /* the kicks seen before going idle */
	int64_t idle_until;
	struct outbox_stats stats;
	/* Rows put back for a retry since the last one done (the thread's
	 * own): a row done after failures means the shop is back. */
	int failed_since_done;
	/* The end of the latest wait a shop asked for (Retry-After, a
	 * connector's throttle wait): no row is put back before it. */
	int64_t hold_until;
	/* State changes not yet told through notify_fd, and when it was last
	 * written (monotonic us): a fast drain tells the daemon at most
	 * every OUTBOX_NOTIFY_US, and at the end of each batch. */
	bool notify_pending;
	int64_t notified_at;
};

/* Sleep @delay_us (at most the idle poll), or until a kick or stop. */
void outbox_wait(struct outbox_sender *s, int64_t delay_us);
/* The CLOCK_MONOTONIC time @delay_us from now, for a timed wait. */
struct timespec outbox_deadline(int64_t delay_us);
/*
 * Make the body of a decision's row from the facts the store read with it.
 * Facts that cannot make it (a proposal that is not JSON) leave the row
 * without a body and say why in row->problem: it is never sent.  0, or
 * -ENOMEM.
 */
int outbox_render(struct outbox_row *row);
/* Deliver one due row and record its outcome (done, retry, dead). */
void outbox_deliver(struct outbox_sender *s, struct outbox_row *row);
/* The connector @row goes to (by its action and its shop), NULL: none. */
struct connector_instance *outbox_row_route(struct outbox_sender *s,
					    const struct outbox_row *row);
/* Tell the daemon (notify_fd) of state changes not told yet. */
#define OUTBOX_NOTIFY_US 50000
void outbox_notify_flush(struct outbox_sender *s);

#endif
