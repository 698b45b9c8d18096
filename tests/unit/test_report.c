/* Tests for the report model: allocation end to end, deficits, reasons and random fleets. */
#include "fleet.h"
#include "format.h"
#include "profile.h"
#include "render.h"
#include "report.h"
#include "report_table.h"
#include "harness.h"
#include "test_report_fixture.h"

/* Builds the June 2019 report, printing the cause on failure. */
static struct report *june_report(struct store *db, const struct fleet *f)
{
	struct report_params p = {.year = 2019,
	                          .month = 6,
	                          .timezone = "Asia/Shanghai",
	                          .target_fen_per_year = 20000000,
	                          .expected_interval_s = 60,
	                          .meter_tolerance_permille = 50,
	                          .lang = MSG_EN,
	                          .profiles = NULL};
	char *cause = NULL;
	struct report *r = report_build(db, f, &p, &cause);
	if (!r)
		printf("  report_build: %s\n", cause);
	free(cause);
	return r;
}

/* Every day of June 2019 for a device: wh a day, 1440 readings. */
static void june_days(struct store *db, const char *st, const char *dev, int kind, int64_t wh)
{
	int32_t d, jun1 = caltime_days(2019, 6, 1);
	int64_t c = 1000000;
	for (d = jun1; d < jun1 + 30; d++)
		fixture_day(db, st, dev, kind, d, &c, wh, 1440);
}

/* June of two_station_fleet: s1 yields 100 kWh/kWp, s2 50, meters and inverters alike. */
static void two_station_june(struct store *db)
{
	june_days(db, "s1", "m1", 1, 1000000);
	june_days(db, "s1", "inv1", 0, 500000);
	june_days(db, "s1", "inv2", 0, 500000);
	june_days(db, "s2", "m1", 1, 500000);
	june_days(db, "s2", "inv1", 0, 250000);
	june_days(db, "s2", "inv2", 0, 250000);
}

/*
 * Two stations, tariff 850 fen/MWh... in all: s1 (joint: A 1, B 1, C 1) and s2
 * (A 3, D 1). Village A holds shares in both.
 */
static struct fleet *two_station_fleet(void)
{
	struct fleet *f = fixture_fleet("临县");
	int tw = fixture_township(f, "t1", "临泉镇");
	int t = fixture_tariff(f, "t", 33200, 51800);
	int a = fixture_village(f, "va", "西坡村", tw),
	    b = fixture_village(f, "vb", "高家塔村", tw);
	int c = fixture_village(f, "vc", "南沟村", tw), d = fixture_village(f, "vd", "城庄村", tw);
	int s1 = fixture_station(f, "s1", "联村电站", 300000, 1, 2, t);
	int s2 = fixture_station(f, "s2", "西坡电站", 300000, 1, 2, t);
	fixture_share(f, s1, b, 1);
	fixture_share(f, s1, a, 1);
	fixture_share(f, s1, c, 1);
	fixture_share(f, s2, a, 3);
	fixture_share(f, s2, d, 1);
	return f;
}

static void a_village_with_shares_in_two_stations_gets_its_part_of_each(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = two_station_fleet();
	struct report *r;
	/* s1: 1,000,001 Wh a day -> 30,000,030 Wh: 30.00003 MWh x 85,000 = 2,550,002.55 fen:
	 * coal 996,001 + subsidy 1,554,002 = 2,550,003 fen; split 3 ways: 850,001 each. */
	june_days(db, "s1", "m1", 1, 1000001);
	june_days(db, "s1", "inv1", 0, 500000);
	june_days(db, "s1", "inv2", 0, 500000);
	/* s2: 1 MWh a day -> 2,550,000 fen, less land rent 120,000 a year (10,000 a month). */
	june_days(db, "s2", "m1", 1, 1000000);
	june_days(db, "s2", "inv1", 0, 500000);
	june_days(db, "s2", "inv2", 0, 500000);
	f->stations[1].costs.land_rent_fen_per_year = 120000;
	r = june_report(db, f);
	CHECK(r != NULL);
	if (r) {
		CHECK_INT(r->stations[0].r.coal_fen, 996001);
		CHECK_INT(r->stations[0].r.subsidy_fen, 1554002);
		CHECK_INT(r->stations[0].r.distributable_fen, 2550003);
		CHECK_INT(r->stations[1].r.distributable_fen, 2540000);
		/* s1: 850,001 each exactly; s2: 3/4 and 1/4 of 2,540,000. */
		CHECK_INT(r->villages[1].t.month_fen, 850001);
		CHECK_INT(r->villages[0].t.month_fen, 850001 + 1905000);
		CHECK_INT(r->villages[3].t.month_fen, 635000);
		CHECK_INT(r->villages[0].n_parts, 2);
		CHECK_INT(r->totals.allocated_fen, r->totals.distributable_fen);
		CHECK_INT(r->totals.revenue_fen, 2550003 + 2550000);
	}
	report_free(r);
	fleet_free(f);
	store_close(db);
}

