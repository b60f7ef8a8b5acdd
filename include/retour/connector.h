/* SPDX-License-Identifier: MIT */
/*
 * Connectors: one small file per shop API, one shared interface.  A
 * connector turns an outbox row into an HTTP request and turns the shop's
 * answer into done / retry / fatal, keeping the shop's own reference for the
 * refund when the answer carries one.
 *
 * Connectors do no I/O and read no clock: the outbox sender performs the
 * request and passes "now" in, which is what makes them testable on their
 * own.  They never put a secret into an error text.
 */
#ifndef RETOUR_CONNECTOR_H
#define RETOUR_CONNECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "retour/store.h"

#define CONNECTOR_MAX_HEADERS 16

struct connector_settings {
	const char *url;
	const char *secret;
};

/* Always POST.  headers[] ("Name: value") and body are malloc'd; release
 * them with connector_request_free(). */
struct connector_request {
	char url[1024];
	char *headers[CONNECTOR_MAX_HEADERS];
	int n_headers;
	char *body;
	size_t body_len;
};

enum connector_result {
	CONNECTOR_DONE,	 /* the shop has it: mark done */
	CONNECTOR_RETRY, /* try again later (408, 425, 429, 5xx) */
	CONNECTOR_FATAL, /* will never succeed as is: mark dead */
};

struct connector {
	const char *name;
	/* Is the configuration usable at all?  Called once at start so a bad
	 * URL or secret is reported to the operator instead of killing every
	 * row.  0 or -EINVAL with @err. */
	int (*check)(const struct connector_settings *cs, char *err,
		     size_t errlen);
	/* 0, or -EINVAL when this row can never be sent (@err says why). */
	int (*build)(const struct connector_settings *cs,
		     const struct outbox_row *row, int64_t now_us,
		     struct connector_request *req, char *err, size_t errlen);
	/* @body is the (possibly truncated) answer, not NUL-terminated.
	 * @shop_ref gets "" or the shop's reference; @err a short reason for
	 * anything but DONE. */
	enum connector_result (*classify)(long status, const char *body,
					  size_t len, char *shop_ref,
					  size_t reflen, char *err,
					  size_t errlen);
};

/* NULL when no connector has that name. */
const struct connector *connector_find(const char *name);
void connector_request_free(struct connector_request *req);

/* Append "Name: value" to @req; -E2BIG when full, -ENOMEM. */
int connector_request_add_header(struct connector_request *req,
				 const char *name, const char *value);
/* Copy up to @outlen - 1 bytes of @text into @out, replacing anything that
 * is not printable ASCII, so a shop's answer can go into an error text. */
void connector_text_sanitize(char *out, size_t outlen, const char *text,
			     size_t len);

extern const struct connector connector_webhook;

/*
 * Standard Webhooks signature ("v1,<base64 HMAC-SHA256>") of
 * id + "." + timestamp + "." + body.  @secret is "whsec_<base64>" or raw
 * text.  0, -EINVAL for a bad secret, -ENOSPC when @out is too small (64
 * bytes are enough).
 */
int webhook_sign(const char *secret, const char *msg_id, int64_t timestamp,
		 const char *body, size_t body_len, char *out, size_t outlen);

#endif
