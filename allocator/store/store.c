/*
 * store: the central SQLite database. Owns the schema (docs/storage.md) and
 * its migrations and keeps every statement prepared; it never decides what a
 * reading means (that is rollup.c and ingest.c) and never commits on its own.
 */
#include "store.h"
#include "store_int.h"
#include "store_testing.h"
#include "db_int.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "store_ledger_schema.h"
#include "util.h"

/* Migration i takes a database from user_version i to i + 1. */
static const char *const migrations[] = {
    /* 0 -> 1: the first schema */
    "CREATE TABLE readings ("
    " gw TEXT NOT NULL, seq INTEGER NOT NULL, station TEXT NOT NULL, device TEXT NOT NULL,"
    " kind INTEGER NOT NULL, ts INTEGER NOT NULL, state INTEGER NOT NULL,"
    " ac_power_w INTEGER, energy_wh INTEGER, import_wh INTEGER, today_wh INTEGER,"
    " temp_c REAL, grid_hz REAL, alarms INTEGER, quality INTEGER NOT NULL DEFAULT 0,"
    " map TEXT, PRIMARY KEY (gw, seq)) WITHOUT ROWID;"
    "CREATE INDEX readings_device_ts ON readings (station, device, ts);"
    "CREATE TABLE rejected ("
    " id INTEGER PRIMARY KEY, received_ms INTEGER NOT NULL, topic TEXT NOT NULL,"
    " payload BLOB NOT NULL, reason TEXT NOT NULL, gw TEXT, seq INTEGER);"
    "CREATE UNIQUE INDEX rejected_gw_seq ON rejected (gw, seq) WHERE seq IS NOT NULL;"
    "CREATE TABLE gateways ("
    " gw TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL DEFAULT 0,"
    " max_seq INTEGER NOT NULL DEFAULT 0, lost_seqs INTEGER NOT NULL DEFAULT 0,"
    " last_ms INTEGER, status TEXT, version TEXT, backlog INTEGER,"
    " dropped_total INTEGER NOT NULL DEFAULT 0, spool_min_seq INTEGER NOT NULL DEFAULT 0,"
    " rejects INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE daily ("
    " station TEXT NOT NULL, device TEXT NOT NULL, day INTEGER NOT NULL,"
    " kind INTEGER NOT NULL, n_readings INTEGER NOT NULL,"
    " first_ts INTEGER, first_wh INTEGER, last_ts INTEGER, last_wh INTEGER,"
    " delta_wh INTEGER NOT NULL DEFAULT 0, resets INTEGER NOT NULL DEFAULT 0,"
    " excluded INTEGER NOT NULL DEFAULT 0, peak_w INTEGER,"
    " asleep_s INTEGER NOT NULL DEFAULT 0, offline_s INTEGER NOT NULL DEFAULT 0,"
    " fault_s INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (station, device, day)) WITHOUT ROWID;"
    "CREATE TABLE hourly ("
    " station TEXT NOT NULL, device TEXT NOT NULL, day INTEGER NOT NULL,"
    " hour INTEGER NOT NULL, wh INTEGER NOT NULL DEFAULT 0, n INTEGER NOT NULL DEFAULT 0,"
    " peak_w INTEGER, PRIMARY KEY (station, device, day, hour)) WITHOUT ROWID;",
    /* 1 -> 2: the ledger (docs/ledger.md) */
    LEDGER_SCHEMA_SQL,
    /* 2 -> 3: alerts (allocator/ingest/alerts.c) */
    "CREATE TABLE alerts ("
    " id TEXT PRIMARY KEY, rule TEXT NOT NULL, severity TEXT NOT NULL,"
    " gw TEXT, station TEXT, device TEXT, start_ms INTEGER NOT NULL, end_ms INTEGER,"
    " updated_ms INTEGER NOT NULL, value INTEGER NOT NULL DEFAULT 0,"
    " retained INTEGER NOT NULL DEFAULT 1);"
    "CREATE INDEX alerts_end ON alerts (end_ms);",
    /* 3 -> 4: the alarm bits seen each day, and the map that names them */
    "ALTER TABLE daily ADD COLUMN alarms INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE daily ADD COLUMN alarm_map TEXT;",
    /* 4 -> 5: the village an alert is about; ingest's own counters for /metrics */
    "ALTER TABLE alerts ADD COLUMN village TEXT;"
    "CREATE TABLE ingest_stats ("
    " worker TEXT PRIMARY KEY, started_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    " stored INTEGER NOT NULL, duplicates INTEGER NOT NULL, rejected INTEGER NOT NULL,"
    " statuses INTEGER NOT NULL, batches INTEGER NOT NULL, failures INTEGER NOT NULL,"
    " batch_rows INTEGER NOT NULL, last_batch_rows INTEGER NOT NULL,"
    " commit_us INTEGER NOT NULL, commit_hist TEXT NOT NULL);",
};

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_READING_INSERT,
	ST_REJECTED_INSERT,
	ST_GATEWAY_GET,
	ST_GATEWAY_PUT,
	ST_GATEWAY_EACH,
	ST_GATEWAY_SEQS,
	ST_DAILY_GET,
	ST_DAILY_PUT,
	ST_DAILY_LATEST,
	ST_HOURLY_GET,
	ST_HOURLY_PUT,
	ST_DAILY_DELETE,
	ST_HOURLY_DELETE,
	ST_LAST_ANY,
	ST_LAST_GOOD,
	ST_RANGE,
	ST_FIRST,
	ST_N_SINCE,
	ST_LAST_PRODUCED,
	ST_PRUNE_DEVICES,
	ST_PRUNE_DEVICE,
	ST_PRUNE_REJECTED,
	/* the status queries (store_device_state and after) */
	ST_S_LAST,
	ST_S_RUN,
	ST_S_FIRST,
	ST_S_LAST_DAILY,
	ST_S_LAST_HOURLY,
	ST_S_BEFORE,
	ST_S_HOURLY,
	ST_S_DAILY_N,
	ST_S_REJECTS,
	ST_ALERT_INSERT,
	ST_ALERT_UPDATE,
	ST_ALERT_CLEAR,
	ST_ALERT_UNRETAIN,
	ST_ALERT_GET,
	ST_ALERT_LIST,
	ST_ALERT_RETAINED,
	ST_ALERT_MAX_VALUE,
	ST_STATE_SINCE,
	ST_REJECTED_COUNT,
	ST_ISTATS_PUT,
	ST_ISTATS_EACH,
	ST_COUNT
};

#define READING_COLS                                                                               \
	"gw, seq, station, device, kind, ts, state, ac_power_w, energy_wh, import_wh, today_wh,"   \
	" temp_c, grid_hz, alarms, quality, map"
