/*
 * bus: one Modbus line (TCP, or RTU on a serial port) as the collector sees
 * it: read-only. bus_read is the only function in the collector that calls a
 * libmodbus request, and it sends nothing but function codes 3 and 4.
 * A bus is owned by one thread (its poller); it is not thread-safe.
 */
#ifndef PVMON_BUS_H
#define PVMON_BUS_H

#include <stdint.h>

#include "config.h"

struct bus; /* opaque */

/* Creates a bus for c (borrowed: it must outlive the bus); connects lazily. NULL and *cause on
 * error. */
struct bus *bus_new(const struct bus_conf *c, char **cause);
void bus_free(struct bus *b);

/*
 * Reads count registers at addr from unit with function code fc (3 holding,
 * 4 input; anything else is refused). Connects first if needed (then waits
 * connect_delay_ms); on RTU waits for the line's silence before sending.
 * Returns 0, or -1 with errno (ETIMEDOUT for no answer, libmodbus codes for
 * exceptions, EMBBADSLAVE for a reply carrying another unit id, EMBBADDATA for
 * another function code, byte count or transaction id; EINVAL, with nothing
 * sent, for a refused function code). After a timeout or a garbled reply the
 * line is resynchronised; after another unit's reply it is flushed.
 */
int bus_read(struct bus *b, int unit, int fc, uint16_t addr, int count, uint16_t *dest);

/* 1 when err means the slave did not answer (as opposed to answering badly). */
int bus_err_is_timeout(int err);
/* 1 when err means the line itself is down (connect failed, connection lost). */
int bus_err_is_link(int err);
/* 1 when err is the slave's "illegal data address" exception: it has no such registers. */
int bus_err_is_bad_address(int err);
/* The Modbus exception code (1-11) err carries, or 0 when it is not an exception reply. */
int bus_err_exception(int err);
/* A message for err (libmodbus or system). */
const char *bus_strerror(int err);
/* The bus's id from the config. */
const char *bus_id(const struct bus *b);

#endif
