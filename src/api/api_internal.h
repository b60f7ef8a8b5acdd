/* SPDX-License-Identifier: MIT */
/*
 * Inside the local HTTP API: what its files share.  api.c is the HTTP
 * plumbing (libmicrohttpd in the sd-event loop, listeners, bearer token,
 * request bodies); routes.c turns a method and a path into a route without
 * touching a socket or the station; desk.c and records.c answer the desk's
 * and the records' routes by calling the station; reply.c builds the JSON
 * replies.  Nothing here is part of the daemon's contract (retour/api.h).
 */
#ifndef RETOUR_API_INTERNAL_H
#define RETOUR_API_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "retour/station.h"
#include "retour/store.h"

/* A request body larger than this is refused with 413. */
#define API_MAX_BODY (1 << 20)

/* The body of one request, collected as libmicrohttpd hands it over. */
struct api_request {
	char *body;
	size_t len;
	bool too_big;
	const char *if_none_match; /* the header, NULL when not sent */
};

/* What a route answers: a JSON body, or a text body with its type. */
struct api_reply {
	unsigned status;
	json_t *json; /* or text */
	char *text;
	size_t text_len; /* 0: strlen(text); a binary body (a photo) sets it */
	const char *content_type;
	char allow[64]; /* a 405's Allow header: the methods the path takes */
	char etag[72];	/* an ETag header, "" none */
	/* a download's name (Content-Disposition: attachment), "" none */
	char filename[64];
	/* a 202's Location: where to follow what was started, "" none */
	char location[64];
};

