/* SPDX-License-Identifier: MIT */
/*
 * The puller (src/net/pull.c) with a fake connector against a scripted
 * shop on 127.0.0.1, the test playing the daemon: it takes each page,
 * stores the returns as the station does (expected_json_parse, then
 * store_expected_put) and keeps the cursor.  Pages are followed within one
 * poll, up to the bound; the cursor moves only after a page is stored; a
 * page pulled again (its cursor never kept) adds no return twice; a shop
 * that fails is polled less and less often, never before its Retry-After,
 * and once it answers again the schedule is back to normal.
 */
#include <errno.h>
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

#include "retour/clock.h"
#include "retour/connector.h"
#include "retour/expected_json.h"
#include "retour/pull.h"
#include "retour/store.h"

#include "outbox_fixture.h"

#define EVERY_S 60

/* ---- a shop API that lists returns after a cursor ----
 * GET /returns?key=CURSOR -> {"returns":[...], "next":"c", "more":bool};
 * 429 and 5xx: try later; anything else unreadable. */

struct fake_pull {
	char base[128];
};

static int fake_init(void **state)
{
	*state = calloc(1, sizeof(struct fake_pull));
	return *state ? 0 : -ENOMEM;
}

static void fake_free(void *state)
{
	free(state);
}

static int fake_configure(void *state, const struct connector_setting *s,
			  char *problem, size_t len)
{
	struct fake_pull *fp = state;

	if (strcmp(s->key, "base_url")) {
		snprintf(problem, len, "unknown key '%s'", s->key);
		return -EINVAL;
	}
	snprintf(fp->base, sizeof(fp->base), "%s", s->value);
	return 0;
}

static int fake_build(void *state, const struct connector_message *m,
		      int64_t now_us, struct connector_request *req, char *err,
		      size_t errlen)
{
	(void)state, (void)m, (void)now_us, (void)req;
	snprintf(err, errlen, "this fake only pulls");
	return -EINVAL;
}

static enum connector_result fake_classify(void *state,
					   const struct connector_message *m,
					   const struct connector_answer *a,
					   char *shop_ref, size_t reflen,
					   char *err, size_t errlen)
{
	(void)state, (void)m, (void)a, (void)shop_ref, (void)reflen;
	snprintf(err, errlen, "this fake only pulls");
	return CONNECTOR_FATAL;
}

static int fake_pull_build(void *state, const char *cursor, int64_t now_us,
			   struct connector_request *req, char *err,
			   size_t errlen)
{
	struct fake_pull *fp = state;

	(void)now_us, (void)err, (void)errlen;
	req->method = CONNECTOR_GET;
	snprintf(req->url, sizeof(req->url), "%s/returns?key=%s", fp->base,
		 cursor);
	return 0;
}

static int fake_pull_parse(void *state, const char *cursor,
			   const struct connector_answer *a, int64_t now_us,
			   json_t *returns, char *next, size_t nextlen,
			   bool *more, char *err, size_t errlen)
{
	json_t *doc, *list, *o;
	size_t i;

	(void)state, (void)now_us;
	if (a->status == 429 || a->status >= 500) {
		snprintf(err, errlen, "HTTP %ld", a->status);
		return -EAGAIN;
	}
	doc = connector_answer_json(a, 0, err, errlen);
	list = json_object_get(doc, "returns");
	if (a->status != 200 || !json_is_array(list) ||
	    !json_is_string(json_object_get(doc, "next"))) {
		json_decref(doc);
		snprintf(err, errlen, "HTTP %ld: not a page", a->status);
		return -EINVAL;
	}
	json_array_foreach(list, i, o) json_array_append(returns, o);
	snprintf(next, nextlen, "%s",
		 json_string_value(json_object_get(doc, "next")));
	if (!next[0])
		snprintf(next, nextlen, "%s", cursor);
	*more = json_is_true(json_object_get(doc, "more"));
	json_decref(doc);
	return 0;
}

