/* SPDX-License-Identifier: MIT */
/*
 * Printer dispatcher: picks the printer backend by name and forwards calls.
 *
 * Adding a backend (USB printer class via libusb) is one file and one line
 * in the registry (src/dev/device.c).  No transport or label language lives
 * here.
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
