/* SPDX-License-Identifier: MIT */
/*
 * Bulk imports after the desk (imports.h).  Imports are taken in order of
 * arrival, one at a time: a thread of their own reads the body's JSON and
 * checks every return (up to a MiB, tens of milliseconds: never on the
 * loop), then the loop stores one return per turn from an event source at
 * sd-event's idle priority.  Any desk event that is pending (an API
 * request, a scanner line, a scale reading, a photo) is dispatched first,
 * and one that arrives meanwhile waits behind one return's write at most.
 * The import is answered when its last return is stored, never before.
 *
 * While the desk is busy (a request came less than API_IMPORT_QUIET_US
 * ago) the writer waits for it to be quiet, so a clerk's burst of steps is
 * not spread over import writes; but it writes a return at least every
 * API_IMPORT_MAX_WAIT_US, so a desk that is never quiet slows imports
 * down without stopping them.
 *
 * The thread runs at a lower CPU priority (nice 10) than the loop, so on a
 * busy board a parse gives way to the desk too.  It touches the request's
 * body and the configuration only; the store is written on the loop alone,
 * through store_write(), like everything else.
 *
 * Not here: HTTP (api.c suspends the connection and sends the answer),
 * what an expected return is (src/codec/expected_json.c) and how it is
 * stored (src/daemon/station_import.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "retour/log.h"

#include "imports.h"

/* The parsing thread's CPU priority: below the loop's (0). */
#define API_IMPORT_PARSE_NICE 10
/* The desk is quiet when its last request is this old (microseconds). */
#define API_IMPORT_QUIET_US 10000
/* A busy desk still lets one return be written this often. */
#define API_IMPORT_MAX_WAIT_US 100000

struct api_import {
	struct api_import *next;
	char *body; /* until parsed */
	size_t len;
	struct station_import *returns; /* parsed; NULL on bad input */
	struct api_reply answer;	/* the parse's refusal, or the result */
	api_import_done_fn done;	/* NULL once the requester went away */
	void *ctx;
};

struct api_imports {
	struct station *st;
	const struct config *cfg;
	unsigned places, taken; /* taken: arriving or queued */
	/* in order of arrival; the head is parsed, then written */
	struct api_import *head, *tail;
	unsigned queued; /* in the list */
	sd_event *ev;
	sd_event_source *writer; /* idle priority: one return per turn */
	uint64_t desk_at;	 /* the desk's last request (CLOCK_MONOTONIC) */
	uint64_t written_at;	 /* the writer's last turn */
	sd_event_source *parsed; /* the thread's eventfd */
	int efd;

	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	/* under lock: the import the thread is to parse, until it is parsed */
	struct api_import *to_parse;
	bool parse_done, stopping;

	uint64_t stored_total, refused_total, failed_total;
};

/* ---- the parsing thread ---- */

static void import_parse(const struct config *cfg, struct api_import *im)
{
	struct api_request rq = {.body = im->body, .len = im->len};
	char err[256] = "";
	json_t *doc;
	int r;

	doc = api_body_json(&rq, &im->answer);
	if (doc) {
		r = station_import_parse(cfg, doc, &im->returns, err,
					 sizeof(err));
		json_decref(doc);
		if (r < 0)
			api_reply_error(&im->answer, r == -EINVAL ? 400 : 500,
					"%s", err);
	}
	free(im->body);
	im->body = NULL;
}

