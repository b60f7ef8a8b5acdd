/* SPDX-License-Identifier: MIT */
/* Fixture: the one writer of stderr. */
#include <stdio.h>
#include "retour/log.h"

int log_msg(int priority, int err, const char *fmt, ...)
{
	fprintf(stderr, "<%d>", priority);
	return err;
}
