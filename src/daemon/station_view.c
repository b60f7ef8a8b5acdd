/* SPDX-License-Identifier: MIT */
/*
 * What the station shows: the desk's status as JSON (the screen and
 * `retourctl status`), the Prometheus metrics, and the record's views for
 * the API and the CLI.  Reads only (the outbox counts that tell the desk
 * of a dead row are refreshed in station_act.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/clock.h"
#include "retour/event.h"

#include "station_internal.h"

/* Seconds since the oldest photo still waiting for its upload, 0 none. */
static double station_photo_upload_age_s(const struct station *st)
{
	int64_t now = clock_now_us();

	return st->photos_waiting && now > st->photos_oldest_at
		   ? (double)(now - st->photos_oldest_at) / 1e6
		   : 0.0;
}

/* [photo upload]: the bucket, the photos waiting and the oldest's age. */
static json_t *station_photo_upload_view(const struct station *st)
{
	json_t *o = json_object();

	json_object_set_new(o, "bucket",
			    json_string(station_photo_upload_bucket(st->cfg)));
	json_object_set_new(o, "waiting", json_integer(st->photos_waiting));
	json_object_set_new(
	    o, "oldest_s",
	    json_integer((json_int_t)station_photo_upload_age_s(st)));
	return o;
}

/* ---- views ---- */

/* A sentence's code and values (retour/said.h) as @key "_code" and
 * @key "_args" beside its English: null and [] when nothing is said. */
static void station_said(json_t *o, const char *key, const struct said *s,
			 const char *text)
{
	char name[32];
	json_t *args = json_array();
	bool said = text && text[0] && s->code[0];

	for (int i = 0; said && i < s->n_args && i < SAID_MAX_ARGS; i++)
		json_array_append_new(args, json_string(s->args[i]));
	snprintf(name, sizeof(name), "%s_code", key);
	json_object_set_new(o, name, said ? json_string(s->code) : json_null());
	snprintf(name, sizeof(name), "%s_args", key);
	json_object_set_new(o, name, args);
}

/* The proposal's reasons as event_proposal_to_json() lists them, each
 * with its sentence's code and values. */
static void station_reasons_said(json_t *proposal, const struct proposal *p)
{
	json_t *reasons = json_object_get(proposal, "reasons");
	size_t i;
	json_t *r;

	json_array_foreach(reasons, i, r)
	{
		if (i >= RULES_MAX_REASONS || (int)i >= p->n_reasons)
			break;
		station_said(r, "text", &p->reasons[i].said,
			     p->reasons[i].text);
	}
}

