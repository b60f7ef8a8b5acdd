/* SPDX-License-Identifier: MIT */
/*
 * The daily retention purge: once a day, between parcels (no
 * receipt open, so never on the desk's path), what [retention]'s periods
 * let expire is purged by store_retention_purge(): photo files removed,
 * their rows kept with purged_at, expected returns' personal data
 * cleared, finished records purged to their tombstones, one audit entry
 * "retention.purged".  The first run is at the
 * first quiet tick after the start, so a station that is switched off at
 * night still purges.
 */
#include "retour/clock.h"
#include "retour/config.h"
#include "retour/log.h"
#include "retour/store_retention.h"

#include "station_internal.h"

#define STATION_RETENTION_EVERY_US (INT64_C(86400) * 1000000)
/* a failed purge (the file busy) is tried again sooner */
#define STATION_RETENTION_RETRY_US (INT64_C(600) * 1000000)

static bool station_retention_wanted(const struct config *cfg)
{
	for (int k = 0; k < RETENTION_KIND_COUNT; k++)
		if (cfg->retention.days[k] > 0)
			return true;
	return false;
}

/* The records purged, whole or in part, each kind once. */
static void
station_retention_log_records(const struct store_retention_result *res)
{
	for (int k = RETENTION_RECEIPTS; k < RETENTION_KIND_COUNT; k++)
		if (res->n[k])
			log_notice("retention: purged the %s of %d records",
				   retention_kind_name(k), res->n[k]);
	if (res->audit_redacted || res->audit_kept_legacy)
		log_notice("retention: dropped the details of %d audit "
			   "entries (their hashes kept); %d entries from "
			   "before schema 10 keep theirs",
			   res->audit_redacted, res->audit_kept_legacy);
}

void station_retention_tick(struct station *st)
{
	struct store_retention_result res;
	int64_t mono = clock_mono_us();
	int r;

	if (st->receipt_id || !st->store || mono < st->retention_next_mono ||
	    !station_retention_wanted(st->cfg))
		return;
	r = store_retention_purge(st->store, &st->cfg->retention,
				  clock_now_us(), "station", &res);
	if (r < 0) {
		log_warning("retention purge failed: %s; trying again in 10 "
			    "minutes",
			    store_errmsg(st->store));
		st->retention_next_mono = mono + STATION_RETENTION_RETRY_US;
		return;
	}
	st->retention_next_mono = mono + STATION_RETENTION_EVERY_US;
	if (res.n[RETENTION_LABEL_PHOTOS] || res.n[RETENTION_OTHER_PHOTOS] ||
	    res.n[RETENTION_PERSONAL] || res.files_removed)
		log_notice("retention: purged %d label photos, %d other "
			   "photos, the personal data of %d expected returns; "
			   "%d files removed",
			   res.n[RETENTION_LABEL_PHOTOS],
			   res.n[RETENTION_OTHER_PHOTOS],
			   res.n[RETENTION_PERSONAL], res.files_removed);
	station_retention_log_records(&res);
	if (res.bucket_deletes) {
		log_notice("retention: %d photos queued for deletion from the "
			   "bucket",
			   res.bucket_deletes);
		if (st->photo_sender)
			outbox_sender_kick(st->photo_sender);
	}
	if (res.files_failed)
		log_warning("retention: %d photo files could not be removed; "
			    "the next purge tries again",
			    res.files_failed);
	station_disk_refresh(st, true);
}
