/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: a shop's answer to a webhook, classified by the connector.
 * The first byte picks the status; the answer also comes with a header
 * whose name and value are taken from the input, as a shop sends them.
 */
#include <stdint.h>
#include <string.h>

#include "retour/connector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct connector *c = connector_find("webhook");
	char ref[128], err[256], name[32], value[64];
	size_t n = size < sizeof(value) - 1 ? size : sizeof(value) - 1;
	struct connector_header h = {.name = name, .value = value};
	struct connector_answer a = {
	    .status = size ? 100 + data[0] * 2 : 200,
	    .body = (const char *)data,
	    .body_len = size,
	    .headers = &h,
	    .n_headers = 1,
	};

	memcpy(value, data, n);
	value[n] = '\0';
	memcpy(name, value, n < sizeof(name) - 1 ? n : sizeof(name) - 1);
	name[n < sizeof(name) - 1 ? n : sizeof(name) - 1] = '\0';
	if (c) {
		c->classify(NULL, NULL, &a, ref, sizeof(ref), err, sizeof(err));
		(void)connector_answer_header(&a, "Retry-After");
	}
	return 0;
}
