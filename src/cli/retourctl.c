/* SPDX-License-Identifier: MIT */
/*
 * retourctl: the operators' and scripts' view of a station.  Most commands
 * are thin clients of retourd's local API (docs/API.md) over its Unix
 * socket; "code" and "rules check" run the pure core in-process and need no
 * daemon, so a code or a disputed decision can be checked on any machine.
 *
 * Human text by default, --json for scripts (errors too: {"error": ...} on
 * stdout).  Exit 0 on success, 1 when something failed, the daemon refused
 * (or a check found a problem), 2 on a usage error.  It never changes the
 * database while the daemon runs: the daemon owns it.  backup reads the
 * live file (WAL allows a reader beside the writer), restore and
 * retention purge take the daemon's lock first.
 *
 * This file holds the command line: options, usage, how messages and JSON
 * answers are written, and main(), which hands each command to its file
 * (cli.h lists them).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"

static const char retourctl_usage_text[] =
    "usage: retourctl [--json] [--socket PATH] COMMAND [ARGS]\n"
    "\n"
    "commands (talk to retourd):\n"
    "  status                        the desk: step, prompt, proposal, "
    "devices\n"
    "  desk COMMAND ...              work the desk without its screen: sign "
    "in,\n"
    "                                scan, weigh, answer, confirm, undo, "
    "reprint\n"
    "                                (retourctl desk --help lists them)\n"
    "  scan CODE                     enter a code by hand, as if scanned\n"
    "  returns list [--order O] [--rma R] [--tracking T] [--status S]\n"
    "               [--from WHEN] [--to WHEN] [--limit N]\n"
    "                                receipts, newest first; each option\n"
    "                                narrows the list: the expected return's\n"
    "                                order, RMA or tracking number (or the\n"
    "                                code scanned), a state (open, decided,\n"
    "                                cancelled, undone) or a verdict (accept,\n"
    "                                partial, reject, hold, qc_passed,\n"
    "                                qc_failed), received from/to a day\n"
    "                                YYYY-MM-DD (the shop's, whole) or an\n"
    "                                RFC 3339 time; at most N (default 100)\n"
    "  returns show ID               one receipt in detail\n"
    "  expected list                 the expected returns\n"
    "  expected import FILE          import expected returns (JSON; - = "
    "stdin)\n"
    "  expected pull [CONNECTOR]     ask the shops (one [connector]) for\n"
    "                                expected returns now\n"
    "  outbox list [--state S]       outbox rows "
    "(pending|done|dead|cancelled)\n"
    "  outbox retry ID               deliver an outbox row again now\n"
    "  db check                      database integrity (exit 1 if bad)\n"
    "  audit verify                  audit hash chain (exit 1 if broken)\n"
    "  complaints due                complaints close to or past their\n"
    "                                14-day answer deadline\n"
    "  evidence ID [-o FILE.pdf] [--zip FILE.zip]\n"
    "                                receipt ID's dispute pack: the PDF\n"
    "                                (default receipt-ID-evidence.pdf), and\n"
    "                                with --zip its photos and manifest\n"
    "  evidence verify FILE.zip      check a pack's photos against its\n"
    "                                manifest, and the manifest against\n"
    "                                this station's audit chain when\n"
    "                                retourd answers (exit 1 names the file\n"
    "                                that does not match)\n"
    "  system [status]               the station image: slots, version, the\n"
    "                                update (from retourd)\n"
    "  system bundles                update bundles on removable drives\n"
    "  system install BUNDLE [--supervisor BADGE]\n"
    "                                install a bundle through retourd, as\n"
    "                                the station page does (a listed one\n"
    "                                from its drive, any other file sent),\n"
    "                                and wait for the outcome\n"
    "\n"
    "commands (no daemon needed):\n"
    "  code CODE [-c CONFIG] [--rma-pattern P] [--order-pattern P]\n"
    "                                classify a code as the desk does, with\n"
    "                                the station's patterns (CONFIG, else\n"
    "                                conf/sim.conf here, else\n"
    "                                /etc/retour/retourd.conf); verify its\n"
    "                                check digit (write GS/FNC1 as <GS> or\n"
    "                                \\x1d)\n"
    "  rules check CASE.json         run the rules engine on a case file\n"
    "  decode IMAGE... [-c CONFIG]   read the barcodes in PNG/JPEG files with\n"
    "                                the camera's decoder (its [camera]\n"
    "                                symbologies from CONFIG, else all);\n"
    "                                exit 1 when a file is unreadable or no\n"
    "                                code is found\n"
    "  backup [DEST] [-c CONFIG]     copy the database (online, while the\n"
    "                                desk works) and the photos not yet in\n"
    "                                DEST (a mounted drive or a directory;\n"
    "                                default: [backup] destination) into\n"
    "                                DEST/retour-TIME with a manifest of\n"
    "                                hashes\n"
    "  restore SRC [--force] [-c CONFIG]\n"
    "                                put a backup (SRC: one, or the newest\n"
    "                                in SRC) onto this station, retourd\n"
    "                                stopped; --force replaces a station\n"
    "                                that holds records (kept beside)\n"
    "  retention report [--at WHEN] [-c CONFIG]\n"
    "                                what the retention periods purge next,\n"
    "                                with dates\n"
    "  retention purge [--at WHEN] [-c CONFIG]\n"
    "                                purge what expired now (or at WHEN),\n"
    "                                retourd stopped (it purges daily)\n"
    "  system update FILE            install a signed update bundle with\n"
    "                                RAUC (the station image, as root): it\n"
    "                                starts at the next boot\n"
    "  help                          this text (COMMAND --help: one\n"
    "                                command's)\n"
    "  version                       retourctl's version (also --version)\n"
    "\n"
    "options:\n"
    "  --json            machine-readable output; errors too, as\n"
    "                    {\"error\": \"...\"} on stdout\n"
    "  --socket PATH     retourd's socket; without it: $RETOUR_SOCKET, "
    "else\n"
    "                    " CLI_SOCKET_SIM " when it exists (`make run` in "
    "this\n"
    "                    checkout), then " CLI_SOCKET_DEFAULT "\n"
    "\n"
    "Exit status: 0 done, 1 failed or refused by retourd, 2 usage error.\n";

/* The text a usage error shows: the desk's for `desk ...`. */
static const char *retourctl_usage_shown = retourctl_usage_text;
/* The command line as parsed so far: which command a usage error is
 * about. */
