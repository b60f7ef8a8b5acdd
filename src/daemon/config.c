/* SPDX-License-Identifier: MIT */
/*
 * The configuration's small rules every section shares: what a token may
 * be made of, how an untrusted value is shown in an error, and keeping a
 * line of a section for the module that checks it (a device backend, a
 * connector), what a clean value is, and where a problem goes.  The bottom
 * of the configuration:
 * config_load.c and config_outbox.c call it.
 */
#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config_internal.h"

/* What a token may be made of: safe in a header, a file name, a scanner. */
#define CONFIG_TOKEN_CHARS                                                     \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

bool config_token_ok(const char *v, size_t max)
{
	size_t n = strspn(v, CONFIG_TOKEN_CHARS);

	return n > 0 && n <= max && !v[n];
}

/*
 * @v as it can be shown in a message: printable ASCII as it is, '"' and '\'
 * escaped, any other byte as \xNN, cut with "..." when it does not fit.
 */
const char *config_printable(char *out, size_t outlen, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)v;
	size_t o = 0;

	for (; *p; p++) {
		char one[4];
		size_t n = 0;

		if (*p == '"' || *p == '\\') {
			one[n++] = '\\';
			one[n++] = (char)*p;
		} else if (*p >= 0x20 && *p < 0x7f) {
			one[n++] = (char)*p;
		} else {
			one[n++] = '\\';
			one[n++] = 'x';
			one[n++] = hex[*p >> 4];
			one[n++] = hex[*p & 0xf];
		}
		if (o + n + sizeof("...") > outlen) {
			memcpy(out + o, "...", sizeof("..."));
			return out;
		}
		memcpy(out + o, one, n);
		o += n;
	}
	out[o] = '\0';
	return out;
}

/*
 * Keep one line of @section for the module that checks it: the key must be
 * a token, the value fit, the list not be full.  A section's settings come
 * from one file, whose name the list keeps.
 */
int config_settings_add(struct parse_ctx *ctx, struct config_settings *list,
			const char *section, const char *key, const char *value)
{
	struct config_setting *s;
	char shown[64];

	if (!config_token_ok(key, CONFIG_SETTING_KEY_MAX)) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "unknown key '%s' in section [%s]",
			 config_printable(shown, sizeof(shown), key), section);
		return 0;
	}
	if (strlen(value) >= sizeof(s->value)) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "value of '%s' is longer than %zu bytes", key,
			 sizeof(s->value) - 1);
		return 0;
	}
	if (list->n >= CONFIG_MAX_SETTINGS) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "more than %d settings in section [%s]",
			 CONFIG_MAX_SETTINGS, section);
		return 0;
	}
	snprintf(list->file, sizeof(list->file), "%s", ctx->name);
	s = &list->item[list->n++];
	snprintf(s->key, sizeof(s->key), "%s", key);
	snprintf(s->value, sizeof(s->value), "%s", value);
	s->line = ctx->line;
	return 1;
}

void config_report(struct config_sink *sink, const char *file, int line,
		   const char *fmt, ...)
{
	char text[CONFIG_PROBLEM_LEN];
	size_t off = 0;
	va_list ap;
	int n = 0;

	if (file && line > 0)
		n = snprintf(text, sizeof(text), "%.200s:%d: ", file, line);
	else if (file)
		n = snprintf(text, sizeof(text), "%.200s: ", file);
	if (n > 0)
		off = (size_t)n;
	va_start(ap, fmt);
	vsnprintf(text + off, sizeof(text) - off, fmt, ap);
	va_end(ap);
	if (sink->n == 0 && sink->err && sink->errlen)
		snprintf(sink->err, sink->errlen, "%s", text);
	if (sink->list) {
		if (sink->list->n < CONFIG_MAX_PROBLEMS) {
			memcpy(sink->list->text[sink->list->n], text,
			       sizeof(text));
			sink->list->line[sink->list->n] = file ? line : INT_MAX;
		}
		sink->list->n++;
	}
	sink->n++;
}

void config_problems_sort(struct config_problems *p, int from)
{
	char text[CONFIG_PROBLEM_LEN];
	int n = p->n < CONFIG_MAX_PROBLEMS ? p->n : CONFIG_MAX_PROBLEMS;

	/* insertion sort, stable: a line's problems keep their order */
	for (int i = from + 1; i < n; i++) {
		int line = p->line[i], j = i;

		memcpy(text, p->text[i], sizeof(text));
		for (; j > from && p->line[j - 1] > line; j--) {
			memcpy(p->text[j], p->text[j - 1], sizeof(text));
			p->line[j] = p->line[j - 1];
		}
		memcpy(p->text[j], text, sizeof(text));
		p->line[j] = line;
	}
}

/*
 * Well-formed UTF-8 as RFC 3629 has it: no overlong forms, no surrogates,
 * nothing above U+10FFFF, no stray or missing continuation bytes.  What
 * Jansson accepts, so a value that passes can go into an event body.
 */
bool config_utf8_ok(const char *v)
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
bool config_has_c1_control(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return true;
	return false;
}

bool config_value_clean(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}
