/* SPDX-License-Identifier: MIT */
/*
 * The shop's own code patterns (RMA and order numbers) in a tiny language:
 * literal text, '#' a digit, '@' a letter, '*' one or more letters or
 * digits.  Deliberately no regular expressions: a shop's configuration
 * cannot make the matcher slow or ambiguous.
 */
#include <string.h>

#include "code_result.h"
#include "retour/code.h"

/*
 * Dynamic programming over value positions rather than backtracking: a
 * pattern such as "*-*-*-*" against a long scan would otherwise take
 * exponential time, and patterns come from configuration.
 */
bool code_pattern_match(const char *pattern, const char *value)
{
	bool reach[CODE_MAX_RAW + 1], next[CODE_MAX_RAW + 1];
	size_t n;

	if (!pattern || !*pattern || !value)
		return false;
	n = strnlen(value, CODE_MAX_RAW + 1);
	if (n > CODE_MAX_RAW)
		return false;

	memset(reach, 0, sizeof(reach));
	reach[0] = true;
	for (const char *pc = pattern; *pc; pc++) {
		bool any = false;

		memset(next, 0, sizeof(next));
		if (*pc == '*') {
			bool run = false;

			for (size_t j = 1; j <= n; j++) {
				run = (run || reach[j - 1]) &&
				      code_is_alnum(value[j - 1]);
				next[j] = run;
			}
		} else {
			for (size_t j = 0; j < n; j++) {
				char c = value[j];
				bool ok;

				if (!reach[j])
					continue;
				if (*pc == '#')
					ok = code_is_digit(c);
				else if (*pc == '@')
					ok = code_is_alpha(c);
				else
					ok = code_to_upper(c) ==
					     code_to_upper(*pc);
				next[j + 1] = ok;
			}
		}
		for (size_t j = 0; j <= n; j++)
			any |= next[j];
		if (!any)
			return false;
		memcpy(reach, next, sizeof(reach));
	}
	return reach[n];
}

static bool code_try_pattern(const char *pattern, enum code_kind kind,
			     const char *s, struct code *out)
{
	size_t n;

	if (!code_pattern_match(pattern, s))
		return false;
	n = strlen(s);
	out->kind = kind;
	out->has_check_digit = false;
	if (n > CODE_VALUE_LEN - 1) {
		/* a truncated value would match the wrong return */
		out->valid = false;
		code_set_value(out, s, n);
		code_set_problem(out, "%s longer than %d characters",
				 code_kind_name(kind), CODE_VALUE_LEN - 1);
		return true;
	}
	code_set_result(out, kind, s, n, false);
	for (size_t i = 0; i < n; i++)
		out->value[i] = code_to_upper(out->value[i]);
	return true;
}

bool code_try_patterns(const struct code_patterns *p, const char *text,
		       const char *compact, struct code *out)
{
	if (!p)
		return false;
	/* as scanned first, so a pattern with a literal space can match */
	return code_try_pattern(p->rma, CODE_RMA, text, out) ||
	       code_try_pattern(p->rma, CODE_RMA, compact, out) ||
	       code_try_pattern(p->order, CODE_ORDER, text, out) ||
	       code_try_pattern(p->order, CODE_ORDER, compact, out);
}
