/* SPDX-License-Identifier: MIT */
/*
 * Photos for the dispute pack's bench (scripts/bench.d/evidence.py): N
 * JPEGs of WIDTHxHEIGHT written to DIR, encoded by the camera's own
 * encoder (jpeg_from_yuyv, src/dev/jpeg.c) from a scene with texture and
 * sensor-like noise, so their sizes are a camera's, not a flat colour's.
 *
 *   evidence_photos DIR N WIDTH HEIGHT QUALITY
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "retour/jpeg.h"

int main(int argc, char **argv)
{
	int n, w, h, q;
	uint32_t seed = 12345;
	char err[160], path[4096];

	if (argc != 6) {
		fprintf(stderr, "usage: evidence_photos DIR N WIDTH HEIGHT "
				"QUALITY\n");
		return 2;
	}
	n = atoi(argv[2]);
	w = atoi(argv[3]) & ~1;
	h = atoi(argv[4]);
	q = atoi(argv[5]);
	for (int i = 0; i < n; i++) {
		uint8_t *yuyv = malloc((size_t)w * h * 2);
		void *jpeg = NULL;
		size_t len = 0;
		FILE *f;

		if (!yuyv)
			return 1;
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				uint8_t *p = yuyv + ((size_t)y * w + x) * 2;
				int box = ((x / 160 + y / 120 + i) % 3) * 50;

				seed = seed * 1103515245u + 12345u;
				p[0] = (uint8_t)(60 + box + (x + y * 2) % 64 +
						 (int)((seed >> 16) % 24));
				p[1] = (uint8_t)(x % 2 ? 128 + i * 8 : 120);
			}
		if (jpeg_from_yuyv(yuyv, w, h, w * 2, q, &jpeg, &len, err,
				   sizeof(err)) < 0) {
			fprintf(stderr, "evidence_photos: %s\n", err);
			return 1;
		}
		snprintf(path, sizeof(path), "%s/photo-%02d.jpg", argv[1], i);
		f = fopen(path, "wb");
		if (!f || fwrite(jpeg, 1, len, f) != len || fclose(f) != 0) {
			perror(path);
			return 1;
		}
		free(jpeg);
		free(yuyv);
	}
	return 0;
}
