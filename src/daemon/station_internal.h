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
#include <stdio.h>

#include "retour/checklist.h"
#include "retour/code.h"
#include "retour/devices.h"
#include "retour/disk.h"
#include "retour/outbox.h"
#include "retour/station.h"
#include "retour/store.h"
#include "retour/workflow.h"

#define STATION_QUEUE_LEN 32
#define STATION_LATENCY_SAMPLES 1024
#define STATION_ERROR_LEN 160
/* the step-duration histogram's bounds, in seconds (+Inf last) */
#define STATION_STEP_BUCKETS 11
extern const double station_step_le[STATION_STEP_BUCKETS - 1];

/* A photo asked of the camera: what it is for, until it comes back. */
struct station_photo {
	uint64_t tag; /* 0: free */
	int64_t receipt;
	char step[32];
};

/* An event an action produced, fed after the current batch. */
struct station_queued {
	struct desk_event ev;
	char sha[65];
	char step[32];
	char text[STATION_ERROR_LEN];
};

/* Whether the date is known (station_clock.c).  @since and @known_at are
 * wall times as clock_now_us() gave them (@since on the unsure clock). */
struct station_clock {
	bool known;
	bool waited;	 /* it was not known at start: records were marked */
	char source[16]; /* what said so: "config", "kernel", "file" */
	char boot_id[37];
	int64_t since;	     /* waiting began (unsure clock), 0: never */
	int64_t known_at;    /* it became known, 0: known from the start */
	int64_t shift_us;    /* what the unsure clock was off by */
	int corrected, left; /* receipts corrected / left unsure */
	sd_event_source *watch, *recheck;
	/* the open receipt's return.received waits for the date */
	bool received_deferred;
	bool kernel_refused; /* adjtimex failed once: said in the log */
};

/* The disk as last measured (station_disk.c), for the status, /metrics
 * and the tower light. */
struct station_disk {
	bool known;
	int64_t measured_mono; /* 0: never */
	int64_t free_bytes;
	int64_t db_bytes, photo_bytes;
	int64_t bytes_per_day; /* over the last STATION_DISK_WINDOW_DAYS */
	int64_t days_left;     /* until the hard floor; -1: not shrinking */
	enum disk_state state;
};

struct station {
	const struct config *cfg;
	sd_event *ev;
	struct store *store;
	struct checklist_set checklists;
	struct desk_config desk_cfg;
	struct desk desk; /* written by desk_handle() alone */
	struct code_patterns patterns;
	/* The open parcel as its return.received told it, kept for its
	 * return.cancelled: the desk forgets the parcel as it cancels it.
	 * valid: a return.received of the open receipt was queued. */
	struct {
		bool valid;
		char code[CODE_VALUE_LEN];
		bool have_expected;
		struct expected_return expected;
	} told;

	struct devices *devices;
	struct station_photo photos[DEVICES_MAX_PHOTOS];
	struct outbox_sender *sender;
	sd_event_source *sender_notify;
	/* photo uploads' own sender (station_photo_upload.c), NULL: none */
	struct outbox_sender *photo_sender;
	sd_event_source *photo_sender_notify;
	struct station_pull *pull; /* station_pull.c; NULL: nothing pulls */
	/* rotated secrets, shared by the sender and the puller */
	struct secret_book *secrets;

	/* the open parcel's record, as the store numbered it (0: none); the
	 * desk learns it through DESK_EV_RECEIPT_OPENED */
	int64_t receipt_id;
	int64_t receipt_started_mono; /* for scan-to-decision latency */
	/* the last stable reading: what the scale said beside the grams,
	 * kept in the record when it said another unit (station_act.c) */
	struct scale_reading weight_read;
	bool weight_read_stable;
	/* the scale's last word, moving or not, and when (0: none yet): the
	 * screen's live weight */
	struct scale_reading live;
	int64_t live_at;
	/* the open parcel's weight was typed in by the clerk */
	bool weight_manual;

	struct station_queued queue[STATION_QUEUE_LEN];
	int queue_head, queue_len;
	bool feeding;

	/* the outbox as last counted: the screen polls the status, so it is
	 * counted when it changes, not on every poll */
	int64_t outbox_pending, outbox_dead;
	/* photo uploads waiting, and the oldest one's created_at (0: none) */
	int64_t photos_waiting, photos_oldest_at;

