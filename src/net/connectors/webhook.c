/* SPDX-License-Identifier: MIT */
/*
 * The generic `webhook` connector: POST the outbox row's JSON as it is,
 * signed per the Standard Webhooks convention (webhook-id,
 * webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256>) so an
 * integrator's existing verifier library accepts it.
 *
 * The webhook-id is the row's idempotency key: the same on every retry,
 * which is what lets the receiver drop duplicates.  A refund's is its
 * refund key instead (connector_refund_key: the shop, the return and the
 * action), so the same refund decided at two desks, or again after an
 * undo, reaches the receiver under one webhook-id and is paid once; the
 * body's "id" still names the station's row.  The timestamp and the
 * signature are fresh for each attempt.  Not here: asymmetric (v1a)
 * signatures, several secrets at once, payload envelopes, a lookup before
 * a retry (the receiver drops a repeated webhook-id).
 *
 * Settings: url, and secret_file, whose content the station reads.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "retour/connector.h"

#define WEBHOOK_SECRET_PREFIX "whsec_"
#define WEBHOOK_SECRET_MAX 1024
#define WEBHOOK_USER_AGENT "retour/0.1"

static bool webhook_is_b64_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= '0' && ch <= '9') || ch == '+' || ch == '/';
}

/*
 * The key bytes of a secret: base64-decoded after "whsec_", the raw text
 * otherwise.  Padding is optional, as some providers hand secrets out
 * without it.  @key must hold WEBHOOK_SECRET_MAX bytes.
 */
static int webhook_secret_key(const char *secret, unsigned char *key,
			      size_t *keylen)
{
	struct base64_decode_ctx b64;
	size_t len, pads = 0, i;

	if (!secret || !secret[0])
		return -EINVAL;
	len = strlen(secret);
	if (strncmp(secret, WEBHOOK_SECRET_PREFIX,
		    sizeof(WEBHOOK_SECRET_PREFIX) - 1) != 0) {
		if (len > WEBHOOK_SECRET_MAX)
			return -EINVAL;
		memcpy(key, secret, len);
		*keylen = len;
		return 0;
	}
	secret += sizeof(WEBHOOK_SECRET_PREFIX) - 1;
	len -= sizeof(WEBHOOK_SECRET_PREFIX) - 1;
	while (len > 0 && secret[len - 1] == '=' && pads < 2) {
		len--;
		pads++;
	}
	if (len == 0 || len > WEBHOOK_SECRET_MAX || len % 4 == 1)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!webhook_is_b64_char(secret[i]))
			return -EINVAL;
	/* Fed without its padding, the decoder keeps the spare bits of a
	 * short last group in its context, where base64_decode_final()
	 * would insist they are zero; not calling it lets them go. */
	base64_decode_init(&b64);
	base64_decode_update(&b64, keylen, key, len, secret);
	return 0;
}

static void webhook_hmac(const unsigned char *key, size_t keylen,
			 const char *msg_id, const char *ts, const char *body,
			 size_t body_len, unsigned char md[SHA256_DIGEST_SIZE])
{
	struct hmac_sha256_ctx ctx;

	hmac_sha256_set_key(&ctx, keylen, key);
	hmac_sha256_update(&ctx, strlen(msg_id), (const uint8_t *)msg_id);
	hmac_sha256_update(&ctx, 1, (const uint8_t *)".");
	hmac_sha256_update(&ctx, strlen(ts), (const uint8_t *)ts);
	hmac_sha256_update(&ctx, 1, (const uint8_t *)".");
	hmac_sha256_update(&ctx, body_len, (const uint8_t *)body);
	hmac_sha256_digest(&ctx, SHA256_DIGEST_SIZE, md);
	/* The context holds the keyed hash state: as secret as the key. */
	explicit_bzero(&ctx, sizeof(ctx));
}

int webhook_sign(const char *secret, const char *msg_id, int64_t timestamp,
		 const char *body, size_t body_len, char *out, size_t outlen)
{
	unsigned char key[WEBHOOK_SECRET_MAX];
	unsigned char md[SHA256_DIGEST_SIZE];
	char b64[BASE64_ENCODE_RAW_LENGTH(SHA256_DIGEST_SIZE)];
	char ts[24];
	size_t keylen = 0;
	int r;

	if (!msg_id || (!body && body_len))
		return -EINVAL;
	r = webhook_secret_key(secret, key, &keylen);
	if (r < 0)
		return r;
	snprintf(ts, sizeof(ts), "%" PRId64, timestamp);
	webhook_hmac(key, keylen, msg_id, ts, body ? body : "", body_len, md);
	explicit_bzero(key, sizeof(key));
	base64_encode_raw(b64, sizeof(md), md);
	if ((size_t)snprintf(out, outlen, "v1,%.*s", (int)sizeof(b64), b64) >=
	    outlen)
		return -ENOSPC;
	return 0;
}

