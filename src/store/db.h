/* SPDX-License-Identifier: MIT */
/*
 * The bottom of the store, private to src/store: the database handle, the
 * cached prepared statements, error mapping, the text and time helpers of
 * the JSON views, and the one way the store writes, store_write(): begin,
 * the change, its audit entry, commit, or roll back on any failure.
 *
 * Every record file (expected.c, clerk.c, receipt.c, decision.c, outbox.c,
 * audit.c, schema.c) sits on this and nothing here calls them.  The public
 * contract is include/retour/store.h.
 */
#ifndef RETOUR_STORE_DB_H
#define RETOUR_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <sqlite3.h>

#include "retour/store.h"

/* Highest schema version this build knows (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 10

#define STORE_ERRMSG_LEN 512

/* A code as expected returns are looked up by: upper-case, so "rma-12"
 * finds "RMA-12"; 0, or -EINVAL when empty or longer than @keylen. */
int store_code_key(const char *code, char *key, size_t keylen);

/* The columns of STMT_EXP_GET, read by expected.c and expected_view.c. */
#define EXPECTED_COLUMNS                                                       \
	"id, rma, order_ref, shop, kind, currency, delivered_at, "             \
	"requested_at, delivery_basic_minor, created_at, updated_at, "         \
	"shop_order_id, shop_payment_id, complaint_received_at, "              \
	"defect_appeared_at, delivery_paid_minor, order_key, cancelled_at"

enum store_stmt_id {
	STMT_BEGIN,
	STMT_BEGIN_READ,
	STMT_SYNC_FULL,
	STMT_SYNC_NORMAL,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_INTEGRITY_CHECK,
	STMT_FK_CHECK,
	/* expected returns */
	STMT_EXP_FIND_BY_RMA,
	STMT_EXP_FIND_BY_ORDER,
	STMT_EXP_SHOP_OF,
	STMT_EXP_INSERT,
	STMT_EXP_UPDATE,
	STMT_EXP_RECEIVED,
	STMT_EXP_DEL_ITEMS,
	STMT_EXP_DEL_CODES,
	STMT_EXP_INS_ITEM,
	STMT_EXP_INS_CODE,
	STMT_EXP_MATCH,
	STMT_EXP_GET,
	STMT_EXP_GET_ITEMS,
	STMT_EXP_GET_CODES,
	STMT_EXP_LIST,
	STMT_EXP_DECIDED,
	STMT_EXP_DEL_LINES,
	STMT_EXP_INS_LINE,
	STMT_EXP_GET_LINES,
	STMT_EXP_BEFORE,
	STMT_EXP_COMPLAINTS_DUE,
	/* clerks */
	STMT_CLERK_PUT,
	STMT_CLERK_GET,
	STMT_CLERK_LIST,
	STMT_CLERK_BY_NAME,
	/* receipts */
	STMT_RCP_INSERT,
	STMT_RCP_PHOTO_COUNT,
	STMT_RCP_STATE,
	STMT_RCP_SET_WEIGHT,
	STMT_RCP_ADD_SCAN,
	STMT_RCP_ADD_PHOTO,
	STMT_RCP_ADD_ANSWER,
	STMT_RCP_DECIDED_ELSEWHERE,
	STMT_RCP_DECIDE,
	STMT_RCP_ADD_LABEL,
	STMT_RCP_UNDO,
	STMT_RCP_CANCEL,
	STMT_LABEL_PRINTED,
	STMT_LABEL_ZPL,
	STMT_LABEL_NEWEST,
	STMT_LABEL_ADD,
	STMT_RCP_LIST,
	STMT_RCP_LIST_ASC,
	STMT_RCP_GET,
	STMT_RCP_GET_SCANS,
	STMT_RCP_GET_PHOTOS,
	STMT_RCP_GET_ANSWERS,
	STMT_RCP_GET_LABELS,
	STMT_RCP_GET_NOTES,
	STMT_RCP_NOTE,
	STMT_RCP_COUNT,
	STMT_RCP_LEFT_OPEN,
	STMT_RCP_ABANDON,
	STMT_RCP_DEL_SCAN,
	STMT_RCP_RESUME_SCANS,
	STMT_RCP_RESUME_ANSWERS,
	STMT_RCP_RESUME_WEIGHT,
	/* outbox */
	STMT_OBX_INSERT,
	STMT_OBX_BLOCKING,
	STMT_OBX_CANCEL_RECEIPT,
	STMT_OBX_NEXT_DUE,
	STMT_OBX_DUE_IDS,
	STMT_OBX_RESUME,
	STMT_OBX_DUE_ROW,
	STMT_OBX_FACTS,
	STMT_OBX_NEXT_TIME,
	STMT_OBX_STATE,
	STMT_OBX_RECEIPT_OF,
	STMT_OBX_CLAIM,
	STMT_OBX_DONE,
	STMT_OBX_RETRY,
	STMT_OBX_DEAD,
	STMT_OBX_MANUAL_RETRY,
	STMT_OBX_LIST,
	STMT_OBX_LIST_STATE,
	STMT_OBX_LIST_RECEIPT,
	STMT_OBX_COUNT,
	STMT_OBX_COUNT_STATE,
	/* audit */
	STMT_AUDIT_HEAD,
	STMT_AUDIT_INSERT,
	STMT_AUDIT_SET_HEAD,
	STMT_AUDIT_WALK,
	/* pulled returns' cursors */
	STMT_PULL_GET,
	STMT_PULL_SAVED,
	STMT_PULL_FAILED,
	/* what the screen shows of a receipt (receipt_live.c) */
	STMT_LIVE_PHOTOS,
	STMT_LIVE_EXTRA,
	STMT_LIVE_REFUND,
	STMT_PHOTO_GET,
	STMT_EXP_CANCEL,
	STMT_EXP_AT_DESK,
	/* photo uploads (photo_upload.c) */
	STMT_PHU_KNOWN,
	STMT_PHU_BACKLOG,
	STMT_COUNT
};

