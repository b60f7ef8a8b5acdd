/* SPDX-License-Identifier: MIT */
/* libFuzzer: station and board configuration text (config_parse_all), every
 * byte as it comes, NUL bytes included, as `retourd -n` reads a file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retour/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;
	static struct config_problems problems;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	config_defaults(&c);
	/* an odd size is a board file: one that parses is asked for its
	 * devices, as retourd -n does */
	if (config_parse_all(&c, "fuzz.conf", text, size, size & 1,
			     &problems) == 0 &&
	    (size & 1))
		config_devices_absent(&c, NULL, NULL);
	free(text);
	return 0;
}
