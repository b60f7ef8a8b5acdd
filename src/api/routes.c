/* SPDX-License-Identifier: MIT */
/*
 * Which route a request takes: the method, the path and the query become
 * a route and its arguments, or a refusal with the status and message the
 * client sees.  Pure: no socket, no station, so the whole table is
 * unit-tested (tests/unit/test_api_routes.c), and docs/API.md is checked
 * against api_routes[] below (tests/system/test_api_contract.py reads it).
 *
 * The order of the checks is part of the API: a path no row has is 404; a
 * path some row has, with another method, is 405 with the methods it
 * takes; then the query (a parameter the route does not take, or a bad
 * value, is 400), then the id in the path (400).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/civil_time.h"

#include "api_internal.h"

#define API_DEFAULT_LIMIT 100
#define API_MAX_LIMIT 10000

/* The query parameters of the lists. */
#define API_LIST_PARAMS "limit"
#define API_OUTBOX_PARAMS "state limit"
#define API_RETURNS_PARAMS "order rma tracking status kind since from to limit"
#define API_CSV_PARAMS "from to kind status"
#define API_KPI_PARAMS "from to"

/*
 * Every route the server has: one row per method and path.  "{id}" in a
 * path is one segment, a record id; "{file}" one segment, a file's name.
 * @params names the query parameters the route takes, separated by spaces.
 */
static const struct api_route_row {
	const char *method;
	const char *path;
	enum api_route_id id;
	const char *params;
} api_routes[] = {
    {"GET", "/healthz", API_HEALTHZ, ""},
    {"GET", "/metrics", API_METRICS, ""},
    /* the screen (static.c, events.c) */
    {"GET", "/", API_UI, ""},
    {"GET", "/ui/{file}", API_UI, ""},
    {"GET", "/api/v1/events", API_EVENTS, ""},
    /* the desk */
    {"GET", "/api/v1/status", API_STATUS, ""},
    {"POST", "/api/v1/scan", API_SCAN, ""},
    {"POST", "/api/v1/clerk", API_SIGN_IN, ""},
    {"DELETE", "/api/v1/clerk", API_SIGN_OUT, ""},
    {"POST", "/api/v1/clerks", API_REGISTER_CLERK, ""},
    {"GET", "/api/v1/clerks", API_CLERKS_LIST, ""},
    {"POST", "/api/v1/routine", API_ROUTINE, ""},
    {"POST", "/api/v1/weigh", API_WEIGH, ""},
    {"POST", "/api/v1/scale/zero", API_SCALE_ZERO, ""},
    {"POST", "/api/v1/photo", API_PHOTO, ""},
    {"POST", "/api/v1/skip", API_SKIP, ""},
    {"POST", "/api/v1/items-done", API_ITEMS_DONE, ""},
    {"POST", "/api/v1/answer", API_ANSWER, ""},
    {"POST", "/api/v1/confirm", API_CONFIRM, ""},
    {"POST", "/api/v1/buttons/accept", API_BUTTON, ""},
    {"POST", "/api/v1/buttons/reject", API_BUTTON, ""},
    {"POST", "/api/v1/buttons/pedal", API_BUTTON, ""},
    {"POST", "/api/v1/buttons/parcel", API_BUTTON, ""},
    {"POST", "/api/v1/back", API_BACK, ""},
    {"POST", "/api/v1/cancel", API_CANCEL, ""},
    {"POST", "/api/v1/undo", API_UNDO, ""},
    {"POST", "/api/v1/reprint", API_REPRINT, ""},
    {"POST", "/api/v1/remove", API_REMOVE, ""},
    {"POST", "/api/v1/unexpected", API_UNEXPECTED, ""},
    /* the records */
    {"GET", "/api/v1/expected", API_EXPECTED_LIST, API_LIST_PARAMS},
    {"POST", "/api/v1/expected", API_EXPECTED_IMPORT, ""},
    {"GET", "/api/v1/expected/{id}", API_EXPECTED_GET, ""},
    {"DELETE", "/api/v1/expected/{id}", API_EXPECTED_CANCEL, ""},
    {"GET", "/api/v1/returns", API_RETURNS_LIST, API_RETURNS_PARAMS},
    {"GET", "/api/v1/returns.csv", API_RETURNS_CSV, API_CSV_PARAMS},
    {"GET", "/api/v1/photos/{id}", API_PHOTO_GET, ""},
    {"GET", "/api/v1/kpi", API_KPI, API_KPI_PARAMS},
    {"GET", "/api/v1/returns/{id}", API_RETURN_GET, ""},
    {"GET", "/api/v1/receipts/{id}/evidence.pdf", API_EVIDENCE_PDF, ""},
    {"GET", "/api/v1/receipts/{id}/evidence.zip", API_EVIDENCE_ZIP, ""},
    {"GET", "/api/v1/receipts/{id}/evidence.json", API_EVIDENCE_JSON, ""},
    {"GET", "/api/v1/outbox", API_OUTBOX_LIST, API_OUTBOX_PARAMS},
    {"POST", "/api/v1/outbox/{id}/retry", API_OUTBOX_RETRY, ""},
    {"POST", "/api/v1/pull", API_PULL_NOW, ""},
    {"GET", "/api/v1/complaints/due", API_COMPLAINTS_DUE, ""},
    {"GET", "/api/v1/db/check", API_DB_CHECK, ""},
    {"GET", "/api/v1/audit/verify", API_AUDIT_VERIFY, ""},
    /* the desk's system (system.c) */
    {"GET", "/api/v1/system", API_SYSTEM, ""},
    {"GET", "/api/v1/system/bundles", API_SYSTEM_BUNDLES, ""},
    {"GET", "/api/v1/system/update", API_SYSTEM_UPDATE_GET, ""},
    {"POST", "/api/v1/system/update", API_SYSTEM_UPDATE, "supervisor"},
};

