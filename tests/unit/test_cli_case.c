/* SPDX-License-Identifier: MIT */
/*
 * Rules cases for `retourctl rules check`: a case file becomes the inputs
 * the rules engine is run with, a bad one is refused naming the field, and
 * money is printed the way a clerk reads it.
 *
 * Links src/cli/cli_case.c explicitly (src/cli is not in the shared
 * library).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/cli/cli_case.h"
#include "retour/civil_time.h"

static const char test_case_text[] =
    "{\"expected\": {\"rma\":\"RMA-10001\",\"order\":\"1001\","
    "\"kind\":\"withdrawal\",\"currency\":\"PLN\","
    "\"delivered_at\":\"2026-11-10T12:00:00Z\",\"requested_at\":null,"
    "\"delivery_basic\":1299,"
    "\"order_lines\":[{\"sku\":\"TSHIRT-M\",\"quantity\":2}],"
    "\"items\":[{\"sku\":\"TSHIRT-M\","
    "\"gtin\":\"05901234123457\",\"name\":\"T-shirt M\","
    "\"category\":\"apparel\",\"quantity\":2,\"unit_price\":4999,"
    "\"weight_g\":200,\"personalised\":false,\"made_to_order\":false,"
    "\"perishable\":false,\"sealed_hygiene\":false}]},"
    " \"found\": {\"weighed\":true,\"weight_g\":420,\"photographed\":true,"
    "\"wrong_item\":false,\"items\":[{\"quantity\":2,\"gtin_matched\":true,"
    "\"seal_broken\":false,\"buyer_damage\":false,\"defect\":false,"
    "\"handled_beyond_trial\":false,\"grade\":\"A\"}]},"
    " \"policy\": {\"withdrawal_days\":30,\"complaint_answer_days\":14,"
    "\"warranty_months\":24,\"weight_tolerance_g\":50,"
    "\"weight_tolerance_pct\":10,\"deduction_bp\":{\"A\":0,\"B\":1500,"
    "\"C\":3000,\"scrap\":10000},\"refund_basic_delivery\":true,"
    "\"utc_offset_min\":60,\"eu_summer_time\":true},"
    " \"now\":\"2026-11-20T10:00:00Z\"}";

static json_t *test_load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (!j)
		fail_msg("test JSON does not parse: %s", jerr.text);
	return j;
}

static int64_t test_time(const char *rfc3339)
{
	int64_t us = 0;

	assert_int_equal(civil_time_parse_rfc3339(rfc3339, &us), 0);
	return us;
}

/* The case above with one substitution must be refused naming @want. */
static void test_refused_edit(const char *from, const char *to,
			      const char *want)
{
	char text[4096], err[256];
	const char *at = strstr(test_case_text, from);
	struct cli_case *c = calloc(1, sizeof(*c));
	json_t *j;
	int r;

	assert_non_null(at);
	assert_non_null(c);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - test_case_text),
		 test_case_text, to, at + strlen(from));
	j = test_load(text);
	r = cli_case_parse(j, c, err, sizeof(err));
	json_decref(j);
	free(c);
	if (r != -EINVAL || !strstr(err, want))
		fail_msg("edit %s -> %s: got r=%d \"%s\", wanted \"%s\"", from,
			 to, r, err, want);
}

