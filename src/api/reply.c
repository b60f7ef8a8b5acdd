/* SPDX-License-Identifier: MIT */
/*
 * The API's replies: an error as {"error": "...", "code": "..."}, any
 * other answer as the JSON a route built, and the request's JSON body read
 * with the line and column of what is wrong in it.  Pure jansson: no
 * socket, no station.
 *
 * The "code" is for programs: stable, one word, from the status unless
 * the route names a finer one (api_reply_error_code); the "error" is for
 * people and may change.
 */
#include <stdarg.h>
#include <stdio.h>

#include "api_internal.h"

const char *api_error_code_of(unsigned status)
{
	switch (status) {
	case 400:
		return "bad_request";
	case 401:
		return "unauthorized";
	case 404:
		return "not_found";
	case 405:
		return "method_not_allowed";
	case 409:
		return "conflict";
	case 413:
		return "too_large";
	case 503:
		return "unavailable";
	default:
		return status >= 500 ? "internal" : "bad_request";
	}
}

static void api_reply_error_v(struct api_reply *rp, unsigned status,
			      const char *code, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	rp->status = status;
	json_decref(rp->json);
	if (!code)
		code = api_error_code_of(status);
	rp->json = json_pack("{s:s,s:s}", "error", msg, "code", code);
	if (!rp->json) {
		/* the message quotes the client's bytes, and JSON holds only
		 * UTF-8 (or the cut fell inside a character): say it in
		 * ASCII rather than answer without a body */
		for (char *c = msg; *c; c++)
			if ((unsigned char)*c < 0x20 ||
			    (unsigned char)*c > 0x7e)
				*c = '?';
		rp->json = json_pack("{s:s,s:s}", "error", msg, "code", code);
	}
}

void api_reply_error(struct api_reply *rp, unsigned status, const char *fmt,
		     ...)
{
	va_list ap;

	va_start(ap, fmt);
	api_reply_error_v(rp, status, NULL, fmt, ap);
	va_end(ap);
}

void api_reply_error_code(struct api_reply *rp, unsigned status,
			  const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	api_reply_error_v(rp, status, code, fmt, ap);
	va_end(ap);
}

void api_reply_json(struct api_reply *rp, unsigned status, json_t *j)
{
	rp->status = status;
	json_decref(rp->json);
	rp->json = j;
}

json_t *api_body_json(const struct api_request *rq, struct api_reply *rp)
{
	json_error_t jerr;
	json_t *j;

	if (!rq->len) {
		api_reply_error(rp, 400, "a JSON body is required");
		return NULL;
	}
	j = json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		api_reply_error(rp, 400,
				"malformed JSON at line %d column %d: %s",
				jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	return j;
}

const char *api_json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}
