/* SPDX-License-Identifier: MIT */
/*
 * The desk's routine (DESIGN sections 2 and 3) as a pure state machine.
 *
 * desk_handle() applies one event to one desk and appends the actions the
 * shell must perform.  It keeps the parcel's state (what was expected, what
 * was found, the checklist answers, the proposal) and asks the rules engine
 * for a proposal; it never reads a clock, a device or the store, and it does
 * not know how a decision is recorded, labelled or refunded: DECIDE hands
 * that to the shell.  Events arrive from devices and people, so every
 * pointer and enum in them is checked and a wrong event only sets a problem
 * text.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "retour/workflow.h"

/* One desk_handle() call: what the helpers below all need. */
struct desk_run {
	struct desk *d;
	const struct desk_config *cfg;
	const struct desk_event *ev;
	struct desk_actions *out;
	bool ignored;	 /* event refused: nothing but the problem */
	bool failed;	 /* light went red: do not restore it */
	bool keep_light; /* the handler chose the light itself */
	/* an outcome or a device report, not the clerk: the problem shown
	 * and the step's timeout stay as they are */
	bool keep_activity;
};

#define DESK_STAGES_MAX 8

/* ---- text ---------------------------------------------------------- */

/* After truncation, drop a UTF-8 sequence cut in half: the screen's JSON
 * encoder refuses invalid UTF-8. */