static void a_joint_station_with_remainders_splits_to_the_fen_in_the_report(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = two_station_fleet();
	struct report *r;
	/* s1 distributable 2,550,003 - 1 (a fen of land rent in June: 12 a year) = 2,550,002:
	 * 850,000.67 each; two fen left over, to the two smallest ids of three equal
	 * remainders: va and vb get 850,001, vc 850,000. */
	f->stations[0].costs.land_rent_fen_per_year = 12;
	june_days(db, "s1", "m1", 1, 1000001);
	r = june_report(db, f);
	CHECK(r != NULL);
	if (r) {
		CHECK_INT(r->stations[0].r.land_fen, 1);
		CHECK_INT(r->stations[0].r.distributable_fen, 2550002);
		CHECK_INT(r->villages[0].t.month_fen, 850001); /* va: s2 has no data, earns 0 */
		CHECK_INT(r->villages[1].t.month_fen, 850001);
		CHECK_INT(r->villages[2].t.month_fen, 850000);
	}
	report_free(r);
	fleet_free(f);
	store_close(db);
}

static void a_deficit_month_shows_the_deficit_and_names_it_as_a_reason(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = two_station_fleet();
	struct report *r;
	june_days(db, "s1", "m1", 1, 1000000);
	june_days(db, "s2", "m1", 1, 10000); /* 300 kWh in the month: 25,500 fen */
	f->stations[1].costs.om_fen_per_month = 100000;
	r = june_report(db, f);
	CHECK(r != NULL);
	if (r) {
		const struct report_village *vd = &r->villages[3];
		int i, found = 0;
		CHECK_INT(r->stations[1].r.distributable_fen, 0);
		CHECK_INT(r->stations[1].r.deficit_fen, 100000 - 25500);
		CHECK(r->stations[1].flags & (1u << RFLAG_DEFICIT));
		CHECK(r->stations[1].flags & (1u << RFLAG_LOW_YIELD));
		CHECK_INT(vd->t.month_fen, 0);
		CHECK(vd->t.status != TARGET_OK);
		for (i = 0; i < vd->n_reasons; i++)
			found |=
			    vd->reasons[i].kind == REASON_DEFICIT && vd->reasons[i].station == 1;
		CHECK(found);
		CHECK_INT(r->totals.deficit_fen, 74500);
		/* Villages not OK come first in the order. */
		CHECK(r->villages[r->village_order[0]].t.status != TARGET_OK);
	}
	report_free(r);
	fleet_free(f);
	store_close(db);
}

static void a_station_without_data_is_a_reason_for_its_villages(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = two_station_fleet();
	struct report *r;
	june_days(db, "s1", "m1", 1, 1000000);
	r = june_report(db, f);
	CHECK(r != NULL);
	if (r) {
		const struct report_village *vd = &r->villages[3];
		CHECK(r->stations[1].flags & (1u << RFLAG_NO_DATA));
		CHECK(vd->n_reasons >= 1);
		CHECK(vd->n_reasons >= 1 && vd->reasons[0].kind == REASON_NO_DATA);
	}
	report_free(r);
	fleet_free(f);
	store_close(db);
}

