/* SPDX-License-Identifier: MIT */
/*
 * The desk while the date is unknown (a board without a clock, before NTP
 * answers): the parcel is received, scanned and recorded as ever, but its
 * decision waits.  The desk holds at the confirm step with no proposal,
 * the tower shows the station's turn, nothing the clerk presses decides,
 * and when the shell says the date is known (with how far the desk's
 * times were off) the proposal comes by itself, judged on the corrected
 * receipt time.  Also: the shell's correction arithmetic (clock.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retour/clock.h"
#include "retour/workflow.h"

/* 2024-05-10T12:00:00Z: the real date */
#define T0 (INT64_C(1715342400) * USEC_PER_SEC)
/* what a board without a clock reads at boot: 1970-01-02 */
#define T_BOOT (INT64_C(86400) * USEC_PER_SEC)
#define GTIN_A14 "05901234123457"
#define TEST_RECEIPT 11

#include "desk_fixture.h"

#define WHY                                                                    \
	"The clock is not set yet: waiting for network time; the decision "    \
	"waits"

static struct expected_return test_er;

static struct code test_code(enum code_kind kind, const char *value)
{
	struct code c;

	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.valid = true;
	snprintf(c.value, sizeof(c.value), "%s", value);
	return c;
}

/* A desk without scale or camera, its clock at @now, the date unknown
 * when @unknown; a withdrawal delivered @delivered_days before T0. */
static void test_start(int64_t now, bool unknown, int delivered_days)
{
	struct return_item *it = &test_er.items[0];

	memset(&test_set, 0, sizeof(test_set));
	memset(&test_cfg, 0, sizeof(test_cfg));
	rules_policy_defaults(&test_cfg.policy);
	test_cfg.checklists = &test_set;
	test_cfg.step_timeout_us = 10 * 60 * USEC_PER_SEC;
	test_cfg.desk_name = "d1";
	test_cfg.shop = "s";
	test_now = now;
	desk_init(&test_desk, &test_cfg);
	if (unknown)
		test_feed_raw((struct desk_event){.kind = DESK_EV_CLOCK,
						  .date_known = false});
	assert_int_equal(test_desk.date_unknown, unknown);

	memset(&test_er, 0, sizeof(test_er));
	test_er.id = 42;
	snprintf(test_er.rma, sizeof(test_er.rma), "RMA-00042");
	test_er.kind = RETURN_WITHDRAWAL;
	memcpy(test_er.currency, "PLN", 4);
	test_er.delivered_at = T0 - delivered_days * USEC_PER_DAY;
	test_er.n_items = 1;
	snprintf(it->sku, sizeof(it->sku), "HP-100");
	snprintf(it->gtin, sizeof(it->gtin), "5901234123457");
	it->quantity = 1;
	it->unit_price_minor = 10999;
	it->weight_g = 350;
}

/* Sign in, scan the parcel, the record opens, scan its one item. */
static void test_to_decision(void)
{
	struct code rma = test_code(CODE_RMA, "RMA-00042");
	struct code item = test_code(CODE_GTIN, GTIN_A14);

	test_feed_raw(
	    (struct desk_event){.kind = DESK_EV_SIGN_IN, .clerk = "anna"});
	test_feed_raw((struct desk_event){
	    .kind = DESK_EV_SCAN, .code = &rma, .expected = &test_er});
	assert_int_equal(test_count(DESK_ACT_OPEN_RECEIPT), 1);
	test_feed_raw((struct desk_event){.kind = DESK_EV_RECEIPT_OPENED,
					  .receipt = TEST_RECEIPT});
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	test_feed_raw((struct desk_event){.kind = DESK_EV_SCAN, .code = &item});
	/* nothing lost: the item is recorded as ever */
	assert_int_equal(test_count(DESK_ACT_RECORD_ITEM_SCAN), 1);
}

static void test_held(void)
{
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_true(test_desk.clock_hold);
	assert_string_equal(test_desk.problem, WHY);
	assert_string_equal(
	    test_desk.prompt,
	    "Parcel checked: the proposal comes when the clock is set");
	/* the station's turn: amber steady, no beep */
	assert_int_equal(test_desk.tower, TOWER_WORKING);
	assert_int_equal(test_desk.light, DESK_LIGHT_AMBER);
	assert_int_equal(test_desk.proposal.n_reasons, 0);
}

