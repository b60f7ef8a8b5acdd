/* SPDX-License-Identifier: MIT */
/*
 * The devices of one desk (include/retour/devices.h): opens what the board
 * file names, keeps each device's state and last error for the status, and
 * runs the two slow things off the event loop: labels on the label spool's
 * thread, photos on the camera's thread (capture, then the content-
 * addressed store, which fsyncs).  Results come back through an eventfd
 * and are reported on the loop, in the order they were asked for.
 *
 * Deliberately no knowledge of any backend or its settings: the board's
 * settings go to the backend through config_device_apply().
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "retour/camera.h"
#include "retour/devices.h"
#include "retour/log.h"
#include "retour/photo.h"
#include "retour/printer.h"
#include "retour/scanner.h"
#include "retour/spool.h"

/* The gpio debounce a board gets when it does not say (before the board's
 * settings became the backend's, this was the configuration's default). */
#define DEVICES_GPIO_DEBOUNCE_MS 20

/* A device's last error, as the status shows it: cut to what fits. */
#define DEVICES_ERROR_LEN 160

struct photo_job {
	struct photo_job *next;
	uint64_t tag;
	bool capture_failed; /* the camera's fault, not the store's */
	struct photo_taken res;
};

struct devices {
	sd_event *ev;
	const struct config *cfg;
	const struct devices_events *cb;
	void *ud;

	struct scanner *scanner;
	struct scale *scale;
	struct printer *printer;
	struct spool *spool;
	struct camera *camera;
	struct gpio *gpio;
	bool named[DEVICE_KIND_COUNT]; /* the board names a backend */
	enum device_state state[DEVICE_KIND_COUNT];
	char error[DEVICE_KIND_COUNT][DEVICES_ERROR_LEN];
	/* asked for a weight while a reading was on its way: that reading
	 * answers the question before, so the scale is asked once more */
	bool weigh_again;
	sd_event_source *hello; /* reports the states found at open */

	/* the camera's thread and its queues, under lock */
	pthread_t camera_thread;
	bool camera_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
	struct photo_job *todo, **todo_tail;
	struct photo_job *done, **done_tail;
	int photos_pending;
	int wake_fd;
	sd_event_source *wake;
	/* the frame subscriber, under its own lock: held during the call so
	 * that unsubscribing waits for a call in progress */
	pthread_mutex_t frame_lock;
	devices_frame_fn frame_fn;
	void *frame_ud;
	uint64_t frame_seq;
};

/* ---- state ---- */

static void devices_set_state(struct devices *d, enum device_kind k,
			      enum device_state s, const char *reason)
{
	bool changed = d->state[k] != s;

	snprintf(d->error[k], sizeof(d->error[k]), "%.*s",
		 DEVICES_ERROR_LEN - 1, s == DEVICE_CONNECTED ? "" : reason);
	d->state[k] = s;
	if (changed && d->cb->state)
		d->cb->state(d->ud, k, s, d->error[k]);
}

static int devices_on_hello(sd_event_source *s, void *userdata)
{
	struct devices *d = userdata;

	(void)s;
	for (int k = 0; k < DEVICE_KIND_COUNT; k++)
		if (d->named[k] && d->cb->state)
			d->cb->state(d->ud, k, d->state[k], d->error[k]);
	return 0;
}

/* ---- device callbacks, on the loop ---- */

static void devices_on_scan_line(void *userdata, const char *line, size_t len,
				 bool overlong)
{
	struct devices *d = userdata;

	if (d->cb->scan_line)
		d->cb->scan_line(d->ud, line, len, overlong);
}

static void devices_on_scanner_state(void *userdata, bool present,
				     const char *why)
{
	struct devices *d = userdata;

	devices_set_state(d, DEVICE_SCANNER,
			  present ? DEVICE_CONNECTED : DEVICE_MISSING, why);
}

