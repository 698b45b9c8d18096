/*
 * render_json: the report as one JSON document with a stable schema
 * ("pvmon.report/1", docs/report.md): money as integer fen, energy as integer
 * Wh, keys in a fixed order. It formats the model only.
 */
#include <string.h>

#include "caltime.h"
#include "render.h"
#include "util.h"

/* A tiny streaming writer: tracks nesting so commas and indentation come out right. */
struct jw {
	FILE *out;
	int depth;
	int first[32];
};

/* Newline and indentation before a member. */
static void jw_sep(struct jw *w)
{
	int i;
	if (!w->first[w->depth])
		fputc(',', w->out);
	w->first[w->depth] = 0;
	fputc('\n', w->out);
	for (i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/* A JSON string: UTF-8 passes through; quotes, backslashes and controls are escaped. */
static void jw_string(struct jw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	fputc('"', w->out);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(w->out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(w->out, "\\u%04x", *p);
		else if (*p == '<')
			fputs("\\u003c", w->out); /* safe to embed in a <script> block */
		else
			fputc(*p, w->out);
	}
	fputc('"', w->out);
}

/* The key of the next member (nothing inside arrays). */
static void jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	if (key) {
		jw_string(w, key);
		fputs(": ", w->out);
	}
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	fputc(c, w->out);
	w->depth++;
	w->first[w->depth] = 1;
}

static void jw_close(struct jw *w, char c)
{
	int i, empty = w->first[w->depth];
	w->depth--;
	if (!empty) {
		fputc('\n', w->out);
		for (i = 0; i < w->depth; i++)
			fputs("  ", w->out);
	}
	fputc(c, w->out);
}

static void jw_int(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	fprintf(w->out, "%lld", (long long)v);
}

static void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	if (s)
		jw_string(w, s);
	else
		fputs("null", w->out);
}

static void jw_bool(struct jw *w, const char *key, int b)
{
	jw_key(w, key);
	fputs(b ? "true" : "false", w->out);
}

/* A local day as "YYYY-MM-DD". */
static void jw_day(struct jw *w, const char *key, int32_t day)
{
	char b[32];
	int y, m, d;
	caltime_civil(day, &y, &m, &d);
	snprintf(b, sizeof b, "%04d-%02d-%02d", y, m, d);
	jw_str(w, key, b);
}

