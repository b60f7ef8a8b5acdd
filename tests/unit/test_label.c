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
	strcpy(f.receipt, "12");
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
	char zpl[LABEL_MAX_LEN];
	int n = label_disposition(&f, zpl, sizeof(zpl));

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(zpl));
	assert_true(strncmp(zpl, "^XA", 3) == 0);
	assert_non_null(strstr(zpl, "^CI28"));
	assert_non_null(strstr(zpl, "^PW799")); /* 100 mm at 203 dpi */
	assert_non_null(strstr(zpl, "^LL399"));
	assert_int_equal(strcmp(zpl + n - 4, "^XZ\n"), 0);
	/* grade B says what "restock_b" would say again */
	assert_non_null(strstr(zpl, "^FDB^FS"));
	assert_null(strstr(zpl, "RESTOCK"));
	assert_non_null(strstr(zpl, "^FDACCEPT^FS"));
	assert_non_null(strstr(zpl, "^FDA-12-03^FS"));
	assert_non_null(strstr(zpl, "^FDRMA-2024-0042^FS"));
	assert_non_null(strstr(zpl, "^FDReceipt 12^FS"));
	assert_non_null(strstr(zpl, "^FD2024-05-01^FS"));
	assert_non_null(strstr(zpl, "^FDdesk-1^FS"));
	assert_non_null(strstr(zpl, "^FDanna^FS"));
	assert_non_null(strstr(zpl, "^FDRefund 112.97 PLN^FS"));
	assert_non_null(strstr(zpl, "^FDOrder ORD-77812^FS"));
	assert_non_null(strstr(zpl, "^BCN,"));
	assert_int_equal(test_label_count(zpl, "^FDRMA-2024-0042^FS"), 2);
	/* every field is opened and closed */
	assert_int_equal(test_label_count(zpl, "^FD"),
			 test_label_count(zpl, "^FS") -
			     test_label_count(zpl, "^GB"));

	/* no refund, no barcode: those lines are left out */
	f.refund[0] = '\0';
	f.barcode[0] = '\0';
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	assert_null(strstr(zpl, "Refund"));
	assert_null(strstr(zpl, "^BC"));
}

static void test_data_cannot_inject(void **state)
{
	struct label_fields f = test_label_sample();
	char zpl[LABEL_MAX_LEN];

	strcpy(f.clerk, "^XZ^XA^FDevil");
	strcpy(f.station, "~JA~PS");
	strcpy(f.bin, "a_b");
	strcpy(f.order, "line\nbreak");
	strcpy(f.barcode, "RMA_1");
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	assert_int_equal(test_label_count(zpl, "^XA"), 1);
	assert_int_equal(test_label_count(zpl, "^XZ"), 1);
	assert_null(strchr(zpl, '~'));
	assert_non_null(strstr(zpl, "^FH_^FD_5EXZ_5EXA_5EFDevil^FS"));
	assert_non_null(strstr(zpl, "^FD_7EJA_7EPS^FS"));
	assert_non_null(strstr(zpl, "^FDA_5FB^FS"));
	assert_non_null(strstr(zpl, "^FDOrder line_0Abreak^FS"));
	assert_non_null(strstr(zpl, "^FDRMA_5F1^FS"));

	/* the QC label escapes the same way */
	assert_true(label_qc_passed(&f, zpl, sizeof(zpl)) > 0);
	assert_int_equal(test_label_count(zpl, "^XA"), 1);
	assert_int_equal(test_label_count(zpl, "^XZ"), 1);
	assert_null(strchr(zpl, '~'));
}

