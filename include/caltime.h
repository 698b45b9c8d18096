/*
 * caltime: civil dates and the county's time zone. Days are counted from
 * 1970-01-01 (proleptic Gregorian); month boundaries are local midnights
 * converted to UTC ms. The zone is a tz database name (default Asia/Shanghai),
 * applied through the C library, so zones with DST work as well.
 *
 * Threads: caltime_set_zone changes the process environment (TZ) and must be
 * called once at start-up, before any thread runs; it is not thread-safe by
 * design. The conversions after it only read the zone and are thread-safe.
 */
#ifndef PVMON_CALTIME_H
#define PVMON_CALTIME_H

#include <stdint.h>

/* Days since 1970-01-01 of a civil date, and back (any year, 1900-2200 tested). */
int32_t caltime_days(int year, int month, int day);
void caltime_civil(int32_t days, int *year, int *month, int *day);
/* Parses "YYYY-MM-DD" strictly (real dates only, years 1900-2200); returns 0 or -1. */
int caltime_parse_date(const char *s, int32_t *days);
/* Parses "YYYY-MM" strictly (years 1900-2200); returns 0 or -1. */
int caltime_parse_month(const char *s, int *year, int *month);
/* 28-31 for month 1-12 (leap years per the Gregorian rule); 0 for a month out of range. */
int caltime_days_in_month(int year, int month);
/* Writes "YYYY-MM-DD" of a day into buf (at least 11 bytes); returns buf. */
char *caltime_format_date(int32_t days, char *buf, int size);

/* Returns 1 if tzname names a zone of the tz database installed here, else 0. No side effect. */
int caltime_zone_valid(const char *tzname);
/*
 * Selects the zone for the conversions below; returns -1 if the name is unknown
 * (glibc would silently fall back to UTC, so the zoneinfo file must exist).
 * Start-up only: see the note on threads above.
 */
int caltime_set_zone(const char *tzname);
/* UTC ms of local midnight starting the given local day (its first instant if DST skips 00:00). */
int64_t caltime_local_midnight_ms(int32_t days);
/* The local day (days since 1970-01-01) and hour 0-23 of a UTC instant; hour may be NULL. */
int32_t caltime_local_day(int64_t utc_ms, int *hour);
/*
 * Writes a UTC instant as local time with its offset, "2019-06-30 23:59:59+08:00"
 * (RFC 3339 with a space), into buf (at least 26 bytes); returns buf.
 */
char *caltime_format_local(int64_t utc_ms, char *buf, int size);

#endif
