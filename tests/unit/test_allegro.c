/* SPDX-License-Identifier: MIT */
/*
 * The allegro connector on its own: the token request and its answer, the
 * refund request (URL, method, headers, body field by field, amounts as
 * text, the delivery once), every kind of answer, the lookup of the
 * payment's refunds, customer returns pulled in with their checkout form,
 * and its settings.
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
#include "retour/decision.h"
#include "retour/event.h"
#include "retour/expected_json.h"

#define NOW (1795168860LL * 1000000)
#define KEY "rr-0123456789abcdef0123456789abcdef"
#define PAY "c6d0d4f0-9a39-11ee-8d0e-0242ac120002"
#define LINE "5d4f2c80-9a39-11ee-8d0e-0242ac120002"
#define TOKEN_ANSWER                                                           \
	"{\"access_token\":\"AT-1\",\"token_type\":\"bearer\","                \
	"\"refresh_token\":\"RT-2\",\"expires_in\":43200,\"scope\":\"x\"}"

/* A refund body as the station renders it. */
#define REFUND_BODY                                                            \
	"{\"amount_minor\":11297,\"code\":\"RMA-10001\",\"currency\":\"PLN\"," \
	"\"delivery_minor\":1299,\"id\":\"demo:desk-1:12:refund:1\","          \
	"\"items\":[{\"quantity\":2,\"refund_minor\":9998,"                    \
	"\"shop_line_id\":\"" LINE "\",\"sku\":\"TSHIRT-M\"}],"                \
	"\"order\":\"1001\",\"rma\":\"RMA-10001\",\"shop\":\"demo\","          \
	"\"shop_payment_id\":\"" PAY "\",\"type\":\"refund.requested\","       \
	"\"verdict\":\"accept\"}"

static struct expected_return test_er;
static struct event_facts test_facts;

static void test_facts_init(enum return_kind kind)
{
	memset(&test_er, 0, sizeof(test_er));
	snprintf(test_er.rma, sizeof(test_er.rma), "RMA-10001");
	snprintf(test_er.shop_payment_id, sizeof(test_er.shop_payment_id), "%s",
		 PAY);
	test_er.kind = kind;
	test_er.n_items = 1;
	test_er.items[0].quantity = 2;
	test_er.items[0].unit_price_minor = 4999;
	snprintf(test_er.items[0].shop_line_id,
		 sizeof(test_er.items[0].shop_line_id), "%s", LINE);
	memset(&test_facts, 0, sizeof(test_facts));
	test_facts.shop = "demo";
	test_facts.expected = &test_er;
}

static struct connector_message test_msg(const char *action, const char *body)
{
	struct connector_message m = {
	    .action = action,
	    .key = "demo:desk-1:12:refund:1",
	    .refund_key = KEY,
	    .receipt = 12,
	    .body = body,
	    .body_len = body ? strlen(body) : 0,
	    .facts = &test_facts,
	};

	return m;
}

static const struct connector *allegro(void)
{
	const struct connector *c = connector_find("allegro");

	assert_non_null(c);
	return c;
}

static int test_instance(struct connector_instance *ci, bool secrets,
			 const char *extra_key, const char *extra_value,
			 char *problem, size_t len)
{
	struct connector_setting set[6] = {
	    {.key = "api_url",
	     .value = "https://api.allegro.pl.allegrosandbox.pl/"},
	    {.key = "client_id", .value = "client-1"},
	    {.key = "client_secret_file",
	     .value = "/run/cs",
	     .secret = secrets ? "S3CRET" : NULL},
	    {.key = "refresh_token_file",
	     .value = "/run/rt",
	     .secret = secrets ? "RT-1" : NULL},
	};
	int n = 4, bad;

	if (extra_key)
		set[n++] = (struct connector_setting){.key = extra_key,
						      .value = extra_value};
	return connector_instance_new(allegro(), set, n, secrets, ci, &bad,
				      problem, len);
}

