/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the scale parsers: the first byte chooses what the
 * rest is (a HID report descriptor, a numbered or unnumbered HID POS
 * report, a Toledo 8217 reply), the rest is any bytes.  Checks the
 * contract too: a NUL-terminated detail, SCALE_ERROR on refusal, grams
 * only with a weight status.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retour/hidpos.h"
#include "retour/toledo8217.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_hidpos_check(int ret, const struct scale_reading *r)
{
	if (!memchr(r->detail, '\0', sizeof(r->detail)))
		abort();
	if (ret == -22 /* EINVAL */ && r->status != SCALE_ERROR)
		abort();
	if (ret == 0 && r->grams != 0 && r->status != SCALE_STABLE &&
	    r->status != SCALE_UNSTABLE && r->status != SCALE_UNDERLOAD)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct scale_tael tael = {75, 2};
	struct hidpos_descriptor d;
	struct scale_reading r;
	struct scale_unit kg;
	uint8_t *copy;
	int ret;

	if (size < 1)
		return 0;
	/* An exact-size copy so ASan catches any read past the end. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	if (size > 1)
		memcpy(copy, data + 1, size - 1);
	switch (data[0] & 3) {
	case 0:
		ret = hidpos_descriptor_scan(copy, size - 1, &d);
		if (ret != 0 && ret != -22)
			abort();
		break;
	case 1:
		ret = hidpos_parse_report(copy, size - 1, true, &tael, &r);
		fuzz_hidpos_check(ret, &r);
		break;
	case 2:
		ret = hidpos_parse_report(copy, size - 1, false, NULL, &r);
		fuzz_hidpos_check(ret, &r);
		break;
	default:
		scale_unit_by_name("kg", &kg);
		ret = toledo8217_parse((const char *)copy, size - 1,
				       data[0] & 4 ? &kg : NULL, &r);
		fuzz_hidpos_check(ret, &r);
		break;
	}
	free(copy);
	return 0;
}
