/* SPDX-License-Identifier: MIT */
/*
 * Scanner latency: from a code's keystrokes written to the scanner's node
 * to the code classified.  The evdev backend reads a pipe of input_event
 * records (the path it reads /dev/input/eventN by), the wedge and the
 * keymap make the line, and the callback runs code_classify(), on one
 * sd_event loop as in retourd.  Beside it, the same code as bytes through
 * the tty backend on a pty: the serial scanner's path, for the ratio.
 *
 * Each code is timed on its own, write() to classified.  Prints one JSON
 * object per line: {"name":..,"p50_us":..,"p99_us":..,"n":..}.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "retour/code.h"
#include "retour/scanner.h"

#define CODES 3000

/* A GS1-128 code with its AIM identifier and FNC1 as a US scanner types
 * it: ]C1 01 05901234123457 FNC1(Ctrl+]) 10 ABC123, Enter. */
static const char BENCH_CODE[] = "]C10105901234123457\x1d"
				 "10ABC123";

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

struct bench {
	int64_t done_ns;
	int lines;
	int bad;
};

static void bench_line(void *ud, const char *line, size_t len, bool overlong)
{
	struct bench *b = ud;
	struct code c;

	if (overlong || code_classify(line, len, NULL, &c) < 0 ||
	    c.kind != CODE_GS1 || !c.valid)
		b->bad++;
	b->done_ns = now_ns();
	b->lines++;
}

static size_t add_key(struct input_event *ev, size_t n, int code, int value)
{
	memset(&ev[n], 0, sizeof(ev[n]));
	ev[n].type = EV_KEY;
	ev[n].code = (unsigned short)code;
	ev[n].value = value;
	memset(&ev[n + 1], 0, sizeof(ev[n + 1]));
	ev[n + 1].type = EV_SYN;
	return n + 2;
}

static size_t tap(struct input_event *ev, size_t n, int code, bool shift,
		  bool ctrl)
{
	if (shift)
		n = add_key(ev, n, KEY_LEFTSHIFT, 1);
	if (ctrl)
		n = add_key(ev, n, KEY_LEFTCTRL, 1);
	n = add_key(ev, n, code, 1);
	n = add_key(ev, n, code, 0);
	if (ctrl)
		n = add_key(ev, n, KEY_LEFTCTRL, 0);
	if (shift)
		n = add_key(ev, n, KEY_LEFTSHIFT, 0);
	return n;
}

static size_t code_records(struct input_event *ev)
{
	static const int digit[10] = {KEY_0, KEY_1, KEY_2, KEY_3, KEY_4,
				      KEY_5, KEY_6, KEY_7, KEY_8, KEY_9};
	static const int letter[3] = {KEY_A, KEY_B, KEY_C};
	size_t n = 0;

	for (const char *p = BENCH_CODE; *p; p++) {
		if (*p == ']')
			n = tap(ev, n, KEY_RIGHTBRACE, false, false);
		else if (*p == 0x1d)
			n = tap(ev, n, KEY_RIGHTBRACE, false, true);
		else if (*p >= '0' && *p <= '9')
			n = tap(ev, n, digit[*p - '0'], false, false);
		else
			n = tap(ev, n, letter[*p - 'A'], true, false);
	}
	return tap(ev, n, KEY_ENTER, false, false);
}

static void report(const char *name, int64_t *lat, int n, int bad)
{
	qsort(lat, (size_t)n, sizeof(lat[0]), cmp);
	printf("{\"name\":\"%s\",\"p50_us\":%.1f,\"p99_us\":%.1f,\"n\":%d,"
	       "\"bad\":%d}\n",
	       name, lat[n / 2] / 1000.0, lat[n * 99 / 100] / 1000.0, n, bad);
}

static int run(const char *name, const struct scanner_config *cfg, int wfd,
	       const void *data, size_t len)
{
	static int64_t lat[CODES];
	struct bench b = {0};
	struct scanner *s = NULL;
	sd_event *ev = NULL;
	char err[256];

	if (sd_event_new(&ev) < 0 ||
	    scanner_open(ev, cfg, bench_line, &b, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_scanner: %s: %s\n", name, err);
		return 1;
	}
	for (int i = 0; i < CODES; i++) {
		int want = b.lines + 1;
		int64_t t0 = now_ns();

		if (write(wfd, data, len) != (ssize_t)len) {
			fprintf(stderr, "bench_scanner: write: %s\n",
				strerror(errno));
			return 1;
		}
		while (b.lines < want)
			if (sd_event_run(ev, 1000000) < 0)
				return 1;
		lat[i] = b.done_ns - t0;
	}
	report(name, lat, CODES, b.bad);
	scanner_close(s);
	sd_event_unref(ev);
	return 0;
}

int main(void)
{
	struct input_event rec[512];
	size_t n = code_records(rec);
	char path[64], slave[128], line[64];
	int fds[2], master, r;
	struct scanner_config evdev = {.backend = "evdev", .layout = "us"};
	struct scanner_config tty = {.backend = "tty"};

	if (pipe2(fds, O_CLOEXEC) < 0)
		return 1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	evdev.path = path;
	r = run("evdev", &evdev, fds[1], rec, n * sizeof(rec[0]));
	if (r)
		return r;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, slave, sizeof(slave)) != 0)
		return 1;
	tty.path = slave;
	snprintf(line, sizeof(line), "%s\r", BENCH_CODE);
	return run("tty", &tty, master, line, strlen(line));
}