/* Counter flags that make a reading unusable for energy: zero, jump, sentinel. */
#define BAD_COUNTER_SQL "13"
#define BAD_COUNTER (QUALITY_COUNTER_ZERO | QUALITY_COUNTER_JUMP | QUALITY_SENTINEL)

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_READING_INSERT] = "INSERT OR IGNORE INTO readings (" READING_COLS ")"
                          " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_REJECTED_INSERT] = "INSERT OR IGNORE INTO rejected (received_ms, topic, payload,"
                           " reason, gw, seq) VALUES (?,?,?,?,?,?)",
    [ST_GATEWAY_GET] = "SELECT gw, acked_seq, max_seq, lost_seqs, last_ms, status, version,"
                       " backlog, dropped_total, spool_min_seq, rejects FROM gateways WHERE gw = ?",
    [ST_GATEWAY_PUT] = "INSERT OR REPLACE INTO gateways (gw, acked_seq, max_seq, lost_seqs,"
                       " last_ms, status, version, backlog, dropped_total, spool_min_seq, rejects)"
                       " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    [ST_GATEWAY_EACH] = "SELECT gw, acked_seq, max_seq, lost_seqs, last_ms, status, version,"
                        " backlog, dropped_total, spool_min_seq, rejects FROM gateways ORDER BY gw",
    [ST_GATEWAY_SEQS] = "SELECT seq FROM readings WHERE gw = ?1 AND seq > ?2 UNION "
                        "SELECT seq FROM rejected WHERE gw = ?1 AND seq > ?2 ORDER BY 1",
    [ST_DAILY_GET] = "SELECT day, kind, n_readings, first_ts, first_wh, last_ts, last_wh,"
                     " delta_wh, resets, excluded, peak_w, asleep_s, offline_s, fault_s, alarms,"
                     " alarm_map FROM daily WHERE station = ? AND device = ? AND day = ?",
    [ST_DAILY_LATEST] = "SELECT day, kind, n_readings, first_ts, first_wh, last_ts, last_wh,"
                        " delta_wh, resets, excluded, peak_w, asleep_s, offline_s, fault_s, alarms,"
                        " alarm_map FROM daily WHERE station = ? AND device = ?"
                        " AND last_ts IS NOT NULL"
                        " ORDER BY day DESC LIMIT 1",
    [ST_DAILY_PUT] = "INSERT OR REPLACE INTO daily (station, device, day, kind, n_readings,"
                     " first_ts, first_wh, last_ts, last_wh, delta_wh, resets, excluded, peak_w,"
                     " asleep_s, offline_s, fault_s, alarms, alarm_map)"
                     " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_HOURLY_GET] = "SELECT day, hour, wh, n, peak_w FROM hourly"
                      " WHERE station = ? AND device = ? AND day = ? AND hour = ?",
    [ST_HOURLY_PUT] = "INSERT OR REPLACE INTO hourly (station, device, day, hour, wh, n, peak_w)"
                      " VALUES (?,?,?,?,?,?,?)",
    [ST_DAILY_DELETE] =
        "DELETE FROM daily WHERE station = ? AND device = ? AND day BETWEEN ? AND ?",
    [ST_HOURLY_DELETE] = "DELETE FROM hourly WHERE station = ? AND device = ?"
                         " AND day BETWEEN ? AND ?",
    [ST_LAST_ANY] = "SELECT " READING_COLS " FROM readings WHERE station = ?1 AND device = ?2"
                    " AND (ts, gw, seq) < (?3, ?4, ?5) ORDER BY ts DESC, gw DESC, seq DESC LIMIT 1",
    [ST_LAST_GOOD] = "SELECT " READING_COLS " FROM readings WHERE station = ?1 AND device = ?2"
                     " AND (ts, gw, seq) < (?3, ?4, ?5) AND energy_wh IS NOT NULL"
                     " AND (quality & " BAD_COUNTER_SQL ") = 0"
                     " ORDER BY ts DESC, gw DESC, seq DESC LIMIT 1",
    [ST_RANGE] = "SELECT " READING_COLS " FROM readings WHERE station = ? AND device = ?"
                 " AND ts >= ? AND ts < ? ORDER BY ts, gw, seq",
    [ST_FIRST] = "SELECT " READING_COLS " FROM readings WHERE station = ? AND device = ?"
                 " ORDER BY ts, gw, seq LIMIT 1",
    [ST_N_SINCE] = "SELECT coalesce(sum(n_readings), 0) FROM daily"
                   " WHERE station = ? AND device = ? AND day >= ?",
    [ST_LAST_PRODUCED] = "SELECT max(day) FROM daily WHERE station = ? AND device = ?"
                         " AND day BETWEEN ? AND ? AND delta_wh > 0",
    [ST_PRUNE_DEVICES] = "SELECT DISTINCT station, device FROM daily",
    [ST_PRUNE_DEVICE] = "DELETE FROM readings WHERE station = ? AND device = ? AND ts < ?",
    [ST_PRUNE_REJECTED] = "DELETE FROM rejected WHERE received_ms < ?",
    [ST_S_LAST] = "SELECT ts, state FROM readings WHERE station = ?1 AND device = ?2"
                  " AND ts <= ?3 ORDER BY ts DESC LIMIT 1",
    /* the first reading after the last one in another state: where the current run began */
    [ST_S_RUN] = "SELECT min(ts) FROM readings WHERE station = ?1 AND device = ?2 AND ts >"
                 " coalesce((SELECT ts FROM readings WHERE station = ?1 AND device = ?2"
                 " AND state <> ?3 AND ts <= ?4 ORDER BY ts DESC LIMIT 1), -1)",
    [ST_S_FIRST] = "SELECT min(ts) FROM readings WHERE station = ?1 AND device = ?2"
                   " AND ts >= ?3 AND ts <= ?4",
    [ST_S_LAST_DAILY] = "SELECT day, last_ts FROM daily WHERE station = ?1 AND device = ?2"
                        " AND day <= ?3 ORDER BY day DESC LIMIT 1",
    [ST_S_LAST_HOURLY] = "SELECT day, hour FROM hourly WHERE station = ?1 AND device = ?2"
                         " AND day <= ?3 ORDER BY day DESC, hour DESC LIMIT 1",
    [ST_S_BEFORE] = "SELECT 1 FROM daily WHERE station = ?1 AND device = ?2 AND day < ?3 LIMIT 1",
    [ST_S_HOURLY] = "SELECT day, hour, n FROM hourly WHERE station = ?1 AND device = ?2"
                    " AND day >= ?3 AND day <= ?4 ORDER BY day, hour",
    [ST_S_DAILY_N] = "SELECT day, n_readings FROM daily WHERE station = ?1 AND device = ?2"
                     " AND day >= ?3 AND day <= ?4 ORDER BY day",
    [ST_S_REJECTS] = "SELECT gw, count(*) FROM rejected WHERE received_ms >= ?1"
                     " AND gw IS NOT NULL GROUP BY gw",
#define ALERT_COLS                                                                                 \
	"id, rule, severity, gw, station, device, start_ms, end_ms, updated_ms, value, retained,"  \
	" village"
    [ST_ALERT_INSERT] = "INSERT INTO alerts (" ALERT_COLS ")"
                        " VALUES (?,?,?,?,?,?,?,NULL,?,?,1,?) ON CONFLICT (id) DO NOTHING",
    [ST_ALERT_UPDATE] = "UPDATE alerts SET value = ?2, updated_ms = ?3 WHERE id = ?1",
    [ST_ALERT_CLEAR] = "UPDATE alerts SET end_ms = ?2, updated_ms = ?2 WHERE id = ?1",
    [ST_ALERT_UNRETAIN] = "UPDATE alerts SET retained = 0 WHERE id = ?1",
    [ST_ALERT_GET] = "SELECT " ALERT_COLS " FROM alerts WHERE id = ?",
    [ST_ALERT_LIST] = "SELECT " ALERT_COLS " FROM alerts"
                      " WHERE (?1 = 0 OR end_ms IS NULL) AND (?2 IS NULL OR station = ?2)"
                      " AND (?3 IS NULL OR gw = ?3)"
                      " ORDER BY end_ms IS NOT NULL, start_ms DESC, id LIMIT ?4",
    [ST_ALERT_RETAINED] = "SELECT " ALERT_COLS " FROM alerts WHERE retained = 1",
    [ST_ALERT_MAX_VALUE] = "SELECT coalesce(max(value), 0) FROM alerts WHERE rule = ? AND gw = ?",
    [ST_STATE_SINCE] = "SELECT ts FROM readings WHERE station = ?1 AND device = ?2"
                       " AND ts > (SELECT coalesce(max(ts), 0) FROM readings"
                       " WHERE station = ?1 AND device = ?2 AND state != ?3)"
                       " ORDER BY ts LIMIT 1",
    [ST_REJECTED_COUNT] = "SELECT count(*) FROM rejected",
#define ISTATS_COLS                                                                                \
	"worker, started_ms, updated_ms, stored, duplicates, rejected, statuses, batches,"         \
	" failures, batch_rows, last_batch_rows, commit_us, commit_hist"
    [ST_ISTATS_PUT] = "INSERT INTO ingest_stats (" ISTATS_COLS ")"
                      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (worker) DO UPDATE SET"
                      " started_ms = excluded.started_ms, updated_ms = excluded.updated_ms,"
                      " stored = excluded.stored, duplicates = excluded.duplicates,"
                      " rejected = excluded.rejected, statuses = excluded.statuses,"
                      " batches = excluded.batches, failures = excluded.failures,"
                      " batch_rows = excluded.batch_rows,"
                      " last_batch_rows = excluded.last_batch_rows,"
                      " commit_us = excluded.commit_us, commit_hist = excluded.commit_hist",
    [ST_ISTATS_EACH] = "SELECT " ISTATS_COLS " FROM ingest_stats ORDER BY worker",
};

