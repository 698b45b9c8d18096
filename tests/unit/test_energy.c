/* Tests for station energy from the daily roll-ups: boundaries, resets, fallback, completeness. */
#include "energy.h"
#include "harness.h"
#include "fleet.h"
#include "test_report_fixture.h"

#define H 3600000LL
#define MIN 60000LL

/* Loads a window ending in June 2019 of n months. */
static struct energy *load_june(struct store *db, const struct fleet *f, int n_months)
{
	struct energy_params p = {2019, 6, n_months, 60, 50, 0};
	char *cause = NULL;
	struct energy *e = energy_load(db, f, &p, &cause);
	if (!e)
		printf("  energy_load: %s\n", cause);
	free(cause);
	return e;
}

static void the_increment_across_a_boundary_is_split_by_time(void)
{
	/* 600 Wh over 20 minutes, boundary after 10: 300 before it. */
	CHECK_INT(energy_split_boundary(0, 1000, 20 * MIN, 1600, 10 * MIN, 0), 300);
	CHECK_INT(energy_split_boundary(0, 1000, 3 * MIN, 1001, 1 * MIN, 0), 0);   /* rounds down */
	CHECK_INT(energy_split_boundary(0, 1000, 20 * MIN, 900, 10 * MIN, 0), 0);  /* a reset */
	CHECK_INT(energy_split_boundary(0, 1000, 20 * MIN, 1000, 10 * MIN, 0), 0); /* standing */
	/* 300 kW can make at most 100 kWh in 20 minutes (+1 %): 200 kWh was excluded by ingest. */
	CHECK_INT(energy_split_boundary(0, 0, 20 * MIN, 200000, 10 * MIN, 300000), 0);
	CHECK_INT(energy_split_boundary(0, 0, 20 * MIN, 100000, 10 * MIN, 300000), 50000);
}

/* The station of the boundary tests: a meter only. */
static struct fleet *meter_fleet(void)
{
	struct fleet *f = fixture_fleet("test");
	fixture_station(f, "s1", "s1", 300000, 1, 0, fixture_tariff(f, "t", 33200, 51800));
	return f;
}

static void month_boundaries_are_local_midnights_in_asia_shanghai(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = meter_fleet();
	int32_t may31 = caltime_days(2019, 5, 31), jun1 = may31 + 1, jun30 = may31 + 30;
	int64_t b_jun = caltime_local_midnight_ms(jun1),
	        b_jul = caltime_local_midnight_ms(jun30 + 1);
	int64_t counter = 1005600;
	struct energy *e;
	const struct energy_month *m;
	int32_t d;
	int nd;

	/* Local midnight of 1 June is 16:00 UTC on 31 May. */
	CHECK_INT(b_jun, INT64_C(1559318400000));
	/* 31 May: last good reading 23:50 local (15:50 UTC); 1 June: first at 00:10 local,
	 * 600 Wh higher. Ingest booked those 600 Wh on 1 June; 300 belong to May. */
	fixture_insert(db, &(struct fix_day){"s1", "m1", may31, 1, 1440, b_jun - 17 * H, 995000,
	                                     b_jun - 10 * MIN, 1000000, 5000, 0, 0, 0, 0});
	fixture_insert(db, &(struct fix_day){"s1", "m1", jun1, 1, 1440, b_jun + 10 * MIN, 1000600,
	                                     b_jun + 19 * H, 1005600, 5600, 0, 0, 0, 0});
	for (d = jun1 + 1; d < jun30; d++)
		fixture_day(db, "s1", "m1", 1, d, &counter, 5000, 1440);
	/* 30 June ends 23:45 local; 1 July starts 00:15 local 1000 Wh higher: 500 are June's. */
	fixture_insert(db, &(struct fix_day){"s1", "m1", jun30, 1, 1440, b_jul - 18 * H, counter,
	                                     b_jul - 15 * MIN, counter + 5000, 5000, 0, 0, 0, 0});
	counter += 5000;
	fixture_insert(db, &(struct fix_day){"s1", "m1", jun30 + 1, 1, 1440, b_jul + 15 * MIN,
	                                     counter + 1000, b_jul + 19 * H, counter + 6000, 6000,
	                                     0, 0, 0, 0});
	e = load_june(db, f, 2);
	CHECK(e != NULL);
	if (e) {
		m = energy_month_get(e, 0, 1);
		CHECK_INT(m->source, ENERGY_METER);
		CHECK_INT(m->energy_wh, 5600 + 29 * 5000 - 300 + 500);
		CHECK_INT(energy_month_first_day(e, 1, &nd), jun1);
		CHECK_INT(nd, 30);
		CHECK_INT(energy_days(e, 0, 1)[0], 5300);
		CHECK_INT(energy_days(e, 0, 1)[29], 5500);
		CHECK_INT(energy_month_get(e, 0, 0)->energy_wh, 5300); /* May: 5000 + 300 */
		CHECK_INT(m->meter_days, 30);
	}
	energy_free(e);
	fleet_free(f);
	store_close(db);
}

