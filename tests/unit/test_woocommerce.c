/* SPDX-License-Identifier: MIT */
/*
 * The woocommerce connector on its own: the refund request as WooCommerce's
 * REST API v3 takes it (URL, method, basic auth, the body field by field,
 * amounts without floating point, the delivery on the shipping line once),
 * every kind of answer, the lookup of a refund by its key in meta_data,
 * the pull of orders into expected returns with a cursor that moves, and
 * the settings' errors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "retour/connector.h"
#include "retour/expected_json.h"
#include "retour/rules.h"

#define KEY "rr-0123456789abcdef0123456789abcdef"
#define NOW (INT64_C(1795168860) * 1000000) /* 2026-11-20T10:01:00Z */

static const char refund_body[] =
    "{\"amount_minor\":11297,\"code\":\"RMA-10001\",\"currency\":\"PLN\","
    "\"delivery_minor\":1299,\"items\":[{\"gtin\":\"05901234123457\","
    "\"quantity\":2,\"refund_minor\":9998,\"shop_line_id\":\"77\","
    "\"sku\":\"TSHIRT-M\"}],\"order\":\"1001\",\"reasons\":[\"within_"
    "window\",\"delivery_refunded\"],\"rma\":\"RMA-10001\",\"shop\":\"demo\","
    "\"shop_order_id\":\"5531\",\"shop_payment_id\":\"shipping:78\","
    "\"type\":\"refund.requested\",\"verdict\":\"accept\"}";

static int woo_instance(struct connector_instance *ci, const char *extra_key,
			const char *extra_value)
{
	struct connector_setting set[] = {
	    {.key = "url", .value = "https://shop.example/"},
	    {.key = "consumer_key_file", .value = "/run/k", .secret = "ck_abc"},
	    {.key = "consumer_secret_file",
	     .value = "/run/s",
	     .secret = "cs_def"},
	    {.key = extra_key, .value = extra_value},
	};
	char problem[256];
	int bad;

	return connector_instance_new(connector_find("woocommerce"), set,
				      extra_key ? 4 : 3, true, ci, &bad,
				      problem, sizeof(problem));
}

static struct connector_message woo_msg(const char *body)
{
	struct connector_message m = {
	    .action = "refund.requested",
	    .key = "demo:desk:12:refund",
	    .refund_key = KEY,
	    .body = body,
	    .body_len = strlen(body),
	};
	return m;
}

static const char *woo_header(const struct connector_request *req,
			      const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < req->n_headers; i++)
		if (strncasecmp(req->headers[i], name, n) == 0 &&
		    req->headers[i][n] == ':')
			return req->headers[i] + n + 2;
	return NULL;
}

static json_t *woo_build_json(struct connector_instance *ci, const char *body,
			      struct connector_request *req)
{
	struct connector_message m = woo_msg(body);
	char err[256] = "";
	json_error_t jerr;

	assert_int_equal(
	    ci->ops->build(ci->state, &m, NOW, req, err, sizeof(err)), 0);
	return json_loadb(req->body, req->body_len, 0, &jerr);
}

static void woo_refund_request_shape(void **state)
{
	struct connector_instance ci;
	struct connector_request req;
	json_t *b, *lines, *l0, *l1, *meta;

	(void)state;
	assert_int_equal(woo_instance(&ci, NULL, NULL), 0);
	b = woo_build_json(&ci, refund_body, &req);
	assert_non_null(b);
	assert_int_equal(req.method, CONNECTOR_POST);
	assert_string_equal(req.url, "https://shop.example/wp-json/wc/v3/"
				     "orders/5531/refunds");
	assert_string_equal(woo_header(&req, "Authorization"),
			    "Basic Y2tfYWJjOmNzX2RlZg==");
	assert_string_equal(woo_header(&req, "Content-Type"),
			    "application/json");
	assert_non_null(woo_header(&req, "Accept"));
	assert_null(woo_header(&req, "Idempotency-Key"));
	/* no secret in clear anywhere */
	assert_null(strstr(req.body, "cs_def"));
	assert_null(strstr(req.url, "cs_def"));

	assert_string_equal(json_string_value(json_object_get(b, "amount")),
			    "112.97");
	assert_string_equal(json_string_value(json_object_get(b, "reason")),
			    "retour RMA-10001: within_window, "
			    "delivery_refunded");
	assert_true(json_is_true(json_object_get(b, "api_refund")));
	assert_true(json_is_true(json_object_get(b, "api_restock")));
	lines = json_object_get(b, "line_items");
	assert_int_equal(json_array_size(lines), 2);
	l0 = json_array_get(lines, 0);
	assert_int_equal(json_integer_value(json_object_get(l0, "id")), 77);
	assert_int_equal(json_integer_value(json_object_get(l0, "quantity")),
			 2);
	assert_string_equal(
	    json_string_value(json_object_get(l0, "refund_total")), "99.98");
	assert_true(json_is_array(json_object_get(l0, "refund_tax")));
	assert_int_equal(json_array_size(json_object_get(l0, "refund_tax")), 0);
	/* the delivery, on the shipping line, once */
	l1 = json_array_get(lines, 1);
	assert_int_equal(json_integer_value(json_object_get(l1, "id")), 78);
	assert_string_equal(
	    json_string_value(json_object_get(l1, "refund_total")), "12.99");
	assert_null(json_object_get(l1, "quantity"));
	assert_null(strstr(strstr(req.body, "12.99") + 1, "12.99"));
	meta = json_object_get(b, "meta_data");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(meta, 0), "key")),
	    "_retour_refund_key");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(meta, 0), "value")),
			    KEY);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(meta, 1), "value")),
			    "PLN");
	/* nothing else goes to the shop */
	assert_int_equal(json_object_size(b), 6);
	json_decref(b);
	connector_request_free(&req);
	connector_instance_free(&ci);
}

