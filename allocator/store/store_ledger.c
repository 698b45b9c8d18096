/*
 * store_ledger: the ledger's statements over its ledger_* tables
 * (docs/ledger.md), each prepared once per store and reused. It runs what
 * the ledger asks and decides nothing: matching, splitting, hashing and
 * sealing are allocator/ledger/'s. Errors name the database file.
 */
#include "store_ledger.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum ledger_stmt_id {
	SL_SEALED_SINCE,
	SL_ENTRY_LAST_ID,
	SL_ENTRY_APPEND,
	SL_ENTRY_GET,
	SL_ENTRIES_MONTH,
	SL_ENTRIES_ALL,
	SL_ENTRIES_FIRST_MONTH,
	SL_CORRECTIONS_SUM,
	SL_ACCRUED,
	SL_ACCRUALS_COUNT,
	SL_VILLAGE_OWED,
	SL_VILLAGE_SUM,
	SL_OUTSTANDING,
	SL_OWED_VILLAGE,
	SL_OWED_STATION,
	SL_OWED_ALL,
	SL_USES_VILLAGE,
	SL_USES_STATION,
	SL_USES_ALL,
	SL_RECEIPT_KNOWN,
	SL_RECEIPT_ADD,
	SL_RECEIPT_GET,
	SL_RECEIPT_REVERSED,
	SL_RECEIPT_ENTRIES,
	SL_VILLAGE_MONTHS,
	SL_VILLAGE_RECEIVED_MONTHS,
	SL_FILE_KNOWN,
	SL_FILE_ADD,
	SL_FILE_CHANGED,
	SL_STATEMENT_ADD,
	SL_STATEMENT_SUPERSEDE,
	SL_STATEMENT_CURRENT,
	SL_STATEMENTS_OVERLAPPING,
	SL_STATEMENTS_EACH,
	SL_SEAL_ADD,
	SL_SEAL_GET,
	SL_SEAL_LAST,
	SL_SEALS_EACH,
	SL_COUNT
};

#define ENTRY_COLS                                                                                 \
	"id, day, month, kind, part, station, village, period, payer, fen, coalesce(parent, 0), "  \
	"coalesce(corrects, 0), coalesce(grp, 0), ref, note, hash"
/* one text per scope so that each can use its index */
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
#define STATEMENT_COLS                                                                             \
	"s.id, s.file, s.row, s.station, s.period, s.first_month, s.n_months, s.settled_wh, "      \
	"s.coal_fen, s.subsidy_fen, s.deduction_fen, s.reference, s.metered_wh, s.flagged, "       \
	"coalesce(s.supersedes, 0), coalesce(s.superseded_by, 0)"

