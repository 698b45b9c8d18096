/*
 * Tests for station energy across silent stretches: whatever the gap around a month end or
 * the window's start, each month gets exactly the counter's rise between its local
 * midnights (interpolated inside a gap), so consecutive months add up to the counter.
 */
#include "energy.h"
#include "fleet.h"
#include "harness.h"
#include "test_report_fixture.h"

#define H 3600000LL
#define MIN 60000LL
#define MAX_READINGS 4096
#define MAX_GAPS 8

/* One device's good counter readings, in time order. */
struct trace {
	const char *station, *device;
	int kind;
	int64_t cap_w;
	int n;
	int64_t ts[MAX_READINGS], wh[MAX_READINGS];
};

/* A stretch without readings: [from_ms, to_ms). */
struct gap {
	int64_t from_ms, to_ms;
};

/* Hourly readings 06:00-19:00 local from day first to day last, none inside the gaps. */
static void trace_fill(struct trace *t, int32_t first, int32_t last, const struct gap *g,
                       int n_gaps, int64_t seed_wh)
{
	int64_t wh = seed_wh;
	int32_t d;
	int h, i;
	t->n = 0;
	for (d = first; d <= last; d++) {
		for (h = 6; h <= 19; h++) {
			int64_t ts =
			    caltime_local_midnight_ms(d) + h * H + fixture_range(0, 59) * MIN;
			int silent = 0;
			/* the counter runs on in a gap: only the readings are missing */
			wh += h == 6 ? 0 : fixture_range(0, t->cap_w / 4);
			for (i = 0; i < n_gaps; i++)
				silent |= ts >= g[i].from_ms && ts < g[i].to_ms;
			if (silent || t->n == MAX_READINGS)
				continue;
			t->ts[t->n] = ts;
			t->wh[t->n] = wh;
			t->n++;
		}
	}
}

/*
 * Writes the daily rows ingest keeps for the trace: first and last good reading of each
 * local day, and the whole increment since the previous good reading booked on the day
 * of the later one (docs/storage.md).
 */
static void trace_store(struct store *db, const struct trace *t)
{
	int i = 0;
	while (i < t->n) {
		int hour, j = i;
		int32_t day = caltime_local_day(t->ts[i], &hour);
		struct fix_day d;
		while (j + 1 < t->n && caltime_local_day(t->ts[j + 1], &hour) == day)
			j++;
		memset(&d, 0, sizeof d);
		d.station = t->station;
		d.device = t->device;
		d.day = day;
		d.kind = t->kind;
		d.n = j - i + 1;
		d.first_ts = t->ts[i];
		d.first_wh = t->wh[i];
		d.last_ts = t->ts[j];
		d.last_wh = t->wh[j];
		d.delta = t->wh[j] - (i > 0 ? t->wh[i - 1] : t->wh[i]);
		fixture_insert(db, &d);
		i = j + 1;
	}
}

/* The counter at ms, interpolated between the good readings around it (the oracle). */
static int64_t trace_at(const struct trace *t, int64_t ms)
{
	int i;
	if (t->n == 0 || ms <= t->ts[0])
		return t->n ? t->wh[0] : 0;
	for (i = 1; i < t->n; i++)
		if (t->ts[i] >= ms)
			return t->wh[i - 1] + energy_split_boundary(t->ts[i - 1], t->wh[i - 1],
			                                            t->ts[i], t->wh[i], ms,
			                                            t->cap_w);
	return t->wh[t->n - 1];
}

/* The counters' rise over local days [from, to) summed over devices. */
static int64_t traces_rise(struct trace *const *t, int n, int32_t from, int32_t to)
{
	int64_t sum = 0;
	int i;
	for (i = 0; i < n; i++)
		sum += trace_at(t[i], caltime_local_midnight_ms(to)) -
		       trace_at(t[i], caltime_local_midnight_ms(from));
	return sum;
}

static struct energy *load(struct store *db, const struct fleet *f, int year, int month,
                           int n_months)
{
	struct energy_params p = {year, month, n_months, 3600, 50, 0};
	char *cause = NULL;
	struct energy *e = energy_load(db, f, &p, &cause);
	if (!e)
		printf("  energy_load: %s\n", cause);
	free(cause);
	return e;
}

/* The settlement energy of month (year, month) from a window of n months ending then. */
static int64_t month_energy(struct store *db, const struct fleet *f, int station, int year,
                            int month, int n_months, enum energy_source *source)
{
	struct energy *e = load(db, f, year, month, n_months);
	int64_t wh = -1;
	if (e) {
		const struct energy_month *m = energy_month_get(e, station, n_months - 1);
		wh = m->energy_wh;
		if (source)
			*source = m->source;
	}
	energy_free(e);
	return wh;
}

static int64_t at(int y, int m, int d, int hour, int minute)
{
	return caltime_local_midnight_ms(caltime_days(y, m, d)) + hour * H + minute * MIN;
}

