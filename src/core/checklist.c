/* SPDX-License-Identifier: MIT */
/*
 * Checklist templates: parsing the INI text, choosing a template for an
 * item, validating answers and turning them into found_item flags.
 *
 * inih does the INI syntax; we feed it through our own line reader so that
 * the text needs no NUL terminator, every error carries the real line
 * number, over-long lines are refused instead of split, and section headers
 * are seen even when a section has no keys.  Pure: no files, no clock, no
 * allocation.  Deliberately no expressions, conditions or per-choice
 * effects: a template that needs logic is a sign the rules engine should
 * own it.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "retour/checklist.h"

enum checklist_key {
	CHECKLIST_KEY_ID,
	CHECKLIST_KEY_VERSION,
	CHECKLIST_KEY_ROUTINE,
	CHECKLIST_KEY_CATEGORIES,
	CHECKLIST_KEY_KIND,
	CHECKLIST_KEY_TEXT,
	CHECKLIST_KEY_TEXT_PL,
	CHECKLIST_KEY_CHOICES,
	CHECKLIST_KEY_EFFECT,
	CHECKLIST_KEY_ON_FAIL,
	CHECKLIST_KEY_UNIT,
	CHECKLIST_KEY_MIN,
	CHECKLIST_KEY_MAX,
	CHECKLIST_KEY_COUNT,
};

static const char *const checklist_key_names[CHECKLIST_KEY_COUNT] = {
    "id",      "version", "routine", "categories", "kind", "text", "text_pl",
    "choices", "effect",  "on_fail", "unit",	   "min",  "max",
};

enum checklist_section {
	CHECKLIST_SECTION_NONE,
	CHECKLIST_SECTION_HEAD,
	CHECKLIST_SECTION_STEP,
};

struct checklist_parser {
	const char *text;
	size_t len;
	size_t pos;
	int lineno;
	bool failed;
	char *err;
	size_t errlen;
	struct checklist *out;

	enum checklist_section section;
	int section_line;
	/* line of each key in the current section, 0 when absent */
	int key_line[CHECKLIST_KEY_COUNT];
	/* the [checklist] section's keys survive until the end */
	int head_line;
	int head_key_line[CHECKLIST_KEY_COUNT];
};

static const char *const checklist_kind_names[] = {
    [CHECKLIST_PASS_FAIL] = "pass_fail",     [CHECKLIST_CHOICE] = "choice",
    [CHECKLIST_MEASURE] = "measure",	     [CHECKLIST_PHOTO] = "photo",
    [CHECKLIST_INSTRUCTION] = "instruction",
};

static const char *const checklist_effect_names[] = {
    [CHECKLIST_EFFECT_NONE] = "none",
    [CHECKLIST_EFFECT_SEAL_BROKEN] = "seal_broken",
    [CHECKLIST_EFFECT_BUYER_DAMAGE] = "buyer_damage",
    [CHECKLIST_EFFECT_DEFECT] = "defect",
    [CHECKLIST_EFFECT_HANDLED] = "handled_beyond_trial",
    [CHECKLIST_EFFECT_GRADE] = "grade",
    [CHECKLIST_EFFECT_BLOCK] = "block",
};

#define CHECKLIST_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *checklist_step_kind_name(enum checklist_step_kind kind)
{
	if ((unsigned)kind >= CHECKLIST_ARRAY_SIZE(checklist_kind_names))
		return "unknown";
	return checklist_kind_names[kind];
}

const char *checklist_effect_name(enum checklist_effect effect)
{
	if ((unsigned)effect >= CHECKLIST_ARRAY_SIZE(checklist_effect_names))
		return "unknown";
	return checklist_effect_names[effect];
}

__attribute__((format(printf, 3, 4))) static void
checklist_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Record the first error only: later ones are usually its echo. */
__attribute__((format(printf, 3, 4))) static void
checklist_parser_fail(struct checklist_parser *p, int line, const char *fmt,
		      ...)
{
	char what[200];
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	checklist_errf(p->err, p->errlen, "line %d: %s", line, what);
}

/* Valid UTF-8 without control characters: the text reaches the screen as
 * JSON and the label printer, both of which choke on anything else. */
