/* SPDX-License-Identifier: MIT */
/*
 * libcurl glue for the outbox sender: one request of any method, its
 * status, the first HTTP_BODY_MAX bytes of its body and the final answer's
 * headers (at most HTTP_HEADERS_MAX of them in HTTP_HEADER_BYTES).
 *
 * Deliberately not here: redirects (never followed), protocols other than
 * http/https, any way to switch TLS verification off, cookies, proxies
 * beyond what libcurl reads from the environment.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "retour/http.h"

#define HTTP_CONNECT_TIMEOUT_MS 5000
#define HTTP_TIMEOUT_MS 15000

struct http_client {
	CURL *curl;
	struct http_options opt;
	char *ca_file;
};

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static CURLcode http_init_result;

static void http_global_init_once(void)
{
	http_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int http_global_init(void)
{
	pthread_once(&http_once, http_global_init_once);
	return http_init_result == CURLE_OK ? 0 : -EIO;
}

int http_client_new(const struct http_options *opt, struct http_client **out)
{
	struct http_client *c;
	int r;

	r = http_global_init();
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (opt)
		c->opt = *opt;
	if (c->opt.connect_timeout_ms <= 0)
		c->opt.connect_timeout_ms = HTTP_CONNECT_TIMEOUT_MS;
	if (c->opt.timeout_ms <= 0)
		c->opt.timeout_ms = HTTP_TIMEOUT_MS;
	if (opt && opt->ca_file && opt->ca_file[0]) {
		c->ca_file = strdup(opt->ca_file);
		if (!c->ca_file) {
			free(c);
			return -ENOMEM;
		}
	}
	c->opt.ca_file = c->ca_file;
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c->ca_file);
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c->ca_file);
	free(c);
}

void http_response_free(struct http_response *resp)
{
	if (!resp)
		return;
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}

/* Keep the start of the body; swallow the rest so the transfer completes
 * and the connection can be reused. */
static size_t http_body_write(char *data, size_t size, size_t nmemb,
			      void *userdata)
{
	struct http_response *resp = userdata;
	size_t n = size * nmemb;
	size_t room = HTTP_BODY_MAX - resp->body_len;
	size_t take = n < room ? n : room;

	if (take) {
		memcpy(resp->body + resp->body_len, data, take);
		resp->body_len += take;
		resp->body[resp->body_len] = '\0';
	}
	if (take < n)
		resp->truncated = true;
	return n;
}

static bool http_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/*
 * Keep one header line of the answer.  Only the last response's headers
 * count (a 100 Continue or a proxy's answer comes first: a status line
 * starts over).  Lines without a colon, folded lines and whatever does not
 * fit are dropped: the headers are the shop's and only read, never trusted.
 */
static size_t http_header_write(char *data, size_t size, size_t nmemb,
				void *userdata)
{
	struct http_response *resp = userdata;
	size_t n = size * nmemb, name_end, vstart, vend, need;
	char *colon, *dst;

	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		resp->n_headers = 0;
		resp->header_used = 0;
		return n;
	}
	if (resp->n_headers >= HTTP_HEADERS_MAX || http_blank(data[0]))
		return n;
	colon = memchr(data, ':', n);
	if (!colon || colon == data)
		return n;
	name_end = (size_t)(colon - data);
	vstart = name_end + 1;
	while (vstart < n && http_blank(data[vstart]))
		vstart++;
	vend = n;
	while (vend > vstart && http_blank(data[vend - 1]))
		vend--;
	need = name_end + 1 + (vend - vstart) + 1;
	if (need > sizeof(resp->header_text) - resp->header_used)
		return n;
	dst = resp->header_text + resp->header_used;
	memcpy(dst, data, name_end);
	dst[name_end] = '\0';
	memcpy(dst + name_end + 1, data + vstart, vend - vstart);
	dst[name_end + 1 + (vend - vstart)] = '\0';
	/* A NUL inside the value would only shorten it: harmless. */
	resp->headers[resp->n_headers].name = dst;
	resp->headers[resp->n_headers].value = dst + name_end + 1;
	resp->n_headers++;
	resp->header_used += need;
	return n;
}

void http_response_answer(const struct http_response *resp,
			  struct connector_answer *a)
{
	a->status = resp->status;
	a->body = resp->body;
	a->body_len = resp->body_len;
	a->headers = resp->headers;
	a->n_headers = resp->n_headers;
}

static int http_errno_from_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static int http_client_setup(struct http_client *c,
			     const struct connector_request *req,
			     struct curl_slist *headers,
			     struct http_response *resp, char *errbuf)
{
	CURL *h = c->curl;
	CURLcode rc = CURLE_OK;

#define HTTP_SET(opt, val)                                                     \
	do {                                                                   \
		if (rc == CURLE_OK)                                            \
			rc = curl_easy_setopt(h, opt, val);                    \
	} while (0)

