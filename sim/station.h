/*
 * station: the physics of one simulated station: sun, clouds, inverter power,
 * lifetime and daily counters integrated exactly over simulated time, the
 * export meter, temperatures and grid frequency. Never does I/O.
 */
#ifndef PVMON_SIM_STATION_H
#define PVMON_SIM_STATION_H

#include <stdint.h>

#include "reading.h"
#include "simconf.h"

/* Power is constant within a step of this many simulated ms, aligned to the epoch. */
#define STATION_STEP_MS 30000

struct station; /* opaque */

/*
 * Creates the model of sc (borrowed: it must outlive the station; its fault
 * lists are read for counter resets, which the model marks applied) at simulated time t0_ms.
 * Lifetime counters equal the configured ones at t0; "today" counts from the local midnight before
 * t0 (caltime's zone).
 */
struct station *station_new(const struct simstation_conf *sc, uint64_t seed, int64_t t0_ms);
void station_free(struct station *st);

/* Advances the model to t_ms (a time before the model's is ignored). */
void station_advance(struct station *st, int64_t t_ms);
/* The model's time. */
int64_t station_time(const struct station *st);

/* 1 if device dev (index into sc->devs) is an inverter asleep for the night: it does not answer. */
int station_asleep(const struct station *st, int dev);

/*
 * The canonical values of device dev at the model's time: kind, state, power,
 * counters, temperature, frequency, alarms (all present). Ids, seq, ts, map
 * are left to the caller.
 */
void station_reading(const struct station *st, int dev, struct reading *out);

/* The sun's elevation (deg) at the station for the current step. */
double station_elevation(const struct station *st);

#endif
