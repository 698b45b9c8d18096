/*
 * bulkload: fills a central database with synthetic readings through the same
 * store + roll-up path ingest uses, in large transactions, and reports the
 * rate: the bulk path for history (demo) and report benchmarks.
 *
 *   bulkload DB STATIONS INVERTERS_PER_STATION DAYS INTERVAL_S [TXN_ROWS] [raw|rollup]
 * Stations are st0001..., gateways gw0001..., inverters inv01..., one meter each;
 * days end at 2019-12-31 (Asia/Shanghai). Prints "readings N rate R/s size B".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rollup.h"
#include "store.h"
#include "caltime.h"
#include "util.h"

static int64_t cap_fn(void *ctx, const char *station, const char *device)
{
	(void)ctx;
	(void)station;
	return device[0] == 'm' ? 0 : 50000;
}

int main(int argc, char **argv)
{
	struct store *s;
	struct rollup *ru;
	struct rollup_conf rc = {.expected_interval_s = 60, .capacity = cap_fn};
	char *cause = NULL;
	int stations, invs, days, interval_s, txn, st, dv, seq_gw;
	int64_t t, t0, t1, n = 0, start, *seqs, *wh;
	struct stat sb;

	if (argc < 6) {
		fprintf(stderr,
		        "usage: bulkload DB STATIONS INVERTERS DAYS INTERVAL_S [TXN_ROWS]\n");
		return 2;
	}
	stations = atoi(argv[2]);
	invs = atoi(argv[3]);
	days = atoi(argv[4]);
	interval_s = atoi(argv[5]);
	txn = argc > 6 ? atoi(argv[6]) : 50000;
	rc.skip_raw = argc > 7 && strcmp(argv[7], "rollup") == 0;
	caltime_set_zone("Asia/Shanghai");
	if (!(s = store_open(argv[1], &cause))) {
		fprintf(stderr, "bulkload: %s\n", cause);
		return 1;
	}
	rc.expected_interval_s = interval_s;
	ru = rollup_new(s, &rc);
	seqs = xcalloc((size_t)stations, sizeof *seqs);
	wh = xcalloc((size_t)stations * (size_t)(invs + 1), sizeof *wh);
	t1 = caltime_local_midnight_ms(caltime_days(2020, 1, 1));
	t0 = t1 - (int64_t)days * 86400000;
	start = util_mono_ms();
	store_begin(s);
	for (t = t0; t < t1; t += (int64_t)interval_s * 1000) {
		int hour, day_s;
		caltime_local_day(t, &hour);
		day_s = hour >= 6 && hour < 19; /* producing by day, asleep at night */
		for (st = 0; st < stations; st++) {
			for (dv = 0; dv <= invs; dv++) {
				struct reading r = {0};
				int64_t *e = &wh[st * (invs + 1) + dv];
				seq_gw = st;
				r.seq = (uint64_t)++seqs[seq_gw];
				r.ts_ms = t;
				snprintf(r.gw, sizeof r.gw, "gw%04d", st + 1);
				snprintf(r.station, sizeof r.station, "st%04d", st + 1);
				if (dv == invs) {
					util_strlcpy(r.device, "meter", sizeof r.device);
					r.kind = READING_METER;
				} else {
					snprintf(r.device, sizeof r.device, "inv%02d", dv + 1);
				}
				r.state = day_s ? STATE_PRODUCING : STATE_SLEEPING;
				r.has = READING_HAS_ENERGY | READING_HAS_POWER;
				r.ac_power_w = day_s ? 30000 : 0;
				*e += day_s ? 30000LL * interval_s / 3600 : 0;
				r.energy_wh = *e;
				if (rollup_put(ru, &r) < 0) {
					fprintf(stderr, "bulkload: %s\n", store_error(s));
					return 1;
				}
				if (++n % txn == 0) {
					if (rollup_flush(ru) < 0 || store_commit(s) < 0 ||
					    store_begin(s) < 0) {
						fprintf(stderr, "bulkload: %s\n", store_error(s));
						return 1;
					}
				}
			}
		}
	}
	if (rollup_flush(ru) < 0 || store_commit(s) < 0) {
		fprintf(stderr, "bulkload: %s\n", store_error(s));
		return 1;
	}
	rollup_free(ru);
	store_close(s);
	{
		double secs = (double)(util_mono_ms() - start) / 1000.0;
		stat(argv[1], &sb);
		printf("readings %" PRId64 " in %.1f s: %.0f/s, file %" PRId64 " bytes\n", n, secs,
		       (double)n / secs, (int64_t)sb.st_size);
	}
	free(seqs);
	free(wh);
	return 0;
}
