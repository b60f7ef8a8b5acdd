/* SPDX-License-Identifier: MIT */
/*
 * GET /api/v1/events: the desk's status as Server-Sent Events, for the
 * screen (events.c).
 */
#ifndef RETOUR_API_EVENTS_H
#define RETOUR_API_EVENTS_H

#include <microhttpd.h>
#include <systemd/sd-event.h>

#include "retour/station.h"

/* At most this many screens at once; the next is refused with 503. */
#define API_EVENTS_MAX_CLIENTS 32
/* A comment line this often, so a screen knows the line is alive. */
#define API_EVENTS_KEEPALIVE_S 15
/* Bytes not yet read by a screen: past this it is dropped. */
#define API_EVENTS_MAX_BACKLOG (256 * 1024)

struct api_events;

/* Called when a suspended connection was resumed: MHD must run soon. */
typedef void (*api_events_kick_fn)(void *ctx);

int api_events_new(sd_event *ev, struct station *st, api_events_kick_fn kick,
		   void *kick_ctx, struct api_events **out);
/* Answer GET /api/v1/events on @conn: the stream, or 503 when full. */
enum MHD_Result api_events_open(struct api_events *e,
				struct MHD_Connection *conn);
/* What the status shows changed: one event to each screen, at the end of
 * this turn of the loop however many changes come in it. */
void api_events_changed(struct api_events *e);
/* End every stream (before MHD stops: none may stay suspended). */
void api_events_close_all(struct api_events *e);
/* After MHD stopped (its connections' responses are freed by then). */
void api_events_free(struct api_events *e);

#endif
