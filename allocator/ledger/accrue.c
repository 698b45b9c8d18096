/*
 * accrue: what each station is owed for a month, part by part, and the
 * entries that book it. The basis is the grid company's statement where one
 * covers the month (unless central.json says "basis": "meter"), else the
 * meter through the report's own energy and tariff rules. It appends only
 * the difference to what is booked, so running it twice books nothing new.
 */
#include <stdlib.h>
#include <string.h>

#include "energy.h"
#include "revenue.h"
#include "caltime.h"
#include "ledger_int.h"
#include "util.h"

/*
 * The energy of months first..first+n-1 (a window ending with the last), from
 * the handle's cache or the roll-ups; borrowed from the cache.
 */
static struct energy *load(struct ledger *l, int first, int n, char **cause)
{
	struct energy_params p = {0};
	int last = first + n - 1, i;
	for (i = 0; i < LEDGER_ENERGY_CACHE; i++)
		if (l->cache[i].e && l->cache[i].first == first && l->cache[i].n == n)
			return l->cache[i].e;
	p.year = last / 12;
	p.month = last % 12 + 1;
	p.n_months = n;
	p.expected_interval_s = l->o.expected_interval_s > 0 ? l->o.expected_interval_s : 60;
	p.tolerance_permille = l->o.meter_tolerance_permille;
	i = l->cache_next;
	l->cache_next = (i + 1) % LEDGER_ENERGY_CACHE;
	energy_free(l->cache[i].e);
	l->cache[i].e = energy_load(l->store, l->fleet, &p, cause);
	l->cache[i].first = first;
	l->cache[i].n = n;
	return l->cache[i].e;
}

void ledger_energy_drop(struct ledger *l)
{
	for (int i = 0; i < LEDGER_ENERGY_CACHE; i++) {
		energy_free(l->cache[i].e);
		l->cache[i].e = NULL;
	}
}

/* The meter's parts of station s in month k of e (calendar month `month`). */
static void meter_parts(const struct ledger *l, int s, const struct energy *e, int k, int month,
                        int64_t parts[LEDGER_PARTS], int64_t *wh)
{
	const struct fleet *f = l->fleet;
	const struct fleet_station *st = &f->stations[s];
	const struct fleet_tariff *t =
	    st->tariff >= 0 && st->tariff < f->n_tariffs ? &f->tariffs[st->tariff] : NULL;
	struct revenue_month all, listed;
	int nd = 0, d;
	int32_t first = energy_month_first_day(e, k, &nd);
	const int64_t *days = energy_days(e, s, k);
	int64_t *masked = xcalloc((size_t)nd + 1, sizeof *masked);

	/* the subsidy of the days out of the catalogue is booked, but as pending */
	for (d = 0; d < nd; d++)
		masked[d] = fleet_listed(st, first + d) ? days[d] : 0;
	revenue_month_compute(st, t, month / 12, month % 12 + 1, first, days, nd, &all);
	revenue_month_compute(st, t, month / 12, month % 12 + 1, first, masked, nd, &listed);
	parts[LEDGER_COAL] = all.coal_fen;
	parts[LEDGER_SUBSIDY] = listed.subsidy_fen;
	parts[LEDGER_PENDING] = all.subsidy_fen - listed.subsidy_fen;
	*wh = energy_month_get(e, s, k)->energy_wh;
	revenue_month_release(&all);
	revenue_month_release(&listed);
	free(masked);
}

int ledger_metered_wh(struct ledger *l, int station, int first, int n, int64_t *wh, char **cause)
{
	struct energy *e = load(l, first, n, cause);
	if (!e)
		return -1;
	*wh = 0;
	for (int k = 0; k < n; k++)
		*wh += energy_month_get(e, station, k)->energy_wh;
	return 0;
}

/* The current statement row covering month of station, if any. */
struct stmt_row {
	int64_t id;
	int first, n;
	int64_t coal, subsidy, deduction;
	char period[16];
};

static int find_statement(struct ledger *l, const char *station, int month, struct stmt_row *r,
                          int *found, char **cause)
{
	struct store_ledger_statement st;
	int rc = store_ledger_statement_current(l->store, station, month, &st, r->period);
	if (rc < 0)
		return ledger_store_fail(l, cause);
	*found = rc;
	if (rc) {
		r->id = st.id;
		r->first = st.first_month;
		r->n = st.n_months;
		r->coal = st.coal_fen;
		r->subsidy = st.subsidy_fen;
		r->deduction = st.deduction_fen;
	}
	return 0;
}

/* Splits total over n values by weights, equal weights when none is positive. */
static void split_by(int64_t total, int n, const int64_t *w, int64_t *out)
{
	int64_t *ww = xcalloc((size_t)n, sizeof *ww), *part = xcalloc((size_t)n, sizeof *part);
	int *idx = xcalloc((size_t)n, sizeof *idx), m = 0, i;
	for (i = 0; i < n; i++)
		if (w[i] > 0) {
			idx[m] = i;
			ww[m++] = w[i];
		}
	memset(out, 0, sizeof *out * (size_t)n);
	if (m == 0) {
		for (i = 0; i < n; i++) {
			idx[i] = i;
			ww[i] = 1;
		}
		m = n;
	}
	ledger_split(total, m, ww, NULL, part);
	for (i = 0; i < m; i++)
		out[idx[i]] = part[i];
	free(ww);
	free(part);
	free(idx);
}

