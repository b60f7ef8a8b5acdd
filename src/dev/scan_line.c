/* SPDX-License-Identifier: MIT */
/*
 * Scanner bytes cut into codes (include/retour/scan_line.h).  Bounded: a
 * line never grows past max_line, whatever arrives; an over-long one is
 * told once and the rest of it skipped up to the next terminator.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/scan_line.h"

#define SCAN_LINE_GS 0x1d

struct scan_line {
	struct scan_line_rules rules;
	scanner_line_fn fn;
	void *userdata;
	char *line; /* max_line + 2: a CR past the cap in crlf mode, NUL */
	size_t len;
	bool overlong;
	bool last_cr; /* crlf mode: the byte before was CR */
};

static void scan_line_set(struct scan_line_rules *r, unsigned char c)
{
	r->ends[c / 8] |= (uint8_t)(1u << (c % 8));
}

static bool scan_line_ends(const struct scan_line_rules *r, unsigned char c)
{
	return r->ends[c / 8] & (1u << (c % 8));
}

void scan_line_rules_default(struct scan_line_rules *r)
{
	memset(r, 0, sizeof(*r));
	scan_line_set(r, '\r');
	scan_line_set(r, '\n');
}

static int scan_line_token(const char *t, size_t n, struct scan_line_rules *r)
{
	char *end;
	unsigned long b;

#define IS(word) (n == strlen(word) && !strncmp(t, word, n))
	if (IS("any")) {
		scan_line_set(r, '\r');
		scan_line_set(r, '\n');
	} else if (IS("cr") || IS("enter")) {
		scan_line_set(r, '\r');
	} else if (IS("lf")) {
		scan_line_set(r, '\n');
	} else if (IS("tab")) {
		scan_line_set(r, '\t');
	} else if (IS("crlf")) {
		r->crlf = true;
	} else if (n == 4 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
		char hex[3] = {t[2], t[3], '\0'};

		b = strtoul(hex, &end, 16);
		if (*end || b == 0 || hex[0] == '+' || hex[0] == '-' ||
		    hex[0] == ' ')
			return -EINVAL;
		scan_line_set(r, (unsigned char)b);
	} else if (n == 1 && t[0] > ' ' && t[0] < 0x7f) {
		scan_line_set(r, (unsigned char)t[0]);
	} else {
		return -EINVAL;
	}
#undef IS
	return 0;
}

int scan_line_terminator_parse(const char *text, struct scan_line_rules *r,
			       char *err, size_t errlen)
{
	struct scan_line_rules t = *r;
	const char *p = text;
	int tokens = 0;

	memset(t.ends, 0, sizeof(t.ends));
	t.crlf = false;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const char *s = p;

		while (n && *s == ' ') {
			s++;
			n--;
		}
		while (n && s[n - 1] == ' ')
			n--;
		if (!n || scan_line_token(s, n, &t) < 0)
			goto bad;
		tokens++;
		p = comma ? comma + 1 : NULL;
		if (comma && !*p)
			goto bad;
	}
	if (!tokens || (t.crlf && tokens > 1))
		goto bad;
	*r = t;
	return 0;
bad:
	snprintf(err, errlen,
		 "'%s' is not a terminator (a list of cr, enter, lf, tab, "
		 "any, a byte 0xNN or one character; or crlf alone)",
		 text ? text : "");
	return -EINVAL;
}

