/* SPDX-License-Identifier: MIT */
/*
 * The records' routes: expected returns (the list, one, calling one off;
 * an import is queued behind the desk by api.c and imports.c), receipts,
 * found by order, RMA, tracking number, status, kind and day, a photo's
 * JPEG, the outbox (list and retry),
 * complaints near their answer deadline, and the two integrity checks
 * (the database and the audit chain).  Each asks the station, which reads
 * the store; a list the store cannot read, or a check that finds a
 * problem, answers 500.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

/* A list or record the station read into @out, or the store's failure. */
static void reply_record(struct station *st, int r, json_t *out,
			 struct api_reply *rp)
{
	if (r < 0) {
		api_reply_error(rp, 500, "store: %s", station_errmsg(st));
		json_decref(out);
		return;
	}
	api_reply_json(rp, 200, out);
}

static void records_return_get(struct station *st, int64_t id,
			       struct api_reply *rp)
{
	json_t *out = NULL;
	int r = station_return_get(st, id, &out);

	if (r == -ENOENT) {
		api_reply_error(rp, 404, "no receipt %lld", (long long)id);
		return;
	}
	if (r == -EIDRM) { /* a tombstone: says when it was purged */
		api_reply_error_code(rp, 410, "purged", "%s",
				     station_errmsg(st));
		return;
	}
	reply_record(st, r, out, rp);
}

static void records_returns_find(struct station *st,
				 const struct api_route *route,
				 struct api_reply *rp)
{
	struct receipt_filter f;
	json_t *out = NULL;
	int r;

	api_returns_filter(st, route, &f);
	r = station_returns_find(st, &f, &out);
	reply_record(st, r, out, rp);
}

static void records_expected_get(struct station *st, int64_t id,
				 struct api_reply *rp)
{
	json_t *out = NULL;
	int r = station_expected_get(st, id, &out);

	if (r == -ENOENT) {
		api_reply_error(rp, 404, "no expected return %lld",
				(long long)id);
		return;
	}
	reply_record(st, r, out, rp);
}

static void records_expected_cancel(struct station *st, int64_t id,
				    struct api_reply *rp)
{
	char err[256] = "";
	json_t *out = NULL;
	int r = station_expected_cancel(st, id, err, sizeof(err));

	if (r == -ENOENT)
		api_reply_error(rp, 404, "%s", err);
	else if (r == -EPERM)
		api_reply_error_code(rp, 409, "at_the_desk", "%s", err);
	else if (r < 0)
		api_reply_error_code(rp, 500, "not_recorded",
				     "not recorded: %s", err);
	else if (station_expected_get(st, id, &out) < 0)
		api_reply_error(rp, 500, "store: %s", station_errmsg(st));
	else
		api_reply_json(rp, 200, out);
}

/* The JPEG, its ETag its SHA-256 (the file is content-addressed): an
 * If-None-Match that names it is answered 304 without the bytes. */
static void records_photo_get(struct station *st, int64_t id,
			      const struct api_request *rq,
			      struct api_reply *rp)
{
	struct station_photo_file f;
	char err[160] = "";
	int r = station_photo_read(st, id, &f, err, sizeof(err));

	if (r == -ENOENT) {
		api_reply_error(rp, 404, "no photo %lld", (long long)id);
		return;
	}
	if (r < 0) {
		api_reply_error_code(
		    rp, r == -ENODATA ? 404 : 500,
		    r == -ENODATA ? "file_missing" : "internal", "%s", err);
		return;
	}
	snprintf(rp->etag, sizeof(rp->etag), "\"%s\"", f.sha256);
	rp->content_type = "image/jpeg";
	if (rq->if_none_match && strstr(rq->if_none_match, rp->etag)) {
		free(f.data);
		rp->status = 304;
		rp->text = strdup("");
		rp->content_type = "image/jpeg";
		return;
	}
	rp->status = 200;
	rp->text = f.data;
	rp->text_len = f.len;
	if (!f.len) { /* an empty file: a body of no bytes all the same */
		free(f.data);
		rp->text = strdup("");
	}
}

/* A receipt's dispute pack: the PDF or the ZIP as a download, the record
 * behind them as JSON (what `retourctl evidence verify` compares with). */
static void records_evidence(struct station *st, const struct api_route *route,
			     struct api_reply *rp)
{
	static const struct {
		enum station_evidence_kind kind;
		const char *type, *ext;
	} kinds[] = {
	    [API_EVIDENCE_PDF - API_EVIDENCE_PDF] = {STATION_EVIDENCE_PDF,
						     "application/pdf", "pdf"},
	    [API_EVIDENCE_ZIP - API_EVIDENCE_PDF] = {STATION_EVIDENCE_ZIP,
						     "application/zip", "zip"},
	    [API_EVIDENCE_JSON - API_EVIDENCE_PDF] = {STATION_EVIDENCE_JSON,
						      "application/json", ""},
	};
	int k = (int)route->id - (int)API_EVIDENCE_PDF;
	char err[256] = "", *data = NULL;
	size_t len = 0;
	int r = station_evidence(st, route->record_id, kinds[k].kind, &data,
				 &len, err, sizeof(err));

	if (r == -ENOENT) {
		api_reply_error(rp, 404, "no receipt %lld",
				(long long)route->record_id);
		return;
	}
	if (r == -EIDRM) {
		api_reply_error_code(rp, 410, "purged", "%s", err);
		return;
	}
	if (r < 0) {
		api_reply_error(rp, 500, "the dispute pack was not made: %s",
				err);
		return;
	}
	rp->status = 200;
	rp->text = data;
	rp->text_len = len;
	rp->content_type = kinds[k].type;
	if (kinds[k].ext[0])
		snprintf(rp->filename, sizeof(rp->filename),
			 "receipt-%lld-evidence.%s",
			 (long long)route->record_id, kinds[k].ext);
}