static void test_utf8_and_unterminated(void **state)
{
	struct label_fields f = test_label_sample();
	char zpl[LABEL_MAX_LEN];
	const char *p;

	strcpy(f.clerk, "\xc5\x81ukasz \xc5\xbb\xc3\xb3\xc5\x82w");
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	assert_non_null(strstr(zpl, "^FD_C5_81ukasz _C5_BB_C3_B3_C5_82w^FS"));
	for (p = zpl; *p; p++)
		assert_true((unsigned char)*p < 0x80);

	/* a field filling its array without a NUL is cut, not overrun */
	memset(f.rma, 'X', sizeof(f.rma));
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	p = strstr(zpl, "^FDRMA X");
	assert_non_null(p);
	assert_true(strcspn(p + 8, "^") <= sizeof(f.rma));

	/* a long name is cut on a character boundary, never mid-sequence */
	memset(f.clerk, 0, sizeof(f.clerk));
	for (size_t i = 0; i + 2 < sizeof(f.clerk); i += 2)
		memcpy(f.clerk + i, "\xc5\x81", 2);
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	p = strstr(zpl, "^FD_C5_81");
	assert_non_null(p);
	assert_non_null(strstr(p, "_C5_81^FS"));
}

static void test_barcode_refused(void **state)
{
	struct label_fields f = test_label_sample();
	char zpl[LABEL_MAX_LEN];

	strcpy(f.barcode, "RMA>:1");
	assert_int_equal(label_disposition(&f, zpl, sizeof(zpl)), -EINVAL);
	assert_int_equal(label_qc_passed(&f, zpl, sizeof(zpl)), -EINVAL);
	strcpy(f.barcode, "RMA^XZ");
	assert_int_equal(label_disposition(&f, zpl, sizeof(zpl)), -EINVAL);
	strcpy(f.barcode, "R\xc3\xa9");
	assert_int_equal(label_disposition(&f, zpl, sizeof(zpl)), -EINVAL);
	/* the longest value still fits the label at the narrowest module */
	memset(f.barcode, '7', sizeof(f.barcode) - 1);
	f.barcode[sizeof(f.barcode) - 1] = '\0';
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	assert_non_null(strstr(zpl, "^BY1,"));
	strcpy(f.barcode, "R1");
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	assert_non_null(strstr(zpl, "^BY3,"));
	assert_int_equal(label_disposition(NULL, zpl, sizeof(zpl)), -EINVAL);
}

static void test_buffer_too_small(void **state)
{
	struct label_fields f = test_label_sample();
	char full[LABEL_MAX_LEN], small[LABEL_MAX_LEN];
	int n = label_disposition(&f, full, sizeof(full));

	assert_true(n > 0);
	/* every size short of the whole label is refused, and leaves "" */
	for (int len = 1; len <= n; len++) {
		memset(small, 'Z', sizeof(small));
		assert_int_equal(label_disposition(&f, small, (size_t)len),
				 -ENOSPC);
		assert_int_equal(small[0], '\0');
		assert_int_equal(small[len], 'Z');
	}
	assert_int_equal(label_disposition(&f, small, (size_t)n + 1), n);
	assert_string_equal(small, full);
	assert_int_equal(label_disposition(&f, NULL, 0), -ENOSPC);
	assert_int_equal(label_qc_passed(&f, small, 16), -ENOSPC);

	/* the worst case (every byte escaped: a control byte is 3 in ZPL,
	 * a '"' 5 in TSPL; every item, every layout, QR) fits in the
	 * documented LABEL_MAX_LEN */
	for (int fill = 0; fill < 3; fill++)
		for (int lang = 0; lang < 2; lang++)
			for (int size = 0; size < 2; size++)
				for (int sym = 0; sym < 2; sym++) {
					memset(&f, "\x01\"\xff"[fill],
					       sizeof(f));
					strcpy(f.barcode,
					       "0123456789012345678901"
					       "23456789012345678901"
					       "23456");
					f.barcode_sscc = false;
					f.override = true;
					f.n_items = LABEL_MAX_ITEMS;
					f.layout = (struct label_layout){
					    .size = (enum label_size)size,
					    .dpi = LABEL_DPI_300,
					    .language =
						(enum label_language)lang,
					    .symbology =
						(enum label_symbology)sym};
					assert_true(
					    label_disposition(
						&f, full, sizeof(full)) > 0);
					assert_true(
					    label_qc_passed(&f, full,
							    sizeof(full)) > 0);
					assert_true(
					    label_void(&f, full, sizeof(full)) >
					    0);
				}
}

