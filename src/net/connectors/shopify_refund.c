/* SPDX-License-Identifier: MIT */
/*
 * The `shopify` connector's refund (see shopify.c): refundCreate with the
 * @idempotent directive for an order, or returnProcess for a Shopify
 * return; the mutation's answer read into done / retry / fatal; the lookup
 * of the order's refunds (the key in their note) before a retry.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shopify_internal.h"

static bool shopify_key_ok(const char *key)
{
	size_t i;

	if (!key || !key[0])
		return false;
	for (i = 0; key[i]; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') ||
		      (key[i] >= 'A' && key[i] <= 'Z') ||
		      (key[i] >= '0' && key[i] <= '9') || key[i] == '-' ||
		      key[i] == '_'))
			return false;
	return i < 128;
}

/* The refund's note: the refund key first (what the lookup matches), then
 * the station's reasons. */
static char *shopify_note(const char *key, json_t *body)
{
	json_t *reasons = json_object_get(body, "reasons");
	size_t cap = 512, n, i;
	char *note = malloc(cap);
	json_t *r;

	if (!note)
		return NULL;
	n = (size_t)snprintf(note, cap, "retour %s", key);
	json_array_foreach(reasons, i, r)
	{
		const char *t = json_string_value(r);
		int w;

		if (!t)
			continue;
		w = snprintf(note + n, cap - n, "%s%s", i ? ", " : ": ", t);
		if (w < 0 || (size_t)w >= cap - n) {
			note[n] = '\0';
			break;
		}
		n += (size_t)w;
	}
	return note;
}

static int64_t shopify_int(json_t *obj, const char *key, bool *ok)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v)) {
		*ok = false;
		return 0;
	}
	return json_integer_value(v);
}

/* A money text of @minor @currency into @obj[@key]. */
static int shopify_set_amount(json_t *obj, const char *key, int64_t minor,
			      const char *currency)
{
	char text[32];

	if (connector_amount_text(minor, currency, text, sizeof(text)) < 0)
		return -EINVAL;
	return json_object_set_new(obj, key, json_string(text)) ? -ENOMEM : 0;
}

struct shopify_refund {
	const char *order_id;
	const char *payment_id;
	const char *currency;
	const char *rma;
	int64_t amount;
	int64_t delivery;
};

/* What the refund.requested body must carry, checked. */
static int shopify_refund_facts(json_t *body, const struct connector_message *m,
				struct shopify_refund *rf, char *err,
				size_t errlen)
{
	const struct expected_return *er = m->facts ? m->facts->expected : NULL;
	bool ok = true;

	rf->order_id = shopify_str(body, "shop_order_id");
	rf->payment_id = shopify_str(body, "shop_payment_id");
	if (!rf->order_id[0] && er)
		rf->order_id = er->shop_order_id;
	if (!rf->payment_id[0] && er)
		rf->payment_id = er->shop_payment_id;
	rf->currency = shopify_str(body, "currency");
	rf->rma = shopify_str(body, "rma");
	rf->amount = shopify_int(body, "amount_minor", &ok);
	rf->delivery = json_object_get(body, "delivery_minor")
			   ? shopify_int(body, "delivery_minor", &ok)
			   : 0;
	if (!ok || rf->amount <= 0 || rf->delivery < 0 ||
	    rf->delivery > rf->amount) {
		snprintf(err, errlen,
			 "the refund's amount_minor or delivery_minor is "
			 "missing or not a positive amount");
		return -EINVAL;
	}
	if (connector_amount_text(0, rf->currency, (char[32]){0}, 32) < 0) {
		snprintf(err, errlen, "the refund has no valid currency");
		return -EINVAL;
	}
	if (!rf->order_id[0] && strncmp(rf->rma, SHOPIFY_RETURN_GID,
					sizeof(SHOPIFY_RETURN_GID) - 1) != 0) {
		snprintf(err, errlen,
			 "the expected return has no shop_order_id: Shopify "
			 "cannot tell which order to refund");
		return -EINVAL;
	}
	if (!rf->payment_id[0]) {
		snprintf(err, errlen,
			 "the expected return has no shop_payment_id (the "
			 "order's SALE or CAPTURE transaction): without it "
			 "Shopify would record a refund that moves no money; "
			 "import it with shop_payment_id, then retry");
		return -EINVAL;
	}
	return 0;
}

