/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: Shopify's answer to the shopify connector, read as a refund's
 * answer (classify, retry_wait), a lookup's (reconcile_classify) and a
 * pull's (pull_parse, after a cursor taken from the input too).  The
 * first byte picks the status.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "retour/connector.h"

static struct connector_instance ci;
static bool ready;

static void setup(void)
{
	struct connector_setting set[] = {
	    {.key = "url", .value = "http://127.0.0.1:9"},
	    {.key = "access_token_file", .value = "/t", .secret = "shpat_x"},
	};
	int bad;
	char problem[128];

	ready =
	    connector_instance_new(connector_find("shopify"), set, 2, true, &ci,
				   &bad, problem, sizeof(problem)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 200, 200, 429, 500, 401, 404, 302};
	const char *body =
	    "{\"amount_minor\":100,\"currency\":\"PLN\",\"items\":[{"
	    "\"quantity\":1,\"shop_line_id\":\"gid://shopify/LineItem/1\"}],"
	    "\"shop_order_id\":\"gid://shopify/Order/1\","
	    "\"shop_payment_id\":\"gid://shopify/OrderTransaction/1\"}";
	struct connector_message m = {
	    .action = "refund.requested",
	    .key = "k",
	    .refund_key = "rr-0123456789abcdef0123456789abcdef",
	    .body = body,
	    .body_len = strlen(body),
	};
	struct connector_answer a = {
	    .status = size ? statuses[data[0] & 7] : 200,
	    .body = size ? (const char *)data + 1 : "",
	    .body_len = size ? size - 1 : 0,
	};
	char ref[128], err[256], next[256], cursor[64];
	size_t n = size < sizeof(cursor) - 1 ? size : sizeof(cursor) - 1;
	json_t *returns;
	bool more;

	if (!ready)
		setup();
	if (!ready)
		return 0;
	ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref), err, sizeof(err));
	(void)ci.ops->retry_wait(ci.state, &a, 0);
	ci.ops->reconcile_classify(ci.state, &m, &a, ref, sizeof(ref), err,
				   sizeof(err));
	returns = json_array();
	if (returns) {
		ci.ops->pull_parse(ci.state, "", &a, 0, returns, next,
				   sizeof(next), &more, err, sizeof(err));
		/* the cursor it gave, and one from the input */
		ci.ops->pull_parse(ci.state, next, &a, 0, returns, next,
				   sizeof(next), &more, err, sizeof(err));
		memcpy(cursor, data, n);
		cursor[n] = '\0';
		ci.ops->pull_parse(ci.state, cursor, &a, 0, returns, next,
				   sizeof(next), &more, err, sizeof(err));
		json_decref(returns);
	}
	return 0;
}
