/* SPDX-License-Identifier: MIT */
/*
 * The camera's barcode decoder (include/retour/barcode.h): ZBar first, on
 * 8-bit gray, with only the site's symbologies on; zxing-cpp second, on the
 * same pixels, where ZBar found nothing (and for DataMatrix, which ZBar
 * does not read).
 *
 * ZBar reports GS1-128 as Code 128 with its GS1 modifier and FNC1 between
 * fields as GS; the AIM identifier is made here from the symbology and that
 * modifier, so both decoders hand the classifier the same line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zbar.h>

#include "barcode_zxing.h"
#include "retour/camera.h"
#include "retour/barcode.h"
#include "retour/image.h"
#include "retour/jpeg.h"

struct barcode_decoder {
	zbar_image_scanner_t *zbar;
	zbar_image_t *image;
	unsigned mask;
	bool inverted;
	uint8_t *gray; /* frames converted to gray, kept between frames */
	size_t gray_cap;
	uint8_t *negative; /* the frame inverted, for zxing-cpp */
	size_t negative_cap;
	/* the frame in hand is a still image, one chance (ENCODED): zxing
	 * tries harder; a stream frame has a successor 33 ms later */
	bool thorough;
};

static const char *const barcode_names[BARCODE_SYMBOLOGY_COUNT] = {
    [BARCODE_CODE128] = "code128",
    [BARCODE_GS1_128] = "gs1-128",
    [BARCODE_EAN13] = "ean13",
    [BARCODE_EAN8] = "ean8",
    [BARCODE_UPCA] = "upca",
    [BARCODE_QR] = "qr",
    [BARCODE_DATAMATRIX] = "datamatrix",
};

bool barcode_have_zxing(void)
{
#ifdef RETOUR_HAVE_ZXING
	return true;
#else
	return false;
#endif
}

const char *barcode_symbology_name(enum barcode_symbology s)
{
	return (unsigned)s < BARCODE_SYMBOLOGY_COUNT ? barcode_names[s]
						     : "unknown";
}

int barcode_symbologies_parse(const char *list, unsigned *mask, char *problem,
			      size_t problemlen)
{
	/* the default is every symbology this build reads */
	const char *p = list		       ? list
			: barcode_have_zxing() ? BARCODE_SYMBOLOGIES_DEFAULT
					       : "code128,gs1-128,ean13,qr";
	unsigned m = 0;

	while (*p) {
		const char *end;
		size_t n;
		int s;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		end = p;
		while (*end && *end != ',' && *end != ' ' && *end != '\t')
			end++;
		n = (size_t)(end - p);
		if (!n)
			break;
		for (s = 0; s < BARCODE_SYMBOLOGY_COUNT; s++)
			if (strlen(barcode_names[s]) == n &&
			    !strncasecmp(p, barcode_names[s], n))
				break;
		if (s == BARCODE_SYMBOLOGY_COUNT) {
			snprintf(problem, problemlen,
				 "unknown symbology '%.*s' (known: code128, "
				 "gs1-128, ean13, ean8, upca, qr, datamatrix)",
				 (int)(n > 40 ? 40 : n), p);
			return -EINVAL;
		}
		if (s == BARCODE_DATAMATRIX && !barcode_have_zxing()) {
			snprintf(problem, problemlen,
				 "datamatrix: this build has no zxing-cpp, the "
				 "only DataMatrix reader (take it out of "
				 "symbologies, or build where pkg-config finds "
				 "zxing)");
			return -EINVAL;
		}
		m |= 1u << s;
		p = end;
	}
	if (!m) {
		snprintf(problem, problemlen,
			 "symbologies: empty list (known: code128, gs1-128, "
			 "ean13, ean8, upca, qr, datamatrix)");
		return -EINVAL;
	}
	*mask = m;
	return 0;
}

int barcode_yes_no(const char *value, int dflt)
{
	if (!value)
		return dflt;
	if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") ||
	    !strcmp(value, "1"))
		return 1;
	if (!strcasecmp(value, "no") || !strcasecmp(value, "false") ||
	    !strcmp(value, "0"))
		return 0;
	return -EINVAL;
}

int barcode_check_symbologies(const char *value, char *problem,
			      size_t problemlen)
{
	unsigned mask;

	return barcode_symbologies_parse(value, &mask, problem, problemlen);
}

int barcode_check_yes_no(const char *value, char *problem, size_t problemlen)
{
	if (barcode_yes_no(value, 0) >= 0)
		return 0;
	snprintf(problem, problemlen, "'%.40s' is not yes or no", value);
	return -EINVAL;
}

