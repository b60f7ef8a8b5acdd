/* SPDX-License-Identifier: MIT */
/*
 * The commands that read or change what retourd keeps: receipts (returns
 * list/show), the outbox (list/retry), and the two integrity checks (db
 * check, audit verify); the expected returns are cli_expected.c's.  Each sends
 * one request (cli_rpc.c) and prints the answer as it came under --json, or as
 * text for a person: lists as tables whose columns line up, money once, in
 * the station's one format (money_format).  The field and table helpers
 * are shared with the desk's commands (cli_desk.c).
 *
 * The answers' shapes belong to the daemon (docs/API.md): a missing field
 * prints as "-", never as a failure, so an older retourctl still reads a
 * newer daemon.  Nothing here touches the database.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"
#include "cli_case.h"

/* ---- fields of an answer, as text ---- */

const char *cli_field_text(const json_t *obj, const char *key)
{
	static char bufs[8][64];
	static int next;
	json_t *v = json_object_get(obj, key);
	char *b;

	if (json_is_string(v))
		return json_string_length(v) ? json_string_value(v) : "-";
	b = bufs[next++ % 8];
	if (json_is_integer(v))
		snprintf(b, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(b, 64, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(b, 64, "%s", json_is_true(v) ? "yes" : "no");
	else
		snprintf(b, 64, "-");
	return b;
}

const char *cli_field_money(const json_t *obj, const char *key,
			    const char *cur_key)
{
	static char bufs[4][48];
	static int next;
	json_t *v = json_object_get(obj, key);
	json_t *cur = json_object_get(obj, cur_key);
	char *b = bufs[next++ % 4];

	if (!json_is_integer(v))
		return "-";
	cli_case_format_money(json_integer_value(v),
			      json_is_string(cur) ? json_string_value(cur) : "",
			      b, 48);
	return b;
}

/* Columns a terminal gives @s: one per UTF-8 character. */
static size_t cli_text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* A row's cell as text (free it): the column's money, count or field. */
static char *cli_cell_text(const struct cli_column *c, const json_t *row)
{
	json_t *v = json_object_get(row, c->key);
	char count[24];

	if (c->currency_key)
		return strdup(cli_field_money(row, c->key, c->currency_key));
	if (c->count) {
		if (!json_is_array(v))
			return strdup("-");
		snprintf(count, sizeof(count), "%zu", json_array_size(v));
		return strdup(count);
	}
	if (json_is_object(v) || json_is_array(v)) {
		char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);

		return text ? text : strdup("?");
	}
	return strdup(cli_field_text(row, c->key));
}

static void cli_print_cell(const char *text, size_t width, bool last)
{
	if (last) {
		printf("%s\n", text);
		return;
	}
	printf("%s%*s", text, (int)(width - cli_text_width(text) + 2), "");
}

void cli_print_table(const struct cli_column *columns, const json_t *rows,
		     const char *indent)
{
	size_t n_cols = 0, n_rows = json_array_size(rows), *width;
	char **cells;

	while (columns[n_cols].title)
		n_cols++;
	if (!n_cols)
		return;
	cells = calloc(n_rows * n_cols + 1, sizeof(*cells));
	width = calloc(n_cols, sizeof(*width));
	if (!cells || !width) {
		free(cells);
		free(width);
		cli_fail("out of memory");
		return;
	}
	for (size_t c = 0; c < n_cols; c++)
		width[c] = cli_text_width(columns[c].title);
	for (size_t r = 0; r < n_rows; r++)
		for (size_t c = 0; c < n_cols; c++) {
			char *t =
			    cli_cell_text(&columns[c], json_array_get(rows, r));

			cells[r * n_cols + c] = t;
			if (t && cli_text_width(t) > width[c])
				width[c] = cli_text_width(t);
		}
	printf("%s", indent);
	for (size_t c = 0; c < n_cols; c++)
		cli_print_cell(columns[c].title, width[c], c + 1 == n_cols);
	for (size_t r = 0; r < n_rows; r++) {
		printf("%s", indent);
		for (size_t c = 0; c < n_cols; c++) {
			const char *t = cells[r * n_cols + c];

			cli_print_cell(t ? t : "?", width[c], c + 1 == n_cols);
		}
	}
	for (size_t i = 0; i < n_rows * n_cols; i++)
		free(cells[i]);
	free(cells);
	free(width);
}

static const struct cli_column cli_reason_columns[] = {
    {"reason", "code", NULL, false},
    {"item", "item_shown", NULL, false},
    {"why", "text", NULL, false},
    {NULL, NULL, NULL, false},
};

/* The reasons as a table; "item" counts from 1, "-" for the whole
 * return. */
static void cli_print_reasons(const json_t *reasons, const char *indent)
{
	json_t *rows = json_array(), *r;
	size_t i;

	json_array_foreach(reasons, i, r)
	{
		json_t *row = json_deep_copy(r);
		json_t *item = json_object_get(r, "item");

		if (!row)
			continue;
		if (json_is_integer(item) && json_integer_value(item) >= 0)
			json_object_set_new(
			    row, "item_shown",
			    json_integer(json_integer_value(item) + 1));
		json_array_append_new(rows, row);
	}
	if (json_array_size(rows))
		cli_print_table(cli_reason_columns, rows, indent);
	json_decref(rows);
}

void cli_print_proposal(const json_t *proposal, int width)
{
	json_t *refund = json_object_get(proposal, "refund_minor");

	const char *verdict = cli_field_text(proposal, "verdict");

	/* a hold pays nothing yet: its amount is what accepting would */
	if (json_is_integer(refund) && json_integer_value(refund) > 0)
		printf("%-*s %s, %s %s\n", width, "proposal:", verdict,
		       strcmp(verdict, "hold")
			   ? "refund"
			   : "nothing paid yet; if accepted",
		       cli_field_money(proposal, "refund_minor", "currency"));
	else
		printf("%-*s %s, no refund\n", width, "proposal:", verdict);
	cli_print_reasons(json_object_get(proposal, "reasons"), "  ");
}

/* ---- one request, its answer printed ---- */

/*
 * @method @path, and the answer printed as it came under --json, else by
 * @say.  CLI_OK, or CLI_FAILED once the failure has been said.
 */
static int cli_records_show(const struct cli_opts *o, const char *method,
			    const char *path, const char *body, size_t body_len,
			    void (*say)(const json_t *answer))
{
	json_t *answer;

	if (cli_rpc_call(o, method, path, body, body_len, &answer))
		return CLI_FAILED;
	if (o->json)
		cli_print_json(answer);
	else
		say(answer);
	json_decref(answer);
	return CLI_OK;
}

/*
 * GET the list at @path, the array itself or an object holding it under
 * @key, and print it as a table of @columns, @none alone when it is empty.
 */
int cli_records_list(const struct cli_opts *o, const char *path,
		     const char *key, const char *none,
		     const struct cli_column *columns)
{
	json_t *answer, *list;

	if (cli_rpc_call(o, "GET", path, NULL, 0, &answer))
		return CLI_FAILED;
	if (o->json) {
		cli_print_json(answer);
		json_decref(answer);
		return CLI_OK;
	}
	list = json_is_array(answer) ? answer : json_object_get(answer, key);
	if (!json_is_array(list)) {
		json_decref(answer);
		return cli_fail("%s list: unexpected answer from retourd (no "
				"list)",
				key);
	}
	if (json_array_size(list) == 0)
		printf("%s\n", none);
	else
		cli_print_table(columns, list, "");
	json_decref(answer);
	return CLI_OK;
}

/*
 * GET a check at @path: its "ok" is the exit code, under --json too, where
 * the daemon's answer is printed as it came also when the check found a
 * fault (500 {"ok":false,...,"error":...}).  @say tells a person what it
 * found.
 */
static int cli_records_check(const struct cli_opts *o, const char *path,
			     void (*say)(const json_t *answer, bool ok))
{
	json_t *answer;
	bool ok;

	if (cli_rpc_check(o, path, &answer))
		return CLI_FAILED;
	ok = json_is_true(json_object_get(answer, "ok"));
	if (o->json)
		cli_print_json(answer);
	else
		say(answer, ok);
	json_decref(answer);
	return ok ? CLI_OK : CLI_FAILED;
}

/* A receipt or outbox row id: 1..@max, digits only. */
static bool cli_parse_id(const char *s, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 1 || v > max)
		return false;
	*out = v;
	return true;
}

