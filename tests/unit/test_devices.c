/* SPDX-License-Identifier: MIT */
/*
 * Device backends against real OS interfaces: a fake MT-SICS scale on a
 * pty, scanners on a pty, a tty and a FIFO, a TCP printer against a real
 * listener on 127.0.0.1, the directory printer and camera, simulated GPIO.
 * Everything runs in one sd_event loop, with deadlines instead of sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "retour/camera.h"
#include "retour/device.h"
#include "retour/gpio.h"
#include "retour/printer.h"
#include "retour/scale.h"
#include "retour/scanner.h"
#include "retour/usb.h"

static uint64_t test_devices_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run the loop until *count reaches want or timeout_ms passes. */
static void test_devices_run_until(sd_event *ev, const int *count, int want,
				   int timeout_ms)
{
	uint64_t deadline = test_devices_now_ms() + (uint64_t)timeout_ms;

	while (*count < want && test_devices_now_ms() < deadline)
		assert_true(sd_event_run(ev, 10 * 1000) >= 0);
}

/* Run the loop for about ms, for "nothing more must happen" checks. */
static void test_devices_run_for(sd_event *ev, int ms)
{
	uint64_t deadline = test_devices_now_ms() + (uint64_t)ms;

	while (test_devices_now_ms() < deadline)
		assert_true(sd_event_run(ev, 5 * 1000) >= 0);
}

static int test_devices_rm(const char *path, const struct stat *st, int flag,
			   struct FTW *ftw)
{
	return remove(path);
}

struct test_devices_fixture {
	sd_event *ev;
	char dir[64];
};

static int test_devices_setup(void **state)
{
	struct test_devices_fixture *f = calloc(1, sizeof(*f));

	if (!f || sd_event_new(&f->ev) < 0)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/retour-devices-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int test_devices_teardown(void **state)
{
	struct test_devices_fixture *f = *state;

	nftw(f->dir, test_devices_rm, 16, FTW_DEPTH | FTW_PHYS);
	sd_event_unref(f->ev);
	free(f);
	return 0;
}

static int test_devices_pty_master(char *slave, size_t slavelen)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(grantpt(fd), 0);
	assert_int_equal(unlockpt(fd), 0);
	assert_int_equal(ptsname_r(fd, slave, slavelen), 0);
	return fd;
}

static void test_devices_write_all(int fd, const void *data, size_t len)
{
	assert_int_equal(write(fd, data, len), (ssize_t)len);
}

/* ------------------------------------------------------------------ */
/* Fake MT-SICS scale on the master side of a pty                      */

struct fake_scale {
	int fd;
	sd_event_source *io;
	const char *const *replies; /* one per SI; NULL entry: silent */
	size_t nreplies;
	bool repeat_last; /* keep answering the last reply */
	bool hang_up;	  /* close instead of answering */
	int commands;	  /* "SI\r\n" seen */
	int bad_commands; /* anything else seen */
	char buf[64];
	size_t len;
};

static int fake_scale_io(sd_event_source *src, int fd, uint32_t revents,
			 void *userdata)
{
	struct fake_scale *fs = userdata;
	const char *reply;
	ssize_t n;
	char *nl;

	n = read(fd, fs->buf + fs->len, sizeof(fs->buf) - 1 - fs->len);
	if (n <= 0)
		return 0;
	fs->len += (size_t)n;
	fs->buf[fs->len] = '\0';
	while ((nl = strchr(fs->buf, '\n'))) {
		size_t linelen = (size_t)(nl - fs->buf) + 1;

		if (linelen == 4 && memcmp(fs->buf, "SI\r\n", 4) == 0)
			fs->commands++;
		else
			fs->bad_commands++;
		memmove(fs->buf, nl + 1, fs->len - linelen + 1);
		fs->len -= linelen;

		if (fs->hang_up) {
			fs->io = sd_event_source_disable_unref(fs->io);
			close(fs->fd);
			fs->fd = -1;
			return 0;
		}
		if ((size_t)fs->commands <= fs->nreplies)
			reply = fs->replies[fs->commands - 1];
		else if (fs->repeat_last && fs->nreplies)
			reply = fs->replies[fs->nreplies - 1];
		else
			reply = NULL;
		if (reply)
			test_devices_write_all(fs->fd, reply, strlen(reply));
	}
	return 0;
}

static void fake_scale_start(sd_event *ev, struct fake_scale *fs, char *slave,
			     size_t slavelen)
{
	fs->fd = test_devices_pty_master(slave, slavelen);
	assert_int_equal(
	    sd_event_add_io(ev, &fs->io, fs->fd, EPOLLIN, fake_scale_io, fs),
	    0);
}

static void fake_scale_stop(struct fake_scale *fs)
{
	sd_event_source_disable_unref(fs->io);
	if (fs->fd >= 0)
		close(fs->fd);
}

struct scale_result {
	int count;
	struct scale_reading last;
};

static void scale_result_cb(void *userdata, const struct scale_reading *r)
{
	struct scale_result *res = userdata;

	res->count++;
	res->last = *r;
}

static struct scale *scale_start(sd_event *ev, const char *slave, int reply_ms,
				 int stable_ms, struct scale_result *res)
{
	struct scale_config cfg = {
	    .backend = "mtsics",
	    .path = slave,
	    .reply_timeout_ms = reply_ms,
	    .stable_timeout_ms = stable_ms,
	};
	struct scale *s = NULL;
	char err[160] = "";

	if (scale_open(ev, &cfg, scale_result_cb, res, &s, err, sizeof(err)) <
	    0)
		fail_msg("scale_open: %s", err);
	return s;
}

