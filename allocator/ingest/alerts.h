/*
 * alerts: the rules that turn the store's state into alerts (docs/serve.md,
 * "Alerts"): gateway offline, device offline or in fault in daylight, counter
 * reset, spool drops or lost seqs, export meter silent while the inverters
 * produce, a station's day far below comparable stations, a village AT RISK or
 * BELOW in the last closed month's report. Evaluated by ingest's writer thread
 * on a timer and after each commit (the rules about data); each alert is raised once, cleared once
 * (after the condition has been gone for a while), kept in the alerts table so a restart resumes
 * it, handed to a publish callback and optionally to alert_exec. Readers (serve, status) use
 * alerts_list only.
 */
#ifndef PVMON_ALLOCATOR_ALERTS_H
#define PVMON_ALLOCATOR_ALERTS_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "config.h"
#include "fleet.h"
#include "store.h"

/*
 * Publishes the alert id: json is its document (borrowed for the call), NULL
 * to remove the retained message. Called from alerts_eval's thread.
 */
typedef void (*alerts_publish_fn)(void *ctx, const char *id, const char *json);

struct alerts; /* opaque */

/* store, fleet and conf are borrowed and must outlive the handle. */
struct alerts *alerts_new(struct store *s, const struct fleet *f, const struct central_conf *conf,
                          alerts_publish_fn publish, void *publish_ctx);
void alerts_free(struct alerts *a);

/*
 * Evaluates every rule at now_ms in one transaction of its own (call it
 * between batches); publishes what changed after the commit. 0, or -1 with
 * *cause (borrowed) when the database failed: nothing changed then.
 */
int alerts_eval(struct alerts *a, int64_t now_ms, const char **cause);
/*
 * The rules about data (counter resets, spool losses, the start of a device's
 * or gateway's recovery): alerts_touch notes each committed reading (ingest's
 * stored hook), alerts_eval_data judges the noted devices and their gateways
 * in one transaction and forgets them. Same thread as alerts_eval. The rules
 * about time passing (offline, in fault, meter silent, the daily ones) are
 * alerts_eval's, on the timer.
 */
void alerts_touch(struct alerts *a, const struct reading *r);
int alerts_eval_data(struct alerts *a, int64_t now_ms, const char **cause);
/* Asks the next alerts_eval to publish every retained alert again (after a reconnect). */
void alerts_resync(struct alerts *a);
/* Raised and cleared since alerts_new. */
void alerts_counts(const struct alerts *a, int64_t *raised, int64_t *cleared);

/*
 * Alerts from the table as a JSON array, newest first: only open ones when
 * open_only; only those of station (or gw) when given; at most limit. NULL and
 * *cause (new string) on error.
 */
cJSON *alerts_list(struct store *s, int open_only, const char *station, const char *gw, int limit,
                   char **cause);

#endif
