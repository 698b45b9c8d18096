/*
 * money: the cash side of the ledger. Receipts are matched to outstanding
 * accruals (first in, first out, or within the period they say they cover)
 * and split among the station's villages in proportion to what each is still
 * owed, so no village is ever paid more than it is owed. Disbursements to
 * the village accounts use the shares' largest-remainder split (alloc.c);
 * uses record what a village spent its money on.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "caltime.h"
#include "ledger_int.h"
#include "util.h"

/* Money one village is owed for one station, period and part (accrued - received). */
static int village_owed(struct ledger *l, const char *station, const char *village, int period,
                        const char *part, int64_t *out, char **cause)
{
	if (store_ledger_village_owed(l->store, station, village, period, part, out) < 0)
		return ledger_store_fail(l, cause);
	return 0;
}

/* Books take fen of a receipt against (station, period): the station's entry and the villages'. */
static int book_match(struct ledger *l, const struct fleet_station *st, int period,
                      const struct ledger_receipt *r, int64_t take, int64_t grp, char **cause)
{
	const char *part = ledger_part_key(r->part);
	int64_t *w = xcalloc((size_t)st->n_shares, sizeof *w),
	        *got = xcalloc((size_t)st->n_shares, sizeof *got), sid, sum = 0;
	const char **keys = xcalloc((size_t)st->n_shares, sizeof *keys);
	int *idx = xcalloc((size_t)st->n_shares, sizeof *idx), m = 0, j, rc = -1;
	struct ledger_entry_in e = {0};

	e.day = r->day;
	e.kind = "receipt";
	e.part = part;
	e.station = st->id;
	e.period = period;
	e.payer = r->payer;
	e.fen = take;
	e.grp = grp;
	e.ref = r->ref;
	if (ledger_append(l, &e, &sid, cause) < 0)
		goto out;
	for (j = 0; j < st->n_shares; j++) {
		const char *v = l->fleet->villages[st->shares[j].village].id;
		int64_t o;
		if (village_owed(l, st->id, v, period, part, &o, cause) < 0)
			goto out;
		if (o > 0) {
			idx[m] = j;
			keys[m] = v;
			w[m++] = o;
			sum += o;
		}
	}
	if (m == 0 || sum < take) {
		*cause =
		    xasprintf("ledger: station \"%s\": the villages' outstanding %s does not add "
		              "up to the station's (run ledger verify)",
		              st->id, part);
		goto out;
	}
	/* weights are what each village is owed: floor + 1 never exceeds it */
	if (ledger_split(take, m, w, keys, got) < 0) {
		*cause = xstrdup("ledger: cannot split a receipt");
		goto out;
	}
	e.parent = sid;
	for (j = 0; j < m; j++) {
		if (got[j] == 0)
			continue;
		e.village = keys[j];
		e.fen = got[j];
		if (ledger_append(l, &e, NULL, cause) < 0)
			goto out;
	}
	rc = 0;
out:
	free(w);
	free(got);
	free(keys);
	free(idx);
	return rc;
}

/* The station-level money outstanding a receipt may be matched to. */
struct match {
	int station, period;
	int64_t owed;
};
struct match_walk {
	struct ledger *l;
	const struct ledger_receipt *r;
	struct match *ms;
	int nm;
	int64_t scope;
};

/* Keeps an outstanding (station, period) when the receipt's payer is the one it is owed by. */
static int add_match(void *ctx, const char *station, int period, int64_t owed)
{
	struct match_walk *mw = ctx;
	int s = fleet_station_index(mw->l->fleet, station);
	if (s < 0 ||
	    strcmp(ledger_payer_of(&mw->l->fleet->stations[s], mw->r->part), mw->r->payer) != 0)
		return 0;
	mw->ms = xrealloc(mw->ms, sizeof *mw->ms * (size_t)(mw->nm + 1));
	mw->ms[mw->nm].station = s;
	mw->ms[mw->nm].period = period;
	mw->ms[mw->nm].owed = owed;
	mw->scope += owed;
	mw->nm++;
	return 0;
}

