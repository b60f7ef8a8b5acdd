/* SPDX-License-Identifier: MIT */
/*
 * USB for the device backends (include/retour/usb.h): one libusb context
 * whose file descriptors sd_event watches, so a USB transfer or a hot-plug
 * event wakes the loop and nothing polls; USB ids as boards write them.
 *
 * On Linux libusb's timeouts ride on a timerfd among those descriptors
 * (libusb_pollfds_handle_timeouts); where they do not, a timer follows
 * libusb_get_next_timeout() after every round of events.
 *
 * libusb calls hot-plug callbacks from inside its event handling, where
 * most calls on a device handle are not allowed; the arrivals and
 * departures are therefore queued and handed to the backend from a defer
 * source of the loop, with the device referenced meanwhile.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "retour/usb.h"

int usb_id_parse(const char *text, struct usb_id *out, char *err, size_t errlen)
{
	const char *s = text ? text : "";
	unsigned v[2] = {0, 0};
	size_t n;

	memset(out, 0, sizeof(*out));
	for (int part = 0; part < 2; part++) {
		for (int i = 0; i < 4; i++, s++) {
			if (!isxdigit((unsigned char)*s))
				goto bad;
			v[part] = v[part] * 16 +
				  (unsigned)(isdigit((unsigned char)*s)
						 ? *s - '0'
						 : tolower((unsigned char)*s) -
						       'a' + 10);
		}
		if (part == 0 && *s++ != ':')
			goto bad;
	}
	out->vendor = (uint16_t)v[0];
	out->product = (uint16_t)v[1];
	if (!*s)
		return 0;
	if (*s++ != ':')
		goto bad;
	n = strlen(s);
	if (n == 0 || n >= sizeof(out->serial)) {
		snprintf(err, errlen,
			 "'%.80s': the serial after vendor:product must be 1 "
			 "to %zu characters",
			 text, sizeof(out->serial) - 1);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~') {
			snprintf(err, errlen,
				 "'%.80s': the serial has a space or a "
				 "character that is not printable ASCII",
				 text);
			return -EINVAL;
		}
	memcpy(out->serial, s, n + 1);
	return 0;
bad:
	snprintf(err, errlen,
		 "'%.80s' is not a USB id vendor:product (four hex digits "
		 "each, like 0922:8003), optionally :serial",
		 text ? text : "");
	return -EINVAL;
}

void usb_id_format(const struct usb_id *id, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%04x%s%s", id->vendor, id->product,
		 id->serial[0] ? ":" : "", id->serial);
}

bool usb_device_matches(libusb_device *dev, const struct usb_id *id)
{
	struct libusb_device_descriptor dd;
	libusb_device_handle *h;
	unsigned char serial[sizeof(id->serial)];
	int n;

	if (libusb_get_device_descriptor(dev, &dd) < 0 ||
	    dd.idVendor != id->vendor || dd.idProduct != id->product)
		return false;
	if (!id->serial[0])
		return true;
	if (!dd.iSerialNumber || libusb_open(dev, &h) < 0)
		return false;
	n = libusb_get_string_descriptor_ascii(h, dd.iSerialNumber, serial,
					       sizeof(serial));
	libusb_close(h);
	return n > 0 && (size_t)n < sizeof(serial) &&
	       !memcmp(serial, id->serial, (size_t)n) && !id->serial[n];
}

/* ---- the shared context on the loop ---- */

struct usb_fd {
	int fd;
	sd_event_source *src;
};

static struct {
	sd_event *ev;
	libusb_context *ctx;
	unsigned refs;
	struct usb_fd *fds;
	size_t nfds;
	sd_event_source *timer; /* only where libusb needs one */
} usb_loop;

static void usb_loop_arm_timer(void);

static int usb_loop_ready(sd_event_source *s, int fd, uint32_t revents,
			  void *ud)
{
	struct timeval zero = {0, 0};

	libusb_handle_events_timeout_completed(usb_loop.ctx, &zero, NULL);
	usb_loop_arm_timer();
	return 0;
}

