/* SPDX-License-Identifier: MIT */
/*
 * Line scanners: a barcode scanner that sends each code as a line, read
 * from a pty this process creates (the simulation), an existing tty (a
 * CDC-ACM serial scanner) or a FIFO.
 *
 * Bytes are untrusted: NULs and binary (GS for FNC1 too) pass through to
 * the caller with their length, an over-long line is reported once and
 * dropped up to the next terminator (the board's, scan_line.h).  This file
 * does not interpret codes and does not talk back to the scanner (no beeps,
 * no configuration commands).
 *
 * A tty that is absent, or goes away, is waited for: udev announces it
 * again (hotplug.h, subsystem "tty"); where udevd does not run, or for a
 * pty slave nobody announces, a timer retries once a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "retour/hotplug.h"
#include "retour/log.h"
#include "retour/scan_line.h"
#include "retour/scanner.h"

#define SCANNER_TTY_REOPEN_USEC (1000 * 1000ULL)

enum scanner_tty_mode {
	SCANNER_TTY_MODE_PTY,
	SCANNER_TTY_MODE_TTY,
	SCANNER_TTY_MODE_FIFO,
};

struct scanner_tty {
	enum scanner_tty_mode mode;
	sd_event *ev;
	int fd;	      /* what we read */
	int slave_fd; /* pty: held so writers closing is no hangup */
	sd_event_source *io;
	sd_event_source *reopen;
	struct hotplug *hotplug;
	bool watch_failed;
	char *path;	 /* configured path, may be NULL for a pty */
	char slave[128]; /* pty slave name */
	bool own_symlink;
	scanner_line_fn fn;
	scanner_state_fn state_fn;
	void *userdata;
	bool opened;	   /* state changes are told from here on */
	char absence[192]; /* why the tty is not there, "" when it is */

	struct scan_line *line;
	int baud;
	char id[192]; /* scanner_id() */
};

static int scanner_tty_io(sd_event_source *src, int fd, uint32_t revents,
			  void *userdata);

static speed_t scanner_tty_speed(int baud)
{
	static const struct {
		int baud;
		speed_t speed;
	} speeds[] = {{1200, B1200},	 {2400, B2400},	    {4800, B4800},
		      {9600, B9600},	 {19200, B19200},   {38400, B38400},
		      {57600, B57600},	 {115200, B115200}, {230400, B230400},
		      {460800, B460800}, {921600, B921600}};

	for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
		if (speeds[i].baud == baud)
			return speeds[i].speed;
	return B0;
}

/* @baud 0: the rate as it is (a CDC-ACM scanner ignores it anyway). */
static int scanner_tty_make_raw(int fd, int baud)
{
	struct termios tio;

	if (tcgetattr(fd, &tio) < 0)
		return -errno;
	/* No echo, no CR/LF translation: the bytes are the scanner's. */
	cfmakeraw(&tio);
	if (baud && cfsetspeed(&tio, scanner_tty_speed(baud)) < 0)
		return -errno;
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &tio) < 0)
		return -errno;
	return 0;
}

static int scanner_tty_watch(struct scanner_tty *s, int fd, char *err,
			     size_t errlen)
{
	int r;

	r = sd_event_add_io(s->ev, &s->io, fd, EPOLLIN, scanner_tty_io, s);
	if (r < 0) {
		snprintf(err, errlen, "scanner: event loop: %s", strerror(-r));
		return r;
	}
	s->fd = fd;
	return 0;
}

static void scanner_tty_drop_fd(struct scanner_tty *s)
{
	s->io = sd_event_source_disable_unref(s->io);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int scanner_tty_open_tty(struct scanner_tty *s, char *err, size_t errlen)
{
	int fd, r;

	fd = open(s->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "scanner %s: cannot open: %s", s->path,
			 strerror(-r));
		return r;
	}
	if (isatty(fd) && (r = scanner_tty_make_raw(fd, s->baud)) < 0) {
		snprintf(err, errlen, "scanner %s: cannot set raw mode: %s",
			 s->path, strerror(-r));
		close(fd);
		return r;
	}
	r = scanner_tty_watch(s, fd, err, errlen);
	if (r < 0) {
		close(fd);
		return r;
	}
	if (hotplug_stable_id(s->path, s->id, sizeof(s->id)) < 0)
		snprintf(s->id, sizeof(s->id), "%s", s->path);
	return 0;
}