int ledger_receive(struct ledger *l, const struct ledger_receipt *r, int64_t *id, char **cause)
{
	const char *part = ledger_part_key(r->part);
	char day[16], period[16] = "", yuan[40];
	int64_t grp, left = r->fen, scope;
	struct match_walk mw = {l, r, NULL, 0, 0};
	struct match *ms;
	int known, nm;

	if (r->part != LEDGER_COAL && r->part != LEDGER_SUBSIDY) {
		*cause = xstrdup("ledger receive: --part: expected coal or subsidy (pending "
		                 "subsidy is not payable until the station is in the catalogue)");
		return -1;
	}
	if (r->fen <= 0 || !r->ref || !*r->ref || !r->payer || !util_id_valid(r->payer)) {
		*cause =
		    xstrdup("ledger receive: expected a payer id, an amount > 0 and a reference");
		return -1;
	}
	if (r->station && fleet_station_index(l->fleet, r->station) < 0) {
		*cause =
		    xasprintf("ledger receive: --station: expected a station of %s, got \"%s\"",
		              l->fleet->path, r->station);
		return -1;
	}
	if (r->n_months > 0) {
		if (r->n_months == 12)
			snprintf(period, sizeof period, "%04d", r->first_month / 12);
		else if (r->n_months == 3)
			snprintf(period, sizeof period, "%04d-Q%d", r->first_month / 12,
			         r->first_month % 12 / 3 + 1);
		else
			ledger_month_name(r->first_month, period, sizeof period);
	}
	if (ledger_begin(l, cause) < 0)
		return -1;
	if ((known = store_ledger_receipt_known(l->store, r->payer, r->ref)) < 0) {
		ledger_store_fail(l, cause);
		goto fail;
	}
	if (known) {
		*cause = xasprintf("ledger receive: payer \"%s\" reference \"%s\" was recorded "
		                   "before: nothing recorded",
		                   r->payer, r->ref);
		goto fail;
	}
	caltime_format_date(r->day, day, sizeof day);
	if (store_ledger_receipt_add(l->store, day, r->payer, part, r->station, period, r->fen,
	                             r->ref, &grp) < 0) {
		ledger_store_fail(l, cause);
		goto fail;
	}
	/* oldest period first, then station id: first in, first out */
	if (store_ledger_outstanding_each(
	        l->store, part, r->station, r->n_months > 0 ? r->first_month : 0,
	        r->n_months > 0 ? r->first_month + r->n_months : 1 << 30, add_match, &mw) < 0) {
		ledger_store_fail(l, cause);
		free(mw.ms);
		goto fail;
	}
	ms = mw.ms;
	nm = mw.nm;
	scope = mw.scope;
	if (scope < r->fen) {
		char owed[40];
		format_yuan(r->fen, ',', yuan, sizeof yuan);
		format_yuan(scope, ',', owed, sizeof owed);
		*cause =
		    xasprintf("ledger receive: %s yuan is more than \"%s\" owes for the %s "
		              "part%s%s%s%s (%s yuan outstanding): nothing recorded (book the "
		              "accruals first with ledger accrue)",
		              yuan, r->payer, part, r->station ? " of " : "",
		              r->station ? r->station : "", *period ? " in " : "", period, owed);
		free(ms);
		goto fail;
	}
	for (int i = 0; i < nm && left > 0; i++) {
		int64_t take = ms[i].owed < left ? ms[i].owed : left;
		if (book_match(l, &l->fleet->stations[ms[i].station], ms[i].period, r, take, grp,
		               cause) < 0) {
			free(ms);
			goto fail;
		}
		left -= take;
	}
	free(ms);
	if (id)
		*id = grp;
	return ledger_commit(l, cause);
fail:
	ledger_rollback(l);
	return -1;
}

/* Sum of a village's entries of one kind (receipt, disbursement, use) dated up to day. */
static int village_sum(struct ledger *l, const char *village, const char *kind, int32_t day,
                       int64_t *out, char **cause)
{
	char d[16];
	caltime_format_date(day, d, sizeof d);
	if (store_ledger_village_sum(l->store, village, kind, d, out) < 0)
		return ledger_store_fail(l, cause);
	return 0;
}

