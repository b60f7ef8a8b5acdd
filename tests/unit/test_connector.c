/* SPDX-License-Identifier: MIT */
/*
 * The connector contract's shared parts: an instance's settings and state,
 * the answer's headers as a connector reads them, and the HTTP client
 * sending any method and keeping a shop's headers within bounds.
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

#include "retour/connector.h"
#include "retour/http.h"

#include "outbox_fixture.h"

static void answer_headers_are_found_in_any_case(void **state)
{
	const struct connector_header h[] = {
	    {"Retry-After", "120"},
	    {"X-Shopify-Shop-Api-Call-Limit", "39/40"},
	    {"retry-after", "7"},
	};
	struct connector_answer a = {
	    .status = 429, .headers = h, .n_headers = 3};

	(void)state;
	assert_string_equal(connector_answer_header(&a, "retry-after"), "120");
	assert_string_equal(
	    connector_answer_header(&a, "x-shopify-shop-api-call-limit"),
	    "39/40");
	assert_null(connector_answer_header(&a, "Location"));
	assert_null(connector_answer_header(NULL, "Location"));
	a.n_headers = 0;
	assert_null(connector_answer_header(&a, "Retry-After"));
}

static void methods_have_their_names(void **state)
{
	char names[256];

	(void)state;
	assert_string_equal(connector_method_name(CONNECTOR_POST), "POST");
	assert_string_equal(connector_method_name(CONNECTOR_GET), "GET");
	assert_string_equal(connector_method_name(CONNECTOR_PUT), "PUT");
	assert_string_equal(connector_method_name(CONNECTOR_PATCH), "PATCH");
	assert_string_equal(connector_method_name(CONNECTOR_DELETE), "DELETE");
	connector_names(names, sizeof(names));
	assert_string_equal(names, "webhook, shopify, baselinker, allegro, woocommerce");
	connector_names(names, 4); /* cut, never overrun */
	assert_true(strlen(names) < 4);
}

static void an_instance_is_freed_when_a_setting_is_refused(void **state)
{
	const struct connector_setting set[] = {
	    {.key = "url", .value = "https://h/"},
	    {.key = "secret_file", .value = "/s", .secret = "raw-secret"},
	    {.key = "shop_domain", .value = "x.myshopify.com"},
	};
	struct connector_instance ci;
	char problem[160];
	int bad = 7;

	(void)state;
	/* Under ASan a leak of the state would show here. */
	assert_int_equal(connector_instance_new(connector_find("webhook"), set,
						3, true, &ci, &bad, problem,
						sizeof(problem)),
			 -EINVAL);
	assert_int_equal(bad, 2);
	assert_null(ci.ops);
	assert_null(strstr(problem, "raw-secret"));
	assert_int_equal(connector_instance_new(connector_find("webhook"), set,
						2, true, &ci, &bad, problem,
						sizeof(problem)),
			 0);
	assert_int_equal(bad, -1);
	connector_instance_free(&ci);
	connector_instance_free(&ci); /* twice is harmless */
}

static void http_sends_each_method(void **state)
{
	static const enum connector_method methods[] = {
	    CONNECTOR_GET, CONNECTOR_POST, CONNECTOR_PUT, CONNECTOR_PATCH,
	    CONNECTOR_DELETE};
	struct fixture *f = *state;
	struct http_client *c;
	struct http_options opt = {.timeout_ms = 3000};
	size_t i;

	assert_int_equal(http_client_new(&opt, &c), 0);
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		struct connector_request req = {.method = methods[i]};
		struct http_response resp;

		snprintf(req.url, sizeof(req.url), "%s", f->url);
		if (methods[i] != CONNECTOR_GET) {
			req.body = strdup("{\"a\":1}");
			req.body_len = 7;
		}
		assert_int_equal(http_client_send(c, &req, &resp), 0);
		assert_int_equal(resp.status, 200);
		http_response_free(&resp);
		connector_request_free(&req);
		assert_int_equal(shop_seen_count(&f->shop), (int)i + 1);
		assert_string_equal(f->shop.seen[i].method,
				    connector_method_name(methods[i]));
		assert_string_equal(f->shop.seen[i].body,
				    methods[i] == CONNECTOR_GET ? ""
								: "{\"a\":1}");
	}
	http_client_free(c);
}

static void http_keeps_a_bounded_number_of_headers(void **state)
{
	struct fixture *f = *state;
	struct connector_request req = {.method = CONNECTOR_GET};
	struct http_options opt = {.timeout_ms = 3000};
	struct connector_answer a;
	struct http_response resp;
	struct http_client *c;

	/* 60 headers of 200 bytes: far beyond both bounds. */
	shop_script(&f->shop, 429, "30", NULL);
	f->shop.script[0].filler_headers = 60;
	snprintf(req.url, sizeof(req.url), "%s", f->url);
	assert_int_equal(http_client_new(&opt, &c), 0);
	assert_int_equal(http_client_send(c, &req, &resp), 0);
	http_response_answer(&resp, &a);
	assert_int_equal(a.status, 429);
	assert_true(a.n_headers > 0 && a.n_headers <= HTTP_HEADERS_MAX);
	assert_true(resp.header_used <= HTTP_HEADER_BYTES);
	/* What was kept is whole: names and values trimmed, NUL-ended. */
	for (int i = 0; i < a.n_headers; i++) {
		assert_null(strchr(a.headers[i].name, ':'));
		assert_null(strchr(a.headers[i].value, '\r'));
		if (!strncmp(a.headers[i].name, "X-Filler-", 9))
			assert_int_equal(strlen(a.headers[i].value), 200);
	}
	/* MHD sends its own headers and Retry-After before the fillers. */
	assert_string_equal(connector_answer_header(&a, "retry-after"), "30");
	http_response_free(&resp);
	http_client_free(c);
}

