/* SPDX-License-Identifier: MIT */
/*
 * Configuration loading: a table of every known key, its type and its
 * range, so that one function checks them all and an unknown key is an
 * error instead of a silent typo.  inih does the tokenising; the reader
 * that feeds it sees each line first, so that a line inih could not take
 * (a NUL, no '=', too long, an unknown section) is a problem with its
 * number, and every line is read: `retourd -n` reports every problem of a
 * file, not only its first.  The board's device sections are
 * config_board.c's.
 *
 * Deliberately no defaults hidden in the code paths that use the values:
 * config_defaults() is the one place they live.
 *
 * Values are checked here for everything later code relies on, so that a bad
 * name is a line number now and not a dead outbox row or a failed event
 * body days later: UTF-8 everywhere (JSON needs it), and tokens for the names
 * that end up in an HTTP header or come from a scanner.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "retour/config.h"
#include "retour/device.h"

#include "config_internal.h"

enum key_type {
	KEY_STR,
	KEY_TOKEN,
	KEY_INT,
	KEY_INT64,
	KEY_BOOL,
	KEY_SECONDS,
	KEY_MIB
};

struct key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	size_t size; /* for strings */
	int64_t min, max;
	bool board; /* belongs to the board file */
};

#define S(sec, key, field, brd)                                                \
	{                                                                      \
		sec, key, KEY_STR, offsetof(struct config, field),             \
		    sizeof(((struct config *)0)->field), 0, 0, brd             \
	}
/* a name that goes into the outbox key: 1 to CONFIG_NAME_MAX token chars */
#define T(sec, key, field)                                                     \
	{                                                                      \
		sec, key, KEY_TOKEN, offsetof(struct config, field),           \
		    sizeof(((struct config *)0)->field), 0, 0, false           \
	}
#define I(sec, key, field, lo, hi, brd)                                        \
	{                                                                      \
		sec, key, KEY_INT, offsetof(struct config, field), 0, lo, hi,  \
		    brd                                                        \
	}
#define B(sec, key, field)                                                     \
	{                                                                      \
		sec, key, KEY_BOOL, offsetof(struct config, field), 0, 0, 1,   \
		    false                                                      \
	}
#define SEC(sec, key, field, lo, hi)                                           \
	{                                                                      \
		sec, key, KEY_SECONDS, offsetof(struct config, field), 0, lo,  \
		    hi, false                                                  \
	}

