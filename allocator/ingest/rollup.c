/*
 * rollup: per-device running state (last reading, last good counter, the
 * open day and hour rows) cached in memory and written at flush. It must
 * never write a row it has not first read back, or it would clobber history.
 */
#include "rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "util.h"

/* The order readings of one device are rolled up in: (ts, gw, seq). */
struct key {
	int64_t ts;
	char gw[READING_ID_MAX];
	int64_t seq;
};

struct dev {
	struct dev *next;       /* hash chain */
	struct dev *dirty_next; /* list of devices with something to flush */
	int dirty;
	char station[READING_ID_MAX], device[READING_ID_MAX];
	int64_t cap_w;
	int loaded; /* last / good read from the database */
	int queued; /* in the prefetch under way */
	int has_last;
	struct key last;
	enum reading_state last_state;
	int has_good;
	int64_t good_ts, good_wh;
	int has_day, day_dirty;
	struct store_daily day;
	int has_hour, hour_dirty;
	struct store_hourly hour;
	int recompute; /* an older reading arrived: recompute from rc_from */
	struct key rc_from;
	/*
	 * Sensors: good_ts/good_wh hold the last irradiance (W/m²); irr_cum is the
	 * insolation of day irr_day so far in W/m² x ms, whose whole Wh/m² are in
	 * its rows; nothing before irr_clip is booked (a recomputation's start).
	 */
	int32_t irr_day;
	int64_t irr_cum;
	int64_t irr_clip;
};

#define WHM2_MS INT64_C(3600000) /* W/m² x ms in one Wh/m² */

struct rollup {
	struct store *s;
	struct rollup_conf conf;
	struct dev **buckets;
	size_t n_buckets, n_devs;
	struct dev *dirty;
	struct rollup_stats stats;
};

