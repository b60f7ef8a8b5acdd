/* SPDX-License-Identifier: MIT */
/*
 * The `shopify` connector's pull (see shopify.c): orders with a requested
 * or open return updated since the cursor, each Shopify return mapped into
 * an expected return whose RMA is the return's id.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "shopify_internal.h"

/* -- pull ---------------------------------------------------------------- */

/*
 * The cursor: "<updatedAt>" of the last order taken, then "|" and the
 * returns already taken at exactly that time (numeric ids, comma-
 * separated), so that asking again from that time (inclusive: Shopify's
 * search has whole seconds) never yields one of them twice.
 */
struct shopify_cursor {
	char at[40];
	char seen[SHOPIFY_CURSOR_SEEN][24];
	int n_seen;
};

static bool shopify_time_ok(const char *t)
{
	size_t i, n = strlen(t);

	if (n < 20 || n > 35)
		return false;
	for (i = 0; i < n; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || t[i] == '-' ||
		      t[i] == ':' || t[i] == 'T' || t[i] == 'Z' ||
		      t[i] == '.' || t[i] == '+'))
			return false;
	return t[4] == '-' && t[10] == 'T';
}

static int shopify_cursor_parse(const char *text, struct shopify_cursor *c)
{
	const char *bar, *p;
	size_t n;

	memset(c, 0, sizeof(*c));
	if (!text || !text[0]) {
		snprintf(c->at, sizeof(c->at), "%s", SHOPIFY_FIRST_POLL);
		return 0;
	}
	bar = strchr(text, '|');
	n = bar ? (size_t)(bar - text) : strlen(text);
	if (n >= sizeof(c->at))
		return -EINVAL;
	memcpy(c->at, text, n);
	c->at[n] = '\0';
	if (!shopify_time_ok(c->at))
		return -EINVAL;
	for (p = bar ? bar + 1 : NULL;
	     p && *p && c->n_seen < SHOPIFY_CURSOR_SEEN;) {
		const char *comma = strchr(p, ',');
		size_t k = comma ? (size_t)(comma - p) : strlen(p);

		if (k == 0 || k >= sizeof(c->seen[0]))
			return -EINVAL;
		memcpy(c->seen[c->n_seen], p, k);
		c->seen[c->n_seen][k] = '\0';
		c->n_seen++;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

static void shopify_cursor_text(const struct shopify_cursor *c, char *out,
				size_t outlen)
{
	size_t n;
	int i;

	if (!outlen)
		return;
	n = (size_t)snprintf(out, outlen, "%s", c->at);
	for (i = 0; i < c->n_seen && n < outlen; i++) {
		int w = snprintf(out + n, outlen - n, "%s%s", i ? "," : "|",
				 c->seen[i]);

		if (w < 0 || (size_t)w >= outlen - n) {
			out[n] = '\0';
			return;
		}
		n += (size_t)w;
	}
}

/* The numeric tail of a gid ("gid://shopify/Return/42" -> "42"). */
static const char *shopify_gid_tail(const char *gid)
{
	const char *slash = strrchr(gid, '/');

	return slash ? slash + 1 : gid;
}

static bool shopify_cursor_seen(const struct shopify_cursor *c, const char *gid)
{
	const char *tail = shopify_gid_tail(gid);
	int i;

	for (i = 0; i < c->n_seen; i++)
		if (!strcmp(c->seen[i], tail))
			return true;
	return false;
}

static const char shopify_pull_query[] =
    "query RetourReturns($q: String!, $n: Int!) { orders(first: $n, "
    "sortKey: UPDATED_AT, query: $q) { nodes { id name updatedAt "
    "presentmentCurrencyCode "
    "transactions(first: 20) { id kind status gateway } "
    "returns(first: 10) { nodes { id name status "
    "returnLineItems(first: 50) { nodes { ... on ReturnLineItem { id "
    "quantity fulfillmentLineItem { lineItem { id sku name "
    "discountedUnitPriceAfterAllDiscountsSet { presentmentMoney "
    "{ amount currencyCode } } "
    "} } } } } } } } pageInfo { hasNextPage } } }";

int shopify_pull_build(void *state, const char *cursor, int64_t now_us,
		       struct connector_request *req, char *err, size_t errlen)
{
	const struct shopify_state *ss = state;
	struct shopify_cursor c;
	char q[160];

	(void)now_us;
	memset(req, 0, sizeof(*req));
	if (shopify_cursor_parse(cursor, &c) < 0) {
		snprintf(err, errlen, "the pull cursor is not one of ours");
		return -EINVAL;
	}
	snprintf(q, sizeof(q),
		 "updated_at:>='%s' AND (return_status:return_requested OR "
		 "return_status:in_progress)",
		 c.at);
	return shopify_request(
	    ss, shopify_pull_query,
	    json_pack("{s:s, s:i}", "q", q, "n", SHOPIFY_PULL_PAGE), req, err,
	    errlen);
}

/* The order's payment: its first successful SALE or CAPTURE. */
static const char *shopify_payment(json_t *order)
{
	json_t *txs = json_object_get(order, "transactions"), *t;
	size_t i;

	json_array_foreach(txs, i, t)
	{
		const char *kind = shopify_str(t, "kind");

		if ((!strcmp(kind, "SALE") || !strcmp(kind, "CAPTURE")) &&
		    !strcmp(shopify_str(t, "status"), "SUCCESS"))
			return shopify_str(t, "id");
	}
	return "";
}

/*
 * A unit price as Shopify gives it, in minor units.  The price after all
 * discounts is approximate ("33.333333333333": the discounted total over
 * the quantity), so digits past the currency's are cut off: never more
 * than was paid.  -EINVAL for anything but a plain decimal.
 */
static int shopify_unit_price(const char *text, const char *currency,
			      int64_t *minor)
{
	char buf[48];
	const char *dot = strchr(text, '.');
	size_t n = strlen(text), i;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	for (i = dot ? (size_t)(dot - text) + 1 : n; i < n; i++)
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
	memcpy(buf, text, n + 1);
	while (connector_amount_parse(buf, currency, minor) < 0) {
		if (!dot || n <= (size_t)(dot - text) + 1)
			return -EINVAL;
		/* one decimal left: "500.5" JPY -> "500" */
		n = n == (size_t)(dot - text) + 2 ? (size_t)(dot - text)
						  : n - 1;
		buf[n] = '\0';
	}
	return 0;
}

static bool shopify_id_fits(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= SHOPIFY_ID_LEN)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* One Shopify return as an expected return; NULL when it cannot be
 * mapped whole. */
static json_t *shopify_map_return(json_t *order, json_t *ret,
				  const char *currency)
{
	const char *rid = shopify_str(ret, "id");
	const char *oid = shopify_str(order, "id");
	const char *name = shopify_str(order, "name");
	const char *rname = shopify_str(ret, "name");
	json_t *lines =
	    json_object_get(json_object_get(ret, "returnLineItems"), "nodes");
	json_t *out, *items, *codes, *l;
	size_t i;

	if (strncmp(rid, SHOPIFY_RETURN_GID, sizeof(SHOPIFY_RETURN_GID) - 1) ||
	    strlen(rid) > 47 || !shopify_id_fits(oid) ||
	    !json_is_array(lines) || json_array_size(lines) == 0 ||
	    json_array_size(lines) > 16)
		return NULL;
	if (name[0] == '#')
		name++;
	if (strlen(name) > 47)
		return NULL;
	items = json_array();
	codes = json_array();
	out =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "rma", rid,
		      "order", name, "kind", "withdrawal", "shop_order_id", oid,
		      "shop_payment_id", shopify_payment(order), "currency",
		      currency, "items", items, "lookup_codes", codes);
	if (!out)
		return NULL;
	if (rname[0] && strlen(rname) <= 47)
		json_array_append_new(codes, json_string(rname));
	json_array_foreach(lines, i, l)
	{
		json_t *li = json_object_get(
		    json_object_get(l, "fulfillmentLineItem"), "lineItem");
		/* what the customer paid for one, not the list price */
		json_t *price = json_object_get(
		    json_object_get(li,
				    "discountedUnitPriceAfterAllDiscountsSet"),
		    "presentmentMoney");
		const char *lid = shopify_str(l, "id");
		const char *sku = shopify_str(li, "sku");
		const char *lname = shopify_str(li, "name");
		json_t *qty = json_object_get(l, "quantity");
		int64_t unit;
		json_t *item;

		if (!shopify_id_fits(lid) || !json_is_integer(qty) ||
		    json_integer_value(qty) < 1 ||
		    json_integer_value(qty) > 100000 || !sku[0] ||
		    strlen(sku) > 47 ||
		    strcmp(shopify_str(price, "currencyCode"), currency) ||
		    shopify_unit_price(shopify_str(price, "amount"), currency,
				       &unit) < 0 ||
		    unit < 0)
			goto bad;
		item = json_pack("{s:s, s:s, s:I, s:I, s:s}", "sku", sku,
				 "name", "", "quantity",
				 json_integer_value(qty), "unit_price_minor",
				 (json_int_t)unit, "shop_line_id", lid);
		if (!item)
			goto bad;
		if (strlen(lname) < 96)
			json_object_set_new(item, "name", json_string(lname));
		json_array_append_new(items, item);
	}
	return out;
bad:
	json_decref(out);
	return NULL;
}

int shopify_pull_parse(void *state, const char *cursor,
		       const struct connector_answer *a, int64_t now_us,
		       json_t *returns, char *next, size_t nextlen, bool *more,
		       char *err, size_t errlen)
{
	struct shopify_cursor c, nc;
	char jerr[128], text[300];
	json_t *root, *orders, *nodes, *order;
	size_t i;
	int r = 0;

	(void)state;
	(void)now_us;
	*more = false;
	if (nextlen)
		snprintf(next, nextlen, "%s", cursor ? cursor : "");
	if (shopify_cursor_parse(cursor, &c) < 0) {
		snprintf(err, errlen, "the pull cursor is not one of ours");
		return -EINVAL;
	}
	if (a->status == 429 || a->status >= 500 || a->status < 200) {
		shopify_snippet(err, errlen, "from Shopify", a->status, a);
		return -EAGAIN;
	}
	if (a->status > 299) {
		shopify_http_error(err, errlen, a);
		return -EINVAL;
	}
	root = connector_answer_json(a, SHOPIFY_ANSWER_MAX, jerr, sizeof(jerr));
	if (!root) {
		snprintf(err, errlen, "Shopify's answer: %s", jerr);
		return -EINVAL;
	}
	if (shopify_throttled(root)) {
		snprintf(err, errlen, "throttled by Shopify (query cost)");
		r = -EAGAIN;
		goto out;
	}
	orders = json_object_get(json_object_get(root, "data"), "orders");
	nodes = json_object_get(orders, "nodes");
	if (!json_is_array(nodes)) {
		json_t *errors = json_object_get(root, "errors");

		if (json_is_array(errors) && json_array_size(errors) > 0) {
			shopify_messages(errors, text, sizeof(text));
			snprintf(err, errlen, "Shopify: %s", text);
		} else {
			snprintf(err, errlen,
				 "Shopify's answer has no data.orders.nodes");
		}
		r = -EINVAL;
		goto out;
	}
	nc = c;
	json_array_foreach(nodes, i, order)
	{
		const char *at = shopify_str(order, "updatedAt");
		const char *cur = shopify_str(order, "presentmentCurrencyCode");
		json_t *rets = json_object_get(
			   json_object_get(order, "returns"), "nodes"),
		       *ret;
		size_t j;

		/* Orders come oldest change first; one out of order or
		 * before the cursor moves nothing. */
		if (!shopify_time_ok(at) || strcmp(at, nc.at) < 0)
			continue;
		if (strcmp(at, nc.at) > 0) {
			snprintf(nc.at, sizeof(nc.at), "%s", at);
			nc.n_seen = 0;
		}
		json_array_foreach(rets, j, ret)
		{
			const char *rid = shopify_str(ret, "id");
			const char *st = shopify_str(ret, "status");
			json_t *er;

			if (!rid[0] || shopify_cursor_seen(&nc, rid))
				continue;
			if (nc.n_seen < SHOPIFY_CURSOR_SEEN &&
			    strlen(shopify_gid_tail(rid)) <
				sizeof(nc.seen[0])) {
				snprintf(nc.seen[nc.n_seen], sizeof(nc.seen[0]),
					 "%s", shopify_gid_tail(rid));
				nc.n_seen++;
			}
			if (strcmp(st, "REQUESTED") && strcmp(st, "OPEN"))
				continue;
			er = shopify_map_return(order, ret, cur);
			if (er && json_array_append_new(returns, er)) {
				r = -ENOMEM;
				goto out;
			}
		}
	}
	shopify_cursor_text(&nc, next, nextlen);
	*more = json_is_true(json_object_get(
		    json_object_get(orders, "pageInfo"), "hasNextPage")) &&
		strcmp(next, cursor ? cursor : "") != 0;
out:
	json_decref(root);
	return r;
}