static const char *const ledger_sql[SL_COUNT] = {
    [SL_SEALED_SINCE] = "SELECT count(*) FROM ledger_seal WHERE month >= ?",
    [SL_ENTRY_LAST_ID] = "SELECT coalesce(max(id), 0) FROM ledger_entry",
    [SL_ENTRY_APPEND] = "INSERT INTO ledger_entry (id, day, month, kind, part, station, village,"
                        " period, payer, fen, parent, corrects, grp, ref, note, hash) VALUES"
                        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, nullif(?, 0), nullif(?, 0), nullif(?, 0),"
                        " ?, ?, ?)",
    [SL_ENTRY_GET] = "SELECT " ENTRY_COLS " FROM ledger_entry WHERE id = ?",
    [SL_ENTRIES_MONTH] = "SELECT " ENTRY_COLS " FROM ledger_entry WHERE month = ? ORDER BY id",
    [SL_ENTRIES_ALL] = "SELECT " ENTRY_COLS " FROM ledger_entry ORDER BY id",
    [SL_ENTRIES_FIRST_MONTH] = "SELECT min(month) FROM ledger_entry",
    [SL_CORRECTIONS_SUM] = "SELECT coalesce(sum(fen), 0) FROM ledger_entry WHERE corrects = ?",
    [SL_ACCRUED] = "SELECT coalesce(sum(fen), 0), coalesce(max(id), 0) FROM ledger_entry WHERE"
                   " kind = 'accrual' AND station = ? AND village = ? AND period = ? AND part = ?",
    [SL_ACCRUALS_COUNT] = "SELECT count(*) FROM ledger_entry WHERE kind = 'accrual' AND"
                          " station = ? AND period = ?",
    [SL_VILLAGE_OWED] = "SELECT coalesce(sum(CASE kind WHEN 'accrual' THEN fen ELSE -fen END), 0)"
                        " FROM ledger_entry WHERE kind IN ('accrual', 'receipt') AND station = ?"
                        " AND village = ? AND period = ? AND part = ?",
    [SL_VILLAGE_SUM] = "SELECT coalesce(sum(fen), 0) FROM ledger_entry WHERE village = ? AND"
                       " kind = ? AND day <= ?",
    [SL_OUTSTANDING] = "SELECT station, period, sum(CASE kind WHEN 'accrual' THEN fen ELSE -fen"
                       " END) AS o FROM ledger_entry WHERE village = '' AND part = ? AND kind IN"
                       " ('accrual', 'receipt') AND (? = '' OR station = ?) AND period >= ? AND"
                       " period < ? GROUP BY station, period"
                       " HAVING sum(CASE kind WHEN 'accrual' THEN fen ELSE -fen END) > 0"
                       " ORDER BY period, station",
    [SL_OWED_VILLAGE] = OWED_SQL "village = ?5" OWED_GROUP,
    [SL_OWED_STATION] = OWED_SQL "village = '' AND station = ?5" OWED_GROUP,
    [SL_OWED_ALL] = OWED_SQL "village = ''" OWED_GROUP,
    [SL_USES_VILLAGE] = USE_SQL "village = ?4" USE_GROUP,
    [SL_USES_STATION] = USE_SQL "station = ?4" USE_GROUP,
    [SL_USES_ALL] = USE_SQL "1 = 1" USE_GROUP,
    [SL_RECEIPT_KNOWN] = "SELECT count(*) FROM ledger_receipt WHERE payer = ? AND ref = ?",
    [SL_RECEIPT_ADD] = "INSERT INTO ledger_receipt (day, payer, part, station, period, fen, ref)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    [SL_RECEIPT_GET] = "SELECT day, payer, part, station, period, fen, ref FROM ledger_receipt"
                       " WHERE id = ?",
    [SL_RECEIPT_REVERSED] = "SELECT count(*) FROM ledger_entry WHERE kind = 'receipt' AND grp = ?"
                            " AND corrects IS NOT NULL",
    [SL_RECEIPT_ENTRIES] = "SELECT " ENTRY_COLS " FROM ledger_entry WHERE kind = 'receipt' AND"
                           " grp = ? AND corrects IS NULL ORDER BY id",
    /* ?1 the report's month (period index), ?2 January of its year, ?3 the month's first day,
     * ?4 January 1st, ?5 the month's last day */
    [SL_VILLAGE_MONTHS] =
        "SELECT village,"
        " coalesce(sum(CASE WHEN kind = 'accrual' AND period = ?1 THEN fen ELSE 0 END), 0),"
        " coalesce(sum(CASE WHEN kind = 'accrual' AND period BETWEEN ?2 AND ?1 THEN fen"
        " ELSE 0 END), 0),"
        " coalesce(sum(CASE WHEN kind = 'receipt' AND day >= ?3 THEN fen ELSE 0 END), 0),"
        " coalesce(sum(CASE WHEN kind = 'receipt' AND day >= ?4 THEN fen ELSE 0 END), 0),"
        " coalesce(sum(CASE WHEN part = 'pending' THEN 0 WHEN kind = 'accrual' THEN fen"
        " ELSE -fen END), 0),"
        " coalesce(sum(CASE WHEN part = 'pending' THEN fen ELSE 0 END), 0)"
        " FROM ledger_entry WHERE kind IN ('accrual', 'receipt') AND village <> '' AND day <= ?5"
        " GROUP BY village ORDER BY village",
    [SL_VILLAGE_RECEIVED_MONTHS] = "SELECT village, month, coalesce(sum(fen), 0) FROM ledger_entry"
                                   " WHERE kind = 'receipt' AND village <> '' AND day >= ? AND"
                                   " day <= ? GROUP BY village, month ORDER BY village, month",
    [SL_FILE_KNOWN] = "SELECT count(*) FROM ledger_statement_file WHERE sha256 = ?",
    [SL_FILE_ADD] = "INSERT INTO ledger_statement_file (name, sha256, imported_day, n_rows,"
                    " n_changed) VALUES (?, ?, ?, ?, 0) RETURNING id",
    [SL_FILE_CHANGED] = "UPDATE ledger_statement_file SET n_changed = ? WHERE id = ?",
    [SL_STATEMENT_ADD] = "INSERT INTO ledger_statement (file, row, station, period, first_month,"
                         " n_months, settled_wh, coal_fen, subsidy_fen, deduction_fen, reference,"
                         " metered_wh, flagged, supersedes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                         " ?, ?, ?, nullif(?, 0)) RETURNING id",
    [SL_STATEMENT_SUPERSEDE] = "UPDATE ledger_statement SET superseded_by = ? WHERE id = ?",
    [SL_STATEMENT_CURRENT] = "SELECT " STATEMENT_COLS " FROM ledger_statement s WHERE"
                             " s.station = ? AND s.superseded_by IS NULL AND s.first_month <= ?"
                             " AND s.first_month + s.n_months > ? ORDER BY s.id DESC LIMIT 1",
    [SL_STATEMENTS_OVERLAPPING] = "SELECT " STATEMENT_COLS " FROM ledger_statement s WHERE"
                                  " s.station = ? AND s.superseded_by IS NULL AND"
                                  " s.first_month < ? AND s.first_month + s.n_months > ?",
    [SL_STATEMENTS_EACH] = "SELECT " STATEMENT_COLS ", f.name, f.imported_day FROM"
                           " ledger_statement s JOIN ledger_statement_file f ON f.id = s.file"
                           " WHERE ? = '' OR s.station = ? ORDER BY s.station, s.first_month,"
                           " s.id",
    [SL_SEAL_ADD] = "INSERT INTO ledger_seal (month, first_id, last_id, n_entries, prev, hash,"
                    " sealed_day) VALUES (?, nullif(?, 0), nullif(?, 0), ?, ?, ?, ?)",
    [SL_SEAL_GET] = "SELECT hash FROM ledger_seal WHERE month = ?",
    [SL_SEAL_LAST] = "SELECT month, hash FROM ledger_seal ORDER BY month DESC LIMIT 1",
    [SL_SEALS_EACH] = "SELECT month, coalesce(first_id, 0), coalesce(last_id, 0), n_entries,"
                      " prev, hash, sealed_day FROM ledger_seal ORDER BY month",
};

