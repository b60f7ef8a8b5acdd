/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the store: each test gets a fresh directory from mkdtemp
 * and a real SQLite file in it.  Tampering, corruption and locking are done
 * with raw SQLite calls or plain file writes, the way they happen in the
 * field.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "retour/event.h"
#include "retour/rules.h"
#include "retour/store.h"

/* 2026-11-20T10:00:00Z */
#define T0 (INT64_C(1795168800) * USEC_PER_SEC)
#define GRACE (30 * USEC_PER_SEC)

struct store_fixture {
	char dir[64];
	char path[128];
	struct store *s;
};

static int store_test_rm(const char *path, const struct stat *sb, int flag,
			 struct FTW *ftw)
{
	return remove(path);
}

static int store_setup(void **state)
{
	struct store_fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/retour-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/retour.db", f->dir);
	assert_int_equal(store_open(f->path, &f->s, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int store_teardown(void **state)
{
	struct store_fixture *f = *state;

	store_close(f->s);
	nftw(f->dir, store_test_rm, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Run SQL on the file through a separate, raw connection. */
static int raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static void expected_fill(struct expected_return *er, const char *rma,
			  const char *order, const char *code)
{
	memset(er, 0, sizeof(*er));
	snprintf(er->rma, sizeof(er->rma), "%s", rma);
	snprintf(er->order_ref, sizeof(er->order_ref), "%s", order);
	snprintf(er->shop, sizeof(er->shop), "demo");
	if (code) {
		snprintf(er->lookup_codes[0], RETURN_REF_LEN, "%s", code);
		er->n_lookup_codes = 1;
	}
	er->kind = RETURN_WITHDRAWAL;
	memcpy(er->currency, "PLN", 4);
	er->delivered_at = T0 - 5 * USEC_PER_DAY;
	er->delivery_basic_minor = 1299;
	er->n_items = 2;
	snprintf(er->items[0].sku, RETURN_REF_LEN, "SKU-1");
	snprintf(er->items[0].gtin, 16, "5901234123457");
	snprintf(er->items[0].name, RETURN_NAME_LEN, "Kettle");
	er->items[0].quantity = 1;
	er->items[0].unit_price_minor = 15900;
	er->items[0].weight_g = 1200;
	snprintf(er->items[1].sku, RETURN_REF_LEN, "SKU-2");
	er->items[1].quantity = 2;
	er->items[1].unit_price_minor = 2500;
	er->items[1].weight_g = 150;
	er->items[1].sealed_hygiene = true;
}

static int64_t receipt_open_for(struct store *s, int64_t expected_id,
				const char *code)
{
	struct receipt_open ro = {
	    .expected_id = expected_id,
	    .routine = ROUTINE_RETURN,
	    .desk = "desk-1",
	    .clerk = "anna",
	    .received_at = T0,
	};
	int64_t id = 0;

	snprintf(ro.code, sizeof(ro.code), "%s", code);
	assert_int_equal(store_receipt_open(s, &ro, &id), 0);
	assert_true(id > 0);
	return id;
}

static struct decision_record decision_accept(void)
{
	struct decision_record d = {
	    .verdict = "accept",
	    /* both lines of expected_fill() back: the return is answered */
	    .proposal_json = "{\"verdict\":\"accept\",\"reasons\":[],"
			     "\"items\":[{\"quantity\":1},{\"quantity\":2}]}",
	    .refund_minor = 15900,
	    .currency = "PLN",
	    .decided_by = "anna",
	    .decided_at = T0 + 60 * USEC_PER_SEC,
	    .label_zpl = "^XA^FDRMA-1^FS^XZ",
	};
	return d;
}

static void outbox_fill(struct outbox_new *o, int64_t receipt_id, int seq,
			int64_t not_before)
{
	static const char *const actions[] = {"refund.requested",
					      "return.decided"};

	for (int i = 0; i < 2; i++) {
		o[i].action = actions[i];
		snprintf(o[i].key, sizeof(o[i].key), "r%lld-d%d-%s",
			 (long long)receipt_id, seq, actions[i]);
		o[i].payload = "{\"amount\":15900}";
		o[i].not_before = not_before;
	}
}

/* What the desk records: the proposal once, the shop, and outbox rows
 * without a body (rendered when they are delivered). */
static const char decided_proposal[] =
    "{\"currency\":\"PLN\",\"delivery_refund_minor\":0,\"items\":["
    "{\"accepted\":true,\"deduction_minor\":0,\"disposition\":\"restock\","
    "\"grade\":\"A\",\"quantity\":1,\"refund_minor\":15900},"
    "{\"accepted\":false,\"deduction_minor\":0,\"disposition\":\"hold\","
    "\"grade\":\"A\",\"quantity\":0,\"refund_minor\":0}],"
    "\"reasons\":[{\"code\":\"within_window\",\"item\":-1,"
    "\"text\":\"In time.\"}],\"refund_minor\":15900,"
    "\"verdict\":\"partial\"}";

static void decide_as_the_desk(struct store *s, int64_t receipt_id,
			       const char *verdict, int64_t decided_at,
			       struct outbox_new out[2])
{
	static const char *const actions[] = {"refund.requested",
					      "return.decided"};
	struct decision_record d = decision_accept();

	d.verdict = verdict;
	d.proposal_json = decided_proposal;
	d.decided_at = decided_at;
	d.shop = "demo";
	for (int i = 0; i < 2; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].action = actions[i];
		snprintf(out[i].key, sizeof(out[i].key),
			 "demo:desk-1:%lld:%s:%lld", (long long)receipt_id,
			 i ? "return.decided" : "refund",
			 (long long)decided_at);
		out[i].not_before = decided_at + GRACE;
	}
	assert_int_equal(store_receipt_decide(s, receipt_id, &d, out, 2), 0);
}

/* One integer from the file through a raw connection. */
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

static int64_t count_outbox(struct store *s, const char *state)
{
	int64_t n = -1;

	assert_int_equal(store_outbox_count(s, state, &n), 0);
	return n;
}

/* ---- open, migrations, reopen ---- */

/* The next due row with its body, as the outbox sender makes it: the
 * store reads the facts, the codec renders them. */
static int next_due(struct store *s, int64_t now, struct outbox_row *row)
{
	char why[80];
	int r = store_outbox_next_due(s, now, row);

	if (r == 0 && !row->payload && row->has_facts &&
	    event_render(&row->facts, &row->payload, why, sizeof(why)) < 0)
		snprintf(row->problem, sizeof(row->problem),
			 "cannot render %s of receipt %lld: %s", row->action,
			 (long long)row->receipt_id, why);
	return r;
}

static void test_store_new_file_is_migrated(void **state)
{
	struct store_fixture *f = *state;
	sqlite3_stmt *st;
	sqlite3 *db;
	int64_t checked = -1, bad = -1;
	char msg[128];

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_true(sqlite3_column_int(st, 0) >= 1);
	sqlite3_finalize(st);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);

	assert_int_equal(store_check(f->s, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "ok");
	assert_int_equal(store_audit_verify(f->s, &checked, &bad), 0);
	assert_int_equal(checked, 0);
	assert_true(store_size_bytes(f->s) > 0);
}

static void test_store_reopen_keeps_data(void **state)
{
	struct store_fixture *f = *state;
	struct expected_return er, got;
	int64_t n = 0, checked = 0, bad = 0;
	char err[256], name[64];

	expected_fill(&er, "RMA-1001", "ORD-77", "QR-AAA");
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	assert_int_equal(store_clerk_put(f->s, "B-42", "Anna Nowak", T0), 0);
	receipt_open_for(f->s, er.id, "RMA-1001");
	store_close(f->s);

	assert_int_equal(store_open(f->path, &f->s, err, sizeof(err)), 0);
	assert_int_equal(store_expected_find(f->s, "RMA-1001", &got), 0);
	assert_int_equal(got.id, er.id);
	assert_int_equal(got.n_items, 2);
	assert_int_equal(store_count_receipts(f->s, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_clerk_by_badge(f->s, "B-42", name, sizeof(name)),
			 0);
	assert_string_equal(name, "Anna Nowak");
	assert_int_equal(store_clerk_by_badge(f->s, "B-43", name, sizeof(name)),
			 -ENOENT);
	assert_int_equal(store_audit_verify(f->s, &checked, &bad), 0);
	assert_int_equal(checked, 3);
}

static void test_store_newer_schema_refused(void **state)
{
	struct store_fixture *f = *state;
	struct store *s2 = NULL;
	char err[256];

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(raw_exec(f->path, "PRAGMA user_version = 99"),
			 SQLITE_OK);
	assert_int_equal(store_open(f->path, &s2, err, sizeof(err)), -EROFS);
	assert_null(s2);
	assert_non_null(strstr(err, "newer retour"));
	assert_non_null(strstr(err, f->path));
}

static void file_read_all(const char *path, unsigned char *buf, size_t len)
{
	FILE *fp = fopen(path, "rb");

	assert_non_null(fp);
	assert_int_equal(fread(buf, 1, len, fp), len);
	fclose(fp);
}

static void test_store_garbage_file_untouched(void **state)
{
	struct store_fixture *f = *state;
	unsigned char garbage[8192], after[8192];
	char path[160], wal[170], err[256];
	struct store *s2 = NULL;
	struct stat stbuf;
	FILE *fp;

	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (unsigned char)(i * 131 + 7);
	snprintf(path, sizeof(path), "%s/garbage.db", f->dir);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(garbage, 1, sizeof(garbage), fp),
			 sizeof(garbage));
	fclose(fp);

	assert_int_equal(store_open(path, &s2, err, sizeof(err)), -EIO);
	assert_null(s2);
	assert_non_null(strstr(err, "not a database"));
	assert_non_null(strstr(err, path));

	assert_int_equal(stat(path, &stbuf), 0);
	assert_int_equal(stbuf.st_size, sizeof(garbage));
	file_read_all(path, after, sizeof(after));
	assert_memory_equal(garbage, after, sizeof(garbage));
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_not_equal(access(wal, F_OK), 0);
}

static void test_store_damaged_pages_refused(void **state)
{
	struct store_fixture *f = *state;
	struct expected_return er;
	struct store *s2 = NULL;
	unsigned char junk[4096];
	char err[256];
	struct stat stbuf;
	int fd;

	/* Enough rows for several pages, then checkpoint into the file. */
	for (int i = 0; i < 40; i++) {
		char rma[32];

		snprintf(rma, sizeof(rma), "RMA-%d", i);
		expected_fill(&er, rma, "ORD", NULL);
		assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	}
	store_close(f->s);
	f->s = NULL;

	assert_int_equal(stat(f->path, &stbuf), 0);
	assert_true(stbuf.st_size >= 8 * 4096);
	memset(junk, 0xa5, sizeof(junk));
	fd = open(f->path, O_WRONLY);
	assert_true(fd >= 0);
	/* Every page but the first (header and schema). */
	for (off_t off = 4096; off < stbuf.st_size; off += 4096)
		assert_int_equal(pwrite(fd, junk, sizeof(junk), off),
				 sizeof(junk));
	close(fd);

	assert_int_equal(store_open(f->path, &s2, err, sizeof(err)), -EIO);
	assert_null(s2);
	assert_non_null(strstr(err, f->path));
}

static void test_store_locked_file_busy(void **state)
{
	struct store_fixture *f = *state;
	struct store *s2 = NULL;
	struct timespec a, b;
	char err[256];
	sqlite3 *db;
	double secs;

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL),
			 SQLITE_OK);

	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(store_open(f->path, &s2, err, sizeof(err)), -EBUSY);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	assert_null(s2);
	assert_non_null(strstr(err, "locked by another process"));
	assert_true(secs >= 1.5 && secs < 3.5);

	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, &f->s, err, sizeof(err)), 0);
}

