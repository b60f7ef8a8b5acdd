/* SPDX-License-Identifier: MIT */
/*
 * The camera's thread (include/retour/camera_stream.h): frames from the
 * source to the subscriber, and photos from the frames.
 *
 * The backend is touched only from this thread once it runs, so a backend
 * needs no locks.  The lock guards the photo hand-over and the state; the
 * subscriber has its own lock, held during the call, so that removing it
 * waits for a call in progress.  An eventfd wakes the source's poll() when
 * the stream is stopped.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "retour/camera_frame.h"
#include "retour/camera_stream.h"
#include "retour/log.h"

/* Damaged frames logged one by one, then one in this many. */
#define CAMERA_STREAM_LOG_FIRST 10
#define CAMERA_STREAM_LOG_EVERY 1000

struct camera_stream {
	struct camera_stream_config cfg;
	pthread_t thread;
	int wake_fd;

	pthread_mutex_t lock;
	pthread_cond_t cond; /* to the thread: a photo, stop */
	pthread_cond_t done; /* to the photo's caller */
	bool stopping;
	bool present;
	bool retry_now; /* udev saw a video node arrive: try it at once */
	char why[192];	/* why the camera is not there */

	/* one photo at a time, under lock */
	pthread_mutex_t photo_lock; /* held by the caller through the photo */
	bool photo_wanted, photo_ready;
	bool photo_served;	/* since the last frame: photo mode stops */
	int64_t photo_deadline; /* monotonic ms */
	int photo_r;
	void *photo_data;
	size_t photo_len;
	char photo_err[256];

	pthread_mutex_t sub_lock;
	camera_frame_fn sub_fn;
	void *sub_ud;

	/* the thread's own */
	bool streaming;
	uint64_t seq;
	int since_start; /* frames since the stream started */
	uint64_t damaged;
};

static int64_t camera_stream_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void camera_stream_wait_until(struct camera_stream *s, int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (long)(ms % 1000) * 1000000};

	pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

static const char *camera_stream_name(const struct camera_stream *s)
{
	const char *n =
	    s->cfg.be->name_of ? s->cfg.be->name_of(s->cfg.state) : NULL;

	return n ? n : s->cfg.be->name;
}

/* Under lock: hand the photo's outcome to its caller. */
static void camera_stream_photo_done(struct camera_stream *s, int r, void *data,
				     size_t len, const char *err)
{
	s->photo_wanted = false;
	s->photo_ready = true;
	s->photo_served = true;
	s->photo_r = r;
	s->photo_data = data;
	s->photo_len = len;
	snprintf(s->photo_err, sizeof(s->photo_err), "%s", r < 0 ? err : "");
	pthread_cond_broadcast(&s->done);
}

/* Under lock: the camera came or went; the callback runs unlocked. */
static void camera_stream_set_present(struct camera_stream *s, bool present,
				      const char *why)
{
	char copy[sizeof(s->why)];

	if (s->present == present)
		return;
	s->present = present;
	snprintf(s->why, sizeof(s->why), "%s", present ? "" : why);
	if (present)
		log_notice("camera %s: streaming again", camera_stream_name(s));
	else
		log_warning("%s", s->why);
	if (!s->cfg.state_fn)
		return;
	snprintf(copy, sizeof(copy), "%s", s->why);
	pthread_mutex_unlock(&s->lock);
	s->cfg.state_fn(s->cfg.state_ud, present, copy);
	pthread_mutex_lock(&s->lock);
}

/* Under lock: the source is lost (unplugged, or it failed to start). */
static void camera_stream_lost(struct camera_stream *s, int r, const char *err)
{
	char why[sizeof(s->why)];

	if (r == -ENODEV || r == -ENOENT || r == -ENXIO)
		snprintf(why, sizeof(why), "camera %s is gone",
			 camera_stream_name(s));
	else
		snprintf(why, sizeof(why), "%s", err);
	if (s->photo_wanted)
		camera_stream_photo_done(s, r == -ENOENT ? -ENODEV : r, NULL, 0,
					 why);
	camera_stream_set_present(s, false, why);
}

static void camera_stream_deliver(struct camera_stream *s,
				  const struct camera_frame *f)
{
	pthread_mutex_lock(&s->sub_lock);
	if (s->sub_fn)
		s->sub_fn(s->sub_ud, f);
	pthread_mutex_unlock(&s->sub_lock);
}

/* A damaged frame: logged one by one at first, then one in many, so a
 * broken camera does not flood the log at its frame rate. */