static const struct key config_keys[] = {
    T("station", "desk", desk),
    S("station", "database", database, false),
    S("station", "photos", photos, false),
    {"station", "photo_min_free_mb", KEY_MIB,
     offsetof(struct config, photo_min_free_bytes), 0, 0, 1 << 20, false},
    /* below it the light and the screen warn (disk.h) */
    {"station", "photo_warn_free_mb", KEY_MIB,
     offsetof(struct config, photo_warn_free_bytes), 0, 0, 1 << 20, false},
    S("station", "checklists", checklists, false),
    S("station", "board", board, false),
    SEC("station", "step_timeout_s", step_timeout_us, 10, 86400),
    SEC("station", "grace_s", grace_us, 0, 3600),
    I("station", "empty_scale_g", empty_scale_g, 0, 1000, false),
    S("station", "routine", routine, false),
    S("station", "language", language, false),
    S("station", "clock", clock_mode, false),
    S("station", "clock_synced_file", clock_synced_file, false),

    T("shop", "name", shop),
    S("shop", "rma_pattern", rma_pattern, false),
    S("shop", "order_pattern", order_pattern, false),
    S("shop", "scanner_prefix", scanner_prefix, false),
    S("shop", "scanner_suffix", scanner_suffix, false),
    I("shop", "withdrawal_days", policy.withdrawal_days, 14, 3650, false),
    I("shop", "complaint_answer_days", policy.complaint_answer_days, 1, 365,
      false),
    I("shop", "warranty_months", policy.warranty_months, 0, 240, false),
    I("shop", "complaint_warn_days", policy.complaint_warn_days, 0, 365, false),
    I("shop", "weight_tolerance_g", policy.weight_tolerance_g, 0, 100000,
      false),
    I("shop", "weight_tolerance_pct", policy.weight_tolerance_pct, 0, 100,
      false),
    I("shop", "deduction_a_bp", policy.deduction_bp[GRADE_A], 0, 10000, false),
    I("shop", "deduction_b_bp", policy.deduction_bp[GRADE_B], 0, 10000, false),
    I("shop", "deduction_c_bp", policy.deduction_bp[GRADE_C], 0, 10000, false),
    I("shop", "deduction_scrap_bp", policy.deduction_bp[GRADE_SCRAP], 0, 10000,
      false),
    B("shop", "refund_basic_delivery", policy.refund_basic_delivery),
    I("shop", "utc_offset_min", policy.utc_offset_min, -720, 840, false),
    B("shop", "eu_summer_time", policy.eu_summer_time),
    I("shop", "ship_qc_tolerance_g", ship_qc_tolerance_g, 0, 100000, false),

    S("api", "socket", api_socket, false),
    S("api", "listen", api_listen, false),
    S("api", "token_file", api_token_file, false),
    I("api", "import_queue", api_import_queue, 1, 64, false),

    /* [outbox]'s connector and routes are config_outbox.c's */
    I("outbox", "timeout_ms", outbox_timeout_ms, 100, 600000, false),
    I("outbox", "backoff_base_ms", outbox_backoff_base_ms, 10, 3600000, false),
    I("outbox", "backoff_max_ms", outbox_backoff_max_ms, 10, 86400000, false),
    SEC("outbox", "dead_after_s", outbox_dead_after_us, 1, 90 * 86400),
    /* the CA bundle every connector trusts instead of the system's */
    S("outbox", "ca_file", outbox_ca_file, false),

    /* Where `retourctl backup` writes without a DEST */
    S("backup", "destination", backup_destination, false),
    /* days from the refund (or the receipt); 0 keeps (retention.h) */
    I("retention", "label_photos_days", retention.days[RETENTION_LABEL_PHOTOS],
      0, 36500, false),
    I("retention", "other_photos_days", retention.days[RETENTION_OTHER_PHOTOS],
      0, 36500, false),
    I("retention", "personal_days", retention.days[RETENTION_PERSONAL], 0,
      36500, false),
    /* days from the record's close (refund confirmed, decision final, QC
     * verdict); 0 keeps; an unfinished record is kept (retention.h) */
    I("retention", "receipts_days", retention.days[RETENTION_RECEIPTS], 0,
      36500, false),
    I("retention", "shipments_days", retention.days[RETENTION_SHIPMENTS], 0,
      36500, false),
    I("retention", "decisions_days", retention.days[RETENTION_DECISIONS], 0,
      36500, false),
    I("retention", "answers_days", retention.days[RETENTION_ANSWERS], 0, 36500,
      false),
    I("retention", "labels_days", retention.days[RETENTION_LABELS], 0, 36500,
      false),
    I("retention", "outbox_days", retention.days[RETENTION_OUTBOX], 0, 36500,
      false),

    /* the station image's updates (station_system.h) */
    S("update", "command", update_command, false),
    {"update", "bundle_max_mb", KEY_MIB,
     offsetof(struct config, update_bundle_max_bytes), 0, 1, 1 << 16, false},
    S("update", "bundle_dirs", update_bundle_dirs, false),
    S("update", "firstboot_missing", update_firstboot_missing, false),
    S("update", "cmdline", update_cmdline, false),

    S("board", "name", board_name, true),
    /* the other keys of the device sections are their backends' */
    I("scanner", "max_line", scanner_max_line, 16, 4096, true),
};

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->desk, sizeof(c->desk), "desk-1");
	snprintf(c->database, sizeof(c->database), "/var/lib/retour/retour.db");
	snprintf(c->photos, sizeof(c->photos), "/var/lib/retour/photos");
	c->photo_min_free_bytes = INT64_C(64) << 20;
	c->photo_warn_free_bytes = INT64_C(1024) << 20;
	snprintf(c->checklists, sizeof(c->checklists),
		 "/usr/share/retour/checklists");
	c->step_timeout_us = INT64_C(600) * 1000000;
	c->grace_us = INT64_C(30) * 1000000;
	snprintf(c->routine, sizeof(c->routine), "return");
	snprintf(c->language, sizeof(c->language), "pl");
	snprintf(c->clock_mode, sizeof(c->clock_mode), "sync");
	snprintf(c->clock_synced_file, sizeof(c->clock_synced_file),
		 "/run/systemd/timesync/synchronized");
	snprintf(c->shop, sizeof(c->shop), "shop");
	c->label.layout.dpi = LABEL_DPI_203;
	snprintf(c->rma_pattern, sizeof(c->rma_pattern), "RMA-*");
	rules_policy_defaults(&c->policy);
	c->ship_qc_tolerance_g = 50;
	c->empty_scale_g = 5;
	snprintf(c->api_socket, sizeof(c->api_socket),
		 "/run/retour/retourd.sock");
	c->api_import_queue = 8;
	snprintf(c->update_command, sizeof(c->update_command), "rauc");
	c->update_bundle_max_bytes = INT64_C(2048) << 20;
	snprintf(c->update_bundle_dirs, sizeof(c->update_bundle_dirs),
		 "/media /run/media");
	snprintf(c->update_firstboot_missing,
		 sizeof(c->update_firstboot_missing),
		 "/etc/retour/firstboot.missing");
	snprintf(c->update_cmdline, sizeof(c->update_cmdline), "/proc/cmdline");
	snprintf(c->outbox.type, sizeof(c->outbox.type), "webhook");
	c->outbox_timeout_ms = 15000;
	c->outbox_backoff_base_ms = 1000;
	c->outbox_backoff_max_ms = 600000;
	c->outbox_dead_after_us = INT64_C(86400) * 1000000;
	c->scanner_max_line = 256;
	for (int k = 0; k < DEVICE_KIND_COUNT; k++)
		snprintf(c->device[k].backend, sizeof(c->device[k].backend),
			 "%s",
			 k == DEVICE_SCANNER ? "pty"
			 : k == DEVICE_GPIO  ? "sim"
					     : "none");
}

