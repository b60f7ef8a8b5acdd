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

#include "retour/connector.h"
#include "retour/decision.h"

#define WOO_USER_AGENT "retour/0.1"
#define WOO_API "/wp-json/wc/v3"
#define WOO_META_KEY "_retour_refund_key"
#define WOO_SHIPPING_PREFIX "shipping:"
#define WOO_SECRET_MAX 256
#define WOO_ID_MAX 20 /* digits of an order, line or refund id */
#define WOO_UNREAD_KEYS 32
#define WOO_LOOKUP_PER_PAGE 100
#define WOO_PULL_BACK_S (30 * 86400) /* the first poll's reach */
#define WOO_REASON_MAX 200
/* A "please try again" 500 of the refunds endpoint, not a refusal. */
#define WOO_TRY_AGAIN "Cannot create order refund, please try again."

struct woo_state {
	char url[CONNECTOR_URL_LEN]; /* base, without a trailing '/' */
	bool has_key_file, has_secret_file;
	char *key, *secret; /* NULL under retourd -n */
	bool api_refund, api_restock;
	char pull_status[128];
	int per_page;
	/* Refund keys whose POST got a 2xx we could not read: the refund
	 * is made; a lookup that cannot find it must not send it again. */
	char unread[WOO_UNREAD_KEYS][CONNECTOR_REFUND_KEY_LEN];
	int unread_next;
};

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