static void camera_stream_refused(struct camera_stream *s, const char *what,
				  const char *why)
{
	s->damaged++;
	if (s->damaged <= CAMERA_STREAM_LOG_FIRST ||
	    s->damaged % CAMERA_STREAM_LOG_EVERY == 0)
		log_warning("camera %s: %s: %s (%llu so far)",
			    camera_stream_name(s), what, why,
			    (unsigned long long)s->damaged);
}

/* Unlocked: one frame from the source, to the subscriber and the photo. */
static void camera_stream_frame(struct camera_stream *s, struct camera_frame *f)
{
	char err[256];
	void *jpeg = NULL;
	size_t len = 0;
	bool want;
	int r;

	f->seq = ++s->seq;
	s->since_start++;
	r = camera_frame_check(f, err, sizeof(err));
	if (r < 0) {
		camera_stream_refused(s, "frame refused", err);
		return;
	}
	camera_stream_deliver(s, f);
	pthread_mutex_lock(&s->lock);
	want = s->photo_wanted && s->since_start > s->cfg.skip;
	pthread_mutex_unlock(&s->lock);
	if (!want)
		return;
	r = camera_frame_to_photo(f, s->cfg.quality, &jpeg, &len, err,
				  sizeof(err));
	if (r < 0) {
		/* The next frame may do: the deadline ends the wait. */
		camera_stream_refused(s, "no photo from this frame", err);
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (s->photo_wanted)
		camera_stream_photo_done(s, 0, jpeg, len, "");
	else
		free(jpeg);
	pthread_mutex_unlock(&s->lock);
}

static void camera_stream_stop_source(struct camera_stream *s)
{
	if (s->streaming && s->cfg.be->stop)
		s->cfg.be->stop(s->cfg.state);
	s->streaming = false;
}

/* Under lock, not streaming: start, or wait to try again. */
static void camera_stream_try_start(struct camera_stream *s, int64_t *retry_at)
{
	char err[256] = "";
	int r;

	if (!s->present && !s->photo_wanted && !s->retry_now &&
	    camera_stream_now_ms() < *retry_at) {
		camera_stream_wait_until(s, *retry_at);
		return;
	}
	s->retry_now = false;
	pthread_mutex_unlock(&s->lock);
	r = s->cfg.be->start(s->cfg.state, err, sizeof(err));
	pthread_mutex_lock(&s->lock);
	if (r < 0) {
		camera_stream_lost(s, r, err);
		*retry_at = camera_stream_now_ms() + CAMERA_STREAM_RETRY_MS;
		return;
	}
	s->streaming = true;
	s->since_start = 0;
	s->photo_served = false;
	camera_stream_set_present(s, true, "");
}

/* Under lock, streaming: wait for one frame and handle it. */
static void camera_stream_step(struct camera_stream *s, int64_t *retry_at)
{
	struct camera_frame f;
	char err[256] = "";
	uint64_t drain;
	int r;

	pthread_mutex_unlock(&s->lock);
	memset(&f, 0, sizeof(f));
	r = s->cfg.be->next(s->cfg.state, s->wake_fd, s->cfg.timeout_ms, &f,
			    err, sizeof(err));
	if (r == 0) {
		camera_stream_frame(s, &f);
		if (s->cfg.be->release)
			s->cfg.be->release(s->cfg.state);
	} else if (r == -EINTR) {
		if (read(s->wake_fd, &drain, sizeof(drain)) < 0) {
			/* nothing to drain: woken for nothing */
		}
	} else if (r == -EBADMSG) {
		s->seq++;
		s->since_start++;
		camera_stream_refused(s, "frame refused", err);
	}
	pthread_mutex_lock(&s->lock);
	if (r < 0 && r != -EAGAIN && r != -EINTR && r != -EBADMSG) {
		camera_stream_stop_source(s);
		camera_stream_lost(s, r, err);
		*retry_at = camera_stream_now_ms() + CAMERA_STREAM_RETRY_MS;
		return;
	}
	if (s->photo_wanted && camera_stream_now_ms() >= s->photo_deadline) {
		snprintf(err, sizeof(err), "camera %s: no good frame in %d ms",
			 camera_stream_name(s), s->cfg.timeout_ms);
		camera_stream_photo_done(s, -ETIMEDOUT, NULL, 0, err);
	}
	/* Photo mode: each photo has a stream of its own, even when the next
	 * photo is asked for at once, so that each skips its frames. */
	if (s->cfg.mode == CAMERA_STREAM_PHOTO &&
	    (!s->photo_wanted || s->photo_served))
		camera_stream_stop_source(s);
	s->photo_served = false;
}

static void *camera_stream_run(void *arg)
{
	struct camera_stream *s = arg;
	int64_t retry_at = 0;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		if (s->cfg.mode != CAMERA_STREAM_ALWAYS && !s->photo_wanted &&
		    s->present) {
			pthread_cond_wait(&s->cond, &s->lock);
			continue;
		}
		if (s->cfg.mode != CAMERA_STREAM_ALWAYS && !s->photo_wanted) {
			/* gone between photos: see whether it came back */
			camera_stream_try_start(s, &retry_at);
			if (!s->photo_wanted)
				camera_stream_stop_source(s);
			continue;
		}
		if (!s->streaming)
			camera_stream_try_start(s, &retry_at);
		else
			camera_stream_step(s, &retry_at);
	}
	camera_stream_stop_source(s);
	if (s->photo_wanted)
		camera_stream_photo_done(s, -ECANCELED, NULL, 0,
					 "the camera is closing");
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int camera_stream_new(const struct camera_stream_config *cfg,
		      struct camera_stream **out, char *err, size_t errlen)
{
	struct camera_stream *s;
	pthread_condattr_t ca;
	int r;

	if (!cfg || !cfg->be || !cfg->be->start || !cfg->be->next || !out)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "camera: out of memory");
		return -ENOMEM;
	}
	s->cfg = *cfg;
	if (s->cfg.timeout_ms <= 0)
		s->cfg.timeout_ms = CAMERA_TIMEOUT_MS_DEFAULT;
	if (s->cfg.quality <= 0)
		s->cfg.quality = CAMERA_QUALITY_DEFAULT;
	s->present = true;
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->wake_fd < 0) {
		r = -errno;
		free(s);
		snprintf(err, errlen, "camera: eventfd: %s", strerror(-r));
		return r;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->photo_lock, NULL);
	pthread_mutex_init(&s->sub_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_cond_init(&s->done, &ca);
	pthread_condattr_destroy(&ca);
	r = -pthread_create(&s->thread, NULL, camera_stream_run, s);
	if (r < 0) {
		close(s->wake_fd);
		free(s);
		snprintf(err, errlen, "camera thread could not start");
		return r;
	}
	*out = s;
	return 0;
}

