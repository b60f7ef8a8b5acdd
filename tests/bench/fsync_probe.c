/* SPDX-License-Identifier: MIT */
/*
 * The durability floor: how long the filesystem under the station's
 * database takes to make 4 KiB durable, the least a durable commit costs.
 * Appends 4 KiB to a scratch file in DIR and waits for fdatasync (what
 * SQLite calls on Linux for a WAL commit; appending also makes the file's
 * size durable, as a growing WAL does), COUNT times, each timed on its
 * own.  The file is removed afterwards.
 *
 * Prints one JSON object: "lat_us", the time of each write + fdatasync.
 *
 *   fsync_probe DIR COUNT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 4096

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int append_durably(int fd, const char *block)
{
	size_t done = 0;

	while (done < BLOCK) {
		ssize_t w = write(fd, block + done, BLOCK - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		done += (size_t)w;
	}
	return fdatasync(fd) < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
	char path[4096], block[BLOCK];
	long count;
	int fd, r = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: fsync_probe DIR COUNT\n");
		return 2;
	}
	count = strtol(argv[2], NULL, 10);
	if (snprintf(path, sizeof(path), "%s/fsync-probe", argv[1]) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "fsync_probe: directory name too long\n");
		return 2;
	}
	memset(block, 'r', sizeof(block));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		fprintf(stderr, "fsync_probe: %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("{\"lat_us\": [");
	for (long i = 0; i < count && r == 0; i++) {
		double t0 = now_us();

		r = append_durably(fd, block);
		printf("%s%.1f", i ? ", " : "", now_us() - t0);
	}
	printf("]}\n");
	close(fd);
	unlink(path);
	if (r < 0) {
		fprintf(stderr, "fsync_probe: %s: %s\n", path, strerror(-r));
		return 1;
	}
	return 0;
}
