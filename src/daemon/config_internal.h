/* SPDX-License-Identifier: MIT */
/*
 * What config_load.c shares with config_outbox.c and config.c (the
 * [outbox] and [connector] sections): the parser's context and its helpers for
 * settings a module checks itself.  Private to src/daemon.
 */
#ifndef RETOUR_DAEMON_CONFIG_INTERNAL_H
#define RETOUR_DAEMON_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "retour/config.h"

/*
 * Where the problems of one check go: every one into @list (when set), the
 * first into @err (when set); @n counts them all.  `retourd -n` wants the
 * list, the daemon and the tools the first.
 */
struct config_sink {
	struct config_problems *list;
	char *err;
	size_t errlen;
	int n;
};

/* Report "file:line: problem" (line 0: "file: problem") to @sink. */
void config_report(struct config_sink *sink, const char *file, int line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Sort @p's problems from index @from on by their lines (one file's). */
void config_problems_sort(struct config_problems *p, int from);

/* A (section, key) already given in the file, for "given twice". */
struct config_seen {
	char section[52]; /* inih's longest section and key are 50 */
	char key[52];
	int line;
};

struct parse_ctx {
	struct config *c;
	const char *name; /* of the file, for the settings' origin */
	bool board;
	/* what is wrong with the line the handler was given; flushed into
	 * @sink with the line's number after each line */
	char problem[256];
	struct config_sink *sink;
	/* the text left to read (up to @end), and the line the reader is at */
	const char *text;
	const char *end;
	int line;
	/* the reader's view: the section being read, from which line, and
	 * whether a key came since (an indented line would continue it) */
	int section_line;
	int station_line; /* [station]'s, for "desk must be set" */
	bool section_unknown;
	bool after_key;
	/* every key given, for duplicates */
	struct config_seen *seen;
	int n_seen, cap_seen;
};

/* Keep one line of @section in @list for the module that checks it: 1, or
 * 0 with ctx->problem set (inih's convention). */
int config_settings_add(struct parse_ctx *ctx, struct config_settings *list,
			const char *section, const char *key,
			const char *value);
/* 1 to @max of A-Z a-z 0-9 . _ - */
bool config_token_ok(const char *v, size_t max);
#define CONFIG_TOKEN_HELP "A-Z a-z 0-9 . _ -"
/* @v with quotes, backslashes and bytes outside printable ASCII escaped,
 * cut with "..." to fit @outlen: an untrusted value in an error text. */
const char *config_printable(char *out, size_t outlen, const char *v);

/*
 * A line of [outbox] that is not the sender's own timing key, or of a
 * [connector NAME] section: 1 or 0 as inih wants it, or -1 when @section
 * is neither (the caller goes on).
 */
int config_outbox_line(struct parse_ctx *ctx, const char *section,
		       const char *key, const char *value);
/* Well-formed UTF-8 (RFC 3629); a C1 control (U+0080..U+009F) in it; no
 * byte below 0x20 nor 0x7f. */
bool config_utf8_ok(const char *v);
bool config_has_c1_control(const char *v);
bool config_value_clean(const char *v);

/* What a line is to inih (config_lines.c). */
enum config_line_kind {
	CONFIG_LINE_BLANK, /* empty, or a comment */
	CONFIG_LINE_SECTION,
	CONFIG_LINE_KEY,
	CONFIG_LINE_BAD, /* inih cannot take it: *why says why */
};
/*
 * The line [@p, @end) (its newline left out; line @lineno, the first may
 * start with a byte order mark): a SECTION's name (as inih will keep it)
 * into @section, whether a KEY line is indented (inih would take it as
 * going on with the value above) into *@indented.
 */
enum config_line_kind config_line_kind(const char *p, const char *end,
				       int lineno, char *section,
				       size_t sectionlen, bool *indented,
				       const char **why);
/* The whole of @path, any bytes, into *@text (*@len of them, a NUL after
 * them; free() it): 0, or -errno told to @sink. */
int config_read_file(const char *path, char **text, size_t *len,
		     struct config_sink *sink);

/* A line of [clerks] or [label] (config_station.c): 1 or 0 as inih wants
 * it, or -1 when @section is neither. */
int config_station_line(struct parse_ctx *ctx, const char *section,
			const char *key, const char *value,
			const char *shown_key);

/* Is @section (as inih gives it) a section of a board file (@board) or of
 * the station file? */
bool config_section_known(const char *section, bool board);

/* The board file's device sections (config_board.c): a line of
 * [scanner] [scale] [printer] [camera] [gpio] or [scanner NAME], 1 or 0
 * as inih wants it, or -1 when @section is none of them. */
int config_board_line(struct parse_ctx *ctx, const char *section,
		      const char *key, const char *value,
		      const char *shown_sec);
/* Once the board file is read: each device's backend checks every one of
 * its settings, the backend's required keys are there, no GPIO line is
 * named twice, and the labels get the printer's language. */
void config_board_check(struct config *c, struct config_sink *sink);

/* Once the station file is read: each connector's type checks its
 * settings, and the routes name sections that exist.  0, or -EINVAL with
 * "file:line: problem" in @err. */
int config_outbox_check(const struct config *c, char *err, size_t errlen);

/* config_photo_upload.c: a line of [photo upload] (1 or 0 as inih
 * wants it, -1 for another section), and its check by the s3 connector
 * once the file is read (0, or -EINVAL with "file:line: problem"). */
int config_photo_upload_line(struct parse_ctx *ctx, const char *section,
			     const char *key, const char *value);
int config_photo_upload_check(const struct config *c, char *err, size_t errlen);

#endif
