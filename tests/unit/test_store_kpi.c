/* SPDX-License-Identifier: MIT */
/*
 * The supervisors' figures (store_kpi) counted from a record whose every
 * number is known, and the views the desk's screen reads: an expected
 * return called off, the open receipt's photos and extra scans, a
 * refund's state.
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

#include <cmocka.h>

#include "retour/store.h"

/* 2026-11-20T10:00:00Z: 11:00 in the shop (UTC+1, no summer time) */
#define T0 (INT64_C(1795168800) * USEC_PER_SEC)
#define MIN (60 * USEC_PER_SEC)
#define HOUR (60 * MIN)

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
};

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/retour-kpi-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/retour.db", f->dir);
	assert_int_equal(store_open(f->path, &f->s, err, sizeof(err)), 0);
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

static int64_t open_receipt(struct store *s, enum receipt_routine routine,
			    int64_t expected_id, int64_t at)
{
	struct receipt_open ro = {
	    .expected_id = expected_id,
	    .routine = routine,
	    .desk = "desk-1",
	    .clerk = "anna",
	    .code = "CODE-1",
	    .received_at = at,
	};
	int64_t id = 0;

	assert_int_equal(store_receipt_open(s, &ro, &id), 0);
	return id;
}

/* Decide @rid with @verdict and a proposal whose reasons are @codes
 * (space-separated); a paid verdict queues a refund row. */
static void decide(struct store *s, int64_t rid, const char *verdict,
		   const char *codes, const char *override_reason, int64_t at)
{
	char proposal[512], *p = proposal, list[128], *save = NULL;
	struct decision_record d = {
	    .verdict = verdict,
	    .proposal_json = proposal,
	    .overridden = override_reason != NULL,
	    .override_reason = override_reason,
	    .currency = "PLN",
	    .decided_by = "anna",
	    .decided_at = at,
	    .shop = "demo",
	};
	struct outbox_new out[2] = {{0}};
	bool paid = !strcmp(verdict, "accept") || !strcmp(verdict, "partial");
	int n = 0;

	p += sprintf(p, "{\"verdict\":\"%s\",\"reasons\":[", verdict);
	snprintf(list, sizeof(list), "%s", codes);
	for (char *c = strtok_r(list, " ", &save); c;
	     c = strtok_r(NULL, " ", &save))
		p += sprintf(p, "%s{\"code\":\"%s\",\"item\":-1,\"text\":\"\"}",
			     p[-1] == '[' ? "" : ",", c);
	sprintf(p, "]}");
	if (paid) {
		d.refund_minor = 1000;
		out[n].action = "refund.requested";
		snprintf(out[n].key, sizeof(out[n].key), "r%lld-refund",
			 (long long)rid);
		out[n++].not_before = at;
	}
	out[n].action = "return.decided";
	snprintf(out[n].key, sizeof(out[n].key), "r%lld-decided",
		 (long long)rid);
	out[n++].not_before = at;
	assert_int_equal(store_receipt_decide(s, rid, &d, out, n), 0);
}

/* The shop confirmed @rid's refund @after its receipt at @received. */
static void refund_confirmed(struct store *s, int64_t rid, int64_t received,
			     int64_t after)
{
	struct store_refund rf;

	assert_int_equal(store_refund_state(s, rid, &rf), 0);
	assert_string_equal(rf.state, "pending");
	assert_int_equal(
	    store_outbox_mark_done(s, rf.outbox_id, "re_1", received + after),
	    0);
	assert_int_equal(store_refund_state(s, rid, &rf), 0);
	assert_string_equal(rf.state, "done");
	assert_string_equal(rf.shop_ref, "re_1");
}

static json_int_t count_of(json_t *arr, size_t i, const char *key,
			   const char *value)
{
	json_t *row = json_array_get(arr, i);

	assert_non_null(row);
	assert_string_equal(json_string_value(json_object_get(row, key)),
			    value);
	return json_integer_value(json_object_get(row, "count"));
}

