/* SPDX-License-Identifier: MIT */
/*
 * What comes into the station: scanner lines, scale readings, buttons,
 * device state, and the clerk's and the integrator's calls through the
 * API.  Each becomes a desk event (station_act.c feeds it) or a call on
 * the store that needs no desk at all (registering a clerk, importing
 * expected returns, undo, outbox retry).
 *
 * The facts an event needs from the record (the expected return a code
 * names, whether it was decided already) are looked up here and passed
 * in; what to make of them is the desk's business.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/clock.h"
#include "retour/event.h"
#include "retour/expected_json.h"
#include "retour/log.h"

#include "station_internal.h"

static void station_audit(struct station *st, const char *actor,
			  const char *action)
{
	int r = store_audit_append(st->store, actor, action, st->cfg->desk,
				   NULL, clock_now_us());

	if (r < 0)
		log_error_errno(r, "audit entry %s for %s not written (%s)",
				action, actor, store_errmsg(st->store));
}

/* ---- scans ---- */

void station_refuse_scan(struct station *st, const char *why)
{
	struct desk_event ev = {.kind = DESK_EV_SCAN_REFUSED, .text = why};

	station_feed(st, &ev); /* the desk counts it */
}

/* Ask the desk to sign @name in with @role; the audit log records it
 * only when the desk took it (not during a parcel). */
static bool station_sign_in_as(struct station *st, const char *name,
			       const char *role)
{
	struct desk_event ev = {.kind = DESK_EV_SIGN_IN, .clerk = name};
	bool taken;

	station_feed(st, &ev);
	taken = !st->desk.problem[0] && !strcmp(st->desk.clerk, name);
	if (taken) {
		snprintf(st->clerk_role, sizeof(st->clerk_role), "%s",
			 role && *role ? role : "clerk");
		st->clerk_by_badge = true;
		station_audit(st, name, "clerk.sign_in");
	}
	return taken;
}

/* The classifier asks whether a scan is a badge: the record of clerks
 * (the configuration's and those registered through the API) says. */
static bool station_is_badge(const char *text, void *ctx)
{
	struct station *st = ctx;
	char name[64];

	return store_clerk_by_badge(st->store, text, name, sizeof(name)) == 0;
}

/* A badge signs in (or switches clerks between parcels). */
static void station_scan_badge(struct station *st, const char *badge)
{
	char name[64], role[16] = "";

	if (store_clerk_find(st->store, badge, name, sizeof(name), role,
			     sizeof(role)) == 0)
		station_sign_in_as(st, name, role);
}

/*
 * The expected return the code names: by the code's own reading when it
 * is valid, else by its other readings in turn (a DPD number that is also
 * a misread GTIN-14, a FedEx number that is also a UPC-A).  Which reading
 * may open a parcel is the desk's business (desk_scan.c).  NULL: none.
 */
static struct expected_return *station_expected_for(struct station *st,
						    const struct code *code)
{
	struct expected_return *er = malloc(sizeof(*er));

	if (!er)
		return NULL;
	/* an RMA inside a GS1 string or a bare GTIN never names a return;
	 * nothing more to try */
	if (code->valid && store_expected_find(st->store, code->value, er) == 0)
		return er;
	for (int i = 0; i < code->n_other && i < CODE_MAX_OTHER; i++)
		if (code->other[i].valid &&
		    store_expected_find(st->store, code->other[i].value, er) ==
			0)
			return er;
	free(er);
	return NULL;
}

void station_scan(struct station *st, const char *line, size_t len)
{
	struct code_patterns patterns = st->patterns;
	struct expected_return *er;
	struct desk_event ev = {.kind = DESK_EV_SCAN};
	struct code code;
	bool printed = true;

	/* one classifier for the desk and `retourctl code` (code.h) */
	patterns.is_badge = station_is_badge;
	patterns.badge_ctx = st;
	if (code_classify(line, len, &patterns, &code) < 0) {
		station_refuse_scan(st, code.problem);
		return;
	}
	if (code.kind == CODE_BADGE) {
		station_scan_badge(st, code.value);
		return;
	}
	er = station_expected_for(st, &code);
	if (er && store_expected_decided(st->store, er->id, &ev.prior_receipt,
					 &printed) > 0)
		ev.prior_label_printed = printed;
	else
		ev.prior_receipt = 0;
	ev.code = &code;
	ev.expected = er;
	station_feed(st, &ev);
	free(er);
}

