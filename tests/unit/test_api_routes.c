/* SPDX-License-Identifier: MIT */
/*
 * The local API's routing and replies, without a socket: which route a
 * method and path take, which arguments the path and query carry (the
 * returns' search among them), and the status, message and Allow header a
 * client gets for a bad id, a bad query, a wrong method or an unknown
 * path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retour/civil_time.h"

#include "../../src/api/api_internal.h"

/* A query of "key=value" strings, as the HTTP layer hands it over. */
static struct api_query query_of(const char *const *args)
{
	static char keys[API_QUERY_MAX + 2][64];
	struct api_query q = {0};

	for (int i = 0; args && args[i]; i++) {
		const char *eq = strchr(args[i], '=');
		size_t n = eq ? (size_t)(eq - args[i]) : strlen(args[i]);

		snprintf(keys[i], sizeof(keys[i]), "%.*s", (int)n, args[i]);
		api_query_add(&q, keys[i], eq ? eq + 1 : NULL);
	}
	return q;
}

#define Q(...) ((const char *const[]){__VA_ARGS__, NULL})

static struct api_route expect_route_q(const char *method, const char *path,
				       const char *const *args,
				       enum api_route_id id)
{
	struct api_query q = query_of(args);
	struct api_route route;
	struct api_reply rp = {0};
	int r = api_route_parse(method, path, &q, &route, &rp);

	if (r < 0)
		fail_msg("%s %s refused with %u: %s", method, path, rp.status,
			 json_string_value(json_object_get(rp.json, "error")));
	assert_null(rp.json);
	assert_int_equal(route.id, id);
	return route;
}

static struct api_route expect_route(const char *method, const char *path,
				     enum api_route_id id)
{
	return expect_route_q(method, path, NULL, id);
}

/* The refusal's status, message and Allow header ("" unless 405). */
static void expect_refusal_q(const char *method, const char *path,
			     const char *const *args, unsigned status,
			     const char *message, const char *allow)
{
	struct api_query q = query_of(args);
	struct api_route route;
	struct api_reply rp = {0};

	assert_int_equal(api_route_parse(method, path, &q, &route, &rp),
			 -EINVAL);
	assert_int_equal(rp.status, status);
	assert_string_equal(
	    json_string_value(json_object_get(rp.json, "error")), message);
	assert_string_equal(rp.allow, allow);
	json_decref(rp.json);
}

static void expect_refusal(const char *method, const char *path,
			   unsigned status, const char *message)
{
	expect_refusal_q(method, path, NULL, status, message, "");
}

static void expect_405(const char *method, const char *path, const char *allow)
{
	char message[160];

	snprintf(message, sizeof(message), "%s is not allowed on %s: use %s",
		 method, path, allow);
	expect_refusal_q(method, path, NULL, 405, message, allow);
}

static void test_health_and_metrics(void **state)
{
	(void)state;
	expect_route("GET", "/healthz", API_HEALTHZ);
	expect_route("GET", "/metrics", API_METRICS);
	/* the screen: its page, its files (one segment) and its stream */
	expect_route("GET", "/", API_UI);
	expect_route("GET", "/ui/app.js", API_UI);
	expect_route("GET", "/api/v1/events", API_EVENTS);
	expect_405("POST", "/", "GET");
	expect_405("POST", "/ui/app.js", "GET");
	expect_405("POST", "/api/v1/events", "GET");
	expect_405("POST", "/healthz", "GET");
	expect_405("DELETE", "/metrics", "GET");
	expect_refusal("GET", "/ui/", 404, "no such endpoint: GET /ui/");
	expect_refusal("GET", "/ui/a/b.js", 404,
		       "no such endpoint: GET /ui/a/b.js");
	expect_refusal("GET", "/api/v2/status", 404,
		       "no such endpoint: GET /api/v2/status");
	expect_refusal("GET", "/healthz/", 404,
		       "no such endpoint: GET /healthz/");
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
		expect_route("POST", commands[i].path, commands[i].id);
	expect_route("GET", "/api/v1/status", API_STATUS);
	expect_route("DELETE", "/api/v1/clerk", API_SIGN_OUT);
	route = expect_route("POST", "/api/v1/buttons/accept", API_BUTTON);
	assert_string_equal(route.button, "accept");
	route = expect_route("POST", "/api/v1/buttons/pedal", API_BUTTON);
	assert_string_equal(route.button, "pedal");
	route = expect_route("POST", "/api/v1/buttons/reject", API_BUTTON);
	assert_string_equal(route.button, "reject");
	/* the parcel-present sensor, simulated */
	route = expect_route("POST", "/api/v1/buttons/parcel", API_BUTTON);
	assert_string_equal(route.button, "parcel");
}

