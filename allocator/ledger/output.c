/*
 * output: the ledger's published pages. A village's statement (what came in
 * this year, what is still owed, by whom and since when, what was paid out
 * and used, the year's seals) and the county's arrears, as text, print-ready
 * HTML or JSON. Text goes through the message catalogue; money is only
 * formatted here, never computed.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "format.h"
#include "render.h"
#include "caltime.h"
#include "ledger_int.h"
#include "msg.h"
#include "util.h"

/* A table of strings: the first `left` columns align left, the rest (money) right. */
struct tbl {
	int nc, nr, left;
	char **c; /* (nr + 1) * nc: row 0 is the header */
};

static void tbl_init(struct tbl *t, int nc, int left)
{
	t->nc = nc;
	t->nr = 0;
	t->left = left;
	t->c = xcalloc((size_t)nc, sizeof *t->c);
}

/* Adds a row of nc cells (copied). */
static void tbl_row(struct tbl *t, const char *const *cells)
{
	t->c = xrealloc(t->c, sizeof *t->c * (size_t)(t->nr + 2) * (size_t)t->nc);
	for (int i = 0; i < t->nc; i++)
		t->c[(t->nr + 1) * t->nc + i] = xstrdup(cells[i] ? cells[i] : "");
	t->nr++;
}

static void tbl_header(struct tbl *t, const char *const *cells)
{
	for (int i = 0; i < t->nc; i++)
		t->c[i] = xstrdup(cells[i]);
}

static void tbl_free(struct tbl *t)
{
	for (int i = 0; i < (t->nr + 1) * t->nc; i++)
		free(t->c[i]);
	free(t->c);
}

static void pad(FILE *out, size_t n)
{
	while (n-- > 0)
		fputc(' ', out);
}

static void tbl_text(const struct tbl *t, FILE *out)
{
	size_t w[16] = {0};
	int r, i;
	for (r = 0; r <= t->nr; r++)
		for (i = 0; i < t->nc && i < 16; i++) {
			size_t d = render_display_width(t->c[r * t->nc + i]);
			if (d > w[i])
				w[i] = d;
		}
	for (r = 0; r <= t->nr; r++) {
		for (i = 0; i < t->nc && i < 16; i++) {
			const char *s = t->c[r * t->nc + i];
			size_t d = render_display_width(s);
			if (i)
				fputs("  ", out);
			if (i < t->left) {
				fputs(s, out);
				if (i + 1 < t->nc)
					pad(out, w[i] - d);
			} else {
				pad(out, w[i] - d);
				fputs(s, out);
			}
		}
		fputc('\n', out);
	}
}

