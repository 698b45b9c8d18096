/*
 * bus: the collector's only door to libmodbus requests. It must never send a
 * write function code: reads go through bus_read, which accepts FC 3 and 4.
 */
#include "bus.h"

#include <arpa/inet.h>
#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"

struct bus {
	const struct bus_conf *c;
	modbus_t *ctx;
	int connected;
	int64_t last_end_us; /* monotonic end of the last frame on an RTU line */
};

/* Monotonic microseconds. */
static int64_t mono_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Sleeps until the monotonic time us, through signals. */
static void sleep_until_us(int64_t us)
{
	struct timespec t;
	t.tv_sec = (time_t)(us / 1000000);
	t.tv_nsec = (long)(us % 1000000) * 1000;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

struct bus *bus_new(const struct bus_conf *c, char **cause)
{
	struct bus *b = xcalloc(1, sizeof *b);
	int ms = c->timeout_ms > 0 ? c->timeout_ms : 1000;

	b->c = c;
	if (c->type == BUS_TCP) {
		struct in_addr v4;
		char port[16];
		snprintf(port, sizeof port, "%d", c->port);
		/*
		 * A dotted IPv4 address needs no resolver: libmodbus's plain TCP
		 * backend connects without getaddrinfo, whose stack use stays
		 * resident in every bus thread (a thread per endpoint adds up).
		 */
		if (inet_pton(AF_INET, c->host, &v4) == 1)
			b->ctx = modbus_new_tcp(c->host, c->port);
		else
			b->ctx = modbus_new_tcp_pi(c->host, port);
	} else {
		b->ctx = modbus_new_rtu(c->device, c->baud, c->parity, c->data_bits, c->stop_bits);
	}
	if (!b->ctx) {
		*cause = xasprintf("bus \"%s\": cannot create a Modbus context: %s", c->id,
		                   modbus_strerror(errno));
		free(b);
		return NULL;
	}
	modbus_set_response_timeout(b->ctx, (uint32_t)(ms / 1000), (uint32_t)(ms % 1000) * 1000);
	return b;
}

void bus_free(struct bus *b)
{
	if (!b)
		return;
	if (b->connected)
		modbus_close(b->ctx);
	modbus_free(b->ctx);
	free(b);
}

const char *bus_id(const struct bus *b)
{
	return b->c->id;
}

/* Drops the connection so the next read starts clean. */
static void disconnect(struct bus *b)
{
	if (b->connected)
		modbus_close(b->ctx);
	b->connected = 0;
}

/* Connects if needed and lets the line settle. */
static int ensure_connected(struct bus *b)
{
	if (b->connected)
		return 0;
	if (modbus_connect(b->ctx) < 0)
		return -1;
	b->connected = 1;
	if (b->c->connect_delay_ms > 0)
		util_sleep_ms(b->c->connect_delay_ms);
	b->last_end_us = mono_us();
	return 0;
}

int bus_err_is_timeout(int err)
{
	/* EMBXGTAR: a TCP-to-RTU gateway saying its slave did not answer */
	return err == ETIMEDOUT || err == EMBXGTAR;
}

int bus_err_is_link(int err)
{
	return err == ECONNREFUSED || err == ECONNRESET || err == EPIPE || err == ENOTCONN ||
	       err == EBADF || err == EHOSTUNREACH || err == ENETUNREACH || err == ENOENT ||
	       err == EIO || err == EINPROGRESS;
}

int bus_err_is_bad_address(int err)
{
	return err == EMBXILADD;
}

int bus_err_exception(int err)
{
	return err > (int)MODBUS_ENOBASE && err < (int)MODBUS_ENOBASE + MODBUS_EXCEPTION_MAX
	           ? err - (int)MODBUS_ENOBASE
	           : 0;
}

const char *bus_strerror(int err)
{
	return modbus_strerror(err);
}

/*
 * Checks a reply to "read count registers at unit with fc" and decodes it into
 * dest; -1 with errno when it is not that reply. libmodbus's raw path checks
 * none of this (nor the transaction id), and a TCP-to-RTU gateway can return
 * another slave's answer: booking it to this device would be silent damage.
 */
static int check_reply(const struct bus *b, const uint8_t *rsp, int n, int unit, int fc, int count,
                       uint16_t *dest)
{
	int tcp = b->c->type == BUS_TCP, h = tcp ? 7 : 1, crc = tcp ? 0 : 2, i;

	if (n == 0 && !tcp) {
		/* libmodbus's RTU backend returns 0 for a frame from another address */
		errno = EMBBADSLAVE;
		return -1;
	}
	if (n < h + 2 + crc) {
		errno = EMBBADDATA;
		return -1;
	}
	if (tcp) {
		/* MBAP: transaction id 0 (a raw request's), protocol 0, length of what follows */
		if (rsp[0] != 0 || rsp[1] != 0 || rsp[2] != 0 || rsp[3] != 0 ||
		    (rsp[4] << 8 | rsp[5]) != n - 6) {
			errno = EMBBADDATA;
			return -1;
		}
	}
	if (rsp[h - 1] != unit) {
		errno = EMBBADSLAVE;
		return -1;
	}
	if (rsp[h] == (0x80 | fc)) {
		int code = rsp[h + 1];
		errno = n == h + 2 + crc && code >= 1 && code < MODBUS_EXCEPTION_MAX
		            ? (int)MODBUS_ENOBASE + code
		            : EMBBADEXC;
		return -1;
	}
	if (rsp[h] != fc || rsp[h + 1] != 2 * count || n != h + 2 + 2 * count + crc) {
		errno = EMBBADDATA;
		return -1;
	}
	for (i = 0; i < count; i++)
		dest[i] = (uint16_t)(rsp[h + 2 + 2 * i] << 8 | rsp[h + 3 + 2 * i]);
	return 0;
}

int bus_read(struct bus *b, int unit, int fc, uint16_t addr, int count, uint16_t *dest)
{
	uint8_t req[6], rsp[MODBUS_MAX_ADU_LENGTH];
	int n, err;

	/* the collector only reads: refuse any other function code before touching the line */
	if ((fc != 3 && fc != 4) || count < 1 || count > 125 || unit < 1 || unit > 247) {
		errno = EINVAL;
		return -1;
	}
	if (ensure_connected(b) < 0)
		return -1;
	if (modbus_set_slave(b->ctx, unit) < 0) /* RTU: libmodbus filters replies by it */
		return -1;
	if (b->c->type == BUS_RTU) {
		/* libmodbus does not keep the 3.5-character gap between frames: we do */
		int64_t due = b->last_end_us + (b->c->silence_us > 0 ? b->c->silence_us : 1750);
		if (mono_us() < due)
			sleep_until_us(due);
	}
	/* the function code byte is one of two constants: no path can send a write */
	req[0] = (uint8_t)unit;
	req[1] = fc == 3 ? MODBUS_FC_READ_HOLDING_REGISTERS : MODBUS_FC_READ_INPUT_REGISTERS;
	req[2] = (uint8_t)(addr >> 8);
	req[3] = (uint8_t)addr;
	req[4] = (uint8_t)(count >> 8);
	req[5] = (uint8_t)count;
	n = modbus_send_raw_request(b->ctx, req, (int)sizeof req);
	if (n >= 0)
		n = modbus_receive_confirmation(b->ctx, rsp);
	err = errno;
	b->last_end_us = mono_us();
	if (n >= 0 && check_reply(b, rsp, n, unit, req[1], count, dest) == 0)
		return 0;
	if (n >= 0)
		err = errno;
	if (err >= MODBUS_ENOBASE + 1 && err < MODBUS_ENOBASE + MODBUS_EXCEPTION_MAX) {
		/* an exception reply: the line is in step, nothing to resynchronise */
	} else if (err == EMBBADSLAVE) {
		/* a whole frame, but another slave's: drop whatever else is queued */
		modbus_flush(b->ctx);
	} else if (b->c->type == BUS_TCP) {
		/* a late or garbled reply would confuse the next transaction: start afresh */
		disconnect(b);
	} else {
		modbus_flush(b->ctx);
		if (bus_err_is_link(err))
			disconnect(b);
	}
	errno = err;
	return -1;
}
