/*
 * live: builds the dashboard's snapshot of the county from the store and the
 * fleet. It reads only: the month's report (report_build) for villages and
 * townships, the energy roll-ups for the last 30 days, each device's last
 * reading for live power and state, the gateways table and open alerts.
 */
#include "live.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "caltime.h"
#include "energy.h"
#include "fleet.h"
#include "format.h"
#include "report.h"
#include "util.h"

struct live_snapshot {
	pthread_mutex_t lock;
	int refs;
	int64_t built_ms;
	cJSON *root; /* {overview, townships, villages, stations, gateways, alerts} */
	int32_t today;
};

const char *live_status_key(enum live_status s)
{
	static const char *const k[LIVE_STATUS_COUNT] = {"producing", "asleep", "offline", "fault",
	                                                 "no_data"};
	return s < LIVE_STATUS_COUNT ? k[s] : "no_data";
}

static void date_str(int32_t day, char *buf, int size)
{
	caltime_format_date(day, buf, size);
}

/* A number member: every figure is an integer Wh, W, fen or ms, exact up to 2^53. */
static void num(cJSON *o, const char *k, int64_t v)
{
	cJSON_AddItemToObject(o, k, cJSON_CreateNumber((double)v));
}

static void str(cJSON *o, const char *k, const char *v)
{
	cJSON_AddItemToObject(o, k, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

/* Which state a device is in for the county: stale readings count as offline. */
static int device_live(const struct reading *r, int has, int gw_offline, int64_t now,
                       int64_t stale_ms, int *stale)
{
	*stale = !has || gw_offline || now - r->ts_ms > stale_ms;
	if (!has)
		return LIVE_NO_DATA;
	if (*stale || r->state == STATE_OFFLINE)
		return LIVE_OFFLINE;
	switch (r->state) {
	case STATE_FAULT:
		return LIVE_FAULT;
	case STATE_PRODUCING:
	case STATE_STARTING:
	case STATE_THROTTLED:
		return LIVE_PRODUCING;
	default:
		return LIVE_ASLEEP;
	}
}

struct gwlist {
	struct store_gateway *v;
	int n, cap;
};

static int gw_collect(void *ctx, const struct store_gateway *g)
{
	struct gwlist *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, (size_t)l->cap * sizeof *l->v);
	}
	l->v[l->n++] = *g;
	return 0;
}

static const struct store_gateway *gw_find(const struct gwlist *l, const char *gw)
{
	for (int i = 0; gw && i < l->n; i++)
		if (strcmp(l->v[i].gw, gw) == 0)
			return &l->v[i];
	return NULL;
}

static cJSON *device_json(const struct fleet_device *d, const struct reading *r, int has, int state,
                          int stale)
{
	cJSON *o = cJSON_CreateObject();
	str(o, "id", d->id);
	str(o, "kind", reading_kind_name(d->kind));
	num(o, "capacity_w", d->capacity_w);
	/* a sensor has no working state: one that answers is measuring, day or night */
	str(o, "live",
	    d->kind == READING_SENSOR && state == LIVE_ASLEEP
	        ? "measuring"
	        : live_status_key((enum live_status)state));
	cJSON_AddBoolToObject(o, "stale", stale);
	if (!has) {
		cJSON_AddNullToObject(o, "ts");
		return o;
	}
	num(o, "ts", r->ts_ms);
	str(o, "state", reading_state_name(r->state));
	str(o, "gw", r->gw);
	if (r->has & READING_HAS_POWER)
		num(o, "power_w", r->ac_power_w);
	if (r->has & READING_HAS_ENERGY)
		num(o, "energy_wh", r->energy_wh);
	if (r->has & READING_HAS_TODAY)
		num(o, "today_wh", r->today_wh);
	if (r->has & READING_HAS_TEMP)
		cJSON_AddNumberToObject(o, "temp_c", r->temp_c);
	if (r->has & READING_HAS_HZ)
		cJSON_AddNumberToObject(o, "grid_hz", r->grid_hz);
	if (r->has & READING_HAS_IRRADIANCE)
		num(o, "irradiance_wm2", r->irradiance_wm2);
	if (r->has & READING_HAS_ALARMS)
		num(o, "alarms", (int64_t)r->alarms);
	if (r->quality) {
		cJSON *q = cJSON_AddArrayToObject(o, "quality");
		for (unsigned b = 0; b < QUALITY_COUNT; b++)
			if (r->quality & (1u << b))
				cJSON_AddItemToArray(q,
				                     cJSON_CreateString(reading_quality_name(b)));
	}
	return o;
}

