/*
 * cmd_status: `pvmon-allocator status`, a read-only look at the central
 * database while ingest runs: per gateway how far it is acknowledged and what
 * it reported, per device when it was last seen and how complete this month is.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "cmd.h"
#include "config.h"
#include "fleet.h"
#include "log.h"
#include "store.h"
#include "util.h"

/* Writes a UTC instant as local time with its zone's offset, or "-" for none. */
static const char *local_time(int64_t ms, char *buf, size_t size)
{
	if (ms <= 0) {
		util_strlcpy(buf, "-", size);
		return buf;
	}
	return caltime_format_local(ms, buf, (int)size);
}

static int print_gateway(void *ctx, const struct store_gateway *g)
{
	char t[32], backlog[24];
	(void)ctx;
	if (g->backlog >= 0)
		snprintf(backlog, sizeof backlog, "%" PRId64, g->backlog);
	else
		util_strlcpy(backlog, "-", sizeof backlog);
	printf("%-20s %-8s %-25s %10" PRId64 " %10" PRId64 " %8s %8" PRId64 " %8" PRId64
	       " %8" PRId64 "  %s\n",
	       g->gw, g->status[0] ? g->status : "-", local_time(g->last_ms, t, sizeof t),
	       g->acked_seq, g->max_seq, backlog, g->dropped_total, g->lost_seqs, g->rejects,
	       g->version[0] ? g->version : "-");
	return 0;
}

static const char usage[] = "usage: pvmon-allocator status -c central.json";

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct central ct;
	struct central_conf *conf;
	struct fleet *fleet;
	struct store *s;
	char *cause = NULL, t[32];
	const char *conf_path = NULL;
	int opt, rc = 1, i, j, hour, y, m, d;
	int64_t now = util_now_ms(), month_ms, interval_ms;
	int32_t month_day;

	memset(&ct, 0, sizeof ct);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 'h':
			printf("%s\n", usage);
			return 0;
		default:
			fprintf(stderr, "%s\n", usage);
			return 2;
		}
	}
	if (!conf_path || optind < argc) {
		fprintf(stderr, "%s\n", usage);
		return 2;
	}
	if (cmd_load_central(conf_path, 0, NULL, &ct, &cause) < 0)
		goto done;
	conf = ct.conf;
	fleet = ct.fleet;
	s = ct.store;

	caltime_civil(caltime_local_day(now, &hour), &y, &m, &d);
	month_day = caltime_days(y, m, 1);
	month_ms = caltime_local_midnight_ms(month_day);
	interval_ms =
	    (int64_t)(conf->expected_interval_s > 0 ? conf->expected_interval_s : 60) * 1000;

	printf("%-20s %-8s %-25s %10s %10s %8s %8s %8s %8s  %s\n", "gateway", "status",
	       "last reading", "acked", "max seq", "backlog", "dropped", "lost", "rejects",
	       "version");
	if (store_gateway_each(s, print_gateway, NULL) < 0) {
		cause = xstrdup(store_error(s));
		goto done;
	}
	printf("\n%-20s %-12s %-8s %-25s %10s %10s %8s   (month %04d-%02d, every %" PRId64 " s)\n",
	       "station", "device", "kind", "last seen", "readings", "expected", "complete", y, m,
	       interval_ms / 1000);
	for (i = 0; i < fleet->n_stations; i++) {
		const struct fleet_station *st = &fleet->stations[i];
		for (j = 0; j < st->n_devices; j++) {
			const struct fleet_device *dv = &st->devices[j];
			struct store_device_seen seen;
			int64_t start = month_ms, expected;
			if (store_device_seen(s, st->id, dv->id, month_day, &seen) < 0) {
				cause = xstrdup(store_error(s));
				goto done;
			}
			/* a device that started this month is judged from its first reading */
			if (seen.has_readings && seen.first_ms > start)
				start = seen.first_ms;
			expected = (now - start) / interval_ms + (seen.first_ms == start);
			if (expected < 1)
				expected = 1;
			printf("%-20s %-12s %-8s %-25s %10" PRId64 " %10" PRId64 " %7.1f%%\n",
			       st->id, dv->id, reading_kind_name(dv->kind),
			       local_time(seen.last_ms, t, sizeof t), seen.n_since, expected,
			       seen.n_since >= expected
			           ? 100.0
			           : 100.0 * (double)seen.n_since / (double)expected);
		}
	}
	rc = 0;
done:
	if (cause)
		fprintf(stderr, "pvmon-allocator status: %s\n", cause);
	free(cause);
	cmd_central_release(&ct);
	return rc;
}
