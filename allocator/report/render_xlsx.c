/*
 * render_xlsx: the report as an Excel workbook (libxlsxwriter): one sheet per
 * section (report_table.h) named in the report's language, header row frozen
 * and filtered, numbers as numbers with yuan / kWh formats, widths for
 * Chinese names, and A4 print setup (landscape for wide sheets, the header
 * row repeated, page numbers in the footer). libxlsxwriter writes to a file
 * name, so the workbook is built in a temporary file and copied to out.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "render.h"
#include "report_table.h"
#include "util.h"

struct formats {
	lxw_format *head, *text, *wrap, *integer, *yuan, *kwh, *tenth, *price;
};

/* Writes one section as one sheet; returns 0 or -1. */
static int sheet(lxw_workbook *wb, const struct report *r, const struct formats *fm,
                 enum report_section s)
{
	char key[48], footer[256];
	const char *args[2];
	struct report_table *t = report_table_build(r, s);
	lxw_worksheet *ws;
	int row, col, width = 0, rc = -1;

	snprintf(key, sizeof key, "report.sheet.%s", report_section_key(s));
	ws = workbook_add_worksheet(wb, msg_get(r->lang, key));
	if (!ws)
		goto done;
	for (col = 0; col < t->ncols; col++) {
		int w = t->widths[col];
		lxw_format *f =
		    t->heads[col] && strcmp(t->heads[col], "report.col.why") == 0 ? fm->wrap : NULL;
		if (s == RSEC_REASONS && col == t->ncols - 1)
			f = fm->wrap;
		worksheet_set_column(ws, (lxw_col_t)col, (lxw_col_t)col, w, f);
		width += w;
		worksheet_write_string(ws, 0, (lxw_col_t)col, msg_get(r->lang, t->heads[col]),
		                       fm->head);
	}
	for (row = 0; row < t->nrows; row++)
		for (col = 0; col < t->ncols; col++) {
			const struct rt_cell *c = report_table_cell(t, row, col);
			lxw_row_t y = (lxw_row_t)(row + 1);
			lxw_col_t x = (lxw_col_t)col;
			switch (c->kind) {
			case RT_TEXT:
				worksheet_write_string(ws, y, x, c->s,
				                       strchr(c->s, '\n') ? fm->wrap : NULL);
				break;
			case RT_INT:
				worksheet_write_number(ws, y, x, (double)c->v, fm->integer);
				break;
			case RT_YUAN:
				worksheet_write_number(ws, y, x, (double)c->v / 100.0, fm->yuan);
				break;
			case RT_KWH:
				worksheet_write_number(ws, y, x, (double)c->v / 1000.0, fm->kwh);
				break;
			case RT_TENTH:
				worksheet_write_number(ws, y, x, (double)c->v / 10.0, fm->tenth);
				break;
			case RT_PRICE:
				worksheet_write_number(ws, y, x, (double)c->v / 100000.0,
				                       fm->price);
				break;
			case RT_EMPTY:
			default:
				break;
			}
		}
	worksheet_freeze_panes(ws, 1, 0);
	if (s != RSEC_SUMMARY)
		worksheet_autofilter(ws, 0, 0, (lxw_row_t)(t->nrows > 0 ? t->nrows : 1),
		                     (lxw_col_t)(t->ncols - 1));
	worksheet_set_paper(ws, 9); /* A4 */
	if (width > 100)
		worksheet_set_landscape(ws);
	worksheet_repeat_rows(ws, 0, 0);
	worksheet_fit_to_pages(ws, 1, 0);
	args[0] = r->month_name;
	args[1] = msg_get(r->lang, key);
	format_msgf(footer, sizeof footer, r->lang, "report.xlsx.footer", 2, args);
	worksheet_set_footer(ws, footer);
	rc = 0;
done:
	report_table_free(t);
	return rc;
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

int render_xlsx(const struct report *r, FILE *out)
{
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/pvmon-xlsx.XXXXXX", dir && *dir ? dir : "/tmp");
	lxw_workbook_options opt = {0, NULL, 0};
	lxw_doc_properties props;
	lxw_workbook *wb = NULL;
	struct formats fm;
	char title[256];
	const char *args[2];
	int fd, s, rc = -1;

	fd = mkstemp(path);
	if (fd < 0)
		goto done;
	close(fd);
	opt.tmpdir = (char *)(dir && *dir ? dir : "/tmp");
	wb = workbook_new_opt(path, &opt);
	if (!wb)
		goto done;
	/* A fixed creation time keeps the workbook reproducible (docs/report.md). */
	memset(&props, 0, sizeof props);
	args[0] = r->month_name;
	args[1] = r->fleet->county ? r->fleet->county : "";
	format_msgf(title, sizeof title, r->lang, "report.doc_title", 2, args);
	props.title = title;
	props.author = (char *)"pvmon";
	props.created = (time_t)r->first_day * 86400;
	workbook_set_properties(wb, &props);
	fm.head = workbook_add_format(wb);
	format_set_bold(fm.head);
	format_set_bg_color(fm.head, 0xDDE5EE);
	format_set_border(fm.head, LXW_BORDER_THIN);
	format_set_text_wrap(fm.head);
	format_set_align(fm.head, LXW_ALIGN_VERTICAL_TOP);
	fm.text = NULL;
	fm.wrap = workbook_add_format(wb);
	format_set_text_wrap(fm.wrap);
	format_set_align(fm.wrap, LXW_ALIGN_VERTICAL_TOP);
	fm.integer = workbook_add_format(wb);
	format_set_num_format(fm.integer, "#,##0");
	fm.yuan = workbook_add_format(wb);
	format_set_num_format(fm.yuan, "#,##0.00");
	fm.kwh = workbook_add_format(wb);
	format_set_num_format(fm.kwh, "#,##0.000");
	fm.tenth = workbook_add_format(wb);
	format_set_num_format(fm.tenth, "0.0");
	fm.price = workbook_add_format(wb);
	format_set_num_format(fm.price, "0.0000#");
	for (s = 0; s < RSEC_COUNT; s++)
		if (sheet(wb, r, &fm, (enum report_section)s) < 0)
			goto done;
	if (workbook_close(wb) != LXW_NO_ERROR) {
		wb = NULL;
		goto done;
	}
	wb = NULL;
	rc = copy_out(path, out);
done:
	if (wb)
		workbook_close(wb);
	if (fd >= 0)
		unlink(path);
	free(path);
	return rc;
}
