/* SPDX-License-Identifier: MIT */
/*
 * The puller (include/retour/pull.h): one thread per connector that pulls
 * expected returns, polling on its schedule, following pages, handing each
 * page to the daemon and going on from the new cursor only once the daemon
 * has stored it.
 *
 * The threads share with the daemon's loop only the puller's mutex (the
 * status, the batch in hand, pull_now's kicks) and an eventfd.  Each owns
 * its connector instance and HTTP client.  "Now" is the configured clock,
 * the waits between polls are in real time, at most a second each, so a
 * test's clock moved by hand is seen.
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
#include "retour/http.h"
#include "retour/log.h"
#include "retour/outbox.h"
#include "retour/pull.h"
#include "retour/connector_ready.h"
#include "retour/secret_book.h"

#define PULL_TIMEOUT_MS 15000
#define PULL_WAIT_MAX_US USEC_PER_SEC
#define PULL_BACKOFF_CAP_US (15 * 60 * USEC_PER_SEC)
#define PULL_WAIT_CAP_US (24 * 3600 * USEC_PER_SEC)

enum pull_hand {
	PULL_HAND_NONE,	 /* no batch out */
	PULL_HAND_READY, /* waiting for pull_take() */
	PULL_HAND_TAKEN, /* the daemon imports it */
	PULL_HAND_DONE,	 /* pull_done() said how it went */
};

struct pull_source {
	struct puller *p;
	int index;
	char name[PULL_NAME_LEN];
	char shop[PULL_NAME_LEN];
	int every_s;
	struct connector_instance ci;
	/* "[connector NAME]", and the rotated secrets it has seen */
	char section[PULL_NAME_LEN + 16];
	uint64_t secrets_seen;
	struct http_client *http;
	pthread_t thread;
	bool started;

	/* the thread's alone */
	char cursor[PULL_CURSOR_LEN];
	int64_t next_at;

	/* under p->lock */
	struct pull_status st;
	uint64_t kicks, idle_kicks;
	bool kicked;
	bool idle;
	enum pull_hand hand;
	json_t *returns;
	char hand_cursor[PULL_CURSOR_LEN];
	int64_t hand_at;
	int hand_result;
	char hand_error[PULL_ERROR_LEN];
};

struct puller {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC: kicks, batches, stop, idle */
	bool stopping;
	int notify_fd;
	int max_pages;
	int64_t (*now)(void);
	struct secret_book *secrets; /* the station's, may be NULL */
	int n;
	struct pull_source src[PULL_MAX_SOURCES];
};

int64_t pull_backoff_us(int every_s, int failures)
{
	int64_t every = (int64_t)(every_s > 0 ? every_s : 1) * USEC_PER_SEC;
	int64_t cap = every > PULL_BACKOFF_CAP_US ? every : PULL_BACKOFF_CAP_US;
	int shift = failures <= 1 ? 0 : failures - 1 > 5 ? 5 : failures - 1;
	int64_t w = every << shift;

	return w > cap ? cap : w;
}

static struct timespec pull_deadline(int64_t delay_us)
{
	int64_t at = clock_mono_us() + (delay_us > 0 ? delay_us : 0);
	struct timespec ts;

	ts.tv_sec = (time_t)(at / USEC_PER_SEC);
	ts.tv_nsec = (long)(at % USEC_PER_SEC) * 1000;
	return ts;
}

/* Copy @text into @out, cut to fit. */
static void pull_copy(char *out, size_t outlen, const char *text)
{
	size_t n = strnlen(text, outlen - 1);

	memcpy(out, text, n);
	out[n] = '\0';
}

static void pull_notify(struct puller *p)
{
	uint64_t one = 1;
	ssize_t n = write(p->notify_fd, &one, sizeof(one));

	(void)n; /* EAGAIN: saturated, readable already */
}

/* ---- one poll ---- */

/* The connector's preliminary requests (a token), as the sender makes
 * them.  0 ready, or -errno with @err. */
