/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the MT-SICS reply parser: any bytes, as one line.
 * Checks the contract too: a NUL-terminated detail and grams only with a
 * weight status.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retour/mtsics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scale_reading r;
	char *copy;
	int ret;

	/* An exact-size copy so ASan catches any read past the line. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	ret = mtsics_parse_line(copy, size, &r);
	if (!memchr(r.detail, '\0', sizeof(r.detail)))
		abort();
	if (ret < 0 && r.status != SCALE_ERROR)
		abort();
	if (ret == 0 && r.status != SCALE_STABLE &&
	    r.status != SCALE_UNSTABLE && r.grams != 0)
		abort();
	free(copy);
	return 0;
}