/* ---- expected returns ---- */

static void test_store_expected_find_by_each_code(void **state)
{
	struct store_fixture *f = *state;
	struct expected_return er, older, got;

	expected_fill(&older, "RMA-0999", "ORD-77", NULL);
	assert_int_equal(store_expected_put(f->s, &older, "api", T0), 0);
	expected_fill(&er, "RMA-1001", "ORD-77", "qr-abc-9");
	assert_int_equal(store_expected_put(f->s, &er, "api", T0 + 1), 0);
	assert_true(er.id > older.id);

	assert_int_equal(store_expected_find(f->s, "RMA-1001", &got), 0);
	assert_int_equal(got.id, er.id);
	assert_string_equal(got.rma, "RMA-1001");
	assert_string_equal(got.currency, "PLN");
	assert_int_equal(got.delivery_basic_minor, 1299);
	assert_int_equal(got.n_items, 2);
	assert_string_equal(got.items[0].gtin, "5901234123457");
	assert_true(got.items[1].sealed_hygiene);
	assert_false(got.items[0].sealed_hygiene);
	assert_int_equal(got.n_lookup_codes, 1);
	assert_string_equal(got.lookup_codes[0], "qr-abc-9");

	/* Letters match whatever their case. */
	assert_int_equal(store_expected_find(f->s, "rma-0999", &got), 0);
	assert_int_equal(got.id, older.id);
	assert_int_equal(store_expected_find(f->s, "QR-ABC-9", &got), 0);
	assert_int_equal(got.id, er.id);
	/* Two returns of one order: the most recent wins. */
	assert_int_equal(store_expected_find(f->s, "ord-77", &got), 0);
	assert_int_equal(got.id, er.id);

	assert_int_equal(store_expected_find(f->s, "RMA-1002", &got), -ENOENT);
	assert_int_equal(store_expected_find(f->s, "", &got), -ENOENT);
}

static void test_store_expected_put_replaces(void **state)
{
	struct store_fixture *f = *state;
	struct expected_return er, again, got;
	json_t *list, *first;

	expected_fill(&er, "RMA-5", "ORD-5", "OLD-CODE");
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);

	expected_fill(&again, "rma-5", "ORD-5", "NEW-CODE");
	again.n_items = 1;
	again.items[0].quantity = 3;
	assert_int_equal(store_expected_put(f->s, &again, "api", T0 + 5), 0);
	assert_int_equal(again.id, er.id);

	assert_int_equal(store_expected_find(f->s, "OLD-CODE", &got), -ENOENT);
	assert_int_equal(store_expected_find(f->s, "NEW-CODE", &got), 0);
	assert_int_equal(got.n_items, 1);
	assert_int_equal(got.items[0].quantity, 3);

	/* Ship-QC orders without an RMA are keyed by order number. */
	expected_fill(&er, "", "SHIP-1", NULL);
	er.kind = RETURN_SHIPMENT;
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	expected_fill(&again, "", "SHIP-1", NULL);
	again.kind = RETURN_SHIPMENT;
	assert_int_equal(store_expected_put(f->s, &again, "api", T0 + 9), 0);
	assert_int_equal(again.id, er.id);

	assert_int_equal(store_expected_list(f->s, 10, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	first = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(first, "order")),
			    "SHIP-1");
	assert_string_equal(json_string_value(json_object_get(first, "kind")),
			    "shipment");
	assert_int_equal(json_array_size(json_object_get(first, "items")), 2);
	assert_string_equal(
	    json_string_value(json_object_get(first, "delivered_at")),
	    "2026-11-15T10:00:00Z");
	json_decref(list);

	/* Neither an RMA nor an order number: nothing to match it by. */
	expected_fill(&er, "", "", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), -EINVAL);
}

/*
 * Two shops number their returns alike (WooCommerce's "WC-<order>",
 * BaseLinker's "BL-<return>"): a return of shop beta must not replace
 * shop alpha's of the same RMA, or alpha's parcel would be refunded by
 * beta, to beta's customer.  It is left out, saying whose it is.
 */
static void test_store_expected_put_keeps_another_shops(void **state)
{
	struct store_fixture *f = *state;
	struct expected_return er, other, got;

	expected_fill(&er, "WC-1234", "1234", NULL);
	snprintf(er.shop, sizeof(er.shop), "alpha");
	snprintf(er.shop_order_id, sizeof(er.shop_order_id), "1234");
	assert_int_equal(store_expected_put(f->s, &er, "pull", T0), 0);

	expected_fill(&other, "WC-1234", "1234", NULL);
	snprintf(other.shop, sizeof(other.shop), "beta");
	snprintf(other.shop_order_id, sizeof(other.shop_order_id), "9999");
	assert_int_equal(store_expected_put(f->s, &other, "pull", T0 + 5),
			 -EINVAL);
	assert_non_null(strstr(store_errmsg(f->s), "alpha"));

	assert_int_equal(store_expected_find(f->s, "WC-1234", &got), 0);
	assert_string_equal(got.shop, "alpha");
	assert_string_equal(got.shop_order_id, "1234");

	/* The same shop again still replaces its own. */
	snprintf(er.shop_order_id, sizeof(er.shop_order_id), "1235");
	assert_int_equal(store_expected_put(f->s, &er, "pull", T0 + 9), 0);
	assert_int_equal(store_expected_find(f->s, "WC-1234", &got), 0);
	assert_string_equal(got.shop_order_id, "1235");
}

static void test_store_expected_at_the_desk_is_kept(void **state)
{
	struct store_fixture *f = *state;
	struct expected_return er, again, got;
	int64_t rid;

	expected_fill(&er, "RMA-6", "ORD-6", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	rid = receipt_open_for(f->s, er.id, "RMA-6");

	/* The parcel is on the desk: a re-import changes nothing. */
	expected_fill(&again, "RMA-6", "ORD-CHANGED", NULL);
	again.n_items = 1;
	assert_int_equal(store_expected_put(f->s, &again, "api", T0 + 5),
			 STORE_EXPECTED_KEPT);
	assert_int_equal(again.id, er.id);
	assert_int_equal(store_expected_find(f->s, "RMA-6", &got), 0);
	assert_string_equal(got.order_ref, "ORD-6");
	assert_int_equal(got.n_items, 2);

	/* Once that receipt is cancelled, the shop may change it again. */
	assert_int_equal(store_receipt_cancel(f->s, rid, "anna", T0 + 6), 0);
	assert_int_equal(store_expected_put(f->s, &again, "api", T0 + 7), 0);
	assert_int_equal(store_expected_find(f->s, "RMA-6", &got), 0);
	assert_string_equal(got.order_ref, "ORD-CHANGED");
}

/* ---- decisions, undo ---- */

static void test_store_decide_writes_everything_once(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct expected_return er;
	struct outbox_new out[2];
	json_t *r, *outbox, *labels;
	int64_t id;

	expected_fill(&er, "RMA-1", "ORD-1", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	id = receipt_open_for(f->s, er.id, "RMA-1");
	outbox_fill(out, id, 1, d.decided_at + GRACE);

	assert_int_equal(store_receipt_decide(f->s, id, &d, out, 2), 0);
	assert_int_equal(count_outbox(f->s, "pending"), 2);
	assert_int_equal(store_receipt_get(f->s, id, &r), 0);
	assert_string_equal(json_string_value(json_object_get(r, "state")),
			    "decided");
	assert_string_equal(json_string_value(json_object_get(r, "verdict")),
			    "accept");
	outbox = json_object_get(r, "outbox");
	labels = json_object_get(r, "labels");
	assert_int_equal(json_array_size(outbox), 2);
	assert_int_equal(json_array_size(labels), 1);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(labels, 0), "zpl")),
			    "^XA^FDRMA-1^FS^XZ");
	json_decref(r);

	/* A second decision is refused and changes nothing. */
	outbox_fill(out, id, 2, d.decided_at + GRACE);
	assert_int_equal(store_receipt_decide(f->s, id, &d, out, 2), -EEXIST);
	assert_int_equal(count_outbox(f->s, NULL), 2);

	/* Printing is recorded on the label. */
	assert_int_equal(
	    store_label_mark_printed(f->s, id, false, "paper out", T0), 0);
	assert_int_equal(store_receipt_get(f->s, id, &r), 0);
	labels = json_object_get(r, "labels");
	assert_false(json_is_true(
	    json_object_get(json_array_get(labels, 0), "printed")));
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(labels, 0), "print_detail")),
			    "paper out");
	json_decref(r);
}

static void test_store_decide_duplicate_key_rolls_back(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct outbox_new out[2], clash[2];
	int64_t a, b, checked;
	json_t *r;

	a = receipt_open_for(f->s, 0, "UNKNOWN-1");
	b = receipt_open_for(f->s, 0, "UNKNOWN-2");
	outbox_fill(out, a, 1, T0);
	assert_int_equal(store_receipt_decide(f->s, a, &d, out, 2), 0);

	/* b's second row reuses a key of a: the whole decision is undone. */
	outbox_fill(clash, b, 1, T0);
	clash[1] = out[1];
	assert_int_equal(store_receipt_decide(f->s, b, &d, clash, 2), -EEXIST);
	assert_non_null(strstr(store_errmsg(f->s), out[1].key));
	assert_int_equal(count_outbox(f->s, NULL), 2);
	assert_int_equal(store_receipt_get(f->s, b, &r), 0);
	assert_string_equal(json_string_value(json_object_get(r, "state")),
			    "open");
	assert_true(json_is_null(json_object_get(r, "verdict")));
	assert_int_equal(json_array_size(json_object_get(r, "labels")), 0);
	assert_int_equal(json_array_size(json_object_get(r, "outbox")), 0);
	json_decref(r);
	assert_int_equal(store_audit_verify(f->s, &checked, NULL), 0);

	/* Bad input is refused before anything is written. */
	d.verdict = "maybe";
	assert_int_equal(store_receipt_decide(f->s, b, &d, NULL, 0), -EINVAL);
	d = decision_accept();
	assert_int_equal(store_receipt_decide(f->s, 999, &d, NULL, 0), -ENOENT);
}

