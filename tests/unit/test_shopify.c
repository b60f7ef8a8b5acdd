/* SPDX-License-Identifier: MIT */
/*
 * The shopify connector on its own: the GraphQL request it makes for a
 * refund (refundCreate with @idempotent, or returnProcess for a Shopify
 * return) compared field by field, the answers it reads (done, retry,
 * fatal, throttle with its wait, malformed, truncated, huge, wrong types),
 * the lookup before a retry, the pull of returns and its cursor, and its
 * settings.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "retour/connector.h"

#define TOKEN "shpat_unit_test_token_0123456789"
#define KEY "rr-0123456789abcdef0123456789abcdef"
#define ORDER "gid://shopify/Order/5531"
#define PAYMENT "gid://shopify/OrderTransaction/9001"
#define LINE "gid://shopify/LineItem/77"

static const char refund_body[] =
    "{\"amount_minor\":11297,\"code\":\"RMA-10001\",\"currency\":\"PLN\","
    "\"delivery_minor\":1299,\"id\":\"demo:desk-1:12:refund:1\","
    "\"items\":[{\"gtin\":\"05901234123457\",\"quantity\":2,"
    "\"refund_minor\":9998,\"shop_line_id\":\"" LINE "\","
    "\"sku\":\"TSHIRT-M\"}],\"order\":\"1001\",\"overridden\":false,"
    "\"reasons\":[\"within_window\",\"delivery_refunded\"],\"receipt\":12,"
    "\"rma\":\"RMA-10001\",\"shop\":\"demo\",\"shop_order_id\":\"" ORDER
    "\",\"shop_payment_id\":\"" PAYMENT "\",\"station\":\"desk-1\","
    "\"type\":\"refund.requested\",\"verdict\":\"accept\"}";

static int make(struct connector_instance *ci, const char *extra_key,
		const char *extra_value, const char *token, char *problem,
		size_t len, int *bad)
{
	struct connector_setting set[4] = {
	    {.key = "url", .value = "http://127.0.0.1:9/"},
	    {.key = "access_token_file", .value = "/run/t", .secret = token},
	    {.key = "api_version", .value = "2026-04"},
	};
	int n = 3;

	if (extra_key) {
		set[3].key = extra_key;
		set[3].value = extra_value;
		n = 4;
	}
	return connector_instance_new(connector_find("shopify"), set, n, true,
				      ci, bad, problem, len);
}

static void instance(struct connector_instance *ci)
{
	char problem[256];
	int bad;

	assert_int_equal(
	    make(ci, NULL, NULL, TOKEN, problem, sizeof(problem), &bad), 0);
}

/* @src with the first @from replaced by @to (malloc'd). */
static char *replaced(const char *src, const char *from, const char *to)
{
	const char *p = strstr(src, from);
	size_t n = strlen(src) - strlen(from) + strlen(to) + 1;
	char *out = malloc(n);

	assert_non_null(p);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(p - src), src, to, p + strlen(from));
	return out;
}

static struct connector_message message(const char *body)
{
	struct connector_message m = {
	    .action = "refund.requested",
	    .key = "demo:desk-1:12:refund:1",
	    .refund_key = KEY,
	    .receipt = 12,
	    .body = body,
	    .body_len = strlen(body),
	};
	return m;
}

static const char *header(const struct connector_request *req, const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < req->n_headers; i++)
		if (strncasecmp(req->headers[i], name, n) == 0 &&
		    req->headers[i][n] == ':')
			return req->headers[i] + n + 2;
	return NULL;
}

static json_t *req_json(const struct connector_request *req)
{
	json_error_t jerr;
	json_t *j = json_loadb(req->body, req->body_len, 0, &jerr);

	assert_non_null(j);
	return j;
}

static const char *str_at(json_t *j, const char *path)
{
	char buf[256], *save = NULL, *tok;
	json_t *cur = j;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && cur;
	     tok = strtok_r(NULL, ".", &save)) {
		if (tok[0] >= '0' && tok[0] <= '9')
			cur = json_array_get(cur, (size_t)atoi(tok));
		else
			cur = json_object_get(cur, tok);
	}
	return json_is_string(cur) ? json_string_value(cur) : NULL;
}

static json_t *at(json_t *j, const char *path)
{
	char buf[256], *save = NULL, *tok;
	json_t *cur = j;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && cur;
	     tok = strtok_r(NULL, ".", &save)) {
		if (tok[0] >= '0' && tok[0] <= '9')
			cur = json_array_get(cur, (size_t)atoi(tok));
		else
			cur = json_object_get(cur, tok);
	}
	return cur;
}

