/* SPDX-License-Identifier: MIT */
/*
 * The outbox sender thread: take the oldest due row, build its request with
 * the connector, POST it, and record done / retry / dead in the store.
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
 * the same bytes on every attempt.
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

#include "retour/civil_time.h"
#include "retour/clock.h"
#include "retour/connector.h"
#include "retour/event.h"
#include "retour/http.h"
#include "retour/outbox.h"
#include "retour/store.h"

#define OUTBOX_TIMEOUT_MS 15000
#define OUTBOX_BACKOFF_BASE_MS 1000
#define OUTBOX_BACKOFF_MAX_MS (10 * 60 * 1000)
#define OUTBOX_DEAD_AFTER_US (24 * 3600 * USEC_PER_SEC)
#define OUTBOX_RETRY_AFTER_MAX_US (3600 * USEC_PER_SEC)
/* Rows the clerk's handle adds without a kick are still seen this soon. */
#define OUTBOX_IDLE_POLL_US USEC_PER_SEC
#define OUTBOX_ERR_LEN 256
/* Why a row's facts make no body; fits in outbox_row.problem with the
 * action and the receipt. */
#define OUTBOX_RENDER_WHY_LEN 80

struct outbox_sender {
	/* Set once in start, read-only in the thread. */
	char *db_path;
	char *url;
	char *secret;
	char *ca_file;
	const struct connector *connector;
	struct connector_settings settings;
	int timeout_ms;
	int backoff_base_ms;
	int backoff_max_ms;
	int64_t dead_after_us;
	struct store *store;
	struct http_client *http;
	int notify_fd;
	pthread_t thread;

	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC */
	bool kicked;
	bool stopping;
	struct outbox_stats stats;
};

/* ---- pure helpers ---- */

int64_t outbox_backoff_us(int attempts, int base_ms, int max_ms,
			  uint32_t random)
{
	int64_t cap, max_us;
	int i;

	if (base_ms <= 0)
		base_ms = OUTBOX_BACKOFF_BASE_MS;
	if (max_ms <= 0)
		max_ms = OUTBOX_BACKOFF_MAX_MS;
	if (attempts < 0)
		attempts = 0;
	max_us = (int64_t)max_ms * 1000;
	cap = (int64_t)base_ms * 1000;
	for (i = 0; i < attempts && cap < max_us; i++)
		cap *= 2;
	if (cap > max_us)
		cap = max_us;
	/* Full jitter: uniform in [0, cap].  A double keeps the product
	 * exact enough and free of overflow on 32-bit boards. */
	return (int64_t)((double)cap * ((double)random / 4294967295.0));
}

static int outbox_parse_digits(const char **p, int n, int *val)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		char ch = (*p)[i];

		if (ch < '0' || ch > '9')
			return -EINVAL;
		v = v * 10 + (ch - '0');
	}
	*p += n;
	*val = v;
	return 0;
}

/* IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", the only form a sender
 * may generate (RFC 9110 5.6.7).  The weekday is checked for shape only. */
static int outbox_parse_http_date(const char *s, int64_t *when_us)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int day, year, hh, mm, ss, mon = -1, i;
	int64_t days;

	if (strlen(s) != 29)
		return -EINVAL;
	for (i = 0; i < 3; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z')))
			return -EINVAL;
	if (s[3] != ',' || s[4] != ' ')
		return -EINVAL;
	s += 5;
	if (outbox_parse_digits(&s, 2, &day) < 0 || *s++ != ' ')
		return -EINVAL;
	for (i = 0; i < 12; i++)
		if (strncmp(s, months + 3 * i, 3) == 0)
			mon = i;
	if (mon < 0)
		return -EINVAL;
	s += 3;
	if (*s++ != ' ' || outbox_parse_digits(&s, 4, &year) < 0 ||
	    *s++ != ' ' || outbox_parse_digits(&s, 2, &hh) < 0 || *s++ != ':' ||
	    outbox_parse_digits(&s, 2, &mm) < 0 || *s++ != ':' ||
	    outbox_parse_digits(&s, 2, &ss) < 0 || strcmp(s, " GMT") != 0)
		return -EINVAL;
	if (day < 1 || day > mdays[mon] || hh > 23 || mm > 59 || ss > 60)
		return -EINVAL;
	days = civil_time_days_from_civil(year, mon + 1, day);
	*when_us = ((days * 86400) + hh * 3600 + mm * 60 + ss) * USEC_PER_SEC;
	return 0;
}