static void test_desk_refusals(void **state)
{
	(void)state;
	/* a wrong method is 405 with the methods the path takes */
	expect_405("GET", "/api/v1/scan", "POST");
	expect_405("PUT", "/api/v1/clerk", "POST, DELETE");
	expect_405("DELETE", "/api/v1/weigh", "POST");
	expect_405("POST", "/api/v1/status", "GET");
	expect_405("GET", "/api/v1/buttons/accept", "POST");
	/* a path no route has is 404, whatever the method */
	expect_refusal("GET", "/api/v1/nothing", 404,
		       "no such endpoint: GET /api/v1/nothing");
	expect_refusal("POST", "/api/v1/nothing", 404,
		       "no such endpoint: POST /api/v1/nothing");
	expect_refusal("POST", "/api/v1/buttons", 404,
		       "no such endpoint: POST /api/v1/buttons");
	expect_refusal("POST", "/api/v1/buttons/", 404,
		       "no such endpoint: POST /api/v1/buttons/");
	expect_refusal("POST", "/api/v1/buttons/door", 404,
		       "no such endpoint: POST /api/v1/buttons/door");
	expect_refusal("POST", "/api/v1/scan/", 404,
		       "no such endpoint: POST /api/v1/scan/");
	expect_refusal("POST", "/api/v1/events/", 404,
		       "no such endpoint: POST /api/v1/events/");
	/* a desk command takes no query */
	expect_refusal_q("POST", "/api/v1/scan", Q("limit=5"), 400,
			 "POST /api/v1/scan takes no query parameters; "
			 "'limit' given",
			 "");
}

static void test_list_limits(void **state)
{
	struct api_route route;

	(void)state;
	route = expect_route("GET", "/api/v1/returns", API_RETURNS_LIST);
	assert_int_equal(route.limit, 100);
	route = expect_route_q("GET", "/api/v1/returns", Q("limit=1"),
			       API_RETURNS_LIST);
	assert_int_equal(route.limit, 1);
	route = expect_route_q("GET", "/api/v1/expected", Q("limit=10000"),
			       API_EXPECTED_LIST);
	assert_int_equal(route.limit, 10000);
	route = expect_route_q("GET", "/api/v1/outbox", Q("limit=25"),
			       API_OUTBOX_LIST);
	assert_int_equal(route.limit, 25);

	static const char *const bad[] = {
	    "limit=0", "limit=10001", "limit=x",  "limit=",
	    "limit",   "limit=-5",    "limit=5x", "limit=99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refusal_q("GET", "/api/v1/returns", Q(bad[i]), 400,
				 "limit must be 1..10000", "");
	expect_refusal_q("GET", "/api/v1/db/check", Q("limit=5"), 400,
			 "GET /api/v1/db/check takes no query parameters; "
			 "'limit' given",
			 "");
	/* the method is checked before the query */
	expect_refusal_q("DELETE", "/api/v1/returns", Q("limit=0"), 405,
			 "DELETE is not allowed on /api/v1/returns: use GET",
			 "GET");
}