static const char *test_header(const struct connector_request *req,
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

static struct connector_answer answer(long status, const char *body)
{
	struct connector_answer a = {.status = status,
				     .body = body,
				     .body_len = body ? strlen(body) : 0};

	return a;
}

/* An instance with a token in hand. */
static void ready_instance(struct connector_instance *ci)
{
	struct connector_request req;
	struct connector_answer a = answer(200, TOKEN_ANSWER);
	char problem[256], err[256];

	assert_int_equal(
	    test_instance(ci, true, NULL, NULL, problem, sizeof(problem)), 0);
	memset(&req, 0, sizeof(req));
	assert_int_equal(
	    ci->ops->prepare(ci->state, NOW, &req, err, sizeof(err)), 1);
	connector_request_free(&req);
	assert_int_equal(
	    ci->ops->prepared(ci->state, NOW, &a, err, sizeof(err)), 0);
}

static void allegro_token_request_and_answer(void **state)
{
	struct connector_instance ci;
	struct connector_request req;
	struct connector_answer a;
	char problem[256], err[256];

	(void)state;
	assert_int_equal(test_instance(&ci, true, "auth_url",
				       "https://allegro.pl.allegrosandbox.pl",
				       problem, sizeof(problem)),
			 0);
	memset(&req, 0, sizeof(req));
	assert_int_equal(ci.ops->prepare(ci.state, NOW, &req, err, sizeof(err)),
			 1);
	assert_int_equal(req.method, CONNECTOR_POST);
	assert_string_equal(req.url,
			    "https://allegro.pl.allegrosandbox.pl/auth/oauth/"
			    "token");
	/* base64("client-1:S3CRET") */
	assert_string_equal(test_header(&req, "Authorization"),
			    "Basic Y2xpZW50LTE6UzNDUkVU");
	assert_string_equal(test_header(&req, "Content-Type"),
			    "application/x-www-form-urlencoded");
	assert_string_equal(req.body,
			    "grant_type=refresh_token&refresh_token=RT-1");
	connector_request_free(&req);

	/* refused: dead with the reason, never the token */
	a = answer(400, "{\"error\":\"invalid_grant\","
			"\"error_description\":\"Invalid refresh token\"}");
	assert_int_equal(ci.ops->prepared(ci.state, NOW, &a, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "invalid_grant"));
	assert_null(strstr(err, "RT-1"));
	assert_null(strstr(err, "S3CRET"));
	/* a 503 or a broken answer: later */
	a = answer(503, "busy");
	assert_int_equal(ci.ops->prepared(ci.state, NOW, &a, err, sizeof(err)),
			 -EAGAIN);
	a = answer(200, "{\"access_token\":\"AT\"}");
	assert_int_equal(ci.ops->prepared(ci.state, NOW, &a, err, sizeof(err)),
			 -EAGAIN);
	a = answer(200, "{\"access_token\":\"A T\",\"expires_in\":60}");
	assert_int_equal(ci.ops->prepared(ci.state, NOW, &a, err, sizeof(err)),
			 -EAGAIN);
	a = answer(200, "{\"access_token\":\"AT\",\"expires_in\":\"60\"}");
	assert_int_equal(ci.ops->prepared(ci.state, NOW, &a, err, sizeof(err)),
			 -EAGAIN);

	/* taken: ready until a few minutes before it expires */
	a = answer(200, TOKEN_ANSWER);
	assert_int_equal(ci.ops->prepared(ci.state, NOW, &a, err, sizeof(err)),
			 0);
	assert_int_equal(ci.ops->prepare(ci.state, NOW + 3600LL * 1000000, &req,
					 err, sizeof(err)),
			 0);
	/* 11h56 later: a new one, with the rotated refresh token */
	assert_int_equal(ci.ops->prepare(ci.state, NOW + 43000LL * 1000000,
					 &req, err, sizeof(err)),
			 1);
	assert_string_equal(req.body,
			    "grant_type=refresh_token&refresh_token=RT-2");
	connector_request_free(&req);
	connector_instance_free(&ci);
}

static void allegro_refund_request_shape(void **state)
{
	struct connector_instance ci;
	struct connector_request req;
	struct connector_message m;
	char err[256];
	json_t *body, *li;
	json_error_t jerr;

	(void)state;
	test_facts_init(RETURN_WITHDRAWAL);
	ready_instance(&ci);
	m = test_msg(EVENT_REFUND_REQUESTED, REFUND_BODY);
	assert_int_equal(
	    ci.ops->build(ci.state, &m, NOW, &req, err, sizeof(err)), 0);
	assert_int_equal(req.method, CONNECTOR_POST);
	assert_string_equal(req.url, "https://api.allegro.pl.allegrosandbox.pl/"
				     "payments/refunds");
	assert_string_equal(test_header(&req, "Authorization"), "Bearer AT-1");
	assert_string_equal(test_header(&req, "Accept"),
			    "application/vnd.allegro.public.v1+json");
	assert_string_equal(test_header(&req, "Content-Type"),
			    "application/vnd.allegro.public.v1+json");
	body = json_loadb(req.body, req.body_len, 0, &jerr);
	assert_non_null(body);
	assert_int_equal(json_object_size(body), 5);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(body, "payment"), "id")),
			    PAY);
	assert_string_equal(json_string_value(json_object_get(body, "reason")),
			    "REFUND");
	assert_int_equal(json_array_size(json_object_get(body, "lineItems")),
			 1);
	li = json_array_get(json_object_get(body, "lineItems"), 0);
	assert_int_equal(json_object_size(li), 3);
	assert_string_equal(json_string_value(json_object_get(li, "id")), LINE);
	assert_string_equal(json_string_value(json_object_get(li, "type")),
			    "QUANTITY");
	assert_int_equal(json_integer_value(json_object_get(li, "quantity")),
			 2);
	/* the delivery once, in its own field, as exact text */
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(body, "delivery"), "value"),
		"amount")),
	    "12.99");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(body, "delivery"), "value"),
		"currency")),
	    "PLN");
	assert_non_null(strstr(
	    json_string_value(json_object_get(body, "sellerComment")), KEY));
	assert_null(strstr(req.body, "1299"));
	json_decref(body);
	connector_request_free(&req);
	connector_instance_free(&ci);
}

