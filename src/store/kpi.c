/* SPDX-License-Identifier: MIT */
/*
 * The supervisors' figures (GET /api/v1/kpi), counted from the record in
 * one read snapshot: returns received per local hour, their main reasons,
 * the verdicts and why returns were rejected, the time from receipt to a
 * confirmed refund, and the ship-QC checks with their causes of failure.
 * Every figure is over the receipts received in [from, to]; a receipt
 * abandoned at the desk (cancelled) is no return received.
 *
 * A receipt's "main reason" is the first reason of its proposal that says
 * something about the parcel: the notes that only inform (within_window,
 * delivery_refunded, delivery_not_refunded, complaint_date_assumed) are
 * passed over, and a return with nothing else was accepted within its
 * window: within_window.  A rejection against the proposal counts under
 * the clerk's reason ("override: ...").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/civil_time.h"

#include "db.h"

/* The proposal's main reason, as SQL over receipt r. */
#define KPI_MAIN_REASON                                                        \
	"coalesce((SELECT j.value ->> 'code' FROM "                            \
	"json_each(CASE WHEN json_valid(r.proposal_json) "                     \
	"THEN r.proposal_json ELSE '{}' END, '$.reasons') j "                  \
	"WHERE j.value ->> 'code' NOT IN ('within_window', "                   \
	"'delivery_refunded', 'delivery_not_refunded', "                       \
	"'complaint_date_assumed') ORDER BY j.key LIMIT 1), "                  \
	"'within_window')"

#define KPI_RETURNS_IN_RANGE                                                   \
	"r.routine = 'return' AND r.received_at BETWEEN ?1 AND ?2 "

/* @sql prepared with the range bound to ?1 and ?2 (a statement without
 * them ignores them). */
static int kpi_prepare(struct store *s, const char *sql, int64_t from,
		       int64_t to, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);

	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	sqlite3_bind_int64(*st, 1, from);
	sqlite3_bind_int64(*st, 2, to);
	return 0;
}

/* [{@key: text, "count": n}] from rows (text, count). */
static int kpi_counts(struct store *s, const char *sql, int64_t from,
		      int64_t to, const char *key, json_t *o, const char *field)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();
	int rc, r;

	if (!arr)
		return -ENOMEM;
	r = kpi_prepare(s, sql, from, to, &st);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_object();

		json_object_set_new(row, key, store_json_text(st, 0));
		json_object_set_new(row, "count",
				    json_integer(sqlite3_column_int64(st, 1)));
		json_array_append_new(arr, row);
	}
	r = rc == SQLITE_DONE ? 0 : store_fail(s, rc);
	sqlite3_finalize(st);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	json_object_set_new(o, field, arr);
	return 0;
}

/* Receipts of the return routine per local hour, only hours with some. */
static int kpi_per_hour(struct store *s, int64_t from, int64_t to,
			int std_offset_min, bool eu_summer, json_t *o)
{
	sqlite3_stmt *st;
	json_t *arr = json_array(), *last = NULL;
	char last_hour[24] = "";
	int rc, r;

	if (!arr)
		return -ENOMEM;
	r = kpi_prepare(s,
			"SELECT r.received_at FROM receipt r "
			"WHERE " KPI_RETURNS_IN_RANGE
			"AND r.state <> 'cancelled' ORDER BY r.received_at",
			from, to, &st);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t at = sqlite3_column_int64(st, 0);
		int64_t local = at + (int64_t)civil_time_local_offset_min(
					 at, std_offset_min, eu_summer) *
					 60 * USEC_PER_SEC;
		int64_t days = local >= 0 ? local / USEC_PER_DAY
					  : -((-local - 1) / USEC_PER_DAY) - 1;
		int hour = (int)((local - days * USEC_PER_DAY) /
				 (3600 * USEC_PER_SEC));
		char date[16], label[24];

		if (civil_time_format_date(days, date, sizeof(date)) < 0)
			continue;
		snprintf(label, sizeof(label), "%sT%02d", date, hour);
		/* in UTC order a local hour is one run, even the hour the
		 * clocks go back (it is counted as one hour) */
		if (last && !strcmp(label, last_hour)) {
			json_object_set_new(
			    last, "count",
			    json_integer(json_integer_value(
					     json_object_get(last, "count")) +
					 1));
			continue;
		}
		snprintf(last_hour, sizeof(last_hour), "%s", label);
		last = json_pack("{s:s,s:i}", "hour", label, "count", 1);
		json_array_append_new(arr, last);
	}
	r = rc == SQLITE_DONE ? 0 : store_fail(s, rc);
	sqlite3_finalize(st);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	json_object_set_new(o, "returns_per_hour", arr);
	return 0;
}