static void test_kpi_counts_each_figure(void **state)
{
	struct fixture *f = *state;
	struct store *s = f->s;
	int64_t r;
	json_t *k, *v;

	/* 11:00 local: two accepted, refunds confirmed after 100 and 300 s */
	r = open_receipt(s, ROUTINE_RETURN, 0, T0);
	decide(s, r, "accept", "within_window", NULL, T0 + MIN);
	refund_confirmed(s, r, T0, 100 * USEC_PER_SEC);
	r = open_receipt(s, ROUTINE_RETURN, 0, T0 + 10 * MIN);
	decide(s, r, "accept", "within_window delivery_refunded", NULL,
	       T0 + 11 * MIN);
	refund_confirmed(s, r, T0 + 10 * MIN, 300 * USEC_PER_SEC);
	/* 12:00: rejected by the rules, and by the clerk against them */
	r = open_receipt(s, ROUTINE_RETURN, 0, T0 + HOUR);
	decide(s, r, "reject", "within_window buyer_damage", NULL,
	       T0 + HOUR + MIN);
	r = open_receipt(s, ROUTINE_RETURN, 0, T0 + HOUR + 5 * MIN);
	decide(s, r, "reject", "within_window", "smells of smoke",
	       T0 + HOUR + 6 * MIN);
	/* 13:00: held; and one abandoned at the desk, which is no return */
	r = open_receipt(s, ROUTINE_RETURN, 0, T0 + 2 * HOUR);
	decide(s, r, "hold", "check_posting_date", NULL, T0 + 2 * HOUR + MIN);
	r = open_receipt(s, ROUTINE_RETURN, 0, T0 + 2 * HOUR + MIN);
	assert_int_equal(store_receipt_cancel(s, r, "anna", T0 + 2 * HOUR), 0);
	/* 14:00: partly accepted, refund confirmed after 1000 s; one still
	 * waiting for the shop is no latency yet */
	r = open_receipt(s, ROUTINE_RETURN, 0, T0 + 3 * HOUR);
	decide(s, r, "partial", "partial_quantity", NULL, T0 + 3 * HOUR + MIN);
	refund_confirmed(s, r, T0 + 3 * HOUR, 1000 * USEC_PER_SEC);
	r = open_receipt(s, ROUTINE_RETURN, 0, T0 + 3 * HOUR + 2 * MIN);
	decide(s, r, "accept", "within_window", NULL, T0 + 3 * HOUR + 3 * MIN);
	/* ship-QC: one passed, two failed (one against the proposal) */
	r = open_receipt(s, ROUTINE_SHIP_QC, 0, T0 + 30 * MIN);
	decide(s, r, "qc_passed", "", NULL, T0 + 31 * MIN);
	r = open_receipt(s, ROUTINE_SHIP_QC, 0, T0 + 40 * MIN);
	decide(s, r, "qc_failed", "missing_item missing_item weight_mismatch",
	       NULL, T0 + 41 * MIN);
	r = open_receipt(s, ROUTINE_SHIP_QC, 0, T0 + 50 * MIN);
	decide(s, r, "qc_failed", "", "box crushed", T0 + 51 * MIN);
	/* two days before: outside the range */
	r = open_receipt(s, ROUTINE_RETURN, 0, T0 - 2 * 24 * HOUR);
	decide(s, r, "accept", "within_window", NULL, T0 - 47 * HOUR);

	/* the local day of T0, 2026-11-20, UTC+1 */
	assert_int_equal(
	    store_kpi(s, T0 - 11 * HOUR, T0 + 13 * HOUR - 1, 60, true, &k), 0);
	v = json_object_get(k, "returns_per_hour");
	assert_int_equal(json_array_size(v), 4);
	assert_int_equal(count_of(v, 0, "hour", "2026-11-20T11"), 2);
	assert_int_equal(count_of(v, 1, "hour", "2026-11-20T12"), 2);
	assert_int_equal(count_of(v, 2, "hour", "2026-11-20T13"), 1);
	assert_int_equal(count_of(v, 3, "hour", "2026-11-20T14"), 2);

	v = json_object_get(k, "reasons");
	/* a return with only informational notes (delivery_refunded) was
	 * accepted within its window */
	assert_int_equal(json_array_size(v), 4);
	assert_int_equal(count_of(v, 0, "reason", "within_window"), 4);
	assert_int_equal(count_of(v, 1, "reason", "buyer_damage"), 1);
	assert_int_equal(count_of(v, 2, "reason", "check_posting_date"), 1);
	assert_int_equal(count_of(v, 3, "reason", "partial_quantity"), 1);

	v = json_object_get(k, "verdicts");
	assert_int_equal(json_integer_value(json_object_get(v, "accept")), 3);
	assert_int_equal(json_integer_value(json_object_get(v, "partial")), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "reject")), 2);
	assert_int_equal(json_integer_value(json_object_get(v, "hold")), 1);

	v = json_object_get(k, "rejection_reasons");
	assert_int_equal(json_array_size(v), 2);
	assert_int_equal(count_of(v, 0, "reason", "buyer_damage"), 1);
	assert_int_equal(count_of(v, 1, "reason", "override: smells of smoke"),
			 1);

	v = json_object_get(k, "refund_latency_s");
	assert_int_equal(json_integer_value(json_object_get(v, "n")), 3);
	/* nearest rank of 100, 300, 1000 s */
	assert_true(json_real_value(json_object_get(v, "median")) == 300.0);
	assert_true(json_real_value(json_object_get(v, "p90")) == 1000.0);

	v = json_object_get(k, "qc");
	assert_int_equal(json_integer_value(json_object_get(v, "passed")), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "failed")), 2);
	v = json_object_get(k, "qc_failures");
	assert_int_equal(json_array_size(v), 3);
	assert_int_equal(count_of(v, 0, "cause", "missing_item"), 1);
	assert_int_equal(count_of(v, 1, "cause", "override"), 1);
	assert_int_equal(count_of(v, 2, "cause", "weight_mismatch"), 1);
	json_decref(k);

	/* what /metrics reads: the whole record */
	{
		struct store_metrics m;
		static const int64_t le[STORE_METRICS_LATENCY_BUCKETS] = {
		    0, 0, 0, 2, 2, 3, 3, 3, 3};

		assert_int_equal(store_metrics(s, &m), 0);
		assert_int_equal(m.routines[0][0], 8); /* returns decided */
		assert_int_equal(m.routines[0][1], 1); /* abandoned */
		assert_int_equal(m.routines[0][2], 0);
		assert_int_equal(m.routines[1][0], 3); /* ship-QC decided */
		assert_int_equal(m.latency_count, 3);
		assert_true(m.latency_sum_s == 1400.0);
		for (int b = 0; b < STORE_METRICS_LATENCY_BUCKETS; b++)
			assert_int_equal(m.latency_le[b], le[b]);
		/* the events of every decision wait: the oldest is the
		 * decision two days before */
		assert_int_equal(m.oldest_pending_at, T0 - 47 * HOUR);
	}

	/* a day with nothing: zeros and empty lists, no latency */
	assert_int_equal(
	    store_kpi(s, T0 + 13 * HOUR, T0 + 37 * HOUR - 1, 60, true, &k), 0);
	assert_int_equal(json_array_size(json_object_get(k, "reasons")), 0);
	assert_int_equal(
	    json_array_size(json_object_get(k, "returns_per_hour")), 0);
	v = json_object_get(k, "refund_latency_s");
	assert_int_equal(json_integer_value(json_object_get(v, "n")), 0);
	assert_true(json_is_null(json_object_get(v, "median")));
	assert_true(json_is_null(json_object_get(v, "p90")));
	json_decref(k);
}

