/* SPDX-License-Identifier: MIT */
/* Fixture: a pure core module. */
#include <stdbool.h>
bool rules_allow(int days);
