/*
 * render_text: the report as plain-text tables for a terminal or a printer,
 * aligned by display width so Chinese names keep the columns straight. It
 * formats the model only; it never computes money.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "render.h"
#include "util.h"

/* Decodes one UTF-8 sequence at s; returns its length (invalid bytes: 1, cp = -1). */
static int utf8_next(const unsigned char *s, long *cp)
{
	int n, i;
	long c;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2;
		c = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3;
		c = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		*cp = -1;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = -1;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3F);
	}
	*cp = c;
	return n;
}

/* Columns of one code point: 0 for controls and combining marks, 2 for East Asian wide. */
static int cp_width(long c)
{
	if (c < 0)
		return 1; /* an invalid byte is shown as one replacement column */
	if (c == 0 || c < 0x20 || (c >= 0x7F && c < 0xA0))
		return 0;
	if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) ||
	    (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0x20D0 && c <= 0x20FF))
		return 0;
	if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
	    (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
	    (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
	    (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
	    (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
	    (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
	    (c >= 0x20000 && c <= 0x3FFFD))
		return 2;
	return 1;
}

/* Display width of a UTF-8 string. */
size_t render_display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;
	while (*p) {
		long cp;
		p += utf8_next(p, &cp);
		w += (size_t)cp_width(cp);
	}
	return w;
}

/* A table: cells kept as strings, widths found when printing. */
struct table {
	int ncols, nrows;
	const char *const *head;
	const char *align; /* 'l' or 'r' per column */
	char **cells;      /* nrows x ncols, owned */
};

/* Appends a row of ncols printf-free strings (copied; control characters become '?'). */
static void table_row(struct table *t, ...)
{
	va_list ap;
	int i;
	t->cells = xrealloc(t->cells, sizeof *t->cells * (size_t)(t->nrows + 1) * (size_t)t->ncols);
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		char *c = xstrdup(s ? s : ""), *p;
		for (p = c; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		t->cells[t->nrows * t->ncols + i] = c;
	}
	va_end(ap);
	t->nrows++;
}

/* Writes s padded to width w on the left or the right. */
static void pad(FILE *out, const char *s, size_t w, char align)
{
	size_t sw = render_display_width(s), i;
	if (align == 'r')
		for (i = sw; i < w; i++)
			fputc(' ', out);
	fputs(s, out);
	if (align != 'r')
		for (i = sw; i < w; i++)
			fputc(' ', out);
}

/* Prints the table with two spaces between columns; trailing blanks trimmed. */
static void table_print(FILE *out, struct table *t)
{
	size_t *w = xcalloc((size_t)t->ncols, sizeof *w);
	int r, c;
	for (c = 0; c < t->ncols; c++)
		w[c] = render_display_width(t->head[c]);
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t x = render_display_width(t->cells[r * t->ncols + c]);
			if (x > w[c])
				w[c] = x;
		}
	for (r = -1; r < t->nrows; r++) {
		int last = t->ncols - 1;
		/* Stop at the last non-empty cell, unpadded if left-aligned: no trailing blanks. */
		while (last > 0 && !*(r < 0 ? t->head[last] : t->cells[r * t->ncols + last]))
			last--;
		for (c = 0; c <= last; c++) {
			const char *s = r < 0 ? t->head[c] : t->cells[r * t->ncols + c];
			if (c)
				fputs("  ", out);
			pad(out, s, c == last && t->align[c] == 'l' ? 0 : w[c], t->align[c]);
		}
		fputc('\n', out);
		if (r < 0) {
			size_t total = 0;
			for (c = 0; c < t->ncols; c++)
				total += w[c] + (c ? 2 : 0);
			while (total--)
				fputc('-', out);
			fputc('\n', out);
		}
	}
	for (r = 0; r < t->nrows * t->ncols; r++)
		free(t->cells[r]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
	free(w);
}

/* A day as YYYY-MM-DD. */
static void day_str(int32_t d, char *buf, size_t size)
{
	int y, m, dd;
	caltime_civil(d, &y, &m, &dd);
	snprintf(buf, size, "%04d-%02d-%02d", y, m, dd);
}

/* A permille as a percentage with one decimal, or "-" when unknown (< 0). */
static void pct(int64_t permille, char *buf, size_t size)
{
	if (permille < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%lld.%lld", (long long)(permille / 10),
		         (long long)(permille % 10));
}

/* The summary block. */
static void summary(FILE *out, const struct report *r)
{
	const struct report_totals *t = &r->totals;
	const char *head[] = {RMSG(r, "report.sec.summary"), RMSG(r, "report.sum.value")};
	struct table tb = {2, 0, head, "lr", NULL};
	char a[64], b[64];

	format_kwh(t->energy_wh, a, sizeof a);
	table_row(&tb, RMSG(r, "report.sum.energy"), a);
#define YUAN(label, v)                                                                             \
	do {                                                                                       \
		format_yuan(v, ',', a, sizeof a);                                                  \
		table_row(&tb, RMSG(r, label), a);                                                 \
	} while (0)
	YUAN("report.sum.coal", t->coal_fen);
	YUAN("report.sum.subsidy", t->subsidy_fen);
	YUAN("report.sum.revenue", t->revenue_fen);
	YUAN("report.sum.land", t->land_fen);
	YUAN("report.sum.insurance", t->insurance_fen);
	YUAN("report.sum.om", t->om_fen);
	YUAN("report.sum.tax", t->tax_fen);
	YUAN("report.sum.costs", t->costs_fen);
	YUAN("report.sum.distributable", t->distributable_fen);
	YUAN("report.sum.deficit", t->deficit_fen);
	YUAN("report.sum.allocated", t->allocated_fen);
	YUAN("report.sum.target", r->target_fen_per_year);
#undef YUAN
	table_row(&tb, RMSG(r, "report.sum.target_basis"), format_basis_text(r->lang, r->basis));
	snprintf(a, sizeof a, "%d", r->n_stations);
	table_row(&tb, RMSG(r, "report.sum.stations"), a);
	snprintf(a, sizeof a, "%d", t->n_flagged_stations);
	table_row(&tb, RMSG(r, "report.sum.flagged"), a);
	snprintf(a, sizeof a, "%d", r->n_villages);
	table_row(&tb, RMSG(r, "report.sum.villages"), a);
	snprintf(a, sizeof a, "%d / %d / %d", t->n_ok, t->n_at_risk, t->n_below);
	table_row(&tb, RMSG(r, "report.sum.status_counts"), a);
	if (r->median_yield_wh_per_kwp >= 0) {
		snprintf(b, sizeof b, "%lld.%lld", (long long)(r->median_yield_wh_per_kwp / 1000),
		         (long long)(r->median_yield_wh_per_kwp % 1000 / 100));
		table_row(&tb, RMSG(r, "report.sum.median"), b);
	}
	if (r->n_sensor_stations) {
		pct(r->pr_true_permille, b, sizeof b);
		table_row(&tb, RMSG(r, "report.sum.pr_true"), b);
	}
	table_print(out, &tb);
}

/* The station table. */
static void stations(FILE *out, const struct report *r)
{
	const char *head[] = {RMSG(r, "report.col.station"),       RMSG(r, "report.col.name"),
	                      RMSG(r, "report.col.source"),        RMSG(r, "report.col.kwh"),
	                      RMSG(r, "report.col.yield"),         RMSG(r, "report.col.data_pct"),
	                      RMSG(r, "report.col.offline_h"),     RMSG(r, "report.col.fault_h"),
	                      RMSG(r, "report.col.revenue"),       RMSG(r, "report.col.costs"),
	                      RMSG(r, "report.col.distributable"), RMSG(r, "report.col.flags")};
	struct table tb = {12, 0, head, "lllrrrrrrrrl", NULL};
	int s;
	for (s = 0; s < r->n_stations; s++) {
		const struct report_station *rs = &r->stations[s];
		char kwh[32], y[32], comp[48], off[48], flt[48], rev[32], cost[32], dist[32],
		    fl[256];
		format_kwh(rs->e.energy_wh, kwh, sizeof kwh);
		if (rs->yield_wh_per_kwp >= 0)
			snprintf(y, sizeof y, "%lld.%lld", (long long)(rs->yield_wh_per_kwp / 1000),
			         (long long)(rs->yield_wh_per_kwp % 1000 / 100));
		else
			snprintf(y, sizeof y, "-");
		snprintf(comp, sizeof comp, "%lld.%lld",
		         (long long)(rs->completeness_permille / 10),
		         (long long)(rs->completeness_permille % 10));
		snprintf(off, sizeof off, "%lld", (long long)(rs->e.offline_s / 3600));
		snprintf(flt, sizeof flt, "%lld", (long long)(rs->e.fault_s / 3600));
		format_yuan(rs->r.revenue_fen, ',', rev, sizeof rev);
		format_yuan(rs->r.costs_fen, ',', cost, sizeof cost);
		format_yuan(rs->r.distributable_fen, ',', dist, sizeof dist);
		format_flags_text(r->lang, rs->flags, fl, sizeof fl);
		table_row(&tb, rs->st->id, rs->st->name, format_source_text(r->lang, rs->e.source),
		          kwh, y, comp, off, flt, rev, cost, dist, fl);
	}
	table_print(out, &tb);
}

/* The stations with an irradiance sensor: insolation and measured PR; nothing without. */
static void sensors(FILE *out, const struct report *r)
{
	const char *head[] = {RMSG(r, "report.col.station"),    RMSG(r, "report.col.name"),
	                      RMSG(r, "report.col.sensor"),     RMSG(r, "report.col.sensor_days"),
	                      RMSG(r, "report.col.insolation"), RMSG(r, "report.col.sensor_kwh"),
	                      RMSG(r, "report.col.pr_true")};
	struct table tb = {7, 0, head, "lllrrrr", NULL};
	int s, any = 0;
	for (s = 0; s < r->n_stations; s++)
		any |= r->stations[s].st->sensor != NULL;
	if (!any)
		return;
	fprintf(out, "\n%s\n\n", RMSG(r, "report.sec.sensors"));
	for (s = 0; s < r->n_stations; s++) {
		const struct report_station *rs = &r->stations[s];
		char days[32], sun[32], kwh[32], pr[32];
		if (!rs->st->sensor)
			continue;
		snprintf(days, sizeof days, "%d / %d", rs->e.sensor_days, r->ndays);
		snprintf(sun, sizeof sun, "%lld.%lld", (long long)(rs->e.insolation_whm2 / 1000),
		         (long long)(rs->e.insolation_whm2 % 1000 / 100));
		format_kwh(rs->e.insolation_energy_wh, kwh, sizeof kwh);
		pct(rs->pr_true_permille, pr, sizeof pr);
		table_row(&tb, rs->st->id, rs->st->name, rs->st->sensor, days, sun, kwh, pr);
	}
	table_print(out, &tb);
	fprintf(out, "%s\n", RMSG(r, "report.sensors.note"));
}

/* The alarms the stations' devices raised this month; 0 when there were none. */
static int alarms(FILE *out, const struct report *r)
{
	const char *head[] = {RMSG(r, "report.alarm.station"), RMSG(r, "report.alarm.device"),
	                      RMSG(r, "report.alarm.name"), RMSG(r, "report.alarm.days")};
	struct table tb = {4, 0, head, "lllr", NULL};
	int s, k, any = 0;
	for (s = 0; s < r->n_stations; s++)
		any |= r->stations[s].n_alarms > 0;
	if (!any)
		return 0;
	fprintf(out, "\n%s\n\n", RMSG(r, "report.alarm.title"));
	for (s = 0; s < r->n_stations; s++) {
		const struct report_station *rs = &r->stations[s];
		for (k = 0; k < rs->n_alarms; k++) {
			const struct report_alarm *a = &rs->alarms[k];
			char name[128], days[16];
			format_alarm_name(r, a, name, sizeof name);
			snprintf(days, sizeof days, "%d", a->days);
			table_row(&tb, rs->st->id, rs->st->devices[a->device].id, name, days);
		}
	}
	table_print(out, &tb);
	return 1;
}

/* The village table, not-OK villages first. */
static void villages(FILE *out, const struct report *r)
{
	const char *head[] = {RMSG(r, "report.col.village"),  RMSG(r, "report.col.name"),
	                      RMSG(r, "report.col.township"), RMSG(r, "report.col.status"),
	                      RMSG(r, "report.col.month"),    RMSG(r, "report.col.ytd"),
	                      RMSG(r, "report.col.t12"),      RMSG(r, "report.col.projection"),
	                      RMSG(r, "report.col.target")};
	struct table tb = {9, 0, head, "llllrrrrr", NULL};
	int i;
	for (i = 0; i < r->n_villages; i++) {
		const struct report_village *rv = &r->villages[r->village_order[i]];
		const char *tw = rv->v->township >= 0 && rv->v->township < r->n_townships
		                     ? r->townships[rv->v->township].t->name
		                     : "";
		char mo[32], ytd[32], t12[32], pr[32], tg[32];
		format_yuan(rv->t.month_fen, ',', mo, sizeof mo);
		format_yuan(rv->t.ytd_fen, ',', ytd, sizeof ytd);
		format_yuan(rv->t.t12_fen, ',', t12, sizeof t12);
		format_yuan(rv->t.projection_fen, ',', pr, sizeof pr);
		format_yuan(rv->t.target_fen, ',', tg, sizeof tg);
		table_row(&tb, rv->v->id, rv->v->name, tw,
		          format_status_text(r->lang, rv->t.status), mo, ytd, t12, pr, tg);
	}
	table_print(out, &tb);
}

/* Why each village that is not OK is not OK. */
static void reasons(FILE *out, const struct report *r)
{
	int i, j, any = 0;
	char buf[512];
	for (i = 0; i < r->n_villages; i++) {
		const struct report_village *rv = &r->villages[r->village_order[i]];
		if (rv->t.status == TARGET_OK)
			continue;
		any = 1;
		fprintf(out, "%s %s (%s)\n", rv->v->id, rv->v->name,
		        format_status_text(r->lang, rv->t.status));
		for (j = 0; j < rv->n_reasons; j++) {
			format_reason_describe(r, &rv->reasons[j], buf, sizeof buf);
			fprintf(out, "  - %s\n", buf);
		}
	}
	if (!any)
		fprintf(out, "%s\n", RMSG(r, "report.all_on_course"));
}

/* Each village's part of each station this month. */
static void shares(FILE *out, const struct report *r)
{
	const char *head[] = {RMSG(r, "report.col.village"), RMSG(r, "report.col.station"),
	                      RMSG(r, "report.col.share"), RMSG(r, "report.col.station_dist"),
	                      RMSG(r, "report.col.village_part")};
	struct table tb = {5, 0, head, "llrrr", NULL};
	int v, j;
	for (v = 0; v < r->n_villages; v++) {
		const struct report_village *rv = &r->villages[v];
		for (j = 0; j < rv->n_parts; j++) {
			const struct report_part *p = &rv->parts[j];
			char sh[64], d[32], f[32];
			snprintf(sh, sizeof sh, "%lld/%lld", (long long)p->weight,
			         (long long)p->total_weight);
			format_yuan(r->stations[p->station].r.distributable_fen, ',', d, sizeof d);
			format_yuan(p->fen, ',', f, sizeof f);
			table_row(&tb, rv->v->id, r->stations[p->station].st->id, sh, d, f);
		}
	}
	table_print(out, &tb);
}

/* The ledger's side of the month: accrued vs received per village, or why it is not shown. */
static void ledger(FILE *out, const struct report *r)
{
	const char *head[] = {
	    RMSG(r, "report.col.village"),       RMSG(r, "report.col.name"),
	    RMSG(r, "report.col.accrued_month"), RMSG(r, "report.col.received_month"),
	    RMSG(r, "report.col.accrued_ytd"),   RMSG(r, "report.col.received_ytd"),
	    RMSG(r, "report.col.outstanding"),   RMSG(r, "report.col.pending")};
	struct table tb = {8, 0, head, "llrrrrrr", NULL};
	char note[1024], c[6][32];
	int i, k;
	format_ledger_note(r, note, sizeof note);
	if (!r->has_ledger) {
		fprintf(out, "%s\n", note);
		return;
	}
	for (i = 0; i <= r->n_villages; i++) {
		const struct report_ledger *lg =
		    i < r->n_villages ? &r->villages[r->village_order[i]].lg : &r->ledger_totals;
		const int64_t v[6] = {lg->accrued_month, lg->received_month, lg->accrued_ytd,
		                      lg->received_ytd,  lg->outstanding,    lg->pending};
		for (k = 0; k < 6; k++)
			format_yuan(v[k], ',', c[k], sizeof c[k]);
		if (i < r->n_villages) {
			const struct fleet_village *fv = r->villages[r->village_order[i]].v;
			table_row(&tb, fv->id, fv->name, c[0], c[1], c[2], c[3], c[4], c[5]);
		} else {
			table_row(&tb, RMSG(r, "report.total"), "", c[0], c[1], c[2], c[3], c[4],
			          c[5]);
		}
	}
	table_print(out, &tb);
	fprintf(out, "%s\n", note);
}

/* Township subtotals. */
static void townships(FILE *out, const struct report *r)
{
	const char *head[] = {RMSG(r, "report.col.township"), RMSG(r, "report.col.name"),
	                      RMSG(r, "report.col.villages"), RMSG(r, "report.col.ok"),
	                      RMSG(r, "report.col.at_risk"),  RMSG(r, "report.col.below"),
	                      RMSG(r, "report.col.month"),    RMSG(r, "report.col.ytd"),
	                      RMSG(r, "report.col.t12"),      RMSG(r, "report.col.target")};
	struct table tb = {10, 0, head, "llrrrrrrrr", NULL};
	int i;
	for (i = 0; i < r->n_townships; i++) {
		const struct report_township *t = &r->townships[i];
		char n[24], ok[24], ar[24], be[24], mo[32], ytd[32], t12[32], tg[32];
		snprintf(n, sizeof n, "%d", t->n_villages);
		snprintf(ok, sizeof ok, "%d", t->n_ok);
		snprintf(ar, sizeof ar, "%d", t->n_at_risk);
		snprintf(be, sizeof be, "%d", t->n_below);
		format_yuan(t->month_fen, ',', mo, sizeof mo);
		format_yuan(t->ytd_fen, ',', ytd, sizeof ytd);
		format_yuan(t->t12_fen, ',', t12, sizeof t12);
		format_yuan(t->target_fen, ',', tg, sizeof tg);
		table_row(&tb, t->t->id, t->t->name, n, ok, ar, be, mo, ytd, t12, tg);
	}
	table_print(out, &tb);
}

/* Renders the whole report as text. */
int render_text(const struct report *r, FILE *out)
{
	char d0[16], d1[16], line[512];
	const char *args[4];
	day_str(r->first_day, d0, sizeof d0);
	day_str(r->first_day + r->ndays - 1, d1, sizeof d1);
	args[0] = r->month_name;
	args[1] = r->fleet->county ? r->fleet->county : "";
	fprintf(out, "%s\n", format_msgf(line, sizeof line, r->lang, "report.title", 2, args));
	args[0] = d0;
	args[1] = d1;
	args[2] = r->timezone;
	args[3] = r->window_from;
	fprintf(out, "%s\n", format_msgf(line, sizeof line, r->lang, "report.period", 4, args));
	if (r->generated_at) {
		args[0] = r->generated_at;
		fprintf(out, "%s\n",
		        format_msgf(line, sizeof line, r->lang, "report.generated", 1, args));
	}
	fputc('\n', out);
	summary(out, r);
	fprintf(out, "\n%s\n\n", RMSG(r, "report.sec.villages"));
	villages(out, r);
	fprintf(out, "\n%s\n\n", RMSG(r, "report.sec.reasons"));
	reasons(out, r);
	fprintf(out, "\n%s\n\n", RMSG(r, "report.sec.townships"));
	townships(out, r);
	fprintf(out, "\n%s\n\n", RMSG(r, "report.sec.ledger"));
	ledger(out, r);
	fprintf(out, "\n%s\n\n", RMSG(r, "report.sec.stations"));
	stations(out, r);
	sensors(out, r);
	alarms(out, r);
	fprintf(out, "\n%s\n\n", RMSG(r, "report.sec.shares"));
	shares(out, r);
	return ferror(out) ? -1 : 0;
}