static void every_flagged_station_is_counted_even_for_a_counter_reset_only(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = two_station_fleet();
	struct report *r;
	int64_t c = 1000000 + 9 * 500000; /* s2 inv1's counter on the morning of 10 June */
	june_days(db, "s1", "m1", 1, 1000000);
	june_days(db, "s1", "inv1", 0, 500000);
	june_days(db, "s1", "inv2", 0, 500000);
	june_days(db, "s2", "m1", 1, 1000000);
	june_days(db, "s2", "inv1", 0, 500000);
	june_days(db, "s2", "inv2", 0, 500000);
	/* s2's inverter was replaced on 10 June: that day's roll-up counts a reset */
	{
		struct fix_day d;
		int32_t day = caltime_days(2019, 6, 10);
		int64_t midnight = caltime_local_midnight_ms(day);
		memset(&d, 0, sizeof d);
		d.station = "s2";
		d.device = "inv1";
		d.day = day;
		d.kind = 0;
		d.n = 1440;
		d.first_ts = midnight + 6 * 3600000LL;
		d.first_wh = c;
		d.last_ts = midnight + 19 * 3600000LL;
		d.last_wh = c + 500000;
		d.delta = 500000;
		d.resets = 1;
		fixture_insert(db, &d);
	}
	r = june_report(db, f);
	CHECK(r != NULL);
	if (r) {
		CHECK_INT(r->stations[0].flags, 0);
		CHECK_INT(r->stations[1].flags, 1u << RFLAG_COUNTER_RESET);
		CHECK_INT(r->totals.n_flagged_stations, 1);
	}
	report_free(r);
	fleet_free(f);
	store_close(db);
}

/* Whether a village has a reason of kind for station s. */
static int has_reason(const struct report_village *rv, enum report_reason_kind kind, int s,
                      int64_t value)
{
	int i;
	for (i = 0; i < rv->n_reasons; i++)
		if (rv->reasons[i].kind == kind && rv->reasons[i].station == s &&
		    (value < 0 || rv->reasons[i].value == value))
			return 1;
	return 0;
}

static void earlier_months_without_data_and_a_weak_year_are_reasons_too(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = two_station_fleet();
	int32_t jun1 = caltime_days(2019, 6, 1), d;
	int64_t c1 = 0, c2 = 0;
	struct report *r;
	/* s1 reports all year; s2 only from 2 April, at half the yield. */
	for (d = jun1 - 340; d < jun1 + 30; d++) {
		fixture_day(db, "s1", "m1", 1, d, &c1, 1000000, 1440);
		if (d >= jun1 - 60)
			fixture_day(db, "s2", "m1", 1, d, &c2, 500000, 1440);
	}
	r = june_report(db, f);
	CHECK(r != NULL);
	if (r) {
		const struct report_village *vd = &r->villages[3];
		CHECK_INT(r->stations[1].months_without_data, 9); /* July to March */
		CHECK_INT(r->stations[0].months_without_data, 0);
		CHECK(vd->t.status != TARGET_OK);
		CHECK(has_reason(vd, REASON_MONTHS_WITHOUT_DATA, 1, 9));
		/* The median of two stations is their mean: half the yield of s1 is 2/3 of the
		 * median in May and June; April (data from the 2nd) makes it 661 permille. */
		CHECK_INT(r->stations[1].relative_permille, 661);
		CHECK(has_reason(vd, REASON_LOW_YIELD_T12, 1, 661));
		CHECK(!has_reason(vd, REASON_SHORTFALL, -1, -1));
	}
	report_free(r);
	fleet_free(f);
	store_close(db);
}

static void a_village_short_only_by_its_shares_is_told_so_with_its_capacity(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = two_station_fleet();
	int32_t jun1 = caltime_days(2019, 6, 1), d;
	int64_t c[6] = {0};
	struct report *r;
	for (d = jun1 - 400; d < jun1 + 30; d++) {
		fixture_day(db, "s1", "m1", 1, d, &c[0], 1000000, 1440);
		fixture_day(db, "s1", "inv1", 0, d, &c[1], 500000, 1440);
		fixture_day(db, "s1", "inv2", 0, d, &c[2], 500000, 1440);
		fixture_day(db, "s2", "m1", 1, d, &c[3], 1000000, 1440);
		fixture_day(db, "s2", "inv1", 0, d, &c[4], 500000, 1440);
		fixture_day(db, "s2", "inv2", 0, d, &c[5], 500000, 1440);
	}
	r = june_report(db, f);
	CHECK(r != NULL);
	if (r) {
		const struct report_village *vb = &r->villages[1];
		/* A third of s1 earns 850,000 fen a month: 10.2M a year, below 20M. */
		CHECK_INT(vb->t.status, TARGET_BELOW);
		CHECK_INT(vb->n_reasons, 1);

		CHECK(has_reason(vb, REASON_SHORTFALL, -1, vb->t.t12_fen));
		CHECK_INT(vb->reasons[0].aux, 100000);         /* a third of 300 kW */
		CHECK_INT(r->villages[0].t.status, TARGET_OK); /* va: 1/3 of s1 + 3/4 of s2 */
	}
	report_free(r);
	fleet_free(f);
	store_close(db);
}

