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

/* Runs SQL on the store's connection; 0 or -1 (the message printed). */
static int sql_exec(struct store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(store_testing_db(s), sql, NULL, NULL, &msg) != SQLITE_OK) {
		printf("  %s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* A reading of station st<dev % 3>, device inv<dev>, with every value set from i. */
static struct reading full_reading(int dev, int64_t i)
{
	struct reading r = {0};
	snprintf(r.gw, sizeof r.gw, "gw-%d", dev % 2);
	snprintf(r.station, sizeof r.station, "st%d", dev % 3);
	snprintf(r.device, sizeof r.device, "inv%d", dev);
	r.seq = (uint64_t)(i * 10 + dev);
	r.ts_ms = 1750000000000 + i * 60000;
	r.kind = dev == 4 ? READING_METER : READING_INVERTER;
	r.state = (enum reading_state)(i % STATE_COUNT);
	r.has = READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_TODAY | READING_HAS_TEMP |
	        READING_HAS_HZ | READING_HAS_ALARMS;
	if (dev == 4)
		r.has = READING_HAS_ENERGY | READING_HAS_IMPORT | READING_HAS_POWER;
	r.ac_power_w = dev == 4 ? -1200 - i : 1000 * i;
	r.quality = i % 7 == 0 ? QUALITY_RANGE : 0;
	r.energy_wh = 120000000 + i * 500;
	if (dev == 4) {
		r.import_wh = 4000 + i;
		return r;
	}
	r.today_wh = i * 17;
	r.temp_c = strtod(i % 2 ? "-12.3" : "45.7", NULL);
	r.grid_hz = strtod(i % 3 ? "49.98" : "50.01", NULL);
	r.alarms = i % 5 ? 0 : (UINT64_C(1) << 40) | 3;
	snprintf(r.map, sizeof r.map, "%s", dev % 2 ? "huawei-sun2000@1" : "sunspec@1");
	return r;
}

/* 1 when two readings hold the same values (doubles compared exactly). */
static int same_reading(const struct reading *a, const struct reading *b)
{
	return a->seq == b->seq && a->ts_ms == b->ts_ms && strcmp(a->gw, b->gw) == 0 &&
	       strcmp(a->station, b->station) == 0 && strcmp(a->device, b->device) == 0 &&
	       a->kind == b->kind && a->state == b->state && a->has == b->has &&
	       a->quality == b->quality && a->ac_power_w == b->ac_power_w &&
	       a->energy_wh == b->energy_wh && a->import_wh == b->import_wh &&
	       a->today_wh == b->today_wh && a->temp_c == b->temp_c && a->grid_hz == b->grid_hz &&
	       a->alarms == b->alarms && strcmp(a->map, b->map) == 0;
}

struct collect {
	struct reading r[64];
	int n;
};

static int collect_reading(void *ctx, const struct reading *r)
{
	struct collect *c = ctx;
	if (c->n < 64)
		c->r[c->n] = *r;
	c->n++;
	return 0;
}

struct seqs {
	int64_t v[64];
	int n;
};

static void collect_seq(void *ctx, int64_t seq)
{
	struct seqs *c = ctx;
	if (c->n < 64)
		c->v[c->n] = seq;
	c->n++;
}

/*
 * A version 4 file, made by the old migrations and filled with the version
 * 4 store's own INSERT, converts in place: every reading comes back with the
 * same values, the seqs above each gateway's ack are still listed, and the
 * readings_named view shows the old columns.
 */
static void a_version_4_file_converts_in_place_keeping_every_reading(void)
{
	static const char old_insert[] =
	    "INSERT OR IGNORE INTO readings (gw, seq, station, device, kind, ts, state, ac_power_w,"
	    " energy_wh, import_wh, today_wh, temp_c, grid_hz, alarms, quality, map)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	char *cause = NULL;
	struct store *s = store_testing_open_version(db_path("v4.db"), 4, &cause);
	struct collect c;
	struct seqs q = {{0}, 0};
	sqlite3_stmt *ins = NULL;
	int dev, ok = 1;
	int64_t i;
	CHECK(s != NULL);
	if (!s) {
		printf("  %s\n", cause);
		free(cause);
		return;
	}
	CHECK_INT(user_version(s), 4);
	CHECK_INT(count(s, "SELECT count(*) FROM pragma_table_info('readings') WHERE name = 'map'"
	                   " AND type = 'TEXT'"),
	          1);
	CHECK(sqlite3_prepare_v2(store_testing_db(s), old_insert, -1, &ins, NULL) == SQLITE_OK);
	sql_exec(s, "BEGIN");
	for (dev = 1; dev <= 4; dev++)
		for (i = 1; i <= 12 && ins; i++) {
			struct reading r = full_reading(dev, i);
			sqlite3_bind_text(ins, 1, r.gw, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 2, (int64_t)r.seq);
			sqlite3_bind_text(ins, 3, r.station, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 4, r.device, -1, SQLITE_STATIC);
			sqlite3_bind_int(ins, 5, (int)r.kind);
			sqlite3_bind_int64(ins, 6, r.ts_ms);
			sqlite3_bind_int(ins, 7, (int)r.state);
			sqlite3_bind_int64(ins, 8, r.ac_power_w);
			sqlite3_bind_int64(ins, 9, r.energy_wh);
			if (r.has & READING_HAS_IMPORT)
				sqlite3_bind_int64(ins, 10, r.import_wh);
			if (r.has & READING_HAS_TODAY)
				sqlite3_bind_int64(ins, 11, r.today_wh);
			if (r.has & READING_HAS_TEMP)
				sqlite3_bind_double(ins, 12, r.temp_c);
			if (r.has & READING_HAS_HZ)
				sqlite3_bind_double(ins, 13, r.grid_hz);
			if (r.has & READING_HAS_ALARMS)
				sqlite3_bind_int64(ins, 14, (int64_t)r.alarms);
			sqlite3_bind_int(ins, 15, (int)r.quality);
			if (r.map[0])
				sqlite3_bind_text(ins, 16, r.map, -1, SQLITE_STATIC);
			ok &= sqlite3_step(ins) == SQLITE_DONE;
			sqlite3_reset(ins);
			sqlite3_clear_bindings(ins);
		}
	sqlite3_finalize(ins);
	CHECK(ok);
	/* gw-1 acknowledged up to seq 61; gw-0 has no row yet (acked 0) */
	sql_exec(s, "INSERT INTO gateways (gw, acked_seq, max_seq) VALUES ('gw-1', 61, 123);"
	            "INSERT INTO rejected (received_ms, topic, payload, reason, gw, seq)"
	            " VALUES (1, 't', x'00', 'r', 'gw-1', 125);"
	            "COMMIT");
	CHECK_INT(count(s, "SELECT count(*) FROM readings"), 48);
	store_close(s);

	s = store_open(db_path("v4.db"), &cause);
	CHECK(s != NULL);
	if (!s) {
		printf("  %s\n", cause);
		free(cause);
		return;
	}
	CHECK_INT(user_version(s), STORE_SCHEMA_VERSION);
	CHECK_INT(count(s, "SELECT count(*) FROM readings"), 48);
	CHECK_INT(count(s, "SELECT count(*) FROM devices"), 4);
	CHECK_INT(count(s, "SELECT count(*) FROM gw_ids"), 2);
	CHECK_INT(count(s, "SELECT count(*) FROM maps"), 2);
	CHECK_INT(count(s, "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'readings'"
	                   " AND type = 'index'"),
	          0);
	CHECK_INT(count(s, "SELECT count(*) FROM pragma_table_info('readings')"
	                   " WHERE type NOT IN ('INTEGER')"),
	          0);
	for (dev = 1; dev <= 4; dev++) {
		struct reading first = full_reading(dev, 1);
		c.n = 0;
		CHECK_INT(store_readings_each(s, first.station, first.device, 0, INT64_MAX,
		                              collect_reading, &c),
		          0);
		CHECK_INT(c.n, 12);
		for (i = 1; i <= 12 && i <= c.n; i++) {
			struct reading want = full_reading(dev, i);
			if (!same_reading(&c.r[i - 1], &want)) {
				const struct reading *g = &c.r[i - 1];
				printf("  device %d reading %lld differs after the migration: has "
				       "%u/%u"
				       " state %d/%d temp %.17g/%.17g hz %.17g/%.17g map %s/%s gw "
				       "%s/%s"
				       " seq %llu/%llu\n",
				       dev, (long long)i, g->has, want.has, g->state, want.state,
				       g->temp_c, want.temp_c, g->grid_hz, want.grid_hz, g->map,
				       want.map, g->gw, want.gw, (unsigned long long)g->seq,
				       (unsigned long long)want.seq);
				CHECK(0);
			}
		}
	}
	/* the old view of the rows, through readings_named */
	CHECK_INT(count(s, "SELECT count(*) FROM readings_named WHERE gw = 'gw-1' AND"
	                   " station = 'st1' AND device = 'inv1' AND temp_c = -12.3 AND map ="
	                   " 'huawei-sun2000@1'"),
	          6);
	/* gw-1 (devices 1 and 3): seqs above 61 from readings (63, 71, 73, ...), and its reject */
	CHECK_INT(store_gateway_seqs(s, "gw-1", 61, collect_seq, &q), 0);
	CHECK_INT(q.n, 14);
	CHECK_INT(q.v[0], 63);
	CHECK_INT(q.v[1], 71);
	CHECK_INT(q.v[12], 123);
	CHECK_INT(q.v[13], 125);
	/* gw-0 without a gateway row: all of its 24 seqs */
	q.n = 0;
	CHECK_INT(store_gateway_seqs(s, "gw-0", 0, collect_seq, &q), 0);
	CHECK_INT(q.n, 24);
	CHECK_INT(count(s, "SELECT count(*) FROM gw_pending"), 13 + 24);
	store_close(s);
}

/*
 * The contract carries a temperature with one decimal and a frequency with
 * two (reading_to_json); what the payload's parser makes of them is stored as
 * an integer count of 0.1 degC / 0.01 Hz and comes back as the same double.
 */
static void temperatures_and_frequencies_come_back_as_the_same_doubles(void)
{
	char *cause = NULL;
	struct store *s = store_open(db_path("scaled.db"), &cause);
	struct collect c;
	int k, bad = 0, n = 0;
	if (!s)
		return;
	store_begin(s);
	for (k = -600; k <= 10000; k++) {
		char t[32], h[32];
		struct reading r = reading_at("gw1", k + 1000, 1750000000000 + (k + 1000) * 1000);
		snprintf(t, sizeof t, "%.1f", k / 10.0);
		snprintf(h, sizeof h, "%.2f", k / 100.0);
		r.has |= READING_HAS_HZ | (k <= 2000 ? READING_HAS_TEMP : 0);
		r.temp_c = strtod(t, NULL);
		r.grid_hz = strtod(h, NULL);
		if (store_reading_insert(s, &r) != 1)
			bad++;
	}
	store_commit(s);
	CHECK_INT(bad, 0);
	for (k = -600; k <= 10000; k += 64) {
		char t[32], h[32];
		c.n = 0;
		store_readings_each(s, "st1", "inv1", 1750000000000 + (k + 1000) * 1000,
		                    1750000000000 + (k + 1000) * 1000 + 64000, collect_reading, &c);
		for (n = 0; n < c.n && n < 64; n++) {
			int kk = k + n;
			snprintf(t, sizeof t, "%.1f", kk / 10.0);
			snprintf(h, sizeof h, "%.2f", kk / 100.0);
			if (c.r[n].grid_hz != strtod(h, NULL) ||
			    (kk <= 2000 && c.r[n].temp_c != strtod(t, NULL)) ||
			    !(c.r[n].has & READING_HAS_HZ) ||
			    !(c.r[n].has & READING_HAS_TEMP) != (kk > 2000))
				bad++;
		}
	}
	CHECK_INT(bad, 0);
	CHECK_INT(count(s, "SELECT count(*) FROM readings WHERE temp_dc = 457"), 1);
	CHECK_INT(count(s, "SELECT count(*) FROM readings WHERE grid_chz = 5001"), 1);
	store_close(s);
}

/*
 * Ids handed out in a transaction that is rolled back are forgotten: a later
 * device that gets the same id in the table does not share it with the
 * rolled-back one in the cache, and a rolled-back ack does not hide a seq.
 */
static void a_rolled_back_transaction_leaves_no_stale_ids_or_acks(void)
{
	char *cause = NULL;
	struct store *s = store_open(db_path("rollback.db"), &cause);
	struct reading x = reading_at("gw-x", 1, 1000), y = reading_at("gw-y", 1, 1000), out;
	struct store_gateway g;
	struct seqs q = {{0}, 0};
	if (!s)
		return;
	util_strlcpy(x.device, "inv-x", sizeof x.device);
	util_strlcpy(y.device, "inv-y", sizeof y.device);
	snprintf(x.map, sizeof x.map, "map-x@1");
	snprintf(y.map, sizeof y.map, "map-y@1");
	x.energy_wh = 111;
	y.energy_wh = 222;
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_reading_insert(s, &x), 1);
	store_gateway_get(s, "gw-y", &g);
	g.acked_seq = 10;
	CHECK_INT(store_gateway_put(s, &g), 0);
	store_rollback(s);
	CHECK_INT(count(s, "SELECT count(*) FROM devices"), 0);

	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_reading_insert(s, &y), 1); /* takes the ids x had */
	CHECK_INT(store_reading_insert(s, &x), 1);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_reading_last(s, "st1", "inv-y", INT64_MAX, "", 0, 0, &out), 1);
	CHECK_INT(out.energy_wh, 222);
	CHECK_STR(out.gw, "gw-y");
	CHECK_STR(out.map, "map-y@1");
	CHECK_INT(store_reading_last(s, "st1", "inv-x", INT64_MAX, "", 0, 0, &out), 1);
	CHECK_INT(out.energy_wh, 111);
	CHECK_STR(out.gw, "gw-x");
	CHECK_STR(out.map, "map-x@1");
	CHECK_INT(count(s, "SELECT count(*) FROM readings_named WHERE device = 'inv-x'"
	                   " AND gw = 'gw-x' AND map = 'map-x@1'"),
	          1);
	/* the ack of 10 was rolled back: seq 1 of gw-y is above the stored ack (none) */
	CHECK_INT(store_gateway_seqs(s, "gw-y", 0, collect_seq, &q), 0);
	CHECK_INT(q.n, 1);
	store_close(s);
}

