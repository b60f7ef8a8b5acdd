/* SPDX-License-Identifier: MIT */
/* Fixture: the CLI writes its messages to stderr, as it should. */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "retourctl: usage\n");
	printf("ok\n");
	return 0;
}