static const char shopify_refund_query[] =
    "mutation RetourRefund($input: RefundInput!) "
    "{ refundCreate(input: $input) @idempotent(key: \"%s\") "
    "{ refund { id note totalRefundedSet { presentmentMoney "
    "{ amount currencyCode } } } userErrors { field message } } }";

static const char shopify_return_query[] =
    "mutation RetourReturnProcess($input: ReturnProcessInput!) "
    "{ returnProcess(input: $input) "
    "{ return { id status refunds(first: 10) { nodes { id note } } } "
    "userErrors { field message code } } }";

/* refundLineItems / returnLineItems from the body's items. */
static int shopify_lines(const struct shopify_state *ss, json_t *body,
			 bool for_return, json_t *lines, char *err,
			 size_t errlen)
{
	json_t *items = json_object_get(body, "items"), *it;
	size_t i;

	if (!json_is_array(items) || json_array_size(items) == 0) {
		snprintf(err, errlen, "the refund has no items");
		return -EINVAL;
	}
	json_array_foreach(items, i, it)
	{
		const char *line = shopify_str(it, "shop_line_id");
		bool ok = true;
		int64_t qty = shopify_int(it, "quantity", &ok);
		json_t *l;

		if (!line[0]) {
			snprintf(err, errlen,
				 "item %zu has no shop_line_id: Shopify "
				 "refunds line items by their id",
				 i);
			return -EINVAL;
		}
		if (!ok || qty <= 0 || qty > 1000000) {
			snprintf(err, errlen, "item %zu has no quantity", i);
			return -EINVAL;
		}
		if (for_return)
			l = json_pack("{s:s, s:I}", "id", line, "quantity",
				      (json_int_t)qty);
		else
			l = json_pack("{s:s, s:I, s:s}", "lineItemId", line,
				      "quantity", (json_int_t)qty,
				      "restockType",
				      ss->restock ? "RETURN" : "NO_RESTOCK");
		if (!l)
			return -ENOMEM;
		if (!for_return && ss->location_id[0])
			json_object_set_new(l, "locationId",
					    json_string(ss->location_id));
		if (json_array_append_new(lines, l))
			return -ENOMEM;
	}
	return 0;
}

static json_t *shopify_money(int64_t minor, const char *currency)
{
	char text[32];

	if (connector_amount_text(minor, currency, text, sizeof(text)) < 0)
		return NULL;
	return json_pack("{s:s, s:s}", "amount", text, "currencyCode",
			 currency);
}

static int shopify_build_refund_create(const struct shopify_state *ss,
				       const struct connector_message *m,
				       json_t *body,
				       const struct shopify_refund *rf,
				       struct connector_request *req, char *err,
				       size_t errlen)
{
	json_t *input, *lines, *tx;
	char query[sizeof(shopify_refund_query) + 128];
	char *note = shopify_note(m->refund_key, body);
	int r;

	input = json_object();
	lines = json_array();
	tx = json_pack("{s:s, s:s, s:s, s:s}", "orderId", rf->order_id,
		       "parentId", rf->payment_id, "gateway", ss->gateway,
		       "kind", "REFUND");
	if (!note || !input || !lines || !tx)
		goto nomem;
	r = shopify_lines(ss, body, false, lines, err, errlen);
	if (r < 0)
		goto fail;
	if (shopify_set_amount(tx, "amount", rf->amount, rf->currency) < 0)
		goto nomem;
	json_object_set_new(input, "orderId", json_string(rf->order_id));
	json_object_set_new(input, "note", json_string(note));
	json_object_set_new(input, "notify", json_boolean(ss->notify));
	json_object_set_new(input, "currency", json_string(rf->currency));
	json_object_set(input, "refundLineItems", lines);
	if (rf->delivery > 0) {
		json_t *ship = json_object();

		if (!ship ||
		    shopify_set_amount(ship, "amount", rf->delivery,
				       rf->currency) < 0 ||
		    json_object_set_new(input, "shipping", ship)) {
			json_decref(ship);
			goto nomem;
		}
	}
	if (json_object_set_new(input, "transactions", json_pack("[O]", tx)))
		goto nomem;
	snprintf(query, sizeof(query), shopify_refund_query, m->refund_key);
	free(note);
	json_decref(lines);
	json_decref(tx);
	return shopify_request(ss, query, json_pack("{s:o}", "input", input),
			       req, err, errlen);
nomem:
	snprintf(err, errlen, "out of memory building the request");
	r = -ENOMEM;
fail:
	free(note);
	json_decref(input);
	json_decref(lines);
	json_decref(tx);
	return r;
}