static bool checklist_text_valid(const char *s)
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

static bool checklist_id_valid(const char *s, size_t max)
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

static bool checklist_parse_int64(const char *s, int64_t *out)
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

static int checklist_grade_of(const char *s)
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

/*
 * Split a comma list into fixed-size slots.  Returns the number of items or
 * -EINVAL after reporting what is wrong.
 */
static int checklist_split(struct checklist_parser *p, const char *key,
			   const char *value, char *slots, size_t slot_size,
			   int max_slots)
{
	const char *s = value;
	int n = 0;

	for (;;) {
		const char *start = s, *end;
		size_t len;
		char *slot;

		while (*start == ' ' || *start == '\t')
			start++;
		end = strchr(start, ',');
		if (!end)
			end = start + strlen(start);
		s = end;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		len = (size_t)(end - start);
		if (len == 0) {
			checklist_parser_fail(p, p->lineno,
					      "'%s' has an empty item", key);
			return -EINVAL;
		}
		if (len >= slot_size) {
			checklist_parser_fail(
			    p, p->lineno,
			    "'%s': '%.*s' is longer than %zu bytes", key,
			    (int)len, start, slot_size - 1);
			return -EINVAL;
		}
		if (n == max_slots) {
			checklist_parser_fail(p, p->lineno,
					      "'%s' has more than %d items",
					      key, max_slots);
			return -EINVAL;
		}
		slot = slots + (size_t)n * slot_size;
		memcpy(slot, start, len);
		slot[len] = '\0';
		if (!checklist_text_valid(slot)) {
			checklist_parser_fail(
			    p, p->lineno,
			    "'%s': item %d is not valid UTF-8 text", key,
			    n + 1);
			return -EINVAL;
		}
		for (int i = 0; i < n; i++) {
			if (strcasecmp(slots + (size_t)i * slot_size, slot) ==
			    0) {
				checklist_parser_fail(p, p->lineno,
						      "'%s' lists '%s' twice",
						      key, slot);
				return -EINVAL;
			}
		}
		n++;
		if (*s == '\0')
			return n;
		s++;
	}
}

static int checklist_copy_text(struct checklist_parser *p, const char *key,
			       const char *value, char *dst, size_t size)
{
	size_t n = strlen(value);

	if (n == 0) {
		checklist_parser_fail(p, p->lineno, "'%s' is empty", key);
		return -EINVAL;
	}
	if (n >= size) {
		checklist_parser_fail(p, p->lineno,
				      "'%s' is longer than %zu bytes", key,
				      size - 1);
		return -EINVAL;
	}
	if (!checklist_text_valid(value)) {
		checklist_parser_fail(p, p->lineno,
				      "'%s' is not valid UTF-8 text", key);
		return -EINVAL;
	}
	memcpy(dst, value, n + 1);
	return 0;
}

static int checklist_head_key(struct checklist_parser *p,
			      enum checklist_key key, const char *value)
{
	struct checklist *cl = p->out;
	int64_t v;

	switch (key) {
	case CHECKLIST_KEY_ID:
		if (!checklist_id_valid(value, sizeof(cl->id) - 1)) {
			checklist_parser_fail(p, p->lineno,
					      "id '%s' must be 1-%zu letters, "
					      "digits, '_', '-' or '.'",
					      value, sizeof(cl->id) - 1);
			return -EINVAL;
		}
		strcpy(cl->id, value);
		return 0;
	case CHECKLIST_KEY_VERSION:
		if (!checklist_parse_int64(value, &v) || v < 1 || v > INT_MAX) {
			checklist_parser_fail(
			    p, p->lineno,
			    "version '%s' is not a positive whole number",
			    value);
			return -EINVAL;
		}
		cl->version = (int)v;
		return 0;
	case CHECKLIST_KEY_ROUTINE:
		if (strcmp(value, "return") != 0 &&
		    strcmp(value, "ship_qc") != 0) {
			checklist_parser_fail(
			    p, p->lineno,
			    "routine '%s' is not return or ship_qc", value);
			return -EINVAL;
		}
		strcpy(cl->routine, value);
		return 0;
	case CHECKLIST_KEY_CATEGORIES: {
		int n = checklist_split(
		    p, "categories", value, &cl->categories[0][0],
		    sizeof(cl->categories[0]), CHECKLIST_MAX_CATEGORIES);

		if (n < 0)
			return n;
		cl->n_categories = n;
		return 0;
	}
	default:
		checklist_parser_fail(p, p->lineno,
				      "unknown key '%s' in [checklist]",
				      checklist_key_names[key]);
		return -EINVAL;
	}
}