static void test_qc_passed(void **state)
{
	struct label_fields f = {0};
	char zpl[LABEL_MAX_LEN];

	strcpy(f.order, "ORD-77812");
	strcpy(f.date, "2024-05-02");
	strcpy(f.station, "pack-2");
	strcpy(f.clerk, "Marek");
	strcpy(f.barcode, "ORD-77812");
	assert_true(label_qc_passed(&f, zpl, sizeof(zpl)) > 0);
	assert_true(strncmp(zpl, "^XA", 3) == 0);
	assert_non_null(strstr(zpl, "^CI28"));
	assert_non_null(strstr(zpl, "^FDQC PASSED^FS"));
	assert_non_null(strstr(zpl, "^FDOrder ORD-77812^FS"));
	assert_non_null(strstr(zpl, "^FD2024-05-02^FS"));
	assert_non_null(strstr(zpl, "^FDpack-2^FS"));
	assert_non_null(strstr(zpl, "^FDPacker Marek^FS"));
	assert_non_null(strstr(zpl, "^BCN,"));
	assert_non_null(strstr(zpl, "^FDORD-77812^FS"));
	assert_non_null(strstr(zpl, "^XZ"));
}

/*
 * The label's words, upper case, from every text field but the barcode and
 * the item lines (data): each must be there once.  Returns the word that
 * repeats, or NULL.
 */
static const char *test_label_repeated_word(const char *zpl)
{
	static char words[64][48];
	static char repeated[48];
	int n = 0;

	for (const char *p = strstr(zpl, "^FD"); p; p = strstr(p, "^FD")) {
		const char *end = strstr(p, "^FS");
		const char *head = p;
		char text[256];
		size_t t = 0;

		while (head > zpl && head[-1] != '\n')
			head--;
		p += 3;
		if (!end)
			break;
		if (strstr(head, "^BC") && strstr(head, "^BC") < p)
			continue; /* the barcode */
		if (*p == '+' ||
		    (*p >= '0' && *p <= '9' && strchr(p, 'x') &&
		     strchr(p, 'x') < end && strchr(p, 'x')[1] == ' '))
			continue; /* an item line */
		for (; p < end && t + 1 < sizeof(text); p++) {
			unsigned int c;

			if (*p == '_' && sscanf(p + 1, "%2x", &c) == 1) {
				text[t++] = (char)c;
				p += 2;
			} else {
				text[t++] = *p;
			}
		}
		text[t] = '\0';
		for (char *w = strtok(text, " -_:,."); w;
		     w = strtok(NULL, " -_:,.")) {
			for (char *c = w; *c; c++)
				if (*c >= 'a' && *c <= 'z')
					*c = (char)(*c - 'a' + 'A');
			for (int i = 0; i < n; i++)
				if (!strcmp(words[i], w)) {
					snprintf(repeated, sizeof(repeated),
						 "%s", w);
					return repeated;
				}
			if (n < 64)
				snprintf(words[n++], sizeof(words[0]), "%s", w);
		}
	}
	return NULL;
}

