/* SPDX-License-Identifier: MIT */
/*
 * The outbox sender's connectors: one instance per configured connector,
 * each with its own settings and state, and the route of each kind of row.
 * Refunds (refund.requested) go to one connector, every other event to
 * another, so a shop's refund API and an integrator's webhook can take
 * their own part of the same outbox.  A connector with a shop of its own
 * takes that shop's rows first (of the kinds it takes), so several shops
 * feed one station, each paid back through its own API.  Nothing here
 * sends anything.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retour/decision.h"
#include "retour/photo_upload.h"

#include "outbox_routes.h"

#define OUTBOX_PROBLEM_LEN 256

/*
 * Make connector @cc: found by type (or given), its settings handed
 * over and checked with the secrets' contents.  The texts name the
 * connector and the key, never a value.
 */
static int outbox_connector_make(struct outbox_routes *rt,
				 const struct outbox_connector_config *cc,
				 char *err, size_t errlen)
{
	const char *type = cc->type ? cc->type : "webhook";
	const char *name = cc->name ? cc->name : "[outbox]";
	const struct connector *ops = cc->ops ? cc->ops : connector_find(type);
	char problem[OUTBOX_PROBLEM_LEN] = "", known[128];
	int bad, r;

	if (!ops) {
		connector_names(known, sizeof(known));
		snprintf(err, errlen,
			 "outbox: %s: unknown connector \"%.32s\" (known: %s)",
			 name, type, known);
		return -EINVAL;
	}
	r = connector_instance_new(ops, cc->settings, cc->n_settings, true,
				   &rt->conn[rt->n_conn], &bad, problem,
				   sizeof(problem));
	if (r < 0) {
		if (bad >= 0)
			snprintf(err, errlen, "outbox: %s %s: %s", name,
				 cc->settings[bad].key, problem);
		else
			snprintf(err, errlen, "outbox: %s: %s", name, problem);
		return r;
	}
	if (cc->shop && cc->shop[0]) {
		struct outbox_shop_route *sr = &rt->shop[rt->n_conn];

		if (strlen(cc->shop) >= sizeof(sr->shop)) {
			snprintf(err, errlen, "outbox: %s: shop name too long",
				 name);
			connector_instance_free(&rt->conn[rt->n_conn]);
			return -EINVAL;
		}
		snprintf(sr->shop, sizeof(sr->shop), "%s", cc->shop);
		sr->refunds = cc->takes_refunds;
		sr->events = cc->takes_events;
	}
	snprintf(rt->section[rt->n_conn], sizeof(rt->section[0]), "%s", name);
	rt->secrets_seen[rt->n_conn] = 0;
	rt->n_conn++;
	return 0;
}

/* Does a connector take @shop's rows of this kind already (another's)? */
static int outbox_shop_taken(const struct outbox_routes *rt, int upto,
			     const struct outbox_shop_route *sr)
{
	for (int i = 0; i < upto; i++)
		if (rt->shop[i].shop[0] &&
		    !strcmp(rt->shop[i].shop, sr->shop) &&
		    ((rt->shop[i].refunds && sr->refunds) ||
		     (rt->shop[i].events && sr->events)))
			return i;
	return -1;
}

/* No default routes at all: every row goes to its own shop's connector. */
static bool outbox_routes_by_shop_only(const struct outbox_routes *rt,
				       const struct outbox_config *cfg)
{
	bool any = false;

	for (int i = 0; i < rt->n_conn; i++)
		any |= rt->shop[i].shop[0] != '\0';
	return any && cfg->refunds < 0 && cfg->events < 0;
}

