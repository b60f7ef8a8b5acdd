/* SPDX-License-Identifier: MIT */
/*
 * The desk's system's texts from outside (system_text.h): the first boot's
 * list, the kernel's command line, rauc's progress lines and its reason
 * for a refusal.  Any bytes go in; what comes out is bounded, one line,
 * without control characters, so the screen can show it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/system_text.h"

static bool system_item_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static bool system_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int system_text_missing(const char *buf, size_t len, bool more,
			char items[][SYSTEM_ITEM_LEN], int max)
{
	bool unreadable = false;
	size_t i = 0;
	int n = 0;

	if (max <= 0)
		return 0;
	/* a head that goes on: its last word may be cut, and is not shown */
	if (more) {
		while (len > 0 && !system_space(buf[len - 1]))
			len--;
		unreadable = true; /* longer than any list firstboot writes */
	}
	if (memchr(buf, '\0', len)) { /* binary: not a list at all */
		snprintf(items[0], SYSTEM_ITEM_LEN, "unreadable");
		return 1;
	}
	while (i < len) {
		size_t w = 0;
		bool clean = true, dup = false;

		while (i < len && system_space(buf[i]))
			i++;
		while (i + w < len && !system_space(buf[i + w]))
			clean &= system_item_char(buf[i + w++]);
		if (!w)
			break;
		if (!clean || w >= SYSTEM_ITEM_LEN) {
			unreadable = true;
		} else {
			for (int k = 0; k < n; k++)
				dup |= strlen(items[k]) == w &&
				       !memcmp(items[k], buf + i, w);
			if (!dup && n < max) {
				memcpy(items[n], buf + i, w);
				items[n++][w] = '\0';
			}
		}
		i += w;
	}
	if (unreadable && n < max)
		snprintf(items[n++], SYSTEM_ITEM_LEN, "unreadable");
	return n;
}

bool system_text_slot(const char *cmdline, char *slot, size_t size)
{
	static const char tag[] = "rauc.slot=";
	const char *p;
	size_t n;

	if (size)
		slot[0] = '\0';
	for (p = cmdline; (p = strstr(p, tag)); p++) {
		if (p != cmdline && !system_space(p[-1]))
			continue;
		p += sizeof(tag) - 1;
		for (n = 0; n + 1 < size && system_item_char(p[n]); n++)
			;
		if (!n || (p[n] && !system_space(p[n])))
			return false;
		memcpy(slot, p, n);
		slot[n] = '\0';
		return true;
	}
	return false;
}

/* @src's first line into @dst, control characters made spaces. */
static void system_one_line(char *dst, size_t size, const char *src, size_t len)
{
	size_t n = 0;

	if (!size)
		return;
	for (; n < len && n + 1 < size; n++) {
		unsigned char c = (unsigned char)src[n];

		dst[n] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	dst[n] = '\0';
}

bool system_text_progress(const char *line, int *percent, char *msg,
			  size_t size)
{
	const char *p = line, *words;
	char *end;
	long pct;

	while (*p == ' ' || *p == '\t')
		p++;
	words = p;
	if (*p >= '0' && *p <= '9') {
		pct = strtol(p, &end, 10);
		if (*end == '%' && pct >= 0 && pct <= 100) {
			*percent = (int)pct;
			words = end + 1;
			while (*words == ' ' || *words == '\t')
				words++;
		}
	}
	if (!*words)
		return false;
	system_one_line(msg, size, words, strcspn(words, "\r\n"));
	return true;
}

void system_text_reason(const char *out, char *why, size_t size)
{
	static const char tag[] = "LastError: ";
	const char *line = out, *best = NULL, *last = NULL, *last_error = NULL;

	while (*line) {
		size_t len = strcspn(line, "\r\n");
		const char *t =
		    len ? memmem(line, len, tag, sizeof(tag) - 1) : NULL;

		if (len > 0) {
			last = line;
			if (t && t + sizeof(tag) - 1 < line + len)
				last_error = t + sizeof(tag) - 1;
			else if (memmem(line, len, "rror", 4) ||
				 memmem(line, len, "ailed", 5) ||
				 memmem(line, len, "efused", 6))
				best = line;
		}
		line += len;
		if (*line)
			line++;
	}
	if (last_error)
		best = last_error;
	else if (!best)
		best = last;
	if (!best) {
		system_one_line(why, size, "the installer said nothing", 26);
		return;
	}
	system_one_line(why, size, best, strcspn(best, "\r\n"));
}
