/* SPDX-License-Identifier: MIT */
/*
 * retourctl retention report and retention purge: what the
 * [retention] periods take next, with dates, and a purge by hand.
 *
 * Both read the station's configuration for the periods and open the
 * database themselves.  The report only reads (WAL: beside a running
 * retourd); the purge changes records, so it takes retourd's lock first
 * and runs only while the daemon is stopped: the daemon purges by itself
 * once a day.  --at WHEN (RFC 3339 or YYYY-MM-DD) asks "as of then", to
 * see what a later day purges (and, with purge, to purge it now: an
 * operator's choice, audited with the time it was purged as of).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cli_backup.h"
#include "retour/civil_time.h"
#include "retour/clock.h"
#include "retour/store.h"
#include "retour/store_retention.h"

#define RETENTION_SHOWN 50

struct retention_list {
	struct store_retention_item *items;
	size_t n, cap;
};

static int retention_note(void *arg, const struct store_retention_item *it)
{
	struct retention_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct store_retention_item *p =
		    realloc(l->items, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->items = p;
		l->cap = cap;
	}
	l->items[l->n++] = *it;
	return 0;
}

static int retention_by_expiry(const void *a, const void *b)
{
	const struct store_retention_item *x = a, *y = b;

	if (x->expires_us != y->expires_us)
		return x->expires_us < y->expires_us ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* --at as a time: RFC 3339, or a day (its start, UTC). */
