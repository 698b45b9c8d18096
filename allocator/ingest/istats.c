/*
 * istats: the row of ingest_stats this worker owns. Counters only grow while
 * the worker runs; a restart begins again at 0 (started_ms changes), which
 * Prometheus' rate() takes as a counter reset.
 */
#include "istats.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct istats {
	struct store_ingest_stats row;
	int written;         /* the row was written once */
	int64_t last_events; /* batches + failures + statuses at the last write */
};

struct istats *istats_new(const char *worker, int64_t started_ms)
{
	struct istats *st = xcalloc(1, sizeof *st);
	util_strlcpy(st->row.worker, worker, sizeof st->row.worker);
	st->row.started_ms = started_ms;
	return st;
}

void istats_free(struct istats *st)
{
	free(st);
}

void istats_committed(struct istats *st, size_t messages, int64_t commit_us)
{
	int b = 0;
	/* the bounds are inclusive: a commit of exactly 5 ms is in the 5 ms bucket */
	while (b < STORE_COMMIT_BUCKETS - 1 && commit_us > store_commit_bucket_ms[b] * 1000)
		b++;
	st->row.commit_hist[b]++;
	st->row.commit_us += commit_us;
	st->row.batch_rows += (int64_t)messages;
	st->row.last_batch_rows = (int64_t)messages;
}

int istats_write(struct istats *st, struct store *s, const struct ingest_stats *in, int64_t now_ms)
{
	int64_t events = in->batches + in->failures + in->statuses + in->rejected;
	if (st->written && events == st->last_events)
		return 0;
	st->row.updated_ms = now_ms;
	st->row.stored = in->stored;
	st->row.duplicates = in->duplicates;
	st->row.rejected = in->rejected;
	st->row.statuses = in->statuses;
	st->row.batches = in->batches;
	st->row.failures = in->failures;
	if (store_begin(s) < 0)
		return -1;
	if (store_ingest_stats_put(s, &st->row) < 0 || store_commit(s) < 0) {
		store_rollback(s);
		return -1;
	}
	st->written = 1;
	st->last_events = events;
	return 0;
}
