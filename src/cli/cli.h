/* SPDX-License-Identifier: MIT */
/*
 * What retourctl's files share (internal to src/cli): the parsed
 * command line, the exit codes, the way a message reaches the user, one
 * request to retourd, and the commands main() dispatches to.
 *
 *   retourctl.c    arguments, usage, --json output and errors, main()
 *   cli_rpc.c      HTTP over retourd's Unix socket, finding the socket
 *   cli_desk.c     the desk's routine (desk ...) and its state (status)
 *   cli_desk_view.c  the desk's state as a clerk reads it
 *   cli_records.c  commands that read or change the daemon's records
 *   cli_expected.c the expected returns: list, import, pull
 *   cli_offline.c  commands that run the pure core and need no daemon
 *   cli_case.c     the rules case reader behind `rules check`
 *   cli_complaints.c  complaints close to their answer deadline
 *   cli_decode.c   the camera's decoder on image files (decode)
 *   cli_backup.c   backup DEST (and what restore shares, cli_backup.h)
 *   cli_backup_restore.c  restore SRC
 *   cli_retention.c  retention report and purge
 *   cli_evidence.c a receipt's dispute pack: the PDF, the ZIP, verify
 *   cli_system.c   system update FILE: RAUC run here, as root
 *   cli_system_station.c  system status, bundles, install: through retourd
 *
 * retourctl writes its own messages to stderr; it is a user's tool, not a
 * daemon, so it does not use log.h.
 */
#ifndef RETOUR_CLI_H
#define RETOUR_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define CLI_MAX_POS 64 /* retourctl decode IMAGE... */
/* Where retourd may listen: --socket or RETOUR_SOCKET alone, else the
 * desk `make run` starts in this checkout, then the installed default. */
#define CLI_MAX_SOCKETS 2
#define CLI_SOCKET_SIM "./run/retourd.sock"
#define CLI_SOCKET_DEFAULT "/run/retour/retourd.sock"

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
	bool force;	/* restore --force: replace a station's records */
	const char *at; /* retention report/purge --at WHEN */
	const char *socket;
	const char *limit;
	const char *state;
	/* returns list: what to look for (GET /api/v1/returns?...) */
	const char *order;
	const char *rma;
	const char *tracking;
	const char *status;
	const char *from;
	const char *to;
	const char *rma_pattern;
	const char *order_pattern;
	const char *reason;	/* desk weigh GRAMS, desk confirm --override */
	const char *override;	/* desk confirm --override VERDICT */
	const char *supervisor; /* desk confirm --override ... --supervisor */
	const char *remedy;	/* desk confirm --remedy: a complaint's */
	const char *amount;	/* desk confirm --remedy reduce --amount */
	const char *config;	/* -c FILE: the station's configuration */
	const char *output;	/* evidence ID -o FILE.pdf */
	const char *zip;	/* evidence ID --zip FILE.zip */
	int n_pos;
	const char *pos[CLI_MAX_POS];
	/* the sockets to try, in order, and whether the user named it
	 * (--socket or RETOUR_SOCKET): then it is the only one */
	int n_sockets;
	const char *sockets[CLI_MAX_SOCKETS];
	const char *socket_from;
};

/* "retourctl: <message>" and the usage text on stderr; returns CLI_USAGE.
 * Under --json, {"error": message} on stdout instead (as for every error
 * below). */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "retourctl: <message>" on stderr; returns CLI_FAILED. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cli_fail, with @extra's fields (consumed; NULL: none) beside "error"
 * under --json, for a script to read without parsing the sentence. */
