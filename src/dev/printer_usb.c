/* SPDX-License-Identifier: MIT */
/*
 * USB printer-class label printer (interface class 7) through libusb: the
 * job goes out on the interface's bulk OUT endpoint; where the interface
 * is bidirectional (protocol 2) the status query's answer comes back on
 * its bulk IN endpoint.
 *
 * It runs on the label spool's thread, so it has its own libusb context
 * (not the event loop's, include/retour/usb.h) and uses libusb's
 * synchronous transfers, each bounded by timeout_ms.
 *
 * The printer is looked up for every job and every status query: board
 * id "vvvv:pppp[:serial]", or else the first device with a printer-class
 * interface.  So a printer unplugged says so ("printer 0a5f:0181 is not
 * plugged in") and is found again on the next job, without hot-plug on
 * this thread.  While the interface is claimed the kernel's usblp driver
 * is detached (libusb's auto-detach).  The kernel binds usblp again when
 * the interface is released after the job; the installed udev rule
 * (systemd/60-retour.rules) unbinds it on each bind, so no `lp` program
 * writes to the label printer between labels.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libusb-1.0/libusb.h>

#include "retour/clock.h"
#include "retour/printer.h"
#include "retour/usb.h"
#include "retour/usb_printer.h"

#define USB_PRINTER_CHUNK 16384
/* How long stale status bytes are waited for before a query. */
#define USB_PRINTER_DRAIN_MS 10

struct printer_usb {
	libusb_context *ctx;
	struct usb_id id;
	bool by_id;
	bool ask_status; /* unless status = none */
	char *language;	 /* NULL: zpl */
	int timeout_ms;
	char name[96]; /* "printer 0a5f:0181", for messages */
	char describe[160];
};

/* The printer interface of one device, and how to reach it. */
struct printer_usb_link {
	libusb_device_handle *h;
	int interface, altsetting;
	unsigned char ep_out, ep_in; /* ep_in 0: one-way */
	bool claimed;
};

/* The printer interface of @dev (usb_printer_pick()); true when found. */
static bool printer_usb_pick(libusb_device *dev, struct printer_usb_link *l)
{
	struct libusb_config_descriptor *cfg = NULL;
	struct usb_printer_iface itf;
	bool found;

	if (libusb_get_active_config_descriptor(dev, &cfg) < 0 &&
	    libusb_get_config_descriptor(dev, 0, &cfg) < 0)
		return false;
	found = usb_printer_pick(cfg, &itf);
	libusb_free_config_descriptor(cfg);
	if (found) {
		l->interface = itf.interface;
		l->altsetting = itf.altsetting;
		l->ep_out = itf.ep_out;
		l->ep_in = itf.ep_in;
	}
	return found;
}

