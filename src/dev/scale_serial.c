/* SPDX-License-Identifier: MIT */
/*
 * The request state machine of a scale on a serial line (scale_serial.h),
 * shared by the MT-SICS and Toledo 8217 backends.
 *
 * The line is raw at the configured baud (plus what the backend sets:
 * parity, bits); on a pty (the simulation, the tests) line settings are
 * ignored.  One request at a time, each ending in exactly one reading.  A
 * scale that goes away (hangup, EIO) is closed and reopened on the next
 * request.
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
#include "scale_serial.h"

/* A scale answers at once; pausing between repeats keeps a scale that
 * never settles from flooding the line and the log. */
#define SCALE_SERIAL_RETRY_USEC (100 * 1000ULL)

static speed_t scale_serial_speed(int baud)
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

static void scale_serial_finish(struct scale_serial *s,
				const struct scale_reading *r)
{
	s->phase = SCALE_SERIAL_IDLE;
	scale_deliver(s->timer, s->fn, s->userdata, r);
}

static void scale_serial_finish_status(struct scale_serial *s,
				       enum scale_status st, int32_t grams,
				       const char *detail)
{
	struct scale_reading r = {.status = st, .grams = grams};

	snprintf(r.detail, sizeof(r.detail), "%s", detail);
	scale_serial_finish(s, &r);
}

/* Report from the event loop, never from inside the caller's request. */
static void scale_serial_report_later(struct scale_serial *s,
				      enum scale_status st, const char *detail)
{
	s->pending.status = st;
	s->pending.grams = 0;
	snprintf(s->pending.detail, sizeof(s->pending.detail), "%s", detail);
	s->phase = SCALE_SERIAL_WAIT_REPORT;
	scale_timer_arm(s->timer, 0);
}