int cli_fail_with(json_t *extra, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* An answer under --json: indented, keys in the order they came. */
void cli_print_json(const json_t *j);

/*
 * One request to retourd, at the first of o->sockets that answers (and
 * that one for the rest of the run).  @method is "GET", "POST" or "DELETE"
 * (@body, @body_len bytes of JSON, is sent when not NULL; a POST always
 * has one, maybe empty).  CLI_OK with *answer the parsed JSON of a 2xx
 * answer (json_decref it), or CLI_FAILED after saying what went wrong, as
 * the user should read it: the daemon's own error text for a refusal, the
 * sockets tried when none answered.
 */
int cli_rpc_call(const struct cli_opts *o, const char *method, const char *path,
		 const char *body, size_t body_len, json_t **answer);

/* POST @size bytes of @f (open, at its start) to @path as
 * application/octet-stream, streamed (an update's bundle): as
 * cli_rpc_call otherwise. */
int cli_rpc_upload_file(const struct cli_opts *o, const char *path, FILE *f,
			long long size, json_t **answer);

/* GET a check at @path (db check, audit verify): as cli_rpc_call, and
 * an answer that is a check's ({"ok":false,...}) comes back in *answer
 * whatever its status (a check that finds a fault answers 500), for the
 * caller to read "ok". */
int cli_rpc_check(const struct cli_opts *o, const char *path, json_t **answer);

/*
 * GET @path as bytes, whatever they are (a PDF, a ZIP), from the first
 * socket that answers, saying nothing: 0 with *@status and *@data
 * (malloc'd, NUL-terminated, *@len bytes), or -1 with @why saying why no
 * retourd answered.  For the caller to decide what to tell.
 */
int cli_rpc_get_raw(const struct cli_opts *o, const char *path, long *status,
		    char **data, size_t *len, char *why, size_t why_size);

/* The HTTP status of the last request's answer; 0 when retourd did not
 * answer (not reached, or the transport failed). */
long cli_rpc_last_status(void);

/* ---- cli_records.c: an answer's fields as text, shared with cli_desk.c */

/* A field as text: strings as they are, numbers and booleans formatted,
 * missing, empty or null as "-".  Rotating buffers: several fit in one
 * printf. */
const char *cli_field_text(const json_t *obj, const char *key);
/* An amount in minor units at @key, in the currency at @cur_key, as
 * money_format writes it ("112.97 PLN"); "-" when missing. */
const char *cli_field_money(const json_t *obj, const char *key,
			    const char *cur_key);

/* A column of a table: its title and the rows' field; with @currency_key
 * the field is an amount in minor units, with @count an array counted. */
struct cli_column {
	const char *title;
	const char *key;
	const char *currency_key;
	bool count;
};
/* @rows (an array of objects) under a title line, each column as wide as
 * its widest cell, each line after @indent.  @columns ends with a NULL
 * title. */
void cli_print_table(const struct cli_column *columns, const json_t *rows,
		     const char *indent);
/* "proposal:" padded to @width, the verdict and the refund, then the
 * reasons as a table. */
void cli_print_proposal(const json_t *proposal, int width);
/* GET the list at @path, the array itself or an object holding it under
 * @key, and print it as a table of @columns, @none alone when it is empty
 * (as it came under --json).  CLI_OK, or CLI_FAILED once said. */
int cli_records_list(const struct cli_opts *o, const char *path,
		     const char *key, const char *none,
		     const struct cli_column *columns);
/* The desk's state from a status answer: where the desk is and what it
 * offers (after a desk command); and all of it with the devices and the
 * shops that pull (retourctl status). */
void cli_print_desk_state(const json_t *st);
void cli_print_status(const json_t *st);

/* The commands; each checks its own arguments and returns an exit code.
 * The records commands need curl_global_init() first. */
int cli_cmd_status(const struct cli_opts *o);
int cli_cmd_scan(const struct cli_opts *o);
int cli_cmd_desk(const struct cli_opts *o);
int cli_cmd_returns(const struct cli_opts *o);
int cli_cmd_expected(const struct cli_opts *o);
int cli_cmd_outbox(const struct cli_opts *o);
int cli_cmd_db(const struct cli_opts *o);
int cli_cmd_audit(const struct cli_opts *o);
int cli_cmd_code(const struct cli_opts *o);
int cli_cmd_rules(const struct cli_opts *o);
int cli_cmd_complaints(const struct cli_opts *o); /* cli_complaints.c */
int cli_cmd_decode(const struct cli_opts *o);	  /* cli_decode.c */
int cli_cmd_backup(const struct cli_opts *o);	  /* cli_backup.c */
int cli_cmd_restore(const struct cli_opts *o);	  /* cli_backup_restore.c */
int cli_cmd_retention(const struct cli_opts *o);  /* cli_retention.c */
int cli_cmd_system(const struct cli_opts *o);	  /* cli_system.c */

/* cli_system_station.c: what an installed bundle means, in the same words
 * whichever way it was installed (cli_system.c's `system update` too). */
void cli_say_installed(const char *bundle);

/* ---- cli_system_station.c: the system through retourd */
int cli_system_status(const struct cli_opts *o);
int cli_system_bundles(const struct cli_opts *o);
int cli_system_install(const struct cli_opts *o, const char *bundle);

/* The desk's commands, for `retourctl desk --help`. */
extern const char cli_desk_usage_text[];

/* evidence ID [-o FILE.pdf] [--zip FILE.zip] | evidence verify FILE.zip */
int cli_cmd_evidence(const struct cli_opts *o);

#endif