static void scanner_tty_wait(struct scanner_tty *s);

static void scanner_tty_back(struct scanner_tty *s)
{
	char err[160];

	if (s->fd >= 0)
		return;
	if (scanner_tty_open_tty(s, err, sizeof(err)) == 0) {
		log_notice("scanner %s: back", s->path);
		s->absence[0] = '\0';
		s->reopen = sd_event_source_disable_unref(s->reopen);
		if (s->state_fn)
			s->state_fn(s->userdata, true, "");
		return;
	}
	scanner_tty_wait(s);
}

static int scanner_tty_reopen_cb(sd_event_source *src, uint64_t usec,
				 void *userdata)
{
	scanner_tty_back(userdata);
	return 0;
}

static void scanner_tty_hotplug_cb(void *ud, enum hotplug_action a,
				   const char *devnode, const char *stable_id)
{
	struct scanner_tty *s = ud;

	if (a == HOTPLUG_ADDED && s->fd < 0)
		scanner_tty_back(s);
}

/*
 * udev tells when a tty comes (its symlinks made by then); without udevd,
 * or for a node udev does not manage (a pty slave, a path outside /dev),
 * a timer tries once a second.  A watch just made gets one try a second
 * later too: the tty may have come back before it was made.
 */
static void scanner_tty_wait(struct scanner_tty *s)
{
	char err[160];
	bool udev = access("/run/udev/control", F_OK) == 0 &&
		    !strncmp(s->path, "/dev/", 5) &&
		    strncmp(s->path, "/dev/pts/", 9) != 0;
	bool fresh = false;

	if (udev && !s->hotplug && !s->watch_failed) {
		if (hotplug_watch(s->ev, "tty", scanner_tty_hotplug_cb, s,
				  &s->hotplug, err, sizeof(err)) < 0) {
			log_warning("scanner %s: %s; trying once a second",
				    s->path, err);
			s->watch_failed = true;
		} else {
			fresh = true;
		}
	}
	if (udev && s->hotplug && !fresh)
		return;
	if (!s->reopen) {
		if (sd_event_add_time_relative(s->ev, &s->reopen,
					       CLOCK_MONOTONIC,
					       SCANNER_TTY_REOPEN_USEC, 0,
					       scanner_tty_reopen_cb, s) < 0)
			return;
	} else {
		sd_event_source_set_time_relative(s->reopen,
						  SCANNER_TTY_REOPEN_USEC);
	}
	sd_event_source_set_enabled(s->reopen, SD_EVENT_ONESHOT);
}

/* The tty went away (unplugged, writer closed): wait for it to return. */
static void scanner_tty_lost(struct scanner_tty *s, const char *why)
{
	log_warning("scanner %s: %s", s->path ? s->path : s->slave, why);
	scanner_tty_drop_fd(s);
	scan_line_discard(s->line); /* half a code is no code */
	snprintf(s->absence, sizeof(s->absence), "scanner %.96s: %.64s",
		 s->path ? s->path : s->slave, why);
	if (s->opened && s->state_fn)
		s->state_fn(s->userdata, false, s->absence);
	if (s->mode != SCANNER_TTY_MODE_TTY)
		return; /* we hold the other end ourselves: cannot recur */
	scanner_tty_wait(s);
}

static int scanner_tty_io(sd_event_source *src, int fd, uint32_t revents,
			  void *userdata)
{
	struct scanner_tty *s = userdata;
	char buf[1024];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			scan_line_feed(s->line, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		scanner_tty_lost(s, n == 0 ? "closed" : strerror(errno));
		return 0;
	}
	if (revents & (EPOLLHUP | EPOLLERR))
		scanner_tty_lost(s, "hung up");
	return 0;
}