static void test_scale_unstable_then_stable(void **state)
{
	struct test_devices_fixture *f = *state;
	static const char *const replies[] = {
	    "S D     1230 g\r\n",
	    "S D     1233 g\r\n",
	    "S S     1234 g\r\n",
	};
	struct fake_scale fs = {.replies = replies, .nreplies = 3};
	struct scale_result res = {0};
	char slave[64];
	struct scale *s;

	fake_scale_start(f->ev, &fs, slave, sizeof(slave));
	s = scale_start(f->ev, slave, 500, 3000, &res);

	assert_int_equal(scale_request_stable(s), 0);
	assert_true(scale_is_busy(s));
	assert_int_equal(scale_request_stable(s), -EBUSY);
	assert_int_equal(res.count, 0); /* never from inside the call */
	test_devices_run_until(f->ev, &res.count, 1, 3000);

	assert_int_equal(res.count, 1);
	assert_int_equal(res.last.status, SCALE_STABLE);
	assert_int_equal(res.last.grams, 1234);
	assert_int_equal(fs.commands, 3);
	assert_int_equal(fs.bad_commands, 0);
	assert_false(scale_is_busy(s));

	/* exactly one reading per request */
	test_devices_run_for(f->ev, 150);
	assert_int_equal(res.count, 1);

	scale_close(s);
	fake_scale_stop(&fs);
}

static void test_scale_every_final_status(void **state)
{
	struct test_devices_fixture *f = *state;
	static const char *const replies[] = {
	    "S S      1.5 kg\r\n", /* kg, CRLF */
	    "S S    -12 g\n",	   /* LF only, negative */
	    "S +\r\n",
	    "S -\r\n",
	    "S I\r\n",
	    "ES\r\n",
	    "ET\r\n",
	    "EL\r\n",
	    "garbage\r\n",
	    "S S 2 lb\r\n",
	    "\x01\x02\xff\r\n",
	};
	static const struct {
		enum scale_status status;
		int32_t grams;
	} want[] = {
	    {SCALE_STABLE, 1500}, {SCALE_STABLE, -12}, {SCALE_OVERLOAD, 0},
	    {SCALE_UNDERLOAD, 0}, {SCALE_ERROR, 0},    {SCALE_ERROR, 0},
	    {SCALE_ERROR, 0},	  {SCALE_ERROR, 0},    {SCALE_ERROR, 0},
	    {SCALE_ERROR, 0},	  {SCALE_ERROR, 0},
	};
	struct fake_scale fs = {.replies = replies, .nreplies = 11};
	struct scale_result res = {0};
	char slave[64];
	struct scale *s;
	int i;

	fake_scale_start(f->ev, &fs, slave, sizeof(slave));
	s = scale_start(f->ev, slave, 500, 1000, &res);
	for (i = 0; i < 11; i++) {
		assert_int_equal(scale_request_stable(s), 0);
		test_devices_run_until(f->ev, &res.count, i + 1, 2000);
		assert_int_equal(res.count, i + 1);
		if (res.last.status != want[i].status)
			fail_msg("reply %d: status %s (%s)", i,
				 scale_status_name(res.last.status),
				 res.last.detail);
		if (want[i].status == SCALE_STABLE)
			assert_int_equal(res.last.grams, want[i].grams);
		assert_true(res.last.detail[0] != '\0');
	}
	assert_int_equal(fs.commands, 11);
	scale_close(s);
	fake_scale_stop(&fs);
}

static void test_scale_no_reply_is_offline(void **state)
{
	struct test_devices_fixture *f = *state;
	struct fake_scale fs = {0};
	struct scale_result res = {0};
	char slave[64];
	struct scale *s;
	uint64_t t0;

	fake_scale_start(f->ev, &fs, slave, sizeof(slave));
	s = scale_start(f->ev, slave, 200, 1000, &res);
	t0 = test_devices_now_ms();
	assert_int_equal(scale_request_stable(s), 0);
	test_devices_run_until(f->ev, &res.count, 1, 3000);
	assert_int_equal(res.count, 1);
	assert_int_equal(res.last.status, SCALE_OFFLINE);
	assert_true(test_devices_now_ms() - t0 >= 190);
	assert_non_null(strstr(res.last.detail, "no reply"));
	assert_int_equal(fs.commands, 1);

	/* a late reply to the old request is not taken for the next one */
	test_devices_write_all(fs.fd, "S S 99 g\r\n", 10);
	test_devices_run_for(f->ev, 50);
	assert_int_equal(res.count, 1);

	scale_close(s);
	fake_scale_stop(&fs);
}

static void test_scale_never_settles(void **state)
{
	struct test_devices_fixture *f = *state;
	static const char *const replies[] = {"S D      777 g\r\n"};
	struct fake_scale fs = {
	    .replies = replies, .nreplies = 1, .repeat_last = true};
	struct scale_result res = {0};
	char slave[64];
	struct scale *s;
	uint64_t t0;

	fake_scale_start(f->ev, &fs, slave, sizeof(slave));
	s = scale_start(f->ev, slave, 200, 400, &res);
	t0 = test_devices_now_ms();
	assert_int_equal(scale_request_stable(s), 0);
	test_devices_run_until(f->ev, &res.count, 1, 3000);
	assert_int_equal(res.count, 1);
	assert_int_equal(res.last.status, SCALE_UNSTABLE);
	assert_int_equal(res.last.grams, 777);
	assert_true(test_devices_now_ms() - t0 >= 390);
	assert_true(fs.commands >= 2);
	/* paced, not a flood over the serial line */
	assert_true(fs.commands <= 10);
	scale_close(s);
	fake_scale_stop(&fs);
}

struct scale_split {
	int fd;
	const char *rest;
};

static int scale_split_cb(sd_event_source *src, uint64_t usec, void *ud)
{
	struct scale_split *sp = ud;

	test_devices_write_all(sp->fd, sp->rest, strlen(sp->rest));
	return 0;
}

