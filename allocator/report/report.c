/*
 * report: builds the monthly report model: energy -> revenue and costs ->
 * largest-remainder split -> targets -> reasons. All money is integer fen;
 * it reads the database only through energy_load and never writes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "caltime.h"
#include "fleet.h"
#include "report.h"
#include "store.h"
#include "store_ledger.h"
#include "util.h"

/* Relative monthly output of a northern-China PV fleet, used until a full year of data exists. */
static const int64_t default_profile[12] = {70, 80, 100, 110, 120, 115, 110, 105, 95, 90, 72, 65};

/* The stations a village holds shares in: (station, share index) pairs. */
struct holding {
	int station, share;
};

struct holdings {
	struct holding *h;
	int n;
};

/* Calendar year and month of window index k (11 = the report month). */
static void window_month(int year, int month, int k, int *y, int *m)
{
	int back = TARGET_WINDOW - 1 - k, idx = year * 12 + (month - 1) - back;
	*y = idx / 12;
	*m = idx % 12 + 1;
}

/* Lists each village's holdings; fails on a share naming no village. */
static struct holdings *holdings_build(const struct fleet *f, char **cause)
{
	struct holdings *hs = xcalloc((size_t)f->n_villages + 1, sizeof *hs);
	int s, j;
	for (s = 0; s < f->n_stations; s++) {
		const struct fleet_station *st = &f->stations[s];
		for (j = 0; j < st->n_shares; j++) {
			int v = st->shares[j].village;
			struct holdings *x;
			if (v < 0 || v >= f->n_villages) {
				*cause = xasprintf(
				    "fleet: station \"%s\": share %d names no village", st->id, j);
				free(hs);
				return NULL;
			}
			x = &hs[v];
			x->h = xrealloc(x->h, sizeof *x->h * (size_t)(x->n + 1));
			x->h[x->n].station = s;
			x->h[x->n].share = j;
			x->n++;
		}
	}
	return hs;
}

/* Frees the holdings lists. */
static void holdings_free(struct holdings *hs, int n)
{
	int i;
	if (!hs)
		return;
	for (i = 0; i < n; i++)
		free(hs[i].h);
	free(hs);
}

/* Splits one station's distributable fen among its villages into per_village[]. */
static int split_station(const struct fleet *f, const struct fleet_station *st, int64_t fen,
                         int64_t *parts_out)
{
	int64_t wsmall[16], *w = wsmall;
	const char *ksmall[16], **keys = ksmall;
	int j, rc;

	if (st->n_shares < 1)
		return 0;
	if (st->n_shares > 16) {
		w = xmalloc(sizeof *w * (size_t)st->n_shares);
		keys = xmalloc(sizeof *keys * (size_t)st->n_shares);
	}
	for (j = 0; j < st->n_shares; j++) {
		w[j] = st->shares[j].weight;
		keys[j] = f->villages[st->shares[j].village].id;
	}
	rc = alloc_split(fen, st->n_shares, w, keys, parts_out);
	if (w != wsmall) {
		free(w);
		free(keys);
	}
	return rc;
}

