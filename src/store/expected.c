/* SPDX-License-Identifier: MIT */
/*
 * Expected returns (and ship-QC orders): what a shop said is coming back,
 * with its items and the extra codes a parcel may be found by.  Here:
 * reading one, finding one by a scanned code, and what the desk's
 * decisions left of it.  Lookup keys are kept upper-case so a scan finds
 * "RMA-12" as "rma-12".
 *
 * Not here: putting one (expected_put.c), calling one off
 * (expected_cancel.c), showing one as JSON (expected_view.c), parsing the
 * shop's JSON (src/codec/expected_json.c), matching a scan to a parcel's
 * items (the core).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/civil_time.h"

#include "db.h"

/* Lookup keys are upper-case so "rma-12" finds "RMA-12"; 0 or -EINVAL. */
int store_code_key(const char *code, char *key, size_t keylen)
{
	size_t i;

	for (i = 0; code[i]; i++) {
		if (i + 1 >= keylen)
			return -EINVAL;
		key[i] = (char)toupper((unsigned char)code[i]);
	}
	key[i] = '\0';
	return i ? 0 : -EINVAL;
}

static int store_expected_get_lines(struct store *s,
				    struct expected_return *out)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	st = store_stmt(s, STMT_EXP_GET_LINES,
			"SELECT sku, gtin, quantity FROM expected_order_line "
			"WHERE expected_id = ? ORDER BY pos LIMIT 32");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, out->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       out->n_order_lines < RETURN_MAX_ORDER_LINES) {
		struct order_line *ol = &out->order_lines[out->n_order_lines++];

		store_col_copy(st, 0, ol->sku, sizeof(ol->sku));
		store_col_copy(st, 1, ol->gtin, sizeof(ol->gtin));
		ol->quantity = sqlite3_column_int(st, 2);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

/*
 * What decided receipts of this return, or of any return of the same
 * order, already took back (returns.h, struct return_before): read from
 * the proposals they recorded, whose lines are what was paid.  A receipt
 * decided reject or hold answered its return as a whole.
 */
static int store_expected_before(struct store *s, struct expected_return *out,
				 const char *order_key)
{
	struct return_before *b = &out->before;
	int64_t last_receipt = 0;
	sqlite3_stmt *st;
	int rc, r = 0;

	memset(b, 0, sizeof(*b));
	st = store_stmt(
	    s, STMT_EXP_BEFORE,
	    "SELECT r.id, r.expected_id, r.verdict IN ('accept', 'partial'), "
	    "coalesce(json_extract(CASE WHEN json_valid(r.proposal_json) "
	    "THEN r.proposal_json END, '$.delivery_refund_minor'), 0), j.key, "
	    "coalesce(json_extract(j.value, '$.quantity'), 0), "
	    "ei.sku, ei.gtin FROM receipt r "
	    "JOIN expected e ON e.id = r.expected_id "
	    "LEFT JOIN json_each(CASE WHEN json_valid(r.proposal_json) "
	    "THEN r.proposal_json END, '$.items') j "
	    "LEFT JOIN expected_item ei ON ei.expected_id = r.expected_id "
	    "AND ei.idx = j.key "
	    "WHERE r.state = 'decided' AND r.routine = 'return' "
	    "AND (r.expected_id = ?1 OR (?2 <> '' AND e.order_key = ?2)) "
	    "ORDER BY r.id");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, out->id);
	sqlite3_bind_text(st, 2, order_key, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t receipt = sqlite3_column_int64(st, 0);
		bool same = sqlite3_column_int64(st, 1) == out->id;
		bool paid = sqlite3_column_int(st, 2) != 0;
		int64_t qty = sqlite3_column_int64(st, 5);
		struct return_item it = {0};
		int idx, l;

		if (receipt != last_receipt) {
			last_receipt = receipt;
			b->n_receipts++;
			if (paid)
				b->delivery_refunded_minor +=
				    sqlite3_column_int64(st, 3);
			else if (same)
				b->refused = true;
		}
		if (!paid || qty <= 0 || qty > INT32_MAX ||
		    sqlite3_column_type(st, 4) != SQLITE_INTEGER)
			continue;
		idx = sqlite3_column_int(st, 4);
		if (same && idx >= 0 && idx < out->n_items)
			b->item_refunded[idx] += (int32_t)qty;
		store_col_copy(st, 6, it.sku, sizeof(it.sku));
		store_col_copy(st, 7, it.gtin, sizeof(it.gtin));
		l = expected_return_order_line(out, &it);
		if (l >= 0)
			b->order_returned[l] += (int32_t)qty;
	}
	if (rc != SQLITE_DONE)
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}

