/* SPDX-License-Identifier: MIT */
/*
 * The outbox sender: drains the store's outbox to the shop, in its own
 * thread with its own store handle, so neither the clerk nor the daemon's
 * event loop ever waits for the network.
 *
 * Delivery is at least once: a row is marked done only after a 2xx, and
 * every request carries the row's idempotency key so the shop can refuse a
 * second refund.  Failures are retried with exponential backoff and full
 * jitter, never earlier than the shop's Retry-After; a row that keeps
 * failing for dead_after becomes dead (an alarm for the operator, manual
 * retry from the UI or the CLI).  A 4xx other than 408/425/429 is dead at
 * once: sending the same request again would get the same answer.
 *
 * Each row goes to the connector of its action: refunds (refund.requested)
 * to one, every other event to another (or both to the same one).  A row
 * of a shop that has a connector of its own (its @shop, for the kinds it
 * @takes) goes there instead: several shops can feed one station.  A row
 * that was attempted before is looked up at the shop first, when its
 * connector can (connector.h, reconcile): found there, it is done without
 * being sent again.
 */
#ifndef RETOUR_OUTBOX_H
#define RETOUR_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "retour/connector.h"

struct outbox_sender;

/* [outbox]'s own and up to four [connector NAME] sections */
#define OUTBOX_MAX_CONNECTORS 5

/* Which rows a sender takes: every row, the shops' (all but photo
 * uploads) or the photo uploads alone (photo_upload.h), so that a slow
 * bucket never holds a refund back, nor a shop's outage a photo. */
enum outbox_lane {
	OUTBOX_LANE_ALL = 0,
	OUTBOX_LANE_SHOPS,
	OUTBOX_LANE_PHOTOS,
};

/* One configured connector: its type and its section's settings (the
 * secrets' contents read already, connector_setting). */
struct outbox_connector_config {
	const char *name; /* for messages: "[outbox]", "[connector shop]" */
	const char *type; /* the registry's name; NULL: "webhook" */
	const struct connector *ops; /* NULL: connector_find(type) */
	const struct connector_setting *settings;
	int n_settings;
	/* The shop this connector speaks for ([connector NAME] shop =): the
	 * rows of that shop (the event's "shop") go to it, refunds when
	 * @takes_refunds, the other events when @takes_events, before the
	 * routes below.  NULL or "": it takes only what the routes send. */
	const char *shop;
	bool takes_refunds;
	bool takes_events;
};

struct outbox_config {
	const char *db_path;
	/* The connectors and the one each kind of row goes to: @refunds
	 * takes refund.requested, @events every other action (indexes into
	 * @connectors, may be the same; -1: none, when every row goes to
	 * its shop's own connector and a row of another shop is dead,
	 * saying so). */
	const struct outbox_connector_config *connectors;
	int n_connectors;
	int refunds;
	int events;
	/* device.fault and device.ok: @has_devices, to connector @devices;
	 * without it such a row is not sent (dead, saying why) */
	bool has_devices;
	int devices;
	/* photo.upload rows: @has_photos, to connector @photos (an s3) */
	bool has_photos;
	int photos;
	enum outbox_lane lane;
	/* A refund row done or dead queues its outcome's event
	 * (refund.succeeded / refund.failed, event.h) in the same write;
	 * the station always sets it. */
	bool refund_outcomes;
	/* Or, with n_connectors 0, one webhook for everything: */
	const char *connector; /* "webhook"; NULL: "webhook" */
	const char *url;
	const char *secret;    /* "whsec_<base64>" or raw text */
	int timeout_ms;	       /* whole request; 0: 15 s */
	int backoff_base_ms;   /* 0: 1 s */
	int backoff_max_ms;    /* 0: 10 min */
	int64_t dead_after_us; /* since created_at; 0: 24 h */
	/* where rotated secrets are shared and kept (secret_book.h); NULL:
	 * each connector keeps its own until the sender stops */
	struct secret_book *secrets;
	const char *ca_file; /* optional extra CA bundle */
	/* UTC microseconds: what "now" is for due times, backoff, deadlines
	 * and signatures.  NULL: clock_now_us().  Tests step it by hand. */
	int64_t (*now)(void);
};

struct outbox_stats {
	uint64_t sent;
	uint64_t retried;
	uint64_t dead;
};

/*
 * Check the configuration, make the connectors, open a store handle and
 * start the thread.  Nothing in @cfg is used after it returns.  0, or
 * -EINVAL (bad configuration), -EIO,
 * -ENOMEM with a sentence for the operator in @err (never the secret).
 */
int outbox_sender_start(const struct outbox_config *cfg,
			struct outbox_sender **out, char *err, size_t errlen);
/* A new row or a manual retry: look at the outbox now. */
void outbox_sender_kick(struct outbox_sender *s);
/* eventfd, readable after each state change (done, retry, dead) so the
 * daemon refreshes screens and metrics; read 8 bytes to clear it. */
int outbox_sender_notify_fd(struct outbox_sender *s);
/* Finish the request in flight (bounded by timeout_ms), join, close. */
void outbox_sender_stop(struct outbox_sender *s);
void outbox_sender_stats(struct outbox_sender *s, struct outbox_stats *st);
/*
 * Wait (at most @timeout_ms of real time) until the thread has nothing to
 * do before a time of its clock, with every kick so far seen: *@until gets
 * that time (when the next row is due), INT64_MAX when nothing is pending.
 * 0, or -ETIMEDOUT.  For tests: with an injected clock, "nothing else
 * happens before T" is a fact to assert, not a sleep.
 */
int outbox_sender_wait_idle(struct outbox_sender *s, int64_t *until,
			    int timeout_ms);

/*
 * Delay before the next attempt after @attempts failed ones: a uniform
 * draw (from @random) in [0, min(max, base * 2^attempts)], in microseconds.
 * base_ms/max_ms <= 0 take the defaults.
 */
int64_t outbox_backoff_us(int attempts, int base_ms, int max_ms,
			  uint32_t random);
/*
 * Parse a Retry-After value: delta-seconds or an IMF-fixdate HTTP-date.
 * @delay_us gets the wait from @now_us, at least 0 and at most one hour.
 * 0, or -EINVAL for anything else (then the caller's own backoff applies).
 */
int outbox_parse_retry_after(const char *value, int64_t now_us,
			     int64_t *delay_us);

#endif
