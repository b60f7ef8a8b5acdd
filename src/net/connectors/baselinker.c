/* SPDX-License-Identifier: MIT */
/*
 * The `baselinker` connector: a refund decided at the desk recorded on the
 * BaseLinker order return it belongs to (setOrderReturnRefund), then,
 * when configured, the return moved to a status of the integrator's
 * choosing (setOrderReturnStatus); expected returns pulled from
 * getOrderReturns.
 *
 * Every call is a POST to {url}/connector.php with the X-BLToken header
 * and a form body method=NAME&parameters=<JSON>.  BaseLinker answers 200
 * with {"status":"SUCCESS"} or {"status":"ERROR","error_code",
 * "error_message"}: the body decides, not the HTTP code.  Its request limit
 * (100 a minute) is answered with ERROR_BLOCKED_TOKEN, waited out for
 * blocked_wait_s.
 *
 * BaseLinker records the refund but moves no money: the shop or
 * marketplace behind it does.  It has no idempotency key, so every refund
 * row is looked up first (reconcile_first): getOrderReturns for the
 * return, matched by external_refund_id (the station's refund key) when the
 * answer carries it, else by the refunded amount (setOrderReturnRefund sets
 * the return's refund, it does not add to it, so the same amount sent twice
 * is still one refund).
 *
 * The status change is the same row's follow-up: after the refund's
 * SUCCESS the row is retried; its next lookup finds the refund and a status
 * other than status_id_done, and that attempt sends setOrderReturnStatus.
 * What a lookup found is kept for the build that follows it (a small table
 * keyed by the row), and found again from the shop after a restart.
 *
 * Only refunds: any other event goes to a webhook ([outbox] events).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "retour/connector.h"
#include "retour/log.h"

#define BL_DEFAULT_URL "https://api.baselinker.com"
#define BL_USER_AGENT "retour/0.1"
#define BL_ANSWER_MAX (4u << 20)
#define BL_PAGE 100 /* getOrderReturns answers at most 100 returns */
#define BL_STEPS 32
#define BL_KEY_LEN 96
#define BL_REF_LEN 47 /* the station's reference fields */
#define BL_MAX_ITEMS 16

/* What a lookup found for a row, for the build that follows it. */
struct bl_step {
	char key[BL_KEY_LEN];
	bool status_next; /* refund recorded: set the status now */
	bool status_sent; /* the last build was the status change */
};

struct bl_state {
	char url[CONNECTOR_URL_LEN]; /* without a trailing '/' */
	bool has_token_file;
	char *token; /* the file's content, NULL under retourd -n */
	long long status_id_done; /* 0: leave the status alone */
	long long pull_status_id; /* 0: every status */
	int blocked_wait_s;
	int pull_days;
	pthread_mutex_t lock;
	struct bl_step steps[BL_STEPS];
	unsigned next_step;
};

/* ---- small helpers ------------------------------------------------------ */

static bool bl_url_ok(const char *url)
{
	size_t i;

	if (!url)
		return false;
	if (strncasecmp(url, "https://", 8) != 0 &&
	    strncasecmp(url, "http://", 7) != 0)
		return false;
	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f)
			return false;
	/* room for "/connector.php" */
	return i + 16 < CONNECTOR_URL_LEN;
}

/* 1-18 digits, not all zero: 0 and the value, or -EINVAL. */
static int bl_digits(const char *s, long long *out)
{
	long long v = 0;
	size_t i;

	if (!s || !s[0] || strlen(s) > 18)
		return -EINVAL;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v <= 0)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A positive id given as a JSON integer or a string of digits. */
static int bl_json_id(const json_t *v, long long *out)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) <= 0)
			return -EINVAL;
		*out = (long long)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v))
		return bl_digits(json_string_value(v), out);
	return -EINVAL;
}

/* The currency's decimals (2 for PLN), -EINVAL for no currency. */
static int bl_exponent(const char *currency)
{
	char text[32];
	const char *dot;

	if (connector_amount_text(1, currency, text, sizeof(text)) < 0)
		return -EINVAL;
	dot = strchr(text, '.');
	return dot ? (int)strlen(dot + 1) : 0;
}