int outbox_parse_retry_after(const char *value, int64_t now_us,
			     int64_t *delay_us)
{
	char buf[64];
	size_t len;
	int64_t delay, when;
	const char *p;

	if (!value || !delay_us)
		return -EINVAL;
	while (*value == ' ' || *value == '\t')
		value++;
	len = strlen(value);
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, value, len);
	buf[len] = '\0';

	if (buf[0] >= '0' && buf[0] <= '9') {
		delay = 0;
		for (p = buf; *p; p++) {
			if (*p < '0' || *p > '9')
				return -EINVAL;
			/* Saturate: a huge value means "much later", and the
			 * cap below applies anyway. */
			if (delay < OUTBOX_RETRY_AFTER_MAX_US)
				delay = delay * 10 + (*p - '0');
		}
		if (delay > OUTBOX_RETRY_AFTER_MAX_US / USEC_PER_SEC)
			delay = OUTBOX_RETRY_AFTER_MAX_US / USEC_PER_SEC;
		*delay_us = delay * USEC_PER_SEC;
		return 0;
	}
	if (outbox_parse_http_date(buf, &when) < 0)
		return -EINVAL;
	delay = when - now_us;
	if (delay < 0)
		delay = 0;
	if (delay > OUTBOX_RETRY_AFTER_MAX_US)
		delay = OUTBOX_RETRY_AFTER_MAX_US;
	*delay_us = delay;
	return 0;
}

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

/* Sleep @delay_us (at most the idle poll), or until a kick or stop. */
static void outbox_wait(struct outbox_sender *s, int64_t delay_us)
{
	struct timespec ts;
	int64_t ns;

	if (delay_us > OUTBOX_IDLE_POLL_US)
		delay_us = OUTBOX_IDLE_POLL_US;
	if (delay_us < 0)
		delay_us = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = ts.tv_nsec + (delay_us % USEC_PER_SEC) * 1000;
	ts.tv_sec += delay_us / USEC_PER_SEC + ns / 1000000000;
	ts.tv_nsec = ns % 1000000000;

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
		fprintf(stderr,
			"outbox: cannot record the outcome of row "
			"%lld: %s\n",
			(long long)row->id, store_errmsg(s->store));
		/* The claim keeps the row from being due again before a
		 * backoff; the receiver dedups by key when it comes back. */
		outbox_wait(s, OUTBOX_IDLE_POLL_US);
	}
	return r;
}

static int outbox_record_done(struct outbox_sender *s,
			      const struct outbox_row *row, const void *ref)
{
	return store_outbox_mark_done(s->store, row->id, ref, clock_now_us());
}

static int outbox_record_dead(struct outbox_sender *s,
			      const struct outbox_row *row, const void *error)
{
	return store_outbox_mark_dead(s->store, row->id, error, clock_now_us());
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
				       ra->error, clock_now_us());
}

