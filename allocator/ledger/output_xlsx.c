/*
 * output_xlsx: the village's statement as an Excel workbook (libxlsxwriter),
 * for offices that file and forward spreadsheets: a cover sheet with the
 * one-line answer, then income, arrears by age, payments and uses, and the
 * year's seals, one table per sheet. Amounts are numbers in yuan (fen / 100,
 * exact to two decimals) with a yuan format; every word comes from the
 * catalogue. libxlsxwriter writes to a file name, so the workbook is built in
 * a temporary file and copied to out. It formats, never computes money.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "caltime.h"
#include "ledger_int.h"
#include "msg.h"
#include "util.h"

struct xfmt {
	lxw_format *title, *head, *wrap, *yuan, *bold_yuan, *bold;
};

/* The header row of a sheet, frozen, with column widths. */
static void head_row(lxw_worksheet *ws, const struct xfmt *fm, enum msg_lang lang,
                     const char *const *keys, const int *widths, int n)
{
	for (int i = 0; i < n; i++) {
		worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, widths[i], NULL);
		worksheet_write_string(ws, 0, (lxw_col_t)i, msg_get(lang, keys[i]), fm->head);
	}
	worksheet_freeze_panes(ws, 1, 0);
	worksheet_set_paper(ws, 9); /* A4 */
	worksheet_repeat_rows(ws, 0, 0);
	worksheet_fit_to_pages(ws, 1, 0);
}

static void money(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, int64_t fen, lxw_format *f)
{
	worksheet_write_number(ws, r, c, (double)fen / 100.0, f);
}

/* Copies the file at path to out; returns 0 or -1. */
static int copy_out(const char *path, FILE *out)
{
	FILE *in = fopen(path, "rb");
	char buf[65536];
	size_t n;
	int rc = 0;
	if (!in)
		return -1;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, out) != n) {
			rc = -1;
			break;
		}
	if (ferror(in))
		rc = -1;
	fclose(in);
	return rc;
}

static const char *part_key(enum ledger_part p)
{
	static const char *const keys[] = {"ledger.part.coal", "ledger.part.subsidy",
	                                   "ledger.part.pending"};
	return keys[p];
}

static const char *payer_text(enum msg_lang lang, const char *payer, char *buf, size_t size)
{
	snprintf(buf, size, "ledger.payer.%s", payer);
	const char *s = msg_get(lang, buf);
	return strcmp(s, buf) == 0 ? payer : s;
}

/* The cover: title, year, as-of day, the answer and the notes. */
static void cover(lxw_workbook *wb, const struct xfmt *fm, enum msg_lang lang,
                  const struct ledger_statement_doc *d)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, msg_get(lang, "ledger.sheet.cover"));
	char line[512];
	worksheet_set_column(ws, 0, 0, 24, NULL);
	worksheet_set_column(ws, 1, 1, 90, fm->wrap);
	snprintf(line, sizeof line, "%s %s %s  %s", d->county, d->township, d->village_name,
	         msg_get(lang, "ledger.title"));
	worksheet_write_string(ws, 0, 0, line, fm->title);
	worksheet_write_string(ws, 2, 0, msg_get(lang, "ledger.county"), fm->bold);
	worksheet_write_string(ws, 2, 1, d->county, NULL);
	worksheet_write_string(ws, 3, 0, msg_get(lang, "ledger.township"), fm->bold);
	worksheet_write_string(ws, 3, 1, d->township, NULL);
	worksheet_write_string(ws, 4, 0, msg_get(lang, "ledger.village"), fm->bold);
	worksheet_write_string(ws, 4, 1, d->village_name, NULL);
	worksheet_write_string(ws, 5, 0, msg_get(lang, "ledger.year"), fm->bold);
	worksheet_write_number(ws, 5, 1, d->year, NULL);
	worksheet_write_string(ws, 6, 0, msg_get(lang, "ledger.as_of"), fm->bold);
	worksheet_write_string(ws, 6, 1, d->as_of, NULL);
	worksheet_write_string(ws, 8, 0, msg_get(lang, "ledger.sheet.answer"), fm->bold);
	worksheet_write_string(ws, 8, 1, d->answer, fm->wrap);
	worksheet_write_string(ws, 10, 1, msg_get(lang, "ledger.note.basis"), fm->wrap);
	worksheet_write_string(ws, 11, 1, msg_get(lang, "ledger.note.pending"), fm->wrap);
	worksheet_set_paper(ws, 9);
	worksheet_fit_to_pages(ws, 1, 1);
}

