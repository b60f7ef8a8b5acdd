/* SPDX-License-Identifier: MIT */
/*
 * Which route a request takes: the method and the path (and the query's
 * limit and state) become a route and its arguments, or a refusal with the
 * status and message the client sees.  Pure: no socket, no station, so the
 * whole table is unit-tested (tests/unit/test_api_routes.c).
 *
 * The order of the checks is part of the API: a record path checks its
 * limit before its method, and a desk path answers a method other than
 * POST or DELETE with 405 before it looks the path up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

#define API_DEFAULT_LIMIT 100
#define API_MAX_LIMIT 10000

static const struct {
	const char *path;
	enum api_route_id id;
} desk_routes[] = {
    {"/api/v1/scan", API_SCAN},
    {"/api/v1/clerks", API_REGISTER_CLERK},
    {"/api/v1/routine", API_ROUTINE},
    {"/api/v1/weigh", API_WEIGH},
    {"/api/v1/photo", API_PHOTO},
    {"/api/v1/skip", API_SKIP},
    {"/api/v1/items-done", API_ITEMS_DONE},
    {"/api/v1/back", API_BACK},
    {"/api/v1/cancel", API_CANCEL},
    {"/api/v1/answer", API_ANSWER},
    {"/api/v1/confirm", API_CONFIRM},
    {"/api/v1/undo", API_UNDO},
    {"/api/v1/reprint", API_REPRINT},
    {"/api/v1/remove", API_REMOVE},
    {"/api/v1/unexpected", API_UNEXPECTED},
};

/* A record id: a positive decimal, ending the path or before a '/'. */
static bool parse_record_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || (*end && *end != '/') || v <= 0)
		return false;
	*id = v;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool is_record_path(const char *path)
{
	return !strncmp(path, "/api/v1/expected", 16) ||
	       !strncmp(path, "/api/v1/returns", 15) ||
	       !strncmp(path, "/api/v1/outbox", 14) ||
	       !strcmp(path, "/api/v1/complaints/due") ||
	       !strcmp(path, "/api/v1/db/check") ||
	       !strcmp(path, "/api/v1/audit/verify");
}

static int route_desk(const char *method, const char *path,
		      struct api_route *route, struct api_reply *rp)
{
	if (!strcmp(path, "/api/v1/status") && !strcmp(method, "GET")) {
		route->id = API_STATUS;
		return 0;
	}
	if (strcmp(method, "POST") && strcmp(method, "DELETE")) {
		api_reply_error(rp, 405, "%s is not allowed on %s", method,
				path);
		return -EINVAL;
	}
	if (!strcmp(path, "/api/v1/clerk")) {
		route->id =
		    strcmp(method, "DELETE") ? API_SIGN_IN : API_SIGN_OUT;
		return 0;
	}
	for (size_t i = 0; i < sizeof(desk_routes) / sizeof(desk_routes[0]);
	     i++) {
		if (!strcmp(path, desk_routes[i].path)) {
			route->id = desk_routes[i].id;
			return 0;
		}
	}
	if (!strncmp(path, "/api/v1/buttons/", 16)) {
		route->id = API_BUTTON;
		route->button = path + 16;
		return 0;
	}
	api_reply_error(rp, 404, "no such endpoint: %s %s", method, path);
	return -EINVAL;
}

static int route_records(const char *method, const char *path,
			 const char *limit, const char *state,
			 struct api_route *route, struct api_reply *rp)
{
	if (limit) {
		char *end;
		long v = strtol(limit, &end, 10);

		if (*end || v < 1 || v > API_MAX_LIMIT) {
			api_reply_error(rp, 400, "limit must be 1..10000");
			return -EINVAL;
		}
		route->limit = (int)v;
	}
	if (!strcmp(path, "/api/v1/expected")) {
		if (!strcmp(method, "GET")) {
			route->id = API_EXPECTED_LIST;
		} else if (!strcmp(method, "POST")) {
			route->id = API_EXPECTED_IMPORT;
		} else {
			api_reply_error(rp, 405, "use GET or POST");
			return -EINVAL;
		}
		return 0;
	}
	/* Everything else reads, but for a retry (checked below). */
	if (strcmp(method, "GET") && !strstr(path, "/retry")) {
		api_reply_error(rp, 405, "%s is not allowed on %s", method,
				path);
		return -EINVAL;
	}
	if (!strcmp(path, "/api/v1/returns")) {
		route->id = API_RETURNS_LIST;
		return 0;
	}
	if (!strncmp(path, "/api/v1/returns/", 16)) {
		if (!parse_record_id(path + 16, &route->record_id)) {
			api_reply_error(rp, 400, "'%s' is not a receipt id",
					path + 16);
			return -EINVAL;
		}
		route->id = API_RETURN_GET;
		return 0;
	}
	if (!strcmp(path, "/api/v1/outbox")) {
		if (state && strcmp(state, "pending") &&
		    strcmp(state, "done") && strcmp(state, "dead") &&
		    strcmp(state, "cancelled")) {
			api_reply_error(rp, 400,
					"state must be pending, done, dead "
					"or cancelled");
			return -EINVAL;
		}
		route->id = API_OUTBOX_LIST;
		route->state = state;
		return 0;
	}
	if (!strncmp(path, "/api/v1/outbox/", 15)) {
		if (strcmp(method, "POST") || !ends_with(path, "/retry") ||
		    !parse_record_id(path + 15, &route->record_id)) {
			api_reply_error(rp, 404,
					"use POST /api/v1/outbox/ID/retry");
			return -EINVAL;
		}
		route->id = API_OUTBOX_RETRY;
		return 0;
	}
	if (!strcmp(path, "/api/v1/complaints/due")) {
		route->id = API_COMPLAINTS_DUE;
		return 0;
	}
	if (!strcmp(path, "/api/v1/db/check")) {
		route->id = API_DB_CHECK;
		return 0;
	}
	if (!strcmp(path, "/api/v1/audit/verify")) {
		route->id = API_AUDIT_VERIFY;
		return 0;
	}
	api_reply_error(rp, 404, "no such endpoint: %s %s", method, path);
	return -EINVAL;
}

int api_route_parse(const char *method, const char *path, const char *limit,
		    const char *state, struct api_route *route,
		    struct api_reply *rp)
{
	*route = (struct api_route){.limit = API_DEFAULT_LIMIT};
	if (!strcmp(path, "/healthz")) {
		route->id = API_HEALTHZ;
		return 0;
	}
	if (!strcmp(path, "/metrics")) {
		route->id = API_METRICS;
		return 0;
	}
	if (is_record_path(path))
		return route_records(method, path, limit, state, route, rp);
	if (!strncmp(path, "/api/v1/", 8))
		return route_desk(method, path, route, rp);
	api_reply_error(rp, 404, "no such endpoint: %s", path);
	return -EINVAL;
}
