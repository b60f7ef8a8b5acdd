/* SPDX-License-Identifier: MIT */
/*
 * The desk's label printer (devices_internal.h): the printer and its
 * label spool, whose thread prints; the spool's results and the
 * printer's own status become the printer's state.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retour/printer.h"
#include "retour/spool.h"
#include "devices_internal.h"

static void devices_on_printed(void *userdata, int64_t receipt_id, int r,
			       const char *err)
{
	struct devices *d = userdata;

	if (r < 0)
		devices_set_state(d, DEVICE_PRINTER, DEVICE_FAULT, err);
	else
		devices_set_state(d, DEVICE_PRINTER, DEVICE_CONNECTED, "");
	if (d->cb->printed)
		d->cb->printed(d->ud, receipt_id, r, err);
}

/* The printer's own status holds labels, or lets them go again. */
static void devices_on_printer_state(void *userdata, bool fault,
				     const char *why)
{
	struct devices *d = userdata;

	devices_set_state(d, DEVICE_PRINTER,
			  fault ? DEVICE_FAULT : DEVICE_CONNECTED, why);
}

int devices_printer_open(struct devices *d, const struct config_device *cd,
			 char *err, size_t errlen)
{
	struct printer_config c;
	int r;

	memset(&c, 0, sizeof(c));
	c.backend = cd->backend;
	r = config_device_apply(cd, DEVICE_PRINTER, &c, err, errlen);
	if (r < 0)
		return r;
	r = printer_open(&c, &d->printer, err, errlen);
	if (r < 0)
		return r;
	r = spool_new(d->ev, d->printer, devices_on_printed, d, &d->spool);
	if (r == 0)
		spool_watch_state(d->spool, devices_on_printer_state);
	if (r < 0) {
		printer_close(d->printer);
		d->printer = NULL;
		snprintf(err, errlen, "label spool could not start");
	}
	return r;
}

int devices_print_label(struct devices *d, int64_t receipt_id, const char *zpl,
			size_t len)
{
	char name[64];
	int r;

	if (!d || !d->spool)
		return -ENODEV;
	snprintf(name, sizeof(name), "receipt-%lld", (long long)receipt_id);
	r = spool_submit(d->spool, receipt_id, name, zpl, len);
	if (r == -EBUSY)
		devices_set_state(d, DEVICE_PRINTER, DEVICE_FAULT,
				  "too many labels waiting for the printer");
	return r;
}
