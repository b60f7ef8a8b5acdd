/* SPDX-License-Identifier: MIT */
/*
 * Whether the station knows the date.  A Raspberry Pi has no real-time
 * clock: it boots at fake-hwclock's last saved time, or 1970, until NTP
 * answers.  [station] clock says what to trust:
 *   sync   the kernel says an NTP daemon synchronised the clock
 *          (adjtimex: STA_UNSYNC clear, small maximum error), or
 *          clock_synced_file exists (systemd-timesyncd's flag,
 *          /run/systemd/timesync/synchronized);
 *   file   only the file says (the kernel's word is not taken);
 *   rtc    a battery-backed clock: right from the start;
 *   trust  the same, for a host that keeps its own time (the sim board).
 * Until it is known the wall clock is held unsure (clock.h), the desk is
 * told (DESK_EV_CLOCK) and holds every decision, the parcels it opens are
 * marked with this boot, and the flag file's directory is watched
 * (inotify through sd-event) with a re-check every
 * STATION_CLOCK_RECHECK_S seconds of both.  When it is known: the marked
 * records are corrected in one transaction with their audit entry, the
 * desk gets the shift and goes on, the deferred return.received goes out.
 * Once known it stays known for the life of the process.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "retour/civil_time.h"
#include "retour/clock.h"
#include "retour/log.h"

#include "station_internal.h"

#define STATION_CLOCK_RECHECK_S 10
/* the kernel's maximum error under which its clock is taken as set */
#define STATION_CLOCK_MAX_ERROR_US (INT64_C(5) * 1000000)

static bool station_clock_from_start(const struct config *cfg)
{
	return !strcmp(cfg->clock_mode, "rtc") ||
	       !strcmp(cfg->clock_mode, "trust");
}

/* Synchronised now?  @source gets what says so. */
static bool station_clock_synced(struct station *st, const char **source)
{
	const struct config *cfg = st->cfg;
	struct stat sb;
	int r;

	if (station_clock_from_start(cfg)) {
		*source = "config";
		return true;
	}
	if (stat(cfg->clock_synced_file, &sb) == 0) {
		*source = "file";
		return true;
	}
	if (strcmp(cfg->clock_mode, "sync"))
		return false;
	r = clock_kernel_synced(STATION_CLOCK_MAX_ERROR_US);
	if (r == 1) {
		*source = "kernel";
		return true;
	}
	/* a sandbox that filters the clock's system calls (systemd's
	 * ProtectClock=) leaves the flag file as the only word */
	if (r < 0 && !st->clock.kernel_refused) {
		st->clock.kernel_refused = true;
		log_warning_errno(r,
				  "adjtimex refused: only %s says when the "
				  "clock is set",
				  cfg->clock_synced_file);
	}
	return false;
}

static void station_clock_unwatch(struct station *st)
{
	st->clock.watch = sd_event_source_disable_unref(st->clock.watch);
	st->clock.recheck = sd_event_source_disable_unref(st->clock.recheck);
}

/* The date is known from now on: correct, tell the desk, go on. */
static void station_clock_settle(struct station *st, const char *source)
{
	struct station_clock *c = &st->clock;
	struct desk_event ev = {.kind = DESK_EV_CLOCK, .date_known = true};
	int64_t shift = clock_unsure_end(), offset = clock_realtime_offset_us();
	int r;

	station_clock_unwatch(st);
	c->known = true;
	c->shift_us = shift;
	c->known_at = clock_now_us();
	snprintf(c->source, sizeof(c->source), "%s", source);
	r = c->boot_id[0] ? store_clock_correct(st->store, c->boot_id, offset,
						shift, "station", c->known_at,
						&c->corrected, &c->left)
			  : -ENODATA;
	if (r < 0)
		log_error_errno(r,
				"the clock is set, but the records made before "
				"it stay marked (%s)",
				r == -ENODATA ? "no boot id"
					      : store_errmsg(st->store));
	log_notice("the clock is set (%s): it was off by %lld s; %d receipt(s) "
		   "corrected, %d from an earlier boot left marked",
		   source, (long long)(shift / 1000000), c->corrected, c->left);
	ev.time_shift_us = shift;
	station_feed(st, &ev);
	if (c->received_deferred)
		station_queue_received_at(st, st->desk.found.received_at);
}

bool station_clock_check(struct station *st)
{
	const char *source = NULL;

	if (st->clock.known)
		return true;
	if (!station_clock_synced(st, &source))
		return false;
	station_clock_settle(st, source);
	return true;
}

static int station_clock_on_watch(sd_event_source *s,
				  const struct inotify_event *event,
				  void *userdata)
{
	(void)s;
	(void)event;
	station_clock_check(userdata);
	return 0;
}

static int station_clock_on_recheck(sd_event_source *s, uint64_t usec,
				    void *userdata)
{
	struct station *st = userdata;

	if (!station_clock_check(st))
		sd_event_source_set_time(s, usec + STATION_CLOCK_RECHECK_S *
						       UINT64_C(1000000));
	return 0;
}

