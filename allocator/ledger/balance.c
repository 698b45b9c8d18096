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

#define OWED_SQL                                                                                   \
	"SELECT station, period, part, payer,"                                                     \
	" sum(CASE WHEN kind = 'accrual' AND day <= ?1 THEN fen ELSE 0 END),"                      \
	" sum(CASE WHEN kind = 'receipt' AND day <= ?1 THEN fen ELSE 0 END),"                      \
	" sum(CASE WHEN kind = 'accrual' AND period BETWEEN ?2 AND ?2 + 11 AND day <= ?1 "         \
	"THEN fen ELSE 0 END),"                                                                    \
	" sum(CASE WHEN kind = 'receipt' AND day BETWEEN ?3 AND ?4 AND day <= ?1 THEN fen "        \
	"ELSE 0 END)"                                                                              \
	" FROM ledger_entry WHERE kind IN ('accrual', 'receipt') AND "
#define OWED_GROUP " GROUP BY station, period, part, payer"
#define USE_SQL                                                                                    \
	"SELECT kind, part, sum(fen), sum(CASE WHEN day BETWEEN ?1 AND ?2 THEN fen ELSE 0 END) "   \
	"FROM ledger_entry WHERE kind IN ('disbursement', 'use') AND day <= ?3 AND "
#define USE_GROUP " GROUP BY kind, part"

int ledger_balance(struct ledger *l, const char *station, const char *village, int year,
                   int32_t as_of, struct ledger_balance *out, char **cause)
{
	char asof[16], y0[16], y1[16];
	sqlite3_stmt *q;
	int rc;

	memset(out, 0, sizeof *out);
	caltime_format_date(as_of, asof, sizeof asof);
	snprintf(y0, sizeof y0, "%04d-01-01", year);
	snprintf(y1, sizeof y1, "%04d-12-31", year);
	/* scope: a village's own entries, or the station-level ones of a station or all;
	 * one text per scope so that each can use its index */
	if (village)
		q = ledger_sql(l, cause, OWED_SQL "village = ?5" OWED_GROUP, "tdttt", asof,
		               year * 12, y0, y1, village);
	else if (station)
		q = ledger_sql(l, cause, OWED_SQL "village = '' AND station = ?5" OWED_GROUP,
		               "tdttt", asof, year * 12, y0, y1, station);
	else
		q = ledger_sql(l, cause, OWED_SQL "village = ''" OWED_GROUP, "tdtt", asof,
		               year * 12, y0, y1);
	if (!q)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int s = fleet_station_index(l->fleet, (const char *)sqlite3_column_text(q, 0));
		int period = sqlite3_column_int(q, 1);
		int part = ledger_part_parse((const char *)sqlite3_column_text(q, 2));
		int64_t acc = sqlite3_column_int64(q, 4), rec = sqlite3_column_int64(q, 5);
		int64_t o = acc - rec;
		struct ledger_owed *w;
		if (part < 0)
			continue;
		w = owed_of(out, (const char *)sqlite3_column_text(q, 3), part);
		w->accrued += acc;
		w->received += rec;
		w->outstanding += o;
		w->accrued_year += sqlite3_column_int64(q, 6);
		w->received_year += sqlite3_column_int64(q, 7);
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
	}
	ledger_sql_done(l, q);
	if (rc != SQLITE_DONE)
		goto fail;
	if (village)
		q = ledger_sql(l, cause, USE_SQL "village = ?4" USE_GROUP, "tttt", y0, y1, asof,
		               village);
	else if (station)
		q = ledger_sql(l, cause, USE_SQL "station = ?4" USE_GROUP, "tttt", y0, y1, asof,
		               station);
	else
		q = ledger_sql(l, cause, USE_SQL "1" USE_GROUP, "ttt", y0, y1, asof);
	if (!q)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(q, 0);
		int64_t all = sqlite3_column_int64(q, 2), yr = sqlite3_column_int64(q, 3);
		if (strcmp(kind, "disbursement") == 0) {
			out->disbursed += all;
			out->disbursed_year += yr;
		} else {
			int u = ledger_use_parse((const char *)sqlite3_column_text(q, 1));
			if (u < 0)
				u = LEDGER_USE_OTHER;
			out->used[u] += all;
			out->used_year[u] += yr;
		}
	}
	ledger_sql_done(l, q);
	if (rc != SQLITE_DONE)
		goto fail;
	if (out->n_owed > 1)
		qsort(out->owed, (size_t)out->n_owed, sizeof *out->owed, owed_cmp);
	return 0;
fail:
	*cause = xasprintf("ledger: reading balances: %s", sqlite3_errmsg(l->db));
	ledger_balance_release(out);
	return -1;
}

void ledger_balance_release(struct ledger_balance *b)
{
	if (!b)
		return;
	free(b->owed);
	memset(b, 0, sizeof *b);
}
