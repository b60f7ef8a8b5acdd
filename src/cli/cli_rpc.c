/* SPDX-License-Identifier: MIT */
/*
 * retourctl's one way to talk to retourd: an HTTP request over the
 * daemon's Unix socket (docs/API.md), JSON in and out.  It tries the
 * sockets main() found in order, moving on only when one cannot be
 * connected to (nothing was sent), and stays with the first that answers.
 * Every failure -- no daemon, a refused request, an answer that is not
 * JSON -- is said here once, in words that name the request and the
 * sockets, so the commands only decide what to print from a good answer.
 * A check (db check, audit verify) is the exception: its answer says
 * what it found even when that is a fault, so its body comes back.
 */
#include <stdbool.h>
#include <stdio.h>
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

/* Which of o->sockets answered first; the rest of the run stays there. */
static int cli_rpc_found = -1;

/* Why one socket did not answer, for the message naming all tried. */
static void cli_rpc_why_not(CURL *curl, CURLcode rc, const char *errbuf,
			    char *why, size_t size)
{
	long os_errno = 0;

	/* curl's own text names "localhost port 80", which is not where we
	 * went: say what the socket did. */
	curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
	if (rc == CURLE_COULDNT_CONNECT && os_errno)
		snprintf(why, size, "%s", strerror((int)os_errno));
	else
		snprintf(why, size, "%s",
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

/* No socket answered: name each one tried, with why, and how to choose
 * another. */
static int cli_rpc_say_unreachable(const struct cli_opts *o, int first,
				   int last, char why[][160])
{
	char tried[CLI_MAX_SOCKETS * 300] = "";
	json_t *paths = json_array();
	size_t len = 0;

	for (int i = first; i <= last; i++) {
		int n = snprintf(tried + len, sizeof(tried) - len, "%s%s (%s)",
				 i > first ? ", " : "", o->sockets[i], why[i]);

		if (n > 0 && (size_t)n < sizeof(tried) - len)
			len += (size_t)n;
		json_array_append_new(paths, json_string(o->sockets[i]));
	}
	if (first == last)
		return cli_fail_with(
		    json_pack("{s:o}", "tried", paths),
		    "cannot reach retourd at %s: %s; is it running? (the "
		    "socket %s%s; choose another with --socket PATH or "
		    "RETOUR_SOCKET=PATH)",
		    o->sockets[first], why[first],
		    o->socket_from ? "comes from " : "answered a moment ago",
		    o->socket_from ? o->socket_from : "");
	return cli_fail_with(json_pack("{s:o}", "tried", paths),
			     "cannot reach retourd: tried %s; is it running? "
			     "Name its socket with --socket PATH or "
			     "RETOUR_SOCKET=PATH",
			     tried);
}

/* The HTTP status of the last answer; 0 when retourd did not answer. */
static long cli_rpc_status;

long cli_rpc_last_status(void)
{
	return cli_rpc_status;
}

/* A check's answer (db check, audit verify): an object whose boolean "ok"
 * says what it found, also when that is a fault (500). */
static bool cli_rpc_is_check(const json_t *j)
{
	return json_is_object(j) && json_is_boolean(json_object_get(j, "ok"));
}

/* retourd answered: a 2xx with JSON is the answer, and with @check a
 * check's answer whatever its status; anything else is said with the
 * daemon's own "error" text when it gave one. */
static int cli_rpc_read_answer(long status, const struct cli_rpc_answer *got,
			       const char *method, const char *path, bool check,
			       json_t **answer)
{
	json_error_t jerr;
	json_t *j;

	j = got->data ? json_loadb(got->data, got->len, 0, &jerr) : NULL;
	if ((status < 200 || status > 299) && !(check && cli_rpc_is_check(j))) {
		json_t *e = json_object_get(j, "error");
		json_t *extra =
		    json_pack("{s:I,s:s,s:s}", "status", (json_int_t)status,
			      "method", method, "path", path);
		int r;

		if (json_is_string(e))
			r = cli_fail_with(extra, "%s %s: %s (HTTP %ld)", method,
					  path, json_string_value(e), status);
		else
			r = cli_fail_with(extra,
					  "%s %s: retourd answered HTTP %ld",
					  method, path, status);
		json_decref(j);
		return r;
	}
	if (!j)
		return cli_fail("%s %s: retourd's answer is not JSON: %s",
				method, path,
				got->data ? jerr.text : "empty answer");
	*answer = j;
	return CLI_OK;
}

/* A body read from a file as it is sent (a bundle), not held in memory. */
struct cli_rpc_upload {
	FILE *f;
	curl_off_t size;
};

static size_t cli_rpc_read_upload(char *buf, size_t size, size_t nmemb,
				  void *userdata)
{
	const struct cli_rpc_upload *up = userdata;
	size_t n = fread(buf, 1, size * nmemb, up->f);

	return n == 0 && ferror(up->f) ? CURL_READFUNC_ABORT : n;
}

/* One attempt at @socket: CURLE_OK with *status, or the transport's
 * failure with @why saying it.  With @up, its file is the body
 * (application/octet-stream), however long it takes while bytes move. */
static CURLcode cli_rpc_send(const char *socket, const char *method,
			     const char *path, const char *body,
			     size_t body_len, const struct cli_rpc_upload *up,
			     struct cli_rpc_answer *got, long *status,
			     char *why, size_t why_size)
{
	char url[512], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	CURLcode rc;
	CURL *curl;

	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl = curl_easy_init();
	if (!curl) {
		snprintf(why, why_size, "cannot start libcurl");
		return CURLE_FAILED_INIT;
	}
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, cli_rpc_collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, got);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, CLI_RPC_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "retourctl");
	headers = curl_slist_append(headers, "Accept: application/json");
	if (strcmp(method, "GET"))
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (up) {
		headers = curl_slist_append(
		    headers, "Content-Type: application/octet-stream");
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		curl_easy_setopt(curl, CURLOPT_READFUNCTION,
				 cli_rpc_read_upload);
		curl_easy_setopt(curl, CURLOPT_READDATA, up);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, up->size);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT, 0L);
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
				 CLI_RPC_TIMEOUT_S);
	} else if (body || !strcmp(method, "POST")) {
		headers = curl_slist_append(headers,
					    "Content-Type: application/json");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(body ? body_len : 0));
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	else
		cli_rpc_why_not(curl, rc, errbuf, why, why_size);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return rc;
}

