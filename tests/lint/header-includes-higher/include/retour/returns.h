/* SPDX-License-Identifier: MIT */
/* Fixture: a core header that pulls in a codec's header. */
#include "retour/event.h"
int returns_count(void);
