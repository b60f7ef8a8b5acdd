/* SPDX-License-Identifier: MIT */
/*
 * The station's System section as a whole: started and stopped with the
 * station, looked at again each tick (the first boot's list; rauc's
 * status until its service answers), and shown: the status's fields and
 * the page's view.  It ties the image's facts (station_system.c) and the
 * update (station_update.c) together, above both.
 */
#include <errno.h>
#include <stdlib.h>

#include "retour/clock.h"
#include "retour/station_system.h"

#include "station_internal.h"
#include "station_system_internal.h"

/* rauc's service may start after retourd: asked again this often */
#define SYSTEM_STATUS_RETRY_US (INT64_C(30) * 1000000)

int station_system_start(struct station *st, char *err, size_t errlen)
{
	struct station_system *sys = calloc(1, sizeof(*sys));

	(void)err;
	(void)errlen;
	if (!sys)
		return -ENOMEM;
	sys->st = st;
	sys->cfg = st->cfg;
	sys->ev = st->ev;
	sys->status_child.fd = sys->install_child.fd = -1;
	st->system = sys;
	system_update_init(sys);
	system_read_slot(sys);
	system_missing_read(sys, true);
	system_status_refresh(sys);
	return 0;
}

void station_system_stop(struct station *st)
{
	struct station_system *sys = st->system;

	if (!sys)
		return;
	system_update_stop(sys);
	system_child_stop(&sys->status_child);
	json_decref(sys->rauc_status);
	free(sys);
	st->system = NULL;
}

void station_system_tick(struct station *st)
{
	struct station_system *sys = st->system;

	if (!sys)
		return;
	system_missing_read(sys, false);
	/* rauc's service may start after retourd: asked again until it
	 * answers */
	if (sys->slot[0] && !sys->rauc_status &&
	    clock_mono_us() - sys->status_tried_mono > SYSTEM_STATUS_RETRY_US)
		system_status_refresh(sys);
}

void station_system_status(struct station *st, json_t *status)
{
	struct station_system *sys = st->system;

	if (!sys)
		return;
	if (sys->n_missing)
		json_object_set_new(status, "setup_missing",
				    system_missing_json(sys));
	if (sys->state != UPDATE_IDLE)
		json_object_set_new(status, "update", system_update_json(sys));
}

json_t *station_system_view(struct station *st)
{
	struct station_system *sys = st->system;
	const char *next_boot = NULL;
	json_t *o = json_object(), *slots;

	json_object_set_new(o, "version", json_string(RETOUR_VERSION));
	json_object_set_new(o, "image", json_boolean(sys->slot[0]));
	json_object_set_new(
	    o, "slot", sys->slot[0] ? json_string(sys->slot) : json_null());
	slots = system_slots(sys, &next_boot);
	json_object_set_new(o, "next_boot", system_str_or_null(next_boot));
	json_object_set_new(o, "slots", slots);
	json_object_set_new(o, "rauc_error",
			    sys->rauc_error[0] ? json_string(sys->rauc_error)
					       : json_null());
	json_object_set_new(
	    o, "text",
	    json_string(sys->slot[0] ? "station image, running slot"
				     : "not an image: retour runs on this "
				       "computer as installed, without "
				       "slots"));
	json_object_set_new(o, "update", system_update_json(sys));
	json_object_set_new(o, "setup_missing", system_missing_json(sys));
	return o;
}

json_t *station_update_view(struct station *st)
{
	return system_update_json(st->system);
}
