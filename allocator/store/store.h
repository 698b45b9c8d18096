/*
 * store: the central database, a SQLite file or PostgreSQL (docs/storage.md): opening, schema
 * migrations, transactions and every statement ingest and the roll-ups run
 * (the ledger's are in store_ledger.h).
 * One handle is used by one thread. Strings passed in are borrowed; rows
 * handed to callbacks are borrowed for the duration of the call.
 */
#ifndef PVMON_ALLOCATOR_STORE_H
#define PVMON_ALLOCATOR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "reading.h"

#define STORE_SCHEMA_VERSION 6

struct store; /* opaque */

/*
 * Opens (creating if needed) the database read-write: WAL, synchronous=FULL so
 * that a commit is on disk before it returns (ingest acknowledges after it),
 * a busy timeout, then migrations up to STORE_SCHEMA_VERSION in one
 * transaction. A file from a newer pvmon is refused. NULL and *cause on error.
 */
struct store *store_open(const char *path, char **cause);
/* Opens an existing database read-only (status, report); refuses other schema versions. */
struct store *store_open_readonly(const char *path, char **cause);
/*
 * Opens target, a SQLite path or a postgresql:// URL (docs/storage.md,
 * "PostgreSQL"), as store_open or store_open_readonly do; password_file (may
 * be NULL) holds the PostgreSQL password on its first line.
 */
struct store *store_open_conf(const char *target, const char *password_file, int readonly,
                              char **cause);
void store_close(struct store *s);
/* The last error, "database.db: what failed: sqlite message"; borrowed until the next call. */
const char *store_error(const struct store *s);
/* 1 when the last error was "database busy/locked" or "disk full/IO": worth retrying later. */
int store_error_transient(const struct store *s);

int store_begin(struct store *s);
int store_commit(struct store *s);
/* Rolls back the open transaction, if any. */
void store_rollback(struct store *s);

/*
 * Takes the lock called name until the open transaction ends, so that several
 * ingest workers on one database take turns on one gateway or device
 * (docs/scale.md). Callers take their locks in one order (sorted) right after
 * store_begin. PostgreSQL: a transaction-scoped advisory lock on a 64-bit hash
 * of the name (a collision only makes two names wait for each other), in a
 * READ COMMITTED transaction (the default), so that the statements after it see
 * what the lock's last holder committed (a REPEATABLE READ snapshot would be
 * taken before the wait); SQLite: nothing to do, BEGIN IMMEDIATE already holds
 * the one write lock of the file, and each statement sees the latest commit.
 */
int store_lock(struct store *s, const char *name);

/* Inserts a reading unless (gw, seq) exists: 1 inserted, 0 duplicate, -1 error. */
int store_reading_insert(struct store *s, const struct reading *r);
/*
 * store_reading_insert for r[0..n) in order: inserted[i] 1 or 0 (a duplicate
 * of a stored reading or of an earlier one in r). On PostgreSQL one
 * statement for all of them, elsewhere one at a time. 0 or -1 on error.
 */
int store_readings_insert(struct store *s, const struct reading *const *r, size_t n, int *inserted);
/* Stores a rejected payload; gw/seq may be NULL/0 when unknown. 1, 0 (same gw+seq), -1. */
int store_rejected_insert(struct store *s, int64_t received_ms, const char *topic,
                          const void *payload, size_t len, const char *reason, const char *gw,
                          int64_t seq);

/* One row of the gateways table. */
struct store_gateway {
	char gw[READING_ID_MAX];
	int64_t acked_seq, max_seq, lost_seqs;
	int64_t last_ms; /* 0: no reading yet */
	char status[16]; /* "" when never seen */
	char version[64];
	int64_t backlog; /* -1 when never reported */
	int64_t dropped_total, spool_min_seq, rejects;
};
/* 1 and *out when the gateway has a row, 0 (and *out zeroed with gw set) when not, -1. */
int store_gateway_get(struct store *s, const char *gw, struct store_gateway *out);
int store_gateway_put(struct store *s, const struct store_gateway *g);
/* Calls fn for each gateway in id order; stops early when fn returns non-zero. */
int store_gateway_each(struct store *s, int (*fn)(void *ctx, const struct store_gateway *g),
                       void *ctx);
/* Calls fn with each seq > after stored for gw (readings and rejects), ascending. */
int store_gateway_seqs(struct store *s, const char *gw, int64_t after,
                       void (*fn)(void *ctx, int64_t seq), void *ctx);

/* One row of the daily table; has_* say which nullable columns are set. */
struct store_daily {
	int32_t day;
	int kind;
	int64_t n_readings;
	int has_first, has_last, has_peak;
	int64_t first_ts, first_wh, last_ts, last_wh;
	int64_t delta_wh, resets, excluded, peak_w;
	int64_t asleep_s, offline_s, fault_s;
	uint64_t alarms;                 /* the alarm bits any reading of the day had */
	char alarm_map[READING_MAP_MAX]; /* the map of the last of them ("" none) */
};
struct store_hourly {
	int32_t day;
	int hour;
	int64_t wh, n;
	int has_peak;
	int64_t peak_w;
};
/* 1 and *out when the row exists, 0 when not, -1 on error. */
int store_daily_get(struct store *s, const char *station, const char *device, int32_t day,
                    struct store_daily *out);
