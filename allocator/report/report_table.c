/*
 * report_table: the sections of the report as typed tables (report_table.h).
 */
#include "report_table.h"

#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "util.h"

static const char *const section_keys[RSEC_COUNT] = {"summary",   "villages", "stations",
                                                     "shares",    "tariffs",  "reasons",
                                                     "townships", "ledger",   "sensors"};

const char *report_section_key(enum report_section s)
{
	return s >= 0 && s < RSEC_COUNT ? section_keys[s] : "?";
}

int report_section_parse(const char *s, enum report_section *out)
{
	int i;
	for (i = 0; i < RSEC_COUNT; i++)
		if (strcmp(s, section_keys[i]) == 0) {
			*out = (enum report_section)i;
			return 0;
		}
	return -1;
}

/* A table being filled row by row. */
struct fill {
	struct report_table *t;
	int col;
};

static struct rt_cell *next_cell(struct fill *f)
{
	struct report_table *t = f->t;
	if (f->col == 0) {
		t->cells = xrealloc(t->cells,
		                    sizeof *t->cells * (size_t)(t->nrows + 1) * (size_t)t->ncols);
		memset(&t->cells[t->nrows * t->ncols], 0, sizeof *t->cells * (size_t)t->ncols);
		t->nrows++;
	}
	struct rt_cell *c = &t->cells[(t->nrows - 1) * t->ncols + f->col];
	f->col = (f->col + 1) % t->ncols;
	return c;
}

static void text(struct fill *f, const char *s)
{
	struct rt_cell *c = next_cell(f);
	c->kind = RT_TEXT;
	c->s = xstrdup(s ? s : "");
}

static void num(struct fill *f, enum rt_kind k, int64_t v)
{
	struct rt_cell *c = next_cell(f);
	c->kind = k;
	c->v = v;
}

static void empty(struct fill *f)
{
	next_cell(f)->kind = RT_EMPTY;
}

static void day(struct fill *f, int32_t d)
{
	char b[16];
	int y, m, dd;
	caltime_civil(d, &y, &m, &dd);
	snprintf(b, sizeof b, "%04d-%02d-%02d", y, m, dd);
	text(f, b);
}

static const char *township_of(const struct report *r, const struct report_village *rv, int name)
{
	if (rv->v->township < 0 || rv->v->township >= r->n_townships)
		return "";
	return name ? r->townships[rv->v->township].t->name : r->townships[rv->v->township].t->id;
}

/* Column heads and widths per section. */
static const char *const h_summary[] = {"report.col.item", "report.sum.value"};
static const int w_summary[] = {44, 18};
static const char *const h_villages[] = {"report.col.village",  "report.col.village_name",
                                         "report.col.township", "report.col.status",
                                         "report.tcol.month",   "report.tcol.ytd",
                                         "report.tcol.t12",     "report.tcol.projection",
                                         "report.tcol.target",  "report.col.months_with_data",
                                         "report.col.why"};
static const int w_villages[] = {14, 16, 12, 9, 13, 14, 14, 14, 14, 10, 70};
static const char *const h_stations[] = {"report.col.station",     "report.col.station_name",
                                         "report.col.capacity_kw", "report.col.source",
                                         "report.col.kwh",         "report.tcol.eq_hours",
                                         "report.col.pr",          "report.col.availability",
                                         "report.col.data_pct",    "report.col.offline_h",
                                         "report.col.fault_h",     "report.tcol.revenue",
                                         "report.tcol.costs",      "report.tcol.distributable",
                                         "report.col.flags"};
static const int w_stations[] = {12, 18, 10, 9, 13, 11, 10, 10, 11, 9, 9, 13, 12, 13, 30};
/* The same with the month's alarms, used only when a station has any (others stay as they were). */
static const char *const h_stations_alarms[] = {
    "report.col.station",     "report.col.station_name",
    "report.col.capacity_kw", "report.col.source",
    "report.col.kwh",         "report.tcol.eq_hours",
    "report.col.pr",          "report.col.availability",
    "report.col.data_pct",    "report.col.offline_h",
    "report.col.fault_h",     "report.tcol.revenue",
    "report.tcol.costs",      "report.tcol.distributable",
    "report.col.flags",       "report.col.alarms"};
static const int w_stations_alarms[] = {12, 18, 10, 9,  13, 11, 10, 10,
                                        11, 9,  9,  13, 12, 13, 30, 40};
