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
	/* the barcode carries the receipt unless [label] barcode = rma */
	assert_string_equal(p.label.barcode, "12");
	assert_string_equal(p.label.receipt, "12");
	assert_true(p.label_len > 0 &&
		    (size_t)p.label_len == strlen(p.label_job));
	assert_non_null(strstr(p.label_job, "RESTOCK-A"));
	assert_non_null(strstr(p.label_job, "^FDReceipt 12^FS"));
	assert_non_null(
	    strstr(p.label_job, "^PW799")); /* 100 x 50 mm, 203 dpi */
}

static void the_label_lists_the_parcel(void **state)
{
	static const struct decision_item items[] = {
	    {"KUB-77", "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87", 1},
	    {"TSHIRT-M", "T-shirt M", 0}, /* not in the parcel */
	    {"MUG-1", "Kubek", 3},
	};
	struct decision_facts f = test_return();
	struct decision_plan p;

	f.items = items;
	f.n_items = 3;
	f.label.layout.size = LABEL_SIZE_4X6;
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_int_equal(p.label.n_items, 2);
	assert_string_equal(p.label.items[0].sku, "KUB-77");
	assert_int_equal(p.label.items[1].quantity, 3);
	assert_non_null(
	    strstr(p.label_job, "^FD1x KUB-77 Za_C5_BC_C3_B3_C5_82_C4_87^FS"));
	assert_non_null(strstr(p.label_job, "^FD3x MUG-1 Kubek^FS"));
	assert_null(strstr(p.label_job, "TSHIRT"));
	assert_non_null(strstr(p.label_job, "^PW812")); /* 4 x 6 in */
}

static void barcode_remedy_and_override(void **state)
{
	struct decision_facts f = test_return();
	struct decision_plan p;

	f.label.barcode = LABEL_BARCODE_RMA;
	f.label.layout.dpi = LABEL_DPI_300;
	f.remedy = "replace";
	f.override = true;
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_string_equal(p.label.barcode, "RMA-10001");
	assert_string_equal(p.label.remedy, "replace");
	assert_true(p.label.override);
	assert_non_null(strstr(p.label_job, "^BCN,"));
	assert_non_null(
	    strstr(strstr(p.label_job, "^BCN,"), "^FDRMA-10001^FS"));
	assert_non_null(strstr(p.label_job, "^FDRemedy REPLACE^FS"));
	assert_non_null(strstr(p.label_job, "^FDOVERRIDE^FS"));
	assert_non_null(strstr(p.label_job, "^PW1181"));
	/* no RMA: the order; no receipt yet either way: the reference */
	f.rma = "";
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_string_equal(p.label.barcode, "ORD-1");
	f.label.barcode = LABEL_BARCODE_RECEIPT;
	f.receipt_id = 0;
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_string_equal(p.label.barcode, "ORD-1");
	assert_null(strstr(p.label_job, "Receipt"));
}

