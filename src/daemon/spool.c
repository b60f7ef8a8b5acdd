/* SPDX-License-Identifier: MIT */
/*
 * The label spool (include/retour/spool.h): a FIFO of jobs, one worker
 * thread that prints them, and an eventfd that wakes the event loop to
 * report each result.  Only the worker touches the printer once the spool
 * exists; only the loop calls the done and state callbacks.
 *
 * A held label (the printer's status says it cannot print) stays in the
 * worker's hands, not in any list, until the printer is ready or the spool
 * stops; the loop hears of the fault as a state report in the same list as
 * the finished jobs, so the two keep their order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "retour/spool.h"

struct spool_job {
	struct spool_job *next;
	bool is_state; /* a state report: fault or ready, err says why */
	bool fault;
	int64_t receipt_id;
	char name[64];
	int r;
	char err[256];
	size_t len;
	char zpl[]; /* len bytes */
};

struct spool {
	struct printer *printer;
	spool_done_fn done;
	spool_state_fn state;
	void *userdata;
	int recheck_ms;
	unsigned recheck_set; /* bumped when recheck_ms changes: a wait ends */
	sd_event_source *wake;
	int wake_fd;

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
	struct spool_job *todo, **todo_tail;	     /* waiting to print */
	struct spool_job *finished, **finished_tail; /* printed, to report */
	int pending; /* submitted, not yet reported */
	/* the worker's own: the fault last reported (held labels, or the
	 * printer not there at start), "" when ready */
	bool faulted;
	char fault_why[256];
	/* the worker's own: the printer could not be reached (a label failed
	 * for it, or at start); it is asked while idle until it answers */
	bool unreachable;
};

static void spool_push(struct spool_job ***tail, struct spool_job *j)
{
	j->next = NULL;
	**tail = j;
	*tail = &j->next;
}

static struct spool_job *spool_pop(struct spool_job **head,
				   struct spool_job ***tail)
{
	struct spool_job *j = *head;

	if (j) {
		*head = j->next;
		if (!*head)
			*tail = head;
	}
	return j;
}

/* Under lock: hand @j to the loop. */
static void spool_post_locked(struct spool *s, struct spool_job *j)
{
	uint64_t one = 1;

	spool_push(&s->finished_tail, j);
	if (write(s->wake_fd, &one, sizeof(one)) < 0) {
		/* eventfd counter full: the loop is awake anyway */
	}
}

/* Worker: tell the loop the printer's state; false when out of memory
 * (the next change is told; a label is held anyway). */
static bool spool_post_state_now(struct spool *s, bool fault, const char *why)
{
	struct spool_job *j;

	j = calloc(1, sizeof(*j));
	if (!j)
		return false;
	s->faulted = fault;
	snprintf(s->fault_why, sizeof(s->fault_why), "%s", fault ? why : "");
	j->is_state = true;
	j->fault = fault;
	snprintf(j->err, sizeof(j->err), "%s", s->fault_why);
	pthread_mutex_lock(&s->lock);
	spool_post_locked(s, j);
	pthread_mutex_unlock(&s->lock);
	return true;
}

/* Worker: tell the loop the printer's state, when it changed. */
static void spool_post_state(struct spool *s, bool fault, const char *why)
{
	if (fault == s->faulted && (!fault || !strcmp(why, s->fault_why)))
		return;
	(void)spool_post_state_now(s, fault, why);
}

#define SPOOL_READY 0
#define SPOOL_HELD 1
#define SPOOL_CANNOT_TELL 2 /* not asked (status = none) */
#define SPOOL_THERE 3	    /* reached, no status to give (one-way USB) */

/*
 * Worker: may a label go now?  SPOOL_READY, SPOOL_CANNOT_TELL or
 * SPOOL_THERE (a printer without a status: it goes too); SPOOL_HELD, @why
 * says why; -errno: the printer cannot be reached, @why says why.
 */
static int spool_check(struct spool *s, char *why, size_t whylen)
{
	struct printer_status st;
	int r;

	why[0] = '\0';
	r = printer_query_status(s->printer, &st, why, whylen);
	if (r == -EOPNOTSUPP)
		return SPOOL_CANNOT_TELL;
	if (r == -ENOMSG)
		return SPOOL_THERE;
	if (r == -EBADMSG)
		return SPOOL_HELD;
	if (r < 0)
		return r;
	return printer_status_fault(&st, why, whylen) ? SPOOL_HELD
						      : SPOOL_READY;
}

