/* SPDX-License-Identifier: MIT */
/*
 * Checking a dispute pack's manifest (include/retour/evidence.h): its
 * shape, each photo's SHA-256 against the file the ZIP holds and against
 * the audit entry that recorded it, each audit entry's hash against its
 * own fields, and then the entries against a station's chain.  The
 * manifest is untrusted: every field is checked for its type before it is
 * used, and every problem names the file it is about.
 *
 * Not here: reading the ZIP (src/dev/evidence_zip.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/evidence.h"

#define EVIDENCE_MAX_ENTRIES 100000

void evidence_check_problem(struct evidence_check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->n_problems >= EVIDENCE_MAX_PROBLEMS) {
		c->problems_dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(c->problems[c->n_problems], sizeof(c->problems[0]), fmt, ap);
	va_end(ap);
	c->n_problems++;
}

void evidence_check_release(struct evidence_check *c)
{
	if (!c)
		return;
	json_decref(c->manifest);
	c->manifest = NULL;
}

static bool ev_is_hex64(const json_t *v)
{
	const char *s = json_string_value(v);

	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* A photo's name in the ZIP: photos/NAME, NAME without '/' or "..". */
static bool ev_file_name_ok(const char *f)
{
	return f && !strncmp(f, "photos/", 7) && f[7] && !strchr(f + 7, '/') &&
	       !strstr(f, "..") && strlen(f) < 96;
}

/* Entry @id of the manifest's audit list, or NULL. */
static const json_t *ev_entry(const json_t *audit, json_int_t id)
{
	const json_t *a;
	size_t i;

	json_array_foreach(audit, i, a) if (json_integer_value(json_object_get(
						a, "id")) == id) return a;
	return NULL;
}

/* Each entry's hash from its fields: 0, or -EINVAL for a malformed one. */
static int ev_check_entries(const json_t *audit, struct evidence_check *c)
{
	const json_t *a;
	size_t i;

	json_array_foreach(audit, i, a)
	{
		const json_t *detail = json_object_get(a, "detail");
		const json_t *digest = json_object_get(a, "detail_sha256");
		char hash[65];

		if (!json_is_object(a) ||
		    !json_is_integer(json_object_get(a, "id")) ||
		    !json_is_integer(json_object_get(a, "at_us")) ||
		    !json_is_string(json_object_get(a, "actor")) ||
		    !json_is_string(json_object_get(a, "action")) ||
		    !json_is_string(json_object_get(a, "subject")) ||
		    !(json_is_string(detail) || json_is_null(detail)) ||
		    (digest && !ev_is_hex64(digest)) ||
		    !ev_is_hex64(json_object_get(a, "prev_hash")) ||
		    !ev_is_hex64(json_object_get(a, "hash"))) {
			evidence_check_problem(
			    c,
			    "manifest.json: audit entry %zu is not an entry "
			    "(id, at_us, actor, action, subject, detail, "
			    "prev_hash, hash)",
			    i + 1);
			continue;
		}
		evidence_audit_hash(
		    json_string_value(json_object_get(a, "prev_hash")),
		    json_integer_value(json_object_get(a, "id")),
		    json_integer_value(json_object_get(a, "at_us")),
		    json_string_value(json_object_get(a, "actor")),
		    json_string_value(json_object_get(a, "action")),
		    json_string_value(json_object_get(a, "subject")),
		    json_string_value(detail), json_string_value(digest), hash);
		if (strcmp(hash,
			   json_string_value(json_object_get(a, "hash")))) {
			evidence_check_problem(
			    c,
			    "manifest.json: audit entry %lld does not match "
			    "its hash: the entry was changed",
			    (long long)json_integer_value(
				json_object_get(a, "id")));
			continue;
		}
		c->entries_checked++;
	}
	return 0;
}

