/* SPDX-License-Identifier: MIT */
/*
 * The desk's system's texts from outside (retour/system_text.h): the first
 * boot's list, rauc.slot= on the command line, rauc's progress lines and
 * its reason for a refusal, with the bytes a broken or hostile file holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "retour/system_text.h"

static char items[16][SYSTEM_ITEM_LEN];

static int missing(const char *text, size_t len, bool more)
{
	memset(items, 0x55, sizeof(items));
	return system_text_missing(text, len, more, items, 16);
}

static void test_the_list_firstboot_writes(void **state)
{
	(void)state;
	assert_int_equal(missing("board station admin\n", 20, false), 3);
	assert_string_equal(items[0], "board");
	assert_string_equal(items[1], "station");
	assert_string_equal(items[2], "admin");
	/* one a line, CRLF, twice the same */
	assert_int_equal(missing("board\r\nadmin\n\nboard\n", 20, false), 2);
	assert_string_equal(items[1], "admin");
	assert_int_equal(missing("  \n\t\n", 5, false), 0);
	assert_int_equal(missing("", 0, false), 0);
}

static void test_what_is_not_a_list_is_unreadable(void **state)
{
	char big[200];

	(void)state;
	/* a NUL: binary, nothing of it shown */
	assert_int_equal(missing("board\0station", 13, false), 1);
	assert_string_equal(items[0], "unreadable");
	/* a word too long, or with other bytes */
	memset(big, 'x', sizeof(big));
	memcpy(big, "board ", 6);
	assert_int_equal(missing(big, sizeof(big), false), 2);
	assert_string_equal(items[0], "board");
	assert_string_equal(items[1], "unreadable");
	assert_int_equal(missing("board <script> st\xc3\xa9", 19, false), 2);
	assert_string_equal(items[1], "unreadable");
	/* a head that goes on: its cut word is not shown */
	assert_int_equal(missing("admin admin adm", 15, true), 2);
	assert_string_equal(items[0], "admin");
	assert_string_equal(items[1], "unreadable");
}

static void test_at_most_max_items(void **state)
{
	char text[400] = "";

	(void)state;
	for (int i = 0; i < 40; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "item%d ", i);
	assert_int_equal(missing(text, strlen(text), false), 16);
	assert_string_equal(items[15], "item15");
	assert_int_equal(system_text_missing("a b", 3, false, items, 0), 0);
}

static void test_the_slot(void **state)
{
	char slot[17];

	(void)state;
	assert_true(system_text_slot("root=/dev/vda2 ro rauc.slot=A quiet",
				     slot, sizeof(slot)));
	assert_string_equal(slot, "A");
	assert_true(system_text_slot("rauc.slot=B\n", slot, sizeof(slot)));
	assert_string_equal(slot, "B");
	assert_false(system_text_slot("console=ttyS0 ro", slot, sizeof(slot)));
	assert_string_equal(slot, "");
	assert_false(system_text_slot("xrauc.slot=A", slot, sizeof(slot)));
	assert_false(system_text_slot("rauc.slot= ro", slot, sizeof(slot)));
	assert_false(system_text_slot("rauc.slot=A/../B", slot, sizeof(slot)));
	assert_false(system_text_slot("rauc.slot=AAAAAAAAAAAAAAAAAAAAAAAA",
				      slot, sizeof(slot)));
	assert_string_equal(slot, "");
}

static void test_progress_lines(void **state)
{
	char msg[32];
	int pct = -1;

	(void)state;
	assert_true(system_text_progress(" 40% Checking bundle done.", &pct,
					 msg, sizeof(msg)));
	assert_int_equal(pct, 40);
	assert_string_equal(msg, "Checking bundle done.");
	assert_true(system_text_progress("installing", &pct, msg, sizeof(msg)));
	assert_int_equal(pct, 40); /* no percentage: kept */
	assert_string_equal(msg, "installing");
	assert_true(system_text_progress("500% what", &pct, msg, sizeof(msg)));
	assert_int_equal(pct, 40);
	assert_string_equal(msg, "500% what");
	assert_false(system_text_progress("  100%   ", &pct, msg, sizeof(msg)));
	assert_int_equal(pct, 100);
	assert_true(
	    system_text_progress("a\x1b[31mred\x7f and a very long line "
				 "that goes on",
				 &pct, msg, sizeof(msg)));
	assert_int_equal(strlen(msg), sizeof(msg) - 1);
	assert_null(strpbrk(msg, "\x1b\x7f"));
}

static void test_the_reason(void **state)
{
	char why[64];

	(void)state;
	system_text_reason("installing\n  0% Installing\n 40% Checking bundle "
			   "failed.\nLastError: Failed to check bundle "
			   "identifier: Invalid identifier.\nidle\n",
			   why, sizeof(why));
	assert_string_equal(
	    why, "Failed to check bundle identifier: Invalid identifier.");
	system_text_reason("a\nsignature verification failed\nidle\n", why,
			   sizeof(why));
	assert_string_equal(why, "signature verification failed");
	system_text_reason("one\r\ntwo\r\n", why, sizeof(why));
	assert_string_equal(why, "two");
	system_text_reason("", why, sizeof(why));
	assert_string_equal(why, "the installer said nothing");
	system_text_reason("LastError: \n", why, sizeof(why));
	assert_string_equal(why, "LastError: ");
	system_text_reason("error:\x1b[1m bold\x01", why, sizeof(why));
	assert_string_equal(why, "error: [1m bold ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_the_list_firstboot_writes),
	    cmocka_unit_test(test_what_is_not_a_list_is_unreadable),
	    cmocka_unit_test(test_at_most_max_items),
	    cmocka_unit_test(test_the_slot),
	    cmocka_unit_test(test_progress_lines),
	    cmocka_unit_test(test_the_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