static int checklist_lookup(const char *const names[], size_t n,
			    const char *value)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], value) == 0)
			return (int)i;
	return -1;
}

static int checklist_step_key(struct checklist_parser *p,
			      enum checklist_key key, const char *value)
{
	struct checklist_step *st = &p->out->steps[p->out->n_steps - 1];
	int i;

	switch (key) {
	case CHECKLIST_KEY_KIND:
		i = checklist_lookup(checklist_kind_names,
				     CHECKLIST_ARRAY_SIZE(checklist_kind_names),
				     value);
		if (i < 0) {
			checklist_parser_fail(
			    p, p->lineno,
			    "unknown kind '%s' (pass_fail, choice, measure, "
			    "photo, instruction)",
			    value);
			return -EINVAL;
		}
		st->kind = (enum checklist_step_kind)i;
		return 0;
	case CHECKLIST_KEY_TEXT:
		return checklist_copy_text(p, "text", value, st->text,
					   sizeof(st->text));
	case CHECKLIST_KEY_TEXT_PL:
		return checklist_copy_text(p, "text_pl", value, st->text_pl,
					   sizeof(st->text_pl));
	case CHECKLIST_KEY_CHOICES:
		i = checklist_split(p, "choices", value, &st->choices[0][0],
				    sizeof(st->choices[0]),
				    CHECKLIST_MAX_CHOICES);
		if (i < 0)
			return i;
		st->n_choices = i;
		return 0;
	case CHECKLIST_KEY_EFFECT:
		if (strcmp(value, "grade") == 0) {
			st->effect = CHECKLIST_EFFECT_GRADE;
		} else if (strcmp(value, "none") == 0) {
			st->effect = CHECKLIST_EFFECT_NONE;
		} else {
			checklist_parser_fail(
			    p, p->lineno, "unknown effect '%s' (grade, none)",
			    value);
			return -EINVAL;
		}
		return 0;
	case CHECKLIST_KEY_ON_FAIL:
		i = checklist_lookup(
		    checklist_effect_names,
		    CHECKLIST_ARRAY_SIZE(checklist_effect_names), value);
		if (i < 0 || i == CHECKLIST_EFFECT_GRADE) {
			checklist_parser_fail(
			    p, p->lineno,
			    "unknown on_fail '%s' (seal_broken, buyer_damage, "
			    "defect, handled_beyond_trial, block, none)",
			    value);
			return -EINVAL;
		}
		st->effect = (enum checklist_effect)i;
		return 0;
	case CHECKLIST_KEY_UNIT:
		return checklist_copy_text(p, "unit", value, st->unit,
					   sizeof(st->unit));
	case CHECKLIST_KEY_MIN:
	case CHECKLIST_KEY_MAX:
		if (!checklist_parse_int64(value, key == CHECKLIST_KEY_MIN
						      ? &st->min
						      : &st->max)) {
			checklist_parser_fail(p, p->lineno,
					      "%s '%s' is not a whole number",
					      checklist_key_names[key], value);
			return -EINVAL;
		}
		return 0;
	default:
		checklist_parser_fail(p, p->lineno,
				      "unknown key '%s' in [step %s]",
				      checklist_key_names[key], st->id);
		return -EINVAL;
	}
}

