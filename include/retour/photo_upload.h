/* SPDX-License-Identifier: MIT */
/*
 * Photos uploaded to an S3-compatible bucket ([photo upload] in the
 * station's configuration), through the outbox.
 *
 * When a photo is recorded (store_photo_add with an object key), the same
 * write queues one outbox row of action PHOTO_UPLOAD_ACTION whose
 * idempotency key is "photo:<sha256>": a photo of the same content is
 * queued once, ever.  Its body names the photo (photo_upload_payload);
 * the photo sender (an outbox sender of OUTBOX_LANE_PHOTOS, its own
 * thread) reads the file, checks it against the hash and hands the bytes
 * to the s3 connector (connector_s3), which PUTs it under the object key,
 * signed with AWS SigV4 by libcurl.  A row attempted before is looked up
 * first (HEAD): already there with the same hash, it is done without a
 * second PUT.  Retries, backoff, dead rows and manual retry are the
 * outbox's.
 *
 * The object key is <prefix><sha256>.jpg: derived from the content, so
 * the same photo is the same object wherever it was taken.
 *
 * When retention purges the last photo of a content that was queued for
 * upload, the purge's write queues a PHOTO_DELETE_ACTION row keyed
 * "photo-delete:<sha256>" on the same lane, after the upload: the object
 * is deleted from the bucket too (an absent object counts as deleted).
 */
#ifndef RETOUR_PHOTO_UPLOAD_H
#define RETOUR_PHOTO_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#define PHOTO_UPLOAD_ACTION "photo.upload"
#define PHOTO_DELETE_ACTION "photo.delete"
#define PHOTO_UPLOAD_KEY_LEN 512

/* <@prefix><@sha256_hex>.jpg into @out: 0, -EINVAL for a bad hash,
 * -ENAMETOOLONG. */
int photo_upload_object_key(const char *prefix, const char *sha256_hex,
			    char *out, size_t outlen);

/*
 * The photo a row names (its body's "path" and "sha256"), read whole
 * into *@data (malloc'd, free it) and checked against the hash: 0, or
 * -ENOENT (the file is gone), -EBADMSG (its bytes are not the photo's
 * any more), -EINVAL (the body names no photo), -EFBIG, -ENOMEM, with a
 * sentence in @err.
 */
int photo_upload_read(const char *body, unsigned char **data, size_t *len,
		      char *err, size_t errlen);

#endif
