/* SPDX-License-Identifier: MIT */
/* Fixture: the store. */
int store_open(const char *path);
