/*
 * The alert rules against a real SQLite store and the example fleet: raised
 * once past the threshold, cleared once after the hysteresis, kept across a
 * restart; and the "serve"/"alerts" objects of central.json parsed strictly.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerts.h"
#include "caltime.h"
#include "config.h"
#include "fleet.h"
#include "harness.h"
#include "jsonedit.h"
#include "report.h"
#include "store.h"
#include "store_testing.h"
#include "util.h"

#define MIN 60000
#define HOUR 3600000

static char dir[] = "/tmp/pvmon-alerts-XXXXXX";

struct pubs {
	int n, removed;
	char last_id[192];
	char last_json[4096];
};

static void on_publish(void *ctx, const char *id, const char *json)
{
	struct pubs *p = ctx;
	p->n++;
	util_strlcpy(p->last_id, id, sizeof p->last_id);
	if (json)
		util_strlcpy(p->last_json, json, sizeof p->last_json);
	else
		p->removed++, p->last_json[0] = '\0';
}

struct rig {
	struct central_conf *conf;
	struct fleet *fleet;
	struct store *s;
	struct alerts *a;
	struct pubs pubs;
	int64_t seq;
	char *db;
};

static void rig_open(struct rig *r, const char *name)
{
	char *cause = NULL;
	memset(r, 0, sizeof *r);
	if (config_central_load("config/central.json", &r->conf, &cause) < 0 ||
	    fleet_load(r->conf->fleet_path, &r->fleet, &cause) < 0) {
		printf("setup: %s\n", cause);
		exit(2);
	}
	caltime_set_zone(r->conf->timezone);
	r->conf->live.day_from_h = 0;
	r->conf->live.day_to_h = 24;
	r->conf->live.device_offline_s = 3600;
	r->conf->live.device_fault_s = 3600;
	r->conf->live.gateway_offline_s = 2 * 3600;
	r->conf->live.clear_s = 300;
	r->conf->live.loss_clear_s = 1800;
	r->db = xasprintf("%s/%s", dir, name);
	r->s = store_open(r->db, &cause);
	if (!r->s) {
		printf("setup: %s\n", cause);
		exit(2);
	}
	r->a = alerts_new(r->s, r->fleet, r->conf, on_publish, &r->pubs);
}

static void rig_restart(struct rig *r)
{
	char *cause = NULL;
	alerts_free(r->a);
	store_close(r->s);
	r->s = store_open(r->db, &cause);
	r->a = alerts_new(r->s, r->fleet, r->conf, on_publish, &r->pubs);
}

static void rig_close(struct rig *r)
{
	alerts_free(r->a);
	store_close(r->s);
	fleet_free(r->fleet);
	config_central_free(r->conf);
	free(r->db);
}

/* A reading of st-xipo's device from gw-xipo, and the gateway's row seen at ts. */
static void put(struct rig *r, const char *device, int64_t ts, enum reading_state st)
{
	struct reading x = {0};
	struct store_gateway g;
	x.seq = (uint64_t)++r->seq;
	x.ts_ms = ts;
	util_strlcpy(x.gw, "gw-xipo", sizeof x.gw);
	util_strlcpy(x.station, "st-xipo", sizeof x.station);
	util_strlcpy(x.device, device, sizeof x.device);
	x.kind = strcmp(device, "meter") == 0 ? READING_METER : READING_INVERTER;
	x.state = st;
	store_begin(r->s);
	store_reading_insert(r->s, &x);
	store_gateway_get(r->s, "gw-xipo", &g);
	g.last_ms = ts;
	g.max_seq = g.acked_seq = r->seq;
	store_gateway_put(r->s, &g);
	store_commit(r->s);
}

static int eval(struct rig *r, int64_t now)
{
	const char *cause = NULL;
	int rc = alerts_eval(r->a, now, &cause);
	if (rc < 0)
		printf("  eval: %s\n", cause);
	return rc;
}

