/*
 * acks: per gateway, the seq ingest may acknowledge (every seq up to it is
 * stored, as a reading or a reject, or known lost at the collector's spool
 * bound) and the gateway's row of the gateways table, kept in memory and
 * rebuilt from the database at start. No I/O besides acks_load / acks_save.
 */
#ifndef PVMON_ALLOCATOR_ACKS_H
#define PVMON_ALLOCATOR_ACKS_H

#include <stdint.h>

#include "store.h"

/* Seqs further than this above the acked seq are not tracked (until the gap closes). */
#define ACKS_WINDOW (INT64_C(1) << 24)

struct acks; /* opaque */

struct acks *acks_new(void);
void acks_free(struct acks *a);
/* Forgets everything and rebuilds from the database: gateway rows and stored seqs above acked. */
int acks_load(struct acks *a, struct store *s);
/*
 * Forgets what is known of gw and reads it again: its row and its stored seqs
 * above the acked one (inside the caller's transaction, after store_lock),
 * for ingest workers that share the database (docs/scale.md).
 */
int acks_reload(struct acks *a, struct store *s, const char *gw);

/* The gateway's row (zeroed when new), borrowed until acks_load/acks_free; marks it changed. */
struct store_gateway *acks_gateway(struct acks *a, const char *gw);
/* seq of gw is stored; inserted says it was new (a new seq at or below the ack was counted lost).
 */
void acks_stored(struct acks *a, const char *gw, int64_t seq, int inserted);
/* The collector's spool holds nothing below min_seq: missing seqs below it are lost for good. */
void acks_spool_min(struct acks *a, const char *gw, int64_t min_seq);
/* The acked seq of gw (0 when unknown). */
int64_t acks_acked(struct acks *a, const char *gw);

/* Writes the changed gateway rows (inside the caller's transaction). */
int acks_save(struct acks *a, struct store *s);
/* Calls fn for each changed gateway with its acked seq, then clears the changed marks. */
void acks_each_changed(struct acks *a, void (*fn)(void *ctx, const char *gw, int64_t acked),
                       void *ctx);

#endif
