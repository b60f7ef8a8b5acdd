/* SPDX-License-Identifier: MIT */
/*
 * The devices of one desk (include/retour/devices.h): opens what the board
 * file names, keeps each device's state and last error for the status, and
 * runs the two slow things off the event loop: labels on the label spool's
 * thread (devices_printer.c), photos on the camera's thread (capture, then
 * the content-addressed store, which fsyncs: devices_camera.c).  Results
 * come back through an eventfd and are reported on the loop, in the order
 * they were asked for.  This file opens and closes them all; each kind
 * has its file, and devices.c, below them all, keeps their state and
 * the status (devices_internal.h).
 *
 * Deliberately no knowledge of any backend or its settings: the board's
 * settings go to the backend through config_device_apply().
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "retour/devices.h"
#include "retour/log.h"
#include "retour/printer.h"
#include "retour/scanner.h"
#include "retour/spool.h"
#include "devices_internal.h"

static int devices_on_hello(sd_event_source *s, void *userdata)
{
	struct devices *d = userdata;

	(void)s;
	for (int k = 0; k < DEVICE_KIND_COUNT; k++)
		if (d->named[k] && d->cb->state)
			d->cb->state(d->ud, k, d->state[k], d->error[k]);
	return 0;
}

/* ---- opening ---- */

/* "run/scale, stable_timeout_ms=3000": the settings, for the log line. */
static const char *devices_settings_text(const struct config_device *cd,
					 char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < cd->settings.n && off < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%s=%s", i ? ", " : "",
				 cd->settings.item[i].key,
				 cd->settings.item[i].value);

		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

static int devices_open_one(struct devices *d, enum device_kind k, char *err,
			    size_t errlen)
{
	const struct config_device *cd = &d->cfg->device[k];

	switch (k) {
	case DEVICE_SCANNER: /* devices_open_scanners()' */
		return -EINVAL;
	case DEVICE_SCALE:
		return devices_scale_open(d, cd, err, errlen);
	case DEVICE_PRINTER:
		return devices_printer_open(d, cd, err, errlen);
	case DEVICE_CAMERA:
		return devices_camera_open(d, cd, err, errlen);
	case DEVICE_GPIO:
		return devices_gpio_open(d, cd, err, errlen);
	}
	return -EINVAL;
}

/*
 * A device path of @k's backend that is not there now (the board was
 * written before the device was plugged in): "no such device
 * /dev/ttyUSB0, waiting for it" into @why, true.  The backend opened
 * anyway and finds the device when it comes.
 */
static bool devices_absent_path(const struct devices *d, enum device_kind k,
				char *why, size_t len)
{
	const struct config_device *cd = &d->cfg->device[k];
	const struct device_backend *be =
	    device_backend_find(k, cd->backend, NULL, 0);
	char problem[DEVICES_ERROR_LEN];

	for (int i = 0; be && i < cd->settings.n; i++)
		if (device_setting_present(be, cd->settings.item[i].key,
					   cd->settings.item[i].value, problem,
					   sizeof(problem)) < 0) {
			snprintf(why, len, "%.120s, waiting for it", problem);
			return true;
		}
	return false;
}

static void devices_log_opened(struct devices *d, enum device_kind k)
{
	const struct config_device *cd = &d->cfg->device[k];
	char text[384];

	if (k == DEVICE_PRINTER)
		log_info("printer: %s", printer_describe(d->printer));
	else if (k == DEVICE_CAMERA)
		log_info("camera: %s (%s), photos stored in %s", cd->backend,
			 devices_settings_text(cd, text, sizeof(text)),
			 d->cfg->photos);
	else if (cd->settings.n)
		log_info("%s: %s (%s)", device_kind_name(k), cd->backend,
			 devices_settings_text(cd, text, sizeof(text)));
	else
		log_info("%s: %s", device_kind_name(k), cd->backend);
}

int devices_open(sd_event *ev, const struct config *cfg,
		 const struct devices_events *cb, void *ud,
		 struct devices **out)
{
	struct devices *d;
	char err[256];
	int r;

	if (!ev || !cfg || !cb || !out)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ev = sd_event_ref(ev);
	d->cfg = cfg;
	d->cb = cb;
	d->ud = ud;
	d->wake_fd = -1;
	d->todo_tail = &d->todo;
	d->done_tail = &d->done;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	pthread_mutex_init(&d->frame_lock, NULL);

	devices_open_scanners(d);
	for (int k = 0; k < DEVICE_KIND_COUNT; k++) {
		if (k == DEVICE_SCANNER ||
		    !strcmp(cfg->device[k].backend, "none"))
			continue;
		d->named[k] = true;
		err[0] = '\0';
		r = devices_open_one(d, k, err, sizeof(err));
		if (r == -ENOMEM)
			goto fail;
		if (r < 0) {
			log_error("%s: %s", device_kind_name(k),
				  err[0] ? err : strerror(-r));
			d->state[k] = DEVICE_MISSING;
			snprintf(d->error[k], sizeof(d->error[k]), "%.*s",
				 DEVICES_ERROR_LEN - 1,
				 err[0] ? err : strerror(-r));
			continue;
		}
		d->state[k] = DEVICE_CONNECTED;
		devices_log_opened(d, k);
		if (devices_absent_path(d, k, d->error[k],
					sizeof(d->error[k]))) {
			/* opened, its node not there yet (a scale asked
			 * before it is plugged in answers "offline"):
			 * at fault, so its step stays and the clerk can
			 * go on by hand until the device answers */
			d->state[k] = DEVICE_FAULT;
			log_warning("%s: %s", device_kind_name(k), d->error[k]);
		}
	}
	r = sd_event_add_defer(ev, &d->hello, devices_on_hello, d);
	if (r < 0)
		goto fail;
	*out = d;
	return 0;
fail:
	devices_close(d);
	return r;
}

void devices_close(struct devices *d)
{
	if (!d)
		return;
	sd_event_source_unref(d->hello);
	for (int i = 0; i < d->n_scanners; i++)
		scanner_close(d->scanners[i].scanner);
	scale_close(d->scale);
	spool_free(d->spool); /* before its printer */
	printer_close(d->printer);
	devices_camera_close(d);
	gpio_close(d->gpio);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->frame_lock);
	sd_event_unref(d->ev);
	free(d);
}
