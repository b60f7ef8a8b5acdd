/* SPDX-License-Identifier: MIT */
/*
 * The facts a decision's outbox row is rendered from: its receipt (the
 * decision and its proposal) and the expected return, copied into memory
 * the row owns, so the sender renders the event (event_render) without
 * the store.  A row is rendered only from the decision that made it (its
 * created_at is the decision's decided_at): anything else is reported in
 * the row's problem, never sent.
 *
 * Not here: rendering (src/codec/event.c), picking the row (outbox.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "outbox_facts.h"

/* The facts of @row's event: its receipt and expected return. */
#define OUTBOX_FACTS_COLUMNS                                                   \
	"state, desk, code, shop, verdict, refund_minor, currency, "           \
	"decided_at, decided_by, overridden, override_reason, proposal_json, " \
	"expected_id, override_by"

/* What the facts of a row point into: its receipt's text and expected
 * return, owned by the row until store_outbox_row_release(). */
struct outbox_facts_mem {
	struct expected_return expected;
	char *text[6]; /* desk, code, shop, verdict, currency, decided_by */
	char *override_reason;
	char *proposal_json;
	char *override_by;
};

static void outbox_facts_mem_free(struct outbox_facts_mem *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < sizeof(m->text) / sizeof(m->text[0]); i++)
		free(m->text[i]);
	free(m->override_reason);
	free(m->proposal_json);
	free(m->override_by);
	free(m);
}

/* A copy of a text column (NULL stays NULL); false when out of memory. */
static bool outbox_col_dup(sqlite3_stmt *st, int col, char **out)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	*out = NULL;
	if (!t)
		return sqlite3_column_type(st, col) == SQLITE_NULL;
	*out = strdup((const char *)t);
	return *out != NULL;
}

int store_outbox_gather_facts(struct store *s, struct outbox_row *row)
{
	static const int text_cols[6] = {1, 2, 3, 4, 6, 8};
	struct outbox_facts_mem *m;
	struct event_facts *f = &row->facts;
	char state[16];
	sqlite3_stmt *st;
	bool ok = true;
	int rc, r = 0;

	st = store_stmt(s, STMT_OBX_FACTS,
			"SELECT " OUTBOX_FACTS_COLUMNS " FROM receipt "
			"WHERE id = ?");
	if (!st)
		return -EIO;
	m = calloc(1, sizeof(*m));
	if (!m) {
		store_stmt_done(st);
		return store_failf(s, -ENOMEM, "out of memory");
	}
	sqlite3_bind_int64(st, 1, row->receipt_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		snprintf(row->problem, sizeof(row->problem),
			 "no receipt %" PRId64 " to render %s from",
			 row->receipt_id, row->action);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = store_fail(s, rc);
		goto out;
	}
	store_col_copy(st, 0, state, sizeof(state));
	f->decided_at = sqlite3_column_int64(st, 7);
	if (strcmp(state, "decided")) {
		snprintf(row->problem, sizeof(row->problem),
			 "receipt %" PRId64 " is %s: the decision this row "
			 "was made for is gone",
			 row->receipt_id, state);
		goto out;
	}
	if (f->decided_at != row->created_at) {
		snprintf(row->problem, sizeof(row->problem),
			 "receipt %" PRId64 " was decided again after this "
			 "row was made",
			 row->receipt_id);
		goto out;
	}
	if (sqlite3_column_type(st, 12) != SQLITE_NULL) {
		/* Other statements: this one's row stays readable. */
		r = store_expected_get(s, sqlite3_column_int64(st, 12),
				       &m->expected);
		if (r == -ENOENT) {
			snprintf(row->problem, sizeof(row->problem),
				 "the expected return of receipt %" PRId64
				 " is gone",
				 row->receipt_id);
			r = 0;
			goto out;
		}
		if (r < 0)
			goto out;
		f->expected = &m->expected;
	}
	for (int i = 0; i < 6; i++)
		ok &= outbox_col_dup(st, text_cols[i], &m->text[i]);
	ok &= outbox_col_dup(st, 10, &m->override_reason);
	ok &= outbox_col_dup(st, 11, &m->proposal_json);
	ok &= outbox_col_dup(st, 13, &m->override_by);
	if (!ok) {
		r = store_failf(s, -ENOMEM, "out of memory");
		goto out;
	}
	f->type = row->action;
	f->id = row->key;
	f->receipt = row->receipt_id;
	f->station = m->text[0];
	f->code = m->text[1];
	f->shop = m->text[2];
	f->verdict = m->text[3];
	f->refund_minor = sqlite3_column_int64(st, 5);
	f->currency = m->text[4];
	f->decided_by = m->text[5];
	f->overridden = sqlite3_column_int(st, 9);
	f->override_reason = m->override_reason;
	f->override_by = m->override_by;
	f->proposal_json = m->proposal_json;
	row->has_facts = true;
	row->facts_mem = m;
	m = NULL;
out:
	store_stmt_done(st);
	if (!row->has_facts) {
		memset(f, 0, sizeof(*f));
		outbox_facts_mem_free(m);
	}
	return r;
}

void store_outbox_row_release(struct outbox_row *row)
{
	if (!row)
		return;
	free(row->payload);
	outbox_facts_mem_free(row->facts_mem);
	row->payload = NULL;
	row->facts_mem = NULL;
	row->has_facts = false;
	memset(&row->facts, 0, sizeof(row->facts));
}