/* gw_pending follows the ack: listed above it, dropped at or below it. */
static void the_seqs_above_the_ack_are_listed_and_acked_ones_dropped(void)
{
	char *cause = NULL;
	struct store *s = store_open(db_path("pending.db"), &cause);
	struct store_gateway g;
	struct seqs q = {{0}, 0};
	int64_t i;
	if (!s)
		return;
	store_begin(s);
	for (i = 1; i <= 5; i++) {
		struct reading r = reading_at("gw1", i, i * 1000);
		store_reading_insert(s, &r);
	}
	store_gateway_get(s, "gw1", &g);
	g.acked_seq = 3;
	CHECK_INT(store_gateway_put(s, &g), 0);
	{
		struct reading late = reading_at("gw1", 2, 99000), dup = reading_at("gw1", 5, 5000);
		CHECK_INT(store_reading_insert(s, &late), 1); /* at or below the ack: not pending */
		CHECK_INT(store_reading_insert(s, &dup), 0);
	}
	store_rejected_insert(s, 1, "t", "x", 1, "r", "gw1", 8);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(count(s, "SELECT count(*) FROM gw_pending"), 2);
	CHECK_INT(store_gateway_seqs(s, "gw1", 3, collect_seq, &q), 0);
	CHECK_INT(q.n, 3);
	CHECK_INT(q.v[0], 4);
	CHECK_INT(q.v[1], 5);
	CHECK_INT(q.v[2], 8);
	store_close(s);
	/* a new connection reads the ack from the gateway's row */
	s = store_open(db_path("pending.db"), &cause);
	if (!s)
		return;
	store_begin(s);
	{
		struct reading r = reading_at("gw1", 3, 77000), r9 = reading_at("gw1", 9, 78000);
		CHECK_INT(store_reading_insert(s, &r), 1);
		CHECK_INT(store_reading_insert(s, &r9), 1);
	}
	store_gateway_get(s, "gw1", &g);
	g.acked_seq = 5;
	store_gateway_put(s, &g);
	store_commit(s);
	CHECK_INT(count(s, "SELECT count(*) FROM gw_pending"), 1);
	q.n = 0;
	CHECK_INT(store_gateway_seqs(s, "gw1", 5, collect_seq, &q), 0);
	CHECK_INT(q.n, 2);
	CHECK_INT(q.v[0], 8);
	CHECK_INT(q.v[1], 9);
	q.n = 0;
	CHECK_INT(store_gateway_seqs(s, "nobody", 0, collect_seq, &q), 0);
	CHECK_INT(q.n, 0);
	store_close(s);
}

