/* SPDX-License-Identifier: MIT */
/*
 * The weigh step's manual weight: a clerk whose scale cannot weigh types
 * the weight in with a reason.  The desk takes it only at the weigh step,
 * only 1..DESK_MANUAL_WEIGHT_MAX_G grams with a reason of valid UTF-8 up to
 * DESK_MANUAL_REASON_MAX bytes, and the record it asks for says it was
 * typed in and why.  Anything else changes nothing but the problem shown.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retour/workflow.h"

/* 2024-05-10T12:00:00Z */
#define T0 (INT64_C(1715342400) * USEC_PER_SEC)
#define TEST_RECEIPT 9

#include "desk_fixture.h"

static struct expected_return test_er;

static struct desk_actions *test_manual(int32_t grams, const char *reason)
{
	return test_feed_raw((struct desk_event){.kind = DESK_EV_WEIGHT,
						 .manual = true,
						 .grams = grams,
						 .text = reason});
}

static const struct desk_action *test_find(enum desk_action_kind kind)
{
	for (int i = 0; i < test_out.n; i++)
		if (test_out.a[i].kind == kind)
			return &test_out.a[i];
	fail_msg("no action of kind %d among %d", kind, test_out.n);
	return NULL;
}

/* A desk with a scale and a camera, a clerk signed in, a parcel of 350 g
 * expected scanned: the desk waits at the weigh step. */
static int test_at_weigh(void **state)
{
	struct code rma;
	struct return_item *it = &test_er.items[0];

	(void)state;
	memset(&test_set, 0, sizeof(test_set));
	memset(&test_cfg, 0, sizeof(test_cfg));
	rules_policy_defaults(&test_cfg.policy);
	test_cfg.checklists = &test_set;
	test_cfg.has_scale = true;
	test_cfg.has_camera = true;
	test_cfg.step_timeout_us = 10 * 60 * USEC_PER_SEC;
	test_now = T0;
	desk_init(&test_desk, &test_cfg);

	memset(&test_er, 0, sizeof(test_er));
	test_er.id = 42;
	snprintf(test_er.rma, sizeof(test_er.rma), "RMA-00042");
	test_er.kind = RETURN_WITHDRAWAL;
	memcpy(test_er.currency, "PLN", 4);
	test_er.delivered_at = T0 - 3 * USEC_PER_DAY;
	test_er.n_items = 1;
	snprintf(it->sku, sizeof(it->sku), "HP-100");
	snprintf(it->gtin, sizeof(it->gtin), "5901234123457");
	it->quantity = 1;
	it->unit_price_minor = 10999;
	it->weight_g = 350;

	memset(&rma, 0, sizeof(rma));
	rma.kind = CODE_RMA;
	rma.valid = true;
	snprintf(rma.value, sizeof(rma.value), "RMA-00042");
	test_feed_raw(
	    (struct desk_event){.kind = DESK_EV_SIGN_IN, .clerk = "anna"});
	test_feed_raw((struct desk_event){
	    .kind = DESK_EV_SCAN, .code = &rma, .expected = &test_er});
	test_feed_raw((struct desk_event){.kind = DESK_EV_RECEIPT_OPENED,
					  .receipt = TEST_RECEIPT});
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
	/* the scale cannot weigh it */
	test_feed_raw((struct desk_event){.kind = DESK_EV_WEIGHT,
					  .weight_status = DESK_WEIGHT_ERROR});
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
	return 0;
}

static void test_manual_weight_recorded_with_reason(void **state)
{
	const struct desk_action *a;

	(void)state;
	test_manual(360, "scale display broken, weighed on the spare");
	a = test_find(DESK_ACT_RECORD_WEIGHT);
	assert_true(a->weighed);
	assert_true(a->manual);
	assert_int_equal(a->grams, 360);
	assert_false(a->mismatch);
	assert_string_equal(a->reason,
			    "scale display broken, weighed on the spare");
	test_find(DESK_ACT_TAKE_PHOTO);
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
	assert_true(test_desk.found.weighed);
	assert_int_equal(test_desk.found.weight_g, 360);
	assert_string_equal(test_desk.problem, "");
}

/* A typed weight is checked against the expected one like the scale's. */
static void test_manual_weight_mismatch_is_said(void **state)
{
	const struct desk_action *a;

	(void)state;
	test_manual(900, "scale broken");
	a = test_find(DESK_ACT_RECORD_WEIGHT);
	assert_true(a->manual);
	assert_true(a->mismatch);
	assert_string_equal(test_desk.problem,
			    "Weight 900 g, expected 350 g +/- 50 g");
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
}

