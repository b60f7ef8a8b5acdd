/* SPDX-License-Identifier: MIT */
/*
 * The outbox sender thread: take the oldest due row, pick the connector of
 * its action, let the connector get ready (a token first), look the row up
 * at the shop when it was attempted before, build its request, send it,
 * and record done / retry / dead in the store.
 *
 * Before each POST the row is claimed in the store (store_outbox_claim): the
 * attempt is counted, an undo of its receipt is refused from then on, and
 * the row is not due again before a full backoff, so an outcome that cannot
 * be recorded (a full disk) slows the re-sending down like a failure would.
 *
 * It owns a store handle and a curl handle of its own and shares nothing
 * with the daemon's loop but a mutex-protected kick flag, the counters and
 * an eventfd it writes after each state change.  One request at a time, in
 * order: a shop's rate limit is respected by construction.
 *
 * A decision's row comes with the facts of its event (the store keeps
 * them once, in the receipt); the body is rendered here with event_render(),
 * the same bytes on every attempt.  The connector sees a connector_message,
 * never the store's row.
 *
 * "Now" is the configured clock (outbox_config.now), read once per step;
 * only the waits between steps are in real time.
 *
 * Not here: choosing what goes into the outbox (the store does that in the
 * decision's transaction), parallel delivery, alarms (the daemon reads the
 * dead count).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "retour/clock.h"
#include "retour/connector.h"
#include "retour/event.h"
#include "retour/http.h"
#include "retour/log.h"
#include "retour/outbox.h"
#include "retour/store.h"

#include "outbox_routes.h"

#define OUTBOX_TIMEOUT_MS 15000
#define OUTBOX_BACKOFF_BASE_MS 1000
#define OUTBOX_BACKOFF_MAX_MS (10 * 60 * 1000)
#define OUTBOX_DEAD_AFTER_US (24 * 3600 * USEC_PER_SEC)
/* Rows the clerk's handle adds without a kick are still seen this soon. */
#define OUTBOX_IDLE_POLL_US USEC_PER_SEC
#define OUTBOX_ERR_LEN 256
/* Why a row's facts make no body; fits in outbox_row.problem with the
 * action and the receipt. */
#define OUTBOX_RENDER_WHY_LEN 80
/* Preliminary requests (a token) one row may need before it is ready. */
#define OUTBOX_PREPARE_MAX 2

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
};

/* ---- the thread ---- */

static uint32_t outbox_random(void)
{
	uint32_t v;

	/* Jitter only spreads load; a weak value is harmless. */
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint32_t)clock_mono_us() * 2654435761u;
	return v;
}