static void tbl_html(const struct tbl *t, FILE *out)
{
	fputs("<table>\n", out);
	for (int r = 0; r <= t->nr; r++) {
		fputs("<tr>", out);
		for (int i = 0; i < t->nc; i++) {
			const char *tag = r == 0 ? "th" : "td";
			fprintf(out, "<%s%s>", tag, r > 0 && i >= t->left ? " class=\"n\"" : "");
			html_text(out, t->c[r * t->nc + i]);
			fprintf(out, "</%s>", tag);
		}
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* A payer's name: the catalogue's for known payers, else its id. */
static const char *payer_name(enum msg_lang lang, const char *payer, char *buf, size_t size)
{
	snprintf(buf, size, "ledger.payer.%s", payer);
	const char *s = msg_get(lang, buf);
	return strcmp(s, buf) == 0 ? payer : s;
}

static const char *part_name(enum msg_lang lang, enum ledger_part p)
{
	static const char *const keys[] = {"ledger.part.coal", "ledger.part.subsidy",
	                                   "ledger.part.pending"};
	return msg_get(lang, keys[p]);
}

static const char *use_name(enum msg_lang lang, int u)
{
	static const char *const keys[] = {"ledger.use.jobs", "ledger.use.works",
	                                   "ledger.use.awards", "ledger.use.other"};
	return msg_get(lang, keys[u]);
}

/* Yuan "1,234.56" into a new string. */
static char *yuan(int64_t fen)
{
	char b[40];
	format_yuan(fen, ',', b, sizeof b);
	return xstrdup(b);
}

/* The one-line answer: received this year; still owed, by whom and since when. */
static char *answer(enum msg_lang lang, const struct ledger_balance *b)
{
	char *s, *r, *o, buf[64], since[16];
	int64_t rec = 0, owed = 0;
	int i, first = 1;
	for (i = 0; i < b->n_owed; i++) {
		rec += b->owed[i].received_year;
		owed += b->owed[i].outstanding;
	}
	r = yuan(rec);
	o = yuan(owed);
	s = xasprintf("%s %s %s%s%s %s %s", msg_get(lang, "ledger.summary.received"), r,
	              msg_get(lang, "ledger.summary.yuan"), msg_get(lang, "ledger.sep.semicolon"),
	              msg_get(lang, "ledger.summary.owed"), o,
	              msg_get(lang, "ledger.summary.yuan"));
	free(r);
	free(o);
	for (i = 0; i < b->n_owed; i++) {
		const struct ledger_owed *w = &b->owed[i];
		char *amt, *t;
		if (w->outstanding <= 0)
			continue;
		amt = yuan(w->outstanding);
		if (w->oldest_month >= 0)
			ledger_month_name(w->oldest_month, since, sizeof since);
		else
			snprintf(since, sizeof since, "-");
		t = xasprintf("%s%s%s / %s %s (%s %s)", s,
		              msg_get(lang, first ? "ledger.sep.colon" : "ledger.sep.comma"),
		              payer_name(lang, w->payer, buf, sizeof buf), part_name(lang, w->part),
		              amt, msg_get(lang, "ledger.col.since"), since);
		free(s);
		free(amt);
		s = t;
		first = 0;
	}
	return s;
}

/* Fills the owed, ages and use tables of a balance. */
static void owed_tables(enum msg_lang lang, const struct ledger_balance *b, struct tbl *inc,
                        struct tbl *age)
{
	const char *h1[] = {
	    msg_get(lang, "ledger.col.part"),         msg_get(lang, "ledger.col.payer"),
	    msg_get(lang, "ledger.col.accrued_year"), msg_get(lang, "ledger.col.received_year"),
	    msg_get(lang, "ledger.col.outstanding"),  msg_get(lang, "ledger.col.since")};
	const char *h2[] = {
	    msg_get(lang, "ledger.col.part"),    msg_get(lang, "ledger.col.payer"),
	    msg_get(lang, "ledger.col.not_due"), msg_get(lang, "ledger.col.age_0_1"),
	    msg_get(lang, "ledger.col.age_1_2"), msg_get(lang, "ledger.col.age_over_2")};
	int64_t tot[4] = {0}, ta[LEDGER_AGES] = {0};
	char pb[64], since[16];
	int i, k;
	tbl_init(inc, 6, 2);
	tbl_header(inc, h1);
	tbl_init(age, 6, 2);
	tbl_header(age, h2);
	for (i = 0; i < b->n_owed; i++) {
		const struct ledger_owed *w = &b->owed[i];
		char *c[6];
		if (w->oldest_month >= 0)
			ledger_month_name(w->oldest_month, since, sizeof since);
		else
			snprintf(since, sizeof since, "-");
		c[0] = (char *)part_name(lang, w->part);
		c[1] = (char *)payer_name(lang, w->payer, pb, sizeof pb);
		c[2] = yuan(w->accrued_year);
		c[3] = yuan(w->received_year);
		c[4] = yuan(w->outstanding);
		c[5] = since;
		tbl_row(inc, (const char *const *)c);
		for (k = 2; k < 5; k++)
			free(c[k]);
		tot[0] += w->accrued_year;
		tot[1] += w->received_year;
		tot[2] += w->outstanding;
		for (k = 0; k < LEDGER_AGES; k++) {
			c[2 + k] = yuan(w->by_age[k]);
			ta[k] += w->by_age[k];
		}
		tbl_row(age, (const char *const *)c);
		for (k = 2; k < 6; k++)
			free(c[k]);
	}
	{
		static char empty[1];
		char *c[6] = {(char *)msg_get(lang, "ledger.total"),
		              empty,
		              yuan(tot[0]),
		              yuan(tot[1]),
		              yuan(tot[2]),
		              empty};
		tbl_row(inc, (const char *const *)c);
		for (k = 2; k < 5; k++)
			free(c[k]);
		for (k = 0; k < LEDGER_AGES; k++)
			c[2 + k] = yuan(ta[k]);
		tbl_row(age, (const char *const *)c);
		for (k = 2; k < 6; k++)
			free(c[k]);
	}
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<style>\n"
    "@page { size: A4; margin: 15mm; }\n"
    "body { font-family: 'Noto Sans CJK SC', 'Noto Sans', sans-serif; font-size: 10.5pt; }\n"
    "h1 { font-size: 15pt; text-align: center; margin: 0 0 4pt; }\n"
    "h2 { font-size: 11.5pt; margin: 10pt 0 3pt; }\n"
    "p.sub { text-align: center; margin: 0 0 6pt; }\n"
    "p.answer { border: 1px solid #444; padding: 4pt; }\n"
    "table { border-collapse: collapse; width: 100%; }\n"
    "th, td { border: 1px solid #888; padding: 2pt 4pt; }\n"
    "td.n { text-align: right; font-variant-numeric: tabular-nums; }\n"
    "code { font-size: 7.5pt; }\n"
    "</style>\n";

int ledger_format_parse(const char *s, enum ledger_format *out)
{
	if (!s)
		return -1;
	if (strcmp(s, "text") == 0)
		*out = LEDGER_TEXT;
	else if (strcmp(s, "html") == 0)
		*out = LEDGER_HTML;
	else if (strcmp(s, "json") == 0)
		*out = LEDGER_JSON;
	else if (strcmp(s, "xlsx") == 0)
		*out = LEDGER_XLSX;
	else
		return -1;
	return 0;
}

/* The year's seals: month and hash (or NULL when not sealed). */
static void seal_table(struct ledger *l, enum msg_lang lang, int year, struct tbl *t,
                       char hashes[12][80])
{
	const char *h[] = {msg_get(lang, "ledger.col.month"), msg_get(lang, "ledger.col.seal")};
	tbl_init(t, 2, 2);
	tbl_header(t, h);
	for (int m = 0; m < 12; m++) {
		char name[16];
		const char *c[2];
		ledger_month_name(year * 12 + m, name, sizeof name);
		if (ledger_seal_get(l, year * 12 + m, hashes[m], 80) != 1)
			hashes[m][0] = '\0';
		c[0] = name;
		c[1] = hashes[m][0] ? hashes[m] : msg_get(lang, "ledger.not_sealed");
		tbl_row(t, c);
	}
}

static cJSON *owed_json(const struct ledger_owed *w)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateObject();
	char since[16];
	cJSON_AddStringToObject(o, "payer", w->payer);
	cJSON_AddStringToObject(o, "part", ledger_part_key(w->part));
	cJSON_AddNumberToObject(o, "accrued_fen", (double)w->accrued);
	cJSON_AddNumberToObject(o, "received_fen", (double)w->received);
	cJSON_AddNumberToObject(o, "outstanding_fen", (double)w->outstanding);
	cJSON_AddNumberToObject(o, "accrued_year_fen", (double)w->accrued_year);
	cJSON_AddNumberToObject(o, "received_year_fen", (double)w->received_year);
	cJSON_AddNumberToObject(a, "not_due", (double)w->by_age[LEDGER_NOT_DUE]);
	cJSON_AddNumberToObject(a, "overdue_0_1y", (double)w->by_age[LEDGER_AGE_0_1]);
	cJSON_AddNumberToObject(a, "overdue_1_2y", (double)w->by_age[LEDGER_AGE_1_2]);
	cJSON_AddNumberToObject(a, "overdue_over_2y", (double)w->by_age[LEDGER_AGE_OVER_2]);
	cJSON_AddItemToObject(o, "outstanding_by_age_fen", a);
	if (w->oldest_month >= 0) {
		ledger_month_name(w->oldest_month, since, sizeof since);
		cJSON_AddStringToObject(o, "owed_since", since);
	} else {
		cJSON_AddNullToObject(o, "owed_since");
	}
	return o;
}

static int print_json(cJSON *root, FILE *out)
{
	char *s = cJSON_Print(root);
	int rc = s && fputs(s, out) >= 0 && fputc('\n', out) != EOF ? 0 : -1;
	free(s);
	cJSON_Delete(root);
	return rc;
}

int ledger_statement(struct ledger *l, const char *village, int year, int32_t as_of, int lang_i,
                     enum ledger_format fmt, FILE *out, char **cause)
{
	enum msg_lang lang = (enum msg_lang)lang_i;
	int vi = fleet_village_index(l->fleet, village);
	struct ledger_balance b;
	struct tbl inc, age, use, seals;
	char asof[16], hashes[12][80], *ans;
	const struct fleet_village *v;
	const char *township;
	int64_t used_year = 0, used = 0;
	int u;

	if (vi < 0) {
		*cause =
		    xasprintf("ledger statement: --village: expected a village of %s, got \"%s\"",
		              l->fleet->path, village);
		return -1;
	}
	v = &l->fleet->villages[vi];
	township = l->fleet->townships[v->township].name;
	if (ledger_balance(l, NULL, village, year, as_of, &b, cause) < 0)
		return -1;
	caltime_format_date(as_of, asof, sizeof asof);
	for (u = 0; u < LEDGER_USES; u++) {
		used_year += b.used_year[u];
		used += b.used[u];
	}
	if (fmt == LEDGER_JSON) {
		cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray(),
		      *uses = cJSON_CreateObject(), *sl = cJSON_CreateArray();
		cJSON_AddStringToObject(root, "county", l->fleet->county);
		cJSON_AddStringToObject(root, "township", township);
		cJSON_AddStringToObject(root, "village", v->id);
		cJSON_AddStringToObject(root, "village_name", v->name);
		cJSON_AddNumberToObject(root, "year", year);
		cJSON_AddStringToObject(root, "as_of", asof);
		for (int i = 0; i < b.n_owed; i++)
			cJSON_AddItemToArray(arr, owed_json(&b.owed[i]));
		cJSON_AddItemToObject(root, "income", arr);
		cJSON_AddNumberToObject(root, "accrued_fen", (double)b.accrued);
		cJSON_AddNumberToObject(root, "received_fen", (double)b.received);
		cJSON_AddNumberToObject(root, "outstanding_fen", (double)b.outstanding);
		cJSON_AddNumberToObject(root, "disbursed_year_fen", (double)b.disbursed_year);
		for (u = 0; u < LEDGER_USES; u++)
			cJSON_AddNumberToObject(uses, ledger_use_key(u), (double)b.used_year[u]);
		cJSON_AddItemToObject(root, "used_year_fen", uses);
		cJSON_AddNumberToObject(root, "village_account_fen", (double)(b.disbursed - used));
		cJSON_AddNumberToObject(root, "county_held_fen",
		                        (double)(b.received - b.disbursed));
		for (int m = 0; m < 12; m++) {
			cJSON *s = cJSON_CreateObject();
			char name[16], h[80];
			ledger_month_name(year * 12 + m, name, sizeof name);
			cJSON_AddStringToObject(s, "month", name);
			if (ledger_seal_get(l, year * 12 + m, h, sizeof h) == 1)
				cJSON_AddStringToObject(s, "seal", h);
			else
				cJSON_AddNullToObject(s, "seal");
			cJSON_AddItemToArray(sl, s);
		}
		cJSON_AddItemToObject(root, "seals", sl);
		ledger_balance_release(&b);
		return print_json(root, out);
	}
	owed_tables(lang, &b, &inc, &age);
	{
		const char *h[] = {msg_get(lang, "ledger.col.item"),
		                   msg_get(lang, "ledger.col.amount")};
		char *a;
		tbl_init(&use, 2, 1);
		tbl_header(&use, h);
		a = yuan(b.disbursed_year);
		tbl_row(&use, (const char *[]){msg_get(lang, "ledger.disbursed_year"), a});
		free(a);
		for (u = 0; u < LEDGER_USES; u++) {
			char *name = xasprintf("%s: %s", msg_get(lang, "ledger.used_year"),
			                       use_name(lang, u));
			a = yuan(b.used_year[u]);
			tbl_row(&use, (const char *[]){name, a});
			free(a);
			free(name);
		}
		a = yuan(b.disbursed - used);
		tbl_row(&use, (const char *[]){msg_get(lang, "ledger.village_balance"), a});
		free(a);
		a = yuan(b.received - b.disbursed);
		tbl_row(&use, (const char *[]){msg_get(lang, "ledger.county_held"), a});
		free(a);
	}
	seal_table(l, lang, year, &seals, hashes);
	ans = answer(lang, &b);
	if (fmt == LEDGER_XLSX) {
		struct ledger_statement_doc d;
		int rc;
		memset(&d, 0, sizeof d);
		d.county = l->fleet->county;
		d.township = township;
		d.village_name = v->name;
		d.as_of = asof;
		d.as_of_day = as_of;
		d.answer = ans;
		d.year = year;
		memcpy(d.seals, hashes, sizeof d.seals);
		rc = ledger_statement_xlsx(&d, &b, lang, out, cause);
		free(ans);
		tbl_free(&inc);
		tbl_free(&age);
		tbl_free(&use);
		tbl_free(&seals);
		ledger_balance_release(&b);
		return rc;
	}
	if (fmt == LEDGER_TEXT) {
		fprintf(out, "%s %s %s  %s\n", l->fleet->county, township, v->name,
		        msg_get(lang, "ledger.title"));
		fprintf(out, "%s %d  %s %s\n\n%s\n\n", msg_get(lang, "ledger.year"), year,
		        msg_get(lang, "ledger.as_of"), asof, ans);
		fprintf(out, "%s\n", msg_get(lang, "ledger.section.income"));
		tbl_text(&inc, out);
		fprintf(out, "\n%s\n", msg_get(lang, "ledger.section.owed"));
		tbl_text(&age, out);
		fprintf(out, "\n%s\n", msg_get(lang, "ledger.section.use"));
		tbl_text(&use, out);
		fprintf(out, "\n%s\n", msg_get(lang, "ledger.section.seals"));
		tbl_text(&seals, out);
		fprintf(out, "\n%s\n%s\n", msg_get(lang, "ledger.note.basis"),
		        msg_get(lang, "ledger.note.pending"));
	} else {
		fprintf(out, "%s<title>", html_head);
		html_text(out, v->name);
		fprintf(out, " %d</title></head>\n<body>\n<h1>", year);
		html_text(out, l->fleet->county);
		fputc(' ', out);
		html_text(out, township);
		fputc(' ', out);
		html_text(out, v->name);
		fputc(' ', out);
		html_text(out, msg_get(lang, "ledger.title"));
		fprintf(out,
		        "</h1>\n<p class=\"sub\">%s %d &middot; %s %s</p>\n<p class=\"answer\">",
		        msg_get(lang, "ledger.year"), year, msg_get(lang, "ledger.as_of"), asof);
		html_text(out, ans);
		fputs("</p>\n<h2>", out);
		html_text(out, msg_get(lang, "ledger.section.income"));
		fputs("</h2>\n", out);
		tbl_html(&inc, out);
		fputs("<h2>", out);
		html_text(out, msg_get(lang, "ledger.section.owed"));
		fputs("</h2>\n", out);
		tbl_html(&age, out);
		fputs("<h2>", out);
		html_text(out, msg_get(lang, "ledger.section.use"));
		fputs("</h2>\n", out);
		tbl_html(&use, out);
		fputs("<h2>", out);
		html_text(out, msg_get(lang, "ledger.section.seals"));
		fputs("</h2>\n<table>\n", out);
		for (int m = 0; m < 12; m++) {
			char name[16];
			ledger_month_name(year * 12 + m, name, sizeof name);
			fprintf(out, "<tr><td>%s</td><td><code>", name);
			html_text(out,
			          hashes[m][0] ? hashes[m] : msg_get(lang, "ledger.not_sealed"));
			fputs("</code></td></tr>\n", out);
		}
		fputs("</table>\n<p>", out);
		html_text(out, msg_get(lang, "ledger.note.basis"));
		fputs(" ", out);
		html_text(out, msg_get(lang, "ledger.note.pending"));
		fputs("</p>\n</body></html>\n", out);
	}
	free(ans);
	tbl_free(&inc);
	tbl_free(&age);
	tbl_free(&use);
	tbl_free(&seals);
	ledger_balance_release(&b);
	return ferror(out) ? -1 : 0;
}

int ledger_arrears(struct ledger *l, int32_t as_of, int lang_i, enum ledger_format fmt, FILE *out,
                   char **cause)
{
	enum msg_lang lang = (enum msg_lang)lang_i;
	if (fmt == LEDGER_XLSX) {
		*cause = xstrdup("ledger arrears: --format: expected text, html or json (xlsx is "
		                 "for the village statement)");
		return -1;
	}
	const char *h[] = {
	    msg_get(lang, "ledger.col.station"), msg_get(lang, "ledger.col.part"),
	    msg_get(lang, "ledger.col.payer"),   msg_get(lang, "ledger.col.outstanding"),
	    msg_get(lang, "ledger.col.not_due"), msg_get(lang, "ledger.col.age_0_1"),
	    msg_get(lang, "ledger.col.age_1_2"), msg_get(lang, "ledger.col.age_over_2"),
	    msg_get(lang, "ledger.col.since")};
	struct tbl t;
	cJSON *root = NULL, *arr = NULL;
	int64_t tot[1 + LEDGER_AGES] = {0};
	char asof[16];
	int y, mo, d, s, i, k;

	caltime_format_date(as_of, asof, sizeof asof);
	caltime_civil(as_of, &y, &mo, &d);
	tbl_init(&t, 9, 3);
	tbl_header(&t, h);
	if (fmt == LEDGER_JSON) {
		root = cJSON_CreateObject();
		arr = cJSON_CreateArray();
		cJSON_AddStringToObject(root, "county", l->fleet->county);
		cJSON_AddStringToObject(root, "as_of", asof);
	}
	for (s = 0; s < l->fleet->n_stations; s++) {
		const struct fleet_station *st = &l->fleet->stations[s];
		struct ledger_balance b;
		if (ledger_balance(l, st->id, NULL, y, as_of, &b, cause) < 0) {
			tbl_free(&t);
			cJSON_Delete(root);
			return -1;
		}
		for (i = 0; i < b.n_owed; i++) {
			const struct ledger_owed *w = &b.owed[i];
			char pb[64], since[16] = "-";
			char *c[9];
			if (w->outstanding == 0)
				continue;
			if (arr) {
				cJSON *o = owed_json(w);
				cJSON_AddStringToObject(o, "station", st->id);
				cJSON_AddItemToArray(arr, o);
			}
			if (w->oldest_month >= 0)
				ledger_month_name(w->oldest_month, since, sizeof since);
			c[0] = st->name;
			c[1] = (char *)part_name(lang, w->part);
			c[2] = (char *)payer_name(lang, w->payer, pb, sizeof pb);
			c[3] = yuan(w->outstanding);
			tot[0] += w->outstanding;
			for (k = 0; k < LEDGER_AGES; k++) {
				c[4 + k] = yuan(w->by_age[k]);
				tot[1 + k] += w->by_age[k];
			}
			c[8] = since;
			tbl_row(&t, (const char *const *)c);
			for (k = 3; k < 8; k++)
				free(c[k]);
		}
		ledger_balance_release(&b);
	}
	{
		static char empty[1];
		char *c[9] = {(char *)msg_get(lang, "ledger.total"), empty, empty};
		for (k = 0; k <= LEDGER_AGES; k++)
			c[3 + k] = yuan(tot[k]);
		c[8] = empty;
		tbl_row(&t, (const char *const *)c);
		for (k = 3; k < 8; k++)
			free(c[k]);
	}
	if (fmt == LEDGER_JSON) {
		cJSON *a = cJSON_CreateObject();
		cJSON_AddItemToObject(root, "arrears", arr);
		cJSON_AddNumberToObject(root, "outstanding_fen", (double)tot[0]);
		cJSON_AddNumberToObject(a, "not_due", (double)tot[1]);
		cJSON_AddNumberToObject(a, "overdue_0_1y", (double)tot[2]);
		cJSON_AddNumberToObject(a, "overdue_1_2y", (double)tot[3]);
		cJSON_AddNumberToObject(a, "overdue_over_2y", (double)tot[4]);
		cJSON_AddItemToObject(root, "outstanding_by_age_fen", a);
		tbl_free(&t);
		return print_json(root, out);
	}
	if (fmt == LEDGER_TEXT) {
		fprintf(out, "%s %s  %s %s\n\n", l->fleet->county,
		        msg_get(lang, "ledger.arrears.title"), msg_get(lang, "ledger.as_of"), asof);
		tbl_text(&t, out);
	} else {
		fprintf(out, "%s<title>%s</title></head>\n<body>\n<h1>", html_head,
		        msg_get(lang, "ledger.arrears.title"));
		html_text(out, l->fleet->county);
		fprintf(out, " %s</h1>\n<p class=\"sub\">%s %s</p>\n",
		        msg_get(lang, "ledger.arrears.title"), msg_get(lang, "ledger.as_of"), asof);
		tbl_html(&t, out);
		fputs("</body></html>\n", out);
	}
	tbl_free(&t);
	return ferror(out) ? -1 : 0;
}
