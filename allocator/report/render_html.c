/*
 * render_html: the report as one self-contained HTML page (inline CSS, SVG
 * and script; no external assets) that prints on A4. Every name goes through
 * html_text, so no fleet or database value can inject markup.
 */
#include <string.h>

#include "caltime.h"
#include "render.h"

#define CHART_W 1000 /* plot width in SVG units */
#define CHART_H 240  /* plot height */
#define CHART_L 90   /* left margin for the axis labels */

/* Writes text escaped for element content and attribute values. */
static void html_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	for (; *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			if (*p < 0x20 && *p != '\t' && *p != '\n')
				fputc('?', out);
			else
				fputc(*p, out);
		}
	}
}

/* Yuan with separators. */
static void yuan(FILE *out, int64_t fen)
{
	char b[48];
	format_yuan(fen, ',', b, sizeof b);
	fputs(b, out);
}

/* A fixed-point value in hundredths, as SVG wants it. */
static void fx(FILE *out, int64_t hundredths)
{
	fprintf(out, "%lld.%02lld", (long long)(hundredths / 100), (long long)(hundredths % 100));
}

static const char style[] =
    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"Microsoft YaHei\","
    "sans-serif;margin:1.5em;color:#222;font-size:14px}\n"
    "h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.4em 0 .4em;"
    "border-bottom:1px solid #999}\n"
    "table{border-collapse:collapse;margin:.3em 0}th,td{border:1px solid #bbb;"
    "padding:2px 6px;text-align:left;vertical-align:top}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".below{color:#b00020;font-weight:bold}.at_risk{color:#b35c00;font-weight:bold}"
    ".ok{color:#1b5e20}\n"
    "svg{width:100%;height:auto;max-width:100%}rect.bar.below{fill:#c62828}"
    "rect.bar.at_risk{fill:#ef8f00}rect.bar.ok{fill:#2e7d32}\n"
    ".meta{color:#555}ul.reasons{margin:0;padding-left:1.2em}\n"
    "@page{size:A4;margin:12mm}\n"
    "@media print{body{margin:0;font-size:9pt}h2{page-break-after:avoid}"
    "tr{page-break-inside:avoid}thead{display:table-header-group}"
    "section.chart{page-break-inside:avoid}}\n";

/* The bar chart: one bar per village (T12 revenue), the target line across. */
static void chart(FILE *out, const struct report *r)
{
	int64_t ymax = r->target_fen_per_year, step, bw;
	int i, n = r->n_villages;

	for (i = 0; i < n; i++) {
		if (r->villages[i].t.t12_fen > ymax)
			ymax = r->villages[i].t.t12_fen;
		if (r->villages[i].t.target_fen > ymax)
			ymax = r->villages[i].t.target_fen;
	}
	ymax += ymax / 10 + 1;
	/* Bars share the width, but a few villages must not become slabs: at most 40 units. */
	step = n > 0 ? CHART_W * 100 / n : CHART_W * 100;
	if (step > 4000)
		step = 4000;
	bw = step * 8 / 10;
	fprintf(out,
	        "<section class=\"chart\"><h2>Trailing twelve months per village against the "
	        "target</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	        "role=\"img\" aria-label=\"trailing twelve months revenue per village\">\n",
	        CHART_L + CHART_W + 10, CHART_H + 30);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", CHART_L,
	        CHART_H + 10, CHART_L + CHART_W, CHART_H + 10);
	for (i = 0; i < n; i++) {
		const struct report_village *rv = &r->villages[i];
		int64_t t12 = rv->t.t12_fen > 0 ? rv->t.t12_fen : 0;
		int64_t h = (int64_t)((__int128)t12 * CHART_H * 100 / ymax);
		int64_t x = CHART_L * 100 + step * i + (step - bw) / 2;
		int64_t ty = (CHART_H + 10) * 100 -
		             (int64_t)((__int128)rv->t.target_fen * CHART_H * 100 / ymax);
		fputs("<rect class=\"bar ", out);
		fputs(target_status_key(rv->t.status), out);
		fputs("\" data-village=\"", out);
		html_text(out, rv->v->id);
		fputs("\" x=\"", out);
		fx(out, x);
		fputs("\" y=\"", out);
		fx(out, (CHART_H + 10) * 100 - h);
		fputs("\" width=\"", out);
		fx(out, bw);
		fputs("\" height=\"", out);
		fx(out, h);
		fputs("\"><title>", out);
		html_text(out, rv->v->id);
		fputc(' ', out);
		html_text(out, rv->v->name);
		fputs(": ¥", out);
		yuan(out, rv->t.t12_fen);
		fputs(" / ¥", out);
		yuan(out, rv->t.target_fen);
		fputs("</title></rect>\n", out);
		/* A tick at the village's own target when it differs from the county line. */
		if (rv->t.target_fen != r->target_fen_per_year) {
			fputs("<line class=\"tgt\" stroke=\"#000\" x1=\"", out);
			fx(out, x);
			fputs("\" x2=\"", out);
			fx(out, x + bw);
			fputs("\" y1=\"", out);
			fx(out, ty);
			fputs("\" y2=\"", out);
			fx(out, ty);
			fputs("\"/>\n", out);
		}
	}
	{
		int64_t ty = (CHART_H + 10) * 100 -
		             (int64_t)((__int128)r->target_fen_per_year * CHART_H * 100 / ymax);
		fprintf(out, "<line class=\"target\" x1=\"%d\" x2=\"%d\" y1=\"", CHART_L,
		        CHART_L + CHART_W);
		fx(out, ty);
		fputs("\" y2=\"", out);
		fx(out, ty);
		fputs("\" stroke=\"#1565c0\" stroke-width=\"2\" stroke-dasharray=\"8 4\"/>\n", out);
		fprintf(out, "<text x=\"%d\" text-anchor=\"end\" y=\"", CHART_L + CHART_W);
		fx(out, ty - 400);
		fputs("\" font-size=\"12\" fill=\"#1565c0\">target ¥", out);
		yuan(out, r->target_fen_per_year);
		fputs("</text>\n", out);
	}
	fprintf(out, "<text x=\"4\" y=\"%d\" font-size=\"12\">¥0</text>\n", CHART_H + 14);
	fputs("</svg>\n<p class=\"meta\" id=\"bar-count\" data-count=\"\">one bar per village, "
	      "in fleet order; red BELOW, orange AT RISK, green OK</p></section>\n",
	      out);
}

