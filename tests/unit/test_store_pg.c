/*
 * Tests for the store on PostgreSQL: the same store.h calls as on SQLite,
 * against the server named by PVMON_TEST_PG (a postgresql:// URL, with
 * PVMON_TEST_PG_PASSWORD_FILE). tests/it/test_store_pg.sh starts a server
 * and runs this; without the variable it runs nothing.
 */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "store.h"
#include "store_ledger.h"
#include "store_testing.h"
#include "util.h"

static const char *url, *pwfile;

/* Drops the schema with libpq itself: the store may refuse what a test left. */
static int reset(void)
{
	char pw[256] = "";
	FILE *f = pwfile ? fopen(pwfile, "r") : NULL;
	const char *keys[] = {"dbname", "password", NULL};
	const char *vals[] = {url, pw, NULL};
	PGconn *c;
	PGresult *res;
	int ok;
	if (f) {
		if (fgets(pw, sizeof pw, f))
			pw[strcspn(pw, "\r\n")] = '\0';
		fclose(f);
	}
	c = PQconnectdbParams(keys, vals, 1);
	res = PQexec(c, "SET client_min_messages = warning;"
	                "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		printf("  resetting: %s\n", PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* An empty database, then a store opened on it. */
static struct store *fresh(void)
{
	char *cause = NULL;
	struct store *s;
	if (reset() < 0)
		return NULL;
	s = store_open_conf(url, pwfile, 0, &cause);
	if (!s) {
		printf("  %s\n", cause);
		free(cause);
	}
	return s;
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
	r.has = READING_HAS_ENERGY | READING_HAS_POWER | READING_HAS_TEMP;
	r.energy_wh = 1000 + seq;
	r.ac_power_w = 500;
	r.temp_c = (double)(201 + seq) / 10.0; /* the contract has one decimal */
	return r;
}

static void a_new_database_gets_the_schema_and_reopens_read_only(void)
{
	struct store *s = fresh(), *ro;
	char *cause = NULL;
	struct reading r = reading_at("gw1", 1, 1000);
	if (!s) {
		CHECK(0);
		return;
	}
	CHECK_INT(store_testing_int(s, "SELECT value FROM pvmon_meta WHERE key = 'schema'"),
	          STORE_SCHEMA_VERSION);
	store_close(s);
	s = store_open_conf(url, pwfile, 0, &cause);
	CHECK(s != NULL);
	store_close(s);
	ro = store_open_conf(url, pwfile, 1, &cause);
	CHECK(ro != NULL);
	if (!ro)
		return;
	CHECK_INT(store_reading_insert(ro, &r), -1);
	CHECK(strstr(store_error(ro), "read-only") != NULL);
	store_close(ro);
}

static void a_newer_schema_is_refused(void)
{
	struct store *s = fresh();
	char *cause = NULL;
	if (!s) {
		CHECK(0);
		return;
	}
	CHECK_INT(store_testing_exec(s, "UPDATE pvmon_meta SET value = 99"), 0);
	store_close(s);
	CHECK(store_open_conf(url, pwfile, 0, &cause) == NULL);
	CHECK(cause && strstr(cause, "schema version 99 is newer") != NULL);
	free(cause);
}

static void a_redelivered_reading_is_stored_once_with_its_values(void)
{
	struct store *s = fresh();
	struct reading r = reading_at("gw1", 7, 1767225600000), out;
	if (!s) {
		CHECK(0);
		return;
	}
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_reading_insert(s, &r), 1);
	CHECK_INT(store_reading_insert(s, &r), 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM readings"), 1);
	CHECK_INT(store_reading_last(s, "st1", "inv1", INT64_MAX, "", 0, 0, &out), 1);
	CHECK_INT(out.seq, 7);
	CHECK_INT(out.energy_wh, 1007);
	CHECK(out.temp_c == r.temp_c);
	CHECK(!(out.has & READING_HAS_HZ));
	CHECK(out.has & READING_HAS_TEMP);
	store_close(s);
}

static void a_rolled_back_month_gets_its_partition_again(void)
{
	struct store *s = fresh();
	struct reading r = reading_at("gw1", 1, 1767225600000);
	if (!s) {
		CHECK(0);
		return;
	}
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_reading_insert(s, &r), 1);
	store_rollback(s);
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_reading_insert(s, &r), 1);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM readings_p202601"), 1);
	store_close(s);
}

