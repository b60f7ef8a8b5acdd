/* SPDX-License-Identifier: MIT */
/*
 * Scale dispatcher: picks the scale backend by name and forwards calls.
 *
 * Adding a backend (USB HID POS scale) is one file and one line in
 * the registry (src/dev/device.c).  No protocol knowledge lives here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/device.h"
#include "retour/scale.h"

struct scale {
	const struct scale_backend *backend;
	void *state;
};

int scale_open(sd_event *ev, const struct scale_config *cfg,
	       scale_reading_fn fn, void *userdata, struct scale **out,
	       char *err, size_t errlen)
{
	const struct device_backend *entry;
	const struct scale_backend *be;
	struct scale *s;
	int r;

	if (!ev || !cfg || !fn || !out)
		return -EINVAL;
	entry = device_backend_find(DEVICE_SCALE, cfg->backend, err, errlen);
	if (!entry)
		return -EINVAL;
	be = entry->ops;
	if (!be) {
		snprintf(err, errlen, "scale backend '%s': no device to open",
			 entry->name);
		return -ENODEV;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "scale: out of memory");
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

int scale_request_stable(struct scale *s)
{
	if (!s)
		return -EINVAL;
	return s->backend->request_stable(s->state);
}

bool scale_is_busy(const struct scale *s)
{
	return s && s->backend->is_busy(s->state);
}

const char *scale_status_name(enum scale_status st)
{
	switch (st) {
	case SCALE_STABLE:
		return "stable";
	case SCALE_UNSTABLE:
		return "unstable";
	case SCALE_OVERLOAD:
		return "overload";
	case SCALE_UNDERLOAD:
		return "underload";
	case SCALE_ERROR:
		return "error";
	case SCALE_OFFLINE:
		return "offline";
	}
	return "unknown";
}

void scale_close(struct scale *s)
{
	if (!s)
		return;
	s->backend->close(s->state);
	free(s);
}