static void allegro_partial_and_complaint_lines(void **state)
{
	/* a deduction: an AMOUNT line; a complaint: COMPLAINT; no delivery */
	const char *partial =
	    "{\"amount_minor\":7000,\"currency\":\"PLN\",\"delivery_minor\":0,"
	    "\"items\":[{\"quantity\":2,\"refund_minor\":7000,"
	    "\"deduction_minor\":2998,\"shop_line_id\":\"" LINE "\"}],"
	    "\"remedy\":\"refund\",\"rma\":\"RMA-1\","
	    "\"type\":\"refund.requested\"}";
	/* a reduced refund: less than the lines */
	const char *reduced =
	    "{\"amount_minor\":1001,\"currency\":\"KWD\",\"delivery_minor\":0,"
	    "\"items\":[{\"quantity\":2,\"refund_minor\":9998,"
	    "\"shop_line_id\":\"" LINE "\"}],\"remedy\":\"reduce\","
	    "\"type\":\"refund.requested\"}";
	struct connector_instance ci;
	struct connector_request req;
	struct connector_message m;
	char err[256];
	json_t *body, *li;
	json_error_t jerr;

	(void)state;
	test_facts_init(RETURN_COMPLAINT);
	ready_instance(&ci);
	m = test_msg(EVENT_REFUND_REQUESTED, partial);
	assert_int_equal(
	    ci.ops->build(ci.state, &m, NOW, &req, err, sizeof(err)), 0);
	body = json_loadb(req.body, req.body_len, 0, &jerr);
	assert_string_equal(json_string_value(json_object_get(body, "reason")),
			    "COMPLAINT");
	assert_null(json_object_get(body, "delivery"));
	li = json_array_get(json_object_get(body, "lineItems"), 0);
	assert_string_equal(json_string_value(json_object_get(li, "type")),
			    "AMOUNT");
	assert_null(json_object_get(li, "quantity"));
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(li, "value"), "amount")),
			    "70.00");
	/* the payment id from the facts when the body has none */
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(body, "payment"), "id")),
			    PAY);
	json_decref(body);
	connector_request_free(&req);

	m = test_msg(EVENT_REFUND_REQUESTED, reduced);
	assert_int_equal(
	    ci.ops->build(ci.state, &m, NOW, &req, err, sizeof(err)), 0);
	body = json_loadb(req.body, req.body_len, 0, &jerr);
	li = json_array_get(json_object_get(body, "lineItems"), 0);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(li, "value"), "amount")),
			    "1.001");
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(li, "value"), "currency")),
			    "KWD");
	json_decref(body);
	connector_request_free(&req);
	connector_instance_free(&ci);
}

