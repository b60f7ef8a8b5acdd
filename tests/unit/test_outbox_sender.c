/* SPDX-License-Identifier: MIT */
/*
 * The outbox sender end to end: a real SQLite store with a decided receipt,
 * the real sender thread and libcurl, and fake shops on 127.0.0.1 (libmicro-
 * httpd) that answer 500, 429 + Retry-After, 400 or 200 on demand, or take
 * a request and drop the connection.
 *
 * The sender runs on the test's clock: it stands still unless a test moves
 * it, and outbox_sender_wait_idle() says when the sender has nothing to do
 * before a given time.  "Nothing else goes out" is asserted at that point,
 * never after a sleep.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sqlite3.h>

#include "retour/clock.h"
#include "retour/connector.h"
#include "retour/outbox.h"
#include "retour/store.h"

#define SHOP_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SHOP_MAX_SCRIPT 8
#define SHOP_MAX_SEEN 16
#define SEC INT64_C(1000000)

/* ---- the fake shop ---- */

struct shop_answer {
	unsigned int status;
	const char *retry_after; /* NULL: no header */
	const char *body;
	const char *call_limit; /* X-Shop-Call-Limit, NULL: none */
	bool drop;		/* take the request, close without answer */
};

struct shop_seen {
	int64_t at; /* on the test's clock */
	char method[8];
	char path[128];
	char query_key[STORE_KEY_LEN]; /* ?key= */
	char auth[128];
	char id[STORE_KEY_LEN];
	char idem[STORE_KEY_LEN];
	char timestamp[24];
	char signature[128];
	char content_type[64];
	char *body;
};

struct shop {
	struct MHD_Daemon *daemon;
	unsigned short port;
	pthread_mutex_t lock;
	struct shop_answer script[SHOP_MAX_SCRIPT];
	int n_script;
	int next;
	struct shop_seen seen[SHOP_MAX_SEEN];
	int n_seen;
};

struct shop_upload {
	char *data;
	size_t len;
};

/* The test's clock, the sender's "now": set at each fixture's start, then
 * moved by the tests only. */
static int64_t test_clock_us;

static int64_t test_now_us(void)
{
	return __atomic_load_n(&test_clock_us, __ATOMIC_SEQ_CST);
}

static void test_clock_set(int64_t t)
{
	__atomic_store_n(&test_clock_us, t, __ATOMIC_SEQ_CST);
}

static void shop_copy_header(struct MHD_Connection *conn, const char *name,
			     char *out, size_t outlen)
{
	const char *v =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);

	snprintf(out, outlen, "%s", v ? v : "");
}

