/*
 * energy: each station's exported energy per local day and per month, read
 * from the daily roll-ups (docs/storage.md) in one pass over a window of
 * whole months. It only reads the database; it never touches raw readings.
 */
#ifndef PVMON_ENERGY_H
#define PVMON_ENERGY_H

#include <stdint.h>

#include "fleet.h"

struct store;

enum energy_source { ENERGY_NONE, ENERGY_METER, ENERGY_INVERTERS };

/*
 * One station in one month. The devices that do not settle it (the inverters
 * of a station with a meter) are read for the last month of the window and
 * for months the meter has no data in; in other months inverter_wh and
 * inverter_days are 0 and mismatch is not checked.
 */
struct energy_month {
	enum energy_source source;
	int64_t energy_wh;   /* settlement energy: the meter's, or the inverters' as fallback */
	int64_t meter_wh;    /* export meter, 0 when it has no data */
	int64_t inverter_wh; /* sum of the inverters' yield */
	int meter_days;      /* days with good meter counter readings */
	int inverter_days;   /* most days any one inverter had good counter readings */
	int has_meter;       /* the station has an export meter in the fleet */
	int mismatch;        /* meter and inverters differ by more than the tolerance */
	int has_rows;        /* any roll-up row of any of its devices this month */
	/* Readings to fault_s are filled for the last month of the window only. */
	int64_t readings;      /* readings stored, all devices */
	int64_t expected;      /* devices x month length / expected interval */
	int64_t longest_gap_s; /* longest stretch without a good counter reading (see docs) */
	int64_t resets;        /* counter resets (new segments), all devices */
	int64_t excluded;      /* readings whose counter was not used, all devices */
	int64_t offline_s;     /* device-seconds offline */
	int64_t fault_s;       /* device-seconds in fault */
	int inverters;         /* inverters read this month (for availability) */
	int64_t inv_asleep_s;  /* inverter-seconds asleep (night, standby) */
	int64_t inv_down_s;    /* inverter-seconds offline or in fault */
	int inv_down;          /* inverters offline or in fault a day or more in all */
	int worst_inv;         /* index in the station's devices of the one down longest, or -1 */
	int64_t worst_offline_s, worst_fault_s; /* its seconds offline and in fault */
	/*
	 * The station's irradiance sensor, last month of the window only: the days
	 * it covered (a daily row with insolation and no gap the roll-ups could not
	 * integrate), their insolation in Wh/m² and the settlement energy of those
	 * same days, so that a true performance ratio compares like with like.
	 */
	int sensor_days;
	int64_t insolation_whm2;
	int64_t insolation_energy_wh;
};

#define ENERGY_DOWN_DAY_S 86400 /* an inverter down this long in a month counts in inv_down */

struct energy_params {
	int year, month;         /* the last month of the window */
	int n_months;            /* window length in months, >= 1 */
	int expected_interval_s; /* > 0 */
	int tolerance_permille;  /* meter vs inverters */
	/* How far (days) before and after the window the good counter readings that
	 * close a gap are looked for: the raw readings' retention; 0: no bound. */
	int reach_days;
};

struct energy;

/*
 * Reads the daily roll-ups of the window (two store queries) for every station of f
 * and returns a new handle (energy_free), or NULL with *cause set. The time
 * zone must already be selected (caltime_set_zone). f is borrowed and must
 * outlive the handle.
 */
struct energy *energy_load(struct store *s, const struct fleet *f, const struct energy_params *p,
                           char **cause);
void energy_free(struct energy *e);

/* Month k of the window (0 = oldest, n_months - 1 = the last) of a station. */
const struct energy_month *energy_month_get(const struct energy *e, int station, int k);
#define ENERGY_ALARM_BITS 64
/*
 * Device (index in the station) of station: on how many days of the last
 * month each alarm bit was set (ENERGY_ALARM_BITS entries, borrowed), and in
 * *map (if not NULL) the "profile@version" that set them ("" when none).
 */
const uint8_t *energy_alarm_days(const struct energy *e, int station, int device, const char **map);
/* First local day and length of month k of the window. */
int32_t energy_month_first_day(const struct energy *e, int k, int *ndays);
/* Settlement energy of each day of month k (borrowed, energy_month_first_day days). */
const int64_t *energy_days(const struct energy *e, int station, int k);
/*
 * Insolation (Wh/m²) of each day of the last month from the station's sensor,
 * -1 for a day it did not cover (borrowed, energy_month_first_day days); NULL
 * when the station has no sensor.
 */
const int64_t *energy_insolation_days(const struct energy *e, int station);

/*
 * The part of the increment between two consecutive good counter readings
 * (last_ts, last_wh) and (first_ts, first_wh) that lies before boundary_ms,
 * by linear interpolation, rounded down. 0 when the increment is negative (a
 * reset) or more than capacity_w (if > 0) allows over the elapsed time plus
 * 1 % plus 1 kWh (ingest excluded it).
 */
int64_t energy_split_boundary(int64_t last_ts, int64_t last_wh, int64_t first_ts, int64_t first_wh,
                              int64_t boundary_ms, int64_t capacity_w);

#endif