#define API_N_ROUTES (sizeof(api_routes) / sizeof(api_routes[0]))

void api_query_add(struct api_query *q, const char *key, const char *value)
{
	if (q->n == API_QUERY_MAX) {
		q->too_many = true;
		return;
	}
	q->arg[q->n].key = key ? key : "";
	q->arg[q->n].value = value ? value : "";
	q->n++;
}

const char *api_query_get(const struct api_query *q, const char *key)
{
	for (int i = 0; q && i < q->n; i++)
		if (!strcmp(q->arg[i].key, key))
			return q->arg[i].value;
	return NULL;
}

/*
 * @path against @pattern, segment by segment: "{id}" takes any one
 * non-empty segment, whose start is put in @id_at.
 */
static bool path_matches(const char *pattern, const char *path,
			 const char **id_at)
{
	while (*pattern) {
		if (!strncmp(pattern, "{file}", 6)) {
			size_t n = strcspn(path, "/");

			if (!n)
				return false;
			path += n;
			pattern += 6;
			continue;
		}
		if (!strncmp(pattern, "{id}", 4)) {
			size_t n = strcspn(path, "/");

			if (!n)
				return false;
			*id_at = path;
			path += n;
			pattern += 4;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return !*path;
}

/* A record id: a positive decimal, the whole segment. */
static bool parse_record_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || (*end && *end != '/') || v <= 0)
		return false;
	*id = v;
	return true;
}

/* Whether @key is one of the space-separated words of @params. */
static bool param_known(const char *params, const char *key)
{
	size_t n = strlen(key);

	while (*params) {
		size_t w = strcspn(params, " ");

		if (w == n && n && !strncmp(params, key, n))
			return true;
		params += w;
		params += strspn(params, " ");
	}
	return false;
}

/*
 * The fields a route's JSON body may have, separated by spaces; NULL for a
 * route that takes no body (none, or an empty object, is accepted), "*"
 * for one that checks its whole body itself (an import).  A field is a
 * string (or null: not given) unless marked ":i", an integer the route
 * checks itself.  Each route still checks its fields' values and which it
 * requires.
 */
