/* SPDX-License-Identifier: MIT */
/*
 * The camera as a scanner (include/retour/camera_scanner.h): one waiting
 * frame slot filled by the camera's thread, decode workers that swap it for
 * their own buffer, the seen-rule applied under the same lock in frame
 * order, and the lines to report handed to the loop through an eventfd.
 *
 * The loop is woken only for a code to report, never per frame: an idle
 * camera scanner costs the loop nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "retour/camera_scanner.h"
#include "retour/log.h"

#define CAMERA_SCANNER_MAX_WORKERS 4
/* lines not yet taken by the loop; more are dropped (the loop is stuck) */
#define CAMERA_SCANNER_MAX_LINES 32

struct camera_slot {
	struct camera_frame f;
	void *buf;
	size_t cap;
};

struct camera_line {
	struct camera_line *next;
	size_t len;
	char text[]; /* AIM identifier and data, NUL-terminated */
};

struct camera_worker {
	struct camera_scanner *cs;
	pthread_t thread;
	bool started;
	struct barcode_decoder *dec;
	struct camera_slot slot;
	struct barcode_results res;
};

struct camera_scanner {
	sd_event *ev;
	sd_event_source *wake;
	int wake_fd;
	scanner_line_fn fn;
	void *ud;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
	struct camera_slot waiting; /* the newest frame, not yet taken */
	bool has_waiting;
	uint64_t last_seq; /* the newest frame the rule has seen */
	struct camera_seen seen;
	struct camera_line *lines, **lines_tail;
	int n_lines;
	uint64_t n_in, n_decoded, n_dropped, n_bad;

	int n_workers;
	struct camera_worker worker[CAMERA_SCANNER_MAX_WORKERS];
};

static int64_t camera_scanner_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void camera_scanner_frame(void *userdata, const struct camera_frame *f)
{
	struct camera_scanner *cs = userdata;

	if (!cs || !f || !f->data || !f->len)
		return;
	pthread_mutex_lock(&cs->lock);
	if (cs->stopping)
		goto out;
	if (f->len > cs->waiting.cap) {
		void *b = realloc(cs->waiting.buf, f->len);

		if (!b) {
			cs->n_dropped++;
			goto out;
		}
		cs->waiting.buf = b;
		cs->waiting.cap = f->len;
	}
	if (cs->has_waiting)
		cs->n_dropped++; /* a newer frame replaces it */
	memcpy(cs->waiting.buf, f->data, f->len);
	cs->waiting.f = *f;
	cs->waiting.f.data = cs->waiting.buf;
	cs->has_waiting = true;
	cs->n_in++;
	pthread_cond_signal(&cs->cond);
out:
	pthread_mutex_unlock(&cs->lock);
}

/* Under the lock: the rule over one decoded frame, lines queued. */
static void camera_scanner_rule(struct camera_scanner *cs, uint64_t seq,
				const struct barcode_results *res)
{
	bool report[BARCODE_MAX_FOUND];
	uint64_t one = 1;
	bool queued = false;

	if (seq <= cs->last_seq) {
		cs->n_dropped++; /* a newer frame was ruled on already */
		return;
	}
	cs->last_seq = seq;
	cs->n_decoded++;
	if (!camera_seen_frame(&cs->seen, camera_scanner_now_ms(), res, report))
		return;
	for (size_t i = 0; i < res->n; i++) {
		const struct barcode_found *b = &res->item[i];
		size_t aim = strlen(b->aim);
		struct camera_line *l;

		if (!report[i] || cs->n_lines >= CAMERA_SCANNER_MAX_LINES)
			continue;
		l = malloc(sizeof(*l) + aim + b->len + 1);
		if (!l)
			continue;
		memcpy(l->text, b->aim, aim);
		memcpy(l->text + aim, b->data, b->len);
		l->len = aim + b->len;
		l->text[l->len] = '\0';
		l->next = NULL;
		*cs->lines_tail = l;
		cs->lines_tail = &l->next;
		cs->n_lines++;
		queued = true;
	}
	if (queued && write(cs->wake_fd, &one, sizeof(one)) < 0) {
		/* eventfd counter full: the loop is awake anyway */
	}
}

static void *camera_scanner_work(void *arg)
{
	struct camera_worker *w = arg;
	struct camera_scanner *cs = w->cs;
	char err[256];

	pthread_mutex_lock(&cs->lock);
	for (;;) {
		struct camera_slot mine;
		int r;

		while (!cs->has_waiting && !cs->stopping)
			pthread_cond_wait(&cs->cond, &cs->lock);
		if (cs->stopping)
			break;
		/* swap buffers: the camera fills the one this worker used */
		mine = cs->waiting;
		cs->waiting = w->slot;
		w->slot = mine;
		cs->has_waiting = false;
		pthread_mutex_unlock(&cs->lock);

		err[0] = '\0';
		r = barcode_decode_frame(w->dec, &w->slot.f, &w->res, err,
					 sizeof(err));

		pthread_mutex_lock(&cs->lock);
		if (r < 0) {
			/* the first bad frame, then one in a thousand */
			if (cs->n_bad++ % 1000 == 0)
				log_warning("camera decoder: frame %llu: %s "
					    "(%llu bad frames so far)",
					    (unsigned long long)w->slot.f.seq,
					    err[0] ? err : strerror(-r),
					    (unsigned long long)cs->n_bad);
			w->res.n = 0;
		}
		camera_scanner_rule(cs, w->slot.f.seq, &w->res);
	}
	pthread_mutex_unlock(&cs->lock);
	return NULL;
}

