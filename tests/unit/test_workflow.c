/* SPDX-License-Identifier: MIT */
/*
 * The desk's workflow: whole routines driven event by event, checking the
 * actions the shell would perform and what the clerk sees (step, prompt,
 * problem, light).  Uses the shipped checklist templates from checklists/
 * (run from the repository root) and the real rules engine.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "retour/workflow.h"

/* 2024-05-10T12:00:00Z */
#define T0 (INT64_C(1715342400) * USEC_PER_SEC)
#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define GTIN_A "5901234123457"
#define GTIN_A14 "05901234123457"
#define GTIN_B "12345670"
#define GTIN_B14 "00000012345670"
#define GTIN_X14 "04006381333931" /* sold nowhere here */
#define TEST_RECEIPT 7

#include "desk_fixture.h"

static void test_load(const char *path)
{
	struct checklist cl;
	char err[256], *buf;
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (checklist_parse(buf, (size_t)n, &cl, err, sizeof(err)) != 0)
		fail_msg("%s: %s", path, err);
	free(buf);
	assert_int_equal(checklist_set_add(&test_set, &cl), 0);
}

static int test_setup(void **state)
{
	static const char *const files[] = {
	    "checklists/default-return.ini", "checklists/electronics.ini",
	    "checklists/apparel.ini", "checklists/hygiene.ini",
	    "checklists/ship-qc.ini"};

	memset(&test_set, 0, sizeof(test_set));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		test_load(files[i]);
	return 0;
}

/* A desk with scale and camera, 10-minute timeout, signed in as anna. */
static void test_desk_start(bool scale, bool camera)
{
	memset(&test_cfg, 0, sizeof(test_cfg));
	rules_policy_defaults(&test_cfg.policy);
	test_cfg.checklists = &test_set;
	test_cfg.has_scale = scale;
	test_cfg.has_camera = camera;
	test_cfg.step_timeout_us = 10 * 60 * USEC_PER_SEC;
	test_cfg.ship_qc_tolerance_g = 30;
	test_now = T0;
	desk_init(&test_desk, &test_cfg);
	assert_int_equal(test_desk.step, DESK_STEP_SIGN_IN);
	assert_int_equal(test_desk.light, DESK_LIGHT_AMBER);
	assert_string_equal(test_desk.prompt, "Scan your badge");
}

static struct desk_actions *test_sign_in(const char *clerk)
{
	return test_feed(
	    (struct desk_event){.kind = DESK_EV_SIGN_IN, .clerk = clerk});
}

static struct code test_code(enum code_kind kind, const char *value, bool valid)
{
	struct code c;

	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.valid = valid;
	snprintf(c.value, sizeof(c.value), "%s", value);
	if (!valid)
		snprintf(c.problem, sizeof(c.problem), "check digit is wrong");
	return c;
}

static struct desk_actions *test_scan(const struct code *c,
				      const struct expected_return *er)
{
	return test_feed((struct desk_event){
	    .kind = DESK_EV_SCAN, .code = c, .expected = er});
}

static struct desk_actions *test_scan_gtin(const char *gtin14)
{
	struct code c = test_code(CODE_GTIN, gtin14, true);

	return test_scan(&c, NULL);
}

static struct desk_actions *test_weight(enum desk_weight_status st,
					int32_t grams)
{
	return test_feed((struct desk_event){
	    .kind = DESK_EV_WEIGHT, .weight_status = st, .grams = grams});
}

static struct desk_actions *test_photo(const char *sha)
{
	return test_feed((struct desk_event){
	    .kind = DESK_EV_PHOTO, .photo_sha256 = sha, .text = "camera busy"});
}

static struct desk_actions *test_button(enum desk_button b)
{
	return test_feed(
	    (struct desk_event){.kind = DESK_EV_BUTTON, .button = b});
}

static struct desk_actions *test_answer(const char *text)
{
	return test_feed(
	    (struct desk_event){.kind = DESK_EV_ANSWER, .text = text});
}

static struct desk_actions *test_simple(enum desk_event_kind kind)
{
	return test_feed((struct desk_event){.kind = kind});
}

static struct desk_actions *test_confirm(enum verdict v, const char *why)
{
	return test_feed((struct desk_event){
	    .kind = DESK_EV_CONFIRM, .verdict = v, .text = why});
}

/* A confirm a supervisor authorised (the shell checked the badge). */
static struct desk_actions *test_confirm_by(enum verdict v, const char *why,
					    const char *supervisor)
{
	return test_feed((struct desk_event){.kind = DESK_EV_CONFIRM,
					     .verdict = v,
					     .text = why,
					     .authorised_by = supervisor});
}

/* The actions' kinds, in order, are exactly @n kinds given; a failure
 * names the caller's line. */
#define test_kinds(...) test_kinds_at(__LINE__, __VA_ARGS__)
static void test_kinds_at(int line, const struct desk_actions *out, int n, ...)
{
	va_list ap;

	if (out->n != n) {
		for (int i = 0; i < out->n; i++)
			print_message("  action %d: kind %d step '%s' text "
				      "'%s'\n",
				      i, out->a[i].kind, out->a[i].step,
				      out->a[i].text);
		fail_msg("line %d: %d actions, expected %d", line, out->n, n);
	}
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		int kind = va_arg(ap, int);

		if ((int)out->a[i].kind != kind)
			fail_msg("line %d: action %d is kind %d, expected %d",
				 line, i, out->a[i].kind, kind);
	}
	va_end(ap);
}

static const struct desk_action *test_find(const struct desk_actions *out,
					   enum desk_action_kind kind)
{
	for (int i = 0; i < out->n; i++)
		if (out->a[i].kind == kind)
			return &out->a[i];
	fail_msg("no action of kind %d", kind);
	return NULL;
}

static bool test_has_reason(const struct proposal *p, enum reason_code code)
{
	for (int i = 0; i < p->n_reasons; i++)
		if (p->reasons[i].code == code)
			return true;
	return false;
}

static struct expected_return test_withdrawal(void)
{
	struct expected_return er;
	struct return_item *it = &er.items[0];

	memset(&er, 0, sizeof(er));
	er.id = 42;
	snprintf(er.rma, sizeof(er.rma), "RMA-00042");
	snprintf(er.order_ref, sizeof(er.order_ref), "100042");
	er.kind = RETURN_WITHDRAWAL;
	memcpy(er.currency, "PLN", 4);
	er.delivered_at = T0 - 3 * USEC_PER_DAY;
	er.delivery_basic_minor = 1298;
	er.n_items = 1;
	snprintf(it->sku, sizeof(it->sku), "HP-100");
	snprintf(it->gtin, sizeof(it->gtin), GTIN_A);
	snprintf(it->name, sizeof(it->name), "Headphones");
	snprintf(it->category, sizeof(it->category), "electronics");
	it->quantity = 1;
	it->unit_price_minor = 10999;
	it->weight_g = 350;
	/* the whole order: delivery is refunded when all of it comes back */
	er.n_order_lines = 1;
	snprintf(er.order_lines[0].sku, sizeof(er.order_lines[0].sku),
		 "HP-100");
	er.order_lines[0].quantity = 1;
	return er;
}

static struct expected_return test_shipment(void)
{
	struct expected_return er;

	memset(&er, 0, sizeof(er));
	er.id = 7;
	snprintf(er.order_ref, sizeof(er.order_ref), "ORD-7");
	er.kind = RETURN_SHIPMENT;
	memcpy(er.currency, "PLN", 4);
	er.n_items = 2;
	snprintf(er.items[0].sku, sizeof(er.items[0].sku), "MUG");
	snprintf(er.items[0].gtin, sizeof(er.items[0].gtin), GTIN_A);
	snprintf(er.items[0].name, sizeof(er.items[0].name), "Mug");
	er.items[0].quantity = 2;
	er.items[0].weight_g = 200;
	snprintf(er.items[1].sku, sizeof(er.items[1].sku), "TEA");
	snprintf(er.items[1].gtin, sizeof(er.items[1].gtin), GTIN_B);
	snprintf(er.items[1].name, sizeof(er.items[1].name), "Tea");
	er.items[1].quantity = 1;
	er.items[1].weight_g = 300;
	return er;
}

/* Signed in, parcel scanned, weighed at @grams and photographed. */
static void test_return_to_items(const struct expected_return *er,
				 int32_t grams)
{
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);

	test_sign_in("anna");
	test_scan(&rma, er);
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
	test_weight(DESK_WEIGHT_STABLE, grams);
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
	test_photo(SHA_A);
}

/* Answer the electronics checklist: all pass, photo, grade A. */
static void test_answer_electronics(void)
{
	assert_int_equal(test_desk.step, DESK_STEP_CHECKLIST);
	assert_string_equal(test_desk.prompt, "Factory seal intact?");
	for (int i = 0; i < 4; i++)
		test_kinds(test_button(DESK_BUTTON_ACCEPT), 1,
			   DESK_ACT_RECORD_ANSWER);
	/* the instruction, then the photo step asks for a picture */
	test_kinds(test_button(DESK_BUTTON_ACCEPT), 2, DESK_ACT_RECORD_ANSWER,
		   DESK_ACT_TAKE_PHOTO);
	assert_string_equal(test_out.a[0].text, "done");
	assert_string_equal(test_out.a[1].step, "serial_photo");
	test_kinds(test_photo(SHA_B), 1, DESK_ACT_RECORD_ANSWER);
	assert_string_equal(test_out.a[0].step, "serial_photo");
	assert_string_equal(test_out.a[0].text, SHA_B);
	assert_string_equal(test_desk.prompt, "Grade (A / B / C / scrap)");
}

/* The screen shows a refund as the label and the CLI do (money_format):
 * each currency with its own minor unit, CLF with four decimals. */
