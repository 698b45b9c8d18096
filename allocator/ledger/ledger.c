/*
 * ledger: the handle, the vocabulary (parts, uses, periods, yuan) and the one
 * place entries are appended. An entry is never updated or deleted; its
 * hash is taken here, over a canonical text, so `ledger verify` can tell
 * which entry changed.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "store.h"
#include "caltime.h"
#include "ledger_int.h"
#include "sha256.h"
#include "util.h"

static const char *const part_keys[] = {"coal", "subsidy", "pending", NULL};
static const char *const use_keys[] = {"jobs", "works", "awards", "other", NULL};

struct ledger *ledger_open(struct store *s, const struct fleet *f, const struct ledger_opts *o)
{
	struct ledger *l = xcalloc(1, sizeof *l);
	l->store = s;
	l->fleet = f;
	l->o = *o;
	return l;
}

void ledger_close(struct ledger *l)
{
	if (!l)
		return;
	ledger_energy_drop(l);
	free(l);
}

const char *ledger_part_key(enum ledger_part p)
{
	return p >= 0 && p < LEDGER_PARTS ? part_keys[p] : "?";
}

int ledger_part_parse(const char *s)
{
	for (int i = 0; s && part_keys[i]; i++)
		if (strcmp(s, part_keys[i]) == 0)
			return i;
	return -1;
}

const char *ledger_use_key(enum ledger_use u)
{
	return u >= 0 && u < LEDGER_USES ? use_keys[u] : "?";
}

int ledger_use_parse(const char *s)
{
	for (int i = 0; s && use_keys[i]; i++)
		if (strcmp(s, use_keys[i]) == 0)
			return i;
	return -1;
}

/* Exactly n decimal digits at s, as a number. */
static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int ledger_period_parse(const char *s, int *first_month, int *n_months)
{
	int y, m;
	size_t len = s ? strlen(s) : 0;
	if (len < 4 || digits(s, 4, &y) < 0 || y < 1900 || y > 2200)
		return -1;
	if (len == 4) {
		*first_month = y * 12;
		*n_months = 12;
		return 0;
	}
	if (len == 7 && s[4] == '-' && (s[5] == 'Q' || s[5] == 'q') && s[6] >= '1' && s[6] <= '4') {
		*first_month = y * 12 + (s[6] - '1') * 3;
		*n_months = 3;
		return 0;
	}
	if (len == 7 && s[4] == '-' && digits(s + 5, 2, &m) == 0 && m >= 1 && m <= 12) {
		*first_month = y * 12 + m - 1;
		*n_months = 1;
		return 0;
	}
	return -1;
}

void ledger_month_name(int month, char *buf, size_t size)
{
	snprintf(buf, size, "%04d-%02d", month / 12, month % 12 + 1);
}

int ledger_decimal_parse(const char *s, int places, int64_t *out)
{
	int64_t v = 0;
	int neg = 0, got = -1;
	const char *p = s;
	if (!s || !*s)
		return -1;
	if (*p == '-')
		neg = 1, p++;
	if (!(*p >= '0' && *p <= '9'))
		return -1;
	for (; *p; p++) {
		if (*p == '.') {
			if (got >= 0)
				return -1;
			got = 0;
			continue;
		}
		if (*p < '0' || *p > '9' || got == places)
			return -1;
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
		if (got >= 0)
			got++;
	}
	if (got == 0)
		return -1; /* "12." */
	for (int i = got < 0 ? 0 : got; i < places; i++) {
		if (v > INT64_MAX / 10)
			return -1;
		v *= 10;
	}
	*out = neg ? -v : v;
	return 0;
}

int ledger_yuan_parse(const char *s, int64_t *fen)
{
	return ledger_decimal_parse(s, 2, fen);
}

int ledger_begin(struct ledger *l, char **cause)
{
	if (store_begin(l->store) < 0) {
		*cause = xstrdup(store_error(l->store));
		return -1;
	}
	return 0;
}

int ledger_commit(struct ledger *l, char **cause)
{
	if (store_commit(l->store) < 0) {
		*cause = xstrdup(store_error(l->store));
		store_rollback(l->store);
		return -1;
	}
	return 0;
}

void ledger_rollback(struct ledger *l)
{
	store_rollback(l->store);
}

/* Appends "len:value\n" so that no field's content can imitate another's. */
static void field(char **buf, size_t *n, size_t *cap, const char *v)
{
	size_t len = strlen(v);
	char head[24];
	int h = snprintf(head, sizeof head, "%zu:", len);
	while (*n + (size_t)h + len + 2 > *cap) {
		*cap = *cap * 2 + 64;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *n, head, (size_t)h);
	*n += (size_t)h;
	memcpy(*buf + *n, v, len);
	*n += len;
	(*buf)[(*n)++] = '\n';
	(*buf)[*n] = '\0';
}

