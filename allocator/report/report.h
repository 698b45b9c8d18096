/*
 * report: the model of one monthly report (stations, villages, townships,
 * totals, flags, reasons) built from the roll-ups and the fleet. The
 * renderers (render.h) only format this model: they never compute money, so
 * every format shows the same figures.
 */
#ifndef PVMON_REPORT_H
#define PVMON_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "fleet.h"
#include "energy.h"
#include "msg.h"
#include "profile.h"
#include "revenue.h"
#include "target.h"

struct store;

/* Thresholds that make a station a reason (docs/report.md). */
#define REPORT_LOW_YIELD_PERCENT 85  /* of the fleet median specific yield */
#define REPORT_DOWN_HOURS 24         /* device-hours offline, or in fault, in the month */
#define REPORT_COMPLETE_PERMILLE 950 /* readings present / expected */
#define REPORT_DOWN_SINCE_DAYS 400   /* how far back "down since" is looked for */
#define REPORT_ALARM_REASONS 3       /* a station's alarms named among a village's reasons */

/* Station flags (bits); format_flag_key names them. */
enum report_flag {
	RFLAG_NO_DATA,
	RFLAG_INVERTER_FALLBACK,
	RFLAG_METER_MISMATCH,
	RFLAG_DEFICIT,
	RFLAG_COUNTER_RESET,
	RFLAG_EXCLUDED_READINGS,
	RFLAG_INCOMPLETE,
	RFLAG_LOW_YIELD,
	RFLAG_OFFLINE,
	RFLAG_FAULT,
	RFLAG_UNTARIFFED,
	RFLAG_NOT_IN_SERVICE,
	RFLAG_COUNT
};

/* One alarm bit a device of the station raised this month (docs/report.md). */
struct report_alarm {
	int device;       /* index in the station's devices */
	int bit;          /* 0-63 of the reading's alarms */
	int days;         /* days of the month it was set */
	const char *name; /* in the report's language, borrowed from the profiles; NULL: unnamed */
	const char *name_en; /* the English name (JSON's stable text); NULL: unnamed */
};

struct report_station {
	const struct fleet_station *st; /* borrowed from the fleet */
	int index;                      /* in the fleet */
	struct energy_month e;
	struct revenue_month r;        /* owns its period list */
	int64_t yield_wh_per_kwp;      /* specific yield: kWh/kWp x 1000; -1 without capacity */
	int64_t completeness_permille; /* readings / expected, at most 1000 */
	unsigned flags;                /* 1u << enum report_flag */
	/* Over the trailing twelve months (the months it was in service): */
	int months_without_data;   /* in service but no counter data at all */
	int64_t relative_permille; /* its yield / the fleet median yield, months with data; -1 */
	/* For the charts and KPIs: */
	int64_t days_wh[31];                 /* settlement energy per day of the month */
	int64_t months_yield[TARGET_WINDOW]; /* Wh per kWp per month of the window; -1 no data */
	int64_t pr_permille; /* yield / fleet median this month (a PR estimate); -1 */
	/*
	 * With an irradiance sensor (fleet "sensor"): the performance ratio over the
	 * days it covered, energy / (kWp x insolation / 1 kW/m²) (IEC 61724), and the
	 * insolation of each day (Wh/m², -1 not covered); -1 and all -1 without.
	 */
	int64_t pr_true_permille;
	int64_t sun_whm2[31];
	/* Inverter time producing or able to (not offline, not in fault) / daylight time
	 * (inverter time not asleep), this month; -1 without inverters. */
	int64_t availability_permille;
	/* Offline or in fault with worst_inv: the day after that inverter last produced, when
	 * that was before this month (within REPORT_DOWN_SINCE_DAYS); 0 otherwise. */
	int32_t down_since_day;
	struct report_alarm *alarms; /* by device, then bit; owned */
	int n_alarms;
};

/* A village's part of one station this month. */
struct report_part {
	int station; /* index into report.stations */
	int64_t weight, total_weight;
	int64_t fen;
};

/*
 * A measured performance ratio at or above this is an installation that works
 * (0.70): below it, more is lost than temperature, wiring and inverters explain.
 */
#define REPORT_PR_NORMAL_PERMILLE 700

enum report_reason_kind {
	REASON_NO_DATA,
	REASON_MISSING_DATA,
	REASON_OFFLINE,
	REASON_FAULT,
	REASON_LOW_YIELD,
	REASON_METER_MISMATCH,
	REASON_DEFICIT,
	REASON_MONTHS_WITHOUT_DATA, /* over the trailing twelve months */
	REASON_LOW_YIELD_T12,       /* over the trailing twelve months, against the fleet */
	REASON_SHORTFALL,           /* no station problem found: its shares earn too little */
	REASON_ALARM,               /* a device raised a named alarm: value days, ref the alarm */
	REASON_CASH, /* judged on money received: value T12 or projection, ref target, aux owed */
	REASON_COUNT
};