static void allegro_refuses_what_it_cannot_send(void **state)
{
	static const char *const bad[] = {
	    /* no payment anywhere */
	    "{\"amount_minor\":100,\"currency\":\"PLN\",\"items\":[]}",
	    /* a line without its shop id */
	    "{\"amount_minor\":100,\"currency\":\"PLN\",\"shop_payment_id\":"
	    "\"p\",\"items\":[{\"quantity\":1,\"refund_minor\":100}]}",
	    /* lines less than the amount */
	    "{\"amount_minor\":100,\"currency\":\"PLN\",\"shop_payment_id\":"
	    "\"p\",\"items\":[{\"quantity\":1,\"refund_minor\":50,"
	    "\"shop_line_id\":\"l\"}]}",
	    /* wrong types */
	    "{\"amount_minor\":\"100\",\"currency\":\"PLN\","
	    "\"shop_payment_id\":\"p\",\"items\":[]}",
	    "{\"amount_minor\":100,\"currency\":\"PL\",\"shop_payment_id\":"
	    "\"p\",\"items\":[]}",
	    "[1,2]",
	    "not json",
	};
	struct connector_instance ci;
	struct connector_request req;
	struct connector_message m;
	char err[256];
	size_t i;

	(void)state;
	test_facts_init(RETURN_WITHDRAWAL);
	test_er.shop_payment_id[0] = '\0';
	ready_instance(&ci);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = test_msg(EVENT_REFUND_REQUESTED, bad[i]);
		err[0] = '\0';
		assert_int_equal(
		    ci.ops->build(ci.state, &m, NOW, &req, err, sizeof(err)),
		    -EINVAL);
		assert_true(err[0]);
	}
	m = test_msg(EVENT_RETURN_DECIDED, REFUND_BODY);
	assert_int_equal(
	    ci.ops->build(ci.state, &m, NOW, &req, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "the allegro connector takes refunds only; "
				 "route events to a webhook ([outbox] events)");
	connector_instance_free(&ci);
}

static void allegro_classifies_answers(void **state)
{
	static const struct {
		long status;
		const char *body;
		enum connector_result want;
	} cases[] = {
	    {201, "{\"id\":\"ref-1\",\"status\":\"SUCCESS\"}", CONNECTOR_DONE},
	    {200, "{\"id\":\"ref-1\"}", CONNECTOR_DONE},
	    /* made, but unreadable: looked up before anything is resent */
	    {201, "{\"id\": 12, oops <html>", CONNECTOR_RETRY},
	    {201, "{\"id\": \"ref-1\", \"stat", CONNECTOR_RETRY},
	    {201, "{\"id\": 12}", CONNECTOR_RETRY},
	    {201, "[]", CONNECTOR_RETRY},
	    {201, "", CONNECTOR_RETRY},
	    {429, "{\"errors\":[]}", CONNECTOR_RETRY},
	    {500, "oops", CONNECTOR_RETRY},
	    {503, NULL, CONNECTOR_RETRY},
	    {401, "{\"error\":\"invalid_token\"}", CONNECTOR_RETRY},
	    {422, "{\"errors\":[{\"code\":\"X\"}]}", CONNECTOR_FATAL},
	    {400, "{\"errors\":\"wrong type\"}", CONNECTOR_FATAL},
	    {403, "", CONNECTOR_FATAL},
	    {302, "", CONNECTOR_FATAL},
	    {102, "", CONNECTOR_RETRY},
	};
	struct connector_instance ci;
	struct connector_message m;
	struct connector_answer a;
	char ref[128], err[256];
	size_t i;

	(void)state;
	test_facts_init(RETURN_WITHDRAWAL);
	ready_instance(&ci);
	m = test_msg(EVENT_REFUND_REQUESTED, REFUND_BODY);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = answer(cases[i].status, cases[i].body);
		assert_int_equal(ci.ops->classify(ci.state, &m, &a, ref,
						  sizeof(ref), err,
						  sizeof(err)),
				 cases[i].want);
		if (cases[i].want == CONNECTOR_DONE)
			assert_string_equal(ref, "ref-1");
		else
			assert_true(err[0] && !ref[0]);
	}
	connector_instance_free(&ci);
}

static void allegro_error_shows_user_message(void **state)
{
	const char *body =
	    "{\"errors\":[{\"code\":\"REFUND_NOT_POSSIBLE\",\"message\":"
	    "\"internal text\",\"details\":null,\"path\":\"payment.id\","
	    "\"userMessage\":\"Zwrot niemo\\u017cliwy:\\n sp\\u00f3r\"}]}";
	struct connector_instance ci;
	struct connector_message m;
	struct connector_answer a = answer(422, body);
	char ref[128], err[256];
	char *huge;

	(void)state;
	test_facts_init(RETURN_WITHDRAWAL);
	ready_instance(&ci);
	m = test_msg(EVENT_REFUND_REQUESTED, REFUND_BODY);
	assert_int_equal(ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref),
					  err, sizeof(err)),
			 CONNECTOR_FATAL);
	assert_string_equal(err, "Allegro (HTTP 422): Zwrot niemo??liwy: "
				 "sp??r [REFUND_NOT_POSSIBLE]");
	/* without userMessage: message */
	a = answer(422, "{\"errors\":[{\"code\":\"C\",\"message\":\"M\"}]}");
	ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref), err, sizeof(err));
	assert_string_equal(err, "Allegro (HTTP 422): M [C]");
	/* huge: bounded, printable */
	huge = malloc(100000);
	memset(huge, 'x', 99999);
	huge[99999] = '\0';
	huge[0] = '\x01';
	a = answer(400, huge);
	ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref), err, sizeof(err));
	assert_true(strlen(err) < 200);
	assert_null(strchr(err, '\x01'));
	free(huge);
	connector_instance_free(&ci);
}

