/* SPDX-License-Identifier: MIT */
/*
 * The shell's clocks, in microseconds: wall time (UTC, what records carry)
 * and monotonic time (what durations and timeouts are measured on).  The
 * core never calls these; the shell reads the clock and passes "now" in.
 *
 * A board without a battery-backed clock starts at fake-hwclock's last
 * saved time, or at 1970, until NTP answers.  Until then the shell holds
 * the wall clock *unsure* (clock_unsure_begin()): clock_now_us() is the
 * wall time at that moment carried on by CLOCK_BOOTTIME, so a step of the
 * system clock (NTP setting it) does not move what the station reads in
 * the middle of a parcel.  clock_unsure_end() returns to CLOCK_REALTIME
 * and says by how much the times read while unsure were off: the shell
 * corrects the records made meanwhile with it.  Whether the system clock
 * can be trusted is clock_kernel_synced()'s and the caller's to decide.
 */
#ifndef RETOUR_CLOCK_H
#define RETOUR_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The wall time in UTC microseconds: CLOCK_REALTIME, or while unsure the
 * wall time when it began carried on by CLOCK_BOOTTIME.  Thread-safe. */
int64_t clock_now_us(void);
/* CLOCK_MONOTONIC in microseconds, for intervals only. */
int64_t clock_mono_us(void);
/* CLOCK_BOOTTIME in microseconds: monotonic, counting suspend, from this
 * boot (the boot id says which). */
int64_t clock_boot_us(void);
/* CLOCK_REALTIME - CLOCK_BOOTTIME now: the wall time of this boot's
 * start as the system clock says it; boot_us + this is a wall time. */
int64_t clock_realtime_offset_us(void);

/* From now on clock_now_us() does not follow steps of the system clock.
 * Idempotent. */
void clock_unsure_begin(void);
/* Back to CLOCK_REALTIME.  Returns what to add to a time clock_now_us()
 * gave while unsure to make it right (0 when it was not unsure). */
int64_t clock_unsure_end(void);
bool clock_is_unsure(void);
/* The time a wall time @at read while unsure, at boot time @boot_us, was
 * really, given the offset @offset_us (clock_realtime_offset_us()) of a
 * synchronised clock in the same boot: @boot_us + @offset_us.  0 when
 * @boot_us is not a boot time (< 0). */
int64_t clock_corrected_us(int64_t boot_us, int64_t offset_us);

/*
 * The kernel's own view of the system clock (adjtimex(2)): 1 when an NTP
 * daemon (systemd-timesyncd, chrony, ntpd) has synchronised it: STA_UNSYNC
 * clear and the maximum error under @max_error_us; 0 when not; -errno
 * when the call failed.
 */
int clock_kernel_synced(int64_t max_error_us);

/* This boot's id (/proc/sys/kernel/random/boot_id), 36 characters, into
 * @out (at least CLOCK_BOOT_ID_LEN bytes); 0 or -errno ("" then). */
#define CLOCK_BOOT_ID_LEN 37
int clock_boot_id(char *out, size_t outlen);

#endif
