/* SPDX-License-Identifier: MIT */
/*
 * A receipts search from a route's query (?order=, ?rma=, ?status=,
 * ?from=, ?to=, ?since=, ...): the bounds turned into instants in the
 * station's calendar, for the list (records.c) and the CSV export
 * (records_csv.c) alike.
 */
#include <stdbool.h>
#include <stdint.h>

#include "api_internal.h"

/* A ?from=, ?to= or ?since= bound in UTC us: a day's first or last
 * instant in the station's calendar, or the instant given. */
static int64_t records_bound(struct station *st, const struct api_time_bound *b,
			     bool last)
{
	int64_t first, end;

	if (!b->is_day)
		return b->value;
	station_local_day(st, b->value, &first, &end);
	return last ? end : first;
}

void api_returns_filter(struct station *st, const struct api_route *route,
			struct receipt_filter *f)
{
	*f = route->filter;
	f->limit = route->limit;
	f->has_from = route->from.given;
	if (f->has_from)
		f->from_us = records_bound(st, &route->from, false);
	f->has_to = route->to.given;
	if (f->has_to)
		f->to_us = records_bound(st, &route->to, true);
	f->has_since = route->since.given;
	if (f->has_since)
		f->since_us = records_bound(st, &route->since, false);
}