static void refund_create_request_field_by_field(void **state)
{
	struct connector_instance ci;
	struct connector_message m = message(refund_body);
	struct connector_request req;
	char err[256] = "";
	json_t *j, *input;

	(void)state;
	instance(&ci);
	assert_int_equal(ci.ops->build(ci.state, &m, 0, &req, err, sizeof(err)),
			 0);
	assert_int_equal(req.method, CONNECTOR_POST);
	assert_string_equal(
	    req.url, "http://127.0.0.1:9/admin/api/2026-04/graphql.json");
	assert_string_equal(header(&req, "X-Shopify-Access-Token"), TOKEN);
	assert_string_equal(header(&req, "Content-Type"), "application/json");
	j = req_json(&req);
	assert_non_null(strstr(str_at(j, "query"),
			       "refundCreate(input: $input)"
			       " @idempotent(key: \"" KEY "\")"));
	assert_non_null(strstr(str_at(j, "query"), "userErrors"));
	input = at(j, "variables.input");
	assert_string_equal(str_at(input, "orderId"), ORDER);
	assert_string_equal(str_at(input, "note"),
			    "retour " KEY ": within_window, delivery_refunded");
	assert_true(json_is_false(at(input, "notify")));
	assert_string_equal(str_at(input, "currency"), "PLN");
	assert_int_equal(json_array_size(at(input, "refundLineItems")), 1);
	assert_string_equal(str_at(input, "refundLineItems.0.lineItemId"),
			    LINE);
	assert_int_equal(
	    json_integer_value(at(input, "refundLineItems.0.quantity")), 2);
	assert_string_equal(str_at(input, "refundLineItems.0.restockType"),
			    "NO_RESTOCK");
	assert_null(at(input, "refundLineItems.0.locationId"));
	/* the delivery once, in shipping; the money once, in the
	 * transaction, delivery included */
	assert_string_equal(str_at(input, "shipping.amount"), "12.99");
	assert_int_equal(json_object_size(at(input, "shipping")), 1);
	assert_int_equal(json_array_size(at(input, "transactions")), 1);
	assert_string_equal(str_at(input, "transactions.0.orderId"), ORDER);
	assert_string_equal(str_at(input, "transactions.0.parentId"), PAYMENT);
	assert_string_equal(str_at(input, "transactions.0.gateway"),
			    "shopify_payments");
	assert_string_equal(str_at(input, "transactions.0.kind"), "REFUND");
	assert_string_equal(str_at(input, "transactions.0.amount"), "112.97");
	assert_int_equal(json_object_size(input), 7);
	/* the token is in its header only */
	assert_null(strstr(req.body, TOKEN));
	json_decref(j);
	connector_request_free(&req);
	connector_instance_free(&ci);
}

static void restock_and_amounts(void **state)
{
	struct connector_instance ci;
	struct connector_setting set[] = {
	    {.key = "shop_domain", .value = "my-shop"},
	    {.key = "access_token_file", .value = "/run/t", .secret = TOKEN},
	    {.key = "restock", .value = "RETURN"},
	    {.key = "location_id", .value = "gid://shopify/Location/1"},
	    {.key = "notify", .value = "yes"},
	    {.key = "gateway", .value = "manual"},
	};
	char problem[256] = "", err[256] = "";
	struct connector_request req;
	struct connector_message m;
	json_t *j;
	char *body;
	int bad;

	(void)state;
	assert_int_equal(connector_instance_new(connector_find("shopify"), set,
						6, true, &ci, &bad, problem,
						sizeof(problem)),
			 0);
	/* JPY has no minor unit; no delivery: no shipping at all */
	body = strdup(refund_body);
	assert_non_null(body);
	memcpy(strstr(body, "\"PLN\""), "\"JPY\"", 5);
	memcpy(strstr(body, "1299,"), "   0,", 5);
	m = message(body);
	assert_int_equal(ci.ops->build(ci.state, &m, 0, &req, err, sizeof(err)),
			 0);
	assert_string_equal(req.url,
			    "https://my-shop.myshopify.com/admin/api/2026-04/"
			    "graphql.json");
	j = req_json(&req);
	assert_string_equal(str_at(j, "variables.input.transactions.0.amount"),
			    "11297");
	assert_string_equal(str_at(j, "variables.input.transactions.0.gateway"),
			    "manual");
	assert_string_equal(str_at(j, "variables.input.currency"), "JPY");
	assert_null(at(j, "variables.input.shipping"));
	assert_true(json_is_true(at(j, "variables.input.notify")));
	assert_string_equal(
	    str_at(j, "variables.input.refundLineItems.0.restockType"),
	    "RETURN");
	assert_string_equal(
	    str_at(j, "variables.input.refundLineItems.0.locationId"),
	    "gid://shopify/Location/1");
	json_decref(j);
	connector_request_free(&req);
	free(body);
	connector_instance_free(&ci);
}

