/* SPDX-License-Identifier: MIT */
/*
 * The lines of a configuration file as inih will take them, seen before it
 * does: a file is read whole, whatever bytes it holds, and each line is
 * told apart (blank or comment, [section], key = value, or something inih
 * cannot take and why), so that the reader in config_load.c reports a bad
 * line with its number and hands inih a blank one.  inih itself only says
 * which was the first line it could not take.
 *
 * Not here: what a section or key means (config_load.c and its helpers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

/* Is @p (up to @end) blank to inih: spaces and tabs? */
static const char *config_skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

/*
 * Where inih's find_chars_or_comment() stops in [@p, @end): at one of
 * @chars, or at a ';' that starts an inline comment (after a blank); NULL
 * when neither is there.
 */
static const char *config_find_char(const char *p, const char *end,
				    const char *chars)
{
	bool was_blank = false;

	for (; p < end; p++) {
		if (strchr(chars, *p))
			return p;
		if (*p == ';' && was_blank)
			return NULL;
		was_blank = *p == ' ' || *p == '\t';
	}
	return NULL;
}

enum config_line_kind config_line_kind(const char *p, const char *end,
				       int lineno, char *section,
				       size_t sectionlen, bool *indented,
				       const char **why)
{
	const char *start = p, *close;
	size_t n;

	*indented = false;
	*why = NULL;
	if (lineno == 1 && end - p >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		start = p += 3; /* a UTF-8 byte order mark */
	if (memchr(p, '\0', (size_t)(end - p))) {
		*why = "a NUL byte in the line";
		return CONFIG_LINE_BAD;
	}
	p = config_skip_blank(p, end);
	if (p == end || *p == ';' || *p == '#')
		return CONFIG_LINE_BLANK;
	if (*p == '[') {
		close = config_find_char(p + 1, end, "]");
		if (!close) {
			*why = "a section header without its ']'";
			return CONFIG_LINE_BAD;
		}
		/* inih keeps 49 bytes of a section's name */
		n = (size_t)(close - p - 1);
		snprintf(section, sectionlen, "%.*s", n > 49 ? 49 : (int)n,
			 p + 1);
		return CONFIG_LINE_SECTION;
	}
	*indented = p > start;
	if (!config_find_char(p, end, "=:")) {
		*why = "neither a [section] nor a 'key = value' line";
		return CONFIG_LINE_BAD;
	}
	return CONFIG_LINE_KEY;
}

/* The whole of @path, which may hold any bytes, into *@text (*@len
 * bytes, NUL-terminated after them): 0, or -errno told to @sink. */
int config_read_file(const char *path, char **text, size_t *len,
		     struct config_sink *sink)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t used = 0, cap = 0, n;
	int r = 0;

	if (!f) {
		r = -errno;
		config_report(sink, path, 0, "cannot open: %s", strerror(-r));
		return r;
	}
	for (;;) {
		if (cap - used < 4097) {
			char *nb;

			if (cap > (1 << 20)) {
				config_report(sink, path, 0,
					      "larger than 1 MiB");
				r = -EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				config_report(sink, path, 0, "out of memory");
				break;
			}
			buf = nb;
		}
		n = fread(buf + used, 1, cap - used - 1, f);
		used += n;
		if (n == 0)
			break;
	}
	if (!r && ferror(f)) {
		r = -EIO;
		config_report(sink, path, 0, "read error");
	}
	fclose(f);
	if (r) {
		free(buf);
		return r;
	}
	buf[used] = '\0';
	*text = buf;
	*len = used;
	return 0;
}
