/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the printer status parsers: the first byte picks
 * the parser (ZPL ~HS, TSPL ESC!?, the status file's words), the rest is
 * the answer.  Checks the contract too: an error is -EAGAIN or -EBADMSG
 * with a message, and a refused answer reports no fault flag.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retour/printer_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct printer_status none;
	struct printer_status st;
	char err[200], why[160];
	uint8_t *copy;
	int r;

	if (size == 0)
		return 0;
	/* An exact-size copy so ASan catches any read past the answer. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	err[0] = '\0';
	switch (data[0] % 3) {
	case 0:
		r = printer_status_parse_zpl(copy, size - 1, &st, err,
					     sizeof(err));
		break;
	case 1:
		r = printer_status_parse_tspl(copy, size - 1, &st, err,
					      sizeof(err));
		break;
	default:
		r = printer_status_parse_words(copy, size - 1, &st, err,
					       sizeof(err));
		break;
	}
	if (r != 0 && r != -EAGAIN && r != -EBADMSG)
		abort();
	if (r == -EBADMSG && strncmp(err, "printer status unreadable: ", 27))
		abort();
	if (r != 0 && memcmp(&st, &none, sizeof(st)))
		abort();
	printer_status_fault(&st, why, sizeof(why));
	if (!memchr(why, '\0', sizeof(why)))
		abort();
	free(copy);
	return 0;
}
