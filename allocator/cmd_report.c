/*
 * cmd_report: `pvmon-allocator report`: loads central.json and the fleet,
 * opens the database read only, builds the month's report and prints it.
 * It never writes the database, and never leaves a half-written -o file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "cmd.h"
#include "config.h"
#include "fleet.h"
#include "format.h"
#include "report.h"
#include "store.h"
#include "util.h"

static const char usage[] =
    "usage: pvmon-allocator report -c central.json --month YYYY-MM\n"
    "                              [--format text|csv|json|html] [-o FILE]\n"
    "                              [--generated-at TEXT] [--allow-empty]\n";

/*
 * Says why a month has no data at all, or returns NULL when some station has
 * a roll-up row in it. A report of nothing but zeros is almost always a wrong
 * --month (a typo, a future month, one before commissioning): it must not
 * pass for a month in which every village earned nothing. New string.
 */
static char *empty_month(const struct report *r, const struct fleet *f)
{
	int32_t first = -1, today, last_day = r->first_day + r->ndays - 1;
	char day[16];
	int s;

	for (s = 0; s < r->n_stations; s++)
		if (r->stations[s].e.has_rows)
			return NULL;
	for (s = 0; s < f->n_stations; s++)
		if (first < 0 || f->stations[s].commissioned_day < first)
			first = f->stations[s].commissioned_day;
	today = caltime_local_day(util_now_ms(), NULL);
	if (r->first_day > today)
		return xasprintf("%s: no data: the month has not begun yet", r->month_name);
	if (first >= 0 && last_day < first)
		return xasprintf("%s: no data: the month is before the first station was "
		                 "commissioned (%s)",
		                 r->month_name, caltime_format_date(first, day, sizeof day));
	return xasprintf("%s: no data: no station has a reading stored for this month",
	                 r->month_name);
}

/* Writes the report to path through a temporary file renamed into place. */
static int write_file(const struct report *r, enum format_kind fmt, const char *path, char **cause)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	int rc = -1;

	if (!f) {
		*cause = xasprintf("%s: cannot create: %m", tmp);
		goto done;
	}
	if (format_render(r, fmt, f) < 0) {
		*cause = xasprintf("%s: write failed", tmp);
		fclose(f);
		remove(tmp);
		goto done;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		*cause = xasprintf("%s: cannot write: %m", path);
		remove(tmp);
		goto done;
	}
	rc = 0;
done:
	free(tmp);
	return rc;
}

/* The subcommand: see usage. */
int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"month", required_argument, NULL, 'm'},
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"generated-at", required_argument, NULL, 'g'},
	    {"allow-empty", no_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *conf_path = NULL, *month = NULL, *format = "text", *output = NULL,
	           *generated_at = NULL;
	struct central ct;
	struct report *r = NULL;
	struct report_params p;
	enum format_kind fmt;
	char *cause = NULL;
	int c, ret = 1, allow_empty = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:m:f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf_path = optarg;
			break;
		case 'm':
			month = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'g':
			generated_at = optarg;
			break;
		case 'e':
			allow_empty = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	memset(&p, 0, sizeof p);
	memset(&ct, 0, sizeof ct);
	if (optind < argc) {
		fprintf(stderr, "pvmon-allocator report: unexpected argument \"%s\"\n%s",
		        argv[optind], usage);
		return 2;
	}
	if (!conf_path || !month) {
		fprintf(stderr, "pvmon-allocator report: %s is required\n%s",
		        !conf_path ? "-c central.json" : "--month YYYY-MM", usage);
		return 2;
	}
	if (caltime_parse_month(month, &p.year, &p.month) < 0) {
		fprintf(stderr, "pvmon-allocator report: --month: expected YYYY-MM, got \"%s\"\n",
		        month);
		return 2;
	}
	if (format_parse(format, &fmt) < 0) {
		fprintf(stderr,
		        "pvmon-allocator report: --format: expected text, csv, json or html, "
		        "got \"%s\"\n",
		        format);
		return 2;
	}
	if (cmd_load_central(conf_path, 0, NULL, &ct, &cause) < 0)
		goto fail;
	p.timezone = ct.conf->timezone;
	p.generated_at = generated_at;
	p.target_fen_per_year = ct.conf->target_fen_per_year;
	p.expected_interval_s = ct.conf->expected_interval_s;
	p.meter_tolerance_permille = ct.conf->meter_tolerance_permille;
	/* a gap's readings are looked for as far as raw readings are kept */
	p.reach_days = ct.conf->retention_days;
	r = report_build(ct.store, ct.fleet, &p, &cause);
	if (!r)
		goto fail;
	if ((cause = empty_month(r, ct.fleet))) {
		if (!allow_empty) {
			fprintf(stderr,
			        "pvmon-allocator report: %s; nothing written (pass --allow-empty "
			        "to write the report anyway)\n",
			        cause);
			free(cause);
			cause = NULL;
			goto fail;
		}
		fprintf(stderr, "pvmon-allocator report: warning: %s (written: --allow-empty)\n",
		        cause);
		free(cause);
		cause = NULL;
	}
	if (output) {
		if (write_file(r, fmt, output, &cause) < 0)
			goto fail;
	} else if (format_render(r, fmt, stdout) < 0) {
		cause = xstrdup("standard output: write failed");
		goto fail;
	}
	ret = 0;
fail:
	if (cause)
		fprintf(stderr, "pvmon-allocator report: %s\n", cause);
	free(cause);
	report_free(r);
	cmd_central_release(&ct);
	return ret;
}
