/* SPDX-License-Identifier: MIT */
/*
 * Label layout: struct label_fields -> what goes where on the label, for
 * 100 x 50 mm and 4 x 6 in stock at 203 or 300 dpi, in either printer
 * language.  Each size has one table of positions in dots at 203 dpi; a
 * 300 dpi printer gets them scaled, so both resolutions print the same
 * label.  This file decides the plan, the words (none printed twice), the
 * cut of long fields and the barcode's size; label_zpl.c and label_tspl.c
 * spell it (label_writer.h).  The fields arrive as text: the refund is
 * written by money_format() (returns.h), the one money format of the
 * station.
 *
 * Field text is data, never commands: it reaches a writer one checked
 * UTF-8 character at a time, and the writer escapes or quotes it.  Pure: no
 * printer, no fonts downloaded, no measurement of rendered text (fields are
 * cut by character count, which the scalable fonts make approximate).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "retour/code.h"
#include "retour/label.h"

#include "label_writer.h"

/* ---- the two layouts ---- */

/* One line of text: where, how tall (font 0), how many characters fit. */
struct label_slot {
	int x, y, h, chars;
};

struct label_plan {
	int width_mils, height_mils; /* the stock, in 1/1000 inch */
	int margin;
	struct label_slot big;		/* the bin, QC PASSED, VOID */
	int box_x, box_y, box_w, box_h; /* the grade's box */
	struct label_slot verdict, disposition, override, remedy;
	struct label_slot receipt, rma, order;
	struct label_slot items; /* the first line; more follow */
	int item_step, item_lines;
	struct label_slot date, station, clerk, refund;
	int barcode_y, barcode_h;
};

/* Positions in dots at 203 dpi. */
static const struct label_plan label_plans[] =
    {
	[LABEL_SIZE_100X50] =
	    {
		.width_mils = 3937,
		.height_mils = 1969,
		.margin = 24,
		.big = {24, 14, 80, 12},
		.box_x = 636,
		.box_y = 10,
		.box_w = 150,
		.box_h = 88,
		.verdict = {24, 104, 38, 12},
		.disposition = {250, 104, 38, 12},
		.override = {520, 104, 38, 10},
		.receipt = {24, 150, 30, 16},
		.rma = {250, 150, 30, 26},
		.items = {24, 188, 26, 52},
		.item_step = 30,
		.item_lines = 2,
		.date = {24, 250, 24, 10},
		.station = {170, 250, 24, 16},
		.clerk = {390, 250, 24, 26},
		.refund = {24, 280, 24, 18},
		.order = {250, 280, 24, 20},
		.remedy = {520, 280, 24, 16},
		.barcode_y = 312,
		.barcode_h = 70,
	    },
	[LABEL_SIZE_4X6] =
	    {
		.width_mils = 4000,
		.height_mils = 6000,
		.margin = 30,
		.big = {30, 30, 150, 10},
		.box_x = 600,
		.box_y = 24,
		.box_w = 190,
		.box_h = 170,
		.verdict = {30, 210, 60, 12},
		.disposition = {400, 210, 60, 12},
		.override = {30, 290, 60, 10},
		.remedy = {400, 290, 60, 16},
		.receipt = {30, 380, 44, 24},
		.rma = {30, 436, 44, 30},
		.order = {30, 492, 44, 30},
		.items = {30, 570, 36, 40},
		.item_step = 44,
		.item_lines = LABEL_MAX_ITEMS,
		.date = {30, 940, 32, 10},
		.station = {250, 940, 32, 16},
		.clerk = {500, 940, 32, 18},
		.refund = {30, 985, 32, 24},
		.barcode_y = 1040,
		.barcode_h = 150,
	    },
};

static const struct label_plan *label_plan_of(const struct label_layout *l)
{
	if (!l ||
	    (l->dpi != 0 && l->dpi != LABEL_DPI_203 && l->dpi != LABEL_DPI_300))
		return NULL;
	if (l->size != LABEL_SIZE_100X50 && l->size != LABEL_SIZE_4X6)
		return NULL;
	return &label_plans[l->size];
}

