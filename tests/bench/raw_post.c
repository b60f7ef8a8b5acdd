/* SPDX-License-Identifier: MIT */
/*
 * The raw rate beside the outbox drain rate: one client POSTing the same
 * body COUNT times to URL, one request at a time, each on a fresh
 * connection as the station sends a refund (src/net/http.c), through
 * libcurl as the station does; no store, no connector.
 *
 *   raw_post URL BODYFILE COUNT
 *
 * Prints {"posts":N,"failed":F,"seconds":S}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <curl/curl.h>

static size_t sink(char *d, size_t s, size_t n, void *u)
{
	(void)d;
	(void)u;
	return s * n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char body[256 * 1024];
	char idh[64];
	long status;
	size_t blen;
	int count, i, failed = 0;
	double t0;
	FILE *f;
	CURL *h;

	if (argc != 4) {
		fprintf(stderr, "usage: raw_post URL BODYFILE COUNT\n");
		return 2;
	}
	f = fopen(argv[2], "r");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	blen = fread(body, 1, sizeof(body), f);
	fclose(f);
	count = atoi(argv[3]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_easy_init();
	t0 = now_s();
	for (i = 0; i < count; i++) {
		struct curl_slist *hd = NULL;

		snprintf(idh, sizeof(idh), "webhook-id: raw-%d", i);
		hd = curl_slist_append(hd, "Expect:");
		hd = curl_slist_append(hd, "Content-Type: application/json");
		hd = curl_slist_append(hd, idh);
		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, argv[1]);
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)blen);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
		if (curl_easy_perform(h) != CURLE_OK ||
		    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) !=
			CURLE_OK ||
		    status / 100 != 2)
			failed++;
		curl_slist_free_all(hd);
	}
	printf("{\"posts\":%d,\"failed\":%d,\"seconds\":%.6f}\n", count, failed,
	       now_s() - t0);
	curl_easy_cleanup(h);
	return 0;
}