/* The device's latest daily row that has a good counter reading: 1 and *out, 0 none, -1. */
int store_daily_latest(struct store *s, const char *station, const char *device,
                       struct store_daily *out);
int store_daily_put(struct store *s, const char *station, const char *device,
                    const struct store_daily *d);
/* Days from..to (inclusive) of one device, for store_daily_ranges; strings borrowed. */
struct store_day_range {
	const char *station, *device;
	int32_t from, to;
};
/*
 * Reads the daily rows of every range in one query, range by range (in array
 * order) and day by day, and calls fn with the range's index and the row
 * (peak_w is not read; has_peak is 0). Around each range it also reads back to
 * the device's last row with a good last reading before from, and on to its
 * first row with a good first reading after to, each at most reach days away
 * (0: no bound), so a gap across either end can be split. fn returning
 * non-zero stops early. Returns 0, or -1 (store_error says why).
 */
int store_daily_ranges(struct store *s, const struct store_day_range *rg, int n, int32_t reach,
                       int (*fn)(void *ctx, int i, const struct store_daily *d), void *ctx);

int store_hourly_get(struct store *s, const char *station, const char *device, int32_t day,
                     int hour, struct store_hourly *out);
int store_hourly_put(struct store *s, const char *station, const char *device,
                     const struct store_hourly *h);
/* Deletes a device's daily and hourly rows for days from..to (inclusive). */
int store_rollups_delete(struct store *s, const char *station, const char *device, int32_t from,
                         int32_t to);

/*
 * Raw readings of one device in (ts, gw, seq) order. The key of a reading is
 * that triple; "before" and "after" are strict in key order.
 * store_reading_last: the device's last reading with key < (ts, gw, seq)
 * (pass ts INT64_MAX for the very last); good_only keeps readings whose
 * counter is usable (energy present, no zero/jump/sentinel flag).
 * 1 and *out when found, 0 when none, -1 on error.
 */
int store_reading_last(struct store *s, const char *station, const char *device, int64_t ts,
                       const char *gw, int64_t seq, int good_only, struct reading *out);
/*
 * What a device's roll-up state starts from, for many devices at once: per
 * device what store_reading_last (from the very last, any and good_only),
 * store_daily_latest, store_daily_get(day) and store_hourly_get(day, hour)
 * give it. With create, devices without an id get one (a writer's call,
 * inside its transaction). On PostgreSQL a few queries for all of them, where one
 * device at a time would cost a round trip per query; 1 when filled, 0 when
 * the engine is local (SQLite: the caller loads device by device), -1 on error.
 */
struct store_dev_head {
	const char *station, *device; /* in */
	int32_t day;                  /* in: the day and hour rows wanted */
	int hour;
	int has_last;
	struct reading last; /* its key (gw, seq, ts) and state */
	int has_good;
	int64_t good_ts, good_wh; /* a sensor: the irradiance (W/m²) in good_wh */
	int has_latest;           /* the latest daily row with a last counter */
	struct store_daily latest;
	int has_day;
	struct store_daily day_row;
	int has_hour;
	struct store_hourly hour_row;
};
int store_dev_heads(struct store *s, struct store_dev_head *h, size_t n, int create);
/* 1 when store_dev_heads and store_readings_insert answer many rows in a few queries. */
int store_loads_in_bulk(const struct store *s);
/* The device's first stored reading: 1 and *out, 0 when none, -1 on error. */
int store_reading_first(struct store *s, const char *station, const char *device,
                        struct reading *out);
/* Calls fn for each reading of the device with from_ms <= ts < to_ms, in key order. */
int store_readings_each(struct store *s, const char *station, const char *device, int64_t from_ms,
                        int64_t to_ms, int (*fn)(void *ctx, const struct reading *r), void *ctx);

/* What `status` shows of a device: first and last raw reading, readings since a day. */
struct store_device_seen {
	int has_readings;
	int64_t first_ms, last_ms; /* of the raw readings kept */
	int64_t n_since;           /* sum of daily n_readings from since_day on */
};
int store_device_seen(struct store *s, const char *station, const char *device, int32_t since_day,
                      struct store_device_seen *out);

/*
 * For `status` (allocator/status.c), as of now_ms: a device's last raw
 * reading, since when it is in that state (offline or fault), the latest
 * roll-up rows when it has no raw readings, whether it has days before
 * since_day, and its first raw reading from since_ms on. Returns 0 or -1.
 */
struct store_device_state {
	int has_raw;               /* a raw reading with ts <= now_ms */
	int64_t last_ms;           /* its ts */
	int last_state;            /* its enum reading_state; -1 without */
	int64_t run_since_ms;      /* offline/fault: the first reading of that run; else 0 */
	int has_daily, has_hourly; /* without raw: the latest rows on or before today */
	int64_t daily_last_ts;     /* the daily row's last good reading; 0 when none */
	int32_t hourly_day;
	int hourly_hour;
	int before;             /* a daily row before since_day */
	int64_t first_since_ms; /* first raw reading with since_ms <= ts <= now_ms; 0 none */
};
int store_device_state(struct store *s, const char *station, const char *device, int64_t now_ms,
                       int32_t since_day, int64_t since_ms, struct store_device_state *out);
