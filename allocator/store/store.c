/*
 * store: the central database, a SQLite file or PostgreSQL (store_pg.c).
 * Owns the schema (docs/storage.md) and its migrations and keeps every
 * statement prepared; it never decides what a
 * reading means (that is rollup.c and ingest.c) and never commits on its own.
 */
#include "store.h"
#include "store_int.h"
#include "store_testing.h"
#include "db_int.h"
#include "store_pg.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "store_ledger_schema.h"
#include "util.h"

/* The v5 readings table (docs/storage.md): ids from the dictionaries, integers only. */
#define READINGS_V5_COLS                                                                           \
	"dev INTEGER NOT NULL, ts INTEGER NOT NULL, gw INTEGER NOT NULL, seq INTEGER NOT NULL,"    \
	" kind INTEGER NOT NULL, state INTEGER NOT NULL, ac_power_w INTEGER, energy_wh INTEGER,"   \
	" import_wh INTEGER, today_wh INTEGER, temp_dc INTEGER, grid_chz INTEGER, alarms INTEGER," \
	" quality INTEGER NOT NULL DEFAULT 0, map INTEGER,"                                        \
	" PRIMARY KEY (dev, ts, gw, seq)) WITHOUT ROWID"
/* The readings with their names and units, as version 4 had them, for people and scripts. */
#define READINGS_NAMED_VIEW                                                                        \
	"CREATE VIEW readings_named AS SELECT g.gw AS gw, r.seq AS seq, d.station AS station,"     \
	" d.device AS device, r.kind AS kind, r.ts AS ts, r.state AS state,"                       \
	" r.ac_power_w AS ac_power_w, r.energy_wh AS energy_wh, r.import_wh AS import_wh,"         \
	" r.today_wh AS today_wh, r.temp_dc / 10.0 AS temp_c, r.grid_chz / 100.0 AS grid_hz,"      \
	" r.alarms AS alarms, r.quality AS quality, m.name AS map"                                 \
	" FROM readings AS r JOIN devices AS d ON d.id = r.dev JOIN gw_ids AS g ON g.id = r.gw"    \
	" LEFT JOIN maps AS m ON m.id = r.map"

#define V5_DICTIONARIES                                                                            \
	"CREATE TABLE gw_ids (id INTEGER PRIMARY KEY, gw TEXT NOT NULL UNIQUE);"                   \
	"CREATE TABLE devices (id INTEGER PRIMARY KEY, station TEXT NOT NULL,"                     \
	" device TEXT NOT NULL, UNIQUE (station, device));"                                        \
	"CREATE TABLE maps (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
#define V5_PENDING                                                                                 \
	"CREATE TABLE gw_pending (gw INTEGER NOT NULL, seq INTEGER NOT NULL,"                      \
	" PRIMARY KEY (gw, seq)) WITHOUT ROWID;"
/* Version 5 on a file that never had a readings table (nothing to convert). */
static const char v5_fresh[] = V5_DICTIONARIES "CREATE TABLE readings (" READINGS_V5_COLS
                                               ";" V5_PENDING READINGS_NAMED_VIEW ";";

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
    /*
     * 4 -> 5: compact readings. The text ids move to dictionaries and a
     * reading is one row of one b-tree keyed (dev, ts, gw, seq) with integer
     * columns only (temperature in 0.1 degC, frequency in 0.01 Hz: the
     * contract's resolution); gw_pending lists the seqs above each gateway's
     * ack that the old (gw, seq) key listed. Rows are converted in key order.
     */
    V5_DICTIONARIES
    "INSERT INTO gw_ids (gw) SELECT DISTINCT gw FROM readings ORDER BY gw;"
    "INSERT INTO devices (station, device) SELECT DISTINCT station, device FROM readings"
    " ORDER BY station, device;"
    "INSERT INTO maps (name) SELECT DISTINCT map FROM readings WHERE map IS NOT NULL"
    " ORDER BY map;"
    "CREATE TABLE readings_v5 (" READINGS_V5_COLS ";"
    "INSERT INTO readings_v5 SELECT d.id, r.ts, g.id, r.seq, r.kind, r.state, r.ac_power_w,"
    " r.energy_wh, r.import_wh, r.today_wh, CAST(round(r.temp_c * 10) AS INTEGER),"
    " CAST(round(r.grid_hz * 100) AS INTEGER), r.alarms, r.quality, m.id"
    " FROM readings AS r JOIN devices AS d ON d.station = r.station AND d.device = r.device"
    " JOIN gw_ids AS g ON g.gw = r.gw LEFT JOIN maps AS m ON m.name = r.map"
    " ORDER BY 1, 2, 3, 4;" V5_PENDING
    "INSERT INTO gw_pending (gw, seq) SELECT g.id, r.seq FROM readings AS r"
    " JOIN gw_ids AS g ON g.gw = r.gw"
    " WHERE r.seq > coalesce((SELECT w.acked_seq FROM gateways AS w WHERE w.gw = r.gw), 0);"
    "DROP INDEX readings_device_ts;"
    "DROP TABLE readings;"
    "ALTER TABLE readings_v5 RENAME TO readings;" READINGS_NAMED_VIEW ";",
    /* 5 -> 6: the village an alert is about; ingest's own counters for /metrics */
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
	ST_LAST_ANY_AT,
	ST_LAST_GOOD_AT,
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
	ST_LOCK,
	/* the dictionaries and the pending seqs (schema version 5) */
	ST_GW_ID,
	ST_GW_ID_ADD,
	ST_GW_NAME,
	ST_MAP_NAME,
	ST_DEV_ID,
	ST_DEV_ID_ADD,
	ST_MAP_ID,
	ST_MAP_ID_ADD,
	ST_GW_ACKED,
	ST_PENDING_ADD,
	ST_PENDING_DROP,
	ST_ISTATS_PUT,
	ST_ISTATS_EACH,
	ST_HEADS_DEV_ADD,
	ST_HEADS_DEV_IDS,
	ST_HEADS_LAST,
	ST_HEADS_DAILY,
	ST_HEADS_HOURLY,
	ST_READINGS_INSERT,
	ST_COUNT
};

/*
 * What a reading row gives back: ids, which the store turns into names
 * through its dictionary caches (reading_row). The key orders a device's
 * readings by (ts, gateway id, seq); store.h's order is by the gateway's
 * name within a timestamp, as the roll-ups compare keys, so the few
 * readings that share a timestamp are put in that order in C.
 */
#define READING_COLS                                                                               \
	"gw, seq, kind, ts, state, ac_power_w, energy_wh, import_wh, today_wh, temp_dc, grid_chz," \
	" alarms, quality, map"
/*
 * A good reading: a usable counter, or a sensor's irradiance (kind 2, kept in
 * the power column), the value its roll-ups continue from.
 */
#define GOOD_SQL                                                                                   \
	" AND (energy_wh IS NOT NULL OR (kind = 2 AND ac_power_w IS NOT NULL))"                    \
	" AND (quality & " BAD_COUNTER_SQL ") = 0"
/* Counter flags that make a reading unusable for energy: zero, jump, sentinel. */
#define BAD_COUNTER_SQL "13"
#define BAD_COUNTER (QUALITY_COUNTER_ZERO | QUALITY_COUNTER_JUMP | QUALITY_SENTINEL)

