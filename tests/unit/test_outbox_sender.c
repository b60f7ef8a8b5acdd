/* SPDX-License-Identifier: MIT */
/*
 * The outbox sender end to end with the webhook connector: a real SQLite
 * store with a decided receipt, the real sender thread and libcurl, and
 * fake shops (outbox_fixture.h) that answer 500, 429 + Retry-After, 400 or
 * 200 on demand; and refunds and events routed to different connectors.
 *
 * The sender runs on the test's clock: it stands still unless a test moves
 * it, and outbox_sender_wait_idle() says when the sender has nothing to do
 * before a given time.  "Nothing else goes out" is asserted at that point,
 * never after a sleep.
 */
#include <errno.h>
#include <poll.h>
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
#include "retour/outbox.h"
#include "retour/store.h"

#include "outbox_fixture.h"

/* ---- tests ---- */

static void sender_delivers_once_signed(void **state)
{
	struct fixture *f = *state;
	struct outbox_stats st;
	struct pollfd pfd;
	uint64_t ticks = 0;
	char key[STORE_KEY_LEN];
	json_t *row;

	fixture_decide(f, test_now_us());
	fixture_start(f, 50, 0, NULL);
	/* Nothing more goes out once the shop has it: nothing is waited
	 * for at all. */
	assert_int_equal(fixture_idle(f), INT64_MAX);
	assert_int_equal(fixture_count(f, "done"), 1);
	assert_int_equal(shop_seen_count(&f->shop), 1);

	snprintf(key, sizeof(key), "retour-r%lld-refund-1",
		 (long long)f->receipt_id);
	assert_signed_delivery(&f->shop.seen[0], key);

	row = fixture_row(f);
	assert_string_equal(json_string_value(json_object_get(row, "shop_ref")),
			    "shop-77");
	json_decref(row);

	outbox_sender_stats(f->sender, &st);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.retried, 0);
	assert_int_equal(st.dead, 0);

	/* The daemon's loop is told. */
	pfd.fd = outbox_sender_notify_fd(f->sender);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 0), 1);
	assert_int_equal(read(pfd.fd, &ticks, sizeof(ticks)), sizeof(ticks));
	assert_int_equal(ticks, 1);
	assert_int_equal(poll(&pfd, 1, 0), 0);
}

static void sender_retries_after_server_error(void **state)
{
	struct fixture *f = *state;
	struct outbox_stats st;
	json_t *row;

	shop_script(&f->shop, 500, NULL, "{\"error\":\"database down\"}");
	fixture_decide(f, test_now_us());
	fixture_start(f, 50, 0, NULL);
	/* Not again before the backoff (at most 100 ms after 1 attempt). */
	assert_true(fixture_idle(f) <= test_now_us() + 100 * 1000);
	assert_int_equal(shop_seen_count(&f->shop), 1);
	assert_true(fixture_settle(f, "done", 1));
	assert_int_equal(shop_seen_count(&f->shop), 2);
	/* The same key both times: the shop can tell it is a retry. */
	assert_string_equal(f->shop.seen[0].id, f->shop.seen[1].id);
	assert_signed_delivery(&f->shop.seen[1], f->shop.seen[0].id);

	row = fixture_row(f);
	assert_int_equal(json_integer_value(json_object_get(row, "attempts")),
			 2);
	json_decref(row);
	outbox_sender_stats(f->sender, &st);
	assert_int_equal(st.retried, 1);
	assert_int_equal(st.sent, 1);
}

static void sender_honours_retry_after(void **state)
{
	struct fixture *f = *state;
	int64_t t0 = test_now_us();

	/* Our own backoff would come back within 200 ms; the shop asked
	 * for one second. */
	shop_script(&f->shop, 429, "1", "{\"error\":\"slow down\"}");
	fixture_decide(f, t0);
	fixture_start(f, 50, 0, NULL);
	assert_int_equal(fixture_idle(f), t0 + 1 * SEC);
	/* A moment before that second, still nothing. */
	test_clock_set(t0 + SEC - 1000);
	outbox_sender_kick(f->sender);
	assert_int_equal(fixture_idle(f), t0 + 1 * SEC);
	assert_int_equal(shop_seen_count(&f->shop), 1);
	assert_true(fixture_settle(f, "done", 1));
	assert_int_equal(shop_seen_count(&f->shop), 2);
	assert_int_equal(f->shop.seen[1].at - f->shop.seen[0].at, 1 * SEC);
}

