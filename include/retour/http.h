/* SPDX-License-Identifier: MIT */
/*
 * A small libcurl client for the outbox sender: perform one POST with the
 * connector's headers and body, and bring back the status, the start of the
 * body and the Retry-After header.
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
	bool truncated;	      /* the shop sent more than HTTP_BODY_MAX */
	char retry_after[64]; /* "" when absent */
	char error[256];      /* transport failure, "" on an answer */
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
int http_client_post(struct http_client *c, const struct connector_request *req,
		     struct http_response *resp);
void http_response_free(struct http_response *resp);

#endif