/* ST_DAILY_GET's columns of daily AS t, for the queries of many devices */
#define HEADS_DAILY_COLS                                                                           \
	"t.day, t.kind, t.n_readings, t.first_ts, t.first_wh, t.last_ts, t.last_wh, t.delta_wh,"   \
	" t.resets, t.excluded, t.peak_w, t.asleep_s, t.offline_s, t.fault_s, t.alarms, "          \
	"t.alarm_map"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_READING_INSERT] = "INSERT INTO readings (dev, ts, gw, seq, kind, state, ac_power_w,"
                          " energy_wh, import_wh, today_wh, temp_dc, grid_chz, alarms, quality,"
                          " map) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
    [ST_REJECTED_INSERT] = "INSERT INTO rejected (received_ms, topic, payload,"
                           " reason, gw, seq) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
    [ST_GATEWAY_GET] = "SELECT gw, acked_seq, max_seq, lost_seqs, last_ms, status, version,"
                       " backlog, dropped_total, spool_min_seq, rejects FROM gateways WHERE gw = ?",
    [ST_GATEWAY_PUT] = "INSERT INTO gateways (gw, acked_seq, max_seq, lost_seqs,"
                       " last_ms, status, version, backlog, dropped_total, spool_min_seq, rejects)"
                       " VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (gw) DO UPDATE SET"
                       " acked_seq = excluded.acked_seq, max_seq = excluded.max_seq,"
                       " lost_seqs = excluded.lost_seqs, last_ms = excluded.last_ms,"
                       " status = excluded.status, version = excluded.version,"
                       " backlog = excluded.backlog, dropped_total = excluded.dropped_total,"
                       " spool_min_seq = excluded.spool_min_seq, rejects = excluded.rejects",
    [ST_GATEWAY_EACH] = "SELECT gw, acked_seq, max_seq, lost_seqs, last_ms, status, version,"
                        " backlog, dropped_total, spool_min_seq, rejects FROM gateways ORDER BY gw",
    [ST_GATEWAY_SEQS] = "SELECT seq FROM gw_pending WHERE gw = ?1 AND seq > ?2 UNION "
                        "SELECT seq FROM rejected WHERE gw = ?3 AND seq > ?2 ORDER BY 1",
    [ST_DAILY_GET] = "SELECT day, kind, n_readings, first_ts, first_wh, last_ts, last_wh,"
                     " delta_wh, resets, excluded, peak_w, asleep_s, offline_s, fault_s, alarms,"
                     " alarm_map FROM daily WHERE station = ? AND device = ? AND day = ?",
    [ST_DAILY_LATEST] = "SELECT day, kind, n_readings, first_ts, first_wh, last_ts, last_wh,"
                        " delta_wh, resets, excluded, peak_w, asleep_s, offline_s, fault_s, alarms,"
                        " alarm_map FROM daily WHERE station = ? AND device = ?"
                        " AND last_ts IS NOT NULL"
                        " ORDER BY day DESC LIMIT 1",
    [ST_DAILY_PUT] = "INSERT INTO daily (station, device, day, kind, n_readings,"
                     " first_ts, first_wh, last_ts, last_wh, delta_wh, resets, excluded, peak_w,"
                     " asleep_s, offline_s, fault_s, alarms, alarm_map)"
                     " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                     " ON CONFLICT (station, device, day) DO UPDATE SET kind = excluded.kind,"
                     " n_readings = excluded.n_readings, first_ts = excluded.first_ts,"
                     " first_wh = excluded.first_wh, last_ts = excluded.last_ts,"
                     " last_wh = excluded.last_wh, delta_wh = excluded.delta_wh,"
                     " resets = excluded.resets, excluded = excluded.excluded,"
                     " peak_w = excluded.peak_w, asleep_s = excluded.asleep_s,"
                     " offline_s = excluded.offline_s, fault_s = excluded.fault_s,"
                     " alarms = excluded.alarms, alarm_map = excluded.alarm_map",
    [ST_HOURLY_GET] = "SELECT day, hour, wh, n, peak_w FROM hourly"
                      " WHERE station = ? AND device = ? AND day = ? AND hour = ?",
    [ST_HOURLY_PUT] = "INSERT INTO hourly (station, device, day, hour, wh, n, peak_w)"
                      " VALUES (?,?,?,?,?,?,?) ON CONFLICT (station, device, day, hour)"
                      " DO UPDATE SET wh = excluded.wh, n = excluded.n, peak_w = excluded.peak_w",
    [ST_DAILY_DELETE] =
        "DELETE FROM daily WHERE station = ? AND device = ? AND day BETWEEN ? AND ?",
    [ST_HOURLY_DELETE] = "DELETE FROM hourly WHERE station = ? AND device = ?"
                         " AND day BETWEEN ? AND ?",
    /* the readings at one timestamp, and at the last timestamp before one */
    [ST_LAST_ANY_AT] = "SELECT " READING_COLS " FROM readings WHERE dev = ?1 AND ts = ?2",
    [ST_LAST_GOOD_AT] = "SELECT " READING_COLS " FROM readings WHERE dev = ?1 AND ts = ?2" GOOD_SQL,
    [ST_LAST_ANY] = "SELECT " READING_COLS " FROM readings WHERE dev = ?1 AND ts ="
                    " (SELECT ts FROM readings WHERE dev = ?1 AND ts < ?2"
                    " ORDER BY ts DESC LIMIT 1)",
    [ST_LAST_GOOD] = "SELECT " READING_COLS " FROM readings WHERE dev = ?1 AND ts ="
                     " (SELECT ts FROM readings WHERE dev = ?1 AND ts < ?2" GOOD_SQL
                     " ORDER BY ts DESC LIMIT 1)" GOOD_SQL,
    [ST_RANGE] = "SELECT " READING_COLS " FROM readings WHERE dev = ?1"
                 " AND ts >= ?2 AND ts < ?3 ORDER BY ts, gw, seq",
    [ST_FIRST] = "SELECT " READING_COLS " FROM readings WHERE dev = ?1 AND ts ="
                 " (SELECT min(ts) FROM readings WHERE dev = ?1)",
    [ST_GW_NAME] = "SELECT gw FROM gw_ids WHERE id = ?1",
    [ST_MAP_NAME] = "SELECT name FROM maps WHERE id = ?1",
    [ST_N_SINCE] = "SELECT coalesce(sum(n_readings), 0) FROM daily"
                   " WHERE station = ? AND device = ? AND day >= ?",
    [ST_LAST_PRODUCED] = "SELECT max(day) FROM daily WHERE station = ? AND device = ?"
                         " AND day BETWEEN ? AND ? AND delta_wh > 0",
    [ST_PRUNE_DEVICES] = "SELECT id FROM devices ORDER BY id",
    [ST_PRUNE_DEVICE] = "DELETE FROM readings WHERE dev = ?1 AND ts < ?2",
    [ST_PRUNE_REJECTED] = "DELETE FROM rejected WHERE received_ms < ?",
    [ST_S_LAST] = "SELECT ts, state FROM readings WHERE dev = ?1"
                  " AND ts <= ?2 ORDER BY ts DESC LIMIT 1",
    /* the first reading after the last one in another state: where the current run began */
    [ST_S_RUN] = "SELECT min(ts) FROM readings WHERE dev = ?1 AND ts >"
                 " coalesce((SELECT ts FROM readings WHERE dev = ?1"
                 " AND state <> ?2 AND ts <= ?3 ORDER BY ts DESC LIMIT 1), -1)",
    [ST_S_FIRST] = "SELECT min(ts) FROM readings WHERE dev = ?1 AND ts >= ?2 AND ts <= ?3",
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
                      " WHERE (?1 = 0 OR end_ms IS NULL) AND (station = ?2 OR ?2 IS NULL)"
                      " AND (gw = ?3 OR ?3 IS NULL)"
                      " ORDER BY end_ms IS NOT NULL, start_ms DESC, id LIMIT ?4",
    [ST_ALERT_RETAINED] = "SELECT " ALERT_COLS " FROM alerts WHERE retained = 1",
    [ST_ALERT_MAX_VALUE] = "SELECT coalesce(max(value), 0) FROM alerts WHERE rule = ? AND gw = ?",
    [ST_STATE_SINCE] = "SELECT ts FROM readings WHERE dev = ?1"
                       " AND ts > (SELECT coalesce(max(ts), 0) FROM readings"
                       " WHERE dev = ?1 AND state <> ?2)"
                       " ORDER BY ts LIMIT 1",
    [ST_REJECTED_COUNT] = "SELECT count(*) FROM rejected",
    /* PostgreSQL only (store_lock): a lock held until the transaction ends */
    [ST_LOCK] = "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
    [ST_GW_ID] = "SELECT id FROM gw_ids WHERE gw = ?1",
    [ST_GW_ID_ADD] = "INSERT INTO gw_ids (gw) VALUES (?1) ON CONFLICT DO NOTHING RETURNING id",
    [ST_DEV_ID] = "SELECT id FROM devices WHERE station = ?1 AND device = ?2",
    [ST_DEV_ID_ADD] = "INSERT INTO devices (station, device) VALUES (?1, ?2)"
                      " ON CONFLICT DO NOTHING RETURNING id",
    [ST_MAP_ID] = "SELECT id FROM maps WHERE name = ?1",
    [ST_MAP_ID_ADD] = "INSERT INTO maps (name) VALUES (?1) ON CONFLICT DO NOTHING RETURNING id",
    [ST_GW_ACKED] = "SELECT acked_seq FROM gateways WHERE gw = ?1",
    [ST_PENDING_ADD] = "INSERT INTO gw_pending (gw, seq) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    [ST_PENDING_DROP] = "DELETE FROM gw_pending WHERE gw = ?1 AND seq <= ?2",
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
    /* store_dev_heads, PostgreSQL only: arrays in, one row per device and thing found */
    [ST_HEADS_DEV_ADD] = "INSERT INTO devices (station, device)"
                         " SELECT * FROM unnest(?1::text[], ?2::text[]) ON CONFLICT DO NOTHING",
    [ST_HEADS_DEV_IDS] = "SELECT d.id, d.station, d.device"
                         " FROM unnest(?1::text[], ?2::text[]) AS x (station, device)"
                         " JOIN devices AS d ON d.station = x.station AND d.device = x.device",
    [ST_HEADS_LAST] =
        "WITH x AS (SELECT * FROM unnest(?1::bigint[], ?2::bigint[]) AS x (i, dev))"
        " SELECT x.i, 0, r.gw, r.seq, r.ts, r.state, r.energy_wh FROM x CROSS JOIN LATERAL"
        " (SELECT t.ts FROM readings AS t WHERE t.dev = x.dev ORDER BY t.ts DESC LIMIT 1) AS m"
        " JOIN readings AS r ON r.dev = x.dev AND r.ts = m.ts"
        " UNION ALL SELECT x.i, 1, r.gw, r.seq, r.ts, r.state,"
        " CASE WHEN r.kind = 2 THEN r.ac_power_w ELSE r.energy_wh END FROM x CROSS JOIN "
        "LATERAL"
        " (SELECT t.ts FROM readings AS t WHERE t.dev = x.dev" GOOD_SQL
        " ORDER BY t.ts DESC LIMIT 1) AS m"
        " JOIN readings AS r ON r.dev = x.dev AND r.ts = m.ts" GOOD_SQL,
    [ST_HEADS_DAILY] =
        "WITH x AS (SELECT * FROM unnest(?1::bigint[], ?2::text[], ?3::text[], ?4::bigint[])"
        " AS x (i, station, device, day))"
        " SELECT x.i, 0, " HEADS_DAILY_COLS " FROM x JOIN daily AS t"
        " ON t.station = x.station AND t.device = x.device AND t.day = x.day"
        " UNION ALL SELECT x.i, 1, " HEADS_DAILY_COLS " FROM x CROSS JOIN LATERAL"
        " (SELECT * FROM daily AS t WHERE t.station = x.station AND t.device = x.device"
        " AND t.last_ts IS NOT NULL ORDER BY t.day DESC LIMIT 1) AS t",
    [ST_READINGS_INSERT] =
        "INSERT INTO readings (dev, ts, gw, seq, kind, state, ac_power_w, energy_wh, import_wh,"
        " today_wh, temp_dc, grid_chz, alarms, quality, map) SELECT * FROM unnest(?1::bigint[],"
        " ?2::bigint[], ?3::bigint[], ?4::bigint[], ?5::bigint[], ?6::bigint[], ?7::bigint[],"
        " ?8::bigint[], ?9::bigint[], ?10::bigint[], ?11::bigint[], ?12::bigint[],"
        " ?13::bigint[], ?14::bigint[], ?15::bigint[]) ON CONFLICT DO NOTHING"
        " RETURNING dev, ts, gw, seq",
    [ST_HEADS_HOURLY] = "SELECT x.i, t.day, t.hour, t.wh, t.n, t.peak_w"
                        " FROM unnest(?1::bigint[], ?2::text[], ?3::text[], ?4::bigint[],"
                        " ?5::bigint[]) AS x (i, station, device, day, hour)"
                        " JOIN hourly AS t ON t.station = x.station AND t.device = x.device"
                        " AND t.day = x.day AND t.hour = x.hour",
};

