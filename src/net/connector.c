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

#include "retour/connector.h"

static const struct connector *const connector_table[] = {
    &connector_webhook,
};

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
