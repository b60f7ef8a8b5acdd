/* SPDX-License-Identifier: MIT */
/*
 * The [outbox] and [connector NAME] sections: which connectors the station
 * has and which of them takes refunds and which the other events.
 *
 *   [outbox]                    [connector shop]
 *   connector = webhook         type = webhook
 *   url = https://...           url = https://shop.example/refunds
 *   secret_file = /run/...      secret_file = /run/credentials/...
 *   refunds = shop
 *   devices = ops               (device.fault / device.ok: only here)
 *
 * A [connector NAME] with shop = SHOP takes that shop's rows (refunds and
 * events, or what takes = says) before the routes below: several shops
 * feed one station, each through its own API.
 *
 * [outbox]'s own connector (connector, url, secret_file and whatever else
 * its type reads) is the default route; refunds = NAME and events = NAME
 * send those rows to a [connector NAME] section instead.  Each connector's
 * type checks its own keys (connector.h), so a bad one is "file:line:
 * problem" at `retourd -n`; the secrets' files are only named here, read
 * when the sender starts, never shown.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/config.h"
#include "retour/connector.h"

#include "config_internal.h"

#define CONNECTOR_SECTION "connector "

static bool config_outbox_timing_key(const char *key)
{
	static const char *const keys[] = {"timeout_ms", "backoff_base_ms",
					   "backoff_max_ms", "dead_after_s",
					   "ca_file"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

/* The section @cc is read from: its file, and its first line. */
static void config_connector_seen(struct parse_ctx *ctx,
				  struct config_connector *cc)
{
	snprintf(cc->settings.file, sizeof(cc->settings.file), "%s", ctx->name);
	if (!cc->line)
		cc->line = ctx->line;
}

static int config_outbox_route_line(struct parse_ctx *ctx, const char *key,
				    const char *value, char *out, size_t outlen,
				    int *line)
{
	if (!config_token_ok(value, outlen - 1)) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "[outbox] %s: name a [connector NAME] section, 1-%zu "
			 "of A-Z a-z 0-9 . _ -",
			 key, outlen - 1);
		return 0;
	}
	snprintf(out, outlen, "%s", value);
	*line = ctx->line;
	return 1;
}

/* The [connector NAME] section @name, added when first seen. */
static struct config_connector *config_connector_section(struct parse_ctx *ctx,
							 const char *name)
{
	struct config *c = ctx->c;
	struct config_connector *cc;

	if (!config_token_ok(name, sizeof(cc->name) - 1)) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "[connector NAME]: the name must be 1-%zu of A-Z a-z "
			 "0-9 . _ -",
			 sizeof(cc->name) - 1);
		return NULL;
	}
	for (int i = 0; i < c->n_connectors; i++)
		if (!strcmp(c->connectors[i].name, name))
			return &c->connectors[i];
	if (c->n_connectors >= CONFIG_MAX_CONNECTORS) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "more than %d [connector] sections",
			 CONFIG_MAX_CONNECTORS);
		return NULL;
	}
	cc = &c->connectors[c->n_connectors++];
	memset(cc, 0, sizeof(*cc));
	snprintf(cc->name, sizeof(cc->name), "%s", name);
	cc->takes_refunds = cc->takes_events = true;
	return cc;
}

static int config_connector_type(struct parse_ctx *ctx,
				 struct config_connector *cc, const char *value)
{
	if (strlen(value) >= sizeof(cc->type)) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "connector type is longer than %zu bytes",
			 sizeof(cc->type) - 1);
		return 0;
	}
	snprintf(cc->type, sizeof(cc->type), "%s", value);
	return 1;
}

