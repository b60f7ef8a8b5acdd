/* SPDX-License-Identifier: MIT */
/*
 * The screen's files as compiled into retourd (scripts/embed-web.sh writes
 * the table from web/ at build time) and the route that serves them.
 */
#ifndef RETOUR_API_STATIC_H
#define RETOUR_API_STATIC_H

#include <stddef.h>

/* One file of web/, served at @path, with its gzip copy. */
struct web_asset {
	const char *path; /* "/ui/app.js" */
	const char *content_type;
	const char *etag; /* quoted, as the header carries it */
	const unsigned char *data;
	size_t size;
	const unsigned char *gz;
	size_t gz_size;
};

extern const struct web_asset web_assets[];
extern const size_t web_assets_n;

/* The asset served at @path ("/" is /ui/index.html), or NULL. */
const struct web_asset *web_asset_find(const char *path);

#ifdef MHD_VERSION
/* Answer GET @path: 200 with the file (gzip when the client takes it),
 * 304 when If-None-Match names its ETag, 404 JSON when there is none.
 * The page ("/") opens in @language ("pl", "en"): its lang="xx" says it. */
enum MHD_Result api_static_send(struct MHD_Connection *conn, const char *path,
				const char *language);
#endif

#endif