struct store_ledger_stmts {
	struct db_stmt *st[SL_COUNT];
};

void store_ledger_stmts_free(struct store_ledger_stmts *l)
{
	if (!l)
		return;
	for (int i = 0; i < SL_COUNT; i++)
		db_finalize(l->st[i]);
	free(l);
}

/* The prepared statement (prepared on first use), reset and with bindings cleared. */
static struct db_stmt *lstmt(struct store *s, enum ledger_stmt_id id)
{
	struct store_ledger_stmts **lp = store_int_ledger(s);
	struct db_stmt **q;
	if (!*lp)
		*lp = xcalloc(1, sizeof **lp);
	q = &(*lp)->st[id];
	if (!*q) {
		if (!(*q = db_prepare(store_int_db(s), ledger_sql[id]))) {
			store_int_fail(s, "preparing a ledger statement");
			return NULL;
		}
	} else {
		db_reset(*q);
	}
	return *q;
}

/* Binds a string; NULL binds ''. */
static void bind_text(struct db_stmt *q, int i, const char *v)
{
	db_bind_text(q, i, v ? v : "");
}

/* A text column, "" for NULL. */
static const char *col(struct db_stmt *q, int i)
{
	const char *t = (const char *)db_column_text(q, i);
	return t ? t : "";
}

/* Steps a statement that returns no rows. */
static int run(struct store *s, struct db_stmt *q, const char *what)
{
	int rc = db_step(q);
	if (rc != DB_DONE && rc != DB_ROW) {
		store_int_fail(s, what);
		db_reset(q);
		return -1;
	}
	db_reset(q);
	return 0;
}

/* Steps an INSERT ... RETURNING id into *id. */
static int run_id(struct store *s, struct db_stmt *q, const char *what, int64_t *id)
{
	int rc = db_step(q);
	if (rc != DB_ROW) {
		store_int_fail(s, what);
		db_reset(q);
		return -1;
	}
	*id = db_column_int64(q, 0);
	rc = db_step(q);
	db_reset(q);
	if (rc != DB_DONE)
		return store_int_fail(s, what);
	return 0;
}

/* Steps a query of one integer into *out (0 without a row). */
static int one_int(struct store *s, struct db_stmt *q, int64_t *out, const char *what)
{
	int rc = db_step(q);
	*out = rc == DB_ROW ? db_column_int64(q, 0) : 0;
	if (rc != DB_ROW && rc != DB_DONE) {
		store_int_fail(s, what);
		db_reset(q);
		return -1;
	}
	db_reset(q);
	return 0;
}

/* Ends a walk: 0 when it ran to its end (or was stopped), else -1 naming what. */
static int walk_end(struct store *s, struct db_stmt *q, int rc, const char *what)
{
	if (rc != DB_DONE) {
		store_int_fail(s, what);
		db_reset(q);
		return -1;
	}
	db_reset(q);
	return 0;
}

