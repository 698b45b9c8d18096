/*
 * status: judges the gateways and devices of the fleet from the central
 * database as it is now (see status.h, docs/operations.md). It reads through
 * the store's status queries (indexed ranges per device, store.h), so a county
 * of ~1,500 devices is judged in well under a second; it never writes.
 */
#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caltime.h"
#include "util.h"

#define HOUR_MS 3600000LL

struct ctx {
	struct store *s;
	char **cause;
	/* hourly rows of one device, reused */
	int32_t *h_day;
	int *h_hour;
	int64_t *h_n;
	int h_len, h_cap;
	/* daily counts of one device, reused */
	int32_t *d_day;
	int64_t *d_n;
	int d_len, d_cap;
};

static const char *const sev_names[] = {"ok", "warning", "critical"};
static const char *const problem_names[SP_COUNT] = {
    [SP_GATEWAY_NEVER] = "gateway_never_connected",
    [SP_GATEWAY_OFFLINE] = "gateway_offline",
    [SP_GATEWAY_SILENT] = "gateway_silent",
    [SP_DEVICE_NEVER] = "device_never_reported",
    [SP_DEVICE_SILENT] = "device_silent",
    [SP_DEVICE_OFFLINE] = "device_offline",
    [SP_DEVICE_FAULT] = "device_fault",
    [SP_GATEWAY_LOST] = "gateway_lost_readings",
    [SP_GATEWAY_REJECTS] = "gateway_rejects",
    [SP_GATEWAY_UNKNOWN] = "gateway_unknown",
    [SP_DEVICE_INCOMPLETE] = "device_incomplete",
};

const char *status_severity_name(enum status_severity s)
{
	return s >= STATUS_OK && s <= STATUS_CRITICAL ? sev_names[s] : "unknown";
}

const char *status_problem_name(enum status_problem_kind k)
{
	return k >= 0 && k < SP_COUNT ? problem_names[k] : "unknown";
}

const char *status_time(int64_t ms, int iso, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	long off, h, m;
	if (ms <= 0 || !localtime_r(&t, &tm)) {
		util_strlcpy(buf, "-", size);
		return buf;
	}
	off = tm.tm_gmtoff / 60;
	h = (off < 0 ? -off : off) / 60;
	m = (off < 0 ? -off : off) % 60;
	if (!iso) /* the one text form, as caltime.h writes it for everyone */
		return caltime_format_local(ms, buf, (int)size);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	         h, m);
	return buf;
}

