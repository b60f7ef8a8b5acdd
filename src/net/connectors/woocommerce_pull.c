/* SPDX-License-Identifier: MIT */
/*
 * The `woocommerce` connector's pull (see woocommerce.c): orders in the
 * configured status, modified since the cursor, as expected returns.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "retour/decision.h"
#include "woocommerce_internal.h"

/* ---- pulling expected returns ------------------------------------------ */

/* "2026-11-20T10:01:00" (GMT) <-> UTC seconds. */
static int woo_time_parse(const char *text, int64_t *out)
{
	struct tm tm;
	const char *end;
	time_t t;

	if (!text)
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end ||
	    (*end && strcmp(end, "Z") != 0 && *end != '.' && *end != '|'))
		return -EINVAL;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = (int64_t)t;
	return 0;
}

static void woo_time_text(int64_t secs, char *out, size_t outlen)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(out, outlen, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(out, outlen, "1970-01-01T00:00:00");
}

/*
 * The cursor: "<date_modified_gmt of the newest order seen>|<ids of the
 * orders seen with that very time, comma-separated>".  The next poll asks
 * for orders modified from that second on (the shop's modified_after is
 * strict) and leaves out the ones listed, so that two orders modified in
 * the same second are neither lost nor pulled twice.  When a whole page
 * holds only orders of that second already seen (a bulk status change of
 * more orders than a page), "|page=N" follows: the next request asks that
 * page of the same query, instead of the first one again and again.
 */
#define WOO_PAGE_MAX 1000

struct woo_cursor {
	int64_t at; /* UTC s, 0: none */
	int page;   /* the page to ask for, 1 but after a page of seen */
	char ids[CONNECTOR_URL_LEN];
};

static void woo_cursor_parse(const char *cursor, struct woo_cursor *c)
{
	const char *bar;

	memset(c, 0, sizeof(*c));
	if (!cursor || !cursor[0] || woo_time_parse(cursor, &c->at) < 0) {
		c->at = 0;
		return;
	}
	c->page = 1;
	bar = strchr(cursor, '|');
	if (bar) {
		const char *pg = strstr(bar + 1, "|page=");
		size_t n = pg ? (size_t)(pg - bar - 1) : strlen(bar + 1);
		long p = pg ? strtol(pg + 6, NULL, 10) : 1;

		snprintf(c->ids, sizeof(c->ids), "%.*s", (int)n, bar + 1);
		if (p > 1 && p <= WOO_PAGE_MAX)
			c->page = (int)p;
	}
}