static void woo_amounts_follow_the_currency(void **state)
{
	static const char jpy[] =
	    "{\"amount_minor\":500,\"currency\":\"JPY\",\"delivery_minor\":0,"
	    "\"items\":[{\"quantity\":1,\"refund_minor\":500,\"shop_line_id\":"
	    "\"9\"}],\"rma\":\"R\",\"shop_order_id\":\"1\"}";
	static const char kwd[] =
	    "{\"amount_minor\":1234,\"currency\":\"KWD\",\"delivery_minor\":34,"
	    "\"items\":[{\"quantity\":1,\"refund_minor\":1200,\"shop_line_id\":"
	    "\"9\"}],\"rma\":\"R\",\"shop_order_id\":\"1\","
	    "\"shop_payment_id\":\"shipping:10\"}";
	struct connector_instance ci;
	struct connector_request req;
	json_t *b;

	(void)state;
	assert_int_equal(woo_instance(&ci, "api_refund", "no"), 0);
	b = woo_build_json(&ci, jpy, &req);
	assert_string_equal(json_string_value(json_object_get(b, "amount")),
			    "500");
	assert_true(json_is_false(json_object_get(b, "api_refund")));
	/* no delivery: no shipping line at all */
	assert_int_equal(json_array_size(json_object_get(b, "line_items")), 1);
	json_decref(b);
	connector_request_free(&req);
	b = woo_build_json(&ci, kwd, &req);
	assert_string_equal(json_string_value(json_object_get(b, "amount")),
			    "1.234");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(b, "line_items"), 1),
		"refund_total")),
	    "0.034");
	json_decref(b);
	connector_request_free(&req);
	connector_instance_free(&ci);
}

static void woo_build_refuses(const char *action, const char *body,
			      const char *refund_key, const char *why)
{
	struct connector_instance ci;
	struct connector_request req;
	struct connector_message m = woo_msg(body);
	char err[256] = "";

	m.action = action;
	m.refund_key = refund_key;
	assert_int_equal(woo_instance(&ci, NULL, NULL), 0);
	assert_int_equal(
	    ci.ops->build(ci.state, &m, NOW, &req, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, why));
	assert_null(req.body);
	connector_instance_free(&ci);
}

static void woo_build_refuses_what_it_cannot_make(void **state)
{
	char body[sizeof(refund_body) + 16];

	(void)state;
	woo_build_refuses("return.decided", refund_body, KEY,
			  "the woocommerce connector takes refunds only");
	woo_build_refuses("return.decided", refund_body, KEY,
			  "route events to a webhook ([outbox] events)");
	woo_build_refuses("refund.requested", refund_body, "", "refund key");
	woo_build_refuses("refund.requested", "[1]", KEY, "not a JSON object");
	woo_build_refuses("refund.requested", "{\"amount_minor\":1}", KEY,
			  "shop_order_id");
	/* no shipping line for a refund with delivery */
	snprintf(body, sizeof(body), "%s", refund_body);
	memcpy(strstr(body, "shipping:78"), "transact:78", 11);
	woo_build_refuses("refund.requested", body, KEY, "shipping:");
	/* an item without the shop's line id */
	snprintf(body, sizeof(body), "%s", refund_body);
	memcpy(strstr(body, "\"77\""), "\"x7\"", 4);
	woo_build_refuses("refund.requested", body, KEY, "shop_line_id");
	/* amounts that are no amounts */
	snprintf(body, sizeof(body), "%s", refund_body);
	memcpy(strstr(body, "11297"), "-1297", 5);
	woo_build_refuses("refund.requested", body, KEY, "amount_minor");
	snprintf(body, sizeof(body), "%s", refund_body);
	memcpy(strstr(body, "\"PLN\""), "\"P1N\"", 5);
	woo_build_refuses("refund.requested", body, KEY, "currency");
}

