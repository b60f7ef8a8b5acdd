/* SPDX-License-Identifier: MIT */
/*
 * The commands that read or change what retourd keeps: the desk's status
 * and a hand-entered scan, receipts (returns list/show), the expected
 * returns import, the outbox (list/retry), and the two integrity checks
 * (db check, audit verify).  Each sends one request (cli_rpc.c) and prints
 * the answer as it came under --json, or as text for a person.
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

#include <jansson.h>

#include "cli.h"
#include "cli_case.h"
#include "retour/expected_json.h"

/* The daemon refuses bodies over 1 MiB (413); say so before sending. */
#define CLI_RECORDS_MAX_BODY (1024 * 1024)

/* ---- fields of an answer, as text ---- */

/*
 * A field as text for a table: strings as they are, numbers and booleans
 * formatted, missing or null as "-".  Rotating buffers so one printf can
 * take several.
 */
static const char *cli_field_text(const json_t *obj, const char *key)
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

/* An amount in minor units at @key, in the currency at @cur_key. */
static const char *cli_field_money(const json_t *obj, const char *key,
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

/* "key:" padded to @width, then the field, one line each. */
static void cli_print_fields(const json_t *obj, int width,
			     const char *const *keys)
{
	char label[32];

	for (; *keys; keys++) {
		snprintf(label, sizeof(label), "%s:", *keys);
		printf("%-*s %s\n", width, label, cli_field_text(obj, *keys));
	}
}

static void cli_print_reasons(const json_t *reasons, const char *indent)
{
	size_t i;
	json_t *r;

	json_array_foreach(reasons, i, r)
	{
		json_t *item = json_object_get(r, "item");

		if (json_is_integer(item) && json_integer_value(item) >= 0)
			printf("%s%-24s item %-3" JSON_INTEGER_FORMAT " %s\n",
			       indent, cli_field_text(r, "code"),
			       json_integer_value(item),
			       cli_field_text(r, "text"));
		else
			printf("%s%-24s %-8s %s\n", indent,
			       cli_field_text(r, "code"), "(all)",
			       cli_field_text(r, "text"));
	}
}

/* A proposal: its verdict, refund and reasons, "proposal:" padded to
 * @width. */
static void cli_print_proposal(const json_t *proposal, int width)
{
	printf("%-*s %s, refund %s\n", width,
	       "proposal:", cli_field_text(proposal, "verdict"),
	       cli_field_money(proposal, "refund_minor", "currency"));
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

/* A column of a table: @width 0 for the last one, which is not padded;
 * with @currency_key the field is an amount in minor units. */
struct cli_column {
	const char *title;
	int width;
	const char *key;
	const char *currency_key;
};

static void cli_print_row(const struct cli_column *columns, const json_t *row)
{
	for (const struct cli_column *c = columns; c->title; c++) {
		const char *text =
		    row ? (c->currency_key
			       ? cli_field_money(row, c->key, c->currency_key)
			       : cli_field_text(row, c->key))
			: c->title;

		if (c->width)
			printf("%-*s ", c->width, text);
		else
			printf("%s\n", text);
	}
}

/*
 * GET the list at @path, the array itself or an object holding it under
 * @key, and print it as a table of @columns, @none alone when it is empty.
 */
static int cli_records_list(const struct cli_opts *o, const char *path,
			    const char *key, const char *none,
			    const struct cli_column *columns)
{
	json_t *answer, *list, *row;
	size_t i;

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
		cli_print_row(columns, NULL);
	json_array_foreach(list, i, row)
	{
		cli_print_row(columns, row);
	}
	json_decref(answer);
	return CLI_OK;
}

/*
 * GET a check at @path: its "ok" is the exit code, under --json too.
 * @say tells a person what it found.
 */
static int cli_records_check(const struct cli_opts *o, const char *path,
			     void (*say)(const json_t *answer, bool ok))
{
	json_t *answer;
	bool ok;

	if (cli_rpc_call(o, "GET", path, NULL, 0, &answer))
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

/* ---- the desk ---- */

static void cli_print_devices(const json_t *devices)
{
	const char *name;
	json_t *dev;

	printf("devices:\n");
	json_object_foreach((json_t *)devices, name, dev)
	{
		json_t *err = json_object_get(dev, "last_error");
		bool ok = json_is_true(json_object_get(dev, "ok"));

		printf("  %-10s %s", name, ok ? "ok" : "FAULT");
		if (json_is_string(json_object_get(dev, "feed")))
			printf(" (%s)", cli_field_text(dev, "feed"));
		if (json_is_string(err) && json_string_length(err))
			printf(": %s", json_string_value(err));
		putchar('\n');
	}
}

static void cli_print_status(const json_t *st)
{
	static const char *const who[] = {"desk", "routine", "step", "clerk",
					  NULL};
	static const char *const what[] = {"prompt", "problem", NULL};
	json_t *devices = json_object_get(st, "devices");
	json_t *proposal = json_object_get(st, "proposal");
	json_t *outbox = json_object_get(st, "outbox");
	json_t *last = json_object_get(st, "last_decision");

	cli_print_fields(st, 10, who);
	if (json_object_get(st, "receipt") &&
	    !json_is_null(json_object_get(st, "receipt")))
		printf("%-10s %s (code %s)\n",
		       "receipt:", cli_field_text(st, "receipt"),
		       cli_field_text(st, "code"));
	cli_print_fields(st, 10, what);
	printf("%-10s %s%s\n", "light:", cli_field_text(st, "light"),
	       json_is_true(json_object_get(st, "buzzer")) ? " (buzzer on)"
							   : "");
	if (json_is_object(proposal))
		cli_print_proposal(proposal, 10);
	if (json_is_object(last))
		printf("%-10s receipt %s: %s (undo until %s)\n",
		       "decided:", cli_field_text(last, "receipt"),
		       cli_field_text(last, "verdict"),
		       cli_field_text(last, "undo_until"));
	if (json_is_object(devices))
		cli_print_devices(devices);
	if (json_is_object(outbox))
		printf("%-10s %s pending, %s dead\n",
		       "outbox:", cli_field_text(outbox, "pending"),
		       cli_field_text(outbox, "dead"));
}

int cli_cmd_status(const struct cli_opts *o)
{
	if (o->n_pos != 1)
		return cli_usage("status takes no arguments");
	return cli_records_show(o, "GET", "/api/v1/status", NULL, 0,
				cli_print_status);
}

/* After a scan: where the desk went. */
static void cli_print_scanned(const json_t *st)
{
	static const char *const keys[] = {"step", "prompt", "problem", NULL};

	cli_print_fields(st, 8, keys);
}

int cli_cmd_scan(const struct cli_opts *o)
{
	json_t *body;
	char *text;
	int r;

	if (o->n_pos != 2)
		return cli_usage("scan needs one CODE");
	body = json_pack("{s:s}", "code", o->pos[1]);
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		return cli_fail("scan: the code is not valid UTF-8 text");
	r = cli_records_show(o, "POST", "/api/v1/scan", text, strlen(text),
			     cli_print_scanned);
	free(text);
	return r;
}

/* ---- receipts ---- */

static const struct cli_column cli_receipt_columns[] = {
    {"id", 6, "id", NULL},	     {"received", 20, "received_at", NULL},
    {"routine", 8, "routine", NULL}, {"code", 18, "code", NULL},
    {"rma", 14, "rma", NULL},	     {"state", 10, "state", NULL},
    {"verdict", 8, "verdict", NULL}, {"refund", 0, "refund_minor", "currency"},
    {NULL, 0, NULL, NULL},
};

static int cli_returns_list(const struct cli_opts *o)
{
	char path[64] = "/api/v1/returns";
	long long limit;

	if (o->n_pos != 2)
		return cli_usage("returns list takes no arguments");
	if (o->limit) {
		if (!cli_parse_id(o->limit, 10000, &limit))
			return cli_usage("--limit must be 1..10000, not '%s'",
					 o->limit);
		snprintf(path, sizeof(path), "/api/v1/returns?limit=%lld",
			 limit);
	}
	return cli_records_list(o, path, "returns", "no receipts",
				cli_receipt_columns);
}

/* A receipt: its own fields first, then its parts (proposal, items,
 * photos, ...) each as one compact line. */
static void cli_print_receipt(const json_t *obj)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj)) {
		cli_print_json(obj);
		return;
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		if (json_is_object(v) || json_is_array(v))
			continue;
		size_t klen = strlen(key);

		if (klen > 3 && !strcmp(key + klen - 3, "_us"))
			continue; /* twin of an RFC 3339 field */
		if (!strcmp(key, "refund_minor"))
			printf("%-18s %s\n", "refund:",
			       cli_field_money(obj, key, "currency"));
		else
			printf("%-17s: %s\n", key, cli_field_text(obj, key));
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		size_t i;
		json_t *e;

		if (json_is_object(v) && !strcmp(key, "proposal")) {
			cli_print_proposal(v, 0);
		} else if (json_is_object(v)) {
			char *text =
			    json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);

			printf("%s: %s\n", key, text ? text : "?");
			free(text);
		} else if (json_is_array(v)) {
			printf("%s (%zu):\n", key, json_array_size(v));
			json_array_foreach(v, i, e)
			{
				char *text = json_dumps(
				    e, JSON_COMPACT | JSON_PRESERVE_ORDER |
					   JSON_ENCODE_ANY);

				printf("  %s\n", text ? text : "?");
				free(text);
			}
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
	if (o->limit && strcmp(o->pos[1], "list"))
		return cli_usage("--limit only goes with returns list");
	if (!strcmp(o->pos[1], "list"))
		return cli_returns_list(o);
	if (!strcmp(o->pos[1], "show"))
		return cli_returns_show(o);
	return cli_usage("unknown returns command '%s'", o->pos[1]);
}

/* ---- expected returns ---- */

/* All of @name ("-": stdin), NUL-terminated, in *out (free it).
 * 0, -EFBIG over CLI_RECORDS_MAX_BODY, or another -errno. */
static int cli_read_all(const char *name, char **out, size_t *len)
{
	FILE *f = strcmp(name, "-") ? fopen(name, "rb") : stdin;
	size_t cap = 0, n = 0, got = 0;
	char *data = NULL, *grown;
	int r = 0;

	if (!f)
		return -errno;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			grown = realloc(data, cap);
			if (!grown) {
				r = -ENOMEM;
				break;
			}
			data = grown;
		}
		got = fread(data + n, 1, cap - n - 1, f);
		n += got;
		if (n > CLI_RECORDS_MAX_BODY)
			r = -EFBIG;
	} while (!r && got);
	if (!r && ferror(f))
		r = -EIO;
	if (f != stdin)
		fclose(f);
	if (r) {
		free(data);
		return r;
	}
	data[n] = '\0';
	*out = data;
	*len = n;
	return 0;
}

