/* SPDX-License-Identifier: MIT */
/*
 * Camera dispatcher: picks the camera backend by name and forwards calls.
 *
 * Adding a backend (V4L2) is one file and one line in camera_backends[].
 * No image handling lives here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/camera.h"

struct camera {
	const struct camera_backend *backend;
	void *state;
};

static const struct camera_backend *const camera_backends[] = {
    &camera_backend_dir,
};

#define CAMERA_BACKENDS_COUNT                                                  \
	(sizeof(camera_backends) / sizeof(camera_backends[0]))

static void camera_unknown_backend(const char *name, char *err, size_t errlen)
{
	size_t i, off;

	off = (size_t)snprintf(
	    err, errlen,
	    "unknown camera backend '%s' (known:", name ? name : "");
	for (i = 0; i < CAMERA_BACKENDS_COUNT && off < errlen; i++)
		off += (size_t)snprintf(err + off, errlen - off, "%s %s",
					i ? "," : "", camera_backends[i]->name);
	if (off < errlen)
		snprintf(err + off, errlen - off, ")");
}

int camera_open(const struct camera_config *cfg, struct camera **out, char *err,
		size_t errlen)
{
	const struct camera_backend *be = NULL;
	struct camera *c;
	size_t i;
	int r;

	if (!cfg || !out)
		return -EINVAL;
	for (i = 0; i < CAMERA_BACKENDS_COUNT; i++)
		if (cfg->backend &&
		    strcmp(cfg->backend, camera_backends[i]->name) == 0)
			be = camera_backends[i];
	if (!be) {
		camera_unknown_backend(cfg->backend, err, errlen);
		return -EINVAL;
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
