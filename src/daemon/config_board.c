/* SPDX-License-Identifier: MIT */
/*
 * The board file's device sections: [scanner] [scale] [printer] [camera]
 * [gpio] and [scanner NAME].  Their lines are kept as text while the file
 * is read (the backend may be named after its settings); once it is read,
 * each device's backend checks every setting (include/retour/device.h),
 * its required keys are there and no GPIO line is named for two roles.
 * Every problem is reported with the line it comes from.
 *
 * Not here: opening the devices (src/daemon/devices*.c), what a backend's
 * keys mean (src/dev/device.c), the [board] name (config_load.c's table).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retour/config.h"
#include "retour/device.h"
#include "retour/gpio.h"
#include "retour/printer.h"

#include "config_internal.h"

/*
 * A device section's line: the backend, or one of its settings, kept for
 * the backend to check once the whole file is read.
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
	/* no backend line: the section's */
	d->backend_line = ctx->section_line ? ctx->section_line : ctx->line;
	return d;
}

int config_board_line(struct parse_ctx *ctx, const char *section,
		      const char *key, const char *value, const char *shown_sec)
{
	int k = device_kind_from_name(section);

	if (k >= 0 && !(k == DEVICE_SCANNER && !strcmp(key, "max_line")))
		return config_set_device(ctx, k, &ctx->c->device[k], key,
					 value);
	if (!strncmp(section, "scanner ", 8)) {
		struct config_device *d =
		    config_more_scanner(ctx, section + 8, shown_sec);

		return d ? config_set_device(ctx, DEVICE_SCANNER, d, key, value)
			 : 0;
	}
	return -1;
}

/* The file a device's lines came from: "board" for one made in code. */
static const char *config_device_file(const struct config_device *d)
{
	return d->settings.file[0] ? d->settings.file : "board";
}

/* "[scanner hand] " for a [scanner NAME] section, "" for the others. */
static const char *config_device_where(const struct config_device *d,
				       enum device_kind k, char *buf,
				       size_t len)
{
	buf[0] = '\0';
	if (d->name[0])
		snprintf(buf, len, "[%s %s] ", device_kind_name(k), d->name);
	return buf;
}

/*
 * The backend of @d checks each setting (and stores it into @kind_config
 * unless NULL); every problem to @sink.  Returns how many it found.
 */
static int config_device_settings(const struct config_device *d,
				  enum device_kind k, void *kind_config,
				  struct config_sink *sink)
{
	const char *file = config_device_file(d);
	const struct device_backend *be;
	char problem[256], where[CONFIG_NAME_MAX + 24];
	int before = sink->n;

	config_device_where(d, k, where, sizeof(where));
	be = device_backend_find(k, d->backend, problem, sizeof(problem));
	if (!be) {
		config_report(sink, file, d->backend_line, "%s%s", where,
			      problem);
		return 1;
	}
	for (int i = 0; i < d->settings.n; i++) {
		const struct config_setting *s = &d->settings.item[i];

		if (device_backend_setting(be, kind_config, s->key, s->value,
					   problem, sizeof(problem)) < 0)
			config_report(sink, file, s->line, "%s%s", where,
				      problem);
	}
	return sink->n - before;
}

int config_device_apply(const struct config_device *d, enum device_kind k,
			void *kind_config, char *err, size_t errlen)
{
	struct config_sink sink = {.err = err, .errlen = errlen};

	return config_device_settings(d, k, kind_config, &sink) ? -EINVAL : 0;
}

/* The backend's required keys that @d does not give. */
static void config_device_required(const struct config_device *d,
				   enum device_kind k, struct config_sink *sink)
{
	const struct device_backend *be =
	    device_backend_find(k, d->backend, NULL, 0);
	char where[CONFIG_NAME_MAX + 24];

	config_device_where(d, k, where, sizeof(where));
	for (const struct device_setting_key *key = be ? be->keys : NULL;
	     key && key->key; key++) {
		bool given = false;

		if (!key->required)
			continue;
		for (int i = 0; i < d->settings.n && !given; i++)
			given = !strcmp(d->settings.item[i].key, key->key);
		if (!given)
			config_report(sink, config_device_file(d),
				      d->backend_line,
				      "%s[%s] backend '%s' needs '%s'", where,
				      device_kind_name(k), be->name, key->key);
	}
}

/* A GPIO line named for two roles ("accept = GPIO17" and "red =
 * GPIO17"): the chip would hand it to one, the board means both. */
static void config_gpio_lines_once(const struct config_device *d,
				   struct config_sink *sink)
{
	const struct config_setting *role[GPIO_LINE_COUNT] = {0};

	for (int i = 0; i < d->settings.n; i++) {
		const struct config_setting *s = &d->settings.item[i];

		for (int l = 0; l < GPIO_LINE_COUNT; l++) {
			if (strcmp(s->key, gpio_line_name(l)))
				continue;
			for (int o = 0; o < GPIO_LINE_COUNT; o++)
				if (role[o] &&
				    !strcmp(role[o]->value, s->value))
					config_report(
					    sink, config_device_file(d),
					    s->line,
					    "gpio line '%.64s' is named for "
					    "both %s (line %d) and %s",
					    s->value, role[o]->key,
					    role[o]->line, s->key);
			role[l] = s;
		}
	}
}

/* The labels are written in the language of the board's printer
 * ([printer] language = zpl | tspl, checked by its backend's keys). */
static void config_label_language(struct config *c, struct config_sink *sink)
{
	const struct config_device *d = &c->device[DEVICE_PRINTER];
	struct printer_config pc = {0};
	struct config_sink quiet = {0};

	c->label.layout.language = LABEL_LANGUAGE_ZPL;
	if (config_device_settings(d, DEVICE_PRINTER, &pc, &quiet))
		return; /* told already, by config_board_check() */
	if (!pc.language || label_language_from_name(
				pc.language, &c->label.layout.language) == 0)
		return;
	for (int i = 0; i < d->settings.n; i++)
		if (!strcmp(d->settings.item[i].key, "language"))
			config_report(sink, config_device_file(d),
				      d->settings.item[i].line,
				      "printer language '%.32s' unknown",
				      pc.language);
}

static void config_device_check(const struct config_device *d,
				enum device_kind k, struct config_sink *sink)
{
	if (config_device_settings(d, k, NULL, sink) &&
	    !device_backend_find(k, d->backend, NULL, 0))
		return; /* an unknown backend needs nothing more said */
	config_device_required(d, k, sink);
	if (k == DEVICE_GPIO)
		config_gpio_lines_once(d, sink);
}

void config_board_check(struct config *c, struct config_sink *sink)
{
	for (int k = 0; k < DEVICE_KIND_COUNT; k++)
		config_device_check(&c->device[k], k, sink);
	for (int i = 0; i < c->n_more_scanners; i++)
		config_device_check(&c->more_scanners[i], DEVICE_SCANNER, sink);
	config_label_language(c, sink);
}

/* Does the daemon take the device @key names when it comes?  A device
 * path, yes (its backend opens it again); a device with its own present
 * check (the GPIO chip), no: it is opened once, at the start. */
static bool config_device_waited_for(const struct device_backend *be,
				     const char *key)
{
	for (const struct device_setting_key *k = be->keys; k && k->key; k++)
		if (!strcmp(k->key, key))
			return !k->present;
	return true;
}

/* The absent devices of one device section, for config_devices_absent(). */
static int config_device_absent(const struct config_device *d,
				enum device_kind k, config_absent_fn absent,
				void *ud)
{
	const char *file = config_device_file(d);
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
			absent(ud, line, config_device_waited_for(be, s->key));
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