static int parse_int64(const char *v, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long n;

	if (!*v)
		return -EINVAL;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return -EINVAL;
	*out = n;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* One line of the file, given to inih's handler: 1 when it was fine, 0
 * with ctx->problem saying what is wrong with it. */
static int config_line(struct parse_ctx *ctx, const char *section,
		       const char *name, const char *value)
{
	char *base = (char *)ctx->c;
	char shown_sec[48], shown_key[64], shown[64];
	int64_t n;
	bool b;

	/* section and key come from the file too: never print them raw */
	config_printable(shown_sec, sizeof(shown_sec), section);
	config_printable(shown_key, sizeof(shown_key), name);
	if (!config_value_clean(value)) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "control characters in the value of '%s'", shown_key);
		return 0;
	}
	if (!config_utf8_ok(value)) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "[%s] %s: not valid UTF-8", shown_sec, shown_key);
		return 0;
	}
	if (!ctx->board) {
		int r =
		    config_station_line(ctx, section, name, value, shown_key);

		if (r < 0)
			r = config_outbox_line(ctx, section, name, value);
		if (r < 0)
			r = config_photo_upload_line(ctx, section, name, value);
		if (r >= 0)
			return r;
	}
	if (ctx->board) {
		int r = config_board_line(ctx, section, name, value, shown_sec);

		if (r >= 0)
			return r;
	}

	for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]);
	     i++) {
		const struct key *k = &config_keys[i];

		if (k->board != ctx->board || strcmp(k->section, section) ||
		    strcmp(k->name, name))
			continue;
		switch (k->type) {
		case KEY_STR:
			if (strlen(value) >= k->size) {
				snprintf(
				    ctx->problem, sizeof(ctx->problem),
				    "value of '%s' is longer than %zu bytes",
				    name, k->size - 1);
				return 0;
			}
			memcpy(base + k->offset, value, strlen(value) + 1);
			return 1;
		case KEY_TOKEN:
			if (!config_token_ok(value, k->size - 1)) {
				snprintf(ctx->problem, sizeof(ctx->problem),
					 "[%s] %s \"%s\": use 1-%zu "
					 "of " CONFIG_TOKEN_HELP,
					 k->section, k->name,
					 config_printable(shown, sizeof(shown),
							  value),
					 k->size - 1);
				return 0;
			}
			memcpy(base + k->offset, value, strlen(value) + 1);
			return 1;
		case KEY_BOOL:
			if (parse_bool(value, &b) < 0)
				goto bad_value;
			*(bool *)(base + k->offset) = b;
			return 1;
		case KEY_INT:
			if (parse_int64(value, k->min, k->max, &n) < 0)
				goto bad_value;
			*(int *)(base + k->offset) = (int)n;
			return 1;
		case KEY_INT64:
			if (parse_int64(value, k->min, k->max, &n) < 0)
				goto bad_value;
			*(int64_t *)(base + k->offset) = n;
			return 1;
		case KEY_SECONDS:
			if (parse_int64(value, k->min, k->max, &n) < 0)
				goto bad_value;
			*(int64_t *)(base + k->offset) = n * 1000000;
			return 1;
		case KEY_MIB:
			if (parse_int64(value, k->min, k->max, &n) < 0)
				goto bad_value;
			*(int64_t *)(base + k->offset) = n << 20;
			return 1;
		}
	bad_value:
		if (k->type == KEY_BOOL)
			snprintf(ctx->problem, sizeof(ctx->problem),
				 "'%s' is not yes or no for '%s'", value, name);
		else
			snprintf(ctx->problem, sizeof(ctx->problem),
				 "'%s' is not a whole number from %lld to %lld "
				 "for '%s'",
				 value, (long long)k->min, (long long)k->max,
				 name);
		return 0;
	}
	snprintf(ctx->problem, sizeof(ctx->problem),
		 "unknown key '%s' in section [%s]", shown_key, shown_sec);
	return 0;
}

