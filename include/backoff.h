/*
 * backoff: when to try a slave (or the broker) again after it failed: a delay
 * that doubles from a base up to a cap, with optional jitter so that many
 * gateways do not retry in step. Pure arithmetic on a monotonic clock.
 */
#ifndef PVMON_BACKOFF_H
#define PVMON_BACKOFF_H

#include <stdint.h>

struct backoff {
	int64_t base_ms, max_ms;
	int jitter_pct;   /* 0-100: the delay is drawn from [d*(1-j), d] */
	int fails;        /* consecutive failures */
	int64_t delay_ms; /* the delay chosen at the last failure */
	int64_t next_ms;  /* monotonic time before which no attempt is due */
	uint32_t rand;    /* jitter state (xorshift) */
};

/* Sets the parameters and forgets failures; seed varies the jitter. */
void backoff_init(struct backoff *b, int64_t base_ms, int64_t max_ms, int jitter_pct,
                  uint32_t seed);
/* Records a failure at now_ms; returns the delay until the next attempt. */
int64_t backoff_fail(struct backoff *b, int64_t now_ms);
/* Records a success: the next attempt is due at once. */
void backoff_ok(struct backoff *b);
/* 1 when an attempt is due at now_ms. */
int backoff_due(const struct backoff *b, int64_t now_ms);

#endif
