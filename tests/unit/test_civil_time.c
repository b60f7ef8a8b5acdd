/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the civil calendar: the dates the withdrawal window, the
 * warranty and the complaint deadline are computed from.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "retour/civil_time.h"

static int64_t at(const char *text)
{
	int64_t us = 0;

	assert_int_equal(civil_time_parse_rfc3339(text, &us), 0);
	return us;
}

static int64_t day_of(int32_t y, int32_t m, int32_t d)
{
	return civil_time_days_from_civil(y, m, d);
}

static void test_leap_years(void **state)
{
	assert_true(civil_time_is_leap_year(2024));
	assert_true(civil_time_is_leap_year(2000));
	assert_false(civil_time_is_leap_year(1900));
	assert_false(civil_time_is_leap_year(2100));
	assert_false(civil_time_is_leap_year(2026));
	assert_int_equal(civil_time_days_in_month(2024, 2), 29);
	assert_int_equal(civil_time_days_in_month(2026, 2), 28);
	assert_int_equal(civil_time_days_in_month(2026, 4), 30);
	assert_int_equal(civil_time_days_in_month(2026, 12), 31);
	assert_int_equal(civil_time_days_in_month(2026, 0), 0);
	assert_int_equal(civil_time_days_in_month(2026, 13), 0);
}

static void test_days_known_dates(void **state)
{
	assert_int_equal(day_of(1970, 1, 1), 0);
	assert_int_equal(day_of(1969, 12, 31), -1);
	assert_int_equal(day_of(2000, 3, 1), 11017);
	assert_int_equal(day_of(2026, 11, 10), 20767);
	assert_int_equal(day_of(2024, 3, 1) - day_of(2024, 2, 28), 2);
	assert_int_equal(day_of(2026, 3, 1) - day_of(2026, 2, 28), 1);
	/* Tuesday */
	assert_int_equal(civil_time_weekday(day_of(2026, 11, 10)), 2);
	/* Thursday, and a Sunday before the epoch */
	assert_int_equal(civil_time_weekday(0), 4);
	assert_int_equal(civil_time_weekday(day_of(1969, 12, 28)), 0);
}

static void test_days_round_trip(void **state)
{
	/* Every day of years 0000..9999 maps back to itself, one by one. */
	int64_t first = day_of(0, 1, 1), last = day_of(9999, 12, 31);
	struct civil_date prev = civil_time_civil_from_days(first);

	assert_int_equal(prev.year, 0);
	assert_int_equal(prev.month, 1);
	assert_int_equal(prev.day, 1);
	for (int64_t d = first + 1; d <= last; d++) {
		struct civil_date c = civil_time_civil_from_days(d);

		if (day_of(c.year, c.month, c.day) != d)
			fail_msg("day %lld does not round-trip", (long long)d);
		if (c.day != prev.day + 1 &&
		    !(c.day == 1 && prev.day == civil_time_days_in_month(
						    prev.year, prev.month)))
			fail_msg("day %lld skips a date", (long long)d);
		prev = c;
	}
	assert_int_equal(prev.year, 9999);
	assert_int_equal(prev.month, 12);
	assert_int_equal(prev.day, 31);
}

static void assert_months(int32_t y, int32_t m, int32_t d, int add, int32_t ey,
			  int32_t em, int32_t ed)
{
	struct civil_date in = {y, m, d};
	struct civil_date out = civil_time_add_months(in, add);

	assert_int_equal(out.year, ey);
	assert_int_equal(out.month, em);
	assert_int_equal(out.day, ed);
}

static void test_add_months(void **state)
{
	assert_months(2024, 2, 29, 24, 2026, 2, 28);
	assert_months(2024, 2, 29, 48, 2028, 2, 29);
	assert_months(2024, 2, 29, 12, 2025, 2, 28);
	assert_months(2026, 1, 31, 1, 2026, 2, 28);
	assert_months(2024, 1, 31, 1, 2024, 2, 29);
	assert_months(2026, 3, 31, 1, 2026, 4, 30);
	assert_months(2026, 3, 31, -1, 2026, 2, 28);
	assert_months(2026, 12, 15, 1, 2027, 1, 15);
	assert_months(2026, 1, 15, -1, 2025, 12, 15);
	assert_months(2026, 1, 15, -13, 2024, 12, 15);
	assert_months(2026, 11, 10, 24, 2028, 11, 10);
	assert_months(2026, 11, 10, 0, 2026, 11, 10);
}