/*
 * A shop's JSON number (BaseLinker sends prices as floats) in minor units:
 * an integer exactly, a real rounded to the currency's decimals through
 * its decimal text.  Negative, not finite or absurd: -EINVAL.
 */
static int bl_json_minor(const json_t *v, const char *currency, int64_t *out)
{
	int exp = bl_exponent(currency);
	char text[64];
	double x;

	if (exp < 0)
		return -EINVAL;
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		int64_t m = n;

		if (n < 0 || n > 1000000000000LL)
			return -EINVAL;
		for (int i = 0; i < exp; i++)
			m *= 10;
		*out = m;
		return 0;
	}
	if (json_is_string(v))
		return connector_amount_parse(json_string_value(v), currency,
					      out) == 0 &&
			       *out >= 0
			   ? 0
			   : -EINVAL;
	if (!json_is_real(v))
		return -EINVAL;
	x = json_real_value(v);
	if (!isfinite(x) || x < 0 || x > 1e12)
		return -EINVAL;
	snprintf(text, sizeof(text), "%.*f", exp, x);
	return connector_amount_parse(text, currency, out);
}

/* The station's refund key is "rr-" and hex: keep it to that, since it
 * goes into the shop's JSON and comment as it is. */
static bool bl_key_ok(const char *key)
{
	size_t i;

	if (!key || !key[0] || strlen(key) > 50)
		return false;
	for (i = 0; key[i]; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') ||
		      (key[i] >= 'A' && key[i] <= 'Z') ||
		      (key[i] >= '0' && key[i] <= '9') || key[i] == '-'))
			return false;
	return true;
}

/* Append @s form-encoded (application/x-www-form-urlencoded). */
static char *bl_form(const char *method, const char *params, size_t *len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(params), i, o;
	char *out = malloc(strlen(method) + 3 * n + 32);

	if (!out)
		return NULL;
	o = (size_t)sprintf(out, "method=%s&parameters=", method);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)params[i];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    ch == '.' || ch == '~') {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
	*len = o;
	return out;
}

/* The POST of @method with @params (a JSON object's text). */
static int bl_request(const struct bl_state *bs, const char *method,
		      const char *params, struct connector_request *req,
		      char *err, size_t errlen)
{
	memset(req, 0, sizeof(*req));
	if (!bs->token || !bs->token[0]) {
		snprintf(err, errlen,
			 "the BaseLinker token is not set "
			 "(token_file)");
		return -EINVAL;
	}
	req->method = CONNECTOR_POST;
	if ((size_t)snprintf(req->url, sizeof(req->url), "%.*s/connector.php",
			     CONNECTOR_URL_LEN - 16,
			     bs->url) >= sizeof(req->url)) {
		snprintf(err, errlen, "the url is too long");
		return -EINVAL;
	}
	req->body = bl_form(method, params, &req->body_len);
	if (!req->body ||
	    connector_request_add_header(
		req, "Content-Type", "application/x-www-form-urlencoded") < 0 ||
	    connector_request_add_header(req, "Accept", "application/json") <
		0 ||
	    connector_request_add_header(req, "User-Agent", BL_USER_AGENT) <
		0 ||
	    connector_request_add_header(req, "X-BLToken", bs->token) < 0) {
		connector_request_free(req);
		snprintf(err, errlen, "out of memory building the request");
		return -ENOMEM;
	}
	return 0;
}

/* ---- the lookup's findings, kept for the next build ---------------------- */

static struct bl_step *bl_step_find(struct bl_state *bs, const char *key)
{
	for (int i = 0; i < BL_STEPS; i++)
		if (bs->steps[i].key[0] && !strcmp(bs->steps[i].key, key))
			return &bs->steps[i];
	return NULL;
}

