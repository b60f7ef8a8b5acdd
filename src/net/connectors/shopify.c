/* SPDX-License-Identifier: MIT */
/*
 * The `shopify` connector: a refund decided at the desk becomes one call
 * of Shopify's GraphQL Admin API,
 *
 *   POST {url}/admin/api/{api_version}/graphql.json
 *   X-Shopify-Access-Token: <access_token_file>
 *
 * refundCreate(input: RefundInput!) @idempotent(key: <refund key>) for an
 * order (line items, the delivery in `shipping` once, one REFUND
 * transaction against the order's payment), or, when the expected return
 * is a Shopify return (its RMA is "gid://shopify/Return/..."),
 * returnProcess with financialTransfer.issueRefund.
 *
 * The refund key goes into the @idempotent directive (Shopify makes the
 * same refund once per key) and into the refund's note, which is what the
 * lookup before a retry matches in the order's refunds.  Business errors
 * (userErrors in a 200 answer) are fatal with Shopify's message; a
 * throttle told in the body (errors[].extensions.code THROTTLED) is waited
 * out for (requestedQueryCost - currentlyAvailable) / restoreRate seconds.
 *
 * Pull: orders with a requested or open return updated since the cursor,
 * each Shopify return mapped into an expected return whose RMA is the
 * return's id (stable: a return pulled again replaces itself).
 *
 * Only refunds: events go to a webhook ([outbox] events).  No I/O, no
 * clock, no secret in any text.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "retour/connector.h"

#define SHOPIFY_DEFAULT_VERSION "2026-04"
/* @idempotent exists from 2026-01 and is required from 2026-04 */
#define SHOPIFY_MIN_VERSION "2026-01"
#define SHOPIFY_RETURN_GID "gid://shopify/Return/"
#define SHOPIFY_USER_AGENT "retour/0.1"
#define SHOPIFY_ANSWER_MAX (4u << 20)
#define SHOPIFY_TOKEN_MAX 512
#define SHOPIFY_PULL_PAGE 25
#define SHOPIFY_CURSOR_SEEN 16
#define SHOPIFY_ID_LEN 64
#define SHOPIFY_FIRST_POLL "2000-01-01T00:00:00Z"

struct shopify_state {
	char base[CONNECTOR_URL_LEN]; /* https://x.myshopify.com, no slash */
	char version[8];
	char location_id[SHOPIFY_ID_LEN];
	char gateway[64];
	bool notify;
	bool restock; /* RETURN, else NO_RESTOCK */
	bool has_token_file;
	char *token; /* NULL under retourd -n */
};

/* -- settings ------------------------------------------------------------ */

static bool shopify_printable(const char *s, size_t max)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f || s[i] == '"' || s[i] == '\\')
			return false;
	return i > 0 && i < max;
}

static bool shopify_url_ok(const char *url)
{
	if (!url || (strncasecmp(url, "https://", 8) != 0 &&
		     strncasecmp(url, "http://", 7) != 0))
		return false;
	/* room for /admin/api/YYYY-MM/graphql.json */
	return shopify_printable(url, CONNECTOR_URL_LEN - 40) &&
	       strchr(url, '?') == NULL && strchr(url, '#') == NULL;
}

/* "shop", "shop.myshopify.com" or "https://shop.myshopify.com" */
static int shopify_domain_url(const char *v, char *out, size_t outlen)
{
	const char *p = v;
	size_t i, n;

	if (!p)
		return -EINVAL;
	if (strncasecmp(p, "https://", 8) == 0)
		p += 8;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n > 14 && strncasecmp(p + n - 14, ".myshopify.com", 14) == 0)
		n -= 14;
	if (n == 0 || n > 60)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return -EINVAL;
	}
	snprintf(out, outlen, "https://%.*s.myshopify.com", (int)n, p);
	return 0;
}

static bool shopify_version_ok(const char *v)
{
	int i;

	if (!v || strlen(v) != 7 || v[4] != '-')
		return false;
	for (i = 0; i < 7; i++)
		if (i != 4 && (v[i] < '0' || v[i] > '9'))
			return false;
	if (v[5] > '1' || (v[5] == '1' && v[6] > '2') ||
	    (v[5] == '0' && v[6] == '0'))
		return false;
	/* YYYY-MM compares as text */
	return strcmp(v, SHOPIFY_MIN_VERSION) >= 0;
}

static bool shopify_bool(const char *v, bool *out)
{
	if (!v)
		return false;
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcmp(v, "1") || !strcasecmp(v, "on")) {
		*out = true;
		return true;
	}
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
	    !strcmp(v, "0") || !strcasecmp(v, "off")) {
		*out = false;
		return true;
	}
	return false;
}

