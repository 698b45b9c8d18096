/*
 * balance: accrued, received and outstanding money of a station, a village
 * or the county, by payer and part, with outstanding money aged from the day
 * it fell due (the end of its payer's settlement cycle). Read only: it sums
 * entries, never writes them.
 */
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "ledger_int.h"
#include "util.h"

/* The owed record of (payer, part), added when new. */
static struct ledger_owed *owed_of(struct ledger_balance *b, const char *payer,
                                   enum ledger_part part)
{
	int i;
	for (i = 0; i < b->n_owed; i++)
		if (b->owed[i].part == part && strcmp(b->owed[i].payer, payer) == 0)
			return &b->owed[i];
	b->owed = xrealloc(b->owed, sizeof *b->owed * (size_t)(b->n_owed + 1));
	struct ledger_owed *o = &b->owed[b->n_owed++];
	memset(o, 0, sizeof *o);
	util_strlcpy(o->payer, payer, sizeof o->payer);
	o->part = part;
	o->oldest_month = -1;
	return o;
}

static int owed_cmp(const void *a, const void *b)
{
	const struct ledger_owed *x = a, *y = b;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return strcmp(x->payer, y->payer);
}

struct balance_walk {
	struct ledger *l;
	int32_t as_of;
	struct ledger_balance *out;
};

/* Adds one (station, period, part, payer) of accruals and receipts. */
static int add_owed(void *ctx, const struct store_ledger_owed *r)
{
	struct balance_walk *bw = ctx;
	struct ledger *l = bw->l;
	struct ledger_balance *out = bw->out;
	int32_t as_of = bw->as_of;
	int s = fleet_station_index(l->fleet, r->station);
	int period = r->period;
	int part = ledger_part_parse(r->part);
	int64_t acc = r->accrued, rec = r->received;
	int64_t o = acc - rec;
	struct ledger_owed *w;
	if (part < 0)
		return 0;
	w = owed_of(out, r->payer, part);
	w->accrued += acc;
	w->received += rec;
	w->outstanding += o;
	w->accrued_year += r->accrued_year;
	w->received_year += r->received_year;
	if (o != 0) {
		enum ledger_age age = LEDGER_NOT_DUE;
		if (part != LEDGER_PENDING && s >= 0) {
			int32_t due = ledger_due_day(&l->fleet->stations[s], part, period);
			if (as_of > due)
				age = as_of - due <= 365   ? LEDGER_AGE_0_1
				      : as_of - due <= 730 ? LEDGER_AGE_1_2
				                           : LEDGER_AGE_OVER_2;
		}
		w->by_age[age] += o;
	}
	if (o > 0 && (w->oldest_month < 0 || period < w->oldest_month))
		w->oldest_month = period;
	out->accrued += acc;
	out->received += rec;
	out->outstanding += o;
	return 0;
}

/* Adds one (kind, part) of disbursements or uses. */
static int add_use(void *ctx, const char *kind, const char *part, int64_t all, int64_t yr)
{
	struct ledger_balance *out = ((struct balance_walk *)ctx)->out;
	if (strcmp(kind, "disbursement") == 0) {
		out->disbursed += all;
		out->disbursed_year += yr;
	} else {
		int u = ledger_use_parse(part);
		if (u < 0)
			u = LEDGER_USE_OTHER;
		out->used[u] += all;
		out->used_year[u] += yr;
	}
	return 0;
}

int ledger_balance(struct ledger *l, const char *station, const char *village, int year,
                   int32_t as_of, struct ledger_balance *out, char **cause)
{
	char asof[16], y0[16], y1[16];
	struct balance_walk bw = {l, as_of, out};

	memset(out, 0, sizeof *out);
	caltime_format_date(as_of, asof, sizeof asof);
	snprintf(y0, sizeof y0, "%04d-01-01", year);
	snprintf(y1, sizeof y1, "%04d-12-31", year);
	/* scope: a village's own entries, or the station-level ones of a station or all */
	if (store_ledger_owed_each(l->store, station, village, asof, year * 12, y0, y1, add_owed,
	                           &bw) < 0 ||
	    store_ledger_uses_each(l->store, station, village, asof, y0, y1, add_use, &bw) < 0) {
		ledger_store_fail(l, cause);
		ledger_balance_release(out);
		return -1;
	}
	if (out->n_owed > 1)
		qsort(out->owed, (size_t)out->n_owed, sizeof *out->owed, owed_cmp);
	return 0;
}

void ledger_balance_release(struct ledger_balance *b)
{
	if (!b)
		return;
	free(b->owed);
	memset(b, 0, sizeof *b);
}
