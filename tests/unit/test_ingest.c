/*
 * Tests for the ingest queue without a network: acks only after commits, a
 * full disk rolls the batch back and keeps it until it can be stored, status
 * messages unblock acks over dropped seqs, and rejects count for the ack.
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "ingest.h"
#include "store_testing.h"
#include "caltime.h"
#include "harness.h"
#include "util.h"

static char dir[] = "/tmp/pvmon-test-ingest.XXXXXX";
static const int64_t NOW = INT64_C(1561939200000);

static int64_t acked[4];
static int n_acks;

static void on_ack(void *ctx, const char *gw, int64_t seq)
{
	(void)ctx;
	(void)gw;
	acked[0] = seq;
	n_acks++;
}

/* The fleet of these tests: st1 with inverters inv1, inv2 and a meter. */
static int device(void *ctx, const char *station, const char *dev, enum reading_kind *kind,
                  int64_t *cap)
{
	(void)ctx;
	if (strcmp(station, "st1") != 0)
		return -1;
	*cap = 50000;
	if (strcmp(dev, "meter") == 0) {
		*kind = READING_METER;
		return 0;
	}
	*kind = READING_INVERTER;
	return strcmp(dev, "inv1") == 0 || strcmp(dev, "inv2") == 0 ? 0 : -1;
}

static struct ingest *fresh(const char *name, struct store **s)
{
	char path[256], *cause = NULL;
	struct ingest_conf c = {0};
	snprintf(path, sizeof path, "%s/%s", dir, name);
	*s = store_open(path, &cause);
	if (!*s) {
		printf("  %s\n", cause);
		return NULL;
	}
	c.store = *s;
	c.device = device;
	c.ack = on_ack;
	c.batch_rows = 50;
	n_acks = 0;
	acked[0] = -1;
	return ingest_new(&c, &cause);
}

/* Queues the reading with seq of gateway gw1 for inv1. */
static void send(struct ingest *in, int64_t seq)
{
	struct reading r = {0};
	char payload[512], topic[128];
	r.seq = (uint64_t)seq;
	r.ts_ms = NOW - 86400000 + seq * 10000;
	util_strlcpy(r.gw, "gw1", sizeof r.gw);
	util_strlcpy(r.station, "st1", sizeof r.station);
	util_strlcpy(r.device, "inv1", sizeof r.device);
	r.state = STATE_PRODUCING;
	r.has = READING_HAS_ENERGY;
	r.energy_wh = 1000 + seq;
	reading_to_json(&r, payload, sizeof payload);
	reading_topic(&r, topic, sizeof topic);
	ingest_message(in, topic, payload, strlen(payload), NOW);
}

