/* SPDX-License-Identifier: MIT */
/*
 * The station's disk: the photo tree's and the database's
 * size, the free space where the photos go, the rate they grow at and the
 * days that leaves, for the status (the screen), /metrics and the tower
 * light.  Measured once a minute between requests, never per poll: the
 * sizes come from the records (one query), the free space from statvfs.
 * The arithmetic is the core's (disk.h).
 *
 * Below [station] photo_warn_free_mb the light shows disk_low instead of
 * ready and the status says so; below photo_min_free_mb the camera's
 * photos are refused (photo_store_save(), with a sentence for the clerk).
 */
#include <sys/statvfs.h>

#include "retour/clock.h"
#include "retour/config.h"
#include "retour/log.h"
#include "retour/store_retention.h"

#include "station_internal.h"

#define STATION_DISK_EVERY_US (INT64_C(60) * 1000000)
#define STATION_DISK_WINDOW_DAYS 7
#define STATION_DISK_DAY_US (INT64_C(86400) * 1000000)

static enum tower_state station_tower_for(const struct station *st,
					  enum tower_state s)
{
	return s == TOWER_READY && st->disk.state != DISK_OK ? TOWER_DISK_LOW
							     : s;
}

void station_set_tower(struct station *st, enum tower_state s,
		       enum tower_state then)
{
	devices_set_tower(st->devices, station_tower_for(st, s),
			  station_tower_for(st, then));
}

void station_disk_refresh(struct station *st, bool force)
{
	int64_t mono = clock_mono_us(), now = clock_now_us(), added;
	int64_t since = now - STATION_DISK_WINDOW_DAYS * STATION_DISK_DAY_US;
	struct station_disk *d = &st->disk;
	struct store_disk_usage u;
	enum disk_state was = d->state;
	struct statvfs vfs;

	if (!force && d->measured_mono &&
	    mono - d->measured_mono < STATION_DISK_EVERY_US)
		return;
	d->measured_mono = mono;
	if (statvfs(st->cfg->photos, &vfs) < 0 ||
	    store_disk_usage(st->store, since, &u) < 0) {
		d->known = false;
		return;
	}
	d->known = true;
	d->free_bytes = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
	d->db_bytes = store_size_bytes(st->store);
	d->photo_bytes = u.photo_bytes;
	/* the database grows with the receipts: its share of the week's */
	added = u.photo_bytes_since;
	if (u.receipts_total > 0)
		added += d->db_bytes * u.receipts_since / u.receipts_total;
	d->bytes_per_day = disk_bytes_per_day(added, STATION_DISK_WINDOW_DAYS *
							 STATION_DISK_DAY_US);
	d->days_left = disk_days_left(
	    d->free_bytes, st->cfg->photo_min_free_bytes, d->bytes_per_day);
	d->state = disk_state_of(d->free_bytes, st->cfg->photo_warn_free_bytes,
				 st->cfg->photo_min_free_bytes);
	if (d->state == was)
		return;
	if (d->state != DISK_OK)
		log_warning("disk %s: %.0f MiB free where the photos go (%s), "
			    "warning below %.0f MiB, photos refused below "
			    "%.0f MiB",
			    disk_state_name(d->state),
			    d->free_bytes / 1048576.0, st->cfg->photos,
			    st->cfg->photo_warn_free_bytes / 1048576.0,
			    st->cfg->photo_min_free_bytes / 1048576.0);
	station_set_tower(st, st->desk.tower, st->desk.tower);
	station_changed(st);
}

json_t *station_disk_status(const struct station *st)
{
	const struct station_disk *d = &st->disk;
	json_t *o = json_object();

	if (!d->known) {
		json_object_set_new(o, "state", json_string("unknown"));
		return o;
	}
	json_object_set_new(o, "state", json_string(disk_state_name(d->state)));
	json_object_set_new(o, "free_bytes", json_integer(d->free_bytes));
	json_object_set_new(o, "database_bytes", json_integer(d->db_bytes));
	json_object_set_new(o, "photos_bytes", json_integer(d->photo_bytes));
	json_object_set_new(o, "bytes_per_day", json_integer(d->bytes_per_day));
	json_object_set_new(o, "days_left",
			    d->days_left < 0 ? json_null()
					     : json_integer(d->days_left));
	json_object_set_new(o, "warn_below_bytes",
			    json_integer(st->cfg->photo_warn_free_bytes));
	json_object_set_new(o, "refuse_below_bytes",
			    json_integer(st->cfg->photo_min_free_bytes));
	if (d->state == DISK_LOW)
		json_object_set_new(o, "text",
				    json_string("the disk is nearly full: "
						"photos will be refused soon; "
						"tell the supervisor"));
	else if (d->state == DISK_FULL)
		json_object_set_new(
		    o, "text",
		    json_string("the disk is full: photos are "
				"refused; tell the supervisor"));
	return o;
}

void station_disk_metrics(const struct station *st, FILE *f)
{
	const struct station_disk *d = &st->disk;

	if (!d->known)
		return;
	fprintf(f,
		"# HELP retour_photos_bytes The photos kept (each content "
		"once).\n"
		"# TYPE retour_photos_bytes gauge\n"
		"retour_photos_bytes %lld\n"
		"# HELP retour_disk_free_bytes Free space where the photos "
		"go.\n"
		"# TYPE retour_disk_free_bytes gauge\n"
		"retour_disk_free_bytes %lld\n"
		"# HELP retour_disk_growth_bytes_per_day Photos and records "
		"added per day over the last week.\n"
		"# TYPE retour_disk_growth_bytes_per_day gauge\n"
		"retour_disk_growth_bytes_per_day %lld\n"
		"# HELP retour_disk_low 1 below the warning floor, 2 below "
		"the floor where photos are refused.\n"
		"# TYPE retour_disk_low gauge\n"
		"retour_disk_low %d\n",
		(long long)d->photo_bytes, (long long)d->free_bytes,
		(long long)d->bytes_per_day, (int)d->state);
	if (d->days_left >= 0)
		fprintf(f,
			"# HELP retour_disk_days_left Days until photos are "
			"refused at the current rate.\n"
			"# TYPE retour_disk_days_left gauge\n"
			"retour_disk_days_left %lld\n",
			(long long)d->days_left);
}
