/* SPDX-License-Identifier: MIT */
/*
 * Parcel scale: asks for one stable weight and reports it once.
 *
 * Backends are picked by name: "mtsics" (Mettler Toledo MT-SICS over a
 * serial line; the simulation is a pty speaking MT-SICS).  A USB HID POS
 * scale backend is added as a new file and one entry in src/dev/device.c.
 *
 * This module does not compare weights with what is expected: that is the
 * rules engine's job.
 */
#ifndef RETOUR_SCALE_H
#define RETOUR_SCALE_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

struct scale;

enum scale_status {
	SCALE_STABLE,
	SCALE_UNSTABLE,
	SCALE_OVERLOAD,
	SCALE_UNDERLOAD,
	SCALE_ERROR,
	SCALE_OFFLINE,
};

struct scale_reading {
	enum scale_status status;
	int32_t grams;	 /* meaningful for STABLE and UNSTABLE */
	char detail[96]; /* human-readable, for the screen and the log */
};

#define SCALE_STABLE_TIMEOUT_MS_DEFAULT 5000
#define SCALE_REPLY_TIMEOUT_MS_DEFAULT 1000
#define SCALE_BAUD_DEFAULT 9600

struct scale_config {
	const char *backend;   /* "mtsics" */
	const char *path;      /* tty */
	int stable_timeout_ms; /* 0: SCALE_STABLE_TIMEOUT_MS_DEFAULT */
	int reply_timeout_ms;  /* 0: SCALE_REPLY_TIMEOUT_MS_DEFAULT */
	int baud;	       /* 0: SCALE_BAUD_DEFAULT; ignored on a pty */
};

typedef void (*scale_reading_fn)(void *userdata, const struct scale_reading *r);

/* Unknown backend: -EINVAL, err "unknown scale backend 'x' (known: ...)".
 * A device that is absent (unplugged) is not an error here: requests report
 * SCALE_OFFLINE until it appears, and a scale that goes away is reopened on
 * the next request.  Other open errors (permission, ...) fail here. */
int scale_open(sd_event *ev, const struct scale_config *cfg,
	       scale_reading_fn fn, void *userdata, struct scale **out,
	       char *err, size_t errlen);

/*
 * Ask for one stable weight.  The driver sends "SI\r\n" and repeats while
 * it gets unstable "S D" replies until stable_timeout; then reports exactly
 * one reading via fn, always from the event loop (never from inside this
 * call): STABLE with grams, or the final status (UNSTABLE with the last
 * weight when it never settled, OVERLOAD, UNDERLOAD, ERROR for
 * ES/EL/ET/"S I"/garbage, OFFLINE when no reply within reply_timeout).
 * Returns -EBUSY while a request is in flight.  fn may start the next
 * request but must not call scale_close().
 */
int scale_request_stable(struct scale *s);
bool scale_is_busy(const struct scale *s);
const char *scale_status_name(enum scale_status st);
void scale_close(struct scale *s);

/* Backend contract, for src/dev/scale_*.c only. */
struct scale_backend {
	const char *name;
	int (*open)(sd_event *ev, const struct scale_config *cfg,
		    scale_reading_fn fn, void *userdata, void **state,
		    char *err, size_t errlen);
	int (*request_stable)(void *state);
	bool (*is_busy)(const void *state);
	void (*close)(void *state);
};

extern const struct scale_backend scale_backend_mtsics;

#endif
