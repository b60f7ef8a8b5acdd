/* SPDX-License-Identifier: MIT */
/*
 * Retention of whole records in the store (schema v10, issue 12): a
 * finished receipt purged after its period leaves a tombstone that still
 * refuses a second refund, an unfinished one (its refund not confirmed)
 * is kept, the details of its audit entries are dropped and the chain
 * still verifies, and a detail dropped without a purge naming it does
 * not.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "retour/evidence.h"
#include "retour/store.h"
#include "retour/store_retention.h"

#define T0 (INT64_C(1795168800) * USEC_PER_SEC)
#define DECIDED (T0 + 60 * USEC_PER_SEC)

struct fixture {
	char dir[64];
	char path[96];
	struct store *s;
	int64_t expected_id, receipt_id;
};

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3_stmt *st;
	sqlite3 *db;
	int64_t v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* An expected return of one kettle, received and decided "accept" with
 * its refund and event queued (pending). */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct expected_return er = {0};
	struct receipt_open ro = {.routine = ROUTINE_RETURN,
				  .desk = "desk-1",
				  .clerk = "anna",
				  .received_at = T0};
	struct decision_record d = {
	    .verdict = "accept",
	    .proposal_json = "{\"verdict\":\"accept\",\"refund_minor\":15900,"
			     "\"reasons\":[{\"text\":\"Anna Nowak called\"}],"
			     "\"items\":[{\"quantity\":1,\"grade\":\"A\"}]}",
	    .refund_minor = 15900,
	    .currency = "PLN",
	    .decided_by = "anna",
	    .decided_at = DECIDED,
	    .label_zpl = "^XA^FDRMA-1^FS^XZ",
	};
	struct outbox_new out[2] = {{.action = "refund.requested",
				     .key = "demo:desk-1:1:refund:1",
				     .not_before = DECIDED},
				    {.action = "return.decided",
				     .key = "demo:desk-1:1:return.decided:1",
				     .not_before = DECIDED}};
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/retour-keep-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/retour.db", f->dir);
	assert_int_equal(store_open(f->path, &f->s, err, sizeof(err)), 0);
	snprintf(er.rma, sizeof(er.rma), "RMA-1");
	snprintf(er.order_ref, sizeof(er.order_ref), "ORD-1");
	snprintf(er.shop, sizeof(er.shop), "demo");
	er.kind = RETURN_WITHDRAWAL;
	memcpy(er.currency, "PLN", 4);
	er.delivered_at = T0 - 5 * USEC_PER_DAY;
	er.n_items = 1;
	snprintf(er.items[0].sku, RETURN_REF_LEN, "SKU-1");
	er.items[0].quantity = 1;
	er.items[0].unit_price_minor = 15900;
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	f->expected_id = ro.expected_id = er.id;
	snprintf(ro.code, sizeof(ro.code), "TRK-ANNA-NOWAK");
	assert_int_equal(store_receipt_open(f->s, &ro, &f->receipt_id), 0);
	assert_int_equal(store_receipt_decide(f->s, f->receipt_id, &d, out, 2),
			 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static struct retention_policy receipts_for(int days)
{
	struct retention_policy p = {0};

	p.days[RETENTION_RECEIPTS] = days;
	return p;
}

static void test_an_unconfirmed_refund_keeps_the_record(void **state)
{
	struct fixture *f = *state;
	struct retention_policy p = receipts_for(1);
	struct store_retention_result res;
	int64_t far = DECIDED + 3650 * USEC_PER_DAY;

	assert_int_equal(store_retention_purge(f->s, &p, far, "test", &res), 0);
	assert_int_equal(res.n[RETENTION_RECEIPTS], 0);
	/* delivered, but the refund went dead: still not finished */
	assert_int_equal(store_outbox_mark_done(f->s, 2, NULL, DECIDED + 10),
			 0);
	assert_int_equal(
	    store_outbox_mark_dead(f->s, 1, "shop said no", DECIDED + 10), 0);
	assert_int_equal(store_retention_purge(f->s, &p, far, "test", &res), 0);
	assert_int_equal(res.n[RETENTION_RECEIPTS], 0);
	assert_int_equal(store_receipt_purged(f->s, f->receipt_id, NULL), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit WHERE "
					  "action = 'retention.purged'"),
			 0);
}

