/*
 * format: the helpers every renderer shares: machine names of flags, reasons
 * and sources, yuan and kWh as text (the words are in format_lang.c). It
 * formats figures of the model only; it never computes money, and it never
 * calls a renderer (render.c does), so renderers and helpers do not depend on
 * each other in a circle.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "util.h"

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
	    "low_yield_t12", "shortfall",      "alarm",   "cash"};
	return k >= 0 && k < REASON_COUNT ? keys[k] : "?";
}

/* Machine names of the target bases. */
const char *format_basis_key(enum report_basis b)
{
	return b == REPORT_BASIS_RECEIVED ? "received" : "accrued";
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
