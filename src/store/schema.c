/* SPDX-License-Identifier: MIT */
/*
 * Schema migrations, keyed by PRAGMA user_version.  Each step runs in its
 * own IMMEDIATE transaction together with the version bump, so a power cut
 * leaves the file at one version or the next, never in between.
 *
 * Steps are only ever appended: a released step is never edited, because
 * files in the field have already run it.  A file with a version newer than
 * this build knows is refused (-EROFS) rather than guessed at.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "schema.h"

static const char schema_v1[] =
    "CREATE TABLE expected ("
    " id INTEGER PRIMARY KEY,"
    " rma TEXT NOT NULL DEFAULT '',"
    " rma_key TEXT NOT NULL DEFAULT '',"
    " order_ref TEXT NOT NULL DEFAULT '',"
    " order_key TEXT NOT NULL DEFAULT '',"
    " shop TEXT NOT NULL DEFAULT '',"
    " kind TEXT NOT NULL"
    "  CHECK (kind IN ('withdrawal', 'complaint', 'shipment')),"
    " currency TEXT NOT NULL CHECK (length(currency) = 3),"
    " delivered_at INTEGER NOT NULL,"
    " requested_at INTEGER NOT NULL DEFAULT 0,"
    " delivery_basic_minor INTEGER NOT NULL DEFAULT 0"
    "  CHECK (delivery_basic_minor >= 0),"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " CHECK (rma_key <> '' OR order_key <> '')"
    ");"
    "CREATE UNIQUE INDEX expected_by_rma ON expected(rma_key)"
    " WHERE rma_key <> '';"
    "CREATE UNIQUE INDEX expected_by_order_without_rma"
    " ON expected(order_key) WHERE rma_key = '';"
    "CREATE INDEX expected_by_order ON expected(order_key);"
    "CREATE INDEX expected_by_updated ON expected(updated_at);"

    "CREATE TABLE expected_item ("
    " expected_id INTEGER NOT NULL"
    "  REFERENCES expected(id) ON DELETE CASCADE,"
    " idx INTEGER NOT NULL CHECK (idx >= 0 AND idx < 16),"
    " sku TEXT NOT NULL DEFAULT '',"
    " gtin TEXT NOT NULL DEFAULT '',"
    " name TEXT NOT NULL DEFAULT '',"
    " category TEXT NOT NULL DEFAULT '',"
    " quantity INTEGER NOT NULL CHECK (quantity >= 0),"
    " unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor >= 0),"
    " weight_g INTEGER NOT NULL CHECK (weight_g >= 0),"
    " personalised INTEGER NOT NULL CHECK (personalised IN (0, 1)),"
    " made_to_order INTEGER NOT NULL CHECK (made_to_order IN (0, 1)),"
    " perishable INTEGER NOT NULL CHECK (perishable IN (0, 1)),"
    " sealed_hygiene INTEGER NOT NULL CHECK (sealed_hygiene IN (0, 1)),"
    " PRIMARY KEY (expected_id, idx)"
    ") WITHOUT ROWID;"

    "CREATE TABLE expected_code ("
    " expected_id INTEGER NOT NULL"
    "  REFERENCES expected(id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL CHECK (pos >= 0 AND pos < 4),"
    " code TEXT NOT NULL CHECK (code <> ''),"
    " code_key TEXT NOT NULL CHECK (code_key <> ''),"
    " PRIMARY KEY (expected_id, pos)"
    ") WITHOUT ROWID;"
    "CREATE INDEX expected_code_by_key ON expected_code(code_key);"

    "CREATE TABLE clerk ("
    " badge TEXT PRIMARY KEY CHECK (badge <> ''),"
    " name TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL"
    ");"

    "CREATE TABLE receipt ("
    " id INTEGER PRIMARY KEY,"
    " routine TEXT NOT NULL CHECK (routine IN ('return', 'ship_qc')),"
    " desk TEXT NOT NULL,"
    " clerk TEXT NOT NULL,"
    " code TEXT NOT NULL,"
    " expected_id INTEGER REFERENCES expected(id),"
    " state TEXT NOT NULL DEFAULT 'open'"
    "  CHECK (state IN ('open', 'decided', 'cancelled', 'undone')),"
    " received_at INTEGER NOT NULL,"
    " weighed INTEGER NOT NULL DEFAULT 0 CHECK (weighed IN (0, 1)),"
    " weight_g INTEGER CHECK (weight_g IS NULL OR weight_g >= 0),"
    " weight_mismatch INTEGER NOT NULL DEFAULT 0"
    "  CHECK (weight_mismatch IN (0, 1)),"
    " verdict TEXT CHECK (verdict IS NULL OR verdict IN ('accept',"
    "  'partial', 'reject', 'hold', 'qc_passed', 'qc_failed')),"
    " refund_minor INTEGER NOT NULL DEFAULT 0 CHECK (refund_minor >= 0),"
    " currency TEXT CHECK (currency IS NULL OR length(currency) = 3),"
    " decided_at INTEGER,"
    " decided_by TEXT,"
    /* [shop] name at decide time: the shop its events are for */
    " shop TEXT,"
    " overridden INTEGER NOT NULL DEFAULT 0 CHECK (overridden IN (0, 1)),"
    " override_reason TEXT,"
    " proposal_json TEXT,"
    " decisions INTEGER NOT NULL DEFAULT 0 CHECK (decisions >= 0),"
    " undone_at INTEGER,"
    " cancelled_at INTEGER,"
    " CHECK (state <> 'decided' OR (verdict IS NOT NULL"
    "  AND decided_at IS NOT NULL))"
    ");"
    "CREATE INDEX receipt_by_received ON receipt(received_at);"
    "CREATE INDEX receipt_by_expected ON receipt(expected_id);"
    "CREATE INDEX receipt_by_state ON receipt(state);"

    "CREATE TABLE receipt_item_scan ("
    " id INTEGER PRIMARY KEY,"
    " receipt_id INTEGER NOT NULL REFERENCES receipt(id),"
    " item_index INTEGER NOT NULL CHECK (item_index >= -1"
    "  AND item_index < 16),"
    " gtin TEXT NOT NULL,"
    " serial TEXT,"
    " scanned_at INTEGER NOT NULL,"
    " clerk TEXT NOT NULL"
    ");"
    "CREATE INDEX item_scan_by_receipt ON receipt_item_scan(receipt_id);"

    "CREATE TABLE checklist_answer ("
    " id INTEGER PRIMARY KEY,"
    " receipt_id INTEGER NOT NULL REFERENCES receipt(id),"
    " template_id TEXT NOT NULL CHECK (template_id <> ''),"
    " template_version INTEGER NOT NULL CHECK (template_version >= 0),"
    " step TEXT NOT NULL CHECK (step <> ''),"
    " answer TEXT NOT NULL,"
    " answered_at INTEGER NOT NULL,"
    " clerk TEXT NOT NULL"
    ");"
    "CREATE INDEX answer_by_receipt ON checklist_answer(receipt_id);"

    "CREATE TABLE photo ("
    " id INTEGER PRIMARY KEY,"
    " receipt_id INTEGER NOT NULL REFERENCES receipt(id),"
    " sha256 TEXT NOT NULL CHECK (length(sha256) = 64"
    "  AND sha256 NOT GLOB '*[^0-9a-f]*'),"
    " path TEXT NOT NULL CHECK (path <> ''),"
    " bytes INTEGER NOT NULL CHECK (bytes >= 0),"
    " step TEXT NOT NULL,"
    " taken_at INTEGER NOT NULL,"
    " clerk TEXT NOT NULL"
    ");"
    "CREATE INDEX photo_by_receipt ON photo(receipt_id);"
    "CREATE INDEX photo_by_sha256 ON photo(sha256);"

    "CREATE TABLE label ("
    " id INTEGER PRIMARY KEY,"
    " receipt_id INTEGER NOT NULL REFERENCES receipt(id),"
    /* The ZPL is a rendering of the decision, kept to print it again
     * (a failed job, a label torn off: POST /api/v1/reprint). */
    " zpl TEXT CHECK (zpl IS NOT NULL OR printed IS 1),"
    " created_at INTEGER NOT NULL,"
    " printed INTEGER CHECK (printed IS NULL OR printed IN (0, 1)),"
    " print_detail TEXT,"
    " printed_at INTEGER"
    ");"
    "CREATE INDEX label_by_receipt ON label(receipt_id);"

    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY,"
    " receipt_id INTEGER REFERENCES receipt(id),"
    " action TEXT NOT NULL CHECK (action <> '' AND length(action) < 32),"
    " idempotency_key TEXT NOT NULL UNIQUE CHECK (idempotency_key <> ''"
    "  AND length(idempotency_key) < 128),"
    /* NULL for a decision's events: the body is rendered from the
     * receipt when the row is delivered (event.h) */
    " payload TEXT,"
    " state TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK (state IN ('pending', 'done', 'dead', 'cancelled')),"
    " attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),"
    " not_before INTEGER NOT NULL,"
    " next_attempt_at INTEGER NOT NULL,"
    " last_error TEXT,"
    " shop_ref TEXT,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " delivered_at INTEGER"
    ");"
    "CREATE INDEX outbox_by_state ON outbox(state, next_attempt_at);"
    "CREATE INDEX outbox_by_receipt ON outbox(receipt_id);"

    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " detail TEXT,"
    " hash BLOB NOT NULL CHECK (length(hash) = 32)"
    ");"
    /* The head makes deleting the newest entries detectable too. */
    "CREATE TABLE audit_head ("
    " one INTEGER PRIMARY KEY CHECK (one = 1),"
    " last_id INTEGER NOT NULL,"
    " last_hash BLOB NOT NULL CHECK (length(last_hash) = 32)"
    ");"
    "INSERT INTO audit_head VALUES (1, 0, zeroblob(32));"
    /* Append-only for honest code; the hash chain catches the rest. */
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
    " SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
    " SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