static void test_scale_partial_lines(void **state)
{
	struct test_devices_fixture *f = *state;
	static const char *const replies[] = {"S S    4", "S S  12"};
	struct fake_scale fs = {.replies = replies, .nreplies = 2};
	struct scale_result res = {0};
	struct scale_split sp;
	sd_event_source *t = NULL;
	char slave[64];
	struct scale *s;

	fake_scale_start(f->ev, &fs, slave, sizeof(slave));
	s = scale_start(f->ev, slave, 400, 1000, &res);

	/* the rest of the line arrives 50 ms later: buffered, then whole */
	sp.fd = fs.fd;
	sp.rest = "2 g\r\n";
	assert_int_equal(sd_event_add_time_relative(f->ev, &t, CLOCK_MONOTONIC,
						    50 * 1000, 0,
						    scale_split_cb, &sp),
			 0);
	assert_int_equal(scale_request_stable(s), 0);
	test_devices_run_until(f->ev, &res.count, 1, 2000);
	assert_int_equal(res.last.status, SCALE_STABLE);
	assert_int_equal(res.last.grams, 42);
	sd_event_source_unref(t);

	/* a line that never ends: an error at the reply timeout */
	assert_int_equal(scale_request_stable(s), 0);
	test_devices_run_until(f->ev, &res.count, 2, 2000);
	assert_int_equal(res.count, 2);
	assert_int_equal(res.last.status, SCALE_ERROR);
	assert_non_null(strstr(res.last.detail, "incomplete"));
	scale_close(s);
	fake_scale_stop(&fs);
}

static void test_scale_overlong_reply(void **state)
{
	struct test_devices_fixture *f = *state;
	char longreply[300];
	const char *replies[] = {longreply, "S S 5 g\r\n"};
	struct fake_scale fs = {.replies = replies, .nreplies = 2};
	struct scale_result res = {0};
	char slave[64];
	struct scale *s;

	memset(longreply, 'S', sizeof(longreply));
	memcpy(longreply + sizeof(longreply) - 3, "\r\n", 3);
	fake_scale_start(f->ev, &fs, slave, sizeof(slave));
	s = scale_start(f->ev, slave, 400, 1000, &res);
	assert_int_equal(scale_request_stable(s), 0);
	test_devices_run_until(f->ev, &res.count, 1, 2000);
	assert_int_equal(res.last.status, SCALE_ERROR);
	assert_non_null(strstr(res.last.detail, "too long"));
	/* resynced: the next request reads the next line */
	assert_int_equal(scale_request_stable(s), 0);
	test_devices_run_until(f->ev, &res.count, 2, 2000);
	assert_int_equal(res.last.status, SCALE_STABLE);
	assert_int_equal(res.last.grams, 5);
	scale_close(s);
	fake_scale_stop(&fs);
}

static void test_scale_unplugged(void **state)
{
	struct test_devices_fixture *f = *state;
	struct fake_scale fs = {.hang_up = true};
	struct scale_result res = {0};
	char slave[64];
	struct scale *s;

	fake_scale_start(f->ev, &fs, slave, sizeof(slave));
	s = scale_start(f->ev, slave, 2000, 3000, &res);
	assert_int_equal(scale_request_stable(s), 0);
	/* well before the 2 s reply timeout: the hangup itself tells */
	test_devices_run_until(f->ev, &res.count, 1, 1000);
	assert_int_equal(res.count, 1);
	assert_int_equal(res.last.status, SCALE_OFFLINE);

	/* the device is gone: the next request says so, asynchronously */
	assert_int_equal(scale_request_stable(s), 0);
	assert_int_equal(res.count, 1);
	test_devices_run_until(f->ev, &res.count, 2, 1000);
	assert_int_equal(res.count, 2);
	assert_int_equal(res.last.status, SCALE_OFFLINE);
	assert_non_null(strstr(res.last.detail, slave));
	test_devices_run_for(f->ev, 50);
	assert_int_equal(res.count, 2);
	scale_close(s);
	fake_scale_stop(&fs);
}