static int label_dpi_of(const struct label_layout *l)
{
	return l->dpi == LABEL_DPI_300 ? LABEL_DPI_300 : LABEL_DPI_203;
}

void label_dots(const struct label_layout *layout, int *width, int *height)
{
	const struct label_plan *p = label_plan_of(layout);
	int dpi;

	if (!p) {
		*width = *height = 0;
		return;
	}
	dpi = label_dpi_of(layout);
	*width = p->width_mils * dpi / 1000;
	*height = p->height_mils * dpi / 1000;
}

int label_item_lines(const struct label_layout *layout)
{
	const struct label_plan *p = label_plan_of(layout);

	return p ? p->item_lines : 0;
}

/* ---- the job's bytes ---- */

enum {
	LABEL_AS_IS = 0,
	LABEL_UPPER = 1,  /* ASCII letters upper case */
	LABEL_SPACED = 2, /* '_' shown as a space: "restock_b" */
};

/* A position in dots at 203 dpi, at the label's resolution. */
static int label_scale(const struct label_out *o, int v)
{
	return (v * o->dpi + LABEL_DPI_203 / 2) / LABEL_DPI_203;
}

/* The length of the well-formed UTF-8 character at @s (at most @n bytes):
 * 1 to 4, or 0 when the byte starts none (a stray, overlong or surrogate
 * sequence, or one cut short). */
static size_t label_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3;
	else
		return 0;
	if (n < need + 1)
		return 0;
	for (size_t i = 1; i <= need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
		return 0;
	return need + 1;
}

/*
 * Write @n bytes of field text through the writer, at most @max_chars
 * characters (UTF-8 characters are never split).  A byte that starts no
 * well-formed character goes out as '?'.
 */
static void label_put_data(struct label_out *o, const char *s, size_t n,
			   int max_chars, int how)
{
	const unsigned char *u = (const unsigned char *)s;
	int chars = 0;
	size_t i = 0;

	while (i < n && chars++ < max_chars) {
		size_t len = label_utf8_len(u + i, n - i);
		unsigned char c = u[i];

		if (len == 0) {
			o->w->text_byte(o, '?');
			i++;
			continue;
		}
		if (len == 1) {
			if ((how & LABEL_SPACED) && c == '_')
				c = ' ';
			if ((how & LABEL_UPPER) && c >= 'a' && c <= 'z')
				c = (unsigned char)(c - 'a' + 'A');
			o->w->text_byte(o, c);
		} else {
			for (size_t k = 0; k < len; k++)
				o->w->text_byte(o, u[i + k]);
		}
		i += len;
	}
}

/* Our own words on the label ("Receipt ", "OVERRIDE"): plain ASCII. */
static void label_put_text(struct label_out *o, const char *s)
{
	label_put_data(o, s, strlen(s), (int)strlen(s), LABEL_AS_IS);
}

/* Fields may fill their array without a NUL: never read past it. */
#define LABEL_FIELD_LEN(f) strnlen((f), sizeof(f))

/* ---- words: none printed twice ---- */

static bool label_word_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z') || c >= 0x80;
}

/*
 * Call @fn on each word of @s (runs of letters and digits, upper case)
 * until it returns true; true if one did.
 */
static bool label_words_any(const char *s, size_t n,
			    bool (*fn)(void *ctx, const char *word), void *ctx)
{
	char word[64];
	size_t w = 0;

	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : ' ';

		if (label_word_char(c)) {
			if (w + 1 < sizeof(word))
				word[w++] =
				    (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A'
								: c);
			continue;
		}
		if (w == 0)
			continue;
		word[w] = '\0';
		w = 0;
		if (fn(ctx, word))
			return true;
	}
	return false;
}

