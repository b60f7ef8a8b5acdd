/* SPDX-License-Identifier: MIT */
/*
 * Checklist templates: the shipped files parse into what the desk needs,
 * broken templates are refused with the line at fault, answers are
 * normalised or refused, and answers turn into the flags the rules read.
 * Runs from the repository root (reads the files in checklists/).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "retour/checklist.h"

static char *test_checklist_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_checklist_load(const char *path, struct checklist *cl)
{
	char err[256];
	size_t len;
	char *text = test_checklist_read(path, &len);
	int r = checklist_parse(text, len, cl, err, sizeof(err));

	if (r != 0)
		fail_msg("%s: %s", path, err);
	free(text);
}

static const struct checklist_step *
test_checklist_step(const struct checklist *cl, const char *id)
{
	for (int i = 0; i < cl->n_steps; i++)
		if (strcmp(cl->steps[i].id, id) == 0)
			return &cl->steps[i];
	fail_msg("%s has no step %s", cl->id, id);
	return NULL;
}

static const char *const test_checklist_files[] = {
    "checklists/default-return.ini", "checklists/apparel.ini",
    "checklists/electronics.ini",    "checklists/hygiene.ini",
    "checklists/ship-qc.ini",
};

static void test_shipped_templates_parse(void **state)
{
	for (size_t i = 0;
	     i < sizeof(test_checklist_files) / sizeof(test_checklist_files[0]);
	     i++) {
		struct checklist cl;

		test_checklist_load(test_checklist_files[i], &cl);
		assert_true(cl.version >= 1);
		assert_true(cl.n_steps >= 1);
		assert_true(cl.n_categories >= 1);
		/* the kiosk is in Polish and English: every step has both */
		for (int s = 0; s < cl.n_steps; s++) {
			if (cl.steps[s].text[0] == '\0' ||
			    cl.steps[s].text_pl[0] == '\0')
				fail_msg("%s step %s lacks text or text_pl",
					 cl.id, cl.steps[s].id);
		}
	}
}

static void test_electronics_template(void **state)
{
	struct checklist cl;
	const struct checklist_step *st;

	test_checklist_load("checklists/electronics.ini", &cl);
	assert_string_equal(cl.id, "electronics");
	assert_string_equal(cl.routine, "return");
	assert_string_equal(cl.categories[0], "electronics");
	assert_string_equal(cl.steps[0].id, "seal"); /* file order */
	assert_int_equal(cl.steps[0].effect, CHECKLIST_EFFECT_SEAL_BROKEN);
	assert_string_equal(cl.steps[0].text_pl,
			    "Czy plomba fabryczna jest nienaruszona?");
	st = test_checklist_step(&cl, "powers_on");
	assert_int_equal(st->kind, CHECKLIST_PASS_FAIL);
	assert_int_equal(st->effect, CHECKLIST_EFFECT_DEFECT);
	st = test_checklist_step(&cl, "damage");
	assert_int_equal(st->effect, CHECKLIST_EFFECT_BUYER_DAMAGE);
	st = test_checklist_step(&cl, "accessories");
	assert_int_equal(st->kind, CHECKLIST_PASS_FAIL);
	st = test_checklist_step(&cl, "grade");
	assert_int_equal(st->kind, CHECKLIST_CHOICE);
	assert_int_equal(st->effect, CHECKLIST_EFFECT_GRADE);
	assert_int_equal(st->n_choices, 4);
	assert_string_equal(st->choices[3], "scrap");
	assert_string_equal(cl.steps[cl.n_steps - 1].id, "grade");
}

