/*
 * cmd_ledger: `pvmon-allocator ledger <verb>`: the ledger's commands
 * (docs/ledger.md). Each verb parses its own options, opens the database
 * read-write (migrating it) and calls one function of allocator/ledger/.
 * Usage errors exit 2, everything else that fails exits 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caltime.h"
#include "cmd.h"
#include "config.h"
#include "ledger/ledger.h"
#include "msg.h"
#include "store.h"
#include "store_ledger.h"
#include "util.h"

static const char usage[] =
    "usage: pvmon-allocator ledger <verb> -c central.json [options]\n"
    "verbs:\n"
    "  import-statement FILE [--date D]        a grid settlement statement (CSV)\n"
    "  statements [--station S]                the statements and what superseded what\n"
    "  accrue --month M | --from M --to M [--date D]\n"
    "  receive --payer P --part coal|subsidy --amount YUAN --date D --ref R\n"
    "          [--station S] [--period YYYY-MM|YYYY-Qn|YYYY]\n"
    "  disburse (--village V | --station S) --amount YUAN --date D --ref R [--note T]\n"
    "  use --village V --category jobs|works|awards|other --amount YUAN --date D --ref R\n"
    "      [--note T]\n"
    "  reverse --receipt N --date D [--note T]  a receipt recorded in error\n"
    "  correct --entry N --amount YUAN --date D [--note T]\n"
    "  seal --through YYYY-MM [--date D]\n"
    "  verify\n"
    "  statement --village V --year Y [--as-of D] [--format text|html|json|xlsx]\n"
    "            [--lang zh|en] [-o FILE]\n"
    "  arrears [--as-of D] [--format text|html|json] [--lang zh|en] [-o FILE]\n";

struct args {
	const char *config, *file, *station, *village, *payer, *part, *amount, *date, *ref, *note;
	const char *period, *month, *from, *to, *through, *entry, *year, *as_of, *format, *lang,
	    *output, *category, *receipt;
};

/* Fails with a usage error naming the option. */
static int bad(const char *verb, const char *opt, const char *what, const char *got)
{
	fprintf(stderr, "pvmon-allocator ledger %s: %s: expected %s, got \"%s\"\n", verb, opt, what,
	        got ? got : "nothing");
	return 2;
}

static int get_day(const char *verb, const char *opt, const char *s, int required, int32_t *out)
{
	if (!s) {
		if (required)
			return bad(verb, opt, "a date YYYY-MM-DD", NULL);
		*out = caltime_local_day(util_now_ms(), NULL);
		return 0;
	}
	if (caltime_parse_date(s, out) < 0)
		return bad(verb, opt, "a date YYYY-MM-DD", s);
	return 0;
}

static int get_month(const char *verb, const char *opt, const char *s, int *out)
{
	int first, n;
	if (!s || ledger_period_parse(s, &first, &n) < 0 || n != 1)
		return bad(verb, opt, "a month YYYY-MM", s);
	*out = first;
	return 0;
}

static int get_amount(const char *verb, const char *s, int64_t *fen)
{
	if (!s || ledger_yuan_parse(s, fen) < 0 || *fen < 0)
		return bad(verb, "--amount", "yuan >= 0 with at most 2 decimal places", s);
	return 0;
}

/* Writes through FILE.tmp renamed into place, or to stdout. */
static FILE *open_out(const char *path, char **tmp)
{
	FILE *f;
	*tmp = NULL;
	if (!path)
		return stdout;
	*tmp = xasprintf("%s.tmp", path);
	f = fopen(*tmp, "wb");
	if (!f) {
		fprintf(stderr, "pvmon-allocator ledger: %s: cannot create: %m\n", *tmp);
		free(*tmp);
		*tmp = NULL;
	}
	return f;
}

static int close_out(FILE *f, const char *path, char *tmp, int ok)
{
	int rc = ok ? 0 : -1;
	if (f == stdout)
		return fflush(stdout) == 0 && ok ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0) {
		fprintf(stderr, "pvmon-allocator ledger: %s: cannot write: %m\n", path);
		rc = -1;
	}
	if (rc < 0)
		remove(tmp);
	free(tmp);
	return rc;
}