bool config_section_known(const char *section, bool board)
{
	if (board
		? !strncmp(section, "scanner ", 8)
		: !strncmp(section, "connector ", 10) ||
		      !strcmp(section, "clerks") || !strcmp(section, "label") ||
		      !strcmp(section, "photo upload"))
		return true;
	if (board && device_kind_from_name(section) >= 0)
		return true;
	for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]);
	     i++)
		if (config_keys[i].board == board &&
		    !strcmp(config_keys[i].section, section))
			return true;
	return false;
}

/* Was @name already given in @section of this file?  Then say where, and
 * the second is not taken: the first one stands. */
static bool config_given_twice(struct parse_ctx *ctx, const char *section,
			       const char *name, const char *shown_key)
{
	struct config_seen *seen;

	for (int i = 0; i < ctx->n_seen; i++) {
		if (strcmp(ctx->seen[i].section, section) ||
		    strcmp(ctx->seen[i].key, name))
			continue;
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "'%s' is given twice in this section (first on line "
			 "%d, which stands)",
			 shown_key, ctx->seen[i].line);
		return true;
	}
	if (ctx->n_seen == ctx->cap_seen) {
		int cap = ctx->cap_seen ? ctx->cap_seen * 2 : 64;

		seen = realloc(ctx->seen, (size_t)cap * sizeof(*seen));
		if (!seen)
			return false; /* only the duplicates go unseen */
		ctx->seen = seen;
		ctx->cap_seen = cap;
	}
	seen = &ctx->seen[ctx->n_seen++];
	snprintf(seen->section, sizeof(seen->section), "%.50s", section);
	snprintf(seen->key, sizeof(seen->key), "%.50s", name);
	seen->line = ctx->line;
	return false;
}

