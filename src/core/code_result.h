/* SPDX-License-Identifier: MIT */
/*
 * Shared by the scanned-code classifier's files (code_classify.c, code_gs1.c,
 * code_carrier.c, code_pattern.c) and nothing else: ASCII helpers, the
 * setters of a struct code and the format readers code_classify() calls.
 */
#ifndef RETOUR_CODE_RESULT_H
#define RETOUR_CODE_RESULT_H

#include <stdbool.h>
#include <stddef.h>

#include "retour/code.h"

#define CODE_GS 0x1d
#define CODE_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline bool code_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool code_is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static inline bool code_is_alnum(char c)
{
	return code_is_digit(c) || code_is_alpha(c);
}

static inline char code_to_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static inline bool code_all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!code_is_digit(s[i]))
			return false;
	return true;
}

/* out->problem, printf-style. */
__attribute__((format(printf, 2, 3))) void
code_set_problem(struct code *out, const char *fmt, ...);
/* out->value from @n bytes at @s, cut to fit. */
void code_set_value(struct code *out, const char *s, size_t n);
/* A valid code of @kind with value @s. */
void code_set_result(struct code *out, enum code_kind kind, const char *s,
		     size_t n, bool has_check_digit);

/* Another reading of the same characters (struct code's other[]); one
 * past CODE_MAX_OTHER is dropped. */
void code_add_other(struct code *out, enum code_kind kind, const char *s,
		    size_t n, bool valid, bool has_check_digit);

/* code_gs1.c */
/* Expected GS1 mod-10 check digit of the @n data digits at @s. */
int code_gs1_check_digit(const char *s, size_t n);
/* A GS1 element string (GS or parenthesised form) at @s. */
void code_gs1_classify(const char *s, size_t n, struct code *out);
/* GTIN of 8, 12, 13 or 14 digits, refused (not reinterpreted) if bad. */
void code_gtin_classify(const char *s, size_t n, struct code *out);

/* code_carrier.c: @s is upper-cased and without spaces. */
void code_digits_classify(const char *s, size_t n, struct code *out);
void code_alnum_classify(const char *s, size_t n, struct code *out);

/* code_pattern.c: true when @p's RMA or order pattern matched. */
bool code_try_patterns(const struct code_patterns *p, const char *text,
		       const char *compact, struct code *out);

#endif
