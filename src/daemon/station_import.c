/* SPDX-License-Identifier: MIT */
/*
 * A bulk import of expected returns, in two halves so that a large one
 * never holds the desk up: station_import_parse() reads and checks the
 * whole document, all or nothing, and touches nothing of the station (the
 * API runs it on a thread of its own); station_import_store_next() then
 * stores one return on the loop, in its own durable transaction through
 * the store's one write path, so the desk waits behind one return's write
 * at most.  The API answers the import once every return is stored.
 *
 * Not here: reading the shop's JSON fields (src/codec/expected_json.c),
 * the queue of imports and when a slice runs (src/api/imports.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/clock.h"
#include "retour/expected_json.h"

#include "station_internal.h"

struct station_import {
	struct expected_return *returns;
	int count;  /* parsed */
	int next;   /* the next to store */
	int stored; /* new or replaced */
	json_t
	    *kept; /* codes of returns already at the desk, left as they were */
};

int station_import_parse(const struct config *cfg, json_t *doc,
			 struct station_import **out, char *err, size_t errlen)
{
	struct station_import *im;
	int n;

	*out = NULL;
	im = calloc(1, sizeof(*im));
	if (!im || !(im->kept = json_array())) {
		station_import_free(im);
		return -ENOMEM;
	}
	n = expected_json_parse_batch(doc, &cfg->policy, &im->returns, err,
				      errlen);
	if (n <= 0) {
		station_import_free(im);
		if (n == 0)
			snprintf(err, errlen,
				 "no expected returns in the body");
		return n == 0 || n == -E2BIG ? -EINVAL : n;
	}
	im->count = n;
	*out = im;
	return 0;
}

int station_import_store_next(struct station *st, struct station_import *im,
			      char *err, size_t errlen)
{
	struct expected_return *er;
	int r;

	if (im->next >= im->count)
		return 0;
	er = &im->returns[im->next];
	r = store_expected_put(st->store, er, "api", clock_now_us());
	if (r < 0) {
		snprintf(err, errlen,
			 "not stored: %s (%s); %d of %d stored before it",
			 strerror(-r), store_errmsg(st->store), im->stored,
			 im->count);
		return r;
	}
	if (r == STORE_EXPECTED_KEPT)
		json_array_append_new(
		    im->kept,
		    json_string(er->rma[0] ? er->rma : er->order_ref));
	else
		im->stored++;
	im->next++;
	return im->next < im->count;
}

int station_import_stored(const struct station_import *im)
{
	return im->stored;
}

json_t *station_import_kept(const struct station_import *im)
{
	return im->kept;
}

int station_import_count(const struct station_import *im)
{
	return im->count;
}

void station_import_free(struct station_import *im)
{
	if (!im)
		return;
	free(im->returns);
	json_decref(im->kept);
	free(im);
}