/* ---- people ---- */

int station_sign_in(struct station *st, const char *badge, const char *name,
		    char *err, size_t errlen)
{
	char found[64], role[16] = "";

	if (badge && *badge) {
		if (store_clerk_find(st->store, badge, found, sizeof(found),
				     role, sizeof(role)) < 0) {
			snprintf(err, errlen, "unknown badge '%s'", badge);
			return -ENOENT;
		}
	} else if (name && *name) {
		/* a registered clerk: the config's (stored at the start) or
		 * one POST /api/v1/clerks added, as the sign-in screen's
		 * names (GET /api/v1/clerks) list them */
		if (store_clerk_named(st->store, name, role, sizeof(role)) <
		    0) {
			snprintf(err, errlen, "unknown clerk '%s'", name);
			return -ENOENT;
		}
		snprintf(found, sizeof(found), "%s", name);
	} else {
		snprintf(err, errlen, "give a badge or a name");
		return -EINVAL;
	}
	if (!station_sign_in_as(st, found, role)) {
		/* the desk says why: a parcel is open */
		snprintf(err, errlen,
			 "%s: finish or cancel the current "
			 "parcel first",
			 st->desk.problem);
		return -EBUSY;
	}
	/* by name: signed in, but not proven by a badge */
	st->clerk_by_badge = badge && *badge;
	return 0;
}

static int station_supervisor(struct station *st, const char *badge, char *by,
			      size_t bylen, char *err, size_t errlen);

int station_register_clerk(struct station *st, const char *badge,
			   const char *name, const char *role,
			   const char *supervisor, char *err, size_t errlen)
{
	char owner[64], by[64] = "";
	int r;

	if (!badge || !*badge || strlen(badge) >= 48 || !name || !*name ||
	    strlen(name) >= 64) {
		snprintf(err, errlen,
			 "badge (1-47 bytes) and name (1-63 bytes) "
			 "are required");
		return -EINVAL;
	}
	if (role && !store_clerk_role_valid(role)) {
		snprintf(err, errlen,
			 "role must be \"clerk\", \"packer\" or "
			 "\"supervisor\"");
		return -EINVAL;
	}
	/* who may pay what the rules refused is a supervisor's choice: a
	 * supervisor made through the API would let anyone at it pay */
	if (role && !strcmp(role, "supervisor")) {
		r = station_supervisor(st, supervisor, by, sizeof(by), err,
				       errlen);
		if (r < 0 && !(supervisor && *supervisor))
			snprintf(
			    err, errlen,
			    "registering a supervisor needs a supervisor: "
			    "give \"supervisor\" (a supervisor's badge) or "
			    "sign a supervisor in by badge first; nothing "
			    "recorded");
		if (r < 0)
			return r;
	}
	/* a badge keeps its owner and role: registering it again would let
	 * anyone at the API make themselves a supervisor */
	if (store_clerk_find(st->store, badge, owner, sizeof(owner), NULL, 0) ==
	    0) {
		snprintf(err, errlen, "badge '%.47s' is registered already",
			 badge);
		return -EEXIST;
	}
	r = store_clerk_put_role(st->store, badge, name, role ? role : "clerk",
				 clock_now_us());
	if (r < 0)
		snprintf(err, errlen, "clerk not stored: %s", strerror(-r));
	else
		station_audit(st, by[0] ? by : station_actor(st),
			      role && !strcmp(role, "supervisor")
				  ? "clerk.registered_supervisor"
				  : "clerk.registered");
	return r;
}

/* ---- the clerk's commands ---- */

static void station_command(struct station *st, enum desk_event_kind kind)
{
	struct desk_event ev = {.kind = kind};

	station_feed(st, &ev);
}