static void sender_gives_up_on_client_error_until_manual_retry(void **state)
{
	struct fixture *f = *state;
	struct outbox_stats st;
	json_t *row;
	const char *err;
	int64_t id;

	shop_script(&f->shop, 400, NULL,
		    "{\"error\":\"refund exceeds order total\"}");
	fixture_decide(f, test_now_us());
	fixture_start(f, 50, 0, NULL);
	/* Dead, and nothing waited for: it is never sent by itself again. */
	assert_int_equal(fixture_idle(f), INT64_MAX);
	assert_int_equal(fixture_count(f, "dead"), 1);
	assert_int_equal(shop_seen_count(&f->shop), 1);

	row = fixture_row(f);
	err = json_string_value(json_object_get(row, "last_error"));
	assert_non_null(err);
	assert_non_null(strstr(err, "400"));
	assert_non_null(strstr(err, "refund exceeds order total"));
	assert_null(strstr(err, "MfKQ9r8G"));
	id = json_integer_value(json_object_get(row, "id"));
	json_decref(row);
	outbox_sender_stats(f->sender, &st);
	assert_int_equal(st.dead, 1);

	/* The operator fixed the order in the shop and presses retry. */
	assert_int_equal(
	    store_outbox_retry(f->store, id, "supervisor", test_now_us()), 0);
	outbox_sender_kick(f->sender);
	assert_true(fixture_settle(f, "done", 1));
	assert_int_equal(shop_seen_count(&f->shop), 2);
	assert_string_equal(f->shop.seen[1].id, f->shop.seen[0].id);
}

static void sender_backs_off_when_the_outcome_cannot_be_recorded(void **state)
{
	struct fixture *f = *state;
	int64_t until;
	json_t *row;

	/* The shop takes the refund, but "done" cannot be written (as with
	 * a full disk): the shop must not get it again every second. */
	fixture_sql(f,
		    "CREATE TRIGGER no_done BEFORE UPDATE OF state ON outbox "
		    "WHEN NEW.state = 'done' "
		    "BEGIN SELECT RAISE(ABORT, 'disk full'); END");
	fixture_decide(f, test_now_us());
	fixture_start_with(f, 3000, 60 * 1000, 0, NULL);
	/* Due again after a full backoff, like a failed attempt, and
	 * nothing sent before. */
	until = fixture_idle(f);
	assert_int_equal(until, f->shop.seen[0].at + 3 * SEC);
	assert_int_equal(shop_seen_count(&f->shop), 1);
	row = fixture_row(f);
	assert_string_equal(json_string_value(json_object_get(row, "state")),
			    "pending");
	assert_int_equal(json_integer_value(json_object_get(row, "attempts")),
			 1);
	assert_int_equal(
	    json_integer_value(json_object_get(row, "next_attempt_at_us")),
	    f->shop.seen[0].at + 3 * SEC);
	json_decref(row);

	/* Once it can be written, the next attempt (same key) settles it. */
	fixture_sql(f, "DROP TRIGGER no_done");
	assert_true(fixture_settle(f, "done", 1));
	assert_int_equal(shop_seen_count(&f->shop), 2);
	assert_string_equal(f->shop.seen[1].id, f->shop.seen[0].id);
	assert_int_equal(f->shop.seen[1].at, f->shop.seen[0].at + 3 * SEC);
}