int scan_line_fnc1_parse(const char *text, struct scan_line_rules *r, char *err,
			 size_t errlen)
{
	size_t n = text ? strlen(text) : 0;
	bool only_alnum = true;

	if (n == 0 || !strcmp(text, "ctrl") || !strcmp(text, "^]") ||
	    !strcmp(text, "gs")) {
		r->fnc1[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		char c = text[i];

		if (c <= ' ' || c >= 0x7f)
			goto bad;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z')))
			only_alnum = false;
	}
	/* letters and digits alone would eat the data of every code */
	if (n > SCAN_LINE_FNC1_MAX || only_alnum)
		goto bad;
	memcpy(r->fnc1, text, n + 1);
	return 0;
bad:
	/* at most 32 of its bytes: a 32-bit gcc sees an unbounded %s
	 * overflow the int snprintf returns (-Wformat-truncation) */
	snprintf(err, errlen,
		 "'%.32s' is not an fnc1 (ctrl, or what the scanner types for "
		 "it: 1 to %d printable characters, not only letters and "
		 "digits, like ~ or <GS>)",
		 text, SCAN_LINE_FNC1_MAX);
	return -EINVAL;
}

int scan_line_rules_from_config(const struct scanner_config *cfg,
				struct scan_line_rules *r, char *err,
				size_t errlen)
{
	char problem[192];

	scan_line_rules_default(r);
	r->max_line = cfg->max_line;
	if (cfg->terminator &&
	    scan_line_terminator_parse(cfg->terminator, r, problem,
				       sizeof(problem)) < 0) {
		snprintf(err, errlen, "scanner: %s", problem);
		return -EINVAL;
	}
	if (cfg->fnc1 &&
	    scan_line_fnc1_parse(cfg->fnc1, r, problem, sizeof(problem)) < 0) {
		snprintf(err, errlen, "scanner: %s", problem);
		return -EINVAL;
	}
	return 0;
}

int scan_line_new(const struct scan_line_rules *r, scanner_line_fn fn,
		  void *userdata, struct scan_line **out)
{
	struct scan_line *sl = calloc(1, sizeof(*sl));

	if (!sl)
		return -ENOMEM;
	sl->rules = *r;
	if (!sl->rules.max_line)
		sl->rules.max_line = SCANNER_MAX_LINE_DEFAULT;
	sl->line = malloc(sl->rules.max_line + 2);
	if (!sl->line) {
		free(sl);
		return -ENOMEM;
	}
	sl->fn = fn;
	sl->userdata = userdata;
	*out = sl;
	return 0;
}

void scan_line_free(struct scan_line *sl)
{
	if (!sl)
		return;
	free(sl->line);
	free(sl);
}

/* Each substitute becomes GS, after an AIM identifier ("]C1") if any. */
static size_t scan_line_fnc1(struct scan_line *sl)
{
	const char *sub = sl->rules.fnc1;
	size_t sn = strlen(sub), i = 0, o;
	char *l = sl->line;

	if (!sn)
		return sl->len;
	if (sl->len >= 3 && l[0] == ']')
		i = 3;
	o = i;
	while (i < sl->len) {
		if (sl->len - i >= sn && !memcmp(l + i, sub, sn)) {
			l[o++] = SCAN_LINE_GS;
			i += sn;
		} else {
			l[o++] = l[i++];
		}
	}
	return o;
}

void scan_line_end(struct scan_line *sl)
{
	size_t n;

	if (!sl->overlong && sl->len > 0) {
		n = scan_line_fnc1(sl);
		sl->line[n] = '\0';
		sl->fn(sl->userdata, sl->line, n, false);
	}
	sl->len = 0;
	sl->overlong = false;
	sl->last_cr = false;
}

void scan_line_discard(struct scan_line *sl)
{
	sl->len = 0;
	sl->overlong = false;
	sl->last_cr = false;
}

bool scan_line_pending(const struct scan_line *sl)
{
	return sl->len > 0 || sl->overlong;
}

static void scan_line_byte(struct scan_line *sl, char c)
{
	const struct scan_line_rules *r = &sl->rules;
	bool was_cr = sl->last_cr;

	sl->last_cr = c == '\r';
	if (r->crlf) {
		if (c == '\n' && was_cr) {
			if (!sl->overlong && sl->len > 0)
				sl->len--; /* the CR */
			scan_line_end(sl);
			return;
		}
	} else if (scan_line_ends(r, (unsigned char)c)) {
		/* CRLF under "any" leaves an empty line: not a code */
		scan_line_end(sl);
		return;
	}
	if (sl->overlong)
		return;
	/* crlf: the CR that may end a full line still fits */
	if (sl->len >= r->max_line &&
	    !(r->crlf && c == '\r' && sl->len == r->max_line)) {
		sl->overlong = true;
		sl->len = 0;
		sl->fn(sl->userdata, NULL, 0, true);
		return;
	}
	sl->line[sl->len++] = c;
}

void scan_line_feed(struct scan_line *sl, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		scan_line_byte(sl, buf[i]);
}