/* The shop's own ids, filled by the import and sent back with the events
 * (opaque text, '' when the shop gave none). */
static const char schema_v2[] =
    "ALTER TABLE expected ADD COLUMN shop_order_id TEXT NOT NULL"
    " DEFAULT '';"
    "ALTER TABLE expected ADD COLUMN shop_payment_id TEXT NOT NULL"
    " DEFAULT '';"
    "ALTER TABLE expected_item ADD COLUMN shop_line_id TEXT NOT NULL"
    " DEFAULT '';";

/*
 * Version 3: one step, each feature's statements in its own
 * block.
 *
 * Consumer law.  The expected return keeps the dates and amounts the
 * rules judge by and the whole order's lines; a decided receipt keeps the
 * complaint's remedy, its answer deadline and whether it was past it (the
 * complaint then counts as accepted).
 */
static const char schema_v3[] =
    "ALTER TABLE expected ADD COLUMN complaint_received_at INTEGER NOT NULL"
    " DEFAULT 0 CHECK (complaint_received_at >= 0);"
    "ALTER TABLE expected ADD COLUMN defect_appeared_at INTEGER NOT NULL"
    " DEFAULT 0 CHECK (defect_appeared_at >= 0);"
    /* NULL: the shop did not say what the buyer paid */
    "ALTER TABLE expected ADD COLUMN delivery_paid_minor INTEGER"
    " CHECK (delivery_paid_minor IS NULL OR delivery_paid_minor >= 0);"
    "CREATE INDEX expected_by_kind ON expected(kind);"
    "CREATE TABLE expected_order_line ("
    " expected_id INTEGER NOT NULL"
    "  REFERENCES expected(id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL CHECK (pos >= 0 AND pos < 32),"
    " sku TEXT NOT NULL DEFAULT '',"
    " gtin TEXT NOT NULL DEFAULT '',"
    " quantity INTEGER NOT NULL CHECK (quantity >= 1),"
    " CHECK (sku <> '' OR gtin <> ''),"
    " PRIMARY KEY (expected_id, pos)"
    ") WITHOUT ROWID;"
    "ALTER TABLE receipt ADD COLUMN remedy TEXT CHECK (remedy IS NULL OR"
    " remedy IN ('repair', 'replace', 'reduce', 'refund'));"
    "ALTER TABLE receipt ADD COLUMN complaint_due_at INTEGER;"
    "ALTER TABLE receipt ADD COLUMN complaint_deemed_accepted INTEGER NOT"
    " NULL DEFAULT 0 CHECK (complaint_deemed_accepted IN (0, 1));"
    /* Roles: who may do what at the desk; overriding a refusal needs a
     * supervisor, and the record names who authorised it. */
    "ALTER TABLE clerk ADD COLUMN role TEXT NOT NULL DEFAULT 'clerk'"
    " CHECK (role IN ('clerk', 'packer', 'supervisor'));"
    "ALTER TABLE receipt ADD COLUMN override_by TEXT;";

