/* SPDX-License-Identifier: MIT */
/*
 * Expected returns from JSON, shared by the daemon's import endpoint and
 * retourctl.  Every field is checked for type, range and length before it is
 * copied; the first problem ends the parse with a message that names the
 * field the way the sender wrote it ("returns[1].items[0].gtin").
 *
 * Deliberately not here: storing, matching, judging.  Nothing is guessed: a
 * number in a string, 49.99 for a price, "yes" for a boolean are errors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/code.h"
#include "retour/expected_json.h"
#include "expected_json_field.h"

static int expected_json_item(struct expected_json_ctx *ctx, json_t *obj,
			      int index, struct return_item *it)
{
	static const char *const allowed[] = {
	    "sku",	     "gtin",	   "name",
	    "category",	     "quantity",   "unit_price_minor",
	    "unit_price",    "weight_g",   "personalised",
	    "made_to_order", "perishable", "sealed_hygiene",
	    "shop_line_id",  NULL,
	};
	char prefix[32], field[EXPECTED_JSON_FIELD_LEN];
	int64_t n = 0;
	const char *used = "unit_price_minor";
	json_t *price;
	int r;

	snprintf(prefix, sizeof(prefix), "items[%d].", index);
	if (!json_is_object(obj)) {
		snprintf(field, sizeof(field), "items[%d]", index);
		return expected_json_fail(ctx, field,
					  "expected an object, got %s",
					  expected_json_type_name(obj));
	}
	r = expected_json_only_keys(ctx, obj, prefix, allowed);
	if (r < 0)
		return r;

#define EXPECTED_JSON_FIELD(name)                                              \
	(snprintf(field, sizeof(field), "%s%s", prefix, (name)), field)
	r = expected_json_text(ctx, json_object_get(obj, "sku"),
			       EXPECTED_JSON_FIELD("sku"), false,
			       EXPECTED_JSON_REF, it->sku, sizeof(it->sku));
	if (r < 0)
		return r;
	r = expected_json_gtin(ctx, json_object_get(obj, "gtin"),
			       EXPECTED_JSON_FIELD("gtin"), it->gtin,
			       sizeof(it->gtin));
	if (r < 0)
		return r;
	if (!it->sku[0] && !it->gtin[0])
		return expected_json_fail(ctx, EXPECTED_JSON_FIELD("sku"),
					  "missing (an item needs a sku or a "
					  "gtin)");
	r = expected_json_text(ctx, json_object_get(obj, "name"),
			       EXPECTED_JSON_FIELD("name"), false,
			       EXPECTED_JSON_TEXT, it->name, sizeof(it->name));
	if (r < 0)
		return r;
	r = expected_json_text(ctx, json_object_get(obj, "category"),
			       EXPECTED_JSON_FIELD("category"), false,
			       EXPECTED_JSON_TEXT, it->category,
			       sizeof(it->category));
	if (r < 0)
		return r;
	r = expected_json_int(ctx, json_object_get(obj, "quantity"),
			      EXPECTED_JSON_FIELD("quantity"), true, 1,
			      EXPECTED_JSON_MAX_QUANTITY, &n);
	if (r < 0)
		return r;
	it->quantity = (int32_t)n;
	price = expected_json_either(ctx, obj, prefix, "unit_price_minor",
				     "unit_price", &used, &r);
	if (r < 0)
		return r;
	r = expected_json_int(ctx, price, EXPECTED_JSON_FIELD(used), true, 0,
			      EXPECTED_JSON_MAX_MINOR, &it->unit_price_minor);
	if (r < 0)
		return r;
	n = 0;
	r = expected_json_int(ctx, json_object_get(obj, "weight_g"),
			      EXPECTED_JSON_FIELD("weight_g"), false, 0,
			      EXPECTED_JSON_MAX_WEIGHT_G, &n);
	if (r < 0)
		return r;
	it->weight_g = (int32_t)n;
	r = expected_json_bool(ctx, json_object_get(obj, "personalised"),
			       EXPECTED_JSON_FIELD("personalised"),
			       &it->personalised);
	if (r == 0)
		r = expected_json_bool(
		    ctx, json_object_get(obj, "made_to_order"),
		    EXPECTED_JSON_FIELD("made_to_order"), &it->made_to_order);
	if (r == 0)
		r = expected_json_bool(ctx, json_object_get(obj, "perishable"),
				       EXPECTED_JSON_FIELD("perishable"),
				       &it->perishable);
	if (r == 0)
		r = expected_json_bool(
		    ctx, json_object_get(obj, "sealed_hygiene"),
		    EXPECTED_JSON_FIELD("sealed_hygiene"), &it->sealed_hygiene);
	if (r == 0)
		r = expected_json_text(
		    ctx, json_object_get(obj, "shop_line_id"),
		    EXPECTED_JSON_FIELD("shop_line_id"), false,
		    EXPECTED_JSON_TEXT, it->shop_line_id,
		    sizeof(it->shop_line_id));
#undef EXPECTED_JSON_FIELD
	return r;
}

static int expected_json_lookup_codes(struct expected_json_ctx *ctx, json_t *v,
				      struct expected_return *er)
{
	char field[EXPECTED_JSON_FIELD_LEN];
	size_t i;
	json_t *code;
	int r;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return expected_json_fail(ctx, "lookup_codes",
					  "expected an array of strings, got "
					  "%s",
					  expected_json_type_name(v));
	if (json_array_size(v) > RETURN_MAX_LOOKUP_CODES)
		return expected_json_fail(
		    ctx, "lookup_codes", "%zu codes (at most %d)",
		    json_array_size(v), RETURN_MAX_LOOKUP_CODES);
	json_array_foreach(v, i, code)
	{
		snprintf(field, sizeof(field), "lookup_codes[%zu]", i);
		r = expected_json_text(ctx, code, field, true,
				       EXPECTED_JSON_REF, er->lookup_codes[i],
				       sizeof(er->lookup_codes[i]));
		if (r < 0)
			return r;
	}
	er->n_lookup_codes = (int)json_array_size(v);
	return 0;
}

static int expected_json_currency(struct expected_json_ctx *ctx, json_t *v,
				  char cur[4])
{
	int r = expected_json_text(ctx, v, "currency", true, EXPECTED_JSON_REF,
				   cur, 4);

	if (r < 0)
		return r;
	for (int i = 0; i < 3; i++)
		if (cur[i] < 'A' || cur[i] > 'Z')
			return expected_json_fail(ctx, "currency",
						  "\"%s\" is not an ISO 4217 "
						  "code (three capital "
						  "letters, like PLN)",
						  cur);
	return 0;
}

static int expected_json_items(struct expected_json_ctx *ctx, json_t *v,
			       struct expected_return *er)
{
	size_t i;
	json_t *item;
	int r;

	if (!v)
		return expected_json_fail(ctx, "items", "missing");
	if (!json_is_array(v))
		return expected_json_fail(ctx, "items",
					  "expected an array, got %s",
					  expected_json_type_name(v));
	if (json_array_size(v) < 1 || json_array_size(v) > RETURN_MAX_ITEMS)
		return expected_json_fail(ctx, "items",
					  "%zu items (1 to %d allowed)",
					  json_array_size(v), RETURN_MAX_ITEMS);
	json_array_foreach(v, i, item)
	{
		r = expected_json_item(ctx, item, (int)i, &er->items[i]);
		if (r < 0)
			return r;
	}
	er->n_items = (int)json_array_size(v);
	return 0;
}

/* The dates and amounts consumer law judges by (rules.h). */
static int expected_json_law(struct expected_json_ctx *ctx, json_t *obj,
			     const struct rules_policy *policy,
			     struct expected_return *er)
{
	json_t *paid = json_object_get(obj, "delivery_paid_minor");
	int r;

