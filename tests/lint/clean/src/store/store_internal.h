/* SPDX-License-Identifier: MIT */
/* Fixture: a private header, of its directory's layer. */
#include <sqlite3.h>
