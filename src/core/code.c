/* SPDX-License-Identifier: MIT */
/*
 * What every part of the classifier writes into the result: the verdict
 * with its normalised value, or the problem.  The bottom of the code
 * classifier: code_classify.c and the format files (code_gs1.c, code_carrier.c,
 * code_pattern.c) call these, never the other way round.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "code_result.h"
#include "retour/code.h"

__attribute__((format(printf, 2, 3))) void
code_set_problem(struct code *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->problem, sizeof(out->problem), fmt, ap);
	va_end(ap);
}

void code_set_value(struct code *out, const char *s, size_t n)
{
	if (n > CODE_VALUE_LEN - 1)
		n = CODE_VALUE_LEN - 1;
	memcpy(out->value, s, n);
	out->value[n] = '\0';
}

void code_set_result(struct code *out, enum code_kind kind, const char *s,
		     size_t n, bool has_check_digit)
{
	out->kind = kind;
	out->valid = true;
	out->has_check_digit = has_check_digit;
	out->problem[0] = '\0';
	code_set_value(out, s, n);
}

const char *code_kind_name(enum code_kind kind)
{
	static const char *const names[] = {
	    [CODE_UNKNOWN] = "unknown", [CODE_GTIN] = "gtin",
	    [CODE_SSCC] = "sscc",	[CODE_GS1] = "gs1",
	    [CODE_UPS] = "ups",		[CODE_UPU_S10] = "upu_s10",
	    [CODE_INPOST] = "inpost",	[CODE_DPD] = "dpd",
	    [CODE_DHL] = "dhl",		[CODE_GLS] = "gls",
	    [CODE_FEDEX] = "fedex",	[CODE_RMA] = "rma",
	    [CODE_ORDER] = "order",
	};

	if ((unsigned int)kind >= CODE_ARRAY_SIZE(names) || !names[kind])
		return "unknown";
	return names[kind];
}
