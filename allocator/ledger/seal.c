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

static const char *col(sqlite3_stmt *q, int i)
{
	const char *s = (const char *)sqlite3_column_text(q, i);
	return s ? s : "";
}

/* The hash an entry row (columns as in entry_sql) should carry. */
static void row_hash(sqlite3_stmt *q, char out[SHA256_HEX_LEN])
{
	char *text = ledger_entry_text(sqlite3_column_int64(q, 0), col(q, 1), col(q, 2), col(q, 3),
	                               col(q, 4), col(q, 5), sqlite3_column_int64(q, 6), col(q, 7),
	                               sqlite3_column_int64(q, 8), sqlite3_column_int64(q, 9),
	                               sqlite3_column_int64(q, 10), sqlite3_column_int64(q, 11),
	                               col(q, 12), col(q, 13));
	sha256_hex_of(text, strlen(text), out);
	free(text);
}

#define ENTRY_COLS                                                                                 \
	"id, day, kind, part, station, village, period, payer, fen, coalesce(parent, 0), "         \
	"coalesce(corrects, 0), coalesce(grp, 0), ref, note, hash, month"

/* A month's seal from its entries (recomputed hashes when recompute, else stored ones). */
static int month_seal(struct ledger *l, const char *month, const char *prev, int recompute,
                      char out[SHA256_HEX_LEN], int64_t *n, int64_t *first, int64_t *last,
                      char **cause)
{
	struct sha256 c;
	sqlite3_stmt *q = ledger_sql(
	    l, cause, "SELECT " ENTRY_COLS " FROM ledger_entry WHERE month = ? ORDER BY id", "t",
	    month);
	int rc;
	if (!q)
		return -1;
	sha256_init(&c);
	sha256_update(&c, "pvmon-ledger-seal-v1\n", 21);
	sha256_update(&c, month, strlen(month));
	sha256_update(&c, "\n", 1);
	sha256_update(&c, prev, strlen(prev));
	sha256_update(&c, "\n", 1);
	*n = *first = *last = 0;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		char h[SHA256_HEX_LEN], line[128];
		int64_t id = sqlite3_column_int64(q, 0);
		if (recompute)
			row_hash(q, h);
		else
			util_strlcpy(h, col(q, 14), sizeof h);
		int len = snprintf(line, sizeof line, "%lld %s\n", (long long)id, h);
		sha256_update(&c, line, (size_t)len);
		if (!*n)
			*first = id;
		*last = id;
		(*n)++;
	}
	ledger_sql_done(l, q);
	if (rc != SQLITE_DONE) {
		*cause = xasprintf("ledger: reading entries: %s", sqlite3_errmsg(l->db));
		return -1;
	}
	sha256_hex(&c, out);
	return 0;
}

int ledger_seal_get(struct ledger *l, int month, char *buf, size_t size)
{
	char name[16], *cause = NULL;
	sqlite3_stmt *q;
	int rc;
	ledger_month_name(month, name, sizeof name);
	q = ledger_sql(l, &cause, "SELECT hash FROM ledger_seal WHERE month = ?", "t", name);
	if (!q) {
		free(cause);
		return -1;
	}
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		util_strlcpy(buf, col(q, 0), size);
	ledger_sql_done(l, q);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* The latest seal: its month index and hash; month -1 when nothing is sealed. */
static int last_seal(struct ledger *l, int *month, char hash[SHA256_HEX_LEN], char **cause)
{
	sqlite3_stmt *q = ledger_sql(
	    l, cause, "SELECT month, hash FROM ledger_seal ORDER BY month DESC LIMIT 1", NULL);
	int rc, n;
	if (!q)
		return -1;
	*month = -1;
	util_strlcpy(hash, zero_seal, SHA256_HEX_LEN);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW && ledger_period_parse(col(q, 0), month, &n) == 0)
		util_strlcpy(hash, col(q, 1), SHA256_HEX_LEN);
	ledger_sql_done(l, q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
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
		sqlite3_stmt *q = ledger_sql(l, cause, "SELECT min(month) FROM ledger_entry", NULL);
		if (!q)
			goto fail;
		from = -1;
		if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
			ledger_period_parse(col(q, 0), &from, &k);
		ledger_sql_done(l, q);
		if (from < 0) {
			ledger_rollback(l);
			return 0;
		}
	}
	for (m = from; m <= month; m++) {
		char name[16], hash[SHA256_HEX_LEN];
		int64_t cnt, last;
		ledger_month_name(m, name, sizeof name);
		if (month_seal(l, name, prev, 0, hash, &cnt, &first, &last, cause) < 0 ||
		    ledger_sql_run(
		        l,
		        ledger_sql(l, cause,
		                   "INSERT INTO ledger_seal (month, first_id, last_id, "
		                   "n_entries, prev, hash, sealed_day) VALUES (?, nullif(?, "
		                   "0), nullif(?, 0), ?, ?, ?, ?)",
		                   "tiiittt", name, first, last, cnt, prev, hash, today),
		        cause) < 0)
			goto fail;
		memcpy(prev, hash, SHA256_HEX_LEN);
		(*n)++;
	}
	return ledger_commit(l, cause);
fail:
	ledger_rollback(l);
	return -1;
}

