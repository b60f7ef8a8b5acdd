/* SPDX-License-Identifier: MIT */
/*
 * The baselinker connector on its own: the requests BaseLinker gets (URL,
 * headers, the form's method and its parameters compared field by field),
 * amounts written without floating point, the delivery inside the one
 * amount BaseLinker keeps, every kind of answer, the lookup before sending,
 * the status change as the row's follow-up, returns pulled with a cursor
 * that only moves forward, and the settings it refuses.
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
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "retour/connector.h"
#include "retour/expected_json.h"

#define BL_TOKEN "1-23-ABCSECRET"
#define BL_KEY "rr-0123456789abcdef0123456789abcdef"
/* 2026-11-20T10:01:00.25Z, the row's time */
#define BL_CREATED 1795168860250000LL
#define BL_NOW 1795200000000000LL

static const char *const bl_body =
    "{\"amount_minor\":11297,\"code\":\"RMA-10001\",\"currency\":\"PLN\","
    "\"delivery_minor\":1299,\"items\":[{\"quantity\":2,\"refund_minor\":"
    "9998,\"shop_line_id\":\"2216\",\"sku\":\"TSHIRT-M\"}],\"order\":\"1001\","
    "\"rma\":\"RMA-10001\",\"shop\":\"demo\",\"shop_order_id\":\"12422\","
    "\"shop_payment_id\":\"1022\",\"type\":\"refund.requested\"}";

static struct connector_message bl_msg(const char *body)
{
	struct connector_message m = {
	    .action = "refund.requested",
	    .key = "demo:desk-1:12:refund:1",
	    .refund_key = BL_KEY,
	    .receipt = 12,
	    .created_at = BL_CREATED,
	    .body = body,
	    .body_len = strlen(body),
	};
	return m;
}

static int bl_instance(struct connector_instance *ci, const char *status_done,
		       char *err, size_t errlen)
{
	struct connector_setting set[4] = {
	    {.key = "url", .value = "https://bl.example/"},
	    {.key = "token_file", .value = "/run/bl", .secret = BL_TOKEN},
	    {.key = "blocked_wait_s", .value = "30"},
	    {.key = "status_id_done", .value = status_done},
	};
	int bad;

	return connector_instance_new(connector_find("baselinker"), set,
				      status_done ? 4 : 3, true, ci, &bad, err,
				      errlen);
}

static const char *bl_header(const struct connector_request *req,
			     const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < req->n_headers; i++)
		if (strncasecmp(req->headers[i], name, n) == 0 &&
		    req->headers[i][n] == ':')
			return req->headers[i] + n + 2;
	return NULL;
}

static int bl_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The form's method (into @method) and its parameters' raw JSON text
 * (malloc'd), as BaseLinker's server decodes them. */
static char *bl_form_params(const struct connector_request *req, char *method,
			    size_t mlen)
{
	const char *amp, *p;
	char *out, *o;

	assert_non_null(req->body);
	assert_int_equal(strlen(req->body), req->body_len);
	assert_memory_equal(req->body, "method=", 7);
	amp = strchr(req->body, '&');
	assert_non_null(amp);
	snprintf(method, mlen, "%.*s", (int)(amp - req->body - 7),
		 req->body + 7);
	assert_memory_equal(amp, "&parameters=", 12);
	out = o = calloc(1, strlen(amp) + 1);
	for (p = amp + 12; *p; p++) {
		if (*p == '%') {
			assert_true(bl_hex(p[1]) >= 0 && bl_hex(p[2]) >= 0);
			*o++ = (char)(bl_hex(p[1]) * 16 + bl_hex(p[2]));
			p += 2;
		} else {
			/* nothing that a form decoder would read otherwise */
			assert_true(*p != '+' && *p != '&' && *p != '=');
			*o++ = *p;
		}
	}
	return out;
}

static json_t *bl_params(const struct connector_request *req,
			 const char *want_method, char **raw)
{
	char method[64];
	char *text = bl_form_params(req, method, sizeof(method));
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);

	assert_string_equal(method, want_method);
	assert_non_null(j);
	if (raw)
		*raw = text;
	else
		free(text);
	return j;
}

