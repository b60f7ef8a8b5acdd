/* SPDX-License-Identifier: MIT */
/*
 * Printer dispatcher: picks the printer backend by name and forwards calls.
 *
 * Adding a backend (USB printer class via libusb) is one file and one line
 * in printer_backends[].  No transport or label language lives here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/printer.h"

struct printer {
	const struct printer_backend *backend;
	void *state;
};

static const struct printer_backend *const printer_backends[] = {
    &printer_backend_tcp,
    &printer_backend_dir,
};

#define PRINTER_BACKENDS_COUNT                                                 \
	(sizeof(printer_backends) / sizeof(printer_backends[0]))

static void printer_unknown_backend(const char *name, char *err, size_t errlen)
{
	size_t i, off;

	off = (size_t)snprintf(
	    err, errlen,
	    "unknown printer backend '%s' (known:", name ? name : "");
	for (i = 0; i < PRINTER_BACKENDS_COUNT && off < errlen; i++)
		off +=
		    (size_t)snprintf(err + off, errlen - off, "%s %s",
				     i ? "," : "", printer_backends[i]->name);
	if (off < errlen)
		snprintf(err + off, errlen - off, ")");
}

int printer_open(const struct printer_config *cfg, struct printer **out,
		 char *err, size_t errlen)
{
	const struct printer_backend *be = NULL;
	struct printer *p;
	size_t i;
	int r;

	if (!cfg || !out)
		return -EINVAL;
	for (i = 0; i < PRINTER_BACKENDS_COUNT; i++)
		if (cfg->backend &&
		    strcmp(cfg->backend, printer_backends[i]->name) == 0)
			be = printer_backends[i];
	if (!be) {
		printer_unknown_backend(cfg->backend, err, errlen);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "printer: out of memory");
		return -ENOMEM;
	}
	p->backend = be;
	r = be->open(cfg, &p->state, err, errlen);
	if (r < 0) {
		free(p);
		return r;
	}
	*out = p;
	return 0;
}

int printer_print(struct printer *p, const char *name, const void *data,
		  size_t len, char *err, size_t errlen)
{
	if (!p || (!data && len)) {
		snprintf(err, errlen, "printer: invalid job");
		return -EINVAL;
	}
	return p->backend->print(p->state, name ? name : "label", data, len,
				 err, errlen);
}

const char *printer_describe(const struct printer *p)
{
	return p ? p->backend->describe(p->state) : "no printer";
}

void printer_close(struct printer *p)
{
	if (!p)
		return;
	p->backend->close(p->state);
	free(p);
}
