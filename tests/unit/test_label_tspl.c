/* SPDX-License-Identifier: MIT */
/*
 * Labels in TSPL, checked byte by byte against the TSPL/TSPL2 command
 * reference, since no TSPL renderer exists: every line of every label
 * (each kind, layout, resolution and barcode) is one of the commands the
 * reference gives, with its arguments in order; CODEPAGE UTF-8 first and
 * PRINT 1 last; CR LF line ends; SIZE and GAP in millimetres; positions
 * in dots at the label's resolution; field text only ever inside a quoted
 * string, a '"' in it as \["].  And the same Polish text in both
 * languages: raw UTF-8 in TSPL, UTF-8 bytes hex-escaped under ^CI28 in
 * ZPL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "retour/label.h"

#define POLISH "ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ"
#define SSCC "376123450000000016"

/*
 * Match one line (without its CR LF) against @pat: "%d" a whole number
 * (into @num, in order), "%m" a length in mm ("100" or "101.6", into @num
 * in tenths), "%s" a quoted string (its text, \["] read back as '"', into
 * @text), anything else literally.  A string is '"', bytes that are not
 * '"', '\' or control bytes, or the escape \["], then '"'.
 */
static bool tspl_match(const char *line, const char *pat, int *num, int *n_num,
		       char *text, size_t textlen)
{
	const char *p = line;
	size_t t = 0;

	*n_num = 0;
	while (*pat) {
		if (pat[0] == '%' && (pat[1] == 'd' || pat[1] == 'm')) {
			char *end;
			long v;

			if (*p < '0' || *p > '9')
				return false;
			v = strtol(p, &end, 10);
			if (pat[1] == 'm') {
				v *= 10;
				if (*end == '.' && end[1] >= '0' &&
				    end[1] <= '9') {
					v += end[1] - '0';
					end += 2;
				}
			}
			num[(*n_num)++] = (int)v;
			p = end;
			pat += 2;
		} else if (pat[0] == '%' && pat[1] == 's') {
			if (*p++ != '"')
				return false;
			for (;;) {
				unsigned char c = (unsigned char)*p;

				if (!strncmp(p, "\\[\"]", 4)) {
					c = '"';
					p += 4;
				} else if (c == '"') {
					p++;
					break;
				} else if (c < 0x20 || c == 0x7f || c == '\\') {
					return false;
				} else {
					p++;
				}
				if (t + 1 < textlen)
					text[t++] = (char)c;
			}
			text[t] = '\0';
			pat += 2;
		} else if (*p++ != *pat++) {
			return false;
		}
	}
	return *p == '\0';
}

/* The commands a label is made of, as the reference spells them. */
static const char *const tspl_commands[] = {
    "CODEPAGE UTF-8",
    "SIZE %m mm,%m mm",
    "GAP %m mm,%m mm",
    "DIRECTION %d",
    "REFERENCE %d,%d",
    "CLS",
    "TEXT %d,%d,\"0\",0,%d,%d,%s",
    "BLOCK %d,%d,%d,%d,\"0\",0,%d,%d,%s",
    "BOX %d,%d,%d,%d,%d",
    "REVERSE %d,%d,%d,%d",
    "BARCODE %d,%d,\"128\",%d,0,0,%d,%d,%s",
    "BARCODE %d,%d,\"EAN128\",%d,0,0,%d,%d,%s",
    "QRCODE %d,%d,M,%d,A,0,%s",
    "PRINT 1",
};

struct tspl_line {
	int cmd; /* index in tspl_commands */
	int num[8];
	int n_num;
	char text[256];
};

#define TSPL_MAX_LINES 64

/* Split @job into its lines and match each; fails the test on a line
 * that is no command, a bare CR or LF, or a missing CR LF at the end. */
static int tspl_parse(const char *job, struct tspl_line *out)
{
	int n = 0;

	while (*job) {
		const char *eol = strstr(job, "\r\n");
		char line[512];
		size_t len;
		bool ok = false;

		assert_non_null(eol);
		len = (size_t)(eol - job);
		assert_true(len < sizeof(line));
		memcpy(line, job, len);
		line[len] = '\0';
		assert_null(strchr(line, '\r'));
		assert_null(strchr(line, '\n'));
		assert_true(n < TSPL_MAX_LINES);
		for (size_t c = 0;
		     !ok && c < sizeof(tspl_commands) / sizeof(*tspl_commands);
		     c++)
			if (tspl_match(line, tspl_commands[c], out[n].num,
				       &out[n].n_num, out[n].text,
				       sizeof(out[n].text))) {
				out[n].cmd = (int)c;
				ok = true;
			}
		if (!ok)
			fail_msg("not a TSPL command: '%s'", line);
		n++;
		job = eol + 2;
	}
	return n;
}