	/* the signed-in clerk's role (clerk, packer, supervisor) */
	char clerk_role[16];
	/* signed in with a badge: only then does a supervisor's sign-in
	 * authorise an override (a name alone proves nothing) */
	bool clerk_by_badge;
	/* what became of the last DESK_ACT_DECIDE: 1 none asked since the
	 * confirm began, else 0 or -errno */
	int decide_result;

	/* counters for /metrics (the desk counts the scans it refused) */
	uint64_t receipts_total;
	uint64_t decisions[4]; /* returns, by verdict */
	uint64_t qc_checks[2]; /* ship-QC: passed, failed */
	int64_t latency_us[STATION_LATENCY_SAMPLES];
	uint64_t latency_n;
	char *metrics;
	/* how long the desk stays at each step of a parcel: a histogram per
	 * step (the le bounds are station_step_le[]), and where it is now */
	uint64_t step_hist[DESK_STEP_CONFIRM + 1][STATION_STEP_BUCKETS];
	double step_sum_s[DESK_STEP_CONFIRM + 1];
	int64_t step_since_mono;
	/* a device that stopped working, by kind */
	uint64_t device_faults[DEVICE_KIND_COUNT];

	/* each device as last reported (connected until told otherwise):
	 * a change to or from "connected" is a device event */
	enum device_state device_state[DEVICE_KIND_COUNT];

	struct station_clock clock;

	/* The disk gauge, and when the daily retention purge runs
	 * next (clock_mono_us; 0: at the first quiet tick) */
	struct station_disk disk;
	int64_t retention_next_mono;

	/* The image's slots, the update, the first boot's list
	 * (station_system.c, station_update.c) */
	struct station_system *system;

	/* what the status shows changed this many times; told to one
	 * listener (station_changed) */
	uint64_t seq;
	station_change_fn on_change;
	void *on_change_ctx;

	/* the receipt of the last undo: the status no longer shows its
	 * decision as the desk's last one */
	int64_t last_undone;
	/* What became of the last command fed from outside a batch, for
	 * station_command_outcome(): whether the desk asked for anything,
	 * the first record that failed, a photo that failed. */
	struct {
		bool acted;
		int record_failed;
		bool photo_failed;
		char photo_error[96];
	} outcome;
};

/* station_act.c */
/* Apply one event to the desk (its time is filled in) and perform the
 * actions it answers with, then every event those actions produced. */
void station_feed(struct station *st, struct desk_event *ev);

/* station_disk.c: measure the disk when due (every minute; @force: now),
 * and show its state on the tower light when it changed. */
void station_disk_refresh(struct station *st, bool force);
/* The tower light for the desk's @s: ready shows disk_low while the disk
 * is below its warning floor. */
void station_set_tower(struct station *st, enum tower_state s,
		       enum tower_state then);
json_t *station_disk_status(const struct station *st);
void station_disk_metrics(const struct station *st, FILE *f);
/* station_system.c: the desk's system (station_system.h): start reads
 * the slot and the first boot's list, tick reads the list again when due,
 * status adds "setup_missing" and "update" to the desk's status. */
int station_system_start(struct station *st, char *err, size_t errlen);
void station_system_stop(struct station *st);
void station_system_tick(struct station *st);
void station_system_status(struct station *st, json_t *status);
/* station_retention.c: the daily purge, between parcels. */
void station_retention_tick(struct station *st);
/* Queue an outcome for after the current batch (fed at once when no
 * batch is running).  @text and @step may be NULL. */
void station_report(struct station *st, const struct desk_event *ev,
		    const char *text, const char *step, const char *sha);
/* The spool's word on a label (also used when it refused it). */
void station_on_printed(void *userdata, int64_t receipt_id, int r,
			const char *err);
/* Who the record says did it: the signed-in clerk, else "station". */
/* (station_decision.c) */
const char *station_actor(const struct station *st);

/* station_view.c: the desk left step @was (for the step histogram). */
void station_step_left(struct station *st, enum desk_step was);

/* station.c: what station_status() shows changed: bump "seq", tell the
 * listener.  Called by every place that changes it. */
void station_changed(struct station *st);

/* station_parcel.c: the status's "scale", "parcel" (null between
 * parcels) and a decision's "refund". */
json_t *station_scale_view(const struct station *st);
json_t *station_parcel_view(struct station *st);
json_t *station_refund_view(struct station *st, int64_t receipt_id);

/* station_label.c */
/* Print the VOID label of the undone receipt @receipt_id and record it. */
void station_label_void(struct station *st, int64_t receipt_id);