static void desk_trim_utf8(char *s)
{
	size_t n = strlen(s), i = n, need;
	unsigned char lead;

	while (i > 0 && n - i < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	lead = (unsigned char)s[i - 1];
	if (lead < 0xC0)
		return;
	need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}

static void desk_text(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void desk_text(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		buf[0] = '\0';
	else if ((size_t)n >= size)
		desk_trim_utf8(buf);
}

/* Copy text that came from outside: bounded, control characters blanked. */
static void desk_copy(char *dst, size_t size, const char *src, size_t srcmax)
{
	size_t n = 0;

	if (!size)
		return;
	if (src)
		while (n < srcmax && n + 1 < size && src[n]) {
			unsigned char c = (unsigned char)src[n];

			dst[n] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
			n++;
		}
	dst[n] = '\0';
	if (src && n < srcmax && src[n])
		desk_trim_utf8(dst);
}

static bool desk_blank(const char *s)
{
	if (!s)
		return true;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return false;
	return true;
}

const char *desk_step_name(enum desk_step s)
{
	switch (s) {
	case DESK_STEP_SIGN_IN:
		return "sign_in";
	case DESK_STEP_SCAN:
		return "scan";
	case DESK_STEP_WEIGH:
		return "weigh";
	case DESK_STEP_PHOTO:
		return "photo";
	case DESK_STEP_ITEMS:
		return "items";
	case DESK_STEP_CHECKLIST:
		return "checklist";
	case DESK_STEP_PHOTO_SEALED:
		return "photo_sealed";
	case DESK_STEP_CONFIRM:
		return "confirm";
	}
	return "unknown";
}

const char *desk_routine_name(enum desk_routine r)
{
	switch (r) {
	case DESK_ROUTINE_RETURN:
		return "return";
	case DESK_ROUTINE_SHIP_QC:
		return "ship_qc";
	}
	return "unknown";
}

const char *desk_light_name(enum desk_light l)
{
	switch (l) {
	case DESK_LIGHT_OFF:
		return "off";
	case DESK_LIGHT_GREEN:
		return "green";
	case DESK_LIGHT_AMBER:
		return "amber";
	case DESK_LIGHT_RED:
		return "red";
	}
	return "unknown";
}

const char *desk_device_name(enum desk_device k)
{
	switch (k) {
	case DESK_DEVICE_SCANNER:
		return "scanner";
	case DESK_DEVICE_SCALE:
		return "scale";
	case DESK_DEVICE_PRINTER:
		return "printer";
	case DESK_DEVICE_CAMERA:
		return "camera";
	case DESK_DEVICE_GPIO:
		return "gpio";
	case DESK_DEVICE_COUNT:
		break;
	}
	return "unknown";
}

const char *desk_device_state_name(enum desk_device_state s)
{
	switch (s) {
	case DESK_DEVICE_CONNECTED:
		return "connected";
	case DESK_DEVICE_MISSING:
		return "missing";
	case DESK_DEVICE_FAULT:
		return "fault";
	}
	return "unknown";
}

static const char *desk_verdict_upper(enum verdict v)
{
	switch (v) {
	case VERDICT_ACCEPT:
		return "ACCEPT";
	case VERDICT_PARTIAL:
		return "PARTIAL";
	case VERDICT_REJECT:
		return "REJECT";
	case VERDICT_HOLD:
		return "HOLD";
	}
	return "UNKNOWN";
}

/* ISO 4217 minor-unit exponents that are not 2. */
static int desk_currency_exponent(const char *cur)
{
	static const char zero[][4] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
				       "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
				       "VND", "VUV", "XAF", "XOF", "XPF"};
	static const char three[][4] = {"BHD", "IQD", "JOD", "KWD",
					"LYD", "OMR", "TND"};

	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (strncmp(cur, zero[i], 4) == 0)
			return 0;
	for (size_t i = 0; i < sizeof(three) / sizeof(three[0]); i++)
		if (strncmp(cur, three[i], 4) == 0)
			return 3;
	return 2;
}

/* "112.97 PLN" without floating point. */
static void desk_money(char *buf, size_t size, int64_t minor, const char cur[4])
{
	char code[4];
	uint64_t u = minor < 0 ? 0 - (uint64_t)minor : (uint64_t)minor;
	uint64_t scale = 1;
	int e;

	desk_copy(code, sizeof(code), cur, 3);
	e = desk_currency_exponent(code);
	for (int i = 0; i < e; i++)
		scale *= 10;
	if (e == 0)
		desk_text(buf, size, "%s%llu %s", minor < 0 ? "-" : "",
			  (unsigned long long)u, code);
	else
		desk_text(buf, size, "%s%llu.%0*llu %s", minor < 0 ? "-" : "",
			  (unsigned long long)(u / scale), e,
			  (unsigned long long)(u % scale), code);
}

/* ---- actions, light, problems ---------------------------------------- */

/* NULL when the action list is full: the shell's list never overflows. */
static struct desk_action *desk_emit(struct desk_run *r,
				     enum desk_action_kind kind)
{
	struct desk_action *a;

	if (r->out->n < 0 || r->out->n >= DESK_MAX_ACTIONS)
		return NULL;
	a = &r->out->a[r->out->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->item = -1;
	a->expected_id = r->d->have_expected ? r->d->expected.id : 0;
	desk_copy(a->code, sizeof(a->code), r->d->code, sizeof(r->d->code));
	return a;
}

static void desk_emit_text(struct desk_run *r, enum desk_action_kind kind,
			   const char *text)
{
	struct desk_action *a = desk_emit(r, kind);

	if (a)
		desk_copy(a->text, sizeof(a->text), text, SIZE_MAX);
}

static void desk_emit_weight(struct desk_run *r, bool weighed, int32_t grams,
			     bool mismatch)
{
	struct desk_action *a = desk_emit(r, DESK_ACT_RECORD_WEIGHT);

	if (!a)
		return;
	a->weighed = weighed;
	a->grams = weighed ? grams : 0;
	a->mismatch = mismatch;
}

static void desk_emit_photo(struct desk_run *r, const char *step)
{
	struct desk_action *a = desk_emit(r, DESK_ACT_TAKE_PHOTO);

	/* callers pass literals or a template's id[32] */
	if (a)
		desk_copy(a->step, sizeof(a->step), step, 32);
	if (strcmp(step, "evidence"))
		desk_copy(r->d->photo_pending, sizeof(r->d->photo_pending),
			  step, 32);
}

/* The light each step shows when nothing is wrong. */
static enum desk_light desk_step_light(const struct desk *d)
{
	switch (d->step) {
	case DESK_STEP_SCAN:
		return DESK_LIGHT_GREEN;
	case DESK_STEP_CONFIRM:
		if (d->routine == DESK_ROUTINE_SHIP_QC &&
		    d->proposal.verdict != VERDICT_ACCEPT)
			return DESK_LIGHT_RED;
		return DESK_LIGHT_AMBER;
	default:
		return DESK_LIGHT_AMBER;
	}
}

static void desk_light_set(struct desk_run *r, enum desk_light light,
			   bool buzzer)
{
	struct desk_action *a;

	if (r->d->light == light)
		return;
	r->d->light = light;
	a = desk_emit(r, DESK_ACT_SET_LIGHT);
	if (a) {
		a->light = light;
		a->buzzer = buzzer;
	}
}

static void desk_problem(struct desk_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void desk_problem(struct desk_run *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->d->problem, sizeof(r->d->problem), fmt, ap);
	va_end(ap);
	if (n < 0)
		r->d->problem[0] = '\0';
	else if ((size_t)n >= sizeof(r->d->problem))
		desk_trim_utf8(r->d->problem);
}

/* An error the clerk must see: red light and the buzzer, every time. */
static void desk_fail_light(struct desk_run *r)
{
	struct desk_action *a = desk_emit(r, DESK_ACT_SET_LIGHT);

	r->d->light = DESK_LIGHT_RED;
	r->failed = true;
	if (a) {
		a->light = DESK_LIGHT_RED;
		a->buzzer = true;
	}
}

/* Refuse the event: the problem says why, nothing else changes. */
static void desk_refuse(struct desk_run *r, const char *what)
{
	desk_problem(r, "%s not expected now (step %s)", what,
		     desk_step_name(r->d->step));
	r->ignored = true;
}

/* ---- parcel state ---------------------------------------------------- */

/* The board has the device and it has not gone missing: a step that
 * needs a device that is not there is skipped, and the record says so. */
static bool desk_has(const struct desk_run *r, enum desk_device k)
{
	bool on_board = k == DESK_DEVICE_SCALE	   ? r->cfg->has_scale
			: k == DESK_DEVICE_CAMERA  ? r->cfg->has_camera
			: k == DESK_DEVICE_PRINTER ? r->cfg->has_printer
						   : true;

	return on_board && r->d->devices[k] != DESK_DEVICE_MISSING;
}

static bool desk_parcel_open(const struct desk *d)
{
	return d->step != DESK_STEP_SIGN_IN && d->step != DESK_STEP_SCAN;
}

static int desk_n_items(const struct desk *d)
{
	int n = d->expected.n_items;

	return n < 0 ? 0 : n > RETURN_MAX_ITEMS ? RETURN_MAX_ITEMS : n;
}

static int32_t desk_expected_qty(const struct desk *d, int i)
{
	int32_t q = d->expected.items[i].quantity;

	return q < 0 ? 0 : q;
}

static void desk_parcel_reset(struct desk *d)
{
	d->receipt_id = 0;
	d->photo_pending[0] = '\0';
	d->deciding = false;
	d->have_expected = false;
	memset(&d->expected, 0, sizeof(d->expected));
	memset(&d->found, 0, sizeof(d->found));
	memset(d->code, 0, sizeof(d->code));
	d->check_item = 0;
	d->check_step = 0;
	d->checklist = NULL;
	memset(d->answers, 0, sizeof(d->answers));
	d->qc_blocked = 0;
	d->qc_extra = 0;
	memset(&d->proposal, 0, sizeof(d->proposal));
}

/* Copy an expected return from the shell: every string terminated, so
 * nothing below can read past a field whatever the lookup returned. */
static void desk_expected_copy(struct expected_return *dst,
			       const struct expected_return *src)
{
	*dst = *src;
	dst->rma[sizeof(dst->rma) - 1] = '\0';
	dst->order_ref[sizeof(dst->order_ref) - 1] = '\0';
	dst->shop[sizeof(dst->shop) - 1] = '\0';
	dst->currency[sizeof(dst->currency) - 1] = '\0';
	for (int i = 0; i < RETURN_MAX_LOOKUP_CODES; i++)
		dst->lookup_codes[i][RETURN_REF_LEN - 1] = '\0';
	for (int i = 0; i < RETURN_MAX_ITEMS; i++) {
		struct return_item *it = &dst->items[i];

		it->sku[sizeof(it->sku) - 1] = '\0';
		it->gtin[sizeof(it->gtin) - 1] = '\0';
		it->name[sizeof(it->name) - 1] = '\0';
		it->category[sizeof(it->category) - 1] = '\0';
	}
}

/* The item's GTIN as 14 digits; false when it has none that can be
 * scanned (empty, or not 8 to 14 digits). */
static bool desk_item_gtin14(const struct return_item *it, char gtin[15])
{
	size_t n = strnlen(it->gtin, sizeof(it->gtin));

	if (n < 8 || n > 14)
		return false;
	for (size_t i = 0; i < n; i++)
		if (it->gtin[i] < '0' || it->gtin[i] > '9')
			return false;
	memset(gtin, '0', 14 - n);
	memcpy(gtin + 14 - n, it->gtin, n);
	gtin[14] = '\0';
	return true;
}

static bool desk_digits14(const char *s, size_t max, char gtin[15])
{
	if (strnlen(s, max) != 14)
		return false;
	for (int i = 0; i < 14; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	memcpy(gtin, s, 14);
	gtin[14] = '\0';
	return true;
}

static const char *desk_item_label(const struct return_item *it)
{
	if (it->name[0])
		return it->name;
	if (it->sku[0])
		return it->sku;
	return "(no name)";
}

/* ---- steps, forward -------------------------------------------------- */

static void desk_enter_photo(struct desk_run *r);
static void desk_enter_items(struct desk_run *r);
static void desk_enter_checklist(struct desk_run *r);
static void desk_enter_photo_sealed(struct desk_run *r);
static void desk_propose_return(struct desk_run *r);
static void desk_propose_unexpected(struct desk_run *r);
static void desk_propose_qc(struct desk_run *r);

static void desk_enter_scan(struct desk_run *r)
{
	struct desk *d = r->d;

	d->step = DESK_STEP_SCAN;
	desk_text(d->prompt, sizeof(d->prompt), "%s",
		  d->routine == DESK_ROUTINE_SHIP_QC
		      ? "Scan the order or packing slip"
		      : "Scan the return label");
}

static void desk_after_weigh(struct desk_run *r)
{
	desk_enter_photo(r);
}

static void desk_enter_weigh(struct desk_run *r)
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
		return;
	}
	/* No scale on this desk: the record says the step was skipped. */
	desk_emit_weight(r, false, 0, false);
	desk_after_weigh(r);
}

static void desk_after_photo(struct desk_run *r)
{
	if (r->d->routine == DESK_ROUTINE_SHIP_QC)
		desk_enter_checklist(r);
	else if (!r->d->have_expected)
		desk_propose_unexpected(r);
	else
		desk_enter_items(r);
}

static void desk_enter_photo(struct desk_run *r)
{
	struct desk *d = r->d;
	bool qc = d->routine == DESK_ROUTINE_SHIP_QC;

	d->step = DESK_STEP_PHOTO;
	if (!desk_has(r, DESK_DEVICE_CAMERA)) {
		desk_after_photo(r);
		return;
	}
	desk_emit_photo(r, qc ? "open_box" : "parcel");
	desk_text(d->prompt, sizeof(d->prompt), "%s",
		  qc ? "Photo of the open box: keep it under the camera"
		     : "Photo of the parcel: keep it under the camera");
}

/* True when the clerk can still scan units: a line with a GTIN is short. */
static bool desk_items_complete(const struct desk *d)
{
	char gtin[15];

	for (int i = 0; i < desk_n_items(d); i++) {
		if (!desk_item_gtin14(&d->expected.items[i], gtin))
			return false; /* only the clerk can say it is there */
		if (d->found.items[i].quantity < desk_expected_qty(d, i))
			return false;
	}
	return true;
}

static void desk_items_prompt(struct desk_run *r)
{
	struct desk *d = r->d;
	int64_t total = 0, scanned = 0;
	int next = -1;
	char gtin[15];

	for (int i = 0; i < desk_n_items(d); i++) {
		int32_t want = desk_expected_qty(d, i);
		int32_t got = d->found.items[i].quantity;

		total += want;
		scanned += got < want ? got : want;
		if (next < 0 && got < want)
			next = i;
	}
	if (next < 0) {
		desk_text(d->prompt, sizeof(d->prompt),
			  "All %lld items scanned: press accept",
			  (long long)total);
	} else if (!desk_item_gtin14(&d->expected.items[next], gtin)) {
		desk_text(d->prompt, sizeof(d->prompt),
			  "Check item %lld of %lld: %s (no barcode), then "
			  "press accept",
			  (long long)scanned + 1, (long long)total,
			  desk_item_label(&d->expected.items[next]));
	} else {
		desk_text(d->prompt, sizeof(d->prompt),
			  "Scan item %lld of %lld: %s", (long long)scanned + 1,
			  (long long)total,
			  desk_item_label(&d->expected.items[next]));
	}
}

/* Entering the items step (forward or back) starts the count afresh. */
static void desk_enter_items(struct desk_run *r)
{
	struct desk *d = r->d;

	d->step = DESK_STEP_ITEMS;
	memset(d->found.items, 0, sizeof(d->found.items));
	d->found.wrong_item = false;
	memset(d->answers, 0, sizeof(d->answers));
	d->qc_extra = 0;
	d->qc_blocked = 0;
	d->checklist = NULL;
	desk_items_prompt(r);
}

static void desk_after_items(struct desk_run *r)
{
	if (r->d->routine == DESK_ROUTINE_SHIP_QC)
		desk_enter_weigh(r);
	else
		desk_enter_checklist(r);
}

/* ---- checklist ------------------------------------------------------- */

static int desk_check_items(const struct desk *d)
{
	return d->routine == DESK_ROUTINE_SHIP_QC ? 1 : desk_n_items(d);
}

/* The template for checklist item @i, NULL when it gets none.  Ship-QC has
 * one checklist for the whole box; a return one per item found. */
static const struct checklist *desk_checklist_of(const struct desk_run *r,
						 int i)
{
	const struct desk *d = r->d;
	const struct checklist *cl;

	if (i < 0 || i >= desk_check_items(d))
		return NULL;
	if (d->routine == DESK_ROUTINE_SHIP_QC)
		cl = checklist_for(r->cfg->checklists, "ship_qc", "*");
	else if (d->found.items[i].quantity <= 0)
		return NULL;
	else
		cl = checklist_for(r->cfg->checklists, "return",
				   d->expected.items[i].category);
	if (!cl || cl->n_steps <= 0 || cl->n_steps > CHECKLIST_MAX_STEPS)
		return NULL;
	return cl;
}

/* Photo steps on a desk without a camera are skipped, not shown. */
static bool desk_step_shown(const struct desk_run *r,
			    const struct checklist *cl, int s)
{
	return cl->steps[s].kind != CHECKLIST_PHOTO || r->cfg->has_camera;
}

static bool desk_checklist_next(const struct desk_run *r, int *item, int *step)
{
	int s = *step + 1;

	for (int i = *item < 0 ? 0 : *item; i < desk_check_items(r->d);
	     i++, s = 0) {
		const struct checklist *cl = desk_checklist_of(r, i);

		if (!cl)
			continue;
		for (; s < cl->n_steps; s++)
			if (s >= 0 && desk_step_shown(r, cl, s)) {
				*item = i;
				*step = s;
				return true;
			}
	}
	return false;
}

/* @step CHECKLIST_MAX_STEPS with @item n-1 finds the very last step. */
static bool desk_checklist_prev(const struct desk_run *r, int *item, int *step)
{
	int n = desk_check_items(r->d);

	for (int i = *item >= n ? n - 1 : *item; i >= 0; i--) {
		const struct checklist *cl = desk_checklist_of(r, i);
		int s;

		if (!cl)
			continue;
		s = i == *item ? *step - 1 : cl->n_steps - 1;
		if (s > cl->n_steps - 1)
			s = cl->n_steps - 1;
		for (; s >= 0; s--)
			if (desk_step_shown(r, cl, s)) {
				*item = i;
				*step = s;
				return true;
			}
	}
	return false;
}

/* " (A / B / C / scrap)" for a choice, " (g)" for a measure. */
static void desk_step_hint(const struct checklist_step *st, char *buf,
			   size_t size)
{
	buf[0] = '\0';
	if (st->kind == CHECKLIST_CHOICE && st->n_choices > 0) {
		int nc = st->n_choices > CHECKLIST_MAX_CHOICES
			     ? CHECKLIST_MAX_CHOICES
			     : st->n_choices;
		size_t len = 0;

		for (int c = 0; c < nc && len < size; c++) {
			int w = snprintf(
			    buf + len, size - len, "%s%.*s", c ? " / " : " (",
			    (int)sizeof(st->choices[c]), st->choices[c]);

			if (w < 0)
				return;
			len += (size_t)w;
		}
		if (len + 2 <= size)
			memcpy(buf + len, ")", 2);
	} else if (st->kind == CHECKLIST_MEASURE && st->unit[0]) {
		desk_text(buf, size, " (%.*s)", (int)sizeof(st->unit),
			  st->unit);
	}
}

static void desk_checklist_goto(struct desk_run *r, int item, int step)
{
	struct desk *d = r->d;
	const struct checklist *cl = desk_checklist_of(r, item);
	const struct checklist_step *st;
	char hint[8 + CHECKLIST_MAX_CHOICES * 20];

	if (!cl)
		return;
	d->step = DESK_STEP_CHECKLIST;
	d->check_item = item;
	d->check_step = step;
	d->checklist = cl;
	st = &cl->steps[step];
	desk_step_hint(st, hint, sizeof(hint));
	desk_text(d->prompt, sizeof(d->prompt), "%.*s%s", (int)sizeof(st->text),
		  st->text, hint);
	if (st->kind == CHECKLIST_PHOTO) {
		char id[sizeof(st->id) + 1];

		desk_copy(id, sizeof(id), st->id, sizeof(st->id));
		desk_emit_photo(r, id);
	}
}

/* Answers become the found flags at the end, from scratch, so that a step
 * answered again after BACK counts with its last answer only. */
static void desk_checklist_apply_all(struct desk_run *r)
{
	struct desk *d = r->d;

	d->qc_blocked = 0;
	for (int i = 0; i < desk_check_items(d); i++) {
		const struct checklist *cl = desk_checklist_of(r, i);
		const char *answers[CHECKLIST_MAX_STEPS];
		struct found_item scratch, *target;
		int blocked;

		if (!cl)
			continue;
		for (int s = 0; s < CHECKLIST_MAX_STEPS; s++)
			answers[s] =
			    d->answers[i][s][0] ? d->answers[i][s] : NULL;
		memset(&scratch, 0, sizeof(scratch));
		if (d->routine == DESK_ROUTINE_SHIP_QC) {
			target = &scratch;
		} else {
			target = &d->found.items[i];
			target->seal_broken = false;
			target->buyer_damage = false;
			target->defect = false;
			target->handled_beyond_trial = false;
			target->grade = GRADE_NONE;
		}
		blocked = checklist_apply(cl, answers, target);
		if (blocked > 0)
			d->qc_blocked += blocked;
	}
}

static void desk_after_checklist(struct desk_run *r)
{
	desk_checklist_apply_all(r);
	if (r->d->routine == DESK_ROUTINE_SHIP_QC)
		desk_enter_photo_sealed(r);
	else
		desk_propose_return(r);
}

static void desk_enter_checklist(struct desk_run *r)
{
	int item = 0, step = -1;

	if (desk_checklist_next(r, &item, &step))
		desk_checklist_goto(r, item, step);
	else
		desk_after_checklist(r);
}

static void desk_checklist_advance(struct desk_run *r)
{
	int item = r->d->check_item, step = r->d->check_step;

	if (desk_checklist_next(r, &item, &step))
		desk_checklist_goto(r, item, step);
	else
		desk_after_checklist(r);
}

/* The current step, or NULL if the desk's checklist pointer went stale. */
static const struct checklist_step *desk_current_step(const struct desk *d)
{
	const struct checklist *cl = d->checklist;

	if (!cl || d->check_item < 0 || d->check_item >= RETURN_MAX_ITEMS ||
	    d->check_step < 0 || d->check_step >= cl->n_steps ||
	    d->check_step >= CHECKLIST_MAX_STEPS)
		return NULL;
	return &cl->steps[d->check_step];
}

static void desk_checklist_answer(struct desk_run *r, const char *answer)
{
	struct desk *d = r->d;
	const struct checklist *cl = d->checklist;
	const struct checklist_step *st = desk_current_step(d);
	char norm[CHECKLIST_ANSWER_LEN], err[128];
	struct desk_action *a;

	if (!st) {
		desk_refuse(r, "An answer");
		return;
	}
	if (checklist_answer_normalise(st, answer, norm, sizeof(norm), err,
				       sizeof(err)) < 0) {
		desk_problem(r, "%s", err[0] ? err : "Answer refused");
		return;
	}
	memcpy(d->answers[d->check_item][d->check_step], norm, sizeof(norm));
	if (st->kind == CHECKLIST_PHOTO)
		d->found.photographed = true;
	a = desk_emit(r, DESK_ACT_RECORD_ANSWER);
	if (a) {
		desk_copy(a->template_id, sizeof(a->template_id), cl->id,
			  sizeof(cl->id));
		a->template_version = cl->version;
		a->item = d->check_item;
		desk_copy(a->step, sizeof(a->step), st->id, sizeof(st->id));
		desk_copy(a->text, sizeof(a->text), norm, sizeof(norm));
	}
	desk_checklist_advance(r);
}

/* ---- proposals ------------------------------------------------------- */

static void desk_enter_confirm(struct desk_run *r)
{
	struct desk *d = r->d;
	const struct proposal *p = &d->proposal;

	d->step = DESK_STEP_CONFIRM;
	if (d->routine == DESK_ROUTINE_SHIP_QC) {
		desk_text(d->prompt, sizeof(d->prompt), "%s",
			  p->verdict == VERDICT_ACCEPT
			      ? "QC passed \u2014 press accept to confirm"
			      : "QC failed: call a supervisor");
		return;
	}
	if (p->verdict == VERDICT_ACCEPT || p->verdict == VERDICT_PARTIAL) {
		char money[48];

		desk_money(money, sizeof(money), p->refund_minor, p->currency);
		desk_text(d->prompt, sizeof(d->prompt),
			  "Proposal: %s, refund %s \u2014 press accept to "
			  "confirm",
			  desk_verdict_upper(p->verdict), money);
	} else {
		desk_text(d->prompt, sizeof(d->prompt),
			  "Proposal: %s \u2014 press accept to confirm",
			  desk_verdict_upper(p->verdict));
	}
}

static void desk_propose_return(struct desk_run *r)
{
	struct desk *d = r->d;

	/* Judged at the parcel's receipt, not when the clerk got here. */
	rules_propose(&d->expected, &d->found, &r->cfg->policy,
		      d->found.received_at, &d->proposal);
	desk_enter_confirm(r);
}

static void desk_reason_add(struct proposal *p, enum reason_code code, int item,
			    const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void desk_reason_add(struct proposal *p, enum reason_code code, int item,
			    const char *fmt, ...)
{
	struct reason *re;
	va_list ap;
	int n;

	if (p->n_reasons >= RULES_MAX_REASONS)
		return;
	re = &p->reasons[p->n_reasons++];
	re->code = code;
	re->item = item;
	va_start(ap, fmt);
	n = vsnprintf(re->text, sizeof(re->text), fmt, ap);
	va_end(ap);
	if (n < 0)
		re->text[0] = '\0';
	else if ((size_t)n >= sizeof(re->text))
		desk_trim_utf8(re->text);
}

static void desk_propose_unexpected(struct desk_run *r)
{
	struct desk *d = r->d;

	memset(&d->proposal, 0, sizeof(d->proposal));
	d->proposal.verdict = VERDICT_HOLD;
	desk_reason_add(&d->proposal, REASON_UNEXPECTED_RETURN, -1,
			"No expected return matches code %s; held for review "
			"by hand.",
			d->code);
	desk_enter_confirm(r);
}

/* Ship-QC tolerance: absolute, the larger of the desk's and the shop's. */
static int64_t desk_qc_tolerance(const struct desk_config *cfg)
{
	int64_t t = cfg->ship_qc_tolerance_g;

	if (cfg->policy.weight_tolerance_g > t)
		t = cfg->policy.weight_tolerance_g;
	return t < 0 ? 0 : t;
}

static bool desk_qc_weight_ok(const struct desk_run *r, int32_t grams)
{
	int64_t expected = expected_return_weight_g(&r->d->expected);
	int64_t diff;

	if (expected < 0 || grams < 0)
		return false;
	diff = expected - grams;
	if (diff < 0)
		diff = -diff;
	return diff <= desk_qc_tolerance(r->cfg);
}

static void desk_propose_qc(struct desk_run *r)
{
	struct desk *d = r->d;
	struct proposal *p = &d->proposal;
	bool pass = true;

	memset(p, 0, sizeof(*p));
	p->n_items = desk_n_items(d);
	desk_copy(p->currency, sizeof(p->currency), d->expected.currency, 3);
	for (int i = 0; i < desk_n_items(d); i++) {
		const struct return_item *it = &d->expected.items[i];
		int32_t want = desk_expected_qty(d, i);
		int32_t got = d->found.items[i].quantity;

		p->items[i].quantity_accepted = got < want ? got : want;
		p->items[i].accepted = got >= want;
		if (got >= want)
			continue;
		pass = false;
		desk_reason_add(p, REASON_MISSING_ITEM, i,
				"SKU %s: %d of %d units packed.",
				it->sku[0] ? it->sku : desk_item_label(it),
				(int)got, (int)want);
	}
	if (d->qc_extra > 0) {
		pass = false;
		desk_reason_add(p, REASON_WRONG_ITEM, -1,
				"%d extra item(s) scanned that are not in the "
				"order.",
				d->qc_extra);
	}
	if (d->found.weighed && !desk_qc_weight_ok(r, d->found.weight_g)) {
		pass = false;
		desk_reason_add(
		    p, REASON_WEIGHT_MISMATCH, -1,
		    "The box weighs %d g, expected %lld g +/- %lld g.",
		    (int)d->found.weight_g,
		    (long long)expected_return_weight_g(&d->expected),
		    (long long)desk_qc_tolerance(r->cfg));
	}
	if (d->qc_blocked > 0) {
		const struct checklist *cl = desk_checklist_of(r, 0);

		pass = false;
		/* No reason code of its own: a failed packing check is
		 * something missing from the box (filler, invoice, tape). */
		for (int s = 0; cl && s < cl->n_steps; s++)
			if (cl->steps[s].effect == CHECKLIST_EFFECT_BLOCK &&
			    strcmp(d->answers[0][s], "pass") != 0)
				desk_reason_add(p, REASON_MISSING_ITEM, -1,
						"Packing check failed: %.*s",
						(int)sizeof(cl->steps[s].text),
						cl->steps[s].text);
	}
	p->verdict = pass ? VERDICT_ACCEPT : VERDICT_REJECT;
	desk_enter_confirm(r);
}

static void desk_enter_photo_sealed(struct desk_run *r)
{
	struct desk *d = r->d;

	d->step = DESK_STEP_PHOTO_SEALED;
	if (!desk_has(r, DESK_DEVICE_CAMERA)) {
		desk_propose_qc(r);
		return;
	}
	desk_emit_photo(r, "sealed_box");
	desk_text(d->prompt, sizeof(d->prompt), "%s",
		  "Photo of the sealed box: keep it under the camera");
}

/* ---- decision -------------------------------------------------------- */

/* What the units found are worth at the order's prices (capped at the
 * quantity sold), for a clerk who accepts what the engine did not. */
static enum disposition desk_disposition_of(enum grade g)
{
	switch (g) {
	case GRADE_A:
		return DISPOSITION_RESTOCK;
	case GRADE_B:
		return DISPOSITION_RESTOCK_B;
	case GRADE_C:
		return DISPOSITION_REFURBISH;
	case GRADE_SCRAP:
		return DISPOSITION_SCRAP;
	default:
		return DISPOSITION_HOLD;
	}
}

/*
 * An override that pays what the rules would not: the decided lines are
 * the units found (at most those sold) at their price, so the refund's
 * lines add up to its amount.  The rules' verdict and reasons stay in the
 * proposal, beside the override and its reason.  0 (and @p untouched)
 * when there is nothing to pay or the sum does not fit.
 */
static int64_t desk_pay_found(const struct desk *d, struct proposal *p)
{
	int64_t total = 0, line[RETURN_MAX_ITEMS] = {0};
	int32_t qty[RETURN_MAX_ITEMS] = {0};

	for (int i = 0; i < desk_n_items(d); i++) {
		int32_t got = d->found.items[i].quantity;
		int64_t price = d->expected.items[i].unit_price_minor;

		if (got > desk_expected_qty(d, i))
			got = desk_expected_qty(d, i);
		if (got <= 0 || price <= 0)
			continue;
		if (__builtin_mul_overflow(price, (int64_t)got, &line[i]) ||
		    __builtin_add_overflow(total, line[i], &total))
			return 0;
		qty[i] = got;
	}
	for (int i = 0; total > 0 && i < desk_n_items(d); i++) {
		struct item_outcome *o = &p->items[i];

		if (!qty[i])
			continue;
		o->accepted = true;
		o->quantity_accepted = qty[i];
		o->refund_minor = line[i];
		o->deduction_minor = 0;
		o->grade = d->found.items[i].grade;
		o->disposition = desk_disposition_of(o->grade);
	}
	if (total > 0)
		p->refund_minor = total;
	return total;
}

/* What the decision leaves behind: rows, keys and label (decision.h). */
static int desk_plan(struct desk_run *r)
{
	const struct desk *d = r->d;
	const struct desk_decision *dec = &d->decision;
	struct decision_facts f = {
	    .ship_qc = dec->routine == DESK_ROUTINE_SHIP_QC,
	    .verdict = dec->verdict,
	    .refund_minor = dec->refund_minor,
	    .currency = dec->proposal.currency[0] ? dec->proposal.currency
						  : d->expected.currency,
	    .grade = dec->grade,
	    .disposition = dec->disposition,
	    .rma = d->have_expected ? d->expected.rma : "",
	    .order = d->have_expected ? d->expected.order_ref : "",
	    .shop = r->cfg->shop,
	    .desk = r->cfg->desk_name,
	    .clerk = d->clerk[0] ? d->clerk : "station",
	    .receipt_id = d->receipt_id,
	    .now = r->ev->now,
	    .grace_us = r->cfg->grace_us,
	    .utc_offset_min = r->cfg->policy.utc_offset_min,
	    .eu_summer_time = r->cfg->policy.eu_summer_time,
	};

	return decision_plan_make(&f, &r->d->plan);
}

static void desk_decide(struct desk_run *r, enum verdict v, bool overridden,
			const char *reason)
{
	struct desk *d = r->d;
	struct desk_decision *dec = &d->decision;
	struct desk_action *a;
	bool paid = v == VERDICT_ACCEPT || v == VERDICT_PARTIAL;

	memset(dec, 0, sizeof(*dec));
	dec->routine = d->routine;
	dec->verdict = v;
	dec->overridden = overridden;
	if (overridden)
		desk_copy(dec->override_reason, sizeof(dec->override_reason),
			  reason, SIZE_MAX);
	dec->proposal = d->proposal;
	dec->disposition = DISPOSITION_HOLD;
	dec->grade = GRADE_NONE;
	if (d->routine == DESK_ROUTINE_RETURN && paid && d->have_expected) {
		dec->refund_minor = d->proposal.refund_minor > 0
					? d->proposal.refund_minor
					: desk_pay_found(d, &dec->proposal);
		for (int i = 0; i < desk_n_items(d); i++) {
			if (d->proposal.items[i].accepted) {
				dec->disposition =
				    d->proposal.items[i].disposition;
				dec->grade = d->proposal.items[i].grade;
				break;
			}
			if (d->found.items[i].quantity > 0 &&
			    dec->grade == GRADE_NONE) {
				/* accepted against the proposal */
				dec->grade = d->found.items[i].grade;
				dec->disposition =
				    desk_disposition_of(dec->grade);
			}
		}
	}
	if (desk_plan(r) < 0) {
		desk_problem(r, "Decision NOT recorded: it cannot be keyed; "
				"call a supervisor");
		desk_fail_light(r);
		return;
	}
	a = desk_emit(r, DESK_ACT_DECIDE);
	if (a)
		desk_copy(a->text, sizeof(a->text), dec->override_reason,
			  sizeof(dec->override_reason));
	/* The desk stays at confirm until the shell says the decision is
	 * recorded (DESK_EV_DECIDED): if it is not, the clerk confirms again
	 * with nothing lost. */
	d->deciding = true;
}

/* The decision is in the record: print its label, start the next parcel. */
static void desk_decided(struct desk_run *r)
{
	struct desk *d = r->d;
	struct desk_action *a;

	d->last.receipt = d->receipt_id;
	desk_copy(d->last.verdict, sizeof(d->last.verdict), d->plan.verdict,
		  sizeof(d->plan.verdict));
	d->last.decided_at = d->plan.decided_at;
	d->last.undo_until = d->plan.decided_at + r->cfg->grace_us;
	if (d->plan.zpl_len > 0 && desk_has(r, DESK_DEVICE_PRINTER) &&
	    (a = desk_emit(r, DESK_ACT_PRINT_LABEL)))
		a->receipt_id = d->receipt_id;
	desk_parcel_reset(d);
	desk_enter_scan(r);
}

static void desk_on_decided(struct desk_run *r)
{
	struct desk *d = r->d;
	char why[96];

	r->keep_activity = true;
	if (!d->deciding) {
		desk_problem(r,
			     "Bad event: a decision outcome nobody asked for");
		r->ignored = true;
		return;
	}
	d->deciding = false;
	if (r->ev->result >= 0) {
		desk_decided(r);
		return;
	}
	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	desk_problem(r,
		     "Decision NOT recorded (%s): confirm again, or call a "
		     "supervisor",
		     why[0] ? why : "store error");
	desk_fail_light(r);
}

/* ---- events ---------------------------------------------------------- */

static void desk_on_sign_in(struct desk_run *r)
{
	struct desk *d = r->d;
	char clerk[sizeof(d->clerk)];

	if (desk_parcel_open(d)) {
		desk_refuse(r, "Signing in during a parcel is");
		return;
	}
	desk_copy(clerk, sizeof(clerk), r->ev->clerk, SIZE_MAX);
	if (desk_blank(clerk)) {
		desk_problem(r, "Bad event: a badge without a clerk id");
		r->ignored = true;
		return;
	}
	memcpy(d->clerk, clerk, sizeof(clerk));
	desk_parcel_reset(d);
	desk_enter_scan(r);
}

static void desk_on_sign_out(struct desk_run *r)
{
	struct desk *d = r->d;

	if (d->step != DESK_STEP_SCAN) {
		desk_refuse(r, "Signing out");
		return;
	}
	memset(d->clerk, 0, sizeof(d->clerk));
	d->step = DESK_STEP_SIGN_IN;
	desk_text(d->prompt, sizeof(d->prompt), "Scan your badge");
}

static void desk_on_routine(struct desk_run *r)
{
	struct desk *d = r->d;
	enum desk_routine ro = r->ev->routine;

	if (desk_parcel_open(d)) {
		desk_refuse(r, "Changing the routine");
		return;
	}
	if (ro != DESK_ROUTINE_RETURN && ro != DESK_ROUTINE_SHIP_QC) {
		desk_problem(r, "Bad event: unknown routine %d", (int)ro);
		r->ignored = true;
		return;
	}
	d->routine = ro;
	if (d->step == DESK_STEP_SCAN)
		desk_enter_scan(r);
}

/* A bounded, terminated copy of the scanned code. */
static void desk_code_copy(struct code *dst, const struct code *src)
{
	*dst = *src;
	dst->value[sizeof(dst->value) - 1] = '\0';
	dst->symbology[sizeof(dst->symbology) - 1] = '\0';
	dst->problem[sizeof(dst->problem) - 1] = '\0';
	dst->gs1.gtin[sizeof(dst->gs1.gtin) - 1] = '\0';
	dst->gs1.batch[sizeof(dst->gs1.batch) - 1] = '\0';
	dst->gs1.expiry[sizeof(dst->gs1.expiry) - 1] = '\0';
	dst->gs1.serial[sizeof(dst->gs1.serial) - 1] = '\0';
	dst->gs1.sscc[sizeof(dst->gs1.sscc) - 1] = '\0';
}

static void desk_code_rejected(struct desk_run *r, const struct code *c)
{
	char value[CODE_VALUE_LEN], why[sizeof(c->problem)];

	desk_copy(value, sizeof(value), c->value, sizeof(c->value));
	desk_copy(why, sizeof(why), c->problem, sizeof(c->problem));
	desk_problem(r, "Code %s rejected: %s; scan again", value,
		     why[0] ? why : "unreadable");
	desk_fail_light(r);
}

static void desk_open_parcel(struct desk_run *r, const struct code *c,
			     const struct expected_return *er)
{
	struct desk *d = r->d;

	desk_parcel_reset(d);
	desk_copy(d->code, sizeof(d->code), c->value, sizeof(c->value));
	if (er) {
		desk_expected_copy(&d->expected, er);
		d->have_expected = true;
		d->found.n_items = d->expected.n_items;
	}
	d->found.received_at = r->ev->now;
	desk_emit(r, DESK_ACT_OPEN_RECEIPT);
}

/*
 * A return already decided on another receipt is not opened again: a
 * second decision would refund it twice.  The clerk is told which receipt
 * it was; a label that never came out (printer off, power cut) is printed
 * again, since a rescan is what a clerk does with an unlabelled parcel.
 * Ship-QC orders may be checked again after a fix.
 */
static void desk_already_decided(struct desk_run *r,
				 const struct expected_return *er)
{
	char code[RETURN_REF_LEN];
	struct desk_action *a;
	bool unprinted = !r->ev->prior_label_printed;
	bool reprint = unprinted && desk_has(r, DESK_DEVICE_PRINTER);

	desk_copy(code, sizeof(code), er->rma[0] ? er->rma : er->order_ref,
		  sizeof(er->rma));
	desk_problem(r, "%s was already decided on receipt %lld%s", code,
		     (long long)r->ev->prior_receipt,
		     reprint	 ? "; its label is printed again"
		     : unprinted ? "; its label could not be printed again"
				 : "");
	r->d->reprint_receipt = 0;
	if (reprint && (a = desk_emit(r, DESK_ACT_PRINT_LABEL))) {
		a->receipt_id = r->ev->prior_receipt;
		a->reprint = true;
		r->d->reprint_receipt = r->ev->prior_receipt;
	}
	if ((a = desk_emit(r, DESK_ACT_SET_LIGHT)))
		a->light = DESK_LIGHT_AMBER;
	r->d->light = DESK_LIGHT_AMBER;
	r->keep_light = true;
	r->keep_activity = true;
}

static void desk_scan_parcel(struct desk_run *r, const struct code *c)
{
	struct desk *d = r->d;
	const struct expected_return *er = r->ev->expected;

	if (!c->valid) {
		desk_code_rejected(r, c);
		return;
	}
	if (er && er->kind != RETURN_SHIPMENT && r->ev->prior_receipt > 0) {
		desk_already_decided(r, er);
		return;
	}
	if (d->routine == DESK_ROUTINE_SHIP_QC) {
		if (!er || er->kind != RETURN_SHIPMENT) {
			char value[CODE_VALUE_LEN];

			desk_copy(value, sizeof(value), c->value,
				  sizeof(c->value));
			desk_problem(r, "order not found: %s", value);
			desk_fail_light(r);
			return;
		}
		desk_open_parcel(r, c, er);
		desk_enter_items(r);
		return;
	}
	/* A shipment's code at the returns desk is no return we expect. */
	if (er && er->kind != RETURN_WITHDRAWAL && er->kind != RETURN_COMPLAINT)
		er = NULL;
	desk_open_parcel(r, c, er);
	desk_enter_weigh(r);
}

/* A wrong unit is put on the first line nothing was found for yet, marked
 * as not matching, so the rules refuse that line with WRONG_ITEM.  When
 * every line already has units, only found.wrong_item says so and the
 * rules hold the parcel for review. */
static void desk_item_wrong(struct desk_run *r, const char *gtin,
			    const char *serial)
{
	struct desk *d = r->d;
	struct desk_action *a;

	d->found.wrong_item = true;
	for (int i = 0; i < desk_n_items(d); i++)
		if (d->found.items[i].quantity == 0) {
			d->found.items[i].quantity = 1;
			d->found.items[i].gtin_matched = false;
			break;
		}
	a = desk_emit(r, DESK_ACT_RECORD_ITEM_SCAN);
	if (a) {
		desk_copy(a->code, sizeof(a->code), gtin, 15);
		desk_copy(a->serial, sizeof(a->serial), serial, 21);
	}
	desk_problem(r, "Item %s was not sold in this order", gtin);
	desk_propose_return(r);
}

static void desk_scan_item(struct desk_run *r, const struct code *c)
{
	struct desk *d = r->d;
	bool qc = d->routine == DESK_ROUTINE_SHIP_QC;
	char gtin[15], serial[21] = "", line_gtin[15];
	int match = -1, full_match = -1;
	struct desk_action *a;

	if (!c->valid) {
		desk_code_rejected(r, c);
		return;
	}
	if (c->kind == CODE_GTIN &&
	    desk_digits14(c->value, sizeof(c->value), gtin)) {
		/* a plain product code */
	} else if (c->kind == CODE_GS1 && c->gs1.has_gtin &&
		   desk_digits14(c->gs1.gtin, sizeof(c->gs1.gtin), gtin)) {
		if (c->gs1.has_serial)
			desk_copy(serial, sizeof(serial), c->gs1.serial,
				  sizeof(c->gs1.serial));
	} else {
		char value[CODE_VALUE_LEN];

		desk_copy(value, sizeof(value), c->value, sizeof(c->value));
		desk_problem(r,
			     "Code %s is not a product code; scan the item's "
			     "barcode",
			     value);
		desk_fail_light(r);
		return;
	}
	for (int i = 0; i < desk_n_items(d); i++) {
		if (!desk_item_gtin14(&d->expected.items[i], line_gtin) ||
		    strcmp(line_gtin, gtin) != 0)
			continue;
		if (d->found.items[i].quantity < desk_expected_qty(d, i)) {
			match = i;
			break;
		}
		if (full_match < 0)
			full_match = i;
	}
	if (!qc && match < 0 && full_match < 0) {
		desk_item_wrong(r, gtin, serial);
		return;
	}
	if (qc && match < 0) {
		/* Extra or unknown: the QC will fail until items restart. */
		d->qc_extra++;
		a = desk_emit(r, DESK_ACT_RECORD_ITEM_SCAN);
		if (a) {
			a->item = full_match;
			desk_copy(a->code, sizeof(a->code), gtin, 15);
			desk_copy(a->serial, sizeof(a->serial), serial, 21);
		}
		desk_problem(r, "Extra item %s: remove it", gtin);
		desk_fail_light(r);
		return;
	}
	if (match < 0)
		match = full_match; /* an extra unit of a sold item */
	if (d->found.items[match].quantity < INT32_MAX)
		d->found.items[match].quantity++;
	d->found.items[match].gtin_matched = true;
	a = desk_emit(r, DESK_ACT_RECORD_ITEM_SCAN);
	if (a) {
		a->item = match;
		desk_copy(a->code, sizeof(a->code), gtin, 15);
		desk_copy(a->serial, sizeof(a->serial), serial, 21);
	}
	if (desk_items_complete(d))
		desk_after_items(r);
	else
		desk_items_prompt(r);
}

static void desk_on_scan(struct desk_run *r)
{
	struct code c;

	if (r->d->step != DESK_STEP_SCAN && r->d->step != DESK_STEP_ITEMS) {
		desk_refuse(r, "A scan");
		return;
	}
	if (!r->ev->code) {
		desk_problem(r, "Bad event: a scan without a code");
		r->ignored = true;
		return;
	}
	desk_code_copy(&c, r->ev->code);
	if (r->d->step == DESK_STEP_SCAN)
		desk_scan_parcel(r, &c);
	else
		desk_scan_item(r, &c);
}

static void desk_on_weight(struct desk_run *r)
{
	struct desk *d = r->d;
	int32_t grams = r->ev->grams;
	int64_t expected;
	bool mismatch = false;

	if (d->step != DESK_STEP_WEIGH) {
		desk_refuse(r, "A weight");
		return;
	}
	switch (r->ev->weight_status) {
	case DESK_WEIGHT_STABLE:
		break;
	case DESK_WEIGHT_UNSTABLE:
		desk_problem(r, "The weight does not settle: keep the parcel "
				"still and press the pedal");
		desk_fail_light(r);
		return;
	case DESK_WEIGHT_OVERLOAD:
		desk_problem(r, "Scale overloaded: the parcel is too heavy "
				"for it; skip the step or use another scale");
		desk_fail_light(r);
		return;
	case DESK_WEIGHT_UNDERLOAD:
		desk_problem(r, "Scale reads below zero: empty it, zero it "
				"and press the pedal");
		desk_fail_light(r);
		return;
	case DESK_WEIGHT_ERROR:
		desk_problem(r, "Scale error: press the pedal to try again "
				"or skip the step");
		desk_fail_light(r);
		return;
	case DESK_WEIGHT_OFFLINE:
		desk_problem(r, "Scale not answering: check its cable, press "
				"the pedal to try again or skip the step");
		desk_fail_light(r);
		return;
	default:
		desk_problem(r, "Bad event: unknown scale status %d",
			     (int)r->ev->weight_status);
		r->ignored = true;
		return;
	}
	if (grams < 0) {
		desk_problem(r,
			     "Scale reads %d g: empty it, zero it and press "
			     "the pedal",
			     (int)grams);
		desk_fail_light(r);
		return;
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
			int64_t pct = r->cfg->policy.weight_tolerance_pct;
			int64_t tol = r->cfg->policy.weight_tolerance_g, rel;

			if (pct < 0)
				pct = 0;
			if (__builtin_mul_overflow(expected / 100, pct, &rel))
				rel = INT64_MAX;
			else
				rel += expected % 100 * pct / 100;
			if (rel > tol)
				tol = rel;
			desk_problem(r,
				     "Weight %d g, expected %lld g +/- %lld g",
				     (int)grams, (long long)expected,
				     (long long)(tol < 0 ? 0 : tol));
		}
	}
	desk_emit_weight(r, true, grams, mismatch);
	desk_after_weigh(r);
}

static void desk_photo_failed(struct desk_run *r)
{
	char why[96];

	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	desk_problem(r, "Photo failed: %s; press the pedal to retry or skip",
		     why[0] ? why : "no picture");
	desk_fail_light(r);
}

static void desk_on_photo(struct desk_run *r)
{
	struct desk *d = r->d;
	const char *sha = r->ev->photo_sha256;
	const char *step = r->ev->photo_step;
	const struct checklist_step *st;

	/* Extra evidence is recorded by the shell and answers nothing; a
	 * photo for a step the desk has left (back, cancel) is late. */
	if (step &&
	    (!strcmp(step, "evidence") ||
	     strncmp(step, d->photo_pending, sizeof(d->photo_pending)))) {
		r->ignored = true;
		return;
	}
	d->photo_pending[0] = '\0';
	switch (d->step) {
	case DESK_STEP_PHOTO:
	case DESK_STEP_PHOTO_SEALED:
		if (!sha || !sha[0]) {
			desk_photo_failed(r);
			return;
		}
		if (d->step == DESK_STEP_PHOTO) {
			d->found.photographed = true;
			desk_after_photo(r);
		} else {
			desk_propose_qc(r);
		}
		return;
	case DESK_STEP_CHECKLIST:
		st = desk_current_step(d);
		if (!st || st->kind != CHECKLIST_PHOTO)
			break;
		if (!sha || !sha[0]) {
			desk_photo_failed(r);
			return;
		}
		desk_checklist_answer(r, sha);
		return;
	default:
		break;
	}
	desk_refuse(r, "A photo");
}

static void desk_on_answer(struct desk_run *r)
{
	if (r->d->step != DESK_STEP_CHECKLIST) {
		desk_refuse(r, "An answer");
		return;
	}
	if (!r->ev->text) {
		desk_problem(r, "Bad event: an answer without text");
		r->ignored = true;
		return;
	}
	desk_checklist_answer(r, r->ev->text);
}

static void desk_items_done(struct desk_run *r)
{
	struct desk *d = r->d;
	char gtin[15];

	/* A line without a barcode cannot be scanned: the clerk's word that
	 * the items are all checked stands for it. */
	for (int i = 0; i < desk_n_items(d); i++)
		if (!desk_item_gtin14(&d->expected.items[i], gtin) &&
		    d->found.items[i].quantity == 0) {
			d->found.items[i].quantity = desk_expected_qty(d, i);
			d->found.items[i].gtin_matched = true;
		}
	desk_after_items(r);
}

static void desk_confirm(struct desk_run *r, enum verdict v, const char *reason)
{
	struct desk *d = r->d;
	bool overridden = v != d->proposal.verdict;
	char text[128];

	if (v != VERDICT_ACCEPT && v != VERDICT_PARTIAL &&
	    v != VERDICT_REJECT && v != VERDICT_HOLD) {
		desk_problem(r, "Bad event: unknown verdict %d", (int)v);
		r->ignored = true;
		return;
	}
	if (d->routine == DESK_ROUTINE_SHIP_QC && v != VERDICT_ACCEPT &&
	    v != VERDICT_REJECT) {
		desk_problem(r, "Ship-QC passes (accept) or fails (reject)");
		return;
	}
	desk_copy(text, sizeof(text), reason, SIZE_MAX);
	if (overridden && desk_blank(text)) {
		desk_problem(r, "An override needs a reason");
		return;
	}
	desk_decide(r, v, overridden, text);
}

static void desk_on_button(struct desk_run *r)
{
	struct desk *d = r->d;
	enum desk_button b = r->ev->button;
	bool yes = b == DESK_BUTTON_ACCEPT || b == DESK_BUTTON_PEDAL;
	const struct checklist_step *st;
	char reason[128];

	if (b != DESK_BUTTON_ACCEPT && b != DESK_BUTTON_REJECT &&
	    b != DESK_BUTTON_PEDAL) {
		desk_problem(r, "Bad event: unknown button %d", (int)b);
		r->ignored = true;
		return;
	}
	switch (d->step) {
	case DESK_STEP_WEIGH:
		if (!yes)
			break;
		desk_emit(r, DESK_ACT_REQUEST_WEIGHT);
		return;
	case DESK_STEP_PHOTO:
	case DESK_STEP_PHOTO_SEALED:
		if (!yes)
			break;
		desk_emit_photo(
		    r, d->step == DESK_STEP_PHOTO_SEALED    ? "sealed_box"
		       : d->routine == DESK_ROUTINE_SHIP_QC ? "open_box"
							    : "parcel");
		return;
	case DESK_STEP_ITEMS:
		if (!yes)
			break;
		desk_items_done(r);
		return;
	case DESK_STEP_CHECKLIST:
		st = desk_current_step(d);
		if (!st)
			break;
		switch (st->kind) {
		case CHECKLIST_PASS_FAIL:
			desk_checklist_answer(r, yes ? "pass" : "fail");
			return;
		case CHECKLIST_INSTRUCTION:
			if (!yes)
				break;
			desk_checklist_answer(r, "done");
			return;
		case CHECKLIST_PHOTO:
			if (!yes)
				break;
			desk_emit_photo(r, st->id);
			return;
		default:
			desk_problem(r, "Answer this step on the screen");
			r->ignored = true;
			return;
		}
		break;
	case DESK_STEP_CONFIRM:
		if (yes) {
			desk_decide(r, d->proposal.verdict, false, NULL);
			return;
		}
		desk_text(reason, sizeof(reason), "rejected at the desk by %s",
			  d->clerk);
		desk_decide(r, VERDICT_REJECT,
			    d->proposal.verdict != VERDICT_REJECT, reason);
		return;
	default:
		break;
	}
	desk_refuse(r, b == DESK_BUTTON_PEDAL	 ? "The pedal"
		       : b == DESK_BUTTON_ACCEPT ? "The accept button"
						 : "The reject button");
}

static void desk_on_skip(struct desk_run *r)
{
	struct desk *d = r->d;
	const struct checklist_step *st;

	switch (d->step) {
	case DESK_STEP_WEIGH:
		d->found.weighed = false;
		desk_emit_weight(r, false, 0, false);
		desk_after_weigh(r);
		return;
	case DESK_STEP_PHOTO:
		desk_after_photo(r);
		return;
	case DESK_STEP_PHOTO_SEALED:
		desk_propose_qc(r);
		return;
	case DESK_STEP_CHECKLIST:
		st = desk_current_step(d);
		if (!st || st->kind != CHECKLIST_PHOTO)
			break;
		d->answers[d->check_item][d->check_step][0] = '\0';
		desk_checklist_advance(r);
		return;
	default:
		break;
	}
	desk_refuse(r, "Skipping");
}

static void desk_cancel(struct desk_run *r, const char *why)
{
	desk_emit_text(r, DESK_ACT_CANCEL_RECEIPT, why);
	desk_parcel_reset(r->d);
	desk_enter_scan(r);
}

/* The steps of the current parcel in order, SCAN first. */
static int desk_stages(const struct desk *d, enum desk_step st[])
{
	int n = 0;

	st[n++] = DESK_STEP_SCAN;
	if (d->routine == DESK_ROUTINE_SHIP_QC) {
		st[n++] = DESK_STEP_ITEMS;
		st[n++] = DESK_STEP_WEIGH;
		st[n++] = DESK_STEP_PHOTO;
		st[n++] = DESK_STEP_CHECKLIST;
		st[n++] = DESK_STEP_PHOTO_SEALED;
	} else {
		st[n++] = DESK_STEP_WEIGH;
		st[n++] = DESK_STEP_PHOTO;
		if (d->have_expected) {
			st[n++] = DESK_STEP_ITEMS;
			if (!d->found.wrong_item)
				st[n++] = DESK_STEP_CHECKLIST;
		}
	}
	st[n++] = DESK_STEP_CONFIRM;
	return n;
}

/* Enter @s going back; false when that step has nothing to show here. */
static bool desk_back_into(struct desk_run *r, enum desk_step s)
{
	int item, step;

	switch (s) {
	case DESK_STEP_SCAN:
		desk_cancel(r, "back to scan");
		return true;
	case DESK_STEP_WEIGH:
		if (!desk_has(r, DESK_DEVICE_SCALE))
			return false;
		desk_enter_weigh(r);
		return true;
	case DESK_STEP_PHOTO:
		if (!desk_has(r, DESK_DEVICE_CAMERA))
			return false;
		desk_enter_photo(r);
		return true;
	case DESK_STEP_PHOTO_SEALED:
		if (!desk_has(r, DESK_DEVICE_CAMERA))
			return false;
		desk_enter_photo_sealed(r);
		return true;
	case DESK_STEP_ITEMS:
		desk_enter_items(r);
		return true;
	case DESK_STEP_CHECKLIST:
		item = RETURN_MAX_ITEMS;
		step = CHECKLIST_MAX_STEPS;
		if (!desk_checklist_prev(r, &item, &step))
			return false;
		desk_checklist_goto(r, item, step);
		return true;
	default:
		return false;
	}
}

static void desk_on_back(struct desk_run *r)
{
	struct desk *d = r->d;
	enum desk_step st[DESK_STAGES_MAX];
	int n, at = -1;

	if (!desk_parcel_open(d)) {
		desk_refuse(r, "Going back");
		return;
	}
	if (d->step == DESK_STEP_CHECKLIST) {
		int item = d->check_item, step = d->check_step;

		if (desk_checklist_prev(r, &item, &step)) {
			desk_checklist_goto(r, item, step);
			return;
		}
	}
	n = desk_stages(d, st);
	for (int i = 0; i < n; i++)
		if (st[i] == d->step)
			at = i;
	if (at < 0) {
		/* a step this parcel never passes: start over */
		desk_cancel(r, "back to scan");
		return;
	}
	for (int i = at - 1; i >= 0; i--)
		if (desk_back_into(r, st[i]))
			return;
}

static void desk_on_cancel(struct desk_run *r)
{
	char why[128];

	if (!desk_parcel_open(r->d)) {
		desk_refuse(r, "Cancelling");
		return;
	}
	desk_text(why, sizeof(why), "cancelled by %s", r->d->clerk);
	desk_cancel(r, why);
}

static void desk_on_tick(struct desk_run *r)
{
	struct desk *d = r->d;
	int64_t timeout = r->cfg->step_timeout_us;
	uint64_t idle;
	char why[128];

	r->keep_light = true;
	if (!desk_parcel_open(d) || timeout <= 0 ||
	    r->ev->now <= d->last_activity)
		return;
	idle = (uint64_t)r->ev->now - (uint64_t)d->last_activity;
	if (idle <= (uint64_t)timeout)
		return;
	desk_text(why, sizeof(why), "timed out in step %s",
		  desk_step_name(d->step));
	desk_cancel(r, why);
	desk_problem(r, "Parcel parked after %llu minutes without activity",
		     (unsigned long long)(idle / (60 * USEC_PER_SEC)));
	desk_light_set(r, DESK_LIGHT_AMBER, false);
}

/* The clerk asks for a photo from the screen: at a photo step it is the
 * pedal; at any other step of an open parcel it is extra evidence. */
static void desk_on_photo_request(struct desk_run *r)
{
	const struct desk *d = r->d;
	const struct checklist_step *st = desk_current_step(d);
	struct desk_event pedal = *r->ev;

	if (d->step == DESK_STEP_PHOTO || d->step == DESK_STEP_PHOTO_SEALED ||
	    (d->step == DESK_STEP_CHECKLIST && st &&
	     st->kind == CHECKLIST_PHOTO)) {
		pedal.kind = DESK_EV_BUTTON;
		pedal.button = DESK_BUTTON_PEDAL;
		r->ev = &pedal;
		desk_on_button(r);
		return;
	}
	if (desk_parcel_open(d))
		desk_emit_photo(r, "evidence");
	r->ignored = true; /* nothing about the desk changes */
}

static void desk_on_scan_refused(struct desk_run *r)
{
	char why[128];

	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	desk_problem(r, "Scan refused: %s", why[0] ? why : "unreadable");
	desk_fail_light(r);
	r->keep_activity = true;
}

/*
 * The parcel's record could not be opened: without it no step can be
 * recorded, so the desk goes back to scan and says so, rather than walk
 * the clerk through a routine that would leave nothing behind.
 */
static void desk_on_receipt_opened(struct desk_run *r)
{
	struct desk *d = r->d;
	char why[96];

	r->keep_activity = true;
	if (!desk_parcel_open(d) || d->receipt_id) {
		desk_problem(r, "Bad event: a record nobody asked for");
		r->ignored = true;
		return;
	}
	if (r->ev->result >= 0 && r->ev->receipt > 0) {
		d->receipt_id = r->ev->receipt;
		r->keep_light = true;
		return;
	}
	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	desk_parcel_reset(d);
	desk_enter_scan(r);
	desk_problem(r, "Parcel NOT recorded (%s): scan it again",
		     why[0] ? why : "store error");
	desk_fail_light(r);
}

static void desk_on_record_failed(struct desk_run *r)
{
	char why[96];

	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	desk_problem(r, "Could not record this step (%s): try again",
		     why[0] ? why : "store error");
	r->keep_activity = true;
	r->keep_light = true;
}

static void desk_on_label_printed(struct desk_run *r)
{
	char why[96];

	r->keep_activity = true;
	r->keep_light = true;
	if (r->ev->result >= 0)
		return;
	desk_copy(why, sizeof(why), r->ev->text, SIZE_MAX);
	if (r->ev->receipt == r->d->reprint_receipt && r->d->problem[0])
		desk_problem(r,
			     "This return was already decided on receipt "
			     "%lld; its label could not be printed again: %s",
			     (long long)r->ev->receipt,
			     why[0] ? why : "printer error");
	else
		desk_problem(r, "Label for receipt %lld not printed: %s",
			     (long long)r->ev->receipt,
			     why[0] ? why : "printer error");
	r->d->reprint_receipt = 0;
}

static void desk_on_device(struct desk_run *r)
{
	struct desk *d = r->d;
	enum desk_device k = r->ev->device;
	enum desk_device_state s = r->ev->device_state;

	r->keep_activity = true;
	r->keep_light = true;
	if ((int)k < 0 || k >= DESK_DEVICE_COUNT ||
	    (s != DESK_DEVICE_CONNECTED && s != DESK_DEVICE_MISSING &&
	     s != DESK_DEVICE_FAULT)) {
		desk_problem(r, "Bad event: unknown device %d or state %d",
			     (int)k, (int)s);
		r->ignored = true;
		return;
	}
	d->devices[k] = s;
	desk_copy(d->device_reason[k], sizeof(d->device_reason[k]),
		  s == DESK_DEVICE_CONNECTED ? "" : r->ev->text, SIZE_MAX);
}

/* ---- entry points ---------------------------------------------------- */

void desk_init(struct desk *d, const struct desk_config *cfg)
{
	if (!d)
		return;
	memset(d, 0, sizeof(*d));
	d->routine = DESK_ROUTINE_RETURN;
	d->step = DESK_STEP_SIGN_IN;
	d->light = DESK_LIGHT_AMBER;
	desk_text(d->prompt, sizeof(d->prompt), "Scan your badge");
}

/* Reports (time, outcomes, devices) keep the problem the clerk sees: only
 * something the clerk did replaces it. */
static bool desk_event_is_report(enum desk_event_kind k)
{
	switch (k) {
	case DESK_EV_TICK:
	case DESK_EV_RECEIPT_OPENED:
	case DESK_EV_DECIDED:
	case DESK_EV_RECORD_FAILED:
	case DESK_EV_LABEL_PRINTED:
	case DESK_EV_DEVICE:
		return true;
	default:
		return false;
	}
}

void desk_handle(struct desk *d, const struct desk_config *cfg,
		 const struct desk_event *ev, struct desk_actions *out)
{
	struct desk_run r = {.d = d, .cfg = cfg, .ev = ev, .out = out};

	if (!out)
		return;
	out->n = 0;
	if (!d)
		return;
	if (!cfg || !ev) {
		desk_problem(&r, "Bad event: %s missing",
			     !cfg ? "configuration" : "event");
		return;
	}
	if (!desk_event_is_report(ev->kind))
		d->problem[0] = '\0';
	switch (ev->kind) {
	case DESK_EV_SIGN_IN:
		desk_on_sign_in(&r);
		break;
	case DESK_EV_SIGN_OUT:
		desk_on_sign_out(&r);
		break;
	case DESK_EV_ROUTINE:
		desk_on_routine(&r);
		break;
	case DESK_EV_SCAN:
		desk_on_scan(&r);
		break;
	case DESK_EV_WEIGHT:
		desk_on_weight(&r);
		break;
	case DESK_EV_PHOTO:
		desk_on_photo(&r);
		break;
	case DESK_EV_ANSWER:
		desk_on_answer(&r);
		break;
	case DESK_EV_BUTTON:
		desk_on_button(&r);
		break;
	case DESK_EV_CONFIRM:
		if (d->step != DESK_STEP_CONFIRM)
			desk_refuse(&r, "A confirmation");
		else
			desk_confirm(&r, ev->verdict, ev->text);
		break;
	case DESK_EV_ITEMS_DONE:
		if (d->step != DESK_STEP_ITEMS)
			desk_refuse(&r, "Items done");
		else
			desk_items_done(&r);
		break;
	case DESK_EV_SKIP:
		desk_on_skip(&r);
		break;
	case DESK_EV_BACK:
		desk_on_back(&r);
		break;
	case DESK_EV_CANCEL:
		desk_on_cancel(&r);
		break;
	case DESK_EV_TICK:
		desk_on_tick(&r);
		break;
	case DESK_EV_PHOTO_REQUEST:
		desk_on_photo_request(&r);
		break;
	case DESK_EV_SCAN_REFUSED:
		desk_on_scan_refused(&r);
		break;
	case DESK_EV_RECEIPT_OPENED:
		desk_on_receipt_opened(&r);
		break;
	case DESK_EV_DECIDED:
		desk_on_decided(&r);
		break;
	case DESK_EV_RECORD_FAILED:
		desk_on_record_failed(&r);
		break;
	case DESK_EV_LABEL_PRINTED:
		desk_on_label_printed(&r);
		break;
	case DESK_EV_DEVICE:
		desk_on_device(&r);
		break;
	default:
		desk_problem(&r, "Bad event: unknown kind %d", (int)ev->kind);
		r.ignored = true;
		break;
	}
	if (r.ignored)
		return;
	if (ev->kind != DESK_EV_TICK && !r.keep_activity)
		d->last_activity = ev->now;
	if (!r.failed && !r.keep_light)
		desk_light_set(&r, desk_step_light(d),
			       desk_step_light(d) == DESK_LIGHT_RED);
}
