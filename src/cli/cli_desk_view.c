/* SPDX-License-Identifier: MIT */
/*
 * The desk's state as a clerk reads it, for `retourctl desk ...` and
 * `retourctl status` (cli_desk.c): the step, the prompt, the problem, the
 * answers the step takes, the ways on it offers (a code not found, a
 * receipt left open, a unit being taken out), the proposal with its
 * reasons, the last decision, the clerk and their role, the clock; and for
 * status, the devices and the shops that pull.  A key the daemon leaves
 * out prints as nothing, never as a failure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"

/* What the checklist step takes, from its kind. */
static void cli_print_answers(const json_t *checklist)
{
	const char *kind = cli_field_text(checklist, "kind");
	json_t *choices = json_object_get(checklist, "choices"), *c;
	json_t *item = json_object_get(checklist, "item");
	size_t i, n = json_array_size(choices);

	printf("%-10s ", "answer:");
	if (!strcmp(kind, "pass_fail")) {
		printf("pass or fail");
	} else if (!strcmp(kind, "instruction")) {
		printf("done");
	} else if (!strcmp(kind, "photo")) {
		printf("a photo: desk photo (or press the pedal)");
	} else if (!strcmp(kind, "measure")) {
		printf("a measurement in %s, %s to %s",
		       cli_field_text(checklist, "unit"),
		       cli_field_text(checklist, "min"),
		       json_is_integer(json_object_get(checklist, "max"))
			   ? cli_field_text(checklist, "max")
			   : "any");
	} else if (n) {
		json_array_foreach(choices, i, c)
		{
			printf("%s%s",
			       i == 0	    ? ""
			       : i + 1 == n ? " or "
					    : ", ",
			       json_is_string(c) ? json_string_value(c) : "?");
		}
	} else {
		printf("(%s)", kind);
	}
	if (json_is_integer(item))
		printf("  (item %" JSON_INTEGER_FORMAT ", step %s)",
		       json_integer_value(item) + 1,
		       cli_field_text(checklist, "step"));
	putchar('\n');
}

/* The ways on the desk offers now, each with the command that takes it:
 * a code not found, a receipt left open, a unit being taken out. */
static void cli_print_ways_on(const json_t *st)
{
	json_t *not_found = json_object_get(st, "not_found");
	json_t *left_open = json_object_get(st, "left_open");
	json_t *removing = json_object_get(st, "removing");

	if (json_is_string(not_found)) {
		printf("%-10s %s matched no expected return; either\n",
		       "not found:", json_string_value(not_found));
		printf("%-10s scan the order or tracking number to search by "
		       "it (desk scan NUMBER)\n",
		       "");
		printf("%-10s or start an unexpected return with %s (desk "
		       "unexpected)\n",
		       "", json_string_value(not_found));
	}
	if (json_is_object(left_open)) {
		printf("%-10s receipt %s (%s, %s) %s\n",
		       "left open:", cli_field_text(left_open, "receipt"),
		       cli_field_text(left_open, "code"),
		       cli_field_text(left_open, "routine"),
		       cli_field_text(left_open, "text"));
		printf("%-10s resume: desk scan %s; abandon: desk cancel\n", "",
		       cli_field_text(left_open, "code"));
	}
	if (json_is_true(removing))
		printf("%-10s yes: the next item scanned is taken out (desk "
		       "remove again: counted after all)\n",
		       "removing:");
	else if (json_is_false(removing))
		printf("%-10s no (desk remove: take a unit out of the box)\n",
		       "removing:");
}

/* The clock: "synchronised", or why nothing is decided yet. */
static void cli_print_clock(const json_t *c)
{
	const char *state = json_string_value(json_object_get(c, "state"));

	if (!state)
		return;
	if (!strcmp(state, "synchronised"))
		printf("%-10s synchronised (%s)\n",
		       "clock:", cli_field_text(c, "source"));
	else
		printf("%-10s %s\n", "clock:", cli_field_text(c, "text"));
}

/* What the image's first boot found missing, and an update under way or
 * just ended (both only when there is one). */
static void cli_print_system(const json_t *st)
{
	json_t *missing = json_object_get(st, "setup_missing");
	json_t *update = json_object_get(st, "update"), *v;
	json_t *reason = json_object_get(update, "reason");
	size_t i;

	if (json_array_size(missing)) {
		printf("%-10s this desk is not set up, missing:", "setup:");
		json_array_foreach(missing, i, v) printf(
		    " %s", json_is_string(v) ? json_string_value(v) : "?");
		printf(" (retour.txt on the boot partition)\n");
	}
	if (json_is_object(update))
		printf("%-10s %s (%s): %s\n",
		       "update:", cli_field_text(update, "bundle"),
		       cli_field_text(update, "state"),
		       json_is_string(reason) ? json_string_value(reason)
					      : cli_field_text(update, "text"));
}