static cJSON *target_json(const struct target_result *t)
{
	cJSON *o = cJSON_CreateObject();
	str(o, "status", target_status_key(t->status));
	num(o, "month_fen", t->month_fen);
	num(o, "ytd_fen", t->ytd_fen);
	num(o, "t12_fen", t->t12_fen);
	num(o, "projection_fen", t->projection_fen);
	num(o, "target_fen", t->target_fen);
	return o;
}

/* Per station figures kept while building, summed into villages and townships. */
struct st_fig {
	int status;
	int64_t power_w, today_wh;
};

struct live_snapshot *live_snapshot_build(struct store *s, const struct fleet *f,
                                          const struct central_conf *conf, int64_t now_ms,
                                          char **cause)
{
	struct live_snapshot *ls = NULL;
	struct report *rep = NULL;
	struct energy *en = NULL;
	struct report_params p = {0};
	struct energy_params ep = {0};
	struct gwlist gws = {0};
	struct st_fig *fig = NULL;
	cJSON *root = NULL, *ov, *tot, *stations, *villages, *townships, *gwa, *alerts = NULL;
	int hour, y, m, d, counts[LIVE_STATUS_COUNT] = {0};
	int32_t today = caltime_local_day(now_ms, &hour), first0, first1;
	int nd0, nd1;
	int64_t stale_ms =
	            (int64_t)(conf->expected_interval_s > 0 ? conf->expected_interval_s : 60) *
	            3000,
	        tot_power = 0, tot_today = 0, tot_cap = 0;
	char buf[32];

	caltime_civil(today, &y, &m, &d);
	p.year = y;
	p.month = m;
	p.timezone = conf->timezone;
	p.target_fen_per_year = conf->target_fen_per_year;
	p.expected_interval_s = conf->expected_interval_s;
	p.meter_tolerance_permille = conf->meter_tolerance_permille;
	if (!(rep = report_build(s, f, &p, cause)))
		goto fail;
	ep.year = y;
	ep.month = m;
	ep.n_months = 2;
	ep.expected_interval_s = conf->expected_interval_s > 0 ? conf->expected_interval_s : 60;
	ep.tolerance_permille = conf->meter_tolerance_permille;
	if (!(en = energy_load(s, f, &ep, cause)))
		goto fail;
	first0 = energy_month_first_day(en, 0, &nd0);
	first1 = energy_month_first_day(en, 1, &nd1);
	if (store_gateway_each(s, gw_collect, &gws) < 0) {
		*cause = xstrdup(store_error(s));
		goto fail;
	}
	if (!(alerts = alerts_list(s, 1, NULL, NULL, 100000, cause)))
		goto fail;

	root = cJSON_CreateObject();
	ov = cJSON_AddObjectToObject(root, "overview");
	stations = cJSON_AddArrayToObject(root, "stations");
	villages = cJSON_AddArrayToObject(root, "villages");
	townships = cJSON_AddArrayToObject(root, "townships");
	gwa = cJSON_AddArrayToObject(root, "gateways");
	fig = xcalloc((size_t)f->n_stations + 1, sizeof *fig);

	for (int i = 0; i < f->n_stations; i++) {
		const struct fleet_station *st = &f->stations[i];
		const struct report_station *rs = &rep->stations[i];
		const struct store_gateway *g = gw_find(&gws, st->gateway);
		int gw_off = g && strcmp(g->status, "offline") == 0;
		int n_prod = 0, n_asleep = 0, n_off = 0, n_fault = 0, n_nodata = 0, n_inv = 0,
		    open = 0;
		int64_t power = 0, meter_power = 0, last_ms = 0, irradiance = 0;
		int has_meter_power = 0, has_irradiance = 0;
		cJSON *o = cJSON_CreateObject(), *devs, *days, *vs, *fl, *a;
		str(o, "id", st->id);
		str(o, "name", st->name);
		str(o, "gateway", st->gateway);
		num(o, "capacity_w", st->capacity_w);
		devs = cJSON_CreateArray();
		for (int j = 0; j < st->n_devices; j++) {
			const struct fleet_device *dv = &st->devices[j];
			struct reading r;
			int stale, state,
			    has = store_reading_last(s, st->id, dv->id, INT64_MAX, "", 0, 0, &r);
			if (has < 0) {
				*cause = xstrdup(store_error(s));
				cJSON_Delete(o);
				cJSON_Delete(devs);
				goto fail;
			}
			state = device_live(&r, has, gw_off, now_ms, stale_ms, &stale);
			if (has && r.ts_ms > last_ms)
				last_ms = r.ts_ms;
			if (dv->kind == READING_METER) {
				if (!stale && (r.has & READING_HAS_POWER)) {
					meter_power = r.ac_power_w;
					has_meter_power = 1;
				}
			} else if (dv->kind == READING_SENSOR) {
				/* the sun on the array, not a part of the station's power */
				if (!stale && (r.has & READING_HAS_IRRADIANCE)) {
					irradiance = r.irradiance_wm2;
					has_irradiance = 1;
				}
			} else {
				n_inv++;
				if (!stale && (r.has & READING_HAS_POWER))
					power += r.ac_power_w;
				n_prod += state == LIVE_PRODUCING;
				n_asleep += state == LIVE_ASLEEP;
			}
			n_off += state == LIVE_OFFLINE;
			n_fault += state == LIVE_FAULT;
			n_nodata += state == LIVE_NO_DATA;
			cJSON_AddItemToArray(devs, device_json(dv, &r, has, state, stale));
		}
		if (n_inv == 0 && has_meter_power)
			power = meter_power;
		/* the station's status: see docs/serve.md */
		if (n_nodata == st->n_devices)
			fig[i].status = LIVE_NO_DATA;
		else if (n_off + n_nodata == st->n_devices)
			fig[i].status = LIVE_OFFLINE;
		else if (n_fault > 0 || n_off > 0)
			fig[i].status = LIVE_FAULT;
		else if (n_prod > 0)
			fig[i].status = LIVE_PRODUCING;
		else
			fig[i].status = LIVE_ASLEEP;
		(void)n_asleep;
		counts[fig[i].status]++;
		fig[i].power_w = power;
		str(o, "status", live_status_key((enum live_status)fig[i].status));
		num(o, "power_w", power);
		if (has_meter_power)
			num(o, "meter_power_w", meter_power);
		if (has_irradiance)
			num(o, "irradiance_wm2", irradiance);
		num(o, "last_ms", last_ms);
		days = cJSON_CreateArray();
		{
			const int64_t *d0 = energy_days(en, i, 0), *d1 = energy_days(en, i, 1);
			for (int32_t day = today - (LIVE_DAYS - 1); day <= today; day++) {
				int64_t wh = 0;
				cJSON *dd = cJSON_CreateObject();
				if (day >= first1 && day < first1 + nd1)
					wh = d1[day - first1];
				else if (day >= first0 && day < first0 + nd0)
					wh = d0[day - first0];
				if (day == today)
					fig[i].today_wh = wh;
				date_str(day, buf, sizeof buf);
				str(dd, "date", buf);
				num(dd, "wh", wh);
				cJSON_AddItemToArray(days, dd);
			}
		}
		num(o, "today_wh", fig[i].today_wh);
		num(o, "month_wh", rs->e.energy_wh);
		str(o, "month_source", format_source_key(rs->e.source));
		num(o, "month_fen", rs->r.revenue_fen);
		num(o, "completeness_permille", rs->completeness_permille);
		fl = cJSON_AddArrayToObject(o, "flags");
		for (int k = 0; k < RFLAG_COUNT; k++)
			if (rs->flags & (1u << k))
				cJSON_AddItemToArray(
				    fl, cJSON_CreateString(format_flag_key((enum report_flag)k)));
		vs = cJSON_AddArrayToObject(o, "villages");
		for (int k = 0; k < st->n_shares; k++) {
			cJSON *v = cJSON_CreateObject();
			int64_t total = 0;
			for (int q = 0; q < st->n_shares; q++)
				total += st->shares[q].weight;
			str(v, "id", f->villages[st->shares[k].village].id);
			str(v, "name", f->villages[st->shares[k].village].name);
			num(v, "weight", st->shares[k].weight);
			num(v, "total_weight", total);
			cJSON_AddItemToArray(vs, v);
		}
		cJSON_ArrayForEach(a, alerts)
		{
			const cJSON *sid = cJSON_GetObjectItem(a, "station"),
			            *gid = cJSON_GetObjectItem(a, "gw");
			if ((cJSON_IsString(sid) && strcmp(sid->valuestring, st->id) == 0) ||
			    (cJSON_IsString(gid) && st->gateway &&
			     strcmp(gid->valuestring, st->gateway) == 0 && cJSON_IsNull(sid)))
				open++;
		}
		num(o, "open_alerts", open);
		cJSON_AddItemToObject(o, "days", days);
		cJSON_AddItemToObject(o, "devices", devs);
		cJSON_AddItemToArray(stations, o);
		tot_power += power;
		tot_today += fig[i].today_wh;
		tot_cap += st->capacity_w;
	}

	for (int i = 0; i < rep->n_villages; i++) {
		const struct report_village *rv = &rep->villages[i];
		cJSON *o = cJSON_CreateObject(), *parts, *months, *reasons;
		int64_t power = 0, today_wh = 0;
		str(o, "id", rv->v->id);
		str(o, "name", rv->v->name);
		str(o, "township", f->townships[rv->v->township].id);
		cJSON_AddItemToObject(o, "target", target_json(&rv->t));
		parts = cJSON_AddArrayToObject(o, "stations");
		for (int k = 0; k < rv->n_parts; k++) {
			const struct report_part *pt = &rv->parts[k];
			cJSON *x = cJSON_CreateObject();
			str(x, "id", f->stations[pt->station].id);
			str(x, "name", f->stations[pt->station].name);
			str(x, "status",
			    live_status_key((enum live_status)fig[pt->station].status));
			num(x, "weight", pt->weight);
			num(x, "total_weight", pt->total_weight);
			num(x, "month_fen", pt->fen);
			num(x, "power_w", fig[pt->station].power_w);
			num(x, "today_wh", fig[pt->station].today_wh);
			power += fig[pt->station].power_w;
			today_wh += fig[pt->station].today_wh;
			cJSON_AddItemToArray(parts, x);
		}
		num(o, "power_w", power);
		num(o, "today_wh", today_wh);
		months = cJSON_AddArrayToObject(o, "months");
		for (int k = 0; k < TARGET_WINDOW; k++) {
			int yy = y, mm = m - (TARGET_WINDOW - 1 - k);
			cJSON *x = cJSON_CreateObject();
			while (mm < 1) {
				mm += 12;
				yy--;
			}
			snprintf(buf, sizeof buf, "%04d-%02d", yy, mm);
			str(x, "month", buf);
			num(x, "fen", rv->months_fen[k]);
			cJSON_AddItemToArray(months, x);
		}
		reasons = cJSON_AddArrayToObject(o, "reasons");
		for (int k = 0; k < rv->n_reasons; k++) {
			const struct report_reason *x = &rv->reasons[k];
			char text[512];
			cJSON *rr = cJSON_CreateObject();
			format_reason_describe(rep, x, text, sizeof text);
			str(rr, "kind", format_reason_key(x->kind));
			str(rr, "station", x->station >= 0 ? f->stations[x->station].id : NULL);
			str(rr, "station_name",
			    x->station >= 0 ? f->stations[x->station].name : NULL);
			str(rr, "text_en", text);
			cJSON_AddItemToArray(reasons, rr);
		}
		cJSON_AddItemToArray(villages, o);
	}

	for (int i = 0; i < rep->n_townships; i++) {
		const struct report_township *rt = &rep->townships[i];
		cJSON *o = cJSON_CreateObject(), *vl;
		int64_t power = 0, today_wh = 0;
		str(o, "id", rt->t->id);
		str(o, "name", rt->t->name);
		num(o, "villages_n", rt->n_villages);
		num(o, "ok", rt->n_ok);
		num(o, "at_risk", rt->n_at_risk);
		num(o, "below", rt->n_below);
		num(o, "month_fen", rt->month_fen);
		num(o, "ytd_fen", rt->ytd_fen);
		num(o, "projection_fen", rt->projection_fen);
		num(o, "target_fen", rt->target_fen);
		vl = cJSON_AddArrayToObject(o, "villages");
		for (int k = 0; k < rep->n_villages; k++) {
			const struct report_village *rv = &rep->villages[k];
			cJSON *x;
			if (rv->v->township != i)
				continue;
			x = cJSON_CreateObject();
			str(x, "id", rv->v->id);
			str(x, "name", rv->v->name);
			str(x, "status", target_status_key(rv->t.status));
			num(x, "month_fen", rv->t.month_fen);
			num(x, "projection_fen", rv->t.projection_fen);
			num(x, "target_fen", rv->t.target_fen);
			for (int q = 0; q < rv->n_parts; q++) {
				/* a station serving several villages counts in each, by share */
				const struct report_part *pt = &rv->parts[q];
				power += fig[pt->station].power_w * pt->weight / pt->total_weight;
				today_wh +=
				    fig[pt->station].today_wh * pt->weight / pt->total_weight;
			}
			cJSON_AddItemToArray(vl, x);
		}
		num(o, "power_w", power);
		num(o, "today_wh", today_wh);
		cJSON_AddItemToArray(townships, o);
	}

	for (int i = 0; i < gws.n; i++) {
		const struct store_gateway *g = &gws.v[i];
		cJSON *o = cJSON_CreateObject();
		str(o, "id", g->gw);
		str(o, "status", g->status[0] ? g->status : NULL);
		num(o, "last_ms", g->last_ms);
		num(o, "acked_seq", g->acked_seq);
		num(o, "max_seq", g->max_seq);
		num(o, "lost_seqs", g->lost_seqs);
		num(o, "backlog", g->backlog);
		num(o, "dropped_total", g->dropped_total);
		num(o, "rejects", g->rejects);
		str(o, "version", g->version[0] ? g->version : NULL);
		cJSON_AddItemToArray(gwa, o);
	}

	str(ov, "county", f->county);
	num(ov, "generated_ms", now_ms);
	date_str(today, buf, sizeof buf);
	str(ov, "date", buf);
	str(ov, "month", rep->month_name);
	str(ov, "timezone", conf->timezone);
	num(ov, "refresh_s", conf->live.refresh_s);
	tot = cJSON_AddObjectToObject(ov, "totals");
	num(tot, "stations", f->n_stations);
	for (int k = 0; k < LIVE_STATUS_COUNT; k++)
		num(tot, live_status_key((enum live_status)k), counts[k]);
	num(tot, "power_w", tot_power);
	num(tot, "capacity_w", tot_cap);
	num(tot, "today_wh", tot_today);
	num(tot, "month_wh", rep->totals.energy_wh);
	num(tot, "month_revenue_fen", rep->totals.revenue_fen);
	num(tot, "month_allocated_fen", rep->totals.allocated_fen);
	num(tot, "villages", rep->n_villages);
	num(tot, "villages_ok", rep->totals.n_ok);
	num(tot, "villages_at_risk", rep->totals.n_at_risk);
	num(tot, "villages_below", rep->totals.n_below);
	num(tot, "alerts_open", cJSON_GetArraySize(alerts));
	cJSON_AddItemToObject(root, "alerts", alerts);
	alerts = NULL;

	ls = xcalloc(1, sizeof *ls);
	pthread_mutex_init(&ls->lock, NULL);
	ls->refs = 1;
	ls->built_ms = now_ms;
	ls->root = root;
	ls->today = today;
	root = NULL;
fail:
	cJSON_Delete(root);
	cJSON_Delete(alerts);
	free(fig);
	free(gws.v);
	energy_free(en);
	report_free(rep);
	return ls;
}

