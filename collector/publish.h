/*
 * publish: the collector's MQTT side (libmosquitto, QoS 1). It owns the
 * broker connection (TLS, username and password, the retained status with a
 * last will), reconnects with capped exponential backoff and jitter, takes
 * ingest's acks, and forwards the spool in seq order: live readings at once,
 * a backlog (after a reconnect, or unacked for too long) at replay_per_s
 * above the live rate, so it drains however many devices there are.
 * It runs in the caller's thread (pub_step); only pub_wake may be called
 * from other threads or signal handlers.
 */
#ifndef PVMON_PUBLISH_H
#define PVMON_PUBLISH_H

#include <stdint.h>

#include "config.h"
#include "spool.h"

/* A backlog is replayed again when no ack has moved for this long (doubling, capped at 1 h). */
#define PUB_REPLAY_AFTER_MS 60000
/* Broker reconnect delay: from 1 s doubling to this cap, with up to 50% jitter. */
#define PUB_RECONNECT_MAX_MS 60000
/* Ingest announces its broker session here (retained); a new one triggers a replay. */
#define PUB_INGEST_TOPIC "pvmon/ingest/online"
/* Acknowledged rows leave the spool in one delete at most this often. */
#define PUB_ACK_APPLY_MS 1000
/* QoS 1 messages handed to libmosquitto and not yet acknowledged by the broker, at most. */
#define PUB_WINDOW 500

struct publish_opts {
	const struct collector_conf *conf; /* borrowed: gateway, broker, replay_per_s */
	struct spool *spool;               /* borrowed */
	const char *password;              /* borrowed; NULL without one */
	const char *will; /* retained status payload the broker sends if we vanish */
};

struct pub; /* opaque */

/* Creates the publisher (connects on the first pub_step); NULL and *cause on error. */
struct pub *publish_new(const struct publish_opts *o, char **cause);
/* Drops the connection without a goodbye and frees; accepts NULL. */
void publish_free(struct pub *p);
/* Wakes pub_step early (new readings). Thread- and async-signal-safe. */
void publish_wake(struct pub *p);
/* One turn: waits up to timeout_ms for the socket or a wake, then does the work due. */
void publish_step(struct pub *p, int timeout_ms);

int publish_connected(const struct pub *p);
/* 1 while a connection is open but the broker has not accepted it yet (no CONNACK). */
int publish_connecting(const struct pub *p);
/* Why the last connection attempt failed or was lost ("" before any did); borrowed. */
const char *publish_last_error(const struct pub *p);
/* Grows with every successful connection: retained messages must be refreshed. */
unsigned publish_connections(const struct pub *p);
/* 1 when connected, every spooled reading has been sent and the broker acknowledged all. */
int publish_idle(const struct pub *p);
/* The highest seq ingest has acknowledged (0 if none seen). */
uint64_t publish_acked(const struct pub *p);
/* Readings sent since start (live and replayed). */
int64_t publish_sent(const struct pub *p);

/* Publishes one message now (not spooled); -1 when not connected. */
int publish_send(struct pub *p, const char *topic, const char *payload, int qos, int retain);
/* Disconnects cleanly (no last will); what is in flight is abandoned. */
void publish_disconnect(struct pub *p);

#endif
