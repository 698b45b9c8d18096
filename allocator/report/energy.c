/*
 * energy: station energy per local day and month from the daily roll-ups,
 * with counters interpolated at local midnights. It must never scan raw
 * readings nor query per device: two ranged queries (the devices that settle,
 * then the others where needed) feed everything.
 */
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "energy.h"
#include "fleet.h"
#include "store.h"
#include "util.h"

/* Roll-up figures of one device in one month of the window. */
struct dev_month {
	int64_t readings, offline_s, fault_s, asleep_s, resets, excluded;
	int64_t last_good_ts; /* last good counter reading so far (starts at the month start) */
	int64_t gap_ms;       /* longest stretch between good readings so far */
	int good_days;
	int seen;
};

struct energy {
	const struct fleet *f;
	int n_months;
	int32_t *month_first; /* n_months + 1 local days: month k is [first[k], first[k+1]) */
	int32_t day0;         /* local day of array index 0: the day before the window */
	int ndays;            /* window days + 2 (one each side) */
	int64_t *midnight;    /* UTC ms of local midnight starting day0 + i, ndays + 1 entries */
	int *dev_base;        /* first flat device index of each station */
	int n_devs;
	int64_t *meter_day;      /* [station][day index] */
	int64_t *inv_day;        /* [station][day index] */
	int64_t *sun_day;        /* [station][day index]: the sensor's Wh/m², -1 not covered;
	                          * NULL in a fleet without sensors */
	struct dev_month *dm;    /* [flat device][month] */
	struct energy_month *em; /* [station][month] */
	int *others_read;        /* [station][month]: devices that do not settle were read */
	uint8_t *alarm_days;     /* [flat device][bit]: days of the last month the bit was set */
	char (*alarm_map)[READING_MAP_MAX]; /* [flat device]: the map that set them */
};

/* Splits the increment across a boundary; see energy.h. */
int64_t energy_split_boundary(int64_t last_ts, int64_t last_wh, int64_t first_ts, int64_t first_wh,
                              int64_t boundary_ms, int64_t capacity_w)
{
	int64_t inc = first_wh - last_wh, dt = first_ts - last_ts;
	if (inc <= 0 || dt <= 0 || boundary_ms <= last_ts)
		return 0;
	if (boundary_ms >= first_ts)
		return inc;
	/* Same bound as ingest (capacity x elapsed + 1 %, + 1 kWh), so both agree on what counted.
	 */
	if (capacity_w > 0 && (__int128)inc * 360000000 >
	                          (__int128)capacity_w * dt * 101 + (__int128)1000 * 360000000)
		return 0;
	return (int64_t)((__int128)inc * (boundary_ms - last_ts) / dt);
}

/* Month of the window holding day d, or -1. */
static int month_of(const struct energy *e, int32_t d)
{
	int k;
	if (d < e->month_first[0] || d >= e->month_first[e->n_months])
		return -1;
	for (k = e->n_months - 1; k > 0; k--)
		if (d >= e->month_first[k])
			break;
	return k;
}

/* Sets up the calendar of the window: month starts and local midnights. */
static void window_init(struct energy *e, const struct energy_params *p)
{
	int y = p->year, m = p->month, k, i;

	e->n_months = p->n_months;
	e->month_first = xcalloc((size_t)e->n_months + 1, sizeof *e->month_first);
	/* Walk back to the oldest month, then forward filling the starts. */
	for (k = 1; k < e->n_months; k++) {
		if (--m == 0) {
			m = 12;
			y--;
		}
	}
	for (k = 0; k <= e->n_months; k++) {
		e->month_first[k] = caltime_days(y, m, 1);
		if (++m == 13) {
			m = 1;
			y++;
		}
	}
	e->day0 = e->month_first[0] - 1;
	e->ndays = e->month_first[e->n_months] - e->month_first[0] + 2;
	e->midnight = xcalloc((size_t)e->ndays + 1, sizeof *e->midnight);
	for (i = 0; i <= e->ndays; i++)
		e->midnight[i] = caltime_local_midnight_ms(e->day0 + i);
}

