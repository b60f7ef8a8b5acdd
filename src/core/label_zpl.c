/* SPDX-License-Identifier: MIT */
/*
 * The ZPL II writer of the label layout (label_writer.h): the verbs of a
 * label spelled for a Zebra printer, or one that speaks its language.
 *
 * The job: ^XA, ^CI28 (field bytes are UTF-8), ^PW/^LL (the stock in
 * dots), ^LH0,0, the fields, ^XZ.  Text is ^FO + ^A0N (the scalable font)
 * + ^FH_^FD; every byte that is not plain printable ASCII, and '^', '~'
 * and '_', goes out as _XX hex, so no field can end the format or start a
 * command.  Barcodes: ^BC Code 128 (mode A); GS1-128 as ^BC mode N with
 * ">;" (start in subset C) and ">8" (FNC1) before AI 00; ^BQ QR, model 2,
 * error correction M, automatic input.
 */
#include "retour/label.h"

#include "label_writer.h"

static void zpl_begin(struct label_out *o, int width, int height, int mm_w,
		      int mm_h)
{
	label_printf(o, "^XA\n^CI28\n^PW%d\n^LL%d\n^LH0,0\n", width, height);
}

static void zpl_text_open(struct label_out *o, int x, int y, int h, int w)
{
	label_printf(o, "^FO%d,%d^A0N,%d,%d^FH_^FD", x, y, h, h * 9 / 10);
}

static void zpl_text_byte(struct label_out *o, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3];

	if (c >= 0x20 && c < 0x7f && c != '^' && c != '~' && c != '_') {
		label_put(o, (const char *)&c, 1);
		return;
	}
	esc[0] = '_';
	esc[1] = hex[c >> 4];
	esc[2] = hex[c & 0x0f];
	label_put(o, esc, 3);
}

static void zpl_text_close(struct label_out *o)
{
	label_puts(o, "^FS\n");
}

static void zpl_box(struct label_out *o, int x, int y, int w, int h, int t)
{
	label_printf(o, "^FO%d,%d^GB%d,%d,%d^FS\n", x, y, w, h, t);
}

static void zpl_banner(struct label_out *o, int x, int y, int w, int h, int tx,
		       int ty, int th, const char *text)
{
	/* a box as thick as it is tall is solid black */
	label_printf(o, "^FO%d,%d^GB%d,%d,%d^FS\n", x, y, w, h, h);
	/* ^FR: the letters reverse the box under them, white on black */
	label_printf(o, "^FO%d,%d^A0N,%d,%d^FR^FD", tx, ty, th, th * 9 / 10);
	label_puts(o, text);
	label_puts(o, "^FS\n");
}

static void zpl_code128(struct label_out *o, int x, int y, int module, int h,
			const char *s, size_t n)
{
	label_printf(o, "^FO%d,%d^BY%d,3,%d^BCN,%d,N,N,N,A^FH_^FD", x, y,
		     module, h, h);
	for (size_t i = 0; i < n; i++)
		zpl_text_byte(o, (unsigned char)s[i]);
	label_puts(o, "^FS\n");
}

static void zpl_sscc(struct label_out *o, int x, int y, int module, int h,
		     const char *digits)
{
	label_printf(o, "^FO%d,%d^BY%d,3,%d^BCN,%d,N,N,N,N^FD>;>800%.18s^FS\n",
		     x, y, module, h, h, digits);
}

static void zpl_qr(struct label_out *o, int x, int y, int module, const char *s,
		   size_t n, bool sscc)
{
	label_printf(o, "^FO%d,%d^BQN,2,%d^FDMA,%s", x, y, module,
		     sscc ? "00" : "");
	label_put(o, s, n);
	label_puts(o, "^FS\n");
}

static void zpl_end(struct label_out *o)
{
	label_puts(o, "^XZ\n");
}

const struct label_writer label_writer_zpl = {
    .begin = zpl_begin,
    .text_open = zpl_text_open,
    .text_byte = zpl_text_byte,
    .text_close = zpl_text_close,
    .box = zpl_box,
    .banner = zpl_banner,
    .code128 = zpl_code128,
    .sscc = zpl_sscc,
    .qr = zpl_qr,
    .end = zpl_end,
};