static void outbox_fail(struct outbox_sender *s, const struct outbox_row *row,
			bool retryable, const char *error,
			const char *retry_after)
{
	char text[OUTBOX_ERR_LEN];
	struct outbox_retry_arg ra;
	int64_t now = clock_now_us(), delay, wait_us;

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
	int64_t now = clock_now_us();
	int64_t lease = outbox_backoff_us(row->attempts, s->backoff_base_ms,
					  s->backoff_max_ms, UINT32_MAX);
	int r;

	r = store_outbox_claim(s->store, row, now, now + lease);
	if (r == 0)
		return true;
	if (r != -EALREADY && r != -EBUSY) {
		fprintf(stderr, "outbox: cannot claim row %lld: %s\n",
			(long long)row->id, store_errmsg(s->store));
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

static void outbox_deliver(struct outbox_sender *s, struct outbox_row *row)
{
	struct connector_request req;
	struct http_response resp;
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
	r = s->connector->build(&s->settings, row, clock_now_us(), &req, err,
				sizeof(err));
	if (r < 0) {
		/* The same row would build the same way next time. */
		outbox_fail(s, row, r == -ENOMEM,
			    err[0] ? err : "cannot build the request", NULL);
		return;
	}
	if (!outbox_claim(s, row)) {
		connector_request_free(&req);
		return;
	}
	r = http_client_post(s->http, &req, &resp);
	connector_request_free(&req);
	if (r < 0) {
		snprintf(err, sizeof(err), "%s",
			 resp.error[0] ? resp.error : strerror(-r));
		http_response_free(&resp);
		outbox_fail(s, row, true, err, NULL);
		return;
	}
	res = s->connector->classify(resp.status, resp.body, resp.body_len,
				     shop_ref, sizeof(shop_ref), err,
				     sizeof(err));
	switch (res) {
	case CONNECTOR_DONE:
		if (outbox_record(s, outbox_record_done, row,
				  shop_ref[0] ? shop_ref : NULL) == 0)
			outbox_notify(s, &s->stats.sent);
		break;
	case CONNECTOR_RETRY:
		outbox_fail(s, row, true, err[0] ? err : "temporary failure",
			    resp.retry_after);
		break;
	case CONNECTOR_FATAL:
		outbox_fail(s, row, false, err[0] ? err : "refused", NULL);
		break;
	}
	http_response_free(&resp);
}

static void *outbox_thread(void *arg)
{
	struct outbox_sender *s = arg;
	struct outbox_row row;
	int64_t now, when;
	int r;

	while (!outbox_stopping(s)) {
		now = clock_now_us();
		memset(&row, 0, sizeof(row));
		r = store_outbox_next_due(s->store, now, &row);
		if (r == 0)
			r = outbox_render(&row);
		if (r == 0) {
			outbox_deliver(s, &row);
			store_outbox_row_release(&row);
			continue;
		}
		if (r == -ENOMEM) {
			store_outbox_row_release(&row);
			fprintf(stderr, "outbox: cannot render a row: %s\n",
				strerror(-r));
			outbox_wait(s, OUTBOX_IDLE_POLL_US);
			continue;
		}
		if (r != -ENOENT) {
			fprintf(stderr, "outbox: cannot read the outbox: %s\n",
				store_errmsg(s->store));
			outbox_wait(s, OUTBOX_IDLE_POLL_US);
			continue;
		}
		r = store_outbox_next_time(s->store, &when);
		outbox_wait(s, r == 0 ? when - clock_now_us()
				      : OUTBOX_IDLE_POLL_US);
	}
	return NULL;
}

/* ---- public ---- */

static char *outbox_strdup(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

static void outbox_sender_free(struct outbox_sender *s)
{
	if (!s)
		return;
	if (s->store)
		store_close(s->store);
	http_client_free(s->http);
	if (s->notify_fd >= 0)
		close(s->notify_fd);
	free(s->db_path);
	free(s->url);
	if (s->secret) {
		explicit_bzero(s->secret, strlen(s->secret));
		free(s->secret);
	}
	free(s->ca_file);
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
	const char *name;
	bool oom = false;
	int r;

	if (!cfg || !out || !cfg->db_path) {
		snprintf(err, errlen, "outbox: no database path");
		return -EINVAL;
	}
	name = cfg->connector ? cfg->connector : "webhook";
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
	pthread_condattr_destroy(&cattr);

	s->connector = connector_find(name);
	if (!s->connector) {
		snprintf(err, errlen, "outbox: unknown connector \"%.32s\"",
			 name);
		r = -EINVAL;
		goto fail;
	}
	s->db_path = outbox_strdup(cfg->db_path, &oom);
	s->url = outbox_strdup(cfg->url, &oom);
	s->secret = outbox_strdup(cfg->secret, &oom);
	s->ca_file = outbox_strdup(cfg->ca_file, &oom);
	if (oom) {
		snprintf(err, errlen, "outbox: out of memory");
		r = -ENOMEM;
		goto fail;
	}
	s->settings.url = s->url;
	s->settings.secret = s->secret;
	s->timeout_ms =
	    cfg->timeout_ms > 0 ? cfg->timeout_ms : OUTBOX_TIMEOUT_MS;
	s->backoff_base_ms = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms
						      : OUTBOX_BACKOFF_BASE_MS;
	s->backoff_max_ms = cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms
						    : OUTBOX_BACKOFF_MAX_MS;
	s->dead_after_us =
	    cfg->dead_after_us > 0 ? cfg->dead_after_us : OUTBOX_DEAD_AFTER_US;

	if (s->connector->check) {
		char cerr[OUTBOX_ERR_LEN] = "";

		r = s->connector->check(&s->settings, cerr, sizeof(cerr));
		if (r < 0) {
			snprintf(err, errlen, "outbox: %s", cerr);
			goto fail;
		}
	}

	hopt.connect_timeout_ms = 0;
	hopt.timeout_ms = s->timeout_ms;
	hopt.ca_file = s->ca_file;
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
	{
		char serr[OUTBOX_ERR_LEN] = "";

		r = store_open(s->db_path, &s->store, serr, sizeof(serr));
		if (r < 0) {
			s->store = NULL;
			snprintf(err, errlen, "outbox: %s", serr);
			goto fail;
		}
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
