/* SPDX-License-Identifier: MIT */
/*
 * The station image's system as retourd sees it (GET /api/v1/system and
 * /api/v1/system/bundles), and an update started through retourd, as the
 * station page starts one: `retourctl system install BUNDLE --supervisor
 * BADGE`.  A bundle the drive list names is installed from where it is;
 * any other file is sent to retourd as the request's body.  Either way
 * retourd runs RAUC as its own user (the image's D-Bus policy lets it),
 * tells the screens, and writes the outcome in the audit log; this file
 * follows the update to its end and says how it ended.  Unlike `system
 * update` (cli_system.c) it needs no root (retourd's socket: group
 * retour), but a supervisor.  Interrupted, it stops following, not the
 * install.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"

#define CLI_UPDATE_PATH "/api/v1/system/update"
#define CLI_UPDATE_POLL_MS 500
/* how long retourd may not answer before the outcome is called unknown */
#define CLI_UPDATE_LOST_S 30

static const char *cli_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : "-";
}

void cli_say_installed(const char *bundle)
{
	printf("%s is installed in the other slot; it starts at the next "
	       "boot (reboot), and the station goes back to this one by "
	       "itself if retourd does not reach READY there\n",
	       bundle);
}

int cli_system_status(const struct cli_opts *o)
{
	json_t *j, *slot, *update;
	size_t i;
	int r = cli_rpc_call(o, "GET", "/api/v1/system", NULL, 0, &j);

	if (r)
		return r;
	if (o->json) {
		cli_print_json(j);
		json_decref(j);
		return CLI_OK;
	}
	printf("version    %s\n", cli_str(j, "version"));
	if (json_is_true(json_object_get(j, "image")))
		printf("slot       %s (next boot: %s)\n", cli_str(j, "slot"),
		       cli_str(j, "next_boot"));
	else
		printf("slot       - (%s)\n", cli_str(j, "text"));
	json_array_foreach(json_object_get(j, "slots"), i, slot) printf(
	    "  %-8s %s, %s, boot %s, bundle %s, installed %s\n",
	    cli_str(slot, "bootname"), cli_str(slot, "name"),
	    cli_str(slot, "state"), cli_str(slot, "boot_status"),
	    cli_str(slot, "bundle_version"), cli_str(slot, "installed_at"));
	if (json_is_string(json_object_get(j, "rauc_error")))
		printf("rauc       %s\n", cli_str(j, "rauc_error"));
	update = json_object_get(j, "update");
	printf("update     %s: %s", cli_str(update, "state"),
	       cli_str(update, "text"));
	if (json_is_string(json_object_get(update, "bundle")))
		printf(" (%s, by %s)", cli_str(update, "bundle"),
		       cli_str(update, "by"));
	if (json_is_string(json_object_get(update, "reason")))
		printf(": %s", cli_str(update, "reason"));
	printf("\n");
	json_array_foreach(json_object_get(j, "setup_missing"), i, slot)
	    printf("missing    %s\n",
		   json_is_string(slot) ? json_string_value(slot) : "-");
	json_decref(j);
	return CLI_OK;
}

int cli_system_bundles(const struct cli_opts *o)
{
	json_t *j, *b;
	size_t i;
	int r = cli_rpc_call(o, "GET", "/api/v1/system/bundles", NULL, 0, &j);

	if (r)
		return r;
	if (o->json) {
		cli_print_json(j);
	} else if (json_array_size(j) == 0) {
		printf("no update bundle (*.raucb) on a removable drive\n");
	} else {
		json_array_foreach(j, i, b)
		    printf("%s  %s bytes  %s\n", cli_str(b, "path"),
			   cli_field_text(b, "size"), cli_str(b, "modified"));
	}
	json_decref(j);
	return CLI_OK;
}

/* Whether the drive list names @bundle (as given, or its real path):
 * then retourd installs it from there.  The listed path into @listed. */
static int cli_bundle_listed(const struct cli_opts *o, const char *bundle,
			     char *listed, size_t listed_size)
{
	char real[PATH_MAX];
	json_t *j, *b;
	size_t i;
	int r = cli_rpc_call(o, "GET", "/api/v1/system/bundles", NULL, 0, &j);

	if (r)
		return -1;
	if (!realpath(bundle, real))
		snprintf(real, sizeof(real), "%s", bundle);
	listed[0] = '\0';
	json_array_foreach(j, i, b)
	{
		const char *path =
		    json_string_value(json_object_get(b, "path"));

		if (path && (!strcmp(path, bundle) || !strcmp(path, real))) {
			snprintf(listed, listed_size, "%s", path);
			break;
		}
	}
	json_decref(j);
	return listed[0] ? 1 : 0;
}

/* A badge in a query string: what is not a letter, a digit or -._~ as
 * %XX; -1 when it does not fit in @out_size. */
static int cli_query_escape(const char *s, char *out, size_t out_size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s && n + 4 < out_size; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c)) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return *s ? -1 : 0;
}

