/* SPDX-License-Identifier: MIT */
/*
 * What the desk's screen shows beside the step (GET /api/v1/status): the
 * live scale reading, the parcel on the desk (its expected return and
 * deadline, the weights, the photos, the items against the order, the
 * label it would print) and the state of the last decision's refund.
 * Reads only: the desk's state, and the few rows of the open receipt.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/clock.h"
#include "retour/log.h"

#include "station_internal.h"

static json_t *station_time_json(int64_t us)
{
	char text[CIVIL_TIME_RFC3339_LEN];

	if (!us || civil_time_format_rfc3339(us, text, sizeof(text)) < 0)
		return json_null();
	return json_string(text);
}

static json_t *station_day_json(int64_t days)
{
	char text[16];

	if (civil_time_format_date(days, text, sizeof(text)) < 0)
		return json_null();
	return json_string(text);
}

json_t *station_scale_view(const struct station *st)
{
	bool number = st->live_at && (st->live.status == SCALE_STABLE ||
				      st->live.status == SCALE_UNSTABLE);

	return json_pack("{s:o,s:b,s:o}", "grams",
			 number ? json_integer(st->live.grams) : json_null(),
			 "stable", number && st->live.status == SCALE_STABLE,
			 "at", station_time_json(st->live_at));
}

/* The withdrawal window's last instant, or the complaint's answer
 * deadline, as the rules compute them; 0 when there is none. */
static int64_t station_deadline(const struct station *st)
{
	const struct desk *d = &st->desk;
	const struct rules_policy *p = &st->cfg->policy;

	switch (d->expected.kind) {
	case RETURN_WITHDRAWAL:
		if (!d->expected.delivered_at)
			return 0;
		return rules_window_ends(d->expected.delivered_at,
					 p->withdrawal_days, p);
	case RETURN_COMPLAINT:
		return rules_complaint_answer_due(
		    d->expected.complaint_received_at
			? d->expected.complaint_received_at
			: d->found.received_at,
		    p);
	default:
		return 0;
	}
}

static json_t *station_expected_view(const struct station *st)
{
	const struct desk *d = &st->desk;
	const struct rules_policy *p = &st->cfg->policy;
	const struct expected_return *er = &d->expected;
	/* a deadline from a wrong clock is worse than none */
	int64_t due = st->clock.known ? station_deadline(st) : 0;
	json_t *e;

	if (!d->have_expected)
		return json_null();
	e = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)er->id,
		      "rma", er->rma, "order", er->order_ref, "kind",
		      return_kind_name(er->kind), "shop",
		      er->shop[0] ? er->shop : st->cfg->shop, "currency",
		      er->currency);
	if (!e)
		return json_null();
	json_object_set_new(e, "delivered_at",
			    station_time_json(er->delivered_at));
	if (due > 0) {
		int64_t day = civil_time_local_day(due, p->utc_offset_min,
						   p->eu_summer_time);
		int64_t today = civil_time_local_day(
		    clock_now_us(), p->utc_offset_min, p->eu_summer_time);

		json_object_set_new(e, "deadline", station_day_json(day));
		json_object_set_new(e, "days_left", json_integer(day - today));
	} else {
		json_object_set_new(e, "deadline", json_null());
		json_object_set_new(e, "days_left", json_null());
	}
	return e;
}

static json_t *station_weight_view(const struct station *st)
{
	const struct desk *d = &st->desk;
	const struct rules_policy *p = &st->cfg->policy;
	int64_t expected = -1, tolerance = -1;
	bool mismatch = false;
	json_t *w;

	if (d->have_expected || d->routine == DESK_ROUTINE_SHIP_QC)
		expected = expected_return_weight_g(&d->expected);
	if (expected > 0 && d->routine == DESK_ROUTINE_SHIP_QC) {
		/* ship-QC: grams only, the larger of the desk's and the
		 * shop's (desk_measure.c) */
		tolerance = st->cfg->ship_qc_tolerance_g;
		if (p->weight_tolerance_g > tolerance)
			tolerance = p->weight_tolerance_g;
		if (tolerance < 0)
			tolerance = 0;
		mismatch = d->found.weighed &&
			   !weight_within_tolerance(expected, d->found.weight_g,
						    (int32_t)tolerance, 0);
	} else if (expected > 0) {
		tolerance = weight_tolerance_for(
		    expected, p->weight_tolerance_g, p->weight_tolerance_pct);
		mismatch = d->found.weighed &&
			   !rules_weight_ok(expected, d->found.weight_g, p);
	}
	w = json_object();
	if (!w)
		return json_null();
	json_object_set_new(w, "expected_g",
			    expected > 0 ? json_integer(expected)
					 : json_null());
	json_object_set_new(w, "tolerance_g",
			    tolerance >= 0 ? json_integer(tolerance)
					   : json_null());
	json_object_set_new(w, "measured_g",
			    d->found.weighed ? json_integer(d->found.weight_g)
					     : json_null());
	json_object_set_new(w, "mismatch", json_boolean(mismatch));
	json_object_set_new(
	    w, "manual", json_boolean(d->found.weighed && st->weight_manual));
	return w;
}