static void test_other_templates(void **state)
{
	struct checklist cl;

	test_checklist_load("checklists/apparel.ini", &cl);
	assert_int_equal(test_checklist_step(&cl, "tags")->effect,
			 CHECKLIST_EFFECT_HANDLED);
	assert_int_equal(test_checklist_step(&cl, "stains")->effect,
			 CHECKLIST_EFFECT_BUYER_DAMAGE);
	assert_int_equal(test_checklist_step(&cl, "grade")->effect,
			 CHECKLIST_EFFECT_GRADE);

	test_checklist_load("checklists/hygiene.ini", &cl);
	assert_int_equal(test_checklist_step(&cl, "seal")->effect,
			 CHECKLIST_EFFECT_SEAL_BROKEN);

	test_checklist_load("checklists/default-return.ini", &cl);
	assert_int_equal(cl.n_categories, 1);
	assert_string_equal(cl.categories[0], "*");
	assert_string_equal(cl.routine, "return");
	assert_int_equal(test_checklist_step(&cl, "complete")->effect,
			 CHECKLIST_EFFECT_HANDLED);
	assert_int_equal(test_checklist_step(&cl, "packaging")->effect,
			 CHECKLIST_EFFECT_NONE);

	test_checklist_load("checklists/ship-qc.ini", &cl);
	assert_string_equal(cl.routine, "ship_qc");
	assert_int_equal(cl.n_steps, 3);
	for (int i = 0; i < cl.n_steps; i++) {
		assert_int_equal(cl.steps[i].kind, CHECKLIST_PASS_FAIL);
		assert_int_equal(cl.steps[i].effect, CHECKLIST_EFFECT_BLOCK);
	}
}

static const char test_checklist_example[] =
    "[checklist]\n"
    "id = electronics\n"
    "version = 3\n"
    "routine = return            ; return | ship_qc\n"
    "categories = electronics, phones   ; the item categories\n"
    "\n"
    "[step seal]\n"
    "kind = pass_fail\n"
    "text = Factory seal intact?\n"
    "text_pl = Czy plomba fabryczna jest nienaruszona?\n"
    "on_fail = seal_broken\n"
    "[step grade]\n"
    "kind = choice\n"
    "text = Grade\n"
    "choices = A, B, C, scrap\n"
    "effect = grade\n"
    "[step weight_box]\n"
    "kind = measure\n"
    "text = Box weight\n"
    "unit = g\n"
    "min = 0\n"
    "max = 50000\n"
    "[step look]\n"
    "kind = instruction\n"
    "text = Look inside the box.\n";

static void test_example_parses(void **state)
{
	struct checklist cl;
	char err[128];
	const struct checklist_step *st;

	assert_int_equal(checklist_parse(test_checklist_example,
					 strlen(test_checklist_example), &cl,
					 err, sizeof(err)),
			 0);
	assert_string_equal(cl.id, "electronics");
	assert_int_equal(cl.version, 3);
	assert_int_equal(cl.n_categories, 2);
	assert_string_equal(cl.categories[1], "phones");
	assert_int_equal(cl.n_steps, 4);
	st = &cl.steps[2];
	assert_string_equal(st->id, "weight_box");
	assert_int_equal(st->kind, CHECKLIST_MEASURE);
	assert_string_equal(st->unit, "g");
	assert_true(st->min == 0 && st->max == 50000);
	assert_int_equal(cl.steps[3].kind, CHECKLIST_INSTRUCTION);
}

/* The parser must stop at @len: what follows is not part of the text. */
static void test_parse_honours_length(void **state)
{
	struct checklist cl;
	char err[128];
	size_t n = strlen(test_checklist_example);
	char *buf = malloc(n + 32);

	assert_non_null(buf);
	memcpy(buf, test_checklist_example, n);
	memcpy(buf + n, "[bogus]\n\x01\x02 not ini", 19);
	assert_int_equal(checklist_parse(buf, n, &cl, err, sizeof(err)), 0);
	/* cut inside the [checklist] section: no steps yet */
	assert_int_equal(checklist_parse(buf, 60, &cl, err, sizeof(err)),
			 -EINVAL);
	free(buf);
}

#define HEAD "[checklist]\nid = t\nversion = 1\ncategories = *\n"
#define STEP "[step a]\nkind = pass_fail\ntext = Ok?\n"