struct report_reason {
	enum report_reason_kind kind;
	int station;             /* index into report.stations; -1 for the village as a whole */
	int64_t value, ref, aux; /* meaning per kind: see docs/report.md */
	int projected;           /* REASON_CASH: value is the projection (AT RISK), not T12 */
};

/* What the target is judged on (docs/report.md §4). */
enum report_basis { REPORT_BASIS_ACCRUED, REPORT_BASIS_RECEIVED };

/*
 * Money in the ledger (docs/ledger.md) as of the report month's last day
 * (docs/report.md §4a): accrued for the month and the year to date (gross,
 * by the periods they are for), received in the month and the year to date
 * (by the day it arrived), outstanding (coal and subsidy accrued and not yet
 * received, all periods) and subsidy pending the catalogue.
 */
struct report_ledger {
	int64_t accrued_month, accrued_ytd, received_month, received_ytd, outstanding, pending;
};

struct report_village {
	const struct fleet_village *v; /* borrowed */
	int index;
	struct target_result t;              /* on the report's basis */
	struct report_ledger lg;             /* zero when the store has no ledger */
	int64_t received_fen[TARGET_WINDOW]; /* receipts per month of the window (ledger) */
	int64_t months_fen[TARGET_WINDOW];   /* oldest first; the last is this month */
	struct report_part *parts;
	int n_parts;
	struct report_reason *reasons;
	int n_reasons;
};

struct report_township {
	const struct fleet_township *t; /* borrowed */
	int n_villages, n_ok, n_at_risk, n_below;
	int64_t month_fen, ytd_fen, t12_fen, projection_fen, target_fen;
};

struct report_totals {
	int64_t energy_wh, coal_fen, subsidy_fen, revenue_fen;
	int64_t land_fen, insurance_fen, om_fen, tax_fen, costs_fen;
	int64_t distributable_fen, deficit_fen, allocated_fen;
	int n_ok, n_at_risk, n_below, n_flagged_stations;
};

struct report_params {
	int year, month;
	const char *timezone;     /* shown in the report; the zone must already be selected */
	const char *generated_at; /* NULL: no generation time is printed */
	int64_t target_fen_per_year;
	int expected_interval_s;
	int meter_tolerance_permille;
	int reach_days; /* how far a gap's closing readings are looked for (retention); 0: no bound
	                 */
	enum msg_lang lang; /* of every label and text; 0 is Chinese */
	/* Names the alarm bits (profile_alarm_name), borrowed; NULL: bits stay unnamed. */
	const struct profile_set *profiles;
	/* Judge targets on allocations (accrued, the default) or on money received; the
	 * latter needs ledger entries in the store. */
	enum report_basis basis;
};

struct report {
	const struct fleet *fleet; /* borrowed: must outlive the report */
	int year, month;
	char month_name[16];  /* "YYYY-MM" */
	char window_from[16]; /* first month of the trailing twelve */
	int32_t first_day;
	int ndays;
	char *timezone, *generated_at; /* owned; generated_at may be NULL */
	int64_t target_fen_per_year;
	int expected_interval_s, meter_tolerance_permille;
	enum msg_lang lang;
	int64_t median_yield_wh_per_kwp; /* fleet median this month, -1 if none */
	int profile_from_data; /* 1: the fleet's own monthly profile, 0: the built-in one */
	int64_t profile[12];
	/* Comparable stations: quartiles of the fleet's Wh per kWp per month of the window. */
	int64_t band_lo[TARGET_WINDOW], band_mid[TARGET_WINDOW], band_hi[TARGET_WINDOW];
	int64_t completeness_permille; /* readings / expected over the fleet this month */
	int64_t availability_permille; /* the fleet's inverters, as per station; -1 */
	/* The stations with an irradiance sensor pooled: energy / (kWp x insolation), -1. */
	int64_t pr_true_permille;
	int n_sensor_stations; /* stations with a measured performance ratio this month */
	struct report_station *stations;
	int n_stations;
	struct report_village *villages;
	int n_villages;
	int *village_order; /* villages not OK first (BELOW, AT RISK), then by township and id */
	struct report_township *townships;
	int n_townships;
	struct report_totals totals;
	enum report_basis basis;
	/* The ledger: has_ledger when the store has entries of a month up to the report
	 * month (ledger_from is the first); the county's figures in ledger_totals. */
	int has_ledger;
	char ledger_from[8];
	struct report_ledger ledger_totals;
};

/* The months a village's target is judged on: allocations or receipts (r->basis). */
const int64_t *report_village_months(const struct report *r, const struct report_village *rv);

/*
 * Builds the report of p->year-p->month from the store (read only) and f (borrowed).
 * Returns a new report (report_free) or NULL with *cause set.
 */
struct report *report_build(struct store *s, const struct fleet *f, const struct report_params *p,
                            char **cause);
void report_free(struct report *r);

#endif
