/* Tests for revenue and costs: tariff periods, rounding, spreading, caps and deficits. */
#include "harness.h"
#include "fleet.h"
#include "revenue.h"
#include "test_report_fixture.h"

/* June 2019 with 1 MWh every day; a 300 kW station under tariff t. */
static struct fleet *june_fleet(void)
{
	struct fleet *f = fixture_fleet("test");
	int t = fixture_tariff(f, "t", 33200, 51800);
	fixture_station(f, "s1", "s1", 300000, 1, 2, t);
	return f;
}

static void a_tariff_change_mid_month_prices_each_day_at_its_own_rate(void)
{
	struct fleet *f = june_fleet();
	int32_t first = caltime_days(2019, 6, 1);
	int64_t days[30];
	struct revenue_month m;
	int i;
	for (i = 0; i < 30; i++)
		days[i] = 1000000;
	/* The subsidy drops from 518 to 418 fen/MWh from 16 June. */
	fixture_tariff_change(f, 0, first + 14, 33200, 41800);
	revenue_month_compute(&f->stations[0], &f->tariffs[0], 2019, 6, first, days, 30, &m);
	CHECK_INT(m.n_periods, 2);
	CHECK_INT(m.periods[0].energy_wh, 15000000);
	CHECK_INT(m.periods[0].coal_fen, 498000);
	CHECK_INT(m.periods[0].subsidy_fen, 777000);
	CHECK_INT(m.periods[1].from_day, first + 15);
	CHECK_INT(m.periods[1].subsidy_fen, 627000);
	CHECK_INT(m.revenue_fen, 498000 * 2 + 777000 + 627000);
	CHECK_INT(m.untariffed_wh, 0);
	revenue_month_release(&m);
	fleet_free(f);
}

static void each_part_is_rounded_half_up_once_per_period(void)
{
	CHECK_INT(revenue_mul_div_half_up(1234567, 33200, 1000000), 40988); /* 40987.62 */
	CHECK_INT(revenue_mul_div_half_up(500, 1000, 1000000), 1);          /* 0.5 up */
	CHECK_INT(revenue_mul_div_half_up(1499, 1000, 1000000), 1);         /* 1.499 */
	CHECK_INT(revenue_mul_div_half_up(1500, 1000, 1000000), 2);         /* 1.5 up */
	CHECK_INT(revenue_mul_div_half_up(-500, 1000, 1000000), 0);         /* -0.5 up is 0 */
	CHECK_INT(revenue_mul_div_half_up(-1501, 1000, 1000000), -2);
	CHECK_INT(revenue_mul_div_half_up(INT64_MAX, 2, 4), INT64_MAX / 2 + 1);
}

static void yearly_costs_spread_over_months_add_up_exactly(void)
{
	int64_t years[] = {0, 1, 11, 100, 120001, 1234567891, INT64_C(99999999999)};
	size_t i;
	int m;
	CHECK_INT(revenue_spread(120001, 1), 10000);
	CHECK_INT(revenue_spread(120001, 12), 10001);
	CHECK_INT(revenue_spread(100, 3), 9); /* floor(300/12) - floor(200/12) = 25 - 16 */
	for (i = 0; i < UTIL_ARRAY_LEN(years); i++) {
		int64_t sum = 0;
		for (m = 1; m <= 12; m++) {
			int64_t part = revenue_spread(years[i], m);
			CHECK(part == years[i] / 12 || part == years[i] / 12 + 1);
			sum += part;
		}
		CHECK_INT(sum, years[i]);
	}
}

