/* SPDX-License-Identifier: MIT */
/*
 * Label layout: struct label_fields -> ZPL II text for a 4 x 2 inch label
 * at 203 dpi.  The fields arrive as text: the refund is written by
 * money_format() (returns.h), the one money format of the station.
 *
 * Field text is data, never commands: it is hex-escaped under ^FH_ so '^'
 * and '~' (the format and control prefixes) cannot appear raw.  Pure: no
 * printer, no fonts downloaded, no measurement of rendered text (fields are
 * cut by character count, which the scalable font 0 makes approximate).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "retour/label.h"

#define LABEL_MARGIN 24

enum {
	LABEL_AS_IS = 0,
	LABEL_UPPER = 1,  /* ASCII letters upper case */
	LABEL_SPACED = 2, /* '_' shown as a space: "restock_b" */
};

struct label_out {
	char *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

static void label_put(struct label_out *o, const char *s, size_t n)
{
	if (o->overflow || o->cap - o->len <= n) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void label_puts(struct label_out *o, const char *s)
{
	label_put(o, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void
label_printf(struct label_out *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->overflow = true;
		return;
	}
	label_put(o, tmp, (size_t)n);
}

/*
 * Write @n bytes of field data, at most @max_chars characters (UTF-8
 * sequences are never split).  Everything but harmless printable ASCII
 * goes out as _XX for ^FH_.
 */
static void label_put_data(struct label_out *o, const char *s, size_t n,
			   int max_chars, int how)
{
	static const char hex[] = "0123456789ABCDEF";
	int chars = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[3];

		if ((c & 0xc0) != 0x80 && chars++ == max_chars)
			break;
		if ((how & LABEL_SPACED) && c == '_')
			c = ' ';
		if ((how & LABEL_UPPER) && c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		if (c >= 0x20 && c < 0x7f && c != '^' && c != '~' && c != '_') {
			label_put(o, (const char *)&c, 1);
			continue;
		}
		esc[0] = '_';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 0x0f];
		label_put(o, esc, 3);
	}
}

/* Fields may fill their array without a NUL: never read past it. */
#define LABEL_FIELD_LEN(f) strnlen((f), sizeof(f))

/* One line of text at (x, y) in font 0; @prefix is ours, @field is data.
 * Nothing is printed for an empty field. */
static void label_text(struct label_out *o, int x, int y, int h, int w,
		       const char *prefix, const char *field, size_t len,
		       int max_chars, int how)
{
	if (len == 0)
		return;
	label_printf(o, "^FO%d,%d^A0N,%d,%d^FH_^FD", x, y, h, w);
	label_puts(o, prefix);
	label_put_data(o, field, len, max_chars, how);
	label_puts(o, "^FS\n");
}

static bool label_barcode_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		/* '>' starts a Code 128 subset switch in ZPL field data */
		if (c < 0x20 || c >= 0x7f || c == '>' || c == '^' || c == '~')
			return false;
	}
	return true;
}

/* Code 128 at the widest module that still fits the label. */
static void label_barcode(struct label_out *o, int y, int height, const char *s,
			  size_t n)
{
	/* start + data + check (11 modules each), stop 13, quiet zones 20 */
	size_t modules = 11 * (n + 2) + 13 + 20;
	int module = 3;

	if (n == 0)
		return;
	while (module > 1 &&
	       modules * (size_t)module > LABEL_WIDTH_DOTS - 2 * LABEL_MARGIN)
		module--;
	label_printf(o, "^FO%d,%d^BY%d,3,%d^BCN,%d,Y,N,N,A^FH_^FD",
		     LABEL_MARGIN, y, module, height, height);
	label_put_data(o, s, n, (int)n, LABEL_AS_IS);
	label_puts(o, "^FS\n");
}

static void label_begin(struct label_out *o, char *buf, size_t buflen)
{
	o->buf = buf;
	o->cap = buflen;
	o->len = 0;
	o->overflow = !buf || buflen == 0;
	if (!o->overflow)
		buf[0] = '\0';
	label_printf(o, "^XA\n^CI28\n^PW%d\n^LL%d\n^LH0,0\n", LABEL_WIDTH_DOTS,
		     LABEL_HEIGHT_DOTS);
}