/* Photo @ph (index @i) against its file's hash and its audit entry. */
static void ev_check_photo(const json_t *ph, size_t i, const json_t *audit,
			   const char *file_sha, struct evidence_check *c)
{
	const json_t *file = json_object_get(ph, "file");
	const char *name = json_string_value(file);
	const char *sha = json_string_value(json_object_get(ph, "sha256"));
	const json_t *entry, *detail;
	json_t *d;
	char what[128];
	bool recorded;

	if (!json_is_object(ph) ||
	    !ev_is_hex64(json_object_get(ph, "sha256")) ||
	    !(json_is_null(file) || ev_file_name_ok(name)) ||
	    !json_is_integer(json_object_get(ph, "audit_entry"))) {
		evidence_check_problem(c,
				       "manifest.json: photo %zu is not a "
				       "photo (file, sha256, audit_entry)",
				       i + 1);
		return;
	}
	snprintf(what, sizeof(what), "%s", name ? name : "");
	if (!name) {
		snprintf(what, sizeof(what), "photo %zu (not in the ZIP)",
			 i + 1);
		c->photos_absent++;
	} else if (!file_sha) {
		evidence_check_problem(c,
				       "%s: named in manifest.json but not in "
				       "the ZIP",
				       name);
		return;
	} else if (strcmp(file_sha, sha)) {
		evidence_check_problem(c,
				       "%s: its SHA-256 is %.16s..., the "
				       "manifest says %.16s...: the photo "
				       "was changed",
				       name, file_sha, sha);
		return;
	} else {
		c->photos_checked++;
	}
	entry = ev_entry(
	    audit, json_integer_value(json_object_get(ph, "audit_entry")));
	detail = json_object_get(entry, "detail");
	d = json_is_string(detail)
		? json_loads(json_string_value(detail), 0, NULL)
		: NULL;
	recorded =
	    entry &&
	    !strcmp(json_string_value(json_object_get(entry, "action"))
			? json_string_value(json_object_get(entry, "action"))
			: "",
		    "receipt.photo") &&
	    json_is_string(json_object_get(d, "sha256")) &&
	    !strcmp(json_string_value(json_object_get(d, "sha256")), sha);
	json_decref(d);
	if (!recorded)
		evidence_check_problem(c,
				       "manifest.json: %s: SHA-256 %.16s... "
				       "is not the one its audit entry %lld "
				       "recorded",
				       what, sha,
				       (long long)json_integer_value(
					   json_object_get(ph, "audit_entry")));
}

int evidence_manifest_check(const json_t *manifest,
			    const char *const *photo_sha, int n_photo_sha,
			    struct evidence_check *c)
{
	const json_t *photos = json_object_get(manifest, "photos");
	const json_t *audit = json_object_get(manifest, "audit");
	const char *format =
	    json_string_value(json_object_get(manifest, "format"));
	json_int_t id =
	    json_integer_value(json_object_get(manifest, "receipt"));
	const json_t *ph;
	size_t i;

	if (!json_is_object(manifest) || !format ||
	    strcmp(format, EVIDENCE_FORMAT)) {
		evidence_check_problem(c, "manifest.json: not a retour "
					  "dispute pack (format is not "
					  "\"" EVIDENCE_FORMAT "\")");
		return -EINVAL;
	}
	if (id <= 0 || !json_is_array(photos) || !json_is_array(audit) ||
	    json_array_size(photos) > EVIDENCE_MAX_PHOTOS ||
	    json_array_size(audit) > EVIDENCE_MAX_ENTRIES) {
		evidence_check_problem(c, "manifest.json: no receipt id, "
					  "photos or audit list (or too "
					  "many of them)");
		return -EINVAL;
	}
	c->receipt_id = id;
	ev_check_entries(audit, c);
	json_array_foreach(photos, i, ph) ev_check_photo(
	    ph, i, audit, (int)i < n_photo_sha ? photo_sha[i] : NULL, c);
	return 0;
}

int evidence_manifest_against(struct evidence_check *c, const json_t *station)
{
	const json_t *mine = json_object_get(c->manifest, "audit");
	const json_t *theirs = json_object_get(station, "audit");
	const json_t *a;
	size_t i;
	int n = 0;

	json_array_foreach(mine, i, a)
	{
		json_int_t id = json_integer_value(json_object_get(a, "id"));
		const json_t *s = ev_entry(theirs, id);
		const char *h = json_string_value(json_object_get(a, "hash"));
		const char *sh = json_string_value(json_object_get(s, "hash"));

		if (!s || !h || !sh) {
			evidence_check_problem(
			    c,
			    "manifest.json: audit entry %lld is not one of "
			    "this station's entries of receipt %lld",
			    (long long)id, (long long)c->receipt_id);
			continue;
		}
		if (strcmp(h, sh)) {
			evidence_check_problem(
			    c,
			    "manifest.json: audit entry %lld differs from "
			    "this station's (hash %.16s..., the station's "
			    "%.16s...)",
			    (long long)id, h, sh);
			continue;
		}
		n++;
	}
	return n;
}
