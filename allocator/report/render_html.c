/*
 * render_html: the report as one self-contained HTML page (inline CSS, SVG
 * and script; no external assets) in the report's language. On screen it is
 * a page of tables that become cards on a phone; printed, it is an A4
 * briefing: a cover page (county figures, the villages not on course with
 * their reasons in sentences, the county chart, a sign-off block), then the
 * tables, with page numbers. Every name goes through html_text, so no fleet
 * or database value can inject markup.
 */
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "caltime.h"
#include "chart.h"
#include "render.h"
#include "util.h"

#define COVER_VILLAGES 6   /* villages not on course described on the cover */
#define DETAIL_VILLAGES 12 /* village charts after the tables */
#define DETAIL_STATIONS 12 /* stations with charts after the tables */

/* Yuan with separators. */
static void yuan(FILE *out, int64_t fen)
{
	char b[48];
	format_yuan(fen, ',', b, sizeof b);
	fputs(b, out);
}

/* A catalogue text, escaped. */
static void t(FILE *out, const struct report *r, const char *key)
{
	html_text(out, msg_get(r->lang, key));
}

/* A filled catalogue text, escaped. */
static void tf(FILE *out, const struct report *r, const char *key, int n, const char *const *a)
{
	char buf[1024];
	html_text(out, format_msgf(buf, sizeof buf, r->lang, key, n, a));
}

/* Text safe inside a CSS string: only plain characters are kept. */
static void css_text(FILE *out, const char *s)
{
	for (; s && *s; s++)
		if ((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= 'a' && *s <= 'z') || *s == ' ' || *s == ':' || *s == '-' || *s == '+' ||
		    *s == '.' || *s == '/')
			fputc(*s, out);
}

static const char style[] =
    "*{box-sizing:border-box}\n"
    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"Microsoft YaHei\","
    "sans-serif;margin:1.5em;color:#222;font-size:14px;overflow-wrap:break-word}\n"
    "h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.4em 0 .4em;"
    "border-bottom:1px solid #999}h3{font-size:1em;margin:1em 0 .2em}\n"
    "table{border-collapse:collapse;margin:.3em 0}th,td{border:1px solid #bbb;"
    "padding:2px 6px;text-align:left;vertical-align:top}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;"
    "overflow-wrap:normal}td.below,td.at_risk,td.ok{white-space:nowrap}\n"
    ".below{color:#b00020;font-weight:bold}.at_risk{color:#b35c00;font-weight:bold}"
    ".ok{color:#1b5e20}\n"
    "svg.chart{width:100%;height:auto;max-width:100%;display:block}"
    "rect.bar{fill:#607d8b}rect.bar.below{fill:#c62828}"
    "rect.bar.at_risk{fill:#ef8f00}rect.bar.ok{fill:#2e7d32}\n"
    ".meta{color:#555}ul.reasons{margin:0;padding-left:1.2em}\n"
    ".kpis{display:flex;flex-wrap:wrap;gap:8px;margin:.6em 0}"
    ".kpi{border:1px solid #bbb;border-radius:4px;padding:6px 10px;min-width:10em;flex:1}"
    ".printonly{display:none}.kpi "
    "strong{white-space:nowrap;overflow-wrap:normal;display:block;font-size:1.3em}.kpi "
    "span{color:#555;font-size:.9em}\n"
    "ol.why{padding-left:1.4em;margin:.3em 0}ol.why li{margin:.3em 0}\n"
    ".signoff{display:flex;gap:2em;margin-top:1.2em}.signoff div{flex:1;"
    "border-bottom:1px solid #444;padding-bottom:1.6em}\n"
    ".wrap{overflow-x:auto;max-width:100%}\n"
    ".detail{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px}"
    ".detail figure{margin:0;break-inside:avoid}figcaption{font-size:.9em;color:#333}\n"
    "@media (max-width:600px){body{margin:.6em;font-size:15px;overflow-wrap:anywhere}"
    ".detail{grid-template-columns:1fr}"
    "table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}"
    "table.cards thead{display:none}table.cards tr{border:1px solid #bbb;border-radius:4px;"
    "margin:0 0 8px;padding:4px 0}table.cards td{border:0;display:flex;gap:1em;"
    "justify-content:space-between;text-align:right;padding:2px 8px}"
    "table.cards td::before{content:attr(data-label);color:#555;text-align:left;"
    "flex:0 0 40%}table.cards td.reasons{display:block;text-align:left}"
    "table.cards td.reasons::before{display:block}}\n"
    "@page{size:A4;margin:14mm 12mm 16mm}\n"
    "@media print{body{margin:0;font-size:9.5pt}h2{break-after:avoid}"
    "tr{break-inside:avoid}thead{display:table-header-group}"
    "section.cover{break-after:page}section.cover svg.chart{max-height:80mm}"
    "table{width:100%}.wrap{overflow:visible}.noprint,tr.quiet{display:none}"
    ".printonly{display:block}.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:5px}"
    ".kpi{min-width:0;padding:3px 6px}.kpi strong{font-size:1.1em}"
    "table.stations{font-size:8pt}td{word-break:normal}"
    ".detail{grid-template-columns:1fr 1fr}}\n";

