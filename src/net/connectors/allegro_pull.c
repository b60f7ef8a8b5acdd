/* SPDX-License-Identifier: MIT */
/*
 * The allegro connector's pull: GET /order/customer-returns, then each
 * return's checkout form (GET /order/checkout-forms/{id}) for its payment,
 * line ids and prices, mapped into expected returns.  The cursor (the last
 * return's id) moves only once every return of its page is out.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "allegro_internal.h"
#include "retour/connector.h"
#include "retour/decision.h"

/* ---- expected returns pulled in ----------------------------------------- */

int allegro_pull_build(void *state, const char *cursor, int64_t now_us,
		       struct connector_request *req, char *err, size_t errlen)
{
	struct allegro_state *as = state;
	json_t *head = json_array_get(as->queue, 0);
	int n;

	memset(req, 0, sizeof(*req));
	if (!allegro_ready(as, err, errlen))
		return -EAGAIN;
	req->method = CONNECTOR_GET;
	if (head) {
		n = snprintf(req->url, sizeof(req->url),
			     "%s/order/checkout-forms/", as->api_url);
		if (n < 0 || (size_t)n >= sizeof(req->url) ||
		    !connector_percent_append(req->url, sizeof(req->url),
					      allegro_str(head, "orderId"))) {
			snprintf(err, errlen, "the order's URL is too long");
			return -EINVAL;
		}
		as->pull_step = ALLEGRO_PULL_DETAIL;
		if (allegro_headers(as, req, ALLEGRO_MEDIA, false) < 0)
			return allegro_nomem(req, err, errlen);
		return 0;
	}
	n = snprintf(req->url, sizeof(req->url),
		     "%s/order/customer-returns?limit=%d&", as->api_url,
		     ALLEGRO_PULL_LIMIT);
	if (n < 0 || (size_t)n >= sizeof(req->url) - 64) {
		snprintf(err, errlen, "api_url is too long");
		return -EINVAL;
	}
	if (cursor && cursor[0]) {
		strcat(req->url, "from=");
		if (!connector_percent_append(req->url, sizeof(req->url),
					      cursor)) {
			snprintf(err, errlen, "the cursor is too long");
			return -EINVAL;
		}
	} else {
		time_t since = (time_t)(now_us / 1000000) -
			       (time_t)as->pull_days * 24 * 3600;
		struct tm tm;
		char date[40];

		gmtime_r(&since, &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
		strcat(req->url, "createdAt.gte=");
		connector_percent_append(req->url, sizeof(req->url), date);
	}
	as->pull_step = ALLEGRO_PULL_LIST;
	if (allegro_headers(as, req, ALLEGRO_BETA_MEDIA, false) < 0)
		return allegro_nomem(req, err, errlen);
	return 0;
}

/* A printable id of at most @max - 1 bytes. */
static bool allegro_id_ok(const char *id, size_t max)
{
	return id && allegro_token_ok(id) && strlen(id) < max;
}

/* The list's returns worth a detail request go to the queue. */
static int allegro_pull_list(struct allegro_state *as, const char *cursor,
			     json_t *root, char *next, size_t nextlen,
			     bool *more, char *err, size_t errlen)
{
	json_t *list = json_object_get(root, "customerReturns"), *r;
	const char *last = NULL;
	size_t i;

	if (!json_is_array(list)) {
		snprintf(err, errlen, "Allegro's returns: no customerReturns");
		return -EINVAL;
	}
	json_decref(as->queue);
	as->queue = json_array();
	if (!as->queue) {
		snprintf(err, errlen, "out of memory");
		return -EAGAIN;
	}
	json_array_foreach(list, i, r)
	{
		const char *id = allegro_str(r, "id");

		if (!allegro_id_ok(id, 64))
			continue;
		/* the cursor moves past every return, mapped or not */
		last = id;
		if (!allegro_id_ok(allegro_str(r, "orderId"), 64) ||
		    !json_is_array(json_object_get(r, "items")) ||
		    json_array_size(as->queue) >= ALLEGRO_QUEUE_MAX)
			continue;
		if (json_array_append(as->queue, r) < 0) {
			snprintf(err, errlen, "out of memory");
			return -EAGAIN;
		}
	}
	snprintf(as->queue_cursor, sizeof(as->queue_cursor), "%s",
		 last	  ? last
		 : cursor ? cursor
			  : "");
	as->queue_more = json_array_size(list) >= ALLEGRO_PULL_LIMIT && last;
	/* the cursor stays until every queued return is out */
	if (json_array_size(as->queue) > 0) {
		snprintf(next, nextlen, "%s", cursor ? cursor : "");
		*more = true;
	} else {
		snprintf(next, nextlen, "%s", as->queue_cursor);
		*more = as->queue_more;
	}
	return 0;
}

/* The minor units of a {amount, currency} price in @currency, -1: none. */
static int64_t allegro_price(json_t *price, const char *currency)
{
	const char *amount = allegro_str(price, "amount");
	const char *cur = allegro_str(price, "currency");
	int64_t minor;

	if (!amount || !cur || strcmp(cur, currency) != 0 ||
	    connector_amount_parse(amount, currency, &minor) < 0 || minor < 0)
		return -1;
	return minor;
}

/* The seller's SKU of a checkout-form line, else the offer id. */
static const char *allegro_line_sku(json_t *line, char *buf, size_t len)
{
	json_t *offer = json_object_get(line, "offer");
	const char *ext = allegro_str(json_object_get(offer, "external"), "id");
	const char *oid = allegro_str(offer, "id");

	if (allegro_id_ok(ext, 48))
		return ext;
	if (!allegro_id_ok(oid, 40))
		return NULL;
	snprintf(buf, len, "offer-%s", oid);
	return buf;
}

/*
 * One return and its checkout form as an expected return, or NULL when
 * they cannot make a whole one.
 */
static json_t *allegro_map_return(json_t *ret, json_t *form)
{
	json_t *out = NULL, *items = NULL, *lines = NULL, *codes = NULL;
	json_t *it, *line, *lineitems = json_object_get(form, "lineItems");
	const char *pay = allegro_str(json_object_get(form, "payment"), "id");
	const char *rma = allegro_str(ret, "referenceNumber");
	const char *currency = NULL, *created = allegro_str(ret, "createdAt");
	json_t *cost =
	    json_object_get(json_object_get(form, "delivery"), "cost");
	char skubuf[64];
	size_t i, j;
	int64_t dcost;

	if (!allegro_id_ok(rma, 48))
		rma = allegro_str(ret, "id");
	if (!allegro_id_ok(pay, 64) || !json_is_array(lineitems) ||
	    !allegro_id_ok(rma, 48))
		return NULL;
	currency = allegro_str(
	    json_object_get(json_object_get(form, "summary"), "totalToPay"),
	    "currency");
	if (!currency)
		currency = allegro_str(
		    json_object_get(json_array_get(lineitems, 0), "price"),
		    "currency");
	if (!currency ||
	    connector_amount_text(0, currency, skubuf, sizeof(skubuf)) < 0)
		return NULL;
	items = json_array();
	lines = json_array();
	codes = json_array();
	out = json_object();
	if (!items || !lines || !codes || !out)
		goto bad;
	json_array_foreach(lineitems, j, line)
	{
		const char *sku =
		    allegro_line_sku(line, skubuf, sizeof(skubuf));
		json_t *q = json_object_get(line, "quantity");

		if (!sku || !json_is_integer(q) || json_integer_value(q) < 1 ||
		    json_array_size(lines) >= 32 ||
		    json_array_append_new(
			lines, json_pack("{s:s,s:I}", "sku", sku, "quantity",
					 json_integer_value(q))) < 0)
			goto bad;
	}
	json_array_foreach(json_object_get(ret, "items"), i, it)
	{
		const char *offer = allegro_str(it, "offerId");
		json_t *q = json_object_get(it, "quantity"), *match = NULL;
		const char *sku, *name, *lid;
		int64_t price;

		json_array_foreach(lineitems, j, line)
		{
			const char *oid =
			    allegro_str(json_object_get(line, "offer"), "id");

			if (offer && oid && !strcmp(offer, oid)) {
				match = line;
				break;
			}
		}
		if (!match || !json_is_integer(q) ||
		    json_integer_value(q) < 1 || json_integer_value(q) > 999 ||
		    json_array_size(items) >= RETURN_MAX_ITEMS)
			goto bad;
		sku = allegro_line_sku(match, skubuf, sizeof(skubuf));
		lid = allegro_str(match, "id");
		price =
		    allegro_price(json_object_get(match, "price"), currency);
		name = allegro_str(json_object_get(match, "offer"), "name");
		if (!sku || !allegro_id_ok(lid, 64) || price < 0)
			goto bad;
		json_t *item =
		    json_pack("{s:s,s:I,s:I,s:s}", "sku", sku, "quantity",
			      json_integer_value(q), "unit_price_minor",
			      (json_int_t)price, "shop_line_id", lid);
		if (!item || json_array_append_new(items, item) < 0)
			goto bad;
		if (name && strlen(name) < 120)
			json_object_set_new(item, "name", json_string(name));
	}
	if (json_array_size(items) == 0)
		goto bad;
	json_array_foreach(json_object_get(ret, "parcels"), i, it)
	{
		const char *wb = allegro_str(it, "waybill");

		if (allegro_id_ok(wb, 48) && json_array_size(codes) < 4)
			json_array_append_new(codes, json_string(wb));
	}
	if (json_object_set_new(out, "rma", json_string(rma)) < 0 ||
	    json_object_set_new(out, "order",
				json_string(allegro_str(ret, "orderId"))) < 0 ||
	    json_object_set_new(out, "kind", json_string("withdrawal")) < 0 ||
	    json_object_set_new(out, "shop_order_id",
				json_string(allegro_str(ret, "orderId"))) < 0 ||
	    json_object_set_new(out, "shop_payment_id", json_string(pay)) < 0 ||
	    json_object_set_new(out, "currency", json_string(currency)) < 0 ||
	    json_object_set(out, "lookup_codes", codes) < 0 ||
	    json_object_set(out, "items", items) < 0 ||
	    json_object_set(out, "order_lines", lines) < 0)
		goto bad;
	if (created && strlen(created) < 40 &&
	    json_object_set_new(out, "requested_at", json_string(created)) < 0)
		goto bad;
	dcost = allegro_price(cost, currency);
	if (dcost >= 0 && (json_object_set_new(out, "delivery_basic_minor",
					       json_integer(dcost)) < 0 ||
			   json_object_set_new(out, "delivery_paid_minor",
					       json_integer(dcost)) < 0))
		goto bad;
	json_decref(items);
	json_decref(lines);
	json_decref(codes);
	return out;
bad:
	json_decref(items);
	json_decref(lines);
	json_decref(codes);
	json_decref(out);
	return NULL;
}

int allegro_pull_parse(void *state, const char *cursor,
		       const struct connector_answer *a, int64_t now_us,
		       json_t *returns, char *next, size_t nextlen, bool *more,
		       char *err, size_t errlen)
{
	struct allegro_state *as = state;
	json_t *root, *head, *mapped;
	char jerr[120];
	int r = 0;

	(void)now_us;
	*more = false;
	snprintf(next, nextlen, "%s", cursor ? cursor : "");
	if (a->status == 401)
		connector_secret_free(&as->access_token);
	if (as->pull_step == ALLEGRO_PULL_DETAIL && a->status == 404 &&
	    json_array_size(as->queue) > 0) {
		/* the order is gone: that return cannot be made whole */
		json_array_remove(as->queue, 0);
		goto advance;
	}
	if (a->status < 200 || a->status > 299) {
		allegro_error_text(err, errlen, a->status, a);
		return allegro_transient(a->status) || a->status == 401
			   ? -EAGAIN
			   : -EINVAL;
	}
	root = connector_answer_json(a, ALLEGRO_ANSWER_MAX, jerr, sizeof(jerr));
	if (!json_is_object(root)) {
		snprintf(err, errlen, "Allegro's answer: %s",
			 root ? "not an object" : jerr);
		json_decref(root);
		return -EINVAL;
	}
	if (as->pull_step == ALLEGRO_PULL_LIST) {
		r = allegro_pull_list(as, cursor, root, next, nextlen, more,
				      err, errlen);
		json_decref(root);
		return r;
	}
	head = json_array_get(as->queue, 0);
	if (!head) {
		json_decref(root);
		return 0;
	}
	mapped = allegro_map_return(head, root);
	json_decref(root);
	if (mapped && json_array_append_new(returns, mapped) < 0) {
		snprintf(err, errlen, "out of memory");
		return -EAGAIN;
	}
	json_array_remove(as->queue, 0);
advance:
	if (json_array_size(as->queue) > 0) {
		*more = true;
		return 0;
	}
	snprintf(next, nextlen, "%s", as->queue_cursor);
	*more = as->queue_more;
	as->pull_step = ALLEGRO_PULL_LIST;
	return 0;
}