static void test_refund_prompt_money(void **state)
{
	static const struct {
		const char *currency;
		const char *prompt;
	} cases[] = {
	    {"PLN", "Proposal: ACCEPT, refund 122.97 PLN \u2014 press "
		    "accept to confirm"},
	    {"JPY", "Proposal: ACCEPT, refund 12297 JPY \u2014 press "
		    "accept to confirm"},
	    {"KWD", "Proposal: ACCEPT, refund 12.297 KWD \u2014 press "
		    "accept to confirm"},
	    {"CLF", "Proposal: ACCEPT, refund 1.2297 CLF \u2014 press "
		    "accept to confirm"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct expected_return er = test_withdrawal();

		memcpy(er.currency, cases[i].currency, 4);
		test_desk_start(true, true);
		test_return_to_items(&er, 400);
		test_scan_gtin(GTIN_A14);
		test_answer_electronics();
		test_answer("a");
		assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
		assert_int_equal(test_desk.proposal.refund_minor, 12297);
		assert_string_equal(test_desk.prompt, cases[i].prompt);
	}
}

static void test_withdrawal_accepted(void **state)
{
	struct expected_return er = test_withdrawal();
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);
	const struct desk_action *a;

	test_desk_start(true, true);
	test_kinds(test_sign_in("anna"), 1, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].light, DESK_LIGHT_GREEN);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_string_equal(test_desk.clerk, "anna");
	assert_string_equal(test_desk.prompt, "Scan the return label");

	test_kinds(test_scan(&rma, &er), 3, DESK_ACT_OPEN_RECEIPT,
		   DESK_ACT_REQUEST_WEIGHT, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].expected_id, 42);
	assert_string_equal(test_out.a[0].code, "RMA-00042");
	assert_int_equal(test_out.a[2].light, DESK_LIGHT_AMBER);
	assert_string_equal(test_desk.prompt, "Put the parcel on the scale");

	test_kinds(test_weight(DESK_WEIGHT_STABLE, 400), 2,
		   DESK_ACT_RECORD_WEIGHT, DESK_ACT_TAKE_PHOTO);
	assert_true(test_out.a[0].weighed);
	assert_int_equal(test_out.a[0].grams, 400);
	assert_false(test_out.a[0].mismatch);
	assert_string_equal(test_out.a[1].step, "parcel");
	assert_string_equal(test_desk.problem, "");

	/* the clerk's turn: amber blinking, one beep */
	test_kinds(test_photo(SHA_A), 1, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].tower, TOWER_NEEDS_YOU);
	assert_int_equal(test_out.a[0].light, DESK_LIGHT_AMBER);
	assert_true(test_out.a[0].buzzer);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	assert_string_equal(test_desk.prompt, "Scan item 1 of 1: Headphones");

	test_kinds(test_scan_gtin(GTIN_A14), 1, DESK_ACT_RECORD_ITEM_SCAN);
	assert_int_equal(test_out.a[0].item, 0);
	assert_string_equal(test_out.a[0].code, GTIN_A14);
	test_answer_electronics();

	test_kinds(test_answer(" a "), 1, DESK_ACT_RECORD_ANSWER);
	a = &test_out.a[0];
	assert_string_equal(a->template_id, "electronics");
	assert_int_equal(a->template_version, 1);
	assert_string_equal(a->step, "grade");
	assert_string_equal(a->text, "A");
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_ACCEPT);
	assert_int_equal(test_desk.proposal.refund_minor, 10999 + 1298);
	assert_string_equal(test_desk.prompt,
			    "Proposal: ACCEPT, refund 122.97 PLN \u2014 press "
			    "accept to confirm");

	test_kinds(test_button(DESK_BUTTON_ACCEPT), 2, DESK_ACT_DECIDE,
		   DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].expected_id, 42);
	assert_int_equal(test_out.a[1].light, DESK_LIGHT_GREEN);
	assert_int_equal(test_desk.decision.routine, DESK_ROUTINE_RETURN);
	assert_int_equal(test_desk.decision.verdict, VERDICT_ACCEPT);
	assert_false(test_desk.decision.overridden);
	assert_int_equal(test_desk.decision.refund_minor, 12297);
	assert_int_equal(test_desk.decision.grade, GRADE_A);
	assert_int_equal(test_desk.decision.disposition, DISPOSITION_RESTOCK);
	assert_int_equal(test_desk.decision.proposal.verdict, VERDICT_ACCEPT);
	/* ready for the next parcel, same clerk */
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_string_equal(test_desk.clerk, "anna");
	assert_int_equal(test_desk.found.items[0].quantity, 0);
	assert_int_equal(test_desk.light, DESK_LIGHT_GREEN);
	/* the label and the rows were chosen with the decision */
	assert_false(test_desk.have_expected);
	assert_string_equal(test_desk.plan.label.rma, "RMA-00042");
	assert_string_equal(test_desk.plan.label.grade, "A");
	assert_string_equal(test_desk.plan.verdict, "accept");
	assert_int_equal(test_desk.plan.n_rows, 2);
	assert_string_equal(test_desk.plan.rows[0].action, "refund.requested");
	assert_string_equal(test_desk.plan.rows[1].action, "return.decided");
}

static void test_buyer_damage_answer_is_applied(void **state)
{
	struct expected_return er = test_withdrawal();

	test_desk_start(true, true);
	test_return_to_items(&er, 350);
	test_scan_gtin(GTIN_A14);
	test_button(DESK_BUTTON_ACCEPT); /* seal */
	test_button(DESK_BUTTON_ACCEPT); /* powers on */
	test_button(DESK_BUTTON_REJECT); /* damaged */
	assert_string_equal(test_out.a[0].text, "fail");
	test_button(DESK_BUTTON_ACCEPT);
	test_button(DESK_BUTTON_ACCEPT);
	test_photo(SHA_B);
	test_answer("C");
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_true(test_desk.found.items[0].buyer_damage);
	assert_int_equal(test_desk.found.items[0].grade, GRADE_C);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_REJECT);
	assert_true(test_has_reason(&test_desk.proposal, REASON_BUYER_DAMAGE));
	assert_string_equal(test_desk.prompt,
			    "Proposal: REJECT \u2014 press accept to confirm");
	test_button(DESK_BUTTON_PEDAL);
	assert_int_equal(test_desk.decision.verdict, VERDICT_REJECT);
	assert_int_equal(test_desk.decision.refund_minor, 0);
	assert_int_equal(test_desk.decision.disposition, DISPOSITION_HOLD);
}

static void test_checklist_answer_refused(void **state)
{
	struct expected_return er = test_withdrawal();

	test_desk_start(true, true);
	test_return_to_items(&er, 350);
	test_scan_gtin(GTIN_A14);
	test_kinds(test_answer("maybe"), 0);
	assert_int_equal(test_desk.check_step, 0);
	assert_true(test_desk.problem[0] != '\0');
	test_kinds(test_answer("tak"), 1, DESK_ACT_RECORD_ANSWER);
	assert_string_equal(test_out.a[0].text, "pass");
	assert_string_equal(test_desk.problem, "");
	/* a choice step cannot be answered with the buttons */
	for (int i = 0; i < 3; i++)
		test_button(DESK_BUTTON_ACCEPT);
	test_button(DESK_BUTTON_ACCEPT);
	test_photo(SHA_B);
	test_kinds(test_button(DESK_BUTTON_ACCEPT), 0);
	assert_int_equal(test_desk.step, DESK_STEP_CHECKLIST);
	test_kinds(test_answer("Z"), 0);
	assert_int_equal(test_desk.step, DESK_STEP_CHECKLIST);
}

static void test_wrong_item_rejected(void **state)
{
	struct expected_return er = test_withdrawal();

	test_desk_start(true, true);
	test_return_to_items(&er, 350);
	test_kinds(test_scan_gtin(GTIN_X14), 1, DESK_ACT_RECORD_ITEM_SCAN);
	assert_int_equal(test_out.a[0].item, -1);
	assert_string_equal(test_out.a[0].code, GTIN_X14);
	assert_string_equal(test_desk.problem,
			    "Item " GTIN_X14 " was not sold in this order");
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_true(test_desk.found.wrong_item);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_REJECT);
	assert_true(test_has_reason(&test_desk.proposal, REASON_WRONG_ITEM));
	/* back from here is the items step, counted afresh */
	test_simple(DESK_EV_BACK);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	assert_false(test_desk.found.wrong_item);
	assert_int_equal(test_desk.found.items[0].quantity, 0);
}

static void test_weight_mismatch_holds(void **state)
{
	struct expected_return er = test_withdrawal();

	test_desk_start(true, true);
	test_sign_in("anna");
	test_scan(&(struct code){.kind = CODE_RMA,
				 .valid = true,
				 .value = "RMA-00042"},
		  &er);
	test_kinds(test_weight(DESK_WEIGHT_STABLE, 900), 2,
		   DESK_ACT_RECORD_WEIGHT, DESK_ACT_TAKE_PHOTO);
	assert_true(test_out.a[0].mismatch);
	assert_int_equal(test_out.a[0].grams, 900);
	assert_string_equal(test_desk.problem,
			    "Weight 900 g, expected 350 g +/- 50 g");
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
	test_photo(SHA_A);
	test_scan_gtin(GTIN_A14);
	test_answer_electronics();
	test_answer("A");
	assert_int_equal(test_desk.proposal.verdict, VERDICT_HOLD);
	assert_true(
	    test_has_reason(&test_desk.proposal, REASON_WEIGHT_MISMATCH));
	/* the clerk may accept the hold: nothing is refunded yet */
	test_button(DESK_BUTTON_ACCEPT);
	assert_int_equal(test_desk.decision.verdict, VERDICT_HOLD);
	assert_int_equal(test_desk.decision.refund_minor, 0);
}

static void test_unexpected_return_holds(void **state)
{
	struct code c =
	    test_code(CODE_INPOST, "123456789012345678901234", true);

	test_desk_start(true, true);
	test_sign_in("anna");
	test_kinds(test_scan(&c, NULL), 3, DESK_ACT_OPEN_RECEIPT,
		   DESK_ACT_REQUEST_WEIGHT, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].expected_id, 0);
	assert_string_equal(test_out.a[0].code, c.value);
	assert_false(test_desk.have_expected);
	test_kinds(test_weight(DESK_WEIGHT_STABLE, 1234), 2,
		   DESK_ACT_RECORD_WEIGHT, DESK_ACT_TAKE_PHOTO);
	assert_false(test_out.a[0].mismatch);
	test_photo(SHA_A);
	/* its items are scanned too (none here: test_desk_scan.c) */
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	test_simple(DESK_EV_ITEMS_DONE);
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_HOLD);
	assert_int_equal(test_desk.proposal.n_reasons, 1);
	assert_int_equal(test_desk.proposal.reasons[0].code,
			 REASON_UNEXPECTED_RETURN);
	assert_non_null(strstr(test_desk.proposal.reasons[0].text, c.value));
	test_button(DESK_BUTTON_ACCEPT);
	assert_int_equal(test_desk.decision.verdict, VERDICT_HOLD);
	assert_int_equal(test_desk.decision.refund_minor, 0);
	/* a ship-QC order scanned at the returns desk is no return either */
	{
		struct expected_return ship = test_shipment();

		test_kinds(test_scan(&c, &ship), 3, DESK_ACT_OPEN_RECEIPT,
			   DESK_ACT_REQUEST_WEIGHT, DESK_ACT_SET_LIGHT);
		assert_int_equal(test_out.a[0].expected_id, 0);
	}
}

static void test_no_scale_no_camera(void **state)
{
	struct expected_return er = test_withdrawal();
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);

	test_desk_start(false, false);
	test_sign_in("anna");
	test_kinds(test_scan(&rma, &er), 3, DESK_ACT_OPEN_RECEIPT,
		   DESK_ACT_RECORD_WEIGHT, DESK_ACT_SET_LIGHT);
	assert_false(test_out.a[1].weighed);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	assert_false(test_desk.found.weighed);
	assert_false(test_desk.found.photographed);
	test_scan_gtin(GTIN_A14);
	for (int i = 0; i < 5; i++)
		test_kinds(test_button(DESK_BUTTON_ACCEPT), 1,
			   DESK_ACT_RECORD_ANSWER);
	/* the photo step was skipped: straight to the grade */
	assert_string_equal(test_desk.prompt, "Grade (A / B / C / scrap)");
	test_answer("B");
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_true(
	    test_has_reason(&test_desk.proposal, REASON_WEIGHT_SKIPPED));
	assert_int_equal(test_desk.proposal.verdict, VERDICT_ACCEPT);
	/* no photo step to go back to: back from the checklist is items */
	test_simple(DESK_EV_BACK);
	assert_string_equal(test_desk.prompt, "Grade (A / B / C / scrap)");
	test_simple(DESK_EV_BACK);
	test_simple(DESK_EV_BACK);
	test_simple(DESK_EV_BACK);
	test_simple(DESK_EV_BACK);
	test_simple(DESK_EV_BACK);
	assert_int_equal(test_desk.step, DESK_STEP_CHECKLIST);
	assert_int_equal(test_desk.check_step, 0);
	test_simple(DESK_EV_BACK);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	/* neither weigh nor photo can be shown: back leaves the parcel */
	test_kinds(test_simple(DESK_EV_BACK), 2, DESK_ACT_CANCEL_RECEIPT,
		   DESK_ACT_SET_LIGHT);
	assert_string_equal(test_out.a[0].text, "back to scan");
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
}

