/* SPDX-License-Identifier: MIT */
/* Fixture: the CLI may include anything below it. */
#include <stdio.h>
#include "retour/store.h"

int
main(void)
{
	printf("%d\n", store_open("x"));
	return 0;
}
