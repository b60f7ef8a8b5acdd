/* SPDX-License-Identifier: MIT */
/*
 * Keyboard-wedge scanners through evdev: the scanner's input event node,
 * taken with EVIOCGRAB so that its keystrokes reach no other program (no
 * console login typing a barcode), read as input_event records on the
 * event loop and turned into codes by the wedge (include/retour/wedge.h).
 *
 * Which node: the board's path (/dev/input/event3, a udev symlink), or
 * its USB id, looked up through udev.  A node that is not there yet, or
 * goes away (ENODEV), is waited for: udev announces it again
 * (hotplug.h); without udevd, a timer retries once a second.
 *
 * The grab rule, which tests rely on: a character device must be an evdev
 * node and take the grab (ENOTTY: not an input device, EBUSY: another
 * program holds it: both refused with a clear error).  A FIFO (a named
 * pipe, /proc/self/fd/N of a pipe) is a recording or a test feed: there
 * is nothing to grab, and a write end is held so that its writers coming
 * and going is no EOF.  Anything else is refused.
 *
 * Not here: the keymaps (keymap.c), the line rules (scan_line.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "retour/hotplug.h"
#include "retour/log.h"
#include "retour/scanner.h"
#include "retour/usb.h"
#include "retour/wedge.h"

#define SCANNER_EVDEV_RETRY_USEC (1000 * 1000ULL)
#define SCANNER_EVDEV_RECORDS 64

struct scanner_evdev {
	sd_event *ev;
	char *path;	   /* the board's node, or NULL with a usb id */
	struct usb_id usb; /* with no path */
	char usb_text[96];
	char node[256]; /* the node opened (or last opened) */
	char id[192];	/* scanner_id() */
	int fd;		/* what we read */
	int hold_fd;	/* a FIFO's write end, so no EOF */
	sd_event_source *io;
	sd_event_source *gap;
	sd_event_source *retry;
	struct hotplug *hotplug;
	bool watch_failed;
	struct wedge *wedge;
	uint64_t gap_usec;
	scanner_line_fn fn;
	scanner_state_fn state_fn;
	void *userdata;
	bool opened;	   /* state changes are told from here on */
	char absence[192]; /* why the scanner is not there, "" when it is */
	unsigned char buf[sizeof(struct input_event) * SCANNER_EVDEV_RECORDS];
	size_t buf_len; /* part of a record left from the last read */
};

static int scanner_evdev_io(sd_event_source *src, int fd, uint32_t revents,
			    void *userdata);
static void scanner_evdev_wait(struct scanner_evdev *s);

static const char *scanner_evdev_where(const struct scanner_evdev *s)
{
	return s->path ? s->path : s->usb_text;
}

static void scanner_evdev_drop_fd(struct scanner_evdev *s)
{
	s->io = sd_event_source_disable_unref(s->io);
	if (s->fd >= 0)
		close(s->fd);
	if (s->hold_fd >= 0)
		close(s->hold_fd);
	s->fd = s->hold_fd = -1;
	s->buf_len = 0;
}

/* The character device must be an evdev node we can grab. */
static int scanner_evdev_grab(struct scanner_evdev *s, int fd, char *err,
			      size_t errlen)
{
	int clk = CLOCK_MONOTONIC;
	char name[128] = "";
	int r;

	if (ioctl(fd, EVIOCGRAB, 1) < 0) {
		r = -errno;
		if (r == -EBUSY)
			snprintf(err, errlen,
				 "scanner %s: another program has grabbed it "
				 "(EVIOCGRAB busy): stop that program",
				 s->node);
		else if (r == -ENOTTY || r == -EINVAL)
			snprintf(err, errlen,
				 "scanner %s: not an input event device",
				 s->node);
		else
			snprintf(err, errlen, "scanner %s: cannot grab: %s",
				 s->node, strerror(-r));
		return r;
	}
	/* gaps are measured on the events' own time: make it monotonic */
	(void)ioctl(fd, EVIOCSCLOCKID, &clk);
	if (ioctl(fd, EVIOCGNAME(sizeof(name) - 1), name) < 0)
		name[0] = '\0';
	log_info("scanner %s: grabbed %s%s%s", s->node, name[0] ? "\"" : "",
		 name, name[0] ? "\"" : "");
	return 0;
}