static void return_process_for_a_shopify_return(void **state)
{
	struct connector_instance ci;
	struct connector_request req;
	struct connector_message m;
	char err[256] = "", *body;
	const char *rl = "gid://shopify/ReturnLineItem/7";
	json_t *j, *input;
	char *p;

	(void)state;
	instance(&ci);
	p = replaced(refund_body, "\"rma\":\"RMA-10001\"",
		     "\"rma\":\"gid://shopify/Return/5151096\"");
	body = replaced(p, LINE, rl);
	free(p);
	m = message(body);
	assert_int_equal(ci.ops->build(ci.state, &m, 0, &req, err, sizeof(err)),
			 0);
	j = req_json(&req);
	assert_non_null(strstr(str_at(j, "query"), "returnProcess(input:"));
	input = at(j, "variables.input");
	assert_string_equal(str_at(input, "returnId"),
			    "gid://shopify/Return/5151096");
	assert_string_equal(str_at(input, "returnLineItems.0.id"), rl);
	assert_int_equal(
	    json_integer_value(at(input, "returnLineItems.0.quantity")), 2);
	assert_string_equal(
	    str_at(input, "refundShipping.shippingRefundAmount.amount"),
	    "12.99");
	assert_string_equal(
	    str_at(input, "refundShipping.shippingRefundAmount.currencyCode"),
	    "PLN");
	assert_string_equal(
	    str_at(
		input,
		"financialTransfer.issueRefund.orderTransactions.0.parentId"),
	    PAYMENT);
	assert_string_equal(
	    str_at(input, "financialTransfer.issueRefund.orderTransactions.0."
			  "transactionAmount.amount"),
	    "112.97");
	assert_non_null(strstr(str_at(input, "note"), KEY));
	json_decref(j);
	connector_request_free(&req);
	free(body);
	connector_instance_free(&ci);
}

