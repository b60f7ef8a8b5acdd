/* SPDX-License-Identifier: MIT */
/*
 * The domain's shared pieces: the one weight tolerance (rules and ship-QC
 * both use it, so its edges are pinned here), the one money format for every
 * ISO 4217 exponent the station knows, and the weight sum of a return.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retour/returns.h"

static void test_tolerance_larger_of_grams_and_percent(void **state)
{
	/* 10 % of 400 g is 40 g: the 50 g floor wins */
	assert_int_equal(weight_tolerance_for(400, 50, 10), 50);
	/* 10 % of 2000 g is 200 g */
	assert_int_equal(weight_tolerance_for(2000, 50, 10), 200);
	/* rounded down: 10 % of 1999 g is 199.9 g */
	assert_int_equal(weight_tolerance_for(1999, 0, 10), 199);
	/* 1 % of 199 g: the split (199 / 100, 199 % 100) adds up */
	assert_int_equal(weight_tolerance_for(199, 0, 1), 1);
	assert_int_equal(weight_tolerance_for(0, 50, 10), 50);
	assert_int_equal(weight_tolerance_for(0, 0, 0), 0);
	/* negative tolerances count as none */
	assert_int_equal(weight_tolerance_for(2000, -5, -10), 0);
	assert_int_equal(weight_tolerance_for(2000, INT32_MIN, INT32_MIN), 0);
	assert_int_equal(weight_tolerance_for(-1, 50, 10), -ERANGE);
	assert_int_equal(weight_tolerance_for(INT64_MIN, 50, 10), -ERANGE);
}

static void test_tolerance_at_int_extremes(void **state)
{
	/* the largest grams-only tolerance, on any expectation */
	assert_int_equal(weight_tolerance_for(0, INT32_MAX, 0), INT32_MAX);
	assert_int_equal(weight_tolerance_for(INT64_MAX, INT32_MAX, 0),
			 INT32_MAX);
	/* 100 % of the largest expectation fits */
	assert_int_equal(weight_tolerance_for(INT64_MAX, 0, 100),
			 INT64_MAX / 100 * 100 + INT64_MAX % 100);
	/* more than 100 % of it does not: refused, not wrapped */
	assert_int_equal(weight_tolerance_for(INT64_MAX, 0, 101), -ERANGE);
	assert_int_equal(weight_tolerance_for(INT64_MAX, 0, INT32_MAX),
			 -ERANGE);
	/* a large percentage of a small weight is fine */
	assert_int_equal(weight_tolerance_for(1000, 0, INT32_MAX),
			 (int64_t)10 * INT32_MAX);
}

static void test_within_tolerance_edges(void **state)
{
	/* exactly at the edge is inside, one gram past is not */
	assert_true(weight_within_tolerance(400, 450, 50, 10));
	assert_true(weight_within_tolerance(400, 350, 50, 10));
	assert_false(weight_within_tolerance(400, 451, 50, 10));
	assert_false(weight_within_tolerance(400, 349, 50, 10));
	assert_true(weight_within_tolerance(2000, 2200, 50, 10));
	assert_false(weight_within_tolerance(2000, 2201, 50, 10));
	/* ship-QC: grams only */
	assert_true(weight_within_tolerance(2000, 2050, 50, 0));
	assert_false(weight_within_tolerance(2000, 2051, 50, 0));
	/* no tolerance at all: only the exact weight */
	assert_true(weight_within_tolerance(400, 400, 0, 0));
	assert_false(weight_within_tolerance(400, 401, 0, 0));
	assert_false(weight_within_tolerance(400, 399, 0, 0));
	/* an empty box */
	assert_true(weight_within_tolerance(0, 0, 0, 0));
	assert_true(weight_within_tolerance(0, 50, 50, 10));
	assert_false(weight_within_tolerance(0, 51, 50, 10));
}

static void test_within_tolerance_refuses_nonsense(void **state)
{
	/* negative weights are a fault somewhere, never a pass */
	assert_false(weight_within_tolerance(400, -1, 50, 10));
	assert_false(weight_within_tolerance(-1, 0, 50, 10));
	assert_false(weight_within_tolerance(INT64_MIN, INT32_MIN, INT32_MAX,
					     INT32_MAX));
	assert_false(weight_within_tolerance(0, INT32_MIN, INT32_MAX, 0));
	/* an absurd expectation: far from any real reading */
	assert_false(weight_within_tolerance(INT64_MAX, 0, 50, 10));
	assert_false(weight_within_tolerance(INT64_MAX, INT32_MAX, 50, 10));
	/* a tolerance that would overflow is held for a person, not passed */
	assert_false(weight_within_tolerance(INT64_MAX, 0, 0, 101));
	/* the largest reading against the largest grams tolerance */
	assert_true(weight_within_tolerance(0, INT32_MAX, INT32_MAX, 0));
	assert_false(weight_within_tolerance(0, INT32_MAX, INT32_MAX - 1, 0));
	/* 100 % of a huge expectation covers an empty scale */
	assert_true(weight_within_tolerance(INT64_MAX, 0, 0, 100));
}