static int shopify_build_return_process(const struct shopify_state *ss,
					const struct connector_message *m,
					json_t *body,
					const struct shopify_refund *rf,
					struct connector_request *req,
					char *err, size_t errlen)
{
	json_t *input = json_object(), *lines = json_array(), *money;
	char *note = shopify_note(m->refund_key, body);
	int r;

	if (!note || !input || !lines)
		goto nomem;
	r = shopify_lines(ss, body, true, lines, err, errlen);
	if (r < 0)
		goto fail;
	json_object_set_new(input, "returnId", json_string(rf->rma));
	json_object_set_new(input, "note", json_string(note));
	json_object_set_new(input, "notifyCustomer", json_boolean(ss->notify));
	json_object_set(input, "returnLineItems", lines);
	if (rf->delivery > 0) {
		money = shopify_money(rf->delivery, rf->currency);
		if (!money ||
		    json_object_set_new(
			input, "refundShipping",
			json_pack("{s:o}", "shippingRefundAmount", money)))
			goto nomem;
	}
	money = shopify_money(rf->amount, rf->currency);
	if (!money ||
	    json_object_set_new(input, "financialTransfer",
				json_pack("{s:{s:[{s:s, s:o}]}}", "issueRefund",
					  "orderTransactions", "parentId",
					  rf->payment_id, "transactionAmount",
					  money)))
		goto nomem;
	free(note);
	json_decref(lines);
	return shopify_request(ss, shopify_return_query,
			       json_pack("{s:o}", "input", input), req, err,
			       errlen);
nomem:
	snprintf(err, errlen, "out of memory building the request");
	r = -ENOMEM;
fail:
	free(note);
	json_decref(input);
	json_decref(lines);
	return r;
}

static json_t *shopify_body(const struct connector_message *m, char *err,
			    size_t errlen)
{
	json_error_t jerr;
	json_t *body;

	if (!m->body || !m->body_len) {
		snprintf(err, errlen, "outbox row has no body");
		return NULL;
	}
	body = json_loadb(m->body, m->body_len, 0, &jerr);
	if (!json_is_object(body)) {
		json_decref(body);
		snprintf(err, errlen, "the refund's body is not a JSON object");
		return NULL;
	}
	return body;
}

static bool shopify_is_refund(const struct connector_message *m, char *err,
			      size_t errlen)
{
	if (m->action && !strcmp(m->action, EVENT_REFUND_REQUESTED))
		return true;
	snprintf(err, errlen,
		 "the shopify connector takes refunds only; route events to "
		 "a webhook ([outbox] events)");
	return false;
}

int shopify_build(void *state, const struct connector_message *m,
		  int64_t now_us, struct connector_request *req, char *err,
		  size_t errlen)
{
	const struct shopify_state *ss = state;
	struct shopify_refund rf;
	json_t *body;
	int r;

	(void)now_us;
	memset(req, 0, sizeof(*req));
	if (!shopify_is_refund(m, err, errlen))
		return -EINVAL;
	if (!shopify_key_ok(m->refund_key)) {
		snprintf(err, errlen,
			 "the refund has no refund key (is its [shop] "
			 "named?)");
		return -EINVAL;
	}
	body = shopify_body(m, err, errlen);
	if (!body)
		return -EINVAL;
	r = shopify_refund_facts(body, m, &rf, err, errlen);
	if (r == 0) {
		if (!strncmp(rf.rma, SHOPIFY_RETURN_GID,
			     sizeof(SHOPIFY_RETURN_GID) - 1))
			r = shopify_build_return_process(ss, m, body, &rf, req,
							 err, errlen);
		else
			r = shopify_build_refund_create(ss, m, body, &rf, req,
							err, errlen);
	}
	json_decref(body);
	return r;
}

