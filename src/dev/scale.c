/* SPDX-License-Identifier: MIT */
/*
 * Scale dispatcher: picks the scale backend by name and forwards calls.
 *
 * Adding a backend (USB HID POS scale) is one file and one line in
 * scale_backends[].  No protocol knowledge lives here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/scale.h"

struct scale {
	const struct scale_backend *backend;
	void *state;
};

static const struct scale_backend *const scale_backends[] = {
    &scale_backend_mtsics,
};

#define SCALE_BACKENDS_COUNT                                                   \
	(sizeof(scale_backends) / sizeof(scale_backends[0]))

static void scale_unknown_backend(const char *name, char *err, size_t errlen)
{
	size_t i, off;

	off = (size_t)snprintf(
	    err, errlen,
	    "unknown scale backend '%s' (known:", name ? name : "");
	for (i = 0; i < SCALE_BACKENDS_COUNT && off < errlen; i++)
		off += (size_t)snprintf(err + off, errlen - off, "%s %s",
					i ? "," : "", scale_backends[i]->name);
	if (off < errlen)
		snprintf(err + off, errlen - off, ")");
}

int scale_open(sd_event *ev, const struct scale_config *cfg,
	       scale_reading_fn fn, void *userdata, struct scale **out,
	       char *err, size_t errlen)
{
	const struct scale_backend *be = NULL;
	struct scale *s;
	size_t i;
	int r;

	if (!ev || !cfg || !fn || !out)
		return -EINVAL;
	for (i = 0; i < SCALE_BACKENDS_COUNT; i++)
		if (cfg->backend &&
		    strcmp(cfg->backend, scale_backends[i]->name) == 0)
			be = scale_backends[i];
	if (!be) {
		scale_unknown_backend(cfg->backend, err, errlen);
		return -EINVAL;
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