static void allegro_waits_a_minute_after_429(void **state)
{
	struct connector_instance ci;
	struct connector_answer a = answer(429, "");
	char problem[256];

	(void)state;
	ready_instance(&ci);
	assert_int_equal(ci.ops->retry_wait(ci.state, &a, NOW), 60LL * 1000000);
	a.status = 503;
	assert_int_equal(ci.ops->retry_wait(ci.state, &a, NOW), 0);
	connector_instance_free(&ci);
	assert_int_equal(test_instance(&ci, true, "throttle_wait_s", "2",
				       problem, sizeof(problem)),
			 0);
	a.status = 429;
	assert_int_equal(ci.ops->retry_wait(ci.state, &a, NOW), 2000000);
	connector_instance_free(&ci);
}

static void allegro_401_drops_the_token(void **state)
{
	struct connector_instance ci;
	struct connector_request req;
	struct connector_message m;
	struct connector_answer a =
	    answer(401, "{\"error\":\"invalid_token\"}");
	char ref[128], err[256];

	(void)state;
	test_facts_init(RETURN_WITHDRAWAL);
	ready_instance(&ci);
	m = test_msg(EVENT_REFUND_REQUESTED, REFUND_BODY);
	assert_int_equal(ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref),
					  err, sizeof(err)),
			 CONNECTOR_RETRY);
	memset(&req, 0, sizeof(req));
	assert_int_equal(ci.ops->prepare(ci.state, NOW, &req, err, sizeof(err)),
			 1);
	connector_request_free(&req);
	connector_instance_free(&ci);
}

static void allegro_lookup(void **state)
{
	const char *found =
	    "{\"refunds\":[{\"id\":\"other\",\"sellerComment\":\"retour "
	    "rr-ffffffffffffffffffffffffffffffff\",\"status\":\"SUCCESS\"},"
	    "{\"id\":\"failed\",\"sellerComment\":\"retour " KEY "\","
	    "\"status\":\"FAILURE\"},"
	    "{\"id\":\"ref-9\",\"sellerComment\":\"retour " KEY " RMA-1\","
	    "\"status\":\"SUCCESS\"}],\"count\":3,\"totalCount\":3}";
	struct connector_instance ci;
	struct connector_request req;
	struct connector_message m;
	struct connector_answer a;
	char ref[128], err[256];

	(void)state;
	test_facts_init(RETURN_WITHDRAWAL);
	ready_instance(&ci);
	assert_true(ci.ops->reconcile_first);
	m = test_msg(EVENT_REFUND_REQUESTED, REFUND_BODY);
	assert_int_equal(
	    ci.ops->reconcile_build(ci.state, &m, NOW, &req, err, sizeof(err)),
	    0);
	assert_int_equal(req.method, CONNECTOR_GET);
	assert_string_equal(req.url,
			    "https://api.allegro.pl.allegrosandbox.pl/"
			    "payments/refunds?limit=50&payment.id=" PAY);
	assert_string_equal(test_header(&req, "Accept"),
			    "application/vnd.allegro.public.v1+json");
	assert_null(req.body);
	connector_request_free(&req);

	a = answer(200, found);
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_FOUND);
	assert_string_equal(ref, "ref-9");
	a = answer(200, "{\"refunds\":[],\"count\":0,\"totalCount\":0}");
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_ABSENT);
	/* a second page it did not see: cannot tell */
	a = answer(200, "{\"refunds\":[],\"count\":0,\"totalCount\":120}");
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_UNKNOWN);
	a = answer(200, "{\"refunds\":{}}");
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_UNKNOWN);
	a = answer(200, "{\"refunds\":[{\"id\":\"x\",\"sellerComment\":");
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_UNKNOWN);
	a = answer(503, "");
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_UNKNOWN);
	/* a full page without totalCount: a refund may be on the next one */
	{
		char page[8192] = "{\"refunds\":[";

		for (int i = 0; i < 50; i++)
			snprintf(page + strlen(page),
				 sizeof(page) - strlen(page),
				 "%s{\"id\":\"o%d\",\"sellerComment\":\"x\","
				 "\"status\":\"SUCCESS\"}",
				 i ? "," : "", i);
		strcat(page, "]}");
		a = answer(200, page);
		assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a,
							    ref, sizeof(ref),
							    err, sizeof(err)),
				 CONNECTOR_UNKNOWN);
	}
	/* found but without a usable id */
	a = answer(200,
		   "{\"refunds\":[{\"id\":7,\"sellerComment\":\"" KEY "\"}]}");
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_UNKNOWN);
	connector_instance_free(&ci);
}

