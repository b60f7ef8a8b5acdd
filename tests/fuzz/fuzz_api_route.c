/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the local API's router: a method, a path and a
 * query (the returns' search among them) as a client sends them.  It may
 * not crash or read out of bounds; it routes, or refuses with 400, 404 or
 * 405 (with the methods the path takes), and never both.
 *
 * The input is lines: the method, the path, then one "key=value" per line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/api/api_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *line, *next;
	const char *method = "", *path = "";
	struct api_query q = {0};
	struct api_route route;
	struct api_reply rp = {0};
	int n = 0, r;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line; line = next, n++) {
		char *eq;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (n == 0) {
			method = line;
		} else if (n == 1) {
			path = line;
		} else {
			eq = strchr(line, '=');
			if (eq)
				*eq++ = '\0';
			api_query_add(&q, line, eq);
		}
	}
	r = api_route_parse(method, path, &q, &route, &rp);
	if (r == 0 && (rp.json || rp.allow[0]))
		abort();
	if (r < 0 && (!rp.json || (rp.status != 400 && rp.status != 404 &&
				   rp.status != 405)))
		abort();
	if (r < 0 && (rp.status == 405) != (rp.allow[0] != '\0'))
		abort();
	json_decref(rp.json);
	free(text);
	return 0;
}
