/* SPDX-License-Identifier: MIT */
/*
 * The devices of one desk, as the station sees them: opened from the board
 * file, each reported connected, missing or faulty, and driven through a
 * few domain verbs (ask for a weight, take a photo, print a label, light
 * the tower).  The station never sees a backend or its settings.
 *
 * Nothing here blocks the event loop: labels are printed by the label
 * spool's thread (include/retour/spool.h), photos are captured and stored
 * (fsync'd) by the camera's own thread, and every result comes back on the
 * loop through the callbacks below.
 *
 * Not here: what a weight, a photo or a button means for the parcel (the
 * workflow), and recording anything (the store).
 */
#ifndef RETOUR_DEVICES_H
#define RETOUR_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <systemd/sd-event.h>

#include "retour/camera.h"
#include "retour/config.h"
#include "retour/device.h"
#include "retour/gpio.h"
#include "retour/scale.h"

struct devices;

/* Photos waiting beyond this are refused (-EBUSY): the camera is stuck. */
#define DEVICES_MAX_PHOTOS 4

/* One photo's outcome: stored (r == 0) or why not (r < 0, error). */
struct photo_taken {
	int r;
	char sha256[65]; /* lower-case hex, "" on failure */
	char path[512];	 /* where the store put it */
	size_t bytes;
	char error[256]; /* a sentence for the clerk, "" on success */
};

/* All called on the event loop, never from inside the call that caused
 * them; none may call devices_close(). */
struct devices_events {
	void (*scan_line)(void *ud, const char *line, size_t len,
			  bool overlong);
	void (*weight)(void *ud, const struct scale_reading *r);
	void (*button)(void *ud, enum gpio_button b);
	/* @tag is the one devices_take_photo() was given */
	void (*photo)(void *ud, uint64_t tag, const struct photo_taken *p);
	void (*printed)(void *ud, int64_t receipt_id, int r, const char *err);
	/* a device came, went or failed; @reason is "" when connected.
	 * Reported at open for every device the board names, then on every
	 * change. */
	void (*state)(void *ud, enum device_kind kind, enum device_state state,
		      const char *reason);
};

/*
 * Open every device the board names (cfg->device[]); a device that cannot
 * be opened is reported missing, the others work.  Photos go to
 * cfg->photos, keeping cfg->photo_min_free_bytes free.  @cfg and @cb must
 * outlive the devices.  Logs one line per device.  0 or -errno (only for
 * what no desk can run without: memory, threads).
 */
int devices_open(sd_event *ev, const struct config *cfg,
		 const struct devices_events *cb, void *ud,
		 struct devices **out);
/* Finishes the label and the photo in hand, drops what waits, closes all. */
void devices_close(struct devices *d);

/* The board names it and it opened. */
bool devices_has(const struct devices *d, enum device_kind k);

/* Ask the scale for one stable weight: 0 (also when one is on its way:
 * its reading answers the question before, so the scale is asked again
 * when it ends and only the new reading is reported), -ENODEV without a
 * scale. */
int devices_request_weight(struct devices *d);
/* Tell the scale to take its empty reading as zero: 0 when it was told,
 * -ENODEV without a scale, -EOPNOTSUPP when its protocol cannot (MT-SICS
 * here; a HID scale without an output report), or the transport's error. */
int devices_zero_scale(struct devices *d);

/*
 * Take a photo and store it, off the loop; the outcome comes through
 * cb->photo with @tag.  0, -ENODEV without a camera, -EBUSY when
 * DEVICES_MAX_PHOTOS are waiting, -ENOMEM.
 */
int devices_take_photo(struct devices *d, uint64_t tag);

/*
 * Every frame the camera takes is also handed to @fn, ON THE CAMERA'S
 * THREAD: a barcode decoder reads the same stream the photos come from
 * (with `stream = always` every frame of it, else the photos' frames).  @fn
 * must not block for long nor call into @d; @data is only valid during the
 * call.  One subscriber; @fn NULL removes it.
 */
typedef void (*devices_frame_fn)(void *ud, const struct camera_frame *f);
int devices_subscribe_frames(struct devices *d, devices_frame_fn fn, void *ud);

/* Queue a label; the outcome comes through cb->printed.  0, -ENODEV
 * without a printer, -EBUSY when too many wait (the printer is then at
 * fault: "too many labels waiting for the printer"), -ENOMEM; a label
 * refused here is not reported through cb->printed. */
int devices_print_label(struct devices *d, int64_t receipt_id, const char *zpl,
			size_t len);

/* A button pressed through the API ("accept", "reject", "pedal", or
 * "parcel" for the parcel-present sensor): the
 * press comes back through cb->button.  -EINVAL, -ENODEV with @err. */
int devices_press(struct devices *d, const char *button, char *err,
		  size_t errlen);
/* The desk's tower state (and the state a refusal goes back to): the
 * GPIO runs its light and buzzer pattern (gpio.h). */
void devices_set_tower(struct devices *d, enum tower_state s,
		       enum tower_state then);
/* The buzzer sounds right now. */
bool devices_buzzer(const struct devices *d);

/* {"scanner": {"present", "ok", "last_error", "feed"}, "scale": {...},
 * "printer": {...}, "camera": {...}, "gpio": {..., "tower", "lines":
 * {"green", "amber", "red", "buzzer"}}}: the status API's "devices". */
json_t *devices_status(const struct devices *d);
/* Where codes can be written (the scanner pty or fifo), or NULL. */
const char *devices_scanner_feed(const struct devices *d);

#endif
