/*
 * energy: station energy per local day and month from the daily roll-ups,
 * with counters interpolated at local midnights. It must never scan raw
 * readings nor query per device: one ordered range query feeds everything.
 */
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "energy.h"
#include "util.h"

/* Roll-up figures of one device in one month of the window. */
struct dev_month {
	int64_t readings, offline_s, fault_s, resets, excluded;
	int64_t last_good_ts; /* last good counter reading so far (starts at the month start) */
	int64_t gap_ms;       /* longest stretch between good readings so far */
	int good_days;
	int seen;
};

struct station_key {
	const char *id;
	int index;
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
	struct dev_month *dm;    /* [flat device][month] */
	struct energy_month *em; /* [station][month] */
	int64_t unknown_rows;
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

/* Orders stations by id for bsearch. */
static int key_cmp(const void *a, const void *b)
{
	const struct station_key *x = a, *y = b;
	return strcmp(x->id, y->id);
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
	e->dm = xcalloc((size_t)e->n_devs * (size_t)e->n_months + 1, sizeof *e->dm);
	e->em = xcalloc((size_t)f->n_stations * (size_t)e->n_months + 1, sizeof *e->em);
	for (d = 0; d < e->n_devs; d++)
		for (k = 0; k < e->n_months; k++)
			e->dm[d * e->n_months + k].last_good_ts =
			    e->midnight[e->month_first[k] - e->day0];
}

/* The station of an id through the sorted keys, or -1. */
static int station_find(const struct station_key *keys, int n, const char *id)
{
	struct station_key k = {id, 0}, *hit;
	hit = bsearch(&k, keys, (size_t)n, sizeof *keys, key_cmp);
	return hit ? hit->index : -1;
}

/* A device's index inside its station, or -1. */
static int device_find(const struct fleet_station *st, const char *id)
{
	int i;
	for (i = 0; i < st->n_devices; i++)
		if (strcmp(st->devices[i].id, id) == 0)
			return i;
	return -1;
}

/* One daily row, as read. */
struct row {
	int32_t day;
	int64_t n, first_ts, first_wh, last_ts, last_wh, delta, resets, excluded, offline_s,
	    fault_s;
	int has_first, has_last;
};

/* The device a run of rows belongs to, and its previous row. */
struct cursor {
	char station[64], device[64];
	int s, dev; /* station index, device index in station; -1 unknown */
	int64_t cap_w;
	int is_meter;
	struct row prev;
	int has_prev;
};

/* Books one row of a known device into the day arrays and month figures. */
static void book_row(struct energy *e, struct cursor *c, const struct row *r)
{
	const struct fleet_station *st = &e->f->stations[c->s];
	int i = r->day - e->day0, k;
	int64_t *days = (c->is_meter ? e->meter_day : e->inv_day) + (size_t)c->s * e->ndays;

	if (!c->is_meter && st->devices[c->dev].kind != READING_INVERTER)
		return; /* a second meter (e.g. import only) settles nothing */
	days[i] += r->delta;
	/* Interpolate the counter at the midnight between two consecutive days. */
	if (c->has_prev && c->prev.day == r->day - 1 && c->prev.has_last && r->has_first) {
		int64_t pre = energy_split_boundary(c->prev.last_ts, c->prev.last_wh, r->first_ts,
		                                    r->first_wh, e->midnight[i], c->cap_w);
		days[i - 1] += pre;
		days[i] -= pre;
	}
	k = month_of(e, r->day);
	if (k >= 0) {
		struct dev_month *m = &e->dm[(e->dev_base[c->s] + c->dev) * e->n_months + k];
		m->seen = 1;
		m->readings += r->n;
		m->resets += r->resets;
		m->excluded += r->excluded;
		m->offline_s += r->offline_s;
		m->fault_s += r->fault_s;
		if (r->has_first) {
			m->good_days++;
			if (r->first_ts - m->last_good_ts > m->gap_ms)
				m->gap_ms = r->first_ts - m->last_good_ts;
			m->last_good_ts = r->has_last ? r->last_ts : r->first_ts;
		}
	}
}

/* Points the cursor at the device of a row (station and device ids from the query). */
static void cursor_move(struct energy *e, struct cursor *c, const struct station_key *keys,
                        const char *station, const char *device)
{
	if (strcmp(c->station, station) != 0) {
		util_strlcpy(c->station, station, sizeof c->station);
		c->s = station_find(keys, e->f->n_stations, station);
		c->device[0] = '\001'; /* force the device lookup */
	}
	if (strcmp(c->device, device) != 0) {
		util_strlcpy(c->device, device, sizeof c->device);
		c->has_prev = 0;
		c->dev = c->s >= 0 ? device_find(&e->f->stations[c->s], device) : -1;
		if (c->dev >= 0) {
			const struct fleet_station *st = &e->f->stations[c->s];
			const struct fleet_device *d = &st->devices[c->dev];
			c->is_meter = st->meter && strcmp(st->meter, d->id) == 0;
			c->cap_w = d->capacity_w > 0 ? d->capacity_w
			           : c->is_meter     ? st->capacity_w
			                             : 0;
		}
	}
}

/* Reads a nullable integer column; returns whether it was present. */
static int col_int(sqlite3_stmt *q, int i, int64_t *out)
{
	if (sqlite3_column_type(q, i) == SQLITE_NULL) {
		*out = 0;
		return 0;
	}
	*out = sqlite3_column_int64(q, i);
	return 1;
}

/* The one query over the window: rows in key order, so each device's days come together. */
static int scan(struct energy *e, sqlite3 *db, char **cause)
{
	static const char sql[] =
	    "SELECT station, device, day, n_readings, first_ts, first_wh, last_ts, last_wh,"
	    " delta_wh, resets, excluded, offline_s, fault_s FROM daily"
	    " WHERE day BETWEEN ?1 AND ?2 ORDER BY station, device, day";
	struct station_key *keys = NULL;
	struct cursor c;
	sqlite3_stmt *q = NULL;
	int s, rc, ret = -1;

	keys = xcalloc((size_t)e->f->n_stations + 1, sizeof *keys);
	for (s = 0; s < e->f->n_stations; s++) {
		keys[s].id = e->f->stations[s].id;
		keys[s].index = s;
	}
	qsort(keys, (size_t)e->f->n_stations, sizeof *keys, key_cmp);
	memset(&c, 0, sizeof c);
	c.s = c.dev = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		*cause = xasprintf("database: reading table \"daily\": %s", sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_bind_int64(q, 1, e->day0);
	sqlite3_bind_int64(q, 2, e->day0 + e->ndays - 1);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *station = (const char *)sqlite3_column_text(q, 0);
		const char *device = (const char *)sqlite3_column_text(q, 1);
		struct row r;
		int64_t v;

		if (!station || !device)
			continue;
		cursor_move(e, &c, keys, station, device);
		if (c.dev < 0) {
			e->unknown_rows++;
			continue;
		}
		col_int(q, 2, &v);
		r.day = (int32_t)v;
		col_int(q, 3, &r.n);
		r.has_first = col_int(q, 4, &r.first_ts) & col_int(q, 5, &r.first_wh);
		r.has_last = col_int(q, 6, &r.last_ts) & col_int(q, 7, &r.last_wh);
		col_int(q, 8, &r.delta);
		col_int(q, 9, &r.resets);
		col_int(q, 10, &r.excluded);
		col_int(q, 11, &r.offline_s);
		col_int(q, 12, &r.fault_s);
		book_row(e, &c, &r);
		c.prev = r;
		c.has_prev = 1;
	}
	if (rc != SQLITE_DONE) {
		*cause = xasprintf("database: reading table \"daily\": %s", sqlite3_errmsg(db));
		goto fail;
	}
	ret = 0;
fail:
	sqlite3_finalize(q);
	free(keys);
	return ret;
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

/* Station figures of month k from its devices' figures. */
static void summarise(struct energy *e, const struct energy_params *p, int s, int k)
{
	const struct fleet_station *st = &e->f->stations[s];
	struct energy_month *m = &e->em[s * e->n_months + k];
	int64_t start = e->midnight[e->month_first[k] - e->day0];
	int64_t end = e->midnight[e->month_first[k + 1] - e->day0];
	int64_t month_ms = end - start, inv_gap = -1, meter_gap = month_ms;
	int i, inverters = 0;

	for (i = 0; i < st->n_devices; i++) {
		struct dev_month *dm = &e->dm[(e->dev_base[s] + i) * e->n_months + k];
		int is_meter = st->meter && strcmp(st->meter, st->devices[i].id) == 0;
		int64_t gap = month_ms;
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
}

/* Loads the window; see energy.h. */
struct energy *energy_load(sqlite3 *db, const struct fleet *f, const struct energy_params *p,
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
	if (scan(e, db, cause) < 0)
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
	free(e->dm);
	free(e->em);
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

/* Rows skipped because the fleet does not know their station or device. */
int64_t energy_unknown_rows(const struct energy *e)
{
	return e->unknown_rows;
}