static void sender_waits_for_the_grace_period(void **state)
{
	struct fixture *f = *state;
	int64_t not_before = test_now_us() + 1500 * 1000;

	fixture_decide(f, not_before);
	fixture_start(f, 50, 0, NULL);
	outbox_sender_kick(f->sender);
	/* The clerk could still undo it: nothing goes out before. */
	assert_int_equal(fixture_idle(f), not_before);
	assert_int_equal(shop_seen_count(&f->shop), 0);
	assert_int_equal(fixture_count(f, "pending"), 1);
	test_clock_set(not_before - 1);
	outbox_sender_kick(f->sender);
	assert_int_equal(fixture_idle(f), not_before);
	assert_int_equal(shop_seen_count(&f->shop), 0);
	assert_true(fixture_settle(f, "done", 1));
	assert_int_equal(shop_seen_count(&f->shop), 1);
	assert_int_equal(f->shop.seen[0].at, not_before);
}

static void sender_retries_when_the_shop_is_unreachable(void **state)
{
	struct fixture *f = *state;
	struct outbox_stats st;
	char url[64];
	json_t *row;
	const char *err;

	/* Port 1 on loopback: connection refused. */
	snprintf(url, sizeof(url), "http://127.0.0.1:1/hook");
	fixture_decide(f, test_now_us());
	fixture_start(f, 1000, 0, url);
	assert_true(fixture_idle(f) <= test_now_us() + 2 * SEC);
	outbox_sender_stats(f->sender, &st);
	assert_int_equal(st.retried, 1);
	assert_int_equal(fixture_count(f, "pending"), 1);
	row = fixture_row(f);
	err = json_string_value(json_object_get(row, "last_error"));
	assert_non_null(err);
	assert_true(strlen(err) > 0);
	json_decref(row);
}

static void sender_declares_dead_after_the_deadline(void **state)
{
	struct fixture *f = *state;
	json_t *row;
	const char *err;

	shop_script(&f->shop, 503, NULL, NULL);
	fixture_decide(f, test_now_us());
	/* The row was created before "dead_after" ago by the time the
	 * answer comes back. */
	test_clock_set(test_now_us() + 20 * 1000);
	fixture_start(f, 50, 10 * 1000, NULL);
	assert_int_equal(fixture_idle(f), INT64_MAX);
	assert_int_equal(fixture_count(f, "dead"), 1);
	assert_int_equal(shop_seen_count(&f->shop), 1);
	row = fixture_row(f);
	err = json_string_value(json_object_get(row, "last_error"));
	assert_non_null(strstr(err, "gave up"));
	assert_non_null(strstr(err, "503"));
	json_decref(row);
}

static const char accepted_proposal[] =
    "{\"currency\":\"PLN\",\"delivery_refund_minor\":0,\"items\":["
    "{\"accepted\":true,\"deduction_minor\":0,\"disposition\":\"restock\","
    "\"grade\":\"A\",\"quantity\":1,\"refund_minor\":1999}],"
    "\"reasons\":[{\"code\":\"within_window\",\"item\":-1,"
    "\"text\":\"In time.\"}],\"refund_minor\":1999,"
    "\"verdict\":\"accept\"}";