#define RETURNS_PAGE                                                           \
	"{\"customerReturns\":[{\"id\":\"ret-1\",\"createdAt\":"               \
	"\"2026-11-20T10:00:00.000Z\",\"referenceNumber\":\"ALX1\","           \
	"\"orderId\":\"ord-1\",\"items\":[{\"offerId\":\"700\",\"quantity\":"  \
	"1,\"name\":\"T\",\"price\":{\"amount\":\"49.99\",\"currency\":"       \
	"\"PLN\"}}],\"parcels\":[{\"waybill\":\"WB1\"}],\"status\":"           \
	"\"DELIVERED\"},{\"id\":\"ret-2\",\"orderId\":\"ord-2\",\"items\":"    \
	"[{\"offerId\":\"999\",\"quantity\":1}]},{\"id\":5}],\"count\":3}"
#define FORM_1                                                                 \
	"{\"id\":\"ord-1\",\"payment\":{\"id\":\"pay-1\"},\"delivery\":"       \
	"{\"cost\":{\"amount\":\"12.99\",\"currency\":\"PLN\"}},"              \
	"\"lineItems\":"                                                       \
	"[{\"id\":\"li-1\",\"offer\":{\"id\":\"700\",\"name\":\"T-shirt\","    \
	"\"external\":{\"id\":\"TSHIRT-M\"}},\"quantity\":2,\"price\":"        \
	"{\"amount\":\"49.99\",\"currency\":\"PLN\"}}],\"summary\":"           \
	"{\"totalToPay\":{\"amount\":\"112.97\",\"currency\":\"PLN\"}}}"
/* the second return's item is not in its order: left out */
#define FORM_2                                                                 \
	"{\"id\":\"ord-2\",\"payment\":{\"id\":\"pay-2\"},\"lineItems\":"      \
	"[{\"id\":\"li-2\",\"offer\":{\"id\":\"701\"},\"quantity\":1,"         \
	"\"price\":{\"amount\":\"1.00\",\"currency\":\"PLN\"}}],\"summary\":"  \
	"{\"totalToPay\":{\"amount\":\"1.00\",\"currency\":\"PLN\"}}}"