static const struct cli_opts *retourctl_parsed;

/*
 * The lines of @text about @key (a command, or "desk CMD"): each line
 * that starts "  KEY" and the indented lines that go on from it, printed
 * to @f.  How many lines.
 */
static int retourctl_print_command(FILE *f, const char *text, const char *key)
{
	size_t klen = strlen(key);
	bool in = false;
	int n = 0;

	while (*text) {
		const char *end = strchr(text, '\n');
		size_t len = end ? (size_t)(end - text) + 1 : strlen(text);

		if (!strncmp(text, "  ", 2) && text[2] != ' ')
			in = !strncmp(text + 2, key, klen) &&
			     (text[2 + klen] == ' ' || text[2 + klen] == '\n');
		else if (strncmp(text, "    ", 4))
			in = false; /* a heading or a blank line */
		if (in) {
			fwrite(text, 1, len, f);
			n++;
		}
		text += len;
	}
	return n;
}

/* The command a usage error or --help is about ("desk CMD" for the
 * desk's), "" when none was given. */
static void retourctl_usage_key(char *key, size_t size)
{
	const struct cli_opts *o = retourctl_parsed;

	key[0] = '\0';
	if (!o || o->n_pos == 0)
		return;
	if (!strcmp(o->pos[0], "desk") && o->n_pos > 1)
		snprintf(key, size, "desk %s", o->pos[1]);
	else
		snprintf(key, size, "%s", o->pos[0]);
}

/* The usage line of @text (its first), then @key's lines, if any. */
static int retourctl_print_usage_of(FILE *f, const char *text, const char *key)
{
	const char *nl = strchr(text, '\n');

	fwrite(text, 1, nl ? (size_t)(nl - text) + 1 : strlen(text), f);
	return key[0] ? retourctl_print_command(f, text, key) : 0;
}
/* --json anywhere on the line: every error is JSON on stdout. */
static bool retourctl_json_errors;

/* Under --json: {"error": text, ...@extra} on stdout.  Else
 * "retourctl: text" on stderr, every message starting with the program's
 * name so it reads in a script's log too. */
static void cli_say(json_t *extra, const char *fmt, va_list ap)
{
	char text[1024];
	json_t *j;

	vsnprintf(text, sizeof(text), fmt, ap);
	if (!retourctl_json_errors) {
		fprintf(stderr, "retourctl: %s\n", text);
		json_decref(extra);
		return;
	}
	j = json_object();
	/* the text may end cut inside a UTF-8 sequence, or carry a user's
	 * invalid bytes: say it as best JSON can */
	if (json_object_set_new(j, "error", json_string(text)) < 0)
		json_object_set_new(j, "error",
				    json_string("(error text not UTF-8)"));
	if (extra)
		json_object_update(j, extra);
	json_decref(extra);
	cli_print_json(j);
	json_decref(j);
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_say(NULL, fmt, ap);
	va_end(ap);
	if (!retourctl_json_errors) {
		char key[80];

		retourctl_usage_key(key, sizeof(key));
		retourctl_print_usage_of(stderr, retourctl_usage_shown, key);
		fprintf(stderr, "(`%s` lists every command)\n",
			retourctl_usage_shown == retourctl_usage_text
			    ? "retourctl help"
			    : "retourctl desk --help");
	}
	return CLI_USAGE;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_say(NULL, fmt, ap);
	va_end(ap);
	return CLI_FAILED;
}

