/* SPDX-License-Identifier: MIT */
/*
 * The desk's routes: each one is a command to the station (scan, sign in,
 * choose a routine, weigh, answer, confirm, press a button, undo...) and
 * answers with the desk's status, so a client sees what its command did.
 * The station decides; this file only reads the request's fields and turns
 * what became of the command into the status code: 200 taken, 409 refused
 * (the desk's problem says why), 500 not recorded, 202 a button queued.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api_internal.h"

static void reply_status(struct station *st, struct api_reply *rp)
{
	api_reply_json(rp, 200, station_status(st));
}

/* A record the command needed was not written: the answer says so, and
 * says "not recorded" once. */
static void reply_not_recorded(struct api_reply *rp, unsigned status,
			       const char *why)
{
	/* 409: the return was decided on another receipt meanwhile */
	const char *code = status == 409 ? "already_decided" : "not_recorded";

	if (strcasestr(why, "not recorded"))
		api_reply_error_code(rp, status, code, "%s", why);
	else
		api_reply_error_code(rp, status, code, "not recorded: %s", why);
}

/*
 * What a command to the desk answers, from what became of it
 * (station_command_outcome): the desk's status when it was taken, 409
 * with the desk's problem when the desk refused it or the return was
 * decided on another receipt, 500 when its record was not written, and
 * for a photo, 409 without a parcel and 503 when the camera failed.
 */
static void reply_command(struct station *st, struct api_reply *rp,
			  enum api_route_id id)
{
	char why[256];
	int r = station_command_outcome(st, why, sizeof(why));

	if (r == -EPERM) /* the desk's own word: not now */
		api_reply_error_code(rp, 409, "refused_by_desk", "%s", why);
	else if (r == -EEXIST)
		reply_not_recorded(rp, 409, why);
	else if (r == -ENODEV && id == API_PHOTO)
		api_reply_error(rp, 503, "%s", why);
	else if (r == 1 && id == API_PHOTO)
		api_reply_error(rp, 409,
				"no parcel is open: there is nothing to "
				"photograph");
	else if (r < 0 && r != -ENODEV)
		reply_not_recorded(rp, 500, why);
	else
		reply_status(st, rp);
}

/*
 * What a command that reports its own refusal answers: @r < 0 with @err
 * the error at @status (a decision that was not recorded: 409 when the
 * return was decided on another receipt meanwhile, else 500); taken, what
 * became of it (reply_command).
 */
static void reply_outcome(struct station *st, struct api_reply *rp,
			  enum api_route_id id, int r, unsigned status,
			  const char *err)
{
	char why[256];

	if (r >= 0) {
		reply_command(st, rp, id);
		return;
	}
	if (status != 500) {
		api_reply_error_code(
		    rp, status,
		    r == -EPERM && status == 409 ? "refused_by_desk" : NULL,
		    "%s", err);
		return;
	}
	if (station_command_outcome(st, why, sizeof(why)) == -EEXIST)
		reply_not_recorded(rp, 409, why);
	else
		reply_not_recorded(rp, 500, err);
}

/* A command whose body must carry the string field @key. */
static const char *body_string(const struct api_request *rq, const char *key,
			       json_t **j, struct api_reply *rp)
{
	const char *s;

	if (!(*j = api_body_json(rq, rp)))
		return NULL;
	s = api_json_str(*j, key);
	if (!s) {
		json_decref(*j);
		*j = NULL;
		api_reply_error(rp, 400, "field \"%s\" (a string) is required",
				key);
	}
	return s;
}

static void desk_scan(struct station *st, const struct api_request *rq,
		      struct api_reply *rp)
{
	json_t *j;
	const char *code = body_string(rq, "code", &j, rp);

	if (!code)
		return;
	station_scan(st, code, strlen(code));
	json_decref(j);
	reply_command(st, rp, API_SCAN);
}

static void desk_answer(struct station *st, const struct api_request *rq,
			struct api_reply *rp)
{
	json_t *j;
	const char *answer = body_string(rq, "answer", &j, rp);

