/* SPDX-License-Identifier: MIT */
/*
 * The station's photo upload ([photo upload], photo_upload.h): read the
 * bucket's access key id and secret, refusing a file anyone but its owner
 * can read, and start the photo sender: an outbox sender of its own
 * thread and lane (OUTBOX_LANE_PHOTOS), so that uploads never wait behind
 * a shop, nor a refund behind an upload, and never block the desk.  Each
 * photo recorded at the desk carries its object key and queues its upload
 * in the same write (station_act.c).
 *
 * A secret's setting names a file: an absolute path, or the name of a
 * systemd credential (LoadCredential=, read from $CREDENTIALS_DIRECTORY).
 * Nothing here logs a value.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retour/clock.h"
#include "retour/connector.h"
#include "retour/log.h"
#include "retour/photo_upload.h"

#include "station_internal.h"

/* The file a secret setting names: @value itself, or the credential of
 * that name.  0, or -ENOENT with @err. */
static int station_photo_secret_path(const char *key, const char *value,
				     char *out, size_t outlen, char *err,
				     size_t errlen)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	int n;

	if (value[0] == '/') {
		n = snprintf(out, outlen, "%s", value);
	} else if (!dir || !dir[0]) {
		snprintf(err, errlen,
			 "[photo upload] %s: '%s' is no absolute path and "
			 "no systemd credentials were passed "
			 "(CREDENTIALS_DIRECTORY is not set)",
			 key, value);
		return -ENOENT;
	} else if (strchr(value, '/')) {
		snprintf(err, errlen,
			 "[photo upload] %s: a credential's name has no '/'",
			 key);
		return -EINVAL;
	} else {
		n = snprintf(out, outlen, "%s/%s", dir, value);
	}
	if (n < 0 || (size_t)n >= outlen) {
		snprintf(err, errlen, "[photo upload] %s: path too long", key);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* The first line of the secret file at @path, which only its owner may
 * read or write.  0, or -errno with @err (never the content). */
static int station_photo_secret_read(const char *key, const char *path,
				     char *buf, size_t len, char *err,
				     size_t errlen)
{
	struct stat sb;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		r = -errno;
		snprintf(err, errlen, "[photo upload] %s: %s: %s", key, path,
			 strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & 077)) {
		snprintf(err, errlen,
			 "[photo upload] %s: %s is %s (mode %04o): it must be "
			 "readable by its owner alone (chmod 600)",
			 key, path,
			 S_ISREG(sb.st_mode) ? "open to others"
					     : "not a regular file",
			 (unsigned)(sb.st_mode & 07777));
		close(fd);
		return -EACCES;
	}
	n = read(fd, buf, len - 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0) {
		snprintf(err, errlen, "[photo upload] %s: %s: %s", key, path,
			 strerror(-r));
		return r;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

int station_photo_upload_start(struct station *st, char *err, size_t errlen)
{
	const struct config *cfg = st->cfg;
	const struct config_settings *cs = &cfg->photo_upload.settings;
	struct station_connector *sc;
	struct outbox_connector_config occ = {0};
	struct outbox_config oc = {
	    .db_path = cfg->database,
	    .connectors = &occ,
	    .n_connectors = 1,
	    .refunds = -1,
	    .events = -1,
	    .has_photos = true,
	    .photos = 0,
	    .lane = OUTBOX_LANE_PHOTOS,
	    .timeout_ms = cfg->outbox_timeout_ms,
	    .backoff_base_ms = cfg->outbox_backoff_base_ms,
	    .backoff_max_ms = cfg->outbox_backoff_max_ms,
	    .dead_after_us = cfg->outbox_dead_after_us,
	    .ca_file = cfg->outbox_ca_file[0] ? cfg->outbox_ca_file : NULL,
	};
	char path[CONFIG_PATH_LEN + 128];
	int r = 0;

	if (!config_photo_upload_set(cfg))
		return 0;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	snprintf(sc->label, sizeof(sc->label), "[photo upload]");
	for (int i = 0; i < cs->n && r == 0; i++) {
		size_t kl = strlen(cs->item[i].key);

		sc->set[i].key = cs->item[i].key;
		sc->set[i].value = cs->item[i].value;
		sc->set[i].secret = NULL;
		if (kl <= 5 || strcmp(cs->item[i].key + kl - 5, "_file"))
			continue;
		r = station_photo_secret_path(cs->item[i].key,
					      cs->item[i].value, path,
					      sizeof(path), err, errlen);
		if (r == 0)
			r = station_photo_secret_read(
			    cs->item[i].key, path, sc->secret[i],
			    STATION_SECRET_LEN, err, errlen);
		sc->set[i].secret = sc->secret[i];
	}
	occ.name = sc->label;
	occ.type = "s3";
	occ.ops = &connector_s3;
	occ.settings = sc->set;
	occ.n_settings = cs->n;
	if (r == 0)
		r = outbox_sender_start(&oc, &st->photo_sender, err, errlen);
	explicit_bzero(sc, sizeof(*sc));
	free(sc);
	if (r < 0)
		return r;
	r = sd_event_add_io(st->ev, &st->photo_sender_notify,
			    outbox_sender_notify_fd(st->photo_sender), EPOLLIN,
			    station_on_sender_notify, st);
	if (r < 0) {
		snprintf(err, errlen,
			 "photo upload: cannot watch the sender: %s",
			 strerror(-r));
		return r;
	}
	log_info("photo upload: to bucket %s",
		 station_photo_upload_bucket(cfg));
	return 0;
}

const char *station_photo_upload_bucket(const struct config *cfg)
{
	const struct config_settings *cs = &cfg->photo_upload.settings;

	for (int i = 0; i < cs->n; i++)
		if (!strcmp(cs->item[i].key, "bucket"))
			return cs->item[i].value;
	return "";
}

void station_photo_upload_stop(struct station *st)
{
	st->photo_sender_notify =
	    sd_event_source_unref(st->photo_sender_notify);
	if (st->photo_sender)
		outbox_sender_stop(st->photo_sender);
	st->photo_sender = NULL;
}
