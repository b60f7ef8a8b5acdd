/* SPDX-License-Identifier: MIT */
/*
 * The station's disk as arithmetic: how fast the photo tree
 * and the database grow, how many days the free space lasts at that rate,
 * and whether the desk should warn (below the warning floor) or refuse
 * photos (below the hard floor, photo_store_save()'s).  Pure: the caller
 * measures the bytes and passes the time.
 */
#ifndef RETOUR_DISK_H
#define RETOUR_DISK_H

#include <stdint.h>

enum disk_state {
	DISK_OK,   /* above the warning floor */
	DISK_LOW,  /* below the warning floor: the light and the screen warn */
	DISK_FULL, /* below the hard floor: photos are refused */
};

/* Growth in bytes per day from @bytes_added over @window_us; 0 for no
 * growth, a window of 0 or less, or negative bytes. */
int64_t disk_bytes_per_day(int64_t bytes_added, int64_t window_us);

/* Whole days until the free space reaches @floor_bytes at @per_day;
 * -1 when it does not shrink (@per_day <= 0), 0 when it is already
 * there. */
int64_t disk_days_left(int64_t free_bytes, int64_t floor_bytes,
		       int64_t per_day);

/* The state for @free_bytes given the floors (a floor of 0: none). */
enum disk_state disk_state_of(int64_t free_bytes, int64_t warn_floor,
			      int64_t hard_floor);
/* "ok", "low", "full". */
const char *disk_state_name(enum disk_state s);

#endif
