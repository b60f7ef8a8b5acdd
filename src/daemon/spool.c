/* SPDX-License-Identifier: MIT */
/*
 * The label spool (include/retour/spool.h): a FIFO of jobs, one worker
 * thread that prints them, and an eventfd that wakes the event loop to
 * report each result.  Only the worker touches the printer once the spool
 * exists; only the loop calls the done callback.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "retour/spool.h"

struct spool_job {
	struct spool_job *next;
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
	void *userdata;
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

static void *spool_worker(void *arg)
{
	struct spool *s = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct spool_job *j;

		while (!s->todo && !s->stopping)
			pthread_cond_wait(&s->cond, &s->lock);
		if (s->stopping)
			break;
		j = spool_pop(&s->todo, &s->todo_tail);
		pthread_mutex_unlock(&s->lock);

		j->err[0] = '\0';
		j->r = printer_print(s->printer, j->name, j->zpl, j->len,
				     j->err, sizeof(j->err));

		pthread_mutex_lock(&s->lock);
		spool_push(&s->finished_tail, j);
		if (write(s->wake_fd, &one, sizeof(one)) < 0) {
			/* eventfd counter full: the loop is awake anyway */
		}
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
		if (j)
			s->pending--;
		pthread_mutex_unlock(&s->lock);
		if (!j)
			break;
		s->done(s->userdata, j->receipt_id, j->r, j->err);
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
	s->todo_tail = &s->todo;
	s->finished_tail = &s->finished;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
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
