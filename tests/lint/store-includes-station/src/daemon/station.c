/* SPDX-License-Identifier: MIT */
/* Fixture: the station may use the store. */
#include "retour/station.h"
#include "retour/store.h"

int station_start(void)
{
	return store_open("x");
}