static void test_skip_weigh_and_photo(void **state)
{
	struct expected_return er = test_withdrawal();
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);

	test_desk_start(true, true);
	test_sign_in("anna");
	test_scan(&rma, &er);
	test_kinds(test_weight(DESK_WEIGHT_OFFLINE, 0), 1, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].light, DESK_LIGHT_RED);
	assert_true(test_out.a[0].buzzer);
	assert_non_null(strstr(test_desk.problem, "Scale not answering"));
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
	test_kinds(test_button(DESK_BUTTON_PEDAL), 2, DESK_ACT_REQUEST_WEIGHT,
		   DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[1].light, DESK_LIGHT_AMBER);
	test_weight(DESK_WEIGHT_OVERLOAD, 0);
	assert_non_null(strstr(test_desk.problem, "Scale overloaded"));
	/* the scale goes away mid-weigh: the clerk is told how to go on */
	test_feed((struct desk_event){.kind = DESK_EV_DEVICE,
				      .device = DESK_DEVICE_SCALE,
				      .device_state = DESK_DEVICE_FAULT,
				      .text = "cable pulled"});
	assert_string_equal(test_desk.problem,
			    "Scale failing (cable pulled): type the weight in "
			    "with a reason, or skip the step");
	test_kinds(test_simple(DESK_EV_SKIP), 4, DESK_ACT_RECORD_WEIGHT,
		   DESK_ACT_RECORD_NOTE, DESK_ACT_TAKE_PHOTO,
		   DESK_ACT_SET_LIGHT);
	assert_false(test_out.a[0].weighed);
	/* no reason given: the record says what the scale said */
	assert_string_equal(test_out.a[1].step, "weigh");
	assert_string_equal(test_out.a[1].text,
			    "weight skipped: scale at fault: cable pulled");
	/* a failed capture stays, the pedal retries, skip goes on */
	test_kinds(test_photo(""), 1, DESK_ACT_SET_LIGHT);
	assert_non_null(strstr(test_desk.problem, "camera busy"));
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
	test_kinds(test_button(DESK_BUTTON_PEDAL), 2, DESK_ACT_TAKE_PHOTO,
		   DESK_ACT_SET_LIGHT);
	/* the camera failed: the skip's reason is the clerk's, if given */
	test_kinds(test_feed((struct desk_event){.kind = DESK_EV_SKIP,
						 .text = "camera gone"}),
		   2, DESK_ACT_RECORD_NOTE, DESK_ACT_SET_LIGHT);
	assert_string_equal(test_out.a[0].step, "photo");
	assert_string_equal(test_out.a[0].text, "photo skipped: camera gone");
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	assert_false(test_desk.found.photographed);
	assert_false(test_desk.found.weighed);
}

static void test_invalid_code_rejected(void **state)
{
	struct expected_return er = test_withdrawal();
	struct code bad = test_code(CODE_GTIN, "5901234123458", false);
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);

	test_desk_start(true, true);
	test_sign_in("anna");
	test_kinds(test_scan(&bad, &er), 1, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].light, DESK_LIGHT_RED);
	assert_true(test_out.a[0].buzzer);
	assert_string_equal(test_desk.problem,
			    "Code 5901234123458 rejected: check digit is "
			    "wrong; scan again");
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	/* the next good event restores the light */
	test_kinds(test_scan(&rma, &er), 3, DESK_ACT_OPEN_RECEIPT,
		   DESK_ACT_REQUEST_WEIGHT, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[2].light, DESK_LIGHT_AMBER);
	assert_string_equal(test_desk.problem, "");
	/* during items: invalid and non-product codes stay in items */
	test_weight(DESK_WEIGHT_STABLE, 350);
	test_photo(SHA_A);
	test_kinds(test_scan(&bad, NULL), 1, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	test_kinds(test_scan(&rma, NULL), 1, DESK_ACT_SET_LIGHT);
	assert_true(test_out.a[0].buzzer);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	assert_non_null(strstr(test_desk.problem, "not a product code"));
	/* a GS1 element string with a GTIN and serial counts */
	{
		struct code gs1 =
		    test_code(CODE_GS1, "01" GTIN_A14 "21SN1", true);

		gs1.gs1.has_gtin = true;
		gs1.gs1.has_serial = true;
		memcpy(gs1.gs1.gtin, GTIN_A14, 15);
		memcpy(gs1.gs1.serial, "SN1", 4);
		test_scan(&gs1, NULL);
		assert_int_equal(test_out.a[0].kind, DESK_ACT_RECORD_ITEM_SCAN);
		assert_int_equal(test_out.a[0].item, 0);
		assert_string_equal(test_out.a[0].serial, "SN1");
		assert_int_equal(test_desk.step, DESK_STEP_CHECKLIST);
	}
}

/* Ship-QC up to the checklist; @missing leaves out the second line. */
static void test_qc_to_checklist(const struct expected_return *er, bool missing,
				 int32_t grams)
{
	struct code ord = test_code(CODE_ORDER, "ORD-7", true);

	test_sign_in("piotr");
	test_feed((struct desk_event){.kind = DESK_EV_ROUTINE,
				      .routine = DESK_ROUTINE_SHIP_QC});
	assert_string_equal(test_desk.prompt, "Scan the order or packing slip");
	test_kinds(test_scan(&ord, er), 2, DESK_ACT_OPEN_RECEIPT,
		   DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].expected_id, 7);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	assert_string_equal(test_desk.prompt, "Scan item 1 of 3: Mug");
	test_kinds(test_scan_gtin(GTIN_A14), 1, DESK_ACT_RECORD_ITEM_SCAN);
	test_kinds(test_scan_gtin(GTIN_A14), 1, DESK_ACT_RECORD_ITEM_SCAN);
	assert_string_equal(test_desk.prompt, "Scan item 3 of 3: Tea");
	/* the items were the clerk's turn, the weight is the station's */
	if (missing)
		test_kinds(test_simple(DESK_EV_ITEMS_DONE), 2,
			   DESK_ACT_REQUEST_WEIGHT, DESK_ACT_SET_LIGHT);
	else
		test_kinds(test_scan_gtin(GTIN_B14), 3,
			   DESK_ACT_RECORD_ITEM_SCAN, DESK_ACT_REQUEST_WEIGHT,
			   DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[test_out.n - 1].tower, TOWER_WORKING);
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
	test_kinds(test_weight(DESK_WEIGHT_STABLE, grams), 2,
		   DESK_ACT_RECORD_WEIGHT, DESK_ACT_TAKE_PHOTO);
	assert_string_equal(test_out.a[1].step, "open_box");
	test_photo(SHA_A);
	assert_int_equal(test_desk.step, DESK_STEP_CHECKLIST);
	assert_non_null(strstr(test_desk.prompt, "Items protected"));
}

static void test_ship_qc_passes(void **state)
{
	struct expected_return er = test_shipment();

	test_desk_start(true, true);
	test_qc_to_checklist(&er, false, 720);
	assert_false(test_out.n > 0 && test_out.a[0].mismatch);
	test_button(DESK_BUTTON_ACCEPT);
	test_button(DESK_BUTTON_ACCEPT);
	/* the checklist was the clerk's turn, the photo is the station's */
	test_kinds(test_button(DESK_BUTTON_ACCEPT), 3, DESK_ACT_RECORD_ANSWER,
		   DESK_ACT_TAKE_PHOTO, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[2].tower, TOWER_WORKING);
	assert_string_equal(test_out.a[0].template_id, "ship-qc");
	assert_string_equal(test_out.a[1].step, "sealed_box");
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO_SEALED);
	test_photo(SHA_B);
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_ACCEPT);
	assert_int_equal(test_desk.light, DESK_LIGHT_AMBER);
	test_kinds(test_button(DESK_BUTTON_ACCEPT), 2, DESK_ACT_DECIDE,
		   DESK_ACT_SET_LIGHT);
	assert_int_equal(test_desk.decision.routine, DESK_ROUTINE_SHIP_QC);
	assert_int_equal(test_desk.decision.verdict, VERDICT_ACCEPT);
	assert_int_equal(test_desk.decision.refund_minor, 0);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_int_equal(test_desk.routine, DESK_ROUTINE_SHIP_QC);
}

static void test_qc_failed_screen(void)
{
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_REJECT);
	assert_int_equal(test_desk.light, DESK_LIGHT_RED);
	assert_string_equal(test_desk.prompt,
			    "QC failed: fix the box and press remove to "
			    "recount, or call a supervisor");
	test_find(&test_out, DESK_ACT_SET_LIGHT);
}

static void test_ship_qc_missing_item(void **state)
{
	struct expected_return er = test_shipment();

	test_desk_start(true, true);
	test_qc_to_checklist(&er, true, 400);
	for (int i = 0; i < 3; i++)
		test_button(DESK_BUTTON_ACCEPT);
	test_photo(SHA_B);
	test_qc_failed_screen();
	assert_true(test_has_reason(&test_desk.proposal, REASON_MISSING_ITEM));
	/* the tea is missing, so the box is light as well */
	assert_true(
	    test_has_reason(&test_desk.proposal, REASON_WEIGHT_MISMATCH));
	/* the supervisor lets it go with a reason */
	test_kinds(test_confirm_by(VERDICT_ACCEPT,
				   "tea back-ordered, customer agreed", "Ewa"),
		   2, DESK_ACT_DECIDE, DESK_ACT_SET_LIGHT);
	assert_true(test_desk.decision.overridden);
	assert_string_equal(test_desk.decision.override_by, "Ewa");
	assert_int_equal(test_desk.decision.verdict, VERDICT_ACCEPT);
	assert_string_equal(test_desk.decision.override_reason,
			    "tea back-ordered, customer agreed");
}