static int scanner_tty_open_pty(struct scanner_tty *s, char *err, size_t errlen)
{
	struct stat st;
	int master, r;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (master < 0) {
		r = -errno;
		snprintf(err, errlen, "scanner: cannot create a pty: %s",
			 strerror(-r));
		return r;
	}
	if (grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, s->slave, sizeof(s->slave)) != 0) {
		r = -errno;
		snprintf(err, errlen, "scanner: cannot set up the pty: %s",
			 strerror(-r));
		close(master);
		return r;
	}
	s->slave_fd =
	    open(s->slave, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	r = s->slave_fd < 0 ? -errno : scanner_tty_make_raw(s->slave_fd, 0);
	if (r < 0) {
		snprintf(err, errlen, "scanner %s: cannot open: %s", s->slave,
			 strerror(-r));
		close(master);
		return r;
	}
	r = scanner_tty_watch(s, master, err, errlen);
	if (r < 0) {
		close(master);
		return r;
	}
	if (!s->path)
		return 0;
	if (lstat(s->path, &st) == 0) {
		if (!S_ISLNK(st.st_mode)) {
			snprintf(err, errlen,
				 "scanner %s: exists and is not a "
				 "symlink; not replacing it",
				 s->path);
			return -EEXIST;
		}
		unlink(s->path); /* a stale link from an earlier run */
	}
	if (symlink(s->slave, s->path) < 0) {
		r = -errno;
		snprintf(err, errlen, "scanner %s: cannot link to %s: %s",
			 s->path, s->slave, strerror(-r));
		return r;
	}
	s->own_symlink = true;
	return 0;
}

static int scanner_tty_open_fifo(struct scanner_tty *s, char *err,
				 size_t errlen)
{
	struct stat st;
	int fd, r;

	if (mkfifo(s->path, 0660) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, errlen, "scanner %s: cannot create fifo: %s",
			 s->path, strerror(-r));
		return r;
	}
	/* O_RDWR: we are a writer too, so the last real writer leaving is
	 * not an EOF. */
	fd = open(s->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "scanner %s: cannot open: %s", s->path,
			 strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		snprintf(err, errlen, "scanner %s: exists and is not a fifo",
			 s->path);
		close(fd);
		return -EEXIST;
	}
	r = scanner_tty_watch(s, fd, err, errlen);
	if (r < 0)
		close(fd);
	return r;
}

static void scanner_tty_close(void *state)
{
	struct scanner_tty *s = state;
	char target[sizeof(s->slave)];
	ssize_t n;

	if (!s)
		return;
	scanner_tty_drop_fd(s);
	sd_event_source_disable_unref(s->reopen);
	hotplug_unwatch(s->hotplug);
	if (s->slave_fd >= 0)
		close(s->slave_fd);
	if (s->own_symlink) {
		/* Only our own link: a later run may have replaced it. */
		n = readlink(s->path, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			if (strcmp(target, s->slave) == 0)
				unlink(s->path);
		}
	}
	sd_event_unref(s->ev);
	scan_line_free(s->line);
	free(s->path);
	free(s);
}

