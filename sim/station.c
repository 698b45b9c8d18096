/*
 * station: exact integer integration of piecewise-constant power (W x ms) on
 * a fixed grid of simulated steps, so counters do not depend on when or how
 * often they are read. Never reads a clock: time comes from the caller.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "station.h"
#include "sun.h"
#include "util.h"

#define WMS_PER_WH INT64_C(3600000)
#define NIGHT_ELEVATION (-3.0) /* below: inverters asleep, silent */
#define STANDBY_ELEVATION 1.0  /* below: awake but not feeding in */
#define PERFORMANCE_RATIO 0.80 /* tuned so a year gives 1,050-1,170 kWh per kWp */

struct dev {
	int64_t power_w;      /* this step; meters: export - import */
	int64_t produced_wms; /* inverter yield or meter export since the model began */
	int64_t imported_wms; /* meters */
	int64_t today_wms;    /* produced at the last local midnight */
	int64_t counter_wh;   /* lifetime counter = counter_wh + (produced - counter_from) / Wh */
	int64_t counter_from; /* produced_wms when counter_wh was set */
	int64_t import_wh, import_from;
	double eff; /* this inverter's share of the ideal (soiling, strings) */
	enum reading_state state;
	double irr_wm2; /* sensors: the irradiance of this step */
};

struct station {
	const struct simstation_conf *sc;
	uint64_t seed, place;
	int64_t t;          /* model time, simulated UTC ms */
	int64_t step_start; /* start of the step holding t */
	int64_t next_midnight;
	double elevation, ambient_c, hz;
	int resets_on; /* off while the model catches up to its start */
	struct dev *d;
};

/* The UTC ms of the local midnight after t. */
static int64_t midnight_after(int64_t t)
{
	int hour;
	int32_t day = caltime_local_day(t, &hour);
	return caltime_local_midnight_ms(day + 1);
}

/* A uniform number in [0, 1) for a key. */
static double unit(uint64_t h)
{
	return (double)(sun_mix(h) >> 11) / 9007199254740992.0;
}

/* Computes the powers, states and weather of the step starting at step_start. */
static void compute_step(struct station *st)
{
	const struct simstation_conf *sc = st->sc;
	int64_t mid = st->step_start + STATION_STEP_MS / 2;
	double el = sun_elevation_deg(sc->lat, sc->lon, mid);
	double ghi = sun_clear_sky_wm2(el);
	double cloud = sun_cloud_factor(st->seed, st->place, mid);
	double doy = fmod((double)mid / 86400000.0, 365.2422);
	double solar_h = fmod((double)mid / 3600000.0 + sc->lon / 15.0, 24.0);
	int64_t sum = 0, export_w, import_w;
	int i;

	st->elevation = el;
	/* Lin County: about -6 C in January, 23 C in July; warmest mid-afternoon */
	st->ambient_c = 8.5 - 14.5 * cos(2 * M_PI * (doy - 15) / 365.0) +
	                6.0 * sin(2 * M_PI * (solar_h - 9) / 24.0);
	st->hz = 50.0 + 0.04 * sin(2 * M_PI * (double)mid / 397000.0) +
	         0.02 * (unit(st->seed ^ (uint64_t)mid) - 0.5);
	for (i = 0; i < sc->n_devs; i++) {
		struct dev *d = &st->d[i];
		int64_t cap = sc->devs[i].capacity_w;
		double p;

		if (sc->devs[i].kind != READING_INVERTER)
			continue;
		p = (double)cap * ghi / 1000.0 * PERFORMANCE_RATIO * cloud * d->eff;
		if (el < NIGHT_ELEVATION) {
			d->state = STATE_SLEEPING;
			d->power_w = 0;
		} else if (el < STANDBY_ELEVATION || p < 1) {
			d->state = STATE_STANDBY;
			d->power_w = 0;
		} else if (p >= (double)cap) {
			d->state = STATE_THROTTLED;
			d->power_w = cap;
		} else {
			d->state = STATE_PRODUCING;
			d->power_w = (int64_t)p;
		}
		sum += d->power_w;
	}
	for (i = 0; i < sc->n_devs; i++)
		if (sc->devs[i].kind == READING_SENSOR)
			st->d[i].irr_wm2 = el < STANDBY_ELEVATION ? 0 : ghi * cloud;
	export_w = (int64_t)((double)sum * (1.0 - sc->loss));
	import_w = sum == 0 ? sc->aux_w : 0;
	for (i = 0; i < sc->n_devs; i++) {
		if (sc->devs[i].kind != READING_METER)
			continue;
		st->d[i].power_w = export_w - import_w;
		st->d[i].state = export_w > 0 ? STATE_PRODUCING : STATE_STANDBY;
	}
}