const char *status_duration(int64_t ms, char *buf, size_t size)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;
	if (s >= 86400)
		snprintf(buf, size, "%lld d %lld h", (long long)(s / 86400),
		         (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, size, "%lld h %lld min", (long long)(s / 3600),
		         (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, size, "%lld min", (long long)(s / 60));
	else
		snprintf(buf, size, "%lld s", (long long)s);
	return buf;
}

/* Takes the store's last error as the cause; returns -1. */
static int db_fail(struct ctx *c)
{
	*c->cause = xstrdup(store_error(c->s));
	return -1;
}

/* 1 when station st passes the township/station/gateway filters. */
static int station_selected(const struct fleet *f, const struct fleet_station *st,
                            const struct status_params *p, int township)
{
	int i;
	if (p->station && strcmp(st->id, p->station) != 0)
		return 0;
	if (p->gateway && (!st->gateway || strcmp(st->gateway, p->gateway) != 0))
		return 0;
	if (township < 0)
		return 1;
	for (i = 0; i < st->n_shares; i++)
		if (f->villages[st->shares[i].village].township == township)
			return 1;
	return 0;
}

/* Index of gateway id in st->gateways, adding it when missing. */
static int gateway_index(struct status *st, const char *id, int *cap)
{
	int i;
	for (i = 0; i < st->n_gateways; i++)
		if (strcmp(st->gateways[i].id, id) == 0)
			return i;
	if (st->n_gateways == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		st->gateways = xrealloc(st->gateways, (size_t)*cap * sizeof *st->gateways);
	}
	memset(&st->gateways[st->n_gateways], 0, sizeof st->gateways[0]);
	st->gateways[st->n_gateways].problem = -1;
	util_strlcpy(st->gateways[st->n_gateways].id, id, sizeof st->gateways[0].id);
	return st->n_gateways++;
}

static void add_problem(struct status *st, int *cap, enum status_problem_kind k,
                        enum status_severity sev, int gw, int dev, int64_t since, int64_t value,
                        int64_t aux)
{
	struct status_problem *p;
	if (st->n_problems == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		st->problems = xrealloc(st->problems, (size_t)*cap * sizeof *st->problems);
	}
	p = &st->problems[st->n_problems++];
	p->kind = k;
	p->severity = sev;
	p->gateway = gw;
	p->device = dev;
	p->since_ms = since;
	p->value = value;
	p->aux = aux;
	if (gw >= 0 && dev < 0) {
		if (st->gateways[gw].severity < sev)
			st->gateways[gw].severity = sev;
		if (st->gateways[gw].problem < 0 && k != SP_GATEWAY_LOST && k != SP_GATEWAY_REJECTS)
			st->gateways[gw].problem = (int)k;
	}
	if (dev >= 0) {
		if (st->devices[dev].severity < sev)
			st->devices[dev].severity = sev;
		if (st->devices[dev].problem < 0)
			st->devices[dev].problem = (int)k;
	}
	if (st->severity < sev)
		st->severity = sev;
	if (sev == STATUS_CRITICAL)
		st->sum.n_critical++;
	else
		st->sum.n_warning++;
}

struct gw_ctx {
	struct status *st;
	int *cap, all;
};

/* One row of the gateways table into the gateway of that id (added when shown). */
static int gateway_row(void *ctx, const struct store_gateway *row)
{
	struct gw_ctx *x = ctx;
	struct status *st = x->st;
	struct status_gateway *g = NULL;
	int i;
	for (i = 0; i < st->n_gateways; i++)
		if (strcmp(st->gateways[i].id, row->gw) == 0)
			g = &st->gateways[i];
	if (!g) {
		/* a gateway the fleet does not know is shown unless a filter narrows the view */
		if (!x->all && !(st->p.gateway && strcmp(st->p.gateway, row->gw) == 0))
			return 0;
		g = &st->gateways[gateway_index(st, row->gw, x->cap)];
	}
	g->in_store = 1;
	g->g = *row;
	return 0;
}

static void gateway_rejects(void *ctx, const char *gw, int64_t n)
{
	struct status *st = ctx;
	int i;
	for (i = 0; i < st->n_gateways; i++)
		if (strcmp(st->gateways[i].id, gw) == 0)
			st->gateways[i].rejects_recent = n;
}

/* Loads the gateways table and the recent rejects into the gateways listed. */
static int load_gateways(struct ctx *c, struct status *st, int *cap, int all)
{
	struct gw_ctx x = {st, cap, all};
	if (store_gateway_each(c->s, gateway_row, &x) < 0 ||
	    store_rejects_since(c->s, st->p.now_ms - STATUS_REJECT_WINDOW_MS, gateway_rejects, st) <
	        0)
		return db_fail(c);
	return 0;
}

static int daily_add(void *ctx, int32_t day, int hour, int64_t n)
{
	struct ctx *c = ctx;
	(void)hour;
	if (c->d_len == c->d_cap) {
		c->d_cap = c->d_cap ? c->d_cap * 2 : 64;
		c->d_day = xrealloc(c->d_day, (size_t)c->d_cap * sizeof *c->d_day);
		c->d_n = xrealloc(c->d_n, (size_t)c->d_cap * sizeof *c->d_n);
	}
	c->d_day[c->d_len] = day;
	c->d_n[c->d_len++] = n;
	return 0;
}

static int hourly_add(void *ctx, int32_t day, int hour, int64_t n)
{
	struct ctx *c = ctx;
	if (c->h_len == c->h_cap) {
		c->h_cap = c->h_cap ? c->h_cap * 2 : 1024;
		c->h_day = xrealloc(c->h_day, (size_t)c->h_cap * sizeof *c->h_day);
		c->h_hour = xrealloc(c->h_hour, (size_t)c->h_cap * sizeof *c->h_hour);
		c->h_n = xrealloc(c->h_n, (size_t)c->h_cap * sizeof *c->h_n);
	}
	c->h_day[c->h_len] = day;
	c->h_hour[c->h_len] = hour;
	c->h_n[c->h_len++] = n;
	return 0;
}

/* Loads the device's hourly rows and daily counts of days from..to into c->h_*, c->d_*. */
static int load_hourly(struct ctx *c, const struct status_device *d, int32_t day, int32_t to)
{
	c->d_len = c->h_len = 0;
	if (store_status_hours(c->s, d->st->id, d->dv->id, day, to, 0, daily_add, c) < 0 ||
	    store_status_hours(c->s, d->st->id, d->dv->id, day, to, 1, hourly_add, c) < 0)
		return db_fail(c);
	return 0;
}

static int64_t hour_start_ms(int32_t day, int hour)
{
	return caltime_local_midnight_ms(day) + hour * HOUR_MS;
}

/* How many of the n_due readings due at from, from + iv, ... fall before t. */
static int64_t due(int64_t from, int64_t t, int64_t iv, int64_t n_due)
{
	int64_t k = t > from ? (t - from + iv - 1) / iv : 0;
	return k < n_due ? k : n_due;
}

/*
 * Completeness at hour resolution: readings are due every interval from the
 * device's first reading of the month (or the month's start), one for each
 * interval that has passed since (at least one); each local hour holds the
 * due slots that fall in it, of which min(readings stored that hour, slots)
 * are covered. A device polled faster than expected earns
 * no credit beyond its slots, so a gap shows however fast the polling. A day
 * without hourly rows but with a daily row is judged on the whole day instead.
 */
/* A stretch of time the roll-ups say had n readings: an hour, or a day without hourly rows. */
struct span {
	int64_t a, b, n;
};

/*
 * Completeness for an interval longer than an hour: interval j is the window
 * [from + j iv, from + (j + 1) iv); it is covered by the first span that
 * overlaps it and has readings left, each reading covering one window.
 */
static void completeness_long(struct ctx *c, struct status_device *d, int64_t iv, int64_t n_due)
{
	struct span *sp = xcalloc((size_t)c->h_len + (size_t)c->d_len + 1, sizeof *sp);
	int ns = 0, k = 0, kd, i = 0;
	int64_t j;

	for (kd = 0; kd <= c->d_len; kd++) {
		int32_t day = kd < c->d_len ? c->d_day[kd] : INT32_MAX;
		int hourly = 0;
		for (; k < c->h_len && c->h_day[k] <= day; k++) {
			hourly |= c->h_day[k] == day;
			sp[ns].a = hour_start_ms(c->h_day[k], c->h_hour[k]);
			sp[ns].b = sp[ns].a + HOUR_MS;
			sp[ns++].n = c->h_n[k];
		}
		if (kd < c->d_len && !hourly) {
			sp[ns].a = caltime_local_midnight_ms(day);
			sp[ns].b = caltime_local_midnight_ms(day + 1);
			sp[ns++].n = c->d_n[kd];
		}
	}
	d->slots = n_due;
	for (j = 0; j < n_due; j++) {
		int64_t wa = d->from_ms + j * iv, wb = wa + iv;
		while (i < ns && (sp[i].b <= wa || sp[i].n <= 0))
			i++;
		if (i < ns && sp[i].a < wb) {
			d->covered++;
			sp[i].n--;
		}
	}
	free(sp);
}

static void completeness(struct ctx *c, struct status_device *d, const struct status *st)
{
	int64_t iv = (int64_t)st->p.expected_interval_s * 1000, now = st->p.now_ms;
	int32_t day = caltime_local_day(d->from_ms, NULL), last = caltime_local_day(now, NULL);
	int k = 0, kd = 0, h;
	/* one due at the first reading, then one per interval that has fully passed */
	int64_t n_due = (now - d->from_ms) / iv;
	if (n_due < 1)
		n_due = 1;
	d->slots = d->covered = d->readings = 0;
	for (kd = 0; kd < c->d_len; kd++)
		d->readings += c->d_n[kd];
	kd = 0;
	if (iv > HOUR_MS) {
		completeness_long(c, d, iv, n_due);
		d->complete_permille = d->slots > 0 ? d->covered * 1000 / d->slots : -1;
		return;
	}
	for (; day <= last; day++) {
		int64_t next_midnight = caltime_local_midnight_ms(day + 1), day_slots = 0,
		        day_covered = 0, day_n = 0;
		int has_hourly;
		while (k < c->h_len && c->h_day[k] < day)
			k++;
		while (kd < c->d_len && c->d_day[kd] < day)
			kd++;
		has_hourly = k < c->h_len && c->h_day[k] == day;
		if (kd < c->d_len && c->d_day[kd] == day)
			day_n = c->d_n[kd];
		for (h = 0; h < 24; h++) {
			int64_t a = hour_start_ms(day, h), b = a + HOUR_MS, slots, n = 0;
			if (b > next_midnight)
				b = next_midnight;
			if (a < d->from_ms)
				a = d->from_ms;
			if (b <= a)
				continue;
			slots = due(d->from_ms, b, iv, n_due) - due(d->from_ms, a, iv, n_due);
			if (slots <= 0)
				continue;
			while (k < c->h_len && c->h_day[k] == day && c->h_hour[k] < h)
				k++;
			if (k < c->h_len && c->h_day[k] == day && c->h_hour[k] == h)
				n = c->h_n[k];
			day_slots += slots;
			day_covered += n < slots ? n : slots;
		}
		if (!has_hourly)
			day_covered = day_n < day_slots ? day_n : day_slots;
		d->slots += day_slots;
		d->covered += day_covered;
	}
	d->complete_permille = d->slots > 0 ? d->covered * 1000 / d->slots : -1;
}

/* Fills one device's figures from the database. */
static int judge_device(struct ctx *c, struct status *st, struct status_device *d)
{
	struct store_device_state ds;
	int32_t today = caltime_local_day(st->p.now_ms, NULL);
	int64_t first_month = 0;

	d->last_state = -1;
	d->complete_permille = -1;
	d->in_service = d->st->commissioned_day <= today;
	if (store_device_state(c->s, d->st->id, d->dv->id, st->p.now_ms,
	                       caltime_local_day(st->month_ms, NULL), st->month_ms, &ds) < 0)
		return db_fail(c);
	if (ds.has_raw) {
		d->has_raw = d->has_data = 1;
		d->last_ms = ds.last_ms;
		d->last_state = ds.last_state;
		d->state_since_ms = ds.run_since_ms;
	} else {
		d->has_data = ds.has_daily || ds.has_hourly;
		d->last_ms = ds.daily_last_ts;
		if (ds.has_hourly && hour_start_ms(ds.hourly_day, ds.hourly_hour) > d->last_ms)
			d->last_ms = hour_start_ms(ds.hourly_day, ds.hourly_hour);
	}
	/* judged as of an earlier instant (--at), a day's roll-up may reach past it */
	if (d->last_ms > st->p.now_ms)
		d->last_ms = st->p.now_ms;
	if (!d->in_service || !d->has_data)
		return 0;
	if (load_hourly(c, d, caltime_local_day(st->month_ms, NULL), today) < 0)
		return -1;
	/*
	 * The period starts at the month's first midnight (or the commissioning day)
	 * for a device that reported before, so a silence since then counts; a
	 * device new this month starts at its first reading.
	 */
	if (!ds.before) {
		first_month = ds.first_since_ms;
		if (!first_month && c->h_len > 0)
			first_month = hour_start_ms(c->h_day[0], c->h_hour[0]);
		if (!first_month && c->d_len > 0)
			first_month = caltime_local_midnight_ms(c->d_day[0]);
	}
	d->from_ms = first_month ? first_month : st->month_ms;
	if (!first_month && d->from_ms < caltime_local_midnight_ms(d->st->commissioned_day))
		d->from_ms = caltime_local_midnight_ms(d->st->commissioned_day);
	if (d->from_ms > st->p.now_ms)
		d->from_ms = st->p.now_ms;
	completeness(c, d, st);
	return 0;
}

static int problem_cmp(const void *a, const void *b)
{
	const struct status_problem *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->gateway != y->gateway)
		return x->gateway < y->gateway ? -1 : 1;
	return x->device < y->device ? -1 : x->device > y->device;
}