/* Prints one statement row. */
static int print_statement(void *ctx, const struct store_ledger_statement *r)
{
	(void)ctx;
	printf("statement row %lld: %s %s: %lld Wh settled, %lld Wh metered%s; coal %lld fen, "
	       "subsidy %lld fen, deductions %lld fen; from %s row %d (imported %s)",
	       (long long)r->id, r->station, r->period, (long long)r->settled_wh,
	       (long long)r->metered_wh, r->flagged ? " (DIFFERS)" : "", (long long)r->coal_fen,
	       (long long)r->subsidy_fen, (long long)r->deduction_fen, r->file_name, r->row,
	       r->imported_day);
	if (r->supersedes)
		printf("; supersedes row %lld", (long long)r->supersedes);
	if (r->superseded_by)
		printf("; SUPERSEDED by row %lld", (long long)r->superseded_by);
	else
		printf("; current");
	putchar('\n');
	return 0;
}

/* Lists every statement row: current ones and what they superseded. */
static int list_statements(struct store *s, const char *station)
{
	return store_ledger_statements_each(s, station, print_statement, NULL);
}

/* The verb's work once everything is open. */
static int run(const char *verb, const struct args *a, struct ledger *l, struct store *st)
{
	char *cause = NULL;
	int rc = 0, n = 0;
	int32_t day = 0;
	int64_t fen = 0;

	if (strcmp(verb, "import-statement") == 0) {
		if ((rc = get_day(verb, "--date", a->date, 0, &day)))
			return rc;
		rc = ledger_import_statement(l, a->file, day, stdout, &n, &cause);
	} else if (strcmp(verb, "statements") == 0) {
		if ((rc = list_statements(st, a->station)) < 0)
			cause = xstrdup(store_error(st));
	} else if (strcmp(verb, "accrue") == 0) {
		int from, to, m, total = 0;
		if ((rc = get_day(verb, "--date", a->date, 0, &day)))
			return rc;
		if (a->month) {
			if ((rc = get_month(verb, "--month", a->month, &from)))
				return rc;
			to = from;
		} else if ((rc = get_month(verb, "--from", a->from, &from)) ||
		           (rc = get_month(verb, "--to", a->to, &to))) {
			return rc;
		}
		for (m = from; m <= to && rc == 0; m++) {
			rc = ledger_accrue(l, m, day, &n, &cause);
			total += n;
		}
		if (rc == 0)
			printf("ledger accrue: %d entries booked\n", total);
	} else if (strcmp(verb, "receive") == 0) {
		struct ledger_receipt r = {0};
		int part = ledger_part_parse(a->part);
		if (!a->payer)
			return bad(verb, "--payer", "a payer id", NULL);
		if (part != LEDGER_COAL && part != LEDGER_SUBSIDY)
			return bad(verb, "--part", "coal or subsidy", a->part);
		if ((rc = get_amount(verb, a->amount, &fen)) ||
		    (rc = get_day(verb, "--date", a->date, 1, &day)))
			return rc;
		if (!a->ref)
			return bad(verb, "--ref", "the payment's reference", NULL);
		if (a->period && ledger_period_parse(a->period, &r.first_month, &r.n_months) < 0)
			return bad(verb, "--period", "YYYY-MM, YYYY-Qn or YYYY", a->period);
		r.payer = a->payer;
		r.part = part;
		r.station = a->station;
		r.fen = fen;
		r.day = day;
		r.ref = a->ref;
		int64_t id = 0;
		rc = ledger_receive(l, &r, &id, &cause);
		if (rc == 0)
			printf("ledger receive: receipt %lld recorded\n", (long long)id);
	} else if (strcmp(verb, "reverse") == 0) {
		char *end = NULL;
		long long id = a->receipt ? strtoll(a->receipt, &end, 10) : 0;
		if (!a->receipt || *end || id <= 0)
			return bad(verb, "--receipt", "a receipt id (ledger receive prints it)",
			           a->receipt);
		if ((rc = get_day(verb, "--date", a->date, 1, &day)))
			return rc;
		rc = ledger_reverse(l, id, day, a->note, &n, &cause);
		if (rc == 0)
			printf("ledger reverse: receipt %lld reversed: %d entries booked\n", id, n);
	} else if (strcmp(verb, "disburse") == 0) {
		if ((rc = get_amount(verb, a->amount, &fen)) ||
		    (rc = get_day(verb, "--date", a->date, 1, &day)))
			return rc;
		if (!a->village == !a->station)
			return bad(verb, "--village/--station", "exactly one of them", NULL);
		rc = ledger_disburse(l, a->station, a->village, fen, day, a->ref, a->note, &cause);
	} else if (strcmp(verb, "use") == 0) {
		int u = ledger_use_parse(a->category);
		if (u < 0)
			return bad(verb, "--category", "jobs, works, awards or other", a->category);
		if ((rc = get_amount(verb, a->amount, &fen)) ||
		    (rc = get_day(verb, "--date", a->date, 1, &day)))
			return rc;
		rc = ledger_spend(l, a->village, u, fen, day, a->ref, a->note, &cause);
	} else if (strcmp(verb, "correct") == 0) {
		char *end = NULL;
		long long id = a->entry ? strtoll(a->entry, &end, 10) : 0;
		if (!a->entry || *end || id <= 0)
			return bad(verb, "--entry", "an entry id", a->entry);
		if ((rc = get_amount(verb, a->amount, &fen)) ||
		    (rc = get_day(verb, "--date", a->date, 1, &day)))
			return rc;
		rc = ledger_correct(l, id, fen, day, a->note, &cause);
	} else if (strcmp(verb, "seal") == 0) {
		int m;
		if ((rc = get_month(verb, "--through", a->through, &m)) ||
		    (rc = get_day(verb, "--date", a->date, 0, &day)))
			return rc;
		rc = ledger_seal(l, m, day, &n, &cause);
		if (rc == 0)
			printf("ledger seal: %d month%s sealed\n", n, n == 1 ? "" : "s");
	} else if (strcmp(verb, "verify") == 0) {
		rc = ledger_verify(l, stdout, &n, &cause);
		if (rc == 0 && n) {
			printf("ledger verify: %d problem%s found\n", n, n == 1 ? "" : "s");
			return 1;
		}
		if (rc == 0)
			printf("ledger verify: every entry and seal checks out\n");
	} else if (strcmp(verb, "statement") == 0 || strcmp(verb, "arrears") == 0) {
		enum ledger_format fmt = LEDGER_TEXT;
		enum msg_lang lang = MSG_ZH;
		int year = 0;
		char *tmp;
		FILE *out;
		if (a->format && (ledger_format_parse(a->format, &fmt) < 0 ||
		                  (fmt == LEDGER_XLSX && verb[0] != 's')))
			return bad(verb, "--format",
			           verb[0] == 's' ? "text, html, json or xlsx"
			                          : "text, html or json",
			           a->format);
		if (fmt == LEDGER_XLSX && !a->output && isatty(STDOUT_FILENO)) {
			fprintf(stderr, "pvmon-allocator ledger statement: --format xlsx writes a "
			                "binary workbook: give -o FILE.xlsx\n");
			return 2;
		}
		if (a->lang && msg_lang_parse(a->lang, &lang) < 0)
			return bad(verb, "--lang", "zh or en", a->lang);
		if (verb[0] == 's') {
			int first, k;
			if (!a->village)
				return bad(verb, "--village", "a village id", NULL);
			if (!a->year || ledger_period_parse(a->year, &first, &k) < 0 || k != 12)
				return bad(verb, "--year", "a year YYYY", a->year);
			year = first / 12;
			if (a->as_of) {
				if ((rc = get_day(verb, "--as-of", a->as_of, 1, &day)))
					return rc;
			} else {
				/* the year's end, or today while the year runs */
				int32_t today = caltime_local_day(util_now_ms(), NULL);
				day = caltime_days(year, 12, 31);
				if (today < day)
					day = today;
			}
		} else if ((rc = get_day(verb, "--as-of", a->as_of, 0, &day))) {
			return rc;
		}
		if (!(out = open_out(a->output, &tmp)))
			return 1;
		rc = verb[0] == 's'
		         ? ledger_statement(l, a->village, year, day, lang, fmt, out, &cause)
		         : ledger_arrears(l, day, lang, fmt, out, &cause);
		if (close_out(out, a->output, tmp, rc == 0) < 0 && rc == 0) {
			cause = xasprintf("%s: write failed", a->output ? a->output : "stdout");
			rc = -1;
		}
	} else {
		fprintf(stderr, "pvmon-allocator ledger: unknown verb \"%s\"\n%s", verb, usage);
		return 2;
	}
	if (rc < 0) {
		/* causes from the ledger name their verb already */
		if (cause && strncmp(cause, "ledger ", 7) == 0)
			fprintf(stderr, "pvmon-allocator %s\n", cause);
		else
			fprintf(stderr, "pvmon-allocator ledger %s: %s\n", verb,
			        cause ? cause : "failed");
		free(cause);
		return 1;
	}
	return 0;
}

