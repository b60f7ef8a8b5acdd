/* SPDX-License-Identifier: MIT */
/*
 * Camera above the desk: takes one picture as an encoded image (JPEG/PNG).
 *
 * Backends are picked by name: "dir" (the simulation: images from a
 * directory).  A V4L2 backend is added as a new file and one entry in
 * src/dev/device.c.
 *
 * This module does not store photos (the store does, content-addressed) and
 * does not decode barcodes.
 */
#ifndef RETOUR_CAMERA_H
#define RETOUR_CAMERA_H

#include <stddef.h>
#include <stdint.h>

#include "retour/barcode.h"

struct camera;

/*
 * One frame as a camera delivered it, before any conversion: what the
 * barcode decoder reads and what a photo is made from.  YUYV and GRAY are
 * raw pixels (@stride bytes per row); MJPEG is one motion-JPEG frame as the
 * device sent it (it may lack its Huffman tables); ENCODED is a whole
 * JPEG or PNG file (the dir backend).  @data is only valid during the call
 * it is handed to.
 */
enum camera_frame_format {
	CAMERA_FRAME_YUYV,
	CAMERA_FRAME_MJPEG,
	CAMERA_FRAME_GRAY,
	CAMERA_FRAME_ENCODED,
};

struct camera_frame {
	enum camera_frame_format format;
	int width, height; /* 0 for ENCODED: read them from the file */
	int stride;	   /* bytes per row of YUYV and GRAY */
	const void *data;
	size_t len;
	uint64_t seq; /* counts up from 1 per camera */
};

#define CAMERA_MAX_BYTES_DEFAULT (16u * 1024 * 1024)

struct camera_config {
	const char *backend; /* "dir" */
	const char *dir;
	size_t max_bytes; /* 0: CAMERA_MAX_BYTES_DEFAULT */
	/* the camera as a scanner (decode = yes): the decoder's board keys,
	 * the same for every backend (CAMERA_DECODE_KEYS in device.c) */
	struct barcode_config decode;
};

/* Unknown backend: -EINVAL, err "unknown camera backend 'x' (known: ...)".
 * dir: a directory that cannot be opened is an error here already. */
int camera_open(const struct camera_config *cfg, struct camera **out, char *err,
		size_t errlen);

/*
 * Take one picture into a malloc'd buffer the caller frees.
 * dir: the next .jpg, .jpeg or .png file (case-insensitive) of the
 * directory in name order, round robin; the directory is read again on
 * every capture so new images show up.  Unreadable/missing/empty
 * directory -> -errno and a clear err ("camera directory /x: no images").
 * Empty files and files over max_bytes are refused (-EFBIG) and skipped by
 * the next capture.
 */
int camera_capture(struct camera *c, void **data, size_t *len, char *err,
		   size_t errlen);
void camera_close(struct camera *c);

/* Backend contract, for src/dev/camera_*.c only. */
struct camera_backend {
	const char *name;
	int (*open)(const struct camera_config *cfg, void **state, char *err,
		    size_t errlen);
	int (*capture)(void *state, void **data, size_t *len, char *err,
		       size_t errlen);
	void (*close)(void *state);
};

extern const struct camera_backend camera_backend_dir;

#endif
