/* SPDX-License-Identifier: MIT */
/*
 * Checklist templates: the set a station loads, which template an item
 * gets (its routine and category), the names of step kinds and effects, and
 * the small validators the template parser (checklist_parse.c) and the
 * answer checks (checklist_answer.c) share.
 *
 * Pure: no files, no clock, no allocation.  Deliberately no expressions,
 * conditions or per-choice effects: a template that needs logic is a sign
 * the rules engine should own it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checklist_parts.h"
#include "retour/checklist.h"

const char *const checklist_kind_names[CHECKLIST_KIND_COUNT] = {
    [CHECKLIST_PASS_FAIL] = "pass_fail",     [CHECKLIST_CHOICE] = "choice",
    [CHECKLIST_MEASURE] = "measure",	     [CHECKLIST_PHOTO] = "photo",
    [CHECKLIST_INSTRUCTION] = "instruction",
};

const char *const checklist_effect_names[CHECKLIST_EFFECT_COUNT] = {
    [CHECKLIST_EFFECT_NONE] = "none",
    [CHECKLIST_EFFECT_SEAL_BROKEN] = "seal_broken",
    [CHECKLIST_EFFECT_BUYER_DAMAGE] = "buyer_damage",
    [CHECKLIST_EFFECT_DEFECT] = "defect",
    [CHECKLIST_EFFECT_HANDLED] = "handled_beyond_trial",
    [CHECKLIST_EFFECT_GRADE] = "grade",
    [CHECKLIST_EFFECT_BLOCK] = "block",
};

const char *checklist_step_kind_name(enum checklist_step_kind kind)
{
	if ((unsigned)kind >= CHECKLIST_ARRAY_SIZE(checklist_kind_names))
		return "unknown";
	return checklist_kind_names[kind];
}

__attribute__((format(printf, 3, 4))) void
checklist_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Valid UTF-8 without control characters: the text reaches the screen as
 * JSON and the label printer, both of which choke on anything else. */
bool checklist_text_valid(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		unsigned c = *u;
		int n;
		unsigned cp;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			u++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (int i = 1; i <= n; i++) {
			if ((u[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (u[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		u += n + 1;
	}
	return true;
}

bool checklist_id_valid(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return true;
}

bool checklist_parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!((*s >= '0' && *s <= '9') ||
	      ((*s == '-' || *s == '+') && s[1] >= '0' && s[1] <= '9')))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0')
		return false;
	*out = v;
	return true;
}

int checklist_grade_of(const char *s)
{
	static const struct {
		const char *name;
		enum grade grade;
	} grades[] = {
	    {"A", GRADE_A},
	    {"B", GRADE_B},
	    {"C", GRADE_C},
	    {"scrap", GRADE_SCRAP},
	};

	for (size_t i = 0; i < CHECKLIST_ARRAY_SIZE(grades); i++)
		if (strcasecmp(s, grades[i].name) == 0)
			return grades[i].grade;
	return -EINVAL;
}

int checklist_set_add(struct checklist_set *set, const struct checklist *cl)
{
	if (!set || !cl || set->n < 0 || set->n > CHECKLIST_SET_MAX)
		return -EINVAL;
	if (checklist_set_find(set, cl->id, cl->version))
		return -EEXIST;
	if (set->n == CHECKLIST_SET_MAX)
		return -ENOSPC;
	set->lists[set->n++] = *cl;
	return 0;
}

const struct checklist *checklist_set_find(const struct checklist_set *set,
					   const char *id, int version)
{
	if (!set || !id)
		return NULL;
	for (int i = 0; i < set->n && i < CHECKLIST_SET_MAX; i++)
		if (set->lists[i].version == version &&
		    strcmp(set->lists[i].id, id) == 0)
			return &set->lists[i];
	return NULL;
}

static bool checklist_has_category(const struct checklist *cl,
				   const char *category)
{
	for (int i = 0; i < cl->n_categories && i < CHECKLIST_MAX_CATEGORIES;
	     i++)
		if (strcasecmp(cl->categories[i], category) == 0)
			return true;
	return false;
}

static const struct checklist *checklist_best(const struct checklist_set *set,
					      const char *routine,
					      const char *category)
{
	const struct checklist *best = NULL;

	for (int i = 0; i < set->n && i < CHECKLIST_SET_MAX; i++) {
		const struct checklist *cl = &set->lists[i];

		if (strcmp(cl->routine, routine) != 0 ||
		    !checklist_has_category(cl, category))
			continue;
		if (!best || cl->version > best->version)
			best = cl;
	}
	return best;
}

const struct checklist *checklist_for(const struct checklist_set *set,
				      const char *routine, const char *category)
{
	const struct checklist *cl = NULL;

	if (!set || !routine)
		return NULL;
	if (category && category[0])
		cl = checklist_best(set, routine, category);
	if (!cl)
		cl = checklist_best(set, routine, "*");
	return cl;
}
