/* SPDX-License-Identifier: MIT */
/*
 * The commands that need no daemon: `code CODE` classifies a code and
 * checks its check digit, `rules check CASE.json` runs the rules engine on
 * a case file (read by cli_case.c).  Both call the pure core in-process,
 * so a label or a disputed decision can be checked on any machine, and
 * both print a report: a bad check digit or a reject is an answer, not a
 * failure.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "cli.h"
#include "cli_case.h"
#include "retour/code.h"
#include "retour/rules.h"

/* ---- codes ---- */

/*
 * A GS (FNC1) cannot be typed in a shell argument easily; "<GS>" and
 * "\x1d" stand for it.  Returns the length written to @out.
 */
static size_t cli_code_unescape_gs(const char *in, char *out, size_t size)
{
	size_t n = 0;

	while (*in && n + 1 < size) {
		if (!strncasecmp(in, "<GS>", 4)) {
			out[n++] = 0x1d;
			in += 4;
		} else if (!strncasecmp(in, "\\x1d", 4)) {
			out[n++] = 0x1d;
			in += 4;
		} else {
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
	return n;
}

static const char *cli_code_check_digit(const struct code *c)
{
	if (!c->has_check_digit)
		return "none";
	return c->valid ? "ok" : "bad";
}

/* The classified code as an object; NULL when out of memory. */
static json_t *cli_code_json(const struct code *c)
{
	const struct code_gs1 *g = &c->gs1;
	json_t *j = json_object(), *gs1 = json_object();

	if (!j || !gs1) {
		json_decref(j);
		json_decref(gs1);
		return NULL;
	}
	json_object_set_new(j, "kind", json_string(code_kind_name(c->kind)));
	json_object_set_new(
	    j, "value",
	    json_stringn(c->value, strnlen(c->value, sizeof(c->value))));
	json_object_set_new(j, "valid", json_boolean(c->valid));
	json_object_set_new(j, "check_digit",
			    json_string(cli_code_check_digit(c)));
	json_object_set_new(
	    j, "symbology",
	    json_stringn(c->symbology,
			 strnlen(c->symbology, sizeof(c->symbology))));
	if (g->has_gtin)
		json_object_set_new(gs1, "gtin", json_string(g->gtin));
	if (g->has_batch)
		json_object_set_new(gs1, "batch", json_string(g->batch));
	if (g->has_expiry)
		json_object_set_new(gs1, "expiry", json_string(g->expiry));
	if (g->has_serial)
		json_object_set_new(gs1, "serial", json_string(g->serial));
	if (g->has_sscc)
		json_object_set_new(gs1, "sscc", json_string(g->sscc));
	json_object_set_new(j, "gs1", gs1);
	json_object_set_new(
	    j, "problem",
	    json_stringn(c->problem, strnlen(c->problem, sizeof(c->problem))));
	return j;
}

/* The classified code for a person, GS1 elements by their AI. */
static void cli_code_print(const struct code *c)
{
	const struct code_gs1 *g = &c->gs1;

	printf("%-12s %s\n", "kind:", code_kind_name(c->kind));
	printf("%-12s %.*s\n", "value:", (int)sizeof(c->value), c->value);
	printf("%-12s %s\n", "valid:", c->valid ? "yes" : "no");
	printf("%-12s %s\n", "check digit:", cli_code_check_digit(c));
	printf("%-12s %.*s\n", "symbology:", (int)sizeof(c->symbology),
	       c->symbology[0] ? c->symbology : "-");
	if (g->has_sscc)
		printf("(00) SSCC    %s\n", g->sscc);
	if (g->has_gtin)
		printf("(01) GTIN    %s\n", g->gtin);
	if (g->has_batch)
		printf("(10) batch   %s\n", g->batch);
	if (g->has_expiry)
		printf("(17) expiry  %s (YYMMDD)\n", g->expiry);
	if (g->has_serial)
		printf("(21) serial  %s\n", g->serial);
	if (c->problem[0])
		printf("%-12s %.*s\n", "problem:", (int)sizeof(c->problem),
		       c->problem);
}

int cli_cmd_code(const struct cli_opts *o)
{
	struct code_patterns patterns = {
	    .rma = o->rma_pattern ? o->rma_pattern : "RMA-*",
	    .order = o->order_pattern,
	};
	char raw[CODE_MAX_RAW * 2 + 2];
	struct code c;
	size_t len;
	json_t *j;

	if (o->n_pos != 2)
		return cli_usage("code needs one CODE");
	if (strlen(o->pos[1]) > CODE_MAX_RAW * 2)
		return cli_usage("the code is longer than %d bytes",
				 CODE_MAX_RAW);
	len = cli_code_unescape_gs(o->pos[1], raw, sizeof(raw));
	/* Refused input still fills c with kind unknown and a problem. */
	code_classify(raw, len, &patterns, &c);
	if (!o->json) {
		cli_code_print(&c);
		return CLI_OK;
	}
	j = cli_code_json(&c);
	if (!j)
		return cli_fail("code: out of memory");
	cli_print_json(j);
	json_decref(j);
	return CLI_OK;
}

/* ---- rules ---- */

int cli_cmd_rules(const struct cli_opts *o)
{
	struct cli_case *c;
	struct proposal *p;
	const char *file;
	char err[320];
	bool named;
	int r;

	if (o->n_pos < 2 || strcmp(o->pos[1], "check"))
		return cli_usage("rules needs 'check CASE.json'");
	if (o->n_pos != 3)
		return cli_usage("rules check needs one CASE.json (- for "
				 "stdin)");
	file = o->pos[2];
	c = calloc(1, sizeof(*c));
	p = calloc(1, sizeof(*p));
	if (!c || !p) {
		free(c);
		free(p);
		return cli_fail("rules check: out of memory");
	}
	r = cli_case_load(file, c, err, sizeof(err));
	if (r < 0) {
		/* Say which file, unless the reader's sentence starts with
		 * it (file:line:column). */
		named = !strncmp(err, file, strlen(file));
		r = cli_fail("rules check: %s%s%s", err, named ? "" : " in ",
			     named ? "" : file);
		goto out;
	}
	/* -EINVAL still fills a hold proposal whose reason says why. */
	rules_propose(&c->expected, &c->found, &c->policy, c->now, p);
	if (o->json) {
		json_t *j = cli_case_proposal_json(p, &c->expected);

		if (!j) {
			r = cli_fail("rules check: out of memory");
			goto out;
		}
		cli_print_json(j);
		json_decref(j);
	} else {
		cli_case_proposal_print(stdout, p, &c->expected);
	}
	r = CLI_OK;
out:
	free(c);
	free(p);
	return r;
}
