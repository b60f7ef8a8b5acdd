/* SPDX-License-Identifier: MIT */
/*
 * A dispute pack's ZIP with Debian's libzip (include/retour/evidence.h):
 * written in memory, manifest.json deflated and the photos stored as they
 * are; and read back from any bytes to check it.  A ZIP to check is
 * untrusted: libzip opens it with its consistency checks, every size its
 * headers claim is capped before anything is allocated, a file that reads
 * short or fails its CRC is a problem named by its file, and the manifest
 * is checked field by field (src/codec/evidence_check.c).
 *
 * Not here: what the manifest says (src/codec/evidence_pack.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "retour/evidence.h"
#include "retour/photo.h"

#define ZIP_MANIFEST "manifest.json"

int evidence_zip_write(const struct evidence_pack *pack,
		       const struct evidence_photo_bytes *photos,
		       const char *manifest_text, unsigned char **zip,
		       size_t *len, char *err, size_t errlen)
{
	zip_source_t *src, *s;
	zip_error_t zerr;
	zip_int64_t idx, size;
	zip_t *za;
	unsigned char *out = NULL;

	*zip = NULL;
	*len = 0;
	zip_error_init(&zerr);
	src = zip_source_buffer_create(NULL, 0, 0, &zerr);
	za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &zerr) : NULL;
	if (!za) {
		snprintf(err, errlen, "cannot start a ZIP: %s",
			 zip_error_strerror(&zerr));
		zip_source_free(src);
		zip_error_fini(&zerr);
		return -ENOMEM;
	}
	zip_source_keep(src); /* the bytes are read from it after the close */
	s = zip_source_buffer(za, manifest_text, strlen(manifest_text), 0);
	if (!s ||
	    (idx = zip_file_add(za, ZIP_MANIFEST, s, ZIP_FL_ENC_UTF_8)) < 0) {
		zip_source_free(s);
		goto fail;
	}
	for (int i = 0; i < pack->n_photos; i++) {
		if (pack->photos[i].state != EVIDENCE_PHOTO_PRESENT ||
		    !photos[i].data)
			continue;
		s = zip_source_buffer(za, photos[i].data, photos[i].len, 0);
		if (!s || (idx = zip_file_add(za, pack->photos[i].file, s,
					      ZIP_FL_ENC_UTF_8)) < 0) {
			zip_source_free(s);
			goto fail;
		}
		/* a JPEG is compressed already */
		zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE,
					 0);
	}
	if (zip_close(za) < 0)
		goto fail;
	if (zip_source_open(src) < 0 || zip_source_seek(src, 0, SEEK_END) < 0 ||
	    (size = zip_source_tell(src)) < 0 ||
	    zip_source_seek(src, 0, SEEK_SET) < 0 ||
	    !(out = malloc(size ? (size_t)size : 1)) ||
	    zip_source_read(src, out, (zip_uint64_t)size) != size) {
		snprintf(err, errlen, "cannot read the ZIP back");
		free(out);
		zip_source_close(src);
		zip_source_free(src);
		zip_error_fini(&zerr);
		return -EIO;
	}
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&zerr);
	*zip = out;
	*len = (size_t)size;
	return 0;
fail:
	snprintf(err, errlen, "cannot make the ZIP: %s", zip_strerror(za));
	zip_discard(za);
	zip_source_free(src);
	zip_error_fini(&zerr);
	return -EIO;
}

/* Entry @idx's bytes, at most EVIDENCE_MAX_FILE: 0, or -EBADMSG with a
 * problem naming @name. */
static int zip_read_entry(zip_t *za, zip_int64_t idx, const char *name,
			  unsigned char **data, size_t *len,
			  struct evidence_check *c)
{
	zip_stat_t st;
	zip_file_t *f;
	unsigned char *buf;
	zip_int64_t got;
	size_t have = 0, want;

	*data = NULL;
	*len = 0;
	zip_stat_init(&st);
	if (zip_stat_index(za, (zip_uint64_t)idx, 0, &st) < 0 ||
	    !(st.valid & ZIP_STAT_SIZE) || st.size > EVIDENCE_MAX_FILE) {
		evidence_check_problem(c,
				       "%s: its size is unknown or over "
				       "%d MiB",
				       name, EVIDENCE_MAX_FILE >> 20);
		return -EBADMSG;
	}
	want = (size_t)st.size;
	buf = malloc(want + 1);
	if (!buf) {
		evidence_check_problem(c, "%s: out of memory", name);
		return -ENOMEM;
	}
	f = zip_fopen_index(za, (zip_uint64_t)idx, 0);
	if (!f) {
		evidence_check_problem(c, "%s: cannot be read: %s", name,
				       zip_strerror(za));
		free(buf);
		return -EBADMSG;
	}
	/* one byte more than the header says, to catch a longer file */
	while (have <= want &&
	       (got = zip_fread(f, buf + have, want + 1 - have)) > 0)
		have += (size_t)got;
	if (have != want || got < 0) {
		evidence_check_problem(c, "%s: damaged in the ZIP (%s)", name,
				       got < 0 ? zip_file_strerror(f)
					       : "not the size its header "
						 "says");
		zip_fclose(f);
		free(buf);
		return -EBADMSG;
	}
	zip_fclose(f);
	*data = buf;
	*len = have;
	return 0;
}

