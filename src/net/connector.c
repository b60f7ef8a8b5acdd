/* SPDX-License-Identifier: MIT */
/*
 * The connector registry and the small helpers every connector shares.
 * Adding a shop API means adding its file under connectors/ and one line to
 * the table below; nothing here knows any shop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nettle/sha2.h>

#include "retour/connector.h"
#include "retour/returns.h"

/* One line a connector (clang-format would pack them, and merges of
 * branches that each add one would then collide). */
/* clang-format off */
static const struct connector *const connector_table[] = {
    &connector_webhook,
    &connector_shopify,
    &connector_baselinker,
    &connector_allegro,
    &connector_woocommerce,
};
/* clang-format on */

const struct connector *connector_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(connector_table) / sizeof(connector_table[0]);
	     i++)
		if (strcmp(connector_table[i]->name, name) == 0)
			return connector_table[i];
	return NULL;
}

void connector_names(char *out, size_t outlen)
{
	size_t i, n = 0;

	if (!outlen)
		return;
	out[0] = '\0';
	for (i = 0; i < sizeof(connector_table) / sizeof(connector_table[0]);
	     i++) {
		int w = snprintf(out + n, outlen - n, "%s%s", i ? ", " : "",
				 connector_table[i]->name);

		if (w < 0 || (size_t)w >= outlen - n)
			return;
		n += (size_t)w;
	}
}

int connector_instance_new(const struct connector *c,
			   const struct connector_setting *settings, int n,
			   bool secrets, struct connector_instance *out,
			   int *bad, char *problem, size_t len)
{
	int i, r;

	memset(out, 0, sizeof(*out));
	*bad = -1;
	if (problem && len)
		problem[0] = '\0';
	out->ops = c;
	if (c->init) {
		r = c->init(&out->state);
		if (r < 0) {
			snprintf(problem, len, "out of memory");
			return r;
		}
	}
	for (i = 0; i < n; i++) {
		r = c->configure(out->state, &settings[i], problem, len);
		if (r < 0) {
			*bad = i;
			connector_instance_free(out);
			return r;
		}
	}
	r = c->check ? c->check(out->state, secrets, problem, len) : 0;
	if (r < 0)
		connector_instance_free(out);
	return r;
}

void connector_instance_free(struct connector_instance *ci)
{
	if (!ci || !ci->ops)
		return;
	if (ci->ops->free)
		ci->ops->free(ci->state);
	ci->state = NULL;
	ci->ops = NULL;
}

const char *connector_method_name(enum connector_method m)
{
	switch (m) {
	case CONNECTOR_POST:
		return "POST";
	case CONNECTOR_GET:
		return "GET";
	case CONNECTOR_PUT:
		return "PUT";
	case CONNECTOR_PATCH:
		return "PATCH";
	case CONNECTOR_DELETE:
		return "DELETE";
	case CONNECTOR_HEAD:
		return "HEAD";
	}
	return "POST";
}

const char *connector_answer_header(const struct connector_answer *a,
				    const char *name)
{
	int i;

	if (!a || !name)
		return NULL;
	for (i = 0; i < a->n_headers; i++)
		if (a->headers[i].name &&
		    strcasecmp(a->headers[i].name, name) == 0)
			return a->headers[i].value ? a->headers[i].value : "";
	return NULL;
}

void connector_request_free(struct connector_request *req)
{
	int i;

	if (!req)
		return;
	for (i = 0; i < req->n_headers; i++) {
		free(req->headers[i]);
		req->headers[i] = NULL;
	}
	req->n_headers = 0;
	free(req->body);
	req->body = NULL;
	req->body_len = 0;
	req->aws_sigv4[0] = '\0';
	req->auth_user = req->auth_password = NULL;
	req->idempotent = false;
}

int connector_request_add_header(struct connector_request *req,
				 const char *name, const char *value)
{
	char *line;

	if (req->n_headers >= CONNECTOR_MAX_HEADERS)
		return -E2BIG;
	if (asprintf(&line, "%s: %s", name, value) < 0)
		return -ENOMEM;
	req->headers[req->n_headers++] = line;
	return 0;
}

bool connector_base_url(char *dst, const char *url, size_t room)
{
	size_t i;

	if (!url || (strncasecmp(url, "https://", 8) != 0 &&
		     strncasecmp(url, "http://", 7) != 0))
		return false;
	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f || url[i] == '?' ||
		    url[i] == '#')
			return false;
	if (i + room >= CONNECTOR_URL_LEN)
		return false;
	while (i > 8 && url[i - 1] == '/')
		i--;
	snprintf(dst, CONNECTOR_URL_LEN, "%.*s", (int)i, url);
	return true;
}