static const struct connector fake_connector = {
    .name = "fake-pull",
    .init = fake_init,
    .free = fake_free,
    .configure = fake_configure,
    .build = fake_build,
    .classify = fake_classify,
    .pull_build = fake_pull_build,
    .pull_parse = fake_pull_parse,
};

/* ---- the test as the daemon ---- */

struct bench {
	struct fixture *f;
	struct puller *p;
	char base[128];
	int refuse; /* refuse this many next pages after storing them */
	int pages;
};

static void bench_start(struct bench *b, struct fixture *f, int max_pages)
{
	struct connector_setting set = {.key = "base_url", .value = b->base};
	struct store_pull_state saved;
	struct pull_source_config sc = {
	    .name = "shopa",
	    .shop = "shop-a",
	    .ops = &fake_connector,
	    .settings = &set,
	    .n_settings = 1,
	    .every_s = EVERY_S,
	};
	struct pull_config pc = {.sources = &sc,
				 .n_sources = 1,
				 .timeout_ms = 2000,
				 .max_pages = max_pages,
				 .now = test_now_us};
	char err[256] = "";

	b->f = f;
	snprintf(b->base, sizeof(b->base), "http://127.0.0.1:%u", f->shop.port);
	if (store_pull_get(f->store, "shopa", &saved) == 0) {
		sc.cursor = saved.cursor;
		sc.last_poll_at = saved.last_poll_at;
	}
	assert_int_equal(pull_start(&pc, &b->p, err, sizeof(err)), 0);
}

/* Store one page as the station does; 0 or the first store failure. */
static int bench_import(struct bench *b, struct pull_batch *pb)
{
	struct expected_return er;
	char err[200];
	size_t i;
	json_t *o;
	int r;

	json_array_foreach(pb->returns, i, o)
	{
		assert_string_equal(
		    json_string_value(json_object_get(o, "shop")), "shop-a");
		if (expected_json_parse(o, NULL, "returns", &er, err,
					sizeof(err)) < 0)
			continue; /* left out, never half-made */
		r = store_expected_put(b->f->store, &er, "pull", test_now_us());
		if (r < 0)
			return r;
	}
	if (b->refuse > 0) {
		b->refuse--;
		return -EIO; /* a crash before the cursor was kept */
	}
	return store_pull_saved(b->f->store, pb->name, pb->cursor, 0,
				pb->polled_at);
}

/* Serve the puller's pages until it is idle; its next poll's time. */
static int64_t bench_settle(struct bench *b)
{
	struct pull_batch pb;
	int64_t next = 0;

	for (int i = 0; i < 2000; i++) {
		if (pull_take(b->p, &pb) == 0) {
			int r = bench_import(b, &pb);

			b->pages++;
			pull_done(b->p, &pb, r, r < 0 ? "refused" : NULL);
			continue;
		}
		if (pull_wait_idle(b->p, 0, &next, 5) == 0)
			return next;
	}
	fail_msg("the puller never settled");
	return 0;
}

/* Poll now and serve it. */
static int64_t bench_poll(struct bench *b)
{
	assert_int_equal(pull_now(b->p, "shopa"), 0);
	return bench_settle(b);
}

static int64_t expected_count(struct fixture *f)
{
	json_t *list = NULL;
	int64_t n;

	assert_int_equal(store_expected_list(f->store, 1000, &list), 0);
	n = (int64_t)json_array_size(list);
	json_decref(list);
	return n;
}

#define RET(rma)                                                               \
	"{\"rma\":\"" rma "\",\"order\":\"O-" rma "\",\"currency\":\"PLN\","   \
	"\"delivered_at\":\"2026-11-20\",\"items\":[{\"sku\":\"A\","           \
	"\"quantity\":1,\"unit_price_minor\":1000}]}"

static const char page1[] = "{\"returns\":[" RET("RMA-P1") "," RET(
    "RMA-P2") "],\"next\":\"c1\",\"more\":true}";
static const char page2[] =
    "{\"returns\":[" RET("RMA-P3") "],\"next\":\"c2\",\"more\":false}";