/* The manifest's photo @i's name in the ZIP, or NULL. */
static const char *zip_photo_name(const json_t *photos, size_t i)
{
	return json_string_value(
	    json_object_get(json_array_get(photos, i), "file"));
}

static int zip_check_files(zip_t *za, struct evidence_check *c)
{
	const json_t *photos = json_object_get(c->manifest, "photos");
	size_t n = json_array_size(photos);
	char(*sha)[65] = calloc(n ? n : 1, sizeof(*sha));
	const char **shas = calloc(n ? n : 1, sizeof(*shas));
	zip_int64_t entries = zip_get_num_entries(za, 0);
	int r = 0, m = 0;

	if (!sha || !shas) {
		free(sha);
		free(shas);
		evidence_check_problem(c, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && r != -ENOMEM; i++) {
		const char *name = zip_photo_name(photos, i);
		zip_int64_t idx =
		    name ? zip_name_locate(za, name, ZIP_FL_ENC_GUESS) : -1;
		unsigned char *data;
		size_t len;

		if (idx < 0)
			continue; /* said by the manifest's check */
		r = zip_read_entry(za, idx, name, &data, &len, c);
		if (r < 0) {
			/* named already: not "missing" again */
			snprintf(sha[i], sizeof(sha[i]), "unreadable");
			shas[i] = sha[i];
			continue;
		}
		photo_sha256_hex(data, len, sha[i]);
		free(data);
		shas[i] = sha[i];
	}
	if (r != -ENOMEM)
		m = evidence_manifest_check(c->manifest, shas, (int)n, c);
	/* a file the manifest does not name was slipped in */
	for (zip_int64_t e = 0; e < entries; e++) {
		const char *name = zip_get_name(za, (zip_uint64_t)e, 0);
		bool named = name && !strcmp(name, ZIP_MANIFEST);

		for (size_t i = 0; name && i < n && !named; i++)
			named = zip_photo_name(photos, i) &&
				!strcmp(zip_photo_name(photos, i), name);
		if (!named)
			evidence_check_problem(
			    c, "%s: in the ZIP but not in manifest.json",
			    name ? name : "(an entry without a name)");
	}
	free(sha);
	free(shas);
	return r == -ENOMEM ? r : m < 0 ? -EINVAL : 0;
}

int evidence_zip_verify(const void *zip, size_t len, struct evidence_check *c)
{
	zip_source_t *src;
	zip_error_t zerr;
	zip_int64_t idx;
	zip_t *za;
	unsigned char *text = NULL;
	size_t text_len = 0;
	json_error_t jerr;
	int r;

	memset(c, 0, sizeof(*c));
	if (!zip || !len) {
		evidence_check_problem(c, "the file is empty: not a ZIP");
		return -EINVAL;
	}
	zip_error_init(&zerr);
	src = zip_source_buffer_create(zip, len, 0, &zerr);
	za = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr)
		 : NULL;
	if (!za) {
		evidence_check_problem(c, "not a readable ZIP: %s",
				       zip_error_strerror(&zerr));
		zip_source_free(src);
		zip_error_fini(&zerr);
		return -EINVAL;
	}
	zip_error_fini(&zerr);
	idx = zip_name_locate(za, ZIP_MANIFEST, 0);
	if (idx < 0) {
		evidence_check_problem(c, "manifest.json: not in the ZIP");
		zip_discard(za);
		return -EINVAL;
	}
	r = zip_read_entry(za, idx, ZIP_MANIFEST, &text, &text_len, c);
	if (r == 0) {
		c->manifest = json_loadb((const char *)text, text_len,
					 JSON_REJECT_DUPLICATES, &jerr);
		if (!c->manifest)
			evidence_check_problem(
			    c, "manifest.json: not JSON (line %d: %s)",
			    jerr.line, jerr.text);
	}
	free(text);
	if (!c->manifest) {
		zip_discard(za);
		return -EINVAL;
	}
	if (!json_is_object(c->manifest) ||
	    !json_is_array(json_object_get(c->manifest, "photos"))) {
		/* the check says what is wrong with it */
		r = evidence_manifest_check(c->manifest, NULL, 0, c);
		zip_discard(za);
		return r < 0 ? -EINVAL : -EBADMSG;
	}
	r = zip_check_files(za, c);
	zip_discard(za);
	if (r < 0)
		return r == -ENOMEM ? r : -EINVAL;
	return c->n_problems ? -EBADMSG : 0;
}
