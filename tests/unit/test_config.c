/* SPDX-License-Identifier: MIT */
/* Configuration parsing: what `retourd -n` tells an operator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retour/config.h"

static void test_config_good_station(void **state)
{
	struct config c;
	char err[256] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse_text(&c, "s.conf",
					   "[station]\ndesk = d2\ngrace_s = 5\n"
					   "[shop]\nwithdrawal_days = 30\n"
					   "refund_basic_delivery = no\n"
					   "[clerks]\nCLERK-1 = Ola\n",
					   false, err, sizeof(err)), 0);
	assert_string_equal(c.desk, "d2");
	assert_int_equal(c.grace_us, 5 * 1000000);
	assert_int_equal(c.policy.withdrawal_days, 30);
	assert_false(c.policy.refund_basic_delivery);
	assert_int_equal(c.n_clerks, 1);
	assert_string_equal(c.clerks[0].name, "Ola");
}

static void test_config_unknown_key_names_line(void **state)
{
	struct config c;
	char err[256] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse_text(&c, "s.conf",
					   "[station]\ndesk = d2\n\ngrace = 5\n",
					   false, err, sizeof(err)), -22);
	assert_string_equal(err, "s.conf:4: unknown key 'grace' in section "
			    "[station]");
}

static void test_config_bad_values(void **state)
{
	static const char *const bad[] = {
		"[station]\ngrace_s = soon\n",
		"[station]\ngrace_s = -1\n",
		"[station]\ngrace_s = 99999999999999999999\n",
		"[shop]\nwithdrawal_days = 7\n",	/* below the law */
		"[shop]\neu_summer_time = maybe\n",
		"[station]\ndesk = " "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
		"[nosuch]\nkey = 1\n",
		"[station\ndesk = x\n",
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config c;

		config_defaults(&c);
		err[0] = '\0';
		assert_int_equal(config_parse_text(&c, "x.conf", bad[i], false,
						   err, sizeof(err)), -22);
		assert_true(strncmp(err, "x.conf:", 7) == 0);
	}
}

static void test_config_board_sections_only_in_board(void **state)
{
	struct config c;
	char err[256] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse_text(&c, "b.conf",
					   "[scale]\nbackend = mtsics\n"
					   "path = /dev/ttyUSB0\n"
					   "[printer]\nport = 9100\n",
					   true, err, sizeof(err)), 0);
	assert_string_equal(c.scale_backend, "mtsics");
	/* a station key in a board file is a mistake worth reporting */
	assert_int_equal(config_parse_text(&c, "b.conf",
					   "[station]\ndesk = x\n", true, err,
					   sizeof(err)), -22);
	assert_string_equal(err, "b.conf:2: unknown key 'desk' in section "
			    "[station]");
	assert_int_equal(config_parse_text(&c, "b.conf",
					   "[printer]\nport = 70000\n", true,
					   err, sizeof(err)), -22);
}

static void test_config_load_missing_file(void **state)
{
	struct config c;
	char err[256] = "";

	(void)state;
	config_defaults(&c);
	assert_true(config_load(&c, "/nonexistent/retourd.conf", NULL, err,
				sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/retourd.conf: cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_good_station),
		cmocka_unit_test(test_config_unknown_key_names_line),
		cmocka_unit_test(test_config_bad_values),
		cmocka_unit_test(test_config_board_sections_only_in_board),
		cmocka_unit_test(test_config_load_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