static void random_fleets_allocate_exactly_what_the_stations_can_distribute(void)
{
	uint64_t seed = getenv("PVMON_SEED") ? strtoull(getenv("PVMON_SEED"), NULL, 10) : 4711;
	int round, bad = 0;
	fixture_rng_state = seed;
	for (round = 0; round < 12 && !bad; round++) {
		struct store *db = fixture_db(NULL);
		struct fleet *f = fixture_fleet("random");
		int tw = fixture_township(f, "t", "t"), t, nv = (int)fixture_range(1, 15);
		int ns = (int)fixture_range(1, 10), i, j;
		int32_t jun1 = caltime_days(2019, 6, 1);
		struct report *r;
		int64_t dist = 0, alloc = 0;
		char id[32];
		t = fixture_tariff(f, "t", fixture_range(0, 90000), fixture_range(0, 90000));
		if (fixture_range(0, 1))
			fixture_tariff_change(f, t, jun1 + (int32_t)fixture_range(0, 29),
			                      fixture_range(0, 90000), fixture_range(0, 90000));
		for (i = 0; i < nv; i++) {
			snprintf(id, sizeof id, "v%02d", i);
			fixture_village(f, id, id, tw);
		}
		for (i = 0; i < ns; i++) {
			int s, nsh = (int)fixture_range(1, nv < 6 ? nv : 6);
			int64_t c = fixture_range(0, 1000000000);
			int32_t d;
			snprintf(id, sizeof id, "s%02d", i);
			s = fixture_station(f, id, id, fixture_range(1, 500) * 1000, 1, 1, t);
			for (j = 0; j < nsh; j++)
				fixture_share(f, s, (i + j) % nv, fixture_range(1, 1000000));
			f->stations[s].costs.om_fen_per_month = fixture_range(0, 300000);
			f->stations[s].costs.tax_basis_points = fixture_range(0, 1700);
			for (d = jun1; d < jun1 + 30; d++)
				if (fixture_range(0, 9))
					fixture_day(db, id, "m1", 1, d, &c,
					            fixture_range(0, 2500000),
					            (int)fixture_range(0, 1440));
		}
		r = june_report(db, f);
		if (!r) {
			bad = 1;
		} else {
			for (i = 0; i < r->n_stations; i++) {
				dist += r->stations[i].r.distributable_fen;
			}
			for (i = 0; i < r->n_villages; i++) {
				const struct report_village *rv = &r->villages[i];
				alloc += rv->t.month_fen;
				for (j = 0; j < rv->n_parts; j++) {
					const struct report_part *p = &rv->parts[j];
					__int128 err =
					    (__int128)p->fen * p->total_weight -
					    (__int128)r->stations[p->station].r.distributable_fen *
					        p->weight;
					if (err >= p->total_weight || err <= -p->total_weight)
						bad = 1;
				}
			}
			if (dist != alloc || r->totals.allocated_fen != dist)
				bad = 1;
		}
		report_free(r);
		fleet_free(f);
		store_close(db);
	}
	if (bad)
		printf("  failed in round %d with PVMON_SEED=%llu\n", round - 1,
		       (unsigned long long)seed);
	CHECK(!bad);
}

/* Sets a stored day's asleep, offline and fault seconds. */
static void set_state(struct store *db, const char *st, const char *dev, int32_t day,
                      int64_t asleep, int64_t offline, int64_t fault)
{
	struct store_daily d;
	CHECK_INT(store_daily_get(db, st, dev, day, &d), 1);
	d.asleep_s = asleep;
	d.offline_s = offline;
	d.fault_s = fault;
	CHECK_INT(store_daily_put(db, st, dev, &d), 0);
}