/* Step, prompt, problem, what the step takes, the ways on, proposal, last
 * decision, who works the desk. */
void cli_print_desk_state(const json_t *st)
{
	json_t *receipt = json_object_get(st, "receipt");
	json_t *checklist = json_object_get(st, "checklist");
	json_t *proposal = json_object_get(st, "proposal");
	json_t *last = json_object_get(st, "last_decision");
	json_t *role = json_object_get(st, "role");

	printf("%-10s %s", "step:", cli_field_text(st, "step"));
	if (json_is_integer(receipt))
		printf(" (receipt %s, code %s)", cli_field_text(st, "receipt"),
		       cli_field_text(st, "code"));
	putchar('\n');
	printf("%-10s %s\n", "prompt:", cli_field_text(st, "prompt"));
	printf("%-10s %s\n", "problem:", cli_field_text(st, "problem"));
	cli_print_clock(json_object_get(st, "clock"));
	cli_print_system(st);
	if (json_is_object(checklist))
		cli_print_answers(checklist);
	cli_print_ways_on(st);
	if (json_is_object(proposal))
		cli_print_proposal(proposal, 10);
	if (json_is_object(last))
		printf("%-10s receipt %s: %s (undo until %s)\n",
		       "decided:", cli_field_text(last, "receipt"),
		       cli_field_text(last, "verdict"),
		       cli_field_text(last, "undo_until"));
	printf("%-10s %s", "clerk:", cli_field_text(st, "clerk"));
	if (json_is_string(role))
		printf(" (%s)", json_string_value(role));
	putchar('\n');
}

/* One device's line: its name, ok or FAULT, where a simulated one is
 * fed, and its last error. */
static void cli_print_device(const char *name, const json_t *dev)
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

static void cli_print_devices(const json_t *devices)
{
	const char *name;
	json_t *dev;

	printf("devices:\n");
	json_object_foreach((json_t *)devices, name, dev)
	{
		size_t i;
		json_t *one;

		if (!json_is_array(dev)) {
			cli_print_device(name, dev);
			continue;
		}
		/* the scanners: a desk may have several, each on its line */
		if (!json_array_size(dev))
			printf("  %-10s none configured\n", name);
		json_array_foreach(dev, i, one)
		{
			char label[64];

			snprintf(label, sizeof(label), "%s",
				 json_is_string(json_object_get(one, "name"))
				     ? cli_field_text(one, "name")
				     : "scanner");
			cli_print_device(label, one);
		}
	}
}

/* Each connector that pulls expected returns: when it last asked its
 * shop, how that went, how many came in, when it asks next. */
static void cli_print_pull(const json_t *pull)
{
	size_t i;
	json_t *p;

	if (!json_is_array(pull) || !json_array_size(pull))
		return;
	printf("pull:\n");
	json_array_foreach(pull, i, p)
	{
		json_t *err = json_object_get(p, "last_error");

		printf("  %-10s shop %s, every %s s, %s imported\n",
		       cli_field_text(p, "connector"),
		       cli_field_text(p, "shop"), cli_field_text(p, "every_s"),
		       cli_field_text(p, "imported"));
		printf("  %-10s last poll %s, last success %s, next %s\n", "",
		       cli_field_text(p, "last_poll"),
		       cli_field_text(p, "last_success"),
		       cli_field_text(p, "next_poll"));
		if (json_is_string(err))
			printf("  %-10s FAILING (%s in a row): %s\n", "",
			       cli_field_text(p, "failures"),
			       json_string_value(err));
	}
}

/* The whole status: who and where, the desk's state, the light, the
 * devices and the outbox. */
void cli_print_status(const json_t *st)
{
	json_t *devices = json_object_get(st, "devices");
	json_t *outbox = json_object_get(st, "outbox");

	printf("%-10s %s\n", "desk:", cli_field_text(st, "desk"));
	printf("%-10s %s\n", "routine:", cli_field_text(st, "routine"));
	cli_print_desk_state(st);
	printf("%-10s %s%s\n", "light:", cli_field_text(st, "light"),
	       json_is_true(json_object_get(st, "buzzer")) ? " (buzzer on)"
							   : "");
	if (json_is_object(devices))
		cli_print_devices(devices);
	if (json_is_object(outbox))
		printf("%-10s %s pending, %s dead\n",
		       "outbox:", cli_field_text(outbox, "pending"),
		       cli_field_text(outbox, "dead"));
	cli_print_pull(json_object_get(st, "pull"));
}