static int pull_prepare(struct pull_source *src, char *err, size_t errlen)
{
	return connector_get_ready(&src->ci, src->http, src->p->now,
				   src->p->secrets, src->section,
				   &src->secrets_seen, err, errlen);
}

/* The least wait an unhappy answer asks for: Retry-After, or what the
 * connector reads from it; 0: none. */
static int64_t pull_answer_wait(struct pull_source *src,
				const struct connector_answer *a)
{
	const char *ra = connector_answer_header(a, "Retry-After");
	int64_t now = src->p->now(), w = 0, c;

	if (ra && outbox_parse_retry_after(ra, now, &w) < 0)
		w = 0;
	if (src->ci.ops->retry_wait) {
		c = src->ci.ops->retry_wait(src->ci.state, a, now);
		if (c > w)
			w = c;
	}
	return w > 3600 * USEC_PER_SEC ? 3600 * USEC_PER_SEC : w;
}

/* Each object the shop's returns, "shop" set; anything else left out. */
static void pull_mark_shop(struct pull_source *src, json_t *returns)
{
	size_t i = 0;

	while (i < json_array_size(returns)) {
		json_t *o = json_array_get(returns, i);

		if (!json_is_object(o)) {
			json_array_remove(returns, i);
			continue;
		}
		json_object_set_new(o, "shop", json_string(src->shop));
		i++;
	}
}

/*
 * Hand one page to the daemon and wait for its word.  0 when stored (the
 * cursor moves on), -errno with @err when not, -ECANCELED when stopping.
 * @returns is the daemon's from here on.
 */
