/* SPDX-License-Identifier: MIT */
/* Fixture: a device that prints instead of logging.  fprintf(stderr, "x")
 * in a comment is fine, and so is snprintf(buf, n, "printf(").  */
#include <stdio.h>
#include "retour/log.h"

int
scale_open(char *buf, int n)
{
	snprintf(buf, n, "perror(%s)", "printf(");
	fprintf(stderr, "scale: gone\n");
	perror("scale");
	printf("weight\n");
	return log_msg(3, -5, "scale: %s", "gone");
}
