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

#include <jansson.h>

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
	const char *key;    /* the row's key, the same on every attempt */
	/*
	 * The refund's key in the shop's terms (connector_refund_key()):
	 * the same for the same refund decided twice, at two desks or after
	 * an undo, different for two refunds of one order.  What a shop's
	 * idempotency key carries and what a lookup before sending matches.
	 * "" for a row that is no refund.
	 */
	const char *refund_key;
	int64_t receipt;    /* receipt id, 0 for none */
	int64_t created_at; /* UTC us the row was written */
	int attempts;	    /* earlier attempts (their outcome unknown) */
	const char *body;   /* the event body, rendered JSON text */
	size_t body_len;
	/* The facts the body was rendered from (the expected return with
	 * the shop's order, payment and line ids, the refund, the verdict),
	 * NULL for a row that came with its own body. */
	const struct event_facts *facts;
	/* The bytes a row uploads (a photo's JPEG, read and checked against
	 * its hash by the sender, photo_upload.h), NULL for every other. */
	const unsigned char *file;
	size_t file_len;
};

enum connector_method {
	CONNECTOR_POST = 0,
	CONNECTOR_GET,
	CONNECTOR_PUT,
	CONNECTOR_PATCH,
	CONNECTOR_DELETE,
	CONNECTOR_HEAD, /* a lookup: the answer's status and headers only */
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
	/*
	 * Signed by libcurl with AWS Signature Version 4 (an S3 bucket):
	 * @aws_sigv4 the provider string ("aws:amz:REGION:s3"), "" for none;
	 * @auth_user and @auth_password the access key id and the secret,
	 * borrowed from the connector's state (never copied, never shown).
	 */
	char aws_sigv4[64];
	const char *auth_user;
	const char *auth_password;
	/* Sending it twice does what sending it once does (a PUT of the
	 * same bytes under the same key): it may go on a reused connection,
	 * which libcurl may silently send again on. */
	bool idempotent;
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
	/*
	 * A shop without an idempotency key of its own (it cannot refuse a
	 * second request with the same key): look a refund up before its
	 * first attempt too, so that the same refund decided at two desks is
	 * made once.  Only refund rows, only with reconcile_*.
	 */
	bool reconcile_first;
	/*
	 * Optional: after a RETRY or UNKNOWN answer, the least wait in
	 * microseconds that the answer asks for beyond Retry-After (a
	 * throttle told in the body, a minute after a 429); 0: the sender's
	 * backoff and Retry-After decide alone.
	 */
	int64_t (*retry_wait)(void *state, const struct connector_answer *a,
			      int64_t now_us);
	/*
	 * Optional: expected returns pulled from the shop, on a schedule, by
	 * the station's puller (pull.h).  pull_build makes the next
	 * request after @cursor ("" on the very first poll: the connector
	 * chooses how far back to look); 0, or -EINVAL / -ENOMEM with @err.
	 * pull_parse reads its answer: each return is appended to @returns
	 * as a JSON object in the import shape of docs/API.md ("An expected
	 * return"; the puller sets "shop"), with the shop's order, line and
	 * payment ids; @next gets the cursor to keep after this answer (at
	 * most @nextlen - 1 bytes; the same as @cursor when nothing moved);
	 * *@more is true when another request should follow at once (a next
	 * page, or a detail request the connector queued in its state).  0;
	 * -EAGAIN with @err (try later: 429, 5xx, a transport failure);
	 * -EINVAL with @err (the answer cannot be read).  A return in the
	 * answer that cannot be mapped is left out, never half-made.
	 */
	int (*pull_build)(void *state, const char *cursor, int64_t now_us,
			  struct connector_request *req, char *err,
			  size_t errlen);
	int (*pull_parse)(void *state, const char *cursor,
			  const struct connector_answer *a, int64_t now_us,
			  json_t *returns, char *next, size_t nextlen,
			  bool *more, char *err, size_t errlen);
	/*
	 * Optional, for a shop that rotates a secret (a new refresh token
	 * with each access token, secret_book.h): secret_rotated gives, once,
	 * the setting (*@key, "refresh_token_file") and the new value
	 * (*@value, valid until the next call into the instance) the shop
	 * gave since it was last asked: 1, or 0 when there is none.
	 * secret_update hands the instance a newer value another instance of
	 * the same section was given: 0, or -EINVAL for a key it has not.
	 */
	int (*secret_rotated)(void *state, const char **key,
			      const char **value);
	int (*secret_update)(void *state, const char *key, const char *value);
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
/* Blot out with '*' every copy of @secret in @text, and a start of it
 * (4 bytes or more) that the text's end cut short: an answer that echoes
 * the request's headers must not carry a secret into an error text. */
void connector_text_redact(char *text, const char *secret);
/* A connector's copy of a secret: wipe and free *@s, leaving NULL. */
void connector_secret_free(char **s);
/* Replace *@dst (wiped) with a copy of @secret: 0, or -ENOMEM. */
int connector_secret_set(char **dst, const char *secret);
void connector_text_sanitize(char *out, size_t outlen, const char *text,
			     size_t len);
/*
 * A shop's base URL setting: http:// or https://, visible ASCII, no query
 * or fragment (the connector appends paths and queries), with @room bytes
 * left for them.  Copied into @dst (CONNECTOR_URL_LEN) without trailing
 * '/'; false, @dst untouched, when it is not one.
 */
bool connector_base_url(char *dst, const char *url, size_t room);
/* Append @in percent-encoded (RFC 3986: unreserved kept, as a URL query or
 * a form value takes it) to the string in @out; false when it does not
 * fit in @outlen (what was there stays NUL-terminated). */
bool connector_percent_append(char *out, size_t outlen, const char *in);

/*
 * @minor of @currency as the decimal text shop APIs take, without floating
 * point: 11297 PLN -> "112.97", -5 EUR -> "-0.05", 500 JPY -> "500", 1234
 * KWD -> "1.234".  0, -EINVAL for a bad currency, -ENOSPC.  32 bytes are
 * always enough.
 */
int connector_amount_text(int64_t minor, const char *currency, char *out,
			  size_t outlen);
/* The reverse, for a shop's answer: "112.97" PLN -> 11297.  Digits with at
 * most the currency's decimals and an optional leading '-'; -EINVAL for
 * anything else (spaces, exponents, too many digits). */
int connector_amount_parse(const char *text, const char *currency,
			   int64_t *minor);

/*
 * The refund's key in the shop's terms (connector_message.refund_key): the
 * SHA-256 of the shop, the return (its RMA; without one, the order and the
 * parcel: the expected return's first lookup code, else the code scanned)
 * and the action, never the desk, the receipt or the time, as
 * "rr-<32 hex>" (35 bytes and the NUL; fits every shop's field, BaseLinker's
 * 50-character comment included).  0, -EINVAL when @f has no shop.
 */
#define CONNECTOR_REFUND_KEY_LEN 36
int connector_refund_key(const struct event_facts *f, const char *action,
			 char out[CONNECTOR_REFUND_KEY_LEN]);

/*
 * An answer's body as JSON, for parsers of untrusted text: NULL for
 * anything that is not one whole JSON value of at most @max_len bytes (0:
 * 4 MiB), with @err saying so ("not JSON", "truncated").  json_decref() it.
 */
json_t *connector_answer_json(const struct connector_answer *a, size_t max_len,
			      char *err, size_t errlen);

extern const struct connector connector_webhook;
extern const struct connector connector_shopify;
extern const struct connector connector_baselinker;
extern const struct connector connector_allegro;
extern const struct connector connector_woocommerce;
/* photos to an S3 bucket ([photo upload], photo_upload.h): not in the
 * registry, no shop's connector */
extern const struct connector connector_s3;

/*
 * Standard Webhooks signature ("v1,<base64 HMAC-SHA256>") of
 * id + "." + timestamp + "." + body.  @secret is "whsec_<base64>" or raw
 * text.  0, -EINVAL for a bad secret, -ENOSPC when @out is too small (64
 * bytes are enough).
 */
int webhook_sign(const char *secret, const char *msg_id, int64_t timestamp,
		 const char *body, size_t body_len, char *out, size_t outlen);

#endif