static void test_scale_bad_config(void **state)
{
	struct test_devices_fixture *f = *state;
	struct scale_config cfg = {.backend = "hid", .path = "/dev/null"};
	struct scale_result res = {0};
	struct scale *s = NULL;
	char err[160];

	assert_int_equal(scale_open(f->ev, &cfg, scale_result_cb, &res, &s, err,
				    sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "unknown scale backend 'hid' (known: mtsics, "
				 "toledo8217, hidpos, none)");
	assert_null(s);
	cfg.backend = "mtsics";
	cfg.path = NULL;
	assert_int_equal(scale_open(f->ev, &cfg, scale_result_cb, &res, &s, err,
				    sizeof(err)),
			 -EINVAL);
	assert_null(s);
}

/* Unplugged at start-up: OFFLINE on request, picked up once it appears. */
static void test_scale_plugged_in_later(void **state)
{
	struct test_devices_fixture *f = *state;
	static const char *const replies[] = {"S S   250 g\r\n"};
	struct fake_scale fs = {.replies = replies, .nreplies = 1};
	struct scale_result res = {0};
	char slave[64], link[128];
	struct scale *s;

	snprintf(link, sizeof(link), "%s/ttyScale", f->dir);
	s = scale_start(f->ev, link, 300, 1000, &res);
	assert_int_equal(scale_request_stable(s), 0);
	assert_int_equal(res.count, 0);
	test_devices_run_until(f->ev, &res.count, 1, 1000);
	assert_int_equal(res.count, 1);
	assert_int_equal(res.last.status, SCALE_OFFLINE);
	assert_non_null(strstr(res.last.detail, link));

	fake_scale_start(f->ev, &fs, slave, sizeof(slave));
	assert_int_equal(symlink(slave, link), 0);
	assert_int_equal(scale_request_stable(s), 0);
	test_devices_run_until(f->ev, &res.count, 2, 2000);
	assert_int_equal(res.last.status, SCALE_STABLE);
	assert_int_equal(res.last.grams, 250);
	scale_close(s);
	fake_scale_stop(&fs);
}

/* ------------------------------------------------------------------ */
/* Scanner                                                             */

struct scan_log {
	int count;
	int overlong;
	int states;   /* scanner_config.state calls */
	bool present; /* as the last one said */
	char why[192];
	char line[8][64];
	size_t len[8];
	bool was_overlong[8];
};

static void scan_log_cb(void *userdata, const char *line, size_t len,
			bool overlong)
{
	struct scan_log *log = userdata;
	int i = log->count++;

	if (overlong)
		log->overlong++;
	if (i >= 8)
		return;
	log->was_overlong[i] = overlong;
	log->len[i] = len;
	if (line && len < sizeof(log->line[i]))
		memcpy(log->line[i], line, len);
}

static void scan_log_expect(const struct scan_log *log, int i,
			    const char *bytes, size_t len)
{
	assert_false(log->was_overlong[i]);
	assert_int_equal(log->len[i], len);
	assert_memory_equal(log->line[i], bytes, len);
}

/* What a scanner sends: codes with GS, binary, NUL, and one too long. */
static void scanner_feed_burst(const char *path, size_t overlong_len)
{
	char *big = malloc(overlong_len);
	int fd;

	assert_non_null(big);
	memset(big, '7', overlong_len);
	fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	assert_true(fd >= 0);
	test_devices_write_all(fd, "RMA-000123\r\n", 12);
	test_devices_write_all(fd,
			       "]C1\x1d"
			       "0104012345678901\n",
			       21);
	test_devices_write_all(fd, "A\0B\xff\x01\r\n", 7);
	test_devices_write_all(fd, big, overlong_len);
	test_devices_write_all(fd, "\r\nAFTER\r", 8);
	close(fd);
	free(big);
}

static void scanner_check_burst(const struct scan_log *log)
{
	assert_int_equal(log->count, 5);
	scan_log_expect(log, 0, "RMA-000123", 10);
	scan_log_expect(log, 1,
			"]C1\x1d"
			"0104012345678901",
			20);
	scan_log_expect(log, 2, "A\0B\xff\x01", 5);
	assert_true(log->was_overlong[3]);
	assert_int_equal(log->len[3], 0);
	assert_int_equal(log->overlong, 1);
	scan_log_expect(log, 4, "AFTER", 5);
}

static void test_scanner_pty(void **state)
{
	struct test_devices_fixture *f = *state;
	char link[128], target[128];
	struct scanner_config cfg = {
	    .backend = "pty", .path = link, .max_line = 32};
	struct scan_log log = {0};
	struct scanner *s = NULL;
	char err[160];
	ssize_t n;
	int fd;

	snprintf(link, sizeof(link), "%s/scanner", f->dir);
	assert_int_equal(symlink("/stale", link), 0); /* earlier run */
	if (scanner_open(f->ev, &cfg, scan_log_cb, &log, &s, err, sizeof(err)) <
	    0)
		fail_msg("scanner_open: %s", err);
	assert_string_equal(scanner_feed_path(s), link);
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_non_null(strstr(target, "/dev/pts/"));

	scanner_feed_burst(scanner_feed_path(s), 1000);
	test_devices_run_until(f->ev, &log.count, 5, 2000);
	scanner_check_burst(&log);

	/* the writer closed: still alive for the next one, no EOF storm */
	test_devices_run_for(f->ev, 30);
	assert_int_equal(log.count, 5);
	fd = open(link, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	assert_true(fd >= 0);
	test_devices_write_all(fd, "AGAIN\n", 6);
	close(fd);
	test_devices_run_until(f->ev, &log.count, 6, 2000);
	assert_int_equal(log.count, 6);
	assert_int_equal(log.len[5], 5);
	assert_memory_equal(log.line[5], "AGAIN", 5);

	scanner_close(s);
	/* our link is cleaned up */
	assert_int_equal(access(link, F_OK), -1);
}

static void test_scanner_fifo(void **state)
{
	struct test_devices_fixture *f = *state;
	char path[128];
	struct scanner_config cfg = {
	    .backend = "fifo", .path = path, .max_line = 32};
	struct scan_log log = {0};
	struct scanner *s = NULL;
	char err[160];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/scan.fifo", f->dir);
	if (scanner_open(f->ev, &cfg, scan_log_cb, &log, &s, err, sizeof(err)) <
	    0)
		fail_msg("scanner_open: %s", err);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_string_equal(scanner_feed_path(s), path);

	scanner_feed_burst(path, 100);
	test_devices_run_until(f->ev, &log.count, 5, 2000);
	scanner_check_burst(&log);

	test_devices_run_for(f->ev, 30);
	assert_int_equal(log.count, 5);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	test_devices_write_all(fd, "X1\n", 3);
	close(fd);
	test_devices_run_until(f->ev, &log.count, 6, 2000);
	assert_int_equal(log.count, 6);
	scanner_close(s);
}

static void test_scanner_tty(void **state)
{
	struct test_devices_fixture *f = *state;
	char slave[64];
	struct scanner_config cfg = {.backend = "tty", .path = slave};
	struct scan_log log = {0};
	struct scanner *s = NULL;
	char err[160];
	int master;

	master = test_devices_pty_master(slave, sizeof(slave));
	if (scanner_open(f->ev, &cfg, scan_log_cb, &log, &s, err, sizeof(err)) <
	    0)
		fail_msg("scanner_open: %s", err);
	/* raw mode: CR is a terminator, not turned into LF, no echo back */
	test_devices_write_all(master, "5901234123457\r", 14);
	test_devices_run_until(f->ev, &log.count, 1, 2000);
	assert_int_equal(log.count, 1);
	scan_log_expect(&log, 0, "5901234123457", 13);

	/* unplugged: no callback storm, no crash */
	close(master);
	test_devices_run_for(f->ev, 50);
	assert_int_equal(log.count, 1);
	scanner_close(s);
}

/* A serial scanner plugged in after start-up is picked up. */
static void scan_state_cb(void *userdata, bool present, const char *why)
{
	struct scan_log *log = userdata;

	log->states++;
	log->present = present;
	snprintf(log->why, sizeof(log->why), "%s", why);
}

static void test_scanner_tty_plugged_in_later(void **state)
{
	struct test_devices_fixture *f = *state;
	char slave[64], link[128];
	struct scanner_config cfg = {.backend = "tty", .path = link};
	struct scan_log log = {0};
	struct scanner *s = NULL;
	char err[160];
	int master;

	snprintf(link, sizeof(link), "%s/ttyACM0", f->dir);
	cfg.state = scan_state_cb;
	if (scanner_open(f->ev, &cfg, scan_log_cb, &log, &s, err, sizeof(err)) <
	    0)
		fail_msg("scanner_open: %s", err);
	/* absent at open: said by scanner_absence, not by a callback */
	assert_int_equal(log.states, 0);
	assert_non_null(scanner_absence(s));
	assert_non_null(strstr(scanner_absence(s), "absent, waiting for it"));
	master = test_devices_pty_master(slave, sizeof(slave));
	assert_int_equal(symlink(slave, link), 0);
	/* the reopen timer fires once a second */
	test_devices_run_until(f->ev, &log.states, 1, 2000);
	assert_true(log.present);
	assert_null(scanner_absence(s));
	test_devices_write_all(master, "LATE-1\r\n", 8);
	test_devices_run_until(f->ev, &log.count, 1, 2000);
	assert_int_equal(log.count, 1);
	scan_log_expect(&log, 0, "LATE-1", 6);
	/* unplugged again: told, with the path */
	close(master);
	test_devices_run_until(f->ev, &log.states, 2, 2000);
	assert_false(log.present);
	assert_non_null(strstr(log.why, link));
	assert_string_equal(scanner_absence(s), log.why);
	scanner_close(s);
}

static void test_scanner_bad_config(void **state)
{
	struct test_devices_fixture *f = *state;
	char path[128];
	struct scanner_config cfg = {.backend = "evdevx"};
	struct scan_log log = {0};
	struct scanner *s = NULL;
	char err[160];
	int fd;

	assert_int_equal(
	    scanner_open(f->ev, &cfg, scan_log_cb, &log, &s, err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "unknown scanner backend 'evdevx' "
				 "(known: pty, tty, fifo, evdev, none)");
	/* "none" is a backend the board may name, with nothing to open */
	cfg.backend = "none";
	assert_int_equal(
	    scanner_open(f->ev, &cfg, scan_log_cb, &log, &s, err, sizeof(err)),
	    -ENODEV);
	assert_string_equal(err, "scanner backend 'none': no device to open");
	assert_null(s);
	cfg.backend = "fifo";
	assert_int_equal(
	    scanner_open(f->ev, &cfg, scan_log_cb, &log, &s, err, sizeof(err)),
	    -EINVAL);
	/* a regular file where the fifo should be is not taken over */
	snprintf(path, sizeof(path), "%s/notafifo", f->dir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	cfg.path = path;
	assert_true(scanner_open(f->ev, &cfg, scan_log_cb, &log, &s, err,
				 sizeof(err)) < 0);
	assert_non_null(strstr(err, "not a fifo"));
	/* nor a file where the pty link should be */
	cfg.backend = "pty";
	assert_int_equal(
	    scanner_open(f->ev, &cfg, scan_log_cb, &log, &s, err, sizeof(err)),
	    -EEXIST);
	assert_null(s);
}

/* ------------------------------------------------------------------ */
/* Printer                                                             */

static int test_devices_listener(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void test_printer_tcp(void **state)
{
	struct printer_config cfg = {
	    .backend = "tcp", .host = "127.0.0.1", .timeout_ms = 1000};
	static char job[32768], got[40000];
	struct printer *p = NULL;
	char err[160], want[64];
	size_t i, total = 0;
	ssize_t n;
	int lfd, cfd, port;

	for (i = 0; i < sizeof(job); i++)
		job[i] = (char)(i * 7 + i / 256); /* NULs and all bytes */
	lfd = test_devices_listener(&port);
	cfg.port = port;
	assert_int_equal(printer_open(&cfg, &p, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "tcp 127.0.0.1:%d", port);
	assert_string_equal(printer_describe(p), want);

	/* fits the socket buffers, so the listener may accept afterwards */
	if (printer_print(p, "rma-1", job, sizeof(job), err, sizeof(err)) < 0)
		fail_msg("printer_print: %s", err);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	while ((n = read(cfd, got + total, sizeof(got) - total)) > 0)
		total += (size_t)n;
	assert_int_equal(n, 0); /* the job ended with a half-close */
	assert_int_equal(total, sizeof(job));
	assert_memory_equal(got, job, sizeof(job));
	close(cfd);

	/* nobody listening any more: refused, and said so */
	close(lfd);
	assert_int_equal(
	    printer_print(p, "rma-2", "^XA^XZ", 6, err, sizeof(err)),
	    -ECONNREFUSED);
	snprintf(want, sizeof(want), "printer 127.0.0.1:%d: connection refused",
		 port);
	assert_string_equal(err, want);
	printer_close(p);
}

static void test_printer_tcp_timeout(void **state)
{
	struct printer_config cfg = {
	    .backend = "tcp", .host = "127.0.0.1", .timeout_ms = 300};
	static char job[8 << 20];
	struct printer *p = NULL;
	char err[160];
	uint64_t t0, took;
	int lfd, port, r;

	/* A printer that accepts but never reads: the write must give up. */
	lfd = test_devices_listener(&port);
	cfg.port = port;
	assert_int_equal(printer_open(&cfg, &p, err, sizeof(err)), 0);
	t0 = test_devices_now_ms();
	r = printer_print(p, "big", job, sizeof(job), err, sizeof(err));
	took = test_devices_now_ms() - t0;
	assert_int_equal(r, -ETIMEDOUT);
	assert_non_null(strstr(err, "no answer within 300 ms"));
	assert_true(took >= 290 && took < 2000);
	printer_close(p);
	close(lfd);
}

static void test_printer_dir(void **state)
{
	struct test_devices_fixture *f = *state;
	char dir[128], path[256], buf[64];
	struct printer_config cfg = {.backend = "dir", .dir = dir};
	struct printer *p = NULL;
	char err[160];
	int fd;
	ssize_t n;

	snprintf(dir, sizeof(dir), "%s/labels", f->dir);
	assert_int_equal(printer_open(&cfg, &p, err, sizeof(err)), 0);
	assert_int_equal(
	    printer_print(p, "RMA-1", "^XA1^XZ", 7, err, sizeof(err)), 0);
	/* a hostile name stays inside the directory */
	assert_int_equal(
	    printer_print(p, "../../etc/x", "^XA2^XZ", 7, err, sizeof(err)), 0);
	printer_close(p);

	snprintf(path, sizeof(path), "%s/000001-RMA-1.zpl", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, 7);
	assert_memory_equal(buf, "^XA1^XZ", 7);
	snprintf(path, sizeof(path), "%s/000002-_._.._etc_x.zpl", dir);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/.000002-_._.._etc_x.zpl.tmp", dir);
	assert_int_equal(access(path, F_OK), -1);

	/* after a restart numbering goes on: nothing is overwritten */
	assert_int_equal(printer_open(&cfg, &p, err, sizeof(err)), 0);
	assert_int_equal(printer_print(p, "RMA-1", "x", 1, err, sizeof(err)),
			 0);
	snprintf(path, sizeof(path), "%s/000003-RMA-1.zpl", dir);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "dir %s", dir);
	assert_string_equal(printer_describe(p), path);
	printer_close(p);

	cfg.backend = "cups";
	assert_int_equal(printer_open(&cfg, &p, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown printer backend 'cups' "
				 "(known: tcp, usb, dir, none)");
}

/* ------------------------------------------------------------------ */
/* Camera                                                              */

static void test_devices_put(const char *dir, const char *name,
			     const char *content, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	test_devices_write_all(fd, content, len);
	close(fd);
}

static void camera_expect(struct camera *c, const char *content)
{
	char err[160];
	void *data = NULL;
	size_t len = 0;

	if (camera_capture(c, &data, &len, err, sizeof(err)) < 0)
		fail_msg("camera_capture: %s", err);
	assert_int_equal(len, strlen(content));
	assert_memory_equal(data, content, len);
	free(data);
}

static void test_camera_dir_round_robin(void **state)
{
	struct test_devices_fixture *f = *state;
	struct camera_config cfg = {
	    .backend = "dir", .dir = f->dir, .max_bytes = 16};
	struct camera *c = NULL;
	char err[160];
	void *data = NULL;
	size_t len = 0;

	test_devices_put(f->dir, "b.png", "PNG-B", 5);
	test_devices_put(f->dir, "a.jpg", "JPG-A", 5);
	test_devices_put(f->dir, "c.JPEG", "JPEG-C", 6);
	test_devices_put(f->dir, "notes.txt", "not an image", 12);
	test_devices_put(f->dir, ".hidden.jpg", "HIDDEN", 6);
	test_devices_put(f->dir, "d.jpg", "0123456789abcdefXX", 18);
	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), 0);

	camera_expect(c, "JPG-A");
	camera_expect(c, "PNG-B");
	camera_expect(c, "JPEG-C");
	/* over max_bytes: refused, and the next capture moves on */
	assert_int_equal(camera_capture(c, &data, &len, err, sizeof(err)),
			 -EFBIG);
	assert_null(data);
	assert_non_null(strstr(err, "d.jpg"));
	camera_expect(c, "JPG-A");
	/* an image added while running shows up in its place */
	test_devices_put(f->dir, "b2.jpg", "JPG-B2", 6);
	camera_expect(c, "PNG-B");
	camera_expect(c, "JPG-B2");
	camera_close(c);
}

static void test_camera_dir_errors(void **state)
{
	struct test_devices_fixture *f = *state;
	char dir[128], want[200];
	struct camera_config cfg = {.backend = "dir", .dir = dir};
	struct camera *c = NULL;
	char err[160];
	void *data = NULL;
	size_t len;

	snprintf(dir, sizeof(dir), "%s/photos", f->dir);
	/* missing */
	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, dir));
	/* empty */
	assert_int_equal(mkdir(dir, 0755), 0);
	test_devices_put(dir, "readme.txt", "x", 1);
	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), 0);
	assert_int_equal(camera_capture(c, &data, &len, err, sizeof(err)),
			 -ENOENT);
	snprintf(want, sizeof(want), "camera directory %s: no images", dir);
	assert_memory_equal(err, want, strlen(want));
	/* removed while running */
	snprintf(want, sizeof(want), "%s/readme.txt", dir);
	unlink(want);
	rmdir(dir);
	assert_int_equal(camera_capture(c, &data, &len, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, dir));
	camera_close(c);
	/* not a directory */
	test_devices_put(f->dir, "photos", "x", 1);
	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), -ENOTDIR);

	cfg.backend = "usb";
	assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown camera backend 'usb' (known: dir, "
				 "v4l2, frames, none)");
}