/* The hour the clocks go back (2026-10-25, 03:00 CEST -> 02:00 CET)
 * counts as one local hour; summer time moves the label. */
static void test_kpi_hours_follow_the_local_clock(void **state)
{
	struct fixture *f = *state;
	/* 2026-10-25T00:30Z = 02:30 CEST; 01:30Z = 02:30 CET */
	int64_t t = INT64_C(1792888200) * USEC_PER_SEC;
	json_t *k, *v;

	open_receipt(f->s, ROUTINE_RETURN, 0, t);
	open_receipt(f->s, ROUTINE_RETURN, 0, t + HOUR);
	open_receipt(f->s, ROUTINE_RETURN, 0, t + 2 * HOUR);
	assert_int_equal(
	    store_kpi(f->s, t - 3 * HOUR, t + 5 * HOUR, 60, true, &k), 0);
	v = json_object_get(k, "returns_per_hour");
	assert_int_equal(json_array_size(v), 2);
	assert_int_equal(count_of(v, 0, "hour", "2026-10-25T02"), 2);
	assert_int_equal(count_of(v, 1, "hour", "2026-10-25T03"), 1);
	json_decref(k);
}

static void fill_expected(struct expected_return *er, const char *rma)
{
	memset(er, 0, sizeof(*er));
	snprintf(er->rma, sizeof(er->rma), "%s", rma);
	snprintf(er->order_ref, sizeof(er->order_ref), "ORD-%s", rma);
	er->kind = RETURN_WITHDRAWAL;
	memcpy(er->currency, "PLN", 4);
	er->delivered_at = T0 - 5 * 24 * HOUR;
	er->n_items = 1;
	snprintf(er->items[0].sku, RETURN_REF_LEN, "SKU-1");
	snprintf(er->items[0].gtin, 16, "5901234123457");
	er->items[0].quantity = 1;
	er->items[0].unit_price_minor = 1000;
}

