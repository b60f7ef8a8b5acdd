/* SPDX-License-Identifier: MIT */
/*
 * A receipt's dispute pack as the station serves it (GET
 * /api/v1/receipts/{id}/evidence.pdf, .zip and .json): its record from the
 * store, each photo's file read from the photo tree -- only a file the
 * store names, inside the photo directory, whose bytes still have the
 * recorded SHA-256 -- and the pack drawn (include/retour/evidence.h).  A
 * photo whose file is gone (purged by retention, or lost) or changed is
 * listed as such, never a failure of the pack.
 *
 * Not here: the layout, the PDF or the ZIP themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retour/clock.h"
#include "retour/evidence.h"
#include "retour/log.h"
#include "retour/photo.h"

#include "station_internal.h"

struct evidence_files {
	int n;
	enum evidence_photo_state *states;
	struct evidence_photo_bytes *bytes;
};

static void evidence_files_free(struct evidence_files *f)
{
	for (int i = 0; i < f->n; i++)
		free((void *)f->bytes[i].data);
	free(f->bytes);
	free(f->states);
}

/* @path's bytes when it is a regular file inside @dir; NULL otherwise. */
static unsigned char *evidence_read_photo(const char *dir, const char *path,
					  size_t *len)
{
	char root[PATH_MAX], file[PATH_MAX];
	unsigned char *buf;
	struct stat sb;
	size_t have = 0, n;
	ssize_t got;
	int fd;

	if (!realpath(dir, root) || !path || !realpath(path, file))
		return NULL;
	n = strlen(root);
	if (strncmp(root, file, n) || file[n] != '/')
		return NULL;
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > EVIDENCE_MAX_FILE ||
	    !(buf = malloc((size_t)sb.st_size + 1))) {
		close(fd);
		return NULL;
	}
	while (have < (size_t)sb.st_size &&
	       (got = read(fd, buf + have, (size_t)sb.st_size - have)) > 0)
		have += (size_t)got;
	close(fd);
	if (have != (size_t)sb.st_size) {
		free(buf);
		return NULL;
	}
	*len = have;
	return buf;
}

/* Each photo of @record: its bytes, or why the pack goes without them. */
static int evidence_files_read(const struct station *st, const json_t *record,
			       struct evidence_files *f)
{
	const json_t *photos =
	    json_object_get(json_object_get(record, "receipt"), "photos");
	size_t n = json_array_size(photos);

	if (n > EVIDENCE_MAX_PHOTOS)
		n = EVIDENCE_MAX_PHOTOS;
	f->n = (int)n;
	f->states = calloc(n ? n : 1, sizeof(*f->states));
	f->bytes = calloc(n ? n : 1, sizeof(*f->bytes));
	if (!f->states || !f->bytes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const json_t *p = json_array_get(photos, i);
		const char *want =
		    json_string_value(json_object_get(p, "sha256"));
		char sha[65];
		size_t len = 0;
		unsigned char *data = evidence_read_photo(
		    st->cfg->photos,
		    json_string_value(json_object_get(p, "path")), &len);

		if (!data) {
			f->states[i] = EVIDENCE_PHOTO_MISSING;
			continue;
		}
		photo_sha256_hex(data, len, sha);
		if (!want || strcmp(sha, want)) {
			f->states[i] = EVIDENCE_PHOTO_ALTERED;
			free(data);
			continue;
		}
		f->states[i] = EVIDENCE_PHOTO_PRESENT;
		f->bytes[i].data = data;
		f->bytes[i].len = len;
	}
	return 0;
}

/* The record with each photo's "on_station" state, as JSON text. */
static int evidence_json(json_t *record, const struct evidence_files *f,
			 char **data, size_t *len)
{
	json_t *photos =
	    json_object_get(json_object_get(record, "receipt"), "photos");

	for (int i = 0; i < f->n; i++)
		json_object_set_new(
		    json_array_get(photos, (size_t)i), "on_station",
		    json_boolean(f->states[i] == EVIDENCE_PHOTO_PRESENT));
	*data = json_dumps(record, JSON_COMPACT);
	if (!*data)
		return -ENOMEM;
	*len = strlen(*data);
	return 0;
}

static int evidence_zip(const json_t *record, const struct evidence_pack *pack,
			const struct evidence_files *f, char **data,
			size_t *len, char *err, size_t errlen)
{
	json_t *m = evidence_manifest(record, pack);
	char *text = m ? json_dumps(m, JSON_INDENT(1)) : NULL;
	int r;

	json_decref(m);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = evidence_zip_write(pack, f->bytes, text, (unsigned char **)data,
			       len, err, errlen);
	free(text);
	return r;
}

int station_evidence(struct station *st, int64_t receipt_id,
		     enum station_evidence_kind kind, char **data, size_t *len,
		     char *err, size_t errlen)
{
	struct evidence_files f = {0};
	struct evidence_pack *pack = NULL;
	json_t *record = NULL;
	int r;

	*data = NULL;
	*len = 0;
	r = store_evidence_get(st->store, receipt_id, &record);
	if (r < 0) {
		snprintf(err, errlen, "%s",
			 r == -ENOENT ? "no such receipt"
				      : store_errmsg(st->store));
		return r;
	}
	r = evidence_files_read(st, record, &f);
	if (r == 0 && kind == STATION_EVIDENCE_JSON)
		r = evidence_json(record, &f, data, len);
	else if (r == 0)
		r = evidence_pack_build(record, f.states, f.n, clock_now_us(),
					&pack, err, errlen);
	if (r == 0 && kind == STATION_EVIDENCE_PDF)
		r = evidence_pdf_render(pack, f.bytes, (unsigned char **)data,
					len, err, errlen);
	else if (r == 0 && kind == STATION_EVIDENCE_ZIP)
		r = evidence_zip(record, pack, &f, data, len, err, errlen);
	if (r == -ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory");
	if (r < 0)
		log_error_errno(r, "dispute pack of receipt %lld not made: %s",
				(long long)receipt_id, err);
	evidence_pack_free(pack);
	evidence_files_free(&f);
	json_decref(record);
	return r;
}