static int printer_usb_errno(int lr)
{
	switch (lr) {
	case LIBUSB_ERROR_NO_DEVICE:
	case LIBUSB_ERROR_NOT_FOUND:
		return -ENODEV;
	case LIBUSB_ERROR_ACCESS:
		return -EACCES;
	case LIBUSB_ERROR_BUSY:
		return -EBUSY;
	case LIBUSB_ERROR_TIMEOUT:
		return -ETIMEDOUT;
	case LIBUSB_ERROR_PIPE:
		return -EPIPE;
	case LIBUSB_ERROR_NO_MEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static int printer_usb_fail(const struct printer_usb *p, int lr,
			    const char *doing, char *err, size_t errlen)
{
	int r = printer_usb_errno(lr);

	if (r == -ENODEV && p->by_id)
		snprintf(err, errlen, "%s is not plugged in", p->name);
	else if (r == -ENODEV)
		snprintf(err, errlen,
			 "no USB printer (interface class 7) is plugged in");
	else if (r == -ETIMEDOUT)
		snprintf(err, errlen, "%s: no answer within %d ms (%s)",
			 p->name, p->timeout_ms, doing);
	else if (r == -EACCES)
		snprintf(err, errlen,
			 "%s: permission denied (%s): a udev rule must give "
			 "retourd the device",
			 p->name, doing);
	else if (r == -EBUSY)
		snprintf(err, errlen, "%s: in use by another program (%s)",
			 p->name, doing);
	else
		snprintf(err, errlen, "%s: %s (%s)", p->name,
			 libusb_strerror(lr), doing);
	return r;
}

static void printer_usb_unlink(struct printer_usb_link *l)
{
	if (!l->h)
		return;
	if (l->claimed)
		libusb_release_interface(l->h, l->interface);
	libusb_close(l->h);
	l->h = NULL;
}

/* Find the printer, open it, take its interface from usblp. */
static int printer_usb_link(struct printer_usb *p, struct printer_usb_link *l,
			    char *err, size_t errlen)
{
	libusb_device **list = NULL, *dev = NULL;
	ssize_t n;
	int lr;

	memset(l, 0, sizeof(*l));
	n = libusb_get_device_list(p->ctx, &list);
	if (n < 0)
		return printer_usb_fail(p, (int)n, "listing devices", err,
					errlen);
	for (ssize_t i = 0; i < n && !dev; i++) {
		if (p->by_id && !usb_device_matches(list[i], &p->id))
			continue;
		if (printer_usb_pick(list[i], l))
			dev = list[i];
		else if (p->by_id) {
			libusb_free_device_list(list, 1);
			snprintf(err, errlen,
				 "%s has no printer interface (class 7) with "
				 "a bulk OUT endpoint",
				 p->name);
			return -ENODEV;
		}
	}
	lr = dev ? libusb_open(dev, &l->h) : LIBUSB_ERROR_NO_DEVICE;
	libusb_free_device_list(list, 1);
	if (lr < 0)
		return printer_usb_fail(p, lr, "opening", err, errlen);
	/* usblp lets go while claimed (and the udev rule unbinds it when the
	 * kernel binds it again on release); where libusb cannot auto-detach,
	 * detach by hand. */
	if (libusb_set_auto_detach_kernel_driver(l->h, 1) < 0 &&
	    libusb_kernel_driver_active(l->h, l->interface) == 1)
		libusb_detach_kernel_driver(l->h, l->interface);
	lr = libusb_claim_interface(l->h, l->interface);
	if (lr == 0) {
		l->claimed = true;
		if (l->altsetting)
			lr = libusb_set_interface_alt_setting(
			    l->h, l->interface, l->altsetting);
	}
	if (lr < 0) {
		printer_usb_unlink(l);
		return printer_usb_fail(p, lr, "claiming its interface", err,
					errlen);
	}
	return 0;
}

/* @len bytes out, each chunk within what is left of timeout_ms. */
static int printer_usb_send(struct printer_usb *p, struct printer_usb_link *l,
			    const unsigned char *bytes, size_t len,
			    const char *doing, char *err, size_t errlen)
{
	int64_t deadline = clock_mono_us() / 1000 + p->timeout_ms;
	size_t done = 0;

	while (done < len) {
		int chunk = len - done > USB_PRINTER_CHUNK ? USB_PRINTER_CHUNK
							   : (int)(len - done);
		int64_t left = deadline - clock_mono_us() / 1000;
		int sent = 0, lr;

		if (left <= 0)
			return printer_usb_fail(p, LIBUSB_ERROR_TIMEOUT, doing,
						err, errlen);
		lr = libusb_bulk_transfer(l->h, l->ep_out,
					  (unsigned char *)bytes + done, chunk,
					  &sent, (unsigned)left);
		if (sent > 0)
			done += (size_t)sent;
		if (lr < 0 && !(lr == LIBUSB_ERROR_TIMEOUT && sent > 0))
			return printer_usb_fail(p, lr, doing, err, errlen);
	}
	return 0;
}

static int printer_usb_print(void *state, const char *name, const void *data,
			     size_t len, char *err, size_t errlen)
{
	struct printer_usb *p = state;
	struct printer_usb_link l;
	int r;

	(void)name;
	r = printer_usb_link(p, &l, err, errlen);
	if (r < 0)
		return r;
	r = printer_usb_send(p, &l, data, len, "sending the label", err,
			     errlen);
	printer_usb_unlink(&l);
	return r;
}

static int printer_usb_status(void *state, struct printer_status *st, char *err,
			      size_t errlen)
{
	struct printer_usb *p = state;
	const char *query = printer_status_query(p->language);
	unsigned char answer[PRINTER_STATUS_ANSWER_MAX], chunk[512];
	struct printer_usb_link l;
	int64_t deadline;
	size_t got = 0;
	int r, n, lr, drained = 0;

	if (!p->ask_status)
		return -EOPNOTSUPP;
	r = printer_usb_link(p, &l, err, errlen);
	if (r < 0)
		return r;
	if (!l.ep_in) { /* one-way printer: there, nothing to ask */
		printer_usb_unlink(&l);
		return -ENOMSG;
	}
	/* what an earlier, abandoned answer left behind is not this one's */
	do {
		n = 0;
		lr = libusb_bulk_transfer(l.h, l.ep_in, chunk, sizeof(chunk),
					  &n, USB_PRINTER_DRAIN_MS);
	} while (lr == 0 && n > 0 && ++drained < 8);
	r = printer_usb_send(p, &l, (const unsigned char *)query, strlen(query),
			     "asking its status", err, errlen);
	deadline = clock_mono_us() / 1000 + p->timeout_ms;
	while (r == 0 || r == -EAGAIN) {
		int64_t left = deadline - clock_mono_us() / 1000;

		if (left <= 0 || got == sizeof(answer)) {
			if (got)
				snprintf(err, errlen,
					 "printer status unreadable: %s sent "
					 "%zu bytes, not a whole answer, "
					 "within %d ms",
					 p->name, got, p->timeout_ms);
			else
				snprintf(err, errlen,
					 "printer status unreadable: no answer "
					 "from %s within %d ms",
					 p->name, p->timeout_ms);
			r = -EBADMSG;
			break;
		}
		/* whole packets: a buffer of 512 takes any packet size */
		n = 0;
		lr = libusb_bulk_transfer(l.h, l.ep_in, chunk, sizeof(chunk),
					  &n, (unsigned)left);
		if (lr < 0 && lr != LIBUSB_ERROR_TIMEOUT) {
			r = printer_usb_fail(p, lr, "reading its status", err,
					     errlen);
			break;
		}
		if (n > 0) {
			size_t take = (size_t)n < sizeof(answer) - got
					  ? (size_t)n
					  : sizeof(answer) - got;

			memcpy(answer + got, chunk, take);
			got += take;
		}
		r = got ? printer_status_parse_answer(p->language, answer, got,
						      st, err, errlen)
			: -EAGAIN;
		if (r == 0)
			break;
	}
	printer_usb_unlink(&l);
	return r;
}

static const char *printer_usb_describe(const void *state)
{
	const struct printer_usb *p = state;

	return p->describe;
}

static void printer_usb_close(void *state)
{
	struct printer_usb *p = state;

	if (!p)
		return;
	if (p->ctx)
		libusb_exit(p->ctx);
	free(p->language);
	free(p);
}

static int printer_usb_open(const struct printer_config *cfg, void **state,
			    char *err, size_t errlen)
{
	struct printer_usb *p;
	char id[80];
	int lr;

	if (cfg->status && strcmp(cfg->status, "ask") &&
	    strcmp(cfg->status, "none")) {
		snprintf(err, errlen,
			 "printer usb: status '%s' is neither ask nor none",
			 cfg->status);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p || (cfg->language && !(p->language = strdup(cfg->language)))) {
		free(p);
		snprintf(err, errlen, "printer: out of memory");
		return -ENOMEM;
	}
	/* "none" (or no key): the first printer-class device */
	p->by_id = cfg->usb && strcmp(cfg->usb, "none");
	if (p->by_id && usb_id_parse(cfg->usb, &p->id, err, errlen) < 0) {
		printer_usb_close(p);
		return -EINVAL;
	}
	p->ask_status = !cfg->status || !strcmp(cfg->status, "ask");
	p->timeout_ms =
	    cfg->timeout_ms > 0 ? cfg->timeout_ms : PRINTER_TIMEOUT_MS_DEFAULT;
	lr = libusb_init(&p->ctx);
	if (lr < 0) {
		p->ctx = NULL;
		printer_usb_close(p);
		snprintf(err, errlen, "printer usb: libusb: %s",
			 libusb_strerror(lr));
		return -EIO;
	}
	if (p->by_id) {
		usb_id_format(&p->id, id, sizeof(id));
		snprintf(p->name, sizeof(p->name), "printer %s", id);
		snprintf(p->describe, sizeof(p->describe), "usb %s", id);
	} else {
		snprintf(p->name, sizeof(p->name), "USB printer");
		snprintf(p->describe, sizeof(p->describe),
			 "usb, the first printer-class device");
	}
	*state = p;
	return 0;
}

const struct printer_backend printer_backend_usb = {
    .name = "usb",
    .open = printer_usb_open,
    .print = printer_usb_print,
    .status = printer_usb_status,
    .describe = printer_usb_describe,
    .close = printer_usb_close,
};