/* Watch the flag file's directory: timesyncd creates the file there.  A
 * directory that is not there (timesyncd not installed) leaves the
 * re-check alone. */
static void station_clock_watch(struct station *st)
{
	char dir[CONFIG_PATH_LEN];
	uint64_t now = 0;
	int r;

	snprintf(dir, sizeof(dir), "%s", st->cfg->clock_synced_file);
	r = sd_event_add_inotify(st->ev, &st->clock.watch, dirname(dir),
				 IN_CREATE | IN_MOVED_TO | IN_ATTRIB |
				     IN_CLOSE_WRITE | IN_ONLYDIR,
				 station_clock_on_watch, st);
	if (r < 0)
		log_notice("%s not watched (%s): looking every %d s",
			   st->cfg->clock_synced_file, strerror(-r),
			   STATION_CLOCK_RECHECK_S);
	sd_event_now(st->ev, CLOCK_MONOTONIC, &now);
	r = sd_event_add_time(st->ev, &st->clock.recheck, CLOCK_MONOTONIC,
			      now + STATION_CLOCK_RECHECK_S * UINT64_C(1000000),
			      0, station_clock_on_recheck, st);
	if (r < 0)
		log_error_errno(r, "the clock's re-check not armed");
	else
		sd_event_source_set_enabled(st->clock.recheck, SD_EVENT_ON);
}

int station_clock_start(struct station *st, char *err, size_t errlen)
{
	struct station_clock *c = &st->clock;
	struct desk_event ev = {.kind = DESK_EV_CLOCK, .date_known = false};
	const char *source = NULL;
	char detail[160], since[CIVIL_TIME_RFC3339_LEN];
	int r;

	(void)err;
	(void)errlen;
	r = clock_boot_id(c->boot_id, sizeof(c->boot_id));
	if (r < 0)
		log_warning_errno(r, "boot id not read: records made before "
				     "the clock is set cannot be corrected");
	if (station_clock_synced(st, &source)) {
		c->known = true;
		snprintf(c->source, sizeof(c->source), "%s", source);
		return 0;
	}
	clock_unsure_begin();
	c->waited = true;
	c->since = clock_now_us();
	station_feed(st, &ev);
	civil_time_format_rfc3339(c->since, since, sizeof(since));
	snprintf(detail, sizeof(detail),
		 "{\"boot_id\":\"%s\",\"clock\":\"%s\",\"clock_says\":\"%s\"}",
		 c->boot_id, st->cfg->clock_mode, since);
	r = store_audit_append(st->store, "station", "clock.unsure", "clock",
			       detail, c->since);
	if (r < 0)
		log_error_errno(r, "clock.unsure not audited (%s)",
				store_errmsg(st->store));
	log_notice("the clock is not set (clock = %s; it says %s): waiting "
		   "for network time (%s); nothing is decided until then",
		   st->cfg->clock_mode, since, st->cfg->clock_synced_file);
	station_clock_watch(st);
	/* it may have come between the first look and the watch */
	station_clock_check(st);
	return 0;
}

void station_clock_stop(struct station *st)
{
	station_clock_unwatch(st);
}

void station_clock_why(const struct station *st, char *buf, size_t len)
{
	char since[CIVIL_TIME_RFC3339_LEN];

	if (st->clock.known) {
		snprintf(buf, len, "%s", "");
		return;
	}
	civil_time_format_rfc3339(st->clock.since, since, sizeof(since));
	snprintf(buf, len,
		 "waiting for network time since %s (as the unset clock "
		 "says): no legal deadline is computed and no decision is "
		 "made until the clock is set",
		 since);
}

json_t *station_clock_status(const struct station *st)
{
	const struct station_clock *c = &st->clock;
	char when[CIVIL_TIME_RFC3339_LEN], why[256];
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "state",
			    json_string(c->known ? "synchronised" : "waiting"));
	json_object_set_new(o, "mode", json_string(st->cfg->clock_mode));
	json_object_set_new(o, "source",
			    c->known ? json_string(c->source) : json_null());
	civil_time_format_rfc3339(c->since, when, sizeof(when));
	json_object_set_new(o, "waiting_since",
			    c->since ? json_string(when) : json_null());
	civil_time_format_rfc3339(c->known_at, when, sizeof(when));
	json_object_set_new(o, "set_at",
			    c->known_at ? json_string(when) : json_null());
	if (c->known_at) {
		json_object_set_new(o, "shift_us", json_integer(c->shift_us));
		json_object_set_new(o, "corrected", json_integer(c->corrected));
		json_object_set_new(o, "left_unsure", json_integer(c->left));
	}
	station_clock_why(st, why, sizeof(why));
	json_object_set_new(o, "text",
			    json_string(c->known ? "synchronised" : why));
	return o;
}
