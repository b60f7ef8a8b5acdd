/* SPDX-License-Identifier: MIT */
/*
 * The label settings' names (label.h): the words a board file and the
 * config use for the stock size, the resolution, what the barcode carries,
 * its symbology and the printer language, both ways.  Pure.
 */
#include <errno.h>
#include <string.h>

#include "retour/label.h"

int label_size_from_name(const char *name, enum label_size *out)
{
	if (name && !strcmp(name, "100x50"))
		*out = LABEL_SIZE_100X50;
	else if (name && !strcmp(name, "4x6"))
		*out = LABEL_SIZE_4X6;
	else
		return -EINVAL;
	return 0;
}

const char *label_size_name(enum label_size size)
{
	return size == LABEL_SIZE_4X6 ? "4x6" : "100x50";
}

int label_dpi_from_text(const char *text, int *out)
{
	if (text && !strcmp(text, "203"))
		*out = LABEL_DPI_203;
	else if (text && !strcmp(text, "300"))
		*out = LABEL_DPI_300;
	else
		return -EINVAL;
	return 0;
}

int label_barcode_from_name(const char *name, enum label_barcode *out)
{
	if (name && !strcmp(name, "receipt"))
		*out = LABEL_BARCODE_RECEIPT;
	else if (name && !strcmp(name, "rma"))
		*out = LABEL_BARCODE_RMA;
	else if (name && !strcmp(name, "sscc"))
		*out = LABEL_BARCODE_SSCC;
	else
		return -EINVAL;
	return 0;
}

const char *label_barcode_name(enum label_barcode b)
{
	return b == LABEL_BARCODE_RMA	 ? "rma"
	       : b == LABEL_BARCODE_SSCC ? "sscc"
					 : "receipt";
}

int label_symbology_from_name(const char *name, enum label_symbology *out)
{
	if (name && !strcmp(name, "code128"))
		*out = LABEL_SYMBOLOGY_CODE128;
	else if (name && !strcmp(name, "qr"))
		*out = LABEL_SYMBOLOGY_QR;
	else
		return -EINVAL;
	return 0;
}

const char *label_symbology_name(enum label_symbology s)
{
	return s == LABEL_SYMBOLOGY_QR ? "qr" : "code128";
}

int label_language_from_name(const char *name, enum label_language *out)
{
	if (name && !strcmp(name, "zpl"))
		*out = LABEL_LANGUAGE_ZPL;
	else if (name && !strcmp(name, "tspl"))
		*out = LABEL_LANGUAGE_TSPL;
	else
		return -EINVAL;
	return 0;
}

const char *label_language_name(enum label_language l)
{
	return l == LABEL_LANGUAGE_TSPL ? "tspl" : "zpl";
}
