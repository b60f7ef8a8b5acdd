/* SPDX-License-Identifier: MIT */
/*
 * The woocommerce connector as the registry sees it: its operations,
 * gathered from woocommerce.c (settings, auth, answers),
 * woocommerce_refund.c and woocommerce_pull.c, with the consumer key and
 * secret kept out of every text an answer puts into an error.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <nettle/base64.h>

#include "retour/connector.h"

#include "woocommerce_internal.h"

/* WooCommerce's answers go into error texts: a shop (a proxy, a debugging
 * page) that echoes the request's headers or query must not put the
 * consumer key, the secret or their basic auth there. */
static void woo_redact(const struct woo_state *ws, char *err, size_t errlen)
{
	char plain[2 * WOO_SECRET_MAX + 2];
	char b64[BASE64_ENCODE_RAW_LENGTH(sizeof(plain)) + 8];
	size_t n;

	if (!errlen || !ws->key || !ws->secret)
		return;
	n = (size_t)snprintf(plain, sizeof(plain), "%s:%s", ws->key,
			     ws->secret);
	base64_encode_raw(b64, n, (const uint8_t *)plain);
	b64[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
	connector_text_redact(err, b64);
	connector_text_redact(err, ws->secret);
	connector_text_redact(err, ws->key);
	explicit_bzero(plain, sizeof(plain));
	explicit_bzero(b64, sizeof(b64));
}

static enum connector_result
woo_classify_clean(void *state, const struct connector_message *m,
		   const struct connector_answer *a, char *shop_ref,
		   size_t reflen, char *err, size_t errlen)
{
	enum connector_result r =
	    woo_classify(state, m, a, shop_ref, reflen, err, errlen);

	woo_redact(state, shop_ref, reflen);
	woo_redact(state, err, errlen);
	return r;
}

static enum connector_found
woo_reconcile_classify_clean(void *state, const struct connector_message *m,
			     const struct connector_answer *a, char *shop_ref,
			     size_t reflen, char *err, size_t errlen)
{
	enum connector_found f =
	    woo_reconcile_classify(state, m, a, shop_ref, reflen, err, errlen);

	woo_redact(state, shop_ref, reflen);
	woo_redact(state, err, errlen);
	return f;
}

static int woo_pull_parse_clean(void *state, const char *cursor,
				const struct connector_answer *a,
				int64_t now_us, json_t *returns, char *next,
				size_t nextlen, bool *more, char *err,
				size_t errlen)
{
	int r = woo_pull_parse(state, cursor, a, now_us, returns, next, nextlen,
			       more, err, errlen);

	woo_redact(state, err, errlen);
	return r;
}

const struct connector connector_woocommerce = {
    .name = "woocommerce",
    .init = woo_init,
    .free = woo_free,
    .configure = woo_configure,
    .check = woo_check,
    .build = woo_build,
    .classify = woo_classify_clean,
    .reconcile_build = woo_reconcile_build,
    .reconcile_classify = woo_reconcile_classify_clean,
    .reconcile_first = true,
    .pull_build = woo_pull_build,
    .pull_parse = woo_pull_parse_clean,
};