static const char *const h_shares[] = {"report.col.village",       "report.col.village_name",
                                       "report.col.station",       "report.col.station_name",
                                       "report.col.weight",        "report.col.total_weight",
                                       "report.tcol.station_dist", "report.tcol.village_part"};
static const int w_shares[] = {14, 16, 12, 18, 8, 8, 14, 14};
static const char *const h_tariffs[] = {"report.col.station",       "report.col.station_name",
                                        "report.col.from",          "report.col.to",
                                        "report.col.kwh",           "report.col.coal_price",
                                        "report.col.subsidy_price", "report.col.coal_yuan",
                                        "report.col.subsidy_yuan"};
static const int w_tariffs[] = {12, 18, 12, 12, 13, 14, 14, 16, 16};
static const char *const h_reasons[] = {"report.col.village", "report.col.village_name",
                                        "report.col.status",  "report.col.kind",
                                        "report.col.station", "report.col.text"};
static const int w_reasons[] = {14, 16, 9, 20, 12, 90};
static const char *const h_townships[] = {
    "report.col.township_id", "report.col.township",    "report.col.villages", "report.col.ok",
    "report.col.at_risk",     "report.col.below",       "report.tcol.month",   "report.tcol.ytd",
    "report.tcol.t12",        "report.tcol.projection", "report.tcol.target"};
static const int w_townships[] = {14, 12, 7, 7, 7, 7, 14, 15, 15, 15, 15};
static const char *const h_ledger[] = {
    "report.col.village",        "report.col.village_name",    "report.col.township",
    "report.tcol.accrued_month", "report.tcol.received_month", "report.tcol.accrued_ytd",
    "report.tcol.received_ytd",  "report.tcol.outstanding",    "report.tcol.pending"};
static const int w_ledger[] = {14, 16, 12, 15, 15, 15, 15, 15, 15};
/* Without ledger data the sheet says so in one cell instead of showing zeros. */
static const char *const h_ledger_none[] = {"report.col.note"};
static const int w_ledger_none[] = {110};

static const char *const h_sensors[] = {"report.col.station",    "report.col.station_name",
                                        "report.col.sensor",     "report.col.sensor_days",
                                        "report.col.days",       "report.tcol.insolation",
                                        "report.col.sensor_kwh", "report.tcol.pr_true"};
static const int w_sensors[] = {12, 18, 10, 9, 7, 14, 16, 12};
/* Without any sensor the sheet says so in one cell. */
static const char *const h_sensors_none[] = {"report.col.note"};
static const int w_sensors_none[] = {110};

#define SAME_LEN(h, w) _Static_assert(UTIL_ARRAY_LEN(h) == UTIL_ARRAY_LEN(w), #h " and " #w)
SAME_LEN(h_summary, w_summary);
SAME_LEN(h_villages, w_villages);
SAME_LEN(h_stations, w_stations);
SAME_LEN(h_stations_alarms, w_stations_alarms);
SAME_LEN(h_shares, w_shares);
SAME_LEN(h_tariffs, w_tariffs);
SAME_LEN(h_reasons, w_reasons);
SAME_LEN(h_townships, w_townships);
SAME_LEN(h_ledger, w_ledger);
SAME_LEN(h_ledger_none, w_ledger_none);
SAME_LEN(h_sensors, w_sensors);
SAME_LEN(h_sensors_none, w_sensors_none);

/* 1 when any station has an irradiance sensor. */
static int any_sensor(const struct report *r)
{
	int i;
	for (i = 0; i < r->n_stations; i++)
		if (r->stations[i].st->sensor)
			return 1;
	return 0;
}

static void sensors(struct fill *f, const struct report *r)
{
	int i;
	if (!any_sensor(r)) {
		text(f, msg_get(r->lang, "report.sensors.none"));
		return;
	}
	for (i = 0; i < r->n_stations; i++) {
		const struct report_station *rs = &r->stations[i];
		if (!rs->st->sensor)
			continue;
		text(f, rs->st->id);
		text(f, rs->st->name);
		text(f, rs->st->sensor);
		num(f, RT_INT, rs->e.sensor_days);
		num(f, RT_INT, r->ndays);
		num(f, RT_KWH, rs->e.insolation_whm2); /* Wh/m² as kWh/m²: the same thousandths */
		num(f, RT_KWH, rs->e.insolation_energy_wh);
		if (rs->pr_true_permille >= 0)
			num(f, RT_TENTH, rs->pr_true_permille);
		else
			empty(f);
	}
}

