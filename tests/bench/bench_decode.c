/* SPDX-License-Identifier: MIT */
/*
 * Decode throughput of the camera's decoder (barcode.h), for
 * scripts/bench.d/decode.py.
 *
 * usage: bench_decode SECONDS WORKERS IMAGE...
 * The images (PNG/JPEG) are made 1280x720 camera frames, in turn GRAY and
 * YUYV (the Y bytes of a frame, chroma 128), and WORKERS threads, each with
 * its own decoder as the camera scanner's workers have, decode frames
 * round-robin for SECONDS.  Prints one JSON object: frames, seconds,
 * frames_per_s, found (frames where a code was read), and cpu_s and
 * frames_per_cpu_s: the workers' own CPU time, which neighbours on a
 * shared machine do not change (what one core of its own would do).  The
 * environment's DECODE_DENSITY and DECODE_SYMBOLOGIES set decode_density and
 * symbologies (the board keys), to measure them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retour/barcode.h"
#include "retour/camera.h"
#include "retour/image.h"

#define FRAME_W 1280
#define FRAME_H 720

struct frames {
	int n;
	struct camera_frame *f;
};

static struct frames frames;
static double stop_at;
static atomic_long done, found;
static _Atomic double cpu_s; /* the workers' own CPU time */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The image's gray pixels centred on a 1280x720 page (cropped if larger). */
static uint8_t *frame_gray(const uint8_t *g, int w, int h)
{
	uint8_t *page = malloc(FRAME_W * FRAME_H);
	int ox = (FRAME_W - w) / 2, oy = (FRAME_H - h) / 2;

	memset(page, 215, FRAME_W * FRAME_H);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int px = x + ox, py = y + oy;

			if (px >= 0 && px < FRAME_W && py >= 0 && py < FRAME_H)
				page[py * FRAME_W + px] = g[y * w + x];
		}
	return page;
}

static void *worker(void *arg)
{
	struct barcode_decoder *dec;
	struct barcode_results *res = malloc(sizeof(*res));
	char err[256];
	long i = (long)(intptr_t)arg;

	struct barcode_config cfg = {0};
	const char *density = getenv("DECODE_DENSITY");

	if (density)
		cfg.density = atoi(density);
	cfg.symbologies = getenv("DECODE_SYMBOLOGIES");
	if (!res || barcode_decoder_new(&cfg, &dec, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_decode: %s\n", err);
		exit(1);
	}
	while (now_s() < stop_at) {
		const struct camera_frame *f = &frames.f[i++ % frames.n];

		if (barcode_decode_frame(dec, f, res, err, sizeof(err)) < 0) {
			fprintf(stderr, "bench_decode: %s\n", err);
			exit(1);
		}
		atomic_fetch_add(&done, 1);
		if (res->n)
			atomic_fetch_add(&found, 1);
	}
	{
		struct timespec ts;
		double mine, old;

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		mine = ts.tv_sec + ts.tv_nsec / 1e9;
		old = cpu_s;
		while (!atomic_compare_exchange_weak(&cpu_s, &old, old + mine))
			;
	}
	barcode_decoder_free(dec);
	free(res);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[8];
	double secs, start;
	int workers;
	char err[256];

	if (argc < 4) {
		fprintf(stderr,
			"usage: bench_decode SECONDS WORKERS IMAGE...\n");
		return 2;
	}
	secs = atof(argv[1]);
	workers = atoi(argv[2]);
	if (workers < 1 || workers > 8)
		return 2;
	frames.f = calloc((size_t)(argc - 3) * 2, sizeof(*frames.f));
	for (int a = 3; a < argc; a++) {
		void *data;
		size_t len;
		uint8_t *g, *page, *yuyv;
		int w, h;

		if (image_read_file(argv[a], &data, &len, err, sizeof(err)) <
			0 ||
		    image_to_gray(data, len, &g, &w, &h, err, sizeof(err)) <
			0) {
			fprintf(stderr, "bench_decode: %s\n", err);
			return 1;
		}
		free(data);
		page = frame_gray(g, w, h);
		free(g);
		yuyv = malloc(FRAME_W * FRAME_H * 2);
		for (int p = 0; p < FRAME_W * FRAME_H; p++) {
			yuyv[2 * p] = page[p];
			yuyv[2 * p + 1] = 128;
		}
		frames.f[frames.n++] =
		    (struct camera_frame){.format = CAMERA_FRAME_GRAY,
					  .width = FRAME_W,
					  .height = FRAME_H,
					  .stride = FRAME_W,
					  .data = page,
					  .len = FRAME_W * FRAME_H};
		frames.f[frames.n++] =
		    (struct camera_frame){.format = CAMERA_FRAME_YUYV,
					  .width = FRAME_W,
					  .height = FRAME_H,
					  .stride = FRAME_W * 2,
					  .data = yuyv,
					  .len = FRAME_W * FRAME_H * 2};
	}
	start = now_s();
	stop_at = start + secs;
	for (long i = 0; i < workers; i++)
		pthread_create(&t[i], NULL, worker, (void *)(intptr_t)(i * 7));
	for (int i = 0; i < workers; i++)
		pthread_join(t[i], NULL);
	secs = now_s() - start;
	printf("{\"frames\": %ld, \"seconds\": %.3f, \"frames_per_s\": %.1f, "
	       "\"found\": %ld, \"cpu_s\": %.3f, \"frames_per_cpu_s\": "
	       "%.1f}\n",
	       (long)done, secs, done / secs, (long)found, (double)cpu_s,
	       cpu_s > 0 ? done / cpu_s : 0.0);
	return 0;
}
