/* SPDX-License-Identifier: MIT */
/*
 * The schema's migrations (schema.c), private to src/store: called by
 * store_open() alone.
 */
#ifndef RETOUR_STORE_SCHEMA_H
#define RETOUR_STORE_SCHEMA_H

#include <stddef.h>

#include "db.h"

/* Bring the schema to STORE_SCHEMA_VERSION, one transaction per step; @err
 * gets a sentence for the operator. */
int store_schema_migrate(struct store *s, char *err, size_t errlen);

#endif