/* Nothing leaves this machine unless it is an import retourd takes:
 * the number of expected returns in @text, or CLI_FAILED said. */
static int cli_expected_check(const char *file, const char *text, size_t len,
			      int *count)
{
	struct expected_return *list = NULL;
	json_error_t jerr;
	char err[320];
	json_t *root;
	int n;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return cli_fail("%s:%d:%d: not valid JSON: %s, nothing sent",
				file, jerr.line, jerr.column, jerr.text);
	n = expected_json_parse_batch(root, NULL, &list, err, sizeof(err));
	json_decref(root);
	free(list);
	if (n < 0)
		return cli_fail("%s: %s; nothing sent", file, err);
	*count = n;
	return CLI_OK;
}

static void cli_print_imported(const json_t *answer, int sent)
{
	json_t *count = json_object_get(answer, "imported");
	long long imported =
	    json_is_integer(count) ? json_integer_value(count) : sent;
	json_t *kept = json_object_get(answer, "kept"), *code;
	size_t i;

	printf("imported %lld expected return%s\n", imported,
	       imported == 1 ? "" : "s");
	json_array_foreach(kept, i, code) if (json_is_string(code))
	    printf("kept %s: already at the desk, not changed\n",
		   json_string_value(code));
}

int cli_cmd_expected(const struct cli_opts *o)
{
	const char *file;
	json_t *answer;
	char *text = NULL;
	size_t len = 0;
	int n = 0, r;

	if (o->n_pos < 2 || strcmp(o->pos[1], "import"))
		return cli_usage("expected needs 'import FILE'");
	if (o->n_pos != 3)
		return cli_usage(
		    "expected import needs one FILE (- for stdin)");
	file = o->pos[2];
	r = cli_read_all(file, &text, &len);
	if (r == -EFBIG)
		return cli_fail("%s: over 1 MiB, more than retourd accepts in "
				"one import; split it",
				file);
	if (r < 0)
		return cli_fail("%s: %s", file, strerror(-r));
	r = cli_expected_check(file, text, len, &n);
	if (r == CLI_OK)
		r = cli_rpc_call(o, "POST", "/api/v1/expected", text, len,
				 &answer);
	free(text);
	if (r)
		return r;
	if (o->json)
		cli_print_json(answer);
	else
		cli_print_imported(answer, n);
	json_decref(answer);
	return CLI_OK;
}

/* ---- the outbox ---- */

static const struct cli_column cli_outbox_columns[] = {
    {"id", 6, "id", NULL},
    {"receipt", 8, "receipt_id", NULL},
    {"action", 20, "action", NULL},
    {"state", 10, "state", NULL},
    {"attempts", 8, "attempts", NULL},
    {"next attempt", 20, "next_attempt_at", NULL},
    {"last error", 0, "last_error", NULL},
    {NULL, 0, NULL, NULL},
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
	else
		cli_fail("audit verify: the chain is broken at entry %s "
			 "(edited, inserted or deleted there or before); %s "
			 "entries checked",
			 cli_field_text(answer, "bad_entry"),
			 cli_field_text(answer, "entries"));
}

int cli_cmd_audit(const struct cli_opts *o)
{
	if (o->n_pos != 2 || strcmp(o->pos[1], "verify"))
		return cli_usage("audit needs 'verify'");
	return cli_records_check(o, "/api/v1/audit/verify",
				 cli_print_audit_verify);
}
