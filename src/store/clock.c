/* SPDX-License-Identifier: MIT */
/*
 * The clock set after the fact: receipts opened before a board without a
 * real-time clock knew the date carry a mark, their boot and their boot
 * time (schema v6); once the clock is set, store_clock_correct() moves
 * their times to what they really were, in one durable transaction with
 * the audit entry that says so.  The audit log's own rows are hashed and
 * stay as they were written: the entry carries the shift instead.
 *
 * Not here: deciding when the clock is set (src/daemon/station_clock.c).
 */
#include <errno.h>
#include <string.h>

#include "db.h"

struct clock_fix {
	const char *boot_id;
	int64_t offset_us;
	int corrected, left;
	json_t *ids;
};

/* Each receipt's shift: what its received_at becomes, minus what it is. */
#define CLOCK_FIX_DELTA                                                        \
	"(SELECT r.boot_us + ?2 - r.received_at FROM receipt r"                \
	" WHERE r.id = receipt_id)"
#define CLOCK_FIX_MARKED                                                       \
	"receipt_id IN (SELECT id FROM receipt WHERE time_unsure = 1"          \
	" AND boot_id = ?1)"

/* What a marked receipt holds besides its own times, moved first: each
 * reads the receipt's shift from its received_at, corrected last. */
static const char *const clock_fix_children[] = {
    "UPDATE receipt_item_scan SET scanned_at = scanned_at + " CLOCK_FIX_DELTA
    " WHERE " CLOCK_FIX_MARKED,
    "UPDATE checklist_answer SET answered_at = answered_at + " CLOCK_FIX_DELTA
    " WHERE " CLOCK_FIX_MARKED,
    "UPDATE photo SET taken_at = taken_at + " CLOCK_FIX_DELTA
    " WHERE " CLOCK_FIX_MARKED,
    "UPDATE receipt_note SET noted_at = noted_at + " CLOCK_FIX_DELTA
    " WHERE " CLOCK_FIX_MARKED,
    "UPDATE label SET created_at = created_at + " CLOCK_FIX_DELTA
    ", printed_at = printed_at + " CLOCK_FIX_DELTA " WHERE " CLOCK_FIX_MARKED,
    "UPDATE outbox SET created_at = created_at + " CLOCK_FIX_DELTA
    ", updated_at = updated_at + " CLOCK_FIX_DELTA
    ", not_before = not_before + " CLOCK_FIX_DELTA
    ", next_attempt_at = next_attempt_at + " CLOCK_FIX_DELTA
    " WHERE state = 'pending' AND attempts = 0 AND " CLOCK_FIX_MARKED,
    "UPDATE receipt SET"
    " cancelled_at = cancelled_at + (boot_us + ?2 - received_at),"
    " time_corrected_us = boot_us + ?2 - received_at,"
    " received_at = boot_us + ?2, time_unsure = 0"
    " WHERE time_unsure = 1 AND boot_id = ?1",
};

/* Run @sql once with the boot id as ?1 and the offset as ?2. */
static int clock_fix_run(struct store *s, const struct clock_fix *f,
			 const char *sql)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	sqlite3_bind_text(st, 1, f->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f->offset_us);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

/* The marked receipts' ids (@mine: of this boot, else of others). */
static int clock_fix_marked(struct store *s, struct clock_fix *f, bool mine)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(
	    s->db,
	    mine ? "SELECT id FROM receipt WHERE time_unsure = 1"
		   " AND boot_id = ?1 ORDER BY id"
		 : "SELECT count(*) FROM receipt WHERE time_unsure = 1"
		   " AND boot_id IS NOT ?1",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	sqlite3_bind_text(st, 1, f->boot_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!mine) {
			f->left = sqlite3_column_int(st, 0);
			continue;
		}
		f->corrected++;
		json_array_append_new(
		    f->ids, json_integer(sqlite3_column_int64(st, 0)));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc);
}

static int clock_fix_apply(struct store *s, void *arg, struct store_entry *e)
{
	struct clock_fix *f = arg;
	int r;

	r = clock_fix_marked(s, f, true);
	if (r == 0)
		r = clock_fix_marked(s, f, false);
	for (size_t i = 0;
	     r == 0 && i < sizeof(clock_fix_children) / sizeof(char *); i++)
		r = clock_fix_run(s, f, clock_fix_children[i]);
	if (r < 0)
		return r;
	json_object_set(e->detail, "receipts", f->ids);
	json_object_set_new(e->detail, "left_unsure", json_integer(f->left));
	return 0;
}

int store_clock_correct(struct store *s, const char *boot_id, int64_t offset_us,
			int64_t shift_us, const char *actor, int64_t now,
			int *corrected, int *left)
{
	struct clock_fix f = {.boot_id = boot_id, .offset_us = offset_us};
	struct store_entry e = {
	    .actor = actor, .action = "clock.corrected", .at = now};
	int r;

	if (!s || !boot_id || strlen(boot_id) != 36)
		return -EINVAL;
	f.ids = json_array();
	/* shift_us: what to add to the entries written while unsure */
	e.detail =
	    json_pack("{s:s,s:I,s:I}", "boot_id", boot_id, "offset_us",
		      (json_int_t)offset_us, "shift_us", (json_int_t)shift_us);
	if (!f.ids || !e.detail) {
		json_decref(f.ids);
		json_decref(e.detail);
		return -ENOMEM;
	}
	e.subject = "clock";
	r = store_write(s, STORE_DURABLE, clock_fix_apply, &f, &e);
	json_decref(f.ids);
	if (r < 0)
		return r;
	if (corrected)
		*corrected = f.corrected;
	if (left)
		*left = f.left;
	return 0;
}
