/* SPDX-License-Identifier: MIT */
/*
 * The desk's camera (devices_internal.h): photos are captured and stored
 * (content-addressed, fsync'd) on the camera's thread; results come back
 * through an eventfd and are reported on the loop, in the order they were
 * asked for.  Every frame goes to the subscriber; with [camera] decode =
 * yes that is the decoder, whose codes reach the desk as a scanner's.
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
#include "retour/hotplug.h"
#include "retour/log.h"
#include "retour/photo.h"
#include "devices_internal.h"

struct photo_job {
	struct photo_job *next;
	uint64_t tag;
	bool capture_failed; /* the camera's fault, not the store's */
	struct photo_taken res;
};

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

int devices_camera_open(struct devices *d, const struct config_device *cd,
			char *err, size_t errlen)
{
	struct camera_config c;
	int r;

	memset(&c, 0, sizeof(c));
	c.backend = cd->backend;
	c.state = devices_on_camera_state;
	c.state_ud = d;
	r = config_device_apply(cd, DEVICE_CAMERA, &c, err, errlen);
	if (r < 0)
		return r;
	/* the thread and its wake-up first: a streaming camera
	 * may say it is gone as soon as it is open */
	r = devices_camera_start(d);
	if (r < 0) {
		snprintf(err, errlen, "camera thread could not start");
		return r;
	}
	/* the camera as a scanner reads every frame: it streams */
	if (barcode_yes_no(c.decode.decode, 0) == 1 &&
	    c.stream != CAMERA_STREAM_ALWAYS) {
		log_info("camera: decode = yes, so it streams all the "
			 "time (stream = always)");
		c.stream = CAMERA_STREAM_ALWAYS;
	}
	r = camera_open(&c, &d->camera, err, errlen);
	if (r < 0)
		return r;
	camera_subscribe(d->camera, devices_on_frame, d);
	devices_camera_scan_start(d, &c.decode);
	if (!strcmp(cd->backend, "v4l2") &&
	    hotplug_watch(d->ev, "video4linux", devices_on_video_node, d,
			  &d->video_watch, err, errlen) < 0)
		log_warning("camera: %s; a camera plugged in later is "
			    "tried once a second",
			    err);
	err[0] = '\0';
	return 0;
}

void devices_camera_close(struct devices *d)
{
	hotplug_unwatch(d->video_watch);
	d->video_watch = NULL;
	devices_camera_scan_stop(d);
	devices_camera_stop(d); /* before its camera */
	camera_close(d->camera);
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