	r = expected_json_time(
	    ctx, json_object_get(obj, "complaint_received_at"),
	    "complaint_received_at", policy, &er->complaint_received_at);
	if (r < 0)
		return r;
	if (er->complaint_received_at && er->kind != RETURN_COMPLAINT)
		return expected_json_fail(ctx, "complaint_received_at",
					  "only a complaint has one (kind is "
					  "%s)",
					  return_kind_name(er->kind));
	r = expected_json_time(ctx, json_object_get(obj, "defect_appeared_at"),
			       "defect_appeared_at", policy,
			       &er->defect_appeared_at);
	if (r < 0)
		return r;
	if (er->defect_appeared_at && er->kind != RETURN_COMPLAINT)
		return expected_json_fail(ctx, "defect_appeared_at",
					  "only a complaint has one (kind is "
					  "%s)",
					  return_kind_name(er->kind));
	if (er->defect_appeared_at && er->delivered_at &&
	    er->defect_appeared_at < er->delivered_at)
		return expected_json_fail(ctx, "defect_appeared_at",
					  "is before delivered_at");
	if (!paid || json_is_null(paid))
		return 0;
	r = expected_json_int(ctx, paid, "delivery_paid_minor", false, 0,
			      EXPECTED_JSON_MAX_MINOR,
			      &er->delivery_paid_minor);
	if (r < 0)
		return r;
	er->delivery_paid_known = true;
	return 0;
}

