/* SPDX-License-Identifier: MIT */
/*
 * Configuration loading: a table of every known key, its type and its
 * range, so that one function checks them all and an unknown key is an
 * error instead of a silent typo.  inih does the tokenising; it reports the
 * line of the first line a handler refused.
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
#include "retour/printer.h"

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
    S("station", "checklists", checklists, false),
    S("station", "board", board, false),
    SEC("station", "step_timeout_s", step_timeout_us, 10, 86400),
    SEC("station", "grace_s", grace_us, 0, 3600),
    S("station", "routine", routine, false),
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
	snprintf(c->checklists, sizeof(c->checklists),
		 "/usr/share/retour/checklists");
	c->step_timeout_us = INT64_C(600) * 1000000;
	c->grace_us = INT64_C(30) * 1000000;
	snprintf(c->routine, sizeof(c->routine), "return");
	snprintf(c->clock_mode, sizeof(c->clock_mode), "sync");
	snprintf(c->clock_synced_file, sizeof(c->clock_synced_file),
		 "/run/systemd/timesync/synchronized");
	snprintf(c->shop, sizeof(c->shop), "shop");
	c->label.layout.dpi = LABEL_DPI_203;
	snprintf(c->rma_pattern, sizeof(c->rma_pattern), "RMA-*");
	rules_policy_defaults(&c->policy);
	c->ship_qc_tolerance_g = 50;
	snprintf(c->api_socket, sizeof(c->api_socket),
		 "/run/retour/retourd.sock");
	c->api_import_queue = 8;
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

/*
 * Well-formed UTF-8 as RFC 3629 has it: no overlong forms, no surrogates,
 * nothing above U+10FFFF, no stray or missing continuation bytes.  What
 * Jansson accepts, so a value that passes can go into an event body.
 */
static bool config_utf8_ok(const char *v)
{
	const unsigned char *p = (const unsigned char *)v;

	while (*p) {
		uint32_t cp, min;
		size_t len;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			len = 2;
			cp = *p & 0x1f;
			min = 0x80;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			len = 3;
			cp = *p & 0x0f;
			min = 0x800;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			len = 4;
			cp = *p & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		/* a NUL is not a continuation byte: never reads past the end */
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += len;
	}
	return true;
}

/* U+0080..U+009F, the C1 controls: C2 80..C2 9F in (valid) UTF-8. */
static bool config_has_c1_control(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return true;
	return false;
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

static bool value_is_clean(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* "Name, role": the role when the text after the last comma is one
 * (clerk, packer, supervisor), cut off @name; else "clerk" and the whole
 * value is the name (a name may hold a comma). */
static const char *config_clerk_role(char *name)
{
	static const char *const roles[] = {"clerk", "packer", "supervisor"};
	char *comma = strrchr(name, ',');
	const char *tail;
	size_t len;

	if (!comma)
		return "clerk";
	tail = comma + 1;
	while (*tail == ' ' || *tail == '\t')
		tail++;
	len = strlen(tail);
	while (len && (tail[len - 1] == ' ' || tail[len - 1] == '\t'))
		len--;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strlen(roles[i]) != len || strncmp(tail, roles[i], len))
			continue;
		while (comma > name && (comma[-1] == ' ' || comma[-1] == '\t'))
			comma--;
		*comma = '\0';
		return roles[i];
	}
	return "clerk";
}

static int config_set_clerk(struct parse_ctx *ctx, const char *badge,
			    const char *value)
{
	struct config *c = ctx->c;
	struct config_clerk *k;
	char shown[64], name[256];
	const char *role;

	if (c->n_clerks >= CONFIG_MAX_CLERKS) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "more than %d clerks", CONFIG_MAX_CLERKS);
		return 0;
	}
	/* the badge is what the scanner reads: a token, like a desk name */
	if (!config_token_ok(badge, sizeof(k->badge) - 1)) {
		snprintf(
		    ctx->problem, sizeof(ctx->problem),
		    "[clerks] badge \"%s\": use 1-%zu of " CONFIG_TOKEN_HELP,
		    config_printable(shown, sizeof(shown), badge),
		    sizeof(k->badge) - 1);
		return 0;
	}
	if (strlen(value) >= sizeof(name)) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "[clerks] %s: the name must be 1-%zu bytes of text "
			 "without control characters",
			 badge, sizeof(k->name) - 1);
		return 0;
	}
	snprintf(name, sizeof(name), "%s", value);
	role = config_clerk_role(name);
	/* the name is shown, printed on labels and sent in events */
	if (!*name || strlen(name) >= sizeof(k->name) ||
	    config_has_c1_control(name)) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "[clerks] %s: the name must be 1-%zu bytes of text "
			 "without control characters",
			 badge, sizeof(k->name) - 1);
		return 0;
	}
	k = &c->clerks[c->n_clerks++];
	snprintf(k->badge, sizeof(k->badge), "%s", badge);
	snprintf(k->name, sizeof(k->name), "%s", name);
	snprintf(k->role, sizeof(k->role), "%s", role);
	return 1;
}

