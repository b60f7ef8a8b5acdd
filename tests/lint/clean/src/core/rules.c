/* SPDX-License-Identifier: MIT */
/* Fixture. */
#include <ini.h>
#include <string.h>
#include "retour/rules.h"

bool rules_allow(int days)
{
	return days <= 30;
}
