/* SPDX-License-Identifier: MIT */
/*
 * The receipts as the API and the CLI show them: a receipt with its
 * expected return's references, the receipts found by order, RMA,
 * tracking number, state or verdict and day, and one receipt with
 * everything recorded against it (item scans, photos, checklist answers,
 * labels, outbox rows).  Read only.
 *
 * Not here: writing any of it (receipt.c, decision.c, outbox.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "retention_records.h"
#include "outbox_tx.h"

#define RECEIPT_COLUMNS                                                        \
	"r.id, r.routine, r.desk, r.clerk, r.code, r.expected_id, r.state, "   \
	"r.received_at, r.weighed, r.weight_g, r.weight_mismatch, "            \
	"r.verdict, r.refund_minor, r.currency, r.decided_at, r.decided_by, "  \
	"r.overridden, r.override_reason, r.proposal_json, r.undone_at, "      \
	"r.cancelled_at, r.decisions, e.rma, e.order_ref, e.kind, e.shop, "    \
	"e.shop_order_id, e.shop_payment_id, r.override_by, r.time_unsure, "   \
	"r.time_corrected_us "                                                 \
	"FROM receipt r LEFT JOIN expected e ON e.id = r.expected_id "

/* What store_receipt_find() looks for (receipt_filter). */
#define RECEIPT_FILTER                                                         \
	"WHERE (?1 = '' OR e.order_key = upper(?1) "                           \
	"       OR upper(r.code) = upper(?1)) "                                \
	"AND (?2 = '' OR e.rma_key = upper(?2) "                               \
	"     OR upper(r.code) = upper(?2)) "                                  \
	"AND (?3 = '' OR upper(r.code) = upper(?3) "                           \
	"     OR EXISTS (SELECT 1 FROM expected_code c "                       \
	"                WHERE c.expected_id = r.expected_id "                 \
	"                AND c.code_key = upper(?3))) "                        \
	"AND (?4 = '' OR r.state = ?4) "                                       \
	"AND (?5 = '' OR (r.state = 'decided' AND r.verdict = ?5)) "           \
	"AND r.received_at BETWEEN ?6 AND ?7 "                                 \
	"AND (?9 = '' OR e.kind = ?9 "                                         \
	"     OR (?9 = 'unexpected' AND r.expected_id IS NULL)) "              \
	"AND r.purged_at IS NULL "                                             \
	"AND max(r.received_at, coalesce(r.decided_at, 0), "                   \
	"        coalesce(r.undone_at, 0), "                                   \
	"        coalesce(r.cancelled_at, 0)) >= ?10 "

/* What the screen says of a receipt opened before the clock was set. */
static json_t *store_receipt_time_note(sqlite3_stmt *st, int unsure,
				       int corrected)
{
	char text[160];

	if (sqlite3_column_int(st, unsure))
		return json_string("made before the clock was set and not "
				   "corrected (the station restarted in "
				   "between): its times are the unset "
				   "clock's");
	if (sqlite3_column_type(st, corrected) == SQLITE_NULL)
		return json_null();
	snprintf(text, sizeof(text),
		 "made before the clock was set; its times were corrected by "
		 "%+lld s once it was",
		 (long long)(sqlite3_column_int64(st, corrected) / 1000000));
	return json_string(text);
}

static json_t *store_receipt_row_json(sqlite3_stmt *st)
{
	const unsigned char *proposal;
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "routine", store_json_text(st, 1));
	json_object_set_new(o, "desk", store_json_text(st, 2));
	json_object_set_new(o, "clerk", store_json_text(st, 3));
	json_object_set_new(o, "code", store_json_text(st, 4));
	json_object_set_new(o, "expected_id", store_json_int_or_null(st, 5));
	json_object_set_new(o, "state", store_json_text(st, 6));
	store_json_set_time(o, "received_at", st, 7);
	json_object_set_new(o, "weighed",
			    json_boolean(sqlite3_column_int(st, 8)));
	json_object_set_new(o, "weight_g", store_json_int_or_null(st, 9));
	json_object_set_new(o, "weight_mismatch",
			    json_boolean(sqlite3_column_int(st, 10)));
	json_object_set_new(o, "verdict", store_json_text(st, 11));
	json_object_set_new(o, "refund_minor",
			    json_integer(sqlite3_column_int64(st, 12)));
	json_object_set_new(o, "currency", store_json_text(st, 13));
	store_json_set_time(o, "decided_at", st, 14);
	json_object_set_new(o, "decided_by", store_json_text(st, 15));
	json_object_set_new(o, "overridden",
			    json_boolean(sqlite3_column_int(st, 16)));
	json_object_set_new(o, "override_reason", store_json_text(st, 17));
	/* the supervisor who authorised overriding a refusal */
	json_object_set_new(o, "override_by", store_json_text(st, 28));
	proposal = sqlite3_column_text(st, 18);
	if (proposal) {
		json_t *p = json_loads((const char *)proposal, 0, NULL);

		/* Keep text that is not JSON rather than lose it. */
		json_object_set_new(o, "proposal",
				    p ? p : store_json_text(st, 18));
	} else {
		json_object_set_new(o, "proposal", json_null());
	}
	store_json_set_time(o, "undone_at", st, 19);
	store_json_set_time(o, "cancelled_at", st, 20);
	json_object_set_new(o, "decisions",
			    json_integer(sqlite3_column_int64(st, 21)));
	json_object_set_new(o, "rma", store_json_text(st, 22));
	json_object_set_new(o, "order", store_json_text(st, 23));
	json_object_set_new(o, "kind", store_json_text(st, 24));
	json_object_set_new(o, "shop", store_json_text(st, 25));
	json_object_set_new(o, "shop_order_id", store_json_text(st, 26));
	json_object_set_new(o, "shop_payment_id", store_json_text(st, 27));
	/* opened before the clock was set: corrected once it was (by how
	 * much), or still unsure (made on an earlier boot) */
	json_object_set_new(o, "time_unsure",
			    json_boolean(sqlite3_column_int(st, 29)));
	json_object_set_new(o, "time_corrected_us",
			    store_json_int_or_null(st, 30));
	json_object_set_new(o, "time_note",
			    store_receipt_time_note(st, 29, 30));
	return o;
}