/*
 * One entry of a dictionary cache: a name (a device's is station, NUL,
 * device) and its id. Entries are only ever read from or written to the
 * database (never guessed), so a hit is always right for the connection's
 * view: a rolled-back transaction empties the caches (store_rollback).
 */
struct dict_ent {
	struct dict_ent *next;
	size_t hash;
	int64_t id;
	int has_acked; /* gateways: acked is the acked seq as the store last saw it */
	int64_t acked;
	char key[]; /* a, NUL, b, NUL */
};
struct dict {
	struct dict_ent **b;
	size_t nb, n;
	struct dict_ent **by_id; /* gateways and maps: the entry of each id seen, for names */
	size_t n_id;
};
enum dict_id { DICT_GW, DICT_DEV, DICT_MAP, DICT_COUNT };

struct store {
	struct db *db;
	char *path;
	char *err;
	int transient;
	int readonly;
	struct db_stmt *st[ST_COUNT];
	struct store_ledger_stmts *ledger; /* store_ledger.c's */
	struct store_pg *pg;               /* store_pg.c's partitions, on PostgreSQL */
	struct dict dict[DICT_COUNT];
};

static void caches_clear(struct store *s);

/* Records "path: what: engine message" as the last error; returns -1. */
static int fail(struct store *s, const char *what)
{
	free(s->err);
	s->transient = s->db ? db_transient(s->db) : 0;
	s->err = xasprintf("%s: %s: %s", s->path, what, s->db ? db_errmsg(s->db) : "no database");
	return -1;
}

/* The text of a statement on this store's engine: the shared one but where they differ. */
static const char *stmt_text(const struct store *s, enum stmt_id id)
{
	/* PostgreSQL takes its write lock row by row: a plain BEGIN */
	if (id == ST_BEGIN && db_engine(s->db) == DB_PG)
		return "BEGIN";
	return stmt_sql[id];
}

/*
 * The writes nobody reads back within the statement (no rows, no change
 * count): the roll-up rows, the gateway rows and their pending seqs, the
 * advisory locks. db_defer lets PostgreSQL take them without a round trip
 * each; their errors surface at the next statement or the COMMIT.
 */
static int deferrable(enum stmt_id id)
{
	switch (id) {
	case ST_DAILY_PUT:
	case ST_HOURLY_PUT:
	case ST_GATEWAY_PUT:
	case ST_PENDING_ADD:
	case ST_PENDING_DROP:
	case ST_LOCK:
		return 1;
	default:
		return 0;
	}
}