struct store {
	struct db *db;
	char *path;
	char *err;
	int transient;
	int readonly;
	struct db_stmt *st[ST_COUNT];
	struct store_ledger_stmts *ledger; /* store_ledger.c's */
};

/* Records "path: what: engine message" as the last error; returns -1. */
static int fail(struct store *s, const char *what)
{
	free(s->err);
	s->transient = s->db ? db_transient(s->db) : 0;
	s->err = xasprintf("%s: %s: %s", s->path, what, s->db ? db_errmsg(s->db) : "no database");
	return -1;
}

/* Returns the prepared statement, reset and with bindings cleared. */
static struct db_stmt *stmt(struct store *s, enum stmt_id id)
{
	if (!s->st[id]) {
		if (!(s->st[id] = db_prepare(s->db, stmt_sql[id]))) {
			fail(s, "preparing a statement");
			return NULL;
		}
	} else {
		db_reset(s->st[id]);
	}
	return s->st[id];
}

/* Steps a statement that returns no rows. */
static int run(struct store *s, struct db_stmt *q, const char *what)
{
	int rc = db_step(q);
	if (rc == DB_ERROR) {
		fail(s, what);
		db_reset(q);
		return -1;
	}
	db_reset(q);
	return 0;
}

/* Runs SQL text without results (pragmas, migrations). */
static int exec(struct store *s, const char *sql, const char *what)
{
	if (db_exec(s->db, sql) < 0)
		return fail(s, what);
	return 0;
}

/* Reads PRAGMA user_version. */
static int user_version(struct store *s, int *out)
{
	struct db_stmt *q = NULL;
	int rc = -1;
	if (!(q = db_prepare(s->db, "PRAGMA user_version")) || db_step(q) != DB_ROW) {
		fail(s, "reading the schema version");
		goto done;
	}
	*out = (int)db_column_int64(q, 0);
	rc = 0;
done:
	db_finalize(q);
	return rc;
}

/* Applies the migrations the file lacks, in one transaction. */
static int migrate(struct store *s)
{
	int v, i;
	char sql[64];
	if (exec(s, "BEGIN IMMEDIATE", "starting the migration") < 0)
		return -1;
	if (user_version(s, &v) < 0)
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		free(s->err);
		s->err = xasprintf("%s: schema version %d is newer than this pvmon's %d", s->path,
		                   v, STORE_SCHEMA_VERSION);
		s->transient = 0;
		goto fail;
	}
	for (i = v; i < STORE_SCHEMA_VERSION; i++)
		if (exec(s, migrations[i], "migrating the schema") < 0)
			goto fail;
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	if (exec(s, sql, "setting the schema version") < 0 || exec(s, "COMMIT", "committing") < 0)
		goto fail;
	return 0;
fail:
	db_exec(s->db, "ROLLBACK");
	return -1;
}

/* Opens the database; on failure frees everything and sets *cause. */
static struct store *open_db(const char *path, int readonly, char **cause)
{
	struct store *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->readonly = readonly;
	s->db = db_open(path, readonly, !readonly, NULL, cause);
	if (!s->db) {
		store_close(s);
		return NULL;
	}
	return s;
}

struct store *store_open(const char *path, char **cause)
{
	struct store *s = open_db(path, 0, cause);
	if (!s)
		return NULL;
	/* WAL lets status and report read while ingest writes; FULL syncs the WAL on commit */
	if (exec(s, "PRAGMA journal_mode = WAL", "switching to WAL") < 0 ||
	    exec(s, "PRAGMA synchronous = FULL", "setting synchronous") < 0 ||
	    exec(s, "PRAGMA cache_size = -32768", "setting the cache size") < 0 || migrate(s) < 0) {
		*cause = xstrdup(s->err);
		store_close(s);
		return NULL;
	}
	return s;
}

