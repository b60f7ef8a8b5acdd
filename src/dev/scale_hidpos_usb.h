/* SPDX-License-Identifier: MIT */
/*
 * Private to the HID POS scale: its libusb transport (scale_hidpos_usb.c),
 * as the backend (scale_hidpos.c) drives it.
 *
 * The transport finds the scale (by the board's id, the table of known
 * scales or a report descriptor saying "scale"), claims its HID interface,
 * keeps one interrupt IN transfer submitted and follows hot-plug.  It
 * knows nothing of requests or stability: it hands what happens to the
 * backend through the three callbacks.
 */
#ifndef RETOUR_DEV_SCALE_HIDPOS_USB_H
#define RETOUR_DEV_SCALE_HIDPOS_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "retour/usb.h"

#define HIDPOS_IN_MAX 64

struct scale_hidpos_usb {
	/* set by the backend before scale_hidpos_usb_start() */
	struct usb_id id;
	bool have_id;
	char *name; /* the backend's, for messages; the transport sets it */
	size_t name_size;
	void *ud;
	/* one input report */
	void (*report)(void *ud, const uint8_t *buf, size_t len);
	/* the scale is open: how its reports are made */
	void (*opened)(void *ud, bool numbered, bool can_zero);
	/* the scale is gone (closed already) */
	void (*lost)(void *ud, const char *why);

	/* the transport's own */
	bool started; /* holds a reference on the shared libusb context */
	libusb_context *ctx;
	struct usb_watch *watch;
	libusb_device_handle *h;
	int iface;
	uint8_t ep_in, ep_out;
	struct libusb_transfer *xfer;
	bool xfer_live;
	bool releasing; /* the transfer's end is awaited, not acted on */
	uint8_t in[HIDPOS_IN_MAX];
};

/* Join the daemon's libusb context and watch hot-plug. */
int scale_hidpos_usb_start(struct scale_hidpos_usb *u, sd_event *ev, char *err,
			   size_t errlen);
/* Open the first wanted device present now; -ENODEV when none is. */
int scale_hidpos_usb_find(struct scale_hidpos_usb *u, char *err, size_t errlen);
/* Send a Scale Control Report (@report: id, then data) to the open
 * scale; @numbered: its reports carry their id. */
int scale_hidpos_usb_control(struct scale_hidpos_usb *u,
			     const uint8_t report[2], bool numbered);
/* Let go of everything (safe when never started). */
void scale_hidpos_usb_stop(struct scale_hidpos_usb *u);

#endif