/* Each expected line with the units scanned against it. */
static json_t *station_items_view(const struct station *st)
{
	const struct desk *d = &st->desk;
	json_t *arr = json_array();
	int n = d->expected.n_items;

	if (n > RETURN_MAX_ITEMS)
		n = RETURN_MAX_ITEMS;
	for (int i = 0; arr && i < n; i++) {
		const struct return_item *it = &d->expected.items[i];

		json_array_append_new(
		    arr,
		    json_pack("{s:s,s:s,s:s,s:i,s:i}", "code",
			      it->gtin[0] ? it->gtin : it->sku, "sku", it->sku,
			      "name", it->name, "ordered", (int)it->quantity,
			      "scanned", (int)d->found.items[i].quantity));
	}
	return arr ? arr : json_array();
}

/* The label's fields, as the core lays them out (label.h). */
static json_t *station_label_view(const struct label_fields *f)
{
	json_t *l = json_object(), *lines = json_array();
	char title[24];
	size_t i;

	if (!l || !lines) {
		json_decref(l);
		json_decref(lines);
		return json_null();
	}
	snprintf(title, sizeof(title), "%s", f->verdict);
	for (i = 0; title[i]; i++)
		title[i] = title[i] == '_' ? ' '
			   : title[i] >= 'a' && title[i] <= 'z'
			       ? (char)(title[i] - 'a' + 'A')
			       : title[i];
	json_object_set_new(l, "title", json_string(title));
	json_object_set_new(l, "verdict", json_string(f->verdict));
	json_object_set_new(l, "disposition", json_string(f->disposition));
	json_object_set_new(l, "bin", json_string(f->bin));
	json_object_set_new(l, "grade", json_string(f->grade));
	json_object_set_new(l, "receipt", json_string(f->receipt));
	json_object_set_new(l, "rma", json_string(f->rma));
	json_object_set_new(l, "order", json_string(f->order));
	json_object_set_new(l, "date", json_string(f->date));
	json_object_set_new(l, "refund", json_string(f->refund));
	json_object_set_new(l, "remedy", json_string(f->remedy));
	json_object_set_new(l, "override", json_boolean(f->override));
	for (int k = 0; k < f->n_items && k < LABEL_MAX_ITEMS; k++) {
		char line[180];

		snprintf(line, sizeof(line), "%d x %s %s",
			 (int)f->items[k].quantity, f->items[k].sku,
			 f->items[k].name);
		json_array_append_new(lines, json_string(line));
	}
	json_object_set_new(l, "lines", lines);
	json_object_set_new(l, "code", json_string(f->barcode));
	return l;
}

json_t *station_parcel_view(struct station *st)
{
	const struct desk *d = &st->desk;
	struct label_fields label;
	json_t *p, *photos = NULL, *extra = NULL, *v;
	int64_t rid = d->receipt_id ? d->receipt_id : st->receipt_id;

	if (!rid || d->step == DESK_STEP_SCAN || d->step == DESK_STEP_SIGN_IN)
		return json_null();
	p = json_object();
	if (!p)
		return json_null();
	json_object_set_new(p, "receipt", json_integer(rid));
	json_object_set_new(p, "expected", station_expected_view(st));
	json_object_set_new(p, "weight", station_weight_view(st));
	if (store_receipt_photos_brief(st->store, rid, &photos) < 0)
		photos = json_array(); /* the screen still shows the step */
	for (size_t i = 0; i < json_array_size(photos); i++) {
		char url[48];

		v = json_array_get(photos, i);
		snprintf(
		    url, sizeof(url), "/api/v1/photos/%lld",
		    (long long)json_integer_value(json_object_get(v, "id")));
		json_object_set_new(v, "url", json_string(url));
	}
	json_object_set_new(p, "photos", photos);
	json_object_set_new(p, "items", station_items_view(st));
	if (store_receipt_extra_scans(st->store, rid, &extra) < 0)
		extra = json_array();
	json_object_set_new(p, "extra", extra);
	json_object_set_new(
	    p, "label_preview",
	    desk_label_preview(d, &st->desk_cfg, clock_now_us(), &label)
		? station_label_view(&label)
		: json_null());
	return p;
}

json_t *station_refund_view(struct station *st, int64_t receipt_id)
{
	struct store_refund rf;
	const char *state;
	int r = store_refund_state(st->store, receipt_id, &rf);

	if (r == -ENOENT || (r == 0 && !strcmp(rf.state, "cancelled")))
		return json_pack("{s:s,s:n,s:n,s:n,s:n}", "state", "none",
				 "outbox_id", "shop_ref", "error",
				 "next_attempt_at");
	if (r < 0)
		return json_null(); /* the store said why in the log */
	/* pending: not tried yet (queued), or tried and waiting for the
	 * shop's answer or the next attempt (sent, with the error) */
	state = !strcmp(rf.state, "done")   ? "confirmed"
		: !strcmp(rf.state, "dead") ? "failed"
		: rf.attempts > 0	    ? "sent"
					    : "queued";
	return json_pack(
	    "{s:s,s:I,s:o,s:o,s:o}", "state", state, "outbox_id",
	    (json_int_t)rf.outbox_id, "shop_ref",
	    rf.has_shop_ref ? json_string(rf.shop_ref) : json_null(), "error",
	    rf.error[0] ? json_string(rf.error) : json_null(),
	    "next_attempt_at",
	    !strcmp(rf.state, "pending") ? station_time_json(rf.next_attempt_at)
					 : json_null());
}