static int expected_json_order_line(struct expected_json_ctx *ctx, json_t *obj,
				    int index, struct order_line *ol)
{
	static const char *const allowed[] = {"sku", "gtin", "quantity", NULL};
	char prefix[32], field[EXPECTED_JSON_FIELD_LEN];
	int64_t n = 0;
	int r;

	snprintf(prefix, sizeof(prefix), "order_lines[%d].", index);
	if (!json_is_object(obj)) {
		snprintf(field, sizeof(field), "order_lines[%d]", index);
		return expected_json_fail(ctx, field,
					  "expected an object, got %s",
					  expected_json_type_name(obj));
	}
	r = expected_json_only_keys(ctx, obj, prefix, allowed);
	if (r < 0)
		return r;
	snprintf(field, sizeof(field), "%ssku", prefix);
	r = expected_json_text(ctx, json_object_get(obj, "sku"), field, false,
			       EXPECTED_JSON_REF, ol->sku, sizeof(ol->sku));
	if (r < 0)
		return r;
	snprintf(field, sizeof(field), "%sgtin", prefix);
	r = expected_json_gtin(ctx, json_object_get(obj, "gtin"), field,
			       ol->gtin, sizeof(ol->gtin));
	if (r < 0)
		return r;
	if (!ol->sku[0] && !ol->gtin[0]) {
		snprintf(field, sizeof(field), "%ssku", prefix);
		return expected_json_fail(ctx, field,
					  "missing (a line needs a sku or a "
					  "gtin)");
	}
	snprintf(field, sizeof(field), "%squantity", prefix);
	r = expected_json_int(ctx, json_object_get(obj, "quantity"), field,
			      true, 1, EXPECTED_JSON_MAX_QUANTITY, &n);
	if (r < 0)
		return r;
	ol->quantity = (int32_t)n;
	return 0;
}

static int expected_json_order_lines(struct expected_json_ctx *ctx, json_t *v,
				     struct expected_return *er)
{
	size_t i;
	json_t *line;
	int r;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return expected_json_fail(ctx, "order_lines",
					  "expected an array, got %s",
					  expected_json_type_name(v));
	if (json_array_size(v) > RETURN_MAX_ORDER_LINES)
		return expected_json_fail(
		    ctx, "order_lines", "%zu lines (at most %d)",
		    json_array_size(v), RETURN_MAX_ORDER_LINES);
	json_array_foreach(v, i, line)
	{
		r = expected_json_order_line(ctx, line, (int)i,
					     &er->order_lines[i]);
		if (r < 0)
			return r;
	}
	er->n_order_lines = (int)json_array_size(v);
	return 0;
}

/* Every returned item is a line of the order, in no larger a quantity. */
static int expected_json_items_in_order(struct expected_json_ctx *ctx,
					struct expected_return *er)
{
	char field[EXPECTED_JSON_FIELD_LEN];

