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
 *
 * Where the printer can tell how it is (printer_query_status()), the spool
 * asks when it starts, and before and after each label.  A printer that says it
 * cannot print (paper out, head open, paused; or whose answer is unreadable)
 * holds the label: it stays first in the queue, is neither printed nor
 * reported, and the state callback says why.  The spool asks again every
 * SPOOL_RECHECK_MS while the printer is faulted (the only polling here:
 * printers send no status unasked) and prints the label, once, when the
 * printer is ready.  A printer that cannot be reached at all (refused,
 * unplugged) fails the job: its label is recorded as not printed, and the
 * desk prints it again when the parcel is scanned.  Such a printer, and
 * one not there when the spool starts, is asked every SPOOL_RECHECK_MS
 * until it answers, and the state callback says it is back, so the desk
 * shows a printer plugged in again before the next label.
 */
#ifndef RETOUR_SPOOL_H
#define RETOUR_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "retour/printer.h"

struct spool;

/* Jobs waiting beyond this are refused (-EBUSY): the printer is stuck. */
#define SPOOL_MAX_JOBS 32
/* How often a faulted or unreachable printer is asked again. */
#define SPOOL_RECHECK_MS 2000

/*
 * Called on the event loop for every job: @r is 0 when printed, else
 * -errno with @err a sentence ("printer 10.0.0.5:9100: connection refused").
 */
typedef void (*spool_done_fn)(void *userdata, int64_t receipt_id, int r,
			      const char *err);

/*
 * Called on the event loop when the printer's status starts holding labels
 * (@fault true, @why "paper out, head open" or "printer status
 * unreadable: ...") or it is not there when the spool starts (@fault
 * true, @why "printer 0a5f:0181 is not plugged in"; labels fail then, they
 * are not held), and when it is ready again (@fault false, @why "") --
 * also after a label failed because it was not there, once it answers.
 * The reports keep their order with the done callbacks.
 */
typedef void (*spool_state_fn)(void *userdata, bool fault, const char *why);

/* @printer stays the caller's, and must outlive the spool. */
int spool_new(sd_event *ev, struct printer *printer, spool_done_fn done,
	      void *userdata, struct spool **out);
/*
 * Queue one label for @receipt_id; @zpl is copied.  -EBUSY when
 * SPOOL_MAX_JOBS are waiting, -ENOMEM.
 */
int spool_submit(struct spool *s, int64_t receipt_id, const char *name,
		 const char *zpl, size_t len);
/* Set the state callback (NULL: none), on the loop, before labels come. */
void spool_watch_state(struct spool *s, spool_state_fn fn);
/* Ask a faulted or unreachable printer every @ms instead of
 * SPOOL_RECHECK_MS, from the wait under way on (tests). */
void spool_set_recheck_ms(struct spool *s, int ms);
/* Jobs queued, held or printing, for the status. */
int spool_pending(const struct spool *s);
/* Finishes the job being printed, drops the others (their labels stay
 * recorded as not printed), joins the thread. */
void spool_free(struct spool *s);

#endif