/* Runs money and allocation for every month of the window. */
static int compute_months(struct report *r, const struct energy *e, const struct holdings *hs,
                          int (*has_data)[TARGET_WINDOW], char **cause)
{
	const struct fleet *f = r->fleet;
	int k, s, j, v;
	int64_t *parts = NULL;
	int max_shares = 1;

	for (s = 0; s < f->n_stations; s++)
		if (f->stations[s].n_shares > max_shares)
			max_shares = f->stations[s].n_shares;
	parts = xcalloc((size_t)max_shares, sizeof *parts);
	for (k = 0; k < TARGET_WINDOW; k++) {
		int y, m, nd;
		int32_t first = energy_month_first_day(e, k, &nd);
		window_month(r->year, r->month, k, &y, &m);
		for (s = 0; s < f->n_stations; s++) {
			const struct fleet_station *st = &f->stations[s];
			const struct fleet_tariff *t = st->tariff >= 0 && st->tariff < f->n_tariffs
			                                   ? &f->tariffs[st->tariff]
			                                   : NULL;
			struct revenue_month rm;
			revenue_month_compute(st, t, y, m, first, energy_days(e, s, k), nd, &rm);
			if (split_station(f, st, rm.distributable_fen, parts) < 0) {
				*cause = xasprintf("fleet: station \"%s\": shares cannot split "
				                   "(weights must be > 0)",
				                   st->id);
				revenue_month_release(&rm);
				free(parts);
				return -1;
			}
			for (j = 0; j < st->n_shares; j++)
				r->villages[st->shares[j].village].months_fen[k] += parts[j];
			if (k == TARGET_WINDOW - 1) {
				r->stations[s].r = rm;
				for (j = 0; j < st->n_shares; j++) {
					struct report_village *rv =
					    &r->villages[st->shares[j].village];
					struct report_part *p;
					rv->parts =
					    xrealloc(rv->parts,
					             sizeof *rv->parts * (size_t)(rv->n_parts + 1));
					p = &rv->parts[rv->n_parts++];
					p->station = s;
					p->weight = st->shares[j].weight;
					p->fen = parts[j];
				}
			} else {
				revenue_month_release(&rm);
			}
		}
		for (v = 0; v < f->n_villages; v++)
			for (j = 0; j < hs[v].n; j++)
				if (energy_month_get(e, hs[v].h[j].station, k)->has_rows)
					has_data[v][k] = 1;
	}
	free(parts);
	return 0;
}

/* The fleet's monthly profile (Wh per kW) if every calendar month has data, else the default. */
static void compute_profile(struct report *r, const struct energy *e)
{
	int64_t prof[12];
	int k, s, y, m, full = 1;
	for (k = 0; k < TARGET_WINDOW; k++) {
		int64_t wh = 0, cap = 0;
		for (s = 0; s < r->fleet->n_stations; s++) {
			const struct energy_month *em = energy_month_get(e, s, k);
			if (em->source == ENERGY_NONE || r->fleet->stations[s].capacity_w <= 0)
				continue;
			wh += em->energy_wh;
			cap += r->fleet->stations[s].capacity_w;
		}
		window_month(r->year, r->month, k, &y, &m);
		prof[m - 1] = cap > 0 ? (int64_t)((__int128)wh * 1000 / cap) : 0;
		if (prof[m - 1] <= 0)
			full = 0;
	}
	r->profile_from_data = full;
	memcpy(r->profile, full ? prof : default_profile, sizeof r->profile);
}

