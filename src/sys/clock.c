/* SPDX-License-Identifier: MIT */
/*
 * clock.h: the clocks the shell reads, in microseconds, the unsure wall
 * clock of a board that has not been told the time yet, and the kernel's
 * word on whether it has.  No policy here: what counts as "the date is
 * known" is the station's (src/daemon/station_clock.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/timex.h>

#include "retour/clock.h"

/* The offset (realtime - boottime) frozen while unsure; 0: not unsure.
 * Read by the outbox and pull threads too, hence atomics. */
static int64_t clock_unsure_offset;
static int clock_unsure_on;

static int64_t clock_read_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_now_us(void)
{
	if (__atomic_load_n(&clock_unsure_on, __ATOMIC_ACQUIRE))
		return clock_read_us(CLOCK_BOOTTIME) +
		       __atomic_load_n(&clock_unsure_offset, __ATOMIC_RELAXED);
	return clock_read_us(CLOCK_REALTIME);
}

int64_t clock_mono_us(void)
{
	return clock_read_us(CLOCK_MONOTONIC);
}

int64_t clock_boot_us(void)
{
	return clock_read_us(CLOCK_BOOTTIME);
}

int64_t clock_realtime_offset_us(void)
{
	/* boottime read between two realtime reads: the offset is their
	 * mean, so no scheduling gap between two reads biases it */
	int64_t a = clock_read_us(CLOCK_REALTIME);
	int64_t b = clock_read_us(CLOCK_BOOTTIME);
	int64_t c = clock_read_us(CLOCK_REALTIME);

	return a + (c - a) / 2 - b;
}

void clock_unsure_begin(void)
{
	if (__atomic_load_n(&clock_unsure_on, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&clock_unsure_offset, clock_realtime_offset_us(),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&clock_unsure_on, 1, __ATOMIC_RELEASE);
}

int64_t clock_unsure_end(void)
{
	int64_t was;

	if (!__atomic_load_n(&clock_unsure_on, __ATOMIC_ACQUIRE))
		return 0;
	was = __atomic_load_n(&clock_unsure_offset, __ATOMIC_RELAXED);
	__atomic_store_n(&clock_unsure_on, 0, __ATOMIC_RELEASE);
	return clock_realtime_offset_us() - was;
}

bool clock_is_unsure(void)
{
	return __atomic_load_n(&clock_unsure_on, __ATOMIC_ACQUIRE) != 0;
}

int64_t clock_corrected_us(int64_t boot_us, int64_t offset_us)
{
	if (boot_us < 0)
		return 0;
	return boot_us + offset_us;
}

int clock_kernel_synced(int64_t max_error_us)
{
	struct timex tx;

	memset(&tx, 0, sizeof(tx)); /* modes 0: read only */
	if (adjtimex(&tx) < 0)
		return -errno;
	if (tx.status & STA_UNSYNC)
		return 0;
	return tx.maxerror >= 0 && (int64_t)tx.maxerror < max_error_us;
}

int clock_boot_id(char *out, size_t outlen)
{
	char buf[64];
	ssize_t n;
	int fd, r = 0;

	if (!out || outlen < CLOCK_BOOT_ID_LEN)
		return -EINVAL;
	out[0] = '\0';
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		r = -errno;
	else if (n < CLOCK_BOOT_ID_LEN - 1)
		r = -EIO;
	close(fd);
	if (r < 0)
		return r;
	memcpy(out, buf, CLOCK_BOOT_ID_LEN - 1);
	out[CLOCK_BOOT_ID_LEN - 1] = '\0';
	return 0;
}
