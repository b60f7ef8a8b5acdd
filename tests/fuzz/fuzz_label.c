/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the label writers (label.h): any bytes in any
 * field, in both printer languages, every layout and barcode, must give a
 * label that fits its buffer (or -ENOSPC / -EINVAL, never a crash) and in
 * which field text stayed data:
 *   ZPL   every '^' starts one of the commands the writer emits, no '~'
 *         at all, and between ^FD and ^FS there is no '^' but the ^FS's;
 *   TSPL  every line ends CR LF and starts with one of the writer's
 *         command words, its quotes pair up (a quote inside a string is
 *         only ever \["]), nothing but digits, commas, spaces and the
 *         reference's words stands outside them, and PRINT appears once,
 *         on the last line.
 *
 * Input: byte 0 picks the language, the size, the resolution and the
 * barcode; byte 1 the kind of label and the items; the rest is cut at
 * NUL bytes into the fields, in the order of struct label_fields.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retour/label.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_zpl_commands[] = {
    "^XA", "^CI28", "^PW", "^LL", "^LH0,0", "^FO", "^A0N", "^FH_",
    "^FD", "^FS",   "^GB", "^FR", "^BY",    "^BC", "^BQ",  "^XZ",
};

static void fuzz_check_zpl(const char *s, size_t n)
{
	bool in_data = false;

	if (strchr(s, '~'))
		abort();
	for (size_t i = 0; i < n; i++) {
		bool known = false;

		if (s[i] != '^')
			continue;
		if (in_data && strncmp(s + i, "^FS", 3))
			abort(); /* a '^' inside field data */
		for (size_t c = 0; c < sizeof(fuzz_zpl_commands) /
					   sizeof(fuzz_zpl_commands[0]);
		     c++)
			if (!strncmp(s + i, fuzz_zpl_commands[c],
				     strlen(fuzz_zpl_commands[c])))
				known = true;
		if (!known)
			abort();
		if (!strncmp(s + i, "^FD", 3))
			in_data = true;
		else if (!strncmp(s + i, "^FS", 3))
			in_data = false;
	}
	if (in_data || strncmp(s, "^XA\n", 4) || n < 4 ||
	    strcmp(s + n - 4, "^XZ\n"))
		abort();
}

static const char *const fuzz_tspl_commands[] = {
    "CODEPAGE ", "SIZE ",   "GAP ",    "DIRECTION ", "REFERENCE ",
    "CLS",	 "TEXT ",   "BLOCK ",  "BOX ",	     "REVERSE ",
    "BARCODE ",	 "QRCODE ", "PRINT 1",
};

/* What may stand outside a line's strings: its numbers and the words of
 * the reference (UTF-8, mm, M and A of QRCODE). */
static bool fuzz_tspl_bare(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == ',' || c == ' ' || c == '.' ||
	       c == '-' || strchr("UTFmMA", c);
}

static void fuzz_check_tspl(const char *s, size_t n)
{
	size_t pos = 0;
	int prints = 0;

	if (strncmp(s, "CODEPAGE UTF-8\r\n", 16))
		abort();
	while (pos < n) {
		const char *line = s + pos;
		const char *eol = strstr(line, "\r\n");
		size_t len, i, word = 0;
		bool quoted = false;

		if (!eol)
			abort();
		len = (size_t)(eol - line);
		for (size_t c = 0; c < sizeof(fuzz_tspl_commands) /
					   sizeof(fuzz_tspl_commands[0]);
		     c++)
			if (!strncmp(line, fuzz_tspl_commands[c],
				     strlen(fuzz_tspl_commands[c])))
				word = strlen(fuzz_tspl_commands[c]);
		if (!word)
			abort();
		if (!strncmp(line, "PRINT", 5))
			prints++;
		for (i = word; i < len; i++) {
			unsigned char c = (unsigned char)line[i];

			if (c == '\r' || c == '\n' || c < 0x20 || c == 0x7f)
				abort();
			if (quoted && !strncmp(line + i, "\\[\"]", 4)) {
				i += 3;
				continue;
			}
			if (quoted && c == '\\')
				abort(); /* only the \["] escape */
			if (c == '"')
				quoted = !quoted;
			else if (!quoted && !fuzz_tspl_bare(c))
				abort();
		}
		if (quoted)
			abort();
		pos += len + 2;
		if (prints && pos != n)
			abort(); /* PRINT is the last line */
	}
	if (prints != 1)
		abort();
}

/* The next field: up to the next NUL (or the end), cut to @len - 1. */
static void fuzz_take(const uint8_t **p, const uint8_t *end, char *dst,
		      size_t len)
{
	size_t n = 0;

	while (*p < end && **p) {
		if (n + 1 < len)
			dst[n++] = (char)**p;
		(*p)++;
	}
	if (*p < end)
		(*p)++;
	dst[n] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[LABEL_MAX_LEN];
	struct label_fields f;
	const uint8_t *p = data + 2, *end = data + size;
	int r;

	if (size < 2)
		return 0;
	memset(&f, 0, sizeof(f));
	f.layout.language =
	    (data[0] & 1) ? LABEL_LANGUAGE_TSPL : LABEL_LANGUAGE_ZPL;
	f.layout.size = (data[0] & 2) ? LABEL_SIZE_4X6 : LABEL_SIZE_100X50;
	f.layout.dpi = (data[0] & 4) ? LABEL_DPI_300 : LABEL_DPI_203;
	f.layout.symbology =
	    (data[0] & 8) ? LABEL_SYMBOLOGY_QR : LABEL_SYMBOLOGY_CODE128;
	f.barcode_sscc = (data[0] & 16) != 0;
	f.override = (data[0] & 32) != 0;
	f.n_items = data[1] >> 4;
	fuzz_take(&p, end, f.rma, sizeof(f.rma));
	fuzz_take(&p, end, f.order, sizeof(f.order));
	fuzz_take(&p, end, f.verdict, sizeof(f.verdict));
	fuzz_take(&p, end, f.grade, sizeof(f.grade));
	fuzz_take(&p, end, f.disposition, sizeof(f.disposition));
	fuzz_take(&p, end, f.bin, sizeof(f.bin));
	fuzz_take(&p, end, f.date, sizeof(f.date));
	fuzz_take(&p, end, f.station, sizeof(f.station));
	fuzz_take(&p, end, f.clerk, sizeof(f.clerk));
	fuzz_take(&p, end, f.refund, sizeof(f.refund));
	fuzz_take(&p, end, f.barcode, sizeof(f.barcode));
	fuzz_take(&p, end, f.receipt, sizeof(f.receipt));
	fuzz_take(&p, end, f.remedy, sizeof(f.remedy));
	for (int i = 0; i < LABEL_MAX_ITEMS; i++) {
		fuzz_take(&p, end, f.items[i].sku, sizeof(f.items[i].sku));
		fuzz_take(&p, end, f.items[i].name, sizeof(f.items[i].name));
		f.items[i].quantity = (int32_t)(data[1] & 0x0f) - 2;
	}
	switch (data[1] % 3) {
	case 0:
		r = label_disposition(&f, buf, sizeof(buf));
		break;
	case 1:
		r = label_qc_passed(&f, buf, sizeof(buf));
		break;
	default:
		r = label_void(&f, buf, sizeof(buf));
		break;
	}
	if (r == -EINVAL)
		return 0;
	/* LABEL_MAX_LEN is always enough */
	if (r <= 0 || (size_t)r >= sizeof(buf) || strlen(buf) != (size_t)r)
		abort();
	if (f.layout.language == LABEL_LANGUAGE_TSPL)
		fuzz_check_tspl(buf, (size_t)r);
	else
		fuzz_check_zpl(buf, (size_t)r);
	return 0;
}
