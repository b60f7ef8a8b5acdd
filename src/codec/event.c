/* SPDX-License-Identifier: MIT */
/*
 * The events sent to the shop, rendered from the record, and the
 * proposal's JSON form they carry (include/retour/event.h).
 *
 * Every body has the same envelope (type, id, shop, station, receipt,
 * code, rma, order, decided_by, decided_at, and the shop's own
 * shop_order_id and shop_payment_id when the import gave them).
 * refund.requested adds what a shop needs to pay back: the amount, the
 * accepted lines by SKU (with the shop's shop_line_id when known) and the
 * reasons' codes; the decision events add the whole proposal, every reason
 * with its text.  A complaint's events carry its remedy (repair, replace,
 * reduce, refund) and whether it counts as accepted for want of an answer.  The
 * lines and the reasons are read from the proposal the receipt recorded, so the
 * amount sent is the amount decided.
 *
 * Pure: no I/O, no store, no clock.  Not here: where the facts come from
 * (the store reads them; the outbox sender calls event_render), signing
 * and sending (the connector and the sender).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/event.h"

json_t *event_proposal_to_json(const struct proposal *p)
{
	json_t *o = json_object(), *reasons = json_array(),
	       *items = json_array();
	char when[CIVIL_TIME_RFC3339_LEN];
	int bad = 0;

	if (!o || !reasons || !items) {
		json_decref(o);
		json_decref(reasons);
		json_decref(items);
		return NULL;
	}
	bad |= json_object_set_new(o, "verdict",
				   json_string(verdict_name(p->verdict)));
	bad |= json_object_set_new(o, "refund_minor",
				   json_integer(p->refund_minor));
	bad |= json_object_set_new(o, "delivery_refund_minor",
				   json_integer(p->delivery_refund_minor));
	bad |= json_object_set_new(o, "currency", json_string(p->currency));
	for (int i = 0; i < p->n_reasons && i < RULES_MAX_REASONS; i++) {
		json_t *r = json_object();

		bad |= json_object_set_new(
		    r, "code",
		    json_string(reason_code_name(p->reasons[i].code)));
		bad |= json_object_set_new(r, "item",
					   json_integer(p->reasons[i].item));
		bad |= json_object_set_new(r, "text",
					   json_string(p->reasons[i].text));
		bad |= json_array_append_new(reasons, r);
	}
	bad |= json_object_set_new(o, "reasons", reasons);
	for (int i = 0; i < p->n_items && i < RETURN_MAX_ITEMS; i++) {
		const struct item_outcome *it = &p->items[i];
		json_t *r = json_object();

		bad |= json_object_set_new(r, "accepted",
					   json_boolean(it->accepted));
		bad |= json_object_set_new(r, "quantity",
					   json_integer(it->quantity_accepted));
		bad |= json_object_set_new(r, "refund_minor",
					   json_integer(it->refund_minor));
		bad |= json_object_set_new(r, "deduction_minor",
					   json_integer(it->deduction_minor));
		bad |= json_object_set_new(r, "grade",
					   json_string(grade_name(it->grade)));
		bad |= json_object_set_new(
		    r, "disposition",
		    json_string(disposition_name(it->disposition)));
		bad |= json_array_append_new(items, r);
	}
	bad |= json_object_set_new(o, "items", items);
	if (p->window_ends_at &&
	    civil_time_format_rfc3339(p->window_ends_at, when, sizeof(when)) >=
		0)
		bad |=
		    json_object_set_new(o, "window_ends_at", json_string(when));
	if (p->answer_due_at && civil_time_format_rfc3339(
				    p->answer_due_at, when, sizeof(when)) >= 0)
		bad |=
		    json_object_set_new(o, "answer_due_at", json_string(when));
	if (p->warranty_ends_at &&
	    civil_time_format_rfc3339(p->warranty_ends_at, when,
				      sizeof(when)) >= 0)
		bad |= json_object_set_new(o, "warranty_ends_at",
					   json_string(when));
	/* A complaint's own facts, only on a complaint: a withdrawal's
	 * proposal reads as it always did. */
	if (p->remedy != REMEDY_NONE)
		bad |= json_object_set_new(o, "remedy",
					   json_string(remedy_name(p->remedy)));
	if (p->complaint_received_at &&
	    civil_time_format_rfc3339(p->complaint_received_at, when,
				      sizeof(when)) >= 0) {
		bad |= json_object_set_new(o, "complaint_received_at",
					   json_string(when));
		bad |= json_object_set_new(
		    o, "complaint_received_from",
		    json_string(p->complaint_received_assumed ? "receipt"
							      : "import"));
	}
	if (p->complaint_deemed_accepted)
		bad |= json_object_set_new(o, "complaint_deemed_accepted",
					   json_true());
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- rendering ---- */