void station_sign_out(struct station *st)
{
	station_command(st, DESK_EV_SIGN_OUT);
}

void station_skip(struct station *st, const char *reason)
{
	struct desk_event ev = {.kind = DESK_EV_SKIP, .text = reason};

	station_feed(st, &ev);
}

void station_items_done(struct station *st)
{
	station_command(st, DESK_EV_ITEMS_DONE);
}

void station_back(struct station *st)
{
	station_command(st, DESK_EV_BACK);
}

void station_cancel(struct station *st)
{
	station_command(st, DESK_EV_CANCEL);
}

void station_photo(struct station *st)
{
	station_command(st, DESK_EV_PHOTO_REQUEST);
}

int station_weigh(struct station *st, char *err, size_t errlen)
{
	struct desk_event ev = {.kind = DESK_EV_BUTTON,
				.button = DESK_BUTTON_PEDAL};

	/* the pedal means "weigh again" only at the weigh step; elsewhere it
	 * answers a checklist step or confirms, which is not what was asked */
	if (st->desk.step != DESK_STEP_WEIGH) {
		snprintf(err, errlen,
			 "The scale is asked only at the weigh step (step %s)",
			 desk_step_name(st->desk.step));
		return -EBUSY;
	}
	station_feed(st, &ev);
	return 0;
}

int station_zero_scale(struct station *st, char *err, size_t errlen)
{
	enum desk_step step = st->desk.step;
	int r;

	/* from the weigh step on, a reading is the parcel's: a new zero
	 * under it would change what it weighs */
	if (step != DESK_STEP_SIGN_IN && step != DESK_STEP_SCAN) {
		snprintf(err, errlen,
			 "The scale is zeroed only between parcels, empty "
			 "(step %s)",
			 desk_step_name(step));
		return -EBUSY;
	}
	r = devices_zero_scale(st->devices);
	if (r == -ENODEV)
		snprintf(err, errlen,
			 "No scale to zero: this desk has none, or it is "
			 "unplugged");
	else if (r == -EOPNOTSUPP)
		snprintf(err, errlen,
			 "This scale cannot be zeroed from the station: empty "
			 "it and press its own zero key");
	else if (r == -EBUSY)
		snprintf(
		    err, errlen,
		    "The scale is answering a question: zero it again in a "
		    "moment");
	else if (r < 0)
		snprintf(err, errlen, "The scale was not zeroed: %s",
			 strerror(-r));
	else
		station_audit(st, station_actor(st), "scale.zeroed");
	return r;
}

int station_weigh_manual(struct station *st, int64_t grams, const char *reason,
			 char *err, size_t errlen)
{
	struct desk_event ev = {
	    .kind = DESK_EV_WEIGHT, .manual = true, .text = reason};
	int r = desk_manual_weight_check(&st->desk, grams, reason, err, errlen);

	if (r < 0)
		return r;
	ev.grams = (int32_t)grams; /* 1..DESK_MANUAL_WEIGHT_MAX_G */
	station_feed(st, &ev);
	return 0;
}

int station_choose_routine(struct station *st, const char *routine, char *err,
			   size_t errlen)
{
	struct desk_event ev = {.kind = DESK_EV_ROUTINE};

	if (routine && !strcmp(routine, "ship_qc"))
		ev.routine = DESK_ROUTINE_SHIP_QC;
	else if (routine && !strcmp(routine, "return"))
		ev.routine = DESK_ROUTINE_RETURN;
	else {
		snprintf(err, errlen,
			 "routine must be \"return\" or \"ship_qc\"");
		return -EINVAL;
	}
	station_feed(st, &ev);
	return 0;
}

void station_answer(struct station *st, const char *answer)
{
	struct desk_event ev = {.kind = DESK_EV_ANSWER, .text = answer};

	station_feed(st, &ev);
}

/*
 * Who authorises overriding a refusal: the supervisor whose badge came
 * with the confirm, else the signed-in clerk if a supervisor.  0 with the
 * name in @by, or -EACCES with @err for the clerk.
 */
