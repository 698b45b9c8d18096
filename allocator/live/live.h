/*
 * live: the county as the dashboard shows it right now, built from the store
 * (read only) and the fleet: per station its status, live power, today's and
 * the month's energy and the last 30 days; per village and township the
 * month's report figures; gateways, open alerts. A snapshot is immutable once
 * built and shared by the serve threads (live_snapshot_ref / _unref).
 */
#ifndef PVMON_ALLOCATOR_LIVE_H
#define PVMON_ALLOCATOR_LIVE_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "config.h"
#include "fleet.h"
#include "store.h"

#define LIVE_DAYS 30

/* A station's state as the county sees it (docs/serve.md). */
enum live_status {
	LIVE_PRODUCING,
	LIVE_ASLEEP,
	LIVE_OFFLINE,
	LIVE_FAULT,
	LIVE_NO_DATA,
	LIVE_STATUS_COUNT
};
const char *live_status_key(enum live_status s);

struct live_snapshot; /* opaque, reference counted */

/*
 * Builds the snapshot at now_ms. store, fleet and conf are borrowed for the
 * call only. NULL and *cause (new string) on a database error.
 */
struct live_snapshot *live_snapshot_build(struct store *s, const struct fleet *f,
                                          const struct central_conf *conf, int64_t now_ms,
                                          char **cause);
struct live_snapshot *live_snapshot_ref(struct live_snapshot *ls);
/* Drops a reference; the last one frees. NULL is accepted. */
void live_snapshot_unref(struct live_snapshot *ls);
int64_t live_snapshot_built_ms(const struct live_snapshot *ls);

/*
 * The API documents (docs/serve.md) as new strings the caller frees, or NULL
 * when the id is unknown: what is "overview", "townships", "villages",
 * "stations", "alerts", "gateways", or "township", "village" with an id.
 */
char *live_json(const struct live_snapshot *ls, const char *what, const char *id);
/*
 * The station document: the snapshot's station plus today's hourly curve and
 * its alerts, read from s now. NULL with *status 404 for an unknown id, 500 on
 * a database error.
 */
char *live_station_json(const struct live_snapshot *ls, struct store *s, const char *id,
                        int *status);
/* The snapshot's tree, borrowed (metrics walks it). */
const cJSON *live_tree(const struct live_snapshot *ls);

#endif
