/* SPDX-License-Identifier: MIT */
/*
 * USB HID POS scale driver: the scale's input reports, read continuously,
 * weighed against the stability rule (scale.h) when the desk asks.
 *
 * Two ways in, one state machine (scale_hidpos_one()):
 *  - USB through libusb: scale_hidpos_usb.c (the transport, private header
 *    scale_hidpos_usb.h) hands the reports here;
 *  - a path ("path = /dev/hidraw0", or a tty or pipe in tests and
 *    benches) giving the same reports.  When it goes away it is opened
 *    again as soon as udev announces a hidraw node (hotplug.h), so the
 *    station page shows it back without a weigh; where udev does not
 *    manage the path (a pty, no udevd), on the next request.
 *
 * The first report after opening may be one the scale held from before
 * (stale): it is discarded.  Zeroing sends the Scale Control Report
 * (report id 2, Enforced Zero Return) through the OUT endpoint or
 * SET_REPORT; a scale whose descriptor has no output report cannot be
 * zeroed from here (-EOPNOTSUPP, and the log says so).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <termios.h>
#include <unistd.h>

#include "retour/clock.h"
#include "retour/hidpos.h"
#include "retour/hotplug.h"
#include "retour/log.h"
#include "retour/scale.h"
#include "retour/usb.h"
#include "scale_hidpos_usb.h"

struct scale_hidpos {
	sd_event *ev;
	scale_reading_fn fn;
	scale_state_fn state_fn;
	void *userdata;
	uint64_t stable_timeout_usec;
	uint64_t reply_timeout_usec;
	struct scale_tael tael;
	struct scale_settle settle;
	char name[96]; /* for messages: "Dymo M10 0922:8003", the path */

	/* path transport */
	char *path;
	int fd;
	sd_event_source *io;
	struct hotplug *hotplug; /* hidraw nodes coming, while absent */
	bool watch_failed;

	/* USB transport */
	struct scale_hidpos_usb usb;

	/* the scale as last heard */
	bool present;
	bool opening;	/* inside scale_open(): the desk is not told */
	bool numbered;	/* reports start with their id */
	bool can_zero;	/* an output report exists */
	bool fresh;	/* next report is the stale one: drop it */
	bool have_last; /* a report arrived since open */
	struct scale_reading last;

	/* the request */
	bool busy;
	uint64_t deadline;	  /* the timer's next look */
	uint64_t stable_deadline; /* in motion past this: UNSTABLE */
	sd_event_source *timer;
	sd_event_source *absent; /* tells "not there" once the loop runs */
	char absent_why[160];
	struct scale_reading pending;
	bool pending_set;
};

static void scale_hidpos_finish(struct scale_hidpos *s,
				const struct scale_reading *r)
{
	s->busy = false;
	s->pending_set = false;
	scale_deliver(s->timer, s->fn, s->userdata, r);
}

static void scale_hidpos_arm(struct scale_hidpos *s, uint64_t when)
{
	scale_timer_arm(s->timer, when);
}

/* Report from the loop, never from inside the caller's request. */
static void scale_hidpos_report_later(struct scale_hidpos *s,
				      const struct scale_reading *r)
{
	s->pending = *r;
	s->pending_set = true;
	scale_hidpos_arm(s, 0);
}

static void scale_hidpos_offline_later(struct scale_hidpos *s, const char *why)
{
	struct scale_reading r = {.status = SCALE_OFFLINE};

	snprintf(r.detail, sizeof(r.detail), "%s", why);
	scale_hidpos_report_later(s, &r);
}

static void scale_hidpos_set_present(struct scale_hidpos *s, bool present,
				     const char *why)
{
	if (s->present == present)
		return;
	s->present = present;
	if (present)
		log_info("scale: %s connected", s->name);
	else
		log_warning("scale: %s", why);
	if (s->state_fn && !s->opening)
		s->state_fn(s->userdata, present, present ? "" : why);
}

/* The device went away: say so, and answer a request in flight. */
static void scale_hidpos_lost(struct scale_hidpos *s, const char *why)
{
	struct scale_reading r = {.status = SCALE_OFFLINE};

	s->have_last = false;
	scale_settle_reset(&s->settle);
	scale_hidpos_set_present(s, false, why);
	if (s->busy) {
		snprintf(r.detail, sizeof(r.detail), "%s", why);
		scale_hidpos_finish(s, &r);
	}
}

/* Absent at open: the desk hears it from the loop, after open returned. */
static int scale_hidpos_absent(sd_event_source *src, void *ud)
{
	struct scale_hidpos *s = ud;

	s->absent = sd_event_source_disable_unref(s->absent);
	if (!s->present && s->state_fn)
		s->state_fn(s->userdata, false, s->absent_why);
	return 0;
}

