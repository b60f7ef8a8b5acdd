/* SPDX-License-Identifier: MIT */
/*
 * The steps the desk's devices measure: the weight on the scale and the
 * photos under the camera (the parcel, the open box, the sealed box).  A
 * desk without the device skips the step and the record says so; the
 * caller moves on to the next step (desk_routine.c).  When the scale is
 * there but cannot weigh, the clerk may type the weight in with a reason,
 * and the record keeps both.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "desk_run.h"

bool desk_scale_is_empty(const struct desk_config *cfg, int32_t grams)
{
	int32_t floor = cfg->empty_scale_g < 0 ? 0 : cfg->empty_scale_g;

	return grams <= floor;
}

void desk_weigh_again(struct desk_run *r)
{
	struct desk *d = r->d;

	if (d->step != DESK_STEP_WEIGH || !d->scale_empty ||
	    !desk_has(r, DESK_DEVICE_SCALE))
		return;
	d->scale_empty = false;
	desk_emit(r, DESK_ACT_REQUEST_WEIGHT);
}

bool desk_enter_weigh(struct desk_run *r)
{
	struct desk *d = r->d;

	d->step = DESK_STEP_WEIGH;
	d->scale_empty = false;
	d->found.weighed = false;
	d->found.weight_g = 0;
	if (desk_has(r, DESK_DEVICE_SCALE)) {
		desk_emit(r, DESK_ACT_REQUEST_WEIGHT);
		if (d->routine == DESK_ROUTINE_SHIP_QC)
			desk_prompt(d, "put_box_on_scale",
				    "Put the box on the scale");
		else
			desk_prompt(d, "put_parcel_on_scale",
				    "Put the parcel on the scale");
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

/* Well-formed UTF-8: no stray continuation byte, no overlong form, no
 * surrogate, nothing past U+10FFFF, no sequence cut short. */
