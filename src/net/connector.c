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
