/* SPDX-License-Identifier: MIT */
/*
 * The s3 connector (photo upload): its settings checked one by one, the
 * PUT it makes (URL path- or virtual-host style, the SigV4 provider,
 * x-amz-content-sha256 = the photo's hash), the HEAD lookup that settles
 * a row attempted before, the answers classified with the server's
 * words, and bad rows and bad answers refused without a crash.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "retour/connector.h"
#include "retour/photo_upload.h"

#define SHA "0b40f0cecd01728162aa77402753a293e315749dc5b68604e91c12a9cb83e677"
#define KEY "desk-1/" SHA ".jpg"
#define BODY                                                                   \
	"{\"photo\":3,\"receipt\":1,\"sha256\":\"" SHA "\",\"path\":"         \
	"\"/p/x.jpg\",\"bytes\":5,\"object_key\":\"" KEY "\"}"

static int s3_test_instance(const char *endpoint, const char *path_style,
			    struct connector_instance *ci, char *err,
			    size_t errlen)
{
	struct connector_setting set[] = {
	    {.key = "endpoint", .value = endpoint},
	    {.key = "region", .value = "eu-central-1"},
	    {.key = "bucket", .value = "returns"},
	    {.key = "prefix", .value = "desk-1/"},
	    {.key = "path_style", .value = path_style},
	    {.key = "access_key_id_file", .value = "/k", .secret = "AKIDTEST"},
	    {.key = "secret_access_key_file",
	     .value = "/s",
	     .secret = "TOPSECRET"},
	};
	int bad;

	return connector_instance_new(&connector_s3, set, 7, true, ci, &bad,
				      err, errlen);
}

static const char *s3_test_header(const struct connector_request *req,
				  const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < req->n_headers; i++)
		if (strncasecmp(req->headers[i], name, n) == 0 &&
		    req->headers[i][n] == ':')
			return req->headers[i] + n + 2;
	return NULL;
}

static struct connector_message s3_test_message(const char *body)
{
	static const unsigned char jpeg[5] = {0xff, 0xd8, 1, 2, 3};
	struct connector_message m = {
	    .action = PHOTO_UPLOAD_ACTION,
	    .key = "photo:" SHA,
	    .refund_key = "",
	    .body = body,
	    .body_len = body ? strlen(body) : 0,
	    .file = jpeg,
	    .file_len = sizeof(jpeg),
	};

	return m;
}

static void s3_put_is_signed_and_names_the_hash(void **state)
{
	struct connector_instance ci;
	struct connector_request req = {0};
	struct connector_message m = s3_test_message(BODY);
	char err[256];

	(void)state;
	assert_int_equal(s3_test_instance("http://127.0.0.1:9000", "yes", &ci,
					  err, sizeof(err)),
			 0);
	assert_int_equal(ci.ops->build(ci.state, &m, 0, &req, err, sizeof(err)),
			 0);
	assert_int_equal(req.method, CONNECTOR_PUT);
	assert_string_equal(req.url, "http://127.0.0.1:9000/returns/" KEY);
	assert_string_equal(req.aws_sigv4, "aws:amz:eu-central-1:s3");
	assert_string_equal(req.auth_user, "AKIDTEST");
	assert_string_equal(req.auth_password, "TOPSECRET");
	assert_string_equal(s3_test_header(&req, "x-amz-content-sha256"), SHA);
	assert_string_equal(s3_test_header(&req, "x-amz-meta-sha256"), SHA);
	assert_int_equal(req.body_len, 5);
	assert_memory_equal(req.body, m.file, 5);
	/* the secret is in no header */
	for (int i = 0; i < req.n_headers; i++)
		assert_null(strstr(req.headers[i], "TOPSECRET"));
	connector_request_free(&req);
	connector_instance_free(&ci);

	/* virtual-hosted style: the bucket is the host's first label */
	assert_int_equal(s3_test_instance("https://s3.example.com", "no", &ci,
					  err, sizeof(err)),
			 0);
	memset(&req, 0, sizeof(req));
	assert_int_equal(ci.ops->build(ci.state, &m, 0, &req, err, sizeof(err)),
			 0);
	assert_string_equal(req.url, "https://returns.s3.example.com/" KEY);
	connector_request_free(&req);
	connector_instance_free(&ci);
}