static const char *body_fields(enum api_route_id id)
{
	switch (id) {
	case API_SCAN:
	case API_REMOVE:
		return "code";
	case API_SIGN_IN:
		return "badge name";
	case API_REGISTER_CLERK:
		return "badge name role supervisor";
	case API_ROUTINE:
		return "routine";
	case API_WEIGH:
		return "grams:i reason";
	case API_SKIP:
		return "reason";
	case API_ANSWER:
		return "answer";
	case API_CONFIRM:
		return "verdict reason supervisor remedy amount_minor:i";
	case API_REPRINT:
	case API_UNDO:
		return "receipt:i";
	case API_PULL_NOW:
		return "connector";
	case API_EXPECTED_IMPORT:
	case API_SYSTEM_UPDATE: /* the bundle's bytes, or JSON naming one */
		return "*";
	default:
		return NULL;
	}
}

/* @key in @fields: NULL when it is not one of them, else the word, which
 * ends in ":i" for an integer. */
static const char *body_field(const char *fields, const char *key)
{
	size_t n = strlen(key);

	while (*fields) {
		size_t w = strcspn(fields, " ");

		if (n && w >= n && !strncmp(fields, key, n) &&
		    (w == n || fields[n] == ':'))
			return fields;
		fields += w;
		fields += strspn(fields, " ");
	}
	return NULL;
}

int api_route_body_check(const struct api_route *route, const char *method,
			 const char *path, const struct api_request *rq,
			 struct api_reply *rp)
{
	const char *fields = body_fields(route->id);
	const char *key;
	json_t *j, *v;

	/* a GET's body has no meaning: it is not read */
	if ((fields && !strcmp(fields, "*")) || !rq->len ||
	    !strcmp(method, "GET") || !strcmp(method, "HEAD"))
		return 0;
	if (!(j = api_body_json(rq, rp)))
		return -EINVAL;
	if (!fields) {
		bool empty = json_is_object(j) && !json_object_size(j);

		json_decref(j);
		if (empty)
			return 0;
		api_reply_error(rp, 400, "%s %s takes no body", method, path);
		return -EINVAL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		api_reply_error(rp, 400, "the body must be a JSON object (%s)",
				fields);
		return -EINVAL;
	}
	json_object_foreach(j, key, v)
	{
		const char *f = body_field(fields, key);

		if (!f) {
			api_reply_error(rp, 400,
					"unknown field '%.40s' in the body of "
					"%s %s",
					key, method, path);
			json_decref(j);
			return -EINVAL;
		}
		if (f[strlen(key)] != ':' && !json_is_string(v) &&
		    !json_is_null(v)) {
			api_reply_error(rp, 400,
					"field '%.40s' must be a string", key);
			json_decref(j);
			return -EINVAL;
		}
	}
	json_decref(j);
	return 0;
}

static int check_params(const struct api_route_row *row,
			const struct api_query *q, struct api_reply *rp)
{
	if (q && q->too_many) {
		api_reply_error(rp, 400, "more than %d query parameters",
				API_QUERY_MAX);
		return -EINVAL;
	}
	for (int i = 0; q && i < q->n; i++) {
		if (!param_known(row->params, q->arg[i].key)) {
			if (row->params[0])
				api_reply_error(rp, 400,
						"unknown parameter '%.40s' on "
						"%s %s (known: %s)",
						q->arg[i].key, row->method,
						row->path, row->params);
			else
				api_reply_error(rp, 400,
						"%s %s takes no query "
						"parameters; '%.40s' given",
						row->method, row->path,
						q->arg[i].key);
			return -EINVAL;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(q->arg[i].key, q->arg[j].key)) {
				api_reply_error(rp, 400,
						"parameter '%.40s' given twice",
						q->arg[i].key);
				return -EINVAL;
			}
	}
	return 0;
}

static int parse_limit(const char *limit, struct api_route *route,
		       struct api_reply *rp)
{
	char *end;
	long v;

	if (!limit)
		return 0;
	errno = 0;
	v = strtol(limit, &end, 10);
	if (errno || end == limit || *end || v < 1 || v > API_MAX_LIMIT) {
		api_reply_error(rp, 400, "limit must be 1..10000");
		return -EINVAL;
	}
	route->limit = (int)v;
	return 0;
}

static int parse_outbox_state(const char *state, struct api_route *route,
			      struct api_reply *rp)
{
	if (state && strcmp(state, "pending") && strcmp(state, "done") &&
	    strcmp(state, "dead") && strcmp(state, "cancelled")) {
		api_reply_error(rp, 400,
				"state must be pending, done, dead or "
				"cancelled");
		return -EINVAL;
	}
	route->state = state;
	return 0;
}

