/* SPDX-License-Identifier: MIT */
/*
 * Civil calendar arithmetic on UTC microseconds, for the shop's local
 * calendar: proleptic Gregorian dates, a fixed standard offset plus the EU
 * summer-time rule, month arithmetic with end-of-month clamping and RFC 3339
 * text at the edges.
 *
 * Pure: never asks the process's time zone (TZ, localtime) and reads no
 * clock.  Only the EU rule is known (last Sunday of March 01:00 UTC to last
 * Sunday of October 01:00 UTC); other summer-time rules are not modelled.
 * Instants outside years 0000..9999 are clamped to that range.
 */
#ifndef RETOUR_CIVIL_TIME_H
#define RETOUR_CIVIL_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "2026-11-10T12:00:00.123456+01:00" plus NUL fits. */
#define CIVIL_TIME_RFC3339_LEN 34

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in UTC us. */
#define CIVIL_TIME_MIN_US (INT64_C(-62167219200) * INT64_C(1000000))
#define CIVIL_TIME_MAX_US (INT64_C(253402300800) * INT64_C(1000000) - 1)

struct civil_date {
	int32_t year;
	int32_t month; /* 1..12 */
	int32_t day;   /* 1..31 */
};

bool civil_time_is_leap_year(int32_t year);
/* 28..31, or 0 for a month outside 1..12. */
int civil_time_days_in_month(int32_t year, int32_t month);

/* Days since 1970-01-01 of a date (no range check on the fields). */
int64_t civil_time_days_from_civil(int32_t year, int32_t month, int32_t day);
struct civil_date civil_time_civil_from_days(int64_t days);
/* 0 = Sunday .. 6 = Saturday. */
int civil_time_weekday(int64_t days);

/* Add (or, negative, subtract) months; the day is clamped to month end. */
struct civil_date civil_time_add_months(struct civil_date date, int months);

/* True when @utc_us falls in EU summer time. */
bool civil_time_eu_summer(int64_t utc_us);

/* Offset from UTC in minutes in force at @utc_us. */
int civil_time_local_offset_min(int64_t utc_us, int std_offset_min,
				bool eu_summer);

/* Local calendar day (days since 1970-01-01) that contains @utc_us. */
int64_t civil_time_local_day(int64_t utc_us, int std_offset_min,
			     bool eu_summer);

/* Last instant (UTC us) of local day @days: 23:59:59.999999 local. */
int64_t civil_time_local_day_end(int64_t days, int std_offset_min,
				 bool eu_summer);

/*
 * Format as "YYYY-MM-DDTHH:MM:SS[.ffffff]Z"; the fraction appears only when
 * it is not zero.  The _offset variant writes local time with "+HH:MM".
 * Return the length written, -ENOSPC when @size is too small (buf then
 * holds ""), -ERANGE for a year outside 0000..9999.
 */
int civil_time_format_rfc3339(int64_t utc_us, char *buf, size_t size);
int civil_time_format_rfc3339_offset(int64_t utc_us, int offset_min, char *buf,
				     size_t size);

/* "YYYY-MM-DD" of a day number; same returns as above. */
int civil_time_format_date(int64_t days, char *buf, size_t size);

/*
 * Parse RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.f...]Z" or with
 * "+HH:MM"/"-HH:MM"; 't', 'z' and a single space separator are accepted.
 * Fractions of up to 9 digits (below microseconds truncated); a leap second
 * :60 reads as the next second.  The whole string must match.
 * Returns 0, or -EINVAL with *utc_us untouched.
 */
int civil_time_parse_rfc3339(const char *text, int64_t *utc_us);

#endif