static void test_ship_qc_extra_item(void **state)
{
	struct expected_return er = test_shipment();
	struct code ord = test_code(CODE_ORDER, "ORD-7", true);

	test_desk_start(true, false);
	test_sign_in("piotr");
	test_feed((struct desk_event){.kind = DESK_EV_ROUTINE,
				      .routine = DESK_ROUTINE_SHIP_QC});
	test_scan(&ord, &er);
	test_kinds(test_scan_gtin(GTIN_X14), 2, DESK_ACT_RECORD_ITEM_SCAN,
		   DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].item, -1);
	assert_true(test_out.a[1].buzzer);
	assert_string_equal(test_desk.problem,
			    "Extra item " GTIN_X14 ": take it out, press "
			    "remove and scan it");
	assert_int_equal(test_desk.qc_extra, 1);
	test_scan_gtin(GTIN_A14);
	test_scan_gtin(GTIN_A14);
	test_scan_gtin(GTIN_B14);
	/* an extra unit of a line already complete counts too */
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
	test_weight(DESK_WEIGHT_STABLE, 700);
	assert_int_equal(test_desk.step, DESK_STEP_CHECKLIST);
	for (int i = 0; i < 3; i++)
		test_button(DESK_BUTTON_ACCEPT);
	test_qc_failed_screen();
	assert_true(test_has_reason(&test_desk.proposal, REASON_WRONG_ITEM));
	assert_false(test_has_reason(&test_desk.proposal, REASON_MISSING_ITEM));

	/* going back to the items starts the count afresh */
	test_desk_start(true, false);
	test_sign_in("piotr");
	test_feed((struct desk_event){.kind = DESK_EV_ROUTINE,
				      .routine = DESK_ROUTINE_SHIP_QC});
	test_scan(&ord, &er);
	test_scan_gtin(GTIN_A14);
	test_scan_gtin(GTIN_A14);
	test_scan_gtin(GTIN_A14);
	assert_int_equal(test_desk.qc_extra, 1);
	test_kinds(test_simple(DESK_EV_BACK), 2, DESK_ACT_CANCEL_RECEIPT,
		   DESK_ACT_SET_LIGHT);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_int_equal(test_desk.qc_extra, 0);
}

static void test_ship_qc_blocked_step(void **state)
{
	struct expected_return er = test_shipment();

	test_desk_start(true, true);
	test_qc_to_checklist(&er, false, 690);
	test_button(DESK_BUTTON_ACCEPT);
	test_button(DESK_BUTTON_REJECT); /* no invoice inside */
	test_button(DESK_BUTTON_ACCEPT);
	test_photo(SHA_B);
	test_qc_failed_screen();
	assert_int_equal(test_desk.qc_blocked, 1);
	assert_int_equal(test_desk.proposal.n_reasons, 1);
	assert_string_equal(test_desk.proposal.reasons[0].text,
			    "Packing check failed: Invoice or packing slip "
			    "inside?");
	/* back to the sealed photo, then to the last step: fix the answer */
	test_simple(DESK_EV_BACK);
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO_SEALED);
	test_simple(DESK_EV_BACK);
	assert_int_equal(test_desk.step, DESK_STEP_CHECKLIST);
	assert_int_equal(test_desk.check_step, 2);
	test_simple(DESK_EV_BACK);
	test_button(DESK_BUTTON_ACCEPT);
	test_button(DESK_BUTTON_ACCEPT);
	test_photo(SHA_B);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_ACCEPT);
	assert_int_equal(test_desk.qc_blocked, 0);
}

static void test_ship_qc_weight_and_unknown_order(void **state)
{
	struct expected_return er = test_shipment();
	struct expected_return ret = test_withdrawal();
	struct code ord = test_code(CODE_ORDER, "ORD-7", true);

	test_desk_start(true, true);
	test_qc_to_checklist(&er, false, 800);
	for (int i = 0; i < 3; i++)
		test_button(DESK_BUTTON_ACCEPT);
	test_photo(SHA_B);
	test_qc_failed_screen();
	assert_true(
	    test_has_reason(&test_desk.proposal, REASON_WEIGHT_MISMATCH));
	test_simple(DESK_EV_CANCEL);
	/* a return's code is no order to pack */
	test_kinds(test_scan(&ord, &ret), 1, DESK_ACT_SET_LIGHT);
	assert_string_equal(test_desk.problem, "order not found: ORD-7");
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	test_kinds(test_scan(&ord, NULL), 1, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
}

static void test_back_from_every_step(void **state)
{
	struct expected_return er = test_withdrawal();
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);

	test_desk_start(true, true);
	test_sign_in("anna");
	test_scan(&rma, &er);
	/* weigh -> parcel cancelled */
	test_kinds(test_simple(DESK_EV_BACK), 2, DESK_ACT_CANCEL_RECEIPT,
		   DESK_ACT_SET_LIGHT);
	assert_string_equal(test_out.a[0].text, "back to scan");
	assert_int_equal(test_out.a[1].light, DESK_LIGHT_GREEN);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	/* photo -> weigh again */
	test_scan(&rma, &er);
	test_weight(DESK_WEIGHT_STABLE, 350);
	test_kinds(test_simple(DESK_EV_BACK), 1, DESK_ACT_REQUEST_WEIGHT);
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
	test_weight(DESK_WEIGHT_STABLE, 350);
	test_photo(SHA_A);
	/* items -> photo again: the station's turn again */
	test_kinds(test_simple(DESK_EV_BACK), 2, DESK_ACT_TAKE_PHOTO,
		   DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[1].tower, TOWER_WORKING);
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
	test_photo(SHA_A);
	test_scan_gtin(GTIN_A14);
	/* checklist step 1 -> step 0; step 0 -> items, counts reset */
	test_button(DESK_BUTTON_ACCEPT);
	test_kinds(test_simple(DESK_EV_BACK), 0);
	assert_int_equal(test_desk.check_step, 0);
	assert_string_equal(test_desk.prompt, "Factory seal intact?");
	test_simple(DESK_EV_BACK);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	assert_int_equal(test_desk.found.items[0].quantity, 0);
	test_scan_gtin(GTIN_A14);
	/* answer "fail" then change it after going back: last answer counts */
	test_button(DESK_BUTTON_ACCEPT);
	test_button(DESK_BUTTON_ACCEPT);
	test_button(DESK_BUTTON_ACCEPT);
	test_button(DESK_BUTTON_REJECT); /* accessories missing */
	test_button(DESK_BUTTON_ACCEPT);
	test_photo(SHA_B);
	test_answer("A");
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_true(test_desk.found.items[0].handled_beyond_trial);
	/* confirm -> the grade; photo step -> asks for the photo again */
	test_kinds(test_simple(DESK_EV_BACK), 0);
	assert_int_equal(test_desk.step, DESK_STEP_CHECKLIST);
	assert_string_equal(test_desk.prompt, "Grade (A / B / C / scrap)");
	test_kinds(test_simple(DESK_EV_BACK), 1, DESK_ACT_TAKE_PHOTO);
	assert_string_equal(test_out.a[0].step, "serial_photo");
	test_simple(DESK_EV_BACK);
	test_simple(DESK_EV_BACK);
	assert_non_null(strstr(test_desk.prompt, "accessories"));
	test_button(DESK_BUTTON_ACCEPT);
	test_button(DESK_BUTTON_ACCEPT);
	test_photo(SHA_B);
	test_answer("A");
	assert_false(test_desk.found.items[0].handled_beyond_trial);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_ACCEPT);
	/* nothing to go back to between parcels */
	test_button(DESK_BUTTON_ACCEPT);
	test_kinds(test_simple(DESK_EV_BACK), 0);
	assert_non_null(strstr(test_desk.problem, "not expected"));
}

static void test_cancel_and_sign_out(void **state)
{
	struct expected_return er = test_withdrawal();
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);

	test_desk_start(true, true);
	test_sign_in("anna");
	test_scan(&rma, &er);
	test_weight(DESK_WEIGHT_STABLE, 350);
	/* no signing out or switching routine with a parcel open */
	test_kinds(test_simple(DESK_EV_SIGN_OUT), 0);
	test_kinds(
	    test_feed((struct desk_event){.kind = DESK_EV_ROUTINE,
					  .routine = DESK_ROUTINE_SHIP_QC}),
	    0);
	assert_int_equal(test_desk.routine, DESK_ROUTINE_RETURN);
	test_kinds(test_simple(DESK_EV_CANCEL), 2, DESK_ACT_CANCEL_RECEIPT,
		   DESK_ACT_SET_LIGHT);
	assert_string_equal(test_out.a[0].text, "cancelled by anna");
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_false(test_desk.have_expected);
	test_kinds(test_simple(DESK_EV_CANCEL), 0);
	test_kinds(test_simple(DESK_EV_SIGN_OUT), 1, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].light, DESK_LIGHT_AMBER);
	assert_int_equal(test_desk.step, DESK_STEP_SIGN_IN);
	assert_string_equal(test_desk.clerk, "");
	/* a badge without an id is refused */
	test_kinds(test_sign_in(NULL), 0);
	test_kinds(test_sign_in("  "), 0);
	assert_int_equal(test_desk.step, DESK_STEP_SIGN_IN);
}

static void test_timeout_parks_parcel(void **state)
{
	struct expected_return er = test_withdrawal();
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);
	struct desk_event tick = {.kind = DESK_EV_TICK};

	test_desk_start(true, true);
	test_sign_in("anna");
	test_scan(&rma, &er);
	test_weight(DESK_WEIGHT_STABLE, 350);
	/* ticks within the timeout change nothing, nor count as activity */
	tick.now = test_now + 9 * 60 * USEC_PER_SEC;
	desk_handle(&test_desk, &test_cfg, &tick, &test_out);
	assert_int_equal(test_out.n, 0);
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
	tick.now = test_now + 11 * 60 * USEC_PER_SEC;
	desk_handle(&test_desk, &test_cfg, &tick, &test_out);
	/* amber in the photo step, amber blinking when parked: the clerk
	 * is called back */
	test_kinds(&test_out, 2, DESK_ACT_CANCEL_RECEIPT, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[1].tower, TOWER_NEEDS_YOU);
	assert_string_equal(test_out.a[0].text, "timed out in step photo");
	assert_int_equal(test_desk.light, DESK_LIGHT_AMBER);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_string_equal(test_desk.problem,
			    "Parcel parked after 11 minutes without activity");
	/* between parcels time passes quietly */
	tick.now += 60 * 60 * USEC_PER_SEC;
	desk_handle(&test_desk, &test_cfg, &tick, &test_out);
	assert_int_equal(test_out.n, 0);
}