static enum connector_result woo_answer(struct connector_instance *ci,
					long status, const char *body,
					size_t len, char *ref, char *err)
{
	struct connector_message m = woo_msg(refund_body);
	struct connector_answer a = {
	    .status = status, .body = body, .body_len = len};

	return ci->ops->classify(ci->state, &m, &a, ref, 64, err, 256);
}

#define WOO_ANSWER(ci, status, text, ref, err)                                 \
	woo_answer(ci, status, text, strlen(text), ref, err)

static void woo_classifies_answers(void **state)
{
	struct connector_instance ci;
	char ref[64], err[256];
	char *huge;
	size_t n = (size_t)5 << 20;

	(void)state;
	assert_int_equal(woo_instance(&ci, NULL, NULL), 0);
	assert_int_equal(WOO_ANSWER(&ci, 201,
				    "{\"id\":104,\"amount\":\"112.97\"}", ref,
				    err),
			 CONNECTOR_DONE);
	assert_string_equal(ref, "104");
	assert_int_equal(WOO_ANSWER(&ci, 200, "{\"id\":\"105\"}", ref, err),
			 CONNECTOR_DONE);
	assert_string_equal(ref, "105");
	/* 2xx without a readable id: made, looked up before anything else */
	assert_int_equal(WOO_ANSWER(&ci, 201, "{\"id\": 12, oops", ref, err),
			 CONNECTOR_RETRY);
	assert_string_equal(ref, "");
	assert_non_null(strstr(err, "looking it up"));
	assert_int_equal(WOO_ANSWER(&ci, 201, "{\"id\":1234,\"amou", ref, err),
			 CONNECTOR_RETRY);
	assert_non_null(strstr(err, "truncated"));
	assert_int_equal(WOO_ANSWER(&ci, 201, "{\"id\":{}}", ref, err),
			 CONNECTOR_RETRY);
	assert_int_equal(WOO_ANSWER(&ci, 201, "{\"id\":-4}", ref, err),
			 CONNECTOR_RETRY);
	assert_int_equal(WOO_ANSWER(&ci, 201, "[104]", ref, err),
			 CONNECTOR_RETRY);
	/* throttled, or the shop is not well */
	assert_int_equal(WOO_ANSWER(&ci, 429,
				    "{\"code\":\"rest_too_many_requests\","
				    "\"message\":\"Too many requests.\","
				    "\"data\":{\"status\":429}}",
				    ref, err),
			 CONNECTOR_RETRY);
	assert_string_equal(err, "woocommerce: Too many requests. "
				 "(rest_too_many_requests, HTTP 429)");
	assert_int_equal(
	    WOO_ANSWER(&ci, 500, "<html>critical error</html>", ref, err),
	    CONNECTOR_RETRY);
	assert_string_equal(
	    err, "woocommerce: HTTP 500: <html>critical error</html>");
	assert_int_equal(WOO_ANSWER(&ci, 503, "", ref, err), CONNECTOR_RETRY);
	assert_int_equal(
	    WOO_ANSWER(&ci, 500,
		       "{\"code\":\"woocommerce_rest_cannot_"
		       "create_order_refund\",\"message\":\"Cannot "
		       "create order refund, please try again.\","
		       "\"data\":{\"status\":500}}",
		       ref, err),
	    CONNECTOR_RETRY);
	/* the shop said no: its message, fatal */
	assert_int_equal(
	    WOO_ANSWER(&ci, 500,
		       "{\"code\":\"woocommerce_rest_cannot_"
		       "create_order_refund\",\"message\":\"Invalid "
		       "refund amount.\",\"data\":{\"status\":500}}",
		       ref, err),
	    CONNECTOR_FATAL);
	assert_string_equal(err, "woocommerce: Invalid refund amount. "
				 "(woocommerce_rest_cannot_create_order_refund,"
				 " HTTP 500)");
	assert_int_equal(
	    WOO_ANSWER(&ci, 400,
		       "{\"code\":\"woocommerce_rest_invalid_"
		       "order_refund\",\"message\":\"Refund amount "
		       "must be\\ngreater than zero.\\u0007\","
		       "\"data\":{\"status\":400}}",
		       ref, err),
	    CONNECTOR_FATAL);
	assert_string_equal(err, "woocommerce: Refund amount must be greater "
				 "than zero.? (woocommerce_rest_invalid_order_"
				 "refund, HTTP 400)");
	assert_int_equal(
	    WOO_ANSWER(&ci, 401, "{\"code\":5,\"message\":[]}", ref, err),
	    CONNECTOR_FATAL);
	assert_non_null(strstr(err, "HTTP 401"));
	assert_int_equal(WOO_ANSWER(&ci, 301, "", ref, err), CONNECTOR_FATAL);
	assert_int_equal(WOO_ANSWER(&ci, 0, "", ref, err), CONNECTOR_RETRY);
	/* a huge answer is refused, not read */
	huge = malloc(n);
	assert_non_null(huge);
	memset(huge, ' ', n);
	huge[0] = '{';
	huge[n - 1] = '}';
	assert_int_equal(woo_answer(&ci, 201, huge, n, ref, err),
			 CONNECTOR_RETRY);
	assert_int_equal(woo_answer(&ci, 500, huge, n, ref, err),
			 CONNECTOR_RETRY);
	assert_true(strlen(err) < 200);
	free(huge);
	connector_instance_free(&ci);
}