static void availability_counts_offline_and_fault_time_against_daylight_and_pr_the_fleet(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = two_station_fleet();
	struct report *r;
	two_station_june(db);
	/* Every inverter asleep 12 h a night: daylight is 2 x 30 x 12 h = 720 inverter-hours.
	 * s2's inv2 is offline 36 h and in fault 36 h of it: 648 / 720 = 90.0 %. The meter's
	 * offline time does not count: availability is about the inverters. */
	{
		int32_t jun1 = caltime_days(2019, 6, 1), d;
		static const char *const st[] = {"s1", "s1", "s2", "s2"};
		static const char *const dev[] = {"inv1", "inv2", "inv1", "inv2"};
		int k;
		for (d = jun1; d < jun1 + 30; d++) {
			for (k = 0; k < 4; k++) {
				int i2 = k == 3;
				set_state(db, st[k], dev[k], d, 43200,
				          i2 && d <= jun1 + 2 ? 43200 : 0,
				          i2 && d >= jun1 + 10 && d <= jun1 + 12 ? 43200 : 0);
			}
			set_state(db, "s1", "m1", d, 0, 86400, 0);
		}
	}
	r = june_report(db, f);
	CHECK(r != NULL);
	if (r) {
		CHECK_INT(r->stations[0].availability_permille, 1000);
		CHECK_INT(r->stations[1].availability_permille, 900);
		/* The fleet: 1440 inverter-hours of daylight, 72 down: 95.0 %. */
		CHECK_INT(r->availability_permille, 950);
		/* Yields 100 and 50 kWh/kWp, median 75: PR estimates 133.3 % and 66.6 %. */
		CHECK_INT(r->stations[0].pr_permille, 1333);
		CHECK_INT(r->stations[1].pr_permille, 666);
		/* The inverter down longest is named, with how many of how many were down. */
		CHECK_INT(r->stations[1].e.inv_down, 1);
		CHECK_INT(r->stations[1].e.worst_offline_s, 3 * 43200);
		CHECK_INT(r->stations[1].e.worst_fault_s, 3 * 43200);
		{
			struct report_reason x = {.kind = REASON_OFFLINE,
			                          .station = 1,
			                          .value = r->stations[1].e.offline_s,
			                          .ref = r->stations[1].e.inv_down,
			                          .aux = r->stations[1].e.worst_offline_s};
			char buf[512];
			r->lang = MSG_ZH;
			format_reason_describe(r, &x, buf, sizeof buf);
			CHECK_STR(buf,
			          "西坡电站：2 台逆变器中有 1 台本月长时间不响应（inv2 离线 36 "
			          "小时，约 1.5 天），请检查逆变器供电和 RS-485 通信线");
			r->lang = MSG_EN;
			format_reason_describe(r, &x, buf, sizeof buf);
			CHECK_STR(
			    buf,
			    "西坡电站: 1 of its 2 inverters did not answer for long this month "
			    "(inv2 offline 36 h, about 1.5 days); check the inverters' power and "
			    "the RS-485 line");
		}
		CHECK_INT(r->stations[0].days_wh[0], 1000000);
		CHECK_INT(r->stations[1].days_wh[29], 500000);
	}
	report_free(r);
	fleet_free(f);
	store_close(db);
}

/* Marks days [from, from + n) of a device's June rows with alarm bits and their map. */
static void set_alarms(struct store *db, const char *st, const char *dev, int from, int n,
                       uint64_t bits)
{
	int32_t d, jun1 = caltime_days(2019, 6, 1);
	struct store_daily row;
	for (d = jun1 + from - 1; d < jun1 + from - 1 + n; d++) {
		CHECK_INT(store_daily_get(db, st, dev, d, &row), 1);
		row.alarms |= bits;
		snprintf(row.alarm_map, sizeof row.alarm_map, "huawei-sun2000@1");
		CHECK_INT(store_daily_put(db, st, dev, &row), 0);
	}
}

/* Renders r with fn into a new string. */
static char *rendered(const struct report *r, int (*fn)(const struct report *, FILE *))
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	CHECK_INT(fn(r, m), 0);
	fclose(m);
	return buf;
}