static void test_store_undo_within_grace(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct outbox_new out[2];
	struct outbox_row row;
	int64_t id;
	json_t *r;

	id = receipt_open_for(f->s, 0, "X");
	outbox_fill(out, id, 1, d.decided_at + GRACE);
	assert_int_equal(store_receipt_decide(f->s, id, &d, out, 2), 0);

	assert_int_equal(
	    store_receipt_undo(f->s, id, "anna", d.decided_at + GRACE / 2), 0);
	assert_int_equal(count_outbox(f->s, "cancelled"), 2);
	assert_int_equal(count_outbox(f->s, "pending"), 0);
	assert_int_equal(next_due(f->s, d.decided_at + 2 * GRACE, &row),
			 -ENOENT);
	assert_int_equal(store_receipt_get(f->s, id, &r), 0);
	assert_string_equal(json_string_value(json_object_get(r, "state")),
			    "undone");
	json_decref(r);
	/* Undoing twice makes no sense. */
	assert_int_equal(store_receipt_undo(f->s, id, "anna", T0), -ENOENT);

	/* Decided again: the old keys stay taken, new ones go through. */
	d.verdict = "reject";
	d.refund_minor = 0;
	assert_int_equal(store_receipt_decide(f->s, id, &d, out, 2), -EEXIST);
	outbox_fill(out, id, 2, d.decided_at + GRACE);
	assert_int_equal(store_receipt_decide(f->s, id, &d, out, 2), 0);
	assert_int_equal(count_outbox(f->s, "pending"), 2);
	assert_int_equal(store_receipt_get(f->s, id, &r), 0);
	assert_string_equal(json_string_value(json_object_get(r, "verdict")),
			    "reject");
	assert_int_equal(json_integer_value(json_object_get(r, "decisions")),
			 2);
	json_decref(r);
}

/* A device lost mid-parcel: the note is the receipt's, the event row is
 * no receipt's, so undoing the parcel leaves it and is not refused by it
 * once it was sent. */
static void test_store_device_event_and_note(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct outbox_new out[2],
	    ev = {.action = "device.fault",
		  .payload = "{\"type\":\"device.fault\"}",
		  .not_before = T0};
	struct store_device_event sev = {.action = "device.fault",
					 .device = "scale",
					 .state = "fault",
					 .reason = "cable pulled",
					 .outbox = &ev};
	struct outbox_row row;
	json_t *r, *notes;
	int64_t id;

	id = receipt_open_for(f->s, 0, "X");
	sev.receipt_id = id;
	snprintf(ev.key, sizeof(ev.key), "demo:desk-1:scale:device.fault:1");
	assert_int_equal(store_device_event(f->s, &sev, "anna", T0), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM outbox WHERE "
					  "receipt_id IS NULL AND action = "
					  "'device.fault'"),
			 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit WHERE "
					  "action = 'device.fault' AND "
					  "subject = 'device:scale'"),
			 1);
	/* not routed: audited, not queued */
	sev.outbox = NULL;
	sev.action = "device.ok";
	sev.state = "connected";
	assert_int_equal(store_device_event(f->s, &sev, "anna", T0 + 1), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM outbox"), 1);

	assert_int_equal(store_receipt_note(f->s, id, "weigh",
					    "weighed manually: scale unplugged",
					    "anna", T0 + 2),
			 0);
	assert_int_equal(store_receipt_note(f->s, id, "", "x", "anna", T0),
			 -EINVAL);
	assert_int_equal(store_receipt_get(f->s, id, &r), 0);
	notes = json_object_get(r, "notes");
	assert_int_equal(json_array_size(notes), 1);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(notes, 0), "note")),
			    "weighed manually: scale unplugged");
	json_decref(r);

	/* the event row is delivered; the parcel is decided and undone */
	assert_int_equal(next_due(f->s, T0, &row), 0);
	assert_int_equal(store_outbox_mark_done(f->s, row.id, NULL, T0), 0);
	store_outbox_row_release(&row);
	outbox_fill(out, id, 1, d.decided_at + GRACE);
	assert_int_equal(store_receipt_decide(f->s, id, &d, out, 2), 0);
	assert_int_equal(
	    store_receipt_undo(f->s, id, "anna", d.decided_at + GRACE / 2), 0);
	assert_int_equal(count_outbox(f->s, "done"), 1);
	assert_int_equal(count_outbox(f->s, "cancelled"), 2);
}

static void test_store_undo_too_late(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct outbox_new out[2];
	struct outbox_row row;
	int64_t id, late;

	id = receipt_open_for(f->s, 0, "X");
	outbox_fill(out, id, 1, d.decided_at + GRACE);
	assert_int_equal(store_receipt_decide(f->s, id, &d, out, 2), 0);

	/* The grace period is over: the sender may be sending right now. */
	assert_int_equal(
	    store_receipt_undo(f->s, id, "anna", d.decided_at + GRACE),
	    -EALREADY);

	/* One attempt made (it failed, will retry): too late as well. */
	assert_int_equal(next_due(f->s, d.decided_at + GRACE, &row), 0);
	assert_int_equal(store_outbox_claim(f->s, &row, d.decided_at + GRACE,
					    d.decided_at + 2 * GRACE),
			 0);
	assert_int_equal(store_outbox_mark_retry(f->s, row.id,
						 d.decided_at + 2 * GRACE,
						 "HTTP 503", T0),
			 0);
	store_outbox_row_release(&row);
	assert_int_equal(store_receipt_undo(f->s, id, "anna", d.decided_at + 1),
			 -EALREADY);
	assert_int_equal(count_outbox(f->s, "pending"), 2);

	/* Cancelling a decided receipt is refused too. */
	assert_int_equal(store_receipt_cancel(f->s, id, "anna", T0), -EEXIST);
	late = receipt_open_for(f->s, 0, "Y");
	assert_int_equal(store_receipt_cancel(f->s, late, "anna", T0), 0);
	assert_int_equal(store_receipt_cancel(f->s, late, "anna", T0),
			 -EALREADY);
	assert_int_equal(
	    store_receipt_set_weight(f->s, late, true, 100, false, "anna", T0),
	    -EINVAL);
}

/* The sender's side: its own handle, as in the daemon. */
static struct store *sender_handle(struct store_fixture *f)
{
	struct store *s = NULL;
	char err[256];

	assert_int_equal(store_open(f->path, &s, err, sizeof(err)), 0);
	return s;
}

static void test_store_claim_sends_once_and_blocks_undo(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct outbox_new out[2];
	struct outbox_row row, again;
	struct store *sender = sender_handle(f);
	int64_t id, nb = d.decided_at + GRACE;

	id = receipt_open_for(f->s, 0, "X");
	outbox_fill(out, id, 1, nb);
	assert_int_equal(store_receipt_decide(f->s, id, &d, out, 2), 0);

	/* Not due yet: nothing to claim. */
	assert_int_equal(next_due(sender, nb, &row), 0);
	assert_int_equal(store_outbox_claim(sender, &row, nb - 1, nb + 10),
			 -EALREADY);
	/* Two reads of the same due row (say, the sender before and after a
	 * restart): only one claim, so only one POST. */
	assert_int_equal(next_due(f->s, nb, &again), 0);
	assert_int_equal(again.id, row.id);
	assert_int_equal(store_outbox_claim(sender, &row, nb, nb + 10), 0);
	assert_int_equal(store_outbox_claim(f->s, &again, nb, nb + 10),
			 -EALREADY);
	store_outbox_row_release(&again);
	/* Until the outcome is known it is not due again. */
	assert_int_equal(next_due(sender, nb + 9, &again), 0);
	assert_int_not_equal(again.id, row.id);
	store_outbox_row_release(&again);

	/* On its way: the clerk's undo is refused, whatever the clock says,
	 * and says why. */
	assert_int_equal(store_receipt_undo(f->s, id, "anna", d.decided_at + 1),
			 -EALREADY);
	assert_non_null(strstr(store_errmsg(f->s),
			       "its refund is already on its way to the shop"));
	assert_int_equal(count_outbox(f->s, "pending"), 2);
	assert_int_equal(store_outbox_mark_done(sender, row.id, "re_1", nb + 5),
			 0);
	store_outbox_row_release(&row);
	assert_int_equal(
	    raw_int(f->path, "SELECT attempts FROM outbox WHERE id = 1"), 1);
	store_close(sender);
}

static void test_store_undo_first_stops_the_claim(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct outbox_new out[2];
	struct outbox_row row;
	int64_t id, nb = d.decided_at + GRACE;

	id = receipt_open_for(f->s, 0, "X");
	outbox_fill(out, id, 1, nb);
	assert_int_equal(store_receipt_decide(f->s, id, &d, out, 2), 0);
	/* The sender read the row, the clerk undid it before the claim. */
	assert_int_equal(next_due(f->s, nb, &row), 0);
	assert_int_equal(store_receipt_undo(f->s, id, "anna", nb - GRACE / 2),
			 0);
	assert_int_equal(store_outbox_claim(f->s, &row, nb, nb + 10),
			 -EALREADY);
	store_outbox_row_release(&row);
	assert_int_equal(count_outbox(f->s, "cancelled"), 2);
}

struct undo_call {
	struct store *s;
	int64_t receipt_id;
	int64_t now;
	int r;
};

static void *undo_thread(void *arg)
{
	struct undo_call *u = arg;

	u->r = store_receipt_undo(u->s, u->receipt_id, "anna", u->now);
	return NULL;
}

