/* SPDX-License-Identifier: MIT */
/*
 * Disk arithmetic (disk.h): a growth rate, the days it leaves, and the
 * state the floors give.  Integer bytes and microseconds throughout, and
 * every overflow clamped rather than wrapped.
 */
#include "retour/disk.h"

#define DISK_DAY_US (INT64_C(86400) * 1000000)

int64_t disk_bytes_per_day(int64_t bytes_added, int64_t window_us)
{
	if (bytes_added <= 0 || window_us <= 0)
		return 0;
	/* bytes * day / window without overflow: whole windows per day
	 * first when the window is a day or longer */
	if (bytes_added > INT64_MAX / DISK_DAY_US) {
		double per_day =
		    (double)bytes_added * DISK_DAY_US / (double)window_us;

		return per_day >= 9.2e18 ? INT64_MAX : (int64_t)per_day;
	}
	return bytes_added * DISK_DAY_US / window_us;
}

int64_t disk_days_left(int64_t free_bytes, int64_t floor_bytes, int64_t per_day)
{
	if (per_day <= 0)
		return -1;
	if (free_bytes <= floor_bytes)
		return 0;
	return (free_bytes - floor_bytes) / per_day;
}

enum disk_state disk_state_of(int64_t free_bytes, int64_t warn_floor,
			      int64_t hard_floor)
{
	if (hard_floor > 0 && free_bytes < hard_floor)
		return DISK_FULL;
	if (warn_floor > 0 && free_bytes < warn_floor)
		return DISK_LOW;
	return DISK_OK;
}

const char *disk_state_name(enum disk_state s)
{
	switch (s) {
	case DISK_OK:
		return "ok";
	case DISK_LOW:
		return "low";
	case DISK_FULL:
		return "full";
	}
	return "unknown";
}