void camera_stream_subscribe(struct camera_stream *s, camera_frame_fn fn,
			     void *ud)
{
	pthread_mutex_lock(&s->sub_lock);
	s->sub_fn = fn;
	s->sub_ud = fn ? ud : NULL;
	pthread_mutex_unlock(&s->sub_lock);
}

void camera_stream_retry_now(struct camera_stream *s)
{
	pthread_mutex_lock(&s->lock);
	if (!s->present) {
		s->retry_now = true;
		pthread_cond_signal(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
}

int camera_stream_photo(struct camera_stream *s, void **data, size_t *len,
			char *err, size_t errlen)
{
	int64_t give_up;
	int r;

	pthread_mutex_lock(&s->photo_lock);
	pthread_mutex_lock(&s->lock);
	s->photo_wanted = true;
	s->photo_ready = false;
	s->photo_deadline = camera_stream_now_ms() + s->cfg.timeout_ms;
	pthread_cond_signal(&s->cond);
	/* The thread answers by the deadline; this is a backstop for a
	 * source stuck in a call. */
	give_up = s->photo_deadline + s->cfg.timeout_ms + 1000;
	while (!s->photo_ready && camera_stream_now_ms() < give_up) {
		struct timespec ts = {.tv_sec = give_up / 1000,
				      .tv_nsec =
					  (long)(give_up % 1000) * 1000000};

		pthread_cond_timedwait(&s->done, &s->lock, &ts);
	}
	if (!s->photo_ready) {
		s->photo_wanted = false;
		snprintf(err, errlen, "camera %s: does not answer",
			 camera_stream_name(s));
		r = -ETIMEDOUT;
	} else {
		r = s->photo_r;
		*data = s->photo_data;
		*len = s->photo_len;
		if (r < 0)
			snprintf(err, errlen, "%s", s->photo_err);
	}
	s->photo_ready = false;
	s->photo_data = NULL;
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_unlock(&s->photo_lock);
	return r;
}

void camera_stream_free(struct camera_stream *s)
{
	uint64_t one = 1;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (write(s->wake_fd, &one, sizeof(one)) < 0) {
		/* counter full: the thread is woken already */
	}
	pthread_join(s->thread, NULL);
	free(s->photo_data);
	close(s->wake_fd);
	pthread_cond_destroy(&s->cond);
	pthread_cond_destroy(&s->done);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->photo_lock);
	pthread_mutex_destroy(&s->sub_lock);
	free(s);
}