static void test_store_undo_waiting_for_the_lock_is_late(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct outbox_new out[2];
	struct undo_call u = {.s = f->s};
	pthread_t th;
	sqlite3 *w;
	int64_t nb = d.decided_at + GRACE;

	u.receipt_id = receipt_open_for(f->s, 0, "X");
	outbox_fill(out, u.receipt_id, 1, nb);
	assert_int_equal(store_receipt_decide(f->s, u.receipt_id, &d, out, 2),
			 0);

	/* The clerk presses undo 100 ms before the grace period ends, while
	 * another writer holds the lock for 400 ms: by the time the undo
	 * could act, the refund may be on the wire. */
	assert_int_equal(sqlite3_open(f->path, &w), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL),
			 SQLITE_OK);
	u.now = nb - 100 * 1000;
	assert_int_equal(pthread_create(&th, NULL, undo_thread, &u), 0);
	usleep(400 * 1000);
	assert_int_equal(sqlite3_exec(w, "COMMIT", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(w);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(u.r, -EALREADY);
	assert_non_null(strstr(store_errmsg(f->s), "grace period ended"));
	assert_int_equal(count_outbox(f->s, "pending"), 2);

	/* Asked at the same time without the wait, it is in time. */
	assert_int_equal(store_receipt_undo(f->s, u.receipt_id, "anna", u.now),
			 0);
	assert_int_equal(count_outbox(f->s, "cancelled"), 2);
}

/* ---- one return, one decision ---- */

static void test_store_second_decision_of_a_return_refused(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct expected_return er;
	struct outbox_new out[2];
	int64_t a, b, rid = 0, checked;
	bool printed = true;
	char msg[128], *zpl = NULL;
	json_t *r;

	expected_fill(&er, "RMA-1", "ORD-1", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	assert_int_equal(store_expected_decided(f->s, er.id, &rid, &printed),
			 0);
	a = receipt_open_for(f->s, er.id, "RMA-1");
	b = receipt_open_for(f->s, er.id, "RMA-1");
	outbox_fill(out, a, 1, d.decided_at + GRACE);
	assert_int_equal(store_receipt_decide(f->s, a, &d, out, 2), 0);

	/* The same parcel scanned again: its own keys, but no second
	 * refund. */
	outbox_fill(out, b, 1, d.decided_at + GRACE);
	assert_int_equal(store_receipt_decide(f->s, b, &d, out, 2), -EEXIST);
	snprintf(msg, sizeof(msg),
		 "RMA RMA-1 was already decided on receipt %lld", (long long)a);
	assert_string_equal(store_errmsg(f->s), msg);
	assert_int_equal(count_outbox(f->s, NULL), 2);
	assert_int_equal(store_receipt_get(f->s, b, &r), 0);
	assert_string_equal(json_string_value(json_object_get(r, "state")),
			    "open");
	assert_int_equal(json_array_size(json_object_get(r, "labels")), 0);
	json_decref(r);

	/* The station can tell the clerk, and print the label again. */
	assert_int_equal(store_expected_decided(f->s, er.id, &rid, &printed),
			 1);
	assert_int_equal(rid, a);
	assert_false(printed);
	assert_int_equal(store_label_zpl(f->s, a, &zpl), 0);
	assert_string_equal(zpl, d.label_zpl);
	free(zpl);
	assert_int_equal(
	    store_label_mark_printed(f->s, a, false, "paper out", T0), 0);
	assert_int_equal(store_expected_decided(f->s, er.id, &rid, &printed),
			 1);
	assert_false(printed);
	assert_int_equal(store_label_mark_printed(f->s, a, true, "printed", T0),
			 0);
	assert_int_equal(store_expected_decided(f->s, er.id, &rid, &printed),
			 1);
	assert_true(printed);
	/* printed, its ZPL is kept for a reprint on request */
	assert_int_equal(store_label_zpl(f->s, a, &zpl), 0);
	assert_string_equal(zpl, d.label_zpl);
	free(zpl);
	zpl = (char *)"untouched";
	assert_int_equal(store_label_zpl(f->s, b, &zpl), -ENOENT);
	assert_null(zpl);

	/* Undone, the return is free for the other receipt. */
	assert_int_equal(store_receipt_undo(f->s, a, "anna", d.decided_at + 1),
			 0);
	assert_int_equal(store_expected_decided(f->s, er.id, &rid, &printed),
			 0);
	assert_int_equal(store_receipt_decide(f->s, b, &d, out, 2), 0);
	assert_int_equal(store_expected_decided(f->s, er.id, &rid, NULL), 1);
	assert_int_equal(rid, b);
	assert_int_equal(store_audit_verify(f->s, &checked, NULL), 0);
}

static void test_store_unexpected_returns_decide_independently(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct outbox_new out[2];
	int64_t a, b;

	d.label_zpl = NULL;
	a = receipt_open_for(f->s, 0, "UNKNOWN");
	b = receipt_open_for(f->s, 0, "UNKNOWN");
	outbox_fill(out, a, 1, T0);
	assert_int_equal(store_receipt_decide(f->s, a, &d, out, 2), 0);
	outbox_fill(out, b, 1, T0);
	assert_int_equal(store_receipt_decide(f->s, b, &d, out, 2), 0);
	assert_int_equal(count_outbox(f->s, NULL), 4);
}

static void test_store_decided_without_label_has_nothing_to_print(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct expected_return er;
	bool printed = false;
	char *zpl = NULL;
	int64_t a, rid = 0;

	d.label_zpl = NULL;
	expected_fill(&er, "RMA-2", "ORD-2", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	a = receipt_open_for(f->s, er.id, "RMA-2");
	assert_int_equal(store_receipt_decide(f->s, a, &d, NULL, 0), 0);
	assert_int_equal(store_expected_decided(f->s, er.id, &rid, &printed),
			 1);
	assert_int_equal(rid, a);
	assert_true(printed);
	assert_int_equal(store_label_zpl(f->s, a, &zpl), -ENOENT);
	assert_int_equal(store_expected_decided(NULL, er.id, NULL, NULL),
			 -EINVAL);
	assert_int_equal(store_label_zpl(f->s, a, NULL), -EINVAL);
}

/* ---- outbox ---- */

static void test_store_outbox_due_retry_dead(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct outbox_new out[2];
	struct outbox_row row;
	int64_t id, when, nb = d.decided_at + GRACE;
	json_t *list, *o;

	id = receipt_open_for(f->s, 0, "X");
	outbox_fill(out, id, 1, nb);
	assert_int_equal(store_outbox_next_time(f->s, &when), -ENOENT);
	assert_int_equal(store_receipt_decide(f->s, id, &d, out, 2), 0);

	/* Not before the grace period ends. */
	assert_int_equal(next_due(f->s, nb - 1, &row), -ENOENT);
	assert_int_equal(store_outbox_next_time(f->s, &when), 0);
	assert_int_equal(when, nb);

	assert_int_equal(next_due(f->s, nb, &row), 0);
	assert_string_equal(row.action, "refund.requested");
	assert_string_equal(row.key, out[0].key);
	assert_string_equal(row.state, "pending");
	assert_string_equal(row.payload, "{\"amount\":15900}");
	assert_int_equal(row.attempts, 0);
	assert_int_equal(row.receipt_id, id);

	/* Retry later: the other row comes first, this one waits. */
	assert_int_equal(store_outbox_claim(f->s, &row, nb, nb + 1000), 0);
	assert_int_equal(
	    store_outbox_mark_retry(f->s, row.id, nb + 1000, "HTTP 429", nb),
	    0);
	store_outbox_row_release(&row);
	assert_int_equal(next_due(f->s, nb, &row), 0);
	assert_string_equal(row.action, "return.decided");
	assert_int_equal(store_outbox_claim(f->s, &row, nb, nb + 500), 0);
	assert_int_equal(store_outbox_mark_done(f->s, row.id, "evt-1", nb), 0);
	store_outbox_row_release(&row);
	assert_int_equal(next_due(f->s, nb + 999, &row), -ENOENT);
	assert_int_equal(store_outbox_next_time(f->s, &when), 0);
	assert_int_equal(when, nb + 1000);

	assert_int_equal(next_due(f->s, nb + 1000, &row), 0);
	assert_int_equal(row.attempts, 1);
	assert_int_equal(store_outbox_claim(f->s, &row, nb + 1000, nb + 3000),
			 0);
	assert_int_equal(
	    store_outbox_mark_dead(f->s, row.id, "HTTP 400", nb + 1000), 0);
	store_outbox_row_release(&row);
	assert_int_equal(next_due(f->s, nb + 5000, &row), -ENOENT);
	assert_int_equal(count_outbox(f->s, "dead"), 1);
	/* The sender cannot bring back a dead row by itself... */
	assert_int_equal(store_outbox_mark_retry(f->s, 1, nb, "x", nb),
			 -EALREADY);

	/* ...an operator can. */
	assert_int_equal(store_outbox_retry(f->s, 1, "supervisor", nb + 7000),
			 0);
	assert_int_equal(next_due(f->s, nb + 7000, &row), 0);
	assert_int_equal(row.id, 1);
	assert_int_equal(row.attempts, 2);
	assert_int_equal(store_outbox_claim(f->s, &row, nb + 7000, nb + 9000),
			 0);
	assert_int_equal(
	    store_outbox_mark_done(f->s, row.id, "re_123", nb + 7001), 0);
	store_outbox_row_release(&row);
	assert_int_equal(store_outbox_retry(f->s, 1, "supervisor", nb),
			 -EALREADY);
	assert_int_equal(store_outbox_retry(f->s, 77, "supervisor", nb),
			 -ENOENT);
	assert_int_equal(count_outbox(f->s, "done"), 2);

	assert_int_equal(store_outbox_list(f->s, "done", 0, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	o = json_array_get(list, 1); /* newest first */
	assert_int_equal(json_integer_value(json_object_get(o, "id")), 1);
	assert_string_equal(json_string_value(json_object_get(o, "key")),
			    out[0].key);
	assert_string_equal(json_string_value(json_object_get(o, "shop_ref")),
			    "re_123");
	assert_int_equal(json_integer_value(json_object_get(o, "attempts")), 3);
	assert_non_null(json_object_get(o, "last_error"));
	assert_non_null(json_object_get(o, "action"));
	json_decref(list);
	assert_int_equal(store_outbox_list(f->s, "bogus", 0, &list), -EINVAL);
}

static void test_store_outbox_renders_the_decision(void **state)
{
	struct store_fixture *f = *state;
	int64_t id, at = T0 + 60 * USEC_PER_SEC, nb = at + GRACE;
	struct expected_return er;
	struct outbox_new out[2];
	struct outbox_row row;
	char want[1024], *first;
	json_t *o;

	expected_fill(&er, "RMA-1", "ORD-1", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	id = receipt_open_for(f->s, er.id, "RMA-1");
	decide_as_the_desk(f->s, id, "partial", at, out);
	/* The record keeps the facts once: no body in the outbox. */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM outbox "
					  "WHERE payload IS NOT NULL"),
			 0);

	snprintf(want, sizeof(want),
		 "{\"amount_minor\":15900,\"code\":\"RMA-1\","
		 "\"currency\":\"PLN\",\"decided_at\":"
		 "\"2026-11-20T10:01:00Z\",\"decided_by\":\"anna\","
		 "\"delivery_minor\":0,\"id\":\"%s\",\"items\":["
		 "{\"gtin\":\"5901234123457\",\"quantity\":1,"
		 "\"refund_minor\":15900,\"sku\":\"SKU-1\"}],"
		 "\"order\":\"ORD-1\",\"overridden\":false,"
		 "\"reasons\":[\"within_window\"],\"receipt\":%lld,"
		 "\"rma\":\"RMA-1\",\"shop\":\"demo\","
		 "\"station\":\"desk-1\",\"type\":\"refund.requested\","
		 "\"verdict\":\"partial\"}",
		 out[0].key, (long long)id);
	assert_int_equal(next_due(f->s, nb, &row), 0);
	assert_string_equal(row.key, out[0].key);
	assert_string_equal(row.problem, "");
	assert_string_equal(row.payload, want);
	first = strdup(row.payload);
	assert_non_null(first);
	store_outbox_row_release(&row);

	/* A retry renders the very same bytes... */
	assert_int_equal(
	    store_outbox_mark_retry(f->s, row.id, nb + 10, "HTTP 503", nb), 0);
	assert_int_equal(next_due(f->s, nb + 10, &row), 0);
	assert_string_equal(row.key, out[0].key);
	assert_string_equal(row.payload, first);
	/* ...and so does an operator's retry of a dead row. */
	assert_int_equal(
	    store_outbox_mark_dead(f->s, row.id, "HTTP 400", nb + 10), 0);
	store_outbox_row_release(&row);
	assert_int_equal(store_outbox_retry(f->s, 1, "supervisor", nb + 20), 0);
	assert_int_equal(next_due(f->s, nb + 20, &row), 0);
	assert_int_equal(row.id, 1);
	assert_string_equal(row.payload, first);
	assert_int_equal(store_outbox_mark_done(f->s, row.id, NULL, nb + 20),
			 0);
	store_outbox_row_release(&row);
	free(first);

	/* The decision event carries the recorded proposal. */
	assert_int_equal(next_due(f->s, nb + 20, &row), 0);
	assert_string_equal(row.action, "return.decided");
	o = json_loads(row.payload, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "id")),
			    out[1].key);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(o, "proposal"), "refund_minor")),
			 15900);
	json_decref(o);
	store_outbox_row_release(&row);
}

