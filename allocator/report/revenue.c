/*
 * revenue: tariffs and costs of one station-month in integer fen. It never
 * uses floating point for money and never reads the database: energies come in.
 */
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "revenue.h"
#include "util.h"

/* floor(n / d) for d > 0 in 128 bits (C division truncates toward zero). */
static __int128 floor_div(__int128 n, __int128 d)
{
	__int128 q = n / d;
	if ((n % d != 0) && (n < 0))
		q--;
	return q;
}

/* Half up means toward +infinity at exactly one half: floor(x + 1/2). */
int64_t revenue_mul_div_half_up(int64_t a, int64_t b, int64_t den)
{
	__int128 n = (__int128)a * b;
	return (int64_t)floor_div(2 * n + den, 2 * (__int128)den);
}

/* Spreads a yearly amount so that the twelve months add up to it exactly. */
int64_t revenue_spread(int64_t per_year, int month)
{
	__int128 y = per_year;
	return (int64_t)(floor_div(y * month, 12) - floor_div(y * (month - 1), 12));
}

/* Adds one tariff period clipped to [lo, hi] of the month. */
static void add_period(struct revenue_month *out, const struct fleet_tariff_period *p, int32_t lo,
                       int32_t hi, int32_t first_day, const int64_t *day_wh)
{
	struct revenue_period *rp;
	int32_t d;

	out->periods = xrealloc(out->periods, sizeof *out->periods * (size_t)(out->n_periods + 1));
	rp = &out->periods[out->n_periods++];
	memset(rp, 0, sizeof *rp);
	rp->from_day = lo;
	rp->to_day = hi;
	rp->coal_fen_per_mwh = p->coal_fen_per_mwh;
	rp->subsidy_fen_per_mwh = p->subsidy_fen_per_mwh;
	for (d = lo; d <= hi; d++)
		rp->energy_wh += day_wh[d - first_day];
	/* One rounding per part and period: fen per MWh times Wh is 1e-6 fen. */
	rp->coal_fen = revenue_mul_div_half_up(rp->energy_wh, rp->coal_fen_per_mwh, 1000000);
	rp->subsidy_fen = revenue_mul_div_half_up(rp->energy_wh, rp->subsidy_fen_per_mwh, 1000000);
	out->coal_fen += rp->coal_fen;
	out->subsidy_fen += rp->subsidy_fen;
}

/* Revenue from the tariff periods that overlap the month; the rest is untariffed. */
static void compute_revenue(struct revenue_month *out, const struct fleet_tariff *t,
                            int32_t first_day, int32_t last_day, const int64_t *day_wh)
{
	int64_t tariffed = 0;
	int i;

	for (i = 0; t && i < t->n_periods; i++) {
		const struct fleet_tariff_period *p = &t->periods[i];
		int32_t lo = p->from_day > first_day ? p->from_day : first_day;
		int32_t hi = p->to_day < last_day ? p->to_day : last_day;
		if (lo > hi)
			continue;
		add_period(out, p, lo, hi, first_day, day_wh);
		tariffed += out->periods[out->n_periods - 1].energy_wh;
	}
	out->untariffed_wh = out->energy_wh - tariffed;
	out->revenue_fen = out->coal_fen + out->subsidy_fen;
}

/* Land rent, insurance, O&M (with its cap) and taxes of the month. */
static void compute_costs(struct revenue_month *out, const struct fleet_station *st, int month)
{
	const struct fleet_costs *c = &st->costs;
	int64_t om_var = 0;

	out->land_fen = revenue_spread(c->land_rent_fen_per_year, month);
	out->insurance_fen = revenue_spread(c->insurance_fen_per_year, month);
	if (out->energy_wh > 0)
		om_var = revenue_mul_div_half_up(out->energy_wh, c->om_fen_per_mwh, 1000000);
	out->om_fen = c->om_fen_per_month + om_var;
	if (c->om_cap_fen_per_kw_year > 0) {
		/* The yearly cap (per kW of capacity) is spread like rent: months add up to it. */
		int64_t cap_year =
		    (int64_t)((__int128)c->om_cap_fen_per_kw_year * st->capacity_w / 1000);
		int64_t cap = revenue_spread(cap_year, month);
		if (out->om_fen > cap) {
			out->om_fen = cap;
			out->om_capped = 1;
		}
	}
	out->tax_fen = out->revenue_fen > 0
	                   ? revenue_mul_div_half_up(out->revenue_fen, c->tax_basis_points, 10000)
	                   : 0;
	out->costs_fen = out->land_fen + out->insurance_fen + out->om_fen + out->tax_fen;
}

/* Computes revenue, costs and the distributable amount; see revenue.h. */
void revenue_month_compute(const struct fleet_station *st, const struct fleet_tariff *t, int year,
                           int month, int32_t first_day, const int64_t *day_wh, int ndays,
                           struct revenue_month *out)
{
	int32_t last_day = first_day + ndays - 1;
	int i;

	(void)year;
	memset(out, 0, sizeof *out);
	for (i = 0; i < ndays; i++)
		out->energy_wh += day_wh[i];
	/* A station earns and costs nothing before the month it was commissioned in. */
	if (st->commissioned_day > last_day)
		return;
	out->in_service = 1;
	compute_revenue(out, t, first_day, last_day, day_wh);
	compute_costs(out, st, month);
	if (out->revenue_fen >= out->costs_fen) {
		out->distributable_fen = out->revenue_fen - out->costs_fen;
	} else {
		out->deficit_fen = out->costs_fen - out->revenue_fen;
	}
}

/* Frees the period list. */
void revenue_month_release(struct revenue_month *m)
{
	if (!m)
		return;
	free(m->periods);
	m->periods = NULL;
	m->n_periods = 0;
}
