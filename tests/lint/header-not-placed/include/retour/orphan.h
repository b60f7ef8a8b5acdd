/* SPDX-License-Identifier: MIT */
/* Fixture: declared, defined nowhere, placed nowhere. */
int orphan_adopt(void);