/*
 * Readings of one device that share a timestamp are in gateway *name* order
 * (as rollup.c compares keys) even when the dictionary gave the later name
 * the smaller id.
 */
static void readings_at_one_time_are_in_gateway_name_order_whatever_their_ids(void)
{
	char *cause = NULL;
	struct store *s = store_open(db_path("ties.db"), &cause);
	struct reading b = reading_at("gw-b", 1, 5000), a = reading_at("gw-a", 9, 5000),
	               a2 = reading_at("gw-a", 3, 5000), out;
	struct collect c;
	if (!s)
		return;
	store_begin(s);
	CHECK_INT(store_reading_insert(s, &b), 1); /* gw-b gets id 1 */
	CHECK_INT(store_reading_insert(s, &a), 1);
	CHECK_INT(store_reading_insert(s, &a2), 1);
	store_commit(s);
	CHECK_INT(count(s, "SELECT id FROM gw_ids WHERE gw = 'gw-b'"), 1);
	c.n = 0;
	CHECK_INT(store_readings_each(s, "st1", "inv1", 0, INT64_MAX, collect_reading, &c), 0);
	CHECK_INT(c.n, 3);
	CHECK_STR(c.r[0].gw, "gw-a");
	CHECK_INT(c.r[0].seq, 3);
	CHECK_STR(c.r[1].gw, "gw-a");
	CHECK_INT(c.r[1].seq, 9);
	CHECK_STR(c.r[2].gw, "gw-b");
	CHECK_INT(store_reading_first(s, "st1", "inv1", &out), 1);
	CHECK_STR(out.gw, "gw-a");
	CHECK_INT(out.seq, 3);
	CHECK_INT(store_reading_last(s, "st1", "inv1", INT64_MAX, "", 0, 0, &out), 1);
	CHECK_STR(out.gw, "gw-b");
	CHECK_INT(store_reading_last(s, "st1", "inv1", 5000, "gw-b", 1, 0, &out), 1);
	CHECK_STR(out.gw, "gw-a");
	CHECK_INT(out.seq, 9);
	CHECK_INT(store_reading_last(s, "st1", "inv1", 5000, "gw-a", 9, 1, &out), 1);
	CHECK_INT(out.seq, 3);
	CHECK_INT(store_reading_last(s, "st1", "inv1", 5000, "gw-a", 3, 0, &out), 0);
	CHECK_INT(store_reading_last(s, "st1", "nobody", INT64_MAX, "", 0, 0, &out), 0);
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
	RUN(a_version_4_file_converts_in_place_keeping_every_reading);
	RUN(temperatures_and_frequencies_come_back_as_the_same_doubles);
	RUN(a_rolled_back_transaction_leaves_no_stale_ids_or_acks);
	RUN(the_seqs_above_the_ack_are_listed_and_acked_ones_dropped);
	RUN(readings_at_one_time_are_in_gateway_name_order_whatever_their_ids);
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
