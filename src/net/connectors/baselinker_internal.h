/* SPDX-License-Identifier: MIT */
/*
 * What the baselinker connector's files share (baselinker.c: settings,
 * helpers, the lookup's findings kept for the next build;
 * baselinker_refund.c: the refund, the status change, the answers and the
 * lookup; baselinker_pull.c: returns pulled in).  Private to them.
 */
#ifndef RETOUR_NET_CONNECTORS_BASELINKER_INTERNAL_H
#define RETOUR_NET_CONNECTORS_BASELINKER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "retour/connector.h"

#define BL_DEFAULT_URL "https://api.baselinker.com"
#define BL_USER_AGENT "retour/0.1"
#define BL_ANSWER_MAX (4u << 20)
#define BL_PAGE 100 /* getOrderReturns answers at most 100 returns */
#define BL_STEPS 32
#define BL_KEY_LEN 96
#define BL_REF_LEN 47 /* the station's reference fields */
#define BL_MAX_ITEMS 16

/* What a lookup found for a row, for the build that follows it. */
struct bl_step {
	char key[BL_KEY_LEN];
	bool status_next; /* refund recorded: set the status now */
	bool status_sent; /* the last build was the status change */
};

struct bl_state {
	char url[CONNECTOR_URL_LEN]; /* without a trailing '/' */
	bool has_token_file;
	char *token; /* the file's content, NULL under retourd -n */
	long long status_id_done; /* 0: leave the status alone */
	long long pull_status_id; /* 0: every status */
	int blocked_wait_s;
	int pull_days;
	pthread_mutex_t lock;
	struct bl_step steps[BL_STEPS];
	unsigned next_step;
};

/* What a refund row asks for, read from its body (and its facts). */
struct bl_refund {
	long long return_id;
	int64_t amount_minor;
	char currency[4];
};

enum bl_kind {
	BL_SUCCESS,
	BL_HTTP_RETRY, /* 408/425/429/5xx, odd statuses */
	BL_HTTP_FATAL, /* other 3xx/4xx */
	BL_UNREADABLE, /* 2xx that is not a BaseLinker answer */
	BL_BLOCKED,    /* ERROR_BLOCKED_TOKEN: the request limit */
	BL_ERROR,      /* any other ERROR: the shop refuses */
};

/* baselinker.c */
int bl_digits(const char *s, long long *out);
int bl_json_id(const json_t *v, long long *out);
int bl_exponent(const char *currency);
int bl_json_minor(const json_t *v, const char *currency, int64_t *out);
bool bl_key_ok(const char *key);
int bl_request(const struct bl_state *bs, const char *method,
	       const char *params, struct connector_request *req, char *err,
	       size_t errlen);
void bl_step_set(struct bl_state *bs, const char *key, bool status_next,
		 bool status_sent);
void bl_step_take(struct bl_state *bs, const char *key, bool *status_next,
		  bool *status_sent);

/* baselinker_refund.c */
const char *bl_body_text(json_t *body, const char *field);
int bl_build(void *state, const struct connector_message *m, int64_t now_us,
	     struct connector_request *req, char *err, size_t errlen);
enum bl_kind bl_answer(const struct connector_answer *a, json_t **root,
		       char *err, size_t errlen);
enum connector_result bl_classify(void *state,
				  const struct connector_message *m,
				  const struct connector_answer *a,
				  char *shop_ref, size_t reflen, char *err,
				  size_t errlen);
int64_t bl_retry_wait(void *state, const struct connector_answer *a,
		      int64_t now_us);
int bl_reconcile_build(void *state, const struct connector_message *m,
		       int64_t now_us, struct connector_request *req, char *err,
		       size_t errlen);
enum connector_found bl_reconcile_classify(void *state,
					   const struct connector_message *m,
					   const struct connector_answer *a,
					   char *shop_ref, size_t reflen,
					   char *err, size_t errlen);

/* baselinker_pull.c */
int bl_pull_build(void *state, const char *cursor, int64_t now_us,
		  struct connector_request *req, char *err, size_t errlen);
int bl_pull_parse(void *state, const char *cursor,
		  const struct connector_answer *a, int64_t now_us,
		  json_t *returns, char *next, size_t nextlen, bool *more,
		  char *err, size_t errlen);

#endif