int store_receipt_find(struct store *s, const struct receipt_filter *f,
		       json_t **out)
{
	sqlite3_stmt *st;
	json_t *arr;
	int r;

	if (!s || !f || !out)
		return -EINVAL;
	*out = NULL;
	/* One statement for every search (a field left "" matches all),
	 * in either order: each keeps the index on received_at. */
	if (f->oldest_first)
		st = store_stmt(s, STMT_RCP_LIST_ASC,
				"SELECT " RECEIPT_COLUMNS RECEIPT_FILTER
				"ORDER BY r.received_at, r.id LIMIT ?8");
	else
		st = store_stmt(s, STMT_RCP_LIST,
				"SELECT " RECEIPT_COLUMNS RECEIPT_FILTER
				"ORDER BY r.received_at DESC, r.id DESC "
				"LIMIT ?8");
	if (!st)
		return -EIO;
	arr = json_array();
	if (!arr) {
		store_stmt_done(st);
		return -ENOMEM;
	}
	sqlite3_bind_text(st, 1, f->order, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->rma, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->tracking, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f->verdict, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, f->has_from ? f->from_us : INT64_MIN);
	sqlite3_bind_int64(st, 7, f->has_to ? f->to_us : INT64_MAX);
	sqlite3_bind_int(st, 8, f->limit > 0 ? f->limit : -1);
	sqlite3_bind_text(st, 9, f->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, f->has_since ? f->since_us : INT64_MIN);
	r = store_rows_json(s, st, store_receipt_row_json, arr);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

int store_receipt_list(struct store *s, int limit, json_t **out)
{
	struct receipt_filter all = {.limit = limit};

	return store_receipt_find(s, &all, out);
}

/* Run @st (bound to the receipt id) and append one object per row. */
static int store_collect(struct store *s, sqlite3_stmt *st, int64_t id,
			 store_row_json_fn fn, json_t *arr)
{
	sqlite3_bind_int64(st, 1, id);
	return store_rows_json(s, st, fn, arr);
}

static json_t *store_scan_json(sqlite3_stmt *st)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "item_index",
			    json_integer(sqlite3_column_int(st, 0)));
	json_object_set_new(o, "gtin", store_json_text(st, 1));
	json_object_set_new(o, "serial", store_json_text(st, 2));
	store_json_set_time(o, "scanned_at", st, 3);
	json_object_set_new(o, "clerk", store_json_text(st, 4));
	return o;
}

static json_t *store_photo_json(sqlite3_stmt *st)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 5)));
	json_object_set_new(o, "sha256", store_json_text(st, 0));
	json_object_set_new(o, "path", store_json_text(st, 1));
	json_object_set_new(o, "bytes",
			    json_integer(sqlite3_column_int64(st, 2)));
	json_object_set_new(o, "step", store_json_text(st, 3));
	store_json_set_time(o, "taken_at", st, 4);
	/* [photo upload]: the object's key and its upload's state
	 * (pending, done, dead), null without a bucket */
	json_object_set_new(o, "object_key", store_json_text(st, 6));
	json_object_set_new(o, "upload", store_json_text(st, 7));
	/* [retention]: when the file was deleted, the row kept */
	store_json_set_time(o, "purged_at", st, 8);
	return o;
}

static json_t *store_note_json(sqlite3_stmt *st)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "step", store_json_text(st, 0));
	json_object_set_new(o, "note", store_json_text(st, 1));
	store_json_set_time(o, "noted_at", st, 2);
	json_object_set_new(o, "clerk", store_json_text(st, 3));
	return o;
}