int cli_fail_with(json_t *extra, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_say(extra, fmt, ap);
	va_end(ap);
	return CLI_FAILED;
}

void cli_print_json(const json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

/*
 * "--name VALUE" or "--name=VALUE" at argv[*i] (advancing *i past a
 * separate value): 1 with *value set, 0 when the argument is another
 * option, -1 when the value is missing.
 */
static int retourctl_opt_value(int argc, char **argv, int *i, const char *name,
			       const char **value)
{
	size_t n = strlen(name);
	const char *arg = argv[*i];

	if (strncmp(arg, name, n))
		return 0;
	if (arg[n] == '=') {
		*value = arg + n + 1;
		return 1;
	}
	if (arg[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*value = argv[++*i];
	return 1;
}

/* --json before "--" anywhere on the line, looked for first: an error in
 * the arguments before it is JSON too. */
static bool retourctl_wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "--json"))
			return true;
	}
	return false;
}

/* Options may stand anywhere; "--" ends them.  0 or CLI_USAGE (said);
 * *help when -h or --help was given. */
static int retourctl_parse_args(int argc, char **argv, struct cli_opts *o,
				bool *help)
{
	const struct {
		const char *name;
		const char **slot;
	} valued[] = {
	    {"--socket", &o->socket},
	    {"--limit", &o->limit},
	    {"--state", &o->state},
	    {"--order", &o->order},
	    {"--rma", &o->rma},
	    {"--tracking", &o->tracking},
	    {"--status", &o->status},
	    {"--from", &o->from},
	    {"--to", &o->to},
	    {"--rma-pattern", &o->rma_pattern},
	    {"--order-pattern", &o->order_pattern},
	    {"--reason", &o->reason},
	    {"--override", &o->override},
	    {"--supervisor", &o->supervisor},
	    {"--remedy", &o->remedy},
	    {"--amount", &o->amount},
	    {"--config", &o->config},
	    {"--at", &o->at},
	    {"-c", &o->config},
	    {"--zip", &o->zip},
	    {"--output", &o->output},
	    {"-o", &o->output},
	};
	size_t n_valued = sizeof(valued) / sizeof(valued[0]);
	bool options_done = false;

	retourctl_parsed = o;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		bool matched = false;

		if (!options_done && !strcmp(arg, "--")) {
			options_done = true;
			continue;
		}
		if (options_done || arg[0] != '-' || arg[1] == '\0') {
			if (o->n_pos >= CLI_MAX_POS)
				return cli_usage("too many arguments");
			o->pos[o->n_pos++] = arg;
			continue;
		}
		if (!strcmp(arg, "--json")) {
			o->json = true;
			continue;
		}
		if (!strcmp(arg, "--force")) {
			o->force = true;
			continue;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			*help = true;
			continue;
		}
		if (!strcmp(arg, "--version") || !strcmp(arg, "-V")) {
			/* a command word, so it may stand anywhere */
			if (o->n_pos >= CLI_MAX_POS)
				return cli_usage("too many arguments");
			o->pos[o->n_pos++] = "version";
			continue;
		}
		for (size_t k = 0; k < n_valued && !matched; k++) {
			int r = retourctl_opt_value(
			    argc, argv, &i, valued[k].name, valued[k].slot);

			if (r < 0)
				return cli_usage("%s needs a value",
						 valued[k].name);
			matched = r > 0;
		}
		if (!matched)
			return cli_usage("unknown option '%s'", arg);
	}
	return 0;
}

/*
 * Where to look for retourd: the socket the user named (--socket, else
 * RETOUR_SOCKET) and nothing else; or the simulated desk `make run` starts
 * in this checkout when its socket is there, then the installed default.
 */
static void retourctl_find_sockets(struct cli_opts *o)
{
	const char *env = getenv("RETOUR_SOCKET");

	if (o->socket && o->socket[0]) {
		o->sockets[o->n_sockets++] = o->socket;
		o->socket_from = "--socket";
		return;
	}
	if (env && env[0]) {
		o->sockets[o->n_sockets++] = env;
		o->socket_from = "RETOUR_SOCKET";
		return;
	}
	/* not there: connecting fails at once and the next is tried */
	o->sockets[o->n_sockets++] = CLI_SOCKET_SIM;
	o->sockets[o->n_sockets++] = CLI_SOCKET_DEFAULT;
}

