/* SPDX-License-Identifier: MIT */
/*
 * A small libcurl client for the outbox sender: perform one request (any
 * method) with the connector's headers and body, and bring back the status,
 * the start of the body and the headers of the final answer, bounded in
 * count and size: all of it is the shop's, untrusted.
 *
 * TLS peer and host verification are always on (an extra CA bundle may be
 * added, never verification removed), only http and https are spoken and
 * redirects are not followed: a refund is never re-sent somewhere the
 * operator did not configure.  One client belongs to one thread.
 */
#ifndef RETOUR_HTTP_H
#define RETOUR_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "retour/connector.h"

#define HTTP_BODY_MAX (64 * 1024)
/* The answer's headers kept: at most this many, this many bytes in all
 * (names and values); the rest is dropped, never an error. */
#define HTTP_HEADERS_MAX 32
#define HTTP_HEADER_BYTES 4096

struct http_client;

struct http_options {
	int connect_timeout_ms; /* 0: 5 s */
	int timeout_ms;		/* whole request; 0: 15 s */
	const char *ca_file;	/* NULL: the system's bundle only */
};

struct http_response {
	long status; /* 0 when no answer came */
	char *body;  /* malloc'd, NUL-terminated, at most HTTP_BODY_MAX */
	size_t body_len;
	bool truncated; /* the shop sent more than HTTP_BODY_MAX */
	/* the final answer's headers, names and values trimmed, pointing
	 * into header_text */
	struct connector_header headers[HTTP_HEADERS_MAX];
	int n_headers;
	char header_text[HTTP_HEADER_BYTES];
	size_t header_used;
	char error[256]; /* transport failure, "" on an answer */
};

/* Call once per process before any thread uses curl. */
int http_global_init(void);

int http_client_new(const struct http_options *opt, struct http_client **out);
void http_client_free(struct http_client *c);

/*
 * 0 when the server answered (any status), -ETIMEDOUT, -ECONNREFUSED,
 * -EHOSTUNREACH or -EIO for a transport failure (resp->error says what),
 * -ENOMEM.  Always release @resp with http_response_free().
 */
int http_client_send(struct http_client *c, const struct connector_request *req,
		     struct http_response *resp);
void http_response_free(struct http_response *resp);
/* @resp as a connector sees it (pointing into @resp). */
void http_response_answer(const struct http_response *resp,
			  struct connector_answer *a);

/*
 * Send @req and hand the answer to @a (valid until @resp is released):
 * 0, or a transport failure with its text in @err.  Release @resp with
 * http_response_free() either way.
 */
int http_client_exchange(struct http_client *c,
			 const struct connector_request *req,
			 struct http_response *resp, struct connector_answer *a,
			 char *err, size_t errlen);

#endif