static json_t *store_answer_json(sqlite3_stmt *st)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "template", store_json_text(st, 0));
	json_object_set_new(o, "version",
			    json_integer(sqlite3_column_int(st, 1)));
	json_object_set_new(o, "step", store_json_text(st, 2));
	json_object_set_new(o, "answer", store_json_text(st, 3));
	store_json_set_time(o, "answered_at", st, 4);
	json_object_set_new(o, "clerk", store_json_text(st, 5));
	return o;
}

static json_t *store_label_json(sqlite3_stmt *st)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "zpl", store_json_text(st, 1));
	store_json_set_time(o, "created_at", st, 2);
	if (sqlite3_column_type(st, 3) == SQLITE_NULL)
		json_object_set_new(o, "printed", json_null());
	else
		json_object_set_new(o, "printed",
				    json_boolean(sqlite3_column_int(st, 3)));
	json_object_set_new(o, "print_detail", store_json_text(st, 4));
	store_json_set_time(o, "printed_at", st, 5);
	return o;
}

static int store_receipt_children(struct store *s, int64_t id, json_t *o)
{
	static const struct {
		const char *field;
		enum store_stmt_id stmt;
		const char *sql;
		store_row_json_fn fn;
	} children[] = {
	    {"items", STMT_RCP_GET_SCANS,
	     "SELECT item_index, gtin, serial, scanned_at, clerk "
	     "FROM receipt_item_scan WHERE receipt_id = ? ORDER BY id",
	     store_scan_json},
	    {"photos", STMT_RCP_GET_PHOTOS,
	     "SELECT sha256, path, bytes, step, taken_at, id, object_key, "
	     "(SELECT state FROM outbox WHERE idempotency_key = "
	     "'photo:' || photo.sha256), purged_at "
	     "FROM photo WHERE receipt_id = ? ORDER BY id",
	     store_photo_json},
	    {"checklist", STMT_RCP_GET_ANSWERS,
	     "SELECT template_id, template_version, step, answer, "
	     "answered_at, clerk FROM checklist_answer "
	     "WHERE receipt_id = ? ORDER BY id",
	     store_answer_json},
	    {"notes", STMT_RCP_GET_NOTES,
	     "SELECT step, note, noted_at, clerk FROM receipt_note "
	     "WHERE receipt_id = ? ORDER BY id",
	     store_note_json},
	    {"labels", STMT_RCP_GET_LABELS,
	     "SELECT id, zpl, created_at, printed, print_detail, "
	     "printed_at FROM label WHERE receipt_id = ? ORDER BY id",
	     store_label_json},
	};
	json_t *arr;
	int r;

	for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++) {
		sqlite3_stmt *st =
		    store_stmt(s, children[i].stmt, children[i].sql);

		if (!st)
			return -EIO;
		arr = json_array();
		if (!arr)
			return -ENOMEM;
		r = store_collect(s, st, id, children[i].fn, arr);
		if (r < 0) {
			json_decref(arr);
			return r;
		}
		json_object_set_new(o, children[i].field, arr);
	}
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	r = store_outbox_json_for_receipt(s, id, arr);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	json_object_set_new(o, "outbox", arr);
	return 0;
}

int store_receipt_get(struct store *s, int64_t receipt_id, json_t **out)
{
	sqlite3_stmt *st;
	json_t *o = NULL;
	int rc, r = 0;

	int64_t purged_at = 0;

	if (!s || !out)
		return -EINVAL;
	*out = NULL;
	/* a tombstone: the record went by the station's retention */
	r = store_receipt_purged(s, receipt_id, &purged_at);
	if (r == 1)
		return store_receipt_purged_fail(s, receipt_id, purged_at);
	if (r < 0 && r != -ENOENT)
		return r;
	r = 0;
	st = store_stmt(s, STMT_RCP_GET,
			"SELECT " RECEIPT_COLUMNS "WHERE r.id = ?");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, receipt_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		o = store_receipt_row_json(st);
		if (!o)
			r = store_failf(s, -ENOMEM, "out of memory");
	} else if (rc == SQLITE_DONE) {
		r = store_failf(s, -ENOENT, "no receipt %" PRId64, receipt_id);
	} else {
		r = store_fail(s, rc);
	}
	store_stmt_done(st);
	if (r < 0)
		return r;
	r = store_receipt_children(s, receipt_id, o);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*out = o;
	return 0;
}

int store_count_receipts(struct store *s, int64_t *n)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (!s || !n)
		return -EINVAL;
	st = store_stmt(s, STMT_RCP_COUNT, "SELECT count(*) FROM receipt");
	if (!st)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		r = store_fail(s, rc);
	store_stmt_done(st);
	return r;
}
