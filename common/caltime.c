/*
 * caltime: civil-date arithmetic and local-time conversion for month and day
 * boundaries. It must never guess a zone: an unknown name is an error, not UTC.
 */
#include "caltime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Floor division: days before 1970 must land on the earlier day. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/*
 * Counts days in 400-year eras starting on 1 March, so the leap day is the
 * last day of a year and needs no special case.
 */
int32_t caltime_days(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;                         /* 0-399 */
	int64_t mp = (month + 9) % 12;                       /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + day - 1;          /* 0-365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0-146096 */
	return (int32_t)(era * 146097 + doe - 719468);
}

/* The inverse of caltime_days, on the same March-based eras. */
void caltime_civil(int32_t days, int *year, int *month, int *day)
{
	int64_t z = (int64_t)days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);
	*year = (int)y;
	*month = (int)m;
	*day = (int)d;
}

int caltime_days_in_month(int year, int month)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (month < 1 || month > 12)
		return 0;
	return len[month - 1] + (month == 2 && leap);
}

/* Reads exactly n decimal digits; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0, i;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int caltime_parse_month(const char *s, int *year, int *month)
{
	int y, m;
	if (!s || strlen(s) != 7 || s[4] != '-')
		return -1;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	if (y < 1900 || y > 2200 || m < 1 || m > 12)
		return -1;
	*year = y;
	*month = m;
	return 0;
}

int caltime_parse_date(const char *s, int32_t *days)
{
	int y, m, d;
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > caltime_days_in_month(y, m))
		return -1;
	*days = caltime_days(y, m, d);
	return 0;
}

char *caltime_format_date(int32_t days, char *buf, int size)
{
	int y, m, d;
	caltime_civil(days, &y, &m, &d);
	snprintf(buf, (size_t)size, "%04d-%02d-%02d", y, m, d);
	return buf;
}

/*
 * A zone name must be a relative path of safe characters inside the zoneinfo
 * directory, naming a TZif file: glibc falls back to UTC for anything else.
 */
int caltime_zone_valid(const char *tzname)
{
	const char *dir = getenv("TZDIR"), *p;
	char path[1024], magic[4];
	struct stat st;
	FILE *f;
	int ok;

	if (!tzname || !*tzname || *tzname == '/' || strlen(tzname) > 200 || strstr(tzname, ".."))
		return 0;
	for (p = tzname; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '+' || *p == '/'))
			return 0;
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	snprintf(path, sizeof path, "%s/%s", dir, tzname);
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	f = fopen(path, "rb");
	if (!f)
		return 0;
	ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
}

int caltime_set_zone(const char *tzname)
{
	if (!caltime_zone_valid(tzname))
		return -1;
	if (setenv("TZ", tzname, 1) < 0)
		return -1;
	tzset();
	return 0;
}

/* The local day of a UTC second. */
static int32_t local_day_of(int64_t t, int *hour)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!localtime_r(&tt, &tm)) {
		/* out of the C library's range: fall back to UTC arithmetic */
		if (hour)
			*hour = (int)((t % 86400 + 86400) % 86400 / 3600);
		return (int32_t)floor_div(t, 86400);
	}
	if (hour)
		*hour = tm.tm_hour;
	return caltime_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int32_t caltime_local_day(int64_t utc_ms, int *hour)
{
	return local_day_of(floor_div(utc_ms, 1000), hour);
}

/*
 * mktime answers almost always; where DST skips midnight it may not give the
 * day's first instant, so that case is settled by a search on local_day.
 */
int64_t caltime_local_midnight_ms(int32_t days)
{
	struct tm tm;
	int y, m, d;
	time_t t;
	int64_t lo, hi;

	caltime_civil(days, &y, &m, &d);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t != (time_t)-1 && local_day_of((int64_t)t, NULL) == days &&
	    local_day_of((int64_t)t - 1, NULL) < days)
		return (int64_t)t * 1000;
	/* invariant: local_day(lo) < days <= local_day(hi) */
	lo = (int64_t)days * 86400 - 30 * 3600;
	hi = (int64_t)days * 86400 + 30 * 3600;
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (local_day_of(mid, NULL) >= days)
			hi = mid;
		else
			lo = mid;
	}
	return hi * 1000;
}

char *caltime_format_local(int64_t utc_ms, char *buf, int size)
{
	struct tm tm;
	time_t tt = (time_t)floor_div(utc_ms, 1000);
	long off;
	if (!localtime_r(&tt, &tm)) {
		snprintf(buf, (size_t)size, "?");
		return buf;
	}
	off = tm.tm_gmtoff; /* seconds east of UTC, DST included */
	snprintf(buf, (size_t)size, "%04d-%02d-%02d %02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	         labs(off) / 3600, labs(off) % 3600 / 60);
	return buf;
}
