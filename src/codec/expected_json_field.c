/* SPDX-License-Identifier: MIT */
/*
 * The field readers of the expected-returns JSON (expected_json_field.h):
 * one value checked for type, range and length before it is copied, and
 * the message that names the field when it is wrong.  Nothing is guessed:
 * a number in a string, 49.99 for a price, "yes" for a boolean are errors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/code.h"
#include "retour/expected_json.h"
#include "expected_json_field.h"

int expected_json_fail(struct expected_json_ctx *ctx, const char *field,
		       const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (ctx->err && ctx->errlen) {
		const char *sep = ctx->path[0] && field[0] ? "." : "";

		if (ctx->path[0] || field[0])
			snprintf(ctx->err, ctx->errlen, "%s%s%s: %s", ctx->path,
				 sep, field, why);
		else
			snprintf(ctx->err, ctx->errlen, "%s", why);
	}
	return -EINVAL;
}

const char *expected_json_type_name(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "something else";
}

int expected_json_only_keys(struct expected_json_ctx *ctx, json_t *obj,
			    const char *prefix, const char *const *allowed)
{
	const char *key;
	json_t *value;

	json_object_foreach(obj, key, value)
	{
		bool known = false;
		char field[EXPECTED_JSON_FIELD_LEN];

		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				known = true;
		if (known)
			continue;
		snprintf(field, sizeof(field), "%s%.60s", prefix, key);
		return expected_json_fail(ctx, field, "unknown field");
	}
	return 0;
}

/*
 * A string field.  Absent or null leaves "" unless @required.  Control
 * characters and embedded NULs are refused: they would end up on a label
 * and in the store.
 */
int expected_json_text(struct expected_json_ctx *ctx, json_t *v,
		       const char *field, bool required,
		       enum expected_json_text kind, char *buf, size_t size)
{
	const char *s;
	size_t len;

	buf[0] = '\0';
	if (!v || json_is_null(v)) {
		if (required)
			return expected_json_fail(ctx, field, "missing");
		return 0;
	}
	if (!json_is_string(v))
		return expected_json_fail(ctx, field,
					  "expected a string, got %s",
					  expected_json_type_name(v));
	s = json_string_value(v);
	len = json_string_length(v);
	if (strlen(s) != len)
		return expected_json_fail(ctx, field,
					  "contains a NUL character");
	if (len >= size)
		return expected_json_fail(
		    ctx, field, "longer than %zu bytes (%zu)", size - 1, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return expected_json_fail(ctx, field,
						  "contains a control "
						  "character");
		if (kind == EXPECTED_JSON_REF && c == ' ')
			return expected_json_fail(ctx, field,
						  "contains a space");
	}
	if (required && len == 0)
		return expected_json_fail(ctx, field, "is empty");
	memcpy(buf, s, len + 1);
	return 0;
}

int expected_json_int(struct expected_json_ctx *ctx, json_t *v,
		      const char *field, bool required, int64_t lo, int64_t hi,
		      int64_t *out)
{
	json_int_t n;

	if (!v) {
		if (required)
			return expected_json_fail(ctx, field, "missing");
		return 0;
	}
	if (!json_is_integer(v))
		return expected_json_fail(ctx, field,
					  "expected an integer, got %s",
					  expected_json_type_name(v));
	n = json_integer_value(v);
	if (n < lo || n > hi)
		return expected_json_fail(ctx, field,
					  "%lld is out of range (%lld to "
					  "%lld)",
					  (long long)n, (long long)lo,
					  (long long)hi);
	*out = (int64_t)n;
	return 0;
}

int expected_json_bool(struct expected_json_ctx *ctx, json_t *v,
		       const char *field, bool *out)
{
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return expected_json_fail(ctx, field,
					  "expected true or false, got %s",
					  expected_json_type_name(v));
	*out = json_is_true(v);
	return 0;
}

/* One of two spellings of a field; both present is ambiguous. */
json_t *expected_json_either(struct expected_json_ctx *ctx, json_t *obj,
			     const char *prefix, const char *name,
			     const char *synonym, const char **used, int *r)
{
	json_t *a = json_object_get(obj, name);
	json_t *b = json_object_get(obj, synonym);
	char field[EXPECTED_JSON_FIELD_LEN];

	*r = 0;
	if (a && b) {
		snprintf(field, sizeof(field), "%s%s", prefix, name);
		*r = expected_json_fail(
		    ctx, field, "given twice (also as \"%s\")", synonym);
		return NULL;
	}
	*used = b && !a ? synonym : name;
	return a ? a : b;
}

int expected_json_parse_time(const char *text,
			     const struct rules_policy *policy, int64_t *utc_us)
{
	struct rules_policy defaults;
	int32_t f[3] = {0, 0, 0};
	int64_t days;

	if (!text || !utc_us)
		return -EINVAL;
	if (strlen(text) != 10)
		return civil_time_parse_rfc3339(text, utc_us);
	for (int i = 0; i < 10; i++) {
		bool dash = i == 4 || i == 7;

		if (dash ? text[i] != '-' : (text[i] < '0' || text[i] > '9'))
			return -EINVAL;
	}
	f[0] = (text[0] - '0') * 1000 + (text[1] - '0') * 100 +
	       (text[2] - '0') * 10 + (text[3] - '0');
	f[1] = (text[5] - '0') * 10 + (text[6] - '0');
	f[2] = (text[8] - '0') * 10 + (text[9] - '0');
	if (f[2] < 1 || f[2] > civil_time_days_in_month(f[0], f[1]))
		return -EINVAL;
	if (!policy) {
		rules_policy_defaults(&defaults);
		policy = &defaults;
	}
	days = civil_time_days_from_civil(f[0], f[1], f[2]);
	/* Midnight is the instant after the previous local day ends. */
	*utc_us = civil_time_local_day_end(days - 1, policy->utc_offset_min,
					   policy->eu_summer_time) +
		  1;
	return 0;
}

int expected_json_time(struct expected_json_ctx *ctx, json_t *v,
		       const char *field, const struct rules_policy *policy,
		       int64_t *out)
{
	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return expected_json_fail(ctx, field,
					  "expected an RFC 3339 time or a "
					  "date YYYY-MM-DD, got %s",
					  expected_json_type_name(v));
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    expected_json_parse_time(json_string_value(v), policy, out) < 0)
		return expected_json_fail(ctx, field,
					  "\"%.40s\" is not an RFC 3339 time "
					  "(2026-11-10T12:00:00Z) or a date "
					  "(2026-11-10)",
					  json_string_value(v));
	if (*out <= 0)
		return expected_json_fail(ctx, field, "%.40s is before 1970",
					  json_string_value(v));
	return 0;
}

int expected_json_gtin(struct expected_json_ctx *ctx, json_t *v,
		       const char *field, char *buf, size_t size)
{
	size_t len;
	int r;

	r = expected_json_text(ctx, v, field, false, EXPECTED_JSON_REF, buf,
			       size);
	if (r < 0)
		return r;
	len = strlen(buf);
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return expected_json_fail(
			    ctx, field, "\"%s\" is not all digits", buf);
	if (len != 8 && len != 12 && len != 13 && len != 14)
		return expected_json_fail(ctx, field,
					  "\"%s\" has %zu digits (8, 12, 13 "
					  "or 14 expected)",
					  buf, len);
	/* A GTIN that fails its own check could never match a scan. */
	if (!code_gs1_check_digit_ok(buf, len))
		return expected_json_fail(
		    ctx, field, "\"%s\" has a wrong check digit", buf);
	return 0;
}