/* "refunds, events", "refunds", "events": which rows of its shop @cc takes */
static int config_connector_takes(struct parse_ctx *ctx,
				  struct config_connector *cc,
				  const char *value)
{
	const char *p = value;

	cc->takes_refunds = cc->takes_events = false;
	while (*p) {
		size_t n;

		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, " ,");
		if (n == 7 && !strncmp(p, "refunds", n))
			cc->takes_refunds = true;
		else if (n == 6 && !strncmp(p, "events", n))
			cc->takes_events = true;
		else if (n) {
			snprintf(ctx->problem, sizeof(ctx->problem),
				 "[connector %s] takes: '%.*s' is neither "
				 "refunds nor events",
				 cc->name, (int)(n > 32 ? 32 : n), p);
			return 0;
		}
		p += n;
	}
	if (!cc->takes_refunds && !cc->takes_events) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "[connector %s] takes: say refunds, events or both",
			 cc->name);
		return 0;
	}
	cc->takes_line = ctx->line;
	return 1;
}

/* The keys of a [connector NAME] section that are the station's, not its
 * type's: shop, takes, pull_every_s. */
static int config_connector_routing(struct parse_ctx *ctx,
				    struct config_connector *cc,
				    const char *key, const char *value)
{
	if (!strcmp(key, "shop")) {
		if (!config_token_ok(value, sizeof(cc->shop) - 1)) {
			snprintf(ctx->problem, sizeof(ctx->problem),
				 "[connector %s] shop: name the shop, 1-%zu of "
				 "%s",
				 cc->name, sizeof(cc->shop) - 1,
				 CONFIG_TOKEN_HELP);
			return 0;
		}
		snprintf(cc->shop, sizeof(cc->shop), "%s", value);
		cc->shop_line = ctx->line;
		return 1;
	}
	if (!strcmp(key, "takes"))
		return config_connector_takes(ctx, cc, value);
	/* pull_every_s */
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end ||
	    (v != 0 && (v < 30 || v > 86400))) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "[connector %s] pull_every_s: 0 (no pulling) or 30 "
			 "to 86400 seconds",
			 cc->name);
		return 0;
	}
	cc->pull_every_s = (int)v;
	cc->pull_line = ctx->line;
	return 1;
}

int config_outbox_line(struct parse_ctx *ctx, const char *section,
		       const char *key, const char *value)
{
	struct config *c = ctx->c;
	struct config_connector *cc;

	if (!strcmp(section, "outbox")) {
		if (config_outbox_timing_key(key))
			return -1; /* the key table's */
		config_connector_seen(ctx, &c->outbox);
		if (!strcmp(key, "refunds"))
			return config_outbox_route_line(
			    ctx, key, value, c->outbox_refunds,
			    sizeof(c->outbox_refunds), &c->outbox_refunds_line);
		if (!strcmp(key, "events"))
			return config_outbox_route_line(
			    ctx, key, value, c->outbox_events,
			    sizeof(c->outbox_events), &c->outbox_events_line);
		if (!strcmp(key, "devices"))
			return config_outbox_route_line(
			    ctx, key, value, c->outbox_devices,
			    sizeof(c->outbox_devices), &c->outbox_devices_line);
		if (!strcmp(key, "connector"))
			return config_connector_type(ctx, &c->outbox, value);
		return config_settings_add(ctx, &c->outbox.settings, section,
					   key, value);
	}
	if (strncmp(section, CONNECTOR_SECTION, strlen(CONNECTOR_SECTION)))
		return -1;
	cc = config_connector_section(ctx, section + strlen(CONNECTOR_SECTION));
	if (!cc)
		return 0;
	config_connector_seen(ctx, cc);
	if (!strcmp(key, "type"))
		return config_connector_type(ctx, cc, value);
	if (!strcmp(key, "shop") || !strcmp(key, "takes") ||
	    !strcmp(key, "pull_every_s"))
		return config_connector_routing(ctx, cc, key, value);
	return config_settings_add(ctx, &cc->settings, section, key, value);
}

static const struct config_connector *
config_connector_named(const struct config *c, const char *name)
{
	for (int i = 0; i < c->n_connectors; i++)
		if (!strcmp(c->connectors[i].name, name))
			return &c->connectors[i];
	return NULL;
}