static void build_refuses_what_cannot_be_sent(void **state)
{
	struct connector_instance ci;
	struct connector_request req;
	struct connector_message m = message(refund_body);
	char err[256], *body;

	(void)state;
	instance(&ci);
	m.action = "return.decided";
	assert_int_equal(ci.ops->build(ci.state, &m, 0, &req, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "the shopify connector takes refunds only; "
				 "route events to a webhook ([outbox] events)");

	m = message(refund_body);
	m.refund_key = "";
	assert_int_equal(ci.ops->build(ci.state, &m, 0, &req, err, sizeof(err)),
			 -EINVAL);

	/* no payment: a refund that would move no money is refused */
	body = strdup(refund_body);
	{
		char *p = strstr(body, PAYMENT);

		memmove(p, p + strlen(PAYMENT),
			strlen(p + strlen(PAYMENT)) + 1);
	}
	m = message(body);
	assert_int_equal(ci.ops->build(ci.state, &m, 0, &req, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "shop_payment_id"));
	assert_non_null(strstr(err, "moves no money"));
	free(body);

	/* an item without the shop's line id */
	body = strdup(refund_body);
	{
		char *p = strstr(body, LINE);

		memmove(p, p + strlen(LINE), strlen(p + strlen(LINE)) + 1);
	}
	m = message(body);
	assert_int_equal(ci.ops->build(ci.state, &m, 0, &req, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "shop_line_id"));
	free(body);

	m = message("[1,2]");
	assert_int_equal(ci.ops->build(ci.state, &m, 0, &req, err, sizeof(err)),
			 -EINVAL);
	connector_instance_free(&ci);
}

static void settings_are_checked(void **state)
{
	struct connector_instance ci;
	char problem[256];
	int bad;

	(void)state;
	assert_int_equal(
	    make(&ci, "api_key", "x", TOKEN, problem, sizeof(problem), &bad),
	    -EINVAL);
	assert_int_equal(bad, 3);
	assert_non_null(strstr(problem, "unknown key 'api_key' for the "
					"shopify connector"));
	assert_int_equal(
	    make(&ci, "url", "ftp://x", TOKEN, problem, sizeof(problem), &bad),
	    -EINVAL);
	assert_int_equal(make(&ci, "url", "https://a b", TOKEN, problem,
			      sizeof(problem), &bad),
			 -EINVAL);
	assert_int_equal(make(&ci, "api_version", "2025-10", TOKEN, problem,
			      sizeof(problem), &bad),
			 -EINVAL);
	assert_non_null(strstr(problem, "api_version"));
	assert_int_equal(make(&ci, "api_version", "2026-13", TOKEN, problem,
			      sizeof(problem), &bad),
			 -EINVAL);
	assert_int_equal(make(&ci, "api_version", "2027-01", TOKEN, problem,
			      sizeof(problem), &bad),
			 0);
	connector_instance_free(&ci);
	assert_int_equal(make(&ci, "shop_domain", "bad.domain.com", TOKEN,
			      problem, sizeof(problem), &bad),
			 -EINVAL);
	assert_int_equal(
	    make(&ci, "restock", "YES", TOKEN, problem, sizeof(problem), &bad),
	    -EINVAL);
	/* RETURN needs a location */
	assert_int_equal(make(&ci, "restock", "RETURN", TOKEN, problem,
			      sizeof(problem), &bad),
			 -EINVAL);
	assert_int_equal(bad, -1);
	assert_non_null(strstr(problem, "location_id"));
	/* the secret: missing, or bad without being quoted */
	assert_int_equal(
	    make(&ci, NULL, NULL, NULL, problem, sizeof(problem), &bad),
	    -EINVAL);
	assert_non_null(strstr(problem, "access token is missing"));
	assert_int_equal(make(&ci, NULL, NULL, "shpat_with space", problem,
			      sizeof(problem), &bad),
			 -EINVAL);
	assert_null(strstr(problem, "shpat"));
	{
		struct connector_setting set[] = {
		    {.key = "url", .value = "https://x"}};

		assert_int_equal(connector_instance_new(
				     connector_find("shopify"), set, 1, false,
				     &ci, &bad, problem, sizeof(problem)),
				 -EINVAL);
		assert_non_null(strstr(problem, "access_token_file"));
	}
}

static enum connector_result classify(struct connector_instance *ci,
				      long status, const char *body, size_t len,
				      char *ref, char *err)
{
	struct connector_message m = message(refund_body);
	struct connector_answer a = {
	    .status = status, .body = body, .body_len = len};

	return ci->ops->classify(ci->state, &m, &a, ref, 128, err, 256);
}

#define CLASSIFY(ci, st, text, ref, err)                                       \
	classify(ci, st, text, strlen(text), ref, err)

static const char done_answer[] =
    "{\"data\":{\"refundCreate\":{\"refund\":{\"id\":\"gid://shopify/Refund/"
    "42\",\"note\":\"retour " KEY "\"},\"userErrors\":[]}},\"extensions\":"
    "{\"cost\":{\"requestedQueryCost\":10,\"actualQueryCost\":10,"
    "\"throttleStatus\":{\"maximumAvailable\":2000.0,"
    "\"currentlyAvailable\":1990,\"restoreRate\":100.0}}}}";

static const char throttle_answer[] =
    "{\"errors\":[{\"message\":\"Throttled\",\"extensions\":{\"code\":"
    "\"THROTTLED\",\"documentation\":\"https://shopify.dev/api/usage/"
    "rate-limits\"}}],\"extensions\":{\"cost\":{\"requestedQueryCost\":752,"
    "\"actualQueryCost\":null,\"throttleStatus\":{\"maximumAvailable\":1000.0,"
    "\"currentlyAvailable\":666,\"restoreRate\":50.0}}}}";

static void answers_are_classified(void **state)
{
	struct connector_instance ci;
	struct connector_answer a = {0};
	char ref[128], err[256];
	char *huge;

	(void)state;
	instance(&ci);
	assert_int_equal(CLASSIFY(&ci, 200, done_answer, ref, err),
			 CONNECTOR_DONE);
	assert_string_equal(ref, "gid://shopify/Refund/42");

	assert_int_equal(
	    CLASSIFY(&ci, 200,
		     "{\"data\":{\"refundCreate\":{\"refund\":null,"
		     "\"userErrors\":[{\"field\":[\"transactions\",\"0\","
		     "\"amount\"],\"message\":\"Refund amount exceeds the "
		     "refundable amount\"}]}}}",
		     ref, err),
	    CONNECTOR_FATAL);
	assert_string_equal(err, "Shopify refused the refund: "
				 "transactions.0.amount: Refund amount exceeds "
				 "the refundable amount");
	assert_string_equal(ref, "");

	assert_int_equal(CLASSIFY(&ci, 200, throttle_answer, ref, err),
			 CONNECTOR_RETRY);
	assert_non_null(strstr(err, "throttled"));
	a.status = 200;
	a.body = throttle_answer;
	a.body_len = strlen(throttle_answer);
	/* (752 - 666) / 50 = 1.72 s */
	assert_int_equal(ci.ops->retry_wait(ci.state, &a, 0), 1720000);
	/* Throttled by its message alone, with nothing to compute from */
	a.body = "{\"errors\":[{\"message\":\"Throttled\"}]}";
	a.body_len = strlen(a.body);
	assert_int_equal(CLASSIFY(&ci, 200, a.body, ref, err), CONNECTOR_RETRY);
	assert_int_equal(ci.ops->retry_wait(ci.state, &a, 0), 500000);
	a.body = done_answer;
	a.body_len = strlen(done_answer);
	assert_int_equal(ci.ops->retry_wait(ci.state, &a, 0), 0);

	assert_int_equal(
	    CLASSIFY(&ci, 429, "{\"errors\":\"Too many\"}", ref, err),
	    CONNECTOR_RETRY);
	assert_int_equal(CLASSIFY(&ci, 500, "", ref, err), CONNECTOR_RETRY);
	assert_int_equal(CLASSIFY(&ci, 503, "<html>", ref, err),
			 CONNECTOR_RETRY);
	assert_int_equal(
	    CLASSIFY(&ci, 401,
		     "{\"errors\":\"[API] Invalid API key or access token "
		     "(unrecognized login or wrong password)\"}",
		     ref, err),
	    CONNECTOR_FATAL);
	assert_string_equal(err, "Shopify refused (HTTP 401): [API] Invalid "
				 "API key or access token (unrecognized "
				 "login or wrong password)");
	assert_int_equal(
	    CLASSIFY(&ci, 404, "{\"errors\":\"Not Found\"}", ref, err),
	    CONNECTOR_FATAL);
	assert_int_equal(CLASSIFY(&ci, 302, "", ref, err), CONNECTOR_FATAL);
	/* GraphQL errors: a wrong request is fatal, Shopify's trouble not */
	assert_int_equal(
	    CLASSIFY(&ci, 200,
		     "{\"errors\":[{\"message\":\"Access denied for "
		     "refundCreate field.\",\"extensions\":{\"code\":"
		     "\"ACCESS_DENIED\"}}]}",
		     ref, err),
	    CONNECTOR_FATAL);
	assert_string_equal(err,
			    "Shopify: Access denied for refundCreate field.");
	assert_int_equal(
	    CLASSIFY(&ci, 200,
		     "{\"errors\":[{\"message\":\"Internal error\","
		     "\"extensions\":{\"code\":\"INTERNAL_SERVER_ERROR\"}}]}",
		     ref, err),
	    CONNECTOR_RETRY);
	/* unreadable 200s may have made the refund: retried, looked up */
	assert_int_equal(
	    CLASSIFY(&ci, 200, "{\"id\": 12, oops <html>", ref, err),
	    CONNECTOR_RETRY);
	assert_int_equal(
	    CLASSIFY(&ci, 200, "{\"data\":{\"refundCreate\":{\"re", ref, err),
	    CONNECTOR_RETRY);
	assert_non_null(strstr(err, "truncated"));
	assert_int_equal(CLASSIFY(&ci, 200, "", ref, err), CONNECTOR_RETRY);
	/* wrong types */
	assert_int_equal(CLASSIFY(&ci, 200,
				  "{\"data\":{\"refundCreate\":{\"refund\":"
				  "{\"id\":42},\"userErrors\":\"x\"}}}",
				  ref, err),
			 CONNECTOR_RETRY);
	assert_int_equal(
	    CLASSIFY(&ci, 200, "{\"data\":[],\"errors\":{\"a\":1}}", ref, err),
	    CONNECTOR_RETRY);
	assert_int_equal(CLASSIFY(&ci, 200, "[]", ref, err), CONNECTOR_RETRY);
	assert_int_equal(CLASSIFY(&ci, 200, "\"Throttled\"", ref, err),
			 CONNECTOR_RETRY);
	/* a message with control bytes comes out printable */
	assert_int_equal(
	    CLASSIFY(&ci, 200,
		     "{\"data\":{\"refundCreate\":{\"userErrors\":[{\"field\":"
		     "null,\"message\":\"bad\\n\\u0007line\"}]}}}",
		     ref, err),
	    CONNECTOR_FATAL);
	assert_string_equal(err, "Shopify refused the refund: bad ?line");
	/* huge: more than 4 MiB is not read */
	huge = malloc(5u << 20);
	assert_non_null(huge);
	memset(huge, ' ', 5u << 20);
	huge[0] = '{';
	huge[(5u << 20) - 1] = '}';
	assert_int_equal(classify(&ci, 200, huge, 5u << 20, ref, err),
			 CONNECTOR_RETRY);
	free(huge);
	connector_instance_free(&ci);
}

static void lookup_before_a_retry(void **state)
{
	struct connector_instance ci;
	struct connector_message m = message(refund_body);
	struct connector_request req;
	struct connector_answer a = {.status = 200};
	char err[256], ref[128];
	json_t *j;

	(void)state;
	instance(&ci);
	assert_false(ci.ops->reconcile_first);
	assert_int_equal(
	    ci.ops->reconcile_build(ci.state, &m, 0, &req, err, sizeof(err)),
	    0);
	j = req_json(&req);
	assert_non_null(strstr(str_at(j, "query"), "order(id: $id)"));
	assert_non_null(strstr(str_at(j, "query"), "refunds"));
	assert_string_equal(str_at(j, "variables.id"), ORDER);
	assert_string_equal(header(&req, "X-Shopify-Access-Token"), TOKEN);
	json_decref(j);
	connector_request_free(&req);

	a.body = "{\"data\":{\"order\":{\"id\":\"" ORDER "\",\"refunds\":["
		 "{\"id\":\"gid://shopify/Refund/1\",\"note\":\"retour "
		 "rr-ffffffffffffffffffffffffffffffff\"},"
		 "{\"id\":\"gid://shopify/Refund/2\",\"note\":\"retour " KEY
		 ": within_window\"}]}}}";
	a.body_len = strlen(a.body);
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_FOUND);
	assert_string_equal(ref, "gid://shopify/Refund/2");

	a.body = "{\"data\":{\"order\":{\"id\":\"" ORDER "\",\"refunds\":["
		 "{\"id\":\"gid://shopify/Refund/1\",\"note\":null}]}}}";
	a.body_len = strlen(a.body);
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_ABSENT);
	a.body = throttle_answer;
	a.body_len = strlen(a.body);
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_UNKNOWN);
	assert_true(ci.ops->retry_wait(ci.state, &a, 0) > 0);
	a.body = "{\"data\":{\"order\":null}}";
	a.body_len = strlen(a.body);
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_UNKNOWN);
	a.body = "{\"data\":{\"order\":{\"refunds\":[";
	a.body_len = strlen(a.body);
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_UNKNOWN);
	a.status = 502;
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_UNKNOWN);
	connector_instance_free(&ci);
}

