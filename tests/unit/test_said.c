/* SPDX-License-Identifier: MIT */
/*
 * What the desk says, for a screen to translate (retour/said.h): the code,
 * and the values the English sentence shows, one per conversion, in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "retour/said.h"

static struct said test_said;

static void test_say(const char *code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void test_say(const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	said_capture(&test_said, code, fmt, ap);
	va_end(ap);
}

static void test_values_in_order(void **state)
{
	(void)state;
	test_say("scan_item", "Scan item %lld of %lld: %s", 1LL, 2LL,
		 "T-shirt M");
	assert_string_equal(test_said.code, "scan_item");
	assert_int_equal(test_said.n_args, 3);
	assert_string_equal(test_said.args[0], "1");
	assert_string_equal(test_said.args[1], "2");
	assert_string_equal(test_said.args[2], "T-shirt M");

	test_say("x", "%d g, %u, %llu min, 100%% %c", -5, 7u, 9ULL, 'k');
	assert_int_equal(test_said.n_args, 4);
	assert_string_equal(test_said.args[0], "-5");
	assert_string_equal(test_said.args[1], "7");
	assert_string_equal(test_said.args[2], "9");
	assert_string_equal(test_said.args[3], "k");
	test_say("x", "%zu items", (size_t)3);
	assert_string_equal(test_said.args[0], "3");
}

/* A precision given as an argument is the sentence's: the value is cut
 * as the English shows it. */
static void test_star_precision_and_null(void **state)
{
	(void)state;
	test_say("checklist_step", "%.*s%s", 3, "abcdef", " (cm)");
	assert_int_equal(test_said.n_args, 2);
	assert_string_equal(test_said.args[0], "abc");
	assert_string_equal(test_said.args[1], " (cm)");
	test_say("none", "nothing to fill in");
	assert_string_equal(test_said.code, "none");
	assert_int_equal(test_said.n_args, 0);
}

/* Too many values or too long ones: the first SAID_MAX_ARGS, each cut at
 * a whole UTF-8 character. */
static void test_limits(void **state)
{
	char longer[200];

	(void)state;
	memset(longer, 'a', sizeof(longer));
	memcpy(longer + SAID_ARG_LEN - 2, "\xc5\x82",
	       2); /* "ł" across the end */
	longer[sizeof(longer) - 1] = '\0';
	test_say("x", "%s", longer);
	assert_int_equal(strlen(test_said.args[0]), SAID_ARG_LEN - 2);
	test_say("x", "%d %d %d %d %d %d %d %d", 1, 2, 3, 4, 5, 6, 7, 8);
	assert_int_equal(test_said.n_args, SAID_MAX_ARGS);
	assert_string_equal(test_said.args[3], "4");
	said_set(&test_said, "y");
	assert_string_equal(test_said.code, "y");
	assert_int_equal(test_said.n_args, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values_in_order),
	    cmocka_unit_test(test_star_precision_and_null),
	    cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
