/* SPDX-License-Identifier: MIT */
/*
 * The camera's thread: one asynchronous stream of frames from a frame
 * source (struct camera_backend's start/next/release/stop), shared by the
 * frame subscriber (the barcode decoder) and the photos.
 *
 * Every frame the source delivers is checked (camera_frame.h) and handed
 * to the subscriber with its sequence number; a damaged one is logged,
 * dropped, and the stream goes on.  A photo is the next good frame after
 * the first @skip of the stream, made a JPEG on this thread.
 *
 * A source that is gone (unplugged: -ENODEV) is reported through the
 * state callback, and opened again once a second while it stays away, and
 * at once when a photo is asked for or udev announces a video node
 * (camera_stream_retry_now()).
 *
 * Only src/dev/camera.c uses this; tests reach it through camera_open()
 * with the "frames" backend.
 */
#ifndef RETOUR_CAMERA_STREAM_H
#define RETOUR_CAMERA_STREAM_H

#include <stddef.h>

#include "retour/camera.h"

/* While the camera is gone, how often it is tried again. */
#define CAMERA_STREAM_RETRY_MS 1000

struct camera_stream;

struct camera_stream_config {
	const struct camera_backend *be; /* a frame source */
	void *state;			 /* the backend's, already open */
	int mode;			 /* enum camera_stream_mode */
	int skip, quality, timeout_ms;
	camera_state_fn state_fn; /* may be NULL */
	void *state_ud;
};

/* Starts the thread (which starts streaming at once in "always" mode).
 * 0, -errno with @err. */
int camera_stream_new(const struct camera_stream_config *cfg,
		      struct camera_stream **out, char *err, size_t errlen);
void camera_stream_subscribe(struct camera_stream *s, camera_frame_fn fn,
			     void *ud);
/* One photo, blocking (see camera_capture()).  Photos are taken one at a
 * time: a second caller waits for the first. */
int camera_stream_photo(struct camera_stream *s, void **data, size_t *len,
			char *err, size_t errlen);
/* Stops the thread and the source; does not close the backend. */
/* A video node appeared: a camera that is gone is tried again now. */
void camera_stream_retry_now(struct camera_stream *s);
void camera_stream_free(struct camera_stream *s);

#endif