static void test_no_word_repeats(void **state)
{
	struct label_fields f = test_label_sample();
	char zpl[LABEL_MAX_LEN];
	const char *w;

	/* a held return: HOLD once, not as verdict, disposition and bin */
	strcpy(f.verdict, "hold");
	strcpy(f.disposition, "hold");
	strcpy(f.bin, "HOLD");
	f.grade[0] = '\0';
	f.refund[0] = '\0';
	strcpy(f.rma, "RMA-10001");
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	w = test_label_repeated_word(zpl);
	if (w)
		fail_msg("'%s' printed twice:\n%s", w, zpl);
	assert_int_equal(test_label_count(zpl, "HOLD"), 1);
	/* "RMA-10001", never "RMA RMA-10001" */
	assert_non_null(strstr(zpl, "^FDRMA-10001^FS"));
	assert_null(strstr(zpl, "RMA RMA"));

	/* restocked: the grade is in the bin's name, the disposition too */
	f = test_label_sample();
	strcpy(f.rma, "RMA-10001");
	strcpy(f.verdict, "accept");
	strcpy(f.disposition, "restock");
	strcpy(f.bin, "RESTOCK-A");
	strcpy(f.grade, "A");
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	w = test_label_repeated_word(zpl);
	if (w)
		fail_msg("'%s' printed twice:\n%s", w, zpl);
	assert_non_null(strstr(zpl, "^FDRESTOCK-A^FS"));

	/* a refund as the remedy: REFUND once, the money without caption */
	strcpy(f.remedy, "refund");
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	w = test_label_repeated_word(zpl);
	if (w)
		fail_msg("'%s' printed twice:\n%s", w, zpl);
	assert_non_null(strstr(zpl, "^FDRemedy REFUND^FS"));
	assert_non_null(strstr(zpl, "^FD112.97 PLN^FS"));

	/* nor on the other labels */
	assert_true(label_qc_passed(&f, zpl, sizeof(zpl)) > 0);
	assert_null(test_label_repeated_word(zpl));
	strcpy(f.verdict, "hold");
	strcpy(f.bin, "HOLD");
	assert_true(label_void(&f, zpl, sizeof(zpl)) > 0);
	assert_null(test_label_repeated_word(zpl));
	assert_int_equal(test_label_count(zpl, "HOLD"), 1);
}

static void test_items_receipt_remedy_override(void **state)
{
	struct label_fields f = test_label_sample();
	char zpl[LABEL_MAX_LEN];

	strcpy(f.receipt, "4711");
	strcpy(f.remedy, "repair");
	f.override = true;
	f.n_items = 3;
	f.items[0] =
	    (struct label_item){"KUB-77", "Zaz\xc3\xb3\xc5\x82\xc4\x87", 1};
	f.items[1] = (struct label_item){"TSHIRT-M", "T-shirt M", 2};
	f.items[2] = (struct label_item){"MUG-1", "Kubek", 1};
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	assert_non_null(strstr(zpl, "^FDReceipt 4711^FS"));
	assert_non_null(strstr(zpl, "^FDRemedy REPAIR^FS"));
	assert_non_null(strstr(zpl, "^FDOVERRIDE^FS"));
	/* 100 x 50 mm has two item lines: one item and "+2 more" */
	assert_non_null(strstr(zpl, "^FD1x KUB-77 Zaz_C3_B3_C5_82_C4_87^FS"));
	assert_non_null(strstr(zpl, "^FD+2 more^FS"));
	assert_null(strstr(zpl, "TSHIRT-M"));

	/* 4 x 6 in has eight: all three */
	f.layout.size = LABEL_SIZE_4X6;
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	assert_non_null(strstr(zpl, "^FD1x KUB-77 Zaz_C3_B3_C5_82_C4_87^FS"));
	assert_non_null(strstr(zpl, "^FD2x TSHIRT-M T-shirt M^FS"));
	assert_non_null(strstr(zpl, "^FD1x MUG-1 Kubek^FS"));
	assert_null(strstr(zpl, "more"));

	/* twelve in the parcel, eight kept: seven lines and "+5 more" */
	f.n_items = 12;
	for (int i = 3; i < LABEL_MAX_ITEMS; i++)
		f.items[i] = (struct label_item){"SKU-X", "x", 1};
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	assert_int_equal(test_label_count(zpl, "^FD1x SKU-X x^FS"), 4);
	assert_non_null(strstr(zpl, "^FD+5 more^FS"));

	/* not overridden, no remedy: neither word */
	f.override = false;
	f.remedy[0] = '\0';
	assert_true(label_disposition(&f, zpl, sizeof(zpl)) > 0);
	assert_null(strstr(zpl, "OVERRIDE"));
	assert_null(strstr(zpl, "Remedy"));

	/* an override of a failed ship-QC says so on QC PASSED */
	f.override = true;
	assert_true(label_qc_passed(&f, zpl, sizeof(zpl)) > 0);
	assert_non_null(strstr(zpl, "^FDOVERRIDE^FS"));
	assert_non_null(strstr(zpl, "^FDReceipt 4711^FS"));
}