static bool label_word_printed(void *ctx, const char *word)
{
	const struct label_out *o = ctx;
	const char *p = o->words;
	size_t n = strlen(word);

	while ((p = strstr(p, word)) != NULL) {
		if (p > o->words && p[-1] == ' ' && p[n] == ' ')
			return true;
		p += n;
	}
	return false;
}

static bool label_word_keep(void *ctx, const char *word)
{
	struct label_out *o = ctx;
	size_t len = strlen(o->words), n = strlen(word);

	if (len == 0 && sizeof(o->words) > 1) {
		o->words[0] = ' ';
		o->words[1] = '\0';
		len = 1;
	}
	if (len + n + 2 <= sizeof(o->words)) {
		memcpy(o->words + len, word, n);
		o->words[len + n] = ' ';
		o->words[len + n + 1] = '\0';
	}
	return false;
}

static bool label_said(struct label_out *o, const char *s, size_t n)
{
	return label_words_any(s, n, label_word_printed, o);
}

static void label_say(struct label_out *o, const char *s, size_t n)
{
	label_words_any(s, n, label_word_keep, o);
}

/* Whether a word of @b is one of @a's (a HOLD bin after a HOLD verdict). */
static bool label_said_in(const char *a, size_t alen, const char *b,
			  size_t blen)
{
	struct label_out tmp = {0};

	label_say(&tmp, a, alen);
	return label_said(&tmp, b, blen);
}

/* ---- fields ---- */

/* Open a text line at @s (@w > 0: kept @w wide); the caller writes the
 * text and closes it. */
static void label_field_open(struct label_out *o, const struct label_slot *s,
			     int y_add, int w)
{
	o->w->text_open(o, label_scale(o, s->x), label_scale(o, s->y + y_add),
			label_scale(o, s->h), w);
}

/*
 * The label's own word (the bin, verdict, grade, "OVERRIDE"...) at @s,
 * upper case, unless one of its words is on the label already.
 */
static void label_status(struct label_out *o, const struct label_slot *s,
			 const char *caption, const char *value, size_t len,
			 int how)
{
	if (len == 0 || label_said(o, value, len) ||
	    label_said(o, caption, strlen(caption)))
		return;
	label_field_open(o, s, 0, 0);
	label_put_text(o, caption);
	label_put_data(o, value, len, s->chars, how | LABEL_UPPER);
	o->w->text_close(o);
	label_say(o, caption, strlen(caption));
	label_say(o, value, len);
}

/*
 * A data field at @s with its caption ("Receipt 12", "Order ORD-7"): the
 * caption is left out when the value already says it ("RMA-10001") or the
 * label does.  Data is data: its words may repeat a name or a code.
 */
static void label_data(struct label_out *o, const struct label_slot *s,
		       const char *caption, const char *value, size_t len)
{
	bool with_caption;

	if (len == 0)
		return;
	with_caption = *caption && !label_said(o, caption, strlen(caption)) &&
		       !label_said_in(value, len, caption, strlen(caption));
	label_field_open(o, s, 0, 0);
	if (with_caption) {
		label_put_text(o, caption);
		label_put_text(o, " ");
		label_say(o, caption, strlen(caption));
	}
	label_put_data(o, value, len, s->chars, LABEL_AS_IS);
	o->w->text_close(o);
}

/* The items, one a line: "2x SKU name"; "+N more" when they do not fit.
 * Each line is kept inside the label's width. */