/*
 * A device section's line: the backend, or one of its settings, kept for
 * the backend to check once the whole file is read (the backend may be
 * named after its settings).
 */
static int config_set_device(struct parse_ctx *ctx, enum device_kind k,
			     struct config_device *d, const char *key,
			     const char *value)
{
	if (strcmp(key, "backend"))
		return config_settings_add(ctx, &d->settings,
					   device_kind_name(k), key, value);
	if (strlen(value) >= sizeof(d->backend)) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "value of 'backend' is longer than %zu bytes",
			 sizeof(d->backend) - 1);
		return 0;
	}
	snprintf(d->settings.file, sizeof(d->settings.file), "%s", ctx->name);
	snprintf(d->backend, sizeof(d->backend), "%s", value);
	d->backend_line = ctx->line;
	return 1;
}

int config_device_apply(const struct config_device *d, enum device_kind k,
			void *kind_config, char *err, size_t errlen)
{
	const char *file = d->settings.file[0] ? d->settings.file : "board";
	const struct device_backend *be;
	char problem[256], where[CONFIG_NAME_MAX + 24] = "";

	if (d->name[0])
		snprintf(where, sizeof(where), "[%s %s] ", device_kind_name(k),
			 d->name);
	be = device_backend_find(k, d->backend, problem, sizeof(problem));
	if (!be) {
		snprintf(err, errlen, "%s:%d: %s%s", file, d->backend_line,
			 where, problem);
		return -EINVAL;
	}
	for (int i = 0; i < d->settings.n; i++) {
		const struct config_setting *s = &d->settings.item[i];

		if (device_backend_setting(be, kind_config, s->key, s->value,
					   problem, sizeof(problem)) < 0) {
			snprintf(err, errlen, "%s:%d: %s%s", file, s->line,
				 where, problem);
			return -EINVAL;
		}
	}
	return 0;
}

/* The absent devices of one device section, for config_devices_absent(). */
static int config_device_absent(const struct config_device *d,
				enum device_kind k, config_absent_fn absent,
				void *ud)
{
	const char *file = d->settings.file[0] ? d->settings.file : "board";
	const struct device_backend *be;
	char problem[320], line[CONFIG_PATH_LEN + 360];
	int n = 0;

	be = device_backend_find(k, d->backend, NULL, 0);
	for (int i = 0; be && i < d->settings.n; i++) {
		const struct config_setting *s = &d->settings.item[i];

		if (device_setting_present(be, s->key, s->value, problem,
					   sizeof(problem)) == 0)
			continue;
		snprintf(line, sizeof(line), "%s:%d: [%s%s%s] %s", file,
			 s->line, device_kind_name(k), d->name[0] ? " " : "",
			 d->name, problem);
		if (absent)
			absent(ud, line);
		n++;
	}
	return n;
}

int config_devices_absent(const struct config *c, config_absent_fn absent,
			  void *ud)
{
	int n = 0;

	for (int k = 0; k < DEVICE_KIND_COUNT; k++)
		n += config_device_absent(&c->device[k], k, absent, ud);
	for (int i = 0; i < c->n_more_scanners; i++)
		n += config_device_absent(&c->more_scanners[i], DEVICE_SCANNER,
					  absent, ud);
	return n;
}

/* A [label] line: size, dpi, barcode, symbology (label.h); 1 fine, 0 a
 * problem. */
