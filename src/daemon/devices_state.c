/* SPDX-License-Identifier: MIT */
/*
 * A desk device's state and last error (devices_internal.h): what the
 * status shows, and what the desk is told when it changes.
 */
#include <stdio.h>

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
