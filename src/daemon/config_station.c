/* SPDX-License-Identifier: MIT */
/*
 * The station file's sections that are lists, not a row of the key table:
 * [clerks] (badge = name, or badge = name, role) and [label] (size, dpi,
 * barcode, symbology, each a word of include/retour/label.h).
 */
#include <stdio.h>
#include <string.h>

#include "retour/config.h"
#include "retour/label.h"

#include "config_internal.h"

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

int config_station_line(struct parse_ctx *ctx, const char *section,
			const char *key, const char *value,
			const char *shown_key)
{
	if (!strcmp(section, "clerks"))
		return config_set_clerk(ctx, key, value);
	if (!strcmp(section, "label"))
		return config_label_line(ctx, key, value, shown_key);
	return -1;
}