/* Allocates the per-station and per-device arrays. */
static void arrays_init(struct energy *e)
{
	const struct fleet *f = e->f;
	int s, k, d;

	e->dev_base = xcalloc((size_t)f->n_stations + 1, sizeof *e->dev_base);
	for (s = 0; s < f->n_stations; s++)
		e->dev_base[s + 1] = e->dev_base[s] + f->stations[s].n_devices;
	e->n_devs = e->dev_base[f->n_stations];
	e->meter_day = xcalloc((size_t)f->n_stations * (size_t)e->ndays + 1, sizeof(int64_t));
	e->inv_day = xcalloc((size_t)f->n_stations * (size_t)e->ndays + 1, sizeof(int64_t));
	for (s = 0; s < f->n_stations && !f->stations[s].sensor; s++)
		;
	if (s < f->n_stations) { /* only a fleet with a sensor has insolation days */
		e->sun_day = xcalloc((size_t)f->n_stations * (size_t)e->ndays + 1, sizeof(int64_t));
		for (d = 0; d < f->n_stations * e->ndays; d++)
			e->sun_day[d] = -1;
	}
	e->dm = xcalloc((size_t)e->n_devs * (size_t)e->n_months + 1, sizeof *e->dm);
	e->alarm_days = xcalloc((size_t)e->n_devs * ENERGY_ALARM_BITS + 1, 1);
	e->alarm_map = xcalloc((size_t)e->n_devs + 1, sizeof *e->alarm_map);
	e->em = xcalloc((size_t)f->n_stations * (size_t)e->n_months + 1, sizeof *e->em);
	e->others_read =
	    xcalloc((size_t)f->n_stations * (size_t)e->n_months + 1, sizeof *e->others_read);
	for (d = 0; d < e->n_devs; d++)
		for (k = 0; k < e->n_months; k++)
			e->dm[d * e->n_months + k].last_good_ts =
			    e->midnight[e->month_first[k] - e->day0];
}

/* One daily row, as read. */
struct row {
	int32_t day;
	int64_t n, first_ts, first_wh, last_ts, last_wh, delta, resets, excluded, offline_s,
	    fault_s, asleep_s;
	int has_first, has_last;
};

/*
 * Days of one device to book. The rows read reach back to its last good counter
 * reading before the range and on to its first one after it, however far (up to
 * energy_params.reach_days): a gap across the range's first or last midnight is
 * then split there, so the months on both sides of it add up to the counter.
 */
struct range {
	int flat;
	int32_t from, to;
};

/* The device a run of rows belongs to, and its last good reading. */
struct cursor {
	int seq;    /* the range being read; -1 before the first row */
	int s, dev; /* station index, device index in station */
	int64_t cap_w;
	int is_meter;
	/* The device's last good counter reading so far (it may be days back: a gap). */
	int has_good;
	int32_t good_day;
	int64_t good_ts, good_wh;
};

/* Whether device i of a station is read over the whole window: it settles the station. */
static int settles(const struct fleet_station *st, int i)
{
	int j;
	if (st->meter) {
		for (j = 0; j < st->n_devices; j++)
			if (strcmp(st->devices[j].id, st->meter) == 0)
				return j == i;
	}
	return st->devices[i].kind == READING_INVERTER;
}

/*
 * Ingest booked the whole increment between two consecutive good readings on
 * the day of the later one. Interpolating the counter at every local midnight
 * in between gives each day its own part: a night at a month boundary, or a
 * ten-day outage across a tariff change, is then priced by the day it happened.
 * Only the days of the range [from, to] are written, so that the ranges of one
 * device (months read apart) never book a part twice; r is on or after from.
 */
static void split_increment(struct energy *e, int64_t *days, const struct cursor *c,
                            const struct row *r, int32_t from, int32_t to)
{
	int32_t lo = c->good_day > from ? c->good_day : from;
	int32_t hi = r->day - 1 < to ? r->day - 1 : to, d;
	int64_t before = 0;

	/* the counter at the first midnight of the stretch written (0 on the good day) */
	if (lo > c->good_day)
		before = energy_split_boundary(c->good_ts, c->good_wh, r->first_ts, r->first_wh,
		                               e->midnight[lo - e->day0], c->cap_w);
	for (d = lo; d <= hi; d++) {
		int64_t part =
		    energy_split_boundary(c->good_ts, c->good_wh, r->first_ts, r->first_wh,
		                          e->midnight[d + 1 - e->day0], c->cap_w);
		days[d - e->day0] += part - before;
		before = part;
	}
	/* the reading's own day keeps the part after its first midnight */
	if (r->day <= to)
		days[r->day - e->day0] -= before;
}