const struct config_connector *config_outbox_route(const struct config *c,
						   bool refunds)
{
	const char *name = refunds ? c->outbox_refunds : c->outbox_events;

	if (name[0])
		return config_connector_named(c, name);
	return c->outbox.settings.n > 0 ? &c->outbox : NULL;
}

const struct config_connector *
config_outbox_devices_route(const struct config *c)
{
	return c->outbox_devices[0]
		   ? config_connector_named(c, c->outbox_devices)
		   : NULL;
}

/* @cc's type takes its settings, without the secrets' contents. */
static int config_connector_check(const struct config_connector *cc,
				  const char *file, char *err, size_t errlen)
{
	const struct connector *ops = connector_find(cc->type);
	struct connector_setting set[CONFIG_MAX_SETTINGS];
	struct connector_instance ci;
	char problem[200], known[96], where[48];
	int bad, r;

	if (cc->name[0])
		snprintf(where, sizeof(where), "[connector %s]", cc->name);
	else
		snprintf(where, sizeof(where), "[outbox]");
	if (!cc->type[0] || !ops) {
		connector_names(known, sizeof(known));
		if (cc->type[0])
			snprintf(err, errlen,
				 "%s:%d: %s: unknown connector type '%s' "
				 "(known: %s)",
				 file, cc->line, where, cc->type, known);
		else
			snprintf(err, errlen,
				 "%s:%d: %s: set type = one of: %s", file,
				 cc->line, where, known);
		return -EINVAL;
	}
	for (int i = 0; i < cc->settings.n; i++) {
		set[i].key = cc->settings.item[i].key;
		set[i].value = cc->settings.item[i].value;
		set[i].secret = NULL;
	}
	r = connector_instance_new(ops, set, cc->settings.n, false, &ci, &bad,
				   problem, sizeof(problem));
	if (r < 0) {
		snprintf(err, errlen, "%s:%d: %s %s", file,
			 bad >= 0 ? cc->settings.item[bad].line : cc->line,
			 where, problem);
		return r;
	}
	connector_instance_free(&ci);
	return 0;
}

/* pull_every_s needs a type that can pull and the shop its returns are. */
static int config_connector_pull_check(const struct config_connector *cc,
				       char *err, size_t errlen)
{
	const struct connector *ops = connector_find(cc->type);

	if (cc->pull_every_s <= 0 || !ops)
		return 0;
	if (!ops->pull_build || !ops->pull_parse) {
		snprintf(err, errlen,
			 "%s:%d: [connector %s] pull_every_s: type %s cannot "
			 "pull expected returns",
			 cc->settings.file, cc->pull_line, cc->name, cc->type);
		return -EINVAL;
	}
	if (!cc->shop[0]) {
		snprintf(err, errlen,
			 "%s:%d: [connector %s] pull_every_s: set shop = NAME, "
			 "the shop whose returns it pulls",
			 cc->settings.file, cc->pull_line, cc->name);
		return -EINVAL;
	}
	return 0;
}

static bool config_connector_is_webhook(const struct config_connector *cc)
{
	return !cc->type[0] || !strcmp(cc->type, "webhook");
}

bool config_connector_shop_takes(const struct config_connector *cc,
				 bool refunds)
{
	if (cc->takes_line)
		return refunds ? cc->takes_refunds : cc->takes_events;
	return refunds || config_connector_is_webhook(cc);
}

/*
 * A shop's rows of one kind go to one connector: a second [connector]
 * with the same shop = taking the same kind is a mistake, and takes =
 * without shop = routes nothing (the [outbox] routes send whole kinds).
 */
