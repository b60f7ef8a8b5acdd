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
#include "retour/camera_scanner.h"
#include "retour/devices.h"
#include "retour/hotplug.h"
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

/*
 * One scanner of the desk: [scanner] or a [scanner NAME].  Codes from any
 * of them go to the desk; each keeps its own state for the status, and
 * the desk's scanner state is the worst of them.
 */
struct devices_scanner {
	struct devices *d;
	const struct config_device *cd;
	struct scanner *scanner; /* NULL: could not be opened */
	bool present;
	char id[96]; /* stable: USB id or port path, else name:feed */
	char error[DEVICES_ERROR_LEN];
};

struct devices {
	sd_event *ev;
	const struct config *cfg;
	const struct devices_events *cb;
	void *ud;

	struct scanner *scanner; /* [scanner]'s: scanners[0].scanner */
	struct devices_scanner scanners[CONFIG_MAX_SCANNERS];
	int n_scanners; /* named by the board, opened or not */
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
	/* [camera] decode = yes: the frames decoded, codes as scan lines */
	struct camera_scanner *camera_scanner;
	/* udev's video nodes, for a V4L2 camera plugged in later */
	struct hotplug *video_watch;
	/* the camera came or went, told on its thread, under lock */
	bool camera_told;
	bool camera_present;
	char camera_why[DEVICES_ERROR_LEN];
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

static const char *devices_scanner_name(const struct devices_scanner *ds)
{
	return ds->cd->name[0] ? ds->cd->name : "scanner";
}

static void devices_on_scan_line(void *userdata, const char *line, size_t len,
				 bool overlong)
{
	struct devices_scanner *ds = userdata;
	struct devices *d = ds->d;

	if (d->n_scanners > 1)
		log_info("scanner %s (%s): a code of %zu bytes",
			 devices_scanner_name(ds), ds->id, len);
	if (d->cb->scan_line)
		d->cb->scan_line(d->ud, line, len, overlong);
}

/*
 * Its stable id: the USB vendor:product:serial or port path udev knows
 * for its node, else its name and where it reads ("handheld:/dev/pts/3"),
 * which is what tells two scanners of one kind apart in the status.
 */
static void devices_scanner_identify(struct devices_scanner *ds)
{
	const char *feed = ds->scanner ? scanner_feed_path(ds->scanner) : NULL;
	const char *own = ds->scanner ? scanner_id(ds->scanner) : NULL;
	char id[sizeof(ds->id)];

	/* the backend's own (an evdev scanner found by USB id knows it) */
	if (own && own[0] && strcmp(own, feed ? feed : "")) {
		snprintf(ds->id, sizeof(ds->id), "%s", own);
		return;
	}
	if (feed && hotplug_stable_id(feed, id, sizeof(id)) == 0 &&
	    id[0] != '/') {
		snprintf(ds->id, sizeof(ds->id), "%s", id);
		return;
	}
	snprintf(ds->id, sizeof(ds->id), "%.31s:%.60s",
		 devices_scanner_name(ds), feed ? feed : ds->cd->backend);
}

/* The desk's scanner: missing while any of them is, saying which. */
static void devices_scanners_report(struct devices *d)
{
	for (int i = 0; i < d->n_scanners; i++) {
		const struct devices_scanner *ds = &d->scanners[i];
		char why[DEVICES_ERROR_LEN];

		if (ds->present)
			continue;
		if (d->n_scanners > 1)
			snprintf(why, sizeof(why), "%.31s: %.120s",
				 devices_scanner_name(ds), ds->error);
		else
			snprintf(why, sizeof(why), "%s", ds->error);
		devices_set_state(d, DEVICE_SCANNER, DEVICE_MISSING, why);
		return;
	}
	devices_set_state(d, DEVICE_SCANNER, DEVICE_CONNECTED, "");
}

static void devices_on_scanner_state(void *userdata, bool present,
				     const char *why)
{
	struct devices_scanner *ds = userdata;

	ds->present = present;
	snprintf(ds->error, sizeof(ds->error), "%s", present ? "" : why);
	if (present)
		devices_scanner_identify(ds); /* plugged in: udev knows it */
	devices_scanners_report(ds->d);
}

static void devices_on_scale_state(void *userdata, bool present,
				   const char *why)
{
	struct devices *d = userdata;

	devices_set_state(d, DEVICE_SCALE,
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

/* The printer's own status holds labels, or lets them go again. */
static void devices_on_printer_state(void *userdata, bool fault,
				     const char *why)
{
	struct devices *d = userdata;

	devices_set_state(d, DEVICE_PRINTER,
			  fault ? DEVICE_FAULT : DEVICE_CONNECTED, why);
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

/* Every frame of the camera, on the camera's thread, to the subscriber. */
static void devices_on_frame(void *userdata, const struct camera_frame *f)
{
	struct devices *d = userdata;

	pthread_mutex_lock(&d->frame_lock);
	if (d->frame_fn)
		d->frame_fn(d->frame_ud, f);
	pthread_mutex_unlock(&d->frame_lock);
}

/* The camera came or went, on its thread: told to the loop. */
static void devices_on_camera_state(void *userdata, bool present,
				    const char *why)
{
	struct devices *d = userdata;
	uint64_t one = 1;

	pthread_mutex_lock(&d->lock);
	if (!d->stopping && d->wake_fd >= 0) {
		d->camera_told = true;
		d->camera_present = present;
		snprintf(d->camera_why, sizeof(d->camera_why), "%s", why);
		if (write(d->wake_fd, &one, sizeof(one)) < 0) {
			/* eventfd counter full: the loop is awake anyway */
		}
	}
	pthread_mutex_unlock(&d->lock);
}

/* Capture one photo (the camera hands its frame to the subscriber), store
 * it (fsync'd). */
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
	char why[DEVICES_ERROR_LEN];
	bool told, present;
	uint64_t v;

	(void)src;
	(void)revents;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return 0;
	pthread_mutex_lock(&d->lock);
	told = d->camera_told;
	present = d->camera_present;
	snprintf(why, sizeof(why), "%s", d->camera_why);
	d->camera_told = false;
	pthread_mutex_unlock(&d->lock);
	if (told)
		devices_set_state(d, DEVICE_CAMERA,
				  present ? DEVICE_CONNECTED : DEVICE_MISSING,
				  why);
	for (;;) {
		pthread_mutex_lock(&d->lock);
		j = photo_pop(&d->done, &d->done_tail);
		if (j)
			d->photos_pending--;
		pthread_mutex_unlock(&d->lock);
		if (!j)
			break;
		if (j->capture_failed)
			devices_set_state(d, DEVICE_CAMERA,
					  j->res.r == -ENODEV ? DEVICE_MISSING
							      : DEVICE_FAULT,
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

/* udev announced a video node: a V4L2 camera that is gone looks now. */
static void devices_on_video_node(void *ud, enum hotplug_action a,
				  const char *devnode, const char *stable_id)
{
	struct devices *d = ud;

	if (a == HOTPLUG_ADDED)
		camera_retry_now(d->camera);
}

/* ---- the camera as a scanner ([camera] decode = yes) ---- */

static void devices_on_camera_code(void *userdata, const char *line, size_t len,
				   bool overlong)
{
	struct devices *d = userdata;

	if (d->cb->scan_line)
		d->cb->scan_line(d->ud, line, len, overlong);
}

/* Its codes come to the station as a scanner's lines; a decoder that
 * cannot start leaves the camera taking photos. */
static void devices_camera_scan_start(struct devices *d,
				      const struct barcode_config *bc)
{
	char err[256] = "";
	int r;

	if (barcode_yes_no(bc->decode, 0) != 1)
		return;
	r = camera_scanner_new(d->ev, bc, devices_on_camera_code, d,
			       &d->camera_scanner, err, sizeof(err));
	if (r < 0) {
		log_error("camera: decoding off: %s",
			  err[0] ? err : strerror(-r));
		return;
	}
	devices_subscribe_frames(d, camera_scanner_frame, d->camera_scanner);
	log_info("camera: decodes %s as a scanner",
		 bc->symbologies ? bc->symbologies
				 : BARCODE_SYMBOLOGIES_DEFAULT);
}

static void devices_camera_scan_stop(struct devices *d)
{
	if (!d->camera_scanner)
		return;
	devices_subscribe_frames(d, NULL, NULL); /* waits for a frame */
	camera_scanner_free(d->camera_scanner);
	d->camera_scanner = NULL;
}

/* Open the scanner of @ds (its section's backend and settings). */
static int devices_open_scanner(struct devices *d, struct devices_scanner *ds,
				char *err, size_t errlen)
{
	struct scanner_config c;
	int r;

	memset(&c, 0, sizeof(c));
	c.backend = ds->cd->backend;
	c.max_line = (size_t)d->cfg->scanner_max_line;
	c.state = devices_on_scanner_state;
	r = config_device_apply(ds->cd, DEVICE_SCANNER, &c, err, errlen);
	if (r < 0)
		return r;
	/* the state callback gets the line callback's userdata: @ds */
	r = scanner_open(d->ev, &c, devices_on_scan_line, ds, &ds->scanner, err,
			 errlen);
	if (r < 0)
		return r;
	ds->present = !scanner_absence(ds->scanner);
	snprintf(ds->error, sizeof(ds->error), "%s",
		 ds->present ? "" : scanner_absence(ds->scanner));
	devices_scanner_identify(ds);
	log_info("scanner %s: %s, id %s, write codes, one per line, to %s",
		 devices_scanner_name(ds), ds->cd->backend, ds->id,
		 scanner_feed_path(ds->scanner));
	return 0;
}

/* Every scanner the board names; [scanner]'s is d->scanner. */
static void devices_open_scanners(struct devices *d)
{
	const struct config *cfg = d->cfg;
	char err[256];

	for (int i = -1; i < cfg->n_more_scanners; i++) {
		const struct config_device *cd =
		    i < 0 ? &cfg->device[DEVICE_SCANNER]
			  : &cfg->more_scanners[i];
		struct devices_scanner *ds = &d->scanners[d->n_scanners];
		int r;

		if (!strcmp(cd->backend, "none"))
			continue;
		ds->d = d;
		ds->cd = cd;
		d->n_scanners++;
		err[0] = '\0';
		r = devices_open_scanner(d, ds, err, sizeof(err));
		if (r < 0) {
			log_error("scanner %s: %s", devices_scanner_name(ds),
				  err[0] ? err : strerror(-r));
			snprintf(ds->error, sizeof(ds->error), "%s",
				 err[0] ? err : strerror(-r));
			devices_scanner_identify(ds);
		}
		if (i < 0)
			d->scanner = ds->scanner;
	}
	if (!d->n_scanners)
		return;
	d->named[DEVICE_SCANNER] = true;
	d->state[DEVICE_SCANNER] = DEVICE_CONNECTED;
	for (int i = 0; i < d->n_scanners; i++)
		if (!d->scanners[i].present) {
			d->state[DEVICE_SCANNER] = DEVICE_MISSING;
			snprintf(d->error[DEVICE_SCANNER], sizeof(d->error[0]),
				 "%s%s%.120s",
				 d->n_scanners > 1
				     ? devices_scanner_name(&d->scanners[i])
				     : "",
				 d->n_scanners > 1 ? ": " : "",
				 d->scanners[i].error);
			break;
		}
}

static int devices_open_one(struct devices *d, enum device_kind k, char *err,
			    size_t errlen)
{
	const struct config_device *cd = &d->cfg->device[k];
	union {
		struct scale_config scale;
		struct printer_config printer;
		struct camera_config camera;
		struct gpio_config gpio;
	} c;
	int r;

	memset(&c, 0, sizeof(c));
	switch (k) {
	case DEVICE_SCANNER: /* devices_open_scanners()' */
		return -EINVAL;
	case DEVICE_SCALE:
		c.scale.backend = cd->backend;
		c.scale.state = devices_on_scale_state;
		break;
	case DEVICE_PRINTER:
		c.printer.backend = cd->backend;
		break;
	case DEVICE_CAMERA:
		c.camera.backend = cd->backend;
		c.camera.state = devices_on_camera_state;
		c.camera.state_ud = d;
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
		return -EINVAL;
	case DEVICE_SCALE:
		return scale_open(d->ev, &c.scale, devices_on_weight, d,
				  &d->scale, err, errlen);
	case DEVICE_PRINTER:
		r = printer_open(&c.printer, &d->printer, err, errlen);
		if (r < 0)
			return r;
		r = spool_new(d->ev, d->printer, devices_on_printed, d,
			      &d->spool);
		if (r == 0)
			spool_watch_state(d->spool, devices_on_printer_state);
		if (r < 0) {
			printer_close(d->printer);
			d->printer = NULL;
			snprintf(err, errlen, "label spool could not start");
		}
		return r;
	case DEVICE_CAMERA:
		/* the thread and its wake-up first: a streaming camera
		 * may say it is gone as soon as it is open */
		r = devices_camera_start(d);
		if (r < 0) {
			snprintf(err, errlen, "camera thread could not start");
			return r;
		}
		/* the camera as a scanner reads every frame: it streams */
		if (barcode_yes_no(c.camera.decode.decode, 0) == 1 &&
		    c.camera.stream != CAMERA_STREAM_ALWAYS) {
			log_info("camera: decode = yes, so it streams all the "
				 "time (stream = always)");
			c.camera.stream = CAMERA_STREAM_ALWAYS;
		}
		r = camera_open(&c.camera, &d->camera, err, errlen);
		if (r < 0)
			return r;
		camera_subscribe(d->camera, devices_on_frame, d);
		devices_camera_scan_start(d, &c.camera.decode);
		if (!strcmp(cd->backend, "v4l2") &&
		    hotplug_watch(d->ev, "video4linux", devices_on_video_node,
				  d, &d->video_watch, err, errlen) < 0)
			log_warning("camera: %s; a camera plugged in later is "
				    "tried once a second",
				    err);
		err[0] = '\0';
		return 0;
	case DEVICE_GPIO:
		return gpio_open(d->ev, &c.gpio, devices_on_button, d, &d->gpio,
				 err, errlen);
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
	hotplug_unwatch(d->video_watch);
	d->video_watch = NULL;
	devices_camera_scan_stop(d);
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
		for (int i = 0; i < d->n_scanners; i++)
			if (d->scanners[i].scanner)
				return true;
		return false;
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
		/* one is on its way, asked before: ask again when it
		 * ends */
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
			 "unknown button '%s' (accept, reject, pedal, "
			 "parcel)",
			 button ? button : "");
		return -EINVAL;
	}
	if (!d || !d->gpio) {
		snprintf(err, errlen, "no buttons on this desk");
		return -ENODEV;
	}
	return gpio_press(d->gpio, (enum gpio_button)b);
}

void devices_set_tower(struct devices *d, enum tower_state s,
		       enum tower_state then)
{
	int r;

	if (!d || !d->gpio)
		return;
	/* logged, not reported: a report would reach the desk from
	 * inside the action it asked for */
	r = gpio_set_tower(d->gpio, s, then);
	if (r < 0)
		log_warning("gpio: the tower light's lines: %s", strerror(-r));
}

bool devices_buzzer(const struct devices *d)
{
	return d && d->gpio && gpio_lines(d->gpio).buzzer;
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

/* Every scanner: {"name", "id", "backend", "present", "ok",
 * "last_error", "feed"}, [scanner]'s first. */
static json_t *devices_scanners_json(const struct devices *d)
{
	json_t *list = json_array();

	for (int i = 0; i < d->n_scanners; i++) {
		const struct devices_scanner *ds = &d->scanners[i];
		json_t *o = json_object();

		json_object_set_new(o, "name",
				    json_string(devices_scanner_name(ds)));
		json_object_set_new(o, "id", json_string(ds->id));
		json_object_set_new(o, "backend", json_string(ds->cd->backend));
		json_object_set_new(o, "present",
				    json_boolean(ds->scanner != NULL));
		json_object_set_new(
		    o, "ok",
		    json_boolean(ds->scanner && ds->present && !ds->error[0]));
		json_object_set_new(o, "last_error", json_string(ds->error));
		json_object_set_new(
		    o, "feed",
		    ds->scanner ? json_string(scanner_feed_path(ds->scanner))
				: json_null());
		json_array_append_new(list, o);
	}
	return list;
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
	json_object_set_new(o, "scanners", devices_scanners_json(d));
	json_object_set_new(o, "scale", devices_one_json(d, DEVICE_SCALE));
	json_object_set_new(o, "printer", devices_one_json(d, DEVICE_PRINTER));
	json_object_set_new(o, "camera", devices_one_json(d, DEVICE_CAMERA));
	json_object_set_new(o, "gpio", devices_one_json(d, DEVICE_GPIO));
	if (d->gpio) {
		json_t *g = json_object_get(o, "gpio");
		struct tower_lines l = gpio_lines(d->gpio);

		json_object_set_new(
		    g, "tower",
		    json_string(tower_state_name(gpio_tower(d->gpio))));
		json_object_set_new(g, "lines",
				    json_pack("{s:b, s:b, s:b, s:b}", "green",
					      l.green, "amber", l.amber, "red",
					      l.red, "buzzer", l.buzzer));
	}
	return o;
}

const char *devices_scanner_feed(const struct devices *d)
{
	return d && d->scanner ? scanner_feed_path(d->scanner) : NULL;
}
