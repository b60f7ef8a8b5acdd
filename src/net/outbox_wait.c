/* SPDX-License-Identifier: MIT */
/*
 * How the sender's thread waits: until a delay on the monotonic clock has
 * passed, or until it is kicked (a new row, a retry) or stopped.  The bottom
 * of the sender: outbox_sender.c and outbox_deliver.c call it.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "retour/clock.h"

#include "outbox_internal.h"

/* The CLOCK_MONOTONIC deadline @delay_us from now, for a timed wait. */
struct timespec outbox_deadline(int64_t delay_us)
{
	int64_t at = clock_mono_us() + (delay_us > 0 ? delay_us : 0);
	struct timespec ts;

	ts.tv_sec = (time_t)(at / USEC_PER_SEC);
	ts.tv_nsec = (long)(at % USEC_PER_SEC) * 1000;
	return ts;
}

void outbox_wait(struct outbox_sender *s, int64_t delay_us)
{
	struct timespec ts;

	if (delay_us > OUTBOX_IDLE_POLL_US)
		delay_us = OUTBOX_IDLE_POLL_US;
	ts = outbox_deadline(delay_us);
	pthread_mutex_lock(&s->lock);
	while (!s->kicked && !s->stopping)
		if (pthread_cond_timedwait(&s->cond, &s->lock, &ts) ==
		    ETIMEDOUT)
			break;
	s->kicked = false;
	pthread_mutex_unlock(&s->lock);
}