/* What each command word runs, and whether it talks to retourd. */
static const struct retourctl_command {
	const char *name;
	int (*run)(const struct cli_opts *o);
	bool talks_to_daemon;
} retourctl_commands[] = {
    {"status", cli_cmd_status, true},
    {"desk", cli_cmd_desk, true},
    {"scan", cli_cmd_scan, true},
    {"returns", cli_cmd_returns, true},
    {"expected", cli_cmd_expected, true},
    {"outbox", cli_cmd_outbox, true},
    {"db", cli_cmd_db, true},
    {"audit", cli_cmd_audit, true},
    {"code", cli_cmd_code, false},
    {"rules", cli_cmd_rules, false},
    {"decode", cli_cmd_decode, false},
    {"backup", cli_cmd_backup, false},
    {"restore", cli_cmd_restore, false},
    {"retention", cli_cmd_retention, false},
    {"complaints", cli_cmd_complaints, true},
    {"evidence", cli_cmd_evidence, true},
    {"system", cli_cmd_system, true},
};

static const struct retourctl_command *retourctl_command_named(const char *name)
{
	size_t n = sizeof(retourctl_commands) / sizeof(retourctl_commands[0]);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(retourctl_commands[i].name, name))
			return &retourctl_commands[i];
	return NULL;
}

/* Options that belong to one command only. */
static int retourctl_check_options(const struct cli_opts *o, const char *cmd)
{
	if ((o->rma_pattern || o->order_pattern) && strcmp(cmd, "code"))
		return cli_usage("--rma-pattern and --order-pattern only "
				 "go with code");
	if ((o->limit || o->order || o->rma || o->tracking || o->status ||
	     o->from || o->to) &&
	    strcmp(cmd, "returns"))
		return cli_usage("--limit, --order, --rma, --tracking, "
				 "--status, --from and --to only go with "
				 "returns list");
	if (o->force && strcmp(cmd, "restore"))
		return cli_usage("--force only goes with restore");
	if (o->at && strcmp(cmd, "retention"))
		return cli_usage("--at only goes with retention");
	if ((o->output || o->zip) && strcmp(cmd, "evidence"))
		return cli_usage("-o and --zip only go with evidence");
	if (o->state && strcmp(cmd, "outbox"))
		return cli_usage("--state only goes with outbox list");
	if (o->supervisor && strcmp(cmd, "desk") && strcmp(cmd, "system"))
		return cli_usage("--supervisor only goes with desk confirm "
				 "and system install");
	if ((o->reason || o->override || o->remedy || o->amount) &&
	    strcmp(cmd, "desk"))
		return cli_usage("--reason, --override, --remedy and --amount "
				 "only go with desk weigh and desk confirm");
	return 0;
}

/* --help: one command's lines and the options (`retourctl returns
 * --help`), else the whole text (`help`, `desk --help`, a command the
 * text does not know). */
static int retourctl_help(const struct cli_opts *o)
{
	const char *options = strstr(retourctl_usage_text, "\noptions:\n");
	char key[80];

	retourctl_usage_key(key, sizeof(key));
	if (retourctl_usage_shown != retourctl_usage_text ||
	    !strcmp(key, "help") || !options || o->n_pos == 0) {
		fputs(retourctl_usage_shown, stdout);
		return CLI_OK;
	}
	if (retourctl_print_usage_of(stdout, retourctl_usage_text, key) == 0) {
		fputs(retourctl_usage_text, stdout);
		return CLI_OK;
	}
	fputs(options, stdout);
	return CLI_OK;
}

int main(int argc, char **argv)
{
	const struct retourctl_command *command;
	struct cli_opts o = {0};
	bool help = false;
	const char *cmd;
	int r;

	retourctl_json_errors = retourctl_wants_json(argc, argv);
	r = retourctl_parse_args(argc, argv, &o, &help);
	if (r)
		return r;
	if (o.n_pos > 0 && !strcmp(o.pos[0], "desk"))
		retourctl_usage_shown = cli_desk_usage_text;
	if (help || (o.n_pos > 0 && !strcmp(o.pos[0], "help")) ||
	    (o.n_pos == 2 && !strcmp(o.pos[0], "desk") &&
	     !strcmp(o.pos[1], "help")))
		return retourctl_help(&o);
	if (o.n_pos > 0 && !strcmp(o.pos[0], "version")) {
		printf("retourctl %s\n", RETOUR_VERSION);
		return CLI_OK;
	}
	if (o.n_pos == 0)
		return cli_usage("no command given");
	cmd = o.pos[0];
	r = retourctl_check_options(&o, cmd);
	if (r)
		return r;
	command = retourctl_command_named(cmd);
	if (!command)
		return cli_usage("unknown command '%s'", cmd);
	if (!command->talks_to_daemon)
		return command->run(&o);
	retourctl_find_sockets(&o);
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return cli_fail("cannot start libcurl");
	r = command->run(&o);
	curl_global_cleanup();
	return r;
}
