/*
 * alertq: the hand-over of alert documents from ingest's writer thread (which
 * evaluates the rules) to its network thread (the only one that publishes).
 * Thread safe; documents are copied in and owned by the queue until taken.
 */
#ifndef PVMON_ALLOCATOR_ALERTQ_H
#define PVMON_ALLOCATOR_ALERTQ_H

struct alertq; /* opaque */

struct alertq *alertq_new(void);
void alertq_free(struct alertq *q);
/* Queues the document for alert id (json NULL: remove the retained message). */
void alertq_push(struct alertq *q, const char *id, const char *json);
/*
 * Publishes everything queued through fn, in order, outside the lock (fn gets
 * borrowed strings); entries fn refuses (returns -1) are kept for next time.
 */
void alertq_drain(struct alertq *q, int (*fn)(void *ctx, const char *id, const char *json),
                  void *ctx);
/* The publish callback alerts_new expects, with the queue as ctx. */
void alertq_publish_cb(void *ctx, const char *id, const char *json);

#endif
