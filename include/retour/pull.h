/* SPDX-License-Identifier: MIT */
/*
 * The puller: expected returns pulled from the shops, on each connector's
 * schedule ([connector NAME] pull_every_s), in threads of their own so that
 * neither the desk nor the daemon's loop ever waits for a shop.
 *
 * One thread per pulling connector, with its own connector instance (its
 * own token, made through prepare/prepared as the outbox sender does) and
 * its own HTTP client.  A poll asks the connector for the request after the
 * cursor (connector.h, pull_build), reads the answer (pull_parse) and
 * follows "more" at once, at most max_pages requests per poll.  Each page's
 * returns (a JSON array, each object's "shop" set to the connector's shop)
 * and the cursor after them go to the daemon as one batch: the daemon takes
 * it from its loop (the notify fd), imports it, keeps the cursor and says
 * so (pull_done); only then does the thread go on from the new cursor, so
 * a batch that could not be stored is pulled again, never skipped.
 *
 * A shop that cannot be reached, or answers with an error, is tried again
 * later, the wait doubling from pull_every_s (at most 32 times it, and no
 * more than 15 minutes unless pull_every_s is longer), never earlier than
 * the shop's Retry-After or what the connector reads from the answer
 * (retry_wait).  It is logged once when the outage starts and once when it
 * ends, not at every poll; the station works with what it has meanwhile.
 *
 * Not here: the store (the daemon keeps the cursors and imports the
 * returns), the shops' shapes (the connectors).
 */
#ifndef RETOUR_PULL_H
#define RETOUR_PULL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "retour/connector.h"

#define PULL_MAX_SOURCES 4
#define PULL_CURSOR_LEN 512 /* STORE_PULL_CURSOR_LEN */
#define PULL_NAME_LEN 64
#define PULL_ERROR_LEN 256
#define PULL_MAX_PAGES 20 /* requests one poll makes at most, by default */

struct puller;

/* One connector that pulls. */
struct pull_source_config {
	const char *name; /* its section's name, "shopify": the cursor's key */
	const char *shop; /* every return it pulls is this shop's */
	const char *type; /* the registry's name */
	const struct connector *ops; /* NULL: connector_find(type) */
	const struct connector_setting *settings; /* secrets read already */
	int n_settings;
	int every_s;	      /* > 0 */
	const char *cursor;   /* where the store says to go on from; "" */
	int64_t last_poll_at; /* the store's, 0: never: poll at once */
};

struct pull_config {
	const struct pull_source_config *sources;
	int n_sources;
	int timeout_ms;	     /* one request; 0: 15 s */
	const char *ca_file; /* an extra CA bundle, NULL: none */
	/* where rotated secrets are shared and kept (secret_book.h), NULL */
	struct secret_book *secrets;
	int max_pages; /* 0: PULL_MAX_PAGES */
	/* UTC microseconds: the schedule's clock.  NULL: clock_now_us(). */
	int64_t (*now)(void);
};

/* One page of returns, for the daemon to import. */
struct pull_batch {
	int source; /* index into pull_config.sources */
	char name[PULL_NAME_LEN];
	json_t *returns;	      /* array of objects, the batch's own */
	char cursor[PULL_CURSOR_LEN]; /* to keep once they are imported */
	int64_t polled_at;
};

/* How a source's polls went, for the status. */
struct pull_status {
	char name[PULL_NAME_LEN];
	char shop[PULL_NAME_LEN];
	int every_s;
	int64_t last_poll_at; /* 0: none since the start */
	int64_t last_ok_at;
	int64_t next_poll_at;
	char last_error[PULL_ERROR_LEN]; /* "" when the last poll worked */
	int failures;			 /* polls failed in a row */
	bool polling;	  /* a poll runs, or one was asked for (pull_now) */
	uint64_t polls;	  /* since the start */
	uint64_t batches; /* pages handed to the daemon */
};

/*
 * Make each source's connector (checked with its secrets), an HTTP client
 * and a thread each.  Nothing in @cfg is used after it returns.  0, or
 * -EINVAL (bad configuration, a type that cannot pull), -ENOMEM, -EIO with
 * a sentence in @err (never a secret).
 */
int pull_start(const struct pull_config *cfg, struct puller **out, char *err,
	       size_t errlen);
/* eventfd, readable when a batch waits or a status changed; read 8 bytes
 * to clear it. */
int pull_notify_fd(struct puller *p);
int pull_count(struct puller *p);
/* The next batch waiting: 0 (then pull_done() it, always), or -ENOENT. */
int pull_take(struct puller *p, struct pull_batch *out);
/*
 * The daemon's word on a batch it took: @result 0 when every return was
 * stored (or skipped as invalid) and the cursor kept; else -errno with
 * @error, and the same page is pulled again at the next poll.  Frees the
 * batch's returns.
 */
void pull_done(struct puller *p, struct pull_batch *b, int result,
	       const char *error);
/* 0, or -ENOENT past the last source. */
int pull_status(struct puller *p, int i, struct pull_status *out);
/* Poll source @name (NULL: every source) now.  0, or -ENOENT. */
int pull_now(struct puller *p, const char *name);
/*
 * For tests: wait (at most @timeout_ms of real time) until source @i has
 * nothing to do before its next poll, every pull_now() seen, no batch in
 * the daemon's hands; *@next_at gets that time.  0, or -ETIMEDOUT.
 */
int pull_wait_idle(struct puller *p, int i, int64_t *next_at, int timeout_ms);
/* Stop the threads (a request in flight ends within timeout_ms), free. */
void pull_stop(struct puller *p);

/* The wait after @failures failed polls in a row (>= 1), in microseconds. */
int64_t pull_backoff_us(int every_s, int failures);

#endif