/* One body being built; the first failure is the one reported. */
struct event_build {
	int r;
	char *err;
	size_t errlen;
};

static void event_fail(struct event_build *b, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void event_fail(struct event_build *b, int r, const char *fmt, ...)
{
	va_list ap;

	if (b->r)
		return;
	b->r = r;
	if (!b->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
}

/* Set @key to @v (consumed); a NULL @v is a failure already recorded or
 * an allocation that failed. */
static void event_put(struct event_build *b, json_t *o, const char *key,
		      json_t *v)
{
	if (!v || json_object_set_new(o, key, v) < 0)
		event_fail(b, -ENOMEM, "out of memory rendering %s", key);
}

static void event_append(struct event_build *b, json_t *arr, json_t *v)
{
	if (!v || json_array_append_new(arr, v) < 0)
		event_fail(b, -ENOMEM, "out of memory rendering a list");
}

/* Text from the record as a JSON string.  Text that is not UTF-8 cannot
 * be sent as it is, and a body without the field would not mean the same:
 * the event is refused, saying which field. */
static json_t *event_text(struct event_build *b, const char *field,
			  const char *text)
{
	json_t *v;

	if (!text)
		text = "";
	v = json_string(text);
	if (v)
		return v;
	/* json_string() checks the bytes before it allocates. */
	v = json_string_nocheck(text);
	if (v) {
		json_decref(v);
		event_fail(b, -EINVAL, "%s is not UTF-8 text", field);
	} else {
		event_fail(b, -ENOMEM, "out of memory rendering %s", field);
	}
	return NULL;
}

/* The head every event about one receipt starts with, in this order:
 * type, id, shop, station, receipt, code, rma, order and the shop's order
 * id when its import gave one (a body without it is the same bytes as
 * before it existed). */
static void event_head(struct event_build *b, json_t *ev, const char *type,
		       const char *id, const char *shop, const char *station,
		       int64_t receipt, const char *code,
		       const struct expected_return *er)
{
	event_put(b, ev, "type", event_text(b, "type", type));
	event_put(b, ev, "id", event_text(b, "id", id));
	event_put(b, ev, "shop", event_text(b, "shop", shop));
	event_put(b, ev, "station", event_text(b, "station", station));
	event_put(b, ev, "receipt", json_integer(receipt));
	event_put(b, ev, "code", event_text(b, "code", code));
	event_put(b, ev, "rma", event_text(b, "rma", er ? er->rma : ""));
	event_put(b, ev, "order",
		  event_text(b, "order", er ? er->order_ref : ""));
	if (er && er->shop_order_id[0])
		event_put(b, ev, "shop_order_id",
			  event_text(b, "shop_order_id", er->shop_order_id));
}

static void event_envelope(struct event_build *b, json_t *ev,
			   const struct event_facts *f)
{
	const struct expected_return *er = f->expected;
	char when[CIVIL_TIME_RFC3339_LEN] = "";

	civil_time_format_rfc3339(f->decided_at, when, sizeof(when));
	event_head(b, ev, f->type, f->id, f->shop, f->station, f->receipt,
		   f->code, er);
	/* The shop's payment id, when its import gave it: a body without
	 * it is the same bytes as before it existed. */
	if (er && er->shop_payment_id[0])
		event_put(
		    b, ev, "shop_payment_id",
		    event_text(b, "shop_payment_id", er->shop_payment_id));
	event_put(b, ev, "decided_by",
		  event_text(b, "decided_by", f->decided_by));
	event_put(b, ev, "decided_at", json_string(when));
}

/* Who decided against the proposal and why; "by" is the supervisor who
 * authorised it (null when the override needed none). */
static void event_override(struct event_build *b, json_t *ev,
			   const struct event_facts *f)
{
	json_t *o = json_object();

	event_put(b, o, "by",
		  f->override_by && *f->override_by
		      ? event_text(b, "override.by", f->override_by)
		      : json_null());
	event_put(b, o, "reason",
		  event_text(b, "override.reason", f->override_reason));
	event_put(b, ev, "override", o);
}

/*
 * What a shop needs to pay back: the accepted lines (the proposal's items
 * with a quantity, named by the expected item at the same position) and the
 * reasons' codes.  The reasons' texts travel once, with the decision event.
 */
static void event_refund(struct event_build *b, json_t *ev,
			 const struct event_facts *f, json_t *prop)
{
	const struct expected_return *er = f->expected;
	json_t *items = json_array(), *codes = json_array(), *it, *reason;
	size_t i;

	event_put(b, ev, "verdict", event_text(b, "verdict", f->verdict));
	event_put(b, ev, "amount_minor", json_integer(f->refund_minor));
	event_put(b, ev, "currency", event_text(b, "currency", f->currency));
	event_put(b, ev, "delivery_minor",
		  json_integer(json_integer_value(
		      json_object_get(prop, "delivery_refund_minor"))));
	event_put(b, ev, "overridden", json_boolean(f->overridden));
	if (f->overridden)
		event_override(b, ev, f);
	json_array_foreach(json_object_get(prop, "items"), i, it)
	{
		json_int_t quantity, deduction;
		json_t *line;

		quantity = json_integer_value(json_object_get(it, "quantity"));
		if (quantity <= 0)
			continue;
		line = json_object();
		if (er && i < (size_t)er->n_items) {
			event_put(b, line, "sku",
				  event_text(b, "sku", er->items[i].sku));
			if (er->items[i].gtin[0])
				event_put(
				    b, line, "gtin",
				    event_text(b, "gtin", er->items[i].gtin));
			if (er->items[i].shop_line_id[0])
				event_put(
				    b, line, "shop_line_id",
				    event_text(b, "shop_line_id",
					       er->items[i].shop_line_id));
		}
		event_put(b, line, "quantity", json_integer(quantity));
		event_put(b, line, "refund_minor",
			  json_integer(json_integer_value(
			      json_object_get(it, "refund_minor"))));
		deduction =
		    json_integer_value(json_object_get(it, "deduction_minor"));
		if (deduction)
			event_put(b, line, "deduction_minor",
				  json_integer(deduction));
		event_append(b, items, line);
	}
	json_array_foreach(json_object_get(prop, "reasons"), i, reason)
	{
		const char *code =
		    json_string_value(json_object_get(reason, "code"));

		if (code)
			event_append(b, codes, json_string(code));
	}
	event_put(b, ev, "items", items);
	event_put(b, ev, "reasons", codes);
}

/* A complaint's remedy, as decided (only when the proposal has one). */
static void event_remedy(struct event_build *b, json_t *ev, json_t *prop)
{
	const char *remedy = json_string_value(json_object_get(prop, "remedy"));

	if (remedy && strcmp(remedy, "none"))
		event_put(b, ev, "remedy", event_text(b, "remedy", remedy));
	if (json_is_true(json_object_get(prop, "complaint_deemed_accepted")))
		event_put(b, ev, "complaint_deemed_accepted", json_true());
}

/* return.decided, shipment.qc_passed, shipment.qc_failed. */
static void event_decision(struct event_build *b, json_t *ev,
			   const struct event_facts *f, json_t *prop)
{
	event_put(b, ev, "verdict", event_text(b, "verdict", f->verdict));
	event_put(b, ev, "overridden", json_boolean(f->overridden));
	if (f->overridden)
		event_put(b, ev, "override_reason",
			  event_text(b, "override_reason", f->override_reason));
	if (f->overridden)
		event_override(b, ev, f);
	event_put(b, ev, "proposal", json_incref(prop));
}

int event_render(const struct event_facts *f, char **body, char *err,
		 size_t errlen)
{
	struct event_build b = {.err = err, .errlen = errlen};
	json_error_t jerr;
	json_t *ev, *prop;
	bool refund;

	if (errlen)
		err[0] = '\0';
	if (!f || !body) {
		event_fail(&b, -EINVAL, "nothing to render");
		return b.r;
	}
	*body = NULL;
	refund = f->type && !strcmp(f->type, EVENT_REFUND_REQUESTED);
	if (!refund && (!f->type || (strcmp(f->type, EVENT_RETURN_DECIDED) &&
				     strcmp(f->type, EVENT_QC_PASSED) &&
				     strcmp(f->type, EVENT_QC_FAILED)))) {
		event_fail(&b, -EINVAL, "no event is rendered for action '%s'",
			   f->type ? f->type : "");
		return b.r;
	}
	prop = f->proposal_json ? json_loads(f->proposal_json, 0, &jerr) : NULL;
	if (!json_is_object(prop)) {
		if (!prop && f->proposal_json &&
		    json_error_code(&jerr) == json_error_out_of_memory)
			event_fail(&b, -ENOMEM,
				   "out of memory reading the proposal");
		else
			event_fail(&b, -EINVAL,
				   "receipt %lld has no proposal to report "
				   "(not a JSON object)",
				   (long long)f->receipt);
		json_decref(prop);
		return b.r;
	}
	ev = json_object();
	if (!ev)
		event_fail(&b, -ENOMEM, "out of memory");
	event_envelope(&b, ev, f);
	if (refund)
		event_refund(&b, ev, f, prop);
	else
		event_decision(&b, ev, f, prop);
	event_remedy(&b, ev, prop);
	if (!b.r) {
		*body = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
		if (!*body)
			event_fail(&b, -ENOMEM, "out of memory");
	}
	json_decref(ev);
	json_decref(prop);
	return b.r;
}

int event_device_render(const struct event_device_facts *f, char **body,
			char *err, size_t errlen)
{
	struct event_build b = {.err = err, .errlen = errlen};
	char when[CIVIL_TIME_RFC3339_LEN] = "";
	json_t *ev;

	if (errlen)
		err[0] = '\0';
	if (!f || !body) {
		event_fail(&b, -EINVAL, "nothing to render");
		return b.r;
	}
	*body = NULL;
	if (!f->type || (strcmp(f->type, EVENT_DEVICE_FAULT) &&
			 strcmp(f->type, EVENT_DEVICE_OK))) {
		event_fail(&b, -EINVAL, "'%s' is not a device event",
			   f->type ? f->type : "");
		return b.r;
	}
	ev = json_object();
	if (!ev) {
		event_fail(&b, -ENOMEM, "out of memory");
		return b.r;
	}
	civil_time_format_rfc3339(f->at, when, sizeof(when));
	event_put(&b, ev, "type", event_text(&b, "type", f->type));
	event_put(&b, ev, "id", event_text(&b, "id", f->id));
	event_put(&b, ev, "shop", event_text(&b, "shop", f->shop));
	event_put(&b, ev, "station", event_text(&b, "station", f->station));
	event_put(&b, ev, "device", event_text(&b, "device", f->device));
	event_put(&b, ev, "state", event_text(&b, "state", f->state));
	event_put(&b, ev, "reason", event_text(&b, "reason", f->reason));
	event_put(&b, ev, "at", json_string(when));
	event_put(&b, ev, "receipt",
		  f->receipt > 0 ? json_integer(f->receipt) : json_null());
	event_put(&b, ev, "step",
		  f->step ? event_text(&b, "step", f->step) : json_null());
	if (!b.r) {
		*body = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
		if (!*body)
			event_fail(&b, -ENOMEM, "out of memory");
	}
	json_decref(ev);
	return b.r;
}

/* The parcel's part of return.received and return.inspected. */
static void event_parcel_envelope(struct event_build *b, json_t *ev,
				  const struct event_parcel_facts *f)
{
	const struct expected_return *er = f->expected;
	char when[CIVIL_TIME_RFC3339_LEN] = "";

	civil_time_format_rfc3339(f->at, when, sizeof(when));
	event_head(b, ev, f->type, f->id, f->shop, f->station, f->receipt,
		   f->code, er);
	event_put(b, ev, "expected", json_boolean(er != NULL));
	event_put(b, ev, "clerk", event_text(b, "clerk", f->clerk));
	event_put(b, ev, "at", json_string(when));
}

/* Each photo: its id, SHA-256 and object key (null: no bucket). */
static json_t *event_photo_list(struct event_build *b,
				const struct event_parcel_facts *f)
{
	json_t *list = json_array();

	for (int i = 0; f->photo_list && i < f->n_photo_list; i++) {
		const struct event_photo *p = &f->photo_list[i];
		json_t *o = json_object();

		event_put(b, o, "id", json_integer(p->id));
		event_put(b, o, "sha256", event_text(b, "sha256", p->sha256));
		event_put(b, o, "object_key",
			  p->object_key
			      ? event_text(b, "object_key", p->object_key)
			      : json_null());
		event_append(b, list, o);
	}
	return list;
}

/* What the inspection found, line by line as the expected return lists
 * them (an unexpected return has no lines to compare). */
static void event_inspection(struct event_build *b, json_t *ev,
			     const struct event_parcel_facts *f)
{
	const struct expected_return *er = f->expected;
	const struct inspection *in = f->found;
	json_t *items = json_array();

	event_put(b, ev, "weighed", json_boolean(in->weighed));
	event_put(b, ev, "weight_g",
		  in->weighed ? json_integer(in->weight_g) : json_null());
	if (er)
		event_put(b, ev, "expected_weight_g",
			  json_integer(expected_return_weight_g(er)));
	event_put(b, ev, "photos", json_integer(f->photos));
	event_put(b, ev, "photo_list", event_photo_list(b, f));
	event_put(b, ev, "wrong_item", json_boolean(in->wrong_item));
	for (int i = 0;
	     er && i < er->n_items && i < in->n_items && i < RETURN_MAX_ITEMS;
	     i++) {
		const struct found_item *it = &in->items[i];
		json_t *line = json_object();

		event_put(b, line, "sku",
			  event_text(b, "sku", er->items[i].sku));
		if (er->items[i].shop_line_id[0])
			event_put(b, line, "shop_line_id",
				  event_text(b, "shop_line_id",
					     er->items[i].shop_line_id));
		event_put(b, line, "expected",
			  json_integer(er->items[i].quantity));
		event_put(b, line, "found", json_integer(it->quantity));
		event_put(b, line, "gtin_matched",
			  json_boolean(it->gtin_matched));
		event_put(b, line, "grade", json_string(grade_name(it->grade)));
		event_put(b, line, "seal_broken",
			  json_boolean(it->seal_broken));
		event_put(b, line, "buyer_damage",
			  json_boolean(it->buyer_damage));
		event_put(b, line, "defect", json_boolean(it->defect));
		event_put(b, line, "handled_beyond_trial",
			  json_boolean(it->handled_beyond_trial));
		event_append(b, items, line);
	}
	event_put(b, ev, "items", items);
}

static int event_dump(struct event_build *b, json_t *ev, char **body)
{
	if (!b->r) {
		*body = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
		if (!*body)
			event_fail(b, -ENOMEM, "out of memory");
	}
	json_decref(ev);
	return b->r;
}

int event_parcel_render(const struct event_parcel_facts *f, char **body,
			char *err, size_t errlen)
{
	struct event_build b = {.err = err, .errlen = errlen};
	bool inspected;
	json_t *ev;

	if (errlen)
		err[0] = '\0';
	if (!f || !body) {
		event_fail(&b, -EINVAL, "nothing to render");
		return b.r;
	}
	*body = NULL;
	inspected = f->type && !strcmp(f->type, EVENT_RETURN_INSPECTED);
	if (!f->type ||
	    (!inspected && strcmp(f->type, EVENT_RETURN_RECEIVED) &&
	     strcmp(f->type, EVENT_RETURN_CANCELLED)) ||
	    (inspected && !f->found)) {
		event_fail(&b, -EINVAL, "'%s' is not a parcel's event",
			   f->type ? f->type : "");
		return b.r;
	}
	ev = json_object();
	if (!ev) {
		event_fail(&b, -ENOMEM, "out of memory");
		return b.r;
	}
	event_parcel_envelope(&b, ev, f);
	if (inspected)
		event_inspection(&b, ev, f);
	return event_dump(&b, ev, body);
}

int event_refund_outcome_render(const struct event_refund_outcome *o,
				char **body, char *err, size_t errlen)
{
	struct event_build b = {.err = err, .errlen = errlen};
	const struct event_facts *f;
	const struct expected_return *er;
	char when[CIVIL_TIME_RFC3339_LEN] = "";
	bool ok;
	json_t *ev;

	if (errlen)
		err[0] = '\0';
	if (!o || !body) {
		event_fail(&b, -EINVAL, "nothing to render");
		return b.r;
	}
	*body = NULL;
	ok = o->type && !strcmp(o->type, EVENT_REFUND_SUCCEEDED);
	if (!o->type || (!ok && strcmp(o->type, EVENT_REFUND_FAILED))) {
		event_fail(&b, -EINVAL, "'%s' is not a refund's outcome",
			   o->type ? o->type : "");
		return b.r;
	}
	ev = json_object();
	if (!ev) {
		event_fail(&b, -ENOMEM, "out of memory");
		return b.r;
	}
	f = o->refund;
	er = f ? f->expected : NULL;
	civil_time_format_rfc3339(o->at, when, sizeof(when));
	event_put(&b, ev, "type", event_text(&b, "type", o->type));
	event_put(&b, ev, "id", event_text(&b, "id", o->id));
	event_put(&b, ev, "shop", event_text(&b, "shop", f ? f->shop : ""));
	event_put(&b, ev, "station",
		  event_text(&b, "station", f ? f->station : ""));
	event_put(&b, ev, "receipt", json_integer(o->receipt));
	event_put(&b, ev, "code", event_text(&b, "code", f ? f->code : ""));
	event_put(&b, ev, "rma", event_text(&b, "rma", er ? er->rma : ""));
	event_put(&b, ev, "order",
		  event_text(&b, "order", er ? er->order_ref : ""));
	if (er && er->shop_order_id[0])
		event_put(&b, ev, "shop_order_id",
			  event_text(&b, "shop_order_id", er->shop_order_id));
	event_put(&b, ev, "refund", event_text(&b, "refund", o->refund_id));
	event_put(&b, ev, "refund_key",
		  event_text(&b, "refund_key", o->refund_key));
	event_put(&b, ev, "amount_minor",
		  json_integer(f ? f->refund_minor : 0));
	event_put(&b, ev, "currency",
		  event_text(&b, "currency", f ? f->currency : ""));
	event_put(&b, ev, "attempts", json_integer(o->attempts));
	event_put(&b, ev, "at", json_string(when));
	if (ok)
		event_put(
		    &b, ev, "shop_refund_id",
		    o->shop_refund_id && o->shop_refund_id[0]
			? event_text(&b, "shop_refund_id", o->shop_refund_id)
			: json_null());
	else
		event_put(&b, ev, "message",
			  event_text(&b, "message", o->message));
	return event_dump(&b, ev, body);
}
