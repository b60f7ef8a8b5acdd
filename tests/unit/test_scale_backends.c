/* SPDX-License-Identifier: MIT */
/*
 * The Toledo 8217 and HID POS scale backends through the code paths that
 * read real scales: a fake 8217 scale on the master side of a pty, and a
 * fake HID scale writing its input reports into a pty (as /dev/hidrawN
 * hands them over); the stability rule timed on the real clock; unplug
 * and replug; zeroing; the USB transport with no USB device present.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "retour/device.h"
#include "retour/scale.h"

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void run_until(sd_event *ev, const int *count, int want, int ms)
{
	uint64_t deadline = now_us() + (uint64_t)ms * 1000;

	while (*count < want && now_us() < deadline)
		assert_true(sd_event_run(ev, 5 * 1000) >= 0);
}

static void run_for(sd_event *ev, int ms)
{
	uint64_t deadline = now_us() + (uint64_t)ms * 1000;

	while (now_us() < deadline)
		assert_true(sd_event_run(ev, 5 * 1000) >= 0);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

struct fixture {
	sd_event *ev;
	char dir[64];
	char link[96];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || sd_event_new(&f->ev) < 0)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/retour-scale-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->link, sizeof(f->link), "%s/scale", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	sd_event_unref(f->ev);
	free(f);
	return 0;
}

/* A pty whose slave is reached through f->link (replaced each time). */
static int pty_at_link(struct fixture *f)
{
	char slave[64];
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(grantpt(fd), 0);
	assert_int_equal(unlockpt(fd), 0);
	assert_int_equal(ptsname_r(fd, slave, sizeof(slave)), 0);
	unlink(f->link);
	assert_int_equal(symlink(slave, f->link), 0);
	return fd;
}

struct result {
	int count;
	struct scale_reading last;
	uint64_t at;
	int states;
	bool present;
	char why[160];
};

static void on_reading(void *ud, const struct scale_reading *r)
{
	struct result *res = ud;

	res->count++;
	res->last = *r;
	res->at = now_us();
}

static void on_state(void *ud, bool present, const char *why)
{
	struct result *res = ud;

	res->states++;
	res->present = present;
	snprintf(res->why, sizeof(res->why), "%s", why);
}

/* ------------------------------------------------------------------ */
/* A fake Toledo 8217 scale                                            */

struct fake_8217 {
	int fd;
	sd_event_source *io;
	const char *const *replies; /* one per W, framed here */
	size_t nreplies;
	int w, z, other;
	uint64_t first_stable_at; /* when the first weight reply went out */
};