static void test_return_waits_for_the_clock(void **state)
{
	const struct desk_action *light = NULL;

	(void)state;
	test_start(T_BOOT, true, 3);
	test_to_decision();
	test_held();
	for (int i = 0; i < test_out.n; i++)
		if (test_out.a[i].kind == DESK_ACT_SET_LIGHT)
			light = &test_out.a[i];
	assert_non_null(light);
	assert_int_equal(light->tower, TOWER_WORKING);
	assert_false(light->buzzer);

	/* nothing the clerk presses decides */
	test_feed_raw((struct desk_event){.kind = DESK_EV_BUTTON,
					  .button = DESK_BUTTON_ACCEPT});
	assert_int_equal(test_count(DESK_ACT_DECIDE), 0);
	test_feed_raw((struct desk_event){.kind = DESK_EV_BUTTON,
					  .button = DESK_BUTTON_REJECT});
	assert_int_equal(test_count(DESK_ACT_DECIDE), 0);
	test_feed_raw((struct desk_event){.kind = DESK_EV_CONFIRM,
					  .verdict = VERDICT_ACCEPT});
	assert_int_equal(test_count(DESK_ACT_DECIDE), 0);
	assert_false(
	    desk_override_needs_supervisor(&test_desk, VERDICT_ACCEPT));
	test_held();

	/* an hour of waiting for NTP does not park the parcel */
	test_now += 3600 * USEC_PER_SEC;
	test_feed_raw((struct desk_event){.kind = DESK_EV_TICK});
	assert_int_equal(test_count(DESK_ACT_CANCEL_RECEIPT), 0);
	test_held();

	/* the date is known: the desk's times move, the proposal comes */
	test_feed_raw((struct desk_event){.kind = DESK_EV_CLOCK,
					  .date_known = true,
					  .time_shift_us = T0 - T_BOOT});
	assert_false(test_desk.date_unknown);
	assert_false(test_desk.clock_hold);
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_int_equal(test_desk.found.received_at,
			 T_BOOT + 3 * USEC_PER_SEC + T0 - T_BOOT);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_ACCEPT);
	assert_int_equal(test_desk.proposal.refund_minor, 10999);
	assert_string_equal(test_desk.problem, "");
	assert_int_equal(test_desk.tower, TOWER_NEEDS_YOU);
	assert_int_equal(test_count(DESK_ACT_SET_LIGHT), 1);

	test_feed_raw((struct desk_event){.kind = DESK_EV_BUTTON,
					  .button = DESK_BUTTON_ACCEPT});
	assert_int_equal(test_count(DESK_ACT_DECIDE), 1);
}

/* The law judges the corrected date: delivered 30 days before the real
 * receipt, the 14-day window has passed (held to check the posting
 * date), whatever the unset clock said. */
static void test_judged_on_the_corrected_date(void **state)
{
	bool late = false;

	(void)state;
	test_start(T_BOOT, true, 30);
	test_to_decision();
	test_held();
	test_feed_raw((struct desk_event){.kind = DESK_EV_CLOCK,
					  .date_known = true,
					  .time_shift_us = T0 - T_BOOT});
	assert_int_equal(test_desk.proposal.verdict, VERDICT_HOLD);
	for (int i = 0; i < test_desk.proposal.n_reasons; i++)
		late |= test_desk.proposal.reasons[i].code ==
			REASON_CHECK_POSTING_DATE;
	assert_true(late);
}

/* Back from the held decision, and forward again: held again; cancel
 * ends the hold with the parcel. */
static void test_back_and_cancel_end_the_hold(void **state)
{
	(void)state;
	test_start(T_BOOT, true, 3);
	test_to_decision();
	test_held();
	test_feed_raw((struct desk_event){.kind = DESK_EV_BACK});
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	assert_false(test_desk.clock_hold);
	assert_string_equal(test_desk.problem, "");
	test_feed_raw((struct desk_event){.kind = DESK_EV_ITEMS_DONE});
	test_held();
	test_feed_raw((struct desk_event){.kind = DESK_EV_CANCEL});
	assert_int_equal(test_count(DESK_ACT_CANCEL_RECEIPT), 1);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_false(test_desk.clock_hold);
	assert_int_equal(test_desk.tower, TOWER_READY);
}

