/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the desk's system's texts (retour/system_text.h):
 * the first boot's list, the command line, rauc's progress lines and its
 * reason.  None may crash or read out of bounds, and what comes out is
 * bounded and free of control characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retour/system_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void clean_or_abort(const char *s, size_t size)
{
	if (strlen(s) >= size)
		abort();
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char items[16][SYSTEM_ITEM_LEN], slot[17], msg[160], why[512];
	char *text = malloc(size + 1);
	int pct = -1, n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	n = system_text_missing(text, size, size & 1, items, 16);
	if (n < 0 || n > 16)
		abort();
	for (int i = 0; i < n; i++)
		clean_or_abort(items[i], SYSTEM_ITEM_LEN);
	system_text_slot(text, slot, sizeof(slot));
	clean_or_abort(slot, sizeof(slot));
	if (system_text_progress(text, &pct, msg, sizeof(msg)))
		clean_or_abort(msg, sizeof(msg));
	if (pct < -1 || pct > 100)
		abort();
	system_text_reason(text, why, sizeof(why));
	clean_or_abort(why, sizeof(why));
	free(text);
	return 0;
}
