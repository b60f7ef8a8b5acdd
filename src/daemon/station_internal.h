/* SPDX-License-Identifier: MIT */
/*
 * What the station's files share: the station itself and the few calls
 * they make into each other.  station.c starts and stops it, station_act.c
 * feeds the desk and performs its actions, station_input.c turns people
 * and devices into events, station_view.c answers with status, metrics and
 * records.  Nothing outside src/daemon includes this.
 */
#ifndef RETOUR_STATION_INTERNAL_H
#define RETOUR_STATION_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "retour/camera.h"
#include "retour/checklist.h"
#include "retour/code.h"
#include "retour/gpio.h"
#include "retour/outbox.h"
#include "retour/printer.h"
#include "retour/scale.h"
#include "retour/scanner.h"
#include "retour/spool.h"
#include "retour/station.h"
#include "retour/store.h"
#include "retour/workflow.h"

#define STATION_QUEUE_LEN 8
#define STATION_LATENCY_SAMPLES 1024
#define STATION_ERROR_LEN 160

/* An event an action produced, fed after the current batch. */
struct station_queued {
	struct desk_event ev;
	char sha[65];
	char step[32];
	char text[STATION_ERROR_LEN];
};

struct station {
	const struct config *cfg;
	sd_event *ev;
	struct store *store;
	struct checklist_set checklists;
	struct desk_config desk_cfg;
	struct desk desk; /* written by desk_handle() alone */
	struct code_patterns patterns;

	struct scanner *scanner;
	struct scale *scale;
	struct printer *printer;
	struct camera *camera;
	struct gpio *gpio;
	struct outbox_sender *sender;
	sd_event_source *sender_notify;
	struct spool *spool; /* labels, printed off the loop */
	char scanner_error[STATION_ERROR_LEN];
	char scale_error[STATION_ERROR_LEN];
	char printer_error[STATION_ERROR_LEN];
	char camera_error[STATION_ERROR_LEN];

	/* the open parcel's record, as the store numbered it (0: none); the
	 * desk learns it through DESK_EV_RECEIPT_OPENED */
	int64_t receipt_id;
	int64_t receipt_started_mono; /* for scan-to-decision latency */

	struct station_queued queue[STATION_QUEUE_LEN];
	int queue_head, queue_len;
	bool feeding;

	/* the outbox as last counted: the screen polls the status, so it is
	 * counted when it changes, not on every poll */
	int64_t outbox_pending, outbox_dead;

	/* counters for /metrics */
	uint64_t receipts_total;
	uint64_t decisions[4];
	uint64_t scans_rejected;
	int64_t latency_us[STATION_LATENCY_SAMPLES];
	uint64_t latency_n;
	char *metrics;
};

/* station_act.c */
/* Apply one event to the desk (its time is filled in) and perform the
 * actions it answers with, then every event those actions produced. */
void station_feed(struct station *st, struct desk_event *ev);
/* Queue an outcome for after the current batch (fed at once when no
 * batch is running).  @text and @step may be NULL. */
void station_report(struct station *st, const struct desk_event *ev,
		    const char *text, const char *step, const char *sha);
/* The spool's word on a label (also used when it refused it). */
void station_on_printed(void *userdata, int64_t receipt_id, int r,
			const char *err);
/* Who the record says did it: the signed-in clerk, else "station". */
const char *station_actor(const struct station *st);

/* station_view.c */
/* Count the outbox again (after a decision, an undo, a retry, a send). */
void station_outbox_refresh(struct station *st);

/* station_input.c: the devices' callbacks */
void station_on_scan_line(void *userdata, const char *line, size_t len,
			  bool overlong);
void station_on_weight(void *userdata, const struct scale_reading *r);
void station_on_button(void *userdata, enum gpio_button b);
/* A device came, went or failed: the desk is told. */
void station_device_state(struct station *st, enum desk_device device,
			  enum desk_device_state state, const char *reason);

#endif
