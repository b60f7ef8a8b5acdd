/* SPDX-License-Identifier: MIT */
/*
 * The tower light's patterns (tower.h): what each desk state lights and
 * sounds, millisecond by millisecond, and when the next change is due.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "retour/tower.h"

/* The lines at @ms as "GAR+" letters: green amber red, buzzer '+'. */
static const char *lit(enum tower_state s, int64_t ms, bool ack, int64_t *next,
		       bool *over)
{
	static char buf[8];
	struct tower_lines l;
	int n = 0;

	*next = tower_show(s, ms, ack, &l, over);
	if (l.green)
		buf[n++] = 'G';
	if (l.amber)
		buf[n++] = 'A';
	if (l.red)
		buf[n++] = 'R';
	if (l.buzzer)
		buf[n++] = '+';
	buf[n] = '\0';
	return buf;
}

static void test_steady_states_need_no_timer(void **state)
{
	int64_t next;
	bool over;

	(void)state;
	for (int64_t ms = 0; ms < 60000; ms += 777) {
		assert_string_equal(lit(TOWER_READY, ms, false, &next, &over),
				    "G");
		assert_int_equal(next, -1);
		assert_false(over);
		assert_string_equal(lit(TOWER_WORKING, ms, false, &next, &over),
				    "A");
		assert_int_equal(next, -1);
		assert_string_equal(lit(TOWER_OFF, ms, false, &next, &over),
				    "");
		assert_int_equal(next, -1);
	}
	/* an unknown state shows nothing and needs nothing */
	assert_string_equal(lit((enum tower_state)42, 0, false, &next, &over),
			    "");
	assert_int_equal(next, -1);
}

static void test_needs_you_blinks_amber_and_beeps_once(void **state)
{
	int64_t next;
	bool over;

	(void)state;
	assert_string_equal(lit(TOWER_NEEDS_YOU, 0, false, &next, &over), "A+");
	assert_int_equal(next, 100); /* the beep ends */
	assert_string_equal(lit(TOWER_NEEDS_YOU, 99, false, &next, &over),
			    "A+");
	assert_string_equal(lit(TOWER_NEEDS_YOU, 100, false, &next, &over),
			    "A");
	assert_int_equal(next, 500); /* the light goes out */
	assert_string_equal(lit(TOWER_NEEDS_YOU, 500, false, &next, &over), "");
	assert_int_equal(next, 1000);
	/* 1 Hz from then on, and never a second beep */
	assert_string_equal(lit(TOWER_NEEDS_YOU, 1000, false, &next, &over),
			    "A");
	assert_int_equal(next, 1500);
	assert_string_equal(
	    lit(TOWER_NEEDS_YOU, 3600000 + 700, false, &next, &over), "");
	assert_int_equal(next, 3600000 + 1000);
	assert_false(over);
	/* before entry counts as entry */
	assert_string_equal(lit(TOWER_NEEDS_YOU, -5, false, &next, &over),
			    "A+");
}

static void test_refused_is_red_for_a_second_with_two_beeps(void **state)
{
	int64_t next;
	bool over;

	(void)state;
	assert_string_equal(lit(TOWER_REFUSED, 0, false, &next, &over), "R+");
	assert_int_equal(next, 100);
	assert_string_equal(lit(TOWER_REFUSED, 150, false, &next, &over), "R");
	assert_int_equal(next, 200);
	assert_string_equal(lit(TOWER_REFUSED, 200, false, &next, &over), "R+");
	assert_int_equal(next, 300);
	assert_string_equal(lit(TOWER_REFUSED, 300, false, &next, &over), "R");
	assert_int_equal(next, 1000); /* no third beep */
	assert_false(over);
	assert_string_equal(lit(TOWER_REFUSED, 999, false, &next, &over), "R");
	assert_false(over);
	/* over: dark, the caller shows the state to go back to */
	assert_string_equal(lit(TOWER_REFUSED, 1000, false, &next, &over), "");
	assert_true(over);
	assert_int_equal(next, -1);
	assert_true(tower_is_transient(TOWER_REFUSED));
	assert_false(tower_is_transient(TOWER_ERROR));
}

