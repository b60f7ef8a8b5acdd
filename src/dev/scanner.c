/* SPDX-License-Identifier: MIT */
/*
 * Scanner dispatcher: picks the scanner backend by name and forwards calls.
 *
 * Adding a backend (camera + ZBar) is one file and
 * one entry in the registry (src/dev/device.c).  No line handling lives
 * here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/device.h"
#include "retour/scanner.h"

struct scanner {
	const struct scanner_backend *backend;
	void *state;
};

int scanner_open(sd_event *ev, const struct scanner_config *cfg,
		 scanner_line_fn fn, void *userdata, struct scanner **out,
		 char *err, size_t errlen)
{
	const struct device_backend *entry;
	const struct scanner_backend *be;
	struct scanner *s;
	int r;

	if (!ev || !cfg || !fn || !out)
		return -EINVAL;
	entry = device_backend_find(DEVICE_SCANNER, cfg->backend, err, errlen);
	if (!entry)
		return -EINVAL;
	be = entry->ops;
	if (!be) {
		snprintf(err, errlen, "scanner backend '%s': no device to open",
			 entry->name);
		return -ENODEV;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "scanner: out of memory");
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

const char *scanner_feed_path(const struct scanner *s)
{
	return s ? s->backend->feed_path(s->state) : NULL;
}

const char *scanner_absence(const struct scanner *s)
{
	if (!s || !s->backend->absence)
		return NULL;
	return s->backend->absence(s->state);
}

const char *scanner_id(const struct scanner *s)
{
	if (!s)
		return NULL;
	if (s->backend->id)
		return s->backend->id(s->state);
	return s->backend->feed_path(s->state);
}

const char *scanner_backend_name(const struct scanner *s)
{
	return s ? s->backend->name : NULL;
}

void scanner_close(struct scanner *s)
{
	if (!s)
		return;
	s->backend->close(s->state);
	free(s);
}