/* ---- receipts ---- */

static const struct cli_column cli_receipt_columns[] = {
    {"id", "id", NULL, false},
    {"received", "received_at", NULL, false},
    {"routine", "routine", NULL, false},
    {"code", "code", NULL, false},
    {"rma", "rma", NULL, false},
    {"state", "state", NULL, false},
    {"verdict", "verdict", NULL, false},
    {"refund", "refund_minor", "currency", false},
    {NULL, NULL, NULL, false},
};

/* "&name=value" (the first "?name=value") added to @path, the value
 * escaped for a URL; false when it does not fit or cannot be escaped. */
static bool cli_add_param(char *path, size_t size, const char *name,
			  const char *value)
{
	size_t len = strlen(path);
	char *escaped;
	int n;

	if (!value)
		return true;
	escaped = curl_easy_escape(NULL, value, (int)strlen(value));
	if (!escaped)
		return false;
	n = snprintf(path + len, size - len, "%c%s=%s",
		     strchr(path, '?') ? '&' : '?', name, escaped);
	curl_free(escaped);
	return n > 0 && (size_t)n < size - len;
}

/* The receipts, or those the options look for: the daemon checks each
 * value and its 400 says what is wrong with one. */
static int cli_returns_list(const struct cli_opts *o)
{
	const struct {
		const char *name, *value;
	} params[] = {
	    {"order", o->order},   {"rma", o->rma},   {"tracking", o->tracking},
	    {"status", o->status}, {"from", o->from}, {"to", o->to},
	    {"limit", o->limit},
	};
	char path[1024] = "/api/v1/returns";
	bool search = false;
	long long limit;

	if (o->n_pos != 2)
		return cli_usage("returns list takes no arguments");
	if (o->limit && !cli_parse_id(o->limit, 10000, &limit))
		return cli_usage("--limit must be 1..10000, not '%s'",
				 o->limit);
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		if (!cli_add_param(path, sizeof(path), params[i].name,
				   params[i].value))
			return cli_usage("--%s: value too long",
					 params[i].name);
		search |= params[i].value && strcmp(params[i].name, "limit");
	}
	return cli_records_list(o, path, "returns",
				search ? "no receipts found" : "no receipts",
				cli_receipt_columns);
}

