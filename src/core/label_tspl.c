/* SPDX-License-Identifier: MIT */
/*
 * The TSPL writer of the label layout (label_writer.h): the verbs of a
 * label spelled for a TSC printer or one of its clones, from the TSPL/TSPL2
 * command reference.  No renderer exists for it: tests/unit/test_label_tspl.c
 * checks the bytes against the reference.
 *
 * The job, one command a line, each line ending CR LF:
 *   CODEPAGE UTF-8           first: every string after it is UTF-8
 *   SIZE 100 mm,50 mm        the stock (101.6 mm,152.4 mm for 4 x 6 in)
 *   GAP 2 mm,0 mm            die-cut labels, 2 mm apart
 *   DIRECTION 0              stated, so no earlier job's setting carries
 *   REFERENCE 0,0
 *   CLS                      a clean image buffer
 *   TEXT x,y,"0",0,w,h,"..." font 0, the scalable one: w and h in points
 *   BLOCK x,y,W,H,"0",0,w,h,"..."  a text kept inside W x H dots (items)
 *   BOX x,y,x_end,y_end,t    the grade's box
 *   REVERSE x,y,w,h          the VOID band: its letters white on black
 *   BARCODE x,y,"128",h,0,0,n,n,"..."      Code 128, subsets automatic
 *   BARCODE x,y,"EAN128",h,0,0,n,n,"00..." GS1-128: FNC1 first, AI 00
 *   QRCODE x,y,M,n,A,0,"..." QR, error correction M, automatic input
 *   PRINT 1                  last: one label
 * Positions are in dots (8 a mm at 203 dpi, 12 at 300).
 *
 * Field text is data: it is only ever written inside a quoted string, a
 * '"' as the reference's \["], a control byte (CR and LF would end the
 * command) as '?', and a '\' as '/' so no field can spell a \[..] escape.
 */
#include "retour/label.h"

#include "label_writer.h"

/* Tenths of a millimetre as TSPL reads them: "100" or "101.6". */
static void tspl_mm(struct label_out *o, int tenths)
{
	if (tenths % 10)
		label_printf(o, "%d.%d mm", tenths / 10, tenths % 10);
	else
		label_printf(o, "%d mm", tenths / 10);
}

static void tspl_begin(struct label_out *o, int width, int height, int mm_w,
		       int mm_h)
{
	label_puts(o, "CODEPAGE UTF-8\r\nSIZE ");
	tspl_mm(o, mm_w);
	label_puts(o, ",");
	tspl_mm(o, mm_h);
	label_puts(o, "\r\nGAP 2 mm,0 mm\r\nDIRECTION 0\r\nREFERENCE 0,0\r\n"
		      "CLS\r\n");
}

/* Font 0 takes its size in points (1/72 in): @h dots at the label's dpi. */
static int tspl_points(const struct label_out *o, int h)
{
	int pt = (h * 72 + o->dpi / 2) / o->dpi;

	return pt < 1 ? 1 : pt;
}

static void tspl_text_open(struct label_out *o, int x, int y, int h, int w)
{
	int pt = tspl_points(o, h);
	int wide = pt * 9 / 10 < 1 ? 1 : pt * 9 / 10;

	if (w > 0)
		label_printf(o, "BLOCK %d,%d,%d,%d,\"0\",0,%d,%d,\"", x, y, w,
			     h * 5 / 4, wide, pt);
	else
		label_printf(o, "TEXT %d,%d,\"0\",0,%d,%d,\"", x, y, wide, pt);
}

static void tspl_text_byte(struct label_out *o, unsigned char c)
{
	if (c < 0x20 || c == 0x7f)
		label_puts(o, "?");
	else if (c == '"')
		label_puts(o, "\\[\"]");
	else if (c == '\\')
		label_puts(o, "/");
	else
		label_put(o, (const char *)&c, 1);
}

static void tspl_text_close(struct label_out *o)
{
	label_puts(o, "\"\r\n");
}

static void tspl_box(struct label_out *o, int x, int y, int w, int h, int t)
{
	label_printf(o, "BOX %d,%d,%d,%d,%d\r\n", x, y, x + w, y + h, t);
}

static void tspl_banner(struct label_out *o, int x, int y, int w, int h, int tx,
			int ty, int th, const char *text)
{
	tspl_text_open(o, tx, ty, th, 0);
	for (; *text; text++)
		tspl_text_byte(o, (unsigned char)*text);
	tspl_text_close(o);
	label_printf(o, "REVERSE %d,%d,%d,%d\r\n", x, y, w, h);
}

static void tspl_code128(struct label_out *o, int x, int y, int module, int h,
			 const char *s, size_t n)
{
	label_printf(o, "BARCODE %d,%d,\"128\",%d,0,0,%d,%d,\"", x, y, h,
		     module, module);
	for (size_t i = 0; i < n; i++)
		tspl_text_byte(o, (unsigned char)s[i]);
	label_puts(o, "\"\r\n");
}

static void tspl_sscc(struct label_out *o, int x, int y, int module, int h,
		      const char *digits)
{
	label_printf(o, "BARCODE %d,%d,\"EAN128\",%d,0,0,%d,%d,\"00%.18s\"\r\n",
		     x, y, h, module, module, digits);
}

static void tspl_qr(struct label_out *o, int x, int y, int module,
		    const char *s, size_t n, bool sscc)
{
	label_printf(o, "QRCODE %d,%d,M,%d,A,0,\"%s", x, y, module,
		     sscc ? "00" : "");
	for (size_t i = 0; i < n; i++)
		tspl_text_byte(o, (unsigned char)s[i]);
	label_puts(o, "\"\r\n");
}

static void tspl_end(struct label_out *o)
{
	label_puts(o, "PRINT 1\r\n");
}

const struct label_writer label_writer_tspl = {
    .begin = tspl_begin,
    .text_open = tspl_text_open,
    .text_byte = tspl_text_byte,
    .text_close = tspl_text_close,
    .box = tspl_box,
    .banner = tspl_banner,
    .code128 = tspl_code128,
    .sscc = tspl_sscc,
    .qr = tspl_qr,
    .end = tspl_end,
};