/*
 * Adds dt ms of the current step's power to every counter. The meter's export
 * is the inverters' energy less the loss, computed from W x ms, not from its
 * rounded display power, so it tracks the inverters to the Wh.
 */
static void integrate(struct station *st, int64_t dt)
{
	int64_t sum = 0, keep = 1000000 - (int64_t)llround(st->sc->loss * 1e6);
	int i;

	for (i = 0; i < st->sc->n_devs; i++) {
		struct dev *d = &st->d[i];
		if (st->sc->devs[i].kind != READING_INVERTER)
			continue;
		d->produced_wms += d->power_w * dt;
		sum += d->power_w * dt;
	}
	for (i = 0; i < st->sc->n_devs; i++) {
		struct dev *d = &st->d[i];
		if (st->sc->devs[i].kind != READING_METER)
			continue;
		d->produced_wms += sum / 1000000 * keep + sum % 1000000 * keep / 1000000;
		if (d->power_w < 0)
			d->imported_wms += -d->power_w * dt;
	}
}

/* Applies due counter resets (inverter replaced) at the model's time. */
static void apply_resets(struct station *st)
{
	int i, f;

	if (!st->resets_on)
		return;
	for (i = 0; i < st->sc->n_devs; i++) {
		struct fault_list *l = &st->sc->devs[i].faults;
		for (f = 0; f < l->n; f++) {
			struct fault *x = &l->v[f];
			if (x->type != FAULT_COUNTER_RESET || x->applied || x->start_ms > st->t)
				continue;
			x->applied = 1;
			st->d[i].counter_wh = x->value_wh;
			st->d[i].counter_from = st->d[i].produced_wms;
		}
	}
}

/* The earliest pending counter reset after the model's time, or INT64_MAX. */
static int64_t next_reset(const struct station *st)
{
	int64_t next = INT64_MAX;
	int i, f;

	if (!st->resets_on)
		return next;
	for (i = 0; i < st->sc->n_devs; i++) {
		const struct fault_list *l = &st->sc->devs[i].faults;
		for (f = 0; f < l->n; f++) {
			const struct fault *x = &l->v[f];
			if (x->type == FAULT_COUNTER_RESET && !x->applied && x->start_ms > st->t &&
			    x->start_ms < next)
				next = x->start_ms;
		}
	}
	return next;
}

/* Moves the model to t without touching the lifetime counters' origins. */
static void run_to(struct station *st, int64_t t)
{
	apply_resets(st);
	while (st->t < t) {
		int64_t end = st->step_start + STATION_STEP_MS, reset = next_reset(st);
		int i;

		if (end > t)
			end = t;
		if (end > st->next_midnight)
			end = st->next_midnight;
		if (end > reset)
			end = reset;
		integrate(st, end - st->t);
		st->t = end;
		if (st->t == st->next_midnight) {
			for (i = 0; i < st->sc->n_devs; i++)
				st->d[i].today_wms = st->d[i].produced_wms;
			st->next_midnight = midnight_after(st->t);
		}
		if (st->t == st->step_start + STATION_STEP_MS) {
			st->step_start = st->t;
			compute_step(st);
		}
		apply_resets(st);
	}
}

