/* SPDX-License-Identifier: MIT */
/*
 * The local API's routing and replies, without a socket: which route a
 * method and path take, which arguments the path and query carry, and the
 * status and message a client gets for a bad id, a bad limit, a wrong
 * method or an unknown path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/api/api_internal.h"

static struct api_route expect_route(const char *method, const char *path,
				     const char *limit, const char *state,
				     enum api_route_id id)
{
	struct api_route route;
	struct api_reply rp = {0};
	int r = api_route_parse(method, path, limit, state, &route, &rp);

	if (r < 0)
		fail_msg("%s %s refused with %u", method, path, rp.status);
	assert_null(rp.json);
	assert_int_equal(route.id, id);
	return route;
}

static void expect_refusal(const char *method, const char *path,
			   const char *limit, const char *state,
			   unsigned status, const char *message)
{
	struct api_route route;
	struct api_reply rp = {0};

	assert_int_equal(
	    api_route_parse(method, path, limit, state, &route, &rp), -EINVAL);
	assert_int_equal(rp.status, status);
	assert_string_equal(
	    json_string_value(json_object_get(rp.json, "error")), message);
	json_decref(rp.json);
}

static void test_health_and_metrics_take_any_method(void **state)
{
	(void)state;
	expect_route("GET", "/healthz", NULL, NULL, API_HEALTHZ);
	expect_route("POST", "/healthz", NULL, NULL, API_HEALTHZ);
	expect_route("GET", "/metrics", NULL, NULL, API_METRICS);
	expect_route("DELETE", "/metrics", "x", NULL, API_METRICS);
	expect_refusal("GET", "/", NULL, NULL, 404, "no such endpoint: /");
	expect_refusal("GET", "/api/v2/status", NULL, NULL, 404,
		       "no such endpoint: /api/v2/status");
	expect_refusal("GET", "/healthz/", NULL, NULL, 404,
		       "no such endpoint: /healthz/");
}

static void test_desk_commands(void **state)
{
	static const struct {
		const char *path;
		enum api_route_id id;
	} commands[] = {
	    {"/api/v1/scan", API_SCAN},
	    {"/api/v1/clerk", API_SIGN_IN},
	    {"/api/v1/clerks", API_REGISTER_CLERK},
	    {"/api/v1/routine", API_ROUTINE},
	    {"/api/v1/weigh", API_WEIGH},
	    {"/api/v1/photo", API_PHOTO},
	    {"/api/v1/skip", API_SKIP},
	    {"/api/v1/items-done", API_ITEMS_DONE},
	    {"/api/v1/back", API_BACK},
	    {"/api/v1/cancel", API_CANCEL},
	    {"/api/v1/answer", API_ANSWER},
	    {"/api/v1/confirm", API_CONFIRM},
	    {"/api/v1/undo", API_UNDO},
	    {"/api/v1/unexpected", API_UNEXPECTED},
	};
	struct api_route route;

	(void)state;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		expect_route("POST", commands[i].path, NULL, NULL,
			     commands[i].id);
	expect_route("GET", "/api/v1/status", NULL, NULL, API_STATUS);
	expect_route("DELETE", "/api/v1/clerk", NULL, NULL, API_SIGN_OUT);
	/* DELETE is accepted wherever POST is, as it always was */
	expect_route("DELETE", "/api/v1/weigh", NULL, NULL, API_WEIGH);
	route = expect_route("POST", "/api/v1/buttons/accept", NULL, NULL,
			     API_BUTTON);
	assert_string_equal(route.button, "accept");
	route =
	    expect_route("POST", "/api/v1/buttons/", NULL, NULL, API_BUTTON);
	assert_string_equal(route.button, "");
	/* the query's limit means nothing to the desk */
	expect_route("POST", "/api/v1/scan", "x", NULL, API_SCAN);
}

static void test_desk_refusals(void **state)
{
	(void)state;
	expect_refusal("GET", "/api/v1/scan", NULL, NULL, 405,
		       "GET is not allowed on /api/v1/scan");
	expect_refusal("PUT", "/api/v1/clerk", NULL, NULL, 405,
		       "PUT is not allowed on /api/v1/clerk");
	/* an unknown desk path read with GET is a wrong method first */
	expect_refusal("GET", "/api/v1/nothing", NULL, NULL, 405,
		       "GET is not allowed on /api/v1/nothing");
	expect_refusal("POST", "/api/v1/nothing", NULL, NULL, 404,
		       "no such endpoint: POST /api/v1/nothing");
	expect_refusal("POST", "/api/v1/status", NULL, NULL, 404,
		       "no such endpoint: POST /api/v1/status");
	expect_refusal("POST", "/api/v1/buttons", NULL, NULL, 404,
		       "no such endpoint: POST /api/v1/buttons");
	expect_refusal("POST", "/api/v1/scan/", NULL, NULL, 404,
		       "no such endpoint: POST /api/v1/scan/");
}

