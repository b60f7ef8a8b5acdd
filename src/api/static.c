/* SPDX-License-Identifier: MIT */
/*
 * The screen's files, served from the binary: "/" is the page, /ui/NAME
 * each file beside it.  A file's ETag is a hash of its bytes made at build
 * time, so a kiosk that reloads gets 304 and nothing else; the files are
 * revalidated on every load (no-cache), since the binary, not the browser,
 * says which version of the screen runs.  A gzip copy is sent to a browser
 * that takes it (and only when smaller).  Nothing here reads the disk.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "api_internal.h"
#include "static.h"

const struct web_asset *web_asset_find(const char *path)
{
	if (!strcmp(path, "/"))
		path = "/ui/index.html";
	for (size_t i = 0; i < web_assets_n; i++)
		if (!strcmp(web_assets[i].path, path))
			return &web_assets[i];
	return NULL;
}

/* Whether the header @h lists @token among its comma-separated words. */
static bool header_lists(const char *h, const char *token)
{
	size_t n = strlen(token);

	while (h && *h) {
		h += strspn(h, " \t,");
		if (!strncmp(h, token, n) &&
		    (h[n] == '\0' || h[n] == ',' || h[n] == ';' || h[n] == ' '))
			return true;
		h += strcspn(h, ",");
	}
	return false;
}

static enum MHD_Result send_not_found(struct MHD_Connection *conn,
				      const char *path)
{
	char body[300];
	struct MHD_Response *resp;
	enum MHD_Result ret;
	json_t *j =
	    json_pack("{s:s,s:s}", "error", "no such file of the screen",
		      "code", "not_found");
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	snprintf(body, sizeof(body), "%s", text ? text : "{}");
	free(text);
	(void)path;
	resp = MHD_create_response_from_buffer(strlen(body), body,
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(conn, 404, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The page in @language: its bytes with lang="xx" set, and an ETag of
 * its own per language.  Sent without gzip (a few KiB). */
static enum MHD_Result send_page(struct MHD_Connection *conn,
				 const struct web_asset *a,
				 const char *language)
{
	static const char mark[] = "lang=\"xx\"";
	const char *inm =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
	const char *at = memmem(a->data, a->size, mark, sizeof(mark) - 1);
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char etag[64];
	unsigned status = 200;

	snprintf(etag, sizeof(etag), "%.*s-%s\"", (int)strlen(a->etag) - 1,
		 a->etag, language);
	if (inm && header_lists(inm, etag)) {
		status = 304;
		resp = MHD_create_response_from_buffer(0, (void *)"",
						       MHD_RESPMEM_PERSISTENT);
	} else {
		char *page = malloc(a->size);

		if (!page)
			return MHD_NO;
		memcpy(page, a->data, a->size);
		if (at)
			memcpy(page + (at - (const char *)a->data) + 6,
			       language, 2);
		resp = MHD_create_response_from_buffer(a->size, page,
						       MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			free(page);
			return MHD_NO;
		}
		MHD_add_response_header(resp, "Content-Type", a->content_type);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "ETag", etag);
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result api_static_send(struct MHD_Connection *conn, const char *path,
				const char *language)
{
	const struct web_asset *a = web_asset_find(path);
	const char *inm, *ae;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	bool gz;
	unsigned status = 200;

	if (!a)
		return send_not_found(conn, path);
	if (!strcmp(a->path, "/ui/index.html"))
		return send_page(conn, a, language);
	inm =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
	ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					 "Accept-Encoding");
	gz = a->gz_size < a->size && header_lists(ae, "gzip");
	if (inm && (header_lists(inm, a->etag) || !strcmp(inm, "*"))) {
		status = 304;
		resp = MHD_create_response_from_buffer(0, (void *)"",
						       MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(
		    gz ? a->gz_size : a->size, (void *)(gz ? a->gz : a->data),
		    MHD_RESPMEM_PERSISTENT);
		if (resp) {
			MHD_add_response_header(resp, "Content-Type",
						a->content_type);
			if (gz)
				MHD_add_response_header(
				    resp, "Content-Encoding", "gzip");
		}
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "ETag", a->etag);
	MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}