static void test_store_outbox_cancelled_rows_never_render(void **state)
{
	struct store_fixture *f = *state;
	int64_t id, at = T0 + 60 * USEC_PER_SEC, again = at + 20 * USEC_PER_SEC;
	struct expected_return er;
	struct outbox_new out[2], out2[2];
	struct outbox_row row;
	json_t *o;

	expected_fill(&er, "RMA-1", "ORD-1", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	id = receipt_open_for(f->s, er.id, "RMA-1");
	decide_as_the_desk(f->s, id, "partial", at, out);
	assert_int_equal(store_receipt_undo(f->s, id, "anna", at + 10), 0);
	assert_int_equal(count_outbox(f->s, "cancelled"), 2);
	/* Never due, and an operator cannot bring one back. */
	assert_int_equal(next_due(f->s, at + 100 * GRACE, &row), -ENOENT);
	assert_int_equal(store_outbox_retry(f->s, 1, "supervisor", at + 11),
			 -EALREADY);

	/* Decided again: only the new decision goes out, as decided now. */
	decide_as_the_desk(f->s, id, "reject", again, out2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(next_due(f->s, again + GRACE, &row), 0);
		assert_string_equal(row.key, out2[i].key);
		o = json_loads(row.payload, 0, NULL);
		assert_non_null(o);
		assert_string_equal(
		    json_string_value(json_object_get(o, "verdict")), "reject");
		json_decref(o);
		assert_int_equal(
		    store_outbox_mark_done(f->s, row.id, NULL, again + GRACE),
		    0);
		store_outbox_row_release(&row);
	}
	assert_int_equal(next_due(f->s, at + 100 * GRACE, &row), -ENOENT);
	assert_int_equal(count_outbox(f->s, "cancelled"), 2);
}

static void test_store_outbox_unrenderable_row_says_why(void **state)
{
	struct store_fixture *f = *state;
	int64_t id, at = T0 + 60 * USEC_PER_SEC, nb = at + GRACE;
	struct outbox_new out[2];
	struct outbox_row row;

	/* A row whose receipt is no longer in the decision it was made for
	 * (edited behind the store's back) is not sent as something else. */
	id = receipt_open_for(f->s, 0, "X");
	decide_as_the_desk(f->s, id, "hold", at, out);
	assert_int_equal(raw_exec(f->path, "UPDATE receipt SET decided_at = "
					   "decided_at + 1"),
			 SQLITE_OK);
	assert_int_equal(next_due(f->s, nb, &row), 0);
	assert_null(row.payload);
	assert_non_null(strstr(row.problem, "receipt"));
	assert_int_equal(store_outbox_mark_dead(f->s, row.id, row.problem, nb),
			 0);

	/* A proposal that is not JSON cannot make an event. */
	assert_int_equal(raw_exec(f->path, "UPDATE receipt SET decided_at = "
					   "decided_at - 1, proposal_json = "
					   "'{oops'"),
			 SQLITE_OK);
	assert_int_equal(next_due(f->s, nb, &row), 0);
	assert_null(row.payload);
	assert_non_null(strstr(row.problem, "cannot render"));
	store_outbox_row_release(&row);
}

static void test_store_printed_label_keeps_its_zpl(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	char *zpl = NULL;
	int64_t id;
	json_t *r, *label;

	id = receipt_open_for(f->s, 0, "X");
	assert_int_equal(store_receipt_decide(f->s, id, &d, NULL, 0), 0);
	assert_int_equal(store_label_mark_printed(f->s, id, true, "printed",
						  d.decided_at + 1),
			 0);
	assert_int_equal(store_receipt_get(f->s, id, &r), 0);
	label = json_array_get(json_object_get(r, "labels"), 0);
	assert_true(json_is_true(json_object_get(label, "printed")));
	assert_string_equal(json_string_value(json_object_get(label, "zpl")),
			    d.label_zpl);
	json_decref(r);

	/* printed again on request: a new label row, an audit entry */
	assert_int_equal(store_label_reprint(f->s, id, "anna", T0, &zpl), 0);
	assert_string_equal(zpl, d.label_zpl);
	free(zpl);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM label"), 2);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit WHERE "
					  "action = 'label.reprint'"),
			 1);
	/* unknown receipt; not decided: nothing written */
	assert_int_equal(store_label_reprint(f->s, id + 99, "anna", T0, &zpl),
			 -ENOENT);
	assert_null(zpl);
	assert_int_equal(
	    store_label_void(f->s, id, "^XA^FDVOID^FS^XZ", "anna", T0),
	    -ENODATA);
	assert_int_equal(store_receipt_undo(f->s, id, "anna", d.decided_at + 1),
			 0);
	assert_int_equal(store_label_reprint(f->s, id, "anna", T0, &zpl),
			 -ENODATA);
	assert_null(zpl);
	/* undone: its VOID label, recorded */
	assert_int_equal(
	    store_label_void(f->s, id, "^XA^FDVOID^FS^XZ", "anna", T0), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM label"), 3);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit WHERE "
					  "action = 'label.void'"),
			 1);
	assert_int_equal(store_label_zpl(f->s, id, &zpl), 0);
	assert_string_equal(zpl, "^XA^FDVOID^FS^XZ");
	free(zpl);
}

/* ---- audit ---- */

static void audit_some_history(struct store *s)
{
	struct expected_return er;
	int64_t id;

	expected_fill(&er, "RMA-1", "ORD-1", NULL);
	assert_int_equal(store_expected_put(s, &er, "api", T0), 0); /* 1 */
	id = receipt_open_for(s, er.id, "RMA-1");		    /* 2 */
	assert_int_equal(
	    store_receipt_set_weight(s, id, true, 1500, false, "anna", T0 + 1),
	    0); /* 3 */
	assert_int_equal(store_audit_append(s, "anna", "clerk.sign_in",
					    "desk-1", "a|b\nc", T0 + 2),
			 0); /* 4 */
	assert_int_equal(
	    store_audit_append(s, NULL, "device.fault", "scale", NULL, T0 + 3),
	    0); /* 5 */
}

static void test_store_audit_detects_edit(void **state)
{
	struct store_fixture *f = *state;
	int64_t checked = 0, bad = 0;

	audit_some_history(f->s);
	assert_int_equal(store_audit_verify(f->s, &checked, &bad), 0);
	assert_int_equal(checked, 5);
	assert_int_equal(bad, 0);

	/* Honest code cannot edit it at all. */
	assert_int_not_equal(raw_exec(f->path, "UPDATE audit SET actor = 'x'"
					       " WHERE id = 3"),
			     SQLITE_OK);
	assert_int_equal(store_audit_verify(f->s, &checked, &bad), 0);

	/* Someone who knows SQL can; the chain tells. */
	assert_int_equal(raw_exec(f->path,
				  "DROP TRIGGER audit_no_update;"
				  "UPDATE audit SET detail = "
				  "'{\"weight_g\":1200}' WHERE id = 3"),
			 SQLITE_OK);
	assert_int_equal(store_audit_verify(f->s, &checked, &bad), -EBADMSG);
	assert_int_equal(bad, 3);
	assert_int_equal(checked, 2);
	assert_non_null(strstr(store_errmsg(f->s), "entry 3"));
}

static void test_store_audit_detects_delete(void **state)
{
	struct store_fixture *f = *state;
	int64_t checked = 0, bad = 0;

	audit_some_history(f->s);
	assert_int_equal(raw_exec(f->path, "DROP TRIGGER audit_no_delete;"
					   "DELETE FROM audit WHERE id = 2"),
			 SQLITE_OK);
	assert_int_equal(store_audit_verify(f->s, &checked, &bad), -EBADMSG);
	assert_int_equal(bad, 3);
	assert_int_equal(checked, 1);
}

static void test_store_audit_detects_truncation(void **state)
{
	struct store_fixture *f = *state;
	int64_t checked = 0, bad = 0;

	audit_some_history(f->s);
	assert_int_equal(raw_exec(f->path, "DROP TRIGGER audit_no_delete;"
					   "DELETE FROM audit WHERE id = 5"),
			 SQLITE_OK);
	assert_int_equal(store_audit_verify(f->s, &checked, &bad), -EBADMSG);
	assert_int_equal(bad, 5);
	assert_int_equal(checked, 4);
}

