/* SPDX-License-Identifier: MIT */
/*
 * Expected returns as the API and retourctl show them (store.h): one with
 * its items, codes and what was received of it, and the list.  Read only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/returns.h"

#include "db.h"

/* @name and @name_us, both null when the date is unknown (0). */
static void store_expected_json_time(json_t *o, const char *name, int64_t us)
{
	char text[CIVIL_TIME_RFC3339_LEN], twin[48];

	snprintf(twin, sizeof(twin), "%s_us", name);
	if (!us) {
		json_object_set_new(o, name, json_null());
		json_object_set_new(o, twin, json_null());
		return;
	}
	store_time_rfc3339(us, text, sizeof(text));
	json_object_set_new(o, name, json_string(text));
	json_object_set_new(o, twin, json_integer(us));
}

static void store_expected_json_lines(json_t *o,
				      const struct expected_return *er)
{
	json_t *lines = json_array();

	for (int l = 0; lines && l < er->n_order_lines; l++) {
		const struct order_line *ol = &er->order_lines[l];
		json_t *line =
		    json_pack("{s:i}", "quantity", (int)ol->quantity);

		if (line && ol->sku[0])
			json_object_set_new(line, "sku", json_string(ol->sku));
		if (line && ol->gtin[0])
			json_object_set_new(line, "gtin",
					    json_string(ol->gtin));
		json_array_append_new(lines, line);
	}
	json_object_set_new(o, "order_lines", lines ? lines : json_null());
}

static json_t *store_expected_json(const struct expected_return *er,
				   sqlite3_stmt *st)
{
	json_t *o, *items, *codes;
	char text[CIVIL_TIME_RFC3339_LEN];

	o = json_object();
	items = json_array();
	codes = json_array();
	if (!o || !items || !codes) {
		json_decref(o);
		json_decref(items);
		json_decref(codes);
		return NULL;
	}
	json_object_set_new(o, "id", json_integer(er->id));
	json_object_set_new(o, "rma", json_string(er->rma));
	json_object_set_new(o, "order", json_string(er->order_ref));
	json_object_set_new(o, "shop", json_string(er->shop));
	json_object_set_new(o, "shop_order_id", json_string(er->shop_order_id));
	json_object_set_new(o, "shop_payment_id",
			    json_string(er->shop_payment_id));
	json_object_set_new(o, "kind", json_string(return_kind_name(er->kind)));
	json_object_set_new(o, "currency", json_string(er->currency));
	store_time_rfc3339(er->delivered_at, text, sizeof(text));
	json_object_set_new(o, "delivered_at", json_string(text));
	json_object_set_new(o, "delivered_at_us",
			    json_integer(er->delivered_at));
	if (er->requested_at) {
		store_time_rfc3339(er->requested_at, text, sizeof(text));
		json_object_set_new(o, "requested_at", json_string(text));
		json_object_set_new(o, "requested_at_us",
				    json_integer(er->requested_at));
	} else {
		json_object_set_new(o, "requested_at", json_null());
		json_object_set_new(o, "requested_at_us", json_null());
	}
	json_object_set_new(o, "delivery_basic_minor",
			    json_integer(er->delivery_basic_minor));
	json_object_set_new(o, "delivery_paid_minor",
			    er->delivery_paid_known
				? json_integer(er->delivery_paid_minor)
				: json_null());
	store_expected_json_time(o, "complaint_received_at",
				 er->complaint_received_at);
	store_expected_json_time(o, "defect_appeared_at",
				 er->defect_appeared_at);
	store_expected_json_lines(o, er);
	store_json_set_time(o, "created_at", st, 9);
	store_json_set_time(o, "updated_at", st, 10);
	/* called off by the shop: kept, no longer matched at the desk */
	store_json_set_time(o, "cancelled_at", st, 17);
	for (int i = 0; i < er->n_lookup_codes; i++)
		json_array_append_new(codes, json_string(er->lookup_codes[i]));
	json_object_set_new(o, "lookup_codes", codes);
	for (int i = 0; i < er->n_items; i++) {
		const struct return_item *it = &er->items[i];

		json_array_append_new(
		    items,
		    json_pack(
			"{s:s?,s:s?,s:s?,s:s?,s:i,s:I,s:i,s:b,s:b,"
			"s:b,s:b,s:s?}",
			"sku", it->sku, "gtin", it->gtin, "name", it->name,
			"category", it->category, "quantity", (int)it->quantity,
			"unit_price_minor", (json_int_t)it->unit_price_minor,
			"weight_g", (int)it->weight_g, "personalised",
			it->personalised, "made_to_order", it->made_to_order,
			"perishable", it->perishable, "sealed_hygiene",
			it->sealed_hygiene, "shop_line_id", it->shop_line_id));
	}
	json_object_set_new(o, "items", items);
	return o;
}

/* Expected return @id as the views show it, into *@out, with @er as room
 * to read it in.  -ENOENT when there is none. */
static int store_expected_view_into(struct store *s, int64_t id,
				    struct expected_return *er, json_t **out)
{
	sqlite3_stmt *st;
	int r = store_expected_get(s, id, er);

	if (r < 0)
		return r;
	/* The times the struct lacks come from a fresh read. */
	st = store_stmt(s, STMT_EXP_GET,
			"SELECT " EXPECTED_COLUMNS " FROM expected WHERE id=?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_stmt_done(st);
		return -ENOENT;
	}
	*out = store_expected_json(er, st);
	store_stmt_done(st);
	return *out ? 0 : store_failf(s, -ENOMEM, "out of memory");
}

int store_expected_view(struct store *s, int64_t id, json_t **out)
{
	struct expected_return *er;
	int r;

	if (!s || !out)
		return -EINVAL;
	*out = NULL;
	er = malloc(sizeof(*er));
	if (!er)
		return -ENOMEM;
	r = store_expected_view_into(s, id, er, out);
	free(er);
	return r;
}

int store_expected_list(struct store *s, int limit, json_t **out)
{
	struct expected_return *er;
	sqlite3_stmt *st;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	json_t *arr;
	int rc, r = 0;

	if (!s || !out)
		return -EINVAL;
	*out = NULL;
	/* Collect ids first: expected_get reuses statements. */
	st = store_stmt(s, STMT_EXP_LIST,
			"SELECT id FROM expected "
			"ORDER BY updated_at DESC, id DESC LIMIT ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			int64_t *more;

			cap = cap ? cap * 2 : 32;
			more = realloc(ids, cap * sizeof(*ids));
			if (!more) {
				r = store_failf(s, -ENOMEM, "out of memory");
				break;
			}
			ids = more;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (!r && rc != SQLITE_DONE)
		r = store_fail(s, rc);
	store_stmt_done(st);

	er = malloc(sizeof(*er));
	arr = json_array();
	if (!r && (!er || !arr))
		r = store_failf(s, -ENOMEM, "out of memory");
	for (size_t i = 0; !r && i < n; i++) {
		json_t *o = NULL;

		r = store_expected_view_into(s, ids[i], er, &o);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (!r && json_array_append_new(arr, o) < 0)
			r = store_failf(s, -ENOMEM, "out of memory");
	}
	free(er);
	free(ids);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}