static void test_receipt_ids(void **state)
{
	struct api_route route;

	(void)state;
	route = expect_route("GET", "/api/v1/returns/42", API_RETURN_GET);
	assert_int_equal(route.record_id, 42);
	route = expect_route("GET", "/api/v1/returns/9223372036854775807",
			     API_RETURN_GET);
	assert_int_equal(route.record_id, INT64_MAX);

	expect_refusal("GET", "/api/v1/returns/0", 400,
		       "'0' is not a receipt id");
	expect_refusal("GET", "/api/v1/returns/-1", 400,
		       "'-1' is not a receipt id");
	expect_refusal("GET", "/api/v1/returns/+1", 400,
		       "'+1' is not a receipt id");
	expect_refusal("GET", "/api/v1/returns/abc", 400,
		       "'abc' is not a receipt id");
	expect_refusal("GET", "/api/v1/returns/12x", 400,
		       "'12x' is not a receipt id");
	expect_refusal("GET", "/api/v1/returns/9223372036854775808", 400,
		       "'9223372036854775808' is not a receipt id");
	/* no such path: an empty id, or more after it */
	expect_refusal("GET", "/api/v1/returns/", 404,
		       "no such endpoint: GET /api/v1/returns/");
	expect_refusal("GET", "/api/v1/returns/7/label", 404,
		       "no such endpoint: GET /api/v1/returns/7/label");
	expect_refusal("GET", "/api/v1/returnsx", 404,
		       "no such endpoint: GET /api/v1/returnsx");
}

static void test_record_methods(void **state)
{
	(void)state;
	expect_route("GET", "/api/v1/expected", API_EXPECTED_LIST);
	expect_route("POST", "/api/v1/expected", API_EXPECTED_IMPORT);
	expect_route("GET", "/api/v1/db/check", API_DB_CHECK);
	expect_route("GET", "/api/v1/audit/verify", API_AUDIT_VERIFY);
	expect_route("GET", "/api/v1/clerks", API_CLERKS_LIST);

	expect_405("PUT", "/api/v1/expected", "GET, POST");
	expect_405("DELETE", "/api/v1/expected", "GET, POST");
	expect_405("POST", "/api/v1/returns", "GET");
	expect_405("DELETE", "/api/v1/returns/3", "GET");
	expect_405("POST", "/api/v1/db/check", "GET");
	expect_405("POST", "/api/v1/audit/verify", "GET");
	expect_refusal("GET", "/api/v1/expectedx", 404,
		       "no such endpoint: GET /api/v1/expectedx");
	expect_refusal("GET", "/api/v1/outboxes", 404,
		       "no such endpoint: GET /api/v1/outboxes");
	expect_refusal("GET", "/api/v1/db/check/", 404,
		       "no such endpoint: GET /api/v1/db/check/");
}

static void test_outbox(void **state)
{
	struct api_route route;

	(void)state;
	route = expect_route("GET", "/api/v1/outbox", API_OUTBOX_LIST);
	assert_null(route.state);
	route = expect_route_q("GET", "/api/v1/outbox", Q("state=dead"),
			       API_OUTBOX_LIST);
	assert_string_equal(route.state, "dead");
	expect_route_q("GET", "/api/v1/outbox", Q("state=pending"),
		       API_OUTBOX_LIST);
	expect_route_q("GET", "/api/v1/outbox", Q("state=done", "limit=3"),
		       API_OUTBOX_LIST);
	expect_route_q("GET", "/api/v1/outbox", Q("state=cancelled"),
		       API_OUTBOX_LIST);
	expect_refusal_q("GET", "/api/v1/outbox", Q("state=failed"), 400,
			 "state must be pending, done, dead or cancelled", "");
	expect_refusal_q("GET", "/api/v1/outbox", Q("state="), 400,
			 "state must be pending, done, dead or cancelled", "");

	route =
	    expect_route("POST", "/api/v1/outbox/7/retry", API_OUTBOX_RETRY);
	assert_int_equal(route.record_id, 7);
	expect_405("GET", "/api/v1/outbox/7/retry", "POST");
	expect_refusal("POST", "/api/v1/outbox/0/retry", 400,
		       "'0' is not an outbox id");
	expect_refusal("POST", "/api/v1/outbox/x/retry", 400,
		       "'x' is not an outbox id");
	expect_refusal("GET", "/api/v1/outbox/7", 404,
		       "no such endpoint: GET /api/v1/outbox/7");
	expect_refusal("POST", "/api/v1/outbox/7/retryx", 404,
		       "no such endpoint: POST /api/v1/outbox/7/retryx");
	expect_refusal("POST", "/api/v1/outbox//retry", 404,
		       "no such endpoint: POST /api/v1/outbox//retry");
	expect_405("POST", "/api/v1/outbox", "GET");
}