static void test_override_needs_reason(void **state)
{
	struct expected_return er = test_withdrawal();

	test_desk_start(true, true);
	test_return_to_items(&er, 350);
	test_scan_gtin(GTIN_A14);
	test_answer_electronics();
	test_answer("A");
	assert_int_equal(test_desk.proposal.verdict, VERDICT_ACCEPT);
	test_kinds(test_confirm(VERDICT_REJECT, ""), 0);
	assert_string_equal(test_desk.problem, "An override needs a reason");
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	test_kinds(test_confirm(VERDICT_REJECT, NULL), 0);
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	/* the same verdict needs none */
	test_kinds(test_confirm(VERDICT_ACCEPT, NULL), 2, DESK_ACT_DECIDE,
		   DESK_ACT_SET_LIGHT);
	assert_false(test_desk.decision.overridden);
	assert_int_equal(test_desk.decision.refund_minor, 12297);

	/* the reject button overrides and says who */
	test_scan(&(struct code){.kind = CODE_RMA,
				 .valid = true,
				 .value = "RMA-00042"},
		  &er);
	test_weight(DESK_WEIGHT_STABLE, 350);
	test_photo(SHA_A);
	test_scan_gtin(GTIN_A14);
	test_answer_electronics();
	test_answer("A");
	test_kinds(test_button(DESK_BUTTON_REJECT), 2, DESK_ACT_DECIDE,
		   DESK_ACT_SET_LIGHT);
	assert_true(test_desk.decision.overridden);
	assert_int_equal(test_desk.decision.verdict, VERDICT_REJECT);
	assert_string_equal(test_desk.decision.override_reason,
			    "rejected at the desk by anna");
	assert_int_equal(test_desk.decision.refund_minor, 0);
	assert_int_equal(test_desk.decision.proposal.verdict, VERDICT_ACCEPT);

	/* overriding a hold to accept refunds what was found */
	test_scan(&(struct code){.kind = CODE_RMA,
				 .valid = true,
				 .value = "RMA-00042"},
		  &er);
	test_weight(DESK_WEIGHT_STABLE, 2000);
	test_photo(SHA_A);
	test_scan_gtin(GTIN_A14);
	test_answer_electronics();
	test_answer("A");
	assert_int_equal(test_desk.proposal.verdict, VERDICT_HOLD);
	test_confirm_by(VERDICT_ACCEPT, "box had a brick for padding", "Ewa");
	assert_true(test_desk.decision.overridden);
	assert_int_equal(test_desk.decision.verdict, VERDICT_ACCEPT);
	assert_true(test_desk.decision.refund_minor > 0);
	assert_int_equal(test_desk.decision.disposition, DISPOSITION_RESTOCK);
	/* the decided lines add up to what is refunded; the rules' verdict
	 * and reasons stay as they were proposed */
	{
		const struct proposal *dp = &test_desk.decision.proposal;
		int64_t sum = 0;

		for (int i = 0; i < dp->n_items; i++)
			if (dp->items[i].accepted)
				sum += dp->items[i].refund_minor;
		assert_int_equal(sum + dp->delivery_refund_minor,
				 test_desk.decision.refund_minor);
		assert_int_equal(dp->refund_minor,
				 test_desk.decision.refund_minor);
		assert_int_equal(dp->verdict, VERDICT_HOLD);
		assert_true(dp->n_reasons > 0);
	}
}

static void test_override_of_a_refusal_pays_the_found_lines(void **state)
{
	struct expected_return er = test_withdrawal();
	const struct proposal *dp = &test_desk.decision.proposal;

	(void)state;
	er.delivered_at = T0 - 40 * USEC_PER_DAY; /* window long passed */
	/* and the statement was sent late (unknown, it would be held) */
	er.requested_at = T0 - 20 * USEC_PER_DAY;
	test_desk_start(true, true);
	test_return_to_items(&er, 350);
	test_scan_gtin(GTIN_A14);
	test_answer_electronics();
	test_answer("A");
	assert_int_equal(test_desk.proposal.verdict, VERDICT_REJECT);
	assert_int_equal(test_desk.proposal.refund_minor, 0);
	test_confirm_by(VERDICT_ACCEPT, "goodwill: loyal customer", "Ewa");
	assert_true(test_desk.decision.overridden);
	assert_int_equal(test_desk.decision.refund_minor, 10999);
	/* the refund's lines say what is paid; the rules' word stays */
	assert_true(dp->items[0].accepted);
	assert_int_equal(dp->items[0].quantity_accepted, 1);
	assert_int_equal(dp->items[0].refund_minor, 10999);
	assert_int_equal(dp->refund_minor, 10999);
	assert_int_equal(dp->verdict, VERDICT_REJECT);
	assert_true(dp->n_reasons > 0);
	/* the desk's own proposal is untouched */
	assert_false(test_desk.proposal.items[0].accepted);
}

static void test_events_out_of_place(void **state)
{
	struct expected_return er = test_withdrawal();
	struct desk before;

	test_desk_start(true, true);
	/* nobody signed in: a scan is refused */
	test_kinds(test_scan_gtin(GTIN_A14), 0);
	assert_int_equal(test_desk.step, DESK_STEP_SIGN_IN);
	test_sign_in("anna");
	before = test_desk;
	test_kinds(test_weight(DESK_WEIGHT_STABLE, 100), 0);
	assert_string_equal(test_desk.problem,
			    "A weight not expected now (step scan)");
	test_kinds(test_answer("yes"), 0);
	test_kinds(test_photo(SHA_A), 0);
	test_kinds(test_button(DESK_BUTTON_ACCEPT), 0);
	test_kinds(test_simple(DESK_EV_ITEMS_DONE), 0);
	test_kinds(test_simple(DESK_EV_SKIP), 0);
	test_kinds(test_confirm(VERDICT_ACCEPT, "x"), 0);
	test_kinds(test_feed((struct desk_event){.kind = 99}), 0);
	test_kinds(
	    test_feed((struct desk_event){.kind = DESK_EV_BUTTON, .button = 7}),
	    0);
	/* nothing but the problem text changed, not even the activity */
	memcpy(before.problem, test_desk.problem, sizeof(before.problem));
	before.problem_said = test_desk.problem_said;
	assert_memory_equal(&before, &test_desk, sizeof(before));

	test_return_to_items(&er, 350);
	test_kinds(test_answer("yes"), 0);
	assert_non_null(strstr(test_desk.problem, "not expected"));
	test_kinds(test_weight(DESK_WEIGHT_STABLE, 350), 0);
	test_kinds(test_scan(NULL, NULL), 0);
	assert_non_null(strstr(test_desk.problem, "Bad event"));
	test_kinds(test_feed((struct desk_event){.kind = DESK_EV_ANSWER}), 0);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	/* NULL everywhere does not crash */
	desk_handle(NULL, &test_cfg, NULL, &test_out);
	assert_int_equal(test_out.n, 0);
	desk_handle(&test_desk, NULL, NULL, &test_out);
	assert_int_equal(test_out.n, 0);
	desk_handle(&test_desk, &test_cfg, NULL, NULL);
	desk_init(NULL, NULL);
	assert_string_equal(desk_step_name(DESK_STEP_PHOTO_SEALED),
			    "photo_sealed");
	assert_string_equal(desk_routine_name(DESK_ROUTINE_SHIP_QC), "ship_qc");
	assert_string_equal(desk_light_name(DESK_LIGHT_RED), "red");
	assert_string_equal(desk_step_name((enum desk_step)99), "unknown");
}

/* xorshift64*: the same sequence on every run */
static uint64_t test_rand_state = 0x9e3779b97f4a7c15u;

static uint64_t test_rand(void)
{
	test_rand_state ^= test_rand_state >> 12;
	test_rand_state ^= test_rand_state << 25;
	test_rand_state ^= test_rand_state >> 27;
	return test_rand_state * 0x2545f4914f6cdd1du;
}

static void test_fill_random(void *p, size_t n)
{
	unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)test_rand();
}

static void test_fuzz_random_events(void **state)
{
	static const char *const texts[] = {
	    "pass", "fail", "A", "scrap", "done",
	    "120",  SHA_A,  "",	 "  ",	  "\xff\xfe garbage",
	    "tak",  "b"};
	static const char *const gtins[] = {GTIN_A14, GTIN_B14, GTIN_X14, "123",
					    "0590123412345x"};
	struct expected_return good = test_withdrawal();
	struct expected_return ship = test_shipment();
	struct expected_return junk;
	struct code code, junk_code;
	long decided = 0, confirmed = 0;

	test_desk_start(true, true);
	for (long i = 0; i < 100000; i++) {
		struct desk_event ev;
		uint64_t r = test_rand();

		if (i % 5000 == 0) {
			test_cfg.has_scale = test_rand() & 1;
			test_cfg.has_camera = test_rand() & 1;
		}
		memset(&ev, 0, sizeof(ev));
		/* mostly sensible kinds, sometimes anything */
		ev.kind = (enum desk_event_kind)(
		    r % 8 == 0 ? (int)(test_rand() % 40) - 5
			       : (int)(test_rand() % 14));
		ev.now =
		    r % 50 == 0 ? (int64_t)test_rand() : T0 + i * USEC_PER_SEC;
		ev.clerk = test_rand() % 4 ? "anna" : NULL;
		ev.routine = (enum desk_routine)(test_rand() % 3);
		ev.weight_status = (enum desk_weight_status)(test_rand() % 8);
		ev.grams = (int32_t)(test_rand() % 4 ? test_rand() % 1000
						     : test_rand());
		ev.photo_sha256 =
		    test_rand() % 4 ? texts[test_rand() % 12] : NULL;
		ev.button = (enum desk_button)(test_rand() % 4);
		ev.verdict = (enum verdict)(test_rand() % 5);
		ev.text = test_rand() % 5 ? texts[test_rand() % 12] : NULL;
		ev.date_known = test_rand() & 1; /* DESK_EV_CLOCK */
		switch (test_rand() % 6) {
		case 0:
			ev.code = NULL;
			break;
		case 1:
			test_fill_random(&junk_code, sizeof(junk_code));
			/* any bytes, but a bool holds 0 or 1 */
			junk_code.valid = test_rand() & 1;
			junk_code.has_check_digit = false;
			junk_code.gs1.has_gtin = test_rand() & 1;
			junk_code.gs1.has_serial = test_rand() & 1;
			junk_code.gs1.has_batch = false;
			junk_code.gs1.has_expiry = false;
			junk_code.gs1.has_sscc = false;
			for (int k = 0; k < CODE_MAX_OTHER; k++) {
				junk_code.other[k].valid = test_rand() & 1;
				junk_code.other[k].has_check_digit = false;
			}
			ev.code = &junk_code;
			break;
		default:
			memset(&code, 0, sizeof(code));
			code.kind = (enum code_kind)(test_rand() % 13);
			code.valid = test_rand() % 8 != 0;
			snprintf(code.value, sizeof(code.value), "%s",
				 gtins[test_rand() % 5]);
			ev.code = &code;
		}
		switch (test_rand() % 5) {
		case 0:
			ev.expected = NULL;
			break;
		case 1:
			test_fill_random(&junk, sizeof(junk));
			junk.kind = (enum return_kind)(test_rand() % 4);
			junk.n_items = (int)(test_rand() % 20) - 2;
			for (int k = 0; k < RETURN_MAX_ITEMS; k++) {
				struct return_item *it = &junk.items[k];

				it->personalised = test_rand() & 1;
				it->made_to_order = false;
				it->perishable = false;
				it->sealed_hygiene = test_rand() & 1;
				if (k == 0)
					memcpy(it->gtin, GTIN_A, 14);
			}
			ev.expected = &junk;
			break;
		case 2:
			ev.expected = &ship;
			break;
		default:
			ev.expected = &good;
		}
		if (test_desk.step == DESK_STEP_CONFIRM)
			confirmed++;
		memset(&test_out, 0xa5, sizeof(test_out));
		desk_handle(&test_desk, &test_cfg, &ev, &test_out);
		assert_true(test_out.n >= 0 && test_out.n <= DESK_MAX_ACTIONS);
		for (int k = 0; k < test_out.n; k++) {
			assert_true(test_out.a[k].kind <= DESK_ACT_RECORD_NOTE);
			assert_true(memchr(test_out.a[k].text, '\0',
					   sizeof(test_out.a[k].text)) != NULL);
			if (test_out.a[k].kind == DESK_ACT_DECIDE)
				decided++;
		}
		assert_true(memchr(test_desk.prompt, '\0',
				   sizeof(test_desk.prompt)) != NULL);
		assert_true(memchr(test_desk.problem, '\0',
				   sizeof(test_desk.problem)) != NULL);
		assert_true(test_desk.step <= DESK_STEP_CONFIRM);
	}
	/* the walk reached the end of the routine, not just its edges */
	assert_true(confirmed > 0);
	assert_true(decided > 0);
}

