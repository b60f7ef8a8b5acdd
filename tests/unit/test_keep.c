/* SPDX-License-Identifier: MIT */
/*
 * The arithmetic of what the station keeps (issue 12): retention periods
 * (retention.h) and the disk's rate, days left and state (disk.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "retour/disk.h"
#include "retour/retention.h"

#define DAY RETENTION_DAY_US
#define MIB (INT64_C(1) << 20)

static void test_photo_kinds(void **state)
{
	(void)state;
	assert_true(retention_step_is_label("parcel"));
	assert_true(retention_step_is_label("sealed_box"));
	assert_false(retention_step_is_label("item_photo"));
	assert_false(retention_step_is_label("open_box"));
	assert_false(retention_step_is_label(NULL));
	assert_int_equal(retention_photo_kind("parcel"),
			 RETENTION_LABEL_PHOTOS);
	assert_int_equal(retention_photo_kind("evidence"),
			 RETENTION_OTHER_PHOTOS);
	assert_string_equal(retention_kind_key(RETENTION_PERSONAL),
			    "personal_days");
	assert_string_equal(retention_kind_name(RETENTION_KIND_COUNT),
			    "unknown");
}

static void test_periods_count_from_their_start(void **state)
{
	struct retention_policy p = {.days = {180, 0, 30}};
	int64_t refund = INT64_C(1764547200000000); /* 2025-12-01 */

	(void)state;
	assert_int_equal(
	    retention_expires_at(&p, RETENTION_LABEL_PHOTOS, refund),
	    refund + 180 * DAY);
	/* 0 days: kept */
	assert_true(retention_expires_at(&p, RETENTION_OTHER_PHOTOS, refund) ==
		    RETENTION_NEVER);
	assert_true(retention_cutoff(&p, RETENTION_OTHER_PHOTOS, refund) ==
		    INT64_MIN);
	assert_int_equal(retention_cutoff(&p, RETENTION_PERSONAL, refund),
			 refund - 30 * DAY);
	/* no overflow at the ends, no time before 1970 */
	assert_true(retention_expires_at(&p, RETENTION_LABEL_PHOTOS,
					 INT64_MAX - DAY) == RETENTION_NEVER);
	assert_true(retention_expires_at(&p, RETENTION_LABEL_PHOTOS, -1) ==
		    RETENTION_NEVER);
	assert_true(retention_cutoff(&p, RETENTION_LABEL_PHOTOS,
				     INT64_MIN + DAY) == INT64_MIN);
	assert_true(retention_expires_at(NULL, RETENTION_LABEL_PHOTOS, 0) ==
		    RETENTION_NEVER);
	assert_true(retention_expires_at(&p, RETENTION_KIND_COUNT, 0) ==
		    RETENTION_NEVER);
}

/* A decided return whose refund the shop confirmed two days later. */
static struct retention_record record_refunded(int64_t decided)
{
	return (struct retention_record){
	    .closed_us = decided, .refund_confirmed_us = decided + 2 * DAY};
}

static void test_a_finished_record_counts_from_its_close(void **state)
{
	struct retention_policy p = {0};
	int64_t decided = INT64_C(1764547200000000); /* 2025-12-01 */
	struct retention_record r = record_refunded(decided);
	int64_t since = -1;

	(void)state;
	p.days[RETENTION_RECEIPTS] = 365;
	p.days[RETENTION_ANSWERS] = 30;
	/* the refund confirmed is the later close */
	assert_int_equal(
	    retention_record_since(&r, decided + 400 * DAY, &since),
	    RETENTION_HOLD_NONE);
	assert_int_equal(since, decided + 2 * DAY);
	assert_int_equal(retention_expires_at(&p, RETENTION_RECEIPTS, since),
			 decided + 367 * DAY);
	assert_int_equal(retention_expires_at(&p, RETENTION_ANSWERS, since),
			 decided + 32 * DAY);
	/* the default keeps: no period for shipments, decisions, labels */
	assert_true(retention_expires_at(&p, RETENTION_SHIPMENTS, since) ==
		    RETENTION_NEVER);
	assert_true(retention_expires_at(&p, RETENTION_OUTBOX, since) ==
		    RETENTION_NEVER);
	/* no refund (rejected, or a shipment): the decision is the close */
	r.refund_confirmed_us = 0;
	assert_int_equal(retention_record_since(&r, decided, &since),
			 RETENTION_HOLD_NONE);
	assert_int_equal(since, decided);
	r.ship_qc = true;
	assert_int_equal(retention_record_kind(&r), RETENTION_SHIPMENTS);
	r.ship_qc = false;
	assert_int_equal(retention_record_kind(&r), RETENTION_RECEIPTS);
	assert_true(retention_kind_is_record(RETENTION_OUTBOX));
	assert_true(retention_kind_is_record(RETENTION_RECEIPTS));
	assert_false(retention_kind_is_record(RETENTION_PERSONAL));
	assert_false(retention_kind_is_record(RETENTION_KIND_COUNT));
	assert_string_equal(retention_kind_key(RETENTION_SHIPMENTS),
			    "shipments_days");
	assert_string_equal(retention_kind_name(RETENTION_OUTBOX), "outbox");
}