static void a_rejected_payload_keeps_its_bytes(void)
{
	struct store *s = fresh();
	static const unsigned char bytes[] = {0, 1, 0xff, '\'', '\\', 'x'};
	int64_t n = 0;
	if (!s) {
		CHECK(0);
		return;
	}
	CHECK_INT(store_rejected_insert(s, 5, "t/x", bytes, sizeof bytes, "bad", "gw1", 3), 1);
	CHECK_INT(store_rejected_insert(s, 6, "t/x", bytes, sizeof bytes, "bad", "gw1", 3), 0);
	CHECK_INT(store_rejected_insert(s, 7, "t/y", "", 0, "empty", NULL, 0), 1);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM rejected"
	                               " WHERE payload = '\\x0001ff275c78'::bytea"),
	          1);
	CHECK_INT(store_rejected_count(s, &n), 0);
	CHECK_INT(n, 2);
	store_close(s);
}

static void gateways_and_roll_ups_are_replaced_in_place(void)
{
	struct store *s = fresh();
	struct store_gateway g = {0}, out;
	struct store_daily d = {0}, dd;
	struct store_hourly h = {0}, hh;
	if (!s) {
		CHECK(0);
		return;
	}
	util_strlcpy(g.gw, "gw1", sizeof g.gw);
	g.acked_seq = 5;
	g.backlog = -1;
	CHECK_INT(store_gateway_put(s, &g), 0);
	g.acked_seq = 9;
	util_strlcpy(g.status, "online", sizeof g.status);
	CHECK_INT(store_gateway_put(s, &g), 0);
	CHECK_INT(store_gateway_get(s, "gw1", &out), 1);
	CHECK_INT(out.acked_seq, 9);
	CHECK_INT(out.backlog, -1);
	CHECK_STR(out.status, "online");
	CHECK_INT(store_gateway_get(s, "gw2", &out), 0);
	d.day = 20454;
	d.n_readings = 3;
	d.delta_wh = 10;
	d.has_last = 1;
	d.last_ts = 1;
	d.last_wh = 2;
	CHECK_INT(store_daily_put(s, "st1", "inv1", &d), 0);
	d.delta_wh = 12;
	d.alarms = 0x8000000000000001ull;
	util_strlcpy(d.alarm_map, "m1", sizeof d.alarm_map);
	CHECK_INT(store_daily_put(s, "st1", "inv1", &d), 0);
	CHECK_INT(store_daily_get(s, "st1", "inv1", 20454, &dd), 1);
	CHECK_INT(dd.delta_wh, 12);
	CHECK_INT(dd.has_first, 0);
	CHECK_INT(dd.alarms == 0x8000000000000001ull, 1);
	CHECK_STR(dd.alarm_map, "m1");
	h.day = 20454;
	h.hour = 3;
	h.wh = 5;
	CHECK_INT(store_hourly_put(s, "st1", "inv1", &h), 0);
	h.wh = 6;
	h.has_peak = 1;
	h.peak_w = 70;
	CHECK_INT(store_hourly_put(s, "st1", "inv1", &h), 0);
	CHECK_INT(store_hourly_get(s, "st1", "inv1", 20454, 3, &hh), 1);
	CHECK_INT(hh.wh, 6);
	CHECK_INT(hh.peak_w, 70);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM hourly"), 1);
	store_close(s);
}

/* Counts rows per range and notes the first day seen. */
struct ranges_seen {
	int n[3];
	int first[3];
};

static int range_row(void *ctx, int i, const struct store_daily *d)
{
	struct ranges_seen *x = ctx;
	if (!x->n[i])
		x->first[i] = d->day;
	x->n[i]++;
	return 0;
}

