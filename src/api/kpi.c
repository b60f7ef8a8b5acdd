/* SPDX-License-Identifier: MIT */
/*
 * GET /api/v1/kpi: the supervisors' figures over whole days of the shop's
 * calendar (?from=, ?to=, YYYY-MM-DD, both included; today when neither
 * is given, one day when one is), at most 366 days.  The counting is the
 * store's (src/store/kpi.c); this file only settles the range.
 */
#include <stdio.h>

#include "retour/civil_time.h"

#include "api_internal.h"

#define KPI_MAX_DAYS 366

static json_t *kpi_day(int64_t days)
{
	char text[16];

	if (civil_time_format_date(days, text, sizeof(text)) < 0)
		return json_null();
	return json_string(text);
}

void api_kpi_answer(struct station *st, const struct api_route *route,
		    struct api_reply *rp)
{
	int64_t from = route->from.value, to = route->to.value;
	json_t *out = NULL;
	int r;

	if (!route->from.given && !route->to.given)
		from = to = station_today(st);
	else if (!route->from.given)
		from = to;
	else if (!route->to.given)
		to = from;
	if (to < from || to - from >= KPI_MAX_DAYS) {
		api_reply_error(rp, 400, "from..to must be 1 to %d days",
				KPI_MAX_DAYS);
		return;
	}
	r = station_kpi(st, from, to, &out);
	if (r < 0) {
		api_reply_error(rp, 500, "store: %s", station_errmsg(st));
		return;
	}
	json_object_set_new(out, "from", kpi_day(from));
	json_object_set_new(out, "to", kpi_day(to));
	api_reply_json(rp, 200, out);
}