static void test_supervisor_blinks_red_with_three_beeps(void **state)
{
	int64_t next;
	bool over;
	int beeps = 0;
	bool was = false;

	(void)state;
	/* count the beeps over a minute, edge by edge as a timer would */
	for (int64_t ms = 0; ms >= 0 && ms < 60000;) {
		struct tower_lines l;

		next = tower_show(TOWER_SUPERVISOR, ms, false, &l, &over);
		if (l.buzzer && !was)
			beeps++;
		was = l.buzzer;
		ms = next;
	}
	assert_int_equal(beeps, 3);
	assert_string_equal(lit(TOWER_SUPERVISOR, 450, false, &next, &over),
			    "R+");
	assert_int_equal(next, 500);
	assert_string_equal(lit(TOWER_SUPERVISOR, 500, false, &next, &over),
			    "");
	assert_int_equal(next, 1000);
	assert_string_equal(lit(TOWER_SUPERVISOR, 1000, false, &next, &over),
			    "R");
	assert_int_equal(next, 1500);
}

static void test_error_beeps_long_every_10s_until_acknowledged(void **state)
{
	int64_t next;
	bool over;

	(void)state;
	assert_string_equal(lit(TOWER_ERROR, 0, false, &next, &over), "R+");
	assert_int_equal(next, 1000);
	assert_string_equal(lit(TOWER_ERROR, 999, false, &next, &over), "R+");
	assert_string_equal(lit(TOWER_ERROR, 1000, false, &next, &over), "R");
	assert_int_equal(next, 10000);
	assert_string_equal(lit(TOWER_ERROR, 10000, false, &next, &over), "R+");
	assert_int_equal(next, 11000);
	assert_string_equal(lit(TOWER_ERROR, 25000, false, &next, &over), "R");
	assert_int_equal(next, 30000);
	/* answered: the light stays, the beeps stop, no timer */
	assert_string_equal(lit(TOWER_ERROR, 10500, true, &next, &over), "R");
	assert_int_equal(next, -1);
	/* the acknowledgement is the error's only */
	assert_string_equal(lit(TOWER_REFUSED, 0, true, &next, &over), "R+");
	assert_string_equal(lit(TOWER_NEEDS_YOU, 0, true, &next, &over), "A+");
}

/* The disk below its warning floor: ready (green) with amber blinking,
 * silent, so the clerk works on and a supervisor sees it. */
static void test_disk_low_is_green_with_amber_blinking(void **state)
{
	int64_t next;
	bool over;

	(void)state;
	assert_string_equal(lit(TOWER_DISK_LOW, 0, false, &next, &over), "GA");
	assert_int_equal(next, TOWER_BLINK_MS);
	assert_string_equal(lit(TOWER_DISK_LOW, 600, false, &next, &over), "G");
	assert_int_equal(next, 2 * TOWER_BLINK_MS);
	assert_false(tower_beeps(TOWER_DISK_LOW));
	assert_int_equal(tower_colour(TOWER_DISK_LOW), 1);
	assert_string_equal(tower_state_name(TOWER_DISK_LOW), "disk_low");
}

static void test_names_colours_and_beeps(void **state)
{
	(void)state;
	assert_string_equal(tower_state_name(TOWER_NEEDS_YOU), "needs_you");
	assert_string_equal(tower_state_name(TOWER_SUPERVISOR), "supervisor");
	assert_string_equal(tower_state_name((enum tower_state) - 1),
			    "unknown");
	assert_int_equal(tower_colour(TOWER_READY), 1);
	assert_int_equal(tower_colour(TOWER_NEEDS_YOU), 2);
	assert_int_equal(tower_colour(TOWER_ERROR), 3);
	assert_int_equal(tower_colour(TOWER_OFF), 0);
	assert_false(tower_beeps(TOWER_READY));
	assert_false(tower_beeps(TOWER_WORKING));
	assert_true(tower_beeps(TOWER_NEEDS_YOU));
	assert_true(tower_beeps(TOWER_ERROR));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_steady_states_need_no_timer),
	    cmocka_unit_test(test_needs_you_blinks_amber_and_beeps_once),
	    cmocka_unit_test(test_refused_is_red_for_a_second_with_two_beeps),
	    cmocka_unit_test(test_supervisor_blinks_red_with_three_beeps),
	    cmocka_unit_test(
		test_error_beeps_long_every_10s_until_acknowledged),
	    cmocka_unit_test(test_names_colours_and_beeps),
	    cmocka_unit_test(test_disk_low_is_green_with_amber_blinking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