static int config_label_line(struct parse_ctx *ctx, const char *name,
			     const char *value, const char *shown_key)
{
	struct label_settings *l = &ctx->c->label;
	char shown[64];
	int r;

	if (!strcmp(name, "size"))
		r = label_size_from_name(value, &l->layout.size);
	else if (!strcmp(name, "dpi"))
		r = label_dpi_from_text(value, &l->layout.dpi);
	else if (!strcmp(name, "barcode"))
		r = label_barcode_from_name(value, &l->barcode);
	else if (!strcmp(name, "symbology"))
		r = label_symbology_from_name(value, &l->layout.symbology);
	else {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "unknown key '%s' in section [label] (known: size, "
			 "dpi, barcode, symbology)",
			 shown_key);
		return 0;
	}
	if (r == 0)
		return 1;
	snprintf(ctx->problem, sizeof(ctx->problem),
		 "[label] %s: '%s' is not one of %s", name,
		 config_printable(shown, sizeof(shown), value),
		 !strcmp(name, "size")	      ? "100x50, 4x6"
		 : !strcmp(name, "dpi")	      ? "203, 300"
		 : !strcmp(name, "symbology") ? "code128, qr"
					      : "receipt, rma, sscc");
	return 0;
}

/*
 * The [scanner NAME] section @name, added when first seen: a desk may
 * have several scanners.  NULL with ctx->problem set.
 */
static struct config_device *config_more_scanner(struct parse_ctx *ctx,
						 const char *name,
						 const char *shown_sec)
{
	struct config *c = ctx->c;
	struct config_device *d;

	if (!config_token_ok(name, sizeof(d->name) - 1)) {
		snprintf(
		    ctx->problem, sizeof(ctx->problem),
		    "[%s]: a scanner's name is 1-%zu of " CONFIG_TOKEN_HELP,
		    shown_sec, sizeof(d->name) - 1);
		return NULL;
	}
	for (int i = 0; i < c->n_more_scanners; i++)
		if (!strcmp(c->more_scanners[i].name, name))
			return &c->more_scanners[i];
	if (c->n_more_scanners >= CONFIG_MAX_SCANNERS - 1) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "more than %d scanners ([scanner] and %d [scanner "
			 "NAME] sections)",
			 CONFIG_MAX_SCANNERS, CONFIG_MAX_SCANNERS - 1);
		return NULL;
	}
	d = &c->more_scanners[c->n_more_scanners++];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->settings.file, sizeof(d->settings.file), "%s", ctx->name);
	d->backend_line = ctx->line; /* no backend line: the section's */
	return d;
}

