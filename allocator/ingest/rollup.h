/*
 * rollup: stores readings and keeps the daily and hourly roll-ups of
 * docs/storage.md up to date as they arrive, without MQTT, so that ingest,
 * the demo's history filler and benchmarks all go through the same path.
 *
 * Use inside a store transaction:
 *     store_begin(s);
 *     for each reading: rollup_put(ru, &r);    // stores it once and rolls it up
 *     rollup_flush(ru);                        // writes the roll-up rows
 *     store_commit(s);                         // or store_rollback + rollup_forget
 * Readings may come in any order: one older than its device's latest makes
 * rollup_flush recompute that device's days from the raw readings.
 * The caller sets the county's zone with caltime_set_zone first.
 */
#ifndef PVMON_ALLOCATOR_ROLLUP_H
#define PVMON_ALLOCATOR_ROLLUP_H

#include <stdint.h>

#include "reading.h"
#include "store.h"

/* A device's counter bound in W (inverter nameplate, or the station for a meter); 0: unknown. */
typedef int64_t (*rollup_capacity_fn)(void *ctx, const char *station, const char *device);

struct rollup_conf {
	int expected_interval_s;     /* state time per interval is capped at 3x this; default 60 */
	rollup_capacity_fn capacity; /* NULL: counter increments are not bounded */
	void *capacity_ctx;          /* borrowed */
	/*
	 * 1: roll up only, without storing raw readings (filling years of history
	 * fast). Then nothing detects duplicates and each device's readings must
	 * come in (ts, gw, seq) order: an older one is skipped and counted.
	 */
	int skip_raw;
};

struct rollup; /* opaque */

/* The store is borrowed and must outlive the roll-up. */
struct rollup *rollup_new(struct store *s, const struct rollup_conf *conf);
void rollup_free(struct rollup *ru);

/*
 * Stores r (a validated reading) unless its (gw, seq) is already stored, and
 * rolls it up: 1 stored, 0 duplicate (nothing changed), -1 database error
 * (store_error tells why; roll back and call rollup_forget).
 */
int rollup_put(struct rollup *ru, const struct reading *r);
/*
 * rollup_put for rs[0..n) in order, res[i] its result (1 stored, 0
 * duplicate); 0 or -1 (database error). Where the store can (PostgreSQL),
 * the devices without cached state are loaded first, all at once
 * (store_dev_heads), and the readings are stored in one statement
 * (store_readings_insert): a handful of round trips for a batch instead of
 * a few per reading.
 */
int rollup_put_batch(struct rollup *ru, const struct reading *const *rs, size_t n, int *res);
/* Writes the pending roll-up rows and recomputations; call before store_commit. */
int rollup_flush(struct rollup *ru);
/* Drops all cached device state; needed after a rollback (it is reloaded from the database). */
void rollup_forget(struct rollup *ru);
/*
 * Drops the cached state of one device, so that its next reading reloads it
 * from the database: another ingest worker may have rolled it up meanwhile.
 * Only between flushes (nothing of the device pending).
 */
void rollup_invalidate(struct rollup *ru, const char *station, const char *device);
/* Recomputes all roll-ups of one device from its raw readings (inside a transaction). */
int rollup_rebuild(struct rollup *ru, const char *station, const char *device);

/* Counters since rollup_new: readings stored, duplicates, device recomputations. */
struct rollup_stats {
	int64_t stored, duplicates, recomputes;
	int64_t skipped; /* skip_raw: readings older than their device's last, not rolled up */
};
void rollup_stats(const struct rollup *ru, struct rollup_stats *out);

#endif