static void test_case_parses_every_input(void **state)
{
	struct cli_case *c = calloc(1, sizeof(*c));
	char err[256];
	json_t *j = test_load(test_case_text);

	assert_non_null(c);
	assert_int_equal(cli_case_parse(j, c, err, sizeof(err)), 0);
	json_decref(j);
	assert_string_equal(c->expected.rma, "RMA-10001");
	assert_true(c->expected.delivery_basic_minor == 1299);
	assert_true(c->expected.items[0].unit_price_minor == 4999);
	assert_int_equal(c->policy.withdrawal_days, 30);
	assert_int_equal(c->policy.deduction_bp[GRADE_B], 1500);
	assert_int_equal(c->policy.deduction_bp[GRADE_C], 3000);
	assert_true(c->now == test_time("2026-11-20T10:00:00Z"));
	assert_true(c->found.received_at == c->now);
	assert_true(c->found.weighed);
	assert_int_equal(c->found.weight_g, 420);
	assert_true(c->found.photographed);
	assert_int_equal(c->found.n_items, 1);
	assert_int_equal(c->found.items[0].quantity, 2);
	assert_true(c->found.items[0].gtin_matched);
	assert_int_equal(c->found.items[0].grade, GRADE_A);
	free(c);
}

static void test_case_runs_through_rules(void **state)
{
	struct cli_case *c = calloc(1, sizeof(*c));
	struct proposal *p = calloc(1, sizeof(*p));
	char err[256];
	json_t *j = test_load(test_case_text), *out;

	assert_non_null(c);
	assert_non_null(p);
	assert_int_equal(cli_case_parse(j, c, err, sizeof(err)), 0);
	json_decref(j);
	assert_int_equal(
	    rules_propose(&c->expected, &c->found, &c->policy, c->now, p), 0);
	/* Two T-shirts and the basic delivery: 2 * 49.99 + 12.99. */
	assert_int_equal(p->verdict, VERDICT_ACCEPT);
	assert_true(p->refund_minor == 11297);

	out = cli_case_proposal_json(p, &c->expected);
	assert_non_null(out);
	assert_string_equal(json_string_value(json_object_get(out, "verdict")),
			    "accept");
	assert_true(json_integer_value(json_object_get(out, "refund_minor")) ==
		    11297);
	assert_string_equal(json_string_value(json_object_get(out, "currency")),
			    "PLN");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(out, "reasons"), 0), "code")),
	    reason_code_name(p->reasons[0].code));
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(out, "items"), 0),
		"disposition")),
	    "restock");
	/* 30-day window from 10 Nov ends on 10 Dec, local (CET) midnight. */
	assert_string_equal(
	    json_string_value(json_object_get(out, "window_ends_at")),
	    "2026-12-10T22:59:59.999999Z");
	assert_true(json_is_null(json_object_get(out, "answer_due_at")));
	json_decref(out);
	free(c);
	free(p);
}

static void test_case_defaults(void **state)
{
	struct cli_case *c = calloc(1, sizeof(*c));
	struct rules_policy def;
	char err[256];
	json_t *j = test_load(
	    "{\"expected\":{\"rma\":\"R\",\"currency\":\"PLN\","
	    "\"delivered_at\":\"2026-11-10\",\"items\":[{\"sku\":\"X\","
	    "\"quantity\":1,\"unit_price\":100}]},"
	    "\"found\":{\"items\":[{\"quantity\":1}]},"
	    "\"now\":\"2026-11-12\"}");

	assert_non_null(c);
	assert_int_equal(cli_case_parse(j, c, err, sizeof(err)), 0);
	json_decref(j);
	rules_policy_defaults(&def);
	assert_memory_equal(&c->policy, &def, sizeof(def));
	assert_false(c->found.weighed); /* no weight given: skipped */
	assert_false(c->found.photographed);
	assert_true(c->found.items[0].gtin_matched);
	assert_int_equal(c->found.items[0].grade, GRADE_NONE);
	/* Bare dates are local midnight (CET). */
	assert_true(c->expected.delivered_at ==
		    test_time("2026-11-09T23:00:00Z"));
	assert_true(c->now == test_time("2026-11-11T23:00:00Z"));
	free(c);
}

