/* SPDX-License-Identifier: MIT */
/*
 * The connector contract through the real sender: a fake shop API that
 * wants a token first, answers with headers the connector reads, and can
 * be asked before a retry whether it has a refund already.  A refund whose
 * answer was lost is found there and never sent twice; one the shop has
 * not is sent again; a lookup that cannot tell waits.
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

/* The lookup that cannot be built (out of memory), counting from 1. */
static int fake_lookup_nomem_at, fake_lookups;

static int fake_reconcile_build(void *state, const struct connector_message *m,
				int64_t now_us, struct connector_request *req,
				char *err, size_t errlen)
{
	struct fake_api *api = state;

	(void)now_us;
	if (++fake_lookups == fake_lookup_nomem_at) {
		snprintf(err, errlen, "out of memory building the lookup");
		return -ENOMEM;
	}
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

/* The same shop without idempotency keys: every refund looked up first. */
static const struct connector fake_first_connector = {
    .name = "fake-first",
    .init = fake_init,
    .free = fake_free,
    .configure = fake_configure,
    .prepare = fake_prepare,
    .prepared = fake_prepared,
    .build = fake_build,
    .classify = fake_classify,
    .reconcile_build = fake_reconcile_build,
    .reconcile_classify = fake_reconcile_classify,
    .reconcile_first = true,
};

static const struct connector *fake_ops = &fake_connector;

static void fixture_start_fake(struct fixture *f)
{
	char base[96];
	struct connector_setting set[] = {{.key = "base_url", .value = base}};
	struct outbox_connector_config cc = {.name = "[connector api]",
					     .ops = fake_ops,
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

/*
 * A shop without idempotency keys (reconcile_first): the refund went out,
 * its answer was lost, and the lookup before the retry cannot be built
 * this time.  Sending it again blind could refund twice: it waits, and
 * the next lookup finds it.
 */
static void sender_never_resends_blind_where_the_shop_has_no_key(void **state)
{
	struct fixture *f = *state;
	int posts = 0, gets = 0, n;
	bool done;

	fake_ops = &fake_first_connector;
	fake_lookups = 0;
	fake_lookup_nomem_at = 1;
	shop_script(&f->shop, 200, NULL, "tok-1");
	shop_script_drop(&f->shop);
	shop_script(&f->shop, 200, NULL, "{\"found\":\"rf-9\"}");
	fixture_decide(f, test_now_us());
	fixture_start_fake(f);
	/* The refund's answer is lost; the first lookup cannot be built,
	 * the second finds it. */
	done = fixture_settle(f, "done", 1);
	n = shop_seen_count(&f->shop);
	for (int i = 0; i < n; i++) {
		posts += !strcmp(f->shop.seen[i].path, "/api/refunds") &&
			 !strcmp(f->shop.seen[i].method, "POST");
		gets += !strcmp(f->shop.seen[i].method, "GET");
	}
	fake_ops = &fake_connector;
	fake_lookup_nomem_at = 0;
	assert_int_equal(posts, 1);
	assert_int_equal(fake_lookups, 2);
	assert_int_equal(gets, 1);
	assert_true(done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		sender_gets_a_token_first_and_shows_the_answers_headers,
		fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_finds_a_lost_refund_at_the_shop_and_never_resends,
		fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_resends_only_what_the_shop_has_not, fixture_setup,
		fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		sender_never_resends_blind_where_the_shop_has_no_key,
		fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
