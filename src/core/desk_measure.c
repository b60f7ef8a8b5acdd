/* SPDX-License-Identifier: MIT */
/*
 * The steps the desk's devices measure: the weight on the scale and the
 * photos under the camera (the parcel, the open box, the sealed box).  A
 * desk without the device skips the step and the record says so; the
 * caller moves on to the next step (desk_routine.c).
 */
#include <limits.h>
#include <stdint.h>

#include "desk_run.h"

bool desk_enter_weigh(struct desk_run *r)
{
	struct desk *d = r->d;

	d->step = DESK_STEP_WEIGH;
	d->found.weighed = false;
	d->found.weight_g = 0;
	if (desk_has(r, DESK_DEVICE_SCALE)) {
		desk_emit(r, DESK_ACT_REQUEST_WEIGHT);
		desk_text(d->prompt, sizeof(d->prompt), "%s",
			  d->routine == DESK_ROUTINE_SHIP_QC
			      ? "Put the box on the scale"
			      : "Put the parcel on the scale");
		return true;
	}
	/* No scale on this desk: the record says the step was skipped. */
	desk_emit_weight(r, false, 0, false);
	return false;
}

/* Ship-QC tolerance: absolute, the larger of the desk's and the shop's. */
int64_t desk_qc_tolerance(const struct desk_config *cfg)
{
	int64_t t = cfg->ship_qc_tolerance_g;

	if (cfg->policy.weight_tolerance_g > t)
		t = cfg->policy.weight_tolerance_g;
	return t < 0 ? 0 : t;
}

bool desk_qc_weight_ok(const struct desk_run *r, int32_t grams)
{
	int64_t expected = expected_return_weight_g(&r->d->expected);

	if (expected < 0)
		return false;
	return weight_within_tolerance(expected, grams,
				       (int32_t)desk_qc_tolerance(r->cfg), 0);
}

bool desk_take_weight(struct desk_run *r)
{
	struct desk *d = r->d;
	int32_t grams = r->ev->grams;
	int64_t expected;
	bool mismatch = false;

	if (d->step != DESK_STEP_WEIGH) {
		desk_refuse(r, "A weight");
		return false;
	}
	switch (r->ev->weight_status) {
	case DESK_WEIGHT_STABLE:
		break;
	case DESK_WEIGHT_UNSTABLE:
		desk_problem(r, "The weight does not settle: keep the parcel "
				"still and press the pedal");
		desk_fail_light(r);
		return false;
	case DESK_WEIGHT_OVERLOAD:
		desk_problem(r, "Scale overloaded: the parcel is too heavy "
				"for it; skip the step or use another scale");
		desk_fail_light(r);
		return false;
	case DESK_WEIGHT_UNDERLOAD:
		desk_problem(r, "Scale reads below zero: empty it, zero it "
				"and press the pedal");
		desk_fail_light(r);
		return false;
	case DESK_WEIGHT_ERROR:
		desk_problem(r, "Scale error: press the pedal to try again "
				"or skip the step");
		desk_fail_light(r);
		return false;
	case DESK_WEIGHT_OFFLINE:
		desk_problem(r, "Scale not answering: check its cable, press "
				"the pedal to try again or skip the step");
		desk_fail_light(r);
		return false;
	default:
		desk_problem(r, "Bad event: unknown scale status %d",
			     (int)r->ev->weight_status);
		r->ignored = true;
		return false;
	}
	if (grams < 0) {
		desk_problem(r,
			     "Scale reads %d g: empty it, zero it and press "
			     "the pedal",
			     (int)grams);
		desk_fail_light(r);
		return false;
	}
	d->found.weighed = true;
	d->found.weight_g = grams;
	expected = expected_return_weight_g(&d->expected);
	if (d->routine == DESK_ROUTINE_SHIP_QC) {
		mismatch = !desk_qc_weight_ok(r, grams);
		if (mismatch)
			desk_problem(r,
				     "Weight %d g, expected %lld g +/- %lld g",
				     (int)grams, (long long)expected,
				     (long long)desk_qc_tolerance(r->cfg));
	} else if (d->have_expected) {
		mismatch = !rules_weight_ok(expected, grams, &r->cfg->policy);
		if (mismatch && expected < 0) {
			desk_problem(r,
				     "Weight %d g; the expected weight is "
				     "unknown",
				     (int)grams);
		} else if (mismatch) {
			int64_t tol = weight_tolerance_for(
			    expected, r->cfg->policy.weight_tolerance_g,
			    r->cfg->policy.weight_tolerance_pct);

			if (tol < 0)
				desk_problem(r, "Weight %d g, expected %lld g",
					     (int)grams, (long long)expected);
			else
				desk_problem(
				    r,
				    "Weight %d g, expected %lld g +/- %lld g",
				    (int)grams, (long long)expected,
				    (long long)tol);
		}
	}
	desk_emit_weight(r, true, grams, mismatch);
	return true;
}

bool desk_enter_photo(struct desk_run *r)
{
	struct desk *d = r->d;
	bool qc = d->routine == DESK_ROUTINE_SHIP_QC;

	d->step = DESK_STEP_PHOTO;
	if (!desk_has(r, DESK_DEVICE_CAMERA))
		return false;
	desk_emit_photo(r, qc ? "open_box" : "parcel");
	desk_text(d->prompt, sizeof(d->prompt), "%s",
		  qc ? "Photo of the open box: keep it under the camera"
		     : "Photo of the parcel: keep it under the camera");
	return true;
}

bool desk_enter_photo_sealed(struct desk_run *r)
{
	struct desk *d = r->d;

	d->step = DESK_STEP_PHOTO_SEALED;
	if (!desk_has(r, DESK_DEVICE_CAMERA))
		return false;
	desk_emit_photo(r, "sealed_box");
	desk_text(d->prompt, sizeof(d->prompt), "%s",
		  "Photo of the sealed box: keep it under the camera");
	return true;
}

void desk_photo_failed(struct desk_run *r)
{
	char why[96];

	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	desk_problem(r, "Photo failed: %s; press the pedal to retry or skip",
		     why[0] ? why : "no picture");
	desk_fail_light(r);
}