static void label_items(struct label_out *o, const struct label_plan *p,
			const struct label_fields *f, int width)
{
	int n = f->n_items < 0 ? 0 : f->n_items;
	int stored = n < LABEL_MAX_ITEMS ? n : LABEL_MAX_ITEMS;
	int shown = n <= p->item_lines ? stored : p->item_lines - 1;
	int w = width - label_scale(o, p->items.x + p->margin);

	for (int i = 0; i < shown; i++) {
		const struct label_item *it = &f->items[i];
		char qty[16];
		size_t sku = LABEL_FIELD_LEN(it->sku);
		int left = p->items.chars;

		label_field_open(o, &p->items, i * p->item_step, w);
		snprintf(qty, sizeof(qty), "%dx ", (int)it->quantity);
		label_put_text(o, qty);
		left -= (int)strlen(qty);
		label_put_data(o, it->sku, sku, left, LABEL_AS_IS);
		left -= (int)(sku < (size_t)left ? sku : (size_t)left);
		if (left > 1 && LABEL_FIELD_LEN(it->name)) {
			label_put_text(o, " ");
			label_put_data(o, it->name, LABEL_FIELD_LEN(it->name),
				       left - 1, LABEL_AS_IS);
		}
		o->w->text_close(o);
	}
	if (shown < n) {
		char more[32];

		snprintf(more, sizeof(more), "+%d more", n - shown);
		label_field_open(o, &p->items, shown * p->item_step, w);
		label_put_text(o, more);
		o->w->text_close(o);
	}
}

/* Bytes a barcode carries the same in both languages: printable ASCII but
 * ZPL's '>' (a Code 128 subset switch), '^' and '~' (its prefixes) and
 * TSPL's '"' and '\' (its strings) and '!' (its Code 128 controls). */
static bool label_barcode_valid(const struct label_fields *f)
{
	size_t n = LABEL_FIELD_LEN(f->barcode);

	if (f->barcode_sscc)
		return n == 18 && strspn(f->barcode, "0123456789") == 18 &&
		       code_gs1_check_digit_ok(f->barcode, 18);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)f->barcode[i];

		if (c < 0x20 || c >= 0x7f || strchr(">^~\"\\!", c))
			return false;
	}
	return true;
}

/* QR modules a side for @n bytes at error correction M, read as bytes
 * (the most a printer's automatic mode can need). */
static int label_qr_modules(size_t n)
{
	static const size_t capacity[] = {14, 26, 42, 62, 84};

	for (size_t v = 0; v < sizeof(capacity) / sizeof(capacity[0]); v++)
		if (n <= capacity[v])
			return 17 + 4 * (int)(v + 1);
	return 17 + 4 * 6;
}

/*
 * The barcode across the foot of the label at the widest module that still
 * fits: Code 128 (GS1-128 for an SSCC), or QR at its left, as tall as the
 * foot allows.  No interpretation line: the value (receipt or RMA) is
 * printed as text already, with its caption.
 */
static void label_barcode(struct label_out *o, const struct label_plan *p,
			  int width, const struct label_fields *f)
{
	size_t n = LABEL_FIELD_LEN(f->barcode);
	int margin = label_scale(o, p->margin);
	int height = label_scale(o, p->barcode_h);
	int y = label_scale(o, p->barcode_y);
	int module;
	size_t modules;

	if (n == 0)
		return;
	if (f->layout.symbology == LABEL_SYMBOLOGY_QR) {
		/* "00" before an SSCC's digits: its AI */
		int side = label_qr_modules(n + (f->barcode_sscc ? 2 : 0));

		module = height / side;
		module = module < 1 ? 1 : module > 10 ? 10 : module;
		o->w->qr(o, margin, y, module, f->barcode, n, f->barcode_sscc);
		return;
	}
	/* start + data + check (11 modules each), stop 13, quiet zones 20;
	 * an SSCC: FNC1 and ten digit pairs in subset C */
	modules = 11 * ((f->barcode_sscc ? 11 : n) + 2) + 13 + 20;
	module = label_scale(o, 3);
	while (module > 1 &&
	       modules * (size_t)module > (size_t)(width - 2 * margin))
		module--;
	if (f->barcode_sscc)
		o->w->sscc(o, margin, y, module, height, f->barcode);
	else
		o->w->code128(o, margin, y, module, height, f->barcode, n);
}

