/* SPDX-License-Identifier: MIT */
/*
 * GET /api/v1/returns.csv: the receipts of a range as a spreadsheet reads
 * them, oldest first, one row per receipt under a header row (RFC 4180:
 * CRLF line ends, a cell with a comma, a quote or a line end quoted, its
 * quotes doubled).  Every cell is text from the record, and a cell that
 * begins with = + - @ (or a tab or CR) is prefixed with ' so that a
 * spreadsheet shows it instead of running it as a formula.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

/* The columns: the header's name and the receipt view's key. */
static const struct {
	const char *name, *key;
} csv_columns[] = {
    {"receipt", "id"},
    {"received_at", "received_at"},
    {"routine", "routine"},
    {"kind", "kind"},
    {"rma", "rma"},
    {"order", "order"},
    {"code", "code"},
    {"desk", "desk"},
    {"clerk", "clerk"},
    {"state", "state"},
    {"verdict", "verdict"},
    {"refund_minor", "refund_minor"},
    {"currency", "currency"},
    {"decided_at", "decided_at"},
    {"decided_by", "decided_by"},
    {"overridden", "overridden"},
    {"override_reason", "override_reason"},
    {"override_by", "override_by"},
    {"weight_g", "weight_g"},
    {"weight_mismatch", "weight_mismatch"},
    {"shop", "shop"},
};

#define CSV_N_COLUMNS (sizeof(csv_columns) / sizeof(csv_columns[0]))

/* One cell: @text as a spreadsheet must read it. */
static void csv_cell(FILE *f, const char *text)
{
	bool quote = strpbrk(text, ",\"\r\n") != NULL;

	if (quote)
		fputc('"', f);
	if (strchr("=+-@\t\r", text[0]) && text[0])
		fputc('\'', f);
	for (const char *c = text; *c; c++) {
		if (*c == '"')
			fputc('"', f);
		fputc(*c, f);
	}
	if (quote)
		fputc('"', f);
}

static void csv_value(FILE *f, json_t *row, const char *key)
{
	json_t *v = json_object_get(row, key);
	char num[32];

	if (!strcmp(key, "kind") && json_is_null(v) &&
	    json_is_null(json_object_get(row, "expected_id")))
		csv_cell(f, "unexpected");
	else if (json_is_string(v))
		csv_cell(f, json_string_value(v));
	else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld",
			 (long long)json_integer_value(v));
		csv_cell(f, num);
	} else if (json_is_boolean(v))
		csv_cell(f, json_is_true(v) ? "true" : "false");
	/* null: an empty cell */
}

void api_returns_csv(struct station *st, const struct api_route *route,
		     struct api_reply *rp)
{
	struct receipt_filter filter;
	json_t *rows = NULL, *row;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;
	int r;

	api_returns_filter(st, route, &filter);
	filter.limit = 0; /* the whole range */
	filter.oldest_first = true;
	r = station_returns_find(st, &filter, &rows);
	if (r < 0) {
		api_reply_error(rp, 500, "store: %s", station_errmsg(st));
		return;
	}
	f = open_memstream(&buf, &len);
	if (!f) {
		json_decref(rows);
		api_reply_error(rp, 500, "out of memory");
		return;
	}
	for (size_t c = 0; c < CSV_N_COLUMNS; c++) {
		if (c)
			fputc(',', f);
		csv_cell(f, csv_columns[c].name);
	}
	fputs("\r\n", f);
	json_array_foreach(rows, i, row)
	{
		for (size_t c = 0; c < CSV_N_COLUMNS; c++) {
			if (c)
				fputc(',', f);
			csv_value(f, row, csv_columns[c].key);
		}
		fputs("\r\n", f);
	}
	json_decref(rows);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		api_reply_error(rp, 500, "out of memory");
		return;
	}
	rp->status = 200;
	rp->text = buf;
	rp->text_len = len;
	rp->content_type = "text/csv; charset=utf-8";
	snprintf(rp->filename, sizeof(rp->filename), "returns.csv");
}
