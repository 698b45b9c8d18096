/*
 * caltime: civil dates and the county's time zone. Days are counted from
 * 1970-01-01; month boundaries are local midnights converted to UTC ms.
 * The zone is a tz database name (default Asia/Shanghai), applied through
 * the C library, so zones with DST work as well.
 */
#ifndef PVMON_CALTIME_H
#define PVMON_CALTIME_H

#include <stdint.h>

/* Days since 1970-01-01 of a civil date, and back. */
int32_t caltime_days(int year, int month, int day);
void caltime_civil(int32_t days, int *year, int *month, int *day);
/* Parses "YYYY-MM-DD" strictly (real dates only); returns 0 or -1. */
int caltime_parse_date(const char *s, int32_t *days);
/* Parses "YYYY-MM"; returns 0 or -1. */
int caltime_parse_month(const char *s, int *year, int *month);
int caltime_days_in_month(int year, int month);

/* Selects the zone for the conversions below; returns -1 if the name is unknown. */
int caltime_set_zone(const char *tzname);
/* UTC ms of local midnight starting the given local day. */
int64_t caltime_local_midnight_ms(int32_t days);
/* The local day (days since 1970-01-01) and hour 0-23 of a UTC instant. */
int32_t caltime_local_day(int64_t utc_ms, int *hour);

#endif