int station_supervisor_word(struct station *st, const char *badge, char *by,
			    size_t bylen, const char *needs,
			    const char *nothing, char *err, size_t errlen)
{
	char role[16] = "";

	if (badge && *badge) {
		if (store_clerk_find(st->store, badge, by, bylen, role,
				     sizeof(role)) < 0) {
			snprintf(err, errlen,
				 "unknown supervisor badge '%.48s': %s", badge,
				 nothing);
			return -EACCES;
		}
		if (strcmp(role, "supervisor")) {
			snprintf(err, errlen,
				 "badge '%.48s' is %s's, a %s, not a "
				 "supervisor's: %s",
				 badge, by, role, nothing);
			return -EACCES;
		}
		return 0;
	}
	if (!strcmp(st->clerk_role, "supervisor") && st->desk.clerk[0] &&
	    st->clerk_by_badge) {
		snprintf(by, bylen, "%s", st->desk.clerk);
		return 0;
	}
	snprintf(err, errlen, "%s; %s", needs, nothing);
	return -EACCES;
}

static int station_supervisor(struct station *st, const char *badge, char *by,
			      size_t bylen, char *err, size_t errlen)
{
	return station_supervisor_word(
	    st, badge, by, bylen,
	    st->desk.routine == DESK_ROUTINE_SHIP_QC
		? "Passing a failed QC needs a supervisor: give "
		  "\"supervisor\" (the supervisor's badge) and a \"reason\""
		: "Overriding a refusal needs a supervisor: give "
		  "\"supervisor\" (the supervisor's badge) and a \"reason\"",
	    "nothing recorded", err, errlen);
}

int station_confirm(struct station *st, const char *verdict, const char *reason,
		    const char *supervisor, char *err, size_t errlen)
{
	return station_confirm_remedy(st, verdict, reason, supervisor, NULL, 0,
				      err, errlen);
}

int station_confirm_remedy(struct station *st, const char *verdict,
			   const char *reason, const char *supervisor,
			   const char *remedy, int64_t amount_minor, char *err,
			   size_t errlen)
{
	struct desk_event ev = {.kind = DESK_EV_CONFIRM,
				.text = reason,
				.remedy = remedy,
				.remedy_amount_minor = amount_minor};
	char by[64] = "";
	int r;

	if (!verdict) {
		snprintf(err, errlen,
			 "field \"verdict\" is required: accept, partial, "
			 "reject or hold");
		return -EINVAL;
	}
	if (!strcmp(verdict, "accept") || !strcmp(verdict, "qc_passed"))
		ev.verdict = VERDICT_ACCEPT;
	else if (!strcmp(verdict, "partial"))
		ev.verdict = VERDICT_PARTIAL;
	else if (!strcmp(verdict, "reject") || !strcmp(verdict, "qc_failed"))
		ev.verdict = VERDICT_REJECT;
	else if (!strcmp(verdict, "hold"))
		ev.verdict = VERDICT_HOLD;
	else {
		snprintf(err, errlen, "unknown verdict '%.40s'", verdict);
		return -EINVAL;
	}
	if (remedy && remedy[0] && remedy_from_name(remedy) <= 0) {
		snprintf(err, errlen,
			 "unknown remedy '%.40s': repair, replace, reduce or "
			 "refund",
			 remedy);
		return -EINVAL;
	}
	if (desk_override_needs_supervisor(&st->desk, ev.verdict)) {
		r = station_supervisor(st, supervisor, by, sizeof(by), err,
				       errlen);
		if (r < 0)
			return r;
		ev.authorised_by = by;
	}
	st->decide_result = 1;
	station_feed(st, &ev);
	if (st->decide_result < 0) {
		snprintf(err, errlen, "Decision NOT recorded: %s",
			 st->desk.problem);
		return -EIO;
	}
	if (st->decide_result == 1) {
		/* the desk refused it: its problem says why */
		snprintf(err, errlen, "%s",
			 st->desk.problem[0] ? st->desk.problem
					     : "not confirmed");
		return -EPERM;
	}
	return 0;
}

