/* SPDX-License-Identifier: MIT */
/*
 * The outbox sender's test bench, shared by test_outbox_sender.c and
 * test_connector_sender.c: fake shops on 127.0.0.1 (libmicrohttpd) that
 * answer what a test scripts, or take a request and drop the connection;
 * a station's store with a decided receipt; the sender on the test's
 * clock, which stands still unless a test moves it.
 */
#ifndef RETOUR_TEST_OUTBOX_FIXTURE_H
#define RETOUR_TEST_OUTBOX_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "retour/outbox.h"
#include "retour/store.h"

#define SHOP_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SHOP_MAX_SCRIPT 8
#define SHOP_MAX_SEEN 16
#define SEC INT64_C(1000000)

struct shop_answer {
	unsigned int status;
	const char *retry_after; /* NULL: no header */
	const char *body;
	const char *call_limit; /* X-Shop-Call-Limit, NULL: none */
	bool drop;		/* take the request, close without answer */
	int filler_headers;	/* this many X-Filler-N: 200 x 'f' */
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

/* {"type":"refund.requested",...}: a refund row's own body */
extern const char refund_payload[];

/* The test's clock, the sender's "now". */
int64_t test_now_us(void);
void test_clock_set(int64_t t);

void shop_start(struct shop *shop);
void shop_stop(struct shop *shop);
/* The next answers, in order; then 200 {"id":"shop-77"}. */
void shop_script(struct shop *shop, unsigned int status,
		 const char *retry_after, const char *body);
/* The next answer: take the request and close without answering. */
void shop_script_drop(struct shop *shop);
int shop_seen_count(struct shop *shop);

/* cmocka setup/teardown: a store, two shops, the clock at real now. */
int fixture_setup(void **state);
int fixture_teardown(void **state);
/* A parcel for RMA-1001, received and accepted, its refund in the outbox
 * not before @not_before: with @payload as its body, or (NULL) rendered
 * from @proposal_json. */
void fixture_decide_with(struct fixture *f, int64_t not_before,
			 const char *payload, const char *proposal_json);
void fixture_decide(struct fixture *f, int64_t not_before);
/* The webhook sender to f->url (or @url), on the test's clock. */
void fixture_start_with(struct fixture *f, int backoff_base_ms,
			int backoff_max_ms, int64_t dead_after_us,
			const char *url);
void fixture_start(struct fixture *f, int backoff_base_ms,
		   int64_t dead_after_us, const char *url);
void fixture_sql(struct fixture *f, const char *sql);
int64_t fixture_count(struct fixture *f, const char *state);
/* The time the sender waits for once it has nothing else to do
 * (INT64_MAX: nothing). */
int64_t fixture_idle(struct fixture *f);
/* Let the sender work, moving the clock to each time it waits for, until
 * @n rows are in @state. */
bool fixture_settle(struct fixture *f, const char *state, int64_t n);
/* The only outbox row, as the CLI would show it. */
json_t *fixture_row(struct fixture *f);
/* @seen came with @key, signed over exactly the body it carries. */
void assert_signed(const struct shop_seen *seen, const char *key);
void assert_signed_delivery(const struct shop_seen *seen, const char *key);

#endif
