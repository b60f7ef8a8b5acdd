/* SPDX-License-Identifier: MIT */
/*
 * What the label layout (label.c: the plans and the fields) and the two
 * printer-language writers (label_zpl.c, label_tspl.c) share: the output
 * buffer, and the handful of drawing verbs a label is made of.  label.c
 * decides what goes where, in dots at the label's resolution; a writer
 * only spells it in its language, and is the one that keeps field text
 * data (ZPL hex escapes, TSPL quoted strings).
 *
 * Internal to src/core: the contract is include/retour/label.h.
 */
#ifndef RETOUR_LABEL_WRITER_H
#define RETOUR_LABEL_WRITER_H

#include <stdbool.h>
#include <stddef.h>

struct label_out;

struct label_writer {
	/* The job's head, for stock @width x @height dots; @mm_w and @mm_h
	 * are the stock in tenths of a millimetre. */
	void (*begin)(struct label_out *o, int width, int height, int mm_w,
		      int mm_h);
	/* A line of text, its top left at @x,@y, @h dots tall; @w > 0 keeps
	 * it inside a box @w wide (the item lines).  Its bytes follow through
	 * text_byte(), then text_close(). */
	void (*text_open)(struct label_out *o, int x, int y, int h, int w);
	/* One byte of the text: printable ASCII, a control byte, or a byte
	 * of a well-formed UTF-8 sequence (never a lone one). */
	void (*text_byte)(struct label_out *o, unsigned char c);
	void (*text_close)(struct label_out *o);
	/* A box's outline, @t dots thick. */
	void (*box)(struct label_out *o, int x, int y, int w, int h, int t);
	/* A black band with @text (plain ASCII) white on it at @tx,@ty,
	 * @th dots tall: the VOID label's top. */
	void (*banner)(struct label_out *o, int x, int y, int w, int h, int tx,
		       int ty, int th, const char *text);
	/* Code 128 of @n checked bytes (printable ASCII, none of the
	 * controls label.c refuses), @module dots a module, @h tall. */
	void (*code128)(struct label_out *o, int x, int y, int module, int h,
			const char *s, size_t n);
	/* GS1-128: FNC1, AI 00 and the 18 digits of an SSCC. */
	void (*sscc)(struct label_out *o, int x, int y, int module, int h,
		     const char *digits);
	/* QR (error correction M) of @n checked bytes, @module dots a
	 * module; @sscc: the data is "00" + the SSCC's digits. */
	void (*qr)(struct label_out *o, int x, int y, int module, const char *s,
		   size_t n, bool sscc);
	void (*end)(struct label_out *o);
};

extern const struct label_writer label_writer_zpl;
extern const struct label_writer label_writer_tspl;

struct label_out {
	char *buf;
	size_t cap;
	size_t len;
	bool overflow;
	int dpi;
	const struct label_writer *w;
	/* the label's own words printed so far, " WORD WORD ": none twice */
	char words[256];
};

/* Append to the job; past the buffer's end the job is marked overflowed
 * and nothing more is written. */
void label_put(struct label_out *o, const char *s, size_t n);
void label_puts(struct label_out *o, const char *s);
__attribute__((format(printf, 2, 3))) void label_printf(struct label_out *o,
							const char *fmt, ...);

#endif
