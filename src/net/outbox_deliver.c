/* SPDX-License-Identifier: MIT */
/*
 * One outbox row's delivery: render its body, hand the connector of its
 * action a connector_message (never the store's row), let the connector
 * get ready (a token first), look the row up at the shop when it was
 * attempted before, claim it, send it, and record done / retry / dead.
 *
 * Before each request that changes something at the shop the row is
 * claimed in the store (store_outbox_claim): the attempt is counted, an
 * undo of its receipt is refused from then on, and the row is not due
 * again before a full backoff, so an outcome that cannot be recorded (a
 * full disk) slows the re-sending down like a failure would.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "retour/clock.h"
#include "retour/connector.h"
#include "retour/decision.h"
#include "retour/event.h"
#include "retour/log.h"
#include "retour/connector_ready.h"
#include "retour/photo_upload.h"
#include "retour/secret_book.h"

#include "outbox_internal.h"

/* Why a row's facts make no body; fits in outbox_row.problem with the
 * action and the receipt. */
#define OUTBOX_RENDER_WHY_LEN 80
/* Preliminary requests (a token) one row may need before it is ready. */

static uint32_t outbox_random(void)
{
	uint32_t v;

	/* Jitter only spreads load; a weak value is harmless. */
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint32_t)clock_mono_us() * 2654435761u;
	return v;
}

void outbox_notify_flush(struct outbox_sender *s)
{
	uint64_t one = 1;
	ssize_t n;

	if (!s->notify_pending)
		return;
	s->notify_pending = false;
	s->notified_at = clock_mono_us();
	n = write(s->notify_fd, &one, sizeof(one));
	(void)n; /* EAGAIN: the counter is saturated, already readable */
}

/* Count a state change; the daemon hears of it now, or with the batch's
 * end (outbox_sender.c) when it was told less than OUTBOX_NOTIFY_US ago:
 * each wake-up there re-counts the outbox. */