static void a_counter_reset_mid_month_starts_a_new_segment_and_is_reported(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = meter_fleet();
	int32_t jun1 = caltime_days(2019, 6, 1), d;
	int64_t counter = 7000000;
	struct energy *e;

	for (d = jun1; d < jun1 + 30; d++) {
		if (d == jun1 + 10) {
			/* Meter replaced overnight: 10 June ended at 23:50 on 7,090,000 Wh, the new
			 * one starts at 00:10 on 100 Wh. Ingest counted a reset, added nothing for
			 * the negative step, and booked the day's own 10,000 Wh. */
			int64_t b = caltime_local_midnight_ms(d);
			fixture_insert(db,
			               &(struct fix_day){"s1", "m1", d, 1, 1440, b + 10 * MIN, 100,
			                                 b + 19 * H, 10100, 10000, 1, 0, 0, 0});
			counter = 10100;
			continue;
		}
		if (d == jun1 + 9) {
			int64_t b = caltime_local_midnight_ms(d + 1);
			fixture_insert(db, &(struct fix_day){"s1", "m1", d, 1, 1440, b - 17 * H,
			                                     counter, b - 10 * MIN, counter + 10000,
			                                     10000, 0, 0, 0, 0});
			counter += 10000;
			continue;
		}
		fixture_day(db, "s1", "m1", 1, d, &counter, 10000, 1440);
	}
	e = load_june(db, f, 1);
	CHECK(e != NULL);
	if (e) {
		const struct energy_month *m = energy_month_get(e, 0, 0);
		CHECK_INT(m->energy_wh, 300000);
		CHECK_INT(m->resets, 1);
		CHECK_INT(energy_days(e, 0, 0)[9], 10000); /* nothing moved across the reset */
	}
	energy_free(e);
	fleet_free(f);
	store_close(db);
}

static void energy_during_an_outage_is_spread_over_the_days_it_was_made(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = meter_fleet();
	int32_t jun1 = caltime_days(2019, 6, 1), d;
	int64_t counter = 0;
	struct energy *e;
	/* Silent 10-19 June: 9 June 19:00 to 20 June 06:00 is 251 h, and the counter rose by
	 * 251,000 Wh, booked by ingest on the 20th. Each silent day gets 24,000 Wh back. */
	for (d = jun1; d < jun1 + 30; d++) {
		if (d >= jun1 + 9 && d <= jun1 + 18)
			continue;
		if (d == jun1 + 19) {
			int64_t b = caltime_local_midnight_ms(d);
			fixture_insert(db, &(struct fix_day){"s1", "m1", d, 1, 1440, b + 6 * H,
			                                     counter + 251000, b + 19 * H,
			                                     counter + 252000, 252000, 0, 0, 0, 0});
			counter += 252000;
			continue;
		}
		fixture_day(db, "s1", "m1", 1, d, &counter, 1000, 1440);
	}
	e = load_june(db, f, 1);
	CHECK(e != NULL);
	if (e) {
		const int64_t *days = energy_days(e, 0, 0);
		CHECK_INT(energy_month_get(e, 0, 0)->energy_wh, 20 * 1000 + 251000);
		CHECK_INT(days[8], 1000 + 5000); /* 9 June: 19:00 to midnight */
		CHECK_INT(days[9], 24000);
		CHECK_INT(days[18], 24000);
		CHECK_INT(days[19], 1000 + 6000); /* 20 June: midnight to 06:00, then its day */
	}
	energy_free(e);
	fleet_free(f);
	store_close(db);
}

/* A station with a meter and two inverters. */
static struct fleet *mixed_fleet(void)
{
	struct fleet *f = fixture_fleet("test");
	fixture_station(f, "s1", "s1", 300000, 1, 2, fixture_tariff(f, "t", 33200, 51800));
	return f;
}

