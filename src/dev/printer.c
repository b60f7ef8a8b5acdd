/* SPDX-License-Identifier: MIT */
/*
 * Printer dispatcher: picks the printer backend by name and forwards calls.
 *
 * Adding a backend is one file and one line in the registry
 * (src/dev/device.c).  No transport lives here; of the label languages only
 * which status query each one answers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/device.h"
#include "retour/printer.h"

struct printer {
	const struct printer_backend *backend;
	void *state;
};

int printer_open(const struct printer_config *cfg, struct printer **out,
		 char *err, size_t errlen)
{
	const struct device_backend *entry;
	const struct printer_backend *be;
	struct printer *p;
	int r;

	if (!cfg || !out)
		return -EINVAL;
	if (!printer_status_query(cfg->language)) {
		snprintf(err, errlen,
			 "unknown printer language '%s' (known: zpl, tspl)",
			 cfg->language);
		return -EINVAL;
	}
	entry = device_backend_find(DEVICE_PRINTER, cfg->backend, err, errlen);
	if (!entry)
		return -EINVAL;
	be = entry->ops;
	if (!be) {
		snprintf(err, errlen, "printer backend '%s': no device to open",
			 entry->name);
		return -ENODEV;
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

int printer_query_status(struct printer *p, struct printer_status *st,
			 char *err, size_t errlen)
{
	if (!p || !st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	if (!p->backend->status)
		return -EOPNOTSUPP;
	return p->backend->status(p->state, st, err, errlen);
}

const char *printer_status_query(const char *language)
{
	if (!language || !strcmp(language, "zpl"))
		return PRINTER_STATUS_QUERY_ZPL;
	if (!strcmp(language, "tspl"))
		return PRINTER_STATUS_QUERY_TSPL;
	return NULL;
}

int printer_status_parse_answer(const char *language, const void *answer,
				size_t len, struct printer_status *st,
				char *err, size_t errlen)
{
	if (language && !strcmp(language, "tspl"))
		return printer_status_parse_tspl(answer, len, st, err, errlen);
	return printer_status_parse_zpl(answer, len, st, err, errlen);
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