/* Ship-QC's verdict needs no date, but its record and the event the shop
 * gets are dated: it waits too, then passes. */
static void test_ship_qc_waits_too(void **state)
{
	struct expected_return ship;
	struct code order = test_code(CODE_ORDER, "ORD-7");
	struct code item = test_code(CODE_GTIN, GTIN_A14);

	(void)state;
	test_start(T_BOOT, true, 3);
	ship = test_er;
	ship.kind = RETURN_SHIPMENT;
	test_feed_raw(
	    (struct desk_event){.kind = DESK_EV_SIGN_IN, .clerk = "anna"});
	test_feed_raw((struct desk_event){.kind = DESK_EV_ROUTINE,
					  .routine = DESK_ROUTINE_SHIP_QC});
	test_feed_raw((struct desk_event){
	    .kind = DESK_EV_SCAN, .code = &order, .expected = &ship});
	test_feed_raw((struct desk_event){.kind = DESK_EV_RECEIPT_OPENED,
					  .receipt = TEST_RECEIPT});
	test_feed_raw((struct desk_event){.kind = DESK_EV_SCAN, .code = &item});
	test_held();
	test_feed_raw((struct desk_event){.kind = DESK_EV_CLOCK,
					  .date_known = true,
					  .time_shift_us = T0 - T_BOOT});
	assert_int_equal(test_desk.proposal.verdict, VERDICT_ACCEPT);
	assert_int_equal(test_desk.tower, TOWER_NEEDS_YOU);
}

/* A desk whose date was always known: a clock event moves nothing. */
static void test_known_date_moves_nothing(void **state)
{
	(void)state;
	test_start(T0, false, 3);
	test_to_decision();
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_false(test_desk.clock_hold);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_ACCEPT);
	test_feed_raw(
	    (struct desk_event){.kind = DESK_EV_CLOCK,
				.date_known = true,
				.time_shift_us = 1000 * USEC_PER_DAY});
	assert_int_equal(test_desk.found.received_at, T0 + 2 * USEC_PER_SEC);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_ACCEPT);
}

/* ---- the shell's arithmetic ---- */

static void test_corrected_time(void **state)
{
	int64_t before, after, shift, offset;

	(void)state;
	/* a record at boot time 90 s, the clock synchronised with the
	 * boot's start at T0: it was made at T0 + 90 s */
	assert_int_equal(clock_corrected_us(90 * USEC_PER_SEC, T0),
			 T0 + 90 * USEC_PER_SEC);
	assert_int_equal(clock_corrected_us(-1, T0), 0);

	/* unsure and back, with no step of the clock between: the times
	 * read meanwhile were right, the shift is (nearly) nothing */
	assert_false(clock_is_unsure());
	clock_unsure_begin();
	assert_true(clock_is_unsure());
	before = clock_now_us();
	offset = clock_realtime_offset_us();
	assert_true(before - (clock_boot_us() + offset) < USEC_PER_SEC);
	shift = clock_unsure_end();
	after = clock_now_us();
	assert_false(clock_is_unsure());
	assert_true(shift > -USEC_PER_SEC / 10 && shift < USEC_PER_SEC / 10);
	assert_true(after >= before - USEC_PER_SEC / 10);
	assert_int_equal(clock_unsure_end(), 0);
}

static void test_boot_id(void **state)
{
	char id[CLOCK_BOOT_ID_LEN], small[8];

	(void)state;
	assert_int_equal(clock_boot_id(id, sizeof(id)), 0);
	assert_int_equal(strlen(id), 36);
	assert_int_equal(id[8], '-');
	assert_int_equal(clock_boot_id(small, sizeof(small)), -EINVAL);
	assert_int_equal(clock_boot_id(NULL, 40), -EINVAL);
	/* the kernel answers, one way or the other */
	assert_true(clock_kernel_synced(5 * USEC_PER_SEC) >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_return_waits_for_the_clock),
	    cmocka_unit_test(test_judged_on_the_corrected_date),
	    cmocka_unit_test(test_back_and_cancel_end_the_hold),
	    cmocka_unit_test(test_ship_qc_waits_too),
	    cmocka_unit_test(test_known_date_moves_nothing),
	    cmocka_unit_test(test_corrected_time),
	    cmocka_unit_test(test_boot_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