/* Books one row of the range [from, to] into the day arrays and month figures. */
static void book_row(struct energy *e, struct cursor *c, const struct row *r, int32_t from,
                     int32_t to)
{
	const struct fleet_station *st = &e->f->stations[c->s];
	int i = r->day - e->day0, k;
	int64_t *days = (c->is_meter ? e->meter_day : e->inv_day) + (size_t)c->s * e->ndays;
	/* A second meter (e.g. import only) settles nothing but counts for completeness. */
	int energy = c->is_meter || st->devices[c->dev].kind == READING_INVERTER;

	if (r->day >= from && energy) {
		if (r->day <= to)
			days[i] += r->delta;
		/* After the range only the part of the increment before its end is wanted. */
		if (c->has_good && r->has_first && c->good_day < r->day)
			split_increment(e, days, c, r, from, to);
	}
	if (r->day > to)
		return;
	if (r->has_last) {
		c->has_good = 1;
		c->good_day = r->day;
		c->good_ts = r->last_ts;
		c->good_wh = r->last_wh;
	}
	k = r->day >= from ? month_of(e, r->day) : -1;
	if (k >= 0) {
		struct dev_month *m = &e->dm[(e->dev_base[c->s] + c->dev) * e->n_months + k];
		m->seen = 1;
		m->readings += r->n;
		m->resets += r->resets;
		m->excluded += r->excluded;
		m->offline_s += r->offline_s;
		m->fault_s += r->fault_s;
		m->asleep_s += r->asleep_s;
		if (r->has_first) {
			m->good_days++;
			if (r->first_ts - m->last_good_ts > m->gap_ms)
				m->gap_ms = r->first_ts - m->last_good_ts;
			m->last_good_ts = r->has_last ? r->last_ts : r->first_ts;
		}
	}
}

/* Points the cursor at a device by its flat index, with no good reading yet. */
static void cursor_move(struct energy *e, struct cursor *c, int flat)
{
	const struct fleet_station *st;
	const struct fleet_device *d;
	int s = 0;

	while (e->dev_base[s + 1] <= flat)
		s++;
	st = &e->f->stations[s];
	d = &st->devices[flat - e->dev_base[s]];
	c->s = s;
	c->dev = flat - e->dev_base[s];
	c->has_good = 0;
	c->is_meter = st->meter && strcmp(st->meter, d->id) == 0;
	c->cap_w = d->capacity_w > 0 ? d->capacity_w : c->is_meter ? st->capacity_w : 0;
}

/* What the scan callback needs: the energy being filled, the ranges, the cursor. */
struct scan_ctx {
	struct energy *e;
	const struct range *rg;
	struct cursor c;
	int32_t detail_from;
};

/* Books one daily row of range i (see store_daily_ranges). */
static int scan_row(void *arg, int i, const struct store_daily *d)
{
	struct scan_ctx *x = arg;
	struct energy *e = x->e;
	int flat = x->rg[i].flat;
	int32_t from = x->rg[i].from, to = x->rg[i].to;
	struct row r;

	if (flat < 0 || flat >= e->n_devs || from < e->month_first[0] ||
	    to >= e->month_first[e->n_months])
		return 0;
	if (i != x->c.seq) {
		cursor_move(e, &x->c, flat);
		x->c.seq = i;
	}
	if (e->f->stations[x->c.s].devices[x->c.dev].kind == READING_SENSOR) {
		/* a sensor's row is insolation (docs/storage.md): a day it covered, or not */
		if (d->day >= x->detail_from && d->day <= to && d->excluded == 0 && d->delta_wh > 0)
			e->sun_day[(size_t)x->c.s * e->ndays + (size_t)(d->day - e->day0)] =
			    d->delta_wh;
		if (d->day >= x->detail_from && d->day <= to) {
			struct dev_month *m =
			    &e->dm[(e->dev_base[x->c.s] + x->c.dev) * e->n_months + e->n_months -
			           1];
			m->seen = 1;
			m->readings += d->n_readings;
			m->offline_s += d->offline_s;
			m->fault_s += d->fault_s;
		}
		return 0;
	}
	r.day = d->day;
	r.first_ts = d->first_ts;
	r.first_wh = d->first_wh;
	r.last_ts = d->last_ts;
	r.last_wh = d->last_wh;
	r.has_first = d->has_first;
	r.has_last = d->has_last;
	r.delta = d->delta_wh;
	/* The detail figures are reported for the last month only. */
	if (r.day >= x->detail_from && r.day <= to) {
		r.n = d->n_readings;
		r.resets = d->resets;
		r.excluded = d->excluded;
		r.offline_s = d->offline_s;
		r.fault_s = d->fault_s;
		r.asleep_s = d->asleep_s;
		if (d->alarms) {
			int b;
			for (b = 0; b < ENERGY_ALARM_BITS; b++)
				if ((d->alarms >> b) & 1)
					e->alarm_days[(size_t)flat * ENERGY_ALARM_BITS +
					              (size_t)b]++;
			if (d->alarm_map[0])
				util_strlcpy(e->alarm_map[flat], d->alarm_map, READING_MAP_MAX);
		}
	} else {
		r.n = r.resets = r.excluded = r.offline_s = r.fault_s = r.asleep_s = 0;
	}
	book_row(e, &x->c, &r, from, to);
	return 0;
}