/* A shop (a proxy, a debugging page) that echoes the request's headers:
 * the token must not reach the error text, the log or the screen. */
static void an_echoed_token_stays_out_of_the_error(void **state)
{
	struct connector_instance ci;
	struct connector_message m = message(refund_body);
	char ref[128], err[256], next[256];
	const char *echo[] = {
	    "{\"errors\":\"bad header X-Shopify-Access-Token: " TOKEN "\"}",
	    "<html>X-Shopify-Access-Token: " TOKEN "</html>",
	    "{\"errors\":[{\"message\":\"token " TOKEN " refused\"}]}",
	    "{\"data\":{\"refundCreate\":{\"userErrors\":[{\"field\":"
	    "[\"x\"],\"message\":\"" TOKEN "\"}]}}}",
	};
	const long status[] = {401, 502, 200, 200};
	json_t *out = json_array();
	bool more;

	(void)state;
	instance(&ci);
	for (size_t i = 0; i < sizeof(echo) / sizeof(echo[0]); i++) {
		struct connector_answer a = {.status = status[i],
					     .body = echo[i],
					     .body_len = strlen(echo[i])};

		ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref), err,
				 sizeof(err));
		assert_null(strstr(err, "shpat_unit"));
		ci.ops->reconcile_classify(ci.state, &m, &a, ref, sizeof(ref),
					   err, sizeof(err));
		assert_null(strstr(err, "shpat_unit"));
		ci.ops->pull_parse(ci.state, "", &a, 0, out, next, sizeof(next),
				   &more, err, sizeof(err));
		assert_null(strstr(err, "shpat_unit"));
	}
	json_decref(out);
	connector_instance_free(&ci);
}