static void day_ranges_widen_to_the_nearest_counter_and_work_read_only(void)
{
	struct store *s = fresh(), *ro;
	char *cause = NULL;
	struct store_day_range rg[3] = {
	    {"st1", "inv1", 10, 11}, {"st1", "in\"v\\2", 10, 10}, {"st9", "none", 1, 100}};
	struct ranges_seen x;
	int day;
	if (!s) {
		CHECK(0);
		return;
	}
	for (day = 5; day <= 12; day++) {
		struct store_daily d = {0};
		d.day = day;
		d.has_first = d.has_last = 1;
		d.first_ts = d.last_ts = day;
		d.first_wh = d.last_wh = day;
		CHECK_INT(store_daily_put(s, "st1", "inv1", &d), 0);
		CHECK_INT(store_daily_put(s, "st1", "in\"v\\2", &d), 0);
	}
	store_close(s);
	if (!(ro = store_open_conf(url, pwfile, 1, &cause))) {
		CHECK(0);
		return;
	}
	memset(&x, 0, sizeof x);
	CHECK_INT(store_daily_ranges(ro, rg, 3, 2, range_row, &x), 0);
	/* 10..11 widened to 9..12, 10 to 9..11 */
	CHECK_INT(x.n[0], 4);
	CHECK_INT(x.first[0], 9);
	CHECK_INT(x.n[1], 3);
	CHECK_INT(x.n[2], 0);
	store_close(ro);
}

static void prune_drops_whole_old_months_and_trims_the_straddling_one(void)
{
	struct store *s = fresh();
	/* 2026-01-10, 2026-02-10, 2026-03-05, 2026-03-20, 2026-04-02 (UTC) */
	static const int64_t ts[] = {1768003200000, 1770681600000, 1772668800000, 1773964800000,
	                             1775088000000};
	struct store_daily d = {0};
	int64_t deleted = -1;
	if (!s) {
		CHECK(0);
		return;
	}
	CHECK_INT(store_begin(s), 0);
	for (int i = 0; i < 5; i++) {
		struct reading r = reading_at("gw1", i + 1, ts[i]);
		CHECK_INT(store_reading_insert(s, &r), 1);
	}
	CHECK_INT(store_daily_put(s, "st1", "inv1", &d), 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM pg_inherits"
	                               " WHERE inhparent = 'readings'::regclass"),
	          4);
	/* cutoff 2026-03-10: January and February go whole, March keeps the 20th */
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_prune(s, 1773100800000, &deleted), 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(deleted, 3);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM pg_inherits"
	                               " WHERE inhparent = 'readings'::regclass"),
	          2);
	CHECK_INT(store_testing_int(s, "SELECT to_regclass('readings_p202601') IS NULL"), 1);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM readings"), 2);
	CHECK_INT(store_testing_int(s, "SELECT min(ts) FROM readings"), ts[3]);
	/* a reading of a dropped month makes its partition again */
	{
		struct reading r = reading_at("gw1", 9, ts[0]);
		CHECK_INT(store_reading_insert(s, &r), 1);
	}
	store_close(s);
}

static int alert_seen(void *ctx, const struct store_alert *a)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

static void alerts_filter_by_optional_station_and_gateway(void)
{
	struct store *s = fresh();
	struct store_alert a = {0};
	int n = 0;
	if (!s) {
		CHECK(0);
		return;
	}
	util_strlcpy(a.id, "a1", sizeof a.id);
	util_strlcpy(a.rule, "offline", sizeof a.rule);
	util_strlcpy(a.severity, "warning", sizeof a.severity);
	util_strlcpy(a.gw, "gw1", sizeof a.gw);
	CHECK_INT(store_alert_insert(s, &a), 0);
	util_strlcpy(a.id, "a2", sizeof a.id);
	util_strlcpy(a.station, "st1", sizeof a.station);
	CHECK_INT(store_alert_insert(s, &a), 0);
	CHECK_INT(store_alert_clear(s, "a1", 50), 0);
	CHECK_INT(store_alerts_each(s, 0, NULL, NULL, 10, alert_seen, &n), 0);
	CHECK_INT(n, 2);
	n = 0;
	CHECK_INT(store_alerts_each(s, 1, NULL, "gw1", 10, alert_seen, &n), 0);
	CHECK_INT(n, 1);
	n = 0;
	CHECK_INT(store_alerts_each(s, 0, "st1", NULL, 10, alert_seen, &n), 0);
	CHECK_INT(n, 1);
	store_close(s);
}

