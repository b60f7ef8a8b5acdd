/* SPDX-License-Identifier: MIT */
/*
 * The desk's decision written down.  The parcel's events for the shop
 * (return.received when its record opens, return.inspected with the
 * decision), rendered for the outbox under keys that never change, and
 * the decision with its outbox rows and label in one transaction.  What
 * the desk is told about it is station_act.c's: nothing here reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/event.h"
#include "retour/log.h"
#include "retour/outbox.h"

#include "station_internal.h"

const char *station_actor(const struct station *st)
{
	return desk_actor(&st->desk);
}

/* The shop a parcel is for: its expected return's (an import may name
 * it), else the station's [shop].  Its events and refund go to that shop;
 * the rules stay the station's [shop] policy. */
static const char *station_parcel_shop(const struct station *st)
{
	if (st->desk.have_expected && st->desk.expected.shop[0])
		return st->desk.expected.shop;
	return st->cfg->shop;
}

/* What return.received told of the open parcel: kept beside the desk. */
void station_parcel_told(struct station *st)
{
	st->told.valid = true;
	snprintf(st->told.code, sizeof(st->told.code), "%s", st->desk.code);
	st->told.have_expected = st->desk.have_expected;
	if (st->desk.have_expected)
		st->told.expected = st->desk.expected;
}

/* The photos of store_receipt_photos_brief() as the event names them
 * (pointing into @photos): how many, at most STATION_EVENT_PHOTOS. */
#define STATION_EVENT_PHOTOS 64
static int station_event_photos(const json_t *photos, struct event_photo *list)
{
	int n = 0;

	for (size_t i = 0;
	     i < json_array_size(photos) && n < STATION_EVENT_PHOTOS; i++) {
		const json_t *p = json_array_get(photos, i);

		list[n].id = json_integer_value(json_object_get(p, "id"));
		list[n].sha256 =
		    json_string_value(json_object_get(p, "sha256"));
		list[n].object_key =
		    json_string_value(json_object_get(p, "object_key"));
		if (list[n].sha256)
			n++;
	}
	return n;
}

/*
 * Row @o of a parcel's event (return.received, return.inspected) of the
 * open receipt at @at, its body rendered now into *@body (free it).  The
 * key is the decision's kind: shop:desk:receipt:action:time.  0, -EINVAL,
 * -ENOMEM.
 */
static int station_parcel_event(struct station *st, const char *type,
				int64_t at, struct outbox_new *o, char **body)
{
	struct event_parcel_facts f = {0};
	char err[128];
	struct event_photo list[STATION_EVENT_PHOTOS];
	json_t *photos = NULL;
	int n, r;

	memset(o, 0, sizeof(*o));
	*body = NULL;
	n = snprintf(o->key, sizeof(o->key), "%s:%s:%lld:%s:%lld",
		     st->cfg->shop, st->cfg->desk, (long long)st->receipt_id,
		     type, (long long)at);
	if (n < 0 || (size_t)n >= sizeof(o->key))
		return -EINVAL;
	o->action = type;
	o->not_before = at; /* a fact: no grace period to wait for */
	f.type = type;
	f.id = o->key;
	f.receipt = st->receipt_id;
	f.shop = station_parcel_shop(st);
	f.station = st->cfg->desk;
	f.code = st->desk.code;
	f.expected = st->desk.have_expected ? &st->desk.expected : NULL;
	if (!strcmp(type, EVENT_RETURN_CANCELLED)) {
		/* the desk has let the parcel go: as return.received said it */
		f.code = st->told.code;
		f.expected = st->told.have_expected ? &st->told.expected : NULL;
		f.shop = f.expected && f.expected->shop[0] ? f.expected->shop
							   : st->cfg->shop;
	}
	f.clerk = station_actor(st);
	f.at = at;
	if (!strcmp(type, EVENT_RETURN_INSPECTED)) {
		f.found = &st->desk.found;
		if (store_receipt_photo_count(st->store, st->receipt_id,
					      &f.photos) < 0)
			f.photos = st->desk.found.photographed ? 1 : 0;
		/* each photo with its hash and object key (the list is
		 * left out when the record cannot say) */
		if (store_receipt_photos_brief(st->store, st->receipt_id,
					       &photos) == 0)
			f.n_photo_list = station_event_photos(photos, list);
		f.photo_list = list;
	}
	r = event_parcel_render(&f, body, err, sizeof(err));
	json_decref(photos);
	if (r < 0)
		log_error("receipt %lld: no %s event: %s",
			  (long long)st->receipt_id, type, err);
	o->payload = *body;
	return r;
}

