/*
 * statement: imports the grid company's settlement statement (CSV, layout in
 * docs/ledger.md) and reconciles it with the meter. The whole file is
 * checked before anything is written, and written in one transaction: a
 * file with one bad row imports nothing. Rows never change in place: a
 * corrected row supersedes the earlier one, which keeps pointing to it.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "caltime.h"
#include "ledger_int.h"
#include "sha256.h"
#include "util.h"

enum col { C_STATION, C_PERIOD, C_KWH, C_COAL, C_SUBSIDY, C_DEDUCT, C_REF, C_COUNT };
static const char *const col_names[C_COUNT] = {"station",   "period",       "settled_kwh",
                                               "coal_yuan", "subsidy_yuan", "deductions_yuan",
                                               "reference"};

struct row {
	int line;
	int station; /* fleet index */
	char period[16];
	int first, n;
	int64_t wh, coal, subsidy, deduction;
	char ref[128];
};

/* Splits one CSV line into at most max fields in place ("" quotes, no newlines inside). */
static int split_line(char *s, char **f, int max, int *nf)
{
	char *r = s, *w = s; /* reading and writing in place: w never passes r */
	int n = 0, more;
	do {
		if (n == max)
			return -1;
		while (*r == ' ' || *r == '\t')
			r++;
		f[n++] = w;
		if (*r == '"') {
			for (r++;;) {
				if (!*r)
					return -2; /* unterminated quote */
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
			while (*r == ' ' || *r == '\t')
				r++;
			if (*r && *r != ',')
				return -2;
		} else {
			char *start = w;
			while (*r && *r != ',')
				*w++ = *r++;
			while (w > start && (w[-1] == ' ' || w[-1] == '\t'))
				w--;
		}
		more = *r == ',';
		*w++ = '\0';
		if (more)
			r++;
	} while (more);
	*nf = n;
	return 0;
}

/* The station a statement names: its id, or its metering point. */
static int station_of(const struct fleet *f, const char *s)
{
	int i = fleet_station_index(f, s);
	if (i >= 0)
		return i;
	for (i = 0; i < f->n_stations; i++)
		if (f->stations[i].settle.metering_point &&
		    strcmp(f->stations[i].settle.metering_point, s) == 0)
			return i;
	return -1;
}

/* "row R, column C (name): expected WHAT, got "V"". */
static char *bad(const char *path, int line, int col, const char *what, const char *got)
{
	return xasprintf("%s: row %d, column %d (%s): expected %s, got \"%.60s\"", path, line,
	                 col + 1, col_names[col], what, got);
}

/* Parses the file into rows; every problem is an error naming row and column. */
static int parse(const struct fleet *f, const char *path, char *text, struct row **out, int *nout,
                 char **cause)
{
	int pos[C_COUNT], line = 0, ncols = 0, n = 0, i, header = 0;
	struct row *rows = NULL;
	char *s = text, *next;
	if (strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3; /* a spreadsheet's UTF-8 byte order mark */
	for (i = 0; i < C_COUNT; i++)
		pos[i] = -1;
	for (; s && *s; s = next) {
		char *fld[32];
		int nf = 0, rc;
		line++;
		next = strchr(s, '\n');
		if (next)
			*next++ = '\0';
		if (*s && s[strlen(s) - 1] == '\r')
			s[strlen(s) - 1] = '\0';
		if (s[strspn(s, " \t")] == '\0' || s[strspn(s, " \t")] == '#')
			continue;
		rc = split_line(s, fld, 32, &nf);
		if (rc < 0) {
			*cause =
			    xasprintf("%s: row %d: expected comma-separated fields%s", path, line,
			              rc == -2 ? " (a quoted field is not closed, or text follows "
			                         "its closing quote)"
			                       : " (at most 32)");
			goto fail;
		}
		if (!header) {
			for (i = 0; i < nf; i++) {
				int c;
				for (c = 0; c < C_COUNT && strcmp(fld[i], col_names[c]) != 0; c++)
					;
				if (c == C_COUNT || pos[c] >= 0) {
					*cause = xasprintf(
					    "%s: row %d, column %d: expected a %s column name "
					    "(station, "
					    "period, settled_kwh, coal_yuan, subsidy_yuan, "
					    "deductions_yuan, reference), got \"%.60s\"",
					    path, line, i + 1,
					    c == C_COUNT ? "known" : "unrepeated", fld[i]);
					goto fail;
				}
				pos[c] = i;
			}
			for (i = 0; i < C_REF; i++)
				if (pos[i] < 0) {
					*cause =
					    xasprintf("%s: row %d: expected a column \"%s\" in the "
					              "header, got none",
					              path, line, col_names[i]);
					goto fail;
				}
			ncols = nf;
			header = 1;
			continue;
		}
		if (nf != ncols) {
			*cause =
			    xasprintf("%s: row %d: expected %d fields as in the header, got %d",
			              path, line, ncols, nf);
			goto fail;
		}
		rows = xrealloc(rows, sizeof *rows * (size_t)(n + 1));
		struct row *r = &rows[n];
		memset(r, 0, sizeof *r);
		r->line = line;
		const char *v = fld[pos[C_STATION]];
		if ((r->station = station_of(f, v)) < 0) {
			*cause = bad(path, line, pos[C_STATION],
			             "a station id or metering point of the fleet", v);
			goto fail;
		}
		v = fld[pos[C_PERIOD]];
		if (ledger_period_parse(v, &r->first, &r->n) < 0) {
			*cause =
			    bad(path, line, pos[C_PERIOD], "a period YYYY-MM, YYYY-Qn or YYYY", v);
			goto fail;
		}
		util_strlcpy(r->period, v, sizeof r->period);
		v = fld[pos[C_KWH]];
		if (ledger_decimal_parse(v, 3, &r->wh) < 0 || r->wh < 0) {
			*cause = bad(path, line, pos[C_KWH],
			             "kWh >= 0 with at most 3 decimal places", v);
			goto fail;
		}
		struct {
			enum col c;
			int64_t *dst;
		} money[] = {
		    {C_COAL, &r->coal}, {C_SUBSIDY, &r->subsidy}, {C_DEDUCT, &r->deduction}};
		for (i = 0; i < 3; i++) {
			v = fld[pos[money[i].c]];
			if (ledger_yuan_parse(v, money[i].dst) < 0 || *money[i].dst < 0) {
				*cause = bad(path, line, pos[money[i].c],
				             "yuan >= 0 with at most 2 decimal places", v);
				goto fail;
			}
		}
		if (pos[C_REF] >= 0)
			util_strlcpy(r->ref, fld[pos[C_REF]], sizeof r->ref);
		for (i = 0; i < n; i++)
			if (rows[i].station == r->station && rows[i].first < r->first + r->n &&
			    r->first < rows[i].first + rows[i].n) {
				*cause = xasprintf(
				    "%s: row %d, column %d (period): expected one row per "
				    "station and period, got \"%s\" overlapping row %d",
				    path, line, pos[C_PERIOD] + 1, r->period, rows[i].line);
				goto fail;
			}
		n++;
	}
	if (!header) {
		*cause = xasprintf("%s: expected a header row (station,period,settled_kwh,...), "
		                   "got an empty file",
		                   path);
		goto fail;
	}
	*out = rows;
	*nout = n;
	return 0;
fail:
	free(rows);
	return -1;
}

/* Writes the reconciliation line of one new row. */
static void reconcile_line(FILE *out, const char *path, const struct row *r, const char *station,
                           int64_t metered, int flagged, int tol, int64_t supersedes)
{
	char a[40], b[40];
	format_kwh(r->wh, a, sizeof a);
	format_kwh(metered, b, sizeof b);
	fprintf(out, "%s: row %d: %s %s: statement %s kWh, meter %s kWh", path, r->line, station,
	        r->period, a, b);
	if (metered > 0) {
		/* tenths of a percent, rounded half away from zero */
		__int128 d = (__int128)(r->wh - metered) * 2000;
		int64_t t = (int64_t)((d + (d >= 0 ? metered : -metered)) / (2 * metered));
		fprintf(out, " (%s%lld.%lld %%)", t >= 0 ? "+" : "-", (long long)(llabs(t) / 10),
		        (long long)(llabs(t) % 10));
	}
	if (flagged)
		fprintf(out, ": DIFFERS by more than %d.%d %%", tol / 10, tol % 10);
	else
		fprintf(out, ": agrees");
	if (supersedes)
		fprintf(out, "; supersedes statement row %lld", (long long)supersedes);
	fputc('\n', out);
}

/* What the current statement rows overlapping a new row say. */
struct overlap {
	const char *path, *station;
	const struct row *r;
	int64_t cur;
	int same;
	char **cause;
	int bad;
};

static int overlapping(void *ctx, const struct store_ledger_statement *s)
{
	struct overlap *o = ctx;
	const struct row *r = o->r;
	if (strcmp(s->period, r->period) != 0) {
		*o->cause = xasprintf("%s: row %d, column period: expected the period of the "
		                      "statement it corrects (\"%s\" of station %s), got \"%s\" "
		                      "overlapping it",
		                      o->path, r->line, s->period, o->station, r->period);
		o->bad = 1;
		return 1;
	}
	o->cur = s->id;
	o->same = s->settled_wh == r->wh && s->coal_fen == r->coal &&
	          s->subsidy_fen == r->subsidy && s->deduction_fen == r->deduction &&
	          strcmp(s->reference, r->ref) == 0;
	return 0;
}

int ledger_import_statement(struct ledger *l, const char *path, int32_t day, FILE *out,
                            int *changed, char **cause)
{
	char *text = NULL, hash[SHA256_HEX_LEN], today[16];
	size_t len = 0;
	struct row *rows = NULL;
	int n = 0, i, rc = -1, began = 0;
	int64_t file_id = 0;
	int known;

	*changed = 0;
	if (util_read_file(path, &text, &len, cause) < 0)
		return -1;
	if (memchr(text, '\0', len)) {
		*cause =
		    xasprintf("%s: expected a CSV text file, got binary data (a NUL byte)", path);
		goto out;
	}
	sha256_hex_of(text, len, hash);
	if ((known = store_ledger_statement_file_known(l->store, hash)) < 0) {
		ledger_store_fail(l, cause);
		goto out;
	}
	if (known) {
		fprintf(out, "%s: this file was imported before: nothing changed\n", path);
		rc = 0;
		goto out;
	}
	if (parse(l->fleet, path, text, &rows, &n, cause) < 0)
		goto out;
	if (ledger_begin(l, cause) < 0)
		goto out;
	began = 1;
	caltime_format_date(day, today, sizeof today);
	if (store_ledger_statement_file_add(l->store, path, hash, today, n, &file_id) < 0) {
		ledger_store_fail(l, cause);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const struct fleet_station *st = &l->fleet->stations[r->station];
		struct overlap o = {path, st->id, r, 0, 0, cause, 0};
		struct store_ledger_statement add = {0};
		int64_t cur, metered = 0, new_id;
		int flagged;
		if (store_ledger_statements_overlapping(l->store, st->id, r->first, r->first + r->n,
		                                        overlapping, &o) < 0) {
			ledger_store_fail(l, cause);
			goto out;
		}
		if (o.bad)
			goto out;
		if (o.same)
			continue;
		cur = o.cur;
		if (ledger_metered_wh(l, r->station, r->first, r->n, &metered, cause) < 0)
			goto out;
		flagged = (__int128)llabs(r->wh - metered) * 1000 >
		          (__int128)l->o.tolerance_permille * metered;
		add.file = file_id;
		add.row = r->line;
		add.station = st->id;
		add.period = r->period;
		add.first_month = r->first;
		add.n_months = r->n;
		add.settled_wh = r->wh;
		add.coal_fen = r->coal;
		add.subsidy_fen = r->subsidy;
		add.deduction_fen = r->deduction;
		add.reference = r->ref;
		add.metered_wh = metered;
		add.flagged = flagged;
		add.supersedes = cur;
		if (store_ledger_statement_add(l->store, &add, &new_id) < 0 ||
		    (cur && store_ledger_statement_supersede(l->store, cur, new_id) < 0)) {
			ledger_store_fail(l, cause);
			goto out;
		}
		reconcile_line(out, path, r, st->id, metered, flagged, l->o.tolerance_permille,
		               cur);
		(*changed)++;
		/* the statement is now the basis: months already booked follow it */
		if (ledger_reaccrue(l, r->station, r->first, r->n, day, cause) < 0)
			goto out;
	}
	if (*changed == 0) {
		ledger_rollback(l);
		began = 0;
		fprintf(out, "%s: every row equals the current statement: nothing changed\n", path);
		rc = 0;
		goto out;
	}
	if (store_ledger_statement_file_changed(l->store, file_id, *changed) < 0) {
		ledger_store_fail(l, cause);
		goto out;
	}
	if (ledger_commit(l, cause) < 0)
		goto out;
	began = 0;
	rc = 0;
out:
	if (began && rc < 0)
		ledger_rollback(l);
	free(rows);
	free(text);
	return rc;
}