static int scanner_tty_open_mode(enum scanner_tty_mode mode, sd_event *ev,
				 const struct scanner_config *cfg,
				 scanner_line_fn fn, void *userdata,
				 void **state, char *err, size_t errlen)
{
	struct scan_line_rules rules;
	struct scanner_tty *s;
	int r;

	if (mode != SCANNER_TTY_MODE_PTY && (!cfg->path || !*cfg->path)) {
		snprintf(err, errlen, "scanner %s: no path configured",
			 cfg->backend);
		return -EINVAL;
	}
	r = scan_line_rules_from_config(cfg, &rules, err, errlen);
	if (r < 0)
		return r;
	if (cfg->baud && !scanner_tty_speed(cfg->baud)) {
		snprintf(err, errlen,
			 "scanner: baud %d is not a standard rate (1200 to "
			 "921600)",
			 cfg->baud);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	s->mode = mode;
	s->ev = sd_event_ref(ev);
	s->fd = -1;
	s->slave_fd = -1;
	s->fn = fn;
	s->state_fn = cfg->state;
	s->userdata = userdata;
	s->baud = cfg->baud;
	if (scan_line_new(&rules, fn, userdata, &s->line) < 0)
		goto oom;
	if (cfg->path && *cfg->path && !(s->path = strdup(cfg->path)))
		goto oom;
	if (s->path)
		snprintf(s->id, sizeof(s->id), "%s", s->path);

	switch (mode) {
	case SCANNER_TTY_MODE_PTY:
		r = scanner_tty_open_pty(s, err, errlen);
		break;
	case SCANNER_TTY_MODE_TTY:
		r = scanner_tty_open_tty(s, err, errlen);
		if (r == -ENOENT || r == -ENODEV || r == -ENXIO || r == -EIO) {
			/* Not plugged in yet: wait for it like after an
			 * unplug, rather than refusing to start. */
			scanner_tty_lost(s, "absent, waiting for it");
			r = 0;
		}
		break;
	default:
		r = scanner_tty_open_fifo(s, err, errlen);
		break;
	}
	if (r < 0) {
		scanner_tty_close(s);
		return r;
	}
	s->opened = true;
	*state = s;
	return 0;
oom:
	snprintf(err, errlen, "scanner: out of memory");
	scanner_tty_close(s);
	return -ENOMEM;
}

static int scanner_tty_open_pty_backend(sd_event *ev,
					const struct scanner_config *cfg,
					scanner_line_fn fn, void *userdata,
					void **state, char *err, size_t errlen)
{
	return scanner_tty_open_mode(SCANNER_TTY_MODE_PTY, ev, cfg, fn,
				     userdata, state, err, errlen);
}

static int scanner_tty_open_tty_backend(sd_event *ev,
					const struct scanner_config *cfg,
					scanner_line_fn fn, void *userdata,
					void **state, char *err, size_t errlen)
{
	return scanner_tty_open_mode(SCANNER_TTY_MODE_TTY, ev, cfg, fn,
				     userdata, state, err, errlen);
}

static int scanner_tty_open_fifo_backend(sd_event *ev,
					 const struct scanner_config *cfg,
					 scanner_line_fn fn, void *userdata,
					 void **state, char *err, size_t errlen)
{
	return scanner_tty_open_mode(SCANNER_TTY_MODE_FIFO, ev, cfg, fn,
				     userdata, state, err, errlen);
}

static const char *scanner_tty_feed_path(const void *state)
{
	const struct scanner_tty *s = state;

	if (s->mode == SCANNER_TTY_MODE_PTY && !s->own_symlink)
		return s->slave;
	return s->path;
}

static const char *scanner_tty_id(const void *state)
{
	const struct scanner_tty *s = state;

	return s->id[0] ? s->id : scanner_tty_feed_path(s);
}

static const char *scanner_tty_absence(const void *state)
{
	const struct scanner_tty *s = state;

	return s->absence[0] ? s->absence : NULL;
}

const struct scanner_backend scanner_backend_pty = {
    .name = "pty",
    .open = scanner_tty_open_pty_backend,
    .feed_path = scanner_tty_feed_path,
    .absence = scanner_tty_absence,
    .close = scanner_tty_close,
    .id = scanner_tty_id,
};

const struct scanner_backend scanner_backend_tty = {
    .name = "tty",
    .open = scanner_tty_open_tty_backend,
    .feed_path = scanner_tty_feed_path,
    .absence = scanner_tty_absence,
    .close = scanner_tty_close,
    .id = scanner_tty_id,
};

const struct scanner_backend scanner_backend_fifo = {
    .name = "fifo",
    .open = scanner_tty_open_fifo_backend,
    .feed_path = scanner_tty_feed_path,
    .absence = scanner_tty_absence,
    .close = scanner_tty_close,
    .id = scanner_tty_id,
};