static int tspl_cmd(const char *word)
{
	for (size_t c = 0; c < sizeof(tspl_commands) / sizeof(*tspl_commands);
	     c++)
		if (!strncmp(tspl_commands[c], word, strlen(word)))
			return (int)c;
	return -1;
}

static struct label_fields tspl_sample(enum label_size size, int dpi,
				       enum label_symbology sym)
{
	struct label_fields f = {0};

	strcpy(f.rma, "RMA-10001");
	strcpy(f.order, "ORD-1001");
	strcpy(f.verdict, "accept");
	strcpy(f.grade, "B");
	strcpy(f.disposition, "restock_b");
	strcpy(f.bin, "A-12-03");
	strcpy(f.date, "2025-12-02");
	strcpy(f.station, "desk-1");
	strcpy(f.clerk, "Łucja");
	strcpy(f.refund, "112.97 PLN");
	strcpy(f.barcode, "4711");
	strcpy(f.receipt, "4711");
	strcpy(f.remedy, "repair");
	f.override = true;
	f.n_items = 3;
	strcpy(f.items[0].sku, "KUB-77");
	strcpy(f.items[0].name, "Zażółć gęślą jaźń");
	f.items[0].quantity = 1;
	strcpy(f.items[1].sku, "TSHIRT-M");
	strcpy(f.items[1].name, "T-shirt \"M\"");
	f.items[1].quantity = 2;
	strcpy(f.items[2].sku, "MUG-1");
	strcpy(f.items[2].name, "Kubek");
	f.items[2].quantity = 1;
	f.layout = (struct label_layout){.size = size,
					 .dpi = dpi,
					 .language = LABEL_LANGUAGE_TSPL,
					 .symbology = sym};
	return f;
}

typedef int (*label_fn)(const struct label_fields *, char *, size_t);

/* Every kind, layout, resolution and barcode: only commands of the
 * reference, in the order it asks, inside the stock. */
static void test_tspl_every_label_is_reference_tspl(void **state)
{
	static const label_fn kinds[] = {label_disposition, label_qc_passed,
					 label_void};
	static const int dpis[] = {LABEL_DPI_203, LABEL_DPI_300};
	static struct tspl_line lines[TSPL_MAX_LINES];
	char job[LABEL_MAX_LEN];

	(void)state;
	for (int size = 0; size < 2; size++)
		for (int d = 0; d < 2; d++)
			for (int b = 0; b < 3; b++)
				for (size_t k = 0; k < 3; k++) {
					struct label_fields f = tspl_sample(
					    (enum label_size)size, dpis[d],
					    b == 2 ? LABEL_SYMBOLOGY_QR
						   : LABEL_SYMBOLOGY_CODE128);
					int w, h, n, barcodes = 0;

					if (b == 1) {
						strcpy(f.barcode, SSCC);
						f.barcode_sscc = true;
					}
					label_dots(&f.layout, &w, &h);
					assert_true(
					    kinds[k](&f, job, sizeof(job)) > 0);
					n = tspl_parse(job, lines);
					/* the head, in this order */
					assert_true(n > 8);
					assert_int_equal(lines[0].cmd,
							 tspl_cmd("CODEPAGE"));
					assert_int_equal(lines[1].cmd,
							 tspl_cmd("SIZE"));
					assert_int_equal(lines[2].cmd,
							 tspl_cmd("GAP"));
					assert_int_equal(lines[3].cmd,
							 tspl_cmd("DIRECTION"));
					assert_int_equal(lines[4].cmd,
							 tspl_cmd("REFERENCE"));
					assert_int_equal(lines[5].cmd,
							 tspl_cmd("CLS"));
					assert_int_equal(lines[n - 1].cmd,
							 tspl_cmd("PRINT"));
					/* SIZE in mm, as the stock is */
					assert_int_equal(lines[1].num[0],
							 size ? 1016 : 1000);
					assert_int_equal(lines[1].num[1],
							 size ? 1524 : 500);
					assert_int_equal(lines[2].num[0], 20);
					assert_int_equal(lines[2].num[1], 0);
					/* every drawing starts on the label */
					for (int i = 6; i < n - 1; i++) {
						const struct tspl_line *l =
						    &lines[i];

						assert_true(l->cmd !=
							    lines[0].cmd);
						assert_true(l->cmd !=
							    lines[5].cmd);
						assert_true(l->num[0] >= 0 &&
							    l->num[0] < w);
						assert_true(l->num[1] >= 0 &&
							    l->num[1] < h);
						if (l->cmd ==
							tspl_cmd("BARCODE") ||
						    l->cmd ==
							tspl_cmd(
							    "BARCODE "
							    "%d,%d,"
							    "\"EAN128\"") ||
						    l->cmd ==
							tspl_cmd("QRCODE"))
							barcodes++;
					}
					assert_int_equal(barcodes, 1);
				}
}

