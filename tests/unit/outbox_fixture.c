/* SPDX-License-Identifier: MIT */
/*
 * The outbox sender's test bench (outbox_fixture.h): the fake shops, the
 * station's store and the test's clock.
 */
#include <errno.h>
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
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sqlite3.h>

#include "retour/clock.h"
#include "retour/connector.h"
#include "retour/outbox.h"
#include "retour/store.h"

#include "outbox_fixture.h"

/* ---- the fake shop ---- */

struct shop_upload {
	char *data;
	size_t len;
};

/* The test's clock, the sender's "now": set at each fixture's start, then
 * moved by the tests only. */

int64_t test_clock_us;

int64_t test_now_us(void)
{
	return __atomic_load_n(&test_clock_us, __ATOMIC_SEQ_CST);
}

void test_clock_set(int64_t t)
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
	for (int i = 0; i < answer.filler_headers; i++) {
		char name[32], value[201];

		snprintf(name, sizeof(name), "X-Filler-%d", i);
		memset(value, 'f', sizeof(value) - 1);
		value[sizeof(value) - 1] = '\0';
		MHD_add_response_header(resp, name, value);
	}
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

void shop_start(struct shop *shop)
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

void shop_stop(struct shop *shop)
{
	int i;

	MHD_stop_daemon(shop->daemon);
	for (i = 0; i < shop->n_seen; i++)
		free(shop->seen[i].body);
	pthread_mutex_destroy(&shop->lock);
}

void shop_script(struct shop *shop, unsigned int status,
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
void shop_script_drop(struct shop *shop)
{
	shop_script(shop, 200, NULL, NULL);
	shop->script[shop->n_script - 1].drop = true;
}

int shop_seen_count(struct shop *shop)
{
	int n;

	pthread_mutex_lock(&shop->lock);
	n = shop->n_seen;
	pthread_mutex_unlock(&shop->lock);
	return n;
}

/* ---- the station side ---- */

int fixture_setup(void **state)
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

int fixture_teardown(void **state)
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

const char refund_payload[] =
    "{\"type\":\"refund.requested\",\"rma\":\"RMA-1001\","
    "\"refund_minor\":1999,\"currency\":\"PLN\"}";

/* A parcel for RMA-1001, received and accepted, its refund in the outbox
 * not before @not_before: with @payload as its body, or (NULL) rendered
 * from @proposal_json as the desk records it. */
void fixture_decide_with(struct fixture *f, int64_t not_before,
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

void fixture_decide(struct fixture *f, int64_t not_before)
{
	fixture_decide_with(f, not_before, refund_payload,
			    "{\"verdict\":\"accept\",\"reasons\":[]}");
}

void fixture_start_with(struct fixture *f, int backoff_base_ms,
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

void fixture_start(struct fixture *f, int backoff_base_ms,
		   int64_t dead_after_us, const char *url)
{
	fixture_start_with(f, backoff_base_ms, 200, dead_after_us, url);
}

/* Run SQL on the station's file through a raw connection of its own. */
void fixture_sql(struct fixture *f, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

int64_t fixture_count(struct fixture *f, const char *state)
{
	int64_t n = -1;

	assert_int_equal(store_outbox_count(f->store, state, &n), 0);
	return n;
}

/* The time the sender waits for, once it has nothing else to do. */
int64_t fixture_idle(struct fixture *f)
{
	int64_t until = 0;

	assert_int_equal(outbox_sender_wait_idle(f->sender, &until, 10000), 0);
	return until;
}

/* Let the sender work, moving the clock to each time it waits for, until
 * @n rows are in @state; false when it waits for nothing before that. */
bool fixture_settle(struct fixture *f, const char *state, int64_t n)
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
json_t *fixture_row(struct fixture *f)
{
	json_t *arr = NULL, *row;

	assert_int_equal(store_outbox_list(f->store, NULL, 10, &arr), 0);
	assert_int_equal(json_array_size(arr), 1);
	row = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return row;
}

/* @seen came with @key, signed over exactly the body it carries. */
void assert_signed(const struct shop_seen *seen, const char *key)
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

void assert_signed_delivery(const struct shop_seen *seen, const char *key)
{
	assert_string_equal(seen->body, refund_payload);
	assert_signed(seen, key);
}
