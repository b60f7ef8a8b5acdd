/* SPDX-License-Identifier: MIT */
/* Fixture: a directory with no layer. */
int screen_draw(void);
