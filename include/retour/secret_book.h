/* SPDX-License-Identifier: MIT */
/*
 * Secrets a shop rotates (Allegro gives a new refresh token with each
 * access token, and may refuse the old one): the newest value of each,
 * shared by every thread that talks to that shop (the outbox sender and
 * the puller each hold an instance of the same [connector]), and handed
 * to the station to keep, so that a restart does not go back to a token
 * the shop no longer takes.
 *
 * A connector reports a new value through its secret_rotated op and takes
 * one through secret_update (connector.h).  The book holds no file: @keep,
 * the station's, writes it (0600, never logged) and reads it back at start.
 */
#ifndef RETOUR_SECRET_BOOK_H
#define RETOUR_SECRET_BOOK_H

#include <stdint.h>

#include "retour/connector.h"

struct secret_book;

/* Called (from any thread, one at a time) with each new value: @section is
 * the connector's section ("[connector allegro]"), @key its setting
 * ("refresh_token_file"). */
typedef void (*secret_keep_fn)(void *ud, const char *section, const char *key,
			       const char *value);

/* NULL when out of memory.  @keep may be NULL (nothing is kept). */
struct secret_book *secret_book_new(secret_keep_fn keep, void *ud);
void secret_book_free(struct secret_book *b);

/*
 * Before an instance's prepare(): hand @ci every value of @section newer
 * than *@seen (the instance's own count, 0 at first), and move *@seen on.
 * After its prepared(): take the value @ci says it was given, record it
 * (a newer count) and keep it.  Both do nothing for a NULL book or a
 * connector without those ops.
 */
void secret_book_refresh(struct secret_book *b, const char *section,
			 struct connector_instance *ci, uint64_t *seen);
void secret_book_collect(struct secret_book *b, const char *section,
			 struct connector_instance *ci, uint64_t *seen);

#endif
