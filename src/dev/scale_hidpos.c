/* SPDX-License-Identifier: MIT */
/*
 * USB HID POS scale driver: the scale's input reports, read continuously,
 * weighed against the stability rule (scale.h) when the desk asks.
 *
 * Two ways in, one state machine (scale_hidpos_report()):
 *  - USB through libusb on the daemon's shared context (usb.h): the scale
 *    is found by the board's id ("usb = 0922:8003[:serial]"), by the table
 *    of known scales (hidpos.c), or by a report descriptor with usage page
 *    0x8D; the usbhid kernel driver is detached while the interface is
 *    claimed and reattached on release; one interrupt IN transfer is kept
 *    submitted (asynchronous, on the event loop: no thread, no polling);
 *    hot-plug arrivals reopen it, departures make it missing.
 *  - a path ("path = /dev/hidraw0", or a tty or pipe in tests and
 *    benches) giving the same reports; reopened on the next request when
 *    it goes away.
 *
 * The first report after opening may be one the scale held from before
 * (stale): it is discarded.  Zeroing sends the Scale Control Report
 * (report id 2, Enforced Zero Return) through the OUT endpoint or
 * SET_REPORT; a scale whose descriptor has no output report cannot be
 * zeroed from here (-EOPNOTSUPP, and the log says so).
 *
 * Deliberately not here: reading the report descriptor of a HID device
 * that another driver holds by detaching that driver (a keyboard would
 * lose its keys for a moment): a device neither named nor known is probed
 * only where the descriptor can be read without claiming it.
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
#include "retour/log.h"
#include "retour/scale.h"
#include "retour/usb.h"

#define HIDPOS_CTRL_TIMEOUT_MS 1000
#define HIDPOS_DESC_MAX 1024
#define HIDPOS_IN_MAX 64

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

	/* USB transport */
	bool usb;
	struct usb_id id;
	bool have_id;
	libusb_context *ctx;
	struct usb_watch *watch;
	libusb_device_handle *h;
	int iface;
	uint8_t ep_in, ep_out;
	struct libusb_transfer *xfer;
	bool xfer_live;
	bool releasing; /* the transfer's end is awaited, not acted on */
	uint8_t in[HIDPOS_IN_MAX];

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
	struct scale_reading copy = *r;

	s->busy = false;
	s->pending_set = false;
	sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
	s->fn(s->userdata, &copy);
}

static void scale_hidpos_arm(struct scale_hidpos *s, uint64_t when)
{
	sd_event_source_set_time(s->timer, when);
	sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
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
		snprintf(r.detail, sizeof(r.detail),
			 "scale did not settle within %llu ms (last %ld g)",
			 (unsigned long long)(s->stable_timeout_usec / 1000),
			 (long)s->last.grams);
	}
	scale_hidpos_finish(s, &r);
	return 0;
}