static void sender_sends_the_rendered_event_the_same_each_time(void **state)
{
	struct fixture *f = *state;
	char key[STORE_KEY_LEN];
	json_t *body, *line, *row;
	int64_t id;

	/* A 503, then a 400 (dead), then the operator's retry gets through:
	 * three attempts, each rendered from the record afresh. */
	shop_script(&f->shop, 503, NULL, NULL);
	shop_script(&f->shop, 400, NULL, "{\"error\":\"try later\"}");
	fixture_decide_with(f, test_now_us(), NULL, accepted_proposal);
	fixture_start(f, 50, 0, NULL);
	assert_true(fixture_settle(f, "dead", 1));
	row = fixture_row(f);
	id = json_integer_value(json_object_get(row, "id"));
	json_decref(row);
	assert_int_equal(
	    store_outbox_retry(f->store, id, "supervisor", test_now_us()), 0);
	outbox_sender_kick(f->sender);
	assert_true(fixture_settle(f, "done", 1));
	assert_int_equal(shop_seen_count(&f->shop), 3);

	snprintf(key, sizeof(key), "retour-r%lld-refund-1",
		 (long long)f->receipt_id);
	/* A refund's webhook-id is its refund key (the shop, the RMA, the
	 * action: the same at any desk); the body's id names the row. */
	assert_int_equal(strncmp(f->shop.seen[0].id, "rr-", 3), 0);
	assert_int_equal(strlen(f->shop.seen[0].id), 35);
	for (int i = 0; i < 3; i++) {
		assert_signed(&f->shop.seen[i], f->shop.seen[0].id);
		assert_string_equal(f->shop.seen[i].body, f->shop.seen[0].body);
	}
	body = json_loads(f->shop.seen[0].body, 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "type")),
			    "refund.requested");
	assert_string_equal(json_string_value(json_object_get(body, "id")),
			    key);
	assert_int_equal(
	    json_integer_value(json_object_get(body, "amount_minor")), 1999);
	assert_string_equal(
	    json_string_value(json_object_get(body, "currency")), "PLN");
	assert_string_equal(json_string_value(json_object_get(body, "rma")),
			    "RMA-1001");
	assert_string_equal(json_string_value(json_object_get(body, "shop")),
			    "demo");
	line = json_array_get(json_object_get(body, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(line, "sku")),
			    "MUG-1");
	assert_int_equal(
	    json_integer_value(json_object_get(line, "refund_minor")), 1999);
	json_decref(body);
}

static void sender_marks_an_unrenderable_row_dead(void **state)
{
	struct fixture *f = *state;
	struct outbox_stats st;
	const char *err;
	json_t *row;

	fixture_decide_with(f, test_now_us(), NULL, "not a proposal");
	fixture_start(f, 50, 0, NULL);
	assert_int_equal(fixture_idle(f), INT64_MAX);
	assert_int_equal(fixture_count(f, "dead"), 1);
	assert_int_equal(shop_seen_count(&f->shop), 0);
	row = fixture_row(f);
	err = json_string_value(json_object_get(row, "last_error"));
	assert_non_null(err);
	assert_non_null(strstr(err, "proposal"));
	json_decref(row);
	outbox_sender_stats(f->sender, &st);
	assert_int_equal(st.dead, 1);
	assert_int_equal(st.sent, 0);
}

static void sender_stops_promptly(void **state)
{
	struct fixture *f = *state;
	int64_t t0;

	/* One row far in the future: the thread is asleep. */
	fixture_decide(f, test_now_us() + 3600 * SEC);
	fixture_start(f, 50, 0, NULL);
	assert_int_equal(fixture_idle(f), test_now_us() + 3600 * SEC);
	t0 = clock_mono_us();
	outbox_sender_stop(f->sender);
	f->sender = NULL;
	assert_true(clock_mono_us() - t0 < 300 * 1000);
	assert_int_equal(shop_seen_count(&f->shop), 0);
	assert_int_equal(fixture_count(f, "pending"), 1);
}

static void sender_refuses_bad_configuration(void **state)
{
	struct fixture *f = *state;
	struct outbox_sender *s = NULL;
	struct outbox_config cfg = {
	    .db_path = f->db_path,
	    .url = f->url,
	    .secret = "whsec_not base64!",
	};
	char err[256] = "";

	assert_int_equal(outbox_sender_start(&cfg, &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "secret"));
	assert_null(strstr(err, "not base64"));

	cfg.secret = SHOP_SECRET;
	cfg.connector = "carrier-pigeon";
	assert_int_equal(outbox_sender_start(&cfg, &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "carrier-pigeon"));

	cfg.connector = NULL;
	cfg.url = "file:///etc/passwd";
	assert_int_equal(outbox_sender_start(&cfg, &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "url"));
}

/* ---- several connectors, and the connector contract ---- */

/* A refund and a return.decided event of one decision, both with their
 * own bodies. */
