/* SPDX-License-Identifier: MIT */
/*
 * What the desk's device files share (devices_internal.h), below them all:
 * a device's state and last error, set here and told to the desk when it
 * changes, and the status that shows them.  The devices are opened and
 * closed by devices_open.c; each kind has a file of its own.
 */
#include <stdio.h>

#include "retour/gpio.h"
#include "retour/scanner.h"
#include "devices_internal.h"

void devices_set_state(struct devices *d, enum device_kind k,
		       enum device_state s, const char *reason)
{
	bool changed = d->state[k] != s;

	snprintf(d->error[k], sizeof(d->error[k]), "%.*s",
		 DEVICES_ERROR_LEN - 1, s == DEVICE_CONNECTED ? "" : reason);
	d->state[k] = s;
	if (changed && d->cb->state)
		d->cb->state(d->ud, k, s, d->error[k]);
}

const char *devices_scanner_name(const struct devices_scanner *ds)
{
	return ds->cd->name[0] ? ds->cd->name : "scanner";
}

bool devices_has(const struct devices *d, enum device_kind k)
{
	if (!d)
		return false;
	switch (k) {
	case DEVICE_SCANNER:
		for (int i = 0; i < d->n_scanners; i++)
			if (d->scanners[i].scanner)
				return true;
		return false;
	case DEVICE_SCALE:
		return d->scale;
	case DEVICE_PRINTER:
		return d->printer;
	case DEVICE_CAMERA:
		return d->camera;
	case DEVICE_GPIO:
		return d->gpio;
	}
	return false;
}

static json_t *devices_one_json(const struct devices *d, enum device_kind k)
{
	json_t *o = json_object();
	bool present = devices_has(d, k);

	json_object_set_new(o, "present", json_boolean(present));
	json_object_set_new(o, "ok", json_boolean(present && !d->error[k][0]));
	json_object_set_new(o, "last_error", json_string(d->error[k]));
	return o;
}

/* Every scanner: {"name", "id", "backend", "present", "ok",
 * "last_error", "feed"}, [scanner]'s first. */
static json_t *devices_scanners_json(const struct devices *d)
{
	json_t *list = json_array();

	for (int i = 0; i < d->n_scanners; i++) {
		const struct devices_scanner *ds = &d->scanners[i];
		json_t *o = json_object();

		json_object_set_new(o, "name",
				    json_string(devices_scanner_name(ds)));
		json_object_set_new(o, "id", json_string(ds->id));
		json_object_set_new(o, "backend", json_string(ds->cd->backend));
		json_object_set_new(o, "present",
				    json_boolean(ds->scanner != NULL));
		json_object_set_new(
		    o, "ok",
		    json_boolean(ds->scanner && ds->present && !ds->error[0]));
		json_object_set_new(o, "last_error", json_string(ds->error));
		json_object_set_new(
		    o, "feed",
		    ds->scanner ? json_string(scanner_feed_path(ds->scanner))
				: json_null());
		json_array_append_new(list, o);
	}
	return list;
}

json_t *devices_status(const struct devices *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "scanner", devices_one_json(d, DEVICE_SCANNER));
	if (d->scanner) {
		json_object_set_new(json_object_get(o, "scanner"), "feed",
				    json_string(scanner_feed_path(d->scanner)));
		/* which scanner: stable across unplugs (scanner.h) */
		json_object_set_new(json_object_get(o, "scanner"), "id",
				    json_string(scanner_id(d->scanner)));
	}
	json_object_set_new(o, "scanners", devices_scanners_json(d));
	json_object_set_new(o, "scale", devices_one_json(d, DEVICE_SCALE));
	json_object_set_new(o, "printer", devices_one_json(d, DEVICE_PRINTER));
	json_object_set_new(o, "camera", devices_one_json(d, DEVICE_CAMERA));
	json_object_set_new(o, "gpio", devices_one_json(d, DEVICE_GPIO));
	if (d->gpio) {
		json_t *g = json_object_get(o, "gpio");
		struct tower_lines l = gpio_lines(d->gpio);

		json_object_set_new(
		    g, "tower",
		    json_string(tower_state_name(gpio_tower(d->gpio))));
		json_object_set_new(g, "lines",
				    json_pack("{s:b, s:b, s:b, s:b}", "green",
					      l.green, "amber", l.amber, "red",
					      l.red, "buzzer", l.buzzer));
	}
	return o;
}

const char *devices_scanner_feed(const struct devices *d)
{
	return d && d->scanner ? scanner_feed_path(d->scanner) : NULL;
}