/* A shop (a proxy, a debugging page) that echoes the request's headers:
 * neither the consumer key, the secret nor their basic auth may reach the
 * error text, the log or the screen. */
static void woo_echoed_credentials_stay_out_of_the_error(void **state)
{
	struct connector_instance ci;
	struct connector_message m = woo_msg(refund_body);
	char ref[64], err[256], next[256];
	const char *echo[] = {
	    "{\"code\":\"x\",\"message\":\"Authorization: Basic "
	    "Y2tfYWJjOmNzX2RlZg== rejected\"}",
	    "<pre>consumer_key=ck_abc consumer_secret=cs_def</pre>",
	    "{\"code\":\"x\",\"message\":\"key ck_abc, secret cs_def\"}",
	};
	const long status[] = {401, 502, 400};
	json_t *out = json_array();
	bool more;

	(void)state;
	assert_int_equal(woo_instance(&ci, "pull_status", "return-requested"),
			 0);
	for (size_t i = 0; i < sizeof(echo) / sizeof(echo[0]); i++) {
		struct connector_answer a = {.status = status[i],
					     .body = echo[i],
					     .body_len = strlen(echo[i])};

		ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref), err,
				 sizeof(err));
		assert_null(strstr(err, "Y2tfYWJjOmNzX2RlZg"));
		assert_null(strstr(err, "ck_abc"));
		assert_null(strstr(err, "cs_def"));
		ci.ops->reconcile_classify(ci.state, &m, &a, ref, sizeof(ref),
					   err, sizeof(err));
		assert_null(strstr(err, "Y2tfYWJjOmNzX2RlZg"));
		assert_null(strstr(err, "cs_def"));
		ci.ops->pull_parse(ci.state, "", &a, NOW, out, next,
				   sizeof(next), &more, err, sizeof(err));
		assert_null(strstr(err, "Y2tfYWJjOmNzX2RlZg"));
		assert_null(strstr(err, "cs_def"));
	}
	json_decref(out);
	connector_instance_free(&ci);
}

static enum connector_found woo_lookup(struct connector_instance *ci,
				       long status, const char *body,
				       const char *pages, char *ref, char *err)
{
	struct connector_message m = woo_msg(refund_body);
	struct connector_header h = {"X-WP-TotalPages", pages};
	struct connector_answer a = {.status = status,
				     .body = body,
				     .body_len = strlen(body),
				     .headers = &h,
				     .n_headers = pages ? 1 : 0};

	return ci->ops->reconcile_classify(ci->state, &m, &a, ref, 64, err,
					   256);
}

