/* SPDX-License-Identifier: MIT */
/*
 * The USB printer class (class 7) seen from a configuration descriptor:
 * which interface and alternate setting a label printer is driven on, and
 * its bulk endpoints.
 *
 * Pure: a parsed descriptor (libusb's) in, a choice out; no device is
 * opened.  The transfers are printer_usb.c's.
 */
#ifndef RETOUR_USB_PRINTER_H
#define RETOUR_USB_PRINTER_H

#include <libusb-1.0/libusb.h>
#include <stdbool.h>

#define USB_CLASS_PRINTER_IFACE 7
/* bInterfaceProtocol of the printer class (USB Printer Class 1.1, 4.2) */
#define USB_PRINTER_UNIDIRECTIONAL 1
#define USB_PRINTER_BIDIRECTIONAL 2
#define USB_PRINTER_1284_4 3

struct usb_printer_iface {
	int interface, altsetting;
	int protocol;
	unsigned char ep_out; /* bulk OUT: the job */
	unsigned char ep_in;  /* bulk IN, only where bidirectional: 0 else */
};

/*
 * The printer interface of @cfg: a class-7 alternate setting with a bulk
 * OUT endpoint, bidirectional (protocol 2) preferred, then unidirectional
 * (1), then any other (IEEE 1284.4 is driven as one-way).  true when one
 * was found.  A NULL @cfg finds none.
 */
bool usb_printer_pick(const struct libusb_config_descriptor *cfg,
		      struct usb_printer_iface *out);

#endif