static void scale_hidpos_absent_later(struct scale_hidpos *s, const char *why)
{
	snprintf(s->absent_why, sizeof(s->absent_why), "%s", why);
	if (!s->absent)
		sd_event_add_defer(s->ev, &s->absent, scale_hidpos_absent, s);
}

/* ---- the state machine: one report in ---- */

static void scale_hidpos_one(struct scale_hidpos *s, const uint8_t *buf,
			     size_t len)
{
	struct scale_reading r;
	uint64_t now = (uint64_t)clock_mono_us(), due;
	int rc;

	if (s->fresh) {
		s->fresh = false; /* held from before we opened: stale */
		return;
	}
	rc = hidpos_parse_report(buf, len, s->numbered, &s->tael, &r);
	if (rc == -ENOMSG)
		return; /* another report of the device: not the weight */
	s->have_last = true;
	s->last = r;
	if (scale_settle_feed(&s->settle, &r, now)) {
		if (s->busy)
			scale_hidpos_finish(s, &s->settle.last);
		return;
	}
	if (!s->busy)
		return;
	if (r.status != SCALE_STABLE && r.status != SCALE_UNSTABLE) {
		scale_hidpos_finish(s, &r);
		return;
	}
	s->deadline = s->stable_deadline; /* it weighs again */
	due = scale_settle_due(&s->settle);
	scale_hidpos_arm(s, due && due < s->deadline ? due : s->deadline);
}

/* Test and bench hook: the path transport hands its bytes here. */
static void scale_hidpos_bytes(struct scale_hidpos *s, const uint8_t *buf,
			       size_t len)
{
	/* A pipe may join reports a hidraw node would keep apart: numbered
	 * data reports are HIDPOS_REPORT_LEN bytes each. */
	while (s->numbered && len > HIDPOS_REPORT_LEN &&
	       buf[0] == HIDPOS_REPORT_DATA) {
		scale_hidpos_one(s, buf, HIDPOS_REPORT_LEN);
		buf += HIDPOS_REPORT_LEN;
		len -= HIDPOS_REPORT_LEN;
	}
	scale_hidpos_one(s, buf, len);
}

static int scale_hidpos_timer(sd_event_source *src, uint64_t usec, void *ud)
{
	struct scale_hidpos *s = ud;
	uint64_t now = (uint64_t)clock_mono_us(), due;
	struct scale_reading r = {.status = SCALE_UNSTABLE};

	if (s->pending_set) {
		scale_hidpos_finish(s, &s->pending);
		return 0;
	}
	if (!s->busy)
		return 0;
	if (scale_settle_ready(&s->settle, now)) {
		scale_hidpos_finish(s, &s->settle.last);
		return 0;
	}
	if (now < s->deadline) {
		due = scale_settle_due(&s->settle);
		scale_hidpos_arm(s,
				 due && due < s->deadline ? due : s->deadline);
		return 0;
	}
	if (s->have_last && s->last.status != SCALE_STABLE &&
	    s->last.status != SCALE_UNSTABLE) {
		/* what the scale said before the request still holds */
		scale_hidpos_finish(s, &s->last);
		return 0;
	}
	if (!s->have_last) {
		r.status = SCALE_OFFLINE;
		snprintf(r.detail, sizeof(r.detail),
			 "scale %.60s sent no report", s->name);
	} else {
		r.grams = s->last.grams;
		scale_unsettled_detail(r.detail, sizeof(r.detail),
				       s->stable_timeout_usec, s->last.grams);
	}
	scale_hidpos_finish(s, &r);
	return 0;
}

/* ---- the path transport ---- */

static void scale_hidpos_watch(struct scale_hidpos *s);

static void scale_hidpos_drop_fd(struct scale_hidpos *s)
{
	s->io = sd_event_source_disable_unref(s->io);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int scale_hidpos_io(sd_event_source *src, int fd, uint32_t revents,
			   void *ud)
{
	struct scale_hidpos *s = ud;
	uint8_t buf[256];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			scale_hidpos_bytes(s, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		scale_hidpos_drop_fd(s);
		scale_hidpos_lost(s, n == 0 ? "scale closed"
					    : "scale gone (read error)");
		scale_hidpos_watch(s);
		return 0;
	}
	if (revents & (EPOLLHUP | EPOLLERR)) {
		scale_hidpos_drop_fd(s);
		scale_hidpos_lost(s, "scale hung up");
		scale_hidpos_watch(s);
	}
	return 0;
}

static int scale_hidpos_open_path(struct scale_hidpos *s, char *err,
				  size_t errlen)
{
	struct termios tio;
	int fd, r;

	fd = open(s->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "scale %s: cannot open: %s", s->path,
			 strerror(-r));
		return r;
	}
	if (isatty(fd) && tcgetattr(fd, &tio) == 0) {
		/* reports are binary: no line discipline on them */
		cfmakeraw(&tio);
		tcsetattr(fd, TCSANOW, &tio);
	}
	r = sd_event_add_io(s->ev, &s->io, fd, EPOLLIN, scale_hidpos_io, s);
	if (r < 0) {
		snprintf(err, errlen, "scale %s: event loop: %s", s->path,
			 strerror(-r));
		close(fd);
		return r;
	}
	s->fd = fd;
	s->numbered = true; /* hidraw keeps the report id */
	s->can_zero = true;
	s->fresh = true;
	s->have_last = false;
	scale_settle_reset(&s->settle);
	scale_hidpos_set_present(s, true, "");
	return 0;
}

