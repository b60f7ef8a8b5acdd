/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the scanned-code classifier: any bytes a scanner
 * could send, with and without shop patterns, must give an answer that
 * holds together and never crash.  Build:
 *   clang -std=gnu11 -g -Iinclude -fsanitize=fuzzer,address,undefined \
 *         src/core/code.c tests/fuzz/fuzz_code.c -o fuzz_code
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retour/code.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Badges are whatever starts with "B-", so the badge path is fuzzed. */
static bool fuzz_code_is_badge(const char *text, void *ctx)
{
	(void)ctx;
	return text[0] == 'B' && text[1] == '-';
}

static const struct code_patterns fuzz_code_patterns = {
    .rma = "RMA-*-#",
    .order = "##@*",
    .strip_prefix = "]",
    .strip_suffix = "\r",
    .is_badge = fuzz_code_is_badge,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct code_patterns *p = NULL;
	struct code out;
	char pattern[64];
	int r;

	/* the first byte picks the configuration, so both paths get fuzzed */
	if (size && (data[0] & 1))
		p = &fuzz_code_patterns;
	r = code_classify((const char *)data, size, p, &out);
	if (r != 0 && r != -EINVAL)
		abort();
	if (strnlen(out.value, sizeof(out.value)) >= sizeof(out.value) ||
	    strnlen(out.problem, sizeof(out.problem)) >= sizeof(out.problem))
		abort();
	if (out.valid != (out.problem[0] == '\0'))
		abort();
	if (r < 0 && out.kind != CODE_UNKNOWN)
		abort();
	/* every other reading is a known format with a terminated value */
	if (out.n_other < 0 || out.n_other > CODE_MAX_OTHER ||
	    (out.n_other && out.kind == CODE_UNKNOWN))
		abort();
	for (int i = 0; i < out.n_other; i++)
		if (out.other[i].kind == CODE_UNKNOWN ||
		    strnlen(out.other[i].value, sizeof(out.other[i].value)) >=
			sizeof(out.other[i].value))
			abort();

	/* the input as a pattern against itself exercises the matcher */
	if (size < sizeof(pattern)) {
		memcpy(pattern, data, size);
		pattern[size] = '\0';
		(void)code_pattern_match(pattern, out.value);
	}
	return 0;
}