static enum MHD_Result shop_handle(void *cls, struct MHD_Connection *conn,
				   const char *url, const char *method,
				   const char *version, const char *upload_data,
				   size_t *upload_data_size, void **con_cls)
{
	struct shop *shop = cls;
	struct shop_upload *up = *con_cls;
	struct shop_answer answer = {.status = 200,
				     .body = "{\"id\":\"shop-77\"}"};
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!up) {
		up = calloc(1, sizeof(*up));
		if (!up)
			return MHD_NO;
		*con_cls = up;
		return MHD_YES;
	}
	if (*upload_data_size) {
		char *grown =
		    realloc(up->data, up->len + *upload_data_size + 1);

		if (!grown)
			return MHD_NO;
		up->data = grown;
		memcpy(up->data + up->len, upload_data, *upload_data_size);
		up->len += *upload_data_size;
		up->data[up->len] = '\0';
		*upload_data_size = 0;
		return MHD_YES;
	}

	pthread_mutex_lock(&shop->lock);
	if (shop->n_seen < SHOP_MAX_SEEN) {
		struct shop_seen *seen = &shop->seen[shop->n_seen++];

		seen->at = test_now_us();
		snprintf(seen->method, sizeof(seen->method), "%s", method);
		snprintf(seen->path, sizeof(seen->path), "%s", url);
		{
			const char *k = MHD_lookup_connection_value(
			    conn, MHD_GET_ARGUMENT_KIND, "key");

			snprintf(seen->query_key, sizeof(seen->query_key), "%s",
				 k ? k : "");
		}
		shop_copy_header(conn, "Authorization", seen->auth,
				 sizeof(seen->auth));
		shop_copy_header(conn, "webhook-id", seen->id,
				 sizeof(seen->id));
		shop_copy_header(conn, "Idempotency-Key", seen->idem,
				 sizeof(seen->idem));
		shop_copy_header(conn, "webhook-timestamp", seen->timestamp,
				 sizeof(seen->timestamp));
		shop_copy_header(conn, "webhook-signature", seen->signature,
				 sizeof(seen->signature));
		shop_copy_header(conn, "Content-Type", seen->content_type,
				 sizeof(seen->content_type));
		seen->body = strdup(up->data ? up->data : "");
	}
	if (shop->next < shop->n_script)
		answer = shop->script[shop->next++];
	pthread_mutex_unlock(&shop->lock);

	if (answer.drop)
		return MHD_NO; /* got it; the answer is lost on the way */
	resp = MHD_create_response_from_buffer(
	    strlen(answer.body), (void *)answer.body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	if (answer.retry_after)
		MHD_add_response_header(resp, "Retry-After",
					answer.retry_after);
	if (answer.call_limit)
		MHD_add_response_header(resp, "X-Shop-Call-Limit",
					answer.call_limit);
	ret = MHD_queue_response(conn, answer.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void shop_completed(void *cls, struct MHD_Connection *conn,
			   void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct shop_upload *up = *con_cls;

	if (up) {
		free(up->data);
		free(up);
		*con_cls = NULL;
	}
}

static void shop_start(struct shop *shop)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	pthread_mutex_init(&shop->lock, NULL);
	shop->daemon = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    shop_handle, shop, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_NOTIFY_COMPLETED, shop_completed, NULL, MHD_OPTION_END);
	assert_non_null(shop->daemon);
	info = MHD_get_daemon_info(shop->daemon, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	shop->port = info->port;
	assert_true(shop->port > 0);
}

static void shop_stop(struct shop *shop)
{
	int i;

	MHD_stop_daemon(shop->daemon);
	for (i = 0; i < shop->n_seen; i++)
		free(shop->seen[i].body);
	pthread_mutex_destroy(&shop->lock);
}

static void shop_script(struct shop *shop, unsigned int status,
			const char *retry_after, const char *body)
{
	pthread_mutex_lock(&shop->lock);
	assert_true(shop->n_script < SHOP_MAX_SCRIPT);
	shop->script[shop->n_script].status = status;
	shop->script[shop->n_script].retry_after = retry_after;
	shop->script[shop->n_script].body = body ? body : "{}";
	shop->n_script++;
	pthread_mutex_unlock(&shop->lock);
}

/* The next answer: take the request and close without answering. */
static void shop_script_drop(struct shop *shop)
{
	shop_script(shop, 200, NULL, NULL);
	shop->script[shop->n_script - 1].drop = true;
}

static int shop_seen_count(struct shop *shop)
{
	int n;

	pthread_mutex_lock(&shop->lock);
	n = shop->n_seen;
	pthread_mutex_unlock(&shop->lock);
	return n;
}

/* ---- the station side ---- */

struct fixture {
	char dir[64];
	char db_path[96];
	struct store *store;
	struct shop shop;
	struct shop shop2; /* a second one, for routes */
	char url[128];
	char url2[128];
	struct outbox_sender *sender;
	int64_t receipt_id;
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/retour-outbox-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db_path, sizeof(f->db_path), "%s/station.db", f->dir);
	assert_int_equal(store_open(f->db_path, &f->store, err, sizeof(err)),
			 0);
	shop_start(&f->shop);
	shop_start(&f->shop2);
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u/hooks/retour",
		 f->shop.port);
	snprintf(f->url2, sizeof(f->url2), "http://127.0.0.1:%u/hooks/events",
		 f->shop2.port);
	test_clock_set(clock_now_us());
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	char path[160];

	if (f->sender)
		outbox_sender_stop(f->sender);
	shop_stop(&f->shop);
	shop_stop(&f->shop2);
	store_close(f->store);
	snprintf(path, sizeof(path), "%s/station.db", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/station.db-wal", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/station.db-shm", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static const char refund_payload[] =
    "{\"type\":\"refund.requested\",\"rma\":\"RMA-1001\","
    "\"refund_minor\":1999,\"currency\":\"PLN\"}";

/* A parcel for RMA-1001, received and accepted, its refund in the outbox
 * not before @not_before: with @payload as its body, or (NULL) rendered
 * from @proposal_json as the desk records it. */
static void fixture_decide_with(struct fixture *f, int64_t not_before,
				const char *payload, const char *proposal_json)
{
	struct expected_return er;
	struct receipt_open ro;
	struct decision_record d;
	struct outbox_new out;
	int64_t now = test_now_us();

	memset(&er, 0, sizeof(er));
	strcpy(er.rma, "RMA-1001");
	strcpy(er.order_ref, "ORD-555");
	strcpy(er.shop, "demo");
	strcpy(er.currency, "PLN");
	er.kind = RETURN_WITHDRAWAL;
	er.delivered_at = now - 3 * USEC_PER_DAY;
	er.n_items = 1;
	strcpy(er.items[0].sku, "MUG-1");
	strcpy(er.items[0].gtin, "5901234123457");
	strcpy(er.items[0].name, "Mug");
	strcpy(er.items[0].category, "kitchen");
	er.items[0].quantity = 1;
	er.items[0].unit_price_minor = 1999;
	er.items[0].weight_g = 350;
	assert_int_equal(store_expected_put(f->store, &er, "test", now), 0);

	memset(&ro, 0, sizeof(ro));
	ro.expected_id = er.id;
	ro.routine = ROUTINE_RETURN;
	strcpy(ro.desk, "desk-1");
	strcpy(ro.clerk, "anna");
	strcpy(ro.code, "RMA-1001");
	ro.received_at = now;
	assert_int_equal(store_receipt_open(f->store, &ro, &f->receipt_id), 0);

	memset(&d, 0, sizeof(d));
	d.verdict = "accept";
	d.proposal_json = proposal_json;
	d.shop = "demo";
	d.refund_minor = 1999;
	strcpy(d.currency, "PLN");
	d.decided_by = "anna";
	d.decided_at = now;

	memset(&out, 0, sizeof(out));
	out.action = "refund.requested";
	snprintf(out.key, sizeof(out.key), "retour-r%lld-refund-1",
		 (long long)f->receipt_id);
	out.payload = payload;
	out.not_before = not_before;
	assert_int_equal(
	    store_receipt_decide(f->store, f->receipt_id, &d, &out, 1), 0);
}

static void fixture_decide(struct fixture *f, int64_t not_before)
{
	fixture_decide_with(f, not_before, refund_payload,
			    "{\"verdict\":\"accept\",\"reasons\":[]}");
}

static void fixture_start_with(struct fixture *f, int backoff_base_ms,
			       int backoff_max_ms, int64_t dead_after_us,
			       const char *url)
{
	struct outbox_config cfg = {
	    .db_path = f->db_path,
	    .connector = "webhook",
	    .url = url ? url : f->url,
	    .secret = SHOP_SECRET,
	    .timeout_ms = 3000,
	    .backoff_base_ms = backoff_base_ms,
	    .backoff_max_ms = backoff_max_ms,
	    .dead_after_us = dead_after_us,
	    .now = test_now_us,
	};
	char err[256] = "";

	assert_int_equal(
	    outbox_sender_start(&cfg, &f->sender, err, sizeof(err)), 0);
}

static void fixture_start(struct fixture *f, int backoff_base_ms,
			  int64_t dead_after_us, const char *url)
{
	fixture_start_with(f, backoff_base_ms, 200, dead_after_us, url);
}

/* Run SQL on the station's file through a raw connection of its own. */
static void fixture_sql(struct fixture *f, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int64_t fixture_count(struct fixture *f, const char *state)
{
	int64_t n = -1;

	assert_int_equal(store_outbox_count(f->store, state, &n), 0);
	return n;
}

/* The time the sender waits for, once it has nothing else to do. */
static int64_t fixture_idle(struct fixture *f)
{
	int64_t until = 0;

	assert_int_equal(outbox_sender_wait_idle(f->sender, &until, 10000), 0);
	return until;
}

/* Let the sender work, moving the clock to each time it waits for, until
 * @n rows are in @state; false when it waits for nothing before that. */
static bool fixture_settle(struct fixture *f, const char *state, int64_t n)
{
	for (int i = 0; i < 20; i++) {
		int64_t until = fixture_idle(f);

		if (fixture_count(f, state) == n)
			return true;
		if (until == INT64_MAX)
			return false;
		if (until > test_now_us())
			test_clock_set(until);
		outbox_sender_kick(f->sender);
	}
	return false;
}

/* The only outbox row, as the CLI would show it. */
static json_t *fixture_row(struct fixture *f)
{
	json_t *arr = NULL, *row;

	assert_int_equal(store_outbox_list(f->store, NULL, 10, &arr), 0);
	assert_int_equal(json_array_size(arr), 1);
	row = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return row;
}

/* @seen came with @key, signed over exactly the body it carries. */
static void assert_signed(const struct shop_seen *seen, const char *key)
{
	char sig[64], *end;
	long long ts;

	assert_string_equal(seen->id, key);
	assert_string_equal(seen->idem, key);
	assert_string_equal(seen->content_type, "application/json");
	ts = strtoll(seen->timestamp, &end, 10);
	assert_true(end != seen->timestamp && *end == '\0');
	/* Signed "now": within a few seconds of when it arrived. */
	assert_true(llabs(ts - seen->at / SEC) <= 5);
	assert_int_equal(webhook_sign(SHOP_SECRET, seen->id, ts, seen->body,
				      strlen(seen->body), sig, sizeof(sig)),
			 0);
	assert_string_equal(seen->signature, sig);
}

static void assert_signed_delivery(const struct shop_seen *seen,
				   const char *key)
{
	assert_string_equal(seen->body, refund_payload);
	assert_signed(seen, key);
}

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
	for (int i = 0; i < 3; i++) {
		assert_signed(&f->shop.seen[i], key);
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

/*
 * A shop API the way the next connectors talk to one: a token first
 * (POST /token), then the refund (POST /refunds, bearer token), and before
 * a retry a lookup (GET /refunds?key=): 200 {"found":REF} is there, 404 is
 * not, anything else cannot tell.  It keeps the shop's call budget from
 * the answers' headers.
 */
struct fake_api {
	char base[128];
	char token[64];
	char call_limit[32];
	int tokens_asked;
};

static struct fake_api *fake_api_last;

static int fake_init(void **state)
{
	*state = calloc(1, sizeof(struct fake_api));
	fake_api_last = *state;
	return *state ? 0 : -ENOMEM;
}

static void fake_free(void *state)
{
	if (fake_api_last == state)
		fake_api_last = NULL;
	free(state);
}

static int fake_configure(void *state, const struct connector_setting *s,
			  char *problem, size_t len)
{
	struct fake_api *api = state;

	if (strcmp(s->key, "base_url")) {
		snprintf(problem, len, "unknown key '%s'", s->key);
		return -EINVAL;
	}
	snprintf(api->base, sizeof(api->base), "%s", s->value);
	return 0;
}

static int fake_prepare(void *state, int64_t now_us,
			struct connector_request *req, char *err, size_t errlen)
{
	struct fake_api *api = state;

	(void)now_us;
	if (api->token[0])
		return 0;
	req->method = CONNECTOR_POST;
	snprintf(req->url, sizeof(req->url), "%s/token", api->base);
	api->tokens_asked++;
	return 1;
}

static int fake_prepared(void *state, int64_t now_us,
			 const struct connector_answer *a, char *err,
			 size_t errlen)
{
	struct fake_api *api = state;

	(void)now_us;
	if (a->status != 200 || !a->body_len) {
		snprintf(err, errlen, "token: HTTP %ld", a->status);
		return -EAGAIN;
	}
	connector_text_sanitize(api->token, sizeof(api->token), a->body,
				a->body_len);
	return 0;
}

static int fake_headers(struct fake_api *api, const struct connector_message *m,
			struct connector_request *req)
{
	char bearer[80];

	snprintf(bearer, sizeof(bearer), "Bearer %s", api->token);
	if (connector_request_add_header(req, "Authorization", bearer) < 0 ||
	    connector_request_add_header(req, "webhook-id", m->key) < 0)
		return -ENOMEM;
	return 0;
}

static int fake_build(void *state, const struct connector_message *m,
		      int64_t now_us, struct connector_request *req, char *err,
		      size_t errlen)
{
	struct fake_api *api = state;

	(void)now_us;
	req->method = CONNECTOR_POST;
	snprintf(req->url, sizeof(req->url), "%s/refunds", api->base);
	req->body = strdup(m->body);
	req->body_len = m->body_len;
	return req->body ? fake_headers(api, m, req) : -ENOMEM;
}

static enum connector_result fake_classify(void *state,
					   const struct connector_message *m,
					   const struct connector_answer *a,
					   char *ref, size_t reflen, char *err,
					   size_t errlen)
{
	struct fake_api *api = state;
	const char *limit = connector_answer_header(a, "x-shop-call-limit");

	(void)m;
	if (limit)
		snprintf(api->call_limit, sizeof(api->call_limit), "%s", limit);
	if (reflen)
		ref[0] = '\0';
	if (a->status >= 200 && a->status < 300)
		return CONNECTOR_DONE;
	snprintf(err, errlen, "HTTP %ld", a->status);
	return a->status >= 500 ? CONNECTOR_RETRY : CONNECTOR_FATAL;
}

static int fake_reconcile_build(void *state, const struct connector_message *m,
				int64_t now_us, struct connector_request *req,
				char *err, size_t errlen)
{
	struct fake_api *api = state;

	(void)now_us;
	req->method = CONNECTOR_GET;
	snprintf(req->url, sizeof(req->url), "%s/refunds?key=%s", api->base,
		 m->key);
	return fake_headers(api, m, req);
}

static enum connector_found
fake_reconcile_classify(void *state, const struct connector_message *m,
			const struct connector_answer *a, char *ref,
			size_t reflen, char *err, size_t errlen)
{
	json_t *root, *found;

	(void)state;
	(void)m;
	if (a->status == 404)
		return CONNECTOR_ABSENT;
	if (a->status != 200) {
		snprintf(err, errlen, "lookup: HTTP %ld", a->status);
		return CONNECTOR_UNKNOWN;
	}
	root = json_loadb(a->body, a->body_len, 0, NULL);
	found = json_object_get(root, "found");
	snprintf(ref, reflen, "%s",
		 json_is_string(found) ? json_string_value(found) : "");
	json_decref(root);
	return ref[0] ? CONNECTOR_FOUND : CONNECTOR_UNKNOWN;
}

static const struct connector fake_connector = {
    .name = "fake-api",
    .init = fake_init,
    .free = fake_free,
    .configure = fake_configure,
    .prepare = fake_prepare,
    .prepared = fake_prepared,
    .build = fake_build,
    .classify = fake_classify,
    .reconcile_build = fake_reconcile_build,
    .reconcile_classify = fake_reconcile_classify,
};

static void fixture_start_fake(struct fixture *f)
{
	char base[96];
	struct connector_setting set[] = {{.key = "base_url", .value = base}};
	struct outbox_connector_config cc = {.name = "[connector api]",
					     .ops = &fake_connector,
					     .settings = set,
					     .n_settings = 1};
	struct outbox_config cfg = {
	    .db_path = f->db_path,
	    .connectors = &cc,
	    .n_connectors = 1,
	    .backoff_base_ms = 50,
	    .backoff_max_ms = 200,
	    .timeout_ms = 3000,
	    .now = test_now_us,
	};
	char err[256] = "";

	snprintf(base, sizeof(base), "http://127.0.0.1:%u/api", f->shop.port);
	assert_int_equal(
	    outbox_sender_start(&cfg, &f->sender, err, sizeof(err)), 0);
}

static void
sender_gets_a_token_first_and_shows_the_answers_headers(void **state)
{
	struct fixture *f = *state;
	json_t *row;

	shop_script(&f->shop, 200, NULL, "tok-1");
	shop_script(&f->shop, 201, NULL, NULL);
	f->shop.script[1].call_limit = "3/40";
	fixture_decide(f, test_now_us());
	fixture_start_fake(f);
	assert_int_equal(fixture_idle(f), INT64_MAX);
	assert_int_equal(fixture_count(f, "done"), 1);
	assert_int_equal(shop_seen_count(&f->shop), 2);
	assert_string_equal(f->shop.seen[0].method, "POST");
	assert_string_equal(f->shop.seen[0].path, "/api/token");
	assert_string_equal(f->shop.seen[1].method, "POST");
	assert_string_equal(f->shop.seen[1].path, "/api/refunds");
	assert_string_equal(f->shop.seen[1].auth, "Bearer tok-1");
	assert_string_equal(f->shop.seen[1].body, refund_payload);
	assert_non_null(fake_api_last);
	assert_int_equal(fake_api_last->tokens_asked, 1);
	assert_string_equal(fake_api_last->call_limit, "3/40");
	row = fixture_row(f);
	assert_int_equal(json_integer_value(json_object_get(row, "attempts")),
			 1);
	json_decref(row);
}

static void
sender_finds_a_lost_refund_at_the_shop_and_never_resends(void **state)
{
	struct fixture *f = *state;
	char key[STORE_KEY_LEN];
	json_t *row;

	/* The shop makes the refund, the answer never arrives. */
	shop_script(&f->shop, 200, NULL, "tok-1");
	shop_script_drop(&f->shop);
	shop_script(&f->shop, 200, NULL, "{\"found\":\"rf-9\"}");
	fixture_decide(f, test_now_us());
	fixture_start_fake(f);
	assert_true(fixture_settle(f, "done", 1));
	/* Nothing after the lookup: done, and never sent a second time. */
	assert_int_equal(fixture_idle(f), INT64_MAX);
	assert_int_equal(shop_seen_count(&f->shop), 3);
	snprintf(key, sizeof(key), "retour-r%lld-refund-1",
		 (long long)f->receipt_id);
	assert_string_equal(f->shop.seen[1].method, "POST");
	assert_string_equal(f->shop.seen[2].method, "GET");
	assert_string_equal(f->shop.seen[2].path, "/api/refunds");
	assert_string_equal(f->shop.seen[2].query_key, key);
	assert_string_equal(f->shop.seen[2].auth, "Bearer tok-1");
	row = fixture_row(f);
	assert_string_equal(json_string_value(json_object_get(row, "shop_ref")),
			    "rf-9");
	assert_int_equal(json_integer_value(json_object_get(row, "attempts")),
			 1);
	json_decref(row);
}

static void sender_resends_only_what_the_shop_has_not(void **state)
{
	struct fixture *f = *state;
	int posts = 0;

	/* 503 (did it get there?), a lookup that cannot tell (500), one
	 * that finds nothing (404), then the refund goes out again. */
	shop_script(&f->shop, 200, NULL, "tok-1");
	shop_script(&f->shop, 503, NULL, NULL);
	shop_script(&f->shop, 500, NULL, NULL);
	shop_script(&f->shop, 404, NULL, NULL);
	shop_script(&f->shop, 201, NULL, NULL);
	fixture_decide(f, test_now_us());
	fixture_start_fake(f);
	assert_true(fixture_settle(f, "done", 1));
	assert_int_equal(shop_seen_count(&f->shop), 5);
	assert_string_equal(f->shop.seen[2].method, "GET");
	assert_string_equal(f->shop.seen[3].method, "GET");
	assert_string_equal(f->shop.seen[4].method, "POST");
	for (int i = 0; i < 5; i++)
		posts += !strcmp(f->shop.seen[i].path, "/api/refunds") &&
			 !strcmp(f->shop.seen[i].method, "POST");
	assert_int_equal(posts, 2);
	/* The token was asked for once, and kept. */
	assert_int_equal(fake_api_last->tokens_asked, 1);
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
	    cmocka_unit_test_setup_teardown(
		sender_gets_a_token_first_and_shows_the_answers_headers,
		fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_finds_a_lost_refund_at_the_shop_and_never_resends,
		fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_resends_only_what_the_shop_has_not, fixture_setup,
		fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