static void s3_settings_are_checked(void **state)
{
	struct connector_setting bad[][1] = {
	    {{.key = "endpoint", .value = "ftp://x"}},
	    {{.key = "endpoint", .value = "http://h/path"}},
	    {{.key = "bucket", .value = "Not_A Bucket"}},
	    {{.key = "bucket", .value = "-ab"}},
	    {{.key = "region", .value = "EU central"}},
	    {{.key = "prefix", .value = "/abs"}},
	    {{.key = "prefix", .value = "a b"}},
	    {{.key = "prefix", .value = "../up/"}},
	    {{.key = "prefix", .value = "a/./b/"}},
	    {{.key = "prefix", .value = "a//b"}},
	    {{.key = "path_style", .value = "maybe"}},
	    {{.key = "colour", .value = "blue"}},
	};
	struct connector_setting partial[] = {
	    {.key = "endpoint", .value = "http://127.0.0.1:1"},
	    {.key = "region", .value = "us-east-1"},
	    {.key = "access_key_id_file", .value = "/k"},
	    {.key = "secret_access_key_file", .value = "/s"},
	};
	struct connector_instance ci;
	char err[256];
	int badi;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(connector_instance_new(&connector_s3, bad[i],
							1, false, &ci, &badi,
							err, sizeof(err)),
				 -EINVAL);
		assert_int_equal(badi, 0);
	}
	/* no bucket: the whole is refused, saying what is missing */
	assert_int_equal(connector_instance_new(&connector_s3, partial, 4,
						false, &ci, &badi, err,
						sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "bucket is missing");
	/* secret files read, one of them empty */
	{
		struct connector_setting all[] = {
		    partial[0],
		    partial[1],
		    {.key = "bucket", .value = "returns"},
		    {.key = "access_key_id_file", .value = "/k", .secret = "K"},
		    {.key = "secret_access_key_file",
		     .value = "/s",
		     .secret = ""},
		};

		assert_int_equal(connector_instance_new(&connector_s3, all, 5,
							true, &ci, &badi, err,
							sizeof(err)),
				 -EINVAL);
		assert_string_equal(
		    err, "the access key id or the secret file is empty");
		all[4].secret = "S";
		assert_int_equal(connector_instance_new(&connector_s3, all, 5,
							true, &ci, &badi, err,
							sizeof(err)),
				 0);
		connector_instance_free(&ci);
	}
}

static void s3_answers_are_classified_with_the_servers_words(void **state)
{
	static const char denied[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
	    "InvalidAccessKeyId</Code><Message>The AWS Access Key Id you "
	    "provided does not exist in our records.</Message></Error>";
	static const char slow[] =
	    "<Error><Code>SlowDown</Code><Message>Reduce your request "
	    "rate.</Message></Error>";
	struct connector_instance ci;
	struct connector_message m = s3_test_message(BODY);
	struct connector_answer a = {.status = 200};
	char err[256], ref[128];

	(void)state;
	assert_int_equal(s3_test_instance("http://127.0.0.1:9000", "yes", &ci,
					  err, sizeof(err)),
			 0);
	assert_int_equal(ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref),
					  err, sizeof(err)),
			 CONNECTOR_DONE);
	assert_string_equal(ref, KEY);

	a.status = 403;
	a.body = denied;
	a.body_len = strlen(denied);
	assert_int_equal(ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref),
					  err, sizeof(err)),
			 CONNECTOR_FATAL);
	assert_string_equal(err, "S3 PUT answered 403: InvalidAccessKeyId: The "
				 "AWS Access Key Id you provided does not "
				 "exist in our records.");
	a.status = 503;
	a.body = slow;
	a.body_len = strlen(slow);
	assert_int_equal(ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref),
					  err, sizeof(err)),
			 CONNECTOR_RETRY);
	/* a cut-off or hostile body: no crash, the status still said */
	a.status = 400;
	a.body = "<Error><Code>Bad";
	a.body_len = 16;
	assert_int_equal(ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref),
					  err, sizeof(err)),
			 CONNECTOR_FATAL);
	assert_string_equal(err, "S3 PUT answered 400");
	a.body = NULL;
	a.body_len = 0;
	assert_int_equal(ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref),
					  err, sizeof(err)),
			 CONNECTOR_FATAL);
	/* an answer that echoes the secret never carries it into the text */
	a.status = 403;
	a.body = "<Message>bad TOPSECRET here</Message>";
	a.body_len = strlen(a.body);
	ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref), err, sizeof(err));
	assert_null(strstr(err, "TOPSECRET"));
	connector_instance_free(&ci);
}

