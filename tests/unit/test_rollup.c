/*
 * Tests for the roll-ups: hand-made cases for each rule, and a random stream
 * (out of order, duplicates, resets, zero reads, jumps, gaps) whose roll-ups
 * must equal a direct computation over the raw readings.
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "rollup.h"
#include "store.h"
#include "store_testing.h"
#include "caltime.h"
#include "harness.h"
#include "util.h"

static char dir[] = "/tmp/pvmon-test-rollup.XXXXXX";
/* 2019-06-01 00:00 in Asia/Shanghai */
static const int64_t T0 = INT64_C(1559318400000);

static struct store *fresh(const char *name)
{
	char path[256], *cause = NULL;
	struct store *s;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	s = store_open(path, &cause);
	if (!s)
		printf("  %s\n", cause);
	return s;
}

static int64_t cap_10kw(void *ctx, const char *station, const char *device)
{
	(void)ctx;
	(void)station;
	return device[0] == 'm' ? 0 : 10000;
}

static struct reading mk(const char *device, int64_t seq, int64_t ts, int64_t wh)
{
	struct reading r = {0};
	r.seq = (uint64_t)seq;
	r.ts_ms = ts;
	util_strlcpy(r.gw, "gw1", sizeof r.gw);
	util_strlcpy(r.station, "st1", sizeof r.station);
	util_strlcpy(r.device, device, sizeof r.device);
	r.state = STATE_PRODUCING;
	r.has = READING_HAS_ENERGY;
	r.energy_wh = wh;
	return r;
}

static void put_all(struct store *s, struct rollup *ru, struct reading *rs, int n)
{
	int i;
	store_begin(s);
	for (i = 0; i < n; i++)
		CHECK(rollup_put(ru, &rs[i]) >= 0);
	CHECK_INT(rollup_flush(ru), 0);
	CHECK_INT(store_commit(s), 0);
}

static void resets_zero_reads_and_jumps_add_no_energy(void)
{
	struct store *s = fresh("rules.db");
	struct rollup_conf c = {.expected_interval_s = 60, .capacity = cap_10kw};
	struct rollup *ru;
	struct store_daily d;
	int64_t m = 60000, base = T0 + 10 * 3600000;
	struct reading rs[7];
	if (!s)
		return;
	ru = rollup_new(s, &c);
	rs[0] = mk("inv1", 1, base, 1000);
	rs[1] = mk("inv1", 2, base + m, 1100);
	rs[2] = mk("inv1", 3, base + 2 * m, 0);
	rs[2].quality = QUALITY_COUNTER_ZERO;
	rs[3] = mk("inv1", 4, base + 3 * m, 1200);
	rs[4] = mk("inv1", 5, base + 4 * m, 50); /* replaced inverter: a new segment */
	rs[5] = mk("inv1", 6, base + 5 * m, 80);
	rs[6] = mk("inv1", 7, base + 6 * m, 80 + 50000000); /* 50 MWh in a minute on 10 kW */
	put_all(s, ru, rs, 7);
	CHECK_INT(store_daily_get(s, "st1", "inv1", caltime_local_day(base, &(int){0}), &d), 1);
	CHECK_INT(d.delta_wh, 100 + 100 + 30);
	CHECK_INT(d.resets, 1);
	CHECK_INT(d.excluded, 2);
	CHECK_INT(d.n_readings, 7);
	CHECK_INT(d.first_wh, 1000);
	CHECK_INT(d.last_wh, 80 + 50000000);
	rollup_free(ru);
	store_close(s);
}

static void state_time_goes_to_the_earlier_reading_and_is_capped(void)
{
	struct store *s = fresh("state.db");
	struct rollup_conf c = {.expected_interval_s = 60};
	struct rollup *ru;
	struct store_daily d;
	struct reading rs[4];
	int h;
	if (!s)
		return;
	ru = rollup_new(s, &c);
	rs[0] = mk("inv1", 1, T0 + 3600000, 10);
	rs[0].state = STATE_SLEEPING;
	rs[1] = mk("inv1", 2, T0 + 3600000 + 60000, 10);
	rs[1].state = STATE_FAULT;
	rs[2] = mk("inv1", 3, T0 + 3600000 + 90000, 10);
	rs[2].state = STATE_OFFLINE;
	rs[3] = mk("inv1", 4, T0 + 7200000, 10); /* an hour later: capped at 3 x 60 s */
	put_all(s, ru, rs, 4);
	CHECK_INT(store_daily_get(s, "st1", "inv1", caltime_local_day(T0 + 3600000, &h), &d), 1);
	CHECK_INT(d.asleep_s, 60);
	CHECK_INT(d.fault_s, 30);
	CHECK_INT(d.offline_s, 180);
	rollup_free(ru);
	store_close(s);
}