static void entry_row(struct db_stmt *q, struct store_ledger_entry *e)
{
	e->id = db_column_int64(q, 0);
	e->day = col(q, 1);
	e->month = col(q, 2);
	e->kind = col(q, 3);
	e->part = col(q, 4);
	e->station = col(q, 5);
	e->village = col(q, 6);
	e->period = db_column_int64(q, 7);
	e->payer = col(q, 8);
	e->fen = db_column_int64(q, 9);
	e->parent = db_column_int64(q, 10);
	e->corrects = db_column_int64(q, 11);
	e->grp = db_column_int64(q, 12);
	e->ref = col(q, 13);
	e->note = col(q, 14);
	e->hash = col(q, 15);
}

int store_ledger_entry_append(struct store *s, const struct store_ledger_entry *e)
{
	struct db_stmt *q = lstmt(s, SL_ENTRY_APPEND);
	if (!q)
		return -1;
	db_bind_int64(q, 1, e->id);
	bind_text(q, 2, e->day);
	bind_text(q, 3, e->month);
	bind_text(q, 4, e->kind);
	bind_text(q, 5, e->part);
	bind_text(q, 6, e->station);
	bind_text(q, 7, e->village);
	db_bind_int64(q, 8, e->period);
	bind_text(q, 9, e->payer);
	db_bind_int64(q, 10, e->fen);
	db_bind_int64(q, 11, e->parent);
	db_bind_int64(q, 12, e->corrects);
	db_bind_int64(q, 13, e->grp);
	bind_text(q, 14, e->ref);
	bind_text(q, 15, e->note);
	bind_text(q, 16, e->hash);
	return run(s, q, "appending a ledger entry");
}

int store_ledger_entry_last_id(struct store *s, int64_t *id)
{
	struct db_stmt *q = lstmt(s, SL_ENTRY_LAST_ID);
	return q ? one_int(s, q, id, "reading the last ledger entry") : -1;
}

int store_ledger_entry_get(struct store *s, int64_t id,
                           void (*fn)(void *ctx, const struct store_ledger_entry *e), void *ctx)
{
	struct db_stmt *q = lstmt(s, SL_ENTRY_GET);
	struct store_ledger_entry e;
	int rc;
	if (!q)
		return -1;
	db_bind_int64(q, 1, id);
	rc = db_step(q);
	if (rc == DB_ROW) {
		entry_row(q, &e);
		fn(ctx, &e);
		db_reset(q);
		return 1;
	}
	return walk_end(s, q, rc, "reading a ledger entry");
}

int store_ledger_entries_each(struct store *s, const char *month,
                              int (*fn)(void *ctx, const struct store_ledger_entry *e), void *ctx)
{
	struct db_stmt *q = lstmt(s, month ? SL_ENTRIES_MONTH : SL_ENTRIES_ALL);
	struct store_ledger_entry e;
	int rc;
	if (!q)
		return -1;
	if (month)
		bind_text(q, 1, month);
	while ((rc = db_step(q)) == DB_ROW) {
		entry_row(q, &e);
		if (fn(ctx, &e)) {
			rc = DB_DONE;
			break;
		}
	}
	return walk_end(s, q, rc, "reading ledger entries");
}

int store_ledger_entries_first_month(struct store *s, char month[8])
{
	struct db_stmt *q = lstmt(s, SL_ENTRIES_FIRST_MONTH);
	int rc, found = 0;
	if (!q)
		return -1;
	rc = db_step(q);
	if (rc == DB_ROW && !db_column_null(q, 0)) {
		util_strlcpy(month, col(q, 0), 8);
		found = 1;
	}
	if (rc == DB_ROW)
		rc = DB_DONE;
	return walk_end(s, q, rc, "reading the first ledger month") < 0 ? -1 : found;
}

int store_ledger_corrections_sum(struct store *s, int64_t id, int64_t *fen)
{
	struct db_stmt *q = lstmt(s, SL_CORRECTIONS_SUM);
	if (!q)
		return -1;
	db_bind_int64(q, 1, id);
	return one_int(s, q, fen, "reading ledger corrections");
}

int store_ledger_accrued(struct store *s, const char *station, const char *village, int period,
                         const char *part, int64_t *fen, int64_t *last_id)
{
	struct db_stmt *q = lstmt(s, SL_ACCRUED);
	int rc;
	if (!q)
		return -1;
	bind_text(q, 1, station);
	bind_text(q, 2, village);
	db_bind_int64(q, 3, period);
	bind_text(q, 4, part);
	rc = db_step(q);
	*fen = rc == DB_ROW ? db_column_int64(q, 0) : 0;
	if (last_id)
		*last_id = rc == DB_ROW ? db_column_int64(q, 1) : 0;
	return walk_end(s, q,
	                rc == DB_ROW    ? DB_DONE
	                : rc == DB_DONE ? DB_ERROR
	                                : rc,
	                "reading ledger accruals");
}

