/* SPDX-License-Identifier: MIT */
/*
 * Private to the desk's devices (src/daemon/devices*.c): the desk's state
 * and what its files share.  devices_open.c opens and closes them; each
 * kind has a file of its own (devices_scanner.c, devices_scale.c,
 * devices_printer.c, devices_camera.c, devices_gpio.c) that none of the
 * others calls into but devices_open.c; devices.c, below them all, keeps
 * each device's state and gives the status.
 */
#ifndef RETOUR_DAEMON_DEVICES_INTERNAL_H
#define RETOUR_DAEMON_DEVICES_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <systemd/sd-event.h>

#include "retour/camera_scanner.h"
#include "retour/config.h"
#include "retour/devices.h"
#include "retour/hotplug.h"
#include "retour/printer.h"
#include "retour/scanner.h"
#include "retour/spool.h"

/* A device's last error, as the status shows it: cut to what fits. */
#define DEVICES_ERROR_LEN 160

/* a photo asked for, then taken (devices_camera.c) */
struct photo_job;

/*
 * One scanner of the desk: [scanner] or a [scanner NAME].  Codes from any
 * of them go to the desk; each keeps its own state for the status, and
 * the desk's scanner state is the worst of them.
 */
struct devices_scanner {
	struct devices *d;
	const struct config_device *cd;
	struct scanner *scanner; /* NULL: could not be opened */
	bool present;
	char id[96]; /* stable: USB id or port path, else name:feed */
	char error[DEVICES_ERROR_LEN];
};

struct devices {
	sd_event *ev;
	const struct config *cfg;
	const struct devices_events *cb;
	void *ud;

	struct scanner *scanner; /* [scanner]'s: scanners[0].scanner */
	struct devices_scanner scanners[CONFIG_MAX_SCANNERS];
	int n_scanners; /* named by the board, opened or not */
	struct scale *scale;
	struct printer *printer;
	struct spool *spool;
	struct camera *camera;
	struct gpio *gpio;
	bool named[DEVICE_KIND_COUNT]; /* the board names a backend */
	enum device_state state[DEVICE_KIND_COUNT];
	char error[DEVICE_KIND_COUNT][DEVICES_ERROR_LEN];
	/* asked for a weight while a reading was on its way: that reading
	 * answers the question before, so the scale is asked once more */
	bool weigh_again;
	sd_event_source *hello; /* reports the states found at open */

	/* the camera's thread and its queues, under lock */
	pthread_t camera_thread;
	bool camera_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
	struct photo_job *todo, **todo_tail;
	struct photo_job *done, **done_tail;
	int photos_pending;
	int wake_fd;
	sd_event_source *wake;
	/* the frame subscriber, under its own lock: held during the call so
	 * that unsubscribing waits for a call in progress */
	pthread_mutex_t frame_lock;
	devices_frame_fn frame_fn;
	void *frame_ud;
	/* [camera] decode = yes: the frames decoded, codes as scan lines */
	struct camera_scanner *camera_scanner;
	/* udev's video nodes, for a V4L2 camera plugged in later */
	struct hotplug *video_watch;
	/* the camera came or went, told on its thread, under lock */
	bool camera_told;
	bool camera_present;
	char camera_why[DEVICES_ERROR_LEN];
};

/* devices.c: @k's state and last error, told to the desk when the state
 * changes. */
void devices_set_state(struct devices *d, enum device_kind k,
		       enum device_state s, const char *reason);
/* devices.c: a scanner's name for messages: its section's, or "scanner" */
const char *devices_scanner_name(const struct devices_scanner *ds);

/* devices_scanner.c: every scanner the board names. */
void devices_open_scanners(struct devices *d);

/* One device of its kind, as the board's section @cd says (the error
 * in @err); the camera's also starts its thread. */
int devices_scale_open(struct devices *d, const struct config_device *cd,
		       char *err, size_t errlen);
int devices_printer_open(struct devices *d, const struct config_device *cd,
			 char *err, size_t errlen);
int devices_camera_open(struct devices *d, const struct config_device *cd,
			char *err, size_t errlen);
int devices_gpio_open(struct devices *d, const struct config_device *cd,
		      char *err, size_t errlen);
/* The camera, its decoder, its thread and its hot-plug watch. */
void devices_camera_close(struct devices *d);

#endif