struct live_snapshot *live_snapshot_ref(struct live_snapshot *ls)
{
	pthread_mutex_lock(&ls->lock);
	ls->refs++;
	pthread_mutex_unlock(&ls->lock);
	return ls;
}

void live_snapshot_unref(struct live_snapshot *ls)
{
	int left;
	if (!ls)
		return;
	pthread_mutex_lock(&ls->lock);
	left = --ls->refs;
	pthread_mutex_unlock(&ls->lock);
	if (left > 0)
		return;
	cJSON_Delete(ls->root);
	pthread_mutex_destroy(&ls->lock);
	free(ls);
}

int64_t live_snapshot_built_ms(const struct live_snapshot *ls)
{
	return ls->built_ms;
}

const cJSON *live_tree(const struct live_snapshot *ls)
{
	return ls->root;
}

static const cJSON *find_id(const cJSON *arr, const char *id)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, arr)
	{
		const cJSON *x = cJSON_GetObjectItem(e, "id");
		if (cJSON_IsString(x) && strcmp(x->valuestring, id) == 0)
			return e;
	}
	return NULL;
}

/* A list without the bulky members (days, devices, months, reasons) of each entry. */
static char *print_list(const cJSON *arr, const char *const *drop)
{
	cJSON *copy = cJSON_Duplicate(arr, 1), *e;
	char *out;
	cJSON_ArrayForEach(e, copy)
	{
		for (int i = 0; drop[i]; i++)
			cJSON_DeleteItemFromObject(e, drop[i]);
	}
	out = cJSON_PrintUnformatted(copy);
	cJSON_Delete(copy);
	return out;
}