/* A village row (status, money). */
static void village_row(FILE *out, const struct report *r, const struct report_village *rv,
                        int with_reasons)
{
	char buf[512];
	int j;
	const char *key = target_status_key(rv->t.status);
	fputs("<tr><td>", out);
	html_text(out, rv->v->id);
	fputs("</td><td>", out);
	html_text(out, rv->v->name);
	fputs("</td><td>", out);
	if (rv->v->township >= 0 && rv->v->township < r->n_townships)
		html_text(out, r->townships[rv->v->township].t->name);
	fprintf(out, "</td><td class=\"%s\">%s</td>", key, target_status_name(rv->t.status));
	fputs("<td class=\"n\">", out);
	yuan(out, rv->t.month_fen);
	fputs("</td><td class=\"n\">", out);
	yuan(out, rv->t.ytd_fen);
	fputs("</td><td class=\"n\">", out);
	yuan(out, rv->t.t12_fen);
	fputs("</td><td class=\"n\">", out);
	yuan(out, rv->t.projection_fen);
	fputs("</td><td class=\"n\">", out);
	yuan(out, rv->t.target_fen);
	fputs("</td>", out);
	if (with_reasons) {
		fputs("<td><ul class=\"reasons\">", out);
		for (j = 0; j < rv->n_reasons; j++) {
			format_reason_describe(r, &rv->reasons[j], buf, sizeof buf);
			fputs("<li>", out);
			html_text(out, buf);
			fputs("</li>", out);
		}
		fputs("</ul></td>", out);
	}
	fputs("</tr>\n", out);
}

static const char village_head[] =
    "<thead><tr><th>Village</th><th>Name</th><th>Township</th><th>Status</th>"
    "<th class=\"n\">Month ¥</th><th class=\"n\">YTD ¥</th><th class=\"n\">T12 ¥</th>"
    "<th class=\"n\">Projection ¥</th><th class=\"n\">Target ¥</th>";

/* Renders the report as HTML. */
int render_html(const struct report *r, FILE *out)
{
	const struct report_totals *t = &r->totals;
	char d0[16], d1[16], kwh[48];
	int i, y, m, d;

	caltime_civil(r->first_day, &y, &m, &d);
	snprintf(d0, sizeof d0, "%04d-%02d-%02d", y, m, d);
	caltime_civil(r->first_day + r->ndays - 1, &y, &m, &d);
	snprintf(d1, sizeof d1, "%04d-%02d-%02d", y, m, d);
	fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>pvmon report ",
	      out);
	fputs(r->month_name, out);
	fputs(" ", out);
	html_text(out, r->fleet->county);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
	fprintf(out, "<h1>Monthly report %s ", r->month_name);
	html_text(out, r->fleet->county);
	fputs("</h1>\n<p class=\"meta\">Days ", out);
	fprintf(out, "%s to %s (", d0, d1);
	html_text(out, r->timezone);
	fprintf(out, "); trailing twelve months from %s.", r->window_from);
	if (r->generated_at) {
		fputs(" Generated at ", out);
		html_text(out, r->generated_at);
		fputc('.', out);
	}
	fputs("</p>\n", out);

	format_kwh(t->energy_wh, kwh, sizeof kwh);
	fputs("<h2>Summary</h2>\n<table class=\"summary\">\n", out);
	fprintf(out, "<tr><th>Energy exported</th><td class=\"n\">%s kWh</td></tr>\n", kwh);
