/* SPDX-License-Identifier: MIT */
/*
 * The checklist template parser: INI text in, a struct checklist out, or
 * "line N: what is wrong".
 *
 * inih does the INI syntax; we feed it through our own line reader so that
 * the text needs no NUL terminator, every error carries the real line
 * number, over-long lines are refused instead of split, and section headers
 * are seen even when a section has no keys.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "checklist_parts.h"
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