/* The start of the step holding t. */
static int64_t step_of(int64_t t)
{
	int64_t s = t - t % STATION_STEP_MS;
	return t % STATION_STEP_MS < 0 ? s - STATION_STEP_MS : s;
}

struct station *station_new(const struct simstation_conf *sc, uint64_t seed, int64_t t0_ms)
{
	struct station *st = xcalloc(1, sizeof *st);
	const unsigned char *p;
	int hour, i;
	int64_t midnight = caltime_local_midnight_ms(caltime_local_day(t0_ms, &hour));

	st->sc = sc;
	st->seed = seed;
	st->place = 1469598103934665603ULL; /* FNV-1a of the station id */
	for (p = (const unsigned char *)sc->id; *p; p++)
		st->place = (st->place ^ *p) * 1099511628211ULL;
	st->d = xcalloc((size_t)sc->n_devs, sizeof *st->d);
	for (i = 0; i < sc->n_devs; i++)
		st->d[i].eff = 0.92 + 0.08 * unit(seed ^ st->place ^ (uint64_t)(i + 1) * 7919);
	/* start at the local midnight so "today" holds the morning already produced */
	st->t = midnight;
	st->step_start = step_of(midnight);
	st->next_midnight = midnight_after(midnight);
	compute_step(st);
	run_to(st, t0_ms);
	for (i = 0; i < sc->n_devs; i++) {
		st->d[i].counter_wh = sc->devs[i].energy_wh;
		st->d[i].counter_from = st->d[i].produced_wms;
		st->d[i].import_wh = sc->devs[i].import_wh;
		st->d[i].import_from = st->d[i].imported_wms;
	}
	st->resets_on = 1;
	apply_resets(st);
	return st;
}

void station_free(struct station *st)
{
	if (!st)
		return;
	free(st->d);
	free(st);
}

void station_advance(struct station *st, int64_t t_ms)
{
	run_to(st, t_ms);
}

int64_t station_time(const struct station *st)
{
	return st->t;
}

double station_elevation(const struct station *st)
{
	return st->elevation;
}

int station_asleep(const struct station *st, int dev)
{
	return st->sc->devs[dev].kind == READING_INVERTER && st->d[dev].state == STATE_SLEEPING;
}

void station_reading(const struct station *st, int dev, struct reading *out)
{
	const struct dev *d = &st->d[dev];
	const struct simdev_conf *dc = &st->sc->devs[dev];
	int64_t cap = dc->capacity_w > 0 ? dc->capacity_w : 1;

	memset(out, 0, sizeof *out);
	out->kind = dc->kind;
	if (dc->kind == READING_SENSOR) {
		/* the sky the inverters see; the module warms 0.03 degC per W/m² over the air */
		out->has = READING_HAS_IRRADIANCE | READING_HAS_TEMP | READING_NO_STATE;
		out->irradiance_wm2 = llround(d->irr_wm2);
		out->temp_c = round((st->ambient_c + 0.03 * d->irr_wm2) * 10) / 10;
		return;
	}
	out->state = d->state;
	out->has = READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_TODAY | READING_HAS_TEMP |
	           READING_HAS_HZ | READING_HAS_ALARMS;
	out->ac_power_w = d->power_w;
	out->energy_wh = d->counter_wh + (d->produced_wms - d->counter_from) / WMS_PER_WH;
	out->today_wh = (d->produced_wms - d->today_wms) / WMS_PER_WH;
	if (dc->kind == READING_METER) {
		out->has |= READING_HAS_IMPORT;
		out->import_wh = d->import_wh + (d->imported_wms - d->import_from) / WMS_PER_WH;
		out->temp_c = round(st->ambient_c * 10) / 10;
	} else {
		/* the cabinet warms with the load */
		out->temp_c =
		    round((st->ambient_c + 5 + 25.0 * (double)d->power_w / (double)cap) * 10) / 10;
	}
	out->grid_hz = round(st->hz * 100) / 100;
	out->alarms = 0;
}