static void an_increment_across_midnight_belongs_to_the_later_day(void)
{
	struct store *s = fresh("midnight.db");
	struct rollup *ru;
	struct store_daily d;
	struct store_hourly hr;
	struct reading rs[2];
	int h;
	int32_t day;
	if (!s)
		return;
	ru = rollup_new(s, NULL);
	rs[0] = mk("inv1", 1, T0 - 30000, 500);
	rs[1] = mk("inv1", 2, T0 + 30000, 520);
	put_all(s, ru, rs, 2);
	day = caltime_local_day(T0, &h);
	CHECK_INT(h, 0);
	CHECK_INT(store_daily_get(s, "st1", "inv1", day, &d), 1);
	CHECK_INT(d.delta_wh, 20);
	CHECK_INT(store_daily_get(s, "st1", "inv1", day - 1, &d), 1);
	CHECK_INT(d.delta_wh, 0);
	CHECK_INT(d.last_wh, 500);
	CHECK_INT(store_hourly_get(s, "st1", "inv1", day, 0, &hr), 1);
	CHECK_INT(hr.wh, 20);
	rollup_free(ru);
	store_close(s);
}

/* ---- the random stream and its reference ---- */

#define NDEV 3
#define NREAD 6000
static const char *const devs[NDEV] = {"inv1", "inv2", "meter"};

static uint64_t rng = 88172645463325252u;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct ref_day {
	int used;
	int64_t n, delta, resets, excluded, peak, asleep, offline, fault;
	int has_peak, has_first;
	int64_t first_wh, last_wh;
	int64_t hour_wh[24], hour_n[24];
};

#define REF_DAYS 8