/* A step that went on without its device (unplugged, failing): the
 * record says how ("photo skipped: camera gone", "weighed manually: scale
 * unplugged"), in the order it happened. */
static const char schema_v4[] =
    "CREATE TABLE receipt_note ("
    " id INTEGER PRIMARY KEY,"
    " receipt_id INTEGER NOT NULL REFERENCES receipt(id),"
    " step TEXT NOT NULL CHECK (step <> '' AND length(step) < 32),"
    " note TEXT NOT NULL CHECK (note <> '' AND length(note) < 256),"
    " noted_at INTEGER NOT NULL,"
    " clerk TEXT"
    ");"
    "CREATE INDEX receipt_note_by_receipt ON receipt_note(receipt_id);";

/* Where each connector that pulls expected returns from its
 * shop goes on from, and how its polls went (src/store/pull.c). */
static const char schema_v5[] =
    "CREATE TABLE pull_cursor ("
    " connector TEXT PRIMARY KEY CHECK (connector <> ''),"
    " cursor TEXT NOT NULL DEFAULT '',"
    " last_poll_at INTEGER NOT NULL DEFAULT 0,"
    " last_ok_at INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " imported INTEGER NOT NULL DEFAULT 0 CHECK (imported >= 0)"
    ") WITHOUT ROWID;";