static void named_alarms_show_per_station_and_in_the_reasons_in_both_languages(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = two_station_fleet();
	struct profile_set *ps;
	char *cause = NULL, dir[512], buf[512];
	const char *root = getenv("PVMON_ROOT");
	int lang, k;
	snprintf(dir, sizeof dir, "%s/config/profiles", root ? root : ".");
	ps = profile_set_load(dir, &cause);
	CHECK(ps != NULL);
	free(cause);
	if (!ps)
		goto done;
	/* A small month: every village is below target, so s1's alarms are among its reasons. */
	june_days(db, "s1", "m1", 1, 100000);
	june_days(db, "s1", "inv1", 0, 50000);
	june_days(db, "s1", "inv2", 0, 50000);
	set_alarms(db, "s1", "inv2", 3, 5, UINT64_C(1) << 9); /* grid overvoltage, 5 days */
	set_alarms(db, "s1", "inv2", 20, 2,
	           UINT64_C(1) << 47); /* a bit the profile does not name */
	for (lang = 0; lang < MSG_LANG_COUNT; lang++) {
		struct report_params p = {.year = 2019,
		                          .month = 6,
		                          .timezone = "Asia/Shanghai",
		                          .target_fen_per_year = 20000000,
		                          .expected_interval_s = 60,
		                          .meter_tolerance_permille = 50,
		                          .lang = (enum msg_lang)lang,
		                          .profiles = ps};
		struct report *r = report_build(db, f, &p, &cause);
		const struct report_village *va = NULL;
		char *text, *json;
		int found = 0;
		CHECK(r != NULL);
		if (!r) {
			printf("  %s\n", cause);
			free(cause);
			break;
		}
		CHECK_INT(r->stations[0].n_alarms, 2);
		CHECK_INT(r->stations[1].n_alarms, 0);
		CHECK_INT(r->stations[0].alarms[0].days, 5);
		CHECK_INT(r->stations[0].alarms[0].bit, 9);
		CHECK_STR(r->stations[0].alarms[0].name,
		          lang == MSG_ZH ? "电网过压" : "grid overvoltage");
		CHECK_INT(r->stations[0].alarms[1].days, 2);
		CHECK(r->stations[0].alarms[1].name == NULL);
		for (k = 0; k < r->n_villages; k++)
			if (!strcmp(r->villages[k].v->id, "vb"))
				va = &r->villages[k];
		CHECK(va != NULL);
		for (k = 0; va && k < va->n_reasons; k++) {
			if (va->reasons[k].kind != REASON_ALARM)
				continue;
			format_reason_describe(r, &va->reasons[k], buf, sizeof buf);
			if (found++ == 0)
				CHECK_STR(buf, lang == MSG_ZH
				                   ? "联村电站：逆变器 inv2 报告 电网过压 告警 5 "
				                     "天，请运维人员按告警处理"
				                   : "联村电站: inverter inv2 reported grid "
				                     "overvoltage on 5 days; "
				                     "have the O&M team act on the alarm");
			else
				CHECK(strstr(buf, lang == MSG_ZH ? "告警位 47 告警 2 天"
				                                 : "alarm bit 47 on 2 days"));
		}
		CHECK_INT(found, 2);
		text = rendered(r, render_text);
		CHECK(text && strstr(text, lang == MSG_ZH ? "设备告警" : "Device alarms"));
		CHECK(text && strstr(text, lang == MSG_ZH ? "电网过压" : "grid overvoltage"));
		json = rendered(r, render_json);
		/* stable English name and the text in the report's language */
		CHECK(json && strstr(json, "\"device\": \"inv2\",\n          \"bit\": 9,\n"
		                           "          \"days\": 5,\n"
		                           "          \"name\": \"grid overvoltage\",\n"));
		CHECK(json && strstr(json, lang == MSG_ZH ? "\"text\": \"电网过压\""
		                                          : "\"text\": \"grid overvoltage\""));
		CHECK(json && strstr(json, "\"name\": \"alarm bit 47\""));
		free(text);
		free(json);
		text = rendered(r, render_html);
		CHECK(text && strstr(text, lang == MSG_ZH ? "<h2>设备告警</h2>"
		                                          : "<h2>Device alarms</h2>"));
		CHECK(text && strstr(text, lang == MSG_ZH ? "电网过压" : "grid overvoltage"));
		free(text);
		{
			/* The workbook's and CSV's stations table gains the alarms column. */
			struct report_table *tb = report_table_build(r, RSEC_STATIONS);
			const struct rt_cell *c = report_table_cell(tb, 0, tb->ncols - 1);
			CHECK_INT(tb->ncols, 16);
			CHECK_STR(tb->heads[tb->ncols - 1], "report.col.alarms");
			CHECK_STR(c->s,
			          lang == MSG_ZH
			              ? "inv2 电网过压 5 天；inv2 告警位 47 2 天"
			              : "inv2 grid overvoltage 5 days; inv2 alarm bit 47 2 days");
			c = report_table_cell(tb, 1, tb->ncols - 1);
			CHECK(c->kind == RT_EMPTY);
			report_table_free(tb);
		}
		report_free(r);
	}
done:
	profile_set_free(ps);
	fleet_free(f);
	store_close(db);
}

