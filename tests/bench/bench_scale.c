/* SPDX-License-Identifier: MIT */
/*
 * Scale report to stable weight: how long after the scale's first stable
 * report (HID POS) or reply (Toledo 8217) the station has the weight, with
 * the stability rule at SETTLE_MS.  The scale is a fake on the master side
 * of a pty, driven from the same event loop as the backend; each round
 * shows the scale in motion first, then stable at a new weight.
 *
 * Prints one JSON object: "backend", "settle_ms", "lat_us" (one per
 * round: the reading's arrival minus the first stable report's write).
 *
 *   bench_scale hidpos|toledo8217 SETTLE_MS ROUNDS
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "retour/scale.h"

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

struct bench {
	sd_event *ev;
	int master;
	bool hid;
	int round;
	int w; /* 8217: W asked this round */
	uint64_t stable_at;
	bool done;
	uint64_t lat;
	int32_t grams;
};

static void bench_hid_report(struct bench *b, uint8_t st, uint16_t g)
{
	uint8_t r[6] = {3, st, 2, 0, (uint8_t)(g & 0xFF), (uint8_t)(g >> 8)};

	if (write(b->master, r, sizeof(r)) != 6)
		exit(1);
}

/* 8217: in motion for the first two W of a round, then the weight. */
static int bench_8217_io(sd_event_source *s, int fd, uint32_t ev, void *ud)
{
	struct bench *b = ud;
	char buf[64], frame[32];
	ssize_t n = read(fd, buf, sizeof(buf));

	for (ssize_t i = 0; i < n; i++) {
		int len;

		if (buf[i] != 'W')
			continue;
		if (++b->w <= 2) {
			len = snprintf(frame, sizeof(frame), "\x02?a\r");
		} else {
			len = snprintf(frame, sizeof(frame), "\x02%06.3f\r",
				       b->grams / 1000.0);
			if (!b->stable_at)
				b->stable_at = now_us();
		}
		if (write(fd, frame, (size_t)len) != len)
			exit(1);
	}
	return 0;
}

/* HID: the scale streams; motion now, stable 20 ms later, repeated. */
static int bench_hid_tick(sd_event_source *s, uint64_t usec, void *ud)
{
	struct bench *b = ud;

	if (b->done)
		return 0;
	if (!b->stable_at && b->w++ < 1) {
		bench_hid_report(b, 3, (uint16_t)(b->grams - 3));
	} else {
		bench_hid_report(b, 4, (uint16_t)b->grams);
		if (!b->stable_at)
			b->stable_at = now_us();
	}
	sd_event_source_set_time(s, now_us() + 20000);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static void bench_reading(void *ud, const struct scale_reading *r)
{
	struct bench *b = ud;

	if (r->status != SCALE_STABLE || r->grams != b->grams) {
		fprintf(stderr, "bench_scale: unexpected reading: %s\n",
			r->detail);
		exit(1);
	}
	b->lat = now_us() - b->stable_at;
	b->done = true;
}

int main(int argc, char **argv)
{
	struct bench b = {0};
	struct scale_config cfg = {0};
	struct scale *s;
	sd_event_source *io = NULL, *tick = NULL;
	char slave[64], err[160];
	int rounds;

	if (argc != 4) {
		fprintf(stderr,
			"usage: bench_scale hidpos|toledo8217 SETTLE_MS "
			"ROUNDS\n");
		return 2;
	}
	b.hid = !strcmp(argv[1], "hidpos");
	cfg.backend = argv[1];
	cfg.settle_ms = atoi(argv[2]);
	cfg.stable_timeout_ms = 10000;
	rounds = atoi(argv[3]);
	if (sd_event_new(&b.ev) < 0)
		return 1;
	b.master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (b.master < 0 || grantpt(b.master) || unlockpt(b.master) ||
	    ptsname_r(b.master, slave, sizeof(slave)))
		return 1;
	cfg.path = slave;
	if (scale_open(b.ev, &cfg, bench_reading, &b, &s, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "bench_scale: %s\n", err);
		return 1;
	}
	if (b.hid) {
		bench_hid_report(&b, 4, 1); /* the stale one, dropped */
		sd_event_add_time(b.ev, &tick, CLOCK_MONOTONIC, 0, 1,
				  bench_hid_tick, &b);
		sd_event_source_set_enabled(tick, SD_EVENT_OFF);
	} else {
		sd_event_add_io(b.ev, &io, b.master, EPOLLIN, bench_8217_io,
				&b);
	}
	printf("{\"backend\": \"%s\", \"settle_ms\": %d, \"lat_us\": [",
	       argv[1], cfg.settle_ms);
	for (int i = 0; i < rounds; i++) {
		b.done = false;
		b.stable_at = 0;
		b.w = 0;
		b.grams = 1000 + i;
		if (tick && i) {
			/* the parcel changes: the scale says so first */
			bench_hid_report(&b, 3, (uint16_t)b.grams);
			for (uint64_t t = now_us() + 5000; now_us() < t;)
				sd_event_run(b.ev, 1000);
		}
		if (scale_request_stable(s) < 0)
			return 1;
		if (tick) {
			sd_event_source_set_time(tick, now_us());
			sd_event_source_set_enabled(tick, SD_EVENT_ONESHOT);
		}
		while (!b.done)
			if (sd_event_run(b.ev, 1000000) < 0)
				return 1;
		printf("%s%llu", i ? ", " : "", (unsigned long long)b.lat);
	}
	printf("]}\n");
	scale_close(s);
	sd_event_source_disable_unref(io);
	sd_event_source_disable_unref(tick);
	close(b.master);
	sd_event_unref(b.ev);
	return 0;
}