#define ROW(label, v)                                                                              \
	do {                                                                                       \
		fputs("<tr><th>" label "</th><td class=\"n\">¥", out);                             \
		yuan(out, v);                                                                      \
		fputs("</td></tr>\n", out);                                                        \
	} while (0)
	ROW("Revenue (coal-benchmark part)", t->coal_fen);
	ROW("Revenue (subsidy part)", t->subsidy_fen);
	ROW("Revenue", t->revenue_fen);
	ROW("Costs (land rent, insurance, O&amp;M, taxes)", t->costs_fen);
	ROW("Distributable", t->distributable_fen);
	ROW("Deficit of stations in deficit", t->deficit_fen);
	ROW("Allocated to villages", t->allocated_fen);
#undef ROW
	fprintf(out,
	        "<tr><th>Villages OK / AT RISK / BELOW</th><td class=\"n\">%d / %d / %d</td></tr>\n"
	        "<tr><th>Stations / flagged</th><td class=\"n\">%d / %d</td></tr>\n</table>\n",
	        t->n_ok, t->n_at_risk, t->n_below, r->n_stations, t->n_flagged_stations);

	fprintf(out, "<h2>Villages not on course (%d)</h2>\n", t->n_at_risk + t->n_below);
	if (t->n_at_risk + t->n_below > 0) {
		fprintf(out, "<table class=\"flagged\">%s<th>Why</th></tr></thead><tbody>\n",
		        village_head);
		for (i = 0; i < r->n_villages; i++) {
			const struct report_village *rv = &r->villages[r->village_order[i]];
			if (rv->t.status != TARGET_OK)
				village_row(out, r, rv, 1);
		}
		fputs("</tbody></table>\n", out);
	} else {
		fputs("<p>Every village is on course.</p>\n", out);
	}

	chart(out, r);

	fputs("<h2>Townships</h2>\n<table class=\"townships\"><thead><tr><th>Township</th>"
	      "<th class=\"n\">Villages</th><th class=\"n\">OK</th><th class=\"n\">AT RISK</th>"
	      "<th class=\"n\">BELOW</th><th class=\"n\">Month ¥</th><th class=\"n\">YTD ¥</th>"
	      "<th class=\"n\">T12 ¥</th><th class=\"n\">Target ¥</th></tr></thead><tbody>\n",
	      out);
	for (i = 0; i < r->n_townships; i++) {
		const struct report_township *tw = &r->townships[i];
		fputs("<tr><td>", out);
		html_text(out, tw->t->name);
		fprintf(out,
		        "</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td>"
		        "<td class=\"n\">%d</td><td class=\"n\">",
		        tw->n_villages, tw->n_ok, tw->n_at_risk, tw->n_below);
		yuan(out, tw->month_fen);
		fputs("</td><td class=\"n\">", out);
		yuan(out, tw->ytd_fen);
		fputs("</td><td class=\"n\">", out);
		yuan(out, tw->t12_fen);
		fputs("</td><td class=\"n\">", out);
		yuan(out, tw->target_fen);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);

	fprintf(out, "<h2>All villages</h2>\n<table class=\"villages\">%s</tr></thead><tbody>\n",
	        village_head);
	for (i = 0; i < r->n_villages; i++)
		village_row(out, r, &r->villages[r->village_order[i]], 0);
	fputs("</tbody></table>\n", out);

	fputs("<h2>Stations</h2>\n<table class=\"stations\"><thead><tr><th>Station</th>"
	      "<th>Name</th><th>Source</th><th class=\"n\">kWh</th><th class=\"n\">Data %</th>"
	      "<th class=\"n\">Revenue ¥</th><th class=\"n\">Costs ¥</th>"
	      "<th class=\"n\">Distributable ¥</th><th>Flags</th></tr></thead><tbody>\n",
	      out);
	for (i = 0; i < r->n_stations; i++) {
		const struct report_station *rs = &r->stations[i];
		int j, first = 1;
		format_kwh(rs->e.energy_wh, kwh, sizeof kwh);
		fputs("<tr><td>", out);
		html_text(out, rs->st->id);
		fputs("</td><td>", out);
		html_text(out, rs->st->name);
		fprintf(out,
		        "</td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%lld.%lld</td>"
		        "<td class=\"n\">",
		        format_source_key(rs->e.source), kwh,
		        (long long)(rs->completeness_permille / 10),
		        (long long)(rs->completeness_permille % 10));
		yuan(out, rs->r.revenue_fen);
		fputs("</td><td class=\"n\">", out);
		yuan(out, rs->r.costs_fen);
		fputs("</td><td class=\"n\">", out);
		yuan(out, rs->r.distributable_fen);
		fputs("</td><td>", out);
		for (j = 0; j < RFLAG_COUNT; j++) {
			if (!(rs->flags & (1u << j)))
				continue;
			fprintf(out, "%s%s", first ? "" : ", ",
			        format_flag_key((enum report_flag)j));
			first = 0;
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
	/* Counts the bars once loaded: a check that the page rendered, used by the tests. */
	fputs("<script>\n(function(){var n=document.querySelectorAll('svg rect.bar').length;"
	      "var p=document.getElementById('bar-count');p.setAttribute('data-count',String(n));"
	      "p.setAttribute('data-ready','1');})();\n</script>\n</body>\n</html>\n",
	      out);
	return ferror(out) ? -1 : 0;
}
