/*
 * fill: a month of daily roll-ups for every device of the province bench's devices file, put
 * through the store (store_daily_put), so that the report reads them on whichever engine the
 * target names: a SQLite file or a postgresql:// URL. Each device produces every day of the
 * month (a sunny-day base of 180 kWh per inverter, 60-100 % of it by day), its counter running on
 * from day to day; a meter exports its inverters' sum less 1.5 %.
 *
 *   fill TARGET DEVICES YYYY-MM [TIMEZONE]
 * DEVICES: lines "<gateway> <station> <device> inverter|meter" (bench/scale/fleet.sh), the
 * meter after its station's inverters. Prints "rows N seconds S".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caltime.h"
#include "store.h"

#define TXN_ROWS 20000
#define INVERTER_WH_PER_DAY 180000

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct store *s;
	char *cause = NULL, line[512], last_station[64] = "";
	int year, month, ndays, lineno = 0, inverters = 0;
	int32_t first;
	int64_t rows = 0, in_txn = 0;
	FILE *f;
	double t0;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: fill TARGET DEVICES YYYY-MM [TIMEZONE]\n");
		return 2;
	}
	if (caltime_parse_month(argv[3], &year, &month) < 0) {
		fprintf(stderr, "fill: %s: expected a month YYYY-MM\n", argv[3]);
		return 2;
	}
	if (caltime_set_zone(argc == 5 ? argv[4] : "Asia/Shanghai") < 0) {
		fprintf(stderr, "fill: %s: unknown time zone\n", argc == 5 ? argv[4] : "");
		return 2;
	}
	first = caltime_days(year, month, 1);
	ndays = caltime_days_in_month(year, month);
	if (!(f = fopen(argv[2], "r"))) {
		fprintf(stderr, "fill: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if (!(s = store_open(argv[1], &cause))) {
		fprintf(stderr, "fill: %s\n", cause);
		free(cause);
		fclose(f);
		return 1;
	}
	t0 = now_s();
	if (store_begin(s) < 0)
		goto fail;
	while (fgets(line, sizeof line, f)) {
		char gw[64], st[64], dv[64], kind[16];
		int64_t e, wh;
		int d, meter;
		lineno++;
		if (sscanf(line, "%63s %63s %63s %15s", gw, st, dv, kind) != 4) {
			fprintf(stderr,
			        "fill: %s:%d: expected \"<gateway> <station> <device> kind\"\n",
			        argv[2], lineno);
			store_close(s);
			fclose(f);
			return 1;
		}
		if (strcmp(st, last_station) != 0) {
			snprintf(last_station, sizeof last_station, "%s", st);
			inverters = 0;
		}
		meter = strcmp(kind, "meter") == 0;
		if (!meter)
			inverters++;
		e = meter ? (int64_t)inverters * INVERTER_WH_PER_DAY * 985 / 1000
		          : INVERTER_WH_PER_DAY;
		wh = 1000000 + (int64_t)(lineno % 97) * 1000;
		for (d = 0; d < ndays; d++) {
			int32_t day = first + d;
			int64_t mid = caltime_local_midnight_ms(day);
			struct store_daily r = {0};
			r.day = day;
			r.kind = meter;
			r.n_readings = 1440;
			r.has_first = r.has_last = 1;
			r.first_ts = mid + 6 * 3600000;
			r.last_ts = mid + 19 * 3600000;
			r.delta_wh = e * (60 + ((day * 7 + lineno) % 41)) / 100;
			r.first_wh = wh;
			r.last_wh = wh + r.delta_wh;
			r.offline_s = (day + lineno) % 97 == 0 ? 36000 : 0;
			wh = r.last_wh;
			if (store_daily_put(s, st, dv, &r) < 0)
				goto fail;
			rows++;
			if (++in_txn >= TXN_ROWS) {
				if (store_commit(s) < 0 || store_begin(s) < 0)
					goto fail;
				in_txn = 0;
			}
		}
	}
	if (store_commit(s) < 0)
		goto fail;
	printf("rows %" PRId64 " seconds %.1f\n", rows, now_s() - t0);
	store_close(s);
	fclose(f);
	return 0;
fail:
	fprintf(stderr, "fill: %s\n", store_error(s));
	store_rollback(s);
	store_close(s);
	fclose(f);
	return 1;
}