static void bl_refund_request_shape(void **state)
{
	struct connector_instance ci;
	struct connector_message m = bl_msg(bl_body);
	struct connector_request req;
	char err[256], *raw;
	json_t *p;

	(void)state;
	assert_int_equal(bl_instance(&ci, NULL, err, sizeof(err)), 0);
	assert_true(ci.ops->reconcile_first);
	assert_int_equal(
	    ci.ops->build(ci.state, &m, BL_NOW, &req, err, sizeof(err)), 0);
	assert_int_equal(req.method, CONNECTOR_POST);
	assert_string_equal(req.url, "https://bl.example/connector.php");
	assert_string_equal(bl_header(&req, "X-BLToken"), BL_TOKEN);
	assert_string_equal(bl_header(&req, "Content-Type"),
			    "application/x-www-form-urlencoded");
	p = bl_params(&req, "setOrderReturnRefund", &raw);
	assert_int_equal(json_object_size(p), 5);
	assert_int_equal(json_integer_value(json_object_get(p, "return_id")),
			 1022);
	/* the amount as decimal text: the lines and the delivery, once */
	assert_non_null(strstr(raw, "\"order_refund_done\":112.97,"));
	assert_true(json_is_real(json_object_get(p, "order_refund_done")));
	assert_int_equal(json_integer_value(json_object_get(p, "refund_date")),
			 BL_CREATED / 1000000);
	assert_string_equal(
	    json_string_value(json_object_get(p, "external_refund_id")),
	    BL_KEY);
	assert_true(json_string_length(json_object_get(p, "refund_comment")) <=
		    50);
	assert_non_null(strstr(
	    json_string_value(json_object_get(p, "refund_comment")), BL_KEY));
	json_decref(p);
	free(raw);
	connector_request_free(&req);

	/* the lookup: getOrderReturns for that return only */
	assert_int_equal(ci.ops->reconcile_build(ci.state, &m, BL_NOW, &req,
						 err, sizeof(err)),
			 0);
	assert_string_equal(req.url, "https://bl.example/connector.php");
	assert_string_equal(bl_header(&req, "X-BLToken"), BL_TOKEN);
	p = bl_params(&req, "getOrderReturns", NULL);
	assert_int_equal(json_object_size(p), 1);
	assert_int_equal(json_integer_value(json_object_get(p, "return_id")),
			 1022);
	json_decref(p);
	connector_request_free(&req);
	connector_instance_free(&ci);
}

