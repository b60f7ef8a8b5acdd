/* SPDX-License-Identifier: MIT */
/*
 * The `s3` connector: put a photo into an S3-compatible bucket (AWS S3,
 * MinIO, Ceph, Backblaze B2 and the like), for the [photo upload] section
 * (photo_upload.h).  The object's key is the photo's SHA-256 under the
 * configured prefix, so the same content is the same object: a PUT sent
 * twice writes the same bytes again, and a row attempted before is looked
 * up first (a HEAD: the object is there with our x-amz-meta-sha256) and is
 * then done without a second PUT.  A photo retention purged is deleted
 * from the bucket the same way (a "photo.delete" row): DELETE, where an
 * object already gone counts as deleted.
 *
 * libcurl signs each request (AWS Signature Version 4, CURLOPT_AWS_SIGV4)
 * with the access key id and the secret the station read from their
 * files; the payload's hash travels in x-amz-content-sha256, which is
 * also the photo's content hash the station recorded.  The connector
 * reads no file and no clock: the sender hands it the photo's bytes.
 *
 * Settings: endpoint (http:// or https://, no path), region, bucket,
 * prefix (optional), path_style (yes | no, default yes),
 * access_key_id_file, secret_access_key_file.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "retour/connector.h"

#include "retour/photo_upload.h"

#define S3_EMPTY_SHA256                                                        \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_KEY_MAX 512

struct s3_state {
	char endpoint[CONNECTOR_URL_LEN];
	char region[64];
	char bucket[64];
	char prefix[200];
	bool path_style;
	bool has_id_file;
	bool has_secret_file;
	char *access_key_id;
	char *secret;
};

static int s3_init(void **state)
{
	struct s3_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->path_style = true;
	*state = st;
	return 0;
}

static void s3_free(void *state)
{
	struct s3_state *st = state;

	if (!st)
		return;
	connector_secret_free(&st->access_key_id);
	connector_secret_free(&st->secret);
	free(st);
}

/* A bucket name as S3 takes it: 3-63 of a-z 0-9 . -, starting and ending
 * with a letter or a digit. */
static bool s3_bucket_ok(const char *b)
{
	size_t n = strlen(b);

	if (n < 3 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = b[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && c != '.' && c != '-')
			return false;
		if ((i == 0 || i == n - 1) && !alnum)
			return false;
	}
	return true;
}

/* Key text that needs no percent-encoding: A-Z a-z 0-9 / _ . - */
static bool s3_key_chars_ok(const char *k)
{
	for (; *k; k++) {
		char c = *k;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '/' || c == '_' ||
		      c == '.' || c == '-'))
			return false;
	}
	return true;
}

static bool s3_region_ok(const char *r)
{
	size_t n = strlen(r);

	if (n == 0 || n > 32)
		return false;
	for (; *r; r++)
		if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') ||
		      *r == '-'))
			return false;
	return true;
}

static int s3_configure(void *state, const struct connector_setting *s,
			char *problem, size_t len)
{
	struct s3_state *st = state;
	const char *v = s->value;

	if (!strcmp(s->key, "endpoint")) {
		if (!connector_base_url(st->endpoint, v, S3_KEY_MAX + 140) ||
		    strchr(strstr(st->endpoint, "://") + 3, '/')) {
			snprintf(problem, len,
				 "not an http:// or https:// URL without a "
				 "path");
			return -EINVAL;
		}
	} else if (!strcmp(s->key, "region")) {
		if (!s3_region_ok(v)) {
			snprintf(problem, len,
				 "1-32 of a-z 0-9 - (e.g. eu-central-1)");
			return -EINVAL;
		}
		snprintf(st->region, sizeof(st->region), "%s", v);
	} else if (!strcmp(s->key, "bucket")) {
		if (!s3_bucket_ok(v)) {
			snprintf(problem, len,
				 "not a bucket name (3-63 of a-z 0-9 . -)");
			return -EINVAL;
		}
		snprintf(st->bucket, sizeof(st->bucket), "%s", v);
	} else if (!strcmp(s->key, "prefix")) {
		/* no empty, "." or ".." segment: a URL's path would lose
		 * them on the way, and the key with them */
		if (strlen(v) >= sizeof(st->prefix) || !s3_key_chars_ok(v) ||
		    v[0] == '/' || v[0] == '.' || strstr(v, "//") ||
		    strstr(v, "/.")) {
			snprintf(problem, len,
				 "at most %zu of A-Z a-z 0-9 / _ . -, no "
				 "segment empty or starting with '.'",
				 sizeof(st->prefix) - 1);
			return -EINVAL;
		}
		snprintf(st->prefix, sizeof(st->prefix), "%s", v);
	} else if (!strcmp(s->key, "path_style")) {
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
			st->path_style = true;
		else if (!strcmp(v, "no") || !strcmp(v, "false") ||
			 !strcmp(v, "0"))
			st->path_style = false;
		else {
			snprintf(problem, len, "yes or no");
			return -EINVAL;
		}
	} else if (!strcmp(s->key, "access_key_id_file")) {
		st->has_id_file = v[0] != '\0';
		if (s->secret &&
		    connector_secret_set(&st->access_key_id, s->secret) < 0)
			return -ENOMEM;
	} else if (!strcmp(s->key, "secret_access_key_file")) {
		st->has_secret_file = v[0] != '\0';
		if (s->secret &&
		    connector_secret_set(&st->secret, s->secret) < 0)
			return -ENOMEM;
	} else {
		snprintf(problem, len,
			 "unknown key (endpoint, region, bucket, prefix, "
			 "path_style, access_key_id_file, "
			 "secret_access_key_file)");
		return -EINVAL;
	}
	return 0;
}