/*
 * Worker: the answer of a printer that could not be reached, asked while
 * idle.  Once it answers, the loop is told at once (a clerk who plugs it
 * back in sees it back before the next label).  A printer that is not
 * asked (status = none) cannot say it is back: its next label will.
 */
static void spool_reached(struct spool *s, int c, const char *why)
{
	if (c < 0)
		return;
	if (c == SPOOL_CANNOT_TELL)
		s->unreachable = false;
	else if (spool_post_state_now(s, c == SPOOL_HELD, why))
		s->unreachable = false;
}

/* A job's error that says the printer is not there (unplugged, refused,
 * no route), not that it took the job badly. */
static bool spool_gone(int r)
{
	return r == -ENODEV || r == -ENXIO || r == -ECONNREFUSED ||
	       r == -EHOSTUNREACH || r == -ENETUNREACH || r == -EHOSTDOWN;
}

/* Worker, under lock: wait up to recheck_ms, or until stopped or
 * (@wake_on_job) a job comes. */
static void spool_wait_locked(struct spool *s, bool wake_on_job)
{
	unsigned set = s->recheck_set;
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += s->recheck_ms / 1000;
	until.tv_nsec += (long)(s->recheck_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!s->stopping && !(wake_on_job && s->todo) &&
	       set == s->recheck_set)
		if (pthread_cond_timedwait(&s->cond, &s->lock, &until) ==
		    ETIMEDOUT)
			break;
}

/* Worker: print @j once the printer is ready; false when stopped first. */
static bool spool_print_one(struct spool *s, struct spool_job *j)
{
	char why[256];
	bool printed;
	int c;

	for (;;) {
		c = spool_check(s, why, sizeof(why));
		if (c != SPOOL_HELD)
			break;
		spool_post_state(s, true, why);
		pthread_mutex_lock(&s->lock);
		spool_wait_locked(s, false);
		if (s->stopping) {
			pthread_mutex_unlock(&s->lock);
			return false;
		}
		pthread_mutex_unlock(&s->lock);
	}
	j->err[0] = '\0';
	if (c < 0) { /* unreachable: the job fails, as a print would */
		j->r = c;
		snprintf(j->err, sizeof(j->err), "%s", why);
	} else {
		spool_post_state(s, false, "");
		j->r = printer_print(s->printer, j->name, j->zpl, j->len,
				     j->err, sizeof(j->err));
	}
	printed = c >= 0 && j->r == 0;
	/* gone: asked until it answers again (a label it took badly is said
	 * by its failure and the next label, not hidden by a "ready") */
	s->unreachable = c < 0 || spool_gone(j->r);
	pthread_mutex_lock(&s->lock);
	spool_post_locked(s, j); /* the loop's from here on */
	pthread_mutex_unlock(&s->lock);
	/* After: the label is out of our hands (a Zebra keeps it and prints
	 * it when the paper is in), but the next one will be held. */
	if (printed && spool_check(s, why, sizeof(why)) == SPOOL_HELD)
		spool_post_state(s, true, why);
	return true;
}