json_t *station_status(struct station *st)
{
	const struct desk *d = &st->desk;
	json_t *o = json_object(), *ob = json_object();

	json_object_set_new(o, "seq", json_integer((json_int_t)st->seq));
	json_object_set_new(o, "desk", json_string(st->cfg->desk));
	json_object_set_new(o, "version", json_string(RETOUR_VERSION));
	json_object_set_new(o, "routine",
			    json_string(desk_routine_name(d->routine)));
	json_object_set_new(o, "step", json_string(desk_step_name(d->step)));
	json_object_set_new(o, "clerk", json_string(d->clerk));
	json_object_set_new(
	    o, "role", d->clerk[0] ? json_string(st->clerk_role) : json_null());
	json_object_set_new(o, "receipt",
			    d->receipt_id ? json_integer(d->receipt_id)
					  : json_null());
	json_object_set_new(o, "code", json_string(d->code));
	if (d->have_expected && d->receipt_id)
		json_object_set_new(o, "rma", json_string(d->expected.rma));
	json_object_set_new(o, "prompt", json_string(d->prompt));
	json_object_set_new(o, "problem", json_string(d->problem));
	station_said(o, "prompt", &d->prompt_said, d->prompt);
	station_said(o, "problem", &d->problem_said, d->problem);
	/* a code not found: search by order or tracking number, or POST
	 * /api/v1/unexpected */
	json_object_set_new(o, "not_found",
			    d->not_found[0] ? json_string(d->not_found)
					    : json_null());
	json_object_set_new(o, "light", json_string(desk_light_name(d->light)));
	json_object_set_new(o, "buzzer",
			    json_boolean(devices_buzzer(st->devices)));
	/* held for the clock: no proposal yet, and why */
	if (d->step == DESK_STEP_CONFIRM) {
		json_t *p = d->clock_hold
				? json_null()
				: event_proposal_to_json(&d->proposal);

		station_reasons_said(p, &d->proposal);
		json_object_set_new(o, "proposal", p);
	}
	json_object_set_new(o, "clock", station_clock_status(st));
	json_object_set_new(o, "waits_for_clock", json_boolean(d->clock_hold));
	if (d->step == DESK_STEP_CHECKLIST && d->checklist &&
	    d->check_step < d->checklist->n_steps) {
		const struct checklist_step *cs =
		    &d->checklist->steps[d->check_step];
		json_t *c = json_object(), *choices = json_array();

		json_object_set_new(c, "template",
				    json_string(d->checklist->id));
		json_object_set_new(c, "version",
				    json_integer(d->checklist->version));
		json_object_set_new(c, "item", json_integer(d->check_item));
		json_object_set_new(c, "step", json_string(cs->id));
		json_object_set_new(
		    c, "kind", json_string(checklist_step_kind_name(cs->kind)));
		json_object_set_new(c, "text", json_string(cs->text));
		json_object_set_new(c, "text_pl", json_string(cs->text_pl));
		for (int i = 0; i < cs->n_choices && i < CHECKLIST_MAX_CHOICES;
		     i++)
			json_array_append_new(choices,
					      json_string(cs->choices[i]));
		json_object_set_new(c, "choices", choices);
		if (cs->kind == CHECKLIST_MEASURE) {
			json_object_set_new(c, "unit", json_string(cs->unit));
			json_object_set_new(c, "min", json_integer(cs->min));
			json_object_set_new(c, "max",
					    cs->max == INT64_MAX
						? json_null()
						: json_integer(cs->max));
		}
		json_object_set_new(o, "checklist", c);
	}
	if (d->step == DESK_STEP_ITEMS && d->routine == DESK_ROUTINE_SHIP_QC)
		json_object_set_new(o, "removing",
				    json_boolean(d->qc_removing));
	if (d->resume.receipt) {
		json_t *l = json_object();

		json_object_set_new(l, "receipt",
				    json_integer(d->resume.receipt));
		json_object_set_new(l, "code", json_string(d->resume.code));
		json_object_set_new(
		    l, "routine",
		    json_string(desk_routine_name(d->resume.routine)));
		json_object_set_new(
		    l, "text",
		    json_string("was open when the station stopped: scan its "
				"code to resume it, or cancel to abandon it"));
		json_object_set_new(o, "left_open", l);
	}
	/* an undone decision is no longer the desk's last one */
	if (d->last.receipt && d->last.receipt != st->last_undone) {
		json_t *l = json_object();
		char when[CIVIL_TIME_RFC3339_LEN] = "";

		civil_time_format_rfc3339(d->last.undo_until, when,
					  sizeof(when));
		json_object_set_new(l, "receipt",
				    json_integer(d->last.receipt));
		json_object_set_new(l, "verdict", json_string(d->last.verdict));
		json_object_set_new(l, "undo_until", json_string(when));
		json_object_set_new(l, "refund",
				    station_refund_view(st, d->last.receipt));
		json_object_set_new(o, "last_decision", l);
	}
	json_object_set_new(o, "scale", station_scale_view(st));
	json_object_set_new(o, "parcel", station_parcel_view(st));
	json_object_set_new(o, "devices", devices_status(st->devices));
	json_object_set_new(o, "disk", station_disk_status(st));
	json_object_set_new(ob, "pending", json_integer(st->outbox_pending));
	json_object_set_new(ob, "dead", json_integer(st->outbox_dead));
	json_object_set_new(o, "outbox", ob);
	if (config_photo_upload_set(st->cfg))
		json_object_set_new(o, "photo_upload",
				    station_photo_upload_view(st));
	if (st->pull) /* expected returns pulled from the shops */
		json_object_set_new(o, "pull", station_pull_status(st));
	station_system_status(st, o); /* first boot, an update */
	return o;
}

/* The histogram of each step's duration (cumulative buckets). */
static void station_metrics_steps(struct station *st, FILE *f)
{
	fprintf(f, "# HELP retour_step_seconds Time the desk stayed at each "
		   "step of a parcel.\n"
		   "# TYPE retour_step_seconds histogram\n");
	for (int step = DESK_STEP_WEIGH; step <= DESK_STEP_CONFIRM; step++) {
		const char *name = desk_step_name((enum desk_step)step);
		uint64_t n = 0;

		for (int b = 0; b < STATION_STEP_BUCKETS; b++) {
			n += st->step_hist[step][b];
			if (b < STATION_STEP_BUCKETS - 1)
				fprintf(
				    f,
				    "retour_step_seconds_bucket{step=\"%s\","
				    "le=\"%g\"} %llu\n",
				    name, station_step_le[b],
				    (unsigned long long)n);
			else
				fprintf(
				    f,
				    "retour_step_seconds_bucket{step=\"%s\","
				    "le=\"+Inf\"} %llu\n",
				    name, (unsigned long long)n);
		}
		fprintf(f, "retour_step_seconds_sum{step=\"%s\"} %.6f\n", name,
			st->step_sum_s[step]);
		fprintf(f, "retour_step_seconds_count{step=\"%s\"} %llu\n",
			name, (unsigned long long)n);
	}
}

