/*
 * ingest: what `pvmon-allocator ingest` does with each MQTT message, without
 * the network: validate, queue, store a batch in one transaction (readings,
 * rejects, gateway status), roll up, then report the acks to publish.
 * Messages are copied on entry: the caller's buffers are borrowed only.
 */
#ifndef PVMON_ALLOCATOR_INGEST_H
#define PVMON_ALLOCATOR_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "fleet.h"
#include "reading.h"
#include "store.h"

struct fleet;

/* Looks a device up: 0 with its kind and counter bound in W (0: unknown), or -1 if unknown. */
typedef int (*ingest_device_fn)(void *ctx, const char *station, const char *device,
                                enum reading_kind *kind, int64_t *capacity_w);
/* Publishes pvmon/v1/<gw>/ack for seq; called after the commit that makes it true. */
typedef void (*ingest_ack_fn)(void *ctx, const char *gw, int64_t seq);

struct ingest_conf {
	struct store *store;     /* borrowed */
	ingest_device_fn device; /* e.g. ingest_fleet_device with the fleet as ctx */
	void *device_ctx;
	ingest_ack_fn ack; /* NULL: no acks (bulk loads, tests) */
	void *ack_ctx;
	int batch_rows;          /* default 1000 */
	int expected_interval_s; /* default 60 */
	int retention_days;      /* raw readings; default 400, 0 keeps them forever */
	/*
	 * 1: other ingest workers write the same database (docs/scale.md): each
	 * batch locks its gateways and devices (store_lock) and reloads their ack
	 * and roll-up state from the database inside its transaction.
	 */
	int shared;
	/*
	 * Hooks called by ingest_commit in its thread after each successful commit
	 * (NULL: none): stored for each reading of the batch (the data-driven alert
	 * rules), committed once with the batch's message count and the commit's
	 * latency in microseconds (ingest's counters on /metrics).
	 */
	void (*stored)(void *ctx, const struct reading *r);
	void (*committed)(void *ctx, size_t messages, int64_t commit_us);
	void *hook_ctx;
};

struct ingest; /* opaque */

/* Rebuilds the ack state from the database; NULL and *cause on error. */
struct ingest *ingest_new(const struct ingest_conf *conf, char **cause);
void ingest_free(struct ingest *in);

/* Device lookup over a loaded fleet (ctx is a const struct fleet *). */
int ingest_fleet_device(void *ctx, const char *station, const char *device, enum reading_kind *kind,
                        int64_t *capacity_w);

/*
 * Checks a reading message against the contract and the fleet. 0 and *out when
 * valid; -1 with a reason otherwise.
 */
int ingest_check(struct ingest *in, const char *topic, const void *payload, size_t len,
                 int64_t now_ms, struct reading *out, char *reason, size_t reason_size);

/* Queues one message (a reading or a gateway status). Never fails: bad input becomes a reject. */
void ingest_message(struct ingest *in, const char *topic, const void *payload, size_t len,
                    int64_t now_ms);
/* Messages queued and not yet taken into a batch (see ingest_take). */
size_t ingest_pending(const struct ingest *in);
/* 1 when the queue holds batch_rows messages or more. */
int ingest_full(const struct ingest *in);

/*
 * Stores the queue in one transaction and, once it is durable, calls the ack
 * callback for each gateway touched. On a database error everything is rolled
 * back, the queue is kept for the next try, and -1 is returned with *cause
 * (a new string the caller frees; NULL on success).
 */
int ingest_flush(struct ingest *in, char **cause);

/*
 * The same in two steps, so that a writer thread can commit one batch while
 * the network thread queues the next: ingest_take moves the queue into the
 * batch (only when the batch is empty; returns how many it took) and
 * ingest_commit stores the batch (kept on failure). Threads: ingest_message,
 * ingest_pending and ingest_full on one side, ingest_commit, ingest_prune and
 * ingest_stats on the other; ingest_take and ingest_taken only while no
 * commit runs (the caller's lock).
 */
size_t ingest_take(struct ingest *in);
size_t ingest_taken(const struct ingest *in);
int ingest_commit(struct ingest *in, char **cause);

/* 1 when the last failed commit is worth retrying at once (busy, deadlock). */
int ingest_failed_transient(const struct ingest *in);

/* Prunes raw readings older than the retention; returns the count, or -1 and *cause (owned). */
int64_t ingest_prune(struct ingest *in, int64_t now_ms, char **cause);

/* Counters since ingest_new. */
struct ingest_stats {
	int64_t stored, duplicates, rejected, statuses, batches, failures, recomputes;
};
void ingest_stats(const struct ingest *in, struct ingest_stats *out);

#endif