static int usb_loop_timeout(sd_event_source *s, uint64_t usec, void *ud)
{
	return usb_loop_ready(s, -1, 0, ud);
}

static void usb_loop_arm_timer(void)
{
	struct timeval tv;
	uint64_t now;

	if (!usb_loop.timer ||
	    libusb_get_next_timeout(usb_loop.ctx, &tv) != 1) {
		if (usb_loop.timer)
			sd_event_source_set_enabled(usb_loop.timer,
						    SD_EVENT_OFF);
		return;
	}
	sd_event_now(usb_loop.ev, CLOCK_MONOTONIC, &now);
	sd_event_source_set_time(usb_loop.timer,
				 now + (uint64_t)tv.tv_sec * 1000000u +
				     (uint64_t)tv.tv_usec);
	sd_event_source_set_enabled(usb_loop.timer, SD_EVENT_ONESHOT);
}

static void usb_fd_added(int fd, short events, void *ud)
{
	struct usb_fd *grown;
	uint32_t want = 0;

	if (events & POLLIN)
		want |= EPOLLIN;
	if (events & POLLOUT)
		want |= EPOLLOUT;
	grown = realloc(usb_loop.fds, (usb_loop.nfds + 1) * sizeof(*grown));
	if (!grown)
		return;
	usb_loop.fds = grown;
	grown[usb_loop.nfds].fd = fd;
	if (sd_event_add_io(usb_loop.ev, &grown[usb_loop.nfds].src, fd, want,
			    usb_loop_ready, NULL) < 0)
		return;
	usb_loop.nfds++;
}

static void usb_fd_removed(int fd, void *ud)
{
	for (size_t i = 0; i < usb_loop.nfds; i++)
		if (usb_loop.fds[i].fd == fd) {
			sd_event_source_disable_unref(usb_loop.fds[i].src);
			usb_loop.fds[i] = usb_loop.fds[--usb_loop.nfds];
			return;
		}
}

static void usb_loop_free(void)
{
	if (usb_loop.ctx)
		libusb_set_pollfd_notifiers(usb_loop.ctx, NULL, NULL, NULL);
	for (size_t i = 0; i < usb_loop.nfds; i++)
		sd_event_source_disable_unref(usb_loop.fds[i].src);
	free(usb_loop.fds);
	sd_event_source_disable_unref(usb_loop.timer);
	if (usb_loop.ctx)
		libusb_exit(usb_loop.ctx);
	if (usb_loop.ev)
		sd_event_unref(usb_loop.ev);
	memset(&usb_loop, 0, sizeof(usb_loop));
}

int usb_loop_ref(sd_event *ev, libusb_context **ctx, char *err, size_t errlen)
{
	const struct libusb_pollfd **pfds;
	int r;

	if (usb_loop.refs) {
		if (usb_loop.ev != ev) {
			snprintf(err, errlen,
				 "libusb: already driven by another loop");
			return -EBUSY;
		}
		usb_loop.refs++;
		*ctx = usb_loop.ctx;
		return 0;
	}
	r = libusb_init(&usb_loop.ctx);
	if (r < 0) {
		snprintf(err, errlen, "libusb: %s", libusb_strerror(r));
		usb_loop.ctx = NULL;
		return -EIO;
	}
	usb_loop.ev = sd_event_ref(ev);
	pfds = libusb_get_pollfds(usb_loop.ctx);
	for (size_t i = 0; pfds && pfds[i]; i++)
		usb_fd_added(pfds[i]->fd, pfds[i]->events, NULL);
	libusb_free_pollfds(pfds);
	libusb_set_pollfd_notifiers(usb_loop.ctx, usb_fd_added, usb_fd_removed,
				    NULL);
	if (!libusb_pollfds_handle_timeouts(usb_loop.ctx) &&
	    sd_event_add_time(ev, &usb_loop.timer, CLOCK_MONOTONIC, 0, 0,
			      usb_loop_timeout, NULL) < 0) {
		usb_loop_free();
		snprintf(err, errlen, "libusb: no timer for its timeouts");
		return -ENOMEM;
	}
	usb_loop_arm_timer();
	usb_loop.refs = 1;
	*ctx = usb_loop.ctx;
	return 0;
}

