/* SPDX-License-Identifier: MIT */
/*
 * The record behind a dispute pack (include/retour/evidence.h): a receipt
 * as the views show it, its expected return, who took each photo, and the
 * audit entries of the receipt and of its outbox rows, each with its own
 * hash and the hash of the entry before it, so that a pack can be checked
 * entry by entry without the rest of the chain.  Read only, in one
 * snapshot.
 *
 * Not here: the pack's layout (src/codec/evidence_pack.c) or its files.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "retour/evidence.h"

#include "db.h"
#include "retention_records.h"

static void evidence_hex(const void *blob, int n, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b = blob;

	if (!b || n != STORE_AUDIT_HASH_LEN) {
		memset(out, '0', 64);
		out[64] = '\0';
		return;
	}
	for (int i = 0; i < STORE_AUDIT_HASH_LEN; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 0xf];
	}
	out[64] = '\0';
}

static int evidence_unhex(const char *hex, uint8_t out[STORE_AUDIT_HASH_LEN])
{
	if (!hex || strlen(hex) != 2 * STORE_AUDIT_HASH_LEN)
		return -EINVAL;
	for (int i = 0; i < 2 * STORE_AUDIT_HASH_LEN; i++) {
		char c = hex[i];
		int v = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
					       : -1;

		if (v < 0)
			return -EINVAL;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 0;
}

int evidence_audit_hash(const char *prev_hex, int64_t id, int64_t at,
			const char *actor, const char *action,
			const char *subject, const char *detail,
			const char *detail_sha256, char out_hex[65])
{
	uint8_t prev[STORE_AUDIT_HASH_LEN], hash[STORE_AUDIT_HASH_LEN];
	uint8_t kept[STORE_AUDIT_HASH_LEN];
	const char *text[4] = {actor, action, subject, detail};
	struct store_audit_fields f = {.id = id, .at = at};
	char digest[65];

	if (!out_hex || evidence_unhex(prev_hex, prev) < 0)
		return -EINVAL;
	if (detail_sha256 && evidence_unhex(detail_sha256, kept) < 0)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		f.text[i] = (const unsigned char *)(text[i] ? text[i] : "");
		f.len[i] = strlen((const char *)f.text[i]);
	}
	if (detail_sha256 && detail) {
		store_audit_detail_sha256(f.text[3], f.len[3], digest);
		f.detail_sha256 = digest;
	} else if (detail_sha256) {
		evidence_hex(kept, STORE_AUDIT_HASH_LEN, digest);
		f.detail_sha256 = digest;
	}
	store_audit_hash(prev, &f, hash);
	evidence_hex(hash, STORE_AUDIT_HASH_LEN, out_hex);
	return 0;
}

static json_t *evidence_audit_row(sqlite3_stmt *st)
{
	char hash[65], prev[65];
	json_t *o = json_object();

	if (!o)
		return NULL;
	evidence_hex(sqlite3_column_blob(st, 6), sqlite3_column_bytes(st, 6),
		     hash);
	/* the first entry has no entry before it: 32 zero bytes */
	evidence_hex(sqlite3_column_blob(st, 7), sqlite3_column_bytes(st, 7),
		     prev);
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	store_json_set_time(o, "at", st, 1);
	json_object_set_new(o, "actor", store_json_text(st, 2));
	json_object_set_new(o, "action", store_json_text(st, 3));
	json_object_set_new(o, "subject", store_json_text(st, 4));
	json_object_set_new(o, "detail", store_json_text(st, 5));
	/* from schema step 10: what the chain hashes in the detail's place */
	if (sqlite3_column_type(st, 8) != SQLITE_NULL)
		json_object_set_new(o, "detail_sha256", store_json_text(st, 8));
	json_object_set_new(o, "prev_hash", json_string(prev));
	json_object_set_new(o, "hash", json_string(hash));
	return o;
}

/* The audit entries of receipt @id and of its outbox rows, oldest first. */
static int evidence_audit(struct store *s, int64_t id, json_t *arr)
{
	char subject[48];
	sqlite3_stmt *st;
	int rc, r;

	/* Not cached: a pack is made now and then, and the audit table has
	 * no index on its subject (a scan of it is milliseconds). */
	rc = sqlite3_prepare_v2(
	    s->db,
	    "SELECT a.id, a.at, a.actor, a.action, a.subject, a.detail, "
	    "a.hash, p.hash, a.detail_sha256 FROM audit a "
	    "LEFT JOIN audit p ON p.id = a.id - 1 "
	    "WHERE a.subject = ?1 OR a.subject IN (SELECT 'outbox:' || o.id "
	    "FROM outbox o WHERE o.receipt_id = ?2) ORDER BY a.id",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	snprintf(subject, sizeof(subject), "receipt:%" PRId64, id);
	sqlite3_bind_text(st, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	r = store_rows_json(s, st, evidence_audit_row, arr);
	sqlite3_finalize(st);
	return r;
}

/* Who took each photo: the view leaves it out. */
static int evidence_photo_clerks(struct store *s, json_t *photos)
{
	sqlite3_stmt *st;
	size_t i;
	json_t *p;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(s->db, "SELECT clerk FROM photo WHERE id = ?",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	json_array_foreach(photos, i, p)
	{
		sqlite3_bind_int64(
		    st, 1, json_integer_value(json_object_get(p, "id")));
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			json_object_set_new(p, "clerk", store_json_text(st, 0));
		else if (rc != SQLITE_DONE)
			r = store_fail(s, rc);
		sqlite3_reset(st);
		if (r < 0)
			break;
	}
	sqlite3_finalize(st);
	return r;
}

static int evidence_read(struct store *s, int64_t receipt_id, json_t *out)
{
	json_t *receipt = NULL, *expected = NULL, *audit;
	json_t *eid;
	int r;

	r = store_receipt_get(s, receipt_id, &receipt);
	if (r < 0)
		return r;
	json_object_set_new(out, "receipt", receipt);
	r = evidence_photo_clerks(s, json_object_get(receipt, "photos"));
	if (r < 0)
		return r;
	eid = json_object_get(receipt, "expected_id");
	if (json_is_integer(eid)) {
		r = store_expected_view(s, json_integer_value(eid), &expected);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	json_object_set_new(out, "expected", expected ? expected : json_null());
	audit = json_array();
	if (!audit)
		return -ENOMEM;
	json_object_set_new(out, "audit", audit);
	return evidence_audit(s, receipt_id, audit);
}

int store_evidence_get(struct store *s, int64_t receipt_id, json_t **out)
{
	int64_t purged_at = 0;
	json_t *o;
	int r;

	if (!s || !out)
		return -EINVAL;
	*out = NULL;
	/* purged whole: nothing left to pack, and the pack says so */
	r = store_receipt_purged(s, receipt_id, &purged_at);
	if (r == 1)
		return store_receipt_purged_fail(s, receipt_id, purged_at);
	if (r < 0 && r != -ENOENT)
		return r;
	o = json_object();
	if (!o)
		return -ENOMEM;
	r = store_tx_begin_read(s);
	if (r == 0) {
		r = evidence_read(s, receipt_id, o);
		store_tx_end_read(s);
	}
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*out = o;
	return 0;
}