/* ---- JSON views ---- */

static void test_store_receipt_json_fields(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	static const char sha[] =
	    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	struct expected_return er;
	struct outbox_new out[2];
	json_t *list, *r, *e;
	int64_t id;

	expected_fill(&er, "RMA-9", "ORD-9", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	id = receipt_open_for(f->s, er.id, "RMA-9");
	assert_int_equal(
	    store_receipt_set_weight(f->s, id, true, 1480, true, "anna", T0),
	    0);
	assert_int_equal(store_photo_add(f->s, id, "parcel", sha,
					 "/var/lib/retour/photos/9f/x.jpg",
					 1234, "anna", T0),
			 0);
	assert_int_equal(
	    store_photo_add(f->s, id, "parcel", "XYZ", "/p", 1, "anna", T0),
	    -EINVAL);
	assert_int_equal(store_receipt_add_item_scan(
			     f->s, id, 0, "5901234123457", "SN-1", "anna", T0),
			 0);
	assert_int_equal(store_checklist_answer(f->s, id, "electronics", 3,
						"seal", "intact", "anna", T0),
			 0);
	outbox_fill(out, id, 1, T0 + GRACE);
	assert_int_equal(store_receipt_decide(f->s, id, &d, out, 2), 0);

	assert_int_equal(store_receipt_list(f->s, 10, &list), 0);
	assert_int_equal(json_array_size(list), 1);
	r = json_array_get(list, 0);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), id);
	assert_string_equal(json_string_value(json_object_get(r, "rma")),
			    "RMA-9");
	assert_string_equal(json_string_value(json_object_get(r, "order")),
			    "ORD-9");
	assert_string_equal(json_string_value(json_object_get(r, "kind")),
			    "withdrawal");
	assert_string_equal(
	    json_string_value(json_object_get(r, "received_at")),
	    "2026-11-20T10:00:00Z");
	assert_int_equal(
	    json_integer_value(json_object_get(r, "received_at_us")), T0);
	assert_string_equal(json_string_value(json_object_get(r, "decided_at")),
			    "2026-11-20T10:01:00Z");
	assert_int_equal(json_integer_value(json_object_get(r, "refund_minor")),
			 15900);
	assert_string_equal(json_string_value(json_object_get(r, "currency")),
			    "PLN");
	assert_string_equal(json_string_value(json_object_get(r, "clerk")),
			    "anna");
	assert_true(json_is_true(json_object_get(r, "weight_mismatch")));
	assert_int_equal(json_integer_value(json_object_get(r, "weight_g")),
			 1480);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(r, "proposal"), "verdict")),
			    "accept");
	json_decref(list);

	assert_int_equal(store_receipt_get(f->s, id, &r), 0);
	e = json_array_get(json_object_get(r, "photos"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "sha256")),
			    sha);
	assert_string_equal(json_string_value(json_object_get(e, "step")),
			    "parcel");
	assert_non_null(json_string_value(json_object_get(e, "path")));
	e = json_array_get(json_object_get(r, "checklist"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "template")),
			    "electronics");
	assert_int_equal(json_integer_value(json_object_get(e, "version")), 3);
	assert_string_equal(json_string_value(json_object_get(e, "answer")),
			    "intact");
	e = json_array_get(json_object_get(r, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "serial")),
			    "SN-1");
	e = json_array_get(json_object_get(r, "outbox"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "state")),
			    "pending");
	assert_string_equal(json_string_value(json_object_get(e, "key")),
			    out[0].key);
	assert_int_equal(json_integer_value(json_object_get(e, "attempts")), 0);
	assert_true(json_is_null(json_object_get(e, "shop_ref")));
	assert_null(json_object_get(r, "audit"));
	json_decref(r);

	assert_int_equal(store_receipt_get(f->s, 4242, &r), -ENOENT);
}

/* The shop's own ids: stored, read back, shown and sent with the events. */
static void test_store_shop_ids_round_trip(void **state)
{
	struct store_fixture *f = *state;
	int64_t id, at = T0 + 60 * USEC_PER_SEC;
	struct expected_return er, back;
	struct outbox_new out[2];
	struct outbox_row row;
	json_t *list, *o, *items;

	expected_fill(&er, "RMA-1", "ORD-1", NULL);
	snprintf(er.shop_order_id, sizeof(er.shop_order_id),
		 "gid://shop/Order/9");
	snprintf(er.shop_payment_id, sizeof(er.shop_payment_id), "pi_9");
	snprintf(er.items[0].shop_line_id, RETURN_SHOP_ID_LEN, "li-1");
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	assert_int_equal(store_expected_get(f->s, er.id, &back), 0);
	assert_string_equal(back.shop_order_id, "gid://shop/Order/9");
	assert_string_equal(back.shop_payment_id, "pi_9");
	assert_string_equal(back.items[0].shop_line_id, "li-1");
	assert_string_equal(back.items[1].shop_line_id, "");

	assert_int_equal(store_expected_list(f->s, 10, &list), 0);
	o = json_array_get(list, 0);
	assert_string_equal(
	    json_string_value(json_object_get(o, "shop_order_id")),
	    "gid://shop/Order/9");
	assert_string_equal(
	    json_string_value(json_object_get(o, "shop_payment_id")), "pi_9");
	items = json_object_get(o, "items");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(items, 0), "shop_line_id")),
			    "li-1");
	json_decref(list);

	id = receipt_open_for(f->s, er.id, "RMA-1");
	decide_as_the_desk(f->s, id, "partial", at, out);
	assert_int_equal(store_receipt_get(f->s, id, &o), 0);
	assert_string_equal(
	    json_string_value(json_object_get(o, "shop_order_id")),
	    "gid://shop/Order/9");
	json_decref(o);

	assert_int_equal(next_due(f->s, at + GRACE, &row), 0);
	assert_true(row.has_facts);
	assert_string_equal(row.facts.expected->shop_payment_id, "pi_9");
	o = json_loads(row.payload, 0, NULL);
	assert_non_null(o);
	assert_string_equal(
	    json_string_value(json_object_get(o, "shop_order_id")),
	    "gid://shop/Order/9");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(o, "items"), 0),
				"shop_line_id")),
			    "li-1");
	json_decref(o);
	store_outbox_row_release(&row);

	/* Replaced by a new import without them: gone. */
	expected_fill(&er, "RMA-2", "ORD-2", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	snprintf(er.shop_order_id, sizeof(er.shop_order_id), "o-2");
	assert_int_equal(store_expected_put(f->s, &er, "api", T0 + 1), 0);
	assert_int_equal(store_expected_get(f->s, er.id, &back), 0);
	assert_string_equal(back.shop_order_id, "o-2");
	er.shop_order_id[0] = '\0';
	assert_int_equal(store_expected_put(f->s, &er, "api", T0 + 2), 0);
	assert_int_equal(store_expected_get(f->s, er.id, &back), 0);
	assert_string_equal(back.shop_order_id, "");
}

/* What schema steps 10, 9, 8, 7 and 6 added, taken away again: a file of
 * version 5. */
#define SCHEMA_UNDO_V6                                                         \
	"DROP TRIGGER audit_no_update;" /* v10 */                              \
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"          \
	" SELECT RAISE(ABORT, 'the audit log is append-only'); END;"           \
	"ALTER TABLE audit DROP COLUMN detail_sha256;"                         \
	"ALTER TABLE audit DROP COLUMN redacted_at;"                           \
	"DROP TABLE receipt_purge;"                                            \
	"ALTER TABLE receipt DROP COLUMN purged_at;"                           \
	"ALTER TABLE photo DROP COLUMN object_key;" /* v9 */                   \
	"DROP INDEX photo_by_purged;"		    /* v8 */                   \
	"ALTER TABLE photo DROP COLUMN purged_at;"                             \
	"ALTER TABLE expected DROP COLUMN personal_purged_at;"                 \
	"ALTER TABLE expected DROP COLUMN cancelled_at;" /* v7 */              \
	"DROP INDEX receipt_by_time_unsure;"                                   \
	"ALTER TABLE receipt DROP COLUMN time_unsure;"                         \
	"ALTER TABLE receipt DROP COLUMN boot_id;"                             \
	"ALTER TABLE receipt DROP COLUMN boot_us;"                             \
	"ALTER TABLE receipt DROP COLUMN time_corrected_us;"                   \
	"PRAGMA user_version = 5;"

/* What schema step 3 added, taken away again: a file of version 2. */
#define SCHEMA_UNDO_V3                                                         \
	SCHEMA_UNDO_V6                                                         \
	"DROP TABLE pull_cursor;"  /* v5 */                                    \
	"DROP TABLE receipt_note;" /* v4 */                                    \
	"DROP INDEX expected_by_kind;"                                         \
	"DROP TABLE expected_order_line;"                                      \
	"ALTER TABLE expected DROP COLUMN complaint_received_at;"              \
	"ALTER TABLE expected DROP COLUMN defect_appeared_at;"                 \
	"ALTER TABLE expected DROP COLUMN delivery_paid_minor;"                \
	"ALTER TABLE receipt DROP COLUMN remedy;"                              \
	"ALTER TABLE receipt DROP COLUMN complaint_due_at;"                    \
	"ALTER TABLE receipt DROP COLUMN complaint_deemed_accepted;"           \
	"ALTER TABLE clerk DROP COLUMN role;"                                  \
	"ALTER TABLE receipt DROP COLUMN override_by;"                         \
	"PRAGMA user_version = 2;"

/* ---- consumer law (issue 6) ---- */

/* expected_fill() with the fields the law judges by and the whole order:
 * the kettle, two of SKU-2, and a lamp that is not in this return. */
static void expected_fill_law(struct expected_return *er, const char *rma,
			      const char *order)
{
	expected_fill(er, rma, order, NULL);
	er->kind = RETURN_COMPLAINT;
	er->complaint_received_at = T0 - 12 * USEC_PER_DAY;
	er->defect_appeared_at = T0 - 20 * USEC_PER_DAY;
	er->delivery_paid_known = true;
	er->delivery_paid_minor = 2499;
	er->n_order_lines = 3;
	snprintf(er->order_lines[0].sku, RETURN_REF_LEN, "SKU-1");
	er->order_lines[0].quantity = 1;
	snprintf(er->order_lines[1].sku, RETURN_REF_LEN, "SKU-2");
	er->order_lines[1].quantity = 2;
	snprintf(er->order_lines[2].gtin, 16, "5901234123457");
	snprintf(er->order_lines[2].sku, RETURN_REF_LEN, "LAMP");
	er->order_lines[2].quantity = 1;
}

