/* SPDX-License-Identifier: MIT */
/*
 * What config_load.c shares with config_outbox.c and config.c (the
 * [outbox] and [connector] sections): the parser's context and its helpers for
 * settings a module checks itself.  Private to src/daemon.
 */
#ifndef RETOUR_DAEMON_CONFIG_INTERNAL_H
#define RETOUR_DAEMON_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "retour/config.h"

struct parse_ctx {
	struct config *c;
	const char *name; /* of the file, for the settings' origin */
	bool board;
	char problem[256];
	/* the text left to read, and the line the reader is at */
	const char *text;
	int line;
};

/* Keep one line of @section in @list for the module that checks it: 1, or
 * 0 with ctx->problem set (inih's convention). */
int config_settings_add(struct parse_ctx *ctx, struct config_settings *list,
			const char *section, const char *key,
			const char *value);
/* 1 to @max of A-Z a-z 0-9 . _ - */
bool config_token_ok(const char *v, size_t max);
#define CONFIG_TOKEN_HELP "A-Z a-z 0-9 . _ -"
/* @v with quotes, backslashes and bytes outside printable ASCII escaped,
 * cut with "..." to fit @outlen: an untrusted value in an error text. */
const char *config_printable(char *out, size_t outlen, const char *v);

/*
 * A line of [outbox] that is not the sender's own timing key, or of a
 * [connector NAME] section: 1 or 0 as inih wants it, or -1 when @section
 * is neither (the caller goes on).
 */
int config_outbox_line(struct parse_ctx *ctx, const char *section,
		       const char *key, const char *value);
/* Once the station file is read: each connector's type checks its
 * settings, and the routes name sections that exist.  0, or -EINVAL with
 * "file:line: problem" in @err. */
int config_outbox_check(const struct config *c, char *err, size_t errlen);

#endif
