/*
 * once: the report of `pvmon-collector --once`, the commissioning check. For
 * each device one line a technician can act on: "answered" with the values to
 * compare with the device's own display, or "NOT ANSWERED" with where (bus
 * path or host:port, unit) and why, with a hint at the likely mistake. It
 * only formats: polling and publishing stay in poll and publish.
 */
#ifndef PVMON_ONCE_H
#define PVMON_ONCE_H

#include <stddef.h>

#include "config.h"
#include "poll.h"

/* Exit statuses of --once (besides 1 for a configuration that does not load, 2 for usage). */
#define ONCE_EXIT_DEVICE 3 /* a device did not answer; every reading reached the broker */
#define ONCE_EXIT_BROKER 4 /* the broker did not confirm every reading (or ingest's ack) */

/* Writes "tcp HOST:PORT unit N" or "rtu DEVICE unit N" into buf; returns buf. */
char *once_where(char *buf, size_t size, const struct bus_conf *b, const struct device_conf *d);

/*
 * Writes device d's line (no newline) from its counters after the --once round
 * into buf. Returns 1 when the device answered, 0 when it did not.
 */
int once_device_line(char *buf, size_t size, const struct bus_conf *b, const struct device_conf *d,
                     const struct poll_health *h);

/*
 * Writes why the broker at host:port did not confirm the readings within
 * waited_s seconds: connecting is 1 while a connection was open but not
 * accepted (no CONNACK), last_error the last refusal ("" if none).
 */
void once_broker_line(char *buf, size_t size, const char *host, int port, int connected,
                      int connecting, const char *last_error, long waited_s);

#endif