static void records_outbox_retry(struct station *st, int64_t id,
				 struct api_reply *rp)
{
	char err[256] = "";
	int r = station_outbox_retry(st, id, err, sizeof(err));

	if (r < 0)
		api_reply_error(rp,
				r == -ENOENT	 ? 404
				: r == -EALREADY ? 409
						 : 500,
				"%s", err);
	else
		api_reply_json(
		    rp, 200,
		    json_pack("{s:b,s:I}", "ok", 1, "id", (json_int_t)id));
}

/* Poll now: {"connector": NAME}, or no body for every one that pulls. */
static void records_pull_now(struct station *st, const struct api_request *rq,
			     struct api_reply *rp)
{
	const char *name = NULL;
	json_t *body = NULL;
	char err[160] = "";
	int r;

	if (rq->len) {
		body = api_body_json(rq, rp);
		if (!body)
			return;
		name = api_json_str(body, "connector");
		if (!json_is_object(body) ||
		    (json_object_get(body, "connector") && !name)) {
			json_decref(body);
			api_reply_error(
			    rp, 400, "give {\"connector\": NAME} or no body");
			return;
		}
	}
	r = station_pull_now(st, name, err, sizeof(err));
	json_decref(body);
	if (r < 0)
		api_reply_error(rp, 404, "%s", err);
	else
		api_reply_json(rp, 202, json_pack("{s:b}", "ok", 1));
}

/* A check that found a problem is no success: 500, with what it found
 * and an "error" sentence like every other failure. */
static void records_db_check(struct station *st, struct api_reply *rp)
{
	char msg[256];
	int r = station_db_check(st, msg, sizeof(msg));

	if (r == 0)
		api_reply_json(rp, 200,
			       json_pack("{s:b,s:s}", "ok", 1, "detail", msg));
	else
		api_reply_json(rp, 500,
			       json_pack("{s:b,s:s,s:s+,s:s}", "ok", 0,
					 "detail", msg, "error",
					 "the database check failed: ", msg,
					 "code", "integrity"));
}

static void records_audit_verify(struct station *st, struct api_reply *rp)
{
	char msg[160];
	int64_t n = 0, bad = 0;
	int r = station_audit_verify(st, &n, &bad);

	if (r == 0) {
		api_reply_json(
		    rp, 200,
		    json_pack("{s:b,s:I}", "ok", 1, "entries", (json_int_t)n));
		return;
	}
	if (r == -EBADMSG)
		snprintf(msg, sizeof(msg),
			 "the audit chain is broken at entry %lld",
			 (long long)bad);
	else
		snprintf(msg, sizeof(msg), "the audit chain was not read: %s",
			 station_errmsg(st));
	api_reply_json(rp, 500,
		       json_pack("{s:b,s:I,s:I,s:s,s:s}", "ok", 0, "entries",
				 (json_int_t)n, "bad_entry", (json_int_t)bad,
				 "error", msg, "code",
				 r == -EBADMSG ? "integrity" : "internal"));
}

void api_records_answer(struct station *st, const struct api_route *route,
			const struct api_request *rq, struct api_reply *rp)
{
	json_t *out = NULL;
	int r;

	switch (route->id) {
	case API_EXPECTED_LIST:
		r = station_expected_list(st, route->limit, &out);
		reply_record(st, r, out, rp);
		return;
	case API_RETURNS_LIST:
		records_returns_find(st, route, rp);
		return;
	case API_RETURN_GET:
		records_return_get(st, route->record_id, rp);
		return;
	case API_EVIDENCE_PDF:
	case API_EVIDENCE_ZIP:
	case API_EVIDENCE_JSON:
		records_evidence(st, route, rp);
		return;
	case API_EXPECTED_GET:
		records_expected_get(st, route->record_id, rp);
		return;
	case API_EXPECTED_CANCEL:
		records_expected_cancel(st, route->record_id, rp);
		return;
	case API_PHOTO_GET:
		records_photo_get(st, route->record_id, rq, rp);
		return;
	case API_RETURNS_CSV:
		api_returns_csv(st, route, rp);
		return;
	case API_KPI:
		api_kpi_answer(st, route, rp);
		return;
	case API_OUTBOX_LIST:
		r = station_outbox_list(st, route->state, route->limit, &out);
		reply_record(st, r, out, rp);
		return;
	case API_OUTBOX_RETRY:
		records_outbox_retry(st, route->record_id, rp);
		return;
	case API_PULL_NOW:
		records_pull_now(st, rq, rp);
		return;
	case API_COMPLAINTS_DUE:
		r = station_complaints_due(st, &out);
		if (r == -EAGAIN) {
			api_reply_error_code(
			    rp, 503, "clock_not_set",
			    "complaint deadlines are unknown until "
			    "the clock is set (the station waits "
			    "for network time)");
			return;
		}
		reply_record(st, r, out, rp);
		return;
	case API_CLERKS_LIST:
		r = station_clerks_list(st, &out);
		reply_record(st, r, out, rp);
		return;
	case API_DB_CHECK:
		records_db_check(st, rp);
		return;
	case API_AUDIT_VERIFY:
		records_audit_verify(st, rp);
		return;
	default:
		api_reply_error(rp, 500, "route %d is not a record's",
				(int)route->id);
		return;
	}
}