static const struct {
	const char *text;
	const char *err; /* expected start of the message */
} test_checklist_errors[] = {
    {"", "line 1: no [checklist] section"},
    {"id = x\n" HEAD STEP, "line 1: 'id' before any section"},
    {"[checklist]\nversion = 1\ncategories = *\n" STEP,
     "line 1: [checklist] has no id"},
    {"[checklist]\nid = t\ncategories = *\n" STEP,
     "line 1: [checklist] has no version"},
    {"[checklist]\nid = t\nversion = 1\n" STEP,
     "line 1: [checklist] has no categories"},
    {HEAD, "line 4: the checklist has no steps"},
    {HEAD STEP "colour = red\n", "line 8: unknown key 'colour'"},
    {HEAD "owner = me\n" STEP, "line 5: unknown key 'owner'"},
    {HEAD "[step a]\nkind = checkbox\ntext = x\n",
     "line 6: unknown kind 'checkbox'"},
    {HEAD STEP STEP, "line 8: duplicate step id 'a'"},
    {HEAD "[step g]\nkind = choice\ntext = Grade\n",
     "line 5: step 'g' is a choice without"},
    {HEAD "[step g]\nkind = choice\ntext = Grade\nchoices = A\n",
     "line 8: step 'g' is a choice without"},
    {HEAD "[step g]\nkind = choice\ntext = G\nchoices = A, ,B\n",
     "line 8: 'choices' has an empty item"},
    {HEAD "[step g]\nkind = choice\ntext = G\nchoices = A, a\n",
     "line 8: 'choices' lists 'a' twice"},
    {HEAD "[step g]\nkind = choice\ntext = G\nchoices = A, B, "
	  "C, D, E, F, G, H, I\n",
     "line 8: 'choices' has more than 8 items"},
    {HEAD "[step g]\nkind = choice\ntext = G\nchoices = A, Z\n"
	  "effect = grade\n",
     "line 8: choice 'Z' is not a grade"},
    {HEAD "[step a]\nkind = choice\ntext = G\nchoices = A, B\n"
	  "on_fail = defect\n",
     "line 9: 'on_fail' only applies to kind = pass_fail"},
    {HEAD "[step a]\nkind = pass_fail\ntext = G\nunit = g\n",
     "line 8: 'unit' only applies to kind = measure"},
    {HEAD "[step a]\nkind = pass_fail\ntext = G\non_fail = explode\n",
     "line 8: unknown on_fail 'explode'"},
    {HEAD "[step a]\nkind = measure\ntext = W\nmin = 10\nmax = 5\n",
     "line 9: min 10 is above max 5"},
    {HEAD "[step a]\nkind = measure\ntext = W\nmin = ten\n",
     "line 8: min 'ten' is not a whole number"},
    {HEAD "[step a]\ntext = W\n", "line 5: step 'a' has no kind"},
    {HEAD "[step a]\nkind = photo\n", "line 5: step 'a' has no text"},
    {HEAD "[step a]\nkind = photo\ntext =\n", "line 7: 'text' is empty"},
    {HEAD STEP "text = again\n", "line 8: 'text' given twice"},
    {HEAD STEP "  more text\n", "line 8: line must not start with a blank"},
    {HEAD "[step a]\n\tkind = photo\ntext = P\n",
     "line 6: line must not start with a blank"},
    {HEAD STEP "garbage\n[step b]\nkind = nope\n",
     "line 8: expected [section] or key = value"},
    {HEAD "[stage a]\n", "line 5: unknown section [stage a]"},
    {HEAD "[step]\n", "line 5: unknown section [step]"},
    {HEAD "[step a b]\n", "line 5: step id 'a b' may only"},
    {HEAD "[step a\nkind = photo\n", "line 5: section header without ']'"},
    {HEAD "  [step a]\nkind = photo\n",
     "line 5: line must not start with a blank"},
    {HEAD STEP "[checklist]\n", "line 8: second [checklist] section"},
    {HEAD STEP "this line has no equals sign\n",
     "line 8: expected [section] or key = value"},
    {"[checklist]\nid = t\nversion = 0\n", "line 3: version '0'"},
    {"[checklist]\nid = t\nversion = 3x\n", "line 3: version '3x'"},
    {"[checklist]\nid = t t\n", "line 2: id 't t' must be"},
    {"[checklist]\nroutine = refund\n",
     "line 2: routine 'refund' is not return or ship_qc"},
    {HEAD "[step a]\nkind = photo\ntext = caf\xc3\n",
     "line 7: 'text' is not valid UTF-8"},
    {HEAD "[step a]\nkind = photo\ntext = over\xc0\xaflong\n",
     "line 7: 'text' is not valid UTF-8"},
    {HEAD "[step a]\nkind = photo\ntext = "
	  "0123456789012345678901234567890123456789012345678901234567890"
	  "1234567890123456789012345678901234567890123456789012345678901"
	  "234567\n",
     "line 7: 'text' is longer than 127 bytes"},
};

