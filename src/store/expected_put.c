/* SPDX-License-Identifier: MIT */
/*
 * Putting an expected return (store.h): checked, then stored with its
 * items, order lines and lookup codes in one transaction.  Put replaces by
 * RMA (by order number when there is no RMA), except a return already at
 * the desk, which stays the record its decision rests on.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "retour/civil_time.h"

#include "db.h"

static int store_expected_validate(struct store *s,
				   const struct expected_return *er)
{
	if (!store_field_ok(er->rma, sizeof(er->rma)) ||
	    !store_field_ok(er->order_ref, sizeof(er->order_ref)) ||
	    !store_field_ok(er->shop, sizeof(er->shop)) ||
	    !store_field_ok(er->shop_order_id, sizeof(er->shop_order_id)) ||
	    !store_field_ok(er->shop_payment_id, sizeof(er->shop_payment_id)) ||
	    !store_field_ok(er->currency, sizeof(er->currency)))
		return store_failf(s, -EINVAL,
				   "expected return: a text field "
				   "is not terminated");
	if (!er->rma[0] && !er->order_ref[0])
		return store_failf(s, -EINVAL,
				   "expected return needs an RMA "
				   "or an order number");
	if ((unsigned)er->kind >= 3)
		return store_failf(s, -EINVAL,
				   "expected return %s: unknown "
				   "kind %d",
				   er->rma, (int)er->kind);
	if (strlen(er->currency) != 3)
		return store_failf(s, -EINVAL,
				   "expected return %s: currency "
				   "must be an ISO 4217 code",
				   er->rma);
	if (er->n_items < 0 || er->n_items > RETURN_MAX_ITEMS ||
	    er->n_lookup_codes < 0 ||
	    er->n_lookup_codes > RETURN_MAX_LOOKUP_CODES)
		return store_failf(s, -EINVAL,
				   "expected return %s: bad item "
				   "or code count",
				   er->rma);
	if (er->delivery_basic_minor < 0 ||
	    (er->delivery_paid_known && er->delivery_paid_minor < 0))
		return store_failf(s, -EINVAL,
				   "expected return %s: negative "
				   "delivery cost",
				   er->rma);
	if (er->complaint_received_at < 0 || er->defect_appeared_at < 0)
		return store_failf(s, -EINVAL,
				   "expected return %s: a date before 1970",
				   er->rma);
	if (er->n_order_lines < 0 || er->n_order_lines > RETURN_MAX_ORDER_LINES)
		return store_failf(s, -EINVAL,
				   "expected return %s: bad order line count",
				   er->rma);
	for (int l = 0; l < er->n_order_lines; l++) {
		const struct order_line *ol = &er->order_lines[l];

		if (!store_field_ok(ol->sku, sizeof(ol->sku)) ||
		    !store_field_ok(ol->gtin, sizeof(ol->gtin)) ||
		    (!ol->sku[0] && !ol->gtin[0]) || ol->quantity < 1)
			return store_failf(s, -EINVAL,
					   "expected return %s order line "
					   "%d: needs a sku or gtin and a "
					   "quantity",
					   er->rma, l);
	}
	for (int i = 0; i < er->n_lookup_codes; i++)
		if (!store_field_ok(er->lookup_codes[i],
				    sizeof(er->lookup_codes[i])))
			return store_failf(s, -EINVAL,
					   "expected return %s: "
					   "lookup code not terminated",
					   er->rma);
	for (int i = 0; i < er->n_items; i++) {
		const struct return_item *it = &er->items[i];

		if (!store_field_ok(it->sku, sizeof(it->sku)) ||
		    !store_field_ok(it->gtin, sizeof(it->gtin)) ||
		    !store_field_ok(it->name, sizeof(it->name)) ||
		    !store_field_ok(it->category, sizeof(it->category)) ||
		    !store_field_ok(it->shop_line_id, sizeof(it->shop_line_id)))
			return store_failf(s, -EINVAL,
					   "expected return %s "
					   "item %d: a text field is not "
					   "terminated",
					   er->rma, i);
		if (it->quantity < 0 || it->unit_price_minor < 0 ||
		    it->weight_g < 0)
			return store_failf(s, -EINVAL,
					   "expected return %s "
					   "item %d: negative quantity, price "
					   "or weight",
					   er->rma, i);
	}
	return 0;
}

static int store_expected_existing(struct store *s, const char *rma_key,
				   const char *order_key, int64_t *id)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (rma_key[0]) {
		st = store_stmt(s, STMT_EXP_FIND_BY_RMA,
				"SELECT id FROM expected WHERE rma_key = ?");
		if (!st)
			return -EIO;
		sqlite3_bind_text(st, 1, rma_key, -1, SQLITE_STATIC);
	} else {
		st = store_stmt(s, STMT_EXP_FIND_BY_ORDER,
				"SELECT id FROM expected "
				"WHERE rma_key = '' AND order_key = ?");
		if (!st)
			return -EIO;
		sqlite3_bind_text(st, 1, order_key, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		*id = 0;
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

static int store_expected_put_children(struct store *s,
				       const struct expected_return *er,
				       int64_t id)
{
	sqlite3_stmt *st;
	int r;

	for (int i = 0; i < er->n_items; i++) {
		const struct return_item *it = &er->items[i];

		st = store_stmt(s, STMT_EXP_INS_ITEM,
				"INSERT INTO expected_item (expected_id, idx, "
				"sku, gtin, name, category, quantity, "
				"unit_price_minor, weight_g, personalised, "
				"made_to_order, perishable, sealed_hygiene, "
				"shop_line_id) "
				"VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, i);
		sqlite3_bind_text(st, 3, it->sku, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, it->gtin, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, it->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, it->category, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 7, it->quantity);
		sqlite3_bind_int64(st, 8, it->unit_price_minor);
		sqlite3_bind_int(st, 9, it->weight_g);
		sqlite3_bind_int(st, 10, it->personalised);
		sqlite3_bind_int(st, 11, it->made_to_order);
		sqlite3_bind_int(st, 12, it->perishable);
		sqlite3_bind_int(st, 13, it->sealed_hygiene);
		sqlite3_bind_text(st, 14, it->shop_line_id, -1, SQLITE_STATIC);
		r = store_step_done(s, st);
		if (r < 0)
			return r;
	}
	for (int l = 0; l < er->n_order_lines; l++) {
		const struct order_line *ol = &er->order_lines[l];

		st = store_stmt(s, STMT_EXP_INS_LINE,
				"INSERT INTO expected_order_line (expected_id, "
				"pos, sku, gtin, quantity) VALUES (?,?,?,?,?)");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, l);
		sqlite3_bind_text(st, 3, ol->sku, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, ol->gtin, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, ol->quantity);
		r = store_step_done(s, st);
		if (r < 0)
			return r;
	}
	for (int i = 0, pos = 0; i < er->n_lookup_codes; i++) {
		char key[RETURN_REF_LEN];

		if (store_code_key(er->lookup_codes[i], key, sizeof(key)) < 0)
			continue; /* empty */
		st = store_stmt(s, STMT_EXP_INS_CODE,
				"INSERT INTO expected_code (expected_id, pos, "
				"code, code_key) VALUES (?, ?, ?, ?)");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, pos++);
		sqlite3_bind_text(st, 3, er->lookup_codes[i], -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 4, key, -1, SQLITE_STATIC);
		r = store_step_done(s, st);
		if (r < 0)
			return r;
	}
	return 0;
}

