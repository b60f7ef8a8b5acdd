/* SPDX-License-Identifier: MIT */
/*
 * Complaints whose answer is due: the seller must answer a complaint within
 * 14 days (the policy's complaint_answer_days) of receiving it, or it counts
 * as accepted (art. 7a of the Polish Consumer Rights Act).  The deadline runs
 * from the day the shop says it received the complaint
 * (expected.complaint_received_at), else from the parcel's first receipt at
 * the desk.  A complaint is answered when a receipt of it is decided; the
 * decision records its deadline and whether it was past it (decision.c).
 *
 * Read only.  The deadline itself is the rules' (rules_complaint_answer_due),
 * so the list and the proposal never disagree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/rules.h"

#include "db.h"

struct complaint_due {
	int64_t expected_id;
	int64_t receipt_id;
	int64_t received_at;
	bool from_receipt;
	int64_t due_at;
	char rma[RETURN_REF_LEN];
	char order[RETURN_REF_LEN];
};

static int complaint_due_cmp(const void *a, const void *b)
{
	const struct complaint_due *x = a, *y = b;

	if (x->due_at != y->due_at)
		return x->due_at < y->due_at ? -1 : 1;
	return x->expected_id < y->expected_id	 ? -1
	       : x->expected_id > y->expected_id ? 1
						 : 0;
}

static json_t *complaint_due_json(const struct complaint_due *c, int64_t now)
{
	char received[CIVIL_TIME_RFC3339_LEN], due[CIVIL_TIME_RFC3339_LEN];

	store_time_rfc3339(c->received_at, received, sizeof(received));
	store_time_rfc3339(c->due_at, due, sizeof(due));
	return json_pack(
	    "{s:I,s:s,s:s,s:s,s:I,s:s,s:s,s:I,s:b,s:o}", "expected_id",
	    (json_int_t)c->expected_id, "rma", c->rma, "order", c->order,
	    "received_at", received, "received_at_us",
	    (json_int_t)c->received_at, "received_from",
	    c->from_receipt ? "receipt" : "import", "answer_due_at", due,
	    "answer_due_at_us", (json_int_t)c->due_at, "deemed_accepted",
	    now > c->due_at, "receipt",
	    c->receipt_id ? json_integer(c->receipt_id) : json_null());
}

int store_complaints_due(struct store *s, const struct rules_policy *policy,
			 int64_t now, int64_t within_us, json_t **out)
{
	struct complaint_due *list = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	json_t *arr;
	int rc, r = 0;

	if (!s || !out || within_us < 0)
		return -EINVAL;
	*out = NULL;
	st = store_stmt(
	    s, STMT_EXP_COMPLAINTS_DUE,
	    "SELECT e.id, e.rma, e.order_ref, e.complaint_received_at, "
	    "(SELECT r.received_at FROM receipt r WHERE r.expected_id = e.id "
	    " AND r.routine = 'return' AND r.state <> 'cancelled' "
	    " ORDER BY r.received_at, r.id LIMIT 1), "
	    "(SELECT r.id FROM receipt r WHERE r.expected_id = e.id "
	    " AND r.routine = 'return' AND (r.state = 'open' OR "
	    " (r.state = 'decided' AND r.verdict = 'hold')) "
	    " ORDER BY r.id DESC LIMIT 1) "
	    "FROM expected e WHERE e.kind = 'complaint' "
	    "AND e.cancelled_at IS NULL AND NOT EXISTS "
	    "(SELECT 1 FROM receipt r WHERE r.expected_id = e.id "
	    " AND r.state = 'decided' AND r.verdict <> 'hold')");
	if (!st)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct complaint_due c = {0};

		c.expected_id = sqlite3_column_int64(st, 0);
		store_col_copy(st, 1, c.rma, sizeof(c.rma));
		store_col_copy(st, 2, c.order, sizeof(c.order));
		c.received_at = sqlite3_column_int64(st, 3);
		if (!c.received_at) {
			c.received_at = sqlite3_column_int64(st, 4);
			c.from_receipt = true;
		}
		c.receipt_id = sqlite3_column_int64(st, 5);
		c.due_at = rules_complaint_answer_due(c.received_at, policy);
		/* Neither date: nobody knows the deadline yet. */
		if (!c.due_at || c.due_at - now > within_us)
			continue;
		if (n == cap) {
			struct complaint_due *more;

			cap = cap ? cap * 2 : 16;
			more = realloc(list, cap * sizeof(*list));
			if (!more) {
				r = store_failf(s, -ENOMEM, "out of memory");
				break;
			}
			list = more;
		}
		list[n++] = c;
	}
	if (!r && rc != SQLITE_DONE)
		r = store_fail(s, rc);
	store_stmt_done(st);
	arr = r ? NULL : json_array();
	if (!r && !arr)
		r = store_failf(s, -ENOMEM, "out of memory");
	if (n > 1)
		qsort(list, n, sizeof(*list), complaint_due_cmp);
	for (size_t i = 0; !r && i < n; i++)
		if (json_array_append_new(
			arr, complaint_due_json(&list[i], now)) < 0)
			r = store_failf(s, -ENOMEM, "out of memory");
	free(list);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}
