/* SPDX-License-Identifier: MIT */
/*
 * Camera above the desk: one stream of frames, which a barcode decoder may
 * read, and photos taken from it as JPEG (or as the image file itself).
 *
 * Backends are picked by name (src/dev/device.c): "dir" (the simulation:
 * images from a directory), "v4l2" (a V4L2 capture device, MMAP
 * streaming, YUYV or MJPEG) and "frames" (raw YUYV or MJPEG frames from a
 * file or a directory: the V4L2 path after DQBUF, for tests and for
 * replaying a camera's recording).
 *
 * Frame sources (v4l2, frames; dir when @stream is "always") run on the
 * camera's own thread (src/dev/camera_stream.c): every frame goes to the
 * subscriber, and a photo is the next good frame after @skip, made a JPEG.
 * The dir backend in "photo" mode takes each photo directly.
 *
 * This module does not store photos (the store does, content-addressed) and
 * does not decode barcodes.
 */
#ifndef RETOUR_CAMERA_H
#define RETOUR_CAMERA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "retour/barcode.h"

struct camera;

/*
 * One frame as a camera delivered it, before any conversion: what the
 * barcode decoder reads and what a photo is made from.  YUYV and GRAY are
 * raw pixels (@stride bytes per row); MJPEG is one motion-JPEG frame as the
 * device sent it (it may lack its Huffman tables); ENCODED is a whole
 * JPEG or PNG file (the dir backend).  @data is only valid during the call
 * it is handed to.
 */
enum camera_frame_format {
	CAMERA_FRAME_YUYV,
	CAMERA_FRAME_MJPEG,
	CAMERA_FRAME_GRAY,
	CAMERA_FRAME_ENCODED,
};

struct camera_frame {
	enum camera_frame_format format;
	int width, height; /* 0 for ENCODED: read them from the file */
	int stride;	   /* bytes per row of YUYV and GRAY */
	const void *data;
	size_t len;
	uint64_t seq; /* counts up from 1 per camera */
};

#define CAMERA_MAX_BYTES_DEFAULT (16u * 1024 * 1024)

/* The board's `format`: what the camera is asked to send. */
enum camera_pixel_format {
	CAMERA_FORMAT_YUYV,
	CAMERA_FORMAT_MJPEG,
};

/* The board's `stream`: when frames flow. */
enum camera_stream_mode {
	CAMERA_STREAM_PHOTO,  /* only while a photo is taken */
	CAMERA_STREAM_ALWAYS, /* all the time: the decoder sees every frame */
};

#define CAMERA_WIDTH_DEFAULT 640
#define CAMERA_HEIGHT_DEFAULT 480
#define CAMERA_QUALITY_DEFAULT 85
#define CAMERA_TIMEOUT_MS_DEFAULT 2000
#define CAMERA_FRAMES_FPS_DEFAULT 10
#define CAMERA_DIR_FPS_DEFAULT 2

/* The camera came back (@present, @why "") or went away (@why: "camera
 * /dev/video0 is gone"): called ON THE CAMERA'S THREAD. */
typedef void (*camera_state_fn)(void *ud, bool present, const char *why);
/* A frame, ON THE CAMERA'S THREAD; @f->data is valid during the call. */
typedef void (*camera_frame_fn)(void *ud, const struct camera_frame *f);

struct camera_config {
	const char *backend; /* "dir", "v4l2", "frames" */
	const char *dir;     /* dir: the directory of images */
	size_t max_bytes;    /* 0: CAMERA_MAX_BYTES_DEFAULT */
	const char *device;  /* v4l2: /dev/video0, /dev/retour/camera */
	const char *frames;  /* frames: a raw frame file or a directory */
	int width, height;   /* 0: CAMERA_WIDTH/HEIGHT_DEFAULT */
	int format;	     /* enum camera_pixel_format */
	int fps;	     /* 0: the device's own (v4l2), the defaults */
	int quality;	     /* JPEG quality of YUYV photos; 0: default */
	int skip;	     /* frames after the stream starts that are no
				photo (exposure settles) */
	int stream;	     /* enum camera_stream_mode */
	int timeout_ms;	     /* longest wait for a frame; 0: default */
	int loop;	     /* frames: start again at the end (else the
				camera is gone there, like an unplug) */
	/* the camera as a scanner (decode = yes): the decoder's board keys,
	 * the same for every backend (CAMERA_DECODE_KEYS in device.c) */
	struct barcode_config decode;
	camera_state_fn state; /* optional */
	void *state_ud;
};

