/* Tests for caltime: civil dates, strict parsing and local-time boundaries. */
#include <stdlib.h>
#include <time.h>

#include "caltime.h"
#include "harness.h"

/* UTC ms of a UTC civil time, computed independently of caltime with timegm. */
static int64_t utc_ms(int y, int mo, int d, int h, int mi)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm) * 1000;
}

static void known_dates_have_known_day_numbers(void)
{
	CHECK_INT(caltime_days(1970, 1, 1), 0);
	CHECK_INT(caltime_days(1969, 12, 31), -1);
	CHECK_INT(caltime_days(2000, 3, 1), 11017);
	CHECK_INT(caltime_days(1900, 1, 1), -25567);
	CHECK_INT(caltime_days(2019, 7, 1), 18078);
	CHECK_INT(caltime_days(2200, 12, 31), 84370);
}

static void every_day_from_1900_to_2200_survives_a_round_trip(void)
{
	int32_t d, first = caltime_days(1900, 1, 1), last = caltime_days(2200, 12, 31);
	int py = 1899, pm = 12, pd = 31, bad = 0;
	for (d = first; d <= last; d++) {
		int y, m, dd;
		caltime_civil(d, &y, &m, &dd);
		if (caltime_days(y, m, dd) != d)
			bad++;
		/* consecutive days: next day of the month, or the 1st of the next month */
		if (!((y == py && m == pm && dd == pd + 1) ||
		      (dd == 1 && pd == caltime_days_in_month(py, pm) &&
		       ((y == py && m == pm + 1) || (y == py + 1 && m == 1 && pm == 12)))))
			bad++;
		/* 1970-2100 also agrees with the C library's own calendar */
		if (y >= 1970 && y <= 2100 && utc_ms(y, m, dd, 0, 0) != (int64_t)d * 86400000)
			bad++;
		py = y;
		pm = m;
		pd = dd;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(py, 2200);
}

static void months_have_their_lengths_including_leap_years(void)
{
	CHECK_INT(caltime_days_in_month(2019, 2), 28);
	CHECK_INT(caltime_days_in_month(2020, 2), 29);
	CHECK_INT(caltime_days_in_month(2000, 2), 29);
	CHECK_INT(caltime_days_in_month(1900, 2), 28);
	CHECK_INT(caltime_days_in_month(2100, 2), 28);
	CHECK_INT(caltime_days_in_month(2019, 4), 30);
	CHECK_INT(caltime_days_in_month(2019, 12), 31);
	CHECK_INT(caltime_days_in_month(2019, 13), 0);
}

static void dates_are_parsed_strictly(void)
{
	int32_t d = 7;
	int y = 0, m = 0;
	char buf[16];
	CHECK_INT(caltime_parse_date("2019-07-01", &d), 0);
	CHECK_INT(d, 18078);
	CHECK_STR(caltime_format_date(d, buf, sizeof buf), "2019-07-01");
	CHECK_INT(caltime_parse_date("2020-02-29", &d), 0);
	CHECK_INT(caltime_parse_date("2019-02-29", &d), -1);
	CHECK_INT(caltime_parse_date("2019-04-31", &d), -1);
	CHECK_INT(caltime_parse_date("2019-7-01", &d), -1);
	CHECK_INT(caltime_parse_date("2019-07-01x", &d), -1);
	CHECK_INT(caltime_parse_date(" 2019-07-01", &d), -1);
	CHECK_INT(caltime_parse_date("2019/07/01", &d), -1);
	CHECK_INT(caltime_parse_date("2019-00-10", &d), -1);
	CHECK_INT(caltime_parse_date("1899-12-31", &d), -1);
	CHECK_INT(caltime_parse_date("2201-01-01", &d), -1);
	CHECK_INT(caltime_parse_date("+019-07-01", &d), -1);
	CHECK_INT(caltime_parse_date(NULL, &d), -1);
	CHECK_INT(caltime_parse_month("2019-06", &y, &m), 0);
	CHECK_INT(y, 2019);
	CHECK_INT(m, 6);
	CHECK_INT(caltime_parse_month("2019-13", &y, &m), -1);
	CHECK_INT(caltime_parse_month("2019-6", &y, &m), -1);
	CHECK_INT(caltime_parse_month("2019-06-01", &y, &m), -1);
}

static void unknown_zones_are_rejected_not_taken_as_utc(void)
{
	CHECK_INT(caltime_zone_valid("Asia/Shanghai"), 1);
	CHECK_INT(caltime_zone_valid("Mars/Olympus_Mons"), 0);
	CHECK_INT(caltime_zone_valid("Asia/shanghai"), 0);
	CHECK_INT(caltime_zone_valid("../../etc/passwd"), 0);
	CHECK_INT(caltime_zone_valid("/usr/share/zoneinfo/UTC"), 0);
	CHECK_INT(caltime_zone_valid("zone.tab"), 0);
	CHECK_INT(caltime_zone_valid("Asia"), 0);
	CHECK_INT(caltime_zone_valid(""), 0);
	CHECK_INT(caltime_set_zone("Mars/Olympus_Mons"), -1);
}

static void shanghai_midnight_of_july_first_2019_is_four_pm_utc(void)
{
	int hour = -1;
	CHECK_INT(caltime_set_zone("Asia/Shanghai"), 0);
	CHECK_INT(caltime_local_midnight_ms(caltime_days(2019, 7, 1)), utc_ms(2019, 6, 30, 16, 0));
	CHECK_INT(caltime_local_midnight_ms(caltime_days(2019, 7, 1)), INT64_C(1561910400000));
	CHECK_INT(caltime_local_day(utc_ms(2019, 6, 30, 16, 0), &hour), caltime_days(2019, 7, 1));
	CHECK_INT(hour, 0);
	CHECK_INT(caltime_local_day(utc_ms(2019, 6, 30, 16, 0) - 1, &hour),
	          caltime_days(2019, 6, 30));
	CHECK_INT(hour, 23);
	CHECK_INT(caltime_local_day(utc_ms(2019, 7, 1, 3, 30), NULL), caltime_days(2019, 7, 1));
}

static void berlin_days_follow_summer_time(void)
{
	int hour = -1;
	int32_t spring = caltime_days(2019, 3, 31), autumn = caltime_days(2019, 10, 27);
	CHECK_INT(caltime_set_zone("Europe/Berlin"), 0);
	CHECK_INT(caltime_local_midnight_ms(spring), utc_ms(2019, 3, 30, 23, 0));
	CHECK_INT(caltime_local_midnight_ms(spring + 1), utc_ms(2019, 3, 31, 22, 0));
	CHECK_INT(caltime_local_midnight_ms(spring + 1) - caltime_local_midnight_ms(spring),
	          23 * 3600000);
	CHECK_INT(caltime_local_midnight_ms(autumn + 1) - caltime_local_midnight_ms(autumn),
	          25 * 3600000);
	CHECK_INT(caltime_local_midnight_ms(caltime_days(2019, 7, 1)), utc_ms(2019, 6, 30, 22, 0));
	CHECK_INT(caltime_local_day(utc_ms(2019, 3, 31, 0, 59), &hour), spring);
	CHECK_INT(hour, 1);
	CHECK_INT(caltime_local_day(utc_ms(2019, 3, 31, 1, 0), &hour), spring);
	CHECK_INT(hour, 3);
}

static void a_day_whose_midnight_is_skipped_starts_at_its_first_instant(void)
{
	/* Sao Paulo moved its clocks from 00:00 to 01:00 on 2018-11-04 (-03 to -02) */
	int32_t day = caltime_days(2018, 11, 4);
	CHECK_INT(caltime_set_zone("America/Sao_Paulo"), 0);
	CHECK_INT(caltime_local_midnight_ms(day), utc_ms(2018, 11, 4, 3, 0));
	CHECK_INT(caltime_local_midnight_ms(day - 1), utc_ms(2018, 11, 3, 3, 0));
	CHECK_INT(caltime_local_day(utc_ms(2018, 11, 4, 2, 59), NULL), day - 1);
}

static void instants_before_1970_land_on_the_right_day(void)
{
	CHECK_INT(caltime_set_zone("UTC"), 0);
	CHECK_INT(caltime_local_day(-1, NULL), -1);
	CHECK_INT(caltime_local_day(-86400000, NULL), -1);
	CHECK_INT(caltime_local_day(-86400001, NULL), -2);
	CHECK_INT(caltime_local_midnight_ms(-1), -86400000);
}

static void local_times_are_written_with_their_offset(void)
{
	char buf[40];
	CHECK_INT(caltime_set_zone("Asia/Shanghai"), 0);
	CHECK_STR(caltime_format_local(utc_ms(2019, 6, 30, 15, 59) + 59999, buf, sizeof buf),
	          "2019-06-30 23:59:59+08:00");
	CHECK_INT(caltime_set_zone("Europe/Berlin"), 0);
	CHECK_STR(caltime_format_local(utc_ms(2019, 7, 1, 10, 5), buf, sizeof buf),
	          "2019-07-01 12:05:00+02:00");
	CHECK_STR(caltime_format_local(utc_ms(2019, 12, 1, 10, 5), buf, sizeof buf),
	          "2019-12-01 11:05:00+01:00");
	CHECK_INT(caltime_set_zone("America/Sao_Paulo"), 0);
	CHECK_STR(caltime_format_local(utc_ms(2019, 7, 1, 10, 5), buf, sizeof buf),
	          "2019-07-01 07:05:00-03:00");
	CHECK_INT(caltime_set_zone("Asia/Kolkata"), 0);
	CHECK_STR(caltime_format_local(utc_ms(2019, 7, 1, 10, 5), buf, sizeof buf),
	          "2019-07-01 15:35:00+05:30");
	CHECK_INT(caltime_set_zone("UTC"), 0);
	CHECK_STR(caltime_format_local(utc_ms(2019, 7, 1, 10, 5), buf, sizeof buf),
	          "2019-07-01 10:05:00+00:00");
}

int main(void)
{
	RUN(known_dates_have_known_day_numbers);
	RUN(every_day_from_1900_to_2200_survives_a_round_trip);
	RUN(months_have_their_lengths_including_leap_years);
	RUN(dates_are_parsed_strictly);
	RUN(unknown_zones_are_rejected_not_taken_as_utc);
	RUN(shanghai_midnight_of_july_first_2019_is_four_pm_utc);
	RUN(berlin_days_follow_summer_time);
	RUN(a_day_whose_midnight_is_skipped_starts_at_its_first_instant);
	RUN(instants_before_1970_land_on_the_right_day);
	RUN(local_times_are_written_with_their_offset);
	return harness_end();
}