/* Income per part and payer: accrued and received this year, outstanding, since when. */
static void income(lxw_workbook *wb, const struct xfmt *fm, enum msg_lang lang,
                   const struct ledger_balance *b)
{
	static const char *const h[] = {"ledger.col.part",         "ledger.col.payer",
	                                "ledger.col.accrued_year", "ledger.col.received_year",
	                                "ledger.col.outstanding",  "ledger.col.since"};
	static const int w[] = {30, 22, 16, 16, 16, 14};
	lxw_worksheet *ws = workbook_add_worksheet(wb, msg_get(lang, "ledger.sheet.income"));
	int64_t t[3] = {0};
	char pb[64], since[16];
	lxw_row_t r = 1;
	head_row(ws, fm, lang, h, w, 6);
	for (int i = 0; i < b->n_owed; i++, r++) {
		const struct ledger_owed *o = &b->owed[i];
		worksheet_write_string(ws, r, 0, msg_get(lang, part_key(o->part)), NULL);
		worksheet_write_string(ws, r, 1, payer_text(lang, o->payer, pb, sizeof pb), NULL);
		money(ws, r, 2, o->accrued_year, fm->yuan);
		money(ws, r, 3, o->received_year, fm->yuan);
		money(ws, r, 4, o->outstanding, fm->yuan);
		if (o->oldest_month >= 0) {
			ledger_month_name(o->oldest_month, since, sizeof since);
			worksheet_write_string(ws, r, 5, since, NULL);
		}
		t[0] += o->accrued_year;
		t[1] += o->received_year;
		t[2] += o->outstanding;
	}
	worksheet_write_string(ws, r, 0, msg_get(lang, "ledger.total"), fm->bold);
	for (int k = 0; k < 3; k++)
		money(ws, r, (lxw_col_t)(2 + k), t[k], fm->bold_yuan);
}

/* Outstanding per part and payer by age. */
static void ages(lxw_workbook *wb, const struct xfmt *fm, enum msg_lang lang,
                 const struct ledger_balance *b)
{
	static const char *const h[] = {"ledger.col.part",    "ledger.col.payer",
	                                "ledger.col.not_due", "ledger.col.age_0_1",
	                                "ledger.col.age_1_2", "ledger.col.age_over_2"};
	static const int w[] = {30, 22, 14, 16, 16, 16};
	lxw_worksheet *ws = workbook_add_worksheet(wb, msg_get(lang, "ledger.sheet.owed"));
	int64_t t[LEDGER_AGES] = {0};
	char pb[64];
	lxw_row_t r = 1;
	head_row(ws, fm, lang, h, w, 6);
	for (int i = 0; i < b->n_owed; i++, r++) {
		const struct ledger_owed *o = &b->owed[i];
		worksheet_write_string(ws, r, 0, msg_get(lang, part_key(o->part)), NULL);
		worksheet_write_string(ws, r, 1, payer_text(lang, o->payer, pb, sizeof pb), NULL);
		for (int k = 0; k < LEDGER_AGES; k++) {
			money(ws, r, (lxw_col_t)(2 + k), o->by_age[k], fm->yuan);
			t[k] += o->by_age[k];
		}
	}
	worksheet_write_string(ws, r, 0, msg_get(lang, "ledger.total"), fm->bold);
	for (int k = 0; k < LEDGER_AGES; k++)
		money(ws, r, (lxw_col_t)(2 + k), t[k], fm->bold_yuan);
}

/* Paid to the village account and used this year, the account's balance, the county's. */
static void uses(lxw_workbook *wb, const struct xfmt *fm, enum msg_lang lang,
                 const struct ledger_balance *b)
{
	static const char *const h[] = {"ledger.col.item", "ledger.col.amount"};
	static const int w[] = {40, 18};
	static const char *const ukeys[] = {"ledger.use.jobs", "ledger.use.works",
	                                    "ledger.use.awards", "ledger.use.other"};
	lxw_worksheet *ws = workbook_add_worksheet(wb, msg_get(lang, "ledger.sheet.use"));
	int64_t used = 0;
	char name[256];
	lxw_row_t r = 1;
	head_row(ws, fm, lang, h, w, 2);
	worksheet_write_string(ws, r, 0, msg_get(lang, "ledger.disbursed_year"), NULL);
	money(ws, r++, 1, b->disbursed_year, fm->yuan);
	for (int u = 0; u < LEDGER_USES; u++) {
		snprintf(name, sizeof name, "%s: %s", msg_get(lang, "ledger.used_year"),
		         msg_get(lang, ukeys[u]));
		worksheet_write_string(ws, r, 0, name, NULL);
		money(ws, r++, 1, b->used_year[u], fm->yuan);
		used += b->used[u];
	}
	worksheet_write_string(ws, r, 0, msg_get(lang, "ledger.village_balance"), fm->bold);
	money(ws, r++, 1, b->disbursed - used, fm->bold_yuan);
	worksheet_write_string(ws, r, 0, msg_get(lang, "ledger.county_held"), fm->bold);
	money(ws, r, 1, b->received - b->disbursed, fm->bold_yuan);
}

