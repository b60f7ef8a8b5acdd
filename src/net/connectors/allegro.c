/* SPDX-License-Identifier: MIT */
/*
 * The `allegro` connector: a refund row becomes Allegro's payment refund,
 * POST {api_url}/payments/refunds, and Allegro's customer returns are
 * pulled in as expected returns.
 *
 * Allegro takes no idempotency key, so a refund is looked up before every
 * attempt, the first one included (reconcile_first): the payment's refunds
 * (GET /payments/refunds?payment.id=...) are listed and the one whose
 * sellerComment carries this refund's key (connector_refund_key) is the
 * same refund.  An answer that cannot be read is never taken as done
 * without that lookup: it is retried, and the lookup finds it.
 *
 * The access token comes from a refresh token (refresh_token_file) and the
 * application's client_id and client_secret_file, through prepare(): POST
 * {auth_url}/auth/oauth/token, basic auth.  It is kept with its expiry and
 * fetched again a few minutes before it expires and after a 401.  Allegro
 * hands a new refresh token out with each access token; this connector
 * cannot write files, so it keeps the new one in its state for the rest of
 * the run and says once, in the log, that the file should be updated (the
 * file's token is the one used again after a restart).  No token goes into
 * a log line, an error text or an answer.
 *
 * Only refunds: other events go to a webhook ([outbox] events).
 *
 * This file: settings, the token, the helpers the others share;
 * allegro_refund.c: the refund, its answer and its lookup; allegro_pull.c:
 * customer returns pulled in; allegro_internal.h: what they share.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <nettle/base64.h>

#include "allegro_internal.h"
#include "retour/connector.h"

/* Visible ASCII only: what may go into a header or a form field. */
bool allegro_token_ok(const char *t)
{
	size_t i;

	if (!t || !t[0])
		return false;
	for (i = 0; t[i]; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return false;
	return i <= ALLEGRO_TOKEN_MAX;
}

static int allegro_init(void **state)
{
	struct allegro_state *as = calloc(1, sizeof(*as));

	if (!as)
		return -ENOMEM;
	snprintf(as->api_url, sizeof(as->api_url), "%s", ALLEGRO_API_URL);
	snprintf(as->auth_url, sizeof(as->auth_url), "%s", ALLEGRO_AUTH_URL);
	as->pull_days = ALLEGRO_PULL_DAYS;
	as->throttle_wait_us = ALLEGRO_THROTTLE_WAIT_US;
	*state = as;
	return 0;
}

static void allegro_free(void *state)
{
	struct allegro_state *as = state;

	if (!as)
		return;
	connector_secret_free(&as->refresh_token);
	connector_secret_free(&as->client_secret);
	connector_secret_free(&as->access_token);
	json_decref(as->queue);
	free(as);
}

static int allegro_set_url(char *dst, const struct connector_setting *s,
			   char *problem, size_t len)
{
	/* room for the longest path and query this connector adds */
	if (!connector_base_url(dst, s->value, 256)) {
		snprintf(problem, len,
			 "%s must be an http:// or https:// URL without "
			 "spaces, a query or a fragment, under %d bytes",
			 s->key, CONNECTOR_URL_LEN - 256);
		return -EINVAL;
	}
	return 0;
}

static int allegro_set_secret(char **dst, bool *has,
			      const struct connector_setting *s, char *problem,
			      size_t len)
{
	if (!s->value || !s->value[0]) {
		snprintf(problem, len, "%s must name a file", s->key);
		return -EINVAL;
	}
	*has = true;
	if (!s->secret)
		return 0;
	if (!allegro_token_ok(s->secret)) {
		/* The file is named by the caller; its content never is. */
		snprintf(problem, len,
			 "the file of %s is empty or holds more than one "
			 "printable token",
			 s->key);
		return -EINVAL;
	}
	if (connector_secret_set(dst, s->secret) < 0) {
		snprintf(problem, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int allegro_configure(void *state, const struct connector_setting *s,
			     char *problem, size_t len)
{
	struct allegro_state *as = state;

	if (!strcmp(s->key, "api_url"))
		return allegro_set_url(as->api_url, s, problem, len);
	if (!strcmp(s->key, "auth_url"))
		return allegro_set_url(as->auth_url, s, problem, len);
	if (!strcmp(s->key, "client_id")) {
		if (!allegro_token_ok(s->value) ||
		    strlen(s->value) >= sizeof(as->client_id) ||
		    strchr(s->value, ':')) {
			snprintf(problem, len,
				 "client_id must be printable, without ':' "
				 "and under %d bytes",
				 ALLEGRO_ID_MAX);
			return -EINVAL;
		}
		snprintf(as->client_id, sizeof(as->client_id), "%s", s->value);
		return 0;
	}
	if (!strcmp(s->key, "refresh_token_file"))
		return allegro_set_secret(
		    &as->refresh_token, &as->has_refresh_file, s, problem, len);
	if (!strcmp(s->key, "client_secret_file"))
		return allegro_set_secret(
		    &as->client_secret, &as->has_secret_file, s, problem, len);
	if (!strcmp(s->key, "pull_days")) {
		char *end = NULL;
		long v = s->value ? strtol(s->value, &end, 10) : 0;

		if (!s->value || !s->value[0] || *end || v < 1 || v > 365) {
			snprintf(problem, len,
				 "pull_days must be a whole number of days, "
				 "1 to 365");
			return -EINVAL;
		}
		as->pull_days = (int)v;
		return 0;
	}
	if (!strcmp(s->key, "throttle_wait_s")) {
		char *end = NULL;
		long v = s->value ? strtol(s->value, &end, 10) : 0;

		if (!s->value || !s->value[0] || *end || v < 1 || v > 3600) {
			snprintf(problem, len,
				 "throttle_wait_s must be a whole number of "
				 "seconds, 1 to 3600");
			return -EINVAL;
		}
		as->throttle_wait_us = (int64_t)v * 1000000;
		return 0;
	}
	snprintf(problem, len,
		 "unknown key '%s' for the allegro connector (known: api_url, "
		 "auth_url, client_id, client_secret_file, refresh_token_file, "
		 "pull_days, throttle_wait_s)",
		 s->key);
	return -EINVAL;
}

static int allegro_check(void *state, bool secrets, char *problem, size_t len)
{
	struct allegro_state *as = state;

	if (!as->client_id[0]) {
		snprintf(problem, len,
			 "the allegro connector needs client_id (the "
			 "application's Client ID)");
		return -EINVAL;
	}
	if (!as->has_secret_file || (secrets && !as->client_secret)) {
		snprintf(problem, len,
			 "allegro client secret is missing: set "
			 "client_secret_file");
		return -EINVAL;
	}
	if (!as->has_refresh_file || (secrets && !as->refresh_token)) {
		snprintf(problem, len,
			 "allegro refresh token is missing: set "
			 "refresh_token_file (docs/connectors/allegro.md says "
			 "how to get one)");
		return -EINVAL;
	}
	return 0;
}

/* ---- small helpers ------------------------------------------------------ */

int allegro_nomem(struct connector_request *req, char *err, size_t errlen)
{
	connector_request_free(req);
	snprintf(err, errlen, "out of memory building the request");
	return -ENOMEM;
}

/* Authorization, Accept (and Content-Type for a body). */
int allegro_headers(const struct allegro_state *as,
		    struct connector_request *req, const char *media, bool body)
{
	char *auth;
	int r;

	if (asprintf(&auth, "Bearer %s", as->access_token) < 0)
		return -ENOMEM;
	r = connector_request_add_header(req, "Authorization", auth);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	if (r == 0)
		r = connector_request_add_header(req, "Accept", media);
	if (r == 0 && body)
		r = connector_request_add_header(req, "Content-Type", media);
	if (r == 0)
		r = connector_request_add_header(req, "User-Agent",
						 ALLEGRO_USER_AGENT);
	return r < 0 ? -ENOMEM : 0;
}

bool allegro_ready(const struct allegro_state *as, char *err, size_t errlen)
{
	if (!as->access_token) {
		snprintf(err, errlen, "no Allegro access token yet");
		return false;
	}
	return true;
}

/* The string @key of @obj, or NULL. */
const char *allegro_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/*
 * The error text of an Allegro answer: {errors:[{code, message,
 * userMessage}]} (userMessage is what a person should see), or OAuth's
 * {error, error_description}; else a snippet of the body.
 */
void allegro_error_text(char *err, size_t errlen, long status,
			const struct connector_answer *a)
{
	char text[160] = "", code[48] = "", jerr[80];
	json_t *root =
	    connector_answer_json(a, ALLEGRO_ANSWER_MAX, jerr, sizeof(jerr));
	json_t *first = json_array_get(json_object_get(root, "errors"), 0);
	const char *msg = NULL, *c = NULL;

	if (json_is_object(first)) {
		msg = allegro_str(first, "userMessage");
		if (!msg || !msg[0])
			msg = allegro_str(first, "message");
		c = allegro_str(first, "code");
	} else if (json_is_object(root)) {
		msg = allegro_str(root, "error_description");
		c = allegro_str(root, "error");
	}
	if (msg && msg[0])
		connector_text_sanitize(text, sizeof(text), msg, strlen(msg));
	if (c && c[0])
		connector_text_sanitize(code, sizeof(code), c, strlen(c));
	if (!text[0] && !code[0] && a->body && a->body_len && !root)
		connector_text_sanitize(text, 101, a->body, a->body_len);
	json_decref(root);
	if (text[0] && code[0])
		snprintf(err, errlen, "Allegro (HTTP %ld): %s [%s]", status,
			 text, code);
	else if (text[0] || code[0])
		snprintf(err, errlen, "Allegro (HTTP %ld): %s", status,
			 text[0] ? text : code);
	else
		snprintf(err, errlen, "Allegro answered HTTP %ld", status);
}

bool allegro_transient(long status)
{
	return status == 408 || status == 425 || status == 429 ||
	       (status >= 500 && status <= 599);
}

/* ---- the token ---------------------------------------------------------- */

static int allegro_prepare(void *state, int64_t now_us,
			   struct connector_request *req, char *err,
			   size_t errlen)
{
	struct allegro_state *as = state;
	char *pair = NULL, *b64 = NULL, *auth = NULL, *body = NULL;
	size_t plen, blen;
	int r = -ENOMEM;

	if (as->access_token &&
	    now_us < as->access_expires_us - ALLEGRO_TOKEN_MARGIN_US)
		return 0;
	connector_secret_free(&as->access_token);
	if (!as->refresh_token || !as->client_secret || !as->client_id[0]) {
		snprintf(err, errlen,
			 "allegro: no refresh token or client secret to get "
			 "an access token with");
		return -EINVAL;
	}
	memset(req, 0, sizeof(*req));
	req->method = CONNECTOR_POST;
	if ((size_t)snprintf(req->url, sizeof(req->url), "%s/auth/oauth/token",
			     as->auth_url) >= sizeof(req->url)) {
		snprintf(err, errlen, "allegro: auth_url is too long");
		return -EINVAL;
	}
	if (asprintf(&pair, "%s:%s", as->client_id, as->client_secret) < 0) {
		pair = NULL;
		goto out;
	}
	plen = strlen(pair);
	blen = BASE64_ENCODE_RAW_LENGTH(plen);
	b64 = malloc(blen + 1);
	if (!b64)
		goto out;
	base64_encode_raw(b64, plen, (const uint8_t *)pair);
	b64[blen] = '\0';
	if (asprintf(&auth, "Basic %s", b64) < 0) {
		auth = NULL;
		goto out;
	}
	blen = strlen(as->refresh_token) * 3 + 64;
	body = calloc(1, blen);
	if (!body)
		goto out;
	strcpy(body, "grant_type=refresh_token&refresh_token=");
	if (!connector_percent_append(body, blen, as->refresh_token))
		goto out;
	if (connector_request_add_header(req, "Authorization", auth) < 0 ||
	    connector_request_add_header(
		req, "Content-Type", "application/x-www-form-urlencoded") < 0 ||
	    connector_request_add_header(req, "Accept", "application/json") <
		0 ||
	    connector_request_add_header(req, "User-Agent",
					 ALLEGRO_USER_AGENT) < 0)
		goto out;
	req->body = body;
	req->body_len = strlen(body);
	body = NULL;
	r = 1;
out:
	if (pair)
		connector_secret_free(&pair);
	if (b64)
		connector_secret_free(&b64);
	if (auth)
		connector_secret_free(&auth);
	if (body)
		connector_secret_free(&body);
	if (r < 0) {
		connector_request_free(req);
		snprintf(err, errlen,
			 "out of memory building the token request");
	}
	return r;
}

static int allegro_prepared(void *state, int64_t now_us,
			    const struct connector_answer *a, char *err,
			    size_t errlen)
{
	struct allegro_state *as = state;
	char jerr[80];
	const char *access, *refresh;
	json_t *root, *exp;
	json_int_t expires;

	if (a->status == 400 || a->status == 401) {
		/* invalid_grant: the refresh token is revoked or expired;
		 * invalid_client: the client id or secret is wrong. */
		allegro_error_text(err, errlen, a->status, a);
		snprintf(err + strlen(err), errlen - strlen(err),
			 "; the token was refused: authorise the station "
			 "again (docs/connectors/allegro.md)");
		return -EINVAL;
	}
	if (a->status < 200 || a->status > 299) {
		allegro_error_text(err, errlen, a->status, a);
		return -EAGAIN;
	}
	root = connector_answer_json(a, 64 * 1024, jerr, sizeof(jerr));
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(err, errlen, "allegro token answer: %s",
			 root ? "not an object" : jerr);
		return -EAGAIN;
	}
	access = allegro_str(root, "access_token");
	refresh = allegro_str(root, "refresh_token");
	exp = json_object_get(root, "expires_in");
	expires = json_is_integer(exp) ? json_integer_value(exp) : 0;
	if (!allegro_token_ok(access) || expires <= 0 ||
	    expires > 366LL * 24 * 3600 ||
	    (refresh && !allegro_token_ok(refresh))) {
		json_decref(root);
		snprintf(err, errlen,
			 "allegro token answer without a usable access_token "
			 "and expires_in");
		return -EAGAIN;
	}
	as->access_token = strdup(access);
	if (!as->access_token) {
		json_decref(root);
		snprintf(err, errlen, "out of memory");
		return -EAGAIN;
	}
	as->access_expires_us = now_us + (int64_t)expires * 1000000;
	if (refresh && strcmp(refresh, as->refresh_token) != 0) {
		char *copy = strdup(refresh);

		/* Out of memory: the old one is used; Allegro may still take
		 * it, and the next token answer brings a new one again. */
		if (copy) {
			connector_secret_free(&as->refresh_token);
			as->refresh_token = copy;
			as->rotated = true; /* for the station to keep */
		}
	}
	json_decref(root);
	return 0;
}

static int allegro_secret_rotated(void *state, const char **key,
				  const char **value)
{
	struct allegro_state *as = state;

	if (!as->rotated || !as->refresh_token)
		return 0;
	as->rotated = false;
	*key = "refresh_token_file";
	*value = as->refresh_token;
	return 1;
}

static int allegro_secret_update(void *state, const char *key,
				 const char *value)
{
	struct allegro_state *as = state;
	char *copy;

	if (strcmp(key, "refresh_token_file") || !allegro_token_ok(value))
		return -EINVAL;
	if (as->refresh_token && !strcmp(as->refresh_token, value))
		return 0;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	connector_secret_free(&as->refresh_token);
	as->refresh_token = copy;
	return 0;
}

const struct connector connector_allegro = {
    .name = "allegro",
    .init = allegro_init,
    .free = allegro_free,
    .configure = allegro_configure,
    .check = allegro_check,
    .prepare = allegro_prepare,
    .prepared = allegro_prepared,
    .build = allegro_build,
    .classify = allegro_classify,
    .reconcile_build = allegro_reconcile_build,
    .reconcile_classify = allegro_reconcile_classify,
    .reconcile_first = true,
    .retry_wait = allegro_retry_wait,
    .pull_build = allegro_pull_build,
    .pull_parse = allegro_pull_parse,
    .secret_rotated = allegro_secret_rotated,
    .secret_update = allegro_secret_update,
};