/* Returns the prepared statement, reset and with bindings cleared. */
static struct db_stmt *stmt(struct store *s, enum stmt_id id)
{
	if (!s->st[id]) {
		const char *sql = stmt_text(s, id);
		if (!(s->st[id] = db_prepare(s->db, sql))) {
			fail(s, "preparing a statement");
			return NULL;
		}
		if (deferrable(id))
			db_defer(s->st[id]);
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

/* Reads PRAGMA user_version (pvmon_meta on PostgreSQL). */
static int user_version(struct store *s, int *out)
{
	struct db_stmt *q = NULL;
	int rc = -1;
	if (db_engine(s->db) == DB_PG)
		return store_pg_schema_version(s, out);
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

/* Creates the schema on PostgreSQL, or checks the one there. */
static int migrate_pg(struct store *s)
{
	int v = 0, rc = store_pg_migrate(s, &v);
	if (rc <= 0)
		return rc;
	free(s->err);
	s->err = rc == 1 ? xasprintf("%s: schema version %d is newer than this pvmon's %d", s->path,
	                             v, STORE_SCHEMA_VERSION)
	                 : xasprintf("%s: schema version %d is older than %d and PostgreSQL has no "
	                             "migrations from it",
	                             s->path, v, STORE_SCHEMA_VERSION);
	s->transient = 0;
	return -1;
}

/* 1 when the SQLite file has a table of that name, 0 when not, -1 on error. */
static int has_table(struct store *s, const char *name)
{
	struct db_stmt *q = db_prepare(s->db, "SELECT 1 FROM sqlite_master WHERE type = 'table'"
	                                      " AND name = ?1");
	int rc = -1;
	if (q) {
		db_bind_text(q, 1, name);
		rc = db_step(q);
	}
	db_finalize(q);
	if (rc == DB_ERROR || rc < 0)
		return fail(s, "reading the schema");
	return rc == DB_ROW;
}

/* Applies the migrations the file lacks up to target, in one transaction. */
static int migrate(struct store *s, int target)
{
	int v, i;
	char sql[64];
	/*
	 * Workers opening a new file together: the write lock may be refused at once (no
	 * busy wait) while another is switching the file to WAL, as in wal_on.
	 */
	for (i = 0; exec(s, "BEGIN IMMEDIATE", "starting the migration") < 0; i++) {
		if (!s->transient || i >= 100)
			return -1;
		util_sleep_ms(50);
	}
	if (user_version(s, &v) < 0)
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		free(s->err);
		s->err = xasprintf("%s: schema version %d is newer than this pvmon's %d", s->path,
		                   v, STORE_SCHEMA_VERSION);
		s->transient = 0;
		goto fail;
	}
	for (i = v; i < target; i++) {
		int rc = i == 4 ? has_table(s, "readings") : 1;
		if (rc < 0)
			goto fail;
		/* a file that never had a readings table has nothing to convert */
		if (rc ? exec(s, migrations[i], "migrating the schema") < 0
		       : exec(s, v5_fresh, "migrating the schema") < 0)
			goto fail;
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v > target ? v : target);
	if (exec(s, sql, "setting the schema version") < 0 || exec(s, "COMMIT", "committing") < 0)
		goto fail;
	return 0;
fail:
	db_exec(s->db, "ROLLBACK");
	return -1;
}

/* Opens the database; on failure frees everything and sets *cause. */
static struct store *open_db(const char *path, const char *password_file, int readonly,
                             char **cause)
{
	struct store *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->readonly = readonly;
	s->db = db_open(path, readonly, !readonly, password_file, cause);
	if (!s->db) {
		store_close(s);
		return NULL;
	}
	return s;
}

/*
 * Switches the file to WAL. Two processes opening a new file at the same
 * moment (ingest workers started together) may find it locked by the other's
 * switch, which SQLite reports at once instead of waiting: try again a while.
 */
static int wal_on(struct store *s)
{
	int i;
	for (i = 0;; i++) {
		if (exec(s, "PRAGMA journal_mode = WAL", "switching to WAL") == 0)
			return 0;
		if (!s->transient || i >= 100)
			return -1;
		util_sleep_ms(50);
	}
}

static struct store *open_rw(const char *path, const char *password_file, int target, char **cause)
{
	struct store *s = open_db(path, password_file, 0, cause);
	if (!s)
		return NULL;
	if (db_engine(s->db) == DB_PG) {
		if (migrate_pg(s) < 0) {
			*cause = xstrdup(s->err);
			store_close(s);
			return NULL;
		}
		return s;
	}
	/* WAL lets status and report read while ingest writes; FULL syncs the WAL on commit */
	if (wal_on(s) < 0 || exec(s, "PRAGMA synchronous = FULL", "setting synchronous") < 0 ||
	    exec(s, "PRAGMA cache_size = -32768", "setting the cache size") < 0 ||
	    migrate(s, target) < 0) {
		*cause = xstrdup(s->err);
		store_close(s);
		return NULL;
	}
	return s;
}

static struct store *open_ro(const char *path, const char *password_file, char **cause)
{
	struct store *s = open_db(path, password_file, 1, cause);
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

struct store *store_open(const char *path, char **cause)
{
	return open_rw(path, NULL, STORE_SCHEMA_VERSION, cause);
}

/* For unit tests and benchmarks only (store_testing.h): SQLite files only. */
struct store *store_testing_open_version(const char *path, int version, char **cause)
{
	if (version < 0 || version > STORE_SCHEMA_VERSION || db_is_url(path)) {
		*cause = xasprintf("%s: no schema version %d", path, version);
		return NULL;
	}
	return open_rw(path, NULL, version, cause);
}

struct store *store_open_readonly(const char *path, char **cause)
{
	return open_ro(path, NULL, cause);
}

struct store *store_open_conf(const char *target, const char *password_file, int readonly,
                              char **cause)
{
	return readonly ? open_ro(target, password_file, cause)
	                : open_rw(target, password_file, STORE_SCHEMA_VERSION, cause);
}

void store_close(struct store *s)
{
	int i;
	if (!s)
		return;
	for (i = 0; i < ST_COUNT; i++)
		db_finalize(s->st[i]);
	caches_clear(s);
	store_ledger_stmts_free(s->ledger);
	store_pg_free(s->pg);
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

int64_t store_testing_int(struct store *s, const char *sql)
{
	struct db_stmt *q = db_prepare(s->db, sql);
	int64_t n = -2;
	int rc;
	if (!q)
		return -2;
	rc = db_step(q);
	n = rc == DB_ROW ? db_column_int64(q, 0) : rc == DB_DONE ? -1 : -2;
	db_finalize(q);
	return n;
}

int store_testing_exec(struct store *s, const char *sql)
{
	return exec(s, sql, "running a test's SQL");
}

struct db *store_int_db(struct store *s)
{
	return s->db;
}

int store_int_fail(struct store *s, const char *what)
{
	return fail(s, what);
}

const char *store_int_path(const struct store *s)
{
	return s->path;
}

struct store_pg **store_int_pg(struct store *s)
{
	return &s->pg;
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

/* ---- the dictionaries (schema version 5): names <-> integer ids, cached ---- */

static size_t dict_hash(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603u;
	const char *p;
	for (p = a; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	h *= 1099511628211u; /* the NUL between a and b */
	for (p = b; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	return (size_t)h;
}

static struct dict_ent *dict_find(const struct dict *d, const char *a, const char *b, size_t h)
{
	struct dict_ent *e;
	size_t la = strlen(a);
	if (!d->nb)
		return NULL;
	for (e = d->b[h % d->nb]; e; e = e->next)
		if (e->hash == h && strcmp(e->key, a) == 0 && strcmp(e->key + la + 1, b) == 0)
			return e;
	return NULL;
}

static struct dict_ent *dict_add(struct dict *d, const char *a, const char *b, size_t h, int64_t id)
{
	size_t la = strlen(a), lb = strlen(b), i;
	struct dict_ent *e = xcalloc(1, sizeof *e + la + lb + 2);
	if (d->n >= d->nb) {
		size_t nb = d->nb ? d->nb * 2 : 256;
		struct dict_ent **nbk = xcalloc(nb, sizeof *nbk), *x, *next;
		for (i = 0; i < d->nb; i++)
			for (x = d->b[i]; x; x = next) {
				next = x->next;
				x->next = nbk[x->hash % nb];
				nbk[x->hash % nb] = x;
			}
		free(d->b);
		d->b = nbk;
		d->nb = nb;
	}
	e->hash = h;
	e->id = id;
	memcpy(e->key, a, la + 1);
	memcpy(e->key + la + 1, b, lb + 1);
	e->next = d->b[h % d->nb];
	d->b[h % d->nb] = e;
	d->n++;
	if (id > 0 && id < (INT64_C(1) << 31)) {
		if ((size_t)id >= d->n_id) {
			size_t n = d->n_id ? d->n_id : 64;
			while (n <= (size_t)id)
				n *= 2;
			d->by_id = xrealloc(d->by_id, n * sizeof *d->by_id);
			memset(d->by_id + d->n_id, 0, (n - d->n_id) * sizeof *d->by_id);
			d->n_id = n;
		}
		d->by_id[id] = e;
	}
	return e;
}

static void dict_clear(struct dict *d)
{
	size_t i;
	struct dict_ent *e, *next;
	for (i = 0; i < d->nb; i++)
		for (e = d->b[i]; e; e = next) {
			next = e->next;
			free(e);
		}
	free(d->b);
	free(d->by_id);
	memset(d, 0, sizeof *d);
}

/* Forgets every cached id and acked seq: they reload from the database on use. */
static void caches_clear(struct store *s)
{
	int i;
	for (i = 0; i < DICT_COUNT; i++)
		dict_clear(&s->dict[i]);
}

static const struct {
	enum stmt_id get, add;
	int args;
	const char *what;
} dict_sql[DICT_COUNT] = {
    [DICT_GW] = {ST_GW_ID, ST_GW_ID_ADD, 1, "looking up a gateway's id"},
    [DICT_DEV] = {ST_DEV_ID, ST_DEV_ID_ADD, 2, "looking up a device's id"},
    [DICT_MAP] = {ST_MAP_ID, ST_MAP_ID_ADD, 1, "looking up a register map's id"},
};

/* Runs a dictionary SELECT or INSERT ... RETURNING: 1 and *id, 0 no row, -1 error. */
static int dict_query(struct store *s, enum dict_id which, enum stmt_id id, const char *a,
                      const char *b, int64_t *out)
{
	struct db_stmt *q = stmt(s, id);
	int rc;
	if (!q)
		return -1;
	db_bind_text(q, 1, a);
	if (dict_sql[which].args == 2)
		db_bind_text(q, 2, b);
	rc = db_step(q);
	if (rc == DB_ROW)
		*out = db_column_int64(q, 0);
	db_reset(q);
	if (rc == DB_ERROR)
		return fail(s, dict_sql[which].what);
	return rc == DB_ROW;
}

/*
 * The dictionary entry of a name (b: the device for DICT_DEV, else NULL).
 * A miss reads the table; with create (never on a read-only store) a name not
 * there is inserted, inside the caller's transaction. 1 and *out, 0 when the
 * name has no id (without create), -1 on error.
 */
static int dict_get(struct store *s, enum dict_id which, const char *a, const char *b, int create,
                    struct dict_ent **out)
{
	struct dict *d = &s->dict[which];
	size_t h;
	int64_t id = 0;
	int rc;
	if (!b)
		b = "";
	h = dict_hash(a, b);
	if ((*out = dict_find(d, a, b, h)))
		return 1;
	rc = dict_query(s, which, dict_sql[which].get, a, b, &id);
	if (rc == 0 && create && !s->readonly) {
		/* another writer (PostgreSQL) may add it meanwhile: then the insert returns nothing
		 */
		rc = dict_query(s, which, dict_sql[which].add, a, b, &id);
		if (rc == 0)
			rc = dict_query(s, which, dict_sql[which].get, a, b, &id);
	}
	if (rc <= 0)
		return rc;
	*out = dict_add(d, a, b, h, id);
	return 1;
}

/* A device's id: 1 and *id, 0 when it has never had a reading, -1 on error. */
static int dev_id(struct store *s, const char *station, const char *device, int64_t *id)
{
	struct dict_ent *e;
	int rc = dict_get(s, DICT_DEV, station, device, 0, &e);
	if (rc == 1)
		*id = e->id;
	return rc;
}

/*
 * The name of a gateway's or map's id (a reading's columns): from the cache,
 * else read from the dictionary and cached. "" for an id it does not hold.
 */
static const char *dict_name(struct store *s, enum dict_id which, int64_t id)
{
	struct dict *d = &s->dict[which];
	struct db_stmt *q;
	struct dict_ent *e = NULL;
	char name[READING_ID_MAX > READING_MAP_MAX ? READING_ID_MAX : READING_MAP_MAX];
	int rc;
	if (id > 0 && (size_t)id < d->n_id && d->by_id[id])
		return d->by_id[id]->key;
	if (!(q = stmt(s, which == DICT_GW ? ST_GW_NAME : ST_MAP_NAME)))
		return "";
	db_bind_int64(q, 1, id);
	rc = db_step(q);
	name[0] = 0;
	if (rc == DB_ROW) {
		const char *t = db_column_text(q, 0);
		util_strlcpy(name, t ? t : "", sizeof name);
	}
	db_reset(q);
	if (rc != DB_ROW)
		return "";
	if (!(e = dict_find(d, name, "", dict_hash(name, ""))))
		e = dict_add(d, name, "", dict_hash(name, ""), id);
	else if (id > 0 && (size_t)id < d->n_id)
		d->by_id[id] = e;
	return e->key;
}

/*
 * Records a newly stored (gw, seq) in gw_pending when seq is above the
 * gateway's acked seq (read from its row on first use, then kept current by
 * store_gateway_put), so that store_gateway_seqs still lists it.
 */
static int pending_add(struct store *s, struct dict_ent *gw, int64_t seq)
{
	struct db_stmt *q;
	if (!gw->has_acked) {
		int rc;
		if (!(q = stmt(s, ST_GW_ACKED)))
			return -1;
		db_bind_text(q, 1, gw->key);
		rc = db_step(q);
		gw->acked = rc == DB_ROW ? db_column_int64(q, 0) : 0;
		db_reset(q);
		if (rc == DB_ERROR)
			return fail(s, "reading a gateway's acked seq");
		gw->has_acked = 1;
	}
	if (seq <= gw->acked)
		return 0;
	if (!(q = stmt(s, ST_PENDING_ADD)))
		return -1;
	db_bind_int64(q, 1, gw->id);
	db_bind_int64(q, 2, seq);
	return run(s, q, "recording a seq above the ack");
}

int store_begin(struct store *s)
{
	struct db_stmt *q = stmt(s, ST_BEGIN);
	return q ? run(s, q, "beginning a transaction") : -1;
}

int store_commit(struct store *s)
{
	struct db_stmt *q = stmt(s, ST_COMMIT);
	if (q && run(s, q, "committing") == 0)
		return 0;
	/* a failed commit may have undone a partition made in the transaction */
	store_pg_forget(s->pg);
	/* the engine may have rolled back on its own: nothing cached may outlive it */
	caches_clear(s);
	return -1;
}

void store_rollback(struct store *s)
{
	struct db_stmt *q;
	/* a partition made in the transaction goes with it */
	store_pg_forget(s->pg);
	/*
	 * Ids inserted and acked seqs changed by the transaction are gone with
	 * it; the caches forget everything (also when the engine already rolled
	 * back) and reload what they need lazily.
	 */
	caches_clear(s);
	if (!db_in_transaction(s->db))
		return;
	q = stmt(s, ST_ROLLBACK);
	if (q)
		db_step(q), db_reset(q);
}

int store_lock(struct store *s, const char *name)
{
	struct db_stmt *q;
	int rc;
	/* SQLite: BEGIN IMMEDIATE took the database's one write lock, which serializes writers */
	if (db_engine(s->db) != DB_PG)
		return 0;
	if (!(q = stmt(s, ST_LOCK)))
		return -1;
	db_bind_text(q, 1, name);
	rc = db_step(q);
	db_reset(q);
	return rc == DB_ERROR ? fail(s, "taking a lock") : 0;
}

/* Binds an optional integer: NULL when absent. */
static void bind_opt(struct db_stmt *q, int i, int present, int64_t v)
{
	if (present)
		db_bind_int64(q, i, v);
	else
		db_bind_null(q, i);
}

/*
 * The readings' power column: a sensor's irradiance in W/m² (a sensor has no
 * power, and the kind column says which it is), everyone else's AC power.
 * Returns 1 with *v when the reading has the value.
 */
static int power_col(const struct reading *r, int64_t *v)
{
	if (r->kind == READING_SENSOR) {
		*v = r->irradiance_wm2;
		return (r->has & READING_HAS_IRRADIANCE) != 0;
	}
	*v = r->ac_power_w;
	return (r->has & READING_HAS_POWER) != 0;
}

/*
 * A temperature or frequency as an integer count of its contract
 * resolution (0.1 degC, 0.01 Hz): a value parsed from the one or two decimals
 * of a payload comes back as the same double (k / 10.0 is the double nearest
 * k/10, as is strtod of its decimals): 1 and *out, 0 when absent or not
 * finite (stored as NULL).
 */
static int scaled(int present, double v, double per_unit, int64_t *out)
{
	double x = v * per_unit;
	if (!present || !isfinite(x) || fabs(x) >= 9.0e15)
		return 0;
	*out = (int64_t)llround(x);
	return 1;
}

static void bind_scaled(struct db_stmt *q, int i, int present, double v, double per_unit)
{
	int64_t x = 0;
	int ok = scaled(present, v, per_unit, &x);
	bind_opt(q, i, ok, x);
}

/*
 * The dictionary ids of a reading to be stored (created when new) and, on
 * PostgreSQL, its month's partition: 0, or -1 with the error recorded.
 */
static int reading_ids(struct store *s, const struct reading *r, struct dict_ent **dev,
                       struct dict_ent **gw, struct dict_ent **map)
{
	int rc = dict_get(s, DICT_DEV, r->station, r->device, 1, dev);
	*map = NULL;
	if (rc > 0)
		rc = dict_get(s, DICT_GW, r->gw, NULL, 1, gw);
	if (rc > 0 && r->map[0])
		rc = dict_get(s, DICT_MAP, r->map, NULL, 1, map);
	if (rc == 0)
		return fail(s, "storing a reading in a read-only database");
	if (rc < 0)
		return -1;
	if (db_engine(s->db) == DB_PG && store_pg_partition(s, &s->pg, r->ts_ms) < 0)
		return -1;
	return 0;
}

int store_reading_insert(struct store *s, const struct reading *r)
{
	struct dict_ent *dev, *gw, *map;
	struct db_stmt *q;
	int64_t pw;
	int has_pw, inserted;
	if (reading_ids(s, r, &dev, &gw, &map) < 0)
		return -1;
	if (!(q = stmt(s, ST_READING_INSERT)))
		return -1;
	db_bind_int64(q, 1, dev->id);
	db_bind_int64(q, 2, r->ts_ms);
	db_bind_int64(q, 3, gw->id);
	db_bind_int64(q, 4, (int64_t)r->seq);
	db_bind_int64(q, 5, (int)r->kind);
	db_bind_int64(q, 6, (int)r->state);
	has_pw = power_col(r, &pw); /* before the call: argument order is unspecified */
	bind_opt(q, 7, has_pw, pw);
	bind_opt(q, 8, r->has & READING_HAS_ENERGY, r->energy_wh);
	bind_opt(q, 9, r->has & READING_HAS_IMPORT, r->import_wh);
	bind_opt(q, 10, r->has & READING_HAS_TODAY, r->today_wh);
	bind_scaled(q, 11, r->has & READING_HAS_TEMP, r->temp_c, 10.0);
	bind_scaled(q, 12, r->has & READING_HAS_HZ, r->grid_hz, 100.0);
	bind_opt(q, 13, r->has & READING_HAS_ALARMS, (int64_t)r->alarms);
	db_bind_int64(q, 14, (int)r->quality);
	bind_opt(q, 15, map != NULL, map ? map->id : 0);
	if (run(s, q, "storing a reading") < 0)
		return -1;
	inserted = db_changes(s->db) > 0;
	if (inserted && pending_add(s, gw, (int64_t)r->seq) < 0)
		return -1;
	return inserted;
}

/* A growing string, for the array literals of PostgreSQL's queries over many rows. */
struct abuf {
	char *p;
	size_t len, cap;
};

static void abuf_putc(struct abuf *b, char c)
{
	if (b->len + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->p = xrealloc(b->p, b->cap);
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

/* Appends a comma (but first) and an integer. */
static void abuf_int(struct abuf *b, int64_t v)
{
	char t[32];
	if (b->len > 1)
		abuf_putc(b, ',');
	snprintf(t, sizeof t, "%lld", (long long)v);
	for (char *c = t; *c; c++)
		abuf_putc(b, *c);
}

/* Appends v to an array literal of text, quoted for PostgreSQL. */
static void abuf_text(struct abuf *b, const char *v)
{
	if (b->len > 1)
		abuf_putc(b, ',');
	abuf_putc(b, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			abuf_putc(b, '\\');
		abuf_putc(b, *v);
	}
	abuf_putc(b, '"');
}

/* Appends an optional integer to an array literal: NULL when absent. */
static void abuf_opt(struct abuf *b, int present, int64_t v)
{
	if (present) {
		abuf_int(b, v);
		return;
	}
	if (b->len > 1)
		abuf_putc(b, ',');
	for (const char *c = "NULL"; *c; c++)
		abuf_putc(b, *c);
}

/* bind_scaled's value for an array literal. */
static void abuf_scaled(struct abuf *b, int present, double v, double per_unit)
{
	int64_t x = 0;
	int ok = scaled(present, v, per_unit, &x);
	abuf_opt(b, ok, x);
}

/* A reading of store_readings_insert by its key in ids, for matching RETURNING rows. */
struct ins_key {
	int64_t dev, ts, gw, seq;
	size_t i;
	struct dict_ent *gw_ent;
};

static int ins_key_cmp(const void *a, const void *b)
{
	const struct ins_key *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->gw != y->gw)
		return x->gw < y->gw ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Marks the first not yet marked reading of key k (in the sorted keys) as inserted. */
static void ins_mark(const struct ins_key *keys, size_t n, const struct ins_key *k, int *inserted)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct ins_key t = *k;
		t.i = 0;
		if (ins_key_cmp(&keys[mid], &t) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && keys[lo].dev == k->dev && keys[lo].ts == k->ts && keys[lo].gw == k->gw &&
	       keys[lo].seq == k->seq;
	     lo++)
		if (!inserted[keys[lo].i]) {
			inserted[keys[lo].i] = 1;
			return;
		}
}

int store_readings_insert(struct store *s, const struct reading *const *r, size_t n, int *inserted)
{
	struct ins_key *keys;
	struct abuf a[15];
	struct db_stmt *q;
	size_t i;
	int k, rc = -1;
	if (db_engine(s->db) != DB_PG || n < 2) {
		for (i = 0; i < n; i++) {
			if ((rc = store_reading_insert(s, r[i])) < 0)
				return -1;
			inserted[i] = rc;
		}
		return 0;
	}
	keys = xcalloc(n, sizeof *keys);
	memset(a, 0, sizeof a);
	for (k = 0; k < 15; k++)
		abuf_putc(&a[k], '{');
	for (i = 0; i < n; i++) {
		const struct reading *x = r[i];
		struct dict_ent *dev, *gw, *map;
		int64_t pw;
		int has_pw;
		if (reading_ids(s, x, &dev, &gw, &map) < 0)
			goto done;
		inserted[i] = 0;
		keys[i] = (struct ins_key){dev->id, x->ts_ms, gw->id, (int64_t)x->seq, i, gw};
		abuf_int(&a[0], dev->id);
		abuf_int(&a[1], x->ts_ms);
		abuf_int(&a[2], gw->id);
		abuf_int(&a[3], (int64_t)x->seq);
		abuf_int(&a[4], (int)x->kind);
		abuf_int(&a[5], (int)x->state);
		has_pw = power_col(x, &pw);
		abuf_opt(&a[6], has_pw, pw);
		abuf_opt(&a[7], x->has & READING_HAS_ENERGY, x->energy_wh);
		abuf_opt(&a[8], x->has & READING_HAS_IMPORT, x->import_wh);
		abuf_opt(&a[9], x->has & READING_HAS_TODAY, x->today_wh);
		abuf_scaled(&a[10], x->has & READING_HAS_TEMP, x->temp_c, 10.0);
		abuf_scaled(&a[11], x->has & READING_HAS_HZ, x->grid_hz, 100.0);
		abuf_opt(&a[12], x->has & READING_HAS_ALARMS, (int64_t)x->alarms);
		abuf_int(&a[13], (int)x->quality);
		abuf_opt(&a[14], map != NULL, map ? map->id : 0);
	}
	for (k = 0; k < 15; k++)
		abuf_putc(&a[k], '}');
	qsort(keys, n, sizeof *keys, ins_key_cmp);
	if (!(q = stmt(s, ST_READINGS_INSERT)))
		goto done;
	for (k = 0; k < 15; k++)
		db_bind_text(q, k + 1, a[k].p);
	while ((k = db_step(q)) == DB_ROW) {
		struct ins_key t = {db_column_int64(q, 0),
		                    db_column_int64(q, 1),
		                    db_column_int64(q, 2),
		                    db_column_int64(q, 3),
		                    0,
		                    NULL};
		ins_mark(keys, n, &t, inserted);
	}
	db_reset(q);
	if (k != DB_DONE) {
		fail(s, "storing readings");
		goto done;
	}
	for (i = 0; i < n; i++)
		if (inserted[keys[i].i] && pending_add(s, keys[i].gw_ent, keys[i].seq) < 0)
			goto done;
	rc = 0;
done:
	for (k = 0; k < 15; k++)
		free(a[k].p);
	free(keys);
	return rc;
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

/* The gateway's ack moved to acked: its pending seqs at or below it are covered. */
static int pending_drop(struct store *s, const char *name, int64_t acked)
{
	struct dict_ent *gw;
	struct db_stmt *q;
	int rc = dict_get(s, DICT_GW, name, NULL, 0, &gw);
	if (rc <= 0)
		return rc; /* no reading of it yet: nothing pending */
	if (!(q = stmt(s, ST_PENDING_DROP)))
		return -1;
	db_bind_int64(q, 1, gw->id);
	db_bind_int64(q, 2, acked);
	if (run(s, q, "dropping acknowledged seqs") < 0)
		return -1;
	gw->acked = acked;
	gw->has_acked = 1;
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
	if (run(s, q, "storing a gateway") < 0)
		return -1;
	return pending_drop(s, g->gw, g->acked_seq);
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
	struct db_stmt *q;
	struct dict_ent *e;
	int rc = dict_get(s, DICT_GW, gw, NULL, 0, &e);
	if (rc < 0 || !(q = stmt(s, ST_GATEWAY_SEQS)))
		return -1;
	db_bind_int64(q, 1, rc ? e->id : 0); /* ids start at 1 */
	db_bind_int64(q, 2, after);
	db_bind_text(q, 3, gw);
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

/* Reads ST_DAILY_GET's columns, from column c on, into *d. */
static void daily_cols(struct db_stmt *q, int c, struct store_daily *d)
{
	int64_t t;
	memset(d, 0, sizeof *d);
	d->day = (int)db_column_int64(q, c);
	d->kind = (int)db_column_int64(q, c + 1);
	d->n_readings = db_column_int64(q, c + 2);
	d->has_first = col_opt(q, c + 3, &d->first_ts);
	col_opt(q, c + 4, &d->first_wh);
	d->has_last = col_opt(q, c + 5, &d->last_ts);
	col_opt(q, c + 6, &d->last_wh);
	d->delta_wh = db_column_int64(q, c + 7);
	d->resets = db_column_int64(q, c + 8);
	d->excluded = db_column_int64(q, c + 9);
	d->has_peak = col_opt(q, c + 10, &t);
	d->peak_w = t;
	d->asleep_s = db_column_int64(q, c + 11);
	d->offline_s = db_column_int64(q, c + 12);
	d->fault_s = db_column_int64(q, c + 13);
	d->alarms = (uint64_t)db_column_int64(q, c + 14);
	copy_map(d, q, c + 15);
}

/* Runs a daily SELECT (ST_DAILY_GET or ST_DAILY_LATEST, already bound) into *d. */
static int daily_row(struct store *s, struct db_stmt *q, struct store_daily *d)
{
	int rc = db_step(q);
	if (rc == DB_ROW)
		daily_cols(q, 0, d);
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
	int i, rc = -1, open = 0;

	/* one savepoint: the rows are written to the temp file once, not one commit each */
	if (db_exec(s->db, "SAVEPOINT day_ranges") < 0)
		goto fail;
	open = 1;
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
	db_finalize(q);
	if (open && rc == 0 && db_exec(s->db, "RELEASE day_ranges") < 0)
		rc = -1;
	if (rc < 0)
		fail(s, "listing the devices to read");
	if (open && rc < 0)
		(void)db_exec(s->db, "ROLLBACK TO day_ranges; RELEASE day_ranges");
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
	    " from_day = coalesce((SELECT t.day FROM daily AS t"
	    " WHERE t.station = day_ranges.station AND t.device = day_ranges.device"
	    " AND t.day < day_ranges.from_day AND t.day >= day_ranges.from_day - ?1"
	    " AND t.last_ts IS NOT NULL AND t.last_wh IS NOT NULL"
	    " ORDER BY t.day DESC LIMIT 1), from_day),"
	    " to_day = coalesce((SELECT t.day FROM daily AS t"
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
 * PostgreSQL's form of the ranges query: the ranges come as arrays (a
 * read-only connection may not create a temporary table) and are widened in
 * the same statement.
 */
static struct db_stmt *ranges_pg(struct store *s, const struct store_day_range *rg, int n,
                                 int32_t reach, char **arrays)
{
	static const char sql[] =
	    "WITH r0 AS (SELECT * FROM unnest(?1::bigint[], ?2::text[], ?3::text[], ?4::bigint[],"
	    " ?5::bigint[]) AS x (seq, station, device, from_day, to_day)),"
	    " r AS (SELECT r0.seq, r0.station, r0.device,"
	    " coalesce((SELECT t.day FROM daily AS t"
	    " WHERE t.station = r0.station AND t.device = r0.device"
	    " AND t.day < r0.from_day AND t.day >= r0.from_day - ?6"
	    " AND t.last_ts IS NOT NULL AND t.last_wh IS NOT NULL"
	    " ORDER BY t.day DESC LIMIT 1), r0.from_day) AS from_day,"
	    " coalesce((SELECT t.day FROM daily AS t"
	    " WHERE t.station = r0.station AND t.device = r0.device"
	    " AND t.day > r0.to_day AND t.day <= r0.to_day + ?6"
	    " AND t.first_ts IS NOT NULL AND t.first_wh IS NOT NULL"
	    " ORDER BY t.day LIMIT 1), r0.to_day) AS to_day FROM r0)"
	    " SELECT r.seq, t.day, t.kind, coalesce(t.first_ts, -1), coalesce(t.first_wh, -1),"
	    " coalesce(t.last_ts, -1), coalesce(t.last_wh, -1), t.delta_wh, t.n_readings, t.resets,"
	    " t.excluded, t.offline_s, t.fault_s, t.asleep_s, t.alarms, t.alarm_map"
	    " FROM r JOIN daily AS t ON t.station = r.station AND t.device = r.device"
	    " AND t.day BETWEEN r.from_day AND r.to_day"
	    " ORDER BY r.seq, t.day";
	struct abuf b[5];
	struct db_stmt *q;
	int i, k;
	memset(b, 0, sizeof b);
	for (k = 0; k < 5; k++)
		abuf_putc(&b[k], '{');
	for (i = 0; i < n; i++) {
		abuf_int(&b[0], i);
		abuf_text(&b[1], rg[i].station);
		abuf_text(&b[2], rg[i].device);
		abuf_int(&b[3], rg[i].from);
		abuf_int(&b[4], rg[i].to);
	}
	for (k = 0; k < 5; k++) {
		abuf_putc(&b[k], '}');
		arrays[k] = b[k].p;
	}
	if (!(q = db_prepare(s->db, sql)))
		return NULL;
	for (k = 0; k < 5; k++)
		db_bind_text(q, k + 1, arrays[k]);
	db_bind_int64(q, 6, reach > 0 ? reach : INT64_C(1) << 40);
	return q;
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
	char *arrays[5] = {NULL};
	int rc, ret = -1;

	if (n <= 0)
		return 0;
	if (db_engine(s->db) == DB_PG)
		q = ranges_pg(s, rg, n, reach, arrays);
	else if (ranges_table(s, rg, n) < 0 || ranges_widen(s, reach) < 0)
		return -1;
	else
		q = db_prepare(s->db, sql);
	if (!q) {
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
	for (int k = 0; k < 5; k++)
		free(arrays[k]);
	return ret;
}

/* Reads ST_HOURLY_GET's columns, from column c on, into *h. */
static void hourly_cols(struct db_stmt *q, int c, struct store_hourly *h)
{
	memset(h, 0, sizeof *h);
	h->day = (int)db_column_int64(q, c);
	h->hour = (int)db_column_int64(q, c + 1);
	h->wh = db_column_int64(q, c + 2);
	h->n = db_column_int64(q, c + 3);
	h->has_peak = col_opt(q, c + 4, &h->peak_w);
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
	if (rc == DB_ROW)
		hourly_cols(q, 0, h);
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

/* Fills a reading of station/device from the READING_COLS columns. */
static void reading_row(struct store *s, struct db_stmt *q, const char *station, const char *device,
                        struct reading *r)
{
	int64_t v;
	memset(r, 0, sizeof *r);
	util_strlcpy(r->gw, dict_name(s, DICT_GW, db_column_int64(q, 0)), sizeof r->gw);
	r->seq = (uint64_t)db_column_int64(q, 1);
	util_strlcpy(r->station, station, sizeof r->station);
	util_strlcpy(r->device, device, sizeof r->device);
	v = db_column_int64(q, 2);
	r->kind = v > 0 && v < READING_KIND_COUNT ? (enum reading_kind)v : READING_INVERTER;
	r->ts_ms = db_column_int64(q, 3);
	v = (int)db_column_int64(q, 4);
	r->state = v >= 0 && v < STATE_COUNT ? (enum reading_state)v : STATE_UNKNOWN;
	if (r->kind == READING_SENSOR) {
		if (col_opt(q, 5, &r->irradiance_wm2))
			r->has |= READING_HAS_IRRADIANCE;
	} else if (col_opt(q, 5, &r->ac_power_w)) {
		r->has |= READING_HAS_POWER;
	}
	if (col_opt(q, 6, &r->energy_wh))
		r->has |= READING_HAS_ENERGY;
	if (col_opt(q, 7, &r->import_wh))
		r->has |= READING_HAS_IMPORT;
	if (col_opt(q, 8, &r->today_wh))
		r->has |= READING_HAS_TODAY;
	if (col_opt(q, 9, &v)) {
		r->temp_c = (double)v / 10.0;
		r->has |= READING_HAS_TEMP;
	}
	if (col_opt(q, 10, &v)) {
		r->grid_hz = (double)v / 100.0;
		r->has |= READING_HAS_HZ;
	}
	if (col_opt(q, 11, &v)) {
		r->alarms = (uint64_t)v;
		r->has |= READING_HAS_ALARMS;
	}
	r->quality = (uint32_t)(int)db_column_int64(q, 12);
	if (col_opt(q, 13, &v))
		util_strlcpy(r->map, dict_name(s, DICT_MAP, v), sizeof r->map);
}

/* store.h's key order within a device: (ts, gateway name, seq). */
static int key_cmp(int64_t ts_a, const char *gw_a, int64_t seq_a, int64_t ts_b, const char *gw_b,
                   int64_t seq_b)
{
	int c;
	if (ts_a != ts_b)
		return ts_a < ts_b ? -1 : 1;
	if ((c = strcmp(gw_a, gw_b)) != 0)
		return c < 0 ? -1 : 1;
	return seq_a < seq_b ? -1 : seq_a > seq_b;
}

static int reading_cmp(const void *a, const void *b)
{
	const struct reading *x = a, *y = b;
	return key_cmp(x->ts_ms, x->gw, (int64_t)x->seq, y->ts_ms, y->gw, (int64_t)y->seq);
}

/*
 * Steps q (bound; its rows share one ts) and keeps in *out the greatest
 * reading with key below (ts, gw, seq), or the smallest of all when first.
 * 1 found, 0 none, -1 error.
 */
static int pick_row(struct store *s, struct db_stmt *q, const char *station, const char *device,
                    int first, int64_t ts, const char *gw, int64_t seq, struct reading *out)
{
	struct reading r;
	int rc, found = 0;
	while ((rc = db_step(q)) == DB_ROW) {
		reading_row(s, q, station, device, &r);
		if (first ? found && reading_cmp(&r, out) >= 0
		          : key_cmp(r.ts_ms, r.gw, (int64_t)r.seq, ts, gw, seq) >= 0 ||
		                (found && reading_cmp(&r, out) <= 0))
			continue;
		*out = r;
		found = 1;
	}
	db_reset(q);
	return rc == DB_DONE ? found : -1;
}

int store_reading_last(struct store *s, const char *station, const char *device, int64_t ts,
                       const char *gw, int64_t seq, int good_only, struct reading *out)
{
	struct db_stmt *q;
	int64_t dev = 0;
	int rc = dev_id(s, station, device, &dev);
	if (rc <= 0)
		return rc;
	if (!gw)
		gw = "";
	/*
	 * readings at ts itself that sort before (gw, seq), then the last
	 * timestamp before ts; none sorts before ("", 0), the key a device's
	 * state is loaded from, so that costs no query
	 */
	rc = 0;
	if (gw[0] || seq > 0) {
		if (!(q = stmt(s, good_only ? ST_LAST_GOOD_AT : ST_LAST_ANY_AT)))
			return -1;
		db_bind_int64(q, 1, dev);
		db_bind_int64(q, 2, ts);
		rc = pick_row(s, q, station, device, 0, ts, gw, seq, out);
	}
	if (rc == 0) {
		if (!(q = stmt(s, good_only ? ST_LAST_GOOD : ST_LAST_ANY)))
			return -1;
		db_bind_int64(q, 1, dev);
		db_bind_int64(q, 2, ts);
		rc = pick_row(s, q, station, device, 0, ts, gw, seq, out);
	}
	return rc >= 0 ? rc : fail(s, "reading a device's last reading");
}

int store_reading_first(struct store *s, const char *station, const char *device,
                        struct reading *out)
{
	struct db_stmt *q;
	int64_t dev = 0;
	int rc = dev_id(s, station, device, &dev);
	if (rc <= 0)
		return rc;
	if (!(q = stmt(s, ST_FIRST)))
		return -1;
	db_bind_int64(q, 1, dev);
	rc = pick_row(s, q, station, device, 1, 0, "", 0, out);
	return rc >= 0 ? rc : fail(s, "reading a device's first reading");
}

/* The array literals of store_dev_heads' queries, and what is left to free. */
struct heads_arrays {
	struct abuf a[5];
};

static void heads_open(struct heads_arrays *x)
{
	int k;
	memset(x, 0, sizeof *x);
	for (k = 0; k < 5; k++)
		abuf_putc(&x->a[k], '{');
}

static void heads_close(struct heads_arrays *x)
{
	int k;
	for (k = 0; k < 5; k++)
		abuf_putc(&x->a[k], '}');
}

static void heads_free(struct heads_arrays *x)
{
	int k;
	for (k = 0; k < 5; k++)
		free(x->a[k].p);
}

/* Gives each device of h its id in ids (0: none), creating the missing ones with create. */
static int heads_ids(struct store *s, const struct store_dev_head *h, size_t n, int create,
                     int64_t *ids)
{
	struct dict *dd = &s->dict[DICT_DEV];
	struct heads_arrays x;
	struct db_stmt *q;
	struct dict_ent *e;
	size_t i, miss = 0;
	int rc = 0;
	heads_open(&x);
	for (i = 0; i < n; i++) {
		e = dict_find(dd, h[i].station, h[i].device, dict_hash(h[i].station, h[i].device));
		ids[i] = e ? e->id : 0;
		if (!e) {
			abuf_text(&x.a[0], h[i].station);
			abuf_text(&x.a[1], h[i].device);
			miss++;
		}
	}
	heads_close(&x);
	if (miss == 0)
		goto done;
	rc = -1;
	if (create && !s->readonly) {
		if (!(q = stmt(s, ST_HEADS_DEV_ADD)))
			goto done;
		db_bind_text(q, 1, x.a[0].p);
		db_bind_text(q, 2, x.a[1].p);
		if (run(s, q, "adding devices' ids") < 0)
			goto done;
	}
	if (!(q = stmt(s, ST_HEADS_DEV_IDS)))
		goto done;
	db_bind_text(q, 1, x.a[0].p);
	db_bind_text(q, 2, x.a[1].p);
	while ((rc = db_step(q)) == DB_ROW) {
		const char *st = db_column_text(q, 1), *dv = db_column_text(q, 2);
		size_t hh;
		if (!st || !dv)
			continue;
		hh = dict_hash(st, dv);
		if (!dict_find(dd, st, dv, hh))
			dict_add(dd, st, dv, hh, db_column_int64(q, 0));
	}
	db_reset(q);
	if (rc != DB_DONE) {
		rc = fail(s, "looking up devices' ids");
		goto done;
	}
	rc = 0;
	for (i = 0; i < n; i++)
		if (!ids[i]) {
			e = dict_find(dd, h[i].station, h[i].device,
			              dict_hash(h[i].station, h[i].device));
			ids[i] = e ? e->id : 0;
		}
done:
	heads_free(&x);
	return rc;
}

/* The devices' last and last good readings (ties at one ts: the greatest key wins). */
static int heads_last(struct store *s, struct store_dev_head *h, size_t n, const int64_t *ids)
{
	struct heads_arrays x;
	struct db_stmt *q;
	struct good_key {
		char gw[READING_ID_MAX];
		int64_t seq;
	} *gk = xcalloc(n, sizeof *gk);
	size_t i, m = 0;
	int rc = 0;
	heads_open(&x);
	for (i = 0; i < n; i++)
		if (ids[i] > 0) {
			abuf_int(&x.a[0], (int64_t)i);
			abuf_int(&x.a[1], ids[i]);
			m++;
		}
	heads_close(&x);
	if (m == 0)
		goto done;
	rc = -1;
	if (!(q = stmt(s, ST_HEADS_LAST)))
		goto done;
	db_bind_text(q, 1, x.a[0].p);
	db_bind_text(q, 2, x.a[1].p);
	while ((rc = db_step(q)) == DB_ROW) {
		int64_t k = db_column_int64(q, 0), seq = db_column_int64(q, 3),
		        ts = db_column_int64(q, 4), st = db_column_int64(q, 5);
		const char *gw = dict_name(s, DICT_GW, db_column_int64(q, 2));
		struct store_dev_head *d;
		if (k < 0 || (size_t)k >= n)
			continue;
		d = &h[k];
		if (db_column_int64(q, 1) == 0) {
			if (d->has_last && key_cmp(ts, gw, seq, d->last.ts_ms, d->last.gw,
			                           (int64_t)d->last.seq) <= 0)
				continue;
			d->has_last = 1;
			util_strlcpy(d->last.gw, gw, sizeof d->last.gw);
			d->last.seq = (uint64_t)seq;
			d->last.ts_ms = ts;
			d->last.state =
			    st >= 0 && st < STATE_COUNT ? (enum reading_state)st : STATE_UNKNOWN;
		} else {
			if (d->has_good &&
			    key_cmp(ts, gw, seq, d->good_ts, gk[k].gw, gk[k].seq) <= 0)
				continue;
			d->has_good = 1;
			d->good_ts = ts;
			d->good_wh = db_column_int64(q, 6);
			util_strlcpy(gk[k].gw, gw, sizeof gk[k].gw);
			gk[k].seq = seq;
		}
	}
	db_reset(q);
	rc = rc == DB_DONE ? 0 : fail(s, "reading devices' last readings");
done:
	free(gk);
	heads_free(&x);
	return rc;
}

/* The devices' daily rows of their day and latest with a counter, and their hourly rows. */
static int heads_rollups(struct store *s, struct store_dev_head *h, size_t n)
{
	struct heads_arrays x;
	struct db_stmt *q;
	size_t i;
	int rc = -1;
	heads_open(&x);
	for (i = 0; i < n; i++) {
		abuf_int(&x.a[0], (int64_t)i);
		abuf_text(&x.a[1], h[i].station);
		abuf_text(&x.a[2], h[i].device);
		abuf_int(&x.a[3], h[i].day);
		abuf_int(&x.a[4], h[i].hour);
	}
	heads_close(&x);
	if (!(q = stmt(s, ST_HEADS_DAILY)))
		goto done;
	for (i = 0; i < 4; i++)
		db_bind_text(q, (int)i + 1, x.a[i].p);
	while ((rc = db_step(q)) == DB_ROW) {
		int64_t k = db_column_int64(q, 0);
		if (k < 0 || (size_t)k >= n)
			continue;
		if (db_column_int64(q, 1) == 0) {
			h[k].has_day = 1;
			daily_cols(q, 2, &h[k].day_row);
		} else {
			h[k].has_latest = 1;
			daily_cols(q, 2, &h[k].latest);
		}
	}
	db_reset(q);
	if (rc != DB_DONE) {
		rc = fail(s, "reading devices' daily roll-ups");
		goto done;
	}
	rc = -1;
	if (!(q = stmt(s, ST_HEADS_HOURLY)))
		goto done;
	for (i = 0; i < 5; i++)
		db_bind_text(q, (int)i + 1, x.a[i].p);
	while ((rc = db_step(q)) == DB_ROW) {
		int64_t k = db_column_int64(q, 0);
		if (k < 0 || (size_t)k >= n)
			continue;
		h[k].has_hour = 1;
		hourly_cols(q, 1, &h[k].hour_row);
	}
	db_reset(q);
	rc = rc == DB_DONE ? 0 : fail(s, "reading devices' hourly roll-ups");
done:
	heads_free(&x);
	return rc;
}

int store_loads_in_bulk(const struct store *s)
{
	return db_engine(s->db) == DB_PG;
}

int store_dev_heads(struct store *s, struct store_dev_head *h, size_t n, int create)
{
	int64_t *ids;
	size_t i;
	int rc;
	if (db_engine(s->db) != DB_PG)
		return 0;
	for (i = 0; i < n; i++) {
		h[i].has_last = h[i].has_good = h[i].has_latest = 0;
		h[i].has_day = h[i].has_hour = 0;
		memset(&h[i].last, 0, sizeof h[i].last);
	}
	if (n == 0)
		return 1;
	ids = xcalloc(n, sizeof *ids);
	rc = heads_ids(s, h, n, create, ids);
	if (rc == 0)
		rc = heads_last(s, h, n, ids);
	if (rc == 0)
		rc = heads_rollups(s, h, n);
	free(ids);
	return rc < 0 ? -1 : 1;
}

/* Hands fn the readings of one timestamp in key order; -1 when fn failed. */
static int emit_group(struct reading *g, size_t n, int (*fn)(void *ctx, const struct reading *r),
                      void *ctx)
{
	size_t i;
	if (n > 1)
		qsort(g, n, sizeof *g, reading_cmp);
	for (i = 0; i < n; i++)
		if (fn(ctx, &g[i]) < 0)
			return -1;
	return 0;
}

int store_readings_each(struct store *s, const char *station, const char *device, int64_t from_ms,
                        int64_t to_ms, int (*fn)(void *ctx, const struct reading *r), void *ctx)
{
	struct db_stmt *q;
	struct reading one[4], *g = one;
	size_t n = 0, cap = sizeof one / sizeof one[0];
	int64_t dev = 0;
	int rc = dev_id(s, station, device, &dev), ret = 0;
	if (rc <= 0)
		return rc;
	if (!(q = stmt(s, ST_RANGE)))
		return -1;
	db_bind_int64(q, 1, dev);
	db_bind_int64(q, 2, from_ms);
	db_bind_int64(q, 3, to_ms);
	while ((rc = db_step(q)) == DB_ROW) {
		/* rows come in (ts, gateway id, seq) order: a timestamp's group is sorted by name
		 */
		if (n > 0 && db_column_int64(q, 3) != g[0].ts_ms) {
			if (emit_group(g, n, fn, ctx) < 0) {
				ret = -1;
				break;
			}
			n = 0;
		}
		if (n == cap) {
			cap *= 2;
			if (g == one) {
				g = xcalloc(cap, sizeof *g);
				memcpy(g, one, sizeof one);
			} else {
				g = xrealloc(g, cap * sizeof *g);
			}
		}
		reading_row(s, q, station, device, &g[n++]);
	}
	if (ret == 0 && rc == DB_DONE && emit_group(g, n, fn, ctx) < 0)
		ret = -1;
	db_reset(q);
	if (g != one)
		free(g);
	if (ret < 0)
		return -1;
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
	int64_t dev = 0;
	int rc, known;

	memset(out, 0, sizeof *out);
	out->last_state = -1;
	if ((known = dev_id(s, station, device, &dev)) < 0)
		return -1;
	rc = 0;
	if (known) {
		if (!(q = stmt(s, ST_S_LAST)))
			return -1;
		db_bind_int64(q, 1, dev);
		db_bind_int64(q, 2, now_ms);
		if ((rc = status_row(s, q, "reading a device's last reading")) < 0)
			return -1;
	}
	if (rc) {
		out->has_raw = 1;
		out->last_ms = db_column_int64(q, 0);
		out->last_state = (int)db_column_int64(q, 1);
		db_reset(q);
	}
	if (out->has_raw && (out->last_state == STATE_OFFLINE || out->last_state == STATE_FAULT)) {
		if (!(q = stmt(s, ST_S_RUN)))
			return -1;
		db_bind_int64(q, 1, dev);
		db_bind_int64(q, 2, out->last_state);
		db_bind_int64(q, 3, now_ms);
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
		if (!(q = stmt(s, ST_S_FIRST)))
			return -1;
		db_bind_int64(q, 1, dev);
		db_bind_int64(q, 2, since_ms);
		db_bind_int64(q, 3, now_ms);
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
	/* PostgreSQL drops the months wholly before the cutoff; the deletes see the rest */
	if (db_engine(s->db) == DB_PG && store_pg_prune(s, &s->pg, before_ms, deleted) < 0)
		return -1;
	if (!(devs = db_prepare(s->db, stmt_sql[ST_PRUNE_DEVICES])))
		return fail(s, "listing devices to prune");
	while ((rc = db_step(devs)) == DB_ROW) {
		if (!(del = stmt(s, ST_PRUNE_DEVICE)))
			goto fail;
		db_bind_int64(del, 1, db_column_int64(devs, 0));
		db_bind_int64(del, 2, before_ms);
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
	if (r->kind == READING_SENSOR)
		return (r->has & READING_HAS_IRRADIANCE) && !(r->quality & BAD_COUNTER);
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
	struct db_stmt *q;
	int64_t dev = 0;
	int rc = dev_id(s, station, device, &dev);
	if (rc <= 0)
		return rc;
	if (!(q = stmt(s, ST_STATE_SINCE)))
		return -1;
	db_bind_int64(q, 1, dev);
	db_bind_int64(q, 2, state);
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
