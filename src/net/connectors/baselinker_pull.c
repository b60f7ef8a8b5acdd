/* SPDX-License-Identifier: MIT */
/*
 * The baselinker connector's pull: getOrderReturns from a cursor
 * "id:<next return id>" (date_from on the first poll), each return mapped
 * into an expected return whole or left out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "baselinker_internal.h"
#include "retour/connector.h"

/* ---- expected returns pulled ----------------------------------------------
 */

#define BL_CURSOR_PREFIX "id:"

static int bl_cursor(const char *cursor, long long *id_from)
{
	*id_from = 0;
	if (!cursor || !cursor[0])
		return 0;
	if (strncmp(cursor, BL_CURSOR_PREFIX, 3) != 0)
		return -EINVAL;
	return bl_digits(cursor + 3, id_from);
}

int bl_pull_build(void *state, const char *cursor, int64_t now_us,
		  struct connector_request *req, char *err, size_t errlen)
{
	struct bl_state *bs = state;
	char params[128], status[48] = "";
	long long id_from;

	memset(req, 0, sizeof(*req));
	if (bl_cursor(cursor, &id_from) < 0) {
		snprintf(err, errlen, "a cursor that is not \"id:<number>\"");
		return -EINVAL;
	}
	if (bs->pull_status_id > 0)
		snprintf(status, sizeof(status), ",\"status_id\":%lld",
			 bs->pull_status_id);
	if (id_from > 0)
		snprintf(params, sizeof(params), "{\"id_from\":%lld%s}",
			 id_from, status);
	else
		snprintf(
		    params, sizeof(params), "{\"date_from\":%" PRId64 "%s}",
		    now_us / 1000000 - (int64_t)bs->pull_days * 86400, status);
	return bl_request(bs, "getOrderReturns", params, req, err, errlen);
}

/* A shop's text for one of the station's reference fields: printable,
 * at most 47 bytes, or NULL. */
static const char *bl_ref_text(const json_t *v)
{
	const char *s;

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > BL_REF_LEN)
		return NULL;
	s = json_string_value(v);
	for (size_t i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return NULL;
	return s;
}

/* GTIN-8/12/13/14 with a right check digit; anything else is left out. */
static bool bl_gtin_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	int sum = 0;

	if (n != 8 && n != 12 && n != 13 && n != 14)
		return false;
	for (size_t i = 0; i < n; i++) {
		int d = s[n - 1 - i] - '0';

		if (d < 0 || d > 9)
			return false;
		if (i > 0)
			sum += (i % 2) ? 3 * d : d;
	}
	return (10 - sum % 10) % 10 == s[n - 1] - '0';
}

static json_t *bl_item(const json_t *p, const char *currency)
{
	json_t *item, *q = json_object_get(p, "quantity");
	const char *sku = bl_ref_text(json_object_get(p, "sku"));
	const char *ean = bl_ref_text(json_object_get(p, "ean"));
	const char *name = bl_ref_text(json_object_get(p, "name"));
	char line[32];
	long long line_id;
	int64_t price;

	if (!json_is_object(p) || !json_is_integer(q) ||
	    json_integer_value(q) < 1 || json_integer_value(q) > 10000 ||
	    bl_json_minor(json_object_get(p, "price_brutto"), currency,
			  &price) < 0 ||
	    bl_json_id(json_object_get(p, "order_return_product_id"),
		       &line_id) < 0)
		return NULL;
	snprintf(line, sizeof(line), "%lld", line_id);
	item = json_pack("{s:I,s:I,s:s}", "quantity",
			 (json_int_t)json_integer_value(q), "unit_price_minor",
			 (json_int_t)price, "shop_line_id", line);
	if (!item)
		return NULL;
	if (sku)
		json_object_set_new(item, "sku", json_string(sku));
	if (ean && bl_gtin_ok(ean))
		json_object_set_new(item, "gtin", json_string(ean));
	if (name)
		json_object_set_new(item, "name", json_string(name));
	if (!sku && !json_object_get(item, "gtin")) {
		json_decref(item);
		return NULL;
	}
	return item;
}

/* One BaseLinker return in the import shape, or NULL when it cannot be
 * mapped whole. */