int ledger_disburse(struct ledger *l, const char *station, const char *village, int64_t fen,
                    int32_t day, const char *ref, const char *note, char **cause)
{
	const struct fleet_station *st = NULL;
	int n = 1, j, s;
	int64_t *w = NULL, *parts = NULL;
	const char **keys = NULL;
	struct ledger_entry_in e = {0};

	if (fen <= 0 || !ref || !*ref) {
		*cause = xstrdup("ledger disburse: expected an amount > 0 and a reference");
		return -1;
	}
	if (village && fleet_village_index(l->fleet, village) < 0) {
		*cause =
		    xasprintf("ledger disburse: --village: expected a village of %s, got \"%s\"",
		              l->fleet->path, village);
		return -1;
	}
	if (!village) {
		if (!station || (s = fleet_station_index(l->fleet, station)) < 0) {
			*cause =
			    xasprintf("ledger disburse: --station: expected a station of %s, got "
			              "\"%s\"",
			              l->fleet->path, station ? station : "");
			return -1;
		}
		st = &l->fleet->stations[s];
		n = st->n_shares;
	}
	w = xcalloc((size_t)n, sizeof *w);
	parts = xcalloc((size_t)n, sizeof *parts);
	keys = xcalloc((size_t)n, sizeof *keys);
	if (st) {
		for (j = 0; j < n; j++) {
			w[j] = st->shares[j].weight;
			keys[j] = l->fleet->villages[st->shares[j].village].id;
		}
		ledger_split(fen, n, w, keys, parts);
	} else {
		keys[0] = village;
		parts[0] = fen;
	}
	if (ledger_begin(l, cause) < 0)
		goto fail_free;
	for (j = 0; j < n; j++) {
		int64_t got, out;
		if (parts[j] == 0)
			continue;
		if (village_sum(l, keys[j], "receipt", day, &got, cause) < 0 ||
		    village_sum(l, keys[j], "disbursement", INT32_MAX, &out, cause) < 0)
			goto fail;
		if (out + parts[j] > got) {
			char a[40], b[40];
			format_yuan(parts[j], ',', a, sizeof a);
			format_yuan(got - out, ',', b, sizeof b);
			*cause =
			    xasprintf("ledger disburse: village \"%s\": %s yuan is more than the "
			              "%s yuan received for it by that day and not yet paid out: "
			              "nothing recorded",
			              keys[j], a, b);
			goto fail;
		}
		e.day = day;
		e.kind = "disbursement";
		e.station = station;
		e.village = keys[j];
		e.fen = parts[j];
		e.ref = ref;
		e.note = note;
		if (ledger_append(l, &e, NULL, cause) < 0)
			goto fail;
	}
	free(w);
	free(parts);
	free(keys);
	return ledger_commit(l, cause);
fail:
	ledger_rollback(l);
fail_free:
	free(w);
	free(parts);
	free(keys);
	return -1;
}

int ledger_spend(struct ledger *l, const char *village, enum ledger_use use, int64_t fen,
                 int32_t day, const char *ref, const char *note, char **cause)
{
	struct ledger_entry_in e = {0};
	int64_t in, used;
	if (fen <= 0 || !ref || !*ref || use < 0 || use >= LEDGER_USES) {
		*cause = xstrdup("ledger use: expected a category, an amount > 0 and a reference");
		return -1;
	}
	if (!village || fleet_village_index(l->fleet, village) < 0) {
		*cause = xasprintf("ledger use: --village: expected a village of %s, got \"%s\"",
		                   l->fleet->path, village ? village : "");
		return -1;
	}
	if (ledger_begin(l, cause) < 0)
		return -1;
	if (village_sum(l, village, "disbursement", day, &in, cause) < 0 ||
	    village_sum(l, village, "use", INT32_MAX, &used, cause) < 0)
		goto fail;
	if (used + fen > in) {
		char a[40], b[40];
		format_yuan(fen, ',', a, sizeof a);
		format_yuan(in - used, ',', b, sizeof b);
		*cause =
		    xasprintf("ledger use: village \"%s\": %s yuan is more than the %s yuan in "
		              "its account: nothing recorded",
		              village, a, b);
		goto fail;
	}
	e.day = day;
	e.kind = "use";
	e.part = ledger_use_key(use);
	e.village = village;
	e.fen = fen;
	e.ref = ref;
	e.note = note;
	if (ledger_append(l, &e, NULL, cause) < 0)
		goto fail;
	return ledger_commit(l, cause);
fail:
	ledger_rollback(l);
	return -1;
}

