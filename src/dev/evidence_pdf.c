/* SPDX-License-Identifier: MIT */
/*
 * A dispute pack drawn as a PDF with cairo (include/retour/evidence.h):
 * A4 pages, DejaVu Sans through fontconfig (Debian's fonts-dejavu-core:
 * every Polish letter), the text wrapped to the page, a new page whenever
 * the next line or photo would not fit, and each photo embedded as the
 * JPEG file it is: an image surface of its size carries the file as
 * cairo's JPEG MIME data, which the PDF surface writes as a DCT stream
 * instead of pixels (so pdfimages lists it as "jpeg", byte for byte the
 * station's file).
 *
 * Not here: what the pack says (src/codec/evidence_pack.c), reading the
 * photo files (the daemon).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <turbojpeg.h>

#include "retour/evidence.h"

#define PDF_W 595.276 /* A4 in points */
#define PDF_H 841.890
#define PDF_MARGIN 50.0
#define PDF_BOTTOM (PDF_H - PDF_MARGIN)
#define PDF_LABEL_W 120.0
#define PDF_PHOTO_MAX_H 330.0
#define PDF_FONT "DejaVu Sans"
/* a photo whose header claims more than this is not drawn */
#define PDF_PHOTO_MAX_SIDE 20000

struct pdf_out {
	unsigned char *data;
	size_t len, cap;
	bool failed;
};

struct pdf_page {
	cairo_t *cr;
	const struct evidence_pack *pack;
	double y;
	int page;
};