int store_ledger_accruals_count(struct store *s, const char *station, int period, int64_t *n)
{
	struct db_stmt *q = lstmt(s, SL_ACCRUALS_COUNT);
	if (!q)
		return -1;
	bind_text(q, 1, station);
	db_bind_int64(q, 2, period);
	return one_int(s, q, n, "counting ledger accruals");
}

int store_ledger_village_owed(struct store *s, const char *station, const char *village, int period,
                              const char *part, int64_t *fen)
{
	struct db_stmt *q = lstmt(s, SL_VILLAGE_OWED);
	if (!q)
		return -1;
	bind_text(q, 1, station);
	bind_text(q, 2, village);
	db_bind_int64(q, 3, period);
	bind_text(q, 4, part);
	return one_int(s, q, fen, "reading what a village is owed");
}

int store_ledger_village_sum(struct store *s, const char *village, const char *kind,
                             const char *day, int64_t *fen)
{
	struct db_stmt *q = lstmt(s, SL_VILLAGE_SUM);
	if (!q)
		return -1;
	bind_text(q, 1, village);
	bind_text(q, 2, kind);
	bind_text(q, 3, day);
	return one_int(s, q, fen, "reading a village's account");
}

int store_ledger_outstanding_each(
    struct store *s, const char *part, const char *station, int first, int end,
    int (*fn)(void *ctx, const char *station, int period, int64_t fen), void *ctx)
{
	struct db_stmt *q = lstmt(s, SL_OUTSTANDING);
	int rc;
	if (!q)
		return -1;
	bind_text(q, 1, part);
	bind_text(q, 2, station);
	bind_text(q, 3, station);
	db_bind_int64(q, 4, first);
	db_bind_int64(q, 5, end);
	while ((rc = db_step(q)) == DB_ROW)
		if (fn(ctx, col(q, 0), (int)db_column_int64(q, 1), db_column_int64(q, 2))) {
			rc = DB_DONE;
			break;
		}
	return walk_end(s, q, rc, "reading outstanding ledger accruals");
}

int store_ledger_owed_each(struct store *s, const char *station, const char *village,
                           const char *as_of, int year_first, const char *day0, const char *day1,
                           int (*fn)(void *ctx, const struct store_ledger_owed *o), void *ctx)
{
	struct db_stmt *q = lstmt(s, village   ? SL_OWED_VILLAGE
	                             : station ? SL_OWED_STATION
	                                       : SL_OWED_ALL);
	struct store_ledger_owed o;
	int rc;
	if (!q)
		return -1;
	bind_text(q, 1, as_of);
	db_bind_int64(q, 2, year_first);
	bind_text(q, 3, day0);
	bind_text(q, 4, day1);
	if (village || station)
		bind_text(q, 5, village ? village : station);
	while ((rc = db_step(q)) == DB_ROW) {
		o.station = col(q, 0);
		o.period = (int)db_column_int64(q, 1);
		o.part = col(q, 2);
		o.payer = col(q, 3);
		o.accrued = db_column_int64(q, 4);
		o.received = db_column_int64(q, 5);
		o.accrued_year = db_column_int64(q, 6);
		o.received_year = db_column_int64(q, 7);
		if (fn(ctx, &o)) {
			rc = DB_DONE;
			break;
		}
	}
	return walk_end(s, q, rc, "reading ledger balances");
}

int store_ledger_uses_each(struct store *s, const char *station, const char *village,
                           const char *as_of, const char *day0, const char *day1,
                           int (*fn)(void *ctx, const char *kind, const char *part, int64_t fen,
                                     int64_t fen_year),
                           void *ctx)
{
	struct db_stmt *q = lstmt(s, village   ? SL_USES_VILLAGE
	                             : station ? SL_USES_STATION
	                                       : SL_USES_ALL);
	int rc;
	if (!q)
		return -1;
	bind_text(q, 1, day0);
	bind_text(q, 2, day1);
	bind_text(q, 3, as_of);
	if (village || station)
		bind_text(q, 4, village ? village : station);
	while ((rc = db_step(q)) == DB_ROW)
		if (fn(ctx, col(q, 0), col(q, 1), db_column_int64(q, 2), db_column_int64(q, 3))) {
			rc = DB_DONE;
			break;
		}
	return walk_end(s, q, rc, "reading ledger disbursements and uses");
}

