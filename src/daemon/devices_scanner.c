/* SPDX-License-Identifier: MIT */
/*
 * The desk's scanners (devices_internal.h): [scanner] and every [scanner
 * NAME].  Codes from any of them go to the desk; each keeps its own state
 * for the status, and the desk's scanner state is the worst of them.
 */
#include <stdio.h>
#include <string.h>

#include "retour/hotplug.h"
#include "retour/log.h"
#include "retour/scanner.h"
#include "devices_internal.h"

static void devices_on_scan_line(void *userdata, const char *line, size_t len,
				 bool overlong)
{
	struct devices_scanner *ds = userdata;
	struct devices *d = ds->d;

	if (d->n_scanners > 1)
		log_info("scanner %s (%s): a code of %zu bytes",
			 devices_scanner_name(ds), ds->id, len);
	if (d->cb->scan_line)
		d->cb->scan_line(d->ud, line, len, overlong);
}

/*
 * Its stable id: the USB vendor:product:serial or port path udev knows
 * for its node, else its name and where it reads ("handheld:/dev/pts/3"),
 * which is what tells two scanners of one kind apart in the status.
 */
static void devices_scanner_identify(struct devices_scanner *ds)
{
	const char *feed = ds->scanner ? scanner_feed_path(ds->scanner) : NULL;
	const char *own = ds->scanner ? scanner_id(ds->scanner) : NULL;
	char id[sizeof(ds->id)];

	/* the backend's own (an evdev scanner found by USB id knows it) */
	if (own && own[0] && strcmp(own, feed ? feed : "")) {
		snprintf(ds->id, sizeof(ds->id), "%s", own);
		return;
	}
	if (feed && hotplug_stable_id(feed, id, sizeof(id)) == 0 &&
	    id[0] != '/') {
		snprintf(ds->id, sizeof(ds->id), "%s", id);
		return;
	}
	snprintf(ds->id, sizeof(ds->id), "%.31s:%.60s",
		 devices_scanner_name(ds), feed ? feed : ds->cd->backend);
}

/* The desk's scanner: missing while any of them is, saying which. */
static void devices_scanners_report(struct devices *d)
{
	for (int i = 0; i < d->n_scanners; i++) {
		const struct devices_scanner *ds = &d->scanners[i];
		char why[DEVICES_ERROR_LEN];

		if (ds->present)
			continue;
		if (d->n_scanners > 1)
			snprintf(why, sizeof(why), "%.31s: %.120s",
				 devices_scanner_name(ds), ds->error);
		else
			snprintf(why, sizeof(why), "%s", ds->error);
		devices_set_state(d, DEVICE_SCANNER, DEVICE_MISSING, why);
		return;
	}
	devices_set_state(d, DEVICE_SCANNER, DEVICE_CONNECTED, "");
}

static void devices_on_scanner_state(void *userdata, bool present,
				     const char *why)
{
	struct devices_scanner *ds = userdata;

	ds->present = present;
	snprintf(ds->error, sizeof(ds->error), "%s", present ? "" : why);
	if (present)
		devices_scanner_identify(ds); /* plugged in: udev knows it */
	devices_scanners_report(ds->d);
}

/* Open the scanner of @ds (its section's backend and settings). */
static int devices_open_scanner(struct devices *d, struct devices_scanner *ds,
				char *err, size_t errlen)
{
	struct scanner_config c;
	int r;

	memset(&c, 0, sizeof(c));
	c.backend = ds->cd->backend;
	c.max_line = (size_t)d->cfg->scanner_max_line;
	c.state = devices_on_scanner_state;
	r = config_device_apply(ds->cd, DEVICE_SCANNER, &c, err, errlen);
	if (r < 0)
		return r;
	/* the state callback gets the line callback's userdata: @ds */
	r = scanner_open(d->ev, &c, devices_on_scan_line, ds, &ds->scanner, err,
			 errlen);
	if (r < 0)
		return r;
	ds->present = !scanner_absence(ds->scanner);
	snprintf(ds->error, sizeof(ds->error), "%s",
		 ds->present ? "" : scanner_absence(ds->scanner));
	devices_scanner_identify(ds);
	log_info("scanner %s: %s, id %s, write codes, one per line, to %s",
		 devices_scanner_name(ds), ds->cd->backend, ds->id,
		 scanner_feed_path(ds->scanner));
	return 0;
}

/* Every scanner the board names; [scanner]'s is d->scanner. */
void devices_open_scanners(struct devices *d)
{
	const struct config *cfg = d->cfg;
	char err[256];

	for (int i = -1; i < cfg->n_more_scanners; i++) {
		const struct config_device *cd =
		    i < 0 ? &cfg->device[DEVICE_SCANNER]
			  : &cfg->more_scanners[i];
		struct devices_scanner *ds = &d->scanners[d->n_scanners];
		int r;

		if (!strcmp(cd->backend, "none"))
			continue;
		ds->d = d;
		ds->cd = cd;
		d->n_scanners++;
		err[0] = '\0';
		r = devices_open_scanner(d, ds, err, sizeof(err));
		if (r < 0) {
			log_error("scanner %s: %s", devices_scanner_name(ds),
				  err[0] ? err : strerror(-r));
			snprintf(ds->error, sizeof(ds->error), "%s",
				 err[0] ? err : strerror(-r));
			devices_scanner_identify(ds);
		}
		if (i < 0)
			d->scanner = ds->scanner;
	}
	if (!d->n_scanners)
		return;
	d->named[DEVICE_SCANNER] = true;
	d->state[DEVICE_SCANNER] = DEVICE_CONNECTED;
	for (int i = 0; i < d->n_scanners; i++)
		if (!d->scanners[i].present) {
			d->state[DEVICE_SCANNER] = DEVICE_MISSING;
			snprintf(d->error[DEVICE_SCANNER], sizeof(d->error[0]),
				 "%s%s%.120s",
				 d->n_scanners > 1
				     ? devices_scanner_name(&d->scanners[i])
				     : "",
				 d->n_scanners > 1 ? ": " : "",
				 d->scanners[i].error);
			break;
		}
}