static int pull_hand_over(struct pull_source *src, json_t *returns,
			  const char *next, int64_t at, char *err,
			  size_t errlen)
{
	struct puller *p = src->p;
	int r;

	pthread_mutex_lock(&p->lock);
	src->returns = returns;
	snprintf(src->hand_cursor, sizeof(src->hand_cursor), "%s", next);
	src->hand_at = at;
	src->hand = PULL_HAND_READY;
	src->st.batches++;
	pthread_mutex_unlock(&p->lock);
	pull_notify(p);

	pthread_mutex_lock(&p->lock);
	while (src->hand != PULL_HAND_DONE && !p->stopping)
		pthread_cond_wait(&p->cond, &p->lock);
	if (src->hand != PULL_HAND_DONE) {
		r = -ECANCELED; /* pull_stop() frees what is left */
	} else {
		r = src->hand_result;
		if (r < 0)
			snprintf(err, errlen, "not stored: %.200s",
				 src->hand_error[0] ? src->hand_error
						    : strerror(-r));
		src->hand = PULL_HAND_NONE;
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

/*
 * One poll: the token, then pages until the connector has no more (at
 * most max_pages).  0, or -errno with @err; *@wait_us the least wait the
 * shop asked for.
 */
static int pull_poll(struct pull_source *src, char *err, size_t errlen,
		     int64_t *wait_us)
{
	const struct connector *ops = src->ci.ops;
	struct connector_request req;
	struct http_response resp;
	struct connector_answer a;
	char next[PULL_CURSOR_LEN];
	json_t *returns;
	bool more = true;
	int page, r;

	*wait_us = 0;
	r = pull_prepare(src, err, errlen);
	if (r < 0)
		return r;
	for (page = 0; page < src->p->max_pages && more; page++) {
		memset(&req, 0, sizeof(req));
		r = ops->pull_build(src->ci.state, src->cursor, src->p->now(),
				    &req, err, errlen);
		if (r < 0) {
			connector_request_free(&req);
			return r;
		}
		r = http_client_exchange(src->http, &req, &resp, &a, err,
					 errlen);
		connector_request_free(&req);
		if (r < 0) {
			http_response_free(&resp);
			return r;
		}
		returns = json_array();
		if (!returns) {
			http_response_free(&resp);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		next[0] = '\0';
		more = false;
		r = ops->pull_parse(src->ci.state, src->cursor, &a,
				    src->p->now(), returns, next, sizeof(next),
				    &more, err, errlen);
		if (r < 0)
			*wait_us = pull_answer_wait(src, &a);
		http_response_free(&resp);
		if (r < 0) {
			json_decref(returns);
			if (!err[0])
				snprintf(err, errlen, "the shop's answer: %s",
					 strerror(-r));
			return r;
		}
		if (!next[0]) /* nothing moved */
			snprintf(next, sizeof(next), "%s", src->cursor);
		pull_mark_shop(src, returns);
		r = pull_hand_over(src, returns, next, src->p->now(), err,
				   errlen);
		if (r < 0)
			return r;
		snprintf(src->cursor, sizeof(src->cursor), "%s", next);
	}
	return 0;
}

/* ---- the thread ---- */

static bool pull_stopping(struct puller *p)
{
	bool stop;

	pthread_mutex_lock(&p->lock);
	stop = p->stopping;
	pthread_mutex_unlock(&p->lock);
	return stop;
}

/* Wait for the next poll: its time, a pull_now(), or the stop.  False
 * when stopping. */
static bool pull_wait_turn(struct pull_source *src)
{
	struct puller *p = src->p;
	struct timespec ts;
	int64_t now, d;
	bool go;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		now = p->now();
		if (p->stopping || src->kicked || now >= src->next_at)
			break;
		src->idle = true;
		src->idle_kicks = src->kicks;
		pthread_cond_broadcast(&p->cond);
		d = src->next_at - now;
		ts = pull_deadline(d > PULL_WAIT_MAX_US ? PULL_WAIT_MAX_US : d);
		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	}
	src->idle = false;
	src->kicked = false;
	src->st.polling = true;
	go = !p->stopping;
	pthread_mutex_unlock(&p->lock);
	return go;
}

static void pull_after(struct pull_source *src, int r, const char *err,
		       int64_t started, int64_t wait_us)
{
	struct puller *p = src->p;
	int64_t now = p->now(), next;
	int failures, was;

	pthread_mutex_lock(&p->lock);
	was = src->st.failures;
	src->st.polls++;
	src->st.polling = false;
	src->st.last_poll_at = started;
	if (r == 0) {
		src->st.failures = 0;
		src->st.last_ok_at = started;
		src->st.last_error[0] = '\0';
		next = now + (int64_t)src->every_s * USEC_PER_SEC;
	} else {
		src->st.failures++;
		snprintf(src->st.last_error, sizeof(src->st.last_error), "%s",
			 err[0] ? err : "failed");
		next = now + pull_backoff_us(src->every_s, src->st.failures);
		if (wait_us > 0 && now + wait_us > next)
			next = now + wait_us;
	}
	failures = src->st.failures;
	src->next_at = next;
	src->st.next_poll_at = next;
	pthread_mutex_unlock(&p->lock);

	/* once per outage, not per poll */
	if (r < 0 && was == 0)
		log_warning("pull: [connector %s]: %s; the station goes on "
			    "with the returns it has and tries again later",
			    src->name, err[0] ? err : "failed");
	else if (r == 0 && was > 0)
		log_notice("pull: [connector %s]: the shop answers again "
			   "after %d failed polls",
			   src->name, was);
	if (r < 0 || was > 0)
		pull_notify(p); /* the status changed */
	(void)failures;
}

static void *pull_thread(void *arg)
{
	struct pull_source *src = arg;
	char err[PULL_ERROR_LEN];
	int64_t started, wait_us;
	int r;

	while (pull_wait_turn(src)) {
		err[0] = '\0';
		started = src->p->now();
		r = pull_poll(src, err, sizeof(err), &wait_us);
		if (r == -ECANCELED && pull_stopping(src->p))
			break;
		pull_after(src, r, err, started, wait_us);
	}
	return NULL;
}

/* ---- public ---- */

static void pull_free(struct puller *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++) {
		struct pull_source *src = &p->src[i];

		json_decref(src->returns);
		http_client_free(src->http);
		connector_instance_free(&src->ci);
	}
	if (p->notify_fd >= 0)
		close(p->notify_fd);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int pull_source_make(struct puller *p, const struct pull_config *cfg,
			    int i, char *err, size_t errlen)
{
	const struct pull_source_config *sc = &cfg->sources[i];
	const struct connector *ops =
	    sc->ops ? sc->ops : connector_find(sc->type ? sc->type : "");
	struct pull_source *src = &p->src[i];
	struct http_options hopt = {0};
	char problem[200] = "", known[128];
	int bad, r;

	src->p = p;
	src->index = i;
	if (!sc->name || !sc->name[0] || strlen(sc->name) >= PULL_NAME_LEN ||
	    sc->every_s <= 0) {
		snprintf(err, errlen, "pull: source %d: no name or schedule",
			 i);
		return -EINVAL;
	}
	pull_copy(src->name, sizeof(src->name), sc->name);
	{
		size_t n = strnlen(src->name, PULL_NAME_LEN - 1);

		memcpy(src->section, "[connector ", 11);
		memcpy(src->section + 11, src->name, n);
		memcpy(src->section + 11 + n, "]", 2);
	}
	pull_copy(src->shop, sizeof(src->shop),
		  sc->shop && sc->shop[0] ? sc->shop : sc->name);
	src->every_s = sc->every_s;
	pull_copy(src->cursor, sizeof(src->cursor),
		  sc->cursor ? sc->cursor : "");
	if (!ops) {
		connector_names(known, sizeof(known));
		snprintf(err, errlen,
			 "pull: [connector %s]: unknown type \"%.32s\" "
			 "(known: %s)",
			 src->name, sc->type ? sc->type : "", known);
		return -EINVAL;
	}
	if (!ops->pull_build || !ops->pull_parse) {
		snprintf(err, errlen,
			 "pull: [connector %s]: type %s cannot pull expected "
			 "returns",
			 src->name, ops->name);
		return -EINVAL;
	}
	r = connector_instance_new(ops, sc->settings, sc->n_settings, true,
				   &src->ci, &bad, problem, sizeof(problem));
	if (r < 0) {
		if (bad >= 0)
			snprintf(err, errlen, "pull: [connector %s] %s: %s",
				 src->name, sc->settings[bad].key, problem);
		else
			snprintf(err, errlen, "pull: [connector %s]: %s",
				 src->name, problem);
		return r;
	}
	hopt.timeout_ms =
	    cfg->timeout_ms > 0 ? cfg->timeout_ms : PULL_TIMEOUT_MS;
	hopt.ca_file = cfg->ca_file;
	r = http_client_new(&hopt, &src->http);
	if (r < 0) {
		snprintf(err, errlen, "pull: cannot initialise libcurl");
		return r;
	}
	/* the first poll at once, or a period after the last one */
	src->next_at =
	    sc->last_poll_at > 0
		? sc->last_poll_at + (int64_t)sc->every_s * USEC_PER_SEC
		: 0;
	pull_copy(src->st.name, sizeof(src->st.name), src->name);
	pull_copy(src->st.shop, sizeof(src->st.shop), src->shop);
	src->st.every_s = src->every_s;
	src->st.next_poll_at =
	    src->next_at > p->now() ? src->next_at : p->now();
	return 0;
}

int pull_start(const struct pull_config *cfg, struct puller **out, char *err,
	       size_t errlen)
{
	pthread_condattr_t cattr;
	struct puller *p;
	int r = 0, i;

	*out = NULL;
	if (!cfg || cfg->n_sources < 0 || cfg->n_sources > PULL_MAX_SOURCES ||
	    (cfg->n_sources && !cfg->sources)) {
		snprintf(err, errlen, "pull: 0 to %d connectors",
			 PULL_MAX_SOURCES);
		return -EINVAL;
	}
	r = http_global_init();
	if (r < 0) {
		snprintf(err, errlen, "pull: cannot initialise libcurl");
		return r;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "pull: out of memory");
		return -ENOMEM;
	}
	p->notify_fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &cattr);
	pthread_condattr_destroy(&cattr);
	p->now = cfg->now ? cfg->now : clock_now_us;
	p->max_pages = cfg->max_pages > 0 ? cfg->max_pages : PULL_MAX_PAGES;
	p->secrets = cfg->secrets;
	p->notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->notify_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "pull: eventfd: %s", strerror(-r));
		pull_free(p);
		return r;
	}
	for (i = 0; i < cfg->n_sources; i++) {
		p->n = i + 1;
		r = pull_source_make(p, cfg, i, err, errlen);
		if (r < 0) {
			pull_free(p);
			return r;
		}
	}
	for (i = 0; i < p->n; i++) {
		r = -pthread_create(&p->src[i].thread, NULL, pull_thread,
				    &p->src[i]);
		if (r < 0) {
			snprintf(err, errlen, "pull: cannot start a thread: %s",
				 strerror(-r));
			pull_stop(p);
			return r;
		}
		p->src[i].started = true;
	}
	*out = p;
	return 0;
}

