/* SPDX-License-Identifier: MIT */
/*
 * Labels: every field the clerk needs is on the label, data can never turn
 * into ZPL commands, a short buffer is refused whole, money reads right.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retour/label.h"
#include "retour/returns.h"

static struct label_fields test_label_sample(void)
{
	struct label_fields f = {0};

	strcpy(f.rma, "RMA-2024-0042");
	strcpy(f.order, "ORD-77812");
	strcpy(f.verdict, "accept");
	strcpy(f.grade, "B");
	strcpy(f.disposition, "restock_b");
	strcpy(f.bin, "A-12-03");
	strcpy(f.date, "2024-05-01");
	strcpy(f.station, "desk-1");
	strcpy(f.clerk, "anna");
	strcpy(f.refund, "112.97 PLN");
	strcpy(f.barcode, "RMA-2024-0042");
	return f;
}

static int test_label_count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_disposition_fields(void **state)
{
	struct label_fields f = test_label_sample();
	char zpl[2048];
	int n = label_disposition_zpl(&f, zpl, sizeof(zpl));

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(zpl));
	assert_true(strncmp(zpl, "^XA", 3) == 0);
	assert_non_null(strstr(zpl, "^CI28"));
	assert_non_null(strstr(zpl, "^PW812"));
	assert_int_equal(strcmp(zpl + n - 4, "^XZ\n"), 0);
	assert_non_null(strstr(zpl, "^FDRESTOCK B^FS"));
	assert_non_null(strstr(zpl, "^FDB^FS"));
	assert_non_null(strstr(zpl, "^FDACCEPT^FS"));
	assert_non_null(strstr(zpl, "^FDBIN A-12-03^FS"));
	assert_non_null(strstr(zpl, "^FDRMA RMA-2024-0042^FS"));
	assert_non_null(strstr(zpl, "^FD2024-05-01^FS"));
	assert_non_null(strstr(zpl, "^FDdesk-1^FS"));
	assert_non_null(strstr(zpl, "^FDanna^FS"));
	assert_non_null(strstr(zpl, "^FDRefund 112.97 PLN^FS"));
	assert_non_null(strstr(zpl, "^FDOrder ORD-77812^FS"));
	assert_non_null(strstr(zpl, "^BCN,"));
	assert_non_null(strstr(zpl, "^FDRMA-2024-0042^FS"));
	/* every field is opened and closed */
	assert_int_equal(test_label_count(zpl, "^FD"),
			 test_label_count(zpl, "^FS") -
			     test_label_count(zpl, "^GB"));

	/* no refund, no barcode: those lines are left out */
	f.refund[0] = '\0';
	f.barcode[0] = '\0';
	assert_true(label_disposition_zpl(&f, zpl, sizeof(zpl)) > 0);
	assert_null(strstr(zpl, "Refund"));
	assert_null(strstr(zpl, "^BC"));
}

static void test_data_cannot_inject(void **state)
{
	struct label_fields f = test_label_sample();
	char zpl[2048];

	strcpy(f.clerk, "^XZ^XA^FDevil");
	strcpy(f.station, "~JA~PS");
	strcpy(f.bin, "a_b");
	strcpy(f.order, "line\nbreak");
	strcpy(f.barcode, "RMA_1");
	assert_true(label_disposition_zpl(&f, zpl, sizeof(zpl)) > 0);
	assert_int_equal(test_label_count(zpl, "^XA"), 1);
	assert_int_equal(test_label_count(zpl, "^XZ"), 1);
	assert_null(strchr(zpl, '~'));
	assert_non_null(strstr(zpl, "^FH_^FD_5EXZ_5EXA_5EFDevil^FS"));
	assert_non_null(strstr(zpl, "^FD_7EJA_7EPS^FS"));
	assert_non_null(strstr(zpl, "^FDBIN a_5Fb^FS"));
	assert_non_null(strstr(zpl, "^FDOrder line_0Abreak^FS"));
	assert_non_null(strstr(zpl, "^FDRMA_5F1^FS"));

	/* the QC label escapes the same way */
	assert_true(label_qc_passed_zpl(&f, zpl, sizeof(zpl)) > 0);
	assert_int_equal(test_label_count(zpl, "^XA"), 1);
	assert_int_equal(test_label_count(zpl, "^XZ"), 1);
	assert_null(strchr(zpl, '~'));
}

