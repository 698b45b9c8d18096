/*
 * storebench: bytes per raw reading and the cost of storing and reading them,
 * schema version 4 against version 5, on the same readings in the same run
 * (bench/storage.sh, docs/benchmarks.md).
 *
 *   storebench DIR [STATIONS [HOURS [RUNS]]]
 *
 * A county mix: STATIONS stations (default 720) behind a gateway each, about
 * half with 6 inverters and half with 5, and a meter each; every device read
 * every 60 s for HOURS hours (default 4) from 05:30 local on 2019-06-15
 * (dawn: sleeping, then producing). Ingest's batches: 1000 readings per
 * transaction, and each gateway's ack stored with it.
 *  v4: a file made by the version 4 migrations, filled with the version 4
 *      store's own statements (INSERT OR IGNORE on the (gw, seq) key and the
 *      (station, device, ts) index);
 *  v5: a fresh file filled through store_reading_insert / store_gateway_put;
 *  migrated: a copy of the v4 file opened by this store (migration 4 -> 5).
 * Bytes per reading = file growth over the readings stored, after a WAL
 * checkpoint, per hour of readings (the median is printed) and overall; and
 * the readings' b-tree pages from dbstat when SQLite has it. Reading time:
 * every device's readings of the whole period in key order and its last
 * reading, v4 by its own statements and v5 through store.h; CPU time, median
 * of RUNS. Then the roll-ups of v5 are computed and copied into v4, so that
 * both files (and the migrated copy, made after) hold the same data for the
 * report and status runs of bench/storage.sh. Prints key=value lines.
 */
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "caltime.h"
#include "rollup.h"
#include "store.h"
#include "store_testing.h"
#include "util.h"

#define BATCH 1000
#define MAX_RUNS 15

static int stations, hours, runs;
static int64_t t_start;

static int n_inv(int st)
{
	return st % 19 < 10 ? 6 : 5;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A decimal as a payload carries it (one or two decimals), parsed as ingest does. */
static double decimal(double x, int places)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%.*f", places, x);
	return strtod(buf, NULL);
}

/* The reading of device dv (0..n_inv-1 inverters, n_inv the meter) of station st at t. */
static void gen(int st, int dv, int64_t t, int64_t seq, struct reading *r)
{
	int inv = dv < n_inv(st);
	double h, sun;
	int64_t since = (t - t_start) / 1000;
	h = (double)((t + 8 * 3600000) % 86400000) / 3600000.0;
	sun = h > 6.0 && h < 19.0 ? sin(M_PI * (h - 6.0) / 13.0) : 0.0;
	memset(r, 0, sizeof *r);
	r->seq = (uint64_t)seq;
	r->ts_ms = t;
	snprintf(r->gw, sizeof r->gw, "gw-s%03d", st);
	snprintf(r->station, sizeof r->station, "s%03d", st);
	if (inv) {
		int64_t p = (int64_t)(50000.0 * sun * (0.85 + 0.015 * ((st * 7 + dv) % 10)));
		snprintf(r->device, sizeof r->device, "inv%02d", dv + 1);
		r->kind = READING_INVERTER;
		r->state = sun > 0.05 ? STATE_PRODUCING : STATE_SLEEPING;
		r->has = READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_TODAY |
		         READING_HAS_TEMP | READING_HAS_HZ | READING_HAS_ALARMS;
		r->ac_power_w = p;
		r->energy_wh = 80000000 + st * 100000 + dv * 10000 +
		               (int64_t)(since * 50000.0 * sun / 3600.0 * 0.9);
		r->today_wh = (int64_t)(since * 50000.0 * sun / 3600.0 * 0.9);
		r->temp_c = decimal(25.0 + 20.0 * sun + dv * 0.3 + (since / 60 % 7) * 0.1, 1);
		r->grid_hz = decimal(49.95 + (double)((since / 60 + st) % 10) / 100.0, 2);
		snprintf(r->map, sizeof r->map, "%s", st % 3 ? "huawei-sun2000@1" : "sungrow-sg@1");
	} else {
		util_strlcpy(r->device, "meter", sizeof r->device);
		r->kind = READING_METER;
		r->state = STATE_UNKNOWN;
		r->has =
		    READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_IMPORT | READING_NO_STATE;
		r->ac_power_w = -(int64_t)(280000.0 * sun);
		r->energy_wh =
		    400000000 + st * 1000000 + (int64_t)(since * 280000.0 * sun / 3600.0);
		r->import_wh = 2000000 + st * 1000 + since / 600;
		snprintf(r->map, sizeof r->map, "dtsd1352@1");
	}
}