	if (er->n_order_lines == 0)
		return 0;
	for (int i = 0; i < er->n_items; i++) {
		int l = expected_return_order_line(er, &er->items[i]);

		snprintf(field, sizeof(field), "items[%d]", i);
		if (l < 0)
			return expected_json_fail(ctx, field,
						  "not among order_lines (by "
						  "sku, else gtin)");
		if (er->items[i].quantity > er->order_lines[l].quantity)
			return expected_json_fail(
			    ctx, field,
			    "quantity %d is more than order_lines[%d] "
			    "ordered (%d)",
			    (int)er->items[i].quantity, l,
			    (int)er->order_lines[l].quantity);
	}
	return 0;
}

static int expected_json_fields(struct expected_json_ctx *ctx, json_t *obj,
				const struct rules_policy *policy,
				struct expected_return *er)
{
	static const char *const allowed[] = {
	    "rma",
	    "order",
	    "shop",
	    "shop_order_id",
	    "shop_payment_id",
	    "kind",
	    "lookup_codes",
	    "currency",
	    "delivered_at",
	    "requested_at",
	    "delivery_basic_minor",
	    "delivery_basic",
	    "delivery_paid_minor",
	    "complaint_received_at",
	    "defect_appeared_at",
	    "order_lines",
	    "items",
	    /* read-only twins of a GET answer, ignored */
	    "id",
	    "delivered_at_us",
	    "requested_at_us",
	    "complaint_received_at_us",
	    "defect_appeared_at_us",
	    /* the view's: an import makes the return expected again */
	    "cancelled_at",
	    "cancelled_at_us",
	    NULL,
	};
	const char *used = "delivery_basic_minor";
	char kind[16];
	json_t *v;
	int r;

	if (!json_is_object(obj))
		return expected_json_fail(ctx, "",
					  "an expected return must be a JSON "
					  "object, got %s",
					  expected_json_type_name(obj));
	r = expected_json_only_keys(ctx, obj, "", allowed);
	if (r < 0)
		return r;
	r = expected_json_text(ctx, json_object_get(obj, "rma"), "rma", false,
			       EXPECTED_JSON_REF, er->rma, sizeof(er->rma));
	if (r < 0)
		return r;
	r = expected_json_text(ctx, json_object_get(obj, "order"), "order",
			       false, EXPECTED_JSON_REF, er->order_ref,
			       sizeof(er->order_ref));
	if (r < 0)
		return r;
	r = expected_json_text(ctx, json_object_get(obj, "shop"), "shop", false,
			       EXPECTED_JSON_TEXT, er->shop, sizeof(er->shop));
	if (r < 0)
		return r;
	/* The shop's own ids: opaque, sent back as they came. */
	r = expected_json_text(ctx, json_object_get(obj, "shop_order_id"),
			       "shop_order_id", false, EXPECTED_JSON_TEXT,
			       er->shop_order_id, sizeof(er->shop_order_id));
	if (r < 0)
		return r;
	r = expected_json_text(ctx, json_object_get(obj, "shop_payment_id"),
			       "shop_payment_id", false, EXPECTED_JSON_TEXT,
			       er->shop_payment_id,
			       sizeof(er->shop_payment_id));
	if (r < 0)
		return r;

	er->kind = RETURN_WITHDRAWAL;
	v = json_object_get(obj, "kind");
	if (v) {
		r = expected_json_text(ctx, v, "kind", true, EXPECTED_JSON_REF,
				       kind, sizeof(kind));
		if (r == -EINVAL && json_is_string(v))
			return expected_json_fail(ctx, "kind",
						  "expected withdrawal, "
						  "complaint or shipment");
		if (r < 0)
			return r;
		r = return_kind_from_name(kind);
		if (r < 0)
			return expected_json_fail(ctx, "kind",
						  "\"%s\" is not withdrawal, "
						  "complaint or shipment",
						  kind);
		er->kind = (enum return_kind)r;
	}
	if (er->kind == RETURN_SHIPMENT && !er->order_ref[0])
		return expected_json_fail(ctx, "order",
					  "missing (a shipment is found by its "
					  "order number)");
	if (!er->rma[0] && !er->order_ref[0])
		return expected_json_fail(ctx, "rma",
					  "missing (give \"rma\" or "
					  "\"order\")");

