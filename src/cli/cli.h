/* SPDX-License-Identifier: MIT */
/*
 * What retourctl's files share (internal to src/cli): the parsed
 * command line, the exit codes, the way a message reaches the user, one
 * request to retourd, and the commands main() dispatches to.
 *
 *   retourctl.c    arguments, usage, --json output, main()
 *   cli_rpc.c      HTTP over retourd's Unix socket
 *   cli_records.c  commands that read or change the daemon's records
 *   cli_offline.c  commands that run the pure core and need no daemon
 *   cli_case.c     the rules case reader behind `rules check`
 *
 * retourctl writes its own messages to stderr; it is a user's tool, not a
 * daemon, so it does not use log.h.
 */
#ifndef RETOUR_CLI_H
#define RETOUR_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define CLI_MAX_POS 4

/* Exit codes: success, something failed or a check found a problem, and a
 * command line that makes no sense (usage printed). */
enum {
	CLI_OK = 0,
	CLI_FAILED = 1,
	CLI_USAGE = 2,
};

/* The command line: options, then up to CLI_MAX_POS words (the command
 * and its arguments). */
struct cli_opts {
	bool json;
	const char *socket;
	const char *limit;
	const char *state;
	const char *rma_pattern;
	const char *order_pattern;
	const char *config; /* -c FILE: the station's configuration */
	int n_pos;
	const char *pos[CLI_MAX_POS];
};

/* "retourctl: <message>" and the usage text on stderr; returns CLI_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "retourctl: <message>" on stderr; returns CLI_FAILED. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An answer under --json: indented, keys in the order they came. */
void cli_print_json(const json_t *j);

/*
 * One request to retourd at o->socket.  @method is "GET" or "POST" (a POST
 * sends @body, @body_len bytes of JSON).  CLI_OK with *answer the parsed
 * JSON of a 2xx answer (json_decref it), or CLI_FAILED after saying on
 * stderr what went wrong, as the user should read it.
 */
int cli_rpc_call(const struct cli_opts *o, const char *method, const char *path,
		 const char *body, size_t body_len, json_t **answer);

/* The commands; each checks its own arguments and returns an exit code.
 * The records commands need curl_global_init() first. */
int cli_cmd_status(const struct cli_opts *o);
int cli_cmd_scan(const struct cli_opts *o);
int cli_cmd_returns(const struct cli_opts *o);
int cli_cmd_expected(const struct cli_opts *o);
int cli_cmd_outbox(const struct cli_opts *o);
int cli_cmd_db(const struct cli_opts *o);
int cli_cmd_audit(const struct cli_opts *o);
int cli_cmd_code(const struct cli_opts *o);
int cli_cmd_rules(const struct cli_opts *o);

#endif
