/* SPDX-License-Identifier: MIT */
/*
 * A device's coming back or failing, as the record keeps it
 * (include/retour/store.h, store_device_event): an audit entry, and the
 * outbox row of its event where a connector takes device events, in one
 * write so that an event is never sent without its entry.
 *
 * Not here: the event's body (src/codec/event.c renders it) and when a
 * change is worth an event (the station decides).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "outbox_tx.h"

static int store_device_event_apply(struct store *s, void *arg,
				    struct store_entry *e)
{
	const struct store_device_event *ev = arg;

	(void)e;
	if (!ev->outbox)
		return 0;
	return store_outbox_insert_tx(s, 0, ev->outbox, e->at);
}

int store_device_event(struct store *s, const struct store_device_event *ev,
		       const char *actor, int64_t now)
{
	struct store_entry e = {.actor = actor, .at = now};

	if (!s || !ev || !ev->action || !ev->device || !ev->state)
		return -EINVAL;
	e.action = ev->action;
	snprintf(e.subject_buf, sizeof(e.subject_buf), "device:%.80s",
		 ev->device);
	e.detail = json_pack("{s:s,s:s,s:s*}", "device", ev->device, "state",
			     ev->state, "reason",
			     ev->reason && *ev->reason ? ev->reason : NULL);
	if (e.detail && ev->receipt_id > 0)
		json_object_set_new(e.detail, "receipt",
				    json_integer(ev->receipt_id));
	if (e.detail && ev->outbox)
		json_object_set_new(e.detail, "outbox_key",
				    json_string(ev->outbox->key));
	return store_write(s, STORE_DURABLE, store_device_event_apply,
			   (void *)ev, &e);
}
