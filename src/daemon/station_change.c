/* SPDX-License-Identifier: MIT */
/*
 * What the status shows has changed: the station's change counter (seq)
 * and its one listener (the screen's event stream), called by every part
 * of the station that changes the desk, a device, the scale's reading, the
 * outbox or the clock; and the time each step of a parcel took, counted
 * as the desk leaves it (for /metrics).
 */
#include <stdint.h>

#include "retour/clock.h"

#include "station_internal.h"

void station_on_change(struct station *st, station_change_fn fn, void *ctx)
{
	st->on_change = fn;
	st->on_change_ctx = ctx;
}

uint64_t station_seq(const struct station *st)
{
	return st->seq;
}

void station_changed(struct station *st)
{
	st->seq++;
	if (st->on_change)
		st->on_change(st->on_change_ctx, st->seq);
}

const double station_step_le[STATION_STEP_BUCKETS - 1] = {
    0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300};

void station_step_left(struct station *st, enum desk_step was)
{
	int64_t now = clock_mono_us();
	double s = (double)(now - st->step_since_mono) / 1e6;
	int b = 0;

	/* a parcel's steps only: sign-in and scan are the desk waiting */
	if (st->step_since_mono && was > DESK_STEP_SCAN &&
	    was <= DESK_STEP_CONFIRM) {
		while (b < STATION_STEP_BUCKETS - 1 && s > station_step_le[b])
			b++;
		st->step_hist[was][b]++;
		st->step_sum_s[was] += s;
	}
	st->step_since_mono = now;
}
