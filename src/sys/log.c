/* SPDX-License-Identifier: MIT */
/*
 * log.h: one line per message on stderr with a syslog priority prefix.
 * The line is formatted whole and written with one write(2), so lines from
 * the outbox and spool threads never interleave with the loop's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "retour/log.h"

static const char *log_ident = "retourd";

void log_set_ident(const char *ident)
{
	log_ident = ident && *ident ? ident : "retourd";
}

int log_msg(int priority, int err, const char *fmt, ...)
{
	char line[1024];
	int saved = errno, n;
	size_t len;
	va_list ap;

	n = snprintf(line, sizeof(line), "<%d>%s: ", priority & LOG_PRIMASK,
		     log_ident);
	len = n > 0 && (size_t)n < sizeof(line) ? (size_t)n : 0;
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	if (n > 0)
		len += (size_t)n < sizeof(line) - len ? (size_t)n
						      : sizeof(line) - len - 1;
	if (err < 0 && len < sizeof(line) - 1) {
		n = snprintf(line + len, sizeof(line) - len, ": %s",
			     strerror(-err));
		if (n > 0)
			len += (size_t)n < sizeof(line) - len
				   ? (size_t)n
				   : sizeof(line) - len - 1;
	}
	if (len >= sizeof(line) - 1)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) < 0) {
		/* nowhere left to say it */
	}
	errno = saved;
	return err;
}