static void bl_step_set(struct bl_state *bs, const char *key, bool status_next,
			bool status_sent)
{
	struct bl_step *st;

	if (!key || !key[0] || strlen(key) >= BL_KEY_LEN)
		return;
	pthread_mutex_lock(&bs->lock);
	st = bl_step_find(bs, key);
	if (!st) {
		st = &bs->steps[bs->next_step++ % BL_STEPS];
		snprintf(st->key, sizeof(st->key), "%s", key);
	}
	st->status_next = status_next;
	st->status_sent = status_sent;
	pthread_mutex_unlock(&bs->lock);
}

/* Take the row's entry: its flags, and it is gone. */
static void bl_step_take(struct bl_state *bs, const char *key,
			 bool *status_next, bool *status_sent)
{
	struct bl_step *st;

	*status_next = *status_sent = false;
	if (!key)
		return;
	pthread_mutex_lock(&bs->lock);
	st = bl_step_find(bs, key);
	if (st) {
		*status_next = st->status_next;
		*status_sent = st->status_sent;
		memset(st, 0, sizeof(*st));
	}
	pthread_mutex_unlock(&bs->lock);
}

/* ---- settings ------------------------------------------------------------ */

static int bl_init(void **state)
{
	struct bl_state *bs = calloc(1, sizeof(*bs));

	if (!bs)
		return -ENOMEM;
	snprintf(bs->url, sizeof(bs->url), "%s", BL_DEFAULT_URL);
	bs->blocked_wait_s = 60;
	bs->pull_days = 14;
	pthread_mutex_init(&bs->lock, NULL);
	*state = bs;
	return 0;
}

static void bl_free(void *state)
{
	struct bl_state *bs = state;

	if (!bs)
		return;
	if (bs->token) {
		explicit_bzero(bs->token, strlen(bs->token));
		free(bs->token);
	}
	pthread_mutex_destroy(&bs->lock);
	free(bs);
}