/* Problems and counts of the gateways. */
static void judge_gateways(struct status *st, int *cap)
{
	int i;
	for (i = 0; i < st->n_gateways; i++) {
		struct status_gateway *g = &st->gateways[i];
		st->sum.gateways++;
		if (!g->in_fleet) {
			st->sum.gw_unknown++;
			add_problem(st, cap, SP_GATEWAY_UNKNOWN, STATUS_WARNING, i, -1,
			            g->g.last_ms, 0, 0);
		} else if (!g->in_store || (g->g.last_ms <= 0 && !g->g.status[0])) {
			st->sum.gw_never++;
			/* a gateway of stations not yet in service is expected to be silent */
			if (g->n_in_service > 0)
				add_problem(st, cap, SP_GATEWAY_NEVER, STATUS_CRITICAL, i, -1, 0, 0,
				            0);
		} else if (strcmp(g->g.status, "offline") == 0) {
			st->sum.gw_offline++;
			add_problem(st, cap, SP_GATEWAY_OFFLINE, STATUS_CRITICAL, i, -1,
			            g->g.last_ms, 0, 0);
		} else if (st->p.now_ms - g->g.last_ms > st->p.silent_ms) {
			st->sum.gw_silent++;
			add_problem(st, cap, SP_GATEWAY_SILENT, STATUS_CRITICAL, i, -1,
			            g->g.last_ms, 0, 0);
		} else {
			st->sum.gw_online++;
		}
		if (g->in_store && (g->g.lost_seqs > 0 || g->g.dropped_total > 0))
			add_problem(st, cap, SP_GATEWAY_LOST, STATUS_WARNING, i, -1, 0,
			            g->g.lost_seqs, g->g.dropped_total);
		if (g->rejects_recent > 0)
			add_problem(st, cap, SP_GATEWAY_REJECTS, STATUS_WARNING, i, -1, 0,
			            g->rejects_recent, g->g.rejects);
		if (g->in_store) {
			st->sum.lost += g->g.lost_seqs;
			st->sum.dropped += g->g.dropped_total;
			st->sum.rejects_recent += g->rejects_recent;
			if (g->g.backlog > 0)
				st->sum.backlog += g->g.backlog;
		}
	}
}