static void test_store_law_fields_round_trip(void **state)
{
	struct store_fixture *f = *state;
	struct expected_return er, back;
	json_t *list, *o;

	expected_fill_law(&er, "RMA-L", "ORD-L");
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	assert_int_equal(store_expected_get(f->s, er.id, &back), 0);
	assert_true(back.complaint_received_at == er.complaint_received_at);
	assert_true(back.defect_appeared_at == er.defect_appeared_at);
	assert_true(back.delivery_paid_known);
	assert_true(back.delivery_paid_minor == 2499);
	assert_int_equal(back.n_order_lines, 3);
	assert_string_equal(back.order_lines[2].sku, "LAMP");
	assert_string_equal(back.order_lines[2].gtin, "5901234123457");
	assert_int_equal(back.order_lines[1].quantity, 2);
	assert_int_equal(back.before.n_receipts, 0);

	assert_int_equal(store_expected_list(f->s, 10, &list), 0);
	o = json_array_get(list, 0);
	assert_int_equal(
	    json_integer_value(json_object_get(o, "delivery_paid_minor")),
	    2499);
	assert_true(json_integer_value(
			json_object_get(o, "complaint_received_at_us")) ==
		    er.complaint_received_at);
	assert_int_equal(json_array_size(json_object_get(o, "order_lines")), 3);
	json_decref(list);

	/* Replaced: the order's lines are the new import's, the unknown
	 * amount is unknown again. */
	er.n_order_lines = 1;
	er.delivery_paid_known = false;
	er.complaint_received_at = 0;
	assert_int_equal(store_expected_put(f->s, &er, "api", T0 + 1), 0);
	assert_int_equal(store_expected_get(f->s, er.id, &back), 0);
	assert_int_equal(back.n_order_lines, 1);
	assert_false(back.delivery_paid_known);
	assert_true(back.complaint_received_at == 0);

	/* An order line with neither sku nor gtin is refused. */
	er.n_order_lines = 1;
	er.order_lines[0].sku[0] = '\0';
	assert_int_equal(store_expected_put(f->s, &er, "api", T0 + 2), -EINVAL);
}

/* The desk's proposal for a parcel bringing @q1 kettles and @q2 of SKU-2,
 * with @delivery refunded. */
static void decide_lines(struct store *s, int64_t receipt_id,
			 const char *verdict, int q1, int q2, int delivery,
			 int seq)
{
	struct decision_record d = decision_accept();
	struct outbox_new out[2];
	char prop[256];

	snprintf(prop, sizeof(prop),
		 "{\"verdict\":\"%s\",\"delivery_refund_minor\":%d,"
		 "\"items\":[{\"quantity\":%d},{\"quantity\":%d}]}",
		 verdict, delivery, q1, q2);
	d.verdict = verdict;
	d.proposal_json = prop;
	d.refund_minor = 100;
	outbox_fill(out, receipt_id, seq, d.decided_at + GRACE);
	assert_int_equal(store_receipt_decide(s, receipt_id, &d, out, 2), 0);
}

/* A second parcel for the same RMA brings what the first did not: it is
 * decided on its own receipt; a true duplicate is still refused. */
static void test_store_second_parcel_of_a_return(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct expected_return er, back;
	struct outbox_new out[2];
	int64_t a, b, c, rid = 0;

	expected_fill(&er, "RMA-P", "ORD-P", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	a = receipt_open_for(f->s, er.id, "RMA-P");
	decide_lines(f->s, a, "partial", 1, 0, 0, 1);

	assert_int_equal(store_expected_decided(f->s, er.id, &rid, NULL), 0);
	assert_int_equal(store_expected_answered(f->s, er.id), 0);
	assert_int_equal(store_expected_get(f->s, er.id, &back), 0);
	assert_int_equal(back.before.n_receipts, 1);
	assert_int_equal(back.before.item_refunded[0], 1);
	assert_int_equal(back.before.item_refunded[1], 0);
	assert_false(back.before.refused);

	b = receipt_open_for(f->s, er.id, "RMA-P");
	decide_lines(f->s, b, "accept", 0, 2, 1299, 2);
	assert_int_equal(store_expected_get(f->s, er.id, &back), 0);
	assert_int_equal(back.before.n_receipts, 2);
	assert_int_equal(back.before.item_refunded[1], 2);
	assert_true(back.before.delivery_refunded_minor == 1299);
	assert_int_equal(store_expected_answered(f->s, er.id), 1);
	assert_int_equal(store_expected_decided(f->s, er.id, &rid, NULL), 1);
	assert_int_equal(rid, b);

	/* Everything is back: a third parcel is a duplicate. */
	c = receipt_open_for(f->s, er.id, "RMA-P");
	outbox_fill(out, c, 3, d.decided_at + GRACE);
	assert_int_equal(store_receipt_decide(f->s, c, &d, out, 2), -EEXIST);
	assert_non_null(strstr(store_errmsg(f->s), "already decided"));
}

/* A refusal answers the return as a whole. */
static void test_store_refused_return_is_answered(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct expected_return er;
	struct outbox_new out[2];
	int64_t a, b;

	expected_fill(&er, "RMA-R", "ORD-R", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	a = receipt_open_for(f->s, er.id, "RMA-R");
	decide_lines(f->s, a, "reject", 1, 2, 0, 1);
	assert_int_equal(store_expected_answered(f->s, er.id), 1);
	b = receipt_open_for(f->s, er.id, "RMA-R");
	outbox_fill(out, b, 2, d.decided_at + GRACE);
	assert_int_equal(store_receipt_decide(f->s, b, &d, out, 2), -EEXIST);
}

/* What one RMA of an order took back counts for the order's other RMAs. */
static void test_store_before_counts_the_whole_order(void **state)
{
	struct store_fixture *f = *state;
	struct expected_return one, two, back;
	int64_t a;

	expected_fill_law(&one, "RMA-O1", "ORD-O");
	one.kind = RETURN_WITHDRAWAL;
	one.complaint_received_at = one.defect_appeared_at = 0;
	two = one;
	snprintf(two.rma, sizeof(two.rma), "RMA-O2");
	/* the second RMA is the lamp alone */
	two.n_items = 1;
	snprintf(two.items[0].sku, RETURN_REF_LEN, "LAMP");
	assert_int_equal(store_expected_put(f->s, &one, "api", T0), 0);
	assert_int_equal(store_expected_put(f->s, &two, "api", T0), 0);
	a = receipt_open_for(f->s, one.id, "RMA-O1");
	decide_lines(f->s, a, "accept", 1, 2, 0, 1);

	assert_int_equal(store_expected_get(f->s, two.id, &back), 0);
	assert_int_equal(back.before.n_receipts, 1);
	assert_int_equal(back.before.order_returned[0], 1);
	assert_int_equal(back.before.order_returned[1], 2);
	assert_int_equal(back.before.order_returned[2], 0);
	/* nothing of this RMA itself was refunded */
	assert_int_equal(back.before.item_refunded[0], 0);
	assert_int_equal(store_expected_answered(f->s, two.id), 0);
}

static const char *raw_text(const char *path, const char *sql, char *buf,
			    size_t size)
{
	sqlite3_stmt *st;
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, size, "%s",
		 sqlite3_column_text(st, 0)
		     ? (const char *)sqlite3_column_text(st, 0)
		     : "(null)");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return buf;
}

/* The record keeps a complaint's remedy, deadline and whether it had
 * passed; a remedy that moves no money cannot refund. */
static void test_store_decision_keeps_the_remedy(void **state)
{
	struct store_fixture *f = *state;
	struct decision_record d = decision_accept();
	struct expected_return er;
	char sql[160], text[64];
	int64_t a;

	expected_fill_law(&er, "RMA-C", "ORD-C");
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	a = receipt_open_for(f->s, er.id, "RMA-C");
	d.label_zpl = NULL;
	d.proposal_json = "{\"verdict\":\"accept\",\"remedy\":\"repair\","
			  "\"answer_due_at\":\"2026-11-16T22:59:59.999999Z\","
			  "\"complaint_deemed_accepted\":true,\"items\":[]}";
	assert_int_equal(store_receipt_decide(f->s, a, &d, NULL, 0), -EINVAL);
	assert_non_null(strstr(store_errmsg(f->s), "repair refunds nothing"));
	d.refund_minor = 0;
	d.proposal_json =
	    "{\"verdict\":\"accept\",\"remedy\":\"cash\",\"items\":[]}";
	assert_int_equal(store_receipt_decide(f->s, a, &d, NULL, 0), -EINVAL);
	d.proposal_json = "{\"verdict\":\"accept\",\"remedy\":\"repair\","
			  "\"answer_due_at\":\"2026-11-16T22:59:59.999999Z\","
			  "\"complaint_deemed_accepted\":true,\"items\":[]}";
	assert_int_equal(store_receipt_decide(f->s, a, &d, NULL, 0), 0);
	snprintf(sql, sizeof(sql), "SELECT remedy FROM receipt WHERE id = %lld",
		 (long long)a);
	assert_string_equal(raw_text(f->path, sql, text, sizeof(text)),
			    "repair");
	snprintf(sql, sizeof(sql),
		 "SELECT complaint_deemed_accepted FROM receipt WHERE id = "
		 "%lld",
		 (long long)a);
	assert_int_equal(raw_int(f->path, sql), 1);
	snprintf(sql, sizeof(sql),
		 "SELECT complaint_due_at FROM receipt WHERE id = %lld",
		 (long long)a);
	assert_true(
	    raw_int(f->path, sql) ==
	    INT64_C(1794869999999999)); /* 2026-11-16T22:59:59.999999Z */
}

static const json_t *due_for(const json_t *list, const char *rma)
{
	size_t i;
	json_t *o;

	json_array_foreach(
	    list, i,
	    o) if (!strcmp(json_string_value(json_object_get(o, "rma")),
			   rma)) return o;
	return NULL;
}

static void test_store_complaints_due(void **state)
{
	struct store_fixture *f = *state;
	struct rules_policy policy;
	struct expected_return er;
	struct receipt_open ro = {
	    .routine = ROUTINE_RETURN, .desk = "desk-1", .clerk = "anna"};
	int64_t rid, held;
	json_t *list;
	const json_t *o;

	rules_policy_defaults(&policy);
	/* received 12 days ago: due in 2 days */
	expected_fill_law(&er, "RMA-SOON", "ORD-1");
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	/* received yesterday: due in 13 days */
	expected_fill_law(&er, "RMA-LATER", "ORD-2");
	er.complaint_received_at = T0 - USEC_PER_DAY;
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	/* no date, no parcel yet: deadline unknown */
	expected_fill_law(&er, "RMA-UNKNOWN", "ORD-3");
	er.complaint_received_at = 0;
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	/* no date, the parcel came 20 days ago: from the receipt, overdue */
	expected_fill_law(&er, "RMA-LATE", "ORD-4");
	er.complaint_received_at = 0;
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	ro.expected_id = er.id;
	ro.received_at = T0 - 20 * USEC_PER_DAY;
	snprintf(ro.code, sizeof(ro.code), "RMA-LATE");
	assert_int_equal(store_receipt_open(f->s, &ro, &rid), 0);
	/* overdue but answered: not listed */
	expected_fill_law(&er, "RMA-DONE", "ORD-5");
	er.complaint_received_at = T0 - 30 * USEC_PER_DAY;
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	decide_lines(f->s, receipt_open_for(f->s, er.id, "RMA-DONE"), "accept",
		     1, 2, 0, 9);
	/* held for review is not an answer: still listed, with its receipt */
	expected_fill_law(&er, "RMA-HELD", "ORD-7");
	er.complaint_received_at = T0 - 18 * USEC_PER_DAY;
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	held = receipt_open_for(f->s, er.id, "RMA-HELD");
	decide_lines(f->s, held, "hold", 0, 0, 0, 10);
	/* a withdrawal is never listed */
	expected_fill(&er, "RMA-W", "ORD-6", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);

	assert_int_equal(
	    store_complaints_due(f->s, &policy, T0, 3 * USEC_PER_DAY, &list),
	    0);
	assert_int_equal(json_array_size(list), 3);
	o = due_for(list, "RMA-HELD");
	assert_non_null(o);
	assert_true(json_is_true(json_object_get(o, "deemed_accepted")));
	assert_int_equal(json_integer_value(json_object_get(o, "receipt")),
			 held);
	/* soonest first: the overdue one */
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(list, 0), "rma")),
	    "RMA-LATE");
	o = due_for(list, "RMA-LATE");
	assert_string_equal(
	    json_string_value(json_object_get(o, "received_from")), "receipt");
	assert_true(json_is_true(json_object_get(o, "deemed_accepted")));
	assert_int_equal(json_integer_value(json_object_get(o, "receipt")),
			 rid);
	o = due_for(list, "RMA-SOON");
	assert_non_null(o);
	assert_string_equal(
	    json_string_value(json_object_get(o, "received_from")), "import");
	assert_true(json_is_false(json_object_get(o, "deemed_accepted")));
	assert_true(json_is_null(json_object_get(o, "receipt")));
	/* 12 days ago at 10:00 UTC is 8 Nov in Warsaw: due 22 Nov */
	assert_string_equal(
	    json_string_value(json_object_get(o, "answer_due_at")),
	    "2026-11-22T22:59:59.999999Z");
	json_decref(list);

	/* A wider horizon takes the later one in too. */
	assert_int_equal(
	    store_complaints_due(f->s, &policy, T0, 14 * USEC_PER_DAY, &list),
	    0);
	assert_int_equal(json_array_size(list), 4);
	json_decref(list);
	assert_int_equal(store_complaints_due(f->s, &policy, T0, -1, &list),
			 -EINVAL);
}