static int bl_number_setting(const struct connector_setting *s, long long lo,
			     long long hi, long long *out, char *problem,
			     size_t len)
{
	long long v;

	if (!strcmp(s->value ? s->value : "", "0") && lo == 0) {
		*out = 0;
		return 0;
	}
	if (bl_digits(s->value, &v) < 0 || v < lo || v > hi) {
		snprintf(problem, len,
			 "%s must be a whole number from %lld "
			 "to %lld",
			 s->key, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int bl_configure(void *state, const struct connector_setting *s,
			char *problem, size_t len)
{
	struct bl_state *bs = state;
	long long v;
	size_t n;

	if (!strcmp(s->key, "url")) {
		if (!bl_url_ok(s->value)) {
			snprintf(problem, len,
				 "url must be an http:// or https:// URL "
				 "without spaces, under %d bytes (the default "
				 "is " BL_DEFAULT_URL ")",
				 CONNECTOR_URL_LEN - 16);
			return -EINVAL;
		}
		snprintf(bs->url, sizeof(bs->url), "%s", s->value);
		n = strlen(bs->url);
		while (n > 8 && bs->url[n - 1] == '/')
			bs->url[--n] = '\0';
		return 0;
	}
	if (!strcmp(s->key, "token_file")) {
		if (!s->value || !s->value[0]) {
			snprintf(problem, len, "token_file must name a file");
			return -EINVAL;
		}
		bs->has_token_file = true;
		if (!s->secret)
			return 0;
		for (n = 0; s->secret[n]; n++)
			if ((unsigned char)s->secret[n] <= 0x20 ||
			    (unsigned char)s->secret[n] >= 0x7f)
				break;
		/* Only the file is named, never what it holds. */
		if (!s->secret[0] || s->secret[n] || n > 512) {
			snprintf(problem, len,
				 "the BaseLinker token in token_file is empty "
				 "or has spaces or other characters a header "
				 "cannot carry");
			return -EINVAL;
		}
		if (bs->token) {
			explicit_bzero(bs->token, strlen(bs->token));
			free(bs->token);
		}
		bs->token = strdup(s->secret);
		if (!bs->token) {
			snprintf(problem, len, "out of memory");
			return -ENOMEM;
		}
		return 0;
	}
	if (!strcmp(s->key, "status_id_done"))
		return bl_number_setting(s, 0, 999999999, &bs->status_id_done,
					 problem, len);
	if (!strcmp(s->key, "pull_status_id"))
		return bl_number_setting(s, 0, 999999999, &bs->pull_status_id,
					 problem, len);
	if (!strcmp(s->key, "blocked_wait_s")) {
		if (bl_number_setting(s, 1, 3600, &v, problem, len) < 0)
			return -EINVAL;
		bs->blocked_wait_s = (int)v;
		return 0;
	}
	if (!strcmp(s->key, "pull_days")) {
		if (bl_number_setting(s, 1, 365, &v, problem, len) < 0)
			return -EINVAL;
		bs->pull_days = (int)v;
		return 0;
	}
	snprintf(problem, len,
		 "unknown key '%s' for the baselinker connector (known: url, "
		 "token_file, status_id_done, blocked_wait_s, pull_days, "
		 "pull_status_id)",
		 s->key);
	return -EINVAL;
}

static int bl_check(void *state, bool secrets, char *problem, size_t len)
{
	struct bl_state *bs = state;

	if (!bs->has_token_file || (secrets && !bs->token)) {
		snprintf(problem, len,
			 "the BaseLinker API token is missing: set token_file");
		return -EINVAL;
	}
	return 0;
}

/* ---- the refund ---------------------------------------------------------- */

/* What a refund row asks for, read from its body (and its facts). */
struct bl_refund {
	long long return_id;
	int64_t amount_minor;
	char currency[4];
};

static const char *bl_body_text(json_t *body, const char *field)
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

static int bl_build(void *state, const struct connector_message *m,
		    int64_t now_us, struct connector_request *req, char *err,
		    size_t errlen)
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

enum bl_kind {
	BL_SUCCESS,
	BL_HTTP_RETRY, /* 408/425/429/5xx, odd statuses */
	BL_HTTP_FATAL, /* other 3xx/4xx */
	BL_UNREADABLE, /* 2xx that is not a BaseLinker answer */
	BL_BLOCKED,    /* ERROR_BLOCKED_TOKEN: the request limit */
	BL_ERROR,      /* any other ERROR: the shop refuses */
};

static bool bl_is_blocked(const char *code, const char *msg)
{
	return (code && !strcmp(code, "ERROR_BLOCKED_TOKEN")) ||
	       (msg && strncasecmp(msg, "Query limit exceeded", 20) == 0);
}

/*
 * Read an answer: its kind, @err for anything but SUCCESS, and *@root (the
 * JSON object) for SUCCESS, to be released by the caller.
 */
static enum bl_kind bl_answer(const struct connector_answer *a, json_t **root,
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

static enum connector_result bl_classify(void *state,
					 const struct connector_message *m,
					 const struct connector_answer *a,
					 char *shop_ref, size_t reflen,
					 char *err, size_t errlen)
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

static int64_t bl_retry_wait(void *state, const struct connector_answer *a,
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

static int bl_reconcile_build(void *state, const struct connector_message *m,
			      int64_t now_us, struct connector_request *req,
			      char *err, size_t errlen)
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

static enum connector_found
bl_reconcile_classify(void *state, const struct connector_message *m,
		      const struct connector_answer *a, char *shop_ref,
		      size_t reflen, char *err, size_t errlen)
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

/* ---- expected returns pulled ----------------------------------------------
 */

#define BL_CURSOR_PREFIX "id:"

static int bl_cursor(const char *cursor, long long *id_from)
{
	*id_from = 0;
	if (!cursor || !cursor[0])
		return 0;
	if (strncmp(cursor, BL_CURSOR_PREFIX, 3) != 0)
		return -EINVAL;
	return bl_digits(cursor + 3, id_from);
}

static int bl_pull_build(void *state, const char *cursor, int64_t now_us,
			 struct connector_request *req, char *err,
			 size_t errlen)
{
	struct bl_state *bs = state;
	char params[128], status[48] = "";
	long long id_from;

	memset(req, 0, sizeof(*req));
	if (bl_cursor(cursor, &id_from) < 0) {
		snprintf(err, errlen, "a cursor that is not \"id:<number>\"");
		return -EINVAL;
	}
	if (bs->pull_status_id > 0)
		snprintf(status, sizeof(status), ",\"status_id\":%lld",
			 bs->pull_status_id);
	if (id_from > 0)
		snprintf(params, sizeof(params), "{\"id_from\":%lld%s}",
			 id_from, status);
	else
		snprintf(
		    params, sizeof(params), "{\"date_from\":%" PRId64 "%s}",
		    now_us / 1000000 - (int64_t)bs->pull_days * 86400, status);
	return bl_request(bs, "getOrderReturns", params, req, err, errlen);
}

/* A shop's text for one of the station's reference fields: printable,
 * at most 47 bytes, or NULL. */
static const char *bl_ref_text(const json_t *v)
{
	const char *s;

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > BL_REF_LEN)
		return NULL;
	s = json_string_value(v);
	for (size_t i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return NULL;
	return s;
}

/* GTIN-8/12/13/14 with a right check digit; anything else is left out. */
static bool bl_gtin_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	int sum = 0;

	if (n != 8 && n != 12 && n != 13 && n != 14)
		return false;
	for (size_t i = 0; i < n; i++) {
		int d = s[n - 1 - i] - '0';

		if (d < 0 || d > 9)
			return false;
		if (i > 0)
			sum += (i % 2) ? 3 * d : d;
	}
	return (10 - sum % 10) % 10 == s[n - 1] - '0';
}

static json_t *bl_item(const json_t *p, const char *currency)
{
	json_t *item, *q = json_object_get(p, "quantity");
	const char *sku = bl_ref_text(json_object_get(p, "sku"));
	const char *ean = bl_ref_text(json_object_get(p, "ean"));
	const char *name = bl_ref_text(json_object_get(p, "name"));
	char line[32];
	long long line_id;
	int64_t price;

	if (!json_is_object(p) || !json_is_integer(q) ||
	    json_integer_value(q) < 1 || json_integer_value(q) > 10000 ||
	    bl_json_minor(json_object_get(p, "price_brutto"), currency,
			  &price) < 0 ||
	    bl_json_id(json_object_get(p, "order_return_product_id"),
		       &line_id) < 0)
		return NULL;
	snprintf(line, sizeof(line), "%lld", line_id);
	item = json_pack("{s:I,s:I,s:s}", "quantity",
			 (json_int_t)json_integer_value(q), "unit_price_minor",
			 (json_int_t)price, "shop_line_id", line);
	if (!item)
		return NULL;
	if (sku)
		json_object_set_new(item, "sku", json_string(sku));
	if (ean && bl_gtin_ok(ean))
		json_object_set_new(item, "gtin", json_string(ean));
	if (name)
		json_object_set_new(item, "name", json_string(name));
	if (!sku && !json_object_get(item, "gtin")) {
		json_decref(item);
		return NULL;
	}
	return item;
}

/* One BaseLinker return in the import shape, or NULL when it cannot be
 * mapped whole. */
static json_t *bl_expected(const json_t *r)
{
	json_t *er = NULL, *items, *products, *p, *v;
	char rma[32], order[32], ret[32], when[32];
	long long return_id, order_id, t;
	const char *cur, *pkg;
	int64_t delivery;
	struct tm tm;
	size_t i;

	if (bl_json_id(json_object_get(r, "return_id"), &return_id) < 0 ||
	    bl_json_id(json_object_get(r, "order_id"), &order_id) < 0)
		return NULL;
	cur = bl_body_text((json_t *)r, "currency");
	if (!cur || strlen(cur) != 3 || bl_exponent(cur) < 0)
		return NULL;
	products = json_object_get(r, "products");
	if (!json_is_array(products) || json_array_size(products) == 0 ||
	    json_array_size(products) > BL_MAX_ITEMS)
		return NULL;
	items = json_array();
	if (!items)
		return NULL;
	json_array_foreach(products, i, p)
	{
		json_t *item = bl_item(p, cur);

		if (!item || json_array_append_new(items, item) < 0) {
			json_decref(items);
			return NULL;
		}
	}
	snprintf(rma, sizeof(rma), "BL-%lld", return_id);
	snprintf(order, sizeof(order), "%lld", order_id);
	snprintf(ret, sizeof(ret), "%lld", return_id);
	er = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "rma", rma, "order",
		       order, "kind", "withdrawal", "currency", cur,
		       "shop_order_id", order, "shop_payment_id", ret, "items",
		       items);
	if (!er)
		return NULL;
	v = json_object_get(r, "delivery_price");
	if (v && bl_json_minor(v, cur, &delivery) == 0) {
		json_object_set_new(er, "delivery_basic_minor",
				    json_integer(delivery));
		json_object_set_new(er, "delivery_paid_minor",
				    json_integer(delivery));
	}
	v = json_object_get(r, "date_add");
	if (json_is_integer(v) && (t = json_integer_value(v)) > 0 &&
	    t < 32503680000LL) {
		time_t tt = (time_t)t;

		if (gmtime_r(&tt, &tm) &&
		    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
			json_object_set_new(er, "requested_at",
					    json_string(when));
	}
	pkg = bl_ref_text(json_object_get(r, "delivery_package_nr"));
	if (pkg)
		json_object_set_new(er, "lookup_codes", json_pack("[s]", pkg));
	return er;
}

static int bl_pull_parse(void *state, const char *cursor,
			 const struct connector_answer *a, int64_t now_us,
			 json_t *returns, char *next, size_t nextlen,
			 bool *more, char *err, size_t errlen)
{
	long long id_from, id, top;
	json_t *root, *list, *r;
	size_t i;
	int rc = 0;

	(void)state;
	(void)now_us;
	*more = false;
	if (nextlen)
		snprintf(next, nextlen, "%s", cursor ? cursor : "");
	if (bl_cursor(cursor, &id_from) < 0) {
		snprintf(err, errlen, "a cursor that is not \"id:<number>\"");
		return -EINVAL;
	}
	switch (bl_answer(a, &root, err, errlen)) {
	case BL_SUCCESS:
		break;
	case BL_HTTP_RETRY:
	case BL_BLOCKED:
		return -EAGAIN;
	default:
		return -EINVAL;
	}
	list = json_object_get(root, "returns");
	if (!json_is_array(list)) {
		snprintf(err, errlen,
			 "BaseLinker's answer has no returns list");
		json_decref(root);
		return -EINVAL;
	}
	top = id_from > 0 ? id_from - 1 : 0;
	json_array_foreach(list, i, r)
	{
		json_t *er;

		if (!json_is_object(r) ||
		    bl_json_id(json_object_get(r, "return_id"), &id) < 0)
			continue;
		/* id_from counts from that id on: anything before it was
		 * taken by an earlier poll */
		if (id < id_from)
			continue;
		if (id > top)
			top = id;
		er = bl_expected(r);
		if (er && json_array_append_new(returns, er) < 0) {
			rc = -ENOMEM;
			break;
		}
	}
	if (rc == 0 && top > 0 && top < 999999999999999999LL && nextlen)
		snprintf(next, nextlen, BL_CURSOR_PREFIX "%lld", top + 1);
	*more = rc == 0 && json_array_size(list) >= BL_PAGE;
	json_decref(root);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

const struct connector connector_baselinker = {
    .name = "baselinker",
    .init = bl_init,
    .free = bl_free,
    .configure = bl_configure,
    .check = bl_check,
    .build = bl_build,
    .classify = bl_classify,
    .reconcile_build = bl_reconcile_build,
    .reconcile_classify = bl_reconcile_classify,
    .reconcile_first = true,
    .retry_wait = bl_retry_wait,
    .pull_build = bl_pull_build,
    .pull_parse = bl_pull_parse,
};
