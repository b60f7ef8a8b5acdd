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
 */
#ifndef RETOUR_OUTBOX_H
#define RETOUR_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

struct outbox_sender;

struct outbox_config {
	const char *db_path;
	const char *connector; /* "webhook"; NULL: "webhook" */
	const char *url;
	const char *secret;    /* "whsec_<base64>" or raw text */
	int timeout_ms;	       /* whole request; 0: 15 s */
	int backoff_base_ms;   /* 0: 1 s */
	int backoff_max_ms;    /* 0: 10 min */
	int64_t dead_after_us; /* since created_at; 0: 24 h */
	const char *ca_file;   /* optional extra CA bundle */
};

struct outbox_stats {
	uint64_t sent;
	uint64_t retried;
	uint64_t dead;
};

/*
 * Check the configuration, open a store handle and start the thread.  The
 * strings in @cfg are copied.  0, or -EINVAL (bad configuration), -EIO,
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
