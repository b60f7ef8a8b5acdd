/* SPDX-License-Identifier: MIT */
/*
 * The label spool: labels are printed by a worker thread, one job after
 * the other, so a printer that is off, unplugged or slow never freezes the
 * desk (a network printer that does not answer holds a job for up to its
 * timeout_ms).  The result of each job comes back on the daemon's event
 * loop, through the done callback, in the order the jobs were queued.
 *
 * The spool owns neither the printer's configuration nor the record: the
 * caller opens the printer and records what the callback reports.
 */
#ifndef RETOUR_SPOOL_H
#define RETOUR_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "retour/printer.h"

struct spool;

/* Jobs waiting beyond this are refused (-EBUSY): the printer is stuck. */
#define SPOOL_MAX_JOBS 32

/*
 * Called on the event loop for every job: @r is 0 when printed, else
 * -errno with @err a sentence ("printer 10.0.0.5:9100: connection refused").
 */
typedef void (*spool_done_fn)(void *userdata, int64_t receipt_id, int r,
			      const char *err);

/* @printer stays the caller's, and must outlive the spool. */
int spool_new(sd_event *ev, struct printer *printer, spool_done_fn done,
	      void *userdata, struct spool **out);
/*
 * Queue one label for @receipt_id; @zpl is copied.  -EBUSY when
 * SPOOL_MAX_JOBS are waiting, -ENOMEM.
 */
int spool_submit(struct spool *s, int64_t receipt_id, const char *name,
		 const char *zpl, size_t len);
/* Jobs queued or printing, for the status. */
int spool_pending(const struct spool *s);
/* Finishes the job being printed, drops the others (their labels stay
 * recorded as not printed), joins the thread. */
void spool_free(struct spool *s);

#endif