static void an_inverter_down_since_an_earlier_month_is_said_to_be_down_since_that_day(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = two_station_fleet();
	int32_t d, may1 = caltime_days(2019, 5, 1), jun1 = caltime_days(2019, 6, 1);
	int64_t c1 = 1000000, c2 = 1000000, cm = 1000000;
	char buf[512];
	int lang, k, found;
	for (d = may1; d < jun1 + 30; d++) {
		fixture_day(db, "s1", "m1", 1, d, &cm, 100000, 1440);
		fixture_day(db, "s1", "inv1", 0, d, &c1, 50000, 1440);
		if (d < may1 + 20) {
			fixture_day(db, "s1", "inv2", 0, d, &c2, 50000, 1440);
		} else {
			/* from 21 May: answers nothing, the collector records it offline */
			struct fix_day x = {"s1",     "inv2",   d, 0, 1440, FIX_NULL, FIX_NULL,
			                    FIX_NULL, FIX_NULL, 0, 0, 0,    86400,    0};
			fixture_insert(db, &x);
		}
	}
	for (lang = 0; lang < MSG_LANG_COUNT; lang++) {
		struct report_params p = {.year = 2019,
		                          .month = 6,
		                          .timezone = "Asia/Shanghai",
		                          .target_fen_per_year = 20000000,
		                          .expected_interval_s = 60,
		                          .meter_tolerance_permille = 50,
		                          .lang = (enum msg_lang)lang,
		                          .profiles = NULL};
		char *cause = NULL;
		struct report *r = report_build(db, f, &p, &cause);
		CHECK(r != NULL);
		if (!r) {
			printf("  %s\n", cause);
			free(cause);
			break;
		}
		CHECK_INT(r->stations[0].down_since_day, may1 + 20);
		CHECK_INT(r->stations[1].down_since_day, 0);
		found = 0;
		for (k = 0; k < r->villages[1].n_reasons; k++) {
			if (r->villages[1].reasons[k].kind != REASON_OFFLINE)
				continue;
			format_reason_describe(r, &r->villages[1].reasons[k], buf, sizeof buf);
			CHECK(strstr(buf, lang == MSG_ZH
			                      ? "inv2 自 2019-05-21 起未发电"
			                      : "inv2 has produced nothing since 2019-05-21"));
			found++;
		}
		CHECK_INT(found, 1);
		report_free(r);
	}
	fleet_free(f);
	store_close(db);
}

/* Gives station st an irradiance sensor "irr" (the fleet's devices end with it). */
static void add_sensor(struct fleet *f, int st)
{
	struct fleet_station *s = &f->stations[st];
	s->devices = xrealloc(s->devices, sizeof *s->devices * (size_t)(s->n_devices + 1));
	memset(&s->devices[s->n_devices], 0, sizeof s->devices[0]);
	s->devices[s->n_devices].id = xstrdup("irr");
	s->devices[s->n_devices].kind = READING_SENSOR;
	s->n_devices++;
	s->sensor = xstrdup("irr");
}

/* A sensor's daily row (docs/storage.md): insolation in delta, gaps in excluded. */
static void sun_day(struct store *db, const char *st, int32_t day, int64_t whm2, int64_t gaps)
{
	struct fix_day d;
	memset(&d, 0, sizeof d);
	d.station = st;
	d.device = "irr";
	d.day = day;
	d.kind = READING_SENSOR;
	d.n = 1440;
	d.first_ts = d.first_wh = d.last_ts = d.last_wh = FIX_NULL;
	d.delta = whm2;
	d.excluded = gaps;
	fixture_insert(db, &d);
}