/* The mutation's payload: data.refundCreate or data.returnProcess. */
static json_t *shopify_payload(json_t *root)
{
	json_t *data = json_object_get(root, "data");
	json_t *p = json_object_get(data, "refundCreate");

	if (!json_is_object(p))
		p = json_object_get(data, "returnProcess");
	return json_is_object(p) ? p : NULL;
}

/* The refund's id from a payload: refund.id, else the return's latest
 * refund, else the return's id. */
static bool shopify_payload_ref(json_t *payload, char *ref, size_t reflen)
{
	json_t *refund = json_object_get(payload, "refund");
	json_t *ret = json_object_get(payload, "return");
	const char *id = shopify_str(refund, "id");

	if (!id[0] && json_is_object(ret)) {
		json_t *nodes =
		    json_object_get(json_object_get(ret, "refunds"), "nodes");
		size_t n = json_is_array(nodes) ? json_array_size(nodes) : 0;

		if (n > 0)
			id = shopify_str(json_array_get(nodes, n - 1), "id");
		if (!id[0])
			id = shopify_str(ret, "id");
	}
	if (!id[0])
		return false;
	connector_text_sanitize(ref, reflen, id, strlen(id));
	return ref[0] != '\0';
}

enum connector_result shopify_classify(void *state,
				       const struct connector_message *m,
				       const struct connector_answer *a,
				       char *shop_ref, size_t reflen, char *err,
				       size_t errlen)
{
	char jerr[128], text[400];
	enum connector_result res;
	json_t *root, *errors, *payload, *user;

	(void)state;
	(void)m;
	if (reflen)
		shop_ref[0] = '\0';
	if (errlen)
		err[0] = '\0';
	if (a->status == 408 || a->status == 425 || a->status == 429 ||
	    (a->status >= 500 && a->status <= 599)) {
		shopify_snippet(err, errlen, "from Shopify", a->status, a);
		return CONNECTOR_RETRY;
	}
	if (a->status >= 300 && a->status <= 399) {
		snprintf(err, errlen,
			 "HTTP %ld: redirects are not followed, check the "
			 "shop's url",
			 a->status);
		return CONNECTOR_FATAL;
	}
	if (a->status >= 400 && a->status <= 499) {
		shopify_http_error(err, errlen, a);
		return CONNECTOR_FATAL;
	}
	if (a->status < 200 || a->status > 299) {
		snprintf(err, errlen, "unexpected HTTP status %ld", a->status);
		return CONNECTOR_RETRY;
	}
	/* A 200 that cannot be read may still have made the refund: the
	 * lookup before the retry and the idempotency key settle it. */
	root = connector_answer_json(a, SHOPIFY_ANSWER_MAX, jerr, sizeof(jerr));
	if (!root) {
		snprintf(err, errlen, "Shopify's answer: %s", jerr);
		return CONNECTOR_RETRY;
	}
	res = CONNECTOR_RETRY;
	errors = json_object_get(root, "errors");
	payload = shopify_payload(root);
	user = json_object_get(payload, "userErrors");
	if (shopify_throttled(root)) {
		int64_t w = shopify_throttle_wait(root);

		snprintf(err, errlen,
			 "throttled by Shopify (query cost), waiting %" PRId64
			 " ms",
			 w / 1000);
	} else if (json_is_array(user) && json_array_size(user) > 0) {
		shopify_messages(user, text, sizeof(text));
		snprintf(err, errlen, "Shopify refused the refund: %s", text);
		res = CONNECTOR_FATAL;
	} else if (payload && shopify_payload_ref(payload, shop_ref, reflen)) {
		res = CONNECTOR_DONE;
	} else if (json_is_array(errors) && json_array_size(errors) > 0) {
		shopify_messages(errors, text, sizeof(text));
		snprintf(err, errlen, "Shopify: %s", text);
		if (!shopify_errors_pass(errors))
			res = CONNECTOR_FATAL;
	} else if (json_is_string(errors)) {
		connector_text_sanitize(text, sizeof(text),
					json_string_value(errors),
					json_string_length(errors));
		snprintf(err, errlen, "Shopify: %s", text);
		res = CONNECTOR_FATAL;
	} else {
		snprintf(err, errlen,
			 "Shopify's answer has no refund id and no error");
	}
	json_decref(root);
	return res;
}

