/* Tests for the spool: seq never reused, bounds drop the oldest and count, acks delete, order. */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "spool.h"
#include "util.h"

static char dir[] = "/tmp/pvmon-spool-XXXXXX";
static char path[256];
static const int64_t NOW = INT64_C(1561939200000);

static struct spool *open_with(int64_t rows, int64_t bytes, int64_t age)
{
	struct spool_opts o = {rows, bytes, age, 0, 0};
	char *cause = NULL;
	struct spool *s = spool_open(path, &o, &cause);
	if (!s)
		printf("  spool_open: %s\n", cause);
	free(cause);
	return s;
}

/* Removes the spool files between tests. */
static void fresh(void)
{
	char p[300];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

static struct reading one(int i)
{
	struct reading r = {0};
	util_strlcpy(r.gw, "gw1", sizeof r.gw);
	util_strlcpy(r.station, "st1", sizeof r.station);
	snprintf(r.device, sizeof r.device, "inv%d", i);
	r.ts_ms = NOW;
	r.state = STATE_PRODUCING;
	r.has = READING_HAS_POWER;
	r.ac_power_w = 1000 + i;
	return r;
}

/* Stores n readings in one batch; returns the first seq given. */
static uint64_t put(struct spool *s, int n, int64_t now)
{
	struct reading r[64];
	int i;
	for (i = 0; i < n; i++)
		r[i] = one(i);
	if (spool_put(s, r, n, now, NULL) < 0)
		return 0;
	return r[0].seq;
}

struct seen {
	uint64_t seqs[256];
	int n;
	char last_topic[128];
};

static int collect(void *ctx, uint64_t seq, const char *topic, const char *payload, size_t len)
{
	struct seen *s = ctx;
	(void)payload;
	(void)len;
	if (s->n < 256)
		s->seqs[s->n++] = seq;
	util_strlcpy(s->last_topic, topic, sizeof s->last_topic);
	return 0;
}

static void seq_starts_at_one_and_grows_by_one_per_reading(void)
{
	struct spool *s;
	fresh();
	s = open_with(0, 0, 0);
	CHECK(s != NULL);
	CHECK_INT(put(s, 3, NOW), 1);
	CHECK_INT(put(s, 2, NOW), 4);
	spool_close(s);
}

static void seq_is_never_reused_across_a_reopen_even_when_everything_was_acked(void)
{
	struct spool *s;
	struct spool_stats st;
	fresh();
	s = open_with(0, 0, 0);
	put(s, 5, NOW);
	CHECK_INT(spool_ack(s, 5), 5);
	spool_stats(s, &st);
	CHECK_INT(st.rows, 0);
	CHECK_INT(st.min_seq, 6);
	spool_close(s);
	s = open_with(0, 0, 0);
	CHECK_INT(put(s, 1, NOW), 6);
	spool_close(s);
}

static void an_ack_deletes_only_what_it_covers(void)
{
	struct spool *s;
	struct spool_stats st;
	fresh();
	s = open_with(0, 0, 0);
	put(s, 10, NOW);
	CHECK_INT(spool_ack(s, 4), 4);
	CHECK_INT(spool_ack(s, 4), 0);
	spool_stats(s, &st);
	CHECK_INT(st.rows, 6);
	CHECK_INT(st.min_seq, 5);
	CHECK_INT(st.next_seq, 11);
	spool_close(s);
}

static void the_backlog_comes_back_in_seq_order_from_any_point(void)
{
	struct spool *s;
	struct seen seen = {0};
	fresh();
	s = open_with(0, 0, 0);
	put(s, 4, NOW);
	put(s, 4, NOW);
	CHECK_INT(spool_each(s, 2, 100, collect, &seen), 6);
	CHECK_INT(seen.n, 6);
	CHECK_INT(seen.seqs[0], 3);
	CHECK_INT(seen.seqs[5], 8);
	CHECK_STR(seen.last_topic, "pvmon/v1/gw1/st1/inv3/reading");
	seen.n = 0;
	CHECK_INT(spool_each(s, 0, 3, collect, &seen), 3);
	CHECK_INT(seen.seqs[2], 3);
	spool_close(s);
}

static void the_row_bound_drops_the_oldest_and_counts_them_across_a_reopen(void)
{
	struct spool *s;
	struct spool_stats st;
	struct reading r[8];
	int64_t dropped = -1;
	int i;
	fresh();
	s = open_with(5, 0, 0);
	put(s, 4, NOW);
	for (i = 0; i < 3; i++)
		r[i] = one(i);
	CHECK_INT(spool_put(s, r, 3, NOW, &dropped), 0);
	CHECK_INT(dropped, 2);
	spool_stats(s, &st);
	CHECK_INT(st.rows, 5);
	CHECK_INT(st.dropped, 2);
	CHECK_INT(st.min_seq, 3);
	spool_close(s);
	s = open_with(5, 0, 0);
	spool_stats(s, &st);
	CHECK_INT(st.dropped, 2);
	CHECK_INT(st.rows, 5);
	spool_close(s);
}

static void a_bound_removes_acknowledged_rows_first_and_does_not_count_them_as_dropped(void)
{
	struct spool *s;
	struct spool_stats st;
	struct reading r[8];
	int64_t dropped = -1;
	int i;
	fresh();
	s = open_with(5, 0, 0);
	put(s, 4, NOW);       /* seqs 1-4 */
	spool_note_ack(s, 3); /* acknowledged, delete deferred */
	spool_stats(s, &st);
	CHECK_INT(st.rows, 4);
	for (i = 0; i < 4; i++)
		r[i] = one(i);
	CHECK_INT(spool_put(s, r, 4, NOW, &dropped), 0); /* seqs 5-8: 8 rows > 5 */
	CHECK_INT(dropped, 0);                           /* 1-3 were acknowledged: gone, not lost */
	spool_stats(s, &st);
	CHECK_INT(st.rows, 5);
	CHECK_INT(st.dropped, 0);
	CHECK_INT(st.min_seq, 4);
	for (i = 0; i < 2; i++)
		r[i] = one(i);
	CHECK_INT(spool_put(s, r, 2, NOW, &dropped), 0); /* seqs 9-10: now 4 and 5 are lost */
	CHECK_INT(dropped, 2);
	spool_stats(s, &st);
	CHECK_INT(st.dropped, 2);
	CHECK_INT(st.min_seq, 6);
	spool_close(s);
}

static void the_byte_bound_drops_the_oldest(void)
{
	struct spool *s;
	struct spool_stats st;
	fresh();
	s = open_with(0, 1000, 0);
	put(s, 20, NOW);
	spool_stats(s, &st);
	CHECK(st.bytes <= 1000);
	CHECK(st.dropped > 0);
	CHECK_INT(st.rows + st.dropped, 20);
	CHECK_INT(st.min_seq, (uint64_t)st.dropped + 1);
	spool_close(s);
}

static void the_age_bound_drops_readings_older_than_it(void)
{
	struct spool *s;
	struct spool_stats st;
	fresh();
	s = open_with(0, 0, 60);
	put(s, 3, NOW);
	put(s, 2, NOW + 30000);
	CHECK_INT(spool_expire(s, NOW + 61000), 3);
	spool_stats(s, &st);
	CHECK_INT(st.rows, 2);
	CHECK_INT(st.dropped, 3);
	CHECK_INT(st.min_seq, 4);
	spool_close(s);
}

/* Parses each payload and records whether its seq matches the row's. */
static int parse_seq(void *ctx, uint64_t seq, const char *topic, const char *payload, size_t len)
{
	int *bad = ctx;
	struct reading r;
	char cause[128];
	(void)topic;
	if (reading_from_json(payload, len, NOW, &r, cause, sizeof cause) < 0 || r.seq != seq)
		(*bad)++;
	return 0;
}

static void payloads_are_valid_readings_carrying_their_seq(void)
{
	struct spool *s;
	struct reading r = one(1);
	int bad = 0;
	fresh();
	s = open_with(0, 0, 0);
	put(s, 2, NOW);
	CHECK_INT(spool_put(s, &r, 1, NOW, NULL), 0);
	CHECK_INT(r.seq, 3);
	CHECK_INT(spool_each(s, 0, 10, parse_seq, &bad), 3);
	CHECK_INT(bad, 0);
	spool_close(s);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/spool.db", dir);
	RUN(seq_starts_at_one_and_grows_by_one_per_reading);
	RUN(seq_is_never_reused_across_a_reopen_even_when_everything_was_acked);
	RUN(an_ack_deletes_only_what_it_covers);
	RUN(the_backlog_comes_back_in_seq_order_from_any_point);
	RUN(the_row_bound_drops_the_oldest_and_counts_them_across_a_reopen);
	RUN(a_bound_removes_acknowledged_rows_first_and_does_not_count_them_as_dropped);
	RUN(the_byte_bound_drops_the_oldest);
	RUN(the_age_bound_drops_readings_older_than_it);
	RUN(payloads_are_valid_readings_carrying_their_seq);
	fresh();
	rmdir(dir);
	return harness_end();
}
