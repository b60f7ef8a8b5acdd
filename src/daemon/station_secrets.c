/* SPDX-License-Identifier: MIT */
/*
 * Secrets a shop rotates, kept by the station (include/retour/
 * secret_book.h): Allegro answers each token request with a new refresh
 * token and may refuse the old one, while the file the operator gave
 * (refresh_token_file, often a read-only systemd credential) still holds
 * the first.  The newest value is written, 0600, beside the database:
 *
 *   <database's directory>/secrets/<section>.<key>
 *     line 1: the SHA-256 (hex) of the value in the operator's file then
 *     line 2: the newest value
 *
 * and at start it is used instead of the file's value only while the file
 * still holds what it was rotated from: an operator who writes a new
 * token into the file (authorising the station again) wins.  No value is
 * ever logged.
 *
 * Also where every connector's secrets are read at start
 * (station_connector_load: the first line of each *_file setting), for
 * the outbox sender (station.c) and the puller (station_pull.c) alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "retour/log.h"

#include "station_internal.h"

#define STATION_KEPT_PATH_LEN (CONFIG_PATH_LEN + 128)

/* "<dir of the database>/secrets" into @out; false when it does not fit */
static bool station_secrets_dir(const struct config *cfg, char *out,
				size_t outlen)
{
	char db[CONFIG_PATH_LEN];
	int n;

	snprintf(db, sizeof(db), "%s", cfg->database);
	n = snprintf(out, outlen, "%s/secrets", dirname(db));
	return n > 0 && (size_t)n < outlen;
}

/* The kept file of @key of @section: "[connector allegro]" gives
 * "connector-allegro.refresh_token_file". */
static bool station_kept_path(const struct config *cfg, const char *section,
			      const char *key, char *out, size_t outlen)
{
	char dir[STATION_KEPT_PATH_LEN], name[96];
	size_t n = 0;
	int w;

	if (!station_secrets_dir(cfg, dir, sizeof(dir)))
		return false;
	for (const char *p = section; *p && n + 1 < sizeof(name); p++) {
		char c = *p;

		if (c == '[' || c == ']')
			continue;
		name[n++] = (c == ' ' || c == '/') ? '-' : c;
	}
	name[n] = '\0';
	w = snprintf(out, outlen, "%s/%s.%s", dir, name, key);
	return w > 0 && (size_t)w < outlen;
}

static void station_secret_hash(const char *value, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, strlen(value), (const uint8_t *)value);
	sha256_digest(&ctx, sizeof(d), d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[64] = '\0';
}

int station_secret_kept(const struct config *cfg, const char *section,
			const char *key, const char *original, char *out,
			size_t outlen)
{
	char path[STATION_KEPT_PATH_LEN], text[STATION_SECRET_LEN + 80];
	char hex[65], *nl;
	size_t n;
	FILE *f;

	if (!station_kept_path(cfg, section, key, path, sizeof(path)))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	nl = strchr(text, '\n');
	station_secret_hash(original, hex);
	if (!nl || (size_t)(nl - text) != 64 || memcmp(text, hex, 64)) {
		explicit_bzero(text, sizeof(text));
		return 0; /* the operator's file changed since: it wins */
	}
	nl[1 + strcspn(nl + 1, "\r\n")] = '\0';
	if (!nl[1] || strlen(nl + 1) >= outlen) {
		explicit_bzero(text, sizeof(text));
		return 0;
	}
	snprintf(out, outlen, "%s", nl + 1);
	explicit_bzero(text, sizeof(text));
	log_info("%s %s: using the value the shop rotated it to (kept in "
		 "%s)",
		 section, key, path);
	return 1;
}

/* The operator's file of @key in @section, as the configuration has it. */
static const char *station_secret_file(const struct config *cfg,
				       const char *section, const char *key)
{
	const struct config_connector *list[CONFIG_MAX_CONNECTORS + 1];
	int n = 0;

	list[n++] = &cfg->outbox;
	for (int i = 0; i < cfg->n_connectors; i++)
		list[n++] = &cfg->connectors[i];
	for (int i = 0; i < n; i++) {
		char label[CONFIG_NAME_MAX + 16];

		if (list[i]->name[0])
			snprintf(label, sizeof(label), "[connector %s]",
				 list[i]->name);
		else
			snprintf(label, sizeof(label), "[outbox]");
		if (strcmp(label, section))
			continue;
		for (int k = 0; k < list[i]->settings.n; k++)
			if (!strcmp(list[i]->settings.item[k].key, key))
				return list[i]->settings.item[k].value;
	}
	return NULL;
}