/* An instance's settings: where to post and the key to sign with. */
struct webhook_state {
	char url[CONNECTOR_URL_LEN];
	bool has_secret_file;
	char *secret; /* the file's content, NULL under retourd -n */
};

static bool webhook_url_ok(const char *url)
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
	return i < CONNECTOR_URL_LEN;
}

static int webhook_init(void **state)
{
	*state = calloc(1, sizeof(struct webhook_state));
	return *state ? 0 : -ENOMEM;
}

static void webhook_free(void *state)
{
	struct webhook_state *ws = state;

	if (!ws)
		return;
	connector_secret_free(&ws->secret);
	free(ws);
}

static int webhook_configure(void *state, const struct connector_setting *s,
			     char *problem, size_t len)
{
	struct webhook_state *ws = state;
	unsigned char key[WEBHOOK_SECRET_MAX];
	size_t keylen;
	int r;

	if (strcmp(s->key, "url") == 0) {
		if (!webhook_url_ok(s->value)) {
			snprintf(problem, len,
				 "url must be an http:// or https:// URL "
				 "without spaces, under %d bytes",
				 CONNECTOR_URL_LEN);
			return -EINVAL;
		}
		snprintf(ws->url, sizeof(ws->url), "%s", s->value);
		return 0;
	}
	if (strcmp(s->key, "secret_file") != 0) {
		snprintf(problem, len,
			 "unknown key '%s' for the webhook connector (known: "
			 "url, secret_file)",
			 s->key);
		return -EINVAL;
	}
	if (!s->value || !s->value[0]) {
		snprintf(problem, len, "secret_file must name a file");
		return -EINVAL;
	}
	ws->has_secret_file = true;
	if (!s->secret)
		return 0;
	/* Only the file is named: its content never goes into a text. */
	r = webhook_secret_key(s->secret, key, &keylen);
	explicit_bzero(key, sizeof(key));
	if (r < 0) {
		snprintf(problem, len,
			 "webhook secret is missing, or not valid base64 "
			 "after \"whsec_\"");
		return -EINVAL;
	}
	if (connector_secret_set(&ws->secret, s->secret) < 0) {
		snprintf(problem, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int webhook_check(void *state, bool secrets, char *problem, size_t len)
{
	struct webhook_state *ws = state;

	if (!ws->url[0]) {
		snprintf(problem, len, "the webhook connector needs a url");
		return -EINVAL;
	}
	if (!ws->has_secret_file || (secrets && !ws->secret)) {
		snprintf(problem, len,
			 "webhook secret is missing: set secret_file");
		return -EINVAL;
	}
	return 0;
}

/* The key goes into two headers and the signed text: keep it to visible
 * ASCII so no CR/LF or comma can change what the receiver sees. */
static bool webhook_key_ok(const char *key)
{
	size_t i;

	if (!key[0])
		return false;
	for (i = 0; key[i]; i++)
		if ((unsigned char)key[i] <= 0x20 ||
		    (unsigned char)key[i] >= 0x7f || key[i] == ',')
			return false;
	return true;
}

static int webhook_build(void *state, const struct connector_message *m,
			 int64_t now_us, struct connector_request *req,
			 char *err, size_t errlen)
{
	const struct webhook_state *ws = state;
	char sig[64], ts[24];
	int64_t now_s = now_us / 1000000;
	const char *id;
	int r;

	memset(req, 0, sizeof(*req));
	if (!webhook_url_ok(ws->url) || !ws->secret) {
		snprintf(err, errlen, "webhook url or secret is not usable");
		return -EINVAL;
	}
	if (!m->key || !webhook_key_ok(m->key)) {
		snprintf(err, errlen,
			 "idempotency key is empty or has characters that "
			 "cannot go into a header");
		return -EINVAL;
	}
	if (!m->body) {
		snprintf(err, errlen, "outbox row has no body");
		return -EINVAL;
	}
	id = m->refund_key && webhook_key_ok(m->refund_key) ? m->refund_key
							    : m->key;
	req->method = CONNECTOR_POST;
	snprintf(req->url, sizeof(req->url), "%s", ws->url);
	req->body_len = m->body_len;
	req->body = malloc(m->body_len + 1);
	if (!req->body)
		goto nomem;
	memcpy(req->body, m->body, m->body_len);
	req->body[m->body_len] = '\0';

	r = webhook_sign(ws->secret, id, now_s, req->body, req->body_len, sig,
			 sizeof(sig));
	if (r < 0) {
		connector_request_free(req);
		snprintf(err, errlen, "cannot sign the request: %s",
			 r == -EINVAL ? "bad webhook secret" : strerror(-r));
		return -EINVAL;
	}
	snprintf(ts, sizeof(ts), "%" PRId64, now_s);
	if (connector_request_add_header(req, "Content-Type",
					 "application/json") < 0 ||
	    connector_request_add_header(req, "User-Agent",
					 WEBHOOK_USER_AGENT) < 0 ||
	    connector_request_add_header(req, "webhook-id", id) < 0 ||
	    connector_request_add_header(req, "webhook-timestamp", ts) < 0 ||
	    connector_request_add_header(req, "webhook-signature", sig) < 0 ||
	    connector_request_add_header(req, "Idempotency-Key", id) < 0)
		goto nomem;
	return 0;
nomem:
	connector_request_free(req);
	snprintf(err, errlen, "out of memory building the request");
	return -ENOMEM;
}

/* The shop's reference: "id" or "refund_id", a string or a number.  A 2xx
 * whose body is not JSON is still a delivery. */
static void webhook_shop_ref(const char *body, size_t len, char *shop_ref,
			     size_t reflen)
{
	static const char *const fields[] = {"id", "refund_id"};
	json_error_t jerr;
	json_t *root;
	size_t i;

	if (!reflen)
		return;
	shop_ref[0] = '\0';
	if (!body || !len)
		return;
	root = json_loadb(body, len, 0, &jerr);
	if (!root)
		return;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = json_is_object(root)
				? json_object_get(root, fields[i])
				: NULL;

		if (json_is_string(v) && json_string_length(v) > 0) {
			connector_text_sanitize(shop_ref, reflen,
						json_string_value(v),
						json_string_length(v));
			break;
		}
		if (json_is_integer(v)) {
			snprintf(shop_ref, reflen, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
			break;
		}
	}
	json_decref(root);
}

static void webhook_error_text(char *err, size_t errlen, long status,
			       const char *what, const char *body, size_t len)
{
	char snippet[101];

	connector_text_sanitize(snippet, sizeof(snippet), body ? body : "",
				body ? len : 0);
	if (snippet[0])
		snprintf(err, errlen, "HTTP %ld %s: %s", status, what, snippet);
	else
		snprintf(err, errlen, "HTTP %ld %s", status, what);
}

static enum connector_result webhook_classify(void *state,
					      const struct connector_message *m,
					      const struct connector_answer *a,
					      char *shop_ref, size_t reflen,
					      char *err, size_t errlen)
{
	long status = a->status;
	const char *body = a->body;
	size_t len = a->body_len;

	(void)state;
	(void)m;
	if (reflen)
		shop_ref[0] = '\0';
	if (errlen)
		err[0] = '\0';
	if (status >= 200 && status <= 299) {
		webhook_shop_ref(body, len, shop_ref, reflen);
		return CONNECTOR_DONE;
	}
	if (status == 408 || status == 425 || status == 429 ||
	    (status >= 500 && status <= 599)) {
		webhook_error_text(err, errlen, status, "from the receiver",
				   body, len);
		return CONNECTOR_RETRY;
	}
	if (status >= 400 && status <= 499) {
		webhook_error_text(err, errlen, status, "refused", body, len);
		return CONNECTOR_FATAL;
	}
	if (status >= 300 && status <= 399) {
		snprintf(err, errlen,
			 "HTTP %ld: redirects are not followed, "
			 "configure the final URL",
			 status);
		return CONNECTOR_FATAL;
	}
	/* 1xx as a final answer or a status outside HTTP: a broken
	 * receiver or proxy, likely passing. */
	snprintf(err, errlen, "unexpected HTTP status %ld", status);
	return CONNECTOR_RETRY;
}

const struct connector connector_webhook = {
    .name = "webhook",
    .init = webhook_init,
    .free = webhook_free,
    .configure = webhook_configure,
    .check = webhook_check,
    .build = webhook_build,
    .classify = webhook_classify,
};