static void amounts_are_decimal_text_without_floating_point(void **state)
{
	static const struct {
		int64_t minor;
		const char *currency, *text;
	} table[] = {
	    {11297, "PLN", "112.97"},
	    {-5, "EUR", "-0.05"},
	    {500, "JPY", "500"},
	    {1234, "KWD", "1.234"},
	    {0, "pln", "0.00"},
	    {INT64_MIN, "EUR", "-92233720368547758.08"},
	};
	char out[32];
	int64_t back;

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		assert_int_equal(connector_amount_text(table[i].minor,
						       table[i].currency, out,
						       sizeof(out)),
				 0);
		assert_string_equal(out, table[i].text);
		if (table[i].minor == INT64_MIN)
			continue;
		assert_int_equal(
		    connector_amount_parse(out, table[i].currency, &back), 0);
		assert_true(back == table[i].minor);
	}
	assert_int_equal(connector_amount_text(1, "PL", out, sizeof(out)),
			 -EINVAL);
	assert_int_equal(connector_amount_text(11297, "PLN", out, 4), -ENOSPC);
	assert_int_equal(connector_amount_parse("112.9", "PLN", &back), 0);
	assert_true(back == 11290);
	assert_int_equal(connector_amount_parse("112", "PLN", &back), 0);
	assert_true(back == 11200);
	static const char *const bad[] = {"",
					  "-",
					  ".5",
					  "1.",
					  "1.234",
					  "1e3",
					  " 1",
					  "1,00",
					  "--1",
					  "1.2.3",
					  "123456789012345678"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(connector_amount_parse(bad[i], "PLN", &back),
				 -EINVAL);
	assert_int_equal(connector_amount_parse("1.5", "JPY", &back), -EINVAL);
}

static void a_refund_key_names_the_refund_not_the_desk(void **state)
{
	struct expected_return er = {0}, er2;
	struct event_facts f = {0}, g;
	char a[CONNECTOR_REFUND_KEY_LEN], b[CONNECTOR_REFUND_KEY_LEN];

	(void)state;
	snprintf(er.rma, sizeof(er.rma), "RMA-1");
	snprintf(er.order_ref, sizeof(er.order_ref), "1001");
	f.shop = "demo";
	f.station = "desk-1";
	f.receipt = 12;
	f.decided_at = 1;
	f.code = "RMA-1";
	f.expected = &er;
	assert_int_equal(connector_refund_key(&f, "refund", a), 0);
	assert_int_equal(strlen(a), CONNECTOR_REFUND_KEY_LEN - 1);
	assert_memory_equal(a, "rr-", 3);
	/* another desk, receipt and time: the same refund */
	g = f;
	g.station = "desk-2";
	g.receipt = 40;
	g.decided_at = 99;
	assert_int_equal(connector_refund_key(&g, "refund", b), 0);
	assert_string_equal(a, b);
	/* another shop, another action, another RMA: another refund */
	g.shop = "demo2";
	assert_int_equal(connector_refund_key(&g, "refund", b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(connector_refund_key(&f, "delivery", b), 0);
	assert_string_not_equal(a, b);
	er2 = er;
	snprintf(er2.rma, sizeof(er2.rma), "RMA-2");
	g = f;
	g.expected = &er2;
	assert_int_equal(connector_refund_key(&g, "refund", b), 0);
	assert_string_not_equal(a, b);
	/* no RMA: the order and the parcel's tracking number */
	er.rma[0] = er2.rma[0] = '\0';
	er.n_lookup_codes = er2.n_lookup_codes = 1;
	snprintf(er.lookup_codes[0], sizeof(er.lookup_codes[0]), "TRACK-A");
	snprintf(er2.lookup_codes[0], sizeof(er2.lookup_codes[0]), "TRACK-B");
	assert_int_equal(connector_refund_key(&f, "refund", a), 0);
	assert_int_equal(connector_refund_key(&g, "refund", b), 0);
	assert_string_not_equal(a, b);
	f.shop = "";
	assert_int_equal(connector_refund_key(&f, "refund", a), -EINVAL);
}

static void answers_that_are_not_whole_json_are_refused(void **state)
{
	struct connector_answer a = {.status = 200};
	char err[128];
	json_t *j;

	(void)state;
	a.body = "{\"ok\":true}";
	a.body_len = strlen(a.body);
	j = connector_answer_json(&a, 0, err, sizeof(err));
	assert_non_null(j);
	json_decref(j);
	a.body = "{\"ok\":tr";
	a.body_len = strlen(a.body);
	assert_null(connector_answer_json(&a, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "truncated"));
	a.body = "<html>";
	a.body_len = strlen(a.body);
	assert_null(connector_answer_json(&a, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "not JSON"));
	a.body = "{\"a\":1,\"a\":2}";
	a.body_len = strlen(a.body);
	assert_null(connector_answer_json(&a, 0, err, sizeof(err)));
	a.body = "[1]";
	a.body_len = 3;
	assert_null(connector_answer_json(&a, 2, err, sizeof(err)));
	a.body = NULL;
	a.body_len = 0;
	assert_null(connector_answer_json(&a, 0, err, sizeof(err)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(answer_headers_are_found_in_any_case),
	    cmocka_unit_test(methods_have_their_names),
	    cmocka_unit_test(amounts_are_decimal_text_without_floating_point),
	    cmocka_unit_test(a_refund_key_names_the_refund_not_the_desk),
	    cmocka_unit_test(answers_that_are_not_whole_json_are_refused),
	    cmocka_unit_test(an_instance_is_freed_when_a_setting_is_refused),
	    cmocka_unit_test_setup_teardown(http_sends_each_method,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		http_keeps_a_bounded_number_of_headers, fixture_setup,
		fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