void station_secret_keep(void *ud, const char *section, const char *key,
			 const char *value)
{
	const struct config *cfg = ud;
	char path[STATION_KEPT_PATH_LEN], tmp[STATION_KEPT_PATH_LEN + 8];
	char dir[STATION_KEPT_PATH_LEN], original[STATION_SECRET_LEN];
	char hex[65];
	const char *file = station_secret_file(cfg, section, key);
	FILE *f;
	int fd, ok;

	if (!file ||
	    !station_kept_path(cfg, section, key, path, sizeof(path)) ||
	    !station_secrets_dir(cfg, dir, sizeof(dir)))
		return;
	f = fopen(file, "re");
	if (!f) {
		log_warning("%s %s: the shop rotated it, but %s cannot be read "
			    "to keep the new one against: %s",
			    section, key, file, strerror(errno));
		return;
	}
	original[fread(original, 1, sizeof(original) - 1, f)] = '\0';
	fclose(f);
	original[strcspn(original, "\r\n")] = '\0';
	station_secret_hash(original, hex);
	explicit_bzero(original, sizeof(original));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_error("%s %s: cannot make %s to keep the value the shop "
			  "rotated it to: %s; a restart goes back to %s",
			  section, key, dir, strerror(errno), file);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		log_error("%s %s: cannot write %s: %s; a restart goes back "
			  "to %s",
			  section, key, tmp, strerror(errno), file);
		return;
	}
	ok = fprintf(f, "%s\n%s\n", hex, value) > 0;
	ok = fflush(f) == 0 && ok;
	ok = fsync(fileno(f)) == 0 && ok;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		log_error("%s %s: cannot keep the value the shop rotated it "
			  "to in %s: %s; a restart goes back to %s",
			  section, key, path, strerror(errno), file);
		unlink(tmp);
		return;
	}
	log_info("%s %s: the shop rotated it; the new value is kept in %s",
		 section, key, path);
}

/* A secret: the first line of the file at @path, never shown. */
static int station_read_secret(const char *path, char *buf, size_t len,
			       char *err, size_t errlen)
{
	FILE *f;
	size_t n;

	buf[0] = '\0';
	if (!path || !*path)
		return 0;
	f = fopen(path, "re");
	if (!f) {
		int r = -errno;

		snprintf(err, errlen, "secret %s: %s", path, strerror(-r));
		return r;
	}
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static bool station_is_secret_key(const char *key)
{
	size_t len = strlen(key);

	return len > 5 && !strcmp(key + len - 5, "_file");
}

int station_connector_load(const struct config *cfg,
			   const struct config_connector *cc,
			   struct station_connector *sc,
			   struct outbox_connector_config *oc, char *err,
			   size_t errlen)
{
	const struct config_settings *cs = &cc->settings;
	int r;

	if (cc->name[0])
		snprintf(sc->label, sizeof(sc->label), "[connector %s]",
			 cc->name);
	else
		snprintf(sc->label, sizeof(sc->label), "[outbox]");
	for (int i = 0; i < cs->n; i++) {
		sc->set[i].key = cs->item[i].key;
		sc->set[i].value = cs->item[i].value;
		sc->set[i].secret = NULL;
		if (!station_is_secret_key(cs->item[i].key))
			continue;
		r = station_read_secret(cs->item[i].value, sc->secret[i],
					STATION_SECRET_LEN, err, errlen);
		if (r < 0)
			return r;
		/* a newer value the shop rotated it to, kept by the station */
		char kept[STATION_SECRET_LEN];

		if (station_secret_kept(cfg, sc->label, cs->item[i].key,
					sc->secret[i], kept, sizeof(kept)))
			memcpy(sc->secret[i], kept, sizeof(kept));
		explicit_bzero(kept, sizeof(kept));
		sc->set[i].secret = sc->secret[i];
	}
	oc->name = sc->label;
	oc->type = cc->type;
	oc->settings = sc->set;
	oc->n_settings = cs->n;
	oc->shop = cc->shop;
	oc->takes_refunds = config_connector_shop_takes(cc, true);
	oc->takes_events = config_connector_shop_takes(cc, false);
	return 0;
}
