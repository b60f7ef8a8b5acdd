/* SPDX-License-Identifier: MIT */
/*
 * Shared by the checklist's files (checklist.c, checklist_parse.c,
 * checklist_answer.c) and nothing else: the names of step kinds and
 * effects as templates spell them, and the small validators the parser and
 * the answer checks both use.
 */
#ifndef RETOUR_CHECKLIST_PARTS_H
#define RETOUR_CHECKLIST_PARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "retour/checklist.h"

#define CHECKLIST_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CHECKLIST_KIND_COUNT (CHECKLIST_INSTRUCTION + 1)
#define CHECKLIST_EFFECT_COUNT (CHECKLIST_EFFECT_BLOCK + 1)

/* Indexed by enum checklist_step_kind and enum checklist_effect. */
extern const char *const checklist_kind_names[CHECKLIST_KIND_COUNT];
extern const char *const checklist_effect_names[CHECKLIST_EFFECT_COUNT];

/* printf into @err (may be NULL) for the caller's message. */
__attribute__((format(printf, 3, 4))) void
checklist_errf(char *err, size_t errlen, const char *fmt, ...);

/* Valid UTF-8 without control characters. */
bool checklist_text_valid(const char *s);
/* 1..@max bytes of [A-Za-z0-9_.-]. */
bool checklist_id_valid(const char *s, size_t max);
/* A whole decimal integer, optionally signed; false on anything else. */
bool checklist_parse_int64(const char *s, int64_t *out);
/* "A", "B", "C" or "scrap" (any case) to enum grade, else -EINVAL. */
int checklist_grade_of(const char *s);

#endif