static void test_parse_errors(void **state)
{
	for (size_t i = 0; i < sizeof(test_checklist_errors) /
				   sizeof(test_checklist_errors[0]);
	     i++) {
		struct checklist cl;
		char err[256];
		const char *t = test_checklist_errors[i].text;
		const char *want = test_checklist_errors[i].err;
		int r = checklist_parse(t, strlen(t), &cl, err, sizeof(err));

		if (r != -EINVAL || strncmp(err, want, strlen(want)) != 0)
			fail_msg("case %zu: rc %d, err \"%s\", want \"%s\"", i,
				 r, err, want);
	}
}

static void test_parse_odd_bytes(void **state)
{
	static const char nul[] = HEAD STEP "text_pl = a\0b\n";
	struct checklist cl;
	char err[256], line[400];
	char *many;
	size_t off;
	int r;

	r = checklist_parse(nul, sizeof(nul) - 1, &cl, err, sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err, "line 8: NUL byte in the text");

	/* a line too long for inih is refused, not split into two */
	memset(line, 'x', sizeof(line));
	memcpy(line, "text_pl = ", 10);
	line[sizeof(line) - 1] = '\n';
	many = malloc(sizeof(HEAD STEP) + sizeof(line));
	assert_non_null(many);
	off = strlen(HEAD STEP);
	memcpy(many, HEAD STEP, off);
	memcpy(many + off, line, sizeof(line));
	r = checklist_parse(many, off + sizeof(line), &cl, err, sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_true(strncmp(err, "line 8: line is longer than", 27) == 0);
	free(many);

	/* NULL error buffer is allowed; CRLF and a BOM are fine */
	r = checklist_parse(HEAD STEP, strlen(HEAD STEP), &cl, NULL, 0);
	assert_int_equal(r, 0);
	{
		static const char crlf[] =
		    "\xef\xbb\xbf[checklist]\r\nid = t\r\n"
		    "version = 2\r\ncategories = *\r\n"
		    "[step a]\r\nkind = photo\r\n"
		    "text = Photo\r\n";

		r = checklist_parse(crlf, strlen(crlf), &cl, err, sizeof(err));
		assert_int_equal(r, 0);
		assert_int_equal(cl.version, 2);
		assert_string_equal(cl.steps[0].text, "Photo");
	}
	assert_int_equal(checklist_parse(NULL, 0, &cl, err, sizeof(err)),
			 -EINVAL);
}

static void test_too_many_steps(void **state)
{
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof(text), "%s", HEAD);
	struct checklist cl;
	char err[128];

	for (int i = 0; i < CHECKLIST_MAX_STEPS; i++)
		n +=
		    (size_t)snprintf(text + n, sizeof(text) - n,
				     "[step s%d]\nkind = photo\ntext = P\n", i);
	assert_int_equal(checklist_parse(text, n, &cl, err, sizeof(err)), 0);
	assert_int_equal(cl.n_steps, CHECKLIST_MAX_STEPS);
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "[step one_more]\nkind = photo\ntext = P\n");
	assert_int_equal(checklist_parse(text, n, &cl, err, sizeof(err)),
			 -EINVAL);
	/* 4 header lines + 24 steps of 3 lines, then the 25th header */
	assert_string_equal(err, "line 77: more than 24 steps");
}

