/* SPDX-License-Identifier: MIT */
/*
 * The field readers behind expected_json.c (private to src/codec): each
 * checks one JSON value for type, range and length, and on the first
 * problem writes a message naming the field the way the sender wrote it
 * ("returns[1].items[0].gtin") and returns -EINVAL.
 */
#ifndef RETOUR_CODEC_EXPECTED_JSON_FIELD_H
#define RETOUR_CODEC_EXPECTED_JSON_FIELD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "retour/rules.h"

#define EXPECTED_JSON_FIELD_LEN 128

struct expected_json_ctx {
	const char *path; /* "" or "returns[2]" */
	char *err;
	size_t errlen;
};

enum expected_json_text {
	EXPECTED_JSON_TEXT, /* free text: no control characters */
	EXPECTED_JSON_REF,  /* a code a scanner reads: no blanks */
};

int __attribute__((format(printf, 3, 4)))
expected_json_fail(struct expected_json_ctx *ctx, const char *field,
		   const char *fmt, ...);
/* "a string", "an integer", ...: what the sender gave instead */
const char *expected_json_type_name(const json_t *v);
/* Every key of @obj is in the NULL-ended @allowed. */
int expected_json_only_keys(struct expected_json_ctx *ctx, json_t *obj,
			    const char *prefix, const char *const *allowed);
/* A string field.  Absent or null leaves "" unless @required.  Control
 * characters and embedded NULs are refused: they would end up on a label
 * and in the store. */
int expected_json_text(struct expected_json_ctx *ctx, json_t *v,
		       const char *field, bool required,
		       enum expected_json_text kind, char *buf, size_t size);
int expected_json_int(struct expected_json_ctx *ctx, json_t *v,
		      const char *field, bool required, int64_t lo, int64_t hi,
		      int64_t *out);
int expected_json_bool(struct expected_json_ctx *ctx, json_t *v,
		       const char *field, bool *out);
/* One of two spellings of a field; both present is ambiguous (*r < 0). */
json_t *expected_json_either(struct expected_json_ctx *ctx, json_t *obj,
			     const char *prefix, const char *name,
			     const char *synonym, const char **used, int *r);
/* An RFC 3339 time or a date (the local day's start); absent: 0. */
int expected_json_time(struct expected_json_ctx *ctx, json_t *v,
		       const char *field, const struct rules_policy *policy,
		       int64_t *out);
/* A GTIN-8/12/13/14 with a right check digit, or absent (""). */
int expected_json_gtin(struct expected_json_ctx *ctx, json_t *v,
		       const char *field, char *buf, size_t size);

#endif