static int label_end(struct label_out *o)
{
	label_puts(o, "^XZ\n");
	if (o->overflow) {
		if (o->buf && o->cap)
			o->buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)o->len;
}

int label_disposition_zpl(const struct label_fields *f, char *buf,
			  size_t buflen)
{
	struct label_out o;
	size_t grade_len;

	if (!f)
		return -EINVAL;
	if (!label_barcode_valid(f->barcode, LABEL_FIELD_LEN(f->barcode)))
		return -EINVAL;
	label_begin(&o, buf, buflen);

	label_text(&o, LABEL_MARGIN, 20, 88, 64, "", f->disposition,
		   LABEL_FIELD_LEN(f->disposition), 12,
		   LABEL_UPPER | LABEL_SPACED);
	grade_len = LABEL_FIELD_LEN(f->grade);
	if (grade_len) {
		label_puts(&o, "^FO636,12^GB160,112,4^FS\n");
		if (grade_len <= 2)
			label_text(&o, 676, 26, 88, 88, "", f->grade, grade_len,
				   2, LABEL_UPPER);
		else
			label_text(&o, 648, 48, 44, 40, "", f->grade, grade_len,
				   6, LABEL_UPPER);
	}
	label_text(&o, LABEL_MARGIN, 132, 44, 40, "", f->verdict,
		   LABEL_FIELD_LEN(f->verdict), 12, LABEL_UPPER);
	label_text(&o, 360, 132, 44, 40, "BIN ", f->bin,
		   LABEL_FIELD_LEN(f->bin), 15, LABEL_AS_IS);
	label_text(&o, LABEL_MARGIN, 186, 34, 30, "RMA ", f->rma,
		   LABEL_FIELD_LEN(f->rma), 40, LABEL_AS_IS);
	label_text(&o, LABEL_MARGIN, 228, 28, 24, "", f->date,
		   LABEL_FIELD_LEN(f->date), 10, LABEL_AS_IS);
	label_text(&o, 200, 228, 28, 24, "", f->station,
		   LABEL_FIELD_LEN(f->station), 18, LABEL_AS_IS);
	label_text(&o, 480, 228, 28, 24, "", f->clerk,
		   LABEL_FIELD_LEN(f->clerk), 22, LABEL_AS_IS);
	label_text(&o, LABEL_MARGIN, 264, 28, 24, "Refund ", f->refund,
		   LABEL_FIELD_LEN(f->refund), 24, LABEL_AS_IS);
	label_text(&o, 400, 264, 28, 24, "Order ", f->order,
		   LABEL_FIELD_LEN(f->order), 24, LABEL_AS_IS);
	label_barcode(&o, 302, 64, f->barcode, LABEL_FIELD_LEN(f->barcode));
	return label_end(&o);
}

int label_qc_passed_zpl(const struct label_fields *f, char *buf, size_t buflen)
{
	struct label_out o;

	if (!f)
		return -EINVAL;
	if (!label_barcode_valid(f->barcode, LABEL_FIELD_LEN(f->barcode)))
		return -EINVAL;
	label_begin(&o, buf, buflen);

	label_puts(&o, "^FO16,10^GB780,124,6^FS\n");
	label_printf(&o, "^FO%d,24^A0N,100,72^FDQC PASSED^FS\n",
		     LABEL_MARGIN + 8);
	label_text(&o, LABEL_MARGIN, 146, 44, 40, "ORDER ", f->order,
		   LABEL_FIELD_LEN(f->order), 30, LABEL_AS_IS);
	label_text(&o, LABEL_MARGIN, 200, 30, 26, "", f->date,
		   LABEL_FIELD_LEN(f->date), 10, LABEL_AS_IS);
	label_text(&o, 220, 200, 30, 26, "", f->station,
		   LABEL_FIELD_LEN(f->station), 16, LABEL_AS_IS);
	label_text(&o, 460, 200, 30, 26, "Packer ", f->clerk,
		   LABEL_FIELD_LEN(f->clerk), 16, LABEL_AS_IS);
	label_barcode(&o, 250, 90, f->barcode, LABEL_FIELD_LEN(f->barcode));
	return label_end(&o);
}