static void ledger_entries_are_append_only(void)
{
	struct store *s = fresh();
	struct store_ledger_entry e = {0};
	int64_t id = -1, fen = -1;
	if (!s) {
		CHECK(0);
		return;
	}
	e.id = 1;
	e.day = "2026-01-31";
	e.month = "2026-01";
	e.kind = "accrual";
	e.part = "coal";
	e.station = "st1";
	e.fen = 12345;
	e.hash = "h";
	CHECK_INT(store_ledger_entry_append(s, &e), 0);
	CHECK_INT(store_ledger_entry_last_id(s, &id), 0);
	CHECK_INT(id, 1);
	CHECK_INT(store_ledger_accrued(s, "st1", "", 0, "coal", &fen, NULL), 0);
	CHECK_INT(fen, 12345);
	CHECK_INT(store_testing_exec(s, "UPDATE ledger_entry SET fen = 0"), -1);
	CHECK(strstr(store_error(s), "ledger entries are append-only") != NULL);
	CHECK_INT(store_testing_exec(s, "DELETE FROM ledger_entry"), -1);
	CHECK_INT(store_testing_int(s, "SELECT fen FROM ledger_entry"), 12345);
	CHECK_INT(
	    store_ledger_receipt_add(s, "2026-02-01", "county", "coal", "st1", "", 100, "r1", &id),
	    0);
	CHECK_INT(id, 1);
	CHECK_INT(store_ledger_receipt_known(s, "county", "r1"), 1);
	store_close(s);
}

static void a_lost_connection_is_made_again_but_never_inside_a_transaction(void)
{
	struct store *s = fresh();
	struct reading a = reading_at("gw1", 1, 1767225600000),
	               b = reading_at("gw1", 2, 1767225660000);
	if (!s) {
		CHECK(0);
		return;
	}
	/* the server ends the session (as a restart would) between two statements */
	CHECK_INT(store_testing_exec(s, "SELECT pg_terminate_backend(pg_backend_pid())"), -1);
	CHECK_INT(store_reading_insert(s, &a), 1);
	/* ... and inside a transaction: the rest fails until the rollback */
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_reading_insert(s, &b), 1);
	CHECK_INT(store_testing_exec(s, "SELECT pg_terminate_backend(pg_backend_pid())"), -1);
	CHECK_INT(store_reading_insert(s, &b), -1);
	CHECK_INT(store_error_transient(s), 1);
	CHECK(strstr(store_error(s), "lost inside a transaction") != NULL);
	CHECK_INT(store_commit(s), -1);
	store_rollback(s);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM readings"), 1);
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_reading_insert(s, &b), 1);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM readings"), 2);
	store_close(s);
}

/*
 * Roll-up and gateway writes inside a transaction are sent ahead (db_defer):
 * the next read of the transaction sees them, and one that fails on the
 * server fails the COMMIT, leaving nothing of the transaction stored.
 */
