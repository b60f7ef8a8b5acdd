/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: checklist templates are files an operator edits, so
 * checklist_parse() must survive any bytes.  Whatever parses is then used
 * the way the desk uses it: choose it, normalise answers, apply them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "retour/checklist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct checklist_set set;
	static const char *const answers_in[] = {
	    "pass",
	    "fail",
	    "B",
	    "scrap",
	    "123",
	    "-5",
	    "done",
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	};
	struct checklist *cl = &set.lists[0];
	char norm[CHECKLIST_MAX_STEPS][CHECKLIST_ANSWER_LEN];
	const char *answers[CHECKLIST_MAX_STEPS];
	struct found_item item = {0};
	char err[256];

	set.n = 0;
	if (checklist_parse((const char *)data, size, cl, err, sizeof(err)))
		return 0;
	set.n = 1;
	checklist_for(&set, cl->routine, cl->categories[0]);
	for (int i = 0; i < cl->n_steps; i++) {
		answers[i] = NULL;
		for (size_t a = 0;
		     a < sizeof(answers_in) / sizeof(answers_in[0]); a++) {
			if (checklist_answer_normalise(
				&cl->steps[i], answers_in[a], norm[i],
				sizeof(norm[i]), err, sizeof(err)) == 0) {
				answers[i] = norm[i];
				break;
			}
		}
	}
	checklist_apply(cl, answers, &item);
	return 0;
}
