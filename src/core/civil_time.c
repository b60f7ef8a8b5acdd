/* SPDX-License-Identifier: MIT */
/*
 * Civil calendar arithmetic for the shop's local calendar.
 *
 * Dates use the days-since-epoch algorithms for the proleptic Gregorian
 * calendar (era of 400 years, March-based year), so no table and no loop.
 * Deliberately does not touch TZ, localtime() or the tz database: the rules
 * engine must give the same answer on every machine, whatever its zone.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retour/civil_time.h"

#define CIVIL_TIME_US_PER_SEC INT64_C(1000000)
#define CIVIL_TIME_US_PER_MIN (INT64_C(60) * CIVIL_TIME_US_PER_SEC)
#define CIVIL_TIME_US_PER_DAY (INT64_C(86400) * CIVIL_TIME_US_PER_SEC)
/* Day numbers of 0000-01-01 and 9999-12-31. */
#define CIVIL_TIME_MIN_DAY INT64_C(-719528)
#define CIVIL_TIME_MAX_DAY INT64_C(2932896)
/* Real offsets stay within +-14 h; RFC 3339 allows up to 23:59. */
#define CIVIL_TIME_MAX_OFFSET_MIN 1439

static int64_t civil_time_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t civil_time_clamp_us(int64_t us)
{
	if (us < CIVIL_TIME_MIN_US)
		return CIVIL_TIME_MIN_US;
	if (us > CIVIL_TIME_MAX_US)
		return CIVIL_TIME_MAX_US;
	return us;
}

static int64_t civil_time_clamp_day(int64_t days)
{
	if (days < CIVIL_TIME_MIN_DAY)
		return CIVIL_TIME_MIN_DAY;
	if (days > CIVIL_TIME_MAX_DAY)
		return CIVIL_TIME_MAX_DAY;
	return days;
}

static int civil_time_clamp_offset(int offset_min)
{
	if (offset_min < -CIVIL_TIME_MAX_OFFSET_MIN)
		return -CIVIL_TIME_MAX_OFFSET_MIN;
	if (offset_min > CIVIL_TIME_MAX_OFFSET_MIN)
		return CIVIL_TIME_MAX_OFFSET_MIN;
	return offset_min;
}

bool civil_time_is_leap_year(int32_t year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int civil_time_days_in_month(int32_t year, int32_t month)
{
	static const int8_t days[12] = {31, 28, 31, 30, 31, 30,
					31, 31, 30, 31, 30, 31};

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && civil_time_is_leap_year(year))
		return 29;
	return days[month - 1];
}