static void test_an_unfinished_record_is_kept(void **state)
{
	int64_t decided = INT64_C(1764547200000000);
	int64_t far = decided + 36500 * DAY, since = -1;
	struct retention_record r;

	(void)state;
	r = record_refunded(decided);
	r.open = true; /* still at the desk (or abandoned mid-way) */
	assert_int_equal(retention_record_since(&r, far, &since),
			 RETENTION_HOLD_OPEN);
	assert_int_equal(since, 0);
	r = record_refunded(decided);
	r.on_hold = true;
	assert_int_equal(retention_record_since(&r, far, &since),
			 RETENTION_HOLD_ON_HOLD);
	r = record_refunded(decided);
	r.refunds_unconfirmed = 1; /* pending, retrying or dead */
	assert_int_equal(retention_record_since(&r, far, &since),
			 RETENTION_HOLD_REFUND);
	r = record_refunded(decided);
	r.outbox_unfinished = 1; /* an event not delivered */
	assert_int_equal(retention_record_since(&r, far, &since),
			 RETENTION_HOLD_OUTBOX);
	assert_string_equal(retention_hold_name(RETENTION_HOLD_OUTBOX),
			    "outbox_unfinished");
	r = record_refunded(decided);
	r.closed_us = 0;
	assert_int_equal(retention_record_since(&r, far, &since),
			 RETENTION_HOLD_UNKNOWN);
}

static void test_a_complaint_waits_for_its_deadline(void **state)
{
	int64_t decided = INT64_C(1764547200000000), since = -1;
	struct retention_record r = {.closed_us = decided,
				     .complaint_due_us = decided + 14 * DAY};

	(void)state;
	/* the 14 days to answer have not passed: kept */
	assert_int_equal(retention_record_since(&r, decided + 13 * DAY, &since),
			 RETENTION_HOLD_COMPLAINT);
	assert_int_equal(
	    retention_record_since(&r, decided + 14 * DAY - 1, &since),
	    RETENTION_HOLD_COMPLAINT);
	/* passed: the period counts from the deadline */
	assert_int_equal(retention_record_since(&r, decided + 14 * DAY, &since),
			 RETENTION_HOLD_NONE);
	assert_int_equal(since, decided + 14 * DAY);
	assert_string_equal(retention_hold_name(RETENTION_HOLD_COMPLAINT),
			    "complaint_deadline_ahead");
}

static void test_rate_and_days_left(void **state)
{
	(void)state;
	/* 70 MiB in a week: 10 MiB a day */
	assert_int_equal(disk_bytes_per_day(70 * MIB, 7 * DAY), 10 * MIB);
	/* a large week goes through the other branch, same answer */
	assert_int_equal(disk_bytes_per_day(INT64_C(7000) * MIB, 7 * DAY),
			 INT64_C(1000) * MIB);
	assert_int_equal(disk_bytes_per_day(0, 7 * DAY), 0);
	assert_int_equal(disk_bytes_per_day(-5, 7 * DAY), 0);
	assert_int_equal(disk_bytes_per_day(5, 0), 0);
	assert_true(disk_bytes_per_day(INT64_MAX, 1) == INT64_MAX);
	/* 1064 MiB free, refused below 64 MiB, 10 MiB a day: 100 days */
	assert_int_equal(disk_days_left(1064 * MIB, 64 * MIB, 10 * MIB), 100);
	assert_int_equal(disk_days_left(1069 * MIB, 64 * MIB, 10 * MIB), 100);
	assert_int_equal(disk_days_left(60 * MIB, 64 * MIB, 10 * MIB), 0);
	assert_int_equal(disk_days_left(1064 * MIB, 64 * MIB, 0), -1);
}

static void test_states_by_floor(void **state)
{
	(void)state;
	assert_int_equal(disk_state_of(2048 * MIB, 1024 * MIB, 64 * MIB),
			 DISK_OK);
	assert_int_equal(disk_state_of(1023 * MIB, 1024 * MIB, 64 * MIB),
			 DISK_LOW);
	assert_int_equal(disk_state_of(63 * MIB, 1024 * MIB, 64 * MIB),
			 DISK_FULL);
	assert_int_equal(disk_state_of(0, 0, 0), DISK_OK);
	assert_string_equal(disk_state_name(DISK_LOW), "low");
	assert_string_equal(disk_state_name((enum disk_state)9), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_photo_kinds),
	    cmocka_unit_test(test_periods_count_from_their_start),
	    cmocka_unit_test(test_a_finished_record_counts_from_its_close),
	    cmocka_unit_test(test_an_unfinished_record_is_kept),
	    cmocka_unit_test(test_a_complaint_waits_for_its_deadline),
	    cmocka_unit_test(test_rate_and_days_left),
	    cmocka_unit_test(test_states_by_floor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