int store_expected_get(struct store *s, int64_t id, struct expected_return *out)
{
	char order_key[RETURN_REF_LEN];
	sqlite3_stmt *st;
	int rc, r = 0, kind;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	st = store_stmt(s, STMT_EXP_GET,
			"SELECT " EXPECTED_COLUMNS " FROM expected WHERE id=?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		store_stmt_done(st);
		return store_failf(s, -ENOENT, "no expected return %" PRId64,
				   id);
	}
	if (rc != SQLITE_ROW) {
		r = store_fail(s, rc);
		store_stmt_done(st);
		return r;
	}
	out->id = sqlite3_column_int64(st, 0);
	store_col_copy(st, 1, out->rma, sizeof(out->rma));
	store_col_copy(st, 2, out->order_ref, sizeof(out->order_ref));
	store_col_copy(st, 3, out->shop, sizeof(out->shop));
	kind = return_kind_from_name((const char *)sqlite3_column_text(st, 4));
	out->kind = kind < 0 ? RETURN_WITHDRAWAL : (enum return_kind)kind;
	store_col_copy(st, 5, out->currency, sizeof(out->currency));
	out->delivered_at = sqlite3_column_int64(st, 6);
	out->requested_at = sqlite3_column_int64(st, 7);
	out->delivery_basic_minor = sqlite3_column_int64(st, 8);
	store_col_copy(st, 11, out->shop_order_id, sizeof(out->shop_order_id));
	store_col_copy(st, 12, out->shop_payment_id,
		       sizeof(out->shop_payment_id));
	out->complaint_received_at = sqlite3_column_int64(st, 13);
	out->defect_appeared_at = sqlite3_column_int64(st, 14);
	out->delivery_paid_known = sqlite3_column_type(st, 15) != SQLITE_NULL;
	out->delivery_paid_minor =
	    out->delivery_paid_known ? sqlite3_column_int64(st, 15) : 0;
	store_col_copy(st, 16, order_key, sizeof(order_key));
	store_stmt_done(st);

	st = store_stmt(s, STMT_EXP_GET_ITEMS,
			"SELECT sku, gtin, name, category, quantity, "
			"unit_price_minor, weight_g, personalised, "
			"made_to_order, perishable, sealed_hygiene, "
			"shop_line_id FROM expected_item WHERE expected_id = ? "
			"ORDER BY idx LIMIT 16");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       out->n_items < RETURN_MAX_ITEMS) {
		struct return_item *it = &out->items[out->n_items++];

		store_col_copy(st, 0, it->sku, sizeof(it->sku));
		store_col_copy(st, 1, it->gtin, sizeof(it->gtin));
		store_col_copy(st, 2, it->name, sizeof(it->name));
		store_col_copy(st, 3, it->category, sizeof(it->category));
		it->quantity = sqlite3_column_int(st, 4);
		it->unit_price_minor = sqlite3_column_int64(st, 5);
		it->weight_g = sqlite3_column_int(st, 6);
		it->personalised = sqlite3_column_int(st, 7);
		it->made_to_order = sqlite3_column_int(st, 8);
		it->perishable = sqlite3_column_int(st, 9);
		it->sealed_hygiene = sqlite3_column_int(st, 10);
		store_col_copy(st, 11, it->shop_line_id,
			       sizeof(it->shop_line_id));
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_fail(s, rc);
	store_stmt_done(st);
	if (r < 0)
		return r;

	st = store_stmt(s, STMT_EXP_GET_CODES,
			"SELECT code FROM expected_code WHERE expected_id = ? "
			"ORDER BY pos LIMIT 4");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       out->n_lookup_codes < RETURN_MAX_LOOKUP_CODES)
		store_col_copy(st, 0, out->lookup_codes[out->n_lookup_codes++],
			       RETURN_REF_LEN);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_fail(s, rc);
	store_stmt_done(st);
	if (r < 0)
		return r;
	r = store_expected_get_lines(s, out);
	if (r < 0)
		return r;
	return store_expected_before(s, out, order_key);
}

int store_expected_find(struct store *s, const char *code,
			struct expected_return *out)
{
	char key[RETURN_REF_LEN];
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc, r = 0;

	if (!s || !code || !out)
		return -EINVAL;
	/* Longer than any stored key: it cannot match anything. */
	if (store_code_key(code, key, sizeof(key)) < 0)
		return store_failf(s, -ENOENT,
				   "no expected return for this "
				   "code");
	st = store_stmt(s, STMT_EXP_MATCH,
			"SELECT id FROM expected WHERE cancelled_at IS NULL "
			"AND (rma_key = ?1 OR order_key = ?1 OR id IN "
			"(SELECT expected_id FROM expected_code "
			"WHERE code_key = ?1)) "
			"ORDER BY updated_at DESC, id DESC LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		r = store_failf(s, -ENOENT, "no expected return for %s", key);
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	if (r < 0)
		return r;
	return store_expected_get(s, id, out);
}

/* Nothing of @er is left to take back: a decided receipt refused it as a
 * whole, or every unit of every item was refunded. */
static bool store_expected_nothing_open(const struct expected_return *er)
{
	if (er->before.refused)
		return true;
	for (int i = 0; i < er->n_items; i++)
		if (er->before.item_refunded[i] < er->items[i].quantity)
			return false;
	return true;
}

int store_expected_decided(struct store *s, int64_t expected_id,
			   int64_t *receipt_id, bool *label_printed)
{
	sqlite3_stmt *st;
	int rc, r;

	if (!s)
		return -EINVAL;
	st = store_stmt(s, STMT_EXP_DECIDED,
			"SELECT r.id, (SELECT coalesce(l.printed, 0) "
			"FROM label l WHERE l.receipt_id = r.id "
			"ORDER BY l.id DESC LIMIT 1) FROM receipt r "
			"WHERE r.expected_id = ? AND r.state = 'decided' "
			"ORDER BY r.id DESC LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, expected_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (receipt_id)
			*receipt_id = sqlite3_column_int64(st, 0);
		/* No label at all: nothing waits to be printed. */
		if (label_printed)
			*label_printed =
			    sqlite3_column_type(st, 1) == SQLITE_NULL ||
			    sqlite3_column_int(st, 1) != 0;
		r = 1;
	} else if (rc == SQLITE_DONE) {
		r = 0;
	} else {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	if (r != 1)
		return r;
	/* A parcel bringing units not refunded yet is a return of its own. */
	return store_expected_answered(s, expected_id);
}

int store_expected_answered(struct store *s, int64_t expected_id)
{
	struct expected_return *er = malloc(sizeof(*er));
	int r;

	if (!er)
		return store_failf(s, -ENOMEM, "out of memory");
	r = store_expected_get(s, expected_id, er);
	if (r == 0)
		r = store_expected_nothing_open(er) ? 1 : 0;
	free(er);
	return r;
}