static bool cli_key_ends(const char *key, const char *suffix)
{
	size_t k = strlen(key), n = strlen(suffix);

	return k > n && !strcmp(key + k - n, suffix);
}

/* A list inside a receipt (items, photos, answers, labels, outbox rows) as
 * a table of its first row's fields; the "_us" twins left out. */
static void cli_print_parts(const char *name, const json_t *list)
{
	struct cli_column columns[32];
	json_t *first = json_array_get(list, 0), *v;
	const char *key;
	int n = 0;

	printf("%s (%zu):\n", name, json_array_size(list));
	if (!json_is_object(first)) {
		size_t i;

		json_array_foreach(list, i, v)
		{
			char *text =
			    json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

			printf("  %s\n", text ? text : "?");
			free(text);
		}
		return;
	}
	json_object_foreach(first, key, v)
	{
		if (n == 31 || cli_key_ends(key, "_us"))
			continue;
		columns[n++] = (struct cli_column){
		    .title = key,
		    .key = key,
		    .currency_key =
			cli_key_ends(key, "_minor") ? "currency" : NULL};
	}
	columns[n] = (struct cli_column){0};
	cli_print_table(columns, list, "  ");
}

/* A receipt: its own fields first, money once in the receipt's currency,
 * then its proposal and its parts (items, photos, ...) as tables. */
static void cli_print_receipt(const json_t *obj)
{
	const char *key;
	char label[40];
	json_t *v;

	if (!json_is_object(obj)) {
		cli_print_json(obj);
		return;
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		if (json_is_object(v) || json_is_array(v) ||
		    cli_key_ends(key, "_us"))
			continue; /* parts below; twins of RFC 3339 times */
		if (!strcmp(key, "currency"))
			continue; /* shown with each amount */
		if (cli_key_ends(key, "_minor")) {
			snprintf(label, sizeof(label),
				 "%.*s:", (int)(strlen(key) - 6), key);
			printf("%-18s %s\n", label,
			       cli_field_money(obj, key, "currency"));
			continue;
		}
		snprintf(label, sizeof(label), "%s:", key);
		printf("%-18s %s\n", label, cli_field_text(obj, key));
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		if (json_is_object(v) && !strcmp(key, "proposal")) {
			cli_print_proposal(v, 18);
		} else if (json_is_object(v)) {
			char *text =
			    json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);

			snprintf(label, sizeof(label), "%s:", key);
			printf("%-18s %s\n", label, text ? text : "?");
			free(text);
		} else if (json_is_array(v)) {
			cli_print_parts(key, v);
		}
	}
}

static int cli_returns_show(const struct cli_opts *o)
{
	char path[64];
	long long id;

	if (o->n_pos != 3)
		return cli_usage("returns show needs one receipt ID");
	if (!cli_parse_id(o->pos[2], INT64_MAX, &id))
		return cli_usage("'%s' is not a receipt id", o->pos[2]);
	snprintf(path, sizeof(path), "/api/v1/returns/%lld", id);
	return cli_records_show(o, "GET", path, NULL, 0, cli_print_receipt);
}