static const char *tspl_line_with(const char *job, const char *needle,
				  char *out, size_t outlen)
{
	const char *p = strstr(job, needle), *start, *eol;

	if (!p)
		return NULL;
	for (start = p; start > job && start[-1] != '\n'; start--)
		;
	eol = strstr(p, "\r\n");
	assert_non_null(eol);
	snprintf(out, outlen, "%.*s", (int)(eol - start), start);
	return out;
}

/* The exact bytes of the head and of each kind of command. */
static void test_tspl_commands_byte_by_byte(void **state)
{
	struct label_fields f = tspl_sample(LABEL_SIZE_100X50, LABEL_DPI_203,
					    LABEL_SYMBOLOGY_CODE128);
	char job[LABEL_MAX_LEN], line[512];
	int n;

	(void)state;
	n = label_disposition(&f, job, sizeof(job));
	assert_int_equal((size_t)n, strlen(job));
	assert_true(
	    strncmp(job,
		    "CODEPAGE UTF-8\r\n"
		    "SIZE 100 mm,50 mm\r\n"
		    "GAP 2 mm,0 mm\r\n"
		    "DIRECTION 0\r\n"
		    "REFERENCE 0,0\r\n"
		    "CLS\r\n",
		    strlen("CODEPAGE UTF-8\r\nSIZE 100 mm,50 mm\r\nGAP 2 "
			   "mm,0 mm\r\nDIRECTION 0\r\nREFERENCE "
			   "0,0\r\nCLS\r\n")) == 0);
	assert_string_equal(job + n - 9, "PRINT 1\r\n");
	/* the bin: 80 dots tall at 203 dpi is 28 points (font 0 takes
	 * points), 9/10 as wide */
	assert_non_null(
	    strstr(job, "TEXT 24,14,\"0\",0,25,28,\"A-12-03\"\r\n"));
	/* the grade's box: BOX takes its end corner, not its size */
	assert_non_null(strstr(job, "BOX 636,10,786,98,4\r\n"));
	assert_non_null(strstr(job, "\"Receipt 4711\"\r\n"));
	/* item lines kept inside the label: BLOCK x,y,width,height */
	assert_non_null(tspl_line_with(job, "KUB-77", line, sizeof(line)));
	assert_true(strncmp(line, "BLOCK 24,188,751,32,\"0\",0,8,9,\"1x KUB-77",
			    strlen("BLOCK 24,188,751,32,\"0\",0,8,9,\"1x "
				   "KUB-77")) == 0);
	assert_non_null(
	    strstr(job, "BARCODE 24,312,\"128\",70,0,0,3,3,\"4711\"\r\n"));

	/* GS1-128: EAN128 puts FNC1 first; the data is AI 00 and the SSCC */
	strcpy(f.barcode, SSCC);
	f.barcode_sscc = true;
	assert_true(label_disposition(&f, job, sizeof(job)) > 0);
	assert_non_null(strstr(job, "BARCODE 24,312,\"EAN128\",70,0,0,3,3,"
				    "\"00" SSCC "\"\r\n"));
	/* QR: error correction M, automatic, a module as large as the
	 * foot allows: 70 dots for 25 modules (20 bytes need version 2) */
	f.layout.symbology = LABEL_SYMBOLOGY_QR;
	assert_true(label_disposition(&f, job, sizeof(job)) > 0);
	assert_non_null(
	    strstr(job, "QRCODE 24,312,M,2,A,0,\"00" SSCC "\"\r\n"));
	f.barcode_sscc = false;
	strcpy(f.barcode, "RMA-10001"); /* version 1: 21 modules */
	assert_true(label_disposition(&f, job, sizeof(job)) > 0);
	assert_non_null(strstr(job, "QRCODE 24,312,M,3,A,0,\"RMA-10001\"\r\n"));

	/* 4 x 6 in at 300 dpi: SIZE in mm with its tenth, positions in
	 * 300 dpi dots, the same point sizes as at 203 dpi */
	f = tspl_sample(LABEL_SIZE_4X6, LABEL_DPI_300, LABEL_SYMBOLOGY_CODE128);
	assert_true(label_disposition(&f, job, sizeof(job)) > 0);
	assert_non_null(strstr(job, "SIZE 101.6 mm,152.4 mm\r\n"));
	assert_non_null(
	    strstr(job, "TEXT 44,44,\"0\",0,47,53,\"A-12-03\"\r\n"));
	f.layout.dpi = LABEL_DPI_203;
	assert_true(label_disposition(&f, job, sizeof(job)) > 0);
	assert_non_null(
	    strstr(job, "TEXT 30,30,\"0\",0,47,53,\"A-12-03\"\r\n"));

	/* VOID: the letters, then the band reversed under them */
	f = tspl_sample(LABEL_SIZE_100X50, LABEL_DPI_203,
			LABEL_SYMBOLOGY_CODE128);
	assert_true(label_void(&f, job, sizeof(job)) > 0);
	assert_non_null(strstr(job, "TEXT 48,14,\"0\",0,25,28,\"VOID\"\r\n"
				    "REVERSE 12,6,775,96\r\n"));
}