/* The line for the log: its first 80 bytes, GS as "<GS>", other control
 * and non-ASCII bytes as '?' (a QR code may hold anything). */
static const char *camera_scanner_shown(const struct camera_line *l,
					char shown[128])
{
	size_t o = 0;

	for (size_t i = 0; i < l->len && i < 80 && o < 120; i++) {
		unsigned char c = (unsigned char)l->text[i];

		if (c == 0x1d) {
			memcpy(shown + o, "<GS>", 4);
			o += 4;
		} else {
			shown[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		}
	}
	if (l->len > 80 && o < 124) {
		memcpy(shown + o, "...", 3);
		o += 3;
	}
	shown[o] = '\0';
	return shown;
}

static int camera_scanner_on_wake(sd_event_source *src, int fd,
				  uint32_t revents, void *userdata)
{
	struct camera_scanner *cs = userdata;
	char shown[128];
	uint64_t v;

	(void)src;
	(void)revents;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return 0;
	for (;;) {
		struct camera_line *l;

		pthread_mutex_lock(&cs->lock);
		l = cs->lines;
		if (l) {
			cs->lines = l->next;
			if (!cs->lines)
				cs->lines_tail = &cs->lines;
			cs->n_lines--;
		}
		pthread_mutex_unlock(&cs->lock);
		if (!l)
			break;
		log_info("camera: read %s", camera_scanner_shown(l, shown));
		cs->fn(cs->ud, l->text, l->len, false);
		free(l);
	}
	return 0;
}

int camera_scanner_new(sd_event *ev, const struct barcode_config *cfg,
		       scanner_line_fn fn, void *ud,
		       struct camera_scanner **out, char *err, size_t errlen)
{
	struct camera_scanner *cs;
	int r;

	if (!ev || !fn || !out)
		return -EINVAL;
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	cs->ev = sd_event_ref(ev);
	cs->fn = fn;
	cs->ud = ud;
	cs->wake_fd = -1;
	cs->lines_tail = &cs->lines;
	pthread_mutex_init(&cs->lock, NULL);
	pthread_cond_init(&cs->cond, NULL);
	camera_seen_init(&cs->seen, cfg ? cfg->confirm : 0,
			 cfg ? cfg->forget_ms : 0);
	cs->n_workers = cfg && cfg->workers > 0 ? cfg->workers : 1;
	if (cs->n_workers > CAMERA_SCANNER_MAX_WORKERS)
		cs->n_workers = CAMERA_SCANNER_MAX_WORKERS;
	for (int i = 0; i < cs->n_workers; i++) {
		cs->worker[i].cs = cs;
		r = barcode_decoder_new(cfg, &cs->worker[i].dec, err, errlen);
		if (r < 0)
			goto fail;
	}
	cs->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (cs->wake_fd < 0) {
		r = -errno;
		goto fail;
	}
	r = sd_event_add_io(ev, &cs->wake, cs->wake_fd, EPOLLIN,
			    camera_scanner_on_wake, cs);
	if (r < 0)
		goto fail;
	for (int i = 0; i < cs->n_workers; i++) {
		r = -pthread_create(&cs->worker[i].thread, NULL,
				    camera_scanner_work, &cs->worker[i]);
		if (r < 0) {
			snprintf(err, errlen, "decode thread could not start");
			goto fail;
		}
		cs->worker[i].started = true;
	}
	*out = cs;
	return 0;
fail:
	camera_scanner_free(cs);
	return r;
}

void camera_scanner_counts(struct camera_scanner *cs, uint64_t *in,
			   uint64_t *decoded, uint64_t *dropped)
{
	pthread_mutex_lock(&cs->lock);
	*in = cs->n_in;
	*decoded = cs->n_decoded;
	*dropped = cs->n_dropped;
	pthread_mutex_unlock(&cs->lock);
}

void camera_scanner_free(struct camera_scanner *cs)
{
	struct camera_line *l;

	if (!cs)
		return;
	pthread_mutex_lock(&cs->lock);
	cs->stopping = true;
	pthread_cond_broadcast(&cs->cond);
	pthread_mutex_unlock(&cs->lock);
	for (int i = 0; i < cs->n_workers; i++) {
		if (cs->worker[i].started)
			pthread_join(cs->worker[i].thread, NULL);
		barcode_decoder_free(cs->worker[i].dec);
		free(cs->worker[i].slot.buf);
	}
	while ((l = cs->lines)) {
		cs->lines = l->next;
		free(l);
	}
	free(cs->waiting.buf);
	sd_event_source_unref(cs->wake);
	if (cs->wake_fd >= 0)
		close(cs->wake_fd);
	sd_event_unref(cs->ev);
	pthread_mutex_destroy(&cs->lock);
	pthread_cond_destroy(&cs->cond);
	free(cs);
}