static void test_list_limits(void **state)
{
	struct api_route route;

	(void)state;
	route = expect_route("GET", "/api/v1/returns", NULL, NULL,
			     API_RETURNS_LIST);
	assert_int_equal(route.limit, 100);
	route =
	    expect_route("GET", "/api/v1/returns", "1", NULL, API_RETURNS_LIST);
	assert_int_equal(route.limit, 1);
	route = expect_route("GET", "/api/v1/expected", "10000", NULL,
			     API_EXPECTED_LIST);
	assert_int_equal(route.limit, 10000);
	route =
	    expect_route("GET", "/api/v1/outbox", "25", NULL, API_OUTBOX_LIST);
	assert_int_equal(route.limit, 25);

	expect_refusal("GET", "/api/v1/returns", "0", NULL, 400,
		       "limit must be 1..10000");
	expect_refusal("GET", "/api/v1/returns", "10001", NULL, 400,
		       "limit must be 1..10000");
	expect_refusal("GET", "/api/v1/returns", "x", NULL, 400,
		       "limit must be 1..10000");
	expect_refusal("GET", "/api/v1/returns", "", NULL, 400,
		       "limit must be 1..10000");
	expect_refusal("GET", "/api/v1/returns", "-5", NULL, 400,
		       "limit must be 1..10000");
	expect_refusal("GET", "/api/v1/outbox", "5x", NULL, 400,
		       "limit must be 1..10000");
	expect_refusal("GET", "/api/v1/expected", "99999999999999999999", NULL,
		       400, "limit must be 1..10000");
	/* the limit is checked before the method, on every record path */
	expect_refusal("DELETE", "/api/v1/returns", "0", NULL, 400,
		       "limit must be 1..10000");
	expect_refusal("GET", "/api/v1/db/check", "x", NULL, 400,
		       "limit must be 1..10000");
}

static void test_receipt_ids(void **state)
{
	struct api_route route;

	(void)state;
	route = expect_route("GET", "/api/v1/returns/42", NULL, NULL,
			     API_RETURN_GET);
	assert_int_equal(route.record_id, 42);
	route = expect_route("GET", "/api/v1/returns/9223372036854775807", NULL,
			     NULL, API_RETURN_GET);
	assert_int_equal(route.record_id, INT64_MAX);
	/* the id ends at a '/' */
	route = expect_route("GET", "/api/v1/returns/7/label", NULL, NULL,
			     API_RETURN_GET);
	assert_int_equal(route.record_id, 7);

	expect_refusal("GET", "/api/v1/returns/0", NULL, NULL, 400,
		       "'0' is not a receipt id");
	expect_refusal("GET", "/api/v1/returns/-1", NULL, NULL, 400,
		       "'-1' is not a receipt id");
	expect_refusal("GET", "/api/v1/returns/+1", NULL, NULL, 400,
		       "'+1' is not a receipt id");
	expect_refusal("GET", "/api/v1/returns/abc", NULL, NULL, 400,
		       "'abc' is not a receipt id");
	expect_refusal("GET", "/api/v1/returns/", NULL, NULL, 400,
		       "'' is not a receipt id");
	expect_refusal("GET", "/api/v1/returns/12x", NULL, NULL, 400,
		       "'12x' is not a receipt id");
	expect_refusal("GET", "/api/v1/returns/9223372036854775808", NULL, NULL,
		       400, "'9223372036854775808' is not a receipt id");
	expect_refusal("GET", "/api/v1/returnsx", NULL, NULL, 404,
		       "no such endpoint: GET /api/v1/returnsx");
}

static void test_record_methods(void **state)
{
	(void)state;
	expect_route("POST", "/api/v1/expected", NULL, NULL,
		     API_EXPECTED_IMPORT);
	expect_route("GET", "/api/v1/db/check", NULL, NULL, API_DB_CHECK);
	expect_route("GET", "/api/v1/audit/verify", NULL, NULL,
		     API_AUDIT_VERIFY);

	expect_refusal("PUT", "/api/v1/expected", NULL, NULL, 405,
		       "use GET or POST");
	expect_refusal("DELETE", "/api/v1/expected", NULL, NULL, 405,
		       "use GET or POST");
	expect_refusal("POST", "/api/v1/returns", NULL, NULL, 405,
		       "POST is not allowed on /api/v1/returns");
	expect_refusal("DELETE", "/api/v1/returns/3", NULL, NULL, 405,
		       "DELETE is not allowed on /api/v1/returns/3");
	expect_refusal("POST", "/api/v1/db/check", NULL, NULL, 405,
		       "POST is not allowed on /api/v1/db/check");
	expect_refusal("POST", "/api/v1/audit/verify", NULL, NULL, 405,
		       "POST is not allowed on /api/v1/audit/verify");
	expect_refusal("GET", "/api/v1/expectedx", NULL, NULL, 404,
		       "no such endpoint: GET /api/v1/expectedx");
	expect_refusal("GET", "/api/v1/outboxes", NULL, NULL, 404,
		       "no such endpoint: GET /api/v1/outboxes");
	expect_refusal("GET", "/api/v1/db/check/", NULL, NULL, 405,
		       "GET is not allowed on /api/v1/db/check/");
}

