/*
 * metrics: /metrics in the Prometheus text format (docs/serve.md, "Metrics"),
 * written from a live snapshot: gateways, stations, alerts. Returns a new string.
 */
#ifndef PVMON_ALLOCATOR_METRICS_H
#define PVMON_ALLOCATOR_METRICS_H

#include <stdint.h>

#include "live.h"
#include "store.h"

/* rejected_stored: rows in the rejected table (-1: unknown, left out). */
char *metrics_render(const struct live_snapshot *ls, int64_t now_ms, int64_t rejected_stored);
/*
 * Appends ingest's counters (the ingest_stats rows its workers write) to text
 * (owned: the result replaces it); text comes back unchanged when they cannot
 * be read.
 */
char *metrics_ingest(char *text, struct store *s, int64_t now_ms);

#endif
