/*
 * once: turns each device's outcome of a --once round into one line. It must
 * never call a device answered without a good reading in that round, and never
 * print a line without saying where the device is.
 */
#include "once.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "util.h"

char *once_where(char *buf, size_t size, const struct bus_conf *b, const struct device_conf *d)
{
	if (b->type == BUS_TCP)
		snprintf(buf, size, "tcp %s:%d unit %d", b->host ? b->host : "?", b->port, d->unit);
	else
		snprintf(buf, size, "rtu %s unit %d", b->device ? b->device : "?", d->unit);
	return buf;
}

/* Appends " (X.Y kWh)" for a counter in Wh: the unit inverter displays show. */
static void put_kwh(char *buf, size_t size, size_t *n, int64_t wh)
{
	util_bufprintf(buf, size, n, " (%" PRId64 ".%" PRId64 " kWh)", wh / 1000, wh % 1000 / 100);
}

/* The values of a good reading, as the device's display would show them. */
static void put_values(char *buf, size_t size, size_t *n, const struct reading *r)
{
	unsigned i;
	const char *sep = "";
	if (r->has & READING_HAS_POWER) {
		util_bufprintf(buf, size, n, "power %" PRId64 " W", r->ac_power_w);
		sep = ", ";
	}
	if (r->has & READING_HAS_IRRADIANCE) {
		util_bufprintf(buf, size, n, "irradiance %" PRId64 " W/m²", r->irradiance_wm2);
		sep = ", ";
		if (r->has & READING_HAS_TEMP) {
			util_bufprintf(buf, size, n, ", module %.1f °C", r->temp_c);
		}
	}
	if (r->has & READING_HAS_ENERGY) {
		util_bufprintf(buf, size, n, "%s%s %" PRId64 " Wh", sep,
		               r->kind == READING_METER ? "export" : "energy", r->energy_wh);
		put_kwh(buf, size, n, r->energy_wh);
		sep = ", ";
	}
	if (r->has & READING_HAS_IMPORT) {
		util_bufprintf(buf, size, n, "%simport %" PRId64 " Wh", sep, r->import_wh);
		put_kwh(buf, size, n, r->import_wh);
		sep = ", ";
	}
	if (!(r->has & READING_NO_STATE)) {
		util_bufprintf(buf, size, n, "%sstate %s", sep, reading_state_name(r->state));
		sep = ", ";
	}
	if (!*sep)
		util_bufprintf(buf, size, n, "no values");
	if (r->quality) {
		util_bufprintf(buf, size, n, "; doubtful:");
		for (i = 0; i < QUALITY_COUNT; i++)
			if (r->quality & (1u << i))
				util_bufprintf(buf, size, n, " %s", reading_quality_name(i));
	}
	if (r->map[0])
		util_bufprintf(buf, size, n, "; map %s", r->map);
}

/* Why a device did not answer, with what to check. */
static void put_why(char *buf, size_t size, size_t *n, const struct bus_conf *b,
                    const struct device_conf *d, const struct poll_health *h)
{
	int err = h->last_errno, exc = bus_err_exception(err);
	int timeout_ms = b->timeout_ms > 0 ? b->timeout_ms : 1000;
	const char *msg = h->last_error[0] ? h->last_error : bus_strerror(err);

	if (bus_err_is_bad_address(err) && h->n_reads > 0 && h->refused_reads == h->n_reads) {
		util_bufprintf(buf, size, n,
		               "illegal data address on every request (%d of %d): check that "
		               "profile \"%s\" fits this device",
		               h->refused_reads, h->n_reads, d->profile);
	} else if (bus_err_is_bad_address(err) && h->n_reads > 0) {
		util_bufprintf(buf, size, n,
		               "illegal data address on %d of %d requests: profile \"%s\" may not "
		               "fit this model or firmware",
		               h->refused_reads, h->n_reads, d->profile);
	} else if (exc == 1 || exc == 2 || err == EPROTO) {
		/* SunSpec discovery (its own message) or a function code the device lacks */
		util_bufprintf(buf, size, n, "%s: check that profile \"%s\" fits this device", msg,
		               d->profile);
	} else if (exc == 11) {
		util_bufprintf(
		    buf, size, n,
		    "the gateway got no reply from the unit (gateway exception 11): check "
		    "the unit id and the gateway's serial side");
	} else if (exc == 10) {
		util_bufprintf(
		    buf, size, n,
		    "the gateway has no path to the unit (gateway exception 10): check the "
		    "gateway's configuration");
	} else if (exc) {
		util_bufprintf(buf, size, n, "exception %d (%s)", exc, bus_strerror(err));
	} else if (err == ETIMEDOUT) {
		util_bufprintf(
		    buf, size, n, "no reply within %d ms: check the unit id%s", timeout_ms,
		    b->type == BUS_RTU ? ", the wiring and the line settings (baud, parity)"
		                       : " and that the device is on");
	} else if (err == ECONNREFUSED) {
		util_bufprintf(
		    buf, size, n,
		    "connection refused: check the host and port, and that the device or "
		    "gateway is on");
	} else if (err == ENOENT && b->type == BUS_RTU) {
		util_bufprintf(
		    buf, size, n,
		    "no such serial device: check that the adapter is plugged in and the "
		    "path");
	} else if (err == EACCES && b->type == BUS_RTU) {
		util_bufprintf(buf, size, n,
		               "permission denied on the serial device: the collector's user needs "
		               "group dialout");
	} else if (err == EHOSTUNREACH || err == ENETUNREACH) {
		util_bufprintf(buf, size, n, "cannot reach the host (%s): check the network", msg);
	} else if (err == 0 && h->polls == 0) {
		util_bufprintf(buf, size, n, "not polled");
	} else {
		util_bufprintf(buf, size, n, "%s", msg);
	}
}

int once_device_line(char *buf, size_t size, const struct bus_conf *b, const struct device_conf *d,
                     const struct poll_health *h)
{
	char where[160];
	size_t n = 0;
	int answered = h->ok > 0 && h->last_good_ts > 0 && h->last_errno == 0;

	once_where(where, sizeof where, b, d);
	util_bufprintf(buf, size, &n, "%-12s  %s/%s (%s): ", answered ? "answered" : "NOT ANSWERED",
	               d->station, d->id, where);
	if (answered)
		put_values(buf, size, &n, &h->last);
	else
		put_why(buf, size, &n, b, d, h);
	return answered;
}

void once_broker_line(char *buf, size_t size, const char *host, int port, int connected,
                      int connecting, const char *last_error, long waited_s)
{
	if (connected)
		snprintf(buf, size,
		         "broker %s:%d did not confirm every reading within %ld s; the readings "
		         "stay in the spool",
		         host, port, waited_s);
	else if (connecting)
		snprintf(
		    buf, size,
		    "broker %s:%d accepted the connection but did not answer the MQTT handshake "
		    "within %ld s: is it an MQTT broker, and is the port its listener?; the "
		    "readings stay in the spool",
		    host, port, waited_s);
	else if (last_error && *last_error)
		snprintf(
		    buf, size,
		    "broker %s:%d: %s (tried for %ld s); the readings stay in the spool and go "
		    "out with the next run",
		    host, port, last_error, waited_s);
	else
		snprintf(buf, size,
		         "broker %s:%d: not connected within %ld s; the readings stay in the spool",
		         host, port, waited_s);
}