int ledger_verify(struct ledger *l, FILE *out, int *problems, char **cause)
{
	sqlite3_stmt *q;
	char prev[SHA256_HEX_LEN];
	int rc;

	*problems = 0;
	/* every entry against its own hash, and against the month its day is in */
	q = ledger_sql(l, cause, "SELECT " ENTRY_COLS " FROM ledger_entry ORDER BY id", NULL);
	if (!q)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		char h[SHA256_HEX_LEN];
		row_hash(q, h);
		if (strcmp(h, col(q, 14)) != 0) {
			fprintf(
			    out,
			    "month %.7s, entry %lld (%s %s %s): its content no longer matches its "
			    "hash: it was changed after it was written\n",
			    col(q, 15), (long long)sqlite3_column_int64(q, 0), col(q, 2), col(q, 4),
			    col(q, 5));
			(*problems)++;
		}
		if (strncmp(col(q, 1), col(q, 15), 7) != 0 || strlen(col(q, 15)) != 7) {
			fprintf(
			    out,
			    "month %.7s, entry %lld: dated %s, outside the month it is filed in\n",
			    col(q, 15), (long long)sqlite3_column_int64(q, 0), col(q, 1));
			(*problems)++;
		}
	}
	ledger_sql_done(l, q);
	if (rc != SQLITE_DONE) {
		*cause = xasprintf("ledger: reading entries: %s", sqlite3_errmsg(l->db));
		return -1;
	}
	/* every seal against the previous one and its month's entries */
	q = ledger_sql(
	    l, cause,
	    "SELECT month, n_entries, coalesce(first_id, 0), coalesce(last_id, 0), prev, "
	    "hash FROM ledger_seal ORDER BY month",
	    NULL);
	if (!q)
		return -1;
	util_strlcpy(prev, zero_seal, sizeof prev);
	int expect = -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		char month[16], hash[SHA256_HEX_LEN];
		int64_t n, first, last;
		int m = -1, k;
		util_strlcpy(month, col(q, 0), sizeof month);
		ledger_period_parse(month, &m, &k);
		if (expect >= 0 && m != expect) {
			fprintf(out, "month %s: the seals skip from the month before %s\n", month,
			        month);
			(*problems)++;
		}
		expect = m + 1;
		if (strcmp(col(q, 4), prev) != 0) {
			fprintf(out,
			        "month %s: its seal does not chain to the previous month's seal\n",
			        month);
			(*problems)++;
		}
		if (month_seal(l, month, col(q, 4), 1, hash, &n, &first, &last, cause) < 0) {
			ledger_sql_done(l, q);
			return -1;
		}
		if (n != sqlite3_column_int64(q, 1)) {
			fprintf(out, "month %s: %lld entries were sealed, %lld are there now\n",
			        month, (long long)sqlite3_column_int64(q, 1), (long long)n);
			(*problems)++;
		} else if (strcmp(hash, col(q, 5)) != 0) {
			fprintf(out, "month %s: its seal does not match its entries\n", month);
			(*problems)++;
		}
		util_strlcpy(prev, col(q, 5), sizeof prev);
	}
	ledger_sql_done(l, q);
	if (rc != SQLITE_DONE) {
		*cause = xasprintf("ledger: reading seals: %s", sqlite3_errmsg(l->db));
		return -1;
	}
	return 0;
}
