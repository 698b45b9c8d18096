/*
 * acks: a bitmap of the seqs stored above each gateway's acked seq, so the ack
 * advances only across seqs that are really stored. It must never advance
 * over a gap unless the collector said that gap was dropped at its spool.
 */
#include "acks.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct gwst {
	struct gwst *next, *hnext;
	struct store_gateway row;
	int changed;
	int64_t base; /* seq of bit 0; base <= row.acked_seq + 1 */
	uint64_t *bits;
	size_t n_words;
};

#define ACKS_BUCKETS 4096

struct acks {
	struct gwst *list;                  /* all gateways, for saving */
	struct gwst *buckets[ACKS_BUCKETS]; /* by id, for the per-reading lookup */
};

/* FNV-1a of a gateway id, reduced to a bucket. */
static size_t bucket(const char *gw)
{
	uint64_t h = 1469598103934665603u;
	for (; *gw; gw++)
		h = (h ^ (unsigned char)*gw) * 1099511628211u;
	return (size_t)(h % ACKS_BUCKETS);
}

struct acks *acks_new(void)
{
	return xcalloc(1, sizeof(struct acks));
}

/* Frees every gateway. */
static void clear(struct acks *a)
{
	struct gwst *g, *next;
	for (g = a->list; g; g = next) {
		next = g->next;
		free(g->bits);
		free(g);
	}
	a->list = NULL;
	memset(a->buckets, 0, sizeof a->buckets);
}

void acks_free(struct acks *a)
{
	if (!a)
		return;
	clear(a);
	free(a);
}

/* Finds or creates a gateway's state. */
static struct gwst *find(struct acks *a, const char *gw)
{
	size_t b = bucket(gw);
	struct gwst *g;
	for (g = a->buckets[b]; g; g = g->hnext)
		if (strcmp(g->row.gw, gw) == 0)
			return g;
	g = xcalloc(1, sizeof *g);
	util_strlcpy(g->row.gw, gw, sizeof g->row.gw);
	g->row.backlog = -1;
	g->next = a->list;
	a->list = g;
	g->hnext = a->buckets[b];
	a->buckets[b] = g;
	return g;
}

static int bit_get(const struct gwst *g, int64_t seq)
{
	int64_t i = seq - g->base;
	if (i < 0 || (size_t)(i / 64) >= g->n_words)
		return 0;
	return (int)((g->bits[i / 64] >> (i % 64)) & 1);
}

/* The 64-aligned seq at or below seq. */
static int64_t aligned(int64_t seq)
{
	return seq - (seq % 64);
}

/* Moves acked over every stored seq right above it, and drops bitmap words below it. */
static void advance(struct gwst *g)
{
	int64_t want;
	size_t drop;
	while (bit_get(g, g->row.acked_seq + 1))
		g->row.acked_seq++;
	want = aligned(g->row.acked_seq + 1);
	if (want - g->base >= 64 * (int64_t)g->n_words) {
		if (g->n_words)
			memset(g->bits, 0, g->n_words * sizeof *g->bits);
		g->base = want;
		return;
	}
	drop = (size_t)((want - g->base) / 64);
	if (drop > 0 && drop >= g->n_words / 2) {
		memmove(g->bits, g->bits + drop, (g->n_words - drop) * sizeof *g->bits);
		memset(g->bits + (g->n_words - drop), 0, drop * sizeof *g->bits);
		g->base += (int64_t)drop * 64;
	}
}

/* Sets the bit of seq, growing the bitmap; seq is above acked and within the window. */
static void bit_set(struct gwst *g, int64_t seq)
{
	int64_t i;
	if (g->n_words == 0)
		g->base = aligned(g->row.acked_seq + 1);
	i = seq - g->base;
	if ((size_t)(i / 64) >= g->n_words) {
		size_t n = g->n_words ? g->n_words : 16;
		while (n <= (size_t)(i / 64))
			n *= 2;
		g->bits = xrealloc(g->bits, n * sizeof *g->bits);
		memset(g->bits + g->n_words, 0, (n - g->n_words) * sizeof *g->bits);
		g->n_words = n;
	}
	g->bits[i / 64] |= UINT64_C(1) << (i % 64);
}