static const struct label_plan *label_begin(struct label_out *o,
					    const struct label_fields *f,
					    char *buf, size_t buflen,
					    int *width)
{
	const struct label_plan *p = label_plan_of(&f->layout);
	int height;

	if (!p)
		return NULL;
	if (f->layout.language != LABEL_LANGUAGE_ZPL &&
	    f->layout.language != LABEL_LANGUAGE_TSPL)
		return NULL;
	if (f->layout.symbology != LABEL_SYMBOLOGY_CODE128 &&
	    f->layout.symbology != LABEL_SYMBOLOGY_QR)
		return NULL;
	memset(o, 0, sizeof(*o));
	o->buf = buf;
	o->cap = buflen;
	o->overflow = !buf || buflen == 0;
	o->dpi = label_dpi_of(&f->layout);
	o->w = f->layout.language == LABEL_LANGUAGE_TSPL ? &label_writer_tspl
							 : &label_writer_zpl;
	if (!o->overflow)
		buf[0] = '\0';
	label_dots(&f->layout, width, &height);
	/* mils to tenths of a millimetre */
	o->w->begin(o, *width, height, (p->width_mils * 254 + 500) / 1000,
		    (p->height_mils * 254 + 500) / 1000);
	return p;
}

static int label_end(struct label_out *o)
{
	o->w->end(o);
	if (o->overflow) {
		if (o->buf && o->cap)
			o->buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)o->len;
}

/* A box's outline, thickness @t (203 dpi dots). */
static void label_box(struct label_out *o, int x, int y, int w, int h, int t)
{
	o->w->box(o, label_scale(o, x), label_scale(o, y), label_scale(o, w),
		  label_scale(o, h), label_scale(o, t));
}

/* The grade in its box, unless the bin's name says it already. */
static void label_grade(struct label_out *o, const struct label_plan *p,
			const struct label_fields *f)
{
	size_t len = LABEL_FIELD_LEN(f->grade);
	struct label_slot s = {p->box_x + p->box_w / 4,
			       p->box_y + p->box_h / 10, p->box_h * 8 / 10, 2};

	if (len == 0 || label_said(o, f->grade, len))
		return;
	if (len > 2) {
		s.x = p->box_x + p->box_w / 12;
		s.y = p->box_y + p->box_h * 3 / 10;
		s.h = p->box_h * 4 / 10;
		s.chars = 6;
	}
	label_box(o, p->box_x, p->box_y, p->box_w, p->box_h, 4);
	label_status(o, &s, "", f->grade, len, LABEL_AS_IS);
}

/* Date, station and the clerk (or packer) at the foot of every label. */
static void label_footer(struct label_out *o, const struct label_plan *p,
			 const struct label_fields *f, const char *who)
{
	label_data(o, &p->date, "", f->date, LABEL_FIELD_LEN(f->date));
	label_data(o, &p->station, "", f->station, LABEL_FIELD_LEN(f->station));
	label_data(o, &p->clerk, who, f->clerk, LABEL_FIELD_LEN(f->clerk));
}

int label_disposition(const struct label_fields *f, char *buf, size_t buflen)
{
	const struct label_plan *p;
	struct label_out o;
	int width;

	if (!f || !label_barcode_valid(f))
		return -EINVAL;
	p = label_begin(&o, f, buf, buflen, &width);
	if (!p)
		return -EINVAL;

	/* the shelf first: it is what the worker walks to */
	label_status(&o, &p->big, "", f->bin, LABEL_FIELD_LEN(f->bin),
		     LABEL_AS_IS);
	label_grade(&o, p, f);
	label_status(&o, &p->verdict, "", f->verdict,
		     LABEL_FIELD_LEN(f->verdict), LABEL_AS_IS);
	label_status(&o, &p->disposition, "", f->disposition,
		     LABEL_FIELD_LEN(f->disposition), LABEL_SPACED);
	if (f->override)
		label_status(&o, &p->override, "", "OVERRIDE", 8, LABEL_AS_IS);
	label_status(&o, &p->remedy, "Remedy ", f->remedy,
		     LABEL_FIELD_LEN(f->remedy), LABEL_AS_IS);

	label_data(&o, &p->receipt, "Receipt", f->receipt,
		   LABEL_FIELD_LEN(f->receipt));
	label_data(&o, &p->rma, "RMA", f->rma, LABEL_FIELD_LEN(f->rma));
	label_data(&o, &p->order, "Order", f->order, LABEL_FIELD_LEN(f->order));
	label_items(&o, p, f, width);
	label_footer(&o, p, f, "");
	label_data(&o, &p->refund, "Refund", f->refund,
		   LABEL_FIELD_LEN(f->refund));
	label_barcode(&o, p, width, f);
	return label_end(&o);
}

