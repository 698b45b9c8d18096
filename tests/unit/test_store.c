/* Tests for the store (schema, migrations, readings, rejects) and the ack tracker. */
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "acks.h"
#include "harness.h"
#include "store.h"
#include "store_testing.h"
#include "util.h"

static char dir[] = "/tmp/pvmon-test-store.XXXXXX";

/* A fresh database path in the test directory. */
static const char *db_path(const char *name)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

static struct reading reading_at(const char *gw, int64_t seq, int64_t ts)
{
	struct reading r = {0};
	r.seq = (uint64_t)seq;
	r.ts_ms = ts;
	util_strlcpy(r.gw, gw, sizeof r.gw);
	util_strlcpy(r.station, "st1", sizeof r.station);
	util_strlcpy(r.device, "inv1", sizeof r.device);
	r.state = STATE_PRODUCING;
	r.has = READING_HAS_ENERGY | READING_HAS_POWER;
	r.energy_wh = 1000 + seq;
	r.ac_power_w = 500;
	return r;
}

static int user_version(struct store *s)
{
	sqlite3_stmt *q;
	int v = -1;
	sqlite3_prepare_v2(store_testing_db(s), "PRAGMA user_version", -1, &q, NULL);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return v;
}

static int64_t count(struct store *s, const char *sql)
{
	sqlite3_stmt *q;
	int64_t n = -1;
	if (sqlite3_prepare_v2(store_testing_db(s), sql, -1, &q, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

static void a_new_database_gets_the_current_schema_and_reopens(void)
{
	char *cause = NULL;
	struct store *s = store_open(db_path("new.db"), &cause);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_INT(user_version(s), STORE_SCHEMA_VERSION);
	CHECK_INT(count(s, "SELECT count(*) FROM daily"), 0);
	CHECK_INT(count(s, "SELECT count(*) FROM hourly"), 0);
	store_close(s);
	s = store_open(db_path("new.db"), &cause);
	CHECK(s != NULL);
	CHECK_INT(s ? user_version(s) : -1, STORE_SCHEMA_VERSION);
	store_close(s);
	s = store_open_readonly(db_path("new.db"), &cause);
	CHECK(s != NULL);
	store_close(s);
}

/* A database at schema 1 (before alarm bits) migrates and keeps its rows. */
static void a_schema_1_database_gains_the_alarm_columns_and_keeps_its_rows(void)
{
	char *cause = NULL;
	sqlite3 *db;
	struct store *s;
	struct store_daily d;
	sqlite3_open(db_path("v1.db"), &db);
	sqlite3_exec(
	    db,
	    "CREATE TABLE daily (station TEXT NOT NULL, device TEXT NOT NULL, day INTEGER "
	    "NOT NULL, kind INTEGER NOT NULL, n_readings INTEGER NOT NULL, first_ts "
	    "INTEGER, first_wh INTEGER, last_ts INTEGER, last_wh INTEGER, delta_wh INTEGER "
	    "NOT NULL DEFAULT 0, resets INTEGER NOT NULL DEFAULT 0, excluded INTEGER NOT "
	    "NULL DEFAULT 0, peak_w INTEGER, asleep_s INTEGER NOT NULL DEFAULT 0, offline_s "
	    "INTEGER NOT NULL DEFAULT 0, fault_s INTEGER NOT NULL DEFAULT 0, PRIMARY KEY "
	    "(station, device, day)) WITHOUT ROWID;"
	    "INSERT INTO daily (station, device, day, kind, n_readings, delta_wh) VALUES "
	    "('st1', 'inv1', 18000, 0, 5, 777);"
	    "PRAGMA user_version = 1",
	    NULL, NULL, NULL);
	sqlite3_close(db);
	s = store_open(db_path("v1.db"), &cause);
	CHECK(s != NULL);
	if (!s) {
		printf("  %s\n", cause);
		free(cause);
		return;
	}
	CHECK_INT(user_version(s), STORE_SCHEMA_VERSION);
	CHECK_INT(store_daily_get(s, "st1", "inv1", 18000, &d), 1);
	CHECK_INT(d.delta_wh, 777);
	CHECK(d.alarms == 0);
	CHECK_STR(d.alarm_map, "");
	d.alarms = (UINT64_C(1) << 33) | 4;
	snprintf(d.alarm_map, sizeof d.alarm_map, "sunspec@1");
	CHECK_INT(store_daily_put(s, "st1", "inv1", &d), 0);
	memset(&d, 0, sizeof d);
	CHECK_INT(store_daily_get(s, "st1", "inv1", 18000, &d), 1);
	CHECK(d.alarms == ((UINT64_C(1) << 33) | 4));
	CHECK_STR(d.alarm_map, "sunspec@1");
	store_close(s);
}

static void a_database_from_a_newer_pvmon_is_refused(void)
{
	char *cause = NULL;
	sqlite3 *db;
	struct store *s;
	sqlite3_open(db_path("newer.db"), &db);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	s = store_open(db_path("newer.db"), &cause);
	CHECK(s == NULL);
	CHECK(cause && strstr(cause, "newer.db") && strstr(cause, "99"));
	free(cause);
	store_close(s);
}

static void a_missing_database_is_refused_read_only_with_its_name(void)
{
	char *cause = NULL;
	struct store *s = store_open_readonly(db_path("absent.db"), &cause);
	CHECK(s == NULL);
	CHECK(cause && strstr(cause, "absent.db"));
	free(cause);
}

static void a_duplicate_reading_is_ignored(void)
{
	char *cause = NULL;
	struct store *s = store_open(db_path("dup.db"), &cause);
	struct reading r = reading_at("gw1", 7, 1561939200000), back;
	if (!s)
		return;
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_reading_insert(s, &r), 1);
	r.energy_wh = 5; /* same (gw, seq): the first one stays */
	CHECK_INT(store_reading_insert(s, &r), 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(count(s, "SELECT count(*) FROM readings"), 1);
	CHECK_INT(store_reading_last(s, "st1", "inv1", INT64_MAX, "", 0, 0, &back), 1);
	CHECK_INT(back.energy_wh, 1007);
	CHECK_INT(back.has, READING_HAS_ENERGY | READING_HAS_POWER);
	CHECK_STR(back.gw, "gw1");
	store_close(s);
}

static void a_reject_with_a_known_seq_is_stored_once(void)
{
	char *cause = NULL;
	struct store *s = store_open(db_path("rej.db"), &cause);
	if (!s)
		return;
	store_begin(s);
	CHECK_INT(store_rejected_insert(s, 1, "pvmon/v1/gw1/a/b/reading", "{", 1, "not valid JSON",
	                                "gw1", 9),
	          1);
	CHECK_INT(store_rejected_insert(s, 2, "pvmon/v1/gw1/a/b/reading", "{", 1, "not valid JSON",
	                                "gw1", 9),
	          0);
	CHECK_INT(store_rejected_insert(s, 3, "x", "", 0, "no seq", NULL, 0), 1);
	CHECK_INT(store_rejected_insert(s, 3, "x", "", 0, "no seq", NULL, 0), 1);
	store_commit(s);
	CHECK_INT(count(s, "SELECT count(*) FROM rejected"), 3);
	store_close(s);
}

static void pruning_deletes_only_old_raw_readings(void)
{
	char *cause = NULL;
	struct store *s = store_open(db_path("prune.db"), &cause);
	struct store_daily d = {0};
	int64_t deleted = -1, i;
	if (!s)
		return;
	store_begin(s);
	for (i = 1; i <= 10; i++) {
		struct reading r = reading_at("gw1", i, i * 1000);
		store_reading_insert(s, &r);
	}
	d.day = 0;
	d.n_readings = 10;
	store_daily_put(s, "st1", "inv1", &d);
	CHECK_INT(store_prune(s, 5500, &deleted), 0);
	store_commit(s);
	CHECK_INT(deleted, 5);
	CHECK_INT(count(s, "SELECT count(*) FROM readings"), 5);
	CHECK_INT(count(s, "SELECT count(*) FROM daily"), 1);
	store_close(s);
}

static void readings_are_ordered_by_time_then_gateway_then_seq(void)
{
	char *cause = NULL;
	struct store *s = store_open(db_path("order.db"), &cause);
	struct reading a = reading_at("gw1", 5, 1000), b = reading_at("gw1", 6, 1000),
	               c = reading_at("gw1", 2, 2000), out;
	if (!s)
		return;
	store_begin(s);
	store_reading_insert(s, &c);
	store_reading_insert(s, &b);
	store_reading_insert(s, &a);
	store_commit(s);
	CHECK_INT(store_reading_last(s, "st1", "inv1", INT64_MAX, "", 0, 0, &out), 1);
	CHECK_INT(out.seq, 2);
	CHECK_INT(store_reading_last(s, "st1", "inv1", 2000, "gw1", 2, 0, &out), 1);
	CHECK_INT(out.seq, 6);
	CHECK_INT(store_reading_last(s, "st1", "inv1", 1000, "gw1", 6, 0, &out), 1);
	CHECK_INT(out.seq, 5);
	CHECK_INT(store_reading_last(s, "st1", "inv1", 1000, "gw1", 5, 0, &out), 0);
	CHECK_INT(store_reading_first(s, "st1", "inv1", &out), 1);
	CHECK_INT(out.seq, 5);
	store_close(s);
}

static void the_ack_advances_over_stored_seqs_only(void)
{
	struct acks *a = acks_new();
	acks_stored(a, "gw1", 1, 1);
	acks_stored(a, "gw1", 2, 1);
	CHECK_INT(acks_acked(a, "gw1"), 2);
	acks_stored(a, "gw1", 4, 1);
	acks_stored(a, "gw1", 5, 1);
	CHECK_INT(acks_acked(a, "gw1"), 2);
	acks_stored(a, "gw1", 3, 1);
	CHECK_INT(acks_acked(a, "gw1"), 5);
	CHECK_INT(acks_acked(a, "gw2"), 0);
	acks_free(a);
}

static void a_gap_is_acknowledged_only_once_filled_even_far_apart(void)
{
	struct acks *a = acks_new();
	int64_t s;
	for (s = 2; s <= 100000; s++)
		acks_stored(a, "gw1", s, 1);
	CHECK_INT(acks_acked(a, "gw1"), 0);
	acks_stored(a, "gw1", 1, 1);
	CHECK_INT(acks_acked(a, "gw1"), 100000);
	acks_stored(a, "gw1", 100002, 1);
	acks_stored(a, "gw1", 100001, 0); /* a duplicate still counts as stored */
	CHECK_INT(acks_acked(a, "gw1"), 100002);
	acks_free(a);
}

static void lost_seqs_below_the_spool_minimum_unblock_the_ack(void)
{
	struct acks *a = acks_new();
	struct store_gateway *g;
	acks_stored(a, "gw1", 1, 1);
	acks_stored(a, "gw1", 5, 1);
	acks_stored(a, "gw1", 7, 1);
	acks_stored(a, "gw1", 8, 1);
	CHECK_INT(acks_acked(a, "gw1"), 1);
	acks_spool_min(a, "gw1", 6); /* 2, 3, 4 were dropped; 6 is still in the spool */
	CHECK_INT(acks_acked(a, "gw1"), 5);
	g = acks_gateway(a, "gw1");
	CHECK_INT(g->lost_seqs, 3);
	acks_stored(a, "gw1", 6, 1);
	CHECK_INT(acks_acked(a, "gw1"), 8);
	acks_stored(a, "gw1", 3, 1); /* in flight after all: no longer lost */
	CHECK_INT(g->lost_seqs, 2);
	acks_spool_min(a, "gw1", 4); /* stale status: changes nothing */
	CHECK_INT(acks_acked(a, "gw1"), 8);
	acks_spool_min(a, "gw1", 1000000000); /* far ahead: no loop over a billion */
	CHECK_INT(acks_acked(a, "gw1"), 999999999);
	CHECK_INT(g->lost_seqs, 2 + 999999999 - 8);
	acks_free(a);
}

static void the_ack_state_is_rebuilt_from_the_database(void)
{
	char *cause = NULL;
	struct store *s = store_open(db_path("acks.db"), &cause);
	struct acks *a = acks_new(), *b = acks_new();
	int64_t seq;
	if (!s)
		return;
	store_begin(s);
	for (seq = 1; seq <= 20; seq++) {
		struct reading r = reading_at("gw1", seq, seq * 1000);
		if (seq == 10)
			continue;
		store_reading_insert(s, &r);
		acks_stored(a, "gw1", seq, 1);
	}
	CHECK_INT(acks_acked(a, "gw1"), 9);
	CHECK_INT(acks_save(a, s), 0);
	store_commit(s);
	CHECK_INT(acks_load(b, s), 0);
	CHECK_INT(acks_acked(b, "gw1"), 9);
	store_begin(s);
	CHECK_INT(store_rejected_insert(s, 1, "t", "x", 1, "bad", "gw1", 10), 1);
	store_commit(s);
	acks_stored(b, "gw1", 10, 1);
	CHECK_INT(acks_acked(b, "gw1"), 20);
	acks_free(a);
	acks_free(b);
	store_close(s);
}

/*
 * What a worker of several does at the start of a batch: a named lock (on
 * SQLite nothing more than the transaction's write lock, so it succeeds and
 * keeps the transaction open) and one gateway's ack state read again after
 * another handle, another worker, stored the seq that closed its gap.
 */
static void a_gateways_ack_state_is_reloaded_under_its_lock(void)
{
	char *cause = NULL;
	struct store *s = store_open(db_path("reload.db"), &cause), *other;
	struct acks *a = acks_new(), *b = acks_new();
	int64_t seq;
	if (!s)
		return;
	other = store_open(db_path("reload.db"), &cause);
	store_begin(s);
	for (seq = 1; seq <= 20; seq++) {
		struct reading r = reading_at("gw1", seq, seq * 1000);
		if (seq == 10)
			continue;
		store_reading_insert(s, &r);
		acks_stored(a, "gw1", seq, 1);
	}
	acks_stored(a, "gw2", 1, 1);
	CHECK_INT(acks_save(a, s), 0);
	store_commit(s);
	CHECK_INT(acks_acked(a, "gw1"), 9);
	/* the other worker stores seq 10 and writes the ack it makes of it */
	CHECK_INT(store_begin(other), 0);
	CHECK_INT(store_lock(other, "pvmon.gw.gw1"), 0);
	CHECK_INT(acks_reload(b, other, "gw1"), 0);
	CHECK_INT(acks_acked(b, "gw1"), 9);
	{
		struct reading r = reading_at("gw1", 10, 10000);
		CHECK_INT(store_reading_insert(other, &r), 1);
	}
	acks_stored(b, "gw1", 10, 1);
	CHECK_INT(acks_acked(b, "gw1"), 20);
	CHECK_INT(acks_save(b, other), 0);
	CHECK_INT(store_commit(other), 0);
	/* this worker's memory still says 9 until it reloads gw1, and only gw1 */
	CHECK_INT(acks_acked(a, "gw1"), 9);
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_lock(s, "pvmon.gw.gw1"), 0);
	CHECK_INT(acks_reload(a, s, "gw1"), 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(acks_acked(a, "gw1"), 20);
	CHECK_INT(acks_acked(a, "gw2"), 1);
	acks_free(a);
	acks_free(b);
	store_close(other);
	store_close(s);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(a_new_database_gets_the_current_schema_and_reopens);
	RUN(a_schema_1_database_gains_the_alarm_columns_and_keeps_its_rows);
	RUN(a_database_from_a_newer_pvmon_is_refused);
	RUN(a_missing_database_is_refused_read_only_with_its_name);
	RUN(a_duplicate_reading_is_ignored);
	RUN(a_reject_with_a_known_seq_is_stored_once);
	RUN(pruning_deletes_only_old_raw_readings);
	RUN(readings_are_ordered_by_time_then_gateway_then_seq);
	RUN(the_ack_advances_over_stored_seqs_only);
	RUN(a_gap_is_acknowledged_only_once_filled_even_far_apart);
	RUN(lost_seqs_below_the_spool_minimum_unblock_the_ack);
	RUN(the_ack_state_is_rebuilt_from_the_database);
	RUN(a_gateways_ack_state_is_reloaded_under_its_lock);
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("could not remove %s\n", dir);
	}
	return harness_end();
}
