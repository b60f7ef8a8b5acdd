/* SPDX-License-Identifier: MIT */
/*
 * The expected returns' commands: list them, import a file of them (checked
 * here with the daemon's own parser first, so a bad file is refused with
 * its line and column before anything is sent), and ask the shops that
 * pull for new ones now.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "retour/expected_json.h"

/* The daemon refuses bodies over 1 MiB (413); say so before sending. */
#define CLI_RECORDS_MAX_BODY (1024 * 1024)

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

static const struct cli_column cli_expected_columns[] = {
    {"id", "id", NULL, false},
    {"rma", "rma", NULL, false},
    {"order", "order", NULL, false},
    {"shop", "shop", NULL, false},
    {"kind", "kind", NULL, false},
    {"delivered", "delivered_at", NULL, false},
    {"items", "items", NULL, true},
    {"basic delivery", "delivery_basic_minor", "currency", false},
    {NULL, NULL, NULL, false},
};

static int cli_expected_import(const struct cli_opts *o)
{
	const char *file;
	json_t *answer;
	char *text = NULL;
	size_t len = 0;
	int n = 0, r;

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

/* Ask the shops for expected returns now: one [connector NAME], or every
 * one that pulls.  What came in shows in `retourctl status` after. */
static int cli_expected_pull(const struct cli_opts *o)
{
	char body[160];
	json_t *answer;
	int r;

	if (o->n_pos > 3)
		return cli_usage("expected pull takes at most one connector");
	if (o->n_pos == 3) {
		json_t *b = json_pack("{s:s}", "connector", o->pos[2]);
		char *text = b ? json_dumps(b, JSON_COMPACT) : NULL;

		json_decref(b);
		if (!text || strlen(text) >= sizeof(body)) {
			free(text);
			return cli_usage("'%.40s' is no connector name",
					 o->pos[2]);
		}
		snprintf(body, sizeof(body), "%s", text);
		free(text);
		r = cli_rpc_call(o, "POST", "/api/v1/pull", body, strlen(body),
				 &answer);
	} else {
		r = cli_rpc_call(o, "POST", "/api/v1/pull", NULL, 0, &answer);
	}
	if (r)
		return CLI_FAILED;
	if (o->json)
		cli_print_json(answer);
	else
		printf("asked %s for expected returns now; `retourctl status` "
		       "shows what came in\n",
		       o->n_pos == 3 ? o->pos[2] : "every shop that pulls");
	json_decref(answer);
	return CLI_OK;
}

int cli_cmd_expected(const struct cli_opts *o)
{
	if (o->n_pos == 2 && !strcmp(o->pos[1], "list"))
		return cli_records_list(o, "/api/v1/expected", "expected",
					"no expected returns",
					cli_expected_columns);
	if (o->n_pos >= 2 && !strcmp(o->pos[1], "import"))
		return cli_expected_import(o);
	if (o->n_pos >= 2 && !strcmp(o->pos[1], "pull"))
		return cli_expected_pull(o);
	return cli_usage("expected needs 'list', 'import FILE' or 'pull "
			 "[CONNECTOR]'");
}