/* ---- what the shell reports back ---- */

/* Signed in, the parcel scanned and weighed: at the photo step. */
static void test_to_photo_step(void)
{
	struct expected_return er = test_withdrawal();

	test_desk_start(true, true);
	test_return_to_items(&er, 400);
}

static void test_decision_not_recorded_stays_at_confirm(void **state)
{
	struct expected_return er = test_withdrawal();

	test_desk_start(true, true);
	test_return_to_items(&er, 400);
	test_scan_gtin(GTIN_A14);
	test_answer_electronics();
	test_answer("A");
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_int_equal(test_desk.receipt_id, TEST_RECEIPT);
	test_kinds(test_feed_raw((struct desk_event){
		       .kind = DESK_EV_CONFIRM, .verdict = VERDICT_ACCEPT}),
		   1, DESK_ACT_DECIDE);
	assert_true(test_desk.deciding);
	assert_int_equal(test_desk.plan.n_rows, 2);
	/* the commit failed: the same parcel, at confirm, red */
	test_kinds(test_feed_raw((struct desk_event){.kind = DESK_EV_DECIDED,
						     .result = -EBUSY,
						     .text = "database is "
							     "locked"}),
		   1, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].light, DESK_LIGHT_RED);
	assert_true(test_out.a[0].buzzer);
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_int_equal(test_desk.receipt_id, TEST_RECEIPT);
	assert_string_equal(test_desk.problem,
			    "Decision NOT recorded (database is locked): "
			    "confirm again, or call a supervisor");
	/* confirmed again (amber while it is written), recorded: next
	 * parcel, and the undo knows it */
	test_kinds(test_confirm(VERDICT_ACCEPT, NULL), 3, DESK_ACT_DECIDE,
		   DESK_ACT_SET_LIGHT, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[1].light, DESK_LIGHT_AMBER);
	assert_int_equal(test_out.a[2].light, DESK_LIGHT_GREEN);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_int_equal(test_desk.receipt_id, 0);
	assert_int_equal(test_desk.last.receipt, TEST_RECEIPT);
	assert_string_equal(test_desk.last.verdict, "accept");
	assert_true(test_desk.last.undo_until == test_desk.last.decided_at);
	/* an outcome nobody asked for changes nothing */
	test_kinds(test_feed_raw((struct desk_event){.kind = DESK_EV_DECIDED}),
		   0);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
}

static void test_label_printed_with_a_printer(void **state)
{
	struct expected_return er = test_withdrawal();

	test_desk_start(true, true);
	test_cfg.has_printer = true;
	test_return_to_items(&er, 400);
	test_scan_gtin(GTIN_A14);
	test_answer_electronics();
	test_answer("A");
	test_kinds(test_confirm(VERDICT_ACCEPT, NULL), 3, DESK_ACT_DECIDE,
		   DESK_ACT_PRINT_LABEL, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[1].receipt_id, TEST_RECEIPT);
	assert_false(test_out.a[1].reprint);
	assert_true(test_desk.plan.label_len > 0);
	assert_string_equal(test_desk.plan.label.bin, "RESTOCK-A");
	/* the printer failed later: the clerk is told, the light stays */
	test_kinds(
	    test_feed_raw((struct desk_event){.kind = DESK_EV_LABEL_PRINTED,
					      .receipt = TEST_RECEIPT,
					      .result = -EIO,
					      .text = "head open"}),
	    0);
	assert_string_equal(test_desk.problem,
			    "Label for receipt 7 not printed: head open");
	assert_int_equal(test_desk.light, DESK_LIGHT_GREEN);
	/* a printer that went missing: no label is asked for */
	test_feed_raw((struct desk_event){.kind = DESK_EV_DEVICE,
					  .device = DESK_DEVICE_PRINTER,
					  .device_state = DESK_DEVICE_MISSING,
					  .text = "unplugged"});
	assert_string_equal(test_desk.device_reason[DESK_DEVICE_PRINTER],
			    "unplugged");
	test_return_to_items(&er, 400);
	test_scan_gtin(GTIN_A14);
	test_answer_electronics();
	test_answer("A");
	test_kinds(test_confirm(VERDICT_ACCEPT, NULL), 2, DESK_ACT_DECIDE,
		   DESK_ACT_SET_LIGHT);
}

static void test_parcel_not_recorded_goes_back_to_scan(void **state)
{
	struct expected_return er = test_withdrawal();
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);

	test_desk_start(true, true);
	test_sign_in("anna");
	test_kinds(test_feed_raw((struct desk_event){
		       .kind = DESK_EV_SCAN, .code = &rma, .expected = &er}),
		   3, DESK_ACT_OPEN_RECEIPT, DESK_ACT_REQUEST_WEIGHT,
		   DESK_ACT_SET_LIGHT);
	test_kinds(test_feed_raw(
		       (struct desk_event){.kind = DESK_EV_RECEIPT_OPENED,
					   .result = -EBUSY,
					   .text = "Device or resource busy"}),
		   1, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].light, DESK_LIGHT_RED);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_false(test_desk.have_expected);
	assert_string_equal(test_desk.problem,
			    "Parcel NOT recorded (Device or resource busy): "
			    "scan it again");
	/* a record nobody asked for is refused */
	test_kinds(test_feed_raw((struct desk_event){
		       .kind = DESK_EV_RECEIPT_OPENED, .receipt = 9}),
		   0);
	assert_int_equal(test_desk.receipt_id, 0);
}

static void test_step_not_recorded_is_said(void **state)
{
	test_to_photo_step();
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	/* not recorded: an error, red and beeping until answered */
	test_kinds(
	    test_feed_raw((struct desk_event){.kind = DESK_EV_RECORD_FAILED,
					      .result = -EIO,
					      .text = "Input/output error"}),
	    1, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].tower, TOWER_ERROR);
	assert_int_equal(test_desk.light, DESK_LIGHT_RED);
	assert_string_equal(test_desk.problem, "Could not record this step "
					       "(Input/output error): try "
					       "again");
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
}

/* A dead outbox row is an error the clerk hears, once per new one; the
 * parcel in hand goes on. */
static void test_dead_outbox_row_is_an_error(void **state)
{
	struct desk_event dead = {.kind = DESK_EV_OUTBOX_DEAD, .receipt = 1};

	test_to_photo_step();
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	test_kinds(test_feed_raw(dead), 1, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].tower, TOWER_ERROR);
	assert_string_equal(test_desk.problem,
			    "1 outbox row(s) dead: the shop never took them; "
			    "a supervisor retries them");
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	/* told again: nothing new */
	test_kinds(test_feed_raw(dead), 0);
	/* one retried, then one more dead: heard again */
	dead.receipt = 0;
	test_kinds(test_feed_raw(dead), 0);
	dead.receipt = 1;
	test_kinds(test_feed_raw(dead), 1, DESK_ACT_SET_LIGHT);
	/* what the clerk does next brings back the step's state */
	test_kinds(test_scan_gtin(GTIN_A14), 2, DESK_ACT_RECORD_ITEM_SCAN,
		   DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[1].tower, TOWER_NEEDS_YOU);
	/* a count below zero is no count */
	dead.receipt = -1;
	test_kinds(test_feed_raw(dead), 0);
	assert_int_equal(test_desk.outbox_dead, 1);
}

static void test_refused_scan_is_red(void **state)
{
	test_desk_start(true, true);
	test_sign_in("anna");
	test_kinds(test_feed((struct desk_event){.kind = DESK_EV_SCAN_REFUSED,
						 .text = "not a code"}),
		   1, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].light, DESK_LIGHT_RED);
	assert_true(test_out.a[0].buzzer);
	assert_string_equal(test_desk.problem, "Scan refused: not a code");
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
}

static void test_decided_return_is_not_opened_again(void **state)
{
	struct expected_return er = test_withdrawal();
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);

	test_desk_start(true, true);
	test_cfg.has_printer = true;
	test_sign_in("anna");
	/* decided on receipt 5, its label never came out: printed again */
	test_kinds(test_feed((struct desk_event){.kind = DESK_EV_SCAN,
						 .code = &rma,
						 .expected = &er,
						 .prior_receipt = 5}),
		   2, DESK_ACT_PRINT_LABEL, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].receipt_id, 5);
	assert_true(test_out.a[0].reprint);
	/* refused: red for a second, then ready for the next parcel */
	assert_int_equal(test_out.a[1].light, DESK_LIGHT_RED);
	assert_int_equal(test_out.a[1].tower, TOWER_REFUSED);
	assert_int_equal(test_out.a[1].tower_then, TOWER_READY);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_string_equal(test_desk.problem,
			    "RMA-00042 was already decided on receipt 5; its "
			    "label is printed again");
	/* the reprint failed */
	test_feed_raw((struct desk_event){.kind = DESK_EV_LABEL_PRINTED,
					  .receipt = 5,
					  .result = -ENOENT,
					  .text = "its label is not stored"});
	assert_string_equal(test_desk.problem,
			    "This return was already decided on receipt 5; "
			    "its label could not be printed again: its label "
			    "is not stored");
	/* printed already: only the word */
	test_kinds(test_feed((struct desk_event){.kind = DESK_EV_SCAN,
						 .code = &rma,
						 .expected = &er,
						 .prior_receipt = 5,
						 .prior_label_printed = true}),
		   1, DESK_ACT_SET_LIGHT);
	assert_string_equal(test_desk.problem,
			    "RMA-00042 was already decided on receipt 5");
	/* no printer on the desk */
	test_cfg.has_printer = false;
	test_kinds(test_feed((struct desk_event){.kind = DESK_EV_SCAN,
						 .code = &rma,
						 .expected = &er,
						 .prior_receipt = 5}),
		   1, DESK_ACT_SET_LIGHT);
	assert_string_equal(test_desk.problem,
			    "RMA-00042 was already decided on receipt 5; its "
			    "label could not be printed again");
	/* a ship-QC order may be checked again */
	er = test_shipment();
	test_feed((struct desk_event){.kind = DESK_EV_ROUTINE,
				      .routine = DESK_ROUTINE_SHIP_QC});
	test_feed((struct desk_event){.kind = DESK_EV_SCAN,
				      .code = &rma,
				      .expected = &er,
				      .prior_receipt = 5});
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
}