/*
 * Calls fn for each hourly row (hourly = 1: day, hour, n) or daily row
 * (hourly = 0: day, -1, n_readings) of a device with from_day <= day <= to_day,
 * in order; fn returning non-zero stops early. Returns 0 or -1.
 */
int store_status_hours(struct store *s, const char *station, const char *device, int32_t from_day,
                       int32_t to_day, int hourly,
                       int (*fn)(void *ctx, int32_t day, int hour, int64_t n), void *ctx);
/* Calls fn with each gateway's number of rejects received at or after since_ms. */
int store_rejects_since(struct store *s, int64_t since_ms,
                        void (*fn)(void *ctx, const char *gw, int64_t n), void *ctx);

/* Deletes raw readings and rejects older than before_ms; *deleted gets the count. */
/*
 * The last local day in [from, to] on which the device's counter rose (one
 * query down the daily primary key, bounded by the range): 1 and *day, 0 when
 * it produced on none of them, -1 on error.
 */
int store_last_produced(struct store *s, const char *station, const char *device, int32_t from,
                        int32_t to, int32_t *day);
int store_prune(struct store *s, int64_t before_ms, int64_t *deleted);

/*
 * 1 when a reading's counter may be used for energy, or a sensor's reading has
 * its irradiance (see docs/storage.md).
 */
int store_reading_good(const struct reading *r);

/* ---- alerts (schema version 3; docs/serve.md, "Alerts") ---- */

#define STORE_ALERT_ID_MAX 192

/* One row of the alerts table; text columns are "" when NULL, end_ms 0 while open. */
struct store_alert {
	char id[STORE_ALERT_ID_MAX];
	char rule[32], severity[16];
	char gw[READING_ID_MAX], station[READING_ID_MAX], device[READING_ID_MAX];
	int64_t start_ms, end_ms, updated_ms, value;
	int retained;                 /* 1 while its retained MQTT message is meant to exist */
	char village[READING_ID_MAX]; /* the village rules' subject (schema version 5) */
};
/* Inserts an open alert (end_ms and retained ignored) unless its id exists. */
int store_alert_insert(struct store *s, const struct store_alert *a);
int store_alert_update(struct store *s, const char *id, int64_t value, int64_t updated_ms);
int store_alert_clear(struct store *s, const char *id, int64_t end_ms);
/* Records that its retained message was removed from the broker. */
int store_alert_unretain(struct store *s, const char *id);
/* 1 and *out when found, 0 when not, -1 on error. */
int store_alert_get(struct store *s, const char *id, struct store_alert *out);
/*
 * Alerts, open first then newest first: only open ones when open_only, only
 * those of station / gw when not NULL, at most limit. fn returns non-zero to stop.
 */
int store_alerts_each(struct store *s, int open_only, const char *station, const char *gw,
                      int limit, int (*fn)(void *ctx, const struct store_alert *a), void *ctx);
/* Every alert whose retained message is meant to exist. */
int store_alerts_retained(struct store *s, int (*fn)(void *ctx, const struct store_alert *a),
                          void *ctx);
/* The highest value of rule's alerts for gw (0 when none). */
int store_alert_max_value(struct store *s, const char *rule, const char *gw, int64_t *out);
/*
 * When the device's current run in state began: the first reading after its
 * last reading in another state. 1 and *since_ms, 0 when it has none, -1.
 */
int store_state_since(struct store *s, const char *station, const char *device, int state,
                      int64_t *since_ms);
/* Rows in the rejected table. */
int store_rejected_count(struct store *s, int64_t *out);

/* ---- ingest's counters (schema version 5; docs/serve.md, "Metrics") ---- */

/* Commit latency buckets, upper bounds in ms (the last bucket is +Inf). */
#define STORE_COMMIT_BUCKETS 12
static const int64_t store_commit_bucket_ms[STORE_COMMIT_BUCKETS - 1] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

/* One ingest worker's counters since it started (they restart from 0 with it). */
struct store_ingest_stats {
	char worker[96]; /* ingest's client id, "<client_id>-<worker>": 47 + 1 + 47 */
	int64_t started_ms, updated_ms;
	int64_t stored, duplicates, rejected, statuses, batches, failures;
	int64_t batch_rows, last_batch_rows;       /* messages committed, and in the last batch */
	int64_t commit_us;                         /* sum of the commits' latencies */
	int64_t commit_hist[STORE_COMMIT_BUCKETS]; /* commits per latency bucket (not cumulative) */
};
/* Inserts or replaces the worker's row. */
int store_ingest_stats_put(struct store *s, const struct store_ingest_stats *x);
/* Calls fn for each worker's row in worker order; fn returns non-zero to stop. */
int store_ingest_stats_each(struct store *s,
                            int (*fn)(void *ctx, const struct store_ingest_stats *x), void *ctx);

#endif