/* A file of version 2 is migrated to 3, its rows kept, the new fields
 * unknown. */
static void test_store_migrates_a_file_of_version_2(void **state)
{
	struct store_fixture *f = *state;
	struct expected_return er, back;
	char err[256];

	expected_fill(&er, "RMA-2V", "ORD-2V", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(raw_exec(f->path, SCHEMA_UNDO_V3), SQLITE_OK);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 2);
	assert_int_equal(store_open(f->path, &f->s, err, sizeof(err)), 0);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 10);
	assert_int_equal(store_expected_get(f->s, er.id, &back), 0);
	assert_string_equal(back.rma, "RMA-2V");
	assert_false(back.delivery_paid_known);
	assert_int_equal(back.n_order_lines, 0);
	expected_fill_law(&er, "RMA-2V", "ORD-2V");
	assert_int_equal(store_expected_put(f->s, &er, "api", T0 + 1), 0);
	assert_int_equal(store_expected_get(f->s, er.id, &back), 0);
	assert_int_equal(back.n_order_lines, 3);
}

/* A file made before the shop's ids is migrated, its rows kept. */
static void test_store_migrates_a_file_without_shop_ids(void **state)
{
	struct store_fixture *f = *state;
	struct expected_return er, back;
	char err[256];

	expected_fill(&er, "RMA-1", "ORD-1", NULL);
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	store_close(f->s);
	f->s = NULL;
	/* Back to schema version 1, as a station in the field has it. */
	assert_int_equal(raw_exec(f->path, SCHEMA_UNDO_V3), SQLITE_OK);
	assert_int_equal(
	    raw_exec(f->path,
		     "ALTER TABLE expected DROP COLUMN shop_order_id;"
		     "ALTER TABLE expected DROP COLUMN shop_payment_id;"
		     "ALTER TABLE expected_item DROP COLUMN shop_line_id;"
		     "PRAGMA user_version = 1;"),
	    SQLITE_OK);
	assert_int_equal(store_open(f->path, &f->s, err, sizeof(err)), 0);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 10);
	assert_int_equal(store_expected_get(f->s, er.id, &back), 0);
	assert_string_equal(back.rma, "RMA-1");
	assert_string_equal(back.shop_order_id, "");
	assert_string_equal(back.items[0].shop_line_id, "");
	snprintf(er.items[1].shop_line_id, RETURN_SHOP_ID_LEN, "li-2");
	assert_int_equal(store_expected_put(f->s, &er, "api", T0 + 1), 0);
	assert_int_equal(store_expected_get(f->s, er.id, &back), 0);
	assert_string_equal(back.items[1].shop_line_id, "li-2");
}

/* Each pulling connector's cursor, kept only when saved; a failure keeps
 * the cursor and the count; a file of version 4 gains the table. */
static void test_store_pull_cursor(void **state)
{
	struct store_fixture *f = *state;
	struct store_pull_state ps;
	struct expected_return er;
	char err[256];

	assert_int_equal(store_pull_get(f->s, "shop", &ps), -ENOENT);
	assert_string_equal(ps.cursor, "");
	assert_int_equal(store_pull_saved(f->s, "shop", "c1", 2, T0), 0);
	assert_int_equal(store_pull_failed(f->s, "shop", "HTTP 503", T0 + 5),
			 0);
	assert_int_equal(store_pull_get(f->s, "shop", &ps), 0);
	assert_string_equal(ps.cursor, "c1");
	assert_int_equal(ps.imported, 2);
	assert_int_equal(ps.last_ok_at, T0);
	assert_int_equal(ps.last_poll_at, T0 + 5);
	assert_string_equal(ps.last_error, "HTTP 503");
	assert_int_equal(store_pull_saved(f->s, "shop", "c2", 1, T0 + 9), 0);
	assert_int_equal(store_pull_get(f->s, "shop", &ps), 0);
	assert_string_equal(ps.cursor, "c2");
	assert_int_equal(ps.imported, 3);
	assert_string_equal(ps.last_error, "");
	assert_int_equal(store_pull_get(f->s, "other", &ps), -ENOENT);
	assert_int_equal(store_pull_saved(f->s, "", "c", 0, T0), -EINVAL);

	/* known: by the key store_expected_put() replaces by */
	expected_fill(&er, "RMA-PK", "ORD-PK", NULL);
	assert_int_equal(store_expected_known(f->s, &er), 0);
	assert_int_equal(store_expected_put(f->s, &er, "pull", T0), 0);
	assert_int_equal(store_expected_known(f->s, &er), 1);
	snprintf(er.rma, sizeof(er.rma), "rma-pk");
	assert_int_equal(store_expected_known(f->s, &er), 1);

	/* a station of version 4 */
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(raw_exec(f->path,
				  SCHEMA_UNDO_V6 "DROP TABLE pull_cursor;"
						 "PRAGMA user_version = 4;"),
			 SQLITE_OK);
	assert_int_equal(store_open(f->path, &f->s, err, sizeof(err)), 0);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 10);
	assert_int_equal(store_pull_get(f->s, "shop", &ps), -ENOENT);
	assert_int_equal(store_pull_saved(f->s, "shop", "c3", 1, T0), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, store_setup, store_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_store_new_file_is_migrated),
	    T(test_store_law_fields_round_trip),
	    T(test_store_second_parcel_of_a_return),
	    T(test_store_refused_return_is_answered),
	    T(test_store_before_counts_the_whole_order),
	    T(test_store_decision_keeps_the_remedy),
	    T(test_store_complaints_due),
	    T(test_store_migrates_a_file_of_version_2),
	    T(test_store_reopen_keeps_data),
	    T(test_store_newer_schema_refused),
	    T(test_store_garbage_file_untouched),
	    T(test_store_damaged_pages_refused),
	    T(test_store_locked_file_busy),
	    T(test_store_expected_find_by_each_code),
	    T(test_store_expected_put_replaces),
	    T(test_store_expected_put_keeps_another_shops),
	    T(test_store_expected_at_the_desk_is_kept),
	    T(test_store_decide_writes_everything_once),
	    T(test_store_decide_duplicate_key_rolls_back),
	    T(test_store_undo_within_grace),
	    T(test_store_device_event_and_note),
	    T(test_store_undo_too_late),
	    T(test_store_claim_sends_once_and_blocks_undo),
	    T(test_store_undo_first_stops_the_claim),
	    T(test_store_undo_waiting_for_the_lock_is_late),
	    T(test_store_second_decision_of_a_return_refused),
	    T(test_store_unexpected_returns_decide_independently),
	    T(test_store_decided_without_label_has_nothing_to_print),
	    T(test_store_outbox_due_retry_dead),
	    T(test_store_outbox_renders_the_decision),
	    T(test_store_outbox_cancelled_rows_never_render),
	    T(test_store_outbox_unrenderable_row_says_why),
	    T(test_store_printed_label_keeps_its_zpl),
	    T(test_store_audit_detects_edit),
	    T(test_store_audit_detects_delete),
	    T(test_store_audit_detects_truncation),
	    T(test_store_receipt_json_fields),
	    T(test_store_shop_ids_round_trip),
	    T(test_store_migrates_a_file_without_shop_ids),
	    T(test_store_pull_cursor),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