static void woo_looks_the_refund_up(void **state)
{
	struct connector_instance ci;
	struct connector_request req;
	struct connector_message m = woo_msg(refund_body);
	char ref[64], err[256];
	const char *two =
	    "[{\"id\":301,\"amount\":\"10.00\",\"meta_data\":[{\"id\":1,"
	    "\"key\":\"_retour_refund_key\",\"value\":\"rr-other\"}]},"
	    "{\"id\":302,\"amount\":\"112.97\",\"meta_data\":[{\"id\":2,"
	    "\"key\":\"_other\",\"value\":7},{\"id\":3,\"key\":\"_retour_"
	    "refund_key\",\"value\":\"" KEY "\"}]}]";

	(void)state;
	assert_true(connector_find("woocommerce")->reconcile_first);
	assert_int_equal(woo_instance(&ci, NULL, NULL), 0);
	assert_int_equal(
	    ci.ops->reconcile_build(ci.state, &m, NOW, &req, err, sizeof(err)),
	    0);
	assert_int_equal(req.method, CONNECTOR_GET);
	assert_string_equal(req.url, "https://shop.example/wp-json/wc/v3/"
				     "orders/5531/refunds?per_page=100");
	assert_string_equal(woo_header(&req, "Authorization"),
			    "Basic Y2tfYWJjOmNzX2RlZg==");
	assert_null(req.body);
	connector_request_free(&req);

	assert_int_equal(woo_lookup(&ci, 200, two, "1", ref, err),
			 CONNECTOR_FOUND);
	assert_string_equal(ref, "302");
	assert_int_equal(woo_lookup(&ci, 200, "[]", "1", ref, err),
			 CONNECTOR_ABSENT);
	assert_int_equal(
	    woo_lookup(&ci, 200,
		       "[{\"id\":1,\"meta_data\":[{\"key\":\"_retour_refund_"
		       "key\",\"value\":\"rr-other\"}]},{\"meta_data\":7},3]",
		       NULL, ref, err),
	    CONNECTOR_ABSENT);
	/* a second page might hold it */
	assert_int_equal(woo_lookup(&ci, 200, "[]", "2", ref, err),
			 CONNECTOR_UNKNOWN);
	/* a full page without X-WP-TotalPages (a proxy dropped it): the
	 * refund may be on the next page, so it cannot tell */
	{
		char full[100 * 64 + 8];
		size_t n = 0;

		full[n++] = '[';
		for (int i = 0; i < 100; i++)
			n += (size_t)snprintf(full + n, sizeof(full) - n,
					      "%s{\"id\":%d,\"meta_data\":[]}",
					      i ? "," : "", 1000 + i);
		snprintf(full + n, sizeof(full) - n, "]");
		assert_int_equal(woo_lookup(&ci, 200, full, NULL, ref, err),
				 CONNECTOR_UNKNOWN);
		assert_non_null(strstr(err, "cannot tell"));
		/* the shop says that page is all there is */
		assert_int_equal(woo_lookup(&ci, 200, full, "1", ref, err),
				 CONNECTOR_ABSENT);
	}
	assert_int_equal(woo_lookup(&ci, 500, "", NULL, ref, err),
			 CONNECTOR_UNKNOWN);
	assert_int_equal(woo_lookup(&ci, 401,
				    "{\"code\":\"woocommerce_rest_cannot_"
				    "view\",\"message\":\"Sorry, you cannot "
				    "list resources.\"}",
				    NULL, ref, err),
			 CONNECTOR_UNKNOWN);
	assert_non_null(strstr(err, "Sorry, you cannot list resources."));
	assert_int_equal(woo_lookup(&ci, 200, "{\"id\":1}", NULL, ref, err),
			 CONNECTOR_UNKNOWN);
	assert_int_equal(woo_lookup(&ci, 200, "[{\"id\":1", NULL, ref, err),
			 CONNECTOR_UNKNOWN);
	/* the order is gone: nothing to make twice, the POST says why */
	assert_int_equal(woo_lookup(&ci, 404,
				    "{\"code\":\"woocommerce_rest_invalid_"
				    "order_id\",\"message\":\"Invalid order "
				    "ID.\"}",
				    NULL, ref, err),
			 CONNECTOR_ABSENT);
	assert_int_equal(woo_lookup(&ci, 404, "{}", NULL, ref, err),
			 CONNECTOR_UNKNOWN);
	/* a 2xx it could not read counts as made, even when unlisted */
	assert_int_equal(WOO_ANSWER(&ci, 201, "{oops", ref, err),
			 CONNECTOR_RETRY);
	assert_int_equal(woo_lookup(&ci, 200, "[]", "1", ref, err),
			 CONNECTOR_FOUND);
	connector_instance_free(&ci);
}

static const char orders_page[] =
    "[{\"id\":727,\"number\":\"727\",\"status\":\"return-requested\","
    "\"currency\":\"PLN\",\"date_created_gmt\":\"2026-11-01T09:00:00\","
    "\"date_modified_gmt\":\"2026-11-19T08:00:00\","
    "\"date_completed_gmt\":\"2026-11-03T12:00:00\",\"total\":\"112.97\","
    "\"shipping_total\":\"10.56\",\"shipping_tax\":\"2.43\","
    "\"line_items\":[{\"id\":315,\"name\":\"T-shirt M\",\"product_id\":93,"
    "\"quantity\":2,\"subtotal\":\"81.29\",\"total\":\"81.29\","
    "\"total_tax\":\"18.69\",\"sku\":\"TSHIRT-M\",\"price\":40.645}],"
    "\"shipping_lines\":[{\"id\":316,\"method_title\":\"Flat rate\","
    "\"total\":\"10.56\",\"total_tax\":\"2.43\"}],\"refunds\":[]},"
    "{\"id\":728,\"number\":\"A-728\",\"currency\":\"EUR\","
    "\"date_modified_gmt\":\"2026-11-19T08:00:05\","
    "\"date_completed_gmt\":null,\"shipping_total\":\"0.00\","
    "\"shipping_tax\":\"0.00\",\"line_items\":[{\"id\":320,\"name\":\"Mug\","
    "\"quantity\":1,\"total\":\"12.000000\",\"total_tax\":\"0.00\","
    "\"sku\":\"MUG\"}],\"shipping_lines\":[]},"
    "{\"id\":729,\"currency\":\"EUR\","
    "\"date_modified_gmt\":\"2026-11-19T08:00:05\",\"shipping_total\":"
    "\"0.00\",\"shipping_tax\":\"0.00\",\"line_items\":[{\"id\":321,"
    "\"quantity\":1,\"total\":\"1.00\",\"total_tax\":\"0.00\",\"sku\":\"\"}]"
    ",\"shipping_lines\":[]}]";