static void test_void(void **state)
{
	struct label_fields f = {0};
	char zpl[LABEL_MAX_LEN];

	strcpy(f.receipt, "12");
	strcpy(f.verdict, "accept");
	strcpy(f.bin, "RESTOCK-A");
	strcpy(f.rma, "RMA-10001");
	strcpy(f.order, "ORD-1");
	strcpy(f.date, "2026-12-02");
	strcpy(f.station, "desk-1");
	strcpy(f.clerk, "Ola");
	strcpy(f.barcode, "12");
	assert_true(label_void(&f, zpl, sizeof(zpl)) > 0);
	assert_non_null(strstr(zpl, "^FR^FDVOID^FS"));
	assert_non_null(strstr(zpl, "^FDCancels ACCEPT RESTOCK-A^FS"));
	assert_non_null(strstr(zpl, "^FDReceipt 12^FS"));
	assert_non_null(strstr(zpl, "^FDRMA-10001^FS"));
	assert_non_null(strstr(zpl, "^FDUndone by Ola^FS"));
	assert_non_null(strstr(zpl, "^BCN,"));
	assert_non_null(strstr(zpl, "^FD12^FS"));
	/* data stays data on the VOID label too */
	strcpy(f.clerk, "^XZ~JA");
	assert_true(label_void(&f, zpl, sizeof(zpl)) > 0);
	assert_int_equal(test_label_count(zpl, "^XZ"), 1);
	assert_null(strchr(zpl, '~'));
	strcpy(f.barcode, "R>1");
	assert_int_equal(label_void(&f, zpl, sizeof(zpl)), -EINVAL);
	assert_int_equal(label_void(NULL, zpl, sizeof(zpl)), -EINVAL);
}

/* Each ^FO x,y of @a scaled by 300/203 is the one of @b, in order. */
static void test_label_scaled(const char *a, const char *b)
{
	const char *p = a, *q = b;
	int fields = 0;

	while ((p = strstr(p, "^FO")) != NULL) {
		int x, y, x3, y3;

		q = strstr(q, "^FO");
		assert_non_null(q);
		assert_int_equal(sscanf(p, "^FO%d,%d", &x, &y), 2);
		assert_int_equal(sscanf(q, "^FO%d,%d", &x3, &y3), 2);
		assert_int_equal(x3, (x * 300 + 101) / 203);
		assert_int_equal(y3, (y * 300 + 101) / 203);
		p += 3;
		q += 3;
		fields++;
	}
	assert_null(strstr(q, "^FO"));
	assert_true(fields > 8);
}

