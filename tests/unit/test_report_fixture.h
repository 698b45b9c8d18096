/*
 * Fixtures shared by the report tests: a fleet built in C (no config files)
 * and an in-memory database opened by the store itself (its own schema), with
 * daily rows written through store_daily_put.
 * Included by test_energy.c and test_report*.c only.
 */
#ifndef PVMON_TEST_REPORT_FIXTURE_H
#define PVMON_TEST_REPORT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "config.h"
#include "fleet.h"
#include "store.h"
#include "util.h"

/* An empty database with the store's own schema, in memory (or in a file when path is given). */
static inline struct store *fixture_db(const char *path)
{
	char *cause = NULL;
	struct store *s = store_open(path ? path : ":memory:", &cause);
	if (!s) {
		fprintf(stderr, "fixture: %s\n", cause);
		exit(2);
	}
	return s;
}

/* One daily row; pass FIX_NULL for an absent ts or counter. */
#define FIX_NULL INT64_MIN
struct fix_day {
	const char *station, *device;
	int32_t day;
	int kind;
	int64_t n, first_ts, first_wh, last_ts, last_wh, delta, resets, excluded, offline_s,
	    fault_s;
};

static inline void fixture_insert(struct store *s, const struct fix_day *d)
{
	struct store_daily r;
	memset(&r, 0, sizeof r);
	r.day = d->day;
	r.kind = d->kind;
	r.n_readings = d->n;
	r.has_first = d->first_ts != FIX_NULL && d->first_wh != FIX_NULL;
	r.first_ts = d->first_ts;
	r.first_wh = d->first_wh;
	r.has_last = d->last_ts != FIX_NULL && d->last_wh != FIX_NULL;
	r.last_ts = d->last_ts;
	r.last_wh = d->last_wh;
	r.delta_wh = d->delta;
	r.resets = d->resets;
	r.excluded = d->excluded;
	r.offline_s = d->offline_s;
	r.fault_s = d->fault_s;
	if (store_daily_put(s, d->station, d->device, &r) < 0) {
		fprintf(stderr, "fixture: insert: %s\n", store_error(s));
		exit(2);
	}
}

/*
 * A simple producing day for a device: good readings at 06:00 and 19:00
 * local, counter from *counter rising by wh; n readings, no faults.
 */
static inline void fixture_day(struct store *db, const char *station, const char *device, int kind,
                               int32_t day, int64_t *counter, int64_t wh, int64_t n)
{
	struct fix_day d;
	int64_t midnight = caltime_local_midnight_ms(day);
	memset(&d, 0, sizeof d);
	d.station = station;
	d.device = device;
	d.day = day;
	d.kind = kind;
	d.n = n;
	d.first_ts = midnight + 6 * 3600000LL;
	d.first_wh = *counter;
	d.last_ts = midnight + 19 * 3600000LL;
	d.last_wh = *counter + wh;
	d.delta = wh;
	*counter += wh;
	fixture_insert(db, &d);
}

/* Fleet building: everything heap-allocated, freed by fleet_free (the index stays NULL). */
static inline struct fleet *fixture_fleet(const char *county)
{
	struct fleet *f = xcalloc(1, sizeof *f);
	f->county = xstrdup(county);
	return f;
}

static inline int fixture_township(struct fleet *f, const char *id, const char *name)
{
	f->townships = xrealloc(f->townships, sizeof *f->townships * (size_t)(f->n_townships + 1));
	f->townships[f->n_townships].id = xstrdup(id);
	f->townships[f->n_townships].name = xstrdup(name);
	return f->n_townships++;
}

static inline int fixture_village(struct fleet *f, const char *id, const char *name, int township)
{
	struct fleet_village *v;
	f->villages = xrealloc(f->villages, sizeof *f->villages * (size_t)(f->n_villages + 1));
	v = &f->villages[f->n_villages];
	memset(v, 0, sizeof *v);
	v->id = xstrdup(id);
	v->name = xstrdup(name);
	v->township = township;
	return f->n_villages++;
}

