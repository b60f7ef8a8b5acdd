/* SPDX-License-Identifier: MIT */
/*
 * The `woocommerce` connector's refund (see woocommerce.c): POST
 * /orders/{id}/refunds with every amount from integer minor units, the
 * delivery on the shipping line once and the station's refund key in
 * meta_data; its answer; the lookup of the order's refunds by that key.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "woocommerce_internal.h"

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

int woo_build(void *state, const struct connector_message *m, int64_t now_us,
	      struct connector_request *req, char *err, size_t errlen)
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

enum connector_result woo_classify(void *state,
				   const struct connector_message *m,
				   const struct connector_answer *a,
				   char *shop_ref, size_t reflen, char *err,
				   size_t errlen)
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

int woo_reconcile_build(void *state, const struct connector_message *m,
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

enum connector_found woo_reconcile_classify(void *state,
					    const struct connector_message *m,
					    const struct connector_answer *a,
					    char *shop_ref, size_t reflen,
					    char *err, size_t errlen)
{
	struct woo_state *ws = state;
	const char *pages, *code = NULL;
	char jerr[120];
	json_t *root, *refund;
	size_t i, n;

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
	n = json_array_size(root);
	json_decref(root);
	if (woo_was_unread(ws, m->refund_key)) {
		/* The shop answered 2xx to it: made, yet not listed (a
		 * plugin hiding meta_data?).  Never make it twice. */
		snprintf(shop_ref, reflen, "%s", "");
		return CONNECTOR_FOUND;
	}
	/* Another page may hold it: the shop says so, or (the header lost
	 * on the way, a proxy dropping it) the page is full. */
	pages = connector_answer_header(a, "X-WP-TotalPages");
	if (pages ? strtol(pages, NULL, 10) > 1 : n >= WOO_LOOKUP_PER_PAGE) {
		snprintf(err, errlen,
			 "woocommerce: the order has %s%d refunds or more, "
			 "cannot tell",
			 pages ? "more than " : "", WOO_LOOKUP_PER_PAGE);
		return CONNECTOR_UNKNOWN;
	}
	return CONNECTOR_ABSENT;
}
