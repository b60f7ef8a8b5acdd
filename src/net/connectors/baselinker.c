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
 *
 * This file: settings, helpers, the lookup's findings kept for the next
 * build; baselinker_refund.c: the refund, the status change, the answers
 * and the lookup; baselinker_pull.c: returns pulled in;
 * baselinker_internal.h: what they share.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "baselinker_internal.h"
#include "retour/connector.h"

/* ---- small helpers ------------------------------------------------------ */

/* 1-18 digits, not all zero: 0 and the value, or -EINVAL. */
int bl_digits(const char *s, long long *out)
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
int bl_json_id(const json_t *v, long long *out)
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
int bl_exponent(const char *currency)
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
int bl_json_minor(const json_t *v, const char *currency, int64_t *out)
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
bool bl_key_ok(const char *key)
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

/* The body method=@method&parameters=@params, form-encoded. */
static char *bl_form(const char *method, const char *params, size_t *len)
{
	size_t size = strlen(method) + 3 * strlen(params) + 32;
	char *out = malloc(size);

	if (!out)
		return NULL;
	snprintf(out, size, "method=%s&parameters=", method);
	if (!connector_percent_append(out, size, params)) {
		free(out);
		return NULL;
	}
	*len = strlen(out);
	return out;
}

/* The POST of @method with @params (a JSON object's text). */
int bl_request(const struct bl_state *bs, const char *method,
	       const char *params, struct connector_request *req, char *err,
	       size_t errlen)
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

void bl_step_set(struct bl_state *bs, const char *key, bool status_next,
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
void bl_step_take(struct bl_state *bs, const char *key, bool *status_next,
		  bool *status_sent)
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
	connector_secret_free(&bs->token);
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
		/* room for "/connector.php" */
		if (!connector_base_url(bs->url, s->value, 16)) {
			snprintf(problem, len,
				 "url must be an http:// or https:// URL "
				 "without spaces, a query or a fragment, under "
				 "%d bytes (the default is " BL_DEFAULT_URL ")",
				 CONNECTOR_URL_LEN - 16);
			return -EINVAL;
		}
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
		if (connector_secret_set(&bs->token, s->secret) < 0) {
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
