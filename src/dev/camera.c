/* SPDX-License-Identifier: MIT */
/*
 * Camera dispatcher: picks the camera backend by name and forwards calls.
 *
 * Adding a backend (V4L2) is one file and one entry in the
 * registry (src/dev/device.c).
 * No image handling lives here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/device.h"
#include "retour/camera.h"

struct camera {
	const struct camera_backend *backend;
	void *state;
};

int camera_open(const struct camera_config *cfg, struct camera **out, char *err,
		size_t errlen)
{
	const struct device_backend *entry;
	const struct camera_backend *be;
	struct camera *c;
	int r;

	if (!cfg || !out)
		return -EINVAL;
	entry = device_backend_find(DEVICE_CAMERA, cfg->backend, err, errlen);
	if (!entry)
		return -EINVAL;
	be = entry->ops;
	if (!be) {
		snprintf(err, errlen, "camera backend '%s': no device to open",
			 entry->name);
		return -ENODEV;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "camera: out of memory");
		return -ENOMEM;
	}
	c->backend = be;
	r = be->open(cfg, &c->state, err, errlen);
	if (r < 0) {
		free(c);
		return r;
	}
	*out = c;
	return 0;
}

int camera_capture(struct camera *c, void **data, size_t *len, char *err,
		   size_t errlen)
{
	if (!c || !data || !len) {
		snprintf(err, errlen, "camera: invalid capture request");
		return -EINVAL;
	}
	*data = NULL;
	*len = 0;
	return c->backend->capture(c->state, data, len, err, errlen);
}

void camera_close(struct camera *c)
{
	if (!c)
		return;
	c->backend->close(c->state);
	free(c);
}