int pull_notify_fd(struct puller *p)
{
	return p ? p->notify_fd : -EINVAL;
}

int pull_count(struct puller *p)
{
	return p ? p->n : 0;
}

int pull_take(struct puller *p, struct pull_batch *out)
{
	int r = -ENOENT;

	memset(out, 0, sizeof(*out));
	out->source = -1;
	if (!p)
		return r;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < p->n; i++) {
		struct pull_source *src = &p->src[i];

		if (src->hand != PULL_HAND_READY)
			continue;
		src->hand = PULL_HAND_TAKEN;
		out->source = i;
		snprintf(out->name, sizeof(out->name), "%s", src->name);
		out->returns = src->returns;
		src->returns = NULL;
		snprintf(out->cursor, sizeof(out->cursor), "%s",
			 src->hand_cursor);
		out->polled_at = src->hand_at;
		r = 0;
		break;
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

void pull_done(struct puller *p, struct pull_batch *b, int result,
	       const char *error)
{
	json_decref(b->returns);
	b->returns = NULL;
	if (!p || b->source < 0 || b->source >= p->n)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->src[b->source].hand == PULL_HAND_TAKEN) {
		struct pull_source *src = &p->src[b->source];

		src->hand = PULL_HAND_DONE;
		src->hand_result = result;
		snprintf(src->hand_error, sizeof(src->hand_error), "%s",
			 error ? error : "");
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	b->source = -1;
}

int pull_status(struct puller *p, int i, struct pull_status *out)
{
	if (!p || i < 0 || i >= p->n)
		return -ENOENT;
	pthread_mutex_lock(&p->lock);
	*out = p->src[i].st;
	out->polling = out->polling || p->src[i].kicked;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int pull_now(struct puller *p, const char *name)
{
	int r = -ENOENT;

	if (!p)
		return r;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < p->n; i++) {
		if (name && strcmp(name, p->src[i].name))
			continue;
		p->src[i].kicks++;
		p->src[i].kicked = true;
		r = 0;
	}
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* Nothing to do before its next poll, which is still to come (a clock
 * moved past it is seen within PULL_WAIT_MAX_US).  Under p->lock. */
static bool pull_idle(struct pull_source *src)
{
	return src->idle && src->idle_kicks == src->kicks &&
	       src->hand == PULL_HAND_NONE && src->next_at > src->p->now();
}

int pull_wait_idle(struct puller *p, int i, int64_t *next_at, int timeout_ms)
{
	struct timespec ts = pull_deadline((int64_t)timeout_ms * 1000);
	struct pull_source *src;
	int r = 0;

	if (!p || i < 0 || i >= p->n)
		return -EINVAL;
	src = &p->src[i];
	pthread_mutex_lock(&p->lock);
	while (!pull_idle(src) && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	if (pull_idle(src)) {
		if (next_at)
			*next_at = src->next_at;
		r = 0;
	} else {
		r = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

void pull_stop(struct puller *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->n; i++)
		if (p->src[i].started)
			pthread_join(p->src[i].thread, NULL);
	pull_free(p);
}
