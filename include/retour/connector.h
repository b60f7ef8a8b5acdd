/* SPDX-License-Identifier: MIT */
/*
 * Connectors: one small file per shop API, one shared interface.  A
 * connector turns a message (what one outbox row asks the shop for) into an
 * HTTP request and turns the shop's answer into done / retry / fatal,
 * keeping the shop's own reference for the refund when the answer carries
 * one.
 *
 * Each configured connector is an instance: its own settings, read from its
 * own section of the configuration and checked by the connector itself (so
 * `retourd -n` names the file and line of a bad one), and its own state
 * kept across requests (an OAuth access token and its expiry, a shop's call
 * budget).  A connector that needs a request of its own first (a token
 * refresh) says so from prepare(); one that can look the shop's record up
 * (list the order's refunds) is asked before a row is sent again, so that a
 * refund whose first answer was lost is never made twice.
 *
 * Connectors do no I/O and read no clock: the outbox sender performs every
 * request and passes "now" in, and the station reads the secrets' files.
 * That is what makes them testable on their own.  They never put a secret
 * into an error text, and never see the store.
 */
#ifndef RETOUR_CONNECTOR_H
#define RETOUR_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "retour/event.h"

#define CONNECTOR_MAX_HEADERS 16
#define CONNECTOR_URL_LEN 1024

/*
 * One setting of a connector's section, as the file has it.  A key ending
 * in "_file" names a 0600 file holding a secret (a webhook secret, an API
 * key, a client secret): @value is then the path, and @secret the file's
 * first line, read by the station when the sender starts, or NULL when the
 * configuration is only checked (retourd -n).  A connector never shows
 * @secret, not even in part.
 */
struct connector_setting {
	const char *key;
	const char *value;
	const char *secret;
};

/* What one outbox row asks the shop for: the connector's whole view of it. */
struct connector_message {
	const char *action; /* EVENT_*, e.g. "refund.requested" */
	const char *key;    /* idempotency key, the same on every attempt */
	int64_t receipt;    /* receipt id, 0 for none */
	int64_t created_at; /* UTC us the row was written */
	int attempts;	    /* earlier attempts (their outcome unknown) */
	const char *body;   /* the event body, rendered JSON text */
	size_t body_len;
	/* The facts the body was rendered from (the expected return with
	 * the shop's order, payment and line ids, the refund, the verdict),
	 * NULL for a row that came with its own body. */
	const struct event_facts *facts;
};

enum connector_method {
	CONNECTOR_POST = 0,
	CONNECTOR_GET,
	CONNECTOR_PUT,
	CONNECTOR_PATCH,
	CONNECTOR_DELETE,
};

/* headers[] ("Name: value") and body are malloc'd; release them with
 * connector_request_free().  A zeroed request is an empty POST. */
struct connector_request {
	enum connector_method method;
	char url[CONNECTOR_URL_LEN];
	char *headers[CONNECTOR_MAX_HEADERS];
	int n_headers;
	char *body;
	size_t body_len;
};

struct connector_header {
	const char *name; /* as the shop spelled it */
	const char *value;
};

/* The shop's answer, untrusted: @body (possibly truncated, not NUL-
 * terminated) and at most a bounded number of headers. */
struct connector_answer {
	long status;
	const char *body;
	size_t body_len;
	const struct connector_header *headers;
	int n_headers;
};

enum connector_result {
	CONNECTOR_DONE,	 /* the shop has it: mark done */
	CONNECTOR_RETRY, /* try again later (408, 425, 429, 5xx) */
	CONNECTOR_FATAL, /* will never succeed as is: mark dead */
};

/* What a lookup before a retry found at the shop. */
enum connector_found {
	CONNECTOR_FOUND,   /* already done there: mark done, never resend */
	CONNECTOR_ABSENT,  /* not there: send it now */
	CONNECTOR_UNKNOWN, /* cannot tell now: try again later */
};

struct connector {
	const char *name;
	/* Make an instance's state (NULL: the connector keeps none) and free
	 * it.  0 or -ENOMEM. */
	int (*init)(void **state);
	void (*free)(void *state);
	/* One setting, in file order.  0, or -EINVAL with @problem saying
	 * what is wrong with it (the caller adds file:line). */
	int (*configure)(void *state, const struct connector_setting *s,
			 char *problem, size_t len);
	/* All settings given: is the whole usable?  @secrets: the secrets'
	 * contents were given too (false under retourd -n).  0 or -EINVAL. */
	int (*check)(void *state, bool secrets, char *problem, size_t len);
	/*
	 * Optional.  Before a row's requests: 0 when ready, 1 when @req holds
	 * a preliminary request (a token request) that the sender performs
	 * and hands back to prepared(); -errno with @err (the row is retried).
	 */
	int (*prepare)(void *state, int64_t now_us,
		       struct connector_request *req, char *err, size_t errlen);
	/* Optional, with prepare: the preliminary request's answer.  0 (now
	 * ready), or -EAGAIN / -EINVAL with @err (retry / the row is dead). */
	int (*prepared)(void *state, int64_t now_us,
			const struct connector_answer *a, char *err,
			size_t errlen);
	/* 0, or -EINVAL when this message can never be sent (@err says
	 * why), -ENOMEM. */
	int (*build)(void *state, const struct connector_message *m,
		     int64_t now_us, struct connector_request *req, char *err,
		     size_t errlen);
	/* @shop_ref gets "" or the shop's reference; @err a short reason
	 * for anything but DONE. */
	enum connector_result (*classify)(void *state,
					  const struct connector_message *m,
					  const struct connector_answer *a,
					  char *shop_ref, size_t reflen,
					  char *err, size_t errlen);
	/*
	 * Optional: before a message that was attempted already is sent
	 * again, build a lookup (the order's refunds) and say from its answer
	 * whether the shop has it (@shop_ref its reference), has not, or
	 * cannot tell.  reconcile_build: 0, -EINVAL, -ENOMEM as build.
	 */
	int (*reconcile_build)(void *state, const struct connector_message *m,
			       int64_t now_us, struct connector_request *req,
			       char *err, size_t errlen);
	enum connector_found (*reconcile_classify)(
	    void *state, const struct connector_message *m,
	    const struct connector_answer *a, char *shop_ref, size_t reflen,
	    char *err, size_t errlen);
};

/* NULL when no connector has that name. */
const struct connector *connector_find(const char *name);
/* "webhook", ... for an error text listing the known names. */
void connector_names(char *out, size_t outlen);

/*
 * An instance of @c: its state, given @n settings and checked.  @secrets
 * as for check().  0, or -EINVAL with @problem "<key>: what is wrong" (or
 * the whole's problem) and *@bad the index of the bad setting (-1 for the
 * whole), -ENOMEM.  Release with connector_instance_free().
 */
struct connector_instance {
	const struct connector *ops;
	void *state;
};
int connector_instance_new(const struct connector *c,
			   const struct connector_setting *settings, int n,
			   bool secrets, struct connector_instance *out,
			   int *bad, char *problem, size_t len);
void connector_instance_free(struct connector_instance *ci);

const char *connector_method_name(enum connector_method m);
void connector_request_free(struct connector_request *req);
/* Append "Name: value" to @req; -E2BIG when full, -ENOMEM. */
int connector_request_add_header(struct connector_request *req,
				 const char *name, const char *value);
/* The value of the answer's first header @name (any case), or NULL. */
const char *connector_answer_header(const struct connector_answer *a,
				    const char *name);
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