/* The scale's own reading says nothing of a reason. */
static void test_scale_weight_is_not_manual(void **state)
{
	const struct desk_action *a;

	(void)state;
	test_feed_raw((struct desk_event){.kind = DESK_EV_WEIGHT,
					  .weight_status = DESK_WEIGHT_STABLE,
					  .grams = 355,
					  .text = "ignored"});
	a = test_find(DESK_ACT_RECORD_WEIGHT);
	assert_false(a->manual);
	assert_string_equal(a->reason, "");
	assert_int_equal(a->grams, 355);
}

static void test_manual_weight_needs_a_reason(void **state)
{
	static const char *const reasons[] = {NULL, "", "   ", "\t\n"};
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		assert_int_equal(desk_manual_weight_check(&test_desk, 360,
							  reasons[i], err,
							  sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "needs a reason"));
		assert_int_equal(test_manual(360, reasons[i])->n, 0);
		assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
		assert_false(test_desk.found.weighed);
		assert_non_null(strstr(test_desk.problem, "needs a reason"));
	}
}

static void test_manual_weight_bounds(void **state)
{
	static const int64_t bad[] = {0, -1, -350, DESK_MANUAL_WEIGHT_MAX_G + 1,
				      INT64_C(5000000000)};
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(desk_manual_weight_check(&test_desk, bad[i],
							  "scale broken", err,
							  sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "1 to 1000000 grams"));
	}
	assert_int_equal(test_manual(0, "scale broken")->n, 0);
	assert_int_equal(test_manual(-20, "scale broken")->n, 0);
	assert_int_equal(test_manual(DESK_MANUAL_WEIGHT_MAX_G + 1, "x")->n, 0);
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
	assert_int_equal(
	    desk_manual_weight_check(&test_desk, 1, "x", err, sizeof(err)), 0);
	assert_int_equal(desk_manual_weight_check(&test_desk,
						  DESK_MANUAL_WEIGHT_MAX_G, "x",
						  err, sizeof(err)),
			 0);
	test_manual(DESK_MANUAL_WEIGHT_MAX_G, "pallet scale");
	assert_int_equal(test_find(DESK_ACT_RECORD_WEIGHT)->grams,
			 DESK_MANUAL_WEIGHT_MAX_G);
}

static void test_manual_weight_reason_text(void **state)
{
	static const char *const not_utf8[] = {
	    "\xff",	    "broken \xc3",	/* cut short */
	    "\xc0\xaf",	    "\xe0\x80\xaf",	/* overlong */
	    "\xed\xa0\x80", "\xf4\x90\x80\x80", /* surrogate, > U+10FFFF */
	    "\x80 stray",
	};
	const char *polish = "Waga uszkodzona \xe2\x80\x93 zwa\xc5\xbcono "
			     "r\xc4\x99\x63znie";
	char longest[DESK_MANUAL_REASON_MAX + 2], err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(not_utf8) / sizeof(not_utf8[0]); i++) {
		assert_int_equal(desk_manual_weight_check(&test_desk, 360,
							  not_utf8[i], err,
							  sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "UTF-8"));
		assert_int_equal(test_manual(360, not_utf8[i])->n, 0);
	}
	memset(longest, 'x', sizeof(longest));
	longest[DESK_MANUAL_REASON_MAX + 1] = '\0';
	assert_int_equal(desk_manual_weight_check(&test_desk, 360, longest, err,
						  sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "over 200 bytes"));
	assert_int_equal(test_manual(360, longest)->n, 0);
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);

	/* 200 bytes is the limit itself, kept whole */
	longest[DESK_MANUAL_REASON_MAX] = '\0';
	test_manual(360, longest);
	assert_string_equal(test_find(DESK_ACT_RECORD_WEIGHT)->reason, longest);

	test_at_weigh(NULL);
	test_manual(360, polish);
	assert_string_equal(test_find(DESK_ACT_RECORD_WEIGHT)->reason, polish);
}

/* Only at the weigh step: before a parcel and after it is weighed the
 * desk refuses, and the check says so as the API's 409. */
static void test_manual_weight_only_at_weigh(void **state)
{
	char err[160];

	(void)state;
	test_manual(360, "scale broken");
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
	assert_int_equal(desk_manual_weight_check(&test_desk, 360, "again", err,
						  sizeof(err)),
			 -EBUSY);
	assert_string_equal(err, "a weight is not expected now (step photo)");
	assert_int_equal(test_manual(360, "again")->n, 0);
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
	assert_string_equal(test_desk.problem,
			    "A weight not expected now (step photo)");

	test_feed_raw((struct desk_event){.kind = DESK_EV_CANCEL});
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_int_equal(
	    desk_manual_weight_check(&test_desk, 360, "x", err, sizeof(err)),
	    -EBUSY);
	assert_int_equal(test_manual(360, "x")->n, 0);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	/* bad input is said first, whatever the step */
	assert_int_equal(
	    desk_manual_weight_check(&test_desk, 0, "x", err, sizeof(err)),
	    -EINVAL);
}

/* Every state a scale reports has a sentence that tells the clerk what
 * to do, and the desk stays at the weighing step. */