static int cmp_key(const void *a, const void *b)
{
	const struct reading *x = a, *y = b;
	int c = strcmp(x->device, y->device);
	if (c)
		return c;
	if (x->ts_ms != y->ts_ms)
		return x->ts_ms < y->ts_ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The rules of docs/storage.md applied directly to a device's sorted readings. */
static void reference(const struct reading *rs, int n, int64_t cap, int32_t day0,
                      struct ref_day *out)
{
	int i, h;
	const struct reading *prev = NULL, *good = NULL;
	for (i = 0; i < n; i++) {
		const struct reading *r = &rs[i];
		struct ref_day *d = &out[caltime_local_day(r->ts_ms, &h) - day0];
		d->used = 1;
		if (prev) {
			int hp;
			struct ref_day *pd = &out[caltime_local_day(prev->ts_ms, &hp) - day0];
			int64_t dt = r->ts_ms - prev->ts_ms;
			dt = (dt < 180000 ? dt : 180000) / 1000;
			if (prev->state == STATE_SLEEPING || prev->state == STATE_STANDBY ||
			    prev->state == STATE_OFF)
				pd->asleep += dt;
			else if (prev->state == STATE_OFFLINE)
				pd->offline += dt;
			else if (prev->state == STATE_FAULT)
				pd->fault += dt;
		}
		d->n++;
		d->hour_n[h]++;
		if (r->has & READING_HAS_POWER) {
			if (!d->has_peak || r->ac_power_w > d->peak)
				d->peak = r->ac_power_w;
			d->has_peak = 1;
		}
		if (r->has & READING_HAS_ENERGY) {
			if (r->quality &
			    (QUALITY_COUNTER_ZERO | QUALITY_COUNTER_JUMP | QUALITY_SENTINEL)) {
				d->excluded++;
			} else {
				if (good) {
					int64_t inc = r->energy_wh - good->energy_wh;
					double bound = (double)cap *
					                   (double)(r->ts_ms - good->ts_ms) /
					                   3600000.0 * 1.01 +
					               1000.0;
					if (inc < 0)
						d->resets++;
					else if (cap > 0 && (double)inc > bound)
						d->excluded++;
					else
						d->delta += inc, d->hour_wh[h] += inc;
				}
				good = r;
				if (!d->has_first)
					d->first_wh = r->energy_wh, d->has_first = 1;
				d->last_wh = r->energy_wh;
			}
		}
		prev = r;
	}
}

static void rollups_equal_a_direct_computation_over_a_random_stream(void)
{
	struct store *s = fresh("random.db");
	struct rollup_conf c = {.expected_interval_s = 60, .capacity = cap_10kw};
	struct rollup *ru;
	struct reading *rs = xcalloc(NREAD, sizeof *rs), *sent = xcalloc(NREAD * 2, sizeof *sent);
	int64_t wh[NDEV] = {1000000, 2000000, 3000000}, ts = T0 - 3 * 3600000;
	int i, n_sent = 0, h;
	int32_t day0 = caltime_local_day(T0, &h) - 1;
	struct rollup_stats st;
	if (!s)
		goto done;
	ru = rollup_new(s, &c);
	/* readings of three devices, ~20 s apart, with every kind of trouble */
	for (i = 0; i < NREAD; i++) {
		int dv = (int)(rnd() % NDEV);
		uint64_t x = rnd() % 1000;
		struct reading *r = &rs[i];
		ts += 5000 + (int64_t)(rnd() % 30000);
		if (x < 5)
			ts += 3600000; /* an outage */
		*r = mk(devs[dv], i + 1, ts, 0);
		r->kind = dv == 2 ? READING_METER : READING_INVERTER;
		r->state = (enum reading_state)(rnd() % 9);
		if (rnd() % 10) {
			r->has |= READING_HAS_POWER;
			r->ac_power_w = (int64_t)(rnd() % 12000) - 100;
		}
		wh[dv] += (int64_t)(rnd() % 60);
		r->energy_wh = wh[dv];
		if (x < 15) {
			r->energy_wh = 0;
			r->quality = QUALITY_COUNTER_ZERO;
		} else if (x < 20) {
			wh[dv] = (int64_t)(rnd() % 1000); /* reset */
			r->energy_wh = wh[dv];
		} else if (x < 25) {
			r->energy_wh += 40000000; /* a one-poll spike */
		} else if (x < 30) {
			r->has &= ~READING_HAS_ENERGY;
		} else if (x < 33) {
			r->quality = QUALITY_SENTINEL;
		}
	}
	/* delivery: mostly in order, some late by up to 200 positions, some twice */
	for (i = 0; i < NREAD; i++) {
		int late = rnd() % 50 == 0;
		if (late && i + 1 < NREAD) {
			int j = i + 1 + (int)(rnd() % 200);
			struct reading t = rs[i];
			if (j >= NREAD)
				j = NREAD - 1;
			memmove(&rs[i], &rs[i + 1], (size_t)(j - i) * sizeof *rs);
			rs[j] = t;
		}
	}
	for (i = 0; i < NREAD; i++) {
		sent[n_sent++] = rs[i];
		if (rnd() % 20 == 0)
			sent[n_sent++] = rs[(int)(rnd() % (unsigned)(i + 1))];
	}
	/* batches of random size, each in its own transaction, sometimes a restart */
	for (i = 0; i < n_sent;) {
		int n = 1 + (int)(rnd() % 300), k;
		store_begin(s);
		for (k = 0; k < n && i < n_sent; k++, i++)
			CHECK(rollup_put(ru, &sent[i]) >= 0);
		CHECK_INT(rollup_flush(ru), 0);
		CHECK_INT(store_commit(s), 0);
		if (rnd() % 10 == 0)
			rollup_forget(ru); /* as after a restart */
	}
	rollup_stats(ru, &st);
	CHECK_INT(st.stored, NREAD);
	CHECK(st.duplicates > 0);
	CHECK(st.recomputes > 0);

	qsort(rs, NREAD, sizeof *rs, cmp_key);
	{
		int start = 0, dv;
		for (dv = 0; dv < NDEV; dv++) {
			struct ref_day ref[REF_DAYS];
			int end = start, dd;
			memset(ref, 0, sizeof ref);
			while (end < NREAD && strcmp(rs[end].device, rs[start].device) == 0)
				end++;
			reference(rs + start, end - start, cap_10kw(NULL, "st1", rs[start].device),
			          day0, ref);
			for (dd = 0; dd < REF_DAYS; dd++) {
				struct store_daily d;
				int got =
				    store_daily_get(s, "st1", rs[start].device, day0 + dd, &d);
				CHECK_INT(got, ref[dd].used);
				if (!got || !ref[dd].used)
					continue;
				CHECK_INT(d.n_readings, ref[dd].n);
				CHECK_INT(d.delta_wh, ref[dd].delta);
				CHECK_INT(d.resets, ref[dd].resets);
				CHECK_INT(d.excluded, ref[dd].excluded);
				CHECK_INT(d.peak_w, ref[dd].peak);
				CHECK_INT(d.asleep_s, ref[dd].asleep);
				CHECK_INT(d.offline_s, ref[dd].offline);
				CHECK_INT(d.fault_s, ref[dd].fault);
				CHECK_INT(d.first_wh, ref[dd].first_wh);
				CHECK_INT(d.last_wh, ref[dd].last_wh);
				for (h = 0; h < 24; h++) {
					struct store_hourly hr;
					int hg = store_hourly_get(s, "st1", rs[start].device,
					                          day0 + dd, h, &hr);
					CHECK_INT(hg, ref[dd].hour_n[h] > 0);
					if (hg == 1) {
						CHECK_INT(hr.n, ref[dd].hour_n[h]);
						CHECK_INT(hr.wh, ref[dd].hour_wh[h]);
					}
				}
			}
			start = end;
		}
	}
	/* the same counts straight from SQL over the raw table (the zone is UTC+8) */
	{
		sqlite3_stmt *q;
		int mismatches = -1;
		sqlite3_prepare_v2(
		    store_testing_db(s),
		    "SELECT count(*) FROM (SELECT station, device,"
		    " (ts + 28800000) / 86400000 AS day, count(*) AS n,"
		    " max(ac_power_w) AS peak FROM readings_named GROUP BY 1, 2, 3) r"
		    " LEFT JOIN daily d USING (station, device, day)"
		    " WHERE d.n_readings IS NOT r.n OR d.peak_w IS NOT r.peak",
		    -1, &q, NULL);
		if (sqlite3_step(q) == SQLITE_ROW)
			mismatches = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
		CHECK_INT(mismatches, 0);
	}
	/* a full rebuild from raw readings changes nothing */
	{
		sqlite3_stmt *q;
		int64_t before = -1, after = -2;
		const char *sum = "SELECT sum(delta_wh * 7 + n_readings * 3 + asleep_s + resets"
		                  " + excluded * 11 + fault_s * 13) FROM daily";
		sqlite3_prepare_v2(store_testing_db(s), sum, -1, &q, NULL);
		if (sqlite3_step(q) == SQLITE_ROW)
			before = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
		store_begin(s);
		for (i = 0; i < NDEV; i++)
			CHECK_INT(rollup_rebuild(ru, "st1", devs[i]), 0);
		store_commit(s);
		if (sqlite3_step(q) == SQLITE_ROW)
			after = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
		CHECK_INT(after, before);
	}
	rollup_free(ru);
	store_close(s);
done:
	free(rs);
	free(sent);
}

static void rollup_only_loading_gives_the_same_energy_as_storing_raw_readings(void)
{
	struct store *raw = fresh("raw.db"), *only = fresh("only.db");
	struct rollup_conf c = {.expected_interval_s = 60, .capacity = cap_10kw};
	struct rollup *a, *b;
	struct rollup_stats st;
	int64_t i, wh = 5000;
	const char *sum = "SELECT sum(delta_wh), sum(n_readings), sum(resets), sum(excluded),"
	                  " (SELECT sum(wh) FROM hourly), count(*) FROM daily";
	char ra[128] = "", rb[128] = "";
	if (!raw || !only)
		return;
	a = rollup_new(raw, &c);
	c.skip_raw = 1;
	b = rollup_new(only, &c);
	store_begin(raw);
	store_begin(only);
	for (i = 1; i <= 5000; i++) {
		struct reading r = mk(i % 2 ? "inv1" : "inv2", i, T0 + i * 30000, 0);
		wh += (int64_t)(rnd() % 100);
		if (i % 997 == 0)
			wh = 10; /* a reset */
		r.energy_wh = wh;
		CHECK_INT(rollup_put(a, &r), 1);
		CHECK_INT(rollup_put(b, &r), 1);
		if (i == 2500) { /* a restart in the middle: b continues from its roll-ups */
			rollup_flush(b);
			store_commit(only);
			rollup_forget(b);
			store_begin(only);
			CHECK_INT(rollup_put(b, &r), 0); /* already rolled up: skipped */
		}
	}
	rollup_flush(a);
	rollup_flush(b);
	store_commit(raw);
	store_commit(only);
	rollup_stats(b, &st);
	CHECK_INT(st.skipped, 1);
	{
		struct store *ss[2] = {raw, only};
		char *out[2] = {ra, rb};
		int k;
		for (k = 0; k < 2; k++) {
			sqlite3_stmt *q;
			sqlite3_prepare_v2(store_testing_db(ss[k]), sum, -1, &q, NULL);
			if (sqlite3_step(q) == SQLITE_ROW)
				snprintf(out[k], 128, "%lld %lld %lld %lld %lld %lld",
				         sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
				         sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3),
				         sqlite3_column_int64(q, 4), sqlite3_column_int64(q, 5));
			sqlite3_finalize(q);
		}
	}
	CHECK(ra[0] != '\0');
	CHECK_STR(rb, ra);
	rollup_free(a);
	rollup_free(b);
	store_close(raw);
	store_close(only);
}