static void devices_on_weight(void *userdata, const struct scale_reading *r)
{
	struct devices *d = userdata;

	/* A reading of a question asked before the last request (a parcel
	 * skipped or cancelled while a silent scale was asked, then the next
	 * parcel on it): the scale is asked again, and only that reading is
	 * the desk's, and says how the scale is. */
	if (d->weigh_again) {
		d->weigh_again = false;
		log_info("scale: reading (%s) answers an earlier request: "
			 "asking again",
			 scale_status_name(r->status));
		if (scale_request_stable(d->scale) == 0)
			return;
	}
	if (r->status == SCALE_STABLE)
		devices_set_state(d, DEVICE_SCALE, DEVICE_CONNECTED, "");
	else if (r->status == SCALE_OFFLINE || r->status == SCALE_ERROR)
		/* A scale that does not answer is still the desk's scale: its
		 * step stays, and the next request finds it when it is back
		 * (a missing device's steps are skipped and never ask). */
		devices_set_state(d, DEVICE_SCALE, DEVICE_FAULT, r->detail);
	else { /* unsteady or out of range: the scale answered, so it works;
		* the status says what it read */
		devices_set_state(d, DEVICE_SCALE, DEVICE_CONNECTED, "");
		snprintf(d->error[DEVICE_SCALE], sizeof(d->error[0]), "%s",
			 r->detail);
	}
	if (d->cb->weight)
		d->cb->weight(d->ud, r);
}

static void devices_on_button(void *userdata, enum gpio_button b)
{
	struct devices *d = userdata;

	if (d->cb->button)
		d->cb->button(d->ud, b);
}

static void devices_on_printed(void *userdata, int64_t receipt_id, int r,
			       const char *err)
{
	struct devices *d = userdata;

	if (r < 0)
		devices_set_state(d, DEVICE_PRINTER, DEVICE_FAULT, err);
	else
		devices_set_state(d, DEVICE_PRINTER, DEVICE_CONNECTED, "");
	if (d->cb->printed)
		d->cb->printed(d->ud, receipt_id, r, err);
}

/* ---- the camera's thread ---- */

static void photo_push(struct photo_job ***tail, struct photo_job *j)
{
	j->next = NULL;
	**tail = j;
	*tail = &j->next;
}

static struct photo_job *photo_pop(struct photo_job **head,
				   struct photo_job ***tail)
{
	struct photo_job *j = *head;

	if (j) {
		*head = j->next;
		if (!*head)
			*tail = head;
	}
	return j;
}

/* Capture one frame, hand it to the subscriber, store it (fsync'd). */
static void devices_photo(struct devices *d, struct photo_job *j)
{
	struct photo_taken *p = &j->res;
	void *data = NULL;
	size_t len = 0;

	p->r =
	    camera_capture(d->camera, &data, &len, p->error, sizeof(p->error));
	if (p->r < 0) {
		j->capture_failed = true;
		return;
	}
	pthread_mutex_lock(&d->frame_lock);
	if (d->frame_fn) {
		struct camera_frame f = {.format = CAMERA_FRAME_ENCODED,
					 .data = data,
					 .len = len,
					 .seq = ++d->frame_seq};
		d->frame_fn(d->frame_ud, &f);
	}
	pthread_mutex_unlock(&d->frame_lock);
	p->r = photo_store_save(
	    d->cfg->photos, data, len, d->cfg->photo_min_free_bytes, p->sha256,
	    p->path, sizeof(p->path), p->error, sizeof(p->error));
	if (p->r < 0) {
		log_warning("photo refused: %s", p->error);
		p->sha256[0] = '\0';
	} else {
		p->bytes = len;
		p->error[0] = '\0';
	}
	free(data);
}

static void *devices_camera_worker(void *arg)
{
	struct devices *d = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct photo_job *j;

		while (!d->todo && !d->stopping)
			pthread_cond_wait(&d->cond, &d->lock);
		if (d->stopping)
			break;
		j = photo_pop(&d->todo, &d->todo_tail);
		pthread_mutex_unlock(&d->lock);

		devices_photo(d, j);

		pthread_mutex_lock(&d->lock);
		photo_push(&d->done_tail, j);
		if (write(d->wake_fd, &one, sizeof(one)) < 0) {
			/* eventfd counter full: the loop is awake anyway */
		}
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

static int devices_on_photo_wake(sd_event_source *src, int fd, uint32_t revents,
				 void *userdata)
{
	struct devices *d = userdata;
	struct photo_job *j;
	uint64_t v;

	(void)src;
	(void)revents;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return 0;
	for (;;) {
		pthread_mutex_lock(&d->lock);
		j = photo_pop(&d->done, &d->done_tail);
		if (j)
			d->photos_pending--;
		pthread_mutex_unlock(&d->lock);
		if (!j)
			break;
		if (j->capture_failed)
			devices_set_state(d, DEVICE_CAMERA, DEVICE_FAULT,
					  j->res.error);
		else
			devices_set_state(d, DEVICE_CAMERA, DEVICE_CONNECTED,
					  "");
		if (d->cb->photo)
			d->cb->photo(d->ud, j->tag, &j->res);
		free(j);
	}
	return 0;
}

static int devices_camera_start(struct devices *d)
{
	int r;

	d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->wake_fd < 0)
		return -errno;
	r = sd_event_add_io(d->ev, &d->wake, d->wake_fd, EPOLLIN,
			    devices_on_photo_wake, d);
	if (r < 0)
		return r;
	r = -pthread_create(&d->camera_thread, NULL, devices_camera_worker, d);
	if (r < 0)
		return r;
	d->camera_started = true;
	return 0;
}