/* "YYYY-MM-DD": a day of the calendar, 0 with its day number. */
static bool parse_day(const char *s, int64_t *days)
{
	int y, m, d, n = 0;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return false;
	if (m < 1 || m > 12 || d < 1 || d > civil_time_days_in_month(y, m))
		return false;
	*days = civil_time_days_from_civil(y, m, d);
	return true;
}

static int parse_bound(const char *name, const char *text,
		       struct api_time_bound *b, struct api_reply *rp)
{
	if (!text)
		return 0;
	b->given = true;
	if (parse_day(text, &b->value)) {
		b->is_day = true;
		return 0;
	}
	if (civil_time_parse_rfc3339(text, &b->value) == 0)
		return 0;
	api_reply_error(rp, 400,
			"%s must be a date (YYYY-MM-DD) or an RFC 3339 time, "
			"not '%.40s'",
			name, text);
	return -EINVAL;
}

/* A code to look for: 1..47 bytes, no control characters. */
static int parse_code(const char *name, const char *text, char *dst,
		      size_t size, struct api_reply *rp)
{
	size_t n;

	if (!text)
		return 0;
	n = strlen(text);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			n = 0;
	if (!n || n >= size) {
		api_reply_error(rp, 400,
				"%s must be 1..%zu bytes without control "
				"characters",
				name, size - 1);
		return -EINVAL;
	}
	memcpy(dst, text, n + 1);
	return 0;
}

static int parse_receipt_status(const char *status, struct api_route *route,
				struct api_reply *rp)
{
	static const char *const states[] = {"open", "decided", "cancelled",
					     "undone"};
	static const char *const verdicts[] = {
	    "accept", "partial", "reject", "hold", "qc_passed", "qc_failed"};

	if (!status)
		return 0;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(status, states[i])) {
			snprintf(route->filter.state,
				 sizeof(route->filter.state), "%s", status);
			return 0;
		}
	for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (!strcmp(status, verdicts[i])) {
			snprintf(route->filter.verdict,
				 sizeof(route->filter.verdict), "%s", status);
			return 0;
		}
	api_reply_error(rp, 400,
			"status must be open, decided, cancelled, undone, "
			"accept, partial, reject, hold, qc_passed or "
			"qc_failed, not '%.40s'",
			status);
	return -EINVAL;
}

/* ?kind=: the expected return's kind, or unexpected (none). */
static int parse_kind(const char *kind, struct api_route *route,
		      struct api_reply *rp)
{
	static const char *const kinds[] = {"withdrawal", "complaint",
					    "shipment", "unexpected"};

	if (!kind)
		return 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i])) {
			snprintf(route->filter.kind, sizeof(route->filter.kind),
				 "%s", kind);
			return 0;
		}
	api_reply_error(rp, 400,
			"kind must be withdrawal, complaint, shipment or "
			"unexpected, not '%.40s'",
			kind);
	return -EINVAL;
}

/* The KPI's range: whole days, at most 366 of them, in order. */
#define API_KPI_MAX_DAYS 366
static int parse_kpi_query(const struct api_query *q, struct api_route *route,
			   struct api_reply *rp)
{
	const char *from = api_query_get(q, "from"),
		   *to = api_query_get(q, "to");

	if (from && !parse_day(from, &route->from.value)) {
		api_reply_error(rp, 400, "from must be a date YYYY-MM-DD");
		return -EINVAL;
	}
	if (to && !parse_day(to, &route->to.value)) {
		api_reply_error(rp, 400, "to must be a date YYYY-MM-DD");
		return -EINVAL;
	}
	route->from.given = route->from.is_day = from != NULL;
	route->to.given = route->to.is_day = to != NULL;
	if (from && to && route->to.value < route->from.value) {
		api_reply_error(rp, 400, "to is before from");
		return -EINVAL;
	}
	if (from && to &&
	    route->to.value - route->from.value >= API_KPI_MAX_DAYS) {
		api_reply_error(rp, 400, "at most %d days at once",
				API_KPI_MAX_DAYS);
		return -EINVAL;
	}
	return 0;
}