static void test_missing_scale_is_skipped(void **state)
{
	struct expected_return er = test_withdrawal();
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);

	test_desk_start(true, true);
	test_sign_in("anna");
	test_kinds(
	    test_feed((struct desk_event){.kind = DESK_EV_DEVICE,
					  .device = DESK_DEVICE_SCALE,
					  .device_state = DESK_DEVICE_MISSING,
					  .text = "no such device"}),
	    0);
	assert_int_equal(test_desk.devices[DESK_DEVICE_SCALE],
			 DESK_DEVICE_MISSING);
	test_scan(&rma, &er);
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
	assert_non_null(test_find(&test_out, DESK_ACT_RECORD_WEIGHT));
	/* back: the scale is there again, the step comes back */
	test_feed((struct desk_event){.kind = DESK_EV_DEVICE,
				      .device = DESK_DEVICE_SCALE,
				      .device_state = DESK_DEVICE_CONNECTED});
	assert_string_equal(test_desk.device_reason[DESK_DEVICE_SCALE], "");
	test_simple(DESK_EV_BACK);
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
	/* nonsense is refused */
	test_kinds(test_feed((struct desk_event){.kind = DESK_EV_DEVICE,
						 .device = DESK_DEVICE_COUNT}),
		   0);
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
}

static void test_photo_request(void **state)
{
	struct expected_return er = test_withdrawal();
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);
	int64_t evidence, parcel, late;

	test_desk_start(true, true);
	test_sign_in("anna");
	/* between parcels: nothing to photograph */
	test_kinds(test_simple(DESK_EV_PHOTO_REQUEST), 0);
	test_scan(&rma, &er);
	/* at the weigh step: extra evidence, which answers nothing */
	test_kinds(test_simple(DESK_EV_PHOTO_REQUEST), 1, DESK_ACT_TAKE_PHOTO);
	assert_string_equal(test_out.a[0].step, "evidence");
	evidence = test_out.a[0].photo_tag;
	assert_true(evidence > 0);
	test_weight(DESK_WEIGHT_OVERLOAD, 0);
	assert_string_not_equal(test_desk.problem, "");
	/* it comes back: the problem the clerk reads stays */
	test_kinds(test_feed((struct desk_event){.kind = DESK_EV_PHOTO,
						 .photo_sha256 = SHA_A,
						 .photo_tag = evidence}),
		   0);
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
	assert_string_not_equal(test_desk.problem, "");
	test_weight(DESK_WEIGHT_STABLE, 400);
	/* at the photo step: the parcel's photo, a new tag */
	test_kinds(test_simple(DESK_EV_PHOTO_REQUEST), 1, DESK_ACT_TAKE_PHOTO);
	assert_string_equal(test_out.a[0].step, "parcel");
	parcel = test_out.a[0].photo_tag;
	assert_true(parcel > evidence);
	/* a photo with another tag is not this one */
	test_kinds(test_feed((struct desk_event){.kind = DESK_EV_PHOTO,
						 .photo_sha256 = SHA_A,
						 .photo_tag = parcel + 7}),
		   0);
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
	test_feed((struct desk_event){
	    .kind = DESK_EV_PHOTO, .photo_sha256 = SHA_A, .photo_tag = parcel});
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	/* asked again, then the clerk goes back: the answer is late */
	test_simple(DESK_EV_BACK);
	assert_int_equal(test_desk.step, DESK_STEP_PHOTO);
	test_kinds(test_simple(DESK_EV_PHOTO_REQUEST), 1, DESK_ACT_TAKE_PHOTO);
	late = test_out.a[0].photo_tag;
	test_simple(DESK_EV_SKIP);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	test_kinds(test_feed((struct desk_event){.kind = DESK_EV_PHOTO,
						 .photo_sha256 = SHA_B,
						 .photo_tag = late}),
		   0);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	assert_string_equal(test_desk.problem, "");
}

static void test_nothing_happens_while_the_decision_is_written(void **state)
{
	struct expected_return er = test_withdrawal();

	test_desk_start(true, true);
	test_return_to_items(&er, 400);
	test_scan_gtin(GTIN_A14);
	test_answer_electronics();
	test_answer("A");
	test_kinds(test_feed_raw((struct desk_event){
		       .kind = DESK_EV_CONFIRM, .verdict = VERDICT_ACCEPT}),
		   1, DESK_ACT_DECIDE);
	/* a second confirm, a button, back, cancel, the timeout: refused */
	test_kinds(test_feed_raw((struct desk_event){
		       .kind = DESK_EV_CONFIRM, .verdict = VERDICT_ACCEPT}),
		   0);
	assert_string_equal(test_desk.problem,
			    "The decision is being recorded: wait");
	test_kinds(test_feed_raw((struct desk_event){
		       .kind = DESK_EV_BUTTON, .button = DESK_BUTTON_ACCEPT}),
		   0);
	test_kinds(test_feed_raw((struct desk_event){.kind = DESK_EV_BACK}), 0);
	test_kinds(test_feed_raw((struct desk_event){.kind = DESK_EV_CANCEL}),
		   0);
	test_now += 3600 * USEC_PER_SEC;
	test_kinds(test_feed_raw((struct desk_event){.kind = DESK_EV_TICK}), 0);
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_true(test_desk.deciding);
	/* the outcome comes: one decision, the next parcel */
	test_kinds(test_feed_raw((struct desk_event){.kind = DESK_EV_DECIDED}),
		   1, DESK_ACT_SET_LIGHT);
	assert_int_equal(test_desk.step, DESK_STEP_SCAN);
	assert_false(test_desk.deciding);
}

/* Ship-QC: to the items step of the shipment, signed in, no camera. */
static void test_qc_to_items(const struct expected_return *er)
{
	struct code ord = test_code(CODE_ORDER, "ORD-7", true);

	test_desk_start(true, false);
	test_sign_in("piotr");
	test_feed((struct desk_event){.kind = DESK_EV_ROUTINE,
				      .routine = DESK_ROUTINE_SHIP_QC});
	test_scan(&ord, er);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
}

/* Weigh, answer the packing checks (all pass), and reach confirm. */
static void test_qc_weigh_and_check(int32_t grams)
{
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
	test_weight(DESK_WEIGHT_STABLE, grams);
	assert_int_equal(test_desk.step, DESK_STEP_CHECKLIST);
	for (int i = 0; i < 3; i++)
		test_button(DESK_BUTTON_ACCEPT);
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
}

static void test_ship_qc_extra_item_taken_out(void **state)
{
	struct expected_return er = test_shipment();

	(void)state;
	test_qc_to_items(&er);
	test_scan_gtin(GTIN_X14);
	assert_int_equal(test_desk.qc_extra, 1);
	/* the reject button at the items step: take an item out */
	test_button(DESK_BUTTON_REJECT);
	assert_true(test_desk.qc_removing);
	assert_string_equal(test_desk.prompt,
			    "Take the item out of the box and scan it");
	test_kinds(test_scan_gtin(GTIN_X14), 1, DESK_ACT_REMOVE_ITEM_SCAN);
	assert_string_equal(test_out.a[0].code, GTIN_X14);
	assert_int_equal(test_desk.qc_extra, 0);
	assert_false(test_desk.qc_removing);
	assert_string_equal(test_desk.prompt, "Scan item 1 of 3: Mug");
	test_scan_gtin(GTIN_A14);
	test_scan_gtin(GTIN_A14);
	test_scan_gtin(GTIN_B14);
	test_qc_weigh_and_check(700);
	/* judged on what the box holds now: it passes */
	assert_int_equal(test_desk.proposal.verdict, VERDICT_ACCEPT);
	assert_int_equal(test_desk.proposal.n_reasons, 0);

	/* an item that was never counted cannot be taken out */
	test_qc_to_items(&er);
	test_simple(DESK_EV_REMOVE);
	test_kinds(test_scan_gtin(GTIN_B14), 1, DESK_ACT_SET_LIGHT);
	assert_string_equal(test_desk.problem,
			    "Item " GTIN_B14 " was not counted in this box");
	assert_true(test_desk.qc_removing);
	/* pressed again: the next scan counts */
	test_simple(DESK_EV_REMOVE);
	assert_false(test_desk.qc_removing);
	test_kinds(test_scan_gtin(GTIN_B14), 1, DESK_ACT_RECORD_ITEM_SCAN);
}

static void test_ship_qc_failed_then_recovered(void **state)
{
	struct expected_return er = test_shipment();

	(void)state;
	test_qc_to_items(&er);
	test_scan_gtin(GTIN_A14);
	test_scan_gtin(GTIN_X14); /* in the box by mistake */
	test_scan_gtin(GTIN_A14);
	test_scan_gtin(GTIN_B14);
	test_qc_weigh_and_check(850);
	test_qc_failed_screen();
	assert_true(test_has_reason(&test_desk.proposal, REASON_WRONG_ITEM));
	/* the packer takes it out: back to the items, the count kept */
	test_simple(DESK_EV_REMOVE);
	assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
	assert_true(test_desk.qc_removing);
	assert_int_equal(test_desk.found.items[0].quantity, 2);
	assert_int_equal(test_desk.found.items[1].quantity, 1);
	test_kinds(test_scan_gtin(GTIN_X14), 3, DESK_ACT_REMOVE_ITEM_SCAN,
		   DESK_ACT_REQUEST_WEIGHT, DESK_ACT_SET_LIGHT);
	/* the box changed: weighed and checked again, and it passes */
	test_qc_weigh_and_check(700);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_ACCEPT);
	assert_int_equal(test_desk.light, DESK_LIGHT_AMBER);
	test_kinds(test_button(DESK_BUTTON_ACCEPT), 2, DESK_ACT_DECIDE,
		   DESK_ACT_SET_LIGHT);
	assert_int_equal(test_desk.decision.verdict, VERDICT_ACCEPT);
	assert_false(test_desk.decision.overridden);

	/* a miscount: one mug scanned twice, the box is light */
	test_qc_to_items(&er);
	test_scan_gtin(GTIN_A14);
	test_scan_gtin(GTIN_A14);
	test_scan_gtin(GTIN_B14);
	test_qc_weigh_and_check(500);
	test_qc_failed_screen();
	test_simple(DESK_EV_REMOVE);
	test_kinds(test_scan_gtin(GTIN_A14), 1, DESK_ACT_REMOVE_ITEM_SCAN);
	assert_int_equal(test_out.a[0].item, 0);
	assert_int_equal(test_desk.found.items[0].quantity, 1);
	assert_string_equal(test_desk.prompt, "Scan item 3 of 3: Mug");
	test_scan_gtin(GTIN_A14); /* the second mug, packed now */
	test_qc_weigh_and_check(700);
	assert_int_equal(test_desk.proposal.verdict, VERDICT_ACCEPT);

	/* a return has nothing to take out */
	{
		struct expected_return ret = test_withdrawal();

		test_desk_start(true, true);
		test_return_to_items(&ret, 350);
		test_kinds(test_simple(DESK_EV_REMOVE), 0);
		assert_int_equal(test_desk.step, DESK_STEP_ITEMS);
		assert_non_null(strstr(test_desk.problem, "not expected now"));
	}
}