	if (!answer)
		return;
	station_answer(st, answer);
	json_decref(j);
	reply_command(st, rp, API_ANSWER);
}

static void desk_sign_in(struct station *st, const struct api_request *rq,
			 struct api_reply *rp)
{
	char err[256] = "";
	json_t *j;
	int r;

	if (!(j = api_body_json(rq, rp)))
		return;
	r = station_sign_in(st, api_json_str(j, "badge"),
			    api_json_str(j, "name"), err, sizeof(err));
	json_decref(j);
	if (r < 0)
		api_reply_error(rp,
				r == -EBUSY    ? 409
				: r == -ENOENT ? 404
					       : 400,
				"%s", err);
	else
		reply_status(st, rp);
}

static void desk_register_clerk(struct station *st,
				const struct api_request *rq,
				struct api_reply *rp)
{
	char err[256] = "";
	json_t *j;
	int r;

	if (!(j = api_body_json(rq, rp)))
		return;
	if (json_object_get(j, "role") && !api_json_str(j, "role")) {
		json_decref(j);
		api_reply_error(rp, 400,
				"field \"role\" must be \"clerk\", "
				"\"packer\" or \"supervisor\"");
		return;
	}
	r = station_register_clerk(
	    st, api_json_str(j, "badge"), api_json_str(j, "name"),
	    api_json_str(j, "role"), api_json_str(j, "supervisor"), err,
	    sizeof(err));
	json_decref(j);
	if (r < 0)
		api_reply_error(rp,
				r == -EINVAL   ? 400
				: r == -EACCES ? 403
				: r == -EEXIST ? 409
					       : 500,
				"%s", err);
	else
		api_reply_json(rp, 201, json_pack("{s:b}", "ok", 1));
}

static void desk_choose_routine(struct station *st,
				const struct api_request *rq,
				struct api_reply *rp)
{
	char err[256] = "";
	json_t *j;
	int r;

	if (!(j = api_body_json(rq, rp)))
		return;
	r = station_choose_routine(st, api_json_str(j, "routine"), err,
				   sizeof(err));
	json_decref(j);
	if (r < 0)
		api_reply_error(rp, 400, "%s", err);
	else
		reply_command(st, rp, API_ROUTINE);
}

static void desk_confirm(struct station *st, const struct api_request *rq,
			 struct api_reply *rp)
{
	char err[256] = "";
	json_t *j;
	int r;

	json_t *amount;

	if (!(j = api_body_json(rq, rp)))
		return;
	/* A complaint's remedy, and a price reduction's amount. */
	amount = json_object_get(j, "amount_minor");
	if (amount && !json_is_integer(amount)) {
		json_decref(j);
		api_reply_error(rp, 400, "amount_minor: expected an integer");
		return;
	}
	r = station_confirm_remedy(
	    st, api_json_str(j, "verdict"), api_json_str(j, "reason"),
	    api_json_str(j, "supervisor"), api_json_str(j, "remedy"),
	    amount ? (int64_t)json_integer_value(amount) : 0, err, sizeof(err));
	json_decref(j);
	/* refused (no supervisor, no reason): 409; not recorded: 500 */
	reply_outcome(st, rp, API_CONFIRM, r,
		      r == -EINVAL ? 400
		      : r == -EIO  ? 500
				   : 409,
		      err);
}

/* Ship-QC: take a unit out of the box ({"code": ...} optional). */
static void desk_remove(struct station *st, const struct api_request *rq,
			struct api_reply *rp)
{
	char err[256] = "";
	json_t *j = NULL;
	int r;

	if (rq->len > 0 && !(j = api_body_json(rq, rp)))
		return;
	r = station_remove(st, j ? api_json_str(j, "code") : NULL, err,
			   sizeof(err));
	json_decref(j);
	reply_outcome(st, rp, API_REMOVE, r, r == -EINVAL ? 400 : 409, err);
}

/*
 * POST /api/v1/weigh: no body (or one without "grams" and "reason") asks
 * the scale again; {"grams":N,"reason":"..."} is a manual weight, taken
 * at the weigh step only (409 elsewhere, 400 for bad input).
 */