static int64_t count(struct store *s, const char *sql)
{
	sqlite3_stmt *q;
	int64_t n = -1;
	sqlite3_prepare_v2(store_testing_db(s), sql, -1, &q, NULL);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

/* A worker of a share group: its own store handle on dir/name, shared mode on. */
static struct ingest *worker(const char *name, struct store **s)
{
	char path[256], *cause = NULL;
	struct ingest_conf c = {0};
	snprintf(path, sizeof path, "%s/%s", dir, name);
	*s = store_open(path, &cause);
	if (!*s) {
		printf("  %s\n", cause);
		return NULL;
	}
	c.store = *s;
	c.device = device;
	c.ack = on_ack;
	c.batch_rows = 50;
	c.shared = 1;
	return ingest_new(&c, &cause);
}

/*
 * Two workers on one database, the seqs of one gateway split between them:
 * each ack covers what both stored, since each batch reloads the gateway from
 * the database, and the roll-up equals one worker's (the odd one out is
 * recomputed).
 */
static void two_workers_acknowledge_what_both_stored(void)
{
	struct store *sa, *sb;
	struct ingest *a = worker("shared.db", &sa), *b = worker("shared.db", &sb);
	char *cause = NULL;
	if (!a || !b)
		goto done;
	n_acks = 0;
	send(a, 1);
	send(a, 3);
	send(a, 5);
	CHECK_INT(ingest_flush(a, &cause), 0);
	CHECK_INT(acked[0], 1);
	send(b, 2);
	send(b, 4);
	CHECK_INT(ingest_flush(b, &cause), 0);
	CHECK_INT(acked[0], 5); /* 1, 3 and 5 were stored by the other worker */
	send(a, 6);
	CHECK_INT(ingest_flush(a, &cause), 0);
	CHECK_INT(acked[0], 6);
	send(b, 4); /* a replay reaching the other worker: stored once, still acknowledged */
	CHECK_INT(ingest_flush(b, &cause), 0);
	CHECK_INT(acked[0], 6);
	CHECK_INT(count(sa, "SELECT count(*) FROM readings"), 6);
	CHECK_INT(count(sa, "SELECT acked_seq FROM gateways WHERE gw = 'gw1'"), 6);
	CHECK_INT(count(sa, "SELECT max_seq FROM gateways WHERE gw = 'gw1'"), 6);
	CHECK_INT(count(sa, "SELECT sum(n_readings) FROM daily"), 6);
	CHECK_INT(count(sa, "SELECT sum(delta_wh) FROM daily"), 5); /* energy 1001 .. 1006 */
	CHECK_INT(count(sa, "SELECT sum(n) FROM hourly"), 6);
done:
	ingest_free(a);
	ingest_free(b);
	store_close(sa);
	store_close(sb);
}

static void the_ack_is_published_after_the_commit_only(void)
{
	struct store *s;
	struct ingest *in = fresh("ack.db", &s);
	char *cause = NULL;
	int64_t i;
	if (!in)
		return;
	for (i = 1; i <= 10; i++)
		send(in, i);
	CHECK_INT(n_acks, 0);
	CHECK_INT(ingest_pending(in), 10);
	CHECK_INT(ingest_flush(in, &cause), 0);
	CHECK_INT(n_acks, 1);
	CHECK_INT(acked[0], 10);
	CHECK_INT(count(s, "SELECT count(*) FROM readings"), 10);
	CHECK_INT(count(s, "SELECT acked_seq FROM gateways WHERE gw = 'gw1'"), 10);
	send(in, 12);
	CHECK_INT(ingest_flush(in, &cause), 0);
	CHECK_INT(acked[0], 10);
	send(in, 11);
	send(in, 11);
	CHECK_INT(ingest_flush(in, &cause), 0);
	CHECK_INT(acked[0], 12);
	CHECK_INT(count(s, "SELECT count(*) FROM readings"), 12);
	ingest_free(in);
	store_close(s);
}

static void a_full_disk_keeps_the_batch_unacknowledged_until_it_clears(void)
{
	struct store *s;
	struct ingest *in = fresh("full.db", &s);
	struct ingest_stats st;
	char *cause = NULL;
	char sql[128];
	int64_t pages, i;
	if (!in)
		return;
	send(in, 1);
	CHECK_INT(ingest_flush(in, &cause), 0);
	pages = count(s, "PRAGMA page_count");
	/* the file may not grow: the next batch needs more pages than that */
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %" PRId64, pages);
	sqlite3_exec(store_testing_db(s), sql, NULL, NULL, NULL);
	for (i = 2; i <= 3000; i++)
		send(in, i);
	n_acks = 0;
	CHECK_INT(ingest_flush(in, &cause), -1);
	CHECK(cause && strstr(cause, "full"));
	free(cause);
	cause = NULL;
	CHECK_INT(store_error_transient(s), 1);
	CHECK_INT(n_acks, 0);
	CHECK_INT(ingest_pending(in) + ingest_taken(in), 2999);
	CHECK_INT(count(s, "SELECT count(*) FROM readings"), 1);
	CHECK_INT(count(s, "SELECT acked_seq FROM gateways"), 1);
	CHECK_INT(ingest_flush(in, &cause), -1); /* still full: still kept */
	free(cause);
	cause = NULL;
	sqlite3_exec(store_testing_db(s), "PRAGMA max_page_count = 1000000", NULL, NULL, NULL);
	CHECK_INT(ingest_flush(in, &cause), 0);
	CHECK_INT(ingest_pending(in) + ingest_taken(in), 0);
	CHECK_INT(acked[0], 3000);
	CHECK_INT(count(s, "SELECT count(*) FROM readings"), 3000);
	CHECK_INT(count(s, "SELECT sum(n_readings) FROM daily"), 3000);
	ingest_stats(in, &st);
	CHECK_INT(st.failures, 2);
	CHECK_INT(st.stored, 3000);
	ingest_free(in);
	store_close(s);
}

static void a_status_with_the_spool_minimum_unblocks_the_ack(void)
{
	struct store *s;
	struct ingest *in = fresh("status.db", &s);
	char *cause = NULL;
	const char *status = "{\"v\":1,\"gw\":\"gw1\",\"state\":\"online\",\"version\":\"1.0\","
	                     "\"backlog\":3,\"dropped\":4,\"spool_min_seq\":6,\"next_seq\":9}";
	if (!in)
		return;
	send(in, 1);
	send(in, 6);
	send(in, 7);
	CHECK_INT(ingest_flush(in, &cause), 0);
	CHECK_INT(acked[0], 1);
	ingest_message(in, "pvmon/v1/gw1/status", status, strlen(status), NOW);
	CHECK_INT(ingest_flush(in, &cause), 0);
	CHECK_INT(acked[0], 7);
	CHECK_INT(count(s, "SELECT lost_seqs FROM gateways"), 4);
	CHECK_INT(count(s, "SELECT dropped_total FROM gateways"), 4);
	CHECK_INT(count(s, "SELECT backlog FROM gateways"), 3);
	ingest_message(in, "pvmon/v1/gw1/status", "{\"v\":1,\"state\":\"offline\"}", 26, NOW);
	CHECK_INT(ingest_flush(in, &cause), 0);
	CHECK_INT(count(s, "SELECT backlog FROM gateways"), 3);
	ingest_free(in);
	store_close(s);
}

static void a_reject_with_a_seq_does_not_block_the_ack(void)
{
	struct store *s;
	struct ingest *in = fresh("reject.db", &s);
	char *cause = NULL;
	const char *bad =
	    "{\"v\":1,\"gw\":\"gw1\",\"seq\":2,\"station\":\"st1\",\"device\":\"inv9\","
	    "\"kind\":\"inverter\",\"ts\":1561939100000,\"state\":\"producing\"}";
	if (!in)
		return;
	send(in, 1);
	ingest_message(in, "pvmon/v1/gw1/st1/inv9/reading", bad, strlen(bad), NOW);
	send(in, 3);
	CHECK_INT(ingest_flush(in, &cause), 0);
	CHECK_INT(acked[0], 3);
	CHECK_INT(count(s, "SELECT count(*) FROM readings"), 2);
	CHECK_INT(count(s, "SELECT count(*) FROM rejected WHERE seq = 2 AND gw = 'gw1'"), 1);
	CHECK_INT(count(s, "SELECT rejects FROM gateways"), 1);
	ingest_message(in, "pvmon/v1/gw1/st1/inv9/reading", bad, strlen(bad), NOW);
	CHECK_INT(ingest_flush(in, &cause), 0);
	CHECK_INT(count(s, "SELECT rejects FROM gateways"), 1); /* a replayed reject is not new */
	ingest_free(in);
	store_close(s);
}

static void the_ack_state_survives_a_restart(void)
{
	struct store *s;
	struct ingest *in = fresh("restart.db", &s);
	struct ingest_conf c = {0};
	char *cause = NULL;
	char *cause2 = NULL;
	if (!in)
		return;
	send(in, 1);
	send(in, 3);
	CHECK_INT(ingest_flush(in, &cause), 0);
	ingest_free(in);
	c.store = s;
	c.device = device;
	c.ack = on_ack;
	in = ingest_new(&c, &cause2);
	CHECK(in != NULL);
	if (!in)
		return;
	send(in, 2);
	CHECK_INT(ingest_flush(in, &cause), 0);
	CHECK_INT(acked[0], 3);
	ingest_free(in);
	store_close(s);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	caltime_set_zone("Asia/Shanghai");
	RUN(the_ack_is_published_after_the_commit_only);
	RUN(a_full_disk_keeps_the_batch_unacknowledged_until_it_clears);
	RUN(a_status_with_the_spool_minimum_unblocks_the_ack);
	RUN(a_reject_with_a_seq_does_not_block_the_ack);
	RUN(the_ack_state_survives_a_restart);
	RUN(two_workers_acknowledge_what_both_stored);
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("could not remove %s\n", dir);
	}
	return harness_end();
}
