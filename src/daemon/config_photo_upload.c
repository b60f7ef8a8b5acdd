/* SPDX-License-Identifier: MIT */
/*
 * The [photo upload] section: the S3-compatible bucket every photo is
 * uploaded to (photo_upload.h).
 *
 *   [photo upload]
 *   endpoint = https://s3.eu-central-1.amazonaws.com
 *   region = eu-central-1
 *   bucket = shop-returns
 *   prefix = desk-1/            (optional: object keys start with it)
 *   path_style = no             (yes, the default: endpoint/bucket/key)
 *   access_key_id_file = /etc/retour/s3-key-id        (0600)
 *   secret_access_key_file = s3-secret                (a systemd
 *                               credential: $CREDENTIALS_DIRECTORY/NAME)
 *
 * The s3 connector checks the keys (retourd -n says "file:line: what is
 * wrong"); the secrets' files are only named here, read when the station
 * starts (station_photo_upload.c), never shown.  No section: photos stay
 * on the station, nothing is queued.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retour/config.h"
#include "retour/connector.h"

#include "config_internal.h"

#define PHOTO_UPLOAD_SECTION "photo upload"

int config_photo_upload_line(struct parse_ctx *ctx, const char *section,
			     const char *key, const char *value)
{
	struct config_connector *cc = &ctx->c->photo_upload;

	if (strcmp(section, PHOTO_UPLOAD_SECTION))
		return -1;
	if (!cc->line)
		cc->line = ctx->line;
	snprintf(cc->type, sizeof(cc->type), "s3");
	return config_settings_add(ctx, &cc->settings, section, key, value);
}

bool config_photo_upload_set(const struct config *c)
{
	return c->photo_upload.settings.n > 0;
}

const char *config_photo_upload_prefix(const struct config *c)
{
	const struct config_settings *cs = &c->photo_upload.settings;

	for (int i = 0; i < cs->n; i++)
		if (!strcmp(cs->item[i].key, "prefix"))
			return cs->item[i].value;
	return "";
}

int config_photo_upload_check(const struct config *c, char *err, size_t errlen)
{
	const struct config_connector *cc = &c->photo_upload;
	struct connector_setting set[CONFIG_MAX_SETTINGS];
	struct connector_instance ci;
	char problem[200];
	int bad, r;

	if (!config_photo_upload_set(c))
		return 0;
	for (int i = 0; i < cc->settings.n; i++) {
		set[i].key = cc->settings.item[i].key;
		set[i].value = cc->settings.item[i].value;
		set[i].secret = NULL;
	}
	r = connector_instance_new(&connector_s3, set, cc->settings.n, false,
				   &ci, &bad, problem, sizeof(problem));
	if (r < 0) {
		if (bad >= 0)
			snprintf(err, errlen, "%s:%d: [photo upload] %s: %s",
				 cc->settings.file, cc->settings.item[bad].line,
				 cc->settings.item[bad].key, problem);
		else
			snprintf(err, errlen, "%s:%d: [photo upload] %s",
				 cc->settings.file, cc->line, problem);
		return r;
	}
	connector_instance_free(&ci);
	return 0;
}