bool connector_percent_append(char *out, size_t outlen, const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(out), i;

	for (i = 0; in[i]; i++) {
		unsigned char ch = (unsigned char)in[i];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~') {
			if (n + 1 >= outlen)
				goto full;
			out[n++] = (char)ch;
		} else {
			if (n + 3 >= outlen)
				goto full;
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = '\0';
	return true;
full:
	out[n] = '\0';
	return false;
}

void connector_text_redact(char *text, const char *secret)
{
	size_t n, tl, k;
	char *p;

	if (!text || !secret || (n = strlen(secret)) < 4)
		return;
	for (p = strstr(text, secret); p; p = strstr(p + n, secret))
		memset(p, '*', n);
	tl = strlen(text);
	for (k = n - 1 < tl ? n - 1 : tl; k >= 4; k--)
		if (!memcmp(text + tl - k, secret, k)) {
			memset(text + tl - k, '*', k);
			break;
		}
}

void connector_secret_free(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

int connector_secret_set(char **dst, const char *secret)
{
	connector_secret_free(dst);
	*dst = strdup(secret);
	return *dst ? 0 : -ENOMEM;
}

void connector_text_sanitize(char *out, size_t outlen, const char *text,
			     size_t len)
{
	size_t i, n = 0;

	if (!outlen)
		return;
	for (i = 0; i < len && n + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch == '\r' || ch == '\n' || ch == '\t')
			ch = ' ';
		else if (ch < 0x20 || ch > 0x7e)
			ch = '?';
		/* Collapse runs of blanks: pretty-printed JSON would
		 * otherwise spend the whole text on indentation. */
		if (ch == ' ' && (n == 0 || out[n - 1] == ' '))
			continue;
		out[n++] = (char)ch;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

int connector_amount_text(int64_t minor, const char *currency, char *out,
			  size_t outlen)
{
	static const uint64_t pow10[] = {1, 10, 100, 1000, 10000};
	int exponent = currency_exponent(currency);
	const char *sign = minor < 0 ? "-" : "";
	uint64_t mag;
	int n;

	if (exponent < 0 || exponent > 4)
		return -EINVAL;
	if (!out || outlen == 0)
		return -ENOSPC;
	/* -(INT64_MIN) does not fit an int64_t: negate in unsigned */
	mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	if (exponent == 0)
		n = snprintf(out, outlen, "%s%llu", sign,
			     (unsigned long long)mag);
	else
		n = snprintf(out, outlen, "%s%llu.%0*llu", sign,
			     (unsigned long long)(mag / pow10[exponent]),
			     exponent,
			     (unsigned long long)(mag % pow10[exponent]));
	if (n < 0 || (size_t)n >= outlen) {
		out[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

int connector_amount_parse(const char *text, const char *currency,
			   int64_t *minor)
{
	int exponent = currency_exponent(currency);
	const char *p = text;
	bool negative = false, point = false;
	int decimals = 0, digits = 0;
	int64_t v = 0;

	if (exponent < 0 || !text || !minor)
		return -EINVAL;
	if (*p == '-') {
		negative = true;
		p++;
	}
	for (; *p; p++) {
		if (*p == '.' && !point && digits > 0) {
			point = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (point && ++decimals > exponent)
			return -EINVAL;
		if (++digits > 17) /* 10^17 minor units fit with room */
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (digits == 0 || (point && decimals == 0))
		return -EINVAL;
	for (; decimals < exponent; decimals++)
		v *= 10;
	*minor = negative ? -v : v;
	return 0;
}

/* Feed one part and its terminating NUL, so that ("ab", "c") and ("a",
 * "bc") hash apart. */
static void connector_key_part(struct sha256_ctx *ctx, const char *part)
{
	const char *p = part ? part : "";

	sha256_update(ctx, strlen(p) + 1, (const uint8_t *)p);
}

int connector_refund_key(const struct event_facts *f, const char *action,
			 char out[CONNECTOR_REFUND_KEY_LEN])
{
	static const char hex[] = "0123456789abcdef";
	const struct expected_return *er = f ? f->expected : NULL;
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;

	out[0] = '\0';
	if (!f || !f->shop || !f->shop[0] || !action)
		return -EINVAL;
	sha256_init(&ctx);
	connector_key_part(&ctx, "retour refund key 1");
	connector_key_part(&ctx, f->shop);
	if (er && er->rma[0]) {
		connector_key_part(&ctx, "rma");
		connector_key_part(&ctx, er->rma);
	} else {
		connector_key_part(&ctx, "order");
		connector_key_part(&ctx, er ? er->order_ref : "");
		connector_key_part(&ctx, er && er->n_lookup_codes > 0
					     ? er->lookup_codes[0]
					     : f->code);
	}
	connector_key_part(&ctx, action);
	sha256_digest(&ctx, sizeof(digest), digest);
	memcpy(out, "rr-", 3);
	for (int i = 0; i < 16; i++) {
		out[3 + 2 * i] = hex[digest[i] >> 4];
		out[4 + 2 * i] = hex[digest[i] & 15];
	}
	out[35] = '\0';
	return 0;
}

json_t *connector_answer_json(const struct connector_answer *a, size_t max_len,
			      char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;

	if (!max_len)
		max_len = 4u << 20;
	if (!a || !a->body || a->body_len == 0) {
		snprintf(err, errlen, "an empty answer, not JSON");
		return NULL;
	}
	if (a->body_len > max_len) {
		snprintf(err, errlen, "an answer of %zu bytes, more than %zu",
			 a->body_len, max_len);
		return NULL;
	}
	root = json_loadb(a->body, a->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "%s: %.80s",
			 jerr.position >= (int)a->body_len ? "truncated JSON"
							   : "not JSON",
			 jerr.text);
		return NULL;
	}
	return root;
}