static void writes_sent_ahead_are_seen_in_order_and_fail_the_commit(void)
{
	struct store *s = fresh();
	struct store_daily d = {0}, dd;
	struct store_hourly h = {0}, hh;
	struct store_gateway g = {0};
	int day;
	if (!s) {
		CHECK(0);
		return;
	}
	CHECK_INT(store_begin(s), 0);
	for (day = 20000; day < 20600; day++) { /* more than one pipeline's worth */
		d.day = day;
		d.n_readings = day - 19999;
		CHECK_INT(store_daily_put(s, "st1", "inv1", &d), 0);
	}
	h.day = 20001;
	h.hour = 7;
	h.wh = 42;
	CHECK_INT(store_hourly_put(s, "st1", "inv1", &h), 0);
	CHECK_INT(store_daily_get(s, "st1", "inv1", 20599, &dd), 1);
	CHECK_INT(dd.n_readings, 600);
	CHECK_INT(store_hourly_get(s, "st1", "inv1", 20001, 7, &hh), 1);
	CHECK_INT(hh.wh, 42);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM daily"), 600);

	/* a trigger makes the server refuse an hourly row: the failure comes with the COMMIT */
	CHECK_INT(store_testing_exec(s, "CREATE FUNCTION no_rows() RETURNS trigger LANGUAGE plpgsql"
	                                " AS $$BEGIN RAISE EXCEPTION 'hourly refused'; END$$;"
	                                "CREATE TRIGGER no_hourly BEFORE INSERT ON hourly"
	                                " FOR EACH ROW EXECUTE FUNCTION no_rows()"),
	          0);
	CHECK_INT(store_begin(s), 0);
	d.day = 21000;
	CHECK_INT(store_daily_put(s, "st1", "inv1", &d), 0);
	h.hour = 8;
	CHECK_INT(store_hourly_put(s, "st1", "inv1", &h), 0);
	CHECK_INT(store_commit(s), -1);
	CHECK(strstr(store_error(s), "hourly refused") != NULL);
	store_rollback(s);
	/* the next read after the failed write fails; a COMMIT after ignoring that fails too */
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_hourly_put(s, "st1", "inv1", &h), 0);
	CHECK_INT(store_daily_get(s, "st1", "inv1", 20000, &dd), -1);
	CHECK(strstr(store_error(s), "hourly refused") != NULL);
	util_strlcpy(g.gw, "gw1", sizeof g.gw);
	g.acked_seq = 3;
	store_gateway_put(s, &g);
	CHECK_INT(store_commit(s), -1);
	store_rollback(s);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM daily"), 600);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM gateways"), 0);
	/* ... and the next transaction works */
	CHECK_INT(store_begin(s), 0);
	CHECK_INT(store_gateway_put(s, &g), 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_testing_int(s, "SELECT acked_seq FROM gateways"), 3);

	/* the server ends the session while writes are queued: the commit fails, transiently */
	CHECK_INT(store_begin(s), 0);
	d.day = 21001;
	CHECK_INT(store_daily_put(s, "st1", "inv1", &d), 0);
	CHECK_INT(store_lock(s, "pvmon.test"), 0);
	CHECK_INT(store_testing_exec(s, "SELECT pg_terminate_backend(pg_backend_pid())"), -1);
	CHECK_INT(store_commit(s), -1);
	CHECK_INT(store_error_transient(s), 1);
	store_rollback(s);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM daily"), 600);
	store_close(s);
}

/*
 * store_dev_heads answers for many devices what the one-device calls answer
 * for each: the last and last good readings (ties at one ts broken by the
 * gateway's name), the day's and the hour's rows, the latest daily row with
 * a counter; a device never seen gets an id and nothing else.
 */
