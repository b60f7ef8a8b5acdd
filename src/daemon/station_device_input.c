/* SPDX-License-Identifier: MIT */
/*
 * What the devices say, made into desk events: a scanner's line (or its
 * refusal when overlong), a scale's reading, a button, and a device that
 * came, went or reported a fault (recorded in the audit of device events
 * and shown on the light).  The desk decides what each means; the calls
 * the clerk and the integrator make are station_input.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/clock.h"
#include "retour/log.h"

#include "station_internal.h"

static void station_on_scan_line(void *userdata, const char *line, size_t len,
				 bool overlong)
{
	struct station *st = userdata;

	if (overlong) {
		char why[96];

		snprintf(why, sizeof(why),
			 "the scanner sent a line longer than %d bytes",
			 st->cfg->scanner_max_line);
		station_refuse_scan(st, why);
		return;
	}
	station_scan(st, line, len);
}

static void station_on_weight(void *userdata, const struct scale_reading *r)
{
	struct station *st = userdata;
	struct desk_event ev = {.kind = DESK_EV_WEIGHT, .grams = r->grams};

	st->weight_read = *r;
	st->weight_read_stable = r->status == SCALE_STABLE;
	st->live = *r;
	st->live_at = clock_now_us();

	switch (r->status) {
	case SCALE_STABLE:
		ev.weight_status = DESK_WEIGHT_STABLE;
		break;
	case SCALE_UNSTABLE:
		ev.weight_status = DESK_WEIGHT_UNSTABLE;
		break;
	case SCALE_OVERLOAD:
		ev.weight_status = DESK_WEIGHT_OVERLOAD;
		break;
	case SCALE_UNDERLOAD:
		ev.weight_status = DESK_WEIGHT_UNDERLOAD;
		break;
	case SCALE_OFFLINE:
		ev.weight_status = DESK_WEIGHT_OFFLINE;
		break;
	case SCALE_NEEDS_ZERO:
		ev.weight_status = DESK_WEIGHT_NEEDS_ZERO;
		break;
	case SCALE_NEEDS_CALIBRATION:
		ev.weight_status = DESK_WEIGHT_NEEDS_CALIBRATION;
		break;
	case SCALE_ERROR:
	default:
		ev.weight_status = DESK_WEIGHT_ERROR;
		break;
	}
	station_feed(st, &ev);
}

static void station_on_button(void *userdata, enum gpio_button b)
{
	struct station *st = userdata;
	struct desk_event ev = {.kind = DESK_EV_BUTTON};

	ev.button = b == GPIO_BUTTON_ACCEPT   ? DESK_BUTTON_ACCEPT
		    : b == GPIO_BUTTON_REJECT ? DESK_BUTTON_REJECT
		    : b == GPIO_BUTTON_PARCEL ? DESK_BUTTON_PARCEL
					      : DESK_BUTTON_PEDAL;
	station_feed(st, &ev);
}

/*
 * A device that stopped working (connected -> missing or fault) or works
 * again: an audit entry and a line in the log, and a device.fault or
 * device.ok event queued for the connector [outbox] devices names, if
 * any.  A change between missing and fault is no news to an integrator.
 */
static void station_device_event(struct station *st, enum device_kind kind,
				 enum device_state state, const char *reason)
{
	bool ok = state == DEVICE_CONNECTED;
	const char *type = ok ? EVENT_DEVICE_OK : EVENT_DEVICE_FAULT;
	struct store_device_event sev = {
	    .action = type,
	    .device = device_kind_name(kind),
	    .state = device_state_name(state),
	    .reason = reason ? reason : "",
	    .receipt_id = st->receipt_id,
	};
	int64_t now = clock_now_us();
	struct outbox_new o = {.action = type, .not_before = now};
	char *body = NULL, err[160];
	int r;

	if ((st->device_state[kind] == DEVICE_CONNECTED) == ok)
		return;
	if (ok)
		log_notice("%s works again", device_kind_name(kind));
	else
		st->device_faults[kind]++;
	if (config_outbox_devices_route(st->cfg)) {
		struct event_device_facts f = {
		    .type = type,
		    .id = o.key,
		    .shop = st->cfg->shop,
		    .station = st->cfg->desk,
		    .device = sev.device,
		    .state = sev.state,
		    .reason = sev.reason,
		    .at = now,
		    .receipt = st->receipt_id,
		    .step =
			st->receipt_id ? desk_step_name(st->desk.step) : NULL,
		};

		snprintf(o.key, sizeof(o.key), "%s:%s:%s:%s:%lld",
			 st->cfg->shop, st->cfg->desk, sev.device, type,
			 (long long)now);
		r = event_device_render(&f, &body, err, sizeof(err));
		if (r < 0)
			log_error("%s of %s not sent: %s", type, sev.device,
				  err);
		o.payload = body;
		sev.outbox = body ? &o : NULL;
	}
	r = store_device_event(st->store, &sev, station_actor(st), now);
	if (r < 0)
		log_error_errno(r, "%s of %s not recorded (%s)", type,
				sev.device, store_errmsg(st->store));
	else if (sev.outbox)
		station_outbox_refresh(st);
	if (r == 0 && sev.outbox && st->sender)
		outbox_sender_kick(st->sender);
	free(body);
}

/* A device came, went or failed: the desk is told, and skips the steps of
 * a device that is not there. */
static void station_on_device_state(void *userdata, enum device_kind kind,
				    enum device_state state, const char *reason)
{
	struct station *st = userdata;
	struct desk_event ev = {.kind = DESK_EV_DEVICE};

	switch (kind) {
	case DEVICE_SCANNER:
		ev.device = DESK_DEVICE_SCANNER;
		break;
	case DEVICE_SCALE:
		ev.device = DESK_DEVICE_SCALE;
		break;
	case DEVICE_PRINTER:
		ev.device = DESK_DEVICE_PRINTER;
		break;
	case DEVICE_CAMERA:
		ev.device = DESK_DEVICE_CAMERA;
		break;
	case DEVICE_GPIO:
	default:
		ev.device = DESK_DEVICE_GPIO;
		break;
	}
	ev.device_state = state == DEVICE_MISSING ? DESK_DEVICE_MISSING
			  : state == DEVICE_FAULT ? DESK_DEVICE_FAULT
						  : DESK_DEVICE_CONNECTED;
	if (state != DEVICE_CONNECTED)
		log_warning("%s %s: %s", device_kind_name(kind),
			    device_state_name(state), reason ? reason : "");
	if ((unsigned)kind < DEVICE_KIND_COUNT) {
		station_device_event(st, kind, state, reason);
		st->device_state[kind] = state;
	}
	station_report(st, &ev, reason, NULL, NULL);
}

const struct devices_events station_device_events = {
    .scan_line = station_on_scan_line,
    .weight = station_on_weight,
    .button = station_on_button,
    .photo = station_on_photo,
    .printed = station_on_printed,
    .state = station_on_device_state,
};