static void *spool_worker(void *arg)
{
	struct spool *s = arg;
	char why[256];
	int c;

	/* a printer already at fault, or not there, is shown before the
	 * first label */
	c = spool_check(s, why, sizeof(why));
	if (c == SPOOL_HELD || c < 0)
		spool_post_state(s, true, why);
	s->unreachable = c < 0;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct spool_job *j;

		while (!s->todo && !s->stopping) {
			if (!s->faulted && !s->unreachable) {
				pthread_cond_wait(&s->cond, &s->lock);
				continue;
			}
			/* faulted or gone, and idle: see when it is back */
			spool_wait_locked(s, true);
			if (s->todo || s->stopping)
				break;
			pthread_mutex_unlock(&s->lock);
			c = spool_check(s, why, sizeof(why));
			/* a faulted printer unplugged while idle keeps its
			 * fault shown; its next label says it is gone */
			if (s->unreachable)
				spool_reached(s, c, why);
			else if (c >= 0)
				spool_post_state(s, c == SPOOL_HELD, why);
			pthread_mutex_lock(&s->lock);
		}
		if (s->stopping)
			break;
		j = spool_pop(&s->todo, &s->todo_tail);
		pthread_mutex_unlock(&s->lock);

		if (!spool_print_one(s, j)) {
			free(j); /* stopped while held: recorded as not
				  * printed, like the ones still queued */
			pthread_mutex_lock(&s->lock);
			break;
		}
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Report every finished job, in order, on the loop. */
static void spool_report(struct spool *s)
{
	struct spool_job *j;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		j = spool_pop(&s->finished, &s->finished_tail);
		if (j && !j->is_state)
			s->pending--;
		pthread_mutex_unlock(&s->lock);
		if (!j)
			break;
		if (!j->is_state)
			s->done(s->userdata, j->receipt_id, j->r, j->err);
		else if (s->state)
			s->state(s->userdata, j->fault, j->err);
		free(j);
	}
}

static int spool_on_wake(sd_event_source *src, int fd, uint32_t revents,
			 void *userdata)
{
	uint64_t v;

	(void)src;
	(void)revents;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return 0;
	spool_report(userdata);
	return 0;
}

int spool_new(sd_event *ev, struct printer *printer, spool_done_fn done,
	      void *userdata, struct spool **out)
{
	pthread_condattr_t ca;
	struct spool *s;
	int r;

	if (!ev || !printer || !done || !out)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->printer = printer;
	s->done = done;
	s->userdata = userdata;
	s->recheck_ms = SPOOL_RECHECK_MS;
	s->todo_tail = &s->todo;
	s->finished_tail = &s->finished;
	pthread_mutex_init(&s->lock, NULL);
	/* the recheck's timed wait on the monotonic clock: a clock set by
	 * NTP does not stretch or skip it */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->wake_fd < 0) {
		r = -errno;
		goto fail;
	}
	r = sd_event_add_io(ev, &s->wake, s->wake_fd, EPOLLIN, spool_on_wake,
			    s);
	if (r < 0)
		goto fail;
	r = -pthread_create(&s->thread, NULL, spool_worker, s);
	if (r < 0)
		goto fail;
	s->started = true;
	*out = s;
	return 0;
fail:
	spool_free(s);
	return r;
}

int spool_submit(struct spool *s, int64_t receipt_id, const char *name,
		 const char *zpl, size_t len)
{
	struct spool_job *j;

	if (!s || !name || (!zpl && len))
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (s->pending >= SPOOL_MAX_JOBS) {
		pthread_mutex_unlock(&s->lock);
		return -EBUSY;
	}
	pthread_mutex_unlock(&s->lock);

	j = malloc(sizeof(*j) + len);
	if (!j)
		return -ENOMEM;
	j->is_state = false;
	j->fault = false;
	j->receipt_id = receipt_id;
	snprintf(j->name, sizeof(j->name), "%s", name);
	j->len = len;
	memcpy(j->zpl, zpl, len);

	pthread_mutex_lock(&s->lock);
	spool_push(&s->todo_tail, j);
	s->pending++;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void spool_watch_state(struct spool *s, spool_state_fn fn)
{
	if (s)
		s->state = fn;
}

void spool_set_recheck_ms(struct spool *s, int ms)
{
	if (!s || ms <= 0)
		return;
	pthread_mutex_lock(&s->lock);
	s->recheck_ms = ms;
	s->recheck_set++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

int spool_pending(const struct spool *s)
{
	struct spool *m = (struct spool *)s;
	int n;

	if (!s)
		return 0;
	pthread_mutex_lock(&m->lock);
	n = m->pending;
	pthread_mutex_unlock(&m->lock);
	return n;
}

static void spool_free_list(struct spool_job *j)
{
	while (j) {
		struct spool_job *next = j->next;

		free(j);
		j = next;
	}
}

void spool_free(struct spool *s)
{
	if (!s)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
		spool_report(s); /* the job that was printing */
	}
	spool_free_list(s->todo);
	sd_event_source_unref(s->wake);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}