static const char pull_answer[] =
    "{\"data\":{\"orders\":{\"nodes\":[{\"id\":\"gid://shopify/Order/1\","
    "\"name\":\"#1001\",\"updatedAt\":\"2026-11-20T10:00:00Z\","
    "\"presentmentCurrencyCode\":\"PLN\",\"transactions\":["
    "{\"id\":\"gid://shopify/OrderTransaction/5\",\"kind\":\"AUTHORIZATION\","
    "\"status\":\"SUCCESS\"},"
    "{\"id\":\"gid://shopify/OrderTransaction/6\",\"kind\":\"CAPTURE\","
    "\"status\":\"SUCCESS\"}],"
    "\"returns\":{\"nodes\":[{\"id\":\"gid://shopify/Return/77\",\"name\":"
    "\"#1001-R1\",\"status\":\"OPEN\",\"returnLineItems\":{\"nodes\":[{"
    "\"id\":\"gid://shopify/ReturnLineItem/9\",\"quantity\":2,"
    "\"fulfillmentLineItem\":{\"lineItem\":{\"id\":\"gid://shopify/LineItem/"
    "3\",\"sku\":\"TSHIRT-M\",\"name\":\"T-shirt M\",\"originalUnitPriceSet\""
    ":{\"presentmentMoney\":{\"amount\":\"59.99\",\"currencyCode\":\"PLN\"}},"
    "\"discountedUnitPriceAfterAllDiscountsSet\":{\"presentmentMoney\":"
    "{\"amount\":\"49.99\",\"currencyCode\":\"PLN\"}}"
    "}}}]}},"
    "{\"id\":\"gid://shopify/Return/78\",\"status\":\"CLOSED\","
    "\"returnLineItems\":{\"nodes\":[]}},"
    "{\"id\":\"gid://shopify/Return/79\",\"status\":\"OPEN\","
    "\"returnLineItems\":{\"nodes\":[{\"id\":\"x\",\"quantity\":\"2\"}]}}"
    "]}}],\"pageInfo\":{\"hasNextPage\":false}}}}";