static void summary(struct fill *f, const struct report *r)
{
	const struct report_totals *t = &r->totals;
#define ROW(key, kind, v)                                                                          \
	do {                                                                                       \
		text(f, msg_get(r->lang, key));                                                    \
		num(f, kind, v);                                                                   \
	} while (0)
	text(f, msg_get(r->lang, "report.col.month"));
	text(f, r->month_name);
	ROW("report.sum.energy", RT_KWH, t->energy_wh);
	ROW("report.sum.coal", RT_YUAN, t->coal_fen);
	ROW("report.sum.subsidy", RT_YUAN, t->subsidy_fen);
	ROW("report.sum.revenue", RT_YUAN, t->revenue_fen);
	ROW("report.sum.land", RT_YUAN, t->land_fen);
	ROW("report.sum.insurance", RT_YUAN, t->insurance_fen);
	ROW("report.sum.om", RT_YUAN, t->om_fen);
	ROW("report.sum.tax", RT_YUAN, t->tax_fen);
	ROW("report.sum.costs", RT_YUAN, t->costs_fen);
	ROW("report.sum.distributable", RT_YUAN, t->distributable_fen);
	ROW("report.sum.deficit", RT_YUAN, t->deficit_fen);
	ROW("report.sum.allocated", RT_YUAN, t->allocated_fen);
	ROW("report.sum.target", RT_YUAN, r->target_fen_per_year);
	ROW("report.sum.stations", RT_INT, r->n_stations);
	ROW("report.sum.flagged", RT_INT, t->n_flagged_stations);
	ROW("report.sum.villages", RT_INT, r->n_villages);
	ROW("report.col.ok", RT_INT, t->n_ok);
	ROW("report.col.at_risk", RT_INT, t->n_at_risk);
	ROW("report.col.below", RT_INT, t->n_below);
	ROW("report.sum.completeness", RT_TENTH, r->completeness_permille);
	if (r->availability_permille >= 0)
		ROW("report.sum.availability", RT_TENTH, r->availability_permille);
	if (r->median_yield_wh_per_kwp >= 0)
		ROW("report.sum.eq_hours", RT_TENTH, r->median_yield_wh_per_kwp / 100);
	if (r->n_sensor_stations)
		ROW("report.sum.pr_true", RT_TENTH, r->pr_true_permille);
#undef ROW
	text(f, msg_get(r->lang, "report.sum.target_basis"));
	text(f, format_basis_text(r->lang, r->basis));
}

static void villages(struct fill *f, const struct report *r)
{
	char buf[1024];
	int i, j;
	for (i = 0; i < r->n_villages; i++) {
		const struct report_village *rv = &r->villages[r->village_order[i]];
		char *why = xstrdup("");
		for (j = 0; j < rv->n_reasons; j++) {
			char *w;
			format_reason_describe(r, &rv->reasons[j], buf, sizeof buf);
			w = xasprintf("%s%s%s", why, j ? "\n" : "", buf);
			free(why);
			why = w;
		}
		text(f, rv->v->id);
		text(f, rv->v->name);
		text(f, township_of(r, rv, 1));
		text(f, format_status_text(r->lang, rv->t.status));
		num(f, RT_YUAN, rv->t.month_fen);
		num(f, RT_YUAN, rv->t.ytd_fen);
		num(f, RT_YUAN, rv->t.t12_fen);
		num(f, RT_YUAN, rv->t.projection_fen);
		num(f, RT_YUAN, rv->t.target_fen);
		num(f, RT_INT, rv->t.months_with_data);
		text(f, why);
		free(why);
	}
}

/* 1 when any station has alarms this month: the stations table then has their column. */
static int any_alarms(const struct report *r)
{
	int i;
	for (i = 0; i < r->n_stations; i++)
		if (r->stations[i].n_alarms)
			return 1;
	return 0;
}

/* "设备 inv02：电网过压 5 天；..." for one station, or empty. */
static void station_alarm_text(struct fill *f, const struct report *r,
                               const struct report_station *rs)
{
	char buf[1024], name[128], days[16], item[256];
	const char *sep = msg_get(r->lang, "report.alarm.sep");
	int k;
	buf[0] = 0;
	for (k = 0; k < rs->n_alarms; k++) {
		const char *args[3] = {rs->st->devices[rs->alarms[k].device].id, name, days};
		format_alarm_name(r, &rs->alarms[k], name, sizeof name);
		snprintf(days, sizeof days, "%d", rs->alarms[k].days);
		format_msgf(item, sizeof item, r->lang, "report.alarm.item", 3, args);
		if (buf[0])
			strncat(buf, sep, sizeof buf - strlen(buf) - 1);
		strncat(buf, item, sizeof buf - strlen(buf) - 1);
	}
	if (buf[0])
		text(f, buf);
	else
		empty(f);
}

