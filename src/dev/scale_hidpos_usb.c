/* SPDX-License-Identifier: MIT */
/*
 * The HID POS scale's USB transport (scale_hidpos_usb.h): libusb on the
 * daemon's shared context (usb.h).  The scale is found by the board's id
 * ("usb = 0922:8003[:serial]"), by the table of known scales (hidpos.c),
 * or by a report descriptor with usage page 0x8D; the usbhid kernel driver
 * is detached while the interface is claimed and reattached on release;
 * one interrupt IN transfer is kept submitted (asynchronous, on the event
 * loop: no thread, no polling); hot-plug arrivals reopen it, departures
 * make it missing.
 *
 * Deliberately not here: reading the report descriptor of a HID device
 * that another driver holds by detaching that driver (a keyboard would
 * lose its keys for a moment): a device neither named nor known is probed
 * only where the descriptor can be read without claiming it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "retour/hidpos.h"
#include "retour/log.h"
#include "retour/usb.h"
#include "scale_hidpos_usb.h"

#define HIDPOS_CTRL_TIMEOUT_MS 1000
#define HIDPOS_DESC_MAX 1024

static void scale_hidpos_usb_release(struct scale_hidpos_usb *s);

static void LIBUSB_CALL scale_hidpos_xfer_done(struct libusb_transfer *t)
{
	struct scale_hidpos_usb *s = t->user_data;
	char why[128];

	s->xfer_live = false;
	if (s->releasing)
		return;
	switch (t->status) {
	case LIBUSB_TRANSFER_COMPLETED:
		s->report(s->ud, t->buffer, (size_t)t->actual_length);
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
	s->lost(s->ud, why);
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
static bool scale_hidpos_wanted(struct scale_hidpos_usb *s, libusb_device *dev)
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

static void scale_hidpos_usb_release(struct scale_hidpos_usb *s)
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

static int scale_hidpos_usb_open(struct scale_hidpos_usb *s, libusb_device *dev,
				 char *err, size_t errlen)
{
	struct libusb_device_descriptor dd;
	struct hidpos_descriptor hd = {0};
	const char *known;
	bool numbered, can_zero;
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
	numbered = hd.items ? hd.report_ids : true;
	can_zero = hd.output || s->ep_out;
	libusb_get_device_descriptor(dev, &dd);
	known = hidpos_known_scale(dd.idVendor, dd.idProduct);
	snprintf(s->name, s->name_size, "%s%s%04x:%04x", known ? known : "",
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
	s->opened(s->ud, numbered, can_zero);
	return 0;
}

int scale_hidpos_usb_find(struct scale_hidpos_usb *s, char *err, size_t errlen)
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
	struct scale_hidpos_usb *s = ud;
	char err[160];

	if (!arrived) {
		if (s->h && libusb_get_device(s->h) == dev) {
			scale_hidpos_usb_release(s);
			s->lost(s->ud, "scale unplugged");
		}
		return;
	}
	if (s->h || !scale_hidpos_wanted(s, dev))
		return;
	if (scale_hidpos_usb_open(s, dev, err, sizeof(err)) < 0)
		log_warning("%s", err);
}

int scale_hidpos_usb_start(struct scale_hidpos_usb *s, sd_event *ev, char *err,
			   size_t errlen)
{
	int r;

	r = usb_loop_ref(ev, &s->ctx, err, errlen);
	if (r < 0)
		return r;
	s->started = true;
	r = usb_watch(s->ctx, s->have_id ? &s->id : NULL, scale_hidpos_plug, s,
		      &s->watch);
	if (r < 0 && r != -EOPNOTSUPP) {
		snprintf(err, errlen, "scale: cannot watch USB hot-plug: %s",
			 strerror(-r));
		return r;
	}
	if (r == -EOPNOTSUPP)
		log_warning("scale: libusb has no hot-plug here: a scale "
			    "plugged in later needs a restart");
	return 0;
}

int scale_hidpos_usb_control(struct scale_hidpos_usb *s,
			     const uint8_t report[2], bool numbered)
{
	uint8_t buf[2] = {report[0], report[1]};
	int n, r;

	if (s->ep_out)
		r = libusb_interrupt_transfer(
		    s->h, s->ep_out, numbered ? buf : buf + 1, numbered ? 2 : 1,
		    &n, HIDPOS_CTRL_TIMEOUT_MS);
	else /* SET_REPORT, output report 2 */
		r = libusb_control_transfer(
		    s->h,
		    LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_CLASS |
			LIBUSB_RECIPIENT_INTERFACE,
		    0x09, (uint16_t)(0x02 << 8 | HIDPOS_REPORT_CONTROL),
		    (uint16_t)s->iface, numbered ? buf : buf + 1,
		    numbered ? 2 : 1, HIDPOS_CTRL_TIMEOUT_MS);
	return r < 0 ? -EIO : 0;
}

void scale_hidpos_usb_stop(struct scale_hidpos_usb *s)
{
	if (!s->started)
		return;
	usb_unwatch(s->watch);
	s->watch = NULL;
	scale_hidpos_usb_release(s);
	if (s->xfer)
		libusb_free_transfer(s->xfer);
	s->xfer = NULL;
	usb_loop_unref();
	s->started = false;
}