static void test_a_finished_record_leaves_a_tombstone(void **state)
{
	struct fixture *f = *state;
	struct retention_policy p = receipts_for(30);
	struct store_retention_result res;
	int64_t confirmed = DECIDED + USEC_PER_DAY, purged_at = 0, prior = 0;
	int64_t checked = 0, bad = -1;
	bool printed = false;
	json_t *j = NULL;

	assert_int_equal(store_outbox_mark_done(f->s, 1, "R-77", confirmed), 0);
	assert_int_equal(store_outbox_mark_done(f->s, 2, NULL, confirmed), 0);
	/* the period counts from the refund confirmed, not the decision */
	assert_int_equal(
	    store_retention_purge(f->s, &p, confirmed + 30 * USEC_PER_DAY - 1,
				  "test", &res),
	    0);
	assert_int_equal(res.n[RETENTION_RECEIPTS], 0);
	assert_int_equal(store_retention_purge(f->s, &p,
					       confirmed + 30 * USEC_PER_DAY,
					       "test", &res),
			 0);
	assert_int_equal(res.n[RETENTION_RECEIPTS], 1);
	/* receipt.open, receipt.decide: their details held the code */
	assert_true(res.audit_redacted >= 2);
	assert_int_equal(res.audit_kept_legacy, 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit WHERE "
					  "detail LIKE '%ANNA%'"),
			 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM receipt WHERE "
					  "code <> '' OR clerk <> ''"),
			 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM label"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM outbox WHERE "
					  "payload IS NOT NULL"),
			 0);
	/* the keys stay: a row with the same key is still refused */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM outbox"), 2);
	/* the chain still verifies, and the purge names what it dropped */
	assert_int_equal(store_audit_verify(f->s, &checked, &bad), 0);
	assert_int_equal(bad, 0);

	/* the tombstone answers, with when */
	assert_int_equal(store_receipt_purged(f->s, f->receipt_id, &purged_at),
			 1);
	assert_true(purged_at == confirmed + 30 * USEC_PER_DAY);
	assert_int_equal(store_receipt_get(f->s, f->receipt_id, &j), -EIDRM);
	assert_null(j);
	assert_non_null(strstr(store_errmsg(f->s),
			       "purged by the station's retention at "));
	assert_int_equal(store_evidence_get(f->s, f->receipt_id, &j), -EIDRM);
	assert_int_equal(store_receipt_purged(f->s, 999, NULL), -ENOENT);

	/* a rescan of the RMA: decided already, nothing left to refund */
	assert_int_equal(
	    store_expected_decided(f->s, f->expected_id, &prior, &printed), 1);
	assert_true(prior == f->receipt_id);
	assert_int_equal(raw_int(f->path,
				 "SELECT json_extract(proposal_json, "
				 "'$.items[0].quantity') FROM receipt"),
			 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM receipt WHERE "
					  "proposal_json LIKE '%Nowak%'"),
			 0);

	/* nothing is due twice */
	assert_int_equal(store_retention_purge(f->s, &p,
					       confirmed + 400 * USEC_PER_DAY,
					       "test", &res),
			 0);
	assert_int_equal(res.n[RETENTION_RECEIPTS], 0);
}

static void test_a_drop_no_purge_names_breaks_the_chain(void **state)
{
	struct fixture *f = *state;
	int64_t checked = 0, bad = 0;

	assert_int_equal(store_audit_verify(f->s, &checked, &bad), 0);
	/* the trigger lets a detail go, and nothing else change */
	assert_int_not_equal(raw_exec(f->path, "UPDATE audit SET actor = 'x' "
					       "WHERE id = 2"),
			     SQLITE_OK);
	assert_int_not_equal(raw_exec(f->path,
				      "UPDATE audit SET detail = NULL, "
				      "redacted_at = 1, subject = 'x' "
				      "WHERE id = 2"),
			     SQLITE_OK);
	assert_int_equal(raw_exec(f->path, "UPDATE audit SET detail = NULL, "
					   "redacted_at = 1 WHERE id = 2"),
			 SQLITE_OK);
	assert_int_equal(store_audit_verify(f->s, &checked, &bad), -EBADMSG);
	assert_int_equal(bad, 2);
}

static void test_a_changed_detail_breaks_the_chain(void **state)
{
	struct fixture *f = *state;
	int64_t checked = 0, bad = 0;

	/* the hash kept for the detail no longer matches it */
	assert_int_equal(
	    raw_exec(f->path, "DROP TRIGGER audit_no_update;"
			      "UPDATE audit SET detail = '{}' WHERE id = 2"),
	    SQLITE_OK);
	assert_int_equal(store_audit_verify(f->s, &checked, &bad), -EBADMSG);
	assert_int_equal(bad, 2);
	assert_int_equal(checked, 1);
}

/* A dispute pack's entry whose detail a purge dropped still checks by
 * the hash kept; a changed one does not. */
static void test_a_pack_entry_checks_by_its_kept_hash(void **state)
{
	struct fixture *f = *state;
	char hash[65], want[65], zero[65];
	json_t *rec = NULL, *a;

	(void)f;
	memset(zero, '0', 64);
	zero[64] = '\0';
	assert_int_equal(store_evidence_get(f->s, f->receipt_id, &rec), 0);
	a = json_array_get(json_object_get(rec, "audit"), 0);
	assert_non_null(json_object_get(a, "detail_sha256"));
	snprintf(want, sizeof(want), "%s",
		 json_string_value(json_object_get(a, "hash")));
	assert_int_equal(
	    evidence_audit_hash(
		json_string_value(json_object_get(a, "prev_hash")),
		json_integer_value(json_object_get(a, "id")),
		json_integer_value(json_object_get(a, "at_us")),
		json_string_value(json_object_get(a, "actor")),
		json_string_value(json_object_get(a, "action")),
		json_string_value(json_object_get(a, "subject")), NULL,
		json_string_value(json_object_get(a, "detail_sha256")), hash),
	    0);
	assert_string_equal(hash, want);
	assert_int_equal(
	    evidence_audit_hash(
		json_string_value(json_object_get(a, "prev_hash")),
		json_integer_value(json_object_get(a, "id")),
		json_integer_value(json_object_get(a, "at_us")),
		json_string_value(json_object_get(a, "actor")),
		json_string_value(json_object_get(a, "action")),
		json_string_value(json_object_get(a, "subject")), "{}",
		json_string_value(json_object_get(a, "detail_sha256")), hash),
	    0);
	assert_string_not_equal(hash, want);
	assert_int_equal(
	    evidence_audit_hash(zero, 1, 1, "", "", "", NULL, "zz", hash),
	    -EINVAL);
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_an_unconfirmed_refund_keeps_the_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_a_finished_record_leaves_a_tombstone, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_a_drop_no_purge_names_breaks_the_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_a_changed_detail_breaks_the_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_a_pack_entry_checks_by_its_kept_hash, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
