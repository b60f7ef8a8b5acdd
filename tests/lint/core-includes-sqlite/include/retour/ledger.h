/* SPDX-License-Identifier: MIT */
/* Fixture: a core module's header, reaching for the clock. */
#include <time.h>
int ledger_total(const int *cents, int n);