static int woo_pull(struct connector_instance *ci, const char *cursor,
		    long status, const char *body, json_t *returns, char *next,
		    bool *more, char *err)
{
	struct connector_answer a = {
	    .status = status, .body = body, .body_len = strlen(body)};

	return ci->ops->pull_parse(ci->state, cursor, &a, NOW, returns, next,
				   256, more, err, 256);
}

static void woo_pulls_orders_in_a_status(void **state)
{
	struct connector_instance ci;
	struct connector_request req;
	struct expected_return er;
	char next[256], again[256], err[256];
	json_t *returns = json_array(), *r0, *r1;
	bool more = true;

	(void)state;
	assert_int_equal(woo_instance(&ci, NULL, NULL), 0);
	assert_int_equal(
	    ci.ops->pull_build(ci.state, "", NOW, &req, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "pull_status"));
	connector_instance_free(&ci);

	assert_int_equal(woo_instance(&ci, "pull_status", "return-requested"),
			 0);
	assert_int_equal(
	    ci.ops->pull_build(ci.state, "", NOW, &req, err, sizeof(err)), 0);
	assert_int_equal(req.method, CONNECTOR_GET);
	/* first poll: the last 30 days */
	assert_string_equal(req.url,
			    "https://shop.example/wp-json/wc/v3/orders?status="
			    "return-requested&orderby=modified&order=asc&dates_"
			    "are_gmt=true&modified_after=2026-10-21T10:01:00&"
			    "per_page=50");
	assert_non_null(woo_header(&req, "Authorization"));
	connector_request_free(&req);

	assert_int_equal(
	    woo_pull(&ci, "", 200, orders_page, returns, next, &more, err), 0);
	/* the order without a SKU cannot be mapped: left out whole */
	assert_int_equal(json_array_size(returns), 2);
	assert_false(more);
	assert_string_equal(next, "2026-11-19T08:00:05|728,729");
	r0 = json_array_get(returns, 0);
	assert_string_equal(json_string_value(json_object_get(r0, "rma")),
			    "WC-727");
	assert_string_equal(
	    json_string_value(json_object_get(r0, "shop_order_id")), "727");
	assert_string_equal(
	    json_string_value(json_object_get(r0, "shop_payment_id")),
	    "shipping:316");
	assert_string_equal(
	    json_string_value(json_object_get(r0, "delivered_at")),
	    "2026-11-03T12:00:00Z");
	assert_int_equal(
	    json_integer_value(json_object_get(r0, "delivery_basic_minor")),
	    1299);
	assert_int_equal(json_integer_value(json_object_get(
			     json_array_get(json_object_get(r0, "items"), 0),
			     "unit_price_minor")),
			 4999);
	/* it imports as it is */
	assert_int_equal(
	    expected_json_parse(r0, NULL, "", &er, err, sizeof(err)), 0);
	assert_string_equal(er.items[0].shop_line_id, "315");
	assert_int_equal(er.n_order_lines, 1);
	r1 = json_array_get(returns, 1);
	assert_string_equal(json_string_value(json_object_get(r1, "order")),
			    "A-728");
	assert_null(json_object_get(r1, "shop_payment_id"));
	assert_true(json_is_null(json_object_get(r1, "delivered_at")));
	assert_int_equal(json_integer_value(json_object_get(
			     json_array_get(json_object_get(r1, "items"), 0),
			     "unit_price_minor")),
			 1200);
	assert_int_equal(
	    expected_json_parse(r1, NULL, "", &er, err, sizeof(err)), 0);

	/* the next poll starts from the cursor and pulls none twice */
	assert_int_equal(
	    ci.ops->pull_build(ci.state, next, NOW, &req, err, sizeof(err)), 0);
	assert_non_null(strstr(req.url, "modified_after=2026-11-19T08:00:04&"));
	connector_request_free(&req);
	json_array_clear(returns);
	assert_int_equal(
	    woo_pull(&ci, next, 200, orders_page, returns, again, &more, err),
	    0);
	assert_int_equal(json_array_size(returns), 0);
	assert_string_equal(again, next);
	assert_false(more);
	json_decref(returns);
	connector_instance_free(&ci);
}

