/* SPDX-License-Identifier: MIT */
/*
 * Printer status answers (include/retour/printer_status.h), parsed without
 * trusting a byte of them: a printer that answers garbage, half an answer
 * or too much is "unreadable", never a crash and never "ready".
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "retour/printer_status.h"

#define STX 0x02
#define ETX 0x03

/* Longest ~HS string between STX and ETX: 12 fields of at most 8 digits. */
#define HS_STRING_MAX 120
/* Fields kept per string: the guide's count, later firmware may add more. */
#define HS_FIELDS_MAX 16

/*
 * The fields of ~HS, from the ZPL II Programming Guide, "~HS Host Status
 * Return" (Zebra 45541L-002, and P1012728 of 2016):
 *   String 1 <STX>aaa,b,c,dddd,eee,f,g,h,iii,j,k,l<ETX><CR><LF>
 *     aaa communication settings, b paper out flag, c pause flag,
 *     dddd label length in dots, eee formats in the receive buffer,
 *     f buffer full flag, g communications diagnostic mode flag,
 *     h partial format flag, iii unused (000), j corrupt RAM flag,
 *     k under temperature flag, l over temperature flag.
 *   String 2 <STX>mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www<ETX><CR><LF>
 *     mmm function settings, n unused, o head up flag, p ribbon out flag,
 *     q thermal transfer flag, r print mode, s print width mode,
 *     t label waiting flag, uuuuuuuu labels remaining in batch,
 *     v format while printing flag (always 1), www graphics stored.
 *   String 3 <STX>xxxx,y<ETX><CR><LF>
 *     xxxx password, y static RAM installed.
 * Each field is counted from 0 below.
 */
enum {
	HS1_PAPER_OUT = 1,
	HS1_PAUSE = 2,
	HS1_BUFFER_FULL = 5,
	HS1_UNDER_TEMPERATURE = 10,
	HS1_OVER_TEMPERATURE = 11,
	HS1_FIELDS = 12,
	HS2_HEAD_UP = 2,
	HS2_RIBBON_OUT = 3,
	HS2_FIELDS = 11,
	HS3_FIELDS = 2,
};

static const int hs_fields_wanted[3] = {HS1_FIELDS, HS2_FIELDS, HS3_FIELDS};

struct hs_string {
	int n;
	const uint8_t *field[HS_FIELDS_MAX];
	size_t flen[HS_FIELDS_MAX];
};

__attribute__((format(printf, 3, 4))) static int
status_unreadable(char *err, size_t errlen, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "printer status unreadable: %s", what);
	return -EBADMSG;
}

/* One string's fields; @s..@e excludes STX and ETX. */
static int hs_split(const uint8_t *s, const uint8_t *e, int which,
		    struct hs_string *out, char *err, size_t errlen)
{
	const uint8_t *start = s;

	out->n = 0;
	for (const uint8_t *p = s;; p++) {
		if (p < e && *p >= '0' && *p <= '9')
			continue;
		if (p < e && *p != ',')
			return status_unreadable(
			    err, errlen,
			    "~HS string %d has byte 0x%02x "
			    "where digits belong",
			    which + 1, *p);
		if (p == start || p - start > 8)
			return status_unreadable(
			    err, errlen,
			    "~HS string %d, field %d: not 1 to 8 digits",
			    which + 1, out->n + 1);
		if (out->n < HS_FIELDS_MAX) {
			out->field[out->n] = start;
			out->flen[out->n] = (size_t)(p - start);
		}
		out->n++;
		if (p == e)
			break;
		start = p + 1;
	}
	if (out->n < hs_fields_wanted[which] || out->n > HS_FIELDS_MAX)
		return status_unreadable(err, errlen,
					 "~HS string %d has %d fields",
					 which + 1, out->n);
	return 0;
}