static void test_returns_search(void **state)
{
	struct api_route route;

	(void)state;
	route = expect_route_q("GET", "/api/v1/returns",
			       Q("order=ORD-1001", "rma=rma-10001",
				 "tracking=RR123456785PL", "status=open",
				 "limit=5"),
			       API_RETURNS_LIST);
	assert_string_equal(route.filter.order, "ORD-1001");
	assert_string_equal(route.filter.rma, "rma-10001");
	assert_string_equal(route.filter.tracking, "RR123456785PL");
	assert_string_equal(route.filter.state, "open");
	assert_string_equal(route.filter.verdict, "");
	assert_false(route.from.given || route.to.given);
	assert_int_equal(route.limit, 5);

	/* a verdict is a status too: decided with that verdict */
	route = expect_route_q("GET", "/api/v1/returns", Q("status=hold"),
			       API_RETURNS_LIST);
	assert_string_equal(route.filter.state, "");
	assert_string_equal(route.filter.verdict, "hold");

	/* a day of the station's calendar, or an instant */
	route = expect_route_q("GET", "/api/v1/returns",
			       Q("from=2026-11-30", "to=2026-12-01T10:00:00Z"),
			       API_RETURNS_LIST);
	assert_true(route.from.given && route.from.is_day);
	assert_int_equal(route.from.value,
			 civil_time_days_from_civil(2026, 11, 30));
	assert_true(route.to.given && !route.to.is_day);
	assert_int_equal(route.to.value, INT64_C(1796119200000000));

	expect_refusal_q("GET", "/api/v1/returns", Q("status=lost"), 400,
			 "status must be open, decided, cancelled, undone, "
			 "accept, partial, reject, hold, qc_passed or "
			 "qc_failed, not 'lost'",
			 "");
	static const char *const bad_dates[] = {
	    "from=2026-02-30",		"from=2026-13-01", "from=26-11-30",
	    "from=2026-11-3x",		"from=yesterday",  "from=",
	    "from=2026-11-30T25:00:00Z"};
	for (size_t i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++) {
		char message[160];

		snprintf(message, sizeof(message),
			 "from must be a date (YYYY-MM-DD) or an RFC 3339 "
			 "time, not '%s'",
			 strchr(bad_dates[i], '=') + 1);
		expect_refusal_q("GET", "/api/v1/returns", Q(bad_dates[i]), 400,
				 message, "");
	}
	expect_refusal_q("GET", "/api/v1/returns", Q("to=tomorrow"), 400,
			 "to must be a date (YYYY-MM-DD) or an RFC 3339 time, "
			 "not 'tomorrow'",
			 "");
	expect_refusal_q("GET", "/api/v1/returns", Q("order="), 400,
			 "order must be 1..47 bytes without control "
			 "characters",
			 "");
	expect_refusal_q(
	    "GET", "/api/v1/returns",
	    Q("rma=RMA-000000000000000000000000000000000000000000000000"), 400,
	    "rma must be 1..47 bytes without control characters", "");
	expect_refusal_q("GET", "/api/v1/returns", Q("tracking=RR\n1"), 400,
			 "tracking must be 1..47 bytes without control "
			 "characters",
			 "");
	expect_refusal_q(
	    "GET", "/api/v1/returns", Q("shop=demo"), 400,
	    "unknown parameter 'shop' on GET /api/v1/returns "
	    "(known: order rma tracking status kind since from to limit)",
	    "");
	expect_refusal_q("GET", "/api/v1/returns",
			 Q("order=ORD-1", "order=ORD-2"), 400,
			 "parameter 'order' given twice", "");
}

static void test_too_many_query_parameters(void **state)
{
	const char *args[API_QUERY_MAX + 2];

	(void)state;
	for (int i = 0; i < API_QUERY_MAX + 1; i++)
		args[i] = "limit=1";
	args[API_QUERY_MAX + 1] = NULL;
	expect_refusal_q("GET", "/api/v1/returns", args, 400,
			 "more than 16 query parameters", "");
}

