/* SPDX-License-Identifier: MIT */
/*
 * The webhook connector and the sender's pure helpers: Standard Webhooks
 * signature against the published vector, the request a receiver sees, how
 * answers are classified, Retry-After parsing and backoff bounds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "retour/connector.h"
#include "retour/outbox.h"

#define WEBHOOK_TEST_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

/* The webhook connector's answer to a bare status and body. */
static enum connector_result webhook_test_classify(long status,
						   const char *body, size_t len,
						   char *ref, size_t reflen,
						   char *err, size_t errlen)
{
	const struct connector *c = connector_find("webhook");
	struct connector_answer a = {
	    .status = status, .body = body, .body_len = len};

	return c->classify(NULL, NULL, &a, ref, reflen, err, errlen);
}

/* A webhook instance set up as the station would (secrets read). */
static int webhook_test_instance(const char *url, const char *secret,
				 struct connector_instance *ci, char *err,
				 size_t errlen)
{
	struct connector_setting set[] = {
	    {.key = "url", .value = url},
	    {.key = "secret_file", .value = "/run/x", .secret = secret},
	};
	int bad;

	return connector_instance_new(connector_find("webhook"), set, 2, true,
				      ci, &bad, err, errlen);
}

static const char *webhook_test_header(const struct connector_request *req,
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

static void webhook_signature_matches_published_vector(void **state)
{
	const char *body = "{\"test\": 2432232314}";
	char sig[64];

	assert_int_equal(
	    webhook_sign(WEBHOOK_TEST_SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek",
			 1614265330, body, strlen(body), sig, sizeof(sig)),
	    0);
	assert_string_equal(sig,
			    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

static void webhook_signature_depends_on_every_part(void **state)
{
	const char *body = "{\"test\": 2432232314}";
	char ref[64], sig[64];

	assert_int_equal(webhook_sign(WEBHOOK_TEST_SECRET, "msg_1", 100, body,
				      strlen(body), ref, sizeof(ref)),
			 0);
	assert_int_equal(webhook_sign(WEBHOOK_TEST_SECRET, "msg_2", 100, body,
				      strlen(body), sig, sizeof(sig)),
			 0);
	assert_string_not_equal(ref, sig);
	assert_int_equal(webhook_sign(WEBHOOK_TEST_SECRET, "msg_1", 101, body,
				      strlen(body), sig, sizeof(sig)),
			 0);
	assert_string_not_equal(ref, sig);
	assert_int_equal(webhook_sign(WEBHOOK_TEST_SECRET, "msg_1", 100, body,
				      strlen(body) - 1, sig, sizeof(sig)),
			 0);
	assert_string_not_equal(ref, sig);
	/* A raw secret is used as its bytes, not decoded. */
	assert_int_equal(webhook_sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				      "msg_1", 100, body, strlen(body), sig,
				      sizeof(sig)),
			 0);
	assert_string_not_equal(ref, sig);
}

static void webhook_secret_must_be_base64_after_prefix(void **state)
{
	char sig[64];

	assert_int_equal(
	    webhook_sign("whsec_", "m", 1, "{}", 2, sig, sizeof(sig)), -EINVAL);
	assert_int_equal(
	    webhook_sign("whsec_abc!def", "m", 1, "{}", 2, sig, sizeof(sig)),
	    -EINVAL);
	assert_int_equal(
	    webhook_sign("whsec_a", "m", 1, "{}", 2, sig, sizeof(sig)),
	    -EINVAL);
	assert_int_equal(webhook_sign("", "m", 1, "{}", 2, sig, sizeof(sig)),
			 -EINVAL);
	assert_int_equal(webhook_sign(NULL, "m", 1, "{}", 2, sig, sizeof(sig)),
			 -EINVAL);
	/* Padding may be left out: "YWJjZA" and "YWJjZA==" are "abcd". */
	{
		char a[64], b[64], c[64];

		assert_int_equal(
		    webhook_sign("whsec_YWJjZA", "m", 1, "{}", 2, a, sizeof(a)),
		    0);
		assert_int_equal(webhook_sign("whsec_YWJjZA==", "m", 1, "{}", 2,
					      b, sizeof(b)),
				 0);
		assert_int_equal(
		    webhook_sign("abcd", "m", 1, "{}", 2, c, sizeof(c)), 0);
		assert_string_equal(a, b);
		assert_string_equal(a, c);
	}
	assert_int_equal(
	    webhook_sign(WEBHOOK_TEST_SECRET, "m", 1, "{}", 2, sig, 10),
	    -ENOSPC);
}

static void webhook_request_carries_standard_headers(void **state)
{
	const struct connector *c = connector_find("webhook");
	struct connector_instance ci;
	char payload[] = "{\"refund_minor\":1999,\"currency\":\"PLN\"}";
	struct connector_message m = {
	    .action = "refund.requested",
	    .key = "r42:refund.requested",
	    .attempts = 2,
	    .body = payload,
	    .body_len = sizeof(payload) - 1,
	};
	struct connector_request req;
	char err[128] = "", sig[64];

	assert_non_null(c);
	assert_int_equal(webhook_test_instance("https://shop.example/hooks/"
					       "retour",
					       WEBHOOK_TEST_SECRET, &ci, err,
					       sizeof(err)),
			 0);
	assert_int_equal(
	    c->build(ci.state, &m, 1700000000123456LL, &req, err, sizeof(err)),
	    0);
	assert_int_equal(req.method, CONNECTOR_POST);
	assert_string_equal(req.url, "https://shop.example/hooks/retour");
	assert_int_equal(req.body_len, strlen(payload));
	assert_memory_equal(req.body, payload, req.body_len);
	assert_string_equal(webhook_test_header(&req, "Content-Type"),
			    "application/json");
	assert_string_equal(webhook_test_header(&req, "User-Agent"),
			    "retour/0.1");
	assert_string_equal(webhook_test_header(&req, "webhook-id"),
			    "r42:refund.requested");
	assert_string_equal(webhook_test_header(&req, "Idempotency-Key"),
			    "r42:refund.requested");
	assert_string_equal(webhook_test_header(&req, "webhook-timestamp"),
			    "1700000000");
	assert_int_equal(webhook_sign(WEBHOOK_TEST_SECRET, m.key, 1700000000,
				      payload, strlen(payload), sig,
				      sizeof(sig)),
			 0);
	assert_string_equal(webhook_test_header(&req, "webhook-signature"),
			    sig);
	/* No header may carry the secret. */
	for (int i = 0; i < req.n_headers; i++)
		assert_null(strstr(req.headers[i], "MfKQ9r8GKYqrTwjU"));
	connector_request_free(&req);
	assert_null(req.body);
	assert_int_equal(req.n_headers, 0);
	connector_instance_free(&ci);
}

static void webhook_refuses_what_cannot_be_sent(void **state)
{
	const struct connector *c = connector_find("webhook");
	struct connector_instance ci;
	char payload[] = "{}";
	struct connector_message m = {.body = payload, .body_len = 2};
	struct connector_request req;
	char err[128];

	assert_int_equal(webhook_test_instance("https://shop.example/h",
					       WEBHOOK_TEST_SECRET, &ci, err,
					       sizeof(err)),
			 0);
	m.key = "k1\r\nX-Evil: 1";
	err[0] = '\0';
	assert_int_equal(c->build(ci.state, &m, 0, &req, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "idempotency key"));
	assert_null(req.body);

	m.key = "k1";
	m.body = NULL;
	assert_int_equal(c->build(ci.state, &m, 0, &req, err, sizeof(err)),
			 -EINVAL);
	connector_instance_free(&ci);

	assert_int_equal(webhook_test_instance("ftp://shop.example/h",
					       WEBHOOK_TEST_SECRET, &ci, err,
					       sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "url"));
	assert_int_equal(webhook_test_instance("https://shop.example/a b",
					       WEBHOOK_TEST_SECRET, &ci, err,
					       sizeof(err)),
			 -EINVAL);
	assert_int_equal(webhook_test_instance("https://shop.example/h",
					       "whsec_***", &ci, err,
					       sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "secret"));
	/* The error names the problem, never the secret's text. */
	assert_null(strstr(err, "***"));
	assert_int_equal(webhook_test_instance("https://shop.example/h", NULL,
					       &ci, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "secret"));
	assert_int_equal(webhook_test_instance("http://127.0.0.1:8080/h",
					       WEBHOOK_TEST_SECRET, &ci, err,
					       sizeof(err)),
			 0);
	connector_instance_free(&ci);
}

static void webhook_settings_are_checked_one_by_one(void **state)
{
	const struct connector *c = connector_find("webhook");
	struct connector_setting set[] = {
	    {.key = "url", .value = "https://shop.example/h"},
	    {.key = "secret_file", .value = "/run/credentials/x"},
	    {.key = "api_version", .value = "2024-07"},
	};
	struct connector_instance ci;
	char err[160];
	int bad;

	/* As retourd -n sees them: the secret's file named, not read. */
	assert_int_equal(connector_instance_new(c, set, 2, false, &ci, &bad,
						err, sizeof(err)),
			 0);
	connector_instance_free(&ci);
	/* A key the webhook does not know is pointed at. */
	assert_int_equal(connector_instance_new(c, set, 3, false, &ci, &bad,
						err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(err, "api_version"));
	/* Without a secret file the whole is refused, no key to blame. */
	assert_int_equal(connector_instance_new(c, set, 1, false, &ci, &bad,
						err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(bad, -1);
	assert_non_null(strstr(err, "secret_file"));
}

static void webhook_classifies_answers(void **state)
{
	static const struct {
		long status;
		enum connector_result want;
	} table[] = {
	    {200, CONNECTOR_DONE},  {201, CONNECTOR_DONE},
	    {202, CONNECTOR_DONE},  {204, CONNECTOR_DONE},
	    {408, CONNECTOR_RETRY}, {425, CONNECTOR_RETRY},
	    {429, CONNECTOR_RETRY}, {500, CONNECTOR_RETRY},
	    {502, CONNECTOR_RETRY}, {503, CONNECTOR_RETRY},
	    {504, CONNECTOR_RETRY}, {599, CONNECTOR_RETRY},
	    {400, CONNECTOR_FATAL}, {401, CONNECTOR_FATAL},
	    {403, CONNECTOR_FATAL}, {404, CONNECTOR_FATAL},
	    {409, CONNECTOR_FATAL}, {410, CONNECTOR_FATAL},
	    {422, CONNECTOR_FATAL}, {301, CONNECTOR_FATAL},
	    {302, CONNECTOR_FATAL}, {307, CONNECTOR_FATAL},
	};
	char ref[64], err[128];
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		char want[16];

		err[0] = 'x';
		assert_int_equal(webhook_test_classify(table[i].status, "", 0,
						       ref, sizeof(ref), err,
						       sizeof(err)),
				 table[i].want);
		if (table[i].want == CONNECTOR_DONE)
			continue;
		snprintf(want, sizeof(want), "%ld", table[i].status);
		assert_non_null(strstr(err, want));
	}
}

static void webhook_keeps_the_shops_reference(void **state)
{
	char ref[64], err[128];
	const char *body;

	body = "{\"id\":\"re_3Nx\",\"status\":\"pending\"}";
	assert_int_equal(webhook_test_classify(201, body, strlen(body), ref,
					       sizeof(ref), err, sizeof(err)),
			 CONNECTOR_DONE);
	assert_string_equal(ref, "re_3Nx");

	body = "{\"refund_id\": 90210}";
	assert_int_equal(webhook_test_classify(200, body, strlen(body), ref,
					       sizeof(ref), err, sizeof(err)),
			 CONNECTOR_DONE);
	assert_string_equal(ref, "90210");

	/* A receiver that says OK in plain text has still got it. */
	body = "OK, thanks";
	assert_int_equal(webhook_test_classify(200, body, strlen(body), ref,
					       sizeof(ref), err, sizeof(err)),
			 CONNECTOR_DONE);
	assert_string_equal(ref, "");

	body = "[1,2]";
	assert_int_equal(webhook_test_classify(200, body, strlen(body), ref,
					       sizeof(ref), err, sizeof(err)),
			 CONNECTOR_DONE);
	assert_string_equal(ref, "");

	/* A hostile reference is cut and made printable. */
	body = "{\"id\":\"a\\nb\\u0001cccccccccccccccccccccccccccccccccccccccc"
	       "cccccccccccccccccccccccccccccccccccccc\"}";
	assert_int_equal(webhook_test_classify(200, body, strlen(body), ref, 16,
					       err, sizeof(err)),
			 CONNECTOR_DONE);
	assert_int_equal(strlen(ref), 15);
	assert_null(strchr(ref, '\n'));
	assert_memory_equal(ref, "a b?", 4);

	/* Truncated JSON (the body cap) is no crash and no reference. */
	body = "{\"id\":\"re_";
	assert_int_equal(webhook_test_classify(200, body, strlen(body), ref,
					       sizeof(ref), err, sizeof(err)),
			 CONNECTOR_DONE);
	assert_string_equal(ref, "");
}

static void webhook_error_text_is_short_and_printable(void **state)
{
	char ref[64], err[96];
	const char *body = "{\n  \"error\": \"amount exceeds order total\"\r\n}"
			   "\x01\xff";

	assert_int_equal(webhook_test_classify(422, body, strlen(body), ref,
					       sizeof(ref), err, sizeof(err)),
			 CONNECTOR_FATAL);
	assert_non_null(strstr(err, "422"));
	assert_non_null(strstr(err, "amount exceeds order total"));
	for (size_t i = 0; err[i]; i++)
		assert_true(err[i] >= 0x20 && err[i] < 0x7f);
	assert_true(strlen(err) < sizeof(err));
}

static void connector_find_by_name(void **state)
{
	assert_non_null(connector_find("webhook"));
	assert_string_equal(connector_find("webhook")->name, "webhook");
	assert_null(connector_find("no-such-shop"));
	assert_null(connector_find(""));
	assert_null(connector_find(NULL));
}

#define SEC INT64_C(1000000)

static void retry_after_delta_seconds(void **state)
{
	int64_t d = -1;

	assert_int_equal(outbox_parse_retry_after("1", 0, &d), 0);
	assert_int_equal(d, 1 * SEC);
	assert_int_equal(outbox_parse_retry_after(" 120 ", 0, &d), 0);
	assert_int_equal(d, 120 * SEC);
	assert_int_equal(outbox_parse_retry_after("0", 0, &d), 0);
	assert_int_equal(d, 0);
	/* Huge values are capped at an hour, not wrapped around. */
	assert_int_equal(outbox_parse_retry_after("86400", 0, &d), 0);
	assert_int_equal(d, 3600 * SEC);
	assert_int_equal(
	    outbox_parse_retry_after("99999999999999999999999999999999", 0, &d),
	    0);
	assert_int_equal(d, 3600 * SEC);
}

static void retry_after_http_date(void **state)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT is 784111777 s after the epoch. */
	int64_t at = INT64_C(784111777) * SEC, d = -1;

	assert_int_equal(
	    outbox_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
				     at - 30 * SEC, &d),
	    0);
	assert_int_equal(d, 30 * SEC);
	/* In the past: go now. */
	assert_int_equal(outbox_parse_retry_after(
			     "Sun, 06 Nov 1994 08:49:37 GMT", at + 5 * SEC, &d),
			 0);
	assert_int_equal(d, 0);
	/* Far ahead: capped. */
	assert_int_equal(
	    outbox_parse_retry_after("Wed, 01 Jan 2100 00:00:00 GMT", at, &d),
	    0);
	assert_int_equal(d, 3600 * SEC);
	/* Leap day and end of year. */
	assert_int_equal(
	    outbox_parse_retry_after("Thu, 29 Feb 2024 12:00:00 GMT",
				     INT64_C(1709208000) * SEC - SEC, &d),
	    0);
	assert_int_equal(d, SEC);
	assert_int_equal(
	    outbox_parse_retry_after("Thu, 31 Dec 2020 23:59:59 GMT",
				     INT64_C(1609459199) * SEC - 2 * SEC, &d),
	    0);
	assert_int_equal(d, 2 * SEC);
}

static void retry_after_refuses_garbage(void **state)
{
	static const char *const bad[] = {
	    "",
	    "   ",
	    "-5",
	    "+5",
	    "1.5",
	    "5s",
	    "soon",
	    "0x10",
	    "Sunday, 06-Nov-94 08:49:37 GMT",
	    "Sun Nov  6 08:49:37 1994",
	    "Sun, 06 Nov 1994 08:49:37 UTC",
	    "Sun, 32 Nov 1994 08:49:37 GMT",
	    "Sun, 31 Feb 1994 08:49:37 GMT",
	    "Sun, 06 Foo 1994 08:49:37 GMT",
	    "Sun, 06 Nov 1994 24:49:37 GMT",
	    "Sun, 06 Nov 1994 08:49:37 GMTX",
	    "Sun, 0a Nov 1994 08:49:37 GMT",
	    "Sun, 06 Nov 1994 08:49:37 GM",
	    "1 2",
	};
	int64_t d = 42;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(outbox_parse_retry_after(bad[i], 0, &d),
				 -EINVAL);
		assert_int_equal(d, 42);
	}
	assert_int_equal(outbox_parse_retry_after(NULL, 0, &d), -EINVAL);
}

static void backoff_grows_and_stays_bounded(void **state)
{
	const uint32_t top = UINT32_MAX;
	int a;

	/* Full jitter: anything from 0 to the cap. */
	assert_int_equal(outbox_backoff_us(0, 1000, 600000, 0), 0);
	assert_int_equal(outbox_backoff_us(0, 1000, 600000, top), 1 * SEC);
	assert_int_equal(outbox_backoff_us(1, 1000, 600000, top), 2 * SEC);
	assert_int_equal(outbox_backoff_us(3, 1000, 600000, top), 8 * SEC);
	assert_int_equal(outbox_backoff_us(9, 1000, 600000, top), 512 * SEC);
	assert_int_equal(outbox_backoff_us(10, 1000, 600000, top), 600 * SEC);
	assert_int_equal(outbox_backoff_us(1000000, 1000, 600000, top),
			 600 * SEC);
	assert_int_equal(outbox_backoff_us(-3, 1000, 600000, top), 1 * SEC);
	/* Half the draw is about half the cap. */
	{
		int64_t half = outbox_backoff_us(3, 1000, 600000, top / 2);

		assert_true(half >= 4 * SEC - 1 && half <= 4 * SEC);
	}
	for (a = 0; a < 64; a++) {
		int64_t v = outbox_backoff_us(a, 1000, 600000, 0x9e3779b9u);

		assert_true(v >= 0 && v <= 600 * SEC);
	}
	/* Defaults: 1 s base, 10 min cap. */
	assert_int_equal(outbox_backoff_us(0, 0, 0, top), 1 * SEC);
	assert_int_equal(outbox_backoff_us(30, -1, -1, top), 600 * SEC);
	/* A large configured cap does not overflow. */
	assert_int_equal(outbox_backoff_us(40, 1000, INT32_MAX, top),
			 (int64_t)INT32_MAX * 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(webhook_signature_matches_published_vector),
	    cmocka_unit_test(webhook_signature_depends_on_every_part),
	    cmocka_unit_test(webhook_secret_must_be_base64_after_prefix),
	    cmocka_unit_test(webhook_request_carries_standard_headers),
	    cmocka_unit_test(webhook_refuses_what_cannot_be_sent),
	    cmocka_unit_test(webhook_settings_are_checked_one_by_one),
	    cmocka_unit_test(webhook_classifies_answers),
	    cmocka_unit_test(webhook_keeps_the_shops_reference),
	    cmocka_unit_test(webhook_error_text_is_short_and_printable),
	    cmocka_unit_test(connector_find_by_name),
	    cmocka_unit_test(retry_after_delta_seconds),
	    cmocka_unit_test(retry_after_http_date),
	    cmocka_unit_test(retry_after_refuses_garbage),
	    cmocka_unit_test(backoff_grows_and_stays_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
