/* SPDX-License-Identifier: MIT */
/*
 * Scanner dispatcher: picks the scanner backend by name and forwards calls.
 *
 * Adding a backend (evdev keyboard wedge, camera + ZBar) is one file and
 * one line in scanner_backends[].  No line handling lives here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/scanner.h"

struct scanner {
	const struct scanner_backend *backend;
	void *state;
};

static const struct scanner_backend *const scanner_backends[] = {
    &scanner_backend_pty,
    &scanner_backend_tty,
    &scanner_backend_fifo,
};

#define SCANNER_BACKENDS_COUNT                                                 \
	(sizeof(scanner_backends) / sizeof(scanner_backends[0]))

static void scanner_unknown_backend(const char *name, char *err, size_t errlen)
{
	size_t i, off;

	off = (size_t)snprintf(
	    err, errlen,
	    "unknown scanner backend '%s' (known:", name ? name : "");
	for (i = 0; i < SCANNER_BACKENDS_COUNT && off < errlen; i++)
		off +=
		    (size_t)snprintf(err + off, errlen - off, "%s %s",
				     i ? "," : "", scanner_backends[i]->name);
	if (off < errlen)
		snprintf(err + off, errlen - off, ")");
}

int scanner_open(sd_event *ev, const struct scanner_config *cfg,
		 scanner_line_fn fn, void *userdata, struct scanner **out,
		 char *err, size_t errlen)
{
	const struct scanner_backend *be = NULL;
	struct scanner *s;
	size_t i;
	int r;

	if (!ev || !cfg || !fn || !out)
		return -EINVAL;
	for (i = 0; i < SCANNER_BACKENDS_COUNT; i++)
		if (cfg->backend &&
		    strcmp(cfg->backend, scanner_backends[i]->name) == 0)
			be = scanner_backends[i];
	if (!be) {
		scanner_unknown_backend(cfg->backend, err, errlen);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "scanner: out of memory");
		return -ENOMEM;
	}
	s->backend = be;
	r = be->open(ev, cfg, fn, userdata, &s->state, err, errlen);
	if (r < 0) {
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

const char *scanner_feed_path(const struct scanner *s)
{
	return s ? s->backend->feed_path(s->state) : NULL;
}

const char *scanner_backend_name(const struct scanner *s)
{
	return s ? s->backend->name : NULL;
}

void scanner_close(struct scanner *s)
{
	if (!s)
		return;
	s->backend->close(s->state);
	free(s);
}
