/* SPDX-License-Identifier: MIT */
/*
 * A connector getting ready to talk to its shop: the preliminary requests
 * its prepare() asks for (an OAuth access token), made by whichever thread
 * is about to send (the outbox sender, a puller), with the rotated secrets
 * of the book handed in before and collected after.
 */
#ifndef RETOUR_CONNECTOR_READY_H
#define RETOUR_CONNECTOR_READY_H

#include <stddef.h>
#include <stdint.h>

#include "retour/connector.h"
#include "retour/http.h"
#include "retour/secret_book.h"

/* How many preliminary requests one attempt makes at most. */
#define CONNECTOR_READY_MAX 2

/*
 * Run @ci's prepare()/prepared() cycle over @http until the connector says
 * it is ready: 0, or the negative errno the connector, the transport or
 * the cycle gave (-EAGAIN after CONNECTOR_READY_MAX requests) with @err.
 * @book, @section and @seen are the instance's place in the secret book
 * (NULL book: none).  @now gives the time for each step.
 */
int connector_get_ready(struct connector_instance *ci, struct http_client *http,
			int64_t (*now)(void), struct secret_book *book,
			const char *section, uint64_t *seen, char *err,
			size_t errlen);

#endif
