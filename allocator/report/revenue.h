/*
 * revenue: what a station earned in a month (effective-dated two-part
 * tariff) and what it cost (land rent, insurance, O&M, taxes), in integer
 * fen, with every rounding written down in docs/report.md.
 */
#ifndef PVMON_REVENUE_H
#define PVMON_REVENUE_H

#include <stdint.h>

#include "config.h"
#include "fleet.h"

/* The part of one tariff period that falls inside the month. */
struct revenue_period {
	int32_t from_day, to_day; /* clipped to the month, local days */
	int64_t energy_wh;
	int64_t coal_fen_per_mwh, subsidy_fen_per_mwh;
	int64_t coal_fen, subsidy_fen; /* each rounded once, half up */
};

struct revenue_month {
	int in_service;        /* 0 for months before the commissioning month */
	int64_t energy_wh;     /* sum of the day energies given */
	int64_t untariffed_wh; /* energy on days no tariff period covers: earns nothing */
	int64_t coal_fen, subsidy_fen, revenue_fen;
	int64_t land_fen, insurance_fen, om_fen, tax_fen, costs_fen;
	int om_capped;                  /* O&M was cut to the cap */
	int64_t distributable_fen;      /* revenue - costs, never below 0 */
	int64_t deficit_fen;            /* costs - revenue when costs are higher, else 0 */
	struct revenue_period *periods; /* owned; revenue_month_release frees */
	int n_periods;
};

/* a * b / den rounded half up (den > 0), exact for any int64 a and b. */
int64_t revenue_mul_div_half_up(int64_t a, int64_t b, int64_t den);
/* Month m (1-12) of an amount per year: floor(Y*m/12) - floor(Y*(m-1)/12). */
int64_t revenue_spread(int64_t per_year, int month);

/*
 * Computes the month of station st under tariff t (NULL: no tariff). day_wh
 * holds the settlement energy of each day of the month, starting at local
 * day first_day (borrowed). The caller releases out.
 */
void revenue_month_compute(const struct fleet_station *st, const struct fleet_tariff *t, int year,
                           int month, int32_t first_day, const int64_t *day_wh, int ndays,
                           struct revenue_month *out);
/* Frees what revenue_month_compute allocated; accepts a zeroed or released struct. */
void revenue_month_release(struct revenue_month *m);

#endif