static void outbox_notify(struct outbox_sender *s, uint64_t *counter)
{
	pthread_mutex_lock(&s->lock);
	(*counter)++;
	pthread_mutex_unlock(&s->lock);
	s->notify_pending = true;
	if (clock_mono_us() - s->notified_at >= OUTBOX_NOTIFY_US)
		outbox_notify_flush(s);
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

/*
 * A refund's outcome as an event of its own (refund.succeeded with the
 * shop's refund id, refund.failed with its message), rendered now and
 * queued by the store in the write that marks the refund: never one
 * without the other.  Its key is the refund row's with the outcome (and,
 * for a failure, its time: a refund retried by hand may fail again).
 * 0 with @o->payload set (free it), 1 when @row is no refund, -ENOMEM.
 */
static int outbox_outcome_event(const struct outbox_row *row, bool done,
				const char *text, int64_t now,
				struct outbox_new *o)
{
	char refund_key[CONNECTOR_REFUND_KEY_LEN] = "", why[OUTBOX_ERR_LEN];
	struct event_refund_outcome ev = {0};
	char *body = NULL;
	int n, r;

	memset(o, 0, sizeof(*o));
	if (strcmp(row->action, EVENT_REFUND_REQUESTED))
		return 1;
	o->action = done ? EVENT_REFUND_SUCCEEDED : EVENT_REFUND_FAILED;
	if (done)
		n = snprintf(o->key, sizeof(o->key), "%s:succeeded", row->key);
	else
		n = snprintf(o->key, sizeof(o->key), "%s:failed:%" PRId64,
			     row->key, now);
	if (n < 0 || (size_t)n >= sizeof(o->key))
		snprintf(o->key, sizeof(o->key),
			 "outbox-%" PRId64 ":%s:%" PRId64, row->id,
			 done ? "succeeded" : "failed", now);
	o->not_before = now;
	if (row->has_facts)
		(void)connector_refund_key(&row->facts, "refund", refund_key);
	ev.type = o->action;
	ev.id = o->key;
	ev.refund_id = row->key;
	ev.refund_key = refund_key;
	ev.refund = row->has_facts ? &row->facts : NULL;
	ev.receipt = row->receipt_id;
	ev.shop_refund_id = done ? text : NULL;
	ev.message = done ? NULL : text;
	ev.attempts = row->attempts;
	ev.at = now;
	r = event_refund_outcome_render(&ev, &body, why, sizeof(why));
	if (r == -EINVAL) {
		/* text from the record that is not UTF-8: the outcome is
		 * still told, without it */
		ev.refund = NULL;
		ev.message = done ? NULL : "(not UTF-8 text)";
		r = event_refund_outcome_render(&ev, &body, why, sizeof(why));
	}
	if (r < 0)
		return -ENOMEM;
	o->payload = body;
	return 0;
}

static int outbox_record_outcome(struct outbox_sender *s,
				 const struct outbox_row *row, bool done,
				 const char *text)
{
	int64_t now = s->now();
	struct outbox_new then;
	int r, ev;

	ev = s->refund_outcomes
		 ? outbox_outcome_event(row, done, text, now, &then)
		 : 1;
	if (ev == 1)
		memset(&then, 0, sizeof(then));
	if (ev < 0)
		return ev;
	if (done)
		r = store_outbox_mark_done_then(s->store, row->id, text, now,
						ev == 0 ? &then : NULL);
	else
		r = store_outbox_mark_dead_then(s->store, row->id, text, now,
						ev == 0 ? &then : NULL);
	free((char *)then.payload);
	return r;
}

static int outbox_record_done(struct outbox_sender *s,
			      const struct outbox_row *row, const void *ref)
{
	return outbox_record_outcome(s, row, true, ref);
}

static int outbox_record_dead(struct outbox_sender *s,
			      const struct outbox_row *row, const void *error)
{
	return outbox_record_outcome(s, row, false, error);
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
	/* The shop answers again after failures: the rows that backed off
	 * meanwhile go now, not each at the end of its own backoff. */
	if (s->failed_since_done > 0 &&
	    store_outbox_resume(s->store, s->now(),
				s->now() > s->hold_until ? s->now()
							 : s->hold_until) < 0)
		log_error("outbox: cannot put the waiting rows back: %s",
			  store_errmsg(s->store));
	s->failed_since_done = 0;
}

static void outbox_fail_at_least(struct outbox_sender *s,
				 const struct outbox_row *row, bool retryable,
				 const char *error, const char *retry_after,
				 int64_t least_us);

static void outbox_fail(struct outbox_sender *s, const struct outbox_row *row,
			bool retryable, const char *error,
			const char *retry_after)
{
	outbox_fail_at_least(s, row, retryable, error, retry_after, 0);
}

/* The wait the connector reads from @a beyond Retry-After, 0: none. */
static int64_t outbox_retry_wait(struct outbox_sender *s,
				 const struct connector_instance *ci,
				 const struct connector_answer *a)
{
	int64_t w;

	if (!ci->ops->retry_wait)
		return 0;
	w = ci->ops->retry_wait(ci->state, a, s->now());
	/* never more than an hour, as for Retry-After */
	return w < 0 ? 0 : w > 3600 * USEC_PER_SEC ? 3600 * USEC_PER_SEC : w;
}

/* A failed attempt, retried no earlier than @least_us from now. */
static void outbox_fail_at_least(struct outbox_sender *s,
				 const struct outbox_row *row, bool retryable,
				 const char *error, const char *retry_after,
				 int64_t least_us)
{
	char text[OUTBOX_ERR_LEN];
	struct outbox_retry_arg ra;
	int64_t now = s->now(), delay, wait_us;
	bool shop_wait = least_us > 0;

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
	    outbox_parse_retry_after(retry_after, now, &wait_us) == 0) {
		shop_wait = true;
		if (wait_us > delay)
			delay = wait_us;
	}
	if (least_us > delay)
		delay = least_us;
	ra.next_at = now + delay;
	ra.error = error;
	s->failed_since_done++;
	if (shop_wait && ra.next_at > s->hold_until)
		s->hold_until = ra.next_at;
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

	if (row->claimed)
		return true; /* with its batch (outbox_sender.c) */
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

int outbox_render(struct outbox_row *row)
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
			   struct connector_message *m,
			   char refund_key[CONNECTOR_REFUND_KEY_LEN])
{
	memset(m, 0, sizeof(*m));
	refund_key[0] = '\0';
	if (row->has_facts && !strcmp(row->action, EVENT_REFUND_REQUESTED))
		(void)connector_refund_key(&row->facts, "refund", refund_key);
	m->refund_key = refund_key;
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
 * Let the connector get ready for a row: it may ask for preliminary
 * requests (a token).  0 ready, -EAGAIN (retry the row later) or -EINVAL
 * (the row cannot be sent) with @err.
 */
static int outbox_prepare(struct outbox_sender *s,
			  struct connector_instance *ci, char *err,
			  size_t errlen)
{
	int k = (int)(ci - s->routes.conn);
	int r = connector_get_ready(ci, s->http, s->now, s->secrets,
				    s->routes.section[k],
				    &s->routes.secrets_seen[k], err, errlen);

	return r == 0 ? 0 : r == -EINVAL ? -EINVAL : -EAGAIN;
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

	if (!ops->reconcile_build || !ops->reconcile_classify)
		return false;
	/* A shop that cannot refuse a second request with the same key is
	 * asked before a refund's first attempt too: another desk may have
	 * made the same refund. */
	if (row->attempts == 0 && !(ops->reconcile_first && m->refund_key[0]))
		return false;
	memset(&req, 0, sizeof(req));
	r = ops->reconcile_build(ci->state, m, s->now(), &req, err,
				 sizeof(err));
	if (r < 0) {
		connector_request_free(&req);
		/* A lookup that could be built another time (out of memory)
		 * is tried again later.  A refund attempted before at a shop
		 * without idempotency keys (reconcile_first) is not sent
		 * again blind, it could be refunded twice: dead, saying why,
		 * for the operator to check at the shop.  Otherwise no
		 * lookup for this one: the idempotency key is the shop's
		 * guard. */
		if (r != -ENOMEM &&
		    !(ops->reconcile_first && row->attempts > 0 &&
		      !strcmp(row->action, EVENT_REFUND_REQUESTED)))
			return false;
		snprintf(why, sizeof(why), "cannot look it up: %s",
			 err[0] ? err : strerror(-r));
		outbox_fail(s, row, r == -ENOMEM, why, NULL);
		return true;
	}
	r = http_client_exchange(s->http, &req, &resp, &a, err, sizeof(err));
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
		log_info("outbox: row %" PRId64 " (%s) is there "
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
		outbox_fail_at_least(s, row, true, why,
				     connector_answer_header(&a, "Retry-After"),
				     outbox_retry_wait(s, ci, &a));
		break;
	}
	http_response_free(&resp);
	return found != CONNECTOR_ABSENT;
}

/*
 * The shop a row is for: its facts' (the receipt's shop), else the "shop"
 * of the body it brought.  "" when neither says.
 */
static void outbox_row_shop(const struct outbox_row *row, char *shop,
			    size_t len)
{
	json_t *root, *v;

	shop[0] = '\0';
	if (row->has_facts) {
		snprintf(shop, len, "%s",
			 row->facts.shop ? row->facts.shop : "");
		return;
	}
	if (!row->payload)
		return;
	root = json_loads(row->payload, 0, NULL);
	v = json_is_object(root) ? json_object_get(root, "shop") : NULL;
	if (json_is_string(v))
		snprintf(shop, len, "%s", json_string_value(v));
	json_decref(root);
}

struct connector_instance *outbox_row_route(struct outbox_sender *s,
					    const struct outbox_row *row)
{
	char shop[64];

	outbox_row_shop(row, shop, sizeof(shop));
	return outbox_routes_for(&s->routes, row->action, shop);
}

static void outbox_deliver_to(struct outbox_sender *s,
			      struct connector_instance *ci,
			      struct outbox_row *row,
			      const struct connector_message *m_in);

void outbox_deliver(struct outbox_sender *s, struct outbox_row *row)
{
	struct connector_instance *ci;
	char shop[64], why[160];
	struct connector_message m;
	char err[OUTBOX_ERR_LEN] = "";
	char refund_key[CONNECTOR_REFUND_KEY_LEN];
	unsigned char *photo = NULL;
	int r;

	if (!row->payload) {
		/* The record cannot make this row's body; it would not next
		 * time either.  The operator sees why. */
		outbox_fail(s, row, false,
			    row->problem[0] ? row->problem : "no body to send",
			    NULL);
		return;
	}
	ci = outbox_row_route(s, row);
	if (!ci) {
		outbox_row_shop(row, shop, sizeof(shop));
		/* a device event queued before [outbox] devices was
		 * removed, or a shop without a connector of its own when
		 * [outbox] routes nothing: nowhere to send it */
		if (!strncmp(row->action, "device.", 7))
			snprintf(why, sizeof(why),
				 "no connector takes device events ([outbox] "
				 "devices)");
		else if (!strcmp(row->action, PHOTO_UPLOAD_ACTION) ||
			 !strcmp(row->action, PHOTO_DELETE_ACTION))
			snprintf(why, sizeof(why),
				 "no bucket to upload photos to ([photo "
				 "upload])");
		else
			snprintf(why, sizeof(why),
				 "no connector takes the %s of shop '%.40s' "
				 "([connector NAME] shop =, or [outbox] "
				 "routes)",
				 strcmp(row->action, EVENT_REFUND_REQUESTED)
				     ? "events"
				     : "refunds",
				 shop);
		outbox_fail(s, row, false, why, NULL);
		return;
	}
	outbox_message(row, &m, refund_key);
	if (!strcmp(row->action, PHOTO_UPLOAD_ACTION)) {
		/* the bytes go from the photo's file, checked against its
		 * hash; a file gone or changed would be gone next time too */
		r = photo_upload_read(row->payload, &photo, &m.file_len, err,
				      sizeof(err));
		if (r < 0) {
			outbox_fail(s, row, r == -ENOMEM, err, NULL);
			return;
		}
		m.file = photo;
	}
	outbox_deliver_to(s, ci, row, &m);
	free(photo);
}

/* Deliver @row (as @m) through connector @ci: ready it, look it up when
 * it was attempted before, claim it, send it, record the outcome. */
static void outbox_deliver_to(struct outbox_sender *s,
			      struct connector_instance *ci,
			      struct outbox_row *row,
			      const struct connector_message *m_in)
{
	struct connector_message m = *m_in;
	struct connector_request req;
	struct http_response resp;
	struct connector_answer a;
	char err[OUTBOX_ERR_LEN] = "", shop_ref[128] = "";
	enum connector_result res;
	int r;

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
	r = http_client_exchange(s->http, &req, &resp, &a, err, sizeof(err));
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
		outbox_fail_at_least(s, row, true,
				     err[0] ? err : "temporary failure",
				     connector_answer_header(&a, "Retry-After"),
				     outbox_retry_wait(s, ci, &a));
		break;
	case CONNECTOR_FATAL:
		outbox_fail(s, row, false, err[0] ? err : "refused", NULL);
		break;
	}
	http_response_free(&resp);
}
