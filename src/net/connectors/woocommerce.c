/* SPDX-License-Identifier: MIT */
/*
 * The `woocommerce` connector: a refund decided at the station becomes
 * POST {url}/wp-json/wc/v3/orders/{id}/refunds (WooCommerce REST API v3,
 * basic auth with the consumer key and secret), and expected returns are
 * pulled from the orders in a configured status.
 *
 * WooCommerce has no idempotency key and may answer 500 after the refund
 * row exists, so every refund is looked up first (reconcile_first): the
 * order's refunds are listed and the station's refund key is matched in
 * their meta_data (_retour_refund_key).  Found, the row is done with the
 * shop's refund id and nothing is sent.
 *
 * Only refunds: any other action is refused at build time (events go to a
 * webhook, [outbox] events).  The delivery refund goes on the order's
 * shipping line, whose id travels in the expected return's
 * shop_payment_id as "shipping:<id>" (WooCommerce refunds need no payment
 * id): a pulled return has it, a pushed one must carry it.
 *
 * Settings: url, consumer_key_file, consumer_secret_file, api_refund,
 * api_restock, pull_status, pull_per_page (docs/connectors/woocommerce.md).
 *
 * This file: the settings, auth and reading WooCommerce's answers; the
 * refund and its lookup are in woocommerce_refund.c, the pull in
 * woocommerce_pull.c (woocommerce_internal.h), the operations the
 * registry sees in woocommerce_connector.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <nettle/base64.h>

#include "woocommerce_internal.h"

/* ---- settings ---------------------------------------------------------- */

static bool woo_url_ok(const char *url)
{
	size_t i;

	if (!url)
		return false;
	if (strncasecmp(url, "https://", 8) != 0 &&
	    strncasecmp(url, "http://", 7) != 0)
		return false;
	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f || url[i] == '?' ||
		    url[i] == '#')
			return false;
	/* room for the API path, an id and the query after it */
	return i + 200 < CONNECTOR_URL_LEN;
}

/* A consumer key or secret: visible ASCII, and no ':' in the key (it
 * separates the two in the basic auth). */
static bool woo_secret_ok(const char *s, bool is_key)
{
	size_t i;

	if (!s || !s[0])
		return false;
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f || (is_key && s[i] == ':'))
			return false;
	return i <= WOO_SECRET_MAX;
}

int woo_init(void **state)
{
	struct woo_state *ws = calloc(1, sizeof(*ws));

	if (!ws)
		return -ENOMEM;
	ws->api_refund = true;
	ws->api_restock = true;
	ws->per_page = 50;
	*state = ws;
	return 0;
}

void woo_free(void *state)
{
	struct woo_state *ws = state;

	if (!ws)
		return;
	connector_secret_free(&ws->key);
	connector_secret_free(&ws->secret);
	free(ws);
}