static void devices_camera_stop(struct devices *d)
{
	struct photo_job *j;

	if (d->camera_started) {
		pthread_mutex_lock(&d->lock);
		d->stopping = true;
		pthread_cond_signal(&d->cond);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->camera_thread, NULL);
	}
	while ((j = photo_pop(&d->todo, &d->todo_tail)))
		free(j);
	while ((j = photo_pop(&d->done, &d->done_tail)))
		free(j);
	sd_event_source_unref(d->wake);
	if (d->wake_fd >= 0)
		close(d->wake_fd);
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
	union {
		struct scanner_config scanner;
		struct scale_config scale;
		struct printer_config printer;
		struct camera_config camera;
		struct gpio_config gpio;
	} c;
	int r;

	memset(&c, 0, sizeof(c));
	switch (k) {
	case DEVICE_SCANNER:
		c.scanner.backend = cd->backend;
		c.scanner.max_line = (size_t)d->cfg->scanner_max_line;
		c.scanner.state = devices_on_scanner_state;
		break;
	case DEVICE_SCALE:
		c.scale.backend = cd->backend;
		break;
	case DEVICE_PRINTER:
		c.printer.backend = cd->backend;
		break;
	case DEVICE_CAMERA:
		c.camera.backend = cd->backend;
		break;
	case DEVICE_GPIO:
		c.gpio.backend = cd->backend;
		c.gpio.debounce_ms = DEVICES_GPIO_DEBOUNCE_MS;
		break;
	}
	r = config_device_apply(cd, k, &c, err, errlen);
	if (r < 0)
		return r;
	switch (k) {
	case DEVICE_SCANNER:
		return scanner_open(d->ev, &c.scanner, devices_on_scan_line, d,
				    &d->scanner, err, errlen);
	case DEVICE_SCALE:
		return scale_open(d->ev, &c.scale, devices_on_weight, d,
				  &d->scale, err, errlen);
	case DEVICE_PRINTER:
		r = printer_open(&c.printer, &d->printer, err, errlen);
		if (r < 0)
			return r;
		r = spool_new(d->ev, d->printer, devices_on_printed, d,
			      &d->spool);
		if (r < 0) {
			printer_close(d->printer);
			d->printer = NULL;
			snprintf(err, errlen, "label spool could not start");
		}
		return r;
	case DEVICE_CAMERA:
		r = camera_open(&c.camera, &d->camera, err, errlen);
		if (r < 0)
			return r;
		r = devices_camera_start(d);
		if (r < 0) {
			camera_close(d->camera);
			d->camera = NULL;
			snprintf(err, errlen, "camera thread could not start");
		}
		return r;
	case DEVICE_GPIO:
		return gpio_open(d->ev, &c.gpio, devices_on_button, d, &d->gpio,
				 err, errlen);
	}
	return -EINVAL;
}

