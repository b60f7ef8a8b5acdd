/* SPDX-License-Identifier: MIT */
/*
 * Label layout: the disposition label,
 * the ship-QC "QC PASSED" label and the VOID label an undo prints, in the
 * printer's language, ZPL II (Zebra) or TSPL (TSC and its clones), for a
 * 100 x 50 mm or a 4 x 6 in label at 203 or 300 dpi.
 *
 * What a worker reads, once each: the bin in big letters, the grade, the
 * verdict, "OVERRIDE" when the clerk decided against the proposal, the
 * complaint's remedy, the receipt number, the RMA and order, the items
 * (quantity, SKU, name; "+N more" for those that do not fit), date,
 * station, clerk, refund, and a barcode: Code 128, GS1-128 for an SSCC, or
 * QR ([label] symbology = qr).  No word is printed
 * twice: a field whose word is already on the label (a HOLD verdict under
 * the HOLD bin, a grade already in the bin's name) or a caption the value
 * already says ("RMA" before "RMA-10001") is left out.
 *
 * Every field is untrusted text, and stays data in both languages.  ZPL:
 * it is written inside ^FD with ^FH_ and every byte that is not plain
 * printable ASCII, and '^', '~' and '_', goes out as _XX hex, so no field
 * can end the format or start a command; ^CI28 makes the printer read the
 * decoded bytes as UTF-8 (Polish names).  TSPL: it is written inside a
 * quoted string after CODEPAGE UTF-8; a '"' goes out as the reference's
 * \["], a control byte as '?' and a '\' as '/', so no field can close its
 * string, end its line or spell a \[..] escape.  In both, bytes
 * that are not well-formed UTF-8 go out as '?', and long fields are cut
 * (on a UTF-8 character boundary) to what fits.
 *
 * This module only produces bytes: it does not talk to printers (see
 * printer.h).  The positions are one table per layout (label.c); the two
 * writers are label_zpl.c and label_tspl.c.
 */
#ifndef RETOUR_LABEL_H
#define RETOUR_LABEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The label stock ([label] size) and the printer's resolution (dpi). */
enum label_size {
	LABEL_SIZE_100X50 = 0, /* 100 x 50 mm, landscape: the default */
	LABEL_SIZE_4X6,	       /* 4 x 6 in, portrait */
};

#define LABEL_DPI_203 203
#define LABEL_DPI_300 300

/* The printer's language (the board's [printer] language). */
enum label_language {
	LABEL_LANGUAGE_ZPL = 0, /* ZPL II: Zebra, and printers emulating it */
	LABEL_LANGUAGE_TSPL,	/* TSPL/TSPL2: TSC and its clones */
};

/* How the barcode is drawn ([label] symbology). */
enum label_symbology {
	LABEL_SYMBOLOGY_CODE128 = 0, /* Code 128; GS1-128 for an SSCC */
	LABEL_SYMBOLOGY_QR,	     /* QR, the same value */
};

/* Everything that decides the bytes besides the fields. */
struct label_layout {
	enum label_size size;
	int dpi; /* 203 or 300; 0 reads as 203 */
	enum label_language language;
	enum label_symbology symbology;
};

/* What the barcode carries ([label] barcode). */
enum label_barcode {
	LABEL_BARCODE_RECEIPT = 0, /* the receipt number: the default */
	LABEL_BARCODE_RMA,	   /* the RMA (the order when there is none) */
	LABEL_BARCODE_SSCC, /* the parcel's SSCC as GS1 AI (00); the receipt
			       number when the parcel carries none */
};

/* The [label] section (and the board's language): the layout and the
 * barcode's value. */
struct label_settings {
	struct label_layout layout;
	enum label_barcode barcode;
};

/* Parse a [label] value; 0, or -EINVAL for anything else. */
int label_size_from_name(const char *name, enum label_size *out);
int label_dpi_from_text(const char *text, int *out);
int label_barcode_from_name(const char *name, enum label_barcode *out);
int label_symbology_from_name(const char *name, enum label_symbology *out);
int label_language_from_name(const char *name, enum label_language *out);
const char *label_size_name(enum label_size size);
const char *label_barcode_name(enum label_barcode b);
const char *label_symbology_name(enum label_symbology s);
const char *label_language_name(enum label_language l);

/* The label's width and height in dots for @layout. */
void label_dots(const struct label_layout *layout, int *width, int *height);

/* Item lines the layout has room for (the last one may say "+N more"). */
int label_item_lines(const struct label_layout *layout);

#define LABEL_MAX_ITEMS 8

struct label_item {
	char sku[48];
	char name[96];
	int32_t quantity;
};

struct label_fields {
	char rma[48];
	char order[48];
	char verdict[16];     /* "accept", "reject", ... shown upper case */
	char grade[8];	      /* "A", "B", "C", "scrap" */
	char disposition[16]; /* "restock", "refurbish", "vendor", ... */
	char bin[16];
	char date[11]; /* YYYY-MM-DD */
	char station[32];
	char clerk[64];	   /* the clerk, or the packer on ship-QC */
	char refund[32];   /* "112.97 PLN" (money_format) or "" */
	char barcode[48];  /* the receipt or the RMA; an SSCC's 18 digits
			      when barcode_sscc; "" none */
	bool barcode_sscc; /* barcode is an SSCC: GS1-128, AI (00) */
	char receipt[24];  /* the receipt number, "" before there is one */
	char remedy[16];   /* complaint remedy: repair replace reduce refund */
	bool override;	   /* decided against the proposal: "OVERRIDE" */
	/* items: the first LABEL_MAX_ITEMS of @n_items in the parcel */
	int n_items;
	struct label_item items[LABEL_MAX_ITEMS];
	struct label_layout layout;
};

/* The longest label any of these functions writes, with the NUL. */
#define LABEL_MAX_LEN 8192

/*
 * The disposition label (see the top of this file), in the language of
 * @f->layout.  Returns the bytes written (without the NUL), -ENOSPC if
 * @buflen is too small (LABEL_MAX_LEN is always enough), -EINVAL when the
 * barcode holds a byte a barcode cannot carry safely in both languages
 * (outside printable ASCII, or one of > ^ ~ " \ !, which ZPL or TSPL read
 * as a control), an SSCC that is not 18 digits, or the layout is not one
 * of ours: pass barcode "" to print without one.
 */
int label_disposition(const struct label_fields *f, char *buf, size_t buflen);

/* The ship-QC "QC PASSED" label: order, receipt, items, date, station,
 * packer (clerk) and the barcode.  Returns as label_disposition(). */
int label_qc_passed(const struct label_fields *f, char *buf, size_t buflen);

/*
 * The VOID label an undo prints for the label it cancels: VOID in big
 * letters, the receipt number, what it cancels (verdict and bin of @f,
 * the cancelled label's), RMA, order, date, station, the clerk who undid
 * it, and the cancelled label's barcode.  Returns as
 * label_disposition().
 */
int label_void(const struct label_fields *f, char *buf, size_t buflen);

#endif