int64_t civil_time_days_from_civil(int32_t year, int32_t month, int32_t day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy =
	    (153 * ((int64_t)month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

struct civil_date civil_time_civil_from_days(int64_t days)
{
	int64_t z = civil_time_clamp_day(days) + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	struct civil_date date;

	date.day = (int32_t)(doy - (153 * mp + 2) / 5 + 1);
	date.month = (int32_t)(mp < 10 ? mp + 3 : mp - 9);
	date.year = (int32_t)(yoe + era * 400 + (date.month <= 2));
	return date;
}

int civil_time_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday. */
	return (int)(civil_time_floor_div(days + 4, 7) * -7 + days + 4);
}

struct civil_date civil_time_add_months(struct civil_date date, int months)
{
	int64_t index = (int64_t)date.year * 12 + (date.month - 1) + months;
	int dim;

	date.year = (int32_t)civil_time_floor_div(index, 12);
	date.month = (int32_t)(index - (int64_t)date.year * 12) + 1;
	dim = civil_time_days_in_month(date.year, date.month);
	if (date.day > dim)
		date.day = dim;
	return date;
}

static int64_t civil_time_last_sunday(int32_t year, int32_t month)
{
	int64_t last = civil_time_days_from_civil(
	    year, month, civil_time_days_in_month(year, month));

	return last - civil_time_weekday(last);
}

bool civil_time_eu_summer(int64_t utc_us)
{
	int64_t us = civil_time_clamp_us(utc_us);
	int64_t day = civil_time_floor_div(us, CIVIL_TIME_US_PER_DAY);
	int32_t year = civil_time_civil_from_days(day).year;
	/* The switch is at 01:00 UTC everywhere in the EU. */
	int64_t hour = 60 * CIVIL_TIME_US_PER_MIN;
	int64_t begins =
	    civil_time_last_sunday(year, 3) * CIVIL_TIME_US_PER_DAY + hour;
	int64_t ends =
	    civil_time_last_sunday(year, 10) * CIVIL_TIME_US_PER_DAY + hour;

	return us >= begins && us < ends;
}

int civil_time_local_offset_min(int64_t utc_us, int std_offset_min,
				bool eu_summer)
{
	int offset = civil_time_clamp_offset(std_offset_min);

	if (eu_summer && civil_time_eu_summer(utc_us))
		offset += 60;
	return offset;
}

int64_t civil_time_local_day(int64_t utc_us, int std_offset_min, bool eu_summer)
{
	int64_t us = civil_time_clamp_us(utc_us);
	int offset = civil_time_local_offset_min(us, std_offset_min, eu_summer);

	return civil_time_floor_div(us + offset * CIVIL_TIME_US_PER_MIN,
				    CIVIL_TIME_US_PER_DAY);
}

int64_t civil_time_local_day_end(int64_t days, int std_offset_min,
				 bool eu_summer)
{
	int64_t next_midnight =
	    (civil_time_clamp_day(days) + 1) * CIVIL_TIME_US_PER_DAY;
	int offset = civil_time_clamp_offset(std_offset_min);
	int64_t std_end = next_midnight - offset * CIVIL_TIME_US_PER_MIN - 1;
	int64_t summer_end = std_end - 60 * CIVIL_TIME_US_PER_MIN;

	/*
	 * Midnight is never inside a switch hour for European offsets, so
	 * exactly one of the two candidates is consistent with its offset.
	 */
	if (eu_summer && civil_time_eu_summer(summer_end))
		return summer_end;
	return std_end;
}

static int civil_time_format_fields(int64_t local_us, char *buf, size_t size,
				    char *suffix)
{
	int64_t day = civil_time_floor_div(local_us, CIVIL_TIME_US_PER_DAY);
	int64_t in_day = local_us - day * CIVIL_TIME_US_PER_DAY;
	int64_t secs = in_day / CIVIL_TIME_US_PER_SEC;
	int64_t frac = in_day % CIVIL_TIME_US_PER_SEC;
	struct civil_date d;
	char fraction[16] = "";
	int n;

	if (day < CIVIL_TIME_MIN_DAY || day > CIVIL_TIME_MAX_DAY) {
		if (size > 0)
			buf[0] = '\0';
		return -ERANGE;
	}
	d = civil_time_civil_from_days(day);
	if (frac != 0)
		snprintf(fraction, sizeof(fraction), ".%06d", (int)frac);
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%s%s",
		     (int)d.year, (int)d.month, (int)d.day, (int)(secs / 3600),
		     (int)(secs / 60 % 60), (int)(secs % 60), fraction, suffix);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return n;
}

int civil_time_format_rfc3339_offset(int64_t utc_us, int offset_min, char *buf,
				     size_t size)
{
	char suffix[16] = "Z";
	int offset = civil_time_clamp_offset(offset_min);
	int magnitude = offset < 0 ? -offset : offset;

	if (!buf)
		return -EINVAL;
	if (utc_us < CIVIL_TIME_MIN_US || utc_us > CIVIL_TIME_MAX_US) {
		if (size > 0)
			buf[0] = '\0';
		return -ERANGE;
	}
	if (offset != 0)
		snprintf(suffix, sizeof(suffix), "%c%02d:%02d",
			 offset < 0 ? '-' : '+', magnitude / 60,
			 magnitude % 60);
	return civil_time_format_fields(utc_us + offset * CIVIL_TIME_US_PER_MIN,
					buf, size, suffix);
}

int civil_time_format_rfc3339(int64_t utc_us, char *buf, size_t size)
{
	return civil_time_format_rfc3339_offset(utc_us, 0, buf, size);
}

int civil_time_format_date(int64_t days, char *buf, size_t size)
{
	struct civil_date d;
	int n;

	if (!buf)
		return -EINVAL;
	if (days < CIVIL_TIME_MIN_DAY || days > CIVIL_TIME_MAX_DAY) {
		if (size > 0)
			buf[0] = '\0';
		return -ERANGE;
	}
	d = civil_time_civil_from_days(days);
	n = snprintf(buf, size, "%04d-%02d-%02d", (int)d.year, (int)d.month,
		     (int)d.day);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return n;
}

/* Read exactly @n ASCII digits at *p and advance; false if any is not. */
static bool civil_time_read_digits(const char **p, int n, int32_t *value)
{
	int32_t v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*value = v;
	return true;
}

static bool civil_time_expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

int civil_time_parse_rfc3339(const char *text, int64_t *utc_us)
{
	const char *p = text;
	int32_t year, month, day, hour, minute, second;
	int32_t off_h = 0, off_m = 0;
	int64_t frac_us = 0, us;
	int sign = 0;

	if (!text || !utc_us)
		return -EINVAL;
	/* Each step stops at the first mismatch, so p never passes NUL. */
	if (!civil_time_read_digits(&p, 4, &year) ||
	    !civil_time_expect(&p, '-') ||
	    !civil_time_read_digits(&p, 2, &month) ||
	    !civil_time_expect(&p, '-') || !civil_time_read_digits(&p, 2, &day))
		return -EINVAL;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -EINVAL;
	p++;
	if (!civil_time_read_digits(&p, 2, &hour) ||
	    !civil_time_expect(&p, ':') ||
	    !civil_time_read_digits(&p, 2, &minute) ||
	    !civil_time_expect(&p, ':') ||
	    !civil_time_read_digits(&p, 2, &second))
		return -EINVAL;
	if (*p == '.') {
		int digits = 0;

		p++;
		while (*p >= '0' && *p <= '9') {
			if (++digits > 9)
				return -EINVAL;
			if (digits <= 6)
				frac_us = frac_us * 10 + (*p - '0');
			p++;
		}
		if (digits == 0)
			return -EINVAL;
		for (; digits < 6; digits++)
			frac_us *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (!civil_time_read_digits(&p, 2, &off_h) ||
		    !civil_time_expect(&p, ':') ||
		    !civil_time_read_digits(&p, 2, &off_m))
			return -EINVAL;
		if (off_h > 23 || off_m > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*p != '\0')
		return -EINVAL;
	if (month < 1 || month > 12 || day < 1 ||
	    day > civil_time_days_in_month(year, month) || hour > 23 ||
	    minute > 59 || second > 60)
		return -EINVAL;

	us = civil_time_days_from_civil(year, month, day) *
		 CIVIL_TIME_US_PER_DAY +
	     ((int64_t)hour * 3600 + minute * 60 + second) *
		 CIVIL_TIME_US_PER_SEC +
	     frac_us;
	us -= sign * ((int64_t)off_h * 60 + off_m) * CIVIL_TIME_US_PER_MIN;
	if (us < CIVIL_TIME_MIN_US || us > CIVIL_TIME_MAX_US)
		return -EINVAL;
	*utc_us = us;
	return 0;
}