static void fixture_decide_refund_and_event(struct fixture *f)
{
	struct outbox_new out[2];
	struct decision_record d;
	struct receipt_open ro;
	int64_t now = test_now_us();

	memset(&ro, 0, sizeof(ro));
	ro.routine = ROUTINE_RETURN;
	strcpy(ro.desk, "desk-1");
	strcpy(ro.clerk, "anna");
	strcpy(ro.code, "RMA-2002");
	ro.received_at = now;
	assert_int_equal(store_receipt_open(f->store, &ro, &f->receipt_id), 0);
	memset(&d, 0, sizeof(d));
	d.verdict = "accept";
	d.proposal_json = "{\"verdict\":\"accept\",\"reasons\":[]}";
	d.shop = "demo";
	d.refund_minor = 1999;
	strcpy(d.currency, "PLN");
	d.decided_by = "anna";
	d.decided_at = now;
	memset(out, 0, sizeof(out));
	out[0].action = "refund.requested";
	strcpy(out[0].key, "k-refund");
	out[0].payload = refund_payload;
	out[0].not_before = now;
	out[1].action = "return.decided";
	strcpy(out[1].key, "k-decided");
	out[1].payload = "{\"type\":\"return.decided\"}";
	out[1].not_before = now;
	assert_int_equal(
	    store_receipt_decide(f->store, f->receipt_id, &d, out, 2), 0);
}

static void sender_routes_refunds_and_events_apart(void **state)
{
	struct fixture *f = *state;
	struct connector_setting refunds_set[] = {
	    {.key = "url", .value = f->url},
	    {.key = "secret_file", .value = "/x", .secret = SHOP_SECRET},
	};
	struct connector_setting events_set[] = {
	    {.key = "url", .value = f->url2},
	    {.key = "secret_file", .value = "/y", .secret = SHOP_SECRET},
	};
	struct outbox_connector_config cc[] = {
	    {.name = "[connector events]",
	     .type = "webhook",
	     .settings = events_set,
	     .n_settings = 2},
	    {.name = "[connector shop]",
	     .type = "webhook",
	     .settings = refunds_set,
	     .n_settings = 2},
	};
	struct outbox_config cfg = {
	    .db_path = f->db_path,
	    .connectors = cc,
	    .n_connectors = 2,
	    .refunds = 1,
	    .events = 0,
	    .backoff_base_ms = 50,
	    .now = test_now_us,
	};
	char err[256] = "";

	fixture_decide_refund_and_event(f);
	assert_int_equal(
	    outbox_sender_start(&cfg, &f->sender, err, sizeof(err)), 0);
	assert_int_equal(fixture_idle(f), INT64_MAX);
	assert_int_equal(fixture_count(f, "done"), 2);
	/* Each shop got its own row, once. */
	assert_int_equal(shop_seen_count(&f->shop), 1);
	assert_int_equal(shop_seen_count(&f->shop2), 1);
	assert_string_equal(f->shop.seen[0].id, "k-refund");
	assert_string_equal(f->shop.seen[0].path, "/hooks/retour");
	assert_string_equal(f->shop2.seen[0].id, "k-decided");
	assert_string_equal(f->shop2.seen[0].path, "/hooks/events");
	assert_signed(&f->shop2.seen[0], "k-decided");
}

static void sender_names_the_connector_and_key_of_a_bad_setting(void **state)
{
	struct fixture *f = *state;
	struct connector_setting set[] = {
	    {.key = "url", .value = "gopher://shop"},
	    {.key = "secret_file", .value = "/x", .secret = SHOP_SECRET},
	};
	struct outbox_connector_config cc = {
	    .name = "[connector shop]", .settings = set, .n_settings = 2};
	struct outbox_config cfg = {
	    .db_path = f->db_path, .connectors = &cc, .n_connectors = 1};
	struct outbox_sender *s = NULL;
	char err[256] = "";

	assert_int_equal(outbox_sender_start(&cfg, &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "[connector shop] url"));
	set[0].value = f->url;
	cfg.events = 1; /* no such connector */
	assert_int_equal(outbox_sender_start(&cfg, &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "events"));
}