/* {@names[0]: n, ...} of the decided receipts of @routine by verdict. */
static int kpi_verdicts(struct store *s, const char *routine,
			const char *const *names, const char *const *keys,
			int n, int64_t from, int64_t to, json_t *out)
{
	sqlite3_stmt *st;
	int rc, r;

	for (int i = 0; i < n; i++)
		json_object_set_new(out, keys[i], json_integer(0));
	r = kpi_prepare(
	    s,
	    "SELECT r.verdict, count(*) FROM receipt r "
	    "WHERE r.routine = ?3 AND r.state = 'decided' "
	    "AND r.received_at BETWEEN ?1 AND ?2 GROUP BY r.verdict",
	    from, to, &st);
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 3, routine, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		for (int i = 0; v && i < n; i++)
			if (!strcmp(v, names[i]))
				json_object_set_new(
				    out, keys[i],
				    json_integer(sqlite3_column_int64(st, 1)));
	}
	r = rc == SQLITE_DONE ? 0 : store_fail(s, rc);
	sqlite3_finalize(st);
	return r;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The @p-th quantile (0..1) of @n sorted values by nearest rank. */
static int64_t kpi_rank(const int64_t *v, size_t n, double p)
{
	size_t k = (size_t)(p * (double)n + 0.999999);

	if (k < 1)
		k = 1;
	return v[(k > n ? n : k) - 1];
}

/* Receipt to refund confirmed (the refund row done), in seconds. */
static int kpi_refund_latency(struct store *s, int64_t from, int64_t to,
			      json_t *o)
{
	sqlite3_stmt *st;
	int64_t *v = NULL;
	size_t n = 0, cap = 0;
	json_t *l;
	int rc, r;

	r = kpi_prepare(s,
			"SELECT o.delivered_at - r.received_at FROM receipt r "
			"JOIN outbox o ON o.receipt_id = r.id "
			"AND o.action = 'refund.requested' "
			"AND o.state = 'done' AND o.delivered_at IS NOT NULL "
			"WHERE " KPI_RETURNS_IN_RANGE "AND r.state = 'decided'",
			from, to, &st);
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			int64_t *more;

			cap = cap ? cap * 2 : 64;
			more = realloc(v, cap * sizeof(*v));
			if (!more) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = more;
		}
		v[n++] = sqlite3_column_int64(st, 0);
	}
	r = rc == SQLITE_DONE ? 0 : store_fail(s, rc);
	sqlite3_finalize(st);
	if (r < 0) {
		free(v);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_i64);
	l = json_pack("{s:I}", "n", (json_int_t)n);
	json_object_set_new(l, "median",
			    n ? json_real((double)kpi_rank(v, n, 0.5) / 1e6)
			      : json_null());
	json_object_set_new(l, "p90",
			    n ? json_real((double)kpi_rank(v, n, 0.9) / 1e6)
			      : json_null());
	json_object_set_new(o, "refund_latency_s", l);
	free(v);
	return 0;
}

int store_kpi(struct store *s, int64_t from_us, int64_t to_us,
	      int std_offset_min, bool eu_summer, json_t **out)
{
	static const char *const verdicts[] = {"accept", "partial", "reject",
					       "hold"};
	static const char *const qc[] = {"qc_passed", "qc_failed"};
	static const char *const qc_keys[] = {"passed", "failed"};
	json_t *o, *v, *q;
	int r;

	if (!s || !out)
		return -EINVAL;
	*out = NULL;
	o = json_object();
	v = json_object();
	q = json_object();
	if (!o || !v || !q) {
		json_decref(o);
		json_decref(v);
		json_decref(q);
		return -ENOMEM;
	}
	json_object_set_new(o, "verdicts", v);
	json_object_set_new(o, "qc", q);
	r = store_tx_begin_read(s);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	r = kpi_per_hour(s, from_us, to_us, std_offset_min, eu_summer, o);
	if (!r)
		r = kpi_counts(s,
			       "SELECT " KPI_MAIN_REASON " AS why, count(*) "
			       "FROM receipt r WHERE " KPI_RETURNS_IN_RANGE
			       "AND r.state = 'decided' GROUP BY why "
			       "ORDER BY count(*) DESC, why",
			       from_us, to_us, "reason", o, "reasons");
	if (!r)
		r = kpi_verdicts(s, "return", verdicts, verdicts, 4, from_us,
				 to_us, v);
	if (!r)
		r = kpi_counts(
		    s,
		    "SELECT CASE WHEN r.overridden AND "
		    "coalesce(r.override_reason, '') <> '' THEN 'override: ' "
		    "|| r.override_reason ELSE " KPI_MAIN_REASON " END AS why, "
		    "count(*) FROM receipt r WHERE " KPI_RETURNS_IN_RANGE
		    "AND r.state = 'decided' AND r.verdict = 'reject' "
		    "GROUP BY why ORDER BY count(*) DESC, why",
		    from_us, to_us, "reason", o, "rejection_reasons");
	if (!r)
		r = kpi_refund_latency(s, from_us, to_us, o);
	if (!r)
		r = kpi_verdicts(s, "ship_qc", qc, qc_keys, 2, from_us, to_us,
				 q);
	/* each cause once per failed check; a check failed against a
	 * passing proposal has none of its own: "override" */
	if (!r)
		r = kpi_counts(
		    s,
		    "SELECT cause, count(*) FROM (SELECT DISTINCT r.id, "
		    "coalesce(j.value ->> 'code', 'override') AS cause "
		    "FROM receipt r LEFT JOIN json_each(CASE WHEN "
		    "json_valid(r.proposal_json) THEN r.proposal_json "
		    "ELSE '{}' END, '$.reasons') j "
		    "WHERE r.routine = 'ship_qc' AND r.state = 'decided' "
		    "AND r.verdict = 'qc_failed' "
		    "AND r.received_at BETWEEN ?1 AND ?2) "
		    "GROUP BY cause ORDER BY count(*) DESC, cause",
		    from_us, to_us, "cause", o, "qc_failures");
	store_tx_end_read(s);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*out = o;
	return 0;
}