static void woo_pull_pages_and_errors(void **state)
{
	struct connector_instance ci;
	char next[256], err[256];
	json_t *returns = json_array();
	bool more = false;

	(void)state;
	assert_int_equal(woo_instance(&ci, "pull_per_page", "3"), 0);
	/* a full page: ask again at once */
	assert_int_equal(
	    woo_pull(&ci, "", 200, orders_page, returns, next, &more, err), 0);
	assert_true(more);
	more = true;
	assert_int_equal(woo_pull(&ci, "2026-11-19T08:00:05|1", 429,
				  "{\"code\":\"x\",\"message\":\"slow down\"}",
				  returns, next, &more, err),
			 -EAGAIN);
	assert_false(more);
	assert_string_equal(next, "2026-11-19T08:00:05|1");
	assert_int_equal(woo_pull(&ci, "", 503, "", returns, next, &more, err),
			 -EAGAIN);
	assert_int_equal(woo_pull(&ci, "", 401,
				  "{\"code\":\"woocommerce_rest_cannot_view\","
				  "\"message\":\"Sorry, you cannot list "
				  "resources.\"}",
				  returns, next, &more, err),
			 -EINVAL);
	assert_non_null(strstr(err, "Sorry"));
	assert_int_equal(woo_pull(&ci, "", 200, "{\"orders\":[]}", returns,
				  next, &more, err),
			 -EINVAL);
	assert_int_equal(
	    woo_pull(&ci, "", 200, "[{\"id\":1,", returns, next, &more, err),
	    -EINVAL);
	/* wrong types are left out, never half-made */
	json_array_clear(returns);
	assert_int_equal(woo_pull(&ci, "", 200,
				  "[{\"id\":\"x\"},7,{\"id\":5,\"date_modified_"
				  "gmt\":\"2026-11-19T08:00:00\",\"currency\":"
				  "\"PLN\",\"line_items\":{}}]",
				  returns, next, &more, err),
			 0);
	assert_int_equal(json_array_size(returns), 0);
	assert_string_equal(next, "2026-11-19T08:00:00|5");
	json_decref(returns);
	connector_instance_free(&ci);
}

static int woo_setting(const char *key, const char *value, const char *secret,
		       bool with_secrets, int *bad, char *problem)
{
	struct connector_setting set[] = {
	    {.key = "url", .value = "https://shop.example"},
	    {.key = "consumer_key_file", .value = "/run/k", .secret = "ck_a"},
	    {.key = key, .value = value, .secret = secret},
	};
	struct connector_instance ci;
	int r;

	problem[0] = '\0';
	r = connector_instance_new(connector_find("woocommerce"), set, 3,
				   with_secrets, &ci, bad, problem, 256);
	if (r == 0)
		connector_instance_free(&ci);
	return r;
}

/* Orders 800..804, all modified in one second (a bulk status change). */
static char *burst_page(int first, int n)
{
	char *out = malloc(4096);
	size_t k = 0;

	assert_non_null(out);
	out[k++] = '[';
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(
		    out + k, 4096 - k,
		    "%s{\"id\":%d,\"currency\":\"PLN\",\"date_modified_gmt\":"
		    "\"2026-11-19T08:00:05\",\"shipping_total\":\"0.00\","
		    "\"shipping_tax\":\"0.00\",\"line_items\":[{\"id\":%d,"
		    "\"quantity\":1,\"total\":\"1.00\",\"total_tax\":"
		    "\"0.00\",\"sku\":\"S\"}],\"shipping_lines\":[]}",
		    i ? "," : "", first + i, 9000 + first + i);
	snprintf(out + k, 4096 - k, "]");
	return out;
}

