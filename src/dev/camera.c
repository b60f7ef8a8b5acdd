/* SPDX-License-Identifier: MIT */
/*
 * Camera dispatcher: picks the camera backend by name and forwards calls.
 * A frame source (v4l2, frames; dir when streaming) is run by the camera's
 * thread (camera_stream.c); a backend that takes photos itself (dir) is
 * called directly, on the caller's thread.
 *
 * Adding a backend is one file and one entry in the registry
 * (src/dev/device.c).  No image handling lives here.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/camera.h"
#include "retour/camera_stream.h"
#include "retour/device.h"

struct camera {
	const struct camera_backend *backend;
	void *state;
	struct camera_stream *stream; /* NULL: photos through capture */
	/* the subscriber of a camera without a stream */
	pthread_mutex_t sub_lock;
	camera_frame_fn sub_fn;
	void *sub_ud;
	uint64_t seq;
};

/* A frame source runs a stream unless it also captures by itself and the
 * board asks for frames only with photos (the dir backend's old way). */
static bool camera_streams(const struct camera_backend *be,
			   const struct camera_config *cfg)
{
	if (!be->start || !be->next)
		return false;
	return !be->capture || cfg->stream == CAMERA_STREAM_ALWAYS;
}

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
	pthread_mutex_init(&c->sub_lock, NULL);
	r = be->open(cfg, &c->state, err, errlen);
	if (r < 0) {
		pthread_mutex_destroy(&c->sub_lock);
		free(c);
		return r;
	}
	if (camera_streams(be, cfg)) {
		struct camera_stream_config sc = {
		    .be = be,
		    .state = c->state,
		    .mode = cfg->stream,
		    .skip = cfg->skip,
		    .quality = cfg->quality,
		    .timeout_ms = cfg->timeout_ms,
		    .state_fn = cfg->state,
		    .state_ud = cfg->state_ud,
		};

		r = camera_stream_new(&sc, &c->stream, err, errlen);
		if (r < 0) {
			be->close(c->state);
			pthread_mutex_destroy(&c->sub_lock);
			free(c);
			return r;
		}
	}
	*out = c;
	return 0;
}

int camera_capture(struct camera *c, void **data, size_t *len, char *err,
		   size_t errlen)
{
	int r;

	if (!c || !data || !len) {
		snprintf(err, errlen, "camera: invalid capture request");
		return -EINVAL;
	}
	*data = NULL;
	*len = 0;
	if (c->stream)
		return camera_stream_photo(c->stream, data, len, err, errlen);
	r = c->backend->capture(c->state, data, len, err, errlen);
	if (r < 0)
		return r;
	pthread_mutex_lock(&c->sub_lock);
	if (c->sub_fn) {
		struct camera_frame f = {.format = CAMERA_FRAME_ENCODED,
					 .data = *data,
					 .len = *len,
					 .seq = ++c->seq};

		c->sub_fn(c->sub_ud, &f);
	}
	pthread_mutex_unlock(&c->sub_lock);
	return 0;
}

void camera_retry_now(struct camera *c)
{
	if (c && c->stream)
		camera_stream_retry_now(c->stream);
}

void camera_subscribe(struct camera *c, camera_frame_fn fn, void *ud)
{
	if (!c)
		return;
	if (c->stream) {
		camera_stream_subscribe(c->stream, fn, ud);
		return;
	}
	pthread_mutex_lock(&c->sub_lock);
	c->sub_fn = fn;
	c->sub_ud = fn ? ud : NULL;
	pthread_mutex_unlock(&c->sub_lock);
}

void camera_close(struct camera *c)
{
	if (!c)
		return;
	camera_stream_free(c->stream);
	c->backend->close(c->state);
	pthread_mutex_destroy(&c->sub_lock);
	free(c);
}