static void without_meter_data_the_inverters_settle_the_month(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = mixed_fleet();
	int32_t jun1 = caltime_days(2019, 6, 1), d;
	int64_t c1 = 0, c2 = 0;
	struct energy *e;
	for (d = jun1; d < jun1 + 30; d++) {
		fixture_day(db, "s1", "inv1", 0, d, &c1, 400000, 800);
		fixture_day(db, "s1", "inv2", 0, d, &c2, 300000, 800);
	}
	e = load_june(db, f, 1);
	CHECK(e != NULL);
	if (e) {
		const struct energy_month *m = energy_month_get(e, 0, 0);
		CHECK_INT(m->source, ENERGY_INVERTERS);
		CHECK_INT(m->energy_wh, 30 * 700000);
		CHECK_INT(m->meter_days, 0);
		CHECK_INT(m->inverter_days, 30);
		CHECK_INT(m->mismatch, 0);
		CHECK_INT(energy_days(e, 0, 0)[4], 700000);
		/* The meter is gone all month: the whole month is its gap. */
		CHECK_INT(m->readings, 30 * 1600);
	}
	energy_free(e);
	fleet_free(f);
	store_close(db);
}

static void inverters_are_read_for_the_last_month_and_where_the_meter_is_silent(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = mixed_fleet();
	int32_t apr1 = caltime_days(2019, 4, 1), may1 = caltime_days(2019, 5, 1), d;
	int64_t cm = 0, c1 = 0, c2 = 0;
	struct energy *e;
	/* April: meter and inverters; May: inverters only; June: both. */
	for (d = apr1; d < apr1 + 91; d++) {
		if (d < may1 || d >= may1 + 31)
			fixture_day(db, "s1", "m1", 1, d, &cm, 100000, 1440);
		fixture_day(db, "s1", "inv1", 0, d, &c1, 51000, 1440);
		fixture_day(db, "s1", "inv2", 0, d, &c2, 51000, 1440);
	}
	e = load_june(db, f, 3);
	CHECK(e != NULL);
	if (e) {
		const struct energy_month *apr = energy_month_get(e, 0, 0);
		const struct energy_month *may = energy_month_get(e, 0, 1);
		const struct energy_month *jun = energy_month_get(e, 0, 2);
		CHECK_INT(apr->source, ENERGY_METER);
		CHECK_INT(apr->energy_wh, 30 * 100000);
		CHECK_INT(apr->inverter_wh, 0); /* the meter settled April: inverters not read */
		CHECK_INT(may->source, ENERGY_INVERTERS);
		CHECK_INT(may->energy_wh, 31 * 102000);
		CHECK_INT(energy_days(e, 0, 1)[0], 102000);
		CHECK_INT(jun->source, ENERGY_METER);
		CHECK_INT(jun->inverter_wh, 30 * 102000); /* the last month: the cross-check */
		CHECK_INT(jun->readings, 3 * 30 * 1440);
	}
	energy_free(e);
	fleet_free(f);
	store_close(db);
}

static void a_station_without_a_meter_settles_on_its_inverters_every_month(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = fixture_fleet("test");
	int32_t may1 = caltime_days(2019, 5, 1), d;
	int64_t c1 = 0, c2 = 0;
	struct energy *e;
	fixture_station(f, "s1", "s1", 100000, 0, 2, fixture_tariff(f, "t", 1, 1));
	for (d = may1; d < may1 + 61; d++) {
		fixture_day(db, "s1", "inv1", 0, d, &c1, 20000, 1440);
		fixture_day(db, "s1", "inv2", 0, d, &c2, 30000, 1440);
	}
	e = load_june(db, f, 2);
	CHECK(e != NULL);
	if (e) {
		CHECK_INT(energy_month_get(e, 0, 0)->source, ENERGY_INVERTERS);
		CHECK_INT(energy_month_get(e, 0, 0)->energy_wh, 31 * 50000);
		CHECK_INT(energy_month_get(e, 0, 1)->energy_wh, 30 * 50000);
		CHECK_INT(energy_month_get(e, 0, 1)->has_meter, 0);
		CHECK_INT(energy_month_get(e, 0, 1)->mismatch, 0);
	}
	energy_free(e);
	fleet_free(f);
	store_close(db);
}