static void a_sensor_gives_the_measured_performance_ratio_over_the_days_it_covered(void)
{
	struct store *db = fixture_db(NULL);
	struct fleet *f = two_station_fleet();
	struct report *r;
	int32_t jun1 = caltime_days(2019, 6, 1), d;
	add_sensor(f, 1);
	two_station_june(db);
	/* 28 days of 2 kWh/m², one with a gap the roll-ups did not integrate, one without a row */
	for (d = jun1; d < jun1 + 29; d++)
		sun_day(db, "s2", d, 2000, d == jun1 + 28);
	r = june_report(db, f);
	CHECK(r != NULL);
	if (r) {
		const struct report_station *rs = &r->stations[1];
		char buf[512], *out;
		struct report_table *tb;
		CHECK_INT(rs->e.sensor_days, 28);
		CHECK_INT(rs->e.insolation_whm2, 56000);
		CHECK_INT(rs->e.insolation_energy_wh, 28 * 500000);
		/* 14,000 kWh / (300 kWp x 56 kWh/m² / 1 kW/m²) = 83.3 % */
		CHECK_INT(rs->pr_true_permille, 833);
		CHECK_INT(rs->sun_whm2[0], 2000);
		CHECK_INT(rs->sun_whm2[28], -1);
		CHECK_INT(rs->sun_whm2[29], -1);
		CHECK_INT(r->stations[0].pr_true_permille, -1);
		CHECK_INT(r->n_sensor_stations, 1);
		CHECK_INT(r->pr_true_permille, 833);
		/* the sensor is not an inverter, and its rows are not energy */
		CHECK_INT(rs->e.inverters, 2);
		CHECK_INT(rs->availability_permille, 1000);
		CHECK_INT(rs->e.energy_wh, 30 * 500000);
		CHECK_INT(rs->e.excluded, 0);
		CHECK_INT(rs->e.readings, 4 * 30 * 1440 - 1440);
		/* low yield against the fleet, but the sun was short: the sensor tells */
		{
			struct report_reason x = {.kind = REASON_LOW_YIELD,
			                          .station = 1,
			                          .value = rs->yield_wh_per_kwp,
			                          .ref = r->median_yield_wh_per_kwp};
			format_reason_describe(r, &x, buf, sizeof buf);
			CHECK_STR(buf,
			          "西坡电站: yield 33% below comparable stations this month (50.0 "
			          "against a median of 75.0 kWh/kWp), but its measured "
			          "performance ratio is 83.3% (insolation 56.0 kWh/m²): less sun "
			          "there, the equipment works");
			r->stations[1].pr_true_permille = 612;
			r->lang = MSG_ZH;
			format_reason_describe(r, &x, buf, sizeof buf);
			CHECK_STR(buf,
			          "西坡电站：本月发电量比同类电站低 33%（50.0 对中位数 75.0 "
			          "kWh/kWp），实测性能比仅 61.2%（日照 56.0 "
			          "kWh/m²）：日照正常而发电偏低，请检查组件积灰、遮挡或组串故障");
			r->stations[1].pr_true_permille = 833;
			r->lang = MSG_EN;
		}
		out = rendered(r, render_json);
		CHECK(out && strstr(out, "\"sensor\": {\n        \"device\": \"irr\",\n"
		                         "        \"days\": 28,\n"
		                         "        \"insolation_whm2\": 56000,\n"
		                         "        \"energy_wh\": 14000000,\n"
		                         "        \"pr_permille\": 833,\n"));
		CHECK(out && strstr(out, "\"sensor_stations\": 1,\n  \"pr_permille\": 833,"));
		free(out);
		out = rendered(r, render_text);
		CHECK(out && strstr(out, "Irradiance and measured performance ratio"));
		CHECK(out && strstr(out, "28 / 30"));
		free(out);
		out = rendered(r, render_html);
		CHECK(out && strstr(out, "<h2>Irradiance and measured performance ratio</h2>"));
		CHECK(out && strstr(out, ">83.3%</strong>"));
		free(out);
		tb = report_table_build(r, RSEC_SENSORS);
		CHECK_INT(tb->nrows, 1);
		CHECK_INT(tb->ncols, 8);
		CHECK_STR(report_table_cell(tb, 0, 0)->s, "s2");
		CHECK_INT(report_table_cell(tb, 0, 3)->v, 28);
		CHECK_INT(report_table_cell(tb, 0, 5)->v, 56000);
		CHECK_INT(report_table_cell(tb, 0, 7)->v, 833);
		report_table_free(tb);
	}
	report_free(r);
	fleet_free(f);
	store_close(db);
}

int main(void)
{
	caltime_set_zone("Asia/Shanghai");
	RUN(a_village_with_shares_in_two_stations_gets_its_part_of_each);
	RUN(a_joint_station_with_remainders_splits_to_the_fen_in_the_report);
	RUN(a_deficit_month_shows_the_deficit_and_names_it_as_a_reason);
	RUN(a_station_without_data_is_a_reason_for_its_villages);
	RUN(earlier_months_without_data_and_a_weak_year_are_reasons_too);
	RUN(a_village_short_only_by_its_shares_is_told_so_with_its_capacity);
	RUN(random_fleets_allocate_exactly_what_the_stations_can_distribute);
	RUN(every_flagged_station_is_counted_even_for_a_counter_reset_only);
	RUN(availability_counts_offline_and_fault_time_against_daylight_and_pr_the_fleet);
	RUN(named_alarms_show_per_station_and_in_the_reasons_in_both_languages);
	RUN(an_inverter_down_since_an_earlier_month_is_said_to_be_down_since_that_day);
	RUN(a_sensor_gives_the_measured_performance_ratio_over_the_days_it_covered);
	return harness_end();
}
