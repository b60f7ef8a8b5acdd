/* SPDX-License-Identifier: MIT */
/*
 * The `shopify` connector: a refund decided at the desk becomes one call
 * of Shopify's GraphQL Admin API,
 *
 *   POST {url}/admin/api/{api_version}/graphql.json
 *   X-Shopify-Access-Token: <access_token_file>
 *
 * refundCreate(input: RefundInput!) @idempotent(key: <refund key>) for an
 * order (line items, the delivery in `shipping` once, one REFUND
 * transaction against the order's payment), or, when the expected return
 * is a Shopify return (its RMA is "gid://shopify/Return/..."),
 * returnProcess with financialTransfer.issueRefund.
 *
 * The refund key goes into the @idempotent directive (Shopify makes the
 * same refund once per key) and into the refund's note, which is what the
 * lookup before a retry matches in the order's refunds.  Business errors
 * (userErrors in a 200 answer) are fatal with Shopify's message; a
 * throttle told in the body (errors[].extensions.code THROTTLED) is waited
 * out for (requestedQueryCost - currentlyAvailable) / restoreRate seconds.
 *
 * Pull: orders with a requested or open return updated since the cursor,
 * each Shopify return mapped into an expected return whose RMA is the
 * return's id (stable: a return pulled again replaces itself).
 *
 * Only refunds: events go to a webhook ([outbox] events).  No I/O, no
 * clock, no secret in any text.
 *
 * This file: the settings, the GraphQL request and reading Shopify's
 * answers (errors, throttle); the refund and its lookup are in
 * shopify_refund.c, the pull in shopify_pull.c (shopify_internal.h), the
 * operations the registry sees in shopify_connector.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "retour/connector.h"

#include "shopify_internal.h"

/* -- settings ------------------------------------------------------------ */

static bool shopify_printable(const char *s, size_t max)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f || s[i] == '"' || s[i] == '\\')
			return false;
	return i > 0 && i < max;
}

static bool shopify_url_ok(const char *url)
{
	if (!url || (strncasecmp(url, "https://", 8) != 0 &&
		     strncasecmp(url, "http://", 7) != 0))
		return false;
	/* room for /admin/api/YYYY-MM/graphql.json */
	return shopify_printable(url, CONNECTOR_URL_LEN - 40) &&
	       strchr(url, '?') == NULL && strchr(url, '#') == NULL;
}

/* "shop", "shop.myshopify.com" or "https://shop.myshopify.com" */
static int shopify_domain_url(const char *v, char *out, size_t outlen)
{
	const char *p = v;
	size_t i, n;

	if (!p)
		return -EINVAL;
	if (strncasecmp(p, "https://", 8) == 0)
		p += 8;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n > 14 && strncasecmp(p + n - 14, ".myshopify.com", 14) == 0)
		n -= 14;
	if (n == 0 || n > 60)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return -EINVAL;
	}
	snprintf(out, outlen, "https://%.*s.myshopify.com", (int)n, p);
	return 0;
}

static bool shopify_version_ok(const char *v)
{
	int i;

	if (!v || strlen(v) != 7 || v[4] != '-')
		return false;
	for (i = 0; i < 7; i++)
		if (i != 4 && (v[i] < '0' || v[i] > '9'))
			return false;
	if (v[5] > '1' || (v[5] == '1' && v[6] > '2') ||
	    (v[5] == '0' && v[6] == '0'))
		return false;
	/* YYYY-MM compares as text */
	return strcmp(v, SHOPIFY_MIN_VERSION) >= 0;
}

static bool shopify_bool(const char *v, bool *out)
{
	if (!v)
		return false;
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcmp(v, "1") || !strcasecmp(v, "on")) {
		*out = true;
		return true;
	}
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
	    !strcmp(v, "0") || !strcasecmp(v, "off")) {
		*out = false;
		return true;
	}
	return false;
}

