/* SPDX-License-Identifier: MIT */
/* Fixture: a core file that reaches for the database. */
#include <string.h>
#include <ini.h>
#include <sqlite3.h>

#include "retour/ledger.h"

int
ledger_total(const int *cents, int n)
{
	int sum = 0;
	for (int i = 0; i < n; i++)
		sum += cents[i];
	return sum;
}