/* The subcommand: see usage. */
int cmd_ledger(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},   {"station", required_argument, NULL, 's'},
	    {"village", required_argument, NULL, 'v'},  {"payer", required_argument, NULL, 'P'},
	    {"part", required_argument, NULL, 'p'},     {"amount", required_argument, NULL, 'a'},
	    {"date", required_argument, NULL, 'd'},     {"ref", required_argument, NULL, 'r'},
	    {"note", required_argument, NULL, 'n'},     {"period", required_argument, NULL, 'e'},
	    {"month", required_argument, NULL, 'm'},    {"from", required_argument, NULL, 'F'},
	    {"to", required_argument, NULL, 'T'},       {"through", required_argument, NULL, 't'},
	    {"entry", required_argument, NULL, 'E'},    {"year", required_argument, NULL, 'y'},
	    {"as-of", required_argument, NULL, 'A'},    {"format", required_argument, NULL, 'f'},
	    {"lang", required_argument, NULL, 'l'},     {"output", required_argument, NULL, 'o'},
	    {"category", required_argument, NULL, 'C'}, {"receipt", required_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
	struct args a = {0};
	struct central c = {0};
	struct ledger *l = NULL;
	struct ledger_opts o = {0};
	const char *verb;
	char *cause = NULL;
	int ch, rc = 1;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	verb = argv[1];
	{
		static const char *const verbs[] = {"import-statement",
		                                    "statements",
		                                    "accrue",
		                                    "receive",
		                                    "disburse",
		                                    "use",
		                                    "correct",
		                                    "seal",
		                                    "verify",
		                                    "statement",
		                                    "arrears",
		                                    "reverse",
		                                    NULL};
		int k;
		for (k = 0; verbs[k] && strcmp(verbs[k], verb) != 0; k++)
			;
		/* an unknown verb must not open (and create) the database */
		if (!verbs[k]) {
			fprintf(stderr, "pvmon-allocator ledger: unknown verb \"%s\"\n%s", verb,
			        usage);
			return 2;
		}
	}
	argc--, argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			a.config = optarg;
			break;
		case 's':
			a.station = optarg;
			break;
		case 'v':
			a.village = optarg;
			break;
		case 'P':
			a.payer = optarg;
			break;
		case 'p':
			a.part = optarg;
			break;
		case 'a':
			a.amount = optarg;
			break;
		case 'd':
			a.date = optarg;
			break;
		case 'r':
			a.ref = optarg;
			break;
		case 'n':
			a.note = optarg;
			break;
		case 'e':
			a.period = optarg;
			break;
		case 'm':
			a.month = optarg;
			break;
		case 'F':
			a.from = optarg;
			break;
		case 'T':
			a.to = optarg;
			break;
		case 't':
			a.through = optarg;
			break;
		case 'E':
			a.entry = optarg;
			break;
		case 'y':
			a.year = optarg;
			break;
		case 'A':
			a.as_of = optarg;
			break;
		case 'f':
			a.format = optarg;
			break;
		case 'l':
			a.lang = optarg;
			break;
		case 'o':
			a.output = optarg;
			break;
		case 'C':
			a.category = optarg;
			break;
		case 'R':
			a.receipt = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (strcmp(verb, "import-statement") == 0) {
		if (optind + 1 != argc) {
			fprintf(stderr,
			        "pvmon-allocator ledger import-statement: expected one FILE\n");
			return 2;
		}
		a.file = argv[optind];
	} else if (optind != argc) {
		fprintf(stderr, "pvmon-allocator ledger %s: unexpected argument \"%s\"\n", verb,
		        argv[optind]);
		return 2;
	}
	if (!a.config) {
		fprintf(stderr, "pvmon-allocator ledger %s: -c central.json is required\n", verb);
		return 2;
	}
	if (cmd_load_central(a.config, 1, NULL, &c, &cause) < 0) {
		fprintf(stderr, "pvmon-allocator ledger %s: %s\n", verb, cause ? cause : "failed");
		goto out;
	}
	o.tolerance_permille = c.conf->ledger_tolerance_permille;
	o.basis_meter = c.conf->ledger_basis_meter;
	o.expected_interval_s = c.conf->expected_interval_s;
	o.meter_tolerance_permille = c.conf->meter_tolerance_permille;
	l = ledger_open(c.store, c.fleet, &o);
	rc = run(verb, &a, l, c.store);
out:
	free(cause);
	ledger_close(l);
	cmd_central_release(&c);
	return rc;
}