/* Queue a row of receipt f->receipt_id with its own body. */
static void fixture_queue(struct fixture *f, const char *action,
			  const char *key, const char *payload)
{
	struct outbox_new o;

	memset(&o, 0, sizeof(o));
	o.action = action;
	snprintf(o.key, sizeof(o.key), "%s", key);
	o.payload = payload;
	o.not_before = test_now_us();
	assert_int_equal(store_outbox_queue(f->store, f->receipt_id, &o, "test",
					    test_now_us()),
			 0);
}

static void sender_routes_each_shop_to_its_own_connector(void **state)
{
	struct fixture *f = *state;
	struct connector_setting alpha_set[] = {
	    {.key = "url", .value = f->url},
	    {.key = "secret_file", .value = "/x", .secret = SHOP_SECRET},
	};
	struct connector_setting default_set[] = {
	    {.key = "url", .value = f->url2},
	    {.key = "secret_file", .value = "/y", .secret = SHOP_SECRET},
	};
	struct outbox_connector_config cc[] = {
	    {.name = "[outbox]",
	     .type = "webhook",
	     .settings = default_set,
	     .n_settings = 2},
	    {.name = "[connector alpha]",
	     .type = "webhook",
	     .settings = alpha_set,
	     .n_settings = 2,
	     .shop = "alpha",
	     .takes_refunds = true},
	};
	struct outbox_config cfg = {
	    .db_path = f->db_path,
	    .connectors = cc,
	    .n_connectors = 2,
	    .refunds = 0,
	    .events = 0,
	    .backoff_base_ms = 50,
	    .now = test_now_us,
	};
	struct receipt_open ro;
	char err[256] = "";

	memset(&ro, 0, sizeof(ro));
	ro.routine = ROUTINE_RETURN;
	strcpy(ro.desk, "desk-1");
	strcpy(ro.clerk, "anna");
	strcpy(ro.code, "RMA-3003");
	ro.received_at = test_now_us();
	assert_int_equal(store_receipt_open(f->store, &ro, &f->receipt_id), 0);
	fixture_queue(f, "refund.requested", "k-alpha",
		      "{\"shop\":\"alpha\",\"type\":\"refund.requested\"}");
	fixture_queue(f, "refund.requested", "k-beta",
		      "{\"shop\":\"beta\",\"type\":\"refund.requested\"}");
	fixture_queue(f, "return.decided", "k-alpha-event",
		      "{\"shop\":\"alpha\",\"type\":\"return.decided\"}");
	assert_int_equal(
	    outbox_sender_start(&cfg, &f->sender, err, sizeof(err)), 0);
	assert_int_equal(fixture_idle(f), INT64_MAX);
	assert_int_equal(fixture_count(f, "done"), 3);
	/* alpha's refund to alpha's connector; beta (none of its own) and
	 * alpha's event (alpha takes refunds only) by the routes. */
	assert_int_equal(shop_seen_count(&f->shop), 1);
	assert_string_equal(f->shop.seen[0].id, "k-alpha");
	assert_int_equal(shop_seen_count(&f->shop2), 2);
	assert_string_equal(f->shop2.seen[0].id, "k-beta");
	assert_string_equal(f->shop2.seen[1].id, "k-alpha-event");
}

/*
 * [outbox] refunds = alpha, where [connector alpha] is shop alpha's own:
 * a refund of shop beta (no connector of its own) must not go to alpha's
 * API, which would refund alpha's order of the same number.  It is dead,
 * saying that no connector takes beta's refunds.
 */
