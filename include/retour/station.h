/* SPDX-License-Identifier: MIT */
/*
 * The station: the imperative shell around one desk.  It owns the store,
 * the devices and the outbox sender, turns device input and API calls into
 * workflow events, and performs the actions the workflow answers with.
 *
 * Single-threaded: every function here runs on the daemon's sd-event loop.
 * The outbox sender is the one other thread, and it talks to the station
 * only through the database and an eventfd.
 */
#ifndef RETOUR_STATION_H
#define RETOUR_STATION_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <systemd/sd-event.h>

#include "retour/config.h"
#include "retour/store.h"
#include "retour/workflow.h"

struct station;

/* Open the store, load checklists, open the devices named by the board and
 * start the outbox sender.  A device that fails to open is reported and
 * left out (the desk works without it); a store or checklist problem is
 * fatal: -errno with @err for the operator. */
int station_new(const struct config *cfg, sd_event *ev, struct station **out,
		char *err, size_t errlen);
void station_free(struct station *st);

/* One line as a scanner delivered it (or typed by hand via the API). */
void station_scan(struct station *st, const char *line, size_t len);
/* Sign in by badge code or by a registered clerk's name. */
int station_sign_in(struct station *st, const char *badge, const char *name,
		    char *err, size_t errlen);
/* Feed a workflow event built by the API (time is filled in here). */
void station_feed(struct station *st, struct desk_event *ev);
/* Ask the devices directly. */
void station_weigh(struct station *st);
void station_photo(struct station *st);
int station_press(struct station *st, const char *button, char *err,
		  size_t errlen);
int station_undo(struct station *st, int64_t receipt_id, char *err,
		 size_t errlen);
int station_outbox_retry(struct station *st, int64_t id, char *err,
			 size_t errlen);
/*
 * Import expected returns: an object, an array or {"returns": [...]}; all
 * or nothing.  Returns the count stored or -errno with @err naming the
 * field.  Returns already at the desk are left as they are and their codes
 * appended to @kept (a JSON array) instead.
 */
int station_import_expected(struct station *st, json_t *doc, json_t *kept,
			    char *err, size_t errlen);
int station_register_clerk(struct station *st, const char *badge,
			   const char *name, char *err, size_t errlen);

json_t *station_status(struct station *st);
const char *station_metrics(struct station *st); /* Prometheus text */
struct store *station_store(struct station *st);
const struct desk *station_desk(struct station *st);
const char *station_feed_path(struct station *st);

/* Periodic work (timeouts); the daemon calls it once a second. */
void station_tick(struct station *st);

#endif
