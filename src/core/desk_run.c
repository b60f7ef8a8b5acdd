/* SPDX-License-Identifier: MIT */
/*
 * What every step of the desk uses during one desk_handle() call: bounded
 * text that stays valid UTF-8, the actions appended for the shell, the
 * light and the problem shown to the clerk, and the parcel's state (which
 * devices the desk has, how many items were expected, starting afresh).
 * The bottom of the desk's files: it calls no step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "desk_run.h"

/* After truncation, drop a UTF-8 sequence cut in half: the screen's JSON
 * encoder refuses invalid UTF-8. */
void desk_trim_utf8(char *s)
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

void desk_text(char *buf, size_t size, const char *fmt, ...)
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
void desk_copy(char *dst, size_t size, const char *src, size_t srcmax)
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

bool desk_blank(const char *s)
{
	if (!s)
		return true;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return false;
	return true;
}

/* NULL when the action list is full: the shell's list never overflows. */
struct desk_action *desk_emit(struct desk_run *r, enum desk_action_kind kind)
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

void desk_emit_weight(struct desk_run *r, bool weighed, int32_t grams,
		      bool mismatch)
{
	struct desk_action *a = desk_emit(r, DESK_ACT_RECORD_WEIGHT);

	if (!a)
		return;
	a->weighed = weighed;
	a->grams = weighed ? grams : 0;
	a->mismatch = mismatch;
}

void desk_emit_photo(struct desk_run *r, const char *step)
{
	struct desk_action *a = desk_emit(r, DESK_ACT_TAKE_PHOTO);

	struct desk *d = r->d;

	if (!a)
		return;
	/* callers pass literals or a template's id[32] */
	desk_copy(a->step, sizeof(a->step), step, 32);
	a->photo_tag = ++d->photo_tags;
	if (!strcmp(step, "evidence"))
		return; /* extra evidence: the shell records it, no step waits
			 */
	d->photo_wait.tag = a->photo_tag;
	d->photo_wait.step = d->step;
	d->photo_wait.check_item = d->check_item;
	d->photo_wait.check_step = d->check_step;
}

static void desk_tower_emit(struct desk_run *r, enum tower_state s)
{
	struct desk_action *a = desk_emit(r, DESK_ACT_SET_LIGHT);

	r->d->tower = s;
	r->d->light = (enum desk_light)tower_colour(s);
	if (a) {
		a->tower = s;
		a->tower_then = s; /* a refusal's: set by desk_handle() */
		a->light = r->d->light;
		a->buzzer = tower_beeps(s);
	}
}

void desk_tower_set(struct desk_run *r, enum tower_state s)
{
	if (r->d->tower != s)
		desk_tower_emit(r, s);
}

void desk_tower_show(struct desk_run *r, enum tower_state s)
{
	desk_tower_emit(r, s);
	r->keep_light = true;
}

void desk_tower_alarm(struct desk_run *r, enum tower_state s)
{
	desk_tower_emit(r, s);
	r->failed = true;
}

/* @buf (of @size) says @fmt; @said its code and values. */
static void desk_say(char *buf, size_t size, struct said *said,
		     const char *code, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	said_capture(said, code, fmt, ap);
	va_copy(aq, ap);
	n = vsnprintf(buf, size, fmt, aq);
	va_end(aq);
	if (n < 0) {
		buf[0] = '\0';
		said_clear(said);
	} else if ((size_t)n >= size) {
		desk_trim_utf8(buf);
	}
}

void desk_problem(struct desk_run *r, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	desk_say(r->d->problem, sizeof(r->d->problem), &r->d->problem_said,
		 code, fmt, ap);
	va_end(ap);
}

void desk_prompt(struct desk *d, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	desk_say(d->prompt, sizeof(d->prompt), &d->prompt_said, code, fmt, ap);
	va_end(ap);
}

/* A refusal the clerk must see: red light and two beeps, every time. */
void desk_fail_light(struct desk_run *r)
{
	desk_tower_alarm(r, TOWER_REFUSED);
}

/* Refuse the event: the problem says why, nothing else changes. */
void desk_refuse(struct desk_run *r, const char *what_code, const char *what)
{
	struct said *s = &r->d->problem_said;

	desk_problem(r, "not_expected_now", "%s not expected now (step %s)",
		     what, desk_step_name(r->d->step));
	/* the screen says what was refused in its own words: its code */
	snprintf(s->args[0], sizeof(s->args[0]), "%s", what_code);
	r->ignored = true;
}

void desk_code_rejected(struct desk_run *r, const struct code *c)
{
	char value[CODE_VALUE_LEN], why[sizeof(c->problem)];

	desk_copy(value, sizeof(value), c->value, sizeof(c->value));
	desk_copy(why, sizeof(why), c->problem, sizeof(c->problem));
	desk_problem(r, "code_rejected", "Code %s rejected: %s; scan again",
		     value, why[0] ? why : "unreadable");
	desk_fail_light(r);
}

/* The board has the device and it has not gone missing: a step that
 * needs a device that is not there is skipped, and the record says so. */
bool desk_has(const struct desk_run *r, enum desk_device k)
{
	bool on_board = k == DESK_DEVICE_SCALE	   ? r->cfg->has_scale
			: k == DESK_DEVICE_CAMERA  ? r->cfg->has_camera
			: k == DESK_DEVICE_PRINTER ? r->cfg->has_printer
						   : true;

	return on_board && r->d->devices[k] != DESK_DEVICE_MISSING;
}

bool desk_parcel_open(const struct desk *d)
{
	return d->step != DESK_STEP_SIGN_IN && d->step != DESK_STEP_SCAN;
}

int desk_n_items(const struct desk *d)
{
	int n = d->expected.n_items;

	return n < 0 ? 0 : n > RETURN_MAX_ITEMS ? RETURN_MAX_ITEMS : n;
}

int32_t desk_expected_qty(const struct desk *d, int i)
{
	int32_t q = d->expected.items[i].quantity;

	return q < 0 ? 0 : q;
}

void desk_parcel_reset(struct desk *d)
{
	d->receipt_id = 0;
	d->photo_wait.tag = 0;
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

const char *desk_item_label(const struct return_item *it)
{
	if (it->name[0])
		return it->name;
	if (it->sku[0])
		return it->sku;
	return "(no name)";
}
