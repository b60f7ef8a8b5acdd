/* SPDX-License-Identifier: MIT */
/*
 * Receipts opened before the clock was set (schema v6): marked with their
 * boot and boot time, then corrected by store_clock_correct() once the
 * clock is set.  The correction moves the receipt's times and its
 * evidence by the same amount, leaves receipts of another boot (and of a
 * known date) alone, adds clock.corrected to the audit log without
 * rewriting any entry, and the chain still verifies.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "retour/store.h"

#define SEC INT64_C(1000000)
/* the unset clock: 1970-01-02, a minute after the board booted */
#define T_UNSET (INT64_C(86400) * SEC)
/* the board booted at 2026-11-20T10:00:00Z, as NTP says */
#define BOOT_AT (INT64_C(1763632800) * SEC)
#define BOOT_A "3f1e2d4c-5b6a-4789-8abc-def012345678"
#define BOOT_B "00000000-0000-4000-8000-000000000000"

struct fixture {
	char dir[64];
	char path[96];
	struct store *s;
};

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/retour-clock-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/retour.db", f->dir);
	assert_int_equal(store_open(f->path, &f->s, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* A receipt opened at @at; marked in @boot at boot time @boot_us when
 * @boot is not NULL. */
static int64_t open_receipt(struct store *s, const char *code, int64_t at,
			    const char *boot, int64_t boot_us)
{
	struct receipt_open ro = {.routine = ROUTINE_RETURN};
	int64_t id = 0;

	snprintf(ro.desk, sizeof(ro.desk), "d1");
	snprintf(ro.clerk, sizeof(ro.clerk), "anna");
	snprintf(ro.code, sizeof(ro.code), "%s", code);
	ro.received_at = at;
	if (boot) {
		ro.time_unsure = true;
		snprintf(ro.boot_id, sizeof(ro.boot_id), "%s", boot);
		ro.boot_us = boot_us;
	}
	assert_int_equal(store_receipt_open(s, &ro, &id), 0);
	return id;
}

static json_t *receipt(struct store *s, int64_t id)
{
	json_t *o = NULL;

	assert_int_equal(store_receipt_get(s, id, &o), 0);
	return o;
}

static int64_t int_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static void test_marked_receipts_are_corrected(void **state)
{
	struct fixture *f = *state;
	/* opened 60 s after boot on the unset clock, an item 5 s later */
	int64_t a = open_receipt(f->s, "RMA-1", T_UNSET, BOOT_A, 60 * SEC);
	int64_t b =
	    open_receipt(f->s, "RMA-2", T_UNSET + 30 * SEC, BOOT_A, 90 * SEC);
	int64_t old = open_receipt(f->s, "RMA-3", T_UNSET, BOOT_B, 60 * SEC);
	int64_t sure = open_receipt(f->s, "RMA-4", BOOT_AT + 50 * SEC, NULL, 0);
	int corrected = -1, left = -1;
	int64_t checked = 0, bad = 0;
	json_t *o, *item;

	assert_int_equal(store_receipt_add_item_scan(f->s, a, 0,
						     "05901234123457", NULL,
						     "anna", T_UNSET + 5 * SEC),
			 0);
	assert_int_equal(
	    store_receipt_cancel(f->s, b, "anna", T_UNSET + 40 * SEC), 0);
	o = receipt(f->s, a);
	assert_true(json_is_true(json_object_get(o, "time_unsure")));
	assert_true(json_is_null(json_object_get(o, "time_corrected_us")));
	json_decref(o);

	assert_int_equal(store_clock_correct(f->s, BOOT_A, BOOT_AT,
					     BOOT_AT + 60 * SEC - T_UNSET,
					     "station", BOOT_AT + 120 * SEC,
					     &corrected, &left),
			 0);
	assert_int_equal(corrected, 2);
	assert_int_equal(left, 1);

	/* boot time 60 s is BOOT_AT + 60 s; the item moved as far */
	o = receipt(f->s, a);
	assert_int_equal(int_of(o, "received_at_us"), BOOT_AT + 60 * SEC);
	assert_int_equal(int_of(o, "time_corrected_us"),
			 BOOT_AT + 60 * SEC - T_UNSET);
	assert_true(json_is_false(json_object_get(o, "time_unsure")));
	item = json_array_get(json_object_get(o, "items"), 0);
	assert_int_equal(int_of(item, "scanned_at_us"), BOOT_AT + 65 * SEC);
	assert_non_null(strstr(
	    json_string_value(json_object_get(o, "time_note")), "corrected"));
	json_decref(o);

	/* each receipt by its own boot time; cancelled_at moved with it */
	o = receipt(f->s, b);
	assert_int_equal(int_of(o, "received_at_us"), BOOT_AT + 90 * SEC);
	assert_int_equal(int_of(o, "cancelled_at_us"), BOOT_AT + 100 * SEC);
	json_decref(o);

	/* another boot's: its boot time means nothing now */
	o = receipt(f->s, old);
	assert_true(json_is_true(json_object_get(o, "time_unsure")));
	assert_int_equal(int_of(o, "received_at_us"), T_UNSET);
	assert_non_null(
	    strstr(json_string_value(json_object_get(o, "time_note")),
		   "not corrected"));
	json_decref(o);

	/* a known date is not touched */
	o = receipt(f->s, sure);
	assert_int_equal(int_of(o, "received_at_us"), BOOT_AT + 50 * SEC);
	assert_true(json_is_null(json_object_get(o, "time_note")));
	json_decref(o);

	/* no entry rewritten: the chain holds, the correction is in it */
	assert_int_equal(store_audit_verify(f->s, &checked, &bad), 0);
	assert_true(checked >= 6);

	/* twice: nothing left to correct in this boot */
	assert_int_equal(store_clock_correct(f->s, BOOT_A, BOOT_AT, 0,
					     "station", BOOT_AT + 130 * SEC,
					     &corrected, &left),
			 0);
	assert_int_equal(corrected, 0);
	assert_int_equal(left, 1);
}

static void test_the_correction_is_audited(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db;
	sqlite3_stmt *st;
	const char *detail;

	open_receipt(f->s, "RMA-1", T_UNSET, BOOT_A, 60 * SEC);
	assert_int_equal(store_clock_correct(f->s, BOOT_A, BOOT_AT, 42 * SEC,
					     "station", BOOT_AT + SEC, NULL,
					     NULL),
			 0);
	assert_int_equal(
	    sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db,
			       "SELECT action, subject, detail FROM audit "
			       "ORDER BY id DESC LIMIT 1",
			       -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0),
			    "clock.corrected");
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "clock");
	detail = (const char *)sqlite3_column_text(st, 2);
	assert_non_null(strstr(detail, "\"shift_us\":42000000"));
	assert_non_null(strstr(detail, "\"receipts\":[1]"));
	assert_non_null(strstr(detail, BOOT_A));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Bad input changes nothing. */
static void test_bad_input(void **state)
{
	struct fixture *f = *state;
	struct receipt_open ro = {.routine = ROUTINE_RETURN};
	int64_t id = 0;

	assert_int_equal(
	    store_clock_correct(f->s, "short", 0, 0, "station", 1, NULL, NULL),
	    -EINVAL);
	assert_int_equal(
	    store_clock_correct(f->s, NULL, 0, 0, "station", 1, NULL, NULL),
	    -EINVAL);
	snprintf(ro.desk, sizeof(ro.desk), "d1");
	snprintf(ro.clerk, sizeof(ro.clerk), "anna");
	snprintf(ro.code, sizeof(ro.code), "RMA-1");
	ro.received_at = T_UNSET;
	ro.time_unsure = true;
	snprintf(ro.boot_id, sizeof(ro.boot_id), "not-a-boot-id");
	assert_int_equal(store_receipt_open(f->s, &ro, &id), -EINVAL);
	ro.boot_id[0] = '\0'; /* unreadable: marked, never correctable */
	assert_int_equal(store_receipt_open(f->s, &ro, &id), 0);
	snprintf(ro.boot_id, sizeof(ro.boot_id), "%s", BOOT_A);
	ro.boot_us = -1;
	assert_int_equal(store_receipt_open(f->s, &ro, &id), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_marked_receipts_are_corrected,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_the_correction_is_audited,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