static void stations(struct fill *f, const struct report *r)
{
	char fl[512];
	int i, with_alarms = any_alarms(r);
	for (i = 0; i < r->n_stations; i++) {
		const struct report_station *rs = &r->stations[i];
		text(f, rs->st->id);
		text(f, rs->st->name);
		num(f, RT_KWH, rs->st->capacity_w); /* W as kW: the same thousandths */
		text(f, format_source_text(r->lang, rs->e.source));
		num(f, RT_KWH, rs->e.energy_wh);
		if (rs->yield_wh_per_kwp >= 0)
			num(f, RT_TENTH, rs->yield_wh_per_kwp / 100);
		else
			empty(f);
		if (rs->pr_permille >= 0)
			num(f, RT_TENTH, rs->pr_permille);
		else
			empty(f);
		if (rs->availability_permille >= 0)
			num(f, RT_TENTH, rs->availability_permille);
		else
			empty(f);
		num(f, RT_TENTH, rs->completeness_permille);
		num(f, RT_INT, rs->e.offline_s / 3600);
		num(f, RT_INT, rs->e.fault_s / 3600);
		num(f, RT_YUAN, rs->r.revenue_fen);
		num(f, RT_YUAN, rs->r.costs_fen);
		num(f, RT_YUAN, rs->r.distributable_fen);
		format_flags_text(r->lang, rs->flags, fl, sizeof fl);
		text(f, fl);
		if (with_alarms)
			station_alarm_text(f, r, rs);
	}
}

static void shares(struct fill *f, const struct report *r)
{
	int v, j;
	for (v = 0; v < r->n_villages; v++) {
		const struct report_village *rv = &r->villages[v];
		for (j = 0; j < rv->n_parts; j++) {
			const struct report_part *p = &rv->parts[j];
			const struct report_station *rs = &r->stations[p->station];
			text(f, rv->v->id);
			text(f, rv->v->name);
			text(f, rs->st->id);
			text(f, rs->st->name);
			num(f, RT_INT, p->weight);
			num(f, RT_INT, p->total_weight);
			num(f, RT_YUAN, rs->r.distributable_fen);
			num(f, RT_YUAN, p->fen);
		}
	}
}

static void tariffs(struct fill *f, const struct report *r)
{
	int i, j;
	for (i = 0; i < r->n_stations; i++) {
		const struct report_station *rs = &r->stations[i];
		for (j = 0; j < rs->r.n_periods; j++) {
			const struct revenue_period *p = &rs->r.periods[j];
			text(f, rs->st->id);
			text(f, rs->st->name);
			day(f, p->from_day);
			day(f, p->to_day);
			num(f, RT_KWH, p->energy_wh);
			num(f, RT_PRICE, p->coal_fen_per_mwh);
			num(f, RT_PRICE, p->subsidy_fen_per_mwh);
			num(f, RT_YUAN, p->coal_fen);
			num(f, RT_YUAN, p->subsidy_fen);
		}
	}
}

static void reasons(struct fill *f, const struct report *r)
{
	char buf[1024];
	int i, j;
	for (i = 0; i < r->n_villages; i++) {
		const struct report_village *rv = &r->villages[r->village_order[i]];
		for (j = 0; j < rv->n_reasons; j++) {
			const struct report_reason *x = &rv->reasons[j];
			text(f, rv->v->id);
			text(f, rv->v->name);
			text(f, format_status_text(r->lang, rv->t.status));
			text(f, format_reason_key(x->kind));
			text(f, x->station >= 0 ? r->stations[x->station].st->id : "");
			format_reason_describe(r, x, buf, sizeof buf);
			text(f, buf);
		}
	}
}

static void townships(struct fill *f, const struct report *r)
{
	int i;
	for (i = 0; i < r->n_townships; i++) {
		const struct report_township *tw = &r->townships[i];
		text(f, tw->t->id);
		text(f, tw->t->name);
		num(f, RT_INT, tw->n_villages);
		num(f, RT_INT, tw->n_ok);
		num(f, RT_INT, tw->n_at_risk);
		num(f, RT_INT, tw->n_below);
		num(f, RT_YUAN, tw->month_fen);
		num(f, RT_YUAN, tw->ytd_fen);
		num(f, RT_YUAN, tw->t12_fen);
		num(f, RT_YUAN, tw->projection_fen);
		num(f, RT_YUAN, tw->target_fen);
	}
}