static void test_allowed_methods(void **state)
{
	char allow[64];

	(void)state;
	assert_int_equal(
	    api_route_allowed("/api/v1/expected", allow, sizeof(allow)), 2);
	assert_string_equal(allow, "GET, POST");
	assert_int_equal(
	    api_route_allowed("/api/v1/nothing", allow, sizeof(allow)), 0);
	assert_string_equal(allow, "");
}

/* The screen's and the supervisors' routes (issue 9). */
static void test_screen_records(void **state)
{
	struct api_route route;

	(void)state;
	route = expect_route("GET", "/api/v1/photos/12", API_PHOTO_GET);
	assert_int_equal(route.record_id, 12);
	expect_refusal("GET", "/api/v1/photos/../../etc/passwd", 404,
		       "no such endpoint: GET /api/v1/photos/../../etc/passwd");
	expect_refusal("GET", "/api/v1/photos/1x", 400,
		       "'1x' is not a photo id");
	route =
	    expect_route("DELETE", "/api/v1/expected/3", API_EXPECTED_CANCEL);
	assert_int_equal(route.record_id, 3);
	expect_route("GET", "/api/v1/expected/3", API_EXPECTED_GET);
	expect_refusal("GET", "/api/v1/expected/0", 400,
		       "'0' is not an expected return id");
	expect_405("POST", "/api/v1/expected/3", "GET, DELETE");

	route = expect_route_q("GET", "/api/v1/returns",
			       Q("kind=unexpected", "since=2026-11-30"),
			       API_RETURNS_LIST);
	assert_string_equal(route.filter.kind, "unexpected");
	assert_true(route.since.given && route.since.is_day);
	expect_refusal_q("GET", "/api/v1/returns", Q("kind=gift"), 400,
			 "kind must be withdrawal, complaint, shipment or "
			 "unexpected, not 'gift'",
			 "");
	route = expect_route_q("GET", "/api/v1/returns.csv",
			       Q("from=2026-11-01", "to=2026-11-30",
				 "kind=complaint", "status=hold"),
			       API_RETURNS_CSV);
	assert_string_equal(route.filter.verdict, "hold");
	expect_refusal_q("GET", "/api/v1/returns.csv", Q("limit=5"), 400,
			 "unknown parameter 'limit' on GET /api/v1/returns.csv "
			 "(known: from to kind status)",
			 "");

	route = expect_route("GET", "/api/v1/kpi", API_KPI);
	assert_false(route.from.given || route.to.given);
	route = expect_route_q("GET", "/api/v1/kpi",
			       Q("from=2026-01-01", "to=2026-12-31"), API_KPI);
	assert_int_equal(route.to.value - route.from.value, 364);
	/* a leap year's 366 days, no more */
	expect_route_q("GET", "/api/v1/kpi",
		       Q("from=2028-01-01", "to=2028-12-31"), API_KPI);
	expect_refusal_q("GET", "/api/v1/kpi",
			 Q("from=2026-01-01", "to=2027-01-02"), 400,
			 "at most 366 days at once", "");
	expect_refusal_q("GET", "/api/v1/kpi",
			 Q("from=2026-01-02", "to=2026-01-01"), 400,
			 "to is before from", "");
	expect_refusal_q("GET", "/api/v1/kpi", Q("from=2026-01-01T00:00:00Z"),
			 400, "from must be a date YYYY-MM-DD", "");
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
	/* every error has its stable code: the status's, or a finer one */
	assert_string_equal(json_string_value(json_object_get(rp.json, "code")),
			    "conflict");
	api_reply_error_code(&rp, 500, "not_recorded", "x");
	assert_string_equal(json_string_value(json_object_get(rp.json, "code")),
			    "not_recorded");
	/* bytes that are not UTF-8 are said in ASCII, the code kept */
	api_reply_error(&rp, 400, "bad \xff byte");
	assert_string_equal(
	    json_string_value(json_object_get(rp.json, "error")), "bad ? byte");
	assert_string_equal(json_string_value(json_object_get(rp.json, "code")),
			    "bad_request");
	static const unsigned statuses[] = {400, 401, 404, 405,
					    409, 413, 500, 503};
	static const char *const codes[] = {
	    "bad_request", "unauthorized", "not_found", "method_not_allowed",
	    "conflict",	   "too_large",	   "internal",	"unavailable"};
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		assert_string_equal(api_error_code_of(statuses[i]), codes[i]);
	json_decref(rp.json);
}