/* Field text is data: it cannot close its string, end its line or start
 * an escape, whatever bytes it holds. */
static void test_tspl_field_text_is_data(void **state)
{
	static struct tspl_line lines[TSPL_MAX_LINES];
	struct label_fields f = tspl_sample(LABEL_SIZE_100X50, LABEL_DPI_203,
					    LABEL_SYMBOLOGY_CODE128);
	char job[LABEL_MAX_LEN];
	int n;

	(void)state;
	strcpy(f.clerk, "a\"\r\nPRINT 99\r\n\"");
	strcpy(f.station, "x\\[R]\\[\"]");
	strcpy(f.order, "O\"1");
	strcpy(f.items[0].name, "bad \xff\xc5 utf-8 \x01\x7f");
	f.n_items = 2; /* both lines shown */
	assert_true(label_disposition(&f, job, sizeof(job)) > 0);
	n = tspl_parse(job, lines);
	/* one PRINT, the last line */
	for (int i = 0; i < n - 1; i++)
		assert_int_not_equal(lines[i].cmd, tspl_cmd("PRINT"));
	assert_non_null(strstr(job, "\"a\\[\"]??PRINT 99??\\[\"]\"\r\n"));
	assert_non_null(strstr(job, "\"x/[R]/[\\[\"]]\"\r\n"));
	assert_non_null(strstr(job, "\"Order O\\[\"]1\"\r\n"));
	assert_non_null(strstr(job, "bad ?? utf-8 ??\"\r\n"));
	/* a '"' in an item name, through BLOCK */
	assert_non_null(strstr(job, "T-shirt \\[\"]M\\[\"]\"\r\n"));

	/* a barcode cannot carry a quote, a backslash or a '!' (a TSPL
	 * Code 128 control), nor an SSCC with a wrong check digit */
	strcpy(f.barcode, "A\"B");
	assert_int_equal(label_disposition(&f, job, sizeof(job)), -EINVAL);
	strcpy(f.barcode, "A\\B");
	assert_int_equal(label_qc_passed(&f, job, sizeof(job)), -EINVAL);
	strcpy(f.barcode, "!105");
	assert_int_equal(label_void(&f, job, sizeof(job)), -EINVAL);
	strcpy(f.barcode, "376123450000000017");
	f.barcode_sscc = true;
	assert_int_equal(label_disposition(&f, job, sizeof(job)), -EINVAL);
	strcpy(f.barcode, "4711");
	assert_int_equal(label_disposition(&f, job, sizeof(job)), -EINVAL);

	/* a short buffer is refused whole */
	f.barcode_sscc = false;
	n = label_disposition(&f, job, sizeof(job));
	assert_true(n > 0);
	assert_int_equal(label_disposition(&f, job, (size_t)n), -ENOSPC);
	assert_string_equal(job, "");
}