static void desk_weigh(struct station *st, const struct api_request *rq,
		       struct api_reply *rp)
{
	char err[256] = "";
	json_t *j, *grams;
	const char *reason;
	int r;

	if (!rq->len) {
		r = station_weigh(st, err, sizeof(err));
		reply_outcome(st, rp, API_WEIGH, r, 409, err);
		return;
	}
	if (!(j = api_body_json(rq, rp)))
		return;
	if (!json_is_object(j)) {
		json_decref(j);
		api_reply_error(rp, 400, "the body must be a JSON object");
		return;
	}
	grams = json_object_get(j, "grams");
	reason = api_json_str(j, "reason");
	if (!grams && !json_object_get(j, "reason")) {
		json_decref(j);
		r = station_weigh(st, err, sizeof(err));
		reply_outcome(st, rp, API_WEIGH, r, 409, err);
		return;
	}
	if (!json_is_integer(grams) || !reason) {
		json_decref(j);
		api_reply_error(rp, 400,
				"a manual weight needs \"grams\" (whole "
				"grams, an integer) and \"reason\" (a "
				"string)");
		return;
	}
	r = station_weigh_manual(st, json_integer_value(grams), reason, err,
				 sizeof(err));
	json_decref(j);
	reply_outcome(st, rp, API_WEIGH, r, r == -EBUSY ? 409 : 400, err);
}

/* Skip the step: no body, or {"reason": "camera gone"} for the record. */
static void desk_skip(struct station *st, const struct api_request *rq,
		      struct api_reply *rp)
{
	const char *reason = NULL;
	json_t *j = NULL;

	if (rq->len) {
		if (!(j = api_body_json(rq, rp)))
			return;
		reason = json_is_object(j) ? api_json_str(j, "reason") : NULL;
		if (!reason || !*reason || strlen(reason) > 200 ||
		    strpbrk(reason, "\n\r\t")) {
			json_decref(j);
			api_reply_error(rp, 400,
					"the body is {\"reason\": \"...\"}: "
					"1 to 200 bytes on one line, why the "
					"step is skipped");
			return;
		}
	}
	station_skip(st, reason);
	json_decref(j);
	reply_command(st, rp, API_SKIP);
}

static void desk_press(struct station *st, const char *button,
		       struct api_reply *rp)
{
	char err[256] = "";
	int r = station_press(st, button, err, sizeof(err));

	if (r < 0 && !err[0])
		snprintf(err, sizeof(err),
			 "the %s button cannot be pressed from here: %s",
			 button, strerror(-r));
	/* A press is queued like a GPIO edge: the desk takes it after this
	 * answer, and its status says what became of it. */
	if (r < 0)
		api_reply_error(rp,
				r == -EINVAL   ? 404
				: r == -ENODEV ? 503
					       : 409,
				"%s", err);
	else
		api_reply_json(rp, 202, json_pack("{s:s}", "pressed", button));
}

/* The receipt a body {"receipt": ID} names; 0 with a 400 in @rp when it
 * names none. */
static int64_t body_receipt(const struct api_request *rq, struct api_reply *rp)
{
	json_t *j, *id;
	int64_t v = 0;

	if (!(j = api_body_json(rq, rp)))
		return 0;
	id = json_object_get(j, "receipt");
	if (json_is_integer(id) && json_integer_value(id) > 0)
		v = json_integer_value(id);
	else
		api_reply_error(rp, 400,
				"field \"receipt\" (a receipt id) is required");
	json_decref(j);
	return v;
}

/* The store finds no decided receipt @id to undo: when the receipt is there
 * (open, cancelled, or undone already, maybe by another client a moment
 * ago) that is a 409 saying its state, not a 404.  True when answered. */
static bool undo_refused_for_its_state(struct station *st, int64_t id,
				       struct api_reply *rp)
{
	json_t *r = NULL;
	const char *state;

