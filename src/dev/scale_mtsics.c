/* SPDX-License-Identifier: MIT */
/*
 * MT-SICS scale driver: a Mettler Toledo (or compatible) scale on a serial
 * line, asked with "SI" until it reports a stable weight that meets the
 * stability rule (scale.h: stable_readings, settle_ms).
 *
 * The line is raw 8N1 at the configured baud; on a pty (the simulation) the
 * baud is meaningless and ignored.  One request at a time, each ending in
 * exactly one reading.  A scale that goes away (hangup, EIO) is closed and
 * reopened on the next request.  Parsing is mtsics.c's job; this file does
 * not send any command but SI (no tare, no zero: the clerk does that on
 * the scale itself).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "retour/clock.h"
#include "retour/log.h"
#include "retour/mtsics.h"
#include "retour/scale.h"

/* A scale answers SI at once; pausing between repeats keeps a scale that
 * never settles from flooding the line and the log. */
#define SCALE_MTSICS_RETRY_USEC (100 * 1000ULL)

enum scale_mtsics_phase {
	SCALE_MTSICS_IDLE,
	SCALE_MTSICS_WAIT_REPLY,  /* SI sent, reply timer armed */
	SCALE_MTSICS_WAIT_RETRY,  /* got "S D", pausing before next SI */
	SCALE_MTSICS_WAIT_REPORT, /* result known, delivered from the loop */
};

struct scale_mtsics {
	sd_event *ev;
	char *path;
	int fd;
	sd_event_source *io;
	sd_event_source *timer;
	scale_reading_fn fn;
	void *userdata;
	uint64_t stable_timeout_usec;
	uint64_t reply_timeout_usec;
	int baud;
	struct scale_settle settle;

	enum scale_mtsics_phase phase;
	unsigned request_seq;
	uint64_t stable_deadline;
	struct scale_reading last_unstable;
	bool have_unstable;
	struct scale_reading pending;

	char line[MTSICS_LINE_MAX + 1];
	size_t line_len;
	bool overlong;
};

static speed_t scale_mtsics_speed(int baud)
{
	switch (baud) {
	case 1200:
		return B1200;
	case 2400:
		return B2400;
	case 4800:
		return B4800;
	case 19200:
		return B19200;
	case 38400:
		return B38400;
	case 57600:
		return B57600;
	case 115200:
		return B115200;
	default:
		return B9600;
	}
}

