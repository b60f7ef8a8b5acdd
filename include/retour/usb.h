/* SPDX-License-Identifier: MIT */
/*
 * USB for the device backends: the daemon's one libusb context, driven by
 * the event loop (no thread, no polling: libusb's descriptors are watched
 * by sd_event), hot-plug arrivals and departures, and the USB ids a board
 * file names ("0922:8003" or "0922:8003:SERIAL").
 *
 * A backend that works on another thread (the label printer's spool) may
 * make its own context with libusb_init() instead and use libusb's
 * synchronous calls there.
 *
 * Not here: any device class (the scale's HID reports, the printer's
 * bulk endpoints are their backends').
 */
#ifndef RETOUR_USB_H
#define RETOUR_USB_H

#include <libusb-1.0/libusb.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

/* A device as a board names it: vendor:product, optionally its serial. */
struct usb_id {
	uint16_t vendor, product;
	char serial[64]; /* "" when the board names none: any serial */
};

/*
 * "0922:8003" or "0922:8003:ABC123": four hex digits each (either case),
 * then optionally a serial of printable ASCII without spaces, 1-63 bytes.
 * 0, or -EINVAL with @err ("'0922:80' is not a USB id vendor:product
 * (four hex digits each)").
 */
int usb_id_parse(const char *text, struct usb_id *out, char *err,
		 size_t errlen);
/* "0922:8003" or "0922:8003:ABC123". */
void usb_id_format(const struct usb_id *id, char *buf, size_t len);

/*
 * The daemon's libusb context on @ev, made on first use and shared: every
 * call takes a reference that usb_loop_unref() gives back.  0 with *@ctx,
 * or -errno with @err ("libusb: ...").
 */
int usb_loop_ref(sd_event *ev, libusb_context **ctx, char *err, size_t errlen);
void usb_loop_unref(void);

/*
 * Does @dev match @id?  The serial is read (opening the device) only when
 * @id names one; a device that cannot be opened then does not match.
 */
bool usb_device_matches(libusb_device *dev, const struct usb_id *id);

/*
 * Told on the event loop when a device arrives (@arrived true) or leaves.
 * With @id NULL every device is reported; otherwise only its vendor and
 * product are filtered here (check the serial with usb_device_matches()
 * on arrival).  Devices already present are NOT reported: enumerate them
 * at open.  Where libusb has no hot-plug support, -EOPNOTSUPP.
 */
typedef void (*usb_hotplug_fn)(void *ud, libusb_device *dev, bool arrived);
struct usb_watch;
int usb_watch(libusb_context *ctx, const struct usb_id *id, usb_hotplug_fn fn,
	      void *ud, struct usb_watch **out);
void usb_unwatch(struct usb_watch *w);

#endif