static const char page_again[] =
    "{\"returns\":[" RET("RMA-P3") "],\"next\":\"c2\",\"more\":false}";
static const char page_empty[] = "{\"returns\":[],\"next\":\"\"}";

/* Two pages in one poll; the next poll goes on from the last cursor and
 * the same return again adds nothing. */
static void pull_follows_pages_and_keeps_the_cursor(void **state)
{
	struct fixture *f = *state;
	struct bench b = {0};
	struct store_pull_state saved;
	struct pull_status ps;
	int64_t t0 = test_now_us(), next;

	shop_script(&f->shop, 200, NULL, page1);
	shop_script(&f->shop, 200, NULL, page2);
	shop_script(&f->shop, 200, NULL, page_again);
	bench_start(&b, f, 0);
	next = bench_settle(&b); /* never polled: polls at once */
	assert_int_equal(shop_seen_count(&f->shop), 2);
	assert_string_equal(f->shop.seen[0].query_key, "");
	assert_string_equal(f->shop.seen[1].query_key, "c1");
	assert_string_equal(f->shop.seen[0].path, "/returns");
	assert_int_equal(expected_count(f), 3);
	assert_int_equal(store_pull_get(f->store, "shopa", &saved), 0);
	assert_string_equal(saved.cursor, "c2");
	assert_int_equal(next, t0 + EVERY_S * SEC);
	assert_int_equal(pull_status(b.p, 0, &ps), 0);
	assert_int_equal(ps.failures, 0);
	assert_string_equal(ps.last_error, "");
	assert_string_equal(ps.shop, "shop-a");

	/* its time comes: the shop is asked after c2 */
	test_clock_set(next);
	next = bench_settle(&b);
	assert_int_equal(shop_seen_count(&f->shop), 3);
	assert_string_equal(f->shop.seen[2].query_key, "c2");
	assert_int_equal(expected_count(f), 3);
	assert_int_equal(next, t0 + 2 * EVERY_S * SEC);
	pull_stop(b.p);
}

/* A page whose cursor was never kept (the station died in between) is
 * pulled again from the old cursor, its returns absorbed. */
static void pull_pulls_a_page_again_until_it_is_kept(void **state)
{
	struct fixture *f = *state;
	struct bench b = {.refuse = 1};
	struct store_pull_state saved;
	struct pull_status ps;

	shop_script(&f->shop, 200, NULL, page2);
	shop_script(&f->shop, 200, NULL, page2);
	bench_start(&b, f, 0);
	bench_settle(&b);
	assert_int_equal(store_pull_get(f->store, "shopa", &saved), -ENOENT);
	assert_int_equal(expected_count(f), 1);
	assert_int_equal(pull_status(b.p, 0, &ps), 0);
	assert_int_equal(ps.failures, 1);
	assert_non_null(strstr(ps.last_error, "not stored: refused"));

	bench_poll(&b);
	assert_int_equal(shop_seen_count(&f->shop), 2);
	assert_string_equal(f->shop.seen[1].query_key, "");
	assert_int_equal(expected_count(f), 1);
	assert_int_equal(store_pull_get(f->store, "shopa", &saved), 0);
	assert_string_equal(saved.cursor, "c2");
	pull_stop(b.p);

	/* a restart goes on from the kept cursor, a period after the poll */
	shop_script(&f->shop, 200, NULL, page_empty);
	bench_start(&b, f, 0);
	assert_int_equal(bench_settle(&b), saved.last_poll_at + EVERY_S * SEC);
	assert_int_equal(shop_seen_count(&f->shop), 2);
	bench_poll(&b);
	assert_int_equal(shop_seen_count(&f->shop), 3);
	assert_string_equal(f->shop.seen[2].query_key, "c2");
	assert_int_equal(store_pull_get(f->store, "shopa", &saved), 0);
	assert_string_equal(saved.cursor, "c2"); /* "" next: nothing moved */
	pull_stop(b.p);
}