struct store_gateway *acks_gateway(struct acks *a, const char *gw)
{
	struct gwst *g = find(a, gw);
	g->changed = 1;
	return &g->row;
}

void acks_stored(struct acks *a, const char *gw, int64_t seq, int inserted)
{
	struct gwst *g = find(a, gw);
	g->changed = 1;
	if (seq > g->row.max_seq)
		g->row.max_seq = seq;
	if (seq <= g->row.acked_seq) {
		/* new below the ack: it had been given up as lost, and came after all */
		if (inserted && g->row.lost_seqs > 0)
			g->row.lost_seqs--;
		return;
	}
	if (seq - g->row.acked_seq > ACKS_WINDOW)
		return; /* marked again when the collector replays it after the gap closes */
	bit_set(g, seq);
	advance(g);
}

void acks_spool_min(struct acks *a, const char *gw, int64_t min_seq)
{
	struct gwst *g = find(a, gw);
	int64_t s, end = min_seq - 1, have = 0, bits_end = g->base + 64 * (int64_t)g->n_words - 1;
	g->changed = 1;
	if (min_seq > g->row.spool_min_seq)
		g->row.spool_min_seq = min_seq;
	if (end <= g->row.acked_seq)
		return;
	/* every seq below min_seq that is not stored will never come */
	for (s = g->row.acked_seq + 1; s <= end && s <= bits_end; s++)
		have += bit_get(g, s);
	g->row.lost_seqs += end - g->row.acked_seq - have;
	g->row.acked_seq = end;
	advance(g);
}

int64_t acks_acked(struct acks *a, const char *gw)
{
	struct gwst *g;
	for (g = a->buckets[bucket(gw)]; g; g = g->hnext)
		if (strcmp(g->row.gw, gw) == 0)
			return g->row.acked_seq;
	return 0;
}

static int load_row(void *ctx, const struct store_gateway *row)
{
	struct gwst *g = find(ctx, row->gw);
	g->row = *row;
	g->base = aligned(row->acked_seq + 1);
	return 0;
}

struct seq_ctx {
	struct gwst *g;
};

static void load_seq(void *ctx, int64_t seq)
{
	struct gwst *g = ((struct seq_ctx *)ctx)->g;
	if (seq - g->row.acked_seq <= ACKS_WINDOW)
		bit_set(g, seq);
}

int acks_load(struct acks *a, struct store *s)
{
	struct gwst *g;
	clear(a);
	if (store_gateway_each(s, load_row, a) < 0)
		return -1;
	for (g = a->list; g; g = g->next) {
		struct seq_ctx c = {g};
		if (store_gateway_seqs(s, g->row.gw, g->row.acked_seq, load_seq, &c) < 0)
			return -1;
		advance(g);
		g->changed = 0;
	}
	return 0;
}

int acks_reload(struct acks *a, struct store *s, const char *gw)
{
	struct gwst *g = find(a, gw);
	struct seq_ctx c = {g};
	struct store_gateway row;
	if (store_gateway_get(s, gw, &row) < 0)
		return -1;
	g->row = row;
	if (g->n_words)
		memset(g->bits, 0, g->n_words * sizeof *g->bits);
	g->base = aligned(row.acked_seq + 1);
	if (store_gateway_seqs(s, gw, row.acked_seq, load_seq, &c) < 0)
		return -1;
	advance(g);
	g->changed = 0;
	return 0;
}

int acks_save(struct acks *a, struct store *s)
{
	struct gwst *g;
	for (g = a->list; g; g = g->next)
		if (g->changed && store_gateway_put(s, &g->row) < 0)
			return -1;
	return 0;
}

void acks_each_changed(struct acks *a, void (*fn)(void *ctx, const char *gw, int64_t acked),
                       void *ctx)
{
	struct gwst *g;
	for (g = a->list; g; g = g->next)
		if (g->changed) {
			if (fn)
				fn(ctx, g->row.gw, g->row.acked_seq);
			g->changed = 0;
		}
}