/* Problems and counts of one device. */
static void judge_device_problems(struct status *st, int *cap, int i)
{
	struct status_device *d = &st->devices[i];
	int bad = 0;
	st->sum.devices++;
	if (!d->in_service) {
		st->sum.dev_not_in_service++;
		return;
	}
	if (!d->has_data) {
		st->sum.dev_never++;
		add_problem(st, cap, SP_DEVICE_NEVER, STATUS_CRITICAL, d->gateway, i, 0, 0, 0);
		return;
	}
	if (st->p.now_ms - d->last_ms > st->p.silent_ms) {
		st->sum.dev_silent++;
		add_problem(st, cap, SP_DEVICE_SILENT, STATUS_CRITICAL, d->gateway, i, d->last_ms,
		            0, 0);
		bad = 1;
	} else if (d->last_state == STATE_OFFLINE) {
		st->sum.dev_offline++;
		add_problem(st, cap, SP_DEVICE_OFFLINE, STATUS_WARNING, d->gateway, i,
		            d->state_since_ms, 0, 0);
		bad = 1;
	} else if (d->last_state == STATE_FAULT) {
		st->sum.dev_fault++;
		add_problem(st, cap, SP_DEVICE_FAULT, STATUS_WARNING, d->gateway, i,
		            d->state_since_ms, 0, 0);
		bad = 1;
	}
	if (d->complete_permille >= 0) {
		st->sum.slots += d->slots;
		st->sum.covered += d->covered;
		if (d->complete_permille < STATUS_COMPLETE_PERMILLE) {
			st->sum.dev_incomplete++;
			add_problem(st, cap, SP_DEVICE_INCOMPLETE, STATUS_WARNING, d->gateway, i,
			            d->from_ms, d->complete_permille, 0);
			bad = 1;
		}
	}
	if (!bad)
		st->sum.dev_ok++;
}