static json_t *bl_expected(const json_t *r)
{
	json_t *er = NULL, *items, *products, *p, *v;
	char rma[32], order[32], ret[32], when[32];
	long long return_id, order_id, t;
	const char *cur, *pkg;
	int64_t delivery;
	struct tm tm;
	size_t i;

	if (bl_json_id(json_object_get(r, "return_id"), &return_id) < 0 ||
	    bl_json_id(json_object_get(r, "order_id"), &order_id) < 0)
		return NULL;
	cur = bl_body_text((json_t *)r, "currency");
	if (!cur || strlen(cur) != 3 || bl_exponent(cur) < 0)
		return NULL;
	products = json_object_get(r, "products");
	if (!json_is_array(products) || json_array_size(products) == 0 ||
	    json_array_size(products) > BL_MAX_ITEMS)
		return NULL;
	items = json_array();
	if (!items)
		return NULL;
	json_array_foreach(products, i, p)
	{
		json_t *item = bl_item(p, cur);

		if (!item || json_array_append_new(items, item) < 0) {
			json_decref(items);
			return NULL;
		}
	}
	snprintf(rma, sizeof(rma), "BL-%lld", return_id);
	snprintf(order, sizeof(order), "%lld", order_id);
	snprintf(ret, sizeof(ret), "%lld", return_id);
	er = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "rma", rma, "order",
		       order, "kind", "withdrawal", "currency", cur,
		       "shop_order_id", order, "shop_payment_id", ret, "items",
		       items);
	if (!er)
		return NULL;
	v = json_object_get(r, "delivery_price");
	if (v && bl_json_minor(v, cur, &delivery) == 0) {
		json_object_set_new(er, "delivery_basic_minor",
				    json_integer(delivery));
		json_object_set_new(er, "delivery_paid_minor",
				    json_integer(delivery));
	}
	v = json_object_get(r, "date_add");
	if (json_is_integer(v) && (t = json_integer_value(v)) > 0 &&
	    t < 32503680000LL) {
		time_t tt = (time_t)t;

		/* a 32-bit time_t (armhf) would wrap a date past 2038 to
		 * 1901: such a date is left out, not written wrong */
		if ((json_int_t)tt == t && gmtime_r(&tt, &tm) &&
		    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
			json_object_set_new(er, "requested_at",
					    json_string(when));
	}
	pkg = bl_ref_text(json_object_get(r, "delivery_package_nr"));
	if (pkg)
		json_object_set_new(er, "lookup_codes", json_pack("[s]", pkg));
	return er;
}

int bl_pull_parse(void *state, const char *cursor,
		  const struct connector_answer *a, int64_t now_us,
		  json_t *returns, char *next, size_t nextlen, bool *more,
		  char *err, size_t errlen)
{
	long long id_from, id, top;
	json_t *root, *list, *r;
	size_t i;
	int rc = 0;

	(void)state;
	(void)now_us;
	*more = false;
	if (nextlen)
		snprintf(next, nextlen, "%s", cursor ? cursor : "");
	if (bl_cursor(cursor, &id_from) < 0) {
		snprintf(err, errlen, "a cursor that is not \"id:<number>\"");
		return -EINVAL;
	}
	switch (bl_answer(a, &root, err, errlen)) {
	case BL_SUCCESS:
		break;
	case BL_HTTP_RETRY:
	case BL_BLOCKED:
		return -EAGAIN;
	default:
		return -EINVAL;
	}
	list = json_object_get(root, "returns");
	if (!json_is_array(list)) {
		snprintf(err, errlen,
			 "BaseLinker's answer has no returns list");
		json_decref(root);
		return -EINVAL;
	}
	top = id_from > 0 ? id_from - 1 : 0;
	json_array_foreach(list, i, r)
	{
		json_t *er;

		if (!json_is_object(r) ||
		    bl_json_id(json_object_get(r, "return_id"), &id) < 0)
			continue;
		/* id_from counts from that id on: anything before it was
		 * taken by an earlier poll */
		if (id < id_from)
			continue;
		if (id > top)
			top = id;
		er = bl_expected(r);
		if (er && json_array_append_new(returns, er) < 0) {
			rc = -ENOMEM;
			break;
		}
	}
	if (rc == 0 && top > 0 && top < 999999999999999999LL && nextlen)
		snprintf(next, nextlen, BL_CURSOR_PREFIX "%lld", top + 1);
	*more = rc == 0 && json_array_size(list) >= BL_PAGE;
	json_decref(root);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}