static void woo_pull_gets_past_a_burst_in_one_second(void **state)
{
	struct connector_setting set[] = {
	    {.key = "url", .value = "https://shop.example/"},
	    {.key = "consumer_key_file", .value = "/run/k", .secret = "ck_abc"},
	    {.key = "consumer_secret_file", .value = "/run/s", .secret = "cs"},
	    {.key = "pull_status", .value = "return-requested"},
	    {.key = "pull_per_page", .value = "3"},
	};
	struct connector_instance ci;
	struct connector_request req;
	char next[256], again[256], err[256], problem[256];
	char *p1 = burst_page(800, 3), *p2 = burst_page(803, 2);
	json_t *returns = json_array();
	bool more = false;
	int bad;

	(void)state;
	assert_int_equal(connector_instance_new(connector_find("woocommerce"),
						set, 5, true, &ci, &bad,
						problem, sizeof(problem)),
			 0);
	assert_int_equal(woo_pull(&ci, "", 200, p1, returns, next, &more, err),
			 0);
	assert_int_equal(json_array_size(returns), 3);
	assert_string_equal(next, "2026-11-19T08:00:05|800,801,802");
	assert_true(more);
	/* the shop's first page after that cursor is the same three: the
	 * next request must be the second page, not the first again */
	json_array_clear(returns);
	assert_int_equal(
	    woo_pull(&ci, next, 200, p1, returns, again, &more, err), 0);
	assert_int_equal(json_array_size(returns), 0);
	assert_true(more);
	assert_int_equal(
	    ci.ops->pull_build(ci.state, again, NOW, &req, err, sizeof(err)),
	    0);
	assert_non_null(strstr(req.url, "&page=2"));
	assert_non_null(strstr(req.url, "modified_after=2026-11-19T08:00:04"));
	connector_request_free(&req);
	assert_int_equal(
	    woo_pull(&ci, again, 200, p2, returns, next, &more, err), 0);
	assert_int_equal(json_array_size(returns), 2);
	assert_false(more);
	assert_string_equal(next, "2026-11-19T08:00:05|800,801,802,803,804");
	/* the next poll starts from the first page again */
	assert_int_equal(
	    ci.ops->pull_build(ci.state, next, NOW, &req, err, sizeof(err)), 0);
	assert_null(strstr(req.url, "page=2"));
	connector_request_free(&req);
	free(p1);
	free(p2);
	json_decref(returns);
	connector_instance_free(&ci);
}

static void woo_settings_are_checked(void **state)
{
	char problem[256];
	int bad;

	(void)state;
	assert_int_equal(woo_setting("consumer_secret_file", "/run/s", "cs_x",
				     true, &bad, problem),
			 0);
	/* retourd -n: files named, not read */
	assert_int_equal(woo_setting("consumer_secret_file", "/run/s", NULL,
				     false, &bad, problem),
			 0);
	assert_int_equal(woo_setting("consumer_secret_file", "/run/s", NULL,
				     true, &bad, problem),
			 -EINVAL);
	assert_int_equal(bad, -1);
	assert_non_null(strstr(problem, "consumer secret is missing"));
	assert_int_equal(
	    woo_setting("api_key", "x", NULL, false, &bad, problem), -EINVAL);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(problem, "unknown key 'api_key' for the "
					"woocommerce connector"));
	assert_non_null(strstr(problem, "consumer_secret_file"));
	assert_int_equal(woo_setting("url", "ftp://shop.example", NULL, false,
				     &bad, problem),
			 -EINVAL);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(problem, "url"));
	assert_int_equal(woo_setting("url", "https://shop.example/a b", NULL,
				     false, &bad, problem),
			 -EINVAL);
	assert_int_equal(
	    woo_setting("api_refund", "maybe", NULL, false, &bad, problem),
	    -EINVAL);
	assert_int_equal(
	    woo_setting("api_restock", "no", NULL, false, &bad, problem),
	    -EINVAL); /* no consumer_secret_file */
	assert_int_equal(
	    woo_setting("pull_per_page", "101", NULL, false, &bad, problem),
	    -EINVAL);
	assert_int_equal(
	    woo_setting("pull_status", "a&b=c", NULL, false, &bad, problem),
	    -EINVAL);
	/* a bad secret is refused without being shown */
	assert_int_equal(woo_setting("consumer_secret_file", "/run/s",
				     "cs_top secret", true, &bad, problem),
			 -EINVAL);
	assert_null(strstr(problem, "top"));
	assert_non_null(strstr(problem, "consumer_secret_file"));
	assert_string_equal(connector_find("woocommerce")->name, "woocommerce");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(woo_refund_request_shape),
	    cmocka_unit_test(woo_amounts_follow_the_currency),
	    cmocka_unit_test(woo_build_refuses_what_it_cannot_make),
	    cmocka_unit_test(woo_classifies_answers),
	    cmocka_unit_test(woo_looks_the_refund_up),
	    cmocka_unit_test(woo_echoed_credentials_stay_out_of_the_error),
	    cmocka_unit_test(woo_pulls_orders_in_a_status),
	    cmocka_unit_test(woo_pull_pages_and_errors),
	    cmocka_unit_test(woo_pull_gets_past_a_burst_in_one_second),
	    cmocka_unit_test(woo_settings_are_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
