/* SPDX-License-Identifier: MIT */
/*
 * log.h: one line per message on stderr.  When stderr is the journal's
 * stream (systemd sets JOURNAL_STREAM to its device:inode), the line starts
 * with the syslog priority ("<3>") for journald; in a terminal it reads
 * plainly.  The line is formatted whole and written with one write(2), so
 * lines from the outbox and spool threads never interleave with the loop's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "retour/log.h"

static const char *log_ident = "retourd";

/* Whether stderr is the journal: JOURNAL_STREAM names its device:inode. */
static bool log_to_journal(void)
{
	static int known = -1;
	unsigned long long dev, ino;
	const char *e;
	struct stat sb;

	if (known >= 0)
		return known;
	e = getenv("JOURNAL_STREAM");
	known = e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 &&
		fstat(STDERR_FILENO, &sb) == 0 &&
		(unsigned long long)sb.st_dev == dev &&
		(unsigned long long)sb.st_ino == ino;
	return known;
}

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

	if (log_to_journal())
		n = snprintf(line, sizeof(line),
			     "<%d>%s: ", priority & LOG_PRIMASK, log_ident);
	else
		n = snprintf(line, sizeof(line), "%s: ", log_ident);
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