/* 0: open and watched; -ENOENT & co: not there (wait); else an error. */
static int scanner_evdev_try_open(struct scanner_evdev *s, char *err,
				  size_t errlen)
{
	struct stat st;
	int fd, r;

	if (s->path) {
		snprintf(s->node, sizeof(s->node), "%s", s->path);
	} else {
		r = hotplug_find_usb("input", &s->usb, s->node,
				     sizeof(s->node));
		if (r < 0) {
			snprintf(err, errlen, "scanner %s: not plugged in",
				 s->usb_text);
			return -ENOENT;
		}
	}
	fd = open(s->node, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "scanner %s: cannot open: %s", s->node,
			 strerror(-r));
		return r;
	}
	s->fd = fd;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "scanner %s: %s", s->node, strerror(-r));
		goto fail;
	}
	if (S_ISCHR(st.st_mode)) {
		r = scanner_evdev_grab(s, fd, err, errlen);
		if (r < 0)
			goto fail;
	} else if (S_ISFIFO(st.st_mode)) {
		s->hold_fd =
		    open(s->node, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (s->hold_fd < 0) {
			r = -errno;
			snprintf(err, errlen, "scanner %s: cannot hold: %s",
				 s->node, strerror(-r));
			goto fail;
		}
		log_info("scanner %s: a pipe of input events, nothing to grab",
			 s->node);
	} else {
		r = -EINVAL;
		snprintf(err, errlen,
			 "scanner %s: not an input event device (nor a pipe "
			 "of input events)",
			 s->node);
		goto fail;
	}
	r = sd_event_add_io(s->ev, &s->io, fd, EPOLLIN, scanner_evdev_io, s);
	if (r < 0) {
		snprintf(err, errlen, "scanner: event loop: %s", strerror(-r));
		goto fail;
	}
	if (hotplug_stable_id(s->node, s->id, sizeof(s->id)) < 0)
		snprintf(s->id, sizeof(s->id), "%.190s", s->node);
	return 0;
fail:
	scanner_evdev_drop_fd(s);
	return r;
}

static bool scanner_evdev_is_absence(int r)
{
	return r == -ENOENT || r == -ENODEV || r == -ENXIO;
}

static void scanner_evdev_back(struct scanner_evdev *s)
{
	char err[256];
	int r;

	if (s->fd >= 0)
		return;
	r = scanner_evdev_try_open(s, err, sizeof(err));
	if (r < 0) {
		if (!scanner_evdev_is_absence(r)) {
			/* there but unusable (grabbed, refused): say why */
			log_warning("%s", err);
			snprintf(s->absence, sizeof(s->absence), "%.190s", err);
		}
		scanner_evdev_wait(s);
		return;
	}
	log_notice("scanner %s: back (%s)", scanner_evdev_where(s), s->node);
	s->absence[0] = '\0';
	s->retry = sd_event_source_disable_unref(s->retry);
	if (s->state_fn)
		s->state_fn(s->userdata, true, "");
}

static int scanner_evdev_retry_cb(sd_event_source *src, uint64_t usec,
				  void *userdata)
{
	scanner_evdev_back(userdata);
	return 0;
}

static void scanner_evdev_hotplug_cb(void *ud, enum hotplug_action a,
				     const char *devnode, const char *stable_id)
{
	struct scanner_evdev *s = ud;

	if (a == HOTPLUG_ADDED && s->fd < 0)
		scanner_evdev_back(s);
}

/*
 * Wait for the node: udev tells when it comes; where udevd does not run
 * (a container, a test), a timer tries once a second, and that is the
 * only polling this backend does.  A watch just made gets one try a
 * second later too: the node may have come back before it was made.
 */