static cairo_status_t pdf_write(void *closure, const unsigned char *data,
				unsigned int length)
{
	struct pdf_out *o = closure;

	if (o->len + length > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 65536;
		unsigned char *grown;

		while (cap < o->len + length)
			cap *= 2;
		grown = realloc(o->data, cap);
		if (!grown) {
			o->failed = true;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		o->data = grown;
		o->cap = cap;
	}
	memcpy(o->data + o->len, data, length);
	o->len += length;
	return CAIRO_STATUS_SUCCESS;
}

static void pdf_font(cairo_t *cr, double size, bool bold)
{
	cairo_select_font_face(cr, PDF_FONT, CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD
				    : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

static void pdf_footer(struct pdf_page *pg)
{
	char text[200];

	pdf_font(pg->cr, 8, false);
	cairo_set_source_rgb(pg->cr, 0.4, 0.4, 0.4);
	snprintf(text, sizeof(text), "%s, page %d", pg->pack->title, pg->page);
	cairo_move_to(pg->cr, PDF_MARGIN, PDF_H - 25);
	cairo_show_text(pg->cr, text);
	cairo_set_source_rgb(pg->cr, 0, 0, 0);
}

/* Room for @h more points on this page, or the next page. */
static void pdf_need(struct pdf_page *pg, double h)
{
	if (pg->y + h <= PDF_BOTTOM)
		return;
	pdf_footer(pg);
	cairo_show_page(pg->cr);
	pg->page++;
	pg->y = PDF_MARGIN;
}

/* The longest prefix of @s (up to @n bytes) that fits in @width, cut at a
 * space when there is one, never inside a UTF-8 sequence. */
static size_t pdf_fit(cairo_t *cr, const char *s, size_t n, double width)
{
	cairo_text_extents_t ext;
	size_t lo = 0, space = 0;
	char buf[1024];

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (size_t k = 1; k <= n; k++) {
		if (k < n && ((unsigned char)s[k] & 0xc0) == 0x80)
			continue; /* inside a character */
		memcpy(buf, s, k);
		buf[k] = '\0';
		cairo_text_extents(cr, buf, &ext);
		if (ext.x_advance > width)
			break;
		lo = k;
		if (k < n && s[k] == ' ')
			space = k;
	}
	if (lo == n)
		return n;
	if (space)
		return space;
	return lo ? lo : 1;
}

/* @text wrapped into @width at @x, each line on the page it fits. */
static void pdf_text(struct pdf_page *pg, double x, double width,
		     const char *text, double size, bool bold)
{
	double lh = size * 1.35;
	size_t n = strlen(text);
	char line[1024];

	pdf_font(pg->cr, size, bold);
	do {
		size_t k = pdf_fit(pg->cr, text, n, width);

		pdf_need(pg, lh);
		pdf_font(pg->cr, size, bold);
		memcpy(line, text, k);
		line[k] = '\0';
		cairo_move_to(pg->cr, x, pg->y + size);
		cairo_show_text(pg->cr, line);
		pg->y += lh;
		text += k;
		n -= k;
		while (n && *text == ' ') {
			text++;
			n--;
		}
	} while (n);
}

static void pdf_field(struct pdf_page *pg, const char *label, const char *text)
{
	double y0, y_label;
	int page0;

	/* the label first, beside the value's first line */
	pdf_need(pg, 2 * 13.5);
	y0 = pg->y;
	page0 = pg->page;
	pdf_text(pg, PDF_MARGIN, PDF_LABEL_W - 8, label ? label : "", 10, true);
	y_label = pg->y;
	pg->y = y0;
	pdf_text(pg, PDF_MARGIN + PDF_LABEL_W,
		 PDF_W - 2 * PDF_MARGIN - PDF_LABEL_W, text, 10, false);
	if (pg->page == page0 && pg->y < y_label)
		pg->y = y_label;
}

/* The JPEG's size from its header; false when it is not a JPEG. */
static bool pdf_jpeg_size(const struct evidence_photo_bytes *b, int *w, int *h)
{
	tjhandle tj = tjInitDecompress();
	int sub, cs;
	bool ok;

	if (!tj || !b->data || b->len < 4 || b->len > EVIDENCE_MAX_FILE)
		ok = false;
	else
		ok = tjDecompressHeader3(tj, b->data, (unsigned long)b->len, w,
					 h, &sub, &cs) == 0 &&
		     *w > 0 && *h > 0 && *w <= PDF_PHOTO_MAX_SIDE &&
		     *h <= PDF_PHOTO_MAX_SIDE;
	if (tj)
		tjDestroy(tj);
	return ok;
}

static int pdf_photo(struct pdf_page *pg, const struct evidence_photo *ph,
		     int n, const struct evidence_photo_bytes *b)
{
	double maxw = PDF_W - 2 * PDF_MARGIN, scale = 0, dh = 0;
	bool drawn = ph->state == EVIDENCE_PHOTO_PRESENT;
	cairo_surface_t *img;
	char text[400];
	int w = 0, h = 0;

	if (drawn && pdf_jpeg_size(b, &w, &h)) {
		scale = maxw / w;
		if (h * scale > PDF_PHOTO_MAX_H)
			scale = PDF_PHOTO_MAX_H / h;
		dh = h * scale;
	} else {
		drawn = false;
	}
	/* the caption and its photo on one page */
	pdf_need(pg, 40 + dh + 10);
	snprintf(text, sizeof(text), "Photo %d: %s, taken at %s by %s", n,
		 ph->step, ph->taken_at, ph->clerk);
	pdf_text(pg, PDF_MARGIN, maxw, text, 10, true);
	snprintf(text, sizeof(text), "SHA-256 %s, %lld bytes%s", ph->sha256,
		 (long long)ph->bytes,
		 ph->audit_entry ? ", recorded by audit entry" : "");
	if (ph->audit_entry)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 " %lld", (long long)ph->audit_entry);
	pdf_text(pg, PDF_MARGIN, maxw, text, 8, false);
	if (!drawn && ph->state == EVIDENCE_PHOTO_MISSING && ph->purged_at[0]) {
		snprintf(text, sizeof(text),
			 "Purged by the station's retention at %s; its hash "
			 "above is what was recorded.",
			 ph->purged_at);
		pdf_text(pg, PDF_MARGIN, maxw, text, 10, false);
		pg->y += 6;
		return 0;
	}
	if (!drawn) {
		pdf_text(pg, PDF_MARGIN, maxw,
			 ph->state == EVIDENCE_PHOTO_MISSING
			     ? "The file is not on the station (purged by "
			       "retention, or lost); its hash above is what "
			       "was recorded."
			 : ph->state == EVIDENCE_PHOTO_ALTERED
			     ? "The file on the station no longer has the "
			       "recorded hash: it is not shown."
			     : "The file on the station is not a JPEG that "
			       "can be shown.",
			 10, false);
		pg->y += 6;
		return 0;
	}
	pdf_need(pg, dh + 10);
	img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(img);
		return -ENOMEM;
	}
	/* the bytes outlive the PDF surface (the caller's, until it is
	 * finished): no copy, no destroy function */
	if (cairo_surface_set_mime_data(img, CAIRO_MIME_TYPE_JPEG, b->data,
					b->len, NULL,
					NULL) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(img);
		return -ENOMEM;
	}
	cairo_save(pg->cr);
	cairo_translate(pg->cr, PDF_MARGIN, pg->y);
	cairo_scale(pg->cr, scale, scale);
	cairo_set_source_surface(pg->cr, img, 0, 0);
	cairo_paint(pg->cr);
	cairo_restore(pg->cr);
	cairo_surface_destroy(img);
	pg->y += dh + 10;
	return 0;
}

static int pdf_draw(struct pdf_page *pg,
		    const struct evidence_photo_bytes *photos)
{
	const struct evidence_pack *p = pg->pack;
	double width = PDF_W - 2 * PDF_MARGIN;
	char text[200];
	int r;

	pdf_text(pg, PDF_MARGIN, width, p->title, 16, true);
	snprintf(text, sizeof(text),
		 "Made at %s by the station, from its "
		 "record and its audit log.",
		 p->made_at);
	pdf_text(pg, PDF_MARGIN, width, text, 9, false);
	for (int i = 0; i < p->n_blocks; i++) {
		const struct evidence_block *b = &p->blocks[i];

		switch (b->kind) {
		case EVIDENCE_HEADING:
			pg->y += 8;
			pdf_need(pg, 40); /* never a heading alone at the end */
			pdf_text(pg, PDF_MARGIN, width, b->text, 13, true);
			pg->y += 2;
			break;
		case EVIDENCE_FIELD:
			pdf_field(pg, b->label, b->text);
			break;
		case EVIDENCE_TEXT:
			pdf_text(pg, PDF_MARGIN, width, b->text, 9, false);
			break;
		case EVIDENCE_PHOTO:
			if (b->photo < 0 || b->photo >= p->n_photos)
				break;
			r = pdf_photo(pg, &p->photos[b->photo], b->photo + 1,
				      &photos[b->photo]);
			if (r < 0)
				return r;
			break;
		}
	}
	pdf_footer(pg);
	return 0;
}

int evidence_pdf_render(const struct evidence_pack *pack,
			const struct evidence_photo_bytes *photos,
			unsigned char **pdf, size_t *len, char *err,
			size_t errlen)
{
	struct pdf_out out = {0};
	struct pdf_page pg = {.pack = pack, .y = PDF_MARGIN, .page = 1};
	cairo_surface_t *surface;
	cairo_status_t status;
	int r;

	*pdf = NULL;
	*len = 0;
	if (!pack || (pack->n_photos && !photos)) {
		snprintf(err, errlen, "no pack to draw");
		return -EINVAL;
	}
	surface =
	    cairo_pdf_surface_create_for_stream(pdf_write, &out, PDF_W, PDF_H);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
				       pack->title);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
				       "retour");
	pg.cr = cairo_create(surface);
	r = pdf_draw(&pg, photos);
	cairo_destroy(pg.cr);
	cairo_surface_finish(surface);
	status = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (r < 0 || status != CAIRO_STATUS_SUCCESS || out.failed) {
		snprintf(err, errlen, "the PDF was not drawn: %s",
			 r < 0 ? strerror(-r) : cairo_status_to_string(status));
		free(out.data);
		return r < 0 ? r : out.failed ? -ENOMEM : -EIO;
	}
	*pdf = out.data;
	*len = out.len;
	return 0;
}
