/* SPDX-License-Identifier: MIT */
/*
 * The desk without its screen: `retourctl desk ...` walks the whole
 * routine through retourd's API (sign in, choose the routine, scan, weigh
 * or type a weight in, photos, items, take a unit out, an unexpected
 * return, the checklist's answers, confirm or override, back, cancel,
 * undo, reprint, the buttons), and `status` and `scan` show where the desk
 * is.  After each command it prints the desk's state as a clerk reads it
 * (cli_desk_view.c).
 *
 * The daemon decides: a command it refuses comes back as its error text
 * and exit status 1 (cli_rpc.c).  Here only the command line is checked.
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

const char cli_desk_usage_text[] =
    "usage: retourctl [--json] [--socket PATH] desk COMMAND [ARGS]\n"
    "\n"
    "The desk's routine without its screen; each command prints where the\n"
    "desk is then (step, prompt, problem, proposal, last decision).\n"
    "\n"
    "  desk status                   where the desk is\n"
    "  desk signin BADGE             sign in (a badge, as if scanned)\n"
    "  desk signout                  sign out, between parcels\n"
    "  desk routine return|ship_qc   choose the routine, between parcels\n"
    "  desk scan CODE                a parcel's code or an item's, as if "
    "scanned\n"
    "  desk weigh                    ask the scale again\n"
    "  desk weigh GRAMS --reason TEXT\n"
    "                                type the weight in (the scale cannot "
    "weigh;\n"
    "                                1 to 1000000 g, the reason is "
    "recorded)\n"
    "  desk photo                    take a photo now\n"
    "  desk zero                     zero the empty scale, between parcels\n"
    "  desk skip [--reason TEXT]     skip the weigh or photo step (the\n"
    "                                record keeps the reason, else the\n"
    "                                device's state)\n"
    "  desk items-done               every item is scanned (a partial "
    "return)\n"
    "  desk remove [CODE]            ship-QC: take a unit out of the box "
    "(the next\n"
    "                                item scanned, or CODE at once; from a "
    "later\n"
    "                                step the desk goes back to the items)\n"
    "  desk unexpected               after \"not found\": start an "
    "unexpected return\n"
    "                                with that code (held for review)\n"
    "  desk answer ANSWER            answer the checklist step: done, pass, "
    "fail,\n"
    "                                a grade (A, B, C, scrap) or a "
    "measurement\n"
    "  desk confirm                  confirm the proposal\n"
    "  desk confirm --override VERDICT --reason TEXT [--supervisor BADGE]\n"
    "                                decide otherwise (accept, partial, "
    "reject,\n"
    "                                hold; ship-QC: qc_passed, qc_failed);\n"
    "                                paying what the proposal refused needs "
    "a\n"
    "                                supervisor\n"
    "  desk confirm --remedy REMEDY [--amount MINOR]\n"
    "                                a complaint's remedy: repair, replace,\n"
    "                                refund (the default) or reduce by "
    "MINOR\n"
    "                                units of the currency (grosze, cents)\n"
    "  desk back                     one step back\n"
    "  desk cancel                   abandon the current parcel (between "
    "parcels:\n"
    "                                the receipt left open)\n"
    "  desk undo RECEIPT             undo a decision within its grace "
    "period\n"
    "  desk reprint RECEIPT          print a decided receipt's label again\n"
    "  desk press accept|reject|pedal  press a desk button\n"
    "  desk press parcel             a parcel put down before the sensor\n"
    "\n"
    "Exit status: 0 done, 1 refused by retourd (its reason is shown), 2 "
    "usage error.\n";

/* How long a pressed button may take to show in the status: a press is
 * queued like a GPIO edge (202), not done when the request returns. */
#define CLI_DESK_PRESS_WAIT_MS 2000
#define CLI_DESK_POLL_MS 50

/* ---- one command to the desk ---- */

static int cli_desk_get_status(const struct cli_opts *o, json_t **st)
{
	return cli_rpc_call(o, "GET", "/api/v1/status", NULL, 0, st);
}

/* A refused command (409) that leaves the desk offering ways on, as a
 * code not found does: the state on stdout after the refusal, so the
 * clerk reads what to do next. */
static void cli_desk_show_ways_on(const struct cli_opts *o)
{
	json_t *st = NULL;

	if (o->json || cli_rpc_last_status() != 409 ||
	    cli_desk_get_status(o, &st))
		return;
	if (json_is_string(json_object_get(st, "not_found")))
		cli_print_desk_state(st);
	json_decref(st);
}

/* @method @path with @body (consumed; NULL: none), then the desk's state:
 * under --json the answer as it came, else @done (if any) and the state
 * from the answer, or from a fresh status when the answer is not one. */
