/* SPDX-License-Identifier: MIT */
/*
 * The `shopify` connector's own header, private to its three files:
 * shopify.c (settings, the GraphQL request, reading Shopify's answers and
 * throttle), shopify_refund.c (the refund: refundCreate or returnProcess,
 * its answer, the lookup before a retry) and shopify_pull.c (expected
 * returns pulled, their cursor).
 */
#ifndef RETOUR_SHOPIFY_INTERNAL_H
#define RETOUR_SHOPIFY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "retour/connector.h"

#define SHOPIFY_DEFAULT_VERSION "2026-04"
/* @idempotent exists from 2026-01 and is required from 2026-04 */
#define SHOPIFY_MIN_VERSION "2026-01"
#define SHOPIFY_RETURN_GID "gid://shopify/Return/"
#define SHOPIFY_USER_AGENT "retour/0.1"
#define SHOPIFY_ANSWER_MAX (4u << 20)
#define SHOPIFY_TOKEN_MAX 512
#define SHOPIFY_PULL_PAGE 25
#define SHOPIFY_CURSOR_SEEN 16
#define SHOPIFY_ID_LEN 64
#define SHOPIFY_FIRST_POLL "2000-01-01T00:00:00Z"

struct shopify_state {
	char base[CONNECTOR_URL_LEN]; /* https://x.myshopify.com, no slash */
	char version[8];
	char location_id[SHOPIFY_ID_LEN];
	char gateway[64];
	bool notify;
	bool restock; /* RETURN, else NO_RESTOCK */
	bool has_token_file;
	char *token; /* NULL under retourd -n */
};

/* shopify.c */
/* The GraphQL request: POST, the token, {"query":..., "variables":...};
 * takes @variables' reference. */
int shopify_request(const struct shopify_state *ss, const char *query,
		    json_t *variables, struct connector_request *req, char *err,
		    size_t errlen);
/* @obj[@key] when a string, else "". */
const char *shopify_str(json_t *obj, const char *key);
/* "HTTP <status> <what>: <a sanitized start of the body>" */
void shopify_snippet(char *err, size_t errlen, const char *what, long status,
		     const struct connector_answer *a);
/* A 4xx answer's own message. */
void shopify_http_error(char *err, size_t errlen,
			const struct connector_answer *a);
/* Throttled: errors[].extensions.code THROTTLED or message "Throttled". */
bool shopify_throttled(json_t *root);
/* The throttle's wait in us from the body's cost, 0: none told. */
int64_t shopify_throttle_wait(json_t *root);
/* "field: message; ..." of a GraphQL errors[] or a userErrors[]. */
void shopify_messages(json_t *list, char *out, size_t outlen);
/* GraphQL errors that pass (Shopify's own trouble) rather than a wrong
 * request. */
bool shopify_errors_pass(json_t *errors);

/* shopify_refund.c */
int shopify_build(void *state, const struct connector_message *m,
		  int64_t now_us, struct connector_request *req, char *err,
		  size_t errlen);
enum connector_result shopify_classify(void *state,
				       const struct connector_message *m,
				       const struct connector_answer *a,
				       char *shop_ref, size_t reflen, char *err,
				       size_t errlen);
int shopify_reconcile_build(void *state, const struct connector_message *m,
			    int64_t now_us, struct connector_request *req,
			    char *err, size_t errlen);
enum connector_found
shopify_reconcile_classify(void *state, const struct connector_message *m,
			   const struct connector_answer *a, char *shop_ref,
			   size_t reflen, char *err, size_t errlen);

/* shopify_pull.c */
int shopify_pull_build(void *state, const char *cursor, int64_t now_us,
		       struct connector_request *req, char *err, size_t errlen);
int shopify_pull_parse(void *state, const char *cursor,
		       const struct connector_answer *a, int64_t now_us,
		       json_t *returns, char *next, size_t nextlen, bool *more,
		       char *err, size_t errlen);

/* shopify.c: the instance and its settings, the throttle's wait */
int shopify_init(void **state);
void shopify_free(void *state);
int shopify_configure(void *state, const struct connector_setting *s,
		      char *problem, size_t len);
int shopify_check(void *state, bool secrets, char *problem, size_t len);
int64_t shopify_retry_wait(void *state, const struct connector_answer *a,
			   int64_t now_us);

#endif
