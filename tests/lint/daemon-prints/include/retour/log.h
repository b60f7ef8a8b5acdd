/* SPDX-License-Identifier: MIT */
/* Fixture: the log helper. */
int log_msg(int priority, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
