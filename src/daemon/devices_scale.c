/* SPDX-License-Identifier: MIT */
/*
 * The desk's scale (devices_internal.h): its readings and its state, and
 * the desk's request for a weight.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retour/log.h"
#include "retour/scale.h"
#include "devices_internal.h"

static void devices_on_scale_state(void *userdata, bool present,
				   const char *why)
{
	struct devices *d = userdata;

	devices_set_state(d, DEVICE_SCALE,
			  present ? DEVICE_CONNECTED : DEVICE_MISSING, why);
}

static void devices_on_weight(void *userdata, const struct scale_reading *r)
{
	struct devices *d = userdata;

	/* A reading of a question asked before the last request (a parcel
	 * skipped or cancelled while a silent scale was asked, then the next
	 * parcel on it): the scale is asked again, and only that reading is
	 * the desk's, and says how the scale is. */
	if (d->weigh_again) {
		d->weigh_again = false;
		log_info("scale: reading (%s) answers an earlier request: "
			 "asking again",
			 scale_status_name(r->status));
		if (scale_request_stable(d->scale) == 0)
			return;
	}
	if (r->status == SCALE_STABLE)
		devices_set_state(d, DEVICE_SCALE, DEVICE_CONNECTED, "");
	else if (r->status == SCALE_OFFLINE || r->status == SCALE_ERROR)
		/* A scale that does not answer is still the desk's scale: its
		 * step stays, and the next request finds it when it is back
		 * (a missing device's steps are skipped and never ask). */
		devices_set_state(d, DEVICE_SCALE, DEVICE_FAULT, r->detail);
	else { /* unsteady or out of range: the scale answered, so it works;
		* the status says what it read */
		devices_set_state(d, DEVICE_SCALE, DEVICE_CONNECTED, "");
		snprintf(d->error[DEVICE_SCALE], sizeof(d->error[0]), "%s",
			 r->detail);
	}
	if (d->cb->weight)
		d->cb->weight(d->ud, r);
}

int devices_scale_open(struct devices *d, const struct config_device *cd,
		       char *err, size_t errlen)
{
	struct scale_config c;
	int r;

	memset(&c, 0, sizeof(c));
	c.backend = cd->backend;
	c.state = devices_on_scale_state;
	r = config_device_apply(cd, DEVICE_SCALE, &c, err, errlen);
	if (r < 0)
		return r;
	return scale_open(d->ev, &c, devices_on_weight, d, &d->scale, err,
			  errlen);
}

int devices_zero_scale(struct devices *d)
{
	if (!d || !d->scale)
		return -ENODEV;
	return scale_zero(d->scale);
}

int devices_request_weight(struct devices *d)
{
	int r;

	if (!d || !d->scale)
		return -ENODEV;
	r = scale_request_stable(d->scale);
	if (r == -EBUSY) {
		/* one is on its way, asked before: ask again when it
		 * ends */
		d->weigh_again = true;
		return 0;
	}
	return r;
}
