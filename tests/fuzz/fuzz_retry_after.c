/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the shop's answers the outbox sender parses: the
 * Retry-After header and the webhook connector's reading of a response
 * body.  Neither may crash, read out of bounds or hand back a delay outside
 * [0, 1 h].
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retour/connector.h"
#include "retour/outbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char value[128], ref[64], err[256];
	int64_t delay = 0;
	size_t n = size < sizeof(value) - 1 ? size : sizeof(value) - 1;
	size_t skip = size >= 2 ? 2 : 0;
	struct connector_answer a = {0};

	memcpy(value, data, n);
	value[n] = '\0';
	if (outbox_parse_retry_after(value, INT64_C(1700000000000000),
				     &delay) == 0 &&
	    (delay < 0 || delay > INT64_C(3600000000)))
		abort();

	/* The first two bytes pick a status, the rest is the body. */
	a.status = size >= 2 ? 100 + (data[0] << 8 | data[1]) % 500 : 200;
	a.body = (const char *)data + skip;
	a.body_len = size - skip;
	connector_webhook.classify(NULL, NULL, &a, ref, sizeof(ref), err,
				   sizeof(err));
	return 0;
}