static void a_day_keeps_every_alarm_bit_its_readings_had_and_the_map(void)
{
	struct store *s = fresh("alarms.db");
	struct rollup_conf c = {.expected_interval_s = 60};
	struct rollup *ru;
	struct store_daily d;
	struct reading rs[4];
	int h;
	int32_t day = caltime_local_day(T0 + 3600000, &h);
	if (!s)
		return;
	ru = rollup_new(s, &c);
	rs[0] = mk("inv1", 1, T0 + 3600000, 10);
	rs[1] = mk("inv1", 2, T0 + 3660000, 10);
	rs[1].has |= READING_HAS_ALARMS;
	rs[1].alarms = UINT64_C(1) << 9;
	util_strlcpy(rs[1].map, "huawei-sun2000@1", sizeof rs[1].map);
	rs[2] = mk("inv1", 3, T0 + 3720000, 10);
	rs[2].has |= READING_HAS_ALARMS;
	rs[2].alarms = (UINT64_C(1) << 40) | 1;
	util_strlcpy(rs[2].map, "huawei-sun2000@1", sizeof rs[2].map);
	rs[3] = mk("inv1", 4, T0 + 86400000 + 3600000, 10); /* next day: no alarm */
	rs[3].has |= READING_HAS_ALARMS;
	put_all(s, ru, rs, 4);
	CHECK_INT(store_daily_get(s, "st1", "inv1", day, &d), 1);
	CHECK(d.alarms == ((UINT64_C(1) << 40) | (UINT64_C(1) << 9) | 1));
	CHECK_STR(d.alarm_map, "huawei-sun2000@1");
	CHECK_INT(store_daily_get(s, "st1", "inv1", day + 1, &d), 1);
	CHECK(d.alarms == 0);
	CHECK_STR(d.alarm_map, "");
	rollup_free(ru);
	store_close(s);
}

