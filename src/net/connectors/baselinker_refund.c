/* SPDX-License-Identifier: MIT */
/*
 * The baselinker connector's refund: setOrderReturnRefund (and, as the
 * row's follow-up, setOrderReturnStatus), BaseLinker's answers (the body's
 * status decides, not the HTTP code), and the lookup before each attempt
 * (getOrderReturns for the return).  baselinker.c says why.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "baselinker_internal.h"
#include "retour/connector.h"
#include "retour/log.h"

/* ---- the refund ---------------------------------------------------------- */

const char *bl_body_text(json_t *body, const char *field)
{
	json_t *v = json_is_object(body) ? json_object_get(body, field) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The BaseLinker return the refund belongs to: the expected return's
 * shop_payment_id (the return's id: BaseLinker refunds no payment), else
 * an RMA "BL-<return id>" as pulled returns have. */
static int bl_return_id(json_t *body, const struct connector_message *m,
			long long *id)
{
	const struct expected_return *er = m->facts ? m->facts->expected : NULL;
	const char *pay = bl_body_text(body, "shop_payment_id");
	const char *rma = bl_body_text(body, "rma");

	if (!pay && er)
		pay = er->shop_payment_id;
	if (!rma && er)
		rma = er->rma;
	if (pay && pay[0])
		return bl_digits(pay, id);
	if (rma && strncasecmp(rma, "BL-", 3) == 0)
		return bl_digits(rma + 3, id);
	return -EINVAL;
}

static int bl_refund_read(const struct connector_message *m,
			  struct bl_refund *rf, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *body, *v;
	const char *cur;
	int r = -EINVAL;

	memset(rf, 0, sizeof(*rf));
	if (!m->action || strcmp(m->action, "refund.requested") != 0) {
		snprintf(err, errlen,
			 "the baselinker connector takes refunds only; route "
			 "events to a webhook ([outbox] events)");
		return -EINVAL;
	}
	if (!bl_key_ok(m->refund_key)) {
		snprintf(err, errlen, "the refund has no usable refund key");
		return -EINVAL;
	}
	body = m->body ? json_loadb(m->body, m->body_len, 0, &jerr) : NULL;
	if (!json_is_object(body)) {
		snprintf(err, errlen, "the refund's body is not a JSON object");
		goto out;
	}
	if (bl_return_id(body, m, &rf->return_id) < 0) {
		snprintf(err, errlen,
			 "no BaseLinker return id: the expected return's "
			 "shop_payment_id must be the BaseLinker return_id "
			 "(or its RMA \"BL-<return_id>\")");
		goto out;
	}
	cur = bl_body_text(body, "currency");
	if (!cur || bl_exponent(cur) < 0 || strlen(cur) != 3) {
		snprintf(err, errlen, "the refund has no valid currency");
		goto out;
	}
	memcpy(rf->currency, cur, 4);
	v = json_object_get(body, "amount_minor");
	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > 100000000000000LL) {
		snprintf(err, errlen,
			 "the refund's amount_minor is not a positive whole "
			 "number");
		goto out;
	}
	/* amount_minor is the whole refund: the lines and, once, the
	 * delivery (delivery_minor).  BaseLinker keeps one amount per
	 * return, so the delivery travels inside it. */
	rf->amount_minor = json_integer_value(v);
	r = 0;
out:
	json_decref(body);
	return r;
}

int bl_build(void *state, const struct connector_message *m, int64_t now_us,
	     struct connector_request *req, char *err, size_t errlen)
{
	struct bl_state *bs = state;
	struct bl_refund rf;
	char params[512], amount[32];
	bool status_next, status_sent;
	int r;

	(void)now_us;
	memset(req, 0, sizeof(*req));
	r = bl_refund_read(m, &rf, err, errlen);
	if (r < 0)
		return r;
	bl_step_take(bs, m->key, &status_next, &status_sent);
	if (status_next && bs->status_id_done > 0) {
		snprintf(params, sizeof(params),
			 "{\"return_id\":%lld,\"status_id\":%lld}",
			 rf.return_id, bs->status_id_done);
		r = bl_request(bs, "setOrderReturnStatus", params, req, err,
			       errlen);
		if (r == 0)
			bl_step_set(bs, m->key, false, true);
		return r;
	}
	if (connector_amount_text(rf.amount_minor, rf.currency, amount,
				  sizeof(amount)) < 0) {
		snprintf(err, errlen, "cannot write the amount");
		return -EINVAL;
	}
	/* refund_date: the row's time (the decision), the same on every
	 * attempt; refund_comment: at most 50 characters. */
	snprintf(params, sizeof(params),
		 "{\"return_id\":%lld,\"order_refund_done\":%s,"
		 "\"refund_date\":%" PRId64 ",\"refund_comment\":\"retour %s\","
		 "\"external_refund_id\":\"%s\"}",
		 rf.return_id, amount, m->created_at / 1000000, m->refund_key,
		 m->refund_key);
	return bl_request(bs, "setOrderReturnRefund", params, req, err, errlen);
}

/* ---- answers ------------------------------------------------------------- */

static void bl_snippet(char *err, size_t errlen, const char *what, long status,
		       const struct connector_answer *a)
{
	char snippet[101];

	connector_text_sanitize(snippet, sizeof(snippet),
				a->body ? a->body : "",
				a->body ? a->body_len : 0);
	if (snippet[0])
		snprintf(err, errlen, "HTTP %ld %s: %s", status, what, snippet);
	else
		snprintf(err, errlen, "HTTP %ld %s", status, what);
}

static bool bl_is_blocked(const char *code, const char *msg)
{
	return (code && !strcmp(code, "ERROR_BLOCKED_TOKEN")) ||
	       (msg && strncasecmp(msg, "Query limit exceeded", 20) == 0);
}

/*
 * Read an answer: its kind, @err for anything but SUCCESS, and *@root (the
 * JSON object) for SUCCESS, to be released by the caller.
 */
enum bl_kind bl_answer(const struct connector_answer *a, json_t **root,
		       char *err, size_t errlen)
{
	char why[160], code[48], msg[160];
	json_t *j, *st;
	const char *s;

	*root = NULL;
	if (errlen)
		err[0] = '\0';
	if (a->status == 408 || a->status == 425 || a->status == 429 ||
	    (a->status >= 500 && a->status <= 599)) {
		bl_snippet(err, errlen, "from BaseLinker", a->status, a);
		return BL_HTTP_RETRY;
	}
	if (a->status >= 300 && a->status <= 499) {
		if (a->status < 400)
			snprintf(err, errlen,
				 "HTTP %ld: redirects are not followed, "
				 "configure the final url",
				 a->status);
		else
			bl_snippet(err, errlen, "refused by BaseLinker",
				   a->status, a);
		return BL_HTTP_FATAL;
	}
	if (a->status < 200 || a->status > 299) {
		snprintf(err, errlen, "unexpected HTTP status %ld", a->status);
		return BL_HTTP_RETRY;
	}
	j = connector_answer_json(a, BL_ANSWER_MAX, why, sizeof(why));
	if (!j) {
		snprintf(err, errlen, "BaseLinker's answer: %s", why);
		return BL_UNREADABLE;
	}
	st = json_is_object(j) ? json_object_get(j, "status") : NULL;
	s = json_is_string(st) ? json_string_value(st) : NULL;
	if (s && !strcmp(s, "SUCCESS")) {
		*root = j;
		return BL_SUCCESS;
	}
	if (!s || strcmp(s, "ERROR") != 0) {
		snprintf(err, errlen,
			 "BaseLinker's answer has no status SUCCESS or ERROR");
		json_decref(j);
		return BL_UNREADABLE;
	}
	st = json_object_get(j, "error_code");
	connector_text_sanitize(
	    code, sizeof(code), json_is_string(st) ? json_string_value(st) : "",
	    json_is_string(st) ? json_string_length(st) : 0);
	st = json_object_get(j, "error_message");
	connector_text_sanitize(
	    msg, sizeof(msg), json_is_string(st) ? json_string_value(st) : "",
	    json_is_string(st) ? json_string_length(st) : 0);
	snprintf(err, errlen, "BaseLinker %s: %s", code[0] ? code : "ERROR",
		 msg[0] ? msg : "no error_message");
	json_decref(j);
	return bl_is_blocked(code, msg) ? BL_BLOCKED : BL_ERROR;
}

enum connector_result bl_classify(void *state,
				  const struct connector_message *m,
				  const struct connector_answer *a,
				  char *shop_ref, size_t reflen, char *err,
				  size_t errlen)
{
	struct bl_state *bs = state;
	struct bl_refund rf;
	bool status_next, status_sent;
	char why[8];
	json_t *root;
	enum bl_kind k;

	if (reflen)
		shop_ref[0] = '\0';
	status_next = status_sent = false;
	if (bs && m)
		bl_step_take(bs, m->key, &status_next, &status_sent);
	k = bl_answer(a, &root, err, errlen);
	json_decref(root);
	switch (k) {
	case BL_SUCCESS:
		break;
	case BL_HTTP_FATAL:
	case BL_ERROR:
		if (status_sent && m &&
		    bl_refund_read(m, &rf, why, sizeof(why)) == 0) {
			/* The refund was recorded before this status change
			 * (a lookup found it): refused, the status stays as
			 * it is, and the refund is still done. */
			log_warning("baselinker: return %lld: refund "
				    "recorded, its status was not set: %s",
				    rf.return_id, err);
			snprintf(shop_ref, reflen, "%lld", rf.return_id);
			return CONNECTOR_DONE;
		}
		return CONNECTOR_FATAL;
	case BL_HTTP_RETRY:
	case BL_UNREADABLE:
	case BL_BLOCKED:
		/* The refund may or may not be recorded: the lookup before
		 * the next attempt tells. */
		return CONNECTOR_RETRY;
	}
	if (!m || bl_refund_read(m, &rf, why, sizeof(why)) < 0)
		return CONNECTOR_DONE;
	if (bs && bs->status_id_done > 0 && !status_sent) {
		/* the refund is recorded; this row's next attempt finds
		 * it and sets the return's status */
		snprintf(err, errlen,
			 "refund recorded on BaseLinker return %lld; its "
			 "status is set next",
			 rf.return_id);
		return CONNECTOR_RETRY;
	}
	snprintf(shop_ref, reflen, "%lld", rf.return_id);
	return CONNECTOR_DONE;
}

int64_t bl_retry_wait(void *state, const struct connector_answer *a,
		      int64_t now_us)
{
	struct bl_state *bs = state;
	char err[8];
	json_t *root;

	(void)now_us;
	if (bl_answer(a, &root, err, sizeof(err)) != BL_BLOCKED) {
		json_decref(root);
		return 0;
	}
	return (int64_t)(bs ? bs->blocked_wait_s : 60) * 1000000;
}

/* ---- the lookup ---------------------------------------------------------- */

int bl_reconcile_build(void *state, const struct connector_message *m,
		       int64_t now_us, struct connector_request *req, char *err,
		       size_t errlen)
{
	struct bl_refund rf;
	char params[64];
	int r;

	(void)now_us;
	memset(req, 0, sizeof(*req));
	r = bl_refund_read(m, &rf, err, errlen);
	if (r < 0)
		return r;
	snprintf(params, sizeof(params), "{\"return_id\":%lld}", rf.return_id);
	return bl_request(state, "getOrderReturns", params, req, err, errlen);
}

enum connector_found bl_reconcile_classify(void *state,
					   const struct connector_message *m,
					   const struct connector_answer *a,
					   char *shop_ref, size_t reflen,
					   char *err, size_t errlen)
{
	struct bl_state *bs = state;
	enum connector_found found = CONNECTOR_ABSENT;
	struct bl_refund rf;
	json_t *root, *returns, *ret = NULL, *v;
	const char *cur;
	long long id, status;
	int64_t refunded;
	bool recorded;
	size_t i;

	bool stale_next, stale_sent;

	if (reflen)
		shop_ref[0] = '\0';
	/* what an earlier lookup found is stale now: this one decides */
	if (bs && m)
		bl_step_take(bs, m->key, &stale_next, &stale_sent);
	switch (bl_answer(a, &root, err, errlen)) {
	case BL_SUCCESS:
		break;
	case BL_ERROR:
		/* the return cannot be read (gone, no access): sending says
		 * why in the shop's own words, and that is fatal */
		return CONNECTOR_ABSENT;
	default:
		return CONNECTOR_UNKNOWN;
	}
	if (bl_refund_read(m, &rf, err, errlen) < 0) {
		json_decref(root);
		return CONNECTOR_ABSENT;
	}
	returns = json_object_get(root, "returns");
	if (!json_is_array(returns)) {
		snprintf(err, errlen,
			 "BaseLinker's answer has no returns list");
		json_decref(root);
		return CONNECTOR_UNKNOWN;
	}
	json_array_foreach(returns, i, v)
	{
		if (json_is_object(v) &&
		    bl_json_id(json_object_get(v, "return_id"), &id) == 0 &&
		    id == rf.return_id) {
			ret = v;
			break;
		}
	}
	if (!ret)
		goto out;
	v = json_object_get(ret, "external_refund_id");
	cur = bl_body_text(ret, "currency");
	if (!cur || strcasecmp(cur, rf.currency) != 0)
		cur = rf.currency;
	if (json_is_string(v) && json_string_length(v) > 0)
		recorded = !strcmp(json_string_value(v), m->refund_key);
	else
		/* setOrderReturnRefund sets the return's refund: our amount
		 * there is our refund (sending it again changes nothing) */
		recorded = bl_json_minor(json_object_get(ret, "refunded"), cur,
					 &refunded) == 0 &&
			   refunded == rf.amount_minor;
	if (!recorded)
		goto out;
	v = json_object_get(ret, "status_id");
	if (bs->status_id_done > 0 &&
	    !(bl_json_id(v, &status) == 0 && status == bs->status_id_done)) {
		/* the refund is there, the status is not: set it now */
		bl_step_set(bs, m->key, true, false);
		goto out;
	}
	snprintf(shop_ref, reflen, "%lld", rf.return_id);
	found = CONNECTOR_FOUND;
out:
	json_decref(root);
	return found;
}