static void test_camera_dir_unreadable(void **state)
{
	struct test_devices_fixture *f = *state;
	char dir[128];
	struct camera_config cfg = {.backend = "dir", .dir = dir};
	struct camera *c = NULL;
	char err[160];

	pid_t pid;
	int status = -1;

	snprintf(dir, sizeof(dir), "%s/locked", f->dir);
	assert_int_equal(mkdir(dir, 0000), 0);
	if (geteuid() != 0) {
		assert_int_equal(camera_open(&cfg, &c, err, sizeof(err)),
				 -EACCES);
		assert_non_null(strstr(err, dir));
		chmod(dir, 0755);
		return;
	}
	/* Root reads any directory: check as "nobody" in a child. */
	assert_int_equal(chmod(f->dir, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		if (camera_open(&cfg, &c, err, sizeof(err)) != -EACCES)
			_exit(1);
		_exit(strstr(err, dir) ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	chmod(dir, 0755);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ------------------------------------------------------------------ */
/* GPIO                                                                */

struct press_log {
	int count;
	enum gpio_button last[8];
};

static void press_log_cb(void *userdata, enum gpio_button b)
{
	struct press_log *log = userdata;

	if (log->count < 8)
		log->last[log->count] = b;
	log->count++;
}

static void test_gpio_sim(void **state)
{
	struct test_devices_fixture *f = *state;
	struct gpio_config cfg = {.backend = "sim", .debounce_ms = 80};
	struct press_log log = {0};
	struct gpio *g = NULL;
	char err[160];

	assert_int_equal(
	    gpio_open(f->ev, &cfg, press_log_cb, &log, &g, err, sizeof(err)),
	    0);
	assert_int_equal(gpio_press(g, GPIO_BUTTON_ACCEPT), 0);
	assert_int_equal(log.count, 0); /* through the loop, not inline */
	test_devices_run_until(f->ev, &log.count, 1, 1000);
	assert_int_equal(log.count, 1);
	assert_int_equal(log.last[0], GPIO_BUTTON_ACCEPT);

	/* a bounce of the same button is swallowed, another button is not */
	assert_int_equal(gpio_press(g, GPIO_BUTTON_ACCEPT), 0);
	assert_int_equal(gpio_press(g, GPIO_BUTTON_PEDAL), 0);
	test_devices_run_for(f->ev, 20);
	assert_int_equal(log.count, 2);
	assert_int_equal(log.last[1], GPIO_BUTTON_PEDAL);

	/* after the debounce time the button counts again */
	test_devices_run_for(f->ev, 80);
	assert_int_equal(gpio_press(g, GPIO_BUTTON_ACCEPT), 0);
	test_devices_run_until(f->ev, &log.count, 3, 1000);
	assert_int_equal(log.count, 3);
	assert_int_equal(log.last[2], GPIO_BUTTON_ACCEPT);

	/* the tower's lines, as the status reads them (test_gpio.c runs
	 * the patterns) */
	assert_int_equal(gpio_tower(g), TOWER_OFF);
	assert_int_equal(gpio_set_tower(g, TOWER_ERROR, TOWER_ERROR), 0);
	assert_int_equal(gpio_tower(g), TOWER_ERROR);
	assert_true(gpio_lines(g).red);
	assert_true(gpio_lines(g).buzzer);
	assert_int_equal(gpio_set_tower(g, (enum tower_state)9, TOWER_OFF),
			 -EINVAL);
	assert_int_equal(gpio_tower(g), TOWER_ERROR);
	assert_int_equal(gpio_press(g, (enum gpio_button)7), -EINVAL);
	gpio_close(g);
}

static void test_gpio_names(void **state)
{
	struct test_devices_fixture *f = *state;
	struct gpio_config cfg = {.backend = "sysfs"};
	struct press_log log = {0};
	struct gpio *g = NULL;
	char err[160];
	int b;

	for (b = 0; b < GPIO_BUTTON_COUNT; b++)
		assert_int_equal(gpio_button_from_name(gpio_button_name(b)), b);
	assert_string_equal(gpio_button_name(GPIO_BUTTON_PEDAL), "pedal");
	assert_int_equal(gpio_button_from_name("Accept"), -EINVAL);
	assert_int_equal(gpio_button_from_name(NULL), -EINVAL);
	assert_string_equal(gpio_light_name(GPIO_LIGHT_AMBER), "amber");
	assert_int_equal(
	    gpio_open(f->ev, &cfg, press_log_cb, &log, &g, err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err,
			    "unknown gpio backend 'sysfs' (known: sim, gpiod, "
			    "none)");
}

/* ------------------------------------------------------------------ */
/* The backend registry                                                */

static void test_device_registry(void **state)
{
	const struct device_backend *be;
	struct printer_config pc = {0};
	char err[160], tiny[12];

	(void)state;
	for (int k = 0; k < DEVICE_KIND_COUNT; k++) {
		assert_int_equal(device_kind_from_name(device_kind_name(k)), k);
		be = device_backend_find(k, "none", err, sizeof(err));
		assert_non_null(be);
		assert_null(be->ops);
	}
	assert_int_equal(device_kind_from_name("board"), -EINVAL);
	assert_int_equal(device_kind_from_name(NULL), -EINVAL);
	assert_string_equal(device_state_name(DEVICE_FAULT), "fault");
	be = device_backend_find(DEVICE_PRINTER, "tcp", NULL, 0);
	assert_ptr_equal(be->ops, &printer_backend_tcp);
	assert_null(device_backend_find(DEVICE_SCALE, NULL, err, sizeof(err)));
	assert_string_equal(err, "unknown scale backend '' (known: mtsics, "
				 "toledo8217, hidpos, none)");
	/* a short buffer gets the start of the sentence, terminated */
	assert_null(
	    device_backend_find(DEVICE_SCALE, "hid", tiny, sizeof(tiny)));
	assert_string_equal(tiny, "unknown sca");

	/* values reach the kind's config; a sibling's are only checked */
	assert_int_equal(
	    device_backend_setting(be, &pc, "port", "9101", err, sizeof(err)),
	    0);
	assert_int_equal(device_backend_setting(be, &pc, "host", "printer-1",
						err, sizeof(err)),
			 0);
	assert_int_equal(pc.port, 9101);
	assert_string_equal(pc.host, "printer-1");
	assert_int_equal(
	    device_backend_setting(be, &pc, "dir", "/tmp/x", err, sizeof(err)),
	    0);
	assert_null(pc.dir);
	assert_int_equal(
	    device_backend_setting(be, &pc, "port", "9101x", err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(
	    err, "'9101x' is not a whole number from 1 to 65535 for 'port'");
	assert_int_equal(pc.port, 9101);
	assert_int_equal(
	    device_backend_setting(be, &pc, "baud", "9600", err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "unknown key 'baud' for printer backend 'tcp' "
				 "(known: host, port, timeout_ms, "
				 "language, status)");
	/* a choice: one of its words, exactly */
	assert_int_equal(device_backend_setting(be, &pc, "language", "tspl",
						err, sizeof(err)),
			 0);
	assert_string_equal(pc.language, "tspl");
	assert_int_equal(
	    device_backend_setting(be, &pc, "language", "zp", err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "'zp' is not one of zpl, tspl for 'language'");
	assert_int_equal(
	    device_backend_setting(be, &pc, "language", "", err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(pc.language, "tspl");
}

/* A backend of the kind a USB scale or printer is: a device path, or the
 * USB id the device is found by. */
struct test_usb_config {
	const char *path;
	struct usb_id usb;
};

static const struct device_setting_key test_usb_keys[] = {
    {.key = "path",
     .type = DEVICE_SETTING_PATH,
     .offset = offsetof(struct test_usb_config, path)},
    {.key = "usb",
     .type = DEVICE_SETTING_USB_ID,
     .offset = offsetof(struct test_usb_config, usb)},
    {.key = NULL},
};

static void test_device_path_and_usb_id_settings(void **state)
{
	struct test_devices_fixture *f = *state;
	const struct device_backend be = {DEVICE_SCALE, "usbtest", NULL,
					  test_usb_keys};
	struct test_usb_config c = {0};
	char err[200], there[128];

	/* a USB id reaches the config parsed */
	assert_int_equal(device_backend_setting(&be, &c, "usb", "0922:8003",
						err, sizeof(err)),
			 0);
	assert_int_equal(c.usb.vendor, 0x0922);
	assert_int_equal(c.usb.product, 0x8003);
	assert_string_equal(c.usb.serial, "");
	assert_int_equal(device_backend_setting(&be, &c, "usb", "0EB8:F000:A1",
						err, sizeof(err)),
			 0);
	assert_int_equal(c.usb.vendor, 0x0eb8);
	assert_string_equal(c.usb.serial, "A1");
	/* a malformed one is refused and changes nothing */
	assert_int_equal(
	    device_backend_setting(&be, &c, "usb", "0922:80", err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "'0922:80' is not a USB id vendor:product "
				 "(four hex digits each, like 0922:8003), "
				 "optionally :serial");
	assert_int_equal(c.usb.vendor, 0x0eb8);
	assert_int_equal(device_backend_setting(&be, &c, "usb", "0000:0001",
						err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "'0000:0001': vendor 0000 is no USB vendor");
	assert_int_equal(device_backend_setting(&be, &c, "usb", "0922:8003:a b",
						err, sizeof(err)),
			 -EINVAL);

	/* a path is text at load, whether or not the device is there */
	assert_int_equal(device_backend_setting(&be, &c, "path",
						"/dev/ttyACM9-not-here", err,
						sizeof(err)),
			 0);
	assert_string_equal(c.path, "/dev/ttyACM9-not-here");
	assert_int_equal(
	    device_backend_setting(&be, &c, "path", "", err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "'path' needs a path to the device");

	/* ... and asked for only when asked */
	assert_int_equal(device_setting_present(&be, "path",
						"/dev/ttyACM9-not-here", err,
						sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "no such device /dev/ttyACM9-not-here");
	snprintf(there, sizeof(there), "%s/ttyACM9", f->dir);
	assert_int_equal(
	    device_setting_present(&be, "path", there, err, sizeof(err)),
	    -ENOENT);
	close(open(there, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	assert_int_equal(
	    device_setting_present(&be, "path", there, err, sizeof(err)), 0);
	/* a dangling udev symlink is a device that is not there */
	snprintf(there, sizeof(there), "%s/by-id", f->dir);
	assert_int_equal(symlink("/dev/ttyACM9-not-here", there), 0);
	assert_int_equal(
	    device_setting_present(&be, "path", there, err, sizeof(err)),
	    -ENOENT);
	/* not a path: nothing to ask */
	assert_int_equal(
	    device_setting_present(&be, "usb", "0922:8003", err, sizeof(err)),
	    0);

	/* the registry's rows: a tty scanner's and a scale's path is a
	 * device, a pty scanner's is made by the daemon */
	assert_int_equal(
	    device_setting_present(
		device_backend_find(DEVICE_SCANNER, "tty", NULL, 0), "path",
		"/dev/ttyACM9-not-here", err, sizeof(err)),
	    -ENOENT);
	assert_int_equal(
	    device_setting_present(
		device_backend_find(DEVICE_SCALE, "mtsics", NULL, 0), "path",
		"/dev/ttyACM9-not-here", err, sizeof(err)),
	    -ENOENT);
	assert_int_equal(
	    device_setting_present(
		device_backend_find(DEVICE_SCANNER, "pty", NULL, 0), "path",
		"/dev/ttyACM9-not-here", err, sizeof(err)),
	    0);
}

int main(void)
{
#define T(fn)                                                                  \
	cmocka_unit_test_setup_teardown(fn, test_devices_setup,                \
					test_devices_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_scale_unstable_then_stable),
	    T(test_scale_every_final_status),
	    T(test_scale_no_reply_is_offline),
	    T(test_scale_never_settles),
	    T(test_scale_partial_lines),
	    T(test_scale_overlong_reply),
	    T(test_scale_unplugged),
	    T(test_scale_bad_config),
	    T(test_scale_plugged_in_later),
	    T(test_scanner_pty),
	    T(test_scanner_fifo),
	    T(test_scanner_tty),
	    T(test_scanner_tty_plugged_in_later),
	    T(test_scanner_bad_config),
	    T(test_printer_tcp),
	    T(test_printer_tcp_timeout),
	    T(test_printer_dir),
	    T(test_camera_dir_round_robin),
	    T(test_camera_dir_errors),
	    T(test_camera_dir_unreadable),
	    T(test_gpio_sim),
	    T(test_gpio_names),
	    T(test_device_registry),
	    T(test_device_path_and_usb_id_settings),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