static void test_utf8_and_unterminated(void **state)
{
	struct label_fields f = test_label_sample();
	char zpl[2048];
	const char *p;

	strcpy(f.clerk, "\xc5\x81ukasz \xc5\xbb\xc3\xb3\xc5\x82w");
	assert_true(label_disposition_zpl(&f, zpl, sizeof(zpl)) > 0);
	assert_non_null(strstr(zpl, "^FD_C5_81ukasz _C5_BB_C3_B3_C5_82w^FS"));
	for (p = zpl; *p; p++)
		assert_true((unsigned char)*p < 0x80);

	/* a field filling its array without a NUL is cut, not overrun */
	memset(f.rma, 'X', sizeof(f.rma));
	assert_true(label_disposition_zpl(&f, zpl, sizeof(zpl)) > 0);
	p = strstr(zpl, "^FDRMA X");
	assert_non_null(p);
	assert_true(strcspn(p + 7, "^") <= sizeof(f.rma));

	/* a long name is cut on a character boundary, never mid-sequence */
	memset(f.clerk, 0, sizeof(f.clerk));
	for (size_t i = 0; i + 2 < sizeof(f.clerk); i += 2)
		memcpy(f.clerk + i, "\xc5\x81", 2);
	assert_true(label_disposition_zpl(&f, zpl, sizeof(zpl)) > 0);
	p = strstr(zpl, "^FD_C5_81");
	assert_non_null(p);
	assert_non_null(strstr(p, "_C5_81^FS"));
}

static void test_barcode_refused(void **state)
{
	struct label_fields f = test_label_sample();
	char zpl[2048];

	strcpy(f.barcode, "RMA>:1");
	assert_int_equal(label_disposition_zpl(&f, zpl, sizeof(zpl)), -EINVAL);
	assert_int_equal(label_qc_passed_zpl(&f, zpl, sizeof(zpl)), -EINVAL);
	strcpy(f.barcode, "RMA^XZ");
	assert_int_equal(label_disposition_zpl(&f, zpl, sizeof(zpl)), -EINVAL);
	strcpy(f.barcode, "R\xc3\xa9");
	assert_int_equal(label_disposition_zpl(&f, zpl, sizeof(zpl)), -EINVAL);
	/* the longest value still fits the label at the narrowest module */
	memset(f.barcode, '7', sizeof(f.barcode) - 1);
	f.barcode[sizeof(f.barcode) - 1] = '\0';
	assert_true(label_disposition_zpl(&f, zpl, sizeof(zpl)) > 0);
	assert_non_null(strstr(zpl, "^BY1,"));
	strcpy(f.barcode, "R1");
	assert_true(label_disposition_zpl(&f, zpl, sizeof(zpl)) > 0);
	assert_non_null(strstr(zpl, "^BY3,"));
	assert_int_equal(label_disposition_zpl(NULL, zpl, sizeof(zpl)),
			 -EINVAL);
}

static void test_buffer_too_small(void **state)
{
	struct label_fields f = test_label_sample();
	char full[2048], small[2048];
	int n = label_disposition_zpl(&f, full, sizeof(full));

	assert_true(n > 0);
	/* every size short of the whole label is refused, and leaves "" */
	for (int len = 1; len <= n; len++) {
		memset(small, 'Z', sizeof(small));
		assert_int_equal(label_disposition_zpl(&f, small, (size_t)len),
				 -ENOSPC);
		assert_int_equal(small[0], '\0');
		assert_int_equal(small[len], 'Z');
	}
	assert_int_equal(label_disposition_zpl(&f, small, (size_t)n + 1), n);
	assert_string_equal(small, full);
	assert_int_equal(label_disposition_zpl(&f, NULL, 0), -ENOSPC);
	assert_int_equal(label_qc_passed_zpl(&f, small, 16), -ENOSPC);

	/* the worst case (every byte escaped) fits in the documented 2048 */
	memset(&f, 0xff, sizeof(f));
	f.barcode[0] = '\0';
	assert_true(label_disposition_zpl(&f, full, sizeof(full)) > 0);
	assert_true(label_qc_passed_zpl(&f, full, sizeof(full)) > 0);
}