static void test_outbox(void **state)
{
	struct api_route route;

	(void)state;
	route =
	    expect_route("GET", "/api/v1/outbox", NULL, NULL, API_OUTBOX_LIST);
	assert_null(route.state);
	route = expect_route("GET", "/api/v1/outbox", NULL, "dead",
			     API_OUTBOX_LIST);
	assert_string_equal(route.state, "dead");
	expect_route("GET", "/api/v1/outbox", NULL, "pending", API_OUTBOX_LIST);
	expect_route("GET", "/api/v1/outbox", NULL, "done", API_OUTBOX_LIST);
	expect_route("GET", "/api/v1/outbox", NULL, "cancelled",
		     API_OUTBOX_LIST);
	expect_refusal("GET", "/api/v1/outbox", NULL, "failed", 400,
		       "state must be pending, done, dead or cancelled");
	expect_refusal("GET", "/api/v1/outbox", NULL, "", 400,
		       "state must be pending, done, dead or cancelled");

	route = expect_route("POST", "/api/v1/outbox/7/retry", NULL, NULL,
			     API_OUTBOX_RETRY);
	assert_int_equal(route.record_id, 7);
	expect_refusal("GET", "/api/v1/outbox/7/retry", NULL, NULL, 404,
		       "use POST /api/v1/outbox/ID/retry");
	expect_refusal("GET", "/api/v1/outbox/7", NULL, NULL, 404,
		       "use POST /api/v1/outbox/ID/retry");
	expect_refusal("POST", "/api/v1/outbox/0/retry", NULL, NULL, 404,
		       "use POST /api/v1/outbox/ID/retry");
	expect_refusal("POST", "/api/v1/outbox/x/retry", NULL, NULL, 404,
		       "use POST /api/v1/outbox/ID/retry");
	expect_refusal("POST", "/api/v1/outbox/7/retryx", NULL, NULL, 404,
		       "use POST /api/v1/outbox/ID/retry");
	expect_refusal("POST", "/api/v1/outbox/7", NULL, NULL, 405,
		       "POST is not allowed on /api/v1/outbox/7");
	expect_refusal("POST", "/api/v1/outbox", NULL, NULL, 405,
		       "POST is not allowed on /api/v1/outbox");
}

static void test_reply_helpers(void **state)
{
	static const char good[] = "{\"code\":\"RR123\",\"n\":1}";
	static const char bad[] = "{\"code\":}";
	static const char twice[] = "{\"a\":1,\"a\":2}";
	struct api_request rq = {0};
	struct api_reply rp = {0};
	const char *msg;
	json_t *j;

	(void)state;
	assert_null(api_body_json(&rq, &rp));
	assert_int_equal(rp.status, 400);
	assert_string_equal(
	    json_string_value(json_object_get(rp.json, "error")),
	    "a JSON body is required");

	rq.body = (char *)bad;
	rq.len = strlen(bad);
	assert_null(api_body_json(&rq, &rp)); /* replaces the first error */
	assert_int_equal(rp.status, 400);
	msg = json_string_value(json_object_get(rp.json, "error"));
	assert_non_null(strstr(msg, "malformed JSON at line 1 column 9"));

	rq.body = (char *)twice;
	rq.len = strlen(twice);
	assert_null(api_body_json(&rq, &rp));
	msg = json_string_value(json_object_get(rp.json, "error"));
	assert_non_null(strstr(msg, "duplicate"));

	rq.body = (char *)good;
	rq.len = strlen(good);
	j = api_body_json(&rq, &rp);
	assert_non_null(j);
	assert_string_equal(api_json_str(j, "code"), "RR123");
	assert_null(api_json_str(j, "n"));
	assert_null(api_json_str(j, "missing"));

	api_reply_json(&rp, 201, j);
	assert_int_equal(rp.status, 201);
	assert_ptr_equal(rp.json, j);

	/* a message longer than the reply's buffer is cut, not overrun */
	api_reply_error(&rp, 409, "%0600d", 7);
	assert_int_equal(rp.status, 409);
	assert_int_equal(
	    strlen(json_string_value(json_object_get(rp.json, "error"))), 511);
	json_decref(rp.json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_health_and_metrics_take_any_method),
	    cmocka_unit_test(test_desk_commands),
	    cmocka_unit_test(test_desk_refusals),
	    cmocka_unit_test(test_list_limits),
	    cmocka_unit_test(test_receipt_ids),
	    cmocka_unit_test(test_record_methods),
	    cmocka_unit_test(test_outbox),
	    cmocka_unit_test(test_reply_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
