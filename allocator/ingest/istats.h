/*
 * istats: ingest's own counters for /metrics (docs/serve.md, "Metrics").
 * serve is another process, so the writer thread keeps them in the database
 * it writes anyway: one row per worker in ingest_stats, replaced every few
 * seconds in a small transaction of its own (never inside a batch, so a
 * reading's commit never waits on it and workers never share a row).
 */
#ifndef PVMON_ALLOCATOR_ISTATS_H
#define PVMON_ALLOCATOR_ISTATS_H

#include <stddef.h>
#include <stdint.h>

#include "ingest.h"
#include "store.h"

struct istats; /* opaque; one thread (ingest's writer) */

/* worker names the row (ingest's client id); started_ms is when the worker began. */
struct istats *istats_new(const char *worker, int64_t started_ms);
void istats_free(struct istats *st);
/* Counts one committed batch: its messages and the commit's latency (ingest's committed hook). */
void istats_committed(struct istats *st, size_t messages, int64_t commit_us);
/*
 * Writes the row from the batches counted and ingest's counters (*in) in a
 * transaction of its own; nothing when nothing changed since the last write
 * (except the first). 0, or -1 with store_error.
 */
int istats_write(struct istats *st, struct store *s, const struct ingest_stats *in, int64_t now_ms);

#endif