/* 1 when a count query finds a row, 0 when it counts none, -1. */
static int known(struct store *s, struct db_stmt *q, const char *what)
{
	int64_t n;
	return one_int(s, q, &n, what) < 0 ? -1 : n > 0;
}

int store_ledger_receipt_known(struct store *s, const char *payer, const char *ref)
{
	struct db_stmt *q = lstmt(s, SL_RECEIPT_KNOWN);
	if (!q)
		return -1;
	bind_text(q, 1, payer);
	bind_text(q, 2, ref);
	return known(s, q, "reading ledger receipts");
}

int store_ledger_receipt_add(struct store *s, const char *day, const char *payer, const char *part,
                             const char *station, const char *period, int64_t fen, const char *ref,
                             int64_t *id)
{
	struct db_stmt *q = lstmt(s, SL_RECEIPT_ADD);
	if (!q)
		return -1;
	bind_text(q, 1, day);
	bind_text(q, 2, payer);
	bind_text(q, 3, part);
	bind_text(q, 4, station);
	bind_text(q, 5, period);
	db_bind_int64(q, 6, fen);
	bind_text(q, 7, ref);
	return run_id(s, q, "recording a receipt", id);
}

int store_ledger_receipt_get(struct store *s, int64_t id, struct store_ledger_receipt *out)
{
	struct db_stmt *q = lstmt(s, SL_RECEIPT_GET);
	int rc;
	if (!q)
		return -1;
	db_bind_int64(q, 1, id);
	rc = db_step(q);
	if (rc == DB_ROW) {
		memset(out, 0, sizeof *out);
		out->id = id;
		util_strlcpy(out->day, col(q, 0), sizeof out->day);
		util_strlcpy(out->payer, col(q, 1), sizeof out->payer);
		util_strlcpy(out->part, col(q, 2), sizeof out->part);
		util_strlcpy(out->station, col(q, 3), sizeof out->station);
		util_strlcpy(out->period, col(q, 4), sizeof out->period);
		out->fen = db_column_int64(q, 5);
		util_strlcpy(out->ref, col(q, 6), sizeof out->ref);
		db_reset(q);
		return 1;
	}
	return walk_end(s, q, rc, "reading a receipt");
}

int store_ledger_receipt_reversed(struct store *s, int64_t id)
{
	struct db_stmt *q = lstmt(s, SL_RECEIPT_REVERSED);
	if (!q)
		return -1;
	db_bind_int64(q, 1, id);
	return known(s, q, "reading receipt reversals");
}

int store_ledger_receipt_entries_each(struct store *s, int64_t id,
                                      int (*fn)(void *ctx, const struct store_ledger_entry *e),
                                      void *ctx)
{
	struct db_stmt *q = lstmt(s, SL_RECEIPT_ENTRIES);
	struct store_ledger_entry e;
	int rc;
	if (!q)
		return -1;
	db_bind_int64(q, 1, id);
	while ((rc = db_step(q)) == DB_ROW) {
		entry_row(q, &e);
		if (fn(ctx, &e)) {
			rc = DB_DONE;
			break;
		}
	}
	return walk_end(s, q, rc, "reading a receipt's entries");
}

int store_ledger_village_months_each(struct store *s, int period, const char *day0,
                                     const char *day1,
                                     int (*fn)(void *ctx, const struct store_ledger_village *v),
                                     void *ctx)
{
	struct db_stmt *q = lstmt(s, SL_VILLAGE_MONTHS);
	struct store_ledger_village v;
	char jan[16];
	int rc;
	if (!q)
		return -1;
	snprintf(jan, sizeof jan, "%.4s-01-01", day0);
	db_bind_int64(q, 1, period);
	db_bind_int64(q, 2, period - period % 12);
	bind_text(q, 3, day0);
	bind_text(q, 4, jan);
	bind_text(q, 5, day1);
	while ((rc = db_step(q)) == DB_ROW) {
		v.village = col(q, 0);
		v.accrued_month = db_column_int64(q, 1);
		v.accrued_ytd = db_column_int64(q, 2);
		v.received_month = db_column_int64(q, 3);
		v.received_ytd = db_column_int64(q, 4);
		v.outstanding = db_column_int64(q, 5);
		v.pending = db_column_int64(q, 6);
		if (fn(ctx, &v)) {
			rc = DB_DONE;
			break;
		}
	}
	return walk_end(s, q, rc, "reading the villages' ledger figures");
}