int station_remove(struct station *st, const char *code, char *err,
		   size_t errlen)
{
	struct desk_event ev = {.kind = DESK_EV_REMOVE};
	struct code c;

	if (code && code_classify(code, strlen(code), &st->patterns, &c) < 0) {
		snprintf(err, errlen, "not a code: %s", c.problem);
		return -EINVAL;
	}
	if (code)
		ev.code = &c;
	station_feed(st, &ev);
	/* taken: the desk clears the problem; refused: it says why */
	if (st->desk.problem[0]) {
		snprintf(err, errlen, "%s", st->desk.problem);
		return -EPERM;
	}
	return 0;
}

int station_start_unexpected(struct station *st, char *err, size_t errlen)
{
	struct desk_event ev = {.kind = DESK_EV_UNEXPECTED};
	bool offered = st->desk.step == DESK_STEP_SCAN && st->desk.not_found[0];

	station_feed(st, &ev);
	if (!offered) {
		snprintf(err, errlen, "%s", st->desk.problem);
		return -EBUSY;
	}
	if (st->desk.step == DESK_STEP_SCAN) {
		/* offered, but its record did not open: the desk says why */
		snprintf(err, errlen, "%s", st->desk.problem);
		return -EIO;
	}
	return 0;
}

int station_press(struct station *st, const char *button, char *err,
		  size_t errlen)
{
	return devices_press(st->devices, button, err, errlen);
}

/* ---- the record, without the desk ---- */

int station_undo(struct station *st, int64_t receipt_id, char *err,
		 size_t errlen)
{
	int r = store_receipt_undo(st->store, receipt_id, station_actor(st),
				   clock_now_us());

	if (r == -EALREADY)
		snprintf(err, errlen,
			 "too late: the shop was already told "
			 "about receipt %lld",
			 (long long)receipt_id);
	else if (r == -ENOENT)
		snprintf(err, errlen, "no decided receipt %lld",
			 (long long)receipt_id);
	else if (r < 0)
		snprintf(err, errlen, "undo failed: %s", strerror(-r));
	if (r == 0) {
		st->last_undone = receipt_id;
		station_label_void(st, receipt_id);
	}
	station_outbox_refresh(st);
	return r;
}

int station_outbox_retry(struct station *st, int64_t id, char *err,
			 size_t errlen)
{
	int r = store_outbox_retry(st->store, id, station_actor(st),
				   clock_now_us());

	if (r == -ENOENT)
		snprintf(err, errlen, "no outbox entry %lld waiting or dead",
			 (long long)id);
	else if (r == -EALREADY) /* done or cancelled: nothing to send */
		snprintf(err, errlen,
			 "%s: only a waiting or dead entry is sent again",
			 store_errmsg(st->store));
	else if (r < 0)
		snprintf(err, errlen, "retry failed: %s", strerror(-r));
	else if (st->sender)
		outbox_sender_kick(st->sender);
	if (r == 0 && st->photo_sender)
		outbox_sender_kick(st->photo_sender);
	station_outbox_refresh(st);
	return r;
}

int station_import_expected(struct station *st, json_t *doc, json_t *kept,
			    char *err, size_t errlen)
{
	struct expected_return *ers = NULL;
	int n, r = 0, stored = 0;

	n = expected_json_parse_batch(doc, &st->cfg->policy, &ers, err, errlen);
	if (n < 0)
		return n == -E2BIG ? -EINVAL : n;
	if (n == 0) {
		snprintf(err, errlen, "no expected returns in the body");
		return -EINVAL;
	}
	/* All parsed: store them, each upsert in its own transaction. */
	for (int i = 0; i < n && r >= 0; i++) {
		r = store_expected_put(st->store, &ers[i], "api",
				       clock_now_us());
		if (r == STORE_EXPECTED_KEPT && kept)
			json_array_append_new(
			    kept,
			    json_string(ers[i].rma[0] ? ers[i].rma
						      : ers[i].order_ref));
		else if (r == 0)
			stored++;
	}
	free(ers);
	if (r < 0) {
		snprintf(err, errlen, "not stored: %s (%s)", strerror(-r),
			 store_errmsg(st->store));
		return r;
	}
	return stored;
}
