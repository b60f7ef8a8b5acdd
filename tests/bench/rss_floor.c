/* SPDX-License-Identifier: MIT */
/*
 * The floor under retourd's idle RSS: a program that loads and initialises
 * the same shared libraries (libcurl as the outbox sender does) and does
 * nothing else.  Prints its VmRSS in KiB as one JSON line for bench.py.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <ini.h>
#include <jansson.h>
#include <microhttpd.h>
#include <nettle/sha2.h>
#include <sqlite3.h>
#include <systemd/sd-event.h>

static int ignore_ini(void *user, const char *section, const char *name,
		      const char *value)
{
	(void)user;
	(void)section;
	(void)name;
	(void)value;
	return 1;
}

static long vm_rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			sscanf(line + 6, "%ld", &kib);
	fclose(f);
	return kib;
}

int main(void)
{
	struct sha256_ctx sha;
	sd_event *ev = NULL;
	json_t *o;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	sqlite3_initialize();
	sd_event_default(&ev);
	MHD_is_feature_supported(MHD_FEATURE_EPOLL);
	ini_parse_string("", ignore_ini, NULL);
	sha256_init(&sha);
	o = json_object();
	printf("{\"name\": \"RSS floor: the same libraries, initialised, "
	       "nothing else\", \"value\": %.2f, \"unit\": \"MiB\", "
	       "\"target\": \"\"}\n",
	       vm_rss_kib() / 1024.0);
	json_decref(o);
	sd_event_unref(ev);
	curl_global_cleanup();
	return 0;
}