static int parse_returns_query(const struct api_query *q,
			       struct api_route *route, struct api_reply *rp)
{
	struct receipt_filter *f = &route->filter;

	if (parse_kind(api_query_get(q, "kind"), route, rp) < 0 ||
	    parse_bound("since", api_query_get(q, "since"), &route->since, rp) <
		0)
		return -EINVAL;

	if (parse_code("order", api_query_get(q, "order"), f->order,
		       sizeof(f->order), rp) < 0 ||
	    parse_code("rma", api_query_get(q, "rma"), f->rma, sizeof(f->rma),
		       rp) < 0 ||
	    parse_code("tracking", api_query_get(q, "tracking"), f->tracking,
		       sizeof(f->tracking), rp) < 0 ||
	    parse_receipt_status(api_query_get(q, "status"), route, rp) < 0 ||
	    parse_bound("from", api_query_get(q, "from"), &route->from, rp) <
		0 ||
	    parse_bound("to", api_query_get(q, "to"), &route->to, rp) < 0)
		return -EINVAL;
	return 0;
}

static int parse_query(const struct api_route_row *row,
		       const struct api_query *q, struct api_route *route,
		       struct api_reply *rp)
{
	if (check_params(row, q, rp) < 0 ||
	    parse_limit(api_query_get(q, "limit"), route, rp) < 0)
		return -EINVAL;
	if (row->id == API_OUTBOX_LIST)
		return parse_outbox_state(api_query_get(q, "state"), route, rp);
	if (row->id == API_RETURNS_LIST || row->id == API_RETURNS_CSV)
		return parse_returns_query(q, route, rp);
	if (row->id == API_KPI)
		return parse_kpi_query(q, route, rp);
	return 0;
}

int api_route_allowed(const char *path, char *allow, size_t size)
{
	const char *id_at;
	size_t len = 0;
	int n = 0;

	if (size)
		allow[0] = '\0';
	for (size_t i = 0; i < API_N_ROUTES; i++) {
		if (!path_matches(api_routes[i].path, path, &id_at))
			continue;
		if (len < size)
			len += (size_t)snprintf(allow + len, size - len, "%s%s",
						n ? ", " : "",
						api_routes[i].method);
		n++;
	}
	return n;
}

int api_route_parse(const char *method, const char *path,
		    const struct api_query *q, struct api_route *route,
		    struct api_reply *rp)
{
	const struct api_route_row *row = NULL;
	const char *id_at = NULL;
	char allow[64];

	*route = (struct api_route){.limit = API_DEFAULT_LIMIT};
	for (size_t i = 0; i < API_N_ROUTES && !row; i++)
		if (!strcmp(api_routes[i].method, method) &&
		    path_matches(api_routes[i].path, path, &id_at))
			row = &api_routes[i];
	if (!row) {
		if (!api_route_allowed(path, allow, sizeof(allow))) {
			api_reply_error(rp, 404, "no such endpoint: %s %s",
					method, path);
			return -EINVAL;
		}
		api_reply_error(rp, 405, "%s is not allowed on %s: use %s",
				method, path, allow);
		snprintf(rp->allow, sizeof(rp->allow), "%s", allow);
		return -EINVAL;
	}
	route->id = row->id;
	if (parse_query(row, q, route, rp) < 0)
		return -EINVAL;
	if (row->id == API_BUTTON)
		route->button = strrchr(path, '/') + 1;
	if (row->id == API_UI)
		route->file = path;
	if (id_at && !parse_record_id(id_at, &route->record_id)) {
		api_reply_error(rp, 400, "'%.*s' is not %s id",
				(int)strcspn(id_at, "/"), id_at,
				row->id == API_RETURN_GET ||
					row->id == API_EVIDENCE_PDF ||
					row->id == API_EVIDENCE_ZIP ||
					row->id == API_EVIDENCE_JSON
				    ? "a receipt"
				: row->id == API_PHOTO_GET    ? "a photo"
				: row->id == API_OUTBOX_RETRY ? "an outbox"
							      : "an expected "
								"return");
		return -EINVAL;
	}
	return 0;
}