static int woo_yes_no(const char *v, bool *out)
{
	if (!v)
		return -EINVAL;
	if (!strcmp(v, "yes") || !strcmp(v, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

/* order statuses: "return-requested", or several: "a,b" */
static bool woo_status_ok(const char *v)
{
	size_t i;

	if (!v || !v[0])
		return false;
	for (i = 0; v[i]; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') ||
		      (v[i] >= '0' && v[i] <= '9') || v[i] == '-' ||
		      v[i] == '_' || v[i] == ','))
			return false;
	return i < sizeof(((struct woo_state *)0)->pull_status);
}

static int woo_configure_secret(char **dst, bool *has,
				const struct connector_setting *s, bool is_key,
				char *problem, size_t len)
{
	if (!s->value || !s->value[0]) {
		snprintf(problem, len, "%s must name a file", s->key);
		return -EINVAL;
	}
	*has = true;
	if (!s->secret)
		return 0;
	/* Only the file is named: its content never goes into a text. */
	if (!woo_secret_ok(s->secret, is_key)) {
		snprintf(problem, len,
			 "%s: the consumer %s in that file is empty or not "
			 "visible ASCII%s",
			 s->key, is_key ? "key" : "secret",
			 is_key ? " without ':'" : "");
		return -EINVAL;
	}
	if (connector_secret_set(dst, s->secret) < 0) {
		snprintf(problem, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int woo_configure(void *state, const struct connector_setting *s, char *problem,
		  size_t len)
{
	struct woo_state *ws = state;
	const char *v = s->value ? s->value : "";

	if (!strcmp(s->key, "url")) {
		size_t n = strlen(v);

		if (!woo_url_ok(v)) {
			snprintf(problem, len,
				 "url must be the shop's https:// (or http://) "
				 "address without spaces, query or fragment, "
				 "under %d bytes",
				 CONNECTOR_URL_LEN - 200);
			return -EINVAL;
		}
		while (n > 0 && v[n - 1] == '/')
			n--;
		snprintf(ws->url, sizeof(ws->url), "%.*s", (int)n, v);
		return 0;
	}
	if (!strcmp(s->key, "consumer_key_file"))
		return woo_configure_secret(&ws->key, &ws->has_key_file, s,
					    true, problem, len);
	if (!strcmp(s->key, "consumer_secret_file"))
		return woo_configure_secret(&ws->secret, &ws->has_secret_file,
					    s, false, problem, len);
	if (!strcmp(s->key, "api_refund") || !strcmp(s->key, "api_restock")) {
		bool *dst = strcmp(s->key, "api_refund") == 0
				? &ws->api_refund
				: &ws->api_restock;

		if (woo_yes_no(v, dst) < 0) {
			snprintf(problem, len, "%s must be yes or no", s->key);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(s->key, "pull_status")) {
		if (!woo_status_ok(v)) {
			snprintf(problem, len,
				 "pull_status must be order status slugs "
				 "(a-z, 0-9, '-', '_', ',' between several)");
			return -EINVAL;
		}
		snprintf(ws->pull_status, sizeof(ws->pull_status), "%s", v);
		return 0;
	}
	if (!strcmp(s->key, "pull_per_page")) {
		char *end;
		long n = strtol(v, &end, 10);

		if (!v[0] || *end || n < 1 || n > 100) {
			snprintf(problem, len,
				 "pull_per_page must be 1 to 100 (the "
				 "shop's limit)");
			return -EINVAL;
		}
		ws->per_page = (int)n;
		return 0;
	}
	snprintf(problem, len,
		 "unknown key '%s' for the woocommerce connector (known: url, "
		 "consumer_key_file, consumer_secret_file, api_refund, "
		 "api_restock, pull_status, pull_per_page)",
		 s->key);
	return -EINVAL;
}

int woo_check(void *state, bool secrets, char *problem, size_t len)
{
	struct woo_state *ws = state;

	if (!ws->url[0]) {
		snprintf(problem, len,
			 "the woocommerce connector needs the shop's url");
		return -EINVAL;
	}
	if (!ws->has_key_file || (secrets && !ws->key)) {
		snprintf(problem, len,
			 "woocommerce consumer key is missing: "
			 "set consumer_key_file");
		return -EINVAL;
	}
	if (!ws->has_secret_file || (secrets && !ws->secret)) {
		snprintf(problem, len,
			 "woocommerce consumer secret is missing: set "
			 "consumer_secret_file");
		return -EINVAL;
	}
	return 0;
}

/* ---- requests ---------------------------------------------------------- */

int woo_auth_headers(const struct woo_state *ws, struct connector_request *req,
		     bool json_body)
{
	char plain[2 * WOO_SECRET_MAX + 2];
	char b64[BASE64_ENCODE_RAW_LENGTH(sizeof(plain)) + 8];
	char value[sizeof(b64) + 8];
	size_t n;
	int r = 0;

	n = (size_t)snprintf(plain, sizeof(plain), "%s:%s", ws->key,
			     ws->secret);
	base64_encode_raw(b64, n, (const uint8_t *)plain);
	b64[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
	snprintf(value, sizeof(value), "Basic %s", b64);
	if (connector_request_add_header(req, "Authorization", value) < 0 ||
	    connector_request_add_header(req, "Accept", "application/json") <
		0 ||
	    connector_request_add_header(req, "User-Agent", WOO_USER_AGENT) <
		0 ||
	    (json_body && connector_request_add_header(req, "Content-Type",
						       "application/json") < 0))
		r = -ENOMEM;
	explicit_bzero(plain, sizeof(plain));
	explicit_bzero(b64, sizeof(b64));
	explicit_bzero(value, sizeof(value));
	return r;
}

/* A WooCommerce id: 1 to 20 digits, not starting with 0. */
bool woo_id_ok(const char *s)
{
	size_t i;

	if (!s || !s[0] || s[0] == '0')
		return false;
	for (i = 0; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return i <= 18; /* fits a json_int_t */
}

int woo_ready(const struct woo_state *ws, char *err, size_t errlen)
{
	if (!woo_url_ok(ws->url) || !ws->key || !ws->secret) {
		snprintf(err, errlen,
			 "woocommerce url or consumer key/secret is not "
			 "usable");
		return -EINVAL;
	}
	return 0;
}

/* ---- answers ----------------------------------------------------------- */

/* WooCommerce's error object {code, message, data:{status}} as a short
 * text; anything else as a snippet of the body. */
void woo_error_text(const struct connector_answer *a, char *err, size_t errlen,
		    const char **code_out)
{
	char msg[160] = "", code[80] = "", jerr[16];
	json_t *root = connector_answer_json(a, 1u << 20, jerr, sizeof(jerr));
	const char *c = NULL, *m = NULL;

	if (code_out)
		*code_out = NULL;
	if (json_is_object(root)) {
		c = json_string_value(json_object_get(root, "code"));
		m = json_string_value(json_object_get(root, "message"));
	}
	if (m)
		connector_text_sanitize(msg, sizeof(msg), m, strlen(m));
	if (c)
		connector_text_sanitize(code, sizeof(code), c, strlen(c));
	if (code_out && c &&
	    !strcmp(c, "woocommerce_rest_cannot_create_"
		       "order_refund") &&
	    m && strcmp(m, WOO_TRY_AGAIN) != 0)
		*code_out = "refused";
	if (msg[0])
		snprintf(err, errlen, "woocommerce: %s (%s, HTTP %ld)", msg,
			 code[0] ? code : "no code", a->status);
	else {
		connector_text_sanitize(msg, 101, a->body ? a->body : "",
					a->body ? a->body_len : 0);
		snprintf(err, errlen, "woocommerce: HTTP %ld%s%s", a->status,
			 msg[0] ? ": " : "", msg);
	}
	json_decref(root);
}

/* A JSON integer id or digits in a string, into @out. */
bool woo_ref(json_t *v, char *out, size_t outlen)
{
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		snprintf(out, outlen, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		return true;
	}
	if (json_is_string(v) && woo_id_ok(json_string_value(v))) {
		snprintf(out, outlen, "%s", json_string_value(v));
		return true;
	}
	return false;
}

void woo_remember_unread(struct woo_state *ws, const char *key)
{
	if (!ws || !key || !key[0])
		return;
	snprintf(ws->unread[ws->unread_next], CONNECTOR_REFUND_KEY_LEN, "%s",
		 key);
	ws->unread_next = (ws->unread_next + 1) % WOO_UNREAD_KEYS;
}

bool woo_was_unread(const struct woo_state *ws, const char *key)
{
	int i;

	if (!ws || !key || !key[0])
		return false;
	for (i = 0; i < WOO_UNREAD_KEYS; i++)
		if (!strcmp(ws->unread[i], key))
			return true;
	return false;
}

bool woo_retryable(long status)
{
	return status == 408 || status == 425 || status == 429 ||
	       (status >= 500 && status <= 599);
}