int shopify_init(void **state)
{
	struct shopify_state *ss = calloc(1, sizeof(*ss));

	if (!ss)
		return -ENOMEM;
	snprintf(ss->version, sizeof(ss->version), "%s",
		 SHOPIFY_DEFAULT_VERSION);
	snprintf(ss->gateway, sizeof(ss->gateway), "shopify_payments");
	*state = ss;
	return 0;
}

void shopify_free(void *state)
{
	struct shopify_state *ss = state;

	if (!ss)
		return;
	connector_secret_free(&ss->token);
	free(ss);
}

int shopify_configure(void *state, const struct connector_setting *s,
		      char *problem, size_t len)
{
	struct shopify_state *ss = state;
	const char *v = s->value;

	if (!strcmp(s->key, "shop_domain")) {
		if (shopify_domain_url(v, ss->base, sizeof(ss->base)) < 0) {
			snprintf(problem, len,
				 "shop_domain must be the shop's name as in "
				 "NAME.myshopify.com (letters, digits, '-')");
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(s->key, "url")) {
		size_t n;

		if (!shopify_url_ok(v)) {
			snprintf(problem, len,
				 "url must be an http:// or https:// URL "
				 "without spaces, quotes, '?' or '#', under "
				 "%d bytes",
				 CONNECTOR_URL_LEN - 40);
			return -EINVAL;
		}
		n = strlen(v);
		while (n > 0 && v[n - 1] == '/')
			n--;
		snprintf(ss->base, sizeof(ss->base), "%.*s", (int)n, v);
		return 0;
	}
	if (!strcmp(s->key, "api_version")) {
		if (!shopify_version_ok(v)) {
			snprintf(problem, len,
				 "api_version must be YYYY-MM, %s or later "
				 "(the @idempotent directive)",
				 SHOPIFY_MIN_VERSION);
			return -EINVAL;
		}
		snprintf(ss->version, sizeof(ss->version), "%s", v);
		return 0;
	}
	if (!strcmp(s->key, "location_id")) {
		if (!shopify_printable(v, sizeof(ss->location_id))) {
			snprintf(problem, len,
				 "location_id must be a Shopify id "
				 "(gid://shopify/Location/...)");
			return -EINVAL;
		}
		snprintf(ss->location_id, sizeof(ss->location_id), "%s", v);
		return 0;
	}
	if (!strcmp(s->key, "gateway")) {
		if (!shopify_printable(v, sizeof(ss->gateway))) {
			snprintf(problem, len,
				 "gateway must be the payment gateway's name "
				 "(shopify_payments, ...)");
			return -EINVAL;
		}
		snprintf(ss->gateway, sizeof(ss->gateway), "%s", v);
		return 0;
	}
	if (!strcmp(s->key, "notify")) {
		if (!shopify_bool(v, &ss->notify)) {
			snprintf(problem, len, "notify must be yes or no");
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(s->key, "restock")) {
		if (v && !strcmp(v, "RETURN"))
			ss->restock = true;
		else if (v && !strcmp(v, "NO_RESTOCK"))
			ss->restock = false;
		else {
			snprintf(problem, len,
				 "restock must be RETURN or NO_RESTOCK");
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(s->key, "access_token_file") != 0) {
		snprintf(problem, len,
			 "unknown key '%s' for the shopify connector (known: "
			 "shop_domain, url, api_version, access_token_file, "
			 "location_id, gateway, notify, restock)",
			 s->key);
		return -EINVAL;
	}
	if (!v || !v[0]) {
		snprintf(problem, len, "access_token_file must name a file");
		return -EINVAL;
	}
	ss->has_token_file = true;
	if (!s->secret)
		return 0;
	/* Never quote it: only say what is wrong with it. */
	if (!shopify_printable(s->secret, SHOPIFY_TOKEN_MAX)) {
		snprintf(problem, len,
			 "the access token in access_token_file is empty, "
			 "too long or has spaces or control characters");
		return -EINVAL;
	}
	if (connector_secret_set(&ss->token, s->secret) < 0) {
		snprintf(problem, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int shopify_check(void *state, bool secrets, char *problem, size_t len)
{
	struct shopify_state *ss = state;

	if (!ss->base[0]) {
		snprintf(problem, len,
			 "the shopify connector needs shop_domain (or url)");
		return -EINVAL;
	}
	if (!ss->has_token_file || (secrets && !ss->token)) {
		snprintf(problem, len,
			 "shopify access token is missing: set "
			 "access_token_file");
		return -EINVAL;
	}
	if (ss->restock && !ss->location_id[0]) {
		snprintf(problem, len,
			 "restock = RETURN needs location_id (where the "
			 "units go back)");
		return -EINVAL;
	}
	return 0;
}

/* -- requests ------------------------------------------------------------ */

/* The GraphQL request: POST, the token, {"query":..., "variables":...}. */
int shopify_request(const struct shopify_state *ss, const char *query,
		    json_t *variables, struct connector_request *req, char *err,
		    size_t errlen)
{
	json_t *root;

	memset(req, 0, sizeof(*req));
	if (!ss->token || !ss->base[0]) {
		json_decref(variables);
		snprintf(err, errlen, "shopify url or access token not usable");
		return -EINVAL;
	}
	root = json_pack("{s:s, s:o}", "query", query, "variables", variables);
	if (!root)
		goto nomem;
	req->body = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	if (!req->body)
		goto nomem;
	req->body_len = strlen(req->body);
	req->method = CONNECTOR_POST;
	if (snprintf(req->url, sizeof(req->url),
		     "%.980s/admin/api/%.7s/graphql.json", ss->base,
		     ss->version) >= (int)sizeof(req->url))
		goto nomem; /* cannot happen: url is checked shorter */
	if (connector_request_add_header(req, "Content-Type",
					 "application/json") < 0 ||
	    connector_request_add_header(req, "Accept", "application/json") <
		0 ||
	    connector_request_add_header(req, "User-Agent",
					 SHOPIFY_USER_AGENT) < 0 ||
	    connector_request_add_header(req, "X-Shopify-Access-Token",
					 ss->token) < 0)
		goto nomem;
	return 0;
nomem:
	connector_request_free(req);
	snprintf(err, errlen, "out of memory building the request");
	return -ENOMEM;
}

const char *shopify_str(json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : "";
}

/* -- answers ------------------------------------------------------------- */

void shopify_snippet(char *err, size_t errlen, const char *what, long status,
		     const struct connector_answer *a)
{
	char snippet[161];

	connector_text_sanitize(
	    snippet, sizeof(snippet), a->body ? a->body : "",
	    a->body ? (a->body_len > 4096 ? 4096 : a->body_len) : 0);
	if (snippet[0])
		snprintf(err, errlen, "HTTP %ld %s: %s", status, what, snippet);
	else
		snprintf(err, errlen, "HTTP %ld %s", status, what);
}

/* A 4xx answer's own message: {"errors":"..."} or {"errors":{...}}. */
void shopify_http_error(char *err, size_t errlen,
			const struct connector_answer *a)
{
	char jerr[64], text[200];
	json_t *root =
	    connector_answer_json(a, SHOPIFY_ANSWER_MAX, jerr, sizeof(jerr));
	json_t *e =
	    json_is_object(root) ? json_object_get(root, "errors") : NULL;

	if (json_is_string(e)) {
		connector_text_sanitize(text, sizeof(text),
					json_string_value(e),
					json_string_length(e));
		snprintf(err, errlen, "Shopify refused (HTTP %ld): %s",
			 a->status, text);
	} else {
		shopify_snippet(err, errlen, "refused by Shopify", a->status,
				a);
	}
	json_decref(root);
}

/* Throttled: errors[].extensions.code THROTTLED or message "Throttled". */
bool shopify_throttled(json_t *root)
{
	json_t *errors = json_object_get(root, "errors"), *e;
	size_t i;

	if (!json_is_array(errors))
		return false;
	json_array_foreach(errors, i, e)
	{
		json_t *ext = json_object_get(e, "extensions");

		if (!strcmp(shopify_str(ext, "code"), "THROTTLED") ||
		    !strcasecmp(shopify_str(e, "message"), "Throttled"))
			return true;
	}
	return false;
}

static double shopify_number(json_t *obj, const char *key, bool *ok)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	double d;

	if (!json_is_number(v)) {
		*ok = false;
		return 0;
	}
	d = json_number_value(v);
	if (!isfinite(d) || d < 0 || d > 1e9) {
		*ok = false;
		return 0;
	}
	return d;
}

/* The throttle's wait in us from the body's cost, 0: none told. */
int64_t shopify_throttle_wait(json_t *root)
{
	json_t *cost =
	    json_object_get(json_object_get(root, "extensions"), "cost");
	json_t *ts = json_object_get(cost, "throttleStatus");
	bool ok = true;
	double requested = shopify_number(cost, "requestedQueryCost", &ok);
	double available = shopify_number(ts, "currentlyAvailable", &ok);
	double rate = shopify_number(ts, "restoreRate", &ok);
	double secs;

	if (!ok || rate <= 0)
		return 0;
	secs = requested > available ? (requested - available) / rate : 0;
	if (secs > 3600)
		secs = 3600;
	/* whole milliseconds, rounded up */
	return (int64_t)ceil(secs * 1000.0) * 1000;
}

/* "message; message" of a GraphQL errors[] or a userErrors[]. */
void shopify_messages(json_t *list, char *out, size_t outlen)
{
	char text[200];
	size_t i, n = 0;
	json_t *e;

	out[0] = '\0';
	json_array_foreach(list, i, e)
	{
		json_t *field = json_object_get(e, "field");
		const char *msg = shopify_str(e, "message");
		char where[80] = "";
		int w;

		if (json_is_array(field) && json_array_size(field) > 0) {
			size_t j, k = 0;
			json_t *f;

			json_array_foreach(field, j, f)
			{
				const char *t = json_string_value(f);
				int fw;

				if (!t)
					continue;
				fw = snprintf(where + k, sizeof(where) - k,
					      "%s%s", k ? "." : "", t);
				if (fw < 0 || (size_t)fw >= sizeof(where) - k)
					break;
				k += (size_t)fw;
			}
		}
		connector_text_sanitize(text, sizeof(text), msg, strlen(msg));
		if (!text[0])
			snprintf(text, sizeof(text), "(no message)");
		{
			char clean[80];

			connector_text_sanitize(clean, sizeof(clean), where,
						strlen(where));
			w = snprintf(out + n, outlen - n, "%s%s%s%s",
				     n ? "; " : "", clean, clean[0] ? ": " : "",
				     text);
		}
		if (w < 0 || (size_t)w >= outlen - n)
			return;
		n += (size_t)w;
		if (i >= 4)
			break;
	}
}

/* GraphQL errors that pass (Shopify's own trouble, a concurrent request
 * with the same key) rather than a request that is wrong. */
bool shopify_errors_pass(json_t *errors)
{
	json_t *e;
	size_t i;

	json_array_foreach(errors, i, e)
	{
		const char *code =
		    shopify_str(json_object_get(e, "extensions"), "code");

		if (!strcmp(code, "INTERNAL_SERVER_ERROR") ||
		    !strcmp(code, "SERVICE_UNAVAILABLE") ||
		    !strcmp(code, "TIMEOUT") ||
		    strstr(code, "CONCURRENT") != NULL)
			return true;
	}
	return false;
}

int64_t shopify_retry_wait(void *state, const struct connector_answer *a,
			   int64_t now_us)
{
	char jerr[64];
	json_t *root;
	int64_t w = 0;

	(void)state;
	(void)now_us;
	if (a->status != 200 && a->status != 429)
		return 0;
	root = connector_answer_json(a, SHOPIFY_ANSWER_MAX, jerr, sizeof(jerr));
	if (root && shopify_throttled(root)) {
		w = shopify_throttle_wait(root);
		if (w < 1000 * 1000 / 2)
			w = 1000 * 1000 / 2; /* told nothing usable */
	}
	json_decref(root);
	return w;
}