/* inih callback: every line is read, each problem told with its line;
 * always 1, so that inih's own error is a syntax error alone. */
static int config_handle(void *user, const char *section, const char *name,
			 const char *value)
{
	struct parse_ctx *ctx = user;
	char shown_key[64];

	if (ctx->section_unknown)
		return 1; /* the section was told, not each of its keys */
	ctx->problem[0] = '\0';
	config_printable(shown_key, sizeof(shown_key), name);
	if (!config_given_twice(ctx, section, name, shown_key))
		config_line(ctx, section, name, value);
	if (ctx->problem[0])
		config_report(ctx->sink, ctx->name, ctx->line, "%s",
			      ctx->problem);
	return 1;
}

/* A line the reader found to be a [section]: is it one this file may
 * have?  NULL, or why not into @why. */
static const char *config_section_line(struct parse_ctx *ctx,
				       const char *section, char *why,
				       size_t len)
{
	char shown[80];

	ctx->section_line = ctx->line;
	ctx->after_key = false;
	ctx->section_unknown = !config_section_known(section, ctx->board);
	if (!strcmp(section, "station"))
		ctx->station_line = ctx->line;
	if (!ctx->section_unknown)
		return NULL;
	config_printable(shown, sizeof(shown), section);
	snprintf(why, len,
		 ctx->board
		     ? "unknown section [%s] in a board file (known: "
		       "board, scanner, scanner NAME, scale, printer, "
		       "camera, gpio)"
		     : "unknown section [%s] (known: station, shop, "
		       "label, api, outbox, connector NAME, photo upload, "
		       "clerks; the "
		       "devices are the board file's)",
		 shown);
	return why;
}

/*
 * inih's reader, one line per call (as ini_parse_string's does), counting
 * the lines so that a setting knows where it came from: the handler is
 * called for the line the reader returned last.  A line inih cannot take
 * (too long for its buffer, a NUL, no '=' nor a section, an indented one
 * inih would join to the value above) or an unknown section is reported
 * here with its number, and inih gets a blank line for it.
 */