/* inih callback: nonzero means the line was fine. */
static int config_handle(void *user, const char *section, const char *name,
			 const char *value)
{
	struct parse_ctx *ctx = user;
	char *base = (char *)ctx->c;
	char shown_sec[48], shown_key[64], shown[64];
	int64_t n;
	bool b;

	if (ctx->problem[0])
		return 0; /* keep the first problem */
	/* section and key come from the file too: never print them raw */
	config_printable(shown_sec, sizeof(shown_sec), section);
	config_printable(shown_key, sizeof(shown_key), name);
	if (!value_is_clean(value)) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "control characters in the value of '%s'", shown_key);
		return 0;
	}
	if (!config_utf8_ok(value)) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "[%s] %s: not valid UTF-8", shown_sec, shown_key);
		return 0;
	}
	if (!ctx->board && !strcmp(section, "clerks"))
		return config_set_clerk(ctx, name, value);
	if (!ctx->board && !strcmp(section, "label"))
		return config_label_line(ctx, name, value, shown_key);
	if (!ctx->board) {
		int r = config_outbox_line(ctx, section, name, value);

		if (r >= 0)
			return r;
	}
	if (ctx->board && device_kind_from_name(section) >= 0 &&
	    !(!strcmp(section, "scanner") && !strcmp(name, "max_line")))
		return config_set_device(
		    ctx, device_kind_from_name(section),
		    &ctx->c->device[device_kind_from_name(section)], name,
		    value);
	if (ctx->board && !strncmp(section, "scanner ", 8)) {
		struct config_device *d =
		    config_more_scanner(ctx, section + 8, shown_sec);

		return d ? config_set_device(ctx, DEVICE_SCANNER, d, name,
					     value)
			 : 0;
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

static int config_validate(struct config *c, const char *name, char *err,
			   size_t errlen)
{
	if (strcmp(c->routine, "return") && strcmp(c->routine, "ship_qc")) {
		snprintf(err, errlen, "%s: routine must be return or ship_qc",
			 name);
		return -EINVAL;
	}
	if ((strcmp(c->clock_mode, "sync") && strcmp(c->clock_mode, "file") &&
	     strcmp(c->clock_mode, "rtc") && strcmp(c->clock_mode, "trust")) ||
	    !c->clock_synced_file[0]) {
		snprintf(err, errlen,
			 "%s: clock must be sync, file, rtc or trust, with a "
			 "clock_synced_file",
			 name);
		return -EINVAL;
	}
	if (!c->desk[0] || !c->database[0]) {
		snprintf(err, errlen, "%s: desk and database must be set",
			 name);
		return -EINVAL;
	}
	return 0;
}

/*
 * inih's reader, one line per call (as ini_parse_string's does), counting
 * the lines so that a setting knows where it came from: the handler is
 * called for the line the reader returned last.  A line longer than inih's
 * buffer counts as several, as inih counts it.
 */
static char *config_read_line(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	const char *p = ctx->text;
	int n = 0;

	if (!*p || num < 2)
		return NULL;
	ctx->line++; /* as inih counts: one line per call */
	while (n < num - 1 && p[n]) {
		str[n] = p[n];
		if (p[n++] == '\n')
			break;
	}
	str[n] = '\0';
	ctx->text = p + n;
	return str;
}

/* The labels are written in the language of the board's printer
 * ([printer] language = zpl | tspl, checked by its backend's keys). */
static int config_label_language(struct config *c, char *err, size_t errlen)
{
	struct printer_config pc = {0};

	c->label.layout.language = LABEL_LANGUAGE_ZPL;
	if (config_device_apply(&c->device[DEVICE_PRINTER], DEVICE_PRINTER, &pc,
				err, errlen) < 0)
		return -EINVAL;
	if (pc.language && label_language_from_name(
			       pc.language, &c->label.layout.language) < 0) {
		snprintf(err, errlen, "printer language '%s' unknown",
			 pc.language);
		return -EINVAL;
	}
	return 0;
}

int config_parse_text(struct config *c, const char *name, const char *text,
		      bool board, char *err, size_t errlen)
{
	struct parse_ctx ctx = {
	    .c = c, .name = name, .board = board, .text = text};
	int line;

	line = ini_parse_stream(config_read_line, &ctx, config_handle, &ctx);
	if (line < 0) {
		snprintf(err, errlen, "%s: cannot be parsed", name);
		return -EINVAL;
	}
	if (line > 0) {
		snprintf(err, errlen, "%s:%d: %s", name, line,
			 ctx.problem[0] ? ctx.problem : "syntax error");
		return -EINVAL;
	}
	/* the connectors and the backends check their settings once all of
	 * them are known */
	if (!board && config_outbox_check(c, err, errlen) < 0)
		return -EINVAL;
	for (int k = 0; board && k < DEVICE_KIND_COUNT; k++)
		if (config_device_apply(&c->device[k], k, NULL, err, errlen) <
		    0)
			return -EINVAL;
	for (int i = 0; board && i < c->n_more_scanners; i++)
		if (config_device_apply(&c->more_scanners[i], DEVICE_SCANNER,
					NULL, err, errlen) < 0)
			return -EINVAL;
	return board ? config_label_language(c, err, errlen) : 0;
}

static int config_read_file(const char *path, char **text, char *err,
			    size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int r = 0;

	if (!f) {
		r = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(-r));
		return r;
	}
	for (;;) {
		if (cap - len < 4097) {
			char *nb;

			if (cap > (1 << 20)) {
				snprintf(err, errlen, "%s: larger than 1 MiB",
					 path);
				r = -EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (!r && ferror(f)) {
		r = -EIO;
		snprintf(err, errlen, "%s: read error", path);
	}
	fclose(f);
	if (r) {
		free(buf);
		return r;
	}
	if (memchr(buf, '\0', len)) {
		free(buf);
		snprintf(err, errlen, "%s: contains NUL bytes, not a text file",
			 path);
		return -EINVAL;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
}

int config_load(struct config *c, const char *path, const char *board_override,
		char *err, size_t errlen)
{
	char *text = NULL;
	const char *board;
	int r;

	r = config_read_file(path, &text, err, errlen);
	if (r < 0)
		return r;
	r = config_parse_text(c, path, text, false, err, errlen);
	free(text);
	if (r < 0)
		return r;

	board = board_override && *board_override ? board_override : c->board;
	if (*board) {
		r = config_read_file(board, &text, err, errlen);
		if (r < 0)
			return r;
		r = config_parse_text(c, board, text, true, err, errlen);
		free(text);
		if (r < 0)
			return r;
	}
	return config_validate(c, path, err, errlen);
}