static void test_expected_cancel(void **state)
{
	struct fixture *f = *state;
	struct expected_return er, found;
	json_t *v;
	int64_t rid;

	fill_expected(&er, "RMA-C1");
	assert_int_equal(store_expected_put(f->s, &er, "api", T0), 0);
	assert_int_equal(store_expected_view(f->s, er.id, &v), 0);
	assert_true(json_is_null(json_object_get(v, "cancelled_at")));
	json_decref(v);
	assert_int_equal(store_expected_cancel(f->s, er.id, "api", T0 + MIN),
			 0);
	/* kept, shown as called off, and no longer found at the desk */
	assert_int_equal(store_expected_view(f->s, er.id, &v), 0);
	assert_string_equal(
	    json_string_value(json_object_get(v, "cancelled_at")),
	    "2026-11-20T10:01:00Z");
	json_decref(v);
	assert_int_equal(store_expected_find(f->s, "RMA-C1", &found), -ENOENT);
	/* again: nothing more to do */
	assert_int_equal(store_expected_cancel(f->s, er.id, "api", T0 + MIN),
			 0);
	/* imported again: expected again */
	assert_int_equal(store_expected_put(f->s, &er, "api", T0 + 2 * MIN), 0);
	assert_int_equal(store_expected_find(f->s, "RMA-C1", &found), 0);
	/* at the desk: refused, nothing changed */
	rid = open_receipt(f->s, ROUTINE_RETURN, er.id, T0 + 3 * MIN);
	assert_int_equal(
	    store_expected_cancel(f->s, er.id, "api", T0 + 4 * MIN), -EPERM);
	assert_non_null(strstr(store_errmsg(f->s), "receipt"));
	assert_int_equal(store_expected_find(f->s, "RMA-C1", &found), 0);
	/* abandoned at the desk: it may be called off */
	assert_int_equal(store_receipt_cancel(f->s, rid, "anna", T0 + 5 * MIN),
			 0);
	assert_int_equal(
	    store_expected_cancel(f->s, er.id, "api", T0 + 6 * MIN), 0);
	assert_int_equal(store_expected_cancel(f->s, 999, "api", T0), -ENOENT);
	assert_int_equal(store_expected_view(f->s, 999, &v), -ENOENT);
}

static void test_live_views_of_a_receipt(void **state)
{
	struct fixture *f = *state;
	struct store_refund rf;
	struct store_photo ph;
	json_t *v;
	int64_t rid = open_receipt(f->s, ROUTINE_SHIP_QC, 0, T0);
	static const char sha[] = "0123456789abcdef0123456789abcdef"
				  "0123456789abcdef0123456789abcdef";

	assert_int_equal(store_photo_add(f->s, rid, "parcel", sha,
					 "/photos/01/x.jpg", 1234, "anna",
					 T0 + 1),
			 0);
	assert_int_equal(store_receipt_photos_brief(f->s, rid, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(v, 0), "step")),
	    "parcel");
	assert_int_equal(store_photo_find(f->s,
					  json_integer_value(json_object_get(
					      json_array_get(v, 0), "id")),
					  &ph),
			 0);
	assert_string_equal(ph.path, "/photos/01/x.jpg");
	assert_string_equal(ph.sha256, sha);
	assert_int_equal(ph.receipt_id, rid);
	json_decref(v);
	assert_int_equal(store_photo_find(f->s, 999, &ph), -ENOENT);

	/* two units of one code not in the order, one of another; one taken
	 * out again */
	for (int i = 0; i < 3; i++)
		assert_int_equal(store_receipt_add_item_scan(
				     f->s, rid, -1, i < 2 ? "111" : "222", NULL,
				     "anna", T0 + 2 + i),
				 0);
	assert_int_equal(store_receipt_add_item_scan(f->s, rid, 0, "333", NULL,
						     "anna", T0 + 6),
			 0);
	assert_int_equal(
	    store_receipt_remove_item_scan(f->s, rid, "222", "anna", T0 + 7),
	    0);
	assert_int_equal(store_receipt_extra_scans(f->s, rid, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(v, 0), "code")),
	    "111");
	assert_int_equal(json_integer_value(
			     json_object_get(json_array_get(v, 0), "scanned")),
			 2);
	json_decref(v);

	/* no refund asked */
	assert_int_equal(store_refund_state(f->s, rid, &rf), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_kpi_counts_each_figure, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_kpi_hours_follow_the_local_clock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expected_cancel, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_live_views_of_a_receipt, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
