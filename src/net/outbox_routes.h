/* SPDX-License-Identifier: MIT */
/*
 * The outbox sender's connectors and which one each row goes to: private
 * to src/net (outbox.h is the sender's contract).
 */
#ifndef RETOUR_NET_OUTBOX_ROUTES_H
#define RETOUR_NET_OUTBOX_ROUTES_H

#include "retour/connector.h"
#include "retour/outbox.h"

enum outbox_route {
	OUTBOX_ROUTE_REFUNDS,
	OUTBOX_ROUTE_EVENTS,
	OUTBOX_ROUTE_DEVICES, /* -1: no connector takes device events */
	OUTBOX_ROUTE_PHOTOS,  /* -1: no bucket ([photo upload]) */
	OUTBOX_ROUTES
};

/* A connector of one shop's own: that shop's rows of the kinds it takes. */
struct outbox_shop_route {
	char shop[64];
	bool refunds;
	bool events;
};

struct outbox_routes {
	struct connector_instance conn[OUTBOX_MAX_CONNECTORS];
	struct outbox_shop_route shop[OUTBOX_MAX_CONNECTORS]; /* by conn[] */
	int n_conn;
	int route[OUTBOX_ROUTES]; /* index into conn[], -1: none */
	/* each connector's section, and the rotated secrets it has seen
	 * (secret_book.h) */
	char section[OUTBOX_MAX_CONNECTORS][48];
	uint64_t secrets_seen[OUTBOX_MAX_CONNECTORS];
};

/*
 * Make the connectors @cfg names (or its one webhook), each given its
 * settings with the secrets' contents and checked, and the two routes.
 * 0, or -EINVAL / -ENOMEM with "outbox: [connector x] url: what is wrong"
 * in @err (never a value).  Free with outbox_routes_free() either way.
 */
int outbox_routes_make(struct outbox_routes *rt,
		       const struct outbox_config *cfg, char *err,
		       size_t errlen);
/*
 * The connector that takes rows of @action for shop @shop (the event's
 * "shop"; NULL or "": none): that shop's own connector when one takes the
 * kind, else the route of the kind.  NULL when nothing takes it: a device
 * event ("device.*") when none asks for them, or a row of a shop without
 * a connector when [outbox] has no routes of its own.
 */
struct connector_instance *outbox_routes_for(struct outbox_routes *rt,
					     const char *action,
					     const char *shop);
void outbox_routes_free(struct outbox_routes *rt);

#endif
