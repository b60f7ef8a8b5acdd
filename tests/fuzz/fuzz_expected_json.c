/* SPDX-License-Identifier: MIT */
/* libFuzzer: an import body pushed to POST /api/v1/expected. */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "retour/expected_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct expected_return *ers = NULL;
	json_error_t jerr;
	char err[256];
	json_t *doc = json_loadb((const char *)data, size, 0, &jerr);

	if (!doc)
		return 0;
	expected_json_parse_batch(doc, NULL, &ers, err, sizeof(err));
	free(ers);
	json_decref(doc);
	return 0;
}
