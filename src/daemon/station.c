/* SPDX-License-Identifier: MIT */
/*
 * The station's life: start it from the configuration (checklists, the
 * store, the clerks, the devices the board names, the outbox sender), stop
 * it, and give it its tick.  The rest of the station is in station_act.c
 * (performing the desk's actions), station_input.c (what comes in) and
 * station_view.c (what goes out).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "retour/clock.h"
#include "retour/log.h"
#include "retour/secret_book.h"

#include "station_internal.h"

/* ---- checklists ---- */

static int station_load_checklists(struct station *st, char *err, size_t errlen)
{
	const char *dir = st->cfg->checklists;
	struct dirent **names = NULL;
	int n, r = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		r = -errno;
		snprintf(err, errlen, "checklists %s: %s", dir, strerror(-r));
		return r;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		char path[CONFIG_PATH_LEN + 300], perr[200], *text = NULL;
		struct checklist *cl;
		FILE *f;
		long size;

		if (r < 0 || len < 5 || strcmp(name + len - 4, ".ini"))
			goto next;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		f = fopen(path, "re");
		if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
		    size > 256 * 1024 || fseek(f, 0, SEEK_SET)) {
			snprintf(err, errlen, "%s: cannot be read", path);
			r = -EIO;
			if (f)
				fclose(f);
			goto next;
		}
		text = malloc((size_t)size + 1);
		if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
			snprintf(err, errlen, "%s: cannot be read", path);
			r = -EIO;
			fclose(f);
			free(text);
			goto next;
		}
		fclose(f);
		text[size] = '\0';
		cl = malloc(sizeof(*cl));
		if (!cl) {
			r = -ENOMEM;
			free(text);
			goto next;
		}
		if (checklist_parse(text, (size_t)size, cl, perr,
				    sizeof(perr)) < 0) {
			snprintf(err, errlen, "%s: %s", path, perr);
			r = -EINVAL;
		} else if (checklist_set_add(&st->checklists, cl) < 0) {
			snprintf(err, errlen,
				 "%s: too many checklists or a "
				 "duplicate id '%s'",
				 path, cl->id);
			r = -EINVAL;
		}
		free(cl);
		free(text);
	next:
		free(names[i]);
	}
	free(names);
	return r;
}

/* The index of @cc in @used, added when new. */
static int station_connector_index(const struct config_connector **used, int *n,
				   const struct config_connector *cc)
{
	for (int i = 0; i < *n; i++)
		if (used[i] == cc)
			return i;
	used[*n] = cc;
	return (*n)++;
}

/* Start the outbox sender with the connectors the routes name and every
 * shop's own (none configured: the outbox is kept, not sent). */
