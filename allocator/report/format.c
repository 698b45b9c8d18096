/*
 * format: the report formats by name (a table like the allocator's command
 * table) and the helpers every renderer shares: machine names of flags,
 * reasons and sources, yuan and kWh as text, one line per reason. It formats
 * figures of the model only; it never computes money.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "render.h"
#include "util.h"

/* The formats, in the order of enum format_kind. */
static const struct {
	const char *name;
	int (*render)(const struct report *r, FILE *out);
} formats[] = {
    {"text", render_text},
    {"csv", render_csv},
    {"json", render_json},
    {"html", render_html},
};

/* Parses a format name. */
int format_parse(const char *s, enum format_kind *out)
{
	size_t i;
	for (i = 0; i < UTIL_ARRAY_LEN(formats); i++) {
		if (strcmp(s, formats[i].name) == 0) {
			*out = (enum format_kind)i;
			return 0;
		}
	}
	return -1;
}

/* Dispatches to the renderer of the format. */
int format_render(const struct report *r, enum format_kind fmt, FILE *out)
{
	int rc = -1;
	if ((size_t)fmt < UTIL_ARRAY_LEN(formats))
		rc = formats[fmt].render(r, out);
	if (fflush(out) != 0 || ferror(out))
		rc = -1;
	return rc;
}

/* Machine names of the station flags. */
const char *format_flag_key(enum report_flag f)
{
	static const char *const keys[RFLAG_COUNT] = {
	    "no_data",           "inverter_fallback", "meter_mismatch", "deficit", "counter_reset",
	    "excluded_readings", "incomplete",        "low_yield",      "offline", "fault",
	    "untariffed",        "not_in_service"};
	return f >= 0 && f < RFLAG_COUNT ? keys[f] : "?";
}

/* Machine names of the reason kinds. */
const char *format_reason_key(enum report_reason_kind k)
{
	static const char *const keys[REASON_COUNT] = {
	    "no_data",       "missing_data",   "offline", "fault",
	    "low_yield",     "meter_mismatch", "deficit", "months_without_data",
	    "low_yield_t12", "shortfall"};
	return k >= 0 && k < REASON_COUNT ? keys[k] : "?";
}

/* Machine names of the energy sources. */
const char *format_source_key(enum energy_source s)
{
	switch (s) {
	case ENERGY_METER:
		return "meter";
	case ENERGY_INVERTERS:
		return "inverters";
	case ENERGY_NONE:
		break;
	}
	return "none";
}

/* Writes an integer with a thousands separator (sep 0: none). */
static void group(uint64_t v, int sep, char *buf, size_t size)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), i, o = 0;
	char out[48];
	for (i = 0; i < n; i++) {
		if (sep && i > 0 && (n - i) % 3 == 0)
			out[o++] = (char)sep;
		out[o++] = tmp[i];
	}
	out[o] = 0;
	util_strlcpy(buf, out, size);
}

/* Formats fen as yuan with two decimals. */
void format_yuan(int64_t fen, int sep, char *buf, size_t size)
{
	uint64_t a = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	char whole[40];
	group(a / 100, sep, whole, sizeof whole);
	snprintf(buf, size, "%s%s.%02u", fen < 0 ? "-" : "", whole, (unsigned)(a % 100));
}

/* Formats Wh as whole kWh (half up) with thousands separators. */
void format_kwh(int64_t wh, char *buf, size_t size)
{
	int64_t kwh = revenue_mul_div_half_up(wh, 1, 1000);
	uint64_t a = kwh < 0 ? (uint64_t)0 - (uint64_t)kwh : (uint64_t)kwh;
	char g[40];
	group(a, ',', g, sizeof g);
	snprintf(buf, size, "%s%s", kwh < 0 ? "-" : "", g);
}

/* One line for a reason. */
void format_reason_describe(const struct report *r, const struct report_reason *x, char *buf,
                            size_t size)
{
	const char *name = x->station >= 0 ? r->stations[x->station].st->name : "";
	char a[48], b[48], c[48];
	int64_t diff;

	if (!name || !*name)
		name = x->station >= 0 ? r->stations[x->station].st->id : "";
	switch (x->kind) {
	case REASON_NO_DATA:
		snprintf(buf, size, "%s: no data this month (no good meter or inverter counter)",
		         name);
		break;
	case REASON_MISSING_DATA:
		snprintf(buf, size, "%s: data %lld.%lld%% complete, longest gap %lld h", name,
		         (long long)(x->value / 10), (long long)(x->value % 10),
		         (long long)(x->ref / 3600));
		break;
	case REASON_OFFLINE:
		snprintf(buf, size, "%s: devices offline %lld device-hours", name,
		         (long long)(x->value / 3600));
		break;
	case REASON_FAULT:
		snprintf(buf, size, "%s: devices in fault %lld device-hours", name,
		         (long long)(x->value / 3600));
		break;
	case REASON_LOW_YIELD:
		snprintf(buf, size, "%s: specific yield %lld.%lld kWh/kWp, fleet median %lld.%lld",
		         name, (long long)(x->value / 1000), (long long)(x->value % 1000 / 100),
		         (long long)(x->ref / 1000), (long long)(x->ref % 1000 / 100));
		break;
	case REASON_METER_MISMATCH:
		format_kwh(x->value, a, sizeof a);
		format_kwh(x->ref, b, sizeof b);
		diff = x->value - x->ref;
		snprintf(buf, size, "%s: meter %s kWh vs inverters %s kWh (%s%lld.%lld%%)", name, a,
		         b, diff < 0 ? "-" : "+",
		         (long long)(x->value ? llabs(diff) * 1000 / x->value / 10 : 0),
		         (long long)(x->value ? llabs(diff) * 1000 / x->value % 10 : 0));
		break;
	case REASON_DEFICIT:
		format_yuan(x->value, ',', a, sizeof a);
		snprintf(buf, size, "%s: costs above revenue by ¥%s", name, a);
		break;
	case REASON_MONTHS_WITHOUT_DATA:
		snprintf(buf, size, "%s: no data in %lld of the last %lld months", name,
		         (long long)x->value, (long long)x->ref);
		break;
	case REASON_LOW_YIELD_T12:
		snprintf(buf, size,
		         "%s: over the last twelve months it yielded %lld%% of the fleet median",
		         name, (long long)(x->value / 10));
		break;
	case REASON_SHORTFALL:
		format_yuan(x->value, ',', a, sizeof a);
		format_yuan(x->ref, ',', c, sizeof c);
		snprintf(buf, size,
		         "no station problem found: its shares (%lld kW of capacity) earn too "
		         "little (¥%s against a target of ¥%s)",
		         (long long)(x->aux / 1000), a, c);
		break;
	default:
		snprintf(buf, size, "?");
	}
}