static void costs_come_off_revenue_and_om_is_capped_per_kw(void)
{
	struct fleet *f = june_fleet();
	struct fleet_costs *c = &f->stations[0].costs;
	int32_t first = caltime_days(2019, 6, 1);
	int64_t days[30];
	struct revenue_month m;
	int i;
	for (i = 0; i < 30; i++)
		days[i] = 1000000;
	c->land_rent_fen_per_year = 1200000;
	c->insurance_fen_per_year = 120001;
	c->om_fen_per_month = 50000;
	c->om_fen_per_mwh = 2000;
	c->tax_basis_points = 300;
	revenue_month_compute(&f->stations[0], &f->tariffs[0], 2019, 6, first, days, 30, &m);
	CHECK_INT(m.revenue_fen, 30 * (33200 + 51800));
	CHECK_INT(m.land_fen, 100000);
	CHECK_INT(m.insurance_fen, 10000);
	CHECK_INT(m.om_fen, 50000 + 60000);
	CHECK_INT(m.om_capped, 0);
	CHECK_INT(m.tax_fen, 76500); /* 3 % of 2,550,000 */
	CHECK_INT(m.costs_fen, 100000 + 10000 + 110000 + 76500);
	CHECK_INT(m.distributable_fen, m.revenue_fen - m.costs_fen);
	CHECK_INT(m.deficit_fen, 0);
	revenue_month_release(&m);
	/* Cap 3,000 fen per kW and year on 300 kW: 900,000 a year, 75,000 in June. */
	c->om_cap_fen_per_kw_year = 3000;
	revenue_month_compute(&f->stations[0], &f->tariffs[0], 2019, 6, first, days, 30, &m);
	CHECK_INT(m.om_fen, 75000);
	CHECK_INT(m.om_capped, 1);
	revenue_month_release(&m);
	fleet_free(f);
}

static void a_deficit_month_distributes_nothing_and_reports_the_deficit(void)
{
	struct fleet *f = june_fleet();
	int32_t first = caltime_days(2019, 6, 1);
	int64_t days[30] = {0};
	struct revenue_month m;
	days[3] = 2000000;                                     /* 2 MWh: 170,000 fen */
	f->stations[0].costs.land_rent_fen_per_year = 2400000; /* 200,000 a month */
	revenue_month_compute(&f->stations[0], &f->tariffs[0], 2019, 6, first, days, 30, &m);
	CHECK_INT(m.revenue_fen, 170000);
	CHECK_INT(m.distributable_fen, 0);
	CHECK_INT(m.deficit_fen, 30000);
	revenue_month_release(&m);
	fleet_free(f);
}

static void a_station_earns_nothing_before_its_commissioning_month(void)
{
	struct fleet *f = june_fleet();
	int32_t first = caltime_days(2019, 6, 1);
	int64_t days[30] = {1000000};
	struct revenue_month m;
	f->stations[0].commissioned_day = caltime_days(2019, 7, 3);
	f->stations[0].costs.land_rent_fen_per_year = 1200000;
	revenue_month_compute(&f->stations[0], &f->tariffs[0], 2019, 6, first, days, 30, &m);
	CHECK_INT(m.in_service, 0);
	CHECK_INT(m.revenue_fen, 0);
	CHECK_INT(m.costs_fen, 0);
	revenue_month_release(&m);
	f->stations[0].commissioned_day = caltime_days(2019, 6, 30);
	revenue_month_compute(&f->stations[0], &f->tariffs[0], 2019, 6, first, days, 30, &m);
	CHECK_INT(m.in_service, 1);
	CHECK_INT(m.land_fen, 100000);
	revenue_month_release(&m);
	fleet_free(f);
}

static void energy_on_days_without_a_tariff_is_reported_and_earns_nothing(void)
{
	struct fleet *f = june_fleet();
	int32_t first = caltime_days(2019, 6, 1);
	int64_t days[30];
	struct revenue_month m;
	int i;
	for (i = 0; i < 30; i++)
		days[i] = 1000;
	f->tariffs[0].periods[0].from_day = first + 10;
	revenue_month_compute(&f->stations[0], &f->tariffs[0], 2019, 6, first, days, 30, &m);
	CHECK_INT(m.untariffed_wh, 10000);
	CHECK_INT(m.periods[0].energy_wh, 20000);
	revenue_month_release(&m);
	fleet_free(f);
}

int main(void)
{
	caltime_set_zone("Asia/Shanghai");
	RUN(a_tariff_change_mid_month_prices_each_day_at_its_own_rate);
	RUN(each_part_is_rounded_half_up_once_per_period);
	RUN(yearly_costs_spread_over_months_add_up_exactly);
	RUN(costs_come_off_revenue_and_om_is_capped_per_kw);
	RUN(a_deficit_month_distributes_nothing_and_reports_the_deficit);
	RUN(a_station_earns_nothing_before_its_commissioning_month);
	RUN(energy_on_days_without_a_tariff_is_reported_and_earns_nothing);
	return harness_end();
}