static void scale_mtsics_arm(struct scale_mtsics *s, uint64_t when)
{
	sd_event_source_set_time(s->timer, when);
	sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static void scale_mtsics_finish(struct scale_mtsics *s,
				const struct scale_reading *r)
{
	struct scale_reading copy = *r;

	s->phase = SCALE_MTSICS_IDLE;
	sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
	/* The callback may start the next request at once. */
	s->fn(s->userdata, &copy);
}

static void scale_mtsics_finish_status(struct scale_mtsics *s,
				       enum scale_status st, int32_t grams,
				       const char *detail)
{
	struct scale_reading r = {.status = st, .grams = grams};

	snprintf(r.detail, sizeof(r.detail), "%s", detail);
	scale_mtsics_finish(s, &r);
}

/* Report from the event loop, never from inside the caller's request. */
static void scale_mtsics_report_later(struct scale_mtsics *s,
				      enum scale_status st, const char *detail)
{
	s->pending.status = st;
	s->pending.grams = 0;
	snprintf(s->pending.detail, sizeof(s->pending.detail), "%s", detail);
	s->phase = SCALE_MTSICS_WAIT_REPORT;
	scale_mtsics_arm(s, 0);
}

static void scale_mtsics_drop_fd(struct scale_mtsics *s)
{
	s->io = sd_event_source_disable_unref(s->io);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int scale_mtsics_io(sd_event_source *src, int fd, uint32_t revents,
			   void *userdata);

static int scale_mtsics_connect(struct scale_mtsics *s, char *err,
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
	if (isatty(fd)) {
		if (tcgetattr(fd, &tio) < 0) {
			r = -errno;
			snprintf(err, errlen,
				 "scale %s: cannot read line "
				 "settings: %s",
				 s->path, strerror(-r));
			close(fd);
			return r;
		}
		cfmakeraw(&tio);
		tio.c_cflag |= CLOCAL | CREAD;
		tio.c_cflag &= ~(CSTOPB | CRTSCTS);
		cfsetspeed(&tio, scale_mtsics_speed(s->baud));
		tio.c_cc[VMIN] = 1;
		tio.c_cc[VTIME] = 0;
		if (tcsetattr(fd, TCSANOW, &tio) < 0) {
			r = -errno;
			snprintf(err, errlen,
				 "scale %s: cannot set raw mode: %s", s->path,
				 strerror(-r));
			close(fd);
			return r;
		}
	}
	r = sd_event_add_io(s->ev, &s->io, fd, EPOLLIN, scale_mtsics_io, s);
	if (r < 0) {
		snprintf(err, errlen, "scale %s: event loop: %s", s->path,
			 strerror(-r));
		close(fd);
		return r;
	}
	s->fd = fd;
	return 0;
}

static void scale_mtsics_lost(struct scale_mtsics *s, const char *why)
{
	char detail[96];

	scale_mtsics_drop_fd(s);
	if (s->phase == SCALE_MTSICS_WAIT_REPLY ||
	    s->phase == SCALE_MTSICS_WAIT_RETRY) {
		snprintf(detail, sizeof(detail), "scale %s: %s", s->path, why);
		scale_mtsics_finish_status(s, SCALE_OFFLINE, 0, detail);
	}
}

static int scale_mtsics_send_si(struct scale_mtsics *s)
{
	ssize_t n;

	n = write(s->fd, "SI\r\n", 4);
	if (n != 4)
		/* A tty takes 4 bytes unless the device is gone. */
		return n < 0 ? -errno : -EIO;
	s->phase = SCALE_MTSICS_WAIT_REPLY;
	scale_mtsics_arm(s, (uint64_t)clock_mono_us() + s->reply_timeout_usec);
	return 0;
}

static void scale_mtsics_give_up_unstable(struct scale_mtsics *s)
{
	char detail[96];

	snprintf(detail, sizeof(detail),
		 "scale did not settle within %llu ms (last %ld g)",
		 (unsigned long long)(s->stable_timeout_usec / 1000),
		 (long)s->last_unstable.grams);
	scale_mtsics_finish_status(s, SCALE_UNSTABLE, s->last_unstable.grams,
				   detail);
}

static void scale_mtsics_handle_line(struct scale_mtsics *s)
{
	struct scale_reading r;
	uint64_t now, next;

	if (s->phase != SCALE_MTSICS_WAIT_REPLY)
		return; /* late or unsolicited: the scale's, not ours */
	if (s->overlong) {
		scale_mtsics_finish_status(s, SCALE_ERROR, 0,
					   "scale reply too long: dropped");
		return;
	}
	mtsics_parse_line(s->line, s->line_len, &r);
	now = (uint64_t)clock_mono_us();
	if (r.status == SCALE_STABLE &&
	    scale_settle_feed(&s->settle, &r, now)) {
		scale_mtsics_finish(s, &s->settle.last);
		return;
	}
	if (r.status != SCALE_UNSTABLE && r.status != SCALE_STABLE) {
		scale_mtsics_finish(s, &r);
		return;
	}
	if (r.status == SCALE_UNSTABLE)
		scale_settle_reset(&s->settle);
	s->last_unstable = r;
	s->have_unstable = true;
	if (now >= s->stable_deadline) {
		scale_mtsics_give_up_unstable(s);
		return;
	}
	next = now + SCALE_MTSICS_RETRY_USEC;
	/* the settle time ends between two polls: look then, not later */
	if (scale_settle_due(&s->settle) && scale_settle_due(&s->settle) < next)
		next = scale_settle_due(&s->settle);
	if (next > s->stable_deadline)
		next = s->stable_deadline;
	s->phase = SCALE_MTSICS_WAIT_RETRY;
	scale_mtsics_arm(s, next);
}

static void scale_mtsics_feed(struct scale_mtsics *s, const char *buf,
			      size_t len)
{
	unsigned seq = s->request_seq;
	size_t i;

	for (i = 0; i < len && seq == s->request_seq; i++) {
		char c = buf[i];

		if (c == '\r' || c == '\n') {
			if (s->line_len > 0 || s->overlong) {
				s->line[s->line_len] = '\0';
				scale_mtsics_handle_line(s);
			}
			s->line_len = 0;
			s->overlong = false;
			continue;
		}
		if (s->overlong)
			continue;
		if (s->line_len == MTSICS_LINE_MAX) {
			s->overlong = true;
			continue;
		}
		s->line[s->line_len++] = c;
	}
}

static int scale_mtsics_io(sd_event_source *src, int fd, uint32_t revents,
			   void *userdata)
{
	struct scale_mtsics *s = userdata;
	char buf[256];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			scale_mtsics_feed(s, buf, (size_t)n);
			if (s->fd != fd)
				return 0; /* dropped meanwhile */
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		scale_mtsics_lost(s, n == 0 ? "device closed"
					    : "device gone (read error)");
		return 0;
	}
	if (revents & (EPOLLHUP | EPOLLERR))
		scale_mtsics_lost(s, "device hung up");
	return 0;
}

static int scale_mtsics_timer(sd_event_source *src, uint64_t usec,
			      void *userdata)
{
	struct scale_mtsics *s = userdata;
	char detail[96];
	int r;

	switch (s->phase) {
	case SCALE_MTSICS_IDLE:
		break;
	case SCALE_MTSICS_WAIT_REPLY:
		if (s->line_len > 0 || s->overlong) {
			s->line[s->line_len] = '\0';
			s->line_len = 0;
			s->overlong = false;
			scale_mtsics_finish_status(
			    s, SCALE_ERROR, 0,
			    "incomplete reply from scale (no line end)");
			break;
		}
		snprintf(detail, sizeof(detail),
			 "no reply from scale %s within %llu ms", s->path,
			 (unsigned long long)(s->reply_timeout_usec / 1000));
		scale_mtsics_finish_status(s, SCALE_OFFLINE, 0, detail);
		break;
	case SCALE_MTSICS_WAIT_RETRY:
		if (scale_settle_ready(&s->settle, (uint64_t)clock_mono_us()))
			/* stable since settle_ms, nothing else seen since */
			scale_mtsics_finish(s, &s->settle.last);
		else if ((uint64_t)clock_mono_us() >= s->stable_deadline)
			scale_mtsics_give_up_unstable(s);
		else if ((r = scale_mtsics_send_si(s)) < 0)
			scale_mtsics_lost(s, strerror(-r));
		break;
	case SCALE_MTSICS_WAIT_REPORT:
		scale_mtsics_finish(s, &s->pending);
		break;
	}
	return 0;
}

static int scale_mtsics_request_stable(void *state)
{
	struct scale_mtsics *s = state;
	char err[96];
	int r;

	if (s->phase != SCALE_MTSICS_IDLE)
		return -EBUSY;
	s->request_seq++;
	s->line_len = 0;
	s->overlong = false;
	s->have_unstable = false;
	scale_settle_reset(&s->settle);
	if (s->fd < 0 && scale_mtsics_connect(s, err, sizeof(err)) < 0) {
		scale_mtsics_report_later(s, SCALE_OFFLINE, err);
		return 0;
	}
	/* Whatever arrived since the last request answers nothing we ask. */
	tcflush(s->fd, TCIFLUSH);
	s->stable_deadline = (uint64_t)clock_mono_us() + s->stable_timeout_usec;
	r = scale_mtsics_send_si(s);
	if (r < 0) {
		snprintf(err, sizeof(err), "scale %s: %s", s->path,
			 strerror(-r));
		scale_mtsics_drop_fd(s);
		scale_mtsics_report_later(s, SCALE_OFFLINE, err);
	}
	return 0;
}

static bool scale_mtsics_is_busy(const void *state)
{
	const struct scale_mtsics *s = state;

	return s->phase != SCALE_MTSICS_IDLE;
}

static void scale_mtsics_close(void *state)
{
	struct scale_mtsics *s = state;

	if (!s)
		return;
	scale_mtsics_drop_fd(s);
	sd_event_source_disable_unref(s->timer);
	sd_event_unref(s->ev);
	free(s->path);
	free(s);
}

static int scale_mtsics_open(sd_event *ev, const struct scale_config *cfg,
			     scale_reading_fn fn, void *userdata, void **state,
			     char *err, size_t errlen)
{
	struct scale_mtsics *s;
	int r;

	if (!cfg->path || !*cfg->path) {
		snprintf(err, errlen,
			 "scale: no serial device path configured");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(cfg->path))) {
		free(s);
		snprintf(err, errlen, "scale: out of memory");
		return -ENOMEM;
	}
	s->ev = sd_event_ref(ev);
	s->fd = -1;
	s->fn = fn;
	s->userdata = userdata;
	s->stable_timeout_usec =
	    1000ULL * (uint64_t)(cfg->stable_timeout_ms > 0
				     ? cfg->stable_timeout_ms
				     : SCALE_STABLE_TIMEOUT_MS_DEFAULT);
	s->reply_timeout_usec =
	    1000ULL * (uint64_t)(cfg->reply_timeout_ms > 0
				     ? cfg->reply_timeout_ms
				     : SCALE_REPLY_TIMEOUT_MS_DEFAULT);
	s->baud = cfg->baud > 0 ? cfg->baud : SCALE_BAUD_DEFAULT;
	scale_settle_init(&s->settle, cfg->stable_readings, cfg->settle_ms);

	r = sd_event_add_time(ev, &s->timer, CLOCK_MONOTONIC, 0, 1,
			      scale_mtsics_timer, s);
	if (r < 0) {
		snprintf(err, errlen, "scale %s: event loop: %s", s->path,
			 strerror(-r));
		scale_mtsics_close(s);
		return r;
	}
	sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
	r = scale_mtsics_connect(s, err, errlen);
	if (r == -ENOENT || r == -ENODEV || r == -ENXIO || r == -EIO) {
		/* Unplugged at start-up is a state, not a configuration
		 * error: every request tries again and says OFFLINE. */
		log_warning("%s (will retry on each request)", err);
		r = 0;
	}
	if (r < 0) {
		scale_mtsics_close(s);
		return r;
	}
	*state = s;
	return 0;
}

const struct scale_backend scale_backend_mtsics = {
    .name = "mtsics",
    .open = scale_mtsics_open,
    .request_stable = scale_mtsics_request_stable,
    .is_busy = scale_mtsics_is_busy,
    .close = scale_mtsics_close,
};