/* A tariff with one open-ended period from day 0. */
static inline int fixture_tariff(struct fleet *f, const char *id, int64_t coal, int64_t subsidy)
{
	struct fleet_tariff *t;
	f->tariffs = xrealloc(f->tariffs, sizeof *f->tariffs * (size_t)(f->n_tariffs + 1));
	t = &f->tariffs[f->n_tariffs];
	memset(t, 0, sizeof *t);
	t->id = xstrdup(id);
	t->periods = xcalloc(1, sizeof *t->periods);
	t->n_periods = 1;
	t->periods[0].from_day = 0;
	t->periods[0].to_day = INT32_MAX;
	t->periods[0].coal_fen_per_mwh = coal;
	t->periods[0].subsidy_fen_per_mwh = subsidy;
	return f->n_tariffs++;
}

/* Ends the tariff's last period on day `last` and opens a new one after it. */
static inline void fixture_tariff_change(struct fleet *f, int t, int32_t last, int64_t coal,
                                         int64_t subsidy)
{
	struct fleet_tariff *x = &f->tariffs[t];
	x->periods = xrealloc(x->periods, sizeof *x->periods * (size_t)(x->n_periods + 1));
	x->periods[x->n_periods - 1].to_day = last;
	x->periods[x->n_periods].from_day = last + 1;
	x->periods[x->n_periods].to_day = INT32_MAX;
	x->periods[x->n_periods].coal_fen_per_mwh = coal;
	x->periods[x->n_periods].subsidy_fen_per_mwh = subsidy;
	x->n_periods++;
}

/* A station with a meter "m1" (if with_meter) and n_inv inverters "inv1".."invN". */
static inline int fixture_station(struct fleet *f, const char *id, const char *name,
                                  int64_t capacity_w, int with_meter, int n_inv, int tariff)
{
	struct fleet_station *s;
	int i;
	f->stations = xrealloc(f->stations, sizeof *f->stations * (size_t)(f->n_stations + 1));
	s = &f->stations[f->n_stations];
	memset(s, 0, sizeof *s);
	s->id = xstrdup(id);
	s->name = xstrdup(name);
	s->capacity_w = capacity_w;
	s->tariff = tariff;
	s->devices = xcalloc((size_t)(n_inv + 1), sizeof *s->devices);
	if (with_meter) {
		s->meter = xstrdup("m1");
		s->devices[s->n_devices].id = xstrdup("m1");
		s->devices[s->n_devices].kind = READING_METER;
		s->n_devices++;
	}
	for (i = 0; i < n_inv; i++) {
		char buf[16];
		snprintf(buf, sizeof buf, "inv%d", i + 1);
		s->devices[s->n_devices].id = xstrdup(buf);
		s->devices[s->n_devices].kind = READING_INVERTER;
		s->devices[s->n_devices].capacity_w = capacity_w / (n_inv ? n_inv : 1);
		s->n_devices++;
	}
	return f->n_stations++;
}

static inline void fixture_share(struct fleet *f, int station, int village, int64_t weight)
{
	struct fleet_station *s = &f->stations[station];
	s->shares = xrealloc(s->shares, sizeof *s->shares * (size_t)(s->n_shares + 1));
	s->shares[s->n_shares].village = village;
	s->shares[s->n_shares].weight = weight;
	s->n_shares++;
}

/* A deterministic PRNG (xorshift64*): failures reproduce from the printed seed. */
static uint64_t fixture_rng_state __attribute__((unused)) = 88172645463325252ULL;
static inline uint64_t fixture_rand(void)
{
	uint64_t x = fixture_rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	fixture_rng_state = x;
	return x * 2685821657736338717ULL;
}
/* Uniform in [lo, hi]. */
static inline int64_t fixture_range(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(fixture_rand() % (uint64_t)(hi - lo + 1));
}

#endif
