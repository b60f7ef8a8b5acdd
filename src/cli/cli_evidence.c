/* SPDX-License-Identifier: MIT */
/*
 * retourctl evidence: a receipt's dispute pack (include/retour/evidence.h).
 *
 *   evidence ID [-o FILE.pdf] [--zip FILE.zip]   fetched from retourd
 *   evidence verify FILE.zip                     checked here
 *
 * verify reads the ZIP itself (any bytes: a clear answer, never a crash),
 * checks every photo against the manifest and the manifest's audit entries
 * against their hashes, then asks retourd, when one answers, for the same
 * receipt's audit entries and whether its chain is intact, and says which
 * of these it could do.  Every problem names the file it is about.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "retour/evidence.h"

#include "cli.h"

/* A pack bigger than this is not one retourd made. */
#define CLI_EVIDENCE_MAX_ZIP (1024L * 1024 * 1024)

static int cli_evidence_write(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (!f)
		return cli_fail("cannot write %s: %s", path, strerror(errno));
	ok = fwrite(data, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok)
		return cli_fail("cannot write %s: %s", path, strerror(errno));
	return CLI_OK;
}

/* GET @path into @file; the daemon's refusal said as it gave it. */
static int cli_evidence_fetch(const struct cli_opts *o, const char *path,
			      const char *file, json_t *done)
{
	char why[400], *data = NULL;
	size_t len = 0;
	long status = 0;
	int r;

	if (cli_rpc_get_raw(o, path, &status, &data, &len, why, sizeof(why)) <
	    0)
		return cli_fail("cannot reach retourd: %s; is it running? "
				"(name its socket with --socket PATH)",
				why);
	if (status != 200) {
		json_t *j = data ? json_loadb(data, len, 0, NULL) : NULL;
		const char *e = json_string_value(json_object_get(j, "error"));
		const char *code =
		    json_string_value(json_object_get(j, "code"));

		/* a purged receipt (410): the message says when */
		r = cli_fail_with(
		    json_pack("{s:I,s:s}", "status", (json_int_t)status, "code",
			      code ? code : ""),
		    "GET %s: %s (HTTP %ld)", path, e ? e : "refused", status);
		json_decref(j);
		free(data);
		return r;
	}
	r = cli_evidence_write(file, data, len);
	free(data);
	if (r == CLI_OK) {
		json_array_append_new(done,
				      json_pack("{s:s,s:I}", "file", file,
						"bytes", (json_int_t)len));
		if (!o->json)
			printf("wrote %s (%zu bytes)\n", file, len);
	}
	return r;
}

static int cli_evidence_get(const struct cli_opts *o, const char *id_text)
{
	char path[128], pdf[64];
	json_t *done = json_array();
	long long id;
	char *end;
	int r;

	id = strtoll(id_text, &end, 10);
	if (*id_text < '0' || *id_text > '9' || *end || id <= 0)
		return cli_usage("'%s' is not a receipt id", id_text);
	snprintf(pdf, sizeof(pdf), "receipt-%lld-evidence.pdf", id);
	snprintf(path, sizeof(path), "/api/v1/receipts/%lld/evidence.pdf", id);
	r = cli_evidence_fetch(o, path, o->output ? o->output : pdf, done);
	if (r == CLI_OK && o->zip) {
		snprintf(path, sizeof(path),
			 "/api/v1/receipts/%lld/evidence.zip", id);
		r = cli_evidence_fetch(o, path, o->zip, done);
	}
	if (r == CLI_OK && o->json)
		cli_print_json(done);
	json_decref(done);
	return r;
}