/* Decode ZPL's _XX escapes of one ^FD...^FS field. */
static void zpl_unescape(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	while (*s && strncmp(s, "^FS", 3) && o + 1 < outlen) {
		if (s[0] == '_' && s[1] && s[2]) {
			char hex[3] = {s[1], s[2], 0};

			out[o++] = (char)strtol(hex, NULL, 16);
			s += 3;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
}

/* Polish letters, all eighteen, reach the printer as UTF-8 in both
 * languages. */
static void test_polish_in_both_languages(void **state)
{
	struct label_fields f =
	    tspl_sample(LABEL_SIZE_4X6, LABEL_DPI_203, LABEL_SYMBOLOGY_CODE128);
	char job[LABEL_MAX_LEN], text[256];
	const char *p;

	(void)state;
	strcpy(f.items[0].name, POLISH);
	strcpy(f.clerk, "Łucja Źdźbło");
	/* TSPL: after CODEPAGE UTF-8 the bytes go as they are */
	assert_true(label_disposition(&f, job, sizeof(job)) > 0);
	assert_true(strncmp(job, "CODEPAGE UTF-8\r\n", 16) == 0);
	assert_non_null(strstr(job, "\"1x KUB-77 " POLISH "\"\r\n"));
	assert_non_null(strstr(job, "\"Łucja Źdźbło\"\r\n"));

	/* ZPL: ^CI28, and under ^FH_ the UTF-8 bytes hex-escaped, which
	 * decode to the same text */
	f.layout.language = LABEL_LANGUAGE_ZPL;
	assert_true(label_disposition(&f, job, sizeof(job)) > 0);
	assert_non_null(strstr(job, "^CI28\n"));
	p = strstr(job, "^FH_^FD1x KUB-77 ");
	assert_non_null(p);
	/* ą is C4 85, Ż is C5 BB */
	assert_non_null(strstr(p, "_C4_85_C4_87"));
	zpl_unescape(p + strlen("^FH_^FD"), text, sizeof(text));
	assert_string_equal(text, "1x KUB-77 " POLISH);
	p = strstr(job, "^FH_^FD_C5_81ucja");
	assert_non_null(p);
	zpl_unescape(p + strlen("^FH_^FD"), text, sizeof(text));
	assert_string_equal(text, "Łucja Źdźbło");
	/* no byte above 0x7f goes raw in ZPL */
	for (p = job; *p; p++)
		assert_true((unsigned char)*p < 0x80);
}

/* A language or a symbology that is not one of ours is refused. */
static void test_tspl_unknown_layout(void **state)
{
	struct label_fields f = tspl_sample(LABEL_SIZE_100X50, LABEL_DPI_203,
					    LABEL_SYMBOLOGY_CODE128);
	char job[LABEL_MAX_LEN];
	enum label_language lang;
	enum label_symbology sym;

	(void)state;
	f.layout.language = (enum label_language)5;
	assert_int_equal(label_disposition(&f, job, sizeof(job)), -EINVAL);
	f.layout.language = LABEL_LANGUAGE_TSPL;
	f.layout.symbology = (enum label_symbology)9;
	assert_int_equal(label_void(&f, job, sizeof(job)), -EINVAL);
	assert_int_equal(label_language_from_name("tspl", &lang), 0);
	assert_int_equal(lang, LABEL_LANGUAGE_TSPL);
	assert_int_equal(label_language_from_name("TSPL", &lang), -EINVAL);
	assert_string_equal(label_language_name(LABEL_LANGUAGE_ZPL), "zpl");
	assert_int_equal(label_symbology_from_name("qr", &sym), 0);
	assert_int_equal(sym, LABEL_SYMBOLOGY_QR);
	assert_int_equal(label_symbology_from_name("ean13", &sym), -EINVAL);
	assert_string_equal(label_symbology_name(LABEL_SYMBOLOGY_CODE128),
			    "code128");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tspl_every_label_is_reference_tspl),
	    cmocka_unit_test(test_tspl_commands_byte_by_byte),
	    cmocka_unit_test(test_tspl_field_text_is_data),
	    cmocka_unit_test(test_polish_in_both_languages),
	    cmocka_unit_test(test_tspl_unknown_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