static void test_eu_summer_switch_days(void **state)
{
	/* 2026: last Sunday of March is the 29th, of October the 25th. */
	assert_false(civil_time_eu_summer(at("2026-03-29T00:59:59.999999Z")));
	assert_true(civil_time_eu_summer(at("2026-03-29T01:00:00Z")));
	assert_true(civil_time_eu_summer(at("2026-10-25T00:59:59.999999Z")));
	assert_false(civil_time_eu_summer(at("2026-10-25T01:00:00Z")));
	assert_false(civil_time_eu_summer(at("2026-01-15T12:00:00Z")));
	assert_true(civil_time_eu_summer(at("2026-07-15T12:00:00Z")));
	/* 2024: 31 March and 27 October are the last Sundays. */
	assert_false(civil_time_eu_summer(at("2024-03-30T12:00:00Z")));
	assert_true(civil_time_eu_summer(at("2024-03-31T01:00:00Z")));
	assert_true(civil_time_eu_summer(at("2024-10-27T00:30:00Z")));
	assert_false(civil_time_eu_summer(at("2024-10-27T01:30:00Z")));
}

static void test_local_offset(void **state)
{
	assert_int_equal(
	    civil_time_local_offset_min(at("2026-01-15T12:00:00Z"), 60, true),
	    60);
	assert_int_equal(
	    civil_time_local_offset_min(at("2026-07-15T12:00:00Z"), 60, true),
	    120);
	assert_int_equal(
	    civil_time_local_offset_min(at("2026-07-15T12:00:00Z"), 60, false),
	    60);
	assert_int_equal(
	    civil_time_local_offset_min(at("2026-07-15T12:00:00Z"), 0, true),
	    60);
}

static void test_local_day(void **state)
{
	/* 23:30 UTC in winter is already the next day in Warsaw... */
	assert_int_equal(
	    civil_time_local_day(at("2026-11-10T23:30:00Z"), 60, true),
	    day_of(2026, 11, 11));
	/* ...but not in UTC, nor at 22:59 UTC. */
	assert_int_equal(
	    civil_time_local_day(at("2026-11-10T23:30:00Z"), 0, false),
	    day_of(2026, 11, 10));
	assert_int_equal(
	    civil_time_local_day(at("2026-11-10T22:59:59Z"), 60, true),
	    day_of(2026, 11, 10));
	/* In summer the day turns at 22:00 UTC. */
	assert_int_equal(
	    civil_time_local_day(at("2026-07-10T21:59:59Z"), 60, true),
	    day_of(2026, 7, 10));
	assert_int_equal(
	    civil_time_local_day(at("2026-07-10T22:00:00Z"), 60, true),
	    day_of(2026, 7, 11));
	/* West of Greenwich the local day lags. */
	assert_int_equal(
	    civil_time_local_day(at("2026-11-11T03:00:00Z"), -300, false),
	    day_of(2026, 11, 10));
	/* Before the epoch, floor not truncation. */
	assert_int_equal(
	    civil_time_local_day(at("1969-12-31T12:00:00Z"), 0, false), -1);
}

static void assert_day_end(int64_t day, int offset, bool summer,
			   const char *expected)
{
	assert_int_equal(civil_time_local_day_end(day, offset, summer),
			 at(expected));
}