static void meter_and_inverters_beyond_the_tolerance_are_flagged(void)
{
	static const int64_t inv[2] = {60000, 51000};
	int k;
	for (k = 0; k < 2; k++) {
		struct store *db = fixture_db(NULL);
		struct fleet *f = mixed_fleet();
		int32_t jun1 = caltime_days(2019, 6, 1), d;
		int64_t cm = 0, c1 = 0, c2 = 0;
		struct energy *e;
		for (d = jun1; d < jun1 + 30; d++) {
			fixture_day(db, "s1", "m1", 1, d, &cm, 100000, 1440);
			fixture_day(db, "s1", "inv1", 0, d, &c1, inv[k], 1440);
			fixture_day(db, "s1", "inv2", 0, d, &c2, inv[k], 1440);
		}
		e = load_june(db, f, 1);
		CHECK(e != NULL);
		if (e) {
			const struct energy_month *m = energy_month_get(e, 0, 0);
			CHECK_INT(m->source, ENERGY_METER);
			CHECK_INT(m->energy_wh, 3000000);
			CHECK_INT(m->inverter_wh, 30 * 2 * inv[k]);
			CHECK_INT(m->mismatch, k == 0); /* 20 % off is flagged, 2 % is not */
		}
		energy_free(e);
		fleet_free(f);
		store_close(db);
	}
}

static void completeness_gaps_and_down_time_are_counted(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = meter_fleet();
	int32_t jun1 = caltime_days(2019, 6, 1), d;
	int64_t counter = 0;
	struct energy *e;
	for (d = jun1; d < jun1 + 30; d++) {
		if (d >= jun1 + 9 && d <= jun1 + 13)
			continue; /* 10-14 June missing: 5 days */
		fixture_day(db, "s1", "m1", 1, d, &counter, 1000, 1440);
	}
	fixture_insert(db, &(struct fix_day){"s1", "m1", jun1 + 11, 1, 0, FIX_NULL, FIX_NULL,
	                                     FIX_NULL, FIX_NULL, 0, 0, 3, 0, 0});
	{
		struct store_daily x;
		CHECK_INT(store_daily_get(db, "s1", "m1", jun1, &x), 1);
		x.offline_s = 7200;
		x.fault_s = 1800;
		CHECK_INT(store_daily_put(db, "s1", "m1", &x), 0);
	}
	fixture_insert(db, &(struct fix_day){"s1", "ghost", jun1, 0, 10, FIX_NULL, FIX_NULL,
	                                     FIX_NULL, FIX_NULL, 0, 0, 0, 0, 0});
	fixture_insert(db, &(struct fix_day){"nowhere", "m1", jun1, 1, 10, FIX_NULL, FIX_NULL,
	                                     FIX_NULL, FIX_NULL, 0, 0, 0, 0, 0});
	e = load_june(db, f, 1);
	CHECK(e != NULL);
	if (e) {
		const struct energy_month *m = energy_month_get(e, 0, 0);
		/* 25 days of 1440 readings out of 30 x 1440 expected; rows of a device or a
		 * station the fleet does not know are not counted. */
		CHECK_INT(m->readings, 25 * 1440);
		CHECK_INT(m->expected, 30 * 1440);
		/* 9 June 19:00 to 15 June 06:00 local: 5 days and 11 hours. */
		CHECK_INT(m->longest_gap_s, (5 * 24 + 11) * 3600);
		CHECK_INT(m->excluded, 3);
		CHECK_INT(m->offline_s, 7200);
		CHECK_INT(m->fault_s, 1800);
		CHECK_INT(m->energy_wh, 25 * 1000);
	}
	energy_free(e);
	fleet_free(f);
	store_close(db);
}

int main(void)
{
	caltime_set_zone("Asia/Shanghai");
	RUN(the_increment_across_a_boundary_is_split_by_time);
	RUN(month_boundaries_are_local_midnights_in_asia_shanghai);
	RUN(a_counter_reset_mid_month_starts_a_new_segment_and_is_reported);
	RUN(energy_during_an_outage_is_spread_over_the_days_it_was_made);
	RUN(without_meter_data_the_inverters_settle_the_month);
	RUN(inverters_are_read_for_the_last_month_and_where_the_meter_is_silent);
	RUN(a_station_without_a_meter_settles_on_its_inverters_every_month);
	RUN(meter_and_inverters_beyond_the_tolerance_are_flagged);
	RUN(completeness_gaps_and_down_time_are_counted);
	return harness_end();
}