static int hs_flag(const struct hs_string *s, int i, int which, bool *flag,
		   char *err, size_t errlen)
{
	if (s->flen[i] != 1 || (s->field[i][0] != '0' && s->field[i][0] != '1'))
		return status_unreadable(err, errlen,
					 "~HS string %d, field %d is no 0/1 "
					 "flag",
					 which + 1, i + 1);
	*flag = s->field[i][0] == '1';
	return 0;
}

int printer_status_parse_zpl(const void *answer, size_t len,
			     struct printer_status *out, char *err,
			     size_t errlen)
{
	const uint8_t *b = answer, *end = b + len;
	struct hs_string str[3];
	int n = 0, r = 0;

	memset(out, 0, sizeof(*out));
	if (!b && len)
		return status_unreadable(err, errlen, "no answer");
	for (const uint8_t *p = b; p < end;) {
		const uint8_t *etx;

		if (*p == '\r' || *p == '\n') {
			p++;
			continue;
		}
		if (n == 3)
			return status_unreadable(
			    err, errlen,
			    "byte 0x%02x after the three ~HS strings", *p);
		if (*p != STX)
			return status_unreadable(
			    err, errlen,
			    "byte 0x%02x where ~HS string %d should start", *p,
			    n + 1);
		etx = memchr(p + 1, ETX, (size_t)(end - p - 1));
		if (!etx) {
			/* half a string: good so far, or hopeless */
			for (const uint8_t *q = p + 1; q < end; q++)
				if ((*q < '0' || *q > '9') && *q != ',')
					return status_unreadable(
					    err, errlen,
					    "~HS string %d has byte 0x%02x "
					    "where digits belong",
					    n + 1, *q);
			if (end - p - 1 > HS_STRING_MAX)
				return status_unreadable(
				    err, errlen,
				    "~HS string %d is longer than "
				    "%d bytes",
				    n + 1, HS_STRING_MAX);
			return -EAGAIN;
		}
		if (etx - p - 1 > HS_STRING_MAX)
			return status_unreadable(
			    err, errlen,
			    "~HS string %d is longer than %d bytes", n + 1,
			    HS_STRING_MAX);
		r = hs_split(p + 1, etx, n, &str[n], err, errlen);
		if (r < 0)
			return r;
		n++;
		p = etx + 1;
	}
	if (n < 3)
		return -EAGAIN;
	if ((r = hs_flag(&str[0], HS1_PAPER_OUT, 0, &out->paper_out, err,
			 errlen)) < 0 ||
	    (r = hs_flag(&str[0], HS1_PAUSE, 0, &out->paused, err, errlen)) <
		0 ||
	    (r = hs_flag(&str[0], HS1_BUFFER_FULL, 0, &out->buffer_full, err,
			 errlen)) < 0 ||
	    (r = hs_flag(&str[0], HS1_UNDER_TEMPERATURE, 0,
			 &out->under_temperature, err, errlen)) < 0 ||
	    (r = hs_flag(&str[0], HS1_OVER_TEMPERATURE, 0,
			 &out->over_temperature, err, errlen)) < 0 ||
	    (r = hs_flag(&str[1], HS2_HEAD_UP, 1, &out->head_open, err,
			 errlen)) < 0 ||
	    (r = hs_flag(&str[1], HS2_RIBBON_OUT, 1, &out->ribbon_out, err,
			 errlen)) < 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	return 0;
}

/*
 * TSPL/TSPL2 Programming Manual (TSC), "<ESC>!? Status polling": one byte,
 * 00 normal; bits 0x01 head opened, 0x02 paper jam, 0x04 out of paper,
 * 0x08 out of ribbon, 0x10 pause, 0x20 printing, 0x80 other error.  The
 * manual's table has no 0x40: it counts as an error too, never as ready.
 */
int printer_status_parse_tspl(const void *answer, size_t len,
			      struct printer_status *out, char *err,
			      size_t errlen)
{
	const uint8_t *b = answer;
	uint8_t v;

	memset(out, 0, sizeof(*out));
	if (len == 0 || !b)
		return -EAGAIN;
	if (len > 1)
		return status_unreadable(err, errlen,
					 "%d bytes to ESC!?, which answers "
					 "one (first 0x%02x)",
					 len > 9999 ? 9999 : (int)len, b[0]);
	v = b[0];
	out->head_open = v & 0x01;
	out->paper_jam = v & 0x02;
	out->paper_out = v & 0x04;
	out->ribbon_out = v & 0x08;
	out->paused = v & 0x10;
	out->printing = v & 0x20;
	out->other_error = v & 0xc0;
	return 0;
}

static const struct {
	const char *word;
	size_t offset;
} status_words[] = {
    {"paper out", offsetof(struct printer_status, paper_out)},
    {"paused", offsetof(struct printer_status, paused)},
    {"head open", offsetof(struct printer_status, head_open)},
    {"ribbon out", offsetof(struct printer_status, ribbon_out)},
    {"paper jam", offsetof(struct printer_status, paper_jam)},
    {"buffer full", offsetof(struct printer_status, buffer_full)},
    {"under temperature", offsetof(struct printer_status, under_temperature)},
    {"over temperature", offsetof(struct printer_status, over_temperature)},
    {"error", offsetof(struct printer_status, other_error)},
};

static bool status_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int printer_status_parse_words(const void *text, size_t len,
			       struct printer_status *out, char *err,
			       size_t errlen)
{
	const uint8_t *s = text, *e;

	memset(out, 0, sizeof(*out));
	if (!s)
		len = 0;
	e = s + len;
	while (s < e && status_space(*s))
		s++;
	while (e > s && status_space(e[-1]))
		e--;
	if (s == e || (e - s == 5 && !strncasecmp((const char *)s, "ready", 5)))
		return 0;
	while (s <= e) {
		const uint8_t *comma = memchr(s, ',', (size_t)(e - s));
		const uint8_t *we = comma ? comma : e;
		bool known = false;

		while (s < we && status_space(*s))
			s++;
		while (we > s && status_space(we[-1]))
			we--;
		for (size_t i = 0;
		     i < sizeof(status_words) / sizeof(status_words[0]); i++)
			if (strlen(status_words[i].word) == (size_t)(we - s) &&
			    !strncasecmp((const char *)s, status_words[i].word,
					 (size_t)(we - s))) {
				*(bool *)(void *)((char *)out +
						  status_words[i].offset) =
				    true;
				known = true;
			}
		if (!known) {
			char word[40];
			size_t n = 0;

			for (const uint8_t *p = s; p < we && n + 1 < 32; p++)
				word[n++] =
				    *p >= ' ' && *p < 0x7f ? (char)*p : '?';
			word[n] = '\0';
			memset(out, 0, sizeof(*out));
			snprintf(err, errlen,
				 "printer status unreadable: '%s' is not a "
				 "printer state (ready, paper out, paused, "
				 "head open, ribbon out, paper jam, buffer "
				 "full, under/over temperature, error)",
				 word);
			return -EBADMSG;
		}
		if (!comma)
			break;
		s = comma + 1;
	}
	return 0;
}

bool printer_status_fault(const struct printer_status *s, char *why,
			  size_t whylen)
{
	const struct {
		bool on;
		const char *word;
	} faults[] = {
	    {s->paper_out, "paper out"},
	    {s->paper_jam, "paper jam"},
	    {s->ribbon_out, "ribbon out"},
	    {s->head_open, "head open"},
	    {s->paused, "paused"},
	    {s->buffer_full, "buffer full"},
	    {s->under_temperature, "head under temperature"},
	    {s->over_temperature, "head over temperature"},
	    {s->other_error, "printer error"},
	};
	size_t off = 0;
	bool any = false;

	if (why && whylen)
		why[0] = '\0';
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		int n;

		if (!faults[i].on)
			continue;
		any = true;
		if (!why || off >= whylen)
			continue;
		n = snprintf(why + off, whylen - off, "%s%s", off ? ", " : "",
			     faults[i].word);
		if (n > 0)
			off += (size_t)n;
	}
	return any;
}