/* Orders int64 values for the median. */
/* The county's measured performance ratio: every station with a sensor pooled. */
static void pool_sensors(struct report *r)
{
	__int128 e = 0, ref = 0;
	int s;
	r->n_sensor_stations = 0;
	for (s = 0; s < r->n_stations; s++) {
		const struct report_station *rs = &r->stations[s];
		if (rs->pr_true_permille < 0)
			continue;
		r->n_sensor_stations++;
		e += rs->e.insolation_energy_wh;
		ref += (__int128)rs->st->capacity_w * rs->e.insolation_whm2;
	}
	r->pr_true_permille = ref > 0 ? (int64_t)(e * 1000000 / ref) : -1;
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Station figures of the report month: yield, completeness, flags; then the fleet median. */
static void station_figures(struct report *r, const struct energy *e)
{
	int s, n = 0;
	int64_t *ys = xcalloc((size_t)r->n_stations + 1, sizeof *ys);

	for (s = 0; s < r->n_stations; s++) {
		struct report_station *rs = &r->stations[s];
		rs->st = &r->fleet->stations[s];
		rs->index = s;
		rs->e = *energy_month_get(e, s, TARGET_WINDOW - 1);
		{
			const int64_t *dw = energy_days(e, s, TARGET_WINDOW - 1);
			int d;
			for (d = 0; d < r->ndays && d < 31; d++)
				rs->days_wh[d] = dw ? dw[d] : 0;
		}
		{
			const int64_t *sun = energy_insolation_days(e, s);
			int d;
			for (d = 0; d < 31; d++)
				rs->sun_whm2[d] = sun && d < r->ndays ? sun[d] : -1;
		}
		rs->pr_true_permille = -1;
		if (rs->st->capacity_w > 0 && rs->e.source != ENERGY_NONE &&
		    rs->e.sensor_days > 0 && rs->e.insolation_whm2 > 0)
			rs->pr_true_permille =
			    (int64_t)((__int128)rs->e.insolation_energy_wh * 1000000 /
			              ((__int128)rs->st->capacity_w * rs->e.insolation_whm2));
		rs->yield_wh_per_kwp = -1;
		if (rs->st->capacity_w > 0 && rs->e.source != ENERGY_NONE) {
			rs->yield_wh_per_kwp =
			    (int64_t)((__int128)rs->e.energy_wh * 1000 / rs->st->capacity_w);
			ys[n++] = rs->yield_wh_per_kwp;
		}
		rs->completeness_permille =
		    rs->e.expected > 0 ? rs->e.readings * 1000 / rs->e.expected : 0;
		if (rs->completeness_permille > 1000)
			rs->completeness_permille = 1000;
	}
	r->median_yield_wh_per_kwp = -1;
	if (n > 0) {
		qsort(ys, (size_t)n, sizeof *ys, i64_cmp);
		r->median_yield_wh_per_kwp = n % 2 ? ys[n / 2] : (ys[n / 2 - 1] + ys[n / 2]) / 2;
	}
	free(ys);
	{
		int64_t got = 0, want = 0, day_all = 0, down_all = 0;
		for (s = 0; s < r->n_stations; s++) {
			struct report_station *rs = &r->stations[s];
			int64_t daylight =
			    (int64_t)rs->e.inverters * r->ndays * 86400 - rs->e.inv_asleep_s;
			int64_t down = rs->e.inv_down_s < daylight ? rs->e.inv_down_s : daylight;
			rs->availability_permille =
			    daylight > 0 ? (daylight - down) * 1000 / daylight : -1;
			if (daylight > 0) {
				day_all += daylight;
				down_all += down;
			}
			rs->pr_permille =
			    rs->yield_wh_per_kwp >= 0 && r->median_yield_wh_per_kwp > 0
			        ? rs->yield_wh_per_kwp * 1000 / r->median_yield_wh_per_kwp
			        : -1;
			got += rs->e.readings < rs->e.expected ? rs->e.readings : rs->e.expected;
			want += rs->e.expected;
		}
		r->completeness_permille = want > 0 ? got * 1000 / want : 0;
		pool_sensors(r);
		r->availability_permille = day_all > 0 ? (day_all - down_all) * 1000 / day_all : -1;
	}
	for (s = 0; s < r->n_stations; s++) {
		struct report_station *rs = &r->stations[s];
		unsigned fl = 0;
		if (!rs->r.in_service) {
			rs->flags = 1u << RFLAG_NOT_IN_SERVICE;
			r->totals.n_flagged_stations++;
			continue;
		}
		if (rs->e.source == ENERGY_NONE)
			fl |= 1u << RFLAG_NO_DATA;
		if (rs->e.source == ENERGY_INVERTERS)
			fl |= 1u << RFLAG_INVERTER_FALLBACK;
		if (rs->e.mismatch)
			fl |= 1u << RFLAG_METER_MISMATCH;
		if (rs->r.deficit_fen > 0)
			fl |= 1u << RFLAG_DEFICIT;
		if (rs->e.resets > 0)
			fl |= 1u << RFLAG_COUNTER_RESET;
		if (rs->e.excluded > 0)
			fl |= 1u << RFLAG_EXCLUDED_READINGS;
		if (rs->e.source != ENERGY_NONE &&
		    rs->completeness_permille < REPORT_COMPLETE_PERMILLE)
			fl |= 1u << RFLAG_INCOMPLETE;
		if (rs->yield_wh_per_kwp >= 0 && r->median_yield_wh_per_kwp > 0 &&
		    rs->yield_wh_per_kwp * 100 <
		        r->median_yield_wh_per_kwp * REPORT_LOW_YIELD_PERCENT)
			fl |= 1u << RFLAG_LOW_YIELD;
		if (rs->e.offline_s >= REPORT_DOWN_HOURS * 3600)
			fl |= 1u << RFLAG_OFFLINE;
		if (rs->e.fault_s >= REPORT_DOWN_HOURS * 3600)
			fl |= 1u << RFLAG_FAULT;
		if (rs->r.untariffed_wh != 0)
			fl |= 1u << RFLAG_UNTARIFFED;
		rs->flags = fl;
		if (fl) /* every flagged station: the count matches the flags column */
			r->totals.n_flagged_stations++;
	}
}

/* Each station's yield against the fleet median, month by month, over the window. */
static void window_figures(struct report *r, const struct energy *e)
{
	int64_t *ys = xcalloc((size_t)r->n_stations + 1, sizeof *ys);
	int64_t *own = xcalloc((size_t)r->n_stations + 1, sizeof *own);
	int64_t *fleet = xcalloc((size_t)r->n_stations + 1, sizeof *fleet);
	int k, s;

	for (k = 0; k < TARGET_WINDOW; k++) {
		int n = 0, nd;
		int32_t first = energy_month_first_day(e, k, &nd);
		int64_t median = -1;
		for (s = 0; s < r->n_stations; s++) {
			const struct fleet_station *st = &r->fleet->stations[s];
			const struct energy_month *m = energy_month_get(e, s, k);
			if (m->source != ENERGY_NONE && st->capacity_w > 0)
				ys[n++] = (int64_t)((__int128)m->energy_wh * 1000 / st->capacity_w);
		}
		r->band_lo[k] = r->band_mid[k] = r->band_hi[k] = -1;
		if (n > 0) {
			qsort(ys, (size_t)n, sizeof *ys, i64_cmp);
			median = n % 2 ? ys[n / 2] : (ys[n / 2 - 1] + ys[n / 2]) / 2;
			r->band_lo[k] = ys[(n - 1) / 4];
			r->band_mid[k] = median;
			r->band_hi[k] = ys[(n - 1) * 3 / 4];
		}
		for (s = 0; s < r->n_stations; s++) {
			const struct fleet_station *st = &r->fleet->stations[s];
			const struct energy_month *m = energy_month_get(e, s, k);
			r->stations[s].months_yield[k] =
			    m->source != ENERGY_NONE && st->capacity_w > 0
			        ? (int64_t)((__int128)m->energy_wh * 1000 / st->capacity_w)
			        : -1;
			if (st->commissioned_day > first + nd - 1)
				continue; /* not yet in service */
			if (m->source == ENERGY_NONE) {
				r->stations[s].months_without_data++;
			} else if (st->capacity_w > 0 && median > 0) {
				own[s] += (int64_t)((__int128)m->energy_wh * 1000 / st->capacity_w);
				fleet[s] += median;
			}
		}
	}
	for (s = 0; s < r->n_stations; s++)
		r->stations[s].relative_permille =
		    fleet[s] > 0 ? (int64_t)((__int128)own[s] * 1000 / fleet[s]) : -1;
	free(ys);
	free(own);
	free(fleet);
}

/* The profile that "name@version" names, or NULL. */
static const struct profile *map_profile(const struct profile_set *ps, const char *map)
{
	char name[READING_MAP_MAX];
	char *at;
	if (!ps || !map || !map[0])
		return NULL;
	util_strlcpy(name, map, sizeof name);
	at = strchr(name, '@');
	if (at)
		*at = 0;
	return profile_set_find(ps, name);
}

/* Each station's alarm bits of the month, by device then bit, named through the profiles. */
static void station_alarms(struct report *r, const struct energy *e, const struct profile_set *ps)
{
	int s, i, b;
	for (s = 0; s < r->n_stations; s++) {
		struct report_station *rs = &r->stations[s];
		for (i = 0; i < rs->st->n_devices; i++) {
			const char *map = NULL;
			const uint8_t *days = energy_alarm_days(e, s, i, &map);
			const struct profile *pr = map_profile(ps, map);
			for (b = 0; b < ENERGY_ALARM_BITS; b++) {
				struct report_alarm *a;
				if (!days[b])
					continue;
				rs->alarms = xrealloc(rs->alarms, sizeof *rs->alarms *
				                                      (size_t)(rs->n_alarms + 1));
				a = &rs->alarms[rs->n_alarms++];
				a->device = i;
				a->bit = b;
				a->days = days[b];
				a->name = pr ? profile_alarm_name(pr, b, r->lang) : NULL;
				a->name_en = pr ? profile_alarm_name(pr, b, MSG_EN) : NULL;
			}
		}
	}
}

/*
 * For each station offline or in fault, since when its longest-down inverter
 * has produced nothing, if that began before this month: one bounded store
 * query per such station.
 */
static int down_since(struct report *r, struct store *db, char **cause)
{
	int s;
	for (s = 0; s < r->n_stations; s++) {
		struct report_station *rs = &r->stations[s];
		int32_t last;
		int rc;
		if (!(rs->flags & ((1u << RFLAG_OFFLINE) | (1u << RFLAG_FAULT))) ||
		    rs->e.worst_inv < 0 || rs->e.worst_inv >= rs->st->n_devices)
			continue;
		rc = store_last_produced(db, rs->st->id, rs->st->devices[rs->e.worst_inv].id,
		                         r->first_day - REPORT_DOWN_SINCE_DAYS,
		                         r->first_day + r->ndays - 1, &last);
		if (rc < 0) {
			*cause = xstrdup(store_error(db));
			return -1;
		}
		if (rc == 1 && last + 1 < r->first_day)
			rs->down_since_day = last + 1;
	}
	return 0;
}

/* Appends one reason to a village. */
static void add_reason(struct report_village *rv, enum report_reason_kind kind, int station,
                       int64_t value, int64_t ref)
{
	struct report_reason *x;
	rv->reasons = xrealloc(rv->reasons, sizeof *rv->reasons * (size_t)(rv->n_reasons + 1));
	x = &rv->reasons[rv->n_reasons++];
	x->kind = kind;
	x->station = station;
	x->value = value;
	x->ref = ref;
	x->aux = 0;
	x->projected = 0;
}

/* The stations that pulled a village down this month, and why. */
static void village_reasons(struct report *r, struct report_village *rv)
{
	int i;
	for (i = 0; i < rv->n_parts; i++) {
		int s = rv->parts[i].station;
		const struct report_station *rs = &r->stations[s];
		unsigned fl = rs->flags;
		if (fl & (1u << RFLAG_NO_DATA))
			add_reason(rv, REASON_NO_DATA, s, 0, 0);
		if (fl & (1u << RFLAG_INCOMPLETE))
			add_reason(rv, REASON_MISSING_DATA, s, rs->completeness_permille,
			           rs->e.longest_gap_s);
		/* ref: inverters down a day or more; aux: the longest-down one's seconds. */
		if (fl & (1u << RFLAG_OFFLINE)) {
			add_reason(rv, REASON_OFFLINE, s, rs->e.offline_s, rs->e.inv_down);
			rv->reasons[rv->n_reasons - 1].aux = rs->e.worst_offline_s;
		}
		if (fl & (1u << RFLAG_FAULT)) {
			add_reason(rv, REASON_FAULT, s, rs->e.fault_s, rs->e.inv_down);
			rv->reasons[rv->n_reasons - 1].aux = rs->e.worst_fault_s;
		}
		if (fl & (1u << RFLAG_LOW_YIELD))
			add_reason(rv, REASON_LOW_YIELD, s, rs->yield_wh_per_kwp,
			           r->median_yield_wh_per_kwp);
		if (fl & (1u << RFLAG_METER_MISMATCH))
			add_reason(rv, REASON_METER_MISMATCH, s, rs->e.meter_wh, rs->e.inverter_wh);
		if (fl & (1u << RFLAG_DEFICIT))
			add_reason(rv, REASON_DEFICIT, s, rs->r.deficit_fen, rs->r.revenue_fen);
		/* Earlier months count too: a status is about the whole year. */
		if (rs->months_without_data > ((fl & (1u << RFLAG_NO_DATA)) ? 1 : 0))
			add_reason(rv, REASON_MONTHS_WITHOUT_DATA, s, rs->months_without_data,
			           TARGET_WINDOW);
		if (rs->relative_permille >= 0 &&
		    rs->relative_permille * 100 < 1000 * REPORT_LOW_YIELD_PERCENT)
			add_reason(rv, REASON_LOW_YIELD_T12, s, rs->relative_permille, 1000);
		/* The alarms the station's devices raised, at most a few per station. */
		{
			int k;
			for (k = 0; k < rs->n_alarms && k < REPORT_ALARM_REASONS; k++)
				add_reason(rv, REASON_ALARM, s, rs->alarms[k].days, k);
		}
	}
	if (rv->n_reasons == 0) {
		__int128 kw = 0;
		for (i = 0; i < rv->n_parts; i++)
			kw += (__int128)r->stations[rv->parts[i].station].st->capacity_w *
			      rv->parts[i].weight / rv->parts[i].total_weight;
		add_reason(rv, REASON_SHORTFALL, -1,
		           rv->t.status == TARGET_BELOW ? rv->t.t12_fen : rv->t.projection_fen,
		           rv->t.target_fen);
		rv->reasons[rv->n_reasons - 1].aux = (int64_t)kw;
	}
}

/* A village's place in the order: not OK first (BELOW, AT RISK), then township, then id. */
struct order_key {
	int rank, township, index;
	const char *id;
};

/* Compares two order keys. */
static int order_cmp(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	if (x->township != y->township)
		return x->township - y->township;
	return strcmp(x->id, y->id);
}

const int64_t *report_village_months(const struct report *r, const struct report_village *rv)
{
	return r->basis == REPORT_BASIS_RECEIVED ? rv->received_fen : rv->months_fen;
}

/* Adds one village's ledger figures. */
static int ledger_village(void *ctx, const struct store_ledger_village *x)
{
	struct report *r = ctx;
	int v = fleet_village_index(r->fleet, x->village);
	struct report_ledger *lg, *t = &r->ledger_totals;
	if (v < 0)
		return 0; /* a village since removed from the fleet */
	lg = &r->villages[v].lg;
	lg->accrued_month = x->accrued_month;
	lg->accrued_ytd = x->accrued_ytd;
	lg->received_month = x->received_month;
	lg->received_ytd = x->received_ytd;
	lg->outstanding = x->outstanding;
	lg->pending = x->pending;
	t->accrued_month += x->accrued_month;
	t->accrued_ytd += x->accrued_ytd;
	t->received_month += x->received_month;
	t->received_ytd += x->received_ytd;
	t->outstanding += x->outstanding;
	t->pending += x->pending;
	return 0;
}

/* Adds one village's receipts of one month of the window. */
static int ledger_received(void *ctx, const char *village, const char *month, int64_t fen)
{
	struct report *r = ctx;
	int v = fleet_village_index(r->fleet, village), y, m, k;
	if (v < 0 || caltime_parse_month(month, &y, &m) < 0)
		return 0;
	k = TARGET_WINDOW - 1 - ((r->year * 12 + r->month - 1) - (y * 12 + m - 1));
	if (k >= 0 && k < TARGET_WINDOW)
		r->villages[v].received_fen[k] += fen;
	return 0;
}

/*
 * The ledger's side of the month: what each village was owed and received.
 * Entries dated after the month's last day are left out, so a month's report
 * shows what the ledger knew at its end (and, once sealed, always the same).
 */
static int ledger_figures(struct report *r, struct store *db, char **cause)
{
	char first[8], d0[16], d1[16], w0[16];
	int y, m, found;
	found = store_ledger_entries_first_month(db, first);
	if (found < 0) {
		*cause = xstrdup(store_error(db));
		return -1;
	}
	r->has_ledger = found == 1 && strcmp(first, r->month_name) <= 0;
	if (!r->has_ledger) {
		if (r->basis == REPORT_BASIS_RECEIVED) {
			caltime_format_date(r->first_day + r->ndays - 1, d1, sizeof d1);
			*cause =
			    xasprintf("target basis \"received\": the store has no ledger entries "
			              "up to %s, so the money received is not known (book it "
			              "with pvmon-allocator ledger, docs/ledger.md, or judge on "
			              "accruals: --target-basis accrued)",
			              d1);
			return -1;
		}
		return 0;
	}
	util_strlcpy(r->ledger_from, first, sizeof r->ledger_from);
	caltime_format_date(r->first_day, d0, sizeof d0);
	caltime_format_date(r->first_day + r->ndays - 1, d1, sizeof d1);
	window_month(r->year, r->month, 0, &y, &m);
	caltime_format_date(caltime_days(y, m, 1), w0, sizeof w0);
	if (store_ledger_village_months_each(db, r->year * 12 + r->month - 1, d0, d1,
	                                     ledger_village, r) < 0 ||
	    store_ledger_village_received_each(db, w0, d1, ledger_received, r) < 0) {
		*cause = xstrdup(store_error(db));
		return -1;
	}
	return 0;
}

/* Targets, reasons, township subtotals, totals and the village order. */
static void village_figures(struct report *r, int (*has_data)[TARGET_WINDOW])
{
	const struct fleet *f = r->fleet;
	struct order_key *keys;
	int v, s, j;

	for (v = 0; v < r->n_villages; v++) {
		struct report_village *rv = &r->villages[v];
		struct target_input in;
		memset(&in, 0, sizeof in);
		in.month = r->month;
		memcpy(in.fen, report_village_months(r, rv), sizeof in.fen);
		if (r->basis == REPORT_BASIS_RECEIVED) {
			/* on cash, a month counts once the ledger was kept */
			int k, y, m;
			char name[16];
			for (k = 0; k < TARGET_WINDOW; k++) {
				window_month(r->year, r->month, k, &y, &m);
				snprintf(name, sizeof name, "%04d-%02d", y, m);
				in.has_data[k] = strcmp(name, r->ledger_from) >= 0;
			}
		} else {
			memcpy(in.has_data, has_data[v], sizeof in.has_data);
		}
		memcpy(in.profile, r->profile, sizeof in.profile);
		in.target_fen = rv->v->target_fen_per_year > 0 ? rv->v->target_fen_per_year
		                                               : r->target_fen_per_year;
		target_compute(&in, &rv->t);
		for (j = 0; j < rv->n_parts; j++) {
			const struct fleet_station *st = &f->stations[rv->parts[j].station];
			int64_t tw = 0;
			int q;
			for (q = 0; q < st->n_shares; q++)
				tw += st->shares[q].weight;
			rv->parts[j].total_weight = tw;
		}
		if (rv->t.status != TARGET_OK && r->basis == REPORT_BASIS_RECEIVED) {
			add_reason(rv, REASON_CASH, -1,
			           rv->t.status == TARGET_BELOW ? rv->t.t12_fen
			                                        : rv->t.projection_fen,
			           rv->t.target_fen);
			rv->reasons[rv->n_reasons - 1].aux = rv->lg.outstanding;
			rv->reasons[rv->n_reasons - 1].projected = rv->t.status != TARGET_BELOW;
		}
		if (rv->t.status != TARGET_OK)
			village_reasons(r, rv);
		r->totals.allocated_fen += rv->months_fen[TARGET_WINDOW - 1];
		r->totals.n_ok += rv->t.status == TARGET_OK;
		r->totals.n_at_risk += rv->t.status == TARGET_AT_RISK;
		r->totals.n_below += rv->t.status == TARGET_BELOW;
		if (rv->v->township >= 0 && rv->v->township < r->n_townships) {
			struct report_township *tw = &r->townships[rv->v->township];
			tw->n_villages++;
			tw->n_ok += rv->t.status == TARGET_OK;
			tw->n_at_risk += rv->t.status == TARGET_AT_RISK;
			tw->n_below += rv->t.status == TARGET_BELOW;
			tw->month_fen += rv->t.month_fen;
			tw->ytd_fen += rv->t.ytd_fen;
			tw->t12_fen += rv->t.t12_fen;
			tw->projection_fen += rv->t.projection_fen;
			tw->target_fen += rv->t.target_fen;
		}
	}
	for (s = 0; s < r->n_stations; s++) {
		const struct report_station *rs = &r->stations[s];
		struct report_totals *t = &r->totals;
		t->energy_wh += rs->e.energy_wh;
		t->coal_fen += rs->r.coal_fen;
		t->subsidy_fen += rs->r.subsidy_fen;
		t->revenue_fen += rs->r.revenue_fen;
		t->land_fen += rs->r.land_fen;
		t->insurance_fen += rs->r.insurance_fen;
		t->om_fen += rs->r.om_fen;
		t->tax_fen += rs->r.tax_fen;
		t->costs_fen += rs->r.costs_fen;
		t->distributable_fen += rs->r.distributable_fen;
		t->deficit_fen += rs->r.deficit_fen;
	}
	keys = xcalloc((size_t)r->n_villages + 1, sizeof *keys);
	for (v = 0; v < r->n_villages; v++) {
		enum target_status st = r->villages[v].t.status;
		keys[v].rank = st == TARGET_BELOW ? 0 : st == TARGET_AT_RISK ? 1 : 2;
		keys[v].township = r->villages[v].v->township;
		keys[v].id = r->villages[v].v->id;
		keys[v].index = v;
	}
	qsort(keys, (size_t)r->n_villages, sizeof *keys, order_cmp);
	r->village_order = xcalloc((size_t)r->n_villages + 1, sizeof *r->village_order);
	for (v = 0; v < r->n_villages; v++)
		r->village_order[v] = keys[v].index;
	free(keys);
}

/* Builds the report; see report.h. */
struct report *report_build(struct store *db, const struct fleet *f, const struct report_params *p,
                            char **cause)
{
	struct report *r = NULL;
	struct energy *e = NULL;
	struct holdings *hs = NULL;
	int(*has_data)[TARGET_WINDOW] = NULL;
	struct energy_params ep;
	int v, y, m;

	if (p->year < 1970 || p->year > 9999 || p->month < 1 || p->month > 12) {
		*cause =
		    xasprintf("month %04d-%02d: expected a month from 1970-01", p->year, p->month);
		return NULL;
	}
	hs = holdings_build(f, cause);
	if (!hs)
		return NULL;
	ep.year = p->year;
	ep.month = p->month;
	ep.n_months = TARGET_WINDOW;
	ep.expected_interval_s = p->expected_interval_s > 0 ? p->expected_interval_s : 60;
	ep.tolerance_permille = p->meter_tolerance_permille;
	ep.reach_days = p->reach_days;
	e = energy_load(db, f, &ep, cause);
	if (!e)
		goto fail;
	r = xcalloc(1, sizeof *r);
	r->fleet = f;
	r->year = p->year;
	r->month = p->month;
	snprintf(r->month_name, sizeof r->month_name, "%04d-%02d", p->year, p->month);
	window_month(p->year, p->month, 0, &y, &m);
	snprintf(r->window_from, sizeof r->window_from, "%04d-%02d", y, m);
	r->first_day = energy_month_first_day(e, TARGET_WINDOW - 1, &r->ndays);
	r->timezone = xstrdup(p->timezone ? p->timezone : "Asia/Shanghai");
	r->generated_at = p->generated_at ? xstrdup(p->generated_at) : NULL;
	r->target_fen_per_year = p->target_fen_per_year;
	r->expected_interval_s = ep.expected_interval_s;
	r->meter_tolerance_permille = p->meter_tolerance_permille;
	r->lang = p->lang;
	r->basis = p->basis;
	r->n_stations = f->n_stations;
	r->stations = xcalloc((size_t)f->n_stations + 1, sizeof *r->stations);
	r->n_villages = f->n_villages;
	r->villages = xcalloc((size_t)f->n_villages + 1, sizeof *r->villages);
	for (v = 0; v < f->n_villages; v++) {
		r->villages[v].v = &f->villages[v];
		r->villages[v].index = v;
	}
	r->n_townships = f->n_townships;
	r->townships = xcalloc((size_t)f->n_townships + 1, sizeof *r->townships);
	for (v = 0; v < f->n_townships; v++)
		r->townships[v].t = &f->townships[v];
	has_data = xcalloc((size_t)f->n_villages + 1, sizeof *has_data);
	if (compute_months(r, e, hs, has_data, cause) < 0 || ledger_figures(r, db, cause) < 0)
		goto fail;
	compute_profile(r, e);
	station_figures(r, e);
	station_alarms(r, e, p->profiles);
	if (down_since(r, db, cause) < 0)
		goto fail;
	window_figures(r, e);
	village_figures(r, has_data);
	free(has_data);
	holdings_free(hs, f->n_villages);
	energy_free(e);
	return r;
fail:
	free(has_data);
	holdings_free(hs, f->n_villages);
	energy_free(e);
	report_free(r);
	return NULL;
}

/* Frees the report and what it owns (not the fleet). */
void report_free(struct report *r)
{
	int i;
	if (!r)
		return;
	for (i = 0; i < r->n_stations && r->stations; i++) {
		revenue_month_release(&r->stations[i].r);
		free(r->stations[i].alarms);
	}
	for (i = 0; i < r->n_villages && r->villages; i++) {
		free(r->villages[i].parts);
		free(r->villages[i].reasons);
	}
	free(r->stations);
	free(r->villages);
	free(r->townships);
	free(r->village_order);
	free(r->timezone);
	free(r->generated_at);
	free(r);
}