static void *import_thread(void *arg)
{
	struct api_imports *q = arg;
	uint64_t one = 1;

	/* Linux: the nice value is the thread's own. */
	setpriority(PRIO_PROCESS, (id_t)gettid(), API_IMPORT_PARSE_NICE);
	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct api_import *im;

		while (!q->stopping && (!q->to_parse || q->parse_done))
			pthread_cond_wait(&q->wake, &q->lock);
		if (q->stopping)
			break;
		im = q->to_parse;
		pthread_mutex_unlock(&q->lock);
		import_parse(q->cfg, im);
		pthread_mutex_lock(&q->lock);
		q->parse_done = true;
		if (write(q->efd, &one, sizeof(one)) < 0)
			log_error_errno(-errno, "import queue: eventfd");
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

/* ---- the loop ---- */

static void import_free(struct api_import *im)
{
	free(im->body);
	station_import_free(im->returns);
	json_decref(im->answer.json);
	free(im->answer.text);
	free(im);
}

/* The writer's next turn: when the desk is quiet, and at the latest
 * API_IMPORT_MAX_WAIT_US after its last one. */
static void imports_writer_arm(struct api_imports *q)
{
	uint64_t quiet = q->desk_at + API_IMPORT_QUIET_US;
	uint64_t latest = q->written_at + API_IMPORT_MAX_WAIT_US;

	sd_event_source_set_time(q->writer, quiet < latest ? quiet : latest);
	sd_event_source_set_enabled(q->writer, SD_EVENT_ONESHOT);
}

/* Hand the head to the thread, if there is one. */
static void imports_parse_head(struct api_imports *q)
{
	if (!q->head)
		return;
	pthread_mutex_lock(&q->lock);
	q->to_parse = q->head;
	q->parse_done = false;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
}

/* The head is answered: give its place back and start the next. */
static void imports_answer_head(struct api_imports *q)
{
	struct api_import *im = q->head;

	q->head = im->next;
	if (!q->head)
		q->tail = NULL;
	q->queued--;
	q->taken--;
	sd_event_source_set_enabled(q->writer, SD_EVENT_OFF);
	if (im->answer.status == 200)
		q->stored_total++;
	else
		q->failed_total++;
	if (im->done) {
		im->done(im->ctx, &im->answer);
		im->answer = (struct api_reply){0}; /* the requester's now */
	}
	import_free(im);
	imports_parse_head(q);
}

static int imports_on_parsed(sd_event_source *s, int fd, uint32_t revents,
			     void *userdata)
{
	struct api_imports *q = userdata;
	struct api_import *im = q->head;
	uint64_t n;
	bool done;

	(void)s;
	(void)revents;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_error_errno(-errno, "import queue: eventfd");
	pthread_mutex_lock(&q->lock);
	done = q->parse_done && q->to_parse == im;
	if (done)
		q->to_parse = NULL;
	pthread_mutex_unlock(&q->lock);
	if (!done || !im)
		return 0;
	if (!im->returns) /* bad input: the parse's answer */
		imports_answer_head(q);
	else
		imports_writer_arm(q);
	return 0;
}

/* One turn of the writer: one return of the head, in its own transaction. */
static int imports_on_write(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct api_imports *q = userdata;
	struct api_import *im = q->head;
	char err[256] = "";
	uint64_t now;
	int r;

	(void)s;
	(void)usec;
	if (!im || !im->returns)
		return 0;
	sd_event_now(q->ev, CLOCK_MONOTONIC, &now);
	if (now < q->desk_at + API_IMPORT_QUIET_US &&
	    now < q->written_at + API_IMPORT_MAX_WAIT_US) {
		imports_writer_arm(q); /* the desk spoke since it was armed */
		return 0;
	}
	q->written_at = now;
	r = station_import_store_next(q->st, im->returns, err, sizeof(err));
	if (r > 0) {
		imports_writer_arm(q);
		return 0;
	}
	if (r < 0) {
		log_error("import of %d expected returns stopped: %s",
			  station_import_count(im->returns), err);
		api_reply_error(&im->answer, 500, "%s", err);
	} else {
		api_reply_json(&im->answer, 200,
			       json_pack("{s:i,s:O}", "imported",
					 station_import_stored(im->returns),
					 "kept",
					 station_import_kept(im->returns)));
	}
	imports_answer_head(q);
	return 0;
}

int api_imports_new(sd_event *ev, struct station *st, const struct config *cfg,
		    unsigned places, struct api_imports **out)
{
	struct api_imports *q = calloc(1, sizeof(*q));
	int r;

	if (!q)
		return -ENOMEM;
	q->st = st;
	q->cfg = cfg;
	q->places = places;
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	if (q->efd < 0) {
		r = -errno;
		goto fail;
	}
	r = sd_event_add_io(ev, &q->parsed, q->efd, EPOLLIN, imports_on_parsed,
			    q);
	if (r < 0)
		goto fail;
	q->ev = ev;
	/* Accuracy 1 us: a turn is due when it is due, not 250 ms later. */
	r = sd_event_add_time(ev, &q->writer, CLOCK_MONOTONIC, 0, 1,
			      imports_on_write, q);
	if (r < 0)
		goto fail;
	/* Below every other source: the desk's events go first. */
	r = sd_event_source_set_priority(q->writer, SD_EVENT_PRIORITY_IDLE);
	if (r < 0)
		goto fail;
	sd_event_source_set_enabled(q->writer, SD_EVENT_OFF);
	r = -pthread_create(&q->thread, NULL, import_thread, q);
	if (r < 0)
		goto fail;
	q->thread_started = true;
	*out = q;
	return 0;
fail:
	api_imports_free(q);
	return r;
}

void api_imports_free(struct api_imports *q)
{
	if (!q)
		return;
	if (q->thread_started) {
		pthread_mutex_lock(&q->lock);
		q->stopping = true;
		pthread_cond_signal(&q->wake);
		pthread_mutex_unlock(&q->lock);
		pthread_join(q->thread, NULL);
	}
	while (q->head) {
		struct api_import *im = q->head;

		if (im->returns)
			api_reply_error(
			    &im->answer, 503,
			    "the station stopped: %d of %d expected returns "
			    "stored; send the import again",
			    station_import_stored(im->returns),
			    station_import_count(im->returns));
		else
			api_reply_error(&im->answer, 503,
					"the station stopped before the "
					"import; send it again");
		imports_answer_head(q);
	}
	sd_event_source_disable_unref(q->writer);
	sd_event_source_disable_unref(q->parsed);
	if (q->efd >= 0)
		close(q->efd);
	pthread_cond_destroy(&q->wake);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

void api_imports_desk_spoke(struct api_imports *q)
{
	sd_event_now(q->ev, CLOCK_MONOTONIC, &q->desk_at);
}

bool api_imports_reserve(struct api_imports *q)
{
	if (q->taken >= q->places)
		return false;
	q->taken++;
	return true;
}

void api_imports_release(struct api_imports *q)
{
	if (q->taken > 0)
		q->taken--;
}

void api_imports_refuse(struct api_imports *q, struct api_reply *rp)
{
	q->refused_total++;
	api_reply_error_code(
	    rp, 503, "queue_full",
	    "%u imports are waiting, the most this station "
	    "queues; nothing was imported: send it again later",
	    q->places);
}

int api_imports_submit(struct api_imports *q, char *body, size_t len,
		       api_import_done_fn done, void *ctx)
{
	struct api_import *im = calloc(1, sizeof(*im));

	if (!im) {
		free(body);
		api_imports_release(q);
		return -ENOMEM;
	}
	im->body = body;
	im->len = len;
	im->done = done;
	im->ctx = ctx;
	im->answer.status = 500;
	if (q->tail)
		q->tail->next = im;
	else
		q->head = im;
	q->tail = im;
	q->queued++;
	if (q->head == im)
		imports_parse_head(q);
	return 0;
}

void api_imports_forget(struct api_imports *q, void *ctx)
{
	for (struct api_import *im = q->head; im; im = im->next)
		if (im->ctx == ctx)
			im->done = NULL;
}

void api_imports_metrics(const struct api_imports *q, char *buf, size_t len)
{
	snprintf(buf, len,
		 "# HELP retour_import_queue Imports of expected returns "
		 "received and not yet answered (waiting or being stored).\n"
		 "# TYPE retour_import_queue gauge\n"
		 "retour_import_queue %u\n"
		 "# HELP retour_import_queue_arriving Places in the queue "
		 "taken by imports whose body is still arriving.\n"
		 "# TYPE retour_import_queue_arriving gauge\n"
		 "retour_import_queue_arriving %u\n"
		 "# HELP retour_import_queue_places The most imports the "
		 "queue takes ([api] import_queue).\n"
		 "# TYPE retour_import_queue_places gauge\n"
		 "retour_import_queue_places %u\n"
		 "# HELP retour_imports_total Imports answered: stored (200), "
		 "refused for a full queue (503), failed (bad input, a "
		 "fault).\n"
		 "# TYPE retour_imports_total counter\n"
		 "retour_imports_total{outcome=\"stored\"} %llu\n"
		 "retour_imports_total{outcome=\"refused\"} %llu\n"
		 "retour_imports_total{outcome=\"failed\"} %llu\n",
		 q->queued, q->taken - q->queued, q->places,
		 (unsigned long long)q->stored_total,
		 (unsigned long long)q->refused_total,
		 (unsigned long long)q->failed_total);
}
