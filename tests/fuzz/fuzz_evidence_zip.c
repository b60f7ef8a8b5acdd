/* SPDX-License-Identifier: MIT */
/* libFuzzer: any bytes as a dispute pack's ZIP to verify
 * (src/dev/evidence_zip.c, src/codec/evidence_check.c). */
#include <stdint.h>
#include <stdlib.h>

#include "retour/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evidence_check c;

	evidence_zip_verify(data, size, &c);
	evidence_check_release(&c);
	return 0;
}