static int cli_desk_send(const struct cli_opts *o, const char *method,
			 const char *path, json_t *body, const char *done)
{
	char *text = NULL;
	json_t *answer, *st = NULL;
	int r;

	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		if (!text)
			return cli_fail("%s: the text is not valid UTF-8",
					path);
	}
	r = cli_rpc_call(o, method, path, text, text ? strlen(text) : 0,
			 &answer);
	free(text);
	if (r) {
		cli_desk_show_ways_on(o);
		return r;
	}
	if (o->json) {
		cli_print_json(answer);
		json_decref(answer);
		return CLI_OK;
	}
	if (done)
		printf("%s\n", done);
	if (json_object_get(answer, "step")) {
		cli_print_desk_state(answer);
	} else if (!cli_desk_get_status(o, &st)) {
		cli_print_desk_state(st);
		json_decref(st);
	}
	json_decref(answer);
	return CLI_OK;
}

/* POST @path with no body. */
static int cli_desk_post(const struct cli_opts *o, const char *path)
{
	return cli_desk_send(o, "POST", path, NULL, NULL);
}

/* POST @path with @body, which json_pack() made: NULL when a text was not
 * UTF-8 (nothing is sent then). */
static int cli_desk_post_body(const struct cli_opts *o, const char *path,
			      json_t *body, const char *done)
{
	if (!body)
		return cli_fail("desk %s: the text is not valid UTF-8; nothing "
				"sent",
				o->n_pos > 1 ? o->pos[1] : "");
	return cli_desk_send(o, "POST", path, body, done);
}

/* A receipt id: 1.., digits only. */
static bool cli_desk_receipt(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 1)
		return false;
	*out = v;
	return true;
}

/* A whole number typed in (grams of a weight, minor units of an amount):
 * digits only; the daemon checks the range and says it. */
