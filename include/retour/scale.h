/* SPDX-License-Identifier: MIT */
/*
 * Parcel scale: asks for one stable weight and reports it once.
 *
 * Backends are picked by name: "mtsics" (Mettler Toledo MT-SICS over a
 * serial line; the simulation is a pty speaking MT-SICS), "toledo8217"
 * (the Toledo 8217 "W" protocol over a serial line) and "hidpos" (a USB
 * HID point-of-sale scale, usage page 0x8D, through libusb, or its reports
 * read from a hidraw node or a pipe).
 *
 * Weights are integer grams.  Every conversion from another unit (kg, lb,
 * oz, ...) rounds HALF AWAY FROM ZERO to the gram (0.5 g -> 1 g, -0.5 g ->
 * -1 g), and the reading keeps what the scale said (raw value, power of
 * ten, unit) beside the grams.
 *
 * Stability is one rule for every backend (scale_settle_*): a weight is
 * accepted once the scale has called it stable, at the same grams, for
 * stable_readings readings in a row and for settle_ms milliseconds.
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
	/* the scale asks to be zeroed again (HID POS "requires re-zeroing",
	 * 8217 "outside zero capture range"): the clerk empties and zeroes */
	SCALE_NEEDS_ZERO,
	/* the scale asks for calibration: a technician's job */
	SCALE_NEEDS_CALIBRATION,
};

struct scale_reading {
	enum scale_status status;
	int32_t grams; /* meaningful for STABLE and UNSTABLE */
	/* what the scale said, when it gave a number: raw * 10^exponent in
	 * unit ("kg", "lb", ...); unit "" when it gave none */
	int32_t raw;
	int8_t exponent;
	char unit[8];
	char detail[96]; /* human-readable, for the screen and the log */
};

#define SCALE_STABLE_TIMEOUT_MS_DEFAULT 5000
#define SCALE_REPLY_TIMEOUT_MS_DEFAULT 1000
#define SCALE_BAUD_DEFAULT 9600

/* Told when the device goes away (@present false, @why says so) or comes
 * back; on the event loop, with the readings' userdata. */
typedef void (*scale_state_fn)(void *userdata, bool present, const char *why);

struct scale_config {
	const char *backend;   /* "mtsics", "toledo8217", "hidpos" */
	const char *path;      /* tty; hidpos: hidraw node or pipe */
	int stable_timeout_ms; /* 0: SCALE_STABLE_TIMEOUT_MS_DEFAULT */
	int reply_timeout_ms;  /* 0: SCALE_REPLY_TIMEOUT_MS_DEFAULT */
	int baud;	       /* 0: SCALE_BAUD_DEFAULT; ignored on a pty */
	/* stability (every backend): 0 readings means 1, 0 ms means none */
	int stable_readings;
	int settle_ms;
	/* toledo8217: "even" (default), "odd", "none"; 7 (default) or 8
	 * data bits; the unit of replies that carry none (default "kg") */
	const char *parity;
	int bits;
	const char *unit;
	/* hidpos: "0922:8003[:serial]" or NULL (any HID POS scale) */
	const char *usb;
	/* grams in a tael, "37.5", "37.8" or "50"; NULL: taels refused */
	const char *tael_g;
	scale_state_fn state; /* optional */
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
 * Ask for one stable weight.  A polled scale (MT-SICS "SI", 8217 "W") is
 * asked every 100 ms while in motion; a HID scale's own reports are
 * watched.  Exactly one reading is reported via fn, always from the event
 * loop (never from inside this call): STABLE with grams once the
 * stability rule holds, or the final status: UNSTABLE with the last
 * weight when it never settled within stable_timeout, OVERLOAD,
 * UNDERLOAD, NEEDS_ZERO, NEEDS_CALIBRATION, ERROR (error replies,
 * garbage), OFFLINE (no reply within reply_timeout, device absent).  A
 * HID scale's fault reported before the request holds unless a report
 * within reply_timeout says otherwise.
 * Returns -EBUSY while a request is in flight.  fn may start the next
 * request but must not call scale_close().
 */
int scale_request_stable(struct scale *s);
bool scale_is_busy(const struct scale *s);
/*
 * Zero the scale (the clerk emptied it): 0 when the command went out,
 * -EOPNOTSUPP where the backend has no way to (MT-SICS here: the clerk
 * zeroes on the scale), -ENODEV while the scale is absent, -EBUSY during
 * a request.  Not reachable from the API yet.
 */
int scale_zero(struct scale *s);
const char *scale_status_name(enum scale_status st);
void scale_close(struct scale *s);

/* ---- the stability rule, for the backends ---- */

struct scale_settle {
	unsigned need_readings;
	uint64_t need_us;
	bool running; /* a run of equal stable readings is going */
	unsigned count;
	uint64_t since_us;
	struct scale_reading last; /* the run's latest reading */
};

/* @stable_readings < 1 counts as 1, @settle_ms < 0 as 0. */
void scale_settle_init(struct scale_settle *st, int stable_readings,
		       int settle_ms);
void scale_settle_reset(struct scale_settle *st);
/*
 * One reading at @now_us (monotonic): a STABLE reading at the run's grams
 * extends the run, a STABLE one at other grams starts a new run, anything
 * else ends it.  True when the rule is met (st->last is the weight).
 */
bool scale_settle_feed(struct scale_settle *st, const struct scale_reading *r,
		       uint64_t now_us);
/* With no new reading: is the rule met at @now_us? */
bool scale_settle_ready(const struct scale_settle *st, uint64_t now_us);
/* When time alone will meet the rule (arm a timer there), or 0 when more
 * readings are needed first or no run is going. */
uint64_t scale_settle_due(const struct scale_settle *st);

/* The ending every backend shares: switch the request's timer off and
 * hand a copy of @r to the desk (whose callback may start the next
 * request at once). */
void scale_deliver(sd_event_source *timer, scale_reading_fn fn, void *userdata,
		   const struct scale_reading *r);
/* Arm a one-shot timer for the monotonic time @when (0: at once). */
void scale_timer_arm(sd_event_source *timer, uint64_t when);
/* "scale did not settle within N ms (last G g)" */
void scale_unsettled_detail(char *buf, size_t len, uint64_t timeout_usec,
			    int32_t grams);

/* Backend contract, for src/dev/scale_*.c only. */
struct scale_backend {
	const char *name;
	int (*open)(sd_event *ev, const struct scale_config *cfg,
		    scale_reading_fn fn, void *userdata, void **state,
		    char *err, size_t errlen);
	int (*request_stable)(void *state);
	bool (*is_busy)(const void *state);
	int (*zero)(void *state); /* NULL: -EOPNOTSUPP */
	void (*close)(void *state);
};

extern const struct scale_backend scale_backend_mtsics;
extern const struct scale_backend scale_backend_toledo8217;
extern const struct scale_backend scale_backend_hidpos;

#endif