static bool woo_cursor_has(const struct woo_cursor *c, const char *id)
{
	size_t n = strlen(id);
	const char *p = c->ids;

	while ((p = strstr(p, id)) != NULL) {
		if ((p == c->ids || p[-1] == ',') &&
		    (p[n] == ',' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

int woo_pull_build(void *state, const char *cursor, int64_t now_us,
		   struct connector_request *req, char *err, size_t errlen)
{
	const struct woo_state *ws = state;
	struct woo_cursor c;
	char after[32], page[24] = "";

	memset(req, 0, sizeof(*req));
	if (woo_ready(ws, err, errlen) < 0)
		return -EINVAL;
	if (!ws->pull_status[0]) {
		snprintf(err, errlen,
			 "set pull_status (the order status a return "
			 "plugin gives returns) to pull from woocommerce");
		return -EINVAL;
	}
	woo_cursor_parse(cursor, &c);
	woo_time_text(c.at ? c.at - 1 : now_us / 1000000 - WOO_PULL_BACK_S,
		      after, sizeof(after));
	if (c.page > 1)
		snprintf(page, sizeof(page), "&page=%d", c.page);
	req->method = CONNECTOR_GET;
	if (snprintf(req->url, sizeof(req->url),
		     "%s" WOO_API "/orders?status=%s&orderby=modified&order="
		     "asc&dates_are_gmt=true&modified_after=%s&per_page=%d%s",
		     ws->url, ws->pull_status, after, ws->per_page,
		     page) >= (int)sizeof(req->url)) {
		snprintf(err, errlen, "the poll's url is too long");
		return -EINVAL;
	}
	if (woo_auth_headers(ws, req, false) < 0) {
		connector_request_free(req);
		snprintf(err, errlen, "out of memory building the poll");
		return -ENOMEM;
	}
	return 0;
}

/* A WooCommerce decimal ("49.99", "49.990000", "12") in minor units. */
static int woo_money(json_t *v, const char *currency, int64_t *minor)
{
	char text[40];
	const char *s = json_string_value(v);
	size_t n;

	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, i);
		return connector_amount_parse(text, currency, minor);
	}
	if (!s || (n = strlen(s)) == 0 || n >= sizeof(text))
		return -EINVAL;
	memcpy(text, s, n + 1);
	if (strchr(text, '.')) {
		while (n > 0 && text[n - 1] == '0')
			text[--n] = '\0';
		if (n > 0 && text[n - 1] == '.')
			text[--n] = '\0';
	}
	return connector_amount_parse(text, currency, minor);
}

static json_t *woo_time_json(json_t *v)
{
	int64_t t;
	char text[40];

	if (woo_time_parse(json_string_value(v), &t) < 0)
		return json_null();
	woo_time_text(t, text, sizeof(text));
	strcat(text, "Z");
	return json_string(text);
}

static bool woo_text_ok(const char *s, size_t max)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return i < max;
}

/* One order as an expected return, or NULL when it cannot be (left out
 * whole, never half-made). */
static json_t *woo_order_return(json_t *o)
{
	json_t *er = NULL, *items, *lines, *li, *ship;
	const char *currency =
	    json_string_value(json_object_get(o, "currency"));
	const char *number = json_string_value(json_object_get(o, "number"));
	char id[32], rma[48], sid[32];
	int64_t ship_total = 0, ship_tax = 0;
	size_t i;

	if (!woo_ref(json_object_get(o, "id"), id, sizeof(id)) || !currency ||
	    connector_amount_text(0, currency, sid, sizeof(sid)) < 0)
		return NULL;
	li = json_object_get(o, "line_items");
	if (!json_is_array(li) || json_array_size(li) == 0 ||
	    json_array_size(li) > RETURN_MAX_ITEMS)
		return NULL;
	if (woo_money(json_object_get(o, "shipping_total"), currency,
		      &ship_total) < 0 ||
	    woo_money(json_object_get(o, "shipping_tax"), currency, &ship_tax) <
		0 ||
	    ship_total < 0 || ship_tax < 0)
		return NULL;
	snprintf(rma, sizeof(rma), "WC-%s", id);
	er = json_object();
	items = json_array();
	lines = json_array();
	if (!er || !items || !lines)
		goto bad;
	json_array_foreach(li, i, ship)
	{
		json_t *it;
		const char *sku =
		    json_string_value(json_object_get(ship, "sku"));
		const char *name =
		    json_string_value(json_object_get(ship, "name"));
		json_t *q = json_object_get(ship, "quantity");
		int64_t total, tax;
		char lid[32];

		if (!woo_ref(json_object_get(ship, "id"), lid, sizeof(lid)) ||
		    !sku || !sku[0] || !woo_text_ok(sku, RETURN_REF_LEN) ||
		    !json_is_integer(q) || json_integer_value(q) < 1 ||
		    json_integer_value(q) > 100000 ||
		    woo_money(json_object_get(ship, "total"), currency,
			      &total) < 0 ||
		    woo_money(json_object_get(ship, "total_tax"), currency,
			      &tax) < 0 ||
		    total < 0 || tax < 0)
			goto bad;
		it = json_pack(
		    "{s:s,s:I,s:I,s:s}", "sku", sku, "quantity",
		    (json_int_t)json_integer_value(q), "unit_price_minor",
		    (json_int_t)((total + tax) / json_integer_value(q)),
		    "shop_line_id", lid);
		if (!it)
			goto bad;
		if (name && woo_text_ok(name, 10000)) {
			char cut[RETURN_NAME_LEN];

			/* whole UTF-8 characters only */
			size_t n = strlen(name);

			if (n >= sizeof(cut)) {
				n = sizeof(cut) - 1;
				while (n > 0 &&
				       ((unsigned char)name[n] & 0xc0) == 0x80)
					n--;
			}
			memcpy(cut, name, n);
			cut[n] = '\0';
			json_object_set_new(it, "name", json_string(cut));
		}
		json_array_append_new(items, it);
		json_array_append_new(
		    lines, json_pack("{s:s,s:I}", "sku", sku, "quantity",
				     (json_int_t)json_integer_value(q)));
	}
	json_object_set_new(er, "rma", json_string(rma));
	json_object_set_new(
	    er, "order",
	    json_string(number && number[0] &&
				woo_text_ok(number, RETURN_REF_LEN)
			    ? number
			    : id));
	json_object_set_new(er, "kind", json_string("withdrawal"));
	json_object_set_new(er, "shop_order_id", json_string(id));
	ship = json_array_get(json_object_get(o, "shipping_lines"), 0);
	if (ship && woo_ref(json_object_get(ship, "id"), sid, sizeof(sid))) {
		char pid[48];

		snprintf(pid, sizeof(pid), WOO_SHIPPING_PREFIX "%s", sid);
		json_object_set_new(er, "shop_payment_id", json_string(pid));
	}
	json_object_set_new(er, "currency", json_string(currency));
	json_object_set_new(er, "lookup_codes", json_array());
	json_object_set_new(
	    er, "delivered_at",
	    woo_time_json(json_object_get(o, "date_completed_gmt")));
	json_object_set_new(er, "requested_at", json_null());
	json_object_set_new(er, "delivery_basic_minor",
			    json_integer(ship_total + ship_tax));
	json_object_set_new(er, "delivery_paid_minor",
			    json_integer(ship_total + ship_tax));
	json_object_set_new(er, "items", items);
	json_object_set_new(er, "order_lines", lines);
	return er;
bad:
	json_decref(items);
	json_decref(lines);
	json_decref(er);
	return NULL;
}

int woo_pull_parse(void *state, const char *cursor,
		   const struct connector_answer *a, int64_t now_us,
		   json_t *returns, char *next, size_t nextlen, bool *more,
		   char *err, size_t errlen)
{
	const struct woo_state *ws = state;
	struct woo_cursor c, n;
	char jerr[120], when[32], page[24] = "";
	json_t *root, *o;
	size_t i, used;
	bool full;

	(void)now_us;
	*more = false;
	if (nextlen)
		snprintf(next, nextlen, "%s", cursor ? cursor : "");
	if (a->status < 200 || a->status > 299) {
		woo_error_text(a, err, errlen, NULL);
		return woo_retryable(a->status) ? -EAGAIN : -EINVAL;
	}
	root = connector_answer_json(a, 0, jerr, sizeof(jerr));
	if (!json_is_array(root)) {
		snprintf(err, errlen, "woocommerce: the orders: %s",
			 root ? "not a list" : jerr);
		json_decref(root);
		return -EINVAL;
	}
	woo_cursor_parse(cursor, &c);
	n = c;
	json_array_foreach(root, i, o)
	{
		char id[32];
		int64_t at;
		json_t *er;

		if (!json_is_object(o) ||
		    !woo_ref(json_object_get(o, "id"), id, sizeof(id)) ||
		    woo_time_parse(json_string_value(
				       json_object_get(o, "date_modified_gmt")),
				   &at) < 0)
			continue;
		if (at < c.at || (at == c.at && woo_cursor_has(&c, id)))
			continue; /* seen on an earlier poll */
		if (at > n.at) {
			n.at = at;
			n.ids[0] = '\0';
		}
		if (at == n.at) {
			used = strlen(n.ids);
			/* more ids than fit: the oldest is forgotten, and
			 * pulled again at worst (the import replaces by
			 * RMA, never duplicates) */
			if (used + strlen(id) + 2 < sizeof(n.ids))
				snprintf(n.ids + used, sizeof(n.ids) - used,
					 "%s%s", used ? "," : "", id);
		}
		er = woo_order_return(o);
		if (er)
			json_array_append_new(returns, er);
	}
	full = json_array_size(root) >= (size_t)ws->per_page;
	/* A full page of that second only, all seen now: the next page of
	 * the same query (asking the first again would yield the same). */
	if (full && c.at && n.at == c.at && c.page < WOO_PAGE_MAX)
		snprintf(page, sizeof(page), "|page=%d", c.page + 1);
	if (n.at && nextlen) {
		woo_time_text(n.at, when, sizeof(when));
		used = (size_t)snprintf(next, nextlen, "%s|", when);
		if (used + strlen(page) < nextlen) {
			/* whole ids only */
			size_t room = nextlen - used - strlen(page) - 1,
			       k = strlen(n.ids);

			while (k > room) {
				char *comma = strrchr(n.ids, ',');

				if (!comma) {
					k = 0;
					break;
				}
				*comma = '\0';
				k = strlen(n.ids);
			}
			snprintf(next + used, nextlen - used, "%.*s%s", (int)k,
				 n.ids, page);
		}
	}
	/* a full page, and the cursor moved: the next page at once */
	*more = nextlen && full && strcmp(next, cursor ? cursor : "") != 0;
	json_decref(root);
	return 0;
}