static int rows(struct rig *r, const char *where)
{
	sqlite3_stmt *q = NULL;
	char *sql = xasprintf("SELECT count(*) FROM alerts WHERE %s", where);
	int n = -1;
	if (sqlite3_prepare_v2(store_testing_db(r->s), sql, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	free(sql);
	return n;
}

static const int64_t T0 = INT64_C(1750000000000);

static void an_offline_device_is_alerted_once_past_the_threshold_then_cleared_once(void)
{
	struct rig r;
	int64_t t;
	rig_open(&r, "a.db");
	for (t = T0; t <= T0 + 2 * HOUR; t += 10 * MIN) {
		put(&r, "inv01", t, STATE_OFFLINE);
		put(&r, "inv02", t, STATE_PRODUCING);
	}
	CHECK_INT(eval(&r, T0 + 30 * MIN), 0);
	CHECK_INT(rows(&r, "1"), 0);
	CHECK_INT(eval(&r, T0 + 2 * HOUR), 0);
	CHECK_INT(rows(&r, "rule = 'device_offline' AND device = 'inv01' AND end_ms IS NULL"), 1);
	CHECK_INT(rows(&r, "start_ms = 1750000000000"), 1); /* the run's first offline reading */
	CHECK(strstr(r.pubs.last_json, "\"end\":null") != NULL);
	CHECK(strstr(r.pubs.last_id, "device_offline.st-xipo.inv01.") == r.pubs.last_id);
	{
		int before = r.pubs.n;
		CHECK_INT(eval(&r, T0 + 2 * HOUR + MIN), 0);
		CHECK_INT(r.pubs.n, before); /* raised once: nothing new to publish */
		CHECK_INT(rows(&r, "1"), 1);
	}
	/* back: producing again; cleared only after clear_s without the condition */
	put(&r, "inv01", T0 + 2 * HOUR + 2 * MIN, STATE_PRODUCING);
	CHECK_INT(eval(&r, T0 + 2 * HOUR + 3 * MIN), 0);
	CHECK_INT(rows(&r, "end_ms IS NULL"), 1);
	/* a flap back to offline for a moment does not raise a second alert */
	put(&r, "inv01", T0 + 2 * HOUR + 4 * MIN, STATE_OFFLINE);
	CHECK_INT(eval(&r, T0 + 2 * HOUR + 5 * MIN), 0);
	put(&r, "inv01", T0 + 2 * HOUR + 6 * MIN, STATE_PRODUCING);
	CHECK_INT(eval(&r, T0 + 2 * HOUR + 7 * MIN), 0);
	CHECK_INT(rows(&r, "1"), 1);
	CHECK_INT(eval(&r, T0 + 2 * HOUR + 13 * MIN), 0);
	CHECK_INT(rows(&r, "end_ms IS NOT NULL"), 1);
	CHECK(strstr(r.pubs.last_json, "\"end\":null") == NULL);
	{
		int before = r.pubs.n;
		CHECK_INT(eval(&r, T0 + 2 * HOUR + 20 * MIN), 0);
		CHECK_INT(r.pubs.n, before); /* cleared once */
	}
	rig_close(&r);
}

static void an_open_alert_survives_a_restart_without_being_raised_again(void)
{
	struct rig r;
	int64_t t;
	rig_open(&r, "b.db");
	for (t = T0; t <= T0 + 2 * HOUR; t += 10 * MIN)
		put(&r, "inv03", t, STATE_FAULT);
	CHECK_INT(eval(&r, T0 + 2 * HOUR), 0);
	CHECK_INT(rows(&r, "rule = 'device_fault' AND end_ms IS NULL"), 1);
	rig_restart(&r);
	r.pubs.n = 0;
	alerts_resync(r.a); /* as ingest does on connecting */
	CHECK_INT(eval(&r, T0 + 2 * HOUR + MIN), 0);
	CHECK_INT(rows(&r, "1"), 1);
	CHECK_INT(r.pubs.n, 1); /* the restart republishes the retained alert, raises nothing */
	put(&r, "inv03", T0 + 2 * HOUR + 2 * MIN, STATE_PRODUCING);
	CHECK_INT(eval(&r, T0 + 2 * HOUR + 3 * MIN), 0);
	CHECK_INT(eval(&r, T0 + 2 * HOUR + 9 * MIN), 0);
	CHECK_INT(rows(&r, "end_ms IS NOT NULL"), 1);
	rig_close(&r);
}

static void a_silent_gateway_is_one_alert_not_one_per_device(void)
{
	struct rig r;
	int64_t t;
	rig_open(&r, "c.db");
	for (t = T0; t <= T0 + HOUR; t += 10 * MIN)
		put(&r, "inv01", t, STATE_OFFLINE);
	/* nothing from the gateway for four hours */
	CHECK_INT(eval(&r, T0 + 5 * HOUR), 0);
	CHECK_INT(rows(&r, "rule = 'gateway_offline' AND gw = 'gw-xipo' AND severity = 'critical'"),
	          1);
	CHECK_INT(rows(&r, "rule = 'device_offline'"), 0);
	put(&r, "inv01", T0 + 5 * HOUR + MIN, STATE_PRODUCING);
	CHECK_INT(eval(&r, T0 + 5 * HOUR + 2 * MIN), 0);
	CHECK_INT(eval(&r, T0 + 5 * HOUR + 8 * MIN), 0);
	CHECK_INT(rows(&r, "rule = 'gateway_offline' AND end_ms IS NOT NULL"), 1);
	rig_close(&r);
}

static void spool_drops_raise_once_and_the_baseline_survives_a_restart(void)
{
	struct rig r;
	struct store_gateway g;
	rig_open(&r, "d.db");
	put(&r, "inv01", T0, STATE_PRODUCING);
	store_begin(r.s);
	store_gateway_get(r.s, "gw-xipo", &g);
	g.dropped_total = 5;
	g.lost_seqs = 2;
	store_gateway_put(r.s, &g);
	store_commit(r.s);
	CHECK_INT(eval(&r, T0 + MIN), 0);
	CHECK_INT(rows(&r, "rule = 'spool_loss' AND value = 7 AND end_ms IS NULL"), 1);
	put(&r, "inv01", T0 + 40 * MIN, STATE_PRODUCING);
	CHECK_INT(eval(&r, T0 + 41 * MIN), 0); /* 40 minutes without a new drop: cleared */
	CHECK_INT(rows(&r, "rule = 'spool_loss' AND end_ms IS NOT NULL"), 1);
	rig_restart(&r);
	CHECK_INT(eval(&r, T0 + 42 * MIN), 0);
	CHECK_INT(rows(&r, "rule = 'spool_loss'"), 1); /* the same 7 are not alerted again */
	store_begin(r.s);
	store_gateway_get(r.s, "gw-xipo", &g);
	g.dropped_total = 9;
	store_gateway_put(r.s, &g);
	store_commit(r.s);
	CHECK_INT(eval(&r, T0 + 43 * MIN), 0);
	CHECK_INT(rows(&r, "rule = 'spool_loss' AND value = 11 AND end_ms IS NULL"), 1);
	rig_close(&r);
}

/*
 * Two ingest workers on one database (docs/scale.md), each with its own store
 * handle and its own rules, evaluating in turns: an alert is raised by one and
 * published by that one only, and cleared once, however their memories differ.
 */
static void two_workers_raise_and_clear_an_alert_once_between_them(void)
{
	struct rig r;
	struct store *s2;
	struct alerts *b;
	struct pubs pb = {0};
	char *cause = NULL;
	int64_t t;
	int na;
	rig_open(&r, "w.db");
	s2 = store_open(r.db, &cause);
	if (!s2) {
		printf("  %s\n", cause);
		exit(2);
	}
	b = alerts_new(s2, r.fleet, r.conf, on_publish, &pb);
	for (t = T0; t <= T0 + 2 * HOUR; t += 10 * MIN)
		put(&r, "inv01", t, STATE_OFFLINE);
	CHECK_INT(eval(&r, T0 + 30 * MIN), 0);
	CHECK_INT(alerts_eval(b, T0 + 31 * MIN, &(const char *){NULL}), 0);
	CHECK_INT(rows(&r, "1"), 0);
	/* the first worker past the threshold raises it; the other then finds it open */
	CHECK_INT(eval(&r, T0 + 2 * HOUR), 0);
	na = r.pubs.n;
	CHECK_INT(na, 1);
	CHECK_INT(alerts_eval(b, T0 + 2 * HOUR + MIN, &(const char *){NULL}), 0);
	CHECK_INT(pb.n, 0);
	CHECK_INT(rows(&r, "rule = 'device_offline' AND end_ms IS NULL"), 1);
	/* back to producing: both see the condition gone, at different times */
	put(&r, "inv01", T0 + 2 * HOUR + 2 * MIN, STATE_PRODUCING);
	CHECK_INT(eval(&r, T0 + 2 * HOUR + 3 * MIN), 0);
	CHECK_INT(alerts_eval(b, T0 + 2 * HOUR + 5 * MIN, &(const char *){NULL}), 0);
	CHECK_INT(eval(&r, T0 + 2 * HOUR + 9 * MIN), 0); /* clear_s after the first saw it */
	CHECK_INT(r.pubs.n, na + 1);
	CHECK_INT(rows(&r, "end_ms = 1750007740000"), 1);
	/* the other's own hysteresis ends later: the alert is no longer open, nothing to do */
	CHECK_INT(alerts_eval(b, T0 + 2 * HOUR + 11 * MIN, &(const char *){NULL}), 0);
	CHECK_INT(pb.n, 0);
	CHECK_INT(rows(&r, "end_ms = 1750007740000"), 1);
	CHECK_INT(rows(&r, "1"), 1);
	alerts_free(b);
	store_close(s2);
	rig_close(&r);
}

static void a_counter_reset_today_is_an_info_alert(void)
{
	struct rig r;
	struct store_daily d = {0};
	int hour;
	rig_open(&r, "e.db");
	put(&r, "inv02", T0, STATE_PRODUCING);
	d.day = caltime_local_day(T0, &hour);
	d.n_readings = 1;
	d.resets = 1;
	store_begin(r.s);
	store_daily_put(r.s, "st-xipo", "inv02", &d);
	store_commit(r.s);
	CHECK_INT(eval(&r, T0 + MIN), 0);
	CHECK_INT(rows(&r, "rule = 'counter_reset' AND severity = 'info' AND device = 'inv02'"), 1);
	rig_close(&r);
}

static void night_hours_do_not_count_towards_device_offline(void)
{
	struct rig r;
	int hour;
	int64_t mid, t;
	rig_open(&r, "f.db");
	r.conf->live.day_from_h = 7;
	r.conf->live.day_to_h = 19;
	mid = caltime_local_midnight_ms(caltime_local_day(T0, &hour) + 1);
	/* offline from 20:00 to 07:30: only half an hour of daylight */
	for (t = mid - 4 * HOUR; t <= mid + 7 * HOUR + 30 * MIN; t += 10 * MIN)
		put(&r, "inv04", t, STATE_OFFLINE);
	CHECK_INT(eval(&r, mid + 7 * HOUR + 30 * MIN), 0);
	CHECK_INT(rows(&r, "1"), 0);
	for (; t <= mid + 8 * HOUR + 10 * MIN; t += 10 * MIN)
		put(&r, "inv04", t, STATE_OFFLINE);
	CHECK_INT(eval(&r, mid + 8 * HOUR + 10 * MIN), 0);
	CHECK_INT(rows(&r, "rule = 'device_offline'"), 1);
	rig_close(&r);
}

/* A reading with a counter of st's device, from gw-xipo (or the station's gateway). */
static void put_e(struct rig *r, const char *station, const char *device, int64_t ts,
                  int64_t energy_wh)
{
	struct reading x = {0};
	struct store_gateway g;
	const char *gw = strcmp(station, "st-xipo") == 0 ? "gw-xipo" : "gw-chengzhuang";
	x.seq = (uint64_t)++r->seq;
	x.ts_ms = ts;
	util_strlcpy(x.gw, gw, sizeof x.gw);
	util_strlcpy(x.station, station, sizeof x.station);
	util_strlcpy(x.device, device, sizeof x.device);
	x.kind = strcmp(device, "meter") == 0 ? READING_METER : READING_INVERTER;
	x.state = STATE_PRODUCING;
	x.has = READING_HAS_ENERGY;
	x.energy_wh = energy_wh;
	store_begin(r->s);
	store_reading_insert(r->s, &x);
	store_gateway_get(r->s, gw, &g);
	g.last_ms = ts;
	store_gateway_put(r->s, &g);
	store_commit(r->s);
}

static void a_silent_meter_while_the_inverters_produce_is_alerted_once_then_cleared(void)
{
	struct rig r;
	int64_t t;
	rig_open(&r, "m.db");
	r.conf->live.meter_silent_s = 1800; /* 300 kW x 30 min x 5 %: the inverters need 7.5 kWh */
	/* inv01 makes 500 Wh a minute (30 kW); the meter stops after ten minutes */
	for (t = T0; t <= T0 + HOUR; t += 5 * MIN) {
		put_e(&r, "st-xipo", "inv01", t, 1000000 + (t - T0) / MIN * 500);
		if (t <= T0 + 10 * MIN)
			put_e(&r, "st-xipo", "meter", t, 5000000 + (t - T0) / MIN * 480);
	}
	CHECK_INT(eval(&r, T0 + 30 * MIN), 0); /* twenty minutes of silence: not yet */
	CHECK_INT(rows(&r, "rule = 'meter_silent'"), 0);
	CHECK_INT(eval(&r, T0 + HOUR), 0);
	CHECK_INT(rows(&r, "rule = 'meter_silent' AND station = 'st-xipo' AND device = 'meter' AND "
	                   "severity = 'warning' AND end_ms IS NULL"),
	          1);
	CHECK_INT(rows(&r, "rule = 'meter_silent' AND start_ms = 1750000600000"),
	          1); /* last heard */
	CHECK(strstr(r.pubs.last_json, "\"text_en\":\"Export meter silent while the inverters "
	                               "produce: st-xipo/meter\"") != NULL);
	/* the meter answers again but its counter does not move: still the same alert */
	for (t = T0 + HOUR + 5 * MIN; t <= T0 + 2 * HOUR; t += 5 * MIN) {
		put_e(&r, "st-xipo", "inv01", t, 1000000 + (t - T0) / MIN * 500);
		put_e(&r, "st-xipo", "meter", t, 5004800);
	}
	{
		int before = r.pubs.n;
		CHECK_INT(eval(&r, T0 + 2 * HOUR), 0);
		CHECK_INT(r.pubs.n, before); /* raised once */
		CHECK_INT(rows(&r, "rule = 'meter_silent' AND end_ms IS NULL"), 1);
	}
	/* its counter moves again: cleared after clear_s */
	for (t = T0 + 2 * HOUR + 5 * MIN; t <= T0 + 2 * HOUR + 40 * MIN; t += 5 * MIN) {
		put_e(&r, "st-xipo", "inv01", t, 1000000 + (t - T0) / MIN * 500);
		put_e(&r, "st-xipo", "meter", t, 5004800 + (t - T0 - 2 * HOUR) / MIN * 480);
	}
	CHECK_INT(eval(&r, T0 + 2 * HOUR + 40 * MIN), 0);
	CHECK_INT(rows(&r, "rule = 'meter_silent' AND end_ms IS NULL"), 1);
	CHECK_INT(eval(&r, T0 + 2 * HOUR + 46 * MIN), 0);
	CHECK_INT(rows(&r, "rule = 'meter_silent' AND end_ms IS NOT NULL"), 1);
	CHECK_INT(rows(&r, "rule = 'meter_silent'"), 1);
	rig_close(&r);
}

static void a_silent_meter_without_sun_is_no_alert_and_an_open_one_waits_for_the_sun(void)
{
	struct rig r;
	int64_t t;
	rig_open(&r, "n.db");
	r.conf->live.meter_silent_s = 1800;
	/* night: the inverters' counters stand still, the meter is silent */
	for (t = T0; t <= T0 + HOUR; t += 5 * MIN)
		put_e(&r, "st-xipo", "inv01", t, 1000000);
	CHECK_INT(eval(&r, T0 + HOUR), 0);
	CHECK_INT(rows(&r, "rule = 'meter_silent'"), 0);
	/* sun: raised; then night again: the open alert is neither cleared nor raised again */
	for (t = T0 + HOUR + 5 * MIN; t <= T0 + 2 * HOUR; t += 5 * MIN)
		put_e(&r, "st-xipo", "inv01", t, 1000000 + (t - T0 - HOUR) / MIN * 500);
	CHECK_INT(eval(&r, T0 + 2 * HOUR), 0);
	CHECK_INT(rows(&r, "rule = 'meter_silent' AND end_ms IS NULL"), 1);
	for (t = T0 + 2 * HOUR + 5 * MIN; t <= T0 + 4 * HOUR; t += 5 * MIN)
		put_e(&r, "st-xipo", "inv01", t, 1000000 + 55 * 500);
	CHECK_INT(eval(&r, T0 + 3 * HOUR), 0);
	CHECK_INT(eval(&r, T0 + 4 * HOUR), 0);
	CHECK_INT(rows(&r, "rule = 'meter_silent' AND end_ms IS NULL"), 1);
	CHECK_INT(rows(&r, "rule = 'meter_silent'"), 1);
	rig_close(&r);
}

/* Daily rows of day for every inverter of the fleet: kWh per kWp of each station (x1000). */
static void put_day(struct rig *r, int32_t day, const int64_t *wh_per_kwp, int64_t n_readings)
{
	store_begin(r->s);
	for (int i = 0; i < r->fleet->n_stations; i++) {
		const struct fleet_station *st = &r->fleet->stations[i];
		int n_inv = 0;
		for (int j = 0; j < st->n_devices; j++)
			n_inv += st->devices[j].kind == READING_INVERTER;
		for (int j = 0; j < st->n_devices; j++) {
			struct store_daily d = {0};
			if (st->devices[j].kind != READING_INVERTER)
				continue;
			d.day = day;
			d.kind = READING_INVERTER;
			d.n_readings = n_readings;
			d.delta_wh = wh_per_kwp[i] * (st->capacity_w / 1000) / n_inv;
			store_daily_put(r->s, st->id, st->devices[j].id, &d);
		}
	}
	store_commit(r->s);
}

static void a_day_far_below_comparable_stations_is_alerted_but_not_a_cloudy_county(void)
{
	struct rig r;
	int hour;
	int32_t today = caltime_local_day(T0, &hour);
	/* the example fleet: st-xipo, st-nangou, st-chengzhuang, st-tuban */
	static const int64_t sunny[] = {4000, 4100, 3900, 1000}, cloudy[] = {1000, 900, 1100, 300},
	                     fine[] = {4000, 4100, 3900, 3800};
	rig_open(&r, "y.db");
	r.conf->live.yield_min_peers = 3; /* no township has three: the county's median */
	CHECK(hour >= r.conf->live.daily_hour);
	put_day(&r, today - 1, sunny, 1440);
	CHECK_INT(eval(&r, T0), 0);
	CHECK_INT(rows(&r, "rule = 'low_yield'"), 1);
	/* 1.0 kWh/kWp against the others' median of 4.0: 250 permille */
	CHECK_INT(rows(&r, "rule = 'low_yield' AND station = 'st-tuban' AND value = 250 AND "
	                   "end_ms IS NULL"),
	          1);
	{
		char w[96];
		snprintf(w, sizeof w, "rule = 'low_yield' AND start_ms = %lld",
		         (long long)caltime_local_midnight_ms(today - 1));
		CHECK_INT(rows(&r, w), 1); /* its day */
	}
	{
		int before = r.pubs.n;
		CHECK_INT(eval(&r, T0 + 10 * MIN), 0); /* judged once a day */
		CHECK_INT(r.pubs.n, before);
	}
	/* a cloudy day for the whole county: nothing judged, the open alert stays */
	put_day(&r, today, cloudy, 1440);
	CHECK_INT(eval(&r, T0 + 24 * HOUR), 0);
	CHECK_INT(rows(&r, "rule = 'low_yield' AND end_ms IS NULL"), 1);
	CHECK_INT(rows(&r, "rule = 'low_yield'"), 1);
	/* a fine day for all: cleared at once (the day is the hysteresis) */
	put_day(&r, today + 1, fine, 1440);
	CHECK_INT(eval(&r, T0 + 48 * HOUR), 0);
	CHECK_INT(rows(&r, "rule = 'low_yield' AND end_ms IS NOT NULL"), 1);
	/* too few readings of the day: a data problem, not a yield */
	put_day(&r, today + 2, sunny, 300);
	CHECK_INT(eval(&r, T0 + 72 * HOUR), 0);
	CHECK_INT(rows(&r, "rule = 'low_yield'"), 1);
	/* a restart judges the day again without raising twice */
	put_day(&r, today + 3, sunny, 1440);
	CHECK_INT(eval(&r, T0 + 96 * HOUR), 0);
	CHECK_INT(rows(&r, "rule = 'low_yield' AND end_ms IS NULL"), 1);
	rig_restart(&r);
	CHECK_INT(eval(&r, T0 + 96 * HOUR + MIN), 0);
	CHECK_INT(rows(&r, "rule = 'low_yield'"), 2);
	rig_close(&r);
}

/* Meter daily rows for days from..to: each station exports 4 h of its capacity a day. */
static void put_days(struct rig *r, int32_t from, int32_t to)
{
	store_begin(r->s);
	for (int i = 0; i < r->fleet->n_stations; i++) {
		const struct fleet_station *st = &r->fleet->stations[i];
		int64_t e = st->capacity_w * 4;
		for (int32_t day = from; day <= to; day++) {
			struct store_daily d = {0};
			int64_t mid = caltime_local_midnight_ms(day),
			        wh = 1000000 + (int64_t)(day - 15000) * e;
			d.day = day;
			d.kind = READING_METER;
			d.n_readings = 1440;
			d.has_first = d.has_last = 1;
			d.first_ts = mid + 6 * HOUR;
			d.first_wh = wh;
			d.last_ts = mid + 19 * HOUR;
			d.last_wh = wh + e;
			d.delta_wh = e;
			store_daily_put(r->s, st->id, st->meter, &d);
		}
	}
	store_commit(r->s);
}

/* 1 when every village's alerts match its status in the report of y-m. */
static int villages_match(struct rig *r, int y, int m, int *n_below, int *n_at_risk)
{
	struct report_params p = {0};
	struct report *rep;
	char *cause = NULL;
	int ok = 1;
	p.year = y;
	p.month = m;
	p.timezone = r->conf->timezone;
	p.target_fen_per_year = r->conf->target_fen_per_year;
	p.expected_interval_s = r->conf->expected_interval_s;
	p.meter_tolerance_permille = r->conf->meter_tolerance_permille;
	p.reach_days = r->conf->retention_days;
	rep = report_build(r->s, r->fleet, &p, &cause);
	if (!rep) {
		printf("  report: %s\n", cause);
		free(cause);
		return 0;
	}
	*n_below = *n_at_risk = 0;
	for (int i = 0; i < rep->n_villages; i++) {
		char w[160];
		enum target_status st = rep->villages[i].t.status;
		*n_below += st == TARGET_BELOW;
		*n_at_risk += st == TARGET_AT_RISK;
		snprintf(w, sizeof w,
		         "rule = 'village_below' AND village = '%s' AND end_ms IS NULL",
		         rep->villages[i].v->id);
		ok &= rows(r, w) == (st == TARGET_BELOW);
		snprintf(w, sizeof w,
		         "rule = 'village_at_risk' AND village = '%s' AND end_ms IS NULL",
		         rep->villages[i].v->id);
		ok &= rows(r, w) == (st == TARGET_AT_RISK);
	}
	report_free(rep);
	return ok;
}

static void villages_below_target_in_the_last_report_are_alerted_then_cleared(void)
{
	struct rig r;
	int hour, y, m, d, below = 0, at_risk = 0, raised_below = 0;
	int32_t first;
	rig_open(&r, "v.db");
	caltime_civil(caltime_local_day(T0, &hour), &y, &m, &d);
	first = caltime_days(y, m, 1); /* T0 is in June: the closed month is May */
	m = m == 1 ? 12 : m - 1;
	/* no energy at all in the closed month (pvmon not running yet): nothing judged */
	CHECK_INT(eval(&r, T0), 0);
	CHECK_INT(rows(&r, "rule LIKE 'village%'"), 0);
	rig_restart(&r);
	/* one month of data and a target far out of reach: AT RISK (the projection) */
	put_days(&r, caltime_days(y, m, 1) - 1, first);
	r.conf->target_fen_per_year = INT64_C(100000000000);
	CHECK_INT(eval(&r, T0 + MIN), 0);
	CHECK(villages_match(&r, y, m, &below, &at_risk));
	CHECK_INT(below, 0);
	CHECK(at_risk >= 7); /* the village with its own target may be OK */
	CHECK_INT(rows(&r, "rule = 'village_at_risk' AND severity = 'warning' AND "
	                   "id LIKE 'village_at_risk.%.1748707200'"),
	          at_risk); /* started when the month closed (June 1st, 00:00 local) */
	CHECK(strstr(r.pubs.last_json, "\"village\":\"") != NULL);
	{
		int before = r.pubs.n;
		CHECK_INT(eval(&r, T0 + 2 * MIN), 0); /* judged once a day */
		CHECK_INT(r.pubs.n, before);
	}
	/* a whole year of data the next day: BELOW, so AT RISK clears and BELOW is raised */
	put_days(&r, first - 370, first);
	CHECK_INT(eval(&r, T0 + 24 * HOUR), 0);
	CHECK(villages_match(&r, y, m, &below, &at_risk));
	CHECK(below >= 7);
	CHECK_INT(rows(&r, "rule = 'village_below' AND severity = 'critical' AND end_ms IS NULL"),
	          below);
	raised_below = below;
	CHECK_INT(rows(&r, "rule = 'village_at_risk' AND end_ms IS NOT NULL"),
	          rows(&r, "rule = 'village_at_risk'") - at_risk);
	/* a reachable target: cleared, each once */
	r.conf->target_fen_per_year = 1;
	CHECK_INT(eval(&r, T0 + 48 * HOUR), 0);
	CHECK(villages_match(&r, y, m, &below, &at_risk));
	CHECK(rows(&r, "rule = 'village_below' AND end_ms IS NOT NULL") >= 6);
	CHECK_INT(rows(&r, "rule = 'village_below' AND end_ms IS NULL"), below);
	CHECK_INT(rows(&r, "rule = 'village_below'"), raised_below); /* none raised twice */
	rig_close(&r);
}

static void data_rules_are_judged_when_the_batch_commits(void)
{
	struct rig r;
	struct reading x = {0};
	struct store_daily d = {0};
	int hour, before;
	int64_t t;
	rig_open(&r, "g.db");
	for (t = T0; t <= T0 + 2 * HOUR; t += 10 * MIN)
		put(&r, "inv01", t, STATE_OFFLINE);
	CHECK_INT(eval(&r, T0 + 2 * HOUR), 0);
	CHECK_INT(rows(&r, "rule = 'device_offline' AND end_ms IS NULL"), 1);
	/* the device answers: its recovery starts with the data, not at the next tick */
	put(&r, "inv01", T0 + 2 * HOUR + MIN, STATE_PRODUCING);
	util_strlcpy(x.gw, "gw-xipo", sizeof x.gw);
	util_strlcpy(x.station, "st-xipo", sizeof x.station);
	util_strlcpy(x.device, "inv01", sizeof x.device);
	x.ts_ms = T0 + 2 * HOUR + MIN;
	x.state = STATE_PRODUCING;
	alerts_touch(r.a, &x);
	{
		const char *cause = NULL;
		CHECK_INT(alerts_eval_data(r.a, T0 + 2 * HOUR + MIN, &cause), 0);
	}
	CHECK_INT(eval(&r, T0 + 2 * HOUR + 6 * MIN), 0); /* clear_s after the data */
	CHECK_INT(rows(&r, "rule = 'device_offline' AND end_ms IS NOT NULL"), 1);
	/* a counter reset is raised by the commit that brings it, before any tick */
	d.day = caltime_local_day(T0 + 3 * HOUR, &hour);
	d.n_readings = 1;
	d.resets = 1;
	store_begin(r.s);
	store_daily_put(r.s, "st-xipo", "inv02", &d);
	store_commit(r.s);
	util_strlcpy(x.device, "inv02", sizeof x.device);
	x.ts_ms = T0 + 3 * HOUR;
	before = r.pubs.n;
	alerts_touch(r.a, &x);
	{
		const char *cause = NULL;
		CHECK_INT(alerts_eval_data(r.a, T0 + 3 * HOUR, &cause), 0);
	}
	CHECK_INT(rows(&r, "rule = 'counter_reset' AND device = 'inv02' AND end_ms IS NULL"), 1);
	CHECK_INT(r.pubs.n, before + 1);
	rig_close(&r);
}

static void a_gateway_whose_last_will_is_retained_is_alerted_after_gateway_will_s(void)
{
	struct rig r;
	struct store_gateway g;
	rig_open(&r, "w.db");
	r.conf->live.gateway_will_s = 60;
	put(&r, "inv01", T0, STATE_PRODUCING);
	store_begin(r.s);
	store_gateway_get(r.s, "gw-xipo", &g);
	util_strlcpy(g.status, "offline", sizeof g.status);
	store_gateway_put(r.s, &g);
	store_commit(r.s);
	CHECK_INT(eval(&r, T0 + 30000), 0);
	CHECK_INT(rows(&r, "rule = 'gateway_offline'"), 0);
	CHECK_INT(eval(&r, T0 + 61000), 0); /* far below gateway_offline_s (two hours) */
	CHECK_INT(rows(&r, "rule = 'gateway_offline' AND end_ms IS NULL"), 1);
	rig_close(&r);
}

/* ---- central.json's "serve" and "alerts" ---- */

static char *central_error(cJSON *root)
{
	char *path = jwrite(root, "central.json"), *cause = NULL, *rest;
	struct central_conf *c = NULL;
	size_t n = strlen(path);
	if (config_central_load(path, &c, &cause) == 0) {
		config_central_free(c);
		free(path);
		return NULL;
	}
	rest = xstrdup(strncmp(cause, path, n) == 0 ? cause + n + 2 : cause);
	free(cause);
	free(path);
	return rest;
}

#define EXPECT(json_edit_key, value, msg)                                                          \
	do {                                                                                       \
		cJSON *j_ = example("central.json");                                               \
		char *e_;                                                                          \
		jset(j_, json_edit_key, value);                                                    \
		e_ = central_error(j_);                                                            \
		CHECK_STR(e_, msg);                                                                \
		free(e_);                                                                          \
	} while (0)

static void serve_and_alert_settings_give_exact_errors(void)
{
	EXPECT("serve", "{\"listen\": \"localhost\"}",
	       "serve.listen: expected \"address:port\" such as \"127.0.0.1:8080\", got "
	       "\"localhost\"");
	EXPECT("serve", "{\"listen\": \"127.0.0.1:99999\"}",
	       "serve.listen: expected \"address:port\" such as \"127.0.0.1:8080\", got "
	       "\"127.0.0.1:99999\"");
	EXPECT("serve", "{\"tls_cert\": \"c.pem\"}",
	       "serve.tls_key: expected both tls_cert and tls_key, or neither");
	EXPECT("serve", "{\"password\": \"x\"}",
	       "serve.password: unknown key (expected one of: listen, tls_cert, tls_key, "
	       "password_file, threads, cache_s, refresh_s)");
	EXPECT("alerts", "{\"daylight_hours\": [19, 7]}",
	       "alerts.daylight_hours: expected [from, to], local hours with 0 <= from < to <= 24, "
	       "such as [7, 19]");
	EXPECT("alerts", "{\"alert_exec\": [\"notify.sh\"]}",
	       "alerts.alert_exec[0]: expected an absolute program path, got \"notify.sh\"");
	EXPECT("alerts", "{\"yield_low_permille\": 0}",
	       "alerts.yield_low_permille: expected an integer from 1 to 1000, got 0");
	EXPECT("alerts", "{\"daily_hour\": 24}",
	       "alerts.daily_hour: expected an integer from 0 to 23, got 24");
	EXPECT("alerts", "{\"gateway_offline_s\": 0}",
	       "alerts.gateway_offline_s: expected an integer from 1 to 2592000, got 0");
}

static void serve_and_alert_settings_load_with_defaults_and_values(void)
{
	cJSON *j = example("central.json");
	char *path, *cause = NULL;
	struct central_conf *c = NULL;
	jset(j, "serve",
	     "{\"listen\": \"127.0.0.2:9100\", \"password_file\": \"pw\", \"refresh_s\": 5}");
	jset(j, "alerts", "{\"alert_exec\": [\"/usr/bin/logger\", \"-t\", \"pvmon\"]}");
	path = jwrite(j, "central.json");
	CHECK_INT(config_central_load(path, &c, &cause), 0);
	if (c) {
		CHECK_STR(c->live.listen_host, "127.0.0.2");
		CHECK_INT(c->live.listen_port, 9100);
		CHECK(c->live.password_file && strstr(c->live.password_file, "/pw") != NULL);
		CHECK_INT(c->live.refresh_s, 5);
		CHECK_INT(c->live.gateway_offline_s, 600);
		CHECK_INT(c->live.gateway_will_s, 60);
		CHECK_INT(c->live.meter_silent_s, 1800);
		CHECK_INT(c->live.yield_min_peers, 5);
		CHECK_INT(c->live.day_from_h, 7);
		CHECK_STR(c->live.exec_argv[2], "pvmon");
		CHECK(c->live.exec_argv[3] == NULL);
	}
	config_central_free(c);
	free(cause);
	free(path);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(an_offline_device_is_alerted_once_past_the_threshold_then_cleared_once);
	RUN(an_open_alert_survives_a_restart_without_being_raised_again);
	RUN(a_silent_gateway_is_one_alert_not_one_per_device);
	RUN(spool_drops_raise_once_and_the_baseline_survives_a_restart);
	RUN(two_workers_raise_and_clear_an_alert_once_between_them);
	RUN(a_counter_reset_today_is_an_info_alert);
	RUN(night_hours_do_not_count_towards_device_offline);
	RUN(a_silent_meter_while_the_inverters_produce_is_alerted_once_then_cleared);
	RUN(a_silent_meter_without_sun_is_no_alert_and_an_open_one_waits_for_the_sun);
	RUN(a_day_far_below_comparable_stations_is_alerted_but_not_a_cloudy_county);
	RUN(villages_below_target_in_the_last_report_are_alerted_then_cleared);
	RUN(data_rules_are_judged_when_the_batch_commits);
	RUN(a_gateway_whose_last_will_is_retained_is_alerted_after_gateway_will_s);
	RUN(serve_and_alert_settings_give_exact_errors);
	RUN(serve_and_alert_settings_load_with_defaults_and_values);
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("could not remove %s\n", dir);
	}
	{
		static const char *const names[] = {"central.json", NULL};
		tmpdir_remove(names);
	}
	return harness_end();
}
