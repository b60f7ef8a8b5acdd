/* SPDX-License-Identifier: MIT */
/*
 * The `woocommerce` connector's own header, private to its three files:
 * woocommerce.c (settings, auth, reading WooCommerce's answers),
 * woocommerce_refund.c (the refund, its answer, the lookup before it) and
 * woocommerce_pull.c (orders in a status pulled as expected returns).
 */
#ifndef RETOUR_WOOCOMMERCE_INTERNAL_H
#define RETOUR_WOOCOMMERCE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "retour/connector.h"

#define WOO_USER_AGENT "retour/0.1"
#define WOO_API "/wp-json/wc/v3"
#define WOO_META_KEY "_retour_refund_key"
#define WOO_SHIPPING_PREFIX "shipping:"
#define WOO_SECRET_MAX 256
#define WOO_ID_MAX 20 /* digits of an order, line or refund id */
#define WOO_UNREAD_KEYS 32
#define WOO_LOOKUP_PER_PAGE 100
#define WOO_PULL_BACK_S (30 * 86400) /* the first poll's reach */
#define WOO_REASON_MAX 200
/* A "please try again" 500 of the refunds endpoint, not a refusal. */
#define WOO_TRY_AGAIN "Cannot create order refund, please try again."

struct woo_state {
	char url[CONNECTOR_URL_LEN]; /* base, without a trailing '/' */
	bool has_key_file, has_secret_file;
	char *key, *secret; /* NULL under retourd -n */
	bool api_refund, api_restock;
	char pull_status[128];
	int per_page;
	/* Refund keys whose POST got a 2xx we could not read: the refund
	 * is made; a lookup that cannot find it must not send it again. */
	char unread[WOO_UNREAD_KEYS][CONNECTOR_REFUND_KEY_LEN];
	int unread_next;
};

/* woocommerce.c */
/* Basic auth, Accept, User-Agent (and Content-Type for a body); 0 or
 * -ENOMEM.  Wipes its copies of the secret. */
int woo_auth_headers(const struct woo_state *ws, struct connector_request *req,
		     bool json_body);
/* A WooCommerce id: 1 to 18 digits, not starting with 0. */
bool woo_id_ok(const char *s);
/* The url and both secrets are there: 0, else -EINVAL with @err. */
int woo_ready(const struct woo_state *ws, char *err, size_t errlen);
/* WooCommerce's error object as a short text into @err; *@code_out
 * "refused" when wc_create_refund() said no for good. */
void woo_error_text(const struct connector_answer *a, char *err, size_t errlen,
		    const char **code_out);
/* A JSON integer id or digits in a string, into @out. */
bool woo_ref(json_t *v, char *out, size_t outlen);
void woo_remember_unread(struct woo_state *ws, const char *key);
bool woo_was_unread(const struct woo_state *ws, const char *key);
bool woo_retryable(long status);

/* woocommerce_refund.c */
int woo_build(void *state, const struct connector_message *m, int64_t now_us,
	      struct connector_request *req, char *err, size_t errlen);
enum connector_result woo_classify(void *state,
				   const struct connector_message *m,
				   const struct connector_answer *a,
				   char *shop_ref, size_t reflen, char *err,
				   size_t errlen);
int woo_reconcile_build(void *state, const struct connector_message *m,
			int64_t now_us, struct connector_request *req,
			char *err, size_t errlen);
enum connector_found woo_reconcile_classify(void *state,
					    const struct connector_message *m,
					    const struct connector_answer *a,
					    char *shop_ref, size_t reflen,
					    char *err, size_t errlen);

/* woocommerce_pull.c */
int woo_pull_build(void *state, const char *cursor, int64_t now_us,
		   struct connector_request *req, char *err, size_t errlen);
int woo_pull_parse(void *state, const char *cursor,
		   const struct connector_answer *a, int64_t now_us,
		   json_t *returns, char *next, size_t nextlen, bool *more,
		   char *err, size_t errlen);

/* woocommerce.c: the instance and its settings */
int woo_init(void **state);
void woo_free(void *state);
int woo_configure(void *state, const struct connector_setting *s, char *problem,
		  size_t len);
int woo_check(void *state, bool secrets, char *problem, size_t len);

#endif