	if (station_return_get(st, id, &r) < 0 || !r)
		return false;
	state = api_json_str(r, "state");
	api_reply_error(rp, 409,
			"receipt %lld is %s, not decided: nothing to "
			"undo",
			(long long)id, state ? state : "not decided");
	json_decref(r);
	return true;
}

static void desk_undo(struct station *st, const struct api_request *rq,
		      struct api_reply *rp)
{
	char err[256] = "";
	int64_t id = body_receipt(rq, rp);
	int r;

	if (!id)
		return;
	r = station_undo(st, id, err, sizeof(err));
	if (r == -ENOENT && undo_refused_for_its_state(st, id, rp))
		return;
	if (r < 0)
		api_reply_error(rp,
				r == -ENOENT	 ? 404
				: r == -EALREADY ? 409
						 : 500,
				"%s", err);
	else
		reply_status(st, rp);
}

/* 202: queued for the printer; its outcome is on the receipt's labels. */
static void desk_reprint(struct station *st, const struct api_request *rq,
			 struct api_reply *rp)
{
	char err[256] = "";
	int64_t id = body_receipt(rq, rp);
	int r;

	if (!id)
		return;
	r = station_reprint(st, id, err, sizeof(err));
	if (r < 0)
		api_reply_error(rp,
				r == -ENOENT	? 404
				: r == -ENODATA ? 409
						: 503,
				"%s", err);
	else
		api_reply_json(rp, 202,
			       json_pack("{s:I,s:b}", "receipt", (json_int_t)id,
					 "queued", 1));
}

/* After "not found": an unexpected return with the code (409 when the
 * desk offers none, 503 when its record did not open). */
static void desk_unexpected(struct station *st, struct api_reply *rp)
{
	char err[256] = "";
	int r = station_start_unexpected(st, err, sizeof(err));

	reply_outcome(st, rp, API_UNEXPECTED, r, r == -EBUSY ? 409 : 503, err);
}

void api_desk_answer(struct station *st, const struct api_route *route,
		     const struct api_request *rq, struct api_reply *rp)
{
	switch (route->id) {
	case API_STATUS:
		reply_status(st, rp);
		return;
	case API_SCAN:
		desk_scan(st, rq, rp);
		return;
	case API_SIGN_IN:
		desk_sign_in(st, rq, rp);
		return;
	case API_SIGN_OUT:
		station_sign_out(st);
		break;
	case API_REGISTER_CLERK:
		desk_register_clerk(st, rq, rp);
		return;
	case API_ROUTINE:
		desk_choose_routine(st, rq, rp);
		return;
	case API_WEIGH:
		desk_weigh(st, rq, rp);
		return;
	case API_SCALE_ZERO: {
		char err[256] = "";
		int r = station_zero_scale(st, err, sizeof(err));

		/* the desk's state or the scale's kind refuse it; anything
		 * else is the scale failing to take it */
		reply_outcome(
		    st, rp, API_SCALE_ZERO, r,
		    r == -EBUSY || r == -ENODEV || r == -EOPNOTSUPP ? 409 : 503,
		    err);
		return;
	}
	case API_PHOTO:
		station_photo(st);
		break;
	case API_SKIP:
		desk_skip(st, rq, rp);
		return;
	case API_ITEMS_DONE:
		station_items_done(st);
		break;
	case API_BACK:
		station_back(st);
		break;
	case API_CANCEL:
		station_cancel(st);
		break;
	case API_ANSWER:
		desk_answer(st, rq, rp);
		return;
	case API_CONFIRM:
		desk_confirm(st, rq, rp);
		return;
	case API_BUTTON:
		desk_press(st, route->button, rp);
		return;
	case API_UNDO:
		desk_undo(st, rq, rp);
		return;
	case API_REPRINT:
		desk_reprint(st, rq, rp);
		return;
	case API_REMOVE:
		desk_remove(st, rq, rp);
		return;
	case API_UNEXPECTED:
		desk_unexpected(st, rp);
		return;
	default:
		api_reply_error(rp, 500, "route %d is not the desk's",
				(int)route->id);
		return;
	}
	/* The commands without a body: what the desk made of them. */
	reply_command(st, rp, route->id);
}