static int s3_check(void *state, bool secrets, char *problem, size_t len)
{
	struct s3_state *st = state;
	const char *missing = !st->endpoint[0]	     ? "endpoint"
			      : !st->bucket[0]	     ? "bucket"
			      : !st->region[0]	     ? "region"
			      : !st->has_id_file     ? "access_key_id_file"
			      : !st->has_secret_file ? "secret_access_key_file"
						     : NULL;

	if (missing) {
		snprintf(problem, len, "%s is missing", missing);
		return -EINVAL;
	}
	if (secrets && (!st->access_key_id || !st->access_key_id[0] ||
			!st->secret || !st->secret[0])) {
		snprintf(problem, len,
			 "the access key id or the secret file is empty");
		return -EINVAL;
	}
	return 0;
}

/* The photo a row names: its object key and SHA-256, from the row's body
 * (photo_upload.h).  0, or -EINVAL with @err. */
static int s3_photo_of(const struct connector_message *m, char *key,
		       size_t keylen, char sha[65], char *err, size_t errlen)
{
	json_t *root, *k, *h;
	int r = -EINVAL;

	if (strcmp(m->action, PHOTO_UPLOAD_ACTION) &&
	    strcmp(m->action, PHOTO_DELETE_ACTION)) {
		snprintf(err, errlen,
			 "the s3 connector only uploads and deletes photos");
		return -EINVAL;
	}
	root = m->body ? json_loadb(m->body, m->body_len, 0, NULL) : NULL;
	k = json_object_get(root, "object_key");
	h = json_object_get(root, "sha256");
	if (!json_is_string(k) || !json_is_string(h) ||
	    strlen(json_string_value(h)) != 64 ||
	    strspn(json_string_value(h), "0123456789abcdef") != 64)
		snprintf(err, errlen, "the row names no photo");
	else if (strlen(json_string_value(k)) >= keylen ||
		 !json_string_value(k)[0] ||
		 !s3_key_chars_ok(json_string_value(k)))
		snprintf(err, errlen, "the row's object key cannot be used");
	else {
		snprintf(key, keylen, "%s", json_string_value(k));
		snprintf(sha, 65, "%s", json_string_value(h));
		r = 0;
	}
	json_decref(root);
	return r;
}

/* The object's URL: path style (endpoint/bucket/key) or virtual-hosted
 * (scheme://bucket.host/key). */
static int s3_url(const struct s3_state *st, const char *key, char *out,
		  size_t outlen)
{
	const char *host = strstr(st->endpoint, "://");
	int n;

	if (st->path_style)
		n = snprintf(out, outlen, "%s/%s/%s", st->endpoint, st->bucket,
			     key);
	else
		n = snprintf(out, outlen, "%.*s%s.%s/%s",
			     (int)(host + 3 - st->endpoint), st->endpoint,
			     st->bucket, host + 3, key);
	return n > 0 && (size_t)n < outlen ? 0 : -ENAMETOOLONG;
}

static int s3_sign(const struct s3_state *st, struct connector_request *req)
{
	int n = snprintf(req->aws_sigv4, sizeof(req->aws_sigv4),
			 "aws:amz:%s:s3", st->region);

	req->auth_user = st->access_key_id;
	req->auth_password = st->secret;
	return n > 0 && (size_t)n < sizeof(req->aws_sigv4) ? 0 : -EINVAL;
}

