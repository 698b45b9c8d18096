/*
 * backoff: capped exponential retry delays. It only computes times; it never
 * sleeps, so one slow slave cannot hold up whoever asks.
 */
#include "backoff.h"

void backoff_init(struct backoff *b, int64_t base_ms, int64_t max_ms, int jitter_pct, uint32_t seed)
{
	b->base_ms = base_ms > 0 ? base_ms : 1;
	b->max_ms = max_ms >= b->base_ms ? max_ms : b->base_ms;
	b->jitter_pct = jitter_pct < 0 ? 0 : jitter_pct > 100 ? 100 : jitter_pct;
	b->fails = 0;
	b->delay_ms = 0;
	b->next_ms = 0;
	b->rand = seed ? seed : 0x9e3779b9u;
}

/* xorshift32: enough randomness to spread retries, no global state. */
static uint32_t next_rand(struct backoff *b)
{
	uint32_t x = b->rand;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	b->rand = x;
	return x;
}

int64_t backoff_fail(struct backoff *b, int64_t now_ms)
{
	int64_t d = b->base_ms;
	int i;
	for (i = 0; i < b->fails && d < b->max_ms; i++)
		d *= 2;
	if (d > b->max_ms)
		d = b->max_ms;
	if (b->jitter_pct > 0) {
		int64_t span = d * b->jitter_pct / 100;
		if (span > 0)
			d -= (int64_t)(next_rand(b) % (uint64_t)(span + 1));
	}
	if (b->fails < 62)
		b->fails++;
	b->delay_ms = d;
	b->next_ms = now_ms + d;
	return d;
}

void backoff_ok(struct backoff *b)
{
	b->fails = 0;
	b->delay_ms = 0;
	b->next_ms = 0;
}

int backoff_due(const struct backoff *b, int64_t now_ms)
{
	return now_ms >= b->next_ms;
}
