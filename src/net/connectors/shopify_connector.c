/* SPDX-License-Identifier: MIT */
/*
 * The shopify connector as the registry sees it: its operations, gathered
 * from shopify.c (settings, answers), shopify_refund.c and shopify_pull.c,
 * with the token kept out of every text an answer puts into an error.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "retour/connector.h"

#include "shopify_internal.h"

/* Shopify's answers go into error texts: a shop (a proxy, a debugging
 * page) that echoes the request's headers must not put the token there. */
static enum connector_result
shopify_classify_clean(void *state, const struct connector_message *m,
		       const struct connector_answer *a, char *shop_ref,
		       size_t reflen, char *err, size_t errlen)
{
	const struct shopify_state *ss = state;
	enum connector_result r =
	    shopify_classify(state, m, a, shop_ref, reflen, err, errlen);

	if (reflen)
		connector_text_redact(shop_ref, ss->token);
	if (errlen)
		connector_text_redact(err, ss->token);
	return r;
}

static enum connector_found
shopify_reconcile_classify_clean(void *state, const struct connector_message *m,
				 const struct connector_answer *a,
				 char *shop_ref, size_t reflen, char *err,
				 size_t errlen)
{
	const struct shopify_state *ss = state;
	enum connector_found f = shopify_reconcile_classify(
	    state, m, a, shop_ref, reflen, err, errlen);

	if (reflen)
		connector_text_redact(shop_ref, ss->token);
	if (errlen)
		connector_text_redact(err, ss->token);
	return f;
}

static int shopify_pull_parse_clean(void *state, const char *cursor,
				    const struct connector_answer *a,
				    int64_t now_us, json_t *returns, char *next,
				    size_t nextlen, bool *more, char *err,
				    size_t errlen)
{
	const struct shopify_state *ss = state;
	int r = shopify_pull_parse(state, cursor, a, now_us, returns, next,
				   nextlen, more, err, errlen);

	if (errlen)
		connector_text_redact(err, ss->token);
	return r;
}

const struct connector connector_shopify = {
    .name = "shopify",
    .init = shopify_init,
    .free = shopify_free,
    .configure = shopify_configure,
    .check = shopify_check,
    .build = shopify_build,
    .classify = shopify_classify_clean,
    .reconcile_build = shopify_reconcile_build,
    .reconcile_classify = shopify_reconcile_classify_clean,
    .reconcile_first = false,
    .retry_wait = shopify_retry_wait,
    .pull_build = shopify_pull_build,
    .pull_parse = shopify_pull_parse_clean,
};