/* The DELETE of the object under @key: sent twice, gone once. */
static int s3_build_delete(const struct s3_state *st, const char *key,
			   struct connector_request *req, char *err,
			   size_t errlen)
{
	int r;

	if (s3_url(st, key, req->url, sizeof(req->url)) < 0) {
		snprintf(err, errlen, "the object's URL is too long");
		return -EINVAL;
	}
	req->method = CONNECTOR_DELETE;
	req->idempotent = true;
	r = s3_sign(st, req);
	if (r == 0)
		r = connector_request_add_header(req, "x-amz-content-sha256",
						 S3_EMPTY_SHA256);
	if (r < 0) {
		snprintf(err, errlen, "cannot make the request");
		return r == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	return 0;
}

static int s3_build(void *state, const struct connector_message *m,
		    int64_t now_us, struct connector_request *req, char *err,
		    size_t errlen)
{
	struct s3_state *st = state;
	char key[S3_KEY_MAX], sha[65];
	int r;

	(void)now_us;
	if (s3_photo_of(m, key, sizeof(key), sha, err, errlen) < 0)
		return -EINVAL;
	if (!strcmp(m->action, PHOTO_DELETE_ACTION))
		return s3_build_delete(st, key, req, err, errlen);
	if (!m->file) {
		snprintf(err, errlen, "no photo bytes to upload");
		return -EINVAL;
	}
	if (s3_url(st, key, req->url, sizeof(req->url)) < 0) {
		snprintf(err, errlen, "the object's URL is too long");
		return -EINVAL;
	}
	req->method = CONNECTOR_PUT;
	/* the same bytes under the same key: sent twice, stored once */
	req->idempotent = true;
	req->body = malloc(m->file_len ? m->file_len : 1);
	if (!req->body)
		return -ENOMEM;
	memcpy(req->body, m->file, m->file_len);
	req->body_len = m->file_len;
	r = s3_sign(st, req);
	if (r == 0)
		r = connector_request_add_header(req, "Content-Type",
						 "image/jpeg");
	if (r == 0)
		r = connector_request_add_header(req, "x-amz-content-sha256",
						 sha);
	if (r == 0)
		r = connector_request_add_header(req, "x-amz-meta-sha256", sha);
	if (r < 0) {
		snprintf(err, errlen, "cannot make the request");
		return r == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	return 0;
}

/* The text of <@tag>...</@tag> in an S3 error body, made printable. */
static void s3_xml_text(const struct connector_answer *a, const char *tag,
			char *out, size_t outlen)
{
	char open[24], close[24];
	const char *b = a->body, *end, *p, *q;
	size_t ol, cl;

	out[0] = '\0';
	if (!b)
		return;
	end = b + a->body_len;
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	ol = strlen(open);
	cl = strlen(close);
	for (p = b; p + ol <= end && memcmp(p, open, ol); p++)
		;
	if (p + ol > end)
		return;
	p += ol;
	for (q = p; q + cl <= end && memcmp(q, close, cl); q++)
		;
	if (q + cl > end)
		return;
	connector_text_sanitize(out, outlen, p, (size_t)(q - p));
}

/* "S3 answered 403: InvalidAccessKeyId: The AWS Access Key ..." */
static void s3_error_text(const struct s3_state *st, const char *what,
			  const struct connector_answer *a, char *err,
			  size_t errlen)
{
	char code[64], msg[160];

	s3_xml_text(a, "Code", code, sizeof(code));
	s3_xml_text(a, "Message", msg, sizeof(msg));
	snprintf(err, errlen, "S3 %s answered %ld%s%s%s%s", what, a->status,
		 code[0] ? ": " : "", code, msg[0] ? ": " : "", msg);
	if (st->secret)
		connector_text_redact(err, st->secret);
}

static enum connector_result s3_classify(void *state,
					 const struct connector_message *m,
					 const struct connector_answer *a,
					 char *shop_ref, size_t reflen,
					 char *err, size_t errlen)
{
	struct s3_state *st = state;
	char key[S3_KEY_MAX], sha[65], code[64];

	shop_ref[0] = '\0';
	/* a DELETE of an object gone already: what was asked is so */
	if ((a->status >= 200 && a->status < 300) ||
	    (a->status == 404 && !strcmp(m->action, PHOTO_DELETE_ACTION))) {
		if (s3_photo_of(m, key, sizeof(key), sha, err, errlen) == 0)
			snprintf(shop_ref, reflen, "%s", key);
		return CONNECTOR_DONE;
	}
	s3_error_text(st,
		      strcmp(m->action, PHOTO_DELETE_ACTION) ? "PUT" : "DELETE",
		      a, err, errlen);
	s3_xml_text(a, "Code", code, sizeof(code));
	if (a->status == 408 || a->status == 425 || a->status == 429 ||
	    a->status >= 500 || !strcmp(code, "RequestTimeTooSkewed") ||
	    !strcmp(code, "SlowDown"))
		return CONNECTOR_RETRY;
	return CONNECTOR_FATAL;
}

/* The photo's size the row names, -1 when it names none. */
static long long s3_photo_bytes(const struct connector_message *m)
{
	json_t *root =
	    m->body ? json_loadb(m->body, m->body_len, 0, NULL) : NULL;
	json_t *b = json_object_get(root, "bytes");
	long long n =
	    json_is_integer(b) ? (long long)json_integer_value(b) : -1;

	json_decref(root);
	return n;
}

/* The object's Content-Length is @bytes (a HEAD's answer). */
static bool s3_length_is(const struct connector_answer *a, long long bytes)
{
	const char *v = connector_answer_header(a, "Content-Length");
	char *end;
	long long n;

	if (!v || bytes < 0)
		return false;
	n = strtoll(v, &end, 10);
	return end != v && *end == '\0' && n == bytes;
}

static int s3_reconcile_build(void *state, const struct connector_message *m,
			      int64_t now_us, struct connector_request *req,
			      char *err, size_t errlen)
{
	struct s3_state *st = state;
	char key[S3_KEY_MAX], sha[65];
	int r;

	(void)now_us;
	if (s3_photo_of(m, key, sizeof(key), sha, err, errlen) < 0)
		return -EINVAL;
	if (s3_url(st, key, req->url, sizeof(req->url)) < 0) {
		snprintf(err, errlen, "the object's URL is too long");
		return -EINVAL;
	}
	req->method = CONNECTOR_HEAD;
	r = s3_sign(st, req);
	if (r == 0)
		r = connector_request_add_header(req, "x-amz-content-sha256",
						 S3_EMPTY_SHA256);
	return r == -ENOMEM ? -ENOMEM : r < 0 ? -EINVAL : 0;
}

static enum connector_found
s3_reconcile_classify(void *state, const struct connector_message *m,
		      const struct connector_answer *a, char *shop_ref,
		      size_t reflen, char *err, size_t errlen)
{
	struct s3_state *st = state;
	char key[S3_KEY_MAX], sha[65];
	const char *theirs;

	shop_ref[0] = '\0';
	if (s3_photo_of(m, key, sizeof(key), sha, err, errlen) < 0)
		return CONNECTOR_UNKNOWN;
	if (!strcmp(m->action, PHOTO_DELETE_ACTION)) {
		/* a delete tried before: done when the object is gone */
		if (a->status == 404) {
			snprintf(shop_ref, reflen, "%s", key);
			return CONNECTOR_FOUND;
		}
		if (a->status >= 200 && a->status < 300)
			return CONNECTOR_ABSENT;
		s3_error_text(st, "HEAD", a, err, errlen);
		return CONNECTOR_UNKNOWN;
	}
	if (a->status == 404)
		return CONNECTOR_ABSENT;
	if (a->status >= 200 && a->status < 300) {
		theirs = connector_answer_header(a, "x-amz-meta-sha256");
		/* Another object under our key (not ours, or of another
		 * size: cut short): put ours over it. */
		if (!theirs || strcmp(theirs, sha) ||
		    !s3_length_is(a, s3_photo_bytes(m)))
			return CONNECTOR_ABSENT;
		snprintf(shop_ref, reflen, "%s", key);
		return CONNECTOR_FOUND;
	}
	s3_error_text(st, "HEAD", a, err, errlen);
	return CONNECTOR_UNKNOWN;
}

const struct connector connector_s3 = {
    .name = "s3",
    .init = s3_init,
    .free = s3_free,
    .configure = s3_configure,
    .check = s3_check,
    .build = s3_build,
    .classify = s3_classify,
    .reconcile_build = s3_reconcile_build,
    .reconcile_classify = s3_reconcile_classify,
};
