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
	    [CODE_ORDER] = "order",	[CODE_BADGE] = "badge",
	};

	if ((unsigned int)kind >= CODE_ARRAY_SIZE(names) || !names[kind])
		return "unknown";
	return names[kind];
}

const char *code_kind_title(enum code_kind kind)
{
	static const char *const titles[] = {
	    [CODE_UNKNOWN] = "unknown code",
	    [CODE_GTIN] = "GTIN product code",
	    [CODE_SSCC] = "SSCC shipping container code",
	    [CODE_GS1] = "GS1 element string",
	    [CODE_UPS] = "UPS tracking number",
	    [CODE_UPU_S10] = "UPU S10 postal item number",
	    [CODE_INPOST] = "InPost parcel number",
	    [CODE_DPD] = "DPD parcel number",
	    [CODE_DHL] = "DHL parcel number",
	    [CODE_GLS] = "GLS parcel number",
	    [CODE_FEDEX] = "FedEx tracking number",
	    [CODE_RMA] = "shop RMA",
	    [CODE_ORDER] = "shop order number",
	    [CODE_BADGE] = "clerk badge",
	};

	if ((unsigned int)kind >= CODE_ARRAY_SIZE(titles) || !titles[kind])
		return titles[CODE_UNKNOWN];
	return titles[kind];
}

void code_reading_describe(enum code_kind kind, bool valid,
			   bool has_check_digit, char *buf, size_t size)
{
	const char *how;

	if (!buf || !size)
		return;
	if (kind == CODE_UNKNOWN)
		how = "";
	else if (!valid)
		how = has_check_digit ? " with a wrong check digit (misread?)"
				      : " that is malformed";
	else if (kind == CODE_RMA || kind == CODE_ORDER || kind == CODE_BADGE)
		how = " (matches the configured pattern)";
	else
		how = has_check_digit ? " (check digit ok)"
				      : " (no check digit to verify)";
	if (kind == CODE_BADGE)
		how = valid ? " (a clerk of this station)" : how;
	snprintf(buf, size, "%s%s", code_kind_title(kind), how);
}

void code_add_other(struct code *out, enum code_kind kind, const char *s,
		    size_t n, bool valid, bool has_check_digit)
{
	struct code_reading *o;

	if (out->n_other < 0 || out->n_other >= CODE_MAX_OTHER)
		return;
	o = &out->other[out->n_other++];
	o->kind = kind;
	o->valid = valid;
	o->has_check_digit = has_check_digit;
	if (n > CODE_VALUE_LEN - 1)
		n = CODE_VALUE_LEN - 1;
	memcpy(o->value, s, n);
	o->value[n] = '\0';
}