static void test_qc_passed(void **state)
{
	struct label_fields f = {0};
	char zpl[2048];

	strcpy(f.order, "ORD-77812");
	strcpy(f.date, "2024-05-02");
	strcpy(f.station, "pack-2");
	strcpy(f.clerk, "Marek");
	strcpy(f.barcode, "ORD-77812");
	assert_true(label_qc_passed_zpl(&f, zpl, sizeof(zpl)) > 0);
	assert_true(strncmp(zpl, "^XA", 3) == 0);
	assert_non_null(strstr(zpl, "^CI28"));
	assert_non_null(strstr(zpl, "^FDQC PASSED^FS"));
	assert_non_null(strstr(zpl, "^FDORDER ORD-77812^FS"));
	assert_non_null(strstr(zpl, "^FD2024-05-02^FS"));
	assert_non_null(strstr(zpl, "^FDpack-2^FS"));
	assert_non_null(strstr(zpl, "^FDPacker Marek^FS"));
	assert_non_null(strstr(zpl, "^BCN,"));
	assert_non_null(strstr(zpl, "^FDORD-77812^FS"));
	assert_non_null(strstr(zpl, "^XZ"));
}

static void test_format_money(void **state)
{
	const struct {
		int64_t minor;
		const char *currency;
		int rc;
		const char *text;
	} cases[] = {
	    {11297, "PLN", 10, "112.97 PLN"},
	    {-5, "PLN", 9, "-0.05 PLN"},
	    {0, "EUR", 8, "0.00 EUR"},
	    {100, "eur", 8, "1.00 EUR"},
	    {500, "JPY", 7, "500 JPY"},
	    {-500, "KRW", 8, "-500 KRW"},
	    {1234, "KWD", 9, "1.234 KWD"},
	    {11297, "HUF", 10, "112.97 HUF"},
	    {7, "CLF", 10, "0.0007 CLF"},
	    {123, "XYZ", 8, "1.23 XYZ"},
	    {INT64_MIN, "PLN", 25, "-92233720368547758.08 PLN"},
	    {INT64_MAX, "PLN", 24, "92233720368547758.07 PLN"},
	    {1, "PL", -EINVAL, NULL},
	    {1, "PLNX", -EINVAL, NULL},
	    {1, "P1N", -EINVAL, NULL},
	    {1, NULL, -EINVAL, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32];
		int r = money_format(cases[i].minor, cases[i].currency,
					   buf, sizeof(buf));

		if (r != cases[i].rc)
			fail_msg("case %zu: rc %d want %d", i, r, cases[i].rc);
		if (r >= 0 && strcmp(buf, cases[i].text) != 0)
			fail_msg("case %zu: '%s' want '%s'", i, buf,
				 cases[i].text);
	}
	{
		char buf[10];

		assert_int_equal(money_format(11297, "PLN", buf, 10),
				 -ENOSPC);
		assert_string_equal(buf, "");
		assert_int_equal(money_format(11297, "PLN", buf, 0),
				 -ENOSPC);
	}
	assert_int_equal(currency_exponent("JPY"), 0);
	assert_int_equal(currency_exponent("PLN"), 2);
	assert_int_equal(currency_exponent("bhd"), 3);
	assert_int_equal(currency_exponent(""), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_disposition_fields),
	    cmocka_unit_test(test_data_cannot_inject),
	    cmocka_unit_test(test_utf8_and_unterminated),
	    cmocka_unit_test(test_barcode_refused),
	    cmocka_unit_test(test_buffer_too_small),
	    cmocka_unit_test(test_qc_passed),
	    cmocka_unit_test(test_format_money),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
