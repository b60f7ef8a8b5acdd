/* SPDX-License-Identifier: MIT */
/* Fixture: the store sits above the core. */
#include <sqlite3.h>
#include "retour/rules.h"
int store_open(const char *path);