/* The fields of the entry a correction follows. */
struct corrected {
	char kind[16], part[16], station[64], village[64], ref[128];
	int64_t fen;
};

static void got_entry(void *ctx, const struct store_ledger_entry *e)
{
	struct corrected *c = ctx;
	util_strlcpy(c->kind, e->kind, sizeof c->kind);
	util_strlcpy(c->part, e->part, sizeof c->part);
	util_strlcpy(c->station, e->station, sizeof c->station);
	util_strlcpy(c->village, e->village, sizeof c->village);
	util_strlcpy(c->ref, e->ref, sizeof c->ref);
	c->fen = e->fen;
}

int ledger_correct(struct ledger *l, int64_t entry, int64_t fen, int32_t day, const char *note,
                   char **cause)
{
	struct ledger_entry_in e = {0};
	struct corrected c = {0};
	const char *kind = c.kind;
	char *text = NULL;
	int64_t effective = 0, more;
	int found = 0;

	if (fen < 0) {
		*cause = xstrdup("ledger correct: --amount: expected yuan >= 0");
		return -1;
	}
	if (ledger_begin(l, cause) < 0)
		return -1;
	if ((found = store_ledger_entry_get(l->store, entry, got_entry, &c)) < 0) {
		ledger_store_fail(l, cause);
		goto fail;
	}
	effective = c.fen;
	if (!found || (strcmp(kind, "disbursement") != 0 && strcmp(kind, "use") != 0)) {
		*cause =
		    xasprintf("ledger correct: --entry: expected the id of a disbursement or use "
		              "entry, got %lld%s",
		              (long long)entry,
		              found ? " (accruals follow their basis through ledger accrue; "
		                      "receipts are not corrected)"
		                    : " (no such entry)");
		goto fail;
	}
	if (store_ledger_corrections_sum(l->store, entry, &more) < 0) {
		ledger_store_fail(l, cause);
		goto fail;
	}
	effective += more;
	if (fen == effective) {
		*cause = xasprintf("ledger correct: entry %lld already stands at that amount",
		                   (long long)entry);
		goto fail;
	}
	text = xasprintf("correction of entry %lld%s%s", (long long)entry,
	                 note && *note ? ": " : "", note ? note : "");
	e.day = day;
	e.kind = strcmp(kind, "use") == 0 ? "use" : "disbursement";
	e.part = c.part;
	e.station = c.station;
	e.village = c.village;
	e.fen = fen - effective;
	e.corrects = entry;
	e.ref = c.ref;
	e.note = text;
	if (ledger_append(l, &e, NULL, cause) < 0)
		goto fail;
	free(text);
	return ledger_commit(l, cause);
fail:
	free(text);
	ledger_rollback(l);
	return -1;
}

/* The entries a receipt booked, copied out of the walk (appending needs the connection). */
struct booked {
	int64_t id, parent, period, fen;
	char part[16], station[64], village[64], payer[64], ref[128];
};
struct booked_walk {
	struct booked *b;
	int n;
};

static int add_booked(void *ctx, const struct store_ledger_entry *e)
{
	struct booked_walk *w = ctx;
	struct booked *b;
	w->b = xrealloc(w->b, sizeof *w->b * (size_t)(w->n + 1));
	b = &w->b[w->n++];
	memset(b, 0, sizeof *b);
	b->id = e->id;
	b->parent = e->parent;
	b->period = e->period;
	b->fen = e->fen;
	util_strlcpy(b->part, e->part, sizeof b->part);
	util_strlcpy(b->station, e->station, sizeof b->station);
	util_strlcpy(b->village, e->village, sizeof b->village);
	util_strlcpy(b->payer, e->payer, sizeof b->payer);
	util_strlcpy(b->ref, e->ref, sizeof b->ref);
	return 0;
}

