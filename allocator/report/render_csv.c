/*
 * render_csv: the report as one UTF-8 CSV file with a BOM (so Excel shows
 * Chinese names) and named sections (docs/report.md). Money in yuan with two
 * decimals, formatted from integer fen; it never computes money.
 */
#include <string.h>

#include "caltime.h"
#include "render.h"
#include "report_table.h"

/* Writes one field, quoted when needed; text that Excel would run as a formula is defused. */
static void field(FILE *out, const char *s, int first)
{
	const char *p;
	int quote = 0;
	if (!first)
		fputc(',', out);
	if (!s)
		s = "";
	for (p = s; *p; p++)
		if (*p == ',' || *p == '"' || *p == '\n' || *p == '\r')
			quote = 1;
	if (quote)
		fputc('"', out);
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t')
		fputc('\'', out);
	for (p = s; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	if (quote)
		fputc('"', out);
}

/* A number field: never defused, never quoted. */
static void num(FILE *out, long long v)
{
	fprintf(out, ",%lld", v);
}

/* A money field in yuan. */
static void yuan(FILE *out, int64_t fen)
{
	char b[48];
	format_yuan(fen, 0, b, sizeof b);
	fprintf(out, ",%s", b);
}

/* An energy field in kWh with three decimals (exact Wh). */
static void kwh(FILE *out, int64_t wh)
{
	unsigned long long a = wh < 0 ? 0ULL - (unsigned long long)wh : (unsigned long long)wh;
	fprintf(out, ",%s%llu.%03llu", wh < 0 ? "-" : "", a / 1000, a % 1000);
}

/* The header lines of a section. */
static void section(FILE *out, const char *name, const char *columns)
{
	fprintf(out, "\r\nsection,%s\r\n%s\r\n", name, columns);
}

/* Station flags joined by ';' (English: the machine names, as always). */
static void flags(FILE *out, const struct report *r, unsigned fl)
{
	char buf[256] = "";
	int i;
	for (i = 0; i < RFLAG_COUNT; i++) {
		if (!(fl & (1u << i)))
			continue;
		if (buf[0])
			strncat(buf, ";", sizeof buf - strlen(buf) - 1);
		strncat(buf, format_flag_text(r->lang, (enum report_flag)i),
		        sizeof buf - strlen(buf) - 1);
	}
	field(out, buf, 0);
}

/* Renders the report as CSV. */
int render_csv(const struct report *r, FILE *out)
{
	const struct report_totals *t = &r->totals;
	int i, j;
	char buf[512];

	fputs("\xEF\xBB\xBF", out);
	fputs("section,summary\r\nkey,value\r\n", out);
	fprintf(out, "month,%s\r\n", r->month_name);
	fputs("county", out);
	field(out, r->fleet->county, 0);
	fputs("\r\ntimezone", out);
	field(out, r->timezone, 0);
	fputs("\r\ngenerated_at", out);
	field(out, r->generated_at ? r->generated_at : "", 0);
	fprintf(out, "\r\nwindow_from,%s\r\n", r->window_from);
#define LINE(key, fn, v)                                                                           \
	do {                                                                                       \
		fputs(key, out);                                                                   \
		fn(out, v);                                                                        \
		fputs("\r\n", out);                                                                \
	} while (0)
	LINE("energy_kwh", kwh, t->energy_wh);
	LINE("coal_yuan", yuan, t->coal_fen);
	LINE("subsidy_yuan", yuan, t->subsidy_fen);
	LINE("revenue_yuan", yuan, t->revenue_fen);
	LINE("land_rent_yuan", yuan, t->land_fen);
	LINE("insurance_yuan", yuan, t->insurance_fen);
	LINE("om_yuan", yuan, t->om_fen);
	LINE("tax_yuan", yuan, t->tax_fen);
	LINE("costs_yuan", yuan, t->costs_fen);
	LINE("distributable_yuan", yuan, t->distributable_fen);
	LINE("deficit_yuan", yuan, t->deficit_fen);
	LINE("allocated_yuan", yuan, t->allocated_fen);
	LINE("target_yuan_per_year", yuan, r->target_fen_per_year);
	fprintf(out, "target_basis,%s\r\nledger_from,%s\r\n", format_basis_key(r->basis),
	        r->has_ledger ? r->ledger_from : "");
	LINE("stations", num, r->n_stations);
	LINE("stations_flagged", num, t->n_flagged_stations);
	LINE("villages", num, r->n_villages);
	LINE("villages_ok", num, t->n_ok);
	LINE("villages_at_risk", num, t->n_at_risk);
	LINE("villages_below", num, t->n_below);
	LINE("median_yield_wh_per_kwp", num, r->median_yield_wh_per_kwp);
#undef LINE

	section(out, "stations",
	        "station_id,station_name,source,energy_kwh,meter_kwh,inverter_kwh,"
	        "yield_wh_per_kwp,completeness_permille,longest_gap_h,resets,excluded,"
	        "offline_h,fault_h,t12_months_without_data,t12_relative_yield_permille,coal_yuan,"
	        "subsidy_yuan,revenue_yuan,land_rent_yuan,"
	        "insurance_yuan,om_yuan,tax_yuan,costs_yuan,distributable_yuan,deficit_yuan,flags");
	for (i = 0; i < r->n_stations; i++) {
		const struct report_station *rs = &r->stations[i];
		field(out, rs->st->id, 1);
		field(out, rs->st->name, 0);
		field(out, format_source_text(r->lang, rs->e.source), 0);
		kwh(out, rs->e.energy_wh);
		kwh(out, rs->e.meter_wh);
		kwh(out, rs->e.inverter_wh);
		num(out, rs->yield_wh_per_kwp);
		num(out, rs->completeness_permille);
		num(out, rs->e.longest_gap_s / 3600);
		num(out, rs->e.resets);
		num(out, rs->e.excluded);
		num(out, rs->e.offline_s / 3600);
		num(out, rs->e.fault_s / 3600);
		num(out, rs->months_without_data);
		num(out, rs->relative_permille);
		yuan(out, rs->r.coal_fen);
		yuan(out, rs->r.subsidy_fen);
		yuan(out, rs->r.revenue_fen);
		yuan(out, rs->r.land_fen);
		yuan(out, rs->r.insurance_fen);
		yuan(out, rs->r.om_fen);
		yuan(out, rs->r.tax_fen);
		yuan(out, rs->r.costs_fen);
		yuan(out, rs->r.distributable_fen);
		yuan(out, rs->r.deficit_fen);
		flags(out, r, rs->flags);
		fputs("\r\n", out);
	}

	for (i = 0; i < r->n_stations && !r->stations[i].st->sensor; i++)
		;
	if (i < r->n_stations) {
		/* only with a sensor somewhere, so that reports without one are unchanged */
		section(
		    out, "sensors",
		    "station_id,sensor,days_covered,insolation_kwh_per_m2,energy_kwh,pr_percent");
		for (i = 0; i < r->n_stations; i++) {
			const struct report_station *rs = &r->stations[i];
			if (!rs->st->sensor)
				continue;
			field(out, rs->st->id, 1);
			field(out, rs->st->sensor, 0);
			num(out, rs->e.sensor_days);
			kwh(out, rs->e.insolation_whm2);
			kwh(out, rs->e.insolation_energy_wh);
			if (rs->pr_true_permille >= 0)
				fprintf(out, ",%lld.%lld", (long long)(rs->pr_true_permille / 10),
				        (long long)(rs->pr_true_permille % 10));
			else
				fputs(",", out);
			fputs("\r\n", out);
		}
	}

	section(out, "tariff_periods",
	        "station_id,from,to,energy_kwh,coal_fen_per_mwh,subsidy_fen_per_mwh,coal_yuan,"
	        "subsidy_yuan");
	for (i = 0; i < r->n_stations; i++) {
		const struct report_station *rs = &r->stations[i];
		for (j = 0; j < rs->r.n_periods; j++) {
			const struct revenue_period *p = &rs->r.periods[j];
			int y, m, d;
			field(out, rs->st->id, 1);
			caltime_civil(p->from_day, &y, &m, &d);
			fprintf(out, ",%04d-%02d-%02d", y, m, d);
			caltime_civil(p->to_day, &y, &m, &d);
			fprintf(out, ",%04d-%02d-%02d", y, m, d);
			kwh(out, p->energy_wh);
			num(out, p->coal_fen_per_mwh);
			num(out, p->subsidy_fen_per_mwh);
			yuan(out, p->coal_fen);
			yuan(out, p->subsidy_fen);
			fputs("\r\n", out);
		}
	}

	section(out, "villages",
	        "village_id,village_name,township_id,status,month_yuan,ytd_yuan,t12_yuan,"
	        "projection_yuan,target_yuan,months_with_data");
	for (i = 0; i < r->n_villages; i++) {
		const struct report_village *rv = &r->villages[r->village_order[i]];
		field(out, rv->v->id, 1);
		field(out, rv->v->name, 0);
		field(out,
		      rv->v->township >= 0 && rv->v->township < r->n_townships
		          ? r->townships[rv->v->township].t->id
		          : "",
		      0);
		field(out,
		      r->lang == MSG_EN ? target_status_key(rv->t.status)
		                        : format_status_text(r->lang, rv->t.status),
		      0);
		yuan(out, rv->t.month_fen);
		yuan(out, rv->t.ytd_fen);
		yuan(out, rv->t.t12_fen);
		yuan(out, rv->t.projection_fen);
		yuan(out, rv->t.target_fen);
		num(out, rv->t.months_with_data);
		fputs("\r\n", out);
	}

	section(out, "shares", "village_id,station_id,weight,total_weight,village_yuan");
	for (i = 0; i < r->n_villages; i++) {
		const struct report_village *rv = &r->villages[i];
		for (j = 0; j < rv->n_parts; j++) {
			field(out, rv->v->id, 1);
			field(out, r->stations[rv->parts[j].station].st->id, 0);
			num(out, rv->parts[j].weight);
			num(out, rv->parts[j].total_weight);
			yuan(out, rv->parts[j].fen);
			fputs("\r\n", out);
		}
	}

	section(out, "reasons", "village_id,status,kind,station_id,value,ref,aux,text");
	for (i = 0; i < r->n_villages; i++) {
		const struct report_village *rv = &r->villages[r->village_order[i]];
		for (j = 0; j < rv->n_reasons; j++) {
			const struct report_reason *x = &rv->reasons[j];
			field(out, rv->v->id, 1);
			field(out,
			      r->lang == MSG_EN ? target_status_key(rv->t.status)
			                        : format_status_text(r->lang, rv->t.status),
			      0);
			field(out, format_reason_key(x->kind), 0);
			field(out, x->station >= 0 ? r->stations[x->station].st->id : "", 0);
			num(out, x->value);
			num(out, x->ref);
			num(out, x->aux);
			format_reason_describe(r, x, buf, sizeof buf);
			field(out, buf, 0);
			fputs("\r\n", out);
		}
	}

	section(out, "townships",
	        "township_id,township_name,villages,ok,at_risk,below,month_yuan,ytd_yuan,"
	        "t12_yuan,projection_yuan,target_yuan");
	for (i = 0; i < r->n_townships; i++) {
		const struct report_township *tw = &r->townships[i];
		field(out, tw->t->id, 1);
		field(out, tw->t->name, 0);
		num(out, tw->n_villages);
		num(out, tw->n_ok);
		num(out, tw->n_at_risk);
		num(out, tw->n_below);
		yuan(out, tw->month_fen);
		yuan(out, tw->ytd_fen);
		yuan(out, tw->t12_fen);
		yuan(out, tw->projection_fen);
		yuan(out, tw->target_fen);
		fputs("\r\n", out);
	}

	/* the ledger: accrued vs received, or a note that the store has none */
	format_ledger_note(r, buf, sizeof buf);
	if (!r->has_ledger) {
		section(out, "ledger", "note");
		field(out, buf, 1);
		fputs("\r\n", out);
		return ferror(out) ? -1 : 0;
	}
	section(out, "ledger",
	        "village_id,accrued_month_yuan,received_month_yuan,accrued_ytd_yuan,"
	        "received_ytd_yuan,outstanding_yuan,pending_yuan");
	for (i = 0; i <= r->n_villages; i++) {
		const struct report_ledger *lg =
		    i < r->n_villages ? &r->villages[i].lg : &r->ledger_totals;
		field(out, i < r->n_villages ? r->villages[i].v->id : "total", 1);
		yuan(out, lg->accrued_month);
		yuan(out, lg->received_month);
		yuan(out, lg->accrued_ytd);
		yuan(out, lg->received_ytd);
		yuan(out, lg->outstanding);
		yuan(out, lg->pending);
		fputs("\r\n", out);
	}
	return ferror(out) ? -1 : 0;
}

/* One section as one table: a BOM, a header row in the report's language, the rows. */
int render_csv_section(const struct report *r, enum report_section s, FILE *out)
{
	struct report_table *t = report_table_build(r, s);
	char buf[2048];
	int row, col;

	fputs("\xEF\xBB\xBF", out);
	for (col = 0; col < t->ncols; col++)
		field(out, msg_get(r->lang, t->heads[col]), col == 0);
	fputs("\r\n", out);
	for (row = 0; row < t->nrows; row++) {
		for (col = 0; col < t->ncols; col++) {
			const struct rt_cell *c = report_table_cell(t, row, col);
			report_table_plain(c, buf, sizeof buf);
			if (c->kind == RT_TEXT)
				field(out, buf, col == 0);
			else
				fprintf(out, "%s%s", col == 0 ? "" : ",", buf);
		}
		fputs("\r\n", out);
	}
	report_table_free(t);
	return ferror(out) ? -1 : 0;
}