/*
 * One store query reads every range (store_daily_ranges): each is one stretch
 * of the daily primary key, so the cost is the days asked for, whatever the
 * history around them.
 */
static int scan(struct energy *e, struct store *s, const struct range *rg, int n, int reach,
                char **cause)
{
	struct store_day_range *q;
	struct scan_ctx x;
	int i, ret;

	if (n == 0)
		return 0;
	memset(&x, 0, sizeof x);
	x.e = e;
	x.rg = rg;
	x.c.seq = -1;
	x.detail_from = e->month_first[e->n_months - 1];
	q = xcalloc((size_t)n, sizeof *q);
	for (i = 0; i < n; i++) {
		int st = 0;
		while (e->dev_base[st + 1] <= rg[i].flat)
			st++;
		q[i].station = e->f->stations[st].id;
		q[i].device = e->f->stations[st].devices[rg[i].flat - e->dev_base[st]].id;
		q[i].from = rg[i].from;
		q[i].to = rg[i].to;
	}
	ret = store_daily_ranges(s, q, n, reach, scan_row, &x);
	if (ret < 0)
		*cause = xstrdup(store_error(s));
	free(q);
	return ret;
}

/* Appends a range. */
static void range_add(struct range **rg, int *n, int flat, int32_t from, int32_t to)
{
	*rg = xrealloc(*rg, sizeof **rg * (size_t)(*n + 1));
	(*rg)[*n].flat = flat;
	(*rg)[*n].from = from;
	(*rg)[*n].to = to;
	(*n)++;
}

/*
 * Reads what the report needs and no more: the devices that settle each
 * station (its meter, or its inverters when it has none) over the whole
 * window, then the other devices for the last month (cross-check, data
 * quality) and for the months the meter has no data in (the fallback).
 */
static int read_all(struct energy *e, struct store *db, int reach, char **cause)
{
	const struct fleet *f = e->f;
	struct range *rg = NULL;
	int n = 0, s, i, k, last = e->n_months - 1, rc;
	int32_t end = e->month_first[e->n_months] - 1;

	for (s = 0; s < f->n_stations; s++)
		for (i = 0; i < f->stations[s].n_devices; i++)
			if (settles(&f->stations[s], i))
				range_add(&rg, &n, e->dev_base[s] + i, e->month_first[0], end);
	rc = scan(e, db, rg, n, reach, cause);
	n = 0;
	for (s = 0; rc == 0 && s < f->n_stations; s++) {
		const struct fleet_station *st = &f->stations[s];
		int meter = -1;
		for (i = 0; i < st->n_devices; i++)
			if (st->meter && settles(st, i))
				meter = i;
		for (k = 0; k <= last; k++) {
			int want = k == last || meter < 0 ||
			           e->dm[(e->dev_base[s] + meter) * e->n_months + k].good_days == 0;
			e->others_read[s * e->n_months + k] = meter < 0 || want;
			if (meter < 0 && k == last && st->sensor) {
				/* the inverters settle it and were read: the sensor was not */
				for (i = 0; i < st->n_devices; i++)
					if (st->devices[i].kind == READING_SENSOR)
						range_add(&rg, &n, e->dev_base[s] + i,
						          e->month_first[k],
						          e->month_first[k + 1] - 1);
			}
			if (meter < 0 || !want)
				continue;
			for (i = 0; i < st->n_devices; i++) {
				struct range *prev = n ? &rg[n - 1] : NULL;
				if (i == meter)
					continue;
				/* Consecutive months of a device make one range. */
				if (prev && prev->flat == e->dev_base[s] + i &&
				    prev->to + 1 == e->month_first[k])
					prev->to = e->month_first[k + 1] - 1;
				else
					range_add(&rg, &n, e->dev_base[s] + i, e->month_first[k],
					          e->month_first[k + 1] - 1);
			}
		}
	}
	if (rc == 0)
		rc = scan(e, db, rg, n, reach, cause);
	free(rg);
	return rc;
}

