/* SPDX-License-Identifier: MIT */
/* libFuzzer: a shop's answer to a webhook, classified by the connector. */
#include <stdint.h>

#include "retour/connector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct connector *c = connector_find("webhook");
	char ref[128], err[256];
	long status = size ? 100 + data[0] * 2 : 200;

	if (c)
		c->classify(status, (const char *)data, size, ref, sizeof(ref),
			    err, sizeof(err));
	return 0;
}
