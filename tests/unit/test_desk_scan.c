/* SPDX-License-Identifier: MIT */
/*
 * The desk decides what a code means by the step it is at, from the
 * readings the classifier gives (code.h): a misread product code is
 * refused at the item step and never taken for a parcel number; at the
 * parcel step a code's other reading (a DPD number that is also a GTIN-14
 * misread) opens a parcel only when an expected return carries it.  An
 * RMA-like code that matches nothing is "not found" with two ways on:
 * search by order or tracking number, or an unexpected return, which then
 * goes through weigh, photo, item scans and checklist to a hold.
 *
 * Codes go through the real classifier, the desk through desk_handle().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "retour/workflow.h"

#define T0 (INT64_C(1715342400) * USEC_PER_SEC)
#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define GTIN_A14 "05901234123457"
#define GTIN_A14_MISREAD "05901234123458" /* also a DPD number */
#define GTIN_B "12345670"
#define TEST_RECEIPT 9

#include "desk_fixture.h"

static const struct code_patterns test_patterns = {.rma = "RMA-*",
						   .order = "ORD-*"};

static int test_setup(void **state)
{
	struct checklist cl;
	char err[256], *buf;
	FILE *f = fopen("checklists/default-return.ini", "rb");
	long n;

	if (!f)
		fail_msg("run from the repository root");
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (checklist_parse(buf, (size_t)n, &cl, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	free(buf);
	memset(&test_set, 0, sizeof(test_set));
	assert_int_equal(checklist_set_add(&test_set, &cl), 0);
	return 0;
}

/* A desk with scale and camera, signed in, at the scan step. */
static void test_desk_ready(void)
{
	memset(&test_cfg, 0, sizeof(test_cfg));
	rules_policy_defaults(&test_cfg.policy);
	test_cfg.checklists = &test_set;
	test_cfg.has_scale = true;
	test_cfg.has_camera = true;
	test_cfg.step_timeout_us = 10 * 60 * USEC_PER_SEC;
	test_now = T0;
	desk_init(&test_desk, &test_cfg);
	test_feed((struct desk_event){.kind = DESK_EV_SIGN_IN, .clerk = "ola"});
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
}

static struct code test_classify(const char *raw)
{
	struct code c;

	assert_int_equal(code_classify(raw, strlen(raw), &test_patterns, &c),
			 0);
	return c;
}

static struct desk_actions *test_scan(const char *raw,
				      const struct expected_return *er)
{
	struct code c = test_classify(raw);

	return test_feed((struct desk_event){
	    .kind = DESK_EV_SCAN, .code = &c, .expected = er});
}

static bool test_has_action(enum desk_action_kind k)
{
	for (int i = 0; i < test_out.n; i++)
		if (test_out.a[i].kind == k)
			return true;
	return false;
}

static const struct desk_action *test_action(enum desk_action_kind k)
{
	for (int i = 0; i < test_out.n; i++)
		if (test_out.a[i].kind == k)
			return &test_out.a[i];
	fail_msg("no action %d", (int)k);
	return NULL;
}

static struct expected_return test_expected(const char *lookup)
{
	struct expected_return er;

	memset(&er, 0, sizeof(er));
	er.id = 42;
	er.kind = RETURN_WITHDRAWAL;
	snprintf(er.rma, sizeof(er.rma), "RMA-10001");
	snprintf(er.order_ref, sizeof(er.order_ref), "ORD-1001");
	snprintf(er.currency, sizeof(er.currency), "PLN");
	er.delivered_at = T0 - 3 * 86400 * USEC_PER_SEC;
	if (lookup) {
		snprintf(er.lookup_codes[0], sizeof(er.lookup_codes[0]), "%s",
			 lookup);
		er.n_lookup_codes = 1;
	}
	er.n_items = 1;
	snprintf(er.items[0].sku, sizeof(er.items[0].sku), "TSHIRT-M");
	snprintf(er.items[0].gtin, sizeof(er.items[0].gtin), GTIN_A14);
	er.items[0].quantity = 2;
	er.items[0].unit_price_minor = 4999;
	er.items[0].weight_g = 200;
	return er;
}

/* Weigh and photograph the open parcel: the items step comes next. */
static void test_weigh_and_photograph(void)
{
	test_feed((struct desk_event){.kind = DESK_EV_WEIGHT,
				      .weight_status = DESK_WEIGHT_STABLE,
				      .grams = 420});
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
	test_feed(
	    (struct desk_event){.kind = DESK_EV_PHOTO, .photo_sha256 = SHA_A});
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
}

/* At the item step a GTIN whose check digit fails is a misread: refused
 * with "scan again", nothing recorded, never read as a DPD number. */
static void test_item_step_refuses_a_misread(void **state)
{
	struct expected_return er = test_expected(NULL);

	test_desk_ready();
	test_scan("RMA-10001", &er);
	assert_true(test_has_action(DESK_ACT_OPEN_RECEIPT));
	test_weigh_and_photograph();
	test_scan(GTIN_A14_MISREAD, NULL);
	assert_false(test_has_action(DESK_ACT_RECORD_ITEM_SCAN));
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	assert_int_equal(test_desk.found.items[0].quantity, 0);
	assert_non_null(strstr(test_desk.problem, "scan again"));
	assert_non_null(strstr(test_desk.problem, "misread"));
	assert_int_equal(test_desk.light, DESK_LIGHT_RED);
	/* the good code counts */
	test_scan(GTIN_A14, NULL);
	assert_true(test_has_action(DESK_ACT_RECORD_ITEM_SCAN));
	assert_int_equal(test_desk.found.items[0].quantity, 1);
}

/* At the parcel step the same characters are a DPD number, but only for
 * an expected return that carries them as a lookup code. */
static void test_parcel_step_dpd_only_when_expected(void **state)
{
	struct expected_return carried = test_expected(GTIN_A14_MISREAD);
	struct expected_return other = test_expected("JJD0039000000000");
	const struct desk_action *a;

	test_desk_ready();
	test_scan(GTIN_A14_MISREAD, NULL);
	assert_false(test_has_action(DESK_ACT_OPEN_RECEIPT));
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_non_null(strstr(test_desk.problem, "scan again"));

	test_scan(GTIN_A14_MISREAD, &other);
	assert_false(test_has_action(DESK_ACT_OPEN_RECEIPT));
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);

	test_scan(GTIN_A14_MISREAD, &carried);
	a = test_action(DESK_ACT_OPEN_RECEIPT);
	assert_int_equal(a->expected_id, 42);
	assert_string_equal(a->code, GTIN_A14_MISREAD);
	assert_true(test_desk.have_expected);
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
}

/* A UPC-A that is also a FedEx number, found by its FedEx reading: the
 * parcel's code is the number the return carries. */
static void test_parcel_step_other_valid_reading(void **state)
{
	struct expected_return er = test_expected("797806677146");

	test_desk_ready();
	test_scan("797806677146", &er);
	assert_string_equal(test_action(DESK_ACT_OPEN_RECEIPT)->code,
			    "797806677146");
}

/* An RMA-like code that matches nothing: not found, two ways on, and the
 * desk stays at the scan step. */
static void test_rma_not_found_offers_the_choices(void **state)
{
	struct expected_return er = test_expected(NULL);

	test_desk_ready();
	test_scan("RMA-99999", NULL);
	assert_false(test_has_action(DESK_ACT_OPEN_RECEIPT));
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_string_equal(test_desk.problem, "RMA-99999 not found");
	assert_non_null(strstr(test_desk.prompt, "order or tracking number"));
	assert_non_null(strstr(test_desk.prompt, "unexpected return"));
	assert_string_equal(test_desk.not_found, "RMA-99999");
	assert_int_equal(test_desk.light, DESK_LIGHT_AMBER);
	/* a search that finds nothing keeps the RMA */
	test_scan("ORD-5", NULL);
	assert_false(test_has_action(DESK_ACT_OPEN_RECEIPT));
	assert_string_equal(test_desk.not_found, "RMA-99999");
	assert_string_equal(test_desk.problem, "ORD-5 not found");
	/* searching by the order number finds the return */
	test_scan("ORD-1001", &er);
	assert_int_equal(test_action(DESK_ACT_OPEN_RECEIPT)->expected_id, 42);
	assert_string_equal(test_desk.not_found, "");
	assert_true(test_desk.have_expected);
}

static void test_unexpected_needs_a_code_not_found(void **state)
{
	test_desk_ready();
	test_feed((struct desk_event){.kind = DESK_EV_UNEXPECTED});
	assert_false(test_has_action(DESK_ACT_OPEN_RECEIPT));
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_non_null(strstr(test_desk.problem, "unexpected return"));
}

/* Answer whatever the checklist asks: pass, done, the first choice, the
 * lowest measure, a photo. */
static void test_answer_checklist(void)
{
	for (int guard = 0; test_desk.step == DESK_STEP_CHECKLIST; guard++) {
		const struct checklist_step *st =
		    &test_desk.checklist->steps[test_desk.check_step];
		char text[32];

		assert_true(guard < 64);
		switch (st->kind) {
		case CHECKLIST_PHOTO:
			test_feed((struct desk_event){.kind = DESK_EV_PHOTO,
						      .photo_sha256 = SHA_A});
			continue;
		case CHECKLIST_CHOICE:
			snprintf(text, sizeof(text), "%s", st->choices[0]);
			break;
		case CHECKLIST_MEASURE:
			snprintf(text, sizeof(text), "%lld",
				 (long long)st->min);
			break;
		case CHECKLIST_INSTRUCTION:
			snprintf(text, sizeof(text), "done");
			break;
		default:
			snprintf(text, sizeof(text), "pass");
			break;
		}
		test_feed(
		    (struct desk_event){.kind = DESK_EV_ANSWER, .text = text});
	}
}

/* Not found, then an unexpected return (the accept button): weigh,
 * photo, the items scanned and checked, and a hold. */
static void test_unexpected_return_scans_items(void **state)
{
	const struct desk_action *a;

	test_desk_ready();
	test_scan("RMA-99999", NULL);
	test_feed((struct desk_event){.kind = DESK_EV_BUTTON,
				      .button = DESK_BUTTON_ACCEPT});
	a = test_action(DESK_ACT_OPEN_RECEIPT);
	assert_int_equal(a->expected_id, 0);
	assert_string_equal(a->code, "RMA-99999");
	assert_false(test_desk.have_expected);
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
	test_weigh_and_photograph();
	assert_non_null(strstr(test_desk.prompt, "scan each item"));

	test_scan(GTIN_A14, NULL);
	a = test_action(DESK_ACT_RECORD_ITEM_SCAN);
	assert_int_equal(a->item, -1);
	assert_string_equal(a->code, GTIN_A14);
	test_scan(GTIN_B, NULL);
	test_scan(GTIN_A14, NULL);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	assert_int_equal(test_desk.expected.n_items, 2);
	assert_int_equal(test_desk.found.items[0].quantity, 2);
	assert_int_equal(test_desk.found.items[1].quantity, 1);
	/* a misread is refused here too */
	test_scan(GTIN_A14_MISREAD, NULL);
	assert_false(test_has_action(DESK_ACT_RECORD_ITEM_SCAN));

	test_feed((struct desk_event){.kind = DESK_EV_ITEMS_DONE});
	assert_int_equal(test_desk.step, DESK_STEP_CHECKLIST);
	test_answer_checklist();
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_HOLD);
	assert_int_equal(test_desk.proposal.reasons[0].code,
			 REASON_UNEXPECTED_RETURN);
	assert_non_null(
	    strstr(test_desk.proposal.reasons[0].text, "RMA-99999"));
	test_feed((struct desk_event){.kind = DESK_EV_BUTTON,
				      .button = DESK_BUTTON_ACCEPT});
	assert_int_equal(test_desk.decision.verdict, VERDICT_HOLD);
	assert_int_equal(test_desk.decision.refund_minor, 0);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
}

/* Other codes that match nothing still open an unexpected return at
 * once, as before: only an RMA-like code asks first. */
static void test_unknown_tracking_number_opens_unexpected(void **state)
{
	test_desk_ready();
	test_scan("1Z999AA10123456784", NULL);
	assert_int_equal(test_action(DESK_ACT_OPEN_RECEIPT)->expected_id, 0);
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_item_step_refuses_a_misread),
	    cmocka_unit_test(test_parcel_step_dpd_only_when_expected),
	    cmocka_unit_test(test_parcel_step_other_valid_reading),
	    cmocka_unit_test(test_rma_not_found_offers_the_choices),
	    cmocka_unit_test(test_unexpected_needs_a_code_not_found),
	    cmocka_unit_test(test_unexpected_return_scans_items),
	    cmocka_unit_test(test_unknown_tracking_number_opens_unexpected),
	};

	return cmocka_run_group_tests(tests, test_setup, NULL);
}