static int config_connector_shops_check(const struct config *c, char *err,
					size_t errlen)
{
	for (int i = 0; i < c->n_connectors; i++) {
		const struct config_connector *cc = &c->connectors[i];

		if (cc->takes_line && !cc->shop[0]) {
			snprintf(err, errlen,
				 "%s:%d: [connector %s] takes: only with "
				 "shop = NAME (which shop's rows it takes); "
				 "without it, [outbox] refunds/events route",
				 cc->settings.file, cc->takes_line, cc->name);
			return -EINVAL;
		}
		if (cc->takes_line && cc->takes_events &&
		    !config_connector_is_webhook(cc)) {
			snprintf(err, errlen,
				 "%s:%d: [connector %s] takes: a %s connector "
				 "takes refunds only; its shop's events go by "
				 "[outbox] events (or to a webhook with "
				 "shop = %s)",
				 cc->settings.file, cc->takes_line, cc->name,
				 cc->type, cc->shop[0] ? cc->shop : "NAME");
			return -EINVAL;
		}
		for (int j = 0; cc->shop[0] && j < i; j++) {
			const struct config_connector *o = &c->connectors[j];
			bool refunds = config_connector_shop_takes(o, true) &&
				       config_connector_shop_takes(cc, true);
			bool events = config_connector_shop_takes(o, false) &&
				      config_connector_shop_takes(cc, false);

			if (strcmp(o->shop, cc->shop) || (!refunds && !events))
				continue;
			snprintf(err, errlen,
				 "%s:%d: [connector %s] shop: [connector %s] "
				 "(%s:%d) takes the %s of shop %s already; "
				 "set takes = on each",
				 cc->settings.file, cc->shop_line, cc->name,
				 o->name, o->settings.file, o->shop_line,
				 refunds ? "refunds" : "events", cc->shop);
			return -EINVAL;
		}
	}
	return 0;
}

int config_outbox_check(const struct config *c, char *err, size_t errlen)
{
	const char *file = c->outbox.settings.file;
	const struct config_connector *refunds, *events;
	int r;

	if (c->outbox.settings.n > 0) {
		r = config_connector_check(&c->outbox, file, err, errlen);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < c->n_connectors; i++) {
		const struct config_connector *cc = &c->connectors[i];

		r = config_connector_check(cc, cc->settings.file, err, errlen);
		if (r < 0)
			return r;
		r = config_connector_pull_check(cc, err, errlen);
		if (r < 0)
			return r;
	}
	r = config_connector_shops_check(c, err, errlen);
	if (r < 0)
		return r;
	if (c->outbox_refunds[0] &&
	    !config_connector_named(c, c->outbox_refunds)) {
		snprintf(err, errlen,
			 "%s:%d: [outbox] refunds: no [connector %s] section",
			 file, c->outbox_refunds_line, c->outbox_refunds);
		return -EINVAL;
	}
	if (c->outbox_events[0] &&
	    !config_connector_named(c, c->outbox_events)) {
		snprintf(err, errlen,
			 "%s:%d: [outbox] events: no [connector %s] section",
			 file, c->outbox_events_line, c->outbox_events);
		return -EINVAL;
	}
	if (c->outbox_devices[0] &&
	    !config_connector_named(c, c->outbox_devices)) {
		snprintf(err, errlen,
			 "%s:%d: [outbox] devices: no [connector %s] section",
			 file, c->outbox_devices_line, c->outbox_devices);
		return -EINVAL;
	}
	refunds = config_outbox_route(c, true);
	events = config_outbox_route(c, false);
	if (c->outbox_devices[0] && !refunds) {
		snprintf(err, errlen,
			 "%s:%d: [outbox] devices: the outbox sends nothing "
			 "without its refunds and events routes",
			 file, c->outbox_devices_line);
		return -EINVAL;
	}
	if (!refunds != !events) {
		snprintf(err, errlen,
			 "%s:%d: [outbox] %s have a connector but %s have "
			 "none: set %s = NAME or [outbox]'s own url",
			 file,
			 refunds ? c->outbox_refunds_line
				 : c->outbox_events_line,
			 refunds ? "refunds" : "events",
			 refunds ? "events" : "refunds",
			 refunds ? "events" : "refunds");
		return -EINVAL;
	}
	return 0;
}
