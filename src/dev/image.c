/* SPDX-License-Identifier: MIT */
/*
 * Image files to gray (include/retour/image.h): the first bytes say PNG or
 * JPEG; PNG through libpng's simplified reader, which converts any colour
 * type and bit depth to 8-bit gray, JPEG through jpeg.c.
 *
 * The declared size is checked against IMAGE_MAX_PIXELS before the pixel
 * buffer is allocated, so a 16-byte header claiming 2^31 x 2^31 pixels costs
 * nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retour/image.h"
#include "retour/jpeg.h"

static const uint8_t image_png_magic[8] = {0x89, 'P',  'N',  'G',
					   '\r', '\n', 0x1a, '\n'};

static int image_png_to_gray(const void *data, size_t len, uint8_t **gray,
			     int *width, int *height, char *err, size_t errlen)
{
	png_image img;
	uint8_t *px;
	int r = -EINVAL;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&img, data, len)) {
		snprintf(err, errlen, "PNG: %s", img.message);
		png_image_free(&img);
		return -EINVAL;
	}
	if (img.width == 0 || img.height == 0 || img.width > INT32_MAX ||
	    img.height > INT32_MAX ||
	    (uint64_t)img.width * img.height > (uint64_t)IMAGE_MAX_PIXELS) {
		snprintf(err, errlen,
			 "PNG: %ux%u pixels, more than this decoder takes "
			 "(%ld)",
			 img.width, img.height, IMAGE_MAX_PIXELS);
		png_image_free(&img);
		return -EFBIG;
	}
	img.format = PNG_FORMAT_GRAY;
	px = malloc((size_t)img.width * img.height);
	if (!px) {
		png_image_free(&img);
		return -ENOMEM;
	}
	/* a background for transparent pixels: white, like paper */
	{
		png_color white = {255, 255, 255};

		if (png_image_finish_read(&img, &white, px, 0, NULL))
			r = 0;
	}
	if (r < 0) {
		snprintf(err, errlen, "PNG: %s", img.message);
		png_image_free(&img);
		free(px);
		return r;
	}
	*gray = px;
	*width = (int)img.width;
	*height = (int)img.height;
	png_image_free(&img);
	return 0;
}

int image_to_gray(const void *data, size_t len, uint8_t **gray, int *width,
		  int *height, char *err, size_t errlen)
{
	const uint8_t *p = data;

	if (!data || !gray || !width || !height) {
		snprintf(err, errlen, "no image");
		return -EINVAL;
	}
	*gray = NULL;
	if (len >= sizeof(image_png_magic) &&
	    !memcmp(p, image_png_magic, sizeof(image_png_magic)))
		return image_png_to_gray(data, len, gray, width, height, err,
					 errlen);
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return jpeg_to_gray(data, len, gray, width, height, err,
				    errlen);
	snprintf(err, errlen, "not a PNG or JPEG image");
	return -EINVAL;
}

int image_read_file(const char *path, void **data, size_t *len, char *err,
		    size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_size == 0) {
		snprintf(err, errlen, "%s: empty file", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_size > IMAGE_MAX_FILE_BYTES) {
		snprintf(err, errlen, "%s: larger than %ld MiB", path,
			 IMAGE_MAX_FILE_BYTES >> 20);
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			snprintf(err, errlen, "%s: %s", path,
				 n < 0 ? strerror(-r) : "shorter than it was");
			free(buf);
			close(fd);
			return r;
		}
		got += (size_t)n;
	}
	close(fd);
	*data = buf;
	*len = got;
	return 0;
}