int outbox_routes_make(struct outbox_routes *rt,
		       const struct outbox_config *cfg, char *err,
		       size_t errlen)
{
	struct connector_setting legacy[2] = {
	    {.key = "url", .value = cfg->url ? cfg->url : ""},
	    {.key = "secret_file", .value = "(given)", .secret = cfg->secret},
	};
	struct outbox_connector_config one = {
	    .name = "[outbox]",
	    .type = cfg->connector,
	    .settings = legacy,
	    .n_settings = 2,
	};
	const struct outbox_connector_config *list = cfg->connectors;
	int n = cfg->n_connectors, i, r;

	if (n == 0) {
		/* One connector for everything, given directly. */
		if (!cfg->url)
			legacy[0].value = "";
		if (!cfg->secret)
			one.n_settings = 1;
		list = &one;
		n = 1;
	}
	if (n < 0 || n > OUTBOX_MAX_CONNECTORS || !list) {
		snprintf(err, errlen, "outbox: 1 to %d connectors",
			 OUTBOX_MAX_CONNECTORS);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		r = outbox_connector_make(rt, &list[i], err, errlen);
		if (r < 0)
			return r;
		if (rt->shop[i].shop[0] &&
		    outbox_shop_taken(rt, i, &rt->shop[i]) >= 0) {
			snprintf(err, errlen,
				 "outbox: %s: shop %s already has a "
				 "connector for the same rows",
				 list[i].name ? list[i].name : "[outbox]",
				 rt->shop[i].shop);
			return -EINVAL;
		}
	}
	rt->route[OUTBOX_ROUTE_REFUNDS] = cfg->n_connectors ? cfg->refunds : 0;
	rt->route[OUTBOX_ROUTE_EVENTS] = cfg->n_connectors ? cfg->events : 0;
	rt->route[OUTBOX_ROUTE_DEVICES] =
	    cfg->n_connectors && cfg->has_devices ? cfg->devices : -1;
	rt->route[OUTBOX_ROUTE_PHOTOS] =
	    cfg->n_connectors && cfg->has_photos ? cfg->photos : -1;
	for (i = 0; i < OUTBOX_ROUTES; i++)
		if (rt->route[i] >= n ||
		    (rt->route[i] < 0 && i != OUTBOX_ROUTE_DEVICES &&
		     i != OUTBOX_ROUTE_PHOTOS &&
		     cfg->lane != OUTBOX_LANE_PHOTOS &&
		     !outbox_routes_by_shop_only(rt, cfg))) {
			snprintf(err, errlen, "outbox: no connector for %s",
				 i == OUTBOX_ROUTE_REFUNDS ? "refunds"
							   : "events");
			return -EINVAL;
		}
	return 0;
}

struct connector_instance *outbox_routes_for(struct outbox_routes *rt,
					     const char *action,
					     const char *shop)
{
	enum outbox_route r =
	    strcmp(action, EVENT_REFUND_REQUESTED) == 0 ? OUTBOX_ROUTE_REFUNDS
	    : strncmp(action, "device.", 7) == 0	? OUTBOX_ROUTE_DEVICES
	    : strcmp(action, PHOTO_UPLOAD_ACTION) == 0 ||
		    strcmp(action, PHOTO_DELETE_ACTION) == 0
		? OUTBOX_ROUTE_PHOTOS
		: OUTBOX_ROUTE_EVENTS;

	/* a photo goes to the bucket alone, never to a shop */
	if (r == OUTBOX_ROUTE_PHOTOS)
		return rt->route[r] < 0 ? NULL : &rt->conn[rt->route[r]];

	for (int i = 0;
	     shop && shop[0] && r != OUTBOX_ROUTE_DEVICES && i < rt->n_conn;
	     i++)
		if (!strcmp(rt->shop[i].shop, shop) &&
		    (r == OUTBOX_ROUTE_REFUNDS ? rt->shop[i].refunds
					       : rt->shop[i].events))
			return &rt->conn[i];
	if (rt->route[r] < 0)
		return NULL;
	/* A route to one shop's own connector ([outbox] refunds = NAME of
	 * a [connector NAME] with shop =) takes no other shop's rows: its
	 * API would refund that shop's order of the same number. */
	if (r != OUTBOX_ROUTE_DEVICES && rt->shop[rt->route[r]].shop[0] &&
	    (!shop || strcmp(rt->shop[rt->route[r]].shop, shop)))
		return NULL;
	return &rt->conn[rt->route[r]];
}

void outbox_routes_free(struct outbox_routes *rt)
{
	int i;

	for (i = 0; i < rt->n_conn; i++)
		connector_instance_free(&rt->conn[i]);
	rt->n_conn = 0;
}