/*
 * A history kept only as roll-ups (loaded, or raw readings pruned after
 * retention): the first live reading books the increment since the roll-ups'
 * last counter on its day, as after any gap, so the report's spreading of that
 * increment over the silent days has something to spread.
 */
static void a_first_live_reading_after_roll_up_history_books_the_gap(void)
{
	struct store *s = fresh("history.db");
	struct rollup_conf c = {.expected_interval_s = 60, .capacity = cap_10kw};
	struct rollup *ru;
	struct store_daily old = {0}, d;
	struct reading rs[2];
	int h;
	int32_t day0 = caltime_local_day(T0, &h);
	CHECK(s != NULL);
	if (!s)
		return;
	old.day = day0;
	old.kind = READING_INVERTER;
	old.n_readings = 1;
	old.has_first = old.has_last = 1;
	old.first_ts = old.last_ts = T0 + 12 * 3600000;
	old.first_wh = old.last_wh = 500000;
	store_begin(s);
	CHECK_INT(store_daily_put(s, "st1", "inv1", &old), 0);
	CHECK_INT(store_commit(s), 0);
	ru = rollup_new(s, &c);
	/* silent for two and a half days, then 30 kWh more on the counter */
	rs[0] = mk("inv1", 1, T0 + 3 * 86400000 + 60000, 530000);
	rs[1] = mk("inv1", 2, T0 + 3 * 86400000 + 120000, 530100);
	put_all(s, ru, rs, 2);
	CHECK_INT(store_daily_get(s, "st1", "inv1", day0 + 3, &d), 1);
	CHECK_INT(d.delta_wh, 30000 + 100);
	CHECK_INT(d.excluded, 0);
	/* the history's own day is left as it was */
	CHECK_INT(store_daily_get(s, "st1", "inv1", day0, &d), 1);
	CHECK_INT(d.delta_wh, 0);
	CHECK_INT(d.n_readings, 1);
	rollup_free(ru);
	store_close(s);
}