/* ---- what /metrics reads from the record ---- */

const char *const store_metrics_outcome[STORE_METRICS_OUTCOMES] = {
    "decided", "cancelled", "undone"};
const double store_metrics_latency_le[STORE_METRICS_LATENCY_BUCKETS] = {
    10, 30, 60, 300, 900, 3600, 14400, 86400, 604800};

int store_metrics(struct store *s, struct store_metrics *m)
{
	sqlite3_stmt *st;
	char sql[1024];
	size_t len;
	int rc, r;

	if (!s || !m)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	r = store_tx_begin_read(s);
	if (r < 0)
		return r;
	r = kpi_prepare(s,
			"SELECT routine, state, count(*) FROM receipt "
			"GROUP BY routine, state",
			0, 0, &st);
	while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *routine = (const char *)sqlite3_column_text(st, 0);
		const char *state = (const char *)sqlite3_column_text(st, 1);
		int k = routine && !strcmp(routine, "ship_qc");

		for (int o = 0; state && o < STORE_METRICS_OUTCOMES; o++)
			if (!strcmp(state, store_metrics_outcome[o]))
				m->routines[k][o] = sqlite3_column_int64(st, 2);
	}
	if (!r) {
		r = rc == SQLITE_DONE ? 0 : store_fail(s, rc);
		sqlite3_finalize(st);
	}
	if (!r)
		r = kpi_prepare(s,
				"SELECT min(created_at) FROM outbox "
				"WHERE state = 'pending'",
				0, 0, &st);
	if (!r) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			m->oldest_pending_at = sqlite3_column_int64(st, 0);
		else
			r = store_fail(s, rc);
		sqlite3_finalize(st);
	}
	/* one pass: the cumulative count under each bound */
	len = (size_t)snprintf(sql, sizeof(sql),
			       "SELECT count(*), "
			       "coalesce(sum(l), 0)");
	for (int b = 0; b < STORE_METRICS_LATENCY_BUCKETS; b++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len,
					", coalesce(sum(l <= %lld), 0)",
					(long long)store_metrics_latency_le[b] *
					    1000000LL);
	snprintf(sql + len, sizeof(sql) - len,
		 " FROM (SELECT o.delivered_at - r.received_at AS l "
		 "FROM receipt r JOIN outbox o ON o.receipt_id = r.id "
		 "AND o.action = 'refund.requested' AND o.state = 'done' "
		 "AND o.delivered_at IS NOT NULL WHERE r.state = 'decided')");
	if (!r)
		r = kpi_prepare(s, sql, 0, 0, &st);
	if (!r) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			m->latency_count = sqlite3_column_int64(st, 0);
			m->latency_sum_s = sqlite3_column_double(st, 1) / 1e6;
			for (int b = 0; b < STORE_METRICS_LATENCY_BUCKETS; b++)
				m->latency_le[b] =
				    sqlite3_column_int64(st, 2 + b);
		} else {
			r = store_fail(s, rc);
		}
		sqlite3_finalize(st);
	}
	store_tx_end_read(s);
	return r;
}