static void test_money_every_listed_exponent(void **state)
{
	/* Every ISO 4217 minor unit that is not 2, and a few that are. */
	static const struct {
		const char *currency;
		int exponent;
		const char *text; /* of 1234567 minor units */
	} cases[] = {
	    {"BIF", 0, "1234567 BIF"},	{"CLP", 0, "1234567 CLP"},
	    {"DJF", 0, "1234567 DJF"},	{"GNF", 0, "1234567 GNF"},
	    {"ISK", 0, "1234567 ISK"},	{"JPY", 0, "1234567 JPY"},
	    {"KMF", 0, "1234567 KMF"},	{"KRW", 0, "1234567 KRW"},
	    {"PYG", 0, "1234567 PYG"},	{"RWF", 0, "1234567 RWF"},
	    {"UGX", 0, "1234567 UGX"},	{"UYI", 0, "1234567 UYI"},
	    {"VND", 0, "1234567 VND"},	{"VUV", 0, "1234567 VUV"},
	    {"XAF", 0, "1234567 XAF"},	{"XOF", 0, "1234567 XOF"},
	    {"XPF", 0, "1234567 XPF"},	{"BHD", 3, "1234.567 BHD"},
	    {"IQD", 3, "1234.567 IQD"}, {"JOD", 3, "1234.567 JOD"},
	    {"KWD", 3, "1234.567 KWD"}, {"LYD", 3, "1234.567 LYD"},
	    {"OMR", 3, "1234.567 OMR"}, {"TND", 3, "1234.567 TND"},
	    {"CLF", 4, "123.4567 CLF"}, {"UYW", 4, "123.4567 UYW"},
	    {"PLN", 2, "12345.67 PLN"}, {"EUR", 2, "12345.67 EUR"},
	    {"HUF", 2, "12345.67 HUF"}, {"uyw", 4, "123.4567 UYW"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32];
		int r;

		if (currency_exponent(cases[i].currency) != cases[i].exponent)
			fail_msg("%s: exponent %d want %d", cases[i].currency,
				 currency_exponent(cases[i].currency),
				 cases[i].exponent);
		r = money_format(1234567, cases[i].currency, buf, sizeof(buf));
		if (r != (int)strlen(cases[i].text) ||
		    strcmp(buf, cases[i].text) != 0)
			fail_msg("%s: '%s' (%d) want '%s'", cases[i].currency,
				 buf, r, cases[i].text);
	}
}

static void test_money_small_and_negative_amounts(void **state)
{
	static const struct {
		int64_t minor;
		const char *currency;
		const char *text;
	} cases[] = {
	    {1, "UYW", "0.0001 UYW"},
	    {-1, "CLF", "-0.0001 CLF"},
	    {10000, "CLF", "1.0000 CLF"},
	    {-1, "KWD", "-0.001 KWD"},
	    {999, "BHD", "0.999 BHD"},
	    {1000, "OMR", "1.000 OMR"},
	    {-7, "JPY", "-7 JPY"},
	    {0, "KRW", "0 KRW"},
	    {0, "UYW", "0.0000 UYW"},
	    {-99, "EUR", "-0.99 EUR"},
	    {INT64_MIN, "CLF", "-922337203685477.5808 CLF"},
	    {INT64_MAX, "JPY", "9223372036854775807 JPY"},
	    {INT64_MIN, "JPY", "-9223372036854775808 JPY"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32];
		int r = money_format(cases[i].minor, cases[i].currency, buf,
				     sizeof(buf));

		if (r != (int)strlen(cases[i].text) ||
		    strcmp(buf, cases[i].text) != 0)
			fail_msg("case %zu: '%s' (%d) want '%s'", i, buf, r,
				 cases[i].text);
	}
}

static void test_money_the_longest_fits_32_bytes(void **state)
{
	/* the header promises 32 bytes is always enough */
	static const char *const currencies[] = {"JPY", "PLN", "KWD", "CLF"};
	char buf[32];

	for (size_t i = 0; i < 4; i++) {
		assert_true(money_format(INT64_MIN, currencies[i], buf,
					 sizeof(buf)) > 0);
		assert_true(money_format(INT64_MAX, currencies[i], buf,
					 sizeof(buf)) > 0);
	}
}

static void test_expected_return_weight(void **state)
{
	struct expected_return er;

	memset(&er, 0, sizeof(er));
	assert_int_equal(expected_return_weight_g(&er), 0);
	er.n_items = 2;
	er.items[0].quantity = 2;
	er.items[0].weight_g = 400;
	er.items[1].quantity = 1;
	er.items[1].weight_g = 1250;
	assert_int_equal(expected_return_weight_g(&er), 2050);
	er.items[1].weight_g = INT32_MAX;
	er.items[1].quantity = INT32_MAX;
	assert_int_equal(expected_return_weight_g(&er),
			 800 + (int64_t)INT32_MAX * INT32_MAX);
	er.items[1].quantity = -1;
	assert_int_equal(expected_return_weight_g(&er), -ERANGE);
	er.items[1].quantity = 1;
	er.n_items = RETURN_MAX_ITEMS + 1;
	assert_int_equal(expected_return_weight_g(&er), -ERANGE);
	assert_int_equal(expected_return_weight_g(NULL), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tolerance_larger_of_grams_and_percent),
	    cmocka_unit_test(test_tolerance_at_int_extremes),
	    cmocka_unit_test(test_within_tolerance_edges),
	    cmocka_unit_test(test_within_tolerance_refuses_nonsense),
	    cmocka_unit_test(test_money_every_listed_exponent),
	    cmocka_unit_test(test_money_small_and_negative_amounts),
	    cmocka_unit_test(test_money_the_longest_fits_32_bytes),
	    cmocka_unit_test(test_expected_return_weight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
