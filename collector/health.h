/*
 * health: the JSON of the gateway's retained status and of each device's
 * periodic health message (docs/mqtt.md). Pure formatting: no I/O.
 */
#ifndef PVMON_HEALTH_H
#define PVMON_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "poll.h"
#include "spool.h"

struct health_status {
	const char *gw;
	const char *state; /* "online" or "offline" */
	const char *version;
	int64_t ts_ms, started_ms;
	struct spool_stats spool;
	uint64_t acked; /* highest ack seen from ingest */
	int devices, online, asleep, offline;
};

/* The status payload; returns its length or -1 if buf is too small. */
int health_status_json(char *buf, size_t size, const struct health_status *s);
/* The last will: what the broker publishes on status when the gateway vanishes. */
int health_will_json(char *buf, size_t size, const char *gw);
/*
 * A device's health payload at ts_ms. prev holds the counters at the last
 * health message (zeros at first) so success_ratio covers the last interval.
 */
int health_device_json(char *buf, size_t size, const char *gw, const struct poll_health *h,
                       const struct poll_health *prev, int64_t ts_ms);
/* "pvmon/v1/<gw>/<station>/<device>/<leaf>"; returns length or -1. */
int health_topic(char *buf, size_t size, const char *gw, const char *station, const char *device,
                 const char *leaf);

#endif