static void scanner_evdev_wait(struct scanner_evdev *s)
{
	char err[160];
	bool udev = access("/run/udev/control", F_OK) == 0, fresh = false;

	if (udev && !s->hotplug && !s->watch_failed) {
		if (hotplug_watch(s->ev, "input", scanner_evdev_hotplug_cb, s,
				  &s->hotplug, err, sizeof(err)) < 0) {
			log_warning("scanner %s: %s; trying once a second",
				    scanner_evdev_where(s), err);
			s->watch_failed = true;
		} else {
			fresh = true;
		}
	}
	if (udev && s->hotplug && !fresh)
		return;
	if (!s->retry) {
		if (sd_event_add_time_relative(s->ev, &s->retry,
					       CLOCK_MONOTONIC,
					       SCANNER_EVDEV_RETRY_USEC, 0,
					       scanner_evdev_retry_cb, s) < 0)
			return;
	} else {
		sd_event_source_set_time_relative(s->retry,
						  SCANNER_EVDEV_RETRY_USEC);
	}
	sd_event_source_set_enabled(s->retry, SD_EVENT_ONESHOT);
}

static void scanner_evdev_lost(struct scanner_evdev *s, const char *why)
{
	log_warning("scanner %s: %s", s->node, why);
	scanner_evdev_drop_fd(s);
	wedge_reset(s->wedge);
	sd_event_source_set_enabled(s->gap, SD_EVENT_OFF);
	snprintf(s->absence, sizeof(s->absence), "scanner %.96s: %.64s",
		 scanner_evdev_where(s), why);
	if (s->opened && s->state_fn)
		s->state_fn(s->userdata, false, s->absence);
	scanner_evdev_wait(s);
}

static int scanner_evdev_gap_cb(sd_event_source *src, uint64_t usec,
				void *userdata)
{
	struct scanner_evdev *s = userdata;

	wedge_gap(s->wedge);
	return 0;
}

/* A code half typed: end it if no key comes for the gap. */
static void scanner_evdev_arm_gap(struct scanner_evdev *s)
{
	if (!s->gap_usec || !wedge_pending(s->wedge)) {
		sd_event_source_set_enabled(s->gap, SD_EVENT_OFF);
		return;
	}
	if (!s->gap) {
		if (sd_event_add_time_relative(s->ev, &s->gap, CLOCK_MONOTONIC,
					       s->gap_usec, 0,
					       scanner_evdev_gap_cb, s) < 0)
			return;
	} else {
		sd_event_source_set_time_relative(s->gap, s->gap_usec);
	}
	sd_event_source_set_enabled(s->gap, SD_EVENT_ONESHOT);
}