static void device_heads_equal_the_one_device_calls(void)
{
	struct store *s = fresh();
	const char *devs[] = {"inv1", "inv2", "inv3", "inv4"};
	struct store_dev_head h[5];
	struct reading r, one;
	struct store_daily d = {0}, dd;
	struct store_hourly hr = {0}, hh;
	int i, rc;
	if (!s) {
		CHECK(0);
		return;
	}
	CHECK_INT(store_begin(s), 0);
	/* inv1: two gateways at its last ts, the later one a bad counter */
	r = reading_at("gw-b", 1, 1767225600000);
	CHECK_INT(store_reading_insert(s, &r), 1);
	r = reading_at("gw-a", 2, 1767225660000);
	CHECK_INT(store_reading_insert(s, &r), 1);
	r = reading_at("gw-c", 3, 1767225660000);
	r.quality = QUALITY_COUNTER_ZERO;
	r.state = STATE_FAULT;
	CHECK_INT(store_reading_insert(s, &r), 1);
	/* inv2: no energy at all */
	r = reading_at("gw-a", 4, 1767225600000);
	util_strlcpy(r.device, "inv2", sizeof r.device);
	r.has = READING_HAS_POWER;
	CHECK_INT(store_reading_insert(s, &r), 1);
	/* inv3: only roll-ups (a history), inv4: nothing */
	d.day = 20454;
	d.n_readings = 9;
	d.has_last = 1;
	d.last_ts = 1767225000000;
	d.last_wh = 777;
	CHECK_INT(store_daily_put(s, "st1", "inv3", &d), 0);
	d.day = 20455;
	d.has_last = 0;
	CHECK_INT(store_daily_put(s, "st1", "inv3", &d), 0);
	d.day = 20455;
	d.n_readings = 3;
	CHECK_INT(store_daily_put(s, "st1", "inv1", &d), 0);
	hr.day = 20455;
	hr.hour = 8;
	hr.wh = 31;
	CHECK_INT(store_hourly_put(s, "st1", "inv1", &hr), 0);
	CHECK_INT(store_commit(s), 0);

	CHECK_INT(store_begin(s), 0);
	memset(h, 0, sizeof h);
	for (i = 0; i < 4; i++) {
		h[i].station = "st1";
		h[i].device = devs[i];
		h[i].day = 20455;
		h[i].hour = 8;
	}
	h[4].station = "st9";
	h[4].device = "new";
	h[4].day = 20455;
	CHECK_INT(store_dev_heads(s, h, 5, 0), 1);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM devices WHERE station = 'st9'"), 0);
	CHECK_INT(store_dev_heads(s, h, 5, 1), 1);
	for (i = 0; i < 5; i++) {
		rc = store_reading_last(s, h[i].station, h[i].device, INT64_MAX, "", 0, 0, &one);
		CHECK_INT(h[i].has_last, rc);
		if (rc == 1 && h[i].has_last) {
			CHECK_STR(h[i].last.gw, one.gw);
			CHECK_INT((int64_t)h[i].last.seq, (int64_t)one.seq);
			CHECK_INT(h[i].last.ts_ms, one.ts_ms);
			CHECK_INT(h[i].last.state, one.state);
		}
		rc = store_reading_last(s, h[i].station, h[i].device, INT64_MAX, "", 0, 1, &one);
		CHECK_INT(h[i].has_good, rc);
		if (rc == 1 && h[i].has_good) {
			CHECK_INT(h[i].good_ts, one.ts_ms);
			CHECK_INT(h[i].good_wh, one.energy_wh);
		}
		rc = store_daily_latest(s, h[i].station, h[i].device, &dd);
		CHECK_INT(h[i].has_latest, rc);
		if (rc == 1 && h[i].has_latest)
			CHECK_INT(h[i].latest.last_wh, dd.last_wh);
		rc = store_daily_get(s, h[i].station, h[i].device, 20455, &dd);
		CHECK_INT(h[i].has_day, rc);
		if (rc == 1 && h[i].has_day)
			CHECK_INT(h[i].day_row.n_readings, dd.n_readings);
		rc = store_hourly_get(s, h[i].station, h[i].device, 20455, 8, &hh);
		CHECK_INT(h[i].has_hour, rc);
		if (rc == 1 && h[i].has_hour)
			CHECK_INT(h[i].hour_row.wh, hh.wh);
	}
	/* the figures themselves, so that two wrong answers cannot agree */
	CHECK_STR(h[0].last.gw, "gw-c");
	CHECK_INT(h[0].last.state, STATE_FAULT);
	CHECK_INT(h[0].good_wh, 1002);
	CHECK_INT(h[1].has_last, 1);
	CHECK_INT(h[1].has_good, 0);
	CHECK_INT(h[2].has_last, 0);
	CHECK_INT(h[2].has_latest, 1);
	CHECK_INT(h[2].latest.last_wh, 777);
	CHECK_INT(h[0].has_hour, 1);
	CHECK_INT(h[0].hour_row.wh, 31);
	CHECK_INT(h[3].has_last + h[3].has_day + h[3].has_latest, 0);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM devices WHERE station = 'st9'"), 1);
	CHECK_INT(store_commit(s), 0);
	store_close(s);
}

/*
 * store_readings_insert stores a batch in one statement as the one-reading
 * insert would: a reading already stored and a repeat inside the batch are
 * duplicates, every value (optional ones absent) comes back, a new month
 * gets its partition, and the seqs above the ack are pending.
 */