char *live_json(const struct live_snapshot *ls, const char *what, const char *id)
{
	static const char *const st_drop[] = {"days", "devices", NULL};
	static const char *const vi_drop[] = {"months", "reasons", NULL};
	static const char *const none[] = {NULL};
	const cJSON *x;

	if (!id) {
		if (strcmp(what, "stations") == 0)
			return print_list(cJSON_GetObjectItem(ls->root, "stations"), st_drop);
		if (strcmp(what, "villages") == 0)
			return print_list(cJSON_GetObjectItem(ls->root, "villages"), vi_drop);
		if (strcmp(what, "townships") == 0)
			return print_list(cJSON_GetObjectItem(ls->root, "townships"), none);
		x = cJSON_GetObjectItem(ls->root, what);
		return x ? cJSON_PrintUnformatted(x) : NULL;
	}
	if (strcmp(what, "township") == 0) {
		const cJSON *t = find_id(cJSON_GetObjectItem(ls->root, "townships"), id);
		cJSON *o, *stl;
		const cJSON *v, *sts = cJSON_GetObjectItem(ls->root, "stations");
		char *out;
		if (!t)
			return NULL;
		o = cJSON_Duplicate(t, 1);
		stl = cJSON_AddArrayToObject(o, "stations");
		/* the stations serving any of its villages, once each */
		cJSON_ArrayForEach(v, cJSON_GetObjectItem(t, "villages"))
		{
			const cJSON *full = find_id(cJSON_GetObjectItem(ls->root, "villages"),
			                            cJSON_GetObjectItem(v, "id")->valuestring),
			            *pt;
			cJSON_ArrayForEach(pt, cJSON_GetObjectItem(full, "stations"))
			{
				const char *sid = cJSON_GetObjectItem(pt, "id")->valuestring;
				const cJSON *st = find_id(sts, sid);
				cJSON *c;
				if (find_id(stl, sid) || !st)
					continue;
				c = cJSON_Duplicate(st, 1);
				cJSON_DeleteItemFromObject(c, "days");
				cJSON_DeleteItemFromObject(c, "devices");
				cJSON_AddItemToArray(stl, c);
			}
		}
		out = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		return out;
	}
	if (strcmp(what, "village") == 0) {
		x = find_id(cJSON_GetObjectItem(ls->root, "villages"), id);
		return x ? cJSON_PrintUnformatted(x) : NULL;
	}
	return NULL;
}