int cli_cmd_returns(const struct cli_opts *o)
{
	if (o->n_pos < 2)
		return cli_usage("returns needs 'list' or 'show ID'");
	if ((o->limit || o->order || o->rma || o->tracking || o->status ||
	     o->from || o->to) &&
	    strcmp(o->pos[1], "list"))
		return cli_usage("--limit, --order, --rma, --tracking, "
				 "--status, --from and --to only go with "
				 "returns list");
	if (!strcmp(o->pos[1], "list"))
		return cli_returns_list(o);
	if (!strcmp(o->pos[1], "show"))
		return cli_returns_show(o);
	return cli_usage("unknown returns command '%s'", o->pos[1]);
}

/* ---- the outbox ---- */

static const struct cli_column cli_outbox_columns[] = {
    {"id", "id", NULL, false},
    {"receipt", "receipt_id", NULL, false},
    {"action", "action", NULL, false},
    {"key", "key", NULL, false}, /* a webhook body's "id" */
    {"state", "state", NULL, false},
    {"attempts", "attempts", NULL, false},
    {"next (or last) attempt", "next_attempt_at", NULL, false},
    {"last error", "last_error", NULL, false},
    {NULL, NULL, NULL, false},
};

static int cli_outbox_list(const struct cli_opts *o)
{
	static const char *const states[] = {"pending", "done", "dead",
					     "cancelled", NULL};
	char path[96] = "/api/v1/outbox", none[64] = "no outbox rows";
	bool known = false;

	if (o->n_pos != 2)
		return cli_usage("outbox list takes no arguments");
	if (o->state) {
		for (int k = 0; states[k]; k++)
			if (!strcmp(o->state, states[k]))
				known = true;
		if (!known)
			return cli_usage("--state must be pending, done, "
					 "dead or cancelled, not '%s'",
					 o->state);
		snprintf(path, sizeof(path), "/api/v1/outbox?state=%s",
			 o->state);
		snprintf(none, sizeof(none), "no outbox rows in state %s",
			 o->state);
	}
	return cli_records_list(o, path, "outbox", none, cli_outbox_columns);
}

static int cli_outbox_retry(const struct cli_opts *o)
{
	char path[80];
	json_t *answer;
	long long id;

	if (o->n_pos != 3)
		return cli_usage("outbox retry needs one outbox row ID");
	if (!cli_parse_id(o->pos[2], INT64_MAX, &id))
		return cli_usage("'%s' is not an outbox row id", o->pos[2]);
	snprintf(path, sizeof(path), "/api/v1/outbox/%lld/retry", id);
	if (cli_rpc_call(o, "POST", path, NULL, 0, &answer))
		return CLI_FAILED;
	if (o->json)
		cli_print_json(answer);
	else
		printf("outbox row %lld queued for delivery now\n", id);
	json_decref(answer);
	return CLI_OK;
}

int cli_cmd_outbox(const struct cli_opts *o)
{
	if (o->n_pos < 2)
		return cli_usage("outbox needs 'list' or 'retry ID'");
	if (o->state && strcmp(o->pos[1], "list"))
		return cli_usage("--state only goes with outbox list");
	if (!strcmp(o->pos[1], "list"))
		return cli_outbox_list(o);
	if (!strcmp(o->pos[1], "retry"))
		return cli_outbox_retry(o);
	return cli_usage("unknown outbox command '%s'", o->pos[1]);
}

/* ---- integrity checks ---- */

static void cli_print_db_check(const json_t *answer, bool ok)
{
	if (ok)
		printf("database ok: %s\n", cli_field_text(answer, "detail"));
	else
		cli_fail("db check: the database has a problem: %s",
			 cli_field_text(answer, "detail"));
}

int cli_cmd_db(const struct cli_opts *o)
{
	if (o->n_pos != 2 || strcmp(o->pos[1], "check"))
		return cli_usage("db needs 'check'");
	return cli_records_check(o, "/api/v1/db/check", cli_print_db_check);
}

static void cli_print_audit_verify(const json_t *answer, bool ok)
{
	if (ok)
		printf("audit chain intact: %s entries\n",
		       cli_field_text(answer, "entries"));
	else if (json_integer_value(json_object_get(answer, "bad_entry")) > 0)
		cli_fail("audit verify: the chain is broken at entry %s "
			 "(edited, inserted or deleted there or before); %s "
			 "entries checked",
			 cli_field_text(answer, "bad_entry"),
			 cli_field_text(answer, "entries"));
	else /* not read at all: the daemon says why */
		cli_fail("audit verify: %s", cli_field_text(answer, "error"));
}

int cli_cmd_audit(const struct cli_opts *o)
{
	if (o->n_pos != 2 || strcmp(o->pos[1], "verify"))
		return cli_usage("audit needs 'verify'");
	return cli_records_check(o, "/api/v1/audit/verify",
				 cli_print_audit_verify);
}