static void allegro_pull_maps_returns(void **state)
{
	struct connector_instance ci;
	struct connector_request req;
	struct connector_answer a;
	char err[256], next[128];
	json_t *returns = json_array(), *r, *it;
	bool more;
	char *dump;

	(void)state;
	ready_instance(&ci);
	/* first poll: the last 30 days */
	assert_int_equal(
	    ci.ops->pull_build(ci.state, "", NOW, &req, err, sizeof(err)), 0);
	assert_int_equal(req.method, CONNECTOR_GET);
	assert_string_equal(req.url,
			    "https://api.allegro.pl.allegrosandbox.pl/order/"
			    "customer-returns?limit=100&createdAt.gte="
			    "2026-10-21T10%3A01%3A00Z");
	assert_string_equal(test_header(&req, "Accept"),
			    "application/vnd.allegro.beta.v1+json");
	connector_request_free(&req);
	a = answer(200, RETURNS_PAGE);
	assert_int_equal(ci.ops->pull_parse(ci.state, "", &a, NOW, returns,
					    next, sizeof(next), &more, err,
					    sizeof(err)),
			 0);
	/* the cursor waits until the queued returns are out */
	assert_true(more);
	assert_string_equal(next, "");
	assert_int_equal(json_array_size(returns), 0);

	assert_int_equal(
	    ci.ops->pull_build(ci.state, "", NOW, &req, err, sizeof(err)), 0);
	assert_string_equal(req.url, "https://api.allegro.pl.allegrosandbox.pl/"
				     "order/checkout-forms/ord-1");
	assert_string_equal(test_header(&req, "Accept"),
			    "application/vnd.allegro.public.v1+json");
	connector_request_free(&req);
	/* a 503 on the detail: later, nothing lost */
	a = answer(503, "");
	assert_int_equal(ci.ops->pull_parse(ci.state, "", &a, NOW, returns,
					    next, sizeof(next), &more, err,
					    sizeof(err)),
			 -EAGAIN);
	assert_int_equal(
	    ci.ops->pull_build(ci.state, "", NOW, &req, err, sizeof(err)), 0);
	assert_non_null(strstr(req.url, "checkout-forms/ord-1"));
	connector_request_free(&req);
	a = answer(200, FORM_1);
	assert_int_equal(ci.ops->pull_parse(ci.state, "", &a, NOW, returns,
					    next, sizeof(next), &more, err,
					    sizeof(err)),
			 0);
	assert_true(more);
	assert_int_equal(json_array_size(returns), 1);
	r = json_array_get(returns, 0);
	dump = json_dumps(r, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(
	    dump,
	    "{\"currency\":\"PLN\",\"delivery_basic_minor\":1299,"
	    "\"delivery_paid_minor\":1299,\"items\":[{\"name\":\"T-shirt\","
	    "\"quantity\":1,\"shop_line_id\":\"li-1\",\"sku\":\"TSHIRT-M\","
	    "\"unit_price_minor\":4999}],\"kind\":\"withdrawal\","
	    "\"lookup_codes\":[\"WB1\"],\"order\":\"ord-1\","
	    "\"order_lines\":[{\"quantity\":2,\"sku\":\"TSHIRT-M\"}],"
	    "\"requested_at\":\"2026-11-20T10:00:00.000Z\",\"rma\":\"ALX1\","
	    "\"shop_order_id\":\"ord-1\",\"shop_payment_id\":\"pay-1\"}");
	free(dump);
	/* the station's import takes it as it is, with the shop's ids */
	{
		struct expected_return er;

		assert_int_equal(
		    expected_json_parse(r, NULL, "", &er, err, sizeof(err)), 0);
		assert_string_equal(er.rma, "ALX1");
		assert_string_equal(er.shop_payment_id, "pay-1");
		assert_string_equal(er.items[0].shop_line_id, "li-1");
		assert_int_equal(er.delivery_basic_minor, 1299);
	}
	it = NULL;
	(void)it;

	assert_int_equal(
	    ci.ops->pull_build(ci.state, "", NOW, &req, err, sizeof(err)), 0);
	assert_non_null(strstr(req.url, "checkout-forms/ord-2"));
	connector_request_free(&req);
	a = answer(200, FORM_2);
	assert_int_equal(ci.ops->pull_parse(ci.state, "", &a, NOW, returns,
					    next, sizeof(next), &more, err,
					    sizeof(err)),
			 0);
	/* left out, and the cursor moves past both */
	assert_int_equal(json_array_size(returns), 1);
	assert_false(more);
	assert_string_equal(next, "ret-2");

	/* the next poll goes on from there */
	assert_int_equal(
	    ci.ops->pull_build(ci.state, next, NOW, &req, err, sizeof(err)), 0);
	assert_string_equal(req.url, "https://api.allegro.pl.allegrosandbox.pl/"
				     "order/customer-returns?limit=100&from="
				     "ret-2");
	connector_request_free(&req);
	a = answer(200, "{\"customerReturns\":[],\"count\":0}");
	assert_int_equal(ci.ops->pull_parse(ci.state, "ret-2", &a, NOW, returns,
					    next, sizeof(next), &more, err,
					    sizeof(err)),
			 0);
	assert_string_equal(next, "ret-2");
	assert_false(more);
	json_decref(returns);
	connector_instance_free(&ci);
}

static void allegro_pull_refuses_bad_answers(void **state)
{
	static const struct {
		long status;
		const char *body;
		int want;
	} cases[] = {
	    {200, "{\"customerReturns\":{}}", -EINVAL},
	    {200, "{\"customerReturns\":[", -EINVAL},
	    {200, "nope", -EINVAL},
	    {200, "[]", -EINVAL},
	    {429, "", -EAGAIN},
	    {500, "", -EAGAIN},
	    {401, "", -EAGAIN},
	    {400, "{\"errors\":[{\"code\":\"X\"}]}", -EINVAL},
	};
	struct connector_instance ci;
	struct connector_request req;
	struct connector_answer a;
	char err[256], next[128];
	json_t *returns = json_array();
	bool more;
	size_t i;

	(void)state;
	ready_instance(&ci);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ci.ops->pull_build(ci.state, "c-1", NOW, &req,
						    err, sizeof(err)),
				 cases[i].status == 401 ? 0 : 0);
		connector_request_free(&req);
		a = answer(cases[i].status, cases[i].body);
		assert_int_equal(ci.ops->pull_parse(ci.state, "c-1", &a, NOW,
						    returns, next, sizeof(next),
						    &more, err, sizeof(err)),
				 cases[i].want);
		assert_string_equal(next, "c-1");
		assert_int_equal(json_array_size(returns), 0);
		if (cases[i].status == 401)
			break;
	}
	json_decref(returns);
	connector_instance_free(&ci);
}

