/*
 * cmd_report: `pvmon-allocator report`: loads central.json and the fleet,
 * opens the database read only, builds the month's report and prints it.
 * It never writes the database, and never leaves a half-written -o file.
 */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caltime.h"
#include "cmd.h"
#include "config.h"
#include "fleet.h"
#include "format.h"
#include "profile.h"
#include "render.h"
#include "report.h"
#include "report_table.h"
#include "store.h"
#include "util.h"

static const char usage[] =
    "usage: pvmon-allocator report -c central.json --month YYYY-MM\n"
    "                              [--format text|csv|json|html|xlsx] [-o FILE]\n"
    "                              [--lang zh|en] [--section NAME] [--generated-at TEXT]\n"
    "                              [--allow-empty] [--target-basis accrued|received]\n"
    "  csv: -o DIR/ writes one file per section; --section NAME writes one of\n"
    "  summary, villages, stations, shares, tariffs, reasons, townships, ledger\n";

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

/* Renders the whole report, or one CSV section when section >= 0. */
static int render(const struct report *r, enum format_kind fmt, int section, FILE *out)
{
	if (section < 0)
		return render_report(r, fmt, out);
	if (render_csv_section(r, (enum report_section)section, out) < 0 || fflush(out) != 0)
		return -1;
	return 0;
}

/* Writes the report to path through a temporary file renamed into place. */
static int write_file(const struct report *r, enum format_kind fmt, int section, const char *path,
                      char **cause)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	int rc = -1;

	if (!f) {
		*cause = xasprintf("%s: cannot create: %m", tmp);
		goto done;
	}
	if (render(r, fmt, section, f) < 0) {
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

/* Writes every CSV section into dir as <section>.csv (dir is created if missing). */
static int write_dir(const struct report *r, const char *dir, char **cause)
{
	struct stat st;
	int s;
	if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0) {
		*cause = xasprintf("%s: cannot create the directory: %m", dir);
		return -1;
	}
	for (s = 0; s < RSEC_COUNT; s++) {
		char *path =
		    xasprintf("%s/%s.csv", dir, report_section_key((enum report_section)s));
		int rc = write_file(r, FORMAT_CSV, s, path, cause);
		free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/*
 * The profiles that name alarm bits: the directory "profiles" beside
 * central.json, as for the collector. None there: alarms stay unnamed.
 */
static int load_profiles(const char *conf_path, struct profile_set **out, char **cause)
{
	char *copy = xstrdup(conf_path), *dir;
	struct stat st;
	int rc = 0;
	dir = config_resolve(dirname(copy), "profiles");
	*out = NULL;
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		*out = profile_set_load(dir, cause);
		if (!*out)
			rc = -1;
	}
	free(dir);
	free(copy);
	return rc;
}

/* -o names a directory: it exists as one, or ends with a slash. */
static int is_dir(const char *path)
{
	struct stat st;
	size_t n = strlen(path);
	return (n > 0 && path[n - 1] == '/') || (stat(path, &st) == 0 && S_ISDIR(st.st_mode));
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
	    {"lang", required_argument, NULL, 'l'},
	    {"section", required_argument, NULL, 's'},
	    {"target-basis", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *conf_path = NULL, *month = NULL, *format = "text", *output = NULL,
	           *generated_at = NULL, *lang = NULL, *section_name = NULL, *basis = NULL;
	struct central ct;
	struct report *r = NULL;
	struct profile_set *profiles = NULL;
	struct report_params p;
	enum format_kind fmt;
	char *cause = NULL;
	int c, ret = 1, section = -1, allow_empty = 0;

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
		case 'l':
			lang = optarg;
			break;
		case 's':
			section_name = optarg;
			break;
		case 'b':
			basis = optarg;
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
	if (render_parse(format, &fmt) < 0) {
		fprintf(stderr,
		        "pvmon-allocator report: --format: expected text, csv, json, html or xlsx, "
		        "got \"%s\"\n",
		        format);
		return 2;
	}
	if (section_name) {
		enum report_section sec;
		if (report_section_parse(section_name, &sec) < 0) {
			fprintf(stderr,
			        "pvmon-allocator report: --section: expected summary, villages, "
			        "stations, shares, tariffs, reasons, townships or ledger, got "
			        "\"%s\"\n",
			        section_name);
			return 2;
		}
		if (fmt != FORMAT_CSV) {
			fputs("pvmon-allocator report: --section needs --format csv\n", stderr);
			return 2;
		}
		section = (int)sec;
	}
	if (fmt == FORMAT_XLSX && !output && isatty(STDOUT_FILENO)) {
		fputs("pvmon-allocator report: --format xlsx writes a binary workbook: give -o "
		      "FILE.xlsx\n",
		      stderr);
		return 2;
	}
	if (lang && msg_lang_parse(lang, &p.lang) < 0) {
		fprintf(stderr, "pvmon-allocator report: --lang: expected zh or en, got \"%s\"\n",
		        lang);
		return 2;
	}
	if (basis && strcmp(basis, "accrued") != 0 && strcmp(basis, "received") != 0) {
		fprintf(stderr,
		        "pvmon-allocator report: --target-basis: expected accrued or received, got "
		        "\"%s\"\n",
		        basis);
		return 2;
	}
	if (cmd_load_central(conf_path, 0, NULL, &ct, &cause) < 0)
		goto fail;
	p.basis =
	    basis ? (strcmp(basis, "received") == 0 ? REPORT_BASIS_RECEIVED : REPORT_BASIS_ACCRUED)
	          : (ct.conf->target_basis_received ? REPORT_BASIS_RECEIVED : REPORT_BASIS_ACCRUED);
	if (!lang)
		p.lang = (enum msg_lang)ct.conf->lang;
	p.timezone = ct.conf->timezone;
	p.generated_at = generated_at;
	p.target_fen_per_year = ct.conf->target_fen_per_year;
	p.expected_interval_s = ct.conf->expected_interval_s;
	p.meter_tolerance_permille = ct.conf->meter_tolerance_permille;
	/* a gap's readings are looked for as far as raw readings are kept */
	p.reach_days = ct.conf->retention_days;
	if (load_profiles(conf_path, &profiles, &cause) < 0)
		goto fail;
	p.profiles = profiles;
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
	if (output && fmt == FORMAT_CSV && section < 0 && is_dir(output)) {
		if (write_dir(r, output, &cause) < 0)
			goto fail;
	} else if (output) {
		if (write_file(r, fmt, section, output, &cause) < 0)
			goto fail;
	} else if (render(r, fmt, section, stdout) < 0) {
		cause = xstrdup("standard output: write failed");
		goto fail;
	}
	ret = 0;
fail:
	if (cause)
		fprintf(stderr, "pvmon-allocator report: %s\n", cause);
	free(cause);
	report_free(r);
	profile_set_free(profiles);
	cmd_central_release(&ct);
	return ret;
}
