/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the keyboard wedge: any bytes as input_event
 * records, through every layout and a choice of line rules, and the same
 * bytes as a serial scanner's through the line rules alone.  Checks the
 * contract: lines are never longer than the cap, never empty, always
 * NUL-terminated, and the keymap answers any code and modifiers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retour/keymap.h"
#include "retour/scan_line.h"
#include "retour/wedge.h"

#define FUZZ_MAX_LINE 24

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_line(void *ud, const char *line, size_t len, bool overlong)
{
	(void)ud;
	if (overlong) {
		if (line || len)
			abort();
		return;
	}
	if (!line || len == 0 || len > FUZZ_MAX_LINE + 1 || line[len] != '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const terms[] = {"any",  "enter", "tab",
					    "crlf", "0x1d",  "enter,tab"};
	static const char *const subs[] = {"", "~", "<GS>", "]"};
	struct wedge_config wc;
	struct scan_line *sl = NULL;
	struct wedge *w = NULL;
	char err[256], out[5];
	uint8_t opt;

	if (size < 2)
		return 0;
	opt = data[1];
	memset(&wc, 0, sizeof(wc));
	wc.layout = (enum keymap_layout)(data[0] % KEYMAP_LAYOUT_COUNT);
	scan_line_rules_default(&wc.rules);
	if (scan_line_terminator_parse(terms[opt % 6], &wc.rules, err,
				       sizeof(err)) < 0 ||
	    scan_line_fnc1_parse(subs[(opt / 6) % 4], &wc.rules, err,
				 sizeof(err)) < 0)
		abort();
	wc.rules.max_line = FUZZ_MAX_LINE;
	wc.gap_us = (opt & 0x80) ? 50000 : 0;

	/* the table itself: any code, any modifiers */
	keymap_lookup(wc.layout, (unsigned)data[0] << 1 | (data[1] & 1),
		      data[1] >> 1, out);
	if (!memchr(out, '\0', sizeof(out)))
		abort();

	if (wedge_new(&wc, fuzz_line, NULL, &w) == 0) {
		size_t used = wedge_feed_records(w, data + 2, size - 2);

		if (used > size - 2)
			abort();
		wedge_gap(w);
		wedge_free(w);
	}
	if (scan_line_new(&wc.rules, fuzz_line, NULL, &sl) == 0) {
		scan_line_feed(sl, (const char *)data + 2, size - 2);
		scan_line_end(sl);
		scan_line_free(sl);
	}
	return 0;
}