/* A sensor's reading: irradiance in W/m², no state, no energy. */
static struct reading mks(int64_t seq, int64_t ts, int64_t wm2)
{
	struct reading r = mk("irr", seq, ts, 0);
	r.kind = READING_SENSOR;
	r.state = STATE_UNKNOWN;
	r.has = READING_HAS_IRRADIANCE | READING_NO_STATE;
	r.irradiance_wm2 = wm2;
	return r;
}

/* The sensor's insolation of a local day (Wh/m²) and of one of its hours. */
static int64_t day_whm2(struct store *s, int32_t day, struct store_daily *d)
{
	memset(d, 0, sizeof *d);
	return store_daily_get(s, "st1", "irr", day, d) == 1 ? d->delta_wh : -1;
}

static int64_t hour_whm2(struct store *s, int32_t day, int hour)
{
	struct store_hourly h;
	return store_hourly_get(s, "st1", "irr", day, hour, &h) == 1 ? h.wh : -1;
}

static void a_sensor_integrates_irradiance_into_insolation_by_the_trapezoid(void)
{
	struct store *s = fresh("sun.db");
	struct rollup_conf c = {.expected_interval_s = 60};
	struct rollup *ru;
	struct store_daily d;
	struct reading rs[200];
	int32_t day = caltime_local_day(T0, NULL);
	int n = 0, i;
	int64_t m = 60000;
	if (!s)
		return;
	ru = rollup_new(s, &c);
	/* 04:00-04:30 night: -5 W/m² adds nothing */
	for (i = 0; i <= 30; i++, n++)
		rs[n] = mks(n + 1, T0 + 4 * 3600000 + i * m, -5);
	/* 10:00-11:00 a constant 500 W/m²: 500 Wh/m² in hour 10 */
	for (i = 0; i <= 60; i++, n++)
		rs[n] = mks(n + 1, T0 + 10 * 3600000 + i * m, 500);
	/* 11:00-12:00 a ramp 500 -> 1100 W/m²: 800 Wh/m², one reading offline inside */
	for (i = 1; i <= 60; i++, n++) {
		rs[n] = mks(n + 1, T0 + 11 * 3600000 + i * m, 500 + 10 * i);
		if (i == 30) {
			rs[n].has = 0;
			rs[n].state = STATE_OFFLINE;
		}
	}
	/* 12:10: ten minutes later, a gap the cap (3 minutes) does not bridge */
	rs[n] = mks(n + 1, T0 + 12 * 3600000 + 10 * m, 900);
	n++;
	put_all(s, ru, rs, n);
	CHECK_INT(hour_whm2(s, day, 4), 0);
	CHECK_INT(hour_whm2(s, day, 10), 500);
	CHECK_INT(hour_whm2(s, day, 11), 800);
	CHECK_INT(day_whm2(s, day, &d), 1300);
	CHECK_INT(d.kind, READING_SENSOR);
	CHECK_INT(d.excluded, 2); /* 04:30-10:00 and 12:00-12:10 */
	CHECK_INT(d.peak_w, 1100);
	CHECK_INT(d.n_readings, n);
	CHECK(!d.has_first && !d.has_last);
	rollup_free(ru);
	store_close(s);
}

static void a_sensor_interval_across_midnight_is_split_and_hours_add_up_to_days(void)
{
	struct store *s = fresh("sunnight.db");
	struct rollup_conf c = {.expected_interval_s = 60};
	struct rollup *ru;
	struct store_daily d;
	struct reading rs[2];
	int32_t day = caltime_local_day(T0, NULL);
	int64_t mid = caltime_local_midnight_ms(day + 1);
	if (!s)
		return;
	ru = rollup_new(s, &c);
	/* 23:59:00 to 00:01:00 at 900 W/m²: 15 Wh/m² on each side of midnight */
	rs[0] = mks(1, mid - 60000, 900);
	rs[1] = mks(2, mid + 60000, 900);
	put_all(s, ru, rs, 2);
	CHECK_INT(day_whm2(s, day, &d), 15);
	CHECK_INT(hour_whm2(s, day, 23), 15);
	CHECK_INT(day_whm2(s, day + 1, &d), 15);
	CHECK_INT(hour_whm2(s, day + 1, 0), 15);
	rollup_free(ru);
	store_close(s);
}

