/*
 * seal: closes the ledger month by month. A month's seal is SHA-256 over the
 * previous month's seal and the hashes of the month's entries in id order;
 * each entry's hash is over its own canonical text (ledger.c). So a changed
 * entry no longer matches its hash, and a changed, added or removed entry
 * no longer matches its month's seal; `ledger verify` says which.
 */
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "ledger_int.h"
#include "sha256.h"
#include "util.h"

static const char zero_seal[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* The hash an entry row should carry. */
static void row_hash(const struct store_ledger_entry *e, char out[SHA256_HEX_LEN])
{
	char *text =
	    ledger_entry_text(e->id, e->day, e->kind, e->part, e->station, e->village, e->period,
	                      e->payer, e->fen, e->parent, e->corrects, e->grp, e->ref, e->note);
	sha256_hex_of(text, strlen(text), out);
	free(text);
}

struct seal_walk {
	struct sha256 c;
	int recompute;
	int64_t n, first, last;
};

/* Adds one entry's "id hash" line to a month's seal. */
static int seal_entry(void *ctx, const struct store_ledger_entry *e)
{
	struct seal_walk *w = ctx;
	char h[SHA256_HEX_LEN], line[128];
	if (w->recompute)
		row_hash(e, h);
	else
		util_strlcpy(h, e->hash, sizeof h);
	int len = snprintf(line, sizeof line, "%lld %s\n", (long long)e->id, h);
	sha256_update(&w->c, line, (size_t)len);
	if (!w->n)
		w->first = e->id;
	w->last = e->id;
	w->n++;
	return 0;
}

/* A month's seal from its entries (recomputed hashes when recompute, else stored ones). */
static int month_seal(struct ledger *l, const char *month, const char *prev, int recompute,
                      char out[SHA256_HEX_LEN], int64_t *n, int64_t *first, int64_t *last,
                      char **cause)
{
	struct seal_walk w = {.recompute = recompute};
	sha256_init(&w.c);
	sha256_update(&w.c, "pvmon-ledger-seal-v1\n", 21);
	sha256_update(&w.c, month, strlen(month));
	sha256_update(&w.c, "\n", 1);
	sha256_update(&w.c, prev, strlen(prev));
	sha256_update(&w.c, "\n", 1);
	*n = *first = *last = 0;
	if (store_ledger_entries_each(l->store, month, seal_entry, &w) < 0)
		return ledger_store_fail(l, cause);
	*n = w.n;
	*first = w.first;
	*last = w.last;
	sha256_hex(&w.c, out);
	return 0;
}

int ledger_seal_get(struct ledger *l, int month, char *buf, size_t size)
{
	char name[16];
	ledger_month_name(month, name, sizeof name);
	return store_ledger_seal_get(l->store, name, buf, size);
}

/* The latest seal: its month index and hash; month -1 when nothing is sealed. */
static int last_seal(struct ledger *l, int *month, char hash[SHA256_HEX_LEN], char **cause)
{
	char name[8], h[SHA256_HEX_LEN];
	int rc = store_ledger_seal_last(l->store, name, h, sizeof h), n;
	*month = -1;
	util_strlcpy(hash, zero_seal, SHA256_HEX_LEN);
	if (rc < 0)
		return ledger_store_fail(l, cause);
	if (rc && ledger_period_parse(name, month, &n) == 0)
		util_strlcpy(hash, h, SHA256_HEX_LEN);
	return 0;
}

int ledger_seal(struct ledger *l, int month, int32_t day, int *n, char **cause)
{
	char prev[SHA256_HEX_LEN], today[16];
	int from, m, nd, k;
	int64_t first;

	*n = 0;
	if (ledger_month_first_day(month, &nd) + nd - 1 >= day) {
		char name[16];
		ledger_month_name(month, name, sizeof name);
		*cause = xasprintf("ledger seal: %s has not ended yet: expected a month before the "
		                   "one of --date",
		                   name);
		return -1;
	}
	caltime_format_date(day, today, sizeof today);
	if (ledger_begin(l, cause) < 0)
		return -1;
	if (last_seal(l, &from, prev, cause) < 0)
		goto fail;
	if (from >= 0) {
		from++;
	} else {
		/* the chain starts with the first month that has entries */
		char name[8];
		int rc = store_ledger_entries_first_month(l->store, name);
		if (rc < 0) {
			ledger_store_fail(l, cause);
			goto fail;
		}
		from = -1;
		if (rc)
			ledger_period_parse(name, &from, &k);
		if (from < 0) {
			ledger_rollback(l);
			return 0;
		}
	}
	for (m = from; m <= month; m++) {
		char name[16], hash[SHA256_HEX_LEN];
		int64_t cnt, last;
		struct store_ledger_seal seal;
		ledger_month_name(m, name, sizeof name);
		if (month_seal(l, name, prev, 0, hash, &cnt, &first, &last, cause) < 0)
			goto fail;
		seal.month = name;
		seal.first_id = first;
		seal.last_id = last;
		seal.n_entries = cnt;
		seal.prev = prev;
		seal.hash = hash;
		seal.sealed_day = today;
		if (store_ledger_seal_add(l->store, &seal) < 0) {
			ledger_store_fail(l, cause);
			goto fail;
		}
		memcpy(prev, hash, SHA256_HEX_LEN);
		(*n)++;
	}
	return ledger_commit(l, cause);
fail:
	ledger_rollback(l);
	return -1;
}

struct verify_walk {
	struct ledger *l;
	FILE *out;
	int *problems;
	char prev[SHA256_HEX_LEN];
	int expect;
	char **cause;
	int failed;
};

/* One entry against its own hash, and against the month its day is in. */
static int verify_entry(void *ctx, const struct store_ledger_entry *e)
{
	struct verify_walk *w = ctx;
	char h[SHA256_HEX_LEN];
	row_hash(e, h);
	if (strcmp(h, e->hash) != 0) {
		fprintf(w->out,
		        "month %.7s, entry %lld (%s %s %s): its content no longer matches its "
		        "hash: it was changed after it was written\n",
		        e->month, (long long)e->id, e->kind, e->station, e->village);
		(*w->problems)++;
	}
	if (strncmp(e->day, e->month, 7) != 0 || strlen(e->month) != 7) {
		fprintf(w->out,
		        "month %.7s, entry %lld: dated %s, outside the month it is filed in\n",
		        e->month, (long long)e->id, e->day);
		(*w->problems)++;
	}
	return 0;
}

/* One seal against the previous one and its month's entries. */
static int verify_seal(void *ctx, const struct store_ledger_seal *seal)
{
	struct verify_walk *w = ctx;
	char month[16], hash[SHA256_HEX_LEN];
	int64_t n, first, last;
	int m = -1, k;
	util_strlcpy(month, seal->month, sizeof month);
	ledger_period_parse(month, &m, &k);
	if (w->expect >= 0 && m != w->expect) {
		fprintf(w->out, "month %s: the seals skip from the month before %s\n", month,
		        month);
		(*w->problems)++;
	}
	w->expect = m + 1;
	if (strcmp(seal->prev, w->prev) != 0) {
		fprintf(w->out, "month %s: its seal does not chain to the previous month's seal\n",
		        month);
		(*w->problems)++;
	}
	if (month_seal(w->l, month, seal->prev, 1, hash, &n, &first, &last, w->cause) < 0) {
		w->failed = 1;
		return 1;
	}
	if (n != seal->n_entries) {
		fprintf(w->out, "month %s: %lld entries were sealed, %lld are there now\n", month,
		        (long long)seal->n_entries, (long long)n);
		(*w->problems)++;
	} else if (strcmp(hash, seal->hash) != 0) {
		fprintf(w->out, "month %s: its seal does not match its entries\n", month);
		(*w->problems)++;
	}
	util_strlcpy(w->prev, seal->hash, sizeof w->prev);
	return 0;
}

int ledger_verify(struct ledger *l, FILE *out, int *problems, char **cause)
{
	struct verify_walk w = {
	    .l = l, .out = out, .problems = problems, .expect = -1, .cause = cause};

	*problems = 0;
	if (store_ledger_entries_each(l->store, NULL, verify_entry, &w) < 0)
		return ledger_store_fail(l, cause);
	util_strlcpy(w.prev, zero_seal, sizeof w.prev);
	if (store_ledger_seals_each(l->store, verify_seal, &w) < 0)
		return ledger_store_fail(l, cause);
	return w.failed ? -1 : 0;
}