/* One station object. */
static void station(struct jw *w, const struct report *r, const struct report_station *rs)
{
	int j;
	jw_open(w, NULL, '{');
	jw_str(w, "id", rs->st->id);
	jw_str(w, "name", rs->st->name);
	jw_int(w, "capacity_w", rs->st->capacity_w);
	jw_bool(w, "in_service", rs->r.in_service);
	jw_str(w, "source", format_source_key(rs->e.source));
	jw_str(w, "source_text", format_source_text(r->lang, rs->e.source));
	jw_int(w, "energy_wh", rs->e.energy_wh);
	jw_int(w, "meter_wh", rs->e.meter_wh);
	jw_int(w, "inverter_wh", rs->e.inverter_wh);
	jw_int(w, "meter_days", rs->e.meter_days);
	jw_int(w, "inverter_days", rs->e.inverter_days);
	jw_bool(w, "meter_mismatch", rs->e.mismatch);
	jw_int(w, "yield_wh_per_kwp", rs->yield_wh_per_kwp);
	jw_int(w, "readings", rs->e.readings);
	jw_int(w, "expected_readings", rs->e.expected);
	jw_int(w, "completeness_permille", rs->completeness_permille);
	jw_int(w, "longest_gap_s", rs->e.longest_gap_s);
	jw_int(w, "resets", rs->e.resets);
	jw_int(w, "excluded", rs->e.excluded);
	jw_int(w, "offline_s", rs->e.offline_s);
	jw_int(w, "fault_s", rs->e.fault_s);
	jw_int(w, "t12_months_without_data", rs->months_without_data);
	jw_int(w, "t12_relative_yield_permille", rs->relative_permille);
	jw_int(w, "pr_estimate_permille", rs->pr_permille);
	jw_int(w, "availability_permille", rs->availability_permille);
	if (rs->st->sensor) {
		/* Only stations with an irradiance sensor carry the key (docs/report.md). */
		jw_open(w, "sensor", '{');
		jw_str(w, "device", rs->st->sensor);
		jw_int(w, "days", rs->e.sensor_days);
		jw_int(w, "insolation_whm2", rs->e.insolation_whm2);
		jw_int(w, "energy_wh", rs->e.insolation_energy_wh);
		jw_int(w, "pr_permille", rs->pr_true_permille);
		jw_open(w, "days_whm2", '[');
		for (j = 0; j < r->ndays && j < 31; j++)
			jw_int(w, NULL, rs->sun_whm2[j]);
		jw_close(w, ']');
		jw_close(w, '}');
	}
	if (rs->n_alarms) {
		/* Only stations with alarms carry the key, so reports without any are unchanged. */
		jw_open(w, "alarms", '[');
		for (j = 0; j < rs->n_alarms; j++) {
			const struct report_alarm *a = &rs->alarms[j];
			char text[128], en[128];
			format_alarm_name(r, a, text, sizeof text);
			if (a->name_en)
				util_strlcpy(en, a->name_en, sizeof en);
			else
				snprintf(en, sizeof en, "alarm bit %d", a->bit);
			jw_open(w, NULL, '{');
			jw_str(w, "device", rs->st->devices[a->device].id);
			jw_int(w, "bit", a->bit);
			jw_int(w, "days", a->days);
			jw_str(w, "name", en);
			jw_str(w, "text", text);
			jw_close(w, '}');
		}
		jw_close(w, ']');
	}
	jw_open(w, "tariff_periods", '[');
	for (j = 0; j < rs->r.n_periods; j++) {
		const struct revenue_period *p = &rs->r.periods[j];
		jw_open(w, NULL, '{');
		jw_day(w, "from", p->from_day);
		jw_day(w, "to", p->to_day);
		jw_int(w, "energy_wh", p->energy_wh);
		jw_int(w, "coal_fen_per_mwh", p->coal_fen_per_mwh);
		jw_int(w, "subsidy_fen_per_mwh", p->subsidy_fen_per_mwh);
		jw_int(w, "coal_fen", p->coal_fen);
		jw_int(w, "subsidy_fen", p->subsidy_fen);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_int(w, "untariffed_wh", rs->r.untariffed_wh);
	jw_int(w, "coal_fen", rs->r.coal_fen);
	jw_int(w, "subsidy_fen", rs->r.subsidy_fen);
	jw_int(w, "revenue_fen", rs->r.revenue_fen);
	jw_int(w, "land_rent_fen", rs->r.land_fen);
	jw_int(w, "insurance_fen", rs->r.insurance_fen);
	jw_int(w, "om_fen", rs->r.om_fen);
	jw_bool(w, "om_capped", rs->r.om_capped);
	jw_int(w, "tax_fen", rs->r.tax_fen);
	jw_int(w, "costs_fen", rs->r.costs_fen);
	jw_int(w, "distributable_fen", rs->r.distributable_fen);
	jw_int(w, "deficit_fen", rs->r.deficit_fen);
	jw_open(w, "flags", '[');
	for (j = 0; j < RFLAG_COUNT; j++)
		if (rs->flags & (1u << j))
			jw_str(w, NULL, format_flag_key((enum report_flag)j));
	jw_close(w, ']');
	jw_open(w, "flags_text", '[');
	for (j = 0; j < RFLAG_COUNT; j++)
		if (rs->flags & (1u << j))
			jw_str(w, NULL, format_flag_text(r->lang, (enum report_flag)j));
	jw_close(w, ']');
	jw_close(w, '}');
}

/* A village's or the county's ledger figures, or null without a ledger. */
static void ledger_obj(struct jw *w, const struct report *r, const struct report_ledger *lg,
                       const int64_t *received_months)
{
	int j;
	if (!r->has_ledger) {
		jw_str(w, "ledger", NULL);
		return;
	}
	jw_open(w, "ledger", '{');
	jw_int(w, "accrued_month_fen", lg->accrued_month);
	jw_int(w, "received_month_fen", lg->received_month);
	jw_int(w, "accrued_ytd_fen", lg->accrued_ytd);
	jw_int(w, "received_ytd_fen", lg->received_ytd);
	jw_int(w, "outstanding_fen", lg->outstanding);
	jw_int(w, "pending_fen", lg->pending);
	if (received_months) {
		jw_open(w, "received_months_fen", '[');
		for (j = 0; j < TARGET_WINDOW; j++)
			jw_int(w, NULL, received_months[j]);
		jw_close(w, ']');
	}
	jw_close(w, '}');
}

/* One village object. */
static void village(struct jw *w, const struct report *r, const struct report_village *rv)
{
	char buf[512];
	int j;
	jw_open(w, NULL, '{');
	jw_str(w, "id", rv->v->id);
	jw_str(w, "name", rv->v->name);
	jw_str(w, "township",
	       rv->v->township >= 0 && rv->v->township < r->n_townships
	           ? r->townships[rv->v->township].t->id
	           : NULL);
	jw_str(w, "status", target_status_key(rv->t.status));
	jw_str(w, "status_text", format_status_text(r->lang, rv->t.status));
	jw_int(w, "month_fen", rv->t.month_fen);
	jw_int(w, "ytd_fen", rv->t.ytd_fen);
	jw_int(w, "t12_fen", rv->t.t12_fen);
	jw_int(w, "projection_fen", rv->t.projection_fen);
	jw_int(w, "target_fen", rv->t.target_fen);
	jw_int(w, "months_with_data", rv->t.months_with_data);
	jw_int(w, "projected_months", rv->t.projected_months);
	jw_open(w, "months_fen", '[');
	for (j = 0; j < TARGET_WINDOW; j++)
		jw_int(w, NULL, rv->months_fen[j]);
	jw_close(w, ']');
	ledger_obj(w, r, &rv->lg, rv->received_fen);
	jw_open(w, "parts", '[');
	for (j = 0; j < rv->n_parts; j++) {
		jw_open(w, NULL, '{');
		jw_str(w, "station", r->stations[rv->parts[j].station].st->id);
		jw_int(w, "weight", rv->parts[j].weight);
		jw_int(w, "total_weight", rv->parts[j].total_weight);
		jw_int(w, "fen", rv->parts[j].fen);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_open(w, "reasons", '[');
	for (j = 0; j < rv->n_reasons; j++) {
		const struct report_reason *x = &rv->reasons[j];
		jw_open(w, NULL, '{');
		jw_str(w, "kind", format_reason_key(x->kind));
		jw_str(w, "station", x->station >= 0 ? r->stations[x->station].st->id : NULL);
		jw_int(w, "value", x->value);
		jw_int(w, "ref", x->ref);
		jw_int(w, "aux", x->aux);
		format_reason_describe(r, x, buf, sizeof buf);
		jw_str(w, "text", buf);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

/* Renders the report as JSON. */
int render_json(const struct report *r, FILE *out)
{
	const struct report_totals *t = &r->totals;
	struct jw w;
	int i;

	memset(&w, 0, sizeof w);
	w.out = out;
	fputc('{', out);
	w.depth = 1;
	w.first[1] = 1;
	jw_str(&w, "schema", "pvmon.report/1");
	jw_str(&w, "lang", msg_lang_code(r->lang));
	jw_str(&w, "month", r->month_name);
	jw_str(&w, "county", r->fleet->county);
	jw_str(&w, "timezone", r->timezone);
	jw_str(&w, "generated_at", r->generated_at);
	jw_day(&w, "first_day", r->first_day);
	jw_day(&w, "last_day", r->first_day + r->ndays - 1);
	jw_str(&w, "window_from", r->window_from);
	jw_int(&w, "target_fen_per_year", r->target_fen_per_year);
	jw_str(&w, "target_basis", format_basis_key(r->basis));
	jw_str(&w, "target_basis_text", format_basis_text(r->lang, r->basis));
	jw_int(&w, "expected_interval_s", r->expected_interval_s);
	jw_int(&w, "meter_tolerance_permille", r->meter_tolerance_permille);
	jw_int(&w, "median_yield_wh_per_kwp", r->median_yield_wh_per_kwp);
	jw_int(&w, "completeness_permille", r->completeness_permille);
	jw_int(&w, "availability_permille", r->availability_permille);
	if (r->n_sensor_stations) {
		jw_int(&w, "sensor_stations", r->n_sensor_stations);
		jw_int(&w, "pr_permille", r->pr_true_permille);
	}
	jw_open(&w, "profile", '{');
	jw_str(&w, "source", r->profile_from_data ? "fleet" : "default");
	jw_open(&w, "values", '[');
	for (i = 0; i < 12; i++)
		jw_int(&w, NULL, r->profile[i]);
	jw_close(&w, ']');
	jw_close(&w, '}');
	jw_open(&w, "totals", '{');
	jw_int(&w, "energy_wh", t->energy_wh);
	jw_int(&w, "coal_fen", t->coal_fen);
	jw_int(&w, "subsidy_fen", t->subsidy_fen);
	jw_int(&w, "revenue_fen", t->revenue_fen);
	jw_int(&w, "land_rent_fen", t->land_fen);
	jw_int(&w, "insurance_fen", t->insurance_fen);
	jw_int(&w, "om_fen", t->om_fen);
	jw_int(&w, "tax_fen", t->tax_fen);
	jw_int(&w, "costs_fen", t->costs_fen);
	jw_int(&w, "distributable_fen", t->distributable_fen);
	jw_int(&w, "deficit_fen", t->deficit_fen);
	jw_int(&w, "allocated_fen", t->allocated_fen);
	jw_int(&w, "stations", r->n_stations);
	jw_int(&w, "stations_flagged", t->n_flagged_stations);
	jw_int(&w, "villages", r->n_villages);
	jw_int(&w, "villages_ok", t->n_ok);
	jw_int(&w, "villages_at_risk", t->n_at_risk);
	jw_int(&w, "villages_below", t->n_below);
	ledger_obj(&w, r, &r->ledger_totals, NULL);
	jw_close(&w, '}');
	{
		char note[1024];
		format_ledger_note(r, note, sizeof note);
		jw_str(&w, "ledger_from", r->has_ledger ? r->ledger_from : NULL);
		jw_str(&w, "ledger_note", note);
	}
	jw_open(&w, "stations", '[');
	for (i = 0; i < r->n_stations; i++)
		station(&w, r, &r->stations[i]);
	jw_close(&w, ']');
	jw_open(&w, "villages", '[');
	for (i = 0; i < r->n_villages; i++)
		village(&w, r, &r->villages[i]);
	jw_close(&w, ']');
	jw_open(&w, "townships", '[');
	for (i = 0; i < r->n_townships; i++) {
		const struct report_township *tw = &r->townships[i];
		jw_open(&w, NULL, '{');
		jw_str(&w, "id", tw->t->id);
		jw_str(&w, "name", tw->t->name);
		jw_int(&w, "villages", tw->n_villages);
		jw_int(&w, "ok", tw->n_ok);
		jw_int(&w, "at_risk", tw->n_at_risk);
		jw_int(&w, "below", tw->n_below);
		jw_int(&w, "month_fen", tw->month_fen);
		jw_int(&w, "ytd_fen", tw->ytd_fen);
		jw_int(&w, "t12_fen", tw->t12_fen);
		jw_int(&w, "projection_fen", tw->projection_fen);
		jw_int(&w, "target_fen", tw->target_fen);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_close(&w, '}');
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}