static void devices_log_opened(struct devices *d, enum device_kind k)
{
	const struct config_device *cd = &d->cfg->device[k];
	char text[384];

	if (k == DEVICE_SCANNER)
		log_info("scanner: %s, codes from %s (id %s)", cd->backend,
			 scanner_feed_path(d->scanner), scanner_id(d->scanner));
	else if (k == DEVICE_PRINTER)
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

	for (int k = 0; k < DEVICE_KIND_COUNT; k++) {
		if (!strcmp(cfg->device[k].backend, "none"))
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
		if (k == DEVICE_SCANNER && scanner_absence(d->scanner)) {
			/* a tty scanner not plugged in yet: opened, waiting */
			d->state[k] = DEVICE_MISSING;
			snprintf(d->error[k], sizeof(d->error[k]), "%.*s",
				 DEVICES_ERROR_LEN - 1,
				 scanner_absence(d->scanner));
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
	scanner_close(d->scanner);
	scale_close(d->scale);
	spool_free(d->spool); /* before its printer */
	printer_close(d->printer);
	devices_camera_stop(d); /* before its camera */
	camera_close(d->camera);
	gpio_close(d->gpio);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->frame_lock);
	sd_event_unref(d->ev);
	free(d);
}

/* ---- what the station asks ---- */

bool devices_has(const struct devices *d, enum device_kind k)
{
	if (!d)
		return false;
	switch (k) {
	case DEVICE_SCANNER:
		return d->scanner;
	case DEVICE_SCALE:
		return d->scale;
	case DEVICE_PRINTER:
		return d->printer;
	case DEVICE_CAMERA:
		return d->camera;
	case DEVICE_GPIO:
		return d->gpio;
	}
	return false;
}

int devices_request_weight(struct devices *d)
{
	int r;

	if (!d || !d->scale)
		return -ENODEV;
	r = scale_request_stable(d->scale);
	if (r == -EBUSY) {
		/* one is on its way, asked before: ask again when it ends */
		d->weigh_again = true;
		return 0;
	}
	return r;
}

int devices_take_photo(struct devices *d, uint64_t tag)
{
	struct photo_job *j;

	if (!d || !d->camera)
		return -ENODEV;
	pthread_mutex_lock(&d->lock);
	if (d->photos_pending >= DEVICES_MAX_PHOTOS) {
		pthread_mutex_unlock(&d->lock);
		return -EBUSY;
	}
	pthread_mutex_unlock(&d->lock);
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->tag = tag;
	pthread_mutex_lock(&d->lock);
	photo_push(&d->todo_tail, j);
	d->photos_pending++;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int devices_subscribe_frames(struct devices *d, devices_frame_fn fn, void *ud)
{
	if (!d)
		return -EINVAL;
	pthread_mutex_lock(&d->frame_lock);
	d->frame_fn = fn;
	d->frame_ud = fn ? ud : NULL;
	pthread_mutex_unlock(&d->frame_lock);
	return 0;
}

int devices_print_label(struct devices *d, int64_t receipt_id, const char *zpl,
			size_t len)
{
	char name[64];
	int r;

	if (!d || !d->spool)
		return -ENODEV;
	snprintf(name, sizeof(name), "receipt-%lld", (long long)receipt_id);
	r = spool_submit(d->spool, receipt_id, name, zpl, len);
	if (r == -EBUSY)
		devices_set_state(d, DEVICE_PRINTER, DEVICE_FAULT,
				  "too many labels waiting for the printer");
	return r;
}

int devices_press(struct devices *d, const char *button, char *err,
		  size_t errlen)
{
	int b = gpio_button_from_name(button);

	if (b < 0) {
		snprintf(err, errlen,
			 "unknown button '%s' (accept, reject, pedal)",
			 button ? button : "");
		return -EINVAL;
	}
	if (!d || !d->gpio) {
		snprintf(err, errlen, "no buttons on this desk");
		return -ENODEV;
	}
	return gpio_press(d->gpio, (enum gpio_button)b);
}

void devices_set_light(struct devices *d, enum gpio_light light, bool buzzer)
{
	if (d && d->gpio)
		gpio_set_light(d->gpio, light, buzzer);
}

bool devices_buzzer(const struct devices *d)
{
	return d && d->gpio && gpio_buzzer(d->gpio);
}

static json_t *devices_one_json(const struct devices *d, enum device_kind k)
{
	json_t *o = json_object();
	bool present = devices_has(d, k);

	json_object_set_new(o, "present", json_boolean(present));
	json_object_set_new(o, "ok", json_boolean(present && !d->error[k][0]));
	json_object_set_new(o, "last_error", json_string(d->error[k]));
	return o;
}

json_t *devices_status(const struct devices *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "scanner", devices_one_json(d, DEVICE_SCANNER));
	if (d->scanner) {
		json_object_set_new(json_object_get(o, "scanner"), "feed",
				    json_string(scanner_feed_path(d->scanner)));
		/* which scanner: stable across unplugs (scanner.h) */
		json_object_set_new(json_object_get(o, "scanner"), "id",
				    json_string(scanner_id(d->scanner)));
	}
	json_object_set_new(o, "scale", devices_one_json(d, DEVICE_SCALE));
	json_object_set_new(o, "printer", devices_one_json(d, DEVICE_PRINTER));
	json_object_set_new(o, "camera", devices_one_json(d, DEVICE_CAMERA));
	return o;
}

const char *devices_scanner_feed(const struct devices *d)
{
	return d && d->scanner ? scanner_feed_path(d->scanner) : NULL;
}