/* udev made a hidraw node (its symlinks made by then): ours, when the
 * path opens now.  Another device's node leaves the scale absent. */
static void scale_hidpos_hotplug_cb(void *ud, enum hotplug_action a,
				    const char *devnode, const char *stable_id)
{
	struct scale_hidpos *s = ud;
	char err[160];

	(void)devnode;
	(void)stable_id;
	if (a != HOTPLUG_ADDED || s->fd >= 0 || s->busy)
		return;
	(void)scale_hidpos_open_path(s, err, sizeof(err));
}

/* The path is gone: watch for it where udev manages it.  Without udevd, or
 * for a path outside /dev (a pty in tests), the next request tries. */
static void scale_hidpos_watch(struct scale_hidpos *s)
{
	char err[160];

	if (s->hotplug || s->watch_failed || !s->path ||
	    strncmp(s->path, "/dev/", 5) != 0 ||
	    !strncmp(s->path, "/dev/pts/", 9) ||
	    access("/run/udev/control", F_OK) != 0)
		return;
	if (hotplug_watch(s->ev, "hidraw", scale_hidpos_hotplug_cb, s,
			  &s->hotplug, err, sizeof(err)) < 0) {
		log_warning("scale %s: %s; opened again on the next weigh",
			    s->path, err);
		s->watch_failed = true;
	}
}

/* ---- what the USB transport tells ---- */

static void scale_hidpos_usb_report(void *ud, const uint8_t *buf, size_t len)
{
	scale_hidpos_one(ud, buf, len);
}

static void scale_hidpos_usb_opened(void *ud, bool numbered, bool can_zero)
{
	struct scale_hidpos *s = ud;

	s->numbered = numbered;
	s->can_zero = can_zero;
	s->fresh = true;
	s->have_last = false;
	scale_settle_reset(&s->settle);
	if (!s->can_zero)
		log_info("scale: %s has no output report: zero it on the "
			 "scale itself",
			 s->name);
	scale_hidpos_set_present(s, true, "");
}

static void scale_hidpos_usb_lost(void *ud, const char *why)
{
	scale_hidpos_lost(ud, why);
}

/* ---- the backend ---- */

static int scale_hidpos_request_stable(void *state)
{
	struct scale_hidpos *s = state;
	uint64_t now = (uint64_t)clock_mono_us(), due;
	char err[160];

	if (s->busy)
		return -EBUSY;
	s->busy = true;
	if (!s->present && s->path && s->fd < 0 &&
	    scale_hidpos_open_path(s, err, sizeof(err)) < 0) {
		scale_hidpos_offline_later(s, err);
		return 0;
	}
	if (!s->present) {
		snprintf(err, sizeof(err), "scale %.60s not connected",
			 s->name);
		scale_hidpos_offline_later(s, err);
		return 0;
	}
	if (scale_settle_ready(&s->settle, now)) {
		scale_hidpos_report_later(s, &s->settle.last);
		return 0;
	}
	s->stable_deadline = now + (s->have_last ? s->stable_timeout_usec
						 : s->reply_timeout_usec +
						       s->stable_timeout_usec);
	s->deadline = s->stable_deadline;
	if (s->have_last && s->last.status != SCALE_STABLE &&
	    s->last.status != SCALE_UNSTABLE)
		/* the scale said something was wrong before the request: it
		 * holds unless a report within reply_timeout says otherwise
		 * (a scale may report only when its state changes) */
		s->deadline = now + s->reply_timeout_usec;
	due = scale_settle_due(&s->settle);
	scale_hidpos_arm(s, due && due < s->deadline ? due : s->deadline);
	return 0;
}

static bool scale_hidpos_is_busy(const void *state)
{
	const struct scale_hidpos *s = state;

	return s->busy;
}