static void test_bad_cases_name_the_field(void **state)
{
	test_refused_edit("\"quantity\":2,\"unit_price\"",
			  "\"quantity\":\"2\",\"unit_price\"",
			  "expected.items[0].quantity: expected an integer");
	test_refused_edit("\"grade\":\"A\"", "\"grade\":\"D\"",
			  "found.items[0].grade: \"D\" is not A, B, C");
	test_refused_edit("\"grade\":\"A\"", "\"grade\":1",
			  "found.items[0].grade: expected");
	test_refused_edit("\"quantity\":2,\"gtin_matched\"", "\"gtin_matched\"",
			  "found.items[0].quantity: missing");
	test_refused_edit("\"defect\":false", "\"defect\":\"no\"",
			  "found.items[0].defect: expected true or false");
	test_refused_edit("\"weighed\":true", "\"weighed\":true,\"scale\":1",
			  "found.scale: unknown field");
	test_refused_edit("\"B\":1500", "\"B\":1500,\"D\":1",
			  "policy.deduction_bp.D: unknown field");
	test_refused_edit("\"C\":3000", "\"C\":30000",
			  "policy.deduction_bp.C: 30000 is out of range");
	test_refused_edit("\"withdrawal_days\":30", "\"withdrawal_days\":30.5",
			  "policy.withdrawal_days: expected an integer");
	test_refused_edit("\"eu_summer_time\":true", "\"eu_summer_time\":1",
			  "policy.eu_summer_time: expected true or false");
	test_refused_edit(" \"now\":\"2026-11-20T10:00:00Z\"",
			  " \"then\":\"2026-11-20T10:00:00Z\"",
			  "then: unknown field");
	test_refused_edit("\"now\":\"2026-11-20T10:00:00Z\"",
			  "\"now\":\"soon\"", "now: \"soon\" is not");
	test_refused_edit("\"currency\":\"PLN\"", "\"currency\":\"zł\"",
			  "expected.currency");
	/* "comment" takes anything: it keeps the rest of the text valid. */
	test_refused_edit("\"found\": {", "\"found\": 3, \"comment\": {",
			  "found: expected an object, got an integer");
}

static void test_bad_json_file_gives_line_and_column(void **state)
{
	char path[] = "/tmp/test_cli_case_XXXXXX";
	struct cli_case *c = calloc(1, sizeof(*c));
	char err[320];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_non_null(c);
	assert_int_equal(write(fd, "{\n  \"now\": ,\n}\n", 15), 15);
	close(fd);
	assert_int_equal(cli_case_load(path, c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ":2:"));
	unlink(path);

	assert_int_equal(
	    cli_case_load("/nonexistent/case.json", c, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "/nonexistent/case.json"));
	free(c);
}

static void test_money_formatting(void **state)
{
	char buf[48];

	cli_case_format_money(11297, "PLN", buf, sizeof(buf));
	assert_string_equal(buf, "112.97 PLN");
	cli_case_format_money(5, "EUR", buf, sizeof(buf));
	assert_string_equal(buf, "0.05 EUR");
	cli_case_format_money(-1299, "PLN", buf, sizeof(buf));
	assert_string_equal(buf, "-12.99 PLN");
	cli_case_format_money(500, "JPY", buf, sizeof(buf));
	assert_string_equal(buf, "500 JPY");
	cli_case_format_money(1234, "KWD", buf, sizeof(buf));
	assert_string_equal(buf, "1.234 KWD");
	cli_case_format_money(INT64_MIN, "PLN", buf, sizeof(buf));
	assert_string_equal(buf, "-92233720368547758.08 PLN");
	assert_int_equal(cli_case_format_money(11297, "PLN", buf, 5), -ENOSPC);
	/* no currency from the daemon: the number still shows */
	cli_case_format_money(1299, "", buf, sizeof(buf));
	assert_string_equal(buf, "1299 (minor units)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_case_parses_every_input),
	    cmocka_unit_test(test_case_runs_through_rules),
	    cmocka_unit_test(test_case_defaults),
	    cmocka_unit_test(test_bad_cases_name_the_field),
	    cmocka_unit_test(test_bad_json_file_gives_line_and_column),
	    cmocka_unit_test(test_money_formatting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