static void scale_serial_drop_fd(struct scale_serial *s)
{
	s->io = sd_event_source_disable_unref(s->io);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int scale_serial_io(sd_event_source *src, int fd, uint32_t revents,
			   void *userdata);

static int scale_serial_connect(struct scale_serial *s, char *err,
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
		tio.c_cflag &= ~(CSTOPB | CRTSCTS | s->cflag_clear);
		tio.c_cflag |= s->cflag_set;
		cfsetspeed(&tio, scale_serial_speed(s->baud));
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
	r = sd_event_add_io(s->ev, &s->io, fd, EPOLLIN, scale_serial_io, s);
	if (r < 0) {
		snprintf(err, errlen, "scale %s: event loop: %s", s->path,
			 strerror(-r));
		close(fd);
		return r;
	}
	s->fd = fd;
	return 0;
}

static void scale_serial_lost(struct scale_serial *s, const char *why)
{
	char detail[96];

	scale_serial_drop_fd(s);
	if (s->phase == SCALE_SERIAL_WAIT_REPLY ||
	    s->phase == SCALE_SERIAL_WAIT_RETRY) {
		snprintf(detail, sizeof(detail), "scale %s: %s", s->path, why);
		scale_serial_finish_status(s, SCALE_OFFLINE, 0, detail);
	}
}

static int scale_serial_send_request(struct scale_serial *s)
{
	size_t len = s->proto->request_len;
	ssize_t n;

	n = write(s->fd, s->proto->request, len);
	if (n != (ssize_t)len)
		/* A tty takes a few bytes unless the device is gone. */
		return n < 0 ? -errno : -EIO;
	s->phase = SCALE_SERIAL_WAIT_REPLY;
	scale_timer_arm(s->timer,
			(uint64_t)clock_mono_us() + s->reply_timeout_usec);
	return 0;
}

static void scale_serial_give_up_unstable(struct scale_serial *s)
{
	char detail[96];

	scale_unsettled_detail(detail, sizeof(detail), s->stable_timeout_usec,
			       s->last_unstable.grams);
	scale_serial_finish_status(s, SCALE_UNSTABLE, s->last_unstable.grams,
				   detail);
}

static void scale_serial_handle_line(struct scale_serial *s)
{
	/* zeroed: a parser that gives no unit (MT-SICS) leaves raw, exponent
	 * and unit as they are, and the station notes a unit it sees */
	struct scale_reading r = {0};
	uint64_t now, next;

	if (s->phase != SCALE_SERIAL_WAIT_REPLY)
		return; /* late or unsolicited: the scale's, not ours */
	if (s->overlong) {
		scale_serial_finish_status(s, SCALE_ERROR, 0,
					   "scale reply too long: dropped");
		return;
	}
	s->proto->parse(s, s->line, s->line_len, &r);
	now = (uint64_t)clock_mono_us();
	if (r.status == SCALE_STABLE &&
	    scale_settle_feed(&s->settle, &r, now)) {
		scale_serial_finish(s, &s->settle.last);
		return;
	}
	if (r.status != SCALE_STABLE && r.status != SCALE_UNSTABLE) {
		scale_settle_reset(&s->settle);
		scale_serial_finish(s, &r);
		return;
	}
	if (r.status == SCALE_UNSTABLE)
		scale_settle_reset(&s->settle);
	s->last_unstable = r;
	s->have_unstable = true;
	if (now >= s->stable_deadline) {
		scale_serial_give_up_unstable(s);
		return;
	}
	next = now + SCALE_SERIAL_RETRY_USEC;
	/* the settle time ends between two polls: look then, not later */
	if (scale_settle_due(&s->settle) && scale_settle_due(&s->settle) < next)
		next = scale_settle_due(&s->settle);
	if (next > s->stable_deadline)
		next = s->stable_deadline;
	s->phase = SCALE_SERIAL_WAIT_RETRY;
	scale_timer_arm(s->timer, next);
}

void scale_serial_line_clear(struct scale_serial *s)
{
	s->line_len = 0;
	s->overlong = false;
}

void scale_serial_line_add(struct scale_serial *s, char c)
{
	if (s->overlong)
		return;
	if (s->line_len == s->proto->line_max) {
		s->overlong = true;
		return;
	}
	s->line[s->line_len++] = c;
}

void scale_serial_line_end(struct scale_serial *s)
{
	s->line[s->line_len] = '\0';
	scale_serial_handle_line(s);
}

static void scale_serial_feed(struct scale_serial *s, const char *buf,
			      size_t len)
{
	unsigned seq = s->request_seq;
	size_t i;

	/* a reading delivered may have started the next request: the rest
	 * of the bytes answer the one that ended */
	for (i = 0; i < len && seq == s->request_seq; i++)
		s->proto->take(s, buf[i]);
}

static int scale_serial_io(sd_event_source *src, int fd, uint32_t revents,
			   void *userdata)
{
	struct scale_serial *s = userdata;
	char buf[256];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			scale_serial_feed(s, buf, (size_t)n);
			if (s->fd != fd)
				return 0; /* dropped meanwhile */
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		scale_serial_lost(s, n == 0 ? "device closed"
					    : "device gone (read error)");
		return 0;
	}
	if (revents & (EPOLLHUP | EPOLLERR))
		scale_serial_lost(s, "device hung up");
	return 0;
}

static int scale_serial_timer(sd_event_source *src, uint64_t usec,
			      void *userdata)
{
	struct scale_serial *s = userdata;
	char detail[96];
	int r;

	switch (s->phase) {
	case SCALE_SERIAL_IDLE:
		break;
	case SCALE_SERIAL_WAIT_REPLY:
		if (s->line_len > 0 || s->overlong) {
			s->line[s->line_len] = '\0';
			scale_serial_line_clear(s);
			scale_serial_finish_status(
			    s, SCALE_ERROR, 0,
			    "incomplete reply from scale (no line end)");
			break;
		}
		snprintf(detail, sizeof(detail),
			 "no reply from scale %s within %llu ms", s->path,
			 (unsigned long long)(s->reply_timeout_usec / 1000));
		scale_serial_finish_status(s, SCALE_OFFLINE, 0, detail);
		break;
	case SCALE_SERIAL_WAIT_RETRY:
		if (scale_settle_ready(&s->settle, (uint64_t)clock_mono_us()))
			/* stable since settle_ms, nothing else seen since */
			scale_serial_finish(s, &s->settle.last);
		else if ((uint64_t)clock_mono_us() >= s->stable_deadline)
			scale_serial_give_up_unstable(s);
		else if ((r = scale_serial_send_request(s)) < 0)
			scale_serial_lost(s, strerror(-r));
		break;
	case SCALE_SERIAL_WAIT_REPORT:
		scale_serial_finish(s, &s->pending);
		break;
	}
	return 0;
}