/*
 * A receipt opened before the clock was set (a board without a
 * real-time clock, NTP not answered yet) is marked, with the boot it was
 * made in and its CLOCK_BOOTTIME, so that once the clock is set its times
 * can be corrected (store_clock_correct()); corrected, the mark goes and
 * the shift applied stays.  One made on an earlier boot stays marked.
 */
static const char schema_v6[] =
    "ALTER TABLE receipt ADD COLUMN time_unsure INTEGER NOT NULL DEFAULT 0"
    " CHECK (time_unsure IN (0, 1));"
    "ALTER TABLE receipt ADD COLUMN boot_id TEXT"
    " CHECK (boot_id IS NULL OR length(boot_id) = 36);"
    "ALTER TABLE receipt ADD COLUMN boot_us INTEGER"
    " CHECK (boot_us IS NULL OR boot_us >= 0);"
    "ALTER TABLE receipt ADD COLUMN time_corrected_us INTEGER;"
    "CREATE INDEX receipt_by_time_unsure ON receipt(boot_id)"
    " WHERE time_unsure = 1;";

/* An expected return the shop called off (DELETE
 * /api/v1/expected/{id}) is kept, with when, and no longer matched at the
 * desk; importing it again makes it expected again. */
static const char schema_v7[] =
    "ALTER TABLE expected ADD COLUMN cancelled_at INTEGER;";

/*
 * Retention (src/store/retention.c): a photo whose retention
 * period ran out loses its file but keeps its row (hash, step, time), with
 * when it was purged, so a dispute pack can say what was there and when it
 * went; an expected return's personal data cleared says when too.
 */
static const char schema_v8[] =
    "ALTER TABLE photo ADD COLUMN purged_at INTEGER;"
    "CREATE INDEX photo_by_purged ON photo(purged_at);"
    "ALTER TABLE expected ADD COLUMN personal_purged_at INTEGER;";

/* The key a photo is uploaded under ([photo upload],
 * photo_upload.h), NULL when no bucket was set when it was taken; its
 * upload is an outbox row, "photo:<sha256>". */
static const char schema_v9[] =
    "ALTER TABLE photo ADD COLUMN object_key TEXT"
    " CHECK (object_key IS NULL OR (object_key <> ''"
    "  AND length(object_key) < 512));";

/*
 * Retention of whole records (src/store/retention.c).  A receipt
 * purged keeps its row as a tombstone (receipt.purged_at; its id, expected
 * return, state and verdict keep a rescan from refunding it again), and
 * receipt_purge says what of it went and when (the whole record, or its
 * decision's reasons, answers, labels, outbox bodies).
 *
 * The audit chain from here on hashes each entry's detail through its
 * SHA-256 (audit.detail_sha256, store.c), so a purge can drop a detail
 * that holds a purged record's personal data (detail NULL, redacted_at
 * set) and the chain still verifies.  That drop is the one change the
 * audit table takes; entries from before this step (no detail_sha256)
 * cannot be redacted.
 */