/* Set @rp to {"error": message, "code": the status's code} with @status. */
void api_reply_error(struct api_reply *rp, unsigned status, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
/* The same with a finer @code than the status's ("not_recorded"). */
void api_reply_error_code(struct api_reply *rp, unsigned status,
			  const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The stable code of an error with @status: bad_request, unauthorized,
 * not_found, method_not_allowed, conflict, too_large, unavailable,
 * internal. */
const char *api_error_code_of(unsigned status);
/* Set @rp to @j (ownership taken) with @status. */
void api_reply_json(struct api_reply *rp, unsigned status, json_t *j);
/* The request's JSON body, or NULL with a 400 reply saying why. */
json_t *api_body_json(const struct api_request *rq, struct api_reply *rp);
/* @key's value in object @o when it is a string, else NULL. */
const char *api_json_str(json_t *o, const char *key);

enum api_route_id {
	API_HEALTHZ,
	API_METRICS,
	API_UI,	    /* the screen's files: "/" and /ui/{file} (static.c) */
	API_EVENTS, /* Server-Sent Events (events.c) */
	/* the desk */
	API_STATUS,
	API_SCAN,
	API_SIGN_IN,
	API_SIGN_OUT,
	API_REGISTER_CLERK,
	API_ROUTINE,
	API_WEIGH,
	API_SCALE_ZERO,
	API_PHOTO,
	API_SKIP,
	API_ITEMS_DONE,
	API_BACK,
	API_CANCEL,
	API_ANSWER,
	API_CONFIRM,
	API_BUTTON,
	API_REPRINT,
	API_REMOVE,	/* ship-QC: a unit taken out of the box */
	API_UNEXPECTED, /* start an unexpected return after "not found" */
	API_UNDO,	/* the desk's last: api.c's range ends here */
	/* the records */
	API_EXPECTED_LIST,
	API_EXPECTED_IMPORT,
	API_EXPECTED_GET,
	API_EXPECTED_CANCEL,
	API_PHOTO_GET,
	API_RETURNS_CSV, /* the receipts of a range as CSV */
	API_KPI,	 /* the supervisors' figures */
	API_RETURNS_LIST,
	API_RETURN_GET,
	API_EVIDENCE_PDF, /* a receipt's dispute pack (evidence.h) */
	API_EVIDENCE_ZIP,
	API_EVIDENCE_JSON,
	API_OUTBOX_LIST,
	API_OUTBOX_RETRY,
	API_PULL_NOW, /* poll the shops for expected returns now */
	API_COMPLAINTS_DUE,
	API_DB_CHECK,
	API_AUDIT_VERIFY,
	API_CLERKS_LIST, /* the sign-in screen's names */
	/* the desk's system (system.c) */
	API_SYSTEM,
	API_SYSTEM_BUNDLES,
	API_SYSTEM_UPDATE_GET,
	API_SYSTEM_UPDATE, /* a bundle uploaded (api.c streams it) or named */
};

/* A request's query, as the HTTP layer hands it over: the keys and values
 * point into the request (a value given without '=' is ""). */
#define API_QUERY_MAX 16
struct api_query {
	int n;
	bool too_many; /* more than API_QUERY_MAX: refused */
	struct {
		const char *key, *value;
	} arg[API_QUERY_MAX];
};

void api_query_add(struct api_query *q, const char *key, const char *value);
/* The value of @key (the first one), or NULL when the query has none. */
const char *api_query_get(const struct api_query *q, const char *key);

/* ?from= or ?to=: a day of the station's calendar, or an instant. */
struct api_time_bound {
	bool given;
	bool is_day;   /* a whole local day, YYYY-MM-DD */
	int64_t value; /* days since 1970-01-01, or UTC us */
};

/* A request's route and the arguments its path and query carry. */
struct api_route {
	enum api_route_id id;
	int limit;	    /* ?limit=, 100 unless given (record lists) */
	int64_t record_id;  /* API_RETURN_GET, API_OUTBOX_RETRY */
	const char *button; /* API_BUTTON: points into the path */
	const char *file;   /* API_UI: the path, "/" or "/ui/NAME" */
	const char *state;  /* API_OUTBOX_LIST: ?state=, or NULL */
	/* API_RETURNS_LIST: the search; from and to still to be put in the
	 * filter in the station's calendar */
	struct receipt_filter filter;
	struct api_time_bound from, to;
	/* API_RETURNS_LIST: ?since=, to be put in the filter like from */
	struct api_time_bound since;
};

/*
 * Route @method @path with its query @q (NULL: none).  0 with @route
 * filled in, or -EINVAL with @rp holding the refusal: 404 no such
 * endpoint, 405 wrong method (rp->allow lists the right ones), 400 a
 * query parameter the route does not take, a bad value or a bad id.
 * Touches no socket and no station.
 */
int api_route_parse(const char *method, const char *path,
		    const struct api_query *q, struct api_route *route,
		    struct api_reply *rp);
/* The fields of @rq's body against what @route takes: 0, or -EINVAL with
 * @rp holding the 400 (malformed JSON, a body on a route that takes none,
 * not an object, a field the route does not know, a string field that is
 * not one).  A GET's body is not read.  Nothing is done yet. */
int api_route_body_check(const struct api_route *route, const char *method,
			 const char *path, const struct api_request *rq,
			 struct api_reply *rp);
/* The methods @path takes, as "GET, POST" in @allow; how many. */
int api_route_allowed(const char *path, char *allow, size_t size);

/* A desk route (API_STATUS .. API_UNDO): a command to the station. */
void api_desk_answer(struct station *st, const struct api_route *route,
		     const struct api_request *rq, struct api_reply *rp);
/* A record route (API_EXPECTED_LIST .. API_AUDIT_VERIFY). */
void api_records_answer(struct station *st, const struct api_route *route,
			const struct api_request *rq, struct api_reply *rp);
/* records_csv.c: GET /api/v1/returns.csv */
void api_returns_csv(struct station *st, const struct api_route *route,
		     struct api_reply *rp);
/* kpi.c: GET /api/v1/kpi */
void api_kpi_answer(struct station *st, const struct api_route *route,
		    struct api_reply *rp);
/* system.c: the system routes (API_SYSTEM .. API_SYSTEM_UPDATE); an
 * uploaded bundle's body goes through the upload functions instead, as it
 * arrives: open (the supervisor, @by filled in, and the room checked),
 * each chunk, the end (the install starts: 202), or abort (the
 * connection went).  Each refusal fills @rp and returns -errno. */
void api_system_answer(struct station *st, const struct api_route *route,
		       const struct api_request *rq, struct api_reply *rp);
int api_system_upload_open(struct station *st, const char *supervisor,
			   const char *content_length, char *by, size_t bylen,
			   struct api_reply *rp);
int api_system_upload_chunk(struct station *st, const char *data, size_t n,
			    struct api_reply *rp);
void api_system_upload_end(struct station *st, const char *by,
			   struct api_reply *rp);
void api_system_upload_abort(struct station *st);
/* The receipt search @route asks for, its days put in the station's
 * calendar (records.c). */
void api_returns_filter(struct station *st, const struct api_route *route,
			struct receipt_filter *f);

/* api_sockets.c: a listening socket's descriptor, or -errno with @err.
 * *@loopback: the TCP address is 127.0.0.0/8. */
int api_unix_socket(const char *path, char *err, size_t errlen);
int api_tcp_socket(const char *listen_at, bool *loopback, char *err,
		   size_t errlen);

#endif
