// SPDX-License-Identifier: MIT
//
// zxing-cpp (1.4, Debian's libzxing-dev) behind barcode_zxing.h: the
// formats of the site's symbologies, the codes found with zxing's own AIM
// identifier ("]C1", "]d2"...) and its bytes, where FNC1 between GS1 fields
// is already a GS.  No exception leaves this file.
#include <cstdio>
#include <cstring>
#include <exception>

#include <ZXing/ReadBarcode.h>

#include "barcode_zxing.h"

using ZXing::BarcodeFormat;

static ZXing::BarcodeFormats zxing_formats(unsigned mask)
{
	ZXing::BarcodeFormats f;

	if (mask & (1u << BARCODE_CODE128 | 1u << BARCODE_GS1_128))
		f |= BarcodeFormat::Code128;
	if (mask & 1u << BARCODE_EAN13)
		f |= BarcodeFormat::EAN13;
	if (mask & 1u << BARCODE_EAN8)
		f |= BarcodeFormat::EAN8;
	if (mask & 1u << BARCODE_UPCA)
		f |= BarcodeFormat::UPCA;
	if (mask & 1u << BARCODE_QR)
		f |= BarcodeFormat::QRCode;
	if (mask & 1u << BARCODE_DATAMATRIX)
		f |= BarcodeFormat::DataMatrix;
	return f;
}

// The symbology of a result, or -1 for one the site did not enable.
static int zxing_symbology(const ZXing::Result &r, const std::string &aim,
			   unsigned mask)
{
	int s = -1;

	switch (r.format()) {
	case BarcodeFormat::Code128:
		s = aim == "]C1" ? BARCODE_GS1_128 : BARCODE_CODE128;
		// a GS1-128 is a Code 128 too: read where either is on
		if (s == BARCODE_GS1_128 && !(mask & 1u << BARCODE_GS1_128))
			s = BARCODE_CODE128;
		break;
	case BarcodeFormat::EAN13:
		s = BARCODE_EAN13;
		break;
	case BarcodeFormat::EAN8:
		s = BARCODE_EAN8;
		break;
	case BarcodeFormat::UPCA:
		s = BARCODE_UPCA;
		break;
	case BarcodeFormat::QRCode:
		s = BARCODE_QR;
		break;
	case BarcodeFormat::DataMatrix:
		s = BARCODE_DATAMATRIX;
		break;
	default:
		return -1;
	}
	return mask & 1u << s ? s : -1;
}

extern "C" int barcode_zxing_decode(const uint8_t *gray, int width, int height,
				    int stride, unsigned mask, int thorough,
				    struct barcode_results *res)
{
	int added = 0;

	try {
		ZXing::ImageView view(gray, width, height,
				      ZXing::ImageFormat::Lum, stride);
		ZXing::DecodeHints hints;

		hints.setFormats(zxing_formats(mask));
		hints.setTryHarder(thorough != 0);
		hints.setTryRotate(true);
		hints.setMaxNumberOfSymbols(BARCODE_MAX_FOUND);
		for (const ZXing::Result &r :
		     ZXing::ReadBarcodes(view, hints)) {
			if (!r.isValid() || res->n >= BARCODE_MAX_FOUND)
				continue;
			std::string aim = r.symbologyIdentifier();
			int s = zxing_symbology(r, aim, mask);
			const ZXing::ByteArray &b = r.bytes();

			if (s < 0 || b.empty() || b.size() > BARCODE_MAX_DATA)
				continue;
			struct barcode_found *f = &res->item[res->n++];

			f->symbology = (enum barcode_symbology)s;
			snprintf(f->aim, sizeof(f->aim), "%.3s", aim.c_str());
			memcpy(f->data, b.data(), b.size());
			f->len = b.size();
			f->data[f->len] = '\0';
			f->by_zxing = true;
			added++;
		}
	} catch (const std::exception &) {
		// out of memory inside zxing: what was found stays
	}
	return added;
}