struct status *status_build(struct store *db, const struct fleet *f, const struct status_params *p,
                            char **cause)
{
	struct status *st = xcalloc(1, sizeof *st), *ret = NULL;
	struct ctx c;
	int i, j, township = -1, gw_cap = 0, pr_cap = 0, n_dev = 0, d;
	int all = !p->township && !p->station && !p->gateway;
	int32_t today;

	memset(&c, 0, sizeof c);
	c.s = db;
	c.cause = cause;
	st->p = *p;
	if (st->p.expected_interval_s <= 0)
		st->p.expected_interval_s = 60;
	if (st->p.silent_ms <= 0)
		st->p.silent_ms = 300000;
	today = caltime_local_day(p->now_ms, NULL);
	{
		int dd;
		caltime_civil(today, &st->year, &st->month, &dd);
	}
	st->month_ms = caltime_local_midnight_ms(caltime_days(st->year, st->month, 1));

	if (p->township) {
		for (i = 0; i < f->n_townships; i++)
			if (strcmp(f->townships[i].id, p->township) == 0 ||
			    (f->townships[i].name &&
			     strcmp(f->townships[i].name, p->township) == 0))
				township = i;
		if (township < 0) {
			*cause =
			    xasprintf("--township: no township \"%s\" in %s", p->township, f->path);
			goto fail;
		}
	}
	if (p->station && fleet_station_index(f, p->station) < 0) {
		*cause = xasprintf("--station: no station \"%s\" in %s", p->station, f->path);
		goto fail;
	}

	/* the fleet's gateways and devices that pass the filters, in fleet order */
	for (i = 0; i < f->n_stations; i++)
		if (station_selected(f, &f->stations[i], p, township))
			n_dev += f->stations[i].n_devices;
	st->devices = xcalloc((size_t)n_dev + 1, sizeof *st->devices);
	for (i = 0; i < f->n_stations; i++) {
		const struct fleet_station *fs = &f->stations[i];
		int g = -1;
		if (!station_selected(f, fs, p, township))
			continue;
		if (fs->gateway) {
			g = gateway_index(st, fs->gateway, &gw_cap);
			st->gateways[g].in_fleet = 1;
			st->gateways[g].n_stations++;
			st->gateways[g].n_in_service += fs->commissioned_day <= today;
		}
		for (j = 0; j < fs->n_devices; j++) {
			struct status_device *dv = &st->devices[st->n_devices++];
			dv->st = fs;
			dv->dv = &fs->devices[j];
			dv->gateway = g;
			dv->problem = -1;
		}
	}
	if (p->gateway && st->n_gateways == 0)
		gateway_index(st, p->gateway, &gw_cap); /* shown as unknown or absent below */
	if (load_gateways(&c, st, &gw_cap, all) < 0)
		goto fail;
	if (p->gateway && !st->gateways[0].in_store && !st->gateways[0].in_fleet) {
		*cause = xasprintf("--gateway: no gateway \"%s\" in %s or the database", p->gateway,
		                   f->path);
		goto fail;
	}
	for (d = 0; d < st->n_devices; d++)
		if (judge_device(&c, st, &st->devices[d]) < 0)
			goto fail;
	judge_gateways(st, &pr_cap);
	for (d = 0; d < st->n_devices; d++)
		judge_device_problems(st, &pr_cap, d);
	if (st->n_problems > 1)
		qsort(st->problems, (size_t)st->n_problems, sizeof *st->problems, problem_cmp);
	ret = st;
	st = NULL;
fail:
	free(c.h_day);
	free(c.h_hour);
	free(c.h_n);
	free(c.d_day);
	free(c.d_n);
	status_free(st);
	return ret;
}

void status_free(struct status *st)
{
	if (!st)
		return;
	free(st->gateways);
	free(st->devices);
	free(st->problems);
	free(st);
}