/* Compares two keys like strcmp. */
static int key_cmp(const struct key *a, const struct key *b)
{
	int c;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	c = strcmp(a->gw, b->gw);
	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void key_of(const struct reading *r, struct key *k)
{
	k->ts = r->ts_ms;
	util_strlcpy(k->gw, r->gw, sizeof k->gw);
	k->seq = (int64_t)r->seq;
}

/* FNV-1a over station and device. */
static size_t hash(const char *station, const char *device)
{
	uint64_t h = 1469598103934665603u;
	const char *p;
	for (p = station; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	h = (h ^ '/') * 1099511628211u;
	for (p = device; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	return (size_t)h;
}

struct rollup *rollup_new(struct store *s, const struct rollup_conf *conf)
{
	struct rollup *ru = xcalloc(1, sizeof *ru);
	ru->s = s;
	if (conf)
		ru->conf = *conf;
	if (ru->conf.expected_interval_s <= 0)
		ru->conf.expected_interval_s = 60;
	ru->n_buckets = 1024;
	ru->buckets = xcalloc(ru->n_buckets, sizeof *ru->buckets);
	return ru;
}

void rollup_forget(struct rollup *ru)
{
	size_t i;
	for (i = 0; i < ru->n_buckets; i++) {
		struct dev *d = ru->buckets[i], *next;
		for (; d; d = next) {
			next = d->next;
			free(d);
		}
		ru->buckets[i] = NULL;
	}
	ru->n_devs = 0;
	ru->dirty = NULL;
}

void rollup_invalidate(struct rollup *ru, const char *station, const char *device)
{
	size_t h = hash(station, device) & (ru->n_buckets - 1);
	struct dev *d;
	for (d = ru->buckets[h]; d; d = d->next)
		if (strcmp(d->device, device) == 0 && strcmp(d->station, station) == 0) {
			/* rollup_put loads it again; the open day and hour are read back */
			d->loaded = 0;
			d->has_day = d->has_hour = 0;
			d->day_dirty = d->hour_dirty = 0;
			d->irr_day = INT32_MIN;
			return;
		}
}

void rollup_free(struct rollup *ru)
{
	if (!ru)
		return;
	rollup_forget(ru);
	free(ru->buckets);
	free(ru);
}

void rollup_stats(const struct rollup *ru, struct rollup_stats *out)
{
	*out = ru->stats;
}

/* Doubles the hash table when it gets crowded. */
static void grow(struct rollup *ru)
{
	size_t n = ru->n_buckets * 2, i;
	struct dev **b = xcalloc(n, sizeof *b);
	for (i = 0; i < ru->n_buckets; i++) {
		struct dev *d = ru->buckets[i], *next;
		for (; d; d = next) {
			size_t h = hash(d->station, d->device) & (n - 1);
			next = d->next;
			d->next = b[h];
			b[h] = d;
		}
	}
	free(ru->buckets);
	ru->buckets = b;
	ru->n_buckets = n;
}

/* Finds or creates the cached state of a device (not yet loaded). */
static struct dev *dev_get(struct rollup *ru, const char *station, const char *device)
{
	size_t h = hash(station, device) & (ru->n_buckets - 1);
	struct dev *d;
	for (d = ru->buckets[h]; d; d = d->next)
		if (strcmp(d->device, device) == 0 && strcmp(d->station, station) == 0)
			return d;
	if (ru->n_devs >= ru->n_buckets) {
		grow(ru);
		h = hash(station, device) & (ru->n_buckets - 1);
	}
	d = xcalloc(1, sizeof *d);
	util_strlcpy(d->station, station, sizeof d->station);
	util_strlcpy(d->device, device, sizeof d->device);
	if (ru->conf.capacity)
		d->cap_w = ru->conf.capacity(ru->conf.capacity_ctx, station, device);
	d->irr_day = INT32_MIN;
	d->irr_clip = INT64_MIN;
	d->next = ru->buckets[h];
	ru->buckets[h] = d;
	ru->n_devs++;
	return d;
}

static void mark_dirty(struct rollup *ru, struct dev *d)
{
	if (d->dirty)
		return;
	d->dirty = 1;
	d->dirty_next = ru->dirty;
	ru->dirty = d;
}

/*
 * A device without a raw good reading (never kept, pruned after
 * retention_days, or a history loaded as roll-ups) continues from the
 * roll-ups' last good counter (day: its latest daily row with one), so the
 * increment across the silence is booked on the day of the next reading as
 * for any other gap. The report spreads that increment over the silent days
 * and counts on it being there.
 */
static void from_latest(struct rollup *ru, struct dev *d, const struct store_daily *day)
{
	if (!day->has_last)
		return;
	d->has_good = 1;
	d->good_ts = day->last_ts;
	d->good_wh = day->last_wh;
	if (!d->has_last && ru->conf.skip_raw) {
		d->has_last = 1;
		d->last.ts = day->last_ts;
		/* after every reading at that time: ids sort below DEL */
		util_strlcpy(d->last.gw, "\x7f", sizeof d->last.gw);
		d->last.seq = INT64_MAX;
		d->last_state = STATE_UNKNOWN;
	}
}

/* Sets last and good from the device's stored readings with key < k (k NULL: all). */
static int dev_load(struct rollup *ru, struct dev *d, const struct key *k)
{
	struct reading r;
	int64_t ts = k ? k->ts : INT64_MAX;
	const char *gw = k ? k->gw : "";
	int64_t seq = k ? k->seq : 0;
	int rc = store_reading_last(ru->s, d->station, d->device, ts, gw, seq, 0, &r);
	if (rc < 0)
		return -1;
	d->has_last = rc;
	if (rc) {
		key_of(&r, &d->last);
		d->last_state = r.state;
	}
	rc = store_reading_last(ru->s, d->station, d->device, ts, gw, seq, 1, &r);
	if (rc < 0)
		return -1;
	d->has_good = rc;
	if (rc) {
		d->good_ts = r.ts_ms;
		d->good_wh = r.kind == READING_SENSOR ? r.irradiance_wm2 : r.energy_wh;
	}
	d->has_day = d->has_hour = 0;
	d->day_dirty = d->hour_dirty = 0;
	d->irr_day = INT32_MIN;
	d->loaded = 1;
	if (!d->has_good && !k) {
		struct store_daily day;
		rc = store_daily_latest(ru->s, d->station, d->device, &day);
		if (rc < 0)
			return -1;
		if (rc)
			from_latest(ru, d, &day);
	}
	return 0;
}

/* Writes the open day row if it changed. */
static int day_write(struct rollup *ru, struct dev *d)
{
	if (d->has_day && d->day_dirty) {
		if (store_daily_put(ru->s, d->station, d->device, &d->day) < 0)
			return -1;
		d->day_dirty = 0;
	}
	return 0;
}

static int hour_write(struct rollup *ru, struct dev *d)
{
	if (d->has_hour && d->hour_dirty) {
		if (store_hourly_put(ru->s, d->station, d->device, &d->hour) < 0)
			return -1;
		d->hour_dirty = 0;
	}
	return 0;
}

/* Makes the open day row the one of day (read back from the database if it exists). */
static int day_open(struct rollup *ru, struct dev *d, int32_t day, int kind)
{
	int rc;
	if (d->has_day && d->day.day == day)
		return 0;
	if (day_write(ru, d) < 0)
		return -1;
	rc = store_daily_get(ru->s, d->station, d->device, day, &d->day);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		memset(&d->day, 0, sizeof d->day);
		d->day.day = day;
		d->day.kind = kind;
	}
	d->has_day = 1;
	return 0;
}

static int hour_open(struct rollup *ru, struct dev *d, int32_t day, int hour)
{
	int rc;
	if (d->has_hour && d->hour.day == day && d->hour.hour == hour)
		return 0;
	if (hour_write(ru, d) < 0)
		return -1;
	rc = store_hourly_get(ru->s, d->station, d->device, day, hour, &d->hour);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		memset(&d->hour, 0, sizeof d->hour);
		d->hour.day = day;
		d->hour.hour = hour;
	}
	d->has_hour = 1;
	return 0;
}

/* Adds the time spent in a state to a day row. */
static void state_time(struct store_daily *day, enum reading_state st, int64_t secs)
{
	switch (st) {
	case STATE_SLEEPING:
	case STATE_STANDBY:
	case STATE_OFF:
		day->asleep_s += secs;
		break;
	case STATE_OFFLINE:
		day->offline_s += secs;
		break;
	case STATE_FAULT:
		day->fault_s += secs;
		break;
	default:
		break;
	}
}

/*
 * Books area (W/m² x ms) of a sensor's insolation into the (open) day and
 * hour rows: the whole Wh/m² the day's running total crossed, so that the
 * hours of a day add up to the day exactly.
 */
static void irr_book(struct dev *d, int64_t area)
{
	int64_t inc;
	if (d->irr_day != d->day.day) {
		d->irr_day = d->day.day;
		d->irr_cum = d->day.delta_wh * WHM2_MS;
	}
	inc = (d->irr_cum + area) / WHM2_MS - d->irr_cum / WHM2_MS;
	d->irr_cum += area;
	d->day.delta_wh += inc;
	d->hour.wh += inc;
	d->day_dirty = d->hour_dirty = 1;
}

/*
 * A sensor's insolation between its last irradiance and r's (docs/storage.md):
 * the trapezoid, negative irradiance as 0, cut at every local hour so that
 * each hour and day gets its own part; an interval longer than cap is a gap
 * (counted in the day's excluded), not integrated.
 */
static int irr_step(struct rollup *ru, struct dev *d, const struct reading *r, int64_t cap)
{
	int64_t t0 = d->good_ts, t1 = r->ts_ms, dt = t1 - t0, a;
	int64_t g0 = d->good_wh > 0 ? d->good_wh : 0;
	int64_t g1 = r->irradiance_wm2 > 0 ? r->irradiance_wm2 : 0;
	int hour;

	if (!store_reading_good(r))
		return 0; /* no irradiance (offline, flagged): the next one continues from the last
		           */
	if (d->has_good && dt > cap) {
		if (day_open(ru, d, caltime_local_day(t1, &hour), READING_SENSOR) < 0)
			return -1;
		d->day.excluded++;
		d->day_dirty = 1;
	} else if (d->has_good && dt > 0) {
		for (a = t0 > d->irr_clip ? t0 : d->irr_clip; a < t1;) {
			int32_t day = caltime_local_day(a, &hour);
			int64_t into = (a - caltime_local_midnight_ms(day)) % WHM2_MS;
			int64_t b = a + (into >= 0 ? WHM2_MS - into : WHM2_MS);
			__int128 num;
			if (b > t1)
				b = t1;
			if (day_open(ru, d, day, READING_SENSOR) < 0 ||
			    hour_open(ru, d, day, hour) < 0)
				return -1;
			/* the mean of the line's values at a and b, times b - a, in exact integers
			 */
			num =
			    ((__int128)2 * g0 * dt + (__int128)(g1 - g0) * ((a - t0) + (b - t0))) *
			    (b - a);
			irr_book(d, (int64_t)(num / (2 * dt)));
			a = b;
		}
	}
	d->has_good = 1;
	d->good_ts = t1;
	d->good_wh = r->irradiance_wm2;
	return 0;
}

/* Rolls up r, the device's next reading in key order (the rules of docs/storage.md). */
static int step(struct rollup *ru, struct dev *d, const struct reading *r)
{
	int hour;
	int32_t day = caltime_local_day(r->ts_ms, &hour);

	if (d->has_last) {
		/* the interval since the last reading belongs to that reading's state and day */
		int64_t dt = r->ts_ms - d->last.ts,
		        cap = 3000 * (int64_t)ru->conf.expected_interval_s;
		int hr;
		if (day_open(ru, d, caltime_local_day(d->last.ts, &hr), r->kind) < 0)
			return -1;
		state_time(&d->day, d->last_state, (dt < cap ? dt : cap) / 1000);
		d->day_dirty = 1;
	}
	if (r->kind == READING_SENSOR &&
	    irr_step(ru, d, r, 3000 * (int64_t)ru->conf.expected_interval_s) < 0)
		return -1;
	if (day_open(ru, d, day, r->kind) < 0 || hour_open(ru, d, day, hour) < 0)
		return -1;
	d->day.n_readings++;
	d->hour.n++;
	if ((r->has & READING_HAS_ALARMS) && r->alarms) {
		d->day.alarms |= r->alarms;
		snprintf(d->day.alarm_map, sizeof d->day.alarm_map, "%s", r->map);
	}
	if (r->has & (READING_HAS_POWER | READING_HAS_IRRADIANCE)) {
		/* a sensor's peak is its irradiance, W/m² */
		int64_t pk = r->kind == READING_SENSOR ? r->irradiance_wm2 : r->ac_power_w;
		if (!d->day.has_peak || pk > d->day.peak_w)
			d->day.peak_w = pk, d->day.has_peak = 1;
		if (!d->hour.has_peak || pk > d->hour.peak_w)
			d->hour.peak_w = pk, d->hour.has_peak = 1;
	}
	if (r->has & READING_HAS_ENERGY) {
		if (!store_reading_good(r)) {
			d->day.excluded++;
		} else {
			if (d->has_good) {
				int64_t inc = r->energy_wh - d->good_wh;
				double bound = (double)d->cap_w * (double)(r->ts_ms - d->good_ts) /
				                   3600000.0 * 1.01 +
				               1000.0;
				if (inc < 0) {
					d->day.resets++;
				} else if (d->cap_w > 0 && (double)inc > bound) {
					d->day.excluded++;
				} else {
					d->day.delta_wh += inc;
					d->hour.wh += inc;
				}
			}
			d->has_good = 1;
			d->good_ts = r->ts_ms;
			d->good_wh = r->energy_wh;
			if (!d->day.has_first) {
				d->day.has_first = 1;
				d->day.first_ts = r->ts_ms;
				d->day.first_wh = r->energy_wh;
			}
			d->day.has_last = 1;
			d->day.last_ts = r->ts_ms;
			d->day.last_wh = r->energy_wh;
		}
	}
	d->day_dirty = d->hour_dirty = 1;
	d->has_last = 1;
	key_of(r, &d->last);
	d->last_state = r->state;
	return 0;
}

/* Sets a device's state from what store_dev_heads found (as dev_load from the start would). */
static void dev_from_head(struct rollup *ru, struct dev *d, const struct store_dev_head *h,
                          int kind)
{
	d->has_last = h->has_last;
	if (h->has_last) {
		key_of(&h->last, &d->last);
		d->last_state = h->last.state;
	}
	d->has_good = h->has_good;
	d->good_ts = h->good_ts;
	d->good_wh = h->good_wh;
	d->day_dirty = d->hour_dirty = 0;
	d->irr_day = INT32_MIN;
	d->loaded = 1;
	if (!d->has_good && h->has_latest)
		from_latest(ru, d, &h->latest);
	/* the open rows of the first reading's day and hour, as day_open and hour_open make them */
	d->has_day = d->has_hour = 1;
	if (h->has_day) {
		d->day = h->day_row;
	} else {
		memset(&d->day, 0, sizeof d->day);
		d->day.day = h->day;
		d->day.kind = kind;
	}
	if (h->has_hour) {
		d->hour = h->hour_row;
	} else {
		memset(&d->hour, 0, sizeof d->hour);
		d->hour.day = h->day;
		d->hour.hour = h->hour;
	}
}

/* Loads the devices of rs without cached state: 1 done, 0 the store loads one by one, -1. */
static int prefetch(struct rollup *ru, const struct reading *const *rs, size_t n)
{
	struct store_dev_head *h;
	struct dev **dv;
	int *kinds;
	size_t i, m = 0;
	int rc;
	if (n == 0 || !store_loads_in_bulk(ru->s))
		return 0;
	h = xcalloc(n, sizeof *h);
	dv = xcalloc(n, sizeof *dv);
	kinds = xcalloc(n, sizeof *kinds);
	for (i = 0; i < n; i++) {
		struct dev *d = dev_get(ru, rs[i]->station, rs[i]->device);
		int hour;
		if (d->loaded || d->queued)
			continue;
		d->queued = 1;
		dv[m] = d;
		h[m].station = d->station;
		h[m].device = d->device;
		h[m].day = caltime_local_day(rs[i]->ts_ms, &hour);
		h[m].hour = hour;
		kinds[m] = rs[i]->kind;
		m++;
	}
	rc = m > 0 ? store_dev_heads(ru->s, h, m, 1) : 1;
	for (i = 0; i < m; i++) {
		dv[i]->queued = 0;
		if (rc > 0)
			dev_from_head(ru, dv[i], &h[i], kinds[i]);
	}
	free(h);
	free(dv);
	free(kinds);
	return rc;
}

/* Rolls up r, just stored, of device d (loaded): 1, or -1 on a database error. */
static int put_stored(struct rollup *ru, struct dev *d, const struct reading *r)
{
	struct key k;
	ru->stats.stored++;
	mark_dirty(ru, d);
	key_of(r, &k);
	if (d->recompute) {
		if (key_cmp(&k, &d->rc_from) < 0)
			d->rc_from = k;
		return 1;
	}
	if (d->has_last && key_cmp(&k, &d->last) < 0) {
		d->recompute = 1;
		d->rc_from = k;
		return 1;
	}
	return step(ru, d, r) < 0 ? -1 : 1;
}

int rollup_put(struct rollup *ru, const struct reading *r)
{
	struct dev *d = dev_get(ru, r->station, r->device);
	struct key k;
	int rc;

	/* load before inserting, so the device's "last" is not the new reading itself */
	if (!d->loaded && dev_load(ru, d, NULL) < 0)
		return -1;
	if (ru->conf.skip_raw) {
		key_of(r, &k);
		if (d->has_last && key_cmp(&k, &d->last) <= 0) {
			ru->stats.skipped++;
			return 0;
		}
		ru->stats.stored++;
		mark_dirty(ru, d);
		return step(ru, d, r) < 0 ? -1 : 1;
	}
	rc = store_reading_insert(ru->s, r);
	if (rc <= 0) {
		if (rc == 0)
			ru->stats.duplicates++;
		return rc;
	}
	return put_stored(ru, d, r);
}

int rollup_put_batch(struct rollup *ru, const struct reading *const *rs, size_t n, int *res)
{
	size_t i;
	int rc = n > 0 && !ru->conf.skip_raw ? prefetch(ru, rs, n) : 0;
	if (rc < 0)
		return -1;
	if (rc == 0) {
		for (i = 0; i < n; i++)
			if ((res[i] = rollup_put(ru, rs[i])) < 0)
				return -1;
		return 0;
	}
	/* every device is loaded now, from before this batch: store it all, then roll up */
	if (store_readings_insert(ru->s, rs, n, res) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!res[i]) {
			ru->stats.duplicates++;
			continue;
		}
		if (put_stored(ru, dev_get(ru, rs[i]->station, rs[i]->device), rs[i]) < 0)
			return -1;
	}
	return 0;
}

