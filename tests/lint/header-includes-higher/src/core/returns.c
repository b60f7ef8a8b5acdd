/* SPDX-License-Identifier: MIT */
/* Fixture. */
int
returns_count(void)
{
	return 0;
}