static int station_start_sender(struct station *st, char *err, size_t errlen)
{
	const struct config *cfg = st->cfg;
	const struct config_connector *used[OUTBOX_MAX_CONNECTORS] = {NULL};
	struct outbox_connector_config occ[OUTBOX_MAX_CONNECTORS] = {{0}};
	struct station_connector *sc;
	struct outbox_config oc = {
	    .db_path = cfg->database,
	    .connectors = occ,
	    .timeout_ms = cfg->outbox_timeout_ms,
	    .backoff_base_ms = cfg->outbox_backoff_base_ms,
	    .backoff_max_ms = cfg->outbox_backoff_max_ms,
	    .dead_after_us = cfg->outbox_dead_after_us,
	    .refund_outcomes = true,
	    /* photo uploads are the photo sender's (station_photo_upload.c) */
	    .lane = OUTBOX_LANE_SHOPS,
	    .ca_file = cfg->outbox_ca_file[0] ? cfg->outbox_ca_file : NULL,
	    .secrets = st->secrets,
	};
	const struct config_connector *refunds = config_outbox_route(cfg, true);
	const struct config_connector *events = config_outbox_route(cfg, false);
	int r = 0;

	oc.refunds = oc.events = -1;
	if (refunds && events) {
		oc.refunds =
		    station_connector_index(used, &oc.n_connectors, refunds);
		oc.events =
		    station_connector_index(used, &oc.n_connectors, events);
	}
	/* a shop's own connector takes that shop's rows (outbox.h) */
	for (int i = 0; i < cfg->n_connectors; i++)
		if (cfg->connectors[i].shop[0])
			station_connector_index(used, &oc.n_connectors,
						&cfg->connectors[i]);
	if (oc.n_connectors == 0)
		return 0;
	if (config_outbox_devices_route(cfg)) {
		oc.has_devices = true;
		oc.devices = station_connector_index(
		    used, &oc.n_connectors, config_outbox_devices_route(cfg));
	}
	sc = calloc((size_t)oc.n_connectors, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	for (int i = 0; i < oc.n_connectors && r == 0; i++)
		r = station_connector_load(cfg, used[i], &sc[i], &occ[i], err,
					   errlen);
	if (r == 0)
		r = outbox_sender_start(&oc, &st->sender, err, errlen);
	explicit_bzero(sc, (size_t)oc.n_connectors * sizeof(*sc));
	free(sc);
	if (r < 0)
		return r;
	r = sd_event_add_io(st->ev, &st->sender_notify,
			    outbox_sender_notify_fd(st->sender), EPOLLIN,
			    station_on_sender_notify, st);
	if (r < 0)
		snprintf(err, errlen, "outbox: cannot watch the sender: %s",
			 strerror(-r));
	return r;
}

/*
 * Receipts this desk left open when the station stopped (a crash, a power
 * cut): the newest is offered at the desk (scan its code to resume it,
 * cancel to abandon it); every older one is closed as abandoned, with an
 * audit entry.  A store error here is logged, not fatal: the desk works.
 */
static void station_left_open(struct station *st)
{
	struct receipt_left left[16];
	struct desk_event ev = {.kind = DESK_EV_RESUME_OFFER};
	int64_t offered = 0;
	int n;

	do {
		n = store_receipt_left_open(st->store, st->cfg->desk, left, 16);
		if (n < 0)
			log_error_errno(n, "receipts left open not read (%s)",
					store_errmsg(st->store));
		for (int i = 0; i < n; i++) {
			int r;

			if (!offered) {
				offered = left[i].id;
				ev.receipt = left[i].id;
				ev.text = left[i].code;
				ev.routine = left[i].routine == ROUTINE_SHIP_QC
						 ? DESK_ROUTINE_SHIP_QC
						 : DESK_ROUTINE_RETURN;
				station_feed(st, &ev);
				continue;
			}
			if (left[i].id == offered)
				continue;
			r = store_receipt_abandon(
			    st->store, left[i].id, "station",
			    "left open when the station stopped; a newer "
			    "receipt was open too",
			    clock_now_us());
			if (r < 0) {
				log_error_errno(r,
						"receipt %lld not closed (%s)",
						(long long)left[i].id,
						store_errmsg(st->store));
				return;
			}
			log_notice("receipt %lld was left open when the "
				   "station stopped: abandoned",
				   (long long)left[i].id);
		}
	} while (n > 1);
	if (offered)
		log_notice("receipt %lld was left open when the station "
			   "stopped: offered at the desk",
			   (long long)offered);
}

int station_new(const struct config *cfg, sd_event *ev, struct station **out,
		char *err, size_t errlen)
{
	struct station *st;
	int r;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->cfg = cfg;
	st->ev = sd_event_ref(ev);
	st->patterns.rma = cfg->rma_pattern;
	st->patterns.order = cfg->order_pattern;
	st->patterns.strip_prefix = cfg->scanner_prefix;
	st->patterns.strip_suffix = cfg->scanner_suffix;

	r = station_load_checklists(st, err, errlen);
	if (r < 0)
		goto fail;
	r = store_open(cfg->database, &st->store, err, errlen);
	if (r < 0)
		goto fail;
	for (int i = 0; i < cfg->n_clerks; i++) {
		r = store_clerk_put_role(
		    st->store, cfg->clerks[i].badge, cfg->clerks[i].name,
		    cfg->clerks[i].role[0] ? cfg->clerks[i].role : "clerk",
		    clock_now_us());
		if (r < 0) {
			snprintf(err, errlen, "clerk %s not stored: %s",
				 cfg->clerks[i].badge, store_errmsg(st->store));
			goto fail;
		}
	}

	st->desk_cfg.policy = cfg->policy;
	st->desk_cfg.checklists = &st->checklists;
	st->desk_cfg.step_timeout_us = cfg->step_timeout_us;
	st->desk_cfg.ship_qc_tolerance_g = cfg->ship_qc_tolerance_g;
	st->desk_cfg.empty_scale_g = cfg->empty_scale_g;
	st->desk_cfg.desk_name = cfg->desk;
	st->desk_cfg.shop = cfg->shop;
	st->desk_cfg.grace_us = cfg->grace_us;
	st->desk_cfg.label = cfg->label;
	/* The steps a desk shows follow its board; a device that is not
	 * there is reported to the desk (on the loop), which skips its
	 * steps. */
	st->desk_cfg.has_scale =
	    strcmp(cfg->device[DEVICE_SCALE].backend, "none") != 0;
	st->desk_cfg.has_camera =
	    strcmp(cfg->device[DEVICE_CAMERA].backend, "none") != 0;
	st->desk_cfg.has_printer =
	    strcmp(cfg->device[DEVICE_PRINTER].backend, "none") != 0;
	desk_init(&st->desk, &st->desk_cfg);
	r = devices_open(ev, cfg, &station_device_events, st, &st->devices);
	if (r < 0) {
		snprintf(err, errlen, "devices: %s", strerror(-r));
		goto fail;
	}
	/* the tower shows the desk's state from the start, not only from
	 * its first change */
	station_disk_refresh(st, true); /* the light warns from the start */
	station_set_tower(st, st->desk.tower, st->desk.tower);
	/* the date first: the desk holds its decisions without it, and the
	 * records made before it is known are marked */
	r = station_clock_start(st, err, errlen);
	if (r < 0)
		goto fail;
	if (!strcmp(cfg->routine, "ship_qc")) {
		struct desk_event rev = {.kind = DESK_EV_ROUTINE,
					 .routine = DESK_ROUTINE_SHIP_QC};

		station_feed(st, &rev);
	}
	station_left_open(st);

	st->secrets = secret_book_new(station_secret_keep, (void *)cfg);
	if (!st->secrets) {
		snprintf(err, errlen, "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	r = station_start_sender(st, err, errlen);
	if (r == 0)
		r = station_photo_upload_start(st, err, errlen);
	if (r == 0)
		r = station_pull_start(st, err, errlen);
	if (r == 0)
		r = station_system_start(st, err, errlen);
	if (r < 0)
		goto fail;
	station_outbox_refresh(st);
	*out = st;
	return 0;
fail:
	station_free(st);
	return r;
}

void station_free(struct station *st)
{
	if (!st)
		return;
	station_system_stop(st);
	station_pull_stop(st);
	station_clock_stop(st);
	sd_event_source_unref(st->sender_notify);
	if (st->sender)
		outbox_sender_stop(st->sender);
	station_photo_upload_stop(st);
	secret_book_free(st->secrets); /* after both that use it */
	devices_close(st->devices);    /* its spool records the label in hand */
	store_close(st->store);
	sd_event_unref(st->ev);
	free(st->metrics);
	free(st);
}

void station_tick(struct station *st)
{
	struct desk_event ev = {.kind = DESK_EV_TICK};

	station_feed(st, &ev); /* the desk knows what times out */
	if (!st->receipt_id && st->store) {
		store_checkpoint(st->store); /* between parcels */
		station_retention_tick(st);
	}
	station_disk_refresh(st, false);
	station_system_tick(st);
}