static const zbar_symbol_type_t barcode_zbar_types[BARCODE_SYMBOLOGY_COUNT] = {
    [BARCODE_CODE128] = ZBAR_CODE128, [BARCODE_GS1_128] = ZBAR_CODE128,
    [BARCODE_EAN13] = ZBAR_EAN13,     [BARCODE_EAN8] = ZBAR_EAN8,
    [BARCODE_UPCA] = ZBAR_UPCA,	      [BARCODE_QR] = ZBAR_QRCODE,
    [BARCODE_DATAMATRIX] = ZBAR_NONE,
};

int barcode_decoder_new(const struct barcode_config *cfg,
			struct barcode_decoder **out, char *err, size_t errlen)
{
	struct barcode_decoder *dec;
	int density =
	    cfg && cfg->density ? cfg->density : BARCODE_DENSITY_DEFAULT;
	unsigned mask;
	int inv;

	if (barcode_symbologies_parse(cfg ? cfg->symbologies : NULL, &mask, err,
				      errlen) < 0)
		return -EINVAL;
	inv = barcode_yes_no(cfg ? cfg->inverted : NULL, 0);
	if (inv < 0) {
		snprintf(err, errlen, "inverted: not yes or no");
		return -EINVAL;
	}
	dec = calloc(1, sizeof(*dec));
	if (!dec)
		return -ENOMEM;
	dec->mask = mask;
	dec->inverted = inv;
	dec->zbar = zbar_image_scanner_create();
	dec->image = zbar_image_create();
	if (!dec->zbar || !dec->image) {
		barcode_decoder_free(dec);
		return -ENOMEM;
	}
	zbar_image_set_format(dec->image, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_scanner_set_config(dec->zbar, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	for (int s = 0; s < BARCODE_SYMBOLOGY_COUNT; s++)
		if (mask & 1u << s && barcode_zbar_types[s] != ZBAR_NONE)
			zbar_image_scanner_set_config(dec->zbar,
						      barcode_zbar_types[s],
						      ZBAR_CFG_ENABLE, 1);
	/* QR data as the bytes it holds, not guessed into text */
	zbar_image_scanner_set_config(dec->zbar, ZBAR_QRCODE, ZBAR_CFG_BINARY,
				      1);
	zbar_image_scanner_set_config(dec->zbar, ZBAR_NONE, ZBAR_CFG_X_DENSITY,
				      density);
	zbar_image_scanner_set_config(dec->zbar, ZBAR_NONE, ZBAR_CFG_Y_DENSITY,
				      density);
	if (inv)
		zbar_image_scanner_set_config(dec->zbar, ZBAR_NONE,
					      ZBAR_CFG_TEST_INVERTED, 1);
	*out = dec;
	return 0;
}

void barcode_decoder_free(struct barcode_decoder *dec)
{
	if (!dec)
		return;
	if (dec->image)
		zbar_image_destroy(dec->image);
	if (dec->zbar)
		zbar_image_scanner_destroy(dec->zbar);
	free(dec->gray);
	free(dec->negative);
	free(dec);
}

static void barcode_add(struct barcode_results *res, enum barcode_symbology s,
			bool gs1, const char *data, size_t len)
{
	struct barcode_found *f;
	const char *aim;

	if (res->n >= BARCODE_MAX_FOUND || len == 0 || len > BARCODE_MAX_DATA)
		return;
	for (size_t i = 0; i < res->n; i++) /* one code seen twice */
		if (res->item[i].symbology == s && res->item[i].len == len &&
		    !memcmp(res->item[i].data, data, len))
			return;
	switch (s) {
	case BARCODE_CODE128:
		aim = "]C0";
		break;
	case BARCODE_GS1_128:
		aim = "]C1";
		break;
	case BARCODE_EAN13:
	case BARCODE_EAN8:
	case BARCODE_UPCA:
		aim = s == BARCODE_EAN8 ? "]E4" : "]E0";
		break;
	case BARCODE_QR:
		aim = gs1 ? "]Q3" : "]Q1";
		break;
	default:
		aim = gs1 ? "]d2" : "]d1";
		break;
	}
	f = &res->item[res->n++];
	f->symbology = s;
	snprintf(f->aim, sizeof(f->aim), "%s", aim);
	memcpy(f->data, data, len);
	f->data[len] = '\0';
	f->len = len;
	f->by_zxing = false;
}

/* The site's symbology of a ZBar symbol, or -1. */
static int barcode_from_zbar(unsigned mask, zbar_symbol_type_t t, bool gs1)
{
	int s;

	switch (t) {
	case ZBAR_CODE128:
		s = gs1 && mask & 1u << BARCODE_GS1_128 ? BARCODE_GS1_128
							: BARCODE_CODE128;
		if (gs1 && s == BARCODE_CODE128 && !(mask & 1u << s))
			return -1;
		if (!gs1 && !(mask & 1u << BARCODE_CODE128))
			return -1; /* only GS1-128 is the site's */
		return s;
	case ZBAR_EAN13:
		s = BARCODE_EAN13;
		break;
	case ZBAR_EAN8:
		s = BARCODE_EAN8;
		break;
	case ZBAR_UPCA:
		s = BARCODE_UPCA;
		break;
	case ZBAR_QRCODE:
		s = BARCODE_QR;
		break;
	default:
		return -1;
	}
	return mask & 1u << s ? s : -1;
}

static int barcode_zbar_scan(struct barcode_decoder *dec, const uint8_t *gray,
			     int width, int height, struct barcode_results *res)
{
	const zbar_symbol_t *sym;

	zbar_image_set_size(dec->image, (unsigned)width, (unsigned)height);
	zbar_image_set_data(dec->image, gray, (unsigned long)width * height,
			    NULL);
	if (zbar_scan_image(dec->zbar, dec->image) <= 0)
		return 0;
	for (sym = zbar_image_first_symbol(dec->image); sym;
	     sym = zbar_symbol_next(sym)) {
		bool gs1 = zbar_symbol_get_modifiers(sym) & 1u << ZBAR_MOD_GS1;
		int s = barcode_from_zbar(dec->mask, zbar_symbol_get_type(sym),
					  gs1);

		if (s >= 0)
			barcode_add(res, (enum barcode_symbology)s, gs1,
				    zbar_symbol_get_data(sym),
				    zbar_symbol_get_data_length(sym));
	}
	return 0;
}

static uint8_t *barcode_scratch(struct barcode_decoder *dec, size_t need)
{
	if (need > dec->gray_cap) {
		uint8_t *g = realloc(dec->gray, need);

		if (!g)
			return NULL;
		dec->gray = g;
		dec->gray_cap = need;
	}
	return dec->gray;
}

#ifdef RETOUR_HAVE_ZXING
/*
 * zxing-cpp 1.4 misses a DataMatrix away from the middle of a large frame
 * more often than not (measured on the generated set: 11 of 24 read on the
 * whole frame, 23 of 24 with the corners too); the four overlapping corner
 * tiles, 2/3 of the frame each, bring it to the middle of a smaller view.
 * No copy: a tile is the frame's pixels with the frame's stride.
 */
static void barcode_zxing_tiles(const struct barcode_decoder *dec,
				const uint8_t *gray, int width, int height,
				int stride, struct barcode_results *res)
{
	int w = width * 2 / 3, h = height * 2 / 3;

	if (w < 64 || h < 64)
		return;
	for (int t = 0; t < 4 && res->n == 0; t++) {
		int x = t & 1 ? width - w : 0, y = t & 2 ? height - h : 0;

		barcode_zxing_decode(gray + (size_t)y * stride + x, w, h,
				     stride, 1u << BARCODE_DATAMATRIX,
				     dec->thorough, res);
	}
}

/* ZBar tries light-on-dark itself (ZBAR_CFG_TEST_INVERTED); zxing-cpp
 * 1.4 does not, so it is shown the negative. */
static void barcode_zxing_negative(struct barcode_decoder *dec,
				   const uint8_t *gray, int width, int height,
				   int stride, struct barcode_results *res)
{
	size_t need = (size_t)width * height;

	if (need > dec->negative_cap) {
		uint8_t *n = realloc(dec->negative, need);

		if (!n)
			return;
		dec->negative = n;
		dec->negative_cap = need;
	}
	for (int y = 0; y < height; y++)
		for (int x = 0; x < width; x++)
			dec->negative[(size_t)y * width + x] =
			    (uint8_t)(255 - gray[(size_t)y * stride + x]);
	barcode_zxing_decode(dec->negative, width, height, width, dec->mask,
			     dec->thorough, res);
	if (res->n == 0 && dec->mask & 1u << BARCODE_DATAMATRIX)
		barcode_zxing_tiles(dec, dec->negative, width, height, width,
				    res);
}
#endif

int barcode_decode_gray(struct barcode_decoder *dec, const uint8_t *gray,
			int width, int height, int stride,
			struct barcode_results *res)
{
	unsigned zbar_mask = dec->mask & ~(1u << BARCODE_DATAMATRIX);

	res->n = 0;
	if (!gray || width <= 0 || height <= 0 || stride < width ||
	    (int64_t)width * height > IMAGE_MAX_PIXELS)
		return -EINVAL;
	if (zbar_mask) {
		const uint8_t *packed = gray;

		if (stride != width) { /* ZBar's Y800 has no stride */
			uint8_t *g =
			    barcode_scratch(dec, (size_t)width * height);

			if (!g)
				return -ENOMEM;
			for (int y = 0; y < height; y++)
				memcpy(g + (size_t)y * width,
				       gray + (size_t)y * stride,
				       (size_t)width);
			packed = g;
		}
		barcode_zbar_scan(dec, packed, width, height, res);
	}
#ifdef RETOUR_HAVE_ZXING
	if (res->n == 0)
		barcode_zxing_decode(gray, width, height, stride, dec->mask,
				     dec->thorough, res);
	if (res->n == 0 && dec->mask & 1u << BARCODE_DATAMATRIX)
		barcode_zxing_tiles(dec, gray, width, height, stride, res);
	if (res->n == 0 && dec->inverted)
		barcode_zxing_negative(dec, gray, width, height, stride, res);
#endif
	return 0;
}

/* YUYV: Y0 U Y1 V, so the gray picture is every other byte. */
static int barcode_yuyv_gray(struct barcode_decoder *dec,
			     const struct camera_frame *f, char *err,
			     size_t errlen)
{
	const uint8_t *src = f->data;
	uint8_t *g;

	if (f->width <= 0 || f->height <= 0 || f->width % 2 ||
	    (int64_t)f->width * f->height > IMAGE_MAX_PIXELS ||
	    f->stride < f->width * 2 ||
	    f->len < (size_t)f->stride * (f->height - 1) + f->width * 2) {
		snprintf(err, errlen,
			 "YUYV frame %dx%d (stride %d) does not fit its %zu "
			 "bytes",
			 f->width, f->height, f->stride, f->len);
		return -EINVAL;
	}
	g = barcode_scratch(dec, (size_t)f->width * f->height);
	if (!g)
		return -ENOMEM;
	for (int y = 0; y < f->height; y++) {
		const uint8_t *row = src + (size_t)y * f->stride;
		uint8_t *out = g + (size_t)y * f->width;

		for (int x = 0; x < f->width; x++)
			out[x] = row[2 * x];
	}
	return 0;
}

int barcode_decode_frame(struct barcode_decoder *dec,
			 const struct camera_frame *f,
			 struct barcode_results *res, char *err, size_t errlen)
{
	uint8_t *gray = NULL;
	int w, h, r;

	res->n = 0;
	if (!dec || !f || !f->data || !f->len) {
		snprintf(err, errlen, "empty frame");
		return -EINVAL;
	}
	switch (f->format) {
	case CAMERA_FRAME_YUYV:
		r = barcode_yuyv_gray(dec, f, err, errlen);
		if (r < 0)
			return r;
		return barcode_decode_gray(dec, dec->gray, f->width, f->height,
					   f->width, res);
	case CAMERA_FRAME_GRAY:
		if (f->width <= 0 || f->height <= 0 || f->stride < f->width ||
		    (int64_t)f->width * f->height > IMAGE_MAX_PIXELS ||
		    f->len < (size_t)f->stride * (f->height - 1) + f->width) {
			snprintf(err, errlen,
				 "gray frame %dx%d (stride %d) does not fit "
				 "its %zu bytes",
				 f->width, f->height, f->stride, f->len);
			return -EINVAL;
		}
		return barcode_decode_gray(dec, f->data, f->width, f->height,
					   f->stride, res);
	case CAMERA_FRAME_MJPEG:
		r = jpeg_to_gray(f->data, f->len, &gray, &w, &h, err, errlen);
		break;
	case CAMERA_FRAME_ENCODED:
		r = image_to_gray(f->data, f->len, &gray, &w, &h, err, errlen);
		break;
	default:
		snprintf(err, errlen, "unknown frame format %d",
			 (int)f->format);
		return -EINVAL;
	}
	if (r < 0)
		return r;
	dec->thorough = f->format == CAMERA_FRAME_ENCODED;
	r = barcode_decode_gray(dec, gray, w, h, w, res);
	dec->thorough = false;
	free(gray);
	return r;
}