/* The parts station s is owed for month, and a note naming the basis. */
static int month_parts(struct ledger *l, int s, int month, int64_t parts[LEDGER_PARTS], char *note,
                       size_t size, char **cause)
{
	const struct fleet_station *st = &l->fleet->stations[s];
	struct stmt_row r;
	struct energy *e = NULL;
	int found = 0, k, rc = -1;
	int64_t wh;

	if (!l->o.basis_meter && find_statement(l, st->id, month, &r, &found, cause) < 0)
		return -1;
	if (!found) {
		if (!(e = load(l, month, 1, cause)))
			return -1;
		meter_parts(l, s, e, 0, month, parts, &wh);
		snprintf(note, size, "meter");
		return 0;
	}
	/* a statement for several months is spread over them by the meter's energy */
	int64_t(*mp)[LEDGER_PARTS] = xcalloc((size_t)r.n, sizeof *mp);
	int64_t *w = xcalloc((size_t)r.n, sizeof *w), *coal = xcalloc((size_t)r.n, sizeof *coal),
	        *sub = xcalloc((size_t)r.n, sizeof *sub);
	if (!(e = load(l, r.first, r.n, cause)))
		goto out;
	for (k = 0; k < r.n; k++)
		meter_parts(l, s, e, k, r.first + k, mp[k], &w[k]);
	split_by(r.coal - r.deduction, r.n, w, coal);
	split_by(r.subsidy, r.n, w, sub);
	k = month - r.first;
	parts[LEDGER_COAL] = coal[k];
	{
		int64_t lw[2] = {mp[k][LEDGER_SUBSIDY], mp[k][LEDGER_PENDING]}, lo[2];
		int32_t d0 = ledger_month_first_day(month, NULL);
		if (lw[0] <= 0 && lw[1] <= 0) {
			lw[0] = fleet_listed(st, d0) ? 1 : 0;
			lw[1] = 1 - lw[0];
		}
		split_by(sub[k], 2, lw, lo);
		parts[LEDGER_SUBSIDY] = lo[0];
		parts[LEDGER_PENDING] = lo[1];
	}
	snprintf(note, size, "statement %lld (%s)", (long long)r.id, r.period);
	rc = 0;
out:
	free(mp);
	free(w);
	free(coal);
	free(sub);
	return rc;
}

/* Sum and last id of the accrual entries of a key (village "" for the station's own). */
static int booked(struct ledger *l, const char *station, const char *village, int month,
                  enum ledger_part p, int64_t *sum, int64_t *n, char **cause)
{
	if (store_ledger_accrued(l->store, station, village, month, ledger_part_key(p), sum, n) < 0)
		return ledger_store_fail(l, cause);
	return 0;
}

/* Books one station's month; *n counts the entries appended. */
static int accrue_station(struct ledger *l, int s, int month, int32_t day, int *n, char **cause)
{
	const struct fleet_station *st = &l->fleet->stations[s];
	int64_t parts[LEDGER_PARTS], w[64], *weights = w, *vt = NULL;
	const char *kk[64], **keys = kk;
	char note[96];
	int p, j, rc = -1, nd;
	int32_t last = ledger_month_first_day(month, &nd);
	last += nd - 1;

	if (month_parts(l, s, month, parts, note, sizeof note, cause) < 0)
		return -1;
	if (st->n_shares > 64) {
		weights = xcalloc((size_t)st->n_shares, sizeof *weights);
		keys = xcalloc((size_t)st->n_shares, sizeof *keys);
	}
	vt = xcalloc((size_t)st->n_shares, sizeof *vt);
	for (j = 0; j < st->n_shares; j++) {
		weights[j] = st->shares[j].weight;
		keys[j] = l->fleet->villages[st->shares[j].village].id;
	}
	for (p = 0; p < LEDGER_PARTS; p++) {
		int64_t have, last_id, sid;
		struct ledger_entry_in e = {0};
		if (booked(l, st->id, "", month, p, &have, &last_id, cause) < 0)
			goto out;
		if (parts[p] == have)
			continue;
		e.day = last_id ? day : last;
		e.kind = "accrual";
		e.part = ledger_part_key(p);
		e.station = st->id;
		e.period = month;
		e.payer = ledger_payer_of(st, p);
		e.fen = parts[p] - have;
		e.corrects = last_id;
		e.note = note;
		if (ledger_append(l, &e, &sid, cause) < 0)
			goto out;
		(*n)++;
		/* each village holds its share of the new total, to the fen */
		if (ledger_split(parts[p], st->n_shares, weights, keys, vt) < 0) {
			*cause = xasprintf("fleet: station \"%s\": shares cannot split", st->id);
			goto out;
		}
		for (j = 0; j < st->n_shares; j++) {
			int64_t vhave;
			if (booked(l, st->id, keys[j], month, p, &vhave, NULL, cause) < 0)
				goto out;
			if (vt[j] == vhave)
				continue;
			e.village = keys[j];
			e.fen = vt[j] - vhave;
			e.parent = sid;
			e.corrects = 0;
			if (ledger_append(l, &e, NULL, cause) < 0)
				goto out;
			(*n)++;
		}
	}
	rc = 0;
out:
	if (weights != w) {
		free(weights);
		free(keys);
	}
	free(vt);
	return rc;
}

int ledger_accrue(struct ledger *l, int month, int32_t day, int *n, char **cause)
{
	*n = 0;
	if (ledger_begin(l, cause) < 0)
		return -1;
	for (int s = 0; s < l->fleet->n_stations; s++)
		if (accrue_station(l, s, month, day, n, cause) < 0) {
			ledger_rollback(l);
			return -1;
		}
	return ledger_commit(l, cause);
}

int ledger_reaccrue(struct ledger *l, int station, int first, int n, int32_t day, char **cause)
{
	int count = 0;
	for (int m = first; m < first + n; m++) {
		int64_t any;
		if (store_ledger_accruals_count(l->store, l->fleet->stations[station].id, m, &any) <
		    0)
			return ledger_store_fail(l, cause);
		if (any && accrue_station(l, station, m, day, &count, cause) < 0)
			return -1;
	}
	return 0;
}