/* The whole file, at most CLI_EVIDENCE_MAX_ZIP bytes; NULL with @why. */
static char *cli_evidence_slurp(const char *path, size_t *len, char *why,
				size_t why_size)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	char *buf;

	if (!f || fstat(fileno(f), &sb) < 0) {
		snprintf(why, why_size, "cannot read %s: %s", path,
			 strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > CLI_EVIDENCE_MAX_ZIP) {
		snprintf(why, why_size, "%s is not a file of at most 1 GiB",
			 path);
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf ||
	    fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
		snprintf(why, why_size, "cannot read %s", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)sb.st_size;
	return buf;
}

/*
 * The manifest against this station: the receipt's entries as retourd has
 * them, and whether its chain is intact.  Sets @said to what was checked
 * (or why not); problems go to @c.
 */
static bool cli_evidence_station(const struct cli_opts *o,
				 struct evidence_check *c, char *said,
				 size_t size)
{
	char path[96], why[400], *data = NULL;
	json_t *station = NULL, *audit = NULL;
	size_t len = 0;
	long status = 0;
	int matched;
	bool chain_ok;

	snprintf(path, sizeof(path), "/api/v1/receipts/%lld/evidence.json",
		 (long long)c->receipt_id);
	if (cli_rpc_get_raw(o, path, &status, &data, &len, why, sizeof(why)) <
	    0) {
		snprintf(said, size,
			 "not checked against a station's audit chain: %s",
			 why);
		return false;
	}
	if (status == 404) {
		free(data);
		snprintf(said, size,
			 "not checked against this station: it has no "
			 "receipt %lld (a pack from another station?)",
			 (long long)c->receipt_id);
		return false;
	}
	station = data ? json_loadb(data, len, 0, NULL) : NULL;
	free(data);
	if (status == 410) { /* the station's retention purged it since */
		const char *e =
		    json_string_value(json_object_get(station, "error"));

		snprintf(said, size, "not checked against this station: %s",
			 e ? e : "the receipt was purged");
		json_decref(station);
		return false;
	}
	if (status != 200) {
		json_decref(station);
		station = NULL;
	}
	if (!station) {
		snprintf(said, size,
			 "not checked against this station: retourd answered "
			 "HTTP %ld",
			 status);
		return false;
	}
	if (cli_rpc_get_raw(o, "/api/v1/audit/verify", &status, &data, &len,
			    why, sizeof(why)) == 0)
		audit = json_loadb(data, len, 0, NULL);
	free(data);
	chain_ok = json_is_true(json_object_get(audit, "ok"));
	matched = evidence_manifest_against(c, station);
	if (!chain_ok)
		evidence_check_problem(
		    c, "this station's audit chain is broken: %s",
		    json_string_value(json_object_get(audit, "error"))
			? json_string_value(json_object_get(audit, "error"))
			: "retourd did not say where");
	snprintf(
	    said, size,
	    "%d audit entries match this station's chain (%s, %lld "
	    "entries)",
	    matched, chain_ok ? "intact" : "BROKEN",
	    (long long)json_integer_value(json_object_get(audit, "entries")));
	json_decref(station);
	json_decref(audit);
	return true;
}

static int cli_evidence_verify(const struct cli_opts *o, const char *file)
{
	struct evidence_check c;
	char why[400], said[600] = "";
	bool station = false;
	json_t *j, *problems;
	size_t len = 0;
	char *zip;
	int r;

	zip = cli_evidence_slurp(file, &len, why, sizeof(why));
	if (!zip)
		return cli_fail("%s", why);
	r = evidence_zip_verify(zip, len, &c);
	free(zip);
	if (r != -EINVAL && r != -ENOMEM)
		station = cli_evidence_station(o, &c, said, sizeof(said));
	problems = json_array();
	for (int i = 0; i < c.n_problems; i++)
		json_array_append_new(problems, json_string(c.problems[i]));
	if (o->json) {
		j = json_pack("{s:b,s:s,s:I,s:i,s:i,s:i,s:{s:b,s:s},s:o,s:i}",
			      "ok", !c.n_problems, "file", file, "receipt",
			      (json_int_t)c.receipt_id, "photos_checked",
			      c.photos_checked, "photos_not_in_pack",
			      c.photos_absent, "entries_checked",
			      c.entries_checked, "station", "checked", station,
			      "said", said, "problems", problems,
			      "problems_not_shown", c.problems_dropped);
		cli_print_json(j);
		json_decref(j);
	} else {
		if (r != -EINVAL)
			printf("%s: receipt %lld: %d photos match the "
			       "manifest, %d listed without their file (not "
			       "on the station when packed), %d audit entries "
			       "match their hashes\n",
			       file, (long long)c.receipt_id, c.photos_checked,
			       c.photos_absent, c.entries_checked);
		if (said[0])
			printf("station: %s\n", said);
		for (int i = 0; i < c.n_problems; i++)
			fprintf(stderr, "retourctl: %s: %s\n", file,
				c.problems[i]);
		if (c.problems_dropped)
			fprintf(stderr, "retourctl: %s: %d more problems\n",
				file, c.problems_dropped);
		if (!c.n_problems)
			printf("%s: verified\n", file);
		json_decref(problems);
	}
	r = c.n_problems ? CLI_FAILED : CLI_OK;
	evidence_check_release(&c);
	return r;
}

int cli_cmd_evidence(const struct cli_opts *o)
{
	if (o->n_pos == 3 && !strcmp(o->pos[1], "verify")) {
		if (o->output || o->zip)
			return cli_usage(
			    "evidence verify takes no -o or --zip");
		return cli_evidence_verify(o, o->pos[2]);
	}
	if (o->n_pos != 2)
		return cli_usage("evidence ID [-o FILE.pdf] [--zip FILE.zip], "
				 "or evidence verify FILE.zip");
	return cli_evidence_get(o, o->pos[1]);
}