static bool cli_desk_whole(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* Two fields alike, a missing one alike only another missing one
 * (json_equal() calls two NULLs different). */
static bool cli_desk_same(const json_t *a, const json_t *b)
{
	return (!a && !b) || (a && b && json_equal((json_t *)a, (json_t *)b));
}

/* The fields that tell one moment of the desk from the next. */
static bool cli_desk_moved(const json_t *a, const json_t *b)
{
	static const char *const keys[] = {
	    "step", "prompt", "problem", "receipt", "light", "last_decision"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!cli_desk_same(json_object_get(a, keys[i]),
				   json_object_get(b, keys[i])))
			return true;
	return false;
}

static void cli_desk_sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* A button is queued like a GPIO edge: the state shown is the desk's once
 * the press has shown in it (or after CLI_DESK_PRESS_WAIT_MS). */
static int cli_desk_press(const struct cli_opts *o, const char *button)
{
	char path[64];
	json_t *before = NULL, *answer, *now = NULL;
	int r;

	if (strcmp(button, "accept") && strcmp(button, "reject") &&
	    strcmp(button, "pedal") && strcmp(button, "parcel"))
		return cli_usage("desk press takes accept, reject, pedal or "
				 "parcel, not '%s'",
				 button);
	snprintf(path, sizeof(path), "/api/v1/buttons/%s", button);
	if (!o->json && cli_desk_get_status(o, &before))
		return CLI_FAILED;
	r = cli_rpc_call(o, "POST", path, "", 0, &answer);
	if (r) {
		json_decref(before);
		return r;
	}
	if (o->json) {
		cli_print_json(answer);
		json_decref(answer);
		return CLI_OK;
	}
	json_decref(answer);
	for (long waited = 0; waited <= CLI_DESK_PRESS_WAIT_MS;
	     waited += CLI_DESK_POLL_MS) {
		json_decref(now);
		now = NULL;
		if (cli_desk_get_status(o, &now)) {
			json_decref(before);
			return CLI_FAILED;
		}
		if (cli_desk_moved(before, now))
			break;
		cli_desk_sleep_ms(CLI_DESK_POLL_MS);
	}
	printf("pressed %s\n", button);
	cli_print_desk_state(now);
	json_decref(now);
	json_decref(before);
	return CLI_OK;
}

/* desk weigh [GRAMS --reason TEXT] */
static int cli_desk_weigh(const struct cli_opts *o)
{
	long long grams;

	if (o->n_pos == 2) {
		if (o->reason)
			return cli_usage("--reason goes with a weight typed "
					 "in: desk weigh GRAMS --reason TEXT");
		return cli_desk_post(o, "/api/v1/weigh");
	}
	if (o->n_pos != 3)
		return cli_usage("desk weigh takes at most one GRAMS");
	if (!cli_desk_whole(o->pos[2], &grams))
		return cli_usage("'%s' is not a weight in whole grams",
				 o->pos[2]);
	if (!o->reason || !o->reason[0])
		return cli_usage("a weight typed in needs --reason TEXT (why "
				 "the scale did not weigh it)");
	return cli_desk_post_body(o, "/api/v1/weigh",
				  json_pack("{s:I,s:s}", "grams",
					    (json_int_t)grams, "reason",
					    o->reason),
				  NULL);
}

/* A complaint's remedy (and the amount of a reduction) added to @body
 * (consumed); NULL when a text was not UTF-8. */
static json_t *cli_desk_add_remedy(const struct cli_opts *o, json_t *body,
				   long long amount)
{
	if (body && o->remedy &&
	    json_object_set_new(body, "remedy", json_string(o->remedy)) < 0) {
		json_decref(body);
		return NULL;
	}
	if (body && o->amount)
		json_object_set_new(body, "amount_minor",
				    json_integer((json_int_t)amount));
	return body;
}

/* desk confirm, or desk confirm --override VERDICT --reason TEXT, either
 * with a complaint's --remedy: the proposal's own verdict is read from the
 * status, so the clerk confirms what the desk shows. */
static int cli_desk_confirm(const struct cli_opts *o)
{
	json_t *st, *body;
	const char *verdict;
	long long amount = 0;

	if (o->n_pos != 2)
		return cli_usage("desk confirm takes no arguments (override "
				 "with --override VERDICT --reason TEXT)");
	if (o->amount && !o->remedy)
		return cli_usage("--amount goes with --remedy reduce");
	if (o->amount && !cli_desk_whole(o->amount, &amount))
		return cli_usage("--amount is a whole number of the currency's "
				 "minor units (15000 for 150.00 PLN), not "
				 "'%s'",
				 o->amount);
	if (o->override) {
		if (!o->reason || !o->reason[0])
			return cli_usage("an override needs --reason TEXT");
		body = json_pack("{s:s,s:s}", "verdict", o->override, "reason",
				 o->reason);
		if (body && o->supervisor &&
		    json_object_set_new(body, "supervisor",
					json_string(o->supervisor)) < 0) {
			json_decref(body);
			body = NULL;
		}
		return cli_desk_post_body(o, "/api/v1/confirm",
					  cli_desk_add_remedy(o, body, amount),
					  NULL);
	}
	if (o->reason || o->supervisor)
		return cli_usage("--reason and --supervisor go with "
				 "--override VERDICT");
	if (cli_desk_get_status(o, &st))
		return CLI_FAILED;
	verdict = json_string_value(
	    json_object_get(json_object_get(st, "proposal"), "verdict"));
	if (!verdict) {
		int r = cli_fail_with(
		    json_pack("{s:s}", "step", cli_field_text(st, "step")),
		    "desk confirm: nothing to confirm, the desk is at step %s "
		    "(no proposal)",
		    cli_field_text(st, "step"));

		json_decref(st);
		return r;
	}
	body = json_pack("{s:s}", "verdict", verdict);
	json_decref(st);
	return cli_desk_post_body(o, "/api/v1/confirm",
				  cli_desk_add_remedy(o, body, amount), NULL);
}

/* desk undo RECEIPT, desk reprint RECEIPT */
static int cli_desk_receipt_command(const struct cli_opts *o, const char *path)
{
	char done[96];
	long long id;

	if (o->n_pos != 3)
		return cli_usage("desk %s needs one RECEIPT", o->pos[1]);
	if (!cli_desk_receipt(o->pos[2], &id))
		return cli_usage("'%s' is not a receipt id", o->pos[2]);
	snprintf(done, sizeof(done),
		 !strcmp(o->pos[1], "undo")
		     ? "receipt %lld undone"
		     : "label of receipt %lld queued for the printer",
		 id);
	return cli_desk_post_body(
	    o, path, json_pack("{s:I}", "receipt", (json_int_t)id), done);
}

/* The commands that carry one word in one field. */
static int cli_desk_word(const struct cli_opts *o, const char *path,
			 const char *field, const char *what)
{
	if (o->n_pos != 3)
		return cli_usage("desk %s needs one %s", o->pos[1], what);
	return cli_desk_post_body(o, path, json_pack("{s:s}", field, o->pos[2]),
				  NULL);
}

/* desk remove [CODE] */
static int cli_desk_remove(const struct cli_opts *o)
{
	if (o->n_pos == 2)
		return cli_desk_post(o, "/api/v1/remove");
	if (o->n_pos != 3)
		return cli_usage("desk remove takes at most one CODE");
	return cli_desk_post_body(o, "/api/v1/remove",
				  json_pack("{s:s}", "code", o->pos[2]), NULL);
}

/* The commands without arguments: the request alone. */
static const struct {
	const char *name;
	const char *method;
	const char *path;
} cli_desk_plain[] = {
    {"photo", "POST", "/api/v1/photo"},
    {"skip", "POST", "/api/v1/skip"},
    {"items-done", "POST", "/api/v1/items-done"},
    {"back", "POST", "/api/v1/back"},
    {"cancel", "POST", "/api/v1/cancel"},
    {"unexpected", "POST", "/api/v1/unexpected"},
    {"signout", "DELETE", "/api/v1/clerk"},
    {"zero", "POST", "/api/v1/scale/zero"},
};

static int cli_desk_options(const struct cli_opts *o, const char *sub)
{
	bool weigh = !strcmp(sub, "weigh"), confirm = !strcmp(sub, "confirm");

	if ((o->override || o->supervisor || o->remedy || o->amount) &&
	    !confirm)
		return cli_usage("--override, --supervisor, --remedy and "
				 "--amount go with desk confirm");
	if (o->supervisor && !o->override)
		return cli_usage("--supervisor goes with --override VERDICT");
	if (o->reason && !weigh && !confirm && strcmp(sub, "skip"))
		return cli_usage("--reason goes with desk weigh GRAMS, desk "
				 "skip and desk confirm --override");
	return 0;
}

int cli_cmd_desk(const struct cli_opts *o)
{
	const char *sub;
	int r;

	if (o->n_pos < 2)
		return cli_usage("desk needs a COMMAND");
	sub = o->pos[1];
	r = cli_desk_options(o, sub);
	if (r)
		return r;
	for (size_t i = 0;
	     i < sizeof(cli_desk_plain) / sizeof(cli_desk_plain[0]); i++) {
		if (strcmp(sub, cli_desk_plain[i].name))
			continue;
		if (o->n_pos != 2)
			return cli_usage("desk %s takes no arguments", sub);
		if (o->reason) /* desk skip --reason TEXT */
			return cli_desk_post_body(
			    o, cli_desk_plain[i].path,
			    json_pack("{s:s}", "reason", o->reason), NULL);
		return cli_desk_send(o, cli_desk_plain[i].method,
				     cli_desk_plain[i].path, NULL, NULL);
	}
	if (!strcmp(sub, "status")) {
		if (o->n_pos != 2)
			return cli_usage("desk status takes no arguments");
		return cli_desk_send(o, "GET", "/api/v1/status", NULL, NULL);
	}
	if (!strcmp(sub, "signin"))
		return cli_desk_word(o, "/api/v1/clerk", "badge", "BADGE");
	if (!strcmp(sub, "routine"))
		return cli_desk_word(o, "/api/v1/routine", "routine",
				     "ROUTINE (return or ship_qc)");
	if (!strcmp(sub, "scan"))
		return cli_desk_word(o, "/api/v1/scan", "code", "CODE");
	if (!strcmp(sub, "answer"))
		return cli_desk_word(o, "/api/v1/answer", "answer", "ANSWER");
	if (!strcmp(sub, "weigh"))
		return cli_desk_weigh(o);
	if (!strcmp(sub, "remove"))
		return cli_desk_remove(o);
	if (!strcmp(sub, "confirm"))
		return cli_desk_confirm(o);
	if (!strcmp(sub, "undo"))
		return cli_desk_receipt_command(o, "/api/v1/undo");
	if (!strcmp(sub, "reprint"))
		return cli_desk_receipt_command(o, "/api/v1/reprint");
	if (!strcmp(sub, "press")) {
		if (o->n_pos != 3)
			return cli_usage("desk press needs accept, reject or "
					 "pedal");
		return cli_desk_press(o, o->pos[2]);
	}
	return cli_usage("unknown desk command '%s'", sub);
}

/* ---- status and scan ---- */

int cli_cmd_status(const struct cli_opts *o)
{
	json_t *st;

	if (o->n_pos != 1)
		return cli_usage("status takes no arguments");
	if (cli_desk_get_status(o, &st))
		return CLI_FAILED;
	if (o->json)
		cli_print_json(st);
	else
		cli_print_status(st);
	json_decref(st);
	return CLI_OK;
}

int cli_cmd_scan(const struct cli_opts *o)
{
	if (o->n_pos != 2)
		return cli_usage("scan needs one CODE");
	return cli_desk_post_body(o, "/api/v1/scan",
				  json_pack("{s:s}", "code", o->pos[1]), NULL);
}