static void sender_never_sends_a_shops_row_to_anothers_connector(void **state)
{
	struct fixture *f = *state;
	struct connector_setting alpha_set[] = {
	    {.key = "url", .value = f->url},
	    {.key = "secret_file", .value = "/x", .secret = SHOP_SECRET},
	};
	struct connector_setting default_set[] = {
	    {.key = "url", .value = f->url2},
	    {.key = "secret_file", .value = "/y", .secret = SHOP_SECRET},
	};
	struct outbox_connector_config cc[] = {
	    {.name = "[outbox]",
	     .type = "webhook",
	     .settings = default_set,
	     .n_settings = 2},
	    {.name = "[connector alpha]",
	     .type = "webhook",
	     .settings = alpha_set,
	     .n_settings = 2,
	     .shop = "alpha",
	     .takes_refunds = true},
	};
	struct outbox_config cfg = {
	    .db_path = f->db_path,
	    .connectors = cc,
	    .n_connectors = 2,
	    .refunds = 1,
	    .events = 0,
	    .backoff_base_ms = 50,
	    .now = test_now_us,
	};
	struct receipt_open ro;
	char err[256] = "";
	json_t *dead = NULL;

	memset(&ro, 0, sizeof(ro));
	ro.routine = ROUTINE_RETURN;
	strcpy(ro.desk, "desk-1");
	strcpy(ro.clerk, "anna");
	strcpy(ro.code, "RMA-3004");
	ro.received_at = test_now_us();
	assert_int_equal(store_receipt_open(f->store, &ro, &f->receipt_id), 0);
	fixture_queue(f, "refund.requested", "k-alpha",
		      "{\"shop\":\"alpha\",\"type\":\"refund.requested\"}");
	fixture_queue(f, "refund.requested", "k-beta",
		      "{\"shop\":\"beta\",\"type\":\"refund.requested\"}");
	assert_int_equal(
	    outbox_sender_start(&cfg, &f->sender, err, sizeof(err)), 0);
	assert_int_equal(fixture_idle(f), INT64_MAX);
	assert_int_equal(shop_seen_count(&f->shop), 1);
	assert_string_equal(f->shop.seen[0].id, "k-alpha");
	assert_int_equal(shop_seen_count(&f->shop2), 0);
	assert_int_equal(fixture_count(f, "done"), 1);
	assert_int_equal(fixture_count(f, "dead"), 1);
	assert_int_equal(store_outbox_list(f->store, "dead", 5, &dead), 0);
	assert_non_null(strstr(json_string_value(json_object_get(
				   json_array_get(dead, 0), "last_error")),
			       "beta"));
	json_decref(dead);
}

static void sender_refuses_two_connectors_for_one_shops_rows(void **state)
{
	struct fixture *f = *state;
	struct connector_setting set[] = {
	    {.key = "url", .value = f->url},
	    {.key = "secret_file", .value = "/x", .secret = SHOP_SECRET},
	};
	struct outbox_connector_config cc[] = {
	    {.name = "[connector a]",
	     .settings = set,
	     .n_settings = 2,
	     .shop = "alpha",
	     .takes_refunds = true},
	    {.name = "[connector b]",
	     .settings = set,
	     .n_settings = 2,
	     .shop = "alpha",
	     .takes_refunds = true,
	     .takes_events = true},
	};
	struct outbox_config cfg = {.db_path = f->db_path,
				    .connectors = cc,
				    .n_connectors = 2,
				    .refunds = -1,
				    .events = -1};
	struct outbox_sender *s = NULL;
	char err[256] = "";

	assert_int_equal(outbox_sender_start(&cfg, &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "[connector b]"));
	assert_non_null(strstr(err, "alpha"));
	/* One takes refunds, the other events: each shop's row has one. */
	cc[1].takes_refunds = false;
	assert_int_equal(outbox_sender_start(&cfg, &s, err, sizeof(err)), 0);
	outbox_sender_stop(s);
}

/* The only row of @action, as the CLI would show it; NULL: none. */
static json_t *fixture_row_of(struct fixture *f, const char *action)
{
	json_t *arr = NULL, *row, *found = NULL;
	size_t i;

	assert_int_equal(store_outbox_list(f->store, NULL, 20, &arr), 0);
	json_array_foreach(arr, i, row)
	{
		if (!strcmp(json_string_value(json_object_get(row, "action")),
			    action)) {
			assert_null(found);
			found = json_incref(row);
		}
	}
	json_decref(arr);
	return found;
}

