/* SPDX-License-Identifier: MIT */
/*
 * The outbox sender thread: take the oldest due row and deliver it
 * (outbox_deliver.c), or wait until the next is due, a kick or a stop.
 *
 * It owns a store handle and a curl handle of its own and shares nothing
 * with the daemon's loop but a mutex-protected kick flag, the counters and
 * an eventfd it writes after each state change.  One request at a time, in
 * order: a shop's rate limit is respected by construction, and a
 * connector's state (a token) is only ever touched by this thread.
 *
 * Due rows are taken in batches: read, rendered and claimed together in
 * one durable transaction (one fsync for the batch instead of one per
 * row), then delivered one by one, each claimed before it is sent as
 * before.  A batch starts at one row and doubles, up to OUTBOX_BATCH_MAX,
 * while rows take less than OUTBOX_BATCH_FAST_US each; a slower row puts
 * it back to one, so a slow or failing shop sees today's one-at-a-time
 * sender and an undo is refused only for rows about to go out.  A claimed
 * row not sent (the daemon stopped mid-batch) is due again after its
 * claim's backoff, like a row whose outcome was lost.
 *
 * A decision's row comes with the facts of its event (the store keeps
 * them once, in the receipt); its body is rendered with event_render(), the
 * same bytes on every attempt.
 *
 * "Now" is the configured clock (outbox_config.now), read once per step;
 * only the waits between steps are in real time.
 *
 * Not here: choosing what goes into the outbox (the store does that in the
 * decision's transaction), parallel delivery, alarms (the daemon reads the
 * dead count).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "retour/clock.h"
#include "retour/log.h"

#include "outbox_internal.h"

#define OUTBOX_TIMEOUT_MS 15000
#define OUTBOX_BACKOFF_BASE_MS 1000
#define OUTBOX_BACKOFF_MAX_MS (10 * 60 * 1000)
#define OUTBOX_DEAD_AFTER_US (24 * 3600 * USEC_PER_SEC)
/* Rows claimed in one transaction at most, and the time per row under
 * which a batch may double (a shop that answers at once). */
#define OUTBOX_BATCH_MAX 32
#define OUTBOX_BATCH_FAST_US 20000