static void an_undo_prints_void(void **state)
{
	struct decision_void_facts f = {
	    .receipt_id = 12,
	    .verdict = "hold",
	    .bin = "HOLD",
	    .rma = "RMA-10001",
	    .order = "ORD-1",
	    .desk = "desk-1",
	    .clerk = "anna",
	    .now = T0,
	    .utc_offset_min = 60,
	    .eu_summer_time = true,
	};
	char zpl[LABEL_MAX_LEN];
	int n = decision_void_label(&f, zpl, sizeof(zpl));

	assert_true(n > 0 && (size_t)n == strlen(zpl));
	assert_non_null(strstr(zpl, "^FDVOID^FS"));
	assert_non_null(strstr(zpl, "^FDCancels HOLD^FS"));
	assert_non_null(strstr(zpl, "^FDReceipt 12^FS"));
	assert_non_null(strstr(zpl, "^FD2024-05-10^FS"));
	assert_non_null(strstr(zpl, "^FD12^FS")); /* the barcode */
	f.label.barcode = LABEL_BARCODE_RMA;
	assert_true(decision_void_label(&f, zpl, sizeof(zpl)) > 0);
	assert_non_null(strstr(zpl, "^BCN,"));
	assert_non_null(strstr(strstr(zpl, "^BCN,"), "^FDRMA-10001^FS"));
	/* an RMA Code 128 cannot carry: the VOID prints without barcode */
	f.rma = "RMA>1";
	assert_true(decision_void_label(&f, zpl, sizeof(zpl)) > 0);
	assert_null(strstr(zpl, "^BC"));
	assert_int_equal(decision_void_label(&f, zpl, 8), -ENOSPC);
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
	assert_string_equal(p.label.barcode, "12");
	assert_non_null(strstr(p.label_job, "QC PASSED"));

	f.verdict = VERDICT_REJECT;
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_string_equal(p.verdict, "qc_failed");
	assert_string_equal(p.rows[0].action, EVENT_QC_FAILED);
	assert_null(strstr(p.label_job, "QC PASSED"));
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
	f.label.barcode = LABEL_BARCODE_RMA;
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_string_equal(p.label.barcode, "");
	assert_true(p.label_len > 0);
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

/*
 * [label] barcode = sscc: the first of the parcel's codes that reads as a
 * valid SSCC (bare, as AI 00, with its AIM id) becomes a GS1-128; a
 * parcel without one, or with a misread one, gets the receipt number.
 * In both languages, and on the VOID label too.
 */
static void an_sscc_becomes_gs1_128(void **state)
{
	static const char *const codes[] = {
	    "JJD000390007834567",      /* a DHL parcel number: not an SSCC */
	    "376123450000000017",      /* an SSCC misread: wrong check digit */
	    "]C100376123450000000016", /* the parcel's SSCC, as scanned */
	};
	struct decision_facts f = test_return();
	struct decision_void_facts v = {
	    .receipt_id = 12, .verdict = "accept", .now = T0};
	struct decision_plan p;
	char job[LABEL_MAX_LEN], sscc[19];

	(void)state;
	f.label.barcode = LABEL_BARCODE_SSCC;
	f.codes = codes;
	f.n_codes = 3;
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_true(p.label.barcode_sscc);
	assert_string_equal(p.label.barcode, "376123450000000016");
	assert_non_null(strstr(p.label_job, "^BCN,"));
	assert_non_null(strstr(p.label_job, "^FD>;>800376123450000000016^FS"));
	f.label.layout.language = LABEL_LANGUAGE_TSPL;
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_non_null(strstr(p.label_job, "\"EAN128\""));
	assert_non_null(strstr(p.label_job, "\"00376123450000000016\"\r\n"));

	/* none that reads as one: the receipt, in Code 128 */
	f.n_codes = 2;
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_false(p.label.barcode_sscc);
	assert_string_equal(p.label.barcode, "12");
	assert_non_null(strstr(p.label_job, "\"128\""));
	/* an SSCC in the codes does nothing unless the setting asks */
	f.n_codes = 3;
	f.label.barcode = LABEL_BARCODE_RMA;
	assert_int_equal(decision_plan_make(&f, &p), 0);
	assert_string_equal(p.label.barcode, "RMA-10001");

	/* the VOID label carries the SSCC of the label it cancels */
	v.label.barcode = LABEL_BARCODE_SSCC;
	v.sscc = "376123450000000016";
	assert_true(decision_void_label(&v, job, sizeof(job)) > 0);
	assert_non_null(strstr(job, "^FD>;>800376123450000000016^FS"));
	v.sscc = NULL;
	assert_true(decision_void_label(&v, job, sizeof(job)) > 0);
	assert_non_null(strstr(job, "^BCN,"));
	assert_null(strstr(job, ">;>8"));

	assert_true(decision_sscc_of("(00)376123450000000016", sscc));
	assert_string_equal(sscc, "376123450000000016");
	assert_false(decision_sscc_of("376123450000000017", sscc));
	assert_false(decision_sscc_of("", sscc));
	assert_false(decision_sscc_of(NULL, sscc));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(refund_and_event_wait_for_the_grace),
	    cmocka_unit_test(the_label_lists_the_parcel),
	    cmocka_unit_test(barcode_remedy_and_override),
	    cmocka_unit_test(an_undo_prints_void),
	    cmocka_unit_test(an_sscc_becomes_gs1_128),
	    cmocka_unit_test(a_refusal_sends_only_the_event),
	    cmocka_unit_test(ship_qc_passed_and_failed),
	    cmocka_unit_test(
		a_code_code128_cannot_carry_leaves_the_barcode_off),
	    cmocka_unit_test(bins_and_verdict_names),
	    cmocka_unit_test(a_key_that_does_not_fit_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