/* -- lookup before a retry ----------------------------------------------- */

static const char shopify_lookup_query[] =
    "query RetourRefunds($id: ID!) { order(id: $id) "
    "{ id refunds(first: 250) { id note createdAt } } }";

int shopify_reconcile_build(void *state, const struct connector_message *m,
			    int64_t now_us, struct connector_request *req,
			    char *err, size_t errlen)
{
	const struct shopify_state *ss = state;
	struct shopify_refund rf;
	json_t *body;
	int r;

	(void)now_us;
	memset(req, 0, sizeof(*req));
	if (!shopify_is_refund(m, err, errlen) ||
	    !shopify_key_ok(m->refund_key))
		return -EINVAL;
	body = shopify_body(m, err, errlen);
	if (!body)
		return -EINVAL;
	r = shopify_refund_facts(body, m, &rf, err, errlen);
	if (r == 0 && !rf.order_id[0]) {
		snprintf(err, errlen, "no shop_order_id to look refunds up");
		r = -EINVAL;
	}
	if (r == 0)
		r = shopify_request(ss, shopify_lookup_query,
				    json_pack("{s:s}", "id", rf.order_id), req,
				    err, errlen);
	json_decref(body);
	return r;
}

enum connector_found
shopify_reconcile_classify(void *state, const struct connector_message *m,
			   const struct connector_answer *a, char *shop_ref,
			   size_t reflen, char *err, size_t errlen)
{
	char jerr[128], text[300];
	json_t *root, *order, *refunds, *rf;
	enum connector_found found = CONNECTOR_UNKNOWN;
	size_t i;

	(void)state;
	if (reflen)
		shop_ref[0] = '\0';
	if (errlen)
		err[0] = '\0';
	if (a->status < 200 || a->status > 299) {
		shopify_snippet(err, errlen, "looking refunds up", a->status,
				a);
		return CONNECTOR_UNKNOWN;
	}
	root = connector_answer_json(a, SHOPIFY_ANSWER_MAX, jerr, sizeof(jerr));
	if (!root) {
		snprintf(err, errlen, "Shopify's answer: %s", jerr);
		return CONNECTOR_UNKNOWN;
	}
	if (shopify_throttled(root)) {
		snprintf(err, errlen, "throttled by Shopify (query cost)");
		goto out;
	}
	order = json_object_get(json_object_get(root, "data"), "order");
	refunds = json_object_get(order, "refunds");
	if (!json_is_object(order) || !json_is_array(refunds)) {
		json_t *errors = json_object_get(root, "errors");

		if (json_is_array(errors) && json_array_size(errors) > 0) {
			shopify_messages(errors, text, sizeof(text));
			snprintf(err, errlen, "Shopify: %s", text);
		} else {
			snprintf(err, errlen,
				 "Shopify's answer has no order refunds");
		}
		goto out;
	}
	found = CONNECTOR_ABSENT;
	json_array_foreach(refunds, i, rf)
	{
		const char *note = shopify_str(rf, "note");
		const char *id = shopify_str(rf, "id");

		if (m->refund_key && m->refund_key[0] && id[0] &&
		    strstr(note, m->refund_key)) {
			connector_text_sanitize(shop_ref, reflen, id,
						strlen(id));
			found = CONNECTOR_FOUND;
			break;
		}
	}
out:
	json_decref(root);
	return found;
}
