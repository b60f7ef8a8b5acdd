/* SPDX-License-Identifier: MIT */
/*
 * One camera frame judged and made a photo: the part of the camera that
 * every frame source shares after the device handed a frame over (V4L2
 * after DQBUF, the file-backed source, the directory), so that tests reach
 * it with real bytes.
 *
 * Every frame is untrusted: a frame shorter than its format and size say,
 * or a motion-JPEG frame that does not start and end like one, is refused
 * with a sentence; nothing here reads past @len.
 *
 * Not here: where frames come from (the backends), the thread that carries
 * them (camera_stream.c), storing photos (the store).
 */
#ifndef RETOUR_CAMERA_FRAME_H
#define RETOUR_CAMERA_FRAME_H

#include <stddef.h>

#include "retour/camera.h"

/* Larger frames are refused: 8192 x 8192. */
#define CAMERA_FRAME_MAX_SIDE 8192

/* "YUYV", "MJPEG", "GRAY", "ENCODED" */
const char *camera_frame_format_name(enum camera_frame_format f);

/* The bytes a YUYV or GRAY frame of this size needs: the last row need not
 * be padded to @stride.  0 when the size or stride cannot hold a frame. */
size_t camera_frame_bytes(enum camera_frame_format f, int width, int height,
			  int stride);

/*
 * 0 when @f can be handed on: YUYV/GRAY with a sane size, a stride that
 * holds a row and enough bytes; MJPEG starting with SOI and ending with EOI
 * (zero padding after it is allowed, as some webcams send); ENCODED not
 * empty.  -EBADMSG with @err ("YUYV frame 7: 1000 bytes, 640x480 needs
 * 614400") otherwise.
 */
int camera_frame_check(const struct camera_frame *f, char *err, size_t errlen);

/*
 * The frame as a photo: a malloc'd JPEG (or the ENCODED file as it is).
 * MJPEG gets the standard Huffman tables where it lacks them and must
 * decode; YUYV is encoded at @quality (1-100).  0, -EBADMSG/-EINVAL with
 * @err, -ENOTSUP for GRAY, -ENOMEM.
 */
int camera_frame_to_photo(const struct camera_frame *f, int quality, void **out,
			  size_t *outlen, char *err, size_t errlen);

#endif