int label_qc_passed(const struct label_fields *f, char *buf, size_t buflen)
{
	const struct label_plan *p;
	struct label_out o;
	int width;

	if (!f || !label_barcode_valid(f))
		return -EINVAL;
	p = label_begin(&o, f, buf, buflen, &width);
	if (!p)
		return -EINVAL;

	label_box(&o, p->margin / 2, p->big.y - p->big.h / 10,
		  p->box_x + p->box_w - p->margin / 2, p->big.h * 6 / 5, 6);
	label_status(&o, &p->big, "", "QC PASSED", 9, LABEL_AS_IS);
	if (f->override)
		label_status(&o, &p->override, "", "OVERRIDE", 8, LABEL_AS_IS);
	label_data(&o, &p->receipt, "Receipt", f->receipt,
		   LABEL_FIELD_LEN(f->receipt));
	label_data(&o, &p->rma, "Order", f->order, LABEL_FIELD_LEN(f->order));
	label_items(&o, p, f, width);
	label_footer(&o, p, f, "Packer");
	label_barcode(&o, p, width, f);
	return label_end(&o);
}

int label_void(const struct label_fields *f, char *buf, size_t buflen)
{
	const struct label_plan *p;
	struct label_out o;
	char cancels[48];
	struct label_slot line;
	int width, n;

	if (!f || !label_barcode_valid(f))
		return -EINVAL;
	p = label_begin(&o, f, buf, buflen, &width);
	if (!p)
		return -EINVAL;

	/* VOID white on black, across the top: nobody reads past it */
	o.w->banner(&o, label_scale(&o, p->margin / 2),
		    label_scale(&o, p->big.y - p->big.h / 10),
		    width - label_scale(&o, p->margin),
		    label_scale(&o, p->big.h * 6 / 5),
		    label_scale(&o, p->big.x + p->margin),
		    label_scale(&o, p->big.y), label_scale(&o, p->big.h),
		    "VOID");
	label_say(&o, "VOID", 4);

	/* what it cancels: the verdict and the bin of the cancelled label */
	n = snprintf(cancels, sizeof(cancels), "%.*s",
		     (int)LABEL_FIELD_LEN(f->verdict), f->verdict);
	if (n >= 0 && (size_t)n < sizeof(cancels) && f->bin[0] &&
	    !label_said_in(cancels, (size_t)n, f->bin, LABEL_FIELD_LEN(f->bin)))
		n += snprintf(cancels + n, sizeof(cancels) - (size_t)n,
			      "%s%.*s", n ? " " : "",
			      (int)LABEL_FIELD_LEN(f->bin), f->bin);
	line = p->verdict;
	line.chars = 30;
	if (n > 0)
		label_status(&o, &line, "Cancels ", cancels, (size_t)n,
			     LABEL_AS_IS);
	label_data(&o, &p->receipt, "Receipt", f->receipt,
		   LABEL_FIELD_LEN(f->receipt));
	label_data(&o, &p->rma, "RMA", f->rma, LABEL_FIELD_LEN(f->rma));
	label_data(&o, &p->order, "Order", f->order, LABEL_FIELD_LEN(f->order));
	label_footer(&o, p, f, "Undone by");
	label_barcode(&o, p, width, f);
	return label_end(&o);
}