int scale_serial_request(struct scale_serial *s)
{
	char err[96];
	int r;

	if (s->phase != SCALE_SERIAL_IDLE)
		return -EBUSY;
	s->request_seq++;
	scale_serial_line_clear(s);
	s->have_unstable = false;
	scale_settle_reset(&s->settle);
	if (s->fd < 0 && scale_serial_connect(s, err, sizeof(err)) < 0) {
		scale_serial_report_later(s, SCALE_OFFLINE, err);
		return 0;
	}
	/* Whatever arrived since the last request answers nothing we ask. */
	tcflush(s->fd, TCIFLUSH);
	s->stable_deadline = (uint64_t)clock_mono_us() + s->stable_timeout_usec;
	r = scale_serial_send_request(s);
	if (r < 0) {
		snprintf(err, sizeof(err), "scale %s: %s", s->path,
			 strerror(-r));
		scale_serial_drop_fd(s);
		scale_serial_report_later(s, SCALE_OFFLINE, err);
	}
	return 0;
}

bool scale_serial_busy(const struct scale_serial *s)
{
	return s->phase != SCALE_SERIAL_IDLE;
}

int scale_serial_command(struct scale_serial *s, const char *cmd, size_t len)
{
	if (s->phase != SCALE_SERIAL_IDLE)
		return -EBUSY;
	if (s->fd < 0)
		return -ENODEV;
	/* a reply that follows arrives while idle: ignored */
	return write(s->fd, cmd, len) == (ssize_t)len ? 0 : -EIO;
}

void scale_serial_fini(struct scale_serial *s)
{
	scale_serial_drop_fd(s);
	sd_event_source_disable_unref(s->timer);
	s->timer = NULL;
	sd_event_unref(s->ev);
	s->ev = NULL;
	free(s->path);
	s->path = NULL;
}

int scale_serial_init(struct scale_serial *s, sd_event *ev,
		      const struct scale_config *cfg,
		      const struct scale_serial_proto *proto,
		      scale_reading_fn fn, void *userdata, char *err,
		      size_t errlen)
{
	s->fd = -1; /* scale_serial_fini() is safe from here on */
	if (!cfg->path || !*cfg->path) {
		snprintf(err, errlen,
			 "scale: no serial device path configured");
		return -EINVAL;
	}
	if (!(s->path = strdup(cfg->path))) {
		snprintf(err, errlen, "scale: out of memory");
		return -ENOMEM;
	}
	s->proto = proto;
	s->ev = sd_event_ref(ev);
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
	return 0;
}

int scale_serial_start(struct scale_serial *s, char *err, size_t errlen)
{
	int r;

	r = sd_event_add_time(s->ev, &s->timer, CLOCK_MONOTONIC, 0, 1,
			      scale_serial_timer, s);
	if (r < 0) {
		snprintf(err, errlen, "scale %s: event loop: %s", s->path,
			 strerror(-r));
		return r;
	}
	sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
	r = scale_serial_connect(s, err, errlen);
	if (r == -ENOENT || r == -ENODEV || r == -ENXIO || r == -EIO) {
		/* Unplugged at start-up is a state, not a configuration
		 * error: every request tries again and says OFFLINE. */
		log_warning("%s (will retry on each request)", err);
		r = 0;
	}
	return r;
}
