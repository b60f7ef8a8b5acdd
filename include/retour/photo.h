/* SPDX-License-Identifier: MIT */
/*
 * Content-addressed photo files: the evidence of a receipt.
 *
 * A photo is stored once under its SHA-256, as <root>/ab/cdef...jpg (the
 * first two hex digits name a subdirectory, the other 62 the file), written
 * to a temporary file, fsync'd, renamed into place and the directory
 * fsync'd, so that a row naming it (store_photo_add) is only ever committed
 * after the bytes are on disk.  An existing file is never overwritten: the
 * same content saved twice gives the same path and one file.
 *
 * Not here: the database row (store.h), JPEG encoding (camera), deleting
 * old photos (never done by the station).
 */
#ifndef RETOUR_PHOTO_H
#define RETOUR_PHOTO_H

#include <stddef.h>
#include <stdint.h>

#define PHOTO_SHA256_HEX_LEN 64

/* Lower-case hex SHA-256 of @data into @out (65 bytes with the NUL).
 * 0, or -EINVAL when @out is NULL or @data is NULL with a length. */
int photo_sha256_hex(const void *data, size_t len, char out[65]);

/*
 * Save @len bytes of @data under @root.  Refuses with -ENOSPC when saving
 * would leave less than @min_free_bytes free on @root's filesystem (the
 * database must always have room to commit), -ENAMETOOLONG when @pathlen
 * cannot hold the path, -errno when @root cannot be written.  On success
 * @sha256_hex and @path are set; @err gets a sentence for the operator on
 * failure.  Returns 0 also when the same content was already stored.
 */
int photo_store_save(const char *root, const void *data, size_t len,
		     int64_t min_free_bytes, char sha256_hex[65], char *path,
		     size_t pathlen, char *err, size_t errlen);

#endif
