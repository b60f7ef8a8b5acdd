/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: BaseLinker's answer, read by the baselinker connector as the
 * refund's answer (classify, retry_wait), the lookup's (reconcile_classify)
 * and a pull's (pull_parse).  The first byte picks the HTTP status; the
 * rest is the body.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "retour/connector.h"

static const char body[] =
    "{\"amount_minor\":11297,\"currency\":\"PLN\",\"delivery_minor\":1299,"
    "\"shop_payment_id\":\"1022\",\"rma\":\"RMA-1\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 200, 200, 201, 429, 500, 400, 302};
	const struct connector *c = connector_find("baselinker");
	struct connector_setting set[] = {
	    {.key = "token_file", .value = "/f", .secret = "1-2-T"},
	    {.key = "status_id_done", .value = "1010"},
	};
	struct connector_message m = {
	    .action = "refund.requested",
	    .key = "row-1",
	    .refund_key = "rr-0123456789abcdef0123456789abcdef",
	    .body = body,
	    .body_len = sizeof(body) - 1,
	};
	struct connector_answer a = {
	    .status = size ? statuses[data[0] % 8] : 200,
	    .body = size ? (const char *)data + 1 : "",
	    .body_len = size ? size - 1 : 0,
	};
	struct connector_instance ci;
	char ref[128], err[256], next[64];
	json_t *returns;
	bool more;
	int bad;

	if (!c || connector_instance_new(c, set, 2, true, &ci, &bad, err,
					 sizeof(err)) < 0)
		return 0;
	(void)c->classify(ci.state, &m, &a, ref, sizeof(ref), err, sizeof(err));
	(void)c->retry_wait(ci.state, &a, 0);
	(void)c->reconcile_classify(ci.state, &m, &a, ref, sizeof(ref), err,
				    sizeof(err));
	returns = json_array();
	if (returns) {
		(void)c->pull_parse(ci.state, size & 1 ? "id:5" : "", &a, 0,
				    returns, next, sizeof(next), &more, err,
				    sizeof(err));
		json_decref(returns);
	}
	connector_instance_free(&ci);
	return 0;
}
