/*
 * bus: the collector's only door to libmodbus requests. It must never send a
 * write function code: reads go through bus_read, which accepts FC 3 and 4.
 */
#include "bus.h"

#include <assert.h>
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
		char port[16];
		snprintf(port, sizeof port, "%d", c->port);
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

const char *bus_strerror(int err)
{
	return modbus_strerror(err);
}

int bus_read(struct bus *b, int unit, int fc, uint16_t addr, int count, uint16_t *dest)
{
	int n, err;

	/* the collector only reads: refuse any other function code, loudly in tests */
	assert(fc == 3 || fc == 4);
	if ((fc != 3 && fc != 4) || count < 1 || count > 125) {
		errno = EINVAL;
		return -1;
	}
	if (ensure_connected(b) < 0)
		return -1;
	if (modbus_set_slave(b->ctx, unit) < 0)
		return -1;
	if (b->c->type == BUS_RTU) {
		/* libmodbus does not keep the 3.5-character gap between frames: we do */
		int64_t due = b->last_end_us + (b->c->silence_us > 0 ? b->c->silence_us : 1750);
		if (mono_us() < due)
			sleep_until_us(due);
	}
	if (fc == 3)
		n = modbus_read_registers(b->ctx, addr, count, dest);
	else
		n = modbus_read_input_registers(b->ctx, addr, count, dest);
	err = errno;
	b->last_end_us = mono_us();
	if (n == count)
		return 0;
	if (n >= 0)
		err = EMBBADDATA;
	if (err >= MODBUS_ENOBASE + 1 && err <= MODBUS_ENOBASE + 11) {
		/* an exception reply: the line is in step, nothing to resynchronise */
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
