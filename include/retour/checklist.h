/* SPDX-License-Identifier: MIT */
/*
 * Inspection checklists.
 *
 * A checklist template is versioned data, not code: an INI text with one
 * [checklist] section (id, version, routine, categories) and one
 * [step <id>] section per step, kept in file order.  The template is chosen
 * by the routine ("return" or "ship_qc") and the item's category; a record
 * stores the template id and version it was answered with.
 *
 *   [checklist]
 *   id = electronics
 *   version = 3
 *   routine = return            ; return | ship_qc
 *   categories = electronics, phones   ; "*": default for the routine
 *
 *   [step seal]
 *   kind = pass_fail            ; pass_fail|choice|measure|photo|instruction
 *   text = Factory seal intact?
 *   text_pl = Czy plomba fabryczna jest nienaruszona?
 *   on_fail = seal_broken       ; seal_broken | buyer_damage | defect |
 *                               ; handled_beyond_trial | block
 *   [step grade]
 *   kind = choice
 *   text = Grade
 *   choices = A, B, C, scrap
 *   effect = grade              ; the answer sets the item's grade
 *   [step weight_box]
 *   kind = measure
 *   text = Box weight
 *   unit = g
 *   min = 0                     ; default 0
 *   max = 50000                 ; default: no upper limit
 *
 * Every step needs kind and text; text_pl is optional (empty: show text).
 * on_fail belongs to pass_fail steps, effect (grade | none) to choices,
 * unit/min/max to measures.  A ';' after whitespace starts a comment, so
 * texts cannot contain " ;".  Lines may not be indented (inih would take
 * them as the previous value's continuation) nor exceed 197 bytes.
 *
 * This module is pure: the shell reads the files and passes their text.
 * It does not store answers, nor decide anything beyond setting the
 * found_item flags the rules engine reads.
 */
#ifndef RETOUR_CHECKLIST_H
#define RETOUR_CHECKLIST_H

#include <stddef.h>
#include <stdint.h>

#include "retour/returns.h"

#define CHECKLIST_MAX_STEPS 24
#define CHECKLIST_MAX_CHOICES 8
#define CHECKLIST_MAX_CATEGORIES 8
#define CHECKLIST_SET_MAX 16
/* Longest normalised answer (a photo's sha256 in hex) plus its NUL. */
#define CHECKLIST_ANSWER_LEN 65

enum checklist_step_kind {
	CHECKLIST_PASS_FAIL,
	CHECKLIST_CHOICE,
	CHECKLIST_MEASURE,
	CHECKLIST_PHOTO,
	CHECKLIST_INSTRUCTION,
};

enum checklist_effect {
	CHECKLIST_EFFECT_NONE,
	CHECKLIST_EFFECT_SEAL_BROKEN,  /* on fail: found_item.seal_broken */
	CHECKLIST_EFFECT_BUYER_DAMAGE, /* on fail: found_item.buyer_damage */
	CHECKLIST_EFFECT_DEFECT,       /* on fail: found_item.defect */
	CHECKLIST_EFFECT_HANDLED,      /* on fail: handled_beyond_trial */
	CHECKLIST_EFFECT_GRADE,	       /* choice: the answer is the grade */
	CHECKLIST_EFFECT_BLOCK,	       /* on fail: ship-QC cannot pass */
};

struct checklist_step {
	char id[32];
	enum checklist_step_kind kind;
	char text[128];
	char text_pl[128];
	char choices[CHECKLIST_MAX_CHOICES][16];
	int n_choices;
	int64_t min, max; /* measure: inclusive bounds */
	char unit[8];	  /* measure: "g", "mm", ... */
	enum checklist_effect effect;
};

struct checklist {
	char id[32];
	int version;
	char routine[16]; /* "return" or "ship_qc" */
	char categories[CHECKLIST_MAX_CATEGORIES][32];
	int n_categories;
	int n_steps;
	struct checklist_step steps[CHECKLIST_MAX_STEPS];
};

/*
 * Parse one template from @text (@len bytes, need not be NUL-terminated).
 * Returns 0, or -EINVAL with @err set to "line N: what is wrong" for:
 * syntax errors, unknown sections or keys, a key given twice, unknown kinds
 * or effects, duplicate step ids, a missing id/version/categories, a step
 * without kind or text, a choice without choices, a grade choice that is not
 * a grade, min > max, more than CHECKLIST_MAX_STEPS steps, text that is not
 * UTF-8 or too long.  @out is zeroed first; on error its content is
 * unspecified.  @err may be NULL.
 */
int checklist_parse(const char *text, size_t len, struct checklist *out,
		    char *err, size_t errlen);

const char *checklist_step_kind_name(enum checklist_step_kind kind);

/* The templates the shell loaded; lists[0..n) are valid. */
struct checklist_set {
	int n;
	struct checklist lists[CHECKLIST_SET_MAX];
};

/* Copy @cl into @set.  -EEXIST if that id and version is already there,
 * -ENOSPC when the set is full. */
int checklist_set_add(struct checklist_set *set, const struct checklist *cl);

/* The template with @id and @version (to show an old record), or NULL. */
const struct checklist *checklist_set_find(const struct checklist_set *set,
					   const char *id, int version);

/*
 * The template for an item of @category in @routine: a template naming the
 * category (ASCII case-insensitive) first, else the routine's "*" template;
 * among several candidates the highest version wins.  NULL when none fits.
 * @category may be NULL or "" (then only "*" matches).
 */
const struct checklist *checklist_for(const struct checklist_set *set,
				      const char *routine,
				      const char *category);

/*
 * Validate and normalise one answer for @step (surrounding blanks ignored):
 *   pass_fail:   pass/fail, yes/no, ok, 1/0, tak/nie -> "pass" / "fail"
 *   choice:      one of the choices, any ASCII case -> the template's spelling
 *   measure:     a decimal integer within [min, max] -> canonical digits
 *   photo:       the photo's sha256, 64 hex digits -> lower case
 *   instruction: "done" -> "done"
 * Returns 0; -EINVAL with @err saying why the answer is refused; -ENOSPC
 * when @normlen is too small (CHECKLIST_ANSWER_LEN is always enough).
 */
int checklist_answer_normalise(const struct checklist_step *step,
			       const char *answer, char *norm, size_t normlen,
			       char *err, size_t errlen);

/*
 * Apply normalised answers (answers[i] belongs to cl->steps[i]; NULL when
 * unanswered) to what was found for one item: a "fail" on a step with a
 * flag effect sets that flag, a grade choice sets the grade.  Flags are only
 * ever set, never cleared, so several steps may raise the same flag.  @item
 * may be NULL (ship-QC has no found item).
 * Returns the number of BLOCK steps that did not pass (an unanswered or
 * unrecognised answer counts as not passed), or -EINVAL.
 */
int checklist_apply(const struct checklist *cl, const char *const answers[],
		    struct found_item *item);

#endif
