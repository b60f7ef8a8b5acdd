/* SPDX-License-Identifier: MIT */
/*
 * The camera's barcode decoder: codes read from one frame (or one image
 * file) with ZBar, and with zxing-cpp where ZBar finds nothing and the
 * build has it.  DataMatrix is read by zxing-cpp alone: ZBar has none.
 *
 * One decoder object per thread: each has its own ZBar image scanner and
 * its own gray buffer, so decoders on two worker threads share nothing.
 *
 * A code comes out as its symbology, its data bytes (binary-safe) and an
 * AIM-like symbology identifier ("]C1" GS1-128, "]E0" EAN-13, "]Q1" QR,
 * "]Q3" GS1 QR, "]d1" DataMatrix, "]d2" GS1 DataMatrix, "]C0" Code 128),
 * with FNC1 as GS (0x1d) between GS1 fields: prefix and data together are
 * the line a hand scanner with AIM identifiers on would send, and the core
 * classifier (code.h) reads it that way.
 *
 * Not here: frames from a camera (camera.h), which frame to decode and when
 * a code counts as seen (camera_scanner.h), file reading (image.h).
 */
#ifndef RETOUR_BARCODE_H
#define RETOUR_BARCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct camera_frame;

enum barcode_symbology {
	BARCODE_CODE128,
	BARCODE_GS1_128, /* Code 128 with FNC1 first: GS1 element strings */
	BARCODE_EAN13,
	BARCODE_EAN8,
	BARCODE_UPCA,
	BARCODE_QR,
	BARCODE_DATAMATRIX, /* GS1 DataMatrix too (aim "]d2") */
};
#define BARCODE_SYMBOLOGY_COUNT 7

/* What a board enables by default (less datamatrix without zxing-cpp). */
#define BARCODE_SYMBOLOGIES_DEFAULT "code128,gs1-128,ean13,qr,datamatrix"

/* QR holds at most 2953 bytes, DataMatrix 1556. */
#define BARCODE_MAX_DATA 3000
#define BARCODE_MAX_FOUND 8

struct barcode_found {
	enum barcode_symbology symbology;
	char aim[4]; /* "]C1", NUL-terminated */
	size_t len;
	char data[BARCODE_MAX_DATA + 1]; /* data[len] is a NUL */
	bool by_zxing;			 /* read by the second decoder */
};

struct barcode_results {
	size_t n;
	struct barcode_found item[BARCODE_MAX_FOUND];
};

/*
 * The decoder's settings, from the board's [camera] section (text values
 * as the board file has them; NULL means the default).  They are checked
 * by barcode_config_check() at load (file:line errors) and read again by
 * barcode_decoder_new().
 */
struct barcode_config {
	const char *decode;	 /* "yes" or "no" (default): the camera scans */
	const char *symbologies; /* comma list, BARCODE_SYMBOLOGIES_DEFAULT */
	const char *inverted;	 /* "yes": light codes on dark too */
	int density;   /* ZBar scan line every N pixels; 0: default (2) */
	int confirm;   /* frames in a row to report a code; 0: 2 */
	int forget_ms; /* absent this long, a code is new again; 0: 1000 */
	int workers;   /* decode threads; 0: 1 */
};

#define BARCODE_DENSITY_DEFAULT 2
#define BARCODE_CONFIRM_DEFAULT 2
#define BARCODE_FORGET_MS_DEFAULT 1000

/* Whether the build has zxing-cpp (the only DataMatrix reader). */
bool barcode_have_zxing(void);

/* "code128", "gs1-128", "ean13", "ean8", "upca", "qr", "datamatrix". */
const char *barcode_symbology_name(enum barcode_symbology s);

/*
 * Parse a symbology list ("code128, qr") into a bit mask (1 << symbology).
 * 0, or -EINVAL with @problem: an unknown name (and the known ones), an
 * empty list, or "datamatrix" in a build without zxing-cpp.
 */
int barcode_symbologies_parse(const char *list, unsigned *mask, char *problem,
			      size_t problemlen);

/* The yes/no keys: 1 yes, 0 no, -EINVAL otherwise.  NULL is @dflt. */
int barcode_yes_no(const char *value, int dflt);

/* A board value's check for the registry (device.h): the key's own rule. */
int barcode_check_symbologies(const char *value, char *problem,
			      size_t problemlen);
int barcode_check_yes_no(const char *value, char *problem, size_t problemlen);

struct barcode_decoder;

/* @cfg may be NULL (every default).  0, -EINVAL with @err, -ENOMEM. */
int barcode_decoder_new(const struct barcode_config *cfg,
			struct barcode_decoder **out, char *err, size_t errlen);
void barcode_decoder_free(struct barcode_decoder *dec);

/*
 * Decode 8-bit gray pixels (@stride bytes per row), as a frame of a
 * stream.  The codes found go to @res (n = 0 when none).  0, -EINVAL for a
 * size that is not a picture.
 */
int barcode_decode_gray(struct barcode_decoder *dec, const uint8_t *gray,
			int width, int height, int stride,
			struct barcode_results *res);

/*
 * Decode one camera frame of any format: YUYV (its Y bytes), GRAY, MJPEG
 * and ENCODED (JPEG or PNG, image.h).  0, -EINVAL with @err for a frame
 * that is not a picture (truncated, a size that does not match @len),
 * -EFBIG for one too large, -ENOMEM.
 *
 * A stream frame (YUYV, GRAY, MJPEG) has a successor 33 ms later, so
 * zxing-cpp reads it at its normal effort; an ENCODED frame is a still
 * image, one chance (a file, the dir camera's photo), and zxing-cpp tries
 * harder on it: measured on empty 1280x720 frames, 32 against 15 frames/s,
 * for 2 more GS1-128 and 1 more DataMatrix of the generated set's 24 each.
 */
int barcode_decode_frame(struct barcode_decoder *dec,
			 const struct camera_frame *f,
			 struct barcode_results *res, char *err, size_t errlen);

#endif
