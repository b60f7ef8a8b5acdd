/* SPDX-License-Identifier: MIT */
/* Every problem of a configuration file at once, each at its line: what
 * `retourd -n` lists for a board written by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retour/config.h"

static struct config_problems problems;

/* Parse @len bytes of @text; the problems are in `problems`. */
static int parse_all(const char *text, size_t len, bool board)
{
	static struct config c;

	config_defaults(&c);
	return config_parse_all(&c, "b.conf", text, len, board, &problems);
}

static void assert_problem(int i, const char *want)
{
	assert_true(i < problems.n);
	assert_string_equal(problems.text[i], want);
}

static void test_every_problem_of_a_board_in_line_order(void **state)
{
	static const char text[] = "[board]\n"		/* 1 */
				   "name = a\n"		/* 2 */
				   "name = b\n"		/* 3 */
				   "[scanner]\n"	/* 4 */
				   "backend = tty\n"	/* 5 */
				   "baud = 7\n"		/* 6 */
				   "[printer]\n"	/* 7 */
				   "backend = cups\n"	/* 8 */
				   "[gpio]\n"		/* 9 */
				   "backend = gpiod\n"	/* 10 */
				   "chip = gpiochip0\n" /* 11 */
				   "accept = GPIO17\n"	/* 12 */
				   "buzzer = GPIO17\n"	/* 13 */
				   "bell = GPIO4\n"	/* 14 */
				   "[shop]\n"		/* 15 */
				   "name = x\n";	/* 16 */

	(void)state;
	assert_int_equal(parse_all(text, sizeof(text) - 1, true), -22);
	assert_int_equal(problems.n, 7);
	assert_problem(0, "b.conf:3: 'name' is given twice in this section "
			  "(first on line 2, which stands)");
	assert_problem(1, "b.conf:5: [scanner] backend 'tty' needs 'path'");
	assert_problem(2, "b.conf:6: '7' is not a whole number from 1200 to "
			  "921600 for 'baud'");
	assert_problem(3, "b.conf:8: unknown printer backend 'cups' (known: "
			  "tcp, usb, dir, none)");
	assert_problem(4, "b.conf:13: gpio line 'GPIO17' is named for both "
			  "accept (line 12) and buzzer");
	assert_true(strstr(problems.text[5], "b.conf:14: unknown key 'bell' "
					     "for gpio backend 'gpiod'"));
	assert_true(strstr(problems.text[6], "b.conf:15: unknown section "
					     "[shop] in a board file"));
}

/* Bytes that are no configuration: each a problem at its line, the lines
 * around them still read. */
static void test_bad_bytes_are_problems_with_their_line(void **state)
{
	char text[600];
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "[gpio]\nbackend = gpiod\nchip = c\n");
	memcpy(text + n, "accept = A\0B\n", 13); /* line 4: a NUL */
	n += 13;
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "red = \xff\n"	  /* 5: not UTF-8 */
			      "green = \x1b[2J\n" /* 6: a control */
			      "this is junk\n"	  /* 7 */
			      "  amber = X\n"	  /* 8: would continue 6 */
			      "[gpio\n"		  /* 9 */
			      "buzzer = ");	  /* 10: too long */
	memset(text + n, '9', 250);
	n += 250;
	text[n++] = '\n';
	n += (size_t)snprintf(text + n, sizeof(text) - n, "pedal = P\n");
	assert_int_equal(parse_all(text, n, true), -22);
	assert_int_equal(problems.n, 7);
	assert_problem(0, "b.conf:4: a NUL byte in the line");
	assert_problem(1, "b.conf:5: [gpio] red: not valid UTF-8");
	assert_problem(2, "b.conf:6: control characters in the value of "
			  "'green'");
	assert_problem(3, "b.conf:7: neither a [section] nor a 'key = value' "
			  "line");
	assert_problem(4, "b.conf:8: an indented line would go on with the "
			  "value above: a value is one line, unindented");
	assert_problem(5, "b.conf:9: a section header without its ']'");
	assert_problem(6, "b.conf:10: the line is longer than the 198 bytes a "
			  "line may have");
}

/* Past the cap problems are counted, not kept; nothing is written past
 * the list. */
static void test_problems_are_capped(void **state)
{
	static char text[8192];
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(text, sizeof(text), "[station]\n");
	for (int i = 0; i < 70; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "bad%d = 1\n",
				      i);
	assert_int_equal(parse_all(text, n, false), -22);
	/* 70 unknown keys: the first 50 kept, the others counted */
	assert_int_equal(problems.n, 70);
	assert_problem(0, "b.conf:2: unknown key 'bad0' in section "
			  "[station]");
	assert_problem(CONFIG_MAX_PROBLEMS - 1,
		       "b.conf:51: unknown key 'bad49' in section [station]");
}

/* The shipped boards' shape: a UTF-8 byte order mark, CRLF ends and
 * comments of every kind are no problem. */
static void test_good_board_has_no_problem(void **state)
{
	static const char text[] = "\xef\xbb\xbf; a board\r\n"
				   "# comment\r\n"
				   "[board]\r\n"
				   "name = pi\r\n"
				   "\r\n"
				   "[gpio]\r\n"
				   "  ; an indented comment\r\n"
				   "backend = gpiod ; inline\r\n"
				   "chip = pinctrl-rp1\r\n"
				   "accept = GPIO17\r\n";

	(void)state;
	assert_int_equal(parse_all(text, sizeof(text) - 1, true), 0);
	assert_int_equal(problems.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_problem_of_a_board_in_line_order),
	    cmocka_unit_test(test_bad_bytes_are_problems_with_their_line),
	    cmocka_unit_test(test_problems_are_capped),
	    cmocka_unit_test(test_good_board_has_no_problem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