/* Checks that need the whole step: keys may come in any order. */
static void checklist_step_finish(struct checklist_parser *p)
{
	struct checklist_step *st = &p->out->steps[p->out->n_steps - 1];
	const int *kl = p->key_line;
	static const struct {
		enum checklist_key key;
		enum checklist_step_kind kind;
	} only_for[] = {
	    {CHECKLIST_KEY_CHOICES, CHECKLIST_CHOICE},
	    {CHECKLIST_KEY_EFFECT, CHECKLIST_CHOICE},
	    {CHECKLIST_KEY_ON_FAIL, CHECKLIST_PASS_FAIL},
	    {CHECKLIST_KEY_UNIT, CHECKLIST_MEASURE},
	    {CHECKLIST_KEY_MIN, CHECKLIST_MEASURE},
	    {CHECKLIST_KEY_MAX, CHECKLIST_MEASURE},
	};

	if (!kl[CHECKLIST_KEY_KIND]) {
		checklist_parser_fail(p, p->section_line,
				      "step '%s' has no kind", st->id);
		return;
	}
	if (!kl[CHECKLIST_KEY_TEXT]) {
		checklist_parser_fail(p, p->section_line,
				      "step '%s' has no text", st->id);
		return;
	}
	for (size_t i = 0; i < CHECKLIST_ARRAY_SIZE(only_for); i++) {
		if (kl[only_for[i].key] && st->kind != only_for[i].kind) {
			checklist_parser_fail(
			    p, kl[only_for[i].key],
			    "'%s' only applies to kind = %s",
			    checklist_key_names[only_for[i].key],
			    checklist_kind_names[only_for[i].kind]);
			return;
		}
	}
	if (st->kind == CHECKLIST_CHOICE && st->n_choices < 2) {
		checklist_parser_fail(
		    p,
		    kl[CHECKLIST_KEY_CHOICES] ? kl[CHECKLIST_KEY_CHOICES]
					      : p->section_line,
		    "step '%s' is a choice without (at least two) choices",
		    st->id);
		return;
	}
	if (st->effect == CHECKLIST_EFFECT_GRADE) {
		for (int i = 0; i < st->n_choices; i++) {
			if (checklist_grade_of(st->choices[i]) < 0) {
				checklist_parser_fail(p,
						      kl[CHECKLIST_KEY_CHOICES],
						      "choice '%s' is not a "
						      "grade (A, B, C, scrap)",
						      st->choices[i]);
				return;
			}
		}
	}
	if (st->kind == CHECKLIST_MEASURE) {
		if (!kl[CHECKLIST_KEY_MIN])
			st->min = 0;
		if (!kl[CHECKLIST_KEY_MAX])
			st->max = INT64_MAX;
		if (st->min > st->max) {
			checklist_parser_fail(
			    p,
			    kl[CHECKLIST_KEY_MAX] ? kl[CHECKLIST_KEY_MAX]
						  : kl[CHECKLIST_KEY_MIN],
			    "min %lld is above max %lld", (long long)st->min,
			    (long long)st->max);
			return;
		}
	}
}

static void checklist_section_end(struct checklist_parser *p)
{
	if (p->section == CHECKLIST_SECTION_STEP)
		checklist_step_finish(p);
	else if (p->section == CHECKLIST_SECTION_HEAD)
		memcpy(p->head_key_line, p->key_line, sizeof(p->key_line));
	memset(p->key_line, 0, sizeof(p->key_line));
}