struct store *store_open_readonly(const char *path, char **cause)
{
	struct store *s = open_db(path, 1, cause);
	int v;
	if (!s)
		return NULL;
	if (user_version(s, &v) < 0) {
		*cause = xstrdup(s->err);
		store_close(s);
		return NULL;
	}
	if (v != STORE_SCHEMA_VERSION) {
		*cause = xasprintf("%s: schema version %d, expected %d (run pvmon-allocator ingest "
		                   "once to create or upgrade it)",
		                   path, v, STORE_SCHEMA_VERSION);
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	int i;
	if (!s)
		return;
	for (i = 0; i < ST_COUNT; i++)
		db_finalize(s->st[i]);
	store_ledger_stmts_free(s->ledger);
	db_close(s->db);
	free(s->path);
	free(s->err);
	free(s);
}

/* For unit tests only (store_testing.h). */
sqlite3 *store_testing_db(struct store *s)
{
	return db_sqlite_handle(s->db);
}

struct db *store_int_db(struct store *s)
{
	return s->db;
}

int store_int_fail(struct store *s, const char *what)
{
	return fail(s, what);
}

struct store_ledger_stmts **store_int_ledger(struct store *s)
{
	return &s->ledger;
}

const char *store_error(const struct store *s)
{
	return s->err ? s->err : "no error";
}

int store_error_transient(const struct store *s)
{
	return s->transient;
}

int store_begin(struct store *s)
{
	struct db_stmt *q = stmt(s, ST_BEGIN);
	return q ? run(s, q, "beginning a transaction") : -1;
}

int store_commit(struct store *s)
{
	struct db_stmt *q = stmt(s, ST_COMMIT);
	return q ? run(s, q, "committing") : -1;
}

void store_rollback(struct store *s)
{
	struct db_stmt *q;
	if (!db_in_transaction(s->db))
		return;
	q = stmt(s, ST_ROLLBACK);
	if (q)
		db_step(q), db_reset(q);
}

/* Binds an optional integer: NULL when absent. */
static void bind_opt(struct db_stmt *q, int i, int present, int64_t v)
{
	if (present)
		db_bind_int64(q, i, v);
	else
		db_bind_null(q, i);
}

int store_reading_insert(struct store *s, const struct reading *r)
{
	struct db_stmt *q = stmt(s, ST_READING_INSERT);
	if (!q)
		return -1;
	db_bind_text(q, 1, r->gw);
	db_bind_int64(q, 2, (int64_t)r->seq);
	db_bind_text(q, 3, r->station);
	db_bind_text(q, 4, r->device);
	db_bind_int64(q, 5, (int)r->kind);
	db_bind_int64(q, 6, r->ts_ms);
	db_bind_int64(q, 7, (int)r->state);
	bind_opt(q, 8, r->has & READING_HAS_POWER, r->ac_power_w);
	bind_opt(q, 9, r->has & READING_HAS_ENERGY, r->energy_wh);
	bind_opt(q, 10, r->has & READING_HAS_IMPORT, r->import_wh);
	bind_opt(q, 11, r->has & READING_HAS_TODAY, r->today_wh);
	if (r->has & READING_HAS_TEMP)
		db_bind_double(q, 12, r->temp_c);
	if (r->has & READING_HAS_HZ)
		db_bind_double(q, 13, r->grid_hz);
	bind_opt(q, 14, r->has & READING_HAS_ALARMS, (int64_t)r->alarms);
	db_bind_int64(q, 15, (int)r->quality);
	if (r->map[0])
		db_bind_text(q, 16, r->map);
	if (run(s, q, "storing a reading") < 0)
		return -1;
	return db_changes(s->db) > 0 ? 1 : 0;
}

int store_rejected_insert(struct store *s, int64_t received_ms, const char *topic,
                          const void *payload, size_t len, const char *reason, const char *gw,
                          int64_t seq)
{
	struct db_stmt *q = stmt(s, ST_REJECTED_INSERT);
	if (!q)
		return -1;
	db_bind_int64(q, 1, received_ms);
	db_bind_text(q, 2, topic);
	db_bind_blob(q, 3, payload, len);
	db_bind_text(q, 4, reason);
	if (gw)
		db_bind_text(q, 5, gw);
	if (gw && seq > 0)
		db_bind_int64(q, 6, seq);
	if (run(s, q, "storing a rejected payload") < 0)
		return -1;
	return db_changes(s->db) > 0 ? 1 : 0;
}

/* Copies a text column into buf ("" for NULL). */
static void col_text(struct db_stmt *q, int i, char *buf, size_t size)
{
	const char *t = db_column_text(q, i);
	util_strlcpy(buf, t ? t : "", size);
}

/* Fills a gateway row from the columns of ST_GATEWAY_GET/EACH. */
static void gateway_row(struct db_stmt *q, struct store_gateway *g)
{
	memset(g, 0, sizeof *g);
	col_text(q, 0, g->gw, sizeof g->gw);
	g->acked_seq = db_column_int64(q, 1);
	g->max_seq = db_column_int64(q, 2);
	g->lost_seqs = db_column_int64(q, 3);
	g->last_ms = db_column_int64(q, 4);
	col_text(q, 5, g->status, sizeof g->status);
	col_text(q, 6, g->version, sizeof g->version);
	g->backlog = db_column_null(q, 7) ? -1 : db_column_int64(q, 7);
	g->dropped_total = db_column_int64(q, 8);
	g->spool_min_seq = db_column_int64(q, 9);
	g->rejects = db_column_int64(q, 10);
}

int store_gateway_get(struct store *s, const char *gw, struct store_gateway *out)
{
	struct db_stmt *q = stmt(s, ST_GATEWAY_GET);
	int rc;
	if (!q)
		return -1;
	db_bind_text(q, 1, gw);
	rc = db_step(q);
	if (rc == DB_ROW) {
		gateway_row(q, out);
		db_reset(q);
		return 1;
	}
	db_reset(q);
	if (rc != DB_DONE)
		return fail(s, "reading a gateway");
	memset(out, 0, sizeof *out);
	util_strlcpy(out->gw, gw, sizeof out->gw);
	out->backlog = -1;
	return 0;
}

int store_gateway_put(struct store *s, const struct store_gateway *g)
{
	struct db_stmt *q = stmt(s, ST_GATEWAY_PUT);
	if (!q)
		return -1;
	db_bind_text(q, 1, g->gw);
	db_bind_int64(q, 2, g->acked_seq);
	db_bind_int64(q, 3, g->max_seq);
	db_bind_int64(q, 4, g->lost_seqs);
	bind_opt(q, 5, g->last_ms != 0, g->last_ms);
	if (g->status[0])
		db_bind_text(q, 6, g->status);
	if (g->version[0])
		db_bind_text(q, 7, g->version);
	bind_opt(q, 8, g->backlog >= 0, g->backlog);
	db_bind_int64(q, 9, g->dropped_total);
	db_bind_int64(q, 10, g->spool_min_seq);
	db_bind_int64(q, 11, g->rejects);
	return run(s, q, "storing a gateway");
}

int store_gateway_each(struct store *s, int (*fn)(void *ctx, const struct store_gateway *g),
                       void *ctx)
{
	struct db_stmt *q = stmt(s, ST_GATEWAY_EACH);
	struct store_gateway g;
	int rc;
	if (!q)
		return -1;
	while ((rc = db_step(q)) == DB_ROW) {
		gateway_row(q, &g);
		if (fn(ctx, &g)) {
			rc = DB_DONE;
			break;
		}
	}
	db_reset(q);
	return rc == DB_DONE ? 0 : fail(s, "listing gateways");
}

int store_gateway_seqs(struct store *s, const char *gw, int64_t after,
                       void (*fn)(void *ctx, int64_t seq), void *ctx)
{
	struct db_stmt *q = stmt(s, ST_GATEWAY_SEQS);
	int rc;
	if (!q)
		return -1;
	db_bind_text(q, 1, gw);
	db_bind_int64(q, 2, after);
	while ((rc = db_step(q)) == DB_ROW)
		fn(ctx, db_column_int64(q, 0));
	db_reset(q);
	return rc == DB_DONE ? 0 : fail(s, "listing a gateway's seqs");
}

/* Reads an optional integer column into *v and returns whether it was set. */
static int col_opt(struct db_stmt *q, int i, int64_t *v)
{
	if (db_column_null(q, i)) {
		*v = 0;
		return 0;
	}
	*v = db_column_int64(q, i);
	return 1;
}

/* Copies a nullable alarm_map column into d (empty when NULL). */
static void copy_map(struct store_daily *d, struct db_stmt *q, int i)
{
	const char *t = db_column_text(q, i);
	snprintf(d->alarm_map, sizeof d->alarm_map, "%s", t ? t : "");
}

/* Runs a daily SELECT (ST_DAILY_GET or ST_DAILY_LATEST, already bound) into *d. */
static int daily_row(struct store *s, struct db_stmt *q, struct store_daily *d)
{
	int rc = db_step(q);
	if (rc == DB_ROW) {
		int64_t t;
		memset(d, 0, sizeof *d);
		d->day = (int)db_column_int64(q, 0);
		d->kind = (int)db_column_int64(q, 1);
		d->n_readings = db_column_int64(q, 2);
		d->has_first = col_opt(q, 3, &d->first_ts);
		col_opt(q, 4, &d->first_wh);
		d->has_last = col_opt(q, 5, &d->last_ts);
		col_opt(q, 6, &d->last_wh);
		d->delta_wh = db_column_int64(q, 7);
		d->resets = db_column_int64(q, 8);
		d->excluded = db_column_int64(q, 9);
		d->has_peak = col_opt(q, 10, &t);
		d->peak_w = t;
		d->asleep_s = db_column_int64(q, 11);
		d->offline_s = db_column_int64(q, 12);
		d->fault_s = db_column_int64(q, 13);
		d->alarms = (uint64_t)db_column_int64(q, 14);
		copy_map(d, q, 15);
	}
	db_reset(q);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : fail(s, "reading a daily roll-up");
}

int store_daily_get(struct store *s, const char *station, const char *device, int32_t day,
                    struct store_daily *d)
{
	struct db_stmt *q = stmt(s, ST_DAILY_GET);
	if (!q)
		return -1;
	db_bind_text(q, 1, station);
	db_bind_text(q, 2, device);
	db_bind_int64(q, 3, day);
	return daily_row(s, q, d);
}

int store_daily_latest(struct store *s, const char *station, const char *device,
                       struct store_daily *d)
{
	struct db_stmt *q = stmt(s, ST_DAILY_LATEST);
	if (!q)
		return -1;
	db_bind_text(q, 1, station);
	db_bind_text(q, 2, device);
	return daily_row(s, q, d);
}

int store_daily_put(struct store *s, const char *station, const char *device,
                    const struct store_daily *d)
{
	struct db_stmt *q = stmt(s, ST_DAILY_PUT);
	if (!q)
		return -1;
	db_bind_text(q, 1, station);
	db_bind_text(q, 2, device);
	db_bind_int64(q, 3, d->day);
	db_bind_int64(q, 4, d->kind);
	db_bind_int64(q, 5, d->n_readings);
	bind_opt(q, 6, d->has_first, d->first_ts);
	bind_opt(q, 7, d->has_first, d->first_wh);
	bind_opt(q, 8, d->has_last, d->last_ts);
	bind_opt(q, 9, d->has_last, d->last_wh);
	db_bind_int64(q, 10, d->delta_wh);
	db_bind_int64(q, 11, d->resets);
	db_bind_int64(q, 12, d->excluded);
	bind_opt(q, 13, d->has_peak, d->peak_w);
	db_bind_int64(q, 14, d->asleep_s);
	db_bind_int64(q, 15, d->offline_s);
	db_bind_int64(q, 16, d->fault_s);
	db_bind_int64(q, 17, (int64_t)d->alarms);
	if (d->alarm_map[0])
		db_bind_text(q, 18, d->alarm_map);
	return run(s, q, "storing a daily roll-up");
}

/* Fills the ranges' temporary table (on the connection: a read-only file allows it). */
static int ranges_table(struct store *s, const struct store_day_range *rg, int n)
{
	static const char ddl[] =
	    "CREATE TEMP TABLE IF NOT EXISTS day_ranges (seq INTEGER PRIMARY KEY,"
	    " station TEXT NOT NULL, device TEXT NOT NULL,"
	    " from_day INTEGER NOT NULL, to_day INTEGER NOT NULL);"
	    "DELETE FROM temp.day_ranges";
	static const char ins[] = "INSERT INTO temp.day_ranges VALUES (?, ?, ?, ?, ?)";
	struct db_stmt *q = NULL;
	int i, rc = -1;

	if (db_exec(s->db, ddl) < 0 || !(q = db_prepare(s->db, ins)))
		goto fail;
	for (i = 0; i < n; i++) {
		db_bind_int64(q, 1, i);
		db_bind_text(q, 2, rg[i].station);
		db_bind_text(q, 3, rg[i].device);
		db_bind_int64(q, 4, rg[i].from);
		db_bind_int64(q, 5, rg[i].to);
		if (db_step(q) != DB_DONE)
			goto fail;
		db_reset(q);
	}
	rc = 0;
fail:
	if (rc < 0)
		fail(s, "listing the devices to read");
	db_finalize(q);
	return rc;
}

/*
 * Widens each range to the device's last good counter reading before it and its
 * first one after it, at most reach days away (0: no bound). Each is one seek
 * down or up the daily primary key: the cost does not grow with the history.
 */
static int ranges_widen(struct store *s, int32_t reach)
{
	static const char sql[] =
	    "UPDATE temp.day_ranges SET"
	    " from_day = ifnull((SELECT t.day FROM daily AS t"
	    " WHERE t.station = day_ranges.station AND t.device = day_ranges.device"
	    " AND t.day < day_ranges.from_day AND t.day >= day_ranges.from_day - ?1"
	    " AND t.last_ts IS NOT NULL AND t.last_wh IS NOT NULL"
	    " ORDER BY t.day DESC LIMIT 1), from_day),"
	    " to_day = ifnull((SELECT t.day FROM daily AS t"
	    " WHERE t.station = day_ranges.station AND t.device = day_ranges.device"
	    " AND t.day > day_ranges.to_day AND t.day <= day_ranges.to_day + ?1"
	    " AND t.first_ts IS NOT NULL AND t.first_wh IS NOT NULL"
	    " ORDER BY t.day LIMIT 1), to_day)";
	struct db_stmt *q = NULL;
	int rc = -1;

	if (!(q = db_prepare(s->db, sql)))
		goto done;
	/* days are int32; a bound past any calendar stands for none */
	db_bind_int64(q, 1, reach > 0 ? reach : INT64_C(1) << 40);
	if (db_step(q) != DB_DONE)
		goto done;
	rc = 0;
done:
	if (rc < 0)
		fail(s, "finding the readings around the days to read");
	db_finalize(q);
	return rc;
}

/*
 * One query for every range: the ranges drive it (CROSS JOIN keeps them the
 * outer loop), so each is one stretch of the daily primary key. NULL counters
 * come back as -1 (counters and times are never negative): no type check per
 * column.
 */
int store_daily_ranges(struct store *s, const struct store_day_range *rg, int n, int32_t reach,
                       int (*fn)(void *ctx, int i, const struct store_daily *d), void *ctx)
{
	static const char sql[] =
	    "SELECT r.seq, t.day, t.kind, ifnull(t.first_ts, -1), ifnull(t.first_wh, -1),"
	    " ifnull(t.last_ts, -1), ifnull(t.last_wh, -1), t.delta_wh, t.n_readings, t.resets,"
	    " t.excluded, t.offline_s, t.fault_s, t.asleep_s, t.alarms, t.alarm_map"
	    " FROM temp.day_ranges AS r CROSS JOIN daily AS t"
	    " ON t.station = r.station AND t.device = r.device"
	    " AND t.day BETWEEN r.from_day AND r.to_day"
	    " ORDER BY r.seq, t.day";
	struct db_stmt *q = NULL;
	struct store_daily d;
	int rc, ret = -1;

	if (n <= 0)
		return 0;
	if (ranges_table(s, rg, n) < 0 || ranges_widen(s, reach) < 0)
		return -1;
	if (!(q = db_prepare(s->db, sql))) {
		fail(s, "reading table \"daily\"");
		goto done;
	}
	memset(&d, 0, sizeof d);
	while ((rc = db_step(q)) == DB_ROW) {
		int i = (int)db_column_int64(q, 0);
		if (i < 0 || i >= n)
			continue;
		d.day = (int)db_column_int64(q, 1);
		d.kind = (int)db_column_int64(q, 2);
		d.first_ts = db_column_int64(q, 3);
		d.first_wh = db_column_int64(q, 4);
		d.last_ts = db_column_int64(q, 5);
		d.last_wh = db_column_int64(q, 6);
		d.has_first = d.first_ts >= 0 && d.first_wh >= 0;
		d.has_last = d.last_ts >= 0 && d.last_wh >= 0;
		d.delta_wh = db_column_int64(q, 7);
		d.n_readings = db_column_int64(q, 8);
		d.resets = db_column_int64(q, 9);
		d.excluded = db_column_int64(q, 10);
		d.offline_s = db_column_int64(q, 11);
		d.fault_s = db_column_int64(q, 12);
		d.asleep_s = db_column_int64(q, 13);
		d.alarms = (uint64_t)db_column_int64(q, 14);
		copy_map(&d, q, 15);
		if (fn(ctx, i, &d) != 0) {
			rc = DB_DONE;
			break;
		}
	}
	if (rc != DB_DONE) {
		fail(s, "reading table \"daily\"");
		goto done;
	}
	ret = 0;
done:
	db_finalize(q);
	return ret;
}

int store_hourly_get(struct store *s, const char *station, const char *device, int32_t day,
                     int hour, struct store_hourly *h)
{
	struct db_stmt *q = stmt(s, ST_HOURLY_GET);
	int rc;
	if (!q)
		return -1;
	db_bind_text(q, 1, station);
	db_bind_text(q, 2, device);
	db_bind_int64(q, 3, day);
	db_bind_int64(q, 4, hour);
	rc = db_step(q);
	if (rc == DB_ROW) {
		memset(h, 0, sizeof *h);
		h->day = (int)db_column_int64(q, 0);
		h->hour = (int)db_column_int64(q, 1);
		h->wh = db_column_int64(q, 2);
		h->n = db_column_int64(q, 3);
		h->has_peak = col_opt(q, 4, &h->peak_w);
	}
	db_reset(q);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : fail(s, "reading an hourly roll-up");
}

int store_hourly_put(struct store *s, const char *station, const char *device,
                     const struct store_hourly *h)
{
	struct db_stmt *q = stmt(s, ST_HOURLY_PUT);
	if (!q)
		return -1;
	db_bind_text(q, 1, station);
	db_bind_text(q, 2, device);
	db_bind_int64(q, 3, h->day);
	db_bind_int64(q, 4, h->hour);
	db_bind_int64(q, 5, h->wh);
	db_bind_int64(q, 6, h->n);
	bind_opt(q, 7, h->has_peak, h->peak_w);
	return run(s, q, "storing an hourly roll-up");
}

int store_rollups_delete(struct store *s, const char *station, const char *device, int32_t from,
                         int32_t to)
{
	enum stmt_id ids[2] = {ST_DAILY_DELETE, ST_HOURLY_DELETE};
	int i;
	for (i = 0; i < 2; i++) {
		struct db_stmt *q = stmt(s, ids[i]);
		if (!q)
			return -1;
		db_bind_text(q, 1, station);
		db_bind_text(q, 2, device);
		db_bind_int64(q, 3, from);
		db_bind_int64(q, 4, to);
		if (run(s, q, "deleting roll-ups") < 0)
			return -1;
	}
	return 0;
}

/* Fills a reading from the READING_COLS columns. */
static void reading_row(struct db_stmt *q, struct reading *r)
{
	int64_t v;
	memset(r, 0, sizeof *r);
	col_text(q, 0, r->gw, sizeof r->gw);
	r->seq = (uint64_t)db_column_int64(q, 1);
	col_text(q, 2, r->station, sizeof r->station);
	col_text(q, 3, r->device, sizeof r->device);
	r->kind = (int)db_column_int64(q, 4) == READING_METER ? READING_METER : READING_INVERTER;
	r->ts_ms = db_column_int64(q, 5);
	v = (int)db_column_int64(q, 6);
	r->state = v >= 0 && v < STATE_COUNT ? (enum reading_state)v : STATE_UNKNOWN;
	if (col_opt(q, 7, &r->ac_power_w))
		r->has |= READING_HAS_POWER;
	if (col_opt(q, 8, &r->energy_wh))
		r->has |= READING_HAS_ENERGY;
	if (col_opt(q, 9, &r->import_wh))
		r->has |= READING_HAS_IMPORT;
	if (col_opt(q, 10, &r->today_wh))
		r->has |= READING_HAS_TODAY;
	if (!db_column_null(q, 11)) {
		r->temp_c = db_column_double(q, 11);
		r->has |= READING_HAS_TEMP;
	}
	if (!db_column_null(q, 12)) {
		r->grid_hz = db_column_double(q, 12);
		r->has |= READING_HAS_HZ;
	}
	if (col_opt(q, 13, &v)) {
		r->alarms = (uint64_t)v;
		r->has |= READING_HAS_ALARMS;
	}
	r->quality = (uint32_t)(int)db_column_int64(q, 14);
	col_text(q, 15, r->map, sizeof r->map);
}

int store_reading_last(struct store *s, const char *station, const char *device, int64_t ts,
                       const char *gw, int64_t seq, int good_only, struct reading *out)
{
	struct db_stmt *q = stmt(s, good_only ? ST_LAST_GOOD : ST_LAST_ANY);
	int rc;
	if (!q)
		return -1;
	db_bind_text(q, 1, station);
	db_bind_text(q, 2, device);
	db_bind_int64(q, 3, ts);
	db_bind_text(q, 4, gw ? gw : "");
	db_bind_int64(q, 5, seq);
	rc = db_step(q);
	if (rc == DB_ROW)
		reading_row(q, out);
	db_reset(q);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : fail(s, "reading a device's last reading");
}

int store_reading_first(struct store *s, const char *station, const char *device,
                        struct reading *out)
{
	struct db_stmt *q = stmt(s, ST_FIRST);
	int rc;
	if (!q)
		return -1;
	db_bind_text(q, 1, station);
	db_bind_text(q, 2, device);
	rc = db_step(q);
	if (rc == DB_ROW)
		reading_row(q, out);
	db_reset(q);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : fail(s, "reading a device's first reading");
}

int store_readings_each(struct store *s, const char *station, const char *device, int64_t from_ms,
                        int64_t to_ms, int (*fn)(void *ctx, const struct reading *r), void *ctx)
{
	struct db_stmt *q = stmt(s, ST_RANGE);
	struct reading r;
	int rc;
	if (!q)
		return -1;
	db_bind_text(q, 1, station);
	db_bind_text(q, 2, device);
	db_bind_int64(q, 3, from_ms);
	db_bind_int64(q, 4, to_ms);
	while ((rc = db_step(q)) == DB_ROW) {
		reading_row(q, &r);
		if (fn(ctx, &r) < 0) {
			db_reset(q);
			return -1;
		}
	}
	db_reset(q);
	return rc == DB_DONE ? 0 : fail(s, "reading a device's readings");
}

int store_device_seen(struct store *s, const char *station, const char *device, int32_t since_day,
                      struct store_device_seen *out)
{
	struct reading r;
	struct db_stmt *q;
	int rc;
	memset(out, 0, sizeof *out);
	rc = store_reading_first(s, station, device, &r);
	if (rc < 0)
		return -1;
	out->has_readings = rc;
	out->first_ms = rc ? r.ts_ms : 0;
	if (rc && store_reading_last(s, station, device, INT64_MAX, "", 0, 0, &r) < 0)
		return -1;
	out->last_ms = rc ? r.ts_ms : 0;
	if (!(q = stmt(s, ST_N_SINCE)))
		return -1;
	db_bind_text(q, 1, station);
	db_bind_text(q, 2, device);
	db_bind_int64(q, 3, since_day);
	rc = db_step(q);
	if (rc == DB_ROW)
		out->n_since = db_column_int64(q, 0);
	db_reset(q);
	return rc == DB_ROW ? 0 : fail(s, "counting a device's readings");
}

/* ---- the status queries (allocator/status.c): read-only, indexed ranges per device ---- */

/* Steps a one-row query bound to (station, device); 1 row, 0 none, -1 error. */
static int status_row(struct store *s, struct db_stmt *q, const char *what)
{
	int rc = db_step(q);
	if (rc == DB_ROW)
		return 1;
	db_reset(q);
	return rc == DB_DONE ? 0 : fail(s, what);
}

static struct db_stmt *status_stmt(struct store *s, enum stmt_id id, const char *station,
                                   const char *device)
{
	struct db_stmt *q = stmt(s, id);
	if (q) {
		db_bind_text(q, 1, station);
		db_bind_text(q, 2, device);
	}
	return q;
}

int store_device_state(struct store *s, const char *station, const char *device, int64_t now_ms,
                       int32_t since_day, int64_t since_ms, struct store_device_state *out)
{
	struct db_stmt *q;
	int32_t today = caltime_local_day(now_ms, NULL);
	int rc;

	memset(out, 0, sizeof *out);
	out->last_state = -1;
	if (!(q = status_stmt(s, ST_S_LAST, station, device)))
		return -1;
	db_bind_int64(q, 3, now_ms);
	if ((rc = status_row(s, q, "reading a device's last reading")) < 0)
		return -1;
	if (rc) {
		out->has_raw = 1;
		out->last_ms = db_column_int64(q, 0);
		out->last_state = (int)db_column_int64(q, 1);
		db_reset(q);
	}
	if (out->has_raw && (out->last_state == STATE_OFFLINE || out->last_state == STATE_FAULT)) {
		if (!(q = status_stmt(s, ST_S_RUN, station, device)))
			return -1;
		db_bind_int64(q, 3, out->last_state);
		db_bind_int64(q, 4, now_ms);
		if ((rc = status_row(s, q, "finding since when a device is in its state")) < 0)
			return -1;
		out->run_since_ms = rc ? db_column_int64(q, 0) : out->last_ms;
		db_reset(q);
	}
	if (!out->has_raw) {
		/* roll-ups only: raw readings pruned, or a history loaded without them */
		if (!(q = status_stmt(s, ST_S_LAST_DAILY, station, device)))
			return -1;
		db_bind_int64(q, 3, today);
		if ((rc = status_row(s, q, "reading a device's last day")) < 0)
			return -1;
		if (rc) {
			out->has_daily = 1;
			if (!db_column_null(q, 1))
				out->daily_last_ts = db_column_int64(q, 1);
			db_reset(q);
		}
		if (!(q = status_stmt(s, ST_S_LAST_HOURLY, station, device)))
			return -1;
		db_bind_int64(q, 3, today);
		if ((rc = status_row(s, q, "reading a device's last hour")) < 0)
			return -1;
		if (rc) {
			out->has_hourly = 1;
			out->hourly_day = (int)db_column_int64(q, 0);
			out->hourly_hour = (int)db_column_int64(q, 1);
			db_reset(q);
		}
	}
	if (!(q = status_stmt(s, ST_S_BEFORE, station, device)))
		return -1;
	db_bind_int64(q, 3, since_day);
	if ((rc = status_row(s, q, "looking for a device's earlier days")) < 0)
		return -1;
	out->before = rc;
	db_reset(q);
	if (out->has_raw) {
		if (!(q = status_stmt(s, ST_S_FIRST, station, device)))
			return -1;
		db_bind_int64(q, 3, since_ms);
		db_bind_int64(q, 4, now_ms);
		if ((rc = status_row(s, q, "reading a device's first reading this month")) < 0)
			return -1;
		if (rc && !db_column_null(q, 0))
			out->first_since_ms = db_column_int64(q, 0);
		db_reset(q);
	}
	return 0;
}

int store_status_hours(struct store *s, const char *station, const char *device, int32_t from_day,
                       int32_t to_day, int hourly,
                       int (*fn)(void *ctx, int32_t day, int hour, int64_t n), void *ctx)
{
	struct db_stmt *q = status_stmt(s, hourly ? ST_S_HOURLY : ST_S_DAILY_N, station, device);
	int rc;
	if (!q)
		return -1;
	db_bind_int64(q, 3, from_day);
	db_bind_int64(q, 4, to_day);
	while ((rc = db_step(q)) == DB_ROW) {
		if (hourly ? fn(ctx, (int)db_column_int64(q, 0), (int)db_column_int64(q, 1),
		                db_column_int64(q, 2))
		           : fn(ctx, (int)db_column_int64(q, 0), -1, db_column_int64(q, 1))) {
			db_reset(q);
			return 0;
		}
	}
	db_reset(q);
	return rc == DB_DONE ? 0 : fail(s, "reading a device's roll-ups");
}

int store_rejects_since(struct store *s, int64_t since_ms,
                        void (*fn)(void *ctx, const char *gw, int64_t n), void *ctx)
{
	struct db_stmt *q = stmt(s, ST_S_REJECTS);
	int rc;
	if (!q)
		return -1;
	db_bind_int64(q, 1, since_ms);
	while ((rc = db_step(q)) == DB_ROW)
		fn(ctx, (const char *)db_column_text(q, 0), db_column_int64(q, 1));
	db_reset(q);
	return rc == DB_DONE ? 0 : fail(s, "counting recent rejects");
}

int store_prune(struct store *s, int64_t before_ms, int64_t *deleted)
{
	struct db_stmt *devs = NULL, *del, *rej;
	int rc;
	/* one indexed range delete per device: no full scan of a table of billions */
	*deleted = 0;
	if (!(devs = db_prepare(s->db, stmt_sql[ST_PRUNE_DEVICES])))
		return fail(s, "listing devices to prune");
	while ((rc = db_step(devs)) == DB_ROW) {
		if (!(del = stmt(s, ST_PRUNE_DEVICE)))
			goto fail;
		db_bind_text(del, 1, db_column_text(devs, 0));
		db_bind_text(del, 2, db_column_text(devs, 1));
		db_bind_int64(del, 3, before_ms);
		if (run(s, del, "pruning readings") < 0)
			goto fail;
		*deleted += db_changes(s->db);
	}
	if (rc != DB_DONE) {
		fail(s, "listing devices to prune");
		goto fail;
	}
	db_finalize(devs);
	if (!(rej = stmt(s, ST_PRUNE_REJECTED)))
		return -1;
	db_bind_int64(rej, 1, before_ms);
	return run(s, rej, "pruning rejected payloads");
fail:
	db_finalize(devs);
	return -1;
}

int store_reading_good(const struct reading *r)
{
	return (r->has & READING_HAS_ENERGY) && !(r->quality & BAD_COUNTER);
}

/* ---- alerts (schema version 3; allocator/ingest/alerts.c, docs/serve.md) ---- */

static void bind_text_or_null(struct db_stmt *q, int i, const char *v)
{
	if (v && *v)
		db_bind_text(q, i, v);
	else
		db_bind_null(q, i);
}

int store_alert_insert(struct store *s, const struct store_alert *a)
{
	struct db_stmt *q = stmt(s, ST_ALERT_INSERT);
	if (!q)
		return -1;
	db_bind_text(q, 1, a->id);
	db_bind_text(q, 2, a->rule);
	db_bind_text(q, 3, a->severity);
	bind_text_or_null(q, 4, a->gw);
	bind_text_or_null(q, 5, a->station);
	bind_text_or_null(q, 6, a->device);
	db_bind_int64(q, 7, a->start_ms);
	db_bind_int64(q, 8, a->updated_ms);
	db_bind_int64(q, 9, a->value);
	bind_text_or_null(q, 10, a->village);
	return run(s, q, "storing an alert");
}

int store_alert_update(struct store *s, const char *id, int64_t value, int64_t updated_ms)
{
	struct db_stmt *q = stmt(s, ST_ALERT_UPDATE);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_int64(q, 2, value);
	db_bind_int64(q, 3, updated_ms);
	return run(s, q, "updating an alert");
}

int store_alert_clear(struct store *s, const char *id, int64_t end_ms)
{
	struct db_stmt *q = stmt(s, ST_ALERT_CLEAR);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	db_bind_int64(q, 2, end_ms);
	return run(s, q, "clearing an alert");
}

int store_alert_unretain(struct store *s, const char *id)
{
	struct db_stmt *q = stmt(s, ST_ALERT_UNRETAIN);
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	return run(s, q, "marking an alert removed from the broker");
}

static void alert_row(struct db_stmt *q, struct store_alert *a)
{
	memset(a, 0, sizeof *a);
	col_text(q, 0, a->id, sizeof a->id);
	col_text(q, 1, a->rule, sizeof a->rule);
	col_text(q, 2, a->severity, sizeof a->severity);
	col_text(q, 3, a->gw, sizeof a->gw);
	col_text(q, 4, a->station, sizeof a->station);
	col_text(q, 5, a->device, sizeof a->device);
	a->start_ms = db_column_int64(q, 6);
	a->end_ms = db_column_null(q, 7) ? 0 : db_column_int64(q, 7);
	a->updated_ms = db_column_int64(q, 8);
	a->value = db_column_int64(q, 9);
	a->retained = (int)db_column_int64(q, 10);
	col_text(q, 11, a->village, sizeof a->village);
}

int store_alert_get(struct store *s, const char *id, struct store_alert *out)
{
	struct db_stmt *q = stmt(s, ST_ALERT_GET);
	int rc;
	if (!q)
		return -1;
	db_bind_text(q, 1, id);
	rc = db_step(q);
	if (rc == DB_ROW)
		alert_row(q, out);
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return fail(s, "reading an alert");
	return rc == DB_ROW;
}

/* Steps an alert SELECT (already bound), calling fn per row; the statement is reset after. */
static int alert_rows(struct store *s, struct db_stmt *q,
                      int (*fn)(void *ctx, const struct store_alert *a), void *ctx)
{
	struct store_alert a;
	int rc;
	while ((rc = db_step(q)) == DB_ROW) {
		alert_row(q, &a);
		if (fn(ctx, &a))
			break;
	}
	db_reset(q);
	return rc == DB_ROW || rc == DB_DONE ? 0 : fail(s, "listing alerts");
}

int store_alerts_each(struct store *s, int open_only, const char *station, const char *gw,
                      int limit, int (*fn)(void *ctx, const struct store_alert *a), void *ctx)
{
	struct db_stmt *q = stmt(s, ST_ALERT_LIST);
	if (!q)
		return -1;
	db_bind_int64(q, 1, open_only);
	if (station)
		db_bind_text(q, 2, station);
	if (gw)
		db_bind_text(q, 3, gw);
	db_bind_int64(q, 4, limit);
	return alert_rows(s, q, fn, ctx);
}

int store_alerts_retained(struct store *s, int (*fn)(void *ctx, const struct store_alert *a),
                          void *ctx)
{
	struct db_stmt *q = stmt(s, ST_ALERT_RETAINED);
	if (!q)
		return -1;
	return alert_rows(s, q, fn, ctx);
}

int store_alert_max_value(struct store *s, const char *rule, const char *gw, int64_t *out)
{
	struct db_stmt *q = stmt(s, ST_ALERT_MAX_VALUE);
	int rc;
	if (!q)
		return -1;
	db_bind_text(q, 1, rule);
	db_bind_text(q, 2, gw);
	rc = db_step(q);
	*out = rc == DB_ROW ? db_column_int64(q, 0) : 0;
	db_reset(q);
	return rc == DB_ROW ? 0 : fail(s, "reading an alert's baseline");
}

int store_state_since(struct store *s, const char *station, const char *device, int state,
                      int64_t *since_ms)
{
	struct db_stmt *q = stmt(s, ST_STATE_SINCE);
	int rc;
	if (!q)
		return -1;
	db_bind_text(q, 1, station);
	db_bind_text(q, 2, device);
	db_bind_int64(q, 3, state);
	rc = db_step(q);
	if (rc == DB_ROW)
		*since_ms = db_column_int64(q, 0);
	db_reset(q);
	if (rc != DB_ROW && rc != DB_DONE)
		return fail(s, "finding when a device's state began");
	return rc == DB_ROW;
}

int store_rejected_count(struct store *s, int64_t *out)
{
	struct db_stmt *q = stmt(s, ST_REJECTED_COUNT);
	int rc;
	if (!q)
		return -1;
	rc = db_step(q);
	*out = rc == DB_ROW ? db_column_int64(q, 0) : 0;
	db_reset(q);
	return rc == DB_ROW ? 0 : fail(s, "counting rejects");
}

int store_last_produced(struct store *s, const char *station, const char *device, int32_t from,
                        int32_t to, int32_t *day)
{
	struct db_stmt *q = stmt(s, ST_LAST_PRODUCED);
	int rc, found = 0;
	if (!q)
		return -1;
	db_bind_text(q, 1, station);
	db_bind_text(q, 2, device);
	db_bind_int64(q, 3, from);
	db_bind_int64(q, 4, to);
	rc = db_step(q);
	if (rc == DB_ROW && !db_column_null(q, 0)) {
		*day = (int)db_column_int64(q, 0);
		found = 1;
	}
	db_reset(q);
	return rc == DB_ROW ? found : fail(s, "finding a device's last day of production");
}

/* ---- ingest's counters (schema version 5; allocator/ingest/istats.c) ---- */

int store_ingest_stats_put(struct store *s, const struct store_ingest_stats *x)
{
	struct db_stmt *q = stmt(s, ST_ISTATS_PUT);
	char hist[STORE_COMMIT_BUCKETS * 21 + 1];
	size_t n = 0;
	if (!q)
		return -1;
	hist[0] = '\0';
	for (int i = 0; i < STORE_COMMIT_BUCKETS; i++)
		n += (size_t)snprintf(hist + n, sizeof hist - n, "%s%" PRId64, i ? "," : "",
		                      x->commit_hist[i]);
	db_bind_text(q, 1, x->worker);
	db_bind_int64(q, 2, x->started_ms);
	db_bind_int64(q, 3, x->updated_ms);
	db_bind_int64(q, 4, x->stored);
	db_bind_int64(q, 5, x->duplicates);
	db_bind_int64(q, 6, x->rejected);
	db_bind_int64(q, 7, x->statuses);
	db_bind_int64(q, 8, x->batches);
	db_bind_int64(q, 9, x->failures);
	db_bind_int64(q, 10, x->batch_rows);
	db_bind_int64(q, 11, x->last_batch_rows);
	db_bind_int64(q, 12, x->commit_us);
	db_bind_text(q, 13, hist);
	return run(s, q, "storing ingest's counters");
}

int store_ingest_stats_each(struct store *s,
                            int (*fn)(void *ctx, const struct store_ingest_stats *x), void *ctx)
{
	struct db_stmt *q = stmt(s, ST_ISTATS_EACH);
	struct store_ingest_stats x;
	int rc;
	if (!q)
		return -1;
	while ((rc = db_step(q)) == DB_ROW) {
		char hist[STORE_COMMIT_BUCKETS * 21 + 1];
		const char *p = hist;
		memset(&x, 0, sizeof x);
		col_text(q, 0, x.worker, sizeof x.worker);
		x.started_ms = db_column_int64(q, 1);
		x.updated_ms = db_column_int64(q, 2);
		x.stored = db_column_int64(q, 3);
		x.duplicates = db_column_int64(q, 4);
		x.rejected = db_column_int64(q, 5);
		x.statuses = db_column_int64(q, 6);
		x.batches = db_column_int64(q, 7);
		x.failures = db_column_int64(q, 8);
		x.batch_rows = db_column_int64(q, 9);
		x.last_batch_rows = db_column_int64(q, 10);
		x.commit_us = db_column_int64(q, 11);
		col_text(q, 12, hist, sizeof hist);
		for (int i = 0; i < STORE_COMMIT_BUCKETS && *p; i++) {
			char *end;
			x.commit_hist[i] = strtoll(p, &end, 10);
			p = *end == ',' ? end + 1 : end;
		}
		if (fn(ctx, &x))
			break;
	}
	db_reset(q);
	return rc == DB_ROW || rc == DB_DONE ? 0 : fail(s, "reading ingest's counters");
}