static const char schema_v10[] =
    "ALTER TABLE receipt ADD COLUMN purged_at INTEGER;"
    "CREATE TABLE receipt_purge ("
    " receipt_id INTEGER NOT NULL REFERENCES receipt(id),"
    " kind TEXT NOT NULL CHECK (kind IN ('receipts', 'shipments',"
    "  'decisions', 'answers', 'labels', 'outbox')),"
    " purged_at INTEGER NOT NULL,"
    " PRIMARY KEY (receipt_id, kind)"
    ") WITHOUT ROWID;"
    "ALTER TABLE audit ADD COLUMN detail_sha256 TEXT"
    " CHECK (detail_sha256 IS NULL OR (length(detail_sha256) = 64"
    "  AND detail_sha256 NOT GLOB '*[^0-9a-f]*'));"
    "ALTER TABLE audit ADD COLUMN redacted_at INTEGER;"
    "DROP TRIGGER audit_no_update;"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " WHEN NOT (OLD.detail_sha256 IS NOT NULL AND OLD.redacted_at IS NULL"
    "  AND NEW.redacted_at IS NOT NULL AND NEW.detail IS NULL"
    "  AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor = OLD.actor"
    "  AND NEW.action = OLD.action AND NEW.subject = OLD.subject"
    "  AND NEW.hash = OLD.hash AND NEW.detail_sha256 = OLD.detail_sha256)"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: only a"
    " retention purge drops a detail, keeping its hash'); END;";

static const char *const schema_steps[STORE_SCHEMA_VERSION] = {
    schema_v1, schema_v2, schema_v3, schema_v4, schema_v5,
    schema_v6, schema_v7, schema_v8, schema_v9, schema_v10,
};

static int schema_user_version(struct store *s, int *version)
{
	sqlite3_stmt *st;
	int rc;

	/* Not cached: used once per open. */
	rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		int r = store_fail(s, rc);

		sqlite3_finalize(st);
		return r;
	}
	*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

struct schema_step {
	char *err;
	size_t errlen;
	bool done;    /* the file is at STORE_SCHEMA_VERSION */
	bool too_new; /* @err says so */
};

/* One step from the file's version to the next, inside store_write(). */
static int schema_step_apply(struct store *s, void *arg, struct store_entry *e)
{
	struct schema_step *step = arg;
	char bump[64];
	int version = 0, r, rc;

	r = schema_user_version(s, &version);
	if (r < 0)
		return r;
	if (version > STORE_SCHEMA_VERSION || version < 0) {
		snprintf(step->err, step->errlen,
			 "database %s has schema version %d, made by a "
			 "newer retour (this one knows up to %d); "
			 "upgrade retour or use another file",
			 s->path, version, STORE_SCHEMA_VERSION);
		step->too_new = true;
		return -EROFS;
	}
	if (version == STORE_SCHEMA_VERSION) {
		step->done = true;
		return 1;
	}
	rc = sqlite3_exec(s->db, schema_steps[version], NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", version + 1);
	rc = sqlite3_exec(s->db, bump, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : store_fail(s, rc);
}

int store_schema_migrate(struct store *s, char *err, size_t errlen)
{
	struct schema_step step = {.err = err, .errlen = errlen};

	while (!step.done) {
		/* Not audited: the log starts with the schema.  Taking the
		 * write lock up front is also how a station finds out that
		 * another process holds the file. */
		struct store_entry none = {0};
		int r = store_write(s, STORE_DURABLE, schema_step_apply, &step,
				    &none);

		if (step.too_new)
			return r;
		if (r < 0) {
			if (r == -EBUSY)
				snprintf(err, errlen,
					 "database %s is locked by another "
					 "process (is a second retourd "
					 "running?)",
					 s->path);
			else
				snprintf(err, errlen,
					 "cannot migrate database %s: %s",
					 s->path, s->errmsg);
			return r;
		}
	}
	return 0;
}
