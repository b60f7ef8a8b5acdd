/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: Allegro's answers, untrusted, through every parser of the
 * allegro connector: the token answer (prepared), the refund's answer
 * (classify), the lookup of the payment's refunds (reconcile_classify)
 * and pulled customer returns with their checkout form (pull_parse, both
 * steps).  The first byte picks the status.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "retour/connector.h"
#include "retour/decision.h"

#define FUZZ_NOW (1795168860LL * 1000000)
#define FUZZ_KEY "rr-0123456789abcdef0123456789abcdef"

static const char fuzz_list[] =
    "{\"customerReturns\":[{\"id\":\"r1\",\"orderId\":\"o1\",\"items\":"
    "[{\"offerId\":\"1\",\"quantity\":1}]}],\"count\":1}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct connector_setting set[] = {
	    {.key = "client_id", .value = "c"},
	    {.key = "client_secret_file", .value = "/s", .secret = "S"},
	    {.key = "refresh_token_file", .value = "/r", .secret = "R"},
	};
	const char *body = "{\"amount_minor\":100,\"currency\":\"PLN\","
			   "\"shop_payment_id\":\"p\",\"items\":[]}";
	struct connector_message m = {
	    .action = EVENT_REFUND_REQUESTED,
	    .key = "k",
	    .refund_key = FUZZ_KEY,
	    .body = body,
	    .body_len = strlen(body),
	};
	struct connector_answer a = {
	    .status = size ? 100 + data[0] * 2 : 200,
	    .body = (const char *)data + (size ? 1 : 0),
	    .body_len = size ? size - 1 : 0,
	};
	struct connector_answer list = {
	    .status = 200, .body = fuzz_list, .body_len = strlen(fuzz_list)};
	struct connector_answer token = {
	    .status = 200,
	    .body = "{\"access_token\":\"A\",\"expires_in\":60}",
	    .body_len = 37,
	};
	struct connector_instance ci;
	struct connector_request req;
	char ref[128], err[256], next[128], problem[256];
	json_t *returns = json_array();
	bool more;
	int bad;

	if (!returns ||
	    connector_instance_new(connector_find("allegro"), set, 3, true, &ci,
				   &bad, problem, sizeof(problem)) < 0) {
		json_decref(returns);
		return 0;
	}
	(void)ci.ops->prepared(ci.state, FUZZ_NOW, &a, err, sizeof(err));
	(void)ci.ops->prepared(ci.state, FUZZ_NOW, &token, err, sizeof(err));
	(void)ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref), err,
			       sizeof(err));
	(void)ci.ops->reconcile_classify(ci.state, &m, &a, ref, sizeof(ref),
					 err, sizeof(err));
	(void)ci.ops->retry_wait(ci.state, &a, FUZZ_NOW);
	(void)ci.ops->prepared(ci.state, FUZZ_NOW, &token, err, sizeof(err));
	/* the list step on the input */
	memset(&req, 0, sizeof(req));
	if (ci.ops->pull_build(ci.state, "", FUZZ_NOW, &req, err,
			       sizeof(err)) == 0) {
		connector_request_free(&req);
		(void)ci.ops->pull_parse(ci.state, "", &a, FUZZ_NOW, returns,
					 next, sizeof(next), &more, err,
					 sizeof(err));
	}
	/* the detail step on the input, after a known list */
	memset(&req, 0, sizeof(req));
	if (ci.ops->pull_build(ci.state, "c", FUZZ_NOW, &req, err,
			       sizeof(err)) == 0) {
		connector_request_free(&req);
		(void)ci.ops->pull_parse(ci.state, "c", &list, FUZZ_NOW,
					 returns, next, sizeof(next), &more,
					 err, sizeof(err));
		memset(&req, 0, sizeof(req));
		if (ci.ops->pull_build(ci.state, "c", FUZZ_NOW, &req, err,
				       sizeof(err)) == 0) {
			connector_request_free(&req);
			(void)ci.ops->pull_parse(ci.state, "c", &a, FUZZ_NOW,
						 returns, next, sizeof(next),
						 &more, err, sizeof(err));
		}
	}
	json_decref(returns);
	connector_instance_free(&ci);
	return 0;
}