/* The status and message of @body sent to @method @path; 0 when let
 * through. */
static unsigned body_check(const char *method, const char *path,
			   const char *body, char *msg, size_t size)
{
	struct api_request rq = {.body = (char *)body, .len = strlen(body)};
	struct api_reply rp = {0};
	struct api_route route;
	unsigned status;

	msg[0] = '\0';
	assert_int_equal(api_route_parse(method, path, NULL, &route, &rp), 0);
	if (api_route_body_check(&route, method, path, &rq, &rp) == 0) {
		assert_null(rp.json);
		return 0;
	}
	status = rp.status;
	snprintf(msg, size, "%s",
		 json_string_value(json_object_get(rp.json, "error")));
	json_decref(rp.json);
	return status;
}

static void test_body_fields(void **state)
{
	char msg[256];

	(void)state;
	/* what a route takes goes through; its values are the route's */
	assert_int_equal(body_check("POST", "/api/v1/scan",
				    "{\"code\":\"RMA-1\"}", msg, sizeof(msg)),
			 0);
	assert_int_equal(
	    body_check("POST", "/api/v1/scan", "", msg, sizeof(msg)), 0);
	assert_int_equal(body_check("POST", "/api/v1/confirm",
				    "{\"verdict\":\"accept\",\"reason\":null,"
				    "\"amount_minor\":5}",
				    msg, sizeof(msg)),
			 0);
	assert_int_equal(
	    body_check("POST", "/api/v1/undo", "{\"receipt\":\"7\"}", msg,
		       sizeof(msg)),
	    0); /* an integer field: the route says what it wants */
	/* a field the route does not know, or of the wrong kind */
	assert_int_equal(body_check("POST", "/api/v1/scan",
				    "{\"code\":\"A\",\"codes\":1}", msg,
				    sizeof(msg)),
			 400);
	assert_non_null(strstr(msg, "unknown field 'codes'"));
	assert_int_equal(body_check("POST", "/api/v1/remove", "{\"code\":5}",
				    msg, sizeof(msg)),
			 400);
	assert_string_equal(msg, "field 'code' must be a string");
	assert_int_equal(
	    body_check("POST", "/api/v1/weigh", "[350]", msg, sizeof(msg)),
	    400);
	assert_int_equal(body_check("POST", "/api/v1/weigh",
				    "{\"grams\":350,\"grams\":1}", msg,
				    sizeof(msg)),
			 400);
	/* a route that takes no body: none or {} */
	assert_int_equal(body_check("POST", "/api/v1/buttons/accept", "{}", msg,
				    sizeof(msg)),
			 0);
	assert_int_equal(body_check("POST", "/api/v1/buttons/accept",
				    "{\"x\":1}", msg, sizeof(msg)),
			 400);
	assert_string_equal(msg, "POST /api/v1/buttons/accept takes no body");
	assert_int_equal(
	    body_check("DELETE", "/api/v1/clerk", "null", msg, sizeof(msg)),
	    400);
	/* an import checks its own; a GET's body is not read */
	assert_int_equal(body_check("POST", "/api/v1/expected", "{\"zz\":1}",
				    msg, sizeof(msg)),
			 0);
	assert_int_equal(
	    body_check("GET", "/api/v1/status", "garbage", msg, sizeof(msg)),
	    0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_health_and_metrics),
	    cmocka_unit_test(test_desk_commands),
	    cmocka_unit_test(test_desk_refusals),
	    cmocka_unit_test(test_list_limits),
	    cmocka_unit_test(test_receipt_ids),
	    cmocka_unit_test(test_record_methods),
	    cmocka_unit_test(test_outbox),
	    cmocka_unit_test(test_returns_search),
	    cmocka_unit_test(test_too_many_query_parameters),
	    cmocka_unit_test(test_allowed_methods),
	    cmocka_unit_test(test_screen_records),
	    cmocka_unit_test(test_reply_helpers),
	    cmocka_unit_test(test_body_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
