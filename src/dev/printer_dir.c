/* SPDX-License-Identifier: MIT */
/*
 * Directory "printer": every job becomes a file <dir>/<seq>-<name>.zpl, so
 * development and tests can look at what would have been printed.
 *
 * Files appear whole (temp file, then rename) and are never overwritten:
 * numbering continues after the highest sequence already in the directory.  It
 * does not render labels and never deletes. Like paper out of a printer, a file
 * is not fsync'd: the label's record, the one that must survive a power cut, is
 * in the store.
 *
 * Its status is a file, <dir>/status, that a test or a person writes: none,
 * empty or "ready" is a ready printer, "paper out" (or "head open, ribbon
 * out", printer_status_parse_words()) a printer with those faults.  So the
 * station's handling of printer faults runs on this backend too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retour/printer.h"

#define PRINTER_DIR_NAME_MAX 64

struct printer_dir {
	char *dir;
	unsigned long seq; /* last used */
	char describe[300];
};

static unsigned long printer_dir_highest_seq(DIR *d)
{
	struct dirent *de;
	unsigned long best = 0, v;
	char *end;

	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		v = strtoul(de->d_name, &end, 10);
		if (*end == '-' && v > best)
			best = v;
	}
	return best;
}

/* Job names come from record data: keep them to a safe file name. */
static void printer_dir_safe_name(const char *name, char *out, size_t outlen)
{
	size_t i, n = 0, len = strlen(name);

	if (len > 4 && strcmp(name + len - 4, ".zpl") == 0)
		len -= 4;
	for (i = 0; i < len && n + 1 < outlen; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			  (c == '.' && n > 0);

		out[n++] = ok ? c : '_';
	}
	if (n == 0)
		n = (size_t)snprintf(out, outlen, "label");
	out[n] = '\0';
}

static int printer_dir_write_all(int fd, const char *bytes, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, bytes, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		bytes += n;
		len -= (size_t)n;
	}
	return 0;
}

static int printer_dir_print(void *state, const char *name, const void *data,
			     size_t len, char *err, size_t errlen)
{
	struct printer_dir *p = state;
	char safe[PRINTER_DIR_NAME_MAX + 1], final[PATH_MAX], tmp[PATH_MAX];
	int fd, r;

	printer_dir_safe_name(name, safe, sizeof(safe));
	p->seq++;
	snprintf(final, sizeof(final), "%s/%06lu-%s.zpl", p->dir, p->seq, safe);
	snprintf(tmp, sizeof(tmp), "%s/.%06lu-%s.zpl.tmp", p->dir, p->seq,
		 safe);

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "printer %s: cannot create: %s", tmp,
			 strerror(-r));
		return r;
	}
	r = printer_dir_write_all(fd, data, len);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, final) < 0)
		r = -errno;
	if (r < 0) {
		snprintf(err, errlen, "printer %s: cannot write: %s", final,
			 strerror(-r));
		unlink(tmp);
		return r;
	}
	return 0;
}

static int printer_dir_status(void *state, struct printer_status *st, char *err,
			      size_t errlen)
{
	struct printer_dir *p = state;
	char path[PATH_MAX], text[PRINTER_STATUS_ANSWER_MAX + 1];
	size_t got = 0;
	ssize_t n;
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/status", p->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		struct stat sb;

		if (stat(p->dir, &sb) == 0 && S_ISDIR(sb.st_mode))
			return 0; /* no status file: ready */
		/* the folder is the printer: gone, it cannot be reached */
		snprintf(err, errlen, "printer directory %s is gone", p->dir);
		return -ENODEV;
	}
	if (fd < 0) {
		snprintf(err, errlen, "printer status unreadable: %s: %s", path,
			 strerror(errno));
		return -EBADMSG;
	}
	while (got < sizeof(text)) {
		n = read(fd, text + got, sizeof(text) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (r < 0 || got == sizeof(text)) {
		snprintf(err, errlen, "printer status unreadable: %s: %s", path,
			 r < 0 ? strerror(-r) : "longer than it can be");
		return -EBADMSG;
	}
	return printer_status_parse_words(text, got, st, err, errlen);
}

static const char *printer_dir_describe(const void *state)
{
	const struct printer_dir *p = state;

	return p->describe;
}

static void printer_dir_close(void *state)
{
	struct printer_dir *p = state;

	if (!p)
		return;
	free(p->dir);
	free(p);
}

static int printer_dir_open(const struct printer_config *cfg, void **state,
			    char *err, size_t errlen)
{
	struct printer_dir *p;
	DIR *d;
	int r;

	if (!cfg->dir || !*cfg->dir) {
		snprintf(err, errlen, "printer dir: no directory configured");
		return -EINVAL;
	}
	if (mkdir(cfg->dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, errlen, "printer directory %s: cannot create: %s",
			 cfg->dir, strerror(-r));
		return r;
	}
	d = opendir(cfg->dir);
	if (!d) {
		r = -errno;
		snprintf(err, errlen, "printer directory %s: %s", cfg->dir,
			 strerror(-r));
		return r;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->dir = strdup(cfg->dir))) {
		closedir(d);
		free(p);
		snprintf(err, errlen, "printer: out of memory");
		return -ENOMEM;
	}
	p->seq = printer_dir_highest_seq(d);
	closedir(d);
	snprintf(p->describe, sizeof(p->describe), "dir %s", p->dir);
	*state = p;
	return 0;
}

const struct printer_backend printer_backend_dir = {
    .name = "dir",
    .open = printer_dir_open,
    .print = printer_dir_print,
    .status = printer_dir_status,
    .describe = printer_dir_describe,
    .close = printer_dir_close,
};