static struct fleet *meter_fleet(void)
{
	struct fleet *f = fixture_fleet("test");
	fixture_station(f, "s1", "s1", 300000, 1, 0, fixture_tariff(f, "t", 33200, 51800));
	return f;
}

static void a_meter_silent_across_the_month_end_books_the_gap_in_both_months(void)
{
	static struct trace m = {"s1", "m1", READING_METER, 300000, 0, {0}, {0}};
	struct trace *all[] = {&m};
	struct store *db = fixture_db(NULL);
	struct fleet *f = meter_fleet();
	struct gap g = {at(2019, 6, 29, 12, 15), at(2019, 7, 2, 12, 0)};
	int32_t jun1 = caltime_days(2019, 6, 1), jul1 = caltime_days(2019, 7, 1);
	int32_t aug1 = caltime_days(2019, 8, 1);
	int64_t june, july;

	fixture_rng_state = 7;
	trace_fill(&m, caltime_days(2019, 5, 1), caltime_days(2019, 8, 31), &g, 1, 1000000);
	trace_store(db, &m);
	june = month_energy(db, f, 0, 2019, 6, 1, NULL);
	july = month_energy(db, f, 0, 2019, 7, 1, NULL);
	/* June gets the gap's part before 1 July 00:00 although no row of 1 July exists */
	CHECK_INT(june, traces_rise(all, 1, jun1, jul1));
	CHECK_INT(july, traces_rise(all, 1, jul1, aug1));
	CHECK_INT(june + july, traces_rise(all, 1, jun1, aug1));
	/* the same from a twelve-month window: the month does not depend on the window */
	CHECK_INT(month_energy(db, f, 0, 2019, 6, 12, NULL), june);
	fleet_free(f);
	store_close(db);
}

static void a_gap_across_the_window_start_is_split_at_its_first_midnight(void)
{
	static struct trace m = {"s1", "m1", READING_METER, 300000, 0, {0}, {0}};
	struct trace *all[] = {&m};
	struct store *db = fixture_db(NULL);
	struct fleet *f = meter_fleet();
	/* twelve days silent, longer than any fixed look-back of a week */
	struct gap g = {at(2019, 5, 22, 9, 0), at(2019, 6, 3, 15, 30)};
	int32_t jun1 = caltime_days(2019, 6, 1), jul1 = caltime_days(2019, 7, 1);

	fixture_rng_state = 11;
	trace_fill(&m, caltime_days(2019, 4, 1), caltime_days(2019, 7, 31), &g, 1, 5000000);
	trace_store(db, &m);
	CHECK_INT(month_energy(db, f, 0, 2019, 6, 1, NULL), traces_rise(all, 1, jun1, jul1));
	CHECK_INT(month_energy(db, f, 0, 2019, 6, 2, NULL), traces_rise(all, 1, jun1, jul1));
	fleet_free(f);
	store_close(db);
}

static void the_inverter_fallback_finds_the_readings_beyond_its_month(void)
{
	static struct trace m = {"s1", "m1", READING_METER, 300000, 0, {0}, {0}};
	static struct trace i1 = {"s1", "inv1", READING_INVERTER, 150000, 0, {0}, {0}};
	static struct trace i2 = {"s1", "inv2", READING_INVERTER, 150000, 0, {0}, {0}};
	struct trace *inv[] = {&i1, &i2}, *met[] = {&m};
	struct store *db = fixture_db(NULL);
	struct fleet *f = fixture_fleet("test");
	/* the meter is gone for all of July; both inverters are silent across 1 August */
	struct gap gm = {at(2019, 6, 28, 12, 0), at(2019, 8, 3, 10, 0)};
	struct gap g1[] = {{at(2019, 6, 29, 14, 0), at(2019, 7, 1, 7, 0)},
	                   {at(2019, 7, 30, 11, 0), at(2019, 8, 2, 16, 0)}};
	struct gap g2 = {at(2019, 7, 28, 8, 0), at(2019, 8, 9, 9, 0)};
	int32_t jun1 = caltime_days(2019, 6, 1), jul1 = caltime_days(2019, 7, 1);
	int32_t aug1 = caltime_days(2019, 8, 1);
	enum energy_source src = ENERGY_NONE;

	fixture_station(f, "s1", "s1", 300000, 1, 2, fixture_tariff(f, "t", 33200, 51800));
	fixture_rng_state = 13;
	trace_fill(&m, caltime_days(2019, 5, 1), caltime_days(2019, 8, 31), &gm, 1, 9000000);
	trace_fill(&i1, caltime_days(2019, 5, 1), caltime_days(2019, 8, 31), g1, 2, 4000000);
	trace_fill(&i2, caltime_days(2019, 5, 1), caltime_days(2019, 8, 31), &g2, 1, 3000000);
	trace_store(db, &m);
	trace_store(db, &i1);
	trace_store(db, &i2);
	/* July falls back to the inverters, read for July only: their gaps reach out of it */
	CHECK_INT(month_energy(db, f, 0, 2019, 7, 1, &src), traces_rise(inv, 2, jul1, aug1));
	CHECK_INT(src, ENERGY_INVERTERS);
	/* August is the meter's again: its part of the meter's gap is August's */
	CHECK_INT(month_energy(db, f, 0, 2019, 8, 3, &src),
	          traces_rise(met, 1, aug1, caltime_days(2019, 9, 1)));
	CHECK_INT(src, ENERGY_METER);
	/* June settles on the meter, whose next reading is in August */
	CHECK_INT(month_energy(db, f, 0, 2019, 6, 1, &src), traces_rise(met, 1, jun1, jul1));
	CHECK_INT(src, ENERGY_METER);
	fleet_free(f);
	store_close(db);
}