static int pull(struct connector_instance *ci, const char *cursor, long status,
		const char *body, json_t *out, char *next, bool *more,
		char *err)
{
	struct connector_answer a = {
	    .status = status, .body = body, .body_len = strlen(body)};

	return ci->ops->pull_parse(ci->state, cursor, &a, 0, out, next, 256,
				   more, err, 256);
}

/* One return of one line priced @amount after all discounts. */
static int64_t pulled_price(struct connector_instance *ci, const char *cur,
			    const char *amount)
{
	char body[2048], next[256], err[256];
	json_t *out = json_array();
	bool more;
	int64_t v = -1;

	snprintf(
	    body, sizeof(body),
	    "{\"data\":{\"orders\":{\"nodes\":[{\"id\":\"gid://shopify/"
	    "Order/1\",\"name\":\"#1\",\"updatedAt\":\"2026-11-20T10:00:00Z\","
	    "\"presentmentCurrencyCode\":\"%s\",\"transactions\":[],"
	    "\"returns\":{\"nodes\":[{\"id\":\"gid://shopify/Return/7\","
	    "\"status\":\"OPEN\",\"returnLineItems\":{\"nodes\":[{\"id\":"
	    "\"gid://shopify/ReturnLineItem/9\",\"quantity\":3,"
	    "\"fulfillmentLineItem\":{\"lineItem\":{\"id\":\"gid://shopify/"
	    "LineItem/3\",\"sku\":\"S\",\"name\":\"N\","
	    "\"originalUnitPriceSet\":{\"presentmentMoney\":{\"amount\":"
	    "\"50.00\",\"currencyCode\":\"%s\"}},"
	    "\"discountedUnitPriceAfterAllDiscountsSet\":{\"presentmentMoney\":"
	    "{\"amount\":\"%s\",\"currencyCode\":\"%s\"}}}}}]}}]}}],"
	    "\"pageInfo\":{\"hasNextPage\":false}}}}",
	    cur, cur, amount, cur);
	assert_int_equal(pull(ci, "", 200, body, out, next, &more, err), 0);
	if (json_array_size(out) == 1)
		v = json_integer_value(
		    at(json_array_get(out, 0), "items.0.unit_price_minor"));
	json_decref(out);
	return v;
}

static void pull_takes_the_price_paid(void **state)
{
	struct connector_instance ci;
	struct connector_request req;
	char err[256];
	json_t *j;

	(void)state;
	instance(&ci);
	assert_int_equal(
	    ci.ops->pull_build(ci.state, "", 0, &req, err, sizeof(err)), 0);
	j = req_json(&req);
	assert_non_null(strstr(str_at(j, "query"),
			       "discountedUnitPriceAfterAllDiscountsSet"));
	json_decref(j);
	connector_request_free(&req);
	/* an order-level discount of 50.00 over 3 units: Shopify's unit
	 * price is approximate; cut to cents, never more than paid */
	assert_int_equal(pulled_price(&ci, "PLN", "33.333333333333"), 3333);
	assert_int_equal(pulled_price(&ci, "PLN", "40"), 4000);
	assert_int_equal(pulled_price(&ci, "JPY", "500.5"), 500);
	assert_int_equal(pulled_price(&ci, "PLN", "12.99x"), -1);
	assert_int_equal(pulled_price(&ci, "PLN", "1e3"), -1);
	assert_int_equal(pulled_price(&ci, "PLN", "-1.00"), -1);
	connector_instance_free(&ci);
}