struct range_ctx {
	struct rollup *ru;
	struct dev *d;
};

static int range_step(void *ctx, const struct reading *r)
{
	struct range_ctx *c = ctx;
	return step(c->ru, c->d, r);
}

/* Recomputes the device's roll-ups from the day of the reading before `from` to its last day. */
static int recompute(struct rollup *ru, struct dev *d, const struct key *from)
{
	struct range_ctx c = {ru, d};
	struct reading r;
	int32_t from_day, to_day;
	int64_t start_ms, end_ms;
	int hour, rc;

	ru->stats.recomputes++;
	rc = store_reading_last(ru->s, d->station, d->device, from->ts, from->gw, from->seq, 0, &r);
	if (rc < 0)
		return -1;
	from_day = caltime_local_day(rc ? r.ts_ms : from->ts, &hour);
	if (store_reading_last(ru->s, d->station, d->device, INT64_MAX, "", 0, 0, &r) < 0)
		return -1;
	to_day = caltime_local_day(r.ts_ms, &hour);
	if (to_day < from_day)
		to_day = from_day;
	start_ms = caltime_local_midnight_ms(from_day);
	end_ms = caltime_local_midnight_ms(to_day + 1);

	if (store_rollups_delete(ru->s, d->station, d->device, from_day, to_day) < 0)
		return -1;
	/* the state before the range; the last reading's interval into it is already counted */
	{
		struct key k = {.ts = start_ms, .gw = "", .seq = 0};
		if (dev_load(ru, d, &k) < 0)
			return -1;
		d->has_last = 0;
	}
	/* a sensor's interval into the range: only its part after start_ms is booked again */
	d->irr_clip = start_ms;
	rc = store_readings_each(ru->s, d->station, d->device, start_ms, end_ms, range_step, &c);
	d->irr_clip = INT64_MIN;
	return rc < 0 ? -1 : 0;
}

int rollup_flush(struct rollup *ru)
{
	struct dev *d, *next;
	for (d = ru->dirty; d; d = next) {
		next = d->dirty_next;
		if (d->recompute) {
			if (recompute(ru, d, &d->rc_from) < 0)
				return -1;
			d->recompute = 0;
		}
		if (day_write(ru, d) < 0 || hour_write(ru, d) < 0)
			return -1;
		d->dirty = 0;
		d->dirty_next = NULL;
		ru->dirty = next;
	}
	return 0;
}

int rollup_rebuild(struct rollup *ru, const char *station, const char *device)
{
	struct dev *d;
	struct reading first;
	int rc = store_reading_first(ru->s, station, device, &first);
	if (rc <= 0)
		return rc;
	if (rollup_flush(ru) < 0)
		return -1;
	d = dev_get(ru, station, device);
	mark_dirty(ru, d);
	d->recompute = 1;
	key_of(&first, &d->rc_from);
	return rollup_flush(ru);
}
