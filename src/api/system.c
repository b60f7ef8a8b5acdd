/* SPDX-License-Identifier: MIT */
/*
 * The desk's system routes (station_system.h): GET /api/v1/system (the
 * slots, the version, the update, the first boot's missing items), GET
 * /api/v1/system/bundles (the bundles on removable drives), and an update:
 * POST /api/v1/system/update with the bundle as the body, streamed into
 * the station's upload as it arrives (api.c hands the chunks over), or
 * with {"bundle": PATH} naming one the drive list gave; GET
 * /api/v1/system/update to follow it.  Starting one needs a supervisor
 * (their badge in ?supervisor= or "supervisor", or one signed in).
 *
 * The answers: 202 and a Location to poll when started; 403 no supervisor;
 * 404 a bundle not listed; 409 an update already running; 413 over
 * [update] bundle_max_mb; 503 the installer could not be run; 507 the
 * disk's floor reached.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/station_system.h"

#include "api_internal.h"

#define API_UPDATE_LOCATION "/api/v1/system/update"

/* The refusal of an update for -errno @r, @err said why. */
static void api_update_refused(struct api_reply *rp, int r, const char *err)
{
	switch (r) {
	case -EACCES:
		api_reply_error_code(rp, 403, "supervisor_needed", "%s", err);
		break;
	case -EBUSY:
		api_reply_error_code(rp, 409, "update_running", "%s", err);
		break;
	case -ENOENT:
		api_reply_error_code(rp, 404, "not_listed", "%s", err);
		break;
	case -EFBIG:
		api_reply_error_code(rp, 413, "too_large", "%s", err);
		break;
	case -ENOSPC:
		api_reply_error_code(rp, 507, "disk_floor", "%s", err);
		break;
	case -EINVAL:
		api_reply_error(rp, 400, "%s", err);
		break;
	case -ENOEXEC: /* no installer: a PC, or rauc not installed */
		api_reply_error_code(rp, 503, "no_installer", "%s", err);
		break;
	default:
		api_reply_error(rp, 500, "%s", err);
		break;
	}
}

static void api_update_started(struct station *st, struct api_reply *rp)
{
	api_reply_json(rp, 202, station_update_view(st));
	snprintf(rp->location, sizeof(rp->location), "%s", API_UPDATE_LOCATION);
}

int api_system_upload_open(struct station *st, const char *supervisor,
			   const char *content_length, char *by, size_t bylen,
			   struct api_reply *rp)
{
	char err[512];
	int64_t declared = -1;
	int r;

	if (content_length) {
		char *end;
		long long v = strtoll(content_length, &end, 10);

		if (end != content_length && !*end && v >= 0)
			declared = v;
	}
	r = station_system_supervisor(st, supervisor, by, bylen, err,
				      sizeof(err));
	if (r == 0)
		r = station_update_upload_open(st, declared, err, sizeof(err));
	if (r < 0) {
		api_update_refused(rp, r, err);
		return r;
	}
	return 0;
}

int api_system_upload_chunk(struct station *st, const char *data, size_t n,
			    struct api_reply *rp)
{
	char err[512];
	int r = station_update_upload_write(st, data, n, err, sizeof(err));

	if (r < 0)
		api_update_refused(rp, r, err);
	return r;
}

void api_system_upload_end(struct station *st, const char *by,
			   struct api_reply *rp)
{
	char err[512];
	int r = station_update_upload_finish(st, by, err, sizeof(err));

	if (r < 0)
		api_update_refused(rp, r, err);
	else
		api_update_started(st, rp);
}

void api_system_upload_abort(struct station *st)
{
	station_update_upload_abort(st);
}

/* POST /api/v1/system/update with a JSON body: {"bundle": PATH} from the
 * drive list, and "supervisor" (a badge) unless one is signed in. */
static void api_update_named(struct station *st, const struct api_request *rq,
			     struct api_reply *rp)
{
	char by[64], err[512];
	const char *bundle, *key, *supervisor;
	json_t *j, *v;
	int r;

	if (!(j = api_body_json(rq, rp)))
		return;
	if (!json_is_object(j)) {
		json_decref(j);
		api_reply_error(rp, 400,
				"the body must be a JSON object {\"bundle\": "
				"PATH} (or the bundle's bytes)");
		return;
	}
	json_object_foreach(j, key, v)
	{
		if (strcmp(key, "bundle") && strcmp(key, "supervisor")) {
			api_reply_error(rp, 400,
					"unknown field '%.40s' in the body of "
					"POST /api/v1/system/update",
					key);
			json_decref(j);
			return;
		}
		if (!json_is_string(v) && !json_is_null(v)) { /* null: none */
			api_reply_error(rp, 400,
					"field '%.40s' must be a string", key);
			json_decref(j);
			return;
		}
	}
	bundle = api_json_str(j, "bundle");
	supervisor = api_json_str(j, "supervisor");
	if (!bundle || !*bundle) {
		json_decref(j);
		api_reply_error(rp, 400,
				"\"bundle\" is required: a path from GET "
				"/api/v1/system/bundles");
		return;
	}
	r = station_system_supervisor(st, supervisor, by, sizeof(by), err,
				      sizeof(err));
	if (r == 0)
		r = station_update_install_listed(st, bundle, by, err,
						  sizeof(err));
	json_decref(j);
	if (r < 0)
		api_update_refused(rp, r, err);
	else
		api_update_started(st, rp);
}

void api_system_answer(struct station *st, const struct api_route *route,
		       const struct api_request *rq, struct api_reply *rp)
{
	switch (route->id) {
	case API_SYSTEM:
		api_reply_json(rp, 200, station_system_view(st));
		break;
	case API_SYSTEM_BUNDLES:
		api_reply_json(rp, 200, station_system_bundles(st));
		break;
	case API_SYSTEM_UPDATE_GET:
		api_reply_json(rp, 200, station_update_view(st));
		break;
	case API_SYSTEM_UPDATE:
		api_update_named(st, rq, rp);
		break;
	default:
		api_reply_error(rp, 500, "route not answered here");
		break;
	}
}