static void pull_maps_returns_and_moves_on(void **state)
{
	struct connector_instance ci;
	struct connector_request req;
	char err[256], next[256], again[256];
	json_t *out = json_array(), *er, *j;
	bool more = true;

	(void)state;
	instance(&ci);
	assert_int_equal(
	    ci.ops->pull_build(ci.state, "", 0, &req, err, sizeof(err)), 0);
	j = req_json(&req);
	assert_non_null(strstr(str_at(j, "query"), "returns("));
	assert_non_null(strstr(str_at(j, "variables.q"),
			       "updated_at:>='2000-01-01T00:00:00Z'"));
	json_decref(j);
	connector_request_free(&req);

	assert_int_equal(pull(&ci, "", 200, pull_answer, out, next, &more, err),
			 0);
	assert_false(more);
	/* the closed return and the one that cannot be mapped are left out */
	assert_int_equal(json_array_size(out), 1);
	er = json_array_get(out, 0);
	assert_string_equal(str_at(er, "rma"), "gid://shopify/Return/77");
	assert_string_equal(str_at(er, "order"), "1001");
	assert_string_equal(str_at(er, "shop_order_id"),
			    "gid://shopify/Order/1");
	assert_string_equal(str_at(er, "shop_payment_id"),
			    "gid://shopify/OrderTransaction/6");
	assert_string_equal(str_at(er, "currency"), "PLN");
	assert_string_equal(str_at(er, "kind"), "withdrawal");
	assert_string_equal(str_at(er, "lookup_codes.0"), "#1001-R1");
	assert_string_equal(str_at(er, "items.0.shop_line_id"),
			    "gid://shopify/ReturnLineItem/9");
	assert_string_equal(str_at(er, "items.0.sku"), "TSHIRT-M");
	/* the price paid (after a 10.00 discount), not the list price */
	assert_int_equal(json_integer_value(at(er, "items.0.unit_price_minor")),
			 4999);
	assert_int_equal(json_integer_value(at(er, "items.0.quantity")), 2);
	assert_string_equal(next, "2026-11-20T10:00:00Z|77,78,79");

	/* the same answer after that cursor: nothing twice */
	json_array_clear(out);
	assert_int_equal(
	    pull(&ci, next, 200, pull_answer, out, again, &more, err), 0);
	assert_int_equal(json_array_size(out), 0);
	assert_string_equal(again, next);
	assert_int_equal(
	    ci.ops->pull_build(ci.state, next, 0, &req, err, sizeof(err)), 0);
	j = req_json(&req);
	assert_non_null(strstr(str_at(j, "variables.q"),
			       "updated_at:>='2026-11-20T10:00:00Z'"));
	json_decref(j);
	connector_request_free(&req);

	/* faults */
	assert_int_equal(pull(&ci, next, 429, "", out, again, &more, err),
			 -EAGAIN);
	assert_string_equal(again, next);
	assert_int_equal(
	    pull(&ci, next, 200, throttle_answer, out, again, &more, err),
	    -EAGAIN);
	assert_int_equal(pull(&ci, next, 200, "{\"data\":{\"orders\":", out,
			      again, &more, err),
			 -EINVAL);
	assert_int_equal(pull(&ci, next, 200, "{\"data\":{\"orders\":{}}}", out,
			      again, &more, err),
			 -EINVAL);
	assert_int_equal(
	    pull(&ci, "not a cursor", 200, pull_answer, out, again, &more, err),
	    -EINVAL);
	assert_int_equal(ci.ops->pull_build(ci.state, "x'); drop", 0, &req, err,
					    sizeof(err)),
			 -EINVAL);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
	connector_instance_free(&ci);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(refund_create_request_field_by_field),
	    cmocka_unit_test(an_echoed_token_stays_out_of_the_error),
	    cmocka_unit_test(restock_and_amounts),
	    cmocka_unit_test(return_process_for_a_shopify_return),
	    cmocka_unit_test(build_refuses_what_cannot_be_sent),
	    cmocka_unit_test(settings_are_checked),
	    cmocka_unit_test(answers_are_classified),
	    cmocka_unit_test(lookup_before_a_retry),
	    cmocka_unit_test(pull_maps_returns_and_moves_on),
	    cmocka_unit_test(pull_takes_the_price_paid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