/* Sum of a day array over month k. */
static int64_t month_sum(const struct energy *e, const int64_t *days, int k)
{
	int32_t d;
	int64_t sum = 0;
	for (d = e->month_first[k]; d < e->month_first[k + 1]; d++)
		sum += days[d - e->day0];
	return sum;
}

/*
 * The sensor's days of month k with the settlement energy of the same days.
 * Called once the month's source is known; the energy is the one
 * energy_days gives.
 */
static void sensor_month(struct energy *e, int s, int k, struct energy_month *m)
{
	const int64_t *sun = e->sun_day + (size_t)s * e->ndays;
	const int64_t *wh =
	    (m->source == ENERGY_INVERTERS ? e->inv_day : e->meter_day) + (size_t)s * e->ndays;
	int32_t d;
	m->sensor_days = 0;
	m->insolation_whm2 = m->insolation_energy_wh = 0;
	for (d = e->month_first[k]; d < e->month_first[k + 1]; d++) {
		int32_t i = d - e->day0;
		if (sun[i] < 0)
			continue;
		m->sensor_days++;
		m->insolation_whm2 += sun[i];
		m->insolation_energy_wh += wh[i];
	}
}

/* Station figures of month k from its devices' figures. */
static void summarise(struct energy *e, const struct energy_params *p, int s, int k)
{
	const struct fleet_station *st = &e->f->stations[s];
	struct energy_month *m = &e->em[s * e->n_months + k];
	int64_t start = e->midnight[e->month_first[k] - e->day0];
	int64_t end = e->midnight[e->month_first[k + 1] - e->day0];
	int64_t month_ms = end - start, inv_gap = -1, meter_gap = month_ms;
	int i, inverters = 0;

	m->worst_inv = -1;

	for (i = 0; i < st->n_devices; i++) {
		struct dev_month *dm = &e->dm[(e->dev_base[s] + i) * e->n_months + k];
		int is_meter = st->meter && strcmp(st->meter, st->devices[i].id) == 0;
		int64_t gap = month_ms;
		if (!settles(st, i) && !e->others_read[s * e->n_months + k])
			continue; /* not read for this month: the meter settled it */
		if (dm->good_days) {
			gap = dm->gap_ms;
			if (end - dm->last_good_ts > gap)
				gap = end - dm->last_good_ts;
		}
		m->has_rows |= dm->seen;
		m->readings += dm->readings;
		m->resets += dm->resets;
		m->excluded += dm->excluded;
		m->offline_s += dm->offline_s;
		m->fault_s += dm->fault_s;
		if (!is_meter && st->devices[i].kind != READING_SENSOR) {
			/* Inverters only: their time is what availability is about. */
			m->inverters++;
			m->inv_asleep_s += dm->asleep_s;
			m->inv_down_s += dm->offline_s + dm->fault_s;
			if (dm->offline_s + dm->fault_s >= ENERGY_DOWN_DAY_S)
				m->inv_down++;
			if (dm->offline_s + dm->fault_s >
			    (m->worst_inv >= 0 ? m->worst_offline_s + m->worst_fault_s : 0)) {
				m->worst_inv = i;
				m->worst_offline_s = dm->offline_s;
				m->worst_fault_s = dm->fault_s;
			}
		}
		if (is_meter) {
			m->has_meter = 1;
			m->meter_days = dm->good_days;
			meter_gap = gap;
		} else if (st->devices[i].kind == READING_INVERTER) {
			inverters++;
			if (dm->good_days > m->inverter_days)
				m->inverter_days = dm->good_days;
			/* The station is seen as long as one inverter reports. */
			if (inv_gap < 0 || gap < inv_gap)
				inv_gap = gap;
		}
	}
	m->expected = (int64_t)st->n_devices * (month_ms / 1000) / p->expected_interval_s;
	m->meter_wh = month_sum(e, e->meter_day + (size_t)s * e->ndays, k);
	if (e->others_read[s * e->n_months + k])
		m->inverter_wh = month_sum(e, e->inv_day + (size_t)s * e->ndays, k);
	if (m->has_meter && m->meter_days > 0) {
		m->source = ENERGY_METER;
		m->energy_wh = m->meter_wh;
		m->longest_gap_s = meter_gap / 1000;
	} else if (inverters && m->inverter_days > 0) {
		m->source = ENERGY_INVERTERS;
		m->energy_wh = m->inverter_wh;
		m->longest_gap_s = inv_gap / 1000;
	} else {
		m->source = ENERGY_NONE;
		m->longest_gap_s = month_ms / 1000;
	}
	if (m->meter_days > 0 && m->inverter_days > 0) {
		int64_t diff = m->meter_wh - m->inverter_wh;
		if (diff < 0)
			diff = -diff;
		m->mismatch = (__int128)diff * 1000 > (__int128)p->tolerance_permille * m->meter_wh;
	}
	if (st->sensor && k == e->n_months - 1)
		sensor_month(e, s, k, m);
}