/* The file itself as the request's body. */
static int cli_install_upload(const struct cli_opts *o, const char *bundle,
			      json_t **answer)
{
	char path[512], badge[200];
	struct stat st;
	FILE *f;
	int r;

	f = fopen(bundle, "rb");
	if (!f)
		return cli_fail("system install: %s: %s", bundle,
				strerror(errno));
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return cli_fail("system install: %s is not a bundle file",
				bundle);
	}
	snprintf(path, sizeof(path), "%s", CLI_UPDATE_PATH);
	if (o->supervisor) {
		if (cli_query_escape(o->supervisor, badge, sizeof(badge)) < 0) {
			fclose(f);
			return cli_usage("--supervisor: that is not a badge "
					 "(too long)");
		}
		snprintf(path, sizeof(path), "%s?supervisor=%s",
			 CLI_UPDATE_PATH, badge);
	}
	r = cli_rpc_upload_file(o, path, f, (long long)st.st_size, answer);
	fclose(f);
	return r;
}

static void cli_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The update as retourd says it now, quietly: NULL while retourd cannot
 * be reached or answers something else (it may be restarting). */
static json_t *cli_update_now(const struct cli_opts *o)
{
	char why[200], *data = NULL;
	long status = 0;
	size_t len = 0;
	json_t *j = NULL;

	if (cli_rpc_get_raw(o, CLI_UPDATE_PATH, &status, &data, &len, why,
			    sizeof(why)) == 0 &&
	    status == 200)
		j = json_loadb(data, len, 0, NULL);
	free(data);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* Whether @now is still the update @ours (the 202's): the same start,
 * bundle and source. */
static bool cli_same_update(const json_t *ours, const json_t *now)
{
	static const char *const keys[] = {"started_at", "bundle", "source"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(cli_str(ours, keys[i]), cli_str(now, keys[i])))
			return false;
	return true;
}

static int cli_install_unknown(const char *bundle, const char *what)
{
	return cli_fail("system install: %s: %s; RAUC may still be "
			"installing it: `retourctl system` shows the slots, "
			"the audit log how it ended",
			bundle, what);
}

/* Follow the update retourd started (@ours, its 202 answer, consumed)
 * until it ends; its progress on stderr as it changes (not under
 * --json).  A retourd that cannot be reached for
 * CLI_UPDATE_LOST_S, that restarted, or that runs another update by
 * then, leaves the outcome unknown, and that is said. */
static int cli_install_follow(const struct cli_opts *o, const char *bundle,
			      json_t *ours)
{
	json_t *update = json_incref(ours);
	char said[300] = "";
	int lost_ms = 0;

	for (;;) {
		const char *state = cli_str(update, "state");
		char now[300];
		int r = -1;

		if (!cli_same_update(ours, update))
			r = cli_install_unknown(
			    bundle,
			    !strcmp(state, "idle")
				? "retourd restarted during the install"
				: "another update started after this one");
		else if (!strcmp(state, "installed")) {
			if (o->json) {
				json_t *j = json_pack("{s:b,s:s,s:O}",
						      "installed", 1, "bundle",
						      bundle, "update", update);

				cli_print_json(j);
				json_decref(j);
			} else {
				cli_say_installed(bundle);
			}
			r = CLI_OK;
		} else if (strcmp(state, "installing")) {
			r = cli_fail_with(
			    json_pack("{s:b,s:s,s:O}", "installed", 0, "bundle",
				      bundle, "update", update),
			    "system install: %s was refused, nothing was "
			    "changed: %s",
			    bundle, cli_str(update, "reason"));
		}
		if (r >= 0) {
			json_decref(update);
			json_decref(ours);
			return r;
		}
		snprintf(now, sizeof(now), "%s %s",
			 cli_field_text(update, "percent"),
			 cli_str(update, "message"));
		if (!o->json && strcmp(now, said) &&
		    json_is_integer(json_object_get(update, "percent"))) {
			fprintf(stderr, "retourctl: %3s%%  %s\n",
				cli_field_text(update, "percent"),
				cli_str(update, "message"));
			snprintf(said, sizeof(said), "%s", now);
		}
		json_decref(update);
		for (;;) {
			cli_sleep_ms(CLI_UPDATE_POLL_MS);
			update = cli_update_now(o);
			if (update)
				break;
			lost_ms += CLI_UPDATE_POLL_MS;
			if (lost_ms >= CLI_UPDATE_LOST_S * 1000) {
				json_decref(ours);
				return cli_install_unknown(
				    bundle, "retourd stopped answering during "
					    "the install");
			}
		}
		lost_ms = 0;
	}
}

int cli_system_install(const struct cli_opts *o, const char *bundle)
{
	char listed[PATH_MAX];
	json_t *answer = NULL;
	int r = cli_bundle_listed(o, bundle, listed, sizeof(listed));

	if (r < 0)
		return CLI_FAILED;
	if (r == 1) {
		json_t *body = json_pack("{s:s}", "bundle", listed);
		char *text;

		if (body && o->supervisor &&
		    json_object_set_new(body, "supervisor",
					json_string(o->supervisor)) < 0) {
			json_decref(body);
			return cli_usage("--supervisor: the badge is not "
					 "text (UTF-8)");
		}
		text = body ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		if (!text)
			return cli_fail("system install: out of memory");
		r = cli_rpc_call(o, "POST", CLI_UPDATE_PATH, text, strlen(text),
				 &answer);
		free(text);
	} else {
		r = cli_install_upload(o, bundle, &answer);
	}
	if (r && cli_rpc_last_status() == 403 && !o->json)
		fprintf(stderr, "retourctl: give a supervisor's badge with "
				"--supervisor BADGE\n");
	if (r)
		return r;
	return cli_install_follow(o, bundle, answer);
}