char *live_station_json(const struct live_snapshot *ls, struct store *s, const char *id,
                        int *status)
{
	const cJSON *st = find_id(cJSON_GetObjectItem(ls->root, "stations"), id), *dv;
	cJSON *o = NULL, *hours, *al;
	char *out = NULL, *cause = NULL;
	int64_t inv[24] = {0}, met[24] = {0}, peak[24] = {0}, sun[24] = {0};
	int has_meter = 0, has_sun = 0;

	*status = 404;
	if (!st)
		return NULL;
	*status = 500;
	o = cJSON_Duplicate(st, 1);
	cJSON_ArrayForEach(dv, cJSON_GetObjectItem(st, "devices"))
	{
		const char *did = cJSON_GetObjectItem(dv, "id")->valuestring;
		const char *kind = cJSON_GetObjectItem(dv, "kind")->valuestring;
		int meter = strcmp(kind, "meter") == 0, sensor = strcmp(kind, "sensor") == 0;
		for (int h = 0; h < 24; h++) {
			struct store_hourly hr;
			int rc = store_hourly_get(s, id, did, ls->today, h, &hr);
			if (rc < 0)
				goto done;
			if (rc == 0)
				continue;
			if (meter) {
				met[h] += hr.wh;
				has_meter = 1;
			} else if (sensor) {
				/* a sensor's hour is insolation, Wh/m² */
				sun[h] += hr.wh;
				has_sun = 1;
			} else {
				inv[h] += hr.wh;
				if (hr.has_peak && hr.peak_w > peak[h])
					peak[h] = hr.peak_w;
			}
		}
	}
	hours = cJSON_AddArrayToObject(o, "hours");
	for (int h = 0; h < 24; h++) {
		cJSON *x = cJSON_CreateObject();
		num(x, "hour", h);
		num(x, "inverter_wh", inv[h]);
		if (has_meter)
			num(x, "meter_wh", met[h]);
		num(x, "peak_w", peak[h]);
		if (has_sun)
			num(x, "sun_whm2", sun[h]);
		cJSON_AddItemToArray(hours, x);
	}
	if (!(al = alerts_list(s, 0, id, NULL, 50, &cause)))
		goto done;
	cJSON_AddItemToObject(o, "alerts", al);
	out = cJSON_PrintUnformatted(o);
	*status = 200;
done:
	free(cause);
	cJSON_Delete(o);
	return out;
}
