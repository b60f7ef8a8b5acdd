/* SPDX-License-Identifier: MIT */
/*
 * The values of a sentence the desk says (retour/said.h): one printf
 * conversion at a time, each formatted on its own with its own flags,
 * width and precision, so that "%lld" and "%.*s" give the value the
 * English sentence shows.  Only the conversions the desk's sentences use
 * are known (d i u x c s p, with hh h l ll z j t); anything else ends the
 * capture, keeping what came before it.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "retour/said.h"

void said_clear(struct said *out)
{
	memset(out, 0, sizeof(*out));
}

void said_set(struct said *out, const char *code)
{
	said_clear(out);
	snprintf(out->code, sizeof(out->code), "%s", code ? code : "");
}

static void said_trim_utf8(char *s)
{
	size_t n = strlen(s);
	size_t lead = n;

	while (lead > 0 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead > 0 && (unsigned char)s[lead - 1] >= 0xc0) {
		unsigned char c = (unsigned char)s[lead - 1];
		size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (n - (lead - 1) < need)
			s[lead - 1] = '\0';
	}
}

/* One conversion of @spec (a whole "%...X") with its value from @ap. */
static int said_one(char *buf, size_t size, const char *spec, int star,
		    int star_arg, va_list *ap)
{
	size_t len = strlen(spec);
	char conv = spec[len - 1];
	const char *lm = spec + len - 1;
	int ll = 0, l = 0, z = 0, j = 0, t = 0;

	while (lm > spec && strchr("hlzjt", lm[-1]))
		lm--;
	for (const char *p = lm; p < spec + len - 1; p++) {
		ll += *p == 'l';
		z += *p == 'z';
		j += *p == 'j';
		t += *p == 't';
	}
	l = ll == 1;
	ll = ll >= 2;
	switch (conv) {
	case 'd':
	case 'i':
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		if (ll) {
			long long v = va_arg(*ap, long long);
			return star ? snprintf(buf, size, spec, star_arg, v)
				    : snprintf(buf, size, spec, v);
		}
		if (l) {
			long v = va_arg(*ap, long);
			return star ? snprintf(buf, size, spec, star_arg, v)
				    : snprintf(buf, size, spec, v);
		}
		if (z) {
			size_t v = va_arg(*ap, size_t);
			return star ? snprintf(buf, size, spec, star_arg, v)
				    : snprintf(buf, size, spec, v);
		}
		if (j) {
			intmax_t v = va_arg(*ap, intmax_t);
			return star ? snprintf(buf, size, spec, star_arg, v)
				    : snprintf(buf, size, spec, v);
		}
		if (t) {
			ptrdiff_t v = va_arg(*ap, ptrdiff_t);
			return star ? snprintf(buf, size, spec, star_arg, v)
				    : snprintf(buf, size, spec, v);
		}
		{
			int v = va_arg(*ap, int); /* int, short, char */
			return star ? snprintf(buf, size, spec, star_arg, v)
				    : snprintf(buf, size, spec, v);
		}
	case 'c': {
		int v = va_arg(*ap, int);
		return star ? snprintf(buf, size, spec, star_arg, v)
			    : snprintf(buf, size, spec, v);
	}
	case 's': {
		const char *v = va_arg(*ap, const char *);

		if (!v)
			v = "";
		return star ? snprintf(buf, size, spec, star_arg, v)
			    : snprintf(buf, size, spec, v);
	}
	default:
		return -1;
	}
}

void said_capture(struct said *out, const char *code, const char *fmt,
		  va_list ap)
{
	va_list aq;

	said_clear(out);
	snprintf(out->code, sizeof(out->code), "%s", code ? code : "");
	if (!fmt)
		return;
	va_copy(aq, ap);
	for (const char *p = fmt; *p; p++) {
		char spec[24], val[SAID_ARG_LEN] = "";
		size_t n = 1;
		int star = 0, star_arg = 0, w;

		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		spec[0] = '%';
		while (p[n] && !strchr("diuxXocsp", p[n]) &&
		       n < sizeof(spec) - 2)
			n++;
		if (!p[n] || !strchr("diuxXocs", p[n]))
			break; /* unknown: stop, keep what was captured */
		memcpy(spec + 1, p + 1, n);
		spec[n + 1] = '\0';
		p += n;
		/* a "*" width or precision takes an int first */
		for (const char *q = spec; *q; q++)
			if (*q == '*') {
				star++;
				star_arg = va_arg(aq, int);
			}
		if (star > 1)
			break;
		w = said_one(val, sizeof(val), spec, star, star_arg, &aq);
		if (w < 0)
			break;
		if ((size_t)w >= sizeof(val))
			said_trim_utf8(val);
		if (out->n_args < SAID_MAX_ARGS)
			memcpy(out->args[out->n_args++], val, sizeof(val));
		else
			break;
	}
	va_end(aq);
}
