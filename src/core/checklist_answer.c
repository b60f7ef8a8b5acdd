/* SPDX-License-Identifier: MIT */
/*
 * The clerk's answers to a checklist: each one validated and normalised for
 * its step (yes/no, a listed choice, a measure inside its bounds, a photo's
 * hash), then all of them turned into the found_item flags the rules engine
 * reads.  Nothing here decides a return: the rules engine does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checklist_parts.h"
#include "retour/checklist.h"

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
