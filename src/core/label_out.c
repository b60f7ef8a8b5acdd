/* SPDX-License-Identifier: MIT */
/*
 * A label job's bytes (label_writer.h): a bounded buffer the layout and the
 * printer languages' writers append to; what does not fit marks the job
 * overflowed instead of cutting it.  Pure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "retour/label.h"

#include "label_writer.h"

void label_put(struct label_out *o, const char *s, size_t n)
{
	if (o->overflow || o->cap - o->len <= n) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

void label_puts(struct label_out *o, const char *s)
{
	label_put(o, s, strlen(s));
}

void label_printf(struct label_out *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->overflow = true;
		return;
	}
	label_put(o, tmp, (size_t)n);
}
