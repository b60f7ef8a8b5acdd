/* SPDX-License-Identifier: MIT */
/*
 * Private declarations shared by the store's files (store.c, schema.c,
 * audit.c, outbox.c).  Nothing here is part of the store's contract: the
 * public one is include/retour/store.h.
 *
 * Every SQL statement is prepared once, on first use, and kept in the handle
 * until store_close(); the statement ids below name them.
 */
#ifndef RETOUR_STORE_INTERNAL_H
#define RETOUR_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <sqlite3.h>

#include "retour/store.h"

/* Highest schema version this build knows (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 1

#define STORE_ERRMSG_LEN 512

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
	/* clerks */
	STMT_CLERK_PUT,
	STMT_CLERK_GET,
	/* receipts */
	STMT_RCP_INSERT,
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
	STMT_RCP_LIST,
	STMT_RCP_GET,
	STMT_RCP_GET_SCANS,
	STMT_RCP_GET_PHOTOS,
	STMT_RCP_GET_ANSWERS,
	STMT_RCP_GET_LABELS,
	STMT_RCP_COUNT,
	/* outbox */
	STMT_OBX_INSERT,
	STMT_OBX_BLOCKING,
	STMT_OBX_CANCEL_RECEIPT,
	STMT_OBX_NEXT_DUE,
	STMT_OBX_FACTS,
	STMT_OBX_NEXT_TIME,
	STMT_OBX_STATE,
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
	STMT_COUNT
};

struct store {
	sqlite3 *db;
	char *path;
	char errmsg[STORE_ERRMSG_LEN];
	sqlite3_stmt *stmts[STMT_COUNT];
	bool sync_normal; /* the connection is at synchronous=NORMAL */
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
 * Two kinds of transaction.  store_tx_begin: a record that must survive a
 * power cut once committed (decisions, undo, outbox, imports): the commit
 * waits for fsync (synchronous=FULL).  store_tx_begin_step: a step of a
 * parcel still on the desk (opened, weighed, scanned, answered): the commit
 * survives the process dying (WAL), and reaches the disk with the next
 * durable commit or checkpoint, so a power cut can only take back steps of
 * an undecided parcel, never a decision or what it was based on.
 */
int store_tx_begin(struct store *s);
int store_tx_begin_step(struct store *s);
int store_tx_commit(struct store *s);
void store_tx_rollback(struct store *s);
/* A read transaction: several SELECTs that see one snapshot of the file,
 * without the write lock. */
int store_tx_begin_read(struct store *s);
void store_tx_end_read(struct store *s);

/* Run a statement that returns no rows; 0 or -errno. */
int store_step_done(struct store *s, sqlite3_stmt *st);

/* Copy a text column into a fixed buffer, truncating, never overflowing. */
void store_col_copy(sqlite3_stmt *st, int col, char *dst, size_t dstlen);

/* "2026-11-20T10:00:00.000000Z"; @buf of at least 40 bytes. */
void store_time_rfc3339(int64_t us, char *buf, size_t buflen);
/* Set @name (RFC 3339 text) and @name_us (integer) on @obj from an integer
 * column; both null when the column is NULL. */
void store_json_set_time(json_t *obj, const char *name, sqlite3_stmt *st,
			 int col);
/* A text column as a JSON string, or JSON null. */
json_t *store_json_text(sqlite3_stmt *st, int col);

/* Bring the schema to STORE_SCHEMA_VERSION, one transaction per step. */
int store_schema_migrate(struct store *s, char *err, size_t errlen);

/* Append an audit entry inside the caller's open transaction. */
int store_audit_append_tx(struct store *s, const char *actor,
			  const char *action, const char *subject,
			  const char *detail, int64_t now);
/* As above with a JSON detail (@detail is consumed, may be NULL). */
int store_audit_append_json(struct store *s, const char *actor,
			    const char *action, const char *subject,
			    json_t *detail, int64_t now);

/* Outbox pieces used by the receipt transactions in store.c. */
int store_outbox_insert_tx(struct store *s, int64_t receipt_id,
			   const struct outbox_new *o, int64_t now);
/* -EALREADY when some outbox row of the receipt was claimed by the sender,
 * is no longer pending, or is past its grace period at @now (read by the
 * caller after the write lock was taken); otherwise cancels all of its
 * pending rows. */
int store_outbox_cancel_receipt_tx(struct store *s, int64_t receipt_id,
				   int64_t now, int *n_cancelled);
int store_outbox_json_for_receipt(struct store *s, int64_t receipt_id,
				  json_t *arr);

#endif
