/* SPDX-License-Identifier: MIT */
/*
 * Label layout (DESIGN section 2 step 7, section 3): the disposition label
 * and the ship-QC "QC PASSED" label as ZPL II for a 4 x 2 inch label at
 * 203 dpi (812 x 406 dots).
 *
 * Every field is untrusted text.  It is written inside ^FD with ^FH_ and
 * every byte that is not plain printable ASCII, and '^', '~' and '_', goes
 * out as _XX hex, so no field can end the format or start a command.
 * ^CI28 makes the printer read the decoded bytes as UTF-8 (Polish names).
 * Long fields are cut (on a UTF-8 character boundary) to what fits.
 *
 * This module only produces bytes: it does not talk to printers (see
 * printer.h) and does not know TSPL.
 */
#ifndef RETOUR_LABEL_H
#define RETOUR_LABEL_H

#include <stddef.h>
#include <stdint.h>

#define LABEL_WIDTH_DOTS 812
#define LABEL_HEIGHT_DOTS 406

struct label_fields {
	char rma[48];
	char order[48];
	char verdict[16];     /* "accept", "reject", ... shown upper case */
	char grade[8];	      /* "A", "B", "C", "scrap" */
	char disposition[16]; /* "restock", "refurbish", "vendor", ... */
	char bin[16];
	char date[11]; /* YYYY-MM-DD */
	char station[32];
	char clerk[64];	  /* the clerk, or the packer on ship-QC */
	char refund[32];  /* "112.97 PLN" (money_format) or "" */
	char barcode[48]; /* Code 128 value, usually the RMA; "" none */
};

/*
 * The disposition label: disposition in big letters, grade, verdict, bin,
 * RMA, date, station, clerk, refund and a Code 128 barcode.
 * Returns the bytes written (without the NUL), -ENOSPC if @buflen is too
 * small (2048 is always enough), -EINVAL when the barcode holds a byte
 * Code 128 cannot carry safely (outside printable ASCII, or '>', which ZPL
 * reads as a subset switch): pass barcode "" to print without one.
 */
int label_disposition_zpl(const struct label_fields *f, char *buf,
			  size_t buflen);

/* The ship-QC "QC PASSED" label: order, date, station, packer (clerk) and
 * the barcode (usually the order).  Returns as label_disposition_zpl(). */
int label_qc_passed_zpl(const struct label_fields *f, char *buf, size_t buflen);

#endif