static int scale_hidpos_zero(void *state)
{
	struct scale_hidpos *s = state;
	const uint8_t report[2] = {HIDPOS_REPORT_CONTROL, HIDPOS_CONTROL_ZERO};

	if (s->busy)
		return -EBUSY;
	if (!s->present)
		return -ENODEV;
	if (!s->can_zero) {
		log_warning("scale: %s has no output report: it cannot be "
			    "zeroed from the station",
			    s->name);
		return -EOPNOTSUPP;
	}
	if (s->fd >= 0)
		return write(s->fd, report, sizeof(report)) == 2 ? 0 : -EIO;
	return scale_hidpos_usb_control(&s->usb, report, s->numbered);
}

static void scale_hidpos_close(void *state)
{
	struct scale_hidpos *s = state;

	if (!s)
		return;
	scale_hidpos_drop_fd(s);
	hotplug_unwatch(s->hotplug);
	scale_hidpos_usb_stop(&s->usb);
	sd_event_source_disable_unref(s->timer);
	sd_event_source_disable_unref(s->absent);
	sd_event_unref(s->ev);
	free(s->path);
	free(s);
}

static int scale_hidpos_open(sd_event *ev, const struct scale_config *cfg,
			     scale_reading_fn fn, void *userdata, void **state,
			     char *err, size_t errlen)
{
	struct scale_hidpos *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "scale: out of memory");
		return -ENOMEM;
	}
	s->ev = sd_event_ref(ev);
	s->fd = -1;
	s->usb.name = s->name;
	s->usb.name_size = sizeof(s->name);
	s->usb.ud = s;
	s->usb.report = scale_hidpos_usb_report;
	s->usb.opened = scale_hidpos_usb_opened;
	s->usb.lost = scale_hidpos_usb_lost;
	s->fn = fn;
	s->state_fn = cfg->state;
	s->opening = true;
	s->userdata = userdata;
	s->stable_timeout_usec =
	    1000ULL * (uint64_t)(cfg->stable_timeout_ms > 0
				     ? cfg->stable_timeout_ms
				     : SCALE_STABLE_TIMEOUT_MS_DEFAULT);
	s->reply_timeout_usec =
	    1000ULL * (uint64_t)(cfg->reply_timeout_ms > 0
				     ? cfg->reply_timeout_ms
				     : SCALE_REPLY_TIMEOUT_MS_DEFAULT);
	scale_settle_init(&s->settle, cfg->stable_readings, cfg->settle_ms);
	r = scale_unit_tael_parse(cfg->tael_g, &s->tael);
	if (r < 0) {
		snprintf(err, errlen,
			 "scale: tael_g '%.32s' is not 37.5, 37.8 or 50",
			 cfg->tael_g);
		goto fail;
	}
	if (cfg->usb && *cfg->usb) {
		r = usb_id_parse(cfg->usb, &s->usb.id, err, errlen);
		if (r < 0)
			goto fail;
		s->usb.have_id = true;
	}
	r = sd_event_add_time(ev, &s->timer, CLOCK_MONOTONIC, 0, 1,
			      scale_hidpos_timer, s);
	if (r < 0) {
		snprintf(err, errlen, "scale: event loop: %s", strerror(-r));
		goto fail;
	}
	sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);

	if (cfg->path && *cfg->path) {
		s->path = strdup(cfg->path);
		if (!s->path) {
			r = -ENOMEM;
			goto fail;
		}
		snprintf(s->name, sizeof(s->name), "%s", cfg->path);
		r = scale_hidpos_open_path(s, err, errlen);
		if (r == -ENOENT || r == -ENODEV || r == -ENXIO || r == -EIO) {
			log_warning("%s (opened when it comes)", err);
			scale_hidpos_absent_later(s, err);
			scale_hidpos_watch(s);
			r = 0;
		}
		if (r < 0)
			goto fail;
		s->opening = false;
		*state = s;
		return 0;
	}

	if (s->usb.have_id)
		usb_id_format(&s->usb.id, s->name, sizeof(s->name));
	else
		snprintf(s->name, sizeof(s->name), "(any HID POS scale)");
	r = scale_hidpos_usb_start(&s->usb, ev, err, errlen);
	if (r < 0)
		goto fail;
	r = scale_hidpos_usb_find(&s->usb, err, errlen);
	if (r == -ENODEV) {
		/* not plugged in yet: a state, not a configuration error */
		log_warning("%s %s (waiting for it)", err, s->name);
		scale_hidpos_absent_later(s, "scale not connected");
		r = 0;
	}
	if (r < 0)
		goto fail;
	s->opening = false;
	*state = s;
	return 0;
fail:
	scale_hidpos_close(s);
	return r < 0 ? r : -EINVAL;
}

const struct scale_backend scale_backend_hidpos = {
    .name = "hidpos",
    .open = scale_hidpos_open,
    .request_stable = scale_hidpos_request_stable,
    .is_busy = scale_hidpos_is_busy,
    .zero = scale_hidpos_zero,
    .close = scale_hidpos_close,
};
