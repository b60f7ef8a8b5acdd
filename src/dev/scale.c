/* SPDX-License-Identifier: MIT */
/*
 * Scale dispatcher: picks the scale backend by name and forwards calls.
 *
 * Adding a backend (USB HID POS scale) is one file and one line in
 * the registry (src/dev/device.c).  No protocol knowledge lives here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/device.h"
#include "retour/log.h"
#include "retour/scale.h"

struct scale {
	const struct scale_backend *backend;
	void *state;
	scale_reading_fn fn;
	scale_state_fn state_fn;
	void *userdata;
};

/* The backend is handed the dispatcher as its userdata: the state
 * callback goes through here too, to reach the caller's. */
static void scale_on_state(void *userdata, bool present, const char *why)
{
	struct scale *s = userdata;

	if (s->state_fn)
		s->state_fn(s->userdata, present, why);
}

/* Every reading passes here on its way to the desk: the log keeps what
 * the scale said (raw value and unit) beside the grams, since the record
 * keeps only the grams. */
static void scale_on_reading(void *userdata, const struct scale_reading *r)
{
	struct scale *s = userdata;

	log_info("scale: %s, %s", scale_status_name(r->status), r->detail);
	s->fn(s->userdata, r);
}

int scale_open(sd_event *ev, const struct scale_config *cfg,
	       scale_reading_fn fn, void *userdata, struct scale **out,
	       char *err, size_t errlen)
{
	const struct device_backend *entry;
	const struct scale_backend *be;
	struct scale_config c;
	struct scale *s;
	int r;

	if (!ev || !cfg || !fn || !out)
		return -EINVAL;
	entry = device_backend_find(DEVICE_SCALE, cfg->backend, err, errlen);
	if (!entry)
		return -EINVAL;
	be = entry->ops;
	if (!be) {
		snprintf(err, errlen, "scale backend '%s': no device to open",
			 entry->name);
		return -ENODEV;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "scale: out of memory");
		return -ENOMEM;
	}
	s->backend = be;
	s->fn = fn;
	s->state_fn = cfg->state;
	s->userdata = userdata;
	c = *cfg;
	c.state = scale_on_state;
	r = be->open(ev, &c, scale_on_reading, s, &s->state, err, errlen);
	if (r < 0) {
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

int scale_request_stable(struct scale *s)
{
	if (!s)
		return -EINVAL;
	return s->backend->request_stable(s->state);
}

bool scale_is_busy(const struct scale *s)
{
	return s && s->backend->is_busy(s->state);
}

int scale_zero(struct scale *s)
{
	if (!s)
		return -EINVAL;
	if (!s->backend->zero)
		return -EOPNOTSUPP;
	return s->backend->zero(s->state);
}

const char *scale_status_name(enum scale_status st)
{
	switch (st) {
	case SCALE_STABLE:
		return "stable";
	case SCALE_UNSTABLE:
		return "unstable";
	case SCALE_OVERLOAD:
		return "overload";
	case SCALE_UNDERLOAD:
		return "underload";
	case SCALE_ERROR:
		return "error";
	case SCALE_OFFLINE:
		return "offline";
	case SCALE_NEEDS_ZERO:
		return "needs_zero";
	case SCALE_NEEDS_CALIBRATION:
		return "needs_calibration";
	}
	return "unknown";
}

void scale_close(struct scale *s)
{
	if (!s)
		return;
	s->backend->close(s->state);
	free(s);
}

/* ---- the stability rule ---- */

void scale_settle_init(struct scale_settle *st, int stable_readings,
		       int settle_ms)
{
	memset(st, 0, sizeof(*st));
	st->need_readings = stable_readings > 1 ? (unsigned)stable_readings : 1;
	st->need_us = settle_ms > 0 ? (uint64_t)settle_ms * 1000 : 0;
}

void scale_settle_reset(struct scale_settle *st)
{
	st->running = false;
	st->count = 0;
	st->since_us = 0;
}

bool scale_settle_ready(const struct scale_settle *st, uint64_t now_us)
{
	return st->running && st->count >= st->need_readings &&
	       now_us >= st->since_us + st->need_us;
}

uint64_t scale_settle_due(const struct scale_settle *st)
{
	if (!st->running || st->count < st->need_readings)
		return 0;
	return st->since_us + st->need_us;
}

bool scale_settle_feed(struct scale_settle *st, const struct scale_reading *r,
		       uint64_t now_us)
{
	if (r->status != SCALE_STABLE) {
		scale_settle_reset(st);
		return false;
	}
	if (st->running && st->last.grams == r->grams) {
		if (st->count < UINT32_MAX)
			st->count++;
	} else {
		st->running = true;
		st->count = 1;
		st->since_us = now_us;
	}
	st->last = *r;
	return scale_settle_ready(st, now_us);
}

/* ---- the ending every backend shares ---- */

void scale_timer_arm(sd_event_source *timer, uint64_t when)
{
	sd_event_source_set_time(timer, when);
	sd_event_source_set_enabled(timer, SD_EVENT_ONESHOT);
}

void scale_deliver(sd_event_source *timer, scale_reading_fn fn, void *userdata,
		   const struct scale_reading *r)
{
	struct scale_reading copy = *r;

	sd_event_source_set_enabled(timer, SD_EVENT_OFF);
	/* The callback may start the next request at once. */
	fn(userdata, &copy);
}

void scale_unsettled_detail(char *buf, size_t len, uint64_t timeout_usec,
			    int32_t grams)
{
	snprintf(buf, len, "scale did not settle within %llu ms (last %ld g)",
		 (unsigned long long)(timeout_usec / 1000), (long)grams);
}
