/* SPDX-License-Identifier: MIT */
/*
 * The daemon's one way to say something to the operator: a line on stderr.
 * Under systemd it starts with a syslog priority ("<3>"), which journald
 * reads as the entry's priority (SyslogLevelPrefix=yes, its default); in a
 * terminal it is plain text.
 *
 * The helpers return the error they log, systemd style, so a failure is
 * logged and passed on in one statement:
 *
 *	if (r < 0)
 *		return log_error_errno(r, "scanner %s", path);
 *
 * prints "retourd: scanner /dev/ttyACM0: No such file or directory" (with
 * "<3>" in front in the journal).
 * retourctl does not use this: its messages are for the person at the
 * terminal and go to stderr as they are.
 */
#ifndef RETOUR_LOG_H
#define RETOUR_LOG_H

#include <syslog.h>

/* Log at @priority (LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG).
 * When @err is a negative errno its text is appended after ": ".  Returns
 * @err unchanged.  Thread-safe (one write(2) per line). */
int log_msg(int priority, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Tag printed after the priority; "retourd" unless set (at start). */
void log_set_ident(const char *ident);

#define log_error(...) ((void)log_msg(LOG_ERR, 0, __VA_ARGS__))
#define log_warning(...) ((void)log_msg(LOG_WARNING, 0, __VA_ARGS__))
#define log_notice(...) ((void)log_msg(LOG_NOTICE, 0, __VA_ARGS__))
#define log_info(...) ((void)log_msg(LOG_INFO, 0, __VA_ARGS__))
#define log_error_errno(r, ...) log_msg(LOG_ERR, (r), __VA_ARGS__)
#define log_warning_errno(r, ...) log_msg(LOG_WARNING, (r), __VA_ARGS__)

#endif