static int retention_at(const struct cli_opts *o, int64_t *at)
{
	int y, m, d;
	char tail;

	*at = clock_now_us();
	if (!o->at)
		return CLI_OK;
	if (civil_time_parse_rfc3339(o->at, at) == 0)
		return CLI_OK;
	if (sscanf(o->at, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 &&
	    m <= 12 && d >= 1 && d <= civil_time_days_in_month(y, m)) {
		*at =
		    civil_time_days_from_civil(y, m, d) * INT64_C(86400000000);
		return CLI_OK;
	}
	return cli_usage("--at wants an RFC 3339 time or YYYY-MM-DD, not '%s'",
			 o->at);
}

static void retention_print_periods(const struct retention_policy *p)
{
	for (int k = 0; k < RETENTION_KIND_COUNT; k++) {
		if (p->days[k] > 0 && retention_kind_is_record(k))
			printf("  %-13s %d days from the record's close "
			       "(once finished)\n",
			       retention_kind_name(k), p->days[k]);
		else if (p->days[k] > 0)
			printf("  %-13s %d days from the refund (or the "
			       "receipt)\n",
			       retention_kind_name(k), p->days[k]);
		else
			printf("  %-13s kept (no period set)\n",
			       retention_kind_name(k));
	}
}

static json_t *retention_item_json(const struct store_retention_item *it)
{
	char when[CIVIL_TIME_RFC3339_LEN], since[CIVIL_TIME_RFC3339_LEN];

	civil_time_format_rfc3339(it->expires_us, when, sizeof(when));
	civil_time_format_rfc3339(it->since_us, since, sizeof(since));
	return json_pack(
	    "{s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:I}", "kind",
	    retention_kind_name(it->kind), "id", (json_int_t)it->id, "receipt",
	    (json_int_t)it->receipt_id, "sha256", it->sha256, "step", it->step,
	    "since", since, "expires", when, "bytes", (json_int_t)it->bytes);
}

static int retention_report(const struct cli_opts *o, struct store *s,
			    const struct config *cfg, int64_t at)
{
	struct retention_list l = {0};
	size_t due = 0;
	int r;

	r = store_retention_walk(s, &cfg->retention, at, retention_note, &l);
	if (r < 0) {
		free(l.items);
		return cli_fail("retention: %s", store_errmsg(s));
	}
	qsort(l.items, l.n, sizeof(*l.items), retention_by_expiry);
	for (size_t i = 0; i < l.n; i++)
		due += l.items[i].expires_us <= at;
	if (o->json) {
		json_t *arr = json_array(), *j;

		for (size_t i = 0; i < l.n; i++)
			json_array_append_new(arr,
					      retention_item_json(&l.items[i]));
		j = json_pack("{s:I,s:o}", "due", (json_int_t)due, "next", arr);
		for (int k = 0; k < RETENTION_KIND_COUNT; k++)
			json_object_set_new(
			    j, retention_kind_key(k),
			    json_integer(cfg->retention.days[k]));
		cli_print_json(j);
		json_decref(j);
		free(l.items);
		return CLI_OK;
	}
	printf("retention periods:\n");
	retention_print_periods(&cfg->retention);
	printf("%zu due now, %zu with a date in all; next:\n", due, l.n);
	for (size_t i = 0; i < l.n && i < RETENTION_SHOWN; i++) {
		const struct store_retention_item *it = &l.items[i];
		char when[CIVIL_TIME_RFC3339_LEN];

		civil_time_format_rfc3339(it->expires_us, when, sizeof(when));
		if (it->kind == RETENTION_PERSONAL)
			printf("  %-22s %-13s expected return %" PRId64
			       "'s personal data\n",
			       when, retention_kind_name(it->kind), it->id);
		else if (it->kind == RETENTION_RECEIPTS ||
			 it->kind == RETENTION_SHIPMENTS)
			printf("  %-22s %-13s receipt %" PRId64
			       " as a whole (a tombstone stays)\n",
			       when, retention_kind_name(it->kind), it->id);
		else if (retention_kind_is_record(it->kind))
			printf("  %-22s %-13s receipt %" PRId64 "'s %s\n", when,
			       retention_kind_name(it->kind), it->id,
			       retention_kind_name(it->kind));
		else
			printf("  %-22s %-13s photo %" PRId64
			       " (%s) of receipt "
			       "%" PRId64 "\n",
			       when, retention_kind_name(it->kind), it->id,
			       it->step, it->receipt_id);
	}
	if (l.n > RETENTION_SHOWN)
		printf("  ... and %zu more (--json lists all)\n",
		       l.n - RETENTION_SHOWN);
	free(l.items);
	return CLI_OK;
}

static int retention_purge(const struct cli_opts *o, struct store *s,
			   const struct config *cfg, int64_t at)
{
	struct store_retention_result res;
	int r;

	r = store_retention_purge(s, &cfg->retention, at, "retourctl", &res);
	if (r < 0)
		return cli_fail("retention purge: %s", store_errmsg(s));
	if (o->json) {
		json_t *j = json_pack(
		    "{s:I,s:i,s:i,s:i,s:i,s:i}", "photo_bytes",
		    (json_int_t)res.photo_bytes, "bucket_deletes",
		    res.bucket_deletes, "files_removed", res.files_removed,
		    "files_failed", res.files_failed, "audit_redacted",
		    res.audit_redacted, "audit_kept_legacy",
		    res.audit_kept_legacy);

		for (int k = 0; j && k < RETENTION_KIND_COUNT; k++)
			json_object_set_new(j, retention_kind_name(k),
					    json_integer(res.n[k]));
		cli_print_json(j);
		json_decref(j);
	} else {
		printf("purged %d label photos, %d other photos, the personal "
		       "data of %d expected returns; %d files removed\n",
		       res.n[RETENTION_LABEL_PHOTOS],
		       res.n[RETENTION_OTHER_PHOTOS], res.n[RETENTION_PERSONAL],
		       res.files_removed);
		if (res.bucket_deletes)
			printf("%d photos queued for deletion from the bucket "
			       "(retourd deletes them)\n",
			       res.bucket_deletes);
		for (int k = RETENTION_RECEIPTS; k < RETENTION_KIND_COUNT; k++)
			if (res.n[k])
				printf("purged the %s of %d records\n",
				       retention_kind_name(k), res.n[k]);
		if (res.audit_redacted || res.audit_kept_legacy)
			printf("dropped the details of %d audit entries "
			       "(hashes kept; %d older entries keep theirs)\n",
			       res.audit_redacted, res.audit_kept_legacy);
	}
	if (res.files_failed)
		return cli_fail("retention purge: %d photo files could not be "
				"removed (permissions?); the next purge tries "
				"again",
				res.files_failed);
	return CLI_OK;
}

int cli_cmd_retention(const struct cli_opts *o)
{
	struct config *cfg;
	struct store *s = NULL;
	const char *file, *what;
	char err[512];
	int64_t at;
	int lock_fd = -1, r;

	if (o->n_pos != 2 ||
	    (strcmp(o->pos[1], "report") && strcmp(o->pos[1], "purge")))
		return cli_usage("retention needs 'report' or 'purge'");
	what = o->pos[1];
	r = retention_at(o, &at);
	if (r)
		return r;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return cli_fail("out of memory");
	r = cli_station_config(o, cfg, &file);
	if (r == CLI_OK && !strcmp(what, "purge") &&
	    store_lock_take(cfg->database, &lock_fd, err, sizeof(err)) < 0)
		r = cli_fail("retention purge: %s (retourd purges by itself "
			     "once a day)",
			     err);
	if (r == CLI_OK && access(cfg->database, F_OK) < 0)
		r = cli_fail("retention: no database at %s", cfg->database);
	if (r == CLI_OK && store_open(cfg->database, &s, err, sizeof(err)) < 0)
		r = cli_fail("retention: %s", err);
	if (r == CLI_OK)
		r = !strcmp(what, "purge") ? retention_purge(o, s, cfg, at)
					   : retention_report(o, s, cfg, at);
	store_close(s);
	if (lock_fd >= 0)
		close(lock_fd);
	free(cfg);
	return r;
}
