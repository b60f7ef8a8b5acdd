/* SPDX-License-Identifier: MIT */
/* Fixture. */
#include "retour/event.h"

json_t *
event_render(int kind)
{
	return json_integer(kind);
}
