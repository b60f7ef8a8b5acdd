/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: an S3 server's answer, read by the s3 connector (photo
 * upload) as the PUT's answer (classify: the error's Code and Message) and
 * the HEAD's (reconcile_classify: x-amz-meta-sha256, Content-Length).  The
 * first byte picks the HTTP status, the second how many of the body's
 * first bytes are the two headers' values; the rest is the body.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "retour/connector.h"
#include "retour/photo_upload.h"

#define SHA "0b40f0cecd01728162aa77402753a293e315749dc5b68604e91c12a9cb83e677"

static const char body[] =
    "{\"photo\":3,\"receipt\":1,\"sha256\":\"" SHA "\",\"path\":\"/p/x\","
    "\"bytes\":5,\"object_key\":\"d/" SHA ".jpg\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 204, 403, 404, 400, 500, 503, 301};
	struct connector_setting set[] = {
	    {.key = "endpoint", .value = "http://127.0.0.1:9000"},
	    {.key = "region", .value = "us-east-1"},
	    {.key = "bucket", .value = "photos"},
	    {.key = "access_key_id_file", .value = "/k", .secret = "KEY"},
	    {.key = "secret_access_key_file", .value = "/s", .secret = "SEC"},
	};
	struct connector_message m = {
	    .action = PHOTO_UPLOAD_ACTION,
	    .key = "photo:" SHA,
	    .refund_key = "",
	    .body = body,
	    .body_len = sizeof(body) - 1,
	};
	char v1[64] = "", v2[64] = "", ref[128], err[256];
	struct connector_header h[2] = {
	    {.name = "x-amz-meta-sha256", .value = v1},
	    {.name = "Content-Length", .value = v2},
	};
	struct connector_answer a = {.status = 200, .headers = h,
				     .n_headers = 2};
	struct connector_instance ci;
	size_t n = 0;
	int bad;

	if (size >= 2) {
		a.status = statuses[data[0] % 8];
		n = data[1] % 64;
		if (n > size - 2)
			n = size - 2;
		memcpy(v1, data + 2, n / 2);
		memcpy(v2, data + 2 + n / 2, n - n / 2);
		v1[strnlen(v1, n / 2)] = '\0';
		v2[strnlen(v2, n - n / 2)] = '\0';
		a.body = (const char *)data + 2 + n;
		a.body_len = size - 2 - n;
	}
	if (connector_instance_new(&connector_s3, set, 5, true, &ci, &bad, err,
				   sizeof(err)) < 0)
		return 0;
	(void)ci.ops->classify(ci.state, &m, &a, ref, sizeof(ref), err,
			       sizeof(err));
	(void)ci.ops->reconcile_classify(ci.state, &m, &a, ref, sizeof(ref),
					 err, sizeof(err));
	connector_instance_free(&ci);
	return 0;
}