static void s3_head_settles_a_row_tried_before(void **state)
{
	struct connector_header ours[] = {
	    {.name = "x-amz-meta-sha256", .value = SHA},
	    {.name = "Content-Length", .value = "5"},
	};
	struct connector_header short_one[] = {
	    {.name = "x-amz-meta-sha256", .value = SHA},
	    {.name = "Content-Length", .value = "4"},
	};
	struct connector_header other[] = {
	    {.name = "x-amz-meta-sha256", .value = "ab"},
	    {.name = "Content-Length", .value = "5"},
	};
	struct connector_instance ci;
	struct connector_request req = {0};
	struct connector_message m = s3_test_message(BODY);
	struct connector_answer a = {.status = 200, .headers = ours,
				     .n_headers = 2};
	char err[256], ref[128];

	(void)state;
	assert_int_equal(s3_test_instance("http://127.0.0.1:9000", "yes", &ci,
					  err, sizeof(err)),
			 0);
	assert_int_equal(ci.ops->reconcile_build(ci.state, &m, 0, &req, err,
						 sizeof(err)),
			 0);
	assert_int_equal(req.method, CONNECTOR_HEAD);
	assert_string_equal(req.url, "http://127.0.0.1:9000/returns/" KEY);
	assert_non_null(s3_test_header(&req, "x-amz-content-sha256"));
	connector_request_free(&req);

	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_FOUND);
	assert_string_equal(ref, KEY);
	a.headers = short_one;
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_ABSENT);
	a.headers = other;
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_ABSENT);
	a.status = 404;
	a.n_headers = 0;
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_ABSENT);
	a.status = 403;
	assert_int_equal(ci.ops->reconcile_classify(ci.state, &m, &a, ref,
						    sizeof(ref), err,
						    sizeof(err)),
			 CONNECTOR_UNKNOWN);
	assert_string_equal(err, "S3 HEAD answered 403");
	connector_instance_free(&ci);
}

static void s3_refuses_rows_that_name_no_photo(void **state)
{
	static const char *const bodies[] = {
	    NULL,
	    "",
	    "not json",
	    "{}",
	    "{\"sha256\":\"" SHA "\"}",
	    "{\"sha256\":\"xyz\",\"object_key\":\"k.jpg\"}",
	    "{\"sha256\":\"" SHA "\",\"object_key\":\"a b.jpg\"}",
	    "{\"sha256\":\"" SHA "\",\"object_key\":\"../x?y\"}",
	    "{\"sha256\":\"" SHA "\",\"object_key\":\"\"}",
	    "{\"sha256\":\"" SHA "\",\"object_key\":7}",
	};
	struct connector_instance ci;
	struct connector_request req;
	struct connector_message m;
	char err[256];

	(void)state;
	assert_int_equal(s3_test_instance("http://127.0.0.1:9000", "yes", &ci,
					  err, sizeof(err)),
			 0);
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		m = s3_test_message(bodies[i]);
		memset(&req, 0, sizeof(req));
		assert_int_equal(ci.ops->build(ci.state, &m, 0, &req, err,
					       sizeof(err)),
				 -EINVAL);
		connector_request_free(&req);
	}
	/* a refund is no photo */
	m = s3_test_message(BODY);
	m.action = "refund.requested";
	memset(&req, 0, sizeof(req));
	assert_int_equal(ci.ops->build(ci.state, &m, 0, &req, err, sizeof(err)),
			 -EINVAL);
	connector_request_free(&req);
	connector_instance_free(&ci);
}

static void s3_object_key_is_the_content_hash(void **state)
{
	char key[PHOTO_UPLOAD_KEY_LEN];

	(void)state;
	assert_int_equal(
	    photo_upload_object_key("desk-1/", SHA, key, sizeof(key)), 0);
	assert_string_equal(key, KEY);
	assert_int_equal(photo_upload_object_key(NULL, SHA, key, sizeof(key)),
			 0);
	assert_string_equal(key, SHA ".jpg");
	assert_int_equal(photo_upload_object_key("", "ABC", key, sizeof(key)),
			 -EINVAL);
	assert_int_equal(photo_upload_object_key("p/", SHA, key, 20),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(s3_put_is_signed_and_names_the_hash),
	    cmocka_unit_test(s3_settings_are_checked),
	    cmocka_unit_test(s3_answers_are_classified_with_the_servers_words),
	    cmocka_unit_test(s3_head_settles_a_row_tried_before),
	    cmocka_unit_test(s3_refuses_rows_that_name_no_photo),
	    cmocka_unit_test(s3_object_key_is_the_content_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