struct store {
	sqlite3 *db;
	char *path;
	char errmsg[STORE_ERRMSG_LEN];
	sqlite3_stmt *stmts[STMT_COUNT];
	bool sync_normal; /* the connection is at synchronous=NORMAL */
	int outbox_lane;  /* store_outbox_set_lane() */
};

/* The cached statement @id, prepared from @sql on first use; NULL with
 * s->errmsg set on failure.  Hand it back with store_stmt_done(). */
sqlite3_stmt *store_stmt(struct store *s, enum store_stmt_id id,
			 const char *sql);
void store_stmt_done(sqlite3_stmt *st);

/* Record SQLite's message for @rc and map it to a negative errno. */
int store_fail(struct store *s, int rc);
/* Record a message of our own and return @r. */
int store_failf(struct store *s, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Two kinds of write.  STORE_DURABLE: a record that must survive a power
 * cut once committed (decisions, undo, outbox, imports): the commit waits
 * for fsync (synchronous=FULL).  STORE_STEP: a step of a parcel still on
 * the desk (opened, weighed, scanned, answered, label printed): the commit
 * survives the process dying (WAL), and reaches the disk with the next
 * durable commit or checkpoint, so a power cut can only take back steps of
 * an undecided parcel, never a decision or what it was based on.
 */
enum store_sync { STORE_DURABLE, STORE_STEP };

/* The audit entry a write appends in its own transaction.  The caller
 * fills what it knows; the change may fill the rest (a new row's id in the
 * subject, what it found in the detail). */
struct store_entry {
	const char *actor;   /* NULL or "": "station" */
	const char *action;  /* NULL: no entry (schema migration only) */
	const char *subject; /* NULL: @subject_buf */
	char subject_buf[96];
	json_t *detail;	  /* owned: dumped compact, sorted keys */
	const char *text; /* detail as text, when @detail is NULL */
	int64_t at;
};

/* "@kind:@id" into e->subject_buf, the subject of the entry. */
void store_entry_subject(struct store_entry *e, const char *kind, int64_t id);

/*
 * The change of one write, run inside its transaction: checks and steps.
 * 0 to record it, a positive value to end the write with nothing recorded
 * (rolled back, the value returned), -errno to roll back and fail.
 */
typedef int (*store_change_fn)(struct store *s, void *arg,
			       struct store_entry *e);

/*
 * The store's only write path: BEGIN IMMEDIATE at @sync, @change, the audit
 * entry @e, COMMIT; any failure rolls everything back.  @e->detail is
 * consumed on every path.  Returns the change's positive value, 0, or the
 * first -errno.
 */
int store_write(struct store *s, enum store_sync sync, store_change_fn change,
		void *arg, struct store_entry *e);
/* Append @e to the audit chain inside a write's change, for a change that
 * records several entries (the write's own @e has action NULL then); the
 * caller still owns @e->detail. */
int store_entry_append(struct store *s, struct store_entry *e);

/* A read transaction: several SELECTs that see one snapshot of the file,
 * without the write lock. */
int store_tx_begin_read(struct store *s);
void store_tx_end_read(struct store *s);

/* Run a statement that returns no rows; 0 or -errno. */
int store_step_done(struct store *s, sqlite3_stmt *st);

/* Copy a text column into a fixed buffer, truncating, never overflowing. */
void store_col_copy(sqlite3_stmt *st, int col, char *dst, size_t dstlen);

/* RFC 3339 text of @us, as events write it (civil_time_format_rfc3339):
 * "2026-11-20T10:00:00Z", a fraction only when there is one; "invalid"
 * outside years 0000..9999.  @buf of at least CIVIL_TIME_RFC3339_LEN. */
void store_time_rfc3339(int64_t us, char *buf, size_t buflen);
/* Set @name (RFC 3339 text) and @name_us (integer) on @obj from an integer
 * column; both null when the column is NULL. */
void store_json_set_time(json_t *obj, const char *name, sqlite3_stmt *st,
			 int col);
/* A text column as a JSON string, or JSON null. */
json_t *store_json_text(sqlite3_stmt *st, int col);
/* Step @st (bound already) to its end, appending @fn's object for each row
 * to @arr, and finish it: 0, or the store's failure (-ENOMEM when @fn
 * gives NULL).  Rows appended before a failure stay in @arr. */
typedef json_t *(*store_row_json_fn)(sqlite3_stmt *st);
int store_rows_json(struct store *s, sqlite3_stmt *st, store_row_json_fn fn,
		    json_t *arr);

/* A JSON integer from an integer column, or JSON null. */
json_t *store_json_int_or_null(sqlite3_stmt *st, int col);

/* A fixed-size field is usable only when it is NUL-terminated in place. */
bool store_field_ok(const char *field, size_t size);

/* ---- the audit chain (hash and head), used by store_write() ---- */

#define STORE_AUDIT_HASH_LEN 32

struct store_audit_fields {
	int64_t id;
	int64_t at;
	const unsigned char *text[4]; /* actor, action, subject, detail */
	size_t len[4];
	/* hex SHA-256 of the detail, hashed in its place (schema 10 on);
	 * NULL: an older entry, its detail hashed as text */
	const char *detail_sha256;
};

/* The hex SHA-256 of an entry's detail (@len bytes), as detail_sha256. */
void store_audit_detail_sha256(const unsigned char *detail, size_t len,
			       char out[65]);

/* The hash of entry @f after the entry whose hash is @prev. */
void store_audit_hash(const uint8_t prev[STORE_AUDIT_HASH_LEN],
		      const struct store_audit_fields *f,
		      uint8_t out[STORE_AUDIT_HASH_LEN]);
/* A 32-byte blob column into @out; false when it is anything else. */
bool store_audit_col_hash(sqlite3_stmt *st, int col,
			  uint8_t out[STORE_AUDIT_HASH_LEN]);
/* The newest entry's id and hash (0 and zeros before the first). */
int store_audit_head(struct store *s, int64_t *last_id,
		     uint8_t last_hash[STORE_AUDIT_HASH_LEN]);

#endif
