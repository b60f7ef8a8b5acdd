/* SPDX-License-Identifier: MIT */
/*
 * What the allegro connector's files share (allegro.c: settings, token,
 * helpers; allegro_refund.c: the refund, its answer and its lookup;
 * allegro_pull.c: customer returns pulled in).  Private to them.
 */
#ifndef RETOUR_NET_CONNECTORS_ALLEGRO_INTERNAL_H
#define RETOUR_NET_CONNECTORS_ALLEGRO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "retour/connector.h"

#define ALLEGRO_API_URL "https://api.allegro.pl"
#define ALLEGRO_AUTH_URL "https://allegro.pl"
#define ALLEGRO_MEDIA "application/vnd.allegro.public.v1+json"
#define ALLEGRO_BETA_MEDIA "application/vnd.allegro.beta.v1+json"
#define ALLEGRO_USER_AGENT "retour/0.1"
#define ALLEGRO_ID_MAX 128
#define ALLEGRO_TOKEN_MAX 8192
/* Fetch a new access token this long before the old one expires. */
#define ALLEGRO_TOKEN_MARGIN_US (300LL * 1000000)
/* Allegro asks a client answered 429 to wait at least a minute. */
#define ALLEGRO_THROTTLE_WAIT_US (60LL * 1000000)
#define ALLEGRO_PULL_LIMIT 100
#define ALLEGRO_LOOKUP_LIMIT 50
#define ALLEGRO_PULL_DAYS 30
#define ALLEGRO_COMMENT_MAX 100
#define ALLEGRO_ANSWER_MAX (4u << 20)
/* Returns queued for their order's details, at most one page of them. */
#define ALLEGRO_QUEUE_MAX ALLEGRO_PULL_LIMIT

enum allegro_pull_step {
	ALLEGRO_PULL_LIST = 0,
	ALLEGRO_PULL_DETAIL,
};

struct allegro_state {
	char api_url[CONNECTOR_URL_LEN];
	char auth_url[CONNECTOR_URL_LEN];
	char client_id[ALLEGRO_ID_MAX];
	bool has_refresh_file, has_secret_file;
	char *refresh_token; /* the file's, then the newest Allegro gave */
	char *client_secret;
	char *access_token; /* NULL: none yet, or refused */
	int64_t access_expires_us;
	bool rotated; /* a new refresh token the station has not kept yet */
	int pull_days;
	int64_t throttle_wait_us; /* the least wait after a 429 */
	/* pull: the returns of the last list, waiting for their order */
	json_t *queue;
	char queue_cursor[ALLEGRO_ID_MAX]; /* the cursor once they are done */
	bool queue_more;		   /* the list's page was full */
	enum allegro_pull_step pull_step;
};

bool allegro_token_ok(const char *t);
int allegro_nomem(struct connector_request *req, char *err, size_t errlen);
int allegro_headers(const struct allegro_state *as,
		    struct connector_request *req, const char *media,
		    bool body);
bool allegro_ready(const struct allegro_state *as, char *err, size_t errlen);
const char *allegro_str(const json_t *obj, const char *key);
void allegro_error_text(char *err, size_t errlen, long status,
			const struct connector_answer *a);
bool allegro_transient(long status);

/* allegro_refund.c */
int allegro_build(void *state, const struct connector_message *m,
		  int64_t now_us, struct connector_request *req, char *err,
		  size_t errlen);
enum connector_result allegro_classify(void *state,
				       const struct connector_message *m,
				       const struct connector_answer *a,
				       char *shop_ref, size_t reflen, char *err,
				       size_t errlen);
int64_t allegro_retry_wait(void *state, const struct connector_answer *a,
			   int64_t now_us);
int allegro_reconcile_build(void *state, const struct connector_message *m,
			    int64_t now_us, struct connector_request *req,
			    char *err, size_t errlen);
enum connector_found
allegro_reconcile_classify(void *state, const struct connector_message *m,
			   const struct connector_answer *a, char *shop_ref,
			   size_t reflen, char *err, size_t errlen);

/* allegro_pull.c */
int allegro_pull_build(void *state, const char *cursor, int64_t now_us,
		       struct connector_request *req, char *err, size_t errlen);
int allegro_pull_parse(void *state, const char *cursor,
		       const struct connector_answer *a, int64_t now_us,
		       json_t *returns, char *next, size_t nextlen, bool *more,
		       char *err, size_t errlen);

#endif