/* @name is the text between '[' and ']', @n its length. */
static void checklist_section_begin(struct checklist_parser *p,
				    const char *name, size_t n)
{
	struct checklist *cl = p->out;
	struct checklist_step *st;
	char id[64];

	checklist_section_end(p);
	if (p->failed)
		return;
	while (n && (*name == ' ' || *name == '\t'))
		name++, n--;
	while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	p->section_line = p->lineno;

	if (n == strlen("checklist") && memcmp(name, "checklist", n) == 0) {
		if (p->head_line) {
			checklist_parser_fail(
			    p, p->lineno,
			    "second [checklist] section (first on line %d)",
			    p->head_line);
			return;
		}
		p->head_line = p->lineno;
		p->section = CHECKLIST_SECTION_HEAD;
		return;
	}
	if (n < 5 || memcmp(name, "step", 4) != 0 ||
	    (name[4] != ' ' && name[4] != '\t')) {
		checklist_parser_fail(p, p->lineno,
				      "unknown section [%.*s] (expected "
				      "[checklist] or [step <id>])",
				      (int)(n > 40 ? 40 : n), name);
		return;
	}
	name += 5, n -= 5;
	while (n && (*name == ' ' || *name == '\t'))
		name++, n--;
	if (n == 0 || n >= sizeof(id) || n >= sizeof(st->id)) {
		checklist_parser_fail(p, p->lineno,
				      "step id must be 1-%zu characters",
				      sizeof(st->id) - 1);
		return;
	}
	memcpy(id, name, n);
	id[n] = '\0';
	if (!checklist_id_valid(id, sizeof(st->id) - 1)) {
		checklist_parser_fail(p, p->lineno,
				      "step id '%s' may only hold letters, "
				      "digits, '_', '-' and '.'",
				      id);
		return;
	}
	for (int i = 0; i < cl->n_steps; i++) {
		if (strcmp(cl->steps[i].id, id) == 0) {
			checklist_parser_fail(p, p->lineno,
					      "duplicate step id '%s'", id);
			return;
		}
	}
	if (cl->n_steps == CHECKLIST_MAX_STEPS) {
		checklist_parser_fail(p, p->lineno, "more than %d steps",
				      CHECKLIST_MAX_STEPS);
		return;
	}
	st = &cl->steps[cl->n_steps++];
	strcpy(st->id, id);
	p->section = CHECKLIST_SECTION_STEP;
}

/*
 * Look at a raw line before inih does: section headers are handled here
 * (so empty sections are seen), syntax errors get reported in line order,
 * and indented lines are refused because inih would silently take them as
 * the continuation of the previous value.
 */
static void checklist_line_scan(struct checklist_parser *p, const char *line,
				size_t n)
{
	size_t i = 0, bom = 0;
	const char *close;
	bool is_key = false;

	if (p->lineno == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		i = bom = 3;
	while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i == n || line[i] == ';' || line[i] == '#')
		return;
	if (i > bom) {
		checklist_parser_fail(p, p->lineno,
				      "line must not start with a blank");
		return;
	}
	if (line[i] != '[') {
		/* inih: '=' or ':' before any " ;" comment makes a key */
		for (size_t j = i; j < n; j++) {
			if (line[j] == '=' || line[j] == ':') {
				is_key = true;
				break;
			}
			if (line[j] == ';' && j > i &&
			    (line[j - 1] == ' ' || line[j - 1] == '\t'))
				break;
		}
		if (!is_key)
			checklist_parser_fail(
			    p, p->lineno, "expected [section] or key = value");
		return;
	}
	close = memchr(line + i, ']', n - i);
	if (!close) {
		checklist_parser_fail(p, p->lineno,
				      "section header without ']'");
		return;
	}
	checklist_section_begin(p, line + i + 1,
				(size_t)(close - (line + i + 1)));
}

