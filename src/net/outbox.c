/* SPDX-License-Identifier: MIT */
/*
 * The outbox's timing (outbox.h): when the sender tries a row again:
 * exponential backoff with full jitter, and the shop's Retry-After
 * (delta-seconds or an IMF-fixdate, read with the project's one civil
 * calendar).  Pure functions of their arguments: the sender passes "now" and
 * the random draw in.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/outbox.h"
#include "retour/returns.h"

#define OUTBOX_BACKOFF_BASE_MS 1000
#define OUTBOX_BACKOFF_MAX_MS (10 * 60 * 1000)
#define OUTBOX_RETRY_AFTER_MAX_US (3600 * USEC_PER_SEC)

int64_t outbox_backoff_us(int attempts, int base_ms, int max_ms,
			  uint32_t random)
{
	int64_t cap, max_us;
	int i;

	if (base_ms <= 0)
		base_ms = OUTBOX_BACKOFF_BASE_MS;
	if (max_ms <= 0)
		max_ms = OUTBOX_BACKOFF_MAX_MS;
	if (attempts < 0)
		attempts = 0;
	max_us = (int64_t)max_ms * 1000;
	cap = (int64_t)base_ms * 1000;
	for (i = 0; i < attempts && cap < max_us; i++)
		cap *= 2;
	if (cap > max_us)
		cap = max_us;
	/* Full jitter: uniform in [0, cap].  A double keeps the product
	 * exact enough and free of overflow on 32-bit boards. */
	return (int64_t)((double)cap * ((double)random / 4294967295.0));
}

static int outbox_parse_digits(const char **p, int n, int *val)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		char ch = (*p)[i];

		if (ch < '0' || ch > '9')
			return -EINVAL;
		v = v * 10 + (ch - '0');
	}
	*p += n;
	*val = v;
	return 0;
}

/* IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", the only form a sender
 * may generate (RFC 9110 5.6.7).  The weekday is checked for shape only. */
static int outbox_parse_http_date(const char *s, int64_t *when_us)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int day, year, hh, mm, ss, mon = -1, i;
	int64_t days;

	if (strlen(s) != 29)
		return -EINVAL;
	for (i = 0; i < 3; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z')))
			return -EINVAL;
	if (s[3] != ',' || s[4] != ' ')
		return -EINVAL;
	s += 5;
	if (outbox_parse_digits(&s, 2, &day) < 0 || *s++ != ' ')
		return -EINVAL;
	for (i = 0; i < 12; i++)
		if (strncmp(s, months + 3 * i, 3) == 0)
			mon = i;
	if (mon < 0)
		return -EINVAL;
	s += 3;
	if (*s++ != ' ' || outbox_parse_digits(&s, 4, &year) < 0 ||
	    *s++ != ' ' || outbox_parse_digits(&s, 2, &hh) < 0 || *s++ != ':' ||
	    outbox_parse_digits(&s, 2, &mm) < 0 || *s++ != ':' ||
	    outbox_parse_digits(&s, 2, &ss) < 0 || strcmp(s, " GMT") != 0)
		return -EINVAL;
	if (day < 1 || day > mdays[mon] || hh > 23 || mm > 59 || ss > 60)
		return -EINVAL;
	days = civil_time_days_from_civil(year, mon + 1, day);
	*when_us = ((days * 86400) + hh * 3600 + mm * 60 + ss) * USEC_PER_SEC;
	return 0;
}

int outbox_parse_retry_after(const char *value, int64_t now_us,
			     int64_t *delay_us)
{
	char buf[64];
	size_t len;
	int64_t delay, when;
	const char *p;

	if (!value || !delay_us)
		return -EINVAL;
	while (*value == ' ' || *value == '\t')
		value++;
	len = strlen(value);
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, value, len);
	buf[len] = '\0';

	if (buf[0] >= '0' && buf[0] <= '9') {
		delay = 0;
		for (p = buf; *p; p++) {
			if (*p < '0' || *p > '9')
				return -EINVAL;
			/* Saturate: a huge value means "much later", and the
			 * cap below applies anyway. */
			if (delay < OUTBOX_RETRY_AFTER_MAX_US)
				delay = delay * 10 + (*p - '0');
		}
		if (delay > OUTBOX_RETRY_AFTER_MAX_US / USEC_PER_SEC)
			delay = OUTBOX_RETRY_AFTER_MAX_US / USEC_PER_SEC;
		*delay_us = delay * USEC_PER_SEC;
		return 0;
	}
	if (outbox_parse_http_date(buf, &when) < 0)
		return -EINVAL;
	delay = when - now_us;
	if (delay < 0)
		delay = 0;
	if (delay > OUTBOX_RETRY_AFTER_MAX_US)
		delay = OUTBOX_RETRY_AFTER_MAX_US;
	*delay_us = delay;
	return 0;
}
