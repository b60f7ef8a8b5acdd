/* SPDX-License-Identifier: MIT */
/*
 * The shell's clocks, in microseconds: wall time (UTC, what records carry)
 * and monotonic time (what durations and timeouts are measured on).  The
 * core never calls these; the shell reads the clock and passes "now" in.
 */
#ifndef RETOUR_CLOCK_H
#define RETOUR_CLOCK_H

#include <stdint.h>

/* CLOCK_REALTIME in UTC microseconds. */
int64_t clock_now_us(void);
/* CLOCK_MONOTONIC in microseconds, for intervals only. */
int64_t clock_mono_us(void);

#endif