/* One cell with its label for the phone layout. */
static void td(FILE *out, const struct report *r, const char *key, const char *cls)
{
	fputs("<td", out);
	if (cls)
		fprintf(out, " class=\"%s\"", cls);
	fputs(" data-label=\"", out);
	t(out, r, key);
	fputs("\">", out);
}

static void th(FILE *out, const struct report *r, const char *key, int num)
{
	fputs(num ? "<th class=\"n\">" : "<th>", out);
	t(out, r, key);
	fputs("</th>", out);
}

/* Opens a card table of class cls: its header row from cols (catalogue keys, "#" before a
 * numeric column's), NULL-terminated. */
static void table_open(FILE *out, const struct report *r, const char *cls, const char *const *cols)
{
	fprintf(out, "<div class=\"wrap\"><table class=\"%s cards\"><thead><tr>", cls);
	for (; *cols; cols++)
		th(out, r, **cols == '#' ? *cols + 1 : *cols, **cols == '#');
	fputs("</tr></thead><tbody>\n", out);
}

static const char *const alarm_cols[] = {"report.alarm.station", "report.alarm.device",
                                         "report.alarm.name", "#report.alarm.days", NULL};
static const char *const sensor_cols[] = {"report.col.station",
                                          "report.col.sensor",
                                          "#report.col.sensor_days",
                                          "#report.col.insolation",
                                          "#report.col.sensor_kwh",
                                          "#report.col.pr_true",
                                          NULL};
static const char *const township_cols[] = {"report.col.township", "#report.col.villages",
                                            "#report.col.ok",      "#report.col.at_risk",
                                            "#report.col.below",   "#report.col.month",
                                            "#report.col.ytd",     "#report.col.t12",
                                            "#report.col.target",  NULL};
static const char *const station_cols[] = {"report.col.station",
                                           "report.col.name",
                                           "report.col.source",
                                           "#report.col.kwh",
                                           "#report.col.eq_hours",
                                           "#report.col.pr",
                                           "#report.col.availability",
                                           "#report.col.data_pct",
                                           "#report.col.revenue",
                                           "#report.col.costs",
                                           "#report.col.distributable",
                                           "report.col.flags",
                                           NULL};

static const char *township_name(const struct report *r, const struct report_village *rv)
{
	return rv->v->township >= 0 && rv->v->township < r->n_townships
	           ? r->townships[rv->v->township].t->name
	           : "";
}