static void ifield(char **buf, size_t *n, size_t *cap, int64_t v)
{
	char s[24];
	snprintf(s, sizeof s, "%lld", (long long)v);
	field(buf, n, cap, s);
}

char *ledger_entry_text(int64_t id, const char *day, const char *kind, const char *part,
                        const char *station, const char *village, int64_t period, const char *payer,
                        int64_t fen, int64_t parent, int64_t corrects, int64_t grp, const char *ref,
                        const char *note)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	field(&buf, &n, &cap, "pvmon-ledger-entry-v1");
	ifield(&buf, &n, &cap, id);
	field(&buf, &n, &cap, day);
	field(&buf, &n, &cap, kind);
	field(&buf, &n, &cap, part);
	field(&buf, &n, &cap, station);
	field(&buf, &n, &cap, village);
	ifield(&buf, &n, &cap, period);
	field(&buf, &n, &cap, payer);
	ifield(&buf, &n, &cap, fen);
	ifield(&buf, &n, &cap, parent);
	ifield(&buf, &n, &cap, corrects);
	ifield(&buf, &n, &cap, grp);
	field(&buf, &n, &cap, ref);
	field(&buf, &n, &cap, note);
	return buf;
}

/* Copies a store error into *cause; returns -1. */
int ledger_store_fail(struct ledger *l, char **cause)
{
	*cause = xstrdup(store_error(l->store));
	return -1;
}

int ledger_append(struct ledger *l, const struct ledger_entry_in *e, int64_t *id, char **cause)
{
	char day[16], month[8], hash[SHA256_HEX_LEN], *text;
	int64_t next, sealed;
	int y, m, d;
	struct store_ledger_entry row;

	caltime_format_date(e->day, day, sizeof day);
	caltime_civil(e->day, &y, &m, &d);
	snprintf(month, sizeof month, "%04d-%02d", y, m);
	if (store_ledger_sealed_since(l->store, month, &sealed) < 0)
		return ledger_store_fail(l, cause);
	if (sealed) {
		*cause = xasprintf("%s is in a sealed month (%s or later is sealed): date the "
		                   "entry in an open month",
		                   day, month);
		return -1;
	}
	if (store_ledger_entry_last_id(l->store, &next) < 0)
		return ledger_store_fail(l, cause);
	next++;
	row.id = next;
	row.day = day;
	row.month = month;
	row.kind = e->kind;
	row.part = e->part ? e->part : "";
	row.station = e->station ? e->station : "";
	row.village = e->village ? e->village : "";
	row.period = e->period;
	row.payer = e->payer ? e->payer : "";
	row.fen = e->fen;
	row.parent = e->parent;
	row.corrects = e->corrects;
	row.grp = e->grp;
	row.ref = e->ref ? e->ref : "";
	row.note = e->note ? e->note : "";
	text = ledger_entry_text(next, day, row.kind, row.part, row.station, row.village,
	                         row.period, row.payer, row.fen, row.parent, row.corrects, row.grp,
	                         row.ref, row.note);
	sha256_hex_of(text, strlen(text), hash);
	free(text);
	row.hash = hash;
	if (store_ledger_entry_append(l->store, &row) < 0)
		return ledger_store_fail(l, cause);
	if (id)
		*id = next;
	return 0;
}

int ledger_split(int64_t total, int n, const int64_t *weights, const char *const *keys,
                 int64_t *out)
{
	int neg = total < 0;
	if (alloc_split(neg ? -total : total, n, weights, keys, out) < 0)
		return -1;
	if (neg)
		for (int i = 0; i < n; i++)
			out[i] = -out[i];
	return 0;
}

const char *ledger_payer_of(const struct fleet_station *st, enum ledger_part p)
{
	const char *payer = p == LEDGER_COAL ? st->settle.coal.payer : st->settle.subsidy.payer;
	return payer ? payer : (p == LEDGER_COAL ? "grid" : "fund");
}

int32_t ledger_month_first_day(int month, int *ndays)
{
	int y = month / 12, m = month % 12 + 1;
	if (ndays)
		*ndays = caltime_days_in_month(y, m);
	return caltime_days(y, m, 1);
}

int32_t ledger_due_day(const struct fleet_station *st, enum ledger_part p, int month)
{
	enum fleet_cycle c = p == LEDGER_COAL ? st->settle.coal.cycle : st->settle.subsidy.cycle;
	int last = month, nd;
	/* a station struct built without the fleet loader has the national defaults */
	if (p == LEDGER_COAL && !st->settle.coal.payer)
		c = FLEET_QUARTERLY;
	else if (p != LEDGER_COAL && !st->settle.subsidy.payer)
		c = FLEET_YEARLY;
	if (c == FLEET_QUARTERLY)
		last = month - month % 3 + 2;
	else if (c == FLEET_YEARLY)
		last = month - month % 12 + 11;
	return ledger_month_first_day(last, &nd) + nd - 1;
}