/* What one layout does with a batch: store readings, put gateways, commit. */
struct sink {
	struct store *s;
	int v4;
	sqlite3_stmt *ins4, *gw4;
};

static int v4_insert(struct sink *k, const struct reading *r)
{
	sqlite3_stmt *q = k->ins4;
	int rc;
	sqlite3_bind_text(q, 1, r->gw, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (int64_t)r->seq);
	sqlite3_bind_text(q, 3, r->station, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, r->device, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 5, (int)r->kind);
	sqlite3_bind_int64(q, 6, r->ts_ms);
	sqlite3_bind_int(q, 7, (int)r->state);
	if (r->has & READING_HAS_POWER)
		sqlite3_bind_int64(q, 8, r->ac_power_w);
	if (r->has & READING_HAS_ENERGY)
		sqlite3_bind_int64(q, 9, r->energy_wh);
	if (r->has & READING_HAS_IMPORT)
		sqlite3_bind_int64(q, 10, r->import_wh);
	if (r->has & READING_HAS_TODAY)
		sqlite3_bind_int64(q, 11, r->today_wh);
	if (r->has & READING_HAS_TEMP)
		sqlite3_bind_double(q, 12, r->temp_c);
	if (r->has & READING_HAS_HZ)
		sqlite3_bind_double(q, 13, r->grid_hz);
	if (r->has & READING_HAS_ALARMS)
		sqlite3_bind_int64(q, 14, (int64_t)r->alarms);
	sqlite3_bind_int(q, 15, (int)r->quality);
	if (r->map[0])
		sqlite3_bind_text(q, 16, r->map, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int put(struct sink *k, const struct reading *r)
{
	return k->v4 ? v4_insert(k, r) : store_reading_insert(k->s, r) < 0 ? -1 : 0;
}

static int gateway_ack(struct sink *k, int st, int64_t acked, int64_t last_ms)
{
	struct store_gateway g;
	memset(&g, 0, sizeof g);
	snprintf(g.gw, sizeof g.gw, "gw-s%03d", st);
	g.acked_seq = g.max_seq = acked;
	g.last_ms = last_ms;
	g.backlog = -1;
	if (k->v4) {
		sqlite3_stmt *q = k->gw4;
		int rc;
		sqlite3_bind_text(q, 1, g.gw, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, acked);
		sqlite3_bind_int64(q, 3, acked);
		sqlite3_bind_int64(q, 4, last_ms);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	return store_gateway_put(k->s, &g);
}

struct fill_out {
	int64_t n;
	double cpu, bytes_median, bytes_all;
};

/* Stores every reading into one layout; sizes after a checkpoint each hour. */
static int fill(struct sink *k, const char *path, struct fill_out *o)
{
	sqlite3 *db = store_testing_db(k->s);
	int64_t *seq = xcalloc((size_t)stations, sizeof *seq);
	int *touched = xcalloc((size_t)stations, sizeof *touched);
	double per_hour[64];
	int64_t t, size0, size_prev, n_prev = 0, last_ts = 0;
	int st, dv, h = 0, in_batch = 0, i;
	double c0;

	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	size0 = size_prev = file_size(path);
	o->n = 0;
	c0 = cpu_s();
	if (store_begin(k->s) < 0)
		goto fail;
	for (t = t_start; t < t_start + (int64_t)hours * 3600000; t += 60000) {
		for (st = 0; st < stations; st++)
			for (dv = 0; dv <= n_inv(st); dv++) {
				struct reading r;
				gen(st, dv, t, ++seq[st], &r);
				if (put(k, &r) < 0)
					goto fail;
				touched[st] = 1;
				last_ts = t;
				o->n++;
				if (++in_batch == BATCH) {
					for (i = 0; i < stations; i++)
						if (touched[i] &&
						    gateway_ack(k, i, seq[i], last_ts) < 0)
							goto fail;
					memset(touched, 0, (size_t)stations * sizeof *touched);
					if (store_commit(k->s) < 0 || store_begin(k->s) < 0)
						goto fail;
					in_batch = 0;
				}
			}
		if ((t - t_start + 60000) % 3600000 == 0 && h < 64) {
			int64_t sz;
			for (i = 0; i < stations; i++)
				if (touched[i] && gateway_ack(k, i, seq[i], last_ts) < 0)
					goto fail;
			memset(touched, 0, (size_t)stations * sizeof *touched);
			if (store_commit(k->s) < 0)
				goto fail;
			in_batch = 0;
			o->cpu += cpu_s() - c0;
			sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
			sz = file_size(path);
			per_hour[h++] = (double)(sz - size_prev) / (double)(o->n - n_prev);
			size_prev = sz;
			n_prev = o->n;
			c0 = cpu_s();
			if (store_begin(k->s) < 0)
				goto fail;
		}
	}
	if (store_commit(k->s) < 0)
		goto fail;
	o->cpu += cpu_s() - c0;
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	o->bytes_all = (double)(file_size(path) - size0) / (double)o->n;
	o->bytes_median = h ? median(per_hour, h) : o->bytes_all;
	free(seq);
	free(touched);
	return 0;
fail:
	fprintf(stderr, "storebench: %s: %s / %s\n", path, store_error(k->s), sqlite3_errmsg(db));
	free(seq);
	free(touched);
	return -1;
}

/* Bytes of the b-trees named (dbstat), or -1 when SQLite was built without dbstat. */
static int64_t dbstat_bytes(sqlite3 *db, const char *names)
{
	char sql[256];
	sqlite3_stmt *q;
	int64_t v = -1;
	snprintf(sql, sizeof sql, "SELECT sum(pgsize) FROM dbstat WHERE name IN (%s)", names);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

static void print_dbstat(const char *key, struct store *s, const char *names, int64_t n)
{
	int64_t b = dbstat_bytes(store_testing_db(s), names);
	if (b >= 0)
		printf("%s=%.1f\n", key, (double)b / (double)n);
	else
		printf("%s=none\n", key);
}

/* ---- reading every device back ---- */

static int count_fn(void *ctx, const struct reading *r)
{
	int64_t *n = ctx;
	*n += r->energy_wh > 0;
	return 0;
}

/* Version 4's reading_row: what its store did per row. */
static void v4_row(sqlite3_stmt *q, struct reading *r)
{
	const char *t;
	memset(r, 0, sizeof *r);
	t = (const char *)sqlite3_column_text(q, 0);
	util_strlcpy(r->gw, t ? t : "", sizeof r->gw);
	r->seq = (uint64_t)sqlite3_column_int64(q, 1);
	t = (const char *)sqlite3_column_text(q, 2);
	util_strlcpy(r->station, t ? t : "", sizeof r->station);
	t = (const char *)sqlite3_column_text(q, 3);
	util_strlcpy(r->device, t ? t : "", sizeof r->device);
	r->kind = sqlite3_column_int(q, 4) ? READING_METER : READING_INVERTER;
	r->ts_ms = sqlite3_column_int64(q, 5);
	r->state = (enum reading_state)sqlite3_column_int(q, 6);
	r->ac_power_w = sqlite3_column_int64(q, 7);
	r->energy_wh = sqlite3_column_int64(q, 8);
	r->import_wh = sqlite3_column_int64(q, 9);
	r->today_wh = sqlite3_column_int64(q, 10);
	r->temp_c = sqlite3_column_double(q, 11);
	r->grid_hz = sqlite3_column_double(q, 12);
	r->alarms = (uint64_t)sqlite3_column_int64(q, 13);
	r->quality = (uint32_t)sqlite3_column_int(q, 14);
	t = (const char *)sqlite3_column_text(q, 15);
	util_strlcpy(r->map, t ? t : "", sizeof r->map);
}

#define V4_COLS                                                                                    \
	"gw, seq, station, device, kind, ts, state, ac_power_w, energy_wh, import_wh, today_wh,"   \
	" temp_c, grid_hz, alarms, quality, map"

/* One pass over every device: its readings in key order, then its last one; CPU seconds. */
static double read_all(const char *path, int v4, int64_t *rows)
{
	char *cause = NULL;
	struct store *s = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *range = NULL, *last = NULL;
	int st, dv;
	double c0;
	*rows = 0;
	if (v4) {
		sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
		sqlite3_prepare_v2(db,
		                   "SELECT " V4_COLS
		                   " FROM readings WHERE station = ? AND device = ?"
		                   " AND ts >= ? AND ts < ? ORDER BY ts, gw, seq",
		                   -1, &range, NULL);
		sqlite3_prepare_v2(db,
		                   "SELECT " V4_COLS
		                   " FROM readings WHERE station = ?1 AND device = ?2"
		                   " AND (ts, gw, seq) < (?3, ?4, ?5)"
		                   " ORDER BY ts DESC, gw DESC, seq DESC LIMIT 1",
		                   -1, &last, NULL);
		if (!range || !last) {
			fprintf(stderr, "storebench: %s: %s\n", path, sqlite3_errmsg(db));
			exit(1);
		}
	} else if (!(s = store_open_readonly(path, &cause))) {
		fprintf(stderr, "storebench: %s\n", cause);
		exit(1);
	}
	c0 = cpu_s();
	for (st = 0; st < stations; st++)
		for (dv = 0; dv <= n_inv(st); dv++) {
			char station[16], device[16];
			struct reading r;
			snprintf(station, sizeof station, "s%03d", st);
			if (dv < n_inv(st))
				snprintf(device, sizeof device, "inv%02d", dv + 1);
			else
				snprintf(device, sizeof device, "meter");
			if (v4) {
				sqlite3_bind_text(range, 1, station, -1, SQLITE_STATIC);
				sqlite3_bind_text(range, 2, device, -1, SQLITE_STATIC);
				sqlite3_bind_int64(range, 3, 0);
				sqlite3_bind_int64(range, 4, INT64_MAX);
				while (sqlite3_step(range) == SQLITE_ROW) {
					v4_row(range, &r);
					count_fn(rows, &r);
				}
				sqlite3_reset(range);
				sqlite3_bind_text(last, 1, station, -1, SQLITE_STATIC);
				sqlite3_bind_text(last, 2, device, -1, SQLITE_STATIC);
				sqlite3_bind_int64(last, 3, INT64_MAX);
				sqlite3_bind_text(last, 4, "", -1, SQLITE_STATIC);
				sqlite3_bind_int64(last, 5, 0);
				if (sqlite3_step(last) == SQLITE_ROW)
					v4_row(last, &r);
				sqlite3_reset(last);
			} else {
				store_readings_each(s, station, device, 0, INT64_MAX, count_fn,
				                    rows);
				store_reading_last(s, station, device, INT64_MAX, "", 0, 0, &r);
			}
		}
	c0 = cpu_s() - c0;
	sqlite3_finalize(range);
	sqlite3_finalize(last);
	sqlite3_close(db);
	store_close(s);
	return c0;
}

static int copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	char buf[65536];
	size_t n;
	int rc = a && b ? 0 : -1;
	while (rc == 0 && (n = fread(buf, 1, sizeof buf, a)) > 0)
		if (fwrite(buf, 1, n, b) != n)
			rc = -1;
	if (a)
		fclose(a);
	if (b && fclose(b) != 0)
		rc = -1;
	return rc;
}

static int64_t cap_fn(void *ctx, const char *station, const char *device)
{
	(void)ctx;
	(void)station;
	return device[0] == 'm' ? 300000 : 50000;
}

int main(int argc, char **argv)
{
	char p4[512], p5[512], pm[512], sql[700];
	struct sink k4 = {0}, k5 = {0};
	struct fill_out o4 = {0}, o5 = {0};
	char *cause = NULL;
	double r4[MAX_RUNS], r5[MAX_RUNS], c0, w0;
	int64_t rows4 = 0, rows5 = 0;
	struct store *s;
	int i, st, dv;

	if (argc < 2) {
		fprintf(stderr, "usage: storebench DIR [STATIONS [HOURS [RUNS]]]\n");
		return 2;
	}
	stations = argc > 2 ? atoi(argv[2]) : 720;
	hours = argc > 3 ? atoi(argv[3]) : 4;
	runs = argc > 4 ? atoi(argv[4]) : 5;
	if (stations < 1 || stations > 999 || hours < 1 || hours > 48 || runs < 1 ||
	    runs > MAX_RUNS) {
		fprintf(stderr, "storebench: STATIONS 1-999, HOURS 1-48, RUNS 1-%d\n", MAX_RUNS);
		return 2;
	}
	caltime_set_zone("Asia/Shanghai");
	t_start = caltime_local_midnight_ms(caltime_days(2019, 6, 15)) + 330 * 60000;
	snprintf(p4, sizeof p4, "%s/v4.db", argv[1]);
	snprintf(p5, sizeof p5, "%s/v5.db", argv[1]);
	snprintf(pm, sizeof pm, "%s/migrated.db", argv[1]);

	/* v4: the old migrations and the old statements */
	if (!(k4.s = store_testing_open_version(p4, 4, &cause))) {
		fprintf(stderr, "storebench: %s\n", cause);
		return 1;
	}
	k4.v4 = 1;
	if (sqlite3_prepare_v2(store_testing_db(k4.s),
	                       "INSERT OR IGNORE INTO readings (" V4_COLS ")"
	                       " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	                       -1, &k4.ins4, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_testing_db(k4.s),
	                       "INSERT OR REPLACE INTO gateways (gw, acked_seq, max_seq, lost_seqs,"
	                       " last_ms, status, version, backlog, dropped_total, spool_min_seq,"
	                       " rejects) VALUES (?,?,?,0,?,NULL,NULL,NULL,0,0,0)",
	                       -1, &k4.gw4, NULL) != SQLITE_OK) {
		fprintf(stderr, "storebench: %s\n", sqlite3_errmsg(store_testing_db(k4.s)));
		return 1;
	}
	if (fill(&k4, p4, &o4) < 0)
		return 1;
	print_dbstat("v4_dbstat_bytes_per_reading", k4.s, "'readings', 'readings_device_ts'", o4.n);
	sqlite3_finalize(k4.ins4);
	sqlite3_finalize(k4.gw4);

	/* v5: this store */
	if (!(k5.s = store_open(p5, &cause))) {
		fprintf(stderr, "storebench: %s\n", cause);
		return 1;
	}
	if (fill(&k5, p5, &o5) < 0)
		return 1;
	print_dbstat("v5_dbstat_bytes_per_reading", k5.s, "'readings'", o5.n);
	print_dbstat("v5_dbstat_dictionary_bytes_per_reading", k5.s,
	             "'gw_ids', 'devices', 'maps', 'sqlite_autoindex_gw_ids_1',"
	             " 'sqlite_autoindex_devices_1', 'sqlite_autoindex_maps_1'",
	             o5.n);
	{
		sqlite3_stmt *q;
		sqlite3_prepare_v2(store_testing_db(k5.s), "SELECT count(*) FROM gw_pending", -1,
		                   &q, NULL);
		printf("v5_gw_pending_rows=%lld\n", sqlite3_step(q) == SQLITE_ROW
		                                        ? (long long)sqlite3_column_int64(q, 0)
		                                        : -1LL);
		sqlite3_finalize(q);
	}
	for (st = 0, i = 0; st < stations; st++)
		i += n_inv(st) + 1;
	printf("readings=%" PRId64 "\ndevices=%d\n", o4.n, i);
	printf("v4_bytes_per_reading_median=%.1f\nv4_bytes_per_reading_all=%.1f\n", o4.bytes_median,
	       o4.bytes_all);
	printf("v5_bytes_per_reading_median=%.1f\nv5_bytes_per_reading_all=%.1f\n", o5.bytes_median,
	       o5.bytes_all);
	printf("v4_store_us_per_reading=%.2f\nv5_store_us_per_reading=%.2f\n",
	       o4.cpu * 1e6 / (double)o4.n, o5.cpu * 1e6 / (double)o5.n);
	fflush(stdout);

	/* the roll-ups of the v5 readings, copied into v4: the same data in both for the report */
	{
		struct rollup_conf rc = {.expected_interval_s = 60, .capacity = cap_fn};
		struct rollup *ru = rollup_new(k5.s, &rc);
		store_begin(k5.s);
		for (st = 0; st < stations; st++)
			for (dv = 0; dv <= n_inv(st); dv++) {
				char station[16], device[16];
				snprintf(station, sizeof station, "s%03d", st);
				if (dv < n_inv(st))
					snprintf(device, sizeof device, "inv%02d", dv + 1);
				else
					snprintf(device, sizeof device, "meter");
				if (rollup_rebuild(ru, station, device) < 0) {
					fprintf(stderr, "storebench: %s\n", store_error(k5.s));
					return 1;
				}
			}
		if (rollup_flush(ru) < 0 || store_commit(k5.s) < 0) {
			fprintf(stderr, "storebench: %s\n", store_error(k5.s));
			return 1;
		}
		rollup_free(ru);
	}
	store_close(k5.s);
	snprintf(sql, sizeof sql,
	         "ATTACH '%s' AS v5; BEGIN; INSERT INTO daily SELECT * FROM v5.daily;"
	         " INSERT INTO hourly SELECT * FROM v5.hourly; COMMIT; DETACH v5;"
	         " PRAGMA wal_checkpoint(TRUNCATE)",
	         p5);
	if (sqlite3_exec(store_testing_db(k4.s), sql, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "storebench: %s\n", sqlite3_errmsg(store_testing_db(k4.s)));
		return 1;
	}
	store_close(k4.s);

	/* migration 4 -> 5 of a copy of the v4 file */
	if (copy_file(p4, pm) < 0) {
		fprintf(stderr, "storebench: copying %s\n", p4);
		return 1;
	}
	c0 = cpu_s();
	w0 = (double)util_mono_ms();
	if (!(s = store_open(pm, &cause))) {
		fprintf(stderr, "storebench: %s\n", cause);
		return 1;
	}
	printf("migrate_cpu_us_per_reading=%.2f\nmigrate_wall_s=%.1f\n",
	       (cpu_s() - c0) * 1e6 / (double)o4.n, ((double)util_mono_ms() - w0) / 1000.0);
	print_dbstat("migrated_dbstat_bytes_per_reading", s, "'readings'", o4.n);
	sqlite3_exec(store_testing_db(s), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	printf("migrated_file_bytes=%" PRId64 "\nv4_file_bytes=%" PRId64 "\n", file_size(pm),
	       file_size(p4));
	store_close(s);

	/* reading every device back, alternating, median of runs */
	for (i = 0; i < runs; i++) {
		r4[i] = read_all(p4, 1, &rows4);
		r5[i] = read_all(p5, 0, &rows5);
	}
	if (rows4 != rows5)
		fprintf(stderr, "storebench: v4 read %" PRId64 " readings, v5 %" PRId64 "\n", rows4,
		        rows5);
	printf("v4_read_all_cpu_ms=%.0f\nv5_read_all_cpu_ms=%.0f\nread_rows=%" PRId64 "\n",
	       median(r4, runs) * 1000, median(r5, runs) * 1000, rows5);
	return rows4 == rows5 ? 0 : 1;
}