/* A village row (status, money). */
static void village_row(FILE *out, const struct report *r, const struct report_village *rv,
                        int with_reasons)
{
	char buf[1024];
	int j;
	fputs(rv->t.status == TARGET_OK ? "<tr class=\"quiet\">" : "<tr>", out);
	td(out, r, "report.col.village", NULL);
	html_text(out, rv->v->id);
	fputs("</td>", out);
	td(out, r, "report.col.name", NULL);
	html_text(out, rv->v->name);
	fputs("</td>", out);
	td(out, r, "report.col.township", NULL);
	html_text(out, township_name(r, rv));
	fputs("</td>", out);
	td(out, r, "report.col.status", target_status_key(rv->t.status));
	html_text(out, format_status_text(r->lang, rv->t.status));
	fputs("</td>", out);
#define MONEY(key, v)                                                                              \
	do {                                                                                       \
		td(out, r, key, "n");                                                              \
		yuan(out, v);                                                                      \
		fputs("</td>", out);                                                               \
	} while (0)
	MONEY("report.col.month", rv->t.month_fen);
	MONEY("report.col.ytd", rv->t.ytd_fen);
	MONEY("report.col.t12", rv->t.t12_fen);
	MONEY("report.col.projection", rv->t.projection_fen);
	MONEY("report.col.target", rv->t.target_fen);
	if (with_reasons) {
		td(out, r, "report.col.why", "reasons");
		fputs("<ul class=\"reasons\">", out);
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

static void village_head(FILE *out, const struct report *r, int with_reasons)
{
	fputs("<thead><tr>", out);
	th(out, r, "report.col.village", 0);
	th(out, r, "report.col.name", 0);
	th(out, r, "report.col.township", 0);
	th(out, r, "report.col.status", 0);
	th(out, r, "report.col.month", 1);
	th(out, r, "report.col.ytd", 1);
	th(out, r, "report.col.t12", 1);
	th(out, r, "report.col.projection", 1);
	th(out, r, "report.col.target", 1);
	if (with_reasons)
		th(out, r, "report.col.why", 0);
	fputs("</tr></thead><tbody>\n", out);
}

/* A village's place in the county chart: by projection, lowest first, then fleet order. */
struct proj_key {
	int64_t fen;
	int index;
};

static int by_projection(const void *a, const void *b)
{
	const struct proj_key *x = a, *y = b;
	if (x->fen != y->fen)
		return x->fen < y->fen ? -1 : 1;
	return x->index - y->index;
}

/* The county chart: villages sorted by projection, the target line, the ones below named. */
static void county_chart(FILE *out, const struct report *r)
{
	int n = r->n_villages, i, named = 0, below = 0;
	int *ord = xcalloc((size_t)n + 1, sizeof *ord);
	struct proj_key *keys = xcalloc((size_t)n + 1, sizeof *keys);
	struct chart_bar *bars = xcalloc((size_t)n + 1, sizeof *bars);
	int64_t *own = xcalloc((size_t)n + 1, sizeof *own);
	struct chart c;
	char line[128], ybuf[48];
	const char *a[1];

	for (i = 0; i < n; i++) {
		keys[i].fen = r->villages[i].t.projection_fen;
		keys[i].index = i;
	}
	qsort(keys, (size_t)n, sizeof *keys, by_projection);
	for (i = 0; i < n; i++)
		ord[i] = keys[i].index;
	free(keys);
	for (i = 0; i < n; i++) {
		const struct report_village *rv = &r->villages[ord[i]];
		bars[i].v = rv->t.projection_fen > 0 ? rv->t.projection_fen : 0;
		bars[i].cls = target_status_key(rv->t.status);
		/* Label every village when they fit; else only the lowest ones. */
		bars[i].label = n <= 40 ? rv->v->name : NULL; /* many: named in the note below */
		/* A tick at the village's own target where it differs from the county line. */
		own[i] = rv->t.target_fen != r->target_fen_per_year ? rv->t.target_fen : -1;
	}
	memset(&c, 0, sizeof c);
	c.aria = msg_get(r->lang, "report.html.chart.county");
	c.unit = 100;
	c.prefix = "¥";
	c.line = r->target_fen_per_year;
	format_yuan(r->target_fen_per_year, ',', ybuf, sizeof ybuf);
	a[0] = ybuf;
	c.line_text = format_msgf(line, sizeof line, r->lang, "report.target_line", 1, a);
	c.pace = own;
	c.label_every = 1;
	c.data_name = "county";
	fputs("<section class=\"chart\"><h2>", out);
	t(out, r, "report.html.chart.county");
	fputs("</h2>\n", out);
	chart_bars(out, &c, bars, n);
	fputs("<p class=\"meta\" id=\"bar-count\" data-count=\"\">", out);
	t(out, r, "report.html.chart.county_note");
	/* Name the villages below target in words, the lowest first. */
	for (i = 0; i < n; i++)
		below += r->villages[ord[i]].t.status == TARGET_BELOW;
	if (below > 0) {
		fputs(" ", out);
		t(out, r, "report.status.below");
		fputs(r->lang == MSG_EN ? ": " : "：", out);
		for (i = 0; i < n && named < 10; i++) {
			const struct report_village *rv = &r->villages[ord[i]];
			if (rv->t.status != TARGET_BELOW)
				continue;
			if (named++)
				t(out, r, "report.flag.sep");
			html_text(out, rv->v->name);
		}
		if (below > named) {
			char nb[16];
			const char *na[1] = {nb};
			snprintf(nb, sizeof nb, "%d", below - named);
			fputc(' ', out);
			tf(out, r, "report.html.name_more", 1, na);
		}
	}
	fputs("</p></section>\n", out);
	free(ord);
	free(bars);
	free(own);
}

/* A village's twelve months against the monthly pace to its target. */
static void village_chart(FILE *out, const struct report *r, const struct report_village *rv)
{
	struct chart_bar bars[TARGET_WINDOW];
	int64_t pace[TARGET_WINDOW], psum = 0;
	char labels[TARGET_WINDOW][8];
	struct chart c;
	int k;
	const char *a[1] = {rv->v->name};

	for (k = 0; k < 12; k++)
		psum += r->profile[k];
	for (k = 0; k < TARGET_WINDOW; k++) {
		int idx = r->year * 12 + (r->month - 1) - (TARGET_WINDOW - 1 - k);
		int m = idx % 12 + 1;
		snprintf(labels[k], sizeof labels[k], "%d", m);
		bars[k].v = report_village_months(r, rv)[k];
		bars[k].label = labels[k];
		bars[k].cls = target_status_key(rv->t.status);
		pace[k] = psum > 0
		              ? (int64_t)((__int128)rv->t.target_fen * r->profile[m - 1] / psum)
		              : rv->t.target_fen / 12;
	}
	memset(&c, 0, sizeof c);
	c.aria = rv->v->name;
	c.unit = 100;
	c.prefix = "¥";
	c.line = -1;
	c.pace = pace;
	c.label_every = 1;
	c.data_name = "village";
	fputs("<figure>", out);
	chart_bars(out, &c, bars, TARGET_WINDOW);
	fputs("<figcaption>", out);
	tf(out, r, "report.html.chart.village", 1, a);
	fputs(" (▬ ", out);
	t(out, r, "report.html.chart.pace");
	fputs(")</figcaption></figure>\n", out);
}

/* A permille as "81.2" (percent, one decimal). */
static void pct_text(int64_t permille, char *buf, size_t size)
{
	snprintf(buf, size, "%lld.%lld", (long long)(permille / 10), (long long)(permille % 10));
}

/* One chart in a figure with its caption (catalogue key with n arguments). */
static void figure(FILE *out, const struct report *r, const struct chart *c,
                   const struct chart_bar *bars, int n, const char *key, int nargs,
                   const char *const *args)
{
	fputs("<figure>", out);
	chart_bars(out, c, bars, n);
	fputs("<figcaption>", out);
	tf(out, r, key, nargs, args);
	fputs("</figcaption></figure>\n", out);
}

/* A station's days of the month and its months against comparable stations. */
static void station_charts(FILE *out, const struct report *r, const struct report_station *rs)
{
	struct chart_bar days[31], months[TARGET_WINDOW];
	char dl[31][4], ml[TARGET_WINDOW][4];
	struct chart c;
	int d, k;
	const char *a[1] = {rs->st->name && *rs->st->name ? rs->st->name : rs->st->id};

	for (d = 0; d < r->ndays && d < 31; d++) {
		snprintf(dl[d], sizeof dl[d], "%d", d + 1);
		days[d].v = rs->days_wh[d];
		days[d].label = dl[d];
		days[d].cls = NULL;
	}
	memset(&c, 0, sizeof c);
	c.aria = a[0];
	c.unit = 1000;
	c.prefix = "";
	c.line = -1;
	c.label_every = 5;
	c.data_name = "station-days";
	figure(out, r, &c, days, d, "report.html.chart.station_days", 1, a);
	if (rs->st->sensor && rs->pr_true_permille >= 0) {
		char pr[48];
		const char *sa[3] = {a[0], rs->st->sensor, pr};
		pct_text(rs->pr_true_permille, pr, sizeof pr);
		for (d = 0; d < r->ndays && d < 31; d++)
			days[d].v = rs->sun_whm2[d]; /* a day not covered (-1) draws nothing */
		c.data_name = "station-sun";
		figure(out, r, &c, days, d, "report.html.chart.station_sun", 3, sa);
	}
	for (k = 0; k < TARGET_WINDOW; k++) {
		int idx = r->year * 12 + (r->month - 1) - (TARGET_WINDOW - 1 - k);
		snprintf(ml[k], sizeof ml[k], "%d", idx % 12 + 1);
		months[k].v = rs->months_yield[k];
		months[k].label = ml[k];
		months[k].cls = NULL;
	}
	c.lo = r->band_lo;
	c.hi = r->band_hi;
	c.label_every = 1;
	c.data_name = "station-months";
	figure(out, r, &c, months, TARGET_WINDOW, "report.html.chart.station_months", 1, a);
}

/* The devices' alarms of the month, a table after the stations; nothing when there were none. */
static void alarm_table(FILE *out, const struct report *r)
{
	int s, k, any = 0;
	for (s = 0; s < r->n_stations; s++)
		any |= r->stations[s].n_alarms > 0;
	if (!any)
		return;
	fputs("<h2>", out);
	t(out, r, "report.alarm.title");
	fputs("</h2>\n", out);
	table_open(out, r, "alarms", alarm_cols);
	for (s = 0; s < r->n_stations; s++) {
		const struct report_station *rs = &r->stations[s];
		for (k = 0; k < rs->n_alarms; k++) {
			char name[128];
			format_alarm_name(r, &rs->alarms[k], name, sizeof name);
			fputs("<tr>", out);
			td(out, r, "report.alarm.station", NULL);
			html_text(out, rs->st->name && rs->st->name[0] ? rs->st->name : rs->st->id);
			fputs("</td>", out);
			td(out, r, "report.alarm.device", NULL);
			html_text(out, rs->st->devices[rs->alarms[k].device].id);
			fputs("</td>", out);
			td(out, r, "report.alarm.name", NULL);
			html_text(out, name);
			fputs("</td>", out);
			td(out, r, "report.alarm.days", "n");
			fprintf(out, "%d</td></tr>\n", rs->alarms[k].days);
		}
	}
	fputs("</tbody></table></div>\n", out);
}

/* The stations with an irradiance sensor: insolation and measured PR; nothing without. */
static void sensor_table(FILE *out, const struct report *r)
{
	int s, any = 0;
	for (s = 0; s < r->n_stations; s++)
		any |= r->stations[s].st->sensor != NULL;
	if (!any)
		return;
	fputs("<h2>", out);
	t(out, r, "report.sec.sensors");
	fputs("</h2>\n<p class=\"note\">", out);
	t(out, r, "report.sensors.note");
	fputs("</p>\n", out);
	table_open(out, r, "sensors", sensor_cols);
	for (s = 0; s < r->n_stations; s++) {
		const struct report_station *rs = &r->stations[s];
		char b[48];
		if (!rs->st->sensor)
			continue;
		fputs("<tr>", out);
		td(out, r, "report.col.station", NULL);
		html_text(out, rs->st->name && rs->st->name[0] ? rs->st->name : rs->st->id);
		fputs("</td>", out);
		td(out, r, "report.col.sensor", NULL);
		html_text(out, rs->st->sensor);
		fputs("</td>", out);
		td(out, r, "report.col.sensor_days", "n");
		fprintf(out, "%d / %d</td>", rs->e.sensor_days, r->ndays);
		td(out, r, "report.col.insolation", "n");
		fprintf(out, "%lld.%lld</td>", (long long)(rs->e.insolation_whm2 / 1000),
		        (long long)(rs->e.insolation_whm2 % 1000 / 100));
		td(out, r, "report.col.sensor_kwh", "n");
		format_kwh(rs->e.insolation_energy_wh, b, sizeof b);
		fprintf(out, "%s</td>", b);
		td(out, r, "report.col.pr_true", "n");
		if (rs->pr_true_permille >= 0) {
			pct_text(rs->pr_true_permille, b, sizeof b);
			fputs(b, out);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
}

/* A station with a flag worth a look (not only resets or excluded readings). */
static int station_flagged(const struct report_station *rs)
{
	return (rs->flags & ~((1u << RFLAG_COUNTER_RESET) | (1u << RFLAG_EXCLUDED_READINGS) |
	                      (1u << RFLAG_NOT_IN_SERVICE))) != 0;
}

/* The ledger's side of the month: accrued vs received per village, or a note that the
 * store has no ledger. */
static void ledger_table(FILE *out, const struct report *r)
{
	static const char *const cols[] = {"report.col.accrued_month", "report.col.received_month",
	                                   "report.col.accrued_ytd",   "report.col.received_ytd",
	                                   "report.col.outstanding",   "report.col.pending"};
	char note[1024];
	int i, k;
	fputs("<h2>", out);
	t(out, r, "report.sec.ledger");
	fputs("</h2>\n", out);
	format_ledger_note(r, note, sizeof note);
	if (!r->has_ledger) {
		fputs("<p class=\"meta\" data-ledger=\"none\">", out);
		html_text(out, note);
		fputs("</p>\n", out);
		return;
	}
	fputs("<div class=\"wrap\"><table class=\"ledger cards\"><thead><tr>", out);
	th(out, r, "report.col.village", 0);
	for (k = 0; k < 6; k++)
		th(out, r, cols[k], 1);
	fputs("</tr></thead><tbody>\n", out);
	for (i = 0; i <= r->n_villages; i++) {
		const struct report_village *rv =
		    i < r->n_villages ? &r->villages[r->village_order[i]] : NULL;
		const struct report_ledger *lg = rv ? &rv->lg : &r->ledger_totals;
		const int64_t v[6] = {lg->accrued_month, lg->received_month, lg->accrued_ytd,
		                      lg->received_ytd,  lg->outstanding,    lg->pending};
		fputs(rv ? "<tr>" : "<tr class=\"total\">", out);
		td(out, r, "report.col.village", NULL);
		if (rv)
			html_text(out, rv->v->name);
		else
			t(out, r, "report.total");
		fputs("</td>", out);
		for (k = 0; k < 6; k++) {
			td(out, r, cols[k], "n");
			yuan(out, v[k]);
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div>\n<p class=\"meta\">", out);
	html_text(out, note);
	fputs("</p>\n", out);
}

/* In print, tables show only rows that need attention; this says where the rest are. */
static void print_note(FILE *out, const struct report *r)
{
	fputs("<p class=\"printonly meta\">", out);
	t(out, r, "report.html.print_note");
	fputs("</p>\n", out);
}

/* One county figure on the cover. */
static void kpi(FILE *out, const struct report *r, const char *key, const char *value)
{
	fputs("<div class=\"kpi\"><strong>", out);
	html_text(out, value);
	fputs("</strong><span>", out);
	t(out, r, key);
	fputs("</span></div>\n", out);
}

/* The cover: county figures, villages not on course in sentences, the chart, sign-off. */
static void cover(FILE *out, const struct report *r, const char *d0, const char *d1)
{
	const struct report_totals *tt = &r->totals;
	char b[96], y[48];
	const char *a[6];
	int i, shown = 0, not_ok = tt->n_at_risk + tt->n_below;

	fputs("<section class=\"cover\">\n<h1>", out);
	a[0] = r->month_name;
	a[1] = r->fleet->county ? r->fleet->county : "";
	tf(out, r, "report.html.title", 2, a);
	fputs("</h1>\n<p class=\"meta\">", out);
	a[0] = d0;
	a[1] = d1;
	a[2] = r->timezone;
	a[3] = r->window_from;
	tf(out, r, "report.period", 4, a);
	if (r->generated_at) {
		fputc(' ', out);
		a[0] = r->generated_at;
		tf(out, r, "report.generated", 1, a);
	}
	fputs("</p>\n<div class=\"kpis\">\n", out);
	format_kwh(tt->energy_wh, y, sizeof y);
	snprintf(b, sizeof b, "%s kWh", y);
	kpi(out, r, "report.html.kpi.energy", b);
	format_yuan(tt->revenue_fen, ',', y, sizeof y);
	snprintf(b, sizeof b, "¥%s", y);
	kpi(out, r, "report.html.kpi.revenue", b);
	format_yuan(tt->distributable_fen, ',', y, sizeof y);
	snprintf(b, sizeof b, "¥%s", y);
	kpi(out, r, "report.html.kpi.distributable", b);
	format_yuan(tt->allocated_fen, ',', y, sizeof y);
	snprintf(b, sizeof b, "¥%s", y);
	kpi(out, r, "report.html.kpi.allocated", b);
	snprintf(b, sizeof b, "%d / %d / %d", tt->n_ok, tt->n_at_risk, tt->n_below);
	kpi(out, r, "report.html.kpi.villages", b);
	snprintf(b, sizeof b, "%lld.%lld%%", (long long)(r->completeness_permille / 10),
	         (long long)(r->completeness_permille % 10));
	kpi(out, r, "report.html.kpi.completeness", b);
	if (r->availability_permille >= 0) {
		snprintf(b, sizeof b, "%lld.%lld%%", (long long)(r->availability_permille / 10),
		         (long long)(r->availability_permille % 10));
		kpi(out, r, "report.html.kpi.availability", b);
	}
	if (r->median_yield_wh_per_kwp >= 0) {
		snprintf(b, sizeof b, "%lld.%lld h", (long long)(r->median_yield_wh_per_kwp / 1000),
		         (long long)(r->median_yield_wh_per_kwp % 1000 / 100));
		kpi(out, r, "report.sum.eq_hours", b);
	}
	if (r->n_sensor_stations) {
		pct_text(r->pr_true_permille, y, sizeof y);
		snprintf(b, sizeof b, "%s%%", y);
		kpi(out, r, "report.html.kpi.pr_true", b);
	}
	fputs("</div>\n<h2>", out);
	snprintf(b, sizeof b, "%d", not_ok);
	a[0] = b;
	tf(out, r, "report.sec.not_on_course", 1, a);
	fputs("</h2>\n", out);
	if (not_ok == 0) {
		fputs("<p>", out);
		t(out, r, "report.all_on_course");
		fputs("</p>\n", out);
	} else {
		fputs("<ol class=\"why\">\n", out);
		for (i = 0; i < r->n_villages && shown < COVER_VILLAGES; i++) {
			const struct report_village *rv = &r->villages[r->village_order[i]];
			char t12[48], tg[48], pr[48], buf[1024];
			int j;
			if (rv->t.status == TARGET_OK)
				continue;
			shown++;
			format_yuan(rv->t.t12_fen, ',', t12, sizeof t12);
			format_yuan(rv->t.target_fen, ',', tg, sizeof tg);
			format_yuan(rv->t.projection_fen, ',', pr, sizeof pr);
			a[0] = rv->v->name;
			a[1] = township_name(r, rv);
			a[2] = format_status_text(r->lang, rv->t.status);
			a[3] = t12;
			a[4] = tg;
			a[5] = pr;
			fprintf(out, "<li class=\"village\"><span class=\"%s\">",
			        target_status_key(rv->t.status));
			tf(out, r, "report.html.village_line", 6, a);
			fputs("</span><ul class=\"reasons\">", out);
			for (j = 0; j < rv->n_reasons; j++) {
				format_reason_describe(r, &rv->reasons[j], buf, sizeof buf);
				fputs("<li>", out);
				html_text(out, buf);
				fputs("</li>", out);
			}
			fputs("</ul></li>\n", out);
		}
		fputs("</ol>\n", out);
		if (not_ok > shown) {
			snprintf(b, sizeof b, "%d", not_ok - shown);
			a[0] = b;
			fputs("<p>", out);
			tf(out, r, "report.html.more_villages", 1, a);
			fputs("</p>\n", out);
		}
	}
	county_chart(out, r);
	fputs("<div class=\"signoff\"><div>", out);
	t(out, r, "report.html.signoff.made");
	fputs(r->lang == MSG_EN ? ":" : "：", out);
	fputs("</div><div>", out);
	t(out, r, "report.html.signoff.checked");
	fputs(r->lang == MSG_EN ? ":" : "：", out);
	fputs("</div><div>", out);
	t(out, r, "report.html.signoff.date");
	fputs(r->lang == MSG_EN ? ":" : "：", out);
	fputs("</div></div>\n</section>\n", out);
}

/* The print footer: page numbers, the month and the generation time in the page margins. */
static void page_css(FILE *out, const struct report *r)
{
	char buf[128];
	const char *a[2] = {"\" counter(page) \"", "\" counter(pages) \""};
	format_msgf(buf, sizeof buf, r->lang, "report.html.page", 2, a);
	fprintf(out, "@page{@bottom-right{content:\"%s\";font-size:8pt;color:#444}", buf);
	fputs("@bottom-left{content:\"pvmon ", out);
	css_text(out, r->month_name);
	if (r->generated_at) {
		fputs("  ", out);
		css_text(out, r->generated_at);
	}
	fputs("\";font-size:8pt;color:#444}}\n", out);
}

/* Renders the report as HTML. */
int render_html(const struct report *r, FILE *out)
{
	char d0[16], d1[16], kwh[48], fl[512];
	const char *a[2];
	int i, y, m, d, n;

	caltime_civil(r->first_day, &y, &m, &d);
	snprintf(d0, sizeof d0, "%04d-%02d-%02d", y, m, d);
	caltime_civil(r->first_day + r->ndays - 1, &y, &m, &d);
	snprintf(d1, sizeof d1, "%04d-%02d-%02d", y, m, d);
	fprintf(out,
	        "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	        "<title>",
	        r->lang == MSG_EN ? "en" : "zh-CN");
	a[0] = r->month_name;
	a[1] = r->fleet->county ? r->fleet->county : "";
	tf(out, r, "report.doc_title", 2, a);
	fprintf(out, "</title>\n<style>\n%s", style);
	page_css(out, r);
	fputs("</style>\n</head>\n<body>\n", out);
	cover(out, r, d0, d1);

	fputs("<h2>", out);
	t(out, r, "report.sec.summary");
	fputs("</h2>\n<table class=\"summary\">\n", out);
	format_kwh(r->totals.energy_wh, kwh, sizeof kwh);
	fputs("<tr><th>", out);
	t(out, r, "report.sum.energy");
	fprintf(out, "</th><td class=\"n\">%s</td></tr>\n", kwh);
#define ROW(key, v)                                                                                \
	do {                                                                                       \
		fputs("<tr><th>", out);                                                            \
		t(out, r, key);                                                                    \
		fputs("</th><td class=\"n\">", out);                                               \
		yuan(out, v);                                                                      \
		fputs("</td></tr>\n", out);                                                        \
	} while (0)
	ROW("report.sum.coal", r->totals.coal_fen);
	ROW("report.sum.subsidy", r->totals.subsidy_fen);
	ROW("report.sum.revenue", r->totals.revenue_fen);
	ROW("report.sum.land", r->totals.land_fen);
	ROW("report.sum.insurance", r->totals.insurance_fen);
	ROW("report.sum.om", r->totals.om_fen);
	ROW("report.sum.tax", r->totals.tax_fen);
	ROW("report.sum.costs", r->totals.costs_fen);
	ROW("report.sum.distributable", r->totals.distributable_fen);
	ROW("report.sum.deficit", r->totals.deficit_fen);
	ROW("report.sum.allocated", r->totals.allocated_fen);
#undef ROW
	fputs("<tr><th>", out);
	t(out, r, "report.sum.stations_flagged");
	fprintf(out, "</th><td class=\"n\">%d / %d</td></tr>\n", r->n_stations,
	        r->totals.n_flagged_stations);
	fputs("<tr><th>", out);
	t(out, r, "report.sum.target_basis");
	fputs("</th><td>", out);
	html_text(out, format_basis_text(r->lang, r->basis));
	fputs("</td></tr>\n</table>\n", out);

	if (r->totals.n_at_risk + r->totals.n_below > 0) {
		char b[16];
		snprintf(b, sizeof b, "%d", r->totals.n_at_risk + r->totals.n_below);
		a[0] = b;
		fputs("<div class=\"noprint\"><h2>", out);
		tf(out, r, "report.sec.not_on_course", 1, a);
		fputs("</h2>\n<div class=\"wrap\"><table class=\"flagged cards\">", out);
		village_head(out, r, 1);
		for (i = 0; i < r->n_villages; i++) {
			const struct report_village *rv = &r->villages[r->village_order[i]];
			if (rv->t.status != TARGET_OK)
				village_row(out, r, rv, 1);
		}
		fputs("</tbody></table></div></div>\n", out);
	}

	fputs("<h2>", out);
	t(out, r, "report.sec.townships");
	fputs("</h2>\n", out);
	table_open(out, r, "townships", township_cols);
	for (i = 0; i < r->n_townships; i++) {
		const struct report_township *tw = &r->townships[i];
		fputs("<tr>", out);
		td(out, r, "report.col.township", NULL);
		html_text(out, tw->t->name);
		fputs("</td>", out);
		td(out, r, "report.col.villages", "n");
		fprintf(out, "%d</td>", tw->n_villages);
		td(out, r, "report.col.ok", "n");
		fprintf(out, "%d</td>", tw->n_ok);
		td(out, r, "report.col.at_risk", "n");
		fprintf(out, "%d</td>", tw->n_at_risk);
		td(out, r, "report.col.below", "n");
		fprintf(out, "%d</td>", tw->n_below);
		MONEY("report.col.month", tw->month_fen);
		MONEY("report.col.ytd", tw->ytd_fen);
		MONEY("report.col.t12", tw->t12_fen);
		MONEY("report.col.target", tw->target_fen);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);

	ledger_table(out, r);

	fputs("<h2>", out);
	t(out, r, "report.sec.all_villages");
	fputs("</h2>\n", out);
	print_note(out, r);
	fputs("<div class=\"wrap\"><table class=\"villages cards\">", out);
	village_head(out, r, 0);
	for (i = 0; i < r->n_villages; i++)
		village_row(out, r, &r->villages[r->village_order[i]], 0);
	fputs("</tbody></table></div>\n", out);

	fputs("<h2>", out);
	t(out, r, "report.sec.stations");
	fputs("</h2>\n", out);
	print_note(out, r);
	table_open(out, r, "stations", station_cols);
	for (i = 0; i < r->n_stations; i++) {
		const struct report_station *rs = &r->stations[i];
		format_kwh(rs->e.energy_wh, kwh, sizeof kwh);
		fputs(station_flagged(rs) ? "<tr>" : "<tr class=\"quiet\">", out);
		td(out, r, "report.col.station", NULL);
		html_text(out, rs->st->id);
		fputs("</td>", out);
		td(out, r, "report.col.name", NULL);
		html_text(out, rs->st->name);
		fputs("</td>", out);
		td(out, r, "report.col.source", NULL);
		html_text(out, format_source_text(r->lang, rs->e.source));
		fputs("</td>", out);
		td(out, r, "report.col.kwh", "n");
		fprintf(out, "%s</td>", kwh);
		td(out, r, "report.col.eq_hours", "n");
		if (rs->yield_wh_per_kwp >= 0)
			fprintf(out, "%lld.%lld", (long long)(rs->yield_wh_per_kwp / 1000),
			        (long long)(rs->yield_wh_per_kwp % 1000 / 100));
		fputs("</td>", out);
		td(out, r, "report.col.pr", "n");
		if (rs->pr_permille >= 0)
			fprintf(out, "%lld", (long long)((rs->pr_permille + 5) / 10));
		fputs("</td>", out);
		td(out, r, "report.col.availability", "n");
		if (rs->availability_permille >= 0)
			fprintf(out, "%lld.%lld", (long long)(rs->availability_permille / 10),
			        (long long)(rs->availability_permille % 10));
		fputs("</td>", out);
		td(out, r, "report.col.data_pct", "n");
		fprintf(out, "%lld.%lld</td>", (long long)(rs->completeness_permille / 10),
		        (long long)(rs->completeness_permille % 10));
		MONEY("report.col.revenue", rs->r.revenue_fen);
		MONEY("report.col.costs", rs->r.costs_fen);
		MONEY("report.col.distributable", rs->r.distributable_fen);
		format_flags_text(r->lang, rs->flags, fl, sizeof fl);
		td(out, r, "report.col.flags", NULL);
		html_text(out, fl);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
#undef MONEY
	sensor_table(out, r);
	alarm_table(out, r);

	/* Charts per village not on course, then per station with a problem. */
	n = 0;
	for (i = 0; i < r->n_villages && n < DETAIL_VILLAGES; i++) {
		const struct report_village *rv = &r->villages[r->village_order[i]];
		if (rv->t.status == TARGET_OK)
			continue;
		if (n++ == 0) {
			fputs("<h2>", out);
			t(out, r, "report.html.sec.village_detail");
			fputs("</h2>\n<div class=\"detail\">\n", out);
		}
		village_chart(out, r, rv);
	}
	if (n)
		fputs("</div>\n", out);
	n = 0;
	for (i = 0; i < r->n_stations && n < DETAIL_STATIONS; i++) {
		const struct report_station *rs = &r->stations[i];
		if (!station_flagged(rs))
			continue;
		if (n++ == 0) {
			fputs("<h2>", out);
			t(out, r, "report.html.sec.station_detail");
			fputs("</h2>\n<div class=\"detail\">\n", out);
		}
		station_charts(out, r, rs);
	}
	if (n)
		fputs("</div>\n", out);
	/* Counts the county chart's bars once loaded: a check that the page rendered. */
	fputs("<script>\n(function(){var n=document.querySelectorAll('svg[data-chart=county] "
	      "rect.bar').length;var p=document.getElementById('bar-count');"
	      "var e=document.documentElement;p.setAttribute('data-count',String(n));"
	      "p.setAttribute('data-overflow',String(e.scrollWidth-e.clientWidth));"
	      "p.setAttribute('data-width',String(e.clientWidth));"
	      "p.setAttribute('data-ready','1');})();\n"
	      "</script>\n</body>\n</html>\n",
	      out);
	return ferror(out) ? -1 : 0;
}