static void allegro_settings(void **state)
{
	struct connector_instance ci;
	char problem[256];

	(void)state;
	assert_int_equal(
	    test_instance(&ci, true, "api_key", "x", problem, sizeof(problem)),
	    -EINVAL);
	assert_non_null(strstr(problem, "unknown key 'api_key' for the "
					"allegro connector"));
	assert_int_equal(test_instance(&ci, true, "api_url", "ftp://x", problem,
				       sizeof(problem)),
			 -EINVAL);
	assert_non_null(strstr(problem, "api_url must be"));
	assert_int_equal(test_instance(&ci, true, "auth_url", "https://a b",
				       problem, sizeof(problem)),
			 -EINVAL);
	assert_int_equal(test_instance(&ci, true, "api_url", "https://x/?q=1",
				       problem, sizeof(problem)),
			 -EINVAL);
	assert_int_equal(test_instance(&ci, true, "pull_days", "0", problem,
				       sizeof(problem)),
			 -EINVAL);
	assert_int_equal(test_instance(&ci, true, "throttle_wait_s", "x",
				       problem, sizeof(problem)),
			 -EINVAL);
	/* retourd -n: the files are named, not read */
	assert_int_equal(
	    test_instance(&ci, false, NULL, NULL, problem, sizeof(problem)), 0);
	connector_instance_free(&ci);
	{
		struct connector_setting set[] = {
		    {.key = "client_id", .value = "c"},
		    {.key = "refresh_token_file",
		     .value = "/r",
		     .secret = "RT"},
		};
		int bad;

		assert_int_equal(connector_instance_new(allegro(), set, 2, true,
							&ci, &bad, problem,
							sizeof(problem)),
				 -EINVAL);
		assert_non_null(strstr(problem, "client_secret_file"));
	}
	{
		struct connector_setting set[] = {
		    {.key = "client_id", .value = "c"},
		    {.key = "client_secret_file", .value = "/s", .secret = "S"},
		    {.key = "refresh_token_file",
		     .value = "/r",
		     .secret = "two words"},
		};
		int bad;

		assert_int_equal(connector_instance_new(allegro(), set, 3, true,
							&ci, &bad, problem,
							sizeof(problem)),
				 -EINVAL);
		assert_int_equal(bad, 2);
		assert_null(strstr(problem, "two words"));
	}
	{
		struct connector_setting set[] = {
		    {.key = "client_secret_file", .value = "/s", .secret = "S"},
		    {.key = "refresh_token_file", .value = "/r", .secret = "R"},
		};
		int bad;

		assert_int_equal(connector_instance_new(allegro(), set, 2, true,
							&ci, &bad, problem,
							sizeof(problem)),
				 -EINVAL);
		assert_non_null(strstr(problem, "client_id"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(allegro_token_request_and_answer),
	    cmocka_unit_test(allegro_refund_request_shape),
	    cmocka_unit_test(allegro_partial_and_complaint_lines),
	    cmocka_unit_test(allegro_refuses_what_it_cannot_send),
	    cmocka_unit_test(allegro_classifies_answers),
	    cmocka_unit_test(allegro_error_shows_user_message),
	    cmocka_unit_test(allegro_waits_a_minute_after_429),
	    cmocka_unit_test(allegro_401_drops_the_token),
	    cmocka_unit_test(allegro_lookup),
	    cmocka_unit_test(allegro_pull_maps_returns),
	    cmocka_unit_test(allegro_pull_refuses_bad_answers),
	    cmocka_unit_test(allegro_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