static void test_override_of_a_refusal_needs_a_supervisor(void **state)
{
	struct expected_return er = test_withdrawal();
	struct expected_return sh = test_shipment();

	(void)state;
	er.delivered_at = T0 - 40 * USEC_PER_DAY; /* window long passed */
	er.requested_at = T0 - 20 * USEC_PER_DAY; /* and said too late */
	test_desk_start(true, true);
	test_return_to_items(&er, 350);
	test_scan_gtin(GTIN_A14);
	test_answer_electronics();
	test_answer("A");
	assert_int_equal(test_desk.proposal.verdict, VERDICT_REJECT);
	assert_true(desk_override_needs_supervisor(&test_desk, VERDICT_ACCEPT));
	assert_false(
	    desk_override_needs_supervisor(&test_desk, VERDICT_REJECT));
	assert_false(desk_override_needs_supervisor(&test_desk, VERDICT_HOLD));
	/* a reason alone is not enough: nothing decided */
	test_kinds(test_confirm(VERDICT_ACCEPT, "goodwill"), 1,
		   DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].tower, TOWER_SUPERVISOR);
	assert_string_equal(test_desk.problem,
			    "Overriding a refusal needs a supervisor's badge "
			    "and a reason");
	assert_int_equal(test_desk.step, DESK_STEP_CONFIRM);
	assert_false(test_desk.deciding);
	/* a supervisor without a reason is not enough either */
	test_kinds(test_confirm_by(VERDICT_ACCEPT, "", "Ewa"), 1,
		   DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].tower, TOWER_NEEDS_YOU);
	assert_string_equal(test_desk.problem, "An override needs a reason");
	/* both: decided, and the record says who authorised it */
	test_kinds(test_confirm_by(VERDICT_ACCEPT, "goodwill", "Ewa"), 2,
		   DESK_ACT_DECIDE, DESK_ACT_SET_LIGHT);
	assert_true(test_desk.decision.overridden);
	assert_string_equal(test_desk.decision.override_by, "Ewa");
	assert_string_equal(test_desk.decision.override_reason, "goodwill");

	/* a refusal confirmed as it is needs nobody */
	test_return_to_items(&er, 350);
	test_scan_gtin(GTIN_A14);
	test_answer_electronics();
	test_answer("A");
	test_kinds(test_confirm(VERDICT_REJECT, NULL), 2, DESK_ACT_DECIDE,
		   DESK_ACT_SET_LIGHT);
	assert_false(test_desk.decision.overridden);
	assert_string_equal(test_desk.decision.override_by, "");

	/* a failed QC passed needs one too */
	test_qc_to_items(&sh);
	test_simple(DESK_EV_ITEMS_DONE); /* nothing packed */
	test_qc_weigh_and_check(150);	 /* the empty box */
	assert_int_equal(test_desk.proposal.verdict, VERDICT_REJECT);
	/* red blinking again, three beeps again: call one */
	test_kinds(test_confirm(VERDICT_ACCEPT, "customer collects"), 1,
		   DESK_ACT_SET_LIGHT);
	assert_int_equal(test_out.a[0].tower, TOWER_SUPERVISOR);
	assert_string_equal(test_desk.problem,
			    "Passing a failed QC needs a supervisor's badge "
			    "and a reason");
	test_kinds(test_confirm_by(VERDICT_ACCEPT, "customer collects", "Ewa"),
		   2, DESK_ACT_DECIDE, DESK_ACT_SET_LIGHT);
	assert_string_equal(test_desk.decision.override_by, "Ewa");
}

static void test_rejected_scans_are_counted(void **state)
{
	struct expected_return er = test_withdrawal();
	struct code bad = test_code(CODE_GTIN, "5901234123458", false);
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);
	struct code ord = test_code(CODE_ORDER, "ORD-9", true);

	(void)state;
	test_desk_start(true, true);
	/* before anybody signed in: not expected now */
	test_scan(&rma, &er);
	assert_int_equal(test_desk.scans_rejected, 1);
	test_sign_in("anna");
	test_scan(&bad, &er); /* a wrong check digit */
	assert_int_equal(test_desk.scans_rejected, 2);
	test_feed((struct desk_event){.kind = DESK_EV_SCAN_REFUSED,
				      .text = "not a code"});
	assert_int_equal(test_desk.scans_rejected, 3);
	test_scan(&rma, &er); /* taken: a parcel opened */
	assert_int_equal(test_desk.scans_rejected, 3);
	test_scan(&rma, &er); /* at the weigh step */
	assert_int_equal(test_desk.scans_rejected, 4);
	test_weight(DESK_WEIGHT_STABLE, 350);
	test_photo(SHA_A);
	test_scan(&rma, NULL); /* not a product code */
	assert_int_equal(test_desk.scans_rejected, 5);
	test_scan_gtin(GTIN_A14); /* counted */
	assert_int_equal(test_desk.scans_rejected, 5);
	test_simple(DESK_EV_CANCEL);
	/* ship-QC: an order that is not there */
	test_feed((struct desk_event){.kind = DESK_EV_ROUTINE,
				      .routine = DESK_ROUTINE_SHIP_QC});
	test_scan(&ord, NULL);
	assert_int_equal(test_desk.scans_rejected, 6);
}

static void test_receipt_left_open_is_offered(void **state)
{
	struct expected_return er = test_withdrawal();
	struct code rma = test_code(CODE_RMA, "RMA-00042", true);
	struct code other = test_code(CODE_RMA, "RMA-00043", true);
	const struct desk_action *a;

	(void)state;
	test_desk_start(true, true);
	test_kinds(test_feed((struct desk_event){.kind = DESK_EV_RESUME_OFFER,
						 .receipt = 64,
						 .text = "RMA-00042"}),
		   0);
	assert_int_equal(test_desk.resume.receipt, 64);
	assert_string_equal(test_desk.prompt, "Scan your badge");
	test_sign_in("anna");
	assert_string_equal(test_desk.prompt,
			    "Receipt 64 (RMA-00042) was open when the station "
			    "stopped: scan it to resume, or cancel to abandon "
			    "it");
	/* scanning its code again takes the same receipt up */
	test_scan(&rma, &er);
	a = test_find(&test_out, DESK_ACT_RESUME_RECEIPT);
	assert_int_equal(a->receipt_id, 64);
	assert_int_equal(a->expected_id, 42);
	assert_int_equal(test_desk.receipt_id, 64);
	assert_int_equal(test_desk.step, DESK_STEP_WEIGH);
	assert_int_equal(test_desk.resume.receipt, 0);
	test_simple(DESK_EV_CANCEL);
	assert_string_equal(test_desk.prompt, "Scan the return label");

	/* another parcel instead: the receipt left open is abandoned */
	test_feed((struct desk_event){
	    .kind = DESK_EV_RESUME_OFFER, .receipt = 65, .text = "RMA-00042"});
	test_scan(&other, &er);
	test_find(&test_out, DESK_ACT_OPEN_RECEIPT);
	a = test_find(&test_out, DESK_ACT_ABANDON_RECEIPT);
	assert_int_equal(a->receipt_id, 65);
	assert_int_equal(test_desk.resume.receipt, 0);
	assert_int_equal(test_desk.receipt_id, TEST_RECEIPT);
	test_simple(DESK_EV_CANCEL);

	/* or cancel between parcels abandons it */
	test_feed((struct desk_event){
	    .kind = DESK_EV_RESUME_OFFER, .receipt = 66, .text = "RMA-00042"});
	test_kinds(test_simple(DESK_EV_CANCEL), 1, DESK_ACT_ABANDON_RECEIPT);
	assert_int_equal(test_out.a[0].receipt_id, 66);
	assert_string_equal(test_out.a[0].text, "abandoned by anna");
	assert_string_equal(test_desk.prompt, "Scan the return label");
	/* with nothing offered, cancel between parcels is refused */
	test_kinds(test_simple(DESK_EV_CANCEL), 0);
	assert_non_null(strstr(test_desk.problem, "not expected now"));
	/* a resumed routine must match: a ship-QC receipt is not a return */
	test_feed((struct desk_event){.kind = DESK_EV_RESUME_OFFER,
				      .receipt = 67,
				      .routine = DESK_ROUTINE_SHIP_QC,
				      .text = "RMA-00042"});
	assert_string_equal(test_desk.prompt,
			    "Receipt 67 (RMA-00042, ship_qc) was open when the "
			    "station stopped: switch to ship_qc and scan it to "
			    "resume, or cancel to abandon it");
	test_scan(&rma, &er);
	test_find(&test_out, DESK_ACT_OPEN_RECEIPT);
	assert_int_equal(
	    test_find(&test_out, DESK_ACT_ABANDON_RECEIPT)->receipt_id, 67);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_withdrawal_accepted),
	    cmocka_unit_test(test_buyer_damage_answer_is_applied),
	    cmocka_unit_test(test_checklist_answer_refused),
	    cmocka_unit_test(test_wrong_item_rejected),
	    cmocka_unit_test(test_weight_mismatch_holds),
	    cmocka_unit_test(test_unexpected_return_holds),
	    cmocka_unit_test(test_no_scale_no_camera),
	    cmocka_unit_test(test_skip_weigh_and_photo),
	    cmocka_unit_test(test_invalid_code_rejected),
	    cmocka_unit_test(test_ship_qc_passes),
	    cmocka_unit_test(test_refund_prompt_money),
	    cmocka_unit_test(test_ship_qc_missing_item),
	    cmocka_unit_test(test_ship_qc_extra_item),
	    cmocka_unit_test(test_ship_qc_blocked_step),
	    cmocka_unit_test(test_ship_qc_weight_and_unknown_order),
	    cmocka_unit_test(test_back_from_every_step),
	    cmocka_unit_test(test_cancel_and_sign_out),
	    cmocka_unit_test(test_timeout_parks_parcel),
	    cmocka_unit_test(test_override_needs_reason),
	    cmocka_unit_test(test_override_of_a_refusal_pays_the_found_lines),
	    cmocka_unit_test(test_events_out_of_place),
	    cmocka_unit_test(test_fuzz_random_events),
	    cmocka_unit_test(test_decision_not_recorded_stays_at_confirm),
	    cmocka_unit_test(test_label_printed_with_a_printer),
	    cmocka_unit_test(test_parcel_not_recorded_goes_back_to_scan),
	    cmocka_unit_test(test_step_not_recorded_is_said),
	    cmocka_unit_test(test_dead_outbox_row_is_an_error),
	    cmocka_unit_test(test_refused_scan_is_red),
	    cmocka_unit_test(test_decided_return_is_not_opened_again),
	    cmocka_unit_test(test_missing_scale_is_skipped),
	    cmocka_unit_test(test_photo_request),
	    cmocka_unit_test(
		test_nothing_happens_while_the_decision_is_written),
	    cmocka_unit_test(test_ship_qc_extra_item_taken_out),
	    cmocka_unit_test(test_ship_qc_failed_then_recovered),
	    cmocka_unit_test(test_override_of_a_refusal_needs_a_supervisor),
	    cmocka_unit_test(test_rejected_scans_are_counted),
	    cmocka_unit_test(test_receipt_left_open_is_offered),
	};

	return cmocka_run_group_tests(tests, test_setup, NULL);
}