/* station_view.c */
/* Count the outbox again (after a decision, an undo, a retry, a send). */
/* The sd-event handler of an outbox sender's eventfd: refreshes the
 * counts (station_act.c). */
int station_on_sender_notify(sd_event_source *s, int fd, uint32_t revents,
			     void *userdata);
void station_outbox_refresh(struct station *st);

/* station_photo_upload.c: [photo upload]'s sender (none without the
 * section), its bucket's name, and a photo recorded with its upload
 * queued (store_photo_add without the section). */
int station_photo_upload_start(struct station *st, char *err, size_t errlen);
void station_photo_upload_stop(struct station *st);
const char *station_photo_upload_bucket(const struct config *cfg);
int station_photo_record(struct station *st, int64_t receipt, const char *step,
			 const struct photo_taken *p);

/* station.c: one connector's settings with its secrets read (never
 * shown), for the outbox sender and the puller; explicit_bzero() it. */
#define STATION_SECRET_LEN 512
struct station_connector {
	char label[CONFIG_NAME_MAX + 16];
	struct connector_setting set[CONFIG_MAX_SETTINGS];
	char secret[CONFIG_MAX_SETTINGS][STATION_SECRET_LEN];
};
int station_connector_load(const struct config *cfg,
			   const struct config_connector *cc,
			   struct station_connector *sc,
			   struct outbox_connector_config *oc, char *err,
			   size_t errlen);
/*
 * Secrets a shop rotates (station_secrets.c): the value kept for @key of
 * @section, when the operator's file still holds @original: 1 with it in
 * @out, else 0.  station_secret_keep() is the secret book's keep
 * function, @ud the station's const struct config.
 */
int station_secret_kept(const struct config *cfg, const char *section,
			const char *key, const char *original, char *out,
			size_t outlen);
void station_secret_keep(void *ud, const char *section, const char *key,
			 const char *value);

/* station_pull.c: expected returns pulled from the shops (pull.h): start
 * the puller with every [connector] that has pull_every_s, import what it
 * brings on the loop, keep the cursors; stop it; its part of the status. */
int station_pull_start(struct station *st, char *err, size_t errlen);
void station_pull_stop(struct station *st);
json_t *station_pull_status(struct station *st);

/* station_clock.c: whether the date is known.  Start: known at once
 * (clock = rtc | trust, or synchronised already), else the unsure clock
 * begins, the desk is told and the flag file and the kernel are watched;
 * when synchronised, the records made meanwhile are corrected and the desk
 * goes on.  0 or -errno (@err says why). */
int station_clock_start(struct station *st, char *err, size_t errlen);
void station_clock_stop(struct station *st);
/* Look again now (the tick, a poll): true when the date is known. */
bool station_clock_check(struct station *st);
/* The status's "clock" object. */
json_t *station_clock_status(const struct station *st);
/* A sentence for the screen while the date is unknown ("" when known). */
void station_clock_why(const struct station *st, char *buf, size_t len);
/* station_decision.c: queue the open receipt's return.received at @at. */
void station_queue_received_at(struct station *st, int64_t at);
/* station_decision.c: the desk's decision, its events and outbox rows
 * and label, in one transaction.  0, -ENOENT (no record open), -ESTALE
 * (the plan names another receipt) or the store's error. */
int station_record_decision(struct station *st);
/* station_decision.c: cancel the open receipt (return.cancelled queued
 * with it when its return.received was). */
int station_cancel_receipt(struct station *st, int64_t now);
/* station_decision.c: keep the open parcel as return.received told it
 * (for its return.cancelled). */
void station_parcel_told(struct station *st);

/* station_device_input.c: the devices' word (devices.h), on the loop. */
extern const struct devices_events station_device_events;
/* station_input.c: who vouches as a supervisor: @badge (a supervisor's),
 * else the supervisor signed in at the desk by badge; their name in @by.
 * -EACCES with @err: @needs when nobody does, each ending in @nothing
 * ("nothing recorded"). */
int station_supervisor_word(struct station *st, const char *badge, char *by,
			    size_t bylen, const char *needs,
			    const char *nothing, char *err, size_t errlen);
/* station_input.c: a scan the desk does not take (too long, unreadable):
 * the desk counts it and says why. */
void station_refuse_scan(struct station *st, const char *why);
/* station_act.c: a photo came back */
void station_on_photo(void *userdata, uint64_t tag,
		      const struct photo_taken *p);

#endif