/* The twelve months' seals. */
static void seals(lxw_workbook *wb, const struct xfmt *fm, enum msg_lang lang,
                  const struct ledger_statement_doc *d)
{
	static const char *const h[] = {"ledger.col.month", "ledger.col.seal"};
	static const int w[] = {12, 70};
	lxw_worksheet *ws = workbook_add_worksheet(wb, msg_get(lang, "ledger.sheet.seals"));
	head_row(ws, fm, lang, h, w, 2);
	for (int m = 0; m < 12; m++) {
		char name[16];
		ledger_month_name(d->year * 12 + m, name, sizeof name);
		worksheet_write_string(ws, (lxw_row_t)(m + 1), 0, name, NULL);
		worksheet_write_string(
		    ws, (lxw_row_t)(m + 1), 1,
		    d->seals[m][0] ? d->seals[m] : msg_get(lang, "ledger.not_sealed"), NULL);
	}
}

int ledger_statement_xlsx(const struct ledger_statement_doc *d, const struct ledger_balance *b,
                          enum msg_lang lang, FILE *out, char **cause)
{
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/pvmon-ledger-xlsx.XXXXXX", dir && *dir ? dir : "/tmp");
	lxw_workbook_options opt = {0, NULL, 0};
	lxw_doc_properties props;
	lxw_workbook *wb = NULL;
	struct xfmt fm;
	char title[256];
	int fd, rc = -1;

	fd = mkstemp(path);
	if (fd < 0) {
		*cause = xasprintf("%s: cannot create a temporary workbook: %m", path);
		goto done;
	}
	close(fd);
	opt.tmpdir = (char *)(dir && *dir ? dir : "/tmp");
	wb = workbook_new_opt(path, &opt);
	if (!wb) {
		*cause = xasprintf("%s: cannot start a workbook", path);
		goto done;
	}
	/* A fixed creation time (the as-of day) keeps the workbook reproducible. */
	memset(&props, 0, sizeof props);
	snprintf(title, sizeof title, "%s %s %d", d->village_name, msg_get(lang, "ledger.title"),
	         d->year);
	props.title = title;
	props.author = (char *)"pvmon";
	props.created = (time_t)d->as_of_day * 86400;
	workbook_set_properties(wb, &props);
	fm.title = workbook_add_format(wb);
	format_set_bold(fm.title);
	format_set_font_size(fm.title, 14);
	fm.head = workbook_add_format(wb);
	format_set_bold(fm.head);
	format_set_bg_color(fm.head, 0xDDE5EE);
	format_set_border(fm.head, LXW_BORDER_THIN);
	format_set_text_wrap(fm.head);
	fm.wrap = workbook_add_format(wb);
	format_set_text_wrap(fm.wrap);
	format_set_align(fm.wrap, LXW_ALIGN_VERTICAL_TOP);
	fm.yuan = workbook_add_format(wb);
	format_set_num_format(fm.yuan, "#,##0.00");
	fm.bold_yuan = workbook_add_format(wb);
	format_set_num_format(fm.bold_yuan, "#,##0.00");
	format_set_bold(fm.bold_yuan);
	fm.bold = workbook_add_format(wb);
	format_set_bold(fm.bold);
	cover(wb, &fm, lang, d);
	income(wb, &fm, lang, b);
	ages(wb, &fm, lang, b);
	uses(wb, &fm, lang, b);
	seals(wb, &fm, lang, d);
	if (workbook_close(wb) != LXW_NO_ERROR) {
		wb = NULL;
		*cause = xasprintf("%s: cannot write the workbook", path);
		goto done;
	}
	wb = NULL;
	if ((rc = copy_out(path, out)) < 0)
		*cause = xstrdup("cannot copy the workbook to its output");
done:
	if (wb)
		workbook_close(wb);
	if (fd >= 0)
		unlink(path);
	free(path);
	return rc;
}
