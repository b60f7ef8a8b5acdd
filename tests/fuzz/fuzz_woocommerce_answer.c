/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: WooCommerce's answers to the woocommerce connector, all three
 * readers on the same bytes: a refund's answer (classify), the order's
 * refunds (reconcile_classify) and a page of orders (pull_parse).  The
 * first byte picks the status; an X-WP-TotalPages header comes from the
 * input too.  Nothing may crash, and the texts stay bounded and NUL-ended.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "retour/connector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char body[] =
    "{\"amount_minor\":11297,\"currency\":\"PLN\",\"delivery_minor\":1299,"
    "\"items\":[{\"quantity\":2,\"refund_minor\":9998,\"shop_line_id\":"
    "\"77\"}],\"rma\":\"RMA-1\",\"shop_order_id\":\"5531\","
    "\"shop_payment_id\":\"shipping:78\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct connector *c = connector_find("woocommerce");
	struct connector_setting set[] = {
	    {.key = "url", .value = "https://shop.example"},
	    {.key = "consumer_key_file", .value = "/k", .secret = "ck_a"},
	    {.key = "consumer_secret_file", .value = "/s", .secret = "cs_b"},
	    {.key = "pull_status", .value = "return-requested"},
	    {.key = "pull_per_page", .value = "2"},
	};
	struct connector_message m = {
	    .action = "refund.requested",
	    .key = "k",
	    .refund_key = "rr-0123456789abcdef0123456789abcdef",
	    .body = body,
	    .body_len = sizeof(body) - 1,
	};
	char ref[128], err[256], next[128], pages[4] = "";
	struct connector_header h = {.name = "X-WP-TotalPages", .value = pages};
	struct connector_answer a = {
	    .status = size ? 100 + data[0] * 2 : 200,
	    .body = (const char *)data + (size ? 1 : 0),
	    .body_len = size ? size - 1 : 0,
	    .headers = &h,
	    .n_headers = 1,
	};
	struct connector_instance ci;
	json_t *returns;
	bool more;
	int bad;

	if (size > 1)
		pages[0] = (char)('0' + data[1] % 4);
	if (!c || connector_instance_new(c, set, 5, true, &ci, &bad, err,
					 sizeof(err)) < 0)
		abort();
	c->classify(ci.state, &m, &a, ref, sizeof(ref), err, sizeof(err));
	if (strlen(ref) >= sizeof(ref) || strlen(err) >= sizeof(err))
		abort();
	c->reconcile_classify(ci.state, &m, &a, ref, sizeof(ref), err,
			      sizeof(err));
	returns = json_array();
	if (c->pull_parse(ci.state, "2026-11-19T08:00:05|728", &a, 0, returns,
			  next, sizeof(next), &more, err, sizeof(err)) == 0 &&
	    strlen(next) >= sizeof(next))
		abort();
	json_decref(returns);
	connector_instance_free(&ci);
	return 0;
}
