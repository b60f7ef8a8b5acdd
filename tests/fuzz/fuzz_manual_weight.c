/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for a weight typed in by the clerk (POST /api/v1/weigh
 * with grams and a reason): the desk at its weigh step takes any grams and
 * any bytes as the reason.  It may not crash or read out of bounds; it
 * takes the weight only when the check says so (1..1000000 g, a reason of
 * valid UTF-8 up to 200 bytes), and then records it as typed in, with the
 * whole reason; otherwise nothing is asked of the shell and the desk stays
 * at the weigh step.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retour/workflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct checklist_set fuzz_set;
static struct desk_config fuzz_cfg;
static struct desk fuzz_at_weigh;

/* Once: a desk with a scale, a clerk signed in, a parcel scanned. */
static void fuzz_start(void)
{
	static struct expected_return er;
	struct desk_actions out;
	struct code rma;

	rules_policy_defaults(&fuzz_cfg.policy);
	fuzz_cfg.checklists = &fuzz_set;
	fuzz_cfg.has_scale = true;
	fuzz_cfg.has_camera = true;
	fuzz_cfg.step_timeout_us = INT64_C(600000000);
	desk_init(&fuzz_at_weigh, &fuzz_cfg);
	er.id = 1;
	memcpy(er.rma, "RMA-1", 6);
	memcpy(er.currency, "PLN", 4);
	er.kind = RETURN_WITHDRAWAL;
	er.n_items = 1;
	er.items[0].quantity = 1;
	er.items[0].weight_g = 350;
	memset(&rma, 0, sizeof(rma));
	rma.kind = CODE_RMA;
	rma.valid = true;
	memcpy(rma.value, "RMA-1", 6);
	desk_handle(&fuzz_at_weigh, &fuzz_cfg,
		    &(struct desk_event){
			.kind = DESK_EV_SIGN_IN, .now = 1, .clerk = "anna"},
		    &out);
	desk_handle(
	    &fuzz_at_weigh, &fuzz_cfg,
	    &(struct desk_event){
		.kind = DESK_EV_SCAN, .now = 2, .code = &rma, .expected = &er},
	    &out);
	if (fuzz_at_weigh.step != DESK_STEP_WEIGH)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool started;
	char reason[512], err[160];
	struct desk_actions out;
	struct desk d;
	int32_t grams = 0;
	size_t n;
	int r;

	if (!started) {
		fuzz_start();
		started = true;
	}
	/* four bytes of grams, the rest the reason */
	if (size >= 4) {
		memcpy(&grams, data, 4);
		data += 4;
		size -= 4;
	}
	n = size < sizeof(reason) - 1 ? size : sizeof(reason) - 1;
	memcpy(reason, data, n);
	reason[n] = '\0';

	d = fuzz_at_weigh;
	r = desk_manual_weight_check(&d, grams, reason, err, sizeof(err));
	desk_handle(&d, &fuzz_cfg,
		    &(struct desk_event){.kind = DESK_EV_WEIGHT,
					 .now = 3,
					 .manual = true,
					 .grams = grams,
					 .text = reason},
		    &out);
	if (r < 0) {
		if (out.n != 0 || d.step != DESK_STEP_WEIGH || d.found.weighed)
			abort();
		return 0;
	}
	if (grams < 1 || grams > DESK_MANUAL_WEIGHT_MAX_G ||
	    strlen(reason) > DESK_MANUAL_REASON_MAX ||
	    d.step == DESK_STEP_WEIGH || out.n < 1 ||
	    out.a[0].kind != DESK_ACT_RECORD_WEIGHT || !out.a[0].manual ||
	    out.a[0].grams != grams ||
	    strlen(out.a[0].reason) != strlen(reason))
		abort();
	return 0;
}