static void test_local_day_end(void **state)
{
	assert_day_end(day_of(2026, 11, 11), 60, true,
		       "2026-11-11T22:59:59.999999Z");
	assert_day_end(day_of(2026, 7, 11), 60, true,
		       "2026-07-11T21:59:59.999999Z");
	assert_day_end(day_of(2026, 7, 11), 60, false,
		       "2026-07-11T22:59:59.999999Z");
	assert_day_end(day_of(2026, 7, 11), 0, false,
		       "2026-07-11T23:59:59.999999Z");
	assert_day_end(day_of(2026, 7, 11), -300, false,
		       "2026-07-12T04:59:59.999999Z");
	/* Switch days: the day's end is in the new offset. */
	assert_day_end(day_of(2026, 3, 28), 60, true,
		       "2026-03-28T22:59:59.999999Z");
	assert_day_end(day_of(2026, 3, 29), 60, true,
		       "2026-03-29T21:59:59.999999Z");
	assert_day_end(day_of(2026, 10, 24), 60, true,
		       "2026-10-24T21:59:59.999999Z");
	assert_day_end(day_of(2026, 10, 25), 60, true,
		       "2026-10-25T22:59:59.999999Z");
	/* And the end is the last instant of that local day. */
	{
		int64_t end =
		    civil_time_local_day_end(day_of(2026, 10, 25), 60, true);

		assert_int_equal(civil_time_local_day(end, 60, true),
				 day_of(2026, 10, 25));
		assert_int_equal(civil_time_local_day(end + 1, 60, true),
				 day_of(2026, 10, 26));
	}
}

