/*
 * poll: one owner thread per bus. It polls the bus's devices in turn every
 * interval (so RTU frames never overlap; different buses run in parallel),
 * turns answers into readings, and stores each round in the spool in one
 * transaction. A device that does not answer costs one timeout per attempt
 * and is backed off; it still yields one reading per round (state offline,
 * or sleeping for an inverter that is asleep), with no values.
 */
#ifndef PVMON_POLL_H
#define PVMON_POLL_H

#include <stdint.h>

#include "config.h"
#include "profile.h"
#include "spool.h"

/* What a device is, as published on .../availability (retained). */
enum poll_avail { AVAIL_UNKNOWN, AVAIL_ONLINE, AVAIL_ASLEEP, AVAIL_OFFLINE };

const char *poll_avail_name(enum poll_avail a);

struct poll_opts {
	const char *gateway;
	int interval_ms;
	const struct profile_set *profiles; /* borrowed; must outlive the poller */
	struct spool *spool;                /* borrowed; may be set later (poll_attach_spool) */
	void (*wake)(void *ctx);            /* called after each stored round (from the thread) */
	void *wake_ctx;
	int once; /* poll every device once, then the thread ends */
};

/* A copy of one device's counters, for health and availability messages. */
struct poll_health {
	char station[READING_ID_MAX], device[READING_ID_MAX];
	char map[READING_MAP_MAX];
	int unit;
	enum poll_avail avail;
	unsigned avail_version; /* grows each time avail changes */
	int64_t polls;          /* attempts (rounds skipped by backoff not counted) */
	int64_t ok, errors, timeouts, skipped;
	int64_t rtt_ms_x10;   /* mean request round-trip of the last good poll, tenths of ms */
	int64_t last_good_ts; /* wall ms of the last good reading, 0 if none */
	int64_t backoff_ms;   /* current retry delay, 0 when answering */
	char last_error[96];
	/* why the last poll failed, for the --once report: its errno (0 after a good poll;
	 * a device skipped because its TCP line is down gets the line's), and how many of the
	 * map's requests the device refused with "illegal data address" (0 of 0: none sent) */
	int last_errno;
	int refused_reads, n_reads;
	struct reading last; /* the last good reading (valid when last_good_ts > 0) */
};

struct poller; /* opaque */

/*
 * Prepares a poller for bus c (borrowed; must outlive it): resolves every
 * device's profile (SunSpec devices are resolved by discovery when first
 * polled). NULL and *cause naming the device on error. Starts nothing.
 */
struct poller *poll_new(const struct bus_conf *c, const struct poll_opts *o, char **cause);
/* Makes the thread poll every device once and end (before poll_start). */
void poll_set_once(struct poller *p);
/* Sets the spool rounds are stored in (before poll_start; borrowed). */
void poll_attach_spool(struct poller *p, struct spool *s);
/* Starts the bus thread; -1 and *cause on failure. */
int poll_start(struct poller *p, char **cause);
/* Asks the thread to stop after the request in flight, and waits for it. */
void poll_stop(struct poller *p);
/* Stops if needed and frees; accepts NULL. */
void poll_free(struct poller *p);
/* 1 once the thread has ended (with once: after its single round). */
int poll_done(struct poller *p);

int poll_device_count(const struct poller *p);
/* Copies device i's counters into *h. */
void poll_health(struct poller *p, int i, struct poll_health *h);
/* Grows whenever any device's availability changes: a cheap test before scanning. */
unsigned poll_avail_version(struct poller *p);

#endif
