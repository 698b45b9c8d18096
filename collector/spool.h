/*
 * spool: the gateway's store-and-forward queue, a SQLite file in WAL mode.
 * Every reading gets the next per-gateway seq and is stored before it is
 * published; it leaves only when ingest's ack covers it, or when a bound
 * (rows, bytes, age) forces the oldest out, which is counted and persisted.
 * seq survives restarts and is never reused: the next seq lives in a meta
 * table written in the same transaction as the rows.
 * All functions are safe to call from several threads (one lock inside).
 */
#ifndef PVMON_SPOOL_H
#define PVMON_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "reading.h"

struct spool; /* opaque */

struct spool_opts {
	int64_t max_rows;  /* 0: unbounded */
	int64_t max_bytes; /* topic + payload + SPOOL_ROW_OVERHEAD per row; 0: unbounded */
	int64_t max_age_s; /* 0: unbounded */
	int sync_full;     /* 1: synchronous=FULL (power-cut safe); 0: NORMAL */
	int group_ms; /* commit at most this often, grouping what comes meanwhile; 0: at once */
};

/*
 * The collector's group_ms: every commit waits for the disk (synchronous=FULL)
 * and writes whole WAL pages, so a gateway with many bus threads commits at
 * most 20 times a second; a round waits at most this long for it.
 */
#define SPOOL_GROUP_MS 50

/* Bytes counted per row on top of its topic and payload (keys, page overhead). */
#define SPOOL_ROW_OVERHEAD 32

struct spool_stats {
	int64_t rows;      /* readings waiting for an ack */
	int64_t bytes;     /* their size as counted against max_bytes */
	int64_t dropped;   /* readings ever dropped by a bound (persisted) */
	uint64_t next_seq; /* the seq the next reading gets */
	uint64_t min_seq;  /* the lowest seq still spooled, or next_seq when empty */
};

/* Opens (creating if needed) the spool at path; NULL and *cause on error. */
struct spool *spool_open(const char *path, const struct spool_opts *o, char **cause);
/* Closes the file; accepts NULL. */
void spool_close(struct spool *s);

/*
 * Stores n readings in one transaction: each gets the next seq (written into
 * r[i].seq and r[i].gw is left as given) and its JSON payload. Bounds are
 * enforced in the same transaction; *dropped (may be NULL) receives how many
 * old readings this call dropped. Returns 0, or -1 when nothing was stored.
 * Calls from several threads at once may share one transaction (group
 * commit): the n readings still get consecutive seqs and commit together.
 * With group_ms, a call within group_ms of the last commit waits for the
 * rest of that time so that the calls arriving meanwhile share its commit.
 */
int spool_put(struct spool *s, struct reading *r, int n, int64_t now_ms, int64_t *dropped);

/* Deletes every reading with seq <= ack; returns how many went, or -1. */
int64_t spool_ack(struct spool *s, uint64_t ack);
/*
 * Records an ack whose delete the caller defers (spool_ack later): no SQL.
 * A bound then removes the acknowledged rows first, and does not count them
 * as dropped.
 */
void spool_note_ack(struct spool *s, uint64_t ack);

/*
 * Calls fn for up to max readings with seq > after, in seq order, with the
 * topic and payload borrowed for the call. fn returns 0 to go on, non-zero to
 * stop early. Returns how many rows fn was called for, or -1.
 */
int spool_each(struct spool *s, uint64_t after, int max,
               int (*fn)(void *ctx, uint64_t seq, const char *topic, const char *payload,
                         size_t len),
               void *ctx);

/*
 * Makes sure every seq handed out from now on is above seq (an ack beyond our
 * own numbers means the spool was replaced: never reuse a seq ingest holds).
 */
int spool_advance(struct spool *s, uint64_t seq);

/* Current counters. */
void spool_stats(struct spool *s, struct spool_stats *st);

/* Enforces the age bound now (readings can age while nothing is stored); returns drops or -1. */
int64_t spool_expire(struct spool *s, int64_t now_ms);

#endif