	curl_easy_reset(h);
	HTTP_SET(CURLOPT_URL, req->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	HTTP_SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	HTTP_SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	HTTP_SET(CURLOPT_FOLLOWLOCATION, 0L);
	/* libcurl sends a request again, by itself, when a reused connection
	 * dies without an answer, and it cannot tell a server that closed an
	 * idle connection from one that took the request and then dropped
	 * it.  Whatever changes something at the shop (a refund) goes on a
	 * fresh connection, so it is sent once per attempt the sender
	 * counts; lookups and idempotent requests (connector.h) may reuse
	 * one. */
	HTTP_SET(CURLOPT_FRESH_CONNECT, req->method == CONNECTOR_GET ||
						req->method == CONNECTOR_HEAD ||
						req->idempotent
					    ? 0L
					    : 1L);
	HTTP_SET(CURLOPT_NOSIGNAL, 1L);
	HTTP_SET(CURLOPT_SSL_VERIFYPEER, 1L);
	HTTP_SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->opt.ca_file)
		HTTP_SET(CURLOPT_CAINFO, c->opt.ca_file);
	HTTP_SET(CURLOPT_CONNECTTIMEOUT_MS, (long)c->opt.connect_timeout_ms);
	HTTP_SET(CURLOPT_TIMEOUT_MS, (long)c->opt.timeout_ms);
	switch (req->method) {
	case CONNECTOR_GET:
		HTTP_SET(CURLOPT_HTTPGET, 1L);
		break;
	case CONNECTOR_POST:
		HTTP_SET(CURLOPT_POST, 1L);
		break;
	case CONNECTOR_HEAD:
		HTTP_SET(CURLOPT_NOBODY, 1L);
		break;
	default:
		/* PUT, PATCH, DELETE: a POST's body under another name. */
		HTTP_SET(CURLOPT_POST, 1L);
		HTTP_SET(CURLOPT_CUSTOMREQUEST,
			 connector_method_name(req->method));
		break;
	}
	if (req->method != CONNECTOR_GET && req->method != CONNECTOR_HEAD) {
		HTTP_SET(CURLOPT_POSTFIELDS, req->body ? req->body : "");
		HTTP_SET(CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)req->body_len);
	}
	if (req->aws_sigv4[0]) {
		/* libcurl signs (SigV4); the payload's hash is the request's
		 * own x-amz-content-sha256 header. */
		HTTP_SET(CURLOPT_AWS_SIGV4, req->aws_sigv4);
		HTTP_SET(CURLOPT_USERNAME,
			 req->auth_user ? req->auth_user : "");
		HTTP_SET(CURLOPT_PASSWORD,
			 req->auth_password ? req->auth_password : "");
	}
	HTTP_SET(CURLOPT_HTTPHEADER, headers);
	HTTP_SET(CURLOPT_WRITEFUNCTION, http_body_write);
	HTTP_SET(CURLOPT_WRITEDATA, resp);
	HTTP_SET(CURLOPT_HEADERFUNCTION, http_header_write);
	HTTP_SET(CURLOPT_HEADERDATA, resp);
	HTTP_SET(CURLOPT_ERRORBUFFER, errbuf);
#undef HTTP_SET
	if (rc != CURLE_OK) {
		snprintf(resp->error, sizeof(resp->error),
			 "cannot set up the request: %s",
			 curl_easy_strerror(rc));
		return -EINVAL;
	}
	return 0;
}

int http_client_send(struct http_client *c, const struct connector_request *req,
		     struct http_response *resp)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL, *tmp;
	CURLcode rc;
	int i, r;

	memset(resp, 0, sizeof(*resp));
	resp->body = malloc(HTTP_BODY_MAX + 1);
	if (!resp->body)
		return -ENOMEM;
	resp->body[0] = '\0';

	/* A large body would otherwise wait for "100 Continue" first. */
	tmp = curl_slist_append(headers, "Expect:");
	if (!tmp)
		return -ENOMEM;
	headers = tmp;
	for (i = 0; i < req->n_headers; i++) {
		tmp = curl_slist_append(headers, req->headers[i]);
		if (!tmp) {
			curl_slist_free_all(headers);
			return -ENOMEM;
		}
		headers = tmp;
	}

	r = http_client_setup(c, req, headers, resp, errbuf);
	if (r < 0) {
		curl_slist_free_all(headers);
		return r;
	}
	rc = curl_easy_perform(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK) {
		/* libcurl's text names the host and the cause but never the
		 * headers, so no secret leaks into it. */
		snprintf(resp->error, sizeof(resp->error), "%s",
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		resp->status = 0;
		return http_errno_from_curl(rc);
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	return 0;
}

int http_client_exchange(struct http_client *c,
			 const struct connector_request *req,
			 struct http_response *resp, struct connector_answer *a,
			 char *err, size_t errlen)
{
	int r = http_client_send(c, req, resp);

	if (r < 0) {
		snprintf(err, errlen, "%s",
			 resp->error[0] ? resp->error : strerror(-r));
		return r;
	}
	http_response_answer(resp, a);
	return 0;
}