/* return.received, in a write of its own right after the parcel's record
 * was opened: losing the desk's parcel over it would be worse.  Before
 * the clock is set its time would be wrong, and the shop would keep it
 * under a key that cannot change: it waits for the date
 * (station_clock.c queues it then, at the corrected time). */
void station_queue_received_at(struct station *st, int64_t at)
{
	struct outbox_new o;
	char *body;

	if (st->desk.routine == DESK_ROUTINE_SHIP_QC || !st->receipt_id)
		return;
	if (!st->clock.known) {
		st->clock.received_deferred = true;
		return;
	}
	st->clock.received_deferred = false;
	if (station_parcel_event(st, EVENT_RETURN_RECEIVED, at, &o, &body) ==
	    0) {
		int r = store_outbox_queue(st->store, st->receipt_id, &o,
					   station_actor(st), at);

		if (r < 0)
			log_error_errno(r,
					"receipt %lld: return.received not "
					"queued (%s)",
					(long long)st->receipt_id,
					store_errmsg(st->store));
		else {
			station_parcel_told(st);
			if (st->sender)
				outbox_sender_kick(st->sender);
		}
	}
	free(body);
}

/* The open parcel abandoned at the desk: its receipt cancelled, and a
 * receiver that heard return.received hears return.cancelled, in the
 * same write.  One whose return.received still waits for the date (or a
 * packer's check, which sends none) needs no word. */
int station_cancel_receipt(struct station *st, int64_t now)
{
	struct outbox_new o;
	char *body = NULL;
	bool tell = st->told.valid;
	int r;

	st->clock.received_deferred = false;
	st->told.valid = false;
	if (tell && station_parcel_event(st, EVENT_RETURN_CANCELLED, now, &o,
					 &body) < 0)
		tell = false; /* logged; the cancel itself goes on */
	r = store_receipt_cancel_telling(st->store, st->receipt_id,
					 station_actor(st), now,
					 tell ? &o : NULL);
	free(body);
	if (r == 0 && tell && st->sender)
		outbox_sender_kick(st->sender);
	return r;
}

/* Write the desk's decision and plan in one transaction. */
int station_record_decision(struct station *st)
{
	const struct desk *d = &st->desk;
	const struct desk_decision *dec = &d->decision;
	const struct decision_plan *plan = &d->plan;
	struct decision_record rec = {0};
	struct outbox_new out[DECISION_MAX_ROWS + 1];
	char *proposal_text, *inspected = NULL;
	json_t *prop;
	int n = 0, r;

	if (!st->receipt_id)
		return -ENOENT; /* a failed open sends the desk back to scan */
	if (st->desk.receipt_id != st->receipt_id)
		return -ESTALE; /* the plan names another receipt than the row
				 */
	/* The proposal is recorded once, on the receipt; the events sent to
	 * the shop are rendered from it. */
	prop = event_proposal_to_json(&dec->proposal);
	proposal_text =
	    prop ? json_dumps(prop, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(prop);
	if (!proposal_text)
		return -ENOMEM;

	memset(out, 0, sizeof(out));
	/* The inspection, finished now: first, and without the grace
	 * period (an undo retracts the decision, not what was found). */
	if (dec->routine != DESK_ROUTINE_SHIP_QC &&
	    station_parcel_event(st, EVENT_RETURN_INSPECTED, plan->decided_at,
				 &out[0], &inspected) == 0)
		n++;
	for (int i = 0; i < plan->n_rows && i < DECISION_MAX_ROWS; i++) {
		out[n].action = plan->rows[i].action;
		snprintf(out[n].key, sizeof(out[n].key), "%s",
			 plan->rows[i].key);
		out[n].not_before = plan->rows[i].not_before;
		n++;
	}
	rec.verdict = plan->verdict;
	rec.proposal_json = proposal_text;
	rec.overridden = dec->overridden;
	rec.override_reason = dec->overridden ? dec->override_reason : NULL;
	rec.override_by =
	    dec->overridden && dec->override_by[0] ? dec->override_by : NULL;
	rec.refund_minor = dec->refund_minor;
	snprintf(rec.currency, sizeof(rec.currency), "%s", plan->currency);
	rec.decided_by = station_actor(st);
	rec.decided_at = plan->decided_at;
	rec.shop = station_parcel_shop(st);
	rec.label_zpl = plan->label_len > 0 ? plan->label_job : NULL;
	r = store_receipt_decide(st->store, st->receipt_id, &rec, out, n);
	free(proposal_text);
	free(inspected);
	return r;
}
