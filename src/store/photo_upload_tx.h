/* SPDX-License-Identifier: MIT */
/*
 * Queueing a photo's upload inside the write that records the photo
 * (receipt.c), private to src/store (photo_upload.c).
 */
#ifndef RETOUR_STORE_PHOTO_UPLOAD_TX_H
#define RETOUR_STORE_PHOTO_UPLOAD_TX_H

#include <stdint.h>

#include "db.h"

struct photo_upload_new {
	const char *sha256;
	const char *path;
	int64_t bytes;
	const char *object_key;
};

/* Queue the upload of photo @photo_id (its row just inserted) unless a
 * photo of the same content is queued or uploaded already.  0 or -errno. */
int store_photo_upload_queue_tx(struct store *s, int64_t photo_id,
				int64_t receipt_id,
				const struct photo_upload_new *up, int64_t now);
/* Queue the bucket's delete of every content queued for upload that no
 * kept photo names any more (retention purged its last), once each;
 * how many in *@n.  0 or -errno. */
int store_photo_upload_forget_tx(struct store *s, int64_t now, int *n);

#endif