static void store_expected_bind(sqlite3_stmt *st,
				const struct expected_return *er,
				const char *rma_key, const char *order_key,
				int64_t now)
{
	sqlite3_bind_text(st, 1, er->rma, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rma_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, er->order_ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, order_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, er->shop, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, return_kind_name(er->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, er->currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, er->delivered_at);
	sqlite3_bind_int64(st, 9, er->requested_at);
	sqlite3_bind_int64(st, 10, er->delivery_basic_minor);
	sqlite3_bind_int64(st, 11, now);
	sqlite3_bind_text(st, 12, er->shop_order_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, er->shop_payment_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 15, er->complaint_received_at);
	sqlite3_bind_int64(st, 16, er->defect_appeared_at);
	if (er->delivery_paid_known)
		sqlite3_bind_int64(st, 17, er->delivery_paid_minor);
	else
		sqlite3_bind_null(st, 17);
}

/* STORE_EXPECTED_KEPT when a receipt open or decided rests on @id. */
static int store_expected_received(struct store *s, int64_t id)
{
	sqlite3_stmt *st;
	int rc, r;

	st = store_stmt(s, STMT_EXP_RECEIVED,
			"SELECT 1 FROM receipt WHERE expected_id = ? "
			"AND state IN ('open', 'decided') LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	r = rc == SQLITE_ROW	? STORE_EXPECTED_KEPT
	    : rc == SQLITE_DONE ? 0
				: store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

struct expected_put {
	struct expected_return *er;
	char rma_key[RETURN_REF_LEN];
	char order_key[RETURN_REF_LEN];
	int64_t now;
	int64_t id;
};

/* Replace the row in place: receipts already point at its id. */
static int store_expected_replace(struct store *s, struct expected_put *p)
{
	sqlite3_stmt *st;
	int r;

	st = store_stmt(s, STMT_EXP_UPDATE,
			"UPDATE expected SET rma = ?1, rma_key = ?2, "
			"order_ref = ?3, order_key = ?4, shop = ?5, "
			"kind = ?6, currency = ?7, delivered_at = ?8, "
			"requested_at = ?9, delivery_basic_minor = ?10,"
			" updated_at = ?11, shop_order_id = ?12, "
			"shop_payment_id = ?13, complaint_received_at = ?15, "
			"defect_appeared_at = ?16, delivery_paid_minor = ?17, "
			"cancelled_at = NULL WHERE id = ?14");
	if (!st)
		return -EIO;
	store_expected_bind(st, p->er, p->rma_key, p->order_key, p->now);
	sqlite3_bind_int64(st, 14, p->id);
	r = store_step_done(s, st);
	if (r < 0)
		return r;
	st = store_stmt(s, STMT_EXP_DEL_ITEMS,
			"DELETE FROM expected_item WHERE expected_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, p->id);
	r = store_step_done(s, st);
	if (r < 0)
		return r;
	st = store_stmt(s, STMT_EXP_DEL_CODES,
			"DELETE FROM expected_code WHERE expected_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, p->id);
	r = store_step_done(s, st);
	if (r < 0)
		return r;
	st =
	    store_stmt(s, STMT_EXP_DEL_LINES,
		       "DELETE FROM expected_order_line WHERE expected_id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, p->id);
	return store_step_done(s, st);
}

static int store_expected_insert(struct store *s, struct expected_put *p)
{
	sqlite3_stmt *st;
	int r;

	st = store_stmt(s, STMT_EXP_INSERT,
			"INSERT INTO expected (rma, rma_key, order_ref,"
			" order_key, shop, kind, currency, "
			"delivered_at, requested_at, "
			"delivery_basic_minor, created_at, updated_at, "
			"shop_order_id, shop_payment_id, "
			"complaint_received_at, defect_appeared_at, "
			"delivery_paid_minor)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
			"?10, ?11, ?11, ?12, ?13, ?15, ?16, ?17)");
	if (!st)
		return -EIO;
	store_expected_bind(st, p->er, p->rma_key, p->order_key, p->now);
	r = store_step_done(s, st);
	if (r < 0)
		return r;
	p->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/*
 * Another shop's return of the same RMA (or order number) is left out, not
 * put in its place: two shops number their returns alike ("WC-1234" of
 * two WooCommerce shops), and the refund follows the expected return's
 * shop, so replacing it would have the parcel refunded by the wrong shop,
 * to another customer.  A return without a shop yet may get one.
 */
static int store_expected_shop_same(struct store *s, int64_t id,
				    const struct expected_return *er)
{
	char shop[RETURN_SHOP_LEN] = "";
	sqlite3_stmt *st;
	int rc, r = 0;

	st = store_stmt(s, STMT_EXP_SHOP_OF,
			"SELECT shop FROM expected WHERE id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_col_copy(st, 0, shop, sizeof(shop));
	else if (rc != SQLITE_DONE)
		r = store_fail(s, rc);
	store_stmt_done(st);
	if (r < 0 || !shop[0] || !strcmp(shop, er->shop))
		return r;
	return store_failf(s, -EINVAL,
			   "expected return %.48s is shop %.40s's already; "
			   "shop %.40s's of the same %s is left out",
			   er->rma[0] ? er->rma : er->order_ref, shop,
			   er->shop[0] ? er->shop : "(none)",
			   er->rma[0] ? "RMA" : "order number");
}

static int store_expected_put_apply(struct store *s, void *arg,
				    struct store_entry *e)
{
	struct expected_put *p = arg;
	bool replaced;
	int r;

	r = store_expected_existing(s, p->rma_key, p->order_key, &p->id);
	if (r < 0)
		return r;
	replaced = p->id != 0;
	if (replaced) {
		r = store_expected_shop_same(s, p->id, p->er);
		if (r < 0)
			return r;
		r = store_expected_received(s, p->id);
		if (r != 0)
			return r; /* STORE_EXPECTED_KEPT: nothing changes */
		r = store_expected_replace(s, p);
	} else {
		r = store_expected_insert(s, p);
	}
	if (r < 0)
		return r;
	r = store_expected_put_children(s, p->er, p->id);
	if (r < 0)
		return r;
	store_entry_subject(e, "expected", p->id);
	e->detail = json_pack("{s:s,s:s,s:i,s:b}", "rma", p->er->rma, "order",
			      p->er->order_ref, "items", p->er->n_items,
			      "replaced", replaced);
	return 0;
}

int store_expected_put(struct store *s, struct expected_return *er,
		       const char *actor, int64_t now)
{
	struct expected_put p = {.er = er, .now = now};
	struct store_entry e = {
	    .actor = actor, .action = "expected.put", .at = now};
	int r;

	if (!s || !er)
		return -EINVAL;
	r = store_expected_validate(s, er);
	if (r < 0)
		return r;
	store_code_key(er->rma, p.rma_key, sizeof(p.rma_key));
	store_code_key(er->order_ref, p.order_key, sizeof(p.order_key));
	r = store_write(s, STORE_DURABLE, store_expected_put_apply, &p, &e);
	if (r >= 0)
		er->id = p.id;
	return r;
}

/* The key store_expected_put() replaces by: stored already? */
int store_expected_known(struct store *s, const struct expected_return *er)
{
	char rma_key[RETURN_REF_LEN], order_key[RETURN_REF_LEN];
	int64_t id;
	int r;

	if (!s || !er)
		return -EINVAL;
	if (store_code_key(er->rma, rma_key, sizeof(rma_key)) < 0)
		rma_key[0] = '\0';
	if (store_code_key(er->order_ref, order_key, sizeof(order_key)) < 0)
		order_key[0] = '\0';
	if (!rma_key[0] && !order_key[0])
		return 0;
	r = store_expected_existing(s, rma_key, order_key, &id);
	return r < 0 ? r : id != 0;
}