static void ledger(struct fill *f, const struct report *r)
{
	char note[1024];
	int i;
	if (!r->has_ledger) {
		format_ledger_note(r, note, sizeof note);
		text(f, note);
		return;
	}
	for (i = 0; i <= r->n_villages; i++) {
		const struct report_village *rv =
		    i < r->n_villages ? &r->villages[r->village_order[i]] : NULL;
		const struct report_ledger *lg = rv ? &rv->lg : &r->ledger_totals;
		text(f, rv ? rv->v->id : msg_get(r->lang, "report.total"));
		text(f, rv ? rv->v->name : "");
		text(f, rv ? township_of(r, rv, 1) : "");
		num(f, RT_YUAN, lg->accrued_month);
		num(f, RT_YUAN, lg->received_month);
		num(f, RT_YUAN, lg->accrued_ytd);
		num(f, RT_YUAN, lg->received_ytd);
		num(f, RT_YUAN, lg->outstanding);
		num(f, RT_YUAN, lg->pending);
	}
}

struct report_table *report_table_build(const struct report *r, enum report_section s)
{
	struct report_table *t = xcalloc(1, sizeof *t);
	struct fill f = {t, 0};
	t->section = s;
#define SET(h, w)                                                                                  \
	do {                                                                                       \
		t->heads = h;                                                                      \
		t->widths = w;                                                                     \
		t->ncols = (int)UTIL_ARRAY_LEN(h);                                                 \
	} while (0)
	switch (s) {
	case RSEC_SUMMARY:
		SET(h_summary, w_summary);
		summary(&f, r);
		break;
	case RSEC_VILLAGES:
		SET(h_villages, w_villages);
		villages(&f, r);
		break;
	case RSEC_STATIONS:
		if (any_alarms(r))
			SET(h_stations_alarms, w_stations_alarms);
		else
			SET(h_stations, w_stations);
		stations(&f, r);
		break;
	case RSEC_SHARES:
		SET(h_shares, w_shares);
		shares(&f, r);
		break;
	case RSEC_TARIFFS:
		SET(h_tariffs, w_tariffs);
		tariffs(&f, r);
		break;
	case RSEC_REASONS:
		SET(h_reasons, w_reasons);
		reasons(&f, r);
		break;
	case RSEC_LEDGER:
		if (r->has_ledger)
			SET(h_ledger, w_ledger);
		else
			SET(h_ledger_none, w_ledger_none);
		ledger(&f, r);
		break;
	case RSEC_SENSORS:
		if (any_sensor(r))
			SET(h_sensors, w_sensors);
		else
			SET(h_sensors_none, w_sensors_none);
		sensors(&f, r);
		break;
	case RSEC_TOWNSHIPS:
	default:
		SET(h_townships, w_townships);
		townships(&f, r);
		break;
	}
#undef SET
	if (f.col != 0) {
		/* A section filled a row short or long: a bug here, never bad input. */
		fprintf(stderr, "report_table: section %s: row of %d cells, expected %d\n",
		        report_section_key(s), f.col, t->ncols);
		abort();
	}
	return t;
}

void report_table_free(struct report_table *t)
{
	int i;
	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i].s);
	free(t->cells);
	free(t);
}

const struct rt_cell *report_table_cell(const struct report_table *t, int row, int col)
{
	return &t->cells[row * t->ncols + col];
}

/* v / 10^dec as a decimal with dec places. */
static void fixed(int64_t v, int dec, char *buf, size_t size)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, p = 1;
	int i;
	for (i = 0; i < dec; i++)
		p *= 10;
	snprintf(buf, size, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long)(a / p), dec,
	         (unsigned long long)(a % p));
}

void report_table_plain(const struct rt_cell *c, char *buf, size_t size)
{
	switch (c->kind) {
	case RT_TEXT:
		util_strlcpy(buf, c->s, size);
		break;
	case RT_INT:
		snprintf(buf, size, "%lld", (long long)c->v);
		break;
	case RT_YUAN:
		fixed(c->v, 2, buf, size);
		break;
	case RT_KWH:
		fixed(c->v, 3, buf, size);
		break;
	case RT_TENTH:
		fixed(c->v, 1, buf, size);
		break;
	case RT_PRICE:
		/* fen per MWh = yuan per kWh x 100,000: five decimals are exact. */
		fixed(c->v, 5, buf, size);
		break;
	case RT_EMPTY:
	default:
		buf[0] = 0;
	}
}