static bool outbox_stopping(struct outbox_sender *s)
{
	bool stop;

	pthread_mutex_lock(&s->lock);
	stop = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

static void outbox_notify(struct outbox_sender *s, uint64_t *counter)
{
	uint64_t one = 1;
	ssize_t n;

	pthread_mutex_lock(&s->lock);
	(*counter)++;
	pthread_mutex_unlock(&s->lock);
	n = write(s->notify_fd, &one, sizeof(one));
	(void)n; /* EAGAIN: the counter is saturated, already readable */
}

/* The CLOCK_MONOTONIC deadline @delay_us from now, for a timed wait. */
static struct timespec outbox_deadline(int64_t delay_us)
{
	int64_t at = clock_mono_us() + (delay_us > 0 ? delay_us : 0);
	struct timespec ts;

	ts.tv_sec = (time_t)(at / USEC_PER_SEC);
	ts.tv_nsec = (long)(at % USEC_PER_SEC) * 1000;
	return ts;
}

/* Sleep @delay_us (at most the idle poll), or until a kick or stop. */
static void outbox_wait(struct outbox_sender *s, int64_t delay_us)
{
	struct timespec ts;

	if (delay_us > OUTBOX_IDLE_POLL_US)
		delay_us = OUTBOX_IDLE_POLL_US;
	ts = outbox_deadline(delay_us);
	pthread_mutex_lock(&s->lock);
	while (!s->kicked && !s->stopping)
		if (pthread_cond_timedwait(&s->cond, &s->lock, &ts) ==
		    ETIMEDOUT)
			break;
	s->kicked = false;
	pthread_mutex_unlock(&s->lock);
}

/*
 * Record the outcome.  A busy database is retried here rather than the
 * request re-sent: a row already delivered must not go out again just
 * because the clerk's handle held the write lock.
 */
static int outbox_record(struct outbox_sender *s,
			 int (*fn)(struct outbox_sender *,
				   const struct outbox_row *, const void *),
			 const struct outbox_row *row, const void *arg)
{
	int r, tries;

	for (tries = 0; tries < 100; tries++) {
		r = fn(s, row, arg);
		if (r != -EBUSY)
			break;
		usleep(100 * 1000);
	}
	if (r < 0) {
		log_error("outbox: cannot record the outcome of row "
			  "%" PRId64 ": %s",
			  row->id, store_errmsg(s->store));
		/* The claim keeps the row from being due again before a
		 * backoff; the receiver dedups by key when it comes back. */
		outbox_wait(s, OUTBOX_IDLE_POLL_US);
	}
	return r;
}

static int outbox_record_done(struct outbox_sender *s,
			      const struct outbox_row *row, const void *ref)
{
	return store_outbox_mark_done(s->store, row->id, ref, s->now());
}

static int outbox_record_dead(struct outbox_sender *s,
			      const struct outbox_row *row, const void *error)
{
	return store_outbox_mark_dead(s->store, row->id, error, s->now());
}

struct outbox_retry_arg {
	int64_t next_at;
	const char *error;
};

static int outbox_record_retry(struct outbox_sender *s,
			       const struct outbox_row *row, const void *arg)
{
	const struct outbox_retry_arg *ra = arg;

	return store_outbox_mark_retry(s->store, row->id, ra->next_at,
				       ra->error, s->now());
}

static void outbox_done(struct outbox_sender *s, const struct outbox_row *row,
			const char *shop_ref)
{
	if (outbox_record(s, outbox_record_done, row,
			  shop_ref && shop_ref[0] ? shop_ref : NULL) == 0)
		outbox_notify(s, &s->stats.sent);
}

static void outbox_fail(struct outbox_sender *s, const struct outbox_row *row,
			bool retryable, const char *error,
			const char *retry_after)
{
	char text[OUTBOX_ERR_LEN];
	struct outbox_retry_arg ra;
	int64_t now = s->now(), delay, wait_us;

	if (retryable && now - row->created_at >= s->dead_after_us) {
		int64_t secs = s->dead_after_us / USEC_PER_SEC;

		if (secs >= 3600)
			snprintf(text, sizeof(text), "gave up after %lld h: %s",
				 (long long)(secs / 3600), error);
		else
			snprintf(text, sizeof(text), "gave up after %lld s: %s",
				 (long long)secs, error);
		retryable = false;
		error = text;
	}
	if (!retryable) {
		if (outbox_record(s, outbox_record_dead, row, error) == 0)
			outbox_notify(s, &s->stats.dead);
		return;
	}
	delay = outbox_backoff_us(row->attempts, s->backoff_base_ms,
				  s->backoff_max_ms, outbox_random());
	if (retry_after && retry_after[0] &&
	    outbox_parse_retry_after(retry_after, now, &wait_us) == 0 &&
	    wait_us > delay)
		delay = wait_us;
	ra.next_at = now + delay;
	ra.error = error;
	if (outbox_record(s, outbox_record_retry, row, &ra) == 0)
		outbox_notify(s, &s->stats.retried);
}

/*
 * Claim @row for this attempt.  Until its outcome is recorded it is due
 * again only after the full (unjittered) backoff of a failed attempt.
 * False: do not send it (it changed under us, or the store cannot say).
 */
static bool outbox_claim(struct outbox_sender *s, const struct outbox_row *row)
{
	int64_t now = s->now();
	int64_t lease = outbox_backoff_us(row->attempts, s->backoff_base_ms,
					  s->backoff_max_ms, UINT32_MAX);
	int r;

	r = store_outbox_claim(s->store, row, now, now + lease);
	if (r == 0)
		return true;
	if (r != -EALREADY && r != -EBUSY) {
		log_error("outbox: cannot claim row %" PRId64 ": %s", row->id,
			  store_errmsg(s->store));
		outbox_wait(s, OUTBOX_IDLE_POLL_US);
	}
	/* -EALREADY: undone or finished meanwhile, next_due moves on;
	 * -EBUSY: the busy timeout already waited, try it again. */
	return false;
}

/*
 * Make the body of a decision's row from the facts the store read with it.
 * Facts that cannot make it (a proposal that is not JSON) leave the row
 * without a body and say why in row->problem: it is never sent.  0, or
 * -ENOMEM.
 */
static int outbox_render(struct outbox_row *row)
{
	char why[OUTBOX_RENDER_WHY_LEN];
	int r;

	if (row->payload || !row->has_facts)
		return 0;
	r = event_render(&row->facts, &row->payload, why, sizeof(why));
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		snprintf(row->problem, sizeof(row->problem),
			 "cannot render %s of receipt %" PRId64 ": %s",
			 row->action, row->receipt_id, why);
	return 0;
}

/* The connector's view of @row: what to send, never the store's row. */
static void outbox_message(const struct outbox_row *row,
			   struct connector_message *m)
{
	memset(m, 0, sizeof(*m));
	m->action = row->action;
	m->key = row->key;
	m->receipt = row->receipt_id;
	m->created_at = row->created_at;
	m->attempts = row->attempts;
	m->body = row->payload;
	m->body_len = row->payload ? strlen(row->payload) : 0;
	m->facts = row->has_facts ? &row->facts : NULL;
}

/*
 * Send @req and hand the answer to @a (valid until @resp is released).  0,
 * or a transport failure with its text in @err.
 */
static int outbox_exchange(struct outbox_sender *s,
			   const struct connector_request *req,
			   struct http_response *resp,
			   struct connector_answer *a, char *err, size_t errlen)
{
	int r = http_client_send(s->http, req, resp);

	if (r < 0) {
		snprintf(err, errlen, "%s",
			 resp->error[0] ? resp->error : strerror(-r));
		return r;
	}
	http_response_answer(resp, a);
	return 0;
}

/*
 * Let the connector get ready for a row: it may ask for preliminary
 * requests (a token).  0 ready, -EAGAIN (retry the row later) or -EINVAL
 * (the row cannot be sent) with @err.
 */
static int outbox_prepare(struct outbox_sender *s,
			  struct connector_instance *ci, char *err,
			  size_t errlen)
{
	const struct connector *ops = ci->ops;
	struct connector_request req;
	struct http_response resp;
	struct connector_answer a;
	int i, r;

	if (!ops->prepare)
		return 0;
	for (i = 0; i < OUTBOX_PREPARE_MAX; i++) {
		memset(&req, 0, sizeof(req));
		r = ops->prepare(ci->state, s->now(), &req, err, errlen);
		if (r <= 0) {
			connector_request_free(&req);
			return r == 0 ? 0 : r == -EINVAL ? -EINVAL : -EAGAIN;
		}
		r = outbox_exchange(s, &req, &resp, &a, err, errlen);
		connector_request_free(&req);
		if (r == 0)
			r = ops->prepared ? ops->prepared(ci->state, s->now(),
							  &a, err, errlen)
					  : 0;
		http_response_free(&resp);
		if (r < 0)
			return r == -EINVAL ? -EINVAL : -EAGAIN;
	}
	snprintf(err, errlen, "connector %s is not ready after %d requests",
		 ops->name, OUTBOX_PREPARE_MAX);
	return -EAGAIN;
}

/*
 * A row attempted before may have reached the shop with its answer lost
 * (a timeout, a reset, a crash before the outcome was recorded).  Ask the
 * shop, when the connector can: found, the row is done without a second
 * request.  True when the row is settled (done or put back for later),
 * false when it is to be sent now.
 */
static bool outbox_reconcile(struct outbox_sender *s,
			     struct connector_instance *ci,
			     const struct outbox_row *row,
			     const struct connector_message *m)
{
	const struct connector *ops = ci->ops;
	char err[OUTBOX_ERR_LEN] = "", shop_ref[128] = "", why[200];
	struct connector_request req;
	struct http_response resp;
	struct connector_answer a;
	enum connector_found found;
	int r;

	if (row->attempts == 0 || !ops->reconcile_build ||
	    !ops->reconcile_classify)
		return false;
	memset(&req, 0, sizeof(req));
	r = ops->reconcile_build(ci->state, m, s->now(), &req, err,
				 sizeof(err));
	if (r < 0) {
		/* No lookup for this one: resending is all that is left,
		 * and the idempotency key is the shop's guard. */
		connector_request_free(&req);
		return false;
	}
	r = outbox_exchange(s, &req, &resp, &a, err, sizeof(err));
	connector_request_free(&req);
	if (r < 0) {
		http_response_free(&resp);
		snprintf(why, sizeof(why), "looking it up: %s", err);
		outbox_fail(s, row, true, why, NULL);
		return true;
	}
	found = ops->reconcile_classify(ci->state, m, &a, shop_ref,
					sizeof(shop_ref), err, sizeof(err));
	switch (found) {
	case CONNECTOR_FOUND:
		log_info("outbox: row %" PRId64 " (%s) is at the shop "
			 "already%s%s, not sent again",
			 row->id, row->action, shop_ref[0] ? " as " : "",
			 shop_ref);
		outbox_done(s, row, shop_ref);
		break;
	case CONNECTOR_ABSENT:
		break;
	case CONNECTOR_UNKNOWN:
		snprintf(why, sizeof(why), "looking it up: %s",
			 err[0] ? err : "the shop cannot tell");
		outbox_fail(s, row, true, why,
			    connector_answer_header(&a, "Retry-After"));
		break;
	}
	http_response_free(&resp);
	return found != CONNECTOR_ABSENT;
}

static void outbox_deliver(struct outbox_sender *s, struct outbox_row *row)
{
	struct connector_instance *ci =
	    outbox_routes_for(&s->routes, row->action);
	struct connector_message m;
	struct connector_request req;
	struct http_response resp;
	struct connector_answer a;
	char err[OUTBOX_ERR_LEN] = "", shop_ref[128] = "";
	enum connector_result res;
	int r;

	if (!row->payload) {
		/* The record cannot make this row's body; it would not next
		 * time either.  The operator sees why. */
		outbox_fail(s, row, false,
			    row->problem[0] ? row->problem : "no body to send",
			    NULL);
		return;
	}
	outbox_message(row, &m);
	r = outbox_prepare(s, ci, err, sizeof(err));
	if (r < 0) {
		outbox_fail(s, row, r != -EINVAL,
			    err[0] ? err : "the connector is not ready", NULL);
		return;
	}
	if (outbox_reconcile(s, ci, row, &m))
		return;
	memset(&req, 0, sizeof(req));
	r = ci->ops->build(ci->state, &m, s->now(), &req, err, sizeof(err));
	if (r < 0) {
		/* The same row would build the same way next time. */
		connector_request_free(&req);
		outbox_fail(s, row, r == -ENOMEM,
			    err[0] ? err : "cannot build the request", NULL);
		return;
	}
	if (!outbox_claim(s, row)) {
		connector_request_free(&req);
		return;
	}
	r = outbox_exchange(s, &req, &resp, &a, err, sizeof(err));
	connector_request_free(&req);
	if (r < 0) {
		http_response_free(&resp);
		outbox_fail(s, row, true, err, NULL);
		return;
	}
	res = ci->ops->classify(ci->state, &m, &a, shop_ref, sizeof(shop_ref),
				err, sizeof(err));
	switch (res) {
	case CONNECTOR_DONE:
		outbox_done(s, row, shop_ref);
		break;
	case CONNECTOR_RETRY:
		outbox_fail(s, row, true, err[0] ? err : "temporary failure",
			    connector_answer_header(&a, "Retry-After"));
		break;
	case CONNECTOR_FATAL:
		outbox_fail(s, row, false, err[0] ? err : "refused", NULL);
		break;
	}
	http_response_free(&resp);
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

static void *outbox_thread(void *arg)
{
	struct outbox_sender *s = arg;
	struct outbox_row row;
	uint64_t kicks;
	int64_t when;
	int r;

	while (!outbox_stopping(s)) {
		pthread_mutex_lock(&s->lock);
		kicks = s->kicks;
		pthread_mutex_unlock(&s->lock);
		memset(&row, 0, sizeof(row));
		r = store_outbox_next_due(s->store, s->now(), &row);
		if (r == 0)
			r = outbox_render(&row);
		if (r == 0) {
			outbox_deliver(s, &row);
			store_outbox_row_release(&row);
			continue;
		}
		store_outbox_row_release(&row);
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