/* ---- the path transport ---- */

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
		return 0;
	}
	if (revents & (EPOLLHUP | EPOLLERR)) {
		scale_hidpos_drop_fd(s);
		scale_hidpos_lost(s, "scale hung up");
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

/* ---- the USB transport ---- */

static void scale_hidpos_usb_release(struct scale_hidpos *s);

static void LIBUSB_CALL scale_hidpos_xfer_done(struct libusb_transfer *t)
{
	struct scale_hidpos *s = t->user_data;
	char why[128];

	s->xfer_live = false;
	if (s->releasing)
		return;
	switch (t->status) {
	case LIBUSB_TRANSFER_COMPLETED:
		scale_hidpos_one(s, t->buffer, (size_t)t->actual_length);
		__attribute__((fallthrough)); /* keep listening */
	case LIBUSB_TRANSFER_TIMED_OUT:
		if (!s->h)
			return;
		if (libusb_submit_transfer(t) == 0) {
			s->xfer_live = true;
			return;
		}
		snprintf(why, sizeof(why), "scale %.60s: cannot read it",
			 s->name);
		break;
	case LIBUSB_TRANSFER_CANCELLED:
		return; /* closing */
	default:	/* NO_DEVICE, ERROR, STALL, OVERFLOW */
		snprintf(why, sizeof(why), "scale %.60s unplugged or failing",
			 s->name);
		break;
	}
	scale_hidpos_usb_release(s);
	scale_hidpos_lost(s, why);
}

/* The report descriptor (HID class descriptor 0x22) of @iface. */
static int scale_hidpos_read_descriptor(libusb_device_handle *h, int iface,
					struct hidpos_descriptor *out)
{
	uint8_t d[HIDPOS_DESC_MAX];
	int n;

	n = libusb_control_transfer(
	    h, LIBUSB_ENDPOINT_IN | LIBUSB_RECIPIENT_INTERFACE,
	    LIBUSB_REQUEST_GET_DESCRIPTOR, (uint16_t)(LIBUSB_DT_REPORT << 8),
	    (uint16_t)iface, d, sizeof(d), HIDPOS_CTRL_TIMEOUT_MS);
	if (n < 0)
		return -EIO;
	hidpos_descriptor_scan(d, (size_t)n, out);
	return 0;
}

/* The HID interface of @dev with an interrupt IN endpoint, or -ENODEV. */
static int scale_hidpos_find_iface(libusb_device *dev, int *iface,
				   uint8_t *ep_in, uint8_t *ep_out)
{
	struct libusb_config_descriptor *cfg;
	int found = -ENODEV;

	if (libusb_get_active_config_descriptor(dev, &cfg) < 0)
		return -ENODEV;
	for (int i = 0; i < cfg->bNumInterfaces && found < 0; i++) {
		const struct libusb_interface_descriptor *id;

		if (cfg->interface[i].num_altsetting < 1)
			continue;
		id = &cfg->interface[i].altsetting[0];
		if (id->bInterfaceClass != LIBUSB_CLASS_HID)
			continue;
		*ep_in = *ep_out = 0;
		for (int e = 0; e < id->bNumEndpoints; e++) {
			const struct libusb_endpoint_descriptor *ep =
			    &id->endpoint[e];

			if ((ep->bmAttributes & 3) !=
			    LIBUSB_TRANSFER_TYPE_INTERRUPT)
				continue;
			if (ep->bEndpointAddress & LIBUSB_ENDPOINT_IN)
				*ep_in = ep->bEndpointAddress;
			else
				*ep_out = ep->bEndpointAddress;
		}
		if (*ep_in) {
			*iface = id->bInterfaceNumber;
			found = 0;
		}
	}
	libusb_free_config_descriptor(cfg);
	return found;
}

/* Is @dev the desk's scale?  Named by the board, known, or (only when
 * the board names none) a HID device whose descriptor says "scale". */
static bool scale_hidpos_wanted(struct scale_hidpos *s, libusb_device *dev)
{
	struct libusb_device_descriptor dd;
	struct hidpos_descriptor hd;
	libusb_device_handle *h;
	uint8_t in, out;
	int iface;
	bool scale = false;

	if (s->have_id)
		return usb_device_matches(dev, &s->id);
	if (libusb_get_device_descriptor(dev, &dd) < 0)
		return false;
	if (hidpos_known_scale(dd.idVendor, dd.idProduct))
		return true;
	if (scale_hidpos_find_iface(dev, &iface, &in, &out) < 0 ||
	    libusb_open(dev, &h) < 0)
		return false;
	/* unclaimed: where another driver holds it, the read fails */
	if (scale_hidpos_read_descriptor(h, iface, &hd) == 0)
		scale = hd.scale;
	libusb_close(h);
	return scale;
}

static void scale_hidpos_usb_release(struct scale_hidpos *s)
{
	if (s->xfer && s->xfer_live) {
		int done = 0;
		struct timeval tv = {0, 100000};

		s->releasing = true;
		if (libusb_cancel_transfer(s->xfer) == 0)
			/* the transfer's buffer is ours until it ends */
			for (int i = 0; i < 20 && s->xfer_live; i++)
				libusb_handle_events_timeout_completed(
				    s->ctx, &tv, &done);
		s->releasing = false;
		s->xfer_live = false;
	}
	if (s->h) {
		/* with auto-detach on, release reattaches usbhid */
		libusb_release_interface(s->h, s->iface);
		libusb_close(s->h);
		s->h = NULL;
	}
}

static int scale_hidpos_usb_open(struct scale_hidpos *s, libusb_device *dev,
				 char *err, size_t errlen)
{
	struct libusb_device_descriptor dd;
	struct hidpos_descriptor hd = {0};
	const char *known;
	int r;

	if (scale_hidpos_find_iface(dev, &s->iface, &s->ep_in, &s->ep_out) <
	    0) {
		snprintf(err, errlen,
			 "scale: USB device has no HID "
			 "interface with an interrupt IN "
			 "endpoint");
		return -ENODEV;
	}
	r = libusb_open(dev, &s->h);
	if (r < 0) {
		snprintf(err, errlen, "scale: cannot open USB device: %s",
			 libusb_strerror(r));
		s->h = NULL;
		return r == LIBUSB_ERROR_ACCESS ? -EACCES : -EIO;
	}
	/* usbhid lets go while we hold the interface, and takes it back
	 * on release (Linux); elsewhere nothing holds it */
	libusb_set_auto_detach_kernel_driver(s->h, 1);
	r = libusb_claim_interface(s->h, s->iface);
	if (r < 0) {
		snprintf(err, errlen, "scale: cannot claim its interface: %s",
			 libusb_strerror(r));
		libusb_close(s->h);
		s->h = NULL;
		return r == LIBUSB_ERROR_BUSY ? -EBUSY : -EIO;
	}
	if (scale_hidpos_read_descriptor(s->h, s->iface, &hd) < 0)
		log_warning("scale: cannot read its report descriptor; "
			    "assuming numbered reports, no output report");
	s->numbered = hd.items ? hd.report_ids : true;
	s->can_zero = hd.output || s->ep_out;
	libusb_get_device_descriptor(dev, &dd);
	known = hidpos_known_scale(dd.idVendor, dd.idProduct);
	snprintf(s->name, sizeof(s->name), "%s%s%04x:%04x", known ? known : "",
		 known ? " " : "", dd.idVendor, dd.idProduct);
	if (!s->xfer && !(s->xfer = libusb_alloc_transfer(0))) {
		scale_hidpos_usb_release(s);
		snprintf(err, errlen, "scale: out of memory");
		return -ENOMEM;
	}
	libusb_fill_interrupt_transfer(s->xfer, s->h, s->ep_in, s->in,
				       sizeof(s->in), scale_hidpos_xfer_done, s,
				       0);
	r = libusb_submit_transfer(s->xfer);
	if (r < 0) {
		scale_hidpos_usb_release(s);
		snprintf(err, errlen, "scale: cannot read reports: %s",
			 libusb_strerror(r));
		return -EIO;
	}
	s->xfer_live = true;
	s->fresh = true;
	s->have_last = false;
	scale_settle_reset(&s->settle);
	if (!s->can_zero)
		log_info("scale: %s has no output report: zero it on the "
			 "scale itself",
			 s->name);
	scale_hidpos_set_present(s, true, "");
	return 0;
}

/* The first wanted device present now; -ENODEV when none is. */
static int scale_hidpos_usb_find(struct scale_hidpos *s, char *err,
				 size_t errlen)
{
	libusb_device **list;
	ssize_t n = libusb_get_device_list(s->ctx, &list);
	int r = -ENODEV;

	snprintf(err, errlen, "scale: no USB scale connected");
	for (ssize_t i = 0; i < n && r < 0; i++)
		if (scale_hidpos_wanted(s, list[i]))
			r = scale_hidpos_usb_open(s, list[i], err, errlen);
	if (n >= 0)
		libusb_free_device_list(list, 1);
	return r;
}

static void scale_hidpos_plug(void *ud, libusb_device *dev, bool arrived)
{
	struct scale_hidpos *s = ud;
	char err[160];

	if (!arrived) {
		if (s->h && libusb_get_device(s->h) == dev) {
			scale_hidpos_usb_release(s);
			scale_hidpos_lost(s, "scale unplugged");
		}
		return;
	}
	if (s->h || !scale_hidpos_wanted(s, dev))
		return;
	if (scale_hidpos_usb_open(s, dev, err, sizeof(err)) < 0)
		log_warning("%s", err);
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
	uint8_t report[2] = {HIDPOS_REPORT_CONTROL, HIDPOS_CONTROL_ZERO};
	int n, r;

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
	if (s->ep_out)
		r = libusb_interrupt_transfer(
		    s->h, s->ep_out, s->numbered ? report : report + 1,
		    s->numbered ? 2 : 1, &n, HIDPOS_CTRL_TIMEOUT_MS);
	else /* SET_REPORT, output report 2 */
		r = libusb_control_transfer(
		    s->h,
		    LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_CLASS |
			LIBUSB_RECIPIENT_INTERFACE,
		    0x09, (uint16_t)(0x02 << 8 | HIDPOS_REPORT_CONTROL),
		    (uint16_t)s->iface, s->numbered ? report : report + 1,
		    s->numbered ? 2 : 1, HIDPOS_CTRL_TIMEOUT_MS);
	return r < 0 ? -EIO : 0;
}

static void scale_hidpos_close(void *state)
{
	struct scale_hidpos *s = state;

	if (!s)
		return;
	scale_hidpos_drop_fd(s);
	if (s->usb) {
		usb_unwatch(s->watch);
		scale_hidpos_usb_release(s);
		if (s->xfer)
			libusb_free_transfer(s->xfer);
		usb_loop_unref();
	}
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
		r = usb_id_parse(cfg->usb, &s->id, err, errlen);
		if (r < 0)
			goto fail;
		s->have_id = true;
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
			log_warning("%s (will retry on each request)", err);
			scale_hidpos_absent_later(s, err);
			r = 0;
		}
		if (r < 0)
			goto fail;
		s->opening = false;
		*state = s;
		return 0;
	}

	if (s->have_id)
		usb_id_format(&s->id, s->name, sizeof(s->name));
	else
		snprintf(s->name, sizeof(s->name), "(any HID POS scale)");
	r = usb_loop_ref(ev, &s->ctx, err, errlen);
	if (r < 0)
		goto fail;
	s->usb = true;
	r = usb_watch(s->ctx, s->have_id ? &s->id : NULL, scale_hidpos_plug, s,
		      &s->watch);
	if (r < 0 && r != -EOPNOTSUPP) {
		snprintf(err, errlen, "scale: cannot watch USB hot-plug: %s",
			 strerror(-r));
		goto fail;
	}
	if (r == -EOPNOTSUPP)
		log_warning("scale: libusb has no hot-plug here: a scale "
			    "plugged in later needs a restart");
	r = scale_hidpos_usb_find(s, err, errlen);
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
