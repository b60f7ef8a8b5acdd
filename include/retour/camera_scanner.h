/* SPDX-License-Identifier: MIT */
/*
 * The camera as a scanner: the camera's frames decoded on worker threads
 * (barcode.h), and a code that stays in view reported once, as the line a
 * hand scanner would send (AIM identifier, then the data, GS for FNC1), on
 * the event loop.
 *
 * The camera's thread hands every frame to camera_scanner_frame(), which
 * only copies it into the one waiting slot (a newer frame replaces a frame
 * not yet taken) and never waits for a decode: a slow decoder drops frames,
 * never the camera.  Each worker has its own decoder and its own buffer,
 * swapped with the waiting slot, so at most workers + 1 frames are held.
 *
 * When a code counts as seen (camera_seen below), decided once per decoded
 * frame, in frame order (a frame a second worker finished after a newer
 * one is dropped):
 *   - a code is reported when it was in @confirm decoded frames in a row
 *     (2 by default: a one-frame misread is never reported);
 *   - then not again while it stays in view, nor when it comes back within
 *     @forget_ms of when it was last seen (1 s by default): a parcel moved
 *     under the camera is one scan;
 *   - a code absent for longer than @forget_ms is new again.
 *
 * Not here: capturing frames (camera.h, the camera's thread in
 * src/daemon/devices.c), what a code means (code.h).
 */
#ifndef RETOUR_CAMERA_SCANNER_H
#define RETOUR_CAMERA_SCANNER_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "retour/barcode.h"
#include "retour/camera.h"
#include "retour/scanner.h"

/* ---- the rule, pure: frames in, codes to report out ---- */

#define CAMERA_SEEN_MAX 32 /* codes remembered at once; the oldest go */

struct camera_seen_code {
	bool used, reported;
	uint64_t hash; /* of symbology and data */
	unsigned streak;
	uint64_t last_frame;
	int64_t last_seen_ms;
};

struct camera_seen {
	unsigned confirm;
	int forget_ms;
	uint64_t frame; /* decoded frames so far */
	struct camera_seen_code code[CAMERA_SEEN_MAX];
};

/* @confirm 0: BARCODE_CONFIRM_DEFAULT; @forget_ms 0: the default. */
void camera_seen_init(struct camera_seen *s, int confirm, int forget_ms);

/*
 * One decoded frame, at @now_ms (a monotonic clock), with the codes in it:
 * @report[i] says whether res->item[i] is to be reported now.  Returns how
 * many are.
 */
int camera_seen_frame(struct camera_seen *s, int64_t now_ms,
		      const struct barcode_results *res,
		      bool report[BARCODE_MAX_FOUND]);

/* ---- the worker threads ---- */

struct camera_scanner;

/*
 * Start @cfg->workers decode threads (1 by default), each with its own
 * decoder; codes come to @fn on @ev's loop (overlong is always false).
 * 0, -EINVAL with @err for settings the decoder refuses, -ENOMEM, -errno.
 */
int camera_scanner_new(sd_event *ev, const struct barcode_config *cfg,
		       scanner_line_fn fn, void *ud,
		       struct camera_scanner **out, char *err, size_t errlen);

/* A frame from the camera's thread (a devices_frame_fn, @cs the scanner):
 * copied, never waited for. */
void camera_scanner_frame(void *cs, const struct camera_frame *f);

/* Frames handed in, decoded, and dropped for a newer one. */
void camera_scanner_counts(struct camera_scanner *cs, uint64_t *in,
			   uint64_t *decoded, uint64_t *dropped);

/* Stops the workers (the frame in hand is finished) and frees. */
void camera_scanner_free(struct camera_scanner *cs);

#endif