/* What the record says: routines by outcome, the oldest waiting outbox
 * row, and the refund latency's histogram (store_metrics). */
static void station_metrics_record(struct station *st, FILE *f)
{
	struct store_metrics m;
	int64_t now = clock_now_us();

	if (store_metrics(st->store, &m) < 0)
		return; /* the scrape shows the rest; the log says why */
	fprintf(f, "# HELP retour_routines_total Parcels handled, by routine "
		   "and outcome (the record's, since the database began).\n"
		   "# TYPE retour_routines_total counter\n");
	for (int r = 0; r < 2; r++)
		for (int o = 0; o < STORE_METRICS_OUTCOMES; o++)
			fprintf(f,
				"retour_routines_total{routine=\"%s\","
				"outcome=\"%s\"} %lld\n",
				r ? "ship_qc" : "return",
				store_metrics_outcome[o],
				(long long)m.routines[r][o]);
	fprintf(f,
		"# HELP retour_outbox_oldest_seconds Age of the oldest "
		"outbox row still to be delivered (0: none).\n"
		"# TYPE retour_outbox_oldest_seconds gauge\n"
		"retour_outbox_oldest_seconds %.3f\n",
		m.oldest_pending_at && now > m.oldest_pending_at
		    ? (double)(now - m.oldest_pending_at) / 1e6
		    : 0.0);
	fprintf(f, "# HELP retour_refund_latency_seconds From the parcel's "
		   "receipt to its refund confirmed by the shop.\n"
		   "# TYPE retour_refund_latency_seconds histogram\n");
	for (int b = 0; b < STORE_METRICS_LATENCY_BUCKETS; b++)
		fprintf(f,
			"retour_refund_latency_seconds_bucket{le=\"%g\"} "
			"%lld\n",
			store_metrics_latency_le[b],
			(long long)m.latency_le[b]);
	fprintf(f,
		"retour_refund_latency_seconds_bucket{le=\"+Inf\"} %lld\n"
		"retour_refund_latency_seconds_sum %.6f\n"
		"retour_refund_latency_seconds_count %lld\n",
		(long long)m.latency_count, m.latency_sum_s,
		(long long)m.latency_count);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

const char *station_metrics(struct station *st)
{
	int64_t pending = 0, dead = 0, done = 0,
		sorted[STATION_LATENCY_SAMPLES];
	size_t n = st->latency_n < STATION_LATENCY_SAMPLES
		       ? st->latency_n
		       : STATION_LATENCY_SAMPLES;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return "";
	store_outbox_count(st->store, "pending", &pending);
	store_outbox_count(st->store, "dead", &dead);
	store_outbox_count(st->store, "done", &done);
	fprintf(f,
		"# HELP retour_receipts_total Parcels opened at the desk.\n"
		"# TYPE retour_receipts_total counter\n"
		"retour_receipts_total %llu\n",
		(unsigned long long)st->receipts_total);
	fprintf(f, "# HELP retour_decisions_total Returns decided, by "
		   "verdict (ship-QC checks are counted apart).\n"
		   "# TYPE retour_decisions_total counter\n");
	for (int v = VERDICT_ACCEPT; v <= VERDICT_HOLD; v++)
		fprintf(f, "retour_decisions_total{verdict=\"%s\"} %llu\n",
			verdict_name((enum verdict)v),
			(unsigned long long)st->decisions[v]);
	fprintf(f,
		"# HELP retour_ship_qc_total Ship-QC checks decided.\n"
		"# TYPE retour_ship_qc_total counter\n"
		"retour_ship_qc_total{result=\"passed\"} %llu\n"
		"retour_ship_qc_total{result=\"failed\"} %llu\n",
		(unsigned long long)st->qc_checks[0],
		(unsigned long long)st->qc_checks[1]);
	fprintf(f,
		"# HELP retour_scans_rejected_total Scans refused at the "
		"desk: no code, a bad check digit, not expected now.\n"
		"# TYPE retour_scans_rejected_total counter\n"
		"retour_scans_rejected_total %llu\n",
		(unsigned long long)st->desk.scans_rejected);
	fprintf(f,
		"# TYPE retour_outbox gauge\n"
		"retour_outbox{state=\"pending\"} %lld\n"
		"retour_outbox{state=\"dead\"} %lld\n"
		"retour_outbox{state=\"done\"} %lld\n",
		(long long)pending, (long long)dead, (long long)done);
	fprintf(f,
		"# HELP retour_photo_upload_waiting Photos waiting for their "
		"upload to the bucket ([photo upload]).\n"
		"# TYPE retour_photo_upload_waiting gauge\n"
		"retour_photo_upload_waiting %lld\n"
		"# HELP retour_photo_upload_oldest_seconds Age of the oldest "
		"photo waiting for its upload (0: none).\n"
		"# TYPE retour_photo_upload_oldest_seconds gauge\n"
		"retour_photo_upload_oldest_seconds %.3f\n",
		(long long)st->photos_waiting, station_photo_upload_age_s(st));
	fprintf(f, "# TYPE retour_db_bytes gauge\nretour_db_bytes %lld\n",
		(long long)store_size_bytes(st->store));
	memcpy(sorted, st->latency_us, n * sizeof(sorted[0]));
	qsort(sorted, n, sizeof(sorted[0]), cmp_i64);
	fprintf(f, "# HELP retour_scan_to_decision_seconds From the parcel "
		   "scan to the recorded decision.\n"
		   "# TYPE retour_scan_to_decision_seconds summary\n");
	if (n) {
		fprintf(f,
			"retour_scan_to_decision_seconds{quantile=\"0.5\"} "
			"%.6f\n",
			sorted[n / 2] / 1e6);
		fprintf(f,
			"retour_scan_to_decision_seconds{quantile=\"0.99\"} "
			"%.6f\n",
			sorted[(n * 99) / 100] / 1e6);
	}
	fprintf(f, "retour_scan_to_decision_seconds_count %llu\n",
		(unsigned long long)st->latency_n);
	fprintf(f, "# HELP retour_device_faults_total A device of the desk "
		   "stopped working (unplugged, not answering, failing).\n"
		   "# TYPE retour_device_faults_total counter\n");
	for (int k = 0; k < DEVICE_KIND_COUNT; k++)
		fprintf(f, "retour_device_faults_total{device=\"%s\"} %llu\n",
			device_kind_name((enum device_kind)k),
			(unsigned long long)st->device_faults[k]);
	station_metrics_steps(st, f);
	station_metrics_record(st, f);
	station_disk_metrics(st, f);
	fclose(f);
	free(st->metrics);
	st->metrics = buf;
	return buf ? buf : "";
}

/* ---- records ---- */

int station_expected_list(struct station *st, int limit, json_t **out)
{
	return store_expected_list(st->store, limit, out);
}

int station_clerks_list(struct station *st, json_t **out)
{
	return store_clerk_list(st->store, out);
}

int station_complaints_due(struct station *st, json_t **out)
{
	const struct rules_policy *p = &st->cfg->policy;

	/* a deadline from a wrong clock is worse than none */
	if (!st->clock.known)
		return -EAGAIN;
	return store_complaints_due(
	    st->store, p, clock_now_us(),
	    (int64_t)p->complaint_warn_days * USEC_PER_DAY, out);
}

int station_returns_find(struct station *st, const struct receipt_filter *f,
			 json_t **out)
{
	return store_receipt_find(st->store, f, out);
}

void station_local_day(const struct station *st, int64_t days,
		       int64_t *first_us, int64_t *last_us)
{
	const struct rules_policy *p = &st->cfg->policy;

	*first_us = civil_time_local_day_end(days - 1, p->utc_offset_min,
					     p->eu_summer_time) +
		    1;
	*last_us = civil_time_local_day_end(days, p->utc_offset_min,
					    p->eu_summer_time);
}

int station_return_get(struct station *st, int64_t receipt_id, json_t **out)
{
	return store_receipt_get(st->store, receipt_id, out);
}

int station_outbox_list(struct station *st, const char *state, int limit,
			json_t **out)
{
	return store_outbox_list(st->store, state, limit, out);
}

int station_db_check(struct station *st, char *msg, size_t msglen)
{
	return store_check(st->store, msg, msglen);
}

int station_audit_verify(struct station *st, int64_t *checked, int64_t *bad_id)
{
	return store_audit_verify(st->store, checked, bad_id);
}

const char *station_errmsg(struct station *st)
{
	return store_errmsg(st->store);
}