static int fake_8217_io(sd_event_source *src, int fd, uint32_t revents,
			void *ud)
{
	struct fake_8217 *fs = ud;
	char buf[64], frame[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	for (ssize_t i = 0; i < n; i++) {
		const char *reply;
		int len;

		if (buf[i] == 'Z')
			fs->z++;
		if (buf[i] != 'W') {
			fs->other += buf[i] != 'Z';
			continue;
		}
		reply = fs->replies[(size_t)fs->w < fs->nreplies
					? (size_t)fs->w
					: fs->nreplies - 1];
		fs->w++;
		len = snprintf(frame, sizeof(frame), "\x02%s\r", reply);
		if (reply[0] != '?' && !fs->first_stable_at)
			fs->first_stable_at = now_us();
		assert_int_equal(write(fd, frame, (size_t)len), len);
	}
	return 0;
}

static struct scale *open_8217(struct fixture *f, struct fake_8217 *fs,
			       int readings, int settle_ms, struct result *res)
{
	struct scale_config cfg = {
	    .backend = "toledo8217",
	    .path = f->link,
	    .reply_timeout_ms = 300,
	    .stable_timeout_ms = 2000,
	    .stable_readings = readings,
	    .settle_ms = settle_ms,
	};
	struct scale *s = NULL;
	char err[160] = "";

	fs->fd = pty_at_link(f);
	assert_int_equal(
	    sd_event_add_io(f->ev, &fs->io, fs->fd, EPOLLIN, fake_8217_io, fs),
	    0);
	if (scale_open(f->ev, &cfg, on_reading, res, &s, err, sizeof(err)) < 0)
		fail_msg("scale_open: %s", err);
	return s;
}

static void close_8217(struct scale *s, struct fake_8217 *fs)
{
	scale_close(s);
	sd_event_source_disable_unref(fs->io);
	close(fs->fd);
}

static void test_8217_motion_then_settled(void **state)
{
	struct fixture *f = *state;
	static const char *const replies[] = {"?a", "?a", "01.234"};
	struct fake_8217 fs = {.replies = replies, .nreplies = 3};
	struct result res = {0};
	struct scale *s = open_8217(f, &fs, 1, 200, &res);
	uint64_t waited;

	assert_int_equal(scale_request_stable(s), 0);
	assert_int_equal(scale_request_stable(s), -EBUSY);
	assert_int_equal(scale_zero(s), -EBUSY);
	run_until(f->ev, &res.count, 1, 3000);
	assert_int_equal(res.count, 1);
	assert_int_equal(res.last.status, SCALE_STABLE);
	assert_int_equal(res.last.grams, 1234);
	assert_string_equal(res.last.unit, "kg");
	/* the settle time, from the first stable reply, and not much more */
	waited = res.at - fs.first_stable_at;
	assert_true(waited >= 200000);
	assert_true(waited < 200000 + 30000);
	assert_int_equal(fs.other, 0);
	close_8217(s, &fs);
}

static void test_8217_stable_readings(void **state)
{
	struct fixture *f = *state;
	static const char *const replies[] = {"01.000", "01.000", "01.001",
					      "01.001", "01.001"};
	struct fake_8217 fs = {.replies = replies, .nreplies = 5};
	struct result res = {0};
	struct scale *s = open_8217(f, &fs, 3, 0, &res);

	assert_int_equal(scale_request_stable(s), 0);
	run_until(f->ev, &res.count, 1, 3000);
	assert_int_equal(res.last.status, SCALE_STABLE);
	assert_int_equal(res.last.grams, 1001);
	assert_int_equal(fs.w, 5); /* 1000 twice is not 3 in a row */
	close_8217(s, &fs);
}

static void test_8217_status_replies(void **state)
{
	struct fixture *f = *state;
	static const char *const over[] = {"?b"}, *const zero[] = {"?h"},
				 *const junk[] = {"xx"};
	static const struct {
		const char *const *replies;
		enum scale_status want;
	} cases[] = {
	    {over, SCALE_OVERLOAD},
	    {zero, SCALE_NEEDS_ZERO},
	    {junk, SCALE_ERROR},
	};

	for (size_t i = 0; i < 3; i++) {
		struct fake_8217 fs = {.replies = cases[i].replies,
				       .nreplies = 1};
		struct result res = {0};
		struct scale *s = open_8217(f, &fs, 1, 0, &res);

		assert_int_equal(scale_request_stable(s), 0);
		run_until(f->ev, &res.count, 1, 2000);
		assert_int_equal(res.last.status, cases[i].want);
		assert_int_equal(fs.w, 1);
		/* zero goes out as "Z" */
		assert_int_equal(scale_zero(s), 0);
		run_for(f->ev, 30);
		assert_int_equal(fs.z, 1);
		close_8217(s, &fs);
	}
}

static void test_8217_board_values_checked(void **state)
{
	struct fixture *f = *state;
	const struct device_backend *be =
	    device_backend_find(DEVICE_SCALE, "toledo8217", NULL, 0);
	struct scale_config cfg = {.backend = "toledo8217", .path = f->link};
	struct scale *s = NULL;
	char err[160];

	assert_non_null(be);
	assert_int_equal(
	    device_backend_setting(be, &cfg, "parity", "odd", err, sizeof(err)),
	    0);
	assert_string_equal(cfg.parity, "odd");
	assert_int_equal(device_backend_setting(be, &cfg, "parity", "mark", err,
						sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "parity 'mark' is not even, odd or none");
	assert_int_equal(
	    device_backend_setting(be, &cfg, "bits", "6", err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(
	    device_backend_setting(be, &cfg, "unit", "stone", err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(
	    device_backend_setting(be, &cfg, "unit", "lb", err, sizeof(err)),
	    0);
	/* a hidpos key on a toledo8217 board: checked by its owner */
	assert_int_equal(device_backend_setting(be, &cfg, "usb", "0922:80", err,
						sizeof(err)),
			 -EINVAL);
	cfg.parity = "mark";
	assert_int_equal(
	    scale_open(f->ev, &cfg, on_reading, NULL, &s, err, sizeof(err)),
	    -EINVAL);
}

/* ------------------------------------------------------------------ */
/* A fake HID POS scale writing reports                                */

static struct scale *open_hid(struct fixture *f, int *master, int settle_ms,
			      struct result *res)
{
	struct scale_config cfg = {
	    .backend = "hidpos",
	    .path = f->link,
	    .reply_timeout_ms = 300,
	    .stable_timeout_ms = 1000,
	    .settle_ms = settle_ms,
	    .state = on_state,
	};
	struct scale *s = NULL;
	char err[160] = "";

	*master = pty_at_link(f);
	if (scale_open(f->ev, &cfg, on_reading, res, &s, err, sizeof(err)) < 0)
		fail_msg("scale_open: %s", err);
	return s;
}

static void send_report(int fd, uint8_t st, uint8_t unit, int8_t exp,
			uint16_t weight)
{
	uint8_t r[6] = {3,
			st,
			unit,
			(uint8_t)exp,
			(uint8_t)(weight & 0xFF),
			(uint8_t)(weight >> 8)};

	assert_int_equal(write(fd, r, sizeof(r)), 6);
}

static void test_hid_first_report_discarded(void **state)
{
	struct fixture *f = *state;
	struct result res = {0};
	int m;
	struct scale *s = open_hid(f, &m, 0, &res);

	assert_int_equal(scale_request_stable(s), 0);
	send_report(m, 4, 2, 0, 9999); /* held from before: stale */
	run_for(f->ev, 30);
	assert_int_equal(res.count, 0);
	send_report(m, 4, 3, -3, 1234); /* stable 1.234 kg */
	run_until(f->ev, &res.count, 1, 1000);
	assert_int_equal(res.count, 1);
	assert_int_equal(res.last.status, SCALE_STABLE);
	assert_int_equal(res.last.grams, 1234);
	assert_int_equal(res.last.raw, 1234);
	assert_int_equal(res.last.exponent, -3);
	assert_string_equal(res.last.unit, "kg");
	/* the scale keeps reporting: a request now is answered at once */
	assert_int_equal(scale_request_stable(s), 0);
	assert_int_equal(res.count, 1); /* never from inside the call */
	run_until(f->ev, &res.count, 2, 1000);
	assert_int_equal(res.last.grams, 1234);
	scale_close(s);
	close(m);
}

static void test_hid_settle_time(void **state)
{
	struct fixture *f = *state;
	struct result res = {0};
	int m;
	struct scale *s = open_hid(f, &m, 150, &res);
	uint64_t t0, waited;

	send_report(m, 4, 2, 0, 1); /* stale */
	run_for(f->ev, 20);
	assert_int_equal(scale_request_stable(s), 0);
	send_report(m, 3, 2, 0, 480); /* in motion */
	run_for(f->ev, 50);
	send_report(m, 4, 2, 0, 500);
	t0 = now_us();
	run_for(f->ev, 60);
	send_report(m, 4, 2, 0, 500); /* the same: the run goes on */
	run_until(f->ev, &res.count, 1, 1000);
	waited = res.at - t0;
	assert_int_equal(res.last.grams, 500);
	assert_true(waited >= 150000);
	assert_true(waited < 150000 + 30000);
	scale_close(s);
	close(m);
}

static void test_hid_states_reach_the_desk(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint8_t status;
		enum scale_status want;
	} cases[] = {
	    {6, SCALE_OVERLOAD},
	    {5, SCALE_UNDERLOAD},
	    {7, SCALE_NEEDS_CALIBRATION},
	    {8, SCALE_NEEDS_ZERO},
	    {1, SCALE_ERROR},
	};
	struct result res = {0};
	uint64_t asked;
	int m;
	struct scale *s = open_hid(f, &m, 0, &res);

	send_report(m, 4, 2, 0, 1); /* stale */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(scale_request_stable(s), 0);
		send_report(m, cases[i].status, 12, -1, 5);
		run_until(f->ev, &res.count, (int)i + 1, 1000);
		assert_int_equal(res.count, (int)i + 1);
		assert_int_equal(res.last.status, cases[i].want);
	}
	/* the fault said before a request holds when the scale stays
	 * silent (reply_timeout), and yields to a report saying otherwise */
	asked = now_us();
	assert_int_equal(scale_request_stable(s), 0);
	run_until(f->ev, &res.count, 6, 1000);
	assert_int_equal(res.last.status, SCALE_ERROR);
	assert_true(res.at - asked >= 300000);
	assert_int_equal(scale_request_stable(s), 0);
	send_report(m, 4, 2, 0, 800);
	run_until(f->ev, &res.count, 7, 1000);
	assert_int_equal(res.last.status, SCALE_STABLE);
	assert_int_equal(res.last.grams, 800);
	/* in motion until the timeout: UNSTABLE with the last weight (the
	 * scale reports as it changes: the request meets the new state) */
	send_report(m, 3, 2, 0, 321);
	run_for(f->ev, 30);
	assert_int_equal(scale_request_stable(s), 0);
	run_until(f->ev, &res.count, 8, 2000);
	assert_int_equal(res.last.status, SCALE_UNSTABLE);
	assert_int_equal(res.last.grams, 321);
	scale_close(s);
	close(m);
}

static void test_hid_unplug_and_back(void **state)
{
	struct fixture *f = *state;
	struct result res = {0};
	uint8_t zero[8];
	int m;
	struct scale *s = open_hid(f, &m, 0, &res);

	/* zeroing writes the Scale Control Report: id 2, EZR */
	assert_int_equal(scale_zero(s), 0);
	assert_int_equal(read(m, zero, sizeof(zero)), 2);
	assert_int_equal(zero[0], 2);
	assert_int_equal(zero[1], 1);

	close(m); /* unplugged */
	run_until(f->ev, &res.states, 1, 1000);
	assert_int_equal(res.states, 1);
	assert_false(res.present);
	assert_int_equal(scale_zero(s), -ENODEV);
	unlink(f->link);
	assert_int_equal(scale_request_stable(s), 0);
	run_until(f->ev, &res.count, 1, 1000);
	assert_int_equal(res.last.status, SCALE_OFFLINE);
	assert_non_null(strstr(res.last.detail, "cannot open"));

	m = pty_at_link(f); /* plugged back */
	assert_int_equal(scale_request_stable(s), 0);
	assert_int_equal(res.states, 2);
	assert_true(res.present);
	send_report(m, 4, 2, 0, 7); /* stale after reopening */
	send_report(m, 4, 2, 0, 700);
	run_until(f->ev, &res.count, 2, 1000);
	assert_int_equal(res.last.status, SCALE_STABLE);
	assert_int_equal(res.last.grams, 700);
	scale_close(s);
	close(m);
}

static void test_hid_silent_and_garbage(void **state)
{
	struct fixture *f = *state;
	struct result res = {0};
	uint8_t junk[6] = {3, 0x42, 2, 0, 1, 0};
	int m;
	struct scale *s = open_hid(f, &m, 0, &res);

	/* no report at all: offline after reply + stable timeouts */
	assert_int_equal(scale_request_stable(s), 0);
	run_until(f->ev, &res.count, 1, 3000);
	assert_int_equal(res.last.status, SCALE_OFFLINE);
	assert_non_null(strstr(res.last.detail, "sent no report"));
	send_report(m, 4, 2, 0, 1); /* stale */
	assert_int_equal(scale_request_stable(s), 0);
	assert_int_equal(write(m, junk, sizeof(junk)), 6);
	run_until(f->ev, &res.count, 2, 1000);
	assert_int_equal(res.last.status, SCALE_ERROR);
	assert_non_null(strstr(res.last.detail, "unknown status 66"));
	scale_close(s);
	close(m);
}

static void test_hid_over_usb_without_devices(void **state)
{
	struct fixture *f = *state;
	struct scale_config cfg = {
	    .backend = "hidpos", .usb = "0922:8003", .state = on_state};
	struct result res = {0};
	struct scale *s = NULL;
	char err[160] = "";

	/* no USB device on this machine: opened, absent, OFFLINE */
	if (scale_open(f->ev, &cfg, on_reading, &res, &s, err, sizeof(err)) < 0)
		fail_msg("scale_open: %s", err);
	run_until(f->ev, &res.states, 1, 500);
	assert_int_equal(res.states, 1);
	assert_false(res.present);
	assert_int_equal(scale_zero(s), -ENODEV);
	assert_int_equal(scale_request_stable(s), 0);
	run_until(f->ev, &res.count, 1, 500);
	assert_int_equal(res.last.status, SCALE_OFFLINE);
	assert_string_equal(res.last.detail, "scale 0922:8003 not connected");
	scale_close(s);
	/* a malformed id or tael is refused at open */
	cfg.usb = "0922:80";
	assert_int_equal(
	    scale_open(f->ev, &cfg, on_reading, &res, &s, err, sizeof(err)),
	    -EINVAL);
	cfg.usb = NULL;
	cfg.tael_g = "40";
	assert_int_equal(
	    scale_open(f->ev, &cfg, on_reading, &res, &s, err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "scale: tael_g '40' is not 37.5, 37.8 or 50");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_8217_motion_then_settled,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_8217_stable_readings, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_8217_status_replies, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_8217_board_values_checked,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hid_first_report_discarded,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hid_settle_time, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_hid_states_reach_the_desk,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hid_unplug_and_back, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_hid_silent_and_garbage, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_hid_over_usb_without_devices,
					    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
