/* SPDX-License-Identifier: MIT */
/*
 * The records the screen and the supervisors read besides the desk's
 * status: one expected return (and calling one off), a photo's bytes by
 * its id, and the supervisors' figures over a range of days.  The photo's
 * file is the one the store names, never a path from a request.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retour/civil_time.h"
#include "retour/clock.h"
#include "retour/log.h"

#include "station_internal.h"

/* No photo the camera makes comes near this; a bigger file is not ours. */
#define STATION_PHOTO_MAX (64 * 1024 * 1024)

int station_expected_get(struct station *st, int64_t id, json_t **out)
{
	return store_expected_view(st->store, id, out);
}

int station_expected_cancel(struct station *st, int64_t id, char *err,
			    size_t errlen)
{
	int r = store_expected_cancel(st->store, id, station_actor(st),
				      clock_now_us());

	if (r < 0)
		snprintf(err, errlen, "%s",
			 r == -ENOENT || r == -EPERM
			     ? store_errmsg(st->store)
			     : "the cancel was not recorded");
	if (r < 0 && r != -ENOENT && r != -EPERM)
		log_error_errno(r, "expected return %lld not cancelled (%s)",
				(long long)id, store_errmsg(st->store));
	return r;
}

/* Whether @path lies in the photo directory (both resolved). */
static bool station_photo_path_ok(const struct station *st, const char *path)
{
	char dir[PATH_MAX], file[PATH_MAX];
	size_t n;

	if (!realpath(st->cfg->photos, dir) || !realpath(path, file))
		return false;
	n = strlen(dir);
	return !strncmp(dir, file, n) && file[n] == '/';
}

int station_photo_read(struct station *st, int64_t id,
		       struct station_photo_file *out, char *err, size_t errlen)
{
	struct store_photo p;
	struct stat sb;
	ssize_t got;
	size_t have = 0;
	int fd, r;

	memset(out, 0, sizeof(*out));
	r = store_photo_find(st->store, id, &p);
	if (r < 0) {
		snprintf(err, errlen, "%s", store_errmsg(st->store));
		return r;
	}
	snprintf(out->sha256, sizeof(out->sha256), "%s", p.sha256);
	if (!station_photo_path_ok(st, p.path)) {
		snprintf(err, errlen,
			 "photo %lld: its file is not in the photo directory "
			 "(moved or deleted)",
			 (long long)id);
		return -ENODATA;
	}
	fd = open(p.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > STATION_PHOTO_MAX) {
		snprintf(err, errlen, "photo %lld: its file cannot be read",
			 (long long)id);
		if (fd >= 0)
			close(fd);
		return -ENODATA;
	}
	out->data = malloc((size_t)sb.st_size + 1);
	if (!out->data) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	while (have < (size_t)sb.st_size &&
	       (got = read(fd, out->data + have, (size_t)sb.st_size - have)) >
		   0)
		have += (size_t)got;
	close(fd);
	if (have != (size_t)sb.st_size) {
		free(out->data);
		out->data = NULL;
		snprintf(err, errlen, "photo %lld: its file cannot be read",
			 (long long)id);
		return -ENODATA;
	}
	out->len = have;
	return 0;
}

int station_kpi(struct station *st, int64_t from_day, int64_t to_day,
		json_t **out)
{
	const struct rules_policy *p = &st->cfg->policy;
	int64_t first, last, ignored;

	station_local_day(st, from_day, &first, &ignored);
	station_local_day(st, to_day, &ignored, &last);
	return store_kpi(st->store, first, last, p->utc_offset_min,
			 p->eu_summer_time, out);
}

int64_t station_today(const struct station *st)
{
	const struct rules_policy *p = &st->cfg->policy;

	return civil_time_local_day(clock_now_us(), p->utc_offset_min,
				    p->eu_summer_time);
}