void usb_loop_unref(void)
{
	if (usb_loop.refs && --usb_loop.refs == 0)
		usb_loop_free();
}

/* ---- hot-plug, handed over from the loop ---- */

struct usb_plug {
	struct usb_plug *next;
	libusb_device *dev;
	bool arrived;
};

struct usb_watch {
	libusb_context *ctx;
	libusb_hotplug_callback_handle handle;
	usb_hotplug_fn fn;
	void *ud;
	sd_event_source *defer;
	struct usb_plug *head, **tail;
	bool delivering; /* inside fn: an unwatch there frees afterwards */
	bool gone;
};

static void usb_watch_free(struct usb_watch *w)
{
	struct usb_plug *p;

	while ((p = w->head)) {
		w->head = p->next;
		libusb_unref_device(p->dev);
		free(p);
	}
	sd_event_source_disable_unref(w->defer);
	free(w);
}

static int usb_watch_deliver(sd_event_source *s, void *ud)
{
	struct usb_watch *w = ud;
	struct usb_plug *p;

	w->delivering = true;
	while (!w->gone && (p = w->head)) {
		w->head = p->next;
		if (!w->head)
			w->tail = &w->head;
		w->fn(w->ud, p->dev, p->arrived);
		libusb_unref_device(p->dev);
		free(p);
	}
	w->delivering = false;
	if (w->gone) { /* unwatched by its own callback */
		usb_watch_free(w);
		return 0;
	}
	return sd_event_source_set_enabled(s, SD_EVENT_OFF);
}

static int usb_watch_event(libusb_context *ctx, libusb_device *dev,
			   libusb_hotplug_event event, void *ud)
{
	struct usb_watch *w = ud;
	struct usb_plug *p = calloc(1, sizeof(*p));

	if (!p)
		return 0; /* this event is lost, the watch stays */
	p->dev = libusb_ref_device(dev);
	p->arrived = event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED;
	*w->tail = p;
	w->tail = &p->next;
	sd_event_source_set_enabled(w->defer, SD_EVENT_ON);
	return 0;
}

int usb_watch(libusb_context *ctx, const struct usb_id *id, usb_hotplug_fn fn,
	      void *ud, struct usb_watch **out)
{
	struct usb_watch *w;
	int r;

	if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG))
		return -EOPNOTSUPP;
	if (!usb_loop.ctx || ctx != usb_loop.ctx)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->ctx = ctx;
	w->fn = fn;
	w->ud = ud;
	w->tail = &w->head;
	r = sd_event_add_defer(usb_loop.ev, &w->defer, usb_watch_deliver, w);
	if (r < 0) {
		free(w);
		return r;
	}
	sd_event_source_set_enabled(w->defer, SD_EVENT_OFF);
	r = libusb_hotplug_register_callback(
	    ctx,
	    LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
		LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
	    0, id ? id->vendor : LIBUSB_HOTPLUG_MATCH_ANY,
	    id ? id->product : LIBUSB_HOTPLUG_MATCH_ANY,
	    LIBUSB_HOTPLUG_MATCH_ANY, usb_watch_event, w, &w->handle);
	if (r != LIBUSB_SUCCESS) {
		sd_event_source_disable_unref(w->defer);
		free(w);
		return -EIO;
	}
	*out = w;
	return 0;
}

void usb_unwatch(struct usb_watch *w)
{
	if (!w || w->gone)
		return;
	libusb_hotplug_deregister_callback(w->ctx, w->handle);
	w->gone = true;
	if (!w->delivering)
		usb_watch_free(w);
}
