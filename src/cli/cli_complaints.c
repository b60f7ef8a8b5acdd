/* SPDX-License-Identifier: MIT */
/*
 * `retourctl complaints due`: the complaints a supervisor must answer soon.
 * The seller has 14 days from receiving a complaint to answer it, or it
 * counts as accepted (art. 7a of the Polish Consumer Rights Act); retourd
 * lists those within [shop] complaint_warn_days of that deadline or past it
 * (GET /api/v1/complaints/due).  This file only asks and prints.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

/* A string field, "-" when missing or empty. */
static const char *cli_complaint_text(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v && v[0] ? v : "-";
}

static void cli_complaint_print(const json_t *c)
{
	json_t *receipt = json_object_get(c, "receipt");
	char rcp[24] = "-";

	if (json_is_integer(receipt))
		snprintf(rcp, sizeof(rcp), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(receipt));
	printf("%-16s %-12s %-8s %-30s %-8s %s\n", cli_complaint_text(c, "rma"),
	       cli_complaint_text(c, "order"), rcp,
	       cli_complaint_text(c, "answer_due_at"),
	       cli_complaint_text(c, "received_from"),
	       json_is_true(json_object_get(c, "deemed_accepted"))
		   ? "PAST DEADLINE: counts as accepted (art. 7a)"
		   : "answer before the deadline");
}

int cli_cmd_complaints(const struct cli_opts *o)
{
	json_t *answer, *c;
	size_t i;

	if (o->n_pos != 2 || strcmp(o->pos[1], "due"))
		return cli_usage("complaints takes: due");
	if (cli_rpc_call(o, "GET", "/api/v1/complaints/due", NULL, 0, &answer))
		return CLI_FAILED;
	if (o->json) {
		cli_print_json(answer);
		json_decref(answer);
		return CLI_OK;
	}
	if (!json_is_array(answer)) {
		json_decref(answer);
		return cli_fail(
		    "complaints due: unexpected answer from retourd "
		    "(no list)");
	}
	if (json_array_size(answer) == 0) {
		printf("no complaint is close to its answer deadline\n");
		json_decref(answer);
		return CLI_OK;
	}
	printf("%-16s %-12s %-8s %-30s %-8s %s\n", "rma", "order", "receipt",
	       "answer due", "from", "state");
	json_array_foreach(answer, i, c)
	{
		cli_complaint_print(c);
	}
	json_decref(answer);
	return CLI_OK;
}