static void test_scale_states_have_their_words(void **state)
{
	static const struct {
		enum desk_weight_status st;
		const char *starts;
	} cases[] = {
	    {DESK_WEIGHT_UNSTABLE, "The weight does not settle"},
	    {DESK_WEIGHT_OVERLOAD, "Scale overloaded"},
	    {DESK_WEIGHT_UNDERLOAD, "Scale reads below zero"},
	    {DESK_WEIGHT_ERROR, "Scale error"},
	    {DESK_WEIGHT_OFFLINE, "Scale not answering"},
	    {DESK_WEIGHT_NEEDS_ZERO, "Scale asks to be zeroed: empty it, "
				     "press its zero key"},
	    {DESK_WEIGHT_NEEDS_CALIBRATION, "Scale needs calibration: call "
					    "the technician"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_feed_raw((struct desk_event){.kind = DESK_EV_WEIGHT,
						  .weight_status = cases[i].st,
						  .grams = 5});
		assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
		assert_false(test_desk.found.weighed);
		assert_memory_equal(test_desk.problem, cases[i].starts,
				    strlen(cases[i].starts));
		for (int k = 0; k < test_out.n; k++)
			assert_int_not_equal(test_out.a[k].kind,
					     DESK_ACT_RECORD_WEIGHT);
	}
}

/* A stable reading at or below the empty-scale floor (an empty scale, or
 * one that reads 0 before the parcel is down) is not the parcel's weight:
 * the desk asks for the parcel, asks the scale again at the next tick,
 * and takes the first reading above the floor. */
static void test_empty_scale_is_not_a_weight(void **state)
{
	static const int32_t empty[] = {0, 3, 5};

	(void)state;
	test_cfg.empty_scale_g = 5;
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		test_feed_raw(
		    (struct desk_event){.kind = DESK_EV_WEIGHT,
					.weight_status = DESK_WEIGHT_STABLE,
					.grams = empty[i]});
		assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
		assert_false(test_desk.found.weighed);
		assert_int_equal(test_count(DESK_ACT_RECORD_WEIGHT), 0);
		assert_non_null(
		    strstr(test_desk.problem, "put the parcel on the scale"));
		/* the next tick asks the scale again, once */
		test_feed_raw((struct desk_event){.kind = DESK_EV_TICK});
		assert_int_equal(test_count(DESK_ACT_REQUEST_WEIGHT), 1);
		test_feed_raw((struct desk_event){.kind = DESK_EV_TICK});
		assert_int_equal(test_count(DESK_ACT_REQUEST_WEIGHT), 0);
	}
	test_feed_raw((struct desk_event){.kind = DESK_EV_WEIGHT,
					  .weight_status = DESK_WEIGHT_STABLE,
					  .grams = 6});
	assert_int_equal(test_find(DESK_ACT_RECORD_WEIGHT)->grams, 6);
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
	/* past the weigh step, a tick asks the scale nothing */
	test_feed_raw((struct desk_event){.kind = DESK_EV_TICK});
	assert_int_equal(test_count(DESK_ACT_REQUEST_WEIGHT), 0);
}

/* The floor is the desk's setting; 0 g is never a weight, and a typed-in
 * weight is the clerk's word, not checked against it. */
static void test_empty_scale_floor(void **state)
{
	(void)state;
	test_cfg.empty_scale_g = 0;
	assert_true(desk_scale_is_empty(&test_cfg, 0));
	assert_false(desk_scale_is_empty(&test_cfg, 1));
	test_cfg.empty_scale_g = 20;
	assert_true(desk_scale_is_empty(&test_cfg, 20));
	assert_false(desk_scale_is_empty(&test_cfg, 21));
	test_manual(10, "scale broken");
	assert_int_equal(test_find(DESK_ACT_RECORD_WEIGHT)->grams, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_manual_weight_recorded_with_reason,
				   test_at_weigh),
	    cmocka_unit_test_setup(test_manual_weight_mismatch_is_said,
				   test_at_weigh),
	    cmocka_unit_test_setup(test_scale_weight_is_not_manual,
				   test_at_weigh),
	    cmocka_unit_test_setup(test_manual_weight_needs_a_reason,
				   test_at_weigh),
	    cmocka_unit_test_setup(test_manual_weight_bounds, test_at_weigh),
	    cmocka_unit_test_setup(test_manual_weight_reason_text,
				   test_at_weigh),
	    cmocka_unit_test_setup(test_manual_weight_only_at_weigh,
				   test_at_weigh),
	    cmocka_unit_test_setup(test_scale_states_have_their_words,
				   test_at_weigh),
	    cmocka_unit_test_setup(test_empty_scale_is_not_a_weight,
				   test_at_weigh),
	    cmocka_unit_test_setup(test_empty_scale_floor, test_at_weigh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