/* A shop that fails is asked less and less often, never before its
 * Retry-After; once it answers, every EVERY_S again. */
static void pull_backs_off_while_the_shop_fails(void **state)
{
	struct fixture *f = *state;
	struct bench b = {0};
	struct pull_status ps;
	int64_t t, next;

	shop_script(&f->shop, 503, NULL, "down");
	shop_script(&f->shop, 503, NULL, "down");
	shop_script(&f->shop, 429, "600", "slow down");
	shop_script(&f->shop, 200, NULL, "not json");
	shop_script(&f->shop, 200, NULL, page2);
	bench_start(&b, f, 0);
	t = test_now_us();
	next = bench_settle(&b);
	assert_int_equal(next, t + EVERY_S * SEC);
	test_clock_set(next);
	t = next;
	next = bench_settle(&b);
	assert_int_equal(next, t + 2 * EVERY_S * SEC);
	assert_int_equal(pull_status(b.p, 0, &ps), 0);
	assert_int_equal(ps.failures, 2);
	assert_string_equal(ps.last_error, "HTTP 503");
	test_clock_set(next);
	t = next;
	next = bench_settle(&b);
	assert_int_equal(next, t + 600 * SEC); /* Retry-After beats 4 x 60 */
	test_clock_set(next);
	t = next;
	next = bench_settle(&b); /* unreadable: a failure like the others */
	assert_int_equal(next, t + 8 * EVERY_S * SEC);
	assert_int_equal(shop_seen_count(&f->shop), 4);
	assert_int_equal(expected_count(f), 0);

	/* asked now by hand: it answers, the schedule is back */
	t = test_now_us();
	next = bench_poll(&b);
	assert_int_equal(next, t + EVERY_S * SEC);
	assert_int_equal(pull_status(b.p, 0, &ps), 0);
	assert_int_equal(ps.failures, 0);
	assert_string_equal(ps.last_error, "");
	assert_int_equal(expected_count(f), 1);
	assert_int_equal(pull_backoff_us(60, 1), 60 * SEC);
	assert_int_equal(pull_backoff_us(60, 40), 15 * 60 * SEC);
	assert_int_equal(pull_backoff_us(3600, 3), 3600 * SEC);
	pull_stop(b.p);
}

/* A shop that always says "more" gets max_pages requests per poll, the
 * rest at the next; a return it cannot map is left out. */
static void pull_bounds_the_pages_of_one_poll(void **state)
{
	struct fixture *f = *state;
	struct bench b = {0};
	static const char endless[] =
	    "{\"returns\":[" RET("RMA-E1") ",{\"rma\":\"RMA-BAD\"},7],"
					   "\"next\":\"again\",\"more\":true}";

	for (int i = 0; i < 5; i++)
		shop_script(&f->shop, 200, NULL, endless);
	bench_start(&b, f, 3);
	bench_settle(&b);
	assert_int_equal(shop_seen_count(&f->shop), 3);
	assert_int_equal(b.pages, 3);
	assert_int_equal(expected_count(f), 1);
	pull_stop(b.p);
}

/* A type without pull operations is refused at the start. */
static void pull_refuses_a_connector_that_cannot_pull(void **state)
{
	struct pull_source_config sc = {
	    .name = "hooks", .type = "webhook", .every_s = 60};
	struct pull_config pc = {.sources = &sc, .n_sources = 1};
	struct puller *p = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(pull_start(&pc, &p, err, sizeof(err)), -EINVAL);
	assert_null(p);
	assert_non_null(strstr(err, "cannot pull"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		pull_follows_pages_and_keeps_the_cursor, fixture_setup,
		fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		pull_pulls_a_page_again_until_it_is_kept, fixture_setup,
		fixture_teardown),
	    cmocka_unit_test_setup_teardown(pull_backs_off_while_the_shop_fails,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(pull_bounds_the_pages_of_one_poll,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test(pull_refuses_a_connector_that_cannot_pull),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