int store_ledger_village_received_each(struct store *s, const char *day0, const char *day1,
                                       int (*fn)(void *ctx, const char *village, const char *month,
                                                 int64_t fen),
                                       void *ctx)
{
	struct db_stmt *q = lstmt(s, SL_VILLAGE_RECEIVED_MONTHS);
	int rc;
	if (!q)
		return -1;
	bind_text(q, 1, day0);
	bind_text(q, 2, day1);
	while ((rc = db_step(q)) == DB_ROW)
		if (fn(ctx, col(q, 0), col(q, 1), db_column_int64(q, 2))) {
			rc = DB_DONE;
			break;
		}
	return walk_end(s, q, rc, "reading the villages' receipts");
}

int store_ledger_statement_file_known(struct store *s, const char *sha256)
{
	struct db_stmt *q = lstmt(s, SL_FILE_KNOWN);
	if (!q)
		return -1;
	bind_text(q, 1, sha256);
	return known(s, q, "reading imported statement files");
}

int store_ledger_statement_file_add(struct store *s, const char *name, const char *sha256,
                                    const char *day, int n_rows, int64_t *id)
{
	struct db_stmt *q = lstmt(s, SL_FILE_ADD);
	if (!q)
		return -1;
	bind_text(q, 1, name);
	bind_text(q, 2, sha256);
	bind_text(q, 3, day);
	db_bind_int64(q, 4, n_rows);
	return run_id(s, q, "recording a statement file", id);
}

int store_ledger_statement_file_changed(struct store *s, int64_t id, int n_changed)
{
	struct db_stmt *q = lstmt(s, SL_FILE_CHANGED);
	if (!q)
		return -1;
	db_bind_int64(q, 1, n_changed);
	db_bind_int64(q, 2, id);
	return run(s, q, "recording a statement file's changes");
}

int store_ledger_statement_add(struct store *s, const struct store_ledger_statement *r, int64_t *id)
{
	struct db_stmt *q = lstmt(s, SL_STATEMENT_ADD);
	if (!q)
		return -1;
	db_bind_int64(q, 1, r->file);
	db_bind_int64(q, 2, r->row);
	bind_text(q, 3, r->station);
	bind_text(q, 4, r->period);
	db_bind_int64(q, 5, r->first_month);
	db_bind_int64(q, 6, r->n_months);
	db_bind_int64(q, 7, r->settled_wh);
	db_bind_int64(q, 8, r->coal_fen);
	db_bind_int64(q, 9, r->subsidy_fen);
	db_bind_int64(q, 10, r->deduction_fen);
	bind_text(q, 11, r->reference);
	db_bind_int64(q, 12, r->metered_wh);
	db_bind_int64(q, 13, r->flagged);
	db_bind_int64(q, 14, r->supersedes);
	return run_id(s, q, "recording a statement row", id);
}

int store_ledger_statement_supersede(struct store *s, int64_t old, int64_t by)
{
	struct db_stmt *q = lstmt(s, SL_STATEMENT_SUPERSEDE);
	if (!q)
		return -1;
	db_bind_int64(q, 1, by);
	db_bind_int64(q, 2, old);
	return run(s, q, "superseding a statement row");
}

/* Columns of STATEMENT_COLS (and the file's name and day when files). */
static void statement_row(struct db_stmt *q, struct store_ledger_statement *r, int files)
{
	memset(r, 0, sizeof *r);
	r->id = db_column_int64(q, 0);
	r->file = db_column_int64(q, 1);
	r->row = (int)db_column_int64(q, 2);
	r->station = col(q, 3);
	r->period = col(q, 4);
	r->first_month = (int)db_column_int64(q, 5);
	r->n_months = (int)db_column_int64(q, 6);
	r->settled_wh = db_column_int64(q, 7);
	r->coal_fen = db_column_int64(q, 8);
	r->subsidy_fen = db_column_int64(q, 9);
	r->deduction_fen = db_column_int64(q, 10);
	r->reference = col(q, 11);
	r->metered_wh = db_column_int64(q, 12);
	r->flagged = (int)db_column_int64(q, 13);
	r->supersedes = db_column_int64(q, 14);
	r->superseded_by = db_column_int64(q, 15);
	r->file_name = files ? col(q, 16) : "";
	r->imported_day = files ? col(q, 17) : "";
}

/* Steps a bound statement query, calling fn per row until it returns non-zero. */
static int statements_walk(struct store *s, struct db_stmt *q, int files,
                           int (*fn)(void *ctx, const struct store_ledger_statement *r), void *ctx,
                           const char *what)
{
	struct store_ledger_statement r;
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		statement_row(q, &r, files);
		if (fn(ctx, &r)) {
			rc = DB_DONE;
			break;
		}
	}
	return walk_end(s, q, rc, what);
}