static bool desk_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned char c = *p;
		size_t need;
		uint32_t cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (size_t i = 1; i <= need; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false; /* also stops at the NUL */
			cp = cp << 6 | (p[i] & 0x3F);
		}
		if ((need == 2 &&
		     (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		p += need + 1;
	}
	return true;
}

static int desk_say(char *err, size_t errlen, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int desk_say(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		desk_trim_utf8(err);
	}
	return r;
}

int desk_manual_weight_check(const struct desk *d, int64_t grams,
			     const char *reason, char *err, size_t errlen)
{
	if (grams < 1 || grams > DESK_MANUAL_WEIGHT_MAX_G)
		return desk_say(err, errlen, -EINVAL,
				"a weight typed in must be 1 to %d grams",
				DESK_MANUAL_WEIGHT_MAX_G);
	if (desk_blank(reason))
		return desk_say(err, errlen, -EINVAL,
				"a weight typed in needs a reason (why the "
				"scale did not weigh it)");
	if (strlen(reason) > DESK_MANUAL_REASON_MAX)
		return desk_say(err, errlen, -EINVAL,
				"the reason is over %d bytes",
				DESK_MANUAL_REASON_MAX);
	if (!desk_utf8_valid(reason))
		return desk_say(err, errlen, -EINVAL,
				"the reason is not valid UTF-8 text");
	if (!d || d->step != DESK_STEP_WEIGH)
		return desk_say(
		    err, errlen, -EBUSY,
		    "a weight is not expected now (step %s)",
		    desk_step_name(d ? d->step : DESK_STEP_SIGN_IN));
	return 0;
}

/* The weight, recorded: from the scale, or typed in with its reason. */
static void desk_record_weight(struct desk_run *r, int32_t grams, bool mismatch)
{
	struct desk_action *a;

	if (!r->ev->manual) {
		desk_emit_weight(r, true, grams, mismatch);
		return;
	}
	a = desk_emit(r, DESK_ACT_RECORD_WEIGHT);
	if (!a)
		return;
	a->weighed = true;
	a->grams = grams;
	a->mismatch = mismatch;
	a->manual = true;
	desk_copy(a->reason, sizeof(a->reason), r->ev->text,
		  DESK_MANUAL_REASON_MAX);
	a = desk_emit(r, DESK_ACT_RECORD_NOTE);
	if (!a)
		return;
	desk_copy(a->step, sizeof(a->step), "weigh", SIZE_MAX);
	desk_text(a->text, sizeof(a->text), "weighed manually: %s",
		  r->ev->text);
}

/* A manual weight the desk does not take: the problem says why. */
static bool desk_manual_weight_refused(struct desk_run *r)
{
	char why[sizeof(r->d->problem)];

	if (!desk_manual_weight_check(r->d, r->ev->grams, r->ev->text, why,
				      sizeof(why)))
		return false;
	if (r->d->step != DESK_STEP_WEIGH) {
		desk_refuse(r, "weight", "A weight");
		return true;
	}
	desk_problem(r, "weight_not_taken", "Weight not taken: %s", why);
	r->ignored = true;
	return true;
}

bool desk_take_weight(struct desk_run *r)
{
	struct desk *d = r->d;
	int32_t grams = r->ev->grams;
	int64_t expected;
	bool mismatch = false;

	if (r->ev->manual) {
		if (desk_manual_weight_refused(r))
			return false;
	} else if (d->step != DESK_STEP_WEIGH) {
		desk_refuse(r, "weight", "A weight");
		return false;
	}
	switch (r->ev->manual ? DESK_WEIGHT_STABLE : r->ev->weight_status) {
	case DESK_WEIGHT_STABLE:
		break;
	case DESK_WEIGHT_UNSTABLE:
		desk_problem(r, "scale_unstable",
			     "The weight does not settle: keep the parcel "
			     "still and press the pedal");
		desk_fail_light(r);
		return false;
	case DESK_WEIGHT_OVERLOAD:
		desk_problem(r, "scale_overloaded",
			     "Scale overloaded: the parcel is too heavy "
			     "for it; skip the step or use another scale");
		desk_fail_light(r);
		return false;
	case DESK_WEIGHT_UNDERLOAD:
		desk_problem(r, "scale_below_zero",
			     "Scale reads below zero: empty it, zero it "
			     "and press the pedal");
		desk_fail_light(r);
		return false;
	case DESK_WEIGHT_ERROR:
		desk_problem(r, "scale_error",
			     "Scale error: press the pedal to try again "
			     "or skip the step");
		desk_tower_alarm(r, TOWER_ERROR);
		return false;
	case DESK_WEIGHT_OFFLINE:
		desk_problem(r, "scale_offline",
			     "Scale not answering: check its cable and "
			     "press the pedal to try again, type the "
			     "weight in with a reason, or skip the step");
		desk_tower_alarm(r, TOWER_ERROR);
		return false;
	case DESK_WEIGHT_NEEDS_ZERO:
		desk_problem(r, "scale_needs_zero",
			     "Scale asks to be zeroed: empty it, press its "
			     "zero key and press the pedal");
		desk_fail_light(r);
		return false;
	case DESK_WEIGHT_NEEDS_CALIBRATION:
		desk_problem(r, "scale_needs_calibration",
			     "Scale needs calibration: call the technician; "
			     "skip the step or type the weight in");
		desk_fail_light(r);
		return false;
	default:
		desk_problem(r, "bad_event",
			     "Bad event: unknown scale status %d",
			     (int)r->ev->weight_status);
		r->ignored = true;
		return false;
	}
	if (grams < 0) {
		desk_problem(r, "scale_negative",
			     "Scale reads %d g: empty it, zero it and press "
			     "the pedal",
			     (int)grams);
		desk_fail_light(r);
		return false;
	}
	if (!r->ev->manual && desk_scale_is_empty(r->cfg, grams)) {
		/* Nothing on the scale yet (or a scale that reads 0 before
		 * the parcel settles): not a weight.  The desk asks again at
		 * the next tick; a reading is not the clerk's activity. */
		d->scale_empty = true;
		r->keep_activity = true;
		desk_problem(r, "scale_empty",
			     "The scale reads %d g: put the parcel on the "
			     "scale",
			     (int)grams);
		return false;
	}
	d->found.weighed = true;
	d->found.weight_g = grams;
	expected = expected_return_weight_g(&d->expected);
	if (d->routine == DESK_ROUTINE_SHIP_QC) {
		mismatch = !desk_qc_weight_ok(r, grams);
		if (mismatch)
			desk_problem(r, "weight_mismatch_tolerance",
				     "Weight %d g, expected %lld g +/- %lld g",
				     (int)grams, (long long)expected,
				     (long long)desk_qc_tolerance(r->cfg));
	} else if (d->have_expected) {
		mismatch = !rules_weight_ok(expected, grams, &r->cfg->policy);
		if (mismatch && expected < 0) {
			desk_problem(r, "weight_expected_unknown",
				     "Weight %d g; the expected weight is "
				     "unknown",
				     (int)grams);
		} else if (mismatch) {
			int64_t tol = weight_tolerance_for(
			    expected, r->cfg->policy.weight_tolerance_g,
			    r->cfg->policy.weight_tolerance_pct);

			if (tol < 0)
				desk_problem(r, "weight_mismatch",
					     "Weight %d g, expected %lld g",
					     (int)grams, (long long)expected);
			else
				desk_problem(
				    r, "weight_mismatch_tolerance",
				    "Weight %d g, expected %lld g +/- %lld g",
				    (int)grams, (long long)expected,
				    (long long)tol);
		}
	}
	desk_record_weight(r, grams, mismatch);
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
	if (qc)
		desk_prompt(d, "photo_open_box",
			    "Photo of the open box: keep it under the camera");
	else
		desk_prompt(d, "photo_parcel",
			    "Photo of the parcel: keep it under the camera");
	return true;
}

bool desk_enter_photo_sealed(struct desk_run *r)
{
	struct desk *d = r->d;

	d->step = DESK_STEP_PHOTO_SEALED;
	if (!desk_has(r, DESK_DEVICE_CAMERA))
		return false;
	desk_emit_photo(r, "sealed_box");
	desk_prompt(d, "photo_sealed_box",
		    "Photo of the sealed box: keep it under the camera");
	return true;
}

void desk_photo_failed(struct desk_run *r)
{
	char why[96];

	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	desk_problem(r, "photo_failed",
		     "Photo failed: %s; press the pedal to retry, or skip the "
		     "photo (the record keeps why)",
		     why[0] ? why : "no picture");
	desk_tower_alarm(r, TOWER_ERROR);
}