/*
 * A village may not end up paid out more than it received: the reversal
 * takes back what the receipt gave it, so its disbursements must still be
 * covered by the rest.
 */
static int reversal_covered(struct ledger *l, const struct booked_walk *w, int64_t receipt,
                            char **cause)
{
	for (int i = 0; i < w->n; i++) {
		int64_t back = 0, got, out;
		int j, seen = 0;
		if (!w->b[i].village[0])
			continue;
		for (j = 0; j < i; j++)
			if (strcmp(w->b[j].village, w->b[i].village) == 0)
				seen = 1;
		if (seen)
			continue;
		for (j = i; j < w->n; j++)
			if (strcmp(w->b[j].village, w->b[i].village) == 0)
				back += w->b[j].fen;
		if (village_sum(l, w->b[i].village, "receipt", INT32_MAX, &got, cause) < 0 ||
		    village_sum(l, w->b[i].village, "disbursement", INT32_MAX, &out, cause) < 0)
			return -1;
		if (got - back < out) {
			char a[40], b[40];
			format_yuan(out, ',', a, sizeof a);
			format_yuan(got - back, ',', b, sizeof b);
			*cause =
			    xasprintf("ledger reverse: receipt %lld: village \"%s\" has been paid "
			              "%s yuan, more than the %s yuan it would have received "
			              "without it: correct its disbursements first (ledger "
			              "correct): nothing recorded",
			              (long long)receipt, w->b[i].village, a, b);
			return -1;
		}
	}
	return 0;
}

int ledger_reverse(struct ledger *l, int64_t receipt, int32_t day, const char *note, int *n_entries,
                   char **cause)
{
	struct store_ledger_receipt rc;
	struct booked_walk w = {NULL, 0};
	int64_t *made = NULL;
	char *text = NULL;
	int found, i;

	if (ledger_begin(l, cause) < 0)
		return -1;
	if ((found = store_ledger_receipt_get(l->store, receipt, &rc)) < 0) {
		ledger_store_fail(l, cause);
		goto fail;
	}
	if (!found) {
		*cause = xasprintf("ledger reverse: --receipt: no receipt %lld was recorded "
		                   "(ledger receive prints each receipt's id)",
		                   (long long)receipt);
		goto fail;
	}
	if ((found = store_ledger_receipt_reversed(l->store, receipt)) < 0) {
		ledger_store_fail(l, cause);
		goto fail;
	}
	if (found) {
		*cause = xasprintf("ledger reverse: receipt %lld (payer \"%s\" reference \"%s\") "
		                   "was reversed before: nothing recorded",
		                   (long long)receipt, rc.payer, rc.ref);
		goto fail;
	}
	if (store_ledger_receipt_entries_each(l->store, receipt, add_booked, &w) < 0) {
		ledger_store_fail(l, cause);
		goto fail;
	}
	if (reversal_covered(l, &w, receipt, cause) < 0)
		goto fail;
	text = xasprintf("reversal of receipt %lld%s%s", (long long)receipt,
	                 note && *note ? ": " : "", note ? note : "");
	made = xcalloc((size_t)w.n + 1, sizeof *made);
	/* station-level entries come before their villages' (id order), so parents map */
	for (i = 0; i < w.n; i++) {
		struct ledger_entry_in e = {0};
		e.day = day;
		e.kind = "receipt";
		e.part = w.b[i].part;
		e.station = w.b[i].station;
		e.village = w.b[i].village;
		e.period = (int)w.b[i].period;
		e.payer = w.b[i].payer;
		e.fen = -w.b[i].fen;
		e.corrects = w.b[i].id;
		e.grp = receipt;
		e.ref = w.b[i].ref;
		e.note = text;
		for (int j = 0; j < i && w.b[i].parent; j++)
			if (w.b[j].id == w.b[i].parent)
				e.parent = made[j];
		if (ledger_append(l, &e, &made[i], cause) < 0)
			goto fail;
	}
	if (n_entries)
		*n_entries = w.n;
	free(w.b);
	free(made);
	free(text);
	return ledger_commit(l, cause);
fail:
	free(w.b);
	free(made);
	free(text);
	ledger_rollback(l);
	return -1;
}