static int scanner_evdev_io(sd_event_source *src, int fd, uint32_t revents,
			    void *userdata)
{
	struct scanner_evdev *s = userdata;
	size_t used;
	ssize_t n;

	for (;;) {
		n = read(fd, s->buf + s->buf_len, sizeof(s->buf) - s->buf_len);
		if (n > 0) {
			s->buf_len += (size_t)n;
			used = wedge_feed_records(s->wedge, s->buf, s->buf_len);
			memmove(s->buf, s->buf + used, s->buf_len - used);
			s->buf_len -= used;
			if (s->fd < 0)
				return 0;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		scanner_evdev_lost(s, n == 0		? "closed"
				      : errno == ENODEV ? "unplugged"
							: strerror(errno));
		return 0;
	}
	scanner_evdev_arm_gap(s);
	return 0;
}

static void scanner_evdev_close(void *state)
{
	struct scanner_evdev *s = state;

	if (!s)
		return;
	scanner_evdev_drop_fd(s); /* closing releases the grab */
	sd_event_source_disable_unref(s->gap);
	sd_event_source_disable_unref(s->retry);
	hotplug_unwatch(s->hotplug);
	wedge_free(s->wedge);
	sd_event_unref(s->ev);
	free(s->path);
	free(s);
}

static int scanner_evdev_config(const struct scanner_config *cfg,
				struct wedge_config *wc, char *err,
				size_t errlen)
{
	int l;

	memset(wc, 0, sizeof(*wc));
	l = keymap_layout_from_name(cfg->layout ? cfg->layout : "us");
	if (l < 0) {
		snprintf(
		    err, errlen,
		    "scanner: unknown layout '%s' (known: " KEYMAP_LAYOUT_NAMES
		    ")",
		    cfg->layout);
		return -EINVAL;
	}
	wc->layout = (enum keymap_layout)l;
	if (cfg->gap_ms < 0) {
		snprintf(err, errlen, "scanner: gap_ms %d is negative",
			 cfg->gap_ms);
		return -EINVAL;
	}
	wc->gap_us =
	    (int64_t)(cfg->gap_ms ? cfg->gap_ms : WEDGE_GAP_MS_DEFAULT) * 1000;
	return scan_line_rules_from_config(cfg, &wc->rules, err, errlen);
}

static int scanner_evdev_open(sd_event *ev, const struct scanner_config *cfg,
			      scanner_line_fn fn, void *userdata, void **state,
			      char *err, size_t errlen)
{
	bool has_path = cfg->path && *cfg->path,
	     has_usb = cfg->usb && *cfg->usb;
	struct scanner_evdev *s;
	struct wedge_config wc;
	int r;

	if (has_path == has_usb) {
		snprintf(err, errlen,
			 "scanner evdev: set either path (the event node) or "
			 "usb (vendor:product), %s",
			 has_path ? "not both" : "none is set");
		return -EINVAL;
	}
	r = scanner_evdev_config(cfg, &wc, err, errlen);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	s->ev = sd_event_ref(ev);
	s->fd = s->hold_fd = -1;
	s->fn = fn;
	s->state_fn = cfg->state;
	s->userdata = userdata;
	s->gap_usec = (uint64_t)wc.gap_us;
	if (has_usb) {
		r = usb_id_parse(cfg->usb, &s->usb, err, errlen);
		if (r < 0) {
			scanner_evdev_close(s);
			return r;
		}
		usb_id_format(&s->usb, s->usb_text, sizeof(s->usb_text));
	} else if (!(s->path = strdup(cfg->path))) {
		goto oom;
	}
	snprintf(s->id, sizeof(s->id), "%s", scanner_evdev_where(s));
	if (wedge_new(&wc, fn, userdata, &s->wedge) < 0)
		goto oom;
	r = scanner_evdev_try_open(s, err, errlen);
	if (scanner_evdev_is_absence(r)) {
		/* not plugged in yet: wait for it rather than refuse */
		log_notice("%s: waiting for it", err);
		snprintf(s->absence, sizeof(s->absence),
			 "scanner %.96s: absent, waiting for it",
			 scanner_evdev_where(s));
		scanner_evdev_wait(s);
		r = 0;
	}
	if (r < 0) {
		scanner_evdev_close(s);
		return r;
	}
	s->opened = true;
	*state = s;
	return 0;
oom:
	snprintf(err, errlen, "scanner: out of memory");
	scanner_evdev_close(s);
	return -ENOMEM;
}

static const char *scanner_evdev_feed_path(const void *state)
{
	const struct scanner_evdev *s = state;

	return s->node[0] ? s->node : scanner_evdev_where(s);
}

static const char *scanner_evdev_absence(const void *state)
{
	const struct scanner_evdev *s = state;

	return s->absence[0] ? s->absence : NULL;
}

static const char *scanner_evdev_id(const void *state)
{
	const struct scanner_evdev *s = state;

	return s->id;
}

const struct scanner_backend scanner_backend_evdev = {
    .name = "evdev",
    .open = scanner_evdev_open,
    .feed_path = scanner_evdev_feed_path,
    .absence = scanner_evdev_absence,
    .close = scanner_evdev_close,
    .id = scanner_evdev_id,
};