static void woo_secret_free(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

static int woo_init(void **state)
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

static void woo_free(void *state)
{
	struct woo_state *ws = state;

	if (!ws)
		return;
	woo_secret_free(&ws->key);
	woo_secret_free(&ws->secret);
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
	woo_secret_free(dst);
	*dst = strdup(s->secret);
	if (!*dst) {
		snprintf(problem, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int woo_configure(void *state, const struct connector_setting *s,
			 char *problem, size_t len)
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

static int woo_check(void *state, bool secrets, char *problem, size_t len)
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

static int woo_auth_headers(const struct woo_state *ws,
			    struct connector_request *req, bool json_body)
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
static bool woo_id_ok(const char *s)
{
	size_t i;

	if (!s || !s[0] || s[0] == '0')
		return false;
	for (i = 0; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return i <= 18; /* fits a json_int_t */
}

/* The shipping line's id from a shop_payment_id "shipping:<id>", or NULL. */
static const char *woo_shipping_line(const char *payment_id)
{
	size_t n = sizeof(WOO_SHIPPING_PREFIX) - 1;

	if (!payment_id || strncmp(payment_id, WOO_SHIPPING_PREFIX, n) != 0)
		return NULL;
	return woo_id_ok(payment_id + n) ? payment_id + n : NULL;
}

/* The refund row's body and the order's id in it (or the facts').  NULL
 * with @err for a row that is no refund this connector can make. */
static json_t *woo_refund_body(const struct connector_message *m,
			       const char **order_id, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *body;
	const char *oid;

	if (!m->action || strcmp(m->action, EVENT_REFUND_REQUESTED) != 0) {
		snprintf(err, errlen,
			 "the woocommerce connector takes refunds only "
			 "(not %s); route events to a webhook ([outbox] "
			 "events)",
			 m->action ? m->action : "a row without an action");
		return NULL;
	}
	if (!m->refund_key || !m->refund_key[0]) {
		snprintf(err, errlen,
			 "the refund has no refund key (no shop "
			 "on its record)");
		return NULL;
	}
	if (!m->body) {
		snprintf(err, errlen, "outbox row has no body");
		return NULL;
	}
	body = json_loadb(m->body, m->body_len, 0, &jerr);
	if (!json_is_object(body)) {
		json_decref(body);
		snprintf(err, errlen, "the refund's body is not a JSON object");
		return NULL;
	}
	oid = json_string_value(json_object_get(body, "shop_order_id"));
	if ((!oid || !oid[0]) && m->facts && m->facts->expected)
		oid = m->facts->expected->shop_order_id;
	if (!woo_id_ok(oid)) {
		snprintf(err, errlen,
			 "the expected return has no WooCommerce order id: "
			 "shop_order_id must be the order's number id "
			 "(got \"%.40s\")",
			 oid ? oid : "");
		json_decref(body);
		return NULL;
	}
	*order_id = oid;
	return body;
}

static const char *woo_payment_id(const struct connector_message *m,
				  json_t *body)
{
	const char *p =
	    json_string_value(json_object_get(body, "shop_payment_id"));

	if ((!p || !p[0]) && m->facts && m->facts->expected)
		p = m->facts->expected->shop_payment_id;
	return p;
}

static int woo_amount(int64_t minor, const char *currency, json_t **out)
{
	char text[32];

	if (connector_amount_text(minor, currency, text, sizeof(text)) < 0)
		return -EINVAL;
	*out = json_string(text);
	return *out ? 0 : -ENOMEM;
}

static json_t *woo_line(json_int_t id, json_int_t quantity, json_t *total)
{
	json_t *line = json_object();

	if (!line) {
		json_decref(total);
		return NULL;
	}
	json_object_set_new(line, "id", json_integer(id));
	if (quantity > 0)
		json_object_set_new(line, "quantity", json_integer(quantity));
	json_object_set_new(line, "refund_total", total);
	json_object_set_new(line, "refund_tax", json_array());
	return line;
}

static json_t *woo_meta(const char *key, const char *value)
{
	return json_pack("{s:s,s:s}", "key", key, "value", value);
}

/* "retour RMA-10001: within_window, delivery_refunded" */
static void woo_reason(json_t *body, char *out, size_t outlen)
{
	const char *rma = json_string_value(json_object_get(body, "rma"));
	const char *order = json_string_value(json_object_get(body, "order"));
	json_t *codes = json_object_get(body, "reasons"), *c;
	size_t i, n;

	n = (size_t)snprintf(out, outlen, "retour %s",
			     rma && rma[0] ? rma
			     : order	   ? order
					   : "");
	if (n >= outlen)
		return;
	json_array_foreach(codes, i, c)
	{
		const char *code = json_string_value(c);
		int w;

		if (!code)
			continue;
		w = snprintf(out + n, outlen - n, "%s%s", i ? ", " : ": ",
			     code);
		if (w < 0 || (size_t)w >= outlen - n) {
			out[n] = '\0';
			return;
		}
		n += (size_t)w;
	}
}

/* The request body of a refund: every amount from the row's integer minor
 * units, the delivery on the shipping line once. */
static json_t *woo_refund_json(const struct woo_state *ws,
			       const struct connector_message *m, json_t *body,
			       char *err, size_t errlen)
{
	const char *currency =
	    json_string_value(json_object_get(body, "currency"));
	json_t *amount_v = json_object_get(body, "amount_minor");
	json_t *delivery_v = json_object_get(body, "delivery_minor");
	json_t *items = json_object_get(body, "items"), *it;
	json_t *req = NULL, *lines = NULL, *meta = NULL, *v;
	const char *ship;
	char reason[WOO_REASON_MAX];
	json_int_t amount, delivery;
	size_t i;

	if (!currency ||
	    connector_amount_text(0, currency, reason, sizeof(reason)) < 0) {
		snprintf(err, errlen, "the refund has no valid currency");
		return NULL;
	}
	if (!json_is_integer(amount_v) || json_integer_value(amount_v) <= 0) {
		snprintf(err, errlen,
			 "the refund's amount_minor is not a positive integer");
		return NULL;
	}
	amount = json_integer_value(amount_v);
	delivery =
	    json_is_integer(delivery_v) ? json_integer_value(delivery_v) : 0;
	if (delivery < 0 || delivery > amount || !json_is_array(items)) {
		snprintf(err, errlen,
			 "the refund's delivery_minor or items are not "
			 "usable");
		return NULL;
	}
	req = json_object();
	lines = json_array();
	meta = json_array();
	if (!req || !lines || !meta)
		goto nomem;
	json_array_foreach(items, i, it)
	{
		const char *lid =
		    json_string_value(json_object_get(it, "shop_line_id"));
		json_t *q = json_object_get(it, "quantity");
		json_t *r = json_object_get(it, "refund_minor");
		json_t *line;

		if (!woo_id_ok(lid)) {
			snprintf(err, errlen,
				 "item %zu (%.40s) has no WooCommerce line id: "
				 "shop_line_id must be the order line's id",
				 i,
				 json_string_value(json_object_get(it, "sku"))
				     ?: "no sku");
			goto bad;
		}
		if (!json_is_integer(q) || json_integer_value(q) <= 0 ||
		    !json_is_integer(r) || json_integer_value(r) < 0) {
			snprintf(err, errlen,
				 "item %zu has no usable quantity or "
				 "refund_minor",
				 i);
			goto bad;
		}
		if (woo_amount(json_integer_value(r), currency, &v) < 0)
			goto nomem;
		line =
		    woo_line(strtoll(lid, NULL, 10), json_integer_value(q), v);
		if (!line || json_array_append_new(lines, line) < 0)
			goto nomem;
	}
	if (delivery > 0) {
		json_t *line;

		ship = woo_shipping_line(woo_payment_id(m, body));
		if (!ship) {
			snprintf(err, errlen,
				 "the refund includes delivery but the "
				 "expected return names no shipping line: "
				 "shop_payment_id must be \"shipping:<the "
				 "order's shipping line id>\"");
			goto bad;
		}
		if (woo_amount(delivery, currency, &v) < 0)
			goto nomem;
		line = woo_line(strtoll(ship, NULL, 10), 0, v);
		if (!line || json_array_append_new(lines, line) < 0)
			goto nomem;
	}
	if (woo_amount(amount, currency, &v) < 0 ||
	    json_object_set_new(req, "amount", v) < 0)
		goto nomem;
	woo_reason(body, reason, sizeof(reason));
	json_object_set_new(req, "reason", json_string(reason));
	json_object_set_new(req, "api_refund", json_boolean(ws->api_refund));
	json_object_set_new(req, "api_restock", json_boolean(ws->api_restock));
	json_object_set_new(req, "line_items", lines);
	lines = NULL;
	if (json_array_append_new(meta, woo_meta(WOO_META_KEY, m->refund_key)) <
		0 ||
	    json_array_append_new(meta,
				  woo_meta("_retour_currency", currency)) < 0)
		goto nomem;
	json_object_set_new(req, "meta_data", meta);
	return req;
nomem:
	snprintf(err, errlen, "out of memory building the request");
bad:
	json_decref(lines);
	json_decref(meta);
	json_decref(req);
	return NULL;
}

static int woo_ready(const struct woo_state *ws, char *err, size_t errlen)
{
	if (!woo_url_ok(ws->url) || !ws->key || !ws->secret) {
		snprintf(err, errlen,
			 "woocommerce url or consumer key/secret is not "
			 "usable");
		return -EINVAL;
	}
	return 0;
}

static int woo_build(void *state, const struct connector_message *m,
		     int64_t now_us, struct connector_request *req, char *err,
		     size_t errlen)
{
	const struct woo_state *ws = state;
	const char *order_id = NULL;
	json_t *body, *out;
	int r;

	(void)now_us;
	memset(req, 0, sizeof(*req));
	if (woo_ready(ws, err, errlen) < 0)
		return -EINVAL;
	body = woo_refund_body(m, &order_id, err, errlen);
	if (!body)
		return -EINVAL;
	out = woo_refund_json(ws, m, body, err, errlen);
	if (!out) {
		json_decref(body);
		return strstr(err, "out of memory") ? -ENOMEM : -EINVAL;
	}
	req->method = CONNECTOR_POST;
	if (snprintf(req->url, sizeof(req->url),
		     "%s" WOO_API "/orders/%s/refunds", ws->url,
		     order_id) >= (int)sizeof(req->url)) {
		json_decref(body);
		json_decref(out);
		snprintf(err, errlen, "the refund's url is too long");
		return -EINVAL;
	}
	json_decref(body);
	req->body = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(out);
	if (!req->body)
		goto nomem;
	req->body_len = strlen(req->body);
	r = woo_auth_headers(ws, req, true);
	if (r < 0)
		goto nomem;
	return 0;
nomem:
	connector_request_free(req);
	snprintf(err, errlen, "out of memory building the request");
	return -ENOMEM;
}

/* ---- answers ----------------------------------------------------------- */

/* WooCommerce's error object {code, message, data:{status}} as a short
 * text; anything else as a snippet of the body. */
static void woo_error_text(const struct connector_answer *a, char *err,
			   size_t errlen, const char **code_out)
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
static bool woo_ref(json_t *v, char *out, size_t outlen)
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

static void woo_remember_unread(struct woo_state *ws, const char *key)
{
	if (!ws || !key || !key[0])
		return;
	snprintf(ws->unread[ws->unread_next], CONNECTOR_REFUND_KEY_LEN, "%s",
		 key);
	ws->unread_next = (ws->unread_next + 1) % WOO_UNREAD_KEYS;
}

static bool woo_was_unread(const struct woo_state *ws, const char *key)
{
	int i;

	if (!ws || !key || !key[0])
		return false;
	for (i = 0; i < WOO_UNREAD_KEYS; i++)
		if (!strcmp(ws->unread[i], key))
			return true;
	return false;
}

static bool woo_retryable(long status)
{
	return status == 408 || status == 425 || status == 429 ||
	       (status >= 500 && status <= 599);
}

static enum connector_result woo_classify(void *state,
					  const struct connector_message *m,
					  const struct connector_answer *a,
					  char *shop_ref, size_t reflen,
					  char *err, size_t errlen)
{
	struct woo_state *ws = state;
	const char *refused = NULL;
	char jerr[120];
	json_t *root;

	if (reflen)
		shop_ref[0] = '\0';
	if (errlen)
		err[0] = '\0';
	if (a->status >= 200 && a->status <= 299) {
		root = connector_answer_json(a, 0, jerr, sizeof(jerr));
		if (json_is_object(root) &&
		    woo_ref(json_object_get(root, "id"), shop_ref, reflen)) {
			json_decref(root);
			return CONNECTOR_DONE;
		}
		json_decref(root);
		/* Made, but which refund?  The lookup before the next
		 * attempt finds its id; it is never sent again. */
		woo_remember_unread(ws, m ? m->refund_key : NULL);
		snprintf(err, errlen,
			 "woocommerce: HTTP %ld without a refund id (%s); "
			 "looking it up",
			 a->status, root ? "no id" : jerr);
		return CONNECTOR_RETRY;
	}
	if (a->status >= 300 && a->status <= 399) {
		snprintf(err, errlen,
			 "woocommerce: HTTP %ld: redirects are not followed, "
			 "configure the shop's final url (https://)",
			 a->status);
		return CONNECTOR_FATAL;
	}
	woo_error_text(a, err, errlen, &refused);
	/* wc_create_refund() said no (an invalid amount, the gateway
	 * refused): it removed its refund before answering 500.  Sending
	 * it again would be refused again. */
	if (refused && a->status >= 500)
		return CONNECTOR_FATAL;
	if (woo_retryable(a->status))
		return CONNECTOR_RETRY;
	if (a->status >= 400 && a->status <= 499)
		return CONNECTOR_FATAL;
	return CONNECTOR_RETRY; /* 1xx or outside HTTP: a broken proxy */
}

static int woo_reconcile_build(void *state, const struct connector_message *m,
			       int64_t now_us, struct connector_request *req,
			       char *err, size_t errlen)
{
	const struct woo_state *ws = state;
	const char *order_id = NULL;
	json_t *body;
	int r;

	(void)now_us;
	memset(req, 0, sizeof(*req));
	if (woo_ready(ws, err, errlen) < 0)
		return -EINVAL;
	body = woo_refund_body(m, &order_id, err, errlen);
	if (!body)
		return -EINVAL;
	req->method = CONNECTOR_GET;
	r = snprintf(req->url, sizeof(req->url),
		     "%s" WOO_API "/orders/%s/refunds?per_page=%d", ws->url,
		     order_id, WOO_LOOKUP_PER_PAGE);
	json_decref(body);
	if (r >= (int)sizeof(req->url)) {
		snprintf(err, errlen, "the lookup's url is too long");
		return -EINVAL;
	}
	r = woo_auth_headers(ws, req, false);
	if (r < 0) {
		connector_request_free(req);
		snprintf(err, errlen, "out of memory building the lookup");
		return -ENOMEM;
	}
	return 0;
}

/* Does @refund carry @key in its meta_data? */
static bool woo_has_key(json_t *refund, const char *key)
{
	json_t *meta = json_object_get(refund, "meta_data"), *e;
	size_t i;

	json_array_foreach(meta, i, e)
	{
		const char *k = json_string_value(json_object_get(e, "key"));
		const char *v = json_string_value(json_object_get(e, "value"));

		if (k && v && !strcmp(k, WOO_META_KEY) && !strcmp(v, key))
			return true;
	}
	return false;
}

static enum connector_found
woo_reconcile_classify(void *state, const struct connector_message *m,
		       const struct connector_answer *a, char *shop_ref,
		       size_t reflen, char *err, size_t errlen)
{
	struct woo_state *ws = state;
	const char *pages, *code = NULL;
	char jerr[120];
	json_t *root, *refund;
	size_t i;

	if (reflen)
		shop_ref[0] = '\0';
	if (errlen)
		err[0] = '\0';
	if (!m || !m->refund_key || !m->refund_key[0]) {
		snprintf(err, errlen, "no refund key to look up");
		return CONNECTOR_UNKNOWN;
	}
	if (a->status == 404) {
		root = connector_answer_json(a, 1u << 20, jerr, sizeof(jerr));
		code = json_string_value(json_object_get(root, "code"));
		if (code &&
		    !strcmp(code, "woocommerce_rest_invalid_order_id")) {
			/* No such order, so no refund of it: the refund
			 * itself will say so, with the shop's message. */
			json_decref(root);
			return CONNECTOR_ABSENT;
		}
		json_decref(root);
	}
	if (a->status < 200 || a->status > 299) {
		woo_error_text(a, err, errlen, NULL);
		return CONNECTOR_UNKNOWN;
	}
	root = connector_answer_json(a, 0, jerr, sizeof(jerr));
	if (!json_is_array(root)) {
		snprintf(err, errlen, "woocommerce: the order's refunds: %s",
			 root ? "not a list" : jerr);
		json_decref(root);
		return CONNECTOR_UNKNOWN;
	}
	json_array_foreach(root, i, refund)
	{
		if (!json_is_object(refund) ||
		    !woo_has_key(refund, m->refund_key))
			continue;
		if (!woo_ref(json_object_get(refund, "id"), shop_ref, reflen))
			snprintf(shop_ref, reflen, "%s", "");
		json_decref(root);
		return CONNECTOR_FOUND;
	}
	json_decref(root);
	pages = connector_answer_header(a, "X-WP-TotalPages");
	if (pages && strtol(pages, NULL, 10) > 1) {
		snprintf(err, errlen,
			 "woocommerce: the order has more than %d refunds, "
			 "cannot tell",
			 WOO_LOOKUP_PER_PAGE);
		return CONNECTOR_UNKNOWN;
	}
	if (woo_was_unread(ws, m->refund_key)) {
		/* The shop answered 2xx to it: made, yet not listed (a
		 * plugin hiding meta_data?).  Never make it twice. */
		snprintf(shop_ref, reflen, "%s", "");
		return CONNECTOR_FOUND;
	}
	return CONNECTOR_ABSENT;
}

/* ---- pulling expected returns ------------------------------------------ */

/* "2026-11-20T10:01:00" (GMT) <-> UTC seconds. */
static int woo_time_parse(const char *text, int64_t *out)
{
	struct tm tm;
	const char *end;
	time_t t;

	if (!text)
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end ||
	    (*end && strcmp(end, "Z") != 0 && *end != '.' && *end != '|'))
		return -EINVAL;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = (int64_t)t;
	return 0;
}

static void woo_time_text(int64_t secs, char *out, size_t outlen)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(out, outlen, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(out, outlen, "1970-01-01T00:00:00");
}

/*
 * The cursor: "<date_modified_gmt of the newest order seen>|<ids of the
 * orders seen with that very time, comma-separated>".  The next poll asks
 * for orders modified from that second on (the shop's modified_after is
 * strict) and leaves out the ones listed, so that two orders modified in
 * the same second are neither lost nor pulled twice.
 */
struct woo_cursor {
	int64_t at; /* UTC s, 0: none */
	char ids[CONNECTOR_URL_LEN];
};

static void woo_cursor_parse(const char *cursor, struct woo_cursor *c)
{
	const char *bar;

	memset(c, 0, sizeof(*c));
	if (!cursor || !cursor[0] || woo_time_parse(cursor, &c->at) < 0) {
		c->at = 0;
		return;
	}
	bar = strchr(cursor, '|');
	if (bar)
		snprintf(c->ids, sizeof(c->ids), "%s", bar + 1);
}

static bool woo_cursor_has(const struct woo_cursor *c, const char *id)
{
	size_t n = strlen(id);
	const char *p = c->ids;

	while ((p = strstr(p, id)) != NULL) {
		if ((p == c->ids || p[-1] == ',') &&
		    (p[n] == ',' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

static int woo_pull_build(void *state, const char *cursor, int64_t now_us,
			  struct connector_request *req, char *err,
			  size_t errlen)
{
	const struct woo_state *ws = state;
	struct woo_cursor c;
	char after[32];

	memset(req, 0, sizeof(*req));
	if (woo_ready(ws, err, errlen) < 0)
		return -EINVAL;
	if (!ws->pull_status[0]) {
		snprintf(err, errlen,
			 "set pull_status (the order status a return "
			 "plugin gives returns) to pull from woocommerce");
		return -EINVAL;
	}
	woo_cursor_parse(cursor, &c);
	woo_time_text(c.at ? c.at - 1 : now_us / 1000000 - WOO_PULL_BACK_S,
		      after, sizeof(after));
	req->method = CONNECTOR_GET;
	if (snprintf(req->url, sizeof(req->url),
		     "%s" WOO_API "/orders?status=%s&orderby=modified&order="
		     "asc&dates_are_gmt=true&modified_after=%s&per_page=%d",
		     ws->url, ws->pull_status, after,
		     ws->per_page) >= (int)sizeof(req->url)) {
		snprintf(err, errlen, "the poll's url is too long");
		return -EINVAL;
	}
	if (woo_auth_headers(ws, req, false) < 0) {
		connector_request_free(req);
		snprintf(err, errlen, "out of memory building the poll");
		return -ENOMEM;
	}
	return 0;
}

/* A WooCommerce decimal ("49.99", "49.990000", "12") in minor units. */
static int woo_money(json_t *v, const char *currency, int64_t *minor)
{
	char text[40];
	const char *s = json_string_value(v);
	size_t n;

	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, i);
		return connector_amount_parse(text, currency, minor);
	}
	if (!s || (n = strlen(s)) == 0 || n >= sizeof(text))
		return -EINVAL;
	memcpy(text, s, n + 1);
	if (strchr(text, '.')) {
		while (n > 0 && text[n - 1] == '0')
			text[--n] = '\0';
		if (n > 0 && text[n - 1] == '.')
			text[--n] = '\0';
	}
	return connector_amount_parse(text, currency, minor);
}

static json_t *woo_time_json(json_t *v)
{
	int64_t t;
	char text[40];

	if (woo_time_parse(json_string_value(v), &t) < 0)
		return json_null();
	woo_time_text(t, text, sizeof(text));
	strcat(text, "Z");
	return json_string(text);
}

static bool woo_text_ok(const char *s, size_t max)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return i < max;
}

/* One order as an expected return, or NULL when it cannot be (left out
 * whole, never half-made). */
static json_t *woo_order_return(json_t *o)
{
	json_t *er = NULL, *items, *lines, *li, *ship;
	const char *currency =
	    json_string_value(json_object_get(o, "currency"));
	const char *number = json_string_value(json_object_get(o, "number"));
	char id[32], rma[48], sid[32];
	int64_t ship_total = 0, ship_tax = 0;
	size_t i;

	if (!woo_ref(json_object_get(o, "id"), id, sizeof(id)) || !currency ||
	    connector_amount_text(0, currency, sid, sizeof(sid)) < 0)
		return NULL;
	li = json_object_get(o, "line_items");
	if (!json_is_array(li) || json_array_size(li) == 0 ||
	    json_array_size(li) > RETURN_MAX_ITEMS)
		return NULL;
	if (woo_money(json_object_get(o, "shipping_total"), currency,
		      &ship_total) < 0 ||
	    woo_money(json_object_get(o, "shipping_tax"), currency, &ship_tax) <
		0 ||
	    ship_total < 0 || ship_tax < 0)
		return NULL;
	snprintf(rma, sizeof(rma), "WC-%s", id);
	er = json_object();
	items = json_array();
	lines = json_array();
	if (!er || !items || !lines)
		goto bad;
	json_array_foreach(li, i, ship)
	{
		json_t *it;
		const char *sku =
		    json_string_value(json_object_get(ship, "sku"));
		const char *name =
		    json_string_value(json_object_get(ship, "name"));
		json_t *q = json_object_get(ship, "quantity");
		int64_t total, tax;
		char lid[32];

		if (!woo_ref(json_object_get(ship, "id"), lid, sizeof(lid)) ||
		    !sku || !sku[0] || !woo_text_ok(sku, RETURN_REF_LEN) ||
		    !json_is_integer(q) || json_integer_value(q) < 1 ||
		    json_integer_value(q) > 100000 ||
		    woo_money(json_object_get(ship, "total"), currency,
			      &total) < 0 ||
		    woo_money(json_object_get(ship, "total_tax"), currency,
			      &tax) < 0 ||
		    total < 0 || tax < 0)
			goto bad;
		it = json_pack(
		    "{s:s,s:I,s:I,s:s}", "sku", sku, "quantity",
		    (json_int_t)json_integer_value(q), "unit_price_minor",
		    (json_int_t)((total + tax) / json_integer_value(q)),
		    "shop_line_id", lid);
		if (!it)
			goto bad;
		if (name && woo_text_ok(name, 10000)) {
			char cut[RETURN_NAME_LEN];

			/* whole UTF-8 characters only */
			size_t n = strlen(name);

			if (n >= sizeof(cut)) {
				n = sizeof(cut) - 1;
				while (n > 0 &&
				       ((unsigned char)name[n] & 0xc0) == 0x80)
					n--;
			}
			memcpy(cut, name, n);
			cut[n] = '\0';
			json_object_set_new(it, "name", json_string(cut));
		}
		json_array_append_new(items, it);
		json_array_append_new(
		    lines, json_pack("{s:s,s:I}", "sku", sku, "quantity",
				     (json_int_t)json_integer_value(q)));
	}
	json_object_set_new(er, "rma", json_string(rma));
	json_object_set_new(
	    er, "order",
	    json_string(number && number[0] &&
				woo_text_ok(number, RETURN_REF_LEN)
			    ? number
			    : id));
	json_object_set_new(er, "kind", json_string("withdrawal"));
	json_object_set_new(er, "shop_order_id", json_string(id));
	ship = json_array_get(json_object_get(o, "shipping_lines"), 0);
	if (ship && woo_ref(json_object_get(ship, "id"), sid, sizeof(sid))) {
		char pid[48];

		snprintf(pid, sizeof(pid), WOO_SHIPPING_PREFIX "%s", sid);
		json_object_set_new(er, "shop_payment_id", json_string(pid));
	}
	json_object_set_new(er, "currency", json_string(currency));
	json_object_set_new(er, "lookup_codes", json_array());
	json_object_set_new(
	    er, "delivered_at",
	    woo_time_json(json_object_get(o, "date_completed_gmt")));
	json_object_set_new(er, "requested_at", json_null());
	json_object_set_new(er, "delivery_basic_minor",
			    json_integer(ship_total + ship_tax));
	json_object_set_new(er, "delivery_paid_minor",
			    json_integer(ship_total + ship_tax));
	json_object_set_new(er, "items", items);
	json_object_set_new(er, "order_lines", lines);
	return er;
bad:
	json_decref(items);
	json_decref(lines);
	json_decref(er);
	return NULL;
}

static int woo_pull_parse(void *state, const char *cursor,
			  const struct connector_answer *a, int64_t now_us,
			  json_t *returns, char *next, size_t nextlen,
			  bool *more, char *err, size_t errlen)
{
	const struct woo_state *ws = state;
	struct woo_cursor c, n;
	char jerr[120], when[32];
	json_t *root, *o;
	size_t i, used;

	(void)now_us;
	*more = false;
	if (nextlen)
		snprintf(next, nextlen, "%s", cursor ? cursor : "");
	if (a->status < 200 || a->status > 299) {
		woo_error_text(a, err, errlen, NULL);
		return woo_retryable(a->status) ? -EAGAIN : -EINVAL;
	}
	root = connector_answer_json(a, 0, jerr, sizeof(jerr));
	if (!json_is_array(root)) {
		snprintf(err, errlen, "woocommerce: the orders: %s",
			 root ? "not a list" : jerr);
		json_decref(root);
		return -EINVAL;
	}
	woo_cursor_parse(cursor, &c);
	n = c;
	json_array_foreach(root, i, o)
	{
		char id[32];
		int64_t at;
		json_t *er;

		if (!json_is_object(o) ||
		    !woo_ref(json_object_get(o, "id"), id, sizeof(id)) ||
		    woo_time_parse(json_string_value(
				       json_object_get(o, "date_modified_gmt")),
				   &at) < 0)
			continue;
		if (at < c.at || (at == c.at && woo_cursor_has(&c, id)))
			continue; /* seen on an earlier poll */
		if (at > n.at) {
			n.at = at;
			n.ids[0] = '\0';
		}
		if (at == n.at) {
			used = strlen(n.ids);
			/* more ids than fit: the oldest is forgotten, and
			 * pulled again at worst (the import replaces by
			 * RMA, never duplicates) */
			if (used + strlen(id) + 2 < sizeof(n.ids))
				snprintf(n.ids + used, sizeof(n.ids) - used,
					 "%s%s", used ? "," : "", id);
		}
		er = woo_order_return(o);
		if (er)
			json_array_append_new(returns, er);
	}
	if (n.at && nextlen) {
		woo_time_text(n.at, when, sizeof(when));
		used = (size_t)snprintf(next, nextlen, "%s|", when);
		if (used < nextlen) {
			/* whole ids only */
			size_t room = nextlen - used - 1, k = strlen(n.ids);

			while (k > room) {
				char *comma = strrchr(n.ids, ',');

				if (!comma) {
					k = 0;
					break;
				}
				*comma = '\0';
				k = strlen(n.ids);
			}
			snprintf(next + used, nextlen - used, "%.*s", (int)k,
				 n.ids);
		}
	}
	/* a full page, and the cursor moved: the next page at once */
	*more = nextlen && json_array_size(root) >= (size_t)ws->per_page &&
		strcmp(next, cursor ? cursor : "") != 0;
	json_decref(root);
	return 0;
}

const struct connector connector_woocommerce = {
    .name = "woocommerce",
    .init = woo_init,
    .free = woo_free,
    .configure = woo_configure,
    .check = woo_check,
    .build = woo_build,
    .classify = woo_classify,
    .reconcile_build = woo_reconcile_build,
    .reconcile_classify = woo_reconcile_classify,
    .reconcile_first = true,
    .pull_build = woo_pull_build,
    .pull_parse = woo_pull_parse,
};
