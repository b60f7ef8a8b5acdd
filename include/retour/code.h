/* SPDX-License-Identifier: MIT */
/*
 * Classification of scanned codes.
 *
 * Takes the raw bytes a scanner delivered (possibly with an AIM symbology
 * identifier such as "]C1", FNC1 as GS 0x1D, stray CR/LF, a configured
 * prefix/suffix) and says what kind of code it is, its normalised value and
 * whether its check digit holds.  Pure: no I/O, no allocation, never crashes
 * on any input.  A misread with a bad check digit is reported invalid rather
 * than guessed at.
 *
 * Some characters read two ways, and only what the caller expects can tell
 * which is meant: a 14-digit code whose GTIN-14 check digit fails is also a
 * DPD parcel number, which carries no check digit in its bars.  The first
 * reading is struct code's own; the others are in code.other[], and the
 * caller decides (desk_scan.c: a product code's misread is refused at the
 * item step; at the parcel step another reading counts only when an
 * expected return carries it as a lookup code).
 *
 * The desk (station_input.c) and `retourctl code` (cli_offline.c) both
 * call code_classify(), with the station's configured patterns: one
 * classifier, so a code reads the same on the desk and in the CLI.
 */
#ifndef RETOUR_CODE_H
#define RETOUR_CODE_H

#include <stdbool.h>
#include <stddef.h>

#define CODE_VALUE_LEN 64
#define CODE_MAX_RAW 256 /* longer input is refused */

enum code_kind {
	CODE_UNKNOWN = 0,
	CODE_GTIN,    /* EAN-8, UPC-A, EAN-13, GTIN-14; value = 14 digits */
	CODE_SSCC,    /* 18 digits, from AI 00 or bare */
	CODE_GS1,     /* GS1 element string with AIs other than a lone 00 */
	CODE_UPS,     /* 1Z + 16 */
	CODE_UPU_S10, /* AA123456785PL (Poczta Polska and other posts) */
	CODE_INPOST,  /* 24 digits */
	CODE_DPD,     /* 14 digits, or 13 + letter ("%..." prefix stripped) */
	CODE_DHL,     /* JJD..., JVGL..., 10-digit express waybill */
	CODE_GLS,     /* 11 or 12 digits */
	CODE_FEDEX,   /* 12 or 15 digits, or 34-digit barcode */
	CODE_RMA,     /* matches the shop's RMA pattern */
	CODE_ORDER,   /* matches the shop's order-number pattern */
	CODE_BADGE,   /* a clerk's badge (code_patterns.is_badge) */
};

/*
 * Shop-configurable patterns.  A pattern is literal text plus:
 *   '#' one digit, '@' one ASCII letter, '*' one or more [A-Za-z0-9].
 * Matching is case-insensitive for letters.  NULL or "" disables the kind.
 */
struct code_patterns {
	const char *rma;	  /* e.g. "RMA-#####" */
	const char *order;	  /* e.g. "#######" or "ORD-*" */
	const char *strip_prefix; /* scanner-configured prefix to drop */
	const char *strip_suffix;
	/*
	 * Is @text (the scan without framing) a clerk's badge?  Asked before
	 * anything else.  retourd asks its record of clerks, retourctl the
	 * configuration's [clerks].  NULL: no badges.
	 */
	bool (*is_badge)(const char *text, void *ctx);
	void *badge_ctx;
};

struct code_gs1 {
	bool has_gtin, has_batch, has_expiry, has_serial, has_sscc;
	char gtin[15];	 /* AI 01 */
	char batch[21];	 /* AI 10 */
	char expiry[7];	 /* AI 17, YYMMDD */
	char serial[21]; /* AI 21 */
	char sscc[19];	 /* AI 00 */
};

/* Another reading of a scanned code's characters. */
struct code_reading {
	enum code_kind kind;
	bool valid;
	bool has_check_digit;
	char value[CODE_VALUE_LEN];
};

#define CODE_MAX_OTHER 3

struct code {
	enum code_kind kind;
	bool valid;	      /* false: check digit wrong or malformed */
	bool has_check_digit; /* the format carries one and it was checked */
	char value[CODE_VALUE_LEN]; /* normalised: no AIM id, no spaces */
	char symbology[4];	    /* AIM identifier like "]C1", "" if none */
	struct code_gs1 gs1;
	char problem[96]; /* why invalid / unknown, "" when valid */
	/* the same characters read as another format (see the top) */
	int n_other;
	struct code_reading other[CODE_MAX_OTHER];
};

/*
 * Classify @len bytes at @raw.  Always fills @out (kind CODE_UNKNOWN and a
 * problem text for garbage).  Returns 0, or -EINVAL for empty input, input
 * over CODE_MAX_RAW bytes or bytes outside printable ASCII other than GS, CR
 * and LF (out->problem says which).
 */
int code_classify(const char *raw, size_t len, const struct code_patterns *p,
		  struct code *out);

/* "gtin", "sscc", ... as used in JSON and the CLI. */
const char *code_kind_name(enum code_kind kind);
/* "GTIN product code", "DPD parcel number", ... for a person. */
const char *code_kind_title(enum code_kind kind);

/*
 * One reading in words, for a person: "DPD parcel number (no check digit
 * to verify)", "GTIN product code with a wrong check digit (misread?)".
 * Writes at most @size bytes to @buf, always terminated.
 */
void code_reading_describe(enum code_kind kind, bool valid,
			   bool has_check_digit, char *buf, size_t size);

/* GS1 mod-10 over @n digits, the last one being the check digit. */
bool code_gs1_check_digit_ok(const char *digits, size_t n);
/* UPU S10 mod-11 over the 8 serial digits + check digit. */
bool code_s10_check_digit_ok(const char *nine_digits);
/* UPS 1Z tracking number check digit (18 chars including "1Z"). */
bool code_ups_check_digit_ok(const char *tracking);
/* GLS parcel number: 11 digits + check digit. */
bool code_gls_check_digit_ok(const char *twelve_digits);
/* DHL Paket identcode: 11 digits + check digit. */
bool code_dhl_identcode_check_digit_ok(const char *twelve_digits);

/* Does @value match the pattern language above? */
bool code_pattern_match(const char *pattern, const char *value);

#endif
