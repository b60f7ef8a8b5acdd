/* SPDX-License-Identifier: MIT */
/* What a decision leaves behind: outbox rows, their keys, the label. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "retour/decision.h"

#define T0 INT64_C(1715342400000000) /* 2024-05-10T12:00:00Z */
#define GRACE INT64_C(30000000)

static struct decision_facts test_return(void)
{
	return (struct decision_facts){
	    .verdict = VERDICT_ACCEPT,
	    .refund_minor = 11297,
	    .currency = "PLN",
	    .grade = GRADE_A,
	    .disposition = DISPOSITION_RESTOCK,
	    .rma = "RMA-10001",
	    .order = "ORD-1",
	    .shop = "demo",
	    .desk = "desk-1",
	    .clerk = "anna",
	    .receipt_id = 12,
	    .now = T0,
	    .grace_us = GRACE,
	    .utc_offset_min = 60,
	    .eu_summer_time = true,
	};
}

static void refund_and_event_wait_for_the_grace(void **state)
{
	struct decision_facts f = test_return();
	struct decision_plan p;

	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_string_equal(p.verdict, "accept");
	assert_string_equal(p.currency, "PLN");
	assert_true(p.decided_at == T0);
	assert_int_equal(p.n_rows, 2);
	assert_string_equal(p.rows[0].action, EVENT_REFUND_REQUESTED);
	assert_string_equal(p.rows[0].key,
			    "demo:desk-1:12:refund:1715342400000000");
	assert_string_equal(p.rows[1].action, EVENT_RETURN_DECIDED);
	assert_string_equal(p.rows[1].key,
			    "demo:desk-1:12:return.decided:1715342400000000");
	assert_true(p.rows[0].not_before == T0 + GRACE);
	assert_true(p.rows[1].not_before == T0 + GRACE);
	/* the label: fields, the shop's local date, the bin */
	assert_string_equal(p.label.rma, "RMA-10001");
	assert_string_equal(p.label.grade, "A");
	assert_string_equal(p.label.bin, "RESTOCK-A");
	assert_string_equal(p.label.date, "2024-05-10");
	assert_string_equal(p.label.refund, "112.97 PLN");
	assert_string_equal(p.label.barcode, "RMA-10001");
	assert_true(p.zpl_len > 0 && (size_t)p.zpl_len == strlen(p.zpl));
	assert_non_null(strstr(p.zpl, "RESTOCK-A"));
}

static void a_refusal_sends_only_the_event(void **state)
{
	struct decision_facts f = test_return();
	struct decision_plan p;

	f.verdict = VERDICT_REJECT;
	f.refund_minor = 0;
	f.grade = GRADE_NONE;
	f.disposition = DISPOSITION_HOLD;
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_int_equal(p.n_rows, 1);
	assert_string_equal(p.rows[0].action, EVENT_RETURN_DECIDED);
	assert_string_equal(p.label.grade, "");
	assert_string_equal(p.label.bin, "HOLD");
	assert_string_equal(p.label.refund, "");
}

static void ship_qc_passed_and_failed(void **state)
{
	struct decision_facts f = test_return();
	struct decision_plan p;

	f.ship_qc = true;
	f.refund_minor = 0;
	f.rma = "";
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_string_equal(p.verdict, "qc_passed");
	assert_int_equal(p.n_rows, 1);
	assert_string_equal(p.rows[0].action, EVENT_QC_PASSED);
	assert_string_equal(p.label.barcode, "ORD-1");
	assert_non_null(strstr(p.zpl, "QC PASSED"));

	f.verdict = VERDICT_REJECT;
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_string_equal(p.verdict, "qc_failed");
	assert_string_equal(p.rows[0].action, EVENT_QC_FAILED);
	assert_null(strstr(p.zpl, "QC PASSED"));
	/* a refund amount never makes a refund row for a ship-QC */
	f.refund_minor = 500;
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_int_equal(p.n_rows, 1);
}

static void a_code_code128_cannot_carry_leaves_the_barcode_off(void **state)
{
	struct decision_facts f = test_return();
	struct decision_plan p;

	f.rma = "RMA>1\xc5\x82";
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_string_equal(p.label.barcode, "");
	assert_true(p.zpl_len > 0);
}

static void bins_and_verdict_names(void **state)
{
	assert_string_equal(disposition_bin(DISPOSITION_RESTOCK_B), "B-STOCK");
	assert_string_equal(disposition_bin(DISPOSITION_REFURBISH), "REFURB");
	assert_string_equal(disposition_bin(DISPOSITION_VENDOR), "RTV");
	assert_string_equal(disposition_bin(DISPOSITION_SCRAP), "SCRAP");
	assert_string_equal(disposition_bin((enum disposition)99), "HOLD");
	assert_string_equal(decision_verdict_name(false, VERDICT_HOLD), "hold");
	assert_string_equal(decision_verdict_name(true, VERDICT_HOLD),
			    "qc_failed");
}

static void a_key_that_does_not_fit_is_refused(void **state)
{
	struct decision_facts f = test_return();
	struct decision_plan p;
	char shop[200];

	memset(shop, 's', sizeof(shop) - 1);
	shop[sizeof(shop) - 1] = '\0';
	f.shop = shop;
	assert_int_equal(decision_plan_make(&f, &p), -EINVAL);
	/* missing texts are empty, never a crash */
	f = test_return();
	f.shop = f.desk = f.clerk = f.rma = f.order = f.currency = NULL;
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_string_equal(p.rows[0].key, "::12:refund:1715342400000000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(refund_and_event_wait_for_the_grace),
	    cmocka_unit_test(a_refusal_sends_only_the_event),
	    cmocka_unit_test(ship_qc_passed_and_failed),
	    cmocka_unit_test(
		a_code_code128_cannot_carry_leaves_the_barcode_off),
	    cmocka_unit_test(bins_and_verdict_names),
	    cmocka_unit_test(a_key_that_does_not_fit_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