	r = expected_json_lookup_codes(
	    ctx, json_object_get(obj, "lookup_codes"), er);
	if (r < 0)
		return r;
	r = expected_json_currency(ctx, json_object_get(obj, "currency"),
				   er->currency);
	if (r < 0)
		return r;
	r = expected_json_time(ctx, json_object_get(obj, "delivered_at"),
			       "delivered_at", policy, &er->delivered_at);
	if (r < 0)
		return r;
	r = expected_json_time(ctx, json_object_get(obj, "requested_at"),
			       "requested_at", policy, &er->requested_at);
	if (r < 0)
		return r;
	v = expected_json_either(ctx, obj, "", "delivery_basic_minor",
				 "delivery_basic", &used, &r);
	if (r < 0)
		return r;
	r = expected_json_int(ctx, v, used, false, 0, EXPECTED_JSON_MAX_MINOR,
			      &er->delivery_basic_minor);
	if (r < 0)
		return r;
	r = expected_json_law(ctx, obj, policy, er);
	if (r < 0)
		return r;
	r = expected_json_items(ctx, json_object_get(obj, "items"), er);
	if (r < 0)
		return r;
	r = expected_json_order_lines(ctx, json_object_get(obj, "order_lines"),
				      er);
	if (r < 0)
		return r;
	return expected_json_items_in_order(ctx, er);
}

int expected_json_parse(json_t *obj, const struct rules_policy *policy,
			const char *path, struct expected_return *out,
			char *err, size_t errlen)
{
	struct expected_json_ctx ctx = {
	    .path = path ? path : "",
	    .err = err,
	    .errlen = errlen,
	};
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!obj)
		return expected_json_fail(&ctx, "", "no JSON given");
	r = expected_json_fields(&ctx, obj, policy, out);
	if (r < 0)
		memset(out, 0, sizeof(*out));
	return r;
}

int expected_json_parse_batch(json_t *root, const struct rules_policy *policy,
			      struct expected_return **out, char *err,
			      size_t errlen)
{
	struct expected_return *list;
	char path[32];
	json_t *array, *v;
	size_t n, i;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (json_is_object(root) && json_object_get(root, "returns")) {
		if (json_object_size(root) != 1) {
			snprintf(err, errlen,
				 "a {\"returns\": [...]} body must have no "
				 "other field");
			return -EINVAL;
		}
		array = json_object_get(root, "returns");
		if (!json_is_array(array)) {
			snprintf(err, errlen,
				 "returns: expected an array, "
				 "got %s",
				 expected_json_type_name(array));
			return -EINVAL;
		}
	} else if (json_is_array(root)) {
		array = root;
	} else if (json_is_object(root)) {
		list = calloc(1, sizeof(*list));
		if (!list)
			return -ENOMEM;
		r = expected_json_parse(root, policy, NULL, list, err, errlen);
		if (r < 0) {
			free(list);
			return r;
		}
		*out = list;
		return 1;
	} else {
		snprintf(err, errlen,
			 "expected an object, an array or {\"returns\": "
			 "[...]}, got %s",
			 root ? expected_json_type_name(root) : "nothing");
		return -EINVAL;
	}

	n = json_array_size(array);
	if (n == 0)
		return 0;
	if (n > EXPECTED_JSON_MAX_BATCH) {
		snprintf(err, errlen,
			 "%zu expected returns in one import (at "
			 "most %d)",
			 n, EXPECTED_JSON_MAX_BATCH);
		return -E2BIG;
	}
	list = calloc(n, sizeof(*list));
	if (!list)
		return -ENOMEM;
	json_array_foreach(array, i, v)
	{
		snprintf(path, sizeof(path), "%s[%zu]",
			 array == root ? "" : "returns", i);
		r = expected_json_parse(v, policy, path, &list[i], err, errlen);
		if (r < 0) {
			free(list);
			return r;
		}
	}
	*out = list;
	return (int)n;
}