static void bl_amounts_without_floating_point(void **state)
{
	static const struct {
		const char *cur;
		long long minor;
		const char *text;
	} cases[] = {
	    {"JPY", 500, "\"order_refund_done\":500,"},
	    {"KWD", 1234, "\"order_refund_done\":1.234,"},
	    {"EUR", 5, "\"order_refund_done\":0.05,"},
	    {"PLN", 100000000000LL, "\"order_refund_done\":1000000000.00,"},
	};
	struct connector_instance ci;
	struct connector_request req;
	char err[256], body[512], method[64], *raw;

	(void)state;
	assert_int_equal(bl_instance(&ci, NULL, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct connector_message m;

		snprintf(body, sizeof(body),
			 "{\"amount_minor\":%lld,\"currency\":\"%s\","
			 "\"delivery_minor\":0,\"shop_payment_id\":\"7\"}",
			 cases[i].minor, cases[i].cur);
		m = bl_msg(body);
		assert_int_equal(
		    ci.ops->build(ci.state, &m, BL_NOW, &req, err, sizeof(err)),
		    0);
		raw = bl_form_params(&req, method, sizeof(method));
		assert_non_null(strstr(raw, cases[i].text));
		free(raw);
		connector_request_free(&req);
	}
	connector_instance_free(&ci);
}

static void bl_refuses_what_cannot_be_sent(void **state)
{
	struct connector_instance ci;
	struct connector_message m;
	struct connector_request req;
	char err[256];

	(void)state;
	assert_int_equal(bl_instance(&ci, NULL, err, sizeof(err)), 0);
	/* another event: refunds only */
	m = bl_msg("{\"type\":\"return.received\"}");
	m.action = "return.received";
	m.refund_key = "";
	assert_int_equal(
	    ci.ops->build(ci.state, &m, BL_NOW, &req, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "takes refunds only"));
	assert_non_null(strstr(err, "[outbox] events"));
	assert_int_equal(ci.ops->reconcile_build(ci.state, &m, BL_NOW, &req,
						 err, sizeof(err)),
			 -EINVAL);
	/* no BaseLinker return id */
	m = bl_msg("{\"amount_minor\":100,\"currency\":\"PLN\","
		   "\"rma\":\"RMA-1\",\"shop_payment_id\":\"pi_3Nf\"}");
	assert_int_equal(
	    ci.ops->build(ci.state, &m, BL_NOW, &req, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "shop_payment_id"));
	/* ... which a pulled return's RMA gives */
	m = bl_msg("{\"amount_minor\":100,\"currency\":\"PLN\","
		   "\"rma\":\"BL-4411\"}");
	assert_int_equal(
	    ci.ops->build(ci.state, &m, BL_NOW, &req, err, sizeof(err)), 0);
	connector_request_free(&req);
	/* no amount, a bad currency, not JSON, a refund key with quotes */
	m = bl_msg("{\"currency\":\"PLN\",\"shop_payment_id\":\"7\"}");
	assert_int_equal(
	    ci.ops->build(ci.state, &m, BL_NOW, &req, err, sizeof(err)),
	    -EINVAL);
	m = bl_msg("{\"amount_minor\":1,\"currency\":\"XX\","
		   "\"shop_payment_id\":\"7\"}");
	assert_int_equal(
	    ci.ops->build(ci.state, &m, BL_NOW, &req, err, sizeof(err)),
	    -EINVAL);
	m = bl_msg("{\"amount_minor\":1,");
	assert_int_equal(
	    ci.ops->build(ci.state, &m, BL_NOW, &req, err, sizeof(err)),
	    -EINVAL);
	m = bl_msg(bl_body);
	m.refund_key = "rr-\"}";
	assert_int_equal(
	    ci.ops->build(ci.state, &m, BL_NOW, &req, err, sizeof(err)),
	    -EINVAL);
	connector_instance_free(&ci);
}

static enum connector_result bl_classify(struct connector_instance *ci,
					 long status, const char *body,
					 size_t len, char *ref, char *err)
{
	struct connector_message m = bl_msg(bl_body);
	struct connector_answer a = {
	    .status = status, .body = body, .body_len = len};

	return ci->ops->classify(ci->state, &m, &a, ref, 64, err, 256);
}

#define BL_CLASSIFY(ci, st, text, ref, err)                                    \
	bl_classify(ci, st, text, strlen(text), ref, err)

static void bl_classifies_answers(void **state)
{
	struct connector_instance ci;
	char ref[64], err[256], *huge;
	const char *blocked =
	    "{\"status\":\"ERROR\",\"error_code\":\"ERROR_BLOCKED_TOKEN\","
	    "\"error_message\":\"Query limit exceeded, token blocked until "
	    "2026-12-02 17:15:34\"}";
	struct connector_answer a = {
	    .status = 200, .body = blocked, .body_len = strlen(blocked)};

	(void)state;
	assert_int_equal(bl_instance(&ci, NULL, err, sizeof(err)), 0);
	assert_int_equal(
	    BL_CLASSIFY(&ci, 200, "{\"status\":\"SUCCESS\"}", ref, err),
	    CONNECTOR_DONE);
	assert_string_equal(ref, "1022");
	/* business error: fatal with the shop's message, sanitised */
	assert_int_equal(
	    BL_CLASSIFY(&ci, 200,
			"{\"status\":\"ERROR\",\"error_code\":\"ERROR_RETURN\","
			"\"error_message\":\"Return\\nnot found\\u0007\"}",
			ref, err),
	    CONNECTOR_FATAL);
	assert_string_equal(err, "BaseLinker ERROR_RETURN: Return not found?");
	assert_string_equal(ref, "");
	/* the request limit: retried, waited out for blocked_wait_s */
	assert_int_equal(BL_CLASSIFY(&ci, 200, blocked, ref, err),
			 CONNECTOR_RETRY);
	assert_non_null(strstr(err, "ERROR_BLOCKED_TOKEN"));
	assert_int_equal(ci.ops->retry_wait(ci.state, &a, BL_NOW),
			 30 * 1000000LL);
	a.body = "{\"status\":\"SUCCESS\"}";
	a.body_len = strlen(a.body);
	assert_int_equal(ci.ops->retry_wait(ci.state, &a, BL_NOW), 0);
	a.status = 429;
	assert_int_equal(ci.ops->retry_wait(ci.state, &a, BL_NOW), 0);
	/* HTTP codes */
	assert_int_equal(BL_CLASSIFY(&ci, 500, "oops", ref, err),
			 CONNECTOR_RETRY);
	assert_string_equal(err, "HTTP 500 from BaseLinker: oops");
	assert_int_equal(BL_CLASSIFY(&ci, 429, "", ref, err), CONNECTOR_RETRY);
	assert_int_equal(BL_CLASSIFY(&ci, 503, "", ref, err), CONNECTOR_RETRY);
	assert_int_equal(BL_CLASSIFY(&ci, 403, "Forbidden", ref, err),
			 CONNECTOR_FATAL);
	assert_int_equal(BL_CLASSIFY(&ci, 301, "", ref, err), CONNECTOR_FATAL);
	/* 200 that is no answer: the lookup before the retry tells */
	assert_int_equal(BL_CLASSIFY(&ci, 200, "{\"status\": \"SUCC", ref, err),
			 CONNECTOR_RETRY);
	assert_non_null(strstr(err, "truncated"));
	assert_int_equal(BL_CLASSIFY(&ci, 200, "<html>", ref, err),
			 CONNECTOR_RETRY);
	assert_int_equal(BL_CLASSIFY(&ci, 200, "", ref, err), CONNECTOR_RETRY);
	assert_int_equal(BL_CLASSIFY(&ci, 200, "[]", ref, err),
			 CONNECTOR_RETRY);
	assert_int_equal(BL_CLASSIFY(&ci, 200, "{\"status\":1}", ref, err),
			 CONNECTOR_RETRY);
	assert_int_equal(BL_CLASSIFY(&ci, 200, "{\"status\":\"OK\"}", ref, err),
			 CONNECTOR_RETRY);
	assert_int_equal(BL_CLASSIFY(&ci, 200,
				     "{\"status\":\"ERROR\",\"error_code\":5}",
				     ref, err),
			 CONNECTOR_FATAL);
	assert_string_equal(err, "BaseLinker ERROR: no error_message");
	/* huge: more than 4 MiB is not read */
	huge = malloc((5u << 20) + 1);
	memset(huge, ' ', 5u << 20);
	memcpy(huge, "{\"status\":\"SUCCESS\"}", 20);
	assert_int_equal(bl_classify(&ci, 200, huge, 5u << 20, ref, err),
			 CONNECTOR_RETRY);
	free(huge);
	connector_instance_free(&ci);
}

static enum connector_found bl_lookup(struct connector_instance *ci,
				      long status, const char *body, char *ref,
				      char *err)
{
	struct connector_message m = bl_msg(bl_body);
	struct connector_answer a = {
	    .status = status, .body = body, .body_len = strlen(body)};

	return ci->ops->reconcile_classify(ci->state, &m, &a, ref, 64, err,
					   256);
}

static void bl_lookup_before_sending(void **state)
{
	struct connector_instance ci;
	char ref[64], err[256];

	(void)state;
	assert_int_equal(bl_instance(&ci, NULL, err, sizeof(err)), 0);
	/* found by the key BaseLinker kept */
	assert_int_equal(
	    bl_lookup(&ci, 200,
		      "{\"status\":\"SUCCESS\",\"returns\":[{\"return_id\":"
		      "1022,\"refunded\":\"112.97\",\"currency\":\"PLN\","
		      "\"external_refund_id\":\"" BL_KEY "\"}]}",
		      ref, err),
	    CONNECTOR_FOUND);
	assert_string_equal(ref, "1022");
	/* without the key in the answer: by the amount it was set to */
	assert_int_equal(
	    bl_lookup(
		&ci, 200,
		"{\"status\":\"SUCCESS\",\"returns\":[{\"return_id\":"
		"\"1022\",\"refunded\":\"112.97\",\"currency\":\"PLN\"}]}",
		ref, err),
	    CONNECTOR_FOUND);
	assert_int_equal(
	    bl_lookup(&ci, 200,
		      "{\"status\":\"SUCCESS\",\"returns\":[{\"return_id\":"
		      "1022,\"refunded\":112.97}]}",
		      ref, err),
	    CONNECTOR_FOUND);
	/* absent: nothing refunded, another key, another return, none */
	assert_int_equal(
	    bl_lookup(&ci, 200,
		      "{\"status\":\"SUCCESS\",\"returns\":[{\"return_id\":"
		      "1022,\"refunded\":\"0.00\",\"currency\":\"PLN\"}]}",
		      ref, err),
	    CONNECTOR_ABSENT);
	assert_string_equal(ref, "");
	assert_int_equal(
	    bl_lookup(&ci, 200,
		      "{\"status\":\"SUCCESS\",\"returns\":[{\"return_id\":"
		      "1022,\"refunded\":\"112.97\",\"external_refund_id\":"
		      "\"rr-other\"}]}",
		      ref, err),
	    CONNECTOR_ABSENT);
	assert_int_equal(
	    bl_lookup(&ci, 200,
		      "{\"status\":\"SUCCESS\",\"returns\":[{\"return_id\":"
		      "1023,\"refunded\":\"112.97\"}]}",
		      ref, err),
	    CONNECTOR_ABSENT);
	assert_int_equal(bl_lookup(&ci, 200,
				   "{\"status\":\"SUCCESS\",\"returns\":[]}",
				   ref, err),
			 CONNECTOR_ABSENT);
	/* the shop refuses the lookup: sending gets its own words */
	assert_int_equal(
	    bl_lookup(&ci, 200,
		      "{\"status\":\"ERROR\",\"error_code\":\"ERROR_X\","
		      "\"error_message\":\"no such return\"}",
		      ref, err),
	    CONNECTOR_ABSENT);
	/* cannot tell: later */
	assert_int_equal(bl_lookup(&ci, 500, "", ref, err), CONNECTOR_UNKNOWN);
	assert_int_equal(bl_lookup(&ci, 200, "{\"status\":", ref, err),
			 CONNECTOR_UNKNOWN);
	assert_int_equal(bl_lookup(&ci, 200,
				   "{\"status\":\"SUCCESS\",\"returns\":{}}",
				   ref, err),
			 CONNECTOR_UNKNOWN);
	assert_int_equal(
	    bl_lookup(&ci, 200,
		      "{\"status\":\"ERROR\",\"error_code\":"
		      "\"ERROR_BLOCKED_TOKEN\",\"error_message\":\"Query limit "
		      "exceeded\"}",
		      ref, err),
	    CONNECTOR_UNKNOWN);
	connector_instance_free(&ci);
}

static void bl_status_follows_the_refund(void **state)
{
	struct connector_instance ci;
	struct connector_message m = bl_msg(bl_body);
	struct connector_request req;
	char ref[64], err[256];
	json_t *p;

	(void)state;
	assert_int_equal(bl_instance(&ci, "1010", err, sizeof(err)), 0);
	/* nothing there: the refund goes */
	assert_int_equal(bl_lookup(&ci, 200,
				   "{\"status\":\"SUCCESS\",\"returns\":[]}",
				   ref, err),
			 CONNECTOR_ABSENT);
	assert_int_equal(
	    ci.ops->build(ci.state, &m, BL_NOW, &req, err, sizeof(err)), 0);
	json_decref(bl_params(&req, "setOrderReturnRefund", NULL));
	connector_request_free(&req);
	/* recorded: the row's next attempt sets the status */
	assert_int_equal(
	    BL_CLASSIFY(&ci, 200, "{\"status\":\"SUCCESS\"}", ref, err),
	    CONNECTOR_RETRY);
	assert_non_null(strstr(err, "status is set next"));
	assert_int_equal(
	    bl_lookup(&ci, 200,
		      "{\"status\":\"SUCCESS\",\"returns\":[{\"return_id\":"
		      "1022,\"status_id\":1006,\"refunded\":\"112.97\","
		      "\"external_refund_id\":\"" BL_KEY "\"}]}",
		      ref, err),
	    CONNECTOR_ABSENT);
	assert_int_equal(
	    ci.ops->build(ci.state, &m, BL_NOW, &req, err, sizeof(err)), 0);
	p = bl_params(&req, "setOrderReturnStatus", NULL);
	assert_int_equal(json_object_size(p), 2);
	assert_int_equal(json_integer_value(json_object_get(p, "return_id")),
			 1022);
	assert_int_equal(json_integer_value(json_object_get(p, "status_id")),
			 1010);
	json_decref(p);
	connector_request_free(&req);
	assert_int_equal(
	    BL_CLASSIFY(&ci, 200, "{\"status\":\"SUCCESS\"}", ref, err),
	    CONNECTOR_DONE);
	assert_string_equal(ref, "1022");
	/* both there (the status answer was lost): done */
	assert_int_equal(
	    bl_lookup(&ci, 200,
		      "{\"status\":\"SUCCESS\",\"returns\":[{\"return_id\":"
		      "1022,\"status_id\":1010,\"refunded\":\"112.97\","
		      "\"external_refund_id\":\"" BL_KEY "\"}]}",
		      ref, err),
	    CONNECTOR_FOUND);
	connector_instance_free(&ci);
}

/* The refund is recorded; BaseLinker refusing the status change after it
 * (a status id it does not know) must not call the refund failed. */
static void bl_status_refused_refund_stays_done(void **state)
{
	struct connector_instance ci;
	struct connector_message m = bl_msg(bl_body);
	struct connector_request req;
	char ref[64], err[256];

	(void)state;
	assert_int_equal(bl_instance(&ci, "1010", err, sizeof(err)), 0);
	assert_int_equal(
	    bl_lookup(&ci, 200,
		      "{\"status\":\"SUCCESS\",\"returns\":[{\"return_id\":"
		      "1022,\"status_id\":1006,\"refunded\":\"112.97\"}]}",
		      ref, err),
	    CONNECTOR_ABSENT);
	assert_int_equal(
	    ci.ops->build(ci.state, &m, BL_NOW, &req, err, sizeof(err)), 0);
	json_decref(bl_params(&req, "setOrderReturnStatus", NULL));
	connector_request_free(&req);
	assert_int_equal(
	    BL_CLASSIFY(&ci, 200,
			"{\"status\":\"ERROR\",\"error_code\":"
			"\"ERROR_STATUS_ID\",\"error_message\":\"no such "
			"status\"}",
			ref, err),
	    CONNECTOR_DONE);
	assert_string_equal(ref, "1022");
	/* a plain refusal of the refund itself stays fatal */
	assert_int_equal(
	    BL_CLASSIFY(&ci, 200,
			"{\"status\":\"ERROR\",\"error_code\":"
			"\"ERROR_RETURN_REFUND\",\"error_message\":\"no\"}",
			ref, err),
	    CONNECTOR_FATAL);
	connector_instance_free(&ci);
}

/* getOrderReturns' answer as BaseLinker documents it */
static const char *const bl_returns_answer =
    "{\"status\":\"SUCCESS\",\"returns\":[{\"return_id\":1022,"
    "\"order_id\":12422,\"shop_order_id\":-1,\"external_order_id\":\"\","
    "\"reference_number\":\"\",\"order_return_source\":\"personal\","
    "\"order_return_source_id\":0,\"status_id\":1006,\"date_add\":"
    "1705569412,\"date_in_status\":1706650702,\"user_login\":\"nick1\","
    "\"currency\":\"PLN\",\"refunded\":\"0.00\",\"email\":\"test@test.com\","
    "\"phone\":\"693123123\",\"delivery_price\":12.99,\"extra_field_1\":\"\","
    "\"admin_comments\":\"\",\"delivery_package_module\":\"\","
    "\"delivery_package_nr\":\"RR123456785PL\",\"products\":[{"
    "\"order_return_product_id\":2216,\"storage\":\"db\",\"storage_id\":2,"
    "\"product_id\":\"13\",\"variant_id\":\"0\",\"name\":\"Harry Potter and "
    "the Chamber of Secrets\",\"sku\":\"24366\",\"ean\":\"5901234123457\","
    "\"location\":\"\",\"warehouse_id\":2,\"auction_id\":\"0\","
    "\"attributes\":\"\",\"price_brutto\":49.99,\"tax_rate\":23,"
    "\"quantity\":2,\"weight\":0.26,\"bundle_id\":0,\"status_id\":1001,"
    "\"return_reason_id\":1020}],\"refund_account_number\":\"\","
    "\"fulfillment_status\":0},"
    /* a return that cannot be mapped (no products): left out, but the
     * cursor passes it */
    "{\"return_id\":1030,\"order_id\":12430,\"currency\":\"PLN\","
    "\"products\":[]}]}";

static int bl_pull(struct connector_instance *ci, const char *cursor,
		   long status, const char *body, json_t *out, char *next,
		   bool *more, char *err)
{
	struct connector_answer a = {
	    .status = status, .body = body, .body_len = strlen(body)};

	return ci->ops->pull_parse(ci->state, cursor, &a, BL_NOW, out, next, 64,
				   more, err, 256);
}

/* A shop's date past 2038: a 32-bit time_t (armhf) cannot format it, so
 * the return comes without it, never with a date wrapped to 1901. */
static void bl_pull_date_past_2038_is_right_or_left_out(void **state)
{
	struct connector_instance ci;
	struct expected_return er;
	char err[256], next[64], *body = strdup(bl_returns_answer);
	char *at = strstr(body, "1705569412");
	json_t *out = json_array();
	bool more = true;

	(void)state;
	memcpy(at, "2200000000", 10); /* 2039-09-18 */
	assert_int_equal(bl_instance(&ci, NULL, err, sizeof(err)), 0);
	assert_int_equal(bl_pull(&ci, "", 200, body, out, next, &more, err), 0);
	assert_int_equal(json_array_size(out), 1);
	assert_int_equal(expected_json_parse(json_array_get(out, 0), NULL, NULL,
					     &er, err, sizeof(err)),
			 0);
	if (sizeof(time_t) >= 8)
		assert_int_equal(er.requested_at, 2200000000LL * 1000000);
	else
		assert_int_equal(er.requested_at, 0);
	json_decref(out);
	free(body);
	connector_instance_free(&ci);
}

static void bl_pull_requests(void **state)
{
	struct connector_instance ci;
	struct connector_request req;
	char err[256];
	json_t *p;

	(void)state;
	assert_int_equal(bl_instance(&ci, NULL, err, sizeof(err)), 0);
	assert_int_equal(
	    ci.ops->pull_build(ci.state, "", BL_NOW, &req, err, sizeof(err)),
	    0);
	p = bl_params(&req, "getOrderReturns", NULL);
	assert_int_equal(json_integer_value(json_object_get(p, "date_from")),
			 BL_NOW / 1000000 - 14 * 86400);
	assert_null(json_object_get(p, "id_from"));
	json_decref(p);
	connector_request_free(&req);
	assert_int_equal(ci.ops->pull_build(ci.state, "id:1031", BL_NOW, &req,
					    err, sizeof(err)),
			 0);
	p = bl_params(&req, "getOrderReturns", NULL);
	assert_int_equal(json_integer_value(json_object_get(p, "id_from")),
			 1031);
	assert_null(json_object_get(p, "date_from"));
	json_decref(p);
	connector_request_free(&req);
	assert_int_equal(ci.ops->pull_build(ci.state, "page 2", BL_NOW, &req,
					    err, sizeof(err)),
			 -EINVAL);
	connector_instance_free(&ci);
}

static void bl_pull_maps_returns(void **state)
{
	struct connector_instance ci;
	struct expected_return er;
	char err[256], next[64];
	json_t *out = json_array(), *it;
	bool more = true;

	(void)state;
	assert_int_equal(bl_instance(&ci, NULL, err, sizeof(err)), 0);
	assert_int_equal(
	    bl_pull(&ci, "", 200, bl_returns_answer, out, next, &more, err), 0);
	assert_false(more);
	assert_string_equal(next, "id:1031");
	assert_int_equal(json_array_size(out), 1);
	it = json_array_get(out, 0);
	/* it imports as the station's own import does */
	assert_int_equal(
	    expected_json_parse(it, NULL, NULL, &er, err, sizeof(err)), 0);
	assert_string_equal(er.rma, "BL-1022");
	assert_string_equal(er.order_ref, "12422");
	assert_string_equal(er.shop_order_id, "12422");
	assert_string_equal(er.shop_payment_id, "1022");
	assert_string_equal(er.currency, "PLN");
	assert_int_equal(er.delivery_basic_minor, 1299);
	assert_int_equal(er.n_items, 1);
	assert_string_equal(er.items[0].sku, "24366");
	assert_string_equal(er.items[0].gtin, "5901234123457");
	assert_int_equal(er.items[0].quantity, 2);
	assert_int_equal(er.items[0].unit_price_minor, 4999);
	assert_string_equal(er.items[0].shop_line_id, "2216");
	assert_int_equal(er.n_lookup_codes, 1);
	assert_int_equal(er.requested_at, 1705569412LL * 1000000);

	/* the next poll: the server counts id_from inclusively, and an
	 * earlier return seen again is never taken twice */
	json_array_clear(out);
	assert_int_equal(bl_pull(&ci, "id:1031", 200, bl_returns_answer, out,
				 next, &more, err),
			 0);
	assert_int_equal(json_array_size(out), 0);
	assert_string_equal(next, "id:1031");
	/* nothing new: the cursor stays */
	assert_int_equal(bl_pull(&ci, "id:1031", 200,
				 "{\"status\":\"SUCCESS\",\"returns\":[]}", out,
				 next, &more, err),
			 0);
	assert_string_equal(next, "id:1031");
	assert_false(more);
	/* failures keep the cursor */
	assert_int_equal(
	    bl_pull(&ci, "id:1031", 500, "", out, next, &more, err), -EAGAIN);
	assert_string_equal(next, "id:1031");
	assert_int_equal(
	    bl_pull(&ci, "id:1031", 200,
		    "{\"status\":\"ERROR\",\"error_code\":\"ERROR_BLOCKED_"
		    "TOKEN\",\"error_message\":\"Query limit exceeded\"}",
		    out, next, &more, err),
	    -EAGAIN);
	assert_int_equal(bl_pull(&ci, "id:1031", 200, "{\"status\":\"SUCC", out,
				 next, &more, err),
			 -EINVAL);
	assert_int_equal(bl_pull(&ci, "id:1031", 200,
				 "{\"status\":\"SUCCESS\",\"returns\":5}", out,
				 next, &more, err),
			 -EINVAL);
	assert_int_equal(
	    bl_pull(&ci, "id:1031", 401, "{}", out, next, &more, err), -EINVAL);
	assert_string_equal(next, "id:1031");
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
	connector_instance_free(&ci);
}

static void bl_pull_pages(void **state)
{
	struct connector_instance ci;
	char err[256], next[64];
	json_t *out = json_array(), *ans, *list;
	bool more = false;
	char *text;

	(void)state;
	assert_int_equal(bl_instance(&ci, NULL, err, sizeof(err)), 0);
	ans = json_loads(bl_returns_answer, 0, NULL);
	list = json_object_get(ans, "returns");
	json_array_remove(list, 1);
	for (int i = 1; i < 100; i++) {
		json_t *r = json_deep_copy(json_array_get(list, 0));

		json_object_set_new(r, "return_id", json_integer(1022 + i));
		json_array_append_new(list, r);
	}
	text = json_dumps(ans, 0);
	assert_int_equal(bl_pull(&ci, "", 200, text, out, next, &more, err), 0);
	assert_true(more);
	assert_int_equal(json_array_size(out), 100);
	assert_string_equal(next, "id:1122");
	free(text);
	json_decref(ans);
	json_decref(out);
	connector_instance_free(&ci);
}

static void bl_settings_are_checked(void **state)
{
	const struct connector *c = connector_find("baselinker");
	struct connector_instance ci;
	char err[256];
	int bad;
	struct connector_setting unknown[] = {
	    {.key = "token_file", .value = "/run/bl", .secret = BL_TOKEN},
	    {.key = "api_key", .value = "x"},
	};
	struct connector_setting bad_url[] = {
	    {.key = "url", .value = "ftp://bl.example"},
	};
	struct connector_setting spaced[] = {
	    {.key = "url", .value = "https://bl.example/a b"},
	};
	/* "/connector.php" would go after the fragment and never be sent */
	struct connector_setting fragment[] = {
	    {.key = "url", .value = "https://bl.example/#x"},
	};
	struct connector_setting no_token[] = {
	    {.key = "url", .value = "https://bl.example"},
	};
	struct connector_setting checked_only[] = {
	    {.key = "token_file", .value = "/run/bl"},
	};
	struct connector_setting bad_token[] = {
	    {.key = "token_file", .value = "/run/bl", .secret = "1-23 SECRETX"},
	};
	struct connector_setting bad_number[] = {
	    {.key = "token_file", .value = "/run/bl", .secret = BL_TOKEN},
	    {.key = "status_id_done", .value = "-4"},
	};
	struct connector_setting bad_wait[] = {
	    {.key = "blocked_wait_s", .value = "0"},
	};

	(void)state;
	assert_non_null(c);
	assert_int_equal(connector_instance_new(c, unknown, 2, true, &ci, &bad,
						err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(bad, 1);
	assert_non_null(strstr(err, "unknown key 'api_key'"));
	assert_int_equal(connector_instance_new(c, bad_url, 1, true, &ci, &bad,
						err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "url must be"));
	assert_int_equal(connector_instance_new(c, fragment, 1, true, &ci, &bad,
						err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(connector_instance_new(c, spaced, 1, true, &ci, &bad,
						err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(connector_instance_new(c, no_token, 1, true, &ci, &bad,
						err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(bad, -1);
	assert_non_null(strstr(err, "token_file"));
	/* retourd -n: the file is named, its content not read */
	assert_int_equal(connector_instance_new(c, checked_only, 1, false, &ci,
						&bad, err, sizeof(err)),
			 0);
	connector_instance_free(&ci);
	assert_int_equal(connector_instance_new(c, checked_only, 1, true, &ci,
						&bad, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(connector_instance_new(c, bad_token, 1, true, &ci,
						&bad, err, sizeof(err)),
			 -EINVAL);
	assert_null(strstr(err, "SECRETX"));
	assert_int_equal(connector_instance_new(c, bad_number, 2, true, &ci,
						&bad, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(bad, 1);
	assert_int_equal(connector_instance_new(c, bad_wait, 1, true, &ci, &bad,
						err, sizeof(err)),
			 -EINVAL);
	/* the default url is BaseLinker's own */
	{
		struct connector_setting only_token[] = {
		    {.key = "token_file", .value = "/f", .secret = BL_TOKEN},
		};
		struct connector_message m = bl_msg(bl_body);
		struct connector_request req;

		assert_int_equal(connector_instance_new(c, only_token, 1, true,
							&ci, &bad, err,
							sizeof(err)),
				 0);
		assert_int_equal(
		    ci.ops->build(ci.state, &m, BL_NOW, &req, err, sizeof(err)),
		    0);
		assert_string_equal(req.url,
				    "https://api.baselinker.com/connector.php");
		connector_request_free(&req);
		connector_instance_free(&ci);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(bl_refund_request_shape),
	    cmocka_unit_test(bl_amounts_without_floating_point),
	    cmocka_unit_test(bl_refuses_what_cannot_be_sent),
	    cmocka_unit_test(bl_classifies_answers),
	    cmocka_unit_test(bl_lookup_before_sending),
	    cmocka_unit_test(bl_status_follows_the_refund),
	    cmocka_unit_test(bl_status_refused_refund_stays_done),
	    cmocka_unit_test(bl_pull_requests),
	    cmocka_unit_test(bl_pull_maps_returns),
	    cmocka_unit_test(bl_pull_date_past_2038_is_right_or_left_out),
	    cmocka_unit_test(bl_pull_pages),
	    cmocka_unit_test(bl_settings_are_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
