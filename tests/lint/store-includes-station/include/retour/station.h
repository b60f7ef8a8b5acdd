/* SPDX-License-Identifier: MIT */
/* Fixture: the daemon's station. */
int station_start(void);
