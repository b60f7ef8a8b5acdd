/* SPDX-License-Identifier: MIT */
/* libFuzzer: station and board configuration text (config_parse_text). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retour/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;
	char err[512];
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	config_defaults(&c);
	/* a board that parses is asked for its devices, as retourd -n does */
	if (config_parse_text(&c, "fuzz.conf", text, size & 1, err,
			      sizeof(err)) == 0 &&
	    (size & 1))
		config_devices_absent(&c, NULL, NULL);
	free(text);
	return 0;
}
