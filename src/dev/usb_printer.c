/* SPDX-License-Identifier: MIT */
/*
 * Choosing a printer's interface from its configuration descriptor
 * (include/retour/usb_printer.h).  Descriptors come from the device, so
 * nothing in them is trusted: counts are bounded by what libusb parsed and
 * an interface without a bulk OUT endpoint is not a printer to us.
 */
#include <string.h>

#include "retour/usb_printer.h"

/* Higher is better; 0: not usable. */
static int usb_printer_rank(int protocol)
{
	switch (protocol) {
	case USB_PRINTER_BIDIRECTIONAL:
		return 3;
	case USB_PRINTER_UNIDIRECTIONAL:
		return 2;
	default:
		return 1;
	}
}

bool usb_printer_pick(const struct libusb_config_descriptor *cfg,
		      struct usb_printer_iface *out)
{
	int best = 0;

	memset(out, 0, sizeof(*out));
	if (!cfg || !cfg->interface)
		return false;
	for (int i = 0; i < cfg->bNumInterfaces; i++) {
		const struct libusb_interface *itf = &cfg->interface[i];

		for (int a = 0; itf->altsetting && a < itf->num_altsetting;
		     a++) {
			const struct libusb_interface_descriptor *d =
			    &itf->altsetting[a];
			unsigned char ep_out = 0, ep_in = 0;
			int rank;

			if (d->bInterfaceClass != USB_CLASS_PRINTER_IFACE)
				continue;
			for (int e = 0; d->endpoint && e < d->bNumEndpoints;
			     e++) {
				const struct libusb_endpoint_descriptor *ep =
				    &d->endpoint[e];

				if ((ep->bmAttributes & 3) !=
				    LIBUSB_TRANSFER_TYPE_BULK)
					continue;
				if (ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) {
					if (!ep_in)
						ep_in = ep->bEndpointAddress;
				} else if (!ep_out) {
					ep_out = ep->bEndpointAddress;
				}
			}
			rank = usb_printer_rank(d->bInterfaceProtocol);
			if (!ep_out || rank <= best)
				continue;
			best = rank;
			out->interface = d->bInterfaceNumber;
			out->altsetting = d->bAlternateSetting;
			out->protocol = d->bInterfaceProtocol;
			out->ep_out = ep_out;
			out->ep_in =
			    d->bInterfaceProtocol == USB_PRINTER_BIDIRECTIONAL
				? ep_in
				: 0;
		}
	}
	return best > 0;
}