static char *config_read_line(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	const char *p = ctx->text, *eol, *problem = NULL;
	char why[256], section[64];
	bool indented;
	size_t n;

	if (p >= ctx->end || num < 3)
		return NULL;
	ctx->line++; /* as inih counts: one line per call */
	eol = memchr(p, '\n', (size_t)(ctx->end - p));
	n = (size_t)((eol ? eol : ctx->end) - p);
	ctx->text = eol ? eol + 1 : ctx->end;
	if (n > (size_t)num - 2) {
		problem = "the line is longer than the 198 bytes a line may "
			  "have";
	} else {
		switch (config_line_kind(p, p + n, ctx->line, section,
					 sizeof(section), &indented,
					 &problem)) {
		case CONFIG_LINE_SECTION:
			problem =
			    config_section_line(ctx, section, why, sizeof(why));
			break;
		case CONFIG_LINE_KEY:
			if (indented && ctx->after_key)
				problem = "an indented line would go on with "
					  "the value above: a value is one "
					  "line, unindented";
			ctx->after_key = true;
			break;
		case CONFIG_LINE_BLANK:
		case CONFIG_LINE_BAD:
			break;
		}
	}
	if (problem) {
		config_report(ctx->sink, ctx->name, ctx->line, "%s", problem);
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	memcpy(str, p, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

/* What the station file must give, once it is read. */
static void config_validate(struct parse_ctx *ctx)
{
	struct config *c = ctx->c;

	if (strcmp(c->routine, "return") && strcmp(c->routine, "ship_qc"))
		config_report(ctx->sink, ctx->name, ctx->station_line,
			      "[station] routine must be return or ship_qc");
	if (strcmp(c->language, "pl") && strcmp(c->language, "en"))
		config_report(ctx->sink, ctx->name, ctx->station_line,
			      "[station] language must be pl or en");
	if (!c->desk[0] || !c->database[0])
		config_report(ctx->sink, ctx->name, ctx->station_line,
			      "[station] desk and database must be set");
	if ((strcmp(c->clock_mode, "sync") && strcmp(c->clock_mode, "file") &&
	     strcmp(c->clock_mode, "rtc") && strcmp(c->clock_mode, "trust")) ||
	    !c->clock_synced_file[0])
		config_report(
		    ctx->sink, ctx->name, ctx->station_line,
		    "[station] clock must be sync, file, rtc or trust, "
		    "with a clock_synced_file");
}

/* Parse @len bytes of @text as the station file or a board file, every
 * problem to @sink; how many it found. */
static int config_parse_sink(struct config *c, const char *name,
			     const char *text, size_t len, bool board,
			     struct config_sink *sink)
{
	struct parse_ctx ctx = {.c = c,
				.name = name,
				.board = board,
				.sink = sink,
				.text = text,
				.end = text + len};
	char err[512];
	int before = sink->n, line;
	int from = sink->list ? sink->list->n : 0;

	line = ini_parse_stream(config_read_line, &ctx, config_handle, &ctx);
	free(ctx.seen);
	if (line < 0)
		config_report(sink, name, 0, "cannot be parsed");
	else if (line > 0)
		config_report(sink, name, line, "syntax error");
	/* the connectors and the backends check their settings once all of
	 * them are known */
	if (board) {
		config_board_check(c, sink);
	} else {
		if (config_outbox_check(c, err, sizeof(err)) < 0)
			config_report(sink, NULL, 0, "%s", err);
		if (config_photo_upload_check(c, err, sizeof(err)) < 0)
			config_report(sink, NULL, 0, "%s", err);
		config_validate(&ctx);
	}
	if (sink->list && from < CONFIG_MAX_PROBLEMS)
		config_problems_sort(sink->list, from);
	return sink->n - before;
}

int config_parse_text(struct config *c, const char *name, const char *text,
		      bool board, char *err, size_t errlen)
{
	struct config_sink sink = {.err = err, .errlen = errlen};

	return config_parse_sink(c, name, text, strlen(text), board, &sink)
		   ? -EINVAL
		   : 0;
}

int config_parse_all(struct config *c, const char *name, const char *text,
		     size_t len, bool board, struct config_problems *problems)
{
	struct config_sink sink = {.list = problems};

	problems->n = 0;
	return config_parse_sink(c, name, text, len, board, &sink) ? -EINVAL
								   : 0;
}

/* One file, read and parsed: 0, or the first -errno. */
static int config_load_file(struct config *c, const char *path, bool board,
			    struct config_sink *sink)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	r = config_read_file(path, &text, &len, sink);
	if (r < 0)
		return r;
	r = config_parse_sink(c, path, text, len, board, sink) ? -EINVAL : 0;
	free(text);
	return r;
}

/* Both files, every problem to @sink: 0, or the first one's -errno. */
static int config_load_sink(struct config *c, const char *path,
			    const char *board_override,
			    struct config_sink *sink)
{
	const char *board;
	int r, rb = 0;

	r = config_load_file(c, path, false, sink);
	board = board_override && *board_override ? board_override : c->board;
	if (*board)
		rb = config_load_file(c, board, true, sink);
	return r < 0 ? r : rb;
}

int config_load(struct config *c, const char *path, const char *board_override,
		char *err, size_t errlen)
{
	struct config_sink sink = {.err = err, .errlen = errlen};

	return config_load_sink(c, path, board_override, &sink);
}

int config_load_all(struct config *c, const char *path,
		    const char *board_override,
		    struct config_problems *problems)
{
	struct config_sink sink = {.list = problems};

	problems->n = 0;
	return config_load_sink(c, path, board_override, &sink);
}