/* fgets-like reader for inih over (text, len), one real line per call. */
static char *checklist_read_line(char *str, int num, void *stream)
{
	struct checklist_parser *p = stream;
	const char *line, *nl;
	size_t n, avail;

	if (p->failed || p->pos >= p->len || num < 3)
		return NULL;
	line = p->text + p->pos;
	avail = p->len - p->pos;
	nl = memchr(line, '\n', avail);
	n = nl ? (size_t)(nl - line) : avail;
	p->pos += nl ? n + 1 : n;
	p->lineno++;

	if (memchr(line, '\0', n)) {
		checklist_parser_fail(p, p->lineno, "NUL byte in the text");
		return NULL;
	}
	if (n > (size_t)num - 3) {
		checklist_parser_fail(p, p->lineno,
				      "line is longer than %d bytes", num - 3);
		return NULL;
	}
	checklist_line_scan(p, line, n);
	if (p->failed)
		return NULL;
	memcpy(str, line, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

static int checklist_ini_handler(void *user, const char *section,
				 const char *name, const char *value)
{
	struct checklist_parser *p = user;
	int key;

	if (p->failed)
		return 0;
	if (p->section == CHECKLIST_SECTION_NONE) {
		checklist_parser_fail(p, p->lineno, "'%s' before any section",
				      name);
		return 0;
	}
	key = checklist_lookup(checklist_key_names, CHECKLIST_KEY_COUNT, name);
	if (key < 0) {
		checklist_parser_fail(p, p->lineno, "unknown key '%s' in [%s]",
				      name, section);
		return 0;
	}
	/* inih also reports an indented line as more of the last value */
	if (p->key_line[key]) {
		checklist_parser_fail(p, p->lineno,
				      "'%s' given twice (first on line %d)",
				      name, p->key_line[key]);
		return 0;
	}
	p->key_line[key] = p->lineno;
	if (p->section == CHECKLIST_SECTION_HEAD)
		return checklist_head_key(p, key, value) == 0;
	return checklist_step_key(p, key, value) == 0;
}

int checklist_parse(const char *text, size_t len, struct checklist *out,
		    char *err, size_t errlen)
{
	struct checklist_parser p = {
	    .text = text,
	    .len = len,
	    .err = err,
	    .errlen = errlen,
	    .out = out,
	};
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!out || (!text && len)) {
		checklist_errf(err, errlen, "line 0: no template given");
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	r = ini_parse_stream(checklist_read_line, &p, checklist_ini_handler,
			     &p);
	if (!p.failed && r != 0)
		checklist_parser_fail(&p, r > 0 ? r : p.lineno,
				      "expected [section] or key = value");
	if (!p.failed)
		checklist_section_end(&p);
	if (p.failed)
		return -EINVAL;

	if (!p.head_line) {
		checklist_parser_fail(&p, 1, "no [checklist] section");
	} else if (!p.head_key_line[CHECKLIST_KEY_ID]) {
		checklist_parser_fail(&p, p.head_line, "[checklist] has no id");
	} else if (!p.head_key_line[CHECKLIST_KEY_VERSION]) {
		checklist_parser_fail(&p, p.head_line,
				      "[checklist] has no version");
	} else if (!p.head_key_line[CHECKLIST_KEY_CATEGORIES]) {
		checklist_parser_fail(&p, p.head_line,
				      "[checklist] has no categories (\"*\" is "
				      "the routine's default)");
	} else if (out->n_steps == 0) {
		checklist_parser_fail(&p, p.lineno,
				      "the checklist has no steps");
	}
	if (p.failed)
		return -EINVAL;
	if (!out->routine[0])
		strcpy(out->routine, "return");
	return 0;
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

static int checklist_put(char *norm, size_t normlen, const char *s, size_t n)
{
	if (!norm || n + 1 > normlen)
		return -ENOSPC;
	memcpy(norm, s, n);
	norm[n] = '\0';
	return 0;
}

static bool checklist_word_is(const char *a, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(a, word, n) == 0;
}

int checklist_answer_normalise(const struct checklist_step *step,
			       const char *answer, char *norm, size_t normlen,
			       char *err, size_t errlen)
{
	static const char *const pass_words[] = {"pass", "yes", "ok",
						 "1",	 "tak", "y"};
	static const char *const fail_words[] = {"fail", "no", "0", "nie", "n"};
	const char *a;
	size_t n;

	if (err && errlen)
		err[0] = '\0';
	if (!step || !answer) {
		checklist_errf(err, errlen, "no answer");
		return -EINVAL;
	}
	a = answer;
	while (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n')
		a++;
	n = strlen(a);
	while (n && (a[n - 1] == ' ' || a[n - 1] == '\t' || a[n - 1] == '\r' ||
		     a[n - 1] == '\n'))
		n--;
	if (n == 0) {
		checklist_errf(err, errlen, "the answer is empty");
		return -EINVAL;
	}

	switch (step->kind) {
	case CHECKLIST_PASS_FAIL:
		for (size_t i = 0; i < CHECKLIST_ARRAY_SIZE(pass_words); i++)
			if (checklist_word_is(a, n, pass_words[i]))
				return checklist_put(norm, normlen, "pass", 4);
		for (size_t i = 0; i < CHECKLIST_ARRAY_SIZE(fail_words); i++)
			if (checklist_word_is(a, n, fail_words[i]))
				return checklist_put(norm, normlen, "fail", 4);
		checklist_errf(err, errlen, "'%.*s' is neither pass nor fail",
			       (int)(n > 32 ? 32 : n), a);
		return -EINVAL;
	case CHECKLIST_CHOICE:
		for (int i = 0;
		     i < step->n_choices && i < CHECKLIST_MAX_CHOICES; i++) {
			const char *c = step->choices[i];

			if (checklist_word_is(a, n, c))
				return checklist_put(norm, normlen, c,
						     strlen(c));
		}
		checklist_errf(err, errlen, "'%.*s' is not one of the choices",
			       (int)(n > 32 ? 32 : n), a);
		return -EINVAL;
	case CHECKLIST_MEASURE: {
		char digits[32], out[24];
		int64_t v;
		int w;

		if (n >= sizeof(digits)) {
			checklist_errf(err, errlen,
				       "the measurement is not a whole number");
			return -EINVAL;
		}
		memcpy(digits, a, n);
		digits[n] = '\0';
		if (!checklist_parse_int64(digits, &v)) {
			checklist_errf(err, errlen,
				       "'%s' is not a whole number%s%s", digits,
				       step->unit[0] ? " of " : "", step->unit);
			return -EINVAL;
		}
		if (v < step->min || v > step->max) {
			checklist_errf(
			    err, errlen, "%lld%s is outside %lld..%lld",
			    (long long)v, step->unit, (long long)step->min,
			    (long long)step->max);
			return -EINVAL;
		}
		w = snprintf(out, sizeof(out), "%lld", (long long)v);
		return checklist_put(norm, normlen, out, (size_t)w);
	}
	case CHECKLIST_PHOTO: {
		char hex[65];

		if (n != 64) {
			checklist_errf(
			    err, errlen,
			    "a photo answer is its sha256: 64 hex digits");
			return -EINVAL;
		}
		for (size_t i = 0; i < 64; i++) {
			char c = a[i];

			if (c >= 'A' && c <= 'F')
				c = (char)(c - 'A' + 'a');
			if (!((c >= '0' && c <= '9') ||
			      (c >= 'a' && c <= 'f'))) {
				checklist_errf(err, errlen,
					       "a photo answer is its sha256: "
					       "64 hex digits");
				return -EINVAL;
			}
			hex[i] = c;
		}
		return checklist_put(norm, normlen, hex, 64);
	}
	case CHECKLIST_INSTRUCTION:
		if (checklist_word_is(a, n, "done"))
			return checklist_put(norm, normlen, "done", 4);
		checklist_errf(err, errlen,
			       "an instruction is answered 'done'");
		return -EINVAL;
	}
	checklist_errf(err, errlen, "the step has an unknown kind");
	return -EINVAL;
}

int checklist_apply(const struct checklist *cl, const char *const answers[],
		    struct found_item *item)
{
	int blocked = 0;

	if (!cl || !answers || cl->n_steps < 0 ||
	    cl->n_steps > CHECKLIST_MAX_STEPS)
		return -EINVAL;
	for (int i = 0; i < cl->n_steps; i++) {
		const struct checklist_step *st = &cl->steps[i];
		const char *a = answers[i];
		bool failed = a && st->kind == CHECKLIST_PASS_FAIL &&
			      strcmp(a, "fail") == 0;
		int g;

		switch (st->effect) {
		case CHECKLIST_EFFECT_NONE:
			break;
		case CHECKLIST_EFFECT_SEAL_BROKEN:
			if (failed && item)
				item->seal_broken = true;
			break;
		case CHECKLIST_EFFECT_BUYER_DAMAGE:
			if (failed && item)
				item->buyer_damage = true;
			break;
		case CHECKLIST_EFFECT_DEFECT:
			if (failed && item)
				item->defect = true;
			break;
		case CHECKLIST_EFFECT_HANDLED:
			if (failed && item)
				item->handled_beyond_trial = true;
			break;
		case CHECKLIST_EFFECT_GRADE:
			g = a ? checklist_grade_of(a) : -EINVAL;
			if (g >= 0 && item)
				item->grade = (enum grade)g;
			break;
		case CHECKLIST_EFFECT_BLOCK:
			/* fail safe: only an explicit pass lets QC through */
			if (!a || strcmp(a, "pass") != 0)
				blocked++;
			break;
		}
	}
	return blocked;
}
