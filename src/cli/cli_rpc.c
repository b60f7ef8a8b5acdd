/* SPDX-License-Identifier: MIT */
/*
 * retourctl's one way to talk to retourd: an HTTP request over the
 * daemon's Unix socket (docs/API.md), JSON in and out.  Every failure --
 * no daemon, a refused request, an answer that is not JSON -- is said here
 * once, in words that name the request and the socket, so the commands
 * only decide what to print from a good answer.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"

/* An answer larger than this is not from retourd. */
#define CLI_RPC_MAX_ANSWER (64 * 1024 * 1024)
#define CLI_RPC_TIMEOUT_S 30L

struct cli_rpc_answer {
	char *data;
	size_t len;
	bool too_big;
};

static size_t cli_rpc_collect(char *ptr, size_t size, size_t nmemb,
			      void *userdata)
{
	struct cli_rpc_answer *b = userdata;
	size_t n = size * nmemb;
	char *grown;

	if (b->len + n > CLI_RPC_MAX_ANSWER) {
		b->too_big = true;
		return 0;
	}
	grown = realloc(b->data, b->len + n + 1);
	if (!grown)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* The transport failed: no socket, no daemon behind it, a timeout, or an
 * answer too large to be retourd's. */
static int cli_rpc_say_unreachable(const struct cli_opts *o, CURL *curl,
				   CURLcode rc, const char *errbuf,
				   const struct cli_rpc_answer *got,
				   const char *method, const char *path)
{
	long os_errno = 0;

	if (got->too_big)
		return cli_fail("%s %s: the answer is over %d MiB; that "
				"is not retourd",
				method, path, CLI_RPC_MAX_ANSWER >> 20);
	if (rc != CURLE_COULDNT_CONNECT)
		return cli_fail("%s %s: request to retourd at %s failed: %s",
				method, path, o->socket,
				errbuf[0] ? errbuf : curl_easy_strerror(rc));
	/* curl's own text names "localhost port 80", which is not where we
	 * went: say what the socket did. */
	curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
	return cli_fail("cannot reach retourd at %s: %s%s%s%s; is it running?",
			o->socket, curl_easy_strerror(rc), os_errno ? " (" : "",
			os_errno ? strerror((int)os_errno) : "",
			os_errno ? ")" : "");
}

/* retourd answered: a 2xx with JSON is the answer, anything else is said
 * with the daemon's own "error" text when it gave one. */
static int cli_rpc_read_answer(long status, const struct cli_rpc_answer *got,
			       const char *method, const char *path,
			       json_t **answer)
{
	json_error_t jerr;
	json_t *j;

	j = got->data ? json_loadb(got->data, got->len, 0, &jerr) : NULL;
	if (status < 200 || status > 299) {
		json_t *e = json_object_get(j, "error");

		if (json_is_string(e))
			cli_fail("%s %s: %s (HTTP %ld)", method, path,
				 json_string_value(e), status);
		else
			cli_fail("%s %s: retourd answered HTTP %ld", method,
				 path, status);
		json_decref(j);
		return CLI_FAILED;
	}
	if (!j)
		return cli_fail("%s %s: retourd's answer is not JSON: %s",
				method, path,
				got->data ? jerr.text : "empty answer");
	*answer = j;
	return CLI_OK;
}

int cli_rpc_call(const struct cli_opts *o, const char *method, const char *path,
		 const char *body, size_t body_len, json_t **answer)
{
	char url[512], errbuf[CURL_ERROR_SIZE] = "";
	struct cli_rpc_answer got = {0};
	struct curl_slist *headers = NULL;
	long status = 0;
	CURLcode rc;
	CURL *curl;
	int r;

	*answer = NULL;
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl = curl_easy_init();
	if (!curl)
		return cli_fail("%s %s: cannot start libcurl", method, path);
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, o->socket);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, cli_rpc_collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &got);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, CLI_RPC_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "retourctl");
	headers = curl_slist_append(headers, "Accept: application/json");
	if (!strcmp(method, "POST")) {
		headers = curl_slist_append(headers,
					    "Content-Type: application/json");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(body ? body_len : 0));
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		r = cli_rpc_say_unreachable(o, curl, rc, errbuf, &got, method,
					    path);
	} else {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		r = cli_rpc_read_answer(status, &got, method, path, answer);
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(got.data);
	return r;
}
