/* SPDX-License-Identifier: MIT */
/*
 * The commands that need no daemon: `code CODE` classifies a code and
 * checks its check digit, `rules check CASE.json` runs the rules engine on
 * a case file (read by cli_case.c).  Both call the pure core in-process,
 * so a label or a disputed decision can be checked on any machine, and
 * both print a report: a bad check digit or a reject is an answer, not a
 * failure.
 *
 * `code` reads the station's configuration, as retourd does, and calls the
 * same code_classify() with the same patterns (badges from [clerks], the
 * RMA and order patterns, the scanner's prefix and suffix), so a code
 * reads the same here as at the desk.  It says which configuration it
 * used, and every reading of a code that reads more than one way.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cli_case.h"
#include "retour/code.h"
#include "retour/config.h"
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

/* The configuration retourd would read: the one given, else the
 * simulated desk's in a checkout (what `make run` starts), else the
 * installed one.  NULL when none is there: built-in patterns. */
static const char *cli_code_config_path(const struct cli_opts *o)
{
	static const char *const found[] = {"conf/sim.conf",
					    "/etc/retour/retourd.conf"};

	if (o->config && o->config[0])
		return o->config;
	for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++)
		if (access(found[i], R_OK) == 0)
			return found[i];
	return NULL;
}

/* The same patterns as the desk, from the configuration (cfg) and the
 * command line, which wins. */
struct cli_code_setup {
	const char *file; /* NULL: built-in defaults */
	const struct config *cfg;
	struct code_patterns patterns;
};

static bool cli_code_is_badge(const char *text, void *ctx)
{
	const struct config *cfg = ctx;

	for (int i = 0; i < cfg->n_clerks && i < CONFIG_MAX_CLERKS; i++)
		if (!strcmp(cfg->clerks[i].badge, text))
			return true;
	return false;
}

static int cli_code_setup(const struct cli_opts *o, struct cli_code_setup *cs)
{
	static struct config cfg;
	char err[512];

	config_defaults(&cfg);
	cs->file = cli_code_config_path(o);
	if (cs->file && config_load(&cfg, cs->file, NULL, err, sizeof(err)) < 0)
		return cli_fail("code: %s (give another with -c FILE)", err);
	cs->cfg = &cfg;
	cs->patterns = (struct code_patterns){
	    .rma = o->rma_pattern ? o->rma_pattern : cfg.rma_pattern,
	    .order = o->order_pattern ? o->order_pattern : cfg.order_pattern,
	    .strip_prefix = cfg.scanner_prefix,
	    .strip_suffix = cfg.scanner_suffix,
	    .is_badge = cli_code_is_badge,
	    .badge_ctx = &cfg,
	};
	return CLI_OK;
}

static const char *cli_check_digit_word(bool has_check_digit, bool valid)
{
	if (!has_check_digit)
		return "none";
	return valid ? "ok" : "bad";
}

static const char *cli_code_check_digit(const struct code *c)
{
	return cli_check_digit_word(c->has_check_digit, c->valid);
}

/* Reading @i of @c: -1 its own, 0.. its others. */
static void cli_code_reading(const struct code *c, int i,
			     struct code_reading *out)
{
	if (i < 0) {
		out->kind = c->kind;
		out->valid = c->valid;
		out->has_check_digit = c->has_check_digit;
		memcpy(out->value, c->value, sizeof(out->value));
		out->value[sizeof(out->value) - 1] = '\0';
	} else {
		*out = c->other[i];
	}
}

static int cli_code_n_other(const struct code *c)
{
	return c->n_other < 0		     ? 0
	       : c->n_other > CODE_MAX_OTHER ? CODE_MAX_OTHER
					     : c->n_other;
}

static json_t *cli_code_readings_json(const struct code *c)
{
	json_t *a = json_array();

	for (int i = -1; a && i < cli_code_n_other(c); i++) {
		struct code_reading rd;
		char words[128];

		cli_code_reading(c, i, &rd);
		code_reading_describe(rd.kind, rd.valid, rd.has_check_digit,
				      words, sizeof(words));
		json_array_append_new(
		    a, json_pack(
			   "{s:s, s:s, s:b, s:s, s:s}", "kind",
			   code_kind_name(rd.kind), "value", rd.value, "valid",
			   rd.valid, "check_digit",
			   cli_check_digit_word(rd.has_check_digit, rd.valid),
			   "reading", words));
	}
	return a;
}

static json_t *cli_code_config_json(const struct cli_code_setup *cs)
{
	const struct code_patterns *p = &cs->patterns;

	return json_pack("{s:s?, s:s, s:s, s:i}", "file", cs->file,
			 "rma_pattern", p->rma ? p->rma : "", "order_pattern",
			 p->order ? p->order : "", "badges", cs->cfg->n_clerks);
}

/* The classified code as an object; NULL when out of memory. */
static json_t *cli_code_json(const struct code *c,
			     const struct cli_code_setup *cs)
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
	json_object_set_new(j, "readings", cli_code_readings_json(c));
	json_object_set_new(j, "config", cli_code_config_json(cs));
	return j;
}

/* The classified code for a person, GS1 elements by their AI, then every
 * reading, then the configuration whose patterns were used. */
static void cli_code_print(const struct code *c,
			   const struct cli_code_setup *cs)
{
	const struct code_gs1 *g = &c->gs1;
	const struct code_patterns *p = &cs->patterns;

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
	for (int i = -1; i < cli_code_n_other(c); i++) {
		struct code_reading rd;
		char words[128];

		cli_code_reading(c, i, &rd);
		code_reading_describe(rd.kind, rd.valid, rd.has_check_digit,
				      words, sizeof(words));
		printf("%-12s %s: %s\n", i < 0 ? "reading:" : "or:", rd.value,
		       words);
	}
	printf("%-12s %s (rma %s, order %s, %d badges)\n", "patterns:",
	       cs->file ? cs->file : "built-in, no configuration found",
	       p->rma && p->rma[0] ? p->rma : "-",
	       p->order && p->order[0] ? p->order : "-", cs->cfg->n_clerks);
}

int cli_cmd_code(const struct cli_opts *o)
{
	struct cli_code_setup cs;
	char raw[CODE_MAX_RAW * 2 + 2];
	struct code c;
	size_t len;
	json_t *j;
	int r;

	if (o->n_pos != 2)
		return cli_usage("code needs one CODE");
	if (strlen(o->pos[1]) > CODE_MAX_RAW * 2)
		return cli_usage("the code is longer than %d bytes",
				 CODE_MAX_RAW);
	r = cli_code_setup(o, &cs);
	if (r != CLI_OK)
		return r;
	len = cli_code_unescape_gs(o->pos[1], raw, sizeof(raw));
	/* Refused input still fills c with kind unknown and a problem. */
	code_classify(raw, len, &cs.patterns, &c);
	if (!o->json) {
		cli_code_print(&c, &cs);
		return CLI_OK;
	}
	j = cli_code_json(&c, &cs);
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