/* Unknown backend: -EINVAL, err "unknown camera backend 'x' (known: ...)".
 * dir: a directory that cannot be opened is an error here already.
 * v4l2: a node that is not there, or is no V4L2 capture device that
 * streams ("camera /dev/null: not a V4L2 device"), or refuses the format. */
int camera_open(const struct camera_config *cfg, struct camera **out, char *err,
		size_t errlen);

/*
 * Take one picture into a malloc'd buffer the caller frees, blocking until
 * it is there (call it off the event loop).
 * Frame sources: the next good frame after the skipped ones, as a JPEG
 * (MJPEG completed with its Huffman tables, YUYV encoded at @quality);
 * ENCODED frames as they are.  A camera that is gone: -ENODEV, "camera
 * /dev/video0 is gone" (one attempt to open it again is made first); no
 * frame within timeout_ms: -ETIMEDOUT.
 * dir (photo mode): the next .jpg, .jpeg or .png file (case-insensitive)
 * of the directory in name order, round robin; the directory is read again
 * on every capture so new images show up.  Unreadable/missing/empty
 * directory -> -errno and a clear err ("camera directory /x: no images").
 * Empty files and files over max_bytes are refused (-EFBIG) and skipped by
 * the next capture.  The picture also goes to the subscriber.
 */
int camera_capture(struct camera *c, void **data, size_t *len, char *err,
		   size_t errlen);

/* Every frame, on the camera's thread, to @fn; NULL removes it.  Waits for
 * a call in progress to end. */
void camera_subscribe(struct camera *c, camera_frame_fn fn, void *ud);
/* A video node appeared (udev): a camera that is gone is tried again at
 * once instead of at its next once-a-second try.  Safe on any thread. */
void camera_retry_now(struct camera *c);
void camera_close(struct camera *c);

/*
 * Backend contract, for src/dev/camera_*.c only.  A backend either takes
 * photos itself (@capture) or is a frame source (@start .. @stop), or both
 * (dir).  A frame source's calls all come from the camera's thread.
 */
struct camera_backend {
	const char *name;
	int (*open)(const struct camera_config *cfg, void **state, char *err,
		    size_t errlen);
	int (*capture)(void *state, void **data, size_t *len, char *err,
		       size_t errlen);
	void (*close)(void *state);

	/* Start streaming (V4L2: buffers, STREAMON); after a stop or a loss
	 * it opens the device again.  0, -ENODEV/-ENOENT (not there). */
	int (*start)(void *state, char *err, size_t errlen);
	/*
	 * Wait up to @timeout_ms for the next frame (or until @wake_fd is
	 * readable: -EINTR) and fill @f (format, size, stride, data, len;
	 * not seq).  The frame stays valid until @release.  -EAGAIN: no frame
	 * in time; -ENODEV: the device is gone (unplugged, source ended);
	 * -EBADMSG: a damaged frame, with @err (the stream goes on, nothing
	 * to release); other -errno: an error, the stream is restarted.
	 */
	int (*next)(void *state, int wake_fd, int timeout_ms,
		    struct camera_frame *f, char *err, size_t errlen);
	void (*release)(void *state); /* V4L2: QBUF the frame back */
	void (*stop)(void *state);    /* STREAMOFF, unmap, close the node */
	/* The name the clerk reads: "/dev/video0", the frames path. */
	const char *(*name_of)(void *state);
};

extern const struct camera_backend camera_backend_dir;
extern const struct camera_backend camera_backend_v4l2;
extern const struct camera_backend camera_backend_frames;

#endif
