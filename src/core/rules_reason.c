/* SPDX-License-Identifier: MIT */
/*
 * The rules engine's reasons: one short English sentence per finding,
 * trimmed at a whole UTF-8 character, with the shop's text cleaned before it
 * is quoted, and, when a return produces more than RULES_MAX_REASONS, the
 * decisive ones kept first in the order they were found.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/rules.h"
#include "rules_run.h"

/* Which reasons go first when there are more than RULES_MAX_REASONS. */
enum rules_weight_class {
	RULES_INFORMATIONAL = 0,
	RULES_EXPLANATORY,
	RULES_DECISIVE,
};

static enum rules_weight_class rules_reason_class(enum reason_code c)
{
	switch (c) {
	case REASON_WITHIN_WINDOW:
	case REASON_WEIGHT_SKIPPED:
		return RULES_INFORMATIONAL;
	case REASON_DELIVERY_REFUNDED:
	case REASON_DIMINISHED_VALUE:
	case REASON_DEFECT_CONFIRMED:
	case REASON_PARTIAL_QUANTITY:
	case REASON_MISSING_ITEM:
		return RULES_EXPLANATORY;
	default:
		return RULES_DECISIVE;
	}
}

/* Cut a truncated text back to a whole UTF-8 character. */
static void rules_trim_utf8(char *text, size_t len)
{
	size_t end = len;
	size_t lead;
	unsigned char c;
	size_t need;

	if (end == 0)
		return;
	lead = end;
	while (lead > 0 && lead > end - 4 &&
	       ((unsigned char)text[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	c = (unsigned char)text[lead - 1];
	if (c < 0xc0)
		return;
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (end - (lead - 1) < need)
		text[lead - 1] = '\0';
}

__attribute__((format(printf, 5, 6))) void
rules_note(struct rules_run *run, enum reason_code code, int item,
	   const char *text_code, const char *fmt, ...)
{
	struct reason *r;
	va_list ap;
	int n;

	if (run->n_notes >= RULES_MAX_NOTES)
		return;
	r = &run->notes[run->n_notes++].reason;
	r->code = code;
	r->item = item;
	va_start(ap, fmt);
	said_capture(&r->said, text_code, fmt, ap);
	n = vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	if (n < 0)
		r->text[0] = '\0';
	else if ((size_t)n >= sizeof(r->text))
		rules_trim_utf8(r->text, sizeof(r->text) - 1);
}

bool rules_has_note(const struct rules_run *run, enum reason_code code)
{
	for (int i = 0; i < run->n_notes; i++)
		if (run->notes[i].reason.code == code)
			return true;
	return false;
}

/* Keep the most important reasons, in the order they were found. */
void rules_notes_publish(struct rules_run *run)
{
	int budget = RULES_MAX_REASONS;
	struct proposal *out = run->out;

	for (int cls = RULES_DECISIVE; cls >= RULES_INFORMATIONAL; cls--) {
		for (int i = 0; i < run->n_notes && budget > 0; i++) {
			struct rules_note *n = &run->notes[i];

			if ((int)rules_reason_class(n->reason.code) != cls)
				continue;
			n->keep = true;
			budget--;
		}
	}
	out->n_reasons = 0;
	for (int i = 0; i < run->n_notes; i++)
		if (run->notes[i].keep)
			out->reasons[out->n_reasons++] = run->notes[i].reason;
}

/* Length of the valid UTF-8 character at @s (at most @n bytes), or 0. */
static size_t rules_utf8_char(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] >= 0x20 && s[0] < 0x7f)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0; /* control byte, stray continuation, overlong */
	/* No overlongs, no surrogates, nothing past U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Text from the shop fit to print in a reason: bounded even without a NUL,
 * valid UTF-8 (the reasons go out as JSON), control bytes as '?'.
 */
const char *rules_clean(const char *src, size_t src_size, char *buf,
			size_t size)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t len = strnlen(src, src_size);
	size_t in = 0, out = 0;

	while (in < len) {
		size_t n = rules_utf8_char(s + in, len - in);

		if (out + (n ? n : 1) >= size)
			break;
		if (n == 0) {
			buf[out++] = '?';
			in++;
			continue;
		}
		memcpy(buf + out, s + in, n);
		out += n;
		in += n;
	}
	buf[out] = '\0';
	return buf;
}

/* The item's SKU for a sentence, or its line number when it has none. */
const char *rules_sku(const struct return_item *it, int index,
		      char buf[RULES_SKU_LEN])
{
	if (strnlen(it->sku, sizeof(it->sku)) == 0) {
		snprintf(buf, RULES_SKU_LEN, "#%d", index + 1);
		return buf;
	}
	return rules_clean(it->sku, sizeof(it->sku), buf, RULES_SKU_LEN);
}

/* Decimal places of a currency's minor unit (ISO 4217), 2 unless listed. */
const char *rules_money(const struct rules_run *run, int64_t minor,
			char buf[RULES_MONEY_LEN])
{
	if (money_format(minor, run->out->currency, buf, RULES_MONEY_LEN) < 0)
		snprintf(buf, RULES_MONEY_LEN, "%lld", (long long)minor);
	return buf;
}

const char *rules_local_date(const struct rules_run *run, int64_t us,
			     char buf[RULES_DATE_LEN])
{
	int64_t day = civil_time_local_day(us, run->policy.utc_offset_min,
					   run->policy.eu_summer_time);

	if (civil_time_format_date(day, buf, RULES_DATE_LEN) < 0)
		snprintf(buf, RULES_DATE_LEN, "?");
	return buf;
}