static int cli_rpc_request(const struct cli_opts *o, const char *method,
			   const char *path, const char *body, size_t body_len,
			   const struct cli_rpc_upload *up, bool check,
			   json_t **answer)
{
	char why[CLI_MAX_SOCKETS][160];
	int first = cli_rpc_found >= 0 ? cli_rpc_found : 0;
	int last = cli_rpc_found >= 0 ? cli_rpc_found : o->n_sockets - 1;

	*answer = NULL;
	cli_rpc_status = 0;
	for (int i = first; i <= last; i++) {
		struct cli_rpc_answer got = {0};
		long status = 0;
		CURLcode rc;
		int r;

		rc = cli_rpc_send(o->sockets[i], method, path, body, body_len,
				  up, &got, &status, why[i], sizeof(why[i]));
		if (rc == CURLE_OK) {
			cli_rpc_found = i;
			cli_rpc_status = status;
			r = cli_rpc_read_answer(status, &got, method, path,
						check, answer);
		} else if (got.too_big) {
			r = cli_fail("%s %s: the answer is over %d MiB; that "
				     "is not retourd",
				     method, path, CLI_RPC_MAX_ANSWER >> 20);
		} else if (rc == CURLE_COULDNT_CONNECT && i < last) {
			free(got.data);
			continue; /* nothing was sent: the next socket */
		} else if (rc == CURLE_COULDNT_CONNECT) {
			r = cli_rpc_say_unreachable(o, first, i, why);
		} else {
			r = cli_fail("%s %s: request to retourd at %s failed: "
				     "%s",
				     method, path, o->sockets[i], why[i]);
		}
		free(got.data);
		return r;
	}
	return cli_fail("no socket to reach retourd at");
}

int cli_rpc_call(const struct cli_opts *o, const char *method, const char *path,
		 const char *body, size_t body_len, json_t **answer)
{
	return cli_rpc_request(o, method, path, body, body_len, NULL, false,
			       answer);
}

int cli_rpc_upload_file(const struct cli_opts *o, const char *path, FILE *f,
			long long size, json_t **answer)
{
	struct cli_rpc_upload up = {.f = f, .size = (curl_off_t)size};

	return cli_rpc_request(o, "POST", path, NULL, 0, &up, false, answer);
}

int cli_rpc_check(const struct cli_opts *o, const char *path, json_t **answer)
{
	return cli_rpc_request(o, "GET", path, NULL, 0, NULL, true, answer);
}

int cli_rpc_get_raw(const struct cli_opts *o, const char *path, long *status,
		    char **data, size_t *len, char *why, size_t why_size)
{
	char whys[CLI_MAX_SOCKETS][160];
	int first = cli_rpc_found >= 0 ? cli_rpc_found : 0;
	int last = cli_rpc_found >= 0 ? cli_rpc_found : o->n_sockets - 1;

	*data = NULL;
	*len = 0;
	*status = 0;
	snprintf(why, why_size, "no socket to reach retourd at");
	for (int i = first; i <= last; i++) {
		struct cli_rpc_answer got = {0};
		CURLcode rc =
		    cli_rpc_send(o->sockets[i], "GET", path, NULL, 0, NULL,
				 &got, status, whys[i], sizeof(whys[i]));

		if (rc == CURLE_OK) {
			cli_rpc_found = i;
			cli_rpc_status = *status;
			*data = got.data;
			*len = got.len;
			return 0;
		}
		free(got.data);
		if (got.too_big)
			snprintf(why, why_size,
				 "the answer is over %d MiB; that is not "
				 "retourd",
				 CLI_RPC_MAX_ANSWER >> 20);
		else
			snprintf(why, why_size, "retourd at %s: %s",
				 o->sockets[i], whys[i]);
		if (rc != CURLE_COULDNT_CONNECT || got.too_big)
			return -1;
	}
	return -1;
}