static void test_format(void **state)
{
	char buf[CIVIL_TIME_RFC3339_LEN];

	assert_int_equal(civil_time_format_rfc3339(0, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	civil_time_format_rfc3339(at("2026-11-10T12:00:00Z") + 123456, buf,
				  sizeof(buf));
	assert_string_equal(buf, "2026-11-10T12:00:00.123456Z");
	civil_time_format_rfc3339(at("2026-11-10T12:00:00Z") + 5, buf,
				  sizeof(buf));
	assert_string_equal(buf, "2026-11-10T12:00:00.000005Z");
	civil_time_format_rfc3339(-1, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
	civil_time_format_rfc3339_offset(at("2026-11-10T23:30:00Z"), 60, buf,
					 sizeof(buf));
	assert_string_equal(buf, "2026-11-11T00:30:00+01:00");
	civil_time_format_rfc3339_offset(at("2026-11-10T03:00:00Z"), -330, buf,
					 sizeof(buf));
	assert_string_equal(buf, "2026-11-09T21:30:00-05:30");
	assert_int_equal(
	    civil_time_format_rfc3339_offset(at("2026-12-04T22:59:59.999999Z"),
					     60, buf, sizeof(buf)),
	    32);
	assert_string_equal(buf, "2026-12-04T23:59:59.999999+01:00");
	assert_int_equal(
	    civil_time_format_date(day_of(2026, 2, 28), buf, sizeof(buf)), 10);
	assert_string_equal(buf, "2026-02-28");
}

static void test_format_errors(void **state)
{
	char small[20];
	char buf[CIVIL_TIME_RFC3339_LEN];

	/* One byte short of "1970-01-01T00:00:00Z" plus NUL. */
	assert_int_equal(civil_time_format_rfc3339(0, small, sizeof(small)),
			 -ENOSPC);
	assert_string_equal(small, "");
	assert_int_equal(civil_time_format_rfc3339(INT64_MAX, buf, sizeof(buf)),
			 -ERANGE);
	assert_int_equal(civil_time_format_rfc3339(INT64_MIN, buf, sizeof(buf)),
			 -ERANGE);
	assert_int_equal(
	    civil_time_format_rfc3339(CIVIL_TIME_MAX_US, buf, sizeof(buf)), 27);
	assert_string_equal(buf, "9999-12-31T23:59:59.999999Z");
	assert_int_equal(civil_time_format_rfc3339(0, NULL, 10), -EINVAL);
}

static void test_parse_good(void **state)
{
	int64_t base = at("2026-11-10T12:00:00Z");

	assert_int_equal(base, INT64_C(1794312000) * 1000000);
	assert_int_equal(at("2026-11-10T13:00:00+01:00"), base);
	assert_int_equal(at("2026-11-10T06:30:00-05:30"), base);
	assert_int_equal(at("2026-11-10t12:00:00z"), base);
	assert_int_equal(at("2026-11-10 12:00:00Z"), base);
	assert_int_equal(at("2026-11-10T12:00:00.5Z"), base + 500000);
	assert_int_equal(at("2026-11-10T12:00:00.000001Z"), base + 1);
	assert_int_equal(at("2026-11-10T12:00:00.123456789Z"), base + 123456);
	/* A leap second reads as the next second. */
	assert_int_equal(at("2026-12-31T23:59:60Z"),
			 at("2027-01-01T00:00:00Z"));
	assert_int_equal(at("2024-02-29T00:00:00Z"),
			 day_of(2024, 2, 29) * INT64_C(86400000000));
	assert_int_equal(at("0000-01-01T00:00:00Z"), CIVIL_TIME_MIN_US);
}

static void test_parse_round_trip(void **state)
{
	static const char *const texts[] = {
	    "1970-01-01T00:00:00Z",	   "2026-11-10T12:00:00Z",
	    "2024-02-29T23:59:59.999999Z", "1969-07-20T20:17:40Z",
	    "9999-12-31T23:59:59.999999Z", "2026-03-29T01:00:00.000001Z",
	};
	char buf[CIVIL_TIME_RFC3339_LEN];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_true(civil_time_format_rfc3339(at(texts[i]), buf,
						      sizeof(buf)) > 0);
		assert_string_equal(buf, texts[i]);
	}
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
	    "",
	    "2026",
	    "2026-11-10",
	    "2026-11-10T12:00:00",
	    "2026-11-10T12:00Z",
	    "2026-11-10T12:00:00ZZ",
	    "2026-11-10T12:00:00Z ",
	    " 2026-11-10T12:00:00Z",
	    "2026-1-10T12:00:00Z",
	    "2026-11-10X12:00:00Z",
	    "2026-00-10T12:00:00Z",
	    "2026-13-10T12:00:00Z",
	    "2026-11-00T12:00:00Z",
	    "2026-11-31T12:00:00Z",
	    "2026-02-29T12:00:00Z",
	    "2100-02-29T12:00:00Z",
	    "2026-11-10T24:00:00Z",
	    "2026-11-10T12:60:00Z",
	    "2026-11-10T12:00:61Z",
	    "2026-11-10T12:00:00.Z",
	    "2026-11-10T12:00:00.1234567890Z",
	    "2026-11-10T12:00:00+1:00",
	    "2026-11-10T12:00:00+24:00",
	    "2026-11-10T12:00:00+01:60",
	    "2026-11-10T12:00:00+0100",
	    "2026-11-10T12:00:00 +01:00",
	    "-026-11-10T12:00:00Z",
	    "+2026-11-10T12:00:00Z",
	    "0000-01-01T00:00:00+00:01",
	    "２026-11-10T12:00:00Z",
	};
	int64_t us = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (civil_time_parse_rfc3339(bad[i], &us) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(us, 42);
	}
	assert_int_equal(civil_time_parse_rfc3339(NULL, &us), -EINVAL);
	assert_int_equal(civil_time_parse_rfc3339("2026-11-10T12:00:00Z", NULL),
			 -EINVAL);
}

static void test_parse_every_prefix(void **state)
{
	/* A cut-off string never parses and never reads past its end. */
	const char *full = "2026-11-10T12:00:00.123456+01:00";
	char buf[64];
	int64_t us;

	for (size_t n = 0; n < strlen(full); n++) {
		memcpy(buf, full, n);
		buf[n] = '\0';
		assert_int_equal(civil_time_parse_rfc3339(buf, &us), -EINVAL);
	}
	assert_int_equal(civil_time_parse_rfc3339(full, &us), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_leap_years),
	    cmocka_unit_test(test_days_known_dates),
	    cmocka_unit_test(test_days_round_trip),
	    cmocka_unit_test(test_add_months),
	    cmocka_unit_test(test_eu_summer_switch_days),
	    cmocka_unit_test(test_local_offset),
	    cmocka_unit_test(test_local_day),
	    cmocka_unit_test(test_local_day_end),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_format_errors),
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_round_trip),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_parse_every_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