static void a_batch_insert_stores_like_one_at_a_time(void)
{
	struct store *s = fresh();
	struct reading b[6], out;
	const struct reading *p[6];
	int ins[6], i;
	if (!s) {
		CHECK(0);
		return;
	}
	CHECK_INT(store_begin(s), 0);
	b[0] = reading_at("gw1", 1, 1767225600000);
	CHECK_INT(store_reading_insert(s, &b[0]), 1);
	b[1] = reading_at("gw1", 2, 1767225660000);
	b[2] = b[1];                                /* redelivered inside the batch */
	b[3] = reading_at("gw2", 1, 1769904000000); /* the next month */
	b[3].has = READING_HAS_POWER | READING_HAS_HZ | READING_HAS_ALARMS;
	b[3].grid_hz = 50.02;
	b[3].alarms = 0x8000000000000001ull;
	util_strlcpy(b[3].map, "huawei", sizeof b[3].map);
	b[4] = reading_at("gw1", 3, 1767225720000);
	util_strlcpy(b[4].device, "inv2", sizeof b[4].device);
	b[5] = b[0];
	for (i = 0; i < 6; i++)
		p[i] = &b[i];
	CHECK_INT(store_readings_insert(s, p, 6, ins), 0);
	CHECK_INT(ins[0], 0);
	CHECK_INT(ins[1], 1);
	CHECK_INT(ins[2], 0);
	CHECK_INT(ins[3], 1);
	CHECK_INT(ins[4], 1);
	CHECK_INT(ins[5], 0);
	CHECK_INT(store_commit(s), 0);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM readings"), 4);
	CHECK_INT(store_testing_int(s, "SELECT count(*) FROM gw_pending"), 4);
	CHECK_INT(store_reading_last(s, "st1", "inv1", INT64_MAX, "", 0, 0, &out), 1);
	CHECK_STR(out.gw, "gw2");
	CHECK(out.grid_hz == b[3].grid_hz);
	CHECK(out.alarms == b[3].alarms);
	CHECK_STR(out.map, "huawei");
	CHECK(!(out.has & READING_HAS_ENERGY));
	CHECK(!(out.has & READING_HAS_TEMP));
	CHECK_INT(store_reading_last(s, "st1", "inv2", INT64_MAX, "", 0, 1, &out), 1);
	CHECK_INT(out.energy_wh, 1003);
	CHECK(out.temp_c == b[4].temp_c);
	store_close(s);
}

static void a_wrong_password_is_refused_naming_the_database(void)
{
	char *cause = NULL;
	char path[] = "/tmp/pvmon-test-pg-pw.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, "wrong\n", 6) == 6);
	close(fd);
	CHECK(store_open_conf(url, path, 0, &cause) == NULL);
	CHECK(cause && strstr(cause, "password authentication failed") != NULL);
	free(cause);
	cause = NULL;
	unlink(path);
	CHECK(store_open_conf(url, path, 0, &cause) == NULL);
	CHECK(cause && strstr(cause, "cannot read the database password") != NULL);
	free(cause);
}

int main(void)
{
	url = getenv("PVMON_TEST_PG");
	pwfile = getenv("PVMON_TEST_PG_PASSWORD_FILE");
	if (!url || !*url) {
		printf("PVMON_TEST_PG not set: tests/it/test_store_pg.sh runs these on a server\n");
		return harness_end();
	}
	RUN(a_new_database_gets_the_schema_and_reopens_read_only);
	RUN(a_newer_schema_is_refused);
	RUN(a_redelivered_reading_is_stored_once_with_its_values);
	RUN(a_rolled_back_month_gets_its_partition_again);
	RUN(a_rejected_payload_keeps_its_bytes);
	RUN(gateways_and_roll_ups_are_replaced_in_place);
	RUN(day_ranges_widen_to_the_nearest_counter_and_work_read_only);
	RUN(prune_drops_whole_old_months_and_trims_the_straddling_one);
	RUN(alerts_filter_by_optional_station_and_gateway);
	RUN(ledger_entries_are_append_only);
	RUN(a_lost_connection_is_made_again_but_never_inside_a_transaction);
	RUN(writes_sent_ahead_are_seen_in_order_and_fail_the_commit);
	RUN(device_heads_equal_the_one_device_calls);
	RUN(a_batch_insert_stores_like_one_at_a_time);
	RUN(a_wrong_password_is_refused_naming_the_database);
	return harness_end();
}