static void test_answer_normalise(void **state)
{
	struct checklist_step pf = {.kind = CHECKLIST_PASS_FAIL};
	struct checklist_step ch = {.kind = CHECKLIST_CHOICE,
				    .choices = {"A", "B", "C", "scrap"},
				    .n_choices = 4};
	struct checklist_step me = {
	    .kind = CHECKLIST_MEASURE, .min = 0, .max = 50000, .unit = "g"};
	struct checklist_step neg = {
	    .kind = CHECKLIST_MEASURE, .min = -40, .max = 40};
	struct checklist_step ph = {.kind = CHECKLIST_PHOTO};
	struct checklist_step in = {.kind = CHECKLIST_INSTRUCTION};
	static const char hex_up[] =
	    "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
	static const char hex_lo[] =
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	const struct {
		const struct checklist_step *step;
		const char *answer;
		int rc;
		const char *norm;
	} cases[] = {
	    {&pf, "pass", 0, "pass"},
	    {&pf, "yes", 0, "pass"},
	    {&pf, " OK \n", 0, "pass"},
	    {&pf, "1", 0, "pass"},
	    {&pf, "Tak", 0, "pass"},
	    {&pf, "FAIL", 0, "fail"},
	    {&pf, "no", 0, "fail"},
	    {&pf, "0", 0, "fail"},
	    {&pf, "nie", 0, "fail"},
	    {&pf, "maybe", -EINVAL, NULL},
	    {&pf, "passed", -EINVAL, NULL},
	    {&pf, "  ", -EINVAL, NULL},
	    {&ch, "b", 0, "B"},
	    {&ch, "SCRAP", 0, "scrap"},
	    {&ch, " A", 0, "A"},
	    {&ch, "D", -EINVAL, NULL},
	    {&ch, "scra", -EINVAL, NULL},
	    {&me, "1200", 0, "1200"},
	    {&me, "+007", 0, "7"},
	    {&me, "0", 0, "0"},
	    {&me, "50000", 0, "50000"},
	    {&me, "50001", -EINVAL, NULL},
	    {&me, "-1", -EINVAL, NULL},
	    {&me, "12.5", -EINVAL, NULL},
	    {&me, "1 200", -EINVAL, NULL},
	    {&me, "0x10", -EINVAL, NULL},
	    {&me, "99999999999999999999", -EINVAL, NULL},
	    {&neg, "-40", 0, "-40"},
	    {&neg, "-41", -EINVAL, NULL},
	    {&ph, hex_up, 0, hex_lo},
	    {&ph, hex_lo + 1, -EINVAL, NULL},
	    {&ph, "zz", -EINVAL, NULL},
	    {&in, "Done", 0, "done"},
	    {&in, "ok", -EINVAL, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char norm[CHECKLIST_ANSWER_LEN] = "untouched";
		char err[128] = "";
		int r = checklist_answer_normalise(
		    cases[i].step, cases[i].answer, norm, sizeof(norm), err,
		    sizeof(err));

		if (r != cases[i].rc)
			fail_msg("case %zu '%s': rc %d want %d (%s)", i,
				 cases[i].answer, r, cases[i].rc, err);
		if (r == 0 && strcmp(norm, cases[i].norm) != 0)
			fail_msg("case %zu: '%s' want '%s'", i, norm,
				 cases[i].norm);
		if (r != 0 && err[0] == '\0')
			fail_msg("case %zu: refused without a message", i);
	}
	{
		char small[4], err[64];

		assert_int_equal(checklist_answer_normalise(&pf, "yes", small,
							    sizeof(small), err,
							    sizeof(err)),
				 -ENOSPC);
		assert_int_equal(checklist_answer_normalise(
				     &pf, NULL, small, sizeof(small), NULL, 0),
				 -EINVAL);
	}
}

static void test_apply_effects(void **state)
{
	struct checklist cl;
	struct found_item item = {.quantity = 1};
	static const char photo[] =
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	const char *answers[CHECKLIST_MAX_STEPS] = {0};

	test_checklist_load("checklists/electronics.ini", &cl);
	for (int i = 0; i < cl.n_steps; i++) {
		const char *id = cl.steps[i].id;

		if (strcmp(id, "seal") == 0 || strcmp(id, "damage") == 0)
			answers[i] = "fail";
		else if (cl.steps[i].kind == CHECKLIST_PASS_FAIL)
			answers[i] = "pass";
		else if (cl.steps[i].kind == CHECKLIST_PHOTO)
			answers[i] = photo;
		else if (cl.steps[i].kind == CHECKLIST_CHOICE)
			answers[i] = "C";
		else
			answers[i] = "done";
	}
	assert_int_equal(checklist_apply(&cl, answers, &item), 0);
	assert_true(item.seal_broken);
	assert_true(item.buyer_damage);
	assert_false(item.defect);
	assert_false(item.handled_beyond_trial);
	assert_int_equal(item.grade, GRADE_C);
	assert_int_equal(item.quantity, 1);

	/* a pass never clears what another step or the clerk raised */
	for (int i = 0; i < cl.n_steps; i++)
		if (cl.steps[i].kind == CHECKLIST_PASS_FAIL)
			answers[i] = "pass";
	assert_int_equal(checklist_apply(&cl, answers, &item), 0);
	assert_true(item.seal_broken);

	/* grade is left alone when the grade step is unanswered */
	for (int i = 0; i < cl.n_steps; i++)
		if (cl.steps[i].effect == CHECKLIST_EFFECT_GRADE)
			answers[i] = NULL;
	assert_int_equal(checklist_apply(&cl, answers, &item), 0);
	assert_int_equal(item.grade, GRADE_C);

	assert_int_equal(checklist_apply(NULL, answers, &item), -EINVAL);
	assert_int_equal(checklist_apply(&cl, NULL, &item), -EINVAL);
}

static void test_apply_ship_qc_blocks(void **state)
{
	struct checklist cl;
	struct found_item item = {0};
	const char *all_pass[] = {"pass", "pass", "pass"};
	const char *invoice_missing[] = {"pass", "fail", "pass"};
	const char *unanswered[] = {"pass", NULL, "fail"};

	test_checklist_load("checklists/ship-qc.ini", &cl);
	assert_int_equal(checklist_apply(&cl, all_pass, NULL), 0);
	assert_int_equal(checklist_apply(&cl, invoice_missing, &item), 1);
	assert_int_equal(checklist_apply(&cl, unanswered, NULL), 2);
	/* blocking steps set no item flags */
	assert_false(item.seal_broken || item.buyer_damage || item.defect ||
		     item.handled_beyond_trial);
}

static struct checklist_set test_checklist_all;

static void test_checklist_for(void **state)
{
	struct checklist_set *set = &test_checklist_all;
	struct checklist cl;
	const struct checklist *got;

	memset(set, 0, sizeof(*set));
	for (size_t i = 0;
	     i < sizeof(test_checklist_files) / sizeof(test_checklist_files[0]);
	     i++) {
		test_checklist_load(test_checklist_files[i], &cl);
		assert_int_equal(checklist_set_add(set, &cl), 0);
	}
	assert_int_equal(checklist_set_add(set, &cl), -EEXIST);

	got = checklist_for(set, "return", "phones");
	assert_non_null(got);
	assert_string_equal(got->id, "electronics");
	got = checklist_for(set, "return", "Electronics");
	assert_string_equal(got->id, "electronics");
	got = checklist_for(set, "return", "shoes");
	assert_string_equal(got->id, "apparel");
	got = checklist_for(set, "return", "cosmetics");
	assert_string_equal(got->id, "hygiene");
	got = checklist_for(set, "return", "garden");
	assert_string_equal(got->id, "default-return");
	got = checklist_for(set, "return", NULL);
	assert_string_equal(got->id, "default-return");
	got = checklist_for(set, "return", "");
	assert_string_equal(got->id, "default-return");
	got = checklist_for(set, "ship_qc", "electronics");
	assert_string_equal(got->id, "ship-qc");
	assert_null(checklist_for(set, "repair", "electronics"));
	assert_null(checklist_for(NULL, "return", "electronics"));

	/* a newer version of a template wins; the old one stays findable */
	test_checklist_load("checklists/electronics.ini", &cl);
	cl.version += 1;
	strcpy(cl.steps[0].text, "Seal intact (v2)?");
	assert_int_equal(checklist_set_add(set, &cl), 0);
	got = checklist_for(set, "return", "phones");
	assert_int_equal(got->version, cl.version);
	assert_string_equal(got->steps[0].text, "Seal intact (v2)?");
	got = checklist_set_find(set, "electronics", cl.version - 1);
	assert_non_null(got);
	assert_string_equal(got->steps[0].text, "Factory seal intact?");
	assert_null(checklist_set_find(set, "electronics", 99));

	while (set->n < CHECKLIST_SET_MAX) {
		cl.version++;
		assert_int_equal(checklist_set_add(set, &cl), 0);
	}
	cl.version++;
	assert_int_equal(checklist_set_add(set, &cl), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped_templates_parse),
	    cmocka_unit_test(test_electronics_template),
	    cmocka_unit_test(test_other_templates),
	    cmocka_unit_test(test_example_parses),
	    cmocka_unit_test(test_parse_honours_length),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_parse_odd_bytes),
	    cmocka_unit_test(test_too_many_steps),
	    cmocka_unit_test(test_answer_normalise),
	    cmocka_unit_test(test_apply_effects),
	    cmocka_unit_test(test_apply_ship_qc_blocks),
	    cmocka_unit_test(test_checklist_for),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