int store_ledger_statement_current(struct store *s, const char *station, int month,
                                   struct store_ledger_statement *out, char period[16])
{
	struct db_stmt *q = lstmt(s, SL_STATEMENT_CURRENT);
	int rc;
	if (!q)
		return -1;
	bind_text(q, 1, station);
	db_bind_int64(q, 2, month);
	db_bind_int64(q, 3, month);
	rc = db_step(q);
	if (rc == DB_ROW) {
		statement_row(q, out, 0);
		util_strlcpy(period, out->period, 16);
		out->period = out->station = out->reference = NULL; /* gone with the reset */
		db_reset(q);
		return 1;
	}
	return walk_end(s, q, rc, "reading statements");
}

int store_ledger_statements_overlapping(struct store *s, const char *station, int first, int end,
                                        int (*fn)(void *ctx,
                                                  const struct store_ledger_statement *r),
                                        void *ctx)
{
	struct db_stmt *q = lstmt(s, SL_STATEMENTS_OVERLAPPING);
	if (!q)
		return -1;
	bind_text(q, 1, station);
	db_bind_int64(q, 2, end);
	db_bind_int64(q, 3, first);
	return statements_walk(s, q, 0, fn, ctx, "reading statements");
}

int store_ledger_statements_each(struct store *s, const char *station,
                                 int (*fn)(void *ctx, const struct store_ledger_statement *r),
                                 void *ctx)
{
	struct db_stmt *q = lstmt(s, SL_STATEMENTS_EACH);
	if (!q)
		return -1;
	bind_text(q, 1, station);
	bind_text(q, 2, station);
	return statements_walk(s, q, 1, fn, ctx, "listing statements");
}

int store_ledger_seal_add(struct store *s, const struct store_ledger_seal *seal)
{
	struct db_stmt *q = lstmt(s, SL_SEAL_ADD);
	if (!q)
		return -1;
	bind_text(q, 1, seal->month);
	db_bind_int64(q, 2, seal->first_id);
	db_bind_int64(q, 3, seal->last_id);
	db_bind_int64(q, 4, seal->n_entries);
	bind_text(q, 5, seal->prev);
	bind_text(q, 6, seal->hash);
	bind_text(q, 7, seal->sealed_day);
	return run(s, q, "sealing a ledger month");
}

int store_ledger_seal_get(struct store *s, const char *month, char *buf, size_t size)
{
	struct db_stmt *q = lstmt(s, SL_SEAL_GET);
	int rc;
	if (!q)
		return -1;
	bind_text(q, 1, month);
	rc = db_step(q);
	if (rc == DB_ROW) {
		util_strlcpy(buf, col(q, 0), size);
		db_reset(q);
		return 1;
	}
	return walk_end(s, q, rc, "reading a ledger seal");
}

int store_ledger_seal_last(struct store *s, char month[8], char *hash, size_t size)
{
	struct db_stmt *q = lstmt(s, SL_SEAL_LAST);
	int rc;
	if (!q)
		return -1;
	rc = db_step(q);
	if (rc == DB_ROW) {
		util_strlcpy(month, col(q, 0), 8);
		util_strlcpy(hash, col(q, 1), size);
		db_reset(q);
		return 1;
	}
	return walk_end(s, q, rc, "reading the last ledger seal");
}

int store_ledger_sealed_since(struct store *s, const char *month, int64_t *n)
{
	struct db_stmt *q = lstmt(s, SL_SEALED_SINCE);
	if (!q)
		return -1;
	bind_text(q, 1, month);
	return one_int(s, q, n, "reading ledger seals");
}

int store_ledger_seals_each(struct store *s,
                            int (*fn)(void *ctx, const struct store_ledger_seal *seal), void *ctx)
{
	struct db_stmt *q = lstmt(s, SL_SEALS_EACH);
	struct store_ledger_seal seal;
	int rc;
	if (!q)
		return -1;
	while ((rc = db_step(q)) == DB_ROW) {
		seal.month = col(q, 0);
		seal.first_id = db_column_int64(q, 1);
		seal.last_id = db_column_int64(q, 2);
		seal.n_entries = db_column_int64(q, 3);
		seal.prev = col(q, 4);
		seal.hash = col(q, 5);
		seal.sealed_day = col(q, 6);
		if (fn(ctx, &seal)) {
			rc = DB_DONE;
			break;
		}
	}
	return walk_end(s, q, rc, "reading ledger seals");
}