static bool outbox_stopping(struct outbox_sender *s)
{
	bool stop;

	pthread_mutex_lock(&s->lock);
	stop = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

/* Nothing due before @until (INT64_MAX: nothing pending), every kick
 * before @kicks seen: tell a waiting test, then sleep. */
static void outbox_idle(struct outbox_sender *s, uint64_t kicks, int64_t until)
{
	pthread_mutex_lock(&s->lock);
	s->idle = true;
	s->idle_kicks = kicks;
	s->idle_until = until;
	pthread_cond_broadcast(&s->idle_cond);
	pthread_mutex_unlock(&s->lock);
	outbox_wait(s, until == INT64_MAX ? OUTBOX_IDLE_POLL_US
					  : until - s->now());
	pthread_mutex_lock(&s->lock);
	s->idle = false;
	pthread_mutex_unlock(&s->lock);
}

/*
 * A row claimed with its batch: one whose first attempt is a plain send.
 * A row attempted before is looked up at the shop first where its
 * connector can, and so is a refund's first attempt for a shop without
 * idempotency keys (reconcile_first): the lookup is no attempt, so those
 * rows claim themselves after it (outbox_deliver), one by one.
 */
static bool outbox_batch_claims(struct outbox_sender *s,
				const struct outbox_row *row)
{
	const struct connector_instance *ci = outbox_row_route(s, row);

	if (!ci || !row->payload || row->attempts > 0)
		return false;
	return !(ci->ops->reconcile_build && ci->ops->reconcile_first);
}

/*
 * Read up to @max due rows, oldest first, render them, and claim in one
 * durable transaction those that outbox_batch_claims() takes.  Returns
 * how many rows are in @rows (each to be released; @go[i] false: skip it,
 * it changed meanwhile), or -errno with nothing read.
 */
static int outbox_take_batch(struct outbox_sender *s, struct outbox_row *rows,
			     bool *go, int max)
{
	struct outbox_row *ptr[OUTBOX_BATCH_MAX];
	int64_t retry_at[OUTBOX_BATCH_MAX];
	bool claimed[OUTBOX_BATCH_MAX];
	int64_t ids[OUTBOX_BATCH_MAX];
	int64_t now = s->now();
	int n = 0, m = 0, r, i, k;

	r = store_outbox_due_ids(s->store, now, ids, max);
	if (r <= 0)
		return r == 0 ? -ENOENT : r;
	k = r;
	for (i = 0; i < k; i++) {
		memset(&rows[n], 0, sizeof(rows[n]));
		r = store_outbox_due_row(s->store, now, ids[i], &rows[n]);
		if (r == 0)
			r = outbox_render(&rows[n]);
		if (r == -ENOENT) {
			store_outbox_row_release(&rows[n]);
			continue; /* finished or undone meanwhile */
		}
		if (r < 0) {
			store_outbox_row_release(&rows[n]);
			break;
		}
		go[n] = true;
		if (outbox_batch_claims(s, &rows[n])) {
			/* Until its outcome is recorded a claimed row is
			 * due again only after the full (unjittered)
			 * backoff of a failed attempt. */
			retry_at[m] =
			    now + outbox_backoff_us(
				      rows[n].attempts, s->backoff_base_ms,
				      s->backoff_max_ms, UINT32_MAX);
			ptr[m++] = &rows[n];
		}
		n++;
	}
	if (n == 0)
		return r < 0 ? r : -ENOENT;
	if (m == 0)
		return n;
	r = store_outbox_claim_many(s->store, ptr, m, now, retry_at, claimed);
	if (r < 0 && r != -EBUSY) {
		log_error("outbox: cannot claim %d rows: %s", m,
			  store_errmsg(s->store));
		outbox_wait(s, OUTBOX_IDLE_POLL_US);
	}
	for (i = 0; i < m; i++) {
		ptr[i]->claimed = r == 0 && claimed[i];
		go[ptr[i] - rows] = ptr[i]->claimed;
	}
	return n;
}

static void *outbox_thread(void *arg)
{
	struct outbox_sender *s = arg;
	struct outbox_row *rows;
	bool go[OUTBOX_BATCH_MAX];
	uint64_t kicks;
	int64_t when, t0, per_row;
	int batch = 1, n, i, r;

	rows = calloc(OUTBOX_BATCH_MAX, sizeof(*rows));
	if (!rows) {
		log_error("outbox: out of memory; nothing is sent");
		return NULL;
	}
	while (!outbox_stopping(s)) {
		pthread_mutex_lock(&s->lock);
		kicks = s->kicks;
		pthread_mutex_unlock(&s->lock);
		t0 = clock_mono_us();
		n = outbox_take_batch(s, rows, go, batch);
		if (n > 0) {
			for (i = 0; i < n; i++) {
				/* Claimed rows left behind at a stop are
				 * due again after their claim's backoff. */
				if (go[i] && !outbox_stopping(s))
					outbox_deliver(s, &rows[i]);
				store_outbox_row_release(&rows[i]);
			}
			outbox_notify_flush(s);
			/* Batches grow while rows go fast and fall back to
			 * one at a time as soon as they do not: a slow shop
			 * never has many rows claimed and waiting. */
			per_row = (clock_mono_us() - t0) / n;
			if (n == batch && per_row < OUTBOX_BATCH_FAST_US)
				batch = batch * 2 > OUTBOX_BATCH_MAX
					    ? OUTBOX_BATCH_MAX
					    : batch * 2;
			else if (per_row >= OUTBOX_BATCH_FAST_US)
				batch = 1;
			continue;
		}
		batch = 1;
		r = n;
		if (r == -ENOMEM) {
			log_error_errno(r, "outbox: cannot render a row");
			outbox_wait(s, OUTBOX_IDLE_POLL_US);
			continue;
		}
		if (r != -ENOENT) {
			log_error("outbox: cannot read the outbox: %s",
				  store_errmsg(s->store));
			outbox_wait(s, OUTBOX_IDLE_POLL_US);
			continue;
		}
		r = store_outbox_next_time(s->store, &when);
		if (r == -ENOENT)
			when = INT64_MAX;
		else if (r < 0)
			when = s->now() + OUTBOX_IDLE_POLL_US;
		outbox_idle(s, kicks, when);
	}
	free(rows);
	return NULL;
}

/* ---- public ---- */

static void outbox_sender_free(struct outbox_sender *s)
{
	if (!s)
		return;
	if (s->store)
		store_close(s->store);
	http_client_free(s->http);
	if (s->notify_fd >= 0)
		close(s->notify_fd);
	outbox_routes_free(&s->routes);
	free(s->db_path);
	pthread_cond_destroy(&s->idle_cond);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int outbox_sender_start(const struct outbox_config *cfg,
			struct outbox_sender **out, char *err, size_t errlen)
{
	struct outbox_sender *s;
	struct http_options hopt;
	pthread_condattr_t cattr;
	char serr[OUTBOX_ERR_LEN] = "";
	int r;

	if (!cfg || !out || !cfg->db_path) {
		snprintf(err, errlen, "outbox: no database path");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "outbox: out of memory");
		return -ENOMEM;
	}
	s->notify_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &cattr);
	pthread_cond_init(&s->idle_cond, &cattr);
	pthread_condattr_destroy(&cattr);

	r = outbox_routes_make(&s->routes, cfg, err, errlen);
	if (r < 0)
		goto fail;
	s->db_path = strdup(cfg->db_path);
	if (!s->db_path) {
		snprintf(err, errlen, "outbox: out of memory");
		r = -ENOMEM;
		goto fail;
	}
	s->now = cfg->now ? cfg->now : clock_now_us;
	s->timeout_ms =
	    cfg->timeout_ms > 0 ? cfg->timeout_ms : OUTBOX_TIMEOUT_MS;
	s->backoff_base_ms = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms
						      : OUTBOX_BACKOFF_BASE_MS;
	s->backoff_max_ms = cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms
						    : OUTBOX_BACKOFF_MAX_MS;
	s->dead_after_us =
	    cfg->dead_after_us > 0 ? cfg->dead_after_us : OUTBOX_DEAD_AFTER_US;
	s->refund_outcomes = cfg->refund_outcomes;
	s->secrets = cfg->secrets;

	hopt.connect_timeout_ms = 0;
	hopt.timeout_ms = s->timeout_ms;
	hopt.ca_file = cfg->ca_file;
	r = http_client_new(&hopt, &s->http);
	if (r < 0) {
		snprintf(err, errlen, "outbox: cannot initialise libcurl");
		goto fail;
	}
	s->notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->notify_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "outbox: eventfd: %s", strerror(-r));
		goto fail;
	}
	r = store_open(s->db_path, &s->store, serr, sizeof(serr));
	if (r < 0) {
		s->store = NULL;
		snprintf(err, errlen, "outbox: %s", serr);
		goto fail;
	}
	store_outbox_set_lane(s->store, (int)cfg->lane);
	r = -pthread_create(&s->thread, NULL, outbox_thread, s);
	if (r < 0) {
		snprintf(err, errlen, "outbox: cannot start the thread: %s",
			 strerror(-r));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	outbox_sender_free(s);
	return r;
}

void outbox_sender_kick(struct outbox_sender *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->kicks++;
	s->kicked = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

int outbox_sender_notify_fd(struct outbox_sender *s)
{
	return s ? s->notify_fd : -EINVAL;
}

void outbox_sender_stop(struct outbox_sender *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	outbox_sender_free(s);
}

void outbox_sender_stats(struct outbox_sender *s, struct outbox_stats *st)
{
	if (!s || !st)
		return;
	pthread_mutex_lock(&s->lock);
	*st = s->stats;
	pthread_mutex_unlock(&s->lock);
}

int outbox_sender_wait_idle(struct outbox_sender *s, int64_t *until,
			    int timeout_ms)
{
	struct timespec ts = outbox_deadline((int64_t)timeout_ms * 1000);
	int r = 0;

	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	while (!(s->idle && s->idle_kicks == s->kicks) && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&s->idle_cond, &s->lock, &ts);
	if (s->idle && s->idle_kicks == s->kicks) {
		if (until)
			*until = s->idle_until;
		r = 0;
	} else {
		r = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}