/*
 * Property: for random gaps around month ends, on a meter station, an inverter station
 * and a station falling back to its inverters, every month of every window equals the
 * counters' rise between its midnights, so consecutive months add up to the rise.
 */
static void consecutive_months_add_up_to_the_counter_rise_for_random_gaps(void)
{
	static struct trace t[5] = {
	    {"s1", "m1", READING_METER, 300000, 0, {0}, {0}},
	    {"s2", "inv1", READING_INVERTER, 100000, 0, {0}, {0}},
	    {"s2", "inv2", READING_INVERTER, 100000, 0, {0}, {0}},
	    {"s3", "inv1", READING_INVERTER, 100000, 0, {0}, {0}},
	    {"s3", "inv2", READING_INVERTER, 100000, 0, {0}, {0}},
	};
	/* the months checked; their neighbours (April, September) hold data too */
	static const int months[] = {5, 6, 7, 8};
	const char *env = getenv("PVMON_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 10) : 20190601;
	int iter, bad = 0;

	printf("  seed %llu (PVMON_TEST_SEED=N to repeat)\n", (unsigned long long)seed);
	fixture_rng_state = seed ? seed : 1;
	for (iter = 0; iter < 12 && !bad; iter++) {
		struct store *db = fixture_db(NULL);
		struct fleet *f = fixture_fleet("test");
		int tariff = fixture_tariff(f, "t", 33200, 51800), i, k, n;
		fixture_station(f, "s1", "s1", 300000, 1, 0, tariff);
		fixture_station(f, "s2", "s2", 200000, 0, 2, tariff);
		fixture_station(f, "s3", "s3", 200000, 1, 2, tariff); /* its meter never reports */
		for (i = 0; i < 5; i++) {
			struct gap g[MAX_GAPS];
			int ng = 0, b;
			/* around each month end from May to September, maybe a gap of up to 12
			 * days each side, at any time of day */
			for (b = 5; b <= 9; b++) {
				int64_t edge = at(2019, b, 1, 0, 0);
				if (fixture_range(0, 1) == 0)
					continue;
				g[ng].from_ms = edge - fixture_range(1, 12 * 24 * 60) * MIN;
				g[ng].to_ms = edge + fixture_range(1, 12 * 24 * 60) * MIN;
				ng++;
			}
			trace_fill(&t[i], caltime_days(2019, 4, 1), caltime_days(2019, 9, 30), g,
			           ng, fixture_range(0, 1000000000));
			trace_store(db, &t[i]);
		}
		for (k = 0; k < 4 && !bad; k++) {
			for (n = 1; n <= 3 && !bad; n++) {
				struct energy *e = load(db, f, 2019, months[k], n);
				int j;
				if (!e) {
					bad = 1;
					break;
				}
				for (j = 0; j < n; j++) {
					int y, mo, d1, days;
					int32_t from = energy_month_first_day(e, j, &days);
					int64_t want[3];
					caltime_civil(from, &y, &mo, &d1);
					if (mo < 5)
						continue; /* no data before April: nothing to
						             compare */
					want[0] = traces_rise(&(struct trace *){&t[0]}, 1, from,
					                      from + days);
					want[1] = traces_rise((struct trace *[]){&t[1], &t[2]}, 2,
					                      from, from + days);
					want[2] = traces_rise((struct trace *[]){&t[3], &t[4]}, 2,
					                      from, from + days);
					for (i = 0; i < 3; i++) {
						int64_t got = energy_month_get(e, i, j)->energy_wh;
						if (got != want[i]) {
							printf("  iteration %d, window of %d "
							       "ending 2019-%02d, "
							       "s%d 2019-%02d: %lld Wh, the "
							       "counters rose %lld\n",
							       iter, n, months[k], i + 1, mo,
							       (long long)got, (long long)want[i]);
							bad = 1;
						}
					}
				}
				energy_free(e);
			}
		}
		fleet_free(f);
		store_close(db);
	}
	CHECK_INT(bad, 0);
}

int main(void)
{
	caltime_set_zone("Asia/Shanghai");
	RUN(a_meter_silent_across_the_month_end_books_the_gap_in_both_months);
	RUN(a_gap_across_the_window_start_is_split_at_its_first_midnight);
	RUN(the_inverter_fallback_finds_the_readings_beyond_its_month);
	RUN(consecutive_months_add_up_to_the_counter_rise_for_random_gaps);
	return harness_end();
}