/* Loads the window; see energy.h. */
struct energy *energy_load(struct store *db, const struct fleet *f, const struct energy_params *p,
                           char **cause)
{
	struct energy *e = xcalloc(1, sizeof *e);
	int s, k;

	if (p->n_months < 1 || p->expected_interval_s < 1 || p->month < 1 || p->month > 12) {
		*cause = xstrdup("energy: window parameters out of range");
		goto fail;
	}
	e->f = f;
	window_init(e, p);
	arrays_init(e);
	if (read_all(e, db, p->reach_days, cause) < 0)
		goto fail;
	for (s = 0; s < f->n_stations; s++)
		for (k = 0; k < e->n_months; k++)
			summarise(e, p, s, k);
	return e;
fail:
	energy_free(e);
	return NULL;
}

/* Frees the handle and everything it owns. */
void energy_free(struct energy *e)
{
	if (!e)
		return;
	free(e->month_first);
	free(e->midnight);
	free(e->dev_base);
	free(e->meter_day);
	free(e->inv_day);
	free(e->sun_day);
	free(e->dm);
	free(e->alarm_days);
	free(e->alarm_map);
	free(e->em);
	free(e->others_read);
	free(e);
}

/* A station's month k. */
const struct energy_month *energy_month_get(const struct energy *e, int station, int k)
{
	return &e->em[station * e->n_months + k];
}

/* First day and length of month k. */
int32_t energy_month_first_day(const struct energy *e, int k, int *ndays)
{
	if (ndays)
		*ndays = e->month_first[k + 1] - e->month_first[k];
	return e->month_first[k];
}

/* The settlement day energies of a station's month k. */
const int64_t *energy_days(const struct energy *e, int station, int k)
{
	const struct energy_month *m = energy_month_get(e, station, k);
	const int64_t *base = m->source == ENERGY_INVERTERS ? e->inv_day : e->meter_day;
	return base + (size_t)station * e->ndays + (e->month_first[k] - e->day0);
}

const int64_t *energy_insolation_days(const struct energy *e, int station)
{
	int k = e->n_months - 1;
	if (!e->f->stations[station].sensor)
		return NULL;
	return e->sun_day + (size_t)station * e->ndays + (e->month_first[k] - e->day0);
}

const uint8_t *energy_alarm_days(const struct energy *e, int station, int device, const char **map)
{
	int flat = e->dev_base[station] + device;
	if (map)
		*map = e->alarm_map[flat];
	return &e->alarm_days[(size_t)flat * ENERGY_ALARM_BITS];
}