/* A cloudy day of sensor readings every 20-40 s, with night, offline polls and a gap. */
static int sun_stream(struct reading *rs, int max)
{
	int64_t ts = T0 + 5 * 3600000;
	uint64_t x = 12345;
	int n = 0;
	while (n < max && ts < T0 + 20 * 3600000) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		ts += 20000 + (int64_t)(x >> 33) % 20000;
		if ((x >> 20) % 500 == 0)
			ts += 600000; /* a gap */
		rs[n] = mks(n + 1, ts, (int64_t)((x >> 40) % 1200) - 10);
		if ((x >> 24) % 40 == 0) {
			rs[n].has = 0;
			rs[n].state = STATE_OFFLINE;
		}
		n++;
	}
	return n;
}

static void a_sensor_recomputed_out_of_order_equals_in_order(void)
{
	static struct reading rs[3000], sh[3000];
	struct store *a = fresh("sun_in.db"), *b = fresh("sun_out.db");
	struct rollup_conf c = {.expected_interval_s = 60};
	struct rollup *ra, *rb;
	int32_t day = caltime_local_day(T0, NULL);
	int n = sun_stream(rs, 3000), i, h, diffs = 0;
	struct store_daily da, db;
	if (!a || !b)
		return;
	ra = rollup_new(a, &c);
	rb = rollup_new(b, &c);
	put_all(a, ra, rs, n);
	/* the same readings late in places, in batches, with restarts between them */
	memcpy(sh, rs, sizeof rs[0] * (size_t)n);
	for (i = 0; i + 7 < n; i += 13) {
		struct reading t = sh[i];
		sh[i] = sh[i + 7];
		sh[i + 7] = t;
	}
	for (i = 0; i < n; i += 250) {
		put_all(b, rb, sh + i, n - i < 250 ? n - i : 250);
		rollup_forget(rb);
	}
	CHECK(day_whm2(a, day, &da) > 1000);
	CHECK_INT(day_whm2(b, day, &db), day_whm2(a, day, &da));
	CHECK_INT(db.excluded, da.excluded);
	CHECK(da.excluded > 0);
	CHECK_INT(db.peak_w, da.peak_w);
	for (h = 0; h < 24; h++)
		diffs += hour_whm2(a, day, h) != hour_whm2(b, day, h);
	CHECK_INT(diffs, 0);
	{
		int64_t sum = 0;
		for (h = 0; h < 24; h++)
			sum += hour_whm2(a, day, h) > 0 ? hour_whm2(a, day, h) : 0;
		CHECK_INT(sum, da.delta_wh);
	}
	/* and a rebuild from the raw readings gives it again */
	store_begin(a);
	CHECK_INT(rollup_rebuild(ra, "st1", "irr"), 0);
	CHECK_INT(store_commit(a), 0);
	CHECK_INT(day_whm2(a, day, &da), day_whm2(b, day, &db));
	rollup_free(ra);
	rollup_free(rb);
	store_close(a);
	store_close(b);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	caltime_set_zone("Asia/Shanghai");
	RUN(resets_zero_reads_and_jumps_add_no_energy);
	RUN(state_time_goes_to_the_earlier_reading_and_is_capped);
	RUN(a_day_keeps_every_alarm_bit_its_readings_had_and_the_map);
	RUN(an_increment_across_midnight_belongs_to_the_later_day);
	RUN(rollups_equal_a_direct_computation_over_a_random_stream);
	RUN(rollup_only_loading_gives_the_same_energy_as_storing_raw_readings);
	RUN(a_first_live_reading_after_roll_up_history_books_the_gap);
	RUN(a_sensor_integrates_irradiance_into_insolation_by_the_trapezoid);
	RUN(a_sensor_interval_across_midnight_is_split_and_hours_add_up_to_days);
	RUN(a_sensor_recomputed_out_of_order_equals_in_order);
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("could not remove %s\n", dir);
	}
	return harness_end();
}