static void sender_tells_a_refunds_outcome_once(void **state)
{
	struct fixture *f = *state;
	struct outbox_config cfg = {
	    .db_path = f->db_path,
	    .url = f->url,
	    .secret = SHOP_SECRET,
	    .backoff_base_ms = 50,
	    .refund_outcomes = true,
	    .now = test_now_us,
	};
	json_t *refund, *failed, *body;
	char err[256] = "";
	int64_t id;

	/* Refused (dead), then retried by hand: done. */
	shop_script(&f->shop, 400, NULL, "{\"error\":\"archived\"}");
	fixture_decide_with(f, test_now_us(), NULL, accepted_proposal);
	assert_int_equal(
	    outbox_sender_start(&cfg, &f->sender, err, sizeof(err)), 0);
	assert_int_equal(fixture_idle(f), INT64_MAX);
	failed = fixture_row_of(f, "refund.failed");
	assert_non_null(failed);
	assert_string_equal(json_string_value(json_object_get(failed, "state")),
			    "done");
	json_decref(failed);
	assert_int_equal(shop_seen_count(&f->shop), 2);
	body = json_loads(f->shop.seen[1].body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "type")),
			    "refund.failed");
	assert_non_null(strstr(
	    json_string_value(json_object_get(body, "message")), "archived"));
	assert_string_equal(json_string_value(json_object_get(body, "shop")),
			    "demo");
	assert_int_equal(
	    strncmp(json_string_value(json_object_get(body, "refund_key")),
		    "rr-", 3),
	    0);
	json_decref(body);

	refund = fixture_row_of(f, "refund.requested");
	id = json_integer_value(json_object_get(refund, "id"));
	json_decref(refund);
	assert_int_equal(
	    store_outbox_retry(f->store, id, "supervisor", test_now_us()), 0);
	outbox_sender_kick(f->sender);
	assert_int_equal(fixture_idle(f), INT64_MAX);
	assert_int_equal(fixture_count(f, "done"), 3);
	assert_int_equal(shop_seen_count(&f->shop), 4);
	body = json_loads(f->shop.seen[3].body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "type")),
			    "refund.succeeded");
	refund = fixture_row_of(f, "refund.requested");
	assert_string_equal(
	    json_string_value(json_object_get(body, "shop_refund_id")),
	    json_string_value(json_object_get(refund, "shop_ref")));
	assert_string_equal(json_string_value(json_object_get(body, "refund")),
			    json_string_value(json_object_get(refund, "key")));
	json_decref(refund);
	json_decref(body);
	/* Marking it done again (a late answer) queues nothing more. */
	assert_int_equal(
	    store_outbox_mark_done(f->store, id, "x", test_now_us()),
	    -EALREADY);
	refund = fixture_row_of(f, "refund.succeeded"); /* one, no more */
	assert_non_null(refund);
	json_decref(refund);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(sender_delivers_once_signed,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(sender_retries_after_server_error,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(sender_honours_retry_after,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_gives_up_on_client_error_until_manual_retry,
		fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_sends_the_rendered_event_the_same_each_time,
		fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_marks_an_unrenderable_row_dead, fixture_setup,
		fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_routes_each_shop_to_its_own_connector, fixture_setup,
		fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_refuses_two_connectors_for_one_shops_rows, fixture_setup,
		fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_never_sends_a_shops_row_to_anothers_connector,
		fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(sender_tells_a_refunds_outcome_once,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_backs_off_when_the_outcome_cannot_be_recorded,
		fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(sender_waits_for_the_grace_period,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_retries_when_the_shop_is_unreachable, fixture_setup,
		fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_declares_dead_after_the_deadline, fixture_setup,
		fixture_teardown),
	    cmocka_unit_test_setup_teardown(sender_stops_promptly,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(sender_refuses_bad_configuration,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_routes_refunds_and_events_apart, fixture_setup,
		fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_names_the_connector_and_key_of_a_bad_setting,
		fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
