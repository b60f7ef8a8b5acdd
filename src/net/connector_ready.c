/* SPDX-License-Identifier: MIT */
/*
 * A connector's preliminary requests before a row or a poll
 * (include/retour/connector_ready.h): the one loop the outbox sender and
 * the pullers share.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retour/connector_ready.h"

int connector_get_ready(struct connector_instance *ci, struct http_client *http,
			int64_t (*now)(void), struct secret_book *book,
			const char *section, uint64_t *seen, char *err,
			size_t errlen)
{
	const struct connector *ops = ci->ops;
	struct connector_request req;
	struct http_response resp;
	struct connector_answer a;
	int i, r;

	if (!ops->prepare)
		return 0;
	/* a secret the shop rotated for another thread's instance */
	secret_book_refresh(book, section, ci, seen);
	for (i = 0; i < CONNECTOR_READY_MAX; i++) {
		memset(&req, 0, sizeof(req));
		r = ops->prepare(ci->state, now(), &req, err, errlen);
		if (r <= 0) {
			connector_request_free(&req);
			return r;
		}
		r = http_client_exchange(http, &req, &resp, &a, err, errlen);
		connector_request_free(&req);
		if (r == 0 && ops->prepared)
			r = ops->prepared(ci->state, now(), &a, err, errlen);
		http_response_free(&resp);
		/* a new one is kept before it is used */
		secret_book_collect(book, section, ci, seen);
		if (r < 0)
			return r;
	}
	snprintf(err, errlen, "connector %s is not ready after %d requests",
		 ops->name, CONNECTOR_READY_MAX);
	return -EAGAIN;
}