static void test_sizes_and_dpi(void **state)
{
	static const struct {
		struct label_layout layout;
		const char *pw, *ll;
	} cases[] = {
	    {{.size = LABEL_SIZE_100X50, .dpi = LABEL_DPI_203},
	     "^PW799\n",
	     "^LL393\n"},
	    {{.size = LABEL_SIZE_100X50, .dpi = LABEL_DPI_300},
	     "^PW1181\n",
	     "^LL590\n"},
	    {{.size = LABEL_SIZE_4X6, .dpi = LABEL_DPI_203},
	     "^PW812\n",
	     "^LL1218\n"},
	    {{.size = LABEL_SIZE_4X6, .dpi = LABEL_DPI_300},
	     "^PW1200\n",
	     "^LL1800\n"},
	};
	struct label_fields f = test_label_sample();
	char a[LABEL_MAX_LEN], b[LABEL_MAX_LEN];
	int w, h;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f.layout = cases[i].layout;
		assert_true(label_disposition(&f, a, sizeof(a)) > 0);
		if (!strstr(a, cases[i].pw))
			fail_msg("case %zu: no %s in\n%s", i, cases[i].pw, a);
		label_dots(&f.layout, &w, &h);
		snprintf(b, sizeof(b), "^LL%d\n", h);
		assert_non_null(strstr(a, b));
	}
	/* 300 dpi is the 203 dpi label, scaled: same places on the stock */
	for (int size = LABEL_SIZE_100X50; size <= LABEL_SIZE_4X6; size++) {
		f.layout =
		    (struct label_layout){.size = size, .dpi = LABEL_DPI_203};
		assert_true(label_disposition(&f, a, sizeof(a)) > 0);
		f.layout.dpi = LABEL_DPI_300;
		assert_true(label_disposition(&f, b, sizeof(b)) > 0);
		test_label_scaled(a, b);
		f.layout.dpi = LABEL_DPI_203;
		assert_true(label_void(&f, a, sizeof(a)) > 0);
		f.layout.dpi = LABEL_DPI_300;
		assert_true(label_void(&f, b, sizeof(b)) > 0);
		assert_non_null(strstr(a, "^FR^FDVOID"));
	}
	/* 4 x 6 in is portrait, with room for more lines */
	assert_int_equal(label_item_lines(&cases[0].layout), 2);
	assert_int_equal(label_item_lines(&cases[2].layout), LABEL_MAX_ITEMS);
	/* anything else is refused, not guessed */
	f.layout = (struct label_layout){.size = LABEL_SIZE_4X6, .dpi = 600};
	assert_int_equal(label_disposition(&f, a, sizeof(a)), -EINVAL);
	f.layout = (struct label_layout){.size = (enum label_size)7,
					 .dpi = LABEL_DPI_203};
	assert_int_equal(label_qc_passed(&f, a, sizeof(a)), -EINVAL);
	assert_int_equal(label_void(&f, a, sizeof(a)), -EINVAL);
}

static void test_settings_names(void **state)
{
	enum label_size size;
	enum label_barcode bc;
	int dpi;

	assert_int_equal(label_size_from_name("100x50", &size), 0);
	assert_int_equal(size, LABEL_SIZE_100X50);
	assert_int_equal(label_size_from_name("4x6", &size), 0);
	assert_int_equal(size, LABEL_SIZE_4X6);
	assert_int_equal(label_size_from_name("4X6 ", &size), -EINVAL);
	assert_int_equal(label_size_from_name(NULL, &size), -EINVAL);
	assert_int_equal(label_dpi_from_text("300", &dpi), 0);
	assert_int_equal(dpi, 300);
	assert_int_equal(label_dpi_from_text("600", &dpi), -EINVAL);
	assert_int_equal(label_dpi_from_text("2030", &dpi), -EINVAL);
	assert_int_equal(label_barcode_from_name("rma", &bc), 0);
	assert_int_equal(bc, LABEL_BARCODE_RMA);
	assert_int_equal(label_barcode_from_name("receipt", &bc), 0);
	assert_int_equal(bc, LABEL_BARCODE_RECEIPT);
	assert_int_equal(label_barcode_from_name("order", &bc), -EINVAL);
	assert_string_equal(label_size_name(LABEL_SIZE_4X6), "4x6");
	assert_string_equal(label_barcode_name(LABEL_BARCODE_RMA), "rma");
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
		int r = money_format(cases[i].minor, cases[i].currency, buf,
				     sizeof(buf));

		if (r != cases[i].rc)
			fail_msg("case %zu: rc %d want %d", i, r, cases[i].rc);
		if (r >= 0 && strcmp(buf, cases[i].text) != 0)
			fail_msg("case %zu: '%s' want '%s'", i, buf,
				 cases[i].text);
	}
	{
		char buf[10];

		assert_int_equal(money_format(11297, "PLN", buf, 10), -ENOSPC);
		assert_string_equal(buf, "");
		assert_int_equal(money_format(11297, "PLN", buf, 0), -ENOSPC);
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
	    cmocka_unit_test(test_no_word_repeats),
	    cmocka_unit_test(test_items_receipt_remedy_override),
	    cmocka_unit_test(test_void),
	    cmocka_unit_test(test_sizes_and_dpi),
	    cmocka_unit_test(test_settings_names),
	    cmocka_unit_test(test_format_money),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