static int shopify_init(void **state)
{
	struct shopify_state *ss = calloc(1, sizeof(*ss));

	if (!ss)
		return -ENOMEM;
	snprintf(ss->version, sizeof(ss->version), "%s",
		 SHOPIFY_DEFAULT_VERSION);
	snprintf(ss->gateway, sizeof(ss->gateway), "shopify_payments");
	*state = ss;
	return 0;
}

static void shopify_free(void *state)
{
	struct shopify_state *ss = state;

	if (!ss)
		return;
	if (ss->token) {
		explicit_bzero(ss->token, strlen(ss->token));
		free(ss->token);
	}
	free(ss);
}

static int shopify_configure(void *state, const struct connector_setting *s,
			     char *problem, size_t len)
{
	struct shopify_state *ss = state;
	const char *v = s->value;

	if (!strcmp(s->key, "shop_domain")) {
		if (shopify_domain_url(v, ss->base, sizeof(ss->base)) < 0) {
			snprintf(problem, len,
				 "shop_domain must be the shop's name as in "
				 "NAME.myshopify.com (letters, digits, '-')");
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(s->key, "url")) {
		size_t n;

		if (!shopify_url_ok(v)) {
			snprintf(problem, len,
				 "url must be an http:// or https:// URL "
				 "without spaces, quotes, '?' or '#', under "
				 "%d bytes",
				 CONNECTOR_URL_LEN - 40);
			return -EINVAL;
		}
		n = strlen(v);
		while (n > 0 && v[n - 1] == '/')
			n--;
		snprintf(ss->base, sizeof(ss->base), "%.*s", (int)n, v);
		return 0;
	}
	if (!strcmp(s->key, "api_version")) {
		if (!shopify_version_ok(v)) {
			snprintf(problem, len,
				 "api_version must be YYYY-MM, %s or later "
				 "(the @idempotent directive)",
				 SHOPIFY_MIN_VERSION);
			return -EINVAL;
		}
		snprintf(ss->version, sizeof(ss->version), "%s", v);
		return 0;
	}
	if (!strcmp(s->key, "location_id")) {
		if (!shopify_printable(v, sizeof(ss->location_id))) {
			snprintf(problem, len,
				 "location_id must be a Shopify id "
				 "(gid://shopify/Location/...)");
			return -EINVAL;
		}
		snprintf(ss->location_id, sizeof(ss->location_id), "%s", v);
		return 0;
	}
	if (!strcmp(s->key, "gateway")) {
		if (!shopify_printable(v, sizeof(ss->gateway))) {
			snprintf(problem, len,
				 "gateway must be the payment gateway's name "
				 "(shopify_payments, ...)");
			return -EINVAL;
		}
		snprintf(ss->gateway, sizeof(ss->gateway), "%s", v);
		return 0;
	}
	if (!strcmp(s->key, "notify")) {
		if (!shopify_bool(v, &ss->notify)) {
			snprintf(problem, len, "notify must be yes or no");
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(s->key, "restock")) {
		if (v && !strcmp(v, "RETURN"))
			ss->restock = true;
		else if (v && !strcmp(v, "NO_RESTOCK"))
			ss->restock = false;
		else {
			snprintf(problem, len,
				 "restock must be RETURN or NO_RESTOCK");
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(s->key, "access_token_file") != 0) {
		snprintf(problem, len,
			 "unknown key '%s' for the shopify connector (known: "
			 "shop_domain, url, api_version, access_token_file, "
			 "location_id, gateway, notify, restock)",
			 s->key);
		return -EINVAL;
	}
	if (!v || !v[0]) {
		snprintf(problem, len, "access_token_file must name a file");
		return -EINVAL;
	}
	ss->has_token_file = true;
	if (!s->secret)
		return 0;
	/* Never quote it: only say what is wrong with it. */
	if (!shopify_printable(s->secret, SHOPIFY_TOKEN_MAX)) {
		snprintf(problem, len,
			 "the access token in access_token_file is empty, "
			 "too long or has spaces or control characters");
		return -EINVAL;
	}
	if (ss->token) {
		explicit_bzero(ss->token, strlen(ss->token));
		free(ss->token);
	}
	ss->token = strdup(s->secret);
	if (!ss->token) {
		snprintf(problem, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int shopify_check(void *state, bool secrets, char *problem, size_t len)
{
	struct shopify_state *ss = state;

	if (!ss->base[0]) {
		snprintf(problem, len,
			 "the shopify connector needs shop_domain (or url)");
		return -EINVAL;
	}
	if (!ss->has_token_file || (secrets && !ss->token)) {
		snprintf(problem, len,
			 "shopify access token is missing: set "
			 "access_token_file");
		return -EINVAL;
	}
	if (ss->restock && !ss->location_id[0]) {
		snprintf(problem, len,
			 "restock = RETURN needs location_id (where the "
			 "units go back)");
		return -EINVAL;
	}
	return 0;
}

/* -- requests ------------------------------------------------------------ */

/* The GraphQL request: POST, the token, {"query":..., "variables":...}. */
static int shopify_request(const struct shopify_state *ss, const char *query,
			   json_t *variables, struct connector_request *req,
			   char *err, size_t errlen)
{
	json_t *root;

	memset(req, 0, sizeof(*req));
	if (!ss->token || !ss->base[0]) {
		json_decref(variables);
		snprintf(err, errlen, "shopify url or access token not usable");
		return -EINVAL;
	}
	root = json_pack("{s:s, s:o}", "query", query, "variables", variables);
	if (!root)
		goto nomem;
	req->body = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	if (!req->body)
		goto nomem;
	req->body_len = strlen(req->body);
	req->method = CONNECTOR_POST;
	if (snprintf(req->url, sizeof(req->url),
		     "%.980s/admin/api/%.7s/graphql.json", ss->base,
		     ss->version) >= (int)sizeof(req->url))
		goto nomem; /* cannot happen: url is checked shorter */
	if (connector_request_add_header(req, "Content-Type",
					 "application/json") < 0 ||
	    connector_request_add_header(req, "Accept", "application/json") <
		0 ||
	    connector_request_add_header(req, "User-Agent",
					 SHOPIFY_USER_AGENT) < 0 ||
	    connector_request_add_header(req, "X-Shopify-Access-Token",
					 ss->token) < 0)
		goto nomem;
	return 0;
nomem:
	connector_request_free(req);
	snprintf(err, errlen, "out of memory building the request");
	return -ENOMEM;
}

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

static const char *shopify_str(json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : "";
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

static int shopify_build(void *state, const struct connector_message *m,
			 int64_t now_us, struct connector_request *req,
			 char *err, size_t errlen)
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

/* -- answers ------------------------------------------------------------- */

static void shopify_snippet(char *err, size_t errlen, const char *what,
			    long status, const struct connector_answer *a)
{
	char snippet[161];

	connector_text_sanitize(
	    snippet, sizeof(snippet), a->body ? a->body : "",
	    a->body ? (a->body_len > 4096 ? 4096 : a->body_len) : 0);
	if (snippet[0])
		snprintf(err, errlen, "HTTP %ld %s: %s", status, what, snippet);
	else
		snprintf(err, errlen, "HTTP %ld %s", status, what);
}

/* A 4xx answer's own message: {"errors":"..."} or {"errors":{...}}. */
static void shopify_http_error(char *err, size_t errlen,
			       const struct connector_answer *a)
{
	char jerr[64], text[200];
	json_t *root =
	    connector_answer_json(a, SHOPIFY_ANSWER_MAX, jerr, sizeof(jerr));
	json_t *e =
	    json_is_object(root) ? json_object_get(root, "errors") : NULL;

	if (json_is_string(e)) {
		connector_text_sanitize(text, sizeof(text),
					json_string_value(e),
					json_string_length(e));
		snprintf(err, errlen, "Shopify refused (HTTP %ld): %s",
			 a->status, text);
	} else {
		shopify_snippet(err, errlen, "refused by Shopify", a->status,
				a);
	}
	json_decref(root);
}

/* Throttled: errors[].extensions.code THROTTLED or message "Throttled". */
static bool shopify_throttled(json_t *root)
{
	json_t *errors = json_object_get(root, "errors"), *e;
	size_t i;

	if (!json_is_array(errors))
		return false;
	json_array_foreach(errors, i, e)
	{
		json_t *ext = json_object_get(e, "extensions");

		if (!strcmp(shopify_str(ext, "code"), "THROTTLED") ||
		    !strcasecmp(shopify_str(e, "message"), "Throttled"))
			return true;
	}
	return false;
}

static double shopify_number(json_t *obj, const char *key, bool *ok)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	double d;

	if (!json_is_number(v)) {
		*ok = false;
		return 0;
	}
	d = json_number_value(v);
	if (!isfinite(d) || d < 0 || d > 1e9) {
		*ok = false;
		return 0;
	}
	return d;
}

/* The throttle's wait in us from the body's cost, 0: none told. */
static int64_t shopify_throttle_wait(json_t *root)
{
	json_t *cost =
	    json_object_get(json_object_get(root, "extensions"), "cost");
	json_t *ts = json_object_get(cost, "throttleStatus");
	bool ok = true;
	double requested = shopify_number(cost, "requestedQueryCost", &ok);
	double available = shopify_number(ts, "currentlyAvailable", &ok);
	double rate = shopify_number(ts, "restoreRate", &ok);
	double secs;

	if (!ok || rate <= 0)
		return 0;
	secs = requested > available ? (requested - available) / rate : 0;
	if (secs > 3600)
		secs = 3600;
	/* whole milliseconds, rounded up */
	return (int64_t)ceil(secs * 1000.0) * 1000;
}

/* "message; message" of a GraphQL errors[] or a userErrors[]. */
static void shopify_messages(json_t *list, char *out, size_t outlen)
{
	char text[200];
	size_t i, n = 0;
	json_t *e;

	out[0] = '\0';
	json_array_foreach(list, i, e)
	{
		json_t *field = json_object_get(e, "field");
		const char *msg = shopify_str(e, "message");
		char where[80] = "";
		int w;

		if (json_is_array(field) && json_array_size(field) > 0) {
			size_t j, k = 0;
			json_t *f;

			json_array_foreach(field, j, f)
			{
				const char *t = json_string_value(f);
				int fw;

				if (!t)
					continue;
				fw = snprintf(where + k, sizeof(where) - k,
					      "%s%s", k ? "." : "", t);
				if (fw < 0 || (size_t)fw >= sizeof(where) - k)
					break;
				k += (size_t)fw;
			}
		}
		connector_text_sanitize(text, sizeof(text), msg, strlen(msg));
		if (!text[0])
			snprintf(text, sizeof(text), "(no message)");
		{
			char clean[80];

			connector_text_sanitize(clean, sizeof(clean), where,
						strlen(where));
			w = snprintf(out + n, outlen - n, "%s%s%s%s",
				     n ? "; " : "", clean, clean[0] ? ": " : "",
				     text);
		}
		if (w < 0 || (size_t)w >= outlen - n)
			return;
		n += (size_t)w;
		if (i >= 4)
			break;
	}
}

/* GraphQL errors that pass (Shopify's own trouble, a concurrent request
 * with the same key) rather than a request that is wrong. */
static bool shopify_errors_pass(json_t *errors)
{
	json_t *e;
	size_t i;

	json_array_foreach(errors, i, e)
	{
		const char *code =
		    shopify_str(json_object_get(e, "extensions"), "code");

		if (!strcmp(code, "INTERNAL_SERVER_ERROR") ||
		    !strcmp(code, "SERVICE_UNAVAILABLE") ||
		    !strcmp(code, "TIMEOUT") ||
		    strstr(code, "CONCURRENT") != NULL)
			return true;
	}
	return false;
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

static enum connector_result shopify_classify(void *state,
					      const struct connector_message *m,
					      const struct connector_answer *a,
					      char *shop_ref, size_t reflen,
					      char *err, size_t errlen)
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

static int64_t shopify_retry_wait(void *state, const struct connector_answer *a,
				  int64_t now_us)
{
	char jerr[64];
	json_t *root;
	int64_t w = 0;

	(void)state;
	(void)now_us;
	if (a->status != 200 && a->status != 429)
		return 0;
	root = connector_answer_json(a, SHOPIFY_ANSWER_MAX, jerr, sizeof(jerr));
	if (root && shopify_throttled(root)) {
		w = shopify_throttle_wait(root);
		if (w < 1000 * 1000 / 2)
			w = 1000 * 1000 / 2; /* told nothing usable */
	}
	json_decref(root);
	return w;
}

/* -- lookup before a retry ----------------------------------------------- */

static const char shopify_lookup_query[] =
    "query RetourRefunds($id: ID!) { order(id: $id) "
    "{ id refunds(first: 250) { id note createdAt } } }";

static int shopify_reconcile_build(void *state,
				   const struct connector_message *m,
				   int64_t now_us,
				   struct connector_request *req, char *err,
				   size_t errlen)
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

static enum connector_found
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
    "originalUnitPriceSet { presentmentMoney { amount currencyCode } } "
    "} } } } } } } } pageInfo { hasNextPage } } }";

static int shopify_pull_build(void *state, const char *cursor, int64_t now_us,
			      struct connector_request *req, char *err,
			      size_t errlen)
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
		json_t *price =
		    json_object_get(json_object_get(li, "originalUnitPriceSet"),
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
		    connector_amount_parse(shopify_str(price, "amount"),
					   currency, &unit) < 0 ||
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

static int shopify_pull_parse(void *state, const char *cursor,
			      const struct connector_answer *a, int64_t now_us,
			      json_t *returns, char *next, size_t nextlen,
			      bool *more, char *err, size_t errlen)
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

const struct connector connector_shopify = {
    .name = "shopify",
    .init = shopify_init,
    .free = shopify_free,
    .configure = shopify_configure,
    .check = shopify_check,
    .build = shopify_build,
    .classify = shopify_classify,
    .reconcile_build = shopify_reconcile_build,
    .reconcile_classify = shopify_reconcile_classify,
    .reconcile_first = false,
    .retry_wait = shopify_retry_wait,
    .pull_build = shopify_pull_build,
    .pull_parse = shopify_pull_parse,
};
